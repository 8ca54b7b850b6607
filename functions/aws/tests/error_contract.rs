//! The error contract between the functions and the state machines: every name the error catalog calls retried
//! (elbship's transient failures and Lambda's kills) is retried by every Task state (in the
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
            // elbship's transient failures, and a killed, crashed or timed-out instance (out of memory, a lost
            // sandbox): every function resumes from its claims and checkpoints, so every Task retries them.
            for name in ElbshipError::retried_names() {
                assert!(retried.contains(name), "{file} {path}: {name} is retryable but not retried");
            }
            let known: BTreeSet<&str> = ElbshipError::names().collect();
            let retryable: BTreeSet<&str> = ElbshipError::retried_names().collect();
            for name in &retried {
                let ours = known.contains(name) && !name.contains('.');
                let aws = name.contains('.');
                assert!(ours || aws, "{file} {path}: retries {name}, which nothing raises");
                assert!(!ours || retryable.contains(name), "{file} {path}: retries {name}, which is not retryable");
            }
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
