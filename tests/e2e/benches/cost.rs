//! `make bench`, the cost section: what shipping costs at AWS list prices, measured on the local stack.
//!
//! Small objects (a quiet load-balancer node's 5-minute file) go through the start function's route, the Express
//! state machine, as their S3 events would; the same objects through the Standard state machine (the route every
//! object took before) for comparison; and one large object through the Standard route at the deployed span size.
//! From real executions: state transitions (execution history), Express execution time, Lambda invocations and
//! their time (the router times each invoke; memory as `cdk/lib/functions.ts` sets it), S3, DynamoDB and
//! control-plane requests (the router counts every request by API). Priced with `elbship_core::cost`.
//! Runs against the stack `scripts/bench-e2e.sh` starts (functions built with --release).

use elbship_core::orchestration::job::{ObjectRef, ShipOptions};
use elbship_core::synth::alb_log;
use elbship_e2e::{arn_of, gzip, key, now_ms, router, unique, Finished, Stack};
use elbship_pricing::prices::{express_gb_seconds, price, Usage, OBJECTS_PER_NODE_MONTH};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Bytes one execution log event takes besides the data it carries (its id, type, timestamps, ARN), and the
/// metadata Lambda's answer adds to a task's output: estimates, not measured (moto writes no execution logs).
const LOG_EVENT_BYTES: f64 = 300.0;
const LAMBDA_ANSWER_BYTES: f64 = 600.0;
/// A function's own log per invocation (START, END and REPORT lines, and elbship's few lines): an estimate.
const FUNCTION_LOG_BYTES: f64 = 1_000.0;

/// Memory of each function, read from the CDK app so the two never differ.
fn memory_mb() -> HashMap<String, f64> {
    let ts = include_str!("../../../cdk/lib/functions.ts");
    ts.lines()
        .filter_map(|l| {
            let binary = l.split("binary: '").nth(1)?.split('\'').next()?;
            let mb = l.split("memoryMb: ").nth(1)?.split(',').next()?.trim().parse().ok()?;
            Some((binary.to_string(), mb))
        })
        .collect()
}

fn calls() -> Value {
    router("GET", "/_elbship/calls", &json!({}))
}

fn reset() {
    router("DELETE", "/_elbship/calls", &json!({}));
}

/// Usage from the router's counts since the last reset (Step Functions figures are added by the caller).
fn usage_from_calls(report: &Value, memory: &HashMap<String, f64>) -> (Usage, u64) {
    let n = |op: &str| report["calls"][op].as_u64().unwrap_or(0) as f64;
    let mut u = Usage {
        s3_gets: n("s3:GetObject"),
        s3_puts: n("s3:PutObject") + n("s3:ListObjects"),
        dynamodb_writes: n("dynamodb:UpdateItem") + n("dynamodb:PutItem"),
        dynamodb_reads: n("dynamodb:GetItem"),
        ..Usage::default()
    };
    for (function, f) in report["functions"].as_object().cloned().unwrap_or_default() {
        let mb = memory.get(&function).copied().unwrap_or(1769.0);
        let invocations = f["invocations"].as_f64().unwrap_or(0.0);
        u.lambda_requests += invocations;
        u.lambda_gb_seconds += mb / 1024.0 * f["seconds"].as_f64().unwrap_or(0.0);
        u.log_bytes += invocations * FUNCTION_LOG_BYTES;
    }
    let control = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups", "logs:PutRetentionPolicy"];
    (u, control.iter().map(|op| n(op) as u64).sum())
}

/// State transitions of a Standard execution, and its history's events (its log lines, without data).
async fn transitions(stack: &Stack, arn: &str) -> (f64, f64) {
    let mut events = Vec::new();
    let mut token = None;
    loop {
        let out = stack.sfn.get_execution_history().execution_arn(arn).set_next_token(token).send().await;
        let out = out.unwrap_or_else(|e| panic!("GetExecutionHistory: {e:?}"));
        events.extend(out.events().iter().map(|e| e.r#type().as_str().to_string()));
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    (events.iter().filter(|t| t.ends_with("StateEntered")).count() as f64, events.len() as f64)
}

fn line(what: &str, u: &Usage, control: f64) {
    println!(
        "  {what:<30} {:>6.1} {:>6.2} {:>7.3} {:>5.1} {:>5.1} {:>5.1} {:>5.1} {:>6.2}   ${:.8} (+ own logs ${:.8})",
        u.standard_transitions,
        u.express_executions,
        u.lambda_gb_seconds,
        u.lambda_requests,
        u.s3_gets + u.s3_puts,
        u.dynamodb_writes + u.dynamodb_reads,
        control,
        u.express_gb_seconds,
        u.orchestration(),
        u.own_logs(),
    );
}

/// Ships the objects one after the other: the router times each invoke from call to answer, so invokes must not
/// queue for a free instance of `cargo lambda watch`.
async fn ship_all(stack: &Stack, objects: &[ObjectRef], express: bool) -> Vec<Finished> {
    let mut done = Vec::new();
    for o in objects {
        let arn = if express {
            // The real start function, invoked as EventBridge would (counted and timed by the router).
            let event = json!({"version": "0", "detail-type": "Object Created", "source": "aws.s3",
                "detail": {"bucket": {"name": o.bucket}, "object": {"key": o.key, "size": o.size, "etag": o.etag.trim_matches('"')}}});
            let out = router("POST", "/2015-03-31/functions/elbship-start/invocations", &event);
            out[0]["execution_arn"].as_str().unwrap_or_else(|| panic!("start: {out}")).to_string()
        } else {
            arn_of(&stack.start_with(o, ShipOptions::default()).await)
        };
        let f = stack.wait(&arn).await;
        assert_eq!(f.status, "SUCCEEDED", "{arn}: {:?} {:?}", f.error, f.cause);
        done.push(f);
    }
    done
}

#[tokio::main]
async fn main() {
    let stack = Stack::connect().await;
    let memory = memory_mb();
    let now = now_ms();
    let count: usize = std::env::var("ELBSHIP_BENCH_OBJECTS").ok().and_then(|v| v.parse().ok()).unwrap_or(20);
    // A quiet node's 5-minute file: about 300 lines.
    let text = alb_log(91, now - 20 * 60_000, 200_000);
    let lines = text.iter().filter(|&&b| b == b'\n').count();
    let bytes = gzip(&text);
    println!(
        "cost bench: {count} small objects of {lines} lines ({} bytes gzip) per route; list prices, us-east-1, arm64",
        bytes.len()
    );
    println!(
        "  {:<30} {:>6} {:>6} {:>7} {:>5} {:>5} {:>5} {:>5} {:>6}   orchestration per object",
        "per object", "trans", "expr", "GB-s", "invk", "S3", "DDB", "ctl", "expGBs"
    );
    let mut per_route: Vec<(&str, Usage, f64)> = Vec::new();
    let mut report_start = (0.0, 0.0);
    for express in [true, false] {
        let lb = unique(if express { "costx" } else { "costs" });
        let mut objects = Vec::new();
        for i in 0..count {
            let end = now - (count - i) as i64 * 300_000;
            objects.push(stack.put(&key("alb_access", &lb, end, &format!("c{i}")), bytes.clone()).await);
        }
        reset();
        let done = ship_all(&stack, &objects, express).await;
        let report = calls();
        let (mut u, control) = usage_from_calls(&report, &memory);
        for f in &done {
            if express {
                let d = stack.observer.describe_execution().execution_arn(&f.arn).send().await;
                let d = d.unwrap_or_else(|e| panic!("{e:?}"));
                let secs = d.stop_date().map_or(0.0, |b| (b.as_secs_f64() - d.start_date().as_secs_f64()).max(0.0));
                u.express_executions += 1.0;
                u.express_gb_seconds += express_gb_seconds(secs);
                let (input, output) = (d.input().map_or(0, str::len) as f64, d.output().map_or(0, str::len) as f64);
                u.log_ia_bytes += 7.0 * LOG_EVENT_BYTES + 3.0 * input + 4.0 * output + LAMBDA_ANSWER_BYTES;
            } else {
                let (t, events) = transitions(&stack, &f.arn).await;
                u.standard_transitions += t;
                u.log_bytes += events * LOG_EVENT_BYTES;
            }
        }
        let mut timing: Vec<String> = report["functions"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(f, v)| {
                        let n = v["invocations"].as_f64().unwrap_or(0.0).max(1.0);
                        format!("{f} {:.0} ms", 1000.0 * v["seconds"].as_f64().unwrap_or(0.0) / n)
                    })
                    .collect()
            })
            .unwrap_or_default();
        timing.sort();
        let mut per = u.per(count as u64);
        if !express {
            // On AWS the start function starts these too: the same call, measured on the Express route.
            per.lambda_requests += report_start.0;
            per.lambda_gb_seconds += report_start.1;
            per.log_bytes += report_start.0 * FUNCTION_LOG_BYTES;
        } else {
            let f = &report["functions"]["elbship-start"];
            let n = f["invocations"].as_f64().unwrap_or(0.0) / count as f64;
            let mb = memory.get("elbship-start").copied().unwrap_or(256.0);
            report_start = (n, mb / 1024.0 * f["seconds"].as_f64().unwrap_or(0.0) / count as f64);
        }
        let name = if express { "Express route (small objects)" } else { "Standard route (before)" };
        line(name, &per, control as f64 / count as f64);
        println!("    mean invocation, locally: {}", timing.join(", "));
        per_route.push((name, per, control as f64 / count as f64));
    }
    println!("  columns: Standard transitions, Express executions, Lambda GB-seconds, invocations, S3 and DynamoDB requests,");
    println!(
        "  control-plane calls (CreateLogGroup/Stream, DescribeLogGroups, PutRetentionPolicy), Express GB-seconds"
    );
    for (name, u, _) in &per_route {
        println!(
            "  {name}: ${:.4} per load-balancer node per month (288 objects a day), + ${:.4} of elbship's own logs",
            u.orchestration() * OBJECTS_PER_NODE_MONTH,
            u.own_logs() * OBJECTS_PER_NODE_MONTH
        );
    }

    let mb: usize = std::env::var("ELBSHIP_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let big = alb_log(92, now - 3_600_000, mb * 1_000_000);
    let gz = gzip(&big);
    let lb = unique("costbig");
    let o = stack.put(&key("alb_access", &lb, now - 300_000, "big"), gz).await;
    reset();
    let options = ShipOptions { span_bytes: Some(128 << 20), ..ShipOptions::default() };
    let f = stack.wait(&arn_of(&stack.start_with(&o, options).await)).await;
    assert_eq!(f.status, "SUCCEEDED", "{:?} {:?}", f.error, f.cause);
    let (mut u, control) = usage_from_calls(&calls(), &memory);
    let (t, events) = transitions(&stack, &f.arn).await;
    u.standard_transitions += t;
    u.log_bytes += events * LOG_EVENT_BYTES;
    let out = f.output.unwrap_or_default();
    let l = &out["ledger"];
    let ingested =
        l["message_bytes_delivered"].as_f64().unwrap_or(0.0) + 26.0 * l["events_delivered"].as_f64().unwrap_or(0.0);
    let gb = big.len() as f64 / 1e9;
    let ingestion = ingested * price::LOGS_BYTE;
    println!(
        "large object: {:.0} MB of lines in {} span(s) of 128 MiB, Standard route, {control} control-plane calls",
        big.len() as f64 / 1e6,
        out["spans"]
    );
    line("per object", &u, control as f64);
    println!(
        "  ${:.5} per GB of log lines: {:.2}% of CloudWatch's ingestion price for it (${:.4} per GB of lines; target < 2%)",
        u.orchestration() / gb,
        100.0 * u.orchestration() / ingestion.max(f64::MIN_POSITIVE),
        ingestion / gb
    );
}
