//! What elbship costs, kept apart from the domain: the AWS list prices it is priced at ([`prices`]), a backfill's
//! estimate from its listing's sizes ([`estimate`], `elbship backfill --dry-run`) and a backfill on AWS on paper
//! ([`at_scale`], its speed under the account's quotas and its orchestration's cost). `make bench` and the CLI print
//! them.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod at_scale;
pub mod estimate;
pub mod prices;
