//! The one-screen summary of a valid scenario that `ccsim validate` prints:
//! window, sources, groups, hours, queues, workflow and what `[costs]`
//! prices, so a reader checks what was understood before running it.

use crate::cost;
use crate::scenario::costs::{CardSource, Costs, Price};
use crate::scenario::{AfterHours, ArrivalProcess, Scenario, Step, StepId, TransferTarget, units};
use std::fmt::Write as _;
use std::path::Path;

/// The summary of scenario `s`, read from `file`.
pub fn render(s: &Scenario, file: &Path) -> String {
    let mut o = String::new();
    let h = |t: f64| super::clock(t);
    let _ = writeln!(o, "{}: scenario \"{}\" is valid", file.display(), s.name);
    if let Some(d) = &s.description {
        let _ = writeln!(o, "  {}", d.trim());
    }
    let _ = writeln!(
        o,
        "  window {} – {} (warm-up {} s), intervals of {} s, {} replications, seed {}, service level at {}{}",
        h(s.sim.warmup_s),
        h(s.sim.horizon_s),
        s.sim.warmup_s,
        s.sim.interval_s,
        s.sim.replications,
        s.sim.seed,
        s.service_level_text(),
        s.sim
            .service_level_target
            .map_or_else(String::new, |t| format!(", target {}%", t * 100.0))
    );
    if !s.overrides.is_empty() {
        let _ = writeln!(o, "  with --set {}", s.overrides.join(" --set "));
    }
    if let Some(sw) = &s.sweep {
        let points = if sw.zip {
            sw.axes.first().map_or(0, |(_, v)| v.len())
        } else {
            sw.axes.iter().map(|(_, v)| v.len()).product()
        };
        let axes: Vec<String> = sw
            .axes
            .iter()
            .map(|(k, v)| format!("{k} ({} values)", v.len()))
            .collect();
        let _ = writeln!(
            o,
            "  [sweep]: {} ({}), {points} points for ccsim sweep",
            axes.join(" × "),
            if sw.zip { "zipped" } else { "crossed" }
        );
    }
    let _ = writeln!(o, "sources:");
    for src in &s.sources {
        let process = match &src.process {
            ArrivalProcess::Poisson { rate_per_s } => {
                format!("Poisson {:.1}/h", rate_per_s * 3600.0)
            }
            ArrivalProcess::Profile(p) => {
                let mean = p.rates_per_s.iter().sum::<f64>() / p.rates_per_s.len() as f64;
                format!(
                    "{} profile, {} pieces of {} s, mean {:.1}/h",
                    if p.rates_per_s.len() == p.per_day {
                        "intraday"
                    } else {
                        "weekly"
                    },
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
        if let Some(p) = &g.plan {
            let low = p.counts.iter().copied().min().unwrap_or(0);
            extra.push(format!(
                "staffing plan: {low}–{} working, {} intervals of {} s from time 0",
                p.max(),
                p.counts.len(),
                p.interval_s
            ));
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
                TransferTarget::Step(step) => s.queues[wf_step_queue(s, step)].name.clone(),
                TransferTarget::Filter { filter, .. } => {
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
    let step_line = |o: &mut String, st: &Step| {
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
            AfterHours::Closed => "a closed message".to_string(),
            AfterHours::Voicemail { step, .. } => format!(
                "voicemail, worked by queue {}",
                s.queues[wf_step_queue(s, *step)].name
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
            s.queues[wf_step_queue(s, cb.step)].name,
            cb.channel.map_or(String::new(), |c| format!(
                " on {}",
                s.channels[c.idx()].name
            ))
        );
    }
    if let Some(c) = &s.costs {
        cost_summary(&mut o, s, c);
    }
    if let Some(f) = &s.faults {
        fault_summary(&mut o, s, f);
    }
    o
}

/// What `[faults]` injects, one line per fault.
fn fault_summary(o: &mut String, s: &Scenario, f: &crate::scenario::faults::Faults) {
    use crate::scenario::faults::{OnLookupFailure, OutageTarget, Resolve};
    let _ = writeln!(o, "faults (docs/faults.md):");
    if let Some(l) = &f.lookup {
        let then = match l.on_failure {
            OnLookupFailure::Route => "routed as drawn".to_string(),
            OnLookupFailure::Default => "to the default filter".to_string(),
            OnLookupFailure::Queue(step) => {
                format!("to queue {}", s.queues[wf_step_queue(s, step)].name)
            }
            OnLookupFailure::Drop => "dropped".to_string(),
        };
        let _ = writeln!(
            o,
            "  look-up          mean {:.1} s, timeout {}, failure {}%; on failure {then}",
            l.delay.mean(),
            if l.timeout_s.is_finite() {
                format!("{} s", l.timeout_s)
            } else {
                "none".to_string()
            },
            l.failure * 100.0
        );
    }
    for x in &f.outages {
        let what = match &x.target {
            OutageTarget::Channel(c) => format!("channel {}", s.channels[c.idx()].name),
            OutageTarget::Queue(q) => format!("queue {}", s.queues[q.idx()].name),
            OutageTarget::Group { group, .. } => format!("group {}", s.groups[group.idx()].name),
        };
        let hours = |secs: f64| format!("{}h", (secs / 3600.0 * 1000.0).round() / 1000.0);
        let _ = writeln!(
            o,
            "  outage           {what} down from {} to {} (from time 0)",
            hours(x.from_s),
            hours(x.to_s)
        );
    }
    if let Some(c) = &f.callbacks {
        let _ = writeln!(
            o,
            "  call backs       reach {}%, {} retries after {:.0} s",
            c.reach * 100.0,
            c.retries,
            c.retry_after.mean()
        );
    }
    if let Some(d) = &f.status_lag {
        let _ = writeln!(o, "  status lag       mean {:.1} s", d.mean());
    }
    if let Some(d) = &f.duplicates {
        let _ = writeln!(
            o,
            "  duplicates       {}% of contacts, {}",
            d.probability * 100.0,
            match d.resolve {
                Resolve::Cancel => "the other canceled when one is answered",
                Resolve::Work => "both worked",
            }
        );
    }
}

/// What `[costs]` prices: plan, per-channel items, labour, overheads.
fn cost_summary(o: &mut String, s: &Scenario, c: &Costs) {
    let _ = writeln!(
        o,
        "costs ({}; {}; licence plan {}; {}):",
        c.currency,
        c.days_per_month.map_or(
            "month = 730 h: the window's hours are 1/730 of a month".into(),
            |d| { format!("month = {d} operating days: the window's days are 1/{d} of a month") }
        ),
        c.plan.key(),
        match &c.card {
            CardSource::BuiltIn => {
                "prices from the built-in card rates/twilio-us.toml".to_string()
            }
            CardSource::File(p) => format!("prices from {}", p.display()),
            CardSource::None => {
                "card = \"none\": only the prices listed".to_string()
            }
        }
    );
    let _ = writeln!(
        o,
        "  platform         {:.2}/active hour, {:.2}/named user-month, {:.2}/monthly active user",
        cost::units(c.active_hour),
        cost::units(c.named_user_per_month),
        cost::units(c.monthly_active_user)
    );
    for (ch, r) in s.channels.iter().zip(&c.channels) {
        let price = |p: &Price| -> String {
            match p.tiers.as_slice() {
                [] => "0".into(),
                [(_, x)] => format!("{}", cost::units(*x)),
                tiers => format!("{} tiers from {}", tiers.len(), cost::units(tiers[0].1)),
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
        .map(|(g, r)| format!("{} {:.2}/h", g.name, cost::units(*r)))
        .collect();
    if !labor.is_empty() {
        let _ = writeln!(o, "  labour           {}", labor.join(", "));
    }
    let fixed: i64 = c.fixed.iter().map(|(_, v)| v).sum();
    if fixed > 0 {
        let _ = writeln!(o, "  overheads        {:.2} a month", cost::units(fixed));
    }
}

/// The queue of a workflow step.
fn wf_step_queue(s: &Scenario, step: StepId) -> usize {
    s.workflow.steps[step.idx()].queue.idx()
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_the_file_and_what_was_understood() {
        let s = crate::scenario::tiny_scenario();
        let text = super::render(&s, std::path::Path::new("tiny.toml"));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "tiny.toml: scenario \"tiny\" is valid");
        assert!(
            text.contains("\n  inbound          voice    Poisson 60.0/h;"),
            "{text}"
        );
        assert!(text.contains("\n  team                2 agents,"), "{text}");
        assert!(
            text.contains("\n  q                target_workers '1==1' (2 agents)"),
            "{text}"
        );
    }
}
