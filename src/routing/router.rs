//! The run-time heaps: waiting tasks per waitlist, free workers per idle
//! heap (a pool on a channel, [`Plan::idle_heap`]). Both delete lazily and
//! compact themselves.

use super::Plan;
use crate::heap;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// A task waiting in a waitlist.
#[derive(Debug, Clone, Copy)]
pub struct WaitEntry {
    /// Larger is served first: priority (0 in LIFO lists).
    pub rank: u32,
    /// Creation time (FIFO: older first; LIFO: newer first).
    pub created: f64,
    /// Arrival sequence: the last tie-break.
    pub seq: u64,
    /// Task slot.
    pub task: u32,
    /// Slot generation and routing epoch when queued; stale if either changed.
    pub generation: u32,
    /// Routing epoch (step entries) when queued.
    pub epoch: u32,
    /// LIFO ordering.
    pub lifo: bool,
}

impl WaitEntry {
    /// True if `self` should be served before `other` (same kind of list).
    #[inline]
    pub fn better_than(&self, other: &WaitEntry) -> bool {
        self.cmp(other) == Ordering::Greater
    }
}

impl PartialEq for WaitEntry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for WaitEntry {}
impl PartialOrd for WaitEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for WaitEntry {
    #[inline]
    fn cmp(&self, o: &Self) -> Ordering {
        if self.lifo {
            self.created
                .total_cmp(&o.created)
                .then(self.seq.cmp(&o.seq))
        } else {
            self.rank
                .cmp(&o.rank)
                .then(o.created.total_cmp(&self.created))
                .then(o.seq.cmp(&self.seq))
        }
    }
}

/// A worker with free capacity, keyed by the time of its last reservation.
#[derive(Debug, Clone, Copy)]
pub struct IdleEntry {
    /// The time of the last reservation (`-inf` for never reserved) as an
    /// integer in the same order, so the heap compares integers.
    since: u64,
    /// Worker index.
    pub worker: u32,
    /// Worker stamp when offered; a mismatch means the entry is stale.
    pub stamp: u32,
}

impl IdleEntry {
    /// A worker last reserved at `since` (`-inf`: never), offered under `stamp`.
    #[inline]
    pub fn new(since: f64, worker: u32, stamp: u32) -> IdleEntry {
        // The IEEE 754 total order as unsigned integers: flip every bit of
        // a negative number, only the sign bit of a positive one.
        let bits = since.to_bits();
        let since = bits ^ (((bits as i64 >> 63) as u64) | (1 << 63));
        IdleEntry {
            since,
            worker,
            stamp,
        }
    }

    /// True if `self` has waited longer (goes first).
    #[inline]
    pub fn before(&self, o: &IdleEntry) -> bool {
        self.cmp(o) == Ordering::Greater
    }

    /// The heap key: smaller goes first, (since, worker) then stamp.
    #[inline]
    pub fn key(&self) -> u128 {
        (u128::from(self.since) << 64) | (u128::from(self.worker) << 32) | u128::from(self.stamp)
    }

    /// The entry of a heap key ([`IdleEntry::key`]).
    #[inline]
    pub fn from_key(key: u128) -> IdleEntry {
        IdleEntry {
            since: (key >> 64) as u64,
            worker: (key >> 32) as u32,
            stamp: key as u32,
        }
    }
}

impl PartialEq for IdleEntry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for IdleEntry {}
impl PartialOrd for IdleEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for IdleEntry {
    /// Reversed: the max-heap pops the longest-idle worker.
    #[inline]
    fn cmp(&self, o: &Self) -> Ordering {
        (o.since, o.worker).cmp(&(self.since, self.worker))
    }
}

/// The tasks of one waitlist, and how many of its entries are known stale.
///
/// Entries are a heap plus a run beside it in serving order: an entry
/// served no earlier than the run's last joins the run (O(1) in and out,
/// no sift), any other the heap; the next task is the better of the two
/// fronts. In a FIFO list tasks mostly join in arrival order, so the heap
/// stays empty. Live entries are distinct tasks with distinct sequence
/// numbers, so they come out in exactly the order a heap alone gives; an
/// entry tied with them is a stale copy of the same task, skipped either way.
#[derive(Default)]
struct Waiting {
    heap: BinaryHeap<WaitEntry>,
    run: VecDeque<WaitEntry>,
    stale: u32,
}

impl Waiting {
    #[inline]
    fn len(&self) -> usize {
        self.heap.len() + self.run.len()
    }

    #[inline(always)]
    fn push(&mut self, e: WaitEntry) {
        if self.run.back().is_none_or(|last| !e.better_than(last)) {
            self.run.push_back(e);
        } else {
            self.heap.push(e);
        }
    }

    /// The entry served next, and whether it is the run's.
    #[inline]
    fn peek(&self) -> Option<(&WaitEntry, bool)> {
        match (self.heap.peek(), self.run.front()) {
            (Some(h), Some(r)) => Some(if h.better_than(r) {
                (h, false)
            } else {
                (r, true)
            }),
            (Some(h), None) => Some((h, false)),
            (None, Some(r)) => Some((r, true)),
            (None, None) => None,
        }
    }

    /// Removes the entry [`Waiting::peek`] returns.
    #[inline]
    fn pop(&mut self) {
        match self.peek() {
            Some((_, true)) => {
                self.run.pop_front();
            }
            Some((_, false)) => {
                self.heap.pop();
            }
            None => {}
        }
    }
}

/// The free workers of one (pool, channel), and how many can be live at
/// once (beyond that, stale entries dominate and the heap compacts).
struct Idle {
    heap: IdleHeap,
    bound: u32,
}

/// A min-heap ([`crate::heap`]) of idle entries as [`IdleEntry::key`]s: one
/// `u128` compare orders by (since, worker). `std`'s `BinaryHeap` compared a
/// tuple and cost about twice as many instructions per pop. Entries equal in
/// (since, worker) differ only in stamp: at most one of them is valid and
/// they name the same worker, so which comes first never changes a choice.
#[derive(Default)]
struct IdleHeap {
    keys: Vec<u128>,
}

impl IdleHeap {
    #[inline]
    fn len(&self) -> usize {
        self.keys.len()
    }

    #[inline]
    fn peek(&self) -> Option<u128> {
        self.keys.first().copied()
    }

    #[inline]
    fn push(&mut self, key: u128) {
        heap::push(&mut self.keys, key);
    }

    /// Removes the smallest key (no-op when empty).
    #[inline(always)]
    fn pop(&mut self) {
        heap::pop(&mut self.keys);
    }

    /// Keeps the keys `keep` accepts, restoring the heap order.
    fn retain(&mut self, keep: impl Fn(u128) -> bool) {
        self.keys.retain(|&k| keep(k));
        heap::heapify(&mut self.keys);
    }
}

/// Waiting tasks per waitlist and free workers per idle heap.
pub struct Router {
    waiting: Vec<Waiting>,
    /// Bit `wl % 64` of word `wl / 64`: waitlist `wl` may hold entries. Set
    /// by every enqueue, cleared only by [`Router::clear_if_empty`] (a
    /// reader that found the list empty), so a set bit may be out of date
    /// but a clear one never is: a list with entries always has its bit.
    occupied: Vec<u64>,
    idle: Vec<Idle>,
}

impl Router {
    /// Empty heaps for a plan: a waitlist each, and an idle heap per pool
    /// and channel.
    pub fn new(plan: &Plan) -> Router {
        let n_channels = plan.n_channels as usize;
        Router {
            waiting: (0..plan.waitlists.len())
                .map(|_| Waiting::default())
                .collect(),
            occupied: vec![0; plan.waitlists.len().div_ceil(64)],
            idle: (0..plan.pool_bound.len() * n_channels)
                .map(|i| Idle {
                    heap: IdleHeap::default(),
                    bound: plan.pool_bound[i / n_channels],
                })
                .collect(),
        }
    }

    /// Puts a task in a waitlist.
    #[inline(always)]
    pub fn enqueue(&mut self, waitlist: u32, e: WaitEntry) {
        self.waiting[waitlist as usize].push(e);
        self.occupied[waitlist as usize / 64] |= 1 << (waitlist % 64);
    }

    /// Word `k` of the waitlists that may hold entries: bit `b` for
    /// waitlist `64k + b` (set at every enqueue, cleared only by
    /// [`Router::clear_if_empty`]).
    #[inline]
    pub fn occupied(&self, k: u32) -> u64 {
        self.occupied[k as usize]
    }

    /// True when a waitlist holds no entry at all; its occupied bit is then
    /// cleared.
    #[inline]
    pub fn clear_if_empty(&mut self, waitlist: u32) -> bool {
        let empty = self.waiting[waitlist as usize].len() == 0;
        if empty {
            self.occupied[waitlist as usize / 64] &= !(1 << (waitlist % 64));
        }
        empty
    }

    /// Notes that a task left a waitlist unserved; compacts when stale entries dominate.
    #[inline]
    pub fn left_unserved(&mut self, waitlist: u32, live: impl Fn(&WaitEntry) -> bool) {
        let w = &mut self.waiting[waitlist as usize];
        w.stale += 1;
        let stale = w.stale as usize;
        if stale > 64 && stale * 2 > w.len() {
            w.heap.retain(|e| live(e));
            w.run.retain(|e| live(e));
            w.stale = 0;
        }
    }

    /// The best live task of a waitlist, dropping stale tops.
    #[inline(always)]
    pub fn peek_waiting(
        &mut self,
        waitlist: u32,
        live: impl Fn(&WaitEntry) -> bool,
    ) -> Option<WaitEntry> {
        let w = &mut self.waiting[waitlist as usize];
        while let Some((top, in_run)) = w.peek() {
            if live(top) {
                return Some(*top);
            }
            if in_run {
                w.run.pop_front();
            } else {
                w.heap.pop();
            }
            w.stale = w.stale.saturating_sub(1);
        }
        None
    }

    /// Every entry of a waitlist, stale ones included, in no order (for the
    /// audit trail; the caller tells live entries apart).
    pub fn waiting_entries(&self, waitlist: u32) -> impl Iterator<Item = &WaitEntry> {
        let w = &self.waiting[waitlist as usize];
        w.heap.iter().chain(&w.run)
    }

    /// Tasks waiting in a waitlist (entries less those known to be stale).
    #[inline]
    pub fn waiting_len(&self, waitlist: u32) -> usize {
        let w = &self.waiting[waitlist as usize];
        w.len() - w.stale as usize
    }

    /// True when a waitlist holds no entry at all, live or stale.
    #[inline]
    pub fn waitlist_empty(&self, waitlist: u32) -> bool {
        self.waiting[waitlist as usize].len() == 0
    }

    /// Removes the top of a waitlist after [`Router::peek_waiting`] returned it.
    #[inline(always)]
    pub fn pop_waiting(&mut self, waitlist: u32) {
        self.waiting[waitlist as usize].pop();
    }

    #[inline]
    fn idle(&mut self, heap: u32) -> &mut Idle {
        &mut self.idle[heap as usize]
    }

    /// Offers a free worker to an idle heap.
    #[inline(always)]
    pub fn push_idle(&mut self, heap: u32, e: IdleEntry, valid: impl Fn(&IdleEntry) -> bool) {
        let idle = self.idle(heap);
        idle.heap.push(e.key());
        if idle.heap.len() > 2 * idle.bound as usize + 64 {
            idle.heap.retain(|k| valid(&IdleEntry::from_key(k)));
        }
    }

    /// The longest-idle valid worker of an idle heap, left in place.
    #[inline]
    pub fn peek_idle(
        &mut self,
        heap: u32,
        valid: impl Fn(&IdleEntry) -> bool,
    ) -> Option<IdleEntry> {
        let heap = &mut self.idle(heap).heap;
        while let Some(top) = heap.peek() {
            let top = IdleEntry::from_key(top);
            if valid(&top) {
                return Some(top);
            }
            heap.pop();
        }
        None
    }

    /// Removes and returns the longest-idle valid worker of an idle heap:
    /// [`Router::peek_idle`] then [`Router::pop_idle`] in one.
    #[inline]
    pub fn take_idle(
        &mut self,
        heap: u32,
        valid: impl Fn(&IdleEntry) -> bool,
    ) -> Option<IdleEntry> {
        let heap = &mut self.idle(heap).heap;
        while let Some(top) = heap.peek() {
            let top = IdleEntry::from_key(top);
            heap.pop();
            if valid(&top) {
                return Some(top);
            }
        }
        None
    }

    /// Removes the top of an idle heap after [`Router::peek_idle`] returned it.
    #[inline]
    pub fn pop_idle(&mut self, heap: u32) {
        self.idle(heap).heap.pop();
    }

    /// Removes and returns every valid entry of an idle heap into `out`
    /// (for the slow path that must look past the top); the caller pushes
    /// back those it does not use.
    pub fn drain_idle(
        &mut self,
        heap: u32,
        valid: impl Fn(&IdleEntry) -> bool,
        out: &mut Vec<IdleEntry>,
    ) {
        let keys = &mut self.idle(heap).heap.keys;
        out.extend(keys.drain(..).map(IdleEntry::from_key).filter(|e| valid(e)));
    }

    /// Puts an entry back without compaction checks (after `drain_idle`).
    pub fn restore_idle(&mut self, heap: u32, e: IdleEntry) {
        self.idle(heap).heap.push(e.key());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(rank: u32, created: f64, seq: u64, lifo: bool) -> WaitEntry {
        WaitEntry {
            rank,
            created,
            seq,
            task: seq as u32,
            generation: 0,
            epoch: 0,
            lifo,
        }
    }

    #[test]
    fn fifo_priority_beats_age_then_oldest_first() {
        let mut h = BinaryHeap::new();
        for e in [
            w(0, 1.0, 1, false),
            w(10, 5.0, 2, false),
            w(0, 0.5, 3, false),
            w(10, 5.0, 4, false),
        ] {
            h.push(e);
        }
        let order: Vec<u64> = std::iter::from_fn(|| h.pop()).map(|e| e.seq).collect();
        assert_eq!(order, vec![2, 4, 3, 1]);
    }

    #[test]
    fn lifo_newest_first_ignoring_priority() {
        let mut h = BinaryHeap::new();
        for e in [w(0, 1.0, 1, true), w(0, 5.0, 2, true), w(0, 3.0, 3, true)] {
            h.push(e);
        }
        let order: Vec<u64> = std::iter::from_fn(|| h.pop()).map(|e| e.seq).collect();
        assert_eq!(order, vec![2, 3, 1]);
    }

    /// A waitlist's occupied bit is set by every enqueue and cleared only
    /// once a reader finds the list empty: a list with entries never has a
    /// clear bit.
    #[test]
    fn occupied_bits_cover_every_list_with_entries() {
        let s = crate::scenario::tiny_scenario();
        let plan = Plan::build(&s);
        let mut r = Router::new(&plan);
        assert_eq!(r.occupied(0), 0);
        r.enqueue(0, w(0, 1.0, 1, false));
        r.enqueue(0, w(0, 2.0, 2, false));
        assert_eq!(r.occupied(0) & 1, 1);
        assert!(!r.clear_if_empty(0));
        r.pop_waiting(0);
        assert!(!r.clear_if_empty(0), "one entry left");
        r.pop_waiting(0);
        assert_eq!(r.occupied(0) & 1, 1, "a stale bit until someone looks");
        assert!(r.clear_if_empty(0));
        assert_eq!(r.occupied(0) & 1, 0);
    }

    /// Property: heap and run together serve entries in exactly the order
    /// of a heap alone, with arrivals in order (the run), late entries of
    /// higher priority or older creation (the heap) and LIFO lists mixed.
    #[test]
    fn waiting_serves_in_heap_order() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        for lifo in [false, true] {
            let mut q = Waiting::default();
            let mut model = BinaryHeap::new();
            let mut seq = 0u64;
            for _ in 0..20_000 {
                let r: f64 = rng.random();
                if r < 0.5 {
                    seq += 1;
                    let rank = if rng.random::<f64>() < 0.2 { 5 } else { 0 };
                    let created = seq as f64 - if r < 0.1 { 50.0 } else { 0.0 };
                    let e = w(rank, created, seq, lifo);
                    q.push(e);
                    model.push(e);
                } else {
                    let got = q.peek().map(|(e, _)| e.seq);
                    assert_eq!(got, model.peek().map(|e| e.seq));
                    q.pop();
                    model.pop();
                }
                assert_eq!(q.len(), model.len());
            }
        }
    }

    /// Property: the idle heap pops keys in increasing order, through
    /// pushes, pops and compaction mixed at random.
    #[test]
    fn idle_heap_pops_sorted() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
        let mut h = IdleHeap::default();
        let mut model: Vec<u128> = Vec::new();
        for _ in 0..20_000 {
            let r: f64 = rng.random();
            if r < 0.55 {
                let k =
                    u128::from(rng.random::<u16>() % 512) << 64 | u128::from(rng.random::<u8>());
                h.push(k);
                model.push(k);
            } else if r < 0.99 {
                model.sort_unstable();
                assert_eq!(h.peek(), model.first().copied());
                h.pop();
                if !model.is_empty() {
                    model.remove(0);
                }
            } else {
                h.retain(|k| k % 3 != 0);
                model.retain(|k| k % 3 != 0);
            }
            assert_eq!(h.len(), model.len());
        }
    }

    #[test]
    fn longest_idle_first() {
        let a = IdleEntry::new(5.0, 0, 1);
        let b = IdleEntry::new(f64::NEG_INFINITY, 2, 1);
        let c = IdleEntry::new(1.0, 1, 1);
        let d = IdleEntry::new(-3.0, 3, 1);
        assert!(b.before(&d) && d.before(&c) && c.before(&a));
        // Equal times: the lower worker index first.
        assert!(IdleEntry::new(0.0, 1, 1).before(&IdleEntry::new(0.0, 2, 1)));
        assert!(IdleEntry::new(-0.0, 2, 1).before(&IdleEntry::new(0.0, 1, 1)));
    }
}
