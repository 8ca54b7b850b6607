//! Lambda entry point of the ship function; see the library for what it does.

use elbship_aws::{clients, error::ElbshipError, logs::LogSink, s3::Objects};
use elbship_core::job::ShipInput;
use elbship_ship::ShipDeps;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let sdk = clients::load().await;
    let deps = ShipDeps { objects: Objects::new(clients::s3(&sdk)), logs: LogSink::new(clients::logs(&sdk)) };
    run(service_fn(|event: LambdaEvent<Value>| {
        let deps = &deps;
        async move {
            let input: ShipInput = serde_json::from_value(event.payload)
                .map_err(|e| ElbshipError::BadInput(format!("ship input: {e}")))?;
            elbship_ship::handle(input, deps).await
        }
    }))
    .await
}
