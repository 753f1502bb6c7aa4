//! The `report.html` pages of `sweep`, `compare` and `staff` with
//! `--html` (built with [`crate::report::html::Page`]): each command's own
//! view (the points, the paired differences, the staffing found) with its
//! charts and where it came from.

use super::compare::{Comparison, Difference, Scope};
use super::staff::{Below, Op};
use super::{IntervalStaffing, StaffSearch, Staffing};
use crate::report::charts::{self, Chart, ChartError};
use crate::report::html::{Card, Cell, Page, Table, headline, kpi_table, money};
use crate::report::manifest::Manifest;
use crate::report::table::cell;
use crate::scenario::Scenario;
use crate::stats::Estimate;
use serde_json::Value;

/// Most points a sweep's page lists (all are in `sweep.csv`).
pub const SWEEP_ROWS: usize = 2000;

/// The KPIs a sweep's table shows per point, and their headings.
const SWEEP_KPIS: [(&str, &str); 4] = [
    ("service_level", "service level"),
    ("abandon_rate", "abandon rate"),
    ("asa_s", "ASA (s)"),
    ("wait_p90_s", "wait p90 (s)"),
];

/// A sweep's table of points, filled point by point while the sweep
/// assembles its folder.
#[derive(Debug, Clone, Default)]
pub struct SweepView {
    axes: Vec<String>,
    rows: Vec<Vec<Cell>>,
    points: usize,
    currency: Option<String>,
}

impl SweepView {
    /// A view of a sweep over these axis keys.
    pub fn new(axes: Vec<String>) -> SweepView {
        SweepView {
            axes,
            ..SweepView::default()
        }
    }

    /// Adds a point: its axis values (as shown) and its summary (the
    /// `run --json` object).
    pub fn add(&mut self, values: &[String], summary: &Value) {
        self.points += 1;
        if self.rows.len() >= SWEEP_ROWS {
            return;
        }
        let est = |v: &Value| Estimate {
            mean: v["mean"].as_f64(),
            ci95: v["ci95"].as_f64(),
            sd: None,
            n: 0,
        };
        let mut row: Vec<Cell> = values.iter().map(|v| Cell::from(v.as_str())).collect();
        row.extend(
            SWEEP_KPIS
                .iter()
                .map(|(k, _)| Cell::from(cell(k, &est(&summary["overall"][*k])))),
        );
        if let Some(c) = summary.get("cost") {
            if self.currency.is_none() {
                self.currency = c["currency"].as_str().map(str::to_string);
            }
            row.push(Cell::from(money(&est(&c["monthly_projection"]))));
        }
        self.rows.push(row);
    }
}

/// `report.html` of a sweep: its points, its charts, its manifest.
///
/// # Errors
/// A chart plotters could not draw.
pub fn sweep(
    base: &Scenario,
    view: &SweepView,
    charts: &[Chart],
    manifest: &Manifest,
) -> Result<Vec<u8>, ChartError> {
    let mut page = Page::new(
        &format!("{} — ccsim sweep", base.name),
        &format!("{} — sweep", base.name),
        &[
            base.description.clone().unwrap_or_default(),
            format!(
                "ccsim sweep — {} points over {}; seed {}, {} replications per point, the same customers at every point",
                view.points,
                view.axes.join(", "),
                manifest.seed,
                manifest.replications
            ),
        ],
    );
    page.section("points", "Points");
    let mut head: Vec<String> = view.axes.clone();
    head.extend(SWEEP_KPIS.iter().map(|(_, h)| h.to_string()));
    if let Some(c) = &view.currency {
        head.push(format!("cost per month ({c})"));
    }
    let mut t = Table::new(head);
    t.label_columns = view.axes.len();
    t.rows = view
        .rows
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.resize(t.head.len(), Cell::from(""));
            r
        })
        .collect();
    page.table(&t);
    page.note(&format!(
        "Mean ± 95% CI per point; service level = answered within {} s.{}",
        charts::fmt_num(base.sim.service_level_threshold_s),
        if view.points > view.rows.len() {
            format!(
                " The first {} of {} points are listed; all are in sweep.csv.",
                view.rows.len(),
                view.points
            )
        } else {
            String::new()
        }
    ));
    chart_section(&mut page, charts)?;
    page.provenance(manifest);
    Ok(page.finish())
}

/// The charts of an experiment (titled by themselves), as a section.
fn chart_section(page: &mut Page, list: &[Chart]) -> Result<(), ChartError> {
    if list.is_empty() {
        return Ok(());
    }
    page.section("charts", "Charts");
    page.charts(list.iter().map(|c| (c, charts::own_title(c).to_string())))
}

fn is_ratio(kpi: &str) -> bool {
    matches!(
        kpi,
        "service_level" | "service_level_answered" | "abandon_rate" | "occupancy" | "utilization"
    )
}

/// A value in its KPI's unit (ratios as %), with its CI.
fn with_ci(kpi: &str, mean: Option<f64>, ci: Option<f64>, signed: bool) -> String {
    let show = |v: f64, signed: bool| {
        let (v, unit) = if is_ratio(kpi) {
            (v * 100.0, "%")
        } else {
            (v, "")
        };
        if signed {
            format!("{v:+.2}{unit}")
        } else {
            format!("{v:.2}{unit}")
        }
    };
    match (mean, ci) {
        (Some(m), Some(c)) => format!("{} ± {}", show(m, signed), show(c, false)),
        (Some(m), None) => show(m, signed),
        _ => "—".into(),
    }
}

/// `report.html` of a comparison: the differences B − A (significant
/// ones first), the forest plot, the manifest.
///
/// # Errors
/// A chart plotters could not draw.
pub fn compare(
    a: &Scenario,
    b: &Scenario,
    b_label: &str,
    c: &Comparison,
    manifest: &Manifest,
) -> Result<Vec<u8>, ChartError> {
    let mut page = Page::new(
        &format!("{} — ccsim compare", a.name),
        &format!("{} — comparison", a.name),
        &[
            a.description.clone().unwrap_or_default(),
            format!(
                "ccsim compare — {} replications each, seed {}, the same customers in both designs (common random numbers)",
                c.a.replications, c.a.seed
            ),
        ],
    );
    page.section("designs", "Designs");
    let mut t = Table::new(["design", "scenario", "from"]);
    t.label_columns = 3;
    t.row([
        Cell::from("A"),
        Cell::with(a.name.as_str(), "text"),
        Cell::with(manifest.scenario_path.as_str(), "code"),
    ]);
    t.row([
        Cell::from("B"),
        Cell::with(b.name.as_str(), "text"),
        Cell::with(b_label, "code"),
    ]);
    page.table(&t);
    let threshold = charts::fmt_num(a.sim.service_level_threshold_s);
    for (name, s) in [("A", &c.a), ("B", &c.b)] {
        page.h3(&format!("Design {name}"));
        page.cards(&headline(&s.overall.kpis, &threshold));
    }
    page.section("differences", "Differences B − A");
    let label = |d: &Difference| match d.id.scope {
        Scope::Overall => d.id.kpi.to_string(),
        s if s.has_parts() => format!("{} {} {}", s.label(), d.id.name, d.id.kpi),
        s => format!("{} {}", s.label(), d.id.kpi),
    };
    // A queue, channel or source holding every contact repeats the
    // overall row: shown once.
    let repeats_overall = |d: &Difference| {
        d.id.scope != Scope::Overall
            && c.differences.iter().any(|o| {
                o.id.scope == Scope::Overall
                    && o.id.kpi == d.id.kpi
                    && (o.a.mean, o.b.mean, o.diff.ci95) == (d.a.mean, d.b.mean, d.diff.ci95)
            })
    };
    let significant = c
        .differences
        .iter()
        .filter(|d| d.significant() && !repeats_overall(d));
    let rest = c
        .differences
        .iter()
        .filter(|d| !d.significant() && d.id.scope == Scope::Overall)
        .filter(|d| d.a.mean.is_some_and(|m| m != 0.0) || d.b.mean.is_some_and(|m| m != 0.0));
    let mut t = Table::new([
        "KPI",
        "A",
        "B",
        "B − A (paired 95% CI)",
        "unpaired 95% CI",
        "significant at 95%",
    ]);
    for d in significant.chain(rest) {
        let k = d.id.kpi;
        t.row([
            Cell::from(label(d)),
            Cell::from(with_ci(k, d.a.mean, d.a.ci95, false)),
            Cell::from(with_ci(k, d.b.mean, d.b.ci95, false)),
            Cell::from(with_ci(k, d.diff.mean, d.diff.ci95, true)),
            Cell::from(d.unpaired_ci95.map_or("—".into(), |u| {
                format!("± {}", with_ci(k, Some(u), None, false))
            })),
            if d.significant() {
                Cell::with("yes", "missed")
            } else {
                Cell::from("no")
            },
        ]);
    }
    page.table(&t);
    page.note(&format!(
        "{} of {} KPIs (all scopes) differ significantly; the rows above are those and the other overall KPIs; every KPI is in compare.csv.",
        c.differences.iter().filter(|d| d.significant()).count(),
        c.differences.len()
    ));
    chart_section(&mut page, &c.charts())?;
    page.provenance(manifest);
    Ok(page.finish())
}

/// `report.html` of a staffing search: the answer, each target met or
/// missed there, the search path, the run at the answer with its charts.
///
/// # Errors
/// A chart plotters could not draw.
pub fn staff(
    base: &Scenario,
    search: &StaffSearch,
    st: &Staffing,
    manifest: &Manifest,
) -> Result<Vec<u8>, ChartError> {
    let answer: Vec<String> = st
        .groups
        .iter()
        .zip(&st.answer.agents)
        .map(|(g, n)| format!("{n} in {g}"))
        .collect();
    let targets: Vec<String> = search.targets.iter().map(ToString::to_string).collect();
    let mut page = Page::new(
        &format!("{} — ccsim staff", base.name),
        &format!("{} — staffing", base.name),
        &[
            base.description.clone().unwrap_or_default(),
            format!(
                "ccsim staff — targets {} judged at the worse end of {:.0}% CIs; {} replications per evaluation, seed {}",
                targets.join(", "),
                search.confidence * 100.0,
                st.summary.replications,
                st.summary.seed
            ),
        ],
    );
    page.section("answer", "Answer");
    page.cards(
        &st.groups
            .iter()
            .zip(&st.answer.agents)
            .map(|(g, n)| Card {
                label: format!("agents in {g}"),
                value: n.to_string(),
                detail: format!("search started from {}", st.start),
            })
            .collect::<Vec<_>>(),
    );
    page.p(&format!("Answer: {}.", answer.join(", ")));
    page.p(match st.below {
        Below::Fails => "One agent fewer fails a target beyond noise: the answer is the minimum.",
        Below::WithinNoise => {
            "One agent fewer is within noise of a target (its CI straddles the bound): more replications would tell."
        }
        Below::None if st.groups.len() > 1 => {
            "The cheapest combination found by removing one agent at a time while the targets hold (a local optimum)."
        }
        Below::None => "",
    });
    page.section("targets", "Targets at the answer");
    let mut t = Table::new([
        "target",
        &format!("estimate ({:.0}% CI)", search.confidence * 100.0),
        "verdict",
    ]);
    for (target, e) in search.targets.iter().zip(&st.answer.kpis) {
        let met = match (e.mean, e.ci95, target.op) {
            (Some(m), Some(h), Op::AtLeast) => m - h >= target.value,
            (Some(m), Some(h), Op::AtMost) => m + h <= target.value,
            _ => false,
        };
        t.row([
            Cell::from(target.to_string()),
            Cell::from(estimate(&target.path, e)),
            Cell::verdict(met),
        ]);
    }
    page.table(&t);
    page.section("path", "Search path");
    let mut head = vec!["step".to_string(), st.groups.join(" + ")];
    head.extend(search.targets.iter().map(|t| t.path.clone()));
    head.extend(["meets all".to_string(), "cost (window)".to_string()]);
    let mut t = Table::new(head);
    for (i, e) in st.path.iter().enumerate() {
        let agents: Vec<String> = e.agents.iter().map(u32::to_string).collect();
        let mut row = vec![
            Cell::from((i + 1).to_string()),
            Cell::from(agents.join(" + ")),
        ];
        row.extend(
            e.kpis
                .iter()
                .zip(&search.targets)
                .map(|(k, t)| Cell::from(estimate(&t.path, k))),
        );
        row.push(Cell::verdict(e.meets));
        row.push(Cell::from(e.cost.map_or("—".into(), |c| format!("{c:.2}"))));
        t.rows.push(row);
    }
    page.table(&t);
    chart_section(&mut page, &st.charts(search, base))?;
    page.section("run", "The run at the answer");
    let threshold = charts::fmt_num(base.sim.service_level_threshold_s);
    page.cards(&headline(&st.summary.overall.kpis, &threshold));
    let mut columns = vec![("overall", &st.summary.overall.kpis)];
    columns.extend(st.summary.queues.iter().map(|q| (q.name.as_str(), &q.kpis)));
    page.table(&kpi_table(&columns));
    let drawn = charts::charts(base, &st.summary);
    page.section("run-charts", "Charts of the run at the answer");
    page.charts(drawn.iter().map(|c| (c, charts::run_title(c, &st.summary))))?;
    page.provenance(manifest);
    Ok(page.finish())
}

/// An estimate of a target's KPI: percentages for ratios.
fn estimate(path: &str, e: &Estimate) -> String {
    let kpi = path.rsplit('.').next().unwrap_or(path);
    with_ci(kpi, e.mean, e.ci95, false)
}

/// `report.html` of `staff --per-interval`: ISA's and SIPP's agents per
/// interval and the service level each reaches against the target.
///
/// # Errors
/// A chart plotters could not draw.
pub fn staff_per_interval(
    base: &Scenario,
    st: &IntervalStaffing,
    manifest: &Manifest,
) -> Result<Vec<u8>, ChartError> {
    let target = format!("{}%", charts::fmt_num(st.target * 100.0));
    let mut page = Page::new(
        &format!("{} — ccsim staff --per-interval", base.name),
        &format!("{} — staffing per interval", base.name),
        &[
            base.description.clone().unwrap_or_default(),
            format!(
                "ccsim staff --per-interval — group {}, service level ≥ {target} per interval; ISA {} after {} iteration(s); {} replications, seed {}",
                st.group,
                if st.converged { "converged" } else { "stopped" },
                st.iterations,
                st.replications,
                st.seed
            ),
        ],
    );
    let hours = |plan: &[u32]| -> f64 {
        plan.iter()
            .zip(&st.isa_sl)
            .filter(|(_, e)| e.is_some())
            .map(|(&n, _)| f64::from(n) * st.interval_s / 3600.0)
            .sum()
    };
    let met = |sl: &[Option<Estimate>]| {
        sl.iter()
            .flatten()
            .filter(|e| e.mean.is_some_and(|m| m >= st.target))
            .count()
    };
    let reported = st.isa_sl.iter().flatten().count();
    page.section("result", "Result");
    page.cards(&[
        Card {
            label: "ISA agent-hours".into(),
            value: format!("{:.0}", hours(&st.isa)),
            detail: format!("target met in {} of {reported} intervals", met(&st.isa_sl)),
        },
        Card {
            label: "SIPP agent-hours".into(),
            value: format!("{:.0}", hours(&st.sipp)),
            detail: format!("target met in {} of {reported} intervals", met(&st.sipp_sl)),
        },
    ]);
    page.section("plan", "Agents and service level per interval");
    let mut t = Table::new([
        "interval",
        "rate/h",
        "ISA agents",
        "ISA service level",
        "ISA vs target",
        "SIPP agents",
        "SIPP service level",
        "SIPP vs target",
    ]);
    let sl = |e: &Estimate| with_ci("service_level", e.mean, e.ci95, false);
    let verdict = |e: &Estimate| match e.mean {
        Some(m) => Cell::verdict(m >= st.target),
        None => Cell::from("—"),
    };
    for i in 0..st.isa.len() {
        let (Some(a), Some(b)) = (st.isa_sl[i], st.sipp_sl[i]) else {
            continue;
        };
        t.row([
            Cell::from(crate::report::clock(i as f64 * st.interval_s)),
            Cell::from(format!("{:.1}", st.rate[i] * 3600.0)),
            Cell::from(st.isa[i].to_string()),
            Cell::from(sl(&a)),
            verdict(&a),
            Cell::from(st.sipp[i].to_string()),
            Cell::from(sl(&b)),
            verdict(&b),
        ]);
    }
    page.table(&t);
    page.note("Verdicts compare the interval's mean service level with the target; the warm-up's intervals are staffed but not reported.");
    chart_section(&mut page, &st.charts(base))?;
    page.provenance(manifest);
    Ok(page.finish())
}
