//! `ccsim sweep`: the points of a sweep in one pool, a progress bar, then a
//! table (or the JSON document) of every point.

use anyhow::{Context, Result};
use ccsim::experiment::{self, Axis, Combine, Sweep};
use ccsim::report::table::cell;
use ccsim::scenario::{LoadOptions, Override};
use ccsim::stats::Estimate;
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The command's arguments, as parsed.
pub(super) struct Args<'a> {
    /// Simulate, run a shard's share, or take a merge's results.
    pub mode: super::Mode<'a>,
    pub file: PathBuf,
    pub vary: Vec<Axis>,
    pub zip: bool,
    pub seed: Option<u64>,
    pub replications: Option<u32>,
    pub out: Option<PathBuf>,
    pub json: bool,
    pub charts: bool,
    pub html: bool,
    pub set: Vec<Override>,
    pub options: LoadOptions,
    pub precision: Option<ccsim::experiment::Precision>,
}

/// A progress bar over replications, with points done in its message.
struct Bar {
    bar: Option<indicatif::ProgressBar>,
    points: AtomicU64,
    total_points: u64,
}

impl experiment::Progress for Bar {
    fn planned(&self, replications: u64) {
        if let Some(b) = &self.bar {
            b.set_length(replications);
        }
    }
    fn replication(&self, _contacts: u64) {
        if let Some(b) = &self.bar {
            b.inc(1);
        }
    }
    fn point(&self) {
        let done = self.points.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(b) = &self.bar {
            b.set_message(format!("{done}/{} points", self.total_points));
        }
    }
    fn notice(&self, message: &str) {
        match &self.bar {
            // Above the bar, which stays whole.
            Some(b) => b.suspend(|| eprintln!("{message}")),
            None => eprintln!("{message}"),
        }
    }
}

pub(super) fn sweep(a: Args<'_>) -> Result<()> {
    if a.replications == Some(0) {
        anyhow::bail!("--replications must be at least 1");
    }
    let prepared = Sweep {
        file: a.file.clone(),
        base: a.set,
        axes: a.vary,
        combine: if a.zip { Combine::Zip } else { Combine::Grid },
        seed: a.seed,
        replications: a.replications,
        options: a.options,
        precision: a.precision.clone(),
        charts: a.charts,
        html: a.html,
    }
    .prepare()?;
    if let super::Mode::Shard(shard) = a.mode {
        let dir = super::shard_out(a.out)?;
        let clock = std::time::Instant::now();
        let records = prepared.run_shard(&dir, shard, &experiment::Quiet)?;
        eprintln!(
            "shard {shard}: {records} of {} (point, replication) pairs in {:.1} s; partial result in {} (combine every shard's with ccsim merge)",
            prepared
                .points
                .iter()
                .map(|p| u64::from(p.run.replications))
                .sum::<u64>(),
            clock.elapsed().as_secs_f64(),
            dir.display()
        );
        return Ok(());
    }
    let dir = a
        .out
        .unwrap_or_else(|| Path::new("reports").join(format!("{}-sweep", prepared.base.name)));
    let reps: u64 = prepared
        .points
        .iter()
        .map(|p| u64::from(p.run.replications))
        .sum();
    let bar = Bar {
        bar: std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(reps);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} replications, {msg}, ETA {eta}",
                )
                .expect("static template"),
            );
            bar
        }),
        points: AtomicU64::new(0),
        total_points: prepared.points.len() as u64,
    };
    let outcome = match a.mode {
        super::Mode::Merge(m) => prepared.run_merged(&dir, &bar, m)?,
        _ => prepared.run(&dir, &bar)?,
    };
    if let Some(b) = &bar.bar {
        b.finish_and_clear();
    }
    let mut stdout = std::io::stdout().lock();
    if a.json {
        // Streamed point by point: memory does not grow with the points.
        write!(stdout, "{{\"axes\":{},\"points\":[", prepared.axes_json())?;
        for (i, p) in experiment::read_points(&outcome.dir)?.enumerate() {
            if i > 0 {
                stdout.write_all(b",")?;
            }
            write!(stdout, "{}", p?)?;
        }
        stdout.write_all(b"]}\n")?;
    } else {
        table(&mut stdout, &prepared, &outcome.dir)?;
        writeln!(stdout, "\nreports: {}", outcome.dir.display())?;
    }
    eprintln!(
        "swept {} points ({} taken from an earlier run); reports in {}",
        outcome.points,
        outcome.reused,
        outcome.dir.display()
    );
    Ok(())
}

/// Most points listed on the terminal (all are in sweep.csv).
const SHOWN_POINTS: usize = 200;

/// One row per point: its values, then service level, abandon rate, ASA
/// and, with costs, the monthly projection.
fn table(out: &mut impl Write, p: &experiment::Prepared, dir: &Path) -> Result<()> {
    let kpis = ["service_level", "abandon_rate", "asa_s", "wait_p90_s"];
    let heads = ["service level", "abandon rate", "ASA (s)", "wait p90 (s)"];
    let width: Vec<usize> = p
        .sweep
        .axes
        .iter()
        .map(|a| {
            a.values
                .iter()
                .map(String::len)
                .chain([a.key.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut rows = Vec::new();
    let mut costs = false;
    for (i, point) in experiment::read_points(dir)?.enumerate().take(SHOWN_POINTS) {
        let point = point.with_context(|| format!("reading point {i}"))?;
        let s = &point["summary"];
        let mut row: Vec<String> = kpis
            .iter()
            .map(|k| cell(k, &estimate(&s["overall"][*k])))
            .collect();
        if let Some(c) = s.get("cost") {
            costs = true;
            let e = estimate(&c["monthly_projection"]);
            row.push(e.mean.map_or("—".into(), |m| {
                format!("{m:.0} ± {:.0}", e.ci95.unwrap_or(0.0))
            }));
        }
        rows.push((p.points[i].values.clone(), row));
    }
    for (a, w) in p.sweep.axes.iter().zip(&width) {
        write!(out, "{:<w$}  ", a.key)?;
    }
    for h in heads {
        write!(out, "{h:>18}")?;
    }
    if costs {
        write!(out, "{:>20}", "cost per month")?;
    }
    writeln!(out)?;
    for (values, row) in rows {
        for (v, w) in values.iter().zip(&width) {
            write!(out, "{v:<w$}  ")?;
        }
        for c in &row[..kpis.len()] {
            write!(out, "{c:>18}")?;
        }
        if let Some(c) = row.get(kpis.len()) {
            write!(out, "{c:>20}")?;
        }
        writeln!(out)?;
    }
    if p.points.len() > SHOWN_POINTS {
        writeln!(
            out,
            "… and {} more points in sweep.csv",
            p.points.len() - SHOWN_POINTS
        )?;
    }
    Ok(())
}

/// An estimate read back from the JSON summary.
fn estimate(v: &Value) -> Estimate {
    Estimate {
        mean: v["mean"].as_f64(),
        ci95: v["ci95"].as_f64(),
        sd: None,
        n: 0,
    }
}
