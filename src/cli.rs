//! The command line: a thin layer over the library. The only module that
//! writes to stdout or knows about exit codes and progress bars.

use anyhow::{Context, Result, bail};
use ccsim::erlang::Model;
use ccsim::scenario::{self, ArrivalProcess, Scenario, units};
use ccsim::{report, sweep};
use clap::{Parser, Subcommand};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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
        #[arg(long)]
        replications: Option<u32>,
        /// Report folder (default: reports/<scenario name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the JSON summary on stdout instead of the table.
        #[arg(long)]
        json: bool,
        /// Stream replication 0's task, reservation and worker events to this
        /// file as JSON lines (TaskRouter event names).
        #[arg(long, value_name = "FILE.jsonl")]
        events: Option<PathBuf>,
    },
    /// Tell the routing story of one task of replication 0.
    Explain {
        /// Scenario file (TOML).
        file: PathBuf,
        /// Arrival index of the task within replication 0 (0-based).
        #[arg(long)]
        task: u64,
        /// Base seed (default: the scenario's).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Check a scenario and print a one-screen summary of it.
    Validate {
        /// Scenario file (TOML).
        file: PathBuf,
    },
    /// Erlang C (or Erlang A with --patience) for one queue.
    Erlang {
        /// Arrival rate, e.g. 360/h.
        #[arg(long)]
        rate: String,
        /// Mean handle time, e.g. 240s.
        #[arg(long)]
        aht: String,
        /// Number of agents.
        #[arg(long)]
        agents: u32,
        /// Mean patience (exponential): switches to Erlang A.
        #[arg(long)]
        patience: Option<String>,
        /// Service-level threshold, e.g. 20s.
        #[arg(long, default_value = "20s")]
        threshold: String,
        /// Also print the fewest agents reaching this service level (0..1).
        #[arg(long)]
        target_sl: Option<f64>,
    },
}

/// Parses arguments and runs the verb.
///
/// # Errors
/// Any failure, for `main` to print.
pub fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            file,
            seed,
            replications,
            out,
            json,
            events,
        } => run_scenario(&file, seed, replications, out, json, events.as_deref()),
        Command::Explain { file, task, seed } => explain(&file, task, seed),
        Command::Validate { file } => validate(&file),
        Command::Erlang {
            rate,
            aht,
            agents,
            patience,
            threshold,
            target_sl,
        } => erlang(
            &rate,
            &aht,
            agents,
            patience.as_deref(),
            &threshold,
            target_sl,
        ),
    }
}

fn load(file: &Path) -> Result<Scenario> {
    let loaded = scenario::load(file)?;
    for w in &loaded.warnings {
        eprintln!("{w}");
    }
    Ok(loaded.scenario)
}

fn run_scenario(
    file: &Path,
    seed: Option<u64>,
    replications: Option<u32>,
    out: Option<PathBuf>,
    json: bool,
    events: Option<&Path>,
) -> Result<()> {
    let s = load(file)?;
    let seed = seed.unwrap_or(s.sim.seed);
    let reps = replications.unwrap_or(s.sim.replications);
    if reps == 0 {
        bail!("--replications must be at least 1");
    }
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(u64::from(reps));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} replications, {msg} contacts, ETA {eta}",
            )
            .expect("static template"),
        );
        bar
    });
    let contacts = AtomicU64::new(0);
    let on_done = |n: u64| {
        let total = contacts.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &progress {
            bar.set_message(total.to_string());
            bar.inc(1);
        }
    };
    let summary = match events {
        None => sweep::run(&s, seed, reps, &on_done),
        Some(path) => {
            // Stream to a temporary file; rename only when complete.
            let tmp = path.with_extension(format!("jsonl.tmp-{}", std::process::id()));
            let file = std::fs::File::create(&tmp)
                .with_context(|| format!("creating {}", tmp.display()))?;
            let mut w = std::io::BufWriter::new(file);
            let mut failed: Option<std::io::Error> = None;
            let mut tracer = |ev: &ccsim::engine::trace::TraceEvent| {
                if failed.is_none()
                    && let Err(e) = serde_json::to_writer(&mut w, ev)
                        .map_err(std::io::Error::from)
                        .and_then(|_| w.write_all(b"\n"))
                {
                    failed = Some(e);
                }
            };
            let results = sweep::run_replications_traced(&s, seed, reps, &on_done, &mut tracer);
            let flushed = w.flush();
            if let Some(e) = failed.or(flushed.err()) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e).with_context(|| format!("writing {}", path.display()));
            }
            std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
            sweep::summarize(&s, seed, &results)
        }
    };
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let dir = out.unwrap_or_else(|| Path::new("reports").join(&s.name));
    report::csv::write(&dir, &summary)?;
    let mut stdout = std::io::stdout().lock();
    if json {
        stdout.write_all(report::json::to_string(&summary).as_bytes())?;
    } else {
        stdout.write_all(
            report::table::render(&summary, s.sim.service_level_threshold_s).as_bytes(),
        )?;
        writeln!(stdout, "\nreports: {}", dir.display())?;
    }
    eprintln!(
        "simulated {} contacts in {} replications; reports in {}",
        summary.contacts,
        reps,
        dir.display()
    );
    Ok(())
}

fn explain(file: &Path, task: u64, seed: Option<u64>) -> Result<()> {
    let s = load(file)?;
    let seed = seed.unwrap_or(s.sim.seed);
    let plan = ccsim::routing::Plan::build(&s);
    let mut events = Vec::new();
    let mut tracer = |ev: &ccsim::engine::trace::TraceEvent| {
        if ev.task == Some(task) {
            events.push(ev.clone());
        }
    };
    let result = ccsim::engine::run_traced(&s, &plan, seed, 0, &mut tracer);
    if events.is_empty() {
        bail!(
            "replication 0 of seed {seed} has {} arrivals (tasks 0 to {}); there is no task {task}",
            result.contacts,
            result.contacts.saturating_sub(1)
        );
    }
    use std::fmt::Write as _;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "task {task} of replication 0, seed {seed}, scenario \"{}\"",
        s.name
    );
    let _ = writeln!(o, "{:>10}  {:<26} details", "t (s)", "event");
    for ev in &events {
        let mut parts = Vec::new();
        if let Some(st) = &ev.step {
            parts.push(format!("step \"{st}\""));
        }
        if let Some(q) = &ev.queue {
            parts.push(format!("queue {q}"));
        }
        if let Some(w) = &ev.worker {
            parts.push(format!("worker {w}"));
        }
        if let Some(d) = &ev.detail {
            parts.push(d.clone());
        }
        if let (Some(e), Some(a), Some(f)) = (ev.eligible, ev.available, ev.free) {
            parts.push(format!(
                "{e} eligible workers, {a} available, {f} with free capacity"
            ));
        }
        let _ = writeln!(o, "{:>10.2}  {:<26} {}", ev.time, ev.name, parts.join("; "));
    }
    let created = events.first().map_or(0.0, |e| e.time);
    let outcome = if let Some(a) = events.iter().rfind(|e| e.name == "reservation.accepted") {
        let step = events
            .iter()
            .rfind(|e| e.name == "workflow.target-matched")
            .and_then(|e| e.step.clone())
            .unwrap_or_default();
        // Something that ended the answered call early (a disconnect).
        let cut = events
            .iter()
            .rfind(|e| e.name == "task.canceled" && e.time >= a.time)
            .and_then(|e| e.detail.clone())
            .map_or(String::new(), |d| format!("; then {d}"));
        format!(
            "answered by {} after waiting {:.2} s, in step \"{step}\"{cut}",
            a.worker.clone().unwrap_or_default(),
            a.time - created
        )
    } else if let Some(c) = events.iter().rfind(|e| e.name == "task.canceled") {
        format!("not answered: {}", c.detail.clone().unwrap_or_default())
    } else {
        "still waiting when the run stopped (unfinished)".to_string()
    };
    let _ = writeln!(o, "outcome: {outcome}");
    std::io::stdout().lock().write_all(o.as_bytes())?;
    Ok(())
}

fn validate(file: &Path) -> Result<()> {
    let s = load(file)?;
    let mut o = String::new();
    use std::fmt::Write as _;
    let h = |t: f64| report::clock(t);
    let _ = writeln!(o, "{}: scenario \"{}\" is valid", file.display(), s.name);
    if let Some(d) = &s.description {
        let _ = writeln!(o, "  {}", d.trim());
    }
    let _ = writeln!(
        o,
        "  window {} – {} (warm-up {} s), intervals of {} s, {} replications, seed {}, service level at {} s",
        h(s.sim.warmup_s),
        h(s.sim.horizon_s),
        s.sim.warmup_s,
        s.sim.interval_s,
        s.sim.replications,
        s.sim.seed,
        s.sim.service_level_threshold_s
    );
    let _ = writeln!(o, "sources:");
    for src in &s.sources {
        let process = match &src.process {
            ArrivalProcess::Poisson { rate_per_s } => {
                format!("Poisson {:.1}/h", rate_per_s * 3600.0)
            }
            ArrivalProcess::Profile(p) => {
                let mean = p.rates_per_s.iter().sum::<f64>() / p.rates_per_s.len() as f64;
                format!(
                    "intraday profile, {} pieces of {} s, mean {:.1}/h",
                    p.rates_per_s.len(),
                    p.piece_s,
                    mean * 3600.0
                )
            }
            ArrivalProcess::Trace { file, rows } => {
                format!("trace {} ({} rows)", file.display(), rows.len())
            }
        };
        let ch = src
            .channel
            .map_or("per row".to_string(), |c| s.channels[c.idx()].name.clone());
        let mean = |d: &Option<units::Dist>| {
            d.as_ref()
                .map_or("—".to_string(), |d| format!("{:.1} s", d.mean()))
        };
        let _ = writeln!(
            o,
            "  {:<16} {ch:<8} {process}; handle {}, wrap-up {}, patience {}",
            src.name,
            mean(&src.handle_time),
            mean(&src.wrapup),
            mean(&src.patience)
        );
    }
    let _ = writeln!(o, "groups:");
    for g in &s.groups {
        let cap: Vec<String> = g
            .capacity
            .iter()
            .zip(&s.channels)
            .filter(|(c, _)| **c > 0)
            .map(|(c, ch)| format!("{}={c}", ch.name))
            .collect();
        let shifts: Vec<String> = g
            .shifts
            .iter()
            .map(|(a, b)| format!("{}–{}", h(*a), h(*b)))
            .collect();
        let queues: Vec<&str> = g
            .queues
            .iter()
            .map(|q| s.queues[q.idx()].name.as_str())
            .collect();
        let _ = writeln!(
            o,
            "  {:<16} {:>4} agents, capacity {}, shifts {}, queues {}",
            g.name,
            g.count,
            cap.join(" "),
            if shifts.is_empty() {
                "always".into()
            } else {
                shifts.join(", ")
            },
            queues.join(", ")
        );
        let mut extra = Vec::new();
        if !g.breaks.is_empty() {
            let b: Vec<String> = g
                .breaks
                .iter()
                .zip(&g.break_activities)
                .map(|((a, b), act)| {
                    let activity = &s.activities[usize::from(*act)];
                    format!(
                        "{}–{} {}{}",
                        h(*a),
                        h(*b),
                        activity.name,
                        if activity.available {
                            " (available)"
                        } else {
                            ""
                        }
                    )
                })
                .collect();
            extra.push(format!("breaks {}", b.join(", ")));
        }
        if g.absence > 0.0 {
            extra.push(format!("absence {:.0}%", g.absence * 100.0));
        }
        if let Some(d) = &g.disconnects {
            let drop: Vec<&str> = d
                .drop
                .iter()
                .zip(&s.channels)
                .filter(|(x, _)| **x)
                .map(|(_, c)| c.name.as_str())
                .collect();
            extra.push(format!(
                "disconnects {:.2}/h on line, off line {:.0} s{}",
                d.rate_per_s * 3600.0,
                d.duration.mean(),
                if drop.is_empty() {
                    String::new()
                } else {
                    format!(", dropping {}", drop.join(", "))
                }
            ));
        }
        for c in &g.changes {
            let to: Vec<String> = c
                .map
                .iter()
                .map(|&(_, p)| {
                    let queues: Vec<&str> = s.profiles[p as usize]
                        .queues
                        .iter()
                        .map(|q| s.queues[q.idx()].name.as_str())
                        .collect();
                    format!("queues {}", queues.join(", "))
                })
                .collect();
            extra.push(format!(
                "at {} {} workers change attributes/capacity ({})",
                h(c.at_s),
                c.workers,
                to.join("; ")
            ));
        }
        let r = &g.reservations;
        if !r.instant() {
            let delay = r
                .accept_delay
                .as_ref()
                .map_or("instant".to_string(), |d| format!("{:.1} s", d.mean()));
            extra.push(format!(
                "answers offers in {delay}, rejects {:.0}%, misses {:.0}% (then Offline {:.0} s)",
                r.reject_probability * 100.0,
                r.no_answer_probability * 100.0,
                r.return_after_timeout.mean()
            ));
        }
        if !extra.is_empty() {
            let _ = writeln!(o, "  {:<16} {}", "", extra.join("; "));
        }
    }
    if !s.hours.is_empty() {
        let _ = writeln!(o, "hours:");
        for hr in &s.hours {
            let open_h: f64 = hr.open.iter().map(|(a, b)| b - a).sum::<f64>() / 3600.0;
            let first = hr.open.first().map_or("never".to_string(), |(a, _)| h(*a));
            let _ = writeln!(
                o,
                "  {:<16} open {open_h:.1} h between the start and the drain limit, first opening at {first}",
                hr.name
            );
        }
    }
    let _ = writeln!(o, "queues:");
    for (qi, q) in s.queues.iter().enumerate() {
        let agents: u32 = s
            .groups
            .iter()
            .filter(|g| g.queues.iter().any(|x| x.idx() == qi))
            .map(|g| g.count)
            .sum();
        let _ = writeln!(
            o,
            "  {:<16} target_workers '{}' ({agents} agents)",
            q.name, q.target_workers_text
        );
        if let Some(hr) = q.hours {
            let _ = writeln!(
                o,
                "  {:<16} works only during hours \"{}\"",
                "", s.hours[hr as usize].name
            );
        }
        if let Some(tr) = &q.transfer {
            let to = match tr.target {
                ccsim::scenario::TransferTarget::Step(step) => {
                    s.queues[wf_step_queue(&s, step)].name.clone()
                }
                ccsim::scenario::TransferTarget::Filter { filter, .. } => {
                    format!("filter \"{}\"", s.workflow.filters[filter as usize].name)
                }
            };
            let _ = writeln!(
                o,
                "  {:<16} transfers {:.0}% of answered calls to {to} ({}, {:.0}% dropped)",
                "",
                tr.probability * 100.0,
                if tr.warm { "warm" } else { "cold" },
                tr.drop_probability * 100.0
            );
        }
    }
    let wf = &s.workflow;
    let _ = writeln!(
        o,
        "workflow (first matching filter wins; task TTL {} s):",
        wf.task_ttl_s
    );
    let step_line = |o: &mut String, st: &ccsim::scenario::Step| {
        let mut parts = vec![format!("queue {}", s.queues[st.queue.idx()].name)];
        if let Some(p) = st.priority {
            parts.push(format!("priority {p}"));
        }
        if let Some(t) = st.timeout_s {
            parts.push(format!("timeout {t} s"));
        }
        if let Some(e) = &st.expression_text {
            parts.push(format!("expression '{e}'"));
        }
        if !st.order_by.is_empty() {
            let clauses: Vec<String> = st
                .order_by
                .iter()
                .map(|c| {
                    format!(
                        "worker.{} {}",
                        s.keys.name(c.key),
                        if c.desc { "DESC" } else { "ASC" }
                    )
                })
                .collect();
            parts.push(format!("order_by {}", clauses.join(", ")));
        }
        if st.skip_if.is_some() {
            parts.push("skip_if".into());
        }
        if let Some(k) = st.known_worker {
            parts.push(format!("known worker task.{}", s.keys.name(k)));
        }
        let _ = writeln!(o, "    → {}", parts.join(", "));
    };
    for f in &wf.filters {
        let _ = writeln!(o, "  {:<16} '{}'", f.name, f.expression_text);
        for st in &f.steps {
            step_line(&mut o, &wf.steps[st.idx()]);
        }
    }
    if let Some(d) = wf.default_step {
        let _ = writeln!(o, "  default_filter");
        step_line(&mut o, &wf.steps[d.idx()]);
    }
    if let Some(hr) = wf.hours {
        let what = match &wf.after_hours {
            ccsim::scenario::AfterHours::Closed => "a closed message".to_string(),
            ccsim::scenario::AfterHours::Voicemail { step, .. } => format!(
                "voicemail, worked by queue {}",
                s.queues[wf_step_queue(&s, *step)].name
            ),
        };
        let _ = writeln!(
            o,
            "  outside hours \"{}\": {what}",
            s.hours[hr as usize].name
        );
    }
    if let Some(cb) = &wf.callback {
        let _ = writeln!(
            o,
            "  call back offered {} {} s, accepted by {:.0}%, worked by queue {}{}",
            if cb.expected {
                "on arrival when the expected wait is at least"
            } else {
                "after waiting"
            },
            cb.after_s,
            cb.probability * 100.0,
            s.queues[wf_step_queue(&s, cb.step)].name,
            cb.channel.map_or(String::new(), |c| format!(
                " on {}",
                s.channels[c.idx()].name
            ))
        );
    }
    if let Some(c) = &s.costs {
        cost_summary(&mut o, &s, c);
    }
    std::io::stdout().lock().write_all(o.as_bytes())?;
    Ok(())
}

/// What `[costs]` prices: plan, per-channel items, labour, overheads.
fn cost_summary(o: &mut String, s: &Scenario, c: &ccsim::scenario::costs::Costs) {
    use ccsim::cost::units;
    use std::fmt::Write as _;
    let _ = writeln!(
        o,
        "costs ({}; {}; licence plan {}):",
        c.currency,
        c.days_per_month
            .map_or("the window's hours are 1/730 of a month".into(), |d| {
                format!("the window's days are 1/{d} of a month")
            }),
        c.plan.key()
    );
    let _ = writeln!(
        o,
        "  platform         {:.2}/active hour, {:.2}/named user-month, {:.2}/monthly active user",
        units(c.active_hour),
        units(c.named_user_per_month),
        units(c.monthly_active_user)
    );
    for (ch, r) in s.channels.iter().zip(&c.channels) {
        let price = |p: &ccsim::scenario::costs::Price| -> String {
            match p.tiers.as_slice() {
                [] => "0".into(),
                [(_, x)] => format!("{}", units(*x)),
                tiers => format!("{} tiers from {}", tiers.len(), units(tiers[0].1)),
            }
        };
        let mut items = Vec::new();
        for (name, p) in [
            ("inbound/min", &r.inbound),
            ("toll-free/min", &r.toll_free_inbound),
            ("outbound/min", &r.outbound),
            ("agent leg/min", &r.agent_leg),
            ("conference/participant-min", &r.conference),
            ("recording/min", &r.recording),
            ("segment in", &r.segment_in),
            ("segment out", &r.segment_out),
            ("carrier fee/segment", &r.carrier_fee),
            ("message in", &r.message_in),
            ("message out", &r.message_out),
            ("conversation", &r.per_conversation),
            ("active user/month", &r.active_user),
        ] {
            if !p.is_free() {
                items.push(format!("{name} {}", price(p)));
            }
        }
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "  {:<16} {}; legs rounded up to {} s{}",
            ch.name,
            items.join(", "),
            r.increment_s,
            if r.record { ", recorded" } else { "" }
        );
    }
    let labor: Vec<String> = s
        .groups
        .iter()
        .zip(&c.labor)
        .filter(|(_, r)| **r > 0)
        .map(|(g, r)| format!("{} {:.2}/h", g.name, units(*r)))
        .collect();
    if !labor.is_empty() {
        let _ = writeln!(o, "  labour           {}", labor.join(", "));
    }
    let fixed: i64 = c.fixed.iter().map(|(_, v)| v).sum();
    if fixed > 0 {
        let _ = writeln!(o, "  overheads        {:.2} a month", units(fixed));
    }
}

/// The queue of a workflow step.
fn wf_step_queue(s: &Scenario, step: ccsim::scenario::StepId) -> usize {
    s.workflow.steps[step.idx()].queue.idx()
}

fn erlang(
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
