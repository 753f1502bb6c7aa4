//! The event calendar: a binary min-heap keyed by (time, sequence number), so
//! events at equal times come out in the order they were scheduled and the
//! order never depends on heap internals. Cancellation is lazy: events carry
//! generation numbers that the handler checks.

use super::event::Event;
use crate::heap::{self, Keyed};

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

/// Pending events in (time, seq) order: two min-heaps ([`crate::heap`]),
/// one for the sources' next arrivals and one for everything else.
///
/// Arrivals have a heap of their own (one entry per active source): each
/// arrival is replaced in place by the source's next one, which in the
/// main heap cost a sift down past the talk ends at every contact; in a
/// heap of one entry per source it costs next to nothing. The earliest
/// event is the smaller of the two tops. Keys are unique (the sequence
/// number), so the events come out in exactly the order of a single heap.
#[derive(Default)]
pub struct Calendar {
    heap: Vec<Entry>,
    arrivals: Vec<Entry>,
    seq: u64,
}

impl Keyed for Entry {
    #[inline(always)]
    fn key(&self) -> u128 {
        self.key
    }
}

impl Calendar {
    /// The entry of an event at `time`, numbered after every earlier one.
    #[inline]
    fn entry(&mut self, time: f64, event: Event) -> Entry {
        debug_assert!(
            time.is_finite() && time >= 0.0,
            "event time must be finite and non-negative"
        );
        self.seq += 1;
        Entry {
            key: key(time, self.seq),
            event,
        }
    }

    /// Adds an event; `time` must not be earlier than the current clock.
    /// Arrivals go through [`Calendar::schedule_arrival`].
    #[inline]
    pub fn schedule(&mut self, time: f64, event: Event) {
        debug_assert!(
            !matches!(event, Event::Arrival { .. }),
            "arrivals have their own heap"
        );
        let e = self.entry(time, event);
        heap::push(&mut self.heap, e);
    }

    /// Adds a source's first arrival (later ones replace it in place,
    /// [`Calendar::reschedule_arrival`]).
    pub fn schedule_arrival(&mut self, time: f64, event: Event) {
        let e = self.entry(time, event);
        heap::push(&mut self.arrivals, e);
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, Event)> {
        let top = self.peek()?;
        if matches!(top.1, Event::Arrival { .. }) {
            self.remove_arrival();
        } else {
            self.remove_first();
        }
        Some(top)
    }

    /// Removes the earliest event, which is not an arrival (the loop has
    /// read it with [`Calendar::peek`] already, so nothing is copied out).
    #[inline(always)]
    pub fn remove_first(&mut self) {
        heap::pop(&mut self.heap);
    }

    /// Removes the earliest event, an arrival whose source has no next one.
    #[inline]
    pub fn remove_arrival(&mut self) {
        heap::pop(&mut self.arrivals);
    }

    /// The earliest event, left in place.
    #[inline]
    pub fn peek(&self) -> Option<(f64, Event)> {
        let e = match (self.heap.first(), self.arrivals.first()) {
            (Some(h), Some(a)) => {
                if a.key < h.key {
                    a
                } else {
                    h
                }
            }
            (Some(h), None) => h,
            (None, a) => a?,
        };
        Some((time_of(e.key), e.event))
    }

    /// Replaces the earliest event, an arrival, with the source's next
    /// arrival `event` at `time` (≥ the earliest time), exactly as `pop`
    /// followed by `schedule_arrival` would, with one sift instead of two.
    #[inline]
    pub fn reschedule_arrival(&mut self, time: f64, event: Event) {
        let e = self.entry(time, event);
        if !self.arrivals.is_empty() {
            heap::replace_first(&mut self.arrivals, e);
        }
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len() + self.arrivals.len()
    }

    /// True when nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty() && self.arrivals.is_empty()
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

    /// Property: arrivals rescheduled in place, in their own heap, come out
    /// interleaved with the other events exactly as from one heap ordered
    /// by (time, scheduling order): the model is a sorted list.
    #[test]
    fn arrivals_interleave_as_one_heap() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
        let mut c = Calendar::default();
        // (time, scheduling order, event) of every pending event.
        let mut model: Vec<(f64, u64, Event)> = Vec::new();
        let mut order = 0u64;
        for source in 0..3u32 {
            let t = (rng.random::<f64>() * 5.0).floor();
            c.schedule_arrival(t, Event::Arrival { source });
            order += 1;
            model.push((t, order, Event::Arrival { source }));
        }
        for i in 0..20_000u32 {
            model.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let Some((t, ev)) = c.peek() else {
                assert!(model.is_empty());
                break;
            };
            let (mt, _, mev) = model.remove(0);
            assert_eq!((t.to_bits(), ev), (mt.to_bits(), mev));
            let later = |rng: &mut rand_xoshiro::Xoshiro256PlusPlus| {
                t + (rng.random::<f64>() * 10.0).floor()
            };
            if let Event::Arrival { .. } = ev {
                if rng.random::<f64>() < 0.999 {
                    let next = later(&mut rng);
                    c.reschedule_arrival(next, ev);
                    order += 1;
                    model.push((next, order, ev));
                } else {
                    c.remove_arrival();
                }
            } else {
                c.remove_first();
            }
            for _ in 0..rng.random_range(0..3) {
                let at = later(&mut rng);
                c.schedule(at, Event::Shift { group: i });
                order += 1;
                model.push((at, order, Event::Shift { group: i }));
            }
            assert_eq!(c.len(), model.len());
        }
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
