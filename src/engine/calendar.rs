//! The event calendar: a binary min-heap keyed by (time, sequence number), so
//! events at equal times come out in the order they were scheduled and the
//! order never depends on heap internals. Cancellation is lazy: events carry
//! generation numbers that the handler checks.

use super::event::Event;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Times are non-negative and finite, so their IEEE bit patterns order like
/// the numbers and compare as plain integers — provided -0.0 is stored as
/// +0.0: its sign bit would sort it after every positive time ([`key`]).
#[derive(Clone, Copy)]
struct Entry {
    time_bits: u64,
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
        other
            .time_bits
            .cmp(&self.time_bits)
            .then(other.seq.cmp(&self.seq))
    }
}

/// The ordering key of a time: its bits, with -0.0 folded into +0.0
/// (adding +0.0 leaves every other non-negative time unchanged).
#[inline]
fn key(time: f64) -> u64 {
    (time + 0.0).to_bits()
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
        debug_assert!(
            time.is_finite() && time >= 0.0,
            "event time must be finite and non-negative"
        );
        self.seq += 1;
        self.heap.push(Entry {
            time_bits: key(time),
            seq: self.seq,
            event,
        });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, Event)> {
        self.heap
            .pop()
            .map(|e| (f64::from_bits(e.time_bits), e.event))
    }

    /// The earliest event, left in place.
    #[inline]
    pub fn peek(&self) -> Option<(f64, Event)> {
        self.heap
            .peek()
            .map(|e| (f64::from_bits(e.time_bits), e.event))
    }

    /// Replaces the earliest event with `event` at `time` (≥ the earliest
    /// time), exactly as `pop` followed by `schedule` would, with one sift
    /// instead of two. Used for a source's next arrival.
    #[inline]
    pub fn reschedule_first(&mut self, time: f64, event: Event) {
        debug_assert!(
            time.is_finite() && time >= 0.0,
            "event time must be finite and non-negative"
        );
        self.seq += 1;
        if let Some(mut top) = self.heap.peek_mut() {
            *top = Entry {
                time_bits: key(time),
                seq: self.seq,
                event,
            };
        }
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

    /// An event at -0.0 is an event at 0, not after every later event.
    #[test]
    fn negative_zero_is_zero() {
        let mut c = Calendar::default();
        c.schedule(600.0, Event::Shift { group: 1 });
        c.schedule(-0.0, Event::Shift { group: 2 });
        let (t, e) = c.pop().unwrap();
        assert!(matches!(e, Event::Shift { group: 2 }));
        assert_eq!(t.to_bits(), 0.0f64.to_bits());
    }

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

    #[test]
    fn reschedule_first_equals_pop_then_schedule() {
        let mut a = Calendar::default();
        let mut b = Calendar::default();
        for (i, t) in [3.0, 1.0, 2.0, 1.0].into_iter().enumerate() {
            a.schedule(t, Event::Shift { group: i as u32 });
            b.schedule(t, Event::Shift { group: i as u32 });
        }
        a.pop();
        a.schedule(2.0, Event::Shift { group: 9 });
        b.reschedule_first(2.0, Event::Shift { group: 9 });
        let drain = |c: &mut Calendar| std::iter::from_fn(|| c.pop()).collect::<Vec<_>>();
        assert_eq!(drain(&mut a), drain(&mut b));
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
