//! Decoding a gzip object from an access point on.

use super::AccessPoint;
use crate::spans::lines::ChunkSource;
use crate::spans::SpanError;
use elbship_inflate::{Flush, Inflater, Wrapper, ZlibError};
use std::io::Read;

const IN_CHUNK: usize = 128 * 1024;
/// A gzip member trailer: CRC-32 and length, 4 bytes each.
const TRAILER_BYTES: u8 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Inflating; `raw` while still in the member the access point sits in.
    InMember { raw: bool },
    /// Skipping the rest of a raw member's trailer.
    Trailer { left: u8 },
    /// At the start of the next member, or at the end of the data.
    BetweenMembers,
}

/// Yields an object's uncompressed bytes from an access point on, given the object's bytes from the point's
/// [`read_start`](AccessPoint::read_start). The data may end anywhere (a ranged GET): the decoder then ends too,
/// and the line reader checks that the span was complete.
pub struct GzipSpanSource<R> {
    reader: R,
    inflater: Inflater,
    input: Vec<u8>,
    lo: usize,
    hi: usize,
    eof: bool,
    consumed: u64,
    state: State,
}

fn corrupt(e: ZlibError, offset: u64) -> SpanError {
    SpanError::GzipCorrupt { offset, message: e.message }
}

impl<R: Read> GzipSpanSource<R> {
    /// A decoder starting at `point`; `reader` yields the object from `point.read_start()` on.
    pub fn new(point: &AccessPoint, mut reader: R) -> Result<Self, SpanError> {
        let start = point.read_start();
        let wrapper = if point.member_start { Wrapper::Gzip } else { Wrapper::Raw };
        let mut inflater = Inflater::new(wrapper).map_err(|e| corrupt(e, start))?;
        if point.bits > 0 && !point.member_start {
            let mut byte = [0u8; 1];
            reader.read_exact(&mut byte).map_err(|_| SpanError::GzipTruncated { offset: start })?;
            inflater.prime(point.bits, byte[0] >> (8 - point.bits)).map_err(|e| corrupt(e, start))?;
        }
        if !point.member_start {
            inflater.set_dictionary(&point.window).map_err(|e| corrupt(e, start))?;
        }
        Ok(GzipSpanSource {
            reader,
            inflater,
            input: vec![0u8; IN_CHUNK],
            lo: 0,
            hi: 0,
            eof: false,
            consumed: point.in_offset,
            state: State::InMember { raw: !point.member_start },
        })
    }

    fn refill(&mut self) -> Result<(), SpanError> {
        if self.lo == self.hi && !self.eof {
            let n = ReadOnce(&mut self.reader).read_chunk(&mut self.input)?;
            (self.lo, self.hi) = (0, n);
            self.eof = n == 0;
        }
        Ok(())
    }
}

struct ReadOnce<'a, R>(&'a mut R);

impl<R: Read> ChunkSource for ReadOnce<'_, R> {
    fn read_chunk(&mut self, buf: &mut [u8]) -> Result<usize, SpanError> {
        loop {
            match self.0.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                other => return other.map_err(SpanError::from),
            }
        }
    }
}

impl<R: Read> ChunkSource for GzipSpanSource<R> {
    fn read_chunk(&mut self, out: &mut [u8]) -> Result<usize, SpanError> {
        loop {
            self.refill()?;
            if self.lo == self.hi {
                return Ok(0);
            }
            match self.state {
                State::Trailer { left } => {
                    let skip = (left as usize).min(self.hi - self.lo);
                    self.lo += skip;
                    self.consumed += skip as u64;
                    let left = left - skip as u8;
                    self.state = if left == 0 { State::BetweenMembers } else { State::Trailer { left } };
                }
                State::BetweenMembers => {
                    self.inflater.reset(Wrapper::Gzip).map_err(|e| corrupt(e, self.consumed))?;
                    self.state = State::InMember { raw: false };
                }
                State::InMember { raw } => {
                    let step = self
                        .inflater
                        .inflate(&self.input[self.lo..self.hi], out, Flush::None)
                        .map_err(|e| corrupt(e, self.consumed))?;
                    self.lo += step.consumed;
                    self.consumed += step.consumed as u64;
                    if step.stream_end {
                        self.state = if raw { State::Trailer { left: TRAILER_BYTES } } else { State::BetweenMembers };
                    }
                    if step.produced > 0 {
                        return Ok(step.produced);
                    }
                    if step.consumed == 0 && !step.stream_end {
                        return Err(SpanError::GzipCorrupt {
                            offset: self.consumed,
                            message: "inflate made no progress".into(),
                        });
                    }
                }
            }
        }
    }
}
