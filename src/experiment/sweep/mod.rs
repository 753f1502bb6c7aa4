//! `ccsim sweep`: one scenario under every point of a grid of overrides,
//! all points on the same seeds (common random numbers), every (point,
//! replication) one task of one pool (docs/experiments.md, "Sweeps").
//!
//! Each point's result is written as soon as it is done, under a key that
//! names exactly what produced it (ccsim version, input files, overrides,
//! seed, replications), into `.<folder>.ccsim-sweep/` beside the report
//! folder. A sweep run again into the same folder takes the points whose
//! key it finds there (an interrupted sweep) or in the folder's
//! `points.jsonl` (a finished one) instead of running them. When every
//! point is done, `sweep.csv`, `sweep-long.csv`, `points.jsonl` and the
//! manifest replace the report folder as a whole.

mod assemble;

use super::Error;
use super::axes::{Axis, Combine, points};
use super::precision::{self, Precision};
use super::runner::{PointRun, run_points};
use super::sweep_charts::ChartPoint;
use crate::report;
use crate::report::folder::Content;
use crate::scenario::{LoadOptions, Override, Scenario, load_str_overridden};
use rayon::prelude::*;
use serde_json::Value;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

/// What to sweep.
#[derive(Debug, Clone)]
pub struct Sweep {
    /// The scenario file.
    pub file: PathBuf,
    /// Overrides applied to every point, before the axes' values.
    pub base: Vec<Override>,
    /// The varied values; empty: the scenario's `[sweep]` axes.
    pub axes: Vec<Axis>,
    /// Grid or zip (with the file's axes, its `zip = true` also zips).
    pub combine: Combine,
    /// Seed for every point (default: each point's scenario seed).
    pub seed: Option<u64>,
    /// Replications per point (default: each point's scenario's).
    pub replications: Option<u32>,
    /// Load limits.
    pub options: LoadOptions,
    /// Replications per point chosen by precision (`replications` is then
    /// each point's first batch).
    pub precision: Option<Precision>,
    /// Also draw the sweep's charts into `charts/` of the report folder.
    pub charts: bool,
    /// Also write `report.html` (the points, the charts, the manifest).
    pub html: bool,
}

/// One point of a sweep, checked and ready to run.
#[derive(Debug, Clone)]
pub struct Point {
    /// Position in the sweep (0-based).
    pub index: usize,
    /// Per axis, the value this point takes (as typed).
    pub values: Vec<String>,
    /// Every override of the point: the sweep's base ones, then the axes'.
    pub overrides: Vec<Override>,
    /// Seed and replications.
    pub run: PointRun,
    /// SHA-256 naming what produces this point's result (lowercase hex).
    pub key: String,
}

impl Point {
    /// The point's record, one line of `points.jsonl` (and of its file in
    /// the partial folder): its key, its values named by `axes`, and its
    /// summary. Lines start `{"key":"<64 hex digits>"`, which `reuse` reads.
    fn record_line(&self, axes: &[Axis], summary: impl std::fmt::Display) -> String {
        let values: serde_json::Map<String, Value> = axes
            .iter()
            .zip(&self.values)
            .map(|(a, v)| (a.key.clone(), value_json(v)))
            .collect();
        format!(
            "{{\"key\":\"{}\",\"values\":{},\"summary\":{summary}}}\n",
            self.key,
            Value::Object(values),
        )
    }
}

/// A sweep whose every point loaded without error.
#[derive(Debug)]
pub struct Prepared {
    /// The sweep.
    pub sweep: Sweep,
    /// The scenario with the base overrides only (names the manifest).
    pub base: Scenario,
    /// The scenario file's text, read once.
    text: String,
    /// The points in order.
    pub points: Vec<Point>,
}

/// How a finished sweep went.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The report folder written.
    pub dir: PathBuf,
    /// Points in the sweep.
    pub points: usize,
    /// Points taken from an earlier run instead of run again.
    pub reused: usize,
}

/// Progress of a running sweep, for a progress bar.
pub trait Progress: Sync {
    /// The replications about to run (without the points taken from an
    /// earlier run; with `--precision`, the most that may run).
    fn planned(&self, _replications: u64) {}
    /// A replication ended, having simulated `contacts`.
    fn replication(&self, contacts: u64);
    /// A point's last replication ended.
    fn point(&self);
    /// Something the user should hear while the sweep goes on, such as a
    /// wait for another run writing the same report folder. The library
    /// prints nothing itself; by default the message is dropped.
    fn notice(&self, _message: &str) {}
}

/// No progress display.
pub struct Quiet;

impl Progress for Quiet {
    fn replication(&self, _: u64) {}
    fn point(&self) {}
}

impl Sweep {
    /// Loads the scenario and every point, so that a bad value fails the
    /// sweep before anything runs.
    ///
    /// # Errors
    /// The first point (in order) that does not load, with its problems.
    pub fn prepare(mut self) -> Result<Prepared, Error> {
        let text = crate::scenario::input::read_text(
            &self.file,
            crate::scenario::input::SCENARIO_MAX_BYTES,
        )
        .map_err(|e| Error::Other(format!("cannot read the scenario: {e}")))?;
        let base = load_str_overridden(&self.file, &text, &self.options, &self.base)
            .map_err(|e| Error::Scenario {
                point: None,
                problems: e,
            })?
            .scenario;
        if self.axes.is_empty()
            && let Some(spec) = &base.sweep
        {
            self.axes = spec
                .axes
                .iter()
                .map(|(key, values)| Axis {
                    key: key.clone(),
                    values: values.clone(),
                })
                .collect();
            if spec.zip {
                self.combine = Combine::Zip;
            }
        }
        if self.axes.is_empty() {
            return Err(Error::Other(format!(
                "nothing to vary: give --vary KEY=V1,V2,... or a [sweep] table in {}",
                self.file.display()
            )));
        }
        let grid = points(&self.axes, self.combine).map_err(Error::Other)?;
        let loaded: Vec<Result<Point, Error>> = grid
            .par_iter()
            .enumerate()
            .map(|(index, idx)| {
                let values: Vec<String> = idx
                    .iter()
                    .zip(&self.axes)
                    .map(|(&i, a)| a.values[i].clone())
                    .collect();
                let mut overrides = self.base.clone();
                for (a, v) in self.axes.iter().zip(&values) {
                    overrides.push(Override::new(&a.key, v).map_err(Error::Other)?);
                }
                let s = load_str_overridden(&self.file, &text, &self.options, &overrides)
                    .map_err(|e| Error::Scenario {
                        point: Some(format!(
                            "at the sweep point {}",
                            describe(&self.axes, &values)
                        )),
                        problems: e,
                    })?
                    .scenario;
                let run = PointRun {
                    seed: self.seed.unwrap_or(s.sim.seed),
                    replications: self.replications.unwrap_or(s.sim.replications),
                    first: 0,
                };
                let key = point_key(&s, run, self.precision.as_ref());
                Ok(Point {
                    index,
                    values,
                    overrides,
                    run,
                    key,
                })
            })
            .collect();
        let points = loaded.into_iter().collect::<Result<Vec<_>, _>>()?;
        Ok(Prepared {
            sweep: self,
            base,
            text,
            points,
        })
    }
}

/// `key=value, key=value` of a point, for messages.
fn describe(axes: &[Axis], values: &[String]) -> String {
    axes.iter()
        .zip(values)
        .map(|(a, v)| format!("{}={v}", a.key))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SHA-256 of everything a point's result depends on.
fn point_key(s: &Scenario, run: PointRun, precision: Option<&Precision>) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(format!(
        "ccsim {} {}\n",
        env!("CARGO_PKG_VERSION"),
        build_id()
    ));
    for input in &s.inputs {
        h.update(format!("input {} {}\n", input.role, input.sha256));
    }
    for o in &s.overrides {
        h.update(format!("set {o}\n"));
    }
    h.update(format!(
        "seed {}\nreplications {}\n",
        run.seed, run.replications
    ));
    if let Some(p) = precision {
        for t in &p.targets {
            h.update(format!("precision {t}\n"));
        }
        h.update(format!("max_replications {}\n", p.max_replications));
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// An axis value as JSON: a number or boolean when it reads as one, else
/// the text (a TOML string without its quotes).
pub fn value_json(text: &str) -> Value {
    if let Ok(i) = text.parse::<i64>() {
        return Value::from(i);
    }
    if let Ok(f) = text.parse::<f64>()
        && f.is_finite()
    {
        return Value::from(f);
    }
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(unquoted(text).to_string()),
    }
}

/// A TOML string's content without its quotes; other text as it is.
pub(super) fn unquoted(text: &str) -> &str {
    for q in ['"', '\''] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) {
            return &text[1..text.len() - 1];
        }
    }
    text
}

/// The folder beside `dir` holding finished points of an unfinished sweep.
fn partial_dir(dir: &Path) -> PathBuf {
    let name = dir
        .file_name()
        .map_or_else(|| "sweep".to_string(), |n| n.to_string_lossy().to_string());
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    parent.join(format!(".{name}.ccsim-sweep"))
}

fn io(e: std::io::Error, what: &str, path: &Path) -> Error {
    Error::Other(format!("{what} {}: {e}", path.display()))
}

/// Writes `bytes` to `path` so that, to any reader, it is either absent or
/// complete (written aside, then renamed).
///
/// Not synced to disk: a point file only spares recomputing its point, and
/// [`Sweep::reuse`] reads every one back and runs again any that a crash
/// of the machine left empty or damaged. A sync per point kept a worker
/// waiting for the disk, idle, at every point (about 2 ms each, a tenth of
/// a point of the one-day two-skill scenario); the report folder itself is
/// still synced before it replaces the old one.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let written = std::fs::File::create(&tmp).and_then(|mut f| f.write_all(bytes));
    written.map_err(|e| io(e, "writing", &tmp))?;
    std::fs::rename(&tmp, path).map_err(|e| io(e, "renaming", &tmp))
}

/// A point record read back: its key, and its summary if the line is a
/// whole record of that key (a damaged file is run again, not trusted).
fn read_record(line: &str, key: &str) -> Option<Value> {
    let v: Value = serde_json::from_str(line.trim_end()).ok()?;
    (v.get("key")?.as_str()? == key && v.get("summary")?.is_object()).then_some(v)
}

/// The SHA-256 of the running program, so that a point computed by a
/// different build (an engine changed without a version bump) is not
/// taken for this one's. Computed once per process.
fn build_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        use sha2::Digest;
        std::env::current_exe()
            .and_then(std::fs::read)
            .map(|bytes| {
                sha2::Sha256::digest(&bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            })
            .unwrap_or_else(|_| "unknown build".into())
    })
}

impl Prepared {
    /// The axes' JSON: `[{ "key": ..., "values": [...] }]`.
    pub fn axes_json(&self) -> Value {
        Value::Array(
            self.sweep
                .axes
                .iter()
                .map(|a| {
                    serde_json::json!({
                        "key": a.key,
                        "values": a.values.iter().map(|v| value_json(v)).collect::<Vec<_>>(),
                    })
                })
                .collect(),
        )
    }

    /// Runs the points not already done into report folder `dir`.
    ///
    /// # Errors
    /// An unusable folder, an I/O error, or a point that fails.
    pub fn run(&self, dir: &Path, progress: &dyn Progress) -> Result<Outcome, Error> {
        self.run_from(dir, progress, None)
    }

    /// Writes report folder `dir` from the merged partials of a sharded
    /// sweep (docs/cluster.md) instead of simulating: the same folder as
    /// [`Prepared::run`] writes, byte for byte.
    ///
    /// # Errors
    /// Partials of other points or inputs, an unusable folder, I/O.
    pub fn run_merged(
        &self,
        dir: &Path,
        progress: &dyn Progress,
        merge: &mut crate::shard::merge::Merge,
    ) -> Result<Outcome, Error> {
        merge
            .check(
                &crate::shard::InputHash::of(&self.base, ""),
                &self.point_lines(),
                &self.point_runs(),
            )
            .map_err(Error::Other)?;
        self.run_from(dir, progress, Some(merge))
    }

    /// Runs shard `shard`'s share of the sweep's (point, replication)
    /// pairs into partial folder `dir`; returns the pairs computed.
    ///
    /// # Errors
    /// With `precision` (it cannot be split exactly), an unusable folder,
    /// I/O.
    pub fn run_shard(
        &self,
        dir: &Path,
        shard: crate::shard::Shard,
        progress: &dyn Progress,
    ) -> Result<u64, Error> {
        if self.sweep.precision.is_some() {
            return Err(Error::Other(crate::shard::NO_PRECISION.into()));
        }
        let started = report::manifest::now_utc();
        report::folder::check(dir).map_err(|e| io(e, "--out", dir))?;
        let runs = self.point_runs();
        progress.planned(crate::shard::Shard::pairs(shard, &runs).len() as u64);
        let computed = crate::shard::run(dir, &runs, shard, &|i| self.load_point(i), &|contacts| {
            progress.replication(contacts)
        })
        .map_err(Error::Other)?;
        let records = computed.records();
        let spec = crate::shard::Spec {
            command: "sweep",
            scenario: &self.base,
            inputs: crate::shard::InputHash::of(&self.base, ""),
            seed: self.sweep.seed.unwrap_or(self.base.sim.seed),
            runs: &runs,
            points: self.point_lines(),
        };
        crate::shard::write(dir, &spec, shard, computed, started, &mut |m| {
            progress.notice(&m)
        })
        .map_err(|e| io(e, "writing the partial folder", dir))?;
        Ok(records)
    }

    /// Every point's seed and replications, in order.
    fn point_runs(&self) -> Vec<crate::shard::Run> {
        self.points
            .iter()
            .map(|p| crate::shard::Run {
                seed: p.run.seed,
                replications: p.run.replications,
            })
            .collect()
    }

    /// Every point's overrides as one line, naming the point for a
    /// shard's plan.
    fn point_lines(&self) -> Vec<String> {
        self.points
            .iter()
            .map(|p| {
                p.overrides
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect()
    }

    /// Point `i`'s scenario.
    fn load_point(&self, i: usize) -> Result<Scenario, String> {
        load_str_overridden(
            &self.sweep.file,
            &self.text,
            &self.sweep.options,
            &self.points[i].overrides,
        )
        .map(|l| l.scenario)
        .map_err(|e| e.to_string())
    }

    /// [`Prepared::run`], or with `merge` its assembly from merged
    /// partials (every point taken from them, none from an earlier run).
    fn run_from(
        &self,
        dir: &Path,
        progress: &dyn Progress,
        merge: Option<&mut crate::shard::merge::Merge>,
    ) -> Result<Outcome, Error> {
        let started = report::manifest::now_utc();
        report::folder::check(dir).map_err(|e| io(e, "--out", dir))?;
        let partial = partial_dir(dir);
        std::fs::create_dir_all(&partial).map_err(|e| io(e, "creating", &partial))?;
        let reused = if merge.is_some() {
            vec![false; self.points.len()]
        } else {
            self.reuse(dir, &partial)?
        };
        let runs: Vec<PointRun> = self
            .points
            .iter()
            .zip(&reused)
            .map(|(p, &done)| PointRun {
                replications: if done { 0 } else { p.run.replications },
                ..p.run
            })
            .collect();
        progress.planned(
            runs.iter()
                .filter(|r| r.replications > 0)
                .map(|r| {
                    u64::from(
                        self.sweep
                            .precision
                            .as_ref()
                            .map_or(r.replications, |p| p.max_replications.max(r.replications)),
                    )
                })
                .sum(),
        );
        for _ in reused.iter().filter(|&&r| r) {
            progress.point();
        }
        let axes = &self.sweep.axes;
        let load = |i: usize| self.load_point(i);
        let on_point = |i: usize, s: &Scenario, results: Vec<crate::metrics::ReplicationResult>| {
            let p = &self.points[i];
            let summary = crate::summary::summarize(s, p.run.seed, &results);
            drop(results);
            let line = p.record_line(axes, report::json::to_line(&summary));
            write_atomic(&partial.join(format!("{}.json", p.key)), line.as_bytes())
                .map_err(|e| e.to_string())?;
            progress.point();
            Ok(())
        };
        match (merge, &self.sweep.precision) {
            (Some(m), _) => {
                for (i, run) in runs.iter().enumerate() {
                    let results = m.point(i).map_err(Error::Other)?;
                    debug_assert_eq!(results.len(), run.replications as usize);
                    on_point(i, &load(i).map_err(Error::Other)?, results).map_err(Error::Other)?;
                }
            }
            (None, None) => run_points(
                &runs,
                &load,
                &|contacts| progress.replication(contacts),
                &on_point,
            )
            .map_err(Error::Other)?,
            // In chunks of a few points per thread: each round runs every
            // unfinished point's next batch in the one pool; a point whose
            // targets hold (or that reached the cap) is written and leaves.
            // Each point's batches depend only on its own results.
            (None, Some(prec)) => {
                let todo: Vec<usize> = (0..runs.len())
                    .filter(|&i| runs[i].replications > 0)
                    .collect();
                let chunk_len = (2 * rayon::current_num_threads()).max(4);
                for chunk in todo.chunks(chunk_len) {
                    self.precision_chunk(chunk, &runs, prec, &load, progress, &on_point)?;
                }
            }
        }
        self.assemble(dir, &partial, started, progress)?;
        let _ = std::fs::remove_dir_all(&partial);
        Ok(Outcome {
            dir: dir.to_path_buf(),
            points: self.points.len(),
            reused: reused.iter().filter(|&&r| r).count(),
        })
    }

    /// Runs a few points to a precision together (see [`Prepared::run`]).
    fn precision_chunk(
        &self,
        chunk: &[usize],
        runs: &[PointRun],
        prec: &Precision,
        load: &(dyn Fn(usize) -> Result<Scenario, String> + Sync),
        progress: &dyn Progress,
        on_point: &super::runner::OnPoint<'_>,
    ) -> Result<(), Error> {
        let scenarios: Vec<Scenario> = chunk
            .iter()
            .map(|&i| load(i))
            .collect::<Result<_, _>>()
            .map_err(Error::Other)?;
        let ids: Vec<Vec<super::compare::KpiId>> = scenarios
            .iter()
            .map(|s| prec.resolve(s))
            .collect::<Result<_, _>>()?;
        let mut results: Vec<Vec<crate::metrics::ReplicationResult>> =
            chunk.iter().map(|_| Vec::new()).collect();
        let mut want: Vec<u32> = chunk
            .iter()
            .map(|&i| precision::first_count(runs[i].replications, prec))
            .collect();
        let mut done = vec![false; chunk.len()];
        while done.iter().any(|d| !d) {
            let batch: Vec<PointRun> = (0..chunk.len())
                .map(|k| PointRun {
                    seed: runs[chunk[k]].seed,
                    replications: if done[k] {
                        0
                    } else {
                        want[k] - results[k].len() as u32
                    },
                    first: results[k].len() as u32,
                })
                .collect();
            let got: std::sync::Mutex<Vec<Option<Vec<crate::metrics::ReplicationResult>>>> =
                std::sync::Mutex::new(chunk.iter().map(|_| None).collect());
            run_points(
                &batch,
                &|k| Ok(scenarios[k].clone()),
                &|contacts| progress.replication(contacts),
                &|k, _, r| {
                    got.lock().expect("not poisoned")[k] = Some(r);
                    Ok(())
                },
            )
            .map_err(Error::Other)?;
            let got = got.into_inner().expect("not poisoned");
            for (k, new) in got.into_iter().enumerate() {
                let Some(new) = new else { continue };
                results[k].extend(new);
                let n = results[k].len() as u32;
                let hws = precision::widths_of(&scenarios[k], &ids[k], &results[k]);
                if precision::all_met(&hws, prec) || n >= prec.max_replications {
                    done[k] = true;
                    on_point(chunk[k], &scenarios[k], std::mem::take(&mut results[k]))
                        .map_err(Error::Other)?;
                } else {
                    want[k] = precision::next_count(n, &hws, prec);
                }
            }
        }
        Ok(())
    }

    /// Which points are done already: found in the partial folder, or in
    /// the report folder's `points.jsonl` (copied to the partial folder).
    fn reuse(&self, dir: &Path, partial: &Path) -> Result<Vec<bool>, Error> {
        let mut done: Vec<bool> = self
            .points
            .iter()
            .map(|p| {
                let path = partial.join(format!("{}.json", p.key));
                let whole = std::fs::read_to_string(&path)
                    .ok()
                    .is_some_and(|line| read_record(&line, &p.key).is_some());
                if !whole {
                    let _ = std::fs::remove_file(&path);
                }
                whole
            })
            .collect();
        let finished = dir.join("points.jsonl");
        if done.iter().all(|&d| d) || !finished.is_file() {
            return Ok(done);
        }
        let wanted: std::collections::HashMap<&str, usize> = self
            .points
            .iter()
            .enumerate()
            .filter(|(i, _)| !done[*i])
            .map(|(i, p)| (p.key.as_str(), i))
            .collect();
        let f = std::fs::File::open(&finished).map_err(|e| io(e, "reading", &finished))?;
        for line in std::io::BufReader::new(f).lines() {
            let line = line.map_err(|e| io(e, "reading", &finished))?;
            // Lines start `{"key":"<64 hex digits>"`.
            let Some(key) = line.get(8..72) else { continue };
            if let Some(&i) = wanted.get(key)
                && read_record(&line, key).is_some()
            {
                write_atomic(
                    &partial.join(format!("{key}.json")),
                    format!("{line}\n").as_bytes(),
                )?;
                done[i] = true;
            }
        }
        Ok(done)
    }
}

/// The records of a finished sweep's `points.jsonl`, in point order:
/// `{"values": {...}, "summary": <the run --json object>}`.
///
/// # Errors
/// The file cannot be read or a line is not a record.
pub fn read_points(dir: &Path) -> Result<impl Iterator<Item = Result<Value, Error>>, Error> {
    let path = dir.join("points.jsonl");
    let f = std::fs::File::open(&path).map_err(|e| io(e, "reading", &path))?;
    Ok(std::io::BufReader::new(f).lines().map(move |line| {
        let line = line.map_err(|e| io(e, "reading", &path))?;
        let mut v: Value = serde_json::from_str(&line)
            .map_err(|e| Error::Other(format!("{}: {e}", path.display())))?;
        if let Some(o) = v.as_object_mut() {
            o.shift_remove("key");
        }
        Ok(v)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_values_read_as_json_scalars_when_they_are() {
        assert_eq!(value_json("26"), Value::from(26));
        assert_eq!(value_json("0.5"), Value::from(0.5));
        assert_eq!(value_json("true"), Value::Bool(true));
        assert_eq!(value_json("400/h"), Value::from("400/h"));
        assert_eq!(value_json("'level >= 2'"), Value::from("level >= 2"));
        assert_eq!(value_json("[1,1.2]"), Value::from("[1,1.2]"));
    }
}
