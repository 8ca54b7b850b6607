//! Spans against the whole object: every line exactly once, in order, for any cut.

use super::gzip::{build_index, decode_index, encode_index, GzipSpanSource};
use super::lines::{for_each_owned_line, ReadSource};
use super::plain::plan_plain;
use super::*;
use crate::synth::alb_log;
use flate2::write::GzEncoder;
use proptest::prelude::*;
use std::io::Write;

fn gzip_level(data: &[u8], level: u32) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::new(level));
    e.write_all(data).unwrap_or_default();
    e.finish().unwrap_or_default()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    gzip_level(data, 6)
}

/// Lines as the splitter defines them: split on `\n`, a last line without `\n` counts.
fn expected_lines(data: &[u8]) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = data.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    if data.is_empty() || data.ends_with(b"\n") {
        v.pop();
    }
    v
}

fn plain_lines(data: &[u8], span_bytes: u64) -> Result<(SpanPlan, Vec<Vec<u8>>), SpanError> {
    let plan = plan_plain(data, span_bytes)?;
    let mut lines = Vec::new();
    for s in &plan.spans {
        let bytes = &data[s.read_start as usize..s.read_end as usize];
        let stats =
            for_each_owned_line(&mut ReadSource::new(bytes), s.read_start, s.owned(), |l| lines.push(l.to_vec()))?;
        assert_eq!(stats.lines, s.lines);
    }
    Ok((plan, lines))
}

fn gzip_lines(gz: &[u8], span_bytes: u64) -> Result<(SpanPlan, Vec<Vec<u8>>), SpanError> {
    let (plan, index) = build_index(gz, span_bytes)?;
    // Workers get the index through its stored form.
    let index = decode_index(&encode_index(&index)?)?;
    assert_eq!(index.points.len(), plan.spans.len());
    let mut lines = Vec::new();
    for (s, p) in plan.spans.iter().zip(&index.points) {
        assert_eq!(p.read_start(), s.read_start);
        let bytes = &gz[s.read_start as usize..s.read_end as usize];
        let mut src = GzipSpanSource::new(p, bytes)?;
        let stats = for_each_owned_line(&mut src, p.out_offset, s.owned(), |l| lines.push(l.to_vec()))?;
        assert_eq!(stats.lines, s.lines, "span {}", s.index);
    }
    Ok((plan, lines))
}

fn check(data: &[u8], plan: &SpanPlan, lines: &[Vec<u8>]) {
    assert_eq!(plan.check_cover(), Ok(()));
    assert_eq!(plan.uncompressed_bytes, data.len() as u64);
    assert_eq!(plan.lines, lines.len() as u64);
    assert_eq!(lines, expected_lines(data).as_slice());
}

#[test]
fn plain_edge_cases() -> Result<(), SpanError> {
    for data in [&b""[..], b"\n", b"\n\n\n", b"a", b"a\nb", b"a\nb\n", b"long line here\nx\n\nlast"] {
        for span in [1, 2, 3, 7, 1000] {
            let (plan, lines) = plain_lines(data, span)?;
            check(data, &plan, &lines);
            assert!(plan.spans.iter().all(|s| s.lines > 0) || plan.spans.len() == 1);
        }
    }
    Ok(())
}

#[test]
fn empty_object_is_one_empty_span() -> Result<(), SpanError> {
    let (plan, _) = gzip_lines(b"", 10)?;
    assert_eq!((plan.spans.len(), plan.lines, plan.object_bytes), (1, 0, 0));
    let (plan, _) = plain_lines(b"", 10)?;
    assert_eq!((plan.spans.len(), plan.lines), (1, 0));
    Ok(())
}

#[test]
fn gzip_in_many_spans() -> Result<(), SpanError> {
    let data = alb_log(7, 1_700_000_000_000, 3_000_000);
    let gz = gzip(&data);
    let (plan, lines) = gzip_lines(&gz, 256 * 1024)?;
    check(&data, &plan, &lines);
    assert!(plan.spans.len() >= 8, "{} spans", plan.spans.len());
    assert!(plan.spans.iter().any(|s| s.read_start > 0 && s.read_end < gz.len() as u64));
    let (_, index) = build_index(&gz[..], 256 * 1024)?;
    assert!(index.points[1..].iter().all(|p| !p.member_start && p.window.len() == super::gzip::WINDOW_BYTES));
    assert!(index.points.iter().any(|p| p.bits > 0), "some point starts mid-byte");
    Ok(())
}

#[test]
fn multi_member_gzip() -> Result<(), SpanError> {
    let a = alb_log(1, 1_700_000_000_000, 400_000);
    let b = b"partial line crossing members ".to_vec();
    let c = alb_log(2, 1_700_000_000_000, 300_000);
    let mut gz = gzip(&a);
    gz.extend(gzip(&b));
    gz.extend(gzip(b""));
    gz.extend(gzip(&c));
    let data = [a, b, c].concat();
    for span in [1, 4096, 100_000, 1 << 30] {
        let (plan, lines) = gzip_lines(&gz, span)?;
        check(&data, &plan, &lines);
    }
    // A point due at a member boundary starts that member with its header.
    let (_, index) = build_index(&gz[..], 1)?;
    assert!(index.points[1..].iter().any(|p| p.member_start));
    Ok(())
}

#[test]
fn a_line_longer_than_a_span() -> Result<(), SpanError> {
    let mut data = alb_log(3, 0, 100_000);
    data.extend(vec![b'x'; 1_200_000]);
    data.push(b'\n');
    data.extend(alb_log(4, 0, 100_000));
    data.extend(b"no final newline");
    let (plan, lines) = gzip_lines(&gzip(&data), 64 * 1024)?;
    check(&data, &plan, &lines);
    let (plan, lines) = plain_lines(&data, 64 * 1024)?;
    check(&data, &plan, &lines);
    Ok(())
}

#[test]
fn stored_blocks_and_best_compression() -> Result<(), SpanError> {
    let data = alb_log(5, 0, 500_000);
    for level in [0, 1, 9] {
        let (plan, lines) = gzip_lines(&gzip_level(&data, level), 50_000)?;
        check(&data, &plan, &lines);
    }
    Ok(())
}

#[test]
fn not_gzip_truncated_corrupt_trailing() {
    let gz = gzip(&alb_log(6, 0, 200_000));
    let name = |r: Result<(SpanPlan, _), SpanError>| r.err().map(|e| e.name());
    assert_eq!(name(build_index(&b"plain text, not gzip\n"[..], 1000)), Some("NotGzip"));
    assert_eq!(name(build_index(&b"\x1f"[..], 1000)), Some("NotGzip"));
    assert_eq!(name(build_index(&gz[..gz.len() / 2], 1000)), Some("GzipTruncated"));
    assert_eq!(name(build_index(&gz[..gz.len() - 4], 1000)), Some("GzipTruncated"));
    let mut bad = gz.clone();
    let n = bad.len();
    bad[n / 2] ^= 0x55;
    assert!(matches!(name(build_index(&bad[..], 1000)), Some("GzipCorrupt")));
    let mut crc = gz.clone();
    crc[n - 8] ^= 1;
    assert_eq!(name(build_index(&crc[..], 1000)), Some("GzipCorrupt"));
    let mut trailing = gz.clone();
    trailing.extend(b"junk");
    assert_eq!(name(build_index(&trailing[..], 1000)), Some("GzipTrailingData"));
}

#[test]
fn a_span_cut_short_is_an_error() -> Result<(), SpanError> {
    let data = alb_log(8, 0, 300_000);
    let gz = gzip(&data);
    let (plan, index) = build_index(&gz[..], 100_000)?;
    let (s, p) = (&plan.spans[0], &index.points[0]);
    let short = &gz[..(s.read_end as usize) / 2];
    let mut src = GzipSpanSource::new(p, short)?;
    let err = for_each_owned_line(&mut src, 0, s.owned(), |_| {}).err();
    assert_eq!(err.map(|e| e.name()), Some("SpanShort"));
    Ok(())
}

#[test]
fn corrupt_index_is_named() {
    assert_eq!(decode_index(b"nonsense").err().map(|e| e.name()), Some("IndexCorrupt"));
    assert_eq!(decode_index(b"ELBSHIPX\x01\xff\xff").err().map(|e| e.name()), Some("IndexCorrupt"));
}

fn arb_text() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        6 => "[a-z0-9 \"]{0,120}",
        1 => Just(String::new()),
        1 => "[a-z]{2000,9000}",
    ];
    (proptest::collection::vec(line, 0..300), any::<bool>()).prop_map(|(lines, final_newline)| {
        let mut t = lines.join("\n").into_bytes();
        if final_newline && !t.is_empty() {
            t.push(b'\n');
        }
        t
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn plain_spans_deliver_every_line_once(data in arb_text(), span in 1u64..5000) {
        let (plan, lines) = plain_lines(&data, span).map_err(|e| TestCaseError::fail(e.to_string()))?;
        check(&data, &plan, &lines);
    }

    #[test]
    fn gzip_spans_deliver_every_line_once(
        parts in proptest::collection::vec((arb_text(), 0u32..10), 1..4),
        span in prop_oneof![1u64..64, 64u64..20_000, Just(1u64 << 40)],
    ) {
        let mut gz = Vec::new();
        let mut data = Vec::new();
        for (text, level) in &parts {
            gz.extend(gzip_level(text, *level));
            data.extend_from_slice(text);
        }
        let (plan, lines) = gzip_lines(&gz, span).map_err(|e| TestCaseError::fail(e.to_string()))?;
        check(&data, &plan, &lines);
    }
}

#[test]
fn compression_levels_and_access_points() -> Result<(), SpanError> {
    let data = alb_log(11, 0, 4_000_000);
    for level in 2..=9 {
        let (plan, _) = build_index(&gzip_level(&data, level)[..], 256 * 1024)?;
        assert!(plan.spans.len() >= 4, "level {level}: {} spans", plan.spans.len());
    }
    // zlib-ng/zlib-rs level 1 ("quick") writes one long deflate block: no boundary to cut at, so fewer
    // spans than asked, and still every line once.
    let gz = gzip_level(&data, 1);
    let (plan, lines) = gzip_lines(&gz, 256 * 1024)?;
    check(&data, &plan, &lines);
    Ok(())
}
