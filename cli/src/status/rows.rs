//! `elbship status`'s rows: what recent executions did, one row per execution, failures first. Pure: the command
//! reads executions (name, status, times, output, error, cause) and this turns them into rows, a table and JSON.

use elbship_aws::sfn::Execution;
use elbship_core::accounting::verify::{Incomplete, Verified};
use elbship_core::formats::key::{classify_key, KeyClass};
use serde::Serialize;

/// One row of `elbship status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The object's key (empty when the execution does not tell).
    pub key: String,
    /// Its load balancer.
    pub load_balancer: String,
    /// Its kind.
    pub kind: String,
    /// `verified`, `failed`, `running`, `duplicate`, `handed over`, ...
    pub status: String,
    /// `standard` or `express`.
    pub route: String,
    /// Lines read.
    pub lines: Option<u64>,
    /// Lines delivered.
    pub delivered: Option<u64>,
    /// Lines rejected (by any reason).
    pub rejected: Option<u64>,
    /// Events possibly stored twice.
    pub possibly_duplicated: Option<u64>,
    /// Seconds from the file's end (its key) to the execution's end.
    pub freshness_seconds: Option<i64>,
    /// The error name of a failed execution.
    pub error: Option<String>,
    /// The command that finishes a failed object.
    pub finish: Option<String>,
    /// The execution.
    pub execution_arn: String,
    /// When it started, epoch ms.
    pub started_ms: i64,
}

impl Row {
    /// The row of one execution.
    pub fn from_execution(e: &Execution) -> Row {
        let output = e.output.as_ref();
        let verified = output.and_then(|o| serde_json::from_value::<Verified>(o.clone()).ok());
        let input = e.input.as_ref();
        let field = |name: &str| input.and_then(|i| i[name].as_str().or(i["input"][name].as_str())).map(str::to_string);
        let key = field("key").or_else(|| verified.as_ref().map(|v| v.object.key.clone())).unwrap_or_default();
        let bucket = field("bucket").unwrap_or_else(|| "BUCKET".into());
        let log = match classify_key(&key) {
            KeyClass::Log(l) => Some(*l),
            _ => None,
        };
        let outcome = output.and_then(|o| o["outcome"].as_str());
        let status = match (e.status.as_str(), outcome) {
            ("SUCCEEDED", Some("duplicate")) => "duplicate",
            ("SUCCEEDED", Some("escalated")) => "handed over",
            ("SUCCEEDED", _) => "verified",
            ("RUNNING", _) => "running",
            (s, _) => s,
        }
        .to_lowercase();
        let l = verified.as_ref().map(|v| v.ledger);
        let failed = !matches!(e.status.as_str(), "SUCCEEDED" | "RUNNING");
        let incomplete = e.cause.as_deref().and_then(Incomplete::from_cause);
        let finish = match (&incomplete, failed) {
            (Some(i), _) => Some(i.finish.clone()),
            (None, true) if !key.is_empty() => Some(format!("elbship ship s3://{bucket}/{key} --retry-failed --wait")),
            _ => None,
        };
        Row {
            load_balancer: log.as_ref().map(|l| l.file.lb_name.clone()).unwrap_or_default(),
            kind: log.as_ref().map(|l| l.file.kind.name().to_string()).unwrap_or_default(),
            key,
            status,
            route: e.route.clone(),
            lines: l.map(|l| l.lines_read).or(incomplete.as_ref().map(|i| i.lines)),
            delivered: l.map(|l| l.lines_delivered).or(incomplete.as_ref().map(|i| i.lines_delivered)),
            rejected: l.map(|l| l.rejected.total()),
            possibly_duplicated: l
                .map(|l| l.possibly_duplicated)
                .or(incomplete.as_ref().map(|i| i.possibly_duplicated)),
            freshness_seconds: match (verified.as_ref(), log.as_ref(), e.stop_ms) {
                (Some(_), Some(log), Some(stop)) => Some((stop - log.file.end_time_ms) / 1000),
                _ => None,
            },
            error: e.error.clone().filter(|_| failed),
            finish,
            execution_arn: e.arn.clone(),
            started_ms: e.start_ms,
        }
    }

    fn failed(&self) -> bool {
        !matches!(self.status.as_str(), "verified" | "running" | "duplicate" | "handed over")
    }
}

/// Rows of the executions, failures first, then the newest first.
pub fn rows(executions: &[Execution]) -> Vec<Row> {
    let mut rows: Vec<Row> = executions.iter().map(Row::from_execution).collect();
    rows.sort_by(|a, b| b.failed().cmp(&a.failed()).then(b.started_ms.cmp(&a.started_ms)));
    rows
}

fn cell(v: Option<impl ToString>) -> String {
    v.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// The rows as a text table, with each failure's error and the command that finishes it under its row.
pub fn table(rows: &[Row]) -> String {
    let mut out = format!(
        "{:<11} {:<8} {:<20} {:<16} {:>8} {:>9} {:>8} {:>6} {:>9}  {}\n",
        "STATUS", "ROUTE", "LOAD BALANCER", "KIND", "LINES", "DELIVERED", "REJECTED", "DUP", "FRESHNESS", "OBJECT"
    );
    for r in rows {
        let fresh = r.freshness_seconds.map(|s| format!("{}m{:02}s", s / 60, s % 60));
        let object = r.key.rsplit('/').next().unwrap_or_default();
        out.push_str(&format!(
            "{:<11} {:<8} {:<20} {:<16} {:>8} {:>9} {:>8} {:>6} {:>9}  {object}\n",
            r.status,
            r.route,
            r.load_balancer,
            r.kind,
            cell(r.lines),
            cell(r.delivered),
            cell(r.rejected),
            cell(r.possibly_duplicated),
            cell(fresh),
        ));
        if let Some(error) = &r.error {
            out.push_str(&format!("            {error}; finish it: {}\n", r.finish.as_deref().unwrap_or("-")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    const KEY: &str = "AWSLogs/123456789012/elasticloadbalancing/us-east-1/2026/11/27/123456789012_elasticloadbalancing_us-east-1_app.web.50dc6c495c0c9188_20261127T1005Z_10.0.0.1_abc.log.gz";

    fn verified_output(extra: Value) -> Value {
        let mut v = json!({"object": {"bucket": "b", "key": KEY, "size": 1, "etag": "e"}, "kind": "alb_access",
            "log_group": "g", "log_stream": "s", "spans": 1,
            "ledger": {"lines_read": 10, "bytes_read": 1, "lines_delivered": 9, "events_delivered": 9,
                "message_bytes_delivered": 1, "batches": 1,
                "rejected": {"blank": 1, "too_old": 0, "expired": 0, "too_new": 0},
                "adjusted": {"timestamp_fallback": 0, "invalid_utf8": 0, "split_oversize": 0, "restamped": 0},
                "possibly_duplicated": 0},
            "first_time": null, "last_time": null});
        if let (Value::Object(m), Value::Object(x)) = (&mut v, extra) {
            m.extend(x);
        }
        v
    }

    fn execution(status: &str, start_ms: i64, output: Option<Value>, error: Option<&str>) -> Execution {
        Execution {
            input: Some(json!({"input": {"bucket": "b", "key": KEY, "size": 1, "etag": "e"}, "execution": "x"})),
            arn: format!("arn:{start_ms}"),
            status: status.into(),
            start_ms,
            stop_ms: Some(1_795_774_000_000),
            output,
            error: error.map(str::to_string),
            cause: error.map(|_| "boom".to_string()),
            route: "express".into(),
        }
    }

    #[test]
    fn a_verified_execution_of_either_route_reads_as_its_ledger_and_freshness() {
        for output in [verified_output(json!({})), verified_output(json!({"outcome": "verified"}))] {
            let r = Row::from_execution(&execution("SUCCEEDED", 1, Some(output), None));
            assert_eq!(
                (r.status.as_str(), r.load_balancer.as_str(), r.kind.as_str()),
                ("verified", "web", "alb_access")
            );
            assert_eq!(
                (r.lines, r.delivered, r.rejected, r.possibly_duplicated),
                (Some(10), Some(9), Some(1), Some(0))
            );
            // The file ended at 10:05; the execution at 1_795_774_000_000.
            assert_eq!(r.freshness_seconds, Some((1_795_774_000_000 - 1_795_773_900_000) / 1000));
        }
    }

    #[test]
    fn failures_come_first_with_the_command_that_finishes_them() {
        let ok = execution("SUCCEEDED", 5, Some(verified_output(json!({}))), None);
        let dup = execution("SUCCEEDED", 6, Some(json!({"outcome": "duplicate", "holder": "h"})), None);
        let failed = Execution {
            input: Some(json!({"bucket": "b", "key": KEY, "size": 1, "etag": "e"})),
            route: "standard".into(),
            ..execution("FAILED", 1, None, Some("NotGzip"))
        };
        let rows = rows(&[ok, dup, failed]);
        assert_eq!(rows.iter().map(|r| r.status.as_str()).collect::<Vec<_>>(), ["failed", "duplicate", "verified"]);
        assert_eq!(rows[0].error.as_deref(), Some("NotGzip"));
        assert_eq!(
            rows[0].finish.as_deref(),
            Some(format!("elbship ship s3://b/{KEY} --retry-failed --wait").as_str())
        );
        let text = table(&rows);
        assert!(text.lines().nth(1).is_some_and(|l| l.starts_with("failed")), "{text}");
        assert!(text.contains("NotGzip; finish it: elbship ship"), "{text}");
    }
}
