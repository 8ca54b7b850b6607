//! Checkpoint bookkeeping, apart from where checkpoints are stored: what one object's attempts must agree on
//! (its [`Claim`]), and, per span, which batches CloudWatch Logs acknowledged, which may have been sent without
//! an answer, and what CloudWatch refused in each acknowledged batch ([`SpanCheckpoint`]).
//!
//! Batches are deterministic: the same span, read with the same [`Claim`], always gives the same batches in the
//! same order, so a batch is named by its span and sequence number. Any later attempt of a span (a retry, a
//! redrive, a new execution) skips the batches acknowledged before, counts them from the checkpoint, and sends
//! the rest. A batch that an earlier attempt may have sent (it was at or past `sent_below`'s reservation and
//! not acknowledged) is sent again and counted as possibly duplicated: CloudWatch Logs has no idempotency key.
//!
//! ```
//! use elbship_core::accounting::checkpoint::{Next, SpanCheckpoint};
//! let mut cp = SpanCheckpoint::default();
//! cp.acked.insert(0);
//! cp.sent_below = 3; // batches 1 and 2 were in flight when the last attempt stopped
//! assert_eq!(cp.next(0), Next::Skip);
//! assert_eq!(cp.next(1), Next::Send { fate_unknown: true });
//! assert_eq!(cp.next(3), Next::Send { fate_unknown: false });
//! assert_eq!(cp.reservation(3, 8), Some(11));
//! ```

use crate::accounting::ledger::{Ledger, RejectReason};
use crate::batching::batch::Batch;
use crate::batching::event_builder::MessageMode;
use crate::batching::policy::OldEventPolicy;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Version of the way lines become batches. A claim made by another version cannot be resumed safely, because
/// its batches may be cut differently: bump it whenever the event builder or the batcher changes its output.
/// 2: JSON messages use the vended field names.
pub const BATCHING_FORMAT: u32 = 2;

/// What every attempt at one object version must share so that its batches come out the same: the first
/// attempt's choices, kept by the checkpoint store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// "Now" of the first attempt: it decides what is too old or too new, and what a restamped event carries.
    pub now_ms: i64,
    /// Message mode.
    pub mode: MessageMode,
    /// Old-event policy.
    pub policy: OldEventPolicy,
    /// Uncompressed bytes per span.
    pub span_bytes: u64,
    /// The target group's retention when the first attempt planned (0: none).
    pub retention_days: u32,
    /// [`BATCHING_FORMAT`] of the first attempt.
    pub format: u32,
}

/// A claim made by an elbship that batches differently: resuming it could send lines twice or skip some.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the object was first attempted by an elbship with batching format {found}, this one has {BATCHING_FORMAT}: resuming could duplicate or skip lines")]
pub struct FormatMismatch {
    /// The format in the claim.
    pub found: u32,
}

impl Claim {
    /// Checks that this elbship can resume the claim.
    pub fn check_format(&self) -> Result<(), FormatMismatch> {
        if self.format == BATCHING_FORMAT {
            Ok(())
        } else {
            Err(FormatMismatch { found: self.format })
        }
    }
}

/// PutLogEvents' `rejectedLogEventsInfo` for one batch, as indices into its sorted events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rejections {
    /// Events from this index on were more than 2 hours in the future.
    pub too_new_start: Option<u32>,
    /// Events before this index were more than 14 days old.
    pub too_old_end: Option<u32>,
    /// Events before this index were older than the group's retention.
    pub expired_end: Option<u32>,
}

impl Rejections {
    /// Whether CloudWatch refused nothing.
    pub fn is_empty(&self) -> bool {
        *self == Rejections::default()
    }

    /// The compact form a checkpoint keeps: `too_new,too_old,expired`, empty for none.
    pub fn encode(&self) -> String {
        let f = |v: Option<u32>| v.map_or_else(String::new, |v| v.to_string());
        format!("{},{},{}", f(self.too_new_start), f(self.too_old_end), f(self.expired_end))
    }

    /// Reads [`Rejections::encode`]'s form.
    pub fn decode(s: &str) -> Option<Rejections> {
        let mut parts = s.split(',').map(|p| if p.is_empty() { Ok(None) } else { p.parse().map(Some) });
        let r = Rejections {
            too_new_start: parts.next()?.ok()?,
            too_old_end: parts.next()?.ok()?,
            expired_end: parts.next()?.ok()?,
        };
        parts.next().is_none().then_some(r)
    }

    /// The batch's events as delivered or refused: too new from `too_new_start` on, too old before
    /// `too_old_end`, expired before `expired_end`. A line counts when its last event does.
    pub fn ledger(&self, batch: &Batch) -> Ledger {
        let too_new = self.too_new_start.map_or(usize::MAX, |v| v as usize);
        let too_old = self.too_old_end.map_or(0, |v| v as usize);
        let expired = self.expired_end.map_or(0, |v| v as usize);
        let mut ledger = Ledger { batches: 1, ..Ledger::default() };
        for (i, e) in batch.events().enumerate() {
            let reason = if i >= too_new {
                Some(RejectReason::TooNew)
            } else if i < too_old {
                Some(RejectReason::TooOld)
            } else if i < expired {
                Some(RejectReason::Expired)
            } else {
                None
            };
            match reason {
                Some(r) if e.line_end => ledger.rejected.add(r, 1),
                Some(_) => {}
                None => {
                    ledger.events_delivered += 1;
                    ledger.message_bytes_delivered += e.message.len() as u64;
                    ledger.lines_delivered += u64::from(e.line_end);
                }
            }
        }
        ledger
    }
}

/// What an attempt does with one batch of its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// CloudWatch Logs acknowledged it before: count it from the checkpoint, never send it again.
    Skip,
    /// Send it. `fate_unknown`: an earlier attempt may have sent it and lost the answer, so its events count as
    /// possibly duplicated.
    Send {
        /// An earlier attempt may have stored it.
        fate_unknown: bool,
    },
}

/// One span's durable progress.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpanCheckpoint {
    /// Batches CloudWatch Logs acknowledged.
    pub acked: BTreeSet<u32>,
    /// Every batch below this may have been sent; none at or above it was. An attempt raises it before it sends.
    pub sent_below: u32,
    /// Acknowledged batches that may be stored twice.
    pub possibly_duplicated: BTreeSet<u32>,
    /// What CloudWatch refused, for the acknowledged batches where it refused something.
    pub rejections: BTreeMap<u32, Rejections>,
    /// The delivered side of the ledger (delivered, rejected by CloudWatch, possibly duplicated, batches) of
    /// every acknowledged batch: what a failed span has already put into CloudWatch Logs.
    pub progress: Ledger,
}

impl SpanCheckpoint {
    /// What to do with batch `seq`.
    pub fn next(&self, seq: u32) -> Next {
        if self.acked.contains(&seq) {
            Next::Skip
        } else {
            Next::Send { fate_unknown: seq < self.sent_below }
        }
    }

    /// Before sending `seq`: the new `sent_below` to store first when `seq` is not yet covered, reserving
    /// `window` batches at once so that most sends need no write of their own.
    pub fn reservation(&self, seq: u32, window: u32) -> Option<u32> {
        (seq >= self.sent_below).then(|| seq.saturating_add(window.max(1)))
    }

    /// When an attempt stops on its own (not killed), what `sent_below` to leave: no lower than what earlier
    /// attempts may have sent (`prior`), and no higher than what this attempt sent (`sent_up_to`: one past its
    /// last batch sent), so that batches it reserved but never sent are not taken for possible duplicates.
    pub fn settled(prior: &SpanCheckpoint, sent_up_to: u32) -> u32 {
        prior.sent_below.max(sent_up_to)
    }

    /// The ledger of a batch acknowledged by an earlier attempt, from what the checkpoint kept of it.
    pub fn acked_ledger(&self, seq: u32, batch: &Batch) -> Ledger {
        let mut ledger = self.rejections.get(&seq).copied().unwrap_or_default().ledger(batch);
        if self.possibly_duplicated.contains(&seq) {
            ledger.possibly_duplicated = ledger.events_delivered;
        }
        ledger
    }

    /// Batches that may have been sent and were never acknowledged.
    pub fn unknown(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.sent_below).filter(|s| !self.acked.contains(s))
    }

    /// Records an acknowledgement this attempt received (what a store write records).
    pub fn record_ack(&mut self, seq: u32, rejections: Rejections, possibly_duplicated: bool, delivered: &Ledger) {
        if !self.acked.insert(seq) {
            return;
        }
        if !rejections.is_empty() {
            self.rejections.insert(seq, rejections);
        }
        if possibly_duplicated {
            self.possibly_duplicated.insert(seq);
        }
        self.progress.merge(delivered);
    }
}

/// The key of one span's checkpoint: the object's id and the span's index.
pub fn span_key(object_id: &str, span: u32) -> String {
    format!("{object_id}#{span}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::numbered_batch as batch;
    use proptest::prelude::*;

    #[test]
    fn rejected_events_are_counted_by_reason() {
        let b = batch(10);
        let r = Rejections { too_new_start: Some(8), too_old_end: Some(2), expired_end: Some(5) };
        let l = r.ledger(&b);
        assert_eq!((l.rejected.too_old, l.rejected.expired, l.rejected.too_new), (2, 3, 2));
        assert_eq!((l.lines_delivered, l.events_delivered, l.batches), (3, 3, 1));
        let all = Rejections::default().ledger(&b);
        assert_eq!((all.lines_delivered, all.rejected.total()), (10, 0));
        assert_eq!(all.message_bytes_delivered, b.message_bytes() as u64);
    }

    #[test]
    fn rejections_round_trip_and_refuse_garbage() {
        for r in [
            Rejections::default(),
            Rejections { too_new_start: Some(3), too_old_end: None, expired_end: Some(0) },
            Rejections { too_new_start: None, too_old_end: Some(9999), expired_end: None },
        ] {
            assert_eq!(Rejections::decode(&r.encode()), Some(r));
        }
        for bad in ["", "1,2", "1,2,3,4", "a,,", "-1,,"] {
            assert_eq!(Rejections::decode(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn acknowledged_batches_are_skipped_and_counted_as_they_were() {
        let b = batch(4);
        let mut cp = SpanCheckpoint::default();
        let r = Rejections { too_old_end: Some(1), ..Rejections::default() };
        let delivered = r.ledger(&b);
        cp.record_ack(2, r, true, &delivered);
        cp.record_ack(2, r, true, &delivered);
        assert_eq!(cp.next(2), Next::Skip);
        let l = cp.acked_ledger(2, &b);
        assert_eq!((l.lines_delivered, l.rejected.too_old, l.possibly_duplicated), (3, 1, 3));
        assert_eq!(cp.progress, delivered, "a repeated acknowledgement counts once");
        assert_eq!(cp.acked_ledger(3, &b).possibly_duplicated, 0);
    }

    #[test]
    fn claims_of_another_format_are_refused() {
        let c = Claim {
            now_ms: 1,
            mode: MessageMode::Raw,
            policy: OldEventPolicy::Reject,
            span_bytes: 1,
            retention_days: 0,
            format: BATCHING_FORMAT,
        };
        assert_eq!(c.check_format(), Ok(()));
        assert_eq!(Claim { format: 0, ..c }.check_format(), Err(FormatMismatch { found: 0 }));
    }

    proptest! {
        /// Any history of attempts (each reserving, sending some batches, and stopping anywhere: settled, or
        /// killed with batches in flight) ends, once an attempt runs to the end, with every batch acknowledged; a
        /// batch is sent again only when its fate was unknown, and every such batch is counted as possibly
        /// duplicated. A batch sent once is counted only when a killed attempt had reserved it (at most `window`
        /// batches per kill).
        #[test]
        fn attempts_resume_without_resending_acknowledged_batches(
            batches in 1u32..40,
            window in 1u32..6,
            stops in proptest::collection::vec((0u32..40, 0u32..6), 0..5),
        ) {
            let mut cp = SpanCheckpoint::default();
            let mut sends = vec![0u32; batches as usize];
            let one = Ledger { batches: 1, ..Ledger::default() };
            let attempts = stops.iter().map(|&(stop, lost)| Some((stop, lost))).chain([None]);
            let kills = stops.iter().filter(|(_, lost)| *lost > 0).count() as u32;
            for attempt in attempts {
                // Decisions follow the checkpoint as taken over; reservations go to the live one.
                let prior = cp.clone();
                let mut in_flight = Vec::new();
                for seq in 0..batches {
                    if let Some((stop, _)) = attempt {
                        if seq >= stop { break; }
                    }
                    match prior.next(seq) {
                        Next::Skip => continue,
                        Next::Send { fate_unknown } => {
                            if let Some(hw) = cp.reservation(seq, window) {
                                cp.sent_below = hw;
                            }
                            prop_assert!(seq < cp.sent_below);
                            sends[seq as usize] += 1;
                            in_flight.push((seq, fate_unknown));
                        }
                    }
                }
                // The attempt stops: killed, the last `lost` sends never got an answer recorded; otherwise it
                // records every answer and settles its reservation.
                let lost = attempt.map_or(0, |(_, lost)| lost as usize).min(in_flight.len());
                for &(seq, unknown) in &in_flight[..in_flight.len() - lost] {
                    cp.record_ack(seq, Rejections::default(), unknown, &one);
                }
                if lost == 0 {
                    let sent_up_to = in_flight.iter().map(|&(seq, _)| seq + 1).max().unwrap_or(0);
                    cp.sent_below = SpanCheckpoint::settled(&prior, sent_up_to);
                }
            }
            let mut counted_once = 0;
            for seq in 0..batches {
                prop_assert_eq!(cp.next(seq), Next::Skip);
                let s = sends[seq as usize];
                prop_assert!(s >= 1);
                if s > 1 {
                    prop_assert!(cp.possibly_duplicated.contains(&seq), "batch {} sent {} times uncounted", seq, s);
                } else if cp.possibly_duplicated.contains(&seq) {
                    counted_once += 1;
                }
            }
            prop_assert!(counted_once <= window * kills, "{} batches sent once counted, {} kills", counted_once, kills);
            prop_assert_eq!(cp.progress.batches, u64::from(batches));
        }
    }
}
