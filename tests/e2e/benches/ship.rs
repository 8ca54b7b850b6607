//! `make bench`, end to end on the local stack: time and PutLogEvents calls to ship a 200 MB (uncompressed) ALB
//! object in 1 span and in 4 spans, and the average bytes per call against the 1,048,576-byte limit.
//! Runs against the stack `scripts/bench-e2e.sh` starts (functions built with --release).

use elbship_core::orchestration::job::ShipOptions;
use elbship_core::synth::alb_log;
use elbship_e2e::{arn_of, gzip, key, now_ms, unique, Stack};
use std::time::Instant;

#[tokio::main]
async fn main() {
    let mb: usize = std::env::var("ELBSHIP_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let stack = Stack::connect().await;
    let now = now_ms();
    let text = alb_log(77, now - 3_600_000, mb * 1_000_000);
    let bytes = gzip(&text);
    let n = text.len() as u64;
    println!(
        "end-to-end bench: {:.1} MB of ALB lines, {:.1} MB gzip, local stack (moto stores every event)",
        n as f64 / 1e6,
        bytes.len() as f64 / 1e6
    );
    for spans in [1u64, 4] {
        let lb = unique(&format!("bench{spans}"));
        let o = stack.put(&key("alb_access", &lb, now - 300_000, "bench"), bytes.clone()).await;
        let options = ShipOptions { span_bytes: Some(n.div_ceil(spans) + 1), ..ShipOptions::default() };
        let t = Instant::now();
        let f = stack.wait(&arn_of(&stack.start_with(&o, options).await)).await;
        let secs = t.elapsed().as_secs_f64();
        let out = f.output.unwrap_or_default();
        let l = &out["ledger"];
        let (calls, events, bytes_sent) = (
            l["batches"].as_u64().unwrap_or(0),
            l["events_delivered"].as_u64().unwrap_or(0),
            l["message_bytes_delivered"].as_u64().unwrap_or(0),
        );
        let per_call = (bytes_sent + 26 * events) as f64 / calls.max(1) as f64;
        println!(
            "{} span(s): {} in {secs:.1}s ({:.0} MB/s), {calls} PutLogEvents calls, {per_call:.0} bytes per call ({:.2}% of 1,048,576)",
            out["spans"], f.status, n as f64 / 1e6 / secs, 100.0 * per_call / 1_048_576.0
        );
    }
}
