//! Matching tasks and workers: who is eligible for a waitlist, which free
//! worker a task entering a step gets (longest idle, or `order_by`), and
//! which waiting task a worker with free capacity pulls.

use super::*;
use crate::scenario::WorkerSelection;
use rand::RngExt;

impl<const FULL: bool> Engine<'_, FULL> {
    /// A worker field or attribute as target expressions see it (docs/routing.md, "Expressions").
    #[inline]
    pub(super) fn worker_value(&self, w: u32, key: KeyId) -> ValueRef<'_> {
        let worker = &self.workers[w as usize];
        let i = w as usize * self.n_channels;
        let pct = |ch: usize| {
            let u = self.units[i + ch];
            let (load, cap) = (f64::from(u.load), f64::from(u.cap));
            if cap > 0.0 {
                ((1.0 - load / cap) * 100.0).floor()
            } else {
                0.0
            }
        };
        match self.plan.worker_field[key.idx()] {
            WorkerField::Attr => self.s.profiles[worker.profile as usize].attrs.get(key),
            WorkerField::Capacity(ch) => ValueRef::Num(f64::from(self.units[i + ch as usize].cap)),
            WorkerField::Assigned(ch) => ValueRef::Num(f64::from(self.assigned[i + ch as usize])),
            WorkerField::CapacityPct(ch) => ValueRef::Num(pct(ch as usize)),
            WorkerField::Name => ValueRef::Str(&self.plan.worker_names[w as usize]),
            WorkerField::Activity => {
                ValueRef::Str(&self.s.activities[usize::from(worker.activity)].name)
            }
            WorkerField::ActivitySid => {
                let a = &self.s.activities[usize::from(worker.activity)];
                ValueRef::Str(a.sid.as_deref().unwrap_or(&a.name))
            }
        }
    }

    /// Can worker `w` take a task of `class` from `waitlist` right now (besides capacity)?
    #[inline]
    pub(super) fn eligible(&self, waitlist: u32, class: u32, w: u32, t: f64) -> bool {
        self.plan
            .eligible(waitlist, self.workers[w as usize].profile)
            && self.eligible_member(waitlist, class, w, t)
    }

    /// [`Engine::eligible`] for a worker whose profile is known to serve the
    /// waitlist (it is in the profile's `profile_waitlists`): the known
    /// worker and live expression only.
    #[inline]
    pub(super) fn eligible_member(&self, waitlist: u32, class: u32, w: u32, t: f64) -> bool {
        let wl = &self.plan.waitlists[waitlist as usize];
        if wl.known.is_some_and(|k| k != w) {
            return false;
        }
        !wl.dynamic
            || self.s.workflow.steps[wl.step.idx()]
                .expression
                .as_ref()
                .is_none_or(|e| {
                    e.eval(&PairView {
                        e: self,
                        class,
                        worker: w,
                        t,
                    })
                })
    }

    #[inline]
    pub(super) fn has_room(&self, w: u32, channel: u32) -> bool {
        let i = w as usize * self.n_channels + channel as usize;
        self.units[i].room()
    }

    /// The worker to reserve for a task entering its step, if any is free:
    /// `order_by` tiers first, then longest since last reservation (docs/routing.md, "Which worker gets a task").
    pub(super) fn find_worker(&mut self, slot: u32, t: f64) -> Option<u32> {
        let (waitlist, class, step) = {
            let task = &self.tasks[slot as usize];
            (task.waitlist, task.class, task.step)
        };
        let wl = &self.plan.waitlists[waitlist as usize];
        let channel = wl.channel;
        if self.queue_closed(wl.queue) {
            return None; // outside the queue's hours: the task waits
        }
        let (workers, units, nch) = (&self.workers, &self.units, self.n_channels);
        // An entry under the worker's current stamp is valid: it was pushed
        // with room on its channel, and whatever takes room (a reservation,
        // a smaller capacity) or stops the worker taking tasks restamps it.
        let valid = |e: &IdleEntry| {
            let x = &workers[e.worker as usize];
            debug_assert!(
                x.stamp != e.stamp || {
                    let i = e.worker as usize * nch + channel as usize;
                    x.active && units[i].room()
                }
            );
            x.stamp == e.stamp
        };
        // One candidate heap (most steps): its longest-idle valid worker is
        // the answer, found and removed in one look-up.
        if wl.only_heap != NO_HEAP {
            return self.router.take_idle(wl.only_heap, valid).map(|e| e.worker);
        }
        if let Some(k) = wl.known {
            let ok = k != u32::MAX
                && self.workers[k as usize].active
                && self.has_room(k, channel)
                && self.eligible(waitlist, class, k, t);
            return ok.then_some(k);
        }
        if wl.slow {
            return self.find_worker_slow(waitlist, class, step, t);
        }
        // (entry, tier, heap) of the best free worker so far.
        let mut best: Option<(IdleEntry, u32, u32)> = None;
        for &(heap, tier) in &wl.candidates {
            if best.is_some_and(|(_, t0, _)| t0 != tier) {
                break;
            }
            if let Some(top) = self.router.peek_idle(heap, valid)
                && best.is_none_or(|(b, _, _)| top.before(&b))
            {
                best = Some((top, tier, heap));
            }
        }
        // The chosen entry is the top of its heap: remove it now rather than
        // leave it to go stale, which keeps idle heaps at their live size.
        let (entry, _, heap) = best?;
        self.router.pop_idle(heap);
        Some(entry.worker)
    }

    /// Selection when eligibility or `order_by` reads live worker state: gathers
    /// the free eligible workers of the queue, picks the best, puts all back.
    pub(super) fn find_worker_slow(
        &mut self,
        waitlist: u32,
        class: u32,
        step: u32,
        t: f64,
    ) -> Option<u32> {
        let wl = &self.plan.waitlists[waitlist as usize];
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let workers = &self.workers;
        // As in `find_worker`: the current stamp means free on the channel.
        let valid = |e: &IdleEntry| workers[e.worker as usize].stamp == e.stamp;
        let mut drained = std::mem::take(&mut self.drained);
        for &(heap, _) in &wl.candidates {
            drained.clear();
            self.router.drain_idle(heap, valid, &mut drained);
            scratch.extend(drained.iter().map(|e| (*e, heap)));
        }
        self.drained = drained;
        let step = &self.s.workflow.steps[step as usize];
        let mut ties = std::mem::take(&mut self.drained);
        ties.clear();
        let key = |w: u32| -> Vec<Option<i64>> {
            step.order_by
                .iter()
                .map(|c| routing::int_attr(self.worker_value(w, c.key)))
                .collect()
        };
        let selection = self.s.queues[wl.queue as usize].worker_selection;
        // Only a random pick needs the tied workers listed.
        let random = selection == WorkerSelection::Random;
        // The best by `order_by`, and every worker tied with it (for a
        // random pick among them).
        let mut best: Option<(IdleEntry, Vec<Option<i64>>)> = None;
        for &(e, _) in &scratch {
            if !self.eligible(waitlist, class, e.worker, t) {
                continue;
            }
            let k = key(e.worker);
            let order = match &best {
                None => std::cmp::Ordering::Less,
                Some((_, bk)) => routing::compare_keys(&k, bk, &step.order_by),
            };
            match order {
                std::cmp::Ordering::Greater => {}
                std::cmp::Ordering::Less => {
                    ties.clear();
                    if random {
                        ties.push(e);
                    }
                    best = Some((e, k));
                }
                std::cmp::Ordering::Equal => {
                    if random {
                        ties.push(e);
                    }
                    let b = best.as_ref().map(|(b, _)| *b).expect("set when equal");
                    let better = match selection {
                        WorkerSelection::LeastOccupied => {
                            let (x, y) =
                                (self.busy_today(e.worker, t), self.busy_today(b.worker, t));
                            x < y || (x == y && e.before(&b))
                        }
                        _ => e.before(&b),
                    };
                    if better {
                        best = Some((e, k));
                    }
                }
            }
        }
        let mut chosen = best.map(|(e, _)| e.worker);
        if random && ties.len() > 1 {
            // In worker order, so the pick depends only on who is free.
            ties.sort_unstable_by_key(|e| e.worker);
            let i = self.selection_rng.random_range(0..ties.len());
            chosen = Some(ties[i].worker);
        }
        self.drained = ties;
        for &(e, heap) in &scratch {
            self.router.restore_idle(heap, e);
        }
        self.scratch = scratch;
        chosen
    }

    /// Seconds worker `w` has worked today (talk and wrap-up of the tasks
    /// it finished since local midnight), for `least_occupied`.
    fn busy_today(&self, w: u32, t: f64) -> f64 {
        let day = (t / 86_400.0) as u32;
        match &self.busy_today {
            Some(b) if b[w as usize].0 == day => b[w as usize].1,
            _ => 0.0,
        }
    }

    /// A worker with free capacity takes the best waiting tasks it is
    /// eligible for across its waitlists (priority, then age; LIFO queues
    /// newest first, served before or after FIFO ones per the workspace),
    /// then offers what capacity remains.
    #[inline(always)]
    pub(super) fn pull_tasks(&mut self, w: u32, t: f64) {
        let worker = &self.workers[w as usize];
        let (profile, wl) = (worker.profile as usize, worker.waitlist);
        // A worker serving one waitlist (most single-skill models) takes its
        // tasks in order, with no ranking across lists.
        if wl != NO_WAITLIST {
            while let Some(top) = self.next_waiting(w, wl)
                && self.eligible_member(wl, self.tasks[top.task as usize].class, w, t)
            {
                self.router.pop_waiting(wl);
                self.rule = Rule::WorkerPulled;
                self.reserve(w, top.task, t);
            }
        } else if self.any_occupied(profile) {
            self.pull_ranked(w, profile, t);
        }
        self.offer_free_capacity(w);
    }

    /// Whether any waitlist of the profile may hold a task: the test is
    /// inline, so the common case (nothing waiting) skips the call.
    #[inline(always)]
    fn any_occupied(&self, profile: usize) -> bool {
        self.plan.profile_words[profile]
            .iter()
            .any(|&(word, mask)| mask & self.router.occupied(word) != 0)
    }

    /// [`Engine::pull_tasks`] of a worker serving several waitlists: the
    /// best task across them each time. Only lists that may hold entries
    /// are visited (the profile's masks against the router's occupied
    /// words), in ascending order as in the profile's list; one found empty
    /// has its bit cleared.
    #[inline(never)]
    fn pull_ranked(&mut self, w: u32, profile: usize, t: f64) {
        let plan = self.plan;
        loop {
            // Best FIFO and best LIFO candidate: (entry, waitlist).
            let mut best = [None::<(WaitEntry, u32)>; 2];
            for &(word, mask) in &plan.profile_words[profile] {
                let mut bits = mask & self.router.occupied(word);
                while bits != 0 {
                    let wl = word * 64 + bits.trailing_zeros();
                    bits &= bits - 1;
                    if self.router.clear_if_empty(wl) {
                        continue;
                    }
                    let Some(top) = self.next_waiting(w, wl) else {
                        continue;
                    };
                    let kind = usize::from(top.lifo);
                    if best[kind].is_some_and(|(b, bwl)| !self.prefer(&top, wl, &b, bwl, t)) {
                        continue;
                    }
                    if self.eligible_member(wl, self.tasks[top.task as usize].class, w, t) {
                        best[kind] = Some((top, wl));
                    }
                }
            }
            let first = usize::from(self.s.workflow.lifo_first);
            let pick = if best[first].is_some() {
                first
            } else {
                1 - first
            };
            // Only the task and its list are needed: no copy of the option.
            let Some((ref entry, wl)) = best[pick] else {
                break;
            };
            let task = entry.task;
            self.router.pop_waiting(wl);
            self.rule = Rule::WorkerPulled;
            self.reserve(w, task, t);
        }
    }

    /// The next live task of waitlist `wl` if worker `w` has room on its
    /// channel and its queue is open (eligibility is the caller's).
    #[inline(always)]
    fn next_waiting(&mut self, w: u32, wl: u32) -> Option<WaitEntry> {
        // Most lists a worker serves are empty when it frees up: one load
        // says so before the capacity and hours lookups.
        if self.router.waitlist_empty(wl) {
            return None;
        }
        let list = &self.plan.waitlists[wl as usize];
        if !self.has_room(w, list.channel) || self.queue_closed(list.queue) {
            return None;
        }
        let tasks = &self.tasks;
        self.router.peek_waiting(wl, |e| {
            let x = &tasks[e.task as usize];
            x.generation == e.generation && x.epoch == e.epoch && x.state == TaskState::Waiting
        })
    }

    /// Whether a free worker takes `a` (the next task of waitlist `awl`)
    /// before `b` (of `bwl`): priority then age, or with
    /// `task_selection = "longest_weighted_wait"` the larger queue weight
    /// × age (FIFO lists; ties by priority then age).
    #[inline]
    fn prefer(&self, a: &WaitEntry, awl: u32, b: &WaitEntry, bwl: u32, t: f64) -> bool {
        if !self.s.workflow.weighted_wait || a.lifo {
            return a.better_than(b);
        }
        let weight =
            |wl: u32| self.s.queues[self.plan.waitlists[wl as usize].queue as usize].wait_weight;
        let (sa, sb) = (weight(awl) * (t - a.created), weight(bwl) * (t - b.created));
        if sa == sb { a.better_than(b) } else { sa > sb }
    }

    /// Puts the worker in every idle heap (pool on a channel) its waitlists
    /// read where it has free capacity, under a fresh stamp.
    ///
    /// The test is inline: half the calls (a worker just reserved to its
    /// full capacity) end there, and an out-of-line call cost more than it.
    #[inline(always)]
    pub(super) fn offer_free_capacity(&mut self, w: u32) {
        let worker = &self.workers[w as usize];
        if worker.active && u32::from(worker.tasks) < worker.capacity {
            self.offer_to_pools(w);
        }
    }

    /// [`Engine::offer_free_capacity`] once the worker is known to have room.
    #[inline(always)]
    fn offer_to_pools(&mut self, w: u32) {
        let worker = &self.workers[w as usize];
        let entry = IdleEntry::new(worker.last_assign, w, worker.stamp);
        let mut offered = worker.offered;
        let workers = &self.workers;
        // The heap's bit in `offered`; 0 past the 64th heap (always pushed).
        let mut bit = 1u64;
        for &(heap, ch) in &self.plan.profile_offers[worker.profile as usize] {
            // An entry under the current stamp is there already (room
            // only grew since it was pushed: it is still valid).
            if offered & bit == 0 && self.has_room(w, ch) {
                self.router
                    .push_idle(heap, entry, |e| workers[e.worker as usize].stamp == e.stamp);
                offered |= bit;
            }
            bit <<= 1;
        }
        self.workers[w as usize].offered = offered;
    }

    /// Workers who just became able to take waiting tasks take them
    /// longest-idle first (docs/routing.md, "Which worker gets a task"), as at a shift start; returns the list for
    /// reuse.
    pub(super) fn pull_longest_idle_first(&mut self, mut ws: Vec<u32>, t: f64) -> Vec<u32> {
        let workers = &self.workers;
        ws.sort_by(|a, b| {
            let (x, y) = (&workers[*a as usize], &workers[*b as usize]);
            x.last_assign.total_cmp(&y.last_assign).then(a.cmp(b))
        });
        for &w in &ws {
            self.pull_tasks(w, t);
        }
        ws
    }
}
