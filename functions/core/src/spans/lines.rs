//! Reading exactly the lines a span owns from a stream of uncompressed bytes.
//!
//! A [`ChunkSource`] yields the uncompressed bytes from some offset on (a plain byte range, or a gzip span
//! decoder); [`for_each_owned_line`] skips to the span's first line, hands each owned line (without `\n`) to a
//! callback, and stops as soon as the span's last line is complete, so a worker never needs more data than
//! the span's read range. Memory is one buffer that grows only to the longest line.

use super::SpanError;
use memchr::memchr;
use std::io::Read;
use std::ops::Range;

/// Longest line elbship holds in memory; a longer one fails the span with [`SpanError::LineTooLong`].
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

const INITIAL_BUFFER: usize = 256 * 1024;

/// A stream of uncompressed bytes.
pub trait ChunkSource {
    /// Fills the start of `buf`; `Ok(0)` at the end of the data.
    fn read_chunk(&mut self, buf: &mut [u8]) -> Result<usize, SpanError>;
}

/// A [`ChunkSource`] over any reader of plain bytes.
#[derive(Debug)]
pub struct ReadSource<R>(R);

impl<R: Read> ReadSource<R> {
    /// Wraps a reader.
    pub fn new(reader: R) -> Self {
        ReadSource(reader)
    }
}

impl<R: Read> ChunkSource for ReadSource<R> {
    fn read_chunk(&mut self, buf: &mut [u8]) -> Result<usize, SpanError> {
        loop {
            match self.0.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => return other.map_err(SpanError::from),
            }
        }
    }
}

/// What one span read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LineStats {
    /// Lines handed to the callback.
    pub lines: u64,
    /// Uncompressed bytes of those lines, terminators included.
    pub bytes: u64,
}

/// Calls `f` with each line that starts in `owned`, given a source whose first byte is at uncompressed offset
/// `start` (at most `owned.start`). Fails with [`SpanError::SpanShort`] if the data ends before `owned.end`.
pub fn for_each_owned_line<S: ChunkSource + ?Sized>(
    source: &mut S,
    start: u64,
    owned: Range<u64>,
    mut f: impl FnMut(&[u8]),
) -> Result<LineStats, SpanError> {
    let mut buf = vec![0u8; INITIAL_BUFFER];
    let (mut lo, mut hi) = (0usize, 0usize);
    let mut at = start; // uncompressed offset of buf[lo]
    let mut stats = LineStats::default();
    let mut eof = false;
    loop {
        if at >= owned.end {
            break;
        }
        if lo < hi {
            if at < owned.start {
                // Skip bytes before the first owned line.
                let skip = ((owned.start - at) as usize).min(hi - lo);
                lo += skip;
                at += skip as u64;
                continue;
            }
            if let Some(q) = memchr(b'\n', &buf[lo..hi]) {
                f(&buf[lo..lo + q]);
                stats.lines += 1;
                lo += q + 1;
                at += q as u64 + 1;
                continue;
            }
        }
        if eof {
            if at >= owned.start && lo < hi {
                // The object's last line has no final newline.
                f(&buf[lo..hi]);
                stats.lines += 1;
                at += (hi - lo) as u64;
            }
            break;
        }
        // Need more data: make room, then read.
        if lo == hi {
            (lo, hi) = (0, 0);
        } else if hi == buf.len() {
            if lo > 0 {
                buf.copy_within(lo..hi, 0);
                (lo, hi) = (0, hi - lo);
            } else if buf.len() >= MAX_LINE_BYTES {
                return Err(SpanError::LineTooLong { at, max: MAX_LINE_BYTES });
            } else {
                buf.resize((buf.len() * 2).min(MAX_LINE_BYTES), 0);
            }
        }
        let n = source.read_chunk(&mut buf[hi..])?;
        hi += n;
        eof = n == 0;
    }
    if at != owned.end {
        return Err(SpanError::SpanShort { at, expected: owned.end });
    }
    stats.bytes = owned.end - owned.start;
    Ok(stats)
}
