//! Settling a batch whose answer was lost by reading its stream back. CloudWatch Logs has no idempotency key, but
//! its streams can be read: before a batch of unknown fate is sent again, its stream is read over the batch's time
//! range and the batch's own events are looked for, each by its timestamp and a digest of its message, with
//! multiplicity (identical lines are legitimate; a batch holding one line twice needs it found twice). Counts alone
//! would prove nothing: streams are shared (`{kind}/{date}` holds every node's objects of the day).
//!
//! The verdict ([`Fate`]):
//! - **stored**: every event is there; or those there are one unbroken run of the batch, and those missing before
//!   it are old enough for CloudWatch to have refused them (too old, or before the group's retention) and those
//!   missing after it far enough ahead (too new): PutLogEvents stores a batch whole, apart from the events it
//!   refuses for their time, so the refused ones are counted as the answer would have counted them, never re-sent;
//! - **not stored**: none of its events is there (after the visibility wait the caller gives it);
//! - **undecidable**: anything else (some copies of an event but not all, a run with a gap): the batch is sent
//!   again and counted as possibly duplicated, as without a read-back.
//!
//! The one assumption: a batch whose every event already has a twin in its stream (the same millisecond and the
//! same bytes, an ELB line carrying its client's address and port and its time to the microsecond) is taken as
//! stored. Only a copy of the same lines shipped from another object can make that true.
//!
//! ```
//! use elbship_core::accounting::readback::{Fate, ReadBack};
//! let batch = elbship_core::synth::numbered_batch(3);
//! let mut rb = ReadBack::new(&batch);
//! assert_eq!(rb.range(), (0, 3));
//! for e in batch.events() {
//!     rb.saw(e.timestamp, e.message);
//! }
//! rb.saw(1, "another node's line");
//! assert!(matches!(rb.fate(0, None), Fate::Stored(r) if r.is_empty()));
//! ```

use crate::accounting::checkpoint::Rejections;
use crate::batching::batch::Batch;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// What reading the stream back says of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// CloudWatch Logs holds it; what it refused for their time is counted from these rejections.
    Stored(Rejections),
    /// None of it is there.
    NotStored,
    /// It cannot be told: send it again and count it as possibly duplicated.
    Undecidable,
}

/// How far from a bound of CloudWatch's acceptance window an event must be for its absence to be read as a
/// refusal: CloudWatch judges by its own clock at receipt, elbship's `sent_at` is its own.
pub const WINDOW_SLACK_MS: i64 = 5 * 60_000;
const DAY_MS: i64 = 86_400_000;
/// PutLogEvents refuses events older than this.
const TOO_OLD_MS: i64 = 14 * DAY_MS;
/// PutLogEvents refuses events further ahead than this.
const TOO_NEW_MS: i64 = 2 * 3_600_000;

/// One event as it is looked for: its timestamp, and its message's length and digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    timestamp: i64,
    len: usize,
    digest: u64,
}

impl Key {
    fn of(timestamp: i64, message: &str) -> Key {
        // `DefaultHasher::new()` is SipHash with fixed keys: the same digest in every process.
        let mut h = DefaultHasher::new();
        message.hash(&mut h);
        Key { timestamp, len: message.len(), digest: h.finish() }
    }
}

/// A batch being looked for in its stream: feed it what the stream holds over [`ReadBack::range`], then ask its
/// [`Fate`].
#[derive(Debug, Clone)]
pub struct ReadBack {
    /// The batch's events in order.
    order: Vec<Key>,
    /// Per distinct event: (copies in the batch, copies seen).
    counts: HashMap<Key, (u32, u32)>,
}

impl ReadBack {
    /// Starts looking for `batch`.
    pub fn new(batch: &Batch) -> ReadBack {
        let order: Vec<Key> = batch.events().map(|e| Key::of(e.timestamp, e.message)).collect();
        let mut counts = HashMap::with_capacity(order.len());
        for k in &order {
            counts.entry(*k).or_insert((0, 0)).0 += 1;
        }
        ReadBack { order, counts }
    }

    /// The time range to read: from the first event's timestamp to one past the last's (GetLogEvents' `endTime`
    /// is exclusive).
    pub fn range(&self) -> (i64, i64) {
        let first = self.order.first().map_or(0, |k| k.timestamp);
        let last = self.order.last().map_or(0, |k| k.timestamp);
        (first, last.saturating_add(1))
    }

    /// One event the stream holds.
    pub fn saw(&mut self, timestamp: i64, message: &str) {
        if let Some(c) = self.counts.get_mut(&Key::of(timestamp, message)) {
            c.1 = c.1.saturating_add(1);
        }
    }

    /// Every event of the batch was seen, as often as the batch holds it.
    pub fn complete(&self) -> bool {
        self.counts.values().all(|&(want, seen)| seen >= want)
    }

    /// The verdict, for a batch sent at `sent_at_ms` (elbship's clock) to a group keeping events
    /// `retention_days` (none: forever).
    pub fn fate(&self, sent_at_ms: i64, retention_days: Option<u32>) -> Fate {
        if self.complete() {
            return Fate::Stored(Rejections::default());
        }
        if self.counts.values().all(|&(_, seen)| seen == 0) {
            return Fate::NotStored;
        }
        // Each position is found or missing; an event seen fewer times than the batch holds it is neither.
        let mut found = Vec::with_capacity(self.order.len());
        for k in &self.order {
            match self.counts.get(k) {
                Some(&(want, seen)) if seen >= want => found.push(true),
                Some(&(_, 0)) => found.push(false),
                _ => return Fate::Undecidable,
            }
        }
        let (Some(start), Some(last)) = (found.iter().position(|&f| f), found.iter().rposition(|&f| f)) else {
            return Fate::NotStored;
        };
        if found[start..=last].iter().any(|&f| !f) {
            return Fate::Undecidable;
        }
        let end = last + 1;
        let keeps_ms = retention_days.map_or(TOO_OLD_MS, |d| (i64::from(d) * DAY_MS).min(TOO_OLD_MS));
        let oldest_taken = sent_at_ms - keeps_ms;
        let refused_old = self.order[..start].iter().all(|k| k.timestamp < oldest_taken + WINDOW_SLACK_MS);
        let refused_new = self.order[end..].iter().all(|k| k.timestamp > sent_at_ms + TOO_NEW_MS - WINDOW_SLACK_MS);
        if !(refused_old && refused_new) {
            return Fate::Undecidable;
        }
        let too_old = self.order[..start].iter().take_while(|k| k.timestamp < sent_at_ms - TOO_OLD_MS).count();
        let index = |i: usize| u32::try_from(i).ok();
        Fate::Stored(Rejections {
            too_new_start: (end < self.order.len()).then(|| index(end)).flatten(),
            too_old_end: (too_old > 0).then(|| index(too_old)).flatten(),
            expired_end: (start > too_old).then(|| index(start)).flatten(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batching::batch::Batcher;
    use crate::batching::event::Event;
    use proptest::prelude::*;

    fn batch_of(events: &[(i64, &str)]) -> Batch {
        let mut b = Batcher::new();
        for &(t, m) in events {
            let e = Event::new(t, m).unwrap_or_else(|_| unreachable!("test events are valid"));
            let _ = b.push(e);
        }
        b.finish().unwrap_or_else(|| unreachable!("at least one event"))
    }

    fn seen(batch: &Batch, which: impl Fn(usize) -> bool) -> ReadBack {
        let mut rb = ReadBack::new(batch);
        for (i, e) in batch.events().enumerate() {
            if which(i) {
                rb.saw(e.timestamp, e.message);
            }
        }
        rb
    }

    const NOW: i64 = 100 * DAY_MS;

    #[test]
    fn nothing_found_is_not_stored_and_everything_found_is_stored() {
        let b = batch_of(&[(NOW, "a"), (NOW, "b"), (NOW + 1, "c")]);
        assert_eq!(seen(&b, |_| false).fate(NOW, None), Fate::NotStored);
        assert_eq!(seen(&b, |_| true).fate(NOW, None), Fate::Stored(Rejections::default()));
        // Other nodes' lines in the same stream change nothing.
        let mut rb = seen(&b, |_| false);
        rb.saw(NOW, "another node's line");
        rb.saw(NOW + 1, "a");
        assert_eq!(rb.fate(NOW, None), Fate::NotStored);
    }

    #[test]
    fn identical_lines_need_every_copy() {
        let b = batch_of(&[(NOW, "same"), (NOW, "same"), (NOW + 1, "other")]);
        let mut rb = ReadBack::new(&b);
        rb.saw(NOW, "same");
        rb.saw(NOW + 1, "other");
        assert!(!rb.complete());
        assert_eq!(rb.fate(NOW, None), Fate::Undecidable, "one of two copies found");
        rb.saw(NOW, "same");
        assert_eq!(rb.fate(NOW, None), Fate::Stored(Rejections::default()));
    }

    #[test]
    fn a_batch_stored_in_part_is_stored_with_its_refusals() {
        const HOUR: i64 = 3_600_000;
        // Too old (past 14 days) and too new (over 2 hours ahead): a batch spans at most 24 hours, so one each.
        let b = batch_of(&[(NOW - TOO_OLD_MS - HOUR, "o"), (NOW - TOO_OLD_MS + HOUR, "kept")]);
        let want = Rejections { too_old_end: Some(1), ..Rejections::default() };
        assert_eq!(seen(&b, |i| i == 1).fate(NOW, None), Fate::Stored(want));
        let b = batch_of(&[(NOW + HOUR, "kept"), (NOW + 3 * HOUR, "f")]);
        let want = Rejections { too_new_start: Some(1), ..Rejections::default() };
        assert_eq!(seen(&b, |i| i == 0).fate(NOW, None), Fate::Stored(want));
        // Before a retention of one day: expired.
        let b = batch_of(&[(NOW - DAY_MS - 2 * HOUR, "e1"), (NOW - DAY_MS - HOUR, "e2"), (NOW - 20 * HOUR, "kept")]);
        let rb = seen(&b, |i| i == 2);
        let want = Rejections { expired_end: Some(2), ..Rejections::default() };
        assert_eq!(rb.fate(NOW, Some(1)), Fate::Stored(want));
        let counted = want.ledger(&b);
        assert_eq!((counted.lines_delivered, counted.rejected.expired), (1, 2));
        // Without a retention that short, the missing day-old lines cannot have been refused.
        assert_eq!(rb.fate(NOW, None), Fate::Undecidable);
    }

    #[test]
    fn a_gap_or_a_missing_recent_event_is_undecidable() {
        let b = batch_of(&[(NOW, "a"), (NOW, "b"), (NOW, "c")]);
        assert_eq!(seen(&b, |i| i != 1).fate(NOW, None), Fate::Undecidable);
        assert_eq!(seen(&b, |i| i != 0).fate(NOW, None), Fate::Undecidable);
    }

    proptest! {
        /// Whatever else the stream holds, a batch stored whole is found stored, and a batch not stored is never
        /// taken for stored unless the stream holds a twin of every one of its events.
        #[test]
        fn verdicts_follow_what_the_stream_holds(
            lines in proptest::collection::vec((0i64..50, 0u8..20), 1..60),
            others in proptest::collection::vec((0i64..50, 0u8..40), 0..60),
            stored in any::<bool>(),
        ) {
            let mut lines = lines;
            lines.sort();
            let msgs: Vec<(i64, String)> = lines.iter().map(|&(t, m)| (NOW + t, format!("line {m}"))).collect();
            let refs: Vec<(i64, &str)> = msgs.iter().map(|(t, m)| (*t, m.as_str())).collect();
            let b = batch_of(&refs);
            let mut rb = ReadBack::new(&b);
            let other: Vec<(i64, String)> = others.iter().map(|&(t, m)| (NOW + t, format!("line {m}"))).collect();
            for (t, m) in &other {
                rb.saw(*t, m);
            }
            if stored {
                for e in b.events() {
                    rb.saw(e.timestamp, e.message);
                }
                prop_assert_eq!(rb.fate(NOW, None), Fate::Stored(Rejections::default()));
            } else if matches!(rb.fate(NOW, None), Fate::Stored(_)) {
                let mut twins: HashMap<(i64, &str), i64> = HashMap::new();
                for (t, m) in &other {
                    *twins.entry((*t, m.as_str())).or_default() += 1;
                }
                for e in b.events() {
                    *twins.entry((e.timestamp, e.message)).or_default() -= 1;
                }
                prop_assert!(twins.values().all(|&n| n >= 0), "taken for stored without a twin of every event");
            }
        }
    }
}
