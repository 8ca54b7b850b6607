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
use elbship_core::orchestration::job::VerifyInput;
use elbship_core::orchestration::naming::object_id;
use std::collections::HashMap;

/// What the verify function works with.
#[derive(Debug, Clone)]
pub struct VerifyDeps<C> {
    /// S3 (the staged index).
    pub objects: Objects,
    /// The spans' checkpoints.
    pub checkpoints: C,
}

/// The Lambda call: the Map's results; a failure is counted in the object's metrics.
pub async fn invoke<C: CheckpointStore>(
    event: lambda_runtime::LambdaEvent<serde_json::Value>,
    deps: &VerifyDeps<C>,
) -> Result<Verified, ElbshipError> {
    let input: VerifyInput =
        serde_json::from_value(event.payload).map_err(|e| ElbshipError::BadInput(format!("verify input: {e}")))?;
    let object = input.job.object.clone();
    let result = handle(input, deps).await;
    if let Err(e) = &result {
        elbship_aws::metrics::failed(&object, e);
    }
    result
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
