//! `[[agents]]` groups: head count, attributes, per-channel capacity, shifts,
//! breaks, absence, disconnects, reservation settings and scripted changes;
//! then a warning for any queue no worker can ever join.

use super::profiles::ChangeSpec;
use super::queues::member_of;
use super::{Unit, Validator};
use crate::expr::Attrs;
use crate::scenario::raw::RawAgents;
use crate::scenario::units::{parse_clock, parse_rate};
use crate::scenario::{
    Activity, BREAK, Channel, Disconnects, Group, GroupId, Profile, Queue, QueueId, Reservations,
};
use std::collections::HashMap;
use toml::Spanned;

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
    ) -> Option<Vec<Group>> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        let mut ok = true;
        let n_channels = channels.len();
        // A group that could not be read whole may be the one a queue needs.
        let unknown_count = self.incomplete.contains("agent group")
            || raw.iter().any(|g| {
                let x = g.get_ref();
                self.has_unreadable_within(&g.span())
                    || self.is_unreadable(&x.count.span())
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
            let count = *gr.count.get_ref();
            if !(0..=1_000_000).contains(&count) {
                self.err(
                    &gr.count.span(),
                    format!("count must be between 0 and 1000000, found {count}"),
                );
                ok = false;
            }
            let attrs = gr
                .attributes
                .as_ref()
                .map_or_else(Attrs::default, |t| self.attrs_from_table(t.get_ref()));
            // docs/routing.md, "Multitasking and capacity" [I]: without `capacity`, one of every channel;
            // with it, only the channels listed.
            let listed = self.capacity_map(gr.capacity.as_ref(), channels, &mut ok);
            let default = if gr.capacity.is_some() { 0u16 } else { 1 };
            let capacity: Vec<u16> = listed.iter().map(|c| c.unwrap_or(default)).collect();
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
                count: count.max(0) as u32,
                attrs,
                capacity,
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
