//! What the end-to-end tests share: a connection to the local stack (`make local-up`), objects put into its
//! log bucket, executions started as the S3 event would start them and followed to their end, CloudWatch Logs
//! read back, and the events the core says a file must become.

use aws_sdk_cloudwatchlogs::Client as Logs;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client as S3;
use aws_sdk_sfn::Client as Sfn;
use elbship_aws::clients;
use elbship_aws::sfn::{start_object, StartOutcome};
use elbship_core::accounting::ledger::Ledger;
use elbship_core::batching::event_builder::{EventBuilder, EventOptions, MessageMode};
use elbship_core::batching::pipeline::{batch_span, SpanOutput};
use elbship_core::batching::policy::{OldEventPolicy, TimeWindow};
use elbship_core::formats::key::parse_file_name;
use elbship_core::formats::kind::{Compression, LogKind};
use elbship_core::formats::timestamp::format_ms;
use elbship_core::orchestration::destination::{Destination, Destinations};
use elbship_core::orchestration::job::{ObjectRef, ShipOptions};
use elbship_core::spans::{plan_object, span_source};
use std::convert::Infallible;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub mod independent;
pub mod soak;
pub use independent::{events, object_lines};

/// An event as CloudWatch Logs holds it.
pub type Stored = (i64, String);

/// The local stack, from the environment `make local-up` prints.
pub struct Stack {
    /// S3.
    pub s3: S3,
    /// Step Functions.
    pub sfn: Sfn,
    /// Step Functions on moto itself, past the router: what AWS shows only in an Express state machine's log group
    /// (its executions' ends), which the router refuses to list or describe, as AWS does.
    pub observer: Sfn,
    /// CloudWatch Logs.
    pub logs: Logs,
    /// The log bucket.
    pub bucket: String,
    /// The Standard state machine.
    pub state_machine: String,
    /// Where the start function sends objects (the Standard and Express state machines).
    pub routes: elbship_app::start::Routes,
    /// Whose objects the start function starts: the local stack's account's.
    pub destinations: Destinations,
}

/// The account the local stack runs in (moto's), whose load balancers the tests' keys name.
pub const ACCOUNT: &str = "123456789012";

/// An execution still running when its follower's patience ran out.
#[derive(Debug, Clone)]
pub struct Stuck {
    /// The execution.
    pub arn: String,
    /// Its history's last events, newest first.
    pub last_steps: Vec<String>,
}

/// How an execution ended.
#[derive(Debug, Clone)]
pub struct Finished {
    /// The execution.
    pub arn: String,
    /// SUCCEEDED, FAILED, ...
    pub status: String,
    /// The output (the verified summary).
    pub output: Option<serde_json::Value>,
    /// The error name.
    pub error: Option<String>,
    /// The cause.
    pub cause: Option<String>,
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// A name no earlier run against the same stack used.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{:x}{:x}", std::process::id() % 0xfff, now_ms() % 0xffffff)
}

/// An ELB key of the given kind for load balancer `lb`, ending at `end_ms`.
pub fn key(kind: &str, lb: &str, end_ms: i64, random: &str) -> String {
    let end = format_ms(end_ms);
    let (date, compact) =
        (&end[..10], format!("{}{}{}T{}{}Z", &end[0..4], &end[5..7], &end[8..10], &end[11..13], &end[14..16]));
    let dir = format!("AWSLogs/123456789012/elasticloadbalancing/us-east-1/{}", date.replace('-', "/"));
    let base = "123456789012_elasticloadbalancing_us-east-1";
    let spec = kind.parse::<LogKind>().unwrap_or(LogKind::ClbAccess).spec();
    let lb_part = match spec.lb_type {
        "classic" => lb.to_string(),
        t => format!("{t}.{lb}.50dc6c495c0c9188"),
    };
    let node = if spec.node_ip { "_10.0.0.1" } else { "" };
    let ext = if spec.compression == Compression::Gzip { ".log.gz" } else { ".log" };
    let file = format!("{}{base}_{lb_part}_{compact}{node}_{random}{ext}", spec.file_prefixes[0]);
    format!("prefix.with.dots/{dir}/{file}")
}

/// gzip, one member.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// The events a file must become (timestamp, message), sorted, and the ledger, as the core computes them. Only for
/// the edge cases whose shipped form the core defines (a line split in parts, bytes replaced, a time guessed); every
/// other test compares with [`independent`], which reads the object without elbship's code.
pub fn expected(
    key: &str,
    bytes: &[u8],
    now_ms: i64,
    mode: MessageMode,
    policy: OldEventPolicy,
) -> (Vec<Stored>, Ledger) {
    let name = key.rsplit('/').next().unwrap_or_default();
    let file = parse_file_name(name).unwrap_or_else(|e| panic!("{e}"));
    let compression = file.kind.compression();
    let (plan, index) = plan_object(compression, bytes, u64::MAX).unwrap_or_else(|e| panic!("{e}"));
    let span = &plan.spans[0];
    let point = index.as_ref().map(|i| &i.points[0]);
    let (mut source, start) = span_source(compression, span, point, bytes).unwrap_or_else(|e| panic!("{e}"));
    let opts = EventOptions {
        kind: file.kind,
        mode,
        policy,
        window: TimeWindow { now_ms, retention_days: None },
        fallback_ms: file.end_time_ms,
    };
    let mut out = SpanOutput::default();
    let mut events = Vec::new();
    batch_span(&mut *source, start, span.owned(), &EventBuilder::new(opts), &mut out, |b| {
        out_events(&b, &mut events);
        Ok::<(), Infallible>(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    events.sort();
    (events, out.ledger)
}

fn out_events(b: &elbship_core::batching::batch::Batch, into: &mut Vec<Stored>) {
    into.extend(b.events().map(|e| (e.timestamp, e.message.to_string())));
}

impl Stack {
    /// Connects to the running local stack; panics with what to do when there is none.
    pub async fn connect() -> Stack {
        let need = |v: &str| {
            std::env::var(v).unwrap_or_else(|_| {
                panic!(
                    "{v} is not set: start the local stack (make local-up) and export its environment, or run make e2e"
                )
            })
        };
        need("AWS_ENDPOINT_URL");
        let sdk = clients::load().await;
        Stack {
            s3: clients::s3(&sdk),
            sfn: clients::sfn(&sdk),
            observer: Sfn::from_conf(
                aws_sdk_sfn::config::Builder::from(&sdk).endpoint_url(need("ELBSHIP_LOCAL_OBSERVER_URL")).build(),
            ),
            logs: clients::logs(&sdk),
            bucket: need("ELBSHIP_BUCKET"),
            state_machine: need("ELBSHIP_STATE_MACHINE_ARN"),
            routes: elbship_app::start::Routes {
                standard: need("ELBSHIP_STATE_MACHINE_ARN"),
                express: Some(need("ELBSHIP_EXPRESS_STATE_MACHINE_ARN")),
                express_max_bytes: elbship_core::formats::size::parse_size(&need("ELBSHIP_EXPRESS_MAX_BYTES"))
                    .unwrap_or_else(|e| panic!("ELBSHIP_EXPRESS_MAX_BYTES: {e}")),
            },
            destinations: Destinations {
                home: Destination { account: ACCOUNT.into(), region: String::new() },
                ..Destinations::default()
            },
        }
    }

    /// Puts an object into the log bucket.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> ObjectRef {
        let size = bytes.len() as u64;
        let out = self
            .s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutObject {key}: {e:?}"));
        ObjectRef { bucket: self.bucket.clone(), key: key.into(), size, etag: out.e_tag().unwrap_or_default().into() }
    }

    /// Runs the start function's handler on the EventBridge event S3 sends for the object.
    pub async fn start(&self, o: &ObjectRef) -> Vec<StartOutcome> {
        let event = object_created(o);
        let deps = elbship_app::start::StartDeps {
            sfn: self.sfn.clone(),
            routes: self.routes.clone(),
            destinations: self.destinations.clone(),
        };
        elbship_app::start::handle(&event, &deps).await.unwrap_or_else(|e| panic!("start: {e}"))
    }

    /// The ARN of the object's Standard execution, under the name its event gives it.
    pub fn standard_arn(&self, o: &ObjectRef) -> String {
        self.arn_on(&self.state_machine, o)
    }

    /// The ARN of the object's execution on `state_machine`, under the name its event gives it.
    pub fn arn_on(&self, state_machine: &str, o: &ObjectRef) -> String {
        use elbship_core::formats::key::{classify_key, KeyClass};
        let KeyClass::Log(log) = classify_key(&o.key) else { panic!("{} is not an ELB log key", o.key) };
        let name = elbship_core::orchestration::naming::execution_name(&o.bucket, &o.key, &o.etag, &log);
        elbship_aws::sfn::execution_arn(state_machine, &name)
    }

    /// Waits until the execution `arn` exists (started by something else: an asynchronous invoke, a replay).
    pub async fn wait_started(&self, arn: &str, seconds: u64) {
        for _ in 0..seconds * 2 {
            if self.observer.describe_execution().execution_arn(arn).send().await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("{arn} was not started within {seconds} s");
    }

    /// Starts the object with per-execution options, as `elbship ship --policy ...` does.
    pub async fn start_with(&self, o: &ObjectRef, options: ShipOptions) -> StartOutcome {
        start_object(&self.sfn, &self.state_machine, o, options).await.unwrap_or_else(|e| panic!("start: {e}"))
    }

    /// Starts an Express execution of the object under a name of the caller's: AWS gives a duplicated event a second
    /// Express execution (names are not unique there), which moto, unlike AWS, would fold into the first.
    pub async fn start_express_named(&self, o: &ObjectRef, name: &str) -> String {
        let express = self.routes.express.as_deref().unwrap_or_default();
        let input = serde_json::to_string(&elbship_core::orchestration::job::PlanInput {
            object: o.clone(),
            options: ShipOptions::default(),
        })
        .unwrap_or_default();
        let out = self.sfn.start_execution().state_machine_arn(express).name(name).input(input).send().await;
        out.unwrap_or_else(|e| panic!("StartExecution {name}: {e:?}")).execution_arn().to_string()
    }

    /// Follows an execution to its end; panics, naming its last steps, when it runs past 5 minutes.
    pub async fn wait(&self, arn: &str) -> Finished {
        match self.wait_up_to(arn, Duration::from_secs(300)).await {
            Ok(f) => f,
            Err(stuck) => {
                panic!("{arn} still running after 5 minutes; its last steps: {}", stuck.last_steps.join("; "))
            }
        }
    }

    /// Follows an execution to its end, for up to `patience`; past it, says what the execution did last.
    pub async fn wait_up_to(&self, arn: &str, patience: Duration) -> Result<Finished, Stuck> {
        let until = std::time::Instant::now() + patience;
        while std::time::Instant::now() < until {
            let d =
                self.observer.describe_execution().execution_arn(arn).send().await.unwrap_or_else(|e| panic!("{e:?}"));
            if d.status().as_str() != "RUNNING" {
                return Ok(Finished {
                    arn: arn.to_string(),
                    status: d.status().as_str().to_string(),
                    output: d.output().and_then(|o| serde_json::from_str(o).ok()),
                    error: d.error().map(str::to_string),
                    cause: d.cause().map(str::to_string),
                });
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Err(Stuck { arn: arn.to_string(), last_steps: self.last_steps(arn, 8).await })
    }

    /// The last `n` events of an execution's history, newest first, as `type (+seconds since the first) detail`.
    pub async fn last_steps(&self, arn: &str, n: i32) -> Vec<String> {
        let history = self.observer.get_execution_history().execution_arn(arn).reverse_order(true).max_results(n);
        let Ok(page) = history.send().await else { return vec!["(no history)".into()] };
        // moto returns the whole history whatever `maxResults` says.
        page.events()
            .iter()
            .take(n as usize)
            .map(|e| {
                let detail = e
                    .task_scheduled_event_details()
                    .map(|d| d.resource().to_string())
                    .or_else(|| e.task_failed_event_details().and_then(|d| d.error()).map(str::to_string))
                    .or_else(|| e.state_entered_event_details().map(|d| d.name().to_string()))
                    .unwrap_or_default();
                format!("{} at {} {detail}", e.r#type().as_str(), e.timestamp().secs())
            })
            .collect()
    }

    /// Executions of the state machine whose name starts with `prefix`, over every page.
    pub async fn executions(&self, prefix: &str) -> usize {
        let mut pages = self.sfn.list_executions().state_machine_arn(&self.state_machine).into_paginator().send();
        let mut n = 0;
        while let Some(page) = pages.next().await {
            let page = page.unwrap_or_else(|e| panic!("ListExecutions: {e:?}"));
            n += page.executions().iter().filter(|e| e.name().starts_with(prefix)).count();
        }
        n
    }

    /// Every event of a stream, sorted; empty when the group or stream does not exist (any other error panics).
    pub async fn events(&self, group: &str, stream: &str) -> Vec<Stored> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .logs
                .get_log_events()
                .log_group_name(group)
                .log_stream_name(stream)
                .start_from_head(true)
                .set_next_token(token.clone())
                .send()
                .await;
            let page = match page {
                Ok(page) => page,
                Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => return out,
                Err(e) => panic!("GetLogEvents {group} {stream}: {e:?}"),
            };
            let n = page.events().len();
            out.extend(
                page.events()
                    .iter()
                    .map(|e| (e.timestamp().unwrap_or_default(), e.message().unwrap_or_default().to_string())),
            );
            let next = page.next_forward_token().map(str::to_string);
            if n == 0 || next == token {
                break;
            }
            token = next;
        }
        out.sort();
        out
    }

    /// The group's streams; empty when the group does not exist (any other error panics).
    pub async fn streams(&self, group: &str) -> Vec<String> {
        let mut pages = self.logs.describe_log_streams().log_group_name(group).into_paginator().send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            match page {
                Ok(page) => {
                    out.extend(page.log_streams().iter().filter_map(|s| s.log_stream_name().map(str::to_string)))
                }
                Err(e) if e.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => break,
                Err(e) => panic!("DescribeLogStreams {group}: {e:?}"),
            }
        }
        out
    }

    /// Every event of every stream of a group, sorted: objects whose lines fall on both sides of midnight (UTC)
    /// write two streams (`{kind}/{date}`).
    pub async fn group_events(&self, group: &str) -> Vec<Stored> {
        let mut out = Vec::new();
        for stream in self.streams(group).await {
            out.extend(self.events(group, &stream).await);
        }
        out.sort();
        out
    }
}

/// The execution ARN a start reported.
pub fn arn_of(outcome: &StartOutcome) -> String {
    match outcome {
        StartOutcome::Started { execution_arn, .. } | StartOutcome::AlreadyStarted { execution_arn, .. } => {
            execution_arn.clone()
        }
        StartOutcome::Skipped { key, reason } => panic!("{key} was skipped: {reason}"),
        StartOutcome::Refused { key, reason, .. } => panic!("{key} was refused: {reason}"),
    }
}

/// The `elbship` binary, built next to the test binaries.
pub fn elbship_cli() -> std::process::Command {
    let bin = std::env::current_exe().ok().and_then(|p| p.parent()?.parent().map(|d| d.join("elbship")));
    std::process::Command::new(bin.filter(|b| b.exists()).unwrap_or_else(|| panic!("build the workspace first")))
}

/// Runs `elbship ARGS`: whether it exited 0, and what it printed (stdout, then stderr).
pub fn run_cli(args: &[&str]) -> (bool, String) {
    let out = elbship_cli().args(args).output().unwrap_or_else(|e| panic!("{e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

/// Uploads every `(key, bytes)` to the log bucket, 32 at once; the objects in the order given.
pub async fn put_all(stack: &std::sync::Arc<Stack>, objects: Vec<(String, Vec<u8>)>) -> Vec<ObjectRef> {
    let mut uploads = tokio::task::JoinSet::new();
    let mut out: Vec<(usize, ObjectRef)> = Vec::with_capacity(objects.len());
    for (i, (k, bytes)) in objects.into_iter().enumerate() {
        let stack = stack.clone();
        uploads.spawn(async move { (i, stack.put(&k, bytes).await) });
        if uploads.len() >= 32 {
            out.extend(uploads.join_next().await.and_then(Result::ok));
        }
    }
    while let Some(o) = uploads.join_next().await {
        out.extend(o.ok());
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, o)| o).collect()
}

/// Makes the router enforce AWS's per-API rates (requests per second, burst) for `make scale`: CreateLogGroup and
/// DescribeLogGroups 5, CreateLogStream 50, PutLogEvents 5,000, StartExecution a bucket of 800 refilled at 150.
pub fn enforce_aws_rates() {
    let rates = serde_json::json!({"rates": {
        "logs:CreateLogGroup": [5, 5], "logs:DescribeLogGroups": [5, 5], "logs:CreateLogStream": [50, 50],
        "logs:PutLogEvents": [5000, 5000], "states:StartExecution": [150, 800]}});
    router("POST", "/_elbship/quotas", &rates);
}

/// Drops the router's fault rules whose match contains `matching` (a test's own load balancer).
pub fn clear_faults(matching: &str) -> serde_json::Value {
    router("DELETE", "/_elbship/faults", &serde_json::json!({ "match": matching }))
}

/// Adds fault rules to the local router (see `tests/local/router.py`); returns its report of every rule in force
/// and how often each applied.
pub fn set_faults(rules: serde_json::Value) -> serde_json::Value {
    router("POST", "/_elbship/faults", &serde_json::json!({ "rules": rules }))
}

/// The EventBridge "Object Created" event of an object.
pub fn object_created(o: &ObjectRef) -> serde_json::Value {
    serde_json::json!({
        "version": "0", "detail-type": "Object Created", "source": "aws.s3",
        "detail": {"bucket": {"name": o.bucket}, "object": {"key": o.key, "size": o.size, "etag": o.etag.trim_matches('"')}}
    })
}

/// Invokes `function` asynchronously, as EventBridge invokes the start function (the router's stand-in for
/// Lambda's asynchronous invokes answers 202 and runs it with Lambda's retries); panics unless it was accepted.
pub fn invoke_async(function: &str, payload: &serde_json::Value) {
    use std::io::{Read, Write};
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/').to_string();
    let body = payload.to_string();
    let mut conn = std::net::TcpStream::connect(&host).unwrap_or_else(|e| panic!("router at {host}: {e}"));
    let request = format!(
        "POST /2015-03-31/functions/{function}/invocations HTTP/1.1\r\nHost: {host}\r\nX-Amz-Invocation-Type: Event\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let mut answer = String::new();
    let _ = conn.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 202"), "an asynchronous invoke is accepted with 202: {answer:?}");
}

/// One request to the local router's own endpoints (`/_elbship/...`): its JSON answer.
pub fn router(method: &str, path: &str, body: &serde_json::Value) -> serde_json::Value {
    use std::io::{Read, Write};
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_default();
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/').to_string();
    let body = body.to_string();
    let mut conn = std::net::TcpStream::connect(&host).unwrap_or_else(|e| panic!("router at {host}: {e}"));
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let mut answer = String::new();
    let _ = conn.read_to_string(&mut answer);
    let json = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(json).unwrap_or_else(|e| panic!("router answer {answer:?}: {e}"))
}

/// What CloudWatch Logs holds against what it must hold: every expected event at least once, nothing else, and
/// how many of the object's events it holds more than once. An event stored three times counts once, as
/// `possibly_duplicated` counts it (events whose batch may be stored more than once). Panics naming the first
/// difference.
pub fn duplicated_events(stored: &[Stored], want: &[Stored]) -> u64 {
    use std::collections::HashMap;
    let mut counts: HashMap<&Stored, (u64, u64)> = HashMap::new();
    for e in want {
        counts.entry(e).or_default().1 += 1;
    }
    for e in stored {
        let c = counts
            .get_mut(e)
            .unwrap_or_else(|| panic!("CloudWatch Logs holds an event the object does not have: {e:?}"));
        c.0 += 1;
    }
    let mut duplicated = 0;
    for (e, (held, wanted)) in counts {
        assert!(held >= wanted, "missing from CloudWatch Logs (or fewer copies than the object has): {e:?}");
        duplicated += (held - wanted).min(wanted);
    }
    duplicated
}
