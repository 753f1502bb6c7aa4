//! Injected faults (`[faults]`, docs/faults.md): the look-up before
//! routing, outages of a channel, queue or group, and call-back attempts
//! that do not reach the customer. Each draws from its own stream, so the
//! customers (arrivals, attributes, talk times, patience) are those of the
//! same scenario without the fault.

use super::*;
use crate::metrics::FaultKpi;
use crate::scenario::faults::{Lookup, OnLookupFailure, OutageTarget, Resolve};

impl<const FULL: bool> Engine<'_, FULL> {
    /// A new attempt (an arrival or a redial) reaches the center: lost if
    /// its channel is down, else through the look-up when one applies, else
    /// routed.
    #[inline(always)]
    pub(super) fn begin_attempt(&mut self, slot: u32, t: f64) {
        if self.blocks() && !self.take_line(slot, t) {
            return; // a busy signal
        }
        if self.has_self_service()
            && self.s.sources[self.tasks[slot as usize].source as usize]
                .self_service
                .is_some()
        {
            return self.start_self_service(slot, t);
        }
        self.route_attempt_after_ivr(slot, t)
    }

    /// The rest of an attempt's start, after any self-service: the
    /// look-up (with `[faults]`), then routing.
    #[inline(always)]
    pub(super) fn route_attempt_after_ivr(&mut self, slot: u32, t: f64) {
        if self.has_faults() {
            self.begin_faulty_attempt(slot, t)
        } else {
            self.route_new(slot, t)
        }
    }

    #[inline(never)]
    fn begin_faulty_attempt(&mut self, slot: u32, t: f64) {
        if let Some(f) = self.faults {
            let x = &self.tasks[slot as usize];
            if self.channel_down[x.channel as usize] > 0 {
                return self.lose_in_outage(slot, t);
            }
            if let Some(l) = &f.lookup
                && l.sources[x.source as usize]
            {
                return self.start_lookup(slot, l, t);
            }
            return self.route_attempt(slot, t);
        }
        self.route_new(slot, t)
    }

    /// Routes a new attempt; first, when the fault draws it, creates its
    /// duplicate, routed right after it (unless the original's answer has
    /// already canceled it). Contacts arriving while the workflow is closed
    /// are not duplicated.
    fn route_attempt(&mut self, slot: u32, t: f64) {
        let Some(d) = self.faults.and_then(|f| f.duplicates.as_ref()) else {
            return self.route_new(slot, t);
        };
        if !d.sources[self.tasks[slot as usize].source as usize] {
            return self.route_new(slot, t);
        }
        let u: f64 = StandardUniform.sample(&mut self.dup_rng);
        if u >= d.probability || self.workflow_closed(t) {
            return self.route_new(slot, t);
        }
        let twin = self.make_duplicate(slot, d.resolve == Resolve::Cancel, t);
        let generation = self.tasks[twin as usize].generation;
        self.route_new(slot, t);
        let y = &mut self.tasks[twin as usize];
        if y.generation == generation && y.state == TaskState::Parked {
            y.state = TaskState::Waiting;
            self.route_new(twin, t);
        }
    }

    /// A copy of the task in a new slot, parked until routed: with `linked`
    /// the two cancel each other (the customer's outcome is counted once),
    /// else the copy is work for nobody (never counted, no patience).
    fn make_duplicate(&mut self, slot: u32, linked: bool, t: f64) -> u32 {
        let twin = self.alloc_slot();
        let old = self.tasks[twin as usize];
        let original = self.tasks[slot as usize];
        self.seq += 1;
        let mut copy = Task {
            generation: old.generation,
            epoch: old.epoch,
            talk_epoch: old.talk_epoch,
            state: TaskState::Parked,
            seq: self.seq,
            leg_open: false,
            holds_line: false,
            ghost: true,
            twin: NO_TWIN,
            ..original
        };
        if linked {
            copy.twin = slot;
            copy.twin_generation = original.generation;
            let x = &mut self.tasks[slot as usize];
            x.twin = twin;
            x.twin_generation = copy.generation;
        } else {
            copy.counted = false;
            copy.patience = f64::INFINITY;
        }
        self.tasks[twin as usize] = copy;
        self.live += 1;
        if original.counted {
            self.metrics.fault(FaultKpi::Duplicates, 1.0);
        }
        self.trace_task(twin, t, "task.created", |e, ev| {
            ev.detail = Some(format!(
                "duplicate of task {} ({})",
                original.seq,
                if linked {
                    "canceled when either is answered"
                } else {
                    "both are worked"
                }
            ));
            ev.source = Some(e.s.sources[original.source as usize].name.clone());
            ev.channel = Some(e.s.channels[original.channel as usize].name.clone());
        });
        twin
    }

    /// A task of a duplicated pair was answered or ended: its twin is
    /// canceled (a ringing one frees its worker), silently for the KPIs —
    /// the customer's outcome is the first task's.
    pub(super) fn end_twin(&mut self, slot: u32, t: f64) {
        let x = &mut self.tasks[slot as usize];
        let (y, generation) = (x.twin, x.twin_generation);
        x.twin = NO_TWIN;
        let tw = self.tasks[y as usize];
        if tw.generation != generation || tw.twin != slot {
            return;
        }
        self.tasks[y as usize].twin = NO_TWIN;
        if tw.leg_open {
            // The customer's line: carried on by the twin that answered it,
            // else closed now (metered once, as the customer's).
            if self.tasks[slot as usize].state == TaskState::Serving {
                let x = &mut self.tasks[slot as usize];
                x.leg_open = true;
                x.call_start = tw.call_start;
                self.tasks[y as usize].leg_open = false;
            } else {
                self.close_leg(y, t - tw.call_start);
            }
        }
        let freed = match tw.state {
            TaskState::Parked => None,
            TaskState::Waiting => {
                self.drop_waiting(y);
                None
            }
            TaskState::Reserved => {
                let w = tw.reserved_by;
                if tw.tracked() {
                    let g = self.workers[w as usize].group as usize;
                    self.metrics.reservation(g, ReservationEvent::Canceled);
                }
                self.trace_task(y, t, "reservation.canceled", |e, ev| {
                    ev.worker = Some(e.plan.worker_names[w as usize].clone())
                });
                self.unreserve(w, y, t);
                Some(w)
            }
            _ => return,
        };
        if tw.counted {
            self.metrics.fault(FaultKpi::DuplicatesCanceled, 1.0);
        }
        let seq = self.tasks[slot as usize].seq;
        self.trace_task(y, t, "task.canceled", |_, ev| {
            ev.detail = Some(format!(
                "duplicate: its twin, task {seq}, was answered or ended"
            ));
            ev.outcome = Some("duplicate");
        });
        self.release_slot(y);
        if let Some(w) = freed
            && self.workers[w as usize].active
        {
            self.pull_tasks(w, t);
        }
    }

    /// A duplicate that is work for nobody was accepted: its talk and
    /// wrap-up are wasted agent time.
    pub(super) fn ghost_accepted(&mut self, slot: u32) {
        let x = self.tasks[slot as usize];
        if x.twin == NO_TWIN && !x.counted && self.metrics.counts(x.created) {
            self.metrics
                .fault(FaultKpi::DuplicateWork, x.handle + x.wrapup);
        }
    }

    /// A contact on a channel that is down never reaches the center: lost,
    /// and billed nothing.
    fn lose_in_outage(&mut self, slot: u32, t: f64) {
        let task = self.tasks[slot as usize];
        if task.counted {
            let cell = self.metrics.cell(task.source, task.channel, None);
            self.metrics.lost(cell, task.arrival(), task.is_redial);
            self.metrics.fault(FaultKpi::LostInOutage, 1.0);
        }
        self.trace_task(slot, t, "task.canceled", |e, ev| {
            ev.detail = Some(format!(
                "channel {} is down (outage): the contact is lost",
                e.s.channels[task.channel as usize].name
            ));
            ev.outcome = Some("lost");
        });
        self.tasks[slot as usize].leg_open = false;
        self.release_slot(slot);
    }

    /// The look-up starts: its duration and outcome are drawn now; the
    /// customer may hang up before it ends (patience runs from arrival).
    fn start_lookup(&mut self, slot: u32, l: &Lookup, t: f64) {
        let delay = l.delay.sample(&mut self.lookup_rng);
        let u: f64 = StandardUniform.sample(&mut self.lookup_rng);
        let outcome = if delay > l.timeout_s {
            LookupOutcome::TimedOut
        } else if u < l.failure {
            LookupOutcome::Failed
        } else {
            LookupOutcome::Found
        };
        let end = t + delay.min(l.timeout_s);
        let ttl = self.s.workflow.task_ttl_s;
        let x = &mut self.tasks[slot as usize];
        x.state = TaskState::LookingUp;
        x.lookup = outcome;
        let (generation, counted) = (x.generation, x.counted);
        let gives_up = x.created + x.patience.min(ttl);
        if counted {
            self.metrics.fault(FaultKpi::Lookups, 1.0);
        }
        if gives_up < end {
            // The expiry is scheduled here only when it comes first; otherwise
            // the step the task waits in schedules it, as without a look-up.
            self.cal.schedule(
                gives_up.max(t),
                Event::Expire {
                    task: slot,
                    generation,
                },
            );
        }
        self.cal.schedule(
            end,
            Event::LookupDone {
                task: slot,
                generation,
            },
        );
    }

    /// The look-up ends: route the contact, or apply the failure action.
    pub(super) fn lookup_done(&mut self, slot: u32, generation: u32, t: f64) {
        let x = &self.tasks[slot as usize];
        if x.generation != generation || x.state != TaskState::LookingUp {
            return; // the customer hung up meanwhile
        }
        let task = *x;
        let l = self
            .faults
            .and_then(|f| f.lookup.as_ref())
            .expect("scheduled only with a look-up");
        self.tasks[slot as usize].state = TaskState::Waiting;
        let took = t - task.created;
        if task.counted {
            self.metrics.fault(FaultKpi::LookupTime, took);
        }
        if task.lookup == LookupOutcome::Found {
            self.trace_task(slot, t, "lookup.completed", |_, ev| {
                ev.detail = Some(format!("after {took:.2} s"));
            });
            return self.route_attempt(slot, t);
        }
        let timed_out = task.lookup == LookupOutcome::TimedOut;
        if task.counted {
            self.metrics.fault(FaultKpi::LookupFailed, 1.0);
            if timed_out {
                self.metrics.fault(FaultKpi::LookupTimeouts, 1.0);
            }
        }
        self.trace_task(slot, t, "lookup.failed", |e, ev| {
            let what = if timed_out {
                format!("timed out after {took:.2} s")
            } else {
                format!("error after {took:.2} s")
            };
            let then = match l.on_failure {
                OnLookupFailure::Route => "routed with the attributes as drawn".to_string(),
                OnLookupFailure::Default => "sent to the default filter".to_string(),
                OnLookupFailure::Queue(step) => format!(
                    "sent to queue {}",
                    e.s.queues[e.s.workflow.steps[step.idx()].queue.idx()].name
                ),
                OnLookupFailure::Drop => "the flow hangs up".to_string(),
            };
            ev.detail = Some(format!("{what}; {then}"));
        });
        match l.on_failure {
            OnLookupFailure::Route => self.route_attempt(slot, t),
            OnLookupFailure::Drop => {
                if task.counted {
                    let cell = self.metrics.cell(task.source, task.channel, None);
                    self.metrics.lost(cell, task.arrival(), task.is_redial);
                    self.metrics.fault(FaultKpi::LookupDropped, 1.0);
                }
                self.trace_task(slot, t, "task.canceled", |_, ev| {
                    ev.detail = Some("the look-up failed and the flow hung up".into());
                    ev.outcome = Some("lost");
                });
                self.close_leg(slot, t - task.call_start);
                self.release_slot(slot);
            }
            _ if self.workflow_closed(t) => self.after_hours(slot, t),
            OnLookupFailure::Default => match self.s.workflow.default_step {
                Some(step) => self.enter_step(slot, step, t),
                None => self.cancel(slot, crate::metrics::CancelReason::NoMatch, t),
            },
            OnLookupFailure::Queue(step) => self.enter_step(slot, step, t),
        }
    }

    /// The workflow's business hours are closed at `t`.
    #[inline]
    pub(super) fn workflow_closed(&self, t: f64) -> bool {
        FULL && self
            .s
            .workflow
            .hours
            .is_some_and(|h| !self.s.hours[h as usize].is_open(t))
    }

    /// Schedules the start and end of every outage within the run.
    pub(super) fn schedule_outages(&mut self) {
        let Some(f) = self.faults else { return };
        let stop = self.s.sim.horizon_s + self.s.sim.drain_limit_s;
        for (i, o) in f.outages.iter().enumerate() {
            for (at, start) in [(o.from_s, true), (o.to_s, false)] {
                if at <= stop {
                    let index = i as u32;
                    self.cal.schedule(at, Event::Outage { index, start });
                }
            }
        }
    }

    /// An outage starts or ends (overlapping outages of one target count).
    pub(super) fn outage(&mut self, index: usize, start: bool, t: f64) {
        let o = &self.faults.expect("scheduled only with faults").outages[index];
        let step = |n: &mut u32| {
            if start {
                *n += 1;
            } else {
                *n -= 1;
            }
        };
        match &o.target {
            OutageTarget::Channel(c) => step(&mut self.channel_down[c.idx()]),
            OutageTarget::Queue(q) => {
                let q = q.idx();
                step(&mut self.queue_down[q]);
                let hours_open = self.s.queues[q]
                    .hours
                    .is_none_or(|h| self.s.hours[h as usize].is_open(t));
                let open = hours_open && self.queue_down[q] == 0;
                if open != self.queue_open[q] {
                    self.queue_open[q] = open;
                    if open {
                        self.queue_reopened(|queue| queue.idx() == q, t);
                    }
                }
            }
            OutageTarget::Group { group, drop } => {
                let g = group.idx();
                step(&mut self.group_down[g]);
                let (first, end) = (self.group_start[g], self.group_start[g + 1]);
                if start && self.group_down[g] == 1 {
                    for w in first..end {
                        self.trace_worker(w, t, "worker.activity.update", "Offline (group outage)");
                        self.refresh(w, t);
                    }
                    let lost =
                        self.take_offline(first..end, drop, t, "the worker's group went down");
                    if lost > 0 {
                        self.metrics
                            .fault(FaultKpi::DroppedInOutage, f64::from(lost));
                    }
                } else if !start && self.group_down[g] == 0 {
                    let mut starting = std::mem::take(&mut self.starting);
                    starting.clear();
                    for w in first..end {
                        self.trace_worker(
                            w,
                            t,
                            "worker.activity.update",
                            "back on line (outage over)",
                        );
                        if self.refresh(w, t) {
                            starting.push(w);
                        }
                    }
                    self.starting = self.pull_longest_idle_first(starting, t);
                }
            }
        }
    }

    /// A call back is accepted: whether this attempt reaches the customer
    /// is drawn now; one that does not takes the attempt's time instead of
    /// the call (no wrap-up), and is retried or given up when it ends.
    pub(super) fn callback_attempt(&mut self, slot: u32) {
        let Some(cf) = self.faults.and_then(|f| f.callbacks.as_ref()) else {
            return;
        };
        let u: f64 = StandardUniform.sample(&mut self.reach_rng);
        let x = &mut self.tasks[slot as usize];
        x.callback_attempts = x.callback_attempts.saturating_add(1);
        if x.followup_counted {
            self.metrics.fault(FaultKpi::CallbackAttempts, 1.0);
        }
        if u < cf.reach {
            return;
        }
        let attempt = cf.attempt.sample(&mut self.reach_rng);
        let x = &mut self.tasks[slot as usize];
        x.unreached = true;
        x.retry_handle = x.handle;
        x.retry_wrapup = x.wrapup;
        x.handle = attempt;
        x.wrapup = 0.0;
        if x.followup_counted {
            self.metrics.fault(FaultKpi::CallbackUnreached, 1.0);
        }
    }

    /// A call-back attempt that did not reach the customer ends: another
    /// after `retry_after`, or, after the last retry, the call back fails.
    pub(super) fn callback_unreached(&mut self, slot: u32, t: f64) {
        let cf = self
            .faults
            .and_then(|f| f.callbacks.as_ref())
            .expect("only with call-back faults");
        let x = &mut self.tasks[slot as usize];
        x.unreached = false;
        x.handle = x.retry_handle;
        x.wrapup = x.retry_wrapup;
        let attempts = u32::from(x.callback_attempts);
        if attempts > cf.retries {
            if x.followup_counted {
                self.metrics.fault(FaultKpi::CallbacksFailed, 1.0);
            }
            self.trace_task(slot, t, "task.canceled", |_, ev| {
                ev.detail = Some(format!(
                    "call back given up: {attempts} attempts did not reach the customer"
                ));
                ev.outcome = Some("callback_failed");
            });
            return self.release_slot(slot);
        }
        x.state = TaskState::Parked;
        let generation = x.generation;
        let delay = cf.retry_after.sample(&mut self.reach_rng);
        self.trace_task(slot, t, "callback.unreached", |_, ev| {
            ev.detail = Some(format!(
                "call-back attempt {attempts} did not reach the customer; next attempt in {delay:.0} s"
            ));
        });
        self.cal.schedule(
            t + delay,
            Event::CallbackDue {
                task: slot,
                generation,
            },
        );
    }
}

impl<const FULL: bool> Engine<'_, FULL> {
    /// A worker's availability changed but the router learns of it only
    /// after the status lag: one change on its way at a time, the router
    /// then taking whatever is true when it arrives.
    pub(super) fn lag_change(&mut self, w: u32, t: f64) {
        if self.lagging[w as usize] {
            return;
        }
        self.lagging[w as usize] = true;
        let lag = self
            .status_lag
            .expect("only with status lag")
            .sample(&mut self.lag_rng);
        if self.metrics.counts(t) {
            self.metrics.fault(FaultKpi::StatusLagChanges, 1.0);
        }
        self.cal.schedule(t + lag, Event::StatusSync { worker: w });
    }

    /// The router learns of the worker's activity (as it is now).
    pub(super) fn status_sync(&mut self, w: u32, t: f64) {
        self.lagging[w as usize] = false;
        self.syncing = true;
        let became = self.refresh(w, t);
        self.syncing = false;
        if became {
            self.pull_tasks(w, t);
        }
    }

    /// The router offers work to this worker, but it has gone: an
    /// unavailable activity the router has not learned of yet.
    #[inline]
    pub(super) fn gone(&self, w: u32) -> bool {
        let worker = &self.workers[w as usize];
        !self.s.activities[usize::from(worker.activity)].available
    }

    /// An offer to a worker who has gone is never answered: it times out
    /// after `task_reservation_timeout`, as a missed offer (the worker moves
    /// to the timeout activity).
    pub(super) fn offer_to_gone(&mut self, w: u32, slot: u32, t: f64) {
        let x = &mut self.tasks[slot as usize];
        x.answer = Answer::Timeout;
        let (generation, offer, tracked) = (x.generation, x.assignments, x.tracked());
        if tracked {
            self.metrics.fault(FaultKpi::StatusLagOffers, 1.0);
        }
        self.schedule_expiry(slot, t);
        self.cal.schedule(
            t + self.s.workflow.task_reservation_timeout_s,
            Event::ReservationEnd {
                worker: w,
                task: slot,
                generation,
                offer,
            },
        );
    }
}
