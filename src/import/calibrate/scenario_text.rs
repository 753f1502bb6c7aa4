//! The calibrated scenario as commented TOML text: each fitted value with
//! the evidence behind it in a comment, so that a reader sees at a glance
//! which numbers rest on thousands of tasks and which on a handful.

use super::{Calibration, Comparison, Group, QUEUE_ATTRIBUTE, Source, Wrapup};
use crate::import::events::{Clock, EventLog};
use crate::import::toml_text::{comment, expression, inline, key, string};
use std::fmt::Write;

/// A duration in seconds as the scenario writes it: whole hours and
/// minutes as such ("9h30m"), anything finer in seconds ("245.3s").
fn secs(x: f64) -> String {
    let whole = x.round();
    if (x - whole).abs() > 1e-9 || whole < 60.0 || whole % 60.0 != 0.0 {
        return format!("\"{}s\"", trim(x, 1));
    }
    let (h, m) = ((whole / 3600.0).floor(), (whole % 3600.0) / 60.0);
    match (h > 0.0, m > 0.0) {
        (true, true) => format!("\"{h}h{m}m\""),
        (true, false) => format!("\"{h}h\""),
        _ => format!("\"{m}m\""),
    }
}

/// A number with at most `digits` decimals and no trailing zeros.
fn trim(x: f64, digits: usize) -> String {
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// An empirical table as a scenario distribution: equally likely values
/// (seconds, without units, as `empirical` takes them).
fn empirical(values: &[f64]) -> String {
    let v: Vec<String> = values.iter().map(|x| trim(*x, 1)).collect();
    format!("{{ dist = \"empirical\", values = [{}] }}", v.join(", "))
}

/// "lognormal chosen by AIC (23 883) over gamma (24 009) and exponential
/// (25 113), from 1 880 tasks".
fn why(c: &Comparison, what: &str) -> String {
    let others: Vec<String> = c.fits[1..]
        .iter()
        .map(|f| format!("{} ({:.0})", f.family.name(), f.aic))
        .collect();
    let over = if others.is_empty() {
        String::new()
    } else {
        format!(" over {}", others.join(" and "))
    };
    format!(
        "{what}: {} chosen by AIC ({:.0}){over}, from {} {}",
        c.best().family.name(),
        c.best().aic,
        c.n,
        if c.n == 1 { "task" } else { "tasks" }
    )
}

fn source(out: &mut String, s: &Source, c: &Calibration) {
    let by: Vec<String> =
        s.by.iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k} = {v}"),
                None => format!("no {k}"),
            })
            .collect();
    let by = if by.is_empty() {
        String::new()
    } else {
        format!(", {}", by.join(", "))
    };
    let _ = writeln!(
        out,
        "\n# {} tasks on {} that entered queue {} first{}.",
        s.tasks,
        s.channel,
        s.queue,
        comment(&by)
    );
    out.push_str("[[arrivals]]\n");
    let _ = writeln!(out, "name = {}", string(&s.name));
    let _ = writeln!(out, "channel = {}", string(&s.channel));
    let interval = s.profile.interval_s;
    let rate = |r: f64| format!("\"{}/h\"", trim(r, 3));
    match (&s.weekday_profile, c.options.weekday_profiles) {
        (Some(week), true) => {
            let _ = writeln!(
                out,
                "# Rates per hour in each {} of each weekday, Monday first (--weekday-profiles: count ÷ hours observed).",
                secs(interval).trim_matches('"')
            );
            let rates: Vec<String> = week.iter().map(|r| rate(*r)).collect();
            let _ = writeln!(
                out,
                "profile = {{ interval = {}, rates = [{}] }}",
                secs(interval),
                rates.join(", ")
            );
        }
        (week, wanted) => {
            if wanted && week.is_none() {
                out.push_str("# No profile per weekday: the history does not cover every weekday for a whole day.\n");
            }
            let unseen = s.profile.rates_per_h.iter().filter(|r| r.is_none()).count();
            let _ = writeln!(
                out,
                "# Rates per hour in each {} of the day (count ÷ hours observed; 95% intervals in the report){}.",
                secs(interval).trim_matches('"'),
                if unseen > 0 {
                    format!("; {unseen} never observed are 0")
                } else {
                    String::new()
                }
            );
            let rates: Vec<String> = s
                .profile
                .rates_per_h
                .iter()
                .map(|r| rate(r.unwrap_or(0.0)))
                .collect();
            let _ = writeln!(
                out,
                "profile = {{ interval = {}, rates = [{}] }}",
                secs(interval),
                rates.join(", ")
            );
            if let Some(m) = s.weekly {
                let m: Vec<String> = m.iter().map(|x| trim(*x, 4)).collect();
                out.push_str(
                    "# Day of week (Monday first): each weekday's arrivals per day ÷ the mean day.\n",
                );
                let _ = writeln!(out, "weekly = [{}]", m.join(", "));
            }
        }
    }
    if let Some((cv, days)) = s.busyness {
        let _ = writeln!(
            out,
            "# Counts vary from day to day more than chance allows: a gamma multiplier per day (cv by moments over {days} whole days)."
        );
        let _ = writeln!(
            out,
            "busyness = {{ dist = \"gamma\", mean = 1, cv = {}, per = \"day\" }}",
            trim(cv, 4)
        );
    }
    match &s.attributes {
        Some((doc, n)) => {
            let _ = writeln!(
                out,
                "# Attributes: the document {n} of its {} tasks had, so that the workflow routes it as it routed them.",
                s.tasks
            );
            if !doc.is_empty() {
                let _ = writeln!(
                    out,
                    "attributes = {}",
                    inline(&serde_json::Value::Object(doc.clone())).unwrap_or_default()
                );
            }
        }
        None => {
            let mut attrs = serde_json::Map::new();
            attrs.insert(QUEUE_ATTRIBUTE.into(), s.queue.clone().into());
            for (k, v) in &s.by {
                if let Some(v) = v {
                    attrs.insert(k.clone(), v.clone());
                }
            }
            let _ = writeln!(
                out,
                "attributes = {}",
                inline(&serde_json::Value::Object(attrs)).unwrap_or_default()
            );
        }
    }
    match (&s.talk, &s.tables.0) {
        (Some(t), Some(table)) => {
            let _ = writeln!(
                out,
                "# {}; written as the empirical distribution (--empirical).",
                why(t, "Talk")
            );
            let _ = writeln!(out, "handle_time = {}", empirical(table));
        }
        (Some(t), None) => {
            let _ = writeln!(out, "# {}.", why(t, "Talk"));
            let _ = writeln!(out, "handle_time = {}", t.best().toml());
        }
        (None, _) => out.push_str(
            "# Talk: fewer than two answered tasks; the channel's handle time applies.\n",
        ),
    }
    match &s.wrapup {
        Some(Wrapup::Fixed(x)) => {
            out.push_str("# Wrap-up: every one observed lasted the same.\n");
            let _ = writeln!(
                out,
                "wrapup = {{ dist = \"deterministic\", mean = {} }}",
                secs(*x)
            );
        }
        Some(Wrapup::Fitted(w)) => match &s.tables.1 {
            Some(table) => {
                let _ = writeln!(
                    out,
                    "# {}; written as the empirical distribution (--empirical).",
                    why(w, "Wrap-up")
                );
                let _ = writeln!(out, "wrapup = {}", empirical(table));
            }
            None => {
                let _ = writeln!(out, "# {}.", why(w, "Wrap-up"));
                let _ = writeln!(out, "wrapup = {}", w.best().toml());
            }
        },
        None => {}
    }
    if let Some(r) = s.redials.as_ref().filter(|r| r.redialed > 0) {
        let p = r.redialed as f64 / r.abandoned as f64;
        let ci =
            crate::import::reservations::share(r.redialed, r.abandoned).map_or((p, p), |s| s.ci95);
        let delay = match crate::import::durations::compare(&r.delays) {
            Some(c) => {
                let _ = writeln!(
                    out,
                    "# Redials: {} of {} who hung up called again (95% CI {:.3}–{:.3}); {}.",
                    r.redialed,
                    r.abandoned,
                    ci.0,
                    ci.1,
                    why(&c, "delay")
                );
                c.best().toml()
            }
            None => {
                let mean = r.delays.iter().sum::<f64>() / r.delays.len() as f64;
                let _ = writeln!(
                    out,
                    "# Redials: {} of {} who hung up called again; too few delays to fit: exponential with their mean.",
                    r.redialed, r.abandoned
                );
                format!(
                    "{{ dist = \"exponential\", mean = {} }}",
                    secs(mean.max(0.1))
                )
            }
        };
        let _ = writeln!(
            out,
            "redial = {{ probability = {}, delay = {delay} }}",
            trim(p, 5)
        );
    }
    let (abandoned, censored) = s.waits;
    match s.patience {
        Some(p) => {
            let median = s
                .patience_median
                .map_or_else(|| "not reached".into(), |m| format!("{m:.1} s"));
            let _ = writeln!(
                out,
                "# Patience: {abandoned} hung up, {censored} answered or still waiting (censored); exponential by censored likelihood, 95% CI {:.1}–{:.1} s; Kaplan–Meier median {median}, largest gap to the fit {:.3}.",
                p.ci95.0, p.ci95.1, p.distance
            );
            let _ = writeln!(
                out,
                "patience = {{ dist = \"exponential\", mean = {} }}",
                secs(p.mean)
            );
        }
        None => {
            let _ = writeln!(
                out,
                "# Patience: nobody hung up among {censored} waits, so none is set (customers never abandon)."
            );
        }
    }
}

/// Writes the scenario.
/// Writes the scenario; with a workspace's `structure` (its activities,
/// agents, queues and workflow, as `ccsim import workspace` writes them)
/// in place of the groups, queues and workflow the history suggests.
pub fn write(
    c: &Calibration,
    log: &EventLog,
    report_file: &str,
    structure: Option<&str>,
) -> String {
    let mut out = String::new();
    let placed: usize = c.sources.iter().map(|s| s.tasks).sum();
    let _ = writeln!(
        out,
        "# Calibrated by `ccsim calibrate` from {} events of {} tasks in {} (docs/calibrate.md).",
        log.events.len(),
        c.tasks,
        comment(&c.options.inputs.join(", "))
    );
    let _ = writeln!(
        out,
        "# The fits, their uncertainty and the comparisons behind each choice are in {}.",
        comment(report_file)
    );
    out.push_str(
        "# The history says where each task went, not why: each source is routed to the\n",
    );
    out.push_str(
        "# queue its tasks entered first, and each group serves the queues it answered.\n",
    );
    if placed < c.tasks {
        let _ = writeln!(
            out,
            "# {} tasks are not in any source: {} without a channel, {} that never entered a queue.",
            c.tasks - placed,
            c.unplaced.no_channel,
            c.unplaced.no_queue
        );
    }
    let _ = writeln!(out, "name = {}", string(&c.options.name));
    let _ = writeln!(
        out,
        "description = {}",
        string(&format!(
            "Calibrated from {} tasks ({} sources, {} groups, {} queues).",
            c.tasks,
            c.sources.len(),
            c.groups.len(),
            c.queues.len()
        ))
    );

    out.push_str("\n[simulation]\n");
    let _ = writeln!(
        out,
        "# From the day of the first arrival to the last arrival, rounded to the interval;\n# the warm-up covers the whole intervals before the first arrival."
    );
    let _ = writeln!(out, "horizon = {}", secs(c.horizon_s));
    let _ = writeln!(out, "warmup = {}", secs(c.warmup_s));
    let _ = writeln!(out, "interval = {}", secs(c.options.interval_s));
    out.push_str("replications = 10\nseed = 1\n");
    if let Some(start) = &c.start {
        let _ = writeln!(out, "start = {}", string(start));
    }
    if c.clock == Clock::Simulation {
        out.push_str("# Time 0 is the start of the simulation the events came from.\n");
    }

    for ch in &c.channels {
        let _ = writeln!(out, "\n# Task channel {}.", comment(&ch.original));
        out.push_str("[[channels]]\n");
        let _ = writeln!(out, "name = {}", string(&ch.name));
        match &ch.talk {
            Some(t) => {
                let _ = writeln!(out, "# {} (for sources without their own).", why(t, "Talk"));
                let _ = writeln!(out, "handle_time = {}", t.best().toml());
            }
            None => {
                out.push_str(
                    "# PLACEHOLDER: no answered task on this channel to fit a handle time to.\n",
                );
                out.push_str("handle_time = { dist = \"exponential\", mean = \"5m\" }\n");
            }
        }
    }
    for s in &c.sources {
        source(&mut out, s, c);
    }
    if let Some(structure) = structure {
        out.push_str(structure);
        notes(&mut out, c);
        return out;
    }
    for g in &c.groups {
        let _ = writeln!(
            out,
            "\n# {} worker{} seen: {}.",
            g.workers.len(),
            if g.workers.len() == 1 { "" } else { "s" },
            comment(&g.workers.join(", "))
        );
        out.push_str("[[agents]]\n");
        let _ = writeln!(out, "group = {}", string(&g.name));
        let lines = group_lines(g, c);
        let (count, reservations) = lines.split_at(2);
        count.iter().for_each(|l| {
            let _ = writeln!(out, "{l}");
        });
        let serves: Vec<String> = g.serves.iter().map(|q| string(q)).collect();
        let _ = writeln!(out, "attributes = {{ serves = [{}] }}", serves.join(", "));
        let capacity: Vec<String> = g
            .capacity
            .iter()
            .map(|(ch, n)| format!("{} = {n}", key(ch)))
            .collect();
        out.push_str("# Capacity: the most tasks of each channel one of them held at once.\n");
        let _ = writeln!(out, "capacity = {{ {} }}", capacity.join(", "));
        reservations.iter().for_each(|l| {
            let _ = writeln!(out, "{l}");
        });
    }
    for q in &c.queues {
        let _ = writeln!(
            out,
            "\n# Task queue {} ({}).",
            comment(&q.friendly),
            comment(&q.id)
        );
        out.push_str("[[queues]]\n");
        let _ = writeln!(out, "name = {}", string(&q.name));
        let _ = writeln!(
            out,
            "target_workers = {}",
            expression(&format!("serves HAS \"{}\"", q.name))
        );
        if let Some(tr) = c.transfers.iter().find(|t| t.queue == q.name) {
            transfer(&mut out, tr);
        }
    }
    let routed: std::collections::BTreeSet<&String> = c.sources.iter().map(|s| &s.queue).collect();
    for q in c.queues.iter().filter(|q| routed.contains(&q.name)) {
        out.push_str("\n[[workflow.filters]]\n");
        let _ = writeln!(out, "name = {}", string(&format!("to {}", q.name)));
        let _ = writeln!(
            out,
            "expression = {}",
            expression(&format!("{QUEUE_ATTRIBUTE} == \"{}\"", q.name))
        );
        let _ = writeln!(out, "targets = [{{ queue = {} }}]", string(&q.name));
    }
    let first = c.sources.first().map_or("", |s| s.queue.as_str());
    out.push_str("\n[workflow]\n");
    let _ = writeln!(out, "default_filter = {{ queue = {} }}", string(first));
    notes(&mut out, c);
    out
}

/// A queue's `transfer`, to the queue most of its transfers went to.
fn transfer(out: &mut String, tr: &super::Transfers) {
    let Some((to, n)) = tr.targets.first() else {
        return;
    };
    let p = tr.transferred as f64 / tr.answered as f64;
    let ci =
        crate::import::reservations::share(tr.transferred, tr.answered).map_or((p, p), |s| s.ci95);
    let others = tr.transferred - n;
    let _ = writeln!(
        out,
        "# Transfers: {} of {} calls answered here went on (95% CI {:.3}–{:.3}), {n} of them to {}{}; the kind (cold or warm) is not in the events.",
        tr.transferred,
        tr.answered,
        ci.0,
        ci.1,
        comment(to),
        if others > 0 {
            format!(" ({others} elsewhere, counted here as to it)")
        } else {
            String::new()
        }
    );
    let handle = match &tr.second_leg {
        Some(c) => {
            let _ = writeln!(out, "# {}.", why(c, "The second worker's time"));
            format!(", handle_time = {}", c.best().toml())
        }
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "transfer = {{ probability = {}, to = {}{handle} }}",
        trim(p, 5),
        string(to)
    );
}

fn notes(out: &mut String, c: &Calibration) {
    for n in &c.notes {
        let _ = writeln!(out, "# Note: {}", comment(n));
    }
}

/// A group's head count (a comment and `count = …`) and, when its offers
/// rang, were rejected or timed out, its `reservations` (a comment and the
/// table): the lines a calibration gives an `[[agents]]` table, its own or
/// a workspace's.
pub fn group_lines(g: &Group, c: &Calibration) -> Vec<String> {
    let mut lines = match &g.plan {
        Some(plan) => {
            let plan: Vec<String> = plan.iter().map(u32::to_string).collect();
            vec![
                format!(
                    "# Head count per interval from time 0: the time-average number in an available activity ({}){}.",
                    comment(&c.options.available.join(", ")),
                    g.shrinkage.map_or_else(String::new, |s| format!(
                        "; {:.1}% of logged-in time was in other activities",
                        100.0 * s
                    ))
                ),
                format!("count = [{}]", plan.join(", ")),
            ]
        }
        None => vec![
            "# No activity updates: the workers, working throughout.".to_string(),
            format!("count = {}", g.count),
        ],
    };
    let o = &g.offers;
    let mut res = Vec::new();
    if let Some(d) = &g.accept_delay {
        res.push(format!("accept_delay = {}", d.best().toml()));
    }
    if let Some(r) = o.reject().filter(|r| r.p > 0.0) {
        res.push(format!("reject_probability = {}", trim(r.p, 5)));
    }
    if let Some(r) = o.no_answer().filter(|r| r.p > 0.0) {
        res.push(format!("no_answer_probability = {}", trim(r.p, 5)));
    }
    if !res.is_empty() {
        lines.push(format!(
            "# Offers: {} made, {} accepted, {} rejected, {} timed out, {} canceled while ringing.",
            o.offered, o.accepted, o.rejected, o.timed_out, o.canceled
        ));
        lines.push(format!("reservations = {{ {} }}", res.join(", ")));
    }
    lines
}
