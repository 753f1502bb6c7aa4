//! The floor: the single-queue Erlang A model (M/M/c+M, FIFO, longest-idle
//! agent) written as plainly as it can be, to measure how far the general
//! engine is from a hand-written loop of the same model.
//!
//! It is honest, not a toy: the same random streams as ccsim (its
//! `SourceState`, so the same customers in the same order), an event heap
//! keyed by (time, sequence), lazy cancellation of abandonments, agents
//! chosen by longest time since their last call, and the metrics a report
//! needs — per-interval offered / answered / within-threshold / abandoned,
//! wait sum and maximum, handle-time sum, a fixed-memory wait histogram for
//! the 90th percentile and the busy-agent time integral per interval. It
//! reproduces ccsim's counts exactly, which the bench checks before timing.
//!
//! It is as lean as a plain program of this model would be: its heaps are
//! the project's own (`ccsim::heap`, one `u128` key per entry, as ccsim's
//! calendar and idle heaps), and the one source's next arrival waits beside
//! the event heap rather than in it (ccsim's calendar keeps arrivals in a
//! heap of their own for the same reason). Written first with
//! `std::collections::BinaryHeap`, tuple keys and the arrival in the heap,
//! it needed 1 039 instructions per contact instead of 727 on the
//! single queue, which flattered ccsim's ratio.

use ccsim::arrivals::SourceState;
use ccsim::heap::{self, Keyed};
use ccsim::scenario::Scenario;
use std::collections::VecDeque;

/// What the floor measured over the counted window.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct FloorResult {
    /// Arrivals simulated (warm-up included), as ccsim's `contacts`.
    pub contacts: u64,
    pub offered: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub answered_within: u64,
    pub wait_sum: f64,
    pub wait_max: f64,
    pub handle_sum: f64,
    pub wait_p90: f64,
    /// Agent-seconds busy, summed over intervals.
    pub busy_s: f64,
}

/// A pending event: (time bits, sequence) in one key, so events at equal
/// times come out in scheduling order.
#[derive(Clone, Copy)]
struct Entry {
    key: u128,
    kind: u32,
    id: u32,
    generation: u32,
}
impl Keyed for Entry {
    #[inline(always)]
    fn key(&self) -> u128 {
        self.key
    }
}

const ARRIVAL: u32 = 0;
const ABANDON: u32 = 1;
const DONE: u32 = 2;

/// Linear 0.1 s buckets to 30 s, then 1% wide ones: fixed memory.
struct Histogram {
    counts: Vec<u32>,
    total: u64,
}

impl Histogram {
    fn new() -> Histogram {
        Histogram {
            counts: vec![0; 1300],
            total: 0,
        }
    }

    fn bucket(v: f64) -> usize {
        if v < 30.0 {
            (v.max(0.0) * 10.0) as usize
        } else {
            (300 + ((v / 30.0).ln() / 1.01f64.ln()) as usize).min(1299)
        }
    }

    fn record(&mut self, v: f64) {
        self.counts[Self::bucket(v)] += 1;
        self.total += 1;
    }

    /// Upper edge of the bucket holding the q-quantile.
    fn quantile(&self, q: f64) -> f64 {
        let target = (q * self.total as f64).ceil() as u64;
        let mut acc = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            acc += u64::from(c);
            if acc >= target && c > 0 {
                return if i < 300 {
                    (i + 1) as f64 * 0.1
                } else {
                    30.0 * 1.01f64.powi((i - 299) as i32)
                };
            }
        }
        f64::NAN
    }
}

/// Per-interval counters.
#[derive(Default, Clone, Copy)]
struct Interval {
    offered: u64,
    answered: u64,
    within: u64,
    abandoned: u64,
    wait_sum: f64,
    /// Busy-level changes weighted by the time left in the interval.
    busy_acc: f64,
    busy_delta: f64,
}

/// One customer slot.
#[derive(Clone, Copy)]
struct Customer {
    arrival: f64,
    handle: f64,
    generation: u32,
    counted: bool,
}

/// Runs the model of `s` (one Poisson source, one group, one queue).
pub fn run(s: &Scenario, seed: u64, replication: u32) -> FloorResult {
    let src = &s.sources[0];
    let agents = s.groups[0].count as usize;
    let (warmup, horizon) = (s.sim.warmup_s, s.sim.horizon_s);
    let (width, threshold) = (s.sim.interval_s, s.sim.service_level_threshold_s);
    let n_int = s.sim.interval_count();
    let interval_of = |t: f64| (((t - warmup) / width) as usize).min(n_int - 1);
    let interval_end = |i: usize| {
        if i == n_int - 1 {
            horizon
        } else {
            warmup + (i + 1) as f64 * width
        }
    };

    let mut draws = SourceState::new(seed, replication, 0);
    let mut heap: Vec<Entry> = Vec::new();
    let mut seq = 0u64;
    // The (time, sequence) key of an event scheduled now.
    let mut key = |t: f64| {
        seq += 1;
        (u128::from((t + 0.0).to_bits()) << 64) | u128::from(seq)
    };
    // Events carry the customer's generation: an abandonment of a customer
    // since answered (its slot perhaps reused) is stale.
    let push = |heap: &mut Vec<Entry>, key: u128, kind: u32, id: u32, generation: u32| {
        heap::push(
            heap,
            Entry {
                key,
                kind,
                id,
                generation,
            },
        );
    };
    let mut customers: Vec<Customer> = Vec::new();
    let mut free: Vec<u32> = Vec::new();
    let mut queue: VecDeque<(u32, u32)> = VecDeque::new();
    // Idle agents by (last call, index), packed in one key: never-called
    // agents first, by index.
    let mut idle: Vec<u128> = (0..agents as u128).collect();
    let mut serving = vec![0u32; agents];
    // Time of each agent's last call, as an idle-heap key (0: never).
    let mut last_call = vec![0u64; agents];
    let mut intervals = vec![Interval::default(); n_int];
    let mut hist = Histogram::new();
    let mut r = FloorResult::default();
    let mut busy_init = 0.0;
    let mut live = 0u32;
    let mut sources_left = true;

    // A busy-level change of `d` at `t`.
    let change_busy = |intervals: &mut [Interval], busy_init: &mut f64, t: f64, d: f64| {
        if t >= horizon {
        } else if t < warmup {
            *busy_init += d;
        } else {
            let i = interval_of(t);
            intervals[i].busy_acc += d * (interval_end(i) - t);
            intervals[i].busy_delta += d;
        }
    };

    // The one source's next arrival is held apart from the heap (`NONE`
    // once it has none): each arrival replaces it, without a heap walk.
    const NONE: u128 = u128::MAX;
    let mut next_arrival = match draws.next_time(src, 0.0, horizon) {
        Some(t) => key(t),
        None => {
            sources_left = false;
            NONE
        }
    };
    loop {
        let (at, kind, id, generation) = match heap.first() {
            Some(&e) if e.key < next_arrival => {
                heap::pop(&mut heap);
                (e.key, e.kind, e.id, e.generation)
            }
            _ if next_arrival != NONE => (next_arrival, ARRIVAL, 0, 0),
            _ => break,
        };
        let t = f64::from_bits((at >> 64) as u64);
        match kind {
            ARRIVAL => {
                next_arrival = match draws.next_time(src, t, horizon) {
                    Some(next) => key(next),
                    None => {
                        sources_left = false;
                        NONE
                    }
                };
                let c = draws.customer(src, &s.channels);
                r.contacts += 1;
                live += 1;
                let counted = t >= warmup && t < horizon;
                if counted {
                    intervals[interval_of(t)].offered += 1;
                }
                let slot = free.pop().unwrap_or_else(|| {
                    customers.push(Customer {
                        arrival: 0.0,
                        handle: 0.0,
                        generation: 0,
                        counted: false,
                    });
                    customers.len() as u32 - 1
                });
                let x = &mut customers[slot as usize];
                x.arrival = t;
                x.handle = c.handle_s;
                x.counted = counted;
                if let Some(&k) = idle.first() {
                    heap::pop(&mut idle);
                    let a = k as u32;
                    // Answered at once.
                    if counted {
                        let i = interval_of(t);
                        intervals[i].answered += 1;
                        intervals[i].within += 1;
                        hist.record(0.0);
                        r.handle_sum += c.handle_s;
                    }
                    serving[a as usize] = slot;
                    last_call[a as usize] = (t + 0.0).to_bits() + 1;
                    change_busy(&mut intervals, &mut busy_init, t, 1.0);
                    push(&mut heap, key(t + c.handle_s), DONE, a, 0);
                } else {
                    queue.push_back((slot, x.generation));
                    push(
                        &mut heap,
                        key(t + c.patience_s),
                        ABANDON,
                        slot,
                        x.generation,
                    );
                }
            }
            ABANDON => {
                let x = &mut customers[id as usize];
                if x.generation != generation {
                    continue; // answered before its patience ran out
                }
                x.generation += 1;
                if x.counted {
                    intervals[interval_of(x.arrival)].abandoned += 1;
                }
                free.push(id);
                live -= 1;
            }
            _ => {
                let a = id;
                free.push(serving[a as usize]);
                live -= 1;
                // The agent takes the oldest live waiting customer, else idles.
                let mut next = None;
                while let Some((slot, generation)) = queue.pop_front() {
                    if customers[slot as usize].generation == generation {
                        next = Some(slot);
                        break;
                    }
                }
                match next {
                    Some(slot) => {
                        let x = &mut customers[slot as usize];
                        x.generation += 1;
                        let wait = t - x.arrival;
                        if x.counted {
                            let i = interval_of(x.arrival);
                            intervals[i].answered += 1;
                            intervals[i].within += u64::from(wait <= threshold);
                            intervals[i].wait_sum += wait;
                            r.wait_max = r.wait_max.max(wait);
                            hist.record(wait);
                            r.handle_sum += x.handle;
                        }
                        serving[a as usize] = slot;
                        last_call[a as usize] = (t + 0.0).to_bits() + 1;
                        push(&mut heap, key(t + x.handle), DONE, a, 0);
                    }
                    None => {
                        change_busy(&mut intervals, &mut busy_init, t, -1.0);
                        heap::push(
                            &mut idle,
                            (u128::from(last_call[a as usize]) << 64) | u128::from(a),
                        );
                    }
                }
            }
        }
        if !sources_left && live == 0 && t >= horizon {
            break;
        }
    }
    // Busy level entering each interval, then its integral.
    let mut level = busy_init;
    for (i, iv) in intervals.iter().enumerate() {
        let start = warmup + i as f64 * width;
        r.busy_s += level * (interval_end(i) - start) + iv.busy_acc;
        level += iv.busy_delta;
        r.offered += iv.offered;
        r.answered += iv.answered;
        r.answered_within += iv.within;
        r.abandoned += iv.abandoned;
        r.wait_sum += iv.wait_sum;
    }
    r.wait_p90 = hist.quantile(0.9);
    r
}
