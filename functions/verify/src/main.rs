//! Lambda entry point of the verify function: prove every line is accounted for; the use case is `elbship_app::verify`.

use elbship_aws::{clients, config::Config};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = elbship_app::wiring::verify(&Config::from_env()?, &clients::load().await)?;
    let deps = &deps;
    run(service_fn(move |event: LambdaEvent<Value>| elbship_app::verify::invoke(event, deps))).await
}
