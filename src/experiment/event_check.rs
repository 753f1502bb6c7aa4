//! Event expectations (`count`, `never`, `always`, `max_wait` and
//! `closed_transfers` in `[[expect]]`),
//! judged on every replication's audit trail as it is produced: a small
//! state machine per expectation and replication is fed each event, and the
//! stream itself is never stored (docs/check.md).

use crate::engine::trace::TraceEvent;
use crate::scenario::Scenario;
use crate::scenario::expect::{EventExpectation, EventRule, TaskFilter};
use std::collections::HashMap;

/// An answer that breaks a `never` or `always` expectation.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The task.
    pub task: u64,
    /// When it was answered, seconds.
    pub time: f64,
    /// Who answered it.
    pub worker: String,
    /// The queue it was answered in (an index into `Scenario::queues`).
    pub queue: Option<u32>,
}

/// A transfer leg followed by `closed_transfers`.
#[derive(Debug, Clone, Default)]
pub struct Leg {
    /// When and in which queue it first entered a closed queue.
    pub closed: Option<(f64, String)>,
    /// The queue of its current step.
    pub queue: String,
}

/// A transfer leg that entered a closed queue and did not end in the
/// queue `closed_transfers` names: the task, when it entered the closed
/// queue, and what happened instead.
#[derive(Debug, Clone, PartialEq)]
pub struct StrayLeg {
    /// The task.
    pub task: u64,
    /// When it entered the closed queue, seconds.
    pub time: f64,
    /// The closed queue.
    pub closed: String,
    /// What happened instead, in words.
    pub then: String,
}

/// One expectation's state over one replication's events.
#[derive(Debug, Clone)]
pub enum Watch {
    /// Matching events so far.
    Count(u64),
    /// The first matching task answered by the group (or while closed).
    Never(Option<Answer>),
    /// Matching answers so far, and the first by a worker of another group.
    Always(u64, Option<Answer>),
    /// The longest wait of a matching answered task: wait, task.
    MaxWait(Option<(f64, u64)>),
    /// Transfer legs under way (by task), legs that entered a closed queue
    /// so far, and the first that did not end in the queue (the earliest
    /// once the run is over: see [`Watch::finish`]).
    ClosedTransfers {
        /// Legs under way, by task.
        legs: HashMap<u64, Leg>,
        /// Legs that entered a closed queue.
        closed: u64,
        /// Legs that entered a closed queue and did not end in the queue.
        stray: u64,
        /// The earliest such leg.
        first: Option<StrayLeg>,
    },
}

impl Watch {
    /// The empty state for `e`.
    pub fn new(e: &EventExpectation) -> Watch {
        match e.rule {
            EventRule::Count { .. } => Watch::Count(0),
            EventRule::Never { .. } => Watch::Never(None),
            EventRule::Always { .. } => Watch::Always(0, None),
            EventRule::MaxWait { .. } => Watch::MaxWait(None),
            EventRule::ClosedTransfers { .. } => Watch::ClosedTransfers {
                legs: HashMap::new(),
                closed: 0,
                stray: 0,
                first: None,
            },
        }
    }

    /// The replication is over: transfer legs still short of the queue
    /// `closed_transfers` names are strays (a leg waiting there is not).
    pub fn finish(&mut self, e: &EventExpectation) {
        if let (
            Watch::ClosedTransfers {
                legs, stray, first, ..
            },
            EventRule::ClosedTransfers { ends_in },
        ) = (self, &e.rule)
        {
            let mut left: Vec<(u64, Leg)> = legs.drain().collect();
            left.sort_by_key(|(task, _)| *task);
            for (task, leg) in left {
                if let Some((time, closed)) = leg.closed
                    && leg.queue != *ends_in
                {
                    let then = format!("was still waiting in {} when the run ended", leg.queue);
                    stray_leg(
                        stray,
                        first,
                        StrayLeg {
                            task,
                            time,
                            closed,
                            then,
                        },
                    );
                }
            }
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
                    task,
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
                if let Some(k) = task
                    && (ev.task.is_none() || ev.followup.unwrap_or("contact") != k.as_str())
                {
                    return;
                }
                *n += 1;
            }
            (
                Watch::Never(first),
                EventRule::Never {
                    group,
                    while_closed,
                    filter,
                },
            ) => {
                if first.is_some() || ev.name != "reservation.accepted" {
                    return;
                }
                let Some(worker) = ev.worker.as_deref() else {
                    return;
                };
                if group.as_deref().is_some_and(|g| !in_group(worker, g))
                    || (*while_closed && ev.closed != Some(true))
                    || !matches(s, filter, ev)
                {
                    return;
                }
                if let Some(task) = ev.task {
                    *first = Some(answer(task, worker, ev));
                }
            }
            (
                Watch::Always(n, first),
                EventRule::Always {
                    group,
                    filter,
                    waited_over,
                },
            ) => {
                if ev.name != "reservation.accepted" {
                    return;
                }
                let (Some(worker), Some(task)) = (ev.worker.as_deref(), ev.task) else {
                    return;
                };
                if waited_over
                    .as_ref()
                    .is_some_and(|(w, _)| ev.wait.is_none_or(|x| x <= *w))
                    || !matches(s, filter, ev)
                {
                    return;
                }
                *n += 1;
                if first.is_none() && !in_group(worker, group) {
                    *first = Some(answer(task, worker, ev));
                }
            }
            (
                Watch::ClosedTransfers {
                    legs,
                    closed,
                    stray,
                    first,
                },
                EventRule::ClosedTransfers { ends_in },
            ) => {
                let (Some("transfer"), Some(task)) = (ev.followup, ev.task) else {
                    return;
                };
                match ev.name {
                    "workflow.target-matched" => {
                        let Some(q) = ev.queue.as_deref() else { return };
                        let leg = legs.entry(task).or_default();
                        leg.queue = q.to_string();
                        if leg.closed.is_none() && ev.closed == Some(true) && q != ends_in {
                            leg.closed = Some((ev.time, q.to_string()));
                            *closed += 1;
                        }
                    }
                    "reservation.accepted" | "task.canceled" => {
                        let Some(leg) = legs.remove(&task) else {
                            return;
                        };
                        let Some((time, closed)) = leg.closed else {
                            return;
                        };
                        let then = if ev.name == "task.canceled" {
                            let why = ev.outcome.unwrap_or("canceled");
                            format!("ended {why} in {} at t = {:.1} s", leg.queue, ev.time)
                        } else if leg.queue != *ends_in {
                            format!(
                                "was answered by {} in {} at t = {:.1} s",
                                ev.worker.as_deref().unwrap_or("?"),
                                leg.queue,
                                ev.time
                            )
                        } else {
                            return;
                        };
                        stray_leg(
                            stray,
                            first,
                            StrayLeg {
                                task,
                                time,
                                closed,
                                then,
                            },
                        );
                    }
                    _ => {}
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

/// An answer, as `never` and `always` report it.
fn answer(task: u64, worker: &str, ev: &TraceEvent) -> Answer {
    Answer {
        task,
        time: ev.time,
        worker: worker.to_string(),
        queue: ev.in_queue,
    }
}

/// Counts a stray leg and keeps the earliest.
fn stray_leg(stray: &mut u64, first: &mut Option<StrayLeg>, leg: StrayLeg) {
    *stray += 1;
    if first
        .as_ref()
        .is_none_or(|f| (leg.time, leg.task) < (f.time, f.task))
    {
        *first = Some(leg);
    }
}

/// "s" unless there is one.
fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A queue's name, "?" when unknown.
fn queue_name(s: &Scenario, q: Option<u32>) -> &str {
    q.and_then(|q| s.queues.get(q as usize))
        .map_or("?", |q| q.name.as_str())
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
/// r, each [finished](Watch::finish)). `explain(r, task)` gives the `ccsim explain` command line that
/// shows a task of replication r.
pub fn judge(
    s: &Scenario,
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
        EventRule::Never { while_closed, .. } => {
            let first = watches.iter().enumerate().find_map(|(r, w)| match w {
                Watch::Never(Some(a)) => Some((r as u32, a)),
                _ => None,
            });
            match first {
                Some((r, a)) => {
                    let bad = watches
                        .iter()
                        .filter(|w| matches!(w, Watch::Never(Some(_))))
                        .count();
                    let closed = if *while_closed {
                        format!(" while queue {} was closed", queue_name(s, a.queue))
                    } else {
                        String::new()
                    };
                    (
                        false,
                        format!(
                            "task {} of replication {r} was answered by {} at t = {:.1} s{closed} ({bad} of {replications} replication{} with such a task){}",
                            a.task,
                            a.worker,
                            a.time,
                            plural(replications),
                            look(r, a.task)
                        ),
                        Some(Finding {
                            replication: r,
                            task: Some(a.task),
                        }),
                    )
                }
                None => (true, "no such task answered".to_string(), None),
            }
        }
        EventRule::Always { group, .. } => {
            let total: u64 = watches
                .iter()
                .map(|w| match w {
                    Watch::Always(n, _) => *n,
                    _ => 0,
                })
                .sum();
            let first = watches.iter().enumerate().find_map(|(r, w)| match w {
                Watch::Always(_, Some(a)) => Some((r as u32, a)),
                _ => None,
            });
            match first {
                Some((r, a)) => {
                    let bad = watches
                        .iter()
                        .filter(|w| matches!(w, Watch::Always(_, Some(_))))
                        .count();
                    (
                        false,
                        format!(
                            "task {} of replication {r} was answered by {}, not {group}, in queue {} at t = {:.1} s ({bad} of {replications} replication{} with such a task){}",
                            a.task,
                            a.worker,
                            queue_name(s, a.queue),
                            a.time,
                            plural(replications),
                            look(r, a.task)
                        ),
                        Some(Finding {
                            replication: r,
                            task: Some(a.task),
                        }),
                    )
                }
                None if total == 0 => (true, "no matching task answered".to_string(), None),
                None => (
                    true,
                    format!("{total} matching answers, all by {group}"),
                    None,
                ),
            }
        }
        EventRule::ClosedTransfers { ends_in } => {
            let (mut entered, mut strays) = (0, 0);
            let mut first: Option<(u32, &StrayLeg)> = None;
            for (r, w) in watches.iter().enumerate() {
                if let Watch::ClosedTransfers {
                    closed,
                    stray,
                    first: f,
                    ..
                } = w
                {
                    entered += closed;
                    strays += stray;
                    if first.is_none()
                        && let Some(f) = f
                    {
                        first = Some((r as u32, f));
                    }
                }
            }
            match first {
                Some((r, leg)) => (
                    false,
                    format!(
                        "the transfer leg of task {} of replication {r} entered closed queue {} at t = {:.1} s and {}, not in {ends_in} ({strays} of {entered} such legs){}",
                        leg.task,
                        leg.closed,
                        leg.time,
                        leg.then,
                        look(r, leg.task)
                    ),
                    Some(Finding {
                        replication: r,
                        task: Some(leg.task),
                    }),
                ),
                None if entered == 0 => {
                    (true, "no transfer entered a closed queue".to_string(), None)
                }
                None => (
                    true,
                    format!(
                        "{entered} transfer{} into a closed queue, all on to {ends_in}",
                        if entered == 1 { "" } else { "s" }
                    ),
                    None,
                ),
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

    fn leg(t: f64, name: &'static str, task: u64, queue: Option<&str>) -> TraceEvent {
        let mut ev = TraceEvent::new(t, name);
        ev.task = Some(task);
        ev.followup = Some("transfer");
        ev.queue = queue.map(str::to_string);
        ev
    }

    #[test]
    fn closed_transfers_follow_each_leg_to_its_end() {
        let e = EventExpectation {
            name: None,
            rule: EventRule::ClosedTransfers {
                ends_in: "vm".into(),
            },
        };
        let s = crate::scenario::load_str(
            std::path::Path::new("t.toml"),
            "name = \"t\"\n[simulation]\nhorizon = \"1h\"\n[[channels]]\nname = \"voice\"\n\
             [[arrivals]]\nname = \"a\"\nchannel = \"voice\"\nrate = \"1/h\"\n\
             handle_time = { dist = \"exponential\", mean = \"1m\" }\n\
             [[agents]]\ngroup = \"g\"\ncount = 1\n[[queues]]\nname = \"q\"\ntarget_workers = \"1==1\"\n\
             [workflow]\ndefault_filter = { queue = \"q\" }\n",
        )
        .unwrap()
        .scenario;
        let mut w = Watch::new(&e);
        let closed = |mut ev: TraceEvent| {
            ev.closed = Some(true);
            ev
        };
        // Task 1: closed tier2, then vm, answered there: fine.
        // Task 2: closed tier2, abandoned there: a stray.
        // Task 3: open tier2, answered: not concerned.
        // Task 4: closed tier2, then vm, canceled there: a stray.
        // Task 5: closed tier2, still there at the end: a stray.
        // Task 6: closed tier2, then vm, still waiting there: fine.
        let mut abandoned = leg(30.0, "task.canceled", 2, None);
        abandoned.outcome = Some("abandoned");
        for ev in [
            closed(leg(10.0, "workflow.target-matched", 1, Some("tier2"))),
            leg(10.0, "workflow.target-matched", 1, Some("vm")),
            closed(leg(11.0, "workflow.target-matched", 2, Some("tier2"))),
            leg(12.0, "workflow.target-matched", 3, Some("tier2")),
            leg(13.0, "reservation.accepted", 3, None),
            leg(20.0, "reservation.accepted", 1, None),
            abandoned,
            closed(leg(31.0, "workflow.target-matched", 4, Some("tier2"))),
            closed(leg(31.0, "workflow.target-matched", 4, Some("vm"))),
            leg(32.0, "task.canceled", 4, None),
            closed(leg(5.0, "workflow.target-matched", 5, Some("tier2"))),
            closed(leg(40.0, "workflow.target-matched", 6, Some("tier2"))),
            leg(40.0, "workflow.target-matched", 6, Some("vm")),
            // Not a leg: ignored.
            TraceEvent::new(50.0, "task.canceled"),
        ] {
            w.feed(&s, &e, &ev);
        }
        w.finish(&e);
        let Watch::ClosedTransfers {
            legs,
            closed,
            stray,
            first,
        } = &w
        else {
            panic!("{w:?}")
        };
        assert!(legs.is_empty());
        assert_eq!((*closed, *stray), (5, 3));
        let first = first.as_ref().unwrap();
        assert_eq!((first.task, first.time), (5, 5.0));
        assert_eq!(first.then, "was still waiting in tier2 when the run ended");
        let out = judge(&s, &e, &[&w], 1, &|r, t| format!("explain {r} {t}"));
        assert!(!out.pass);
        assert!(
            out.measured.starts_with(
                "the transfer leg of task 5 of replication 0 entered closed queue tier2 at t = 5.0 s and was still waiting in tier2 when the run ended, not in vm (3 of 5 such legs); see `explain 0 5`"
            ),
            "{}",
            out.measured
        );
    }

    #[test]
    fn workers_belong_to_their_group_by_name() {
        assert!(in_group("tier1-3", "tier1"));
        assert!(!in_group("tier1-x-3", "tier1"));
        assert!(in_group("tier1-x-3", "tier1-x"));
        assert!(!in_group("tier10-3", "tier1"));
        assert!(!in_group("tier1-", "tier1"));
    }
}
