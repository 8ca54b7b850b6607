//! The S3 "Object Created" events that start elbship: EventBridge events (plain keys) and classic S3 event
//! notifications (several records, URL-encoded keys), delivered straight, through SQS (the notification in each
//! message's `body`), through SNS (in `Sns.Message`), or through SNS then SQS (an SNS envelope in the body). All
//! become [`ObjectRef`]s with plain keys. The `s3:TestEvent` a notification configuration sends first names no
//! object. Fields elbship does not know (S3's `eventVersion` 2.5 system tags, ...) are ignored. A Lambda
//! destination record (what an asynchronous invoke that failed all its retries leaves in the on-failure queue)
//! carries the event it was given in `requestPayload`.
//!
//! ```
//! use elbship_core::formats::s3_event::objects_in_event;
//! let event = serde_json::json!({"Records": [{"s3": {"bucket": {"name": "b"},
//!     "object": {"key": "red+flower.jpg", "size": 3, "eTag": "e"}}}]});
//! let objects = objects_in_event(&event).unwrap();
//! assert_eq!(objects[0].key, "red flower.jpg");
//! ```

use crate::formats::key::decode_notification_key;
use crate::orchestration::job::ObjectRef;
use serde_json::Value;

/// An event that is neither shape, or lacks a field.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not an S3 Object Created event: {0}")]
pub struct EventError(pub String);

fn field<'a>(v: &'a Value, path: &[&str]) -> Result<&'a Value, EventError> {
    path.iter().try_fold(v, |v, p| v.get(p)).ok_or_else(|| EventError(format!("missing {}", path.join("."))))
}

fn text(v: &Value, path: &[&str]) -> Result<String, EventError> {
    field(v, path)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| EventError(format!("{} is not a string", path.join("."))))
}

fn size(v: &Value, path: &[&str]) -> u64 {
    // Delete markers and some test events carry no size: the plan reads the object's real size anyway.
    field(v, path).ok().and_then(Value::as_u64).unwrap_or(0)
}

/// Envelopes are at most this deep (SNS in SQS in a Lambda event is 2).
const MAX_ENVELOPES: usize = 3;

/// The objects an event names, keys decoded; none for an S3 test event.
pub fn objects_in_event(event: &Value) -> Result<Vec<ObjectRef>, EventError> {
    objects_within(event, 0)
}

/// Whether an event is S3's `s3:TestEvent`.
pub fn is_test_event(event: &Value) -> bool {
    event.get("Event").and_then(Value::as_str) == Some("s3:TestEvent")
}

/// A JSON document carried as a string (an SQS body, an SNS message).
fn inner(v: &Value, path: &[&str], depth: usize) -> Result<Vec<ObjectRef>, EventError> {
    let text = text(v, path)?;
    let doc: Value =
        serde_json::from_str(&text).map_err(|e| EventError(format!("{} is not JSON: {e}", path.join("."))))?;
    objects_within(&doc, depth + 1)
}

fn objects_within(event: &Value, depth: usize) -> Result<Vec<ObjectRef>, EventError> {
    if depth > MAX_ENVELOPES {
        return Err(EventError("envelopes nested too deep".into()));
    }
    if is_test_event(event) {
        return Ok(Vec::new());
    }
    // A Lambda destination record: the event the failed invoke was given.
    if let (Some(payload), Some(_)) = (event.get("requestPayload"), event.get("requestContext")) {
        return objects_within(payload, depth + 1);
    }
    // An SNS envelope, as SQS receives it from a topic without raw message delivery.
    if event.get("Type").and_then(Value::as_str) == Some("Notification") {
        return inner(event, &["Message"], depth);
    }
    if let Some(records) = event.get("Records").and_then(Value::as_array) {
        let mut out = Vec::new();
        for r in records {
            let source = r.get("eventSource").or_else(|| r.get("EventSource")).and_then(Value::as_str);
            match source {
                Some("aws:sqs") => out.extend(inner(r, &["body"], depth)?),
                Some("aws:sns") => out.extend(inner(r, &["Sns", "Message"], depth)?),
                _ => out.push(notification_record(r)?),
            }
        }
        return Ok(out);
    }
    if event.get("detail").is_some() {
        return Ok(vec![ObjectRef {
            bucket: text(event, &["detail", "bucket", "name"])?,
            key: text(event, &["detail", "object", "key"])?,
            size: size(event, &["detail", "object", "size"]),
            etag: text(event, &["detail", "object", "etag"])?,
        }]);
    }
    Err(EventError("neither Records nor detail".into()))
}

fn notification_record(r: &Value) -> Result<ObjectRef, EventError> {
    let raw = text(r, &["s3", "object", "key"])?;
    let key = decode_notification_key(&raw).ok_or_else(|| EventError(format!("key {raw:?} does not URL-decode")))?;
    Ok(ObjectRef {
        bucket: text(r, &["s3", "bucket", "name"])?,
        key,
        size: size(r, &["s3", "object", "size"]),
        etag: text(r, &["s3", "object", "eTag"])?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn eventbridge_object_created() {
        let e = json!({
            "version": "0", "detail-type": "Object Created", "source": "aws.s3",
            "detail": {"version": "0", "bucket": {"name": "logs"},
                "object": {"key": "a b/AWSLogs/x.log.gz", "size": 10, "etag": "abc", "sequencer": "1"},
                "reason": "PutObject"}
        });
        let o = objects_in_event(&e);
        assert_eq!(
            o,
            Ok(vec![ObjectRef {
                bucket: "logs".into(),
                key: "a b/AWSLogs/x.log.gz".into(),
                size: 10,
                etag: "abc".into()
            }])
        );
    }

    #[test]
    fn notification_records_are_decoded() {
        let e = json!({"Records": [
            {"s3": {"bucket": {"name": "b"}, "object": {"key": "p%2Fq+r.log", "size": 1, "eTag": "e1"}}},
            {"s3": {"bucket": {"name": "b"}, "object": {"key": "s.log", "eTag": "e2"}}}
        ]});
        let o = objects_in_event(&e).unwrap_or_default();
        assert_eq!(o.iter().map(|o| o.key.as_str()).collect::<Vec<_>>(), ["p/q r.log", "s.log"]);
        assert_eq!(o[1].size, 0);
    }

    fn notification() -> Value {
        // S3's 2026 shape: eventVersion 2.5 and system tags elbship does not know.
        json!({"Records": [{"eventVersion": "2.5", "eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
            "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": "b", "arn": "arn:aws:s3:::b"},
                   "object": {"key": "AWSLogs/x+y.log", "size": 5, "eTag": "e", "sequencer": "0A"},
                   "systemTags": [{"key": "aws:s3:storage-class", "value": "STANDARD"}]}}]})
    }

    fn keys(event: &Value) -> Vec<String> {
        objects_in_event(event).unwrap_or_else(|e| panic!("{e}")).into_iter().map(|o| o.key).collect()
    }

    #[test]
    fn notifications_of_2026_with_unknown_fields_still_start() {
        assert_eq!(keys(&notification()), ["AWSLogs/x y.log"]);
    }

    #[test]
    fn notifications_through_sqs_sns_and_both_start_the_same_objects() {
        let n = notification().to_string();
        let sqs = json!({"Records": [{"eventSource": "aws:sqs", "messageId": "m1", "body": n},
                                     {"eventSource": "aws:sqs", "messageId": "m2", "body": n}]});
        assert_eq!(keys(&sqs), ["AWSLogs/x y.log", "AWSLogs/x y.log"]);
        let sns = json!({"Records": [{"EventSource": "aws:sns", "Sns": {"Type": "Notification", "Message": n}}]});
        assert_eq!(keys(&sns), ["AWSLogs/x y.log"]);
        let envelope = json!({"Type": "Notification", "TopicArn": "arn:aws:sns:us-east-1:1:t", "Message": n});
        let sns_then_sqs = json!({"Records": [{"eventSource": "aws:sqs", "body": envelope.to_string()}]});
        assert_eq!(keys(&sns_then_sqs), ["AWSLogs/x y.log"]);
        let bad = json!({"Records": [{"eventSource": "aws:sqs", "body": "not json"}]});
        assert!(objects_in_event(&bad).is_err());
    }

    #[test]
    fn the_s3_test_event_names_no_object_however_it_arrives() {
        let test = json!({"Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-11-27T10:00:00Z",
                          "Bucket": "b", "RequestId": "r", "HostId": "h"});
        assert!(is_test_event(&test));
        assert_eq!(keys(&test), Vec::<String>::new());
        let sqs = json!({"Records": [{"eventSource": "aws:sqs", "body": test.to_string()}]});
        assert_eq!(keys(&sqs), Vec::<String>::new());
    }

    #[test]
    fn other_events_are_named() {
        assert!(objects_in_event(&json!({"hello": 1})).is_err());
        assert!(objects_in_event(&json!({"detail": {"bucket": {}}})).is_err());
        assert!(objects_in_event(&json!({"Records": [{"s3": {}}]})).is_err());
    }

    #[test]
    fn a_lambda_destination_record_carries_its_event() {
        let event = json!({"version": "0", "detail-type": "Object Created", "source": "aws.s3",
            "detail": {"bucket": {"name": "b"}, "object": {"key": "k", "size": 1, "etag": "e"}}});
        let record = json!({"version": "1.0", "timestamp": "2026-12-02T08:00:00.000Z",
            "requestContext": {"requestId": "r", "functionArn": "arn:aws:lambda:us-east-1:1:function:start:$LATEST",
                               "condition": "RetriesExhausted", "approximateInvokeCount": 3},
            "requestPayload": event.clone(),
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": {"errorType": "StepFunctionsUnavailable", "errorMessage": "throttled"}});
        assert_eq!(objects_in_event(&record), objects_in_event(&event));
        assert_eq!(objects_in_event(&record).map(|o| o.len()), Ok(1));
        let broken = json!({"requestContext": {}, "requestPayload": {"nothing": 1}});
        assert!(objects_in_event(&broken).is_err());
    }
}
