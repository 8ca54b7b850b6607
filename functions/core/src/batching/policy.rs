//! Which event times CloudWatch Logs accepts, relative to a given "now", and what elbship does with the rest.
//!
//! PutLogEvents rejects events older than 14 days, older than the log group's retention, or more than 2 hours in
//! the future. elbship decides before sending, with one policy: `reject` counts them under `too_old`, `expired`
//! or `too_new` and sends nothing; `restamp` sends them stamped with "now" and counts them as `restamped`. The
//! original time stays in the message: the line's own time field in both message modes.
//!
//! ```
//! use elbship_core::batching::policy::{TimeWindow, Verdict};
//! let w = TimeWindow { now_ms: 1_000_000_000_000, retention_days: Some(7) };
//! assert_eq!(w.judge(1_000_000_000_000), Verdict::Accept);
//! assert_eq!(w.judge(1_000_000_000_000 - 8 * 86_400_000), Verdict::Expired);
//! ```

use crate::batching::limits::{MAX_EVENT_AGE_MS, MAX_EVENT_FUTURE_MS};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// What to do with events CloudWatch Logs would reject for their time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OldEventPolicy {
    /// Count them under their reason and send nothing (the default).
    #[default]
    Reject,
    /// Send them stamped with "now" and count them as restamped.
    Restamp,
}

impl OldEventPolicy {
    /// The name [`FromStr`] reads.
    pub fn as_str(self) -> &'static str {
        match self {
            OldEventPolicy::Reject => "reject",
            OldEventPolicy::Restamp => "restamp",
        }
    }
}

impl FromStr for OldEventPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "reject" => Ok(OldEventPolicy::Reject),
            "restamp" => Ok(OldEventPolicy::Restamp),
            _ => Err(format!("unknown old-event policy {s:?}: expected reject or restamp")),
        }
    }
}

/// The accepted time window: "now", and the log group's retention when known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    /// The reference time, epoch milliseconds.
    pub now_ms: i64,
    /// The target log group's retention in days, when it has one.
    pub retention_days: Option<u32>,
}

/// Whether CloudWatch Logs would accept an event time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Within the window.
    Accept,
    /// More than 14 days old.
    TooOld,
    /// Older than the log group's retention (and not more than 14 days old).
    Expired,
    /// More than 2 hours in the future.
    TooNew,
}

impl TimeWindow {
    /// Judges one event time.
    pub fn judge(&self, ts: i64) -> Verdict {
        if ts > self.now_ms + MAX_EVENT_FUTURE_MS {
            Verdict::TooNew
        } else if ts < self.now_ms - MAX_EVENT_AGE_MS {
            Verdict::TooOld
        } else if self.retention_days.is_some_and(|d| ts < self.now_ms - i64::from(d) * 86_400_000) {
            Verdict::Expired
        } else {
            Verdict::Accept
        }
    }
}

/// Whether a log group's retention can decide anything for a file whose period ended at `end_time_ms`: only when
/// some line may be older than the shortest retention there is (1 day). ELB files cover at most an hour before
/// their end time, so a file less than 20 hours old needs no retention, and no `DescribeLogGroups`.
pub fn retention_can_matter(end_time_ms: i64, now_ms: i64) -> bool {
    now_ms - end_time_ms > 20 * 3_600_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_file_has_no_line_a_retention_could_expire() {
        let end = NOW - 19 * 3_600_000;
        assert!(!retention_can_matter(end, NOW));
        assert!(retention_can_matter(NOW - 21 * 3_600_000, NOW));
        // Lines up to an hour before the end time, judged with the shortest retention, are all accepted.
        let w = TimeWindow { now_ms: NOW, retention_days: Some(1) };
        assert_eq!(w.judge(end - 3_600_000), Verdict::Accept);
    }

    const NOW: i64 = 1_700_000_000_000;

    #[test]
    fn boundaries_are_inclusive_of_the_window() {
        let w = TimeWindow { now_ms: NOW, retention_days: None };
        assert_eq!(w.judge(NOW - MAX_EVENT_AGE_MS), Verdict::Accept);
        assert_eq!(w.judge(NOW - MAX_EVENT_AGE_MS - 1), Verdict::TooOld);
        assert_eq!(w.judge(NOW + MAX_EVENT_FUTURE_MS), Verdict::Accept);
        assert_eq!(w.judge(NOW + MAX_EVENT_FUTURE_MS + 1), Verdict::TooNew);
        assert_eq!(w.judge(NOW - 20 * 86_400_000), Verdict::TooOld);
    }

    #[test]
    fn retention_shorter_than_14_days_expires_events() {
        let w = TimeWindow { now_ms: NOW, retention_days: Some(3) };
        assert_eq!(w.judge(NOW - 3 * 86_400_000), Verdict::Accept);
        assert_eq!(w.judge(NOW - 3 * 86_400_000 - 1), Verdict::Expired);
        assert_eq!(w.judge(NOW - 15 * 86_400_000), Verdict::TooOld);
        let long = TimeWindow { now_ms: NOW, retention_days: Some(30) };
        assert_eq!(long.judge(NOW - 15 * 86_400_000), Verdict::TooOld);
    }

    #[test]
    fn policy_names() {
        assert_eq!("restamp".parse(), Ok(OldEventPolicy::Restamp));
        assert!("drop".parse::<OldEventPolicy>().is_err());
    }
}
