//! Work that follows a contact: call backs offered to waiting customers,
//! transfers at the end of talk (cold or warm), and redials after abandoning.

use super::*;

impl<const FULL: bool> Engine<'_, FULL> {
    /// A waiting customer is offered a call back and may accept: the wait
    /// ends (outcome `callback`) and a callback task is due after the delay.
    pub(super) fn callback_offer(&mut self, slot: u32, generation: u32, t: f64) {
        let task = self.tasks[slot as usize];
        if task.generation != generation || task.state != TaskState::Waiting {
            return;
        }
        let cb = self
            .s
            .workflow
            .callback
            .as_ref()
            .expect("scheduled only with a callback");
        let u: f64 = StandardUniform.sample(&mut self.callback_rng);
        if u >= cb.probability {
            return;
        }
        self.drop_waiting(slot);
        if task.counted {
            let cell = self.cell(&task);
            self.metrics.step(task.step, StepKpi::Canceled);
            self.metrics.callback(cell, task.arrival(), task.is_redial);
        }
        self.trace_task(slot, t, "task.canceled", |_, ev| {
            ev.detail = Some(format!(
                "accepted a call back after waiting {:.2} s",
                t - task.created
            ));
            ev.outcome = Some("callback");
        });
        let delay = cb
            .delay
            .as_ref()
            .map_or(0.0, |d| d.sample(&mut self.callback_rng));
        self.close_leg(slot, t - task.call_start);
        self.make_followup(slot, Followup::Callback);
        self.tasks[slot as usize].state = TaskState::Parked;
        self.set_created(slot, t);
        self.cal.schedule(
            t + delay,
            Event::CallbackDue {
                task: slot,
                generation,
            },
        );
        if task.twin != NO_TWIN {
            self.end_twin(slot, t);
        }
    }

    /// At the end of talk, a call answered in a queue with `transfer` may be
    /// transferred: it drops, or its second leg waits in the target queue (a
    /// new task with the customer's patience). Cold: the first agent wraps up
    /// now. Warm: the first agent stays engaged until the second leg is
    /// answered or lost; returns true then.
    #[inline]
    pub(super) fn maybe_transfer(&mut self, w: u32, slot: u32, t: f64) -> bool {
        let x = &self.tasks[slot as usize];
        if x.followup != Followup::None || !x.routed {
            return false; // follow-ups (an unreached call back among them) are not transferred
        }
        let Some(tr) = &self.s.queues[x.queue as usize].transfer else {
            return false;
        };
        let first = *x;
        let u: f64 = StandardUniform.sample(&mut self.transfer_rng);
        if u >= tr.probability {
            return false;
        }
        let cell = self
            .metrics
            .cell(first.source, first.channel, Some(first.queue));
        if first.counted {
            self.metrics
                .transfer_event(cell, TransferEvent::Attempted, 0.0);
        }
        let dropped: f64 = StandardUniform.sample(&mut self.transfer_rng);
        if dropped < tr.drop_probability {
            if first.counted {
                self.metrics
                    .transfer_event(cell, TransferEvent::Dropped, 0.0);
            }
            self.trace_task(slot, t, "task.canceled", |_, ev| {
                ev.detail = Some("the transfer dropped".into())
            });
            return false;
        }
        let handle = match &tr.handle_time {
            Some(d) => d.sample(&mut self.transfer_rng),
            None => self.s.channels[first.channel as usize]
                .handle_time
                .as_ref()
                .map_or(first.handle, |d| d.sample(&mut self.transfer_rng)),
        };
        let (warm, target) = (tr.warm, tr.target);
        let leg = self.alloc_slot();
        let x = &mut self.tasks[leg as usize];
        let (generation, talk_epoch) = (x.generation, x.talk_epoch);
        *x = Task {
            generation,
            talk_epoch,
            state: TaskState::Waiting,
            created: t,
            interval: self.metrics.interval_of(t) as u32,
            deadline: t,
            handle,
            routed: false,
            filter: NO_FILTER,
            counted: false,
            followup: Followup::Transfer,
            followup_counted: first.counted,
            origin_queue: first.queue,
            parent: if warm { slot } else { u32::MAX },
            parent_generation: first.generation,
            parent_worker: w,
            expiry_scheduled: false,
            timed_out_filter: false,
            assignments: 0,
            ..first
        };
        // The customer is still on the line: the open leg (and the line
        // it holds) moves on.
        let x = &mut self.tasks[slot as usize];
        x.leg_open = false;
        x.holds_line = false;
        self.live += 1;
        self.trace_task(leg, t, "task-queue.moved", |_, ev| {
            ev.detail = Some(if warm {
                "warm transfer".into()
            } else {
                "cold transfer".into()
            })
        });
        match target {
            TransferTarget::Step(step) => self.enter_step(leg, step, t),
            TransferTarget::Filter { filter, priority } => {
                if let Some(p) = priority {
                    self.tasks[leg as usize].priority = p;
                }
                self.enter_filter(leg, filter as usize, t);
            }
        }
        warm
    }

    /// A warm transfer's second leg is answered or lost: the first agent's
    /// talk ends now.
    pub(super) fn release_parent(&mut self, leg: u32, t: f64) {
        let x = self.tasks[leg as usize];
        if x.parent == u32::MAX {
            return;
        }
        self.tasks[leg as usize].parent = u32::MAX;
        let p = &self.tasks[x.parent as usize];
        if p.generation == x.parent_generation && p.state == TaskState::Serving {
            self.end_talk(x.parent_worker, x.parent, t);
        }
    }

    /// Turns a contact into a follow-up task (voicemail, call back): not a
    /// contact any more, no patience and no TTL [I]; its answer is reported
    /// as worked if the contact was counted.
    pub(super) fn make_followup(&mut self, slot: u32, kind: Followup) {
        // The customer hung up: a call back or a voicemail holds no line.
        self.free_line(slot);
        let x = &mut self.tasks[slot as usize];
        x.followup = kind;
        x.followup_counted = x.counted;
        x.counted = false;
        x.patience = f64::INFINITY;
        x.expiry_scheduled = true;
    }

    /// An attempt ended unserved (abandoned, or blocked): the customer may
    /// call again after the source's redial delay, else the slot is freed.
    /// Follow-up work never redials.
    pub(super) fn redial_or_release(&mut self, slot: u32, t: f64) {
        // The customer hung up: the line is free while she waits to redial.
        self.free_line(slot);
        let task = &self.tasks[slot as usize];
        let (followup, generation) = (task.followup, task.generation);
        let redial = match &self.s.sources[task.source as usize].redial {
            Some(r) if followup == Followup::None => {
                let u: f64 = StandardUniform.sample(&mut self.redial_rng);
                (u < r.probability).then(|| r.delay.sample(&mut self.redial_rng))
            }
            _ => None,
        };
        match redial {
            Some(delay) => {
                self.tasks[slot as usize].state = TaskState::Parked;
                self.cal.schedule(
                    t + delay,
                    Event::Redial {
                        task: slot,
                        generation,
                    },
                );
            }
            None => self.release_slot(slot),
        }
    }

    /// An accepted call back becomes a task in the callback step.
    pub(super) fn callback_due(&mut self, slot: u32, generation: u32, t: f64) {
        let task = &mut self.tasks[slot as usize];
        if task.generation != generation || task.state != TaskState::Parked {
            return;
        }
        // A new life for the slot: events of the original attempt (its
        // expiry, offers) go stale.
        task.generation = task.generation.wrapping_add(1);
        task.state = TaskState::Waiting;
        task.routed = false;
        task.filter = NO_FILTER;
        task.deadline = t;
        let cb = self
            .s
            .workflow
            .callback
            .as_ref()
            .expect("scheduled only with a callback");
        if let Some(c) = cb.channel {
            let channel = &self.s.channels[c.idx()];
            task.channel = c.0;
            if let Some(d) = &channel.handle_time {
                task.handle = d.sample(&mut self.callback_rng);
            }
            if let Some(d) = &channel.wrapup {
                task.wrapup = d.sample(&mut self.callback_rng);
            }
        }
        let step = cb.step;
        self.trace_task(slot, t, "task.created", |_, ev| {
            ev.detail = Some("call back task".into())
        });
        self.enter_step(slot, step, t);
    }

    /// An abandoning customer calls again: a new attempt of the same need
    /// (talk time) with a new patience.
    pub(super) fn redial(&mut self, slot: u32, generation: u32, t: f64) {
        let task = self.tasks[slot as usize];
        if task.generation != generation || task.state != TaskState::Parked {
            return;
        }
        let src = &self.s.sources[task.source as usize];
        let again = src.redial.as_ref().expect("scheduled only with a redial");
        let patience = match again.keep_patience {
            // The same caller, as patient as before (or less).
            Some(f) => task.patience * f,
            None => src
                .patience
                .as_ref()
                .map_or(f64::INFINITY, |d| d.sample(&mut self.redial_rng)),
        };
        let (counted, interval) = self.count_attempt(t);
        let metering = self.metering();
        let x = &mut self.tasks[slot as usize];
        // A new attempt: events of the abandoned one go stale.
        x.generation = x.generation.wrapping_add(1);
        x.state = TaskState::Waiting;
        x.created = t;
        x.interval = interval as u32;
        x.deadline = t;
        x.seq = self.seq;
        x.counted = counted;
        x.routed = false;
        x.filter = NO_FILTER;
        x.priority = again.priority.unwrap_or(src.priority);
        // Its attributes may change (`redial.attributes`); a redial of a
        // redial keeps the redial's.
        if let Some(&class) = again
            .classes
            .get(x.class.wrapping_sub(src.attributes.first_class) as usize)
        {
            x.class = class;
        }
        x.patience = patience;
        x.expiry_scheduled = false;
        x.timed_out_filter = false;
        x.assignments = 0;
        x.is_redial = true;
        x.call_start = t;
        x.leg_open = true;
        if metering {
            x.hour = hour_of_day(t);
        }
        self.trace_task(slot, t, "task.created", |e, ev| {
            ev.detail = Some("redial of an abandoned attempt".into());
            ev.redial_of = Some(task.seq - 1);
            ev.source = Some(e.s.sources[task.source as usize].name.clone());
            ev.channel = Some(e.s.channels[task.channel as usize].name.clone());
        });
        if self.has_conversations() {
            self.redial_conversation(slot, t);
        }
        self.begin_attempt(slot, t);
    }
}
