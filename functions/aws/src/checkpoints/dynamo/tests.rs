//! Tests of [`super`] through the real SDK with aws-smithy-mocks: what items are read back as, the first claim
//! winning, fencing, and failures by name.

use super::*;
use aws_sdk_dynamodb::operation::update_item::{UpdateItemError, UpdateItemOutput};
use aws_sdk_dynamodb::types::error::ConditionalCheckFailedException;
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use elbship_core::accounting::checkpoint::BATCHING_FORMAT;
use elbship_core::batching::event_builder::MessageMode;
use elbship_core::batching::policy::OldEventPolicy;

fn claim() -> Claim {
    Claim {
        now_ms: 1_700_000_000_000,
        mode: MessageMode::Json,
        policy: OldEventPolicy::Restamp,
        span_bytes: 1 << 20,
        retention_days: 30,
        format: BATCHING_FORMAT,
    }
}

fn stored_claim() -> Item {
    HashMap::from([
        ("pk".to_string(), s("o")),
        ("now_ms".to_string(), n(5)),
        ("mode".to_string(), s("raw")),
        ("policy".to_string(), s("reject")),
        ("span_bytes".to_string(), n(64)),
        ("retention_days".to_string(), n(0)),
        ("format".to_string(), n(BATCHING_FORMAT)),
    ])
}

#[tokio::test]
async fn the_first_claim_wins() {
    let rule = mock!(Client::update_item)
        .match_requests(|r| {
            r.update_expression().is_some_and(|e| e.contains("if_not_exists(#f0, :v0)"))
                && r.expression_attribute_values().and_then(|v| v.get(":v1")) == Some(&s("json"))
        })
        .then_output(|| UpdateItemOutput::builder().set_attributes(Some(stored_claim())).build());
    let store = DynamoCheckpoints::new(mock_client!(aws_sdk_dynamodb, [&rule]), "t");
    let c = store.claim("o", claim(), None).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((c.now_ms, c.mode, c.policy, c.span_bytes), (5, MessageMode::Raw, OldEventPolicy::Reject, 64));
}

#[tokio::test]
async fn a_lease_is_taken_by_the_claim_write_and_a_held_object_names_its_holder() {
    let held = mock!(Client::update_item)
        .match_requests(|r| {
            r.condition_expression() == Some("attribute_not_exists(#lh) OR #lh = :lh OR #lu < :now")
                && r.expression_attribute_values().and_then(|v| v.get(":lh")) == Some(&s("exec-b"))
        })
        .then_error(|| {
            UpdateItemError::ConditionalCheckFailedException(
                ConditionalCheckFailedException::builder()
                    .item("lease_holder", s("exec-a"))
                    .item("lease_until", n(99))
                    .build(),
            )
        });
    let store = DynamoCheckpoints::new(mock_client!(aws_sdk_dynamodb, [&held]), "t");
    let lease = Lease { holder: "exec-b".into(), now_ms: 5, until_ms: 10 };
    let r = store.claim("o", claim(), Some(&lease)).await;
    assert!(matches!(r, Err(ElbshipError::ObjectLeased { ref holder }) if holder == "exec-a"), "{r:?}");
}

#[tokio::test]
async fn a_checkpoint_is_read_back_whole() {
    let item = HashMap::from([
        ("geometry".to_string(), s("g")),
        ("owner".to_string(), s("me")),
        ("sent_below".to_string(), n(6)),
        ("acked".to_string(), AttributeValue::Ns(vec!["0".into(), "1".into(), "3".into()])),
        ("dup".to_string(), AttributeValue::Ns(vec!["3".into()])),
        ("rj".to_string(), AttributeValue::M(HashMap::from([("1".to_string(), s(",2,"))]))),
        ("progress".to_string(), s(r#"{"lines_delivered":7,"batches":3}"#)),
    ]);
    let rule = mock!(Client::update_item)
        .match_requests(|r| r.expression_attribute_values().and_then(|v| v.get(":o")) == Some(&s("me")))
        .sequence()
        .output(move || UpdateItemOutput::builder().set_attributes(Some(item.clone())).build())
        .times(1)
        .build();
    let store = DynamoCheckpoints::new(mock_client!(aws_sdk_dynamodb, [&rule]), "t");
    let taken = store.take_over("o#0", "me", "g", 4).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(taken.sent_below, 6, "an existing span keeps its reservation");
    let cp = taken.prior;
    assert_eq!(cp.acked.iter().copied().collect::<Vec<_>>(), [0, 1, 3]);
    assert_eq!((cp.sent_below, cp.possibly_duplicated.len(), cp.progress.lines_delivered), (6, 1, 7));
    assert_eq!(cp.rejections.get(&1).and_then(|r| r.too_old_end), Some(2));
    assert_eq!(cp.unknown().collect::<Vec<_>>(), [2, 4, 5]);
}

#[tokio::test]
async fn an_attempt_with_other_span_boundaries_is_refused_by_the_write_and_fences_out_no_one() {
    // The geometry is compared in the write's condition: a refused take-over writes nothing (the live owner keeps
    // the span), and the refusal brings back the stored geometry for the error.
    let refused = mock!(Client::update_item)
        .match_requests(|r| {
            r.condition_expression() == Some("attribute_not_exists(geometry) OR geometry = :g")
                && r.return_values_on_condition_check_failure() == Some(&ReturnValuesOnConditionCheckFailure::AllOld)
        })
        .then_error(|| {
            UpdateItemError::ConditionalCheckFailedException(
                aws_sdk_dynamodb::types::error::ConditionalCheckFailedException::builder()
                    .message("The conditional request failed")
                    .set_item(Some(HashMap::from([("geometry".to_string(), s("g")), ("owner".to_string(), s("live"))])))
                    .build(),
            )
        });
    let store = DynamoCheckpoints::new(mock_client!(aws_sdk_dynamodb, [&refused]), "t");
    let e = store.take_over("o#0", "newer", "other geometry", 4).await.err();
    assert_eq!(e.as_ref().map(|e| e.name()), Some("CheckpointMismatch"));
    assert!(e.is_some_and(|e| e.to_string().contains("other geometry")));
    assert_eq!(refused.num_calls(), 1);
}

#[tokio::test]
async fn a_new_span_is_reserved_by_the_write_that_takes_it_over() {
    let rule = mock!(Client::update_item)
        .match_requests(|r| {
            r.update_expression().is_some_and(|e| e.contains("sent_below = if_not_exists(sent_below, :r)"))
                && r.expression_attribute_values().and_then(|v| v.get(":r")) == Some(&n(4))
                && r.return_values() == Some(&ReturnValue::AllOld)
        })
        .then_output(|| UpdateItemOutput::builder().build());
    let store = DynamoCheckpoints::new(mock_client!(aws_sdk_dynamodb, [&rule]), "t");
    let taken = store.take_over("o#0", "me", "g", 4).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((taken.sent_below, taken.prior), (4, SpanCheckpoint::default()));
}

#[tokio::test]
async fn a_fenced_out_attempt_still_records_its_acknowledgement() {
    let fenced = mock!(Client::update_item).match_requests(|r| r.condition_expression().is_some()).then_error(|| {
        UpdateItemError::ConditionalCheckFailedException(ConditionalCheckFailedException::builder().build())
    });
    let unconditional = mock!(Client::update_item)
        .match_requests(|r| {
            r.condition_expression().is_none() && r.update_expression() == Some("ADD acked :k, dup :k SET rj.#seq = :r")
        })
        .then_output(|| UpdateItemOutput::builder().build());
    let store =
        DynamoCheckpoints::new(mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&fenced, &unconditional]), "t");
    let ack = Ack {
        seq: 4,
        rejections: Rejections { too_new_start: Some(1), ..Rejections::default() },
        possibly_duplicated: true,
    };
    let e = store.ack("o#0", "old", ack, &Ledger::default()).await.err();
    assert_eq!(e.map(|e| e.name()), Some("SpanTakenOver"));
    assert_eq!((fenced.num_calls(), unconditional.num_calls()), (1, 1));
}

#[tokio::test]
async fn throttling_is_retryable_and_a_missing_table_is_not() {
    let throttled = mock!(Client::update_item).sequence().http_status(400, Some(
        r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"slow down"}"#.to_string(),
    )).times(10).build();
    let store = DynamoCheckpoints::new(mock_client!(aws_sdk_dynamodb, [&throttled]), "t");
    let e = store.reserve("o#0", "me", 3).await.err();
    assert_eq!(e.as_ref().map(|e| e.name()), Some("CheckpointUnavailable"), "{e:?}");

    let missing = mock!(Client::update_item)
        .sequence()
        .http_status(
            400,
            Some(
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"no table"}"#
                    .to_string(),
            ),
        )
        .build();
    let store = DynamoCheckpoints::new(mock_client!(aws_sdk_dynamodb, [&missing]), "t");
    assert_eq!(store.reserve("o#0", "me", 3).await.err().map(|e| e.name()), Some("CheckpointRefused"));
}
