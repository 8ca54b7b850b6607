//! Grouping events into PutLogEvents batches that obey every limit.
//!
//! Events are taken in arrival order; a batch closes when the next event would break a limit: 1,048,576 bytes
//! (message bytes + 26 per event), 10,000 events, or a time span of 24 hours. Each closed batch is sorted by
//! timestamp (stable, so equal times keep file order), because PutLogEvents fails the whole call otherwise.
//! The same input always gives the same batches, and memory is bounded by one batch.
//!
//! ```
//! use elbship_core::{batch::Batcher, event::Event};
//! let mut batcher = Batcher::new();
//! let mut batches = Vec::new();
//! for ts in [3, 1, 2] {
//!     batches.extend(batcher.push(Event::new(ts, format!("line {ts}")).unwrap()));
//! }
//! batches.extend(batcher.finish());
//! assert_eq!(batches.len(), 1);
//! assert_eq!(batches[0].events.iter().map(|e| e.timestamp).collect::<Vec<_>>(), [1, 2, 3]);
//! ```

use crate::event::Event;
use crate::limits::{MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_BATCH_SPAN_MS};

/// One PutLogEvents call's worth of events, in chronological order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Events sorted by timestamp.
    pub events: Vec<Event>,
    /// Bytes counted against the limit: message bytes + 26 per event.
    pub bytes: usize,
}

impl Batch {
    /// How full the batch is against the byte limit, 0.0 to 1.0.
    pub fn fill(&self) -> f64 {
        self.bytes as f64 / MAX_BATCH_BYTES as f64
    }

    /// Lines this batch completes (split lines count on their last part).
    pub fn lines(&self) -> u64 {
        self.events.iter().filter(|e| e.line_end).count() as u64
    }

    /// UTF-8 message bytes, without the per-event overhead.
    pub fn message_bytes(&self) -> usize {
        self.events.iter().map(|e| e.message.len()).sum()
    }
}

/// Accumulates events into batches.
#[derive(Debug, Default)]
pub struct Batcher {
    events: Vec<Event>,
    bytes: usize,
    min_ts: i64,
    max_ts: i64,
}

impl Batcher {
    /// An empty batcher.
    pub fn new() -> Self {
        Self::default()
    }

    fn fits(&self, event: &Event) -> bool {
        if self.events.is_empty() {
            return true;
        }
        let lo = self.min_ts.min(event.timestamp);
        let hi = self.max_ts.max(event.timestamp);
        self.events.len() < MAX_BATCH_EVENTS
            && self.bytes + event.size() <= MAX_BATCH_BYTES
            && hi - lo < MAX_BATCH_SPAN_MS
    }

    /// Adds an event; returns the batch it closed when it did not fit.
    pub fn push(&mut self, event: Event) -> Option<Batch> {
        let closed = if self.fits(&event) { None } else { self.finish() };
        if self.events.is_empty() {
            self.min_ts = event.timestamp;
            self.max_ts = event.timestamp;
        } else {
            self.min_ts = self.min_ts.min(event.timestamp);
            self.max_ts = self.max_ts.max(event.timestamp);
        }
        self.bytes += event.size();
        self.events.push(event);
        closed
    }

    /// Closes the batch in progress, if it has any event.
    pub fn finish(&mut self) -> Option<Batch> {
        if self.events.is_empty() {
            return None;
        }
        let mut events = std::mem::take(&mut self.events);
        events.sort_by_key(|e| e.timestamp);
        let bytes = std::mem::take(&mut self.bytes);
        Some(Batch { events, bytes })
    }
}

#[cfg(test)]
mod tests;
