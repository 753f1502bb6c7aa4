//! The command line: a thin layer over the library, one file per verb. The
//! only module that writes to stdout or knows about exit codes and progress
//! bars.

mod calibrate;
mod check;
mod compare;
mod erlang;
mod explain;
mod import;
mod lint;
mod merge;
mod run;
mod staff;
mod sweep;
mod validate;

use anyhow::Result;
use ccsim::scenario::{self, LoadOptions, Scenario};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

/// ccsim: simulate a contact center's routing, staffing and service level.
#[derive(Debug, Parser)]
#[command(name = "ccsim", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario's replications and report KPIs with 95% confidence intervals.
    Run {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Base seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Number of replications (default: the scenario's).
        #[arg(long, value_parser = replications_arg)]
        replications: Option<u32>,
        /// Report folder (default: reports/<scenario name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the JSON summary on stdout instead of the table.
        #[arg(long)]
        json: bool,
        /// After the table, print one row per interval: volumes, service
        /// level, ASA, p90 wait, each queue's service level, each group's
        /// occupancy and the cost (not with --json).
        #[arg(long, conflicts_with = "json")]
        intervals: bool,
        /// Stream replication 0's task, reservation and worker events to this
        /// file as JSON lines (TaskRouter event names).
        #[arg(long, value_name = "FILE.jsonl")]
        events: Option<PathBuf>,
        /// Also draw charts (SVG and PNG) into charts/ in the report folder.
        #[arg(long)]
        charts: bool,
        /// Also write report.html: one self-contained page (charts inline,
        /// no script, nothing fetched) that opens anywhere and prints.
        #[arg(long)]
        html: bool,
        /// Compute only shard K of N (counted from 0) of the (point,
        /// replication) pairs into a partial folder (--out) for `ccsim
        /// merge`; `auto` or `auto/N` reads K (and N) from Slurm,
        /// Kubernetes, AWS Batch or GNU parallel (docs/cluster.md).
        #[arg(long, value_name = "K/N|auto")]
        shard: Option<String>,
        #[command(flatten)]
        precision: PrecisionArgs,
        #[command(flatten)]
        limits: Limits,
    },
    /// Tell the routing story of one task of replication 0.
    #[command(group(clap::ArgGroup::new("question").required(true).args(["task", "find", "slowest"])))]
    Explain {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Arrival index of the task within replication 0 (0-based).
        #[arg(long)]
        task: Option<u64>,
        /// List the tasks of replication 0 matching an expression over
        /// index, source, channel, queue, wait (s), outcome and created (s),
        /// e.g. 'wait > 600 AND queue == "billing"'.
        #[arg(long, value_name = "EXPR")]
        find: Option<String>,
        /// List the N tasks of replication 0 that waited longest.
        #[arg(long, value_name = "N")]
        slowest: Option<usize>,
        /// At most this many tasks listed by --find.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Base seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// With --task: the replication (default 0), as `ccsim check`
        /// names it for a failed event expectation.
        #[arg(long, requires = "task", default_value_t = 0)]
        replication: u32,
        #[command(flatten)]
        limits: Limits,
    },
    /// Judge the scenarios' [[expect]] entries on their results: one line
    /// per expectation (PASS, FAIL or INCONCLUSIVE) and an exit status for
    /// a build.
    #[command(
        after_help = "Exit status: 0 when every expectation passes; 1 when one fails or a file does not load; 2 when none fails but some remain inconclusive (with [check] inconclusive = \"warn\", the default; \"fail\" makes them failures, \"pass\" passes). See docs/check.md."
    )]
    Check {
        /// Scenario files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also write JUnit XML here: a <testsuite> per file, a <testcase>
        /// per expectation.
        #[arg(long, value_name = "FILE.xml")]
        junit: Option<PathBuf>,
        /// Base seed (default: each scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Replications of the first batch (default: each scenario's);
        /// more are added up to [check] max_replications while some
        /// expectation is inconclusive.
        #[arg(long, value_parser = replications_arg)]
        replications: Option<u32>,
        #[command(flatten)]
        limits: Limits,
    },
    /// Check a scenario and print a one-screen summary of it.
    Validate {
        /// Scenario file (TOML).
        file: PathBuf,
        #[command(flatten)]
        limits: Limits,
    },
    /// Warn about scenarios that load but probably do not do what was
    /// meant (docs/lint.md). Exit status 0 when clean (or only warnings),
    /// 1 when a file has errors or, with --deny warnings, any warning.
    Lint {
        /// Scenario files (TOML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// `--deny warnings`: any warning makes the exit status 1.
        #[arg(long, value_enum, value_name = "warnings")]
        deny: Option<Deny>,
        #[command(flatten)]
        limits: Limits,
    },
    /// Run the scenario at every point of a grid of values (or of zipped
    /// lists), all on the same seeds, and tabulate each point's KPIs.
    Sweep {
        /// Scenario file (TOML).
        file: PathBuf,
        /// An axis: KEY=V1,V2,... or KEY=A..B[:STEP] (repeatable; keys as
        /// for --set). Without any, the scenario's [sweep] axes.
        #[arg(long, value_name = "KEY=VALUES", value_parser = ccsim::experiment::Axis::parse)]
        vary: Vec<ccsim::experiment::Axis>,
        /// Pair the axes' values element by element instead of crossing them.
        #[arg(long)]
        zip: bool,
        /// Base seed for every point (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Replications per point (default: the scenario's).
        #[arg(long, value_parser = replications_arg)]
        replications: Option<u32>,
        /// Report folder (default: reports/<scenario name>-sweep/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print {"axes": [...], "points": [{"values", "summary"}]} on stdout
        /// instead of the table.
        #[arg(long)]
        json: bool,
        /// Also draw charts (SVG and PNG) into charts/ in the report folder.
        #[arg(long)]
        charts: bool,
        /// Also write report.html: one self-contained page (charts inline,
        /// no script, nothing fetched) that opens anywhere and prints.
        #[arg(long)]
        html: bool,
        /// Compute only shard K of N (counted from 0) of the (point,
        /// replication) pairs into a partial folder (--out) for `ccsim
        /// merge`; `auto` or `auto/N` reads K (and N) from Slurm,
        /// Kubernetes, AWS Batch or GNU parallel (docs/cluster.md).
        #[arg(long, value_name = "K/N|auto")]
        shard: Option<String>,
        #[command(flatten)]
        precision: PrecisionArgs,
        #[command(flatten)]
        limits: Limits,
    },
    /// Compare two designs on the same seeds: every KPI's paired difference
    /// B − A with its 95% CI, beside the CI an unpaired comparison gives.
    #[command(group(clap::ArgGroup::new("design_b").required(true).args(["b", "vs"])))]
    Compare {
        /// Design A's scenario file (TOML).
        a: PathBuf,
        /// Design B's scenario file; or give --vs instead.
        b: Option<PathBuf>,
        /// Design B is A with these overrides (repeatable; as --set).
        #[arg(long, value_name = "KEY=VALUE", conflicts_with = "b")]
        vs: Vec<ccsim::scenario::Override>,
        /// Base seed of both (default: A's).
        #[arg(long)]
        seed: Option<u64>,
        /// Replications of each (default: A's).
        #[arg(long, value_parser = replications_arg)]
        replications: Option<u32>,
        /// Report folder (default: reports/<A's name>-compare/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print {"a", "b", "diff", "unpaired_ci95"} on stdout instead of the table.
        #[arg(long)]
        json: bool,
        /// Also draw charts (SVG and PNG) into charts/ in the report folder.
        #[arg(long)]
        charts: bool,
        /// Also write report.html: one self-contained page (charts inline,
        /// no script, nothing fetched) that opens anywhere and prints.
        #[arg(long)]
        html: bool,
        /// Compute only shard K of N (counted from 0) of the (point,
        /// replication) pairs into a partial folder (--out) for `ccsim
        /// merge`; `auto` or `auto/N` reads K (and N) from Slurm,
        /// Kubernetes, AWS Batch or GNU parallel (docs/cluster.md).
        #[arg(long, value_name = "K/N|auto")]
        shard: Option<String>,
        #[command(flatten)]
        precision: PrecisionArgs,
        #[command(flatten)]
        limits: Limits,
    },
    /// The fewest agents meeting service targets with confidence (or, with
    /// several groups and --minimize cost, the cheapest head counts).
    Staff {
        /// Scenario file (TOML).
        file: PathBuf,
        /// A target: KPI>=VALUE or KPI<=VALUE, e.g. 'service_level>=0.8',
        /// 'abandon_rate<=5%', 'queues.billing.asa_s<=30s' (repeatable; all
        /// must hold at the worse end of their confidence intervals).
        #[arg(long, value_name = "KPI>=VALUE", required = true)]
        target: Vec<ccsim::experiment::Requirement>,
        /// The agent group whose head count varies (repeatable; default the
        /// scenario's only group).
        #[arg(long)]
        group: Vec<String>,
        /// Confidence level of the intervals the targets are judged on.
        #[arg(long, default_value_t = 0.95)]
        confidence: f64,
        /// With several groups: find the cheapest combination (the
        /// simulated bill of [costs]).
        #[arg(long, value_enum)]
        minimize: Option<Minimize>,
        /// The most agents a group may get.
        #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
        max_agents: u32,
        /// Agents per interval of a time-varying day (simulation-based
        /// iterative staffing, beside SIPP), for a service-level target.
        #[arg(long, conflicts_with = "minimize")]
        per_interval: bool,
        /// With --per-interval: most ISA iterations.
        #[arg(long, default_value_t = 20, requires = "per_interval")]
        max_iterations: u32,
        /// Base seed of every evaluation (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
        /// Replications per evaluation (default: the scenario's).
        #[arg(long, value_parser = replications_arg)]
        replications: Option<u32>,
        /// Report folder (default: reports/<scenario name>-staff/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print {"agents", "summary", "path", ...} on stdout instead of the table.
        #[arg(long)]
        json: bool,
        /// Also draw charts (SVG and PNG) into charts/ in the report folder:
        /// each target's KPI at every head count tried; with --per-interval,
        /// the plans and the service level they reach.
        #[arg(long)]
        charts: bool,
        /// Also write report.html: one self-contained page (charts inline,
        /// no script, nothing fetched) that opens anywhere and prints.
        #[arg(long)]
        html: bool,
        #[command(flatten)]
        limits: Limits,
    },
    /// Build a scenario from what a contact center already has (docs/import.md).
    Import {
        #[command(subcommand)]
        what: Import,
    },
    /// Fit a scenario to a TaskRouter event history (Event Streams, the
    /// events list, or ccsim's own --events): arrivals, handle and wrap-up
    /// times, patience, groups, capacities, offers and head counts. Writes
    /// the scenario and, beside it, <stem>.calibration.json with every fit
    /// and its uncertainty, then checks that the scenario validates
    /// (docs/calibrate.md).
    Calibrate(calibrate::Args),
    /// Combine the partial folders of every shard of a run, sweep or
    /// comparison (written with --shard) into the report folder of the
    /// unsharded command, byte for byte (docs/cluster.md).
    Merge {
        /// The shards' partial folders, in any order.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Report folder of the merged result.
        #[arg(long)]
        out: PathBuf,
        /// Print the command's JSON on stdout (as its --json does) even if
        /// the shards ran without --json.
        #[arg(long)]
        json: bool,
    },
    /// Erlang C (or Erlang A with --patience) for one queue.
    #[command(group(clap::ArgGroup::new("question").required(true).multiple(true).args(["agents", "target_sl"])))]
    Erlang {
        /// Arrival rate, e.g. 360/h.
        #[arg(long)]
        rate: String,
        /// Mean handle time, e.g. 240s.
        #[arg(long)]
        aht: String,
        /// Number of agents to evaluate.
        #[arg(long)]
        agents: Option<u32>,
        /// Mean patience (exponential): switches to Erlang A.
        #[arg(long)]
        patience: Option<String>,
        /// Service-level threshold, e.g. 20s.
        #[arg(long, default_value = "20s")]
        threshold: String,
        /// Find the fewest agents reaching this service level (0..1), and
        /// show the measures with them.
        #[arg(long)]
        target_sl: Option<f64>,
    },
}

/// What `ccsim import` reads.
#[derive(Debug, Subcommand)]
enum Import {
    /// A TaskRouter workspace snapshot: a folder of the REST API's JSON
    /// lists (workers.json, task_queues.json, workflows.json,
    /// activities.json, task_channels.json, worker_channels.json,
    /// workspace.json). Writes the scenario and, beside it,
    /// <stem>.workflow.json, then checks that the scenario validates.
    Workspace {
        /// The snapshot folder.
        dir: PathBuf,
        /// The scenario file to write.
        #[arg(long)]
        out: PathBuf,
        /// The workflow to import, by friendly name or SID (default: the first listed).
        #[arg(long)]
        workflow: Option<String>,
        /// Count every worker, also those in an unavailable activity (Offline,
        /// Break…) at the snapshot.
        #[arg(long)]
        staff_all: bool,
        /// The scenario's name (default: the workspace's friendly name, else the folder's).
        #[arg(long)]
        name: Option<String>,
        /// Replace the output files if they exist.
        #[arg(long)]
        force: bool,
    },
}

/// What a staffing search minimises besides head count.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Minimize {
    /// The simulated bill (labour and usage, from [costs]).
    Cost,
}

/// What `ccsim lint --deny` turns into a failure.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Deny {
    /// Any warning.
    Warnings,
}

/// Replications chosen by precision instead of by count.
#[derive(Debug, Args)]
struct PrecisionArgs {
    /// Add replications in batches until this KPI's 95% CI half-width is
    /// at most the value, e.g. service_level=0.005, asa_s=1s,
    /// queues.billing.abandon_rate=0.5% (repeatable; all must hold). The
    /// first batch is --replications (or the scenario's).
    #[arg(long, value_name = "KPI=HALF_WIDTH")]
    precision: Vec<ccsim::experiment::Target>,
    /// Most replications spent reaching --precision (default 1000).
    #[arg(long, value_name = "N", requires = "precision", value_parser = clap::value_parser!(u32).range(2..=100_000))]
    max_replications: Option<u32>,
}

impl PrecisionArgs {
    fn get(&self) -> Option<ccsim::experiment::Precision> {
        (!self.precision.is_empty()).then(|| ccsim::experiment::Precision {
            targets: self.precision.clone(),
            max_replications: self
                .max_replications
                .unwrap_or(ccsim::experiment::precision::DEFAULT_MAX_REPLICATIONS),
        })
    }
}

/// How the scenario file is read: overrides and limits.
#[derive(Debug, Args)]
struct Limits {
    /// Change one scenario value before it is checked, e.g.
    /// agents.support.count=26 or arrivals.inbound.rate=400/h (repeatable;
    /// lists of tables are addressed by name or index; see docs/scenario.md).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<ccsim::scenario::Override>,
    /// Refuse scenarios expected to simulate more contacts than this per
    /// replication (default 5e7, about ten seconds each).
    #[arg(long, value_name = "N", value_parser = positive_number)]
    max_contacts: Option<f64>,
}

/// A replication count: 1 to 100 000, as the scenario file allows.
fn replications_arg(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(n) if (1..=100_000).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a number of replications from 1 to 100000, found \"{s}\""
        )),
    }
}

/// A finite number above zero.
fn positive_number(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!(
            "expected a positive number such as 1e8, found \"{s}\""
        )),
    }
}

/// Parses arguments and runs the verb.
///
/// # Errors
/// Any failure, for `main` to print.
pub fn run() -> Result<()> {
    dispatch(Cli::parse(), None)
}

/// Where a command's replications come from.
pub(super) enum Mode<'a> {
    /// Simulated here, every one.
    Local,
    /// This shard's share, written into a partial folder.
    Shard(ccsim::shard::Shard),
    /// Read from every shard's partial folder (`ccsim merge`).
    Merge(&'a mut ccsim::shard::merge::Merge),
}

/// The mode of a command given `--shard` (from the command line and the
/// scheduler's environment) or run by a merge.
fn mode<'a>(
    shard: Option<&str>,
    merge: Option<&'a mut ccsim::shard::merge::Merge>,
) -> Result<Mode<'a>> {
    Ok(match (shard, merge) {
        (_, Some(m)) => Mode::Merge(m),
        (Some(text), None) => {
            let (shard, source) = ccsim::shard::Shard::parse(text, &|k| std::env::var(k).ok())
                .map_err(anyhow::Error::msg)?;
            eprintln!("shard {shard} (from {source})");
            Mode::Shard(shard)
        }
        (None, None) => Mode::Local,
    })
}

/// The partial folder of a shard: `--out`, required (each shard writes
/// its own).
fn shard_out(out: Option<PathBuf>) -> Result<PathBuf> {
    out.ok_or_else(|| {
        anyhow::anyhow!(
            "--shard needs --out: each shard writes its partial result into a folder of its own (e.g. --out parts/shard-3)"
        )
    })
}

/// Runs the parsed command; a merge passes its partials, which stand in
/// for the replications the command would simulate.
fn dispatch(cli: Cli, merge: Option<&mut ccsim::shard::merge::Merge>) -> Result<()> {
    match cli.command {
        Command::Run {
            file,
            seed,
            replications,
            out,
            json,
            intervals,
            events,
            charts,
            html,
            shard,
            precision,
            limits,
        } => run::run(
            &load(&file, &limits)?,
            &file,
            run::Args {
                mode: mode(shard.as_deref(), merge)?,
                seed,
                replications,
                out,
                json,
                intervals,
                events: events.as_deref(),
                charts,
                html,
                precision: precision.get(),
            },
        ),
        Command::Explain {
            file,
            task,
            find,
            slowest,
            limit,
            seed,
            replication,
            limits,
        } => {
            let question = match (task, find, slowest) {
                (Some(t), _, _) => explain::Question::Task(t, replication),
                (_, Some(f), _) => explain::Question::Find(f),
                (_, _, Some(n)) => explain::Question::Slowest(n),
                _ => unreachable!("clap requires one of --task, --find, --slowest"),
            };
            explain::explain(&load(&file, &limits)?, &file, question, limit, seed)
        }
        Command::Sweep {
            file,
            vary,
            zip,
            seed,
            replications,
            out,
            json,
            charts,
            html,
            shard,
            precision,
            limits,
        } => sweep::sweep(sweep::Args {
            mode: mode(shard.as_deref(), merge)?,
            file,
            vary,
            zip,
            seed,
            replications,
            out,
            json,
            charts,
            html,
            precision: precision.get(),
            options: limits.options(),
            set: limits.set,
        }),
        Command::Compare {
            a,
            b,
            vs,
            seed,
            replications,
            out,
            json,
            charts,
            html,
            shard,
            precision,
            limits,
        } => {
            let mode = mode(shard.as_deref(), merge)?;
            let design_a = load(&a, &limits)?;
            let (design_b, b_label) = match &b {
                Some(b) => (load(b, &limits)?, b.display().to_string()),
                None => {
                    let mut sets = limits.set.clone();
                    sets.extend(vs.iter().cloned());
                    let loaded = scenario::load_overridden(&a, &limits.options(), &sets)?;
                    let shown: Vec<String> = vs.iter().map(|o| format!("--vs {o}")).collect();
                    (loaded.scenario, format!("A with {}", shown.join(" ")))
                }
            };
            compare::compare_cmd(compare::Args {
                mode,
                a: design_a,
                a_file: a,
                b: design_b,
                b_label,
                seed,
                replications,
                out,
                json,
                precision: precision.get(),
                charts,
                html,
            })
        }
        Command::Staff {
            file,
            target,
            group,
            per_interval,
            max_iterations,
            seed,
            replications,
            out,
            json,
            charts,
            html,
            limits,
            ..
        } if per_interval => {
            let [target] = <[_; 1]>::try_from(target).map_err(|_| {
                anyhow::anyhow!("--per-interval takes one --target, the service level")
            })?;
            staff::per_interval(
                ccsim::experiment::IntervalSearch {
                    file,
                    base: limits.set.clone(),
                    target,
                    group: match group.as_slice() {
                        [] => None,
                        [g] => Some(g.clone()),
                        _ => anyhow::bail!("--per-interval staffs one group"),
                    },
                    seed,
                    replications,
                    options: limits.options(),
                    max_iterations,
                },
                staff::Outputs {
                    out,
                    json,
                    charts,
                    html,
                },
            )
        }
        Command::Staff {
            file,
            target,
            group,
            confidence,
            minimize,
            max_agents,
            seed,
            replications,
            out,
            json,
            html,
            charts,
            limits,
            ..
        } => staff::staff(
            ccsim::experiment::StaffSearch {
                file,
                base: limits.set.clone(),
                targets: target,
                groups: group,
                confidence,
                seed,
                replications,
                options: limits.options(),
                minimize_cost: matches!(minimize, Some(Minimize::Cost)),
                max_agents,
            },
            staff::Outputs {
                out,
                json,
                charts,
                html,
            },
        ),
        Command::Check {
            files,
            junit,
            seed,
            replications,
            limits,
        } => check::check(check::Args {
            files: &files,
            junit: junit.as_deref(),
            seed,
            replications,
            limits: &limits,
        }),
        Command::Validate { file, limits } => {
            let s = load(&file, &limits)?;
            lint::print_lints(&s, &limits.set)?;
            validate::validate(&s, &file)
        }
        Command::Lint {
            files,
            deny,
            limits,
        } => {
            let outcome = lint::lint(&files, &limits.options(), &limits.set);
            if outcome.failed > 0 {
                anyhow::bail!("{} of {} files did not load", outcome.failed, files.len());
            }
            if deny.is_some() && outcome.warnings > 0 {
                anyhow::bail!(
                    "{} warning{} denied (--deny warnings)",
                    outcome.warnings,
                    if outcome.warnings == 1 { "" } else { "s" }
                );
            }
            Ok(())
        }
        Command::Import {
            what:
                Import::Workspace {
                    dir,
                    out,
                    workflow,
                    staff_all,
                    name,
                    force,
                },
        } => import::workspace(import::Args {
            dir,
            out,
            workflow,
            staff_all,
            name,
            force,
        }),
        Command::Calibrate(args) => calibrate::calibrate(args),
        Command::Merge { .. } if merge.is_some() => {
            anyhow::bail!("the shards' command is itself a merge")
        }
        Command::Merge { dirs, out, json } => merge::merge(&dirs, &out, json),
        Command::Erlang {
            rate,
            aht,
            agents,
            patience,
            threshold,
            target_sl,
        } => erlang::erlang(
            &rate,
            &aht,
            agents,
            patience.as_deref(),
            &threshold,
            target_sl,
        ),
    }
}

impl Limits {
    fn options(&self) -> LoadOptions {
        LoadOptions {
            max_contacts: self
                .max_contacts
                .unwrap_or(LoadOptions::DEFAULT_MAX_CONTACTS),
        }
    }
}

/// Loads a scenario, printing its warnings on stderr; an `[[expect]]`
/// naming no KPI of it is an error like any other in the file.
fn load(file: &Path, limits: &Limits) -> Result<Scenario> {
    let loaded = scenario::load_overridden(file, &limits.options(), &limits.set)?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    ccsim::experiment::check::resolve_expectations(&loaded.scenario)?;
    Ok(loaded.scenario)
}

/// A command's verdict as an exit status other than 0 and 1 (`ccsim
/// check`'s 2), or 1 with nothing more to print (its lines said why).
#[derive(Debug)]
pub struct Exit(pub u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status {}", self.0)
    }
}

impl std::error::Error for Exit {}
