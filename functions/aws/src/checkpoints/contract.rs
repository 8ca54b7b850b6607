//! The contract every [`CheckpointStore`] keeps, as one suite generic over the store: run against the in-memory
//! store by the unit tests and against DynamoDB on the local stack by the end-to-end tests, so the two cannot
//! drift apart again (the DynamoDB `take_over` once fenced the live owner out on a mismatched geometry, which the
//! in-memory store never did). Each case panics with what broke; `prefix` keeps runs against one table apart.

use super::{Ack, CheckpointStore, Lease};
use crate::error::ElbshipError;
use elbship_core::accounting::checkpoint::{Claim, Rejections, BATCHING_FORMAT};
use elbship_core::accounting::ledger::Ledger;
use elbship_core::batching::event_builder::MessageMode;
use elbship_core::batching::policy::OldEventPolicy;

fn claim(now_ms: i64) -> Claim {
    Claim {
        now_ms,
        mode: MessageMode::Raw,
        policy: OldEventPolicy::Reject,
        span_bytes: 1 << 20,
        retention_days: 0,
        format: BATCHING_FORMAT,
    }
}

fn name(e: &Result<impl std::fmt::Debug, ElbshipError>) -> &'static str {
    e.as_ref().err().map_or("Ok", ElbshipError::name)
}

/// Runs every case of the contract against `store`.
pub async fn run<S: CheckpointStore>(store: &S, prefix: &str) {
    the_first_claim_wins(store, prefix).await;
    a_lease_holds_the_object_until_it_runs_out(store, prefix).await;
    a_take_over_fences_the_older_owner_out_and_keeps_its_acknowledgements(store, prefix).await;
    a_take_over_with_another_geometry_writes_nothing(store, prefix).await;
}

async fn the_first_claim_wins<S: CheckpointStore>(store: &S, prefix: &str) {
    let object = format!("{prefix}claim");
    let first = store.claim(&object, claim(1_000), None).await;
    assert_eq!(first.as_ref().ok(), Some(&claim(1_000)), "a new object takes the proposed claim: {first:?}");
    let second = store.claim(&object, claim(2_000), None).await;
    assert_eq!(second.as_ref().ok(), Some(&claim(1_000)), "a later attempt gets the first claim: {second:?}");
}

async fn a_lease_holds_the_object_until_it_runs_out<S: CheckpointStore>(store: &S, prefix: &str) {
    let object = format!("{prefix}lease");
    let lease = |holder: &str, now_ms: i64| Lease { holder: holder.into(), now_ms, until_ms: now_ms + 60_000 };
    let held = store.claim(&object, claim(1_000), Some(&lease("exec-a", 1_000))).await;
    assert!(held.is_ok(), "a free object is leased: {held:?}");
    let refused = store.claim(&object, claim(1_000), Some(&lease("exec-b", 30_000))).await;
    match &refused {
        Err(ElbshipError::ObjectLeased { holder }) => assert_eq!(holder, "exec-a"),
        other => panic!("another holder is refused while the lease runs, naming its holder: {other:?}"),
    }
    let again = store.claim(&object, claim(1_000), Some(&lease("exec-a", 40_000))).await;
    assert!(again.is_ok(), "the holder's own retry holds it: {again:?}");
    let after = store.claim(&object, claim(1_000), Some(&lease("exec-b", 200_000))).await;
    assert!(after.is_ok(), "a lease that ran out is taken: {after:?}");
}

async fn a_take_over_fences_the_older_owner_out_and_keeps_its_acknowledgements<S: CheckpointStore>(
    store: &S,
    prefix: &str,
) {
    let span = format!("{prefix}span-fence");
    let missing = store.read(&span).await;
    assert!(matches!(missing, Ok(None)), "an unknown span reads as none: {missing:?}");
    let first = store.take_over(&span, "old", "0:0-10:0+5", 8).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((first.prior.acked.len(), first.sent_below), (0, 8), "a new span gets its first reservation");
    let rejections = Rejections { too_old_end: Some(2), ..Rejections::default() };
    let acked =
        store.ack(&span, "old", Ack { seq: 0, rejections, possibly_duplicated: true }, &Ledger::default()).await;
    assert!(acked.is_ok(), "the owner records an acknowledgement: {acked:?}");

    assert!(store.confirm(&span, "old").await.is_ok(), "the owner confirms it owns the span");
    let second = store.take_over(&span, "new", "0:0-10:0+5", 8).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(name(&store.confirm(&span, "old").await), "SpanTakenOver", "the old owner confirms nothing");
    assert!(store.confirm(&span, "new").await.is_ok(), "the new owner does");
    let unknown = store.confirm(&format!("{prefix}span-never"), "new").await;
    assert_eq!(name(&unknown), "SpanTakenOver", "nobody owns a span never taken over");
    assert!(second.prior.acked.contains(&0), "the new owner sees what the old one acknowledged");
    assert!(second.prior.possibly_duplicated.contains(&0) && second.prior.rejections.get(&0) == Some(&rejections));
    assert_eq!(second.sent_below, 8, "and its reservation");

    let reserve = store.reserve(&span, "old", 16).await;
    assert_eq!(name(&reserve), "SpanTakenOver", "the old owner is fenced out at its next reservation");
    let late = store
        .ack(
            &span,
            "old",
            Ack { seq: 1, rejections: Rejections::default(), possibly_duplicated: false },
            &Ledger::default(),
        )
        .await;
    assert_eq!(name(&late), "SpanTakenOver", "and at its next acknowledgement");
    let stored = store.read(&span).await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_default();
    assert!(stored.acked.contains(&1), "which is still recorded: it is true");
    assert_eq!(stored.sent_below, 8, "the fenced reservation wrote nothing");
    assert!(store.reserve(&span, "new", 16).await.is_ok(), "the new owner reserves");
}

async fn a_take_over_with_another_geometry_writes_nothing<S: CheckpointStore>(store: &S, prefix: &str) {
    let span = format!("{prefix}span-geometry");
    store.take_over(&span, "live", "0:0-10:0+5", 8).await.unwrap_or_else(|e| panic!("{e}"));
    let other = store.take_over(&span, "other", "0:0-20:0+9", 8).await;
    assert_eq!(name(&other), "CheckpointMismatch", "another plan's span boundaries are refused: {other:?}");
    let live = store.reserve(&span, "live", 16).await;
    assert!(live.is_ok(), "and the live owner still owns its span: {live:?}");
}
