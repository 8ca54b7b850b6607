//! Line boundaries seen in one pass over an object's uncompressed bytes.
//!
//! The planner adds a boundary at each span's start position; the tracker finds the first line start at or
//! after it, how many lines come before, and how far into the object the input had to go to produce it.

use super::Span;
use memchr::{memchr, memchr_iter};

/// A requested span start and the line boundary it resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Boundary {
    /// Object offset where a worker starts reading.
    pub read_start: u64,
    /// First line start at or after the requested position.
    pub line_start: u64,
    /// Lines before `line_start`.
    pub lines_before: u64,
    /// Object bytes consumed when `line_start` had been produced.
    pub read_end: u64,
    resolved: bool,
}

/// Counts lines and resolves boundaries.
#[derive(Debug)]
pub(crate) struct LineTracker {
    pos: u64,
    newlines: u64,
    at_line_start: bool,
    boundaries: Vec<Boundary>,
    pending_from: usize,
}

impl LineTracker {
    pub fn new() -> Self {
        LineTracker { pos: 0, newlines: 0, at_line_start: true, boundaries: Vec::new(), pending_from: 0 }
    }

    /// Uncompressed bytes seen so far.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// Requests a span starting at the current position; a worker reads the object from `read_start`, and
    /// `consumed` object bytes have produced everything seen so far.
    pub fn add_boundary(&mut self, read_start: u64, consumed: u64) {
        let resolved = self.at_line_start;
        self.boundaries.push(Boundary {
            read_start,
            line_start: self.pos,
            lines_before: self.newlines,
            read_end: consumed,
            resolved,
        });
        if resolved && self.pending_from == self.boundaries.len() - 1 {
            self.pending_from = self.boundaries.len();
        }
    }

    /// Takes the next uncompressed bytes; `consumed` object bytes produced everything up to their end.
    pub fn feed(&mut self, chunk: &[u8], consumed: u64) {
        let Some(&last) = chunk.last() else { return };
        if self.pending_from < self.boundaries.len() {
            if let Some(q) = memchr(b'\n', chunk) {
                for b in &mut self.boundaries[self.pending_from..] {
                    b.line_start = self.pos + q as u64 + 1;
                    b.lines_before = self.newlines + 1;
                    b.read_end = consumed;
                    b.resolved = true;
                }
                self.pending_from = self.boundaries.len();
            }
        }
        self.newlines += memchr_iter(b'\n', chunk).count() as u64;
        self.pos += chunk.len() as u64;
        self.at_line_start = last == b'\n';
    }

    /// Lines seen: a last line without `\n` counts.
    pub fn lines(&self) -> u64 {
        self.newlines + u64::from(!self.at_line_start)
    }

    /// The spans the boundaries give: boundaries past the last line start, and all but the last of several
    /// that resolve to the same line, are dropped, so no span is empty unless the object is.
    /// Each span comes with the position of its boundary in the order they were added.
    pub fn into_spans(self, object_bytes: u64, plain: bool) -> Vec<(Span, usize)> {
        let (total, lines) = (self.pos, self.lines());
        let mut kept: Vec<(usize, Boundary)> = Vec::with_capacity(self.boundaries.len());
        for (id, mut b) in self.boundaries.into_iter().enumerate() {
            if !b.resolved {
                b.line_start = total;
                b.lines_before = lines;
                b.read_end = object_bytes;
            }
            if b.line_start == total && !kept.is_empty() {
                continue;
            }
            if kept.last().is_some_and(|(_, k)| k.line_start == b.line_start) {
                kept.pop();
            }
            kept.push((id, b));
        }
        let n = kept.len();
        (0..n)
            .map(|i| {
                let (id, b) = kept[i];
                let (owned_end, lines_end, read_end) = match kept.get(i + 1) {
                    Some((_, next)) => (next.line_start, next.lines_before, next.read_end),
                    None => (total, lines, object_bytes),
                };
                let (read_start, read_end) = if plain { (b.line_start, owned_end) } else { (b.read_start, read_end) };
                let span = Span {
                    index: i as u32,
                    read_start,
                    read_end,
                    owned_start: b.line_start,
                    owned_end,
                    first_line: b.lines_before,
                    lines: lines_end - b.lines_before,
                };
                (span, id)
            })
            .collect()
    }
}
