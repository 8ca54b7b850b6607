//! Grouping events into PutLogEvents batches that obey every limit.
//!
//! Events are taken in arrival order; a batch closes when the next event would break a limit: 1,048,576 bytes
//! (message bytes + 26 per event), 10,000 events, or a time span of 24 hours. Each closed batch is sorted by
//! timestamp (stable, so equal times keep file order), because PutLogEvents fails the whole call otherwise.
//! The same input always gives the same batches, and memory is bounded by one batch: its messages live in
//! one buffer, copied there once, so a line costs no allocation.
//!
//! ```
//! use elbship_core::batching::{batch::Batcher, event::Event};
//! let mut batcher = Batcher::new();
//! let mut batches = Vec::new();
//! for ts in [3, 1, 2] {
//!     batches.extend(batcher.push(Event::new(ts, &format!("line {ts}")).unwrap()));
//! }
//! batches.extend(batcher.finish());
//! assert_eq!(batches.len(), 1);
//! assert_eq!(batches[0].events().map(|e| e.message).collect::<Vec<_>>(), ["line 1", "line 2", "line 3"]);
//! ```

use crate::batching::event::Event;
use crate::batching::limits::{
    EVENT_OVERHEAD_BYTES, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, MAX_BATCH_SPAN_MS, MAX_MESSAGE_BYTES,
};

/// Where one event's message sits in its batch's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    timestamp: i64,
    start: u32,
    len: u32,
    line_end: bool,
}

/// One PutLogEvents call's worth of events, in chronological order. The messages live in one buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    text: String,
    slots: Vec<Slot>,
    bytes: usize,
}

impl Batch {
    /// The events, sorted by timestamp.
    pub fn events(&self) -> impl ExactSizeIterator<Item = Event<'_>> + '_ {
        self.slots.iter().map(|s| Event {
            timestamp: s.timestamp,
            message: &self.text[s.start as usize..(s.start + s.len) as usize],
            line_end: s.line_end,
        })
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the batch has no event (never true for a batch the batcher returns).
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Bytes counted against the limit: message bytes + 26 per event.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// How full the batch is against the byte limit, 0.0 to 1.0.
    pub fn fill(&self) -> f64 {
        self.bytes as f64 / MAX_BATCH_BYTES as f64
    }

    /// Lines this batch completes (split lines count on their last part).
    pub fn lines(&self) -> u64 {
        self.slots.iter().filter(|s| s.line_end).count() as u64
    }

    /// UTF-8 message bytes, without the per-event overhead.
    pub fn message_bytes(&self) -> usize {
        self.text.len()
    }

    /// The earliest and latest timestamps.
    pub fn time_range(&self) -> Option<(i64, i64)> {
        Some((self.slots.first()?.timestamp, self.slots.last()?.timestamp))
    }
}

/// Accumulates events into batches.
#[derive(Debug, Default)]
pub struct Batcher {
    text: String,
    slots: Vec<Slot>,
    bytes: usize,
    min_ts: i64,
    max_ts: i64,
}

impl Batcher {
    /// An empty batcher.
    pub fn new() -> Self {
        Self::default()
    }

    fn fits(&self, timestamp: i64, size: usize) -> bool {
        if self.slots.is_empty() {
            return true;
        }
        let lo = self.min_ts.min(timestamp);
        let hi = self.max_ts.max(timestamp);
        self.slots.len() < MAX_BATCH_EVENTS && self.bytes + size <= MAX_BATCH_BYTES && hi - lo < MAX_BATCH_SPAN_MS
    }

    /// Adds an event whose message `write` appends to the batch's own text, so it is never copied (unless it
    /// closes the batch). Returns the batch this event closed, if any, as [`push`](Batcher::push) does; gives the
    /// message back, taking nothing, when it is empty or over the event limit.
    pub fn push_written(
        &mut self,
        timestamp: i64,
        write: &mut dyn FnMut(&mut String),
    ) -> Result<Option<Batch>, String> {
        if self.text.capacity() == 0 {
            self.reserve();
        }
        let start = self.text.len();
        write(&mut self.text);
        let len = self.text.len() - start;
        if len == 0 || len > MAX_MESSAGE_BYTES {
            return Err(self.text.split_off(start));
        }
        if !self.fits(timestamp, len + EVENT_OVERHEAD_BYTES) {
            let message = self.text.split_off(start);
            let closed = self.finish();
            let event = Event { timestamp, message: &message, line_end: true };
            return Ok(self.push(event).or(closed));
        }
        self.note(timestamp, start, len, true);
        Ok(None)
    }

    /// A batch's text never exceeds the byte limit, and a message is written past its end before it is known to
    /// fit: reserve both once, so the text never moves.
    fn reserve(&mut self) {
        self.text.reserve(MAX_BATCH_BYTES + MAX_MESSAGE_BYTES);
    }

    /// Records the event whose message is `text[start..start + len]`.
    fn note(&mut self, timestamp: i64, start: usize, len: usize, line_end: bool) {
        if self.slots.is_empty() {
            self.min_ts = timestamp;
            self.max_ts = timestamp;
        } else {
            self.min_ts = self.min_ts.min(timestamp);
            self.max_ts = self.max_ts.max(timestamp);
        }
        // Offsets fit in u32: a batch holds at most MAX_BATCH_BYTES of text.
        self.slots.push(Slot { timestamp, start: start as u32, len: len as u32, line_end });
        self.bytes += len + EVENT_OVERHEAD_BYTES;
    }

    /// Adds an event (copying its message); returns the batch it closed when it did not fit.
    pub fn push(&mut self, event: Event<'_>) -> Option<Batch> {
        let closed = if self.fits(event.timestamp, event.size()) { None } else { self.finish() };
        if self.text.capacity() == 0 {
            self.reserve();
        }
        let start = self.text.len();
        self.text.push_str(event.message);
        self.note(event.timestamp, start, event.message.len(), event.line_end);
        closed
    }

    /// Closes the batch in progress, if it has any event.
    pub fn finish(&mut self) -> Option<Batch> {
        if self.slots.is_empty() {
            return None;
        }
        let mut slots = std::mem::take(&mut self.slots);
        slots.sort_by_key(|s| s.timestamp);
        Some(Batch { text: std::mem::take(&mut self.text), slots, bytes: std::mem::take(&mut self.bytes) })
    }
}

#[cfg(test)]
mod tests;
