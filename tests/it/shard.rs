//! `--shard K/N` and `ccsim merge` (docs/cluster.md): shards run in any
//! order and merged give the unsharded command's folder and stdout byte
//! for byte, for every shard count; partials that do not belong together,
//! missing or duplicate shards and unfinished partials are refused with
//! what to do.

use super::{ccsim, ccsim_ok, scenario, stderr_no_panic, temp_dir};
use std::path::{Path, PathBuf};

/// Fixed timestamps (the reproducible-builds convention ccsim honours), so
/// that whole folders, manifests and report pages included, compare.
const EPOCH: (&str, &str) = ("SOURCE_DATE_EPOCH", "1700000000");

/// A small sweep: 2 points × 3 replications, with charts and the page.
fn sweep_args(file: &Path) -> Vec<String> {
    [
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "agents.support.count=26,28",
        "--replications",
        "3",
        "--json",
        "--charts",
        "--html",
    ]
    .map(String::from)
    .to_vec()
}

/// Every file under `dir` (relative path, bytes), sorted.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// Runs `args` plus `--out out` with `envs`, asserting success; stdout.
fn run_into(args: &[String], out: &Path, envs: &[(&str, &str)]) -> Vec<u8> {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend(["--out", out.to_str().unwrap()]);
    ccsim_ok(&all, envs)
}

/// The unsharded command's folder and stdout: run into `base/out`, then
/// moved to `base/ref` so a merge can write the same `--out` path (the
/// manifest records the command line, `--out` included).
fn reference(base: &Path, args: &[String]) -> (Vec<(PathBuf, Vec<u8>)>, Vec<u8>) {
    let out = base.join("out");
    let stdout = run_into(args, &out, &[EPOCH]);
    std::fs::rename(&out, base.join("ref")).unwrap();
    (files(&base.join("ref")), stdout)
}

/// `ccsim merge <parts> --out base/out`: (success, stdout, stderr).
fn merge(base: &Path, parts: &[PathBuf]) -> (bool, Vec<u8>, String) {
    let out = base.join("out");
    let mut all = vec!["merge"];
    all.extend(parts.iter().map(|p| p.to_str().unwrap()));
    all.extend(["--out", out.to_str().unwrap()]);
    let o = ccsim(&all, &[EPOCH]);
    let err = stderr_no_panic(&o);
    (o.status.success(), o.stdout, err)
}

/// Environment variables making `--shard auto` shard `k` of `n`, a
/// different scheduler's for different `n`.
fn scheduler_env(k: u32, n: u32) -> Vec<(&'static str, String)> {
    match n {
        2 => vec![
            ("SLURM_ARRAY_TASK_ID", (k + 10).to_string()),
            ("SLURM_ARRAY_TASK_MIN", "10".into()),
            ("SLURM_ARRAY_TASK_COUNT", n.to_string()),
        ],
        3 => vec![
            ("JOB_COMPLETION_INDEX", k.to_string()),
            ("CCSIM_SHARD_COUNT", n.to_string()),
        ],
        4 => vec![
            ("AWS_BATCH_JOB_ARRAY_INDEX", k.to_string()),
            ("AWS_BATCH_JOB_ARRAY_SIZE", n.to_string()),
        ],
        _ => vec![
            ("PARALLEL_SEQ", (k + 1).to_string()),
            ("CCSIM_SHARD_COUNT", n.to_string()),
        ],
    }
}

/// Runs shards `order` of `n` of `args` into `base/n-k`; returns the
/// folders in the order run. With `auto`, `--shard auto` and a
/// scheduler's variables instead of `--shard k/n`.
fn shards(base: &Path, args: &[String], n: u32, order: &[u32], auto: bool) -> Vec<PathBuf> {
    order
        .iter()
        .map(|&k| {
            let dir = base.join(format!("{n}-{k}"));
            let mut a = args.to_vec();
            let env = scheduler_env(k, n);
            let mut envs: Vec<(&str, &str)> = env.iter().map(|(v, x)| (*v, x.as_str())).collect();
            envs.push(EPOCH);
            if auto {
                a.extend(["--shard".into(), "auto".into()]);
            } else {
                a.extend(["--shard".into(), format!("{k}/{n}")]);
                envs.retain(|(v, _)| *v == EPOCH.0);
            }
            let stdout = run_into(&a, &dir, &envs);
            assert!(stdout.is_empty(), "a shard prints nothing on stdout");
            assert!(dir.join("results.bin").is_file());
            dir
        })
        .collect()
}

#[test]
fn every_shard_count_merges_into_the_unsharded_sweep_byte_for_byte() {
    let base = temp_dir("shard-sweep");
    let args = sweep_args(&scenario("quickstart.toml"));
    let (want, want_stdout) = reference(&base, &args);
    assert!(want.iter().any(|(p, _)| p.ends_with("report.html")));
    assert!(want.iter().any(|(p, _)| p.starts_with("charts")));
    for n in 1..=5u32 {
        // Reversed, then (from 3 shards on) read by a scheduler's variables.
        let order: Vec<u32> = (0..n).rev().collect();
        let parts = shards(&base, &args, n, &order, n >= 2);
        let (ok, stdout, err) = merge(&base, &parts);
        assert!(ok, "merge of {n} shards failed:\n{err}");
        assert!(stdout == want_stdout, "merged --json of {n} shards differs");
        let got = files(&base.join("out"));
        assert_eq!(
            got.iter().map(|(p, _)| p).collect::<Vec<_>>(),
            want.iter().map(|(p, _)| p).collect::<Vec<_>>(),
            "{n} shards: other files"
        );
        for ((p, a), (_, b)) in got.iter().zip(&want) {
            assert!(a == b, "{n} shards: {} differs", p.display());
        }
        std::fs::remove_dir_all(base.join("out")).unwrap();
    }
}

#[test]
fn a_sharded_run_and_comparison_merge_into_the_unsharded_ones() {
    let base = temp_dir("shard-run");
    let file = scenario("quickstart.toml");
    for (tag, args) in [
        (
            "run",
            vec![
                "run",
                file.to_str().unwrap(),
                "--replications",
                "5",
                "--json",
                "--html",
            ],
        ),
        (
            "compare",
            vec![
                "compare",
                file.to_str().unwrap(),
                "--vs",
                "agents.support.count=28",
                "--replications",
                "3",
                "--json",
            ],
        ),
    ] {
        let dir = base.join(tag);
        std::fs::create_dir_all(&dir).unwrap();
        let args: Vec<String> = args.into_iter().map(String::from).collect();
        let (want, want_stdout) = reference(&dir, &args);
        let parts = shards(&dir, &args, 3, &[1, 2, 0], false);
        let (ok, stdout, err) = merge(&dir, &parts);
        assert!(ok, "{tag}: merge failed:\n{err}");
        assert!(stdout == want_stdout, "{tag}: merged --json differs");
        assert!(
            files(&dir.join("out")) == want,
            "{tag}: merged folder differs"
        );
    }
}

/// Shards `0/2` and `1/2` of the small sweep, the second with `extra`
/// arguments, into `base/a` and `base/b`.
fn pair(base: &Path, file: &Path, extra: &[&str], second: &str) -> Vec<PathBuf> {
    let args = sweep_args(file);
    let a = base.join("a");
    let b = base.join("b");
    let mut first = args.clone();
    first.extend(["--shard".into(), "0/2".into()]);
    run_into(&first, &a, &[EPOCH]);
    let mut other = args;
    other.extend(extra.iter().map(|s| s.to_string()));
    other.extend(["--shard".into(), second.into()]);
    run_into(&other, &b, &[EPOCH]);
    vec![a, b]
}

#[test]
fn partials_of_other_scenarios_seeds_shard_counts_or_versions_are_refused() {
    let base = temp_dir("shard-mismatch");
    let file = base.join("s.toml");
    let text = std::fs::read_to_string(scenario("quickstart.toml")).unwrap();
    std::fs::write(&file, &text).unwrap();
    let refused = |parts: &[PathBuf], why: &str| {
        let (ok, _, err) = merge(&base, parts);
        assert!(!ok, "merged although {why}");
        assert!(err.contains(why), "expected \"{why}\" in:\n{err}");
        assert!(!base.join("out").exists(), "a refused merge writes nothing");
    };

    // The same path, another content: another scenario.
    let a = base.join("orig");
    let mut args = sweep_args(&file);
    args.extend(["--shard".into(), "0/2".into()]);
    run_into(&args, &a, &[EPOCH]);
    std::fs::write(&file, format!("{text}\n# changed\n")).unwrap();
    let parts = pair(&base, &file, &[], "1/2");
    let b = parts[1].clone();
    refused(&[a, b], "different scenarios (input hashes differ)");
    // Both shards of the changed file, then the file changes again.
    std::fs::write(&file, format!("{text}\n# changed again\n")).unwrap();
    refused(&parts, "the input files changed since the shards ran");
    std::fs::write(&file, &text).unwrap();

    let parts = pair(&base, &file, &["--seed", "99"], "1/2");
    refused(&parts, "different seeds: 7 in");
    let parts = pair(&base, &file, &[], "1/3");
    refused(&parts, "different shard counts");
    let parts = pair(&base, &file, &[], "1/2");
    let manifest = parts[1].join("manifest.json");
    let m = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        m.replace(
            &format!("\"ccsim_version\": \"{}\"", env!("CARGO_PKG_VERSION")),
            "\"ccsim_version\": \"0.0.1\"",
        ),
    )
    .unwrap();
    refused(
        &parts,
        &format!("different ccsim versions: {} in", env!("CARGO_PKG_VERSION")),
    );
    refused(&parts, "0.0.1 in");
}

#[test]
fn missing_and_duplicate_shards_are_named_by_index() {
    let base = temp_dir("shard-missing");
    let args = sweep_args(&scenario("quickstart.toml"));
    let parts = shards(&base, &args, 4, &[0, 1, 2, 3], false);
    let (ok, _, err) = merge(&base, &[parts[2].clone(), parts[0].clone()]);
    assert!(!ok);
    assert!(err.contains("missing shards: 1, 3 (of 0..3)"), "{err}");
    let with_twice = [&parts[..], &parts[1..2]].concat();
    let (ok, _, err) = merge(&base, &with_twice);
    assert!(!ok);
    assert!(
        err.contains("duplicate shards: shard 1 is given 2 times"),
        "{err}"
    );
    assert!(!err.contains("missing shards"), "{err}");
    assert!(!base.join("out").exists());
    // Never into one of the partials.
    let o = ccsim(
        &[
            "merge",
            parts[0].to_str().unwrap(),
            parts[1].to_str().unwrap(),
            "--out",
            parts[1].to_str().unwrap(),
        ],
        &[],
    );
    let err = stderr_no_panic(&o);
    assert!(!o.status.success());
    assert!(err.contains("is one of the partial folders"), "{err}");
    assert!(parts[1].join("results.bin").is_file());
    // All four, each once, in another order: merged.
    let (ok, _, err) = merge(&base, &[3, 1, 0, 2].map(|i| parts[i].clone()));
    assert!(ok, "{err}");
}

#[test]
fn an_unfinished_or_damaged_partial_is_refused() {
    let base = temp_dir("shard-unfinished");
    let args = sweep_args(&scenario("quickstart.toml"));
    let parts = shards(&base, &args, 2, &[0, 1], false);
    let manifest = parts[1].join("manifest.json");
    let m = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        m.replace("\"complete\": true", "\"complete\": false"),
    )
    .unwrap();
    let (ok, _, err) = merge(&base, &parts);
    assert!(!ok);
    assert!(err.contains("not marked complete"), "{err}");
    std::fs::remove_file(&manifest).unwrap();
    let (ok, _, err) = merge(&base, &parts);
    assert!(!ok);
    assert!(
        err.contains("no manifest.json, so not a finished shard"),
        "{err}"
    );
    // Shard 1 again, then its results file cut short.
    std::fs::remove_dir_all(&parts[1]).unwrap();
    let parts = shards(&base, &args, 2, &[0, 1], false);
    let results = parts[1].join("results.bin");
    let bytes = std::fs::read(&results).unwrap();
    std::fs::write(&results, &bytes[..bytes.len() / 2]).unwrap();
    let (ok, _, err) = merge(&base, &parts);
    assert!(!ok);
    assert!(err.contains("not the file its manifest describes"), "{err}");
    assert!(err.contains("run shard 1 again"), "{err}");
    assert!(!base.join("out").exists());
}

#[test]
fn shards_refuse_precision_and_need_their_own_folder() {
    let file = scenario("quickstart.toml");
    let f = file.to_str().unwrap();
    let o = ccsim(
        &[
            "run",
            f,
            "--shard",
            "0/2",
            "--precision",
            "service_level=0.01",
            "--out",
            "/nonexistent/x",
        ],
        &[],
    );
    let err = stderr_no_panic(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("--shard cannot split a run to --precision"),
        "{err}"
    );
    let o = ccsim(
        &[
            "sweep",
            f,
            "--vary",
            "agents.support.count=26,27",
            "--shard",
            "0/2",
        ],
        &[],
    );
    let err = stderr_no_panic(&o);
    assert!(!o.status.success());
    assert!(err.contains("--shard needs --out"), "{err}");
    let o = ccsim(&["run", f, "--shard", "2/2", "--out", "x"], &[]);
    let err = stderr_no_panic(&o);
    assert!(err.contains("shard 2 of 2 does not exist"), "{err}");
}

#[test]
fn a_shard_killed_midway_leaves_nothing_merge_would_take() {
    let base = temp_dir("shard-killed");
    let file = scenario("quickstart.toml");
    let dir = base.join("2-1");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ccsim"))
        .args([
            "sweep",
            file.to_str().unwrap(),
            "--vary",
            "agents.support.count=24..31",
            "--replications",
            "400",
            "--shard",
            "1/2",
            "--out",
            dir.to_str().unwrap(),
        ])
        .env("RAYON_NUM_THREADS", "1")
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("ccsim starts");
    std::thread::sleep(std::time::Duration::from_millis(300));
    child.kill().expect("kill");
    child.wait().expect("wait");
    assert!(!dir.exists(), "a killed shard left its folder");
    let other = base.join("2-0");
    let mut args = sweep_args(&file);
    args.extend(["--shard".into(), "0/2".into()]);
    run_into(&args, &other, &[EPOCH]);
    let (ok, _, err) = merge(&base, &[other, dir]);
    assert!(!ok);
    assert!(
        err.contains("no manifest.json, so not a finished shard"),
        "{err}"
    );
}
