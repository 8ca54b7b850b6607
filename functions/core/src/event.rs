//! One CloudWatch Logs event as elbship sends it, valid by construction.

use crate::limits::EVENT_OVERHEAD_BYTES;
use crate::limits::MAX_MESSAGE_BYTES;
use serde::{Deserialize, Serialize};

/// A log event: epoch milliseconds and a non-empty message of at most
/// [`MAX_MESSAGE_BYTES`](crate::limits::MAX_MESSAGE_BYTES).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Milliseconds since the epoch, UTC.
    pub timestamp: i64,
    /// The message text.
    pub message: String,
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

impl Event {
    /// An event that completes a line; refuses what PutLogEvents would refuse.
    pub fn new(timestamp: i64, message: String) -> Result<Event, EventError> {
        Event::part(timestamp, message, true)
    }

    /// An event that may be one part of a split line.
    pub fn part(timestamp: i64, message: String, line_end: bool) -> Result<Event, EventError> {
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
        assert_eq!(Event::new(0, String::new()), Err(EventError::EmptyMessage));
        assert_eq!(Event::new(0, "x".repeat(MAX_MESSAGE_BYTES + 1)), Err(EventError::TooLarge(MAX_MESSAGE_BYTES + 1)));
        let e = Event::new(0, "x".repeat(MAX_MESSAGE_BYTES));
        assert_eq!(e.map(|e| e.size()), Ok(1_048_576));
    }

    #[test]
    fn size_counts_utf8_bytes() {
        assert_eq!(Event::new(0, "é".into()).map(|e| e.size()), Ok(28));
    }
}
