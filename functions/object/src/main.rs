//! Lambda entry point of the object function; see the library for what it does.

use elbship_aws::checkpoints::{dynamo::DynamoCheckpoints, new_owner};
use elbship_aws::config::Config;
use elbship_aws::logs::{LogSink, SendPolicy};
use elbship_aws::{clients, error::ElbshipError, s3::Objects};
use elbship_core::route::ObjectInput;
use elbship_object::ObjectDeps;
use elbship_plan::PlanDeps;
use elbship_ship::{give_up_after, remaining_time, Invocation, ShipDeps};
use elbship_verify::VerifyDeps;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time kept back from shipping for the hand-over to the Standard state machine.
const HAND_OVER: Duration = Duration::from_secs(10);

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    let sdk = clients::load().await;
    let checkpoints = DynamoCheckpoints::new(clients::dynamodb(&sdk), config.require_checkpoint_table()?);
    // One GET per object: plan reads it whole, ship and verify from memory.
    let objects = Objects::holding_small(clients::s3(&sdk), config.express_max_bytes);
    let logs = LogSink::new(clients::logs(&sdk), config.new_groups());
    let deps = ObjectDeps {
        ship: ShipDeps {
            objects: objects.clone(),
            logs: logs.clone(),
            checkpoints: checkpoints.clone(),
            send: SendPolicy::default(),
        },
        verify: VerifyDeps { objects: objects.clone(), checkpoints: checkpoints.clone() },
        sfn: clients::sfn(&sdk),
        standard_arn: config.require_state_machine()?.to_string(),
        plan: PlanDeps { objects, logs, config, checkpoints, lease: None },
    };
    run(service_fn(|event: LambdaEvent<Value>| {
        let deps = &deps;
        async move {
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
            let remaining = remaining_time(event.context.deadline, now.as_millis() as u64);
            let invocation = Invocation {
                owner: new_owner(&event.context.request_id),
                give_up_at: tokio::time::Instant::now() + give_up_after(remaining).saturating_sub(HAND_OVER),
            };
            let input: ObjectInput = serde_json::from_value(event.payload)
                .map_err(|e| ElbshipError::BadInput(format!("object input: {e}")))?;
            let object = input.input.object.clone();
            let result = elbship_object::handle(input, deps, &invocation, now.as_millis() as i64).await;
            if let Err(e) = &result {
                elbship_aws::metrics::failed(&object, e);
            }
            result
        }
    }))
    .await
}
