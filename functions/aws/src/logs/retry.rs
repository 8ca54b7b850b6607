//! How PutLogEvents is retried: by elbship's own loop, not the SDK's (whose standard mode shares one retry token
//! bucket per process, which a sustained storm empties, and then stops retrying). Capped exponential backoff with
//! full jitter, until the caller's deadline.

use super::readback::ReadBackPolicy;
use std::time::Duration;

/// How PutLogEvents is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendPolicy {
    /// First backoff ceiling; it doubles with each failed attempt.
    pub initial_backoff: Duration,
    /// Largest backoff ceiling.
    pub max_backoff: Duration,
    /// Longest one attempt may take before it is abandoned (and its answer taken as lost).
    pub attempt_timeout: Duration,
    /// How a batch whose answer was lost is settled.
    pub read_back: ReadBackPolicy,
}

impl Default for SendPolicy {
    fn default() -> Self {
        SendPolicy {
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(30),
            read_back: ReadBackPolicy::default(),
        }
    }
}

impl SendPolicy {
    /// The pause after failed attempt `attempts` (from 1): uniform in [0, ceiling), the ceiling doubling from
    /// `initial_backoff` up to `max_backoff`.
    pub fn pause(&self, attempts: u32) -> Duration {
        self.ceiling(attempts).mul_f64(fastrand::f64())
    }

    /// The backoff ceiling after failed attempt `attempts`.
    pub fn ceiling(&self, attempts: u32) -> Duration {
        self.initial_backoff.saturating_mul(1 << attempts.saturating_sub(1).min(16)).min(self.max_backoff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_doubles_up_to_the_cap_and_pauses_stay_under_it() {
        let p = SendPolicy::default();
        assert_eq!(
            (p.ceiling(1), p.ceiling(2), p.ceiling(3)),
            (Duration::from_millis(200), Duration::from_millis(400), Duration::from_millis(800))
        );
        assert_eq!(p.ceiling(40), Duration::from_secs(10));
        assert!((1..50).all(|a| p.pause(a) < p.ceiling(a).max(Duration::from_nanos(1))));
    }
}
