//! One batch as PutLogEvents takes it, and what its answer says: PutLogEvents answers 200 even when it refuses
//! events for their time, so its `rejectedLogEventsInfo` comes back as [`Rejections`] and a refused event is
//! counted, never lost.

use crate::error::ElbshipError;
use aws_sdk_cloudwatchlogs::types::{InputLogEvent, RejectedLogEventsInfo};
use elbship_core::accounting::checkpoint::Rejections;
use elbship_core::batching::batch::Batch;

/// A batch CloudWatch Logs acknowledged, or that reading its stream back found stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// What it refused for its time.
    pub rejections: Rejections,
    /// An earlier attempt's answer was lost and reading the stream back could not tell whether it stored the
    /// batch, so the batch may be stored twice.
    pub possibly_duplicated: bool,
    /// PutLogEvents attempts made.
    pub attempts: u32,
    /// A lost answer or an earlier attempt was settled by reading the stream back.
    pub read_back: bool,
    /// GetLogEvents calls those read-backs made.
    pub read_back_calls: u32,
}

/// The batch's events, as the request carries them.
pub fn events(batch: &Batch) -> Result<Vec<InputLogEvent>, ElbshipError> {
    batch
        .events()
        .map(|e| InputLogEvent::builder().timestamp(e.timestamp).message(e.message).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ElbshipError::LogsRefused(format!("building the request: {e}").into()))
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
