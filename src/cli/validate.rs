//! `ccsim validate`: a one-screen summary of a scenario (loading it already
//! reported every problem in it), then its `[[expect]]` entries.

use anyhow::Result;
use ccsim::report;
use ccsim::scenario::Scenario;
use std::io::Write;
use std::path::Path;

pub(super) fn validate(s: &Scenario, file: &Path) -> Result<()> {
    let mut text = report::overview::render(s, file);
    text.push_str(&expectations(s));
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}

/// The expectations `ccsim check` judges, one line each (nothing without any).
fn expectations(s: &Scenario) -> String {
    if s.expectations.is_empty() && s.event_expectations.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "\nExpectations ({}; ccsim check judges them, inconclusive = \"{}\"{}):\n",
        s.expectations.len() + s.event_expectations.len(),
        s.check.inconclusive.name(),
        s.check
            .max_replications
            .map_or(String::new(), |m| format!(", up to {m} replications"))
    );
    for e in &s.expectations {
        let confidence = format!("{}% confidence", e.confidence * 100.0);
        match &e.name {
            Some(name) => out.push_str(&format!("  {name}: {} ({confidence})\n", e.condition())),
            None => out.push_str(&format!("  {} ({confidence})\n", e.condition())),
        }
    }
    for e in &s.event_expectations {
        match &e.name {
            Some(name) => out.push_str(&format!(
                "  {name}: {} (every replication's events)\n",
                e.condition()
            )),
            None => out.push_str(&format!(
                "  {} (every replication's events)\n",
                e.condition()
            )),
        }
    }
    out
}
