//! Tests of [`super`]: the event_builder rules, each pinned by an example or a property.
use super::*;
use crate::batching::limits::{MAX_EVENT_AGE_MS, MAX_MESSAGE_BYTES};

const NOW: i64 = 1_431_560_383_945 + 60_000; // a minute after the CLB sample lines
const FALLBACK: i64 = 1_431_560_400_000;
const CLB: &str = include_str!("../../../fixtures/clb_access.log");

fn opts(kind: LogKind, mode: MessageMode, policy: OldEventPolicy) -> EventOptions {
    EventOptions { kind, mode, policy, window: TimeWindow { now_ms: NOW, retention_days: None }, fallback_ms: FALLBACK }
}

/// An event with its message owned, as the tests keep them.
#[derive(Debug)]
struct Sent {
    timestamp: i64,
    message: String,
    line_end: bool,
}

fn build(o: EventOptions, lines: &[&[u8]]) -> (Vec<Sent>, Ledger) {
    let b = EventBuilder::new(o);
    let mut ledger = Ledger::default();
    let mut events = Vec::new();
    for line in lines {
        b.line(line, &mut ledger, |e| {
            events.push(Sent { timestamp: e.timestamp, message: e.message.to_string(), line_end: e.line_end })
        });
    }
    (events, ledger)
}

fn raw() -> EventOptions {
    opts(LogKind::ClbAccess, MessageMode::Raw, OldEventPolicy::Reject)
}

#[test]
fn documented_lines_pass_through_raw() {
    let lines: Vec<&[u8]> = CLB.lines().map(str::as_bytes).collect();
    let (events, ledger) = build(raw(), &lines);
    assert_eq!(events.len(), 4);
    assert!(events.iter().all(|e| e.timestamp == 1_431_560_383_945 && e.line_end));
    assert_eq!(events.iter().map(|e| e.message.as_str()).collect::<Vec<_>>(), CLB.lines().collect::<Vec<_>>());
    assert_eq!(ledger.lines_read, 4);
    assert_eq!(ledger.adjusted, Default::default());
}

#[test]
fn json_mode_renders_the_structured_form() {
    let line = CLB.lines().next().unwrap_or_default();
    let (events, _) = build(opts(LogKind::ClbAccess, MessageMode::Json, OldEventPolicy::Reject), &[line.as_bytes()]);
    let v: serde_json::Value = serde_json::from_str(&events[0].message).unwrap_or_default();
    assert_eq!(v["elb"], "my-loadbalancer");
    assert_eq!(v["sent_bytes"], 29);
}

#[test]
fn blank_lines_are_counted_not_sent() {
    let (events, ledger) = build(raw(), &[b"", b"\r", b"  \t"]);
    assert!(events.is_empty());
    assert_eq!((ledger.lines_read, ledger.rejected.blank), (3, 3));
}

#[test]
fn unreadable_time_falls_back_to_the_key_end_time() {
    let (events, ledger) = build(raw(), &[b"garbage line", b"2015-13-13T00:00:00Z lb"]);
    assert!(events.iter().all(|e| e.timestamp == FALLBACK));
    assert_eq!(events[0].message, "garbage line");
    assert_eq!(ledger.adjusted.timestamp_fallback, 2);
}

#[test]
fn invalid_utf8_is_escaped_and_counted() {
    let (events, ledger) = build(raw(), &[b"2015-05-13T23:39:43.945958Z lb \xff\xfe"]);
    assert_eq!(events[0].message, "2015-05-13T23:39:43.945958Z lb \\xFF\\xFE");
    assert_eq!(events[0].timestamp, 1_431_560_383_945);
    assert_eq!(ledger.adjusted.invalid_utf8, 1);
}

#[test]
fn oversize_lines_are_split() {
    let line = format!("2015-05-13T23:39:43Z lb {}", "u".repeat(1_200_000));
    let (events, ledger) = build(raw(), &[line.as_bytes()]);
    assert_eq!(events.len(), 2);
    assert_eq!(events.iter().map(|e| e.line_end).collect::<Vec<_>>(), [false, true]);
    assert!(events.iter().all(|e| e.message.len() <= MAX_MESSAGE_BYTES && e.timestamp == 1_431_560_383_000));
    assert_eq!(ledger.adjusted.split_oversize, 1);
}

#[test]
fn old_lines_rejected_or_restamped() {
    let old = b"2015-04-20T00:00:00Z lb 20 days before now";
    let future = b"2015-05-14T23:39:43Z lb a day after now";
    let (events, ledger) = build(raw(), &[old, future]);
    assert!(events.is_empty());
    assert_eq!((ledger.rejected.too_old, ledger.rejected.too_new), (1, 1));

    let (events, ledger) = build(opts(LogKind::ClbAccess, MessageMode::Raw, OldEventPolicy::Restamp), &[old, future]);
    assert!(events.iter().all(|e| e.timestamp == NOW));
    assert_eq!(events[0].message.as_bytes(), old, "the original time stays in the message");
    assert_eq!(ledger.adjusted.restamped, 2);
    assert_eq!(ledger.rejected.total(), 0);
}

#[test]
fn retention_expires_lines() {
    let mut o = raw();
    o.window.retention_days = Some(1);
    let (_, ledger) = build(o, &[b"2015-05-11T00:00:00Z lb three days old"]);
    assert_eq!(ledger.rejected.expired, 1);
    const { assert!(3 * 86_400_000 < MAX_EVENT_AGE_MS) };
}

#[test]
fn mode_names() {
    assert_eq!("json".parse(), Ok(MessageMode::Json));
    assert!("xml".parse::<MessageMode>().is_err());
}
