//! Tests of [`super`]: rejections read back into the ledger, and faults (throttling, 5xx, refusals) through the
//! real SDK with aws-smithy-mocks.

use super::sink::MAX_CREATIONS;
use super::*;
use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::operation::create_log_group::{CreateLogGroupError, CreateLogGroupOutput};
use aws_sdk_cloudwatchlogs::operation::create_log_stream::CreateLogStreamOutput;
use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsOutput;
use aws_sdk_cloudwatchlogs::operation::put_log_events::{PutLogEventsError, PutLogEventsOutput};
use aws_sdk_cloudwatchlogs::types::error::{
    InvalidParameterException, ResourceAlreadyExistsException, ResourceNotFoundException,
};
use aws_sdk_cloudwatchlogs::types::RejectedLogEventsInfo;
use aws_sdk_cloudwatchlogs::types::{LogGroup, OutputLogEvent};
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use elbship_core::accounting::checkpoint::Rejections;
use elbship_core::synth::numbered_batch as batch;
use std::time::Duration;
use tokio::time::Instant;

fn info(new: Option<i32>, old: Option<i32>, expired: Option<i32>) -> RejectedLogEventsInfo {
    RejectedLogEventsInfo::builder()
        .set_too_new_log_event_start_index(new)
        .set_too_old_log_event_end_index(old)
        .set_expired_log_event_end_index(expired)
        .build()
}

#[test]
fn rejected_log_events_info_becomes_rejections() {
    let r = rejections(Some(&info(Some(8), Some(2), Some(-1))));
    assert_eq!(r, Rejections { too_new_start: Some(8), too_old_end: Some(2), expired_end: Some(0) });
    assert!(rejections(None).is_empty());
}

fn sink(rule: &aws_smithy_mocks::Rule) -> LogSink {
    // The client's own retries stay on, as in production: put must switch them off for PutLogEvents.
    LogSink::new(
        mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, [rule], |c| c
            .retry_config(RetryConfig::standard().with_max_attempts(5))),
        NewGroups::default(),
    )
}

fn fast() -> SendPolicy {
    SendPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(4),
        attempt_timeout: Duration::from_secs(5),
        read_back: ReadBackPolicy { settle: Duration::from_millis(20) },
    }
}

fn later(secs: u64) -> Instant {
    Instant::now() + Duration::from_secs(secs)
}

const THROTTLED: &str = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;

/// A GetLogEvents that finds what `events` gives, on one page.
fn stream_holding(events: impl Fn() -> Vec<(i64, String)> + Send + Sync + 'static) -> aws_smithy_mocks::Rule {
    mock!(Client::get_log_events).then_output(move || {
        let found = events().into_iter().map(|(t, m)| OutputLogEvent::builder().timestamp(t).message(m).build());
        GetLogEventsOutput::builder().set_events(Some(found.collect())).next_forward_token("f/end").build()
    })
}

fn events_of(b: &elbship_core::batching::batch::Batch) -> Vec<(i64, String)> {
    b.events().map(|e| (e.timestamp, e.message.to_string())).collect()
}

fn sink_with(rules: &[&aws_smithy_mocks::Rule]) -> LogSink {
    let client = match rules {
        [a, b] => mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [a, b]),
        _ => unreachable!("two rules"),
    };
    LogSink::new(client, NewGroups::default())
}

#[tokio::test]
async fn server_errors_that_stored_nothing_are_read_back_and_sent_again_uncounted() {
    let rule = mock!(Client::put_log_events)
        .sequence()
        .http_status(503, None)
        .times(2)
        .output(|| PutLogEventsOutput::builder().rejected_log_events_info(info(None, Some(1), None)).build())
        .build();
    let empty = stream_holding(|| vec![(1, "another node's line".into())]);
    let d = sink_with(&[&rule, &empty]).put("g", "s", &batch(4), fast(), Sending::until(later(60))).await;
    let d = d.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rule.num_calls(), 3);
    assert_eq!((d.attempts, d.possibly_duplicated, d.read_back), (3, false, true));
    // Each lost answer is read at once and again after the settle time, each read two pages: the end of a
    // stream is known when GetLogEvents gives back the token it was sent.
    assert_eq!((empty.num_calls(), d.read_back_calls), (8, 8));
    assert_eq!(d.rejections.too_old_end, Some(1));
}

#[tokio::test]
async fn a_lost_answer_whose_batch_was_stored_is_not_sent_again() {
    let rule = mock!(Client::put_log_events).sequence().http_status(500, None).times(1).build();
    let stored = stream_holding(|| events_of(&batch(5)));
    let d = sink_with(&[&rule, &stored]).put("g", "s", &batch(5), fast(), Sending::until(later(60))).await;
    let d = d.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((rule.num_calls(), stored.num_calls()), (1, 1), "found whole at the first read");
    assert_eq!((d.attempts, d.possibly_duplicated, d.read_back), (1, false, true));
}

#[tokio::test]
async fn an_earlier_attempts_batch_is_settled_before_anything_is_sent() {
    let rule = mock!(Client::put_log_events).then_output(|| PutLogEventsOutput::builder().build());
    let stored = stream_holding(|| events_of(&batch(3)));
    let unknown = Some(Unknown { since: Instant::now(), sent_at_ms: 0 });
    let d = sink_with(&[&rule, &stored])
        .put("g", "s", &batch(3), fast(), Sending { unknown, ..Sending::until(later(60)) })
        .await;
    assert_eq!(d.map(|d| (d.attempts, d.read_back)).ok(), Some((0, true)));
    assert_eq!(rule.num_calls(), 0);
}

#[tokio::test]
async fn a_read_back_that_fails_leaves_the_batch_counted_as_possibly_duplicated() {
    let rule = mock!(Client::put_log_events)
        .sequence()
        .http_status(500, None)
        .times(1)
        .output(|| PutLogEventsOutput::builder().build())
        .build();
    let denied = mock!(Client::get_log_events)
        .sequence()
        .http_status(400, Some(r#"{"__type":"AccessDeniedException","message":"no"}"#.into()))
        .times(10)
        .build();
    let d = sink_with(&[&rule, &denied]).put("g", "s", &batch(2), fast(), Sending::until(later(60))).await;
    let d = d.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((d.attempts, d.possibly_duplicated), (2, true));
}

#[tokio::test]
async fn throttling_is_retried_past_the_sdk_budget_and_is_no_duplicate() {
    let rule = mock!(Client::put_log_events)
        .sequence()
        .http_status(400, Some(THROTTLED.to_string()))
        .times(12)
        .output(|| PutLogEventsOutput::builder().build())
        .build();
    let d =
        sink(&rule).put("g", "s", &batch(1), fast(), Sending::until(later(60))).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((rule.num_calls(), d.attempts, d.possibly_duplicated), (13, 13, false));
}

#[tokio::test(start_paused = true)]
async fn a_storm_past_the_deadline_is_named_retryable() {
    let rule =
        mock!(Client::put_log_events).sequence().http_status(400, Some(THROTTLED.to_string())).times(1000).build();
    let policy = SendPolicy { max_backoff: Duration::from_secs(2), ..fast() };
    let e = sink(&rule).put("g", "s", &batch(1), policy, Sending::until(later(20))).await.err();
    assert!(rule.num_calls() > 10, "{} attempts in 20 s of backoff capped at 2 s", rule.num_calls());
    assert_eq!(e.as_ref().map(|e| e.name()), Some("OutOfTime"));
    assert!(e.is_some_and(|e| e.retryable()));
}

#[tokio::test(start_paused = true)]
async fn a_batch_held_through_a_storm_is_not_sent_once_its_span_was_taken_over() {
    use crate::checkpoints::{fence::Fence, memory::MemoryCheckpoints, CheckpointStore};
    let rule =
        mock!(Client::put_log_events).sequence().http_status(400, Some(THROTTLED.to_string())).times(1000).build();
    let store = MemoryCheckpoints::default();
    store.take_over("span", "old", "g", 0).await.unwrap_or_else(|e| panic!("{e}"));
    let fence = Fence::new(store.clone(), "span".into(), "old".into(), Instant::now(), Duration::from_secs(30));
    // A newer attempt takes the span over while this one is still sending.
    store.take_over("span", "new", "g", 0).await.unwrap_or_else(|e| panic!("{e}"));
    let policy = SendPolicy { max_backoff: Duration::from_secs(2), ..fast() };
    let sending = Sending { fence: Some(&fence), ..Sending::until(later(600)) };
    let started = Instant::now();
    let e = sink(&rule).put("g", "s", &batch(1), policy, sending).await.err();
    assert_eq!(e.as_ref().map(|e| e.name()), Some("SpanTakenOver"), "stopped by the fence, not by the deadline");
    let stopped = started.elapsed();
    assert!(
        stopped > Duration::from_secs(30) && stopped < Duration::from_secs(33),
        "at its first stale check: {stopped:?}"
    );
    assert!(rule.num_calls() > 10, "the storm was retried while the hold was fresh: {} attempts", rule.num_calls());
    let calls = rule.num_calls();
    tokio::time::advance(Duration::from_secs(60)).await;
    assert_eq!(rule.num_calls(), calls, "and nothing was sent after it stopped");
}

#[tokio::test]
async fn refusals_are_not_retried() {
    let refused =
        || PutLogEventsError::InvalidParameterException(InvalidParameterException::builder().message("bad").build());
    let rule = mock!(Client::put_log_events).sequence().error(refused).build();
    let e = sink(&rule).put("g", "s", &batch(1), fast(), Sending::until(later(60))).await.err();
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(e.as_ref().map(|e| e.name()), Some("LogsRefused"));
    // The chain keeps the service's own answer: elbship's error, its cause, the SDK's error.
    let sdk = e.as_ref().and_then(std::error::Error::source).and_then(std::error::Error::source);
    assert!(sdk.is_some_and(|s| format!("{s:?}").contains("InvalidParameterException")), "{sdk:?}");
}

#[tokio::test]
async fn retention_is_read_once_per_group_and_remembered() {
    let describe = mock!(Client::describe_log_groups).then_output(|| {
        DescribeLogGroupsOutput::builder()
            .log_groups(LogGroup::builder().log_group_name("g-other").retention_in_days(1).build())
            .log_groups(LogGroup::builder().log_group_name("g").retention_in_days(7).build())
            .build()
    });
    let missing = mock!(Client::describe_log_groups).then_output(|| DescribeLogGroupsOutput::builder().build());
    let new_groups = NewGroups { retention_days: Some(30), ..NewGroups::default() };
    let sink =
        LogSink::new(mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, [&describe, &missing]), new_groups);
    for _ in 0..3 {
        assert_eq!(sink.retention("g").await.ok(), Some(Some(7)));
    }
    // A group that does not exist yet will get the configured retention when the first batch creates it.
    assert_eq!(sink.clone().retention("new").await.ok(), Some(Some(30)));
    assert_eq!(sink.retention("new").await.ok(), Some(Some(30)));
    assert_eq!((describe.num_calls(), missing.num_calls()), (1, 1));
}

fn not_found() -> PutLogEventsError {
    PutLogEventsError::ResourceNotFoundException(ResourceNotFoundException::builder().message("no stream").build())
}

#[tokio::test]
async fn a_missing_group_and_stream_are_created_by_the_first_batch_that_needs_them() {
    let put = mock!(Client::put_log_events)
        .sequence()
        .error(not_found)
        .output(|| PutLogEventsOutput::builder().build())
        .build();
    let group = mock!(Client::create_log_group)
        .match_requests(|r| {
            r.kms_key_id() == Some("arn:aws:kms:us-east-1:1:key/k")
                && r.log_group_class().map(|c| c.as_str()) == Some("INFREQUENT_ACCESS")
        })
        .then_output(|| CreateLogGroupOutput::builder().build());
    let retention =
        mock!(Client::put_retention_policy).match_requests(|r| r.retention_in_days() == Some(30)).then_output(|| {
            aws_sdk_cloudwatchlogs::operation::put_retention_policy::PutRetentionPolicyOutput::builder().build()
        });
    let stream = mock!(Client::create_log_stream).then_output(|| CreateLogStreamOutput::builder().build());
    let new_groups = NewGroups {
        retention_days: Some(30),
        kms_key: Some("arn:aws:kms:us-east-1:1:key/k".into()),
        class: LogGroupClass::InfrequentAccess,
    };
    let sink = LogSink::new(
        mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&put, &group, &retention, &stream]),
        new_groups,
    );
    let d = sink.put("g", "s", &batch(3), fast(), Sending::until(later(10))).await;
    assert!(d.as_ref().is_ok_and(|d| !d.possibly_duplicated), "{d:?}");
    assert_eq!((put.num_calls(), group.num_calls(), retention.num_calls(), stream.num_calls()), (2, 1, 1, 1));
}

#[tokio::test]
async fn creation_calls_throttled_in_a_burst_are_retried_until_they_pass() {
    let put = mock!(Client::put_log_events)
        .sequence()
        .error(not_found)
        .times(3)
        .output(|| PutLogEventsOutput::builder().build())
        .build();
    let group = mock!(Client::create_log_group)
        .sequence()
        .http_status(400, Some(THROTTLED.into()))
        .times(2)
        .output(|| CreateLogGroupOutput::builder().build())
        .build();
    let stream = mock!(Client::create_log_stream).then_output(|| CreateLogStreamOutput::builder().build());
    let sink = LogSink::new(
        mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&put, &group, &stream], |c| c
            .retry_config(RetryConfig::disabled())),
        NewGroups::default(),
    );
    let d = sink.put("g", "s", &batch(2), fast(), Sending::until(later(10))).await;
    assert!(d.as_ref().is_ok_and(|d| !d.possibly_duplicated), "{d:?}");
    assert_eq!((group.num_calls(), stream.num_calls(), put.num_calls()), (3, 1, 4));
}

#[tokio::test]
async fn a_group_that_exists_is_left_as_it_is() {
    let put = mock!(Client::put_log_events)
        .sequence()
        .error(not_found)
        .output(|| PutLogEventsOutput::builder().build())
        .build();
    let exists =
        || CreateLogGroupError::ResourceAlreadyExistsException(ResourceAlreadyExistsException::builder().build());
    let group = mock!(Client::create_log_group).then_error(exists);
    let retention = mock!(Client::put_retention_policy).then_output(|| {
        aws_sdk_cloudwatchlogs::operation::put_retention_policy::PutRetentionPolicyOutput::builder().build()
    });
    let stream = mock!(Client::create_log_stream).then_output(|| CreateLogStreamOutput::builder().build());
    let new_groups = NewGroups { retention_days: Some(30), ..NewGroups::default() };
    let sink = LogSink::new(
        mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&put, &group, &retention, &stream]),
        new_groups,
    );
    assert!(sink.put("g", "s", &batch(1), fast(), Sending::until(later(10))).await.is_ok());
    assert_eq!((group.num_calls(), retention.num_calls(), stream.num_calls()), (1, 0, 1));
}

#[tokio::test]
async fn not_found_after_creating_is_a_refusal_not_a_loop() {
    let put = mock!(Client::put_log_events).then_error(not_found);
    let group = mock!(Client::create_log_group).then_output(|| CreateLogGroupOutput::builder().build());
    let stream = mock!(Client::create_log_stream).then_output(|| CreateLogStreamOutput::builder().build());
    let sink = LogSink::new(
        mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&put, &group, &stream]),
        NewGroups::default(),
    );
    let r = sink.put("g", "s", &batch(1), fast(), Sending::until(later(10))).await;
    assert!(matches!(r, Err(ElbshipError::LogsRefused(_))), "{r:?}");
    assert_eq!(put.num_calls(), 1 + MAX_CREATIONS as usize);
}

#[tokio::test]
async fn a_lost_answer_in_a_stream_that_does_not_exist_stored_nothing() {
    let rule = mock!(Client::put_log_events)
        .sequence()
        .http_status(500, None)
        .times(1)
        .output(|| PutLogEventsOutput::builder().build())
        .build();
    let missing = mock!(Client::get_log_events).then_error(|| {
        aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsError::ResourceNotFoundException(
            ResourceNotFoundException::builder().message("The specified log group does not exist.").build(),
        )
    });
    let d = sink_with(&[&rule, &missing]).put("g", "s", &batch(2), fast(), Sending::until(later(60))).await;
    let d = d.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((d.attempts, d.possibly_duplicated, d.read_back), (2, false, true));
    assert_eq!(missing.num_calls(), 2, "read at once and after the settle time");
}
