//! The per-interval terminal view of `ccsim run --intervals`: one row per
//! interval of the counted window, means only (the CIs are in
//! `intervals-long.csv`).

use crate::metrics::{GroupIntervalKpi, Scope, SliceKpi};
use crate::stats::Estimate;
use crate::summary::Summary;
use std::fmt::Write;

/// At most this many queue columns, and as many group columns: more would
/// not fit a terminal.
pub const MAX_COLUMNS: usize = 6;

/// A mean with `decimals` decimals, scaled (100 for a percentage); `—`
/// when undefined in every replication.
fn mean(e: &Estimate, scale: f64, decimals: usize) -> String {
    e.mean
        .map_or_else(|| "—".into(), |m| format!("{:.decimals$}", m * scale))
}

/// One column: its header and one cell per interval.
struct Column {
    header: String,
    cells: Vec<String>,
}

/// Renders the per-interval table: start, the overall offered, answered,
/// abandoned, service level %, ASA and p90 wait; then the service level %
/// of each queue (with two or more queues), the occupancy % of each group
/// and, with costs, the interval's cost. At most [`MAX_COLUMNS`] queues and
/// groups; a closing line says how many more are in `intervals-long.csv`.
pub fn render(s: &Summary) -> String {
    let n_int = s.intervals.len();
    let mut columns = vec![Column {
        header: "start".into(),
        cells: s
            .intervals
            .iter()
            .map(|iv| s.time_label(iv.start_s))
            .collect(),
    }];
    let overall = &s.scope_intervals[0].intervals;
    for (header, kpi, scale, decimals) in [
        ("offered", SliceKpi::Offered, 1.0, 1),
        ("answered", SliceKpi::Answered, 1.0, 1),
        ("abandoned", SliceKpi::Abandoned, 1.0, 1),
        ("SL %", SliceKpi::ServiceLevel, 100.0, 1),
        ("ASA s", SliceKpi::Asa, 1.0, 1),
        ("p90 wait s", SliceKpi::WaitP90, 1.0, 1),
    ] {
        columns.push(Column {
            header: header.into(),
            cells: overall
                .iter()
                .map(|k| mean(&k[kpi], scale, decimals))
                .collect(),
        });
    }
    let queues: Vec<_> = s
        .scope_intervals
        .iter()
        .filter(|sc| sc.scope == Scope::Queue)
        .collect();
    // One queue's service level is the overall one.
    let shown_queues = if queues.len() > 1 { queues.len() } else { 0 };
    for q in queues.iter().take(shown_queues.min(MAX_COLUMNS)) {
        columns.push(Column {
            header: format!("SL % {}", q.name),
            cells: q
                .intervals
                .iter()
                .map(|k| mean(&k[SliceKpi::ServiceLevel], 100.0, 1))
                .collect(),
        });
    }
    for g in s.group_intervals.iter().take(MAX_COLUMNS) {
        columns.push(Column {
            header: format!("occ % {}", g.name),
            cells: g
                .kpis
                .iter()
                .map(|k| mean(&k[GroupIntervalKpi::Occupancy], 100.0, 1))
                .collect(),
        });
    }
    if let Some(c) = &s.cost {
        columns.push(Column {
            header: format!("cost {}", c.currency),
            cells: c.intervals.iter().map(|e| mean(e, 1.0, 2)).collect(),
        });
    }
    let widths: Vec<usize> = columns
        .iter()
        .map(|c| {
            c.cells
                .iter()
                .map(|x| x.chars().count())
                .chain([c.header.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "per interval: means over {} replications (95% CIs in intervals-long.csv)",
        s.replications
    );
    let line = |out: &mut String, cell: &dyn Fn(usize) -> String| {
        for (i, w) in widths.iter().enumerate() {
            let text = cell(i);
            if i == 0 {
                let _ = write!(out, "{text:<w$}");
            } else {
                let _ = write!(out, "  {text:>w$}");
            }
        }
        out.push('\n');
    };
    line(&mut out, &|i| columns[i].header.clone());
    for k in 0..n_int {
        line(&mut out, &|i| columns[i].cells[k].clone());
    }
    let more_queues = shown_queues.saturating_sub(MAX_COLUMNS);
    let more_groups = s.group_intervals.len().saturating_sub(MAX_COLUMNS);
    let mut more = Vec::new();
    if more_queues > 0 {
        more.push(format!(
            "{more_queues} more queue{}",
            if more_queues == 1 { "" } else { "s" }
        ));
    }
    if more_groups > 0 {
        more.push(format!(
            "{more_groups} more group{}",
            if more_groups == 1 { "" } else { "s" }
        ));
    }
    if !more.is_empty() {
        let _ = writeln!(
            out,
            "{} not shown: every queue and group is in intervals-long.csv",
            more.join(" and ")
        );
    }
    out
}
