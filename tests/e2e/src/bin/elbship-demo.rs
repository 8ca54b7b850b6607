//! The demo's helper: `upload` writes sample ELB logs of every kind, stamped a few minutes ago (the documented
//! sample lines re-timed, and a synthetic ALB log big enough for several spans), plus the ELB test file, into the
//! local stack's log bucket; `archive` writes an archive for `elbship backfill`: 120 small ALB logs of four load
//! balancers from two days ago, and 20 from three weeks ago (older than CloudWatch's 14 days); `show` prints a few
//! events of every log stream elbship wrote.

use elbship_core::formats::kind::{Compression, LogKind};
use elbship_core::formats::timestamp::format_ms;
use elbship_core::synth::alb_log;
use elbship_e2e::{gzip, key, now_ms, Stack};

const FIXTURES: [(&str, &str); 5] = [
    ("alb_access", include_str!("../../../../functions/core/fixtures/alb_access.log")),
    ("alb_connection", include_str!("../../../../functions/core/fixtures/alb_connection.log")),
    ("alb_health_check", include_str!("../../../../functions/core/fixtures/alb_health_check.log")),
    ("nlb_access", include_str!("../../../../functions/core/fixtures/nlb_access.log")),
    ("clb_access", include_str!("../../../../functions/core/fixtures/clb_access.log")),
];

/// The line with its time field replaced by `ms` (in the kind's own format).
fn retime(kind: LogKind, line: &str, ms: i64) -> String {
    let mut fields: Vec<String> = line.split(' ').map(str::to_string).collect();
    let time = format_ms(ms);
    let i = kind.time_field();
    fields[i] = if kind == LogKind::NlbAccess { time[..19].to_string() } else { time.replace('Z', "123Z") };
    fields.join(" ")
}

async fn upload(stack: &Stack) {
    let now = now_ms();
    for (name, text) in FIXTURES {
        let kind: LogKind = name.parse().unwrap_or(LogKind::AlbAccess);
        let body: String =
            text.lines().enumerate().map(|(i, l)| retime(kind, l, now - 600_000 + i as i64 * 1000) + "\n").collect();
        let bytes = if kind.compression() == Compression::None { body.into_bytes() } else { gzip(body.as_bytes()) };
        let k = key(name, "demo-lb", now - 300_000, "demo1");
        stack.put(&k, bytes).await;
        println!("uploaded {k}");
    }
    let big = gzip(&alb_log(1, now - 900_000, 6_000_000));
    let k = key("alb_access", "demo-big", now - 300_000, "demo2");
    println!("uploaded {k} ({} bytes gzip, 6 MB of lines: several 1 MiB spans)", big.len());
    stack.put(&k, big).await;
    stack.put("AWSLogs/123456789012/ELBAccessLogTestFile", b"Enable AccessLog for ELB: demo-lb".to_vec()).await;
    println!("uploaded AWSLogs/123456789012/ELBAccessLogTestFile");
}

async fn archive(stack: &Stack) {
    let now = now_ms();
    let day = 86_400_000;
    for (age, count) in [(2 * day, 120), (21 * day, 20)] {
        for i in 0..count {
            let end = now - age + i as i64 / 4 * 300_000;
            let bytes = gzip(&alb_log(10 + i as u64, end - 300_000, 8_000));
            stack.put(&key("alb_access", &format!("demo-archive-{}", i % 4), end, &format!("a{i}")), bytes).await;
        }
        println!(
            "uploaded {count} ALB logs of demo-archive-0..3 ending {} to {}",
            &format_ms(now - age)[..16],
            &format_ms(now - age + (count as i64 / 4) * 300_000)[..16]
        );
    }
}

async fn show(stack: &Stack) {
    let groups = stack.logs.describe_log_groups().log_group_name_prefix("/elbship/").send().await;
    for g in groups.map(|o| o.log_groups().to_vec()).unwrap_or_default() {
        let group = g.log_group_name().unwrap_or_default();
        let streams = stack.logs.describe_log_streams().log_group_name(group).send().await;
        for s in streams.map(|o| o.log_streams().to_vec()).unwrap_or_default() {
            let stream = s.log_stream_name().unwrap_or_default();
            let events = stack.events(group, stream).await;
            println!("{group} : {stream}  ({} events)", events.len());
            for (ts, msg) in events.iter().take(2) {
                let short: String = msg.chars().take(150).collect();
                println!("  {}  {short}{}", format_ms(*ts), if msg.len() > short.len() { "…" } else { "" });
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let stack = Stack::connect().await;
    match std::env::args().nth(1).as_deref() {
        Some("upload") => upload(&stack).await,
        Some("archive") => archive(&stack).await,
        Some("show") => show(&stack).await,
        _ => eprintln!("usage: elbship-demo upload|archive|show"),
    }
}
