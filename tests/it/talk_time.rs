//! Agent-dependent talk time (`handle_time_factor`): the customer's talk
//! time is drawn at arrival and scaled by the serving group's factor, so
//! each group serves at its own rate. Checked on an N-model loss system
//! (no waiting) against its exact Markov chain.

use crate::{assert_within, stationary};
use ccsim::metrics::{GroupKpi, Kpi};
use ccsim::replications;
use ccsim::scenario::load_str;
use ccsim::stats::Estimate;
use std::path::Path;

/// Class 1 tries group A (c_a agents, talk mean m) and overflows to group
/// B (c_b agents, talk mean m·f); class 2 goes to B only; nobody waits.
/// Returns (class 1 blocked share, class 2 blocked share, A occupancy,
/// B occupancy).
fn n_model(l1: f64, l2: f64, m: f64, f: f64, c_a: usize, c_b: usize) -> [f64; 4] {
    let mut states = Vec::new();
    for a in 0..=c_a {
        for b1 in 0..=c_b {
            for b2 in 0..=c_b - b1 {
                states.push((a, b1, b2));
            }
        }
    }
    let at = |s: (usize, usize, usize)| states.iter().position(|&x| x == s).unwrap();
    let (mu_a, mu_b) = (1.0 / m, 1.0 / (m * f));
    let mut moves = Vec::new();
    for (i, &(a, b1, b2)) in states.iter().enumerate() {
        let b_free = b1 + b2 < c_b;
        if a < c_a {
            moves.push((i, at((a + 1, b1, b2)), l1));
        } else if b_free {
            moves.push((i, at((a, b1 + 1, b2)), l1));
        }
        if b_free {
            moves.push((i, at((a, b1, b2 + 1)), l2));
        }
        if a > 0 {
            moves.push((i, at((a - 1, b1, b2)), a as f64 * mu_a));
        }
        if b1 > 0 {
            moves.push((i, at((a, b1 - 1, b2)), b1 as f64 * mu_b));
        }
        if b2 > 0 {
            moves.push((i, at((a, b1, b2 - 1)), b2 as f64 * mu_b));
        }
    }
    let pi = stationary(states.len(), &moves);
    let mut out = [0.0; 4];
    for (p, &(a, b1, b2)) in pi.iter().zip(&states) {
        let b_full = b1 + b2 == c_b;
        if a == c_a && b_full {
            out[0] += p;
        }
        if b_full {
            out[1] += p;
        }
        out[2] += p * a as f64 / c_a as f64;
        out[3] += p * (b1 + b2) as f64 / c_b as f64;
    }
    out
}

#[test]
fn an_n_model_with_a_slower_flexible_group_matches_its_chain() {
    let (r1, r2, aht, f) = (40.0, 20.0, 240.0, 1.5);
    let text = format!(
        r#"name = "n-model"
[simulation]
horizon = "401h"
warmup = "1h"
interval = "400h"
replications = 20
seed = 5
[[channels]]
name = "voice"
handle_time = {{ dist = "exponential", mean = "{aht}s" }}
[[arrivals]]
name = "one"
channel = "voice"
rate = "{r1}/h"
attributes = {{ kind = 1 }}
[[arrivals]]
name = "two"
channel = "voice"
rate = "{r2}/h"
attributes = {{ kind = 2 }}
[[agents]]
group = "a"
count = 2
attributes = {{ team = "a" }}
[[agents]]
group = "b"
count = 3
attributes = {{ team = "b" }}
handle_time_factor = {{ voice = {f} }}
[[queues]]
name = "a"
target_workers = 'team == "a"'
[[queues]]
name = "b"
target_workers = 'team == "b"'
max_waiting = 0
[[workflow.filters]]
expression = "kind == 1"
targets = [{{ queue = "a", skip_if = "1==1" }}, {{ queue = "b" }}]
[workflow]
default_filter = {{ queue = "b" }}
"#
    );
    let s = load_str(Path::new("n-model.toml"), &text).unwrap().scenario;
    let mut blocked = [Vec::new(), Vec::new()];
    let mut occ = [Vec::new(), Vec::new()];
    for rep in 0..s.sim.replications {
        let r = ccsim::engine::run(&s, s.sim.seed, rep);
        for k in 0..2 {
            let src = &r.sources[k];
            blocked[k].push(src[Kpi::Blocked] / src[Kpi::Offered]);
            occ[k].push(r.groups[k][GroupKpi::Occupancy]);
        }
    }
    let exact = n_model(r1 / 3600.0, r2 / 3600.0, aht, f, 2, 3);
    let est = |v: &[f64]| Estimate::from_values(v.iter().copied());
    assert_within("class 1 blocked", &est(&blocked[0]), exact[0]);
    assert_within("class 2 blocked", &est(&blocked[1]), exact[1]);
    assert_within("group a occupancy", &est(&occ[0]), exact[2]);
    assert_within("group b occupancy", &est(&occ[1]), exact[3]);
    // The same model at equal speeds is a different chain: the factor
    // matters (B's occupancy would be well below what was measured).
    let same = n_model(r1 / 3600.0, r2 / 3600.0, aht, 1.0, 2, 3);
    let hw = est(&occ[1]).half_width(0.999).unwrap();
    assert!((est(&occ[1]).mean.unwrap() - same[3]).abs() > hw);
    // The summary over replications agrees with the per-replication runs.
    let summary = replications::run(&s, s.sim.seed, s.sim.replications, &|_| {});
    assert_eq!(
        summary.groups[1].kpis[GroupKpi::Occupancy].mean,
        est(&occ[1]).mean
    );
}
