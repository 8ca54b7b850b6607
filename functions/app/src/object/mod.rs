//! The object function: the Express route's one call per small object.
//!
//! It claims the object for its Express execution (a lease taken by the same DynamoDB write as the claim: Express
//! starts are at least once and their names are not unique, so a duplicated event can start a second execution,
//! which finds the object held and ships nothing), then plans, ships and verifies it in process with the code,
//! checkpoints and ledger of the Standard route, reading the object from S3 once. A retry of the call after a
//! crash is the same execution, holds the lease, and resumes from the checkpoints.
//!
//! When it cannot finish (any failure left after its own retries), it hands the object to the Standard state
//! machine (`StartExecution`, named from the object, so idempotent), whose retries and `--retry-failed` finish
//! it from the same checkpoints; the Express execution then succeeds with the outcome `escalated` and that
//! execution's ARN. Only when the hand-over itself fails does the call fail, with the hand-over's error (so a
//! throttled StartExecution is `StepFunctionsUnavailable`, which the calling Task retries).
//!
//! The backfill state machine calls it too, once per batch of its Distributed Map and once for the summary
//! ([`backfill`]).

pub mod backfill;
pub mod call;

use crate::context::Invocation;
use crate::plan::PlanDeps;
use crate::ship::ShipDeps;
use crate::verify::VerifyDeps;
use elbship_aws::checkpoints::{CheckpointStore, Lease};
use elbship_aws::error::ElbshipError;
use elbship_aws::sfn::{start_object, StartOutcome};
use elbship_core::orchestration::job::{ShipInput, SpanResult, VerifyInput};
use elbship_core::orchestration::route::{ObjectInput, ObjectOutcome, LEASE_MS};

/// What the object function works with: what plan, ship and verify each need, and the Standard state machine.
#[derive(Debug, Clone)]
pub struct ObjectDeps<C> {
    /// For planning (its `lease` is set per call).
    pub plan: PlanDeps<C>,
    /// For shipping.
    pub ship: ShipDeps<C>,
    /// For verifying.
    pub verify: VerifyDeps<C>,
    /// Step Functions, for the hand-over.
    pub sfn: aws_sdk_sfn::Client,
    /// The Standard state machine.
    pub standard_arn: String,
}

/// Time kept back from shipping for the hand-over to the Standard state machine.
pub const HAND_OVER: std::time::Duration = std::time::Duration::from_secs(10);

/// The Lambda call: what its `call` tag says ([`call::Call`]).
pub async fn invoke<C: CheckpointStore + Clone + 'static>(
    event: lambda_runtime::LambdaEvent<serde_json::Value>,
    deps: &ObjectDeps<C>,
) -> Result<serde_json::Value, ElbshipError> {
    let invocation = Invocation::from_lambda(&event.context, HAND_OVER);
    let now_ms = invocation.now_ms;
    let output = match call::Call::read(event.payload)? {
        call::Call::Object(input) => serde_json::to_value(handle(input, deps, &invocation, now_ms).await?),
        call::Call::Batch(batch) => {
            let max = deps.plan.config.express_max_bytes;
            serde_json::to_value(backfill::ship_batch(batch, deps, &invocation, now_ms, max).await?)
        }
        call::Call::Summarize { summarize } => {
            serde_json::to_value(backfill::summarize(&summarize, &deps.verify.objects).await?)
        }
        call::Call::Failed(failed) => {
            elbship_aws::metrics::failed(&failed.object.object, &failed.error);
            Ok(serde_json::Value::Null)
        }
    };
    output.map_err(|e| ElbshipError::Internal(format!("the output: {e}")))
}

/// Plans, ships and verifies one object, or hands it to the Standard state machine.
pub async fn handle<C: CheckpointStore + Clone + 'static>(
    input: ObjectInput,
    deps: &ObjectDeps<C>,
    invocation: &Invocation,
    now_ms: i64,
) -> Result<ObjectOutcome, ElbshipError> {
    let lease = Lease { holder: input.execution.clone(), now_ms, until_ms: now_ms + LEASE_MS };
    match Box::pin(ship_whole(&input, deps, invocation, lease, now_ms)).await {
        Ok(outcome) => Ok(outcome),
        Err(ElbshipError::ObjectLeased { holder }) => {
            tracing::info!(key = input.input.object.key, holder, "held by another execution: a duplicated event");
            Ok(ObjectOutcome::Duplicate { holder })
        }
        Err(e @ (ElbshipError::NotALog { .. } | ElbshipError::Refused { .. })) => Err(e),
        Err(e) => escalate(&input, deps, e).await,
    }
}

async fn ship_whole<C: CheckpointStore + Clone + 'static>(
    input: &ObjectInput,
    deps: &ObjectDeps<C>,
    invocation: &Invocation,
    lease: Lease,
    now_ms: i64,
) -> Result<ObjectOutcome, ElbshipError> {
    let plan_deps = PlanDeps { lease: Some(lease), ..deps.plan.clone() };
    let planned = crate::plan::handle(input.input.clone(), &plan_deps, now_ms).await?;
    let mut results = Vec::with_capacity(planned.spans.len());
    for span in &planned.spans {
        let ship = ShipInput { job: planned.job.clone(), span: span.clone() };
        results.push(SpanResult::Shipped(Box::pin(crate::ship::handle(ship, &deps.ship, invocation)).await?));
    }
    let verify = VerifyInput { job: planned.job, spans: planned.spans, summary: planned.summary, results };
    let verified = crate::verify::handle(verify, &deps.verify).await?;
    Ok(ObjectOutcome::Verified(Box::new(verified)))
}

async fn escalate<C>(
    input: &ObjectInput,
    deps: &ObjectDeps<C>,
    error: ElbshipError,
) -> Result<ObjectOutcome, ElbshipError> {
    let object = &input.input.object;
    tracing::warn!(key = object.key, error = error.name(), %error, "handing the object to the Standard state machine");
    match start_object(&deps.sfn, &deps.standard_arn, object, input.input.options).await {
        Ok(StartOutcome::Started { execution_arn, .. } | StartOutcome::AlreadyStarted { execution_arn, .. }) => {
            Ok(ObjectOutcome::Escalated { execution_arn, error: error.name().to_string(), cause: error.to_string() })
        }
        Ok(StartOutcome::Skipped { reason, .. } | StartOutcome::Refused { reason, .. }) => {
            Err(ElbshipError::BadInput(reason))
        }
        Err(start) => {
            // The hand-over's own error, not the object's: a throttled StartExecution is StepFunctionsUnavailable,
            // which the calling Task retries (the retry resumes the object from its checkpoints).
            tracing::error!(key = object.key, object_error = %error, error = %start,
                "the hand-over failed: this call fails with the hand-over's error");
            Err(start)
        }
    }
}
