//! `ccsim check`: every scenario's `[[expect]]` entries judged, one line
//! each, an exit status for a build, and optionally JUnit XML
//! (docs/check.md).

use super::{Exit, Limits};
use anyhow::{Context, Result};
use ccsim::experiment::check::{self, FileCheck, Status, Verdict};
use ccsim::scenario;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What to check and where the JUnit XML goes.
pub(super) struct Args<'a> {
    pub files: &'a [PathBuf],
    pub junit: Option<&'a Path>,
    pub seed: Option<u64>,
    pub replications: Option<u32>,
    pub limits: &'a Limits,
}

pub(super) fn check(a: Args<'_>) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let mut files: Vec<(String, FileCheck)> = Vec::new();
    let mut worst = Status::Pass;
    let (mut pass, mut fail, mut undecided, mut errors) = (0, 0, 0, 0);
    for file in a.files {
        let shown = file.display().to_string();
        let result = one(file, &a).map_err(|e| {
            // The whole message (every problem, with its position) on
            // stderr; JUnit gets it too.
            eprintln!("{e}");
            e.to_string()
        });
        match result {
            Err(message) => {
                writeln!(out, "{:<12}  {shown}  {}", "ERROR", first_line(&message))?;
                errors += 1;
                worst = Status::Fail;
                files.push((shown, FileCheck::Error(message)));
            }
            Ok(c) => {
                if c.outcomes.is_empty() && c.events.is_empty() {
                    writeln!(
                        out,
                        "{:<12}  {shown}  scenario \"{}\" has no [[expect]] entries; nothing to check",
                        "NO CHECKS", c.scenario
                    )?;
                }
                for o in &c.outcomes {
                    writeln!(out, "{}", check::line(&shown, o))?;
                    match o.judgement.verdict {
                        Verdict::Pass => pass += 1,
                        Verdict::Fail => fail += 1,
                        Verdict::Inconclusive => undecided += 1,
                    }
                }
                for o in &c.events {
                    writeln!(out, "{}", check::event_line(&shown, o))?;
                    if o.pass {
                        pass += 1;
                    } else {
                        fail += 1;
                    }
                }
                worst = worst.max(c.worst());
                files.push((shown, FileCheck::Checked(c)));
            }
        }
    }
    writeln!(
        out,
        "{pass} passed, {fail} failed, {undecided} inconclusive, {errors} not loaded ({} file{})",
        a.files.len(),
        if a.files.len() == 1 { "" } else { "s" }
    )?;
    out.flush()?;
    if let Some(path) = a.junit {
        write_atomically(path, check::junit(&files).as_bytes())
            .with_context(|| format!("--junit {}", path.display()))?;
    }
    match worst.exit_code() {
        0 => Ok(()),
        code => Err(Exit(code).into()),
    }
}

/// Loads, runs and judges one scenario.
fn one(file: &Path, a: &Args<'_>) -> Result<check::Checked> {
    let loaded = scenario::load_overridden(file, &a.limits.options(), &a.limits.set)?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    let s = loaded.scenario;
    let seed = a.seed.unwrap_or(s.sim.seed);
    let replications = a.replications.unwrap_or(s.sim.replications);
    let sets: Vec<String> = a.limits.set.iter().map(ToString::to_string).collect();
    let shown = file.display().to_string();
    let explain = |r: u32, task: u64| check::explain_command(&s, &shown, seed, &sets, r, task);
    Ok(check::run_explained(
        &s,
        seed,
        replications,
        &|_| {},
        &explain,
    )?)
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or("")
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over
/// `path`: a reader never sees half a file.
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}
