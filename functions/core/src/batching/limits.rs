//! The AWS limits elbship enforces itself, each with the rule it comes from.
//!
//! The local stand-ins (moto) accept batches that AWS refuses, so the code must never rely on the service to
//! enforce these. Every constant here is pinned by a unit test.

/// PutLogEvents: "The maximum batch size is 1,048,576 bytes. This size is calculated as the sum of all event
/// messages in UTF-8, plus 26 bytes for each log event."
pub const MAX_BATCH_BYTES: usize = 1_048_576;

/// PutLogEvents: the per-event overhead counted against [`MAX_BATCH_BYTES`].
pub const EVENT_OVERHEAD_BYTES: usize = 26;

/// PutLogEvents: "The maximum number of log events in a batch is 10,000."
pub const MAX_BATCH_EVENTS: usize = 10_000;

/// PutLogEvents: one event is at most 1 MB (since April 2025), overhead included.
pub const MAX_EVENT_BYTES: usize = 1_048_576;

/// The largest message that fits in one event: [`MAX_EVENT_BYTES`] less the per-event overhead.
pub const MAX_MESSAGE_BYTES: usize = MAX_EVENT_BYTES - EVENT_OVERHEAD_BYTES;

/// PutLogEvents: "A batch of log events in a single request cannot span more than 24 hours."
/// elbship keeps `max - min` strictly below this.
pub const MAX_BATCH_SPAN_MS: i64 = 24 * 60 * 60 * 1000;

/// PutLogEvents: events older than 14 days are rejected (`tooOldLogEventEndIndex`).
pub const MAX_EVENT_AGE_MS: i64 = 14 * 24 * 60 * 60 * 1000;

/// PutLogEvents: events more than 2 hours in the future are rejected (`tooNewLogEventStartIndex`).
pub const MAX_EVENT_FUTURE_MS: i64 = 2 * 60 * 60 * 1000;

/// Step Functions: state input and output are at most 262,144 bytes.
pub const MAX_STATE_PAYLOAD_BYTES: usize = 262_144;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_match_the_aws_documentation() {
        assert_eq!(MAX_BATCH_BYTES, 1024 * 1024);
        assert_eq!(MAX_MESSAGE_BYTES, 1_048_550);
        assert_eq!(MAX_BATCH_EVENTS, 10_000);
        assert_eq!(MAX_BATCH_SPAN_MS, 86_400_000);
        assert_eq!(MAX_EVENT_AGE_MS, 1_209_600_000);
        assert_eq!(MAX_EVENT_FUTURE_MS, 7_200_000);
        assert_eq!(MAX_STATE_PAYLOAD_BYTES, 256 * 1024);
    }
}
