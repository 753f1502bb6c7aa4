//! The workflow walk (docs/routing.md, "The workflow walk"): filters, steps
//! and their cumulative timeouts, `skip_if`, waiting, patience and TTL
//! expiry, and cancelation.

use super::*;

impl<const FULL: bool> Engine<'_, FULL> {
    /// The first filter at or after `from` whose expression matches the task.
    pub(super) fn next_filter(&self, slot: u32, from: usize, t: f64) -> Option<usize> {
        let class = self.tasks[slot as usize].class;
        let matches = &self.s.classes[class as usize].filter_matches;
        let start = matches.partition_point(|&f| (f as usize) < from);
        matches[start..].iter().map(|&f| f as usize).find(|&f| {
            let filter = &self.s.workflow.filters[f];
            !filter.dynamic || filter.expression.eval(&TaskView { e: self, class, t })
        })
    }

    pub(super) fn enter_filter(&mut self, slot: u32, f: usize, t: f64) {
        let previous = self.tasks[slot as usize].filter;
        self.tasks[slot as usize].filter = f as u32;
        self.trace_task(slot, t, "workflow.entered", |e, ev| {
            let filter = &e.s.workflow.filters[f];
            let skipped: Vec<&str> = (if previous == NO_FILTER {
                0
            } else {
                previous as usize + 1
            }..f)
                .map(|i| e.s.workflow.filters[i].name.as_str())
                .collect();
            let before = if skipped.is_empty() {
                String::new()
            } else {
                format!("; did not match: {}", skipped.join(", "))
            };
            let how = if previous == NO_FILTER {
                "first matching filter"
            } else {
                "next matching filter after the previous one ended"
            };
            ev.detail = Some(format!(
                "{how} \"{}\": {}{before}",
                filter.name, filter.expression_text
            ));
        });
        if self.tasks[slot as usize].counted {
            self.metrics.filter_event(f as u32, FilterKpi::Entered);
        }
        let first = self.plan.first_step[f];
        self.enter_step(slot, first, t);
    }

    /// Enters a routing step: reserve a worker at once, else maybe skip, else wait.
    #[inline(always)]
    pub(super) fn enter_step(&mut self, slot: u32, step_id: StepId, t: f64) {
        let step = &self.s.workflow.steps[step_id.idx()];
        let task = &mut self.tasks[slot as usize];
        let previous_queue = task
            .routed
            .then(|| self.s.workflow.steps[task.step as usize].queue.0);
        let moved_from = previous_queue.filter(|&q| q != step.queue.0);
        let new_queue = previous_queue != Some(step.queue.0);
        task.routed = true;
        task.epoch = task.epoch.wrapping_add(1);
        task.step = step_id.0;
        task.queue = step.queue.0;
        if let Some(p) = step.priority {
            task.priority = p;
        }
        if let Some(timeout) = step.timeout_s {
            task.deadline += timeout;
        }
        task.waitlist = self.plan.waitlist(step_id, task.class);
        task.state = TaskState::Waiting;
        let counted = task.tracked();
        if counted {
            self.metrics.step(step_id.0, StepKpi::Entered);
            if new_queue {
                self.metrics.queue_entered(step.queue.0, moved_from);
            }
        }
        if self.tracing() {
            let (eligible, available, free) = self.step_counts(slot, t);
            self.trace_task(slot, t, "workflow.target-matched", |e, ev| {
                let task = &e.tasks[slot as usize];
                let st = &e.s.workflow.steps[step_id.idx()];
                ev.step = Some(st.label.clone());
                ev.queue = Some(e.s.queues[st.queue.idx()].name.clone());
                let deadline = st.timeout_s.map_or("no timeout".to_string(), |_| {
                    format!("leaves at age {:.1} s", task.deadline - task.created)
                });
                let expr = st
                    .expression_text
                    .as_ref()
                    .map_or(String::new(), |x| format!(", expression {x}"));
                ev.detail = Some(format!("priority {}, {deadline}{expr}", task.priority));
                (ev.eligible, ev.available, ev.free) =
                    (Some(eligible), Some(available), Some(free));
                let (higher, older) = e.ahead_in_waitlist(slot);
                (ev.ahead_higher, ev.ahead_older) = (Some(higher), Some(older));
                ev.closed = Some(!e.queue_open[st.queue.idx()]);
                if !e.queue_open[st.queue.idx()] {
                    ev.opens_at = e.next_opening(e.s.queues[st.queue.idx()].hours, t);
                }
            });
            if new_queue {
                let name = if moved_from.is_some() {
                    "task-queue.moved"
                } else {
                    "task-queue.entered"
                };
                self.trace_task(slot, t, name, |e, ev| {
                    ev.queue = Some(e.s.queues[step.queue.idx()].name.clone());
                    ev.detail = moved_from.map(|q| format!("from {}", e.s.queues[q as usize].name));
                });
            }
        }
        self.seek(slot, t, true);
    }

    /// Looks for a worker for a pending task in its current step: reserve one
    /// at once, else (on entering the step only) apply `skip_if`, else wait in
    /// the step's waitlist until its deadline.
    pub(super) fn seek(&mut self, slot: u32, t: f64, entering: bool) {
        if let Some(w) = self.find_worker(slot, t) {
            if self.tracing() {
                let task = &self.tasks[slot as usize];
                let step = &self.s.workflow.steps[task.step as usize];
                self.rule = if step.known_worker.is_some() {
                    Rule::KnownWorker
                } else if step.order_by.is_empty() {
                    Rule::LongestIdle
                } else {
                    Rule::OrderBy
                };
            }
            self.reserve(w, slot, t);
            self.offer_free_capacity(w);
            return;
        }
        let task = &self.tasks[slot as usize];
        let (step_id, counted) = (task.step, task.tracked());
        let step = &self.s.workflow.steps[step_id as usize];
        if entering
            && let Some(skip) = &step.skip_if
            && skip.eval(&SkipView {
                e: self,
                queue: step.queue.0,
            })
        {
            if counted {
                self.metrics.step(step_id, StepKpi::Skipped);
            }
            return self.leave_step(slot, Leave::Skipped, t);
        }
        if self.queue_full(slot, t) {
            return; // a busy signal
        }
        let task = &mut self.tasks[slot as usize];
        let lifo = self.plan.waitlists[task.waitlist as usize].lifo;
        let entry = WaitEntry {
            rank: if lifo { 0 } else { task.priority },
            created: task.created,
            seq: task.seq,
            task: slot,
            generation: task.generation,
            epoch: task.epoch,
            lifo,
        };
        self.router.enqueue(task.waitlist, entry);
        self.schedule_expiry(slot, t);
        if step.timeout_s.is_some() {
            let task = &self.tasks[slot as usize];
            let (deadline, generation, epoch) = (task.deadline, task.generation, task.epoch);
            if deadline <= t {
                self.drop_waiting(slot);
                if counted {
                    self.metrics.step(step_id, StepKpi::TimedOut);
                }
                return self.leave_step(slot, Leave::TimedOut, t);
            }
            self.cal.schedule(
                deadline,
                Event::StepTimeout {
                    task: slot,
                    generation,
                    epoch,
                },
            );
        }
    }

    /// Schedules the task's patience/TTL expiry once, the first time it waits
    /// or rings (both are fixed offsets from creation).
    #[inline(always)]
    pub(super) fn schedule_expiry(&mut self, slot: u32, t: f64) {
        let task = &mut self.tasks[slot as usize];
        if task.expiry_scheduled {
            return;
        }
        task.expiry_scheduled = true;
        if let Some(cb) = &self.s.workflow.callback
            && task.followup == Followup::None
            && if cb.expected {
                task.state == TaskState::Waiting && self.expected_wait(slot) >= cb.after_s
            } else {
                cb.after_s < task.patience
            }
        {
            let task = &self.tasks[slot as usize];
            let at = if cb.expected {
                t
            } else {
                task.created + cb.after_s
            };
            let generation = task.generation;
            self.cal.schedule(
                at.max(t),
                Event::CallbackOffer {
                    task: slot,
                    generation,
                },
            );
        }
        let task = &self.tasks[slot as usize];
        let expiry = task.created + task.patience.min(self.s.workflow.task_ttl_s);
        if expiry.is_finite() {
            let generation = task.generation;
            self.cal.schedule(
                expiry.max(t),
                Event::Expire {
                    task: slot,
                    generation,
                },
            );
        }
    }

    /// The expected wait of a task that just joined its waitlist, as
    /// [`crate::scenario::Callback::expected`] defines it: infinite when no
    /// queue member on line has capacity on the channel.
    pub(super) fn expected_wait(&self, slot: u32) -> f64 {
        let task = &self.tasks[slot as usize];
        let i = task.queue as usize * self.n_channels + task.channel as usize;
        let ahead: usize = self.plan.queue_waitlists[i]
            .iter()
            .map(|&wl| self.router.waiting_len(wl))
            .sum::<usize>()
            .saturating_sub(1);
        let servers = self.queue_capacity[i];
        if servers == 0 {
            return f64::INFINITY;
        }
        (ahead + 1) as f64
            * self.mean_work[task.source as usize * self.n_channels + task.channel as usize]
            / f64::from(servers)
    }

    /// A reservation failed: the task is pending again in the same step, or
    /// moves on if the step's deadline passed meanwhile (docs/routing.md, "Timeouts" [I]).
    pub(super) fn retry(&mut self, slot: u32, t: f64) {
        let task = &mut self.tasks[slot as usize];
        task.state = TaskState::Waiting;
        task.epoch = task.epoch.wrapping_add(1);
        let (step, counted, assignments) = (task.step, task.tracked(), task.assignments);
        if assignments >= MAX_ASSIGNMENTS {
            // docs/routing.md, "Reservations": "Task TTL Exceeded or Max assignment count exceeded".
            return self.cancel(slot, CancelReason::Ttl, t);
        }
        let timed_out =
            self.s.workflow.steps[step as usize].timeout_s.is_some() && t >= task.deadline;
        if timed_out {
            if counted {
                self.metrics.step(step, StepKpi::TimedOut);
            }
            return self.leave_step(slot, Leave::TimedOut, t);
        }
        self.seek(slot, t, false);
    }

    /// Moves on from the current step: next target, next matching filter,
    /// the default filter (only after skips), or cancellation (docs/routing.md, "The workflow walk").
    pub(super) fn leave_step(&mut self, slot: u32, why: Leave, t: f64) {
        self.trace_task(
            slot,
            t,
            if why == Leave::TimedOut {
                "task-queue.timeout"
            } else {
                "workflow.skipped"
            },
            |e, ev| {
                let task = &e.tasks[slot as usize];
                let st = &e.s.workflow.steps[task.step as usize];
                ev.step = Some(st.label.clone());
                ev.queue = Some(e.s.queues[st.queue.idx()].name.clone());
                ev.detail = Some(if why == Leave::TimedOut {
                    format!("step deadline at age {:.1} s", task.deadline - task.created)
                } else {
                    "skip_if was true and no worker could be reserved at once".to_string()
                });
            },
        );
        let task = self.tasks[slot as usize];
        let wf = &self.s.workflow;
        let Some(f) = wf.steps[task.step as usize].filter else {
            return self.cancel(slot, CancelReason::Workflow, t);
        };
        let steps = &wf.filters[f as usize].steps;
        let k = steps
            .iter()
            .position(|s| s.0 == task.step)
            .expect("the step belongs to its filter");
        if let Some(next) = steps.get(k + 1) {
            return self.enter_step(slot, *next, t);
        }
        if why == Leave::TimedOut {
            self.tasks[slot as usize].timed_out_filter = true;
        }
        match self.next_filter(slot, f as usize + 1, t) {
            Some(next) => self.enter_filter(slot, next, t),
            None => match (why, wf.default_step) {
                (Leave::Skipped, Some(d)) if !self.tasks[slot as usize].timed_out_filter => {
                    self.tasks[slot as usize].filter = NO_FILTER;
                    self.enter_step(slot, d, t)
                }
                _ => self.cancel(slot, CancelReason::Workflow, t),
            },
        }
    }

    pub(super) fn step_timeout(&mut self, slot: u32, generation: u32, epoch: u32, t: f64) {
        let task = self.tasks[slot as usize];
        if task.generation != generation || task.epoch != epoch || task.state != TaskState::Waiting
        {
            return;
        }
        self.drop_waiting(slot);
        if task.tracked() {
            self.metrics.step(task.step, StepKpi::TimedOut);
        }
        self.leave_step(slot, Leave::TimedOut, t);
    }

    /// Patience or TTL runs out for a waiting or ringing task; a pending
    /// reservation is canceled (docs/routing.md, "Reservations").
    pub(super) fn expire(&mut self, slot: u32, generation: u32, t: f64) {
        let x = &self.tasks[slot as usize];
        if x.generation != generation
            || !matches!(
                x.state,
                TaskState::Waiting
                    | TaskState::Reserved
                    | TaskState::LookingUp
                    | TaskState::SelfService
            )
            || matches!(x.followup, Followup::Voicemail | Followup::Callback)
        {
            return; // answered (or slot reused) before; voicemails and call backs never expire
        }
        let task = *x;
        let in_ivr = task.state == TaskState::SelfService;
        // Before routing (a look-up or self-service): in no waitlist.
        let looking_up = task.state == TaskState::LookingUp || in_ivr;
        let ttl_hit = task.patience > self.s.workflow.task_ttl_s;
        self.trace_task(slot, t, "task.canceled", |_, ev| {
            ev.detail = Some(if ttl_hit {
                "Task TTL Exceeded".to_string()
            } else if in_ivr {
                format!(
                    "the customer hung up in self-service, after {:.2} s",
                    t - task.call_start
                )
            } else if looking_up {
                format!(
                    "the customer hung up during the look-up, after {:.2} s",
                    t - task.created
                )
            } else {
                format!(
                    "the customer hung up after waiting {:.2} s",
                    t - task.created
                )
            });
            if task.followup == Followup::None {
                ev.outcome = Some(if ttl_hit { "canceled_ttl" } else { "abandoned" });
            }
        });
        if task.followup == Followup::Transfer && task.followup_counted {
            // Abandoned on hold: in the queue where the second leg waited.
            let cell = self.cell(&task);
            self.metrics
                .transfer_event(cell, TransferEvent::Abandoned, 0.0);
        }
        self.close_leg(slot, t - task.call_start);
        let freed = if task.state == TaskState::Reserved {
            let w = task.reserved_by;
            self.trace_task(slot, t, "reservation.canceled", |e, ev| {
                ev.worker = Some(e.plan.worker_names[w as usize].clone())
            });
            if task.tracked() {
                self.metrics.reservation(
                    self.workers[w as usize].group as usize,
                    ReservationEvent::Canceled,
                );
            }
            self.unreserve(w, slot, t);
            Some(w)
        } else {
            if in_ivr {
                if task.counted {
                    self.metrics.self_service(SelfServiceKpi::Abandoned, 1.0);
                    self.metrics
                        .self_service(SelfServiceKpi::Minutes, (t - task.call_start) / 60.0);
                }
            } else if looking_up {
                if task.counted {
                    self.metrics
                        .fault(crate::metrics::FaultKpi::LookupAbandoned, 1.0);
                }
            } else {
                self.drop_waiting(slot);
            }
            None
        };
        let ttl = task.patience > self.s.workflow.task_ttl_s;
        if task.tracked() && !looking_up {
            self.metrics.step(
                task.step,
                if ttl {
                    StepKpi::Canceled
                } else {
                    StepKpi::Abandoned
                },
            );
        }
        if task.counted {
            let cell = self.cell(&task);
            if ttl {
                self.metrics
                    .canceled(cell, task.arrival(), CancelReason::Ttl, task.is_redial);
            } else {
                self.metrics.abandoned(
                    cell,
                    task.interval as usize,
                    t - task.created,
                    task.is_redial,
                );
            }
        }
        // An abandoning customer may call again (not after a TTL cancel).
        if ttl_hit {
            self.release_slot(slot);
        } else {
            self.redial_or_release(slot, t);
        }
        // Only with the task out of every waitlist: the twin's freed worker
        // looks for work.
        if task.twin != NO_TWIN {
            self.end_twin(slot, t);
        }
        // Only now, with the leg out of its waitlist, may the first agent
        // (held by a warm transfer) look for work.
        self.release_parent(slot, t);
        if let Some(w) = freed
            && self.workers[w as usize].active
        {
            self.pull_tasks(w, t);
        }
    }

    /// Marks a waiting task's waitlist entry stale (it leaves unserved).
    pub(super) fn drop_waiting(&mut self, slot: u32) {
        let waitlist = self.tasks[slot as usize].waitlist;
        let tasks = &self.tasks;
        self.router.left_unserved(waitlist, |e| {
            let x = &tasks[e.task as usize];
            x.generation == e.generation && x.epoch == e.epoch && x.state == TaskState::Waiting
        });
    }

    pub(super) fn cancel(&mut self, slot: u32, reason: CancelReason, t: f64) {
        self.trace_task(slot, t, "task.canceled", |e, ev| {
            ev.detail = Some(
                match reason {
                    CancelReason::NoMatch => "no matching filter and no default_filter",
                    CancelReason::Workflow => {
                        "workflow.timeout: the last matching filter's last target ended"
                    }
                    CancelReason::Ttl => "Task TTL Exceeded or Max assignment count exceeded",
                }
                .into(),
            );
            if e.tasks[slot as usize].followup == Followup::None {
                ev.outcome = Some(match reason {
                    CancelReason::NoMatch => "canceled_no_match",
                    CancelReason::Workflow => "canceled_workflow",
                    CancelReason::Ttl => "canceled_ttl",
                });
            }
        });
        let task = self.tasks[slot as usize];
        self.close_leg(slot, t - task.call_start);
        if task.counted {
            let cell = self.cell(&task);
            self.metrics
                .canceled(cell, task.arrival(), reason, task.is_redial);
        }
        if task.followup == Followup::Transfer && task.followup_counted {
            // The second leg found no target: the transfer failed.
            let cell = self
                .metrics
                .cell(task.source, task.channel, Some(task.origin_queue));
            self.metrics
                .transfer_event(cell, TransferEvent::Dropped, 0.0);
        }
        self.release_slot(slot);
        if task.twin != NO_TWIN {
            self.end_twin(slot, t);
        }
        self.release_parent(slot, t);
    }
}
