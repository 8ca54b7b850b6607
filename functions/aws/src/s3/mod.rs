//! Reading and writing S3 objects. Every read of a log object is conditional on its ETag (`If-Match`), so a
//! worker never reads a replaced object; a body is handed to the core as a blocking `Read` streamed from the
//! response, never buffered whole, that resumes with a new ranged GET when a connection breaks ([`resume`]).

pub mod resume;

use crate::error::ElbshipError;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::primitives::ByteStream;
use elbship_core::job::{ObjectRef, S3Location};
use std::io::Read;
use tokio_util::io::SyncIoBridge;

/// S3 access for the functions.
#[derive(Debug, Clone)]
pub struct Objects {
    client: aws_sdk_s3::Client,
}

/// Classifies an SDK error: transient failures are retryable, 412 means the object changed, 404 that it is gone.
pub(crate) fn classify_s3<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    e: &SdkError<E, R>,
    status: Option<u16>,
    bucket: &str,
    key: &str,
    etag: &str,
) -> ElbshipError {
    let what =
        format!("s3://{bucket}/{key}: {}", e.message().or(e.code()).map_or_else(|| format!("{e:?}"), str::to_string));
    let missing = matches!(e.code(), Some("NoSuchKey" | "NotFound" | "NoSuchBucket"));
    match status {
        _ if missing => ElbshipError::ObjectMissing { bucket: bucket.into(), key: key.into() },
        Some(412) => ElbshipError::ObjectChanged { bucket: bucket.into(), key: key.into(), etag: etag.into() },
        Some(404) => ElbshipError::ObjectMissing { bucket: bucket.into(), key: key.into() },
        Some(s) if (400..500).contains(&s) && s != 429 && e.code() != Some("SlowDown") => ElbshipError::S3Refused(what),
        _ => ElbshipError::S3Unavailable(what),
    }
}

/// The HTTP status of a failed call, when a response arrived.
pub(crate) fn status<E>(e: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>) -> Option<u16> {
    e.raw_response().map(|r| r.status().as_u16())
}

impl Objects {
    /// Wraps a client.
    pub fn new(client: aws_sdk_s3::Client) -> Self {
        Objects { client }
    }

    /// One conditional GET of `[start, end)` (to the object's end when `end` is `None`): the body and the
    /// exclusive end it covers.
    async fn get(
        &self,
        o: &ObjectRef,
        start: u64,
        end: Option<u64>,
    ) -> Result<(Box<dyn Read + Send>, u64), ElbshipError> {
        let mut req = self.client.get_object().bucket(&o.bucket).key(&o.key).if_match(&o.etag);
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
            _ => classify_s3(&e, status(&e), &o.bucket, &o.key, &o.etag),
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

    /// Reads a whole (small) object.
    pub async fn get_bytes(&self, l: &S3Location) -> Result<Vec<u8>, ElbshipError> {
        let out = self
            .client
            .get_object()
            .bucket(&l.bucket)
            .key(&l.key)
            .send()
            .await
            .map_err(|e| classify_s3(&e, status(&e), &l.bucket, &l.key, ""))?;
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| ElbshipError::S3Unavailable(format!("reading s3://{}/{}: {e}", l.bucket, l.key)))?;
        Ok(bytes.to_vec())
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
            .map_err(|e| classify_s3(&e, status(&e), &l.bucket, &l.key, ""))?;
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
            .map_err(|e| classify_s3(&e, status(&e), &l.bucket, &l.key, ""))?;
        Ok(())
    }

    /// Every object under a prefix.
    pub async fn list(&self, bucket: &str, prefix: &str) -> Result<Vec<ObjectRef>, ElbshipError> {
        let mut pages = self.client.list_objects_v2().bucket(bucket).prefix(prefix).into_paginator().send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| classify_s3(&e, status(&e), bucket, prefix, ""))?;
            for o in page.contents() {
                out.push(ObjectRef {
                    bucket: bucket.to_string(),
                    key: o.key().unwrap_or_default().to_string(),
                    size: o.size().map_or(0, |s| s.max(0) as u64),
                    etag: o.e_tag().unwrap_or_default().to_string(),
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
