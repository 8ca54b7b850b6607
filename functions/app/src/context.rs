//! One invocation of a function: who it is (the checkpoint owner its writes are fenced by), when it must have
//! stopped (Lambda's deadline less the time to record where it is and answer), and "now". Every function that
//! ships builds it the same way, from the runtime's [`lambda_runtime::Context`].

use elbship_aws::checkpoints::new_owner;
use elbship_aws::error::ElbshipError;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// A function's payload as the call its state machine tagged (`{"call": ...}`, read by a tagged serde enum); an
/// untagged or unknown call is `BadInput`, naming the function.
pub fn read_call<T: serde::de::DeserializeOwned>(
    payload: serde_json::Value,
    function: &str,
) -> Result<T, ElbshipError> {
    serde_json::from_value(payload).map_err(|e| ElbshipError::BadInput(format!("{function} function call: {e}")))
}

/// Now, in epoch milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// One invocation: who it is (the checkpoint owner name), when it must have stopped, and when it started.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The owner name this attempt writes its checkpoint under.
    pub owner: String,
    /// When to stop sending, record the checkpoint and fail retryably.
    pub give_up_at: Instant,
    /// Now, when the invocation started (epoch milliseconds).
    pub now_ms: i64,
}

impl Invocation {
    /// The invocation Lambda's `context` describes, stopping `keep_back` earlier than it otherwise would (time for
    /// a hand-over after the shipping stops).
    pub fn from_lambda(context: &lambda_runtime::Context, keep_back: Duration) -> Invocation {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let remaining = remaining_time(context.deadline, now.as_millis() as u64);
        tracing::debug!(remaining_ms = remaining.as_millis() as u64, "invoked");
        Invocation {
            owner: new_owner(&context.request_id),
            give_up_at: Instant::now() + give_up_after(remaining).saturating_sub(keep_back),
            now_ms: now.as_millis() as i64,
        }
    }

    /// An invocation of `owner` that must stop `within` from now (tests, and callers that are not Lambda).
    pub fn within(owner: &str, within: Duration) -> Invocation {
        Invocation { owner: owner.to_string(), give_up_at: Instant::now() + within, now_ms: now_ms() }
    }
}

/// Time kept back from Lambda's deadline to drain sends, record the checkpoint and answer.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(10);

/// The time an invocation has left, from the runtime's deadline (epoch milliseconds, as Lambda gives it).
#[cfg(not(feature = "cargo-lambda-watch"))]
pub fn remaining_time(deadline_ms: u64, now_ms: u64) -> Duration {
    Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}

/// The time an invocation has left on the local stand-in (built only with the feature `cargo-lambda-watch`, which
/// the local stack turns on and no deployed build has): `cargo lambda watch` passes its own timeout (600,000) instead
/// of an epoch deadline, and one timeout for every function, so the function's deployed timeout comes from
/// `ELBSHIP_LOCAL_TIMEOUTS` (`elbship-ship=900,elbship-object=120,...`, from the template), counted from now.
#[cfg(feature = "cargo-lambda-watch")]
pub fn remaining_time(deadline_ms: u64, now_ms: u64) -> Duration {
    let me = std::env::current_exe().ok().and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
    let timeouts = std::env::var("ELBSHIP_LOCAL_TIMEOUTS").ok();
    local_remaining_time(deadline_ms, now_ms, timeouts.as_deref(), me.as_deref())
}

/// [`remaining_time`] on the local stand-in, given `ELBSHIP_LOCAL_TIMEOUTS` and this function's binary name (read
/// apart, so that tests need not set the process's environment, which tests running at once would share).
#[cfg(feature = "cargo-lambda-watch")]
fn local_remaining_time(deadline_ms: u64, now_ms: u64, timeouts: Option<&str>, me: Option<&str>) -> Duration {
    const EPOCH_2001_MS: u64 = 978_307_200_000;
    let given = if deadline_ms < EPOCH_2001_MS {
        Duration::from_millis(deadline_ms)
    } else {
        Duration::from_millis(deadline_ms.saturating_sub(now_ms))
    };
    let deployed = timeouts.and_then(|all| {
        all.split(',').find_map(|pair| {
            let (name, seconds) = pair.split_once('=')?;
            (Some(name) == me).then(|| seconds.parse().ok().map(Duration::from_secs))?
        })
    });
    deployed.map_or(given, |d| d.min(given))
}

/// When an invocation with `remaining` time before Lambda's deadline stops sending: [`DEADLINE_MARGIN`] before
/// it, or halfway there for a short invocation.
pub fn give_up_after(remaining: Duration) -> Duration {
    remaining.saturating_sub(DEADLINE_MARGIN.min(remaining / 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Locally, each function gets its deployed timeout, not cargo lambda watch's one for all.
    #[cfg(feature = "cargo-lambda-watch")]
    #[test]
    fn locally_the_deadline_is_the_functions_deployed_timeout() {
        let timeouts = Some("elbship-other=900,elbship-ship=120");
        let now = 1_795_771_232_305;
        let left = |deadline| local_remaining_time(deadline, now, timeouts, Some("elbship-ship"));
        assert_eq!(left(600_000), Duration::from_secs(120));
        assert_eq!(left(now + 60_000), Duration::from_secs(60), "the sooner of the two");
        assert_eq!(local_remaining_time(600_000, now, timeouts, Some("elbship-plan")), Duration::from_secs(600));
    }

    #[test]
    fn the_time_left_comes_from_the_deadline() {
        let now = 1_795_771_232_305;
        assert_eq!(remaining_time(now + 900_000, now), Duration::from_secs(900));
        assert_eq!(remaining_time(now - 5, now), Duration::ZERO);
        #[cfg(not(feature = "cargo-lambda-watch"))]
        assert_eq!(remaining_time(600_000, now), Duration::ZERO, "a deployed build reads only Lambda's epoch form");
        #[cfg(feature = "cargo-lambda-watch")]
        assert_eq!(remaining_time(600_000, now), Duration::from_secs(600), "cargo lambda watch's form, locally");
        assert_eq!(give_up_after(Duration::from_secs(900)), Duration::from_secs(890));
        assert_eq!(give_up_after(Duration::from_secs(8)), Duration::from_secs(4));
    }
}
