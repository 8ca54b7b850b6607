//! The README's table of kinds and table of fields, rendered from [`KINDS`]: a test keeps the README equal to
//! them, so the README never lists a kind or a field the code does not read.

use super::{Compression, ValueType, KINDS};

/// Marker lines around the tables in README.md.
pub const KIND_TABLE_MARKERS: (&str, &str) =
    ("<!-- kind table: generated from functions/core/src/kind/table.rs -->", "<!-- end of kind table -->");
/// Marker lines around the field table in README.md.
pub const FIELD_TABLE_MARKERS: (&str, &str) =
    ("<!-- field table: generated from functions/core/src/kind/table.rs -->", "<!-- end of field table -->");

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

/// The text between two marker lines of `doc`.
pub fn between<'a>(doc: &'a str, (start, end): (&str, &str)) -> Option<&'a str> {
    let after = doc.split_once(start)?.1;
    Some(after.split_once(end)?.0.trim_start_matches('\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = include_str!("../../../../README.md");

    /// `cargo test -p elbship-core write_readme_tables -- --ignored` rewrites the README's tables from the code.
    #[test]
    #[ignore]
    fn write_readme_tables() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md");
        let mut doc = std::fs::read_to_string(path).unwrap_or_default();
        for (markers, table) in [(KIND_TABLE_MARKERS, kind_table()), (FIELD_TABLE_MARKERS, field_table())] {
            let old = between(&doc, markers).map(str::to_string).unwrap_or_default();
            doc = doc.replacen(&format!("{}\n{old}", markers.0), &format!("{}\n{table}", markers.0), 1);
        }
        assert!(std::fs::write(path, doc).is_ok());
    }

    #[test]
    fn the_readme_lists_every_kind_as_the_table_has_it() {
        assert_eq!(between(README, KIND_TABLE_MARKERS), Some(kind_table().as_str()));
    }

    #[test]
    fn the_readme_field_table_lists_every_field_of_every_kind_in_order() {
        assert_eq!(between(README, FIELD_TABLE_MARKERS), Some(field_table().as_str()));
    }
}
