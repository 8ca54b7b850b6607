//! The last word on one object: did the spans read exactly the object's lines, and is every line delivered or
//! counted under a named reason? Anything else fails the execution with a message that says what is missing.
//!
//! ```
//! use elbship_core::verify::VerifyError;
//! assert_eq!(VerifyError::NAME, "VerificationFailed");
//! ```

use crate::job::{ObjectRef, VerifyInput};
use crate::kind::LogKind;
use crate::ledger::Ledger;
use crate::pipeline::TimeRange;
use crate::timestamp::format_ms;
use serde::{Deserialize, Serialize};

/// What a verified execution returns: its output in the Step Functions console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    /// The object.
    pub object: ObjectRef,
    /// Its kind.
    pub kind: LogKind,
    /// Where its events went.
    pub log_group: String,
    /// Where its events went.
    pub log_stream: String,
    /// Spans shipped.
    pub spans: u32,
    /// The merged ledger of all spans.
    pub ledger: Ledger,
    /// Earliest line time.
    pub first_time: Option<String>,
    /// Latest line time.
    pub last_time: Option<String>,
}

/// The execution cannot prove every line was accounted for.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    /// Spans without a result, or results without a span.
    #[error("span results do not match the plan: missing spans {missing:?}, unexpected or repeated results {extra:?}")]
    SpanResults {
        /// Planned spans with no result.
        missing: Vec<u32>,
        /// Results for unknown spans, or a second result for one span.
        extra: Vec<u32>,
    },
    /// A span read a different number of lines than planned.
    #[error("span {span} read {read} lines, the plan counted {planned}")]
    SpanLines {
        /// The span.
        span: u32,
        /// Lines it read.
        read: u64,
        /// Lines the plan counted in it.
        planned: u64,
    },
    /// The spans do not add up to the object.
    #[error("spans read {read} lines, the object has {planned}")]
    ObjectLines {
        /// Lines the spans read.
        read: u64,
        /// Lines the plan counted.
        planned: u64,
    },
    /// Lines read but neither delivered nor counted.
    #[error(transparent)]
    Unbalanced(#[from] crate::ledger::Unbalanced),
}

impl VerifyError {
    /// The stable error name for Step Functions.
    pub const NAME: &'static str = "VerificationFailed";
}

/// Checks the results of every span against the plan.
pub fn verify(input: &VerifyInput) -> Result<Verified, VerifyError> {
    let n = input.spans.len();
    let mut seen = vec![false; n];
    let mut extra = Vec::new();
    for r in &input.results {
        match seen.get_mut(r.span as usize) {
            Some(s) if !*s => *s = true,
            _ => extra.push(r.span),
        }
    }
    let missing: Vec<u32> = seen.iter().enumerate().filter(|(_, s)| !**s).map(|(i, _)| i as u32).collect();
    if !missing.is_empty() || !extra.is_empty() {
        return Err(VerifyError::SpanResults { missing, extra });
    }
    let mut ledger = Ledger::default();
    let mut times = TimeRange::default();
    for r in &input.results {
        let planned = input.spans[r.span as usize].lines;
        if r.ledger.lines_read != planned {
            return Err(VerifyError::SpanLines { span: r.span, read: r.ledger.lines_read, planned });
        }
        r.ledger.check()?;
        ledger.merge(&r.ledger);
        times.merge(&r.times);
    }
    if ledger.lines_read != input.summary.lines {
        return Err(VerifyError::ObjectLines { read: ledger.lines_read, planned: input.summary.lines });
    }
    ledger.check()?;
    Ok(Verified {
        object: input.job.object.clone(),
        kind: input.job.kind,
        log_group: input.job.log_group.clone(),
        log_stream: input.job.log_stream.clone(),
        spans: n as u32,
        ledger,
        first_time: times.first_ms.map(format_ms),
        last_time: times.last_ms.map(format_ms),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_builder::{EventOptions, MessageMode};
    use crate::job::{Job, PlanSummary, ShipOutput};
    use crate::ledger::RejectReason;
    use crate::policy::{OldEventPolicy, TimeWindow};
    use crate::spans::Span;

    fn input(lines: &[u64]) -> VerifyInput {
        let mut at = 0;
        let spans = lines
            .iter()
            .enumerate()
            .map(|(i, &l)| {
                let s = Span {
                    index: i as u32,
                    read_start: 0,
                    read_end: 0,
                    owned_start: 0,
                    owned_end: 0,
                    first_line: at,
                    lines: l,
                };
                at += l;
                s
            })
            .collect();
        let results = lines
            .iter()
            .enumerate()
            .map(|(i, &l)| {
                let mut ledger = Ledger { lines_read: l, lines_delivered: l.saturating_sub(1), ..Ledger::default() };
                ledger.rejected.add(RejectReason::Blank, l.min(1));
                ShipOutput { span: i as u32, ledger, times: TimeRange { first_ms: Some(i as i64), last_ms: Some(10) } }
            })
            .collect();
        let job = Job {
            object: ObjectRef { bucket: "b".into(), key: "k".into(), size: 1, etag: "e".into() },
            kind: LogKind::ClbAccess,
            log_group: "g".into(),
            log_stream: "s".into(),
            events: EventOptions {
                kind: LogKind::ClbAccess,
                mode: MessageMode::Raw,
                policy: OldEventPolicy::Reject,
                window: TimeWindow { now_ms: 0, retention_days: None },
                fallback_ms: 0,
            },
            index: None,
            send_concurrency: 1,
        };
        let summary = PlanSummary {
            lines: at,
            object_bytes: 1,
            uncompressed_bytes: 1,
            span_count: lines.len() as u32,
            map_concurrency: 1,
        };
        VerifyInput { job, spans, summary, results }
    }

    #[test]
    fn a_complete_run_verifies() {
        let v = verify(&input(&[3, 0, 5]));
        let v = v.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((v.ledger.lines_read, v.ledger.lines_delivered, v.ledger.rejected.blank), (8, 6, 2));
        assert_eq!(v.first_time.as_deref(), Some("1970-01-01T00:00:00.000Z"));
        assert_eq!(v.spans, 3);
    }

    #[test]
    fn missing_and_repeated_results_are_named() {
        let mut i = input(&[3, 4]);
        let dup = i.results[0];
        i.results[1] = dup;
        assert_eq!(verify(&i), Err(VerifyError::SpanResults { missing: vec![1], extra: vec![0] }));
        let mut i = input(&[3]);
        i.results[0].span = 7;
        assert!(matches!(verify(&i), Err(VerifyError::SpanResults { .. })));
    }

    #[test]
    fn a_span_that_read_too_little_fails() {
        let mut i = input(&[3, 4]);
        i.results[1].ledger.lines_read = 3;
        i.results[1].ledger.lines_delivered = 2;
        assert_eq!(verify(&i), Err(VerifyError::SpanLines { span: 1, read: 3, planned: 4 }));
    }

    #[test]
    fn an_unaccounted_line_fails() {
        let mut i = input(&[3]);
        i.results[0].ledger.lines_delivered -= 1;
        let e = verify(&i).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("1 missing"), "{e}");
        let mut i = input(&[3]);
        i.summary.lines = 4;
        assert_eq!(verify(&i), Err(VerifyError::ObjectLines { read: 3, planned: 4 }));
    }
}
