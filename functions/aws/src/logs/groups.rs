//! The target log groups: how elbship creates one (retention, KMS key, class), the retention of each (read once per
//! warm function, which decides what counts as expired), and creating a missing group and stream once however many
//! senders find them missing at the same moment. No control-plane call is made per object: CreateLogGroup and
//! DescribeLogGroups are limited to 5 calls per second per account, CreateLogStream to 50.
//!
//! Both caches are bounded ([`CACHED_GROUPS`], [`CACHED_STREAMS`], least recently used out first), so a function
//! that stays warm across a backfill of thousands of load balancers holds a few hundred KB, not one entry per group
//! it ever met; and a creation locks only its own stream, so unrelated streams are created in parallel.

use super::classify;
use crate::error::ElbshipError;
use aws_sdk_cloudwatchlogs::operation::create_log_group::CreateLogGroupError;
use aws_sdk_cloudwatchlogs::operation::create_log_stream::CreateLogStreamError;
use lru::LruCache;
use std::num::NonZeroUsize;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::time::Instant;

/// Groups whose retention one warm function remembers.
pub const CACHED_GROUPS: NonZeroUsize = NonZeroUsize::new(4_096).expect("non-zero");
/// Streams whose creation one warm function remembers.
pub const CACHED_STREAMS: NonZeroUsize = NonZeroUsize::new(16_384).expect("non-zero");

/// The class of a log group elbship creates (set at CreateLogGroup, fixed afterwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogGroupClass {
    /// $0.50/GB ingested; every feature.
    #[default]
    Standard,
    /// $0.25/GB ingested; Logs Insights works, but no metric or subscription filters and no Live Tail.
    InfrequentAccess,
}

impl LogGroupClass {
    /// CloudWatch Logs' name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            LogGroupClass::Standard => "STANDARD",
            LogGroupClass::InfrequentAccess => "INFREQUENT_ACCESS",
        }
    }
}

impl FromStr for LogGroupClass {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "STANDARD" => Ok(LogGroupClass::Standard),
            "INFREQUENT_ACCESS" => Ok(LogGroupClass::InfrequentAccess),
            _ => Err(format!("unknown log group class {s:?}: expected STANDARD or INFREQUENT_ACCESS")),
        }
    }
}

/// How elbship creates a group it writes to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewGroups {
    /// Retention set on a group elbship creates (`None`: never expire).
    pub retention_days: Option<u32>,
    /// KMS key for a group elbship creates.
    pub kms_key: Option<String>,
    /// Log class of a group elbship creates.
    pub class: LogGroupClass,
}

/// What [`Groups::create_once`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Creation {
    /// This call created what was missing (or found it already there).
    Created,
    /// Another sender created it after the caller's batch was sent: just send again.
    ByAnother,
}

type Stream = (String, String);
/// When a stream was last created by this function, behind a lock of its own.
type CreatedAt = Arc<tokio::sync::Mutex<Option<Instant>>>;

/// The target groups of one warm function.
#[derive(Debug, Clone)]
pub struct Groups {
    client: aws_sdk_cloudwatchlogs::Client,
    new_groups: NewGroups,
    retention: Arc<Mutex<LruCache<String, Option<u32>>>>,
    /// When this function last created each stream (and its group), behind a lock of that stream's own.
    created: Arc<Mutex<LruCache<Stream, CreatedAt>>>,
}

fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Groups {
    /// The groups reached through `client`; those elbship creates get `new_groups`.
    pub fn new(client: aws_sdk_cloudwatchlogs::Client, new_groups: NewGroups) -> Self {
        Groups::bounded(client, new_groups, CACHED_GROUPS, CACHED_STREAMS)
    }

    /// [`Groups::new`], remembering at most `groups` retentions and `streams` creations.
    pub fn bounded(
        client: aws_sdk_cloudwatchlogs::Client,
        new_groups: NewGroups,
        groups: NonZeroUsize,
        streams: NonZeroUsize,
    ) -> Self {
        Groups {
            client,
            new_groups,
            retention: Arc::new(Mutex::new(LruCache::new(groups))),
            created: Arc::new(Mutex::new(LruCache::new(streams))),
        }
    }

    /// The group's retention, which decides what counts as expired: remembered, or read once with
    /// `DescribeLogGroups`; a group that does not exist yet will get [`NewGroups::retention_days`].
    pub async fn retention(&self, group: &str) -> Result<Option<u32>, ElbshipError> {
        if let Some(days) = locked(&self.retention).get(group).copied() {
            return Ok(days);
        }
        let groups = self
            .client
            .describe_log_groups()
            .log_group_name_prefix(group)
            .send()
            .await
            .map_err(|e| classify(e, "DescribeLogGroups"))?;
        let days = match groups.log_groups().iter().find(|g| g.log_group_name() == Some(group)) {
            Some(g) => g.retention_in_days().map(|d| d.max(0) as u32),
            None => self.new_groups.retention_days,
        };
        locked(&self.retention).put(group.to_string(), days);
        Ok(days)
    }

    /// Creates the group and the stream a batch sent at `sent_at` found missing, unless another sender of this
    /// function created them since: concurrent senders that all find a new stream missing create it once.
    pub async fn create_once(&self, group: &str, stream: &str, sent_at: Instant) -> Result<Creation, ElbshipError> {
        let target = (group.to_string(), stream.to_string());
        let lock = {
            let mut created = locked(&self.created);
            match created.get(&target) {
                Some(lock) => lock.clone(),
                None => {
                    let lock = Arc::new(tokio::sync::Mutex::new(None));
                    created.put(target, lock.clone());
                    lock
                }
            }
        };
        let mut at = lock.lock().await;
        if at.is_some_and(|at| at >= sent_at) {
            return Ok(Creation::ByAnother);
        }
        self.create(group, stream).await?;
        *at = Some(Instant::now());
        Ok(Creation::Created)
    }

    /// Creates the group (with the retention, KMS key and class of [`NewGroups`]) and the stream, each unless it
    /// exists.
    pub async fn create(&self, group: &str, stream: &str) -> Result<(), ElbshipError> {
        let n = &self.new_groups;
        let create = self
            .client
            .create_log_group()
            .log_group_name(group)
            .set_kms_key_id(n.kms_key.clone())
            .log_group_class(n.class.as_str().into());
        match create.send().await {
            Ok(_) => {
                if let Some(days) = n.retention_days {
                    self.client
                        .put_retention_policy()
                        .log_group_name(group)
                        .retention_in_days(days as i32)
                        .send()
                        .await
                        .map_err(|e| classify(e, "PutRetentionPolicy"))?;
                }
                tracing::info!(group, retention_days = n.retention_days, "created the log group");
            }
            Err(e) if matches!(e.as_service_error(), Some(CreateLogGroupError::ResourceAlreadyExistsException(_))) => {}
            Err(e) => return Err(classify(e, &format!("CreateLogGroup {group}"))),
        }
        match self.client.create_log_stream().log_group_name(group).log_stream_name(stream).send().await {
            Ok(_) => tracing::info!(group, stream, "created the log stream"),
            Err(e) if matches!(e.as_service_error(), Some(CreateLogStreamError::ResourceAlreadyExistsException(_))) => {
            }
            Err(e) => return Err(classify(e, &format!("CreateLogStream {group}/{stream}"))),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_cloudwatchlogs::operation::create_log_group::CreateLogGroupOutput;
    use aws_sdk_cloudwatchlogs::operation::create_log_stream::CreateLogStreamOutput;
    use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
    use aws_sdk_cloudwatchlogs::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    fn two() -> NonZeroUsize {
        NonZeroUsize::new(2).unwrap_or(NonZeroUsize::MIN)
    }

    #[tokio::test]
    async fn the_retention_cache_is_bounded_least_recently_used_out_first() {
        let describe = mock!(Client::describe_log_groups).then_output(|| DescribeLogGroupsOutput::builder().build());
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&describe]);
        let groups = Groups::bounded(client, NewGroups::default(), two(), two());
        for g in ["a", "b", "a", "c", "a", "b"] {
            assert!(groups.retention(g).await.is_ok());
        }
        // a, b read; a remembered; c read (b out); a remembered; b read again.
        assert_eq!(describe.num_calls(), 4);
    }

    #[tokio::test]
    async fn a_stream_is_created_once_for_the_batches_sent_before_its_creation() {
        let group = mock!(Client::create_log_group).then_output(|| CreateLogGroupOutput::builder().build());
        let stream = mock!(Client::create_log_stream).then_output(|| CreateLogStreamOutput::builder().build());
        let client = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&group, &stream]);
        let groups = Groups::bounded(client, NewGroups::default(), two(), two());
        let sent = Instant::now();
        assert_eq!(groups.create_once("g", "s1", sent).await.ok(), Some(Creation::Created));
        assert_eq!(groups.create_once("g", "s1", sent).await.ok(), Some(Creation::ByAnother), "sent before it");
        assert_eq!(groups.create_once("g", "s2", sent).await.ok(), Some(Creation::Created), "its own lock");
        let later = Instant::now() + std::time::Duration::from_millis(1);
        assert_eq!(groups.create_once("g", "s1", later).await.ok(), Some(Creation::Created), "missing again after it");
        assert_eq!((group.num_calls(), stream.num_calls()), (3, 3));
    }
}
