//! One pass over an event history that keeps, per task, what calibration
//! needs to place it (its channel, first queue and attributes) and how it
//! went (its wait, who answered it, its talk and wrap-up), and per worker,
//! the queues it answered and the stretches it spent in each activity.

use crate::import::events::{EventLog, task_waits, task_work};
use crate::import::patience::Wait;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One task of the history.
#[derive(Debug, Clone)]
pub struct TaskRecord {
    /// The task's SID (or ccsim's task number).
    pub sid: String,
    /// Its first `task.created`.
    pub created: f64,
    /// Its channel, when an event named it.
    pub channel: Option<String>,
    /// The first queue it entered: where its workflow sent it first, which
    /// is what a source's routing must reproduce.
    pub queue: Option<String>,
    /// Its attributes at creation, when the events carry them.
    pub attributes: Option<Map<String, Value>>,
    /// Its wait (to answer, hang-up, other cancellation or the history's end).
    pub wait: Option<Wait>,
    /// The worker whose reservation it accepted first, and when.
    pub answered: Option<(String, f64)>,
    /// Each worker who took it, in order: the first answer, then those
    /// after a transfer.
    pub legs: Vec<Leg>,
    /// Where it went after its first answer: the queue it entered (the
    /// queue it was in when another worker took it without one), when it
    /// did. A transfer.
    pub transferred_to: Option<String>,
    /// Talk and wrap-up, when the task was answered and its talk ended.
    pub talk: Option<f64>,
    /// Wrap-up, when a wrap-up event was seen.
    pub wrapup: Option<f64>,
    /// Its first `task.completed`.
    pub completed: Option<f64>,
}

/// One worker's part of a task: from its answer to its completion (the
/// `task.completed` naming the worker, else the task's next completion).
#[derive(Debug, Clone, PartialEq)]
pub struct Leg {
    /// The worker.
    pub worker: String,
    /// The queue the task was in when answered.
    pub queue: Option<String>,
    /// Answered at.
    pub accepted: f64,
    /// Completed at (wrap-up included), when the history shows it.
    pub ended: Option<f64>,
}

/// A worker's activity changes, in time order: (time, activity name).
pub type Activity = Vec<(f64, String)>;

/// What one pass over the history keeps.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Tasks in order of creation.
    pub tasks: Vec<TaskRecord>,
    /// Events of tasks whose creation is not in the history.
    pub untimed: usize,
    /// Answered tasks whose talk had not ended when the history ends.
    pub unfinished: usize,
    /// Queues by id, with the friendly name when an event gave one.
    pub queue_names: BTreeMap<String, String>,
    /// Workers by id: friendly name (or the id), the queues whose tasks
    /// they accepted (by id), and their activity changes.
    pub workers: BTreeMap<String, WorkerRecord>,
}

/// One worker of the history.
#[derive(Debug, Clone, Default)]
pub struct WorkerRecord {
    /// Friendly name, or the id.
    pub name: String,
    /// Ids of the queues whose tasks it accepted.
    pub served: std::collections::BTreeSet<String>,
    /// Activity changes.
    pub activity: Activity,
    /// Tasks it accepted and finished: (channel, from, to) with `to` the
    /// end of wrap-up. A task still open when the history ends is left out:
    /// a missing completion event would otherwise hold it to the end.
    pub busy: Vec<(String, f64, f64)>,
}

impl History {
    /// Reads the history of `log`.
    pub fn read(log: &EventLog) -> History {
        let mut h = History::default();
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        // The queue each task is in now, for the queue an answer came from.
        let mut current: BTreeMap<&str, String> = BTreeMap::new();
        for e in &log.events {
            if let (Some(q), Some(name)) = (&e.queue, &e.queue_name) {
                h.queue_names.insert(q.clone(), name.clone());
            } else if let Some(q) = &e.queue {
                h.queue_names.entry(q.clone()).or_insert_with(|| q.clone());
            }
            if let Some(w) = &e.worker {
                let rec = h.workers.entry(w.clone()).or_default();
                if let Some(name) = &e.worker_name {
                    rec.name.clone_from(name);
                } else if rec.name.is_empty() {
                    rec.name.clone_from(w);
                }
                if e.kind == "worker.activity.update"
                    && let Some(a) = &e.activity
                {
                    rec.activity.push((e.t, a.clone()));
                }
            }
            let Some(task) = e.task.as_deref() else {
                continue;
            };
            if e.kind == "task.created" {
                if !index.contains_key(task) {
                    index.insert(task, h.tasks.len());
                    h.tasks.push(TaskRecord {
                        sid: task.to_string(),
                        created: e.t,
                        channel: e.channel.clone(),
                        queue: e.queue.clone(),
                        attributes: e.attributes.clone(),
                        wait: None,
                        answered: None,
                        legs: Vec::new(),
                        transferred_to: None,
                        talk: None,
                        wrapup: None,
                        completed: None,
                    });
                }
                if let Some(q) = &e.queue {
                    current.insert(task, q.clone());
                }
                continue;
            }
            let Some(&i) = index.get(task) else {
                continue;
            };
            let rec = &mut h.tasks[i];
            if rec.channel.is_none() {
                rec.channel.clone_from(&e.channel);
            }
            if rec.attributes.is_none() {
                rec.attributes.clone_from(&e.attributes);
            }
            if let Some(q) = &e.queue {
                if rec.queue.is_none() {
                    rec.queue = Some(q.clone());
                }
                current.insert(task, q.clone());
                // Entering a queue after an answer: a transfer.
                if e.kind == "task-queue.entered"
                    && rec.answered.is_some()
                    && rec.transferred_to.is_none()
                {
                    rec.transferred_to = Some(q.clone());
                }
            }
            match e.kind.as_str() {
                "task.completed" => {
                    if rec.completed.is_none() {
                        rec.completed = Some(e.t);
                    }
                    for leg in rec.legs.iter_mut().filter(|l| l.ended.is_none()) {
                        if e.worker.as_ref().is_none_or(|w| *w == leg.worker) {
                            leg.ended = Some(e.t);
                        }
                    }
                }
                "reservation.accepted" => {
                    let Some(w) = &e.worker else { continue };
                    if rec.answered.is_none() {
                        rec.answered = Some((w.clone(), e.t));
                    } else if rec.transferred_to.is_none() {
                        // Another worker took it without a queue change.
                        rec.transferred_to = current.get(task).cloned();
                    }
                    rec.legs.push(Leg {
                        worker: w.clone(),
                        queue: current.get(task).cloned(),
                        accepted: e.t,
                        ended: None,
                    });
                    if let Some(q) = current.get(task) {
                        h.workers
                            .entry(w.clone())
                            .or_default()
                            .served
                            .insert(q.clone());
                    }
                }
                _ => {}
            }
        }
        let (waits, untimed) = task_waits(log);
        h.untimed = untimed;
        let (work, unfinished) = task_work(log);
        h.unfinished = unfinished;
        for w in waits {
            if let Some(&i) = index.get(w.task.as_str()) {
                h.tasks[i].wait = Some(w.wait);
            }
        }
        for w in work {
            if let Some(&i) = index.get(w.task.as_str()) {
                h.tasks[i].talk = Some(w.talk);
                h.tasks[i].wrapup = w.wrapup;
            }
        }
        for t in &h.tasks {
            // Each leg from its answer to its own completion event (not
            // answer + talk + wrap-up: a sum rounded up would overlap the
            // worker's next task). Legs still open at the end are left out.
            let Some(channel) = &t.channel else { continue };
            for leg in &t.legs {
                if let (Some(to), Some(rec)) = (leg.ended, h.workers.get_mut(&leg.worker)) {
                    rec.busy.push((channel.clone(), leg.accepted, to));
                }
            }
        }
        h
    }
}

/// The most tasks a worker held at once on `channel`.
pub fn peak_concurrency(busy: &[(String, f64, f64)], channel: &str) -> u32 {
    let mut edges: Vec<(f64, i32)> = busy
        .iter()
        .filter(|(c, _, _)| c == channel)
        .flat_map(|(_, from, to)| [(*from, 1), (*to, -1)])
        .collect();
    // At one instant an end comes before a start: a task handed over at the
    // very moment another ends does not count as two at once.
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut peak) = (0i32, 0i32);
    for (_, d) in edges {
        now += d;
        peak = peak.max(now);
    }
    peak.max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_counts_overlaps_not_hand_overs() {
        let b = |c: &str, f: f64, t: f64| (c.to_string(), f, t);
        let busy = vec![
            b("chat", 0.0, 10.0),
            b("chat", 5.0, 20.0),
            b("chat", 8.0, 9.0),
            b("chat", 20.0, 30.0),
            b("voice", 0.0, 100.0),
        ];
        assert_eq!(peak_concurrency(&busy, "chat"), 3);
        assert_eq!(peak_concurrency(&busy, "voice"), 1);
        assert_eq!(peak_concurrency(&busy, "sms"), 0);
    }
}
