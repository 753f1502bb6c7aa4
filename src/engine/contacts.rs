//! A contact's slot and its first routing: arrival, the workflow's business
//! hours (closed message or voicemail), and releasing the slot at the end.

use super::*;

impl<const FULL: bool> Engine<'_, FULL> {
    /// A customer arrives (the source's next arrival is already scheduled).
    pub(super) fn arrival(&mut self, source: usize, t: f64) {
        let src = &self.s.sources[source];
        let c = self.sources[source].customer(src, &self.s.channels);
        let (counted, interval) = self.count_attempt(t);
        let slot = self.alloc_slot();
        let hour = if self.metering() { hour_of_day(t) } else { 0 };
        let task = &mut self.tasks[slot as usize];
        *task = Task {
            // A recycled slot keeps its counters so its old events stay stale.
            generation: task.generation,
            epoch: task.epoch,
            talk_epoch: task.talk_epoch,
            state: TaskState::Waiting,
            source: source as u32,
            channel: c.channel.0,
            class: c.class.0,
            priority: src.priority,
            created: t,
            interval: interval as u32,
            deadline: t,
            handle: c.handle_s,
            wrapup: c.wrapup_s,
            patience: c.patience_s,
            seq: self.seq,
            counted,
            call_start: t,
            leg_open: true,
            hour,
            ..FREE_TASK
        };
        if self.probing() {
            self.record_size(t);
        }
        self.live += 1;
        if self.has_conversations() {
            self.begin_conversation(slot, t);
        }
        if self.tracing() {
            self.trace_task(slot, t, "task.created", |e, ev| {
                let attrs: Vec<String> = e.s.classes[c.class.idx()]
                    .attrs
                    .iter()
                    .map(|(k, v)| format!("{}={v}", e.s.keys.name(*k)))
                    .collect();
                ev.detail = Some(format!(
                    "source {}, channel {}, attributes {{{}}}",
                    e.s.sources[source].name,
                    e.s.channels[c.channel.idx()].name,
                    attrs.join(", ")
                ));
                ev.source = Some(e.s.sources[source].name.clone());
                ev.channel = Some(e.s.channels[c.channel.idx()].name.clone());
            });
        }
        self.begin_attempt(slot, t);
    }

    /// A new attempt (an arrival or a redial) reaches the center at `t`: it
    /// is numbered and, inside the counted window, counted as offered.
    /// Returns whether it counts, and its KPI interval.
    #[inline(always)]
    pub(super) fn count_attempt(&mut self, t: f64) -> (bool, usize) {
        self.contacts += 1;
        self.seq += 1;
        let counted = self.metrics.counts(t);
        let interval = self.metrics.interval_of(t);
        if counted {
            self.metrics.arrived(interval);
        }
        (counted, interval)
    }

    /// Counts the contacts an arrival finds (only when asked for; kept out of
    /// line so ordinary runs pay a test, not the histogram code).
    #[cold]
    #[inline(never)]
    fn record_size(&mut self, t: f64) {
        if let Some(sizes) = &mut self.sizes {
            sizes.record(t, self.live);
        }
    }

    /// Restarts a task's clock: `created` and its KPI interval, together.
    #[inline]
    pub(super) fn set_created(&mut self, slot: u32, t: f64) {
        let interval = self.metrics.interval_of(t) as u32;
        let x = &mut self.tasks[slot as usize];
        x.created = t;
        x.interval = interval;
    }

    /// A task slot: a recycled one (its generation and epochs kept), or a new one.
    #[inline]
    pub(super) fn alloc_slot(&mut self) -> u32 {
        self.free_slots.pop().unwrap_or_else(|| {
            self.tasks.push(FREE_TASK);
            self.tasks.len() as u32 - 1
        })
    }

    /// Routes a new attempt: outside business hours, or into the workflow.
    #[inline(always)]
    pub(super) fn route_new(&mut self, slot: u32, t: f64) {
        if self.workflow_closed(t) {
            return self.after_hours(slot, t);
        }
        let class = self.tasks[slot as usize].class;
        let first = match self.plan.first_filter(class) {
            Some(f) => f,
            None => self.next_filter(slot, 0, t),
        };
        match first {
            Some(f) => self.enter_filter(slot, f, t),
            None => match self.s.workflow.default_step {
                Some(step) => self.enter_step(slot, step, t),
                None => self.cancel(slot, CancelReason::NoMatch, t),
            },
        }
    }

    /// A contact arrives outside the workflow's hours: a closed message, or a
    /// voicemail that becomes a task for the voicemail queue. The voicemail
    /// task is not a second contact: it has no patience, no TTL [I], and its
    /// wait to be worked is reported as `voicemail_wait_s`.
    pub(super) fn after_hours(&mut self, slot: u32, t: f64) {
        if let Some(c) = &self.s.costs {
            let secs = c.channels[self.tasks[slot as usize].channel as usize].after_hours_leg_s;
            self.close_leg(slot, secs);
        }
        let task = self.tasks[slot as usize];
        match &self.s.workflow.after_hours {
            AfterHours::Closed => {
                if task.counted {
                    let cell = self.metrics.cell(task.source, task.channel, None);
                    self.metrics
                        .after_hours(cell, task.arrival(), false, task.is_redial);
                }
                self.trace_task(slot, t, "task.canceled", |e, ev| {
                    ev.detail = Some("arrived outside business hours: closed message".into());
                    ev.opens_at = e.next_opening(e.s.workflow.hours, t);
                    ev.outcome = Some("closed");
                });
                self.release_slot(slot);
            }
            AfterHours::Voicemail { step, handle_time } => {
                if task.counted {
                    // Counted in the queue that works the voicemail.
                    let queue = self.s.workflow.steps[step.idx()].queue.0;
                    let cell = self.metrics.cell(task.source, task.channel, Some(queue));
                    self.metrics
                        .after_hours(cell, task.arrival(), true, task.is_redial);
                }
                self.trace_task(slot, t, "task.created", |e, ev| {
                    ev.detail = Some("arrived outside business hours: voicemail task".into());
                    ev.opens_at = e.next_opening(e.s.workflow.hours, t);
                    ev.outcome = Some("voicemail");
                });
                let handle = handle_time
                    .as_ref()
                    .map(|d| d.sample(&mut self.voicemail_rng));
                self.make_followup(slot, Followup::Voicemail);
                let x = &mut self.tasks[slot as usize];
                if let Some(h) = handle {
                    x.handle = h;
                }
                let step = *step;
                self.enter_step(slot, step, t);
            }
        }
    }

    /// Queue `q` just closed: with `at_close`, the contacts still waiting
    /// in it hear the closed message or leave a voicemail, oldest first.
    /// Follow-up work and offers already ringing stay.
    pub(super) fn clear_closed_queue(&mut self, q: usize, t: f64) {
        let at_close = self.s.queues[q].at_close;
        if at_close == AtClose::Keep {
            return;
        }
        let mut waiting: Vec<(u64, u32)> = Vec::new();
        for ch in 0..self.n_channels {
            for &wl in &self.plan.queue_waitlists[q * self.n_channels + ch] {
                waiting.extend(self.router.waiting_entries(wl).filter_map(|e| {
                    let x = &self.tasks[e.task as usize];
                    let live = x.generation == e.generation
                        && x.epoch == e.epoch
                        && x.state == TaskState::Waiting
                        && x.followup == Followup::None;
                    live.then_some((x.seq, e.task))
                }));
            }
        }
        waiting.sort_unstable();
        for (_, slot) in waiting {
            self.drop_waiting(slot);
            let task = self.tasks[slot as usize];
            if task.tracked() {
                self.metrics.step(task.step, StepKpi::Canceled);
            }
            self.close_leg(slot, t - task.call_start);
            match at_close {
                AtClose::Keep => unreachable!("returned above"),
                AtClose::Closed => {
                    if task.counted {
                        let cell = self
                            .metrics
                            .cell(task.source, task.channel, Some(task.queue));
                        self.metrics
                            .after_hours(cell, task.arrival(), false, task.is_redial);
                    }
                    self.trace_task(slot, t, "task.canceled", |e, ev| {
                        ev.detail = Some(format!(
                            "still waiting when queue {} closed: closed message",
                            e.s.queues[q].name
                        ));
                        ev.outcome = Some("closed");
                    });
                    self.release_slot(slot);
                }
                AtClose::Voicemail => {
                    let AfterHours::Voicemail { step, handle_time } = &self.s.workflow.after_hours
                    else {
                        unreachable!("validated: at_close voicemail needs a voicemail step")
                    };
                    if task.counted {
                        let queue = self.s.workflow.steps[step.idx()].queue.0;
                        let cell = self.metrics.cell(task.source, task.channel, Some(queue));
                        self.metrics
                            .after_hours(cell, task.arrival(), true, task.is_redial);
                    }
                    self.trace_task(slot, t, "task.created", |e, ev| {
                        ev.detail = Some(format!(
                            "still waiting when queue {} closed: voicemail task",
                            e.s.queues[q].name
                        ));
                        ev.outcome = Some("voicemail");
                    });
                    let handle = handle_time
                        .as_ref()
                        .map(|d| d.sample(&mut self.voicemail_rng));
                    let step = *step;
                    self.make_followup(slot, Followup::Voicemail);
                    let x = &mut self.tasks[slot as usize];
                    if let Some(h) = handle {
                        x.handle = h;
                    }
                    // The voicemail's wait to be worked starts now.
                    x.deadline = t;
                    self.set_created(slot, t);
                    self.enter_step(slot, step, t);
                }
            }
        }
    }

    #[inline]
    pub(super) fn cell(&mut self, task: &Task) -> CellId {
        let queue = task.routed.then_some(task.queue);
        self.metrics.cell(task.source, task.channel, queue)
    }

    /// Ends a contact's life in its slot (and frees its line).
    #[inline]
    pub(super) fn release_slot(&mut self, slot: u32) {
        self.free_line(slot);
        let task = &mut self.tasks[slot as usize];
        task.generation = task.generation.wrapping_add(1);
        task.state = TaskState::Free;
        self.free_slots.push(slot);
        self.live -= 1;
    }
}
