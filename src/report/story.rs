//! One task's routing story (`ccsim explain --task N`): every event of that
//! task in replication 0's audit trail, with the counts and waitlist
//! positions behind each routing decision, then its outcome.

use crate::engine::trace::TraceEvent;
use crate::routing::Plan;
use crate::scenario::Scenario;
use std::fmt::Write as _;

/// The task asked about did not arrive in replication 0.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "replication {replication} of seed {seed} has {arrivals} arrivals (tasks 0 to {}); there is no task {task}",
    arrivals.saturating_sub(1)
)]
pub struct NoSuchTask {
    /// The seed of the run.
    pub seed: u64,
    /// The replication.
    pub replication: u32,
    /// The task asked about.
    pub task: u64,
    /// Tasks that arrived.
    pub arrivals: u64,
}

/// The story of task `task` (arrival index) of replication 0 under `seed`.
pub fn render(s: &Scenario, seed: u64, task: u64) -> Result<String, NoSuchTask> {
    render_in(s, seed, 0, task)
}

/// The story of task `task` of replication `replication` under `seed`
/// (`ccsim explain --task N --replication R`).
pub fn render_in(
    s: &Scenario,
    seed: u64,
    replication: u32,
    task: u64,
) -> Result<String, NoSuchTask> {
    let mut events = Vec::new();
    let mut tracer = |ev: &TraceEvent| {
        if ev.task == Some(task) {
            events.push(ev.clone());
        }
    };
    let result = crate::engine::run_traced(s, &Plan::build(s), seed, replication, &mut tracer);
    if events.is_empty() {
        return Err(NoSuchTask {
            seed,
            replication,
            task,
            arrivals: result.contacts,
        });
    }
    Ok(story(s, seed, replication, task, &events))
}

/// A time as the scenario's clock shows it (with seconds since the start),
/// or seconds alone when the scenario has no start date.
fn when(s: &Scenario, t: f64) -> String {
    match &s.sim.clock {
        Some(c) => format!("{} ({t:.2} s)", c.format(t)),
        None => format!("{t:.2} s"),
    }
}

/// One task's events as a story, then its outcome.
fn story(s: &Scenario, seed: u64, replication: u32, task: u64, events: &[TraceEvent]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "task {task} of replication {replication}, seed {seed}, scenario \"{}\"",
        s.name
    );
    let time_head = if s.sim.clock.is_some() {
        "time (seconds since the start)"
    } else {
        "t (s)"
    };
    let width = events
        .iter()
        .map(|e| when_column(s, e.time).chars().count())
        .max()
        .unwrap_or(10)
        .max(time_head.len());
    let _ = writeln!(o, "{time_head:>width$}  {:<26} details", "event");
    for ev in events {
        let mut parts = Vec::new();
        if let Some(st) = &ev.step {
            parts.push(format!("step \"{st}\""));
        }
        if let Some(q) = &ev.queue {
            parts.push(format!("queue {q}"));
        }
        if let Some(w) = &ev.worker {
            parts.push(format!("worker {w}"));
        }
        if let Some(d) = &ev.detail {
            parts.push(d.clone());
        }
        if let (Some(e), Some(a), Some(f)) = (ev.eligible, ev.available, ev.free) {
            parts.push(format!(
                "{e} eligible workers, {a} available, {f} with free capacity"
            ));
        }
        if let (Some(h), Some(older)) = (ev.ahead_higher, ev.ahead_older) {
            parts.push(format!(
                "if it waits: position {} in its waitlist ({h} ahead with a higher priority, {older} with the same priority and older)",
                h + older + 1
            ));
        }
        if let Some(at) = ev.opens_at {
            let what = if ev.name == "workflow.target-matched" {
                "the queue is closed: it waits until it opens at"
            } else {
                "the workflow is closed: it opens at"
            };
            parts.push(format!("{what} {}", when(s, at)));
        }
        let _ = writeln!(
            o,
            "{:>width$}  {:<26} {}",
            when_column(s, ev.time),
            ev.name,
            parts.join("; ")
        );
    }
    let created = events.first().map_or(0.0, |e| e.time);
    let first_outcome = events.iter().find_map(|e| e.outcome.map(|o| (o, e.time)));
    let outcome = if let (Some(("voicemail" | "callback", at)), Some(a)) = (
        first_outcome,
        events.iter().rfind(|e| e.name == "reservation.accepted"),
    ) {
        let what = if first_outcome.is_some_and(|(o, _)| o == "voicemail") {
            "left a voicemail"
        } else {
            "accepted a call back"
        };
        format!(
            "{what} at {}; worked by {} {:.2} s later",
            when(s, at),
            a.worker.clone().unwrap_or_default(),
            a.time - at
        )
    } else if let Some(a) = events.iter().rfind(|e| e.name == "reservation.accepted") {
        let step = events
            .iter()
            .rfind(|e| e.name == "workflow.target-matched")
            .and_then(|e| e.step.clone())
            .unwrap_or_default();
        // Something that ended the answered call early (a disconnect).
        let cut = events
            .iter()
            .rfind(|e| e.name == "task.canceled" && e.time >= a.time)
            .and_then(|e| e.detail.clone())
            .map_or(String::new(), |d| format!("; then {d}"));
        format!(
            "answered by {} after waiting {:.2} s, in step \"{step}\"{cut}",
            a.worker.clone().unwrap_or_default(),
            a.time - created
        )
    } else if let Some(c) = events.iter().rfind(|e| e.name == "task.canceled") {
        format!("not answered: {}", c.detail.clone().unwrap_or_default())
    } else {
        "still waiting when the run stopped (unfinished)".to_string()
    };
    let _ = writeln!(o, "outcome: {outcome}");
    o
}

/// The time column of a story: clock time and seconds, or seconds.
fn when_column(s: &Scenario, t: f64) -> String {
    match &s.sim.clock {
        Some(c) => format!("{}  {t:>10.2}", c.format(t)),
        None => format!("{t:.2}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_task_that_did_not_arrive_is_an_error_naming_the_range() {
        let s = crate::scenario::tiny_scenario();
        let err = super::render(&s, 3, 1_000_000).unwrap_err();
        assert_eq!(err.task, 1_000_000);
        let text = err.to_string();
        assert!(text.starts_with("replication 0 of seed 3 has "), "{text}");
        assert!(text.ends_with("; there is no task 1000000"), "{text}");
    }

    #[test]
    fn a_story_ends_with_the_outcome() {
        let s = crate::scenario::tiny_scenario();
        let text = super::render(&s, 3, 0).unwrap();
        assert!(text.starts_with("task 0 of replication 0, seed 3, scenario \"tiny\"\n"));
        assert!(text.contains(" task.created "), "{text}");
        let last = text.lines().last().unwrap();
        assert!(last.starts_with("outcome: "), "{text}");
    }
}
