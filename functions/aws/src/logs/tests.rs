//! Tests of [`super`]: rejections read back into the ledger, and faults (throttling, 5xx, refusals) through the
//! real SDK with aws-smithy-mocks.

use super::*;
use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::operation::create_log_group::{CreateLogGroupError, CreateLogGroupOutput};
use aws_sdk_cloudwatchlogs::operation::create_log_stream::CreateLogStreamOutput;
use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
use aws_sdk_cloudwatchlogs::operation::put_log_events::{PutLogEventsError, PutLogEventsOutput};
use aws_sdk_cloudwatchlogs::types::error::{InvalidParameterException, ResourceAlreadyExistsException};
use aws_sdk_cloudwatchlogs::types::LogGroup;
use aws_sdk_cloudwatchlogs::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use elbship_core::batch::Batcher;
use elbship_core::event::Event;

fn batch(n: usize) -> Batch {
    let mut b = Batcher::new();
    for i in 0..n {
        let msg = format!("line {i}");
        let _ = b.push(Event::new(i as i64, &msg).unwrap_or_else(|e| panic!("{e}")));
    }
    b.finish().unwrap_or_else(|| panic!("a batch"))
}

fn info(new: Option<i32>, old: Option<i32>, expired: Option<i32>) -> RejectedLogEventsInfo {
    RejectedLogEventsInfo::builder()
        .set_too_new_log_event_start_index(new)
        .set_too_old_log_event_end_index(old)
        .set_expired_log_event_end_index(expired)
        .build()
}

#[test]
fn rejected_events_are_counted_by_reason() {
    let b = batch(10);
    let l = rejections_into_ledger(&b, Some(&info(Some(8), Some(2), Some(5))));
    assert_eq!((l.rejected.too_old, l.rejected.expired, l.rejected.too_new), (2, 3, 2));
    assert_eq!((l.lines_delivered, l.events_delivered, l.batches), (3, 3, 1));
    let all = rejections_into_ledger(&b, None);
    assert_eq!((all.lines_delivered, all.rejected.total()), (10, 0));
    assert_eq!(all.message_bytes_delivered, b.message_bytes() as u64);
}

fn retrying(
    attempts: u32,
) -> impl Fn(aws_sdk_cloudwatchlogs::config::Builder) -> aws_sdk_cloudwatchlogs::config::Builder {
    move |c| c.retry_config(RetryConfig::standard().with_max_attempts(attempts))
}

#[tokio::test]
async fn server_errors_are_retried_and_delivered_once() {
    let rule = mock!(Client::put_log_events)
        .sequence()
        .http_status(503, None)
        .times(2)
        .output(|| PutLogEventsOutput::builder().build())
        .build();
    let sink = LogSink::new(mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, [&rule], retrying(5)));
    let l = sink.put("g", "s", &batch(4)).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(rule.num_calls(), 3);
    assert_eq!(l.lines_delivered, 4);
}

#[tokio::test]
async fn throttling_is_retried_then_named_retryable() {
    let body = r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;
    let rule = mock!(Client::put_log_events).sequence().http_status(400, Some(body.to_string())).times(3).build();
    let sink = LogSink::new(mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, [&rule], retrying(3)));
    let e = sink.put("g", "s", &batch(1)).await.err();
    assert_eq!(rule.num_calls(), 3);
    assert_eq!(e.map(|e| e.name()), Some("LogsUnavailable"));
}

#[tokio::test]
async fn refusals_are_not_retried() {
    let refused =
        || PutLogEventsError::InvalidParameterException(InvalidParameterException::builder().message("bad").build());
    let rule = mock!(Client::put_log_events).sequence().error(refused).build();
    let sink = LogSink::new(mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, [&rule], retrying(5)));
    let e = sink.put("g", "s", &batch(1)).await.err();
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(e.map(|e| e.name()), Some("LogsRefused"));
}

#[tokio::test]
async fn existing_group_and_stream_are_fine_and_retention_is_read() {
    let exists =
        || CreateLogGroupError::ResourceAlreadyExistsException(ResourceAlreadyExistsException::builder().build());
    let group = mock!(Client::create_log_group).then_error(exists);
    let stream = mock!(Client::create_log_stream).then_output(|| CreateLogStreamOutput::builder().build());
    let describe = mock!(Client::describe_log_groups).then_output(|| {
        DescribeLogGroupsOutput::builder()
            .log_groups(LogGroup::builder().log_group_name("g-other").retention_in_days(1).build())
            .log_groups(LogGroup::builder().log_group_name("g").retention_in_days(7).build())
            .build()
    });
    let sink = LogSink::new(mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, [&group, &stream, &describe]));
    assert_eq!(sink.ensure("g", "s", Some(30), None).await.ok(), Some(Some(7)));
}

#[tokio::test]
async fn a_new_group_gets_the_configured_retention() {
    let group = mock!(Client::create_log_group)
        .match_requests(|r| r.kms_key_id() == Some("arn:aws:kms:us-east-1:1:key/k"))
        .then_output(|| CreateLogGroupOutput::builder().build());
    let retention =
        mock!(Client::put_retention_policy).match_requests(|r| r.retention_in_days() == Some(30)).then_output(|| {
            aws_sdk_cloudwatchlogs::operation::put_retention_policy::PutRetentionPolicyOutput::builder().build()
        });
    let stream = mock!(Client::create_log_stream).then_output(|| CreateLogStreamOutput::builder().build());
    let describe = mock!(Client::describe_log_groups).then_output(|| DescribeLogGroupsOutput::builder().build());
    let sink = LogSink::new(mock_client!(
        aws_sdk_cloudwatchlogs,
        RuleMode::Sequential,
        [&group, &retention, &stream, &describe]
    ));
    assert_eq!(sink.ensure("g", "s", Some(30), Some("arn:aws:kms:us-east-1:1:key/k")).await.ok(), Some(None));
    assert_eq!(retention.num_calls(), 1);
}
