//! `elbship`: the command line. `elbship inspect` runs the core pipeline on local files and reports what would
//! be sent to CloudWatch Logs, and why anything would not; `elbship ship` starts the deployed (or local) state
//! machine for objects already in S3 and can wait for their verified counts; `elbship status` lists what recent
//! executions delivered and what failed; `elbship replay` starts what the start function's on-failure queue holds.

mod backfill;
mod inspect;
mod replay;
mod ship;
mod status;
mod when;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Ship Elastic Load Balancing access logs from S3 to CloudWatch Logs, every line accounted for.
#[derive(Debug, Parser)]
#[command(name = "elbship", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Inspect local log files: kind, lines, time range, spans, batches, and the ledger of what would be sent.
    Inspect(inspect::InspectArgs),
    /// Ship objects already in S3: start, for every object under a prefix, what its S3 event would start.
    Ship(ship::ShipArgs),
    /// Backfill a prefix: the logs chosen by time, load balancer and account from their keys; `--dry-run` estimates.
    Backfill(backfill::BackfillArgs),
    /// Start what the start function's on-failure queue holds (events it could not start), then delete them.
    Replay(replay::ReplayArgs),
    /// Recent executions: what each object delivered, how late, and what failed (failures first, with the command
    /// that finishes them).
    Status(status::StatusArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => inspect::run(&args),
        Command::Ship(args) => ship::run(&args),
        Command::Status(args) => status::run(&args),
        Command::Backfill(args) => backfill::run(&args),
        Command::Replay(args) => replay::run(&args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("elbship: {e:#}");
            ExitCode::from(2)
        }
    }
}
