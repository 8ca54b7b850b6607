//! One batch of a backfill's Distributed Map, and the backfill's summary. Pure: the object function ships what
//! [`choose`] takes and records each outcome in a [`Summary`]; the summarize step merges the batches' summaries.
//!
//! A batch is what the Map's ItemBatcher hands a child: objects as S3's listing gives them (`Key`, `Size`, `ETag`)
//! and the backfill's choices (`BatchInput`). Each object is taken or skipped from its key alone; a skipped object
//! is counted under its reason, never dropped silently.
//!
//! ```
//! use elbship_core::orchestration::backfill::batch::{Skip, Summary};
//! let mut s = Summary::default();
//! s.skip(Skip::Filtered);
//! assert_eq!((s.objects, s.skipped.filtered, s.is_complete()), (1, 1, true));
//! ```

use super::Filter;
use crate::accounting::ledger::Ledger;
use crate::batching::limits::MAX_EVENT_AGE_MS;
use crate::batching::policy::OldEventPolicy;
use crate::formats::key::{classify_key, KeyClass};
use crate::orchestration::destination::Destinations;
use crate::orchestration::job::{ObjectRef, ShipOptions};
use crate::orchestration::route::{route, ObjectOutcome, Route};
use serde::{Deserialize, Serialize};

/// Failures listed by name in a summary; the rest are counted (a summary must fit in an execution's output).
pub const FAILURES_LISTED: usize = 25;
/// Characters of a failure's cause kept in a summary: 25 of them stay well inside the 32,768 characters Step
/// Functions keeps of a failed execution's cause, which carries the summary (`BackfillIncomplete`).
pub const CAUSE_CHARS: usize = 400;

/// One object as the Map's S3 ItemReader gives it: from the listing (ListObjectsV2's `Contents`: `Key`, `Size`,
/// `Etag`), or a row of an S3 Inventory list (`Bucket`, `Key` URL-encoded as inventory CSV files write it, `Size`
/// and `ETag` as text, when the inventory has those fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedObject {
    /// The bucket, on an inventory row only.
    #[serde(rename = "Bucket", default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// Key (URL-encoded on an inventory row).
    #[serde(rename = "Key")]
    pub key: String,
    /// Size in bytes (0 when the inventory has no size field).
    #[serde(rename = "Size", default, deserialize_with = "number_or_text")]
    pub size: u64,
    /// ETag, quoted as S3 lists it (the listing names it `Etag`, the inventory `ETag`, unquoted).
    #[serde(rename = "Etag", alias = "ETag", default)]
    pub etag: String,
}

impl ListedObject {
    /// The object's key: an inventory row's decoded.
    pub fn decoded_key(&self) -> Option<String> {
        match self.bucket {
            Some(_) => crate::formats::key::decode_notification_key(&self.key),
            None => Some(self.key.clone()),
        }
    }
}

fn number_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Size {
        Number(u64),
        Text(String),
    }
    match Size::deserialize(d)? {
        Size::Number(n) => Ok(n),
        Size::Text(t) if t.is_empty() => Ok(0),
        Size::Text(t) => t.parse().map_err(serde::de::Error::custom),
    }
}

/// What every batch of one backfill shares: the Map's `BatchInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchInput {
    /// The bucket listed (or inventoried).
    pub bucket: String,
    /// Only keys under this prefix (an inventory lists the whole bucket).
    #[serde(default)]
    pub prefix: String,
    /// Which objects to take.
    #[serde(default)]
    pub filter: Filter,
    /// Mode and old-event policy.
    #[serde(default)]
    pub options: ShipOptions,
    /// The backfill's execution (`$$.Execution.Id`): it holds each object's lease, so a redrive of the same
    /// backfill resumes the objects its failed attempt held.
    pub backfill: String,
}

/// A child's input: the ItemBatcher's batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Batch {
    /// The objects.
    #[serde(rename = "Items")]
    pub items: Vec<ListedObject>,
    /// What they share.
    #[serde(rename = "BatchInput")]
    pub input: BatchInput,
}

/// Why an object of the listing is not shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Not an ELB log (or the test file ELB writes).
    NotALog,
    /// Outside the backfill's time, load balancer or account.
    Filtered,
    /// Its file ended more than 14 days ago and the policy is not `restamp`.
    TooOld,
    /// An ELB log written nowhere: its account is not allowed, or its file name and path disagree
    /// (`AccountNotAllowed`, `KeyMismatch`).
    Refused,
}

/// What a backfill does with one listed object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// Ship it on this route: Express in the batch's own call, Standard as its own execution.
    Ship(ObjectRef, Route),
    /// Count it, ship nothing.
    Skip(Skip),
}

/// Decides, from the key and size alone, what the backfill does with a listed object at `now_ms`, in a deployment
/// whose objects are admitted by `destinations`.
pub fn choose(
    item: &ListedObject,
    input: &BatchInput,
    now_ms: i64,
    express_max_bytes: u64,
    destinations: &Destinations,
) -> Choice {
    let Some(key) = item.decoded_key() else {
        return Choice::Skip(Skip::NotALog);
    };
    if !key.starts_with(&input.prefix) || item.bucket.as_ref().is_some_and(|b| *b != input.bucket) {
        return Choice::Skip(Skip::Filtered);
    }
    let class = classify_key(&key);
    if let Some(Err(_)) = destinations.of(&class) {
        return Choice::Skip(Skip::Refused);
    }
    let KeyClass::Log(log) = class else {
        return Choice::Skip(Skip::NotALog);
    };
    if !input.filter.takes(&log) {
        return Choice::Skip(Skip::Filtered);
    }
    let restamp = input.options.policy == Some(OldEventPolicy::Restamp);
    if !restamp && now_ms - log.file.end_time_ms > MAX_EVENT_AGE_MS {
        return Choice::Skip(Skip::TooOld);
    }
    let etag = if item.etag.starts_with('"') || item.etag.is_empty() {
        item.etag.clone()
    } else {
        format!("\"{}\"", item.etag)
    };
    let object = ObjectRef { bucket: input.bucket.clone(), key, size: item.size, etag };
    Choice::Ship(object, route(item.size, express_max_bytes, true))
}

/// Objects skipped, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// Not ELB logs.
    pub not_a_log: u64,
    /// Left out by the filter.
    pub filtered: u64,
    /// Older than 14 days without `--policy restamp`.
    pub too_old: u64,
    /// ELB logs written nowhere (`AccountNotAllowed`, `KeyMismatch`).
    #[serde(default)]
    pub refused: u64,
}

/// An object the backfill could not verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// Its key.
    pub key: String,
    /// The error's stable name.
    pub error: String,
    /// Its message.
    pub cause: String,
    /// The Standard execution it was handed to, which finishes it (`elbship ship --retry-failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_arn: Option<String>,
}

/// What a batch, or a whole backfill, did: every listed object is verified, a duplicate, started on the Standard
/// route, skipped or failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Objects listed.
    pub objects: u64,
    /// Shipped and verified by the backfill.
    pub verified: u64,
    /// Held by another execution (its S3 event's, or another backfill's, still running or within its lease): shipped
    /// by that one.
    pub duplicate: u64,
    /// Larger than the Express route takes (or left when a batch neared its deadline): started as their own Standard
    /// executions (`elbship status`).
    pub standard: u64,
    /// The first [`FAILURES_LISTED`] of those executions, which `elbship backfill` follows to their end.
    #[serde(default)]
    pub standard_executions: Vec<String>,
    /// Skipped, by reason.
    pub skipped: Skipped,
    /// Not verified: handed to the Standard route after an error, or refused.
    pub failed: u64,
    /// The first [`FAILURES_LISTED`] failures by name.
    pub failures: Vec<Failure>,
    /// The verified objects' ledgers, merged: lines read, delivered, rejected by reason.
    pub ledger: Ledger,
}

impl Summary {
    /// Counts a skipped object.
    pub fn skip(&mut self, why: Skip) {
        self.objects += 1;
        match why {
            Skip::NotALog => self.skipped.not_a_log += 1,
            Skip::Filtered => self.skipped.filtered += 1,
            Skip::TooOld => self.skipped.too_old += 1,
            Skip::Refused => self.skipped.refused += 1,
        }
    }

    /// Counts an object started as its own Standard execution.
    pub fn started_standard(&mut self, execution_arn: &str) {
        self.objects += 1;
        self.standard += 1;
        if self.standard_executions.len() < FAILURES_LISTED {
            self.standard_executions.push(execution_arn.to_string());
        }
    }

    /// Records what the object path did with `key`.
    pub fn record(&mut self, key: &str, outcome: &ObjectOutcome) {
        self.objects += 1;
        match outcome {
            ObjectOutcome::Verified(v) => {
                self.verified += 1;
                self.ledger.merge(&v.ledger);
            }
            ObjectOutcome::Duplicate { .. } => self.duplicate += 1,
            ObjectOutcome::Escalated { execution_arn, error, cause } => {
                self.fail(Failure {
                    key: key.to_string(),
                    error: error.clone(),
                    cause: cause.clone(),
                    execution_arn: Some(execution_arn.clone()),
                });
            }
        }
    }

    /// Counts a failed object, listing it (its cause cut to [`CAUSE_CHARS`]) while fewer than [`FAILURES_LISTED`] are.
    pub fn fail(&mut self, mut failure: Failure) {
        self.failed += 1;
        if self.failures.len() < FAILURES_LISTED {
            if let Some((cut, _)) = failure.cause.char_indices().nth(CAUSE_CHARS) {
                failure.cause.truncate(cut);
                failure.cause.push('…');
            }
            self.failures.push(failure);
        }
    }

    /// Adds another batch's summary.
    pub fn merge(&mut self, o: &Summary) {
        self.objects += o.objects;
        self.verified += o.verified;
        self.duplicate += o.duplicate;
        self.standard += o.standard;
        let room = FAILURES_LISTED.saturating_sub(self.standard_executions.len());
        self.standard_executions.extend(o.standard_executions.iter().take(room).cloned());
        self.skipped.not_a_log += o.skipped.not_a_log;
        self.skipped.filtered += o.skipped.filtered;
        self.skipped.too_old += o.skipped.too_old;
        self.failed += o.failed - o.failures.len() as u64;
        for f in &o.failures {
            self.fail(f.clone());
        }
        self.ledger.merge(&o.ledger);
    }

    /// Whether every object the backfill took is verified, a duplicate or on its own Standard execution.
    pub fn is_complete(&self) -> bool {
        self.failed == 0
    }

    /// Objects accounted for under some outcome: always equal to `objects`.
    pub fn accounted(&self) -> u64 {
        let s = self.skipped;
        self.verified + self.duplicate + self.standard + self.failed + s.not_a_log + s.filtered + s.too_old
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounting::verify::Verified;
    use crate::formats::timestamp::parse_compact_ms;
    use crate::orchestration::destination::Home;
    use proptest::prelude::*;

    const NOW: &str = "20261127T1200Z";

    fn item(lb: &str, end: &str, size: u64) -> ListedObject {
        ListedObject {
            key: format!(
                "AWSLogs/111111111111/elasticloadbalancing/us-east-1/2026/11/27/111111111111_elasticloadbalancing_us-east-1_app.{lb}.50dc6c495c0c9188_{end}_10.0.0.1_abc.log.gz"
            ),
            size,
            etag: "\"e\"".into(),
            bucket: None,
        }
    }

    fn input(filter: Filter, policy: Option<OldEventPolicy>) -> BatchInput {
        BatchInput {
            bucket: "logs".into(),
            prefix: String::new(),
            filter,
            options: ShipOptions { policy, ..ShipOptions::default() },
            backfill: "arn:backfill".into(),
        }
    }

    fn now() -> i64 {
        parse_compact_ms(NOW).unwrap_or_default()
    }

    /// A deployment in the account the listed keys name.
    fn here() -> Destinations {
        Destinations {
            home: Home { account: "111111111111".into(), region: "us-east-1".into() },
            ..Destinations::default()
        }
    }

    #[test]
    fn the_batch_is_read_as_the_item_batcher_writes_it() {
        let v = serde_json::json!({
            "Items": [{"Etag": "\"e\"", "Key": "k", "LastModified": 1_795_000_000, "Size": 12, "StorageClass": "STANDARD"}],
            "BatchInput": {"bucket": "b", "filter": {"load_balancer": "web"}, "options": {"policy": "restamp"}, "backfill": "arn:x"}
        });
        let b: Batch = serde_json::from_value(v).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.items, [ListedObject { bucket: None, key: "k".into(), size: 12, etag: "\"e\"".into() }]);
        assert_eq!(b.input.filter.load_balancer.as_deref(), Some("web"));
        assert_eq!(b.input.options.policy, Some(OldEventPolicy::Restamp));
    }

    #[test]
    fn objects_are_taken_or_skipped_from_their_keys() {
        let f = Filter { load_balancer: Some("web".into()), ..Filter::default() };
        let i = input(f, None);
        let small = item("web", "20261127T1100Z", 1000);
        let Choice::Ship(object, Route::Express) = choose(&small, &i, now(), 4 << 20, &here()) else { panic!("small") };
        assert_eq!((object.bucket.as_str(), object.etag.as_str(), object.size), ("logs", "\"e\"", 1000));
        let large = item("web", "20261127T1100Z", 5 << 20);
        assert!(matches!(choose(&large, &i, now(), 4 << 20, &here()), Choice::Ship(_, Route::Standard)));
        assert_eq!(
            choose(&item("api", "20261127T1100Z", 1), &i, now(), 4 << 20, &here()),
            Choice::Skip(Skip::Filtered)
        );
        let not_log = ListedObject { bucket: None, key: "index.html".into(), size: 1, etag: String::new() };
        assert_eq!(choose(&not_log, &i, now(), 4 << 20, &here()), Choice::Skip(Skip::NotALog));
        let old = item("web", "20261101T1100Z", 1000);
        assert_eq!(choose(&old, &i, now(), 4 << 20, &here()), Choice::Skip(Skip::TooOld));
        let restamp = input(Filter::default(), Some(OldEventPolicy::Restamp));
        assert!(matches!(choose(&old, &restamp, now(), 4 << 20, &here()), Choice::Ship(_, Route::Express)));
    }

    #[test]
    fn inventory_rows_are_decoded_and_kept_to_the_prefix() {
        let listed = item("web", "20261127T1100Z", 0);
        let encoded = listed.key.replace('/', "%2F").replace('_', "%5F");
        let row = serde_json::json!({"Bucket": "logs", "Key": encoded, "Size": "2048", "ETag": "abc", "LastModifiedDate": "2026-11-27T11:00:00.000Z"});
        let row: ListedObject = serde_json::from_value(row).unwrap_or_else(|e| panic!("{e}"));
        let mut i = input(Filter::default(), None);
        i.prefix = "AWSLogs/".into();
        let Choice::Ship(object, Route::Express) = choose(&row, &i, now(), 4 << 20, &here()) else {
            panic!("an inventory row")
        };
        assert_eq!((object.key.as_str(), object.size, object.etag.as_str()), (listed.key.as_str(), 2048, "\"abc\""));
        i.prefix = "elsewhere/".into();
        assert_eq!(choose(&row, &i, now(), 4 << 20, &here()), Choice::Skip(Skip::Filtered), "outside the prefix");
        let other = ListedObject { bucket: Some("other".into()), ..row.clone() };
        i.prefix = String::new();
        assert_eq!(choose(&other, &i, now(), 4 << 20, &here()), Choice::Skip(Skip::Filtered), "another bucket's row");
        let bad = serde_json::json!({"Bucket": "logs", "Key": "k", "Size": "big"});
        assert!(serde_json::from_value::<ListedObject>(bad).is_err(), "a size that is not a number is refused");
    }

    fn verified(lines: u64) -> ObjectOutcome {
        let object = ObjectRef { bucket: "b".into(), key: "k".into(), size: 1, etag: "e".into() };
        let ledger = Ledger { lines_read: lines, lines_delivered: lines, ..Ledger::default() };
        ObjectOutcome::Verified(Box::new(Verified::sample(object, ledger)))
    }

    fn escalated(n: usize) -> ObjectOutcome {
        ObjectOutcome::Escalated { execution_arn: format!("arn:{n}"), error: "NotGzip".into(), cause: "c".into() }
    }

    #[test]
    fn outcomes_are_counted_and_failures_named() {
        let mut s = Summary::default();
        s.record("a", &verified(10));
        s.record("b", &ObjectOutcome::Duplicate { holder: "h".into() });
        s.record("c", &escalated(1));
        s.started_standard("arn:big");
        assert_eq!((s.objects, s.verified, s.duplicate, s.standard, s.failed), (4, 1, 1, 1, 1));
        assert_eq!(s.standard_executions, ["arn:big"]);
        assert_eq!(s.failures[0].key, "c");
        assert_eq!(s.failures[0].execution_arn.as_deref(), Some("arn:1"));
        assert_eq!(s.ledger.lines_delivered, 10);
        assert!(!s.is_complete());
        let v = serde_json::to_value(&s).unwrap_or_default();
        assert_eq!(serde_json::from_value::<Summary>(v).ok(), Some(s));
    }

    #[test]
    fn a_summary_of_the_longest_failures_fits_in_a_cause() {
        let mut s = Summary::default();
        for i in 0..100 {
            let cause = "é".repeat(5_000);
            s.record(
                &format!("AWSLogs/{}/{i}", "k".repeat(300)),
                &ObjectOutcome::Escalated {
                    execution_arn: "arn:aws:states:us-east-1:123456789012:execution:elbship:".to_string()
                        + &"n".repeat(80),
                    error: "ObjectIncomplete".into(),
                    cause,
                },
            );
        }
        let text = serde_json::to_string(&s).unwrap_or_default();
        assert!(text.chars().count() < 32_768, "{}", text.len());
        assert_eq!((s.failed, s.failures.len()), (100, FAILURES_LISTED));
        assert_eq!(s.failures[0].cause.chars().count(), CAUSE_CHARS + 1);
    }

    proptest! {
        /// Merging batch summaries counts every object once, and lists failures up to the cap.
        #[test]
        fn merged_summaries_account_for_every_object(batches in prop::collection::vec(prop::collection::vec(0u8..6, 0..40), 0..12)) {
            let mut total = Summary::default();
            let mut failures = 0u64;
            let mut standard = 0u64;
            let mut lines = 0u64;
            for (b, batch) in batches.iter().enumerate() {
                let mut s = Summary::default();
                for (i, what) in batch.iter().enumerate() {
                    match what {
                        0 => { s.record("v", &verified(i as u64)); lines += i as u64; }
                        1 => s.record("d", &ObjectOutcome::Duplicate { holder: "h".into() }),
                        2 => { s.record(&format!("{b}/{i}"), &escalated(i)); failures += 1; }
                        3 => { s.started_standard(&format!("{b}/{i}")); standard += 1; }
                        4 => s.skip(Skip::Filtered),
                        _ => s.skip(Skip::TooOld),
                    }
                }
                prop_assert_eq!(s.accounted(), s.objects);
                total.merge(&s);
            }
            let n: usize = batches.iter().map(Vec::len).sum();
            prop_assert_eq!(total.objects, n as u64);
            prop_assert_eq!(total.accounted(), total.objects);
            prop_assert_eq!(total.failed, failures);
            prop_assert_eq!(total.failures.len() as u64, failures.min(FAILURES_LISTED as u64));
            prop_assert_eq!(total.ledger.lines_delivered, lines);
            prop_assert_eq!(total.standard_executions.len() as u64, standard.min(FAILURES_LISTED as u64));
        }
    }
}
