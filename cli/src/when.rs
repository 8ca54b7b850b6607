//! Times on the command line: a duration back from now (`90m`, `6h`, `2d`) or a time (`2026-11-27T10:00:00Z`).

use anyhow::{bail, Context, Result};
use elbship_core::formats::timestamp::parse_iso8601_ms;
use std::time::{SystemTime, UNIX_EPOCH};

/// Now, epoch milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// `arg` (named `flag` in errors) in epoch milliseconds.
pub fn parse_when(flag: &str, arg: &str, now_ms: i64) -> Result<i64> {
    if let Some(ms) = parse_iso8601_ms(arg.as_bytes()) {
        return Ok(ms);
    }
    let (number, unit) = arg.split_at(arg.len().saturating_sub(1));
    let n: i64 = number.parse().with_context(|| format!("{flag} {arg:?}: a duration like 90m, 6h, 2d, or a time"))?;
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => bail!("{flag} {arg:?}: the unit is s, m, h or d"),
    };
    Ok(now_ms - n * unit_ms)
}

#[cfg(test)]
mod tests {
    use super::parse_when;

    #[test]
    fn durations_back_from_now_and_times() {
        assert_eq!(parse_when("--since", "90m", 10_000_000).ok(), Some(10_000_000 - 5_400_000));
        assert_eq!(parse_when("--since", "2d", 200_000_000).ok(), Some(200_000_000 - 172_800_000));
        assert_eq!(parse_when("--since", "2026-11-27T10:00:00Z", 0).ok(), Some(1_795_773_600_000));
        assert!(parse_when("--since", "soon", 0).is_err());
        assert!(parse_when("--since", "5y", 0).is_err());
    }
}
