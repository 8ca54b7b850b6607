//! The stored form of a [`GzipIndex`]: `ELBSHIPX` + format version + postcard, each window deflated.
//! A 200 MB object cut every 4 MiB stores 50 windows of 32 KiB, compressed to a few KiB each.

use super::{AccessPoint, GzipIndex, WINDOW_BYTES};
use crate::spans::SpanError;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

const MAGIC: &[u8; 8] = b"ELBSHIPX";
const VERSION: u8 = 1;

#[derive(Serialize, Deserialize)]
struct StoredPoint {
    out_offset: u64,
    in_offset: u64,
    bits: u8,
    member_start: bool,
    window_deflated: Vec<u8>,
}

fn deflate(data: &[u8]) -> Result<Vec<u8>, SpanError> {
    let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
    e.write_all(data)?;
    Ok(e.finish()?)
}

fn inflate_window(data: &[u8]) -> Result<Vec<u8>, SpanError> {
    let mut out = Vec::with_capacity(WINDOW_BYTES);
    DeflateDecoder::new(data)
        .take(WINDOW_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| SpanError::IndexCorrupt(format!("window: {e}")))?;
    if out.len() > WINDOW_BYTES {
        return Err(SpanError::IndexCorrupt("window larger than 32 KiB".into()));
    }
    Ok(out)
}

/// Serializes an index compactly.
pub fn encode_index(index: &GzipIndex) -> Result<Vec<u8>, SpanError> {
    let stored = index
        .points
        .iter()
        .map(|p| {
            Ok(StoredPoint {
                out_offset: p.out_offset,
                in_offset: p.in_offset,
                bits: p.bits,
                member_start: p.member_start,
                window_deflated: deflate(&p.window)?,
            })
        })
        .collect::<Result<Vec<_>, SpanError>>()?;
    let mut out = MAGIC.to_vec();
    out.push(VERSION);
    postcard::to_io(&stored, &mut out).map_err(|e| SpanError::IndexCorrupt(e.to_string()))?;
    Ok(out)
}

/// Reads back what [`encode_index`] wrote; anything else is [`SpanError::IndexCorrupt`].
pub fn decode_index(bytes: &[u8]) -> Result<GzipIndex, SpanError> {
    let body = bytes
        .strip_prefix(MAGIC.as_slice())
        .and_then(|b| b.strip_prefix(&[VERSION]))
        .ok_or_else(|| SpanError::IndexCorrupt("not an elbship index of this version".into()))?;
    let stored: Vec<StoredPoint> = postcard::from_bytes(body).map_err(|e| SpanError::IndexCorrupt(e.to_string()))?;
    let points = stored
        .into_iter()
        .map(|p| {
            if p.bits > 7 || (p.bits > 0 && p.in_offset == 0) {
                return Err(SpanError::IndexCorrupt(format!("bad bit count {} at {}", p.bits, p.in_offset)));
            }
            Ok(AccessPoint {
                out_offset: p.out_offset,
                in_offset: p.in_offset,
                bits: p.bits,
                member_start: p.member_start,
                window: inflate_window(&p.window_deflated)?,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(GzipIndex { points })
}
