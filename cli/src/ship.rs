//! `elbship ship s3://BUCKET/KEY-OR-PREFIX [--wait]`: backfills. For every object under the prefix it starts
//! exactly what the object's S3 event would start, through the same execution naming, so running it twice (or
//! alongside the event) ships nothing twice. With `--wait` it follows the executions and prints, per object, the
//! status and the verified counts, and fails if any execution failed. With `--retry-failed` it finishes objects
//! whose execution failed: a new attempt (`{name}-r{n}`) resumes every span from its checkpoint, so nothing
//! CloudWatch Logs acknowledged is sent again.

use anyhow::{bail, Context, Result};
use clap::Args;
use elbship_aws::clients;
use elbship_aws::s3::{Listing, Objects};
use elbship_aws::sfn::{retry_failed, start_object, StartOutcome};
use elbship_core::accounting::verify::{Incomplete, Verified};
use elbship_core::batching::event_builder::MessageMode;
use elbship_core::batching::policy::OldEventPolicy;
use elbship_core::orchestration::job::ShipOptions;
use std::time::{Duration, Instant};

/// Options of `elbship ship`.
#[derive(Debug, Args)]
pub struct ShipArgs {
    /// s3://BUCKET/KEY or s3://BUCKET/PREFIX
    url: String,
    /// Follow the executions and print their verified counts; exit 1 if any failed.
    #[arg(long)]
    wait: bool,
    /// The state machine's ARN (default: $ELBSHIP_STATE_MACHINE_ARN).
    #[arg(long, env = "ELBSHIP_STATE_MACHINE_ARN")]
    state_machine: String,
    /// Message mode for these executions (default: the functions' configuration).
    #[arg(long)]
    mode: Option<MessageMode>,
    /// Old-event policy for these executions; `restamp` ships archives older than 14 days.
    #[arg(long)]
    policy: Option<OldEventPolicy>,
    /// Uncompressed bytes per span for these executions (KiB, MiB, GiB suffixes).
    #[arg(long, value_parser = elbship_core::formats::size::parse_size)]
    span_size: Option<u64>,
    /// Finish objects whose latest execution failed, timed out or was aborted: start a new attempt that resumes
    /// from the checkpoints (objects never started are started; running or verified ones are left alone).
    #[arg(long)]
    retry_failed: bool,
    /// Give up waiting after this many seconds.
    #[arg(long, default_value_t = 3600)]
    timeout: u64,
}

pub fn parse_url(url: &str) -> Result<(String, String)> {
    let rest = url.strip_prefix("s3://").with_context(|| format!("{url:?} is not an s3:// URL"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() {
        bail!("{url:?} names no bucket");
    }
    Ok((bucket.to_string(), prefix.to_string()))
}

/// Runs the command; `Ok(false)` when an execution failed.
pub fn run(args: &ShipArgs) -> Result<bool> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(ship(args))
}

async fn ship(args: &ShipArgs) -> Result<bool> {
    let (bucket, prefix) = parse_url(&args.url)?;
    let sdk = clients::load().await;
    let listing = Objects::new(clients::s3(&sdk)).list(&bucket, &prefix);
    let options = ShipOptions { mode: args.mode, policy: args.policy, span_bytes: args.span_size };
    let run = Run {
        state_machine: &args.state_machine,
        options,
        retry_failed: args.retry_failed,
        wait: args.wait,
        timeout: args.timeout,
    };
    start_and_follow(&clients::sfn(&sdk), &run, listing, &format!("s3://{bucket}/{prefix}")).await
}

/// How to start and follow objects.
pub struct Run<'a> {
    /// The Standard state machine.
    pub state_machine: &'a str,
    /// Per-execution options.
    pub options: ShipOptions,
    /// Start a new attempt after a failed one.
    pub retry_failed: bool,
    /// Follow the executions.
    pub wait: bool,
    /// Give up waiting after this many seconds.
    pub timeout: u64,
}

/// Starts each object as it is listed (or its next attempt) and, with `wait`, follows the executions and prints
/// their counts; `Ok(false)` when one failed.
pub async fn start_and_follow(
    sfn: &aws_sdk_sfn::Client,
    args: &Run<'_>,
    mut objects: Listing,
    url: &str,
) -> Result<bool> {
    let options = args.options;
    let mut follow = Vec::new();
    let mut listed = 0u64;
    while let Some(object) = objects.next().await {
        let object = &object?;
        listed += 1;
        let outcome = if args.retry_failed {
            retry_failed(sfn, args.state_machine, object, options).await?
        } else {
            start_object(sfn, args.state_machine, object, options).await?
        };
        match outcome {
            StartOutcome::Started { key, execution_arn } => {
                println!("started   {key}");
                follow.push((key, execution_arn));
            }
            StartOutcome::AlreadyStarted { key, execution_arn } => {
                let hint = if args.retry_failed { "running or verified" } else { "already started: not shipped again" };
                println!("existing  {key} ({hint})");
                follow.push((key, execution_arn));
            }
            StartOutcome::Skipped { key, reason } => println!("skipped   {key}: {reason}"),
            StartOutcome::Refused { key, refusal, reason } => println!("refused   {key}: {refusal}: {reason}"),
        }
    }
    if listed == 0 {
        bail!("no object under {url}");
    }
    if !args.wait {
        return Ok(true);
    }
    let deadline = Instant::now() + Duration::from_secs(args.timeout);
    let mut all_ok = true;
    for (key, arn) in follow {
        let d = loop {
            let d = sfn
                .describe_execution()
                .execution_arn(&arn)
                .send()
                .await
                .with_context(|| format!("DescribeExecution {arn}"))?;
            if d.status().as_str() != "RUNNING" {
                break d;
            }
            if Instant::now() > deadline {
                bail!("{key}: still running after {}s", args.timeout);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        };
        let status = d.status().as_str().to_string();
        match (status.as_str(), d.output().map(serde_json::from_str::<Verified>)) {
            ("SUCCEEDED", Some(Ok(v))) => {
                let (l, r) = (&v.ledger, &v.ledger.rejected);
                println!(
                    "SUCCEEDED {key}\n          {} lines read in {} spans, {} delivered as {} events in {} batches to {}:{}; rejected: blank {}, too_old {}, expired {}, too_new {}; possibly duplicated {} events",
                    l.lines_read, v.spans, l.lines_delivered, l.events_delivered, l.batches, v.log_group, v.log_stream, r.blank, r.too_old, r.expired, r.too_new, l.possibly_duplicated
                );
            }
            (_, _) if d.error() == Some("ObjectIncomplete") => {
                all_ok = false;
                match d.cause().and_then(Incomplete::from_cause) {
                    Some(i) => {
                        println!(
                            "{status:9} {key}\n          ObjectIncomplete: {} of {} lines delivered, {} unsettled, {} events possibly duplicated; {} spans shipped, {} failed",
                            i.lines_delivered, i.lines, i.lines_unsettled, i.possibly_duplicated, i.spans_shipped, i.failed.len()
                        );
                        for f in &i.failed {
                            println!(
                                "          span {}: {} of {} lines delivered; {}: {}",
                                f.span, f.lines_delivered, f.lines, f.error, f.cause
                            );
                        }
                        println!("          finish it: {}", i.finish);
                    }
                    _ => println!("{status:9} {key}\n          ObjectIncomplete: {}", d.cause().unwrap_or("-")),
                }
            }
            _ => {
                all_ok &= status == "SUCCEEDED";
                println!("{status:9} {key}\n          {}: {}", d.error().unwrap_or("-"), d.cause().unwrap_or("-"));
            }
        }
    }
    Ok(all_ok)
}

#[cfg(test)]
mod tests {
    use super::parse_url;

    #[test]
    fn urls() {
        assert_eq!(parse_url("s3://b/AWSLogs/1/").ok(), Some(("b".into(), "AWSLogs/1/".into())));
        assert_eq!(parse_url("s3://b").ok(), Some(("b".into(), String::new())));
        assert!(parse_url("b/k").is_err());
        assert!(parse_url("s3:///k").is_err());
    }
}
