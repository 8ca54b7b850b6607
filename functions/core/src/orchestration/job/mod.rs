//! The data that travels through the state machine: what plan hands to each ship worker, what a worker
//! returns, and what verify checks. Only offsets and counts travel; the gzip index stays in S3.
//!
//! Step Functions limits state input and output to 256 KiB. A plan carries at most [`MAX_SPANS`] spans, and
//! after the Map state the state holds the plan and one [`ShipOutput`] per span; a unit test proves the
//! largest such state fits.

use crate::accounting::ledger::Ledger;
use crate::batching::event_builder::EventOptions;
use crate::batching::pipeline::TimeRange;
use crate::formats::kind::LogKind;
use crate::orchestration::destination::Destination;
use crate::spans::{Span, SpanPlan};
use serde::{Deserialize, Serialize};

/// Most spans in one plan. Inline Map keeps its history under 25,000 events (about 7 per span) and the state
/// under 256 KiB: a plan with more spans is coarsened by merging neighbours.
pub const MAX_SPANS: usize = 200;

/// One version of one S3 object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    /// Bucket name.
    pub bucket: String,
    /// Key, decoded.
    pub key: String,
    /// Size in bytes (0 when the event did not say).
    pub size: u64,
    /// ETag, as S3 gives it; every read is conditional on it.
    pub etag: String,
}

/// Per-execution choices that override the functions' configuration (for example `restamp` to backfill
/// archives older than 14 days). They are part of the execution's input, not of its name: the same object
/// version is shipped once, whatever the options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipOptions {
    /// Message mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<crate::batching::event_builder::MessageMode>,
    /// Old-event policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<crate::batching::policy::OldEventPolicy>,
    /// Uncompressed bytes per span.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub span_bytes: Option<u64>,
}

/// The state machine's input: one object, and options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanInput {
    /// The object.
    #[serde(flatten)]
    pub object: ObjectRef,
    /// Overrides.
    #[serde(default, skip_serializing_if = "is_default")]
    pub options: ShipOptions,
}

fn is_default(o: &ShipOptions) -> bool {
    *o == ShipOptions::default()
}

/// A place in S3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct S3Location {
    /// Bucket name.
    pub bucket: String,
    /// Key.
    pub key: String,
}

/// What every ship worker of one object needs, besides its span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The object.
    pub object: ObjectRef,
    /// Its kind.
    pub kind: LogKind,
    /// Target log group.
    pub log_group: String,
    /// Target log stream.
    pub log_stream: String,
    /// How lines become events; "now" is fixed by plan so every worker and retry judges alike.
    pub events: EventOptions,
    /// The stored gzip index, when the object is gzip and has more than one span.
    pub index: Option<S3Location>,
    /// Concurrent PutLogEvents calls per worker.
    pub send_concurrency: u32,
    /// The account and Region its lines are written into (empty in jobs planned before destinations: elbship's own).
    #[serde(default, skip_serializing_if = "Destination::is_unset")]
    pub destination: Destination,
}

/// Totals of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSummary {
    /// Lines in the object.
    pub lines: u64,
    /// Object bytes.
    pub object_bytes: u64,
    /// Uncompressed bytes.
    pub uncompressed_bytes: u64,
    /// Number of spans.
    pub span_count: u32,
    /// How many spans ship at once (the Map state's MaxConcurrency).
    pub map_concurrency: u32,
}

/// The plan function's output, the state machine's state until the Map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOutput {
    /// Shared by all workers.
    pub job: Job,
    /// The spans, one Map iteration each.
    pub spans: Vec<Span>,
    /// Totals.
    pub summary: PlanSummary,
}

/// One Map iteration's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipInput {
    /// The job.
    pub job: Job,
    /// The span to ship.
    pub span: Span,
}

/// One worker's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipOutput {
    /// The span's index.
    pub span: u32,
    /// What the worker read, delivered and rejected.
    pub ledger: Ledger,
    /// Line times.
    pub times: TimeRange,
}

/// A span the Map could not ship: the error its last attempt failed with (the state machine catches it so that
/// every other span runs to its end before the execution fails).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpanFailure {
    /// The span's index.
    pub span: u32,
    /// The error name.
    pub error: String,
    /// Its message.
    pub cause: String,
}

/// One Map iteration's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SpanResult {
    /// Shipped to its end.
    Shipped(ShipOutput),
    /// Failed after the state machine's retries.
    Failed(SpanFailure),
}

impl SpanResult {
    /// The span's index.
    pub fn span(&self) -> u32 {
        match self {
            SpanResult::Shipped(o) => o.span,
            SpanResult::Failed(f) => f.span,
        }
    }
}

/// An execution that failed, as its state machine's `CountFailure` state passes it: the execution's input and the
/// error it fails with (after every retry), for the object's metrics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedExecution {
    /// The execution's input (`$$.Execution.Input`).
    pub object: PlanInput,
    /// The error name it fails with.
    pub error: String,
}

/// Verify's input: the plan with the Map's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyInput {
    /// The job.
    pub job: Job,
    /// The planned spans.
    pub spans: Vec<Span>,
    /// The plan's totals.
    pub summary: PlanSummary,
    /// One result per span, in any order.
    pub results: Vec<SpanResult>,
}

/// Merges neighbouring spans until at most `max` remain; returns the plan and, for each kept span, the
/// position of its first original span (whose access point it keeps).
pub fn coarsen(plan: SpanPlan, max: usize) -> (SpanPlan, Vec<usize>) {
    let n = plan.spans.len();
    let max = max.max(1);
    if n <= max {
        return (plan, (0..n).collect());
    }
    let group = n.div_ceil(max);
    let mut spans = Vec::with_capacity(max);
    let mut firsts = Vec::with_capacity(max);
    for (g, chunk) in plan.spans.chunks(group).enumerate() {
        let (first, last) = (&chunk[0], &chunk[chunk.len() - 1]);
        firsts.push(g * group);
        spans.push(Span {
            index: g as u32,
            read_start: first.read_start,
            read_end: last.read_end,
            owned_start: first.owned_start,
            owned_end: last.owned_end,
            first_line: first.first_line,
            lines: chunk.iter().map(|s| s.lines).sum(),
        });
    }
    (SpanPlan { spans, ..plan }, firsts)
}

#[cfg(test)]
mod tests;
