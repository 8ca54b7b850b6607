//! `elbship backfill s3://BUCKET/PREFIX`: ship the logs already in a bucket with one execution of the backfill
//! state machine, whose Distributed Map lists the prefix itself and chooses objects by what their keys say (file
//! end time, load balancer, account), never by reading them.
//!
//! `--dry-run` lists the prefix here and says what would be shipped: objects, bytes, lines and cost estimated from
//! the sizes, by account and Region of the load balancers, and the objects older than CloudWatch's 14-day window (shipped only with `--policy restamp`, otherwise
//! counted as skipped). Without it, the command starts the backfill and follows it ([`follow`]): Ctrl-C detaches,
//! `--follow EXECUTION` reattaches, `--redrive EXECUTION` finishes a failed one. `--inventory` reads the objects from
//! an S3 Inventory list instead of the listing.

mod children;
mod follow;
mod report;

use crate::ship::parse_url;
use crate::when::{now_ms, parse_when};
use anyhow::{bail, Context, Result};
use clap::Args;
use elbship_aws::clients;
use elbship_aws::s3::Objects;
use elbship_core::batching::event_builder::MessageMode;
use elbship_core::batching::policy::OldEventPolicy;
use elbship_core::orchestration::backfill::{max_concurrency, Filter};
use elbship_core::orchestration::job::ShipOptions;
use elbship_pricing::at_scale::at_scale;
use elbship_pricing::estimate::{describe, Estimate};
use serde_json::json;

/// Options of `elbship backfill`.
#[derive(Debug, Args)]
pub struct BackfillArgs {
    /// s3://BUCKET/PREFIX
    #[arg(required_unless_present_any = ["follow", "redrive"])]
    url: Option<String>,
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
    /// Only load balancers in this Region (as their keys name it; not the Region elbship's calls go to).
    #[arg(long)]
    region: Option<String>,
    /// Old-event policy; `restamp` ships files older than 14 days (otherwise they are counted as skipped).
    #[arg(long)]
    policy: Option<OldEventPolicy>,
    /// Message mode.
    #[arg(long)]
    mode: Option<MessageMode>,
    /// Read the objects from this S3 Inventory manifest (s3://BUCKET/.../manifest.json, CSV format) instead of
    /// listing the prefix: for buckets of millions of objects. Its rows outside s3://BUCKET/PREFIX are left out.
    #[arg(long, value_name = "S3_URL")]
    inventory: Option<String>,
    /// Say what would be shipped and what it would cost; start nothing.
    #[arg(long)]
    dry_run: bool,
    /// Reattach to a running or finished backfill (its execution ARN).
    #[arg(long, value_name = "EXECUTION", conflicts_with_all = ["url", "redrive"])]
    follow: Option<String>,
    /// Finish a failed backfill: redrive it (only what failed runs again), then follow it.
    #[arg(long, value_name = "EXECUTION", conflicts_with = "url")]
    redrive: Option<String>,
    /// Start it and print its ARN; do not follow.
    #[arg(long)]
    detach: bool,
    /// The account's PutLogEvents quota (requests per second): the backfill takes half of it.
    #[arg(long, default_value_t = 5_000)]
    put_log_events_quota: u32,
    /// The backfill state machine's ARN (CDK output BackfillStateMachineArn).
    #[arg(long, env = "ELBSHIP_BACKFILL_STATE_MACHINE_ARN")]
    state_machine: Option<String>,
    /// Objects up to this size take the Express route (for the estimate; KiB, MiB suffixes).
    #[arg(long, env = "ELBSHIP_EXPRESS_MAX_BYTES", default_value = "4MiB", value_parser = elbship_core::formats::size::parse_size)]
    express_max_bytes: u64,
    /// Seconds between progress reads.
    #[arg(long, default_value_t = 2.0)]
    poll_seconds: f64,
}

/// Runs the command; `Ok(false)` when the backfill failed.
pub fn run(args: &BackfillArgs) -> Result<bool> {
    tokio::runtime::Runtime::new()?.block_on(backfill(args))
}

async fn backfill(args: &BackfillArgs) -> Result<bool> {
    let sdk = clients::load().await;
    let sfn = clients::sfn(&sdk);
    let poll = std::time::Duration::from_secs_f64(args.poll_seconds.max(0.1));
    if let Some(arn) = &args.follow {
        return follow::follow(&sfn, arn, poll).await;
    }
    if let Some(arn) = &args.redrive {
        sfn.redrive_execution().execution_arn(arn).send().await.with_context(|| format!("RedriveExecution {arn}"))?;
        println!("redriven: {arn}");
        return follow::follow(&sfn, arn, poll).await;
    }
    let url = args.url.as_deref().context("s3://BUCKET/PREFIX is required")?;
    let (bucket, prefix) = parse_url(url)?;
    let now = now_ms();
    let filter = Filter {
        since_ms: args.since.as_deref().map(|t| parse_when("--since", t, now)).transpose()?,
        until_ms: args.until.as_deref().map(|t| parse_when("--until", t, now)).transpose()?,
        load_balancer: args.load_balancer.clone(),
        account: args.account.clone(),
        region: args.region.clone(),
    };
    if args.dry_run {
        let mut listing = Objects::new(clients::s3(&sdk)).list(&bucket, &prefix);
        let mut e = Estimate::default();
        while let Some(o) = listing.next().await {
            let o = o?;
            e.add(&o.key, o.size, &filter, now, args.express_max_bytes);
        }
        println!("{}", describe(&e));
        println!("{}", at_scale(e.objects, args.put_log_events_quota).describe(e.objects));
        return Ok(true);
    }
    let Some(state_machine) = args.state_machine.as_deref() else {
        bail!("--state-machine or ELBSHIP_BACKFILL_STATE_MACHINE_ARN (the CDK output BackfillStateMachineArn) is required");
    };
    let options = ShipOptions { mode: args.mode, policy: args.policy, span_bytes: None };
    let mut input = json!({
        "bucket": bucket,
        "prefix": prefix,
        "filter": filter,
        "options": options,
        "max_concurrency": max_concurrency(args.put_log_events_quota),
    });
    if let Some(manifest) = &args.inventory {
        let (bucket, key) = parse_url(manifest)?;
        if !key.ends_with("manifest.json") {
            bail!("--inventory names an S3 Inventory manifest (…/manifest.json), not {manifest:?}");
        }
        input["inventory"] = json!({"bucket": bucket, "key": key});
    }
    let name = format!("backfill-{}-{:04x}", now / 1000, now % 0xffff);
    let started = sfn
        .start_execution()
        .state_machine_arn(state_machine)
        .name(&name)
        .input(input.to_string())
        .send()
        .await
        .context("StartExecution of the backfill")?;
    let arn = started.execution_arn();
    println!("backfill started: {arn}");
    println!("(Ctrl-C detaches and leaves it running; reattach: elbship backfill --follow {arn})");
    if args.detach {
        return Ok(true);
    }
    follow::follow(&sfn, arn, poll).await
}
