//! `summary.csv` (one row per segment × KPI) and `intervals.csv` (one row per
//! interval) in the report folder.

use super::write_atomic;
use crate::metrics::{INTERVAL_KPI_NAMES, KPI_NAMES};
use crate::stats::Estimate;
use crate::sweep::Summary;
use std::path::Path;

fn num(v: Option<f64>) -> String {
    v.map_or_else(String::new, |x| format!("{x}"))
}

/// Builds `summary.csv`: `segment_type,segment,kpi,mean,ci95`.
pub fn summary_csv(s: &Summary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut row = |kind: &str, name: &str, kpi: &str, e: &Estimate| {
        w.write_record([kind, name, kpi, &num(e.mean), &num(e.ci95)])
            .expect("writing to memory");
    };
    for (k, e) in KPI_NAMES.iter().zip(&s.overall.kpis) {
        row("overall", "overall", k, e);
    }
    for (k, e) in KPI_NAMES.iter().zip(&s.unqueued.kpis) {
        row("unqueued", "(no queue)", k, e);
    }
    for (kind, segs) in [
        ("queue", &s.queues),
        ("channel", &s.channels),
        ("source", &s.sources),
    ] {
        for seg in segs {
            for (k, e) in KPI_NAMES.iter().zip(&seg.kpis) {
                row(kind, &seg.name, k, e);
            }
        }
    }
    for (kind, segs) in [
        ("group", &s.groups),
        ("step", &s.steps),
        ("filter", &s.filters),
        ("queue_flow", &s.queue_flow),
    ] {
        for seg in segs {
            for (k, e) in seg.names.iter().zip(&seg.kpis) {
                row(kind, &seg.name, k, e);
            }
        }
    }
    for (group, hours) in s.groups.iter().zip(&s.activity_hours) {
        for (activity, e) in s.activity_names.iter().zip(hours) {
            row("activity_hours", &group.name, activity, e);
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
    for k in INTERVAL_KPI_NAMES {
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
        for e in iv.kpis.iter().chain(&iv.occupancy) {
            rec.push(num(e.mean));
            rec.push(num(e.ci95));
        }
        w.write_record(&rec).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Writes both CSV files into `dir` (created if needed).
///
/// # Errors
/// Any I/O error, naming the path.
pub fn write(dir: &Path, s: &Summary) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| std::io::Error::new(e.kind(), format!("creating {}: {e}", dir.display())))?;
    write_atomic(&dir.join("summary.csv"), &summary_csv(s))?;
    if let Some(c) = &s.cost {
        write_atomic(&dir.join("costs.csv"), &costs_csv(c))?;
    }
    write_atomic(&dir.join("intervals.csv"), &intervals_csv(s))
}

/// Builds `costs.csv`: `section,item,mean,ci95,currency` with sections `total`,
/// `component`, `monthly_component`, `plan`, `monthly_plan`, `channel`,
/// `queue`, `hour` and `usage`; amounts in the scenario's currency.
pub fn costs_csv(c: &crate::cost::CostSummary) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut row = |section: &str, item: &str, e: &Estimate| {
        w.write_record([section, item, &num(e.mean), &num(e.ci95), &c.currency])
            .expect("writing to memory");
    };
    row("total", "total", &c.total);
    row("total", "per_offered", &c.per_offered);
    row("total", "per_answered", &c.per_answered);
    row("total", "monthly_projection", &c.monthly_projection);
    for (k, e) in &c.components {
        row("component", k, e);
    }
    for (k, e) in &c.monthly_components {
        row("monthly_component", k, e);
    }
    for (k, e) in &c.plans {
        row("plan", k, e);
    }
    for (k, e) in &c.monthly_plans {
        row("monthly_plan", k, e);
    }
    row(
        "plan",
        "active_hours_per_user_month",
        &c.active_hours_per_user_month,
    );
    for (k, e) in &c.channels {
        row("channel", k, e);
    }
    for (k, e) in &c.queues {
        row("queue", k, e);
    }
    for (h, e) in c.hours.iter().enumerate() {
        row("hour", &format!("{h:02}"), e);
    }
    for (k, e) in &c.usage {
        row("usage", k, e);
    }
    let mut body = b"section,item,mean,ci95,currency\n".to_vec();
    body.extend(w.into_inner().expect("writing to memory"));
    body
}
