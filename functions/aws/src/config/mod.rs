//! The functions' configuration, read once from environment variables into a typed value; anything invalid
//! fails the function at start, with the variable named.
//! Every variable, its default and which functions read it are declared once, in [`variables`].

use crate::error::ElbshipError;
pub use crate::logs::LogGroupClass;
use crate::logs::NewGroups;
use elbship_core::batching::event_builder::MessageMode;
use elbship_core::batching::policy::OldEventPolicy;
use elbship_core::formats::size::parse_size;
use elbship_core::orchestration::destination::{DestinationMode, Destinations, Home};
use elbship_core::orchestration::naming::Template;
use std::str::FromStr;
pub use variables::{default_of, variable, Function, SetBy, Variable, VARIABLES};

pub mod variables;

/// Retention values CloudWatch Logs accepts (PutRetentionPolicy).
pub const RETENTION_DAYS: [u32; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/// Everything the functions are configured with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Log group name template.
    pub log_group: Template,
    /// Log stream name template.
    pub log_stream: Template,
    /// Message mode.
    pub mode: MessageMode,
    /// Old-event policy.
    pub policy: OldEventPolicy,
    /// Uncompressed bytes per span.
    pub span_bytes: u64,
    /// Concurrent PutLogEvents calls per span.
    pub send_concurrency: u32,
    /// Spans shipped at once.
    pub map_concurrency: u32,
    /// Staging bucket for span indexes.
    pub staging_bucket: Option<String>,
    /// Staging key prefix.
    pub staging_prefix: String,
    /// Retention for log groups elbship creates.
    pub retention_days: Option<u32>,
    /// KMS key ARN for log groups elbship creates.
    pub kms_key: Option<String>,
    /// Class of log groups elbship creates.
    pub log_group_class: LogGroupClass,
    /// The Standard state machine (Map over spans).
    pub state_machine_arn: Option<String>,
    /// The Express state machine small objects take.
    pub express_state_machine_arn: Option<String>,
    /// The largest object (by the size its event gives) that takes the Express route.
    pub express_max_bytes: u64,
    /// The DynamoDB table of claims and span checkpoints.
    pub checkpoint_table: Option<String>,
    /// How long a batch whose answer was lost must stay unreadable before it is sent again.
    pub readback_settle: std::time::Duration,
    /// Where each object's lines go, and whose objects are shipped at all.
    pub destinations: Destinations,
    /// The role assumed in another account's destination, and the external id it demands.
    pub destination_role: DestinationRole,
}

/// The role elbship assumes in each allowed account (`source-account`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationRole {
    /// Its name (the same in every account).
    pub name: String,
    /// The external id its trust policy demands.
    pub external_id: Option<String>,
}

impl DestinationRole {
    /// Its ARN in `account` (the partition from elbship's own Region).
    pub fn arn(&self, partition: &str, account: &str) -> String {
        format!("arn:{partition}:iam::{account}:role/{}", self.name)
    }
}

/// Whether `s` is an external id STS takes: 2 to 1,224 of `A-Z a-z 0-9 + = , . @ : / - _`.
fn is_external_id(s: &str) -> bool {
    (2..=1224).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@:/-_".contains(&b))
}

fn bad(var: &str, why: impl std::fmt::Display) -> ElbshipError {
    ElbshipError::Config(format!("{var}: {why}"))
}

/// `var` (or its declared default) parsed; a variable without a default reads as empty, which no type takes.
fn parsed<T: FromStr>(get: &impl Fn(&str) -> Option<String>, var: &str) -> Result<T, ElbshipError>
where
    T::Err: std::fmt::Display,
{
    get(var).unwrap_or_default().parse::<T>().map_err(|e| bad(var, e))
}

impl Config {
    /// How the functions create a group they write to.
    pub fn new_groups(&self) -> NewGroups {
        NewGroups { retention_days: self.retention_days, kms_key: self.kms_key.clone(), class: self.log_group_class }
    }

    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ElbshipError> {
        Config::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// Reads the configuration through `get` (a variable's value, or `None`); an unset variable takes the default
    /// declared in [`VARIABLES`].
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Config, ElbshipError> {
        let get = |var: &str| get(var).or_else(|| default_of(var).map(str::to_string));
        let template = |var: &str| Template::parse(&get(var).unwrap_or_default()).map_err(|e| bad(var, e));
        let size = |var: &str| parse_size(&get(var).unwrap_or_default()).map_err(|e| bad(var, e));
        let span_bytes = size("ELBSHIP_SPAN_SIZE")?;
        let send_concurrency: u32 = parsed(&get, "ELBSHIP_SEND_CONCURRENCY")?;
        if !(1..=64).contains(&send_concurrency) {
            return Err(bad("ELBSHIP_SEND_CONCURRENCY", "must be 1 to 64"));
        }
        let map_concurrency: u32 = parsed(&get, "ELBSHIP_MAP_CONCURRENCY")?;
        if !(1..=40).contains(&map_concurrency) {
            return Err(bad("ELBSHIP_MAP_CONCURRENCY", "must be 1 to 40 (inline Map)"));
        }
        let retention_days = match get("ELBSHIP_LOG_GROUP_RETENTION_DAYS") {
            None => None,
            Some(v) => {
                let d: u32 = v.parse().map_err(|e| bad("ELBSHIP_LOG_GROUP_RETENTION_DAYS", e))?;
                if !RETENTION_DAYS.contains(&d) {
                    return Err(bad(
                        "ELBSHIP_LOG_GROUP_RETENTION_DAYS",
                        format!("{d} is not one of {RETENTION_DAYS:?}"),
                    ));
                }
                Some(d)
            }
        };
        let settle: u64 = parsed(&get, "ELBSHIP_READBACK_SETTLE_SECONDS")?;
        if !(1..=600).contains(&settle) {
            return Err(bad("ELBSHIP_READBACK_SETTLE_SECONDS", "must be 1 to 600"));
        }
        let mode: DestinationMode = parsed(&get, "ELBSHIP_DESTINATION_MODE")?;
        let external_id = get("ELBSHIP_DESTINATION_EXTERNAL_ID");
        if let Some(id) = external_id.as_deref().filter(|id| !is_external_id(id)) {
            return Err(bad(
                "ELBSHIP_DESTINATION_EXTERNAL_ID",
                format!("{} characters, or a character STS refuses", id.len()),
            ));
        }
        if mode == DestinationMode::SourceAccount && external_id.is_none() {
            return Err(bad(
                "ELBSHIP_DESTINATION_EXTERNAL_ID",
                "is required with ELBSHIP_DESTINATION_MODE source-account",
            ));
        }
        let role_name = get("ELBSHIP_DESTINATION_ROLE").unwrap_or_default();
        if role_name.is_empty() || role_name.len() > 64 {
            return Err(bad("ELBSHIP_DESTINATION_ROLE", "must be a role name of 1 to 64 characters"));
        }
        let mut staging_prefix = get("ELBSHIP_STAGING_PREFIX").unwrap_or_default();
        if !staging_prefix.is_empty() && !staging_prefix.ends_with('/') {
            staging_prefix.push('/');
        }
        Ok(Config {
            log_group: template("ELBSHIP_LOG_GROUP_TEMPLATE")?,
            log_stream: template("ELBSHIP_LOG_STREAM_TEMPLATE")?,
            mode: parsed(&get, "ELBSHIP_MESSAGE_MODE")?,
            policy: parsed(&get, "ELBSHIP_OLD_EVENT_POLICY")?,
            span_bytes,
            send_concurrency,
            map_concurrency,
            staging_bucket: get("ELBSHIP_STAGING_BUCKET"),
            staging_prefix,
            retention_days,
            kms_key: get("ELBSHIP_LOG_GROUP_KMS_KEY"),
            log_group_class: parsed(&get, "ELBSHIP_LOG_GROUP_CLASS")?,
            state_machine_arn: get("ELBSHIP_STATE_MACHINE_ARN"),
            express_state_machine_arn: get("ELBSHIP_EXPRESS_STATE_MACHINE_ARN"),
            express_max_bytes: size("ELBSHIP_EXPRESS_MAX_BYTES")?,
            checkpoint_table: get("ELBSHIP_CHECKPOINT_TABLE"),
            readback_settle: std::time::Duration::from_secs(settle),
            destinations: Destinations {
                home: Home { account: get("ELBSHIP_ACCOUNT").unwrap_or_default(), region: String::new() },
                mode,
                allowed: parsed(&get, "ELBSHIP_ALLOWED_ACCOUNTS")?,
            },
            destination_role: DestinationRole { name: role_name, external_id },
        })
    }

    /// The Standard state machine, which start and the object function need.
    pub fn require_state_machine(&self) -> Result<&str, ElbshipError> {
        self.state_machine_arn.as_deref().ok_or_else(|| bad("ELBSHIP_STATE_MACHINE_ARN", "is required"))
    }

    /// How PutLogEvents is retried and a lost answer settled.
    pub fn send_policy(&self) -> crate::logs::SendPolicy {
        crate::logs::SendPolicy {
            read_back: crate::logs::ReadBackPolicy { settle: self.readback_settle },
            ..crate::logs::SendPolicy::default()
        }
    }

    /// The checkpoint table, which plan, ship and verify need.
    pub fn require_checkpoint_table(&self) -> Result<&str, ElbshipError> {
        self.checkpoint_table.as_deref().ok_or_else(|| bad("ELBSHIP_CHECKPOINT_TABLE", "is required"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use elbship_core::orchestration::naming::{DEFAULT_LOG_GROUP_TEMPLATE, DEFAULT_LOG_STREAM_TEMPLATE};
    use std::collections::HashMap;

    fn cfg(vars: &[(&str, &str)]) -> Result<Config, ElbshipError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() -> Result<(), ElbshipError> {
        let c = cfg(&[])?;
        assert_eq!((c.mode, c.policy, c.span_bytes), (MessageMode::Raw, OldEventPolicy::Reject, 128 << 20));
        assert_eq!((c.send_concurrency, c.map_concurrency, c.staging_prefix.as_str()), (8, 10, "elbship-staging/"));
        assert_eq!((c.retention_days, c.staging_bucket.as_deref()), (None, None));
        assert_eq!(c.log_group_class, LogGroupClass::Standard);
        assert_eq!(c.send_policy().read_back, crate::logs::ReadBackPolicy::default());
        Ok(())
    }

    #[test]
    fn every_bad_value_names_its_variable() {
        for (var, value) in [
            ("ELBSHIP_MESSAGE_MODE", "xml"),
            ("ELBSHIP_OLD_EVENT_POLICY", "drop"),
            ("ELBSHIP_SPAN_SIZE", "lots"),
            ("ELBSHIP_SEND_CONCURRENCY", "0"),
            ("ELBSHIP_MAP_CONCURRENCY", "41"),
            ("ELBSHIP_LOG_GROUP_RETENTION_DAYS", "2"),
            ("ELBSHIP_LOG_GROUP_TEMPLATE", "{bogus}"),
            ("ELBSHIP_LOG_GROUP_CLASS", "GLACIER"),
            ("ELBSHIP_READBACK_SETTLE_SECONDS", "0"),
            ("ELBSHIP_ALLOWED_ACCOUNTS", "123"),
            ("ELBSHIP_DESTINATION_MODE", "everywhere"),
            ("ELBSHIP_DESTINATION_EXTERNAL_ID", "has spaces"),
        ] {
            let e = cfg(&[(var, value)]).err().map(|e| (e.name(), e.to_string()));
            assert!(matches!(&e, Some(("ConfigInvalid", m)) if m.contains(var)), "{var}: {e:?}");
        }
    }

    #[test]
    fn every_variable_read_is_declared_and_every_declared_one_is_read() {
        let read = std::cell::RefCell::new(std::collections::BTreeSet::new());
        let _ = Config::from_lookup(|k| {
            read.borrow_mut().insert(k.to_string());
            None
        });
        let declared: std::collections::BTreeSet<String> = VARIABLES.iter().map(|v| v.name.to_string()).collect();
        assert_eq!(read.into_inner(), declared);
    }

    #[test]
    fn declared_defaults_are_the_code_s_own() {
        assert_eq!(default_of("ELBSHIP_LOG_GROUP_TEMPLATE"), Some(DEFAULT_LOG_GROUP_TEMPLATE));
        assert_eq!(default_of("ELBSHIP_LOG_STREAM_TEMPLATE"), Some(DEFAULT_LOG_STREAM_TEMPLATE));
        for v in VARIABLES {
            assert!(!v.read_by.is_empty() && !v.meaning.is_empty(), "{}", v.name);
        }
    }

    #[test]
    fn a_destination_role_is_named_and_demands_an_external_id() -> Result<(), ElbshipError> {
        let c = cfg(&[])?;
        assert_eq!(c.destinations.mode, DestinationMode::Central);
        assert_eq!(c.destination_role, DestinationRole { name: "elbship-destination".into(), external_id: None });
        let without = cfg(&[("ELBSHIP_DESTINATION_MODE", "source-account")]).err().map(|e| e.to_string());
        assert!(without.is_some_and(|m| m.contains("ELBSHIP_DESTINATION_EXTERNAL_ID") && m.contains("required")));
        let c = cfg(&[
            ("ELBSHIP_DESTINATION_MODE", "source-account"),
            ("ELBSHIP_DESTINATION_EXTERNAL_ID", "elbship-7f3a"),
            ("ELBSHIP_DESTINATION_ROLE", "logs-writer"),
        ])?;
        assert_eq!(c.destinations.mode, DestinationMode::SourceAccount);
        assert_eq!(c.destination_role.arn("aws", "222222222222"), "arn:aws:iam::222222222222:role/logs-writer");
        assert_eq!(c.destination_role.external_id.as_deref(), Some("elbship-7f3a"));
        Ok(())
    }

    #[test]
    fn values_are_read() -> Result<(), ElbshipError> {
        let c = cfg(&[
            ("ELBSHIP_MESSAGE_MODE", "json"),
            ("ELBSHIP_SPAN_SIZE", "4MiB"),
            ("ELBSHIP_STAGING_PREFIX", "tmp"),
            ("ELBSHIP_LOG_GROUP_RETENTION_DAYS", "30"),
            ("ELBSHIP_LOG_GROUP_CLASS", "INFREQUENT_ACCESS"),
        ])?;
        assert_eq!(c.log_group_class, LogGroupClass::InfrequentAccess);
        assert_eq!(
            (c.mode, c.span_bytes, c.staging_prefix.as_str(), c.retention_days),
            (MessageMode::Json, 4 << 20, "tmp/", Some(30))
        );
        Ok(())
    }
}
