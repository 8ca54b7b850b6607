//! Lines to CloudWatch Logs events and batches: messages within the event limits, the old-event policy, one line's events, PutLogEvents batches within every limit, and one span from bytes to batches.

pub mod batch;
pub mod event;
pub mod event_builder;
pub mod limits;
pub mod message;
pub mod pipeline;
pub mod policy;
