//! `ccsim staff`: the search path as it goes, then the answer and how sure
//! it is.

use anyhow::{Context, Result};
use ccsim::experiment::staff::{Below, Evaluation};
use ccsim::experiment::{StaffSearch, Staffing};
use ccsim::report;
use ccsim::report::folder::Content;
use serde_json::{Map, Value, json};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Where a staffing search's results go (the same flags for both searches).
pub(super) struct Outputs {
    /// Report folder (default: reports/<scenario name>-staff/).
    pub out: Option<PathBuf>,
    /// The JSON document on stdout instead of the table.
    pub json: bool,
    /// Charts into charts/.
    pub charts: bool,
    /// report.html.
    pub html: bool,
}

pub(super) fn staff(search: StaffSearch, outputs: Outputs) -> Result<()> {
    let Outputs {
        out,
        json: json_out,
        charts,
        html,
    } = outputs;
    let started = report::manifest::now_utc();
    let st = with_spinner(|tick| search.run(tick))?;
    let dir =
        out.unwrap_or_else(|| Path::new("reports").join(format!("{}-staff", st.summary.scenario)));
    let doc = document(&search, &st);
    let mut files: Vec<(String, Content)> = report::csv::files(&st.summary)
        .into_iter()
        .map(|(n, b)| (n, Content::Bytes(b)))
        .collect();
    files.push((
        "staff-path.csv".into(),
        Content::Bytes(path_csv(&search, &st)),
    ));
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    files.push((
        "staff.json".into(),
        Content::Bytes(text.clone().into_bytes()),
    ));
    let base = ccsim::scenario::load_overridden(&search.file, &search.options, &search.base)?;
    if charts {
        files.extend(
            report::charts::render_all(&st.charts(&search, &base.scenario))?
                .into_iter()
                .map(|(n, b)| (n, Content::Bytes(b))),
        );
    }
    let manifest = report::manifest::Manifest::for_command(
        "staff",
        &base.scenario,
        &search.file.display().to_string(),
        st.summary.seed,
        st.summary.replications,
        report::manifest::command_line(),
        started,
    );
    if html {
        let page = ccsim::experiment::html::staff(&base.scenario, &search, &st, &manifest)?;
        files.push((report::html::FILE.into(), Content::Bytes(page)));
    }
    report::folder::replace(&dir, files, |sizes| manifest.finish(sizes), &mut |m| {
        eprintln!("{m}")
    })
    .with_context(|| format!("writing the report folder {}", dir.display()))?;
    let mut stdout = std::io::stdout().lock();
    if json_out {
        stdout.write_all(text.as_bytes())?;
        return Ok(());
    }
    let targets: Vec<String> = search.targets.iter().map(ToString::to_string).collect();
    writeln!(
        stdout,
        "targets: {} (judged at the worse end of {:.0}% CIs); {} replications per evaluation, seed {}; start: {}\n",
        targets.join(", "),
        search.confidence * 100.0,
        st.summary.replications,
        st.summary.seed,
        st.start
    )?;
    write!(stdout, "{:>4}  {:>16}", "step", st.groups.join(" + "))?;
    for t in &search.targets {
        write!(stdout, "  {:>24}", t.path)?;
    }
    writeln!(stdout, "  meets")?;
    for (i, e) in st.path.iter().enumerate() {
        row(&mut stdout, i + 1, e, &search)?;
    }
    let agents: Vec<String> = st
        .groups
        .iter()
        .zip(&st.answer.agents)
        .map(|(g, n)| format!("{n} in {g}"))
        .collect();
    writeln!(stdout, "\nanswer: {}", agents.join(", "))?;
    match st.below {
        Below::Fails => writeln!(
            stdout,
            "one agent fewer fails a target beyond noise: the answer is the minimum"
        )?,
        Below::WithinNoise => writeln!(
            stdout,
            "one agent fewer is within noise of a target (its CI straddles the bound): more replications (--replications) would tell"
        )?,
        Below::None if st.groups.len() > 1 => writeln!(
            stdout,
            "the cheapest combination found by removing one agent at a time while the targets hold (a local optimum)"
        )?,
        Below::None => {}
    }
    writeln!(stdout, "\nreports: {}", dir.display())?;
    Ok(())
}

fn row(out: &mut impl Write, step: usize, e: &Evaluation, s: &StaffSearch) -> Result<()> {
    let agents: Vec<String> = e.agents.iter().map(u32::to_string).collect();
    write!(out, "{step:>4}  {:>16}", agents.join(" + "))?;
    for (k, t) in e.kpis.iter().zip(&s.targets) {
        let ratio = t.path.ends_with("service_level") || t.path.ends_with("abandon_rate");
        let shown = match (k.mean, k.ci95) {
            (Some(m), Some(c)) if ratio => format!("{:.2}% ± {:.2}%", m * 100.0, c * 100.0),
            (Some(m), Some(c)) => format!("{m:.3} ± {c:.3}"),
            (Some(m), None) => format!("{m:.3}"),
            _ => "—".into(),
        };
        write!(out, "  {shown:>24}")?;
    }
    writeln!(out, "  {}", if e.meets { "yes" } else { "no" })?;
    Ok(())
}

fn agents_json(groups: &[String], agents: &[u32]) -> Value {
    Value::Object(
        groups
            .iter()
            .zip(agents)
            .map(|(g, n)| (g.clone(), json!(n)))
            .collect(),
    )
}

/// `{"agents", "summary", "path", "below", "confidence", "targets"}`.
fn document(s: &StaffSearch, st: &Staffing) -> Value {
    let path: Vec<Value> = st
        .path
        .iter()
        .map(|e| {
            let kpis: Map<String, Value> = s
                .targets
                .iter()
                .zip(&e.kpis)
                .map(|(t, k)| (t.path.clone(), json!({ "mean": k.mean, "ci": k.ci95 })))
                .collect();
            json!({
                "agents": agents_json(&st.groups, &e.agents),
                "kpis": kpis,
                "meets": e.meets,
                "cost": e.cost,
            })
        })
        .collect();
    let summary: Value = serde_json::from_str(&report::json::to_line(&st.summary)).expect("valid");
    json!({
        "agents": agents_json(&st.groups, &st.answer.agents),
        "targets": s.targets.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "confidence": s.confidence,
        "below": match st.below {
            Below::Fails => "fails",
            Below::WithinNoise => "within_noise",
            Below::None => "none",
        },
        "start": st.start,
        "summary": summary,
        "path": path,
    })
}

/// `staff-path.csv`: one row per evaluation.
fn path_csv(s: &StaffSearch, st: &Staffing) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["step".into()];
    header.extend(st.groups.iter().cloned());
    for t in &s.targets {
        header.push(format!("{}_mean", t.path));
        header.push(format!("{}_ci", t.path));
    }
    header.extend(["meets".into(), "cost".into()]);
    w.write_record(&header).expect("writing to memory");
    let num = |v: Option<f64>| v.map_or_else(String::new, |x| format!("{x}"));
    for (i, e) in st.path.iter().enumerate() {
        let mut r = vec![(i + 1).to_string()];
        r.extend(e.agents.iter().map(u32::to_string));
        for k in &e.kpis {
            r.push(num(k.mean));
            r.push(num(k.ci95));
        }
        r.push(if e.meets { "yes" } else { "no" }.into());
        r.push(num(e.cost));
        w.write_record(&r).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// `ccsim staff --per-interval`: ISA and SIPP plans side by side, with the
/// service level each reaches per interval on the same customers.
pub(super) fn per_interval(
    search: ccsim::experiment::IntervalSearch,
    outputs: Outputs,
) -> Result<()> {
    use ccsim::experiment::IntervalStaffing;
    let Outputs {
        out,
        json: json_out,
        charts,
        html,
    } = outputs;
    let started = report::manifest::now_utc();
    let st = with_spinner(|tick| search.run(tick))?;
    let base = ccsim::scenario::load_overridden(&search.file, &search.options, &search.base)?;
    let dir =
        out.unwrap_or_else(|| Path::new("reports").join(format!("{}-staff", base.scenario.name)));
    let (lo, hi) = (st.target - 0.03, st.target + 0.10);
    let share = |sl: &[Option<ccsim::stats::Estimate>]| IntervalStaffing::share_within(sl, lo, hi);
    let clock = |s: f64| {
        let m = (s / 60.0).round() as u64;
        format!("d{} {:02}:{:02}", m / 1440, (m / 60) % 24, m % 60)
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "interval_start_s",
        "group",
        "rate_per_h",
        "agents",
        "service_level_mean",
        "service_level_ci95",
        "sipp_agents",
        "sipp_service_level_mean",
        "sipp_service_level_ci95",
    ])?;
    let num = |v: Option<f64>| v.map_or_else(String::new, |x| format!("{x}"));
    let mut intervals = Vec::new();
    for i in 0..st.isa.len() {
        let start = i as f64 * st.interval_s;
        let (a, b) = (st.isa_sl[i], st.sipp_sl[i]);
        w.write_record([
            format!("{start}"),
            st.group.clone(),
            format!("{}", st.rate[i] * 3600.0),
            st.isa[i].to_string(),
            num(a.and_then(|e| e.mean)),
            num(a.and_then(|e| e.ci95)),
            st.sipp[i].to_string(),
            num(b.and_then(|e| e.mean)),
            num(b.and_then(|e| e.ci95)),
        ])?;
        intervals.push(json!({
            "start_s": start,
            "rate_per_h": st.rate[i] * 3600.0,
            "agents": st.isa[i],
            "service_level": a.map(|e| json!({"mean": e.mean, "ci95": e.ci95})),
            "sipp_agents": st.sipp[i],
            "sipp_service_level": b.map(|e| json!({"mean": e.mean, "ci95": e.ci95})),
        }));
    }
    let csv_bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    let doc = json!({
        "group": st.group,
        "target": st.target,
        "iterations": st.iterations,
        "converged": st.converged,
        "replications": st.replications,
        "seed": st.seed,
        "within": { "low": lo, "high": hi, "isa": share(&st.isa_sl), "sipp": share(&st.sipp_sl) },
        // Over the reported intervals (the warm-up's are staffed too).
        "agent_hours": {
            "isa": reported_hours(&st.isa, &st.isa_sl, st.interval_s),
            "sipp": reported_hours(&st.sipp, &st.isa_sl, st.interval_s),
        },
        "intervals": intervals,
    });
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    let manifest = report::manifest::Manifest::for_command(
        "staff",
        &base.scenario,
        &search.file.display().to_string(),
        st.seed,
        st.replications,
        report::manifest::command_line(),
        started,
    );
    let mut files = vec![
        ("staffing.csv".into(), Content::Bytes(csv_bytes)),
        (
            "staffing.json".into(),
            Content::Bytes(text.clone().into_bytes()),
        ),
    ];
    if charts {
        files.extend(
            report::charts::render_all(&st.charts(&base.scenario))?
                .into_iter()
                .map(|(n, b)| (n, Content::Bytes(b))),
        );
    }
    if html {
        let page = ccsim::experiment::html::staff_per_interval(&base.scenario, &st, &manifest)?;
        files.push((report::html::FILE.into(), Content::Bytes(page)));
    }
    report::folder::replace(&dir, files, |sizes| manifest.finish(sizes), &mut |m| {
        eprintln!("{m}")
    })
    .with_context(|| format!("writing the report folder {}", dir.display()))?;
    let mut stdout = std::io::stdout().lock();
    if json_out {
        stdout.write_all(text.as_bytes())?;
        return Ok(());
    }
    writeln!(
        stdout,
        "group {}: service level ≥ {:.0}% per interval; ISA {} after {} iteration{}; {} replications, seed {}\n",
        st.group,
        st.target * 100.0,
        if st.converged { "converged" } else { "stopped" },
        st.iterations,
        if st.iterations == 1 { "" } else { "s" },
        st.replications,
        st.seed
    )?;
    writeln!(
        stdout,
        "{:>9}  {:>8}  {:>6}  {:>16}  {:>6}  {:>16}",
        "interval", "rate/h", "ISA", "ISA SL", "SIPP", "SIPP SL"
    )?;
    let cell = |e: Option<ccsim::stats::Estimate>| match e.and_then(|e| e.mean.map(|m| (m, e.ci95)))
    {
        Some((m, Some(c))) => format!("{:.1}% ± {:.1}%", m * 100.0, c * 100.0),
        Some((m, None)) => format!("{:.1}%", m * 100.0),
        None => "(warm-up)".into(),
    };
    for i in 0..st.isa.len() {
        if st.isa_sl[i].is_none() {
            continue;
        }
        writeln!(
            stdout,
            "{:>9}  {:>8.1}  {:>6}  {:>16}  {:>6}  {:>16}",
            clock(i as f64 * st.interval_s),
            st.rate[i] * 3600.0,
            st.isa[i],
            cell(st.isa_sl[i]),
            st.sipp[i],
            cell(st.sipp_sl[i])
        )?;
    }
    writeln!(
        stdout,
        "\nintervals with service level in [{:.0}%, {:.0}%]: ISA {:.0}%, SIPP {:.0}%; agent-hours ISA {:.0}, SIPP {:.0}",
        lo * 100.0,
        hi * 100.0,
        share(&st.isa_sl) * 100.0,
        share(&st.sipp_sl) * 100.0,
        doc["agent_hours"]["isa"].as_f64().unwrap_or(0.0),
        doc["agent_hours"]["sipp"].as_f64().unwrap_or(0.0)
    )?;
    writeln!(stdout, "\nreports: {}", dir.display())?;
    Ok(())
}

/// Agent-hours of a plan over the intervals that are reported.
fn reported_hours(plan: &[u32], sl: &[Option<ccsim::stats::Estimate>], interval_s: f64) -> f64 {
    plan.iter()
        .zip(sl)
        .filter(|(_, e)| e.is_some())
        .map(|(&n, _)| f64::from(n) * interval_s / 3600.0)
        .sum()
}

/// A spinner counting replications on a terminal (a search does not know
/// how many it will run).
/// Runs a search with a spinner on a terminal that counts its replications.
fn with_spinner<T>(run: impl FnOnce(&(dyn Fn(u64) + Sync)) -> T) -> T {
    let spinner = spinner();
    let out = run(&|_| {
        if let Some(b) = &spinner {
            b.inc(1);
        }
    });
    if let Some(b) = spinner {
        b.finish_and_clear();
    }
    out
}

fn spinner() -> Option<indicatif::ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} replications, {elapsed}")
                .expect("static template"),
        );
        bar
    })
}
