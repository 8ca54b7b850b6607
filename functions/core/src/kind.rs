//! The kinds of Elastic Load Balancing log that elbship ships, and what each one looks like on disk.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One kind of ELB log file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    /// Application Load Balancer access log (gzip).
    AlbAccess,
    /// Application Load Balancer connection log (gzip).
    AlbConnection,
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
    /// Every kind, in a fixed order.
    pub const ALL: [LogKind; 4] = [LogKind::AlbAccess, LogKind::AlbConnection, LogKind::NlbAccess, LogKind::ClbAccess];

    /// The stable name used in configuration, templates and output (`alb_access`, ...).
    pub fn name(self) -> &'static str {
        match self {
            LogKind::AlbAccess => "alb_access",
            LogKind::AlbConnection => "alb_connection",
            LogKind::NlbAccess => "nlb_access",
            LogKind::ClbAccess => "clb_access",
        }
    }

    /// How ELB writes this kind.
    pub fn compression(self) -> Compression {
        match self {
            LogKind::ClbAccess => Compression::None,
            _ => Compression::Gzip,
        }
    }

    /// Zero-based position of the field that holds the event time.
    pub fn time_field(self) -> usize {
        match self {
            LogKind::AlbAccess => 1,
            LogKind::AlbConnection => 0,
            LogKind::NlbAccess => 2,
            LogKind::ClbAccess => 0,
        }
    }
}

impl fmt::Display for LogKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A kind name that is not one of [`LogKind::ALL`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown log kind {0:?}: expected one of alb_access, alb_connection, nlb_access, clb_access")]
pub struct UnknownKind(pub String);

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
