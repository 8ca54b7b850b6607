//! Synthetic ELB logs for tests, benchmarks and the demo: realistic ALB lines (about 400-500 bytes, varied
//! enough that gzip compresses them about 7:1 like real logs), NLB (TLS listener) and Classic access lines in the
//! user guide's layouts, deterministic for a given seed.
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

/// `ts_ms` with microseconds, as ALB and Classic lines have it.
fn micros(rng: &mut Rng, ts_ms: i64) -> String {
    format_ms(ts_ms).replace('Z', &format!("{:03}Z", rng.below(1000)))
}

/// A client's public IPv4 address.
fn ip(rng: &mut Rng) -> String {
    format!("{}.{}.{}.{}", 1 + rng.below(223), rng.below(256), rng.below(256), rng.below(256))
}

/// A client's address and port.
fn client(rng: &mut Rng) -> String {
    let ip = ip(rng);
    format!("{ip}:{}", 1024 + rng.below(60_000))
}

/// One ALB access log line (no newline) at `ts_ms`.
pub fn alb_line(rng: &mut Rng, ts_ms: i64) -> String {
    let time = micros(rng, ts_ms);
    let client = client(rng);
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

/// One NLB access log line (a TLS listener's connection, no newline) ending at `ts_ms`, its 22 fields as the user
/// guide's example has them.
pub fn nlb_line(rng: &mut Rng, ts_ms: i64) -> String {
    let time = &format_ms(ts_ms / 1000 * 1000)[..19];
    let client = client(rng);
    let destination = format!("172.100.{}.{}:443", rng.below(4), rng.below(256));
    let alpn = ["h2 h2 \"h2\",\"http/1.1\"", "- - -", "http/1.1 http/1.1 \"http/1.1\""][rng.below(3) as usize];
    format!(
        "tls 2.0 {time} net/my-network-loadbalancer/c6e77e28c25b2234 g3d4b5e8bb8464cd {client} {destination} {} {} {} {} - \
         arn:aws:acm:us-east-2:671290407336:certificate/2a108f19-aded-46b0-8493-c63eb1ef4a99 - ECDHE-RSA-AES128-SHA \
         tlsv12 - my-network-loadbalancer-c6e77e28c25b2234.elb.us-east-2.amazonaws.com {alpn} {time}",
        1 + rng.below(5_000),
        rng.below(100),
        rng.below(20_000),
        rng.below(200_000),
    )
}

/// One Classic access log line (no newline) at `ts_ms`, as the user guide's HTTPS example has it.
pub fn clb_line(rng: &mut Rng, ts_ms: i64) -> String {
    let time = micros(rng, ts_ms);
    let client = client(rng);
    let status = [200, 200, 200, 301, 404, 503][rng.below(6) as usize];
    let path = PATHS[rng.below(PATHS.len() as u64) as usize];
    let agent = AGENTS[rng.below(AGENTS.len() as u64) as usize];
    format!(
        "{time} my-loadbalancer {client} 10.0.{}.{}:80 0.{:06} 0.{:06} 0.{:06} {status} {status} 0 {} \
         \"GET https://www.example.com:443{path} HTTP/1.1\" \"{agent}\" DHE-RSA-AES128-SHA TLSv1.2",
        rng.below(4),
        rng.below(256),
        rng.below(1_000),
        rng.below(100_000),
        rng.below(1_000),
        200 + rng.below(20_000),
    )
}

/// One ALB connection log line (no newline) at `ts_ms`, its 12 fields as the user guide documents them.
pub fn alb_connection_line(rng: &mut Rng, ts_ms: i64) -> String {
    let time = micros(rng, ts_ms);
    let client = ip(rng);
    let verify = ["Success", "Success", "Failed:UnableToGetIssuerCert", "-"][rng.below(4) as usize];
    format!(
        "{time} {client} {} 443 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 {}.{:03} \"CN=client.example.com,O=Example\" \
         NotBefore=2025-09-21T22:43:21Z;NotAfter=2027-09-21T22:43:21Z FEF257D7E9D3CB9A {verify} TID_{:016x}",
        1024 + rng.below(60_000),
        rng.below(5),
        rng.below(1000),
        rng.next_u64(),
    )
}

/// One ALB health check log line (no newline) at `ts_ms`, the 10 fields AWS writes today, with the reason codes
/// the user guide documents.
pub fn alb_health_check_line(rng: &mut Rng, ts_ms: i64) -> String {
    let time = micros(rng, ts_ms);
    let (status, code, reason) =
        [("PASS", "200", "-"), ("PASS", "200", "-"), ("FAIL", "502", "TargetError"), ("FAIL", "-", "TimedOut")]
            [rng.below(4) as usize];
    format!(
        "http {time} {}.{:09} 172.31.{}.{}:80 HCLogsTestIPs {status} {code} {reason} \
         app/my-loadbalancer/50dc6c495c0c9188 10.0.0.{}",
        rng.below(2),
        rng.below(1_000_000_000),
        rng.below(32),
        rng.below(256),
        1 + rng.below(254),
    )
}

/// The kinds of line this module writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// ALB access log lines ([`alb_line`]).
    Alb,
    /// NLB access log lines ([`nlb_line`]).
    Nlb,
    /// Classic access log lines ([`clb_line`]).
    Classic,
    /// ALB connection log lines ([`alb_connection_line`]).
    AlbConnection,
    /// ALB health check log lines ([`alb_health_check_line`]).
    AlbHealthCheck,
}

impl Lines {
    /// One line of this kind at `ts_ms`.
    pub fn line(self, rng: &mut Rng, ts_ms: i64) -> String {
        match self {
            Lines::Alb => alb_line(rng, ts_ms),
            Lines::Nlb => nlb_line(rng, ts_ms),
            Lines::Classic => clb_line(rng, ts_ms),
            Lines::AlbConnection => alb_connection_line(rng, ts_ms),
            Lines::AlbHealthCheck => alb_health_check_line(rng, ts_ms),
        }
    }

    /// At least `min_bytes` of lines of this kind, newline-terminated, starting at `start_ms`, a few ms apart.
    pub fn log(self, seed: u64, start_ms: i64, min_bytes: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(min_bytes + 1024);
        // Writing to a Vec cannot fail.
        let _ = self.write(&mut out, seed, start_ms, min_bytes as u64);
        out
    }

    /// Streams at least `min_bytes` of lines of this kind to `w`, as [`Lines::log`] makes them; returns the lines
    /// written.
    pub fn write<W: std::io::Write>(self, mut w: W, seed: u64, start_ms: i64, min_bytes: u64) -> std::io::Result<u64> {
        let mut rng = Rng::new(seed);
        let (mut written, mut lines, mut ts) = (0u64, 0u64, start_ms);
        while written < min_bytes {
            let mut line = self.line(&mut rng, ts);
            line.push('\n');
            w.write_all(line.as_bytes())?;
            written += line.len() as u64;
            lines += 1;
            ts += rng.below(5) as i64;
        }
        Ok(lines)
    }
}

/// At least `min_bytes` of ALB lines, newline-terminated, starting at `start_ms`, a few ms apart.
pub fn alb_log(seed: u64, start_ms: i64, min_bytes: usize) -> Vec<u8> {
    Lines::Alb.log(seed, start_ms, min_bytes)
}

/// Streams at least `min_bytes` of ALB lines to `w`, as [`alb_log`] makes them; returns the lines written.
pub fn write_alb_log<W: std::io::Write>(w: W, seed: u64, start_ms: i64, min_bytes: u64) -> std::io::Result<u64> {
    Lines::Alb.write(w, seed, start_ms, min_bytes)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::fields::Fields;
    use crate::formats::kind::LogKind;
    use crate::formats::record::event_time_ms;

    #[test]
    fn every_line_has_its_kinds_fields_and_time() {
        for (lines, kind) in
            [(Lines::Alb, LogKind::AlbAccess), (Lines::Nlb, LogKind::NlbAccess), (Lines::Classic, LogKind::ClbAccess)]
        {
            let start = 1_795_741_323_123;
            let text = String::from_utf8(lines.log(7, start, 20_000)).unwrap_or_default();
            let mut previous = start - 1000;
            for line in text.lines() {
                // The synthetic ALB access lines end before the fields AWS added last (as an archive's older objects
                // do); health check lines carry the two fields AWS added after the ones the table names.
                let fields = Fields::new(line).count();
                match kind {
                    LogKind::AlbAccess => assert!(fields >= 29, "{kind}: {line}"),
                    LogKind::AlbHealthCheck => assert_eq!(fields, 10, "{kind}: {line}"),
                    _ => assert_eq!(fields, kind.spec().fields.len(), "{kind}: {line}"),
                }
                let time = event_time_ms(kind, line).unwrap_or_else(|| panic!("{kind}: no time in {line}"));
                assert!(time >= previous && time >= start / 1000 * 1000, "{kind}: {line}");
                previous = time;
            }
            assert_eq!(lines.log(7, start, 20_000), lines.log(7, start, 20_000), "{kind}: the same seed, the same log");
        }
    }
}
