//! Event expectations (`count`, `never`, `max_wait` in `[[expect]]`),
//! judged on every replication's audit trail as it is produced: a small
//! state machine per expectation and replication is fed each event, and the
//! stream itself is never stored (docs/check.md).

use crate::engine::trace::TraceEvent;
use crate::scenario::Scenario;
use crate::scenario::expect::{EventExpectation, EventRule, TaskFilter};

/// One expectation's state over one replication's events.
#[derive(Debug, Clone)]
pub enum Watch {
    /// Matching events so far.
    Count(u64),
    /// The first matching task answered by the group: task, time, worker.
    Never(Option<(u64, f64, String)>),
    /// The longest wait of a matching answered task: wait, task.
    MaxWait(Option<(f64, u64)>),
}

impl Watch {
    /// The empty state for `e`.
    pub fn new(e: &EventExpectation) -> Watch {
        match e.rule {
            EventRule::Count { .. } => Watch::Count(0),
            EventRule::Never { .. } => Watch::Never(None),
            EventRule::MaxWait { .. } => Watch::MaxWait(None),
        }
    }

    /// Takes in one event.
    pub fn feed(&mut self, s: &Scenario, e: &EventExpectation, ev: &TraceEvent) {
        match (self, &e.rule) {
            (
                Watch::Count(n),
                EventRule::Count {
                    event,
                    reason,
                    outcome,
                    queue,
                    ..
                },
            ) => {
                if ev.name != event.as_str() {
                    return;
                }
                if let Some(r) = reason {
                    let o = ev.outcome.unwrap_or("");
                    if o != r.as_str() && o.strip_prefix("canceled_") != Some(r.as_str()) {
                        return;
                    }
                }
                if let Some(o) = outcome
                    && ev.outcome != Some(o.as_str())
                {
                    return;
                }
                if let Some(q) = queue
                    && ev.queue.as_deref() != Some(q.as_str())
                {
                    return;
                }
                *n += 1;
            }
            (Watch::Never(first), EventRule::Never { group, filter }) => {
                if first.is_some() || ev.name != "reservation.accepted" {
                    return;
                }
                let Some(worker) = ev.worker.as_deref() else {
                    return;
                };
                if !in_group(worker, group) || !matches(s, filter, ev) {
                    return;
                }
                if let Some(task) = ev.task {
                    *first = Some((task, ev.time, worker.to_string()));
                }
            }
            (Watch::MaxWait(worst), EventRule::MaxWait { filter, .. }) => {
                if ev.name != "reservation.accepted" || ev.outcome != Some("answered") {
                    return;
                }
                let (Some(wait), Some(task)) = (ev.wait, ev.task) else {
                    return;
                };
                if worst.is_some_and(|(w, _)| w >= wait) || !matches(s, filter, ev) {
                    return;
                }
                *worst = Some((wait, task));
            }
            _ => {}
        }
    }
}

/// Whether a worker name (`<group>-<n>`) belongs to `group`.
fn in_group(worker: &str, group: &str) -> bool {
    worker
        .strip_prefix(group)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether the event's task matches the filter (all do without one).
fn matches(s: &Scenario, filter: &Option<TaskFilter>, ev: &TraceEvent) -> bool {
    let Some(f) = filter else { return true };
    ev.class
        .and_then(|c| s.classes.get(c as usize))
        .is_some_and(|c| f.expr.eval(&c.attrs))
}

/// Where a failure is, for the user to look at.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The replication.
    pub replication: u32,
    /// The task, for `never` and `max_wait`.
    pub task: Option<u64>,
}

/// One event expectation judged over every replication.
#[derive(Debug, Clone)]
pub struct EventOutcome {
    /// As written.
    pub expectation: EventExpectation,
    /// Passed on every replication.
    pub pass: bool,
    /// What was measured, in words ("worst replication 3: 5 events").
    pub measured: String,
    /// The failing (or worst) replication and task.
    pub at: Option<Finding>,
    /// Replications judged.
    pub replications: u32,
}

/// Judges `e` on its per-replication states (`watches[r]` for replication
/// r). `explain(r, task)` gives the `ccsim explain` command line that
/// shows a task of replication r.
pub fn judge(
    e: &EventExpectation,
    watches: &[&Watch],
    seed: u64,
    explain: &dyn Fn(u32, u64) -> String,
) -> EventOutcome {
    let replications = watches.len() as u32;
    let look = |r: u32, task: u64| -> String {
        if r == 0 {
            format!("; see `{}`", explain(r, task))
        } else {
            format!(
                "; it is in replication {r} of seed {seed}, not replication 0 (which `ccsim explain` shows by default and `--events` writes): see `{}`",
                explain(r, task)
            )
        }
    };
    let (pass, measured, at) = match &e.rule {
        EventRule::Count { min, max, .. } => {
            let counts: Vec<u64> = watches
                .iter()
                .map(|w| match w {
                    Watch::Count(n) => *n,
                    _ => 0,
                })
                .collect();
            // How far outside [min, max] a count is.
            let off = |n: u64| {
                if n < *min {
                    min - n
                } else {
                    max.map_or(0, |m| n.saturating_sub(m))
                }
            };
            let worst = (0..counts.len()).max_by_key(|&r| (off(counts[r]), std::cmp::Reverse(r)));
            match worst {
                Some(r) if off(counts[r]) > 0 => {
                    let bad = counts.iter().filter(|&&n| off(n) > 0).count();
                    (
                        false,
                        format!(
                            "{} in replication {r} (the worst; {bad} of {replications} replication{} outside the bounds; seed {seed})",
                            counts[r],
                            if replications == 1 { "" } else { "s" }
                        ),
                        Some(Finding {
                            replication: r as u32,
                            task: None,
                        }),
                    )
                }
                _ => {
                    let lo = counts.iter().min().copied().unwrap_or(0);
                    let hi = counts.iter().max().copied().unwrap_or(0);
                    (
                        true,
                        if lo == hi {
                            format!("{hi} in every replication")
                        } else {
                            format!("{lo} to {hi} per replication")
                        },
                        None,
                    )
                }
            }
        }
        EventRule::Never { .. } => {
            let first = watches.iter().enumerate().find_map(|(r, w)| match w {
                Watch::Never(Some((task, t, worker))) => Some((r as u32, *task, *t, worker)),
                _ => None,
            });
            match first {
                Some((r, task, t, worker)) => {
                    let bad = watches
                        .iter()
                        .filter(|w| matches!(w, Watch::Never(Some(_))))
                        .count();
                    (
                        false,
                        format!(
                            "task {task} of replication {r} was answered by {worker} at t = {:.1} s ({bad} of {replications} replication{} with such a task){}",
                            t,
                            if replications == 1 { "" } else { "s" },
                            look(r, task)
                        ),
                        Some(Finding {
                            replication: r,
                            task: Some(task),
                        }),
                    )
                }
                None => (true, "no such task answered".to_string(), None),
            }
        }
        EventRule::MaxWait { limit_s, .. } => {
            let mut worst: Option<(f64, u64, u32)> = None;
            for (r, w) in watches.iter().enumerate() {
                if let Watch::MaxWait(Some((wait, task))) = w
                    && worst.is_none_or(|(x, _, _)| *wait > x)
                {
                    worst = Some((*wait, *task, r as u32));
                }
            }
            match worst {
                None => (true, "no matching task answered".to_string(), None),
                Some((wait, task, r)) => {
                    let pass = wait <= *limit_s;
                    let mut m = format!(
                        "longest wait {} s (task {task} of replication {r})",
                        super::check::number(wait)
                    );
                    if !pass {
                        m.push_str(&look(r, task));
                    }
                    (
                        pass,
                        m,
                        Some(Finding {
                            replication: r,
                            task: Some(task),
                        }),
                    )
                }
            }
        }
    };
    EventOutcome {
        expectation: e.clone(),
        pass,
        measured,
        at,
        replications,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workers_belong_to_their_group_by_name() {
        assert!(in_group("tier1-3", "tier1"));
        assert!(!in_group("tier1-x-3", "tier1"));
        assert!(in_group("tier1-x-3", "tier1-x"));
        assert!(!in_group("tier10-3", "tier1"));
        assert!(!in_group("tier1-", "tier1"));
    }
}
