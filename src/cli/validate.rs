//! `ccsim validate`: a one-screen summary of a scenario (loading it already
//! reported every problem in it).

use anyhow::Result;
use ccsim::report;
use ccsim::scenario::Scenario;
use std::io::Write;
use std::path::Path;

pub(super) fn validate(s: &Scenario, file: &Path) -> Result<()> {
    let text = report::overview::render(s, file);
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}
