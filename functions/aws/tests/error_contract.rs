//! The error contract between the functions and the state machines: every name an elbship function fails with is
//! in the docs' error table, and every name the code calls retryable is retried by every Task state (in the
//! `statemachine/` files CDK deploys) that invokes an elbship function, so no transient failure fails a run for want
//! of a Retry (a backfill batch once failed its Map Run on a throttled StartExecution this way).

use elbship_aws::error::ElbshipError;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Every Task state of a definition, nested Map processors and Parallel branches included, with its path.
fn tasks<'a>(states: &'a Value, path: &str, out: &mut Vec<(String, &'a Value)>) {
    let Some(states) = states.as_object() else { return };
    for (name, state) in states {
        let here = format!("{path}/{name}");
        if state["Type"] == "Task" {
            out.push((here.clone(), state));
        }
        for processor in [&state["ItemProcessor"], &state["Iterator"]] {
            tasks(&processor["States"], &here, out);
        }
        if let Some(branches) = state["Branches"].as_array() {
            for b in branches {
                tasks(&b["States"], &here, out);
            }
        }
    }
}

/// What Step Functions reports for an instance that was killed, crashed or timed out.
const LAMBDA_KILLS: [&str; 4] = ["States.Timeout", "Lambda.Unknown", "Sandbox.Timedout", "Runtime.ExitError"];

const DEFINITIONS: [&str; 3] = [
    "statemachine/elbship.asl.json",
    "statemachine/elbship-express.asl.json",
    "statemachine/elbship-backfill.asl.json",
];

#[test]
fn every_retryable_name_is_retried_by_every_task_that_invokes_an_elbship_function() {
    let mut checked = Vec::new();
    for file in DEFINITIONS {
        let doc: Value = serde_json::from_str(&read(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut found = Vec::new();
        tasks(&doc["States"], "", &mut found);
        for (path, task) in found {
            let invokes_ours = task["Resource"] == "arn:aws:states:::lambda:invoke"
                && task["Parameters"]["FunctionName"].as_str().is_some_and(|f| f.starts_with("${"));
            if !invokes_ours {
                continue;
            }
            checked.push(path.clone());
            let retried: BTreeSet<&str> = task["Retry"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|r| r["ErrorEquals"].as_array().into_iter().flatten())
                .filter_map(Value::as_str)
                .collect();
            for name in ElbshipError::RETRYABLE {
                assert!(retried.contains(name), "{file} {path}: {name} is retryable but not retried");
            }
            // A killed, crashed or timed-out instance (out of memory, a lost sandbox): every function resumes
            // from its claims and checkpoints, so every Task retries it.
            for name in LAMBDA_KILLS {
                assert!(retried.contains(name), "{file} {path}: {name} (a killed instance) is not retried");
            }
            for name in &retried {
                let ours = ElbshipError::NAMES.contains(name);
                let aws = name.contains('.');
                assert!(ours || aws, "{file} {path}: retries {name}, which nothing raises");
                assert!(
                    !ours || ElbshipError::RETRYABLE.contains(name),
                    "{file} {path}: retries {name}, which is not retryable"
                );
            }
        }
    }
    assert_eq!(
        checked,
        [
            "/Plan",
            "/Ship/ShipSpan",
            "/Verify",
            "/ShipObject",
            "/ShipObjects/ShipBatch",
            "/ShipInventory/ShipInventoryBatch",
            "/Summarize"
        ],
        "every Task that invokes an elbship function"
    );
}

#[test]
fn every_name_raised_is_in_the_docs_error_table() {
    let readme = read("README.md");
    let table: String = readme
        .split("### Errors, by the name Step Functions sees")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").find(|block| block.trim_start().starts_with('|')))
        .unwrap_or_else(|| panic!("README.md: no error table"))
        .to_string();
    let documented: BTreeSet<&str> = table
        .lines()
        .filter_map(|row| row.split('|').nth(1))
        .flat_map(|cell| cell.split('`').skip(1).step_by(2))
        .collect();
    for name in ElbshipError::NAMES {
        assert!(documented.contains(name), "{name} is raised but not in README.md's error table");
    }
}
