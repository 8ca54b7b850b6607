//! The error table of `docs/errors.md`, rendered from the error catalog ([`CATALOG`]) and, for how often each
//! name is retried, from the state machine definitions in `statemachine/` as CDK deploys them.

use elbship_aws::error::{Origin, CATALOG};
use serde_json::Value;

const DEFINITIONS: [&str; 3] = [
    "statemachine/elbship.asl.json",
    "statemachine/elbship-express.asl.json",
    "statemachine/elbship-backfill.asl.json",
];

/// Every Task state of a definition (nested Map processors included) with the retriers it has.
fn tasks(states: &Value, out: &mut Vec<(String, Vec<Value>)>) {
    let Some(states) = states.as_object() else { return };
    for (name, state) in states {
        if state["Type"] == "Task" {
            out.push((name.clone(), state["Retry"].as_array().cloned().unwrap_or_default()));
        }
        for processor in [&state["ItemProcessor"], &state["Iterator"]] {
            tasks(&processor["States"], out);
        }
    }
}

/// How each Task retries `name`: "`Plan` 3 × from 2 s", ...
fn retries_of(name: &str, tasks: &[(String, Vec<Value>)]) -> Vec<String> {
    tasks
        .iter()
        .filter_map(|(task, retriers)| {
            let r = retriers.iter().find(|r| {
                r["ErrorEquals"].as_array().is_some_and(|names| names.iter().any(|n| n.as_str() == Some(name)))
            })?;
            Some(format!("`{task}` {}× from {} s", r["MaxAttempts"], r["IntervalSeconds"]))
        })
        .collect()
}

fn all_tasks() -> Vec<(String, Vec<Value>)> {
    let mut out = Vec::new();
    for file in DEFINITIONS {
        let text = std::fs::read_to_string(crate::root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let doc: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        tasks(&doc["States"], &mut out);
    }
    out
}

/// The table, as Markdown.
pub fn error_table() -> String {
    let tasks = all_tasks();
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

    #[test]
    fn every_retried_row_is_retried_by_every_task_that_calls_an_elbship_function() {
        let tasks = all_tasks();
        for row in CATALOG.iter().filter(|r| r.retried) {
            assert_eq!(retries_of(row.names[0], &tasks).len(), 9, "{:?}", row.names);
        }
        assert!(error_table().contains("`Plan` 3× from 2 s"));
    }
}
