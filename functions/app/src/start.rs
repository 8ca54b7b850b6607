//! The start function: an S3 "Object Created" event (from EventBridge, or a classic notification with several
//! records, straight or through SQS, SNS or both) starts one state machine execution per log object, named from
//! bucket, key and ETag. A small object (by the size in its event) takes the Express state machine, any other the
//! Standard one ([`route`]). A duplicated event ships nothing twice: the Standard name is unique, and on the
//! Express route the object function's lease stops the second execution. The ELB test file, keys that are not
//! logs and S3's `s3:TestEvent` start nothing and are logged as skipped; an ELB log of an account that is not
//! allowed, or whose file name and path disagree, starts nothing and is counted refused (`ObjectsRefused`).

use elbship_aws::error::ElbshipError;
use elbship_aws::sfn::{start_object, StartOutcome};
use elbship_core::formats::key::classify_key;
use elbship_core::formats::s3_event::objects_in_event;
use elbship_core::orchestration::destination::Destinations;
use elbship_core::orchestration::job::ShipOptions;
use elbship_core::orchestration::route::{route, Route};
use serde_json::Value;

/// The state machines objects are started on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routes {
    /// The Standard state machine.
    pub standard: String,
    /// The Express state machine, when there is one.
    pub express: Option<String>,
    /// The largest object that takes the Express route.
    pub express_max_bytes: u64,
}

/// What the start function works with.
#[derive(Debug, Clone)]
pub struct StartDeps {
    /// Step Functions.
    pub sfn: aws_sdk_sfn::Client,
    /// Where objects go.
    pub routes: Routes,
    /// Whose objects are shipped at all.
    pub destinations: Destinations,
}

/// The Lambda call: the event as it came.
pub async fn invoke(
    event: lambda_runtime::LambdaEvent<Value>,
    deps: &StartDeps,
) -> Result<Vec<StartOutcome>, ElbshipError> {
    handle(&event.payload, deps).await
}

/// Starts an execution for every log object in `event`.
pub async fn handle(event: &Value, deps: &StartDeps) -> Result<Vec<StartOutcome>, ElbshipError> {
    let (sfn, routes) = (&deps.sfn, &deps.routes);
    let objects = objects_in_event(event).map_err(|e| ElbshipError::BadInput(e.to_string()))?;
    if objects.is_empty() {
        tracing::info!("skipped: the event names no object (an S3 test event)");
    }
    let mut outcomes = Vec::with_capacity(objects.len());
    for object in &objects {
        let (chosen, arn) =
            match (route(object.size, routes.express_max_bytes, routes.express.is_some()), &routes.express) {
                (Route::Express, Some(express)) => (Route::Express, express),
                _ => (Route::Standard, &routes.standard),
            };
        tracing::debug!(key = object.key, size = object.size, route = ?chosen, "routing");
        let outcome = match deps.destinations.of(&classify_key(&object.key)) {
            Some(Err(refusal)) => {
                elbship_aws::metrics::refused(object, &refusal);
                StartOutcome::refused(&object.key, &refusal)
            }
            _ => start_object(sfn, arn, object, ShipOptions::default()).await?,
        };
        match &outcome {
            StartOutcome::Skipped { key, reason } => tracing::info!(key, reason, "skipped: not a log"),
            StartOutcome::Refused { key, refusal, reason } => {
                tracing::warn!(key, refusal, reason, "refused: written nowhere")
            }
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
    const EXPRESS: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:elbship-express";

    fn routes() -> Routes {
        Routes { standard: SM.into(), express: Some(EXPRESS.into()), express_max_bytes: 100 }
    }

    fn deps(sfn: &aws_sdk_sfn::Client, routes: Routes) -> StartDeps {
        let home = elbship_core::orchestration::destination::Home { account: "123456789012".into(), region: "".into() };
        StartDeps { sfn: sfn.clone(), routes, destinations: Destinations { home, ..Destinations::default() } }
    }

    fn started() -> StartExecutionOutput {
        StartExecutionOutput::builder()
            .execution_arn("a")
            .start_date(aws_smithy_types::DateTime::from_secs(0))
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[tokio::test]
    async fn small_objects_go_express_and_large_or_unsized_ones_standard() {
        let express = mock!(aws_sdk_sfn::Client::start_execution)
            .match_requests(|r| r.state_machine_arn() == Some(EXPRESS))
            .then_output(started);
        let standard = mock!(aws_sdk_sfn::Client::start_execution)
            .match_requests(|r| r.state_machine_arn() == Some(SM))
            .then_output(started);
        let sfn = mock_client!(aws_sdk_sfn, aws_smithy_mocks::RuleMode::MatchAny, [&express, &standard]);
        let records: Vec<Value> = [100, 101, 0]
            .iter()
            .map(|size| {
                json!({"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"},
                "object": {"key": KEY.replace("_abc.", &format!("_s{size}.")), "size": size, "eTag": "e"}}})
            })
            .collect();
        let out = handle(&json!({ "Records": records }), &deps(&sfn, routes())).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.len(), 3);
        assert_eq!((express.num_calls(), standard.num_calls()), (1, 2));
        let none = Routes { express: None, ..routes() };
        handle(&json!({ "Records": records[..1] }), &deps(&sfn, none)).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((express.num_calls(), standard.num_calls()), (1, 3), "no Express state machine: all Standard");
    }

    #[tokio::test]
    async fn a_test_event_starts_nothing_and_is_no_error() {
        let start = mock!(aws_sdk_sfn::Client::start_execution).then_output(started);
        let sfn = mock_client!(aws_sdk_sfn, [&start]);
        let test = json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "b"});
        assert_eq!(handle(&test, &deps(&sfn, routes())).await.ok(), Some(vec![]));
        assert_eq!(start.num_calls(), 0);
    }

    #[tokio::test]
    async fn a_connection_log_through_sqs_starts_its_execution() {
        let start = mock!(aws_sdk_sfn::Client::start_execution)
            .match_requests(|r| r.name().is_some_and(|n| n.starts_with("lb_20261127T100000000Z_")))
            .then_output(started);
        let sfn = mock_client!(aws_sdk_sfn, [&start]);
        let n = json!({"Records": [{"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"},
            "object": {"key": KEY, "size": 9, "eTag": "e"}}}]});
        let sqs = json!({"Records": [{"eventSource": "aws:sqs", "body": n.to_string()}]});
        let out = handle(&sqs, &deps(&sfn, routes())).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(&out[..], [StartOutcome::Started { .. }]), "{out:?}");
        assert_eq!(start.num_calls(), 1);
    }

    #[tokio::test]
    async fn an_object_of_an_account_not_allowed_or_a_mismatched_key_starts_nothing_and_is_refused_by_name() {
        let start = mock!(aws_sdk_sfn::Client::start_execution).then_output(started);
        let sfn = mock_client!(aws_sdk_sfn, [&start]);
        let other = KEY.replace("123456789012", "210987654321");
        let copied = KEY.replacen("AWSLogs/123456789012/", "AWSLogs/210987654321/", 1);
        let records: Vec<Value> = [other, copied, KEY.to_string()]
            .iter()
            .map(|key| json!({"eventSource": "aws:s3", "s3": {"bucket": {"name": "b"}, "object": {"key": key, "size": 9, "eTag": "e"}}}))
            .collect();
        let out = handle(&json!({ "Records": records }), &deps(&sfn, routes())).await.unwrap_or_else(|e| panic!("{e}"));
        let names: Vec<&str> = out
            .iter()
            .map(|o| match o {
                StartOutcome::Refused { refusal, .. } => refusal.as_str(),
                StartOutcome::Started { .. } => "Started",
                _ => "other",
            })
            .collect();
        assert_eq!(names, ["AccountNotAllowed", "KeyMismatch", "Started"]);
        assert_eq!(start.num_calls(), 1, "only the allowed object started an execution");
    }
}
