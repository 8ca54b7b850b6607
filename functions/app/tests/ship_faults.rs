//! The ship worker under faults, with the real SDK (aws-smithy-mocks) and the in-memory checkpoint store:
//! throttling is ridden out with each batch delivered once; a transient failure after some batches is
//! `ShipIncomplete`, and the next attempt sends only what was not acknowledged; lost answers and batches left in
//! flight by a stopped attempt are settled by reading the stream back (a mocked GetLogEvents holding what
//! CloudWatch stored), and counted as possibly duplicated only when the read-back fails; the deadline stops the
//! worker retryably.

use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsOutput;
use aws_sdk_cloudwatchlogs::operation::put_log_events::{PutLogEventsError, PutLogEventsOutput};
use aws_sdk_cloudwatchlogs::types::error::InvalidParameterException;
use aws_sdk_cloudwatchlogs::types::OutputLogEvent;
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use elbship_app::context::Invocation;
use elbship_app::ship::{handle, ShipDeps};
use elbship_aws::checkpoints::memory::MemoryCheckpoints;
use elbship_aws::checkpoints::{geometry, CheckpointStore};
use elbship_aws::logs::{LogSink, LogSinks, NewGroups, ReadBackPolicy, SendPolicy};
use elbship_aws::s3::Objects;
use elbship_core::accounting::checkpoint::span_key;
use elbship_core::batching::event_builder::{EventOptions, MessageMode};
use elbship_core::batching::policy::{OldEventPolicy, TimeWindow};
use elbship_core::formats::kind::LogKind;
use elbship_core::orchestration::destination::Destination;
use elbship_core::orchestration::job::{Job, ObjectRef, ShipInput};
use elbship_core::orchestration::naming::object_id;
use elbship_core::spans::Span;
use std::time::Duration;

const NOW: i64 = 1_431_560_383_945;
const THROTTLED: &str = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;

/// Three CLB lines of 600 KB: three batches, since two do not fit in 1 MiB.
fn text() -> Vec<u8> {
    (0..3).flat_map(|i| format!("{}\n", line(i)).into_bytes()).collect()
}

/// Line `i`, as its event's message (its timestamp is `NOW`).
fn line(i: usize) -> String {
    format!("2015-05-13T23:39:43.945958Z lb-{i} {}", "x".repeat(600_000))
}

/// The stream as GetLogEvents reads it: holding lines `stored` (each one batch), and another node's line.
fn stream(stored: &'static [usize]) -> Rule {
    mock!(aws_sdk_cloudwatchlogs::Client::get_log_events).then_output(move || {
        let other = OutputLogEvent::builder().timestamp(NOW).message("another node's line").build();
        let held = stored.iter().map(|&i| OutputLogEvent::builder().timestamp(NOW).message(line(i)).build());
        GetLogEventsOutput::builder()
            .set_events(Some(std::iter::once(other).chain(held).collect()))
            .next_forward_token("f/1")
            .build()
    })
}

fn input() -> ShipInput {
    input_with(1)
}

fn input_with(send_concurrency: u32) -> ShipInput {
    let len = text().len() as u64;
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
            send_concurrency,
            destination: Default::default(),
        },
        span: Span { index: 0, read_start: 0, read_end: len, owned_start: 0, owned_end: len, first_line: 0, lines: 3 },
    }
}

fn key() -> String {
    span_key(&object_id("b", "k", "e"), 0)
}

fn deps(puts: &Rule, stream: &Rule, checkpoints: &MemoryCheckpoints) -> ShipDeps<MemoryCheckpoints> {
    let get = mock!(aws_sdk_s3::Client::get_object)
        .then_output(|| GetObjectOutput::builder().body(ByteStream::from(text())).build());
    let s3 = mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&get]);
    let logs = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [puts, stream], |c| c
        .retry_config(RetryConfig::standard().with_max_attempts(3)));
    let send = SendPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
        attempt_timeout: Duration::from_secs(5),
        read_back: ReadBackPolicy { settle: Duration::from_millis(20) },
    };
    ShipDeps {
        objects: Objects::new(s3),
        logs: LogSinks::home(Destination::default(), LogSink::new(logs, NewGroups::default())),
        checkpoints: checkpoints.clone(),
        send,
    }
}

fn attempt(name: &str, secs: u64) -> Invocation {
    Invocation::within(name, Duration::from_secs(secs))
}

fn ok() -> PutLogEventsOutput {
    PutLogEventsOutput::builder().build()
}

fn refused() -> PutLogEventsError {
    PutLogEventsError::InvalidParameterException(InvalidParameterException::builder().message("no").build())
}

#[tokio::test]
async fn a_throttling_storm_longer_than_the_sdk_retries_is_ridden_out_once_delivered() {
    let puts = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events)
        .sequence()
        .http_status(400, Some(THROTTLED.to_string()))
        .times(20)
        .output(ok)
        .times(3)
        .build();
    let cps = MemoryCheckpoints::default();
    let out = handle(input_with(4), &deps(&puts, &stream(&[]), &cps), &attempt("a", 60))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(puts.num_calls(), 23);
    let l = out.ledger;
    assert_eq!((l.lines_read, l.lines_delivered, l.batches, l.possibly_duplicated), (3, 3, 3, 0));
    assert_eq!(l.check(), Ok(()));
    assert_eq!(cps.span(&key()).map(|c| c.acked.len()), Some(3));
}

#[tokio::test]
async fn a_refusal_keeps_its_name() {
    let puts = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events).sequence().error(refused).build();
    let e = handle(input(), &deps(&puts, &stream(&[]), &MemoryCheckpoints::default()), &attempt("a", 60)).await.err();
    assert_eq!(e.map(|e| e.name()), Some("LogsRefused"));
}

#[tokio::test]
async fn after_a_failure_mid_span_the_next_attempt_sends_only_the_rest() {
    let cps = MemoryCheckpoints::default();
    // The first attempt: one batch acknowledged, then a 5xx outage that outlasts its deadline.
    let first = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events)
        .sequence()
        .output(ok)
        .http_status(500, None)
        .times(10_000)
        .build();
    let e = handle(input(), &deps(&first, &stream(&[]), &cps), &attempt("first", 1)).await.err();
    let (name, message) = e.map(|e| (e.name(), e.to_string())).unwrap_or_default();
    assert_eq!(name, "ShipIncomplete", "{message}");
    assert!(message.contains("1 lines delivered in 1 batches"), "{message}");

    // The retry: batch 0 is skipped; batch 1's fate is unknown (the outage answered 500s), so the stream is read
    // back, which does not hold it: it is sent again, uncounted; batch 2 was never sent.
    let (second, nothing) =
        (mock!(aws_sdk_cloudwatchlogs::Client::put_log_events).sequence().output(ok).times(2).build(), stream(&[]));
    let out = handle(input(), &deps(&second, &nothing, &cps), &attempt("second", 60)).await;
    let out = out.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(second.num_calls(), 2);
    assert!(nothing.num_calls() >= 2, "batch 1 read back at once and after the settle time");
    let l = out.ledger;
    assert_eq!((l.lines_read, l.lines_delivered, l.events_delivered, l.batches), (3, 3, 3, 3));
    assert_eq!(l.possibly_duplicated, 0, "batch 1 was read back: not stored");
    assert_eq!(l.check(), Ok(()));

    // A third attempt (a duplicated execution) sends nothing and reports the same ledger.
    let third = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events).sequence().output(ok).build();
    let again = handle(input(), &deps(&third, &stream(&[]), &cps), &attempt("third", 60)).await;
    let again = again.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((third.num_calls(), again.ledger), (0, l));
}

#[tokio::test]
async fn a_lost_answer_is_read_back_and_nothing_is_stored_twice_or_counted() {
    // Batch 1 is stored and its answer lost (503): the stream holds it, so it is not sent again.
    let puts = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events)
        .sequence()
        .output(ok)
        .http_status(503, None)
        .output(ok)
        .build();
    let out = handle(input(), &deps(&puts, &stream(&[1]), &MemoryCheckpoints::default()), &attempt("a", 60)).await;
    let l = out.unwrap_or_else(|e| panic!("{e}")).ledger;
    assert_eq!(puts.num_calls(), 3, "three batches, one call each");
    assert_eq!((l.lines_delivered, l.possibly_duplicated), (3, 0));
}

#[tokio::test]
async fn a_lost_answer_that_cannot_be_read_back_is_counted_as_possibly_duplicated() {
    let puts = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events)
        .sequence()
        .output(ok)
        .http_status(503, None)
        .output(ok)
        .times(2)
        .build();
    let denied = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
        .sequence()
        .http_status(400, Some(r#"{"__type":"AccessDeniedException","message":"no"}"#.into()))
        .times(10)
        .build();
    let out = handle(input(), &deps(&puts, &denied, &MemoryCheckpoints::default()), &attempt("a", 60)).await;
    let l = out.unwrap_or_else(|e| panic!("{e}")).ledger;
    assert_eq!((l.lines_delivered, l.possibly_duplicated), (3, 1));
}

#[tokio::test]
async fn batches_left_in_flight_by_a_killed_worker_are_read_back_and_only_the_missing_one_sent() {
    let cps = MemoryCheckpoints::default();
    // What a worker killed while sending batches 1 and 2 leaves: 0 acknowledged, 1 and 2 reserved; CloudWatch
    // stored batch 1 before the worker died.
    let (k, g) = (key(), geometry(&input().span));
    cps.take_over(&k, "killed", &g, 1).await.unwrap_or_else(|e| panic!("{e}"));
    cps.reserve(&k, "killed", 3).await.unwrap_or_else(|e| panic!("{e}"));
    let one = elbship_core::accounting::ledger::Ledger {
        lines_delivered: 1,
        events_delivered: 1,
        batches: 1,
        ..Default::default()
    };
    let ack = elbship_aws::checkpoints::Ack { seq: 0, rejections: Default::default(), possibly_duplicated: false };
    cps.ack(&k, "killed", ack, &one).await.unwrap_or_else(|e| panic!("{e}"));

    let puts = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events).sequence().output(ok).times(2).build();
    let out = handle(input(), &deps(&puts, &stream(&[0, 1]), &cps), &attempt("next", 60)).await;
    let out = out.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(puts.num_calls(), 1, "only batch 2, which the stream does not hold, is sent");
    assert_eq!((out.ledger.lines_delivered, out.ledger.possibly_duplicated), (3, 0));
    assert_eq!(cps.span(&k).map(|c| c.acked.len()), Some(3));
}

#[tokio::test]
async fn a_worker_out_of_time_sends_nothing_and_fails_retryably() {
    let cps = MemoryCheckpoints::default();
    let puts = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events).sequence().output(ok).times(3).build();
    let e = handle(input(), &deps(&puts, &stream(&[]), &cps), &attempt("late", 0)).await.err();
    assert_eq!(e.map(|e| e.name()), Some("ShipIncomplete"));
    assert_eq!(puts.num_calls(), 0);
}

#[tokio::test]
async fn an_object_that_cannot_be_read_reserves_nothing_so_the_next_attempt_counts_no_duplicate() {
    let puts = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events).sequence().output(ok).times(3).build();
    let cps = MemoryCheckpoints::default();
    let slow_down = mock!(aws_sdk_s3::Client::get_object).sequence().http_status(503, None).times(3).build();
    let mut failing = deps(&puts, &stream(&[]), &cps);
    failing.objects = Objects::new(mock_client!(aws_sdk_s3, RuleMode::Sequential, [&slow_down]));
    let e = handle(input_with(4), &failing, &attempt("a", 60)).await.err();
    assert_eq!(e.map(|e| e.name()), Some("S3Unavailable"));
    assert_eq!(cps.span(&key()), None, "nothing taken over, nothing reserved");
    let out = handle(input_with(4), &deps(&puts, &stream(&[]), &cps), &attempt("b", 60))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((out.ledger.lines_delivered, out.ledger.possibly_duplicated), (3, 0));
}
