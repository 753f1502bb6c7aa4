//! `ccsim explain`: the routing story of one task of replication 0.

use anyhow::{Result, bail};
use ccsim::scenario::Scenario;
use std::io::Write;

pub(super) fn explain(s: &Scenario, task: u64, seed: Option<u64>) -> Result<()> {
    let seed = seed.unwrap_or(s.sim.seed);
    let plan = ccsim::routing::Plan::build(s);
    let mut events = Vec::new();
    let mut tracer = |ev: &ccsim::engine::trace::TraceEvent| {
        if ev.task == Some(task) {
            events.push(ev.clone());
        }
    };
    let result = ccsim::engine::run_traced(s, &plan, seed, 0, &mut tracer);
    if events.is_empty() {
        bail!(
            "replication 0 of seed {seed} has {} arrivals (tasks 0 to {}); there is no task {task}",
            result.contacts,
            result.contacts.saturating_sub(1)
        );
    }
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "task {task} of replication 0, seed {seed}, scenario \"{}\"",
        s.name
    );
    let _ = writeln!(o, "{:>10}  {:<26} details", "t (s)", "event");
    for ev in &events {
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
        let _ = writeln!(o, "{:>10.2}  {:<26} {}", ev.time, ev.name, parts.join("; "));
    }
    let created = events.first().map_or(0.0, |e| e.time);
    let outcome = if let Some(a) = events.iter().rfind(|e| e.name == "reservation.accepted") {
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
    std::io::stdout().lock().write_all(o.as_bytes())?;
    Ok(())
}
