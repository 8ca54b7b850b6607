//! Lambda entry point of the verify function; see the library for what it does.

use elbship_aws::checkpoints::dynamo::DynamoCheckpoints;
use elbship_aws::{clients, config::Config, error::ElbshipError, s3::Objects};
use elbship_core::job::VerifyInput;
use elbship_verify::VerifyDeps;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let sdk = clients::load().await;
    let deps = VerifyDeps {
        objects: Objects::new(clients::s3(&sdk)),
        checkpoints: DynamoCheckpoints::new(clients::dynamodb(&sdk), config.require_checkpoint_table()?),
    };
    run(service_fn(|event: LambdaEvent<Value>| {
        let deps = &deps;
        async move {
            let input: VerifyInput = serde_json::from_value(event.payload)
                .map_err(|e| ElbshipError::BadInput(format!("verify input: {e}")))?;
            let object = input.job.object.clone();
            let result = elbship_verify::handle(input, deps).await;
            if let Err(e) = &result {
                elbship_aws::metrics::failed(&object, e);
            }
            result
        }
    }))
    .await
}
