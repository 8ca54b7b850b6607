//! Lambda entry point of the verify function; see the library for what it does.

use elbship_aws::{clients, error::ElbshipError, s3::Objects};
use elbship_core::job::VerifyInput;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let objects = Objects::new(clients::s3(&clients::load().await));
    run(service_fn(|event: LambdaEvent<Value>| {
        let objects = &objects;
        async move {
            let input: VerifyInput = serde_json::from_value(event.payload)
                .map_err(|e| ElbshipError::BadInput(format!("verify input: {e}")))?;
            elbship_verify::handle(input, objects).await
        }
    }))
    .await
}
