//! `worker_selection`: which free worker a task entering a queue gets.

use crate::{assert_within, run_trace};
use ccsim::metrics::{GroupKpi, ReplicationResult};
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
