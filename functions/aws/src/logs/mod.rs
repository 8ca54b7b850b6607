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
//!
//! Split by concern, as Vector's CloudWatch Logs sink is: [`groups`] (how a group is created, its retention, and
//! creating a missing group and stream once), [`request`] (a batch as PutLogEvents' events, and its answer),
//! [`retry`] (how PutLogEvents is retried), [`sink`] (the send loop).

pub mod destinations;
pub mod groups;
pub mod readback;
pub mod request;
pub mod retry;
pub mod sink;

pub use destinations::LogSinks;
pub use groups::{LogGroupClass, NewGroups};
pub use readback::{ReadBackPolicy, Unknown};
pub use request::{rejections, Delivered};
pub use retry::SendPolicy;
pub use sink::{LogSink, Sending};

use crate::error::{Cause, ElbshipError};
use crate::fault::{self, describe};
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};

/// A failed call as elbship's error: transient failures are retryable, the rest refused.
fn classify<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    e: SdkError<E, aws_sdk_cloudwatchlogs::config::http::HttpResponse>,
    what: &str,
) -> ElbshipError {
    let (detail, transient) = (describe(&e, what), fault::classify(&e).transient());
    let cause = Cause::with_source(detail, e);
    if transient {
        ElbshipError::LogsUnavailable(cause)
    } else {
        ElbshipError::LogsRefused(cause)
    }
}

#[cfg(test)]
mod tests;
