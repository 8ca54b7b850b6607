//! The verify function: the plan and every span's result in; it passes only if the spans read exactly the
//! object's lines and every line is delivered or counted under a named reason, and otherwise fails the execution
//! with `VerificationFailed` and what is missing. When spans failed after every retry it fails with
//! `ObjectIncomplete`, whose message is the JSON account of what CloudWatch Logs holds, span by span (read from
//! the failed spans' checkpoints), and the command that finishes the object. On success it removes the staged
//! gzip index, prints the object's metrics (EMF) and returns the summary that the Step Functions console shows as the
//! execution's output.

use elbship_aws::checkpoints::CheckpointStore;
use elbship_aws::error::ElbshipError;
use elbship_aws::s3::Objects;
use elbship_core::accounting::checkpoint::span_key;
use elbship_core::accounting::verify::{incomplete, verify, Verified, VerifyError};
use elbship_core::orchestration::job::{FailedExecution, VerifyInput};
use elbship_core::orchestration::naming::object_id;
use serde::Deserialize;
use std::collections::HashMap;

/// What the verify function works with.
#[derive(Debug, Clone)]
pub struct VerifyDeps<C> {
    /// S3 (the staged index).
    pub objects: Objects,
    /// The spans' checkpoints.
    pub checkpoints: C,
}

/// What the verify function is called for, by the `call` tag the Standard state machine sets: the Map's results
/// to verify, or (from its `CountFailure` state) an execution that failed, to count in the object's metrics.
#[derive(Debug, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum VerifyCall {
    /// `{"call": "verify", "job", "spans", "summary", "results"}`.
    Verify(Box<VerifyInput>),
    /// `{"call": "failed", "object", "error"}`.
    Failed(FailedExecution),
}

impl VerifyCall {
    /// Reads a call from the function's payload.
    pub fn read(payload: serde_json::Value) -> Result<VerifyCall, ElbshipError> {
        crate::context::read_call(payload, "verify")
    }
}

/// The Lambda call: the verdict (the execution's output), or `null` once a failed execution is counted.
pub async fn invoke<C: CheckpointStore>(
    event: lambda_runtime::LambdaEvent<serde_json::Value>,
    deps: &VerifyDeps<C>,
) -> Result<serde_json::Value, ElbshipError> {
    match VerifyCall::read(event.payload)? {
        VerifyCall::Verify(input) => serde_json::to_value(handle(*input, deps).await?)
            .map_err(|e| ElbshipError::Internal(format!("the verdict: {e}"))),
        VerifyCall::Failed(failed) => {
            elbship_aws::metrics::failed(&failed.object.object, &failed.error);
            Ok(serde_json::Value::Null)
        }
    }
}

/// Verifies one execution.
pub async fn handle<C: CheckpointStore>(input: VerifyInput, deps: &VerifyDeps<C>) -> Result<Verified, ElbshipError> {
    let verified = match verify(&input) {
        Ok(v) => v,
        Err(VerifyError::SpansFailed(spans)) => return Err(report(&input, &spans, deps).await),
        Err(e) => return Err(e.into()),
    };
    if let Some(index) = &input.job.index {
        if let Err(e) = deps.objects.delete(index).await {
            // The staging lifecycle rule removes it later; the verdict stands.
            tracing::warn!(error = %e, key = index.key, "could not delete the staged index");
        }
    }
    elbship_aws::metrics::verified(&verified);
    tracing::info!(
        key = verified.object.key,
        lines = verified.ledger.lines_read,
        delivered = verified.ledger.lines_delivered,
        possibly_duplicated = verified.ledger.possibly_duplicated,
        "verified"
    );
    Ok(verified)
}

/// The `ObjectIncomplete` failure: what the failed spans' checkpoints hold.
async fn report<C: CheckpointStore>(input: &VerifyInput, failed: &[u32], deps: &VerifyDeps<C>) -> ElbshipError {
    let o = &input.job.object;
    let id = object_id(&o.bucket, &o.key, &o.etag);
    let mut progress = HashMap::new();
    for &span in failed {
        match deps.checkpoints.read(&span_key(&id, span)).await {
            Ok(Some(cp)) => {
                progress.insert(span, cp.progress);
            }
            Ok(None) => {}
            // The retry of verify reads it again; without it the account would understate what was delivered.
            Err(e) => return e,
        }
    }
    let account = incomplete(input, |span| progress.get(&span).copied().unwrap_or_default());
    tracing::warn!(key = o.key, failed = ?failed, delivered = account.lines_delivered, "spans failed");
    match serde_json::to_string(&account) {
        Ok(json) => ElbshipError::ObjectIncomplete(json),
        Err(e) => ElbshipError::Internal(format!("the failure account: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_failed_execution_and_an_untagged_call_read_as_they_should() {
        let failed = json!({"call": "failed", "error": "S3Unavailable",
            "object": {"bucket": "b", "key": "k", "size": 1, "etag": "e"}});
        assert!(matches!(VerifyCall::read(failed), Ok(VerifyCall::Failed(f)) if f.error == "S3Unavailable"));
        let untagged = json!({"job": {}, "spans": [], "summary": {}, "results": []});
        let e = VerifyCall::read(untagged).err().map(|e| (e.name(), e.to_string()));
        assert!(matches!(&e, Some(("BadInput", m)) if m.contains("verify function call")), "{e:?}");
    }
}
