//! `elbship backfill s3://BUCKET/PREFIX`: ship the logs already in a bucket, chosen by what their keys say (file end
//! time, load balancer, account), never by reading them. `--dry-run` says what would be shipped: objects, bytes,
//! lines and cost estimated from the sizes, and the objects older than CloudWatch's 14-day window (refused unless
//! `--policy restamp`, and then counted, never dropped silently). Without it, each chosen object is started as
//! `elbship ship` starts it (idempotent names, so a second backfill ships nothing twice).

use crate::ship::{parse_url, start_and_follow, Run};
use crate::when::{now_ms, parse_when};
use anyhow::{bail, Result};
use clap::Args;
use elbship_aws::clients;
use elbship_aws::s3::Objects;
use elbship_core::backfill::{describe, estimate, Filter};
use elbship_core::event_builder::MessageMode;
use elbship_core::job::ShipOptions;
use elbship_core::policy::OldEventPolicy;

/// Options of `elbship backfill`.
#[derive(Debug, Args)]
pub struct BackfillArgs {
    /// s3://BUCKET/PREFIX
    url: String,
    /// Files that end at or after this time (a time, or a duration back from now: 7d).
    #[arg(long)]
    since: Option<String>,
    /// Files that end before this time.
    #[arg(long)]
    until: Option<String>,
    /// Only this load balancer (the name ELB gives it).
    #[arg(long)]
    load_balancer: Option<String>,
    /// Only this account.
    #[arg(long)]
    account: Option<String>,
    /// Old-event policy; `restamp` ships files older than 14 days.
    #[arg(long)]
    policy: Option<OldEventPolicy>,
    /// Message mode.
    #[arg(long)]
    mode: Option<MessageMode>,
    /// Say what would be shipped and what it would cost; start nothing.
    #[arg(long)]
    dry_run: bool,
    /// Follow the executions and print their verified counts; exit 1 if any failed.
    #[arg(long)]
    wait: bool,
    /// The Standard state machine's ARN (default: $ELBSHIP_STATE_MACHINE_ARN; not needed with --dry-run).
    #[arg(long, env = "ELBSHIP_STATE_MACHINE_ARN")]
    state_machine: Option<String>,
    /// Objects up to this size take the Express route (for the estimate; KiB, MiB suffixes).
    #[arg(long, env = "ELBSHIP_EXPRESS_MAX_BYTES", default_value = "4MiB", value_parser = elbship_core::size::parse_size)]
    express_max_bytes: u64,
    /// Give up waiting after this many seconds.
    #[arg(long, default_value_t = 3600)]
    timeout: u64,
}

/// Runs the command; `Ok(false)` when an execution failed.
pub fn run(args: &BackfillArgs) -> Result<bool> {
    tokio::runtime::Runtime::new()?.block_on(backfill(args))
}

async fn backfill(args: &BackfillArgs) -> Result<bool> {
    let (bucket, prefix) = parse_url(&args.url)?;
    let now = now_ms();
    let filter = Filter {
        since_ms: args.since.as_deref().map(|t| parse_when("--since", t, now)).transpose()?,
        until_ms: args.until.as_deref().map(|t| parse_when("--until", t, now)).transpose()?,
        load_balancer: args.load_balancer.clone(),
        account: args.account.clone(),
    };
    let sdk = clients::load().await;
    let listed = Objects::new(clients::s3(&sdk)).list(&bucket, &prefix).await?;
    let (e, keys) = estimate(listed.iter().map(|o| (o.key.as_str(), o.size)), &filter, now, args.express_max_bytes);
    println!("{}", describe(&e));
    if args.dry_run {
        return Ok(true);
    }
    if e.older_than_14_days > 0 && args.policy != Some(OldEventPolicy::Restamp) {
        println!(
            "note: {} objects are older than 14 days; their lines will be counted as rejected too_old",
            e.older_than_14_days
        );
    }
    let Some(state_machine) = args.state_machine.as_deref() else {
        bail!("--state-machine or ELBSHIP_STATE_MACHINE_ARN is required to start the backfill");
    };
    let keys: std::collections::HashSet<String> = keys.into_iter().collect();
    let chosen: Vec<_> = listed.into_iter().filter(|o| keys.contains(&o.key)).collect();
    let options = ShipOptions { mode: args.mode, policy: args.policy, span_bytes: None };
    let run = Run { state_machine, options, retry_failed: false, wait: args.wait, timeout: args.timeout };
    start_and_follow(&clients::sfn(&sdk), &run, &chosen).await
}
