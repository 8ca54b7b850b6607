//! Spans of a plain-text object (Classic Load Balancer logs): one pass counts lines and finds, for every
//! `span_bytes` of text, the first line start at or after it. A span reads exactly the bytes of its lines.

use super::lines::{ChunkSource, ReadSource};
use super::tracker::LineTracker;
use super::{SpanError, SpanPlan};
use crate::formats::kind::Compression;
use std::io::Read;

const CHUNK: usize = 256 * 1024;

/// Plans spans of about `span_bytes` (at least 1) over a plain-text object read once from `reader`.
pub fn plan_plain<R: Read>(reader: R, span_bytes: u64) -> Result<SpanPlan, SpanError> {
    let span_bytes = span_bytes.max(1);
    let mut source = ReadSource::new(reader);
    let mut tracker = LineTracker::new();
    let mut buf = vec![0u8; CHUNK];
    let mut next_boundary = 0u64;
    loop {
        let n = source.read_chunk(&mut buf)?;
        if n == 0 {
            break;
        }
        let mut chunk = &buf[..n];
        while !chunk.is_empty() {
            let pos = tracker.pos();
            if pos == next_boundary {
                tracker.add_boundary(pos, pos);
                next_boundary += span_bytes;
            }
            let take = ((next_boundary - pos) as usize).min(chunk.len());
            tracker.feed(&chunk[..take], pos + take as u64);
            chunk = &chunk[take..];
        }
    }
    if tracker.pos() == 0 {
        tracker.add_boundary(0, 0);
    }
    let total = tracker.pos();
    let lines = tracker.lines();
    Ok(SpanPlan {
        compression: Compression::None,
        object_bytes: total,
        uncompressed_bytes: total,
        lines,
        spans: tracker.into_spans(total, true).into_iter().map(|(span, _)| span).collect(),
    })
}
