//! Lambda entry point of the plan function: read the object once, count its lines, cut its spans; the use case is `elbship_app::plan`.

use elbship_aws::{clients, config::Config};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = elbship_app::wiring::plan(Config::from_env()?, &clients::load().await)?;
    let deps = &deps;
    run(service_fn(move |event: LambdaEvent<Value>| elbship_app::plan::invoke(event, deps))).await
}
