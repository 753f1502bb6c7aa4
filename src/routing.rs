//! Routing: where a task waits and which worker gets it.
//!
//! Filters are evaluated once per task class at load time (the first matching
//! filter decides queue and priority, see [`crate::scenario::Route`]). At run
//! time the router keeps, per (queue, channel):
//! - a heap of waiting tasks, best first: higher priority, then older
//!   (creation time), then earlier arrival sequence (routing-semantics §2.6);
//! - a heap of workers with free capacity on that channel, longest since their
//!   last reservation first, never-reserved first, ties by worker index (§2.7).
//!
//! Both heaps delete lazily: entries carry a generation (task) or stamp
//! (worker) and are dropped when found stale, and a heap is compacted when
//! stale entries outnumber live ones, so nothing scans all tasks or workers.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A task waiting in a queue.
#[derive(Debug, Clone, Copy)]
pub struct WaitEntry {
    /// Higher is served first (routing-semantics §2.6).
    pub priority: u32,
    /// Creation time: escalated tasks keep their seniority.
    pub created: f64,
    /// Arrival sequence number: the last tie-break, so order is total.
    pub seq: u64,
    /// Task slot in the engine's slab.
    pub task: u32,
    /// Slot generation when queued; a mismatch means the entry is stale.
    pub generation: u32,
}

impl WaitEntry {
    /// True if `self` should be served before `other`.
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
        self.priority
            .cmp(&o.priority)
            .then(o.created.total_cmp(&self.created))
            .then(o.seq.cmp(&self.seq))
    }
}

/// A worker with free capacity, keyed by the time of its last reservation.
#[derive(Debug, Clone, Copy)]
pub struct IdleEntry {
    /// Time of the last reservation; `-inf` for never reserved.
    pub since: f64,
    /// Worker index.
    pub worker: u32,
    /// Worker stamp when offered; a mismatch means the entry is stale.
    pub stamp: u32,
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
        o.since
            .total_cmp(&self.since)
            .then(o.worker.cmp(&self.worker))
    }
}

/// Waiting tasks and free workers per (queue, channel).
pub struct Router {
    n_channels: usize,
    waiting: Vec<BinaryHeap<WaitEntry>>,
    /// Entries known to be stale per waiting heap (tasks that left it unserved).
    waiting_stale: Vec<u32>,
    idle: Vec<BinaryHeap<IdleEntry>>,
    /// Workers that can ever be in each idle heap (bounds its live entries).
    idle_members: Vec<u32>,
}

impl Router {
    /// Empty heaps for `n_queues × n_channels`; `members[q]` is the number of
    /// workers eligible for queue q.
    pub fn new(n_queues: usize, n_channels: usize, members: &[u32]) -> Router {
        let n = n_queues * n_channels;
        Router {
            n_channels,
            waiting: (0..n).map(|_| BinaryHeap::new()).collect(),
            waiting_stale: vec![0; n],
            idle: (0..n).map(|_| BinaryHeap::new()).collect(),
            idle_members: (0..n).map(|i| members[i / n_channels]).collect(),
        }
    }

    #[inline]
    fn slot(&self, queue: u32, channel: u32) -> usize {
        queue as usize * self.n_channels + channel as usize
    }

    /// Puts a task in its queue.
    #[inline]
    pub fn enqueue(&mut self, queue: u32, channel: u32, e: WaitEntry) {
        let i = self.slot(queue, channel);
        self.waiting[i].push(e);
    }

    /// Notes that a task in this queue left without being served; compacts the
    /// heap when stale entries dominate.
    #[inline]
    pub fn left_unserved(&mut self, queue: u32, channel: u32, live: impl Fn(&WaitEntry) -> bool) {
        let i = self.slot(queue, channel);
        self.waiting_stale[i] += 1;
        let stale = self.waiting_stale[i] as usize;
        if stale > 64 && stale * 2 > self.waiting[i].len() {
            self.waiting[i].retain(|e| live(e));
            self.waiting_stale[i] = 0;
        }
    }

    /// The best live waiting task of a (queue, channel), dropping stale tops.
    #[inline]
    pub fn peek_waiting(
        &mut self,
        queue: u32,
        channel: u32,
        live: impl Fn(&WaitEntry) -> bool,
    ) -> Option<WaitEntry> {
        let i = self.slot(queue, channel);
        let heap = &mut self.waiting[i];
        while let Some(top) = heap.peek() {
            if live(top) {
                return Some(*top);
            }
            heap.pop();
            self.waiting_stale[i] = self.waiting_stale[i].saturating_sub(1);
        }
        None
    }

    /// Removes the top of a (queue, channel) after [`Router::peek_waiting`] returned it.
    #[inline]
    pub fn pop_waiting(&mut self, queue: u32, channel: u32) {
        let i = self.slot(queue, channel);
        self.waiting[i].pop();
    }

    /// Offers a free worker to a (queue, channel).
    #[inline]
    pub fn push_idle(
        &mut self,
        queue: u32,
        channel: u32,
        e: IdleEntry,
        valid: impl Fn(&IdleEntry) -> bool,
    ) {
        let i = self.slot(queue, channel);
        let heap = &mut self.idle[i];
        heap.push(e);
        if heap.len() > 2 * self.idle_members[i] as usize + 64 {
            heap.retain(|e| valid(e));
        }
    }

    /// Takes the longest-idle valid worker of a (queue, channel).
    #[inline]
    pub fn take_idle(
        &mut self,
        queue: u32,
        channel: u32,
        valid: impl Fn(&IdleEntry) -> bool,
    ) -> Option<u32> {
        let i = self.slot(queue, channel);
        let heap = &mut self.idle[i];
        while let Some(top) = heap.pop() {
            if valid(&top) {
                return Some(top.worker);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(priority: u32, created: f64, seq: u64) -> WaitEntry {
        WaitEntry {
            priority,
            created,
            seq,
            task: seq as u32,
            generation: 0,
        }
    }

    #[test]
    fn priority_beats_age_then_oldest_first() {
        let mut r = Router::new(1, 1, &[1]);
        r.enqueue(0, 0, w(0, 1.0, 1));
        r.enqueue(0, 0, w(10, 5.0, 2));
        r.enqueue(0, 0, w(0, 0.5, 3));
        r.enqueue(0, 0, w(10, 5.0, 4));
        let mut order = Vec::new();
        while let Some(e) = r.peek_waiting(0, 0, |_| true) {
            order.push(e.seq);
            r.pop_waiting(0, 0);
        }
        assert_eq!(order, vec![2, 4, 3, 1]);
    }

    #[test]
    fn longest_idle_first_and_stale_skipped() {
        let mut r = Router::new(1, 1, &[3]);
        r.push_idle(
            0,
            0,
            IdleEntry {
                since: 5.0,
                worker: 0,
                stamp: 1,
            },
            |_| true,
        );
        r.push_idle(
            0,
            0,
            IdleEntry {
                since: f64::NEG_INFINITY,
                worker: 2,
                stamp: 1,
            },
            |_| true,
        );
        r.push_idle(
            0,
            0,
            IdleEntry {
                since: 1.0,
                worker: 1,
                stamp: 1,
            },
            |_| true,
        );
        assert_eq!(r.take_idle(0, 0, |e| e.worker != 2), Some(1));
        assert_eq!(r.take_idle(0, 0, |_| true), Some(0));
        assert_eq!(r.take_idle(0, 0, |_| true), None);
    }
}
