//! CloudWatch Logs: sending batches, and creating the target group and stream when PutLogEvents says they are
//! missing. PutLogEvents answers 200 even when it refuses events for their time; its `rejectedLogEventsInfo` comes
//! back as [`Rejections`], so a refused event is counted, never lost.
//!
//! No control-plane call is made per object in steady state: a group and stream are created only when a
//! PutLogEvents answers `ResourceNotFoundException` (which stored nothing, so the batch is simply sent again), and
//! a group's retention is read once per warm function (one `DescribeLogGroups`) and remembered. CreateLogGroup
//! and DescribeLogGroups are limited to 5 calls per second per account, CreateLogStream to 50: a call per object
//! would fail objects in ELB's 5-minute bursts.
//!
//! PutLogEvents is retried by elbship's own loop ([`SendPolicy`]), not the SDK's: throttling and server errors
//! are retried with capped exponential backoff and full jitter until the caller's deadline, however long a storm
//! lasts (the SDK's standard mode shares one retry token bucket per process, which a sustained storm empties, and
//! then stops retrying); and an attempt whose answer was lost (a timeout, a dropped connection, a 5xx after the
//! request was sent) is known, so the batch's events are counted as possibly duplicated when a retry succeeds.

use crate::config::LogGroupClass;
use crate::error::ElbshipError;
use crate::fault::{self, describe};
use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatchlogs::operation::create_log_group::CreateLogGroupError;
use aws_sdk_cloudwatchlogs::operation::create_log_stream::CreateLogStreamError;
use aws_sdk_cloudwatchlogs::operation::put_log_events::PutLogEventsError;
use aws_sdk_cloudwatchlogs::types::{InputLogEvent, RejectedLogEventsInfo};
use elbship_core::accounting::checkpoint::Rejections;
use elbship_core::batching::batch::Batch;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How elbship creates a group it writes to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewGroups {
    /// Retention set on a group elbship creates (`None`: never expire).
    pub retention_days: Option<u32>,
    /// KMS key for a group elbship creates.
    pub kms_key: Option<String>,
    /// Log class of a group elbship creates.
    pub class: LogGroupClass,
}

/// How PutLogEvents is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendPolicy {
    /// First backoff ceiling; it doubles with each failed attempt.
    pub initial_backoff: Duration,
    /// Largest backoff ceiling.
    pub max_backoff: Duration,
    /// Longest one attempt may take before it is abandoned (and counted as an answer lost).
    pub attempt_timeout: Duration,
}

impl Default for SendPolicy {
    fn default() -> Self {
        SendPolicy {
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(30),
        }
    }
}

/// A batch CloudWatch Logs acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    /// What it refused for its time.
    pub rejections: Rejections,
    /// An earlier attempt's answer was lost, so the batch may be stored twice.
    pub possibly_duplicated: bool,
    /// Attempts made.
    pub attempts: u32,
}

/// CloudWatch Logs' answer to one batch, as [`Rejections`].
pub fn rejections(info: Option<&RejectedLogEventsInfo>) -> Rejections {
    let idx = |v: Option<i32>| v.map(|v| v.max(0) as u32);
    Rejections {
        too_new_start: info.and_then(|i| idx(i.too_new_log_event_start_index())),
        too_old_end: info.and_then(|i| idx(i.too_old_log_event_end_index())),
        expired_end: info.and_then(|i| idx(i.expired_log_event_end_index())),
    }
}

/// CloudWatch Logs access for the functions.
#[derive(Debug, Clone)]
pub struct LogSink {
    client: aws_sdk_cloudwatchlogs::Client,
    new_groups: NewGroups,
    /// Retention of each group this process has looked up or created, for as long as the function stays warm.
    retention: Arc<Mutex<HashMap<String, Option<u32>>>>,
    /// When this process last created each group and stream: held while creating, so that concurrent senders that
    /// all find a new stream missing create it once, and the others just send again.
    created: Arc<tokio::sync::Mutex<HashMap<(String, String), Instant>>>,
}

/// Creations one `put` may make before it takes "not found" as an answer.
const MAX_CREATIONS: u32 = 2;

/// A failed call as elbship's error: transient failures are retryable, the rest refused.
fn classify<E: ProvideErrorMetadata + std::fmt::Debug>(
    e: &SdkError<E, aws_sdk_cloudwatchlogs::config::http::HttpResponse>,
    what: &str,
) -> ElbshipError {
    let detail = describe(e, what);
    if fault::classify(e).transient() {
        ElbshipError::LogsUnavailable(detail)
    } else {
        ElbshipError::LogsRefused(detail)
    }
}

impl LogSink {
    /// Wraps a client; groups it creates get `new_groups`.
    pub fn new(client: aws_sdk_cloudwatchlogs::Client, new_groups: NewGroups) -> Self {
        LogSink { client, new_groups, retention: Arc::default(), created: Arc::default() }
    }

    fn remembered(&self, group: &str) -> Option<Option<u32>> {
        self.retention.lock().ok()?.get(group).copied()
    }

    fn remember(&self, group: &str, days: Option<u32>) {
        if let Ok(mut known) = self.retention.lock() {
            known.insert(group.to_string(), days);
        }
    }

    /// The group's retention, which decides what counts as expired: remembered, or read once with
    /// `DescribeLogGroups`; a group that does not exist yet will get [`NewGroups::retention_days`].
    pub async fn retention(&self, group: &str) -> Result<Option<u32>, ElbshipError> {
        if let Some(days) = self.remembered(group) {
            return Ok(days);
        }
        let groups = self
            .client
            .describe_log_groups()
            .log_group_name_prefix(group)
            .send()
            .await
            .map_err(|e| classify(&e, "DescribeLogGroups"))?;
        let days = match groups.log_groups().iter().find(|g| g.log_group_name() == Some(group)) {
            Some(g) => g.retention_in_days().map(|d| d.max(0) as u32),
            None => self.new_groups.retention_days,
        };
        self.remember(group, days);
        Ok(days)
    }

    /// Creates the group (with the retention, KMS key and class of [`NewGroups`]) and the stream, each unless it
    /// exists.
    pub async fn create(&self, group: &str, stream: &str) -> Result<(), ElbshipError> {
        let n = &self.new_groups;
        let create = self
            .client
            .create_log_group()
            .log_group_name(group)
            .set_kms_key_id(n.kms_key.clone())
            .log_group_class(n.class.as_str().into());
        match create.send().await {
            Ok(_) => {
                if let Some(days) = n.retention_days {
                    self.client
                        .put_retention_policy()
                        .log_group_name(group)
                        .retention_in_days(days as i32)
                        .send()
                        .await
                        .map_err(|e| classify(&e, "PutRetentionPolicy"))?;
                }
                tracing::info!(group, retention_days = n.retention_days, "created the log group");
            }
            Err(e) if matches!(e.as_service_error(), Some(CreateLogGroupError::ResourceAlreadyExistsException(_))) => {}
            Err(e) => return Err(classify(&e, &format!("CreateLogGroup {group}"))),
        }
        match self.client.create_log_stream().log_group_name(group).log_stream_name(stream).send().await {
            Ok(_) => tracing::info!(group, stream, "created the log stream"),
            Err(e) if matches!(e.as_service_error(), Some(CreateLogStreamError::ResourceAlreadyExistsException(_))) => {
            }
            Err(e) => return Err(classify(&e, &format!("CreateLogStream {group}/{stream}"))),
        }
        Ok(())
    }

    /// Sends one batch, retrying throttling, server errors and lost answers under `policy` until `give_up_at`;
    /// returns what CloudWatch Logs refused in it, and whether it may be stored twice.
    pub async fn put(
        &self,
        group: &str,
        stream: &str,
        batch: &Batch,
        policy: SendPolicy,
        give_up_at: Instant,
    ) -> Result<Delivered, ElbshipError> {
        let events = batch
            .events()
            .map(|e| InputLogEvent::builder().timestamp(e.timestamp).message(e.message).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ElbshipError::LogsRefused(format!("building the request: {e}")))?;
        let what = format!("PutLogEvents {group}/{stream}");
        let mut lost_answer = false;
        let (mut attempts, mut creations) = (0u32, 0u32);
        loop {
            let left = give_up_at.saturating_duration_since(Instant::now());
            if left < Duration::from_millis(500) {
                return Err(ElbshipError::OutOfTime(format!("{what}: gave up after {attempts} attempts")));
            }
            attempts += 1;
            let sent_at = Instant::now();
            let call = self
                .client
                .put_log_events()
                .log_group_name(group)
                .log_stream_name(stream)
                .set_log_events(Some(events.clone()))
                .customize()
                .config_override(
                    aws_sdk_cloudwatchlogs::config::Builder::default().retry_config(RetryConfig::disabled()),
                )
                .send();
            let detail = match tokio::time::timeout(policy.attempt_timeout.min(left), call).await {
                Ok(Ok(out)) => {
                    return Ok(Delivered {
                        rejections: rejections(out.rejected_log_events_info()),
                        possibly_duplicated: lost_answer,
                        attempts,
                    })
                }
                Ok(Err(e))
                    if matches!(e.as_service_error(), Some(PutLogEventsError::ResourceNotFoundException(_)))
                        && creations < MAX_CREATIONS =>
                {
                    // Nothing was stored: create what is missing and send again at once. Creation calls have low
                    // per-account rates (5 and 50 per second): when they are throttled, back off and try again.
                    let target = (group.to_string(), stream.to_string());
                    let mut created = self.created.lock().await;
                    if created.get(&target).is_some_and(|at| *at >= sent_at) {
                        // Another sender created it while this batch was on its way.
                        continue;
                    }
                    match self.create(group, stream).await {
                        Ok(()) => {
                            created.insert(target, Instant::now());
                            creations += 1;
                            continue;
                        }
                        Err(ElbshipError::LogsUnavailable(detail)) => detail,
                        Err(e) => return Err(e),
                    }
                }
                Ok(Err(e)) => {
                    let detail = describe(&e, &what);
                    let fault = fault::classify(&e);
                    if !fault.transient() {
                        return Err(ElbshipError::LogsRefused(detail));
                    }
                    lost_answer |= fault.may_have_happened();
                    detail
                }
                Err(_) => {
                    lost_answer = true;
                    format!("{what}: no answer within {:?}", policy.attempt_timeout.min(left))
                }
            };
            let ceiling = policy.initial_backoff.saturating_mul(1 << (attempts - 1).min(16)).min(policy.max_backoff);
            let pause = ceiling.mul_f64(fastrand::f64());
            tracing::debug!(attempts, lost_answer, pause_ms = pause.as_millis() as u64, detail, "retrying");
            if Instant::now() + pause >= give_up_at {
                return Err(ElbshipError::OutOfTime(format!("{detail} (gave up after {attempts} attempts)")));
            }
            tokio::time::sleep(pause).await;
        }
    }
}

#[cfg(test)]
mod tests;
