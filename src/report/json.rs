//! The JSON summary of docs/outputs.md. Keys keep the contract's order; undefined
//! values (e.g. ASA when nothing was answered, or a CI from one replication)
//! are `null`.

use crate::metrics::KpiTable;
use crate::stats::Estimate;
use crate::summary::{IntervalSummary, Named, Summary};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

struct Est<'a>(&'a Estimate);

impl Serialize for Est<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("mean", &self.0.mean)?;
        m.serialize_entry("ci95", &self.0.ci95)?;
        m.end()
    }
}

/// `{ kpi: estimate, … }` in output order, without the KPIs named in `.1`
/// (those the scenario cannot have, see [`crate::metrics::Kpi::shown_for`]).
struct Table<'a, T>(&'a T, &'a [&'static str]);

impl<T: KpiTable<Value = Estimate>> Serialize for Table<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let shown = || self.0.named().filter(|(name, _)| !self.1.contains(name));
        let mut m = s.serialize_map(Some(shown().count()))?;
        for (name, e) in shown() {
            m.serialize_entry(name, &Est(e))?;
        }
        m.end()
    }
}

/// `{ name: { kpi: estimate, … }, … }`, without the KPIs named in `.1`.
struct Segments<'a, T>(&'a [Named<T>], &'a [&'static str]);

impl<T: KpiTable<Value = Estimate>> Serialize for Segments<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for seg in self.0 {
            m.serialize_entry(&seg.name, &Table(&seg.kpis, self.1))?;
        }
        m.end()
    }
}

/// `{ key: estimate, … }` in order.
struct Keyed<'a, K: AsRef<str>>(&'a [(K, Estimate)]);

impl<K: AsRef<str>> Serialize for Keyed<'_, K> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, e) in self.0 {
            m.serialize_entry(k.as_ref(), &Est(e))?;
        }
        m.end()
    }
}

/// The `cost` object of docs/outputs.md ("Costs"), plus `plan`, `channels`, `queues`, `hours`
/// and the plans' break-even beside its keys.
struct Cost<'a>(&'a crate::cost::CostSummary);

impl Serialize for Cost<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("currency", &c.currency)?;
        m.serialize_entry("total", &Est(&c.total))?;
        m.serialize_entry("per_offered", &Est(&c.per_offered))?;
        m.serialize_entry("per_answered", &Est(&c.per_answered))?;
        m.serialize_entry("components", &Keyed(&c.components))?;
        m.serialize_entry("plans", &Keyed(&c.plans))?;
        m.serialize_entry("monthly_projection", &Est(&c.monthly_projection))?;
        m.serialize_entry(
            "month",
            // Keys in alphabetical order, as documented.
            &serde_json::json!({
                "assumption": c.month.describe(),
                "basis": if c.month.days_per_month.is_some() { "operating_days" } else { "hours" },
                "hours": crate::scenario::costs::MONTH_H,
                "operating_days": c.month.days_per_month,
                "window_h": c.month.window_h,
                "window_share": c.month.usage_share,
            }),
        )?;
        m.serialize_entry("plan", c.plan)?;
        m.serialize_entry("monthly_components", &Keyed(&c.monthly_components))?;
        m.serialize_entry("monthly_plans", &Keyed(&c.monthly_plans))?;
        m.serialize_entry(
            "break_even",
            // Keys in alphabetical order, as documented.
            &serde_json::json!({
                "active_hours_per_user_month": {
                    "ci95": c.active_hours_per_user_month.ci95,
                    "mean": c.active_hours_per_user_month.mean
                },
                "named_user_vs_active_hour_h_per_user_month": c.break_even_active_hours
            }),
        )?;
        m.serialize_entry("channels", &Keyed(&c.channels))?;
        m.serialize_entry("queues", &Keyed(&c.queues))?;
        let hours: Vec<(String, Estimate)> = c
            .hours
            .iter()
            .enumerate()
            .map(|(h, e)| (format!("{h:02}"), *e))
            .collect();
        m.serialize_entry("hours", &Keyed(&hours))?;
        m.end()
    }
}

/// `{ group: { activity: estimate } }`.
struct ActivityHours<'a>(&'a Summary);

impl Serialize for ActivityHours<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.groups.len()))?;
        for (g, hours) in self.0.groups.iter().zip(&self.0.activity_hours) {
            let by_activity: Vec<(&str, Estimate)> = self
                .0
                .activity_names
                .iter()
                .map(String::as_str)
                .zip(hours.iter().copied())
                .collect();
            m.serialize_entry(&g.name, &Keyed(&by_activity))?;
        }
        m.end()
    }
}

struct Intervals<'a>(&'a Summary, &'a [String]);

impl Serialize for Intervals<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.intervals.len()))?;
        for iv in &self.0.intervals {
            seq.serialize_element(&IntervalRow(iv, self.1))?;
        }
        seq.end()
    }
}

struct IntervalRow<'a>(&'a IntervalSummary, &'a [String]);

impl Serialize for IntervalRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("start_s", &self.0.start_s)?;
        m.serialize_entry("end_s", &self.0.end_s)?;
        for (name, e) in self.0.kpis.named() {
            m.serialize_entry(name, &Est(e))?;
        }
        let occ: Vec<(&String, Est<'_>)> = self
            .1
            .iter()
            .zip(self.0.occupancy.iter().map(Est))
            .collect();
        m.serialize_entry("occupancy", &OccMap(&occ))?;
        m.end()
    }
}

struct OccMap<'a>(&'a [(&'a String, Est<'a>)]);

impl Serialize for OccMap<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Summary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let group_names: Vec<String> = self.groups.iter().map(|g| g.name.clone()).collect();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("scenario", &self.scenario)?;
        m.serialize_entry("seed", &self.seed)?;
        m.serialize_entry("replications", &self.replications)?;
        let hide = self.hidden_kpis();
        m.serialize_entry("overall", &Table(&self.overall.kpis, hide))?;
        m.serialize_entry("queues", &Segments(&self.queues, hide))?;
        m.serialize_entry("unqueued", &Table(&self.unqueued.kpis, hide))?;
        m.serialize_entry("channels", &Segments(&self.channels, hide))?;
        m.serialize_entry("sources", &Segments(&self.sources, hide))?;
        m.serialize_entry("groups", &Segments(&self.groups, &[]))?;
        m.serialize_entry("steps", &Segments(&self.steps, &[]))?;
        m.serialize_entry("filters", &Segments(&self.filters, &[]))?;
        m.serialize_entry("queue_flow", &Segments(&self.queue_flow, &[]))?;
        m.serialize_entry("activity_hours", &ActivityHours(self))?;
        m.serialize_entry("intervals", &Intervals(self, &group_names))?;
        if let Some(c) = &self.cost {
            m.serialize_entry("cost", &Cost(c))?;
            m.serialize_entry("usage", &Keyed(&c.usage))?;
        }
        if let Some(f) = &self.faults {
            m.serialize_entry("faults", &Table(f, &[]))?;
        }
        if let Some(b) = &self.blocking {
            m.serialize_entry("blocking", &Table(b, &[]))?;
        }
        if let Some(x) = &self.self_service {
            m.serialize_entry("self_service", &Table(x, &[]))?;
        }
        if !self.conversations.is_empty() {
            m.serialize_entry("conversations", &Segments(&self.conversations, &[]))?;
        }
        m.serialize_entry("contacts_simulated", &self.contacts)?;
        m.end()
    }
}

/// The summary as pretty-printed JSON with a trailing newline.
pub fn to_string(summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(summary).expect("summaries always serialize");
    s.push('\n');
    s
}

/// The summary as JSON on one line (no trailing newline), for files with
/// one record per line.
pub fn to_line(summary: &Summary) -> String {
    serde_json::to_string(summary).expect("summaries always serialize")
}
