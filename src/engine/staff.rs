//! The staff side: activities and availability, shifts and breaks,
//! disconnects, scripted profile changes and queue business hours.

use super::*;

impl<const FULL: bool> Engine<'_, FULL> {
    /// Capacity units a worker offers: its configured capacity, or the
    /// units in use where a scripted cut left it holding more (so
    /// utilization stays a share of what is actually available).
    pub(super) fn capacity_units(&self, w: u32) -> u32 {
        let i = w as usize * self.n_channels;
        self.units[i..i + self.n_channels]
            .iter()
            .map(|u| u32::from(u.cap.max(u.load)))
            .sum()
    }

    /// Logged in = active, or holding tasks; keeps the group's presence level.
    pub(super) fn update_login(&mut self, w: u32, t: f64) {
        let worker = self.workers[w as usize];
        let want = worker.active || worker.tasks > 0;
        if want == worker.logged_in {
            return;
        }
        self.workers[w as usize].logged_in = want;
        let g = worker.group as usize;
        let units = self.capacity_units(w);
        let mut lv = self.metrics.level(g);
        if want {
            lv.logged_in += 1;
            lv.capacity += units;
        } else {
            lv.logged_in -= 1;
            lv.capacity -= units;
        }
        self.metrics.set_level(g, t, lv);
    }

    /// Derives a worker's activity from its flags (with status lag, the
    /// router's view — `active` — follows later) — off shift or
    /// disconnected: Offline; after a missed offer: the timeout activity; in
    /// a break window: the break's activity; else Available — and keeps
    /// `active`, the queue counters of `skip_if`, the group's activity time
    /// and logged-in time consistent. Returns true if the worker just became
    /// able to take tasks.
    pub(super) fn refresh(&mut self, w: u32, t: f64) -> bool {
        let worker = self.workers[w as usize];
        let activity = if worker.disconnected || self.group_down[worker.group as usize] > 0 {
            OFFLINE
        } else if !worker.on_shift {
            // Finishing work after the shift: logged in, taking nothing new.
            if worker.tasks > 0 {
                UNAVAILABLE
            } else {
                OFFLINE
            }
        } else if worker.timed_out {
            self.s.workflow.timeout_activity
        } else if worker.break_activity != NO_BREAK {
            worker.break_activity
        } else {
            AVAILABLE
        };
        let now = self.s.activities[usize::from(activity)].available;
        let (g, profile) = (worker.group as usize, worker.profile as usize);
        if activity != worker.activity {
            let n_act = self.s.activities.len();
            for q in &self.s.profiles[profile].queues {
                self.queue_activity[q.idx() * n_act + usize::from(worker.activity)] -= 1;
                self.queue_activity[q.idx() * n_act + usize::from(activity)] += 1;
            }
            self.metrics
                .activity_change(g, t, worker.activity, activity);
            if (worker.activity == OFFLINE) != (activity == OFFLINE) {
                self.track_online(w, t, activity != OFFLINE);
            }
            self.workers[w as usize].activity = activity;
        }
        let was = worker.active;
        if was != now && self.status_lags() && !self.syncing {
            // The router learns of the change later (`[faults.status_lag]`):
            // until then it keeps offering work to a worker who has gone, or
            // none to one who is back.
            self.lag_change(w, t);
            self.update_login(w, t);
            return false;
        } else if was != now {
            let worker = &mut self.workers[w as usize];
            worker.active = now;
            worker.restamp();
            self.count_capacity(profile as u32, now);
        }
        self.update_login(w, t);
        now && !was
    }

    /// A worker comes back from the timeout activity.
    pub(super) fn worker_return(&mut self, w: u32, t: f64) {
        self.trace_worker(
            w,
            t,
            "worker.activity.update",
            "Available (back from the timeout activity)",
        );
        self.workers[w as usize].timed_out = false;
        if self.refresh(w, t) {
            self.pull_tasks(w, t);
        }
    }

    /// Schedules a group's next disconnect: a Poisson process at `count`
    /// times the per-worker rate; the victim is drawn uniformly and only a
    /// worker on shift and on line disconnects (thinning), so each worker on
    /// shift disconnects at exactly the per-worker rate.
    pub(super) fn schedule_disconnect(&mut self, g: usize, t: f64) {
        let group = &self.s.groups[g];
        let Some(d) = &group.disconnects else { return };
        if group.count == 0 {
            return;
        }
        let u: f64 = StandardUniform.sample(&mut self.disconnect_rng);
        let next = t - (1.0 - u).ln() / (d.rate_per_s * f64::from(group.count));
        if next <= self.s.sim.horizon_s + self.s.sim.drain_limit_s {
            self.cal
                .schedule(next, Event::Disconnect { group: g as u32 });
        }
    }

    /// A worker of group `g` may disconnect: it goes Offline for the
    /// group's disconnect duration, its pending reservations are rejected
    /// and re-routed, and conversations in progress on `drop` channels are
    /// lost. Scans the task slots (live tasks only; disconnects are rare).
    pub(super) fn disconnect(&mut self, g: usize, t: f64) {
        self.schedule_disconnect(g, t);
        let group = &self.s.groups[g];
        let Some(d) = &group.disconnects else { return };
        let u: f64 = StandardUniform.sample(&mut self.disconnect_rng);
        let w = self.group_start[g] + ((u * f64::from(group.count)) as u32).min(group.count - 1);
        let worker = self.workers[w as usize];
        if !worker.on_shift || worker.disconnected {
            return;
        }
        let off = d.duration.sample(&mut self.disconnect_rng);
        if self.metrics.counts(t) {
            self.metrics.disconnect(g);
        }
        self.trace_worker(
            w,
            t,
            "worker.activity.update",
            &format!("Offline (disconnected) for {off:.1} s"),
        );
        self.workers[w as usize].disconnected = true;
        self.refresh(w, t);
        self.take_offline(w..w + 1, &d.drop, t, "the worker disconnected");
        self.cal.schedule(t + off, Event::Reconnect { worker: w });
    }

    /// Workers `ws` (of one group) just went off line: their pending
    /// reservations are rejected and re-routed, and their conversations in
    /// progress on `drop` channels are lost. Scans the task slots once (live
    /// tasks only; disconnects and outages are rare). Returns the
    /// conversations lost.
    pub(super) fn take_offline(
        &mut self,
        ws: std::ops::Range<u32>,
        drop: &[bool],
        t: f64,
        why: &str,
    ) -> u32 {
        let mut lost = 0;
        for slot in 0..self.tasks.len() as u32 {
            let x = self.tasks[slot as usize];
            let w = x.reserved_by;
            if !ws.contains(&w) {
                continue;
            }
            match x.state {
                TaskState::Reserved => {
                    if x.tracked() {
                        let g = self.workers[w as usize].group as usize;
                        self.metrics.reservation(g, ReservationEvent::Rejected);
                    }
                    self.trace_task(slot, t, "reservation.rejected", |e, ev| {
                        ev.worker = Some(e.plan.worker_names[w as usize].clone());
                        ev.detail = Some(why.into());
                    });
                    self.unreserve(w, slot, t);
                    self.retry(slot, t);
                }
                TaskState::Serving if x.in_talk && drop[x.channel as usize] => {
                    self.drop_talk(w, slot, t);
                    lost += u32::from(x.counted);
                }
                _ => {}
            }
        }
        lost
    }

    /// A conversation is lost with its agent: the work ends now (no wrap-up).
    pub(super) fn drop_talk(&mut self, w: u32, slot: u32, t: f64) {
        let channel = self.tasks[slot as usize].channel;
        let slowdown = !self.s.channels[channel as usize]
            .handle_time_scale
            .is_empty();
        if slowdown {
            // Brings `work_left` up to date and re-times the others.
            self.retime_talk(w, channel, t, None, Some(slot));
        }
        let x = &mut self.tasks[slot as usize];
        let left = if slowdown {
            x.work_left
        } else {
            (x.work_left - (t - x.work_since)).max(0.0)
        };
        // AHT keeps the talk that happened (slowed or not), not the wrap-up.
        let unworked = x.handle + x.wrapup - (t - x.talk_start);
        // The pending `TalkEnd` must not end a later task in this slot.
        x.talk_epoch = x.talk_epoch.wrapping_add(1);
        x.in_talk = false;
        let x = *x;
        self.meter_talk_end(slot, t);
        if x.counted {
            // Work not done is taken out of AHT.
            let cell = self.metrics.cell(x.source, x.channel, Some(x.queue));
            self.metrics.disconnect_dropped(cell, unworked);
        }
        self.trace_task(slot, t, "task.canceled", |e, ev| {
            ev.worker = Some(e.plan.worker_names[w as usize].clone());
            ev.detail = Some(format!("the agent disconnected; {left:.1} s of talk lost"));
        });
        self.complete(w, slot, t);
    }

    /// A scripted change: the group's first workers take new attributes and
    /// capacity. Queue membership and the `skip_if` counters follow; work in
    /// hand continues (capacity above the new limit drains); a worker able to
    /// take work looks for it under its new profile.
    pub(super) fn profile_change(&mut self, g: usize, c: usize, t: f64) {
        let s = self.s;
        let change = &s.groups[g].changes[c];
        let start = self.group_start[g];
        let n_act = s.activities.len();
        for w in start..start + change.workers {
            let worker = self.workers[w as usize];
            let Some(&(_, new)) = change.map.iter().find(|(old, _)| *old == worker.profile) else {
                continue;
            };
            if new == worker.profile {
                continue;
            }
            let act = usize::from(worker.activity);
            for (profile, add) in [(worker.profile, false), (new, true)] {
                for q in &s.profiles[profile as usize].queues {
                    let q = q.idx();
                    for n in [
                        &mut self.queue_members[q],
                        &mut self.queue_activity[q * n_act + act],
                    ] {
                        *n = if add { *n + 1 } else { *n - 1 };
                    }
                }
                if worker.active {
                    self.count_capacity(profile, add);
                }
            }
            let before = self.capacity_units(w);
            let i = w as usize * self.n_channels;
            let units = &mut self.units[i..i + self.n_channels];
            for (u, &cap) in units.iter_mut().zip(&s.profiles[new as usize].capacity) {
                u.cap = cap;
            }
            if worker.logged_in {
                let after = self.capacity_units(w);
                let mut lv = self.metrics.level(g);
                lv.capacity = lv.capacity + after - before;
                self.metrics.set_level(g, t, lv);
            }
            let x = &mut self.workers[w as usize];
            set_profile(x, new, self.plan);
            x.restamp();
            self.trace_worker(
                w,
                t,
                "worker.attributes.update",
                "scripted change: attributes and capacity updated, queue membership recomputed",
            );
            if worker.active {
                self.pull_tasks(w, t);
            }
        }
    }

    /// Adds (or removes) an available worker of `profile` to the capacity
    /// on line of each of its queues (expected waits).
    pub(super) fn count_capacity(&mut self, profile: u32, add: bool) {
        let p = &self.s.profiles[profile as usize];
        for q in &p.queues {
            for (ch, &c) in p.capacity.iter().enumerate() {
                let n = &mut self.queue_capacity[q.idx() * self.n_channels + ch];
                *n = if add {
                    *n + u32::from(c)
                } else {
                    *n - u32::from(c)
                };
            }
        }
    }

    /// A disconnected worker is back on line.
    pub(super) fn reconnect(&mut self, w: u32, t: f64) {
        self.trace_worker(w, t, "worker.activity.update", "back on line");
        self.workers[w as usize].disconnected = false;
        if self.refresh(w, t) {
            self.pull_tasks(w, t);
        }
    }

    /// Schedules the next opening or closing of a calendar after `t`.
    pub(super) fn schedule_hours(&mut self, h: u32, t: f64) {
        let open = &self.s.hours[h as usize].open;
        let next = open.iter().flat_map(|&(a, b)| [a, b]).find(|&x| x > t);
        if let Some(next) = next
            && next <= self.s.sim.horizon_s + self.s.sim.drain_limit_s
        {
            self.cal.schedule(next, Event::HoursChange { hours: h });
        }
    }

    /// Queues with these hours open or close; free members of a queue that
    /// just opened take its waiting tasks.
    pub(super) fn hours_change(&mut self, h: u32, t: f64) {
        let open = self.s.hours[h as usize].is_open(t);
        let mut opened = false;
        for (q, queue) in self.s.queues.iter().enumerate() {
            // A queue down (`[faults]`) stays closed whatever its hours.
            let open = open && self.queue_down[q] == 0;
            if queue.hours == Some(h) && self.queue_open[q] != open {
                self.queue_open[q] = open;
                opened |= open;
                if !open {
                    self.clear_closed_queue(q, t);
                }
            }
        }
        if opened {
            let s = self.s;
            self.queue_reopened(|q| s.queues[q.idx()].hours == Some(h), t);
        }
        self.schedule_hours(h, t);
    }

    /// Queues `reopened` names just opened: their free members take waiting
    /// tasks, longest idle first.
    pub(super) fn queue_reopened(
        &mut self,
        reopened: impl Fn(crate::scenario::QueueId) -> bool,
        t: f64,
    ) {
        let mut starting = std::mem::take(&mut self.starting);
        starting.clear();
        for w in 0..self.workers.len() as u32 {
            let worker = &self.workers[w as usize];
            let member = self.s.profiles[worker.profile as usize]
                .queues
                .iter()
                .any(|&q| reopened(q));
            if worker.active && member {
                starting.push(w);
            }
        }
        self.starting = self.pull_longest_idle_first(starting, t);
    }

    /// Applies a group's shift, staffing-plan and break state at `t` and
    /// schedules its next boundary. At each shift start a worker is absent
    /// with the group's absence probability (shrinkage); the staffing plan
    /// then keeps only its first `count_at(t)` workers on (the others go off
    /// as at a shift end). Workers becoming able to work pick waiting tasks
    /// longest-idle first (docs/routing.md, "Which worker gets a task").
    pub(super) fn shift_change(&mut self, g: usize, t: f64) {
        let group = &self.s.groups[g];
        let on = workforce::on_shift(&group.shifts, t);
        // Absence is drawn once per shift, whatever the plan does within it.
        let shift_starts = on && !self.shift_open[g];
        self.shift_open[g] = on;
        let planned = group.plan.as_ref().map_or(u32::MAX, |p| p.count_at(t));
        let on_break =
            workforce::window_at(&group.breaks, t).map_or(NO_BREAK, |i| group.break_activities[i]);
        let mut starting = std::mem::take(&mut self.starting);
        starting.clear();
        let first = self.group_start[g];
        for w in first..self.group_start[g + 1] {
            if shift_starts && group.absence > 0.0 {
                let u: f64 = StandardUniform.sample(&mut self.workforce_rng);
                self.workers[w as usize].absent = u < group.absence;
            } else if !on {
                self.workers[w as usize].absent = false;
            }
            let on_plan = w - first < planned;
            let worker = &mut self.workers[w as usize];
            let present = on && on_plan && !worker.absent;
            let changed = worker.on_shift != present || worker.break_activity != on_break;
            worker.on_shift = present;
            worker.break_activity = on_break;
            if !changed {
                continue;
            }
            let before = worker.activity;
            if self.refresh(w, t) {
                starting.push(w);
            }
            let after = self.workers[w as usize].activity;
            if self.tracing() && after != before {
                let name = &self.s.activities[usize::from(after)].name;
                let what = if on && !on_plan {
                    format!("{name} (off the staffing plan)")
                } else if !present {
                    format!("{name} (off shift)")
                } else if on_break != NO_BREAK {
                    format!("{name} (break)")
                } else {
                    format!("{name} (shift starts)")
                };
                self.trace_worker(w, t, "worker.activity.update", &what);
            }
        }
        self.starting = self.pull_longest_idle_first(starting, t);
        let next = [
            workforce::next_boundary(&group.shifts, t),
            workforce::next_boundary(&group.breaks, t),
            group.plan.as_ref().and_then(|p| p.next_change(t)),
        ]
        .into_iter()
        .flatten()
        .min_by(f64::total_cmp);
        if let Some(next) = next
            && next <= self.s.sim.horizon_s + self.s.sim.drain_limit_s
        {
            self.cal.schedule(next, Event::Shift { group: g as u32 });
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
        let plan = Plan::build(&s);
        let mut e = Engine::<true>::new(&s, &plan, 1, 0);
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
