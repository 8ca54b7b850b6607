//! Keeping an attempt that was taken over from sending what its successor already settled.
//!
//! A newer attempt that takes a span over reads back, `settle` after taking it, the batches the older one had
//! reserved: absent, it sends them itself. An older attempt still running (a Lambda that outlived its timeout,
//! an Express execution overlapping the Standard one it handed over to) learns it was taken over only at its next
//! checkpoint write; meanwhile it may still be retrying a reserved batch through a storm, and a send of it landing
//! after the newer attempt's read-back would be stored twice without being counted.
//!
//! So before each PutLogEvents attempt, a sender asks the [`Fence`]: if the span's ownership was last confirmed
//! more than `fresh_for` ago (half the read-back's settle time), it is confirmed again with a strongly consistent
//! read, and a sender that no longer owns the span stops (`SpanTakenOver`). A send made at most `fresh_for` after
//! a confirmation made before the take-over is visible by the newer attempt's read-back as long as CloudWatch
//! Logs shows events within `settle - fresh_for` of storing them. Every successful conditional write (the
//! take-over, a reservation, an acknowledgement) also confirms it, so a span sending steadily reads nothing: the
//! read is made only by batches held through a storm, once per `fresh_for` per span.

use super::CheckpointStore;
use crate::error::ElbshipError;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

type Confirmation = Pin<Box<dyn Future<Output = Result<(), ElbshipError>> + Send>>;

/// One attempt's ownership of one span, as last confirmed.
pub struct Fence {
    confirmed_at: Mutex<Instant>,
    fresh_for: Duration,
    confirm: Box<dyn Fn() -> Confirmation + Send + Sync>,
}

impl std::fmt::Debug for Fence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fence").field("fresh_for", &self.fresh_for).finish_non_exhaustive()
    }
}

impl Fence {
    /// `owner`'s hold on span `key` in `store`, confirmed at `confirmed_at` (when the take-over was sent) and
    /// trusted for `fresh_for` after each confirmation.
    pub fn new<C>(store: C, key: String, owner: String, confirmed_at: Instant, fresh_for: Duration) -> Self
    where
        C: CheckpointStore + Clone + 'static,
    {
        let confirm = move || -> Confirmation {
            let (store, key, owner) = (store.clone(), key.clone(), owner.clone());
            Box::pin(async move { store.confirm(&key, &owner).await })
        };
        Fence { confirmed_at: Mutex::new(confirmed_at), fresh_for, confirm: Box::new(confirm) }
    }

    /// Records a confirmation: a conditional write sent at `at` succeeded.
    pub async fn confirmed(&self, at: Instant) {
        let mut last = self.confirmed_at.lock().await;
        *last = (*last).max(at);
    }

    /// Succeeds if the span's ownership is fresh, confirming it first when it is not; `SpanTakenOver` when
    /// another attempt owns it now. Concurrent senders wait for one confirmation rather than each reading.
    pub async fn check(&self) -> Result<(), ElbshipError> {
        let mut last = self.confirmed_at.lock().await;
        if last.elapsed() <= self.fresh_for {
            return Ok(());
        }
        let at = Instant::now();
        (self.confirm)().await?;
        *last = (*last).max(at);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoints::memory::MemoryCheckpoints;

    #[tokio::test(start_paused = true)]
    async fn a_fresh_hold_reads_nothing_a_stale_one_is_confirmed_and_a_lost_one_stops_the_sender() {
        let store = MemoryCheckpoints::default();
        store.take_over("s", "old", "g", 0).await.unwrap_or_else(|e| panic!("{e}"));
        let fence = Fence::new(store.clone(), "s".into(), "old".into(), Instant::now(), Duration::from_secs(30));
        // Another attempt takes over: a fresh hold does not notice (and need not: its sends are seen by the
        // newer attempt's read-back).
        store.take_over("s", "new", "g", 0).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(fence.check().await.is_ok(), "fresh: no read");
        tokio::time::advance(Duration::from_secs(31)).await;
        let stale = fence.check().await;
        assert_eq!(stale.err().map(|e| e.name()), Some("SpanTakenOver"), "stale: confirmed, and lost");

        let mine = Fence::new(store.clone(), "s".into(), "new".into(), Instant::now(), Duration::from_secs(30));
        tokio::time::advance(Duration::from_secs(31)).await;
        assert!(mine.check().await.is_ok(), "the owner's stale hold is confirmed");
        store.take_over("s", "newer", "g", 0).await.unwrap_or_else(|e| panic!("{e}"));
        tokio::time::advance(Duration::from_secs(20)).await;
        assert!(mine.check().await.is_ok(), "and trusted for 30 s after its confirmation");
        mine.confirmed(Instant::now()).await;
        tokio::time::advance(Duration::from_secs(20)).await;
        assert!(mine.check().await.is_ok(), "a write confirms it too");
        tokio::time::advance(Duration::from_secs(11)).await;
        assert!(mine.check().await.is_err(), "until it is stale again");
    }
}
