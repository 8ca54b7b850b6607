//! The plan function: takes the object an execution was started for, classifies its key (an object elbship may
//! not write anywhere fails by its refusal's name, `AccountNotAllowed` or `KeyMismatch`), learns the target
//! group's retention when the file is old enough for it to matter (once per group per warm function), reads the
//! object once (conditional on its ETag), counting its lines and verifying
//! gzip integrity, cuts it into spans, stores the gzip index when there is more than one span, and returns a
//! small plan: offsets and counts only, far under the 256 KiB state limit for any object size.
//!
//! The first attempt at an object version claims its choices in the checkpoint store (its "now", message mode,
//! old-event policy, span size, the group's retention); every later attempt (a retry, a redrive, a new execution
//! by `elbship ship --retry-failed`) plans with the claimed ones, so its spans and batches are the same and the
//! ship workers can resume from their checkpoints.

use elbship_aws::checkpoints::{CheckpointStore, Lease};
use elbship_aws::config::Config;
use elbship_aws::error::ElbshipError;
use elbship_aws::logs::LogSinks;
use elbship_aws::s3::Objects;
use elbship_core::accounting::checkpoint::{Claim, BATCHING_FORMAT};
use elbship_core::batching::event_builder::EventOptions;
use elbship_core::batching::policy::{retention_can_matter, TimeWindow};
use elbship_core::formats::key::{classify_key, KeyClass};
use elbship_core::formats::kind::Compression;
use elbship_core::orchestration::destination::Destination;
use elbship_core::orchestration::job::{coarsen, Job, PlanInput, PlanOutput, PlanSummary, S3Location, MAX_SPANS};
use elbship_core::orchestration::naming::object_id;
use elbship_core::spans::gzip::{encode_index, GzipIndex};
use elbship_core::spans::{plan_object, SpanError};

/// What the plan function works with.
#[derive(Debug, Clone)]
pub struct PlanDeps<C> {
    /// S3.
    pub objects: Objects,
    /// CloudWatch Logs.
    pub logs: LogSinks,
    /// Configuration.
    pub config: Config,
    /// Claims and checkpoints.
    pub checkpoints: C,
    /// On the Express route: the object is taken for this execution by the same write that claims it.
    pub lease: Option<Lease>,
}

/// The Lambda call: the execution's input (a failure is counted by the state machine's `CountFailure`).
pub async fn invoke<C: CheckpointStore>(
    event: lambda_runtime::LambdaEvent<serde_json::Value>,
    deps: &PlanDeps<C>,
) -> Result<PlanOutput, ElbshipError> {
    let input: PlanInput =
        serde_json::from_value(event.payload).map_err(|e| ElbshipError::BadInput(format!("plan input: {e}")))?;
    handle(input, deps, crate::context::now_ms()).await
}

/// Plans one object; `now_ms` fixes the time window for every worker of the execution.
pub async fn handle<C: CheckpointStore>(
    input: PlanInput,
    deps: &PlanDeps<C>,
    now_ms: i64,
) -> Result<PlanOutput, ElbshipError> {
    let PlanInput { object, options } = input;
    let class = classify_key(&object.key);
    let destination = match deps.config.destinations.of(&class) {
        Some(Err(refusal)) => return Err(ElbshipError::Refused { bucket: object.bucket, key: object.key, refusal }),
        Some(Ok(destination)) => destination,
        None => Destination::default(),
    };
    let log = match class {
        KeyClass::Log(log) => log,
        KeyClass::TestFile { .. } => {
            return Err(ElbshipError::NotALog {
                bucket: object.bucket,
                key: object.key,
                reason: "the ELB test file".into(),
            })
        }
        // A mismatch was refused above.
        KeyClass::NotALog { reason } | KeyClass::Mismatch { reason } => {
            return Err(ElbshipError::NotALog { bucket: object.bucket, key: object.key, reason })
        }
    };
    let cfg = &deps.config;
    let log_group = cfg.log_group.log_group(&log);
    let log_stream = cfg.log_stream.log_stream(&log);

    let compression = log.file.kind.compression();
    let span_bytes = options.span_bytes.unwrap_or(cfg.span_bytes);
    let read = |span_bytes: u64| {
        let object = &object;
        async move {
            let reader = deps.objects.open(object, None).await?;
            tokio::task::spawn_blocking(move || plan_object(compression, reader, span_bytes))
                .await
                .map_err(|e| ElbshipError::Internal(format!("the planning task failed: {e}")))?
                .map_err(ElbshipError::from)
        }
    };
    let (mut plan, mut index) = read(span_bytes).await?;
    // The group and stream are created by the first PutLogEvents that finds them missing. The group's retention
    // matters only to files old enough to hold expired lines (backfills): read once per group per warm function.
    let retention_days = match retention_can_matter(log.file.end_time_ms, now_ms) {
        true => deps.logs.sink(&destination).await?.retention(&log_group).await?,
        false => None,
    };
    let proposed = Claim {
        now_ms,
        mode: options.mode.unwrap_or(cfg.mode),
        policy: options.policy.unwrap_or(cfg.policy),
        span_bytes,
        retention_days: retention_days.unwrap_or(0),
        format: BATCHING_FORMAT,
    };
    let id = object_id(&object.bucket, &object.key, &object.etag);
    let claim = deps.checkpoints.claim(&id, proposed, deps.lease.as_ref()).await?;
    claim.check_format().map_err(|e| ElbshipError::CheckpointMismatch(e.to_string()))?;
    if claim != proposed {
        tracing::info!(key = object.key, ?claim, "an earlier attempt claimed this object: planning with its choices");
    }
    if claim.span_bytes != span_bytes {
        (plan, index) = read(claim.span_bytes).await?;
    }
    let (plan, firsts) = coarsen(plan, MAX_SPANS);
    plan.check_cover().map_err(|e| ElbshipError::Span(SpanError::IndexCorrupt(e.to_string())))?;

    let index_location = match index {
        Some(GzipIndex { points }) if plan.spans.len() > 1 => {
            let bucket = cfg.staging_bucket.clone().ok_or_else(|| {
                ElbshipError::Config("ELBSHIP_STAGING_BUCKET is required to ship gzip objects in several spans".into())
            })?;
            let kept = GzipIndex { points: firsts.iter().map(|&i| points[i].clone()).collect() };
            let location = S3Location { bucket, key: format!("{}{id}.idx", cfg.staging_prefix) };
            deps.objects.put_bytes(&location, encode_index(&kept)?).await?;
            Some(location)
        }
        _ => None,
    };
    debug_assert!(compression == Compression::Gzip || index_location.is_none());
    let summary = PlanSummary {
        lines: plan.lines,
        object_bytes: plan.object_bytes,
        uncompressed_bytes: plan.uncompressed_bytes,
        span_count: plan.spans.len() as u32,
        map_concurrency: cfg.map_concurrency,
    };
    let to = destination.to_string();
    tracing::info!(
        key = object.key,
        lines = plan.lines,
        spans = plan.spans.len(),
        log_group,
        log_stream,
        to,
        "planned"
    );
    let job = Job {
        events: EventOptions {
            kind: log.file.kind,
            mode: claim.mode,
            policy: claim.policy,
            window: TimeWindow {
                now_ms: claim.now_ms,
                retention_days: (claim.retention_days > 0).then_some(claim.retention_days),
            },
            fallback_ms: log.file.end_time_ms,
        },
        object,
        kind: log.file.kind,
        log_group,
        log_stream,
        index: index_location,
        send_concurrency: cfg.send_concurrency,
        destination,
    };
    Ok(PlanOutput { job, spans: plan.spans, summary })
}
