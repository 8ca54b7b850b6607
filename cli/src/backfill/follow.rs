//! Following a backfill: a progress bar fed by its Map Run's item counts (succeeded, failed, pending), throughput
//! and ETA; Ctrl-C detaches and leaves it running. At the end, its summary, each failure with the command that
//! finishes it, or, when its Map Run failed, its failed batches ([`super::children`]) and the redrive command.

use super::children::{describe, failed_children};
use anyhow::{Context, Result};
use aws_sdk_sfn::types::ExecutionStatus;
use elbship_core::orchestration::backfill::batch::Summary;
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Duration;

/// Follows the backfill `arn` until it ends (`Ok(true)` when it proved every object) or Ctrl-C (`Ok(true)`: it goes
/// on without us).
pub async fn follow(sfn: &aws_sdk_sfn::Client, arn: &str, poll: Duration) -> Result<bool> {
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} [{bar:40}] {pos}/{len} {msg} {per_sec} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let execution = sfn.describe_execution().execution_arn(arn).send().await.context("DescribeExecution")?;
        let run = map_run(sfn, arn).await?;
        let counts = run.as_ref().and_then(|(_, c)| *c);
        if let Some(c) = counts {
            bar.set_length(c.total);
            bar.set_position(c.succeeded + c.failed);
            bar.set_message(format!("items done ({} failed, {} pending, {} running)", c.failed, c.pending, c.running));
        }
        if execution.status() != &ExecutionStatus::Running {
            bar.finish_and_clear();
            if let Some(c) = counts {
                println!(
                    "map run: {} items, {} succeeded, {} failed, {} pending",
                    c.total, c.succeeded, c.failed, c.pending
                );
            }
            let run_arn = run.map(|(a, _)| a);
            return Ok(ended(sfn, &execution, arn, run_arn.as_deref(), poll).await);
        }
        tokio::select! {
            _ = &mut ctrl_c => {
                bar.abandon();
                println!("detached; the backfill goes on. Reattach: elbship backfill --follow {arn}");
                return Ok(true);
            }
            () = tokio::time::sleep(poll) => {}
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Counts {
    total: u64,
    succeeded: u64,
    failed: u64,
    pending: u64,
    running: u64,
}

/// The backfill's Map Run and its item counts, once it has one.
async fn map_run(sfn: &aws_sdk_sfn::Client, arn: &str) -> Result<Option<(String, Option<Counts>)>> {
    let runs = sfn.list_map_runs().execution_arn(arn).send().await.context("ListMapRuns")?;
    let Some(run) = runs.map_runs().first() else { return Ok(None) };
    let run_arn = run.map_run_arn().to_string();
    let described = sfn.describe_map_run().map_run_arn(&run_arn).send().await.context("DescribeMapRun")?;
    let Some(items) = described.item_counts() else { return Ok(Some((run_arn, None))) };
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(Some((
        run_arn,
        Some(Counts {
            total: n(items.total()),
            succeeded: n(items.succeeded()),
            failed: n(items.failed() + items.timed_out() + items.aborted()),
            pending: n(items.pending()),
            running: n(items.running()),
        }),
    )))
}

/// Prints how the backfill ended; whether it proved every object.
async fn ended(
    sfn: &aws_sdk_sfn::Client,
    execution: &aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput,
    arn: &str,
    map_run_arn: Option<&str>,
    poll: Duration,
) -> bool {
    let bucket = execution
        .input()
        .and_then(|i| serde_json::from_str::<serde_json::Value>(i).ok())
        .and_then(|v| v.get("bucket").and_then(|b| b.as_str()).map(str::to_string))
        .unwrap_or_else(|| "BUCKET".into());
    let status = execution.status();
    if status == &ExecutionStatus::Succeeded {
        match execution.output().map(serde_json::from_str::<Summary>) {
            Some(Ok(summary)) => {
                print!("{}", super::report::report(&summary, &bucket));
                let followed = standard_executions_succeed(sfn, &summary, poll).await;
                println!("backfill SUCCEEDED: every object verified, skipped under a reason, or on its own execution");
                if !followed {
                    println!("but an object's own Standard execution above did not succeed: elbship status lists it");
                }
                return followed;
            }
            _ => println!("backfill SUCCEEDED, but its output is not a summary: {:?}", execution.output()),
        }
        return false;
    }
    let error = execution.error().unwrap_or("-");
    let cause = execution.cause().unwrap_or("");
    if error == "BackfillIncomplete" {
        if let Some(summary) = summary_in_cause(cause) {
            print!("{}", super::report::report(&summary, &bucket));
            standard_executions_succeed(sfn, &summary, poll).await;
            println!("backfill FAILED (BackfillIncomplete): the objects above were not verified; finish each as shown");
            return false;
        }
    }
    println!("backfill {status}: {error}: {cause}");
    if let Some(run) = map_run_arn {
        match failed_children(sfn, run).await {
            Ok(children) => children.iter().for_each(|c| println!("{}", describe(c))),
            Err(e) => println!("(the failed batches could not be read: {e:#})"),
        }
    }
    println!("finish it (only what failed runs again): elbship backfill --redrive {arn}");
    false
}

/// Follows the objects the backfill started as their own Standard executions (the first of them, as the summary
/// lists them) to their end; whether all succeeded.
async fn standard_executions_succeed(sfn: &aws_sdk_sfn::Client, summary: &Summary, poll: Duration) -> bool {
    if summary.standard_executions.is_empty() {
        return true;
    }
    println!(
        "following {} of the {} objects on their own Standard executions (elbship status lists them all):",
        summary.standard_executions.len(),
        summary.standard
    );
    let mut all = true;
    for arn in &summary.standard_executions {
        let name = arn.rsplit(':').next().unwrap_or(arn);
        let described = loop {
            match sfn.describe_execution().execution_arn(arn).send().await {
                Ok(d) if d.status() == &ExecutionStatus::Running => {
                    // Ctrl-C still detaches (once listened for, SIGINT no longer ends the process by itself).
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {
                            println!("detached; {name} goes on: elbship status shows it");
                            return false;
                        }
                        () = tokio::time::sleep(poll) => {}
                    }
                }
                other => break other,
            }
        };
        match described {
            Ok(d) if d.status() == &ExecutionStatus::Succeeded => println!("  SUCCEEDED {name}"),
            Ok(d) => {
                all = false;
                println!("  {} {name}: {}: {}", d.status(), d.error().unwrap_or("-"), d.cause().unwrap_or(""));
            }
            Err(e) => {
                all = false;
                println!("  {name}: DescribeExecution failed: {e}");
            }
        }
    }
    all
}

/// The summary a `BackfillIncomplete` failure carries: the Lambda error's message, as Step Functions gives it in the
/// cause (`{"errorMessage": ..., "errorType": ...}`), or the cause itself.
fn summary_in_cause(cause: &str) -> Option<Summary> {
    let value: serde_json::Value = serde_json::from_str(cause).ok()?;
    match value.get("errorMessage").and_then(|m| m.as_str()) {
        Some(message) => serde_json::from_str(message).ok(),
        None => serde_json::from_value(value).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_is_read_from_a_lambda_error_cause() {
        let summary = Summary { objects: 3, failed: 1, ..Summary::default() };
        let text = serde_json::to_string(&summary).unwrap_or_default();
        let cause = serde_json::json!({"errorMessage": text, "errorType": "BackfillIncomplete"}).to_string();
        assert_eq!(summary_in_cause(&cause), Some(summary.clone()));
        assert_eq!(summary_in_cause(&text), Some(summary));
        assert_eq!(summary_in_cause("not json"), None);
    }
}
