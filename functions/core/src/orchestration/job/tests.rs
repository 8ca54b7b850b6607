//! Tests of [`super`]: coarsening keeps the cover, and the largest state fits the Step Functions limit.

use super::*;
use crate::batching::event_builder::MessageMode;
use crate::batching::limits::MAX_STATE_PAYLOAD_BYTES;
use crate::batching::policy::{OldEventPolicy, TimeWindow};
use crate::spans::plain::plan_plain;

fn job() -> Job {
    Job {
        object: ObjectRef {
            bucket: "b".repeat(63),
            key: "k".repeat(1024),
            size: u64::MAX,
            etag: "\"0123456789abcdef0123456789abcdef-10000\"".into(),
        },
        kind: LogKind::AlbAccess,
        log_group: "g".repeat(512),
        log_stream: "s".repeat(512),
        events: EventOptions {
            kind: LogKind::AlbAccess,
            mode: MessageMode::Json,
            policy: OldEventPolicy::Restamp,
            window: TimeWindow { now_ms: i64::MAX, retention_days: Some(3653) },
            fallback_ms: i64::MAX,
        },
        index: Some(S3Location { bucket: "b".repeat(63), key: "k".repeat(1024) }),
        send_concurrency: 64,
        destination: Default::default(),
    }
}

#[test]
fn coarsened_plans_still_cover_the_object() {
    let text: Vec<u8> = (0..5000).flat_map(|i| format!("line {i}\n").into_bytes()).collect();
    let plan = plan_plain(&text[..], 7).unwrap_or_else(|e| panic!("{e}"));
    assert!(plan.spans.len() > 1000);
    for max in [1, 3, 200, 999, 100_000] {
        let (c, firsts) = coarsen(plan.clone(), max);
        assert!(c.spans.len() <= max);
        assert_eq!(c.check_cover(), Ok(()));
        assert_eq!(firsts.len(), c.spans.len());
        for (s, &f) in c.spans.iter().zip(&firsts) {
            assert_eq!(s.read_start, plan.spans[f].read_start);
        }
    }
    assert_eq!(coarsen(plan.clone(), 100_000).0, plan);
}

#[test]
fn the_largest_state_fits_in_256_kib() {
    let span = Span {
        index: u32::MAX,
        read_start: u64::MAX,
        read_end: u64::MAX,
        owned_start: u64::MAX,
        owned_end: u64::MAX,
        first_line: u64::MAX,
        lines: u64::MAX,
    };
    let max = |_| u64::MAX;
    let mut ledger = Ledger {
        lines_read: max(0),
        bytes_read: max(0),
        lines_delivered: max(0),
        events_delivered: max(0),
        message_bytes_delivered: max(0),
        batches: max(0),
        ..Ledger::default()
    };
    ledger.rejected =
        crate::accounting::ledger::Rejected { blank: max(0), too_old: max(0), expired: max(0), too_new: max(0) };
    ledger.adjusted = crate::accounting::ledger::Adjusted {
        timestamp_fallback: max(0),
        invalid_utf8: max(0),
        split_oversize: max(0),
        restamped: max(0),
    };
    let result =
        ShipOutput { span: u32::MAX, ledger, times: TimeRange { first_ms: Some(i64::MIN), last_ms: Some(i64::MIN) } };
    let summary = PlanSummary { lines: 0, object_bytes: 0, uncompressed_bytes: 0, span_count: 0, map_concurrency: 0 };
    let state = VerifyInput {
        job: job(),
        spans: vec![span; MAX_SPANS],
        summary,
        results: vec![SpanResult::Shipped(result); MAX_SPANS],
    };
    let bytes = serde_json::to_vec(&state).map(|v| v.len()).unwrap_or(usize::MAX);
    assert!(bytes < MAX_STATE_PAYLOAD_BYTES, "{bytes} bytes");
}
