//! A small safe wrapper over zlib's inflate API (through `libz-rs-sys`, zlib-rs with zlib's C names).
//!
//! flate2 cannot stop at deflate block boundaries (`Z_BLOCK`), prime leftover bits (`inflatePrime`) or set a
//! raw-deflate dictionary mid-stream, which elbship-core's gzip span index needs. This crate is the only `unsafe`
//! code in elbship (the core forbids it):
//! every call passes a `z_stream` that lives in a `Box` (zlib keeps a pointer to it) and slices whose
//! pointers are valid for the lengths given, and the pointers are cleared after each call.

#![deny(missing_docs)]

use libz_rs_sys as z;
use std::ffi::CStr;

/// The wrapper a stream is decoded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrapper {
    /// gzip header and trailer, checked (windowBits 15 + 16).
    Gzip,
    /// Raw deflate, no header (windowBits -15).
    Raw,
}

impl Wrapper {
    fn window_bits(self) -> i32 {
        match self {
            Wrapper::Gzip => 15 + 16,
            Wrapper::Raw => -15,
        }
    }
}

/// When `inflate` should return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// As much output as possible.
    None,
    /// Also at every deflate block boundary.
    Block,
}

/// What one `inflate` call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// Input bytes consumed.
    pub consumed: usize,
    /// Output bytes written.
    pub produced: usize,
    /// The end of the gzip member (or of the raw deflate stream) was reached.
    pub stream_end: bool,
    /// zlib's `data_type`: unused bits in the last input byte, +64 in the last block, +128 at a block boundary.
    pub data_type: i32,
}

/// zlib refused the data or the call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZlibError {
    /// zlib's return code.
    pub code: i32,
    /// zlib's message, when it gave one.
    pub message: String,
}

/// One inflate stream.
pub struct Inflater {
    strm: Box<z::z_stream>,
}

fn check(code: i32, strm: &z::z_stream) -> Result<i32, ZlibError> {
    if code >= 0 {
        return Ok(code);
    }
    let message = if strm.msg.is_null() {
        String::new()
    } else {
        // SAFETY: zlib sets `msg` to null or to a static NUL-terminated string.
        unsafe { CStr::from_ptr(strm.msg) }.to_string_lossy().into_owned()
    };
    Err(ZlibError { code, message })
}

impl Inflater {
    /// A new stream.
    pub fn new(wrapper: Wrapper) -> Result<Self, ZlibError> {
        let mut strm = Box::new(z::z_stream::default());
        let size = std::mem::size_of::<z::z_stream>() as i32;
        // SAFETY: `strm` is a valid, default-initialized z_stream (null allocators select zlib-rs's own).
        let code = unsafe { z::inflateInit2_(&mut *strm, wrapper.window_bits(), z::zlibVersion(), size) };
        check(code, &strm)?;
        Ok(Inflater { strm })
    }

    /// Starts a new stream with the given wrapper, keeping the allocations.
    pub fn reset(&mut self, wrapper: Wrapper) -> Result<(), ZlibError> {
        // SAFETY: `strm` was initialized by `inflateInit2_`.
        let code = unsafe { z::inflateReset2(&mut *self.strm, wrapper.window_bits()) };
        check(code, &self.strm).map(drop)
    }

    /// Inserts the `bits` low bits of `value` before the next input (raw streams, before the first inflate).
    pub fn prime(&mut self, bits: u8, value: u8) -> Result<(), ZlibError> {
        // SAFETY: `strm` was initialized by `inflateInit2_`.
        let code = unsafe { z::inflatePrime(&mut *self.strm, i32::from(bits), i32::from(value)) };
        check(code, &self.strm).map(drop)
    }

    /// Sets the window a raw stream starting mid-way refers back into.
    pub fn set_dictionary(&mut self, dictionary: &[u8]) -> Result<(), ZlibError> {
        if dictionary.is_empty() {
            return Ok(());
        }
        let len = u32::try_from(dictionary.len()).unwrap_or(u32::MAX);
        // SAFETY: the pointer is valid for `len` bytes and zlib copies them.
        let code = unsafe { z::inflateSetDictionary(&mut *self.strm, dictionary.as_ptr(), len) };
        check(code, &self.strm).map(drop)
    }

    /// Inflates from `input` into `output`.
    pub fn inflate(&mut self, input: &[u8], output: &mut [u8], flush: Flush) -> Result<Step, ZlibError> {
        let avail_in = u32::try_from(input.len()).unwrap_or(u32::MAX);
        let avail_out = u32::try_from(output.len()).unwrap_or(u32::MAX);
        self.strm.next_in = input.as_ptr();
        self.strm.avail_in = avail_in;
        self.strm.next_out = output.as_mut_ptr();
        self.strm.avail_out = avail_out;
        let mode = match flush {
            Flush::None => z::Z_NO_FLUSH,
            Flush::Block => z::Z_BLOCK,
        };
        // SAFETY: `next_in`/`next_out` point into live slices of at least `avail_in`/`avail_out` bytes.
        let code = unsafe { z::inflate(&mut *self.strm, mode) };
        let step = Step {
            consumed: (avail_in - self.strm.avail_in) as usize,
            produced: (avail_out - self.strm.avail_out) as usize,
            stream_end: code == z::Z_STREAM_END,
            data_type: self.strm.data_type,
        };
        self.strm.next_in = std::ptr::null();
        self.strm.avail_in = 0;
        self.strm.next_out = std::ptr::null_mut();
        self.strm.avail_out = 0;
        match code {
            // Z_BUF_ERROR only says no progress was possible with the buffers given.
            z::Z_BUF_ERROR => Ok(step),
            z::Z_NEED_DICT => Err(ZlibError { code, message: "a preset dictionary is required".into() }),
            _ => check(code, &self.strm).map(|_| step),
        }
    }
}

impl Drop for Inflater {
    fn drop(&mut self) {
        // SAFETY: `strm` was initialized by `inflateInit2_` and is ended once.
        unsafe { z::inflateEnd(&mut *self.strm) };
    }
}

// SAFETY: the stream owns its state exclusively; nothing in it is tied to a thread.
unsafe impl Send for Inflater {}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap_or_default();
        e.finish().unwrap_or_default()
    }

    #[test]
    fn inflates_a_member_and_checks_its_crc() -> Result<(), String> {
        let mut gz = gzip(b"hello\nworld\n");
        let mut inf = Inflater::new(Wrapper::Gzip).map_err(|e| e.message)?;
        let mut out = [0u8; 64];
        let step = inf.inflate(&gz, &mut out, Flush::None).map_err(|e| e.message)?;
        assert!(step.stream_end);
        assert_eq!(&out[..step.produced], b"hello\nworld\n");
        // Flip a CRC byte: zlib reports it.
        let n = gz.len();
        gz[n - 6] ^= 1;
        let mut inf = Inflater::new(Wrapper::Gzip).map_err(|e| e.message)?;
        let err = inf.inflate(&gz, &mut out, Flush::None).err();
        assert_eq!(err.map(|e| e.code), Some(z::Z_DATA_ERROR));
        Ok(())
    }
}
