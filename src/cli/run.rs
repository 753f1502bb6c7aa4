//! `ccsim run`: replications in parallel, the table or JSON on stdout, the
//! report folder on disk.

use anyhow::{Context, Result, bail};
use ccsim::scenario::Scenario;
use ccsim::{report, sweep};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub(super) fn run(
    s: &Scenario,
    _file: &Path,
    seed: Option<u64>,
    replications: Option<u32>,
    out: Option<PathBuf>,
    json: bool,
    events: Option<&Path>,
) -> Result<()> {
    let seed = seed.unwrap_or(s.sim.seed);
    let reps = replications.unwrap_or(s.sim.replications);
    if reps == 0 {
        bail!("--replications must be at least 1");
    }
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(u64::from(reps));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} replications, {msg} contacts, ETA {eta}",
            )
            .expect("static template"),
        );
        bar
    });
    let contacts = AtomicU64::new(0);
    let on_done = |n: u64| {
        let total = contacts.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &progress {
            bar.set_message(total.to_string());
            bar.inc(1);
        }
    };
    let summary = match events {
        None => sweep::run(s, seed, reps, &on_done),
        Some(path) => {
            // Stream to a temporary file; rename only when complete.
            let tmp = path.with_extension(format!("jsonl.tmp-{}", std::process::id()));
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("creating {}", tmp.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let mut failed: Option<std::io::Error> = None;
            let mut tracer = |ev: &ccsim::engine::trace::TraceEvent| {
                if failed.is_none()
                    && let Err(e) = serde_json::to_writer(&mut w, ev)
                        .map_err(std::io::Error::from)
                        .and_then(|_| w.write_all(b"\n"))
                {
                    failed = Some(e);
                }
            };
            let results = sweep::run_replications_traced(s, seed, reps, &on_done, &mut tracer);
            let flushed = w.flush();
            if let Some(e) = failed.or(flushed.err()) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e).with_context(|| format!("writing {}", path.display()));
            }
            std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
            sweep::summarize(s, seed, &results)
        }
    };
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let dir = out.unwrap_or_else(|| Path::new("reports").join(&s.name));
    report::csv::write(&dir, &summary)?;
    let mut stdout = std::io::stdout().lock();
    if json {
        stdout.write_all(report::json::to_string(&summary).as_bytes())?;
    } else {
        stdout.write_all(
            report::table::render(&summary, s.sim.service_level_threshold_s).as_bytes(),
        )?;
        writeln!(stdout, "\nreports: {}", dir.display())?;
    }
    eprintln!(
        "simulated {} contacts in {} replications; reports in {}",
        summary.contacts,
        reps,
        dir.display()
    );
    Ok(())
}
