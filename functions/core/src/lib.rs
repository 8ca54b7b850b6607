//! The pure heart of elbship: what an ELB log object is, what its lines say, how they become CloudWatch Logs
//! events and batches within every PutLogEvents limit, how every line is accounted for, and how one object is
//! cut into spans that workers decode independently. No AWS I/O lives here.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod backfill;
pub mod batch;
pub mod checkpoint;
pub mod event;
pub mod event_builder;
pub mod fields;
pub mod job;
pub mod key;
pub mod kind;
pub mod ledger;
pub mod limits;
pub mod message;
pub mod metrics;
pub mod naming;
pub mod pipeline;
pub mod policy;
pub mod record;
pub mod route;
pub mod s3_event;
pub mod size;
pub mod spans;
#[cfg(any(test, feature = "test-util"))]
pub mod synth;
pub mod timestamp;
pub mod verify;
