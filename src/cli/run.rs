//! `ccsim run`: replications in parallel, the table or JSON on stdout, the
//! report folder on disk.

use anyhow::{Context, Result, bail};
use ccsim::report::folder::Content;
use ccsim::scenario::Scenario;
use ccsim::{replications, report, summary};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// What to run and where the results go.
pub(super) struct Args<'a> {
    /// Simulate, run a shard's share, or take a merge's results.
    pub mode: super::Mode<'a>,
    pub seed: Option<u64>,
    pub replications: Option<u32>,
    pub out: Option<PathBuf>,
    pub json: bool,
    /// The per-interval table after the usual one (never with `json`).
    pub intervals: bool,
    pub events: Option<&'a Path>,
    pub charts: bool,
    pub html: bool,
    pub precision: Option<ccsim::experiment::Precision>,
}

pub(super) fn run(s: &Scenario, file: &Path, a: Args<'_>) -> Result<()> {
    let Args {
        mode,
        seed,
        replications,
        out,
        json,
        intervals,
        events,
        charts,
        html,
        precision,
    } = a;
    let started = report::manifest::now_utc();
    let seed = seed.unwrap_or(s.sim.seed);
    let reps = replications.unwrap_or(s.sim.replications);
    if reps == 0 {
        bail!("--replications must be at least 1");
    }
    let mut merged = match mode {
        super::Mode::Local => None,
        super::Mode::Shard(shard) => {
            if precision.is_some() {
                bail!(ccsim::shard::NO_PRECISION);
            }
            if events.is_some() {
                bail!("--events traces replication 0 in one process; run it without --shard");
            }
            return run_shard(s, seed, reps, super::shard_out(out)?, shard, started);
        }
        super::Mode::Merge(m) => {
            let runs = [ccsim::shard::Run {
                seed,
                replications: reps,
            }];
            m.check(
                &ccsim::shard::InputHash::of(s, ""),
                &[s.overrides.join("\n")],
                &runs,
            )
            .map_err(anyhow::Error::msg)?;
            Some(m)
        }
    };
    let dir = out.unwrap_or_else(|| Path::new("reports").join(&s.name));
    // Refuse an unusable report folder or events path before any work.
    report::folder::check(&dir).with_context(|| format!("--out {}", dir.display()))?;
    if let Some(path) = events {
        check_events_path(path, &dir)?;
    }
    let bar_len = precision.as_ref().map_or(reps, |p| p.max_replications);
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(u64::from(bar_len));
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
    let mut files: Vec<(String, Content)> = Vec::new();
    // A stream bound for the folder stays locked until it is moved in.
    let mut _held = None;
    let mut reps = reps;
    let summary = match (events, &precision) {
        _ if merged.is_some() => {
            let m = merged.as_mut().expect("checked");
            let results = m.point(0).map_err(anyhow::Error::msg)?;
            summary::summarize(s, seed, &results)
        }
        (_, Some(p)) => {
            let (results, reached) = ccsim::experiment::precision::run(s, seed, reps, p, &on_done)?;
            report_precision(p, &reached, "");
            reps = reached.replications;
            // Replication 0 again, traced: the same replication, for its stream.
            if let Some(path) = events {
                let (_, stream) = run_traced(s, seed, 1, &|_| {}, path, &dir)?;
                if let EventsFile::InFolder(name, tmp) = stream {
                    files.push((name, Content::Move(tmp.path.clone())));
                    _held = Some(tmp);
                }
            }
            summary::summarize(s, seed, &results)
        }
        (None, None) => replications::run(s, seed, reps, &on_done),
        (Some(path), None) => {
            let (results, stream) = run_traced(s, seed, reps, &on_done, path, &dir)?;
            if let EventsFile::InFolder(name, tmp) = stream {
                files.push((name, Content::Move(tmp.path.clone())));
                _held = Some(tmp);
            }
            summary::summarize(s, seed, &results)
        }
    };
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    files.extend(
        report::csv::files(&summary)
            .into_iter()
            .map(|(name, bytes)| (name, Content::Bytes(bytes))),
    );
    if charts {
        files.extend(
            report::charts::files(s, &summary)?
                .into_iter()
                .map(|(name, bytes)| (name, Content::Bytes(bytes))),
        );
    }
    let manifest = report::manifest::Manifest::for_run(
        s,
        &file.display().to_string(),
        seed,
        reps,
        report::manifest::command_line(),
        started,
    );
    if html {
        let page = report::html::run(s, &summary, &manifest)?;
        files.push((report::html::FILE.into(), Content::Bytes(page)));
    }
    report::folder::replace(&dir, files, |sizes| manifest.finish(sizes), &mut |m| {
        eprintln!("{m}")
    })
    .with_context(|| format!("writing the report folder {}", dir.display()))?;
    let mut stdout = std::io::stdout().lock();
    if json {
        stdout.write_all(report::json::to_string(&summary).as_bytes())?;
    } else {
        stdout.write_all(report::table::render(&summary, &s.service_level_text()).as_bytes())?;
        if intervals {
            writeln!(stdout)?;
            stdout.write_all(report::intervals_table::render(&summary).as_bytes())?;
        }
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

/// Shard `shard`'s share of the replications into partial folder `dir`.
fn run_shard(
    s: &Scenario,
    seed: u64,
    reps: u32,
    dir: PathBuf,
    shard: ccsim::shard::Shard,
    started: String,
) -> Result<()> {
    report::folder::check(&dir).with_context(|| format!("--out {}", dir.display()))?;
    let runs = [ccsim::shard::Run {
        seed,
        replications: reps,
    }];
    let clock = std::time::Instant::now();
    let computed = ccsim::shard::run(&dir, &runs, shard, &|_| Ok(s.clone()), &|_| {})
        .map_err(anyhow::Error::msg)?;
    let records = computed.records();
    let spec = ccsim::shard::Spec {
        command: "run",
        scenario: s,
        inputs: ccsim::shard::InputHash::of(s, ""),
        seed,
        runs: &runs,
        points: vec![s.overrides.join("\n")],
    };
    ccsim::shard::write(&dir, &spec, shard, computed, started, &mut |m| {
        eprintln!("{m}")
    })
    .with_context(|| format!("writing the partial folder {}", dir.display()))?;
    eprintln!(
        "shard {shard}: {records} of {reps} replications in {:.1} s; partial result in {} (combine every shard's with ccsim merge)",
        clock.elapsed().as_secs_f64(),
        dir.display()
    );
    Ok(())
}

/// Says on stderr whether the precision targets were met, and with how
/// many replications (`what` qualifies the KPIs, e.g. "of the difference").
pub(super) fn report_precision(
    p: &ccsim::experiment::Precision,
    reached: &ccsim::experiment::precision::Reached,
    what: &str,
) {
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(" {what}")
    };
    if reached.met {
        eprintln!(
            "precision{what} reached with {} replications",
            reached.replications
        );
    } else {
        eprintln!(
            "warning: precision{what} not reached within --max-replications {}:",
            p.max_replications
        );
        for line in reached.shortfalls(p) {
            eprintln!("  {line}");
        }
    }
}

/// Names a report folder holds besides an events stream.
const REPORT_NAMES: [&str; 6] = [
    "summary.csv",
    "intervals.csv",
    "costs.csv",
    "manifest.json",
    "charts",
    report::html::FILE,
];

/// An events stream may go anywhere but into a subfolder of the report
/// folder (deleted when the folder is replaced) or under a report file's name.
fn check_events_path(path: &Path, dir: &Path) -> Result<()> {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (p, d) = (absolute(path), absolute(dir));
    if !p.starts_with(&d) {
        return Ok(());
    }
    if p.parent() != Some(d.as_path()) {
        bail!(
            "--events {}: a file in a subfolder of the report folder {} would be deleted when the folder is replaced; write it directly in the folder or elsewhere",
            path.display(),
            dir.display()
        );
    }
    let name = p.file_name().map(|n| n.to_string_lossy().to_string());
    if name.as_deref().is_some_and(|n| REPORT_NAMES.contains(&n)) {
        bail!(
            "--events {}: that name belongs to the report ({}); choose another",
            path.display(),
            REPORT_NAMES.join(", ")
        );
    }
    Ok(())
}

/// Where the events stream ended up.
enum EventsFile {
    /// Inside the report folder: (name there, the finished temporary, still
    /// locked), to be moved in with the rest of the set.
    InFolder(String, report::folder::LockedTemp),
    /// Outside it: already renamed into place.
    Written,
}

/// Runs the replications with replication 0's audit trail streamed to a
/// locked temporary, renamed into place only once complete (a killed run
/// leaves a temporary the next run deletes, never a half file under the
/// real name). A stream inside the report folder joins the folder's set.
fn run_traced(
    s: &Scenario,
    seed: u64,
    reps: u32,
    on_done: &(dyn Fn(u64) + Sync),
    path: &Path,
    dir: &Path,
) -> Result<(Vec<ccsim::metrics::ReplicationResult>, EventsFile)> {
    let name = path
        .file_name()
        .with_context(|| format!("--events {} names no file", path.display()))?
        .to_string_lossy()
        .to_string();
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let in_folder = path.parent().is_some_and(|p| absolute(p) == absolute(dir));
    // A stream inside the report folder is written beside the folder first
    // (the folder itself is replaced as a whole).
    let target = if in_folder {
        let folder = dir
            .file_name()
            .map_or("report".into(), |n| n.to_string_lossy().to_string());
        dir.with_file_name(format!(".{folder}.{name}"))
    } else {
        path.to_path_buf()
    };
    let tmp = report::folder::locked_temp(&target)?;
    let mut w = std::io::BufWriter::new(&tmp.file);
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
    let results = replications::run_replications_traced(s, seed, reps, on_done, &mut tracer);
    let flushed = w.flush().and_then(|()| tmp.file.sync_all());
    drop(w);
    if let Some(e) = failed.or(flushed.err()) {
        let _ = std::fs::remove_file(&tmp.path);
        return Err(e).with_context(|| format!("writing {}", path.display()));
    }
    if in_folder {
        return Ok((results, EventsFile::InFolder(name, tmp)));
    }
    std::fs::rename(&tmp.path, path).with_context(|| format!("writing {}", path.display()))?;
    Ok((results, EventsFile::Written))
}
