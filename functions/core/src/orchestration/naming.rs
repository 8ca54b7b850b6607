//! Names elbship gives things: CloudWatch Logs group and stream names from templates, and the Step Functions
//! execution name of an object, derived so that a duplicated S3 event never ships an object twice.
//!
//! Templates take `{kind}`, `{account}`, `{region}`, `{lb_type}`, `{lb_name}`, `{lb_id}`, `{date}`, `{node_ip}` and
//! `{prefix}`; an unknown placeholder is a configuration error. Rendered names are made legal: characters
//! CloudWatch Logs refuses become `_`, names are cut at 512 characters, and a group name never starts with `aws/`.
//!
//! ```
//! use elbship_core::orchestration::naming::{Template, DEFAULT_LOG_GROUP_TEMPLATE};
//! let t = Template::parse(DEFAULT_LOG_GROUP_TEMPLATE).unwrap();
//! assert_eq!(t.placeholders().count(), 4);
//! ```

use crate::formats::key::LogObject;
use sha2::{Digest, Sha256};

/// Default log group: one per load balancer, so its events stay together.
pub const DEFAULT_LOG_GROUP_TEMPLATE: &str = "/elbship/{account}/{region}/{lb_type}/{lb_name}";
/// Default log stream: one per kind of log and delivery day.
pub const DEFAULT_LOG_STREAM_TEMPLATE: &str = "{kind}/{date}";

const PLACEHOLDERS: [&str; 9] =
    ["kind", "account", "region", "lb_type", "lb_name", "lb_id", "date", "node_ip", "prefix"];
const MAX_NAME: usize = 512;
const MAX_EXECUTION_NAME: usize = 80;

/// A template with an unknown placeholder or unbalanced braces.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("bad name template {template:?}: {reason}")]
pub struct TemplateError {
    /// The template.
    pub template: String,
    /// What is wrong.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    Field(&'static str),
}

/// A parsed name template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

impl Template {
    /// Parses a template, refusing unknown placeholders.
    pub fn parse(template: &str) -> Result<Template, TemplateError> {
        let err = |reason: String| TemplateError { template: template.to_string(), reason };
        let mut pieces = Vec::new();
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_string()));
            }
            let close = rest[open..].find('}').ok_or_else(|| err("an unclosed '{'".into()))? + open;
            let name = &rest[open + 1..close];
            let field = PLACEHOLDERS
                .iter()
                .find(|p| **p == name)
                .ok_or_else(|| err(format!("unknown placeholder {{{name}}}; known: {}", PLACEHOLDERS.join(", "))))?;
            pieces.push(Piece::Field(field));
            rest = &rest[close + 1..];
        }
        if rest.contains('}') {
            return Err(err("a '}' without '{'".into()));
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        if pieces.is_empty() {
            return Err(err("empty".into()));
        }
        Ok(Template { pieces })
    }

    /// The placeholders used.
    pub fn placeholders(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.pieces.iter().filter_map(|p| match p {
            Piece::Field(f) => Some(*f),
            Piece::Text(_) => None,
        })
    }

    fn render(&self, o: &LogObject) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Field(f) => out.push_str(match *f {
                    "kind" => o.file.kind.name(),
                    "account" => &o.file.account,
                    "region" => &o.file.region,
                    "lb_type" => &o.file.lb_type,
                    "lb_name" => &o.file.lb_name,
                    "lb_id" => o.file.lb_id.as_deref().unwrap_or("-"),
                    "date" => &o.date,
                    "node_ip" => o.file.node_ip.as_deref().unwrap_or("-"),
                    _ => &o.prefix,
                }),
            }
        }
        out
    }

    /// A legal log group name for the object: `[.-_/#A-Za-z0-9]`, 1-512 characters, not starting with `aws/`.
    pub fn log_group(&self, o: &LogObject) -> String {
        let mut name: String = self
            .render(o)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || ".-_/#".contains(c) { c } else { '_' })
            .collect();
        if name.starts_with("aws/") {
            name.insert(0, '_');
        }
        legal_length(name)
    }

    /// A legal log stream name for the object: 1-512 characters, no `:` or `*`.
    pub fn log_stream(&self, o: &LogObject) -> String {
        let name: String =
            self.render(o).chars().map(|c| if c == ':' || c == '*' || c.is_control() { '_' } else { c }).collect();
        legal_length(name)
    }
}

fn legal_length(mut name: String) -> String {
    if name.is_empty() {
        name.push('_');
    }
    if name.len() > MAX_NAME {
        let mut cut = MAX_NAME;
        while !name.is_char_boundary(cut) {
            cut -= 1;
        }
        name.truncate(cut);
    }
    name
}

/// A stable hexadecimal id for one version of one object (SHA-256 of bucket, key and ETag, 30 hex digits).
pub fn object_id(bucket: &str, key: &str, etag: &str) -> String {
    let etag = etag.trim_matches('"');
    let digest = Sha256::digest(format!("{bucket}\n{key}\n{etag}").as_bytes());
    digest.iter().take(15).map(|b| format!("{b:02x}")).collect()
}

/// The Step Functions execution name for one version of one object: the same bucket, key and ETag always give
/// the same name, so StartExecution is idempotent across duplicated events. At most 80 characters of
/// `[A-Za-z0-9_-]`: the load balancer name and end time for people, a SHA-256 prefix for uniqueness.
pub fn execution_name(bucket: &str, key: &str, etag: &str, object: &LogObject) -> String {
    attempt_name(bucket, key, etag, object, 0)
}

/// The execution name of attempt `attempt` at an object: attempt 0 is [`execution_name`] (what its S3 event
/// starts); attempt `n` ends in `-r{n}` and is what `elbship ship --retry-failed` starts after attempt `n - 1`
/// failed, resuming every span from its checkpoint.
pub fn attempt_name(bucket: &str, key: &str, etag: &str, object: &LogObject, attempt: u32) -> String {
    let hash = object_id(bucket, key, etag);
    let suffix = if attempt == 0 { String::new() } else { format!("-r{attempt}") };
    let end = crate::formats::timestamp::format_ms(object.file.end_time_ms).replace([':', '.', '-'], "");
    let label = format!("{}_{end}", object.file.lb_name);
    let label: String = label.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
    let room = MAX_EXECUTION_NAME - hash.len() - 1 - suffix.len();
    format!("{}_{hash}{suffix}", &label[..label.len().min(room)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::key::{classify_key, KeyClass};

    fn object() -> LogObject {
        let key = "p/AWSLogs/123456789012/elasticloadbalancing/us-east-2/2022/05/01/123456789012_elasticloadbalancing_us-east-2_app.my-lb.1234567890abcdef_20220215T2340Z_10.0.0.1_abc.log.gz";
        match classify_key(key) {
            KeyClass::Log(o) => *o,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn default_names() -> Result<(), TemplateError> {
        let o = object();
        assert_eq!(
            Template::parse(DEFAULT_LOG_GROUP_TEMPLATE)?.log_group(&o),
            "/elbship/123456789012/us-east-2/app/my-lb"
        );
        assert_eq!(Template::parse(DEFAULT_LOG_STREAM_TEMPLATE)?.log_stream(&o), "alb_access/2022-05-01");
        Ok(())
    }

    #[test]
    fn names_are_made_legal() -> Result<(), TemplateError> {
        let mut o = object();
        o.prefix = "a b:c*d".into();
        assert_eq!(Template::parse("{prefix}!")?.log_group(&o), "a_b_c_d_");
        assert_eq!(Template::parse("{prefix}")?.log_stream(&o), "a b_c_d");
        assert_eq!(Template::parse("aws/{lb_name}")?.log_group(&o), "_aws/my-lb");
        assert_eq!(Template::parse(&"x".repeat(600))?.log_group(&o).len(), 512);
        o.file.node_ip = None;
        o.file.lb_id = None;
        assert_eq!(Template::parse("{node_ip}/{lb_id}")?.log_stream(&o), "-/-");
        Ok(())
    }

    #[test]
    fn bad_templates_are_refused() {
        for bad in ["{nope}", "{kind", "kind}", "", "{}"] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn execution_names_are_stable_legal_and_distinct() {
        let o = object();
        let a = execution_name("b", "k", "\"abc\"", &o);
        assert_eq!(a, execution_name("b", "k", "abc", &o), "quotes around the ETag do not matter");
        assert!(a.starts_with("my-lb_20220215T234000000Z_"), "{a}");
        assert!(a.len() <= 80 && a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        assert_ne!(a, execution_name("b", "k", "abd", &o));
        assert_ne!(a, execution_name("b", "k2", "abc", &o));
        let mut long = o.clone();
        long.file.lb_name = "n".repeat(32);
        assert!(execution_name("b", "k", "e", &long).len() <= 80);
        let retry = attempt_name("b", "k", "e", &long, 12);
        assert!(retry.len() <= 80 && retry.ends_with("-r12"), "{retry}");
        assert_eq!(attempt_name("b", "k", "e", &long, 0), execution_name("b", "k", "e", &long));
    }
}
