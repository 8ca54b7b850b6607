use super::*;
use crate::limits::{EVENT_OVERHEAD_BYTES, MAX_MESSAGE_BYTES};
use proptest::prelude::*;

fn run(events: &[Event]) -> Vec<Batch> {
    let mut b = Batcher::new();
    let mut out: Vec<Batch> = events.iter().cloned().filter_map(|e| b.push(e)).collect();
    out.extend(b.finish());
    out
}

fn ev(ts: i64, len: usize) -> Event {
    Event::new(ts, "m".repeat(len)).unwrap_or_else(|e| panic!("{e}"))
}

fn assert_valid(batch: &Batch) {
    assert!(!batch.events.is_empty());
    assert!(batch.events.len() <= MAX_BATCH_EVENTS);
    assert!(batch.bytes <= MAX_BATCH_BYTES);
    assert_eq!(batch.bytes, batch.events.iter().map(Event::size).sum::<usize>());
    assert!(batch.events.windows(2).all(|w| w[0].timestamp <= w[1].timestamp));
    let span = batch.events.last().map_or(0, |e| e.timestamp) - batch.events[0].timestamp;
    assert!(span < MAX_BATCH_SPAN_MS);
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
    let events: Vec<Event> = (0..10_001).map(|i| ev(i, 1)).collect();
    let batches = run(&events);
    assert_eq!(batches.iter().map(|b| b.events.len()).collect::<Vec<_>>(), [10_000, 1]);
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
    let events = vec![
        Event::new(5, "a".into()),
        Event::new(1, "b".into()),
        Event::new(5, "c".into()),
        Event::new(1, "d".into()),
    ];
    let events: Vec<Event> = events.into_iter().flatten().collect();
    let batches = run(&events);
    let order: Vec<&str> = batches[0].events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(order, ["b", "d", "a", "c"]);
}

#[test]
fn largest_events_go_one_per_batch() {
    let batches = run(&[ev(0, MAX_MESSAGE_BYTES), ev(0, MAX_MESSAGE_BYTES), ev(0, 1)]);
    assert_eq!(batches.len(), 3);
    batches.iter().for_each(assert_valid);
    assert_eq!(batches[0].bytes, MAX_BATCH_BYTES);
}

#[test]
fn nothing_in_nothing_out() {
    assert!(run(&[]).is_empty());
}

fn arb_event() -> impl Strategy<Value = Event> {
    let size = prop_oneof![
        8 => 1usize..600,
        1 => 1usize..200_000,
        1 => Just(MAX_MESSAGE_BYTES),
    ];
    let ts = prop_oneof![
        4 => 1_700_000_000_000i64..1_700_000_600_000,
        1 => 1_600_000_000_000i64..1_700_000_000_000,
    ];
    (ts, size, any::<bool>()).prop_map(|(ts, len, end)| {
        Event::part(ts, "é".repeat(len / 2) + &"x".repeat(len % 2), end).unwrap_or_else(|e| panic!("{e}"))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn batches_obey_every_limit_and_lose_nothing(events in proptest::collection::vec(arb_event(), 0..400)) {
        let batches = run(&events);
        batches.iter().for_each(assert_valid);
        // Every event comes out exactly once.
        let mut sent: Vec<Event> = batches.iter().flat_map(|b| b.events.clone()).collect();
        let mut given = events.clone();
        let key = |e: &Event| (e.timestamp, e.message.clone(), e.line_end);
        sent.sort_by_key(key);
        given.sort_by_key(key);
        prop_assert_eq!(sent, given);
        // Deterministic.
        prop_assert_eq!(run(&events), batches.clone());
        // Maximal: each batch closed only because the next event in arrival order did not fit.
        let mut next = 0;
        for (i, b) in batches.iter().enumerate() {
            next += b.events.len();
            if let Some(e) = events.get(next) {
                let lo = b.events[0].timestamp.min(e.timestamp);
                let hi = b.events[b.events.len() - 1].timestamp.max(e.timestamp);
                prop_assert!(
                    b.events.len() == MAX_BATCH_EVENTS
                        || b.bytes + e.size() > MAX_BATCH_BYTES
                        || hi - lo >= MAX_BATCH_SPAN_MS,
                    "batch {} closed early", i
                );
            }
        }
    }
}
