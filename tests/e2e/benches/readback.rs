//! `make bench`, end to end on the local stack: what settling a lost answer by reading the stream back costs. One
//! ALB object shipped clean, then again under lost answers ("lost": stored, answered 500; "drop": stored, the
//! connection closed) and once more with the ship worker killed right after a stored batch; each time the
//! stream compared event by event with the object. Prints GetLogEvents calls and seconds per ambiguous batch,
//! events stored twice and events counted possibly duplicated. The router hides what was stored in the last
//! 1.5 s from the functions, and the functions wait 4 s (ELBSHIP_READBACK_SETTLE_SECONDS, 60 on AWS) before
//! taking absence as an answer, so the seconds here are the local settle time's, not AWS's.

use elbship_core::orchestration::job::ShipOptions;
use elbship_core::synth::alb_log;
use elbship_e2e::{
    arn_of, clear_faults, duplicated_events, events, gzip, key, now_ms, router, set_faults, unique, Stack,
};
use serde_json::{json, Value};
use std::time::Instant;

const OPTIONS: ShipOptions = ShipOptions { mode: None, policy: None, span_bytes: Some(4 << 20) };

struct Run {
    secs: f64,
    get_log_events: u64,
    extra: u64,
    counted: u64,
    ambiguous: u64,
}

async fn run(stack: &Stack, name: &str, rules: Value) -> Run {
    let now = now_ms();
    let lb = unique(name);
    let bytes = gzip(&alb_log(7, now - 30 * 60_000, 12_000_000));
    let k = key("alb_access", &lb, now - 5 * 60_000, "rb");
    clear_faults("");
    router("DELETE", "/_elbship/calls", &json!({}));
    set_faults(serde_json::from_str::<Value>(&rules.to_string().replace("{lb}", &lb)).unwrap_or(Value::Null));
    let object = stack.put(&k, bytes.clone()).await;
    let t = Instant::now();
    let finished = stack.wait(&arn_of(&stack.start_with(&object, OPTIONS).await)).await;
    let secs = t.elapsed().as_secs_f64();
    let report = set_faults(json!([]));
    let ambiguous =
        report["rules"].as_array().map_or(0, |r| r.iter().map(|r| r["applied"].as_u64().unwrap_or(0)).sum());
    let calls = router("GET", "/_elbship/calls", &json!({}));
    let n = |op: &str| calls["calls"][op].as_u64().unwrap_or(0);
    assert_eq!(finished.status, "SUCCEEDED", "{:?}", finished.cause);
    let out = finished.output.unwrap_or_default();
    let stored = stack.events(out["log_group"].as_str().unwrap_or(""), out["log_stream"].as_str().unwrap_or("")).await;
    let want = events(&k, &bytes);
    Run {
        secs,
        get_log_events: n("logs:GetLogEvents"),
        extra: duplicated_events(&stored, &want),
        counted: out["ledger"]["possibly_duplicated"].as_u64().unwrap_or(0),
        ambiguous,
    }
}

#[tokio::main]
async fn main() {
    let stack = Stack::connect().await;
    println!("read-back bench: a 12 MB ALB object (3 spans), local stack (visibility delay 1.5 s, settle 4 s)");
    let clean = run(&stack, "rbclean", json!([])).await;
    let cases = [
        (
            "3 lost answers",
            "lost answer",
            json!([
                {"target": "logs", "match": "{lb}", "action": "lost", "skip": 1, "count": 2},
                {"target": "logs", "match": "{lb}", "action": "drop", "skip": 4, "count": 1}
            ]),
        ),
        (
            "a killed worker",
            "kill",
            json!([{"target": "logs", "match": "{lb}", "action": "kill", "skip": 2, "count": 1}]),
        ),
    ];
    let line = |what: &str, r: &Run| {
        println!(
            "  {what:<16} {:>5.1}s, {:>3} GetLogEvents, {} events stored twice, {} counted possibly duplicated",
            r.secs, r.get_log_events, r.extra, r.counted
        );
    };
    line("clean", &clean);
    for (what, each, rules) in cases {
        let r = run(&stack, "rbfault", rules).await;
        line(what, &r);
        let per = r.ambiguous.max(1) as f64;
        println!(
            "  {:<16} per {each}: {:.1} GetLogEvents calls, {:.1}s more than clean",
            "",
            r.get_log_events.saturating_sub(clean.get_log_events) as f64 / per,
            (r.secs - clean.secs) / per
        );
    }
}
