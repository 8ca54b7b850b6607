//! A backfill's summary as an operator reads it: counts, then each failure with the command that finishes it.

use elbship_core::orchestration::backfill::batch::Summary;

/// The summary as an operator reads it: counts, then each failure with the command that finishes it.
pub fn report(summary: &Summary, bucket: &str) -> String {
    let (skipped, l) = (summary.skipped, &summary.ledger);
    let mut out = format!(
        "{} objects: {} verified (shipped now, or before by their own execution: nothing twice), {} held by another \
         execution, {} on their own Standard executions \
         (elbship status), {} failed\n\
         skipped: {} left out by the filter, {} older than 14 days (ship them with --policy restamp), {} not ELB logs, {} refused \
         (KeyMismatch: written nowhere)\n\
         lines: {} read, {} delivered, {} rejected (too_old {}, expired {}, too_new {}, blank {}), {} possibly duplicated\n",
        summary.objects,
        summary.verified,
        summary.duplicate,
        summary.standard,
        summary.failed,
        skipped.filtered,
        skipped.too_old,
        skipped.not_a_log,
        skipped.refused,
        l.lines_read,
        l.lines_delivered,
        l.rejected.total(),
        l.rejected.too_old,
        l.rejected.expired,
        l.rejected.too_new,
        l.rejected.blank,
        l.possibly_duplicated,
    );
    for f in &summary.failures {
        let name = f.execution_arn.as_deref().map(|a| a.rsplit(':').next().unwrap_or(a)).unwrap_or("-");
        out.push_str(&format!(
            "FAILED {}: {} ({}); handed to Standard execution {name}; finish it: elbship ship s3://{bucket}/{} --retry-failed --wait\n",
            f.key, f.error, f.cause, f.key
        ));
    }
    if summary.failed > summary.failures.len() as u64 {
        out.push_str(&format!(
            "... and {} more failures: elbship status lists them\n",
            summary.failed - summary.failures.len() as u64
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use elbship_core::orchestration::route::ObjectOutcome;

    #[test]
    fn counts_first_then_each_failure_with_its_command() {
        let mut s = Summary::default();
        s.record("b", &ObjectOutcome::Duplicate { holder: "h".into() });
        s.record(
            "c",
            &ObjectOutcome::Escalated { execution_arn: "arn:1".into(), error: "NotGzip".into(), cause: "c".into() },
        );
        let report = report(&s, "logs");
        assert!(report.starts_with("2 objects: 0 verified (shipped now"), "{report}");
        assert!(report.contains("FAILED c: NotGzip (c); handed to Standard execution 1; finish it: elbship ship s3://logs/c --retry-failed"), "{report}");
    }
}
