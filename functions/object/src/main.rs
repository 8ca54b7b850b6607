//! Lambda entry point of the object function: the Express route's one call per small object, a backfill's batches and its summary; the use case is `elbship_app::object`.

use elbship_aws::{clients, config::Config};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let deps = elbship_app::wiring::object(Config::from_env()?, &clients::load().await)?;
    let deps = &deps;
    run(service_fn(move |event: LambdaEvent<Value>| elbship_app::object::invoke(event, deps))).await
}
