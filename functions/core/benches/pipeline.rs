//! `make bench`: throughput of the core on a synthetic ALB log of about 200 MB, gzip -6.
//!
//! Prints MB/s of uncompressed data for raw inflate, the index pass, the whole span pipeline (inflate, lines,
//! timestamps, events, batches with their sizes as sent) in `raw` and in `json` mode, and span decoding, all in
//! one run so that the ratios compare like with like on a noisy machine, and the bytes CloudWatch Logs bills per
//! line in each mode (message bytes + 26 per event). Each figure is the best of three interleaved rounds.

use elbship_core::batching::event_builder::{EventBuilder, EventOptions, MessageMode};
use elbship_core::batching::pipeline::{batch_span, SpanOutput};
use elbship_core::batching::policy::{OldEventPolicy, TimeWindow};
use elbship_core::formats::kind::LogKind;
use elbship_core::spans::gzip::{build_index, encode_index, GzipSpanSource};
use elbship_core::spans::lines::for_each_owned_line;
use elbship_core::synth::alb_log;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;
use std::convert::Infallible;
use std::io::{Read, Write};
use std::time::Instant;

const START_MS: i64 = 1_764_000_000_000;
const INDEX_SPAN: u64 = 4 << 20;

fn mbps(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / 1e6 / secs
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed().as_secs_f64())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mb: usize = std::env::var("ELBSHIP_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let text = alb_log(42, START_MS, mb * 1_000_000);
    let mut enc = GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(&text)?;
    let gz = enc.finish()?;
    let n = text.len();
    let lines = text.iter().filter(|&&b| b == b'\n').count();
    println!(
        "elbship bench: {:.1} MB of ALB lines ({lines} lines), gzip -6 -> {:.1} MB",
        n as f64 / 1e6,
        gz.len() as f64 / 1e6
    );
    drop(text);

    let opts = EventOptions {
        kind: LogKind::AlbAccess,
        mode: MessageMode::Raw,
        policy: OldEventPolicy::Reject,
        window: TimeWindow { now_ms: START_MS + 3_600_000, retention_days: None },
        fallback_ms: START_MS,
    };
    let builder = EventBuilder::new(opts);
    let json_builder = EventBuilder::new(EventOptions { mode: MessageMode::Json, ..opts });
    let (mut raw, mut index, mut pipeline, mut spans, mut json) = (0f64, 0f64, 0f64, 0f64, 0f64);
    let (mut billed_raw, mut billed_json) = (0usize, 0usize);
    let (mut fill_sum, mut batches, mut span_count, mut index_bytes) = (0f64, 0usize, 0usize, 0usize);
    for _round in 0..3 {
        let mut sink = vec![0u8; 1 << 20];
        let (out, secs) = time(|| -> std::io::Result<usize> {
            let mut d = MultiGzDecoder::new(&gz[..]);
            let mut total = 0;
            loop {
                match d.read(&mut sink)? {
                    0 => return Ok(total),
                    k => total += k,
                }
            }
        });
        assert_eq!(out?, n);
        raw = raw.max(mbps(n, secs));

        let (built, secs) = time(|| build_index(&gz[..], INDEX_SPAN));
        let (plan, idx) = built?;
        assert_eq!(plan.lines as usize, lines);
        index = index.max(mbps(n, secs));
        span_count = plan.spans.len();
        index_bytes = encode_index(&idx)?.len();

        let (whole, _) = build_index(&gz[..], u64::MAX)?;
        let run_with = |builder: &EventBuilder| -> Result<(SpanOutput, f64, usize, usize), Box<dyn std::error::Error>> {
            let span = &whole.spans[0];
            let mut src = GzipSpanSource::new(&idx.points[0], &gz[..])?;
            let mut out = SpanOutput::default();
            let (mut fill, mut count, mut billed) = (0.0, 0, 0);
            batch_span(&mut src, 0, span.owned(), builder, &mut out, |b| {
                fill += b.fill();
                count += 1;
                billed += b.bytes();
                Ok::<(), Infallible>(())
            })?;
            Ok((out, fill, count, billed))
        };
        let (run, secs) = time(|| run_with(&builder));
        let (out, fill, count, billed) = run?;
        assert_eq!(out.ledger.lines_read as usize, lines);
        pipeline = pipeline.max(mbps(n, secs));
        (fill_sum, batches, billed_raw) = (fill, count, billed);

        let (run, secs) = time(|| run_with(&json_builder));
        let (out, _, _, billed) = run?;
        assert_eq!(out.ledger.lines_read as usize, lines);
        json = json.max(mbps(n, secs));
        billed_json = billed;

        let (decoded, secs) = time(|| -> Result<u64, Box<dyn std::error::Error>> {
            let mut total = 0;
            for (s, p) in plan.spans.iter().zip(&idx.points) {
                let mut src = GzipSpanSource::new(p, &gz[s.read_start as usize..s.read_end as usize])?;
                total += for_each_owned_line(&mut src, p.out_offset, s.owned(), |_| {})?.lines;
            }
            Ok(total)
        });
        assert_eq!(decoded? as usize, lines);
        spans = spans.max(mbps(n, secs));
    }
    println!("raw inflate (flate2 + zlib-rs)     {raw:7.0} MB/s");
    println!(
        "index pass, point every 4 MiB      {index:7.0} MB/s  {:5.1}% of raw inflate (target >= 80%)",
        100.0 * index / raw
    );
    println!(
        "whole pipeline, one span           {pipeline:7.0} MB/s  {:5.1}% of raw inflate (target >= 70%)",
        100.0 * pipeline / raw
    );
    println!(
        "whole pipeline, json mode          {json:7.0} MB/s  {:5.1}% of raw inflate (target >= 30%)",
        100.0 * json / raw
    );
    println!(
        "span decoding, {span_count:3} spans of 4 MiB  {spans:7.0} MB/s  {:5.1}% of raw inflate",
        100.0 * spans / raw
    );
    println!("batches: {batches}, mean fill {:.2}% of 1,048,576 bytes", 100.0 * fill_sum / batches.max(1) as f64);
    println!("stored index: {index_bytes} bytes for {span_count} access points");
    let per_line = |billed: usize| billed as f64 / lines.max(1) as f64;
    println!(
        "billed bytes per line (message + 26 per event): raw {:.0}, json {:.0} ({:.2}x raw)",
        per_line(billed_raw),
        per_line(billed_json),
        billed_json as f64 / billed_raw.max(1) as f64
    );
    Ok(())
}
