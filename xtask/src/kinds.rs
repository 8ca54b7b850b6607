//! The kind table and the field table, rendered from the core's table of kinds ([`KINDS`]): the docs never list
//! a kind or a field the code does not read.

use elbship_core::formats::kind::{Compression, ValueType, KINDS};

/// The table of kinds, as Markdown.
pub fn kind_table() -> String {
    let mut out = String::from(
        "| kind (`{kind}`) | log | file name (last part of the key) | time field | JSON names |\n|---|---|---|---|---|\n",
    );
    for s in &KINDS {
        let lb = match s.lb_type {
            "classic" => "{lb-name}".to_string(),
            t => format!("{t}.{{lb-name}}.{{lb-id}}"),
        };
        let node = if s.node_ip { "_{node-ip}" } else { "" };
        let ext = match s.compression {
            Compression::Gzip => ".log.gz",
            Compression::None => ".log",
        };
        let names: Vec<String> = s
            .file_prefixes
            .iter()
            .map(|p| format!("`{p}{{account}}_elasticloadbalancing_{{region}}_{lb}_{{end}}{node}_{{random}}{ext}`"))
            .collect();
        let time = s.fields.get(s.time_field).map_or("?", |f| f.0);
        let json = if s.vended { "AWS's vended names" } else { "elbship's (no vended delivery)" };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} (`{time}`) | {json} |\n",
            s.name,
            s.title,
            names.join("<br>"),
            s.time_field + 1,
        ));
    }
    out
}

/// The table of every field of every kind, as Markdown.
pub fn field_table() -> String {
    let mut out = String::from(
        "| kind | position | S3 field (user guide) | vended name | elbship JSON name | JSON value |\n|---|---|---|---|---|---|\n",
    );
    for s in &KINDS {
        for (i, &(s3, json, ty)) in s.fields.iter().enumerate() {
            let vended = if s.vended { format!("`{json}`") } else { "(none: no vended delivery)".to_string() };
            let value = if ty == ValueType::Text { "string" } else { "number" };
            out.push_str(&format!("| `{}` | {} | `{s3}` | {vended} | `{json}` | {value} |\n", s.name, i + 1));
        }
    }
    out
}
