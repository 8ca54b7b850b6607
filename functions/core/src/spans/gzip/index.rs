//! The one-pass index build.

use super::WINDOW_BYTES;
use crate::formats::kind::Compression;
use crate::spans::tracker::LineTracker;
use crate::spans::{SpanError, SpanPlan};
use elbship_inflate::{Flush, Inflater, Wrapper, ZlibError};
use serde::{Deserialize, Serialize};
use std::io::Read;

const IN_CHUNK: usize = 256 * 1024;
const OUT_CHUNK: usize = 256 * 1024;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Where a span decoder can start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessPoint {
    /// Uncompressed offset of the first byte the decoder produces.
    pub out_offset: u64,
    /// Object offset of the first whole byte of the next deflate block (or of the member's header).
    pub in_offset: u64,
    /// Bits (0-7) of the byte before `in_offset` that belong to the next block.
    pub bits: u8,
    /// The point is the start of a gzip member: decode it with its header, no window.
    pub member_start: bool,
    /// Up to 32 KiB of output before `out_offset`.
    pub window: Vec<u8>,
}

impl AccessPoint {
    /// The object offset a decoder must read from.
    pub fn read_start(&self) -> u64 {
        self.in_offset - u64::from(self.bits > 0)
    }
}

/// The access points of one object, one per span, in span order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GzipIndex {
    /// The access points.
    pub points: Vec<AccessPoint>,
}

fn corrupt(e: ZlibError, offset: u64) -> SpanError {
    SpanError::GzipCorrupt {
        offset,
        message: if e.message.is_empty() { format!("zlib error {}", e.code) } else { e.message },
    }
}

fn zlib_setup(e: ZlibError) -> SpanError {
    SpanError::GzipCorrupt { offset: 0, message: format!("zlib could not start: {} ({})", e.message, e.code) }
}

/// Reads until `buf` is full or the reader ends.
fn fill<R: Read>(reader: &mut R, buf: &mut [u8]) -> Result<usize, SpanError> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(n)
}

/// Builds the span plan and access-point index of a gzip object, read once from `reader`, with a span about
/// every `span_bytes` of uncompressed output. Verifies every member; any defect is a named error.
/// An empty object (0 bytes) has no lines and one empty span.
pub fn build_index<R: Read>(mut reader: R, span_bytes: u64) -> Result<(SpanPlan, GzipIndex), SpanError> {
    let span_bytes = span_bytes.max(1);
    let mut input = vec![0u8; IN_CHUNK];
    let (mut lo, mut hi) = (0usize, fill(&mut reader, &mut input)?);
    let mut eof = hi < input.len();
    let mut tracker = LineTracker::new();
    tracker.add_boundary(0, 0);
    let mut points = vec![AccessPoint { out_offset: 0, in_offset: 0, bits: 0, member_start: true, window: Vec::new() }];
    if hi == 0 {
        let plan = SpanPlan {
            compression: Compression::Gzip,
            object_bytes: 0,
            uncompressed_bytes: 0,
            lines: 0,
            spans: tracker.into_spans(0, false).into_iter().map(|(span, _)| span).collect(),
        };
        return Ok((plan, GzipIndex { points }));
    }
    if hi < 2 || input[..2] != GZIP_MAGIC {
        return Err(SpanError::NotGzip);
    }
    let mut inflater = Inflater::new(Wrapper::Gzip).map_err(zlib_setup)?;
    let mut out = vec![0u8; WINDOW_BYTES + OUT_CHUNK];
    let mut filled = 0usize;
    let mut consumed = 0u64; // object bytes consumed
    let mut last_point = 0u64;
    let mut in_member = true;
    loop {
        if hi - lo < 2 && !eof {
            input.copy_within(lo..hi, 0);
            (lo, hi) = (0, hi - lo);
            let n = fill(&mut reader, &mut input[hi..])?;
            eof = hi + n < input.len();
            hi += n;
        }
        if lo == hi {
            if in_member {
                return Err(SpanError::GzipTruncated { offset: consumed });
            }
            break;
        }
        if !in_member {
            if hi - lo < 2 || input[lo..lo + 2] != GZIP_MAGIC {
                return Err(SpanError::GzipTrailingData { offset: consumed });
            }
            if tracker.pos() - last_point >= span_bytes {
                points.push(AccessPoint {
                    out_offset: tracker.pos(),
                    in_offset: consumed,
                    bits: 0,
                    member_start: true,
                    window: Vec::new(),
                });
                tracker.add_boundary(consumed, consumed);
                last_point = tracker.pos();
            }
            inflater.reset(Wrapper::Gzip).map_err(|e| corrupt(e, consumed))?;
            in_member = true;
        }
        if filled == out.len() {
            out.copy_within(filled - WINDOW_BYTES..filled, 0);
            filled = WINDOW_BYTES;
        }
        let step =
            inflater.inflate(&input[lo..hi], &mut out[filled..], Flush::Block).map_err(|e| corrupt(e, consumed))?;
        lo += step.consumed;
        consumed += step.consumed as u64;
        tracker.feed(&out[filled..filled + step.produced], consumed);
        filled += step.produced;
        if step.stream_end {
            in_member = false;
            continue;
        }
        let at_block_boundary = step.data_type & 128 != 0 && step.data_type & 64 == 0;
        if at_block_boundary && tracker.pos() - last_point >= span_bytes {
            points.push(AccessPoint {
                out_offset: tracker.pos(),
                in_offset: consumed,
                bits: (step.data_type & 7) as u8,
                member_start: false,
                window: out[filled.saturating_sub(WINDOW_BYTES)..filled].to_vec(),
            });
            tracker.add_boundary(consumed - u64::from(step.data_type & 7 != 0), consumed);
            last_point = tracker.pos();
        }
        if step.consumed == 0 && step.produced == 0 && lo < hi {
            return Err(SpanError::GzipCorrupt { offset: consumed, message: "inflate made no progress".into() });
        }
    }
    let (uncompressed, lines) = (tracker.pos(), tracker.lines());
    // Boundaries and points were added in lockstep: keep the point of every span that survived.
    let (spans, points): (Vec<_>, Vec<_>) = tracker
        .into_spans(consumed, false)
        .into_iter()
        .map(|(span, id)| (span, std::mem::take(&mut points[id])))
        .unzip();
    let plan = SpanPlan {
        compression: Compression::Gzip,
        object_bytes: consumed,
        uncompressed_bytes: uncompressed,
        lines,
        spans,
    };
    Ok((plan, GzipIndex { points }))
}
