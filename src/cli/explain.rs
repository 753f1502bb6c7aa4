//! `ccsim explain`: the routing story of one task of replication 0, or the
//! list of tasks matching a question (`--find 'wait > 600'`, `--slowest 5`),
//! so "why did anyone wait 25 minutes" needs no scripting.

use anyhow::{Context, Result};
use ccsim::report::{story, tasks};
use ccsim::scenario::Scenario;
use std::io::Write;
use std::path::Path;

/// What to explain.
pub(super) enum Question {
    /// One task's story: task, replication.
    Task(u64, u32),
    /// Tasks whose summary matches an expression (`wait > 600`).
    Find(String),
    /// The tasks that waited longest.
    Slowest(usize),
}

pub(super) fn explain(
    s: &Scenario,
    file: &Path,
    q: Question,
    limit: usize,
    seed: Option<u64>,
) -> Result<()> {
    let seed = seed.unwrap_or(s.sim.seed);
    let text = match q {
        Question::Task(task, r) => story::render_in(s, seed, r, task)?,
        Question::Find(expr) => tasks::find(s, file, seed, &expr, limit).context("--find")?,
        Question::Slowest(n) => tasks::slowest(s, file, seed, n),
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}
