//! The object function's two calls from the backfill state machine: one batch of its Distributed Map, and the
//! summary at the end.
//!
//! A batch's objects are chosen from their keys ([`choose`]); each small object goes through the same path as a
//! live object on the Express route ([`crate::handle`]: claim, plan, ship, verify in process, or hand-over to the
//! Standard route), with the backfill's execution as the holder of its lease, so an object already shipped by its
//! S3 event ships nothing and a redrive of the backfill resumes what its failed attempt held. A larger object is
//! started as its own Standard execution, under the name its S3 event would give it; so is every small object left
//! when the call nears its deadline ([`OBJECT_TIME`]). An object that fails is
//! handed over and named in the summary; only a failure to hand over fails the batch (and so the Map Run, which
//! tolerates no failure), leaving it to a redrive.
//!
//! The summary merges the batches' summaries from the Map's ResultWriter files, and fails the execution with
//! `BackfillIncomplete` (the summary as its cause) when an object was not verified.

use super::{handle, ObjectDeps};
use crate::context::Invocation;
use elbship_aws::checkpoints::CheckpointStore;
use elbship_aws::error::ElbshipError;
use elbship_aws::s3::Objects;
use elbship_aws::sfn::{start_object, StartOutcome};
use elbship_core::orchestration::backfill::batch::{choose, Batch, Choice, Failure, Skip, Summary};
use elbship_core::orchestration::job::{PlanInput, S3Location};
use elbship_core::orchestration::route::{route, ObjectInput, Route};
use serde::Deserialize;
use std::time::Duration;

/// Time a small object may take in process: with less left before the call must give up, the batch's remaining
/// objects are started as their own Standard executions instead, never failed for want of time.
pub const OBJECT_TIME: Duration = Duration::from_secs(20);

/// Ships one batch; its summary is the child's output.
pub async fn ship_batch<C: CheckpointStore + Clone + 'static>(
    batch: Batch,
    deps: &ObjectDeps<C>,
    invocation: &Invocation,
    now_ms: i64,
    express_max_bytes: u64,
) -> Result<Summary, ElbshipError> {
    let mut summary = Summary::default();
    for item in &batch.items {
        let choice = match choose(item, &batch.input, now_ms, express_max_bytes, &deps.plan.config.destinations) {
            // An inventory row without its ETag or size: HEAD it, so its execution name, claim and reads are
            // those of the object's own S3 event (which carries both).
            Choice::Ship(object, _) if object.etag.is_empty() || object.size == 0 => {
                match deps.ship.objects.head(&object).await {
                    Ok(object) => {
                        let to = route(object.size, express_max_bytes, true);
                        Choice::Ship(object, to)
                    }
                    Err(e @ (ElbshipError::S3Unavailable(_) | ElbshipError::S3Refused(_))) => return Err(e),
                    Err(e) => {
                        summary.objects += 1;
                        summary.fail(Failure {
                            key: object.key.clone(),
                            error: e.name().to_string(),
                            cause: e.to_string(),
                            execution_arn: None,
                        });
                        continue;
                    }
                }
            }
            other => other,
        };
        let choice = match choice {
            Choice::Ship(object, Route::Express)
                if tokio::time::Instant::now() + OBJECT_TIME > invocation.give_up_at =>
            {
                Choice::Ship(object, Route::Standard)
            }
            other => other,
        };
        match choice {
            Choice::Skip(why) => summary.skip(why),
            Choice::Ship(object, Route::Standard) => {
                match start_object(&deps.sfn, &deps.standard_arn, &object, batch.input.options).await? {
                    StartOutcome::Started { execution_arn, .. }
                    | StartOutcome::AlreadyStarted { execution_arn, .. } => {
                        summary.started_standard(&execution_arn);
                    }
                    StartOutcome::Skipped { .. } => summary.skip(Skip::NotALog),
                    StartOutcome::Refused { .. } => summary.skip(Skip::Refused),
                }
            }
            Choice::Ship(object, Route::Express) => {
                let key = object.key.clone();
                let input = ObjectInput {
                    input: PlanInput { object, options: batch.input.options },
                    execution: batch.input.backfill.clone(),
                };
                let outcome = handle(input, deps, invocation, now_ms).await?;
                summary.record(&key, &outcome);
            }
        }
    }
    tracing::info!(
        objects = summary.objects,
        verified = summary.verified,
        duplicate = summary.duplicate,
        failed = summary.failed,
        "batch shipped"
    );
    Ok(summary)
}

/// The Map's ResultWriter manifest (`manifest.json`), as much of it as the summary reads.
#[derive(Debug, Deserialize)]
struct Manifest {
    #[serde(rename = "ResultFiles")]
    result_files: ResultFiles,
}

#[derive(Debug, Deserialize)]
struct ResultFiles {
    #[serde(rename = "SUCCEEDED", default)]
    succeeded: Vec<ResultFile>,
    #[serde(rename = "FAILED", default)]
    failed: Vec<ResultFile>,
}

#[derive(Debug, Deserialize)]
struct ResultFile {
    #[serde(rename = "Key")]
    key: String,
}

/// One line of a result file (`WriterConfig` `OutputType` `JSONL`). With `Transformation` `COMPACT`, a succeeded
/// child's line is its output itself (the batch's summary); a failed child's, and every child's without
/// `COMPACT`, is the execution's record, its output a JSON string in `Output`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ResultLine {
    Record {
        #[serde(rename = "Output")]
        output: String,
    },
    Output(Box<Summary>),
}

/// The summary call's input: where the Map's ResultWriter wrote its manifest.
#[derive(Debug, Deserialize)]
pub struct SummarizeInput {
    /// `ResultWriterDetails.Bucket`.
    #[serde(rename = "Bucket")]
    pub bucket: String,
    /// `ResultWriterDetails.Key`.
    #[serde(rename = "Key")]
    pub key: String,
}

/// Merges the batches' summaries, streaming each result file line by line (a million objects' backfill writes
/// 40,000 lines; the summary itself is bounded: counts and the first failures); `BackfillIncomplete` when an object
/// was not verified.
pub async fn summarize(input: &SummarizeInput, objects: &Objects) -> Result<Summary, ElbshipError> {
    let at = S3Location { bucket: input.bucket.clone(), key: input.key.clone() };
    let bytes = objects.get_bytes(&at).await?;
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .map_err(|e| ElbshipError::BadInput(format!("s3://{}/{}: {e}", input.bucket, input.key)))?;
    if !manifest.result_files.failed.is_empty() {
        // The Map Run tolerates no failure: the execution fails before this step. Never reached with a failed file.
        return Err(ElbshipError::BadInput("the Map Run has failed batches: redrive the backfill".into()));
    }
    let mut summary = Summary::default();
    for file in &manifest.result_files.succeeded {
        let at = S3Location { bucket: input.bucket.clone(), key: file.key.clone() };
        objects
            .for_each_line(&at, |n, line| {
                let batch = parse_line(line).map_err(|e| {
                    ElbshipError::BadInput(format!("s3://{}/{} line {n}: a batch summary: {e}", at.bucket, at.key))
                })?;
                summary.merge(&batch);
                Ok(())
            })
            .await?;
    }
    tracing::info!(
        objects = summary.objects,
        verified = summary.verified,
        failed = summary.failed,
        "backfill summarized"
    );
    if summary.is_complete() {
        Ok(summary)
    } else {
        let text = serde_json::to_string(&summary).map_err(|e| ElbshipError::Internal(format!("the summary: {e}")))?;
        Err(ElbshipError::BackfillIncomplete(text))
    }
}

/// One result line's batch summary.
fn parse_line(line: &[u8]) -> Result<Summary, String> {
    if line.first() == Some(&b'[') {
        return Err("a JSON array: the ResultWriter must write JSON Lines (WriterConfig OutputType JSONL)".into());
    }
    match serde_json::from_slice::<ResultLine>(line).map_err(|e| e.to_string())? {
        ResultLine::Output(s) => Ok(*s),
        ResultLine::Record { output } => serde_json::from_str(&output).map_err(|e| e.to_string()),
    }
}
