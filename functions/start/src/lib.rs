//! The start function: an S3 "Object Created" event (from EventBridge, or a classic notification with several
//! records, straight or through SQS, SNS or both) starts one state machine execution per log object, named from
//! bucket, key and ETag, so a duplicated event ships nothing twice. The ELB test file, keys that are not logs and
//! S3's `s3:TestEvent` start nothing and are logged as skipped.

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
    if objects.is_empty() {
        tracing::info!("skipped: the event names no object (an S3 test event)");
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sfn::operation::start_execution::StartExecutionOutput;
    use aws_smithy_mocks::{mock, mock_client};
    use serde_json::json;

    const KEY: &str = "AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/27/conn_log_123456789012_elasticloadbalancing_us-east-1_app.lb.50dc6c495c0c9188_20261127T1000Z_10.0.0.1_abc.log.gz";
    const SM: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:elbship";

    #[tokio::test]
    async fn a_test_event_starts_nothing_and_is_no_error() {
        let start = mock!(aws_sdk_sfn::Client::start_execution).then_output(|| {
            StartExecutionOutput::builder()
                .execution_arn("a")
                .start_date(aws_smithy_types::DateTime::from_secs(0))
                .build()
                .unwrap_or_else(|e| panic!("{e}"))
        });
        let sfn = mock_client!(aws_sdk_sfn, [&start]);
        let test = json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"});
        assert_eq!(handle(&test, &sfn, SM).await.ok(), Some(vec![]));
        assert_eq!(start.num_calls(), 0);
    }

    #[tokio::test]
    async fn a_connection_log_through_sqs_starts_its_execution() {
        let start = mock!(aws_sdk_sfn::Client::start_execution)
            .match_requests(|r| r.name().is_some_and(|n| n.starts_with("lb_20261127T100000000Z_")))
            .then_output(|| {
                StartExecutionOutput::builder()
                    .execution_arn("a")
                    .start_date(aws_smithy_types::DateTime::from_secs(0))
                    .build()
                    .unwrap_or_else(|e| panic!("{e}"))
            });
        let sfn = mock_client!(aws_sdk_sfn, [&start]);
        let n = json!({"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"},
            "object": {"key": KEY, "size": 9, "eTag": "e"}}}]});
        let sqs = json!({"Records": [{"eventSource": "aws:sqs", "body": n.to_string()}]});
        let out = handle(&sqs, &sfn, SM).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(&out[..], [StartOutcome::Started { .. }]), "{out:?}");
        assert_eq!(start.num_calls(), 1);
    }
}
