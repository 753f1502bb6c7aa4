//! One replication: `run(&Scenario, seed, replication) → ReplicationResult`.
//!
//! The loop pops the earliest event, dispatches it and schedules what follows.
//! It does no I/O and shares nothing, so replications run in parallel freely.
//! In steady state it allocates nothing: task slots are recycled through a free
//! list and the heaps keep their capacity.
//!
//! ```text
//! Arrival ──route──▶ free worker? ──yes──▶ reserve ─▶ TalkEnd ─▶ WrapEnd ─▶ worker pulls next task
//!                          │no
//!                          ▼
//!                     wait in queue ──patience──▶ Abandon (stale if served first)
//! ```

pub mod calendar;
pub mod event;
pub mod rng;

use crate::arrivals::SourceState;
use crate::metrics::{CellId, Collector, ReplicationResult};
use crate::routing::{IdleEntry, Router, WaitEntry};
use crate::scenario::{Route, Scenario};
use crate::workforce::{self, Worker};
use calendar::Calendar;
use event::Event;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaskState {
    Free,
    Waiting,
    Serving,
}

/// A customer contact in the system (slot in a recycled slab).
#[derive(Debug, Clone, Copy)]
struct Task {
    generation: u32,
    state: TaskState,
    channel: u32,
    queue: u32,
    arrival: f64,
    handle: f64,
    wrapup: f64,
    counted: bool,
    cell: CellId,
}

struct Engine<'s> {
    s: &'s Scenario,
    cal: Calendar,
    sources: Vec<SourceState>,
    tasks: Vec<Task>,
    free_slots: Vec<u32>,
    workers: Vec<Worker>,
    /// Units in use per (worker, channel).
    load: Vec<u16>,
    /// Capacity per (worker, channel) (copied from the group for locality).
    cap: Vec<u16>,
    /// First worker index of each group.
    group_start: Vec<u32>,
    router: Router,
    metrics: Collector,
    n_channels: usize,
    /// Workers starting a shift, reused between shift events.
    starting: Vec<u32>,
    /// Tasks waiting or in service.
    live: u32,
    /// Sources that will still produce arrivals.
    active_sources: u32,
    seq: u64,
    contacts: u64,
    events: u64,
}

/// Runs one replication of a scenario with the given base seed.
pub fn run(s: &Scenario, seed: u64, replication: u32) -> ReplicationResult {
    let mut e = Engine::new(s, seed, replication);
    let end = e.run_loop();
    let (contacts, events) = (e.contacts, e.events);
    e.flush_unfinished();
    e.metrics.finish(s, end, contacts, events)
}

impl<'s> Engine<'s> {
    fn new(s: &'s Scenario, seed: u64, replication: u32) -> Engine<'s> {
        let n_channels = s.channels.len();
        let mut workers = Vec::new();
        let mut cap = Vec::new();
        let mut group_start = Vec::new();
        let mut members = vec![0u32; s.queues.len()];
        for (g, group) in s.groups.iter().enumerate() {
            group_start.push(workers.len() as u32);
            for q in &group.queues {
                members[q.idx()] += group.count;
            }
            for _ in 0..group.count {
                workers.push(Worker {
                    group: g as u32,
                    stamp: 0,
                    on_shift: false,
                    logged_in: false,
                    tasks: 0,
                    last_assign: f64::NEG_INFINITY,
                });
                cap.extend_from_slice(&group.capacity);
            }
        }
        group_start.push(workers.len() as u32);
        let mut e = Engine {
            s,
            cal: Calendar::default(),
            sources: (0..s.sources.len())
                .map(|i| SourceState::new(seed, replication, i as u32))
                .collect(),
            tasks: Vec::new(),
            free_slots: Vec::new(),
            load: vec![0; workers.len() * n_channels],
            workers,
            cap,
            group_start,
            router: Router::new(s.queues.len(), n_channels, &members),
            metrics: Collector::new(s),
            n_channels,
            starting: Vec::new(),
            live: 0,
            active_sources: 0,
            seq: 0,
            contacts: 0,
            events: 0,
        };
        for (i, src) in s.sources.iter().enumerate() {
            if let Some(t) = e.sources[i].next_time(src, 0.0, s.sim.horizon_s) {
                e.cal.schedule(t, Event::Arrival { source: i as u32 });
                e.active_sources += 1;
            }
        }
        for g in 0..s.groups.len() {
            e.shift_change(g, 0.0);
        }
        e
    }

    /// Runs until every source is exhausted and the system has drained, or
    /// until the drain limit. Returns the final clock.
    fn run_loop(&mut self) -> f64 {
        let stop = self.s.sim.horizon_s + self.s.sim.drain_limit_s;
        let mut now = 0.0;
        while let Some((t, ev)) = self.cal.peek() {
            if t > stop {
                break;
            }
            now = t;
            self.events += 1;
            if let Event::Arrival { source } = ev {
                // The source's next arrival replaces this one in place.
                let src = &self.s.sources[source as usize];
                match self.sources[source as usize].next_time(src, t, self.s.sim.horizon_s) {
                    Some(next) => self.cal.reschedule_first(next, ev),
                    None => {
                        self.cal.pop();
                        self.active_sources -= 1;
                    }
                }
                self.arrival(source as usize, t);
                if self.active_sources == 0 && self.live == 0 {
                    break;
                }
                continue;
            }
            self.cal.pop();
            match ev {
                Event::Arrival { .. } => unreachable!("handled above"),
                Event::Abandon { task, generation } => self.abandon(task, generation, t),
                Event::TalkEnd { worker, task } => {
                    let wrap = self.tasks[task as usize].wrapup;
                    if wrap > 0.0 {
                        self.cal.schedule(t + wrap, Event::WrapEnd { worker, task });
                    } else {
                        self.complete(worker, task, t);
                    }
                }
                Event::WrapEnd { worker, task } => self.complete(worker, task, t),
                Event::Shift { group } => self.shift_change(group as usize, t),
            }
            if self.active_sources == 0 && self.live == 0 {
                break;
            }
        }
        now.min(stop)
    }

    /// A customer arrives (the source's next arrival is already scheduled).
    fn arrival(&mut self, source: usize, t: f64) {
        let src = &self.s.sources[source];
        let c = self.sources[source].customer(src, &self.s.channels);
        self.contacts += 1;
        self.seq += 1;
        let route = self.s.classes[c.class.idx()].route;
        let counted = self.metrics.counts(t);
        let (queue, priority) = match route {
            Route::Queue {
                queue, priority, ..
            } => (queue.0, priority.unwrap_or(src.priority)),
            Route::Unrouted => {
                if counted {
                    let cell = self.metrics.cell(source as u32, c.channel.0, None);
                    self.metrics.offered(cell, t);
                    self.metrics.canceled(cell);
                }
                return;
            }
        };
        let cell = self.metrics.cell(source as u32, c.channel.0, Some(queue));
        if counted {
            self.metrics.offered(cell, t);
        }
        let slot = match self.free_slots.pop() {
            Some(i) => i,
            None => {
                self.tasks.push(Task {
                    generation: 0,
                    state: TaskState::Free,
                    channel: 0,
                    queue: 0,
                    arrival: 0.0,
                    handle: 0.0,
                    wrapup: 0.0,
                    counted: false,
                    cell,
                });
                self.tasks.len() as u32 - 1
            }
        };
        let task = &mut self.tasks[slot as usize];
        *task = Task {
            generation: task.generation,
            state: TaskState::Waiting,
            channel: c.channel.0,
            queue,
            arrival: t,
            handle: c.handle_s,
            wrapup: c.wrapup_s,
            counted,
            cell,
        };
        self.live += 1;
        // An arriving task goes to the longest-idle eligible free worker.
        let (workers, load, cap, nch) = (&self.workers, &self.load, &self.cap, self.n_channels);
        let ch = c.channel.0 as usize;
        let found = self.router.take_idle(queue, c.channel.0, |e| {
            let w = &workers[e.worker as usize];
            w.stamp == e.stamp
                && w.on_shift
                && load[e.worker as usize * nch + ch] < cap[e.worker as usize * nch + ch]
        });
        match found {
            Some(w) => {
                self.reserve(w, slot, t);
                self.offer_free_capacity(w);
            }
            None => {
                let generation = self.tasks[slot as usize].generation;
                self.router.enqueue(
                    queue,
                    c.channel.0,
                    WaitEntry {
                        priority,
                        created: t,
                        seq: self.seq,
                        task: slot,
                        generation,
                    },
                );
                if c.patience_s.is_finite() {
                    self.cal.schedule(
                        t + c.patience_s,
                        Event::Abandon {
                            task: slot,
                            generation,
                        },
                    );
                }
            }
        }
    }

    fn abandon(&mut self, slot: u32, generation: u32, t: f64) {
        let task = self.tasks[slot as usize];
        if task.generation != generation || task.state != TaskState::Waiting {
            return; // served (or slot reused) before patience ran out
        }
        if task.counted {
            self.metrics
                .abandoned(task.cell, task.arrival, t - task.arrival);
        }
        self.release_slot(slot);
        let tasks = &self.tasks;
        self.router.left_unserved(task.queue, task.channel, |e| {
            let x = &tasks[e.task as usize];
            x.generation == e.generation && x.state == TaskState::Waiting
        });
    }

    fn release_slot(&mut self, slot: u32) {
        let task = &mut self.tasks[slot as usize];
        task.generation = task.generation.wrapping_add(1);
        task.state = TaskState::Free;
        self.free_slots.push(slot);
        self.live -= 1;
    }

    /// Gives a task to a worker: capacity taken, talk scheduled, answered
    /// counted. The caller offers any capacity left once it is done.
    fn reserve(&mut self, w: u32, slot: u32, t: f64) {
        let task = &mut self.tasks[slot as usize];
        task.state = TaskState::Serving;
        let task = *task;
        if task.counted {
            self.metrics.answered(
                task.cell,
                task.arrival,
                t - task.arrival,
                task.handle + task.wrapup,
            );
        }
        let worker = &mut self.workers[w as usize];
        worker.tasks += 1;
        worker.last_assign = t;
        worker.stamp = worker.stamp.wrapping_add(1);
        let first = worker.tasks == 1;
        let g = worker.group as usize;
        self.load[w as usize * self.n_channels + task.channel as usize] += 1;
        let mut lv = self.metrics.level(g);
        lv.units += 1;
        lv.busy += u32::from(first);
        self.metrics.set_level(g, t, lv);
        self.cal.schedule(
            t + task.handle,
            Event::TalkEnd {
                worker: w,
                task: slot,
            },
        );
    }

    /// Work on a task ends: capacity released, then the worker looks for more.
    fn complete(&mut self, w: u32, slot: u32, t: f64) {
        let ch = self.tasks[slot as usize].channel as usize;
        self.release_slot(slot);
        self.load[w as usize * self.n_channels + ch] -= 1;
        let worker = &mut self.workers[w as usize];
        worker.tasks -= 1;
        worker.stamp = worker.stamp.wrapping_add(1);
        let g = worker.group as usize;
        let mut lv = self.metrics.level(g);
        lv.units -= 1;
        lv.busy -= u32::from(worker.tasks == 0);
        self.metrics.set_level(g, t, lv);
        if self.workers[w as usize].on_shift {
            self.pull_tasks(w, t);
        } else if self.workers[w as usize].tasks == 0 {
            self.log_out(w, t);
        }
    }

    /// A worker with free capacity takes the best waiting tasks across its
    /// queues (priority, then age), then offers what capacity remains.
    fn pull_tasks(&mut self, w: u32, t: f64) {
        let g = self.workers[w as usize].group as usize;
        let queues = &self.s.groups[g].queues;
        loop {
            let mut best: Option<(WaitEntry, u32, u32)> = None;
            for q in queues {
                for ch in 0..self.n_channels {
                    let i = w as usize * self.n_channels + ch;
                    if self.load[i] >= self.cap[i] {
                        continue;
                    }
                    let tasks = &self.tasks;
                    let top = self.router.peek_waiting(q.0, ch as u32, |e| {
                        let x = &tasks[e.task as usize];
                        x.generation == e.generation && x.state == TaskState::Waiting
                    });
                    if let Some(top) = top
                        && best.is_none_or(|(b, _, _)| top.better_than(&b))
                    {
                        best = Some((top, q.0, ch as u32));
                    }
                }
            }
            let Some((entry, q, ch)) = best else { break };
            self.router.pop_waiting(q, ch);
            self.reserve(w, entry.task, t);
        }
        self.offer_free_capacity(w);
    }

    /// Puts the worker in the idle heap of every (queue, channel) where it has
    /// free capacity, under a fresh stamp.
    fn offer_free_capacity(&mut self, w: u32) {
        let worker = self.workers[w as usize];
        if !worker.on_shift {
            return;
        }
        let entry = IdleEntry {
            since: worker.last_assign,
            worker: w,
            stamp: worker.stamp,
        };
        let (workers, nch) = (&self.workers, self.n_channels);
        for ch in 0..nch {
            let i = w as usize * nch + ch;
            if self.load[i] >= self.cap[i] {
                continue;
            }
            for q in &self.s.groups[worker.group as usize].queues {
                self.router.push_idle(q.0, ch as u32, entry, |e| {
                    workers[e.worker as usize].stamp == e.stamp
                });
            }
        }
    }

    fn capacity_units(&self, w: u32) -> u32 {
        let i = w as usize * self.n_channels;
        self.cap[i..i + self.n_channels]
            .iter()
            .map(|&c| u32::from(c))
            .sum()
    }

    fn log_out(&mut self, w: u32, t: f64) {
        let worker = &mut self.workers[w as usize];
        worker.logged_in = false;
        let g = worker.group as usize;
        let mut lv = self.metrics.level(g);
        lv.logged_in -= 1;
        lv.capacity -= self.capacity_units(w);
        self.metrics.set_level(g, t, lv);
    }

    /// Applies a group's shift state at `t` and schedules its next boundary.
    /// Workers coming on shift pick waiting tasks longest-idle first (§2.7).
    fn shift_change(&mut self, g: usize, t: f64) {
        let shifts = &self.s.groups[g].shifts;
        let on = workforce::on_shift(shifts, t);
        let mut starting = std::mem::take(&mut self.starting);
        starting.clear();
        for w in self.group_start[g]..self.group_start[g + 1] {
            let worker = self.workers[w as usize];
            if worker.on_shift == on {
                continue;
            }
            self.workers[w as usize].on_shift = on;
            self.workers[w as usize].stamp = worker.stamp.wrapping_add(1);
            if on {
                if !worker.logged_in {
                    self.workers[w as usize].logged_in = true;
                    let mut lv = self.metrics.level(g);
                    lv.logged_in += 1;
                    lv.capacity += self.capacity_units(w);
                    self.metrics.set_level(g, t, lv);
                }
                starting.push(w);
            } else if worker.tasks == 0 {
                self.log_out(w, t);
            }
        }
        let workers = &self.workers;
        starting.sort_by(|a, b| {
            let (x, y) = (&workers[*a as usize], &workers[*b as usize]);
            x.last_assign.total_cmp(&y.last_assign).then(a.cmp(b))
        });
        for &w in &starting {
            self.pull_tasks(w, t);
        }
        self.starting = starting;
        if let Some(next) = workforce::next_boundary(shifts, t)
            && next <= self.s.sim.horizon_s + self.s.sim.drain_limit_s
        {
            self.cal.schedule(next, Event::Shift { group: g as u32 });
        }
    }

    /// Counts customers still waiting when the run stopped.
    fn flush_unfinished(&mut self) {
        for task in &self.tasks {
            if task.state == TaskState::Waiting && task.counted {
                self.metrics.unfinished(task.cell);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    /// One group of two agents working 08:00–09:00. On day 0 worker 0 takes
    /// calls at 08:10 and 08:30, worker 1 at 08:20, so at the next shift start
    /// worker 1 has gone longest without a task. A call waiting since 07:00 on
    /// day 1 must go to worker 1, not to the first worker in index order.
    #[test]
    fn shift_start_serves_waiting_tasks_longest_idle_first() {
        let dir = std::env::temp_dir().join(format!("ccsim-shift-order-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("calls.csv"),
            "arrival_time_s,channel,handle_time_s,patience_s,attributes\n29400,voice,,,\n30000,voice,,,\n30600,voice,,,\n111600,voice,,,\n",
        )
        .unwrap();
        let text = r#"
name = "shift-order"
[simulation]
horizon = "32h"
interval = "32h"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
handle_time = { dist = "deterministic", mean = "60s" }
[[agents]]
group = "team"
count = 2
shifts = [{ start = "08:00", end = "09:00" }]
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
"#;
        let s = load_str(&dir.join("s.toml"), text).unwrap().scenario;
        let mut e = Engine::new(&s, 1, 0);
        e.run_loop();
        assert_eq!(
            e.workers[0].last_assign, 30_600.0,
            "worker 0 kept its day-0 08:30 call"
        );
        assert_eq!(
            e.workers[1].last_assign,
            86_400.0 + 28_800.0,
            "worker 1 took the waiting call at 08:00"
        );
    }
}
