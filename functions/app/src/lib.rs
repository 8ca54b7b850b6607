//! elbship's use cases, apart from how Lambda calls them: [`start`] (S3 events to executions), [`plan`] (read an
//! object once, cut its spans), [`ship`] (one span to CloudWatch Logs), [`verify`] (every line accounted for),
//! [`object`] (the Express route's one call per small object, a backfill's batches and its summary), the
//! invocation [`context`] they share (owner, deadline, now) and the [`wiring`] of their dependencies from the
//! configuration. The function crates are their Lambda mains; the tests call these directly.
#![deny(missing_docs)]

pub mod context;
pub mod object;
pub mod plan;
pub mod ship;
pub mod start;
pub mod verify;
pub mod wiring;
