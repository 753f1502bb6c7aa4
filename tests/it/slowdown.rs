//! Handle-time slowdown with concurrency against an exact continuous-time
//! Markov chain that this test builds and solves.
//!
//! Model: n agents, chat capacity c, least-loaded assignment (`order_by
//! worker.channel.chat.assigned_tasks ASC`), Poisson arrivals λ, exponential
//! solo work μ, exponential patience θ. An agent talking on j chats finishes
//! each at rate μ / scale[j−1], so it completes at rate j·μ/scale[j−1]. The
//! state is the multiset of agent loads, plus the queue length once every
//! agent is full (a freed slot takes the oldest waiting chat at once).

use ccsim::metrics::{GroupKpi, Kpi};
use ccsim::scenario::load_str;
use std::collections::HashMap;
use std::path::Path;

struct Chain {
    p_wait: f64,
    abandon: f64,
    utilization: f64,
    occupancy: f64,
}

fn solve(n: usize, c: usize, scale: &[f64], lambda: f64, mu: f64, theta: f64) -> Chain {
    let q_max = 200;
    // Enumerate states: sorted loads (non-increasing) and queue length.
    let mut states: Vec<(Vec<usize>, usize)> = Vec::new();
    fn loads(n: usize, max: usize, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if prefix.len() == n {
            out.push(prefix.clone());
            return;
        }
        let hi = prefix.last().copied().unwrap_or(max);
        for j in (0..=hi).rev() {
            prefix.push(j);
            loads(n, max, prefix, out);
            prefix.pop();
        }
    }
    let mut all = Vec::new();
    loads(n, c, &mut Vec::new(), &mut all);
    for l in &all {
        states.push((l.clone(), 0));
    }
    let full = vec![c; n];
    for q in 1..=q_max {
        states.push((full.clone(), q));
    }
    let index: HashMap<(Vec<usize>, usize), usize> = states
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, s)| (s, i))
        .collect();
    let m = states.len();
    let mut rates = vec![vec![0.0; m]; m];
    let sorted = |mut l: Vec<usize>| {
        l.sort_unstable_by(|a, b| b.cmp(a));
        l
    };
    for (i, (l, q)) in states.iter().enumerate() {
        let mut add = |to: (Vec<usize>, usize), rate: f64| {
            if rate > 0.0 {
                let j = index[&to];
                rates[i][j] += rate;
                rates[i][i] -= rate;
            }
        };
        // Arrival: to the least-loaded agent with room, else the queue.
        if let Some(pos) = l.iter().rposition(|&x| x < c) {
            let mut next = l.clone();
            next[pos] += 1;
            add((sorted(next), 0), lambda);
        } else if *q < q_max {
            add((l.clone(), q + 1), lambda);
        }
        // Completions: each agent at load j finishes at j·μ/scale[j−1].
        for (k, &j) in l.iter().enumerate() {
            if j == 0 {
                continue;
            }
            let rate = j as f64 * mu / scale[(j - 1).min(scale.len() - 1)];
            if *q > 0 {
                add((l.clone(), q - 1), rate);
            } else {
                let mut next = l.clone();
                next[k] -= 1;
                add((sorted(next), 0), rate);
            }
        }
        // Abandonment from the queue.
        if *q > 0 {
            add((l.clone(), q - 1), *q as f64 * theta);
        }
    }
    // π·Q = 0 with Σπ = 1: solve Qᵀ·π = 0, last equation replaced by the sum.
    let mut a: Vec<Vec<f64>> = (0..m)
        .map(|r| (0..m).map(|col| rates[col][r]).collect())
        .collect();
    let mut b = vec![0.0; m];
    a[m - 1] = vec![1.0; m];
    b[m - 1] = 1.0;
    for col in 0..m {
        let piv = (col..m)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap();
        a.swap(col, piv);
        b.swap(col, piv);
        let pivot = a[col].clone();
        let pivot_b = b[col];
        for (r, (row, rhs)) in a.iter_mut().zip(b.iter_mut()).enumerate() {
            if r != col && row[col] != 0.0 {
                let f = row[col] / pivot[col];
                for (x, p) in row[col..].iter_mut().zip(&pivot[col..]) {
                    *x -= f * p;
                }
                *rhs -= f * pivot_b;
            }
        }
    }
    let pi: Vec<f64> = (0..m).map(|i| b[i] / a[i][i]).collect();
    assert!(pi[m - 1] < 1e-12, "queue truncation must be negligible");
    let mut ch = Chain {
        p_wait: 0.0,
        abandon: 0.0,
        utilization: 0.0,
        occupancy: 0.0,
    };
    for ((l, q), p) in states.iter().zip(&pi) {
        if l.iter().all(|&x| x == c) {
            ch.p_wait += p;
        }
        ch.abandon += p * *q as f64 * theta / lambda;
        ch.utilization += p * l.iter().sum::<usize>() as f64 / (n * c) as f64;
        ch.occupancy += p * l.iter().filter(|&&x| x > 0).count() as f64 / n as f64;
    }
    ch
}

/// Acceptance: with `handle_time_scale` the simulation agrees with the chain
/// within the replications' 99.9% band.
#[test]
fn slowdown_matches_exact_markov_chain() {
    let (n, c) = (3usize, 3usize);
    let scale = [1.0, 1.4, 1.9];
    let (aht, patience, rate_h) = (300.0, 600.0, 48.0);
    let chain = solve(n, c, &scale, rate_h / 3600.0, 1.0 / aht, 1.0 / patience);
    let text = format!(
        r#"name = "slowdown"
[simulation]
horizon = "404h"
warmup = "4h"
replications = 30
seed = 8
interval = "400h"
service_level_threshold = "0s"
[[channels]]
name = "chat"
handle_time_scale = [1.0, 1.4, 1.9]
[[arrivals]]
name = "chats"
channel = "chat"
rate = "{rate_h}/h"
handle_time = {{ dist = "exponential", mean = "{aht}s" }}
patience = {{ dist = "exponential", mean = "{patience}s" }}
[[agents]]
group = "agents"
count = {n}
capacity = {{ chat = {c} }}
[[queues]]
name = "q"
target_workers = "1==1"
[[workflow.filters]]
expression = "1==1"
targets = [{{ queue = "q", order_by = "worker.channel.chat.assigned_tasks ASC" }}]
"#
    );
    let s = load_str(Path::new("slowdown.toml"), &text)
        .unwrap()
        .scenario;
    let summary = ccsim::replications::run(&s, s.sim.seed, s.sim.replications, &|_| {});
    super::assert_within(
        "P(no wait)",
        &summary.overall.kpis[Kpi::ServiceLevel],
        1.0 - chain.p_wait,
    );
    super::assert_within(
        "abandonment",
        &summary.overall.kpis[Kpi::AbandonRate],
        chain.abandon,
    );
    super::assert_within(
        "utilization",
        &summary.groups[0].kpis[GroupKpi::Utilization],
        chain.utilization,
    );
    super::assert_within(
        "occupancy",
        &summary.groups[0].kpis[GroupKpi::Occupancy],
        chain.occupancy,
    );
    // Without slowdown the same traffic is served faster: the chain says so too.
    let fast = solve(n, c, &[1.0], rate_h / 3600.0, 1.0 / aht, 1.0 / patience);
    assert!(fast.p_wait < chain.p_wait && fast.utilization < chain.utilization);
}

/// AHT is the time the agent actually talked: two chats of 100 s of work
/// taken together at half speed each last 200 s (it used to report the
/// drawn 100 s).
#[test]
fn aht_counts_slowed_talk() {
    let text = r#"name = "slow-aht"
[simulation]
horizon = "1h"
interval = "1h"
replications = 1
[[channels]]
name = "chat"
handle_time_scale = [1.0, 2.0]
[[arrivals]]
name = "chats"
trace = "calls.csv"
[[agents]]
group = "a"
count = 1
capacity = { chat = 2 }
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
"#;
    let (_, r) = super::run_trace("slow-aht", "0,chat,100,,\n0,chat,100,,\n", text);
    let aht = r.overall[Kpi::Aht];
    assert!((aht - 200.0).abs() < 1e-9, "AHT {aht}");
}
