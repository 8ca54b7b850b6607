//! Sending one batch: PutLogEvents under elbship's own retry loop ([`SendPolicy`]) until the caller's deadline,
//! however long a storm lasts. An attempt whose answer was lost (a timeout, a dropped connection, a 5xx after the
//! request was sent) is known, so the batch's events are counted as possibly duplicated when a retry succeeds.
//! A `ResourceNotFoundException` stored nothing: the group and stream are created ([`Groups::create_once`]) and
//! the batch is sent again at once.

use super::groups::{Creation, Groups, NewGroups};
use super::request::{events, rejections, Delivered};
use super::retry::SendPolicy;
use crate::error::{Cause, ElbshipError};
use crate::fault::{self, describe};
use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::operation::put_log_events::PutLogEventsError;
use elbship_core::batching::batch::Batch;
use std::time::Duration;
use tokio::time::Instant;

/// Creations one `put` may make before it takes "not found" as an answer.
pub const MAX_CREATIONS: u32 = 2;

/// CloudWatch Logs access for the functions.
#[derive(Debug, Clone)]
pub struct LogSink {
    client: aws_sdk_cloudwatchlogs::Client,
    groups: Groups,
}

impl LogSink {
    /// Wraps a client; groups it creates get `new_groups`.
    pub fn new(client: aws_sdk_cloudwatchlogs::Client, new_groups: NewGroups) -> Self {
        LogSink { groups: Groups::new(client.clone(), new_groups), client }
    }

    /// The group's retention ([`Groups::retention`]).
    pub async fn retention(&self, group: &str) -> Result<Option<u32>, ElbshipError> {
        self.groups.retention(group).await
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
        let events = events(batch)?;
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
                    match self.groups.create_once(group, stream, sent_at).await {
                        Ok(Creation::ByAnother) => continue,
                        Ok(Creation::Created) => {
                            creations += 1;
                            continue;
                        }
                        Err(ElbshipError::LogsUnavailable(cause)) => cause.to_string(),
                        Err(e) => return Err(e),
                    }
                }
                Ok(Err(e)) => {
                    let detail = describe(&e, &what);
                    let fault = fault::classify(&e);
                    if !fault.transient() {
                        return Err(ElbshipError::LogsRefused(Cause::with_source(detail, e)));
                    }
                    lost_answer |= fault.may_have_happened();
                    detail
                }
                Err(_) => {
                    lost_answer = true;
                    format!("{what}: no answer within {:?}", policy.attempt_timeout.min(left))
                }
            };
            let pause = policy.pause(attempts);
            tracing::debug!(attempts, lost_answer, pause_ms = pause.as_millis() as u64, detail, "retrying");
            if Instant::now() + pause >= give_up_at {
                return Err(ElbshipError::OutOfTime(format!("{detail} (gave up after {attempts} attempts)")));
            }
            tokio::time::sleep(pause).await;
        }
    }
}
