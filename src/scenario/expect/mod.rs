//! `[[expect]]` and `[check]`: KPI expectations a scenario states about its
//! own results, judged by `ccsim check` (docs/check.md).
//!
//! Loading (`validate.rs`) reads and checks what can be checked without the KPI tables
//! (the operator, the numbers, the confidence, the `[check]` options); the
//! KPI path itself is resolved against the scenario by the experiment layer
//! (`experiment::check`), which reports an unknown one at the position kept
//! here.

use super::diag::{Diagnostic, Severity};
use super::raw::Quantity;
use super::read::raw_table;
use super::validate::Validator;
use std::fmt;
use toml::Spanned;

raw_table! {
    /// One `[[expect]]` table: a KPI expectation (`kpi`, `op`, `value`) or
    /// an event expectation (`count`, `never` or `max_wait`).
    pub struct RawExpect("[[expect]]") {
        /// A KPI path of the JSON summary, e.g. "queues.billing.service_level".
        pub kpi: Option<Spanned<String>>,
        /// `>=`, `<=`, `>`, `<` or `==`.
        pub op: Option<Spanned<String>>,
        /// The bound: a number, a percentage ("80%") or, for a `_s` KPI, a duration ("30s").
        pub value: Option<Spanned<Quantity>>,
        /// With `==`: how far from `value` the KPI may be.
        pub tolerance: Option<Spanned<Quantity>>,
        /// Shown in reports and JUnit instead of "KPI OP VALUE".
        pub name: Option<Spanned<String>>,
        /// Confidence level of the interval judged (default 0.95).
        pub confidence: Option<Spanned<f64>>,
        /// Events counted per replication, within bounds.
        pub count: Option<Spanned<RawCountExpect>>,
        /// No matching task answered by a worker of a group, or while its queue is closed.
        pub never: Option<Spanned<RawNever>>,
        /// Every matching task answered is answered by a worker of a group.
        pub always: Option<Spanned<RawAlways>>,
        /// Every transfer leg reaching a closed queue goes on to a given queue.
        pub closed_transfers: Option<Spanned<RawClosedTransfers>>,
        /// No matching answered task waited longer than this.
        pub max_wait: Option<Spanned<String>>,
        /// With `max_wait`: the tasks it applies to (an expression over task attributes).
        pub r#where ["where"]: Option<Spanned<String>>,
    }
}

raw_table! {
    /// `count = { event = "...", ... }` in `[[expect]]`.
    pub struct RawCountExpect("count") {
        /// The event name, e.g. "task.canceled".
        pub event: Spanned<String>,
        /// Only events whose outcome is `canceled_<reason>` or `<reason>`.
        pub reason: Option<Spanned<String>>,
        /// Only events with this outcome.
        pub outcome: Option<Spanned<String>>,
        /// Only events about this queue.
        pub queue: Option<Spanned<String>>,
        /// Only events of this kind of task: "contact", "voicemail", "callback" or "transfer".
        pub task: Option<Spanned<String>>,
        /// Fewest allowed per replication.
        pub min: Option<Spanned<i64>>,
        /// Most allowed per replication.
        pub max: Option<Spanned<i64>>,
    }
}

raw_table! {
    /// `never = { answered_by = "...", answered_while = "closed", where = '...' }` in `[[expect]]`.
    pub struct RawNever("never") {
        /// An agent group.
        pub answered_by: Option<Spanned<String>>,
        /// "closed": while the task's queue is closed by its business hours.
        pub answered_while: Option<Spanned<String>>,
        /// The tasks it applies to (an expression over task attributes).
        pub r#where ["where"]: Option<Spanned<String>>,
    }
}

raw_table! {
    /// `always = { answered_by = "...", where = '...', waited_over = "..." }` in `[[expect]]`.
    pub struct RawAlways("always") {
        /// An agent group.
        pub answered_by: Spanned<String>,
        /// The tasks it applies to (an expression over task attributes).
        pub r#where ["where"]: Option<Spanned<String>>,
        /// Only answers after a wait longer than this.
        pub waited_over: Option<Spanned<String>>,
    }
}

raw_table! {
    /// `closed_transfers = { ends_in = "..." }` in `[[expect]]`.
    pub struct RawClosedTransfers("closed_transfers") {
        /// The queue a transfer leg reaching a closed queue must go on to.
        pub ends_in: Spanned<String>,
    }
}

raw_table! {
    /// `[check]`: how `ccsim check` treats undecided expectations.
    pub struct RawCheck("[check]") {
        /// "warn" (default), "fail" or "pass".
        pub inconclusive: Option<Spanned<String>>,
        /// Add replications up to this many while expectations are undecided.
        pub max_replications: Option<Spanned<i64>>,
    }
}

/// The comparison an expectation makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `>=`
    AtLeast,
    /// `<=`
    AtMost,
    /// `>`
    Above,
    /// `<`
    Below,
    /// `==`, within a tolerance.
    Equal,
}

impl Op {
    /// Every operator with its spelling.
    pub const ALL: [(&'static str, Op); 5] = [
        (">=", Op::AtLeast),
        ("<=", Op::AtMost),
        (">", Op::Above),
        ("<", Op::Below),
        ("==", Op::Equal),
    ];

    /// The operator's spelling.
    pub fn symbol(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("?", |(s, _)| s)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A checked `[[expect]]` entry.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// `name`, if given.
    pub name: Option<String>,
    /// The KPI path as written (resolved against the scenario by
    /// `experiment::check`).
    pub kpi: String,
    /// The comparison.
    pub op: Op,
    /// The bound, in the KPI's unit (fractions, seconds, counts).
    pub value: f64,
    /// With [`Op::Equal`]: the largest allowed distance from `value` (0 otherwise).
    pub tolerance: f64,
    /// Confidence level of the interval judged, in (0.5, 1).
    pub confidence: f64,
    /// Where `kpi` is written, for a problem found once KPIs are known
    /// (an error with an empty message, line, column and excerpt set).
    pub kpi_at: Diagnostic,
    /// Where `value` is written, likewise.
    pub value_at: Diagnostic,
}

impl Expectation {
    /// `name`, or "KPI OP VALUE" (with "± TOLERANCE" for `==`).
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => self.condition(),
        }
    }

    /// "KPI OP VALUE", with "± TOLERANCE" for `==`.
    pub fn condition(&self) -> String {
        let mut s = format!("{} {} {}", self.kpi, self.op, self.value);
        if self.op == Op::Equal {
            s.push_str(&format!(" ± {}", self.tolerance));
        }
        s
    }
}

/// Audit-trail event names an event expectation may count (docs/outputs.md).
pub const EVENT_NAMES: [&str; 20] = [
    "task.created",
    "workflow.entered",
    "workflow.target-matched",
    "task-queue.entered",
    "task-queue.moved",
    "task-queue.timeout",
    "workflow.skipped",
    "reservation.created",
    "reservation.accepted",
    "reservation.rejected",
    "reservation.timeout",
    "reservation.canceled",
    "task.wrapup",
    "task.completed",
    "task.canceled",
    "worker.activity.update",
    "worker.attributes.update",
    "lookup.completed",
    "lookup.failed",
    "callback.unreached",
];

/// The outcomes an event may decide (the `outcome` field of the audit trail).
pub const OUTCOMES: [&str; 11] = [
    "answered",
    "abandoned",
    "canceled_no_match",
    "canceled_workflow",
    "canceled_ttl",
    "callback",
    "voicemail",
    "closed",
    "lost",
    "callback_failed",
    "duplicate",
];

/// The reasons `reason` may name: an outcome without its `canceled_` prefix.
pub const REASONS: [&str; 10] = [
    "ttl",
    "no_match",
    "workflow",
    "abandoned",
    "closed",
    "callback",
    "voicemail",
    "lost",
    "callback_failed",
    "duplicate",
];

/// The kinds of task `count.task` may name: an arrival (or redial), or a
/// follow-up task (docs/outputs.md, "The audit trail").
pub const TASK_KINDS: [&str; 4] = ["contact", "voicemail", "callback", "transfer"];

/// A filter over task attributes, as written and compiled.
#[derive(Debug, Clone)]
pub struct TaskFilter {
    /// The expression as written.
    pub text: String,
    /// Compiled in the Bare context over the scenario's keys.
    pub expr: crate::expr::Expr,
}

/// What an event expectation states about every replication's audit trail.
#[derive(Debug, Clone)]
pub enum EventRule {
    /// Matching events per replication within `[min, max]`.
    Count {
        /// The event name.
        event: String,
        /// Only events whose outcome is `canceled_<reason>` or `<reason>`.
        reason: Option<String>,
        /// Only events with this outcome.
        outcome: Option<String>,
        /// Only events about this queue.
        queue: Option<String>,
        /// Only events of this kind of task (one of [`TASK_KINDS`]).
        task: Option<String>,
        /// Fewest allowed (0 when not given).
        min: u64,
        /// Most allowed (no bound when not given).
        max: Option<u64>,
    },
    /// No matching task accepted by a worker of `group` (any worker when
    /// absent), or, with `while_closed`, while its queue is closed.
    Never {
        /// The agent group (any when absent).
        group: Option<String>,
        /// Only answers while the task's queue is closed by its hours.
        while_closed: bool,
        /// The tasks concerned (all when absent).
        filter: Option<TaskFilter>,
    },
    /// Every matching task accepted (after waiting over `waited_over_s`)
    /// is accepted by a worker of `group`.
    Always {
        /// The agent group.
        group: String,
        /// The tasks concerned (all when absent).
        filter: Option<TaskFilter>,
        /// Only answers after a longer wait than this, seconds, and as written.
        waited_over: Option<(f64, String)>,
    },
    /// Every transfer leg that enters a closed queue (other than `ends_in`)
    /// then enters `ends_in` before it is answered or canceled, and is not
    /// canceled there.
    ClosedTransfers {
        /// The queue (the voicemail queue).
        ends_in: String,
    },
    /// No matching answered task waited longer than `limit_s`.
    MaxWait {
        /// The limit, seconds.
        limit_s: f64,
        /// The limit as written.
        limit: String,
        /// The tasks concerned (all when absent).
        filter: Option<TaskFilter>,
    },
}

/// A checked event expectation: deterministic per replication, so it
/// passes or fails, never inconclusive.
#[derive(Debug, Clone)]
pub struct EventExpectation {
    /// `name`, if given.
    pub name: Option<String>,
    /// What it states.
    pub rule: EventRule,
}

impl EventExpectation {
    /// `name`, or the condition.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => self.condition(),
        }
    }

    /// What it states, in words: "count task.canceled (reason ttl) <= 0",
    /// "never answered_by tier1 where tier == \"vip\"", "max_wait 10m".
    pub fn condition(&self) -> String {
        let filter = |f: &Option<TaskFilter>| {
            f.as_ref()
                .map_or(String::new(), |f| format!(" where {}", f.text))
        };
        match &self.rule {
            EventRule::Count {
                event,
                reason,
                outcome,
                queue,
                task,
                min,
                max,
            } => {
                let mut only = Vec::new();
                for (k, v) in [
                    ("reason", reason),
                    ("outcome", outcome),
                    ("queue", queue),
                    ("task", task),
                ] {
                    if let Some(v) = v {
                        only.push(format!("{k} {v}"));
                    }
                }
                let only = if only.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", only.join(", "))
                };
                let bound = match (min, max) {
                    (0, Some(m)) => format!("<= {m}"),
                    (n, None) => format!(">= {n}"),
                    (n, Some(m)) if n == m => format!("== {n}"),
                    (n, Some(m)) => format!("in [{n}, {m}]"),
                };
                format!("count {event}{only} {bound} per replication")
            }
            EventRule::Never {
                group,
                while_closed,
                filter: f,
            } => {
                let mut s = match group {
                    Some(g) => format!("never answered_by {g}"),
                    None => "never answered".to_string(),
                };
                if *while_closed {
                    s.push_str(" while its queue is closed");
                }
                format!("{s}{}", filter(f))
            }
            EventRule::Always {
                group,
                filter: f,
                waited_over,
            } => {
                let after = waited_over
                    .as_ref()
                    .map_or(String::new(), |(_, w)| format!(" after waiting over {w}"));
                format!("always answered_by {group}{after}{}", filter(f))
            }
            EventRule::ClosedTransfers { ends_in } => {
                format!("every transfer into a closed queue ends in {ends_in}")
            }
            EventRule::MaxWait {
                limit, filter: f, ..
            } => format!("max_wait {limit}{}", filter(f)),
        }
    }
}

/// What `ccsim check` does with an expectation still undecided at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Inconclusive {
    /// Reported, exit status 2 when nothing failed (JUnit: skipped).
    #[default]
    Warn,
    /// Counted as a failure (exit status 1; JUnit: a failure of type "inconclusive").
    Fail,
    /// Counted as a pass (still reported as inconclusive).
    Pass,
}

impl Inconclusive {
    /// Every option with its spelling.
    pub const ALL: [(&'static str, Inconclusive); 3] = [
        ("warn", Inconclusive::Warn),
        ("fail", Inconclusive::Fail),
        ("pass", Inconclusive::Pass),
    ];

    /// The option's spelling.
    pub fn name(self) -> &'static str {
        Inconclusive::ALL
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("warn", |(s, _)| s)
    }
}

/// `[check]`, with defaults when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CheckOptions {
    /// What an undecided expectation counts as.
    pub inconclusive: Inconclusive,
    /// Replications may be added up to this many to decide expectations;
    /// `None`: never more than the run's count.
    pub max_replications: Option<u32>,
}

/// The most replications `max_replications` may ask for (as the command line allows).
pub const MAX_CHECK_REPLICATIONS: i64 = 100_000;

/// Default confidence level of an expectation.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

mod validate;

#[cfg(test)]
mod tests;
