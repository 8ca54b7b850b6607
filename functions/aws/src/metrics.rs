//! Printing the core's EMF documents ([`elbship_core::accounting::metrics`]) where a function ends an object: one line on
//! standard output, which Lambda sends to the function's log group and CloudWatch turns into metrics.

use elbship_core::accounting::metrics::{object_failed, object_refused, object_verified};
use elbship_core::accounting::verify::Verified;
use elbship_core::formats::key::{classify_key, parse_file_name, KeyClass};
use elbship_core::orchestration::destination::Refusal;
use elbship_core::orchestration::job::ObjectRef;
use std::time::{SystemTime, UNIX_EPOCH};

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Prints the metrics of a verified object.
pub fn verified(v: &Verified) {
    if let KeyClass::Log(log) = classify_key(&v.object.key) {
        println!("{}", object_verified(v, &log, now_ms()));
    }
}

/// Prints the metrics of an object whose execution failed with `error`, whatever it is: its state machine's
/// `CountFailure` state calls this once, after every retry, so no failed object goes uncounted and no retried
/// attempt is counted.
pub fn failed(object: &ObjectRef, error: &str) {
    if let KeyClass::Log(log) = classify_key(&object.key) {
        let f = &log.file;
        println!("{}", object_failed(&f.account, &f.region, &f.lb_name, f.kind.name(), error, now_ms()));
    }
}

/// Prints the metrics of an object written nowhere, with the dimensions its file name claims.
pub fn refused(object: &ObjectRef, refusal: &Refusal) {
    let file = parse_file_name(object.key.rsplit('/').next().unwrap_or_default());
    let (account, region, lb_name, kind) = match &file {
        Ok(f) => (f.account.as_str(), f.region.as_str(), f.lb_name.as_str(), f.kind.name()),
        Err(_) => ("-", "-", "-", "-"),
    };
    println!("{}", object_refused(account, region, lb_name, kind, refusal.name(), now_ms()));
}
