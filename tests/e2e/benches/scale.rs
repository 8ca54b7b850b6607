//! `make scale`: a burst of small objects (2,000 by default, `ELBSHIP_SCALE_OBJECTS`) as ELB's 5-minute deliveries
//! bring them, from 50 load balancers, on the local stack with the router enforcing AWS's per-API rates
//! (CreateLogGroup and DescribeLogGroups 5 per second, CreateLogStream 50, PutLogEvents 5,000, StartExecution a
//! bucket of 800 refilled at 150 per second). Each object's event goes to the real start function, paced to arrive
//! within a minute but admitted no faster than the local stack can run them (see below); the run ends when every
//! execution has, and fails unless every object is verified.

use elbship_core::orchestration::job::ObjectRef;
use elbship_core::synth::alb_log;
use elbship_e2e::{enforce_aws_rates, gzip, key, now_ms, put_all, router, unique, Finished, Stack};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

const LOAD_BALANCERS: usize = 50;
const START_CONCURRENCY: usize = 3;

fn start(o: &ObjectRef) -> Result<String, String> {
    let event = json!({"version": "0", "detail-type": "Object Created", "source": "aws.s3",
        "detail": {"bucket": {"name": o.bucket}, "object": {"key": o.key, "size": o.size, "etag": o.etag.trim_matches('"')}}});
    let out = router("POST", "/2015-03-31/functions/elbship-start/invocations", &event);
    out[0]["execution_arn"].as_str().map(str::to_string).ok_or_else(|| out.to_string())
}

#[tokio::main]
async fn main() {
    let count: usize = std::env::var("ELBSHIP_SCALE_OBJECTS").ok().and_then(|v| v.parse().ok()).unwrap_or(2_000);
    let stack = Arc::new(Stack::connect().await);
    let now = now_ms();
    let text = alb_log(93, now - 20 * 60_000, 100_000);
    let bytes = gzip(&text);
    let run = unique("scale");
    println!(
        "make scale: {count} objects of {} bytes from {LOAD_BALANCERS} load balancers within a minute",
        bytes.len()
    );
    let uploads = (0..count)
        .map(|i| {
            let k = key("alb_access", &format!("{run}-{}", i % LOAD_BALANCERS), now - 300_000, &format!("n{i}"));
            (k, bytes.clone())
        })
        .collect();
    let objects = put_all(&stack, uploads).await;

    enforce_aws_rates();
    router("DELETE", "/_elbship/calls", &json!({}));
    let t0 = Instant::now();
    let pace = Duration::from_secs_f64(60.0 / count as f64);
    // Locally every execution shares two cores and `cargo lambda watch`, which stops handing out invokes once some
    // 150 wait for an instance: objects are admitted as fast as the minute allows, but no more than
    // ELBSHIP_SCALE_IN_FLIGHT (default 24) at once. The start function and the object function also share its
    // instances, and moto answers an Express StartExecution only when the execution has run, so at most a few start
    // calls wait at once (on AWS each function scales on its own, and the quotas above are what bounds a burst).
    let in_flight: usize = std::env::var("ELBSHIP_SCALE_IN_FLIGHT").ok().and_then(|v| v.parse().ok()).unwrap_or(24);
    let admitted = Arc::new(tokio::sync::Semaphore::new(in_flight));
    let starting = Arc::new(tokio::sync::Semaphore::new(START_CONCURRENCY));
    let mut runs = tokio::task::JoinSet::new();
    let mut results = Vec::new();
    for (i, o) in objects.iter().cloned().enumerate() {
        tokio::time::sleep_until(tokio::time::Instant::from_std(t0 + pace * i as u32)).await;
        let permit = admitted.clone().acquire_owned().await;
        let (stack, starting) = (stack.clone(), starting.clone());
        runs.spawn(async move {
            let _admitted = permit;
            let start_permit = starting.acquire_owned().await;
            let arn = tokio::task::spawn_blocking(move || {
                let _starting = start_permit;
                // EventBridge retries a failed target with backoff; so does this.
                let mut last = String::new();
                for attempt in 0..8u32 {
                    match start(&o) {
                        Ok(arn) => return Ok(arn),
                        Err(e) => last = e,
                    }
                    std::thread::sleep(Duration::from_secs(1 << attempt.min(4)));
                }
                Err(format!("{}: {last}", o.key))
            })
            .await
            .map_err(|e| e.to_string())??;
            let f = stack.wait(&arn).await;
            Ok::<_, String>(match f.output.as_ref().and_then(|o| o["outcome"].as_str()) {
                Some("escalated") => {
                    let next =
                        f.output.as_ref().and_then(|o| o["execution_arn"].as_str()).unwrap_or_default().to_string();
                    (true, stack.wait(&next).await)
                }
                _ => (false, f),
            })
        });
        while let Some(done) = runs.try_join_next() {
            results.push(done);
        }
    }
    let admitted_in = t0.elapsed().as_secs_f64();
    while let Some(done) = runs.join_next().await {
        results.push(done);
    }
    let (mut verified, mut escalated, mut duplicates, mut failed) = (0, 0, 0, Vec::new());
    let mut start_failures = Vec::new();
    for r in results {
        match r {
            Ok(Ok(run)) => tally(Some(Ok(run)), &mut verified, &mut escalated, &mut duplicates, &mut failed),
            Ok(Err(e)) => start_failures.push(e),
            Err(e) => start_failures.push(e.to_string()),
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let calls = router("GET", "/_elbship/calls", &json!({}));
    let quotas = router("GET", "/_elbship/quotas", &json!({}));
    router("DELETE", "/_elbship/quotas", &json!({}));
    let n = |op: &str| calls["calls"][op].as_u64().unwrap_or(0);
    println!(
        "admitted {count} objects in {admitted_in:.0}s (at most {in_flight} in flight); all ended after {secs:.0}s ({:.1} objects/s)",
        count as f64 / secs
    );
    println!("verified {verified} (of which {escalated} after a hand-over to the Standard state machine), duplicates {duplicates}, failed {}", failed.len() + start_failures.len());
    let control = n("logs:CreateLogGroup")
        + n("logs:CreateLogStream")
        + n("logs:DescribeLogGroups")
        + n("logs:PutRetentionPolicy");
    println!(
        "control-plane calls: {control} ({:.3} per object): CreateLogGroup {}, CreateLogStream {}, DescribeLogGroups {}, PutRetentionPolicy {}",
        control as f64 / count as f64,
        n("logs:CreateLogGroup"),
        n("logs:CreateLogStream"),
        n("logs:DescribeLogGroups"),
        n("logs:PutRetentionPolicy")
    );
    println!(
        "PutLogEvents {}, StartExecution {}, refused by the quotas: {}",
        n("logs:PutLogEvents"),
        n("states:StartExecution"),
        refused(&quotas)
    );
    for f in failed.iter().take(5) {
        println!("  failed: {f}");
    }
    for f in start_failures.iter().take(5) {
        println!("  start failed: {f}");
    }
    if !failed.is_empty() || !start_failures.is_empty() || verified != count {
        std::process::exit(1);
    }
}

fn refused(quotas: &Value) -> String {
    let mut parts: Vec<String> = quotas
        .as_object()
        .map(|m| m.iter().map(|(op, q)| format!("{op} {}", q["refused"])).collect())
        .unwrap_or_default();
    parts.sort();
    parts.join(", ")
}

fn tally(
    r: Option<Result<(bool, Finished), tokio::task::JoinError>>,
    verified: &mut usize,
    escalated: &mut usize,
    duplicates: &mut usize,
    failed: &mut Vec<String>,
) {
    match r {
        Some(Ok((handed_over, f))) => match f.output.as_ref().and_then(|o| o["outcome"].as_str()) {
            _ if f.status != "SUCCEEDED" => failed.push(format!("{}: {:?} {:?}", f.arn, f.error, f.cause)),
            Some("duplicate") => *duplicates += 1,
            _ => {
                *verified += 1;
                *escalated += usize::from(handed_over);
            }
        },
        Some(Err(e)) => failed.push(e.to_string()),
        None => {}
    }
}
