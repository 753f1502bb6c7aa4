//! `ccsim merge`: the partial folders of every shard of one split, checked
//! to belong together and to be whole, read back point by point in the
//! order of the unsharded run. Each partial's results file is read from
//! front to back once (the round-robin deal puts a point's pairs at
//! consecutive places of every shard's file), so memory holds one point.

use super::{FORMAT, InputHash, MAGIC, Partial, RESULTS_FILE, Run, hex, plan_digest};
use crate::metrics::{ReplicationResult, wire};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Every shard of one split, checked, ready to be read point by point.
pub struct Merge {
    /// Shard 0's manifest (all agree on what matters).
    pub partial: Partial,
    /// Partial folders, by shard index.
    pub dirs: Vec<PathBuf>,
    /// Per shard: its results file, after the header.
    readers: Vec<BufReader<std::fs::File>>,
    /// Bytes left in each results file.
    left: Vec<u64>,
    /// The next point to read.
    next_point: usize,
    /// The next pair of the flat list.
    next_pair: u64,
}

/// A partial's manifest, refusing a folder that is not a whole partial.
fn read_partial(dir: &Path) -> Result<Partial, String> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "{}: no manifest.json, so not a finished shard (a shard that died writes none); run that shard again",
                dir.display()
            )
        } else {
            format!("reading {}: {e}", path.display())
        }
    })?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not a shard's manifest: {e}", path.display()))?;
    if v["format"].as_str() != Some(FORMAT) {
        return Err(format!(
            "{} is not a shard's partial result (a report folder, or another format than \"{FORMAT}\"); give the folders written with --shard",
            dir.display()
        ));
    }
    if v["complete"] != serde_json::Value::Bool(true) {
        return Err(format!(
            "{}: the partial is not marked complete (the shard did not finish); run that shard again",
            dir.display()
        ));
    }
    serde_json::from_value(v).map_err(|e| format!("{}: damaged manifest: {e}", path.display()))
}

/// The first way `b` (of folder `db`) does not belong with `a` (of `da`).
fn mismatch(a: &Partial, da: &Path, b: &Partial, db: &Path) -> Option<String> {
    let (da, db) = (da.display(), db.display());
    if a.ccsim_version != b.ccsim_version {
        return Some(format!(
            "the partials come from different ccsim versions: {} in {da}, {} in {db}; run every shard with the same ccsim",
            a.ccsim_version, b.ccsim_version
        ));
    }
    if a.command != b.command {
        return Some(format!(
            "the partials come from different commands: {} in {da}, {} in {db}",
            a.command, b.command
        ));
    }
    if a.inputs != b.inputs {
        let diff = a.inputs.iter().zip(&b.inputs).find(|(x, y)| x != y).map_or(
            "a different number of input files".to_string(),
            |(x, y)| {
                format!(
                    "{} {} (sha256 {}) vs {} {} (sha256 {})",
                    x.role, x.path, x.sha256, y.role, y.path, y.sha256
                )
            },
        );
        return Some(format!(
            "the partials are of different scenarios (input hashes differ): {da} and {db} read {diff}"
        ));
    }
    if a.seed != b.seed {
        return Some(format!(
            "the partials were run with different seeds: {} in {da}, {} in {db}",
            a.seed, b.seed
        ));
    }
    if a.shard.count != b.shard.count {
        return Some(format!(
            "the partials are of different shard counts: {da} is one of {} shards, {db} one of {}; merge the shards of one split",
            a.shard.count, b.shard.count
        ));
    }
    if a.replications != b.replications || a.plan != b.plan {
        return Some(format!(
            "the partials are of different points or replications (overrides, --vary, --replications): {da} and {db}"
        ));
    }
    let line = |p: &Partial| {
        super::unsharded_command_line(&p.command_line[1.min(p.command_line.len())..], "")
    };
    if line(a) != line(b) {
        return Some(format!(
            "the partials were run with different options: {da} by `{}`, {db} by `{}`",
            a.command_line.join(" "),
            b.command_line.join(" ")
        ));
    }
    None
}

/// SHA-256 and size of a file, read in pieces.
fn digest(path: &Path) -> std::io::Result<(String, u64)> {
    use sha2::Digest;
    let mut f = std::fs::File::open(path)?;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = f.read(&mut buf)?;
        if k == 0 {
            break;
        }
        h.update(&buf[..k]);
        n += k as u64;
    }
    Ok((hex(&h.finalize()), n))
}

/// Pairs of `total` that shard `index` of `count` holds.
fn share(total: u64, index: u32, count: u32) -> u64 {
    let (k, n) = (u64::from(index), u64::from(count));
    if k >= total {
        0
    } else {
        (total - k).div_ceil(n)
    }
}

impl Merge {
    /// Opens the partial folders `dirs` (in any order) of one split.
    ///
    /// # Errors
    /// A folder that is not a whole partial; partials that do not belong
    /// together (version, command, scenario, seed, shard count, points);
    /// missing or duplicate shards, by index; a damaged results file.
    pub fn open(dirs: &[PathBuf]) -> Result<Merge, String> {
        if dirs.is_empty() {
            return Err("give the partial folders to merge".into());
        }
        let partials: Vec<Partial> = dirs
            .iter()
            .map(|d| read_partial(d))
            .collect::<Result<_, _>>()?;
        for (p, d) in partials.iter().zip(dirs).skip(1) {
            if let Some(e) = mismatch(&partials[0], &dirs[0], p, d) {
                return Err(e);
            }
        }
        let count = partials[0].shard.count;
        let mut by_index: Vec<Vec<&PathBuf>> = vec![Vec::new(); count as usize];
        for (p, d) in partials.iter().zip(dirs) {
            if p.shard.index >= count {
                return Err(format!(
                    "{}: shard {} of {count} does not exist",
                    d.display(),
                    p.shard.index
                ));
            }
            by_index[p.shard.index as usize].push(d);
        }
        let missing: Vec<String> = (0..count)
            .filter(|&i| by_index[i as usize].is_empty())
            .map(|i| i.to_string())
            .collect();
        let duplicates: Vec<String> = by_index
            .iter()
            .enumerate()
            .filter(|(_, ds)| ds.len() > 1)
            .map(|(i, ds)| {
                let names: Vec<String> = ds.iter().map(|d| d.display().to_string()).collect();
                format!(
                    "shard {i} is given {} times ({})",
                    ds.len(),
                    names.join(", ")
                )
            })
            .collect();
        if !missing.is_empty() || !duplicates.is_empty() {
            let mut msg = Vec::new();
            if !missing.is_empty() {
                msg.push(format!(
                    "missing shards: {} (of 0..{}); run just those again (e.g. sbatch --array={}) and merge all {count}",
                    missing.join(", "),
                    count - 1,
                    missing.join(",")
                ));
            }
            if !duplicates.is_empty() {
                msg.push(format!(
                    "duplicate shards: {}; give each shard once",
                    duplicates.join("; ")
                ));
            }
            return Err(msg.join("\n"));
        }
        let mut order: Vec<usize> = (0..partials.len()).collect();
        order.sort_by_key(|&i| partials[i].shard.index);
        let total: u64 = partials[0].replications.iter().map(|&r| u64::from(r)).sum();
        let mut readers = Vec::new();
        let mut left = Vec::new();
        let mut sorted_dirs = Vec::new();
        for &i in &order {
            let (p, d) = (&partials[i], &dirs[i]);
            let path = d.join(RESULTS_FILE);
            let damaged = |why: String| {
                format!(
                    "{}: {why}; run shard {} again",
                    path.display(),
                    p.shard.index
                )
            };
            let (sha, bytes) = digest(&path).map_err(|e| damaged(e.to_string()))?;
            if sha != p.results.sha256 || bytes != p.results.bytes {
                return Err(damaged(
                    "not the file its manifest describes (damaged or replaced)".into(),
                ));
            }
            if p.results.records != share(total, p.shard.index, count) {
                return Err(damaged(format!(
                    "{} records where shard {} of {count} has {}",
                    p.results.records,
                    p.shard.index,
                    share(total, p.shard.index, count)
                )));
            }
            let mut r =
                BufReader::new(std::fs::File::open(&path).map_err(|e| damaged(e.to_string()))?);
            let mut magic = vec![0u8; MAGIC.len()];
            r.read_exact(&mut magic)
                .map_err(|e| damaged(e.to_string()))?;
            if magic != MAGIC {
                return Err(damaged("not a results file".into()));
            }
            readers.push(r);
            left.push(bytes - MAGIC.len() as u64);
            sorted_dirs.push(d.clone());
        }
        Ok(Merge {
            partial: partials[order[0]].clone(),
            dirs: sorted_dirs,
            readers,
            left,
            next_point: 0,
            next_pair: 0,
        })
    }

    /// Checks that the command being merged, as parsed again here, is the
    /// one the shards ran: the same input files (their hashes now) and
    /// the same points.
    ///
    /// # Errors
    /// What differs.
    pub fn check(
        &self,
        inputs: &[InputHash],
        points: &[String],
        runs: &[Run],
    ) -> Result<(), String> {
        if inputs != self.partial.inputs.as_slice() {
            let changed = self
                .partial
                .inputs
                .iter()
                .zip(inputs)
                .find(|(a, b)| a != b)
                .map_or(String::new(), |(a, b)| {
                    format!(
                        ": {} {} was sha256 {} for the shards, is {} here",
                        a.role, a.path, a.sha256, b.sha256
                    )
                });
            return Err(format!(
                "the input files changed since the shards ran{changed}; run merge where the shards ran, on the same files"
            ));
        }
        let reps: Vec<u32> = runs.iter().map(|r| r.replications).collect();
        if reps != self.partial.replications || plan_digest(points, runs) != self.partial.plan {
            return Err("the points of the command differ from the shards' (overrides, --vary, --replications)".into());
        }
        Ok(())
    }

    /// Point `p`'s results in replication order. Points must be read in
    /// order, from 0.
    ///
    /// # Errors
    /// A point out of order, or a record that is not the expected one.
    pub fn point(&mut self, p: usize) -> Result<Vec<ReplicationResult>, String> {
        if p != self.next_point || p >= self.partial.replications.len() {
            return Err(format!("merge: point {p} asked for out of order"));
        }
        self.next_point += 1;
        let n = self.partial.replications[p];
        let count = u64::from(self.partial.shard.count);
        let mut out = Vec::with_capacity(n as usize);
        for r in 0..n {
            let k = (self.next_pair % count) as usize;
            self.next_pair += 1;
            let dir = &self.dirs[k];
            let bad = |why: &str| {
                format!(
                    "{}: {why} at point {p}, replication {r}; run shard {k} again",
                    dir.join(RESULTS_FILE).display()
                )
            };
            let reader = &mut self.readers[k];
            let mut head = [0u8; 16];
            reader
                .read_exact(&mut head)
                .map_err(|_| bad("the file ends early"))?;
            let got_p = u32::from_le_bytes(head[0..4].try_into().expect("4 bytes"));
            let got_r = u32::from_le_bytes(head[4..8].try_into().expect("4 bytes"));
            let len = u64::from_le_bytes(head[8..16].try_into().expect("8 bytes"));
            if got_p as usize != p || got_r != r {
                return Err(bad(&format!(
                    "a record of point {got_p}, replication {got_r}"
                )));
            }
            if len > self.left[k].saturating_sub(16) {
                return Err(bad("a record longer than the file"));
            }
            self.left[k] -= 16 + len;
            let mut body = vec![0u8; len as usize];
            reader
                .read_exact(&mut body)
                .map_err(|_| bad("the file ends early"))?;
            out.push(wire::decode(&body).map_err(|e| bad(&e))?);
        }
        Ok(out)
    }
}
