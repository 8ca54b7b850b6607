//! Lambda entry point of the ship function; see the library for what it does.

use elbship_aws::checkpoints::{dynamo::DynamoCheckpoints, new_owner};
use elbship_aws::config::Config;
use elbship_aws::logs::{LogSink, SendPolicy};
use elbship_aws::{clients, error::ElbshipError, s3::Objects};
use elbship_core::job::ShipInput;
use elbship_ship::{give_up_after, remaining_time, Invocation, ShipDeps};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let table = config.require_checkpoint_table()?.to_string();
    let sdk = clients::load().await;
    let deps = ShipDeps {
        objects: Objects::new(clients::s3(&sdk)),
        logs: LogSink::new(clients::logs(&sdk), config.new_groups()),
        checkpoints: DynamoCheckpoints::new(clients::dynamodb(&sdk), table),
        send: SendPolicy::default(),
    };
    run(service_fn(|event: LambdaEvent<Value>| {
        let deps = &deps;
        async move {
            let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
            let remaining = remaining_time(event.context.deadline, now_ms);
            let invocation = Invocation {
                owner: new_owner(&event.context.request_id),
                give_up_at: tokio::time::Instant::now() + give_up_after(remaining),
            };
            tracing::debug!(remaining_ms = remaining.as_millis() as u64, "invoked");
            let input: ShipInput = serde_json::from_value(event.payload)
                .map_err(|e| ElbshipError::BadInput(format!("ship input: {e}")))?;
            elbship_ship::handle(input, deps, &invocation).await
        }
    }))
    .await
}
