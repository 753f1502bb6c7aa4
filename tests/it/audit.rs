//! The audit trail: `ccsim explain` and `ccsim run --events`.

use super::{ccsim, ccsim_ok, scenario, stderr_no_panic, temp_dir};
use ccsim::engine::trace::TraceEvent;
use ccsim::routing::Plan;
use std::collections::BTreeMap;

/// The events of the first task of replication 0 of an example scenario
/// (default seed) for which `pick` holds, with its index: tests choose the
/// task they explain from the audit trail, not by a number pinned to a seed.
fn first_task(file: &str, pick: impl Fn(&[TraceEvent]) -> bool) -> (u64, Vec<TraceEvent>) {
    let s = ccsim::scenario::load(&scenario(file)).unwrap().scenario;
    let mut by_task: BTreeMap<u64, Vec<TraceEvent>> = BTreeMap::new();
    let mut tracer = |ev: &TraceEvent| {
        if let Some(task) = ev.task {
            by_task.entry(task).or_default().push(ev.clone());
        }
    };
    ccsim::engine::run_traced(&s, &Plan::build(&s), s.sim.seed, 0, &mut tracer);
    by_task
        .into_iter()
        .find(|(_, events)| pick(events))
        .unwrap_or_else(|| panic!("{file}: no task of replication 0 fits"))
}

/// The event called `name` (the last one) among a task's events.
fn last<'a>(events: &'a [TraceEvent], name: &str) -> &'a TraceEvent {
    events
        .iter()
        .rfind(|e| e.name == name)
        .unwrap_or_else(|| panic!("no {name} in {events:?}"))
}

/// `ccsim explain FILE --task N`.
fn explain(file: &str, task: u64) -> String {
    let out = ccsim_ok(
        &[
            "explain",
            scenario(file).to_str().unwrap(),
            "--task",
            &task.to_string(),
        ],
        &[],
    );
    String::from_utf8(out).unwrap()
}

/// A call that escalates: its story names the filter, both targets with the
/// worker counts, the timeout, the reservation and its rule, and the outcome.
#[test]
fn explain_tells_the_routing_story() {
    let in_step = |e: &TraceEvent, step: &str| e.step.as_deref() == Some(step);
    let (task, events) = first_task("worked-example.toml", |events| {
        let timed_out = events
            .iter()
            .any(|e| e.name == "task-queue.timeout" && in_step(e, "gold voice #1"));
        let answered = events.iter().any(|e| e.name == "reservation.accepted");
        timed_out && answered && in_step(last(events, "workflow.target-matched"), "gold voice #2")
    });
    let text = explain("worked-example.toml", task);
    let accepted = last(&events, "reservation.accepted");
    let worker = accepted.worker.as_deref().unwrap();
    let wait = accepted.time - events[0].time;
    for expected in [
        format!("task {task} of replication 0, seed 29"),
        "task.created               source gold-voice, channel voice".into(),
        "workflow.entered           first matching filter \"gold voice\"".into(),
        "did not match: returning caller, last agent first".into(),
        "workflow.target-matched    step \"gold voice #1\"; queue support_voice; priority 50, leaves at age 20.0 s".into(),
        "task-queue.timeout         step \"gold voice #1\"".into(),
        "workflow.target-matched    step \"gold voice #2\"; queue support_voice; priority 80, leaves at age 60.0 s".into(),
        // The rule that chose the worker follows its name.
        format!("reservation.created        worker {worker}; "),
        format!("reservation.accepted       worker {worker}"),
        format!("task.completed             worker {worker}"),
        format!("outcome: answered by {worker} after waiting {wait:.2} s, in step \"gold voice #2\""),
    ] {
        assert!(text.contains(&expected), "missing `{expected}` in:\n{text}");
    }
    // Each target says how many workers could take the task.
    for line in text
        .lines()
        .filter(|l| l.contains("workflow.target-matched"))
    {
        assert!(
            line.contains(" eligible workers, ") && line.contains(" with free capacity"),
            "{line}"
        );
    }
}

#[test]
fn explain_an_unknown_task_is_a_clear_error() {
    let out = ccsim(
        &[
            "explain",
            scenario("quickstart.toml").to_str().unwrap(),
            "--task",
            "999999",
        ],
        &[],
    );
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("there is no task 999999"), "{err}");
}

/// `--events` streams replication 0 as JSON lines with TaskRouter names, one
/// `task.created` per arrival, and does not change the results.
#[test]
fn events_stream_is_complete_and_changes_nothing() {
    let dir = temp_dir("events");
    let events = dir.join("events.jsonl");
    let file = scenario("escalation.toml");
    let with = ccsim_ok(
        &[
            "run",
            file.to_str().unwrap(),
            "--json",
            "--replications",
            "3",
            "--out",
            dir.to_str().unwrap(),
            "--events",
            events.to_str().unwrap(),
        ],
        &[],
    );
    // The stream is part of the report folder, which the next run replaces.
    let text = std::fs::read_to_string(&events).unwrap();
    let without = ccsim_ok(
        &[
            "run",
            file.to_str().unwrap(),
            "--json",
            "--replications",
            "3",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(with, without, "tracing must not change results");
    let mut counts = std::collections::BTreeMap::new();
    let mut last_t = 0.0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("each line is JSON");
        let name = v["event"].as_str().unwrap().to_string();
        let t = v["t"].as_f64().unwrap();
        assert!(t >= last_t, "events in time order");
        last_t = t;
        *counts.entry(name).or_insert(0u64) += 1;
    }
    for name in [
        "task.created",
        "workflow.entered",
        "workflow.target-matched",
        "task-queue.entered",
        "task-queue.timeout",
        "task-queue.moved",
        "reservation.created",
        "reservation.accepted",
        "task.completed",
        "task.canceled",
    ] {
        assert!(
            counts.get(name).copied().unwrap_or(0) > 0,
            "no {name} in {counts:?}"
        );
    }
    // Every task is created once; every reservation here is accepted (instant
    // answers); every accepted task completes (the run drains).
    assert_eq!(
        counts["reservation.created"],
        counts["reservation.accepted"]
    );
    assert_eq!(counts["reservation.accepted"], counts["task.completed"]);
    assert_eq!(
        counts["task.created"],
        counts["task.completed"] + counts["task.canceled"]
    );
    assert!(
        !std::fs::read_dir(&dir).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".tmp"))
    );
}

/// A call lost to an agent disconnect: the story shows the drop, and the
/// outcome says the answered call was cut short.
#[test]
fn explain_shows_a_disconnect() {
    let dropped = |e: &TraceEvent| {
        e.name == "task.canceled"
            && e.detail
                .as_deref()
                .is_some_and(|d| d.starts_with("the agent disconnected"))
    };
    let (task, events) = first_task("agent-disruptions.toml", |events| {
        events.iter().any(dropped)
    });
    let text = explain("agent-disruptions.toml", task);
    let drop = events.iter().find(|e| dropped(e)).unwrap();
    let (worker, detail) = (
        drop.worker.as_deref().unwrap(),
        drop.detail.as_deref().unwrap(),
    );
    assert!(detail.ends_with(" s of talk lost"), "{detail}");
    let accepted = last(&events, "reservation.accepted");
    assert_eq!(accepted.worker.as_deref(), Some(worker));
    let wait = accepted.time - events[0].time;
    let step = last(&events, "workflow.target-matched")
        .step
        .clone()
        .unwrap();
    for expected in [
        format!("task.canceled              worker {worker}; {detail}"),
        format!(
            "outcome: answered by {worker} after waiting {wait:.2} s, in step \"{step}\"; then {detail}"
        ),
    ] {
        assert!(text.contains(&expected), "missing `{expected}` in:\n{text}");
    }
}

/// One agent, a queue open 08:00–18:00 New York time, talks of 10 minutes.
/// Task 0 calls at 07:00 and waits for the opening; tasks 1–3 call at 09:00
/// one second apart: 1 is answered at once, 2 and 3 queue behind it.
const CLOSED_QUEUE: &str = r#"name = "closed-queue"
[simulation]
horizon = "1d"
interval = "1d"
replications = 1
start = "2026-12-21"
timezone = "America/New_York"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
handle_time = { dist = "deterministic", mean = "10m" }
[[agents]]
group = "team"
count = 1
[[hours]]
name = "day"
open = { mon = "08:00-18:00", tue = "08:00-18:00", wed = "08:00-18:00", thu = "08:00-18:00", fri = "08:00-18:00" }
[[queues]]
name = "q"
target_workers = "1==1"
hours = "day"
[workflow]
default_filter = { queue = "q" }
"#;

fn closed_queue() -> String {
    let dir = super::trace_dir(
        "explain-closed",
        "25200,voice,,,\n32400,voice,,,\n32401,voice,,,\n32402,voice,,,\n",
    );
    let path = super::write_scenario(&dir, CLOSED_QUEUE);
    path.to_str().unwrap().to_string()
}

/// A task that waits for its queue to open is told so, with the opening as a
/// clock time; times are clock times with seconds since the start; each step
/// says where the task stands in its waitlist.
#[test]
fn explain_says_why_a_task_waited() {
    let file = closed_queue();
    let text = String::from_utf8(ccsim_ok(&["explain", &file, "--task", "0"], &[])).unwrap();
    for expected in [
        "2026-12-21 07:00:00 America/New_York    25200.00  task.created",
        "the queue is closed: it waits until it opens at 2026-12-21 08:00:00 America/New_York (28800.00 s)",
        "2026-12-21 08:00:00 America/New_York    28800.00  reservation.accepted",
        "outcome: answered by team-1 after waiting 3600.00 s",
    ] {
        assert!(text.contains(expected), "expected `{expected}` in:\n{text}");
    }
    let text = String::from_utf8(ccsim_ok(&["explain", &file, "--task", "3"], &[])).unwrap();
    assert!(
        text.contains("if it waits: position 2 in its waitlist (0 ahead with a higher priority, 1 with the same priority and older)"),
        "{text}"
    );
    assert!(text.contains("after waiting 1198.00 s"), "{text}");
}

/// `--find` and `--slowest` list the tasks of replication 0 that answer a
/// question, with what to run next.
#[test]
fn explain_finds_the_tasks_that_answer_a_question() {
    let file = closed_queue();
    let text =
        String::from_utf8(ccsim_ok(&["explain", &file, "--find", "wait > 600"], &[])).unwrap();
    assert!(text.contains(": 2 matching 'wait > 600'"), "{text}");
    let rows: Vec<&str> = text.lines().filter(|l| l.contains("answered")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(
        rows[0]
            .trim_start()
            .starts_with("0  2026-12-21 07:00:00 America/New_York")
            && rows[0].contains("3600.00"),
        "{text}"
    );
    assert!(
        rows[1].trim_start().starts_with("3  ") && rows[1].contains("1198.00"),
        "{text}"
    );
    assert!(
        text.contains(&format!("ccsim explain {file} --task 0")),
        "{text}"
    );
    let text = String::from_utf8(ccsim_ok(&["explain", &file, "--slowest", "1"], &[])).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| l.contains("answered")).collect();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains("3600.00"), "{text}");
    let text = String::from_utf8(ccsim_ok(
        &["explain", &file, "--find", "queue == \"q\"", "--limit", "2"],
        &[],
    ))
    .unwrap();
    assert!(text.contains("… and 2 more (raise --limit)"), "{text}");
    let out = ccsim(&["explain", &file, "--find", "wait >"], &[]);
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("--find: invalid expression"), "{err}");
    let out = ccsim(&["explain", &file], &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "one of --task, --find, --slowest is required"
    );
}
