//! One [`LogSink`] per destination (an account and a Region, [`Destination`]), so each object's lines are written
//! where its deployment's mode says:
//! - elbship's own account and Region: the sink the function was built with;
//! - elbship's own account in another Region (`central-source-region`): a client for that Region, same credentials;
//! - another account (`source-account`): a client whose credentials come from the destination role there, assumed
//!   with the external id by aws-config's `AssumeRoleProvider` (the client caches them and refreshes them before
//!   they expire).
//!
//! Sinks are made on first use and kept for the warm function, at most [`MAX_DESTINATIONS`] (the least recently
//! used is dropped), so a role is assumed once per account per warm function, not per object: once to check it
//! when the sink is made (a refused role fails by name before any batch is sent, never as a lost answer), once by
//! the client for its own credentials.

use super::groups::NewGroups;
use super::sink::LogSink;
use crate::clients;
use crate::config::DestinationRole;
use crate::error::{Cause, ElbshipError};
use aws_config::sts::AssumeRoleProvider;
use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs::config::ProvideCredentials;
use elbship_core::orchestration::destination::Destination;
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::Arc;
use tokio::sync::Mutex;

/// Destinations one warm function keeps a sink for.
pub const MAX_DESTINATIONS: usize = 64;

/// How sinks for other destinations are made.
#[derive(Debug)]
struct Maker {
    sdk: SdkConfig,
    role: DestinationRole,
    new_groups: NewGroups,
}

/// The sinks of every destination a function writes to.
#[derive(Debug, Clone)]
pub struct LogSinks {
    home: Destination,
    home_sink: LogSink,
    maker: Option<Arc<Maker>>,
    made: Arc<Mutex<LruCache<Destination, LogSink>>>,
}

impl LogSinks {
    /// Only elbship's own destination, `home` (what `central` needs, and the tests): any other is refused.
    pub fn home(home: Destination, sink: LogSink) -> Self {
        let cap = NonZeroUsize::new(MAX_DESTINATIONS).unwrap_or(NonZeroUsize::MIN);
        LogSinks { home, home_sink: sink, maker: None, made: Arc::new(Mutex::new(LruCache::new(cap))) }
    }

    /// Every destination: others are reached from `sdk` (another Region) and through `role` (another account).
    pub fn new(home: Destination, sdk: SdkConfig, role: DestinationRole, new_groups: NewGroups) -> Self {
        let sink = LogSink::new(clients::logs(&sdk), new_groups.clone());
        LogSinks { maker: Some(Arc::new(Maker { sdk, role, new_groups })), ..LogSinks::home(home, sink) }
    }

    /// The sink of elbship's own account and Region.
    pub fn home_sink(&self) -> &LogSink {
        &self.home_sink
    }

    /// The sink that writes into `to` (an empty destination, as jobs planned before destinations carry, is home).
    pub async fn sink(&self, to: &Destination) -> Result<LogSink, ElbshipError> {
        if to.account.is_empty() || *to == self.home {
            return Ok(self.home_sink.clone());
        }
        let Some(maker) = &self.maker else {
            return Err(ElbshipError::LogsRefused(Cause::from(format!(
                "this function writes only into {}, not {to}",
                self.home
            ))));
        };
        if let Some(sink) = self.made.lock().await.get(to) {
            return Ok(sink.clone());
        }
        let sink = maker.make(&self.home, to).await?;
        self.made.lock().await.put(to.clone(), sink.clone());
        Ok(sink)
    }
}

impl Maker {
    async fn make(&self, home: &Destination, to: &Destination) -> Result<LogSink, ElbshipError> {
        let mut builder =
            aws_sdk_cloudwatchlogs::config::Builder::from(&self.sdk).region(aws_config::Region::new(to.region.clone()));
        if to.account != home.account {
            let arn = self.role.arn(partition_of(&home.region), &to.account);
            let mut provider = AssumeRoleProvider::builder(arn.clone()).session_name("elbship").configure(&self.sdk);
            if let Some(id) = &self.role.external_id {
                provider = provider.external_id(id);
            }
            let provider = provider.build().await;
            provider.provide_credentials().await.map_err(|e| role_error(&arn, e))?;
            builder = builder.credentials_provider(provider);
        }
        Ok(LogSink::new(clients::logs_with(builder), self.new_groups.clone()))
    }
}

/// The partition of a Region (`aws`, `aws-cn`, `aws-us-gov`, ...), from its name.
pub fn partition_of(region: &str) -> &'static str {
    match region {
        r if r.starts_with("cn-") => "aws-cn",
        r if r.starts_with("us-gov-") => "aws-us-gov",
        r if r.starts_with("us-iso-") => "aws-iso",
        r if r.starts_with("us-isob-") => "aws-iso-b",
        r if r.starts_with("eusc-") => "aws-eusc",
        _ => "aws",
    }
}

/// A role that could not be assumed: refused (access denied, a role that does not exist or does not trust
/// elbship, a wrong external id) until the operator fixes it, or unavailable (throttled, STS down: retried).
fn role_error(arn: &str, e: impl std::error::Error + Send + Sync + 'static) -> ElbshipError {
    let mut chain = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    let cause = Cause::with_source(format!("assuming {arn}: {chain}"), e);
    match role_refused(&chain) {
        true => ElbshipError::LogsRefused(cause),
        false => ElbshipError::LogsUnavailable(cause),
    }
}

/// Whether an AssumeRole failure, as its error chain reads, is a refusal rather than a passing fault.
pub fn role_refused(chain: &str) -> bool {
    ["AccessDenied", "InvalidIdentityToken", "MalformedPolicyDocument", "RegionDisabled", "ExpiredToken"]
        .iter()
        .any(|code| chain.contains(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_mocks::{mock, mock_client};

    fn home() -> Destination {
        Destination { account: "111111111111".into(), region: "eu-west-1".into() }
    }

    fn sink() -> LogSink {
        let put = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events)
            .then_output(|| aws_sdk_cloudwatchlogs::operation::put_log_events::PutLogEventsOutput::builder().build());
        LogSink::new(mock_client!(aws_sdk_cloudwatchlogs, [&put]), NewGroups::default())
    }

    #[tokio::test]
    async fn home_and_jobs_without_a_destination_use_the_home_sink_and_nothing_else_is_guessed() {
        let sinks = LogSinks::home(home(), sink());
        assert!(sinks.sink(&home()).await.is_ok());
        assert!(sinks.sink(&Destination::default()).await.is_ok(), "a job planned before destinations");
        let other = Destination { account: "222222222222".into(), region: "eu-west-1".into() };
        let refused = sinks.sink(&other).await.map(|_| ()).map_err(|e| (e.name(), e.to_string()));
        assert!(matches!(refused, Err(("LogsRefused", m)) if m.contains("222222222222/eu-west-1")));
    }

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(partition_of("eu-west-1"), "aws");
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
    }

    #[test]
    fn a_refused_role_is_told_from_a_passing_fault() {
        let refused = "an error occurred while loading credentials: service error: AccessDenied: User: \
                       arn:aws:sts::111111111111:assumed-role/Elbship-ship/x is not authorized to perform: sts:AssumeRole";
        assert!(role_refused(refused));
        assert!(!role_refused("an error occurred while loading credentials: service error: Throttling: Rate exceeded"));
        assert!(!role_refused("dispatch failure: timeout"));
        let e = role_error("arn:aws:iam::2:role/r", std::io::Error::other("Throttling: Rate exceeded"));
        assert_eq!((e.name(), e.retryable()), ("LogsUnavailable", true));
        let e = role_error("arn:aws:iam::2:role/r", std::io::Error::other("AccessDenied"));
        assert_eq!((e.name(), e.retryable()), ("LogsRefused", false));
        assert!(e.to_string().contains("assuming arn:aws:iam::2:role/r: AccessDenied"), "{e}");
    }
}
