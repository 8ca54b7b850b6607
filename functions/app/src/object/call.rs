//! What the object function is called for, by the `call` tag each state machine sets in its Task's `Parameters`
//! (`statemachine/`): an object of the Express route, a batch of a backfill's Distributed Map, or the backfill's
//! summary. An untagged or unknown call is `BadInput`, named.

use super::backfill::SummarizeInput;
use elbship_aws::error::ElbshipError;
use elbship_core::orchestration::backfill::batch::Batch;
use elbship_core::orchestration::job::FailedExecution;
use elbship_core::orchestration::route::ObjectInput;
use serde::Deserialize;

/// One call of the object function.
#[derive(Debug, Deserialize)]
#[serde(tag = "call", rename_all = "snake_case")]
pub enum Call {
    /// `{"call": "object", "input": ..., "execution": ...}`: the Express state machine's one state.
    Object(ObjectInput),
    /// `{"call": "batch", "Items": [...], "BatchInput": ...}`: a batch of the backfill's Distributed Map.
    Batch(Batch),
    /// `{"call": "summarize", "summarize": {"Bucket", "Key"}}`: the backfill's summary of its result files.
    Summarize {
        /// Where the Map Run's manifest is.
        summarize: SummarizeInput,
    },
    /// `{"call": "failed", "object", "error"}`: the Express execution failed (even its hand-over did), from its
    /// `CountFailure` state: the object is counted in its metrics.
    Failed(FailedExecution),
}

impl Call {
    /// Reads a call from the function's payload.
    pub fn read(payload: serde_json::Value) -> Result<Call, ElbshipError> {
        crate::context::read_call(payload, "object")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_state_machine_s_call_reads_as_its_own() {
        let object = json!({"call": "object", "execution": "arn:x",
            "input": {"bucket": "b", "key": "k", "size": 1, "etag": "e"}});
        assert!(matches!(Call::read(object), Ok(Call::Object(o)) if o.execution == "arn:x"));
        let batch = json!({"call": "batch", "Items": [{"Key": "k", "Size": 1, "Etag": "\"e\""}],
            "BatchInput": {"bucket": "b", "prefix": "p/", "filter": {}, "options": {}, "backfill": "arn:y"}});
        let read = Call::read(batch);
        assert!(matches!(&read, Ok(Call::Batch(b)) if b.items.len() == 1), "{read:?}");
        let summary = json!({"call": "summarize", "summarize": {"Bucket": "s", "Key": "m.json"}});
        assert!(matches!(Call::read(summary), Ok(Call::Summarize { summarize }) if summarize.key == "m.json"));
    }

    #[test]
    fn an_untagged_or_unknown_call_is_bad_input_by_name() {
        for payload in [json!({"Items": []}), json!({"call": "rewind"}), json!("object")] {
            let e = Call::read(payload).err().map(|e| (e.name(), e.to_string()));
            assert!(matches!(&e, Some(("BadInput", m)) if m.contains("object function call")), "{e:?}");
        }
    }
}
