//! The ship worker under faults, with the real SDK and aws-smithy-mocks: retried throttling still delivers each
//! batch once; a failure before anything was delivered keeps its retryable name; a failure after some batches
//! is `ShipIncomplete`, with what was delivered.

use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::operation::put_log_events::{PutLogEventsError, PutLogEventsOutput};
use aws_sdk_cloudwatchlogs::types::error::InvalidParameterException;
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use elbship_aws::logs::LogSink;
use elbship_aws::s3::Objects;
use elbship_core::event_builder::{EventOptions, MessageMode};
use elbship_core::job::{Job, ObjectRef, ShipInput};
use elbship_core::kind::LogKind;
use elbship_core::policy::{OldEventPolicy, TimeWindow};
use elbship_core::spans::Span;
use elbship_ship::{handle, ShipDeps};

const NOW: i64 = 1_431_560_383_945;

/// Three CLB lines of 600 KB: three batches, since two do not fit in 1 MiB.
fn text() -> Vec<u8> {
    (0..3).flat_map(|i| format!("2015-05-13T23:39:43.945958Z lb-{i} {}\n", "x".repeat(600_000)).into_bytes()).collect()
}

fn input(len: u64) -> ShipInput {
    ShipInput {
        job: Job {
            object: ObjectRef { bucket: "b".into(), key: "k".into(), size: len, etag: "e".into() },
            kind: LogKind::ClbAccess,
            log_group: "g".into(),
            log_stream: "s".into(),
            events: EventOptions {
                kind: LogKind::ClbAccess,
                mode: MessageMode::Raw,
                policy: OldEventPolicy::Reject,
                window: TimeWindow { now_ms: NOW, retention_days: None },
                fallback_ms: NOW,
            },
            index: None,
            send_concurrency: 1,
        },
        span: Span { index: 0, read_start: 0, read_end: len, owned_start: 0, owned_end: len, first_line: 0, lines: 3 },
    }
}

fn deps(puts: &Rule) -> ShipDeps {
    let get = mock!(aws_sdk_s3::Client::get_object)
        .then_output(|| GetObjectOutput::builder().body(ByteStream::from(text())).build());
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&get]);
    let logs = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, [puts], |c| c
        .retry_config(RetryConfig::standard().with_max_attempts(3)));
    ShipDeps { objects: Objects::new(s3), logs: LogSink::new(logs) }
}

fn refused() -> PutLogEventsError {
    PutLogEventsError::InvalidParameterException(InvalidParameterException::builder().message("no").build())
}

#[tokio::test]
async fn throttled_calls_are_retried_and_every_line_delivered_once() {
    let throttled = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_string();
    let puts = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events)
        .sequence()
        .http_status(400, Some(throttled))
        .output(|| PutLogEventsOutput::builder().build())
        .times(3)
        .build();
    let len = text().len() as u64;
    let out = handle(input(len), &deps(&puts)).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(puts.num_calls(), 4);
    assert_eq!((out.ledger.lines_read, out.ledger.lines_delivered, out.ledger.batches), (3, 3, 3));
    assert_eq!(out.ledger.check(), Ok(()));
}

#[tokio::test]
async fn a_failure_before_any_delivery_keeps_its_name() {
    let puts = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events).sequence().error(refused).build();
    let e = handle(input(text().len() as u64), &deps(&puts)).await.err();
    assert_eq!(e.map(|e| e.name()), Some("LogsRefused"));
}

#[tokio::test]
async fn a_failure_after_some_batches_is_incomplete_and_says_what_was_delivered() {
    let puts = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events)
        .sequence()
        .output(|| PutLogEventsOutput::builder().build())
        .error(refused)
        .build();
    let e = handle(input(text().len() as u64), &deps(&puts)).await.err();
    let (name, message) = e.map(|e| (e.name(), e.to_string())).unwrap_or_default();
    assert_eq!(name, "ShipIncomplete");
    assert!(message.contains("after delivering 1 lines in 1 batches"), "{message}");
    assert!(message.contains("LogsRefused"), "{message}");
}
