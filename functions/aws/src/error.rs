//! The errors elbship's functions fail with. Each has a stable name, which Lambda reports as `errorType` and
//! the state machine's Retry and Catch match. Transient failures are retryable whether or not some batches were
//! delivered: a retry resumes from the span's checkpoint and never sends an acknowledged batch again.

use elbship_core::accounting::verify::VerifyError;
use elbship_core::orchestration::destination::Refusal;
use elbship_core::spans::SpanError;

/// What failed beneath a service's error: its text, and the SDK error it came from, kept as the source so the
/// chain (`std::error::Error::source`) reaches the service's own answer.
#[derive(Debug)]
pub struct Cause {
    text: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Cause {
    /// A cause with its source.
    pub fn with_source(text: impl Into<String>, source: impl std::error::Error + Send + Sync + 'static) -> Cause {
        Cause { text: text.into(), source: Some(Box::new(source)) }
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<String> for Cause {
    fn from(text: String) -> Cause {
        Cause { text, source: None }
    }
}

impl From<&str> for Cause {
    fn from(text: &str) -> Cause {
        Cause::from(text.to_string())
    }
}

/// A function failure, by name.
#[derive(Debug, thiserror::Error)]
pub enum ElbshipError {
    /// The key is not an ELB log.
    #[error("s3://{bucket}/{key} is not an ELB log: {reason}")]
    NotALog {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// Why.
        reason: String,
    },
    /// The object is an ELB log elbship may not write anywhere: its account is not allowed, or its file name names
    /// another account or Region than its path (`AccountNotAllowed`, `KeyMismatch`).
    #[error("s3://{bucket}/{key} is written nowhere: {refusal}")]
    Refused {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// Why.
        refusal: Refusal,
    },
    /// The object no longer has the ETag the event named: it was replaced.
    #[error("s3://{bucket}/{key} changed: its ETag is no longer {etag}; the new version has its own event")]
    ObjectChanged {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
        /// The ETag that was expected.
        etag: String,
    },
    /// The object does not exist.
    #[error("s3://{bucket}/{key} does not exist")]
    ObjectMissing {
        /// Bucket.
        bucket: String,
        /// Key.
        key: String,
    },
    /// S3 failed after the SDK's retries; nothing was delivered, so the state machine retries.
    #[error("S3 failed: {0}")]
    S3Unavailable(#[source] Cause),
    /// S3 refused a request it will refuse again (access denied, bad request).
    #[error("S3 refused the request: {0}")]
    S3Refused(#[source] Cause),
    /// The object's bytes are not what its kind promises.
    #[error(transparent)]
    Span(SpanError),
    /// CloudWatch Logs failed after retries; retryable.
    #[error("CloudWatch Logs failed: {0}")]
    LogsUnavailable(#[source] Cause),
    /// The worker reached its deadline before the span's end; retryable (the retry resumes).
    #[error("out of time before the worker's deadline: {0}")]
    OutOfTime(String),
    /// CloudWatch Logs refused a request it will refuse again.
    #[error("CloudWatch Logs refused the request: {0}")]
    LogsRefused(#[source] Cause),
    /// The span stopped before its end (a transient failure that outlasted the worker's own retries, or its
    /// deadline); what was acknowledged is checkpointed, so a retry resumes after it.
    #[error("span {span} stopped with {lines_delivered} lines delivered in {batches} batches so far: {cause}")]
    ShipIncomplete {
        /// The span.
        span: u32,
        /// Lines delivered before the failure.
        lines_delivered: u64,
        /// Batches delivered before the failure.
        batches: u64,
        /// What failed.
        cause: String,
    },
    /// Spans failed after every retry; the message is the JSON account of what CloudWatch Logs holds, span by
    /// span, and how to finish the object.
    #[error("{0}")]
    ObjectIncomplete(String),
    /// The checkpoint store failed after the SDK's retries; retryable.
    #[error("the checkpoint store failed: {0}")]
    CheckpointUnavailable(#[source] Cause),
    /// The checkpoint store refused a request it will refuse again (no table, no permission).
    #[error("the checkpoint store refused the request: {0}")]
    CheckpointRefused(#[source] Cause),
    /// The stored checkpoint does not fit this attempt's plan: resuming could send lines twice or skip some.
    #[error("checkpoint mismatch: {0}")]
    CheckpointMismatch(String),
    /// A newer attempt took the span over; this one stopped sending.
    #[error("{0}")]
    SpanTakenOver(String),
    /// Another execution holds the object (a duplicated event on the Express route): this one ships nothing.
    #[error("the object is held by execution {holder}")]
    ObjectLeased {
        /// The execution that holds it.
        holder: String,
    },
    /// Step Functions failed after the SDK's retries; retryable.
    #[error("Step Functions failed: {0}")]
    StepFunctions(#[source] Cause),
    /// Step Functions refused a request it will refuse again (access denied, a bad name or input), or an object's
    /// attempts ran out (`--retry-failed` stops after [`crate::sfn::MAX_ATTEMPTS`]).
    #[error("Step Functions refused the request: {0}")]
    StepFunctionsRefused(#[source] Cause),
    /// A backfill ended with objects it could not verify; the message is its summary (JSON), failures named.
    #[error("{0}")]
    BackfillIncomplete(String),
    /// The function's input is not what the state machine sends.
    #[error("bad input: {0}")]
    BadInput(String),
    /// The function's configuration is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// A bug of elbship's own (a task that panicked, a value of its own it could not serialize): never the input's
    /// fault, never retried.
    #[error("internal error: {0}")]
    Internal(String),
    /// The execution cannot prove every line was accounted for.
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

impl ElbshipError {
    /// The stable name (`errorType`).
    pub fn name(&self) -> &'static str {
        match self {
            ElbshipError::NotALog { .. } => "NotALog",
            ElbshipError::Refused { refusal, .. } => refusal.name(),
            ElbshipError::ObjectChanged { .. } => "ObjectChanged",
            ElbshipError::ObjectMissing { .. } => "ObjectMissing",
            ElbshipError::S3Unavailable(_) => "S3Unavailable",
            ElbshipError::S3Refused(_) => "S3Refused",
            ElbshipError::Span(e) => e.name(),
            ElbshipError::LogsUnavailable(_) => "LogsUnavailable",
            ElbshipError::LogsRefused(_) => "LogsRefused",
            ElbshipError::OutOfTime(_) => "OutOfTime",
            ElbshipError::ShipIncomplete { .. } => "ShipIncomplete",
            ElbshipError::ObjectIncomplete(_) => "ObjectIncomplete",
            ElbshipError::CheckpointUnavailable(_) => "CheckpointUnavailable",
            ElbshipError::CheckpointRefused(_) => "CheckpointRefused",
            ElbshipError::CheckpointMismatch(_) => "CheckpointMismatch",
            ElbshipError::SpanTakenOver(_) => "SpanTakenOver",
            ElbshipError::ObjectLeased { .. } => "ObjectLeased",
            ElbshipError::StepFunctions(_) => "StepFunctionsUnavailable",
            ElbshipError::StepFunctionsRefused(_) => "StepFunctionsRefused",
            ElbshipError::BackfillIncomplete(_) => "BackfillIncomplete",
            ElbshipError::BadInput(_) => "BadInput",
            ElbshipError::Config(_) => "ConfigInvalid",
            ElbshipError::Internal(_) => "Internal",
            ElbshipError::Verify(_) => VerifyError::NAME,
        }
    }

    /// Whether the state machine retries it: a transient failure, resumed from the checkpoints. Every Task that
    /// invokes an elbship function retries every retryable name (the error contract test, `xtask/src/errors.rs`).
    pub fn retryable(&self) -> bool {
        match self {
            ElbshipError::S3Unavailable(_)
            | ElbshipError::LogsUnavailable(_)
            | ElbshipError::OutOfTime(_)
            | ElbshipError::ShipIncomplete { .. }
            | ElbshipError::CheckpointUnavailable(_)
            | ElbshipError::StepFunctions(_) => true,
            ElbshipError::NotALog { .. }
            | ElbshipError::Refused { .. }
            | ElbshipError::ObjectChanged { .. }
            | ElbshipError::ObjectMissing { .. }
            | ElbshipError::S3Refused(_)
            | ElbshipError::Span(_)
            | ElbshipError::LogsRefused(_)
            | ElbshipError::ObjectIncomplete(_)
            | ElbshipError::CheckpointRefused(_)
            | ElbshipError::CheckpointMismatch(_)
            | ElbshipError::SpanTakenOver(_)
            | ElbshipError::ObjectLeased { .. }
            | ElbshipError::StepFunctionsRefused(_)
            | ElbshipError::BackfillIncomplete(_)
            | ElbshipError::BadInput(_)
            | ElbshipError::Config(_)
            | ElbshipError::Internal(_)
            | ElbshipError::Verify(_) => false,
        }
    }

    /// Every name an elbship function fails with, its own and the Lambda runtime's: the rows of [`CATALOG`].
    pub fn names() -> impl Iterator<Item = &'static str> {
        CATALOG.iter().filter(|row| row.origin != Origin::StepFunctions).flat_map(|row| row.names.iter().copied())
    }

    /// Names every Task that invokes an elbship function retries: the retryable rows of [`CATALOG`] (elbship's
    /// transient failures, and Lambda's kills of a worker).
    pub fn retried_names() -> impl Iterator<Item = &'static str> {
        CATALOG.iter().filter(|row| row.retried).flat_map(|row| row.names.iter().copied())
    }
}

/// Who raises a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// elbship's code: a variant of [`ElbshipError`].
    Elbship,
    /// The Lambda runtime or service, for an elbship function (a kill, a panic, an unreadable event).
    Lambda,
    /// Step Functions itself (a Map that tolerates no failure).
    StepFunctions,
}

/// One row of the error table in `docs/errors.md` (generated from [`CATALOG`]).
#[derive(Debug, Clone, Copy)]
pub struct ErrorRow {
    /// The names, as Step Functions sees them.
    pub names: &'static [&'static str],
    /// Who raises it.
    pub origin: Origin,
    /// Which functions or states.
    pub raised_by: &'static str,
    /// Whether every Task that invokes an elbship function retries it (how often: the table reads it from the
    /// state machines).
    pub retried: bool,
    /// What it means, and what to do.
    pub meaning: &'static str,
}

/// Every error name, who raises it, whether it is retried and what it means. A test holds every variant of
/// [`ElbshipError`] to one row, with the retry its [`ElbshipError::retryable`] says.
pub const CATALOG: [ErrorRow; 18] = [
    ErrorRow {
        names: &["ShipIncomplete", "OutOfTime"],
        origin: Origin::Elbship,
        raised_by: "ship (`OutOfTime`: any, near its deadline)",
        retried: true,
        meaning: "the span stopped before its end: a transient failure that outlasted the worker's own retries, or \
                  its deadline; acknowledged batches are checkpointed, so the retry resumes after them",
    },
    ErrorRow {
        names: &["S3Unavailable", "LogsUnavailable", "CheckpointUnavailable", "StepFunctionsUnavailable"],
        origin: Origin::Elbship,
        raised_by: "any",
        retried: true,
        meaning: "S3, CloudWatch Logs, DynamoDB or Step Functions (a hand-over's StartExecution) failed after the \
                  SDK's retries; a retry resumes from the checkpoints",
    },
    ErrorRow {
        names: &["States.Timeout", "Lambda.Unknown", "Sandbox.Timedout", "Runtime.ExitError"],
        origin: Origin::Lambda,
        raised_by: "Lambda, for any function",
        retried: true,
        meaning: "the worker was killed, crashed or timed out; the retry resumes from its checkpoint",
    },
    ErrorRow {
        names: &["NotGzip", "GzipTruncated", "GzipCorrupt", "GzipTrailingData"],
        origin: Origin::Elbship,
        raised_by: "plan, object",
        retried: false,
        meaning: "the object is not what its kind promises",
    },
    ErrorRow {
        names: &["ObjectChanged", "ObjectMissing"],
        origin: Origin::Elbship,
        raised_by: "plan, ship, object",
        retried: false,
        meaning: "the ETag no longer matches (the new version has its own event), or the object is gone",
    },
    ErrorRow {
        names: &["ObjectIncomplete"],
        origin: Origin::Elbship,
        raised_by: "verify, object",
        retried: false,
        meaning: "spans failed after every retry; the cause says span by span what CloudWatch holds; finish it with \
                  `elbship ship ... --retry-failed`",
    },
    ErrorRow {
        names: &["SpanTakenOver"],
        origin: Origin::Elbship,
        raised_by: "ship, object",
        retried: false,
        meaning: "a newer attempt took the span over (this one stopped sending; its acknowledgements are kept)",
    },
    ErrorRow {
        names: &["ObjectLeased"],
        origin: Origin::Elbship,
        raised_by: "object (inside)",
        retried: false,
        meaning: "another Express execution holds the object (a duplicated event): never an execution's error, the \
                  outcome `duplicate`",
    },
    ErrorRow {
        names: &["CheckpointMismatch"],
        origin: Origin::Elbship,
        raised_by: "plan, ship, object",
        retried: false,
        meaning: "the stored claim or checkpoint was made by an elbship that cuts batches differently, or for other \
                  span boundaries: resuming could duplicate or skip lines",
    },
    ErrorRow {
        names: &["LogsRefused", "S3Refused", "CheckpointRefused", "StepFunctionsRefused"],
        origin: Origin::Elbship,
        raised_by: "any",
        retried: false,
        meaning: "a request the service will refuse again (permissions, a bad name, no table), or an object whose \
                  100 attempts all failed (`StepFunctionsRefused` from `--retry-failed`)",
    },
    ErrorRow {
        names: &["NotALog", "BadInput", "ConfigInvalid", "IndexCorrupt", "SpanShort", "LineTooLong"],
        origin: Origin::Elbship,
        raised_by: "any",
        retried: false,
        meaning: "what the name says: a key that is no ELB log, an input the state machine does not send, a bad \
                  variable (named), a span index or span that does not fit its object, a line past the limit",
    },
    ErrorRow {
        names: &["AccountNotAllowed", "KeyMismatch"],
        origin: Origin::Elbship,
        raised_by: "plan, object",
        retried: false,
        meaning: "an ELB log written nowhere: its key names an account elbship may not write for, or its file name \
                  names another account or Region than its path (the start function skips such objects and counts \
                  them; an execution started for one fails by name)",
    },
    ErrorRow {
        names: &["VerificationFailed"],
        origin: Origin::Elbship,
        raised_by: "verify, object",
        retried: false,
        meaning: "the run cannot prove every line was accounted for",
    },
    ErrorRow {
        names: &["BackfillIncomplete"],
        origin: Origin::Elbship,
        raised_by: "object (backfill summary)",
        retried: false,
        meaning: "a backfill ended with objects it could not verify; the cause is its summary, each failure named \
                  with the command that finishes it",
    },
    ErrorRow {
        names: &["Internal"],
        origin: Origin::Elbship,
        raised_by: "any",
        retried: false,
        meaning: "a bug of elbship's own (a task panicked, a value of its own did not serialize): report it",
    },
    ErrorRow {
        names: &["Runtime.HandlerPanic", "Runtime.UnmarshalError"],
        origin: Origin::Lambda,
        raised_by: "the Lambda runtime, for any function",
        retried: false,
        meaning: "a bug: the function panicked, or could not read its event",
    },
    ErrorRow {
        names: &["Lambda.ServiceException", "Lambda.TooManyRequestsException"],
        origin: Origin::Lambda,
        raised_by: "Lambda's service",
        retried: true,
        meaning: "Lambda could not run the function for now",
    },
    ErrorRow {
        names: &["States.ExceedToleratedFailureThreshold"],
        origin: Origin::StepFunctions,
        raised_by: "backfill Map",
        retried: false,
        meaning: "a batch failed past its retries (it could not hand an object over): `elbship backfill --redrive` \
                  re-runs what failed",
    },
];

impl From<SpanError> for ElbshipError {
    /// A failed read of the object's body is S3's failure (retryable); anything else is the data's.
    fn from(e: SpanError) -> Self {
        match e {
            SpanError::Read(io) => {
                ElbshipError::S3Unavailable(Cause::with_source(format!("reading the object body: {io}"), io))
            }
            other => ElbshipError::Span(other),
        }
    }
}

impl From<ElbshipError> for lambda_runtime::Diagnostic {
    fn from(e: ElbshipError) -> Self {
        lambda_runtime::Diagnostic { error_type: e.name().to_string(), error_message: e.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One error of every variant; the match below stops compiling when a variant is added without one here.
    fn one_of_each() -> Vec<ElbshipError> {
        let s = || String::from("x");
        let all = vec![
            ElbshipError::NotALog { bucket: s(), key: s(), reason: s() },
            ElbshipError::Refused { bucket: s(), key: s(), refusal: Refusal::AccountNotAllowed { account: s() } },
            ElbshipError::Refused { bucket: s(), key: s(), refusal: Refusal::KeyMismatch(s()) },
            ElbshipError::ObjectChanged { bucket: s(), key: s(), etag: s() },
            ElbshipError::ObjectMissing { bucket: s(), key: s() },
            ElbshipError::S3Unavailable(s().into()),
            ElbshipError::S3Refused(s().into()),
            ElbshipError::Span(SpanError::NotGzip),
            ElbshipError::Span(SpanError::GzipTruncated { offset: 1 }),
            ElbshipError::Span(SpanError::IndexCorrupt(s())),
            ElbshipError::Span(SpanError::GzipCorrupt { offset: 1, message: s() }),
            ElbshipError::Span(SpanError::GzipTrailingData { offset: 1 }),
            ElbshipError::Span(SpanError::SpanShort { at: 1, expected: 2 }),
            ElbshipError::Span(SpanError::LineTooLong { at: 1, max: 2 }),
            ElbshipError::LogsUnavailable(s().into()),
            ElbshipError::OutOfTime(s()),
            ElbshipError::LogsRefused(s().into()),
            ElbshipError::ShipIncomplete { span: 0, lines_delivered: 0, batches: 0, cause: s() },
            ElbshipError::ObjectIncomplete(s()),
            ElbshipError::CheckpointUnavailable(s().into()),
            ElbshipError::CheckpointRefused(s().into()),
            ElbshipError::CheckpointMismatch(s()),
            ElbshipError::SpanTakenOver(s()),
            ElbshipError::ObjectLeased { holder: s() },
            ElbshipError::StepFunctions(s().into()),
            ElbshipError::StepFunctionsRefused(s().into()),
            ElbshipError::BackfillIncomplete(s()),
            ElbshipError::BadInput(s()),
            ElbshipError::Config(s()),
            ElbshipError::Internal(s()),
            ElbshipError::Verify(VerifyError::SpansFailed(vec![1])),
        ];
        for e in &all {
            match e {
                ElbshipError::NotALog { .. }
                | ElbshipError::Refused { .. }
                | ElbshipError::ObjectChanged { .. }
                | ElbshipError::ObjectMissing { .. }
                | ElbshipError::S3Unavailable(_)
                | ElbshipError::S3Refused(_)
                | ElbshipError::Span(_)
                | ElbshipError::LogsUnavailable(_)
                | ElbshipError::OutOfTime(_)
                | ElbshipError::LogsRefused(_)
                | ElbshipError::ShipIncomplete { .. }
                | ElbshipError::ObjectIncomplete(_)
                | ElbshipError::CheckpointUnavailable(_)
                | ElbshipError::CheckpointRefused(_)
                | ElbshipError::CheckpointMismatch(_)
                | ElbshipError::SpanTakenOver(_)
                | ElbshipError::ObjectLeased { .. }
                | ElbshipError::StepFunctions(_)
                | ElbshipError::StepFunctionsRefused(_)
                | ElbshipError::BackfillIncomplete(_)
                | ElbshipError::BadInput(_)
                | ElbshipError::Config(_)
                | ElbshipError::Internal(_)
                | ElbshipError::Verify(_) => {}
            }
        }
        all
    }

    #[test]
    fn every_variant_has_its_row_and_the_row_says_what_retryable_says() {
        for e in one_of_each() {
            let row = CATALOG.iter().find(|r| r.names.contains(&e.name()));
            let row = row.unwrap_or_else(|| panic!("{} has no row in CATALOG", e.name()));
            assert_eq!(row.origin, Origin::Elbship, "{}", e.name());
            assert_eq!(row.retried, e.retryable(), "{}: the row and retryable() disagree", e.name());
        }
    }

    #[test]
    fn every_elbship_row_names_only_what_the_code_raises() {
        let raised: Vec<&str> = one_of_each().iter().map(ElbshipError::name).collect();
        for row in CATALOG.iter().filter(|r| r.origin == Origin::Elbship) {
            for name in row.names {
                assert!(raised.contains(name), "{name} is listed but never raised");
            }
        }
        let mut all: Vec<&str> = CATALOG.iter().flat_map(|r| r.names.iter().copied()).collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "a name in two rows");
    }

    #[test]
    fn diagnostics_carry_the_stable_name() {
        let d: lambda_runtime::Diagnostic = ElbshipError::Span(SpanError::GzipTruncated { offset: 9 }).into();
        assert_eq!(d.error_type, "GzipTruncated");
        assert!(d.error_message.contains("byte 9"));
        let d: lambda_runtime::Diagnostic = ElbshipError::S3Unavailable("x".into()).into();
        assert!(ElbshipError::retried_names().any(|n| n == d.error_type));
    }
}
