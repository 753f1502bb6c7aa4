//! `[[agents]]` groups: head count or staffing plan, attributes, per-channel
//! capacity, shifts, breaks, absence, disconnects, reservation settings and
//! scripted changes; then a warning for any queue no worker can ever join.

use super::profiles::ChangeSpec;
use super::queues::member_of;
use super::{Unit, Validator};
use crate::expr::Attrs;
use crate::scenario::raw::{RawAgents, RawCount};
use crate::scenario::staffing::{Column, StaffingInput};
use crate::scenario::units::{parse_clock, parse_rate};
use crate::scenario::{
    Activity, BREAK, Channel, Disconnects, Group, GroupId, MAX_HEAD_COUNT, Profile, Queue, QueueId,
    Reservations, Simulation, StaffingPlan,
};
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

/// What groups' head counts are checked against: the scenario's intervals
/// (`None` when `[simulation]` is wrong, reported) and the staffing CSV,
/// if it names one.
pub(in crate::scenario) struct PlanInputs<'a> {
    pub sim: Option<&'a Simulation>,
    pub staffing: Option<&'a StaffingInput>,
}

/// A group's head count as checked: fixed, or one per interval.
struct HeadCount {
    /// Workers in the group: the count, or the plan's largest head count
    /// (0 when unknown or wrong).
    workers: u32,
    /// Head counts per interval; empty for a fixed count.
    plan: Vec<u32>,
    /// Where a plan is written (the `count` array, or the `staffing`
    /// value for a CSV column), for problems about it as a whole.
    plan_span: Range<usize>,
    /// Nothing wrong (problems are reported).
    ok: bool,
    /// The count could not be read or worked out, so the queues this group
    /// joins may have members after all.
    unknown: bool,
}

impl Validator<'_> {
    /// A `capacity = { channel = n }` table: per channel, the capacity it
    /// lists (0–50, TaskRouter's limit), `None` where it lists none.
    fn capacity_map(
        &mut self,
        raw: Option<&Spanned<std::collections::BTreeMap<Spanned<String>, Spanned<i64>>>>,
        channels: &[Channel],
        ok: &mut bool,
    ) -> Vec<Option<u16>> {
        let mut out = vec![None; channels.len()];
        for (ch, n) in raw.iter().flat_map(|c| c.get_ref()) {
            let id = self.channel_id(ch, channels);
            let v = *n.get_ref();
            if !(0..=50).contains(&v) {
                self.err(
                    &n.span(),
                    format!("capacity must be between 0 and 50 (TaskRouter's limit), found {v}"),
                );
                *ok = false;
            } else if let Some(id) = id {
                out[id.idx()] = Some(v as u16);
            } else {
                *ok = false;
            }
        }
        out
    }

    /// A `handle_time_factor = { channel = f }` table: per channel, the
    /// factor on the customer's talk time (1 where it lists none).
    fn handle_time_factors(
        &mut self,
        raw: Option<&Spanned<std::collections::BTreeMap<Spanned<String>, Spanned<f64>>>>,
        channels: &[Channel],
        ok: &mut bool,
    ) -> Vec<f64> {
        let mut out = vec![1.0; channels.len()];
        for (ch, f) in raw.iter().flat_map(|c| c.get_ref()) {
            let id = self.channel_id(ch, channels);
            let v = *f.get_ref();
            if !(v.is_finite() && v > 0.0) {
                self.err(
                    &f.span(),
                    format!("a handle_time_factor multiplies the customer's talk time (1 = as drawn, 1.25 = 25% slower); it must be positive, found {v}"),
                );
                *ok = false;
            } else if let Some(id) = id {
                out[id.idx()] = v;
            } else {
                *ok = false;
            }
        }
        out
    }

    /// A group's head count: `count = n`, `count = [..]` (one per
    /// interval), or its column in the staffing CSV, never two of them.
    fn head_count(&mut self, g: &Spanned<RawAgents>, plans: &PlanInputs<'_>) -> HeadCount {
        let PlanInputs { sim, staffing } = *plans;
        let gr = g.get_ref();
        let name = gr.group.get_ref();
        let column = staffing.map_or(Column::Absent, |s| s.column(name));
        let mut out = HeadCount {
            workers: 0,
            plan: Vec::new(),
            plan_span: g.span(),
            ok: false,
            unknown: false,
        };
        let Some(count) = &gr.count else {
            match column {
                Column::Counts(counts) => {
                    out.plan = counts.to_vec();
                    out.workers = counts.iter().copied().max().unwrap_or(0);
                    out.plan_span = staffing.map_or(g.span(), |s| s.span.clone());
                    out.ok = true;
                }
                Column::Absent => {
                    let at = g.span().start..g.span().start;
                    let message = match staffing {
                        None => "[[agents]] needs `count`".to_string(),
                        Some(s) => format!(
                            "[[agents]] needs `count`, or a column for \"{name}\" in the staffing plan {}",
                            s.file
                        ),
                    };
                    self.err(&at, message);
                    out.unknown = true;
                }
                // Reported with the file.
                Column::Broken | Column::Unknown => out.unknown = true,
            }
            return out;
        };
        out.unknown =
            self.is_unreadable(&count.span()) || self.has_unreadable_within(&count.span());
        if let (Column::Counts(_) | Column::Broken, Some(s)) = (&column, staffing) {
            self.err(
                &count.span(),
                format!(
                    "group \"{name}\" also has a column in the staffing plan {}: give its head counts in one place",
                    s.file
                ),
            );
            return out;
        }
        let in_range = |v: &mut Self, n: &Spanned<i64>| {
            let x = *n.get_ref();
            let ok = (0..=MAX_HEAD_COUNT).contains(&x);
            if !ok {
                v.err(
                    &n.span(),
                    format!("count must be between 0 and {MAX_HEAD_COUNT}, found {x}"),
                );
            }
            ok
        };
        match count.get_ref() {
            RawCount::Fixed(n) => {
                out.ok = in_range(self, &Spanned::new(count.span(), *n));
                out.workers = (*n).clamp(0, MAX_HEAD_COUNT) as u32;
            }
            RawCount::Plan(entries) => {
                out.plan_span = count.span();
                out.ok = true;
                for n in entries {
                    out.ok &= in_range(self, n);
                }
                out.plan = entries
                    .iter()
                    .map(|n| (*n.get_ref()).clamp(0, MAX_HEAD_COUNT) as u32)
                    .collect();
                out.workers = out.plan.iter().copied().max().unwrap_or(0);
                if entries.is_empty() {
                    self.err(
                        &count.span(),
                        "count = [] has no head counts: give one per interval, or a single integer",
                    );
                    out.ok = false;
                    out.unknown = true; // no consequential "no worker" warning
                } else if let Some(sim) = sim
                    && entries.len() > sim.plan_interval_count()
                {
                    self.err(
                        &count.span(),
                        format!(
                            "count has {} head counts but the horizon has {} intervals of {} s (counted from time 0, the warm-up included)",
                            entries.len(),
                            sim.plan_interval_count(),
                            sim.interval_s
                        ),
                    );
                    out.ok = false;
                }
            }
        }
        out
    }

    /// Every agent group; `None` when any is wrong (all are still checked,
    /// and a group with bad reservation settings is kept with instant
    /// answers so that the checks of others still see it).
    pub(super) fn groups(
        &mut self,
        raw: &[Spanned<RawAgents>],
        channels: &[Channel],
        queues: &[Queue],
        defaults: &Option<Reservations>,
        activities: &[Activity],
        plans: &PlanInputs<'_>,
    ) -> Option<Vec<Group>> {
        let sim = plans.sim;
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        // Where the first staffing plan is written (for the warm-up warning).
        let mut first_plan = None;
        let mut ok = true;
        let n_channels = channels.len();
        // A group that could not be read whole may be the one a queue needs.
        let mut unknown_count = self.incomplete.contains("agent group")
            || raw.iter().any(|g| {
                let x = g.get_ref();
                self.has_unreadable_within(&g.span())
                    || x.attributes
                        .as_ref()
                        .is_some_and(|a| self.is_unreadable(&a.span()))
                    || x.capacity
                        .as_ref()
                        .is_some_and(|c| self.is_unreadable(&c.span()))
            });
        for g in raw {
            let gr = g.get_ref();
            ok &= self.check_name(&gr.group, "agent group", &mut seen);
            let head = self.head_count(g, plans);
            ok &= head.ok;
            unknown_count |= head.unknown;
            let count = i64::from(head.workers);
            let plan = match (head.plan.is_empty(), sim) {
                (true, _) => None,
                (false, Some(sim)) => {
                    first_plan.get_or_insert(head.plan_span.clone());
                    Some(StaffingPlan {
                        interval_s: sim.interval_s,
                        counts: head.plan,
                    })
                }
                (false, None) => {
                    ok = false; // no interval to lay it on (reported)
                    None
                }
            };
            let attrs = gr
                .attributes
                .as_ref()
                .map_or_else(Attrs::default, |t| self.attrs_from_table(t.get_ref()));
            // docs/routing.md, "Multitasking and capacity" [I]: without `capacity`, one of every channel;
            // with it, only the channels listed.
            let listed = self.capacity_map(gr.capacity.as_ref(), channels, &mut ok);
            let default = if gr.capacity.is_some() { 0u16 } else { 1 };
            let capacity: Vec<u16> = listed.iter().map(|c| c.unwrap_or(default)).collect();
            let handle_time_factor =
                self.handle_time_factors(gr.handle_time_factor.as_ref(), channels, &mut ok);
            let mut breaks = Vec::new();
            let mut break_activities = Vec::new();
            for b in gr.breaks.iter().flatten() {
                let br = b.get_ref();
                let start =
                    parse_clock(br.start.get_ref()).map_err(|e| self.err(&br.start.span(), e));
                let duration = self.positive_duration(&br.duration, "a break's duration");
                let activity = match &br.activity {
                    None => Some(BREAK),
                    Some(name) => self.activity_id(name, activities),
                };
                match (start, duration) {
                    _ if activity.is_none() => ok = false,
                    (Ok(a), Some(d)) if d < 86_400.0 => {
                        breaks.push((a, (a + d) % 86_400.0));
                        break_activities.push(activity.unwrap_or(BREAK));
                    }
                    (Ok(_), Some(_)) => {
                        self.err(&br.duration.span(), "a break must be shorter than a day");
                        ok = false;
                    }
                    _ => ok = false,
                }
            }
            let absence = match &gr.absence {
                None => 0.0,
                Some(p) if (0.0..=1.0).contains(p.get_ref()) => *p.get_ref(),
                Some(p) => {
                    self.err(
                        &p.span(),
                        format!(
                            "absence is a probability between 0 and 1, found {}",
                            p.get_ref()
                        ),
                    );
                    ok = false;
                    0.0
                }
            };
            let mut shifts = Vec::new();
            for s in gr.shifts.iter().flatten() {
                let sr = s.get_ref();
                let start =
                    parse_clock(sr.start.get_ref()).map_err(|e| self.err(&sr.start.span(), e));
                let end = parse_clock(sr.end.get_ref()).map_err(|e| self.err(&sr.end.span(), e));
                match (start, end) {
                    (Ok(a), Ok(b)) if a == b => {
                        self.err(&s.span(), "a shift must have different start and end times");
                        ok = false;
                    }
                    (Ok(a), Ok(b)) => shifts.push((a, b)),
                    _ => ok = false,
                }
            }
            let disconnects = match &gr.disconnects {
                None => None,
                Some(d) => {
                    let x = d.get_ref();
                    let rate = match parse_rate(x.rate.get_ref()) {
                        Ok(r) if r > 0.0 && r <= 1.0 => Some(r),
                        Ok(_) => {
                            self.err(
                                &x.rate.span(),
                                "a disconnect rate must be positive and at most 1/s per agent",
                            );
                            None
                        }
                        Err(e) => {
                            self.err(&x.rate.span(), e);
                            None
                        }
                    };
                    let duration = self.dist(&x.duration, Unit::Seconds);
                    let mut drop = vec![false; n_channels];
                    for ch in &x.drop {
                        match self.channel_id(ch, channels) {
                            Some(id) => drop[id.idx()] = true,
                            None => ok = false,
                        }
                    }
                    match (rate, duration) {
                        (Some(rate_per_s), Some(duration)) => Some(Disconnects {
                            rate_per_s,
                            duration,
                            drop,
                        }),
                        _ => {
                            ok = false;
                            None
                        }
                    }
                }
            };
            let group_queues = member_of(queues, &attrs);
            let mut specs = Vec::new();
            for c in gr.changes.iter().flatten() {
                let x = c.get_ref();
                let at = self.quantity(&x.at, Unit::Seconds);
                let workers = match &x.workers {
                    None => Some(count.max(0) as u32),
                    Some(n) if (1..=count).contains(n.get_ref()) => Some(*n.get_ref() as u32),
                    Some(n) => {
                        let count = if plan.is_some() {
                            format!("its largest head count, {count}")
                        } else {
                            count.to_string()
                        };
                        self.err(&n.span(), format!("workers must be between 1 and the group's count ({count}), found {}", n.get_ref()));
                        None
                    }
                };
                let patch = x
                    .attributes
                    .as_ref()
                    .map_or_else(Attrs::default, |t| self.attrs_from_table(t.get_ref()));
                let cap = self.capacity_map(x.capacity.as_ref(), channels, &mut ok);
                match (at, workers) {
                    (Some(at_s), Some(workers)) if at_s >= 0.0 => specs.push(ChangeSpec {
                        at_s,
                        workers,
                        attrs: patch,
                        capacity: cap,
                    }),
                    (Some(at_s), _) if at_s < 0.0 => {
                        self.err(&x.at.span(), "a change's `at` cannot be negative");
                        ok = false;
                    }
                    _ => ok = false,
                }
            }
            let changes = self.profile_changes(
                raw.len(),
                Profile {
                    group: GroupId(out.len() as u32),
                    attrs: attrs.clone(),
                    capacity: capacity.clone(),
                    queues: group_queues.clone(),
                },
                count.max(0) as u32,
                specs,
                queues,
                g.span(),
            );
            let reservations = match (&gr.reservations, defaults) {
                (Some(r), Some(d)) => self.reservations(Some(r), Some(d)),
                (None, Some(d)) => Some(d.clone()),
                (_, None) => None,
            };
            // A group whose reservation settings are wrong (reported) is kept
            // with instant answers, so the checks of others still see it.
            let reservations = reservations.unwrap_or_else(|| {
                ok = false;
                Reservations::default()
            });
            out.push(Group {
                name: gr.group.get_ref().clone(),
                count: head.workers,
                plan,
                attrs,
                capacity,
                handle_time_factor,
                shifts,
                queues: group_queues,
                reservations,
                breaks,
                break_activities,
                absence,
                disconnects,
                changes,
            });
        }
        if let (Some(span), Some(sim)) = (first_plan, sim) {
            let k = sim.warmup_s / sim.interval_s;
            if (k - k.round()).abs() > 1e-9 {
                self.warn(&span, format!("the warm-up ({} s) is not a whole number of intervals ({} s): staffing-plan entries count from time 0, so they do not line up with the report's intervals, which start at the warm-up's end", sim.warmup_s, sim.interval_s));
            }
        }
        for (qi, q) in queues.iter().enumerate() {
            let id = QueueId(qi as u32);
            let joinable = out.iter().any(|g| g.count > 0 && g.queues.contains(&id))
                || self.extra_profiles.iter().any(|p| p.queues.contains(&id));
            if !joinable && !self.bad_queues[qi] && !unknown_count {
                let span = self.queue_spans[qi].clone();
                self.warn(&span, format!("no worker can ever join queue \"{}\": no agent group matches its target_workers '{}'", q.name, q.target_workers_text));
            }
        }
        ok.then_some(out)
    }
}
