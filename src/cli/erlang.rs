//! `ccsim erlang`: Erlang C and Erlang A for one queue.

use anyhow::{Context, Result, bail};
use ccsim::erlang::{ErlangError, Measures, Model};
use ccsim::scenario::units;
use std::fmt::Write as _;
use std::io::Write;

pub(super) fn erlang(
    rate: &str,
    aht: &str,
    agents: Option<u32>,
    patience: Option<&str>,
    threshold: &str,
    target: Option<f64>,
) -> Result<()> {
    let rate_per_s = units::parse_rate(rate)
        .map_err(anyhow::Error::msg)
        .context("--rate")?;
    let aht_s = units::parse_duration(aht)
        .map_err(anyhow::Error::msg)
        .context("--aht")?;
    let threshold_s = units::parse_duration(threshold)
        .map_err(anyhow::Error::msg)
        .context("--threshold")?;
    let patience_s = patience
        .map(units::parse_duration)
        .transpose()
        .map_err(anyhow::Error::msg)
        .context("--patience")?;
    if let Some(t) = target
        && !(0.0..1.0).contains(&t)
    {
        bail!("--target-sl must be at least 0 and below 1, found {t}");
    }
    let model = |agents| Model {
        rate_per_s,
        aht_s,
        agents,
        patience_s,
    };
    let mut o = String::new();
    // The fewest agents for the target, solved before anything is printed.
    let needed = match target {
        None => None,
        Some(t) => Some(model(1).min_agents(threshold_s, t).with_context(|| {
            format!("no staffing up to 100000 agents reaches service level {t}")
        })?),
    };
    if let Some(n) = agents {
        match model(n).measures(threshold_s) {
            Ok(m) => describe(&mut o, &model(n), threshold_s, &m),
            Err(ErlangError::Unstable { load, agents }) if needed.is_some() => {
                let _ = writeln!(
                    o,
                    "Erlang C (M/M/n): load {load:.4} erlangs, {agents} agents: unstable (the offered load needs more than {agents} agents without abandonment; waits grow without bound)"
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    if let (Some(t), Some(n)) = (target, needed) {
        let m = model(n).measures(threshold_s)?;
        if agents.is_some() {
            o.push('\n');
        }
        let _ = writeln!(o, "fewest agents for service level {t}: {n}");
        describe(&mut o, &model(n), threshold_s, &m);
    }
    std::io::stdout().lock().write_all(o.as_bytes())?;
    Ok(())
}

/// The measures of one staffing, with a note when only abandonment keeps an
/// overloaded queue finite.
fn describe(o: &mut String, model: &Model, threshold_s: f64, m: &Measures) {
    let kind = if model.patience_s.is_some() {
        "Erlang A (M/M/n+M)"
    } else {
        "Erlang C (M/M/n)"
    };
    let _ = writeln!(
        o,
        "{kind}: load {:.4} erlangs, {} agents, threshold {threshold_s} s",
        model.load(),
        model.agents
    );
    let _ = writeln!(o, "  probability of waiting      {:.7}", m.p_wait);
    let _ = writeln!(
        o,
        "  service level               {:.7}  (answered within threshold ÷ offered)",
        m.service_level
    );
    let _ = writeln!(
        o,
        "  service level of answered   {:.7}  (answered within threshold ÷ answered)",
        m.service_level_answered
    );
    let _ = writeln!(
        o,
        "  ASA                         {:.4} s (mean wait of answered)",
        m.asa_s
    );
    let _ = writeln!(
        o,
        "  abandonment                 {:.7}  (abandoned ÷ offered)",
        m.abandon_rate
    );
    let _ = writeln!(o, "  occupancy                   {:.7}", m.occupancy);
    if model.load() >= f64::from(model.agents) {
        let _ = writeln!(
            o,
            "  overloaded: the offered load is at least the {} agents, so without abandonment the queue would be unstable; here abandonment alone keeps it finite",
            model.agents
        );
    }
}
