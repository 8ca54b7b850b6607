//! The last word on one object: did the spans read exactly the object's lines, and is every line delivered or
//! counted under a named reason? Anything else fails the execution with a message that says what is missing.
//! When spans failed, [`incomplete`] says span by span what CloudWatch Logs already holds (from the spans'
//! checkpoints) and what is still to deliver, and how to finish the object.
//!
//! ```
//! use elbship_core::accounting::verify::VerifyError;
//! assert_eq!(VerifyError::NAME, "VerificationFailed");
//! ```

use crate::accounting::ledger::Ledger;
use crate::batching::pipeline::TimeRange;
use crate::formats::kind::LogKind;
use crate::formats::timestamp::format_ms;
use crate::orchestration::job::{ObjectRef, SpanResult, VerifyInput};
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

#[cfg(test)]
impl Verified {
    /// A one-span ALB access object with this ledger, for tests.
    pub(crate) fn sample(object: ObjectRef, ledger: Ledger) -> Verified {
        Verified {
            object,
            kind: crate::formats::kind::LogKind::AlbAccess,
            log_group: "g".into(),
            log_stream: "s".into(),
            spans: 1,
            ledger,
            first_time: None,
            last_time: None,
        }
    }
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
    Unbalanced(#[from] crate::accounting::ledger::Unbalanced),
    /// Spans failed after the state machine's retries.
    #[error("spans {0:?} failed")]
    SpansFailed(Vec<u32>),
}

impl VerifyError {
    /// The stable error name for Step Functions.
    pub const NAME: &'static str = "VerificationFailed";
}

/// Checks the results of every span against the plan.
pub fn verify(input: &VerifyInput) -> Result<Verified, VerifyError> {
    let failed: Vec<u32> =
        input.results.iter().filter(|&r| matches!(r, SpanResult::Failed(_))).map(SpanResult::span).collect();
    if !failed.is_empty() {
        return Err(VerifyError::SpansFailed(failed));
    }
    let shipped: Vec<_> =
        input.results.iter().filter_map(|r| if let SpanResult::Shipped(o) = r { Some(o) } else { None }).collect();
    let n = input.spans.len();
    let mut seen = vec![false; n];
    let mut extra = Vec::new();
    for r in &shipped {
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
    for r in &shipped {
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

/// A failed span, as far as it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedSpan {
    /// The span.
    pub span: u32,
    /// Lines the plan counted in it.
    pub lines: u64,
    /// Lines CloudWatch Logs acknowledged (from the span's checkpoint).
    pub lines_delivered: u64,
    /// Lines CloudWatch Logs refused for their time, in acknowledged batches.
    pub lines_rejected: u64,
    /// Batches acknowledged.
    pub batches: u64,
    /// Events possibly stored twice.
    pub possibly_duplicated: u64,
    /// The error name of its last attempt.
    pub error: String,
    /// Its message.
    pub cause: String,
}

/// What a failed execution says: the cause in the Step Functions console, as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incomplete {
    /// The object.
    pub object: ObjectRef,
    /// Where its events went.
    pub log_group: String,
    /// Where its events went.
    pub log_stream: String,
    /// Lines in the object.
    pub lines: u64,
    /// Lines CloudWatch Logs holds: every line of the shipped spans that was delivered, and what the failed
    /// spans' checkpoints record.
    pub lines_delivered: u64,
    /// Lines not delivered and not (yet) counted under a reason: what finishing the object will settle.
    pub lines_unsettled: u64,
    /// Events possibly stored twice so far.
    pub possibly_duplicated: u64,
    /// Spans that shipped to their end.
    pub spans_shipped: u32,
    /// The spans that failed.
    pub failed: Vec<FailedSpan>,
    /// How to finish the object: a new attempt resumes every span from its checkpoint.
    pub finish: String,
}

impl Incomplete {
    /// Reads the account from a failed execution's cause: Step Functions keeps a Lambda error as
    /// `{"errorType": ..., "errorMessage": ...}`, whose message is the account (a bare account is read too).
    pub fn from_cause(cause: &str) -> Option<Incomplete> {
        #[derive(Deserialize)]
        struct LambdaError {
            #[serde(rename = "errorMessage")]
            error_message: String,
        }
        serde_json::from_str::<LambdaError>(cause)
            .ok()
            .and_then(|e| serde_json::from_str(&e.error_message).ok())
            .or_else(|| serde_json::from_str(cause).ok())
    }
}

/// Most failed spans listed one by one (Step Functions keeps at most 32,768 characters of cause).
pub const MAX_FAILED_LISTED: usize = 50;

/// The account of an execution whose spans failed; `checkpoint(span)` is what the span's checkpoint records.
pub fn incomplete(input: &VerifyInput, checkpoint: impl Fn(u32) -> Ledger) -> Incomplete {
    let mut delivered = 0;
    let mut settled = 0;
    let mut duplicated = 0;
    let mut shipped = 0;
    let mut failed = Vec::new();
    for r in &input.results {
        match r {
            SpanResult::Shipped(o) => {
                shipped += 1;
                delivered += o.ledger.lines_delivered;
                settled += o.ledger.lines_delivered + o.ledger.rejected.total();
                duplicated += o.ledger.possibly_duplicated;
            }
            SpanResult::Failed(f) => {
                let l = checkpoint(f.span);
                delivered += l.lines_delivered;
                settled += l.lines_delivered + l.rejected.total();
                duplicated += l.possibly_duplicated;
                failed.push(FailedSpan {
                    span: f.span,
                    lines: input.spans.get(f.span as usize).map_or(0, |s| s.lines),
                    lines_delivered: l.lines_delivered,
                    lines_rejected: l.rejected.total(),
                    batches: l.batches,
                    possibly_duplicated: l.possibly_duplicated,
                    error: f.error.clone(),
                    cause: f.cause.chars().take(300).collect(),
                });
            }
        }
    }
    failed.sort_by_key(|f| f.span);
    failed.truncate(MAX_FAILED_LISTED);
    let o = &input.job.object;
    Incomplete {
        object: o.clone(),
        log_group: input.job.log_group.clone(),
        log_stream: input.job.log_stream.clone(),
        lines: input.summary.lines,
        lines_delivered: delivered,
        lines_unsettled: input.summary.lines.saturating_sub(settled),
        possibly_duplicated: duplicated,
        spans_shipped: shipped,
        failed,
        finish: format!("elbship ship s3://{}/{} --retry-failed --wait", o.bucket, o.key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::ledger::RejectReason;
    use crate::batching::event_builder::{EventOptions, MessageMode};
    use crate::batching::policy::{OldEventPolicy, TimeWindow};
    use crate::orchestration::job::{Job, PlanSummary, ShipOutput, SpanFailure};
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
                SpanResult::Shipped(ShipOutput {
                    span: i as u32,
                    ledger,
                    times: TimeRange { first_ms: Some(i as i64), last_ms: Some(10) },
                })
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
            destination: Default::default(),
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

    fn shipped(i: &mut VerifyInput, n: usize) -> &mut ShipOutput {
        match &mut i.results[n] {
            SpanResult::Shipped(o) => o,
            SpanResult::Failed(_) => panic!("span {n} failed"),
        }
    }

    #[test]
    fn failed_spans_are_reported_with_what_their_checkpoints_hold() {
        let mut i = input(&[3, 5, 4]);
        for span in [2u32, 1] {
            i.results[span as usize] =
                SpanResult::Failed(SpanFailure { span, error: "ShipIncomplete".into(), cause: "storm".into() });
        }
        assert_eq!(verify(&i), Err(VerifyError::SpansFailed(vec![1, 2])));
        let report = incomplete(&i, |span| Ledger {
            lines_delivered: u64::from(span),
            batches: 1,
            possibly_duplicated: 7,
            ..Ledger::default()
        });
        assert_eq!((report.lines, report.lines_delivered, report.spans_shipped), (12, 2 + 1 + 2, 1));
        assert_eq!(report.lines_unsettled, 12 - 3 - 1 - 2, "span 0 settled its 3 lines (one blank)");
        assert_eq!(
            report.failed.iter().map(|f| (f.span, f.lines, f.lines_delivered)).collect::<Vec<_>>(),
            [(1, 5, 1), (2, 4, 2)]
        );
        assert_eq!(report.possibly_duplicated, 14);
        assert!(report.finish.contains("s3://b/k --retry-failed"));
        let json = serde_json::to_string(&report).unwrap_or_default();
        let wrapped = serde_json::json!({"errorType": "ObjectIncomplete", "errorMessage": json}).to_string();
        assert_eq!(Incomplete::from_cause(&wrapped).as_ref(), Some(&report));
        assert_eq!(Incomplete::from_cause(&json).as_ref(), Some(&report));
        assert_eq!(Incomplete::from_cause("Runtime.ExitError"), None);
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
        let dup = i.results[0].clone();
        i.results[1] = dup;
        assert_eq!(verify(&i), Err(VerifyError::SpanResults { missing: vec![1], extra: vec![0] }));
        let mut i = input(&[3]);
        shipped(&mut i, 0).span = 7;
        assert!(matches!(verify(&i), Err(VerifyError::SpanResults { .. })));
    }

    #[test]
    fn a_span_that_read_too_little_fails() {
        let mut i = input(&[3, 4]);
        shipped(&mut i, 1).ledger.lines_read = 3;
        shipped(&mut i, 1).ledger.lines_delivered = 2;
        assert_eq!(verify(&i), Err(VerifyError::SpanLines { span: 1, read: 3, planned: 4 }));
    }

    #[test]
    fn an_unaccounted_line_fails() {
        let mut i = input(&[3]);
        shipped(&mut i, 0).ledger.lines_delivered -= 1;
        let e = verify(&i).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("1 missing"), "{e}");
        let mut i = input(&[3]);
        i.summary.lines = 4;
        assert_eq!(verify(&i), Err(VerifyError::ObjectLines { read: 3, planned: 4 }));
    }
}
