//! `elbship inspect FILE...`: the whole core pipeline on local files, nothing sent.
//!
//! Each file is planned exactly as the plan function would (one pass, spans, gzip index), then every span is
//! decoded from its own byte range, as a ship worker would, and batched. With `--events`, standard output
//! holds only the events, one JSON object per line in send order, and the report goes to standard error.

mod report;

use anyhow::{bail, Context, Result};
use clap::Args;
use elbship_core::accounting::ledger::Ledger;
use elbship_core::batching::event_builder::{EventBuilder, EventOptions, MessageMode};
use elbship_core::batching::pipeline::{batch_span, SpanOutput, TimeRange};
use elbship_core::batching::policy::{OldEventPolicy, TimeWindow};
use elbship_core::formats::key::parse_file_name;
use elbship_core::formats::kind::{Compression, LogKind};
use elbship_core::formats::size::parse_size;
use elbship_core::formats::timestamp::parse_cli_time;
use elbship_core::spans::{plan_object, span_source, SpanError};
use report::{BatchStats, FileReport};
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Options of `elbship inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Log files; `-` reads standard input (then --kind is needed).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The log kind, when the file name does not tell: alb_access, alb_connection, alb_health_check, nlb_access,
    /// clb_access.
    #[arg(long)]
    kind: Option<LogKind>,
    /// Uncompressed bytes per span (KiB, MiB, GiB suffixes).
    #[arg(long, default_value = "64MiB", value_parser = parse_size)]
    span_size: u64,
    /// The reference time for the 14-day / 2-hour window, ISO 8601 (default: now).
    #[arg(long, value_parser = parse_now)]
    now: Option<i64>,
    /// The target log group's retention in days, when it has one.
    #[arg(long)]
    retention_days: Option<u32>,
    /// Message mode.
    #[arg(long, default_value = "raw")]
    mode: MessageMode,
    /// What to do with events CloudWatch Logs would reject for their time.
    #[arg(long, default_value = "reject")]
    policy: OldEventPolicy,
    /// Machine-readable output: one JSON report per file, one per line.
    #[arg(long)]
    json: bool,
    /// Print every event, `{"timestamp": <ms>, "message": "<text>"}` per line, in send order, on standard output.
    #[arg(long)]
    events: bool,
}

fn parse_now(s: &str) -> Result<i64, String> {
    parse_cli_time(s).ok_or_else(|| format!("{s:?} is not a time such as 2026-11-25T12:00:00Z"))
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Runs the command; `Ok(false)` when any file failed or did not balance.
pub fn run(args: &InspectArgs) -> Result<bool> {
    let now = args.now.unwrap_or_else(now_ms);
    let stdout = io::stdout();
    let mut events_out = BufWriter::new(stdout.lock());
    let mut all_ok = true;
    for path in &args.files {
        let report = inspect_file(args, now, path, &mut events_out);
        events_out.flush()?;
        all_ok &= report.error.is_none() && report.balanced;
        let text = if args.json { serde_json::to_string(&report)? } else { report.to_text() };
        if args.events {
            eprintln!("{text}");
        } else {
            writeln!(events_out, "{text}")?;
        }
    }
    events_out.flush()?;
    Ok(all_ok)
}

/// A local copy of standard input, so spans can seek like ranged GETs.
fn spool_stdin() -> Result<tempfile::NamedTempFile> {
    let mut tmp = tempfile::NamedTempFile::new().context("creating a temporary file for standard input")?;
    io::copy(&mut io::stdin().lock(), &mut tmp).context("reading standard input")?;
    Ok(tmp)
}

fn inspect_file(args: &InspectArgs, now: i64, path: &Path, events_out: &mut dyn Write) -> FileReport {
    let mut report = FileReport::new(path, args.span_size);
    if let Err(e) = fill_report(args, now, path, events_out, &mut report) {
        let name = e.downcast_ref::<SpanError>().map_or("InspectFailed", SpanError::name);
        report.fail(name, format!("{e:#}"));
    }
    report
}

fn fill_report(
    args: &InspectArgs,
    now: i64,
    path: &Path,
    events_out: &mut dyn Write,
    report: &mut FileReport,
) -> Result<()> {
    let stdin = path.as_os_str() == "-";
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    if name == "ELBAccessLogTestFile" {
        report.skip("the ELB test file that enabling access logging writes: not a log");
        return Ok(());
    }
    let from_name = parse_file_name(&name);
    let kind = match (args.kind, &from_name) {
        (Some(k), _) => k,
        (None, Ok(f)) => f.kind,
        (None, Err(_)) if stdin => bail!("standard input needs --kind"),
        // As the pipeline does: not a log, skipped with the reason (--kind forces a kind).
        (None, Err(reason)) => {
            report.skip(&format!("not an ELB log: {reason} (--kind K inspects it as kind K)"));
            return Ok(());
        }
    };
    let from_name = from_name.ok();
    report.kind = Some(kind);
    // A local file may have been decompressed: its name says how it is stored; S3 keys always agree with the kind.
    let compression = Compression::from_file_name(&name).unwrap_or(kind.compression());
    let spooled = if stdin { Some(spool_stdin()?) } else { None };
    let file_path = spooled.as_ref().map_or(path, |t| t.path());
    let open = || File::open(file_path).with_context(|| format!("opening {}", path.display()));

    let (plan, index) = plan_object(compression, open()?, args.span_size)?;
    plan.check_cover()?;
    report.set_plan(&plan);

    let opts = EventOptions {
        kind,
        mode: args.mode,
        policy: args.policy,
        window: TimeWindow { now_ms: now, retention_days: args.retention_days },
        fallback_ms: from_name.map_or(now, |f| f.end_time_ms),
    };
    let builder = EventBuilder::new(opts);
    let mut ledger = Ledger::default();
    let mut times = TimeRange::default();
    let mut stats = BatchStats::default();
    for span in &plan.spans {
        let mut file = open()?;
        file.seek(SeekFrom::Start(span.read_start))?;
        let reader = file.take(span.read_end - span.read_start);
        let point = index.as_ref().and_then(|i| i.points.get(span.index as usize));
        let (mut source, start) = span_source(compression, span, point, reader)?;
        let mut out = SpanOutput::default();
        let mut fills = Vec::new();
        let mut delivered = Ledger::default();
        batch_span(&mut *source, start, span.owned(), &builder, &mut out, |batch| -> io::Result<()> {
            fills.push((batch.fill(), batch.len()));
            delivered.record_delivered(&batch);
            if args.events {
                for e in batch.events() {
                    serde_json::to_writer(&mut *events_out, &e)?;
                    events_out.write_all(b"\n")?;
                }
            }
            Ok(())
        })
        .map_err(|e| anyhow::anyhow!("span {}: {e}", span.index))?;
        stats.add_span(&fills);
        out.ledger.merge(&delivered);
        if out.ledger.lines_read != span.lines {
            bail!("span {} read {} lines, the plan says {}", span.index, out.ledger.lines_read, span.lines);
        }
        ledger.merge(&out.ledger);
        times.merge(&out.times);
    }
    report.finish(ledger, times, stats);
    Ok(())
}
