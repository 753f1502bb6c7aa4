//! Arrival sources at run time: when the next customer comes and what they
//! bring (attributes, talk time, wrap-up, patience).
//!
//! Every draw comes from a stream owned by its source and purpose, so the
//! customers a source produces in a replication do not depend on staffing,
//! routing or any other source (common random numbers). Talk time and patience
//! are drawn at arrival for the same reason.

use crate::rng::{Purpose, stream};
use crate::scenario::units::Dist;
use crate::scenario::{ArrivalProcess, Busyness, Channel, ChannelId, ClassId, Scenario, Source};
use rand_distr::{Distribution, Exp1, StandardUniform};
use rand_xoshiro::Xoshiro256PlusPlus;

/// One customer as drawn by a source.
#[derive(Debug, Clone, Copy)]
pub struct Customer {
    /// The channel the contact comes in on.
    pub channel: ChannelId,
    /// Its attribute document (and so its route).
    pub class: ClassId,
    /// Talk time, seconds.
    pub handle_s: f64,
    /// Wrap-up after talking, seconds (0 for none).
    pub wrapup_s: f64,
    /// Infinite when the customer never abandons.
    pub patience_s: f64,
}

/// Run-time state of one source.
pub struct SourceState {
    arrivals: Xoshiro256PlusPlus,
    attributes: Xoshiro256PlusPlus,
    handle: Xoshiro256PlusPlus,
    wrapup: Xoshiro256PlusPlus,
    patience: Xoshiro256PlusPlus,
    /// Trace rows already scheduled (`next_time` moves it).
    scheduled: usize,
    /// Trace rows already delivered (`customer` moves it); trails `scheduled`.
    delivered: usize,
    /// Busyness multipliers, when the source or the scenario has them.
    busy: Option<Box<Busy>>,
}

/// One busyness multiplier of a source, drawn period by period as the
/// source's clock moves on (each period drawn once, in order, whether or
/// not an arrival falls in it, so period k's factor is the k-th draw of its
/// stream whatever the rate).
struct Multiplier {
    dist: Dist,
    rng: Xoshiro256PlusPlus,
    /// Period k is `[origin + k·length, origin + (k+1)·length)`.
    origin: f64,
    length: f64,
    /// The period `factor` holds for (`None` before the first draw).
    period: Option<u64>,
    factor: f64,
}

impl Multiplier {
    fn new(b: &Busyness, s: &Scenario, rng: Xoshiro256PlusPlus) -> Multiplier {
        let (origin, length) = b.per.grid(&s.sim);
        Multiplier {
            dist: b.dist.clone(),
            rng,
            origin,
            length,
            period: None,
            factor: 1.0,
        }
    }

    /// The factor at time `t` (not before an earlier call's) and the end of
    /// its period.
    fn at(&mut self, t: f64) -> (f64, f64) {
        let k = ((t - self.origin) / self.length).floor().max(0.0) as u64;
        while self.period.is_none_or(|p| p < k) {
            self.factor = self.dist.sample(&mut self.rng);
            self.period = Some(self.period.map_or(0, |p| p + 1));
        }
        (self.factor, self.origin + (k + 1) as f64 * self.length)
    }
}

/// A source's busyness: its own multiplier and a copy of the global one
/// (the same stream in every source, so the global factor is common to all
/// sources without shared state).
struct Busy {
    own: Option<Multiplier>,
    global: Option<Multiplier>,
}

impl Busy {
    /// The product of the factors at `t` and the end of the shorter period.
    fn at(&mut self, t: f64) -> (f64, f64) {
        let mut factor = 1.0;
        let mut end = f64::INFINITY;
        for m in [&mut self.own, &mut self.global].into_iter().flatten() {
            let (f, e) = m.at(t);
            factor *= f;
            end = end.min(e);
        }
        (factor, end)
    }
}

impl SourceState {
    /// The streams of source `index` in replication `replication`.
    pub fn new(seed: u64, replication: u32, index: u32) -> SourceState {
        let s = |p| stream(seed, replication, p, index);
        SourceState {
            arrivals: s(Purpose::Arrivals),
            attributes: s(Purpose::Attributes),
            handle: s(Purpose::HandleTime),
            wrapup: s(Purpose::Wrapup),
            patience: s(Purpose::Patience),
            scheduled: 0,
            delivered: 0,
            busy: None,
        }
    }

    /// The streams of source `index` of a scenario, with its busyness
    /// multipliers (own and global) when it has any.
    pub fn of_scenario(s: &Scenario, seed: u64, replication: u32, index: u32) -> SourceState {
        let mut state = SourceState::new(seed, replication, index);
        let src = &s.sources[index as usize];
        let own = src.busyness.as_ref();
        // A trace replays its rows as they are, global busyness or not.
        let global = s.sim.busyness.as_ref().filter(|_| !src.is_trace());
        if own.is_some() || global.is_some() {
            let rng = |i| stream(seed, replication, Purpose::Busyness, i);
            state.busy = Some(Box::new(Busy {
                own: own.map(|b| Multiplier::new(b, s, rng(index))),
                global: global.map(|b| Multiplier::new(b, s, rng(u32::MAX))),
            }));
        }
        state
    }

    /// The time of the next arrival after `now`, or `None` once it would be at
    /// or after `horizon`. Independent of [`SourceState::customer`]: the two may
    /// be called in either order for the same arrival.
    ///
    /// A Poisson source, the common case, is drawn inline; the other
    /// processes go out of line so the hot caller saves no registers for them.
    #[inline(always)]
    pub fn next_time(&mut self, src: &Source, now: f64, horizon: f64) -> Option<f64> {
        if let ArrivalProcess::Poisson { rate_per_s } = &src.process
            && self.busy.is_none()
        {
            let e: f64 = Exp1.sample(&mut self.arrivals);
            let t = now + e / rate_per_s;
            return (t < horizon).then_some(t);
        }
        self.next_time_other(src, now, horizon)
    }

    /// [`SourceState::next_time`] of profiles and traces.
    #[inline(never)]
    fn next_time_other(&mut self, src: &Source, now: f64, horizon: f64) -> Option<f64> {
        if let Some(busy) = &mut self.busy {
            return Self::next_time_busy(&mut self.arrivals, busy, src, now, horizon);
        }
        let t = match &src.process {
            ArrivalProcess::Poisson { rate_per_s } => {
                let e: f64 = Exp1.sample(&mut self.arrivals);
                now + e / rate_per_s
            }
            ArrivalProcess::Profile(p) => {
                // Invert the cumulative rate piece by piece: exact for a
                // piecewise-constant rate, no thinning needed.
                let mut need: f64 = Exp1.sample(&mut self.arrivals);
                let mut t = now;
                loop {
                    if t >= horizon {
                        return None;
                    }
                    let (rate, end) = p.piece_at(t);
                    let end = end.max(t + 1e-9);
                    if rate > 0.0 {
                        let dt = need / rate;
                        if t + dt < end {
                            break t + dt;
                        }
                        need -= rate * (end - t);
                    }
                    t = end;
                }
            }
            ArrivalProcess::Trace { rows, .. } => {
                let t = rows.get(self.scheduled)?.time_s;
                self.scheduled += 1;
                t
            }
        };
        (t < horizon).then_some(t)
    }

    /// [`SourceState::next_time`] under busyness: the rate (a constant or
    /// a profile's piece) times the period's factor, inverted piece by piece
    /// over the pieces of both, as for a profile. One exponential per
    /// arrival, as without busyness.
    fn next_time_busy(
        arrivals: &mut Xoshiro256PlusPlus,
        busy: &mut Busy,
        src: &Source,
        now: f64,
        horizon: f64,
    ) -> Option<f64> {
        let mut need: f64 = Exp1.sample(arrivals);
        let mut t = now;
        loop {
            if t >= horizon {
                return None;
            }
            let (base, base_end) = match &src.process {
                ArrivalProcess::Poisson { rate_per_s } => (*rate_per_s, f64::INFINITY),
                ArrivalProcess::Profile(p) => p.piece_at(t),
                ArrivalProcess::Trace { .. } => unreachable!("validated: traces have no busyness"),
            };
            let (factor, busy_end) = busy.at(t);
            let rate = base * factor;
            let end = base_end.min(busy_end).max(t + 1e-9);
            if rate > 0.0 {
                let dt = need / rate;
                if t + dt < end {
                    let t = t + dt;
                    return (t < horizon).then_some(t);
                }
                need -= rate * (end - t);
            }
            t = end;
        }
    }

    /// Draws the customer arriving now. Talk and wrap-up times come from the
    /// source's distributions, else from those of the customer's channel.
    #[inline(always)]
    pub fn customer(&mut self, src: &Source, channels: &[Channel]) -> Customer {
        let draw =
            |d: &Option<Dist>, rng: &mut Xoshiro256PlusPlus| d.as_ref().map(|d| d.sample(rng));
        if let ArrivalProcess::Trace { rows, .. } = &src.process {
            let row = rows[self.delivered];
            self.delivered += 1;
            let ch = &channels[row.channel.idx()];
            let handle = src.handle_time.as_ref().or(ch.handle_time.as_ref());
            let wrapup = src.wrapup.as_ref().or(ch.wrapup.as_ref());
            return Customer {
                channel: row.channel,
                class: row.class,
                handle_s: row
                    .handle_time_s
                    .or_else(|| handle.map(|d| d.sample(&mut self.handle)))
                    .unwrap_or(0.0),
                wrapup_s: wrapup.map_or(0.0, |d| d.sample(&mut self.wrapup)),
                patience_s: row
                    .patience_s
                    .or_else(|| draw(&src.patience, &mut self.patience))
                    .unwrap_or(f64::INFINITY),
            };
        }
        let mut class = src.attributes.first_class;
        for cat in &src.attributes.categories {
            let u: f64 = StandardUniform.sample(&mut self.attributes);
            // The first running sum above `u` (the sums never decrease, so
            // this is `partition_point(|&c| c <= u)`): a scan, as a
            // category has a handful of values and a binary search cost
            // more than it.
            let last = cat.cumulative.len() - 1;
            let choice = cat.cumulative[..last]
                .iter()
                .position(|&c| c > u)
                .unwrap_or(last);
            class += choice as u32 * cat.stride;
        }
        Customer {
            channel: src
                .channel
                .expect("validated: stochastic sources have a channel"),
            class: ClassId(class),
            handle_s: draw(&src.handle_time, &mut self.handle).unwrap_or(0.0),
            wrapup_s: draw(&src.wrapup, &mut self.wrapup).unwrap_or(0.0),
            patience_s: draw(&src.patience, &mut self.patience).unwrap_or(f64::INFINITY),
        }
    }
}
