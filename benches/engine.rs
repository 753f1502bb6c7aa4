//! Engine throughput: one single-queue Erlang A (M/M/n+M) replication of about
//! one million arrivals, reported as contacts per second on one core (median
//! of several runs; the machines are shared and noisy), plus the peak resident
//! memory of a ten-million-contact replication.
//!
//! Run with `cargo bench --bench engine`. Target: ≥ 5 M contacts/s per core.

use ccsim::scenario::load_str;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

fn scenario(rate_per_h: f64, agents: u32, horizon_h: f64) -> ccsim::scenario::Scenario {
    let text = format!(
        r#"name = "bench"
[simulation]
horizon = "{horizon_h}h"
warmup = "1h"
replications = 1
seed = 1
interval = "{window}h"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "{rate_per_h}/h"
handle_time = {{ dist = "exponential", mean = "240s" }}
patience = {{ dist = "exponential", mean = "120s" }}
[[agents]]
group = "agents"
count = {agents}
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = {{ queue = "q" }}
"#,
        window = horizon_h - 1.0
    );
    load_str(Path::new("bench.toml"), &text)
        .expect("bench scenario")
        .scenario
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn bench(label: &str, s: &ccsim::scenario::Scenario, runs: u32) {
    let mut rates = Vec::new();
    let mut contacts = 0;
    for r in 0..runs {
        let t = Instant::now();
        let res = black_box(ccsim::engine::run(black_box(s), 1, r));
        let secs = t.elapsed().as_secs_f64();
        contacts = res.contacts;
        rates.push(res.contacts as f64 / secs);
    }
    let m = median(rates.clone());
    let (lo, hi) = (
        rates.iter().copied().fold(f64::INFINITY, f64::min),
        rates.iter().copied().fold(0.0, f64::max),
    );
    println!(
        "{label}: {contacts} contacts/replication, median {:.2} M contacts/s (min {:.2}, max {:.2}, {runs} runs)",
        m / 1e6,
        lo / 1e6,
        hi / 1e6
    );
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn main() {
    // 28 agents at 360/h (the quickstart center), ~1.0 M arrivals.
    bench("erlang-a 28 agents   ", &scenario(360.0, 28, 2801.0), 7);
    // A large center: 2 450 agents at 36 000/h, ~1.0 M arrivals (bigger heaps).
    bench("erlang-a 2450 agents ", &scenario(36_000.0, 2_450, 29.0), 5);
    let before = peak_rss_kib();
    let s = scenario(360.0, 28, 27_779.0);
    let t = Instant::now();
    let res = ccsim::engine::run(&s, 1, 0);
    println!(
        "10 M run: {} contacts in {:.2} s; peak RSS {} KiB before, {} KiB after",
        res.contacts,
        t.elapsed().as_secs_f64(),
        before.map_or("?".into(), |k| k.to_string()),
        peak_rss_kib().map_or("?".into(), |k| k.to_string())
    );
}
