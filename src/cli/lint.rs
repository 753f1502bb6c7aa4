//! `ccsim lint FILE...`: the warnings of loading each file and those of the
//! lint rules (docs/lint.md), with a count per file.

use anyhow::Result;
use ccsim::scenario::diag::{self, Diagnostic, Severity};
use ccsim::scenario::{self, LoadOptions, Override};
use std::path::{Path, PathBuf};

/// What a lint run found over all files.
pub(super) struct Outcome {
    /// Warnings in all files.
    pub warnings: usize,
    /// Files that did not load (their errors are printed).
    pub failed: usize,
}

/// The lint warnings of a loaded scenario, printed on stderr (for `validate`).
pub(super) fn print_lints(s: &scenario::Scenario, set: &[Override]) -> Result<()> {
    let lints = scenario::lint::lint(s, set)?;
    let mut text = String::new();
    diag::write_all(&mut text, &lints)?;
    eprint!("{text}");
    Ok(())
}

/// Lints every file: each one's warnings (load and lint), then a summary line.
pub(super) fn lint(files: &[PathBuf], options: &LoadOptions, set: &[Override]) -> Outcome {
    let mut outcome = Outcome {
        warnings: 0,
        failed: 0,
    };
    for file in files {
        match lint_one(file, options, set) {
            Ok(n) => outcome.warnings += n,
            Err(e) => {
                eprintln!("{e}");
                outcome.failed += 1;
            }
        }
    }
    outcome
}

fn lint_one(file: &Path, options: &LoadOptions, set: &[Override]) -> Result<usize> {
    let loaded = scenario::load_overridden(file, options, set)?;
    let mut all: Vec<Diagnostic> = loaded.warnings;
    all.extend(scenario::lint::lint(&loaded.scenario, set)?);
    all.sort_by_key(|a| (a.line, a.column));
    let n = all
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    let mut text = String::new();
    diag::write_all(&mut text, &all)?;
    eprint!("{text}");
    eprintln!(
        "{}: {n} warning{}",
        file.display(),
        if n == 1 { "" } else { "s" }
    );
    Ok(n)
}
