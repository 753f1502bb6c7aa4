//! Redials: customers who hang up and call again. The history must link the
//! attempts of one customer:
//!
//! - in ccsim's trail a redial's `task.created` names the attempt it
//!   repeats (`redial_of`);
//! - in a TaskRouter history each attempt is its own task, linked by a
//!   customer attribute (`--customer from`): a task is a redial when the
//!   same customer's previous task was abandoned and this one was created
//!   within the redial window after that hang-up.
//!
//! The probability is redials ÷ abandonments (Wilson's interval); the delay
//! from hang-up to the new attempt is fitted like a handle time. Customers
//! who hang up near the end of the history may call again after it, which
//! biases the probability down by about the share of abandonments within
//! one typical delay of the end.

use super::history::History;
use crate::import::events::EventLog;
use std::collections::{BTreeMap, BTreeSet};

/// Redials from one task's abandonments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Redials {
    /// Abandonments (hang-ups while waiting).
    pub abandoned: usize,
    /// Of which followed by a new attempt.
    pub redialed: usize,
    /// Hang-up to new attempt (seconds), each redial.
    pub delays: Vec<f64>,
}

impl Redials {
    /// Adds another's counts.
    pub fn add(&mut self, other: &Redials) {
        self.abandoned += other.abandoned;
        self.redialed += other.redialed;
        self.delays.extend_from_slice(&other.delays);
    }
}

/// ccsim's trail: per task, its abandonment and whether the redial that
/// names it (`redial_of`) followed; and the tasks that are redials (not
/// fresh arrivals, whatever ended the attempt they repeat).
pub fn linked(log: &EventLog) -> (BTreeMap<String, Redials>, BTreeSet<String>) {
    let mut out: BTreeMap<String, Redials> = BTreeMap::new();
    let mut redials = BTreeSet::new();
    let mut hung_up_at: BTreeMap<&str, f64> = BTreeMap::new();
    for e in &log.events {
        let Some(task) = e.task.as_deref() else {
            continue;
        };
        match e.kind.as_str() {
            "task.created" => {
                if let Some(of) = e.redial_of.as_deref() {
                    redials.insert(task.to_string());
                    if let Some(at) = hung_up_at.remove(of) {
                        let r = out.entry(of.to_string()).or_default();
                        r.redialed += 1;
                        r.delays.push(e.t - at);
                    }
                }
            }
            "task.canceled" if e.reason.as_deref() == Some("abandoned") => {
                out.entry(task.to_string()).or_default().abandoned += 1;
                hung_up_at.insert(task, e.t);
            }
            _ => {}
        }
    }
    (out, redials)
}

/// A TaskRouter history: per task SID, whether its abandonment was followed
/// by the same customer's next task within `window` seconds; and the SIDs
/// of the tasks that are such redials (not fresh arrivals).
pub fn by_customer(
    h: &History,
    customer: &str,
    window: f64,
) -> (BTreeMap<String, Redials>, BTreeSet<String>) {
    let mut per_customer: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, t) in h.tasks.iter().enumerate() {
        if let Some(v) = t.attributes.as_ref().and_then(|a| a.get(customer)) {
            let key = match v {
                serde_json::Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            per_customer.entry(key).or_default().push(i);
        }
    }
    let mut out: BTreeMap<String, Redials> = BTreeMap::new();
    let mut redials = BTreeSet::new();
    for tasks in per_customer.values() {
        // Tasks are in order of creation already.
        for (k, &i) in tasks.iter().enumerate() {
            let t = &h.tasks[i];
            let Some(w) = t.wait.filter(|w| w.abandoned) else {
                continue;
            };
            let r = out.entry(t.sid.clone()).or_default();
            r.abandoned += 1;
            let hung_up = t.created + w.seconds;
            if let Some(&j) = tasks.get(k + 1) {
                let delay = h.tasks[j].created - hung_up;
                if (0.0..=window).contains(&delay) {
                    r.redialed += 1;
                    r.delays.push(delay);
                    redials.insert(h.tasks[j].sid.clone());
                }
            }
        }
    }
    (out, redials)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::events::{Clock, Event};

    fn ev(t: f64, kind: &str, task: &str, reason: Option<&str>) -> Event {
        Event {
            t,
            kind: kind.into(),
            task: Some(task.into()),
            reason: reason.map(str::to_string),
            ..Event::default()
        }
    }

    #[test]
    fn a_redial_names_the_attempt_it_repeats() {
        let redial = |t: f64, task: &str, of: &str| Event {
            redial_of: Some(of.into()),
            ..ev(t, "task.created", task, None)
        };
        let log = EventLog {
            events: vec![
                ev(0.0, "task.created", "1", None),
                ev(10.0, "task.canceled", "1", Some("abandoned")),
                redial(70.0, "2", "1"),
                ev(80.0, "task.canceled", "2", Some("abandoned")),
                ev(90.0, "task.created", "3", None),
                ev(95.0, "task.canceled", "3", Some("abandoned")),
                // A redial after a busy signal: not a fresh arrival, but
                // not a redial of a hang-up either.
                ev(100.0, "task.created", "4", None),
                ev(100.0, "task.canceled", "4", Some("blocked")),
                redial(200.0, "5", "4"),
            ],
            clock: Clock::Simulation,
            problems: vec![],
            by_type: BTreeMap::new(),
            other_types: BTreeMap::new(),
            out_of_order: 0,
        };
        let (r, redials) = linked(&log);
        assert_eq!(
            r["1"],
            Redials {
                abandoned: 1,
                redialed: 1,
                delays: vec![60.0]
            }
        );
        assert_eq!((r["2"].abandoned, r["2"].redialed), (1, 0));
        assert_eq!(r["3"].redialed, 0);
        assert!(!r.contains_key("4"));
        assert_eq!(redials.into_iter().collect::<Vec<_>>(), ["2", "5"]);
    }

    #[test]
    fn a_callers_next_task_soon_after_hanging_up_is_a_redial() {
        let created = |t: f64, task: &str, from: &str| Event {
            attributes: serde_json::json!({ "from": from }).as_object().cloned(),
            ..ev(t, "task.created", task, None)
        };
        let log = EventLog {
            events: vec![
                created(0.0, "A1", "+1555"),
                created(5.0, "B1", "+1666"),
                ev(30.0, "task.canceled", "A1", Some("hangup")),
                ev(35.0, "task.canceled", "B1", Some("hangup")),
                // A calls again 2 minutes after hanging up; B only after 2 h.
                created(150.0, "A2", "+1555"),
                created(7235.0, "B2", "+1666"),
            ],
            clock: Clock::Unix,
            problems: vec![],
            by_type: BTreeMap::new(),
            other_types: BTreeMap::new(),
            out_of_order: 0,
        };
        let h = History::read(&log);
        let (stats, redials) = by_customer(&h, "from", 3600.0);
        assert_eq!(stats["A1"].redialed, 1);
        assert_eq!(stats["A1"].delays, vec![120.0]);
        assert_eq!(stats["B1"].abandoned, 1);
        assert_eq!(stats["B1"].redialed, 0);
        assert_eq!(redials.into_iter().collect::<Vec<_>>(), ["A2"]);
    }
}
