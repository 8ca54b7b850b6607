//! The failed children of a backfill's Map Run, as Step Functions keeps them: each is a Standard child execution
//! whose input is its batch, so the command can name the objects a failed batch held and the error that failed it.
//! (The local stand-in runs children inline and lists none; the redrive command is printed either way.)

use anyhow::{Context, Result};
use aws_sdk_sfn::types::ExecutionStatus;
use elbship_core::orchestration::backfill::batch::Batch;

/// Failed children read at most: enough to see what went wrong, never a scan of a million.
pub const FAILED_CHILDREN_READ: i32 = 10;

/// One failed batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedChild {
    /// The child execution's name.
    pub name: String,
    /// Its error name.
    pub error: String,
    /// Its cause.
    pub cause: String,
    /// The keys of the objects its batch held.
    pub keys: Vec<String>,
}

/// The first [`FAILED_CHILDREN_READ`] failed children of `map_run_arn`.
pub async fn failed_children(sfn: &aws_sdk_sfn::Client, map_run_arn: &str) -> Result<Vec<FailedChild>> {
    let listed = sfn
        .list_executions()
        .map_run_arn(map_run_arn)
        .status_filter(ExecutionStatus::Failed)
        .max_results(FAILED_CHILDREN_READ)
        .send()
        .await
        .context("ListExecutions of the Map Run")?;
    let mut out = Vec::new();
    for child in listed.executions() {
        let d =
            sfn.describe_execution().execution_arn(child.execution_arn()).send().await.context("DescribeExecution")?;
        let keys = d
            .input()
            .and_then(|i| serde_json::from_str::<Batch>(i).ok())
            .map(|b| b.items.into_iter().map(|o| o.key).collect())
            .unwrap_or_default();
        out.push(FailedChild {
            name: child.name().to_string(),
            error: d.error().unwrap_or("-").to_string(),
            cause: d.cause().unwrap_or("").to_string(),
            keys,
        });
    }
    Ok(out)
}

/// A failed batch as the command prints it.
pub fn describe(c: &FailedChild) -> String {
    let shown: Vec<&str> = c.keys.iter().take(5).map(String::as_str).collect();
    let more = c.keys.len().saturating_sub(shown.len());
    let more = if more > 0 { format!(" and {more} more") } else { String::new() };
    format!("FAILED batch {}: {}: {} (objects: {}{more})", c.name, c.error, c.cause, shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput;
    use aws_sdk_sfn::operation::list_executions::ListExecutionsOutput;
    use aws_sdk_sfn::types::ExecutionListItem;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use aws_smithy_types::DateTime;

    #[tokio::test]
    async fn a_failed_batch_is_named_with_its_error_and_its_objects() {
        let list = mock!(aws_sdk_sfn::Client::list_executions)
            .match_requests(|r| {
                r.map_run_arn() == Some("arn:run") && r.status_filter() == Some(&ExecutionStatus::Failed)
            })
            .then_output(|| {
                let child = ExecutionListItem::builder()
                    .execution_arn("arn:child")
                    .state_machine_arn("arn:sm")
                    .name("child-1")
                    .status(ExecutionStatus::Failed)
                    .start_date(DateTime::from_secs(0))
                    .build()
                    .unwrap_or_else(|e| panic!("{e}"));
                ListExecutionsOutput::builder().executions(child).build().unwrap_or_else(|e| panic!("{e}"))
            });
        let input = serde_json::json!({
            "Items": (0..7).map(|i| serde_json::json!({"Key": format!("k{i}"), "Size": 1, "Etag": "e"})).collect::<Vec<_>>(),
            "BatchInput": {"bucket": "b", "backfill": "arn:x"}
        });
        let described = mock!(aws_sdk_sfn::Client::describe_execution).then_output(move || {
            DescribeExecutionOutput::builder()
                .execution_arn("arn:child")
                .state_machine_arn("arn:sm")
                .status(ExecutionStatus::Failed)
                .start_date(DateTime::from_secs(0))
                .input(input.to_string())
                .error("Lambda.TooManyRequestsException")
                .cause("Rate Exceeded.")
                .build()
                .unwrap_or_else(|e| panic!("{e}"))
        });
        let sfn = mock_client!(aws_sdk_sfn, RuleMode::MatchAny, [&list, &described]);
        let failed = failed_children(&sfn, "arn:run").await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].keys.len(), 7);
        assert_eq!(
            describe(&failed[0]),
            "FAILED batch child-1: Lambda.TooManyRequestsException: Rate Exceeded. (objects: k0, k1, k2, k3, k4 and 2 more)"
        );
    }
}
