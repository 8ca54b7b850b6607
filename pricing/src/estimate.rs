//! What a backfill would ship and cost, estimated from the listing's sizes alone (`elbship backfill --dry-run`):
//! the objects the filter takes, their bytes and lines, the route each takes, CloudWatch Logs' ingestion and
//! elbship's orchestration at list prices.

use crate::prices::{price, OBJECTS_PER_NODE_MONTH};
use elbship_core::batching::limits::MAX_EVENT_AGE_MS;
use elbship_core::formats::key::{classify_key, KeyClass};
use elbship_core::formats::kind::Compression;
use elbship_core::orchestration::backfill::Filter;
use elbship_core::orchestration::route::{route, Route};
use serde::Serialize;
use std::collections::BTreeMap;

/// Uncompressed bytes per gzip byte of an ELB log, and bytes per line: what the estimate assumes (measured on the
/// synthetic ALB logs of `make bench`: 200 MB of lines in 24 MB of gzip, 629 bytes a line).
pub const GZIP_RATIO: f64 = 8.3;
/// Bytes per line assumed by the estimate.
pub const BYTES_PER_LINE: f64 = 629.0;
/// Orchestration per object on the Express route, and per GB of lines on the Standard route, as `make bench`
/// measured them (README, "What it costs").
pub const EXPRESS_PER_OBJECT: f64 = 0.000_004_1;
/// See [`EXPRESS_PER_OBJECT`].
pub const STANDARD_PER_OBJECT: f64 = 0.000_11;
/// See [`EXPRESS_PER_OBJECT`].
pub const STANDARD_PER_GB: f64 = 0.0028;

/// What a backfill would ship.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Estimate {
    /// Objects taken.
    pub objects: u64,
    /// Their bytes in S3.
    pub bytes: u64,
    /// Lines, estimated from the sizes.
    pub lines: u64,
    /// Uncompressed bytes, estimated.
    pub uncompressed_bytes: u64,
    /// Objects whose file ended more than 14 days ago: CloudWatch Logs refuses their lines unless restamped.
    pub older_than_14_days: u64,
    /// Objects that take the Express route.
    pub express_objects: u64,
    /// CloudWatch Logs ingestion at $0.50 per GB (message bytes plus 26 per event).
    pub ingestion_dollars: f64,
    /// elbship's orchestration.
    pub orchestration_dollars: f64,
    /// Keys under the prefix that are not ELB logs (skipped, as their events would be).
    pub not_logs: u64,
    /// Logs the filter left out.
    pub filtered_out: u64,
    /// Objects and lines taken, by the load balancers' account and Region (`account/region`): where
    /// `source-account` writes each, and whose PutLogEvents quota each spends there.
    pub by_source: BTreeMap<String, SourceCount>,
}

/// What one account and Region holds of a backfill.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SourceCount {
    /// Objects taken.
    pub objects: u64,
    /// Lines, estimated from the sizes.
    pub lines: u64,
}

impl Estimate {
    /// Adds one object of the listing (a stream of any length, one object at a time); whether it is taken.
    pub fn add(&mut self, key: &str, size: u64, filter: &Filter, now_ms: i64, express_max_bytes: u64) -> bool {
        let KeyClass::Log(log) = classify_key(key) else {
            self.not_logs += 1;
            return false;
        };
        if !filter.takes(&log) {
            self.filtered_out += 1;
            return false;
        }
        let uncompressed = match log.file.kind.compression() {
            Compression::Gzip => size as f64 * GZIP_RATIO,
            Compression::None => size as f64,
        };
        let lines = (uncompressed / BYTES_PER_LINE).ceil();
        self.objects += 1;
        self.bytes += size;
        self.uncompressed_bytes += uncompressed as u64;
        self.lines += lines as u64;
        let source = self.by_source.entry(format!("{}/{}", log.file.account, log.file.region)).or_default();
        source.objects += 1;
        source.lines += lines as u64;
        self.older_than_14_days += u64::from(now_ms - log.file.end_time_ms > MAX_EVENT_AGE_MS);
        self.ingestion_dollars += (uncompressed + 26.0 * lines) * price::LOGS_BYTE;
        self.orchestration_dollars += match route(size, express_max_bytes, true) {
            Route::Express => {
                self.express_objects += 1;
                EXPRESS_PER_OBJECT
            }
            Route::Standard => STANDARD_PER_OBJECT + uncompressed / 1e9 * STANDARD_PER_GB,
        };
        true
    }
}

/// The estimate as an operator reads it.
pub fn describe(e: &Estimate) -> String {
    let per_node_month =
        if e.objects > 0 { e.orchestration_dollars / e.objects as f64 * OBJECTS_PER_NODE_MONTH } else { 0.0 };
    let sources: String = e
        .by_source
        .iter()
        .map(|(source, c)| format!("\n  {source}: {} objects, {} lines", c.objects, c.lines))
        .collect();
    let totals = format!(
        "{} objects, {:.1} MB in S3, about {:.1} GB of lines and {} lines (estimated from sizes)\n\
         {} objects take the Express route, {} the Standard route\n\
         {} objects ended more than 14 days ago: CloudWatch Logs refuses their lines, so the backfill ships them \
         only with --policy restamp (otherwise it counts them as skipped too_old, never silently)\n\
         estimated cost: CloudWatch Logs ingestion ${:.2}, elbship's orchestration ${:.4} (${:.3} per node-month of such objects)\n\
         left out: {} logs by the filter, {} keys that are not ELB logs",
        e.objects,
        e.bytes as f64 / 1e6,
        e.uncompressed_bytes as f64 / 1e9,
        e.lines,
        e.express_objects,
        e.objects - e.express_objects,
        e.older_than_14_days,
        e.ingestion_dollars,
        e.orchestration_dollars,
        per_node_month,
        e.filtered_out,
        e.not_logs,
    );
    match sources.is_empty() {
        true => totals,
        false => format!(
            "{totals}\nby load balancer account and Region (where destinationMode source-account writes each; each \
             has its own PutLogEvents quota):{sources}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The estimate of a whole listing, and the keys it takes.
    fn estimate<'a>(
        listing: impl IntoIterator<Item = (&'a str, u64)>,
        filter: &Filter,
        now_ms: i64,
        express_max_bytes: u64,
    ) -> (Estimate, Vec<String>) {
        let mut e = Estimate::default();
        let taken = listing.into_iter().filter(|(key, size)| e.add(key, *size, filter, now_ms, express_max_bytes));
        let taken = taken.map(|(key, _)| key.to_string()).collect();
        (e, taken)
    }
    use elbship_core::formats::timestamp::parse_compact_ms;

    fn key(account: &str, lb: &str, end: &str) -> String {
        format!(
            "AWSLogs/{account}/elasticloadbalancing/us-east-1/2026/11/27/{account}_elasticloadbalancing_us-east-1_app.{lb}.50dc6c495c0c9188_{end}_10.0.0.1_abc.log.gz"
        )
    }

    fn ms(compact: &str) -> i64 {
        parse_compact_ms(compact).unwrap_or_default()
    }

    #[test]
    fn the_filter_reads_only_keys() {
        let keys = [
            key("111111111111", "web", "20261127T1000Z"),
            key("111111111111", "web", "20261127T1100Z"),
            key("111111111111", "api", "20261127T1005Z"),
            key("222222222222", "web", "20261127T1010Z"),
        ];
        let f = Filter {
            since_ms: Some(ms("20261127T1000Z")),
            until_ms: Some(ms("20261127T1100Z")),
            load_balancer: Some("web".into()),
            account: None,
            region: None,
        };
        let listing: Vec<(&str, u64)> = keys.iter().map(|k| (k.as_str(), 1000)).chain([("index.html", 5)]).collect();
        let (e, taken) = estimate(listing, &f, ms("20261127T1200Z"), 4 << 20);
        assert_eq!(taken, [keys[0].clone(), keys[3].clone()], "since inclusive, until exclusive, any account");
        assert_eq!((e.objects, e.filtered_out, e.not_logs, e.express_objects), (2, 2, 1, 2));
        let only = Filter { account: Some("222222222222".into()), ..f };
        assert_eq!(estimate(keys.iter().map(|k| (k.as_str(), 1)), &only, 0, 1).1, [keys[3].clone()]);
    }

    #[test]
    fn a_backfill_of_many_accounts_and_regions_is_counted_by_each() {
        let west = key("222222222222", "web", "20261127T1000Z").replace("us-east-1", "eu-west-1");
        let keys = [key("111111111111", "web", "20261127T1000Z"), key("111111111111", "api", "20261127T1000Z"), west];
        let (e, _) = estimate(keys.iter().map(|k| (k.as_str(), 1000)), &Filter::default(), 0, 4 << 20);
        let counts: Vec<(&str, u64)> = e.by_source.iter().map(|(s, c)| (s.as_str(), c.objects)).collect();
        assert_eq!(counts, [("111111111111/us-east-1", 2), ("222222222222/eu-west-1", 1)]);
        assert_eq!(e.by_source.values().map(|c| c.lines).sum::<u64>(), e.lines);
        assert!(describe(&e).contains("\n  222222222222/eu-west-1: 1 objects, "));
        let only = Filter { region: Some("eu-west-1".into()), ..Filter::default() };
        assert_eq!(estimate(keys.iter().map(|k| (k.as_str(), 1000)), &only, 0, 4 << 20).1, [keys[2].clone()]);
    }

    #[test]
    fn old_objects_are_counted_and_costs_follow_the_sizes() {
        let k = key("111111111111", "web", "20261101T1000Z");
        let (e, _) = estimate([(k.as_str(), 10_000_000)], &Filter::default(), ms("20261127T1000Z"), 4 << 20);
        assert_eq!((e.objects, e.older_than_14_days, e.express_objects), (1, 1, 0));
        assert_eq!(e.uncompressed_bytes, 83_000_000);
        assert_eq!(e.lines, (83_000_000f64 / BYTES_PER_LINE).ceil() as u64);
        assert!((e.ingestion_dollars - (83e6 + 26.0 * e.lines as f64) * 0.5e-9).abs() < 1e-9);
        assert!((e.orchestration_dollars - (STANDARD_PER_OBJECT + 0.083 * STANDARD_PER_GB)).abs() < 1e-12);
        assert!(describe(&e).contains("1 objects ended more than 14 days ago"));
    }
}
