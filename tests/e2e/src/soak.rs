//! A simulated day on the local stack (`make soak`, and a short one in `make test`): a fleet of load balancer nodes
//! writing an object every 5 minutes (one load balancer per kind of log, in turn), replayed as fast as the stack
//! runs them, each object's event reaching the start function as EventBridge sends it (asynchronously, some
//! twice), with faults of every kind the fault suite tests injected at random throughout. Then every log group is
//! read back and compared line by line with the objects (read without elbship's code), and the report says what
//! was verified, lost, stored twice and counted possibly duplicated.
//!
//! Whatever did not start (its start failed every retry) is started by `elbship replay` from the on-failure
//! queue, and whatever failed is finished with `elbship ship --retry-failed`, as an operator would: both are
//! counted in the report.

use crate::{events, gzip, invoke_async, key, now_ms, object_created, put_all, router, run_cli, set_faults};
use crate::{unique, Stack, Stored, Stuck};
use elbship_core::orchestration::job::ObjectRef;
use elbship_core::synth::Lines;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to simulate.
#[derive(Debug, Clone, Copy)]
pub struct Soak {
    /// Objects in all (20 nodes for a day: 5,760).
    pub objects: usize,
    /// Load balancer nodes (each writes its own objects).
    pub nodes: usize,
    /// Load balancers the nodes belong to.
    pub load_balancers: usize,
    /// One object in this many is larger than the Express route takes.
    pub large_every: usize,
    /// One event in this many is delivered twice.
    pub duplicate_every: usize,
    /// A new fault is injected this often.
    pub fault_every: Duration,
    /// At least this long between two kills: locally a kill takes every function instance down with
    /// `cargo lambda watch`, and an invoke failing within 30 s after one is taken as killed, so kills drawn as often
    /// as the other faults would keep the whole stack down (on AWS a crash takes one instance).
    pub kill_every: Duration,
    /// Starts in flight at once.
    pub in_flight: usize,
    /// How long one execution may run before the soak calls it stuck.
    pub patience: Duration,
}

/// What the run came to.
#[derive(Debug, Default)]
pub struct Report {
    /// Objects uploaded.
    pub objects: usize,
    /// Objects whose execution ended verified (on the first run, after a replay or a retry).
    pub verified: usize,
    /// Objects started from the on-failure queue by `elbship replay`.
    pub replayed: usize,
    /// Objects finished with `elbship ship --retry-failed`.
    pub retried: usize,
    /// Lines the objects hold.
    pub lines: usize,
    /// Lines CloudWatch Logs does not hold.
    pub lost: usize,
    /// Extra copies CloudWatch Logs holds.
    pub twice: usize,
    /// Events the ledgers count as possibly duplicated.
    pub possibly_duplicated: u64,
    /// Faults injected, by target and action.
    pub faults: BTreeMap<String, u64>,
    /// Executions still running when their patience ran out, with what they did last.
    pub stuck: Vec<Stuck>,
    /// Seconds from the first event to the last execution's end.
    pub seconds: f64,
}

impl Report {
    /// The report as `make soak` prints it.
    pub fn print(&self) {
        println!(
            "objects: {} uploaded, {} verified ({} started by elbship replay, {} finished by --retry-failed)",
            self.objects, self.verified, self.replayed, self.retried
        );
        println!(
            "lines: {} in the objects, {} lost, {} stored twice, {} events counted possibly duplicated",
            self.lines, self.lost, self.twice, self.possibly_duplicated
        );
        let faults: Vec<String> = self.faults.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("faults applied: {}", faults.join(", "));
        println!(
            "time: {:.0} s, {:.1} objects per second",
            self.seconds,
            self.objects as f64 / self.seconds.max(0.001)
        );
        for stuck in &self.stuck {
            println!("stuck: {} still running; its last steps: {}", stuck.arn, stuck.last_steps.join("; "));
        }
    }
}

/// The load balancers of the fleet, in turn, one per kind of log: the kind, the load balancer's type in a log
/// group's name, and the lines (Classic objects are plain text; the others gzip).
const LOAD_BALANCERS: [(&str, &str, Lines); 5] = [
    ("alb_access", "app", Lines::Alb),
    ("nlb_access", "net", Lines::Nlb),
    ("clb_access", "classic", Lines::Classic),
    ("alb_connection", "app", Lines::AlbConnection),
    ("alb_health_check", "app", Lines::AlbHealthCheck),
];

/// Kinds of fault [`fault`] draws from.
const FAULT_KINDS: u64 = 12;

/// The kill, the last of them.
const KILL: u64 = FAULT_KINDS - 1;

/// The faults drawn from, as router rules: what the fault suite tests one at a time.
fn fault(pick: u64) -> Value {
    match pick % FAULT_KINDS {
        0 => json!({"target": "logs", "action": "throttle", "seconds": 5, "ratio": 0.6}),
        1 => json!({"target": "logs", "action": "status", "status": 500, "seconds": 3}),
        2 => json!({"target": "logs", "action": "lost", "count": 2}),
        3 => json!({"target": "logs", "action": "drop", "count": 1}),
        4 => json!({"target": "s3", "action": "reset", "count": 2}),
        5 => json!({"target": "s3", "action": "slowdown", "count": 3}),
        6 => json!({"target": "dynamodb", "action": "throttle", "seconds": 3, "ratio": 0.5}),
        7 => json!({"target": "dynamodb", "action": "lost", "count": 2}),
        8 => json!({"target": "states", "action": "throttle", "count": 6}),
        9 => json!({"target": "lambda", "action": "throttle", "count": 2}),
        10 => json!({"target": "dynamodb", "action": "status", "status": 500, "seconds": 2}),
        _ => json!({"target": "logs", "action": "kill", "count": 1}),
    }
}

/// A small deterministic generator (xorshift): the same run draws the same faults.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// The execution that ships `o` first, by the route its size takes.
fn first_arn(stack: &Stack, o: &ObjectRef) -> String {
    match stack.routes.express.as_deref().filter(|_| o.size <= stack.routes.express_max_bytes) {
        Some(express) => stack.arn_on(express, o),
        None => stack.standard_arn(o),
    }
}

/// Where following an object got to.
enum Followed {
    /// Its first execution never started within the patience given.
    NotStarted,
    /// Its last execution ended.
    Ended(crate::Finished),
    /// An execution of it was still running when the patience ran out.
    Stuck(Stuck),
}

/// Follows `o` from its first execution to its last (a hand-over leads to the Standard one), waiting up to
/// `patience` for it to start and up to `soak.patience` for each execution to end.
async fn follow(stack: &Stack, o: &ObjectRef, patience: Duration, running: Duration) -> Followed {
    let arn = first_arn(stack, o);
    let until = Instant::now() + patience;
    while stack.observer.describe_execution().execution_arn(&arn).send().await.is_err() {
        if Instant::now() > until {
            return Followed::NotStarted;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let mut arn = arn;
    loop {
        match stack.wait_up_to(&arn, running).await {
            Err(stuck) => return Followed::Stuck(stuck),
            Ok(f) => {
                let out = f.output.clone().unwrap_or_default();
                match out["outcome"].as_str() {
                    Some("escalated") => arn = out["execution_arn"].as_str().unwrap_or_default().to_string(),
                    _ => return Followed::Ended(f),
                }
            }
        }
    }
}

fn verified(f: &crate::Finished) -> Option<u64> {
    let out = f.output.as_ref()?;
    (f.status == "SUCCEEDED" && out["outcome"].as_str().is_none_or(|o| o == "verified"))
        .then(|| out["ledger"]["possibly_duplicated"].as_u64().unwrap_or(0))
}

/// Runs the soak on the local stack.
pub async fn run(stack: Arc<Stack>, soak: Soak) -> Report {
    let now = now_ms();
    let run = unique("soak");
    let mut report = Report { objects: soak.objects, ..Report::default() };
    // Node n's i-th object ends 5 minutes after its (i-1)-th; the day ends 10 minutes ago.
    let per_node = soak.objects.div_ceil(soak.nodes);
    let mut uploads = Vec::with_capacity(soak.objects);
    let mut want: HashMap<String, Vec<Stored>> = HashMap::new();
    for i in 0..soak.objects {
        let (node, nth) = (i % soak.nodes, i / soak.nodes);
        let nth_lb = node % soak.load_balancers;
        let lb = format!("{run}-{nth_lb}");
        let end = now - 10 * 60_000 - (per_node - nth) as i64 * 5 * 60_000 / per_node.max(1) as i64;
        let size = if i % soak.large_every == soak.large_every - 1 { 4_000_000 } else { 60_000 };
        let (kind, lb_type, lines) = LOAD_BALANCERS[nth_lb % LOAD_BALANCERS.len()];
        let text = lines.log(i as u64, end - 5 * 60_000, size);
        let bytes = if lines == Lines::Classic { text } else { gzip(&text) };
        let k = key(kind, &lb, end, &format!("n{node}i{nth}"));
        want.entry(format!("/elbship/123456789012/us-east-1/{lb_type}/{lb}")).or_default().extend(events(&k, &bytes));
        uploads.push((k, bytes));
    }
    report.lines = want.values().map(Vec::len).sum();
    let objects = put_all(&stack, uploads).await;

    let t0 = Instant::now();
    let injecting = Arc::new(AtomicBool::new(true));
    let faults = {
        let injecting = injecting.clone();
        tokio::spawn(async move {
            // Every kind once, in turn, then at random.
            let mut draw = Draw(0x9e37_79b9_7f4a_7c15);
            let (mut k, mut last_kill) = (0u64, None::<Instant>);
            while injecting.load(Ordering::SeqCst) {
                let mut pick = if k < FAULT_KINDS { k } else { draw.next() };
                k += 1;
                if pick % FAULT_KINDS == KILL {
                    match last_kill {
                        Some(at) if at.elapsed() < soak.kill_every => pick = draw.next() % KILL,
                        _ => last_kill = Some(Instant::now()),
                    }
                }
                set_faults(json!([fault(pick)]));
                tokio::time::sleep(soak.fault_every).await;
            }
        })
    };
    let admitted = Arc::new(tokio::sync::Semaphore::new(soak.in_flight));
    let mut followers = tokio::task::JoinSet::new();
    for (i, o) in objects.iter().cloned().enumerate() {
        let Ok(permit) = admitted.clone().acquire_owned().await else { break };
        invoke_async("elbship-start", &object_created(&o));
        if i % soak.duplicate_every == 0 {
            invoke_async("elbship-start", &object_created(&o));
        }
        let stack = stack.clone();
        followers.spawn(async move {
            let f = follow(&stack, &o, Duration::from_secs(90), soak.patience).await;
            drop(permit);
            (o, f)
        });
    }
    let mut unfinished = Vec::new();
    while let Some(done) = followers.join_next().await {
        let Ok((o, f)) = done else { continue };
        match f {
            Followed::Ended(f) if verified(&f).is_some() => {
                report.verified += 1;
                report.possibly_duplicated += verified(&f).unwrap_or(0);
            }
            Followed::Ended(_) => unfinished.push((o, true)),
            Followed::NotStarted => unfinished.push((o, false)),
            Followed::Stuck(stuck) => report.stuck.push(stuck),
        }
    }
    injecting.store(false, Ordering::SeqCst);
    let _ = faults.await;
    let applied = set_faults(json!([]));
    for r in applied["rules"].as_array().cloned().unwrap_or_default() {
        let name = format!("{}:{}", r["target"].as_str().unwrap_or(""), r["action"].as_str().unwrap_or(""));
        *report.faults.entry(name).or_default() += r["applied"].as_u64().unwrap_or(0);
    }
    router("DELETE", "/_elbship/faults", &json!({}));

    // What never started waits in the on-failure queue; what failed is finished, as the runbooks say.
    if unfinished.iter().any(|(_, started)| !started) {
        let queue = std::env::var("ELBSHIP_ON_FAILURE_QUEUE_URL").unwrap_or_default();
        let (_, out) = run_cli(&["replay", &queue]);
        report.replayed = out.lines().filter(|l| l.starts_with("started ")).count();
    }
    for (o, started) in unfinished {
        let mut f = match started {
            true => None,
            false => match follow(&stack, &o, Duration::from_secs(30), soak.patience).await {
                Followed::Ended(f) => Some(f),
                Followed::Stuck(stuck) => {
                    report.stuck.push(stuck);
                    continue;
                }
                Followed::NotStarted => None,
            },
        };
        if f.as_ref().and_then(verified).is_none() {
            let url = format!("s3://{}/{}", o.bucket, o.key);
            let _ = run_cli(&["ship", &url, "--retry-failed", "--wait", "--timeout", "600"]);
            report.retried += 1;
            // The retry is `{name}-r1` after a failed Standard execution, or the object's first Standard one.
            let standard = stack.standard_arn(&o);
            for arn in [format!("{standard}-r1"), standard] {
                if stack.observer.describe_execution().execution_arn(&arn).send().await.is_ok() {
                    match stack.wait_up_to(&arn, soak.patience).await {
                        Ok(done) => f = Some(done),
                        Err(stuck) => report.stuck.push(stuck),
                    }
                    break;
                }
            }
        }
        if let Some(dup) = f.as_ref().and_then(verified) {
            report.verified += 1;
            report.possibly_duplicated += dup;
        }
    }
    report.seconds = t0.elapsed().as_secs_f64();

    for (group, mut expected) in want {
        expected.sort();
        let stored = stack.group_events(&group).await;
        let mut counts: HashMap<&Stored, i64> = HashMap::new();
        for e in &expected {
            *counts.entry(e).or_default() += 1;
        }
        for e in &stored {
            *counts.entry(e).or_default() -= 1;
        }
        report.lost += counts.values().filter(|&&n| n > 0).map(|&n| n as usize).sum::<usize>();
        report.twice += counts.values().filter(|&&n| n < 0).map(|&n| (-n) as usize).sum::<usize>();
    }
    report
}
