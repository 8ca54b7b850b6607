//! The start function: an S3 "Object Created" event (from EventBridge, or a classic notification with several
//! records) starts one state machine execution per log object, named from bucket, key and ETag, so a duplicated
//! event ships nothing twice. The ELB test file and keys that are not logs start nothing and are logged as
//! skipped.

use elbship_aws::error::ElbshipError;
use elbship_aws::sfn::{start_object, StartOutcome};
use elbship_core::job::ShipOptions;
use elbship_core::s3_event::objects_in_event;
use serde_json::Value;

/// Starts an execution for every log object in `event`.
pub async fn handle(
    event: &Value,
    sfn: &aws_sdk_sfn::Client,
    state_machine_arn: &str,
) -> Result<Vec<StartOutcome>, ElbshipError> {
    let objects = objects_in_event(event).map_err(|e| ElbshipError::BadInput(e.to_string()))?;
    let mut outcomes = Vec::with_capacity(objects.len());
    for object in &objects {
        let outcome = start_object(sfn, state_machine_arn, object, ShipOptions::default()).await?;
        match &outcome {
            StartOutcome::Skipped { key, reason } => tracing::info!(key, reason, "skipped: not a log"),
            StartOutcome::Started { key, execution_arn } => tracing::info!(key, execution_arn, "started"),
            StartOutcome::AlreadyStarted { key, execution_arn } => {
                tracing::info!(key, execution_arn, "already started: duplicate event")
            }
        }
        outcomes.push(outcome);
    }
    Ok(outcomes)
}
