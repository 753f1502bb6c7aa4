//! Experiments: one scenario under many designs, compared on the same
//! customers (common random numbers). A design is a set of `--set`
//! overrides ([`crate::scenario::Override`]); a sweep crosses or zips axes
//! of values ([`axes`]) and runs every (point, replication) as one task of
//! one pool ([`runner`]), writing each point as it finishes ([`sweep`]).
//! [`html`] writes the experiment commands' `report.html` pages.
//!
//! ```no_run
//! use ccsim::experiment::{Axis, Combine, Quiet, Sweep};
//! use ccsim::scenario::LoadOptions;
//!
//! let sweep = Sweep {
//!     file: "scenarios/quickstart.toml".into(),
//!     base: vec![],
//!     axes: vec![Axis::parse("agents.support.count=26..30")?],
//!     combine: Combine::Grid,
//!     seed: None,
//!     replications: Some(10),
//!     options: LoadOptions::default(),
//!     precision: None,
//!     charts: false,
//!     html: false,
//! };
//! let prepared = sweep.prepare()?;
//! prepared.run("reports/staffing".as_ref(), &Quiet)?;
//! for point in ccsim::experiment::read_points("reports/staffing".as_ref())? {
//!     let point = point?;
//!     println!("{} agents: SL {}", point["values"]["agents.support.count"],
//!              point["summary"]["overall"]["service_level"]["mean"]);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod axes;
pub mod check;
pub mod compare;
pub mod event_check;
pub mod html;
pub mod isa;
pub mod precision;
pub mod runner;
pub mod staff;
pub mod sweep;
mod sweep_charts;

pub use axes::{Axis, Combine};
pub use compare::{Comparison, Difference, KpiId, Scope, compare};
pub use isa::{IntervalSearch, IntervalStaffing};
pub use precision::{Precision, Target};
pub use staff::{Requirement, StaffSearch, Staffing};
pub use sweep::{Outcome, Point, Prepared, Progress, Quiet, Sweep, read_points};

/// Why an experiment could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The scenario, or one point of it, does not load.
    #[error("{}{problems}", point.as_ref().map(|p| format!("{p}:\n")).unwrap_or_default())]
    Scenario {
        /// Which design, when the problem is in one of several ("at the
        /// sweep point agents.support.count=26", "with 28 agents in support").
        point: Option<String>,
        /// Every problem found.
        problems: crate::scenario::diag::ScenarioError,
    },
    /// Anything else: I/O, an axis, a point that failed.
    #[error("{0}")]
    Other(String),
}
