//! What the state machines carry and decide: the jobs and their inputs and outputs, the route an object takes, where its lines go (and whether they may), the names of executions, groups and streams, and backfills.

pub mod backfill;
pub mod destination;
pub mod job;
pub mod naming;
pub mod route;
