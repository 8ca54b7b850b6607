//! The error table of `docs/errors.md`, rendered from the error catalog ([`CATALOG`]) and, for how often each
//! name is retried, from the state machine definitions in `statemachine/` as CDK deploys them.

use elbship_aws::error::{Origin, CATALOG};
use serde_json::Value;

const DEFINITIONS: [&str; 3] = [
    "statemachine/elbship.asl.json",
    "statemachine/elbship-express.asl.json",
    "statemachine/elbship-backfill.asl.json",
];

/// A Task state of a definition: its file, its path (`/Ship/ShipSpan`) and the state.
pub struct Task {
    /// The definition file.
    pub file: &'static str,
    /// The state's path through the nested Map processors and Parallel branches.
    pub path: String,
    /// The state.
    pub state: Value,
}

impl Task {
    /// The state's name.
    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or_default()
    }

    /// The names its Retry matches.
    pub fn retried(&self) -> impl Iterator<Item = &str> {
        let retriers = self.state["Retry"].as_array().into_iter().flatten();
        retriers.flat_map(|r| r["ErrorEquals"].as_array().into_iter().flatten()).filter_map(Value::as_str)
    }

    /// Whether it invokes an elbship function (a substituted `FunctionName`).
    pub fn invokes_elbship(&self) -> bool {
        self.state["Resource"] == "arn:aws:states:::lambda:invoke"
            && self.state["Parameters"]["FunctionName"].as_str().is_some_and(|f| f.starts_with("${"))
    }
}

fn collect(file: &'static str, states: &Value, path: &str, out: &mut Vec<Task>) {
    let Some(states) = states.as_object() else { return };
    for (name, state) in states {
        let here = format!("{path}/{name}");
        if state["Type"] == "Task" {
            out.push(Task { file, path: here.clone(), state: state.clone() });
        }
        for processor in [&state["ItemProcessor"], &state["Iterator"]] {
            collect(file, &processor["States"], &here, out);
        }
        for branch in state["Branches"].as_array().into_iter().flatten() {
            collect(file, &branch["States"], &here, out);
        }
    }
}

/// Every Task state of the definitions CDK deploys, in file order.
pub fn tasks() -> Vec<Task> {
    let mut out = Vec::new();
    for file in DEFINITIONS {
        let text = std::fs::read_to_string(crate::root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        collect(file, &doc["States"], "", &mut out);
    }
    out
}

/// How each Task retries `name`: "`Plan` 3× from 2 s", ...
fn retries_of(name: &str, tasks: &[Task]) -> Vec<String> {
    tasks
        .iter()
        .filter_map(|task| {
            let r = task.state["Retry"].as_array()?.iter().find(|r| {
                r["ErrorEquals"].as_array().is_some_and(|names| names.iter().any(|n| n.as_str() == Some(name)))
            })?;
            Some(format!("`{}` {}× from {} s", task.name(), r["MaxAttempts"], r["IntervalSeconds"]))
        })
        .collect()
}

/// The table, as Markdown.
pub fn error_table() -> String {
    let tasks = tasks();
    let mut out = String::from("| name | raised by | retried | meaning |\n|---|---|---|---|\n");
    for row in &CATALOG {
        let names: Vec<String> = row.names.iter().map(|n| format!("`{n}`")).collect();
        let retried = if row.retried {
            let how = retries_of(row.names[0], &tasks);
            format!("yes (doubling, full jitter): {}", how.join(", "))
        } else {
            "no".to_string()
        };
        let by = match row.origin {
            Origin::Elbship => row.raised_by.to_string(),
            Origin::Lambda | Origin::StepFunctions => format!("{} (not elbship's code)", row.raised_by),
        };
        out.push_str(&format!("| {} | {by} | {retried} | {} |\n", names.join(", "), row.meaning));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use elbship_aws::error::ElbshipError;
    use std::collections::BTreeSet;

    /// The error contract between the functions and the state machines: every name the catalog calls retried
    /// (elbship's transient failures and Lambda's kills: every function resumes from its claims and checkpoints)
    /// is retried by every Task that invokes an elbship function, and no Task retries a name that is not, so no
    /// transient failure fails a run for want of a Retry (a backfill batch once failed its Map Run on a throttled
    /// StartExecution this way).
    #[test]
    fn every_retried_name_is_retried_by_every_task_that_invokes_an_elbship_function() {
        let known: BTreeSet<&str> = ElbshipError::names().collect();
        let retryable: BTreeSet<&str> = ElbshipError::retried_names().collect();
        let mut checked = Vec::new();
        for task in tasks().iter().filter(|t| t.invokes_elbship()) {
            let (file, path) = (task.file, &task.path);
            checked.push(path.clone());
            let retried: BTreeSet<&str> = task.retried().collect();
            for name in &retryable {
                assert!(retried.contains(name), "{file} {path}: {name} is retryable but not retried");
            }
            for name in &retried {
                let ours = known.contains(name) && !name.contains('.');
                let aws = name.contains('.');
                assert!(ours || aws, "{file} {path}: retries {name}, which nothing raises");
                assert!(!ours || retryable.contains(name), "{file} {path}: retries {name}, which is not retryable");
            }
        }
        assert_eq!(
            checked,
            [
                "/Plan",
                "/Ship/ShipSpan",
                "/Verify",
                "/CountFailure",
                "/ShipObject",
                "/CountFailure",
                "/ShipObjects/ShipBatch",
                "/ShipInventory/ShipInventoryBatch",
                "/Summarize"
            ],
            "every Task that invokes an elbship function"
        );
    }

    #[test]
    fn the_table_says_how_each_task_retries_each_retried_row() {
        let tasks = tasks();
        for row in CATALOG.iter().filter(|r| r.retried) {
            assert_eq!(retries_of(row.names[0], &tasks).len(), 9, "{:?}", row.names);
        }
        assert!(error_table().contains("`Plan` 3× from 2 s"));
    }
}
