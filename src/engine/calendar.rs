//! The event calendar: a binary min-heap keyed by (time, sequence number), so
//! events at equal times come out in the order they were scheduled and the
//! order never depends on heap internals. Cancellation is lazy: events carry
//! generation numbers that the handler checks.

use super::event::Event;

/// A pending event and its ordering key: the time's IEEE bits in the high
/// half and the scheduling sequence number in the low half, so one `u128`
/// comparison orders by (time, seq). Times are non-negative and finite, so
/// their bit patterns order like the numbers — provided -0.0 is stored as
/// +0.0: its sign bit would sort it after every positive time ([`key`]).
#[derive(Clone, Copy)]
struct Entry {
    key: u128,
    event: Event,
}

/// The ordering key of a time: its bits, with -0.0 folded into +0.0
/// (adding +0.0 leaves every other non-negative time unchanged).
#[inline]
fn key(time: f64, seq: u64) -> u128 {
    (u128::from((time + 0.0).to_bits()) << 64) | u128::from(seq)
}

#[inline]
fn time_of(key: u128) -> f64 {
    f64::from_bits((key >> 64) as u64)
}

/// Pending events in (time, seq) order: a binary min-heap in a `Vec`.
///
/// Hand-written rather than `std::collections::BinaryHeap` so the key is
/// one `u128` compare instead of a two-field `Ord` and an arrival replaces
/// the top in place; [`Calendar::pop`] sifts the hole to the bottom and the
/// last entry back up (new entries are mostly late, so it rarely rises).
/// About 3% fewer instructions per contact on the single-queue benchmark.
#[derive(Default)]
pub struct Calendar {
    heap: Vec<Entry>,
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
        let e = Entry {
            key: key(time, self.seq),
            event,
        };
        self.heap.push(e);
        self.sift_up(self.heap.len() - 1, e);
    }

    /// Moves `e` (whose slot is the hole at `i`) up to its place.
    #[inline]
    fn sift_up(&mut self, mut i: usize, e: Entry) {
        let h = &mut self.heap;
        while i > 0 {
            let parent = (i - 1) / 2;
            if h[parent].key <= e.key {
                break;
            }
            h[i] = h[parent];
            i = parent;
        }
        h[i] = e;
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, Event)> {
        let top = self.peek()?;
        self.remove_first();
        Some(top)
    }

    /// Removes the earliest event (the loop has read it with [`Calendar::peek`]
    /// already, so nothing is copied out).
    #[inline(always)]
    pub fn remove_first(&mut self) {
        let Some(last) = self.heap.pop() else {
            return;
        };
        if self.heap.is_empty() {
            return;
        }
        // Walk the hole from the root down along the smaller child to a
        // leaf, then put the former last entry there and sift it up.
        let h = &mut self.heap;
        let n = h.len();
        let mut i = 0;
        let mut child = 1;
        while child + 1 < n {
            child += usize::from(h[child + 1].key < h[child].key);
            h[i] = h[child];
            i = child;
            child = 2 * i + 1;
        }
        if child < n {
            h[i] = h[child];
            i = child;
        }
        self.sift_up(i, last);
    }

    /// The earliest event, left in place.
    #[inline]
    pub fn peek(&self) -> Option<(f64, Event)> {
        self.heap.first().map(|e| (time_of(e.key), e.event))
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
        let e = Entry {
            key: key(time, self.seq),
            event,
        };
        let h = &mut self.heap;
        let n = h.len();
        if n == 0 {
            return;
        }
        // Sift down from the root.
        let mut i = 0;
        loop {
            let mut child = 2 * i + 1;
            if child >= n {
                break;
            }
            if child + 1 < n && h[child + 1].key < h[child].key {
                child += 1;
            }
            if e.key <= h[child].key {
                break;
            }
            h[i] = h[child];
            i = child;
        }
        h[i] = e;
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
