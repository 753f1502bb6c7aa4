//! Reading TaskRouter event history (issue 15, part 2: calibration), in
//! the shapes it is delivered in (docs/calibrate.md, "Accepted event files"):
//!
//! - **Event Streams** (CloudEvents): `{"specversion": "1.0", "type":
//!   "com.twilio.taskrouter.task.created", "data": {"payload": {…}}}`;
//! - the REST **events list**: pages `{"meta": {…}, "events": […]}` of
//!   `{"event_type": "task.created", "event_date": "…", "event_data": {…}}`;
//! - ccsim's own audit trail (`ccsim run --events`): `{"t": 12.5, "event":
//!   "task.created", "task": 0, …}`, so that a simulated history can be
//!   calibrated back (the round trip of issue 15, part 3).
//!
//! A file holds JSON lines, a JSON array, or pages one after another. Every
//! event becomes one [`Event`] under TaskRouter's event name. Nothing is
//! dropped silently: an event that cannot be used (no type, no time, no
//! task where one is needed) is a [`Problem`] with its file and line, and
//! event types the calibration does not know are counted by type.

use super::ImportError;
use super::snapshot::describe;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the times of a history count from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// Seconds since 1970-01-01 UTC (TaskRouter's dated events).
    Unix,
    /// Seconds since the start of a simulation (ccsim's audit trail).
    Simulation,
}

/// One event, under TaskRouter's names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    /// Seconds, on the log's [`Clock`].
    pub t: f64,
    /// The event type, e.g. `task.created`, `reservation.accepted`.
    pub kind: String,
    /// The task's SID (or ccsim's task index).
    pub task: Option<String>,
    /// The task queue's SID (or name, when only the name is given).
    pub queue: Option<String>,
    /// The worker's SID (or ccsim's worker name).
    pub worker: Option<String>,
    /// The task channel's unique name.
    pub channel: Option<String>,
    /// The task's attributes, when the event carries them.
    pub attributes: Option<Map<String, Value>>,
    /// Why a task or reservation ended: TaskRouter's canceled reason, or
    /// ccsim's `outcome`.
    pub reason: Option<String>,
    /// The queue's friendly name, when the event gives it beside the SID.
    pub queue_name: Option<String>,
    /// The worker's friendly name, when the event gives it beside the SID.
    pub worker_name: Option<String>,
    /// The worker's new activity (`worker.activity.update`).
    pub activity: Option<String>,
    /// ccsim's `redial_of`: the abandoned attempt this task repeats.
    pub redial_of: Option<String>,
    /// The file it was read from, and the line its document starts on.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
}

/// An event that could not be used, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The file.
    pub file: PathBuf,
    /// 1-based line of the event's document.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: warning: {}",
            self.file.display(),
            self.line,
            self.message
        )
    }
}

/// A history read from one or more files.
#[derive(Debug, Clone, PartialEq)]
pub struct EventLog {
    /// The events used, in time order (events at one instant keep their
    /// file order).
    pub events: Vec<Event>,
    /// What the times count from.
    pub clock: Clock,
    /// Events that could not be used.
    pub problems: Vec<Problem>,
    /// Events used, per type.
    pub by_type: BTreeMap<String, usize>,
    /// Events of types the calibration does not read, per type (they are
    /// kept out of `events`).
    pub other_types: BTreeMap<String, usize>,
    /// Events whose time is earlier than the one before it in the same
    /// file (they are used, in time order).
    pub out_of_order: usize,
}

/// The event types calibration reads: tasks, reservations and worker activity.
pub const USED_TYPES: [&str; 13] = [
    "task.created",
    "task.canceled",
    "task.completed",
    "task.wrapup",
    "task-queue.entered",
    "task-queue.moved",
    "reservation.created",
    "reservation.accepted",
    "reservation.rejected",
    "reservation.timeout",
    "reservation.canceled",
    "reservation.rescinded",
    "worker.activity.update",
];

/// Reads event files into one history.
///
/// # Errors
/// A file that cannot be read or is not JSON (with line and column), a
/// document of another shape, or files on different clocks.
pub fn read_events(paths: &[PathBuf]) -> Result<EventLog, ImportError> {
    let mut log = EventLog {
        events: Vec::new(),
        clock: Clock::Unix,
        problems: Vec::new(),
        by_type: BTreeMap::new(),
        other_types: BTreeMap::new(),
        out_of_order: 0,
    };
    let mut clock: Option<(Clock, PathBuf)> = None;
    for path in paths {
        let text = crate::scenario::input::read_text(path, crate::scenario::input::TRACE_MAX_BYTES)
            .map_err(|e| ImportError::new(path, format!("cannot read the events: {e}")))?;
        let (events, file_clock) = read_text(path, &text, &mut log)?;
        if let Some(c) = file_clock {
            match &clock {
                Some((first, file)) if *first != c => {
                    return Err(ImportError::new(
                        path,
                        format!(
                            "its times count from {}, those of {} from {}",
                            describe_clock(c),
                            file.display(),
                            describe_clock(*first)
                        ),
                    )
                    .fix("calibrate TaskRouter's events and a simulation's events separately"));
                }
                Some(_) => {}
                None => clock = Some((c, path.clone())),
            }
        }
        log.events.extend(events);
    }
    log.clock = clock.map_or(Clock::Unix, |c| c.0);
    log.events.sort_by(|a, b| a.t.total_cmp(&b.t));
    Ok(log)
}

fn describe_clock(c: Clock) -> &'static str {
    match c {
        Clock::Unix => "dated timestamps",
        Clock::Simulation => "the start of a simulation (ccsim's events)",
    }
}

/// The events of one file's text, in file order, and the clock they use.
fn read_text(
    path: &Path,
    text: &str,
    log: &mut EventLog,
) -> Result<(Vec<Event>, Option<Clock>), ImportError> {
    let shapes = "JSON lines, a JSON array of events, or pages of the events list ({\"meta\": {…}, \"events\": […]})";
    let mut out: Vec<Event> = Vec::new();
    let mut clock = None;
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut start = 0;
    // Lines are counted incrementally: a history has millions of lines.
    let (mut counted_to, mut line) = (0, 1);
    while let Some(doc) = stream.next() {
        let doc = doc.map_err(|e| {
            let m = e.to_string();
            let m = m
                .find(" at line ")
                .map_or(m.as_str(), |i| &m[..i])
                .to_string();
            ImportError::new(path, format!("invalid JSON: {m}"))
                .at(e.line(), e.column())
                .fix(format!("an events file holds {shapes}"))
        })?;
        let end = stream.byte_offset();
        let lead = text[start..end].len() - text[start..end].trim_start().len();
        line += text[counted_to..start + lead].matches('\n').count();
        counted_to = start + lead;
        start = end;
        let items = match doc {
            Value::Array(items) => items,
            Value::Object(mut page) if page.get("events").is_some_and(Value::is_array) => {
                match page.remove("events") {
                    Some(Value::Array(items)) => items,
                    _ => Vec::new(),
                }
            }
            Value::Object(event) => vec![Value::Object(event)],
            other => {
                return Err(ImportError::new(
                    path,
                    format!("expected an event object, found {}", describe(&other)),
                )
                .at(line, 1)
                .fix(format!("an events file holds {shapes}")));
            }
        };
        for item in items {
            let problem = |message: String| Problem {
                file: path.to_path_buf(),
                line,
                message,
            };
            let Value::Object(obj) = item else {
                log.problems.push(problem(format!(
                    "expected an event object, found {}",
                    describe(&item)
                )));
                continue;
            };
            match event(&obj) {
                Ok((mut e, c)) => {
                    if let Some(prev) = out.last()
                        && e.t < prev.t
                    {
                        log.out_of_order += 1;
                    }
                    if clock.is_some_and(|k| k != c) {
                        log.problems.push(problem(
                            "ccsim's and TaskRouter's events in one file: this one is not used"
                                .into(),
                        ));
                        continue;
                    }
                    clock = Some(c);
                    if !USED_TYPES.contains(&e.kind.as_str()) {
                        *log.other_types.entry(e.kind).or_default() += 1;
                        continue;
                    }
                    if e.task.is_none() && !e.kind.starts_with("worker.") {
                        log.problems.push(problem(format!(
                            "a {} event without a task SID is not used",
                            e.kind
                        )));
                        continue;
                    }
                    e.file = path.to_path_buf();
                    e.line = line;
                    *log.by_type.entry(e.kind.clone()).or_default() += 1;
                    out.push(e);
                }
                Err(message) => log.problems.push(problem(message)),
            }
        }
    }
    Ok((out, clock))
}

fn text_of(m: &Map<String, Value>, key: &str) -> Option<String> {
    match m.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A date-time (`2025-01-01T00:00:00.000Z`) as Unix seconds.
fn unix_seconds(s: &str) -> Result<f64, String> {
    let ts: jiff::Timestamp = s.parse().map_err(|e| {
        format!("expected a date-time such as \"2025-01-01T09:30:00.000Z\", found \"{s}\" ({e})")
    })?;
    Ok(ts.as_second() as f64 + f64::from(ts.subsec_nanosecond()) / 1e9)
}

/// One event object in any accepted shape.
fn event(obj: &Map<String, Value>) -> Result<(Event, Clock), String> {
    // ccsim's audit trail.
    if let (Some(kind), Some(t)) = (obj.get("event").and_then(Value::as_str), obj.get("t")) {
        let t = t
            .as_f64()
            .filter(|t| t.is_finite())
            .ok_or_else(|| format!("`t` must be a number of seconds, found {}", describe(t)))?;
        let e = Event {
            t,
            kind: kind.to_string(),
            task: text_of(obj, "task"),
            queue: text_of(obj, "queue"),
            worker: text_of(obj, "worker"),
            channel: text_of(obj, "channel"),
            attributes: None,
            reason: text_of(obj, "outcome"),
            queue_name: None,
            worker_name: None,
            redial_of: text_of(obj, "redial_of"),
            // ccsim writes the new activity first in the detail:
            // "Available (shift starts)".
            activity: (kind == "worker.activity.update")
                .then(|| text_of(obj, "detail"))
                .flatten()
                .map(|d| d.split(" (").next().unwrap_or_default().to_string()),
            file: PathBuf::new(),
            line: 0,
        };
        return Ok((e, Clock::Simulation));
    }
    // Event Streams (CloudEvents) and the REST events list.
    let (kind, data, time) = if let Some(kind) = obj.get("event_type").and_then(Value::as_str) {
        let data = obj.get("event_data").and_then(Value::as_object);
        let time = match obj.get("event_date_ms").and_then(Value::as_f64) {
            Some(ms) => Some(Ok(ms / 1000.0)),
            None => text_of(obj, "event_date").map(|d| unix_seconds(&d)),
        };
        (kind.to_string(), data, time)
    } else if let Some(ty) = obj.get("type").and_then(Value::as_str) {
        let data = obj.get("data").and_then(Value::as_object);
        let payload = data
            .and_then(|d| d.get("payload"))
            .and_then(Value::as_object)
            .or(data);
        let kind = payload
            .and_then(|p| p.get("eventtype"))
            .and_then(Value::as_str)
            .map_or_else(
                || {
                    ty.strip_prefix("com.twilio.taskrouter.")
                        .unwrap_or(ty)
                        .to_string()
                },
                str::to_string,
            );
        let time = payload
            .and_then(|p| text_of(p, "timestamp"))
            .or_else(|| data.and_then(|d| text_of(d, "timestamp")))
            .or_else(|| text_of(obj, "time"))
            .map(|d| unix_seconds(&d));
        (kind, payload, time)
    } else {
        return Err(
            "no event type: expected `event_type` (events list), `type` (Event Streams) or `event` (ccsim)"
                .into(),
        );
    };
    let t = match time {
        Some(Ok(t)) => t,
        Some(Err(e)) => return Err(format!("{kind}: {e}")),
        None => {
            return Err(format!(
                "{kind}: no time (expected `event_date`/`event_date_ms`, or the payload's `timestamp`)"
            ));
        }
    };
    let empty = Map::new();
    let d = data.unwrap_or(&empty);
    let attributes = match d.get("task_attributes") {
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => Some(m),
            _ => return Err(format!("{kind}: task_attributes is not a JSON object")),
        },
        Some(Value::Object(m)) => Some(m.clone()),
        _ => None,
    };
    let e = Event {
        t,
        task: text_of(d, "task_sid").or_else(|| {
            (obj.get("resource_type").and_then(Value::as_str) == Some("task"))
                .then(|| text_of(obj, "resource_sid"))
                .flatten()
        }),
        queue: text_of(d, "task_queue_sid").or_else(|| text_of(d, "task_queue_name")),
        worker: text_of(d, "worker_sid"),
        channel: text_of(d, "task_channel_unique_name"),
        attributes,
        reason: text_of(d, "task_canceled_reason").or_else(|| text_of(d, "reason")),
        queue_name: text_of(d, "task_queue_name"),
        worker_name: text_of(d, "worker_name"),
        activity: text_of(d, "worker_activity_name"),
        redial_of: None,
        kind,
        file: PathBuf::new(),
        line: 0,
    };
    Ok((e, Clock::Unix))
}

/// One task's wait, for patience: from creation to its answer (censored),
/// its hang-up (observed), another cancellation such as a TTL (censored),
/// or the end of the history (censored, and counted as open).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskWait {
    /// The task's SID.
    pub task: String,
    /// The last queue it entered, if any event named one.
    pub queue: Option<String>,
    /// Its channel, if any event named it.
    pub channel: Option<String>,
    /// The wait.
    pub wait: super::patience::Wait,
    /// No answer and no cancellation before the history ends.
    pub open: bool,
}

/// Whether a cancellation is the customer hanging up: TaskRouter's
/// canceled reason mentions a hang-up, or ccsim's outcome is `abandoned`.
fn hung_up(reason: Option<&str>) -> bool {
    reason.is_some_and(|r| {
        let r = r.to_ascii_lowercase();
        r == "abandoned" || r.contains("hangup") || r.contains("hang up") || r.contains("hung up")
    })
}

/// A task while its history is read: created at, last queue, channel, and
/// how its wait ended (time, hung up) once known.
struct Open {
    created: f64,
    queue: Option<String>,
    channel: Option<String>,
    ended: Option<(f64, bool)>,
}

/// Every task's wait, in order of creation. A task whose creation is not
/// in the history cannot be timed: those are counted in the second value.
pub fn task_waits(log: &EventLog) -> (Vec<TaskWait>, usize) {
    let end = log.events.last().map_or(0.0, |e| e.t);
    let mut order: Vec<String> = Vec::new();
    let mut tasks: BTreeMap<&str, Open> = BTreeMap::new();
    let mut untimed = std::collections::BTreeSet::new();
    for e in &log.events {
        let Some(task) = e.task.as_deref() else {
            continue;
        };
        if e.kind == "task.created" {
            // A second creation (ccsim's voicemail or call back) starts no new wait.
            if !tasks.contains_key(task) {
                order.push(task.to_string());
                tasks.insert(
                    task,
                    Open {
                        created: e.t,
                        queue: e.queue.clone(),
                        channel: e.channel.clone(),
                        ended: None,
                    },
                );
            }
            continue;
        }
        let Some(entry) = tasks.get_mut(task) else {
            untimed.insert(task);
            continue;
        };
        if e.queue.is_some() {
            entry.queue.clone_from(&e.queue);
        }
        if e.channel.is_some() {
            entry.channel.clone_from(&e.channel);
        }
        if entry.ended.is_some() {
            continue;
        }
        match e.kind.as_str() {
            "reservation.accepted" => entry.ended = Some((e.t, false)),
            "task.canceled" => entry.ended = Some((e.t, hung_up(e.reason.as_deref()))),
            _ => {}
        }
    }
    let waits = order
        .iter()
        .map(|task| {
            let Open {
                created,
                queue,
                channel,
                ended,
            } = &tasks[task.as_str()];
            let (until, abandoned) = ended.unwrap_or((end, false));
            TaskWait {
                task: task.clone(),
                queue: queue.clone(),
                channel: channel.clone(),
                wait: super::patience::Wait {
                    seconds: (until - created).max(0.0),
                    abandoned,
                },
                open: ended.is_none(),
            }
        })
        .collect();
    (waits, untimed.len())
}

/// One answered task's work: talk from its answer to its wrap-up (to its
/// completion when it has no wrap-up event), and wrap-up from there to
/// its completion.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskWork {
    /// The task's SID.
    pub task: String,
    /// The last queue its events named.
    pub queue: Option<String>,
    /// Its channel, if any event named it.
    pub channel: Option<String>,
    /// Talk time (seconds).
    pub talk: f64,
    /// Wrap-up time (seconds), when a wrap-up event was seen.
    pub wrapup: Option<f64>,
}

/// The work of every answered task that ended within the history, in order
/// of answer; answered tasks whose talk had not ended by the end of the
/// history are counted in the second value (their handle time is unknown).
pub fn task_work(log: &EventLog) -> (Vec<TaskWork>, usize) {
    struct Busy {
        queue: Option<String>,
        channel: Option<String>,
        accepted: f64,
        wrapup: Option<f64>,
        completed: Option<f64>,
    }
    let mut order: Vec<&str> = Vec::new();
    let mut named: BTreeMap<&str, (Option<String>, Option<String>)> = BTreeMap::new();
    let mut busy: BTreeMap<&str, Busy> = BTreeMap::new();
    for e in &log.events {
        let Some(task) = e.task.as_deref() else {
            continue;
        };
        let names = named.entry(task).or_default();
        if e.queue.is_some() {
            names.0.clone_from(&e.queue);
        }
        if e.channel.is_some() {
            names.1.clone_from(&e.channel);
        }
        match (e.kind.as_str(), busy.get_mut(task)) {
            ("reservation.accepted", None) => {
                order.push(task);
                busy.insert(
                    task,
                    Busy {
                        queue: None,
                        channel: None,
                        accepted: e.t,
                        wrapup: None,
                        completed: None,
                    },
                );
            }
            ("task.wrapup", Some(b)) if b.wrapup.is_none() && b.completed.is_none() => {
                b.wrapup = Some(e.t);
            }
            ("task.completed", Some(b)) if b.completed.is_none() => b.completed = Some(e.t),
            _ => {}
        }
    }
    let mut unfinished = 0;
    let mut out = Vec::new();
    for task in order {
        let b = busy.get_mut(task).expect("ordered tasks are busy");
        (b.queue, b.channel) = named.get(task).cloned().unwrap_or_default();
        let Some(talk_end) = b.wrapup.or(b.completed) else {
            unfinished += 1;
            continue;
        };
        out.push(TaskWork {
            task: task.to_string(),
            queue: b.queue.clone(),
            channel: b.channel.clone(),
            talk: (talk_end - b.accepted).max(0.0),
            wrapup: b.wrapup.zip(b.completed).map(|(w, c)| (c - w).max(0.0)),
        });
    }
    (out, unfinished)
}

#[cfg(test)]
mod tests;
