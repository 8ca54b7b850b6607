//! Reading and writing S3 objects. Every read of a log object is conditional on its ETag (`If-Match`), so a
//! worker never reads a replaced object; a body is handed to the core as a blocking `Read` streamed from the
//! response, never buffered whole, that resumes with a new ranged GET when a connection breaks ([`resume`]).

pub mod resume;

use crate::error::{Cause, ElbshipError};
use crate::fault::{self, describe, Fault};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::primitives::ByteStream;
use elbship_core::orchestration::job::{ObjectRef, S3Location};
use std::io::Read;
use std::sync::{Arc, Mutex};
use tokio_util::io::SyncIoBridge;

/// S3 access for the functions.
#[derive(Debug, Clone)]
pub struct Objects {
    client: aws_sdk_s3::Client,
    /// With [`Objects::holding_small`]: the last small log object read, kept whole in memory.
    held: Option<Held>,
}

/// An object version and its bytes.
type HeldObject = (ObjectRef, Arc<[u8]>);

/// Bytes `[pos, end)` of a held object, as a reader.
struct Slice {
    bytes: Arc<[u8]>,
    pos: usize,
    end: usize,
}

impl Read for Slice {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.end.saturating_sub(self.pos));
        buf[..n].copy_from_slice(&self.bytes[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The small object an [`Objects`] keeps, and how small is small.
#[derive(Debug, Clone)]
struct Held {
    max_bytes: u64,
    last: Arc<Mutex<Option<HeldObject>>>,
}

/// Classifies an SDK error: 412 means the object changed, missing that it is gone, transient failures are
/// retryable, the rest refused.
pub(crate) fn classify_s3<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    e: SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    bucket: &str,
    key: &str,
    etag: &str,
) -> ElbshipError {
    let what = describe(&e, &format!("s3://{bucket}/{key}"));
    if status(&e) == Some(412) || e.code() == Some("PreconditionFailed") {
        return ElbshipError::ObjectChanged { bucket: bucket.into(), key: key.into(), etag: etag.into() };
    }
    match fault::classify(&e) {
        Fault::Missing => ElbshipError::ObjectMissing { bucket: bucket.into(), key: key.into() },
        Fault::Refused => ElbshipError::S3Refused(Cause::with_source(what, e)),
        Fault::Throttled | Fault::Unavailable | Fault::Ambiguous => {
            ElbshipError::S3Unavailable(Cause::with_source(what, e))
        }
    }
}

/// The HTTP status of a failed call, when a response arrived.
pub(crate) fn status<E>(e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

/// The objects under a prefix, page by page ([`Objects::list`]).
pub struct Listing {
    pages: aws_smithy_async::future::pagination_stream::PaginationStream<
        Result<
            aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Output,
            SdkError<
                aws_sdk_s3::operation::list_objects_v2::ListObjectsV2Error,
                aws_sdk_s3::config::http::HttpResponse,
            >,
        >,
    >,
    page: std::collections::VecDeque<ObjectRef>,
    bucket: String,
    prefix: String,
}

impl Listing {
    /// The next object; `None` after the last.
    pub async fn next(&mut self) -> Option<Result<ObjectRef, ElbshipError>> {
        while self.page.is_empty() {
            let page = match self.pages.next().await? {
                Ok(page) => page,
                Err(e) => return Some(Err(classify_s3(e, &self.bucket, &self.prefix, ""))),
            };
            self.page.extend(page.contents().iter().map(|o| ObjectRef {
                bucket: self.bucket.clone(),
                key: o.key().unwrap_or_default().to_string(),
                size: o.size().map_or(0, |s| s.max(0) as u64),
                etag: o.e_tag().unwrap_or_default().to_string(),
            }));
        }
        self.page.pop_front().map(Ok)
    }
}

impl Objects {
    /// Wraps a client.
    pub fn new(client: aws_sdk_s3::Client) -> Self {
        Objects { client, held: None }
    }

    /// Wraps a client that reads a log object of at most `max_bytes` (by the size its event gave) with one GET,
    /// keeps it in memory, and serves every later read of the same version from there: the function that plans
    /// and ships a small object in one call reads it once.
    pub fn holding_small(client: aws_sdk_s3::Client, max_bytes: u64) -> Self {
        Objects { client, held: Some(Held { max_bytes, last: Arc::default() }) }
    }

    /// The object's bytes when it is small enough to hold: from memory, or read whole and kept.
    async fn small(&self, o: &ObjectRef) -> Result<Option<Arc<[u8]>>, ElbshipError> {
        let Some(held) = self.held.as_ref().filter(|h| o.size > 0 && o.size <= h.max_bytes) else {
            return Ok(None);
        };
        if let Some((_, bytes)) = held.last.lock().ok().and_then(|l| l.clone()).filter(|(r, _)| r == o) {
            return Ok(Some(bytes));
        }
        let (mut body, _) = self.get(o, 0, None).await?;
        let read = tokio::task::spawn_blocking(move || {
            let mut v = Vec::new();
            body.read_to_end(&mut v).map(|_| v)
        })
        .await;
        let unavailable = |e: &dyn std::fmt::Display| {
            ElbshipError::S3Unavailable(format!("reading s3://{}/{}: {e}", o.bucket, o.key).into())
        };
        let bytes = read.map_err(|e| unavailable(&e))?.map_err(|e| unavailable(&e))?;
        let bytes: Arc<[u8]> = bytes.into();
        if let Ok(mut last) = held.last.lock() {
            *last = Some((o.clone(), bytes.clone()));
        }
        Ok(Some(bytes))
    }

    /// One conditional GET of `[start, end)` (to the object's end when `end` is `None`): the body and the
    /// exclusive end it covers.
    async fn get(
        &self,
        o: &ObjectRef,
        start: u64,
        end: Option<u64>,
    ) -> Result<(Box<dyn Read + Send>, u64), ElbshipError> {
        let mut req = self.client.get_object().bucket(&o.bucket).key(&o.key);
        // An object known without its ETag (an S3 Inventory without the column) is read unconditionally: S3
        // refuses `If-Match: ""` with 412 on every GET. The backfill fills the ETag in with HEAD first ([`Objects::head`]).
        if !o.etag.is_empty() {
            req = req.if_match(&o.etag);
        }
        if start > 0 || end.is_some() {
            req = req.range(match end {
                Some(end) => format!("bytes={start}-{}", end - 1),
                None => format!("bytes={start}-"),
            });
        }
        let out = req.send().await.map_err(|e| match e.as_service_error() {
            Some(GetObjectError::NoSuchKey(_)) => {
                ElbshipError::ObjectMissing { bucket: o.bucket.clone(), key: o.key.clone() }
            }
            _ => classify_s3(e, &o.bucket, &o.key, &o.etag),
        })?;
        let covers = out.content_length().map_or(u64::MAX, |n| start + n.max(0) as u64);
        let end = end.unwrap_or(covers);
        Ok((Box::new(SyncIoBridge::new(out.body.into_async_read())), end))
    }

    /// Streams bytes `[start, end)` of the object (all of it when `range` is `None`) as a blocking reader, for
    /// use in `spawn_blocking`; a read that breaks resumes with a new ranged GET. An empty range makes no
    /// request.
    pub async fn open(&self, o: &ObjectRef, range: Option<(u64, u64)>) -> Result<Box<dyn Read + Send>, ElbshipError> {
        if let Some((start, end)) = range {
            if start >= end {
                return Ok(Box::new(std::io::empty()));
            }
        }
        if let Some(bytes) = self.small(o).await? {
            let len = bytes.len() as u64;
            let (start, end) = range.unwrap_or((0, len));
            return Ok(Box::new(Slice { bytes, pos: start.min(len) as usize, end: end.min(len) as usize }));
        }
        let (start, end) = range.map_or((0, None), |(s, e)| (s, Some(e)));
        let (body, end) = self.get(o, start, end).await?;
        let (objects, object, handle) = (self.clone(), o.clone(), tokio::runtime::Handle::current());
        let reopen = move |pos: u64| -> std::io::Result<Box<dyn Read + Send>> {
            handle
                .block_on(objects.get(&object, pos, Some(end)))
                .map(|(body, _)| body)
                .map_err(|e| std::io::Error::other(format!("{}: {e}", e.name())))
        };
        Ok(Box::new(resume::ResumingReader::new(body, start, end, reopen)))
    }

    /// The object's current size and ETag (one HeadObject): for objects known without them (an S3 Inventory
    /// without the `ETag` or `Size` column), so that names, claims and every later GET use the real version.
    pub async fn head(&self, o: &ObjectRef) -> Result<ObjectRef, ElbshipError> {
        let out = self
            .client
            .head_object()
            .bucket(&o.bucket)
            .key(&o.key)
            .send()
            .await
            .map_err(|e| classify_s3(e, &o.bucket, &o.key, &o.etag))?;
        let etag = out.e_tag().unwrap_or_default().to_string();
        if etag.is_empty() {
            return Err(ElbshipError::S3Refused(
                format!("s3://{}/{}: HeadObject gave no ETag", o.bucket, o.key).into(),
            ));
        }
        let size = out.content_length().map_or(o.size, |n| n.max(0) as u64);
        Ok(ObjectRef { bucket: o.bucket.clone(), key: o.key.clone(), size, etag })
    }

    /// One GET of a staging or result object (elbship's own, not a log: no ETag to hold it to).
    async fn get_unconditional(
        &self,
        l: &S3Location,
    ) -> Result<aws_sdk_s3::operation::get_object::GetObjectOutput, ElbshipError> {
        self.client
            .get_object()
            .bucket(&l.bucket)
            .key(&l.key)
            .send()
            .await
            .map_err(|e| classify_s3(e, &l.bucket, &l.key, ""))
    }

    /// Reads a whole (small) object.
    pub async fn get_bytes(&self, l: &S3Location) -> Result<Vec<u8>, ElbshipError> {
        let out = self.get_unconditional(l).await?;
        let bytes = out.body.collect().await.map_err(|e| {
            ElbshipError::S3Unavailable(Cause::with_source(format!("reading s3://{}/{}: {e}", l.bucket, l.key), e))
        })?;
        Ok(bytes.to_vec())
    }

    /// Streams an object's lines (without their `\n`; blank lines skipped) to `each` with their 1-based number, in
    /// memory bounded by the longest line: for result files of any size.
    pub async fn for_each_line<F>(&self, l: &S3Location, mut each: F) -> Result<(), ElbshipError>
    where
        F: FnMut(u64, &[u8]) -> Result<(), ElbshipError>,
    {
        use tokio::io::AsyncBufReadExt;
        let out = self.get_unconditional(l).await?;
        let mut body = tokio::io::BufReader::new(out.body.into_async_read());
        let mut line = Vec::new();
        let mut n = 0u64;
        loop {
            line.clear();
            let read = body.read_until(b'\n', &mut line).await.map_err(|e| {
                ElbshipError::S3Unavailable(Cause::with_source(format!("reading s3://{}/{}: {e}", l.bucket, l.key), e))
            })?;
            if read == 0 {
                return Ok(());
            }
            n += 1;
            let text = line.trim_ascii();
            if !text.is_empty() {
                each(n, text)?;
            }
        }
    }

    /// Writes a small object.
    pub async fn put_bytes(&self, l: &S3Location, bytes: Vec<u8>) -> Result<(), ElbshipError> {
        self.client
            .put_object()
            .bucket(&l.bucket)
            .key(&l.key)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| classify_s3(e, &l.bucket, &l.key, ""))?;
        Ok(())
    }

    /// Deletes an object.
    pub async fn delete(&self, l: &S3Location) -> Result<(), ElbshipError> {
        self.client
            .delete_object()
            .bucket(&l.bucket)
            .key(&l.key)
            .send()
            .await
            .map_err(|e| classify_s3(e, &l.bucket, &l.key, ""))?;
        Ok(())
    }

    /// The objects under `prefix`, as a stream: one page (up to 1,000 objects) is held at a time, so a prefix of
    /// millions of objects is listed in bounded memory.
    pub fn list(&self, bucket: &str, prefix: &str) -> Listing {
        let pages = self.client.list_objects_v2().bucket(bucket).prefix(prefix).into_paginator().send();
        Listing {
            pages,
            page: std::collections::VecDeque::new(),
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;
