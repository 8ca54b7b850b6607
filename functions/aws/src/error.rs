//! The errors elbship's functions fail with. Each has a stable name, which Lambda reports as `errorType` and
//! the state machine's Retry and Catch match. Transient failures are retryable whether or not some batches were
//! delivered: a retry resumes from the span's checkpoint and never sends an acknowledged batch again.

use elbship_core::spans::SpanError;
use elbship_core::verify::VerifyError;

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
    S3Unavailable(String),
    /// S3 refused a request it will refuse again (access denied, bad request).
    #[error("S3 refused the request: {0}")]
    S3Refused(String),
    /// The object's bytes are not what its kind promises.
    #[error(transparent)]
    Span(SpanError),
    /// CloudWatch Logs failed after retries; retryable.
    #[error("CloudWatch Logs failed: {0}")]
    LogsUnavailable(String),
    /// The worker reached its deadline before the span's end; retryable (the retry resumes).
    #[error("out of time before the worker's deadline: {0}")]
    OutOfTime(String),
    /// CloudWatch Logs refused a request it will refuse again.
    #[error("CloudWatch Logs refused the request: {0}")]
    LogsRefused(String),
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
    CheckpointUnavailable(String),
    /// The checkpoint store refused a request it will refuse again (no table, no permission).
    #[error("the checkpoint store refused the request: {0}")]
    CheckpointRefused(String),
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
    /// Step Functions failed after the SDK's retries.
    #[error("Step Functions failed: {0}")]
    StepFunctions(String),
    /// A backfill ended with objects it could not verify; the message is its summary (JSON), failures named.
    #[error("{0}")]
    BackfillIncomplete(String),
    /// The function's input is not what the state machine sends.
    #[error("bad input: {0}")]
    BadInput(String),
    /// The function's configuration is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// The execution cannot prove every line was accounted for.
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

impl ElbshipError {
    /// The stable name (`errorType`).
    pub fn name(&self) -> &'static str {
        match self {
            ElbshipError::NotALog { .. } => "NotALog",
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
            ElbshipError::BackfillIncomplete(_) => "BackfillIncomplete",
            ElbshipError::BadInput(_) => "BadInput",
            ElbshipError::Config(_) => "ConfigInvalid",
            ElbshipError::Verify(_) => VerifyError::NAME,
        }
    }

    /// Every name an elbship function fails with (each variant's, the span errors' and verification's; a span's
    /// `ReadFailed` never is: it reaches the functions as `S3Unavailable`): the error
    /// table of the docs lists each one, and `tests/error_contract.rs` holds the state machines to them.
    pub const NAMES: [&'static str; 29] = [
        "NotALog",
        "ObjectChanged",
        "ObjectMissing",
        "S3Unavailable",
        "S3Refused",
        "NotGzip",
        "GzipTruncated",
        "GzipCorrupt",
        "GzipTrailingData",
        "SpanShort",
        "LineTooLong",
        "IndexCorrupt",
        "LogsUnavailable",
        "LogsRefused",
        "OutOfTime",
        "ShipIncomplete",
        "ObjectIncomplete",
        "CheckpointUnavailable",
        "CheckpointRefused",
        "CheckpointMismatch",
        "SpanTakenOver",
        "ObjectLeased",
        "StepFunctionsUnavailable",
        "BackfillIncomplete",
        "BadInput",
        "ConfigInvalid",
        "VerificationFailed",
        // Raised by the Lambda runtime for the function, not by elbship's code: a panic or an unreadable event.
        "Runtime.HandlerPanic",
        "Runtime.UnmarshalError",
    ];

    /// Names the state machine retries: transient failures, resumed from the checkpoints. Every Task that invokes
    /// an elbship function retries every one of them (`tests/error_contract.rs`).
    pub const RETRYABLE: [&'static str; 6] = [
        "S3Unavailable",
        "LogsUnavailable",
        "OutOfTime",
        "ShipIncomplete",
        "CheckpointUnavailable",
        "StepFunctionsUnavailable",
    ];
}

impl From<SpanError> for ElbshipError {
    /// A failed read of the object's body is S3's failure (retryable); anything else is the data's.
    fn from(e: SpanError) -> Self {
        match e {
            SpanError::Read(io) => ElbshipError::S3Unavailable(format!("reading the object body: {io}")),
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
            ElbshipError::ObjectChanged { bucket: s(), key: s(), etag: s() },
            ElbshipError::ObjectMissing { bucket: s(), key: s() },
            ElbshipError::S3Unavailable(s()),
            ElbshipError::S3Refused(s()),
            ElbshipError::Span(SpanError::NotGzip),
            ElbshipError::Span(SpanError::GzipTruncated { offset: 1 }),
            ElbshipError::Span(SpanError::IndexCorrupt(s())),
            ElbshipError::LogsUnavailable(s()),
            ElbshipError::OutOfTime(s()),
            ElbshipError::LogsRefused(s()),
            ElbshipError::ShipIncomplete { span: 0, lines_delivered: 0, batches: 0, cause: s() },
            ElbshipError::ObjectIncomplete(s()),
            ElbshipError::CheckpointUnavailable(s()),
            ElbshipError::CheckpointRefused(s()),
            ElbshipError::CheckpointMismatch(s()),
            ElbshipError::SpanTakenOver(s()),
            ElbshipError::ObjectLeased { holder: s() },
            ElbshipError::StepFunctions(s()),
            ElbshipError::BackfillIncomplete(s()),
            ElbshipError::BadInput(s()),
            ElbshipError::Config(s()),
        ];
        for e in &all {
            match e {
                ElbshipError::NotALog { .. }
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
                | ElbshipError::BackfillIncomplete(_)
                | ElbshipError::BadInput(_)
                | ElbshipError::Config(_)
                | ElbshipError::Verify(_) => {}
            }
        }
        all
    }

    #[test]
    fn every_name_raised_is_listed_and_every_retryable_name_is_a_name() {
        for e in one_of_each() {
            assert!(ElbshipError::NAMES.contains(&e.name()), "{} is not in NAMES", e.name());
        }
        assert!(ElbshipError::NAMES.contains(&VerifyError::NAME));
        for r in ElbshipError::RETRYABLE {
            assert!(ElbshipError::NAMES.contains(&r), "{r}");
        }
    }

    #[test]
    fn diagnostics_carry_the_stable_name() {
        let d: lambda_runtime::Diagnostic = ElbshipError::Span(SpanError::GzipTruncated { offset: 9 }).into();
        assert_eq!(d.error_type, "GzipTruncated");
        assert!(d.error_message.contains("byte 9"));
        let d: lambda_runtime::Diagnostic = ElbshipError::S3Unavailable("x".into()).into();
        assert!(ElbshipError::RETRYABLE.contains(&d.error_type.as_str()));
    }
}
