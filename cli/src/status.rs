//! `elbship status`: recent executions as a table (object, kind, lines, delivered, rejected, possibly duplicated,
//! freshness, status), failures first with their error and the command that finishes them.
//!
//! It reads both state machines. Step Functions lists Express executions only where the service keeps them (the
//! local stack does); on AWS an Express execution lives in its log group, and failures there are handed over to the
//! Standard state machine, which this command does list.

use anyhow::{bail, Context, Result};
use clap::Args;
use elbship_aws::clients;
use elbship_aws::sfn::recent_executions;
use elbship_core::status::{rows, table};
use elbship_core::timestamp::parse_iso8601_ms;
use std::time::{SystemTime, UNIX_EPOCH};

/// Options of `elbship status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Executions started since: a duration back from now (`90m`, `6h`, `2d`) or a time (`2026-11-27T10:00:00Z`).
    #[arg(long, default_value = "24h")]
    since: String,
    /// Only this load balancer (its name).
    #[arg(long)]
    load_balancer: Option<String>,
    /// One JSON object per execution, one per line.
    #[arg(long)]
    json: bool,
    /// The Standard state machine's ARN (default: $ELBSHIP_STATE_MACHINE_ARN).
    #[arg(long, env = "ELBSHIP_STATE_MACHINE_ARN")]
    state_machine: String,
    /// The Express state machine's ARN (default: $ELBSHIP_EXPRESS_STATE_MACHINE_ARN).
    #[arg(long, env = "ELBSHIP_EXPRESS_STATE_MACHINE_ARN")]
    express_state_machine: Option<String>,
}

/// `--since` in epoch milliseconds.
fn since_ms(since: &str, now_ms: i64) -> Result<i64> {
    if let Some(ms) = parse_iso8601_ms(since.as_bytes()) {
        return Ok(ms);
    }
    let (number, unit) = since.split_at(since.len().saturating_sub(1));
    let n: i64 =
        number.parse().with_context(|| format!("--since {since:?}: a duration like 90m, 6h, 2d, or a time"))?;
    let unit_ms = match unit {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => bail!("--since {since:?}: the unit is s, m, h or d"),
    };
    Ok(now_ms - n * unit_ms)
}

/// Runs the command; `Ok(false)` when a listed execution failed.
pub fn run(args: &StatusArgs) -> Result<bool> {
    tokio::runtime::Runtime::new()?.block_on(status(args))
}

async fn status(args: &StatusArgs) -> Result<bool> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let since = since_ms(&args.since, now)?;
    let sfn = clients::sfn(&clients::load().await);
    let mut executions = recent_executions(&sfn, &args.state_machine, since, "standard").await?;
    if let Some(express) = &args.express_state_machine {
        match recent_executions(&sfn, express, since, "express").await {
            Ok(found) => executions.extend(found),
            Err(e) => eprintln!(
                "elbship: Express executions are not listed here ({e}); on AWS read them from the Express log group \
                 (Logs Insights: filter type = \"ExecutionSucceeded\"); anything they could not finish is listed above"
            ),
        }
    }
    let mut rows = rows(&executions);
    if let Some(lb) = &args.load_balancer {
        rows.retain(|r| &r.load_balancer == lb);
    }
    if args.json {
        for r in &rows {
            println!("{}", serde_json::to_string(r)?);
        }
    } else {
        print!("{}", table(&rows));
    }
    Ok(rows.iter().all(|r| r.error.is_none()))
}

#[cfg(test)]
mod tests {
    use super::since_ms;

    #[test]
    fn since_takes_durations_and_times() {
        assert_eq!(since_ms("90m", 10_000_000).ok(), Some(10_000_000 - 5_400_000));
        assert_eq!(since_ms("2d", 200_000_000).ok(), Some(200_000_000 - 172_800_000));
        assert_eq!(since_ms("2026-11-27T10:00:00Z", 0).ok(), Some(1_795_773_600_000));
        assert!(since_ms("soon", 0).is_err());
        assert!(since_ms("5y", 0).is_err());
    }
}
