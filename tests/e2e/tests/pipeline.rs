//! End to end against the local stack (`make e2e` starts it): S3 objects in, through real Step Functions
//! executions running the real functions, CloudWatch Logs read back and compared event by event with the objects'
//! lines read without elbship's code (the edge cases with what the core's unit-tested rules make of them).

use elbship_aws::sfn::StartOutcome;
use elbship_core::batching::event_builder::MessageMode;
use elbship_core::batching::policy::OldEventPolicy;
use elbship_core::formats::kind::Compression;
use elbship_core::orchestration::job::ShipOptions;
use elbship_core::synth::{alb_log, edge_case_log};
use elbship_e2e::{
    arn_of, elbship_cli, events, expected, gzip, key, now_ms, object_lines, run_cli, unique, Finished, Stack, Stored,
};
use serde_json::Value;

const MINUTE: i64 = 60_000;

fn group(lb_type: &str, lb: &str) -> String {
    format!("/elbship/123456789012/us-east-1/{lb_type}/{lb}")
}

fn ledger(f: &Finished) -> Value {
    assert_eq!(f.status, "SUCCEEDED", "{:?}: {:?}", f.error, f.cause);
    f.output.as_ref().map(|o| o["ledger"].clone()).unwrap_or_default()
}

fn out_str(f: &Finished, field: &str) -> String {
    f.output.as_ref().and_then(|o| o[field].as_str()).unwrap_or_default().to_string()
}

/// Puts the object, starts it as its S3 event would, and follows it to its end: on the Express route, through a
/// hand-over to the Standard state machine when there is one.
async fn ship(stack: &Stack, key: &str, bytes: Vec<u8>) -> Finished {
    let o = stack.put(key, bytes).await;
    let started = stack.start(&o).await;
    assert_eq!(started.len(), 1);
    assert!(matches!(started[0], StartOutcome::Started { .. }), "{started:?}");
    let f = stack.wait(&arn_of(&started[0])).await;
    if out_str(&f, "outcome") == "escalated" {
        return stack.wait(&out_str(&f, "execution_arn")).await;
    }
    f
}

#[tokio::test]
async fn every_edge_case_is_delivered_or_counted_event_by_event() {
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique("edge");
    let edge = edge_case_log(now);
    // Two gzip members, cut mid-line.
    let cut = edge.text.len() / 2;
    let mut bytes = gzip(&edge.text[..cut]);
    bytes.extend(gzip(&edge.text[cut..]));
    let k = key("alb_access", &lb, now - 5 * MINUTE, "edge1");
    let f = ship(&stack, &k, bytes.clone()).await;
    let l = ledger(&f);
    assert_eq!(l["lines_read"], edge.lines);
    assert_eq!(l["lines_delivered"], edge.delivered_with_reject);
    assert_eq!((l["rejected"]["blank"].as_u64(), l["rejected"]["too_old"].as_u64()), (Some(1), Some(1)));
    assert_eq!(l["adjusted"]["invalid_utf8"], 1);
    assert_eq!(l["adjusted"]["split_oversize"], 1);
    assert_eq!(l["adjusted"]["timestamp_fallback"], 1);
    let stored = stack.events(&out_str(&f, "log_group"), &out_str(&f, "log_stream")).await;
    let (want, _) = expected(&k, &bytes, now, MessageMode::Raw, OldEventPolicy::Reject);
    assert_eq!(stored.len(), 8, "7 lines, one of them in two parts");
    assert_eq!(stored, want);
}

#[tokio::test]
async fn a_gzip_object_in_many_spans_delivers_every_line_once() {
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique("spans");
    let text = alb_log(5, now - 50 * MINUTE, 6_000_000);
    let bytes = gzip(&text);
    let k = key("alb_access", &lb, now - 5 * MINUTE, "many1");
    let f = ship(&stack, &k, bytes.clone()).await;
    let spans = f.output.as_ref().and_then(|o| o["spans"].as_u64()).unwrap_or_default();
    assert!(spans >= 4, "the local stack cuts 1 MiB spans: {spans}");
    let stored = stack.events(&group("app", &lb), &out_str(&f, "log_stream")).await;
    let want = events(&k, &bytes);
    assert_eq!(ledger(&f)["lines_read"].as_u64(), Some(text.iter().filter(|&&b| b == b'\n').count() as u64));
    assert_eq!(stored.len(), want.len());
    assert_eq!(stored, want);
}

#[tokio::test]
async fn a_large_object_started_twice_at_once_and_by_elbship_ship_ships_once() {
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique("twice");
    let bytes = gzip(&alb_log(6, now - 20 * MINUTE, 3_000_000));
    assert!(bytes.len() as u64 > stack.routes.express_max_bytes, "this object takes the Standard route");
    let k = key("alb_access", &lb, now - 5 * MINUTE, "twice1");
    let o = stack.put(&k, bytes.clone()).await;
    // The same event twice at the same moment, and `elbship ship` alongside: one Standard execution, by its name.
    let (first, second, cli) =
        tokio::join!(stack.start(&o), stack.start(&o), stack.start_with(&o, ShipOptions::default()));
    assert!(matches!(second[0], StartOutcome::AlreadyStarted { .. }) || arn_of(&first[0]) == arn_of(&second[0]));
    let arns = [arn_of(&first[0]), arn_of(&second[0]), arn_of(&cli)];
    assert!(arns.iter().all(|x| *x == arns[0]), "{arns:?}");
    let f = stack.wait(&arn_of(&first[0])).await;
    let third = stack.start(&o).await;
    assert!(matches!(third[0], StartOutcome::AlreadyStarted { .. }), "{third:?}");
    assert_eq!(stack.executions(&lb).await, 1);
    assert_once(&stack, &k, &bytes, &f).await;
}

/// CloudWatch Logs holds exactly the object's events, each once, as the execution's ledger says.
async fn assert_once(stack: &Stack, k: &str, bytes: &[u8], f: &Finished) {
    let stored = stack.events(&out_str(f, "log_group"), &out_str(f, "log_stream")).await;
    let delivered = ledger(f)["lines_delivered"].as_u64().unwrap_or_default();
    assert_eq!(stored.len() as u64, delivered);
    let want = events(k, bytes);
    assert_eq!(stored, want, "every event once");
}

#[tokio::test]
async fn a_small_object_goes_express_and_a_duplicated_event_ships_nothing_twice() {
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique("express");
    let bytes = gzip(&alb_log(8, now - 20 * MINUTE, 200_000));
    assert!(bytes.len() as u64 <= stack.routes.express_max_bytes, "this object takes the Express route");
    let k = key("alb_access", &lb, now - 5 * MINUTE, "small1");
    let o = stack.put(&k, bytes.clone()).await;
    // The event, and its duplicate as AWS runs it: a second Express execution at the same moment.
    let dup_name = format!("{lb}-dup");
    let (started, duplicate) = tokio::join!(stack.start(&o), stack.start_express_named(&o, &dup_name));
    let first = arn_of(&started[0]);
    assert!(first.contains(":elbship-express:"), "{started:?}");
    let (a, b) = tokio::join!(stack.wait(&first), stack.wait(&duplicate));
    let outcome = |f: &Finished| out_str(f, "outcome");
    let mut outcomes = [outcome(&a), outcome(&b)];
    outcomes.sort();
    assert_eq!(outcomes, ["duplicate", "verified"], "{:?} {:?}", a.output, b.output);
    let verified = if outcome(&a) == "verified" { &a } else { &b };
    assert_eq!(ledger(verified)["possibly_duplicated"], 0);
    assert_once(&stack, &k, &bytes, verified).await;
    // `elbship ship` afterwards (the Standard route) finds every batch acknowledged: it verifies, sends nothing.
    let again = stack.wait(&arn_of(&stack.start_with(&o, ShipOptions::default()).await)).await;
    assert_eq!(ledger(&again)["lines_delivered"], ledger(verified)["lines_delivered"]);
    assert_once(&stack, &k, &bytes, verified).await;
}

#[tokio::test]
async fn corrupt_objects_fail_by_name_and_claim_nothing() {
    let stack = Stack::connect().await;
    let now = now_ms();
    let gz = gzip(&alb_log(7, now - 20 * MINUTE, 300_000));
    for (name, bytes, error) in [
        ("trunc", gz[..gz.len() / 2].to_vec(), "GzipTruncated"),
        ("plain", b"plain text under a .gz name\n".to_vec(), "NotGzip"),
    ] {
        let lb = unique(name);
        let k = key("alb_access", &lb, now - 5 * MINUTE, name);
        let f = ship(&stack, &k, bytes).await;
        assert_eq!(f.status, "FAILED");
        assert_eq!(f.error.as_deref(), Some(error), "{:?}", f.cause);
        assert!(stack.group_events(&group("app", &lb)).await.is_empty(), "nothing of {name} in any stream");
    }
}

#[tokio::test]
async fn the_test_file_and_other_keys_start_nothing() {
    let stack = Stack::connect().await;
    let tag = unique("skip");
    for k in [format!("{tag}/AWSLogs/123456789012/ELBAccessLogTestFile"), format!("{tag}/index.html")] {
        let o = stack.put(&k, b"Enable AccessLog for ELB: my-lb".to_vec()).await;
        let started = stack.start(&o).await;
        assert!(matches!(&started[0], StartOutcome::Skipped { reason, .. } if !reason.is_empty()), "{started:?}");
        // elbship ship takes the same path: nothing starts either.
        let shipped = stack.start_with(&o, ShipOptions::default()).await;
        assert!(matches!(shipped, StartOutcome::Skipped { .. }), "{shipped:?}");
    }
}

#[tokio::test]
async fn objects_of_an_account_not_allowed_or_with_a_mismatched_key_land_nowhere_and_are_counted() {
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique("refused");
    let bytes = gzip(&alb_log(31, now - 10 * MINUTE, 20_000));
    let allowed = key("alb_access", &lb, now - 5 * MINUTE, "ok");
    // Another account's load balancer, consistently named; and this account's path holding another's file name.
    let other = allowed.replace("123456789012", "210987654321");
    let copied = allowed.replacen("AWSLogs/123456789012/", "AWSLogs/210987654321/", 1).replace("_ok.", "_copy.");
    for (k, refusal) in [(&other, "AccountNotAllowed"), (&copied, "KeyMismatch")] {
        let o = stack.put(k, bytes.clone()).await;
        let started = stack.start(&o).await;
        assert!(
            matches!(&started[..], [StartOutcome::Refused { refusal: r, .. }] if r == refusal),
            "the start function refuses {k}: {started:?}"
        );
        // Started anyway (`elbship ship` does not know the deployment's accounts): the plan function refuses it.
        match stack.start_with(&o, ShipOptions::default()).await {
            StartOutcome::Refused { refusal: r, .. } => assert_eq!(r, "KeyMismatch", "refused before starting"),
            started => {
                let f = stack.wait(&arn_of(&started)).await;
                assert_eq!((f.status.as_str(), f.error.as_deref()), ("FAILED", Some(refusal)), "{:?}", f.cause);
            }
        }
    }
    for account in ["123456789012", "210987654321"] {
        let g = format!("/elbship/{account}/us-east-1/app/{lb}");
        assert!(stack.group_events(&g).await.is_empty(), "nothing of {lb} in {g}");
    }
    // The allowed object beside them ships.
    assert_eq!(ledger(&ship(&stack, &allowed, bytes.clone()).await)["lines_delivered"], events(&allowed, &bytes).len());
}

#[tokio::test]
async fn old_events_rejected_or_restamped() {
    let stack = Stack::connect().await;
    let now = now_ms();
    let old = now - 20 * 24 * 60 * MINUTE;
    let text = alb_log(8, old, 100_000);
    let lines = text.iter().filter(|&&b| b == b'\n').count() as u64;

    let lb = unique("old");
    let f = ship(&stack, &key("alb_access", &lb, old + 5 * MINUTE, "rej"), gzip(&text)).await;
    let l = ledger(&f);
    assert_eq!((l["lines_delivered"].as_u64(), l["rejected"]["too_old"].as_u64()), (Some(0), Some(lines)));
    assert!(stack.group_events(&group("app", &lb)).await.is_empty());

    let lb = unique("restamp");
    let o = stack.put(&key("alb_access", &lb, old + 5 * MINUTE, "res"), gzip(&text)).await;
    let started =
        stack.start_with(&o, ShipOptions { policy: Some(OldEventPolicy::Restamp), ..ShipOptions::default() }).await;
    let f = stack.wait(&arn_of(&started)).await;
    let l = ledger(&f);
    assert_eq!((l["lines_delivered"].as_u64(), l["adjusted"]["restamped"].as_u64()), (Some(lines), Some(lines)));
    let stored = stack.events(&group("app", &lb), &out_str(&f, "log_stream")).await;
    assert_eq!(stored.len() as u64, lines);
    assert!(stored.iter().all(|(ts, _)| (now..now + 10 * MINUTE).contains(ts)), "stamped with the run's now");
    let text = String::from_utf8_lossy(&text);
    let mut messages: Vec<&str> = stored.iter().map(|(_, m)| m.as_str()).collect();
    let mut lines_in_file: Vec<&str> = text.lines().collect();
    messages.sort_unstable();
    lines_in_file.sort_unstable();
    assert_eq!(messages, lines_in_file, "the original time stays in the message");
}

#[tokio::test]
async fn documented_samples_of_every_kind_and_an_empty_object() {
    let stack = Stack::connect().await;
    let now = now_ms();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../functions/core/fixtures");
    for spec in &elbship_core::formats::kind::KINDS {
        let (kind, lb_type) = (spec.name, spec.lb_type);
        let text = std::fs::read(dir.join(format!("{kind}.log"))).unwrap_or_default();
        assert!(!text.is_empty(), "a fixture for {kind}");
        let bytes = if spec.compression == Compression::None { text.clone() } else { gzip(&text) };
        let lb = unique("doc");
        let k = key(kind, &lb, now - 5 * MINUTE, "doc1");
        let o = stack.put(&k, bytes.clone()).await;
        // The samples are years old: ship them restamped, and compare by message.
        let f = stack
            .wait(&arn_of(
                &stack
                    .start_with(&o, ShipOptions { policy: Some(OldEventPolicy::Restamp), ..ShipOptions::default() })
                    .await,
            ))
            .await;
        let l = ledger(&f);
        let lines = String::from_utf8_lossy(&text).lines().count() as u64;
        assert_eq!(l["lines_delivered"].as_u64(), Some(lines), "{kind}");
        let stored = stack.events(&group(lb_type, &lb), &out_str(&f, "log_stream")).await;
        let mut want = object_lines(&k, &bytes);
        want.sort();
        assert_eq!(messages(&stored), want, "{kind}");
    }
    let lb = unique("empty");
    let f = ship(&stack, &key("alb_access", &lb, now - 5 * MINUTE, "empty"), Vec::new()).await;
    assert_eq!(ledger(&f)["lines_read"], 0);
}

#[tokio::test]
async fn the_local_stack_refuses_what_aws_refuses() {
    use aws_sdk_cloudwatchlogs::types::InputLogEvent;
    let stack = Stack::connect().await;
    let group = unique("/strict");
    let _ = stack.logs.create_log_group().log_group_name(&group).send().await;
    let _ = stack.logs.create_log_stream().log_group_name(&group).log_stream_name("s").send().await;
    let now = now_ms();
    let ev = |ts: i64, msg: &str| {
        InputLogEvent::builder().timestamp(ts).message(msg).build().unwrap_or_else(|e| panic!("{e}"))
    };
    let big = "x".repeat(600_000);
    let cases: Vec<(&str, Vec<InputLogEvent>)> = vec![
        ("10,001 events", (0..10_001).map(|_| ev(now, "a")).collect()),
        ("over 1,048,576 bytes", vec![ev(now, &big), ev(now, &big)]),
        ("an event over 1 MB", vec![ev(now, &"y".repeat(1_048_551))]),
        ("more than 24 hours", vec![ev(now - 25 * 60 * MINUTE, "a"), ev(now, "b")]),
        ("out of order", vec![ev(now, "a"), ev(now - 1, "b")]),
        ("an empty message", vec![ev(now, "")]),
    ];
    for (what, events) in cases {
        let put = stack
            .logs
            .put_log_events()
            .log_group_name(&group)
            .log_stream_name("s")
            .set_log_events(Some(events))
            .send()
            .await;
        let code = put.as_ref().err().and_then(|e| aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata::code(e));
        assert_eq!(code, Some("InvalidParameterException"), "{what} must be refused");
    }
    let ok = stack
        .logs
        .put_log_events()
        .log_group_name(&group)
        .log_stream_name("s")
        .log_events(ev(now, "fine"))
        .send()
        .await;
    assert!(ok.is_ok(), "{ok:?}");
}

#[tokio::test]
async fn elbship_status_lists_verified_objects_and_failures_first_with_the_command_that_finishes_them() {
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique("status");
    // Large enough for the Standard route: Express executions are not listed on AWS (nor here: the router refuses).
    let good = gzip(&alb_log(11, now - 20 * MINUTE, 3_000_000));
    assert!(good.len() as u64 > stack.routes.express_max_bytes, "the Standard route");
    let ok = ship(&stack, &key("alb_access", &lb, now - 5 * MINUTE, "good"), good).await;
    assert_eq!(ok.status, "SUCCEEDED");
    let bad = ship(&stack, &key("alb_access", &lb, now - 10 * MINUTE, "bad"), b"not gzip\n".to_vec()).await;
    assert_eq!(bad.error.as_deref(), Some("NotGzip"));
    let out = elbship_cli()
        .args(["status", "--since", "15m", "--load-balancer", &lb, "--json"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success(), "a failure is listed: exit 1");
    let rows: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let statuses: Vec<&str> = rows.iter().map(|r| r["status"].as_str().unwrap_or("")).collect();
    // Failures first: the Standard execution the corrupt object was handed to; then the verified object. The corrupt
    // object's Express execution (handed over) is not listed: AWS refuses to list Express executions, and the
    // command says where to read them instead.
    assert_eq!(statuses[0], "failed", "{rows:?}");
    assert_eq!(rows[0]["error"], "NotGzip");
    assert!(rows[0]["finish"].as_str().is_some_and(|f| f.contains("--retry-failed") && f.contains("_bad.log.gz")));
    assert!(!statuses.contains(&"handed over"), "{statuses:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Express executions are not listed here"));
    let verified: Vec<&Value> = rows.iter().filter(|r| r["status"] == "verified").collect();
    assert_eq!(verified.len(), 1, "{rows:?}");
    assert_eq!(verified[0]["delivered"], ledger(&ok)["lines_delivered"]);
    assert_eq!(verified[0]["kind"], "alb_access");
    assert!(verified[0]["freshness_seconds"].as_i64().is_some_and(|s| (5 * 60..15 * 60).contains(&s)), "{rows:?}");
}

/// Messages of stored events, sorted: the fixtures are shipped restamped, so their times are the shipping time.
fn messages(v: &[Stored]) -> Vec<String> {
    let mut m: Vec<String> = v.iter().map(|(_, m)| m.clone()).collect();
    m.sort();
    m
}

#[tokio::test]
async fn a_backfill_on_distributed_map_ships_every_kind_once_names_the_corrupt_object_and_a_second_ships_nothing() {
    const PER_KIND: usize = 40;
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique("fill");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../functions/core/fixtures");
    // Every kind, 40 objects each in the last half hour; 10 more three hours ago (left out by --since); one corrupt.
    let mut want: std::collections::BTreeMap<(String, String), Vec<String>> = Default::default();
    for spec in &elbship_core::formats::kind::KINDS {
        let text = std::fs::read(dir.join(format!("{}.log", spec.name))).unwrap_or_default();
        let bytes = if spec.compression == Compression::None { text.clone() } else { gzip(&text) };
        for i in 0..PER_KIND {
            let end = now - (5 + (i as i64 % 25)) * MINUTE;
            let k = key(spec.name, &lb, end, &format!("f{i}"));
            stack.put(&k, bytes.clone()).await;
            let lines = object_lines(&k, &bytes);
            let stream = format!("{}/{}", spec.name, &elbship_core::formats::timestamp::format_ms(end)[..10]);
            want.entry((group(spec.lb_type, &lb), stream)).or_default().extend(lines);
        }
    }
    for i in 0..10 {
        let k = key("alb_access", &lb, now - 180 * MINUTE, &format!("old{i}"));
        stack.put(&k, gzip(b"not shipped: outside the time filter\n")).await;
    }
    let bad = key("alb_access", &lb, now - 10 * MINUTE, "bad");
    stack.put(&bad, b"this is not gzip".to_vec()).await;
    // One larger than the Express route takes: its own Standard execution, which the command follows.
    let large = gzip(&alb_log(6, now - 20 * MINUTE, 3_000_000));
    assert!(large.len() as u64 > stack.routes.express_max_bytes);
    let k = key("alb_access", &lb, now - 12 * MINUTE, "large");
    stack.put(&k, large.clone()).await;
    let lines = object_lines(&k, &large);
    let stream = format!("alb_access/{}", &elbship_core::formats::timestamp::format_ms(now - 12 * MINUTE)[..10]);
    want.entry((group("app", &lb), stream)).or_default().extend(lines);
    let prefix = format!("s3://{}/prefix.with.dots/AWSLogs/", stack.bucket);
    let run = |extra: &[&str]| {
        let mut args = vec!["backfill", prefix.as_str(), "--load-balancer", lb.as_str(), "--since", "2h"];
        args.extend_from_slice(&["--policy", "restamp", "--put-log-events-quota", "160", "--poll-seconds", "0.5"]);
        args.extend_from_slice(extra);
        run_cli(&args)
    };
    let taken = 5 * PER_KIND + 2;
    let (ok, dry) = run(&["--dry-run"]);
    assert!(ok && dry.starts_with(&format!("{taken} objects")), "{dry}");
    assert_eq!(stack.executions(&lb).await, 0, "a dry run starts nothing");

    let (ok, first) = run(&[]);
    assert!(!ok, "one object was not verified: exit 1\n{first}");
    assert!(first.contains("backfill FAILED (BackfillIncomplete)"), "{first}");
    assert!(first.contains(&format!("{} verified", 5 * PER_KIND)), "{first}");
    assert!(first.contains(&format!("{} failed", 1)), "{first}");
    assert!(first.contains("1 on their own Standard executions"), "{first}");
    // Ten of this load balancer's objects ended before --since; other tests' objects share the prefix.
    let left_out = first.split_once("skipped: ").and_then(|(_, r)| r.split(' ').next()?.parse::<u64>().ok());
    assert!(left_out.is_some_and(|n| n >= 10), "{first}");
    let named = format!("FAILED {bad}: NotGzip");
    assert!(first.contains(&named), "the corrupt object by name:\n{first}");
    assert!(first.contains(&format!("elbship ship s3://{}/{bad} --retry-failed --wait", stack.bucket)), "{first}");

    // The large object's own Standard execution, followed to its end.
    assert!(first.contains("following 1 of the 1 objects on their own Standard executions"), "{first}");
    assert!(first.contains("  SUCCEEDED "), "{first}");

    // The same backfill again, within the first one's leases: every object it shipped is held by the first, the
    // corrupt one fails by name again, the large one's execution is the same; nothing is stored twice.
    let (ok, second) = run(&[]);
    assert!(!ok && second.contains("0 verified (shipped now"), "{second}");
    assert!(second.contains(&format!("{} held by another execution", 5 * PER_KIND)), "{second}");
    assert!(second.contains(&named) && second.contains("1 on their own Standard executions"), "{second}");
    // Every line of every object once (the large object's too, now that its execution has ended).
    for ((group, stream), want) in &want {
        let mut want = want.clone();
        want.sort();
        let stored = stack.events(group, stream).await;
        assert_eq!(messages(&stored), want, "{group} {stream}: every line once, nothing twice");
    }
}

#[tokio::test]
async fn a_backfill_from_an_s3_inventory_ships_the_objects_it_lists_and_no_others() {
    let stack = Stack::connect().await;
    let now = now_ms();
    let lb = unique("inv");
    let mut rows = String::new();
    let mut want = Vec::new();
    let mut unlisted = Vec::new();
    for i in 0..20i64 {
        let bytes = gzip(&alb_log(200 + i as u64, now - 40 * MINUTE, 15_000));
        let k = key("alb_access", &lb, now - (5 + i % 10) * MINUTE, &format!("i{i}"));
        let o = stack.put(&k, bytes.clone()).await;
        if i % 4 == 3 {
            unlisted.push(k);
            continue;
        }
        want.extend(events(&k, &bytes));
        // As S3 Inventory writes a CSV row: every value quoted, the key URL-encoded, the ETag unquoted.
        let encoded: String = k
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        rows += &format!(
            "\"{}\",\"{encoded}\",\"{}\",\"2026-11-27T00:00:00.000Z\",\"{}\"\n",
            stack.bucket,
            o.size,
            o.etag.trim_matches('"')
        );
    }
    // A row of another bucket, which the backfill leaves out.
    rows += "\"another-bucket\",\"AWSLogs%2Fx.log\",\"10\",\"2026-11-27T00:00:00.000Z\",\"e\"\n";
    let inventory = std::env::var("ELBSHIP_STAGING_BUCKET").unwrap_or_else(|_| panic!("the local stack's environment"));
    let base = format!("inventory/{}/{lb}/2026-11-27T01-00Z", stack.bucket);
    let put = |key: String, body: Vec<u8>| {
        stack.s3.put_object().bucket(&inventory).key(key).body(aws_sdk_s3::primitives::ByteStream::from(body)).send()
    };
    put(format!("{base}/data/rows.csv.gz"), gzip(rows.as_bytes())).await.unwrap_or_else(|e| panic!("{e:?}"));
    let manifest = serde_json::json!({
        "sourceBucket": stack.bucket, "destinationBucket": format!("arn:aws:s3:::{inventory}"), "version": "2016-11-30",
        "fileFormat": "CSV", "fileSchema": "Bucket, Key, Size, LastModifiedDate, ETag",
        "files": [{"key": format!("{base}/data/rows.csv.gz"), "size": 1, "MD5checksum": "-"}]
    });
    put(format!("{base}/manifest.json"), manifest.to_string().into_bytes()).await.unwrap_or_else(|e| panic!("{e:?}"));

    let prefix = format!("s3://{}/prefix.with.dots/AWSLogs/", stack.bucket);
    let manifest_url = format!("s3://{inventory}/{base}/manifest.json");
    let (ok, out) =
        run_cli(&["backfill", &prefix, "--inventory", &manifest_url, "--load-balancer", &lb, "--poll-seconds", "0.5"]);
    assert!(ok, "{out}");
    assert!(out.starts_with("backfill started") && out.contains("16 objects: 15 verified"), "{out}");
    assert!(out.contains("skipped: 1 left out by the filter"), "the other bucket's row: {out}");
    let stored = stack.group_events(&group("app", &lb)).await;
    want.sort();
    assert_eq!(
        stored, want,
        "the 15 listed objects' lines once, nothing of the 5 the inventory does not list ({unlisted:?})"
    );
}
