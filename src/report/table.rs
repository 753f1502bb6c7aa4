//! The terminal view: KPIs with ± 95% CI, overall and per queue, then groups.

use crate::metrics::{ConversationKpi, GroupKpi, Kpi, StepKpi};
use crate::stats::Estimate;
use crate::summary::Summary;
use std::fmt::Write;

fn is_ratio(kpi: &str) -> bool {
    matches!(
        kpi,
        "service_level"
            | "service_level_answered"
            | "abandon_rate"
            | "occupancy"
            | "utilization"
            | "first_response_sl"
            | "reopen_rate"
            | "held_idle_share"
    )
}

/// Formats one estimate for its KPI: percentages for ratios, one decimal otherwise.
pub fn cell(kpi: &str, e: &Estimate) -> String {
    let Some(mean) = e.mean else {
        return "—".into();
    };
    let (scale, unit) = if is_ratio(kpi) {
        (100.0, "%")
    } else {
        (1.0, "")
    };
    let ci = e
        .ci95
        .map_or_else(String::new, |c| format!(" ± {:.1}{unit}", c * scale));
    format!("{:.1}{unit}{ci}", mean * scale)
}

/// Text conversations: one column per channel that has them.
fn conversation_section(out: &mut String, s: &Summary, first: usize) {
    let rows: Vec<(&str, Vec<String>)> = ConversationKpi::ALL
        .into_iter()
        .map(|k| {
            let cells = s
                .conversations
                .iter()
                .map(|c| cell(k.name(), &c.kpis[k]))
                .collect();
            (k.name(), cells)
        })
        .collect();
    let first = rows
        .iter()
        .map(|(n, _)| n.len())
        .max()
        .unwrap_or(0)
        .max(first);
    let widths: Vec<usize> = s
        .conversations
        .iter()
        .enumerate()
        .map(|(i, c)| {
            rows.iter()
                .map(|(_, cells)| cells[i].chars().count())
                .max()
                .unwrap_or(0)
                .max(c.name.chars().count())
        })
        .collect();
    let _ = write!(out, "\n{:first$}", "conversations");
    for (c, w) in s.conversations.iter().zip(&widths) {
        let _ = write!(out, "  {:>w$}", c.name);
    }
    out.push('\n');
    for (name, cells) in &rows {
        let _ = write!(out, "{name:first$}");
        for (v, w) in cells.iter().zip(&widths) {
            let _ = write!(out, "  {v:>w$}");
        }
        out.push('\n');
    }
}

/// A KPI's row label: its name unless a reader needs more (the table's
/// and report.html's).
pub fn label(kpi: Kpi) -> &'static str {
    match kpi {
        Kpi::ShortAbandoned => "short abandoned",
        Kpi::ServiceLevel => "service level",
        Kpi::ServiceLevelAnswered => "SL of answered",
        Kpi::AbandonRate => "abandon rate",
        Kpi::Asa => "ASA (s)",
        Kpi::WaitP90 => "wait p90 (s)",
        Kpi::Aht => "AHT (s)",
        Kpi::WaitMax => "wait max (s)",
        Kpi::CanceledNoMatch => "  no filter matched",
        Kpi::CanceledWorkflow => "  fell off workflow",
        Kpi::CanceledTtl => "  TTL expired",
        Kpi::VoicemailsWorked => "voicemails worked",
        Kpi::VoicemailWait => "voicemail wait (s)",
        Kpi::Callback => "call back",
        Kpi::CallbacksWorked => "call backs worked",
        Kpi::CallbackWait => "call back wait (s)",
        other => other.name(),
    }
}

/// Money with two decimals and its CI.
fn money(e: &Estimate) -> String {
    match (e.mean, e.ci95) {
        (Some(m), Some(c)) => format!("{m:.2} ± {c:.2}"),
        (Some(m), None) => format!("{m:.2}"),
        _ => "—".into(),
    }
}

/// The spend: total, per contact, monthly projection, components and the
/// plan comparison.
fn cost_section(out: &mut String, c: &crate::cost::CostSummary, first: usize) {
    let w = c
        .components
        .iter()
        .map(|(k, _)| k.chars().count() + 2)
        .chain(c.plans.iter().map(|(k, _)| k.len() + 16))
        .max()
        .unwrap_or(0)
        .max(first)
        .max(22);
    let _ = writeln!(
        out,
        "\n{:w$}  {:>22}  {:>24}",
        format!("cost ({})", c.currency),
        "simulated window",
        format!("per month ({})", c.month.short())
    );
    let mut line = |name: &str, e: &Estimate, m: Option<&Estimate>| {
        let month = m.map_or(String::new(), money);
        let _ = writeln!(out, "{name:w$}  {:>22}  {month:>24}", money(e));
    };
    line("total", &c.total, Some(&c.monthly_projection));
    line("per contact offered", &c.per_offered, None);
    line("per contact answered", &c.per_answered, None);
    for ((k, e), (_, m)) in c.components.iter().zip(&c.monthly_components) {
        line(&format!("  {k}"), e, Some(m));
    }
    for ((k, e), (_, m)) in c.plans.iter().zip(&c.monthly_plans) {
        let chosen = if *k == c.plan { " (in total)" } else { "" };
        line(&format!("plan {k}{chosen}"), e, Some(m));
    }
    if let (Some(be), Some(now)) = (
        c.break_even_active_hours,
        c.active_hours_per_user_month.mean,
    ) {
        let _ = writeln!(
            out,
            "named-user beats active-hour above {be:.1} active h per user-month; this run: {now:.1}"
        );
    }
    let _ = writeln!(out, "{}", c.month.describe());
}

/// Renders the table.
/// `threshold` reads as "20 s", or with channels' own thresholds "20 s
/// (chat 120 s)".
pub fn render(s: &Summary, threshold: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} — seed {}, {} replications, service level at {threshold}",
        s.scenario, s.seed, s.replications
    );
    let mut columns = vec![("overall", &s.overall.kpis)];
    if s.queues.len() > 1 || s.queues.first().is_some_and(|q| q.kpis != s.overall.kpis) {
        columns.extend(s.queues.iter().map(|q| (q.name.as_str(), &q.kpis)));
        // Contacts that reached no queue, so the columns add up.
        if s.unqueued.kpis[Kpi::Offered].mean.unwrap_or(0.0) > 0.0 {
            columns.push((s.unqueued.name.as_str(), &s.unqueued.kpis));
        }
    }
    let rows: Vec<(&str, Vec<String>)> = Kpi::ALL
        .into_iter()
        // Optional KPIs (besides the contract's ten, except the longest wait)
        // show only when some column has them.
        .filter(|&k| {
            k.in_contract()
                || k == Kpi::WaitMax
                || columns.iter().any(|c| c.1[k].mean.unwrap_or(0.0) != 0.0)
        })
        .map(|k| {
            let cells = columns.iter().map(|c| cell(k.name(), &c.1[k])).collect();
            (label(k), cells)
        })
        .collect();
    let first = rows
        .iter()
        .map(|r| r.0.chars().count())
        .max()
        .unwrap_or(0)
        .max(10);
    let widths: Vec<usize> = (0..columns.len())
        .map(|c| {
            rows.iter()
                .map(|r| r.1[c].chars().count())
                .max()
                .unwrap_or(0)
                .max(columns[c].0.chars().count())
        })
        .collect();
    let _ = write!(out, "\n{:first$}", "");
    for (c, w) in columns.iter().zip(&widths) {
        let _ = write!(out, "  {:>w$}", c.0);
    }
    out.push('\n');
    for (name, cells) in &rows {
        let _ = write!(out, "{name:first$}");
        for (v, w) in cells.iter().zip(&widths) {
            let _ = write!(out, "  {v:>w$}");
        }
        out.push('\n');
    }
    if !s.groups.is_empty() {
        let gw = s
            .groups
            .iter()
            .map(|g| g.name.chars().count())
            .max()
            .unwrap_or(0)
            .max(first);
        let _ = writeln!(
            out,
            "\n{:gw$}  {:>18}  {:>18}",
            "group", "occupancy", "utilization"
        );
        for g in &s.groups {
            let _ = writeln!(
                out,
                "{:gw$}  {:>18}  {:>18}",
                g.name,
                cell("occupancy", &g.kpis[GroupKpi::Occupancy]),
                cell("utilization", &g.kpis[GroupKpi::Utilization])
            );
        }
    }
    if !s.conversations.is_empty() {
        conversation_section(&mut out, s, first);
    }
    if let Some(c) = &s.cost {
        cost_section(&mut out, c, first);
    }
    // Routing steps, when the workflow escalates (several steps per filter).
    if s.steps.len() > s.filters.len() + 1
        || s.steps
            .iter()
            .any(|st| st.kpis[StepKpi::TimedOut].mean.unwrap_or(0.0) > 0.0)
    {
        let w = s
            .steps
            .iter()
            .map(|g| g.name.chars().count())
            .max()
            .unwrap_or(0)
            .max(first);
        let _ = writeln!(
            out,
            "\n{:w$}  {:>14}  {:>14}  {:>14}  {:>14}  {:>14}",
            "routing step", "entered", "answered", "timed out", "skipped", "abandoned"
        );
        for st in &s.steps {
            let c = |k: StepKpi| cell(k.name(), &st.kpis[k]);
            let _ = writeln!(
                out,
                "{:w$}  {:>14}  {:>14}  {:>14}  {:>14}  {:>14}",
                st.name,
                c(StepKpi::Entered),
                c(StepKpi::Answered),
                c(StepKpi::TimedOut),
                c(StepKpi::Skipped),
                c(StepKpi::Abandoned)
            );
        }
    }
    out
}
