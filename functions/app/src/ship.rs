//! The ship function: one span of one object. A ranged GET (conditional on the ETag, resumed if the connection
//! breaks) is decoded on a blocking thread into exactly the lines the span owns, which become events and
//! batches, numbered in order; batches go to CloudWatch Logs with bounded concurrency.
//!
//! Every attempt resumes from the span's checkpoint ([`elbship_core::accounting::checkpoint`]): it takes the span over,
//! skips the batches CloudWatch acknowledged before (counting them from the checkpoint), reserves each batch in
//! the checkpoint before sending it, and records each acknowledgement as it comes. A batch an earlier attempt
//! may have sent without an answer (it was killed, or timed out, with batches in flight or reserved) is settled by
//! reading its stream back before anything is sent ([`elbship_aws::logs::readback`]): found, it is counted as
//! acknowledged; absent, it is sent; only when that cannot be told is it sent and counted as possibly duplicated.
//! So is a batch whose own answer is lost in this attempt. The function returns the span's ledger.
//!
//! It watches its own deadline: before Lambda would stop it, it stops sending, records where it is and fails
//! with `ShipIncomplete`, which the state machine retries; so does any transient failure. Permanent failures
//! (`LogsRefused`, `SpanTakenOver`, `CheckpointMismatch`, a corrupt span) keep their own names.

use crate::context::Invocation;
use elbship_aws::checkpoints::fence::Fence;
use elbship_aws::checkpoints::{geometry, Ack, CheckpointStore};
use elbship_aws::error::ElbshipError;
use elbship_aws::logs::{Delivered, LogSinks, SendPolicy, Sending, Unknown};
use elbship_aws::s3::Objects;
use elbship_core::accounting::checkpoint::{span_key, Next, SpanCheckpoint};
use elbship_core::accounting::ledger::Ledger;
use elbship_core::batching::batch::Batch;
use elbship_core::batching::event_builder::EventBuilder;
use elbship_core::batching::pipeline::{batch_span, PipelineError, SpanOutput};
use elbship_core::formats::kind::Compression;
use elbship_core::orchestration::job::{ShipInput, ShipOutput};
use elbship_core::orchestration::naming::object_id;
use elbship_core::spans::gzip::{decode_index, AccessPoint};
use elbship_core::spans::{span_source, SpanError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// What the ship function works with.
#[derive(Debug, Clone)]
pub struct ShipDeps<C> {
    /// S3.
    pub objects: Objects,
    /// CloudWatch Logs, in each destination.
    pub logs: LogSinks,
    /// Span checkpoints.
    pub checkpoints: C,
    /// How PutLogEvents is retried.
    pub send: SendPolicy,
}

async fn access_point<C>(input: &ShipInput, deps: &ShipDeps<C>) -> Result<Option<AccessPoint>, ElbshipError> {
    if input.job.kind.compression() != Compression::Gzip {
        return Ok(None);
    }
    let Some(location) = &input.job.index else {
        // A single span starts at the start of the object.
        return Ok(Some(AccessPoint { member_start: true, ..AccessPoint::default() }));
    };
    let index = decode_index(&deps.objects.get_bytes(location).await?)?;
    let point = index.points.into_iter().nth(input.span.index as usize);
    point
        .map(Some)
        .ok_or_else(|| SpanError::IndexCorrupt(format!("no access point for span {}", input.span.index)).into())
}

type Sent = (u32, Result<(Batch, Delivered), ElbshipError>);

/// The span's progress in this attempt: the checkpoint as taken over (what earlier attempts did, which decides
/// what to skip and what may be a duplicate), the checkpoint as this attempt keeps it, the ledger of every batch
/// met so far.
struct Progress<'a, C> {
    store: &'a C,
    key: String,
    owner: &'a str,
    prior: SpanCheckpoint,
    checkpoint: SpanCheckpoint,
    delivered: Ledger,
    failure: Option<ElbshipError>,
    /// GetLogEvents calls made settling batches of unknown fate.
    read_back_calls: u64,
    /// The span's ownership as last confirmed.
    fence: Arc<Fence>,
}

impl<C: CheckpointStore> Progress<'_, C> {
    /// Counts a finished send and records it in the checkpoint.
    async fn finish(&mut self, (seq, result): Sent) {
        let (batch, d) = match result {
            Ok(sent) => sent,
            Err(e) => {
                self.failure.get_or_insert(e);
                return;
            }
        };
        if d.read_back {
            self.read_back_calls += u64::from(d.read_back_calls);
        }
        let possibly_duplicated = d.possibly_duplicated;
        let mut ledger = d.rejections.ledger(&batch);
        if possibly_duplicated {
            ledger.possibly_duplicated = ledger.events_delivered;
        }
        self.delivered.merge(&ledger);
        self.checkpoint.record_ack(seq, d.rejections, possibly_duplicated, &ledger);
        let ack = Ack { seq, rejections: d.rejections, possibly_duplicated };
        let at = Instant::now();
        match self.store.ack(&self.key, self.owner, ack, &self.checkpoint.progress).await {
            Ok(()) => self.fence.confirmed(at).await,
            Err(e) => {
                self.failure.get_or_insert(e);
            }
        }
    }

    fn fail(&mut self, e: ElbshipError) {
        self.failure.get_or_insert(e);
    }
}

/// The Lambda call: one span, within the invocation's deadline.
pub async fn invoke<C: CheckpointStore + Clone + 'static>(
    event: lambda_runtime::LambdaEvent<serde_json::Value>,
    deps: &ShipDeps<C>,
) -> Result<ShipOutput, ElbshipError> {
    let invocation = Invocation::from_lambda(&event.context, Duration::ZERO);
    let input: ShipInput =
        serde_json::from_value(event.payload).map_err(|e| ElbshipError::BadInput(format!("ship input: {e}")))?;
    handle(input, deps, &invocation).await
}

/// Ships one span.
pub async fn handle<C: CheckpointStore + Clone + 'static>(
    input: ShipInput,
    deps: &ShipDeps<C>,
    invocation: &Invocation,
) -> Result<ShipOutput, ElbshipError> {
    let point = access_point(&input, deps).await?;
    // The destination's sink is made (its role assumed) before anything is reserved: a refused role sends nothing.
    let sink = deps.logs.sink(&input.job.destination).await?;
    let object = &input.job.object;
    let key = span_key(&object_id(&object.bucket, &object.key, &object.etag), input.span.index);
    let concurrency = input.job.send_concurrency.max(1);
    // Opened before the span is taken over: an object that cannot be read reserves nothing, so the next attempt
    // does not count batches this one never sent as possibly duplicated.
    let reader = deps.objects.open(object, Some((input.span.read_start, input.span.read_end))).await?;
    // A new span's first `concurrency` batches are reserved by the same write that takes it over.
    let taking_at = Instant::now();
    let taken = deps.checkpoints.take_over(&key, &invocation.owner, &geometry(&input.span), concurrency).await?;
    // A batch held through a storm is sent only while this attempt still owns the span, as confirmed within half
    // the time a newer attempt waits before reading back what this one may have sent.
    let fresh_for = deps.send.read_back.settle / 2;
    let fence =
        Arc::new(Fence::new(deps.checkpoints.clone(), key.clone(), invocation.owner.clone(), taking_at, fresh_for));
    // Whatever an earlier attempt sent, it sent before this one took the span over.
    let earlier = Unknown { since: Instant::now(), sent_at_ms: crate::context::now_ms() };
    let checkpoint = taken.prior;
    let resumed = (checkpoint.acked.len(), checkpoint.unknown().count());
    if resumed != (0, 0) {
        tracing::info!(span = input.span.index, acked = resumed.0, unknown = resumed.1, "resuming from the checkpoint");
    }
    let span = input.span.clone();
    let (tx, mut rx) = mpsc::channel::<Batch>(concurrency as usize);
    let builder = EventBuilder::new(input.job.events);
    let compression = input.job.kind.compression();
    let reading = tokio::task::spawn_blocking(move || -> Result<SpanOutput, PipelineError<()>> {
        let (mut source, start) = span_source(compression, &span, point.as_ref(), reader)?;
        let mut out = SpanOutput::default();
        batch_span(&mut *source, start, span.owned(), &builder, &mut out, |batch| {
            tx.blocking_send(batch).map_err(|_| ())
        })?;
        Ok(out)
    });

    let (group, stream) = (Arc::new(input.job.log_group.clone()), Arc::new(input.job.log_stream.clone()));
    let mut p = Progress {
        store: &deps.checkpoints,
        key,
        owner: &invocation.owner,
        checkpoint: SpanCheckpoint { sent_below: taken.sent_below, ..checkpoint.clone() },
        prior: checkpoint,
        delivered: Ledger::default(),
        failure: None,
        read_back_calls: 0,
        fence: fence.clone(),
    };
    let mut sending: JoinSet<Sent> = JoinSet::new();
    let mut seq = 0u32;
    let mut seq_sent = 0u32;
    while p.failure.is_none() {
        if sending.len() >= concurrency as usize {
            if let Some(done) = sending.join_next().await {
                p.finish(done.unwrap_or_else(lost_task)).await;
            }
            continue;
        }
        let batch = tokio::select! {
            batch = rx.recv() => match batch {
                Some(batch) => batch,
                None => break,
            },
            Some(done) = sending.join_next(), if !sending.is_empty() => {
                p.finish(done.unwrap_or_else(lost_task)).await;
                continue;
            }
        };
        let this = seq;
        seq += 1;
        let unknown = match p.prior.next(this) {
            Next::Skip => {
                let ledger = p.prior.acked_ledger(this, &batch);
                p.delivered.merge(&ledger);
                continue;
            }
            Next::Send { fate_unknown } => fate_unknown.then_some(earlier),
        };
        if Instant::now() >= invocation.give_up_at {
            p.fail(ElbshipError::OutOfTime(format!("stopped before batch {this}")));
            break;
        }
        if let Some(sent_below) = p.checkpoint.reservation(this, concurrency) {
            let at = Instant::now();
            if let Err(e) = deps.checkpoints.reserve(&p.key, &invocation.owner, sent_below).await {
                p.fail(e);
                break;
            }
            fence.confirmed(at).await;
            p.checkpoint.sent_below = sent_below;
        }
        seq_sent = this + 1;
        let (logs, group, stream, policy, until, fence) =
            (sink.clone(), group.clone(), stream.clone(), deps.send, invocation.give_up_at, fence.clone());
        sending.spawn(async move {
            let how = Sending { give_up_at: until, unknown, fence: Some(&fence) };
            let result = logs.put(&group, &stream, &batch, policy, how).await;
            (this, result.map(|d| (batch, d)))
        });
    }
    while let Some(done) = sending.join_next().await {
        p.finish(done.unwrap_or_else(lost_task)).await;
    }
    drop(rx);
    let read = reading.await.map_err(|e| ElbshipError::Internal(format!("the reading task failed: {e}")))?;
    let failure = match (p.failure, read) {
        (None, Ok(out)) => {
            let mut ledger = out.ledger;
            ledger.merge(&p.delivered);
            tracing::info!(
                span = input.span.index,
                lines = ledger.lines_read,
                delivered = ledger.lines_delivered,
                possibly_duplicated = ledger.possibly_duplicated,
                read_back_calls = p.read_back_calls,
                "shipped"
            );
            return Ok(ShipOutput { span: input.span.index, ledger, times: out.times });
        }
        (Some(e), _) => e,
        (None, Err(PipelineError::Span(e))) => e.into(),
        (None, Err(PipelineError::Consumer(()))) => ElbshipError::LogsUnavailable("the sender stopped".into()),
    };
    // Batches this attempt reserved but never sent are not possible duplicates for the next one.
    let settled = SpanCheckpoint::settled(&p.prior, seq_sent);
    if settled < p.checkpoint.sent_below {
        if let Err(e) = deps.checkpoints.reserve(&p.key, &invocation.owner, settled).await {
            tracing::warn!(error = %e, "could not settle the reservation: the next attempt counts more as possibly duplicated");
        }
    }
    let progress = p.checkpoint.progress;
    tracing::warn!(span = input.span.index, error = failure.name(), %failure, lines_delivered = progress.lines_delivered, "span stopped");
    if !failure.retryable() {
        return Err(failure);
    }
    Err(ElbshipError::ShipIncomplete {
        span: input.span.index,
        lines_delivered: progress.lines_delivered,
        batches: progress.batches,
        cause: format!("{}: {failure}", failure.name()),
    })
}

/// A send task that panicked or was cancelled: its batch's fate is unknown, and the checkpoint says so.
fn lost_task(e: tokio::task::JoinError) -> Sent {
    (u32::MAX, Err(ElbshipError::LogsUnavailable(format!("send task: {e}").into())))
}
