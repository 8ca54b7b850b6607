//! The pure heart of elbship: what an ELB log object is, what its lines say, how they become CloudWatch Logs
//! events and batches within every PutLogEvents limit, how every line is accounted for, and how one object is
//! cut into spans that workers decode independently. No AWS I/O lives here.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod accounting;
pub mod batching;
pub mod formats;
pub mod orchestration;
pub mod spans;
#[cfg(any(test, feature = "test-util"))]
pub mod synth;
