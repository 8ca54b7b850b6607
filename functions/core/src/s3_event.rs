//! The S3 "Object Created" events that start elbship: EventBridge events (plain keys) and classic S3 event
//! notifications (several records, URL-encoded keys). Both become [`ObjectRef`]s with plain keys.
//!
//! ```
//! use elbship_core::s3_event::objects_in_event;
//! let event = serde_json::json!({"Records": [{"s3": {"bucket": {"name": "b"},
//!     "object": {"key": "red+flower.jpg", "size": 3, "eTag": "e"}}}]});
//! let objects = objects_in_event(&event).unwrap();
//! assert_eq!(objects[0].key, "red flower.jpg");
//! ```

use crate::job::ObjectRef;
use crate::key::decode_notification_key;
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

/// The objects an event names, keys decoded.
pub fn objects_in_event(event: &Value) -> Result<Vec<ObjectRef>, EventError> {
    if let Some(records) = event.get("Records").and_then(Value::as_array) {
        return records
            .iter()
            .map(|r| {
                let raw = text(r, &["s3", "object", "key"])?;
                let key = decode_notification_key(&raw)
                    .ok_or_else(|| EventError(format!("key {raw:?} does not URL-decode")))?;
                Ok(ObjectRef {
                    bucket: text(r, &["s3", "bucket", "name"])?,
                    key,
                    size: size(r, &["s3", "object", "size"]),
                    etag: text(r, &["s3", "object", "eTag"])?,
                })
            })
            .collect();
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

    #[test]
    fn other_events_are_named() {
        assert!(objects_in_event(&json!({"hello": 1})).is_err());
        assert!(objects_in_event(&json!({"detail": {"bucket": {}}})).is_err());
        assert!(objects_in_event(&json!({"Records": [{"s3": {}}]})).is_err());
    }
}
