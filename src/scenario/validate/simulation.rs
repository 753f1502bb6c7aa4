//! `[simulation]` and the `[[hours]]` calendars anchored to its start: the
//! horizon, warm-up, intervals, replications, seed, start day, date and time
//! zone. The limits here bound memory and keep simulated clocks exact before
//! anything runs.

use super::Validator;
use crate::scenario::diag::unknown_name;
use crate::scenario::hours::{self, WEEKDAYS, weekday};
use crate::scenario::raw::{RawHours, RawSimulation};
use crate::scenario::{Clock, Hours, Simulation};
use std::collections::HashMap;
use toml::Spanned;

/// Longest horizon and drain limit: ten years (calendars are resolved over
/// the whole run, and simulated clocks stay exact far below this).
const MAX_SPAN_S: f64 = 3650.0 * 86_400.0;

/// Per-interval statistics kept per replication (memory is per interval).
const MAX_INTERVALS: f64 = 100_000.0;

impl Validator<'_> {
    /// `[simulation]`; also sets the calendar anchor that the `[[hours]]`
    /// calendars are resolved from.
    pub(super) fn simulation(&mut self, raw: &Spanned<RawSimulation>) -> Option<Simulation> {
        let r = raw.get_ref();
        let horizon = self.positive_duration(&r.horizon, "the horizon");
        let warmup = r.warmup.as_ref().map_or(Some(0.0), |w| self.duration(w));
        let replications = match &r.replications {
            None => Some(10),
            Some(n) if (1..=100_000).contains(n.get_ref()) => Some(*n.get_ref() as u32),
            Some(n) => {
                self.err(
                    &n.span(),
                    format!(
                        "replications must be between 1 and 100000, found {}",
                        n.get_ref()
                    ),
                );
                None
            }
        };
        let seed = match &r.seed {
            None => Some(1),
            Some(s) if *s.get_ref() >= 0 => Some(*s.get_ref() as u64),
            Some(s) => {
                self.err(&s.span(), "seed must be a non-negative integer");
                None
            }
        };
        let sl = r
            .service_level_threshold
            .as_ref()
            .map_or(Some(20.0), |q| self.duration(q));
        let sl_target = match &r.service_level_target {
            None => Some(None),
            Some(p) if (0.0..=1.0).contains(p.get_ref()) => Some(Some(*p.get_ref())),
            Some(p) => {
                self.err(
                    &p.span(),
                    format!(
                        "service_level_target is a share between 0 and 1 (0.8 for 80%), found {}",
                        p.get_ref()
                    ),
                );
                None
            }
        };
        let short = r
            .short_abandon_threshold
            .as_ref()
            .map_or(Some(0.0), |q| self.duration(q));
        let drain = r
            .drain_limit
            .as_ref()
            .map_or(Some(7.0 * 86_400.0), |q| self.duration(q));
        let start_weekday = match &r.start_day {
            None => Some(0),
            Some(d) => match weekday(d.get_ref()) {
                Some(w) => Some(w),
                None => {
                    self.err(
                        &d.span(),
                        format!(
                            "expected a weekday such as \"Mon\" or \"Sunday\", found \"{}\"",
                            d.get_ref()
                        ),
                    );
                    None
                }
            },
        };
        let interval = match &r.interval {
            Some(q) => self.positive_duration(q, "the interval"),
            None => Some(1800.0),
        };
        let anchor = hours::anchor(
            self,
            r.start.as_ref(),
            r.timezone.as_ref(),
            start_weekday.unwrap_or(0),
        )?;
        let local_weekday = anchor.start.date().weekday().to_monday_zero_offset() as u8;
        let start_weekday = match (&r.start, &r.start_day, start_weekday) {
            (Some(_), Some(d), Some(w)) if w != local_weekday => {
                self.err(
                    &d.span(),
                    format!(
                        "start_day says {} but `start` is a {}",
                        d.get_ref(),
                        WEEKDAYS[usize::from(local_weekday)]
                    ),
                );
                None
            }
            (Some(_), _, _) => Some(local_weekday),
            (None, _, w) => w,
        };
        let clock = r.start.as_ref().map(|_| Clock {
            epoch_s: anchor.epoch_s,
            tz: anchor.tz.clone(),
        });
        let utc_start_of_day_s = anchor.epoch_s.rem_euclid(86_400) as f64;
        // 1970-01-01 was a Thursday (Monday = 0 → 3).
        let utc_start_weekday = (anchor.epoch_s.div_euclid(86_400) + 3).rem_euclid(7) as u8;
        self.anchor = Some(anchor);
        for (q, v, what) in [
            (Some(&r.horizon), horizon, "horizon"),
            (r.drain_limit.as_ref(), drain, "drain_limit"),
        ] {
            if let (Some(q), Some(v)) = (q, v)
                && v > MAX_SPAN_S
            {
                self.err(
                    &q.span(),
                    format!(
                        "the {what} is {v} s; at most ten years ({MAX_SPAN_S} s) can be simulated"
                    ),
                );
                return None;
            }
        }
        let (horizon, warmup, interval) = (horizon?, warmup?, interval?);
        if warmup >= horizon {
            let span = r.warmup.as_ref().map_or(r.horizon.span(), |w| w.span());
            self.err(&span, format!("the warm-up ({warmup} s) must end before the horizon ({horizon} s): the horizon counts from the start of the simulation, warm-up included"));
            return None;
        }
        let window = horizon - warmup;
        let mut interval = interval;
        let n = window / interval;
        if r.interval.is_none() && (n.fract().abs() > 1e-9 || n < 1.0) {
            // No interval given and the default does not fit: one interval.
            interval = window;
        } else if n < 1.0 - 1e-9 || (n - n.round()).abs() > 1e-6 {
            let span = r.interval.as_ref().map_or(r.horizon.span(), |q| q.span());
            self.err(&span, format!("the interval ({interval} s) must divide the counted window (horizon − warm-up = {window} s) into whole intervals"));
            return None;
        }
        let n = ((horizon - warmup) / interval).round();
        if n > MAX_INTERVALS {
            let span = r.interval.as_ref().map_or(r.horizon.span(), |q| q.span());
            self.err(&span, format!("the counted window has {n} intervals; at most {MAX_INTERVALS} are kept, so use a wider interval"));
            return None;
        }
        let busyness = match &r.busyness {
            None => Some(None),
            Some(b) => self.busyness(b).map(Some),
        };
        Some(Simulation {
            busyness: busyness?,
            horizon_s: horizon,
            warmup_s: warmup,
            replications: replications?,
            seed: seed?,
            interval_s: interval,
            service_level_threshold_s: sl?,
            service_level_target: sl_target?,
            short_abandon_threshold_s: short?,
            start_weekday: start_weekday?,
            utc_start_of_day_s,
            utc_start_weekday,
            drain_limit_s: drain?,
            clock,
        })
    }

    /// Resolves every `[[hours]]` calendar over the whole run.
    pub(super) fn all_hours(
        &mut self,
        raw: &[Spanned<RawHours>],
        sim: Option<&Simulation>,
    ) -> Vec<Hours> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for h in raw {
            self.check_name(&h.get_ref().name, "hours", &mut seen);
            self.hours_names.push(h.get_ref().name.get_ref().clone());
            let (Some(anchor), Some(sim)) = (self.anchor.clone(), sim) else {
                continue;
            };
            if let Some(hours) = hours::hours(self, h, &anchor, sim.horizon_s + sim.drain_limit_s) {
                out.push(hours);
            }
        }
        out
    }

    /// Index of a named `[[hours]]` calendar.
    pub(in crate::scenario) fn hours_id(&mut self, name: &Spanned<String>) -> Option<u32> {
        match self.hours_names.iter().position(|h| h == name.get_ref()) {
            Some(i) => Some(i as u32),
            None if self.incomplete.contains("hours") => None,
            None => {
                let known: Vec<&str> = self.hours_names.iter().map(String::as_str).collect();
                let message = unknown_name("hours", name.get_ref(), &known);
                self.err(&name.span(), message);
                None
            }
        }
    }
}
