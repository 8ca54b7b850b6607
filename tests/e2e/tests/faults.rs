//! Faults injected into the real pipeline on the local stack (the router's fault rules), each object's
//! CloudWatch Logs stream compared event by event with the object: every execution ends SUCCEEDED, every line is
//! delivered, and events stored more than once are at most those the ledger counts as possibly duplicated.
//!
//! The rules match on each test's own load balancer name, so tests do not disturb each other. A ship worker
//! killed mid-span is not among them: `cargo lambda watch` never restarts a killed worker, so the local stack
//! cannot survive it; `functions/ship/tests/faults.rs` covers what the next attempt does with what it left.

use elbship_core::event_builder::MessageMode;
use elbship_core::job::ShipOptions;
use elbship_core::policy::OldEventPolicy;
use elbship_core::synth::alb_log;
use elbship_e2e::{arn_of, expected, extra_copies, gzip, key, now_ms, set_faults, unique, Stack};
use serde_json::{json, Value};

const MINUTE: i64 = 60_000;

struct Shipped {
    ledger: Value,
    extra: u64,
}

/// Ships a ~10,000-line ALB object in several spans of 2 batches under `rules` (with `{lb}` replaced by the test's
/// load balancer name), and compares CloudWatch Logs with the object.
async fn ship_under(name: &str, rules: Value) -> Shipped {
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique(name);
    let text = alb_log(42, now - 30 * MINUTE, 6_000_000);
    let bytes = gzip(&text);
    let k = key("alb_access", &lb, now - 5 * MINUTE, "f1");
    let rules = serde_json::from_str::<Value>(&rules.to_string().replace("{lb}", &lb)).unwrap_or(Value::Null);
    set_faults(rules);
    let o = stack.put(&k, bytes.clone()).await;
    let options = ShipOptions { span_bytes: Some(2 << 20), ..ShipOptions::default() };
    let finished = stack.wait(&arn_of(&stack.start_with(&o, options).await)).await;
    assert_eq!(finished.status, "SUCCEEDED", "{:?}: {:?}", finished.error, finished.cause);
    let out = finished.output.clone().unwrap_or_default();
    let ledger = out["ledger"].clone();
    let stored = stack.events(out["log_group"].as_str().unwrap_or(""), out["log_stream"].as_str().unwrap_or("")).await;
    let (want, _) = expected(&k, &bytes, now, MessageMode::Raw, OldEventPolicy::Reject);
    assert_eq!(ledger["lines_read"].as_u64(), Some(want.len() as u64));
    assert_eq!(ledger["lines_delivered"], ledger["lines_read"]);
    let extra = extra_copies(&stored, &want);
    let dup = ledger["possibly_duplicated"].as_u64().unwrap_or(0);
    assert!(extra <= dup, "{extra} events stored twice, {dup} counted as possibly duplicated");
    Shipped { ledger, extra }
}

/// How often the rules of load balancers named `prefix...` applied `action`.
fn applied(prefix: &str, action: &str) -> u64 {
    let report = set_faults(json!([]));
    let rules = report["rules"].as_array().cloned().unwrap_or_default();
    rules
        .iter()
        .filter(|r| r["action"] == action && r["match"].as_str().is_some_and(|m| m.starts_with(prefix)))
        .map(|r| r["applied"].as_u64().unwrap_or(0))
        .sum()
}

#[tokio::test]
async fn a_throttling_storm_is_ridden_out_with_nothing_sent_twice() {
    let rules =
        json!([{"target": "logs", "match": "{lb}", "action": "throttle", "skip": 2, "seconds": 20, "ratio": 0.9}]);
    let s = ship_under("storm", rules).await;
    assert!(applied("storm", "throttle") > 10, "the storm refused {} calls", applied("storm", "throttle"));
    assert_eq!((s.extra, s.ledger["possibly_duplicated"].as_u64()), (0, Some(0)), "throttling is never ambiguous");
}

#[tokio::test]
async fn a_5xx_outage_after_the_first_batches_is_ridden_out() {
    let rules =
        json!([{"target": "logs", "match": "{lb}", "action": "status", "status": 500, "skip": 3, "seconds": 15}]);
    let s = ship_under("outage", rules).await;
    assert!(applied("outage", "status") > 3);
    assert_eq!(s.extra, 0, "the outage stored nothing");
}

#[tokio::test]
async fn lost_answers_are_counted_exactly() {
    let rules = json!([
        {"target": "logs", "match": "{lb}", "action": "lost", "skip": 1, "count": 2},
        {"target": "logs", "match": "{lb}", "action": "drop", "skip": 4, "count": 1}
    ]);
    let s = ship_under("lost", rules).await;
    assert_eq!(applied("lost", "lost") + applied("lost", "drop"), 3);
    assert!(s.extra > 0, "three batches were stored twice");
    assert_eq!(Some(s.extra), s.ledger["possibly_duplicated"].as_u64(), "every duplicate is counted, nothing more");
}

#[tokio::test]
async fn s3_slowdowns_and_a_reset_body_are_read_through() {
    let rules = json!([
        {"target": "s3", "match": "{lb}", "action": "reset", "count": 2},
        {"target": "s3", "match": "{lb}", "action": "slowdown", "skip": 2, "count": 3}
    ]);
    let s = ship_under("s3faults", rules).await;
    assert_eq!((s.extra, s.ledger["possibly_duplicated"].as_u64()), (0, Some(0)));
    assert_eq!((applied("s3faults", "slowdown"), applied("s3faults", "reset")), (3, 2));
}

#[tokio::test]
async fn the_same_event_twice_at_once_and_elbship_ship_alongside_ship_once() {
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique("dupes");
    let bytes = gzip(&alb_log(9, now - 30 * MINUTE, 1_000_000));
    let k = key("alb_access", &lb, now - 5 * MINUTE, "d1");
    let o = stack.put(&k, bytes.clone()).await;
    let (a, b, c) = tokio::join!(stack.start(&o), stack.start(&o), stack.start_with(&o, ShipOptions::default()));
    let arns = [arn_of(&a[0]), arn_of(&b[0]), arn_of(&c)];
    assert!(arns.iter().all(|x| *x == arns[0]), "{arns:?}");
    let f = stack.wait(&arns[0]).await;
    assert_eq!(f.status, "SUCCEEDED", "{:?}", f.cause);
    let out = f.output.unwrap_or_default();
    let stored = stack.events(out["log_group"].as_str().unwrap_or(""), out["log_stream"].as_str().unwrap_or("")).await;
    let (want, _) = expected(&k, &bytes, now, MessageMode::Raw, OldEventPolicy::Reject);
    assert_eq!(stored, want);
}
