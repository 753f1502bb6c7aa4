//! `[[arrivals]]` sources: channel, priority, times, attributes, redials
//! and the arrival process (a Poisson rate, an intraday profile with weekly
//! multipliers, or a trace). The expected work is bounded so that a mistyped
//! rate is refused at once instead of exhausting memory or time.

use super::{Unit, Validator};
use crate::expr::{Attrs, KeyId, Value};
use crate::scenario::raw::{RawArrival, RawBusyness, RawSelfService};
use crate::scenario::trace::load_trace;
use crate::scenario::units::parse_rate;
use crate::scenario::{
    ArrivalProcess, AttrModel, BusyPeriod, Busyness, Category, Channel, ChannelId, RateProfile,
    Redial, SelfService, Simulation, Source, TaskClass, TraceRow,
};
use std::collections::HashMap;
use std::path::Path;
use toml::Spanned;

/// Attribute combinations per source above which the scenario is refused
/// (each combination is precomputed).
const MAX_CLASSES_PER_SOURCE: usize = 100_000;

impl Validator<'_> {
    /// Every source, its task classes appended to `classes`; `None` when
    /// any is wrong.
    pub(super) fn sources(
        &mut self,
        raw: &[Spanned<RawArrival>],
        channels: &[Channel],
        sim: Option<&Simulation>,
        classes: &mut Vec<TaskClass>,
    ) -> Option<Vec<Source>> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        let mut ok = true;
        for a in raw {
            match self.source(a, channels, sim, classes, &mut seen) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        if let (true, Some(sim)) = (ok, sim) {
            ok = self.check_work(raw, &out, sim);
        }
        ok.then_some(out)
    }

    /// Refuses a run whose expected number of contacts per replication is
    /// above the limit (a mistyped rate would otherwise exhaust memory or
    /// time before saying anything). Redials multiply a source's contacts
    /// by up to 1 ÷ (1 − p).
    fn check_work(
        &mut self,
        raw: &[Spanned<RawArrival>],
        sources: &[Source],
        sim: &Simulation,
    ) -> bool {
        // Attempts per customer at most: 1 ÷ (1 − p) with redials (every
        // attempt abandoning); with p = 1, one per delay until the run stops.
        let run_s = sim.horizon_s + sim.drain_limit_s;
        let per_source: Vec<(f64, f64)> = sources
            .iter()
            .map(|src| {
                let attempts = match &src.redial {
                    Some(r) if r.probability < 1.0 => 1.0 / (1.0 - r.probability),
                    Some(r) => 1.0 + run_s / r.delay.mean(),
                    None => 1.0,
                };
                let arrivals = src.expected_arrivals(sim.horizon_s)
                    * sim.busyness.as_ref().map_or(1.0, |b| b.dist.mean());
                (arrivals, arrivals * attempts)
            })
            .collect();
        let total: f64 = per_source.iter().map(|x| x.1).sum();
        if total <= self.max_contacts || per_source.is_empty() {
            return true;
        }
        let (i, (arrivals, attempts)) = per_source
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .expect("not empty");
        let fmt = |x: f64| {
            if x.is_finite() && x < 1e300 {
                format!("{x:.3e}")
            } else {
                "more than 1e300".to_string()
            }
        };
        let redials = if attempts > arrivals {
            format!(", up to {} attempts with its redials", fmt(*attempts))
        } else {
            String::new()
        };
        let r = raw[i].get_ref();
        let span = r
            .rate
            .as_ref()
            .map(|x| x.span())
            .or_else(|| r.profile.as_ref().map(|x| x.span()))
            .unwrap_or_else(|| r.name.span());
        self.err(
            &span,
            format!(
                "this scenario could simulate up to {} contacts per replication (source \"{}\": {} arrivals over the {} s to the horizon{redials}); the limit is {:.3e} (about {:.0} s of simulation per replication): check the rate, the horizon and the redials, or raise the limit with --max-contacts",
                fmt(total),
                sources[i].name,
                fmt(*arrivals),
                sim.horizon_s,
                self.max_contacts,
                self.max_contacts / 5e6
            ),
        );
        false
    }

    /// One source; `None` when anything in it is wrong (all of it is still
    /// checked).
    fn source(
        &mut self,
        a: &Spanned<RawArrival>,
        channels: &[Channel],
        sim: Option<&Simulation>,
        classes: &mut Vec<TaskClass>,
        seen: &mut HashMap<String, ()>,
    ) -> Option<Source> {
        let r = a.get_ref();
        let mut ok = self.check_name(&r.name, "arrival source", seen);
        let channel = match &r.channel {
            Some(c) => {
                let id = self.channel_id(c, channels);
                ok &= id.is_some();
                id
            }
            None => {
                if r.trace.is_none() {
                    self.err(
                        &a.span(),
                        format!("arrival source \"{}\" needs a `channel`", r.name.get_ref()),
                    );
                    ok = false;
                }
                None
            }
        };
        let priority = self.priority(&r.priority);
        let (handle_time, h_ok) = self.opt_dist(&r.handle_time, Unit::Seconds);
        let (wrapup, w_ok) = self.opt_dist(&r.wrapup, Unit::Seconds);
        let (patience, p_ok) = self.opt_dist(&r.patience, Unit::Seconds);
        ok &= h_ok && w_ok && p_ok && priority.is_some();
        let ch_default =
            |id: Option<ChannelId>| id.and_then(|id| channels[id.idx()].handle_time.clone());
        let handle_time = handle_time.or_else(|| ch_default(channel));
        let wrapup = wrapup.or_else(|| channel.and_then(|id| channels[id.idx()].wrapup.clone()));
        if r.trace.is_none() && handle_time.is_none() && channel.is_some() && h_ok {
            self.err(&a.span(), format!("arrival source \"{}\" has no handle_time (set it on the source or on its channel)", r.name.get_ref()));
            ok = false;
        }
        let kinds = [r.rate.is_some() || r.profile.is_some(), r.trace.is_some()];
        if kinds.iter().filter(|k| **k).count() != 1 {
            self.err(&a.span(), format!("arrival source \"{}\" needs either `rate` (optionally with `profile`), `profile` with `rates`, or `trace`", r.name.get_ref()));
            ok = false;
        }
        if let (Some(_), Some(w)) = (&r.trace, &r.weekly) {
            self.err(
                &w.span(),
                "`weekly` scales a `rate` or `profile`; a trace replays its rows as they are",
            );
            ok = false;
        }
        // Categorical attributes.
        let first_class = classes.len() as u32;
        let (base, cats) = self.attribute_model(r, channel, channels);
        if r.trace.is_some() && !cats.is_empty() {
            let span = r.attributes.as_ref().map_or(a.span(), |t| t.span());
            self.err(
                &span,
                "a trace's rows carry their own attributes: `choose` is not drawn for them (put the attribute in the trace's attributes column)",
            );
            ok = false;
        }
        let combos: usize = cats.iter().map(|c| c.1.len()).product();
        if combos > MAX_CLASSES_PER_SOURCE {
            self.err(
                &r.attributes
                    .as_ref()
                    .expect("categories come from attributes")
                    .span(),
                format!(
                    "{combos} attribute combinations is too many (at most {MAX_CLASSES_PER_SOURCE})"
                ),
            );
            return None;
        }
        let mut categories = Vec::new();
        let mut stride = 1u32;
        for (_, options) in cats.iter().rev() {
            let total: f64 = options.iter().map(|o| o.1).sum();
            let mut acc = 0.0;
            let cumulative = options
                .iter()
                .map(|o| {
                    acc += o.1 / total;
                    acc
                })
                .collect();
            categories.push(Category { cumulative, stride });
            stride *= options.len() as u32;
        }
        categories.reverse();
        if r.trace.is_none() {
            // Enumerate every combination in mixed-radix order.
            for combo in 0..combos {
                let mut pairs: Vec<(KeyId, Value)> = base.clone();
                let mut rest = combo;
                for ((key, options), cat) in cats.iter().zip(&categories) {
                    let choice = rest / cat.stride as usize;
                    rest %= cat.stride as usize;
                    pairs.push((*key, options[choice].0.clone()));
                }
                classes.push(TaskClass {
                    attrs: Attrs::from_pairs(pairs),
                    channel: channel.unwrap_or(ChannelId(0)),
                    filter_matches: Vec::new(),
                });
            }
        }
        // Checked even when the arrival process fails, so that one run
        // reports the redial and number problems too.
        let process = if let Some(t) = &r.trace {
            let rows = load_trace(self, t, channels, handle_time.is_some(), &base, classes);
            rows.map(|rows| self.trace_process(t, rows, sim))
        } else if r.rate.is_some() || r.profile.is_some() {
            self.rate_process(r, sim)
        } else {
            None
        };
        let redial = match &r.redial {
            None => None,
            Some(rd) => {
                let x = rd.get_ref();
                let p = *x.probability.get_ref();
                if !(0.0..=1.0).contains(&p) {
                    self.err(
                        &x.probability.span(),
                        format!("a probability must be between 0 and 1, found {p}"),
                    );
                    ok = false;
                }
                match self.dist(&x.delay, Unit::Seconds) {
                    Some(d) if p == 1.0 && (d.can_be_zero() || d.mean() < 1e-3) => {
                        self.err(
                            &rd.span(),
                            "a redial with probability 1 and a delay that can be 0 s (or averages under 1 ms) repeats forever at one instant when nobody answers (each attempt abandons and calls again at once): use a probability below 1 or a positive delay",
                        );
                        ok = false;
                        None
                    }
                    Some(d) => {
                        if p == 1.0 {
                            self.warn(
                                &x.probability.span(),
                                "every abandoning customer calls again until answered: with too few agents the attempts grow until the drain limit stops the run",
                            );
                        }
                        let keep = x.keep_patience.as_ref().and_then(|k| {
                            let f = *k.get_ref();
                            if f.is_finite() && f > 0.0 {
                                Some(f)
                            } else {
                                self.err(&k.span(), format!("keep_patience is the share of the caller's patience a redial keeps (1 = all of it); it must be positive, found {f}"));
                                ok = false;
                                None
                            }
                        });
                        let priority = self.priority(&x.priority);
                        ok &= priority.is_some();
                        let mut redial_classes = Vec::new();
                        if let Some(t) = &x.attributes {
                            match self.attribute_overrides(t) {
                                Some(overrides) => {
                                    // One redial class per class of the source.
                                    let own = first_class as usize..classes.len();
                                    for c in own {
                                        let class = &classes[c];
                                        let pairs: Vec<(KeyId, Value)> = class
                                            .attrs
                                            .iter()
                                            .cloned()
                                            .chain(overrides.iter().cloned())
                                            .collect();
                                        let channel = class.channel;
                                        redial_classes.push(classes.len() as u32);
                                        classes.push(TaskClass {
                                            attrs: Attrs::from_pairs(pairs),
                                            channel,
                                            filter_matches: Vec::new(),
                                        });
                                    }
                                }
                                None => ok = false,
                            }
                        }
                        Some(Redial {
                            probability: p,
                            delay: d,
                            keep_patience: keep,
                            priority: priority.flatten(),
                            classes: redial_classes,
                        })
                    }
                    None => {
                        ok = false;
                        None
                    }
                }
            }
        };
        let toll_free = match r.number.as_ref().map(|n| n.get_ref().as_str()) {
            None | Some("local") => false,
            Some("toll_free") => true,
            Some(other) => {
                let span = r.number.as_ref().expect("matched Some").span();
                self.err(
                    &span,
                    format!("number must be \"local\" or \"toll_free\", found \"{other}\""),
                );
                ok = false;
                false
            }
        };
        let busyness = match &r.busyness {
            None => None,
            Some(b) if r.trace.is_some() => {
                self.err(
                    &b.span(),
                    "`busyness` scales a `rate` or `profile`; a trace replays its rows as they are",
                );
                ok = false;
                None
            }
            Some(b) => {
                let x = self.busyness(b);
                ok &= x.is_some();
                x
            }
        };
        let lines = self.limit(&r.lines, "lines", 1);
        ok &= lines.is_ok();
        let self_service = r.self_service.as_ref().and_then(|x| self.self_service(x));
        ok &= r.self_service.is_none() || self_service.is_some();
        let process = process.filter(|_| ok)?;
        Some(Source {
            self_service,
            lines: lines.unwrap_or(None),
            busyness,
            toll_free,
            name: r.name.get_ref().clone(),
            process,
            channel,
            priority: priority.flatten().unwrap_or(0),
            handle_time,
            wrapup,
            patience,
            redial,
            attributes: AttrModel {
                first_class,
                categories: if r.trace.is_some() {
                    Vec::new()
                } else {
                    categories
                },
            },
        })
    }

    /// `busyness = { dist = …, per = … }`: a unitless distribution and its
    /// period (a day unless said).
    pub(super) fn busyness(&mut self, raw: &Spanned<RawBusyness>) -> Option<Busyness> {
        let r = raw.get_ref();
        let dist = self.dist(&Spanned::new(raw.span(), r.dist()), Unit::Count);
        let per = match r.per.as_ref().map(|p| p.get_ref().as_str()) {
            None | Some("day") => Some(BusyPeriod::Day),
            Some("replication") => Some(BusyPeriod::Replication),
            Some("interval") => Some(BusyPeriod::Interval),
            Some(other) => {
                let span = r.per.as_ref().expect("matched Some").span();
                self.err(
                    &span,
                    format!(
                        "per must be \"day\", \"replication\" or \"interval\" (how long one multiplier holds), found \"{other}\""
                    ),
                );
                None
            }
        };
        Some(Busyness {
            dist: dist?,
            per: per?,
        })
    }

    /// `self_service = { … }`: a time in the flow, shares between 0 and 1,
    /// and whether patience runs meanwhile.
    fn self_service(&mut self, raw: &Spanned<RawSelfService>) -> Option<SelfService> {
        let r = raw.get_ref();
        let time = self.dist(&r.time, Unit::Seconds);
        let mut share = |x: &Option<Spanned<f64>>, what: &str| -> Option<f64> {
            let Some(v) = x else { return Some(0.0) };
            let p = *v.get_ref();
            if (0.0..=1.0).contains(&p) {
                Some(p)
            } else {
                self.err(
                    &v.span(),
                    format!("{what} is a share between 0 and 1, found {p}"),
                );
                None
            }
        };
        let containment = share(&r.containment, "containment");
        let opt_out = share(&r.opt_out, "opt_out");
        let patience_runs = match r.patience.as_ref().map(|p| p.get_ref().as_str()) {
            None | Some("paused") => Some(false),
            Some("running") => Some(true),
            Some(other) => {
                let span = r.patience.as_ref().expect("matched Some").span();
                self.err(&span, format!("patience must be \"paused\" (the wait and patience start when the contact is routed) or \"running\" (they run from the call's start), found \"{other}\""));
                None
            }
        };
        Some(SelfService {
            time: time?,
            containment: containment?,
            opt_out: opt_out?,
            patience_runs: patience_runs?,
        })
    }

    /// A trace's rows as a process, warning about rows past the horizon.
    fn trace_process(
        &mut self,
        t: &Spanned<String>,
        rows: Vec<TraceRow>,
        sim: Option<&Simulation>,
    ) -> ArrivalProcess {
        if let Some(sim) = sim {
            let late = rows
                .iter()
                .filter(|row| row.time_s >= sim.horizon_s)
                .count();
            if late > 0 {
                self.warn(&t.span(), format!("{late} trace row(s) arrive at or after the horizon ({} s) and are not replayed", sim.horizon_s));
            }
        }
        let dir = self.src.path.parent().unwrap_or(Path::new(""));
        ArrivalProcess::Trace {
            file: dir.join(t.get_ref()),
            rows,
        }
    }

    /// A `rate`, optionally with `weekly` multipliers or an intraday
    /// `profile`, as an arrival process.
    fn rate_process(&mut self, r: &RawArrival, sim: Option<&Simulation>) -> Option<ArrivalProcess> {
        let base = match &r.rate {
            Some(t) => match parse_rate(t.get_ref()) {
                Ok(v) if v > 0.0 => Some(v),
                Ok(_) => {
                    self.err(
                        &t.span(),
                        format!("the rate must be positive, found \"{}\"", t.get_ref()),
                    );
                    return None;
                }
                Err(e) => {
                    self.err(&t.span(), e);
                    return None;
                }
            },
            None => None,
        };
        let weekly = match &r.weekly {
            None => [1.0; 7],
            Some(w) => {
                let v = w.get_ref();
                if v.len() != 7
                    || v.iter().any(|x| !(x.is_finite() && *x >= 0.0))
                    || v.iter().sum::<f64>() <= 0.0
                {
                    self.err(
                        &w.span(),
                        "`weekly` needs 7 non-negative multipliers, Monday first, not all zero",
                    );
                    return None;
                }
                [v[0], v[1], v[2], v[3], v[4], v[5], v[6]]
            }
        };
        let Some(profile) = &r.profile else {
            if r.weekly.is_none() {
                return Some(ArrivalProcess::Poisson { rate_per_s: base? });
            }
            return Some(ArrivalProcess::Profile(RateProfile {
                piece_s: 86_400.0,
                per_day: 1,
                rates_per_s: vec![base?],
                weekly,
                start_weekday: sim.map_or(0, |s| s.start_weekday),
            }));
        };
        let p = profile.get_ref();
        let piece = self.positive_duration(&p.interval, "the profile interval")?;
        let per_day = 86_400.0 / piece;
        if (per_day - per_day.round()).abs() > 1e-9 {
            self.err(
                &p.interval.span(),
                format!("the profile interval ({piece} s) must divide 24h"),
            );
            return None;
        }
        let per_day = per_day.round() as usize;
        let rates: Vec<f64> = match (&p.multipliers, &p.rates, base) {
            (Some(m), None, Some(base)) => {
                let v = m.get_ref();
                if v.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
                    self.err(&m.span(), "profile multipliers must be non-negative");
                    return None;
                }
                if v.len() != per_day && v.len() != 7 * per_day {
                    self.err(&m.span(), format!("the profile has {} multipliers but a day has {per_day} intervals of {piece} s (and a week {}, Monday first)", v.len(), 7 * per_day));
                    return None;
                }
                v.iter().map(|x| x * base).collect()
            }
            (None, Some(rs), None) => {
                let mut out = Vec::new();
                for t in rs {
                    match parse_rate(t.get_ref()) {
                        Ok(v) if v >= 0.0 => out.push(v),
                        Ok(_) => {
                            self.err(&t.span(), "profile rates cannot be negative");
                            return None;
                        }
                        Err(e) => {
                            self.err(&t.span(), e);
                            return None;
                        }
                    }
                }
                if out.len() != per_day && out.len() != 7 * per_day {
                    self.err(&profile.span(), format!("the profile has {} rates but a day has {per_day} intervals of {piece} s (and a week {}, Monday first)", out.len(), 7 * per_day));
                    return None;
                }
                out
            }
            (Some(_), None, None) => {
                self.err(&profile.span(), "profile `multipliers` scale `rate`: set `rate` on the source, or give `rates` instead");
                return None;
            }
            (None, Some(_), Some(_)) => {
                self.err(&profile.span(), "give either a base `rate` with profile `multipliers`, or profile `rates`, not both");
                return None;
            }
            _ => {
                self.err(
                    &profile.span(),
                    "a profile needs either `multipliers` or `rates`",
                );
                return None;
            }
        };
        if rates.iter().sum::<f64>() <= 0.0 {
            self.err(&profile.span(), "the profile's rates are all zero");
            return None;
        }
        Some(ArrivalProcess::Profile(RateProfile {
            piece_s: piece,
            per_day,
            rates_per_s: rates,
            weekly,
            start_weekday: sim.map_or(0, |s| s.start_weekday),
        }))
    }
}
