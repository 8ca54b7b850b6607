//! The tables that the code can produce, rendered from the code: the kinds and their fields (from the kind
//! table), the error names (from the error contract), the configuration (from its declaration), in `docs/`
//! between marker lines, and the configuration as JSON for the CDK app. The tests fail when a committed copy is
//! stale; `cargo run -p elbship-xtask -- docs` rewrites them.

pub mod configuration;
pub mod errors;
pub mod kinds;

use std::path::PathBuf;

/// The repository's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// How a target's generated text sits in its file.
pub enum Place {
    /// Between two marker lines, which the file keeps.
    Between(&'static str, &'static str),
    /// The whole file.
    Whole,
}

/// A file (or part of one) generated from the code.
pub struct Target {
    /// Path from the repository's root.
    pub path: &'static str,
    /// Where in the file.
    pub place: Place,
    /// The generated text.
    pub text: fn() -> String,
}

impl Target {
    /// `old` (the file as it is) with the generated text in its place; an error when the markers are missing.
    pub fn render(&self, old: &str) -> Result<String, String> {
        let text = (self.text)();
        match self.place {
            Place::Whole => Ok(text),
            Place::Between(start, end) => {
                let (before, rest) = old.split_once(start).ok_or_else(|| format!("no marker line {start}"))?;
                let (_, after) = rest.split_once(end).ok_or_else(|| format!("no marker line {end}"))?;
                Ok(format!("{before}{start}\n{text}{end}{after}"))
            }
        }
    }
}

/// Every generated file.
pub fn targets() -> Vec<Target> {
    vec![
        Target {
            path: "docs/kinds.md",
            place: Place::Between(
                "<!-- kind table: generated from functions/core/src/formats/kind/table.rs -->",
                "<!-- end of kind table -->",
            ),
            text: kinds::kind_table,
        },
        Target {
            path: "docs/json.md",
            place: Place::Between(
                "<!-- field table: generated from functions/core/src/formats/kind/table.rs -->",
                "<!-- end of field table -->",
            ),
            text: kinds::field_table,
        },
        Target {
            path: "docs/errors.md",
            place: Place::Between(
                "<!-- error table: generated from functions/aws/src/error.rs -->",
                "<!-- end of error table -->",
            ),
            text: errors::error_table,
        },
        Target {
            path: "docs/configuration.md",
            place: Place::Between(
                "<!-- configuration table: generated from functions/aws/src/config/variables.rs -->",
                "<!-- end of configuration table -->",
            ),
            text: configuration::table,
        },
        Target { path: "cdk/lib/configuration.json", place: Place::Whole, text: configuration::json },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_file_is_current() {
        for target in targets() {
            let old =
                std::fs::read_to_string(root().join(target.path)).unwrap_or_else(|e| panic!("{}: {e}", target.path));
            let new = target.render(&old).unwrap_or_else(|e| panic!("{}: {e}", target.path));
            assert!(new == old, "{} is stale: run cargo run -p elbship-xtask -- docs", target.path);
        }
    }

    #[test]
    fn markers_are_required_and_kept() {
        let t = Target { path: "x", place: Place::Between("<a>", "<b>"), text: || "new\n".into() };
        assert_eq!(t.render("top\n<a>\nold\n<b>\nend\n").as_deref(), Ok("top\n<a>\nnew\n<b>\nend\n"));
        assert!(t.render("no markers").is_err());
    }
}
