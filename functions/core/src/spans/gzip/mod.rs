//! Spans of a gzip object: an index of access points built in one pass, and a decoder that starts at any of
//! them (the zlib "zran" technique, see `gzip-spans.md`).
//!
//! The index pass inflates the whole object once, verifying every member's CRC-32 and length, counting
//! lines, and at the first deflate block boundary after every `span_bytes` of output it records an access
//! point: the object offset, the bits of the previous byte that belong to the next block, and the last
//! 32 KiB of output (the window the next blocks may refer back into). A point can also sit at the start of a
//! member. A span decoder primes those bits, sets the window as the dictionary, and inflates raw deflate from
//! there, crossing into later members as needed.
//!
//! ```
//! use elbship_core::spans::gzip::{build_index, GzipSpanSource};
//! use elbship_core::spans::lines::for_each_owned_line;
//! use std::io::Write;
//! let text: String = (0..20_000).map(|i| format!("line {i}\n")).collect();
//! let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
//! gz.write_all(text.as_bytes()).unwrap();
//! let gz = gz.finish().unwrap();
//! let (plan, index) = build_index(&gz[..], 40_000).unwrap();
//! assert!(plan.spans.len() > 1);
//! let span = &plan.spans[1];
//! let point = &index.points[1];
//! let mut source = GzipSpanSource::new(point, &gz[span.read_start as usize..span.read_end as usize]).unwrap();
//! let mut n = 0;
//! for_each_owned_line(&mut source, point.out_offset, span.owned(), |_| n += 1).unwrap();
//! assert_eq!(n, span.lines);
//! ```

mod codec;
mod decode;
mod index;

pub use codec::{decode_index, encode_index};
pub use decode::GzipSpanSource;
pub use index::{build_index, AccessPoint, GzipIndex};

/// The deflate window: how far back compressed data may refer.
pub const WINDOW_BYTES: usize = 32 * 1024;
