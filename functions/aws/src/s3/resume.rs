//! A body that survives a broken read: when the connection of a GET resets halfway through the body (or the
//! body ends before its length), [`ResumingReader`] asks for the rest with a new ranged GET from the first byte
//! it has not returned, after a short pause, up to [`MAX_RESUMES`] times per body. The bytes it returns are the
//! object's bytes in order, once each, whatever happened underneath.

use std::io::{self, Read};
use std::time::Duration;

/// New requests one body may make after broken reads.
pub const MAX_RESUMES: u32 = 5;

/// Reads `[pos, end)` of an object, resuming through `reopen(pos)` after a failed read.
pub struct ResumingReader<F> {
    reopen: F,
    inner: Box<dyn Read + Send>,
    pos: u64,
    end: u64,
    resumes: u32,
    pause: Duration,
}

impl<F: FnMut(u64) -> io::Result<Box<dyn Read + Send>>> ResumingReader<F> {
    /// `inner` reads from `start`; `reopen(pos)` gives a reader of `[pos, end)`. An `end` of `u64::MAX` means
    /// the length is unknown: the body's end is the object's.
    pub fn new(inner: Box<dyn Read + Send>, start: u64, end: u64, reopen: F) -> Self {
        ResumingReader { reopen, inner, pos: start, end, resumes: 0, pause: Duration::from_millis(100) }
    }

    /// The first pause before a new request (it doubles with each one); 100 ms unless set.
    pub fn with_pause(mut self, pause: Duration) -> Self {
        self.pause = pause;
        self
    }

    /// New requests made so far.
    pub fn resumes(&self) -> u32 {
        self.resumes
    }

    fn resume(&mut self, cause: io::Error) -> io::Result<()> {
        if self.resumes >= MAX_RESUMES {
            return Err(io::Error::new(
                cause.kind(),
                format!("reading at byte {} after {} resumed requests: {cause}", self.pos, self.resumes),
            ));
        }
        self.resumes += 1;
        tracing::warn!(at = self.pos, resumes = self.resumes, error = %cause, "resuming the read with a new ranged GET");
        std::thread::sleep(self.pause * (1 << self.resumes.min(5)) / 2);
        self.inner = (self.reopen)(self.pos)?;
        Ok(())
    }
}

impl<F: FnMut(u64) -> io::Result<Box<dyn Read + Send>>> Read for ResumingReader<F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() || self.pos >= self.end {
            return Ok(0);
        }
        loop {
            let room = usize::try_from(self.end - self.pos).unwrap_or(usize::MAX).min(buf.len());
            match self.inner.read(&mut buf[..room]) {
                Ok(0) if self.end == u64::MAX => return Ok(0),
                Ok(0) => self.resume(io::Error::new(io::ErrorKind::UnexpectedEof, "the body ended early"))?,
                Ok(n) => {
                    self.pos += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => self.resume(e)?,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Gives `data[pos..]`, failing after `cut` bytes (when a cut is left).
    struct Flaky {
        data: Vec<u8>,
        pos: usize,
        left: Option<usize>,
    }

    impl Read for Flaky {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let mut n = buf.len().min(self.data.len() - self.pos).min(7);
            if let Some(left) = self.left {
                if left == 0 {
                    return Err(io::Error::new(io::ErrorKind::ConnectionReset, "reset"));
                }
                n = n.min(left);
                self.left = Some(left - n);
            }
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    proptest! {
        /// However the connections break (up to the limit), the bytes read are the range, once each, in order.
        #[test]
        fn broken_reads_resume_where_they_stopped(
            data in proptest::collection::vec(any::<u8>(), 1..400),
            start_frac in 0.0f64..1.0,
            cuts in proptest::collection::vec(0usize..100, 0..=MAX_RESUMES as usize),
        ) {
            let start = (data.len() as f64 * start_frac) as usize;
            let mut cuts = cuts.into_iter();
            let open = |pos: u64, cut: Option<usize>| -> io::Result<Box<dyn Read + Send>> {
                Ok(Box::new(Flaky { data: data.clone(), pos: pos as usize, left: cut }))
            };
            let first = open(start as u64, cuts.next())?;
            let mut r = ResumingReader::new(first, start as u64, data.len() as u64, |pos| open(pos, cuts.next()))
                .with_pause(Duration::ZERO);
            let mut out = Vec::new();
            r.read_to_end(&mut out)?;
            prop_assert_eq!(&out[..], &data[start..]);
        }
    }

    #[test]
    fn a_body_that_keeps_breaking_fails_with_the_cause() {
        let data = vec![7u8; 100];
        let open = |pos: u64| -> io::Result<Box<dyn Read + Send>> {
            Ok(Box::new(Flaky { data: data.clone(), pos: pos as usize, left: Some(3) }))
        };
        let first = open(0).unwrap_or_else(|e| panic!("{e}"));
        let mut r = ResumingReader::new(first, 0, 100, open).with_pause(Duration::ZERO);
        let e = r.read_to_end(&mut Vec::new()).err().map(|e| (e.kind(), e.to_string()));
        assert!(matches!(&e, Some((io::ErrorKind::ConnectionReset, m)) if m.contains("5 resumed requests")), "{e:?}");
        assert_eq!(r.resumes(), MAX_RESUMES);
    }
}
