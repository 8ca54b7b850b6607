//! Backfills: which objects of a prefix to ship, chosen from their keys alone (time, load balancer, account), and
//! how many children the Distributed Map runs at once. Pure: [`batch`] is what the Map does with each object; what
//! a backfill would cost is `elbship-pricing`'s estimate.
//!
//! ```
//! use elbship_core::orchestration::backfill::Filter;
//! let f = Filter { load_balancer: Some("web".into()), ..Filter::default() };
//! assert!(f.since_ms.is_none());
//! ```

use crate::formats::key::LogObject;
use serde::{Deserialize, Serialize};

pub mod batch;

/// Which objects a backfill takes, by what their keys say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    /// Files that end at or after this time (epoch ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since_ms: Option<i64>,
    /// Files that end before this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<i64>,
    /// Only this load balancer (the name ELB gives it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer: Option<String>,
    /// Only this account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Only load balancers in this Region (as the key names it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl Filter {
    /// Whether a log object is taken.
    pub fn takes(&self, log: &LogObject) -> bool {
        let end = log.file.end_time_ms;
        self.since_ms.is_none_or(|t| end >= t)
            && self.until_ms.is_none_or(|t| end < t)
            && self.load_balancer.as_ref().is_none_or(|lb| *lb == log.file.lb_name)
            && self.account.as_ref().is_none_or(|a| *a == log.file.account)
            && self.region.as_ref().is_none_or(|r| *r == log.file.region)
    }
}

/// PutLogEvents calls a backfill's child makes per second at most: it ships its objects one after another, each
/// call waiting for CloudWatch's answer (about 100 ms).
pub const PUTS_PER_CHILD_PER_SECOND: u32 = 10;
/// Most children of a backfill at once: half of Lambda's default 1,000 concurrent executions per account.
pub const MAX_CHILDREN: u32 = 500;

/// The backfill Map's `MaxConcurrency` for an account whose PutLogEvents quota is `put_log_events_per_second`:
/// half of it (the rest stays for live objects and every other tool in the account), at
/// [`PUTS_PER_CHILD_PER_SECOND`] per child, from 1 to [`MAX_CHILDREN`].
///
/// ```
/// assert_eq!(elbship_core::orchestration::backfill::max_concurrency(5_000), 250, "AWS's default quota");
/// assert_eq!(elbship_core::orchestration::backfill::max_concurrency(1), 1);
/// assert_eq!(elbship_core::orchestration::backfill::max_concurrency(1_000_000), 500);
/// ```
pub fn max_concurrency(put_log_events_per_second: u32) -> u32 {
    (put_log_events_per_second / 2 / PUTS_PER_CHILD_PER_SECOND).clamp(1, MAX_CHILDREN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::key::{classify_key, KeyClass};
    use crate::formats::timestamp::parse_compact_ms;

    #[test]
    fn the_filter_reads_only_keys() {
        let key = |account: &str, lb: &str, end: &str| {
            format!(
                "AWSLogs/{account}/elasticloadbalancing/us-east-1/2026/11/27/{account}_elasticloadbalancing_us-east-1_app.{lb}.50dc6c495c0c9188_{end}_10.0.0.1_abc.log.gz"
            )
        };
        let ms = |c: &str| parse_compact_ms(c).unwrap_or_default();
        let f = Filter {
            since_ms: Some(ms("20261127T1000Z")),
            until_ms: Some(ms("20261127T1100Z")),
            load_balancer: Some("web".into()),
            account: None,
            region: None,
        };
        let takes = |k: String| matches!(classify_key(&k), KeyClass::Log(log) if f.takes(&log));
        assert!(takes(key("111111111111", "web", "20261127T1000Z")), "since is inclusive");
        assert!(!takes(key("111111111111", "web", "20261127T1100Z")), "until is exclusive");
        assert!(!takes(key("111111111111", "api", "20261127T1005Z")), "another load balancer");
        assert!(takes(key("222222222222", "web", "20261127T1010Z")), "any account");
        let f = Filter { region: Some("eu-west-1".into()), ..Filter::default() };
        let log = |k: String| match classify_key(&k) {
            KeyClass::Log(log) => Some(log),
            _ => None,
        };
        let east = key("111111111111", "web", "20261127T1000Z");
        assert!(log(east.clone()).is_some_and(|l| !f.takes(&l)), "another Region");
        let west = east.replace("us-east-1", "eu-west-1");
        assert!(log(west).is_some_and(|l| f.takes(&l)), "its Region");
    }
}
