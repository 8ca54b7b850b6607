//! Tests of [`super`]: the batch rules, each pinned by an example or a property.
use super::*;
use crate::batching::limits::{EVENT_OVERHEAD_BYTES, MAX_MESSAGE_BYTES};
use proptest::prelude::*;

/// An owned event, for building inputs and comparing outputs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Owned {
    timestamp: i64,
    message: String,
    line_end: bool,
}

fn run(events: &[Owned]) -> Vec<Batch> {
    let mut b = Batcher::new();
    let mut out: Vec<Batch> = events
        .iter()
        .filter_map(|e| b.push(Event::part(e.timestamp, &e.message, e.line_end).unwrap_or_else(|e| panic!("{e}"))))
        .collect();
    out.extend(b.finish());
    out
}

/// As [`run`], with every message written by `push_written` into the batch itself.
fn run_written(events: &[Owned]) -> Vec<Batch> {
    let mut b = Batcher::new();
    let mut out = Vec::new();
    for e in events {
        let closed = b.push_written(e.timestamp, &mut |buf| buf.push_str(&e.message));
        out.extend(closed.unwrap_or_else(|m| panic!("refused {} bytes", m.len())));
    }
    out.extend(b.finish());
    out
}

fn owned(b: &Batch) -> Vec<Owned> {
    b.events().map(|e| Owned { timestamp: e.timestamp, message: e.message.to_string(), line_end: e.line_end }).collect()
}

fn ev(ts: i64, len: usize) -> Owned {
    Owned { timestamp: ts, message: "m".repeat(len), line_end: true }
}

fn size(e: &Owned) -> usize {
    e.message.len() + EVENT_OVERHEAD_BYTES
}

fn assert_valid(batch: &Batch) {
    let events = owned(batch);
    assert!(!events.is_empty() && !batch.is_empty());
    assert!(events.len() <= MAX_BATCH_EVENTS);
    assert!(batch.bytes() <= MAX_BATCH_BYTES);
    assert_eq!(batch.bytes(), events.iter().map(size).sum::<usize>());
    assert_eq!(batch.message_bytes(), events.iter().map(|e| e.message.len()).sum::<usize>());
    assert!(events.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    let span = events[events.len() - 1].timestamp - events[0].timestamp;
    assert!(span < MAX_BATCH_SPAN_MS);
    assert_eq!(batch.time_range(), Some((events[0].timestamp, events[events.len() - 1].timestamp)));
}

#[test]
fn byte_limit_counts_26_per_event() {
    // Two events of exactly half the limit fit; one byte more does not.
    let half = MAX_BATCH_BYTES / 2 - EVENT_OVERHEAD_BYTES;
    assert_eq!(run(&[ev(0, half), ev(0, half)]).len(), 1);
    assert_eq!(run(&[ev(0, half), ev(0, half + 1)]).len(), 2);
}

#[test]
fn event_count_limit() {
    let events: Vec<Owned> = (0..10_001).map(|i| ev(i, 1)).collect();
    let batches = run(&events);
    assert_eq!(batches.iter().map(Batch::len).collect::<Vec<_>>(), [10_000, 1]);
}

#[test]
fn twenty_four_hour_span_limit() {
    let batches = run(&[ev(0, 1), ev(MAX_BATCH_SPAN_MS - 1, 1), ev(MAX_BATCH_SPAN_MS, 1)]);
    assert_eq!(batches.len(), 2);
    // Out of order: the early event would stretch the open batch past 24 h.
    let batches = run(&[ev(MAX_BATCH_SPAN_MS, 1), ev(0, 1)]);
    assert_eq!(batches.len(), 2);
}

#[test]
fn sorted_and_stable() {
    let events: Vec<Owned> = [(5, "a"), (1, "b"), (5, "c"), (1, "d")]
        .into_iter()
        .map(|(t, m)| Owned { timestamp: t, message: m.into(), line_end: true })
        .collect();
    let batches = run(&events);
    let order: Vec<&str> = batches[0].events().map(|e| e.message).collect();
    assert_eq!(order, ["b", "d", "a", "c"]);
}

#[test]
fn largest_events_go_one_per_batch() {
    let batches = run(&[ev(0, MAX_MESSAGE_BYTES), ev(0, MAX_MESSAGE_BYTES), ev(0, 1)]);
    assert_eq!(batches.len(), 3);
    batches.iter().for_each(assert_valid);
    assert_eq!(batches[0].bytes(), MAX_BATCH_BYTES);
}

#[test]
fn written_messages_the_batcher_cannot_take_are_given_back_whole() {
    let mut b = Batcher::new();
    assert_eq!(b.push_written(1, &mut |_| {}), Err(String::new()));
    let big = "x".repeat(MAX_MESSAGE_BYTES + 1);
    assert_eq!(b.push_written(1, &mut |buf| buf.push_str(&big)), Err(big.clone()));
    assert_eq!(b.push_written(1, &mut |buf| buf.push_str("ok")), Ok(None));
    let batch = b.finish();
    assert_eq!(batch.map(|b| owned(&b)), Some(vec![Owned { timestamp: 1, message: "ok".into(), line_end: true }]));
}

#[test]
fn nothing_in_nothing_out() {
    assert!(run(&[]).is_empty());
}

fn arb_event() -> impl Strategy<Value = Owned> {
    let size = prop_oneof![
        8 => 1usize..600,
        1 => 1usize..200_000,
        1 => Just(MAX_MESSAGE_BYTES),
    ];
    let ts = prop_oneof![
        4 => 1_700_000_000_000i64..1_700_000_600_000,
        1 => 1_600_000_000_000i64..1_700_000_000_000,
    ];
    (ts, size, any::<bool>()).prop_map(|(ts, len, end)| Owned {
        timestamp: ts,
        message: "é".repeat(len / 2) + &"x".repeat(len % 2),
        line_end: end,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn written_in_place_or_copied_the_batches_are_the_same(events in proptest::collection::vec(arb_event(), 0..300)) {
        let whole: Vec<Owned> = events.into_iter().map(|e| Owned { line_end: true, ..e }).collect();
        prop_assert_eq!(run_written(&whole), run(&whole));
    }

    #[test]
    fn batches_obey_every_limit_and_lose_nothing(events in proptest::collection::vec(arb_event(), 0..400)) {
        let batches = run(&events);
        batches.iter().for_each(assert_valid);
        // Every event comes out exactly once.
        let mut sent: Vec<Owned> = batches.iter().flat_map(owned).collect();
        let mut given = events.clone();
        sent.sort();
        given.sort();
        prop_assert_eq!(sent, given);
        // Deterministic.
        prop_assert_eq!(run(&events), batches.clone());
        // Maximal: each batch closed only because the next event in arrival order did not fit.
        let mut next = 0;
        for (i, b) in batches.iter().enumerate() {
            next += b.len();
            if let (Some(e), Some((first, last))) = (events.get(next), b.time_range()) {
                let lo = first.min(e.timestamp);
                let hi = last.max(e.timestamp);
                prop_assert!(
                    b.len() == MAX_BATCH_EVENTS || b.bytes() + size(e) > MAX_BATCH_BYTES || hi - lo >= MAX_BATCH_SPAN_MS,
                    "batch {} closed early", i
                );
            }
        }
    }
}
