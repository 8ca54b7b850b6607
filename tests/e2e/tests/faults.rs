//! Faults injected into the real pipeline on the local stack (the router's fault rules), each object's
//! CloudWatch Logs stream compared event by event with the object (read without elbship's code): every execution ends SUCCEEDED, every line is
//! delivered, and events stored more than once are at most those the ledger counts as possibly duplicated. Lost
//! answers and killed workers are settled by reading the stream back (the router hides what was stored in the
//! last 1.5 s from the functions, as CloudWatch Logs' reads are eventually consistent): nothing stored twice, and
//! nothing counted.
//!
//! The rules match on each test's own load balancer name, so tests do not disturb each other, except the one that
//! kills the functions (every running instance dies, as in a crash), which runs alone.

use elbship_aws::sfn::{retry_failed, StartOutcome};
use elbship_core::accounting::verify::Incomplete;
use elbship_core::orchestration::job::{ObjectRef, ShipOptions};
use elbship_core::orchestration::naming::object_id;
use elbship_core::synth::alb_log;
use elbship_e2e::{
    arn_of, clear_faults, duplicated_events, events, gzip, invoke_async, key, now_ms, object_created, router, run_cli,
    set_faults, unique, Finished, Stack, Stored,
};
use serde_json::{json, Value};

const MINUTE: i64 = 60_000;

/// Tests share the functions; the one that kills them takes them alone.
static FUNCTIONS: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

struct Shipped {
    ledger: Value,
    /// The object's events CloudWatch Logs holds more than once.
    extra: u64,
    /// The object's id (what `{object}` in a rule became).
    id: String,
}

/// A ~10,000-line ALB object in 3 spans of 2 batches, its execution started under `rules` (with `{lb}` replaced
/// by the test's load balancer name, `{object}` by the object's id, which its checkpoints' keys hold).
struct Run {
    stack: Stack,
    object: ObjectRef,
    bytes: Vec<u8>,
    lb: String,
    finished: Finished,
}

const OPTIONS: ShipOptions = ShipOptions { mode: None, policy: None, span_bytes: Some(2 << 20) };

async fn run_under(name: &str, rules: Value) -> Run {
    let killing = rules.to_string().contains("\"kill\"");
    let _functions = if killing { (None, Some(FUNCTIONS.write().await)) } else { (Some(FUNCTIONS.read().await), None) };
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique(name);
    let bytes = gzip(&alb_log(42, now - 30 * MINUTE, 6_000_000));
    let k = key("alb_access", &lb, now - 5 * MINUTE, "f1");
    let object = stack.put(&k, bytes.clone()).await;
    let id = object_id(&object.bucket, &object.key, &object.etag);
    let rules = rules.to_string().replace("{lb}", &lb).replace("{object}", &id);
    set_faults(serde_json::from_str::<Value>(&rules).unwrap_or(Value::Null));
    let finished = stack.wait(&arn_of(&stack.start_with(&object, OPTIONS).await)).await;
    Run { stack, object, bytes, lb, finished }
}

impl Run {
    /// What the object's stream holds, and what it must hold.
    async fn events(&self, group: &str, stream: &str) -> (Vec<Stored>, Vec<Stored>) {
        let stored = self.stack.events(group, stream).await;
        let want = events(&self.object.key, &self.bytes);
        (stored, want)
    }
}

/// Ships the object under `rules` and compares CloudWatch Logs with it.
async fn ship_under(name: &str, rules: Value) -> Shipped {
    let run = run_under(name, rules).await;
    let finished = &run.finished;
    assert_eq!(finished.status, "SUCCEEDED", "{:?}: {:?}", finished.error, finished.cause);
    let out = finished.output.clone().unwrap_or_default();
    let ledger = out["ledger"].clone();
    let (stored, want) =
        run.events(out["log_group"].as_str().unwrap_or(""), out["log_stream"].as_str().unwrap_or("")).await;
    assert_eq!(ledger["lines_read"].as_u64(), Some(want.len() as u64));
    assert_eq!(ledger["lines_delivered"], ledger["lines_read"]);
    let extra = duplicated_events(&stored, &want);
    let dup = ledger["possibly_duplicated"].as_u64().unwrap_or(0);
    assert!(extra <= dup, "{extra} events stored more than once, {dup} counted as possibly duplicated");
    Shipped { ledger, extra, id: object_id(&run.object.bucket, &run.object.key, &run.object.etag) }
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

/// How often the rules matching exactly `id` (an object's) applied `action`.
fn applied_to(id: &str, action: &str) -> u64 {
    let report = set_faults(json!([]));
    let rules = report["rules"].as_array().cloned().unwrap_or_default();
    rules.iter().filter(|r| r["action"] == action && r["match"] == id).map(|r| r["applied"].as_u64().unwrap_or(0)).sum()
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
    assert_eq!(s.ledger["possibly_duplicated"].as_u64(), Some(0), "each failed batch was read back: not stored");
}

#[tokio::test]
async fn lost_answers_are_read_back_so_nothing_is_stored_twice_or_counted() {
    let rules = json!([
        {"target": "logs", "match": "{lb}", "action": "lost", "skip": 1, "count": 2},
        {"target": "logs", "match": "{lb}", "action": "drop", "skip": 4, "count": 1}
    ]);
    let s = ship_under("lost", rules).await;
    assert_eq!(applied("lost", "lost") + applied("lost", "drop"), 3);
    assert_eq!(
        (s.extra, s.ledger["possibly_duplicated"].as_u64()),
        (0, Some(0)),
        "the three batches were found stored"
    );
}

#[tokio::test]
async fn a_ship_worker_killed_mid_span_is_retried_and_resumes() {
    // Killed right after CloudWatch stored a batch, before its acknowledgement was recorded.
    let rules = json!([{"target": "logs", "match": "{lb}", "action": "kill", "skip": 2, "count": 1}]);
    let s = ship_under("killed", rules).await;
    assert_eq!(applied("killed", "kill"), 1);
    assert_eq!((s.extra, s.ledger["possibly_duplicated"].as_u64()), (0, Some(0)), "what the worker left was read back");
}

#[tokio::test]
async fn checkpoint_writes_throttled_past_the_sdk_retries_are_retried_with_every_line_once() {
    let rules = json!([{"target": "dynamodb", "match": "{object}", "action": "throttle", "skip": 1, "seconds": 8,
                        "ratio": 0.8}]);
    let s = ship_under("ddbthrottle", rules).await;
    let throttled = applied_to(&s.id, "throttle");
    assert!(throttled > 5, "the storm refused {throttled} writes");
    assert_eq!((s.extra, s.ledger["possibly_duplicated"].as_u64()), (0, Some(0)));
}

#[tokio::test]
async fn a_checkpoint_store_outage_is_ridden_out_with_every_line_once() {
    let rules = json!([{"target": "dynamodb", "match": "{object}", "action": "status", "status": 500, "skip": 2,
                        "seconds": 6}]);
    let s = ship_under("ddboutage", rules).await;
    assert!(applied_to(&s.id, "status") > 2);
    assert_eq!((s.extra, s.ledger["possibly_duplicated"].as_u64()), (0, Some(0)));
}

#[tokio::test]
async fn a_checkpoint_write_whose_answer_is_lost_is_recognised_as_its_own_on_retry() {
    // Take-overs, reservations and acknowledgements applied and answered 500: the SDK's retry meets a condition
    // its own first write satisfied (the owner is this attempt), so it succeeds instead of reading as a rival's.
    let rules = json!([{"target": "dynamodb", "match": "{object}", "action": "lost", "skip": 1, "count": 6}]);
    let s = ship_under("ddblost", rules).await;
    assert_eq!(applied_to(&s.id, "lost"), 6);
    assert_eq!((s.extra, s.ledger["possibly_duplicated"].as_u64()), (0, Some(0)));
}

/// A ~10,000-line ALB object (the Standard route) whose event reaches the start function as EventBridge sends it,
/// asynchronously, with its StartExecution calls throttled `throttled` times; its execution once started (by the
/// retries, or by `replay`) followed to its end and CloudWatch Logs compared with it line by line.
struct Started {
    stack: Stack,
    object: ObjectRef,
    bytes: Vec<u8>,
}

async fn start_async_under(name: &str, throttled: u32) -> Started {
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique(name);
    let bytes = gzip(&alb_log(44, now - 30 * MINUTE, 6_000_000));
    let k = key("alb_access", &lb, now - 5 * MINUTE, "a1");
    let object = stack.put(&k, bytes.clone()).await;
    set_faults(json!([{"target": "states", "match": lb, "action": "throttle", "count": throttled}]));
    invoke_async("elbship-start", &object_created(&object));
    Started { stack, object, bytes }
}

impl Started {
    async fn every_line_once(&self) {
        let f = self.stack.wait(&self.stack.standard_arn(&self.object)).await;
        assert_eq!(f.status, "SUCCEEDED", "{:?}", f.cause);
        let out = f.output.unwrap_or_default();
        let stored =
            self.stack.events(out["log_group"].as_str().unwrap_or(""), out["log_stream"].as_str().unwrap_or("")).await;
        let want = events(&self.object.key, &self.bytes);
        assert_eq!(duplicated_events(&stored, &want), 0);
        assert_eq!(out["ledger"]["lines_delivered"].as_u64(), Some(want.len() as u64));
    }
}

#[tokio::test]
async fn a_start_throttled_past_the_sdk_retries_is_started_by_lambdas_asynchronous_retry() {
    let _functions = FUNCTIONS.read().await;
    // The first invoke's 8 attempts are throttled, and the retry's first two: the retry starts it.
    let s = start_async_under("astart", 10).await;
    s.stack.wait_started(&s.stack.standard_arn(&s.object), 120).await;
    s.every_line_once().await;
}

#[tokio::test]
async fn a_start_that_fails_every_retry_is_queued_and_replay_starts_it_once() {
    let _functions = FUNCTIONS.read().await;
    let queued_before = router("GET", "/_elbship/async", &json!({}))["queued"].as_u64().unwrap_or(0);
    // Every attempt of the invoke and of Lambda's two retries is throttled: the destination record is queued.
    let s = start_async_under("replay", 24).await;
    for _ in 0..300 {
        if router("GET", "/_elbship/async", &json!({}))["queued"].as_u64().unwrap_or(0) > queued_before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(s.stack.executions(s.stack.standard_arn(&s.object).rsplit(':').next().unwrap_or("")).await, 0);
    let queue = std::env::var("ELBSHIP_ON_FAILURE_QUEUE_URL").unwrap_or_default();
    let (ok, out) = run_cli(&["replay", &queue]);
    assert!(ok, "{out}");
    assert!(out.contains(&format!("started   {}", s.object.key)), "{out}");
    s.every_line_once().await;
    // The queue is empty now; replaying again starts nothing.
    let (ok, again) = run_cli(&["replay", &queue]);
    assert!(ok && again.contains("replayed 0 messages"), "{again}");
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
async fn a_failed_span_is_accounted_for_and_retry_failed_finishes_the_object() {
    // The third PutLogEvents of the object is refused for good: its span fails, the others run to their end.
    let rules = json!([{"target": "logs", "match": "{lb}", "action": "status", "status": 400,
                        "code": "InvalidParameterException", "skip": 2, "count": 1}]);
    let run = run_under("refused", rules).await;
    let f = &run.finished;
    assert_eq!((f.status.as_str(), f.error.as_deref()), ("FAILED", Some("ObjectIncomplete")), "{:?}", f.cause);
    let account = f.cause.as_deref().and_then(Incomplete::from_cause).unwrap_or_else(|| panic!("{:?}", f.cause));
    let (stored, want) = run.events(&account.log_group, &account.log_stream).await;
    let unsettled = missing_events(&stored, &want);
    // The state machine's CountFailure counted the failed object in its metrics, with the execution's error.
    assert!(
        emf_line_within(10, |l| l.contains("\"ObjectsFailed\":1")
            && l.contains(&format!("\"LoadBalancer\":\"{}\"", run.lb))
            && l.contains("\"Error\":\"ObjectIncomplete\"")),
        "no ObjectsFailed metric for the failed object"
    );
    // The account is what CloudWatch Logs holds (one event per line here), and the rest is unsettled.
    assert_eq!(account.lines_delivered, stored.len() as u64);
    assert_eq!(account.lines_unsettled, account.lines - stored.len() as u64);
    assert_eq!(account.lines, want.len() as u64);
    assert_eq!(account.failed.iter().map(|s| s.error.as_str()).collect::<Vec<_>>(), ["LogsRefused"]);
    assert!(account.lines_delivered > 0 && account.lines_unsettled > 0, "{account:?}");

    // Finishing it: a new attempt resumes from the checkpoints and sends only what was not acknowledged.
    let s = &run.stack;
    let retry = retry_failed(&s.sfn, &s.state_machine, &run.object, OPTIONS).await.unwrap_or_else(|e| panic!("{e}"));
    let StartOutcome::Started { execution_arn, .. } = &retry else { panic!("{retry:?}") };
    assert!(execution_arn.ends_with("-r1"), "{execution_arn}");
    let finished = s.wait(execution_arn).await;
    assert_eq!(finished.status, "SUCCEEDED", "{:?}", finished.cause);
    let ledger = finished.output.unwrap_or_default()["ledger"].clone();
    let (stored, want) = run.events(&account.log_group, &account.log_stream).await;
    let extra = duplicated_events(&stored, &want);
    assert!(extra <= ledger["possibly_duplicated"].as_u64().unwrap_or(0), "{extra} stored twice, uncounted");
    assert!(!unsettled.is_empty());
    for event in &unsettled {
        let n = stored.iter().filter(|e| *e == event).count();
        assert_eq!(n, 1, "the refused batch was never stored, so the retry stores its events once: {event:?}");
    }

    // Asked again, it leaves the verified attempt alone.
    let again = retry_failed(&s.sfn, &s.state_machine, &run.object, OPTIONS).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        again,
        StartOutcome::AlreadyStarted { key: run.object.key.clone(), execution_arn: execution_arn.clone() }
    );
}

/// A small object started as its S3 event would (the Express route) under `rules`; its Express execution's end, and
/// CloudWatch Logs compared with the object.
async fn express_under(name: &str, rules: Value) -> (Finished, Shipped) {
    let killing = rules.to_string().contains("\"kill\"");
    let _functions = if killing { (None, Some(FUNCTIONS.write().await)) } else { (Some(FUNCTIONS.read().await), None) };
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique(name);
    let bytes = gzip(&alb_log(43, now - 30 * MINUTE, 1_500_000));
    assert!(bytes.len() as u64 <= stack.routes.express_max_bytes, "{} bytes: not the Express route", bytes.len());
    let k = key("alb_access", &lb, now - 5 * MINUTE, "x1");
    set_faults(serde_json::from_str::<Value>(&rules.to_string().replace("{lb}", &lb)).unwrap_or(Value::Null));
    let object = stack.put(&k, bytes.clone()).await;
    let started = stack.start(&object).await;
    let express = stack.wait(&arn_of(&started[0])).await;
    assert_eq!(express.status, "SUCCEEDED", "{:?}: {:?}", express.error, express.cause);
    let out = express.output.clone().unwrap_or_default();
    let last = match out["outcome"].as_str() {
        Some("escalated") => stack.wait(out["execution_arn"].as_str().unwrap_or_default()).await,
        _ => express.clone(),
    };
    assert_eq!(last.status, "SUCCEEDED", "{:?}: {:?}", last.error, last.cause);
    let out = last.output.clone().unwrap_or_default();
    let ledger = out["ledger"].clone();
    let stored = stack.events(out["log_group"].as_str().unwrap_or(""), out["log_stream"].as_str().unwrap_or("")).await;
    let want = events(&k, &bytes);
    assert_eq!(ledger["lines_delivered"].as_u64(), Some(want.len() as u64));
    let extra = duplicated_events(&stored, &want);
    assert!(extra <= ledger["possibly_duplicated"].as_u64().unwrap_or(0), "{extra} stored twice, uncounted");
    (express, Shipped { ledger, extra, id: object_id(&object.bucket, &object.key, &object.etag) })
}

#[tokio::test]
async fn an_express_object_refused_by_cloudwatch_is_handed_to_the_standard_state_machine_and_finished() {
    let rules = json!([{"target": "logs", "match": "{lb}", "action": "status", "status": 400,
                        "code": "InvalidParameterException", "skip": 1, "count": 1}]);
    let (express, s) = express_under("handover", rules).await;
    let out = express.output.unwrap_or_default();
    assert_eq!((out["outcome"].as_str(), out["error"].as_str()), (Some("escalated"), Some("LogsRefused")), "{out}");
    assert!(out["execution_arn"].as_str().is_some_and(|a| a.contains(":elbship:")), "{out}");
    assert_eq!(s.extra, 0, "the Standard execution sent only what was not acknowledged");
}

#[tokio::test]
async fn an_express_worker_killed_mid_object_is_retried_in_its_execution_and_resumes() {
    let rules = json!([{"target": "logs", "match": "{lb}", "action": "kill", "skip": 1, "count": 1}]);
    let (express, s) = express_under("xkilled", rules).await;
    assert_eq!(applied("xkilled", "kill"), 1);
    let out = express.output.unwrap_or_default();
    assert_eq!(out["outcome"].as_str(), Some("verified"), "the retry holds the lease and finishes: {out}");
    assert_eq!((s.extra, s.ledger["possibly_duplicated"].as_u64()), (0, Some(0)), "what the worker left was read back");
}

#[tokio::test]
async fn a_backfill_whose_batches_are_throttled_fails_and_a_redrive_finishes_it_with_nothing_twice() {
    let _functions = FUNCTIONS.read().await;
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique("redrive");
    let mut want = Vec::new();
    for i in 0..60 {
        let bytes = gzip(&alb_log(100 + i, now - 40 * MINUTE, 20_000));
        let k = key("alb_access", &lb, now - (5 + i as i64 % 20) * MINUTE, &format!("r{i}"));
        stack.put(&k, bytes.clone()).await;
        want.extend(events(&k, &bytes));
    }
    want.sort();
    // Every call of this backfill's batches after the first is throttled by Lambda, through all of the state
    // machine's retries: a batch fails, and with it the Map Run (no failure tolerated).
    set_faults(json!([{"target": "lambda", "action": "throttle", "match": lb, "skip": 1, "count": 1_000_000}]));
    let prefix = format!("s3://{}/prefix.with.dots/AWSLogs/", stack.bucket);
    let (ok, failed) = run_cli(&[
        "backfill",
        &prefix,
        "--load-balancer",
        &lb,
        "--put-log-events-quota",
        "40",
        "--poll-seconds",
        "0.5",
    ]);
    clear_faults(&lb);
    assert!(!ok, "{failed}");
    let redrive = failed.lines().find_map(|l| l.split_once("elbship backfill --redrive ").map(|(_, arn)| arn.trim()));
    let arn = redrive.unwrap_or_else(|| panic!("the redrive command is printed:\n{failed}")).to_string();
    assert!(failed.contains("States.ExceedToleratedFailureThreshold"), "{failed}");
    assert!(!failed.contains("could not be read"), "the Map Run's children are listed (none locally): {failed}");

    let (ok, redriven) = run_cli(&["backfill", "--redrive", &arn, "--poll-seconds", "0.5"]);
    assert!(ok, "{redriven}");
    assert!(redriven.contains("backfill SUCCEEDED"), "{redriven}");
    assert!(
        redriven.contains("60 verified"),
        "the objects the failed attempt held are resumed, not duplicates: {redriven}"
    );
    let stored = stack.group_events(&format!("/elbship/123456789012/us-east-1/app/{lb}")).await;
    assert_eq!(stored.len(), want.len());
    assert_eq!(stored, want, "every line of the 60 objects once");
}

/// The events of `want` that `stored` lacks (with multiplicity).
fn missing_events(stored: &[Stored], want: &[Stored]) -> Vec<Stored> {
    let mut left: std::collections::BTreeMap<&Stored, usize> = Default::default();
    for e in stored {
        *left.entry(e).or_default() += 1;
    }
    let mut out = Vec::new();
    for e in want {
        match left.get_mut(e) {
            Some(n) if *n > 0 => *n -= 1,
            _ => out.push(e.clone()),
        }
    }
    out
}

/// Whether a line of the local functions' output (`.local/lambda.log`, where their EMF documents go, as CloudWatch
/// would read them from their log groups) satisfies `matches` within `seconds`.
fn emf_line_within(seconds: u64, matches: impl Fn(&str) -> bool) -> bool {
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.local/lambda.log");
    for _ in 0..seconds * 4 {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.lines().any(|l| l.starts_with("{\"_aws\"") && matches(l)) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    }
    false
}
