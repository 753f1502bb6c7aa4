//! Setting up a replication and the event loop: pop the earliest event,
//! hand it to its handler (the table in `engine/mod.rs`), repeat until the
//! sources are exhausted and the system has drained, or the drain limit.

use super::*;

impl<'s, const FULL: bool> Engine<'s, FULL> {
    pub(super) fn new(
        s: &'s Scenario,
        plan: &'s Plan,
        seed: u64,
        replication: u32,
    ) -> Engine<'s, FULL> {
        let n_channels = s.channels.len();
        let mut workers = Vec::new();
        let mut units = Vec::new();
        let mut group_start = Vec::new();
        for (g, group) in s.groups.iter().enumerate() {
            group_start.push(workers.len() as u32);
            for _ in 0..group.count {
                workers.push(Worker {
                    group: g as u32,
                    profile: g as u32,
                    stamp: 0,
                    offered: 0,
                    on_shift: false,
                    break_activity: NO_BREAK,
                    timed_out: false,
                    disconnected: false,
                    activity: OFFLINE,
                    absent: false,
                    active: false,
                    logged_in: false,
                    tasks: 0,
                    capacity: 0,
                    waitlist: NO_WAITLIST,
                    last_assign: f64::NEG_INFINITY,
                });
                set_profile(workers.last_mut().expect("pushed"), g as u32, plan);
                units.extend(group.capacity.iter().map(|&cap| Units { load: 0, cap }));
            }
        }
        group_start.push(workers.len() as u32);
        let n_workers = workers.len();
        let mut e = Engine {
            s,
            plan,
            cal: Calendar::default(),
            sources: (0..s.sources.len())
                .map(|i| SourceState::of_scenario(s, seed, replication, i as u32))
                .collect(),
            tasks: Vec::new(),
            free_slots: Vec::new(),
            assigned: if plan
                .worker_field
                .iter()
                .any(|f| matches!(f, WorkerField::Assigned(_)))
            {
                vec![0; workers.len() * n_channels]
            } else {
                Vec::new()
            },
            talking: (0..workers.len() * n_channels)
                .map(|i| {
                    if s.channels[i % n_channels].handle_time_scale.is_empty() {
                        Vec::new()
                    } else {
                        Vec::with_capacity(usize::from(units[i].cap))
                    }
                })
                .collect(),
            slowdown: s.channels.iter().any(|c| !c.handle_time_scale.is_empty()),
            instant: s.groups.iter().map(|g| g.reservations.instant()).collect(),
            reservation_rng: rng::stream(seed, replication, rng::Purpose::Reservations, 0),
            voicemail_rng: rng::stream(seed, replication, rng::Purpose::Voicemail, 0),
            callback_rng: rng::stream(seed, replication, rng::Purpose::Callback, 0),
            redial_rng: rng::stream(seed, replication, rng::Purpose::Redial, 0),
            transfer_rng: rng::stream(seed, replication, rng::Purpose::Transfer, 0),
            disconnect_rng: rng::stream(seed, replication, rng::Purpose::Disconnect, 0),
            usage_rng: rng::stream(seed, replication, rng::Purpose::Usage, 0),
            usage: s
                .costs
                .as_ref()
                .map(|_| crate::metrics::usage::Usage::new(s)),
            online_since: Vec::new(),
            active_user: Vec::new(),
            now: 0.0,
            workforce_rng: rng::stream(seed, replication, rng::Purpose::Workforce, 0),
            queue_open: s
                .queues
                .iter()
                .map(|q| q.hours.is_none_or(|h| s.hours[h as usize].is_open(0.0)))
                .collect(),
            workers,
            units,
            group_start,
            shift_open: vec![false; s.groups.len()],
            queue_members: plan.members.clone(),
            queue_capacity: vec![0; s.queues.len() * n_channels],
            mean_work: s
                .sources
                .iter()
                .flat_map(|src| {
                    s.channels.iter().map(move |ch| {
                        let talk = src.handle_time.as_ref().or(ch.handle_time.as_ref());
                        let wrap = src.wrapup.as_ref().or(ch.wrapup.as_ref());
                        talk.map_or(0.0, |d| d.mean()) + wrap.map_or(0.0, |d| d.mean())
                    })
                })
                .collect(),
            queue_activity: {
                let n_act = s.activities.len();
                let mut v = vec![0; s.queues.len() * n_act];
                for (q, &m) in plan.members.iter().enumerate() {
                    v[q * n_act + usize::from(OFFLINE)] = m;
                }
                v
            },
            sizes: None,
            router: Router::new(plan),
            metrics: Collector::new(s),
            n_channels,
            starting: Vec::new(),
            scratch: Vec::new(),
            drained: Vec::new(),
            live: 0,
            active_sources: 0,
            seq: 0,
            contacts: 0,
            events: 0,
            tracer: None,
            rule: Rule::LongestIdle,
            faults: s.faults.as_ref(),
            blocking: blocking::Blocking::of(s),
            selection_rng: rng::stream(seed, replication, rng::Purpose::Selection, 0),
            self_service_rng: rng::stream(seed, replication, rng::Purpose::SelfService, 0),
            any_self_service: s.sources.iter().any(|x| x.self_service.is_some()),
            any_transfer: s.queues.iter().any(|q| q.transfer.is_some()),
            any_conversation: s.channels.iter().any(|c| c.conversation.is_some()),
            conv: conversation::states(),
            conv_streams: conversation::key_streams(s, seed, replication),
            busy_today: s
                .queues
                .iter()
                .any(|q| q.worker_selection == crate::scenario::WorkerSelection::LeastOccupied)
                .then(|| vec![(0, 0.0); n_workers]),
            talk_factor: s
                .groups
                .iter()
                .any(|g| g.handle_time_factor.iter().any(|&f| f != 1.0))
                .then(|| {
                    s.groups
                        .iter()
                        .flat_map(|g| g.handle_time_factor.iter().copied())
                        .collect()
                }),
            lookup_rng: rng::stream(seed, replication, rng::Purpose::Faults, 0),
            reach_rng: rng::stream(seed, replication, rng::Purpose::Faults, 1),
            channel_down: vec![0; n_channels],
            queue_down: vec![0; s.queues.len()],
            group_down: vec![0; s.groups.len()],
            lag_rng: rng::stream(seed, replication, rng::Purpose::Faults, 2),
            status_lag: s.faults.as_ref().and_then(|f| f.status_lag.as_ref()),
            lagging: Vec::new(),
            syncing: false,
            dup_rng: rng::stream(seed, replication, rng::Purpose::Faults, 3),
            lean: None,
        };
        if e.status_lag.is_some() {
            e.lagging = vec![false; n_workers];
        }
        if e.usage.is_some() {
            e.online_since = vec![f64::NAN; n_workers];
            e.active_user = vec![false; n_workers];
        }
        for (i, src) in s.sources.iter().enumerate() {
            if let Some(t) = e.sources[i].next_time(src, 0.0, s.sim.horizon_s) {
                e.cal
                    .schedule_arrival(t, Event::Arrival { source: i as u32 });
                e.active_sources += 1;
            }
        }
        e.schedule_outages();
        for (h, _) in s.hours.iter().enumerate() {
            if s.queues.iter().any(|q| q.hours == Some(h as u32)) {
                e.schedule_hours(h as u32, 0.0);
            }
        }
        // The run starts with the router in step with every worker.
        e.syncing = true;
        for (g, group) in s.groups.iter().enumerate() {
            e.shift_change(g, 0.0);
            e.schedule_disconnect(g, 0.0);
            for (c, change) in group.changes.iter().enumerate() {
                e.cal.schedule(
                    change.at_s,
                    Event::ProfileChange {
                        group: g as u32,
                        change: c as u32,
                    },
                );
            }
        }
        e.syncing = false;
        e
    }

    /// With nobody in the system: true once every source is exhausted and
    /// the horizon is reached. Out of line, so the loop's test after every
    /// event is one load and a branch (the system is rarely empty).
    #[cold]
    #[inline(never)]
    pub(super) fn finished(&self, t: f64) -> bool {
        self.active_sources == 0 && t >= self.s.sim.horizon_s
    }

    /// The arrival `ev` of `source` at `t` is due: the source's next
    /// arrival replaces it in place, or the source is exhausted.
    #[inline(always)]
    pub(super) fn next_arrival(&mut self, source: u32, ev: Event, t: f64) {
        let src = &self.s.sources[source as usize];
        match self.sources[source as usize].next_time(src, t, self.s.sim.horizon_s) {
            Some(next) => self.cal.reschedule_arrival(next, ev),
            None => {
                self.cal.remove_arrival();
                self.active_sources -= 1;
            }
        }
    }

    /// Runs until every source is exhausted, the system has drained and the
    /// horizon is reached (agent time counts up to it), or until the drain
    /// limit.
    pub(super) fn run_loop(&mut self) {
        let horizon = self.s.sim.horizon_s;
        let stop = horizon + self.s.sim.drain_limit_s;
        while let Some((t, ev)) = self.cal.peek() {
            if t > stop {
                break;
            }
            debug_assert!(
                t >= self.now,
                "the clock went back from {} to {t}",
                self.now
            );
            self.now = t;
            self.events += 1;
            if let Event::Arrival { source } = ev {
                self.next_arrival(source, ev, t);
                self.arrival(source as usize, t);
                if self.live == 0 && self.finished(t) {
                    break;
                }
                continue;
            }
            self.cal.remove_first();
            match ev {
                Event::Arrival { .. } => unreachable!("handled above"),
                Event::Expire { task, generation } => self.expire(task, generation, t),
                Event::StepTimeout {
                    task,
                    generation,
                    epoch,
                } => self.step_timeout(task, generation, epoch, t),
                Event::TalkEnd {
                    worker,
                    task,
                    epoch,
                } => {
                    if !self.talk_end(worker, task, epoch, t) {
                        continue; // stale: the talk was rescheduled
                    }
                }
                Event::WrapEnd { worker, task } => self.complete(worker, task, t),
                Event::ReservationEnd {
                    worker,
                    task,
                    generation,
                    offer,
                } => self.reservation_end(worker, task, generation, offer, t),
                Event::Disconnect { group } => self.disconnect(group as usize, t),
                Event::Reconnect { worker } => self.reconnect(worker, t),
                Event::ProfileChange { group, change } => {
                    self.profile_change(group as usize, change as usize, t)
                }
                Event::WorkerReturn { worker } => self.worker_return(worker, t),
                Event::HoursChange { hours } => self.hours_change(hours, t),
                Event::CallbackOffer { task, generation } => {
                    self.callback_offer(task, generation, t)
                }
                Event::CallbackDue { task, generation } => self.callback_due(task, generation, t),
                Event::Redial { task, generation } => self.redial(task, generation, t),
                Event::Shift { group } => self.shift_change(group as usize, t),
                Event::LookupDone { task, generation } => self.lookup_done(task, generation, t),
                Event::Outage { index, start } => self.outage(index as usize, start, t),
                Event::StatusSync { worker } => self.status_sync(worker, t),
                Event::SelfServiceDone { task, generation } => {
                    self.self_service_done(task, generation, t)
                }
                Event::Reply {
                    worker,
                    task,
                    epoch,
                } => self.customer_reply(worker, task, epoch, t),
                Event::InactiveClose {
                    worker,
                    task,
                    epoch,
                } => self.inactive_close(worker, task, epoch, t),
                Event::Reopen { task, generation } => self.reopen(task, generation, t),
            }
            if self.live == 0 && self.finished(t) {
                break;
            }
        }
    }
}
