//! The event calendar: a binary min-heap keyed by (time, sequence number), so
//! events at equal times come out in the order they were scheduled and the
//! order never depends on heap internals. Cancellation is lazy: events carry
//! generation numbers that the handler checks.

use super::event::Event;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Clone, Copy)]
struct Entry {
    time: f64,
    seq: u64,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest event.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.time.total_cmp(&self.time).then(other.seq.cmp(&self.seq))
    }
}

/// Pending events in (time, seq) order.
#[derive(Default)]
pub struct Calendar {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl Calendar {
    /// Adds an event; `time` must not be earlier than the current clock.
    #[inline]
    pub fn schedule(&mut self, time: f64, event: Event) {
        debug_assert!(time.is_finite(), "event time must be finite");
        self.seq += 1;
        self.heap.push(Entry { time, seq: self.seq, event });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, Event)> {
        self.heap.pop().map(|e| (e.time, e.event))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_then_insertion_order() {
        let mut c = Calendar::default();
        c.schedule(5.0, Event::Shift { group: 1 });
        c.schedule(1.0, Event::Shift { group: 2 });
        c.schedule(5.0, Event::Shift { group: 3 });
        c.schedule(1.0, Event::Shift { group: 4 });
        let order: Vec<u32> = std::iter::from_fn(|| c.pop())
            .map(|(_, e)| match e {
                Event::Shift { group } => group,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(order, vec![2, 4, 1, 3]);
    }

    /// Property: random schedules always pop in non-decreasing (time, seq) order.
    #[test]
    fn random_schedules_pop_sorted() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
        let mut c = Calendar::default();
        let mut now = 0.0;
        let mut last = (0.0, 0u32);
        for i in 0..20_000u32 {
            if rng.random::<f64>() < 0.6 {
                let t = now + (rng.random::<f64>() * 10.0).floor();
                c.schedule(t, Event::Shift { group: i });
            } else if let Some((t, Event::Shift { group })) = c.pop() {
                assert!(t > last.0 || (t == last.0 && group > last.1) || last == (0.0, 0));
                last = (t, group);
                now = t;
            }
        }
    }
}
