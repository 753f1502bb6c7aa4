//! Reservation behaviour from event history (issue 15, part 2:
//! calibration): per group of workers, how offers end (accepted, rejected,
//! timed out, canceled) and how long they rang, for `[reservations]`
//! (docs/scenario.md): `reject_probability`, `no_answer_probability` and
//! `accept_delay`.
//!
//! An offer is a `reservation.created` for a task and a worker; it ends at
//! the next `reservation.accepted`, `.rejected`, `.timeout`, `.canceled` or
//! `.rescinded` for the same task and worker (a task has at most one open
//! offer per worker, so no reservation SID is needed, and ccsim's trail has
//! none).

use super::events::EventLog;
use std::collections::BTreeMap;

/// A share with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    /// Successes ÷ trials.
    pub p: f64,
    /// Wilson's 95% score interval (sound near 0 and 1, where a few
    /// rejections among many offers put the rates of interest).
    pub ci95: (f64, f64),
}

/// `k` of `n`, with Wilson's interval; `None` without trials.
pub fn share(k: usize, n: usize) -> Option<Share> {
    if n == 0 {
        return None;
    }
    let (k, n) = (k as f64, n as f64);
    let z: f64 = 1.959_963_984_540_054;
    let p = k / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    Some(Share {
        p,
        ci95: ((centre - half).max(0.0), (centre + half).min(1.0)),
    })
}

/// How a group's offers ended.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Offers {
    /// Offers made.
    pub offered: usize,
    /// Accepted.
    pub accepted: usize,
    /// Rejected by the worker.
    pub rejected: usize,
    /// Not answered within the reservation timeout.
    pub timed_out: usize,
    /// Canceled or rescinded while ringing (a hang-up, a TTL, another worker
    /// accepting): the worker's behaviour was not seen.
    pub canceled: usize,
    /// Still ringing when the history ends.
    pub open: usize,
    /// Ringing time of each accepted offer (seconds).
    pub accept_delays: Vec<f64>,
    /// Ringing time of each rejected offer (seconds).
    pub reject_delays: Vec<f64>,
}

impl Offers {
    /// Offers whose end says how the worker behaves (canceled and open
    /// ones do not).
    pub fn decided(&self) -> usize {
        self.accepted + self.rejected + self.timed_out
    }

    /// `reject_probability`: rejected among decided offers.
    pub fn reject(&self) -> Option<Share> {
        share(self.rejected, self.decided())
    }

    /// `no_answer_probability`: timed out among decided offers.
    ///
    /// Canceled offers are left out, which biases this rate down (and the
    /// others up) when customers hang up while offers ring: an offer that
    /// would ring until the timeout is more likely to be canceled first
    /// than one answered in seconds. It is unbiased when nothing is
    /// canceled (see `canceled`); correcting for it is left to the
    /// calibration that models ringing and patience together.
    pub fn no_answer(&self) -> Option<Share> {
        share(self.timed_out, self.decided())
    }
}

/// The group of a ccsim worker name (`<group>-<n>`, docs/scenario.md,
/// `[[agents]]`): the name without its last `-<number>`.
pub fn ccsim_group(worker: &str) -> String {
    match worker.rsplit_once('-') {
        Some((group, n)) if !group.is_empty() && n.parse::<u64>().is_ok() => group.to_string(),
        _ => worker.to_string(),
    }
}

/// Offers per group, `group_of` naming each worker's group (for TaskRouter
/// histories, through the imported workspace; for ccsim's, [`ccsim_group`]).
pub fn offers(log: &EventLog, group_of: &dyn Fn(&str) -> String) -> BTreeMap<String, Offers> {
    let mut out: BTreeMap<String, Offers> = BTreeMap::new();
    // Open offers: (task, worker) → created at.
    let mut ringing: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    for e in &log.events {
        let (Some(task), Some(worker)) = (e.task.as_deref(), e.worker.as_deref()) else {
            continue;
        };
        let kind = e.kind.as_str();
        if !kind.starts_with("reservation.") {
            continue;
        }
        let group = out.entry(group_of(worker)).or_default();
        if kind == "reservation.created" {
            group.offered += 1;
            ringing.insert((task, worker), e.t);
            continue;
        }
        let Some(created) = ringing.remove(&(task, worker)) else {
            continue; // an end without its offer (the history starts mid-ring)
        };
        let rang = (e.t - created).max(0.0);
        match kind {
            "reservation.accepted" => {
                group.accepted += 1;
                group.accept_delays.push(rang);
            }
            "reservation.rejected" => {
                group.rejected += 1;
                group.reject_delays.push(rang);
            }
            "reservation.timeout" => group.timed_out += 1,
            _ => group.canceled += 1,
        }
    }
    for (_, worker) in ringing.keys() {
        out.entry(group_of(worker)).or_default().open += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::events::{Clock, Event};

    fn ev(t: f64, kind: &str, task: &str, worker: &str) -> Event {
        Event {
            t,
            kind: kind.into(),
            task: Some(task.into()),
            queue: None,
            worker: Some(worker.into()),
            ..Event::default()
        }
    }

    #[test]
    fn offers_are_paired_by_task_and_worker() {
        let log = EventLog {
            events: vec![
                ev(0.0, "reservation.created", "1", "desk-1"),
                ev(0.0, "reservation.created", "2", "desk-2"),
                ev(4.0, "reservation.rejected", "1", "desk-1"),
                ev(5.0, "reservation.created", "1", "desk-3"),
                ev(6.0, "reservation.accepted", "2", "desk-2"),
                ev(11.0, "reservation.accepted", "1", "desk-3"),
                ev(20.0, "reservation.created", "3", "desk-1"),
                ev(140.0, "reservation.timeout", "3", "desk-1"),
                ev(150.0, "reservation.created", "3", "back-1"),
                ev(151.0, "reservation.canceled", "3", "back-1"),
                ev(160.0, "reservation.created", "4", "back-1"),
                ev(170.0, "reservation.accepted", "9", "back-1"),
            ],
            clock: Clock::Simulation,
            problems: Vec::new(),
            by_type: BTreeMap::new(),
            other_types: BTreeMap::new(),
            out_of_order: 0,
        };
        let o = offers(&log, &|w: &str| ccsim_group(w));
        let desk = &o["desk"];
        assert_eq!(
            (
                desk.offered,
                desk.accepted,
                desk.rejected,
                desk.timed_out,
                desk.canceled,
                desk.open
            ),
            (4, 2, 1, 1, 0, 0)
        );
        assert_eq!(desk.accept_delays, [6.0, 6.0]);
        assert_eq!(desk.reject_delays, [4.0]);
        let back = &o["back"];
        // One canceled (not the worker's doing), one still ringing; the
        // acceptance of a task never offered is ignored.
        assert_eq!(
            (back.offered, back.canceled, back.open, back.decided()),
            (2, 1, 1, 0)
        );
        assert_eq!(back.reject(), None);
        let r = desk.reject().unwrap();
        assert_eq!(r.p, 0.25);
        assert!(r.ci95.0 < 0.25 && r.ci95.1 > 0.25);
    }

    #[test]
    fn wilson_intervals_and_group_names() {
        // 0 of 10: the interval still has width (0 to about 0.278).
        let s = share(0, 10).unwrap();
        assert_eq!(s.ci95.0, 0.0);
        assert!((s.ci95.1 - 0.2775).abs() < 1e-3, "{s:?}");
        // 50 of 100: 0.5 ± about 0.096.
        let s = share(50, 100).unwrap();
        assert!(
            (s.ci95.0 - 0.4038).abs() < 1e-3 && (s.ci95.1 - 0.5962).abs() < 1e-3,
            "{s:?}"
        );
        assert_eq!(share(1, 0), None);
        assert_eq!(ccsim_group("tier-2-14"), "tier-2");
        assert_eq!(ccsim_group("WK0123"), "WK0123");
        assert_eq!(ccsim_group("-3"), "-3");
    }
}
