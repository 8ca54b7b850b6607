//! The kinds of Elastic Load Balancing log that elbship ships, and what each one looks like on disk. Everything
//! about a kind lives in one row of [`table::KINDS`]; the methods here read it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub mod table;

pub use table::KINDS;

/// One kind of ELB log file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    /// Application Load Balancer access log (gzip).
    AlbAccess,
    /// Application Load Balancer connection log (gzip).
    AlbConnection,
    /// Application Load Balancer health check log (gzip, since 2025-11).
    AlbHealthCheck,
    /// Network Load Balancer access log, TLS listeners only (gzip).
    NlbAccess,
    /// Classic Load Balancer access log (plain text).
    ClbAccess,
}

/// How the bytes of an object are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// gzip, possibly several concatenated members.
    Gzip,
    /// Plain text.
    None,
}

/// How a documented field is typed in the JSON form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// A string.
    Text,
    /// An integer.
    Int,
    /// A number with a fraction.
    Float,
}

/// One row of the table of kinds.
#[derive(Debug, Clone, Copy)]
pub struct KindSpec {
    /// The kind this row describes.
    pub kind: LogKind,
    /// The stable name used in configuration, templates and output.
    pub name: &'static str,
    /// What an operator calls it.
    pub title: &'static str,
    /// What the file name starts with before `{account}_elasticloadbalancing_` (`""` for none).
    pub file_prefixes: &'static [&'static str],
    /// The load balancer type in the file name: `app` and `net` (`{type}.{name}.{id}`), or `classic` (`{name}`).
    pub lb_type: &'static str,
    /// How ELB writes the file.
    pub compression: Compression,
    /// Whether the file name carries the node's IP address.
    pub node_ip: bool,
    /// Zero-based position of the field that holds the event time.
    pub time_field: usize,
    /// Whether AWS can deliver this kind to CloudWatch Logs itself (so JSON names follow AWS's).
    pub vended: bool,
    /// The documented fields in line order: (name in the S3 user guide, JSON name, type).
    pub fields: &'static [(&'static str, &'static str, ValueType)],
}

impl Compression {
    /// What a local file's name says: `.gz` is gzip, `.log` and `.txt` are plain; otherwise nothing.
    pub fn from_file_name(name: &str) -> Option<Compression> {
        if name.ends_with(".gz") {
            Some(Compression::Gzip)
        } else if name.ends_with(".log") || name.ends_with(".txt") {
            Some(Compression::None)
        } else {
            None
        }
    }
}

impl LogKind {
    /// Every kind, in the table's order.
    pub const ALL: [LogKind; KINDS.len()] = {
        let mut all = [LogKind::AlbAccess; KINDS.len()];
        let mut i = 0;
        while i < KINDS.len() {
            all[i] = KINDS[i].kind;
            i += 1;
        }
        all
    };

    /// This kind's row of the table.
    pub fn spec(self) -> &'static KindSpec {
        // Every kind has a row: `table_has_one_row_per_kind` pins it.
        KINDS.iter().find(|s| s.kind == self).unwrap_or(&KINDS[0])
    }

    /// The stable name used in configuration, templates and output (`alb_access`, ...).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// How ELB writes this kind.
    pub fn compression(self) -> Compression {
        self.spec().compression
    }

    /// Zero-based position of the field that holds the event time.
    pub fn time_field(self) -> usize {
        self.spec().time_field
    }
}

impl fmt::Display for LogKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A kind name that is not one of [`LogKind::ALL`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown log kind {0:?}: expected one of {names}", names = names())]
pub struct UnknownKind(pub String);

/// The kinds' names, comma separated.
pub fn names() -> String {
    KINDS.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
}

impl FromStr for LogKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LogKind::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| UnknownKind(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_one_row_per_kind() {
        for (i, kind) in LogKind::ALL.into_iter().enumerate() {
            assert_eq!(kind.spec().kind, kind);
            assert_eq!(LogKind::ALL.iter().position(|&k| k == kind), Some(i), "{kind} twice");
            assert!(kind.spec().time_field < kind.spec().fields.len());
            assert_eq!(kind.spec().fields[kind.spec().time_field].1, "time", "{kind}");
        }
        assert!(UnknownKind("x".into()).to_string().contains("alb_health_check"));
    }

    #[test]
    fn names_round_trip() {
        for kind in LogKind::ALL {
            assert_eq!(kind.name().parse::<LogKind>(), Ok(kind));
            assert_eq!(serde_json::to_string(&kind).ok(), Some(format!("\"{kind}\"")));
        }
        assert!("alb".parse::<LogKind>().is_err());
    }

    #[test]
    fn compression_from_local_names() {
        assert_eq!(Compression::from_file_name("a.log.gz"), Some(Compression::Gzip));
        assert_eq!(Compression::from_file_name("a.log"), Some(Compression::None));
        assert_eq!(Compression::from_file_name("-"), None);
    }

    #[test]
    fn only_classic_is_plain_text() {
        for kind in LogKind::ALL {
            let plain = kind.compression() == Compression::None;
            assert_eq!(plain, kind == LogKind::ClbAccess);
        }
    }
}
