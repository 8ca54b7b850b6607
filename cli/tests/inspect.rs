//! `elbship inspect` end to end on generated files: every documented sample line and every edge case.

use flate2::write::GzEncoder;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const NOW: &str = "2022-02-16T00:00:00Z";
const NOW_MS: i64 = 1_644_969_600_000;
/// The end time in the ALB file name below: 2022-02-15T23:40Z.
const KEY_END_MS: i64 = 1_644_968_400_000;
const ALB_NAME: &str =
    "123456789012_elasticloadbalancing_us-east-2_app.my-lb.1234567890abcdef_20220215T2340Z_10.0.0.1_abc123.log.gz";
const CLB_NAME: &str = "123456789012_elasticloadbalancing_us-west-2_my-lb_20220215T2340Z_10.0.0.1_abc123.log";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../functions/core/fixtures")
}

fn elbship(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_elbship"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    if let Some(mut input) = child.stdin.take() {
        // The command may refuse before reading its input: a broken pipe is its answer, not a test failure.
        let _ = input.write_all(stdin.unwrap_or_default());
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("wait: {e}"))
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap_or_default();
    e.finish().unwrap_or_default()
}

fn write(dir: &Path, name: &str, data: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, data).unwrap_or_else(|e| panic!("write: {e}"));
    path.display().to_string()
}

fn json_lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

#[test]
fn every_documented_sample_is_delivered_as_written() {
    for kind in elbship_core::formats::kind::LogKind::ALL.map(|k| k.name()) {
        let path = fixtures().join(format!("{kind}.log"));
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let out = elbship(
            &["inspect", "--kind", kind, "--policy", "restamp", "--events", "--now", NOW, &path.display().to_string()],
            None,
        );
        assert!(out.status.success(), "{kind}: {}", String::from_utf8_lossy(&out.stderr));
        let events = json_lines(&out.stdout);
        let mut messages: Vec<&str> = events.iter().filter_map(|e| e["message"].as_str()).collect();
        let mut lines: Vec<&str> = text.lines().collect();
        messages.sort_unstable();
        lines.sort_unstable();
        assert_eq!(messages, lines, "{kind}");
        let report = String::from_utf8_lossy(&out.stderr);
        assert!(report.contains("balanced"), "{report}");
    }
}

fn edge_case_log() -> (Vec<u8>, usize) {
    let e = elbship_core::synth::edge_case_log(NOW_MS);
    (e.text, e.lines as usize)
}

#[test]
fn edge_cases_are_delivered_or_counted() {
    let dir = tempdir();
    let (text, lines) = edge_case_log();
    let file = write(dir.path(), ALB_NAME, &gzip(&text));
    let out = elbship(&["inspect", "--json", "--now", NOW, &file], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let report = &json_lines(&out.stdout)[0];
    assert_eq!(report["kind"], "alb_access");
    assert_eq!(report["lines"], lines);
    let l = &report["ledger"];
    assert_eq!(l["lines_read"], lines);
    assert_eq!(l["lines_delivered"], 7);
    assert_eq!(l["events_delivered"], 8, "the 1.2 MB line is two events");
    assert_eq!(l["rejected"]["blank"], 1);
    assert_eq!(l["rejected"]["too_old"], 1);
    assert_eq!(l["adjusted"]["invalid_utf8"], 1);
    assert_eq!(l["adjusted"]["split_oversize"], 1);
    assert_eq!(l["adjusted"]["timestamp_fallback"], 1);
    assert_eq!(report["balanced"], true);

    let out = elbship(&["inspect", "--events", "--now", NOW, &file], None);
    let events = json_lines(&out.stdout);
    let stamps: Vec<i64> = events.iter().filter_map(|e| e["timestamp"].as_i64()).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "sorted within the batch: {stamps:?}");
    let msg = |i: usize| events[i]["message"].as_str().unwrap_or_default().to_string();
    assert!(msg(0).contains("caf\u{e9}/\u{2713}"), "the earliest line first");
    assert!(msg(1).contains(r#""agent \"quoted\"""#));
    assert!(msg(2).contains("GET /\\xFF\\xFE HTTP/1.1"));
    assert!(msg(3).ends_with(" [elbship part 1/2]") && msg(4).ends_with(" [elbship part 2/2]"));
    assert!(msg(5).ends_with("new-field \"another one\""));
    assert!(msg(6).contains("2022-02-15T23:34:00Z"));
    assert_eq!(msg(7), "garbage without a time");
    assert_eq!(events[7]["timestamp"], KEY_END_MS, "stamped with the file's end time");
    assert!(events.iter().all(|e| e["message"].as_str().is_some_and(|m| m.len() <= 1_048_550)));
}

#[test]
fn restamp_keeps_old_lines() {
    let dir = tempdir();
    let (text, _) = edge_case_log();
    let file = write(dir.path(), ALB_NAME, &gzip(&text));
    let out = elbship(&["inspect", "--events", "--policy", "restamp", "--now", NOW, &file], None);
    let events = json_lines(&out.stdout);
    let old: Vec<&Value> =
        events.iter().filter(|e| e["message"].as_str().is_some_and(|m| m.contains("2022-01-27"))).collect();
    assert_eq!(old.len(), 1);
    assert_eq!(old[0]["timestamp"], NOW_MS);
}

#[test]
fn json_mode_events_are_structured() {
    let path = fixtures().join("clb_access.log");
    let out = elbship(
        &[
            "inspect",
            "--kind",
            "clb_access",
            "--mode",
            "json",
            "--events",
            "--now",
            "2015-05-14T00:00:00Z",
            &path.display().to_string(),
        ],
        None,
    );
    let events = json_lines(&out.stdout);
    assert_eq!(events.len(), 4);
    let first: Value = serde_json::from_str(events[0]["message"].as_str().unwrap_or_default()).unwrap_or_default();
    assert_eq!(first["client_port"], "192.168.131.39:2817");
    assert_eq!(first["backend_port"], "10.0.0.1:80");
    assert!(first.get("request_line").is_some() && first.get("request").is_none());
}

#[test]
fn many_spans_give_the_same_events_as_one() {
    let dir = tempdir();
    let text = elbship_core::synth::alb_log(3, NOW_MS - 3_600_000, 3_000_000);
    let mut gz = gzip(&text[..1_000_000]);
    gz.extend(gzip(&text[1_000_000..]));
    let file = write(dir.path(), ALB_NAME, &gz);
    let run = |span: &str| {
        let out = elbship(&["inspect", "--events", "--span-size", span, "--now", NOW, &file], None);
        assert!(out.status.success());
        let mut events: Vec<(i64, String)> = json_lines(&out.stdout)
            .iter()
            .map(|e| {
                (e["timestamp"].as_i64().unwrap_or_default(), e["message"].as_str().unwrap_or_default().to_string())
            })
            .collect();
        events.sort();
        (events, String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (one, _) = run("1GiB");
    let (many, report) = run("128KiB");
    assert!(report.contains("spans       2"), "{report}");
    assert_eq!(one.len(), text.split(|&b| b == b'\n').count() - 1);
    assert_eq!(one, many);
}

#[test]
fn corrupt_files_fail_by_name_and_the_rest_are_inspected() {
    let dir = tempdir();
    let gz = gzip(&elbship_core::synth::alb_log(4, NOW_MS, 200_000));
    let truncated = write(dir.path(), ALB_NAME, &gz[..gz.len() / 2]);
    let not_gzip_dir = dir.path().join("b");
    std::fs::create_dir_all(&not_gzip_dir).unwrap_or_default();
    let not_gzip = write(&not_gzip_dir, ALB_NAME, b"plain text under a .gz name\n");
    let good = write(
        dir.path(),
        CLB_NAME,
        b"2022-02-15T23:39:43.945958Z my-lb 1.2.3.4:5 - 1 1 1 200 200 0 0 \"GET / HTTP/1.1\" \"-\" - -\n",
    );
    let out = elbship(&["inspect", "--json", "--now", NOW, &truncated, &not_gzip, &good], None);
    assert_eq!(out.status.code(), Some(1));
    let reports = json_lines(&out.stdout);
    assert_eq!(reports[0]["error"]["name"], "GzipTruncated");
    assert_eq!(reports[1]["error"]["name"], "NotGzip");
    assert!(reports[0]["ledger"].is_null(), "a corrupt file claims nothing");
    assert_eq!(reports[2]["error"], Value::Null);
    assert_eq!(reports[2]["ledger"]["lines_delivered"], 1);
}

#[test]
fn empty_object_and_test_file() {
    let dir = tempdir();
    let empty = write(dir.path(), ALB_NAME, b"");
    let test_file =
        write(dir.path(), "ELBAccessLogTestFile", b"Enable AccessLog for ELB: my-lb at 2022-02-15T23:39:43.945Z");
    let out = elbship(&["inspect", "--json", "--now", NOW, &empty, &test_file], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let reports = json_lines(&out.stdout);
    assert_eq!((reports[0]["lines"].as_u64(), reports[0]["balanced"].as_bool()), (Some(0), Some(true)));
    assert!(reports[1]["skipped"].as_str().is_some_and(|s| s.contains("test file")));
}

#[test]
fn a_file_that_is_not_an_elb_log_is_skipped_with_its_reason_unless_a_kind_is_forced() {
    let dir = tempdir();
    let line = b"2022-02-15T23:39:43.945958Z my-lb 1.2.3.4:5 - 1 1 1 200 200 0 0 \"GET / HTTP/1.1\" \"-\" - -\n";
    let other = write(dir.path(), "my-export.log", line);
    let out = elbship(&["inspect", "--json", "--now", NOW, &other], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let report = &json_lines(&out.stdout)[0];
    assert!(report["skipped"].as_str().is_some_and(|s| s.contains("not an ELB log")), "{report}");
    assert!(report["ledger"].is_null());
    let out = elbship(&["inspect", "--json", "--kind", "clb_access", "--now", NOW, &other], None);
    assert!(out.status.success());
    assert_eq!(json_lines(&out.stdout)[0]["ledger"]["lines_delivered"], 1);
}

#[test]
fn standard_input_needs_a_kind() {
    let line = b"2022-02-15T23:39:43.945958Z my-lb 1.2.3.4:5 - 1 1 1 200 200 0 0 \"GET / HTTP/1.1\" \"-\" - -\n";
    let out = elbship(&["inspect", "--json", "--now", NOW, "-"], Some(line));
    assert_eq!(out.status.code(), Some(1));
    let out = elbship(&["inspect", "--kind", "clb_access", "--events", "--now", NOW, "-"], Some(line));
    assert!(out.status.success());
    assert_eq!(json_lines(&out.stdout).len(), 1);
}

#[test]
fn bad_options_are_refused() {
    let out = elbship(&["inspect", "--mode", "xml", "x.log"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected raw or json"));
}
