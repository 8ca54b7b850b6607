//! Turning the bytes of a line into CloudWatch Logs messages: valid UTF-8, within the event size limit.
//!
//! CloudWatch Logs replaces invalid UTF-8 with U+FFFD (3 bytes each), which loses the bytes and can push a batch
//! over its size limit. elbship instead escapes each invalid byte as `\xHH` (the convention ELB itself uses for
//! unprintable bytes in request fields), so the original bytes can be read back, and measures sizes after
//! escaping. A message longer than [`MAX_MESSAGE_BYTES`](crate::batching::limits::MAX_MESSAGE_BYTES) is split into parts
//! that each end with a visible marker such as ` [elbship part 1/2]`.
//!
//! ```
//! use elbship_core::batching::message::{escape_utf8, split_oversize};
//! assert_eq!(escape_utf8(b"caf\xe9"), ("caf\\xE9".into(), true));
//! let parts = split_oversize("abcdef".into(), 40);
//! assert_eq!(parts.len(), 1);
//! ```

use crate::batching::limits::MAX_MESSAGE_BYTES;
use std::borrow::Cow;
use std::fmt::Write as _;

/// The line as valid UTF-8, with every invalid byte written as `\xHH`; `true` when anything was escaped.
pub fn escape_utf8(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return (Cow::Borrowed(s), false);
    }
    let mut out = String::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    (Cow::Owned(out), true)
}

/// The marker that ends part `i` of `n` of a split message.
pub fn part_marker(i: usize, n: usize) -> String {
    format!(" [elbship part {i}/{n}]")
}

/// Longest marker [`split_oversize`] can write (parts are counted in at most 7 digits).
const MAX_MARKER_BYTES: usize = " [elbship part 9999999/9999999]".len();

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Splits a message longer than `max_bytes` into parts of at most `max_bytes`, each with its marker.
/// A message that fits is returned whole, without a marker.
pub fn split_oversize(message: String, max_bytes: usize) -> Vec<String> {
    if message.len() <= max_bytes {
        return vec![message];
    }
    let payload = max_bytes.saturating_sub(MAX_MARKER_BYTES).max(4);
    let mut chunks = Vec::new();
    let mut rest = message.as_str();
    while !rest.is_empty() {
        let cut = floor_char_boundary(rest, payload.min(rest.len()));
        chunks.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    let n = chunks.len();
    chunks.into_iter().enumerate().map(|(i, chunk)| format!("{chunk}{}", part_marker(i + 1, n))).collect()
}

/// [`split_oversize`] at the PutLogEvents limit.
pub fn split_for_cloudwatch(message: String) -> Vec<String> {
    split_oversize(message, MAX_MESSAGE_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reverses [`escape_utf8`] for lines that held no literal `\x` text.
    fn unescape(s: &str) -> Vec<u8> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\' && b.get(i + 1) == Some(&b'x') && i + 4 <= b.len() {
                if let Ok(v) = u8::from_str_radix(&s[i + 2..i + 4], 16) {
                    out.push(v);
                    i += 4;
                    continue;
                }
            }
            out.push(b[i]);
            i += 1;
        }
        out
    }

    #[test]
    fn valid_utf8_is_borrowed() {
        let (s, escaped) = escape_utf8("naïve ✓".as_bytes());
        assert!(matches!(s, Cow::Borrowed(_)));
        assert!(!escaped);
    }

    #[test]
    fn invalid_bytes_are_escaped() {
        assert_eq!(escape_utf8(b"\xff\xfe a \xc3"), ("\\xFF\\xFE a \\xC3".into(), true));
        // A valid multi-byte character next to invalid bytes is kept.
        assert_eq!(escape_utf8("é\u{80}".as_bytes()).0, "é\u{80}");
        assert_eq!(escape_utf8(b"\xc3\xa9\x80").0, "é\\x80");
    }

    #[test]
    fn a_1_2_mb_line_is_split_in_two_marked_parts() {
        let line = "x".repeat(1_200_000);
        let parts = split_for_cloudwatch(line.clone());
        assert_eq!(parts.len(), 2);
        assert!(parts[0].ends_with(" [elbship part 1/2]"));
        assert!(parts[1].ends_with(" [elbship part 2/2]"));
        assert!(parts.iter().all(|p| p.len() <= MAX_MESSAGE_BYTES));
        let joined: String =
            parts.iter().enumerate().map(|(i, p)| p.strip_suffix(&part_marker(i + 1, 2)).unwrap_or(p)).collect();
        assert_eq!(joined, line);
    }

    #[test]
    fn exactly_the_limit_is_not_split() {
        let line = "y".repeat(MAX_MESSAGE_BYTES);
        assert_eq!(split_for_cloudwatch(line.clone()), vec![line]);
        assert_eq!(split_for_cloudwatch("y".repeat(MAX_MESSAGE_BYTES + 1)).len(), 2);
    }

    proptest! {
        #[test]
        fn escaping_is_valid_and_reversible(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            prop_assume!(!bytes.windows(2).any(|w| w == b"\\x"));
            let (s, escaped) = escape_utf8(&bytes);
            prop_assert_eq!(escaped, std::str::from_utf8(&bytes).is_err());
            prop_assert_eq!(unescape(&s), bytes);
        }

        #[test]
        fn split_parts_fit_and_rejoin(s in "[a-zé✓😀]{0,300}", max in 40usize..120) {
            let parts = split_oversize(s.clone(), max);
            let n = parts.len();
            let mut joined = String::new();
            for (i, p) in parts.iter().enumerate() {
                prop_assert!(p.len() <= max || n == 1);
                let body = if n == 1 { p.as_str() } else { p.strip_suffix(&part_marker(i + 1, n)).unwrap_or("?") };
                joined.push_str(body);
            }
            prop_assert_eq!(joined, s);
        }
    }
}
