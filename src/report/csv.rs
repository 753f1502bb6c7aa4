//! `summary.csv` (one row per segment × KPI), `intervals.csv` (one row per
//! interval, the whole center), `intervals-long.csv` (one row per interval ×
//! scope × KPI) and `waits.csv` (the wait distribution) in the report folder.

use crate::metrics::{IntervalKpi, KpiTable, Scope};
use crate::stats::Estimate;
use crate::summary::Summary;

/// How a value is written.
type Format = fn(Option<f64>) -> String;

fn num(v: Option<f64>) -> String {
    v.map_or_else(String::new, |x| format!("{x}"))
}

/// One `summary.csv` row.
fn row(w: &mut csv::Writer<Vec<u8>>, kind: &str, name: &str, kpi: &str, e: &Estimate) {
    w.write_record([kind, name, kpi, &num(e.mean), &num(e.ci95)])
        .expect("writing to memory");
}

/// One `summary.csv` row per KPI of a table but `hide` (see
/// [`Summary::hidden_kpis`]).
fn rows(
    w: &mut csv::Writer<Vec<u8>>,
    kind: &str,
    name: &str,
    kpis: &impl KpiTable<Value = Estimate>,
    hide: &[&str],
) {
    for (kpi, e) in kpis.named().filter(|(k, _)| !hide.contains(k)) {
        row(w, kind, name, kpi, e);
    }
}

/// Builds `summary.csv`: `segment_type,segment,kpi,mean,ci95`.
pub fn summary_csv(s: &Summary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let hide = s.hidden_kpis();
    rows(&mut w, "overall", "overall", &s.overall.kpis, hide);
    rows(&mut w, "unqueued", "(no queue)", &s.unqueued.kpis, hide);
    for (kind, segs) in [
        ("queue", &s.queues),
        ("channel", &s.channels),
        ("source", &s.sources),
    ] {
        for seg in segs {
            rows(&mut w, kind, &seg.name, &seg.kpis, hide);
        }
    }
    for g in &s.groups {
        rows(&mut w, "group", &g.name, &g.kpis, &[]);
    }
    for st in &s.steps {
        rows(&mut w, "step", &st.name, &st.kpis, &[]);
    }
    for f in &s.filters {
        rows(&mut w, "filter", &f.name, &f.kpis, &[]);
    }
    for q in &s.queue_flow {
        rows(&mut w, "queue_flow", &q.name, &q.kpis, &[]);
    }
    for (group, hours) in s.groups.iter().zip(&s.activity_hours) {
        for (activity, e) in s.activity_names.iter().zip(hours) {
            row(&mut w, "activity_hours", &group.name, activity, e);
        }
    }
    let mut body = b"segment_type,segment,kpi,mean,ci95\n".to_vec();
    body.extend(w.into_inner().expect("writing to memory"));
    body
}

/// Builds `intervals.csv`: interval bounds, then mean and ci95 of each KPI and
/// of each group's occupancy.
pub fn intervals_csv(s: &Summary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "interval".to_string(),
        "start_s".into(),
        "end_s".into(),
        "start".into(),
    ];
    for k in IntervalKpi::ALL.map(IntervalKpi::name) {
        header.push(format!("{k}_mean"));
        header.push(format!("{k}_ci95"));
    }
    for g in &s.groups {
        header.push(format!("occupancy_{}_mean", g.name));
        header.push(format!("occupancy_{}_ci95", g.name));
    }
    w.write_record(&header).expect("writing to memory");
    for (i, iv) in s.intervals.iter().enumerate() {
        let mut rec = vec![
            i.to_string(),
            format!("{}", iv.start_s),
            format!("{}", iv.end_s),
            super::clock(iv.start_s),
        ];
        for e in iv.kpis.iter().map(|(_, e)| e).chain(&iv.occupancy) {
            rec.push(num(e.mean));
            rec.push(num(e.ci95));
        }
        w.write_record(&rec).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Builds `intervals-long.csv`: `interval,start,start_s,end_s,scope,name,
/// kpi,mean,ci95`, one row per interval × scope × KPI — every segment scope
/// (overall, no queue, queues, channels, sources), then every group —
/// grouped by interval so a day reads top to bottom. With costs, the
/// overall scope and each channel also have a `cost` row and each group a
/// `labor_cost` row, in money to the micro-unit.
pub fn intervals_long_csv(s: &Summary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "interval", "start", "start_s", "end_s", "scope", "name", "kpi", "mean", "ci95",
    ])
    .expect("writing to memory");
    for (k, iv) in s.intervals.iter().enumerate() {
        let head = [
            k.to_string(),
            s.time_label(iv.start_s),
            format!("{}", iv.start_s),
            format!("{}", iv.end_s),
        ];
        // `fmt`: full precision, or money to the micro-unit.
        let mut put = |scope: &str, name: &str, kpi: &str, e: &Estimate, fmt: Format| {
            let tail = [scope, name, kpi, &fmt(e.mean), &fmt(e.ci95)];
            w.write_record(head.iter().map(String::as_str).chain(tail))
                .expect("writing to memory");
        };
        // With costs: the interval's cost after the overall KPIs, each
        // channel's usage cost after the channel's, each group's labour after
        // the group's.
        let cost = s.cost.as_ref();
        let mut channel = 0;
        for sc in &s.scope_intervals {
            for (kpi, e) in sc.intervals[k].named() {
                put(sc.scope.name(), &sc.name, kpi, e, num);
            }
            let amount = match sc.scope {
                Scope::Overall => cost.map(|c| ("cost", &c.intervals[k])),
                Scope::Channel => {
                    channel += 1;
                    cost.map(|c| ("cost", &c.channel_intervals[channel - 1].1[k]))
                }
                _ => None,
            };
            if let Some((kpi, e)) = amount {
                put(sc.scope.name(), &sc.name, kpi, e, money);
            }
        }
        for (g, group) in s.group_intervals.iter().enumerate() {
            for (kpi, e) in group.kpis[k].named() {
                put("group", &group.name, kpi, e, num);
            }
            if let Some(c) = cost {
                put(
                    "group",
                    &group.name,
                    "labor_cost",
                    &c.labor_intervals[g].1[k],
                    money,
                );
            }
        }
    }
    w.into_inner().expect("writing to memory")
}

/// Builds `waits.csv`: per scope (overall, then each queue) and wait bin,
/// the share of answered contacts in the bin and the share that waited at
/// most its upper edge. Bin 0 is "answered at once"; the last bin has no
/// upper edge.
pub fn waits_csv(s: &Summary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "scope",
        "name",
        "from_s",
        "to_s",
        "share_mean",
        "share_ci95",
        "within_mean",
        "within_ci95",
    ])
    .expect("writing to memory");
    let edges = &s.waits.edges;
    let none = Estimate::from_values([]);
    for sc in &s.waits.scopes {
        for (b, share) in sc.bins.iter().enumerate() {
            let from = if b == 0 { 0.0 } else { edges[b - 1] };
            let (to, within) = match edges.get(b) {
                Some(e) => (format!("{e}"), &sc.within[b]),
                None => (String::new(), &none),
            };
            w.write_record([
                sc.scope.name(),
                &sc.name,
                &format!("{from}"),
                &to,
                &num(share.mean),
                &num(share.ci95),
                &num(within.mean),
                &num(within.ci95),
            ])
            .expect("writing to memory");
        }
    }
    w.into_inner().expect("writing to memory")
}

/// The CSV files of a run's report folder: `summary.csv`, `intervals.csv`,
/// `intervals-long.csv`, `waits.csv`, and `costs.csv` when the scenario has
/// costs.
pub fn files(s: &Summary) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![
        ("summary.csv".to_string(), summary_csv(s)),
        ("intervals.csv".to_string(), intervals_csv(s)),
        ("intervals-long.csv".to_string(), intervals_long_csv(s)),
        ("waits.csv".to_string(), waits_csv(s)),
    ];
    if let Some(c) = &s.cost {
        out.push(("costs.csv".to_string(), costs_csv(c)));
    }
    out
}

/// Money to the micro-unit (amounts are exact in millionths; a CI of a
/// constant amount is float noise, not a fraction of a cent).
fn money(v: Option<f64>) -> String {
    v.map_or_else(String::new, |x| format!("{:.6}", x + 0.0))
}

/// A quantity rounded to six decimals, trailing zeros dropped.
fn quantity(v: Option<f64>) -> String {
    v.map_or_else(String::new, |x| {
        let t = format!("{:.6}", (x * 1e6).round() / 1e6 + 0.0);
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    })
}

/// The unit of a usage quantity, from its key (`agent_hours`,
/// `paid_h.<group>`, `<channel>.inbound_min`, …).
fn usage_unit(key: &str) -> &'static str {
    let item = key.rsplit('.').next().unwrap_or(key);
    match item {
        _ if key.starts_with("paid_h.") || item == "agent_hours" => "h",
        "named_users" | "monthly_active_users" => "users",
        _ if item.ends_with("_min") => "min",
        _ if item.ends_with("_s") => "s",
        "messages_in" | "messages_out" => "messages",
        "segments" => "segments",
        "conversations" => "conversations",
        _ => "",
    }
}

/// Builds `costs.csv`: `section,item,mean,ci95,unit`. Sections `total`,
/// `component`, `monthly_component`, `plan`, `monthly_plan`, `channel`,
/// `queue` and `hour` are money (unit: the currency, to the micro-unit);
/// `usage` rows are quantities with their unit (h, min, s, users, messages,
/// segments, conversations); `month` rows state what a month is for every
/// monthly figure.
pub fn costs_csv(c: &crate::cost::CostSummary) -> Vec<u8> {
    let cur = c.currency.as_str();
    let mut rows: Vec<[String; 5]> = Vec::new();
    let mut amount = |section: &str, item: &str, e: &Estimate| {
        rows.push([
            section.into(),
            item.into(),
            money(e.mean),
            money(e.ci95),
            cur.into(),
        ]);
    };
    amount("total", "total", &c.total);
    amount("total", "per_offered", &c.per_offered);
    amount("total", "per_answered", &c.per_answered);
    amount("total", "monthly_projection", &c.monthly_projection);
    for (section, items) in [
        ("component", &c.components),
        ("monthly_component", &c.monthly_components),
    ] {
        for (k, e) in items {
            amount(section, k, e);
        }
    }
    for (section, items) in [("plan", &c.plans), ("monthly_plan", &c.monthly_plans)] {
        for (k, e) in items {
            amount(section, k, e);
        }
    }
    for (section, items) in [("channel", &c.channels), ("queue", &c.queues)] {
        for (k, e) in items {
            amount(section, k, e);
        }
    }
    for (h, e) in c.hours.iter().enumerate() {
        amount("hour", &format!("{h:02}"), e);
    }
    let mut quantities = |section: &str, item: &str, e: &Estimate, unit: &str| {
        rows.push([
            section.into(),
            item.into(),
            quantity(e.mean),
            quantity(e.ci95),
            unit.into(),
        ]);
    };
    quantities(
        "plan",
        "active_hours_per_user_month",
        &c.active_hours_per_user_month,
        "h",
    );
    for (k, e) in &c.usage {
        quantities("usage", k, e, usage_unit(k));
    }
    let m = &c.month;
    let fixed = |x: f64| Estimate {
        mean: Some(x),
        ci95: None,
        sd: None,
        n: 1,
    };
    match m.days_per_month {
        None => quantities(
            "month",
            "hours",
            &fixed(crate::scenario::costs::MONTH_H),
            "h",
        ),
        Some(d) => quantities("month", "operating_days", &fixed(d), "days"),
    }
    quantities("month", "window", &fixed(m.window_h), "h");
    quantities("month", "window_share", &fixed(m.usage_share), "share");
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["section", "item", "mean", "ci95", "unit"])
        .expect("writing to memory");
    for r in rows {
        w.write_record(&r).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}
