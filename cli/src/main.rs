//! `elbship`: the command line. `elbship inspect` runs the core pipeline on local files and reports what would
//! be sent to CloudWatch Logs, and why anything would not.

mod inspect;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Inspect(args) => inspect::run(&args),
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
