//! Routing: where a task waits and which worker gets it.
//!
//! [`Plan`] is built once per scenario. It maps every (step, task class) the
//! workflow walk can produce to a **waitlist**: tasks share one when they are
//! in the same queue and channel and the same workers are eligible for them
//! (same step expression, same values of the task attributes it reads, same
//! known worker). So a free worker checks one top per waitlist, never every
//! task. Eligibility that depends only on static worker attributes is decided
//! here, per (waitlist, member profile of its queue); expressions reading
//! live worker state (`worker.channel.*`, activity) are evaluated on
//! candidate pairs only.
//!
//! At run time [`Router`] keeps a heap per waitlist (best task first: higher
//! priority, then older creation time, then earlier arrival — or newest first
//! in a LIFO queue, docs/routing.md, "Which task a free worker takes"), with a
//! first-in first-out run beside it for tasks that join behind the last one
//! (most of them in a FIFO queue: no sift to join or leave), and a
//! heap of free workers per (idle pool, channel), longest since the last
//! reservation first (docs/routing.md, "Which worker gets a task"). A pool
//! holds the members of one (profile, queue) pair, or every member of a queue
//! whose lists all take the longest-idle capable member: then a task entering
//! a step peeks one heap, however many groups serve the queue. Both heaps
//! delete lazily and compact themselves.
//!
//! | file | concern |
//! |---|---|
//! | `mod.rs` | what expression paths read; `order_by` keys; clock values |
//! | `plan.rs` | [`Plan`]: waitlists, eligibility, idle pools |
//! | `router.rs` | [`Router`]: the run-time heaps |

mod plan;
mod router;

pub use plan::{NO_HEAP, Plan, WaitList};
pub use router::{IdleEntry, Router, WaitEntry};

use crate::expr::{KeyId, ValueRef};
use crate::scenario::{Scenario, WEEKDAYS};
use std::cmp::Ordering;

/// What a `worker.<key>` path reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerField {
    /// A plain attribute of the worker's profile.
    Attr,
    /// `channel.<c>.configured_capacity`.
    Capacity(u32),
    /// `channel.<c>.assigned_tasks`.
    Assigned(u32),
    /// `channel.<c>.available_capacity_percentage`.
    CapacityPct(u32),
    /// `sid` / `friendly_name`.
    Name,
    /// `activity_name`.
    Activity,
    /// `activity_sid`: the activity's SID when `[[activities]]` gives one,
    /// else its name (built-in activities have no SID of their own) \[I\].
    ActivitySid,
}

/// What a `taskrouter.<key>` path reads (all UTC, from the simulated clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockField {
    /// Not a clock value: null.
    None,
    /// `currentTime`: HHMM as an integer.
    Time,
    /// `currentHour`.
    Hour,
    /// `currentMin`.
    Minute,
    /// `dayOfWeek`: "Mon" … "Sun".
    Weekday,
}

/// What a `workers.<key>` counter of `skip_if` counts among the members of
/// the step's queue (docs/routing.md, "skip_if").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipCounter {
    /// `workers.available`: in an available activity.
    Available,
    /// `workers.unavailable`: in any other activity.
    Unavailable,
    /// `workers.<activity name or SID>`: in that activity.
    Activity(u8),
    /// Anything else counts 0 (validation warns).
    Zero,
}

/// Per key of the scenario: how `worker.<key>` resolves.
fn worker_fields(s: &Scenario) -> Vec<WorkerField> {
    let channels: Vec<String> = s.channels.iter().map(|c| c.name.clone()).collect();
    (0..s.keys.len())
        .map(|k| classify_worker_key(s.keys.name(KeyId(k as u32)), &channels))
        .collect()
}

/// Per key of the scenario: how `taskrouter.<key>` resolves.
fn clock_fields(s: &Scenario) -> Vec<ClockField> {
    (0..s.keys.len())
        .map(|k| match s.keys.name(KeyId(k as u32)) {
            "currentTime" => ClockField::Time,
            "currentHour" => ClockField::Hour,
            "currentMin" => ClockField::Minute,
            "dayOfWeek" => ClockField::Weekday,
            _ => ClockField::None,
        })
        .collect()
}

/// Per key of the scenario: what `workers.<key>` counts.
fn skip_counters(s: &Scenario) -> Vec<SkipCounter> {
    (0..s.keys.len())
        .map(|k| match s.keys.name(KeyId(k as u32)) {
            "available" => SkipCounter::Available,
            "unavailable" => SkipCounter::Unavailable,
            n => s
                .activities
                .iter()
                .position(|a| a.name == n || a.sid.as_deref() == Some(n))
                .map_or(SkipCounter::Zero, |a| SkipCounter::Activity(a as u8)),
        })
        .collect()
}

fn classify_worker_key(name: &str, channels: &[String]) -> WorkerField {
    if let Some(rest) = name.strip_prefix("channel.") {
        let mut it = rest.splitn(2, '.');
        let (ch, field) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
        if let Some(c) = channels.iter().position(|x| x == ch) {
            let c = c as u32;
            return match field {
                "configured_capacity" => WorkerField::Capacity(c),
                "assigned_tasks" => WorkerField::Assigned(c),
                "available_capacity_percentage" => WorkerField::CapacityPct(c),
                _ => WorkerField::Attr,
            };
        }
    }
    match name {
        "sid" | "friendly_name" => WorkerField::Name,
        "activity_name" => WorkerField::Activity,
        "activity_sid" => WorkerField::ActivitySid,
        _ => WorkerField::Attr,
    }
}

/// An integer attribute for `order_by` (docs/routing.md, "Which worker gets a task": only integers count).
pub fn int_attr(v: ValueRef<'_>) -> Option<i64> {
    match v {
        ValueRef::Num(n) if n.fract() == 0.0 && n.is_finite() => Some(n as i64),
        _ => None,
    }
}

/// `order_by` comparison: clause by clause; a worker lacking the value sorts
/// after those that have it, in both directions (docs/routing.md, "Which worker gets a task"). `Less` = goes first.
pub fn compare_keys(
    a: &[Option<i64>],
    b: &[Option<i64>],
    clauses: &[crate::scenario::OrderClause],
) -> Ordering {
    for ((x, y), c) in a.iter().zip(b).zip(clauses) {
        let o = match (x, y) {
            (Some(x), Some(y)) => {
                if c.desc {
                    y.cmp(x)
                } else {
                    x.cmp(y)
                }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// A clock value at time `t` (seconds from the start, day 0 = `start_weekday`).
pub fn clock_value(field: ClockField, t: f64, start_weekday: u8) -> ValueRef<'static> {
    let secs = t.max(0.0) as u64;
    let (day, tod) = (secs / 86_400, secs % 86_400);
    let (h, m) = (tod / 3600, (tod % 3600) / 60);
    match field {
        ClockField::None => ValueRef::Null,
        ClockField::Time => ValueRef::Num((h * 100 + m) as f64),
        ClockField::Hour => ValueRef::Num(h as f64),
        ClockField::Minute => ValueRef::Num(m as f64),
        ClockField::Weekday => {
            ValueRef::Str(WEEKDAYS[((day + u64::from(start_weekday)) % 7) as usize])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_by_missing_values_sort_last_both_ways() {
        use crate::scenario::OrderClause;
        let desc = [OrderClause {
            key: KeyId(0),
            desc: true,
        }];
        let asc = [OrderClause {
            key: KeyId(0),
            desc: false,
        }];
        assert_eq!(compare_keys(&[Some(4)], &[Some(2)], &desc), Ordering::Less);
        assert_eq!(
            compare_keys(&[Some(4)], &[Some(2)], &asc),
            Ordering::Greater
        );
        assert_eq!(compare_keys(&[None], &[Some(2)], &desc), Ordering::Greater);
        assert_eq!(compare_keys(&[None], &[Some(2)], &asc), Ordering::Greater);
        assert_eq!(int_attr(ValueRef::Num(2.5)), None);
        assert_eq!(int_attr(ValueRef::Str("3")), None);
    }

    #[test]
    fn clock_values() {
        // Day 1 at 13:05 with day 0 a Friday → Saturday.
        let t = 86_400.0 + 13.0 * 3600.0 + 5.0 * 60.0;
        assert_eq!(clock_value(ClockField::Time, t, 4), ValueRef::Num(1305.0));
        assert_eq!(clock_value(ClockField::Hour, t, 4), ValueRef::Num(13.0));
        assert_eq!(clock_value(ClockField::Weekday, t, 4), ValueRef::Str("Sat"));
    }
}
