#![warn(missing_docs)]
//! ccsim: a discrete-event contact-center simulator with TaskRouter-style routing.
//!
//! ```text
//! scenario.toml ─▶ scenario (parse + validate) ─▶ engine (one replication:
//!   arrivals ─▶ routing ⇄ workforce, clock + calendar, RNG streams)
//!   ─▶ metrics (streaming) and cost ─▶ replications (on rayon)
//!   ─▶ summary (mean ± 95% CI) ─▶ report
//!   ─▶ experiment (sweeps: many overridden designs, common random numbers)
//! ```
//! One replication is a pure function `(Scenario, seed, replication) →
//! ReplicationResult`. Modules are declared in layer order, bottom up: each
//! uses only those above it in this list (`layers.rs` checks it), so there
//! are no import circles.

// Foundations: expressions, random streams, statistics, queueing formulas,
// the heaps of the calendar and the router.
pub mod erlang;
pub mod expr;
pub mod heap;
pub mod rng;
pub mod stats;
// The validated input.
pub mod scenario;
// What one replication is made of.
pub mod arrivals;
pub mod metrics;
pub mod routing;
pub mod workforce;
// Scenarios from what a center already has (a TaskRouter snapshot).
pub mod import;
// One replication, and its bill.
pub mod cost;
pub mod engine;
// Many replications: the mean ± CI result they are summed up in,
pub mod summary;
// then the runner (on rayon), which uses it.
pub mod replications;
// Tables, JSON, CSV and the report folder.
pub mod report;
// Shards of a run over a batch scheduler's job array, and their merge.
pub mod shard;
// Experiments over many designs (sweeps), writing their own reports.
pub mod experiment;

#[cfg(test)]
mod layers;
