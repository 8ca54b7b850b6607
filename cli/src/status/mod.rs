//! `elbship status`: recent executions as a table (object, kind, lines, delivered, rejected, possibly duplicated,
//! freshness, status), failures first with their error and the command that finishes them.
//!
//! It reads both state machines. Step Functions lists Express executions only where the service keeps them (the
//! local stack does); on AWS an Express execution lives in its log group, and failures there are handed over to the
//! Standard state machine, which this command does list.

use crate::when::{now_ms, parse_when};
use anyhow::Result;
use clap::Args;
use elbship_aws::clients;
use elbship_aws::sfn::recent_executions;
use rows::{rows, table};

mod rows;

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

/// Runs the command; `Ok(false)` when a listed execution failed.
pub fn run(args: &StatusArgs) -> Result<bool> {
    tokio::runtime::Runtime::new()?.block_on(status(args))
}

async fn status(args: &StatusArgs) -> Result<bool> {
    let since = parse_when("--since", &args.since, now_ms())?;
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
