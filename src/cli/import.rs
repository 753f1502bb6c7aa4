//! `ccsim import workspace DIR --out FILE`: writes the scenario of a
//! TaskRouter workspace snapshot (and its workflow document beside it), then
//! loads what it wrote, so a scenario that would not validate is never
//! handed over silently (docs/import.md).

use anyhow::{Context, Result, bail};
use ccsim::import::{Options, import_workspace, read_snapshot};
use ccsim::scenario;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `ccsim import workspace` was asked.
pub(super) struct Args {
    pub dir: PathBuf,
    pub out: PathBuf,
    pub workflow: Option<String>,
    pub staff_all: bool,
    pub name: Option<String>,
    pub force: bool,
}

/// The workflow document's file name beside `out`: `<stem>.workflow.json`.
pub(super) fn workflow_file(out: &Path) -> String {
    let stem = out
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    format!("{stem}.workflow.json")
}

pub(super) fn workspace(args: Args) -> Result<()> {
    let workflow_name = workflow_file(&args.out);
    let folder = args
        .out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let workflow_path = folder.join(&workflow_name);
    if !args.force {
        for p in [&args.out, &workflow_path] {
            if p.exists() {
                bail!(
                    "{} already exists; give --force to replace it, or another --out",
                    p.display()
                );
            }
        }
    }
    let snap = read_snapshot(&args.dir)?;
    let imported = import_workspace(
        &snap,
        &Options {
            workflow: args.workflow,
            workflow_file: workflow_name,
            staff_all: args.staff_all,
            name: args.name,
            ..Options::default()
        },
    )?;
    std::fs::create_dir_all(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    std::fs::write(&args.out, &imported.scenario)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    let mut written = vec![args.out.display().to_string()];
    if let Some(json) = &imported.workflow_json {
        std::fs::write(&workflow_path, json)
            .with_context(|| format!("cannot write {}", workflow_path.display()))?;
        written.push(workflow_path.display().to_string());
    }
    let loaded = scenario::load(&args.out).map_err(|e| {
        anyhow::anyhow!(
            "{e}\nthe imported scenario was written but does not validate: correct the snapshot (or the files above) and import again"
        )
    })?;

    let mut text = format!("Wrote {}.\n", written.join(" and "));
    text.push_str(&format!("Agent groups ({}):\n", imported.groups.len()));
    for g in &imported.groups {
        text.push_str(&format!(
            "  {:<32} {:>4} worker{} in {}, count = {}\n",
            g.name,
            g.workers,
            if g.workers == 1 { " " } else { "s" },
            g.activity,
            g.count
        ));
    }
    text.push_str(&format!("Queues ({}):\n", imported.queues.len()));
    for (name, sid) in &imported.queues {
        text.push_str(&format!("  {name:<32} {sid}\n"));
    }
    text.push_str(&format!(
        "Channels: {}\nArrival sources ({}, rates, handle times and patience are PLACEHOLDERS):\n",
        imported.channels.join(", "),
        imported.sources.len()
    ));
    for (name, channel) in &imported.sources {
        text.push_str(&format!("  {name:<32} {channel}\n"));
    }
    for n in &imported.notes {
        text.push_str(&format!("note: {n}\n"));
    }
    for w in &loaded.warnings {
        text.push_str(&format!("{w}\n"));
    }
    text.push_str(&format!(
        "The scenario validates. Replace the PLACEHOLDER values, then: ccsim run {}\n",
        args.out.display()
    ));
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(())
}
