//! Sending one batch: PutLogEvents under elbship's own retry loop ([`SendPolicy`]) until the caller's deadline,
//! however long a storm lasts. A batch whose answer was lost (a timeout, a dropped connection, a 5xx after the
//! request was sent), or that an earlier attempt may have sent, is settled by reading its stream back
//! ([`super::readback`]) before it is sent again: stored, it is acknowledged as it is; not stored, it is sent; only
//! when that cannot be told are its events counted as possibly duplicated.
//!
//! While a batch's answers are being lost (a 5xx outage), the sink's other batches wait behind it rather than
//! each meeting the outage ([`Outage`]): one batch probes, and only its fate needs settling.
//! A `ResourceNotFoundException` stored nothing: the group and stream are created ([`Groups::create_once`]) and
//! the batch is sent again at once. A sender that may have been taken over confirms it still owns its span
//! before an attempt ([`crate::checkpoints::fence`]).

use super::groups::{Creation, Groups, NewGroups};
use super::readback::Unknown;
use super::request::{events, rejections, Delivered};
use super::retry::SendPolicy;
use crate::checkpoints::fence::Fence;
use crate::error::{Cause, ElbshipError};
use crate::fault::{self, describe};
use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::operation::put_log_events::PutLogEventsError;
use elbship_core::accounting::readback::Fate;
use elbship_core::batching::batch::Batch;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Notify;
use tokio::time::Instant;

/// How one batch is sent.
#[derive(Debug, Clone, Copy)]
pub struct Sending<'a> {
    /// When to stop trying.
    pub give_up_at: Instant,
    /// An earlier attempt may have stored the batch: it is settled by reading its stream back first.
    pub unknown: Option<Unknown>,
    /// The span's ownership, confirmed before an attempt when it is stale ([`crate::checkpoints::fence`]).
    pub fence: Option<&'a Fence>,
}

impl Sending<'_> {
    /// A batch no earlier attempt sent, unfenced, until `give_up_at`.
    pub fn until(give_up_at: Instant) -> Self {
        Sending { give_up_at, unknown: None, fence: None }
    }
}

/// Creations one `put` may make before it takes "not found" as an answer.
pub const MAX_CREATIONS: u32 = 2;

/// CloudWatch Logs access for the functions.
#[derive(Debug, Clone)]
pub struct LogSink {
    client: aws_sdk_cloudwatchlogs::Client,
    groups: Groups,
    outage: Arc<Outage>,
}

/// The batches of one sink whose answers are being lost right now. While there are any, the others wait before
/// sending: in an outage, one batch probes and the rest pause behind it instead of each sending into it.
#[derive(Debug, Default)]
pub struct Outage {
    probing: AtomicUsize,
    over: Notify,
}

/// A batch probing an outage; dropped when its `put` ends, however it ends.
struct Probe<'a>(&'a Outage);

impl Drop for Probe<'_> {
    fn drop(&mut self) {
        if self.0.probing.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.over.notify_waiters();
        }
    }
}

impl Outage {
    fn probe(&self) -> Probe<'_> {
        self.probing.fetch_add(1, Ordering::SeqCst);
        Probe(self)
    }

    /// Waits while other batches probe an outage, until `give_up_at`.
    async fn wait(&self, give_up_at: Instant) {
        loop {
            let over = self.over.notified();
            if self.probing.load(Ordering::SeqCst) == 0 {
                return;
            }
            tokio::select! {
                () = over => {}
                () = tokio::time::sleep_until(give_up_at) => return,
            }
        }
    }
}

fn epoch_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

impl LogSink {
    /// Wraps a client; groups it creates get `new_groups`.
    pub fn new(client: aws_sdk_cloudwatchlogs::Client, new_groups: NewGroups) -> Self {
        LogSink { groups: Groups::new(client.clone(), new_groups), client, outage: Arc::default() }
    }

    /// The client.
    pub(super) fn client(&self) -> &aws_sdk_cloudwatchlogs::Client {
        &self.client
    }

    /// The group's retention ([`Groups::retention`]).
    pub async fn retention(&self, group: &str) -> Result<Option<u32>, ElbshipError> {
        self.groups.retention(group).await
    }

    /// Sends one batch, retrying throttling, server errors and lost answers under `policy` until the deadline;
    /// returns what CloudWatch Logs refused in it, and whether it may be stored twice.
    pub async fn put(
        &self,
        group: &str,
        stream: &str,
        batch: &Batch,
        policy: SendPolicy,
        sending: Sending<'_>,
    ) -> Result<Delivered, ElbshipError> {
        let Sending { give_up_at, mut unknown, fence } = sending;
        let events = events(batch)?;
        let what = format!("PutLogEvents {group}/{stream}");
        let mut delivered = Delivered { attempts: 0, ..Delivered::default() };
        let mut creations = 0u32;
        let mut probe = None;
        loop {
            if let Some(u) = unknown.take() {
                if !delivered.possibly_duplicated {
                    let settled = self.settle(group, stream, batch, u, policy.read_back, give_up_at).await?;
                    delivered.read_back_calls += settled.calls;
                    match settled.fate {
                        Fate::Stored(rejections) => return Ok(Delivered { rejections, read_back: true, ..delivered }),
                        Fate::NotStored => delivered.read_back = true,
                        Fate::Undecidable => delivered.possibly_duplicated = true,
                    }
                }
            }
            if probe.is_none() {
                self.outage.wait(give_up_at).await;
            }
            let left = give_up_at.saturating_duration_since(Instant::now());
            if left < Duration::from_millis(500) {
                let attempts = delivered.attempts;
                return Err(ElbshipError::OutOfTime(format!("{what}: gave up after {attempts} attempts")));
            }
            if let Some(fence) = fence {
                fence.check().await?;
            }
            delivered.attempts += 1;
            let (sent_at, sent_at_ms) = (Instant::now(), epoch_ms());
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
                    return Ok(Delivered { rejections: rejections(out.rejected_log_events_info()), ..delivered })
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
                    if fault.may_have_happened() {
                        unknown = Some(Unknown { since: Instant::now(), sent_at_ms });
                    }
                    detail
                }
                Err(_) => {
                    unknown = Some(Unknown { since: Instant::now(), sent_at_ms });
                    format!("{what}: no answer within {:?}", policy.attempt_timeout.min(left))
                }
            };
            if unknown.is_some() && probe.is_none() {
                probe = Some(self.outage.probe());
            }
            let attempts = delivered.attempts;
            let pause = policy.pause(attempts);
            tracing::debug!(
                attempts,
                unknown = unknown.is_some(),
                pause_ms = pause.as_millis() as u64,
                detail,
                "retrying"
            );
            if Instant::now() + pause >= give_up_at {
                return Err(ElbshipError::OutOfTime(format!("{detail} (gave up after {attempts} attempts)")));
            }
            tokio::time::sleep(pause).await;
        }
    }
}
