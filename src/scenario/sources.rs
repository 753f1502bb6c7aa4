//! What arrives: channels (and their text conversations), arrival
//! sources with their processes, redials, self-service and busyness, and
//! the task classes their attributes make.

use super::*;

/// Forecast uncertainty: a source's rate is multiplied by a random factor
/// drawn once per period, so counts are over-dispersed (variance λT +
/// (λT·cv)² over a period instead of λT) as real days are against a forecast.
#[derive(Debug, Clone)]
pub struct Busyness {
    /// The multiplier's distribution (mean usually 1).
    pub dist: Dist,
    /// How long one draw holds.
    pub per: BusyPeriod,
}

/// The span one busyness multiplier covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusyPeriod {
    /// One draw for the whole replication.
    Replication,
    /// A new draw every simulated day (from time 0, a local midnight).
    Day,
    /// A new draw every statistics interval (the grid that starts at the
    /// end of the warm-up).
    Interval,
}

impl BusyPeriod {
    /// The name written in a scenario.
    pub const fn name(self) -> &'static str {
        match self {
            BusyPeriod::Replication => "replication",
            BusyPeriod::Day => "day",
            BusyPeriod::Interval => "interval",
        }
    }

    /// (origin, length) of the period grid in simulated seconds: period k
    /// is `[origin + k·length, origin + (k+1)·length)`, origin ≤ 0 so that
    /// k counts from 0 at time 0.
    pub fn grid(self, sim: &Simulation) -> (f64, f64) {
        match self {
            BusyPeriod::Replication => (0.0, f64::INFINITY),
            BusyPeriod::Day => (0.0, 86_400.0),
            BusyPeriod::Interval => {
                let len = sim.interval_s;
                (sim.warmup_s - (sim.warmup_s / len).ceil() * len, len)
            }
        }
    }
}

/// A task channel (voice, chat, sms…).
#[derive(Debug, Clone)]
pub struct Channel {
    /// Unique name.
    pub name: String,
    /// Default talk time for sources on this channel that set none.
    pub handle_time: Option<Dist>,
    /// Default wrap-up time.
    pub wrapup: Option<Dist>,
    /// Talk slowdown with concurrency: while a worker talks on j tasks of this
    /// channel, each progresses at 1/scale[j−1] of its solo speed (the last
    /// factor applies beyond the list). Empty: no slowdown.
    pub handle_time_scale: Vec<f64>,
    /// Lines (trunks): at most this many contacts of the channel in the
    /// system at once; more get a busy signal (`blocked`).
    pub lines: Option<u32>,
    /// A contact keeps its line through wrap-up (else it frees it when talk
    /// ends).
    pub lines_include_wrapup: bool,
    /// The channel's own service-level threshold, seconds (else
    /// `[simulation]`'s): chat and email are answered on other clocks than voice.
    pub service_level_threshold_s: Option<f64>,
    /// Its contacts are text conversations (docs/scenario.md, "Text conversations").
    pub conversation: Option<Conversation>,
}

/// A text conversation's shape: the agent's work (the source's talk time)
/// happens once per exchange, and between exchanges the customer's reply
/// keeps the agent's slot held but idle (docs/scenario.md, "Text conversations").
#[derive(Debug, Clone)]
pub struct Conversation {
    /// Exchanges per conversation (a customer message and the agent's
    /// reply), drawn once; rounded, at least 1.
    pub exchanges: Dist,
    /// Time the customer takes to answer the agent's reply.
    pub reply_gap: Dist,
    /// A silence this long closes the conversation (`INFINITY`: never).
    pub inactivity_timeout_s: f64,
    /// After the last exchange the agent closes it at once (else it stays
    /// open until the inactivity timeout).
    pub agent_closes: bool,
    /// A customer whose reply comes within this long after an inactivity
    /// close reopens the conversation (0: never).
    pub reopen_window_s: f64,
    /// Attributes laid over a reopening routed through the workflow
    /// (`reopen_attributes`), as read.
    pub reopen_attributes: Vec<(crate::expr::KeyId, crate::expr::Value)>,
    /// With `reopen_attributes`: per task class (by id), the class of its
    /// reopenings; classes past the end (the reopening classes themselves)
    /// keep theirs. Empty: reopenings keep their class.
    pub reopen_classes: Vec<u32>,
}

/// Most exchanges one conversation may have (a bound on its messages).
pub const MAX_EXCHANGES: f64 = 10_000.0;

/// How customers who gave up call again (docs/scenario.md, "Redial").
#[derive(Debug, Clone)]
pub struct Redial {
    /// Chance that a customer who abandons (or gets a busy signal) calls again.
    pub probability: f64,
    /// Time from hanging up to calling again.
    pub delay: Dist,
    /// `None`: a new patience draw per attempt. `Some(f)`: the attempt's
    /// patience is f × the patience of the attempt it repeats (1 keeps the
    /// caller's own patience; below 1 she tires).
    pub keep_patience: Option<f64>,
    /// The redial's priority (else the source's).
    pub priority: Option<u32>,
    /// With `attributes`: per class of the source (its index from the
    /// source's first class), the class of its redials. Empty: redials keep
    /// their class. Redial classes follow the source's own, so a redial of
    /// a redial (past the end of the list) keeps its class.
    pub classes: Vec<u32>,
}

/// An arrival source.
#[derive(Debug, Clone)]
pub struct Source {
    /// Unique name; `sources` KPIs are keyed by it.
    pub name: String,
    /// When customers arrive.
    pub process: ArrivalProcess,
    /// The channel of generated tasks (trace rows carry their own).
    pub channel: Option<ChannelId>,
    /// Task priority unless the matching target sets one.
    pub priority: u32,
    /// Talk time; `None` falls back to the channel's.
    pub handle_time: Option<Dist>,
    /// Wrap-up; `None` falls back to the channel's (or none).
    pub wrapup: Option<Dist>,
    /// `None`: customers never abandon.
    pub patience: Option<Dist>,
    /// Abandoning (or blocked) customers try again.
    pub redial: Option<Redial>,
    /// Customers call a toll-free number (else a local one), for costs.
    pub toll_free: bool,
    /// How each customer's attributes are drawn.
    pub attributes: AttrModel,
    /// A random multiplier on this source's rate (on top of the global one).
    pub busyness: Option<Busyness>,
    /// Lines of the source's number: at most this many of its contacts in
    /// the system at once; more get a busy signal (`blocked`).
    pub lines: Option<u32>,
    /// An IVR or bot before routing.
    pub self_service: Option<SelfService>,
}

/// A self-service stage (IVR or bot) every attempt of a source goes through
/// before routing (docs/scenario.md, "Self-service").
#[derive(Debug, Clone)]
pub struct SelfService {
    /// Time in the flow for a customer who goes through it.
    pub time: Dist,
    /// Share of those who finish the flow that it resolves (`contained`).
    pub containment: f64,
    /// Share who ask for an agent part-way (at a uniform point of their
    /// flow) and are routed.
    pub opt_out: f64,
    /// The customer's patience runs during the flow (else it starts when
    /// the contact is routed, as does its wait).
    pub patience_runs: bool,
}

impl Source {
    /// The expected number of arrivals of a source in `[0, horizon)`, for sizing
    /// a run before starting it. Exact for Poisson and profile sources (the
    /// integral of the rate), the row count for traces.
    /// A source's own busyness multiplies it by the multiplier's mean (the
    /// global one is the caller's to apply).
    pub fn expected_arrivals(&self, horizon: f64) -> f64 {
        let busy = self.busyness.as_ref().map_or(1.0, |b| b.dist.mean());
        busy * self.expected_unscaled(horizon)
    }

    /// True for a trace replay (no rate to scale).
    pub fn is_trace(&self) -> bool {
        matches!(self.process, ArrivalProcess::Trace { .. })
    }

    fn expected_unscaled(&self, horizon: f64) -> f64 {
        match &self.process {
            ArrivalProcess::Poisson { rate_per_s } => rate_per_s * horizon,
            ArrivalProcess::Profile(p) => {
                // The rate repeats weekly: whole weeks at once, then the rest
                // piece by piece, counting pieces by index (a float clock would
                // stop advancing on an astronomically long horizon).
                let piece = |i: u64| p.piece_at((i as f64 + 0.5) * p.piece_s).0 * p.piece_s;
                let per_week = (7.0 * 86_400.0 / p.piece_s).round() as u64;
                let pieces = horizon / p.piece_s;
                let weeks = (pieces / per_week as f64).floor();
                let week: f64 = (0..per_week).map(piece).sum();
                let rest_pieces = (pieces - weeks * per_week as f64).min(per_week as f64);
                let whole = rest_pieces.floor() as u64;
                let rest: f64 = (0..whole).map(piece).sum::<f64>()
                    + piece(whole) * (rest_pieces - whole as f64);
                weeks * week + rest
            }
            ArrivalProcess::Trace { rows, .. } => {
                rows.iter().filter(|r| r.time_s < horizon).count() as f64
            }
        }
    }
}

/// How a source generates arrival times.
#[derive(Debug, Clone)]
pub enum ArrivalProcess {
    /// Homogeneous Poisson at a rate per second.
    Poisson {
        /// Arrivals per second.
        rate_per_s: f64,
    },
    /// Non-homogeneous Poisson with a piecewise-constant rate repeating weekly.
    Profile(RateProfile),
    /// Replay of a CSV trace, rows sorted by time.
    Trace {
        /// The CSV, for messages.
        file: PathBuf,
        /// Rows before the horizon are replayed.
        rows: Vec<TraceRow>,
    },
}

/// A piecewise-constant rate repeating every day (or every week) with
/// optional day-of-week multipliers.
#[derive(Debug, Clone)]
pub struct RateProfile {
    /// Width of each piece, seconds; divides 24 h.
    pub piece_s: f64,
    /// Pieces in a day.
    pub per_day: usize,
    /// Rate per second of each piece of the day, or (7 × `per_day` of
    /// them) of the week, Monday first: a day of the week shaped unlike
    /// the others.
    pub rates_per_s: Vec<f64>,
    /// Multiplier per weekday, Monday first.
    pub weekly: [f64; 7],
    /// Weekday of day 0, Monday = 0.
    pub start_weekday: u8,
}

impl RateProfile {
    /// The rate at time `t` and the end of the piece containing `t`.
    #[inline]
    pub fn piece_at(&self, t: f64) -> (f64, f64) {
        let piece = (t / self.piece_s).floor();
        let per_day = self.per_day as f64;
        let day = (piece / per_day).floor();
        let i = (piece - day * per_day) as usize;
        let weekday = (day as i64 + i64::from(self.start_weekday)).rem_euclid(7) as usize;
        let end = (piece + 1.0) * self.piece_s;
        let k = if self.rates_per_s.len() == self.per_day {
            i
        } else {
            weekday * self.per_day + i
        };
        (
            self.rates_per_s[k.min(self.rates_per_s.len() - 1)] * self.weekly[weekday],
            end,
        )
    }
}

/// One replayed arrival.
#[derive(Debug, Clone, Copy)]
pub struct TraceRow {
    /// Arrival time, seconds from the simulation start.
    pub time_s: f64,
    /// The row's channel.
    pub channel: ChannelId,
    /// Talk time; `None` draws from the source's or channel's distribution.
    pub handle_time_s: Option<f64>,
    /// Patience; `None` draws from the source's distribution (or never abandons).
    pub patience_s: Option<f64>,
    /// The row's attribute document.
    pub class: ClassId,
}

/// Per-arrival attributes: a fixed part and independent categorical draws.
/// Each combination is a precomputed [`TaskClass`], so the engine only picks
/// an index: `first_class + Σ choice_i · stride_i`.
#[derive(Debug, Clone, Default)]
pub struct AttrModel {
    /// Class of the combination with every first choice.
    pub first_class: u32,
    /// Independent categorical attributes, drawn in order.
    pub categories: Vec<Category>,
}

/// One categorical attribute (`language = { choose = { en = 0.8, es = 0.2 } }`).
#[derive(Debug, Clone)]
pub struct Category {
    /// Cumulative weights, normalised to end at 1.
    pub cumulative: Vec<f64>,
    /// Class-index step of one choice of this attribute.
    pub stride: u32,
}

/// A distinct task attribute document. Filters over task attributes are
/// evaluated once per class at load time (except those reading the clock).
#[derive(Debug, Clone)]
pub struct TaskClass {
    /// Attributes filters and target expressions read.
    pub attrs: Attrs,
    /// The channel of tasks of this class.
    pub channel: ChannelId,
    /// The filters whose expression matches this class, in workflow order
    /// (filters that read `taskrouter.*` clock values are listed and decided
    /// at run time). A list, not a flag per filter: a model with thousands of
    /// filters and classes would otherwise hold their product.
    pub filter_matches: Vec<u32>,
}
