//! An in-memory [`CheckpointStore`] with the same semantics as the DynamoDB one (first claim wins, ownership
//! fencing, acknowledgements recorded even when fenced out), for tests and for runs that need no durability.

use super::{Ack, CheckpointStore, Lease, TakenOver};
use crate::error::ElbshipError;
use elbship_core::accounting::checkpoint::{Claim, SpanCheckpoint};
use elbship_core::accounting::ledger::Ledger;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

#[derive(Debug, Default)]
struct Spans {
    claims: HashMap<String, Claim>,
    /// Holder and end of each object's lease.
    leases: HashMap<String, (String, i64)>,
    spans: HashMap<String, (String, String, SpanCheckpoint)>,
    writes: u64,
}

/// Checkpoints kept in memory; clones share the same store.
#[derive(Debug, Clone, Default)]
pub struct MemoryCheckpoints {
    inner: Arc<Mutex<Spans>>,
}

impl MemoryCheckpoints {
    fn lock(&self) -> MutexGuard<'_, Spans> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes made so far (claims, take-overs, reservations, acknowledgements).
    pub fn writes(&self) -> u64 {
        self.lock().writes
    }

    /// A span's checkpoint.
    pub fn span(&self, key: &str) -> Option<SpanCheckpoint> {
        self.lock().spans.get(key).map(|(_, _, c)| c.clone())
    }
}

fn taken(key: &str) -> ElbshipError {
    ElbshipError::SpanTakenOver(format!("span {key} is owned by a newer attempt"))
}

impl CheckpointStore for MemoryCheckpoints {
    async fn claim(&self, object_id: &str, proposed: Claim, lease: Option<&Lease>) -> Result<Claim, ElbshipError> {
        let mut s = self.lock();
        if let Some(lease) = lease {
            match s.leases.get(object_id) {
                Some((holder, until)) if *holder != lease.holder && *until >= lease.now_ms => {
                    return Err(ElbshipError::ObjectLeased { holder: holder.clone() })
                }
                _ => {
                    s.leases.insert(object_id.to_string(), (lease.holder.clone(), lease.until_ms));
                }
            }
        }
        s.writes += 1;
        Ok(*s.claims.entry(object_id.to_string()).or_insert(proposed))
    }

    async fn take_over(
        &self,
        key: &str,
        owner: &str,
        geometry: &str,
        first_reservation: u32,
    ) -> Result<TakenOver, ElbshipError> {
        let mut s = self.lock();
        s.writes += 1;
        if let Some((_, stored, _)) = s.spans.get(key).filter(|(_, g, _)| g != geometry) {
            return Err(super::mismatch(key, stored, geometry));
        }
        let fresh = SpanCheckpoint { sent_below: first_reservation, ..SpanCheckpoint::default() };
        match s.spans.get_mut(key) {
            Some(entry) => {
                entry.0 = owner.to_string();
                Ok(TakenOver { prior: entry.2.clone(), sent_below: entry.2.sent_below })
            }
            None => {
                s.spans.insert(key.to_string(), (owner.to_string(), geometry.to_string(), fresh));
                Ok(TakenOver { prior: SpanCheckpoint::default(), sent_below: first_reservation })
            }
        }
    }

    async fn reserve(&self, key: &str, owner: &str, sent_below: u32) -> Result<(), ElbshipError> {
        let mut s = self.lock();
        s.writes += 1;
        match s.spans.get_mut(key) {
            Some((o, _, c)) if o == owner => {
                c.sent_below = sent_below;
                Ok(())
            }
            _ => Err(taken(key)),
        }
    }

    async fn ack(&self, key: &str, owner: &str, ack: Ack, progress: &Ledger) -> Result<(), ElbshipError> {
        let mut s = self.lock();
        s.writes += 1;
        let Some((o, _, c)) = s.spans.get_mut(key) else { return Err(taken(key)) };
        c.acked.insert(ack.seq);
        if ack.possibly_duplicated {
            c.possibly_duplicated.insert(ack.seq);
        }
        if !ack.rejections.is_empty() {
            c.rejections.insert(ack.seq, ack.rejections);
        }
        if o != owner {
            return Err(taken(key));
        }
        c.progress = *progress;
        Ok(())
    }

    async fn confirm(&self, key: &str, owner: &str) -> Result<(), ElbshipError> {
        match self.lock().spans.get(key) {
            Some((o, _, _)) if o == owner => Ok(()),
            _ => Err(taken(key)),
        }
    }

    async fn read(&self, key: &str) -> Result<Option<SpanCheckpoint>, ElbshipError> {
        Ok(self.span(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use elbship_core::accounting::checkpoint::Rejections;

    #[tokio::test]
    async fn keeps_the_checkpoint_store_contract() {
        super::super::contract::run(&MemoryCheckpoints::default(), "").await;
    }

    #[tokio::test]
    async fn a_lease_keeps_a_second_execution_out_until_it_runs_out() {
        let store = MemoryCheckpoints::default();
        let claim = Claim {
            now_ms: 1,
            mode: Default::default(),
            policy: Default::default(),
            span_bytes: 1,
            retention_days: 0,
            format: 2,
        };
        let lease = |holder: &str, now_ms| Lease { holder: holder.into(), now_ms, until_ms: now_ms + 100 };
        assert!(store.claim("o", claim, Some(&lease("a", 0))).await.is_ok());
        assert!(store.claim("o", claim, Some(&lease("a", 50))).await.is_ok(), "the holder again (a retry)");
        let held = store.claim("o", claim, Some(&lease("b", 60))).await;
        assert!(matches!(held, Err(ElbshipError::ObjectLeased { ref holder }) if holder == "a"), "{held:?}");
        assert!(store.claim("o", claim, None).await.is_ok(), "the Standard route does not take leases");
        assert!(store.claim("o", claim, Some(&lease("b", 151))).await.is_ok(), "a's lease ran out");
        assert!(store.claim("o", claim, Some(&lease("a", 160))).await.is_err());
    }

    #[tokio::test]
    async fn the_last_attempt_to_take_over_owns_the_span_and_the_older_one_is_fenced_out() {
        let store = MemoryCheckpoints::default();
        let ack = |seq| Ack { seq, rejections: Rejections::default(), possibly_duplicated: false };
        let one = Ledger { batches: 1, ..Ledger::default() };
        store.take_over("s", "old", "g", 0).await.unwrap_or_else(|e| panic!("{e}"));
        store.reserve("s", "old", 2).await.unwrap_or_else(|e| panic!("{e}"));
        store.take_over("s", "new", "g", 0).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.reserve("s", "old", 4).await.err().map(|e| e.name()), Some("SpanTakenOver"));
        // The older attempt's acknowledgement is true, so it is kept; its progress is not.
        assert_eq!(store.ack("s", "old", ack(1), &one).await.err().map(|e| e.name()), Some("SpanTakenOver"));
        let cp = store.span("s").unwrap_or_default();
        assert_eq!((cp.sent_below, cp.acked.len(), cp.progress.batches), (2, 1, 0));
        store.ack("s", "new", ack(0), &one).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.span("s").map(|c| c.progress.batches), Some(1));
        assert_eq!(store.take_over("s", "x", "other", 0).await.err().map(|e| e.name()), Some("CheckpointMismatch"));
        assert_eq!(store.writes(), 7);
    }
}
