//! `make scale`, second part: a backfill of 10,000 small objects (`ELBSHIP_BACKFILL_OBJECTS`) from 50 load balancers,
//! two days old, with one `elbship backfill` whose Distributed Map lists the prefix itself and ships the objects in
//! batches, on the local stack with the router enforcing AWS's per-API rates. The objects of the burst before it
//! share the prefix and are left out by the time filter. Prints objects per second and what was called; fails
//! unless every object is verified with every line delivered.

use elbship_core::synth::alb_log;
use elbship_e2e::{enforce_aws_rates, gzip, key, now_ms, put_all, router, run_cli, unique, Stack};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

const LOAD_BALANCERS: usize = 50;

#[tokio::main]
async fn main() {
    let count: usize = std::env::var("ELBSHIP_BACKFILL_OBJECTS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let children: u32 = std::env::var("ELBSHIP_BACKFILL_CHILDREN").ok().and_then(|v| v.parse().ok()).unwrap_or(8);
    let stack = Arc::new(Stack::connect().await);
    let now = now_ms();
    let day = 24 * 3_600_000;
    let text = alb_log(11, now - 2 * day - 600_000, 20_000);
    let lines = text.iter().filter(|&&b| b == b'\n').count();
    let bytes = gzip(&text);
    let run = unique("fill");
    println!(
        "backfill: {count} objects of {} bytes ({lines} lines) from {LOAD_BALANCERS} load balancers, 2 days old",
        bytes.len()
    );
    let uploads = (0..count)
        .map(|i| {
            // Five minutes apart per load balancer, as ELB writes them.
            let end = now - 2 * day + (i / LOAD_BALANCERS) as i64 * 300_000 % day;
            (key("alb_access", &format!("{run}-{}", i % LOAD_BALANCERS), end, &format!("b{i}")), bytes.clone())
        })
        .collect();
    put_all(&stack, uploads).await;

    enforce_aws_rates();
    router("DELETE", "/_elbship/calls", &json!({}));
    let prefix = format!("s3://{}/prefix.with.dots/AWSLogs/", stack.bucket);
    // The quota flag sets the Map's MaxConcurrency (half the quota at 10 calls/s per child): here, what two cores hold.
    let quota = (children * 20).to_string();
    let t0 = Instant::now();
    let (ok, out) = run_cli(&["backfill", &prefix, "--since", "3d", "--until", "1d", "--put-log-events-quota", &quota]);
    let secs = t0.elapsed().as_secs_f64();
    let calls = router("GET", "/_elbship/calls", &json!({}));
    router("DELETE", "/_elbship/quotas", &json!({}));
    print!("{out}");
    let n = |op: &str| calls["calls"][op].as_u64().unwrap_or(0);
    println!(
        "backfill of {count} objects ended after {secs:.0}s: {:.1} objects/s, {:.0} lines/s, {children} children at once",
        count as f64 / secs,
        (count * lines) as f64 / secs
    );
    println!(
        "calls: lambda:Invoke {}, PutLogEvents {}, StartExecution {}, CreateLogGroup {}, CreateLogStream {}, DescribeLogGroups {}, s3:ListObjects {}, dynamodb:UpdateItem {}",
        n("lambda:Invoke"),
        n("logs:PutLogEvents"),
        n("states:StartExecution"),
        n("logs:CreateLogGroup"),
        n("logs:CreateLogStream"),
        n("logs:DescribeLogGroups"),
        n("s3:ListObjects"),
        n("dynamodb:UpdateItem"),
    );
    println!("{}", elbship_pricing::at_scale::at_scale(1_000_000, 5_000).describe(1_000_000));
    let verified = out.contains(&format!("{count} verified"));
    let delivered = out.contains(&format!("{} delivered", count * lines));
    if !ok || !verified || !delivered {
        println!("FAILED: every object verified: {verified}, every line delivered: {delivered}");
        std::process::exit(1);
    }
}
