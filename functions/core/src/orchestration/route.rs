//! Which state machine an object takes, and the Express route's input and outcome.
//!
//! An object small enough (by the size its event gives) takes the Express state machine: one call of the object
//! function plans, ships and verifies it, for about a fifth of what a Standard execution's state transitions
//! cost. Everything else, and every object the Express route cannot finish, takes the Standard state machine,
//! whose Map ships spans in parallel and whose executions can be retried for as long as it takes.
//!
//! ```
//! use elbship_core::orchestration::route::{route, Route};
//! assert_eq!(route(120_000, 4 << 20, true), Route::Express);
//! assert_eq!(route(0, 4 << 20, true), Route::Standard, "an event without a size");
//! assert_eq!(route(120_000, 4 << 20, false), Route::Standard, "no Express state machine configured");
//! ```

use crate::accounting::verify::Verified;
use crate::orchestration::job::PlanInput;
use serde::{Deserialize, Serialize};

/// How long the object function holds an object for its execution: longer than an Express execution can run
/// (5 minutes), so that a hold only runs out when its execution is over.
pub const LEASE_MS: i64 = 6 * 60_000;

/// The state machine an object takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// One Express execution, one function call.
    Express,
    /// One Standard execution: plan, a Map of ship workers, verify.
    Standard,
}

/// The route of an object of `size` bytes (0 when its event did not say).
pub fn route(size: u64, express_max_bytes: u64, express_available: bool) -> Route {
    if express_available && size > 0 && size <= express_max_bytes {
        Route::Express
    } else {
        Route::Standard
    }
}

/// The Express state machine's input to the object function: the object, its options, and the execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectInput {
    /// The object and options: the execution's input, as the Standard state machine takes it.
    pub input: PlanInput,
    /// The Express execution (`$$.Execution.Id`): the holder of the object's lease.
    pub execution: String,
}

/// What the object function did with its object: the Express execution's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum ObjectOutcome {
    /// Shipped and verified: every line delivered or counted.
    Verified(Box<Verified>),
    /// Another execution holds the object (a duplicated event): this one shipped nothing.
    Duplicate {
        /// The execution that holds it.
        holder: String,
    },
    /// Could not be finished here: handed to the Standard state machine, whose execution finishes it.
    Escalated {
        /// The Standard execution.
        execution_arn: String,
        /// The error that stopped this one.
        error: String,
        /// Its message.
        cause: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orchestration::job::{ObjectRef, ShipOptions};

    #[test]
    fn only_known_small_sizes_go_express() {
        assert_eq!(route(4 << 20, 4 << 20, true), Route::Express);
        assert_eq!(route((4 << 20) + 1, 4 << 20, true), Route::Standard);
    }

    #[test]
    fn the_input_is_the_standard_input_with_the_execution() {
        let input = ObjectInput {
            input: PlanInput {
                object: ObjectRef { bucket: "b".into(), key: "k".into(), size: 3, etag: "e".into() },
                options: ShipOptions::default(),
            },
            execution: "arn:x".into(),
        };
        let v = serde_json::to_value(&input).unwrap_or_default();
        let object = serde_json::json!({"bucket": "b", "key": "k", "size": 3, "etag": "e"});
        assert_eq!(v, serde_json::json!({"input": object, "execution": "arn:x"}));
        assert_eq!(serde_json::from_value::<ObjectInput>(v).ok(), Some(input));
        let d = serde_json::to_value(ObjectOutcome::Duplicate { holder: "h".into() }).unwrap_or_default();
        assert_eq!(d, serde_json::json!({"outcome": "duplicate", "holder": "h"}));
    }
}
