//! elbship's thin AWS adapters: reading objects and byte ranges from S3 (always conditional on the ETag),
//! sending batches to CloudWatch Logs and reading back what it refused, checkpoints in DynamoDB, starting Step Functions executions
//! idempotently, the functions' typed configuration, and the errors Step Functions matches by name.
//! The logic they carry out lives in `elbship-core`; these modules only move bytes.
#![deny(missing_docs)]

pub mod checkpoints;
pub mod clients;
pub mod config;
pub mod error;
pub mod fault;
pub mod logs;
pub mod metrics;
pub mod s3;
pub mod sfn;
