//! The calibration report (`<stem>.calibration.json`, docs/calibrate.md,
//! "The calibration report"): every fit with its uncertainty and the
//! comparison behind each choice, for a reader who wants to know how far to
//! trust each number of the scenario.

use super::{Calibration, Wrapup};
use crate::import::durations::{self, Comparison};
use crate::import::events::{Clock, EventLog};
use crate::import::reservations::{self, Share};
use serde_json::{Value, json};

impl Calibration {
    /// The calibration report (`<stem>.calibration.json`).
    pub fn report(&self, log: &EventLog) -> Value {
        let comparison = |c: &Comparison| {
            json!({
                "n": c.n,
                "left_out": c.left_out,
                "chosen": c.best().family.name(),
                "fits": c.fits.iter().map(|f| json!({
                    "family": f.family.name(), "mean_s": f.mean, "cv": f.cv,
                    "log_likelihood": f.log_likelihood, "aic": f.aic,
                })).collect::<Vec<_>>(),
            })
        };
        let share = |s: Option<Share>| s.map(|s| json!({"p": s.p, "ci95": [s.ci95.0, s.ci95.1]}));
        let sources: Vec<Value> = self
            .sources
            .iter()
            .map(|s| {
                json!({
                    "name": s.name, "channel": s.channel, "queue": s.queue,
                    "by": s.by.iter().map(|(k, v)| (k.clone(), v.clone().unwrap_or(Value::Null))).collect::<serde_json::Map<_, _>>(),
                    "tasks": s.tasks,
                    "arrivals": {
                        "interval_s": s.profile.interval_s,
                        "counts": s.profile.counts,
                        "exposure_days": s.profile.exposure_days,
                        "rate_per_h": s.profile.rates_per_h,
                        "rate_per_h_ci95": s.profile.ci95.iter().map(|c| c.map(|(a, b)| [a, b])).collect::<Vec<_>>(),
                        "weekly": s.weekly,
                        "weekday_rate_per_h": s.weekday_profile,
                        "busyness_cv": s.busyness.map(|b| b.0),
                        "busyness_days": s.busyness.map(|b| b.1),
                    },
                    "redials": s.redials.as_ref().map(|r| json!({
                        "abandoned": r.abandoned,
                        "redialed": r.redialed,
                        "probability": share(reservations::share(r.redialed, r.abandoned)),
                        "delay": durations::compare(&r.delays).as_ref().map(comparison),
                    })),
                    "talk": s.talk.as_ref().map(comparison),
                    "wrapup": match &s.wrapup {
                        None => Value::Null,
                        Some(Wrapup::Fixed(x)) => json!({"fixed_s": x}),
                        Some(Wrapup::Fitted(c)) => comparison(c),
                    },
                    "patience": {
                        "abandoned": s.waits.0,
                        "censored": s.waits.1,
                        "exponential_mean_s": s.patience.map(|p| p.mean),
                        "exponential_mean_ci95": s.patience.map(|p| [p.ci95.0, p.ci95.1]),
                        "kaplan_meier_distance": s.patience.map(|p| p.distance),
                        "kaplan_meier_median_s": s.patience_median,
                    },
                })
            })
            .collect();
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|g| {
                let o = &g.offers;
                json!({
                    "name": g.name, "workers": g.workers, "count": g.count,
                    "plan": g.plan, "shrinkage": g.shrinkage,
                    "serves": g.serves, "capacity": g.capacity,
                    "offers": {
                        "offered": o.offered, "accepted": o.accepted, "rejected": o.rejected,
                        "timed_out": o.timed_out, "canceled": o.canceled, "open": o.open,
                        "reject_probability": share(o.reject()),
                        "no_answer_probability": share(o.no_answer()),
                        "accept_delay": g.accept_delay.as_ref().map(comparison),
                    },
                })
            })
            .collect();
        json!({
            "ccsim_version": env!("CARGO_PKG_VERSION"),
            "inputs": self.options.inputs,
            "clock": match self.clock { Clock::Unix => "unix", Clock::Simulation => "simulation" },
            "origin": self.origin,
            "start": self.start,
            "interval_s": self.options.interval_s,
            "by": self.options.by,
            "customer": self.options.customer,
            "redial_window_s": self.options.redial_window_s,
            "horizon_s": self.horizon_s,
            "warmup_s": self.warmup_s,
            "events": {
                "used": log.events.len(),
                "by_type": log.by_type,
                "other_types": log.other_types,
                "out_of_order": log.out_of_order,
                "problems": log.problems.len(),
                "problem_list": log.problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
            },
            "tasks": {
                "created": self.tasks,
                "placed": self.sources.iter().map(|s| s.tasks).sum::<usize>(),
                "redials": self.sources.iter().filter_map(|s| s.redials.as_ref()).map(|r| r.redialed).sum::<usize>(),
                "no_channel": self.unplaced.no_channel,
                "no_queue": self.unplaced.no_queue,
                "created_before_history": self.untimed,
                "unfinished": self.unfinished,
            },
            "channels": self.channels.iter().map(|c| json!({
                "name": c.name, "original": c.original, "talk": c.talk.as_ref().map(comparison),
            })).collect::<Vec<_>>(),
            "queues": self.queues.iter().map(|q| json!({"name": q.name, "id": q.id, "friendly_name": q.friendly})).collect::<Vec<_>>(),
            "sources": sources,
            "transfers": self.transfers.iter().map(|t| json!({
                "queue": t.queue,
                "answered": t.answered,
                "transferred": t.transferred,
                "probability": share(reservations::share(t.transferred, t.answered)),
                "targets": t.targets.iter().map(|(q, n)| json!({"queue": q, "count": n})).collect::<Vec<_>>(),
                "second_leg": t.second_leg.as_ref().map(comparison),
            })).collect::<Vec<_>>(),
            "groups": groups,
            "notes": self.notes,
        })
    }
}
