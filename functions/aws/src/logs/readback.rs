//! Reading a stream back to settle a batch of unknown fate ([`elbship_core::accounting::readback`]): GetLogEvents
//! over the batch's time range, page after page until the forward token stops moving, each event looked for in the
//! batch. Only after an answer was lost (or a killed attempt left a batch unsettled), never on the happy path.
//!
//! CloudWatch Logs is eventually consistent for reads and documents no bound on how soon a stored event can be
//! read. A batch found whole is settled at once; anything less is read again once [`ReadBackPolicy::settle`] has
//! passed since the batch could last have been stored, and judged then. GetLogEvents is limited to 25 calls per
//! second per account and Region (shared with every other reader): the SDK's standard retries take its throttling,
//! and a read-back that still fails leaves the batch undecided (sent again, counted possibly duplicated).

use super::classify;
use super::sink::LogSink;
use crate::error::ElbshipError;
use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsError;
use elbship_core::accounting::readback::{Fate, ReadBack};
use elbship_core::batching::batch::Batch;
use std::time::Duration;
use tokio::time::Instant;

/// Pages one read-back may read before it gives up (undecided): 10,000 events or 1 MB each.
pub const MAX_PAGES: u32 = 200;

/// How long to wait before absence is taken as an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadBackPolicy {
    /// How long after a batch could last have been stored its absence from a read means it was not stored.
    pub settle: Duration,
}

impl Default for ReadBackPolicy {
    fn default() -> Self {
        ReadBackPolicy { settle: Duration::from_secs(60) }
    }
}

/// A batch whose fate is unknown: since when (the moment it could last have been stored), and when it was sent by
/// elbship's clock (which decides what CloudWatch refused as too old or too new).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unknown {
    /// When the attempt that may have stored it ended.
    pub since: Instant,
    /// When it was sent, in epoch milliseconds.
    pub sent_at_ms: i64,
}

/// What settling one batch found and cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settled {
    /// The verdict.
    pub fate: Fate,
    /// GetLogEvents calls made.
    pub calls: u32,
    /// Time spent, waiting included.
    pub took: Duration,
}

impl LogSink {
    /// Reads `group`/`stream` over the batch's range and judges it; waits for the settle time only when the first
    /// read does not find the batch whole. Fails `OutOfTime` when the wait would pass `give_up_at`.
    pub async fn settle(
        &self,
        group: &str,
        stream: &str,
        batch: &Batch,
        unknown: Unknown,
        policy: ReadBackPolicy,
        give_up_at: Instant,
    ) -> Result<Settled, ElbshipError> {
        let began = Instant::now();
        let mut calls = 0;
        let mut found = self.read_back(group, stream, batch, &mut calls).await;
        // A read that failed is not read again: the batch is undecided.
        let incomplete = matches!(&found, Ok(rb) if !rb.complete());
        let ready_at = unknown.since + policy.settle;
        if incomplete && Instant::now() < ready_at {
            if ready_at + Duration::from_millis(500) >= give_up_at {
                return Err(ElbshipError::OutOfTime(format!(
                    "reading {group}/{stream} back needs {:?} more",
                    ready_at.saturating_duration_since(Instant::now())
                )));
            }
            tokio::time::sleep_until(ready_at).await;
            found = self.read_back(group, stream, batch, &mut calls).await;
        }
        let fate = match found {
            Ok(rb) => match rb.fate(unknown.sent_at_ms, None) {
                // Stored in part: whether the missing events were refused depends on the group's retention.
                Fate::Undecidable => match self.retention(group).await {
                    Ok(days) => rb.fate(unknown.sent_at_ms, days),
                    Err(_) => Fate::Undecidable,
                },
                fate => fate,
            },
            Err(e) => {
                tracing::warn!(error = %e, group, stream, "could not read the stream back: the batch is sent again");
                Fate::Undecidable
            }
        };
        let settled = Settled { fate, calls, took: began.elapsed() };
        tracing::info!(group, stream, fate = ?settled.fate, calls, took_ms = settled.took.as_millis() as u64, "read back");
        Ok(settled)
    }

    /// One read of the batch's range.
    async fn read_back(
        &self,
        group: &str,
        stream: &str,
        batch: &Batch,
        calls: &mut u32,
    ) -> Result<ReadBack, ElbshipError> {
        let mut rb = ReadBack::new(batch);
        let (start, end) = rb.range();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            *calls += 1;
            let page = self
                .client()
                .get_log_events()
                .log_group_name(group)
                .log_stream_name(stream)
                .start_time(start)
                .end_time(end)
                .start_from_head(true)
                .set_next_token(token.clone())
                .send()
                .await;
            let page = match page {
                Ok(page) => page,
                // No group or stream yet: nothing was stored in it (read again after the settle time, like any
                // read that does not find the batch, in case the stream is newer than what reads see).
                Err(e) if matches!(e.as_service_error(), Some(GetLogEventsError::ResourceNotFoundException(_))) => {
                    return Ok(rb)
                }
                Err(e) => return Err(classify(e, "GetLogEvents")),
            };
            for e in page.events() {
                if let (Some(t), Some(m)) = (e.timestamp(), e.message()) {
                    rb.saw(t, m);
                }
            }
            let next = page.next_forward_token().map(str::to_string);
            if next.is_none() || next == token || rb.complete() {
                return Ok(rb);
            }
            token = next;
        }
        Err(ElbshipError::LogsUnavailable(
            format!("{group}/{stream}: over {MAX_PAGES} pages in the batch's range").into(),
        ))
    }
}
