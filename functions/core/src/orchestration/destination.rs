//! Where an object's lines go (an account and a Region: its destination), and whether they may go anywhere.
//!
//! A deployment chooses one [`DestinationMode`]:
//! - `central` (the default): the account and Region elbship runs in;
//! - `central-source-region`: elbship's account, in the load balancer's own Region (for data residency);
//! - `source-account`: the account that owns the load balancer, in its Region, through a role elbship assumes
//!   there, so each team finds its load balancers' logs in its own console.
//!
//! The key proves nothing by itself: whoever may write a key may name any account in it, file name included.
//! What guards the accounts is the bucket policy (ELB's delivery principals may write only under their own
//! account's `AWSLogs/{account}/`); elbship then admits an object only if its path and its file name name the same
//! account and Region ([`Refusal::KeyMismatch`], found when the key is classified) and the account is allowed
//! ([`Refusal::AccountNotAllowed`]). A refused object is written nowhere, in any mode: in `central` mode too, a log
//! group named after an account that is not allowed would carry lines nobody vouched for.
//!
//! ```
//! use elbship_core::orchestration::destination::{AllowedAccounts, Destination, DestinationMode, Home};
//! let home = Home { account: "111111111111".into(), region: "eu-west-1".into() };
//! let allowed: AllowedAccounts = "222222222222,333333333333".parse().unwrap();
//! let to = DestinationMode::SourceAccount.destination(&home, "222222222222", "us-east-2");
//! assert_eq!(to, Destination { account: "222222222222".into(), region: "us-east-2".into() });
//! assert!(allowed.admits(&home, "222222222222").is_ok());
//! assert_eq!(allowed.admits(&home, "444444444444").unwrap_err().name(), "AccountNotAllowed");
//! ```

use crate::formats::key::{KeyClass, LogObject};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::str::FromStr;

/// An account and a Region lines are written into.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Destination {
    /// The account (12 digits).
    pub account: String,
    /// The Region.
    pub region: String,
}

impl Destination {
    /// Whether it names no account (a job planned before destinations: elbship's own account and Region).
    pub fn is_unset(&self) -> bool {
        self.account.is_empty()
    }
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.account, self.region)
    }
}

/// The account and Region elbship runs in.
pub type Home = Destination;

/// Where a deployment writes each object's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DestinationMode {
    /// elbship's own account and Region.
    #[default]
    Central,
    /// elbship's own account, in the load balancer's Region.
    CentralSourceRegion,
    /// The load balancer's account and Region, through a role assumed there.
    SourceAccount,
}

impl DestinationMode {
    /// Every mode, by its name.
    pub const ALL: [(&'static str, DestinationMode); 3] = [
        ("central", DestinationMode::Central),
        ("central-source-region", DestinationMode::CentralSourceRegion),
        ("source-account", DestinationMode::SourceAccount),
    ];

    /// Its name in the configuration.
    pub fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, m)| *m == self).map_or("central", |(n, _)| n)
    }

    /// Where lines of a load balancer of `account` in `region` go, from elbship's `home`.
    pub fn destination(self, home: &Home, account: &str, region: &str) -> Destination {
        match self {
            DestinationMode::Central => home.clone(),
            DestinationMode::CentralSourceRegion => {
                Destination { account: home.account.clone(), region: region.to_string() }
            }
            DestinationMode::SourceAccount => Destination { account: account.to_string(), region: region.to_string() },
        }
    }
}

impl FromStr for DestinationMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().find(|(n, _)| *n == s).map(|(_, m)| *m).ok_or_else(|| {
            let names: Vec<&str> = Self::ALL.iter().map(|(n, _)| *n).collect();
            format!("destination mode {s:?} is not one of {}", names.join(", "))
        })
    }
}

/// The accounts, besides elbship's own, whose load balancers' objects elbship ships (none by default: the bucket
/// the stack creates accepts delivery for elbship's own account alone).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AllowedAccounts(pub BTreeSet<String>);

impl AllowedAccounts {
    /// Whether an object of `account` may be shipped.
    pub fn admits(&self, home: &Home, account: &str) -> Result<(), Refusal> {
        match account == home.account || self.0.contains(account) {
            true => Ok(()),
            false => Err(Refusal::AccountNotAllowed { account: account.to_string() }),
        }
    }
}

impl FromStr for AllowedAccounts {
    type Err = String;

    /// Accounts separated by commas (or nothing).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let accounts: BTreeSet<String> =
            s.split(',').map(str::trim).filter(|a| !a.is_empty()).map(str::to_string).collect();
        match accounts.iter().find(|a| !is_account(a)) {
            Some(bad) => Err(format!("allowed account {bad:?} is not 12 digits")),
            None => Ok(AllowedAccounts(accounts)),
        }
    }
}

/// How a deployment decides where each object's lines go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Destinations {
    /// The account and Region elbship runs in.
    pub home: Home,
    /// Where lines go.
    pub mode: DestinationMode,
    /// Whose objects are shipped at all.
    pub allowed: AllowedAccounts,
}

impl Destinations {
    /// Where the lines of a classified key go, or why nowhere; `None` when the key is no ELB log at all.
    pub fn of(&self, class: &KeyClass) -> Option<Result<Destination, Refusal>> {
        match class {
            KeyClass::Log(log) => Some(self.of_log(log)),
            KeyClass::Mismatch { reason } => Some(Err(Refusal::KeyMismatch(reason.clone()))),
            KeyClass::TestFile { .. } | KeyClass::NotALog { .. } => None,
        }
    }

    /// Where the lines of `log` go, or why nowhere.
    pub fn of_log(&self, log: &LogObject) -> Result<Destination, Refusal> {
        let (account, region) = (&log.file.account, &log.file.region);
        self.allowed.admits(&self.home, account)?;
        Ok(self.mode.destination(&self.home, account, region))
    }
}

/// Whether `s` is an account id.
pub fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Why an object is written nowhere.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The account in the key is not one elbship may write for.
    #[error("account {account} is not allowed: its objects are written nowhere")]
    AccountNotAllowed {
        /// The account the key names.
        account: String,
    },
    /// The file name names another account or Region than the path it lies under.
    #[error("{0}")]
    KeyMismatch(String),
}

impl Refusal {
    /// Its stable name (the skip reason counted and alarmed on).
    pub fn name(&self) -> &'static str {
        match self {
            Refusal::AccountNotAllowed { .. } => "AccountNotAllowed",
            Refusal::KeyMismatch(_) => "KeyMismatch",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> Home {
        Destination { account: "111111111111".into(), region: "eu-west-1".into() }
    }

    #[test]
    fn each_mode_writes_where_it_says() {
        let d = |m: DestinationMode| m.destination(&home(), "222222222222", "us-east-2").to_string();
        assert_eq!(d(DestinationMode::Central), "111111111111/eu-west-1");
        assert_eq!(d(DestinationMode::CentralSourceRegion), "111111111111/us-east-2");
        assert_eq!(d(DestinationMode::SourceAccount), "222222222222/us-east-2");
        for (name, mode) in DestinationMode::ALL {
            assert_eq!(name.parse::<DestinationMode>(), Ok(mode));
            assert_eq!(mode.name(), name);
        }
        assert!("everywhere".parse::<DestinationMode>().is_err_and(|e| e.contains("source-account")));
    }

    #[test]
    fn a_key_is_admitted_to_its_destination_or_refused_by_name() {
        use crate::formats::key::classify_key;
        let key = |account: &str, file_account: &str| {
            format!(
                "logs/AWSLogs/{account}/elasticloadbalancing/us-east-2/2026/11/27/{file_account}_elasticloadbalancing_\
                 us-east-2_app.lb.50dc6c495c0c9188_20261127T1000Z_10.0.0.1_abc.log.gz"
            )
        };
        let all = Destinations {
            home: home(),
            mode: DestinationMode::SourceAccount,
            allowed: "222222222222".parse().unwrap_or_default(),
        };
        let of = |k: String| all.of(&classify_key(&k));
        let to = of(key("222222222222", "222222222222")).and_then(Result::ok).map(|to| to.to_string());
        assert_eq!(to.as_deref(), Some("222222222222/us-east-2"));
        let refused = |k: String| of(k).and_then(Result::err).map(|r| r.name());
        assert_eq!(refused(key("333333333333", "333333333333")), Some("AccountNotAllowed"));
        assert_eq!(refused(key("222222222222", "333333333333")), Some("KeyMismatch"), "a copy under another account");
        assert_eq!(refused(key("333333333333", "222222222222")), Some("KeyMismatch"), "an allowed name, elsewhere");
        assert_eq!(of("logs/AWSLogs/222222222222/ELBAccessLogTestFile".into()), None, "no log: no destination");
    }

    #[test]
    fn only_allowed_accounts_are_admitted() {
        let home = home();
        assert_eq!(AllowedAccounts::default().admits(&home, "111111111111"), Ok(()));
        let not = AllowedAccounts::default().admits(&home, "222222222222");
        assert_eq!(not.map_err(|e| e.name()), Err("AccountNotAllowed"));
        let list: AllowedAccounts = " 222222222222, 333333333333".parse().unwrap_or_default();
        assert_eq!(list.admits(&home, "333333333333"), Ok(()));
        assert_eq!(list.admits(&home, "111111111111"), Ok(()), "elbship's own account is always allowed");
        assert!(list.admits(&home, "444444444444").is_err());
        assert!("222222222222,12345"
            .parse::<AllowedAccounts>()
            .is_err_and(|e| e.contains("\"12345\" is not 12 digits")));
        assert_eq!("".parse::<AllowedAccounts>(), Ok(AllowedAccounts::default()));
    }
}
