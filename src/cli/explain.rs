//! `ccsim explain`: the routing story of one task of replication 0, or the
//! list of tasks matching a question (`--find 'wait > 600'`, `--slowest 5`),
//! so "why did anyone wait 25 minutes" needs no scripting.

use anyhow::{Result, bail};
use ccsim::engine::trace::TraceEvent;
use ccsim::expr::{Attrs, Context, Expr, KeyTable, Value};
use ccsim::scenario::Scenario;
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write as _;
use std::io::Write;

/// What to explain.
pub(super) enum Question {
    /// One task's story.
    Task(u64),
    /// Tasks whose summary matches an expression (`wait > 600`).
    Find(String),
    /// The tasks that waited longest.
    Slowest(usize),
}

pub(super) fn explain(
    s: &Scenario,
    file: &std::path::Path,
    q: Question,
    limit: usize,
    seed: Option<u64>,
) -> Result<()> {
    let seed = seed.unwrap_or(s.sim.seed);
    let plan = ccsim::routing::Plan::build(s);
    let text = match q {
        Question::Task(task) => {
            let mut events = Vec::new();
            let mut tracer = |ev: &TraceEvent| {
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
            story(s, seed, task, &events)
        }
        Question::Find(expr) => {
            let mut keys = KeyTable::default();
            let e = Expr::parse(&expr, Context::Bare, &mut keys).map_err(|e| {
                anyhow::anyhow!(
                    "--find: invalid expression: {e}; it reads index, source, channel, queue, wait, outcome and created, e.g. 'wait > 600 AND queue == \"billing\"'"
                )
            })?;
            // The count of matches, and the `limit` with the lowest indices.
            let (mut count, mut first) = (0usize, BinaryHeap::new());
            summaries(s, &plan, seed, &mut |r| {
                if e.eval(&r.attrs(&mut keys)) {
                    count += 1;
                    first.push(ByIndex(r));
                    if first.len() > limit {
                        first.pop();
                    }
                }
            });
            let mut shown: Vec<Record> = first.into_iter().map(|b| b.0).collect();
            shown.sort_by_key(|r| r.index);
            let rows: Vec<&Record> = shown.iter().collect();
            listing(
                s,
                file,
                seed,
                &format!("matching '{expr}'"),
                &rows,
                count,
                limit,
            )
        }
        Question::Slowest(n) => {
            // The `n` longest waits (ties: the lowest index first).
            let mut top = BinaryHeap::new();
            summaries(s, &plan, seed, &mut |r| {
                top.push(std::cmp::Reverse(ByWait(r)));
                if top.len() > n {
                    top.pop();
                }
            });
            let mut shown: Vec<Record> = top.into_iter().map(|b| b.0.0).collect();
            shown.sort_by(|a, b| b.wait.total_cmp(&a.wait).then(a.index.cmp(&b.index)));
            let rows: Vec<&Record> = shown.iter().collect();
            listing(
                s,
                file,
                seed,
                "with the longest waits",
                &rows,
                rows.len(),
                n,
            )
        }
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
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
fn story(s: &Scenario, seed: u64, task: u64, events: &[TraceEvent]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "task {task} of replication 0, seed {seed}, scenario \"{}\"",
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

/// What `--find` and `--slowest` know of a task.
struct Record {
    index: u64,
    created: f64,
    source: String,
    channel: String,
    queue: String,
    /// Until answered, or until the contact's outcome; until the run's last
    /// event for one still waiting.
    wait: f64,
    outcome: String,
}

impl Record {
    /// The record as a document `--find` expressions read.
    fn attrs(&self, keys: &mut KeyTable) -> Attrs {
        Attrs::from_pairs(vec![
            (keys.intern("index"), Value::Num(self.index as f64)),
            (keys.intern("created"), Value::Num(self.created)),
            (
                keys.intern("source"),
                Value::Str(self.source.as_str().into()),
            ),
            (
                keys.intern("channel"),
                Value::Str(self.channel.as_str().into()),
            ),
            (keys.intern("queue"), Value::Str(self.queue.as_str().into())),
            (keys.intern("wait"), Value::Num(self.wait)),
            (
                keys.intern("outcome"),
                Value::Str(self.outcome.as_str().into()),
            ),
        ])
    }
}

/// Every task of replication 0, summarised from its audit trail.
/// Every task of replication 0, summarised from its audit trail and handed
/// to `sink` once its outcome is known (memory holds only tasks in flight).
fn summaries(s: &Scenario, plan: &ccsim::routing::Plan, seed: u64, sink: &mut dyn FnMut(Record)) {
    let mut live: HashMap<u64, Record> = HashMap::new();
    let mut last = 0.0f64;
    let mut tracer = |ev: &TraceEvent| {
        last = last.max(ev.time);
        let Some(i) = ev.task else { return };
        if let Some(src) = &ev.source {
            live.entry(i).or_insert(Record {
                index: i,
                created: ev.time,
                source: src.clone(),
                channel: ev.channel.clone().unwrap_or_default(),
                queue: String::new(),
                wait: f64::NAN,
                outcome: String::new(),
            });
        }
        let Some(r) = live.get_mut(&i) else { return };
        // The queue where the contact's routing ended (for a voicemail, the
        // queue that works it, entered just after the outcome).
        if let Some(q) = &ev.queue
            && ev.name == "workflow.target-matched"
        {
            r.queue = q.clone();
        }
        if r.outcome.is_empty()
            && let Some(outcome) = ev.outcome
        {
            r.outcome = outcome.to_string();
            r.wait = if matches!(outcome, "voicemail" | "closed") {
                0.0
            } else {
                ev.time - r.created
            };
        }
        let waits_for_queue = r.outcome == "voicemail" && r.queue.is_empty();
        if !r.outcome.is_empty() && !waits_for_queue {
            sink(live.remove(&i).expect("present"));
        }
    };
    ccsim::engine::run_traced(s, plan, seed, 0, &mut tracer);
    let mut rest: Vec<Record> = live.into_values().collect();
    rest.sort_by_key(|r| r.index);
    for mut r in rest {
        if r.outcome.is_empty() {
            r.outcome = "unfinished".into();
            r.wait = last - r.created;
        }
        sink(r);
    }
}

/// Orders records by index (a max-heap keeps the lowest ones).
struct ByIndex(Record);
impl PartialEq for ByIndex {
    fn eq(&self, o: &Self) -> bool {
        self.0.index == o.0.index
    }
}
impl Eq for ByIndex {}
impl PartialOrd for ByIndex {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for ByIndex {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.index.cmp(&o.0.index)
    }
}

/// Orders records by wait, longer first, then lower index.
struct ByWait(Record);
impl PartialEq for ByWait {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o).is_eq()
    }
}
impl Eq for ByWait {}
impl PartialOrd for ByWait {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for ByWait {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0
            .wait
            .total_cmp(&o.0.wait)
            .then(o.0.index.cmp(&self.0.index))
    }
}

/// A table of tasks: `rows` of `total` found (at most `limit` shown).
fn listing(
    s: &Scenario,
    file: &std::path::Path,
    seed: u64,
    what: &str,
    rows: &[&Record],
    total: usize,
    limit: usize,
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "tasks of replication 0 (seed {seed}, scenario \"{}\"): {total} {what}",
        s.name
    );
    if rows.is_empty() {
        return o;
    }
    let arrived = |r: &Record| match &s.sim.clock {
        Some(c) => c.format(r.created),
        None => format!("{:.2} s", r.created),
    };
    let shown = &rows[..rows.len().min(limit)];
    let width = |f: &dyn Fn(&Record) -> String, head: &str| {
        shown
            .iter()
            .map(|r| f(r).chars().count())
            .max()
            .unwrap_or(0)
            .max(head.len())
    };
    let queue = |r: &Record| {
        if r.queue.is_empty() {
            "—".to_string()
        } else {
            r.queue.clone()
        }
    };
    let (wa, ws, wc, wq) = (
        width(&arrived, "arrived"),
        width(&|r| r.source.clone(), "source"),
        width(&|r| r.channel.clone(), "channel"),
        width(&queue, "queue"),
    );
    let _ = writeln!(
        o,
        "{:>7}  {:<wa$}  {:<ws$}  {:<wc$}  {:<wq$}  {:>10}  outcome",
        "task", "arrived", "source", "channel", "queue", "wait (s)"
    );
    for r in shown {
        let _ = writeln!(
            o,
            "{:>7}  {:<wa$}  {:<ws$}  {:<wc$}  {:<wq$}  {:>10.2}  {}",
            r.index,
            arrived(r),
            r.source,
            r.channel,
            queue(r),
            r.wait,
            r.outcome
        );
    }
    if total > rows.len() {
        let _ = writeln!(o, "… and {} more (raise --limit)", total - rows.len());
    }
    let _ = writeln!(
        o,
        "the story of one: ccsim explain {} --task {}{}",
        file.display(),
        rows[0].index,
        if seed == s.sim.seed {
            String::new()
        } else {
            format!(" --seed {seed}")
        }
    );
    o
}
