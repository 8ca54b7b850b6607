//! The ship function: one span of one object. A ranged GET (conditional on the ETag) is decoded on a blocking
//! thread into exactly the lines the span owns, which become events and batches; batches go to CloudWatch Logs
//! with bounded concurrency (the SDK retries throttling and 5xx with backoff and jitter), and what CloudWatch
//! refuses is read back into the ledger. The function returns the span's ledger.
//!
//! A failure before anything was delivered keeps its retryable name; after some batches were delivered it is
//! `ShipIncomplete`, which the state machine does not retry (a retry would deliver those batches twice).

use elbship_aws::error::ElbshipError;
use elbship_aws::logs::LogSink;
use elbship_aws::s3::Objects;
use elbship_core::batch::Batch;
use elbship_core::event_builder::EventBuilder;
use elbship_core::job::{ShipInput, ShipOutput};
use elbship_core::kind::Compression;
use elbship_core::ledger::Ledger;
use elbship_core::pipeline::{batch_span, PipelineError, SpanOutput};
use elbship_core::spans::gzip::{decode_index, AccessPoint};
use elbship_core::spans::{span_source, SpanError};
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::{JoinError, JoinSet};

/// What the ship function works with.
#[derive(Debug, Clone)]
pub struct ShipDeps {
    /// S3.
    pub objects: Objects,
    /// CloudWatch Logs.
    pub logs: LogSink,
}

async fn access_point(input: &ShipInput, deps: &ShipDeps) -> Result<Option<AccessPoint>, ElbshipError> {
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

/// Counts a finished send: its ledger when it delivered, the first failure otherwise.
fn absorb(
    done: Result<Result<Ledger, ElbshipError>, JoinError>,
    delivered: &mut Ledger,
    failure: &mut Option<ElbshipError>,
) {
    match done {
        Ok(Ok(l)) => delivered.merge(&l),
        Ok(Err(e)) => {
            failure.get_or_insert(e);
        }
        Err(e) => {
            failure.get_or_insert(ElbshipError::LogsUnavailable(format!("send task: {e}")));
        }
    }
}

/// Ships one span.
pub async fn handle(input: ShipInput, deps: &ShipDeps) -> Result<ShipOutput, ElbshipError> {
    let point = access_point(&input, deps).await?;
    let span = input.span.clone();
    let reader = deps.objects.open(&input.job.object, Some((span.read_start, span.read_end))).await?;
    let concurrency = input.job.send_concurrency.max(1) as usize;
    let (tx, mut rx) = mpsc::channel::<Batch>(concurrency);
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
    let mut delivered = Ledger::default();
    let mut failure: Option<ElbshipError> = None;
    let mut sending = JoinSet::new();
    loop {
        if sending.len() >= concurrency || (failure.is_some() && !sending.is_empty()) {
            if let Some(done) = sending.join_next().await {
                absorb(done, &mut delivered, &mut failure);
            }
            continue;
        }
        if failure.is_some() {
            break;
        }
        tokio::select! {
            batch = rx.recv() => match batch {
                Some(batch) => {
                    let (logs, group, stream) = (deps.logs.clone(), group.clone(), stream.clone());
                    sending.spawn(async move { logs.put(&group, &stream, &batch).await });
                }
                None => break,
            },
            Some(done) = sending.join_next(), if !sending.is_empty() => absorb(done, &mut delivered, &mut failure),
        }
    }
    while let Some(done) = sending.join_next().await {
        absorb(done, &mut delivered, &mut failure);
    }
    drop(rx);
    let read = reading.await.map_err(|e| ElbshipError::BadInput(format!("reading task failed: {e}")))?;
    let failure = match (failure, read) {
        (None, Ok(out)) => {
            let mut ledger = out.ledger;
            ledger.merge(&delivered);
            tracing::info!(
                span = input.span.index,
                lines = ledger.lines_read,
                delivered = ledger.lines_delivered,
                "shipped"
            );
            return Ok(ShipOutput { span: input.span.index, ledger, times: out.times });
        }
        (Some(e), _) => e,
        (None, Err(PipelineError::Span(e))) => e.into(),
        (None, Err(PipelineError::Consumer(()))) => ElbshipError::LogsUnavailable("the sender stopped".into()),
    };
    if delivered.batches == 0 {
        return Err(failure);
    }
    Err(ElbshipError::ShipIncomplete {
        span: input.span.index,
        lines_delivered: delivered.lines_delivered,
        batches: delivered.batches,
        cause: format!("{}: {failure}", failure.name()),
    })
}
