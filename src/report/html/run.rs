//! The page of `ccsim run --html`: the scenario, the headline KPIs, every
//! chart of the run, the tables per queue, channel, source and group, the
//! bill, and where it all came from.

use super::{Card, Cell, Page, Table, money};
use crate::metrics::{ConversationKpi, GroupKpi, Kpi, Kpis, StepKpi};
use crate::report::charts::{self, ChartError};
use crate::report::manifest::Manifest;
use crate::report::table::{cell, label};
use crate::scenario::Scenario;
use crate::stats::Estimate;
use crate::summary::Summary;

/// `report.html` of a run.
///
/// # Errors
/// A chart plotters could not draw.
pub fn run(s: &Scenario, summary: &Summary, manifest: &Manifest) -> Result<Vec<u8>, ChartError> {
    let threshold = charts::fmt_num(s.sim.service_level_threshold_s);
    let mut page = Page::new(
        &format!("{} — ccsim run", summary.scenario),
        &summary.scenario,
        &[
            s.description.clone().unwrap_or_default(),
            format!(
                "ccsim run — seed {}, {} replications, service level = answered within {threshold} s{}",
                summary.seed,
                summary.replications,
                s.channel_thresholds_text()
            ),
        ],
    );
    page.section("kpis", "Headline KPIs");
    page.cards(&headline(&summary.overall.kpis, &threshold));
    page.p(&format!(
        "Each figure is the mean over {} replications with its 95% confidence interval (±).",
        summary.replications
    ));
    targets(&mut page, s, summary, &threshold);
    page.section("charts", "Charts");
    let drawn = charts::charts(s, summary);
    page.charts(drawn.iter().map(|c| (c, charts::run_title(c, summary))))?;
    segments(&mut page, summary);
    groups(&mut page, summary);
    if !summary.conversations.is_empty() {
        conversations(&mut page, summary);
    }
    if let Some(c) = &summary.cost {
        costs(&mut page, c);
    }
    page.provenance(manifest);
    Ok(page.finish())
}

/// Where a service level stands against a target, judged on its 95% CI:
/// met when the whole interval is at or above it, missed when the whole
/// interval is below, "within noise" when it straddles the target.
fn judge(e: &Estimate, target: f64) -> Cell {
    match (e.mean, e.ci95) {
        (None, _) => Cell::from("—"),
        (Some(m), ci) => {
            let ci = ci.unwrap_or(0.0);
            if m - ci >= target {
                Cell::verdict(true)
            } else if m + ci < target {
                Cell::verdict(false)
            } else {
                Cell::with("within noise", "noise")
            }
        }
    }
}

/// The "Targets" part of the headline: the service level of the whole
/// center and of each queue against `service_level_target`, over the
/// window and interval by interval.
fn targets(page: &mut Page, s: &Scenario, summary: &Summary, threshold: &str) {
    page.h3("Targets");
    let Some(target) = s.sim.service_level_target else {
        page.p(&format!(
            "The scenario sets a service-level threshold ({threshold} s) but no target (service_level_target in [simulation]): nothing here is judged met or missed. ccsim staff --target 'service_level>=0.8' finds the head count that meets one."
        ));
        return;
    };
    let pct = charts::fmt_num(target * 100.0);
    page.p(&format!(
        "Target: {pct}% of contacts answered within {threshold} s. A service level is met when its whole 95% CI is at or above the target, missed when the whole CI is below it, and within noise otherwise (more replications would tell). Intervals count when contacts arrived in them."
    ));
    let mut t = Table::new([
        "scope",
        "service level",
        "window",
        "intervals met",
        "missed",
        "within noise",
        "first missed",
    ]);
    let scopes = summary.scope_intervals.iter().filter(|x| {
        matches!(
            x.scope,
            crate::metrics::Scope::Overall | crate::metrics::Scope::Queue
        )
    });
    for x in scopes {
        let whole = if x.scope == crate::metrics::Scope::Overall {
            &summary.overall.kpis
        } else {
            match summary.queues.iter().find(|q| q.name == x.name) {
                Some(q) => &q.kpis,
                None => continue,
            }
        };
        let mut counts = [0usize; 3];
        let mut first_missed = None;
        for (k, iv) in x.intervals.iter().enumerate() {
            let e = &iv[crate::metrics::SliceKpi::ServiceLevel];
            let verdict = judge(e, target);
            match verdict.class {
                Some("met") => counts[0] += 1,
                Some("missed") => {
                    counts[1] += 1;
                    first_missed.get_or_insert(k);
                }
                Some("noise") => counts[2] += 1,
                _ => {}
            }
        }
        let first = first_missed.map_or("—".to_string(), |k| {
            summary.time_label(summary.intervals[k].start_s)
        });
        t.row([
            Cell::from(x.name.as_str()),
            Cell::from(cell(Kpi::ServiceLevel.name(), &whole[Kpi::ServiceLevel])),
            judge(&whole[Kpi::ServiceLevel], target),
            Cell::from(counts[0].to_string()),
            Cell::from(counts[1].to_string()),
            Cell::from(counts[2].to_string()),
            Cell::from(first),
        ]);
    }
    page.table(&t);
}

/// The cards of the headline KPIs of a segment (`threshold`: the
/// service-level threshold in seconds, as shown).
pub fn headline(k: &Kpis<Estimate>, threshold: &str) -> Vec<Card> {
    let pick = [
        (
            Kpi::ServiceLevel,
            format!("Service level (≤ {threshold} s)"),
        ),
        (Kpi::AbandonRate, "Abandon rate".into()),
        (Kpi::Asa, "ASA (s)".into()),
        (Kpi::WaitP90, "Wait p90 (s)".into()),
        (Kpi::Aht, "AHT (s)".into()),
        (Kpi::Offered, "Offered".into()),
        (Kpi::Answered, "Answered".into()),
        (Kpi::Abandoned, "Abandoned".into()),
    ];
    pick.into_iter()
        .map(|(kpi, what)| {
            let text = cell(kpi.name(), &k[kpi]);
            let (value, detail) = match text.split_once(" ± ") {
                Some((v, ci)) => (v.to_string(), format!("± {ci} (95% CI)")),
                None => (text, "no CI".to_string()),
            };
            Card {
                label: what,
                value,
                detail,
            }
        })
        .collect()
}

/// A table with one row per KPI (those the terminal table shows) and one
/// column per segment.
pub fn kpi_table(columns: &[(&str, &Kpis<Estimate>)]) -> Table {
    let mut t = Table::new(std::iter::once("KPI").chain(columns.iter().map(|c| c.0)));
    for k in Kpi::ALL.into_iter().filter(|&k| {
        k.in_contract()
            || k == Kpi::WaitMax
            || columns.iter().any(|c| c.1[k].mean.unwrap_or(0.0) != 0.0)
    }) {
        let mut row = vec![Cell::from(label(k).trim())];
        row.extend(columns.iter().map(|c| Cell::from(cell(k.name(), &c.1[k]))));
        t.rows.push(row);
    }
    t
}

fn segments(page: &mut Page, s: &Summary) {
    page.section("queues", "Per queue");
    let mut columns = vec![("overall", &s.overall.kpis)];
    columns.extend(s.queues.iter().map(|q| (q.name.as_str(), &q.kpis)));
    if s.unqueued.kpis[Kpi::Offered].mean.unwrap_or(0.0) > 0.0 {
        columns.push((s.unqueued.name.as_str(), &s.unqueued.kpis));
    }
    page.table(&kpi_table(&columns));
    for (id, heading, list) in [
        ("channels", "Per channel", &s.channels),
        ("sources", "Per source", &s.sources),
    ] {
        page.section(id, heading);
        let columns: Vec<_> = list.iter().map(|x| (x.name.as_str(), &x.kpis)).collect();
        page.table(&kpi_table(&columns));
    }
}

fn groups(page: &mut Page, s: &Summary) {
    page.section("groups", "Per agent group");
    let mut t = Table::new(std::iter::once("group").chain(GroupKpi::ALL.iter().map(|k| k.name())));
    for g in &s.groups {
        let mut row = vec![Cell::from(g.name.as_str())];
        row.extend(
            GroupKpi::ALL
                .iter()
                .map(|&k| Cell::from(cell(k.name(), &g.kpis[k]))),
        );
        t.rows.push(row);
    }
    page.table(&t);
    if !s.activity_names.is_empty() {
        page.h3("Agent-hours per activity in the counted window");
        let mut t =
            Table::new(std::iter::once("group").chain(s.activity_names.iter().map(String::as_str)));
        for (g, hours) in s.groups.iter().zip(&s.activity_hours) {
            let mut row = vec![Cell::from(g.name.as_str())];
            row.extend(hours.iter().map(|e| Cell::from(cell("hours", e))));
            t.rows.push(row);
        }
        page.table(&t);
    }
    if !s.steps.is_empty() {
        page.h3("Routing steps");
        let mut t =
            Table::new(std::iter::once("step").chain(StepKpi::ALL.iter().map(|k| k.name())));
        for st in &s.steps {
            let mut row = vec![Cell::from(st.name.as_str())];
            row.extend(
                StepKpi::ALL
                    .iter()
                    .map(|&k| Cell::from(cell(k.name(), &st.kpis[k]))),
            );
            t.rows.push(row);
        }
        page.table(&t);
    }
}

/// Text conversations: one row per KPI, one column per channel with them.
fn conversations(page: &mut Page, s: &Summary) {
    page.section("conversations", "Text conversations");
    let mut t =
        Table::new(std::iter::once("KPI").chain(s.conversations.iter().map(|c| c.name.as_str())));
    for k in ConversationKpi::ALL {
        let mut row = vec![Cell::from(k.name())];
        row.extend(
            s.conversations
                .iter()
                .map(|c| Cell::from(cell(k.name(), &c.kpis[k]))),
        );
        t.rows.push(row);
    }
    page.table(&t);
    page.p("First responses are judged on each channel's own service-level threshold. Held time counts every slot a conversation kept, wrap-up included; its idle share is the time spent waiting for the customer to write.");
}

fn costs(page: &mut Page, c: &crate::cost::CostSummary) {
    page.section("costs", &format!("Costs ({})", c.currency));
    let month = format!("per month ({})", c.month.short());
    let mut t = Table::new(["", "simulated window", month.as_str()]);
    t.row([
        Cell::from("total"),
        Cell::from(money(&c.total)),
        Cell::from(money(&c.monthly_projection)),
    ]);
    t.row(["per contact offered", money(&c.per_offered).as_str(), ""]);
    t.row(["per contact answered", money(&c.per_answered).as_str(), ""]);
    page.table(&t);
    page.h3("Components");
    let mut t = Table::new(["component", "simulated window", month.as_str()]);
    for ((k, e), (_, m)) in c.components.iter().zip(&c.monthly_components) {
        t.row([k.clone(), money(e), money(m)]);
    }
    page.table(&t);
    page.h3("Platform plans");
    let mut t = Table::new(["plan", "simulated window", month.as_str(), "in the total"]);
    for ((k, e), (_, m)) in c.plans.iter().zip(&c.monthly_plans) {
        let chosen = if *k == c.plan { "yes" } else { "" };
        t.row([k.to_string(), money(e), money(m), chosen.to_string()]);
    }
    page.table(&t);
    if let (Some(be), Some(now)) = (
        c.break_even_active_hours,
        c.active_hours_per_user_month.mean,
    ) {
        page.p(&format!(
            "The named-user plan beats the active-hour plan above {be:.1} active hours per user-month; this run: {now:.1}."
        ));
    }
    page.h3("Usage cost per channel");
    let mut t = Table::new(["channel", "simulated window"]);
    for (k, e) in &c.channels {
        t.row([k.clone(), money(e)]);
    }
    page.table(&t);
    page.note(&c.month.describe());
}
