//! CloudWatch metrics as embedded metric format (EMF) documents: one JSON line a function prints, which CloudWatch
//! Logs turns into metrics with no API call of elbship's. One document per object, when it is verified (lines,
//! bytes, rejects by reason, adjustments, possible duplicates, freshness), fails, or is refused (written nowhere:
//! [`crate::orchestration::destination::Refusal`]).
//!
//! Dimensions are bounded: `Account`, `Region`, `LoadBalancer` (the name ELB gives it), `Kind` (a row of the table of
//! kinds), each from the object's key; every metric is also published with no dimension, for the fleet-wide
//! dashboard and alarms. Freshness is the time from the file's end (in its key) to its verified delivery: how late
//! the logs are.
//!
//! ```
//! use elbship_core::accounting::metrics::{object_failed, NAMESPACE};
//! let doc = object_failed("123456789012", "us-east-1", "my-lb", "alb_access", "ObjectIncomplete", 1_700_000_000_000);
//! assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"], NAMESPACE);
//! assert_eq!(doc["ObjectsFailed"], 1);
//! ```

use crate::accounting::verify::Verified;
use crate::formats::key::LogObject;
use serde_json::{json, Map, Value};

/// The metrics' namespace.
pub const NAMESPACE: &str = "elbship";

/// The dimensions of every metric (and, separately, none).
pub const DIMENSIONS: [&str; 4] = ["Account", "Region", "LoadBalancer", "Kind"];

/// Every metric elbship publishes, with its unit, in the order of the documents.
pub const METRICS: [(&str, &str); 18] = [
    ("ObjectsVerified", "Count"),
    ("ObjectsFailed", "Count"),
    ("ObjectsRefused", "Count"),
    ("LinesRead", "Count"),
    ("LinesDelivered", "Count"),
    ("BytesDelivered", "Bytes"),
    ("LinesRejected", "Count"),
    ("RejectedTooOld", "Count"),
    ("RejectedExpired", "Count"),
    ("RejectedTooNew", "Count"),
    ("RejectedBlank", "Count"),
    ("TimestampFallbacks", "Count"),
    ("InvalidUtf8Lines", "Count"),
    ("SplitLines", "Count"),
    ("RestampedLines", "Count"),
    ("PossiblyDuplicatedEvents", "Count"),
    ("FreshnessSeconds", "Seconds"),
    ("Spans", "Count"),
];

fn document(dimensions: [&str; 4], timestamp_ms: i64, values: &[(&str, Value)]) -> Value {
    let mut doc = Map::new();
    let metrics: Vec<Value> = values
        .iter()
        .filter_map(|(name, _)| METRICS.iter().find(|(m, _)| m == name))
        .map(|(name, unit)| json!({"Name": name, "Unit": unit}))
        .collect();
    doc.insert(
        "_aws".into(),
        json!({"Timestamp": timestamp_ms, "CloudWatchMetrics": [{
            "Namespace": NAMESPACE, "Dimensions": [DIMENSIONS, []], "Metrics": metrics}]}),
    );
    for (name, value) in DIMENSIONS.iter().zip(dimensions) {
        doc.insert((*name).into(), json!(value));
    }
    for (name, value) in values {
        doc.insert((*name).into(), value.clone());
    }
    Value::Object(doc)
}

/// The document of a verified object, delivered at `now_ms`.
pub fn object_verified(v: &Verified, log: &LogObject, now_ms: i64) -> Value {
    let l = &v.ledger;
    let freshness = (now_ms - log.file.end_time_ms).max(0) as f64 / 1000.0;
    document(
        [&log.file.account, &log.file.region, &log.file.lb_name, log.file.kind.name()],
        now_ms,
        &[
            ("ObjectsVerified", json!(1)),
            ("LinesRead", json!(l.lines_read)),
            ("LinesDelivered", json!(l.lines_delivered)),
            ("BytesDelivered", json!(l.message_bytes_delivered)),
            ("LinesRejected", json!(l.rejected.total())),
            ("RejectedTooOld", json!(l.rejected.too_old)),
            ("RejectedExpired", json!(l.rejected.expired)),
            ("RejectedTooNew", json!(l.rejected.too_new)),
            ("RejectedBlank", json!(l.rejected.blank)),
            ("TimestampFallbacks", json!(l.adjusted.timestamp_fallback)),
            ("InvalidUtf8Lines", json!(l.adjusted.invalid_utf8)),
            ("SplitLines", json!(l.adjusted.split_oversize)),
            ("RestampedLines", json!(l.adjusted.restamped)),
            ("PossiblyDuplicatedEvents", json!(l.possibly_duplicated)),
            ("FreshnessSeconds", json!(freshness)),
            ("Spans", json!(v.spans)),
        ],
    )
}

/// The document of an object that failed with `error`.
pub fn object_failed(account: &str, region: &str, lb_name: &str, kind: &str, error: &str, now_ms: i64) -> Value {
    one_object(("ObjectsFailed", "Error", error), [account, region, lb_name, kind], now_ms)
}

/// A document counting one object under `metric`, with `why` in the field `label`.
fn one_object((metric, label, why): (&str, &str, &str), dimensions: [&str; 4], now_ms: i64) -> Value {
    let mut doc = document(dimensions, now_ms, &[(metric, json!(1))]);
    if let Value::Object(m) = &mut doc {
        m.insert(label.into(), json!(why));
    }
    doc
}

/// The document of an object written nowhere, refused by name (`AccountNotAllowed`, `KeyMismatch`). Its
/// dimensions are what the key claims: an account the key names that elbship may not write for is still the
/// account an operator looks for.
pub fn object_refused(account: &str, region: &str, lb_name: &str, kind: &str, refusal: &str, now_ms: i64) -> Value {
    one_object(("ObjectsRefused", "Refusal", refusal), [account, region, lb_name, kind], now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::ledger::Ledger;
    use crate::formats::key::{classify_key, KeyClass};
    use crate::orchestration::job::ObjectRef;

    const KEY: &str = "AWSLogs/123456789012/elasticloadbalancing/us-east-2/2026/11/27/123456789012_elasticloadbalancing_us-east-2_app.my-lb.1234567890abcdef_20261127T1005Z_10.0.0.1_abc.log.gz";

    fn log() -> LogObject {
        match classify_key(KEY) {
            KeyClass::Log(l) => *l,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_verified_object_is_one_emf_line_with_every_metric_per_load_balancer_and_in_total() {
        let mut ledger =
            Ledger { lines_read: 10, lines_delivered: 8, message_bytes_delivered: 900, ..Ledger::default() };
        ledger.rejected.too_old = 1;
        ledger.rejected.blank = 1;
        ledger.possibly_duplicated = 2;
        let v = Verified::sample(ObjectRef { bucket: "b".into(), key: KEY.into(), size: 1, etag: "e".into() }, ledger);
        let end = log().file.end_time_ms;
        let doc = object_verified(&v, &log(), end + 95_500);
        let expected = json!({
            "_aws": {"Timestamp": end + 95_500, "CloudWatchMetrics": [{"Namespace": "elbship",
                "Dimensions": [["Account", "Region", "LoadBalancer", "Kind"], []],
                "Metrics": METRICS.iter().filter(|(n, _)| !["ObjectsFailed", "ObjectsRefused"].contains(n))
                    .map(|(n, u)| json!({"Name": n, "Unit": u})).collect::<Vec<_>>()}]},
            "Account": "123456789012", "Region": "us-east-2", "LoadBalancer": "my-lb", "Kind": "alb_access",
            "ObjectsVerified": 1, "LinesRead": 10, "LinesDelivered": 8, "BytesDelivered": 900, "LinesRejected": 2,
            "RejectedTooOld": 1, "RejectedExpired": 0, "RejectedTooNew": 0, "RejectedBlank": 1,
            "TimestampFallbacks": 0, "InvalidUtf8Lines": 0, "SplitLines": 0, "RestampedLines": 0,
            "PossiblyDuplicatedEvents": 2, "FreshnessSeconds": 95.5, "Spans": 1
        });
        assert_eq!(doc, expected);
        // One line, as a function prints it.
        assert!(!doc.to_string().contains('\n'));
    }

    #[test]
    fn a_failed_object_counts_once_and_names_its_error() {
        let doc = object_failed("123456789012", "us-east-2", "my-lb", "clb_access", "NotGzip", 5);
        assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Metrics"], json!([{"Name": "ObjectsFailed", "Unit": "Count"}]));
        assert_eq!(
            (doc["ObjectsFailed"].clone(), doc["Error"].clone(), doc["Kind"].clone()),
            (json!(1), json!("NotGzip"), json!("clb_access"))
        );
        let doc = object_refused("210987654321", "us-east-2", "my-lb", "alb_access", "AccountNotAllowed", 5);
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Metrics"],
            json!([{"Name": "ObjectsRefused", "Unit": "Count"}])
        );
        assert_eq!(
            (doc["Refusal"].clone(), doc["Account"].clone()),
            (json!("AccountNotAllowed"), json!("210987654321"))
        );
    }
}
