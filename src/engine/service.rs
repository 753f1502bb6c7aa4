//! Reservations and service: reserve, the worker's answer (accept, reject,
//! timeout), talk (with slowdown under concurrency), wrap-up and completion.

use super::*;

impl<const FULL: bool> Engine<'_, FULL> {
    /// Reserves a task for a worker: its capacity unit is taken now (pending
    /// reservations count, docs/routing.md, "Multitasking and capacity"). Instant answers accept at once; otherwise
    /// the outcome is drawn now and resolved by a `ReservationEnd` event.
    /// The caller offers any capacity left once it is done.
    pub(super) fn reserve(&mut self, w: u32, slot: u32, t: f64) {
        let task = &mut self.tasks[slot as usize];
        task.state = TaskState::Reserved;
        task.reserved_by = w;
        task.assignments += 1;
        let (channel, counted, generation) = (task.channel, task.tracked(), task.generation);
        let worker = &mut self.workers[w as usize];
        worker.tasks += 1;
        worker.last_assign = t;
        worker.restamp();
        let first = worker.tasks == 1;
        let g = worker.group as usize;
        let i = w as usize * self.n_channels + channel as usize;
        debug_assert!(
            self.units[i].room(),
            "worker {w} reserved beyond its capacity on channel {channel}"
        );
        self.units[i].load += 1;
        self.metrics.change_work(g, t, i32::from(first), 1);
        if counted {
            self.metrics.reservation(g, ReservationEvent::Created);
        }
        if self.tracing() {
            let rule = self.rule_text(slot);
            self.trace_task(slot, t, "reservation.created", |e, ev| {
                ev.worker = Some(e.plan.worker_names[w as usize].clone());
                ev.detail = Some(rule);
            });
        }
        if self.status_lags() && self.gone(w) {
            return self.offer_to_gone(w, slot, t);
        }
        if self.instant[g] {
            return self.accept(w, g, slot, t);
        }
        let behaviour = &self.s.groups[g].reservations;
        let timeout = self.s.workflow.task_reservation_timeout_s;
        let u: f64 = StandardUniform.sample(&mut self.reservation_rng);
        let delay = behaviour
            .accept_delay
            .as_ref()
            .map_or(0.0, |d| d.sample(&mut self.reservation_rng));
        let (outcome, at) = if u < behaviour.reject_probability + behaviour.no_answer_probability
            && u >= behaviour.reject_probability
            || delay >= timeout
        {
            (Answer::Timeout, t + timeout)
        } else if u < behaviour.reject_probability {
            (Answer::Reject, t + delay)
        } else {
            (Answer::Accept, t + delay)
        };
        self.tasks[slot as usize].answer = outcome;
        self.schedule_expiry(slot, t);
        let offer = self.tasks[slot as usize].assignments;
        self.cal.schedule(
            at,
            Event::ReservationEnd {
                worker: w,
                task: slot,
                generation,
                offer,
            },
        );
    }

    /// A reservation is accepted: the task is assigned (answered) and talk
    /// starts. `g` is the worker's group (the callers have it at hand).
    #[inline(always)]
    pub(super) fn accept(&mut self, w: u32, g: usize, slot: u32, t: f64) {
        if self.has_faults() && self.tasks[slot as usize].followup == Followup::Callback {
            self.callback_attempt(slot);
        }
        if FULL && let Some(f) = &self.talk_factor {
            // The customer's talk time (drawn at arrival, the same in every
            // design) at this worker's speed: common random numbers pair
            // the customer, whoever serves her.
            let task = &mut self.tasks[slot as usize];
            task.handle *= f[g * self.n_channels + task.channel as usize];
        }
        let task = &mut self.tasks[slot as usize];
        task.state = TaskState::Serving;
        task.in_talk = true;
        task.talk_start = t;
        task.work_left = task.handle;
        task.work_since = t;
        let (channel, handle) = (task.channel, task.handle);
        // Follow-up work counts in the queue that works it.
        let here = self.metrics.cell(task.source, channel, Some(task.queue));
        match task.followup {
            _ if !task.followup_counted || task.unreached => {}
            Followup::Voicemail => self.metrics.voicemail_worked(here, t - task.created),
            Followup::Callback => self.metrics.callback_worked(here, t - task.created),
            Followup::Transfer => {
                self.metrics
                    .transfer_event(here, TransferEvent::Answered, t - task.created)
            }
            Followup::Reopen => self.metrics.reopen_answered(channel, t - task.created),
            Followup::None => {}
        }
        if task.counted {
            let (created, busy) = (task.created, task.handle + task.wrapup);
            let interval = task.interval as usize;
            self.metrics
                .answered(here, channel, interval, t - created, busy, task.is_redial);
            if task.filter != NO_FILTER {
                self.metrics.filter_event(task.filter, FilterKpi::Answered);
            }
        }
        if task.tracked() {
            self.metrics.step(task.step, StepKpi::Answered);
            self.metrics.reservation(g, ReservationEvent::Accepted);
        }
        if FULL && !self.assigned.is_empty() {
            self.assigned[w as usize * self.n_channels + channel as usize] += 1;
        }
        if task.parent != u32::MAX {
            self.release_parent(slot, t);
        }
        self.trace_task(slot, t, "reservation.accepted", |e, ev| {
            let task = &e.tasks[slot as usize];
            if task.followup == Followup::None {
                ev.outcome = Some("answered");
            }
            ev.worker = Some(e.plan.worker_names[w as usize].clone());
            ev.wait = Some(t - task.created);
            ev.in_queue = Some(task.queue);
            ev.closed = Some(!e.queue_open[task.queue as usize]);
            ev.detail = Some(format!(
                "answered after waiting {:.2} s; talk {:.1} s, wrap-up {:.1} s",
                t - task.created,
                task.handle,
                task.wrapup
            ));
        });
        self.start_work(w, slot, channel, handle, t);
        if self.has_faults() {
            let x = &self.tasks[slot as usize];
            if x.ghost {
                self.ghost_accepted(slot);
            }
            if self.tasks[slot as usize].twin != NO_TWIN {
                self.end_twin(slot, t);
            }
        }
    }

    /// Work of `handle` solo seconds starts on a task (talk, or a
    /// conversation's exchange): its end is scheduled, or with slowdown the
    /// worker's talks on the channel are re-timed with it.
    #[inline(always)]
    pub(super) fn start_work(&mut self, w: u32, slot: u32, channel: u32, handle: f64, t: f64) {
        if !self.has_slowdown()
            || self.s.channels[channel as usize]
                .handle_time_scale
                .is_empty()
        {
            let epoch = self.tasks[slot as usize].talk_epoch;
            self.cal.schedule(
                t + handle,
                Event::TalkEnd {
                    worker: w,
                    task: slot,
                    epoch,
                },
            );
        } else {
            self.retime_talk(w, channel, t, Some(slot), None);
            debug_assert!(
                self.talking[w as usize * self.n_channels + channel as usize].contains(&slot)
            );
        }
    }

    /// Talk slowdown (`handle_time_scale` in docs/scenario.md): brings every task the worker talks
    /// on in `channel` up to date at the old concurrency, applies the change
    /// (`add` joins, `remove` leaves), and reschedules their ends at the new
    /// concurrency. Old `TalkEnd` events go stale by epoch.
    pub(super) fn retime_talk(
        &mut self,
        w: u32,
        channel: u32,
        t: f64,
        add: Option<u32>,
        remove: Option<u32>,
    ) {
        let i = w as usize * self.n_channels + channel as usize;
        let scale = &self.s.channels[channel as usize].handle_time_scale;
        let factor = |j: usize| {
            if j == 0 {
                1.0
            } else {
                scale[(j - 1).min(scale.len() - 1)]
            }
        };
        let mut talking = std::mem::take(&mut self.talking[i]);
        let old = factor(talking.len());
        for &slot in &talking {
            let task = &mut self.tasks[slot as usize];
            task.work_left = (task.work_left - (t - task.work_since) / old).max(0.0);
            task.work_since = t;
        }
        if let Some(r) = remove {
            talking.retain(|&x| x != r);
        }
        if let Some(a) = add {
            talking.push(a);
        }
        let new = factor(talking.len());
        for &slot in &talking {
            let task = &mut self.tasks[slot as usize];
            task.talk_epoch = task.talk_epoch.wrapping_add(1);
            let (end, epoch) = (t + task.work_left * new, task.talk_epoch);
            self.cal.schedule(
                end,
                Event::TalkEnd {
                    worker: w,
                    task: slot,
                    epoch,
                },
            );
        }
        self.talking[i] = talking;
    }

    /// A pending reservation resolves as drawn when it was created.
    pub(super) fn reservation_end(
        &mut self,
        w: u32,
        slot: u32,
        generation: u32,
        offer: u16,
        t: f64,
    ) {
        let task = &self.tasks[slot as usize];
        if task.generation != generation
            || task.state != TaskState::Reserved
            || task.reserved_by != w
            || task.assignments != offer
        {
            return; // canceled while pending
        }
        let (answer, counted) = (task.answer, task.tracked());
        let g = self.workers[w as usize].group as usize;
        match answer {
            Answer::Accept => self.accept(w, g, slot, t),
            Answer::Reject => {
                if counted {
                    self.metrics.reservation(g, ReservationEvent::Rejected);
                }
                self.trace_task(slot, t, "reservation.rejected", |e, ev| {
                    ev.worker = Some(e.plan.worker_names[w as usize].clone())
                });
                self.unreserve(w, slot, t);
                // The task tries other workers first; the worker may take it
                // again afterwards (docs/routing.md, "Reservations" [I]).
                self.retry(slot, t);
                if self.workers[w as usize].active {
                    self.pull_tasks(w, t);
                }
            }
            Answer::Timeout => {
                if counted {
                    self.metrics.reservation(g, ReservationEvent::TimedOut);
                }
                self.trace_task(slot, t, "reservation.timeout", |e, ev| {
                    ev.worker = Some(e.plan.worker_names[w as usize].clone());
                    ev.detail = Some(format!(
                        "not answered within task_reservation_timeout ({} s)",
                        e.s.workflow.task_reservation_timeout_s
                    ));
                });
                self.unreserve(w, slot, t);
                // A missed offer moves the worker to the timeout activity
                // (Flex: Offline) until it comes back (docs/routing.md, "Reservations").
                let back = self.s.groups[g]
                    .reservations
                    .return_after_timeout
                    .sample(&mut self.reservation_rng);
                self.workers[w as usize].timed_out = true;
                self.refresh(w, t);
                let name = &self.s.activities[usize::from(self.s.workflow.timeout_activity)].name;
                self.trace_worker(
                    w,
                    t,
                    "worker.activity.update",
                    &format!("{name} (missed offer) for {back:.1} s"),
                );
                self.cal
                    .schedule(t + back, Event::WorkerReturn { worker: w });
                self.retry(slot, t);
            }
        }
    }

    /// Releases a pending reservation's capacity unit.
    pub(super) fn unreserve(&mut self, w: u32, slot: u32, t: f64) {
        let channel = self.tasks[slot as usize].channel as usize;
        self.release_unit(w, channel, t);
        // Unlike a completion, a failed reservation hides the worker from
        // the task's retry (and everyone else) until it is offered again.
        self.workers[w as usize].restamp();
        self.refresh(w, t);
    }

    /// Gives back one capacity unit of a worker on a channel.
    #[inline(always)]
    pub(super) fn release_unit(&mut self, w: u32, channel: usize, t: f64) {
        let i = w as usize * self.n_channels + channel;
        self.units[i].load -= 1;
        if !self.units[i].room() && self.workers[w as usize].logged_in {
            // Above a capacity cut: the unit leaves the capacity too.
            let g = self.workers[w as usize].group as usize;
            let mut lv = self.metrics.level(g);
            lv.capacity -= 1;
            self.metrics.set_level(g, t, lv);
        }
        let worker = &mut self.workers[w as usize];
        // More room: no restamp, the worker's idle entries stay valid.
        worker.tasks -= 1;
        let g = worker.group as usize;
        self.metrics
            .change_work(g, t, -i32::from(worker.tasks == 0), -1);
    }

    /// Talk ends: the task may be transferred, else wrap-up starts. Returns
    /// false for a stale event (the talk was rescheduled by a change of
    /// concurrency under slowdown), which the loop skips without counting it
    /// towards its stop test.
    pub(super) fn talk_end(&mut self, worker: u32, task: u32, epoch: u32, t: f64) -> bool {
        let x = &self.tasks[task as usize];
        if x.talk_epoch != epoch || x.state != TaskState::Serving {
            return false;
        }
        let channel = x.channel;
        self.tasks[task as usize].in_talk = false;
        if self.has_slowdown()
            && !self.s.channels[channel as usize]
                .handle_time_scale
                .is_empty()
        {
            self.retime_talk(worker, channel, t, None, Some(task));
            // Slowed talk lasts longer than the drawn work: AHT
            // counts the time the agent actually talked.
            let x = self.tasks[task as usize];
            if x.counted {
                let started = if self.has_conversations() && self.is_conversation(task) {
                    self.exchange_started(task)
                } else {
                    x.talk_start
                };
                let cell = self.cell(&x);
                self.metrics.handle_adjust(cell, (t - started) - x.handle);
            }
        }
        if self.has_conversations() && self.is_conversation(task) {
            // One exchange of a text conversation (not transferred).
            self.exchange_end(worker, task, t);
            return true;
        }
        if !(self.has_transfers() && self.maybe_transfer(worker, task, t)) {
            self.end_talk(worker, task, t);
        }
        true
    }

    /// Talk ends: wrap-up starts, or the work completes.
    ///
    /// `end_talk`, `complete` and `release_unit` are always inline: every
    /// contact passes through the chain once, and the calls (registers
    /// saved and restored at each) cost about 2% of the instructions.
    #[inline(always)]
    pub(super) fn end_talk(&mut self, w: u32, slot: u32, t: f64) {
        self.meter_talk_end(slot, t);
        self.free_line_after_talk(slot);
        let wrap = self.tasks[slot as usize].wrapup;
        if wrap > 0.0 {
            self.trace_task(slot, t, "task.wrapup", |e, ev| {
                ev.worker = Some(e.plan.worker_names[w as usize].clone())
            });
            self.cal.schedule(
                t + wrap,
                Event::WrapEnd {
                    worker: w,
                    task: slot,
                },
            );
        } else {
            self.complete(w, slot, t);
        }
    }

    /// Work on a task ends: capacity released, then the worker looks for more.
    #[inline(always)]
    pub(super) fn complete(&mut self, w: u32, slot: u32, t: f64) {
        self.trace_task(slot, t, "task.completed", |e, ev| {
            ev.worker = Some(e.plan.worker_names[w as usize].clone())
        });
        let ch = self.tasks[slot as usize].channel as usize;
        if FULL && let Some(b) = &mut self.busy_today {
            let day = (t / 86_400.0) as u32;
            let e = &mut b[w as usize];
            if e.0 != day {
                *e = (day, 0.0);
            }
            e.1 += t - self.tasks[slot as usize].talk_start;
        }
        if self.has_faults() && self.tasks[slot as usize].unreached {
            self.callback_unreached(slot, t);
        } else {
            self.release_slot(slot);
        }
        if self.counts_assigned() {
            self.assigned[w as usize * self.n_channels + ch] -= 1;
        }
        self.release_unit(w, ch, t);
        if self.workers[w as usize].active {
            self.pull_tasks(w, t);
        } else {
            self.refresh(w, t);
        }
    }
}
