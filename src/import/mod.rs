//! Import of what a contact center already describes about itself into a
//! scenario (issue 15): a TaskRouter workspace snapshot, as its REST API
//! lists it, becomes a commented scenario file (docs/import.md).
//!
//! The importer writes TOML *text*, not scenario structures: the output is
//! meant to be read and edited by a person (placeholders marked, SIDs kept
//! in comments), and it is then loaded through the ordinary scenario loader,
//! so every rule of docs/scenario.md applies to it unchanged.

pub mod arrivals;
pub mod calibrate;
pub mod durations;
pub mod events;
pub mod patience;
mod placeholders;
pub mod reservations;
mod snapshot;
mod toml_text;
mod workspace;

pub use snapshot::{FILES, Snapshot, read_snapshot};
pub use workspace::{GroupSummary, Imported, Options, import_workspace};

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem with the snapshot: the file, the place in it when known, what
/// was expected and how to fix it. Never a panic: every input is a user's.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportError {
    /// The file concerned (the folder, when no file is).
    pub file: PathBuf,
    /// 1-based line and column, when the JSON reader gives them.
    pub position: Option<(usize, usize)>,
    /// What is wrong, and what was expected.
    pub message: String,
    /// How to fix it.
    pub fix: Option<String>,
}

impl ImportError {
    pub(crate) fn new(file: &Path, message: impl Into<String>) -> Self {
        ImportError {
            file: file.to_path_buf(),
            position: None,
            message: message.into(),
            fix: None,
        }
    }

    pub(crate) fn at(mut self, line: usize, column: usize) -> Self {
        self.position = Some((line, column));
        self
    }

    pub(crate) fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": error: {}", self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

/// A readable name from free text: lower case ASCII letters and digits,
/// other runs of characters as one `-` ("Tier 1 — Support" → "tier-1-support").
/// Empty when nothing readable is left; callers supply a fallback.
pub fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Hands out names unique among those already given: the first "sales" is
/// "sales", the next "sales-2", and so on.
#[derive(Debug, Default)]
pub(crate) struct Names {
    taken: std::collections::HashSet<String>,
}

impl Names {
    pub(crate) fn unique(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_readable_names() {
        assert_eq!(slug("Tier 1 — Support"), "tier-1-support");
        assert_eq!(slug("  Sales/EMEA  "), "sales-emea");
        assert_eq!(slug("---"), "");
    }

    #[test]
    fn names_are_deduplicated() {
        let mut n = Names::default();
        assert_eq!(n.unique("sales"), "sales");
        assert_eq!(n.unique("sales"), "sales-2");
        assert_eq!(n.unique("sales"), "sales-3");
        assert_eq!(n.unique("support"), "support");
    }

    #[test]
    fn errors_name_the_file_position_and_fix() {
        let e = ImportError::new(Path::new("snap/workers.json"), "expected a list")
            .at(3, 7)
            .fix("export the list as returned");
        assert_eq!(
            e.to_string(),
            "snap/workers.json:3:7: error: expected a list\n  fix: export the list as returned"
        );
    }
}
