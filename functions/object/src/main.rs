//! Lambda entry point of the object function; see the library for what it does.

use elbship_aws::checkpoints::{dynamo::DynamoCheckpoints, new_owner};
use elbship_aws::config::Config;
use elbship_aws::logs::{LogSink, SendPolicy};
use elbship_aws::{clients, error::ElbshipError, s3::Objects};
use elbship_core::backfill::batch::Batch;
use elbship_core::route::ObjectInput;
use elbship_object::backfill::{ship_batch, summarize, SummarizeInput};
use elbship_object::ObjectDeps;
use elbship_plan::PlanDeps;
use elbship_ship::{give_up_after, remaining_time, Invocation, ShipDeps};
use elbship_verify::VerifyDeps;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time kept back from shipping for the hand-over to the Standard state machine.
const HAND_OVER: Duration = Duration::from_secs(10);

/// What the function is called for: an object of the Express route, a batch of a backfill, or its summary.
enum Call {
    Object(ObjectInput),
    Batch(Batch),
    Summarize(SummarizeInput),
}

impl Call {
    fn read(mut payload: Value) -> Result<Self, ElbshipError> {
        let bad = |what: &str, e: serde_json::Error| ElbshipError::BadInput(format!("{what}: {e}"));
        if payload.get("Items").is_some() {
            serde_json::from_value(payload).map(Call::Batch).map_err(|e| bad("backfill batch", e))
        } else if let Some(at) = payload.get_mut("summarize").map(Value::take) {
            serde_json::from_value(at).map(Call::Summarize).map_err(|e| bad("backfill summary", e))
        } else {
            serde_json::from_value(payload).map(Call::Object).map_err(|e| bad("object input", e))
        }
    }
}

fn to_value(v: impl serde::Serialize) -> Result<Value, ElbshipError> {
    serde_json::to_value(v).map_err(|e| ElbshipError::Internal(format!("the output: {e}")))
}

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
            let now_ms = now.as_millis() as i64;
            match Call::read(event.payload)? {
                Call::Object(input) => {
                    let object = input.input.object.clone();
                    let result = elbship_object::handle(input, deps, &invocation, now_ms).await;
                    if let Err(e) = &result {
                        elbship_aws::metrics::failed(&object, e);
                    }
                    to_value(result?)
                }
                Call::Batch(batch) => {
                    to_value(ship_batch(batch, deps, &invocation, now_ms, deps.plan.config.express_max_bytes).await?)
                }
                Call::Summarize(at) => to_value(summarize(&at, &deps.verify.objects).await?),
            }
        }
    }))
    .await
}
