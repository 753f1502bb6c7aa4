//! The charts of `ccsim sweep --charts` (docs/outputs.md, "Charts"): each
//! headline KPI against each axis with its 95% CI band, and with costs the
//! monthly cost against service level with its efficient frontier.
//!
//! Against axis k, the lines are the values of the next axis (k + 1, the
//! first after the last), and every other axis is held at its first value:
//! each drawn point is a simulated point, never an average over points. A
//! zipped sweep has one combined axis: its points in order, labelled with
//! all their values.

use super::axes::Combine;
use super::sweep::{Prepared, unquoted, value_json};
use crate::report::charts::scatter::{ScatterChart, ScatterPoint};
use crate::report::charts::{Chart, LineChart, Series, XAxis, fmt_num};
use crate::scenario::Scenario;
use serde_json::Value;
use std::collections::HashMap;

/// A KPI drawn against each axis: where a point's summary has it and how
/// its chart reads.
#[derive(Debug, Clone)]
pub(super) struct ChartKpi {
    /// In the stem: `sweep-<slug>-by-<axis>`.
    slug: String,
    /// In the title: "<what> against <axis>".
    what: String,
    /// Y axis label (the currency is appended to a cost's).
    y_label: String,
    /// A cost: the y label ends with the currency.
    money: bool,
    /// Multiplier from the KPI's unit to the axis's (100 for a percentage).
    scale: f64,
    /// Fixed y range top.
    y_max: Option<f64>,
    /// The keys leading to its `{mean, ci95}` in the summary JSON.
    path: Vec<String>,
}

/// Stem of the service level's charts; the frontier's x.
const SERVICE_LEVEL: &str = "service-level";
/// Stem of the monthly cost's charts; the frontier's y.
const MONTHLY_COST: &str = "monthly-cost";

/// The KPIs a sweep of `base` draws: service level, abandon rate, ASA,
/// 90th percentile of wait, each group's occupancy, and with `[costs]` the
/// cost per answered contact and the monthly cost projection.
pub(super) fn kpis(base: &Scenario) -> Vec<ChartKpi> {
    let kpi = |slug: &str, what: &str, y_label: String, scale: f64, path: &[&str]| ChartKpi {
        slug: slug.into(),
        what: what.into(),
        y_label,
        money: false,
        scale,
        y_max: (scale == 100.0).then_some(100.0),
        path: path.iter().map(|k| k.to_string()).collect(),
    };
    let mut out = vec![
        kpi(
            SERVICE_LEVEL,
            "Service level",
            service_level_label(base),
            100.0,
            &["overall", "service_level"],
        ),
        kpi(
            "abandon-rate",
            "Abandon rate",
            "Abandon rate (% of offered)".into(),
            100.0,
            &["overall", "abandon_rate"],
        ),
        kpi(
            "asa",
            "Average speed of answer",
            "ASA (s)".into(),
            1.0,
            &["overall", "asa_s"],
        ),
        kpi(
            "wait-p90",
            "90th percentile of wait",
            "Wait, 90th percentile (s)".into(),
            1.0,
            &["overall", "wait_p90_s"],
        ),
    ];
    let mut group_slugs = Vec::new();
    for g in &base.groups {
        let slug = unique(format!("occupancy-{}", slug(&g.name)), &mut group_slugs);
        out.push(ChartKpi {
            slug,
            what: format!("Occupancy of {}", g.name),
            y_label: format!("Occupancy of {} (% of logged-in time busy)", g.name),
            path: vec!["groups".into(), g.name.clone(), "occupancy".into()],
            ..kpi("", "", String::new(), 100.0, &[])
        });
    }
    if base.costs.is_some() {
        out.push(ChartKpi {
            money: true,
            ..kpi(
                "cost-per-answered",
                "Cost per answered contact",
                "Cost per answered contact".into(),
                1.0,
                &["cost", "per_answered"],
            )
        });
        out.push(ChartKpi {
            money: true,
            ..kpi(
                MONTHLY_COST,
                "Monthly cost",
                "Monthly cost projection".into(),
                1.0,
                &["cost", "monthly_projection"],
            )
        });
    }
    out
}

fn service_level_label(base: &Scenario) -> String {
    format!(
        "Service level (% answered within {} s)",
        fmt_num(base.sim.service_level_threshold_s)
    )
}

/// The (mean, CI half-width) of each [`ChartKpi`] at one point.
#[derive(Debug, Clone)]
pub(super) struct ChartPoint(Vec<(Option<f64>, Option<f64>)>);

impl ChartPoint {
    /// Reads the KPIs from a point's summary (absent ones undefined).
    pub(super) fn of(summary: &Value, kpis: &[ChartKpi]) -> ChartPoint {
        ChartPoint(
            kpis.iter()
                .map(|k| {
                    let e = k.path.iter().fold(summary, |v, key| &v[key.as_str()]);
                    (
                        e["mean"].as_f64().filter(|m| m.is_finite()),
                        e["ci95"].as_f64().filter(|c| c.is_finite()),
                    )
                })
                .collect(),
        )
    }
}

/// A name as a file-name part: lowercase ASCII letters and digits, every
/// run of anything else one `-`, none at the ends (`agents."voice team".count`
/// → `agents-voice-team-count`); `x` when nothing is left.
pub(super) fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() { "x".into() } else { out }
}

/// `s`, or `s-2`, `s-3`, … when taken; records it as taken.
pub(super) fn unique(s: String, taken: &mut Vec<String>) -> String {
    let mut name = s.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{s}-{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

/// The points a chart draws against one axis, and how its x reads.
struct View {
    /// In the stem: `…-by-<slug>`.
    slug: String,
    /// In the title: "… against <name>".
    name: String,
    x_label: String,
    x: XAxis,
    /// Per point index: its x (only the points of `lines` are read).
    xs: Vec<f64>,
    /// (legend label, point indices in order of x).
    lines: Vec<(String, Vec<usize>)>,
}

/// The frontier's points: those with both a service level and a monthly
/// cost, each with whether it is efficient: no other point costs at most
/// as much and reaches at least the service level, better in one.
fn efficient(points: &[(f64, f64)]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    // Cheapest first; among equal costs the best service level first.
    order.sort_by(|&a, &b| {
        let (pa, pb) = (points[a], points[b]);
        pa.1.total_cmp(&pb.1).then(pb.0.total_cmp(&pa.0))
    });
    let mut out = vec![false; points.len()];
    let mut best_cheaper = f64::NEG_INFINITY; // best SL at a strictly lower cost
    let mut k = 0;
    while k < order.len() {
        let cost = points[order[k]].1;
        let top = points[order[k]].0; // best SL at this cost
        let mut end = k;
        while end < order.len() && points[order[end]].1 == cost {
            let sl = points[order[end]].0;
            out[order[end]] = sl > best_cheaper && sl >= top;
            end += 1;
        }
        best_cheaper = best_cheaper.max(top);
        k = end;
    }
    out
}

/// Most points labelled on the frontier chart; beyond, only the efficient.
const MAX_LABELLED: usize = 60;

impl Prepared {
    /// The short label of a point: its axis values, unquoted, joined.
    fn point_label(&self, i: usize) -> String {
        self.points[i]
            .values
            .iter()
            .map(|v| unquoted(v))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The axes the charts draw against (see the module's doc).
    fn views(&self, n: usize) -> Vec<View> {
        let axes = &self.sweep.axes;
        let points = &self.points[..n];
        if self.sweep.combine == Combine::Zip && axes.len() > 1 {
            let keys: Vec<&str> = axes.iter().map(|a| a.key.as_str()).collect();
            return vec![View {
                slug: axes
                    .iter()
                    .map(|a| slug(&a.key))
                    .collect::<Vec<_>>()
                    .join("-and-"),
                name: "the zipped axes".into(),
                x_label: format!("{} (zipped)", keys.join(", ")),
                x: XAxis::Categories((0..n).map(|i| self.point_label(i)).collect()),
                xs: (0..n).map(|i| i as f64).collect(),
                lines: vec![("mean".into(), (0..n).collect())],
            }];
        }
        // Per axis: the position of each of its values (the first, should
        // one repeat).
        let positions = |a: usize| -> HashMap<&str, usize> {
            let values = &axes[a].values;
            values
                .iter()
                .enumerate()
                .rev()
                .map(|(i, v)| (v.as_str(), i))
                .collect()
        };
        let mut taken = Vec::new();
        (0..axes.len())
            .map(|k| {
                let axis = &axes[k];
                let numeric: Option<Vec<f64>> =
                    axis.values.iter().map(|v| value_json(v).as_f64()).collect();
                let at_k = positions(k);
                let xs: Vec<f64> = points
                    .iter()
                    .map(|p| {
                        let at = at_k.get(p.values[k].as_str()).copied();
                        match (&numeric, at) {
                            (Some(x), Some(j)) => x[j],
                            (None, Some(j)) => j as f64,
                            _ => f64::NAN,
                        }
                    })
                    .collect();
                let x = match &numeric {
                    Some(values) => {
                        let mut d = values.clone();
                        d.sort_by(f64::total_cmp);
                        d.dedup();
                        if d.len() <= 12 {
                            XAxis::Values
                        } else {
                            XAxis::Numeric
                        }
                    }
                    None => {
                        XAxis::Categories(axis.values.iter().map(|v| unquoted(v).into()).collect())
                    }
                };
                let by = (axes.len() > 1).then(|| (k + 1) % axes.len());
                let held: Vec<usize> = (0..axes.len())
                    .filter(|&h| h != k && Some(h) != by)
                    .collect();
                let kept = |p: &super::sweep::Point| {
                    held.iter().all(|&h| p.values[h] == axes[h].values[0])
                };
                let mut lines: Vec<(String, Vec<usize>)> = match by {
                    None => vec![("mean".into(), (0..n).collect())],
                    Some(j) => {
                        let at_j = positions(j);
                        let mut buckets: Vec<Vec<usize>> = vec![Vec::new(); axes[j].values.len()];
                        for (i, p) in points.iter().enumerate() {
                            if let Some(&b) = at_j.get(p.values[j].as_str())
                                && kept(p)
                            {
                                buckets[b].push(i);
                            }
                        }
                        axes[j]
                            .values
                            .iter()
                            .zip(buckets)
                            .filter(|(_, idx)| !idx.is_empty())
                            .map(|(v, idx)| (format!("{}={}", axes[j].key, unquoted(v)), idx))
                            .collect()
                    }
                };
                for (_, idx) in &mut lines {
                    idx.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
                }
                let held_text: Vec<String> = held
                    .iter()
                    .map(|&h| format!("{}={}", axes[h].key, unquoted(&axes[h].values[0])))
                    .collect();
                View {
                    slug: unique(slug(&axis.key), &mut taken),
                    name: axis.key.clone(),
                    x_label: if held_text.is_empty() {
                        axis.key.clone()
                    } else {
                        format!("{} (with {})", axis.key, held_text.join(", "))
                    },
                    x,
                    xs,
                    lines,
                }
            })
            .collect()
    }

    /// The charts of `sweep --charts` from each point's [`ChartPoint`] (in
    /// point order): every KPI of `kpis` that some point defines against
    /// every axis; with costs, the frontier of monthly cost against
    /// service level.
    pub(super) fn charts(
        &self,
        kpis: &[ChartKpi],
        data: &[ChartPoint],
        currency: Option<&str>,
    ) -> (Vec<Chart>, Option<ScatterChart>) {
        let seed = self.sweep.seed.unwrap_or(self.base.sim.seed);
        let reps = self
            .sweep
            .replications
            .unwrap_or(self.base.sim.replications);
        let title = |what: &str| {
            format!(
                "{what} — {}, seed {seed}, {reps} replications per point",
                self.base.name
            )
        };
        let currency = currency.unwrap_or("currency units");
        let views = self.views(data.len());
        let mut out = Vec::new();
        for view in &views {
            for (k, kpi) in kpis.iter().enumerate() {
                if data.iter().all(|d| d.0[k].0.is_none()) {
                    continue;
                }
                out.push(Chart::Line(LineChart {
                    stem: format!("sweep-{}-by-{}", kpi.slug, view.slug),
                    title: title(&format!(
                        "{} against {} (mean, 95% CI)",
                        kpi.what, view.name
                    )),
                    x_label: view.x_label.clone(),
                    y_label: if kpi.money {
                        format!("{} ({currency})", kpi.y_label)
                    } else {
                        kpi.y_label.clone()
                    },
                    x: view.x.clone(),
                    x_range: None,
                    scale: kpi.scale,
                    y_max: kpi.y_max,
                    step: None,
                    reference: None,
                    x_mark: None,
                    series: view
                        .lines
                        .iter()
                        .map(|(label, idx)| Series {
                            label: label.clone(),
                            points: idx
                                .iter()
                                .map(|&i| (view.xs[i], data[i].0[k].0, data[i].0[k].1))
                                .collect(),
                            band: true,
                            labels: Vec::new(),
                        })
                        .collect(),
                }));
            }
        }
        let find = |slug: &str| kpis.iter().position(|k| k.slug == slug);
        let frontier = find(SERVICE_LEVEL)
            .zip(find(MONTHLY_COST))
            .and_then(|(s, c)| {
                let defined: Vec<(usize, (f64, f64))> = data
                    .iter()
                    .enumerate()
                    .filter_map(|(i, d)| Some((i, (d.0[s].0? * 100.0, d.0[c].0?))))
                    .collect();
                if defined.is_empty() {
                    return None;
                }
                let xy: Vec<(f64, f64)> = defined.iter().map(|p| p.1).collect();
                let good = efficient(&xy);
                let label_all = defined.len() <= MAX_LABELLED;
                Some(ScatterChart {
                    stem: "sweep-cost-frontier".into(),
                    title: title("Monthly cost against service level, efficient points joined"),
                    x_label: service_level_label(&self.base),
                    y_label: format!("Monthly cost projection ({currency})"),
                    legend: ("efficient (Pareto frontier)".into(), "dominated".into()),
                    points: defined
                        .iter()
                        .zip(&good)
                        .map(|(&(i, (x, y)), &highlight)| ScatterPoint {
                            x,
                            y,
                            label: if label_all || highlight {
                                self.point_label(i)
                            } else {
                                String::new()
                            },
                            highlight,
                        })
                        .collect(),
                })
            });
        (out, frontier)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_words_joined_by_dashes() {
        assert_eq!(slug("agents.support.count"), "agents-support-count");
        assert_eq!(
            slug("agents.\"Voice Team\".count"),
            "agents-voice-team-count"
        );
        assert_eq!(slug("--"), "x");
        let mut taken = Vec::new();
        assert_eq!(unique("a".into(), &mut taken), "a");
        assert_eq!(unique("a".into(), &mut taken), "a-2");
        assert_eq!(unique("a".into(), &mut taken), "a-3");
    }

    #[test]
    fn the_efficient_points_are_the_undominated_ones() {
        // (service level %, cost)
        let points = [
            (80.0, 100.0), // efficient: cheapest
            (85.0, 120.0), // efficient
            (84.0, 125.0), // dominated by (85, 120)
            (85.0, 120.0), // a tie with an efficient point: efficient
            (90.0, 150.0), // efficient
            (90.0, 160.0), // dominated: same level, dearer
            (70.0, 100.0), // dominated: same cost, lower level
        ];
        assert_eq!(
            efficient(&points),
            [true, true, false, true, true, false, false]
        );
        assert!(efficient(&[]).is_empty());
    }
}
