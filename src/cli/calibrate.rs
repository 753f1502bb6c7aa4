//! `ccsim calibrate EVENTS... --out FILE`: fits a scenario to an event
//! history, writes it with its calibration report (and a trace, if asked),
//! then loads what it wrote, so a scenario that would not validate is never
//! handed over silently (docs/calibrate.md).

use super::check::write_atomically;
use anyhow::{Context, Result, bail};
use ccsim::import::calibrate::{self, Layout, Options};
use ccsim::import::events::read_events;
use ccsim::import::{Options as ImportOptions, import_workspace, read_snapshot};
use ccsim::scenario::{self, units};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `ccsim calibrate` was asked.
#[derive(Debug, clap::Args)]
pub(super) struct Args {
    /// Event files (JSON lines, JSON arrays or pages of the events list).
    #[arg(required = true)]
    pub events: Vec<PathBuf>,
    /// The scenario file to write.
    #[arg(long)]
    pub out: PathBuf,
    /// Width of the intraday profile's pieces and of the statistics
    /// intervals; must divide a day.
    #[arg(long, default_value = "30m")]
    pub interval: String,
    /// A TaskRouter workspace snapshot (as `ccsim import workspace`
    /// reads it): routing, workers and attributes come from it, and
    /// the workflow is written beside the scenario as
    /// <stem>.workflow.json.
    #[arg(long)]
    pub workspace: Option<PathBuf>,
    /// With --workspace: the workflow to use, by friendly name or SID.
    #[arg(long, requires = "workspace")]
    pub workflow: Option<String>,
    /// Task attributes that split arrival sources beyond channel and
    /// queue, comma-separated (dotted paths reach nested values).
    #[arg(long, value_delimiter = ',')]
    pub by: Vec<String>,
    /// Activities in which workers take tasks, comma-separated, for head
    /// counts from worker.activity.update events.
    #[arg(long, value_delimiter = ',', default_value = "Available")]
    pub available: Vec<String>,
    /// The task attribute naming the caller (e.g. `from`), to link a
    /// TaskRouter history's redials: a task created soon after the same
    /// caller's abandoned one is a redial, not a fresh arrival.
    #[arg(long)]
    pub customer: Option<String>,
    /// How soon after hanging up the caller's next task is a redial.
    #[arg(long, default_value = "1h")]
    pub redial_window: String,
    /// Write a profile per weekday (a week-long profile: each weekday
    /// its own shape) instead of one daily profile scaled by day-of-week
    /// multipliers; needs every weekday seen for a whole day.
    #[arg(long)]
    pub weekday_profiles: bool,
    /// Write talk and wrap-up times as empirical tables (100 quantiles
    /// of the observed values) instead of the family chosen by AIC.
    #[arg(long)]
    pub empirical: bool,
    /// Also write the history's tasks as a trace CSV to replay (arrival
    /// time, channel, observed talk, observed patience, attributes).
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// The scenario's name (default: the --out file's stem).
    #[arg(long)]
    pub name: Option<String>,
    /// Replace the output files if they exist.
    #[arg(long)]
    pub force: bool,
}

/// `<stem>.calibration.json` beside `out`.
fn report_path(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
    out.with_file_name(format!("{stem}.calibration.json"))
}

/// How many problems are printed before "and N more".
const SHOWN_PROBLEMS: usize = 10;

pub(super) fn calibrate(args: Args) -> Result<()> {
    let interval_s = units::parse_duration(&args.interval)
        .map_err(anyhow::Error::msg)
        .context("--interval")?;
    let redial_window_s = units::parse_duration(&args.redial_window)
        .map_err(anyhow::Error::msg)
        .context("--redial-window")?;
    let report = report_path(&args.out);
    // Named as `ccsim import workspace` names it.
    let workflow_file = args
        .out
        .with_file_name(super::import::workflow_file(&args.out));
    let mut outputs = vec![args.out.clone(), report.clone()];
    outputs.extend(args.trace.clone());
    if args.workspace.is_some() {
        outputs.push(workflow_file.clone());
    }
    if !args.force {
        for p in &outputs {
            if p.exists() {
                bail!(
                    "{} already exists; give --force to replace it, or another --out",
                    p.display()
                );
            }
        }
    }
    for p in &outputs {
        if args.events.iter().any(|e| e == p) {
            bail!("{} is an input: write the outputs elsewhere", p.display());
        }
    }
    let name = args.name.clone().unwrap_or_else(|| {
        let stem = args
            .out
            .file_stem()
            .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
        let slug = ccsim::import::slug(&stem);
        if slug.is_empty() {
            "calibrated".into()
        } else {
            slug
        }
    });
    let log = read_events(&args.events)?;
    let options = Options {
        interval_s,
        by: args.by.clone(),
        name,
        available: args.available.clone(),
        customer: args.customer.clone(),
        redial_window_s,
        empirical: args.empirical,
        weekday_profiles: args.weekday_profiles,
        inputs: args
            .events
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
    };
    let report_name = report
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    // With a workspace: import it once for its names, calibrate on them,
    // then import it again with the head counts and reservations fitted.
    let (cal, text, workflow_json) = match &args.workspace {
        Some(dir) => {
            let snap = read_snapshot(dir)?;
            let mut import_options = ImportOptions {
                workflow: args.workflow.clone(),
                workflow_file: workflow_file
                    .file_name()
                    .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
                name: Some(options.name.clone()),
                by_skills: true,
                ..ImportOptions::default()
            };
            let first = import_workspace(&snap, &import_options)?;
            let layout = Layout {
                queues: first.queues.clone(),
                groups: first
                    .groups
                    .iter()
                    .map(|g| g.name.clone())
                    .zip(first.group_workers.iter().cloned())
                    .collect(),
                channels: first.channels.clone(),
            };
            let cal = calibrate::calibrate(&log, &options, Some(&layout))?;
            import_options.group_lines = cal.group_lines();
            let second = import_workspace(&snap, &import_options)?;
            let text = cal.scenario(&log, &report_name, Some(&second.structure));
            (cal, text, second.workflow_json)
        }
        None => {
            let cal = calibrate::calibrate(&log, &options, None)?;
            let text = cal.scenario(&log, &report_name, None);
            (cal, text, None)
        }
    };
    let json = serde_json::to_string_pretty(&cal.report(&log))? + "\n";
    if let Some(w) = &workflow_json {
        write_atomically(&workflow_file, w.as_bytes())
            .with_context(|| format!("cannot write {}", workflow_file.display()))?;
    } else {
        outputs.retain(|p| p != &workflow_file);
    }
    write_atomically(&args.out, text.as_bytes())
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    write_atomically(&report, json.as_bytes())
        .with_context(|| format!("cannot write {}", report.display()))?;
    if let Some(trace) = &args.trace {
        write_atomically(trace, cal.trace_csv().as_bytes())
            .with_context(|| format!("cannot write {}", trace.display()))?;
    }
    let loaded = scenario::load(&args.out).map_err(|e| {
        anyhow::anyhow!(
            "{e}\nthe calibrated scenario was written but does not validate: this is a bug in ccsim calibrate; please report it with the events"
        )
    })?;

    let mut s = format!(
        "Wrote {}.\n",
        outputs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let types: Vec<String> = log
        .by_type
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    s.push_str(&format!(
        "Events used: {} ({}).\n",
        log.events.len(),
        types.join(", ")
    ));
    if !log.other_types.is_empty() {
        let other: Vec<String> = log
            .other_types
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        s.push_str(&format!(
            "Events of other types, not used: {}.\n",
            other.join(", ")
        ));
    }
    if log.out_of_order > 0 {
        s.push_str(&format!(
            "Events out of time order in their file (used in time order): {}.\n",
            log.out_of_order
        ));
    }
    let placed: usize = cal.sources.iter().map(|x| x.tasks).sum();
    s.push_str(&format!(
        "Tasks: {} created, {} placed in {} sources; {} without a channel, {} never queued; {} events of tasks created before the history; {} still talking at its end.\n",
        cal.tasks,
        placed,
        cal.sources.len(),
        cal.unplaced.no_channel,
        cal.unplaced.no_queue,
        cal.untimed,
        cal.unfinished
    ));
    for src in &cal.sources {
        let hours: f64 =
            src.profile.exposure_days.iter().sum::<f64>() * src.profile.interval_s / 3600.0;
        let rate = src.tasks as f64 / hours;
        s.push_str(&format!(
            "  {:<32} {:>7} tasks  {:>8.2}/h on average  talk {}  patience {}\n",
            src.name,
            src.tasks,
            rate,
            src.talk.as_ref().map_or_else(
                || "(channel's)".into(),
                |t| format!("{} {:.1} s", t.best().family.name(), t.best().mean)
            ),
            src.patience
                .map_or_else(|| "(none hung up)".into(), |p| format!("{:.1} s", p.mean))
        ));
    }
    for g in &cal.groups {
        let serves = if g.serves.is_empty() {
            String::new()
        } else {
            format!("  serves {}", g.serves.join(", "))
        };
        s.push_str(&format!(
            "  group {:<26} {:>4} workers{serves}\n",
            g.name, g.count
        ));
    }
    if !log.problems.is_empty() {
        s.push_str(&format!(
            "{} events could not be used:\n",
            log.problems.len()
        ));
        for p in log.problems.iter().take(SHOWN_PROBLEMS) {
            s.push_str(&format!("  {p}\n"));
        }
        if log.problems.len() > SHOWN_PROBLEMS {
            s.push_str(&format!(
                "  … and {} more (all are counted in {})\n",
                log.problems.len() - SHOWN_PROBLEMS,
                report.display()
            ));
        }
    }
    for n in &cal.notes {
        s.push_str(&format!("note: {n}\n"));
    }
    for w in &loaded.warnings {
        s.push_str(&format!("{w}\n"));
    }
    s.push_str(&format!(
        "The scenario validates: ccsim run {}\n",
        args.out.display()
    ));
    std::io::stdout().lock().write_all(s.as_bytes())?;
    Ok(())
}
