//! What an S3 object is, from its key alone.
//!
//! ELB writes `bucket[/prefix]/AWSLogs/{account}/elasticloadbalancing/{region}/{yyyy}/{mm}/{dd}/{file}`, with a
//! file name per kind (see `aws-facts.md`), and `bucket[/prefix]/AWSLogs/{account}/ELBAccessLogTestFile` when
//! logging is enabled. Keys that fit no pattern are "not a log": skipped with a reason, not an error.
//!
//! ```
//! use elbship_core::formats::key::{classify_key, KeyClass};
//! use elbship_core::formats::kind::LogKind;
//! let key = "logs.prod/AWSLogs/123456789012/elasticloadbalancing/us-east-2/2022/05/01/\
//!            123456789012_elasticloadbalancing_us-east-2_app.my-lb.1234567890abcdef_20220501T0005Z_10.0.0.1_2et2e1mx.log.gz";
//! let KeyClass::Log(log) = classify_key(key) else { panic!("a log") };
//! assert_eq!(log.file.kind, LogKind::AlbAccess);
//! assert_eq!(log.file.lb_name, "my-lb");
//! assert_eq!(log.file.node_ip.as_deref(), Some("10.0.0.1"));
//! ```

use crate::formats::kind::{Compression, LogKind, KINDS};
use crate::formats::timestamp::{epoch_ms, parse_compact_ms};
use crate::orchestration::destination::is_account;
use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Everything the key of an ELB log object tells: what its file name tells, and where it sits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogObject {
    /// What the file name tells.
    #[serde(flatten)]
    pub file: FileName,
    /// The key's prefix before `AWSLogs/`, without the trailing slash (empty when none).
    pub prefix: String,
    /// The delivery date from the key's path, `yyyy-mm-dd`.
    pub date: String,
}

/// What a key is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum KeyClass {
    /// An ELB log object.
    Log(Box<LogObject>),
    /// The `ELBAccessLogTestFile` ELB writes when logging is enabled: plain text, not a log.
    TestFile {
        /// The account from the key.
        account: String,
    },
    /// An ELB log's key whose file name names another account or Region than the path it lies under: a copy or
    /// a forgery, written nowhere ([`Refusal::KeyMismatch`](crate::orchestration::destination::Refusal)).
    Mismatch {
        /// What disagrees.
        reason: String,
    },
    /// Anything else; skipped.
    NotALog {
        /// Why the key is not a log.
        reason: String,
    },
}

/// Decodes a key as classic S3 event notifications send it (`+` for space, `%XX`).
/// Returns `None` when the escapes do not decode to UTF-8.
pub fn decode_notification_key(key: &str) -> Option<String> {
    let spaced = key.replace('+', " ");
    percent_decode_str(&spaced).decode_utf8().ok().map(Cow::into_owned)
}

/// Classifies a key as EventBridge sends it (not encoded).
pub fn classify_key(key: &str) -> KeyClass {
    classify_plain_key(key)
}

/// Classifies a key as classic S3 event notifications send it: URL-encoded, `+` for space.
///
/// Whether a key is encoded depends on the event that carried it, not on the key: a prefix may hold `+` or
/// `%` itself, so the caller says which shape it has.
pub fn classify_notification_key(key: &str) -> KeyClass {
    match decode_notification_key(key) {
        Some(decoded) => classify_plain_key(&decoded),
        None => not_a_log(format!("key {key:?} does not URL-decode to UTF-8")),
    }
}

fn not_a_log(reason: impl Into<String>) -> KeyClass {
    KeyClass::NotALog { reason: reason.into() }
}

fn is_region(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn classify_plain_key(key: &str) -> KeyClass {
    // The last "AWSLogs/" component: a prefix may not contain "AWSLogs" (ELB refuses it), but be exact anyway.
    let (prefix, rest) = match key.rfind("AWSLogs/") {
        Some(0) => ("", &key[8..]),
        Some(i) if key.as_bytes()[i - 1] == b'/' => (&key[..i - 1], &key[i + 8..]),
        _ => return not_a_log("no AWSLogs/ path component"),
    };
    let parts: Vec<&str> = rest.split('/').collect();
    match parts.as_slice() {
        [account, "ELBAccessLogTestFile"] if is_account(account) => {
            KeyClass::TestFile { account: (*account).to_string() }
        }
        [account, "elasticloadbalancing", region, yyyy, mm, dd, file] => {
            if !is_account(account) {
                return not_a_log(format!("account {account:?} is not 12 digits"));
            }
            if !is_region(region) {
                return not_a_log(format!("region {region:?} is not a Region name"));
            }
            let date_ok = yyyy.len() == 4
                && mm.len() == 2
                && dd.len() == 2
                && match (yyyy.parse::<i64>(), mm.parse::<u32>(), dd.parse::<u32>()) {
                    (Ok(y), Ok(m), Ok(d)) => epoch_ms(y, m, d, 0, 0, 0, 0).is_some(),
                    _ => false,
                };
            if !date_ok {
                return not_a_log(format!("{yyyy}/{mm}/{dd} is not a delivery date"));
            }
            match parse_file_name(file) {
                Ok(name) if name.account != *account || name.region != *region => KeyClass::Mismatch {
                    reason: format!(
                        "the file name's account/Region {}/{} differ from the path's {account}/{region}",
                        name.account, name.region
                    ),
                },
                Ok(file) => KeyClass::Log(Box::new(LogObject {
                    file,
                    prefix: prefix.to_string(),
                    date: format!("{yyyy}-{mm}-{dd}"),
                })),
                Err(reason) => not_a_log(reason),
            }
        }
        _ => not_a_log("not under AWSLogs/{account}/elasticloadbalancing/{region}/{yyyy}/{mm}/{dd}/"),
    }
}

/// What an ELB log file name alone tells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileName {
    /// The kind of log.
    pub kind: LogKind,
    /// Account in the name.
    pub account: String,
    /// Region in the name.
    pub region: String,
    /// `app`, `net` or `classic`.
    pub lb_type: String,
    /// Load balancer name.
    pub lb_name: String,
    /// Load balancer id (ALB, NLB).
    pub lb_id: Option<String>,
    /// End of the period, epoch ms.
    pub end_time_ms: i64,
    /// Node IP, where the name has one.
    pub node_ip: Option<String>,
    /// Random part.
    pub random: String,
}

fn is_lb_name(s: &str) -> bool {
    // ELB names: 1-32 alphanumerics and hyphens.
    (1..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn is_node_ip(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':')
}

fn is_random(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Parses an ELB log file name (the last component of the key), for any kind.
pub fn parse_file_name(file: &str) -> Result<FileName, String> {
    let (body, gz) = if let Some(b) = file.strip_suffix(".log.gz") {
        (b, true)
    } else if let Some(b) = file.strip_suffix(".log") {
        (b, false)
    } else {
        return Err(format!("file name {file:?} ends in neither .log.gz nor .log"));
    };
    // The kind's file prefix (`conn_log_`, `health_check_log_`, ...), the longest that fits; `""` for none.
    let prefix = KINDS
        .iter()
        .flat_map(|k| k.file_prefixes.iter().copied())
        .filter(|p| body.starts_with(p))
        .max_by_key(|p| p.len())
        .unwrap_or("");
    let body = &body[prefix.len()..];
    let fields: Vec<&str> = body.split('_').collect();
    let bad = || format!("file name {file:?} is not an ELB log file name");
    let [account, "elasticloadbalancing", region, lb, end, tail @ ..] = fields.as_slice() else {
        return Err(bad());
    };
    if !is_account(account) || !is_region(region) {
        return Err(bad());
    }
    let end_time_ms =
        parse_compact_ms(end).ok_or_else(|| format!("end time {end:?} in {file:?} is not yyyymmddThhmmZ"))?;
    let (node_ip, random) = match tail {
        [ip, random] if is_node_ip(ip) && is_random(random) => (Some((*ip).to_string()), *random),
        [random] if is_random(random) => (None, *random),
        _ => return Err(bad()),
    };
    let lb_parts: Vec<&str> = lb.split('.').collect();
    let (lb_type, lb_name, lb_id) = match lb_parts.as_slice() {
        [t @ ("app" | "net"), name, id] => (*t, *name, Some(*id)),
        [name] => ("classic", *name, None),
        _ => return Err(format!("load balancer part {lb:?} of {file:?} fits no kind")),
    };
    let compression = if gz { Compression::Gzip } else { Compression::None };
    let spec = KINDS
        .iter()
        .find(|k| k.lb_type == lb_type && k.compression == compression && k.file_prefixes.contains(&prefix))
        .ok_or_else(|| format!("{file:?} fits no kind of ELB log (prefix {prefix:?}, type {lb_type})"))?;
    let kind = spec.kind;
    if !is_lb_name(lb_name) || lb_id.is_some_and(|id| !is_random(id)) {
        return Err(bad());
    }
    let node_ip = match (spec.node_ip, node_ip) {
        (false, Some(_)) => return Err(format!("{file:?}: {} file names carry no node IP", spec.name)),
        (false, None) => None,
        (true, None) => return Err(format!("{file:?}: the node IP is missing")),
        (true, ip) => ip,
    };
    Ok(FileName {
        kind,
        account: (*account).to_string(),
        region: (*region).to_string(),
        lb_type: lb_type.to_string(),
        lb_name: lb_name.to_string(),
        lb_id: lb_id.map(str::to_string),
        end_time_ms,
        node_ip,
        random: random.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALB: &str = "AWSLogs/123456789012/elasticloadbalancing/us-east-2/2022/05/01/123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20220215T2340Z_172.160.001.192_20sg8hgm.log.gz";
    const CONN: &str = "AWSLogs/123456789012/elasticloadbalancing/us-east-2/2022/05/01/conn_log.123456789012_elasticloadbalancing_us-east-2_app.my-loadbalancer.1234567890abcdef_20220215T2340Z_172.160.001.192_20sg8hgm.log.gz";
    const NLB: &str = "AWSLogs/123456789012/elasticloadbalancing/us-east-2/2016/05/01/123456789012_elasticloadbalancing_us-east-2_net.my-loadbalancer.1234567890abcdef_201605010000Z_2soosksgsdfsd8lk.log.gz";
    const CLB: &str = "AWSLogs/123456789012/elasticloadbalancing/us-west-2/2014/02/15/123456789012_elasticloadbalancing_us-west-2_my-loadbalancer_20140215T2340Z_172.160.001.192_20sg8hgm.log";

    fn log(key: &str) -> LogObject {
        match classify_key(key) {
            KeyClass::Log(l) => *l,
            other => panic!("{key}: {other:?}"),
        }
    }

    #[test]
    fn connection_logs_as_elb_writes_them_and_as_the_guide_spells_them() {
        let written = CONN.replace("conn_log.", "conn_log_");
        let (a, b) = (log(CONN), log(&written));
        assert_eq!((a.file.kind, b.file.kind), (LogKind::AlbConnection, LogKind::AlbConnection));
        assert_eq!((a.file.account.as_str(), b.file.lb_name.as_str()), ("123456789012", "my-loadbalancer"));
        assert_eq!(a.file.end_time_ms, b.file.end_time_ms);
        assert!(matches!(classify_key(&CONN.replace("conn_log.", "conn-log_")), KeyClass::NotALog { .. }));
    }

    #[test]
    fn a_file_name_that_disagrees_with_its_path_is_a_mismatch_not_a_log_of_either() {
        let other_account = ALB.replacen("AWSLogs/123456789012/", "AWSLogs/210987654321/", 1);
        let other_region = CLB.replacen("/us-west-2/2014", "/eu-west-1/2014", 1);
        let other_file_region = ALB.replace("us-east-2_app", "eu-west-1_app");
        for key in [other_account, other_region, other_file_region] {
            match classify_key(&key) {
                KeyClass::Mismatch { reason } => assert!(reason.contains("differ from the path"), "{reason}"),
                other => panic!("{key}: {other:?}"),
            }
        }
    }

    #[test]
    fn health_check_logs() {
        let key =
            ALB.replace("/123456789012_elasticloadbalancing", "/health_check_log_123456789012_elasticloadbalancing");
        let l = log(&key);
        assert_eq!(l.file.kind, LogKind::AlbHealthCheck);
        assert_eq!((l.file.lb_type.as_str(), l.file.lb_name.as_str()), ("app", "my-loadbalancer"));
        assert_eq!(l.file.node_ip.as_deref(), Some("172.160.001.192"));
        // Only ALB writes them, gzip, with the node's IP.
        for bad in [
            key.replace("_app.", "_net."),
            key.replace(".log.gz", ".log"),
            key.replace("_172.160.001.192_", "_"),
            key.replace("health_check_log_", "health_check_log."),
        ] {
            assert!(matches!(classify_key(&bad), KeyClass::NotALog { .. }), "{bad}");
        }
    }

    #[test]
    fn documented_key_of_every_kind() {
        let alb = log(&format!("my-prefix/{ALB}"));
        assert_eq!(alb.file.kind, LogKind::AlbAccess);
        assert_eq!(alb.prefix, "my-prefix");
        assert_eq!(alb.file.account, "123456789012");
        assert_eq!(alb.file.region, "us-east-2");
        assert_eq!(alb.file.lb_type, "app");
        assert_eq!(alb.file.lb_name, "my-loadbalancer");
        assert_eq!(alb.file.lb_id.as_deref(), Some("1234567890abcdef"));
        assert_eq!(alb.file.end_time_ms, parse_compact_ms("20220215T2340Z").unwrap_or_default());
        assert_eq!(alb.file.node_ip.as_deref(), Some("172.160.001.192"));
        assert_eq!(alb.date, "2022-05-01");
        assert_eq!(alb.file.random, "20sg8hgm");

        let conn = log(CONN);
        assert_eq!((conn.file.kind, conn.prefix.as_str()), (LogKind::AlbConnection, ""));

        let clb = log(CLB);
        assert_eq!(clb.file.kind, LogKind::ClbAccess);
        assert_eq!((clb.file.lb_type.as_str(), clb.file.lb_id), ("classic", None));
    }

    #[test]
    fn nlb_key_has_no_node_ip() {
        // AWS's documented NLB example uses a 12-digit end time, which is not the real form; ours is exact.
        assert!(matches!(classify_key(NLB), KeyClass::NotALog { .. }));
        let real = NLB.replace("201605010000Z", "20160501T0000Z");
        let nlb = log(&real);
        assert_eq!(nlb.file.kind, LogKind::NlbAccess);
        assert_eq!(nlb.file.node_ip, None);
        assert_eq!(nlb.file.random, "2soosksgsdfsd8lk");
    }

    #[test]
    fn prefixes_with_dots_and_slashes() {
        let l = log(&format!("logs.example.com/a.b/{ALB}"));
        assert_eq!(l.prefix, "logs.example.com/a.b");
    }

    #[test]
    fn url_encoded_keys_from_classic_notifications() {
        let encoded = format!("my+logs%2Fv1/{}", ALB.replace("_app.", "_app%2E"));
        let KeyClass::Log(l) = classify_notification_key(&encoded) else { panic!("a log") };
        assert_eq!(l.prefix, "my logs/v1");
        assert_eq!(l.file.kind, LogKind::AlbAccess);
        // The same key taken as plain keeps its prefix as written.
        let KeyClass::Log(plain) = classify_key(&format!("my+logs/{ALB}")) else { panic!("a log") };
        assert_eq!(plain.prefix, "my+logs");
        assert!(matches!(classify_notification_key("%FF/x"), KeyClass::NotALog { .. }));
        assert_eq!(decode_notification_key("red+flower.jpg").as_deref(), Some("red flower.jpg"));
        assert_eq!(decode_notification_key("%E2%9C%93").as_deref(), Some("\u{2713}"));
        assert_eq!(decode_notification_key("%FF"), None);
    }

    #[test]
    fn the_test_file() {
        assert_eq!(
            classify_key("prefix/AWSLogs/123456789012/ELBAccessLogTestFile"),
            KeyClass::TestFile { account: "123456789012".into() }
        );
    }

    #[test]
    fn keys_that_are_not_logs_say_why() {
        for key in [
            "",
            "index.html",
            "AWSLogs/123456789012/CloudTrail/us-east-1/2022/05/01/x.json.gz",
            "AWSLogs/12345/elasticloadbalancing/us-east-2/2022/05/01/f.log.gz",
            "AWSLogs/123456789012/elasticloadbalancing/us-east-2/2022/13/01/f.log.gz",
            &ALB.replace(".log.gz", ".txt"),
            &ALB.replace("_app.", "_xyz."),
            &ALB.replace("20220215T2340Z", "2022-02-15"),
            &CLB.replace(".log", ".log.gz"),
            &format!("notAWSLogs/{}", &ALB[8..]),
        ] {
            match classify_key(key) {
                KeyClass::NotALog { reason } => assert!(!reason.is_empty()),
                other => panic!("{key}: {other:?}"),
            }
        }
    }
}
