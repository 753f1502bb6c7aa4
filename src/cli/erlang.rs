//! `ccsim erlang`: Erlang C and Erlang A for one queue.

use anyhow::{Context, Result, bail};
use ccsim::erlang::Model;
use ccsim::scenario::units;
use std::io::Write;

pub(super) fn erlang(
    rate: &str,
    aht: &str,
    agents: u32,
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
        && !(0.0..=1.0).contains(&t)
    {
        bail!("--target-sl must be between 0 and 1, found {t}");
    }
    let model = Model {
        rate_per_s,
        aht_s,
        agents,
        patience_s,
    };
    let m = model.measures(threshold_s)?;
    let kind = if patience_s.is_some() {
        "Erlang A (M/M/n+M)"
    } else {
        "Erlang C (M/M/n)"
    };
    let mut o = String::new();
    use std::fmt::Write as _;
    let _ = writeln!(
        o,
        "{kind}: load {:.4} erlangs, {agents} agents, threshold {threshold_s} s",
        model.load()
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
    if let Some(t) = target {
        match model.min_agents(threshold_s, t) {
            Some(n) => {
                let _ = writeln!(o, "  agents for service level {t}: {n}");
            }
            None => {
                let _ = writeln!(o, "  agents for service level {t}: more than 100000");
            }
        }
    }
    std::io::stdout().lock().write_all(o.as_bytes())?;
    Ok(())
}
