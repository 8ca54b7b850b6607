//! The configuration table of `docs/configuration.md` and `cdk/lib/configuration.json`, rendered from the
//! declaration of every variable ([`VARIABLES`]). The CDK app reads the JSON file to give each function only the
//! variables it reads, and takes the defaults it needs (the log group template, for its grants) from it.

use elbship_aws::config::{SetBy, RETENTION_DAYS, VARIABLES};
use serde_json::json;

/// The table, as Markdown.
pub fn table() -> String {
    let mut out = String::from("| variable | default | read by | set by | meaning |\n|---|---|---|---|---|\n");
    for v in &VARIABLES {
        let default = v.default.map_or_else(|| "none".to_string(), |d| format!("`{d}`"));
        let by: Vec<&str> = v.read_by.iter().map(|f| f.as_str()).collect();
        let set = match v.set_by {
            SetBy::Wiring => "the CDK app",
            SetBy::Operator => "an option",
        };
        out.push_str(&format!("| `{}` | {default} | {} | {set} | {} |\n", v.name, by.join(", "), v.meaning));
    }
    out
}

/// The JSON file the CDK app reads.
pub fn json() -> String {
    let variables: Vec<_> = VARIABLES
        .iter()
        .map(|v| {
            json!({
                "name": v.name,
                "default": v.default,
                "readBy": v.read_by.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
                "setBy": match v.set_by { SetBy::Wiring => "wiring", SetBy::Operator => "operator" },
            })
        })
        .collect();
    let doc = json!({
        "comment": "Generated from functions/aws/src/config/variables.rs by `cargo run -p elbship-xtask -- docs`; do not edit.",
        "variables": variables,
        "retentionDays": RETENTION_DAYS,
    });
    format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default())
}
