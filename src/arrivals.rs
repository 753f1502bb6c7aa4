//! Arrival sources at run time: when the next customer comes and what they
//! bring (attributes, talk time, wrap-up, patience).
//!
//! Every draw comes from a stream owned by its source and purpose, so the
//! customers a source produces in a replication do not depend on staffing,
//! routing or any other source (common random numbers). Talk time and patience
//! are drawn at arrival for the same reason.

use crate::rng::{Purpose, stream};
use crate::scenario::units::Dist;
use crate::scenario::{ArrivalProcess, Channel, ChannelId, ClassId, Source};
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
        }
    }

    /// The time of the next arrival after `now`, or `None` once it would be at
    /// or after `horizon`. Independent of [`SourceState::customer`]: the two may
    /// be called in either order for the same arrival.
    ///
    /// A Poisson source, the common case, is drawn inline; the other
    /// processes go out of line so the hot caller saves no registers for them.
    #[inline(always)]
    pub fn next_time(&mut self, src: &Source, now: f64, horizon: f64) -> Option<f64> {
        if let ArrivalProcess::Poisson { rate_per_s } = &src.process {
            let e: f64 = Exp1.sample(&mut self.arrivals);
            let t = now + e / rate_per_s;
            return (t < horizon).then_some(t);
        }
        self.next_time_other(src, now, horizon)
    }

    /// [`SourceState::next_time`] of profiles and traces.
    #[inline(never)]
    fn next_time_other(&mut self, src: &Source, now: f64, horizon: f64) -> Option<f64> {
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

    /// Draws the customer arriving now. Talk and wrap-up times come from the
    /// source's distributions, else from those of the customer's channel.
    #[inline]
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
            let choice = cat
                .cumulative
                .partition_point(|&c| c <= u)
                .min(cat.cumulative.len() - 1);
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
