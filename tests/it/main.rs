//! Behaviour tests: real scenario files end to end, through the library and
//! through the `ccsim` binary. One test binary (one link step on two cores).

mod attributes;
mod audit;
mod bad_input;
mod blocking;
mod busyness;
mod calibrate;
mod charts;
mod check;
mod cli;
mod closing;
mod compare;
mod conversation;
mod costs;
mod determinism;
mod digests;
mod faults;
mod fuzz;
mod hostile_input;
mod hours;
mod html;
mod import;
mod intervals;
mod lean;
mod lint;
mod overrides;
mod precision;
mod properties;
mod queueing;
mod redial;
mod reports;
mod run_intervals;
mod scenarios;
mod selection;
mod self_service;
mod shard;
mod slowdown;
mod staff;
mod staffing_plan;
mod sweep;
mod talk_time;
mod taskrouter;
mod trace;
mod transfers;
mod validation;
mod workflow;
mod workforce;

use ccsim::metrics::ReplicationResult;
use ccsim::scenario::{Scenario, load_str};
use ccsim::stats::Estimate;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Path of a file in `scenarios/`.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// A fresh temporary folder for one test.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ccsim-it-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A temporary folder holding `calls.csv`, a trace with the given rows
/// (CSV lines after the header), for scenarios that write `trace = "calls.csv"`.
pub fn trace_dir(tag: &str, rows: &str) -> PathBuf {
    let dir = temp_dir(tag);
    std::fs::write(
        dir.join("calls.csv"),
        format!("arrival_time_s,channel,handle_time_s,patience_s,attributes\n{rows}"),
    )
    .expect("write trace");
    dir
}

/// Writes scenario `text` as `s.toml` in `dir` (beside its trace and other
/// files), for the binary to read; returns its path.
pub fn write_scenario(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("s.toml");
    std::fs::write(&path, text).expect("write scenario");
    path
}

/// Scenario `text` loaded as if read from `s.toml` in `dir` (where its trace
/// and other files are); panics with every problem in it.
pub fn load_in(dir: &Path, text: &str) -> Scenario {
    load_str(&dir.join("s.toml"), text)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .scenario
}

/// Scenario `text` whose `calls.csv` holds `rows` (see [`trace_dir`]).
pub fn load_trace(tag: &str, rows: &str, text: &str) -> Scenario {
    load_in(&trace_dir(tag, rows), text)
}

/// Replication 0, seed 1, of scenario `text` whose `calls.csv` holds `rows`:
/// the small cases worked out by hand.
pub fn run_trace(tag: &str, rows: &str, text: &str) -> (Scenario, ReplicationResult) {
    let s = load_trace(tag, rows, text);
    let r = ccsim::engine::run(&s, 1, 0);
    (s, r)
}

/// Asserts that `reference` (worked out analytically or by hand) lies in the
/// 99.9% confidence band of a simulated estimate; prints both for the log.
pub fn assert_within(label: &str, est: &Estimate, reference: f64) {
    let mean = est.mean.unwrap_or_else(|| panic!("{label}: undefined"));
    let hw = est
        .half_width(0.999)
        .unwrap_or_else(|| panic!("{label}: one replication"));
    eprintln!("{label:<28} sim {mean:.5} ± {hw:.5} (99.9%)  reference {reference:.5}");
    assert!(
        (mean - reference).abs() <= hw,
        "{label}: {mean} ± {hw} (99.9%) does not contain {reference}"
    );
}

/// Simulates replication 0 of `scenario` (with `--set` overrides `sets`)
/// and streams its events to `events.jsonl` in `dir`; returns that path.
/// The simulated histories that calibration is checked against.
pub fn simulated_history(dir: &Path, scenario: &Path, sets: &[&str]) -> PathBuf {
    let events = dir.join("events.jsonl");
    let report = dir.join("history");
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--replications",
        "1",
        "--events",
        events.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ];
    for set in sets {
        args.extend(["--set", set]);
    }
    ccsim_ok(&args, &[]);
    events
}

/// Runs the `ccsim` binary.
pub fn ccsim(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ccsim"));
    cmd.args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("ccsim runs")
}

/// Runs the `ccsim` binary, failing the test (and killing the process) if
/// it has not finished within `secs` seconds: a hang is a bug, not a wait.
pub fn ccsim_within(args: &[&str], secs: u64) -> Output {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccsim"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ccsim starts");
    // Drain the pipes on threads so a chatty process cannot block on them.
    let mut out_pipe = child.stdout.take().expect("piped");
    let mut err_pipe = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("ccsim {args:?} did not finish within {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// Runs the `ccsim` binary and asserts it succeeded; returns stdout.
pub fn ccsim_ok(args: &[&str], envs: &[(&str, &str)]) -> Vec<u8> {
    let out = ccsim(args, envs);
    let err = stderr_no_panic(&out);
    assert!(out.status.success(), "ccsim {args:?} failed:\n{err}");
    out.stdout
}

/// Stderr as text, asserting no panic happened.
pub fn stderr_no_panic(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!err.contains("panicked"), "ccsim panicked:\n{err}");
    assert_ne!(
        out.status.code(),
        Some(101),
        "exit status 101 is a panic:\n{err}"
    );
    err
}

/// Stationary distribution of a finite CTMC given its transitions
/// (from, to, rate), by Gaussian elimination on πQ = 0 with Σπ = 1.
pub fn stationary(n: usize, moves: &[(usize, usize, f64)]) -> Vec<f64> {
    // Rows: balance equations transposed (Qᵀ π = 0), the last replaced by Σπ = 1.
    let mut a = vec![vec![0.0; n + 1]; n];
    for &(i, j, r) in moves {
        a[j][i] += r;
        a[i][i] -= r;
    }
    a[n - 1] = vec![1.0; n + 1];
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap();
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for (row, r) in a.iter_mut().enumerate() {
            if row != col {
                let k = r[col] / pivot_row[col];
                for (x, p) in r.iter_mut().zip(&pivot_row).skip(col) {
                    *x -= k * p;
                }
            }
        }
    }
    (0..n).map(|i| a[i][n] / a[i][i]).collect()
}
