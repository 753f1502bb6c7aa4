//! The lean loop: the engine's own handlers cut down to what a plain
//! single-waitlist model can do, for the most common scenario of all (one
//! queue, one pool of interchangeable agents: Erlang C and A, and the
//! staffing sweeps over them).
//!
//! Such a model has one waitlist that every task joins in arrival order and
//! one idle heap every free agent joins: a task is answered on arrival by
//! the longest-idle agent, or waits, then is answered by the next agent
//! to free up or abandons. [`Lean::of`] admits a scenario only when nothing
//! else can happen: no feature of the full engine (`needs_full`), every
//! task class routed to that one waitlist without the clock (a filter or
//! the default step), no step timeout, `skip_if`, `order_by`, known worker
//! or priority change, all sources at one priority, no redials or call
//! backs, staff that never change (no shifts, breaks, plans, absence,
//! disconnects or profile changes), instant acceptance and at most one task
//! at a time per agent.
//!
//! Within that class the lean handlers make the same metric calls, draw
//! the same numbers and schedule the same events in the same order as the
//! general ones, so results are identical bit for bit: a test runs both on
//! every eligible example and on random scenarios of the class. They keep
//! the task slots (`Task`, which the end-of-run flush reads), but not the
//! router's heaps, capacity units or worker stamps, which this class never
//! needs.

use super::*;
use crate::heap;
use crate::scenario::WorkerSelection;
use std::collections::VecDeque;

/// The lean loop's routing state.
pub(super) struct Lean {
    /// Per task class: the filter it enters (`NO_FILTER` for the default
    /// step) and the step it waits in.
    routes: Vec<(u32, u32)>,
    /// The waitlist's queue.
    queue: u32,
    /// Free agents by (time of last reservation, index): the heap key of
    /// [`IdleEntry`], so agents come out in the general engine's order.
    idle: Vec<u128>,
    /// Waiting tasks as (slot, generation), oldest first. A task that
    /// abandons leaves its entry behind, stale (its slot's generation moved
    /// on); `stale` counts them so the list can be compacted.
    waiting: VecDeque<(u32, u32)>,
    stale: usize,
}

impl Lean {
    /// The lean loop's state for a scenario of its class, else `None`.
    /// The caller has already ruled out every feature of the full engine.
    pub(super) fn of(s: &Scenario, plan: &Plan) -> Option<Lean> {
        let [wl] = &plan.waitlists[..] else {
            return None;
        };
        let queue = &s.queues[wl.queue as usize];
        let plain_list = !wl.lifo && !wl.dynamic && !wl.slow && wl.known.is_none();
        if !plain_list
            || queue.worker_selection != WorkerSelection::LongestIdle
            || s.workflow.callback.is_some()
        {
            return None;
        }
        let priority = s.sources.first()?.priority;
        if s.sources
            .iter()
            .any(|x| x.redial.is_some() || x.priority != priority)
        {
            return None;
        }
        let staff_fixed = s.groups.iter().enumerate().all(|(g, group)| {
            group.shifts.is_empty()
                && group.breaks.is_empty()
                && group.plan.is_none()
                && group.absence == 0.0
                && group.disconnects.is_none()
                && group.changes.is_empty()
                && group.reservations.instant()
                && (!plan.eligible(0, g as u32) || group.capacity[wl.channel as usize] <= 1)
        });
        if !staff_fixed {
            return None;
        }
        let mut routes = Vec::with_capacity(s.classes.len());
        for class in 0..s.classes.len() as u32 {
            let (filter, step) = match plan.first_filter(class)? {
                Some(f) => (f as u32, plan.first_step[f]),
                None => (NO_FILTER, s.workflow.default_step?),
            };
            let st = &s.workflow.steps[step.idx()];
            let plain_step = st.timeout_s.is_none()
                && st.skip_if.is_none()
                && st.priority.is_none()
                && st.order_by.is_empty()
                && st.known_worker.is_none();
            if !plain_step || plan.waitlist(step, class) != 0 {
                return None;
            }
            routes.push((filter, step.0));
        }
        Some(Lean {
            routes,
            queue: wl.queue,
            idle: Vec::new(),
            waiting: VecDeque::new(),
            stale: 0,
        })
    }
}

impl<const FULL: bool> Engine<'_, FULL> {
    /// [`Engine::run_loop`] with the lean handlers.
    pub(super) fn run_lean(&mut self, mut l: Lean) {
        // The agents the set-up made available, as the general engine's
        // idle heap holds them.
        let channel = self.plan.waitlists[0].channel as usize;
        for (w, x) in self.workers.iter().enumerate() {
            if x.active
                && self.plan.eligible(0, x.profile)
                && self.units[w * self.n_channels + channel].cap > 0
            {
                heap::push(&mut l.idle, idle_key(x.last_assign, w as u32));
            }
        }
        let stop = self.s.sim.horizon_s + self.s.sim.drain_limit_s;
        while let Some((t, ev)) = self.cal.peek() {
            if t > stop {
                break;
            }
            self.now = t;
            self.events += 1;
            if let Event::Arrival { source } = ev {
                self.next_arrival(source, ev, t);
                self.lean_arrival(&mut l, source as usize, t);
            } else {
                self.cal.remove_first();
                match ev {
                    Event::Expire { task, generation } => {
                        self.lean_expire(&mut l, task, generation, t)
                    }
                    Event::TalkEnd { worker, task, .. } => {
                        let wrap = self.tasks[task as usize].wrapup;
                        if wrap > 0.0 {
                            self.cal.schedule(t + wrap, Event::WrapEnd { worker, task });
                        } else {
                            self.lean_complete(&mut l, worker, task, t);
                        }
                    }
                    Event::WrapEnd { worker, task } => self.lean_complete(&mut l, worker, task, t),
                    other => unreachable!("the lean loop's class schedules no {other:?}"),
                }
            }
            if self.live == 0 && self.finished(t) {
                break;
            }
        }
    }

    /// [`Engine::arrival`] through `enter_step` and `seek`: answered at once
    /// by the longest-idle agent, else waiting.
    #[inline(always)]
    fn lean_arrival(&mut self, l: &mut Lean, source: usize, t: f64) {
        let src = &self.s.sources[source];
        let c = self.sources[source].customer(src, &self.s.channels);
        let (counted, interval) = self.count_attempt(t);
        let slot = self.alloc_slot();
        let (filter, step) = l.routes[c.class.idx()];
        let task = &mut self.tasks[slot as usize];
        *task = Task {
            generation: task.generation,
            epoch: task.epoch.wrapping_add(1),
            talk_epoch: task.talk_epoch,
            state: TaskState::Waiting,
            source: source as u32,
            channel: c.channel.0,
            class: c.class.0,
            priority: src.priority,
            step,
            queue: l.queue,
            filter,
            waitlist: 0,
            created: t,
            interval: interval as u32,
            deadline: t,
            handle: c.handle_s,
            wrapup: c.wrapup_s,
            patience: c.patience_s,
            seq: self.seq,
            counted,
            routed: true,
            call_start: t,
            leg_open: true,
            ..FREE_TASK
        };
        let generation = task.generation;
        self.live += 1;
        if counted {
            if filter != NO_FILTER {
                self.metrics.filter_event(filter, FilterKpi::Entered);
            }
            self.metrics.step(step, StepKpi::Entered);
            self.metrics.queue_entered(l.queue, None);
        }
        if let Some(&k) = l.idle.first() {
            heap::pop(&mut l.idle);
            self.lean_serve(IdleEntry::from_key(k).worker, slot, t);
        } else {
            l.waiting.push_back((slot, generation));
            self.schedule_expiry(slot, t);
        }
    }

    /// `reserve` and `accept` of an instant answer: the task is answered
    /// and its talk scheduled.
    #[inline(always)]
    fn lean_serve(&mut self, w: u32, slot: u32, t: f64) {
        let task = &mut self.tasks[slot as usize];
        task.state = TaskState::Serving;
        task.reserved_by = w;
        task.assignments += 1;
        task.in_talk = true;
        task.talk_start = t;
        let task = *task;
        let worker = &mut self.workers[w as usize];
        worker.last_assign = t;
        let g = worker.group as usize;
        self.metrics.change_work(g, t, 1, 1);
        if task.counted {
            self.metrics.reservation(g, ReservationEvent::Created);
        }
        let here = self
            .metrics
            .cell(task.source, task.channel, Some(task.queue));
        if task.counted {
            let busy = task.handle + task.wrapup;
            self.metrics.answered(
                here,
                task.channel,
                task.interval as usize,
                t - task.created,
                busy,
                false,
            );
            if task.filter != NO_FILTER {
                self.metrics.filter_event(task.filter, FilterKpi::Answered);
            }
            self.metrics.step(task.step, StepKpi::Answered);
            self.metrics.reservation(g, ReservationEvent::Accepted);
        }
        self.cal.schedule(
            t + task.handle,
            Event::TalkEnd {
                worker: w,
                task: slot,
                epoch: task.talk_epoch,
            },
        );
    }

    /// `complete`: the slot and the agent are freed, and the agent takes
    /// the oldest waiting task or joins the idle heap.
    #[inline(always)]
    fn lean_complete(&mut self, l: &mut Lean, w: u32, slot: u32, t: f64) {
        self.release_slot(slot);
        let g = self.workers[w as usize].group as usize;
        self.metrics.change_work(g, t, -1, -1);
        while let Some((next, generation)) = l.waiting.pop_front() {
            if self.tasks[next as usize].generation == generation {
                return self.lean_serve(w, next, t);
            }
            l.stale -= 1;
        }
        let since = self.workers[w as usize].last_assign;
        heap::push(&mut l.idle, idle_key(since, w));
    }

    /// [`Engine::expire`] of a waiting task: abandoned (or canceled by the
    /// TTL), its waitlist entry left stale.
    fn lean_expire(&mut self, l: &mut Lean, slot: u32, generation: u32, t: f64) {
        let task = self.tasks[slot as usize];
        if task.generation != generation || task.state != TaskState::Waiting {
            return;
        }
        let ttl = task.patience > self.s.workflow.task_ttl_s;
        if task.counted {
            let kpi = if ttl {
                StepKpi::Canceled
            } else {
                StepKpi::Abandoned
            };
            self.metrics.step(task.step, kpi);
            let cell = self.cell(&task);
            if ttl {
                self.metrics
                    .canceled(cell, task.arrival(), CancelReason::Ttl, false);
            } else {
                self.metrics
                    .abandoned(cell, task.interval as usize, t - task.created, false);
            }
        }
        self.release_slot(slot);
        // Its entry is stale now that the slot's generation moved on.
        l.stale += 1;
        if l.stale > l.waiting.len() / 2 + 64 {
            let tasks = &self.tasks;
            l.waiting
                .retain(|&(x, g)| tasks[x as usize].generation == g);
            l.stale = 0;
        }
    }
}

/// The idle-heap key of an agent last reserved at `since`.
#[inline(always)]
fn idle_key(since: f64, w: u32) -> u128 {
    IdleEntry::new(since, w, 0).key()
}
