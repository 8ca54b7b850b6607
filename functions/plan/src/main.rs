//! Lambda entry point of the plan function; see the library for what it does.

use elbship_aws::checkpoints::dynamo::DynamoCheckpoints;
use elbship_aws::{clients, config::Config, error::ElbshipError, logs::LogSink, s3::Objects};
use elbship_core::job::PlanInput;
use elbship_plan::PlanDeps;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let sdk = clients::load().await;
    let checkpoints = DynamoCheckpoints::new(clients::dynamodb(&sdk), config.require_checkpoint_table()?);
    let deps = PlanDeps {
        objects: Objects::new(clients::s3(&sdk)),
        logs: LogSink::new(clients::logs(&sdk), config.new_groups()),
        config,
        checkpoints,
        lease: None,
    };
    run(service_fn(|event: LambdaEvent<Value>| {
        let deps = &deps;
        async move {
            let input: PlanInput = serde_json::from_value(event.payload)
                .map_err(|e| ElbshipError::BadInput(format!("plan input: {e}")))?;
            let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
            let object = input.object.clone();
            let result = elbship_plan::handle(input, deps, now_ms).await;
            if let Err(e) = &result {
                elbship_aws::metrics::failed(&object, e);
            }
            result
        }
    }))
    .await
}
