#![warn(missing_docs)]
//! ccsim: a discrete-event contact-center simulator with TaskRouter-style routing.
//!
//! ```text
//! scenario.toml ─▶ scenario (parse + validate) ─▶ engine (one replication:
//!   arrivals ─▶ routing ⇄ workforce, clock + calendar + RNG streams)
//!   ─▶ metrics (streaming) ─▶ sweep (replications on rayon)
//!   ─▶ summary (mean ± 95% CI) ─▶ report
//! ```
//! Modules are declared in pipeline order. One replication is a pure function
//! `(Scenario, seed, replication) → ReplicationResult`.

pub mod arrivals;
pub mod cost;
pub mod engine;
pub mod erlang;
pub mod expr;
pub mod metrics;
pub mod report;
pub mod rng;
pub mod routing;
pub mod scenario;
pub mod stats;
pub mod summary;
pub mod sweep;
pub mod workforce;
