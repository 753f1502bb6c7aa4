//! `worker_selection`: which free worker a task entering a queue gets.

use crate::{assert_within, run_trace};
use ccsim::metrics::{GroupKpi, Kpi, ReplicationResult};
use ccsim::scenario::load_str;
use ccsim::stats::Estimate;
use std::path::Path;

/// Two identical groups of 4 in one queue at 70% load. With random
/// selection each task is as likely to go to either group, so their
/// occupancies are equal (the 99.9% band of the paired difference holds 0)
/// and together they carry the offered load.
#[test]
fn random_selection_loads_symmetric_groups_equally() {
    let text = r#"name = "random"
[simulation]
horizon = "101h"
warmup = "1h"
interval = "100h"
replications = 20
seed = 8
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "84/h"
handle_time = { dist = "exponential", mean = "240s" }
[[agents]]
group = "left"
count = 4
[[agents]]
group = "right"
count = 4
[[queues]]
name = "q"
target_workers = "1==1"
worker_selection = "random"
[workflow]
default_filter = { queue = "q" }
"#;
    let s = load_str(Path::new("random.toml"), text).unwrap().scenario;
    let runs: Vec<ReplicationResult> = (0..s.sim.replications)
        .map(|r| ccsim::engine::run(&s, s.sim.seed, r))
        .collect();
    let diff = Estimate::from_values(
        runs.iter()
            .map(|r| r.groups[0][GroupKpi::Occupancy] - r.groups[1][GroupKpi::Occupancy]),
    );
    assert_within("occupancy left − right", &diff, 0.0);
    // Offered load 84/h × 240 s = 5.6 Erlangs on 8 agents.
    let occ = Estimate::from_values(
        runs.iter()
            .map(|r| (r.groups[0][GroupKpi::Occupancy] + r.groups[1][GroupKpi::Occupancy]) / 2.0),
    );
    assert_within("occupancy", &occ, 0.7);
}

/// One agent in each of two groups. Agent a takes the 0 s call (100 s of
/// talk), agent b the 1 s call (10 s). At 200 s both are free: longest
/// idle gives the call to a (last reserved at 0 s), least occupied to b
/// (10 s worked today against 100 s).
#[test]
fn least_occupied_picks_who_worked_least_today() {
    let run = |selection: &str| {
        let text = format!(
            r#"name = "least"
[simulation]
horizon = "1h"
interval = "1h"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
[[agents]]
group = "a"
count = 1
[[agents]]
group = "b"
count = 1
[[queues]]
name = "q"
target_workers = "1==1"
worker_selection = "{selection}"
[workflow]
default_filter = {{ queue = "q" }}
"#
        );
        run_trace(
            "least",
            "0,voice,100,,\n1,voice,10,,\n200,voice,10,,\n",
            &text,
        )
        .1
    };
    let taken = |r: &ReplicationResult| [0, 1].map(|g| r.groups[g][GroupKpi::ReservationsAccepted]);
    assert_eq!(taken(&run("longest_idle")), [2.0, 1.0]);
    assert_eq!(taken(&run("least_occupied")), [1.0, 2.0]);
}

/// Longest weighted wait across two queues served by one group of 22
/// (60/h and 240/h, 240 s talk). Equal weights serve the oldest task
/// first, so both classes wait as one FCFS M/M/22 queue (Erlang C); a
/// weight of 10⁹ on the first queue makes it a non-preemptive priority
/// class (Cobham), the limit of the weighted rule.
#[test]
fn weighted_wait_spans_fcfs_and_strict_priority() {
    let (l1_h, l2_h, aht, c) = (60.0, 240.0, 240.0, 22u32);
    let run = |w1: f64| {
        let text = format!(
            r#"name = "weighted"
[simulation]
horizon = "204h"
warmup = "4h"
interval = "200h"
replications = 30
seed = 77
[workspace]
task_selection = "longest_weighted_wait"
[[channels]]
name = "voice"
handle_time = {{ dist = "exponential", mean = "{aht}s" }}
[[arrivals]]
name = "first"
channel = "voice"
rate = "{l1_h}/h"
attributes = {{ line = "first" }}
[[arrivals]]
name = "second"
channel = "voice"
rate = "{l2_h}/h"
attributes = {{ line = "second" }}
[[agents]]
group = "agents"
count = {c}
[[queues]]
name = "first"
target_workers = "1==1"
wait_weight = {w1}
[[queues]]
name = "second"
target_workers = "1==1"
[[workflow.filters]]
expression = 'line == "first"'
targets = [{{ queue = "first" }}]
[workflow]
default_filter = {{ queue = "second" }}
"#
        );
        let s = load_str(Path::new("weighted.toml"), &text)
            .unwrap()
            .scenario;
        ccsim::replications::run(&s, s.sim.seed, s.sim.replications, &|_| {})
    };
    let mu = 1.0 / aht;
    let (l1, l2) = (l1_h / 3600.0, l2_h / 3600.0);
    let cmu = f64::from(c) * mu;
    let w0 = ccsim::erlang::erlang_c((l1 + l2) / mu, c).unwrap() / cmu;
    let fcfs = w0 / (1.0 - (l1 + l2) / cmu);
    let equal = run(1.0);
    assert_within(
        "equal weights, first",
        &equal.queues[0].kpis[Kpi::Asa],
        fcfs,
    );
    assert_within(
        "equal weights, second",
        &equal.queues[1].kpis[Kpi::Asa],
        fcfs,
    );
    let (s1, s2) = (l1 / cmu, (l1 + l2) / cmu);
    let strict = run(1e9);
    assert_within(
        "weight 1e9, first",
        &strict.queues[0].kpis[Kpi::Asa],
        w0 / (1.0 - s1),
    );
    assert_within(
        "weight 1e9, second",
        &strict.queues[1].kpis[Kpi::Asa],
        w0 / ((1.0 - s1) * (1.0 - s2)),
    );
}
