//! One CloudWatch Logs event as elbship sends it, valid by construction. Events borrow their message: the
//! batcher copies it into its batch's text, so a line costs no allocation of its own.

use crate::batching::limits::EVENT_OVERHEAD_BYTES;
use crate::batching::limits::MAX_MESSAGE_BYTES;
use serde::Serialize;

/// A log event: epoch milliseconds and a non-empty message of at most
/// [`MAX_MESSAGE_BYTES`](crate::batching::limits::MAX_MESSAGE_BYTES).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Event<'a> {
    /// Milliseconds since the epoch, UTC.
    pub timestamp: i64,
    /// The message text.
    pub message: &'a str,
    /// Whether this event completes a line (false for all but the last part of a split line).
    #[serde(skip)]
    pub line_end: bool,
}

/// A message PutLogEvents would refuse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EventError {
    /// PutLogEvents refuses empty messages.
    #[error("empty message")]
    EmptyMessage,
    /// The message exceeds the 1 MB event limit.
    #[error("message of {0} bytes exceeds the {MAX_MESSAGE_BYTES}-byte event limit")]
    TooLarge(usize),
}

impl<'a> Event<'a> {
    /// An event that completes a line; refuses what PutLogEvents would refuse.
    pub fn new(timestamp: i64, message: &'a str) -> Result<Event<'a>, EventError> {
        Event::part(timestamp, message, true)
    }

    /// An event that may be one part of a split line.
    pub fn part(timestamp: i64, message: &'a str, line_end: bool) -> Result<Event<'a>, EventError> {
        if message.is_empty() {
            return Err(EventError::EmptyMessage);
        }
        if message.len() > MAX_MESSAGE_BYTES {
            return Err(EventError::TooLarge(message.len()));
        }
        Ok(Event { timestamp, message, line_end })
    }

    /// Bytes this event counts against the batch limit: UTF-8 message bytes plus 26.
    pub fn size(&self) -> usize {
        self.message.len() + EVENT_OVERHEAD_BYTES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_cloudwatch_refuses() {
        assert_eq!(Event::new(0, ""), Err(EventError::EmptyMessage));
        let big = "x".repeat(MAX_MESSAGE_BYTES + 1);
        assert_eq!(Event::new(0, &big), Err(EventError::TooLarge(MAX_MESSAGE_BYTES + 1)));
        let e = Event::new(0, &big[1..]);
        assert_eq!(e.map(|e| e.size()), Ok(1_048_576));
    }

    #[test]
    fn size_counts_utf8_bytes() {
        assert_eq!(Event::new(0, "é").map(|e| e.size()), Ok(28));
    }
}
