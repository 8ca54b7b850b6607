//! One span from bytes to batches: the lines it owns, their events, and PutLogEvents batches, with every line
//! counted. The same function serves the ship worker (which sends each batch) and `elbship inspect` (which
//! only measures them).
//!
//! ```
//! use elbship_core::{accounting::ledger::Ledger, batching::{event_builder::*, pipeline::*, policy::*}, formats::kind::LogKind};
//! use elbship_core::spans::{plan_object, span_source};
//! let text = b"2015-05-13T23:39:43.945958Z lb a\n\n2015-05-13T23:39:44Z lb b\n";
//! let (plan, _) = plan_object(LogKind::ClbAccess.compression(), &text[..], 1 << 20).unwrap();
//! let span = &plan.spans[0];
//! let (mut source, start) = span_source(LogKind::ClbAccess.compression(), span, None, &text[..]).unwrap();
//! let opts = EventOptions {
//!     kind: LogKind::ClbAccess, mode: MessageMode::Raw, policy: OldEventPolicy::Reject, fallback_ms: 0,
//!     window: TimeWindow { now_ms: 1_431_560_400_000, retention_days: None },
//! };
//! let mut out = SpanOutput::default();
//! let mut batches = Vec::new();
//! batch_span(&mut *source, start, span.owned(), &EventBuilder::new(opts), &mut out, |b| {
//!     batches.push(b);
//!     Ok::<(), std::convert::Infallible>(())
//! }).unwrap();
//! assert_eq!((out.ledger.lines_read, out.ledger.rejected.blank, batches[0].len()), (3, 1, 2));
//! ```

use crate::accounting::ledger::Ledger;
use crate::batching::batch::{Batch, Batcher};
use crate::batching::event::Event;
use crate::batching::event_builder::{EventBuilder, EventSink};
use crate::spans::lines::{for_each_owned_line, ChunkSource};
use crate::spans::SpanError;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// The earliest and latest line time seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRange {
    /// Earliest line time, epoch ms.
    pub first_ms: Option<i64>,
    /// Latest line time, epoch ms.
    pub last_ms: Option<i64>,
}

impl TimeRange {
    /// Widens the range to include `ms`.
    pub fn add(&mut self, ms: i64) {
        self.first_ms = Some(self.first_ms.map_or(ms, |f| f.min(ms)));
        self.last_ms = Some(self.last_ms.map_or(ms, |l| l.max(ms)));
    }

    /// Widens the range to include another.
    pub fn merge(&mut self, o: &TimeRange) {
        o.first_ms.into_iter().chain(o.last_ms).for_each(|ms| self.add(ms));
    }
}

/// What one span produced, besides its batches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpanOutput {
    /// Lines read and what became of them (delivery is counted by whoever sends the batches).
    pub ledger: Ledger,
    /// Line times.
    pub times: TimeRange,
}

/// The span could not be read, or a batch could not be handed on.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError<E> {
    /// Reading or decoding the span failed.
    #[error(transparent)]
    Span(#[from] SpanError),
    /// The batch consumer failed; the span stopped there.
    #[error("batch consumer failed: {0}")]
    Consumer(E),
}

/// Events into batches, each closed batch to the consumer until it fails.
struct ToBatches<'f, E, F: FnMut(Batch) -> Result<(), E>> {
    batcher: Batcher,
    failed: Option<E>,
    on_batch: &'f mut F,
}

impl<E, F: FnMut(Batch) -> Result<(), E>> ToBatches<'_, E, F> {
    fn closed(&mut self, batch: Option<Batch>) {
        if let Some(batch) = batch {
            if self.failed.is_none() {
                self.failed = (self.on_batch)(batch).err();
            }
        }
    }
}

impl<E, F: FnMut(Batch) -> Result<(), E>> EventSink for ToBatches<'_, E, F> {
    fn event(&mut self, event: Event<'_>) {
        let closed = self.batcher.push(event);
        self.closed(closed);
    }

    fn write_event(&mut self, timestamp: i64, write: &mut dyn FnMut(&mut String)) -> Result<(), String> {
        let closed = self.batcher.push_written(timestamp, write)?;
        self.closed(closed);
        Ok(())
    }
}

/// Reads the lines `owned` from `source` (whose first byte is at uncompressed offset `start`), turns them into
/// events and batches, and hands each closed batch to `on_batch`, in order.
pub fn batch_span<S: ChunkSource + ?Sized, E>(
    source: &mut S,
    start: u64,
    owned: Range<u64>,
    builder: &EventBuilder,
    out: &mut SpanOutput,
    mut on_batch: impl FnMut(Batch) -> Result<(), E>,
) -> Result<(), PipelineError<E>> {
    let mut sink = ToBatches { batcher: Batcher::new(), failed: None, on_batch: &mut on_batch };
    let SpanOutput { ledger, times } = out;
    let stats = for_each_owned_line(source, start, owned, |line| {
        if sink.failed.is_some() {
            return;
        }
        if let Some(ms) = builder.line_into(line, ledger, &mut sink) {
            times.add(ms);
        }
    })?;
    if let Some(e) = sink.failed {
        return Err(PipelineError::Consumer(e));
    }
    if let Some(batch) = sink.batcher.finish() {
        on_batch(batch).map_err(PipelineError::Consumer)?;
    }
    ledger.bytes_read += stats.bytes;
    Ok(())
}
