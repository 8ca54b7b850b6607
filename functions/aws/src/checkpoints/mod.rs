//! Where checkpoints live: the [`CheckpointStore`] the functions use, its DynamoDB adapter ([`dynamo`]) and an
//! in-memory one for tests ([`memory`]), both held to one contract ([`contract`], behind the `test-util` feature).
//!
//! One item per object version holds its [`Claim`] (the first attempt's choices, so every attempt cuts the
//! same batches); one item per span holds its [`SpanCheckpoint`] and its owner. Taking a span over makes the
//! caller its owner; every later write of the span is conditional on still owning it, so an older attempt that
//! is still running (a redrive overlapping a worker the failed execution left behind) is fenced out at its next
//! write and stops sending, or sooner ([`fence`]): a batch it held through a storm is sent only after it confirms
//! it still owns the span. Its acknowledgements are still recorded, unconditionally: they are true.
//!
//! Why DynamoDB: a conditional, atomic update per acknowledged batch (a set `ADD`), strongly consistent reads,
//! and on-demand writes at $0.625 per million write units: about one 1-2 KB write per 1 MiB batch, 0.25% of
//! CloudWatch Logs' ingestion price. Conditional S3 writes would cost $5 per million PUTs, 1% of it.

#[cfg(any(test, feature = "test-util"))]
pub mod contract;
pub mod dynamo;
pub mod fence;
pub mod memory;

use crate::error::ElbshipError;
use elbship_core::accounting::checkpoint::{Claim, Rejections, SpanCheckpoint};
use elbship_core::accounting::ledger::Ledger;
use std::future::Future;

/// What one attempt records when CloudWatch Logs acknowledges a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    /// The batch's sequence number in its span.
    pub seq: u32,
    /// What CloudWatch refused in it.
    pub rejections: Rejections,
    /// It may be stored twice.
    pub possibly_duplicated: bool,
}

/// A hold on an object version for one execution. Express executions are started at least once and their names
/// are not unique, so a duplicated event could start two: the first to claim the object holds it until it ends
/// (or its lease runs out, if it died), and the other ships nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The execution taking the object.
    pub holder: String,
    /// Now, epoch milliseconds.
    pub now_ms: i64,
    /// When the hold ends if it is not renewed: past the longest an execution can run.
    pub until_ms: i64,
}

/// What taking a span over found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenOver {
    /// The span's checkpoint as earlier attempts left it (empty for a new span).
    pub prior: SpanCheckpoint,
    /// The span's `sent_below` now: the first reservation for a new span, what earlier attempts left otherwise.
    pub sent_below: u32,
}

/// A durable store of claims and span checkpoints.
pub trait CheckpointStore: Send + Sync {
    /// Stores `proposed` as the object's claim unless it has one; returns the claim in force. With a `lease`, the
    /// same write also takes the object for `lease.holder` unless another holder's lease is still running
    /// (`ObjectLeased`, and nothing is written).
    fn claim(
        &self,
        object_id: &str,
        proposed: Claim,
        lease: Option<&Lease>,
    ) -> impl Future<Output = Result<Claim, ElbshipError>> + Send;

    /// Makes `owner` the owner of span `key` (whose geometry is `geometry`) and returns what it held. A new span
    /// gets its first reservation, `sent_below = first_reservation`, in the same write. Fails with
    /// `CheckpointMismatch` when the stored span has another geometry, and then writes nothing: its owner keeps it.
    fn take_over(
        &self,
        key: &str,
        owner: &str,
        geometry: &str,
        first_reservation: u32,
    ) -> impl Future<Output = Result<TakenOver, ElbshipError>> + Send;

    /// Sets the span's `sent_below`, if `owner` still owns it (`SpanTakenOver` otherwise): raised before
    /// sending, settled when the attempt stops.
    fn reserve(&self, key: &str, owner: &str, sent_below: u32)
        -> impl Future<Output = Result<(), ElbshipError>> + Send;

    /// Records an acknowledged batch and the span's new `progress`. When `owner` no longer owns the span, the
    /// acknowledgement is still recorded and the call fails with `SpanTakenOver`.
    fn ack(
        &self,
        key: &str,
        owner: &str,
        ack: Ack,
        progress: &Ledger,
    ) -> impl Future<Output = Result<(), ElbshipError>> + Send;

    /// Succeeds if `owner` still owns span `key`, as a strongly consistent read finds it (`SpanTakenOver`
    /// otherwise): what an attempt asks before sending a batch it has held a while ([`fence`]).
    fn confirm(&self, key: &str, owner: &str) -> impl Future<Output = Result<(), ElbshipError>> + Send;

    /// The span's checkpoint, if it has one.
    fn read(&self, key: &str) -> impl Future<Output = Result<Option<SpanCheckpoint>, ElbshipError>> + Send;
}

/// The geometry a span checkpoint is bound to: the same span of the same plan.
pub fn geometry(span: &elbship_core::spans::Span) -> String {
    format!("{}:{}-{}:{}+{}", span.read_start, span.owned_start, span.owned_end, span.first_line, span.lines)
}

/// The error of a span stored with another geometry than the plan's.
pub(crate) fn mismatch(key: &str, stored: &str, geometry: &str) -> ElbshipError {
    ElbshipError::CheckpointMismatch(format!("span {key} was checkpointed as {stored}, the plan now says {geometry}"))
}

/// A new owner name for one attempt.
pub fn new_owner(request_id: &str) -> String {
    format!("{request_id}/{:016x}", fastrand::u64(..))
}
