//! A backfill on AWS, on paper: how fast the quotas let it go and what its orchestration costs, from the account's
//! PutLogEvents quota and list prices. `elbship backfill --dry-run` and `make scale` print it.
//!
//! What bounds it: the Map's children (half the PutLogEvents quota at [`elbship_core::orchestration::backfill::PUTS_PER_CHILD_PER_SECOND`] each, at
//! most [`elbship_core::orchestration::backfill::MAX_CHILDREN`]); each child ships its objects one after another, [`SECONDS_PER_OBJECT`] each.
//!
//! ```
//! let s = elbship_pricing::at_scale::at_scale(1_000_000, 5_000);
//! assert_eq!(s.children, 250);
//! assert!(s.seconds > 600.0 && s.seconds < 1_200.0, "about 15 minutes for a million objects");
//! ```

use crate::prices::price;
use elbship_core::orchestration::backfill::max_concurrency;
use serde::Serialize;

/// Seconds a child spends on one small object on AWS: an S3 GET (~30 ms), three DynamoDB writes (~10 ms each), one
/// or two PutLogEvents round trips (~50-100 ms each). An assumption, stated: the local stack cannot measure AWS.
pub const SECONDS_PER_OBJECT: f64 = 0.2;
/// Objects a child takes at once (the Map's `ItemBatcher.MaxItemsPerBatch`).
pub const OBJECTS_PER_BATCH: u64 = 25;
/// State transitions per batch: the parent's start of the child, and the child's one Task state and its end.
pub const TRANSITIONS_PER_BATCH: f64 = 3.0;
/// DynamoDB writes per small object: the claim and lease, the span's take-over with its first reservation, its
/// acknowledgement.
pub const WRITES_PER_OBJECT: f64 = 3.0;
/// Memory of the object function, GB.
pub const OBJECT_FUNCTION_GB: f64 = 0.125;

/// What a backfill of `objects` small objects does on AWS.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtScale {
    /// Children at once (the Map's MaxConcurrency).
    pub children: u32,
    /// Objects shipped per second.
    pub objects_per_second: f64,
    /// PutLogEvents calls per second (one per small object).
    pub put_log_events_per_second: f64,
    /// DynamoDB writes per second.
    pub dynamodb_writes_per_second: f64,
    /// The whole backfill.
    pub seconds: f64,
    /// Step Functions, at list price.
    pub step_functions_dollars: f64,
    /// Lambda.
    pub lambda_dollars: f64,
    /// DynamoDB.
    pub dynamodb_dollars: f64,
    /// S3 requests (a GET per object, a listing call per 1,000).
    pub s3_dollars: f64,
}

impl AtScale {
    /// Every orchestration cost.
    pub fn dollars(&self) -> f64 {
        self.step_functions_dollars + self.lambda_dollars + self.dynamodb_dollars + self.s3_dollars
    }

    /// As an operator reads it.
    pub fn describe(&self, objects: u64) -> String {
        format!(
            "on AWS (on paper): {} children, about {:.0} objects/s ({:.0} PutLogEvents/s, {:.0} DynamoDB writes/s): \
             {objects} objects in about {}; orchestration about ${:.2} (Step Functions ${:.2}, Lambda ${:.2}, \
             DynamoDB ${:.2}, S3 ${:.2})",
            self.children,
            self.objects_per_second,
            self.put_log_events_per_second,
            self.dynamodb_writes_per_second,
            if self.seconds < 120.0 {
                format!("{:.0} seconds", self.seconds.max(1.0))
            } else {
                format!("{:.0} minutes", self.seconds / 60.0)
            },
            self.dollars(),
            self.step_functions_dollars,
            self.lambda_dollars,
            self.dynamodb_dollars,
            self.s3_dollars,
        )
    }
}

/// A backfill of `objects` small objects in an account whose PutLogEvents quota is `put_log_events_quota` per second.
pub fn at_scale(objects: u64, put_log_events_quota: u32) -> AtScale {
    let children = max_concurrency(put_log_events_quota);
    let objects_per_second = f64::from(children) / SECONDS_PER_OBJECT;
    let n = objects as f64;
    let batches = n / OBJECTS_PER_BATCH as f64;
    AtScale {
        children,
        objects_per_second,
        put_log_events_per_second: objects_per_second,
        dynamodb_writes_per_second: objects_per_second * WRITES_PER_OBJECT,
        seconds: n / objects_per_second,
        step_functions_dollars: batches.ceil() * TRANSITIONS_PER_BATCH * price::STANDARD_TRANSITION,
        lambda_dollars: batches.ceil() * price::LAMBDA_REQUEST
            + n * SECONDS_PER_OBJECT * OBJECT_FUNCTION_GB * price::LAMBDA_GB_SECOND,
        dynamodb_dollars: n * WRITES_PER_OBJECT * price::DYNAMODB_WRITE,
        s3_dollars: n * price::S3_GET + (n / 1_000.0).ceil() * price::S3_PUT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use elbship_core::orchestration::backfill::MAX_CHILDREN;

    #[test]
    fn a_million_objects_under_the_default_quota() {
        let s = at_scale(1_000_000, 5_000);
        assert_eq!(s.children, 250);
        assert!((s.objects_per_second - 1_250.0).abs() < 1e-9);
        assert!((s.seconds - 800.0).abs() < 1e-6, "{}", s.seconds);
        assert!(s.put_log_events_per_second <= 2_500.0, "within the half of the quota left to it");
        assert!((s.step_functions_dollars - 40_000.0 * 3.0 * 0.000_025).abs() < 1e-9);
        assert!((s.dynamodb_dollars - 1.875).abs() < 1e-9);
        assert!((s.s3_dollars - (0.4 + 0.005)).abs() < 1e-9);
        assert!(s.dollars() > 5.0 && s.dollars() < 6.0, "{}", s.dollars());
        let text = s.describe(1_000_000);
        assert!(text.contains("250 children, about 1250 objects/s") && text.contains("in about 13 minutes"), "{text}");
        assert!(at_scale(146, 5_000).describe(146).contains("146 objects in about 1 seconds"));
    }

    #[test]
    fn a_larger_quota_is_bounded_by_the_children() {
        assert_eq!(at_scale(10, 1_000_000).children, MAX_CHILDREN);
        assert_eq!(at_scale(10, 100).children, 5);
    }
}
