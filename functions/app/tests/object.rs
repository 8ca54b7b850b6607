//! The object function with the real SDK (aws-smithy-mocks) and the in-memory checkpoint store: a small object is
//! read once, shipped and verified in one call; a second execution for the same object (a duplicated event) ships
//! nothing; an object that cannot be finished here is handed to the Standard state machine.

use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
use aws_sdk_cloudwatchlogs::operation::put_log_events::{PutLogEventsError, PutLogEventsOutput};
use aws_sdk_cloudwatchlogs::types::error::InvalidParameterException;
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_sfn::operation::start_execution::StartExecutionOutput;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use elbship_app::context::Invocation;
use elbship_app::object::{handle, ObjectDeps};
use elbship_app::plan::PlanDeps;
use elbship_app::ship::ShipDeps;
use elbship_app::verify::VerifyDeps;
use elbship_aws::checkpoints::memory::MemoryCheckpoints;
use elbship_aws::config::Config;
use elbship_aws::logs::{LogSink, LogSinks, NewGroups, SendPolicy};
use elbship_aws::s3::Objects;
use elbship_core::orchestration::job::{ObjectRef, PlanInput, ShipOptions};
use elbship_core::orchestration::route::{ObjectInput, ObjectOutcome};
use std::time::Duration;

const KEY: &str = "AWSLogs/123456789012/elasticloadbalancing/us-east-1/2015/05/13/123456789012_elasticloadbalancing_us-east-1_my-lb_20150513T2340Z_10.0.0.1_abc.log";
const NOW: i64 = 1_431_560_383_945 + 60_000;
const SM: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:elbship";

fn text() -> Vec<u8> {
    include_bytes!("../../core/fixtures/clb_access.log").to_vec()
}

fn input(execution: &str) -> ObjectInput {
    let object = ObjectRef { bucket: "b".into(), key: KEY.into(), size: text().len() as u64, etag: "e".into() };
    ObjectInput { input: PlanInput { object, options: ShipOptions::default() }, execution: execution.into() }
}

struct Mocks {
    get: Rule,
    put: Rule,
    start: Rule,
    describe: Rule,
}

fn mocks(put: Rule) -> Mocks {
    let get = mock!(aws_sdk_s3::Client::get_object)
        .then_output(|| GetObjectOutput::builder().body(ByteStream::from(text())).build());
    let start = mock!(aws_sdk_sfn::Client::start_execution).then_output(|| {
        StartExecutionOutput::builder()
            .execution_arn(format!("{SM}:standard"))
            .start_date(aws_smithy_types::DateTime::from_secs(0))
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    });
    let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups)
        .then_output(|| DescribeLogGroupsOutput::builder().build());
    Mocks { get, put, start, describe }
}

fn deps(m: &Mocks, checkpoints: &MemoryCheckpoints) -> ObjectDeps<MemoryCheckpoints> {
    let s3 = Objects::holding_small(mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&m.get]), 1 << 20);
    let account = |var: &str| (var == "ELBSHIP_ACCOUNT").then(|| "123456789012".to_string());
    let config = Config::from_lookup(account).unwrap_or_else(|e| panic!("{e}"));
    let logs = LogSinks::home(
        config.destinations.home.clone(),
        LogSink::new(
            mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&m.put, &m.describe]),
            NewGroups::default(),
        ),
    );
    let send = SendPolicy {
        initial_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(2),
        attempt_timeout: Duration::from_secs(5),
        read_back: elbship_aws::logs::ReadBackPolicy { settle: Duration::from_millis(20) },
    };
    ObjectDeps {
        ship: ShipDeps { objects: s3.clone(), logs: logs.clone(), checkpoints: checkpoints.clone(), send },
        verify: VerifyDeps { objects: s3.clone(), checkpoints: checkpoints.clone() },
        sfn: mock_client!(aws_sdk_sfn, [&m.start]),
        standard_arn: SM.into(),
        plan: PlanDeps { objects: s3, logs, config, checkpoints: checkpoints.clone(), lease: None },
    }
}

fn invocation() -> Invocation {
    Invocation::within("worker", Duration::from_secs(30))
}

fn accepted() -> Rule {
    mock!(aws_sdk_cloudwatchlogs::Client::put_log_events).then_output(|| PutLogEventsOutput::builder().build())
}

#[tokio::test]
async fn a_small_object_is_read_once_shipped_and_verified_in_one_call() {
    let m = mocks(accepted());
    let out = handle(input("exec-1"), &deps(&m, &MemoryCheckpoints::default()), &invocation(), NOW).await;
    let Ok(ObjectOutcome::Verified(v)) = out else { panic!("{out:?}") };
    assert_eq!((v.ledger.lines_read, v.ledger.lines_delivered), (4, 4));
    assert_eq!((m.get.num_calls(), m.put.num_calls(), m.start.num_calls()), (1, 1, 0));
    assert_eq!(m.describe.num_calls(), 0, "a fresh file needs no retention: no control-plane call");
}

#[tokio::test]
async fn a_second_execution_for_the_same_object_ships_nothing() {
    let m = mocks(accepted());
    let checkpoints = MemoryCheckpoints::default();
    let d = deps(&m, &checkpoints);
    assert!(matches!(handle(input("exec-1"), &d, &invocation(), NOW).await, Ok(ObjectOutcome::Verified(_))));
    let again = handle(input("exec-2"), &d, &invocation(), NOW + 1_000).await;
    assert_eq!(again.ok(), Some(ObjectOutcome::Duplicate { holder: "exec-1".into() }));
    // The first execution's own retry holds the lease and finds every batch acknowledged.
    let retry = handle(input("exec-1"), &d, &invocation(), NOW + 2_000).await;
    assert!(matches!(retry, Ok(ObjectOutcome::Verified(ref v)) if v.ledger.lines_delivered == 4), "{retry:?}");
    assert_eq!(m.put.num_calls(), 1, "nothing sent twice");
}

#[tokio::test]
async fn an_object_that_cannot_be_finished_here_is_handed_to_the_standard_state_machine() {
    let refused = mock!(aws_sdk_cloudwatchlogs::Client::put_log_events).then_error(|| {
        PutLogEventsError::InvalidParameterException(InvalidParameterException::builder().message("no").build())
    });
    let m = mocks(refused);
    let out = handle(input("exec-1"), &deps(&m, &MemoryCheckpoints::default()), &invocation(), NOW).await;
    let Ok(ObjectOutcome::Escalated { execution_arn, error, .. }) = out else { panic!("{out:?}") };
    assert_eq!((execution_arn.as_str(), error.as_str()), (format!("{SM}:standard").as_str(), "LogsRefused"));
    assert_eq!(m.start.num_calls(), 1);
}

#[tokio::test]
async fn an_object_of_an_account_not_allowed_is_written_nowhere_and_fails_by_name_without_a_hand_over() {
    let m = mocks(accepted());
    let mut other = input("exec-1");
    other.input.object.key = KEY.replace("123456789012", "210987654321");
    let out = handle(other, &deps(&m, &MemoryCheckpoints::default()), &invocation(), NOW).await;
    assert_eq!(out.err().map(|e| e.name()), Some("AccountNotAllowed"));
    assert_eq!((m.get.num_calls(), m.put.num_calls(), m.start.num_calls()), (0, 0, 0), "not read, sent or handed over");
}

mod backfill {
    //! A batch of the backfill's Distributed Map and its summary, through the same mocks.
    use super::*;
    use elbship_app::object::backfill::{ship_batch, summarize, SummarizeInput};
    use elbship_aws::error::ElbshipError;
    use elbship_core::orchestration::backfill::batch::{Batch, BatchInput, ListedObject, Summary};
    use elbship_core::orchestration::backfill::Filter;

    fn batch(items: Vec<ListedObject>) -> Batch {
        let input = BatchInput {
            bucket: "b".into(),
            prefix: String::new(),
            filter: Filter::default(),
            options: ShipOptions::default(),
            backfill: "backfill-1".into(),
        };
        Batch { items, input }
    }

    fn listed(key: &str, size: u64) -> ListedObject {
        ListedObject { bucket: None, key: key.into(), size, etag: "\"e\"".into() }
    }

    #[tokio::test]
    async fn each_object_is_shipped_started_or_skipped_by_its_key_and_size() {
        let m = mocks(accepted());
        let d = deps(&m, &MemoryCheckpoints::default());
        let large = KEY.replace("_abc.log", "_big.log");
        let items = vec![listed(KEY, text().len() as u64), listed("index.html", 5), listed(&large, 64 << 20)];
        let s = ship_batch(batch(items), &d, &invocation(), NOW, 4 << 20).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((s.objects, s.verified, s.standard, s.skipped.not_a_log, s.failed), (3, 1, 1, 1, 0));
        assert_eq!(s.ledger.lines_delivered, 4);
        assert_eq!((m.get.num_calls(), m.put.num_calls(), m.start.num_calls()), (1, 1, 1));
        // The same batch again (a second backfill while the first holds the lease): nothing sent twice.
        let mut second = batch(vec![listed(KEY, 10)]);
        second.input.backfill = "backfill-2".into();
        let again = ship_batch(second, &d, &invocation(), NOW + 1_000, 4 << 20).await;
        assert_eq!(again.map(|s| s.duplicate).ok(), Some(1));
        assert_eq!(m.put.num_calls(), 1);
    }

    #[tokio::test]
    async fn an_inventory_row_without_etag_or_size_is_headed_and_shipped_as_its_own_event_would() {
        let m = mocks(accepted());
        let head = mock!(aws_sdk_s3::Client::head_object).then_output(|| {
            aws_sdk_s3::operation::head_object::HeadObjectOutput::builder()
                .e_tag("\"e\"")
                .content_length(text().len() as i64)
                .build()
        });
        let s3 = Objects::holding_small(mock_client!(aws_sdk_s3, RuleMode::MatchAny, [&m.get, &head]), 1 << 20);
        let checkpoints = MemoryCheckpoints::default();
        let mut d = deps(&m, &checkpoints);
        d.ship.objects = s3.clone();
        d.plan.objects = s3.clone();
        d.verify.objects = s3;
        let row = ListedObject { bucket: Some("b".into()), key: KEY.into(), size: 0, etag: String::new() };
        let s = ship_batch(batch(vec![row]), &d, &invocation(), NOW, 4 << 20).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((s.objects, s.verified), (1, 1));
        assert_eq!(head.num_calls(), 1);
        // The claim is the object's own version's: its S3 event (ETag "e") finds it shipped.
        let again = handle(input("event-exec"), &d, &invocation(), NOW + 1_000).await;
        assert!(matches!(again, Ok(ObjectOutcome::Duplicate { .. })), "{again:?}");
        assert_eq!(m.put.num_calls(), 1);
    }

    #[tokio::test]
    async fn near_its_deadline_a_batch_starts_its_small_objects_as_standard_executions() {
        let m = mocks(accepted());
        let d = deps(&m, &MemoryCheckpoints::default());
        let soon = Invocation::within("w", Duration::from_secs(5));
        let s = ship_batch(batch(vec![listed(KEY, 10)]), &d, &soon, NOW, 4 << 20).await;
        assert_eq!(s.map(|s| (s.standard, s.failed)).ok(), Some((1, 0)));
        assert_eq!((m.get.num_calls(), m.start.num_calls()), (0, 1), "not read here: started");
    }

    fn results(files: &'static [(&'static str, String)]) -> Objects {
        let rules: Vec<Rule> = files
            .iter()
            .map(|(key, body)| {
                mock!(aws_sdk_s3::Client::get_object).match_requests(move |r| r.key() == Some(key)).then_output(
                    move || GetObjectOutput::builder().body(ByteStream::from(body.clone().into_bytes())).build(),
                )
            })
            .collect();
        let refs: Vec<&Rule> = rules.iter().collect();
        Objects::new(mock_client!(aws_sdk_s3, RuleMode::MatchAny, refs.as_slice()))
    }

    /// A succeeded child's line as AWS writes it with `Transformation` `NONE`: the execution's record.
    fn record(s: &Summary) -> String {
        serde_json::json!({"ExecutionArn": "arn:aws:states:us-east-1:1:execution:b/x:1", "Status": "SUCCEEDED",
            "Input": "{}", "Output": serde_json::to_string(s).unwrap_or_default()})
        .to_string()
    }

    /// A succeeded child's line with `COMPACT`: its output itself.
    fn compact(s: &Summary) -> String {
        serde_json::to_string(s).unwrap_or_default()
    }

    fn jsonl(lines: &[String]) -> String {
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    #[tokio::test]
    async fn the_summary_merges_the_result_files_and_fails_with_the_failures_named() {
        let ok = Summary { objects: 2, verified: 2, ..Summary::default() };
        let mut bad = Summary { objects: 1, ..Summary::default() };
        bad.fail(elbship_core::orchestration::backfill::batch::Failure {
            key: "k".into(),
            error: "NotGzip".into(),
            cause: "c".into(),
            execution_arn: None,
        });
        let manifest = serde_json::json!({"ResultFiles": {"SUCCEEDED": [{"Key": "r/SUCCEEDED_0.json"}, {"Key": "r/SUCCEEDED_1.json"}], "FAILED": []}});
        let files: &'static [(&'static str, String)] = Box::leak(Box::new([
            ("r/manifest.json", manifest.to_string()),
            ("r/SUCCEEDED_0.json", jsonl(&[compact(&ok), String::new(), record(&ok)])),
            ("r/SUCCEEDED_1.json", jsonl(&[compact(&bad)])),
        ]));
        let at = SummarizeInput { bucket: "staging".into(), key: "r/manifest.json".into() };
        let out = summarize(&at, &results(files)).await;
        let Err(ElbshipError::BackfillIncomplete(text)) = out else { panic!("{out:?}") };
        let s: Summary = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((s.objects, s.verified, s.failed), (5, 4, 1));
        assert_eq!(s.failures[0].error, "NotGzip");
        let only_ok: &'static [(&'static str, String)] = Box::leak(Box::new([
            (
                "r/manifest.json",
                serde_json::json!({"ResultFiles": {"SUCCEEDED": [{"Key": "r/SUCCEEDED_0.json"}]}}).to_string(),
            ),
            ("r/SUCCEEDED_0.json", jsonl(&[compact(&ok)])),
        ]));
        assert_eq!(summarize(&at, &results(only_ok)).await.ok(), Some(ok));
    }

    #[tokio::test]
    async fn a_result_file_that_is_a_json_array_is_refused_by_name() {
        let ok = Summary { objects: 2, verified: 2, ..Summary::default() };
        let files: &'static [(&'static str, String)] = Box::leak(Box::new([
            (
                "r/manifest.json",
                serde_json::json!({"ResultFiles": {"SUCCEEDED": [{"Key": "r/SUCCEEDED_0.json"}]}}).to_string(),
            ),
            ("r/SUCCEEDED_0.json", format!("[{}]", record(&ok))),
        ]));
        let at = SummarizeInput { bucket: "staging".into(), key: "r/manifest.json".into() };
        let out = summarize(&at, &results(files)).await;
        assert!(matches!(out, Err(ElbshipError::BadInput(ref m)) if m.contains("JSONL")), "{out:?}");
    }

    /// A million objects in batches of 25: 40,000 children, their results in two files of 20,000 lines, as
    /// ResultWriter splits them. Each line is a real batch summary with failures listed.
    #[tokio::test]
    async fn the_summary_of_a_40000_batch_backfill_streams_its_result_files() {
        let mut batch = Summary { objects: 25, verified: 24, ..Summary::default() };
        batch.ledger.lines_read = 24 * 1_000;
        batch.ledger.lines_delivered = 24 * 1_000;
        batch.fail(elbship_core::orchestration::backfill::batch::Failure {
            key: "AWSLogs/1/elasticloadbalancing/us-east-1/2026/11/01/x.log.gz".into(),
            error: "GzipCorrupt".into(),
            cause: "c".repeat(400),
            execution_arn: Some("arn:aws:states:us-east-1:1:execution:elbship:x".into()),
        });
        let line = compact(&batch);
        let half: String = (0..20_000).map(|_| format!("{line}\n")).collect();
        let manifest = serde_json::json!({"ResultFiles": {"SUCCEEDED": [{"Key": "r/SUCCEEDED_0.json"}, {"Key": "r/SUCCEEDED_1.json"}], "FAILED": [], "PENDING": []}});
        let files: &'static [(&'static str, String)] = Box::leak(Box::new([
            ("r/manifest.json", manifest.to_string()),
            ("r/SUCCEEDED_0.json", half.clone()),
            ("r/SUCCEEDED_1.json", half),
        ]));
        let at = SummarizeInput { bucket: "staging".into(), key: "r/manifest.json".into() };
        let out = summarize(&at, &results(files)).await;
        let Err(ElbshipError::BackfillIncomplete(text)) = out else { panic!("{out:?}") };
        let s: Summary = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((s.objects, s.verified, s.failed), (1_000_000, 960_000, 40_000));
        assert_eq!(s.ledger.lines_delivered, 960_000_000);
        assert!(s.failures.len() <= elbship_core::orchestration::backfill::batch::FAILURES_LISTED);
        assert!(text.len() < 32_768, "the cause Step Functions keeps: {} characters", text.len());
    }
}
