//! Replications on rayon.
//!
//! Each replication is an independent pure function of (scenario, seed,
//! index); results are collected in index order and summarised estimate by
//! estimate ([`crate::summary::summarize`], each estimate over the results in
//! index order), so the output is bit-identical whatever the number of
//! threads.

use crate::engine;
use crate::metrics::ReplicationResult;
use crate::routing::Plan;
use crate::scenario::Scenario;
use crate::summary::{Summary, summarize};
use rayon::prelude::*;

/// Runs `replications` replications in parallel; `on_done` is called after
/// each one with the contacts it simulated (for progress display).
pub fn run_replications(
    s: &Scenario,
    seed: u64,
    replications: u32,
    on_done: &(dyn Fn(u64) + Sync),
) -> Vec<ReplicationResult> {
    // Routing tables depend only on the scenario: build them once.
    let plan = Plan::build(s);
    (0..replications)
        .into_par_iter()
        .map(|r| {
            let res = engine::run_with_plan(s, &plan, seed, r);
            on_done(res.contacts);
            res
        })
        .collect()
}

/// As [`run_replications`], with replication 0 run first on this thread and
/// its audit trail reported to `tracer` (results are identical).
pub fn run_replications_traced(
    s: &Scenario,
    seed: u64,
    replications: u32,
    on_done: &(dyn Fn(u64) + Sync),
    tracer: &mut dyn FnMut(&crate::engine::trace::TraceEvent),
) -> Vec<ReplicationResult> {
    let plan = Plan::build(s);
    let mut results = Vec::with_capacity(replications as usize);
    if replications > 0 {
        let first = engine::run_traced(s, &plan, seed, 0, tracer);
        on_done(first.contacts);
        results.push(first);
    }
    let rest: Vec<ReplicationResult> = (1..replications)
        .into_par_iter()
        .map(|r| {
            let res = engine::run_with_plan(s, &plan, seed, r);
            on_done(res.contacts);
            res
        })
        .collect();
    results.extend(rest);
    results
}

/// Runs a scenario's replications and summarises them.
pub fn run(s: &Scenario, seed: u64, replications: u32, on_done: &(dyn Fn(u64) + Sync)) -> Summary {
    let results = run_replications(s, seed, replications, on_done);
    summarize(s, seed, &results)
}
