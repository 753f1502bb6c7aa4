//! What expressions see: a task and a worker (targets, `order_by`), a task
//! and the clock (filters), or a queue's activity counters (`skip_if`).

use super::*;

/// A (task, worker) pair as seen by target expressions and `order_by`.
pub(super) struct PairView<'a, 's, const FULL: bool> {
    pub(super) e: &'a Engine<'s, FULL>,
    pub(super) class: u32,
    pub(super) worker: u32,
    pub(super) t: f64,
}

impl<const FULL: bool> Resolver for PairView<'_, '_, FULL> {
    #[inline]
    fn resolve(&self, scope: Scope, key: KeyId) -> ValueRef<'_> {
        match scope {
            Scope::Task | Scope::Doc => self.e.s.classes[self.class as usize].attrs.get(key),
            Scope::Worker => self.e.worker_value(self.worker, key),
            Scope::Clock => routing::clock_value(
                self.e.plan.clock_field[key.idx()],
                self.t + self.e.s.sim.utc_start_of_day_s,
                self.e.s.sim.utc_start_weekday,
            ),
            Scope::Workers => ValueRef::Null,
        }
    }
}

/// A task's attributes plus the clock, for filters that read `taskrouter.*`.
pub(super) struct TaskView<'a, 's, const FULL: bool> {
    pub(super) e: &'a Engine<'s, FULL>,
    pub(super) class: u32,
    pub(super) t: f64,
}

impl<const FULL: bool> Resolver for TaskView<'_, '_, FULL> {
    fn resolve(&self, scope: Scope, key: KeyId) -> ValueRef<'_> {
        match scope {
            Scope::Clock => routing::clock_value(
                self.e.plan.clock_field[key.idx()],
                self.t + self.e.s.sim.utc_start_of_day_s,
                self.e.s.sim.utc_start_weekday,
            ),
            _ => self.e.s.classes[self.class as usize].attrs.get(key),
        }
    }
}

/// The counters `skip_if` reads for one queue (docs/routing.md, "skip_if"): activity only, capacity ignored.
pub(super) struct SkipView<'a, 's, const FULL: bool> {
    pub(super) e: &'a Engine<'s, FULL>,
    pub(super) queue: u32,
}

impl<const FULL: bool> Resolver for SkipView<'_, '_, FULL> {
    fn resolve(&self, scope: Scope, key: KeyId) -> ValueRef<'_> {
        if scope != Scope::Workers {
            return ValueRef::Null;
        }
        let q = self.queue as usize;
        let n_act = self.e.s.activities.len();
        let in_activity = &self.e.queue_activity[q * n_act..(q + 1) * n_act];
        // Members in an available activity (evaluated only on step entry
        // when nobody was free, so summing a handful of activities is fine).
        let available: u32 = in_activity
            .iter()
            .zip(&self.e.s.activities)
            .filter(|(_, a)| a.available)
            .map(|(n, _)| n)
            .sum();
        ValueRef::Num(f64::from(match self.e.plan.skip_counter[key.idx()] {
            SkipCounter::Available => available,
            SkipCounter::Unavailable => self.e.queue_members[q] - available,
            SkipCounter::Activity(a) => in_activity[usize::from(a)],
            SkipCounter::Zero => 0,
        }))
    }
}
