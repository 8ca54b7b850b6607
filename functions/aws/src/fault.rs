//! One classifier of SDK errors for every client: what a failed call means, whichever service answered. Each
//! adapter maps the [`Fault`] to its service's error (`S3Unavailable`, `LogsRefused`, ...), so "throttled",
//! "refused" and "missing" mean the same thing for S3, CloudWatch Logs, DynamoDB and Step Functions, and a new
//! store is one mapping, not another set of rules.

use aws_sdk_cloudwatchlogs::config::http::HttpResponse;
use aws_sdk_cloudwatchlogs::error::{ProvideErrorMetadata, SdkError};

/// What a failed call means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Refused for now, for the caller's rate (throttling, 429, `SlowDown`): nothing happened; try again later.
    Throttled,
    /// The service answered that it failed (5xx, `ServiceUnavailable`, `InternalServerError`): a write may or may
    /// not have taken effect.
    Unavailable,
    /// No answer (a timeout, a dropped connection, an unreadable response): a write may have taken effect.
    Ambiguous,
    /// Refused for good (4xx: access denied, validation, a bad name; or a request that could not be built).
    Refused,
    /// What was named does not exist (404, `NoSuchKey`, `ResourceNotFoundException`, ...).
    Missing,
}

impl Fault {
    /// Worth trying again.
    pub fn transient(self) -> bool {
        matches!(self, Fault::Throttled | Fault::Unavailable | Fault::Ambiguous)
    }

    /// A write that failed this way may have been stored.
    pub fn may_have_happened(self) -> bool {
        matches!(self, Fault::Unavailable | Fault::Ambiguous)
    }
}

/// Codes that mean "slow down", across the services elbship calls.
const THROTTLING: [&str; 8] = [
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "SlowDown",
    "RequestThrottled",
];

/// Codes that mean "the service failed", whatever the status says.
const UNAVAILABLE: [&str; 5] =
    ["ServiceUnavailable", "ServiceUnavailableException", "InternalServerError", "InternalFailure", "InternalError"];

/// Codes that mean "not there".
const MISSING: [&str; 6] = [
    "NoSuchKey",
    "NotFound",
    "NoSuchBucket",
    "ResourceNotFoundException",
    "ExecutionDoesNotExist",
    "StateMachineDoesNotExist",
];

/// Classifies a failed call by its code and HTTP status.
pub fn classify<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> Fault {
    let status = e.raw_response().map(|r| r.status().as_u16());
    classify_parts(
        matches!(e, SdkError::ServiceError(_)),
        matches!(e, SdkError::ConstructionFailure(_)),
        e.code(),
        status,
    )
}

/// [`classify`] on the parts of an error: whether the service answered, whether the request could not be built,
/// the error code and the HTTP status.
pub fn classify_parts(answered: bool, not_built: bool, code: Option<&str>, status: Option<u16>) -> Fault {
    match (code, status) {
        (Some(c), _) if THROTTLING.contains(&c) => Fault::Throttled,
        (_, Some(429)) => Fault::Throttled,
        (Some(c), _) if UNAVAILABLE.contains(&c) => Fault::Unavailable,
        (Some(c), _) if MISSING.contains(&c) => Fault::Missing,
        _ if not_built => Fault::Refused,
        (_, Some(404)) if answered => Fault::Missing,
        (_, Some(s)) if answered && (400..500).contains(&s) => Fault::Refused,
        (_, Some(s)) if answered && s >= 500 => Fault::Unavailable,
        _ => Fault::Ambiguous,
    }
}

/// The error's message (or code, or debug form) after `what`, for an error's text.
pub fn describe<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    e: &SdkError<E, R>,
    what: &str,
) -> String {
    format!("{what}: {}", e.message().or(e.code()).map_or_else(|| format!("{e:?}"), str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_s_answers_mean_the_same() {
        let answered = |code: Option<&str>, status: u16| classify_parts(true, false, code, Some(status));
        assert_eq!(answered(Some("ThrottlingException"), 400), Fault::Throttled);
        assert_eq!(answered(Some("ProvisionedThroughputExceededException"), 400), Fault::Throttled);
        assert_eq!(answered(Some("SlowDown"), 503), Fault::Throttled);
        assert_eq!(answered(None, 429), Fault::Throttled);
        assert_eq!(answered(Some("ServiceUnavailableException"), 400), Fault::Unavailable);
        assert_eq!(answered(Some("InternalServerError"), 500), Fault::Unavailable);
        assert_eq!(answered(None, 502), Fault::Unavailable);
        assert_eq!(answered(Some("AccessDenied"), 403), Fault::Refused);
        assert_eq!(answered(Some("AccessDeniedException"), 400), Fault::Refused);
        assert_eq!(answered(Some("ValidationException"), 400), Fault::Refused);
        assert_eq!(answered(Some("NoSuchKey"), 404), Fault::Missing);
        assert_eq!(answered(None, 404), Fault::Missing);
        assert_eq!(answered(Some("ResourceNotFoundException"), 400), Fault::Missing);
        assert_eq!(answered(Some("ExecutionDoesNotExist"), 400), Fault::Missing);
    }

    #[test]
    fn no_answer_is_ambiguous_and_an_unbuildable_request_is_refused() {
        assert_eq!(classify_parts(false, false, None, None), Fault::Ambiguous);
        assert_eq!(classify_parts(false, true, None, None), Fault::Refused);
        assert!(Fault::Ambiguous.may_have_happened() && Fault::Unavailable.may_have_happened());
        assert!(!Fault::Throttled.may_have_happened() && Fault::Throttled.transient());
        assert!(!Fault::Refused.transient() && !Fault::Missing.transient());
    }
}
