//! Cutting one object into spans that workers read and decode on their own.
//!
//! A span owns the lines that *start* in its uncompressed range `[owned_start, owned_end)`; the ranges of an
//! object's spans are contiguous, start at 0 and end at the object's uncompressed length, so every line is
//! delivered once, by exactly one span. A span also says which object bytes a worker must GET
//! (`[read_start, read_end)`): for plain text, exactly its lines; for gzip, from its access point (see
//! [`gzip`]) to the point where its last line is complete.
//!
//! ```
//! use elbship_core::spans::{plain::plan_plain, lines::{for_each_owned_line, ReadSource}};
//! let text = b"one\ntwo\nthree\nfour\n";
//! let plan = plan_plain(&text[..], 6).unwrap();
//! assert_eq!(plan.spans.len(), 3);
//! let mut lines = Vec::new();
//! for span in &plan.spans {
//!     let bytes = &text[span.read_start as usize..span.read_end as usize];
//!     for_each_owned_line(&mut ReadSource::new(bytes), span.read_start, span.owned(), |l| lines.push(l.to_vec())).unwrap();
//! }
//! assert_eq!(lines, [b"one".to_vec(), b"two".to_vec(), b"three".to_vec(), b"four".to_vec()]);
//! ```

pub mod gzip;
pub mod lines;
pub mod plain;
mod tracker;

use crate::formats::kind::Compression;
use gzip::{AccessPoint, GzipIndex, GzipSpanSource};
use lines::{ChunkSource, ReadSource};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::ops::Range;

/// Plans an object's spans from one read of it: a [`GzipIndex`] too when it is gzip.
pub fn plan_object<R: Read>(
    compression: Compression,
    reader: R,
    span_bytes: u64,
) -> Result<(SpanPlan, Option<GzipIndex>), SpanError> {
    match compression {
        Compression::None => Ok((plain::plan_plain(reader, span_bytes)?, None)),
        Compression::Gzip => gzip::build_index(reader, span_bytes).map(|(plan, index)| (plan, Some(index))),
    }
}

/// The uncompressed bytes of one span, from `reader` yielding the object from `span.read_start` on, and the
/// uncompressed offset they start at. Gzip spans need their access point.
pub fn span_source<'a, R: Read + 'a>(
    compression: Compression,
    span: &Span,
    point: Option<&AccessPoint>,
    reader: R,
) -> Result<(Box<dyn ChunkSource + 'a>, u64), SpanError> {
    match (compression, point) {
        (Compression::None, _) => Ok((Box::new(ReadSource::new(reader)), span.read_start)),
        (Compression::Gzip, Some(p)) if p.read_start() == span.read_start => {
            Ok((Box::new(GzipSpanSource::new(p, reader)?), p.out_offset))
        }
        (Compression::Gzip, _) => Err(SpanError::IndexCorrupt(format!("no access point for span {}", span.index))),
    }
}

/// One span of an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Position in the object's span list (0-based); for gzip, also the access point's position in the index.
    pub index: u32,
    /// First object byte the worker reads.
    pub read_start: u64,
    /// One past the last object byte the worker reads.
    pub read_end: u64,
    /// Uncompressed offset of the first line the span owns.
    pub owned_start: u64,
    /// Uncompressed offset one past the span's last line (the next span's `owned_start`).
    pub owned_end: u64,
    /// Index of the span's first line in the object.
    pub first_line: u64,
    /// Lines the span owns.
    pub lines: u64,
}

impl Span {
    /// The uncompressed range of lines the span owns.
    pub fn owned(&self) -> Range<u64> {
        self.owned_start..self.owned_end
    }
}

/// How one object is cut.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpanPlan {
    /// How the object is stored.
    pub compression: Compression,
    /// The object's size in bytes.
    pub object_bytes: u64,
    /// Its uncompressed size.
    pub uncompressed_bytes: u64,
    /// Its lines.
    pub lines: u64,
    /// Its spans, at least one.
    pub spans: Vec<Span>,
}

/// The spans do not cover the object exactly.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("spans do not cover the object exactly: {0}")]
pub struct CoverError(pub String);

impl SpanPlan {
    /// Proves that the spans' owned ranges and line counts tile the object, and reads stay inside it.
    pub fn check_cover(&self) -> Result<(), CoverError> {
        let (mut at, mut line) = (0u64, 0u64);
        for (i, s) in self.spans.iter().enumerate() {
            if s.index as usize != i {
                return Err(CoverError(format!("span {i} is numbered {}", s.index)));
            }
            if s.owned_start != at || s.first_line != line || s.owned_end < s.owned_start {
                return Err(CoverError(format!(
                    "span {i} owns [{}, {}) from line {}, expected to start at {at} and line {line}",
                    s.owned_start, s.owned_end, s.first_line
                )));
            }
            if s.read_start > s.read_end || s.read_end > self.object_bytes {
                return Err(CoverError(format!(
                    "span {i} reads [{}, {}) of {} bytes",
                    s.read_start, s.read_end, self.object_bytes
                )));
            }
            at = s.owned_end;
            line += s.lines;
        }
        if self.spans.is_empty() || at != self.uncompressed_bytes || line != self.lines {
            return Err(CoverError(format!(
                "spans end at byte {at} and line {line}, the object at {} and {}",
                self.uncompressed_bytes, self.lines
            )));
        }
        Ok(())
    }
}

/// Reading, decoding or cutting an object failed. Each variant has a stable [`name`](SpanError::name) that
/// the state machine's Retry/Catch match.
#[derive(Debug, thiserror::Error)]
pub enum SpanError {
    /// The object does not start with a gzip header.
    #[error("not gzip: the object does not start with a gzip header")]
    NotGzip,
    /// The object ends inside a gzip member.
    #[error("truncated gzip: the data ends at byte {offset} inside a gzip member")]
    GzipTruncated {
        /// Object bytes read.
        offset: u64,
    },
    /// The deflate data or a checksum is wrong.
    #[error("corrupt gzip near byte {offset}: {message}")]
    GzipCorrupt {
        /// Object bytes consumed when zlib stopped.
        offset: u64,
        /// zlib's message.
        message: String,
    },
    /// Bytes after the last gzip member that are not another member.
    #[error("trailing data after the last gzip member, at byte {offset}")]
    GzipTrailingData {
        /// Where the extra bytes start.
        offset: u64,
    },
    /// A span's data ended before its last line.
    #[error("span data ended at uncompressed byte {at}, before the span's end at {expected}")]
    SpanShort {
        /// Where the data ended.
        at: u64,
        /// Where the span ends.
        expected: u64,
    },
    /// A line longer than elbship holds in memory.
    #[error("a line longer than {max} bytes starts at uncompressed byte {at}")]
    LineTooLong {
        /// Where the line starts.
        at: u64,
        /// The limit.
        max: usize,
    },
    /// A stored span index cannot be read back.
    #[error("span index corrupt: {0}")]
    IndexCorrupt(String),
    /// Reading the object failed.
    #[error("reading the object failed: {0}")]
    Read(#[from] std::io::Error),
}

impl SpanError {
    /// The stable error name (`errorType` in Lambda, matched by the state machine).
    pub fn name(&self) -> &'static str {
        match self {
            SpanError::NotGzip => "NotGzip",
            SpanError::GzipTruncated { .. } => "GzipTruncated",
            SpanError::GzipCorrupt { .. } => "GzipCorrupt",
            SpanError::GzipTrailingData { .. } => "GzipTrailingData",
            SpanError::SpanShort { .. } => "SpanShort",
            SpanError::LineTooLong { .. } => "LineTooLong",
            SpanError::IndexCorrupt(_) => "IndexCorrupt",
            SpanError::Read(_) => "ReadFailed",
        }
    }
}

#[cfg(test)]
mod tests;
