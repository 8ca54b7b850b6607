//! What `elbship inspect` says about one file, as text or JSON.

use elbship_core::accounting::ledger::Ledger;
use elbship_core::batching::pipeline::TimeRange;
use elbship_core::formats::kind::LogKind;
use elbship_core::formats::timestamp::format_ms;
use elbship_core::spans::SpanPlan;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// How full the batches are.
#[derive(Debug, Default, Serialize)]
pub struct BatchStats {
    /// Batches (PutLogEvents calls).
    pub count: u64,
    /// Events in them.
    pub events: u64,
    /// Mean fill of all batches against the 1,048,576-byte limit.
    pub mean_fill: f64,
    /// Mean fill of the batches a limit closed (all but each span's last).
    pub mean_fill_closed: Option<f64>,
    /// Lowest fill among the batches a limit closed.
    pub min_fill_closed: Option<f64>,
    #[serde(skip)]
    fill_sum: f64,
    #[serde(skip)]
    closed: u64,
    #[serde(skip)]
    closed_sum: f64,
}

impl BatchStats {
    /// Adds one span's batches: (fill, events) in send order.
    pub fn add_span(&mut self, batches: &[(f64, usize)]) {
        for (i, &(fill, events)) in batches.iter().enumerate() {
            self.count += 1;
            self.events += events as u64;
            self.fill_sum += fill;
            if i + 1 < batches.len() {
                self.closed += 1;
                self.closed_sum += fill;
                self.min_fill_closed = Some(self.min_fill_closed.map_or(fill, |m| m.min(fill)));
            }
        }
        self.mean_fill = if self.count > 0 { self.fill_sum / self.count as f64 } else { 0.0 };
        self.mean_fill_closed = (self.closed > 0).then(|| self.closed_sum / self.closed as f64);
    }
}

/// One span, as reported.
#[derive(Debug, Serialize)]
pub struct SpanSummary {
    index: u32,
    read_start: u64,
    read_end: u64,
    lines: u64,
}

/// A failure, by its stable name.
#[derive(Debug, Serialize)]
pub struct Failure {
    name: String,
    message: String,
}

/// The report on one file.
#[derive(Debug, Serialize)]
pub struct FileReport {
    file: String,
    pub kind: Option<LogKind>,
    object_bytes: Option<u64>,
    uncompressed_bytes: Option<u64>,
    lines: Option<u64>,
    first_time: Option<String>,
    last_time: Option<String>,
    span_size: u64,
    spans: Vec<SpanSummary>,
    batches: Option<BatchStats>,
    ledger: Option<Ledger>,
    /// Every line read is delivered or counted under one reason.
    pub balanced: bool,
    /// Why the file was skipped, when it is not a log.
    skipped: Option<String>,
    pub error: Option<Failure>,
}

fn pct(f: f64) -> String {
    format!("{:.2}%", f * 100.0)
}

impl FileReport {
    /// An empty report for `path`.
    pub fn new(path: &Path, span_size: u64) -> Self {
        FileReport {
            file: path.display().to_string(),
            kind: None,
            object_bytes: None,
            uncompressed_bytes: None,
            lines: None,
            first_time: None,
            last_time: None,
            span_size,
            spans: Vec::new(),
            batches: None,
            ledger: None,
            balanced: false,
            skipped: None,
            error: None,
        }
    }

    /// Records the plan.
    pub fn set_plan(&mut self, plan: &SpanPlan) {
        self.object_bytes = Some(plan.object_bytes);
        self.uncompressed_bytes = Some(plan.uncompressed_bytes);
        self.lines = Some(plan.lines);
        self.spans = plan
            .spans
            .iter()
            .map(|s| SpanSummary { index: s.index, read_start: s.read_start, read_end: s.read_end, lines: s.lines })
            .collect();
    }

    /// Records what the spans produced.
    pub fn finish(&mut self, ledger: Ledger, times: TimeRange, stats: BatchStats) {
        self.balanced = ledger.check().is_ok() && Some(ledger.lines_read) == self.lines;
        self.first_time = times.first_ms.map(format_ms);
        self.last_time = times.last_ms.map(format_ms);
        self.ledger = Some(ledger);
        self.batches = Some(stats);
    }

    /// Records that the file is not a log; nothing to account for.
    pub fn skip(&mut self, reason: &str) {
        self.balanced = true;
        self.skipped = Some(reason.to_string());
    }

    /// Records a failure.
    pub fn fail(&mut self, name: &str, message: String) {
        self.balanced = false;
        self.error = Some(Failure { name: name.to_string(), message });
    }

    /// The human-readable form.
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let kind = self.kind.map_or("unknown".to_string(), |k| k.to_string());
        let _ = writeln!(t, "{}", self.file);
        let _ = writeln!(t, "  kind        {kind}");
        if let (Some(obj), Some(unc), Some(lines)) = (self.object_bytes, self.uncompressed_bytes, self.lines) {
            let _ = writeln!(t, "  bytes       {obj} stored, {unc} uncompressed");
            let _ = writeln!(t, "  lines       {lines}");
            let _ = writeln!(t, "  spans       {} of about {} bytes", self.spans.len(), self.span_size);
        }
        if let (Some(a), Some(b)) = (&self.first_time, &self.last_time) {
            let _ = writeln!(t, "  time range  {a} .. {b}");
        }
        if let Some(b) = &self.batches {
            let closed = match (b.mean_fill_closed, b.min_fill_closed) {
                (Some(mean), Some(min)) => {
                    format!("; closed by a limit: mean {}, min {}", pct(mean), pct(min))
                }
                _ => String::new(),
            };
            let _ = writeln!(
                t,
                "  batches     {} with {} events, mean fill {}{closed}",
                b.count,
                b.events,
                pct(b.mean_fill)
            );
        }
        if let Some(l) = &self.ledger {
            let r = &l.rejected;
            let a = &l.adjusted;
            let _ = writeln!(
                t,
                "  delivered   {} lines as {} events ({} message bytes)",
                l.lines_delivered, l.events_delivered, l.message_bytes_delivered
            );
            let _ = writeln!(
                t,
                "  rejected    blank {}, too_old {}, expired {}, too_new {}",
                r.blank, r.too_old, r.expired, r.too_new
            );
            let _ = writeln!(
                t,
                "  adjusted    timestamp_fallback {}, invalid_utf8 {}, split_oversize {}, restamped {}",
                a.timestamp_fallback, a.invalid_utf8, a.split_oversize, a.restamped
            );
            let verdict = if self.balanced { "balanced: every line delivered or counted" } else { "NOT BALANCED" };
            let _ = writeln!(t, "  ledger      {} lines read, {verdict}", l.lines_read);
        }
        if let Some(s) = &self.skipped {
            let _ = writeln!(t, "  skipped     {s}");
        }
        if let Some(e) = &self.error {
            let _ = writeln!(t, "  error       {}: {}", e.name, e.message);
        }
        t.trim_end().to_string()
    }
}
