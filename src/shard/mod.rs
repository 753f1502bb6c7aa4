//! Sharding (docs/cluster.md): one run, sweep or comparison split over the
//! tasks of a batch scheduler's job array, each task computing a fixed share
//! of the (point, replication) pairs into its own partial folder, and
//! [`merge`] putting the shares back together exactly.
//!
//! The pairs are numbered in one flat list, point by point, replications in
//! order: pair `t` is replication `t - start(p)` of the point `p` whose range
//! holds `t`. Shard `K` of `N` computes the pairs with `t mod N == K`
//! (round-robin): every shard gets within one pair of the same number, and
//! a shard's share mixes the sweep's cheap and costly points alike, so the
//! shards also take about the same time. The share depends on nothing but
//! `K`, `N` and the list, never on timing or the thread count, and every
//! replication's result depends only on its scenario, seed and index: the
//! merged results are those of the unsharded run, bit for bit.

pub mod merge;

use crate::engine;
use crate::metrics::{ReplicationResult, wire};
use crate::report::folder::{self, Content};
use crate::routing::Plan;
use crate::scenario::{InputFile, Scenario};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// `format` of a shard's partial manifest: what [`merge`] accepts.
pub const FORMAT: &str = "ccsim shard partial 1";

/// Why `--precision` and `--shard` do not go together.
pub const NO_PRECISION: &str = "--shard cannot split a run to --precision: how many replications a point needs is decided from the results of its earlier ones, which other shards compute; give --replications N instead (docs/cluster.md)";

/// Name of a partial's per-replication results inside its folder.
pub const RESULTS_FILE: &str = "results.bin";

/// First bytes of a results file.
const MAGIC: &[u8] = b"ccsim shard results 1\n";

/// The environment variable giving the shard count where the scheduler's
/// own variables give only the index (Kubernetes, GNU parallel).
pub const COUNT_VAR: &str = "CCSIM_SHARD_COUNT";

/// One point (design) of the flat list: its seed and replications
/// `0..replications`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// Base seed.
    pub seed: u64,
    /// Replications.
    pub replications: u32,
}

/// Shard `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which share, `0..count`.
    pub index: u32,
    /// How many shares the pairs are split into.
    pub count: u32,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// A whole number in a shard specification or an environment variable.
fn number(text: &str, what: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| format!("{what} is \"{text}\", not a whole number"))
}

impl Shard {
    /// Reads `--shard`: `K/N` (0-based `K` below `N`), `auto` or `auto/N`
    /// (the index, and the count unless given, from the scheduler's
    /// environment, read through `env`). Returns the shard and where it
    /// came from, for a log line.
    ///
    /// # Errors
    /// A malformed specification, an index outside `0..N`, or `auto`
    /// where no scheduler's variables are set, naming what was expected.
    pub fn parse(
        text: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<(Shard, String), String> {
        let (head, count) = match text.split_once('/') {
            Some((h, n)) => (h, Some(number(n, "the shard count in --shard")?)),
            None => (text, None),
        };
        let (index, count, source) = if head == "auto" {
            auto(env, count)?
        } else {
            let Some(count) = count else {
                return Err(format!(
                    "--shard {text}: expected K/N (shard K of N, counted from 0), auto or auto/N"
                ));
            };
            (
                number(head, "the shard index in --shard")?,
                count,
                "--shard".into(),
            )
        };
        if count == 0 || count > u64::from(u32::MAX) {
            return Err(format!(
                "--shard {text}: the shard count must be at least 1"
            ));
        }
        if index >= count {
            return Err(format!(
                "--shard {text}: shard {index} of {count} does not exist (shards are counted from 0 to {})",
                count - 1
            ));
        }
        let shard = Shard {
            index: index as u32,
            count: count as u32,
        };
        Ok((shard, source))
    }

    /// True when pair `t` of the flat list is this shard's.
    pub fn owns(self, t: u64) -> bool {
        t % u64::from(self.count) == u64::from(self.index)
    }

    /// This shard's pairs, (point, replication), in list order.
    pub fn pairs(self, runs: &[Run]) -> Vec<(usize, u32)> {
        let mut out = Vec::new();
        let mut t = 0u64;
        for (p, run) in runs.iter().enumerate() {
            for i in 0..run.replications {
                if self.owns(t) {
                    out.push((p, i));
                }
                t += 1;
            }
        }
        out
    }
}

/// `--shard auto[/N]`: (index, count, which variables said so). Slurm
/// first, then Kubernetes, AWS Batch and GNU parallel.
fn auto(
    env: &dyn Fn(&str) -> Option<String>,
    given: Option<u64>,
) -> Result<(u64, u64, String), String> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let read = |name: &str| var(name).map(|v| number(&v, name)).transpose();
    // The count: `auto/N`'s, else the scheduler's, else CCSIM_SHARD_COUNT.
    let count_of = |own: Option<u64>, source: &str| -> Result<u64, String> {
        match (given, own) {
            (Some(n), _) | (None, Some(n)) => Ok(n),
            (None, None) => read(COUNT_VAR)?.ok_or_else(|| {
                format!(
                    "--shard auto: {source} gives the index but not the count; give --shard auto/N or set {COUNT_VAR}=N"
                )
            }),
        }
    };
    if let Some(id) = read("SLURM_ARRAY_TASK_ID")? {
        // With `auto/N` the task id is the index itself (`--array=0-15`),
        // so that `sbatch --array=3,7` runs just shards 3 and 7 again.
        if given.is_some() {
            let count = count_of(None, "SLURM_ARRAY_TASK_ID")?;
            return Ok((id, count, "SLURM_ARRAY_TASK_ID".into()));
        }
        let min = read("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let step = read("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
        let own = read("SLURM_ARRAY_TASK_COUNT")?;
        let count = count_of(own, "SLURM_ARRAY_TASK_ID")?;
        if id < min || (id - min) % step != 0 {
            return Err(format!(
                "--shard auto: SLURM_ARRAY_TASK_ID {id} is not on the array's range from SLURM_ARRAY_TASK_MIN {min} by {step}; use a plain range such as --array=0-{}",
                count.saturating_sub(1)
            ));
        }
        return Ok((
            (id - min) / step,
            count,
            "SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN of SLURM_ARRAY_TASK_COUNT".into(),
        ));
    }
    if let Some(i) = read("JOB_COMPLETION_INDEX")? {
        let count = count_of(None, "JOB_COMPLETION_INDEX")?;
        return Ok((i, count, "JOB_COMPLETION_INDEX".into()));
    }
    if let Some(i) = read("AWS_BATCH_JOB_ARRAY_INDEX")? {
        let own = read("AWS_BATCH_JOB_ARRAY_SIZE")?;
        let count = count_of(own, "AWS_BATCH_JOB_ARRAY_INDEX")?;
        return Ok((i, count, "AWS_BATCH_JOB_ARRAY_INDEX".into()));
    }
    if let Some(seq) = read("PARALLEL_SEQ")? {
        if seq == 0 {
            return Err("--shard auto: PARALLEL_SEQ is 0; GNU parallel counts jobs from 1".into());
        }
        let count = count_of(None, "PARALLEL_SEQ")?;
        return Ok((seq - 1, count, "PARALLEL_SEQ - 1".into()));
    }
    Err(
        "--shard auto: no scheduler's array index in the environment (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, PARALLEL_SEQ); give --shard K/N"
            .into(),
    )
}

/// A shard's results file, written to a locked temporary beside its
/// partial folder (moved into it by [`write()`]).
pub struct Computed {
    /// The temporary, locked while this process lives.
    file: folder::LockedTemp,
    /// Pair records in it.
    records: u64,
    /// Its size.
    bytes: u64,
    /// Its SHA-256, lowercase hex.
    sha256: String,
}

impl Computed {
    /// Pair records computed.
    pub fn records(&self) -> u64 {
        self.records
    }
}

/// Runs shard `shard`'s pairs of `runs` on rayon's pool into the results
/// file of partial folder `dir` (every pair's record, in list order),
/// a few hundred pairs at a time, so that memory holds one batch of
/// results however large the shard. `load(p)` builds point p's scenario,
/// once per point at a time.
///
/// # Errors
/// The first error of `load`, or of writing the file.
pub fn run(
    dir: &Path,
    runs: &[Run],
    shard: Shard,
    load: &(dyn Fn(usize) -> Result<Scenario, String> + Sync),
    on_replication: &(dyn Fn(u64) + Sync),
) -> Result<Computed, String> {
    use sha2::Digest;
    use std::io::Write;
    let pairs = shard.pairs(runs);
    // Per point: its scenario while some of its pairs are still to run.
    let mut left: Vec<usize> = vec![0; runs.len()];
    for &(p, _) in &pairs {
        left[p] += 1;
    }
    let left: Vec<AtomicUsize> = left.into_iter().map(AtomicUsize::new).collect();
    type Loaded = Arc<(Scenario, Plan)>;
    let loaded: Vec<Mutex<Option<Loaded>>> = runs.iter().map(|_| Mutex::new(None)).collect();
    let one = |&(p, r): &(usize, u32)| -> Result<Vec<u8>, String> {
        let x = {
            let mut l = loaded[p].lock().expect("not poisoned");
            match &*l {
                Some(x) => Arc::clone(x),
                None => {
                    let s = load(p)?;
                    let plan = Plan::build(&s);
                    let x = Arc::new((s, plan));
                    *l = Some(Arc::clone(&x));
                    x
                }
            }
        };
        let res = engine::run_with_plan(&x.0, &x.1, runs[p].seed, r);
        on_replication(res.contacts);
        if left[p].fetch_sub(1, Ordering::AcqRel) == 1 {
            loaded[p].lock().expect("not poisoned").take();
        }
        Ok(record(p, r, &res))
    };
    let name = dir
        .file_name()
        .map_or_else(|| "shard".to_string(), |n| n.to_string_lossy().to_string());
    let target = dir.with_file_name(format!(".{name}.{RESULTS_FILE}"));
    let file = folder::locked_temp(&target).map_err(|e| e.to_string())?;
    let failed = |e: std::io::Error| format!("writing {}: {e}", file.path.display());
    let mut out = std::io::BufWriter::new(&file.file);
    let mut h = sha2::Sha256::new();
    let mut bytes = 0u64;
    let mut put = |chunk: &[u8], out: &mut std::io::BufWriter<&std::fs::File>| {
        h.update(chunk);
        bytes += chunk.len() as u64;
        out.write_all(chunk)
    };
    put(MAGIC, &mut out).map_err(failed)?;
    // Enough pairs per batch that a thread's last one rarely waits long.
    let batch = 64 * rayon::current_num_threads().max(1);
    for chunk in pairs.chunks(batch) {
        let records: Vec<Vec<u8>> = chunk.par_iter().map(one).collect::<Result<_, _>>()?;
        for r in &records {
            put(r, &mut out).map_err(failed)?;
        }
    }
    out.flush().map_err(failed)?;
    drop(out);
    file.file.sync_all().map_err(failed)?;
    Ok(Computed {
        records: pairs.len() as u64,
        bytes,
        sha256: hex(&h.finalize()),
        file,
    })
}

/// One pair's record: point (u32), replication (u32), length (u64), the
/// encoded results ([`wire`]).
fn record(point: usize, replication: u32, r: &ReplicationResult) -> Vec<u8> {
    let body = wire::encode(r);
    let mut out = Vec::with_capacity(body.len() + 16);
    out.extend_from_slice(&(point as u32).to_le_bytes());
    out.extend_from_slice(&replication.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// An input file as a partial records it, to refuse merging partials of
/// different scenarios.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InputHash {
    /// "scenario", "rate card", ... ("B scenario" for compare's design B).
    pub role: String,
    /// Path as resolved.
    pub path: String,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
}

impl InputHash {
    /// The inputs of `s`, their roles prefixed with `prefix` ("" or "B ").
    pub fn of(s: &Scenario, prefix: &str) -> Vec<InputHash> {
        s.inputs
            .iter()
            .map(|f: &InputFile| InputHash {
                role: format!("{prefix}{}", f.role),
                path: f.path.display().to_string(),
                sha256: f.sha256.clone(),
            })
            .collect()
    }
}

/// Which share a partial holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardInfo {
    /// Shard index, `0..count`.
    pub index: u32,
    /// Shard count.
    pub count: u32,
    /// How pairs are dealt: always "round-robin" (pair t to shard t mod N).
    pub assignment: String,
}

/// The results file as the manifest describes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultsInfo {
    /// Name inside the partial folder.
    pub name: String,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
    /// Pair records it holds.
    pub records: u64,
}

/// A partial folder's `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Partial {
    /// [`FORMAT`].
    pub format: String,
    /// Version of the ccsim that wrote it.
    pub ccsim_version: String,
    /// The verb: run, sweep or compare.
    pub command: String,
    /// The shard's command line, as given.
    pub command_line: Vec<String>,
    /// The scenario's name.
    pub scenario: String,
    /// Every input file read, with its SHA-256.
    pub inputs: Vec<InputHash>,
    /// Base seed.
    pub seed: u64,
    /// This partial's share.
    pub shard: ShardInfo,
    /// Replications per point (design), in order: the flat list of pairs.
    pub replications: Vec<u32>,
    /// SHA-256 of what every point is (overrides, seed, replications).
    pub plan: String,
    /// The per-replication results.
    pub results: ResultsInfo,
    /// When the shard started, UTC.
    pub started_utc: String,
    /// When it finished, UTC.
    pub finished_utc: String,
    /// True only in a partial written to the end: the folder appears
    /// whole (written aside, then renamed), and merge refuses any other.
    pub complete: bool,
}

/// What a command tells [`write()`] about the sharded work.
pub struct Spec<'a> {
    /// The verb.
    pub command: &'static str,
    /// The scenario (its name), or design A.
    pub scenario: &'a Scenario,
    /// Every input of every design.
    pub inputs: Vec<InputHash>,
    /// Base seed.
    pub seed: u64,
    /// The points as run.
    pub runs: &'a [Run],
    /// One line per point naming what it is (its overrides).
    pub points: Vec<String>,
}

/// SHA-256 of the points' descriptions, seeds and replications.
pub fn plan_digest(points: &[String], runs: &[Run]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for (p, r) in points.iter().zip(runs) {
        h.update(format!(
            "point {p}\nseed {}\nreplications {}\n",
            r.seed, r.replications
        ));
    }
    hex(&h.finalize())
}

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes shard `shard`'s partial folder `dir` as a whole (written aside,
/// renamed into place with its manifest; a shard that dies leaves nothing
/// merge would take).
///
/// `notify` hears about waits for another run writing the same folder.
///
/// # Errors
/// Any I/O error, naming the path.
pub fn write(
    dir: &Path,
    spec: &Spec<'_>,
    shard: Shard,
    results: Computed,
    started_utc: String,
    notify: &mut dyn FnMut(String),
) -> std::io::Result<()> {
    let partial = Partial {
        format: FORMAT.into(),
        ccsim_version: env!("CARGO_PKG_VERSION").into(),
        command: spec.command.into(),
        command_line: crate::report::manifest::command_line(),
        scenario: spec.scenario.name.clone(),
        inputs: spec.inputs.clone(),
        seed: spec.seed,
        shard: ShardInfo {
            index: shard.index,
            count: shard.count,
            assignment: "round-robin".into(),
        },
        replications: spec.runs.iter().map(|r| r.replications).collect(),
        plan: plan_digest(&spec.points, spec.runs),
        results: ResultsInfo {
            name: RESULTS_FILE.into(),
            bytes: results.bytes,
            sha256: results.sha256.clone(),
            records: results.records,
        },
        started_utc,
        finished_utc: String::new(),
        complete: false,
    };
    folder::replace(
        dir,
        vec![(
            RESULTS_FILE.into(),
            Content::Move(results.file.path.clone()),
        )],
        |_| {
            let mut p = partial;
            p.finished_utc = crate::report::manifest::now_utc();
            p.complete = true;
            let mut out = serde_json::to_vec_pretty(&p).expect("a partial manifest serializes");
            out.push(b'\n');
            out
        },
        notify,
    )
}

/// The command line of the unsharded run a merge stands for: the shard's
/// with `--shard` dropped and `--out` naming `out`.
pub fn unsharded_command_line(argv: &[String], out: &str) -> Vec<String> {
    let mut res = Vec::with_capacity(argv.len());
    let mut it = argv.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--" => {
                res.push(a.clone());
                res.extend(it.by_ref().cloned());
            }
            "--shard" => {
                it.next();
            }
            "--out" => {
                it.next();
                res.extend(["--out".to_string(), out.to_string()]);
            }
            _ if a.starts_with("--shard=") => {}
            _ if a.starts_with("--out=") => res.push(format!("--out={out}")),
            _ => res.push(a.clone()),
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    fn parse(text: &str, vars: &[(&str, &str)]) -> Result<(u32, u32), String> {
        Shard::parse(text, &env_of(vars)).map(|(s, _)| (s.index, s.count))
    }

    #[test]
    fn a_replication_reads_back_bit_for_bit() {
        let s = crate::scenario::tiny_scenario();
        let r = crate::engine::run(&s, 5, 1);
        let bytes = wire::encode(&r);
        let back = wire::decode(&bytes).unwrap();
        assert_eq!(wire::encode(&back), bytes);
        let one = crate::summary::summarize(&s, 5, std::slice::from_ref(&r));
        let two = crate::summary::summarize(&s, 5, &[back]);
        assert_eq!(
            crate::report::json::to_string(&one),
            crate::report::json::to_string(&two)
        );
        // Cut short or with a byte too many: an error, not a panic.
        assert!(wire::decode(&bytes[..bytes.len() - 1]).is_err());
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(wire::decode(&longer).is_err());
    }

    #[test]
    fn explicit_shards_are_zero_based_and_checked() {
        assert_eq!(parse("0/1", &[]), Ok((0, 1)));
        assert_eq!(parse("3/4", &[]), Ok((3, 4)));
        assert!(parse("4/4", &[]).unwrap_err().contains("does not exist"));
        assert!(parse("0/0", &[]).unwrap_err().contains("at least 1"));
        assert!(parse("2", &[]).unwrap_err().contains("expected K/N"));
        assert!(
            parse("a/2", &[])
                .unwrap_err()
                .contains("not a whole number")
        );
    }

    #[test]
    fn auto_reads_each_schedulers_variables() {
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "7"),
            ("SLURM_ARRAY_TASK_MIN", "5"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(parse("auto", &slurm), Ok((2, 4)));
        // With the count given, the task id is the index: a resubmission
        // of some indices (--array=3,7) keeps them.
        assert_eq!(parse("auto/16", &slurm), Ok((7, 16)));
        assert!(
            parse("auto/6", &slurm)
                .unwrap_err()
                .contains("does not exist")
        );
        let stepped = [
            ("SLURM_ARRAY_TASK_ID", "6"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ];
        assert_eq!(parse("auto", &stepped), Ok((3, 4)));
        let k8s = [("JOB_COMPLETION_INDEX", "2")];
        assert_eq!(parse("auto/5", &k8s), Ok((2, 5)));
        assert!(parse("auto", &k8s).unwrap_err().contains(COUNT_VAR));
        let k8s_count = [("JOB_COMPLETION_INDEX", "2"), (COUNT_VAR, "3")];
        assert_eq!(parse("auto", &k8s_count), Ok((2, 3)));
        let aws = [
            ("AWS_BATCH_JOB_ARRAY_INDEX", "0"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "2"),
        ];
        assert_eq!(parse("auto", &aws), Ok((0, 2)));
        assert_eq!(parse("auto/3", &aws), Ok((0, 3)));
        assert_eq!(parse("auto/3", &[("PARALLEL_SEQ", "3")]), Ok((2, 3)));
        assert!(parse("auto/3", &[("PARALLEL_SEQ", "4")]).is_err());
        assert!(
            parse("auto", &[])
                .unwrap_err()
                .contains("SLURM_ARRAY_TASK_ID")
        );
    }

    #[test]
    fn shards_deal_the_pairs_round_robin_and_cover_each_once() {
        let run = |replications| Run {
            seed: 1,
            replications,
        };
        let runs = [run(3), run(0), run(4)];
        let all: Vec<(usize, u32)> = Shard { index: 0, count: 1 }.pairs(&runs);
        assert_eq!(all.len(), 7);
        for n in 1..=5u32 {
            let mut seen = Vec::new();
            for k in 0..n {
                let mine = Shard { index: k, count: n }.pairs(&runs);
                // Balanced within one pair.
                assert!(mine.len() == 7 / n as usize || mine.len() == 7 / n as usize + 1);
                seen.extend(mine);
            }
            seen.sort_unstable();
            assert_eq!(seen, all);
        }
        assert_eq!(
            Shard { index: 1, count: 3 }.pairs(&runs),
            vec![(0, 1), (2, 1)]
        );
    }

    #[test]
    fn the_unsharded_command_line_drops_the_shard_and_names_the_merge_folder() {
        let argv: Vec<String> = [
            "ccsim",
            "sweep",
            "s.toml",
            "--shard",
            "auto",
            "--out=p/0",
            "--json",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            unsharded_command_line(&argv, "m"),
            ["ccsim", "sweep", "s.toml", "--out=m", "--json"].map(String::from)
        );
        let argv: Vec<String> = ["ccsim", "run", "--shard=1/2", "--out", "p/1", "s.toml"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            unsharded_command_line(&argv, "m"),
            ["ccsim", "run", "--out", "m", "s.toml"].map(String::from)
        );
    }
}
