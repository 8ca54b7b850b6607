//! CloudWatch Logs: making sure the target group and stream exist, and sending batches. PutLogEvents answers
//! 200 even when it refuses events for their time; [`rejections_into_ledger`] reads `rejectedLogEventsInfo`
//! back into the ledger, so a refused event is counted, never lost.

use crate::error::ElbshipError;
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::operation::create_log_group::CreateLogGroupError;
use aws_sdk_cloudwatchlogs::operation::create_log_stream::CreateLogStreamError;
use aws_sdk_cloudwatchlogs::types::{InputLogEvent, RejectedLogEventsInfo};
use elbship_core::batch::Batch;
use elbship_core::ledger::{Ledger, RejectReason};

/// CloudWatch Logs access for the functions.
#[derive(Debug, Clone)]
pub struct LogSink {
    client: aws_sdk_cloudwatchlogs::Client,
}

fn classify<E: ProvideErrorMetadata + std::fmt::Debug>(
    e: &SdkError<E, aws_sdk_cloudwatchlogs::config::http::HttpResponse>,
    what: &str,
) -> ElbshipError {
    let status = e.raw_response().map(|r| r.status().as_u16());
    let detail = format!("{what}: {}", e.message().or(e.code()).map_or_else(|| format!("{e:?}"), str::to_string));
    let throttled = matches!(e.code(), Some("ThrottlingException" | "ServiceUnavailableException"));
    match status {
        Some(s) if (400..500).contains(&s) && s != 429 && !throttled => ElbshipError::LogsRefused(detail),
        _ => ElbshipError::LogsUnavailable(detail),
    }
}

/// Counts a batch's events as delivered or refused, from PutLogEvents' `rejectedLogEventsInfo` (indices into the
/// batch's sorted events: too new from `tooNewLogEventStartIndex` on, too old before `tooOldLogEventEndIndex`,
/// expired before `expiredLogEventEndIndex`). A line counts when its last event does.
pub fn rejections_into_ledger(batch: &Batch, info: Option<&RejectedLogEventsInfo>) -> Ledger {
    let idx = |v: Option<i32>| v.map(|v| v.max(0) as usize);
    let too_new = info.and_then(|i| idx(i.too_new_log_event_start_index())).unwrap_or(usize::MAX);
    let too_old = info.and_then(|i| idx(i.too_old_log_event_end_index())).unwrap_or(0);
    let expired = info.and_then(|i| idx(i.expired_log_event_end_index())).unwrap_or(0);
    let mut ledger = Ledger { batches: 1, ..Ledger::default() };
    for (i, e) in batch.events().enumerate() {
        let reason = if i >= too_new {
            Some(RejectReason::TooNew)
        } else if i < too_old {
            Some(RejectReason::TooOld)
        } else if i < expired {
            Some(RejectReason::Expired)
        } else {
            None
        };
        match reason {
            Some(r) if e.line_end => ledger.rejected.add(r, 1),
            Some(_) => {}
            None => {
                ledger.events_delivered += 1;
                ledger.message_bytes_delivered += e.message.len() as u64;
                ledger.lines_delivered += u64::from(e.line_end);
            }
        }
    }
    ledger
}

impl LogSink {
    /// Wraps a client.
    pub fn new(client: aws_sdk_cloudwatchlogs::Client) -> Self {
        LogSink { client }
    }

    /// Creates the group (with `retention_days` and the KMS key when it is new) and the stream unless they exist;
    /// returns the group's retention, which decides what counts as expired.
    pub async fn ensure(
        &self,
        group: &str,
        stream: &str,
        retention_days: Option<u32>,
        kms_key: Option<&str>,
    ) -> Result<Option<u32>, ElbshipError> {
        let create = self.client.create_log_group().log_group_name(group).set_kms_key_id(kms_key.map(str::to_string));
        match create.send().await {
            Ok(_) => {
                if let Some(days) = retention_days {
                    self.client
                        .put_retention_policy()
                        .log_group_name(group)
                        .retention_in_days(days as i32)
                        .send()
                        .await
                        .map_err(|e| classify(&e, "PutRetentionPolicy"))?;
                }
            }
            Err(e) if matches!(e.as_service_error(), Some(CreateLogGroupError::ResourceAlreadyExistsException(_))) => {}
            Err(e) => return Err(classify(&e, &format!("CreateLogGroup {group}"))),
        }
        match self.client.create_log_stream().log_group_name(group).log_stream_name(stream).send().await {
            Ok(_) => {}
            Err(e) if matches!(e.as_service_error(), Some(CreateLogStreamError::ResourceAlreadyExistsException(_))) => {
            }
            Err(e) => return Err(classify(&e, &format!("CreateLogStream {group}/{stream}"))),
        }
        let groups = self
            .client
            .describe_log_groups()
            .log_group_name_prefix(group)
            .send()
            .await
            .map_err(|e| classify(&e, "DescribeLogGroups"))?;
        Ok(groups
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(group))
            .and_then(|g| g.retention_in_days())
            .map(|d| d.max(0) as u32))
    }

    /// Sends one batch (the SDK retries throttling and server errors with backoff and jitter); returns what it
    /// delivered and what CloudWatch Logs refused.
    pub async fn put(&self, group: &str, stream: &str, batch: &Batch) -> Result<Ledger, ElbshipError> {
        let events = batch
            .events()
            .map(|e| InputLogEvent::builder().timestamp(e.timestamp).message(e.message).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ElbshipError::LogsRefused(format!("building the request: {e}")))?;
        let out = self
            .client
            .put_log_events()
            .log_group_name(group)
            .log_stream_name(stream)
            .set_log_events(Some(events))
            .send()
            .await
            .map_err(|e| classify(&e, &format!("PutLogEvents {group}/{stream}")))?;
        Ok(rejections_into_ledger(batch, out.rejected_log_events_info()))
    }
}

#[cfg(test)]
mod tests;
