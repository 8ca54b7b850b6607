//! Synthetic ELB logs for tests, benchmarks and the demo: realistic ALB lines (about 400-500 bytes, varied
//! enough that gzip compresses them about 7:1 like real logs), deterministic for a given seed.
//!
//! ```
//! use elbship_core::synth::alb_log;
//! let text = alb_log(1, 1_700_000_000_000, 10_000);
//! assert!(text.len() >= 10_000);
//! assert!(text.ends_with(b"\n"));
//! ```

use crate::formats::timestamp::format_ms;

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

const PATHS: [&str; 6] =
    ["/", "/api/v1/orders", "/api/v1/users/42", "/static/app.js", "/health", "/search?q=shoes&page=2"];
const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "curl/8.4.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
    "python-requests/2.31.0",
];

/// One ALB access log line (no newline) at `ts_ms`.
pub fn alb_line(rng: &mut Rng, ts_ms: i64) -> String {
    let time = format_ms(ts_ms).replace('Z', &format!("{:03}Z", rng.below(1000)));
    let client = format!(
        "{}.{}.{}.{}:{}",
        1 + rng.below(223),
        rng.below(256),
        rng.below(256),
        rng.below(256),
        1024 + rng.below(60_000)
    );
    let target = format!("10.0.{}.{}:80", rng.below(4), rng.below(256));
    let status = [200, 200, 200, 301, 404, 500][rng.below(6) as usize];
    let path = PATHS[rng.below(PATHS.len() as u64) as usize];
    let agent = AGENTS[rng.below(AGENTS.len() as u64) as usize];
    format!(
        "https {time} app/my-loadbalancer/50dc6c495c0c9188 {client} {target} 0.{:03} 0.{:03} 0.000 {status} {status} {} {} \
         \"GET https://www.example.com:443{path} HTTP/1.1\" \"{agent}\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 \
         arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 \
         \"Root=1-{:08x}-{:024x}\" \"www.example.com\" \"arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012\" \
         1 {time} \"forward\" \"-\" \"-\" \"{target}\" \"{status}\" \"-\" \"-\" TID_{:016x}",
        rng.below(1000),
        rng.below(1000),
        100 + rng.below(900),
        200 + rng.below(20_000),
        ts_ms / 1000,
        u128::from(rng.next_u64()) << 32 | u128::from(rng.next_u64() as u32),
        rng.next_u64(),
    )
}

/// At least `min_bytes` of ALB lines, newline-terminated, starting at `start_ms`, a few ms apart.
pub fn alb_log(seed: u64, start_ms: i64, min_bytes: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(min_bytes + 1024);
    // Writing to a Vec cannot fail.
    let _ = write_alb_log(&mut out, seed, start_ms, min_bytes as u64);
    out
}

/// Streams at least `min_bytes` of ALB lines to `w`, as [`alb_log`] makes them; returns the lines written.
pub fn write_alb_log<W: std::io::Write>(mut w: W, seed: u64, start_ms: i64, min_bytes: u64) -> std::io::Result<u64> {
    let mut rng = Rng::new(seed);
    let (mut written, mut lines, mut ts) = (0u64, 0u64, start_ms);
    while written < min_bytes {
        let mut line = alb_line(&mut rng, ts);
        line.push('\n');
        w.write_all(line.as_bytes())?;
        written += line.len() as u64;
        lines += 1;
        ts += rng.below(5) as i64;
    }
    Ok(lines)
}

/// An ALB log of every edge case, relative to `now_ms`, and what each line is.
#[derive(Debug, Clone)]
pub struct EdgeCases {
    /// The object's bytes.
    pub text: Vec<u8>,
    /// Lines in it.
    pub lines: u64,
    /// Lines a `reject` run delivers (all but the blank and the 20-day-old line).
    pub delivered_with_reject: u64,
}

/// The edge cases the pipeline must account for: escaped quotes, multi-byte UTF-8, lines out of time order,
/// invalid UTF-8, a blank line, a 1.2 MB line, a line 20 days old, unknown trailing fields, a CRLF line with an
/// unreadable time, and no final newline.
pub fn edge_case_log(now_ms: i64) -> EdgeCases {
    let minute = 60_000;
    let micro = |ms: i64| format_ms(ms).replace('Z', "002Z");
    let plain = |ms: i64| format_ms(ms).replace(".000Z", "Z");
    let t = |time: String| {
        format!(
            "http {time} app/my-lb/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366"
        )
    };
    let mut text = Vec::new();
    let mut add = |line: &[u8]| {
        text.extend_from_slice(line);
        text.push(b'\n');
    };
    add(format!("{} \"GET http://x/ HTTP/1.1\" \"agent \\\"quoted\\\"\"", t(micro(now_ms - 30 * minute))).as_bytes());
    add(format!("{} \"GET http://x/caf\u{e9}/\u{2713} HTTP/1.1\" \"-\"", t(format_ms(now_ms - 31 * minute + 500)))
        .as_bytes());
    add(&[t(plain(now_ms - 29 * minute)).as_bytes(), b" \"GET /\xff\xfe HTTP/1.1\""].concat());
    add(b"");
    add(format!("{} \"GET /{} HTTP/1.1\"", t(plain(now_ms - 28 * minute)), "a".repeat(1_200_000)).as_bytes());
    add(t(plain(now_ms - 20 * 24 * 60 * minute)).as_bytes());
    add(format!("{} new-field \"another one\"", t(plain(now_ms - 27 * minute))).as_bytes());
    add(b"garbage without a time\r");
    text.extend_from_slice(t(plain(now_ms - 26 * minute)).as_bytes());
    EdgeCases { text, lines: 9, delivered_with_reject: 7 }
}

/// One batch of `n` events `line 0`, `line 1`, ... stamped 0, 1, ... ms (`n` within 1 to 10,000, what one batch
/// holds): the smallest batch tests can reason about.
pub fn numbered_batch(n: usize) -> crate::batching::batch::Batch {
    let mut batcher = crate::batching::batch::Batcher::new();
    for i in 0..n.clamp(1, crate::batching::limits::MAX_BATCH_EVENTS) {
        let message = format!("line {i}");
        // Short, non-empty messages always make valid events, and 10,000 of them fit one batch.
        if let Ok(event) = crate::batching::event::Event::new(i as i64, &message) {
            let _ = batcher.push(event);
        }
    }
    batcher.finish().unwrap_or_else(|| unreachable!("at least one event was pushed"))
}
