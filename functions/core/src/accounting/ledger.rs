//! The accounting of one object or span: every line read is delivered or counted under exactly one reason.
//!
//! Ledgers are plain serde data so a span's ledger can travel through Step Functions; they merge by addition,
//! and [`Ledger::check`] proves the invariant.
//!
//! ```
//! use elbship_core::accounting::ledger::{Ledger, RejectReason};
//! let mut a = Ledger::default();
//! a.lines_read = 3;
//! a.lines_delivered = 2;
//! a.rejected.add(RejectReason::Blank, 1);
//! let mut total = Ledger::default();
//! total.merge(&a);
//! assert!(total.check().is_ok());
//! ```

use serde::{Deserialize, Serialize};

/// Why a line was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// Empty or whitespace only.
    Blank,
    /// More than 14 days old.
    TooOld,
    /// Older than the log group's retention.
    Expired,
    /// More than 2 hours in the future.
    TooNew,
}

/// Lines not delivered, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rejected {
    /// Empty or whitespace-only lines.
    pub blank: u64,
    /// Lines more than 14 days old (policy `reject`, or refused by CloudWatch Logs).
    pub too_old: u64,
    /// Lines older than the log group's retention.
    pub expired: u64,
    /// Lines more than 2 hours in the future.
    pub too_new: u64,
}

impl Rejected {
    /// Counts `n` lines under `reason`.
    pub fn add(&mut self, reason: RejectReason, n: u64) {
        match reason {
            RejectReason::Blank => self.blank += n,
            RejectReason::TooOld => self.too_old += n,
            RejectReason::Expired => self.expired += n,
            RejectReason::TooNew => self.too_new += n,
        }
    }

    /// All rejected lines.
    pub fn total(&self) -> u64 {
        self.blank + self.too_old + self.expired + self.too_new
    }
}

/// Lines delivered, but not exactly as written; each line counts once per kind of change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Adjusted {
    /// The time field could not be read: stamped with the file's end time from the key.
    pub timestamp_fallback: u64,
    /// Invalid UTF-8 bytes escaped as `\xHH`.
    pub invalid_utf8: u64,
    /// Over the 1 MB event limit: split into marked parts.
    pub split_oversize: u64,
    /// Outside CloudWatch's time window, sent stamped with "now" (policy `restamp`).
    pub restamped: u64,
}

/// Counts for one span or object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ledger {
    /// Lines read.
    pub lines_read: u64,
    /// Uncompressed bytes read, line terminators included.
    pub bytes_read: u64,
    /// Lines delivered (all their events accepted).
    pub lines_delivered: u64,
    /// Events delivered (a split line gives several).
    pub events_delivered: u64,
    /// UTF-8 message bytes delivered.
    pub message_bytes_delivered: u64,
    /// PutLogEvents calls (batches) made.
    pub batches: u64,
    /// Lines not delivered, by reason.
    pub rejected: Rejected,
    /// Lines delivered with a change, by kind of change.
    pub adjusted: Adjusted,
    /// Delivered events whose batch may be stored twice: it was sent again after an attempt whose answer was
    /// lost (a timeout, a reset connection, a 5xx), or after a worker stopped with it in flight. Counted, never
    /// silent; not part of the balance (each such line is also counted as delivered once).
    pub possibly_duplicated: u64,
}

/// The ledger does not balance.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "lines unaccounted for: {lines_read} read, {lines_delivered} delivered, {rejected} rejected ({missing} missing)"
)]
pub struct Unbalanced {
    /// Lines read.
    pub lines_read: u64,
    /// Lines delivered.
    pub lines_delivered: u64,
    /// Lines rejected under a reason.
    pub rejected: u64,
    /// `lines_read - delivered - rejected` (negative when more were claimed than read).
    pub missing: i128,
}

impl Ledger {
    /// Adds another ledger's counts to this one.
    pub fn merge(&mut self, o: &Ledger) {
        self.lines_read += o.lines_read;
        self.bytes_read += o.bytes_read;
        self.lines_delivered += o.lines_delivered;
        self.events_delivered += o.events_delivered;
        self.message_bytes_delivered += o.message_bytes_delivered;
        self.batches += o.batches;
        let (r, s) = (&mut self.rejected, &o.rejected);
        r.blank += s.blank;
        r.too_old += s.too_old;
        r.expired += s.expired;
        r.too_new += s.too_new;
        let (a, b) = (&mut self.adjusted, &o.adjusted);
        a.timestamp_fallback += b.timestamp_fallback;
        a.invalid_utf8 += b.invalid_utf8;
        a.split_oversize += b.split_oversize;
        a.restamped += b.restamped;
        self.possibly_duplicated += o.possibly_duplicated;
    }

    /// Counts a batch as delivered in full.
    pub fn record_delivered(&mut self, batch: &crate::batching::batch::Batch) {
        self.batches += 1;
        self.lines_delivered += batch.lines();
        self.events_delivered += batch.len() as u64;
        self.message_bytes_delivered += batch.message_bytes() as u64;
    }

    /// Proves that every line read was delivered or rejected under exactly one reason.
    pub fn check(&self) -> Result<(), Unbalanced> {
        let rejected = self.rejected.total();
        let missing = i128::from(self.lines_read) - i128::from(self.lines_delivered) - i128::from(rejected);
        if missing == 0 {
            Ok(())
        } else {
            Err(Unbalanced { lines_read: self.lines_read, lines_delivered: self.lines_delivered, rejected, missing })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: u64) -> Ledger {
        let mut l = Ledger { lines_read: 10 * n, lines_delivered: 7 * n, ..Ledger::default() };
        l.rejected.add(RejectReason::TooOld, 2 * n);
        l.rejected.add(RejectReason::Blank, n);
        l.adjusted.invalid_utf8 = n;
        l
    }

    #[test]
    fn merged_ledgers_add_up_and_balance() {
        let mut total = Ledger::default();
        total.merge(&sample(1));
        total.merge(&sample(2));
        assert_eq!(total, sample(3));
        assert_eq!(total.check(), Ok(()));
    }

    #[test]
    fn a_missing_line_is_named() {
        let mut l = sample(1);
        l.lines_delivered -= 1;
        let err = l.check().err();
        assert_eq!(err.as_ref().map(|e| e.missing), Some(1));
        assert!(err.map(|e| e.to_string()).unwrap_or_default().contains("1 missing"));
        l.lines_delivered += 2;
        assert_eq!(l.check().map_err(|e| e.missing), Err(-1));
    }

    #[test]
    fn serde_round_trip_and_defaults() {
        let l = sample(4);
        let json = serde_json::to_string(&l).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Ledger>(&json).ok(), Some(l));
        assert_eq!(serde_json::from_str::<Ledger>("{}").ok(), Some(Ledger::default()));
    }
}
