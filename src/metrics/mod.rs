//! Streaming metrics for one replication: counters, sums and fixed-size wait
//! histograms per (source, channel, queue) cell, per interval, and time
//! integrals per agent group. Memory does not grow with the number of
//! contacts. `finish` folds the cells into the KPI tables of docs/outputs.md.

use crate::scenario::Scenario;

mod cell;
mod conversation;
mod finish;
mod histogram;
mod kpi;
mod outcomes;
pub mod slices;
pub mod usage;
pub mod wire;

use cell::Cell;
pub use conversation::ConversationClose;
use conversation::ConversationSums;
pub use histogram::{Histogram, SparseHistogram};
pub use kpi::{
    BlockKpi, BlockKpis, ConversationKpi, ConversationKpis, FaultKpi, FaultKpis, FilterKpi,
    FilterKpis, GroupIntervalKpi, GroupIntervalKpis, GroupKpi, GroupKpis, IntervalKpi,
    IntervalKpis, Kpi, KpiTable, Kpis, QueueFlowKpi, QueueFlowKpis, SelfServiceKpi,
    SelfServiceKpis, SliceKpi, SliceKpis, StepKpi, StepKpis,
};
use slices::SliceCell;
pub use slices::{Scope, scopes, wait_edges};

/// Why the router canceled a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelReason {
    /// No filter matched and there is no default filter (docs/routing.md, "The workflow walk").
    NoMatch,
    /// The last target of the last matching filter timed out or was skipped.
    Workflow,
    /// Pending longer than the task TTL.
    Ttl,
}

/// What happened to a reservation (index into the reservation counters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReservationEvent {
    /// Offered to a worker.
    Created = 0,
    /// Accepted: the task is assigned.
    Accepted = 1,
    /// Rejected by the worker.
    Rejected = 2,
    /// Not answered within `task_reservation_timeout`.
    TimedOut = 3,
    /// The task was canceled while reserved (caller hung up, TTL).
    Canceled = 4,
}

/// A transfer event of a counted contact (index into a cell's transfer
/// counters), counted in the queue named on each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferEvent {
    /// Attempted, in the queue that answered the first leg.
    Attempted = 0,
    /// The second leg was answered, in the queue where it waited.
    Answered = 1,
    /// Dropped on the way or no target left, in the queue that answered the
    /// first leg.
    Dropped = 2,
    /// The second leg was abandoned on hold, in the queue where it waited.
    Abandoned = 3,
}

/// One replication's results: KPI tables, no per-contact data.
#[derive(Debug, Clone)]
pub struct ReplicationResult {
    /// All counted contacts.
    pub overall: Kpis,
    /// Per queue, in scenario order: contacts whose routing ended there,
    /// and the follow-up work (voicemails, call backs, second legs of
    /// transfers) that queue did.
    pub queues: Vec<Kpis>,
    /// Contacts that reached no queue (a closed message, no matching
    /// filter): with the queues, it adds up to `overall` for every count.
    pub unqueued: Kpis,
    /// Per channel, in scenario order.
    pub channels: Vec<Kpis>,
    /// Per arrival source, in scenario order.
    pub sources: Vec<Kpis>,
    /// Per group, in scenario order.
    pub groups: Vec<GroupKpis>,
    /// Per interval of the counted window.
    pub intervals: Vec<IntervalKpis>,
    /// Per interval, per group occupancy.
    pub interval_occupancy: Vec<Vec<f64>>,
    /// Per scope (in the order of [`scopes`]), per interval.
    pub slices: Vec<Vec<SliceKpis>>,
    /// Per interval, per group.
    pub group_intervals: Vec<Vec<GroupIntervalKpis>>,
    /// Overall, then per queue: the share of answered contacts that waited
    /// at most each of [`wait_edges`] (NaN with nothing answered).
    pub wait_within: Vec<Vec<f64>>,
    /// Per routing step, in workflow order.
    pub steps: Vec<StepKpis>,
    /// Per filter, in workflow order.
    pub filters: Vec<FilterKpis>,
    /// Per queue, in scenario order.
    pub queue_flow: Vec<QueueFlowKpis>,
    /// Per group, per activity: worker-hours in the counted window.
    pub activity_hours: Vec<Vec<f64>>,
    /// Usage meters, when the scenario has `[costs]`.
    pub usage: Option<usage::Usage>,
    /// Per group, per hour of day: agent-hours in a non-Offline activity.
    pub online_by_hour: Vec<[f64; 24]>,
    /// Per group, per interval of the counted window: agent-hours in a
    /// non-Offline activity.
    pub online_by_interval: Vec<Vec<f64>>,
    /// Tasks still in the system (waiting, ringing, in service, or a call
    /// back or redial not yet due) when the drain limit stopped the run,
    /// follow-ups included; 0 when the run drained.
    pub in_flight: u32,
    /// What `[faults]` did (zeros without it).
    pub faults: FaultKpis,
    /// Busy signals (zeros without line limits or queue capacities).
    pub blocking: BlockKpis,
    /// The self-service stage (zeros without one).
    pub self_service: SelfServiceKpis,
    /// Per channel, in scenario order: its text conversations (zeros and
    /// NaN on channels without them).
    pub conversations: Vec<ConversationKpis>,
    /// Contacts simulated, warm-up included.
    pub contacts: u64,
    /// Events processed.
    pub events: u64,
}

// ------------------------------------------------------------ collector

#[derive(Debug, Clone, Copy, Default)]
struct IntervalCell {
    offered: u64,
    answered: u64,
    abandoned: u64,
    short_abandoned: u64,
    answered_within: u64,
    wait_answered_s: f64,
}

/// Time integrals of one agent group (seconds × workers or × units), or
/// level changes.
#[derive(Debug, Clone, Copy, Default)]
struct GroupTime {
    logged_in: f64,
    busy: f64,
    capacity: f64,
    units: f64,
}

impl GroupTime {
    /// Adds `o × k` field by field.
    #[inline]
    fn add(&mut self, o: &GroupTime, k: f64) {
        self.logged_in += o.logged_in * k;
        self.busy += o.busy * k;
        self.capacity += o.capacity * k;
        self.units += o.units * k;
    }
}

/// One group's level changes within one interval: Σ ΔL·(end − t), and Σ ΔL.
/// Side by side, so a change finds both behind one index.
#[derive(Debug, Clone, Copy, Default)]
struct GroupChanges {
    acc: GroupTime,
    delta: GroupTime,
}

/// A group now: its level, and the interval of its last change and that
/// interval's end (times only move forward). One index reaches all three.
#[derive(Debug, Clone, Copy)]
struct GroupNow {
    level: GroupLevel,
    interval: usize,
    end: f64,
}

impl GroupNow {
    /// The cursor's interval and its end, when a change at `t` falls in it
    /// (or the cursor is on the last interval); `None` when it must move on.
    #[inline(always)]
    fn cursor(&self, t: f64, n_intervals: usize) -> Option<(usize, f64)> {
        (t < self.end || self.interval + 1 >= n_intervals).then_some((self.interval, self.end))
    }
}

/// Current state of one agent group, integrated piecewise over time.
#[derive(Debug, Clone, Copy, Default)]
pub struct GroupLevel {
    /// Workers logged in.
    pub logged_in: u32,
    /// Workers holding at least one task.
    pub busy: u32,
    /// Capacity units of logged-in workers.
    pub capacity: u32,
    /// Capacity units in use.
    pub units: u32,
}

/// Where one contact's outcome is recorded: its (source, channel, queue) cell.
#[derive(Debug, Clone, Copy)]
pub struct CellId(u32);

/// Models with more (source, channel, queue) combinations than this keep
/// only the cells that are used: preallocating every combination grows with
/// the square of the model (5 000 sources × 5 000 queues of ~280-byte cells
/// would be 7 GB), while a model uses a few queues per source.
const DENSE_CELLS: usize = 1 << 14;

/// Cells of a large model, created on first use: the map goes from a
/// combination's dense index to its cell, `keys` holds each cell's dense
/// index for `finish`.
#[derive(Default)]
struct SparseCells {
    map: std::collections::HashMap<u64, u32>,
    keys: Vec<u64>,
}

impl SparseCells {
    /// Out of line: small models (every benchmark, most scenarios) never
    /// come here, and keeping it out keeps [`Collector::cell`] inlined.
    #[inline(never)]
    fn cell(&mut self, dense: u64, cells: &mut Vec<Cell>) -> CellId {
        CellId(*self.map.entry(dense).or_insert_with(|| {
            cells.push(Cell::default());
            self.keys.push(dense);
            cells.len() as u32 - 1
        }))
    }
}

/// Collects one replication's statistics.
pub struct Collector {
    window_start: f64,
    window_end: f64,
    interval_s: f64,
    sl_threshold_s: f64,
    /// Per channel, when some channel has its own threshold.
    channel_threshold: Option<Box<[f64]>>,
    short_abandon_s: f64,
    n_channels: usize,
    n_queues_plus_one: usize,
    cells: Vec<Cell>,
    /// `None`: every (source, channel, queue) cell is preallocated at its
    /// dense index (arithmetic, no lookup on the hot path).
    sparse: Option<Box<SparseCells>>,
    intervals: Vec<IntervalCell>,
    /// Per used cell, one entry per interval, from the cell's `slices` on.
    slices: Vec<SliceCell>,
    /// Group levels are integrated from their changes: a change ΔL at time t
    /// in interval k adds ΔL·(end_k − t) to `group_changes[k].acc` and ΔL
    /// to its `delta`; `finish` rebuilds each interval's integral as
    /// L(start_k)·width + acc. One pass per change, no bookkeeping of when
    /// the level last changed. `[interval × groups]`.
    group_changes: Vec<GroupChanges>,
    /// Per group: the level entering the counted window.
    group_init: Vec<GroupTime>,
    /// Per group: its level and current interval.
    group_now: Vec<GroupNow>,
    steps: Vec<StepKpis<u64>>,
    /// Per group: reservation events, by [`ReservationEvent`].
    reservations: Vec<[u64; 5]>,
    filters: Vec<FilterKpis<u64>>,
    queue_flow: Vec<QueueFlowKpis<u64>>,
    /// Worker-seconds per (group, activity) inside the counted window; a
    /// change at t moves (window end − t) from one activity to the other.
    activity_time: Vec<f64>,
    n_activities: usize,
    /// Per group: disconnects in the counted window.
    disconnects: Vec<u64>,
    /// Per group, per hour of day: worker-seconds in a non-Offline activity
    /// inside the window (for costs by hour of day).
    online_by_hour: Vec<[f64; 24]>,
    /// Workers in a non-Offline activity per interval (for costs by
    /// interval), integrated from their changes like the group levels:
    /// `[interval × groups]` sums of change × time to the interval's end…
    online_acc: Vec<f64>,
    /// … and of changes, `[interval × groups]`.
    online_delta: Vec<f64>,
    /// Per group: workers in a non-Offline activity entering the window.
    online_init: Vec<f64>,
    /// Fault counts of counted contacts; `LookupTime` holds the sum.
    faults: FaultKpis,
    blocking: BlockKpis,
    self_service: SelfServiceKpis,
    /// Per channel.
    conversations: Vec<ConversationSums>,
}

/// Adds `sign` × the time of `[a, b)` falling in each hour of day.
fn add_by_hour(out: &mut [f64; 24], a: f64, b: f64, sign: f64) {
    if b <= a {
        return;
    }
    let days = ((b - a) / 86_400.0).floor();
    if days > 0.0 {
        out.iter_mut().for_each(|x| *x += sign * days * 3600.0);
    }
    let mut t = a + days * 86_400.0;
    while t < b {
        let hour = (t / 3600.0).floor();
        let next = ((hour + 1.0) * 3600.0).min(b);
        out[(hour as i64).rem_euclid(24) as usize] += sign * (next - t);
        t = next;
    }
}

impl Collector {
    /// A collector for a scenario's counted window and segments.
    pub fn new(s: &Scenario) -> Collector {
        let n_cells = s.sources.len() * s.channels.len() * (s.queues.len() + 1);
        Collector::with_cells(s, n_cells <= DENSE_CELLS)
    }

    /// A collector with every cell preallocated (`dense`) or made on first use.
    fn with_cells(s: &Scenario, dense: bool) -> Collector {
        let n_cells = s.sources.len() * s.channels.len() * (s.queues.len() + 1);
        let n_int = s.sim.interval_count();
        Collector {
            window_start: s.sim.warmup_s,
            window_end: s.sim.horizon_s,
            interval_s: s.sim.interval_s,
            sl_threshold_s: s.sim.service_level_threshold_s,
            channel_threshold: s
                .channels
                .iter()
                .any(|c| c.service_level_threshold_s.is_some())
                .then(|| {
                    s.channels
                        .iter()
                        .map(|c| {
                            c.service_level_threshold_s
                                .unwrap_or(s.sim.service_level_threshold_s)
                        })
                        .collect()
                }),
            conversations: vec![ConversationSums::default(); s.channels.len()],
            short_abandon_s: s.sim.short_abandon_threshold_s,
            n_channels: s.channels.len(),
            n_queues_plus_one: s.queues.len() + 1,
            cells: if dense {
                vec![Cell::default(); n_cells]
            } else {
                Vec::new()
            },
            sparse: (!dense).then(Box::default),
            intervals: vec![IntervalCell::default(); n_int],
            slices: Vec::new(),
            group_changes: vec![GroupChanges::default(); n_int * s.groups.len()],
            group_init: vec![GroupTime::default(); s.groups.len()],
            group_now: vec![
                GroupNow {
                    level: GroupLevel::default(),
                    interval: 0,
                    end: if n_int == 1 {
                        s.sim.horizon_s
                    } else {
                        s.sim.warmup_s + s.sim.interval_s
                    },
                };
                s.groups.len()
            ],
            steps: vec![StepKpis::default(); s.workflow.steps.len()],
            reservations: vec![[0; 5]; s.groups.len()],
            n_activities: s.activities.len(),
            disconnects: vec![0; s.groups.len()],
            online_by_hour: vec![[0.0; 24]; s.groups.len()],
            online_acc: vec![0.0; n_int * s.groups.len()],
            online_delta: vec![0.0; n_int * s.groups.len()],
            online_init: vec![0.0; s.groups.len()],
            faults: FaultKpis::default(),
            blocking: BlockKpis::default(),
            self_service: SelfServiceKpis::default(),
            activity_time: {
                // Every worker starts Offline.
                let n = s.activities.len();
                let width = s.sim.horizon_s - s.sim.warmup_s;
                let mut v = vec![0.0; s.groups.len() * n];
                for (g, group) in s.groups.iter().enumerate() {
                    v[g * n + usize::from(crate::scenario::OFFLINE)] =
                        f64::from(group.count) * width;
                }
                v
            },
            filters: vec![FilterKpis::default(); s.workflow.filters.len()],
            queue_flow: vec![QueueFlowKpis::default(); s.queues.len()],
        }
    }

    /// The cell of a contact; `queue` is `None` for contacts no queue received.
    #[inline]
    pub fn cell(&mut self, source: u32, channel: u32, queue: Option<u32>) -> CellId {
        let q = queue.map_or(0, |q| q as usize + 1);
        let dense =
            (source as usize * self.n_channels + channel as usize) * self.n_queues_plus_one + q;
        match &mut self.sparse {
            None => CellId(dense as u32),
            Some(sparse) => sparse.cell(dense as u64, &mut self.cells),
        }
    }

    /// True when a contact arriving at `t` counts in the KPIs.
    #[inline]
    pub fn counts(&self, arrival: f64) -> bool {
        arrival >= self.window_start && arrival < self.window_end
    }

    /// The interval of the counted window a contact arriving at `arrival`
    /// counts in (the last one for a later arrival, the first for an earlier).
    ///
    /// Through `u32`: its saturating conversion is shorter than `usize`'s
    /// and gives the same index (anything past `u32::MAX` is capped anyway).
    #[inline]
    pub fn interval_of(&self, arrival: f64) -> usize {
        let k = ((arrival - self.window_start) / self.interval_s) as u32;
        (k as usize).min(self.intervals.len() - 1)
    }

    /// A counted contact arrived in interval `i` ([`Collector::interval_of`]
    /// its arrival; its segment cell counts it at its outcome, in the queue
    /// where routing ended).
    #[inline]
    pub fn arrived(&mut self, i: usize) {
        self.intervals[i].offered += 1;
    }

    /// The index in `slices` of a cell's counters for interval `i`.
    #[inline]
    fn slice_index(&mut self, cell: CellId, i: usize) -> usize {
        match self.cells[cell.0 as usize].slices {
            Some(base) => base as usize + i,
            None => self.new_slices(cell) + i,
        }
    }

    /// Makes a cell's counters for every interval, at its first outcome.
    #[cold]
    #[inline(never)]
    fn new_slices(&mut self, cell: CellId) -> usize {
        let base = self.slices.len();
        self.slices
            .resize(base + self.intervals.len(), SliceCell::default());
        self.cells[cell.0 as usize].slices = Some(base as u32);
        base
    }

    /// Counts an attempt that arrived in interval `i` offered in a cell (a
    /// redial or not); returns the index of its slice.
    #[inline]
    fn offered(&mut self, cell: CellId, i: usize, redial: bool) -> usize {
        let s = self.slice_index(cell, i);
        self.slices[s].offered += 1;
        self.cells[cell.0 as usize].redials += u64::from(redial);
        s
    }

    /// Counts an attempt offered (see [`Collector::offered`]) and returns
    /// its cell, for outcomes counted only in the whole window.
    #[inline]
    fn offered_cell(&mut self, cell: CellId, arrival: f64, redial: bool) -> &mut Cell {
        let i = self.interval_of(arrival);
        self.offered(cell, i, redial);
        &mut self.cells[cell.0 as usize]
    }

    /// A counted contact that arrived in interval `i` ([`Collector::interval_of`]
    /// its arrival, which the engine keeps with the task) was answered after
    /// waiting `wait` seconds.
    #[inline]
    pub fn answered(
        &mut self,
        cell: CellId,
        channel: u32,
        i: usize,
        wait: f64,
        handle: f64,
        redial: bool,
    ) {
        let within = wait <= self.threshold(channel);
        let s = self.offered(cell, i, redial);
        let sl = &mut self.slices[s];
        sl.answered += 1;
        sl.answered_within += u64::from(within);
        sl.wait_answered_s += wait;
        sl.waits.record(wait);
        let c = &mut self.cells[cell.0 as usize];
        c.wait_answered_s += wait;
        c.wait_max_s = c.wait_max_s.max(wait);
        c.handle_s += handle;
        let iv = &mut self.intervals[i];
        iv.answered += 1;
        iv.answered_within += u64::from(within);
        iv.wait_answered_s += wait;
    }

    /// A counted contact that arrived in interval `i` abandoned after
    /// waiting `wait` seconds.
    #[inline]
    pub fn abandoned(&mut self, cell: CellId, i: usize, wait: f64, redial: bool) {
        let short = u64::from(wait < self.short_abandon_s);
        let s = self.offered(cell, i, redial);
        let sl = &mut self.slices[s];
        sl.abandoned += 1;
        sl.short_abandoned += short;
        let iv = &mut self.intervals[i];
        iv.abandoned += 1;
        iv.short_abandoned += short;
    }

    /// A worker of `group` changes activity at `t`.
    #[inline]
    pub fn activity_change(&mut self, group: usize, t: f64, from: u8, to: u8) {
        if t >= self.window_end {
            return;
        }
        let from_t = t.max(self.window_start);
        let rest = self.window_end - from_t;
        let row = group * self.n_activities;
        self.activity_time[row + usize::from(from)] -= rest;
        self.activity_time[row + usize::from(to)] += rest;
        let offline = crate::scenario::OFFLINE;
        if (from == offline) != (to == offline) {
            let sign = if to == offline { -1.0 } else { 1.0 };
            add_by_hour(
                &mut self.online_by_hour[group],
                from_t,
                self.window_end,
                sign,
            );
            if t < self.window_start {
                self.online_init[group] += sign;
            } else {
                let (i, end) = self.interval_index(group, t);
                self.online_acc[i] += sign * (end - t);
                self.online_delta[i] += sign;
            }
        }
    }

    /// The current level of a group, for the engine to change through [`Collector::set_level`].
    #[inline]
    pub fn level(&self, group: usize) -> GroupLevel {
        self.group_now[group].level
    }

    /// Changes the work half of a group's level (workers holding a task,
    /// units in use) at time `t`: what every reservation and completion does.
    #[inline(always)]
    pub fn change_work(&mut self, group: usize, t: f64, busy: i32, units: i32) {
        let (n_groups, n_intervals) = (self.group_now.len(), self.intervals.len());
        // One look-up of the group serves its level and its cursor.
        let now = &mut self.group_now[group];
        now.level.busy = now.level.busy.wrapping_add_signed(busy);
        now.level.units = now.level.units.wrapping_add_signed(units);
        let cursor = now.cursor(t, n_intervals);
        if t >= self.window_end {
            return;
        }
        let (db, du) = (f64::from(busy), f64::from(units));
        if t < self.window_start {
            let init = &mut self.group_init[group];
            init.busy += db;
            init.units += du;
            return;
        }
        let (i, end) = match cursor {
            Some((k, end)) => (k * n_groups + group, end),
            None => self.advance_cursor(group, t),
        };
        let x = &mut self.group_changes[i];
        x.acc.busy += db * (end - t);
        x.acc.units += du * (end - t);
        x.delta.busy += db;
        x.delta.units += du;
    }

    /// Index into the `[interval × groups]` tables for a change at `t` inside
    /// the window, and that interval's end, moving the group's cursor forward.
    ///
    /// Most changes fall in the cursor's interval: that test is inline and
    /// stores nothing; crossing into a later interval is out of line.
    #[inline(always)]
    fn interval_index(&mut self, group: usize, t: f64) -> (usize, f64) {
        let n_groups = self.group_now.len();
        match self.group_now[group].cursor(t, self.intervals.len()) {
            Some((k, end)) => (k * n_groups + group, end),
            None => self.advance_cursor(group, t),
        }
    }

    /// [`Collector::interval_index`] when `t` is past the cursor's interval.
    #[cold]
    #[inline(never)]
    fn advance_cursor(&mut self, group: usize, t: f64) -> (usize, f64) {
        let last = self.intervals.len() - 1;
        let now = &self.group_now[group];
        let (mut k, mut end) = (now.interval, now.end);
        while t >= end && k < last {
            k += 1;
            end = if k == last {
                self.window_end
            } else {
                self.window_start + (k + 1) as f64 * self.interval_s
            };
        }
        let now = &mut self.group_now[group];
        (now.interval, now.end) = (k, end);
        (k * self.group_now.len() + group, end)
    }

    /// Changes a group's level at time `t`.
    #[inline]
    pub fn set_level(&mut self, group: usize, t: f64, level: GroupLevel) {
        let old = std::mem::replace(&mut self.group_now[group].level, level);
        if t >= self.window_end {
            return;
        }
        let d = GroupTime {
            logged_in: f64::from(level.logged_in) - f64::from(old.logged_in),
            busy: f64::from(level.busy) - f64::from(old.busy),
            capacity: f64::from(level.capacity) - f64::from(old.capacity),
            units: f64::from(level.units) - f64::from(old.units),
        };
        if t < self.window_start {
            self.group_init[group].add(&d, 1.0);
            return;
        }
        let (i, end) = self.interval_index(group, t);
        let x = &mut self.group_changes[i];
        x.acc.add(&d, end - t);
        x.delta.add(&d, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same outcomes recorded in cells made on first use (in a scrambled
    /// order) and in preallocated cells give bit-identical KPIs.
    #[test]
    fn sparse_cells_fold_like_dense_ones() {
        let s = crate::scenario::tiny_scenario();
        let record = |c: &mut Collector, order: &[Option<u32>]| {
            for (i, &queue) in order.iter().enumerate() {
                let t = 60.0 + i as f64 * 7.3;
                let cell = c.cell(0, 0, queue);
                let k = c.interval_of(t);
                c.arrived(k);
                match i % 3 {
                    0 => c.answered(cell, 0, k, 0.1 * i as f64, 200.0 + 0.37 * i as f64, false),
                    1 => c.abandoned(cell, k, 3.3 * i as f64, i % 2 == 0),
                    _ => c.transfer_event(cell, TransferEvent::Answered, 1.1 * i as f64),
                }
            }
        };
        let order: Vec<Option<u32>> = (0..30).map(|i| (i % 3 != 1).then_some(0)).collect();
        let mut scrambled = order.clone();
        scrambled.reverse();
        let mut dense = Collector::with_cells(&s, true);
        let mut sparse = Collector::with_cells(&s, false);
        record(&mut dense, &order);
        record(&mut sparse, &order);
        assert!(sparse.sparse.is_some());
        assert_eq!(sparse.cells.len(), 2, "only the cells used exist");
        let (a, b) = (dense.finish(&s, 30, 0), sparse.finish(&s, 30, 0));
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        // Order of first use does not matter either.
        let mut late = Collector::with_cells(&s, false);
        record(&mut late, &scrambled);
        let mut early = Collector::with_cells(&s, true);
        record(&mut early, &scrambled);
        let (c, d) = (early.finish(&s, 30, 0), late.finish(&s, 30, 0));
        assert_eq!(format!("{c:?}"), format!("{d:?}"));
        assert_eq!(a.overall[Kpi::Answered], 10.0);
    }
}
