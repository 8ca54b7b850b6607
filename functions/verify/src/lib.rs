//! The verify function: the plan and every span's ledger in; it passes only if the spans read exactly the
//! object's lines and every line is delivered or counted under a named reason, and otherwise fails the execution
//! with `VerificationFailed` and what is missing. On success it removes the staged gzip index and returns the
//! summary that the Step Functions console shows as the execution's output.

use elbship_aws::error::ElbshipError;
use elbship_aws::s3::Objects;
use elbship_core::job::VerifyInput;
use elbship_core::verify::{verify, Verified};

/// Verifies one execution.
pub async fn handle(input: VerifyInput, objects: &Objects) -> Result<Verified, ElbshipError> {
    let verified = verify(&input)?;
    if let Some(index) = &input.job.index {
        if let Err(e) = objects.delete(index).await {
            // The staging lifecycle rule removes it later; the verdict stands.
            tracing::warn!(error = %e, key = index.key, "could not delete the staged index");
        }
    }
    tracing::info!(
        key = verified.object.key,
        lines = verified.ledger.lines_read,
        delivered = verified.ledger.lines_delivered,
        "verified"
    );
    Ok(verified)
}
