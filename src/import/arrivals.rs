//! Arrival rates from event history (issue 15, part 2: calibration): the
//! intraday profile of each source, as the scenario's `profile = { interval,
//! rates }` takes it (docs/scenario.md, "Intraday profiles").
//!
//! Each `task.created` is counted in its interval of the day (the day runs
//! from midnight UTC for dated histories, from time 0 for ccsim's). A rate
//! is a count divided by the time that interval was *observed*: the part
//! of each day's interval between the history's first and last arrival, so
//! that a history starting at 09:05 or ending mid-afternoon does not read
//! as quiet mornings or evenings.

use super::events::{Event, EventLog};
use std::collections::BTreeMap;

const DAY: f64 = 86_400.0;

/// One source's arrivals per interval of the day.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Width of each interval (seconds; divides a day).
    pub interval_s: f64,
    /// Tasks created in each interval, over all days.
    pub counts: Vec<u64>,
    /// Days each interval was observed (fractions for partly observed ones).
    pub exposure_days: Vec<f64>,
    /// Rate per hour in each interval (`None` where it was never observed).
    pub rates_per_h: Vec<Option<f64>>,
    /// Its 95% interval per hour (Poisson: count ± 1.96 √count, at least 0).
    pub ci95: Vec<Option<(f64, f64)>>,
}

/// A source named by its channel (the sources of `ccsim import workspace`
/// are finer; this is the key every history has).
pub fn by_channel(e: &Event) -> String {
    e.channel.clone().unwrap_or_else(|| "(no channel)".into())
}

/// Profiles per source, `by` naming each task's source (an empty name
/// leaves the task out: it is not a fresh arrival, or has no source). Only
/// a task's first creation counts. `None` when the
/// interval does not divide a day into whole intervals (as the scenario's
/// profile requires) or the history has no span.
pub fn profiles(
    log: &EventLog,
    interval_s: f64,
    by: &dyn Fn(&Event) -> String,
) -> Option<BTreeMap<String, Profile>> {
    let per_day = DAY / interval_s;
    if !(interval_s > 0.0 && (per_day - per_day.round()).abs() < 1e-9 && per_day >= 1.0) {
        return None;
    }
    let n = per_day.round() as usize;
    // The span is that of the arrivals: completions after the last arrival
    // (a simulation's drain, work finishing after closing) are not time in
    // which arrivals were watched for.
    let mut created = log.events.iter().filter(|e| e.kind == "task.created");
    let first = created.next()?.t;
    let last = created.next_back().map_or(first, |e| e.t);
    // Observed days per interval: each day's interval clipped to the span.
    let mut exposure = vec![0.0; n];
    let mut day = (first / DAY).floor();
    while day * DAY <= last {
        for (i, e) in exposure.iter_mut().enumerate() {
            let start = day * DAY + i as f64 * interval_s;
            let seen = (last.min(start + interval_s) - first.max(start)).max(0.0);
            *e += seen / interval_s;
        }
        day += 1.0;
    }
    let mut counts: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    // A task created again (ccsim's redial, call back or voicemail of the
    // same task) is not a new arrival.
    let mut seen = std::collections::BTreeSet::new();
    for e in log.events.iter().filter(|e| e.kind == "task.created") {
        if e.task.as_ref().is_some_and(|t| !seen.insert(t.as_str())) {
            continue;
        }
        let source = by(e);
        if source.is_empty() {
            continue;
        }
        let slot = (((e.t.rem_euclid(DAY)) / interval_s) as usize).min(n - 1);
        counts.entry(source).or_insert_with(|| vec![0; n])[slot] += 1;
    }
    Some(
        counts
            .into_iter()
            .map(|(source, counts)| {
                let hours = |days: f64| days * interval_s / 3600.0;
                let rates = counts
                    .iter()
                    .zip(&exposure)
                    .map(|(&c, &d)| (d > 0.0).then(|| c as f64 / hours(d)))
                    .collect();
                let ci95 = counts
                    .iter()
                    .zip(&exposure)
                    .map(|(&c, &d)| {
                        (d > 0.0).then(|| {
                            let half = 1.96 * (c as f64).sqrt();
                            (
                                (c as f64 - half).max(0.0) / hours(d),
                                (c as f64 + half) / hours(d),
                            )
                        })
                    })
                    .collect();
                (
                    source,
                    Profile {
                        interval_s,
                        counts,
                        exposure_days: exposure.clone(),
                        rates_per_h: rates,
                        ci95,
                    },
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::events::Clock;

    fn created(t: f64, channel: &str) -> Event {
        Event {
            t,
            kind: "task.created".into(),
            task: Some(format!("{t}")),
            queue: None,
            worker: None,
            channel: Some(channel.into()),
            ..Event::default()
        }
    }

    fn log(events: Vec<Event>) -> EventLog {
        EventLog {
            events,
            clock: Clock::Simulation,
            problems: Vec::new(),
            by_type: BTreeMap::new(),
            other_types: BTreeMap::new(),
            out_of_order: 0,
        }
    }

    #[test]
    fn counts_over_the_observed_part_of_each_interval() {
        // A history from 03:00 on day 0 to 18:00 on day 1, 6 h intervals.
        let h = 3600.0;
        let mut events = vec![created(3.0 * h, "voice")];
        events.extend((0..12).map(|i| created(7.0 * h + i as f64, "voice")));
        events.push(created(DAY + 13.0 * h, "chat"));
        events.push(created(DAY + 18.0 * h, "voice"));
        let p = profiles(&log(events), 6.0 * h, &by_channel).unwrap();
        let voice = &p["voice"];
        // 00–06: day 0 seen from 03:00 (half), day 1 whole: 1.5 days.
        // 18–24: day 0 whole, day 1 not at all (the history ends at 18:00).
        assert_eq!(voice.exposure_days, [1.5, 2.0, 2.0, 1.0]);
        assert_eq!(voice.counts, [1, 12, 0, 1]);
        // 12 tasks in 2 days of 6 h: 1/h.
        assert_eq!(voice.rates_per_h[1], Some(1.0));
        assert_eq!(voice.rates_per_h[0], Some(1.0 / 9.0));
        let (lo, hi) = voice.ci95[1].unwrap();
        assert!((lo - (12.0 - 1.96 * 12f64.sqrt()) / 12.0).abs() < 1e-12 && hi > 1.0);
        assert_eq!(p["chat"].counts, [0, 0, 1, 0]);
        // An interval that does not divide the day.
        assert!(profiles(&log(vec![created(0.0, "voice")]), 7.0 * h, &by_channel).is_none());
    }
}
