//! Experiments at scale, measured side by side (the machines are shared and
//! noisy: ratios and medians, never single timings):
//!
//! - replications of the one-day two-skill scenario
//!   (`scenarios/two-skill-intraday.toml`), 20 and 400, run and summarised
//!   through the library on one thread and on two, alternated: the median
//!   speed-up, the CPU time ratio and the host's load average;
//! - a 100-point sweep of the one-day two-skill scenario
//!   (`scenarios/two-skill-intraday.toml`, 10 × 10 head counts) with 20
//!   replications per point, on one thread and on two, alternated: the
//!   median speed-up, with the CPU time of each run (a CPU-bound ratio) and
//!   the host's load average;
//! - the peak memory of a 1 000-point sweep against a 10-point one, each in
//!   a child process of its own (points are written as they finish, so
//!   memory must not grow with the number of points).
//!
//! Run with `cargo bench --bench experiments`. Issue targets: ≥ 1.8× on two
//! threads; 1 000 points within 2× the memory of 10.

// Not every bench uses every helper.
#[allow(dead_code)]
mod common;

use ccsim::experiment::{Axis, Combine, Quiet, Sweep};
use ccsim::scenario::LoadOptions;
use common::{median, peak_rss_kib};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

fn sweep(file: &str, axes: &[&str], replications: u32) -> Sweep {
    Sweep {
        file: scenario(file),
        base: vec![],
        axes: axes.iter().map(|a| Axis::parse(a).expect("axis")).collect(),
        combine: Combine::Grid,
        seed: None,
        replications: Some(replications),
        options: LoadOptions::default(),
        precision: None,
        charts: false,
        html: false,
    }
}

/// A fresh report folder under the system's temporary folder.
fn fresh_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ccsim-bench-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let partial = dir.with_file_name(format!(
        ".{}.ccsim-sweep",
        dir.file_name().expect("named").to_string_lossy()
    ));
    let _ = std::fs::remove_dir_all(partial);
    dir
}

/// CPU seconds this process has used (user + system).
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes into the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// Wall and CPU seconds of `work` on a pool of `threads` threads.
fn on_threads<R: Send>(threads: usize, work: impl FnOnce() -> R + Send) -> (f64, f64) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a pool");
    let (t, c) = (Instant::now(), cpu_seconds());
    std::hint::black_box(pool.install(work));
    (t.elapsed().as_secs_f64(), cpu_seconds() - c)
}

/// Wall and CPU seconds of one run of the sweep on `threads` threads.
fn timed(s: &Sweep, threads: usize) -> (f64, f64) {
    let prepared = s.clone().prepare().expect("the sweep loads");
    let dir = fresh_dir(&format!("speed-{threads}"));
    let out = on_threads(threads, || {
        prepared.run(&dir, &Quiet).expect("the sweep runs");
    });
    let _ = std::fs::remove_dir_all(&dir);
    out
}

fn speed_up(runs: u32) {
    let s = sweep(
        "two-skill-intraday.toml",
        &["agents.support-en.count=14..23", "agents.sales.count=6..15"],
        20,
    );
    println!(
        "100-point sweep of two-skill-intraday.toml, 20 replications per point (2 000 replications), load average before: {}",
        load_average()
    );
    let (mut ratios, mut cpu_ratios) = (Vec::new(), Vec::new());
    for r in 0..runs {
        let (w1, c1) = timed(&s, 1);
        let (w2, c2) = timed(&s, 2);
        println!(
            "  run {r}: 1 thread {w1:.2} s wall ({c1:.2} s CPU), 2 threads {w2:.2} s wall ({c2:.2} s CPU)"
        );
        ratios.push(w1 / w2);
        cpu_ratios.push(c2 / c1);
    }
    println!(
        "2 threads ÷ 1 thread: median speed-up {:.2} (wall), CPU time ratio {:.2}; load average after: {}",
        median(ratios),
        median(cpu_ratios),
        load_average()
    );
}

/// Wall and CPU seconds of `replications` replications of `s`, summarised
/// (what `ccsim run` computes, without its start-up and report files), on
/// `threads` threads.
fn timed_replications(
    s: &ccsim::scenario::Scenario,
    replications: u32,
    threads: usize,
) -> (f64, f64) {
    on_threads(threads, || {
        ccsim::replications::run(s, 1, replications, &|_| {})
    })
}

/// Replications of the one-day two-skill scenario on one thread and on
/// two, alternated: the median speed-up of the replications and their
/// summary, at 20 replications and at 400.
fn replications_speed_up(runs: u32) {
    let s = ccsim::scenario::load(&scenario("two-skill-intraday.toml"))
        .expect("the scenario loads")
        .scenario;
    for replications in [20, 400] {
        let (mut ratios, mut cpu_ratios, mut walls) = (Vec::new(), Vec::new(), Vec::new());
        let load = load_average();
        for _ in 0..runs {
            let (w1, c1) = timed_replications(&s, replications, 1);
            let (w2, c2) = timed_replications(&s, replications, 2);
            ratios.push(w1 / w2);
            cpu_ratios.push(c2 / c1);
            walls.push((w1, w2));
        }
        walls.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (w1, w2) = walls[walls.len() / 2];
        println!(
            "{replications} replications of two-skill-intraday.toml, summarised: 1 thread {:.1} ms, 2 threads {:.1} ms; median speed-up {:.2} over {runs} alternated pairs (CPU time ratio {:.2}; load average before {load}, after {})",
            w1 * 1e3,
            w2 * 1e3,
            median(ratios),
            median(cpu_ratios),
            load_average()
        );
    }
}

/// Child mode: runs a sweep of `points` quickstart points (2 replications
/// each) and prints the peak RSS in KiB.
fn memory_child(points: u32) {
    let s = sweep(
        "quickstart.toml",
        &[&format!("simulation.seed=1..{points}")],
        2,
    );
    let dir = fresh_dir(&format!("memory-{points}"));
    s.prepare().expect("loads").run(&dir, &Quiet).expect("runs");
    let _ = std::fs::remove_dir_all(&dir);
    println!("{}", peak_rss_kib().unwrap_or(0));
}

fn memory() {
    let exe = std::env::current_exe().expect("own path");
    let peak = |points: u32| -> Option<u64> {
        let out = std::process::Command::new(&exe)
            .args(["--memory", &points.to_string()])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    match (peak(10), peak(1000)) {
        (Some(small), Some(large)) => println!(
            "peak RSS: 10 points {small} KiB, 1 000 points {large} KiB: ratio {:.2}",
            large as f64 / small as f64
        ),
        _ => println!("peak RSS: not measurable here (no /proc)"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--memory") {
        memory_child(args[i + 1].parse().expect("a number of points"));
        return;
    }
    replications_speed_up(15);
    memory();
    speed_up(3);
}
