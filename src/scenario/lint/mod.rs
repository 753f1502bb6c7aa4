//! `ccsim lint`: warnings about scenarios that load and run, but almost
//! surely not as their author meant (docs/lint.md lists every rule).
//!
//! The rules work on the checked [`Scenario`]; the file is read a second
//! time only for positions, so that each warning points at the line to
//! change. A workflow imported from TaskRouter JSON has no positions of
//! its own here: its warnings point at `taskrouter_json`.

use super::diag::{Diagnostic, Diagnostics, ScenarioError, Severity, SourceFile};
use super::overrides::{Combined, Override};
use super::raw::{RawScenario, RawTarget};
use super::{AfterHours, ArrivalProcess, Profile, QueueId, Scenario, StepId, TransferTarget};
use crate::expr::{Expr, KeyId, Resolver, Scope, ValueRef};
use std::collections::BTreeSet;
use std::ops::Range;
use toml::Spanned;

/// When follow-up work is made (rule `followup-closed`).
#[derive(Debug, Clone, Copy)]
enum Made {
    /// While the workflow is closed (voicemails): never a problem.
    Closed,
    /// While the workflow is open (call backs).
    Open,
    /// While the workflow and this queue are open (transfers from it).
    From(usize),
}

/// A lint rule: its id (as shown in `warning[<id>]`) and what it finds.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Shown in brackets after `warning`.
    pub id: &'static str,
    /// One line: what the rule finds.
    pub summary: &'static str,
}

/// Every rule, in the order of docs/lint.md.
pub const RULES: &[Rule] = &[
    Rule {
        id: "queue-no-capacity",
        summary: "a queue gets tasks of a channel on which none of its member groups has capacity",
    },
    Rule {
        id: "target-matches-no-worker",
        summary: "a target expression is false for every worker of its queue",
    },
    Rule {
        id: "filter-unreachable",
        summary: "no task attribute combination the sources produce matches a filter",
    },
    Rule {
        id: "filter-shadowed",
        summary: "every task a filter matches enters an earlier filter that keeps it",
    },
    Rule {
        id: "step-unreachable",
        summary: "a target comes after one that never times out, or after the task TTL",
    },
    Rule {
        id: "skip-if-constant",
        summary: "a skip_if is true, or false, whatever the queue's worker counts",
    },
    Rule {
        id: "coverage-gap",
        summary: "arrivals in the counted window find no agent on shift able to take them",
    },
    Rule {
        id: "followup-unstaffed",
        summary: "voicemail, call backs or transfers go to a queue no group can work",
    },
    Rule {
        id: "followup-closed",
        summary: "call backs or transfers go to a queue that is closed at times they are made",
    },
    Rule {
        id: "long-handle-time",
        summary: "a mean handle or wrap-up time over 2 hours",
    },
    Rule {
        id: "long-patience",
        summary: "a mean patience over a day",
    },
    Rule {
        id: "threshold-over-ttl",
        summary: "the service-level threshold is longer than the task TTL",
    },
    Rule {
        id: "overload",
        summary: "the offered load of a queue is above the agents who can take it",
    },
    Rule {
        id: "unpriced-channel",
        summary: "[costs] is present but a channel tasks use has no usage price",
    },
    Rule {
        id: "stale-card",
        summary: "the prices of [costs] were last checked more than a year ago",
    },
];

/// Mean handle or wrap-up times above this are flagged (2 h).
const LONG_HANDLE_S: f64 = 7200.0;
/// Mean patience above this is flagged (a day).
const LONG_PATIENCE_S: f64 = 86_400.0;
/// The coverage scan looks at the window in steps of at most this.
const COVERAGE_STEP_S: f64 = 60.0;
/// At most this many worker counts are tried for a `skip_if`.
const MAX_SKIP_COUNTS: u32 = 100_000;
/// A rule evaluating (task class, worker profile) pairs, or scanning
/// routes, skips a case with more than this many.
const MAX_PAIRS: usize = 1_000_000;
/// The coverage scan skips a source whose tasks take more distinct routes.
const MAX_ROUTES: usize = 256;
/// The coverage scan looks at no more than this many instants per source.
const MAX_SCAN_STEPS: f64 = 20_000.0;

/// The scan step over the counted window: a minute (or the interval, if
/// shorter), widened on a long window.
fn scan_step(sim: &super::Simulation) -> f64 {
    let window = sim.horizon_s - sim.warmup_s;
    COVERAGE_STEP_S
        .min(sim.interval_s)
        .max(window / MAX_SCAN_STEPS)
}

/// Lints a loaded scenario, reading its file again for positions.
///
/// # Errors
/// The file cannot be read any more.
pub fn lint(s: &Scenario, overrides: &[Override]) -> Result<Vec<Diagnostic>, ScenarioError> {
    let text = super::input::read_text(&s.path, super::input::SCENARIO_MAX_BYTES)
        .map_err(|e| ScenarioError::file(&s.path, format!("cannot read the scenario: {e}")))?;
    Ok(lint_str(s, &text, overrides))
}

/// Lints a scenario loaded from `text` with `overrides`; warnings sorted by position.
pub fn lint_str(s: &Scenario, text: &str, overrides: &[Override]) -> Vec<Diagnostic> {
    let combined = Combined::new(text, overrides);
    let src = SourceFile::with_overrides(&s.path, &combined.text, combined.file_len);
    let mut scratch = Diagnostics::default();
    let Some((raw, _)) =
        super::validate::read_document::<RawScenario>(&src, &mut scratch, overrides)
    else {
        return Vec::new();
    };
    let mut l = Linter::new(s, &raw, &src);
    l.queue_capacity();
    l.targets();
    l.filters();
    l.steps();
    l.skip_ifs();
    l.coverage();
    l.followups();
    l.implausible();
    l.overload();
    l.costs();
    let mut out = l.out;
    out.sort_by(|a, b| (a.line, a.column, a.rule).cmp(&(b.line, b.column, b.rule)));
    out
}

struct Linter<'a> {
    s: &'a Scenario,
    raw: &'a RawScenario,
    src: &'a SourceFile<'a>,
    out: Vec<Diagnostic>,
    /// Per class: the steps its walk can enter (every target of every
    /// filter it matches, and the default step when it may get there).
    walks: Vec<Vec<StepId>>,
    /// Per queue: the profiles of groups with workers that are members.
    members: Vec<Vec<&'a Profile>>,
    /// Per source: its classes (none for a trace).
    source_classes: Vec<Range<usize>>,
}

impl<'a> Linter<'a> {
    fn new(s: &'a Scenario, raw: &'a RawScenario, src: &'a SourceFile<'a>) -> Linter<'a> {
        let wf = &s.workflow;
        let walks = s
            .classes
            .iter()
            .map(|c| {
                let mut steps: Vec<StepId> = c
                    .filter_matches
                    .iter()
                    .flat_map(|&f| wf.filters[f as usize].steps.iter().copied())
                    .collect();
                let may_skip = steps.iter().any(|st| wf.steps[st.idx()].skip_if.is_some());
                if let Some(d) = wf.default_step
                    && (c.filter_matches.is_empty() || may_skip)
                {
                    steps.push(d);
                }
                steps
            })
            .collect();
        let mut members = vec![Vec::new(); s.queues.len()];
        for p in &s.profiles {
            if s.groups[p.group.idx()].count == 0 {
                continue;
            }
            for q in &p.queues {
                members[q.idx()].push(p);
            }
        }
        let mut firsts: Vec<usize> = s
            .sources
            .iter()
            .map(|x| x.attributes.first_class as usize)
            .collect();
        firsts.push(s.classes.len());
        firsts.sort_unstable();
        let source_classes = s
            .sources
            .iter()
            .map(|src| {
                if matches!(src.process, ArrivalProcess::Trace { .. }) {
                    return 0..0;
                }
                let start = src.attributes.first_class as usize;
                let end = firsts
                    .iter()
                    .copied()
                    .find(|&f| f > start)
                    .unwrap_or(s.classes.len());
                start..end
            })
            .collect();
        Linter {
            s,
            raw,
            src,
            out: Vec::new(),
            walks,
            members,
            source_classes,
        }
    }

    fn warn(
        &mut self,
        rule: &'static str,
        span: Range<usize>,
        what: String,
        why: &str,
        help: String,
    ) {
        let mut d = self.src.at(Severity::Warning, span.start, what);
        d.rule = Some(rule);
        d.notes = vec![("why", why.to_string()), ("help", help)];
        self.out.push(d);
    }

    // ------------------------------------------------------------ spans

    fn json_span(&self) -> Range<usize> {
        let wf = self.raw.workflow.as_ref();
        wf.and_then(|w| w.get_ref().taskrouter_json.as_ref())
            .map(Spanned::span)
            .or_else(|| wf.map(Spanned::span))
            .unwrap_or(0..0)
    }

    /// The filters of the file, when they are the workflow's (not imported JSON).
    fn raw_filters(&self) -> Option<&'a [Spanned<super::raw::RawFilter>]> {
        let f = &self.raw.workflow.as_ref()?.get_ref().filters;
        (f.len() == self.s.workflow.filters.len()).then_some(f.as_slice())
    }

    fn filter_span(&self, f: usize) -> Range<usize> {
        self.raw_filters()
            .map_or_else(|| self.json_span(), |r| r[f].get_ref().expression.span())
    }

    fn raw_target(&self, f: usize, k: usize) -> Option<&'a Spanned<RawTarget>> {
        self.raw_filters()?[f].get_ref().targets.get_ref().get(k)
    }

    /// A target's span, or one of its keys' when `key` picks one.
    fn target_span(
        &self,
        f: usize,
        k: usize,
        key: impl Fn(&RawTarget) -> Option<&Spanned<String>>,
    ) -> Range<usize> {
        match self.raw_target(f, k) {
            Some(t) => key(t.get_ref()).map_or_else(|| t.span(), Spanned::span),
            None => self.json_span(),
        }
    }

    fn queue_span(&self, q: usize) -> Range<usize> {
        self.raw
            .queues
            .get(q)
            .map_or(0..0, |r| r.get_ref().name.span())
    }

    fn source_span(&self, i: usize) -> Range<usize> {
        self.raw
            .arrivals
            .get(i)
            .map_or(0..0, |r| r.get_ref().name.span())
    }

    fn channel_name(&self, c: usize) -> &'a str {
        &self.s.channels[c].name
    }

    // ------------------------------------------------------------ helpers

    /// Per queue: the channels of the tasks workflow walks bring there.
    fn queue_channels(&self) -> Vec<BTreeSet<usize>> {
        let mut out = vec![BTreeSet::new(); self.s.queues.len()];
        for (class, walk) in self.s.classes.iter().zip(&self.walks) {
            for st in walk {
                let step = &self.s.workflow.steps[st.idx()];
                out[step.queue.idx()].insert(step.channel.unwrap_or(class.channel).idx());
            }
        }
        out
    }

    /// Members of queue `q` with capacity on one of `channels`.
    fn can_take(&self, q: QueueId, channels: &BTreeSet<usize>) -> bool {
        self.members[q.idx()]
            .iter()
            .any(|p| channels.iter().any(|&c| p.capacity[c] > 0))
    }

    // ------------------------------------------------------------ rules

    /// Rule `queue-no-capacity`.
    fn queue_capacity(&mut self) {
        let channels = self.queue_channels();
        for (q, chans) in channels.iter().enumerate() {
            if self.members[q].is_empty() {
                continue; // loading already warns that nobody can join it
            }
            for &c in chans {
                if self.members[q].iter().any(|p| p.capacity[c] > 0) {
                    continue;
                }
                let (name, ch) = (&self.s.queues[q].name, self.channel_name(c));
                self.warn(
                    "queue-no-capacity",
                    self.queue_span(q),
                    format!("queue \"{name}\" gets {ch} tasks, but no group that can join it has {ch} capacity"),
                    "those tasks wait there until they time out, are abandoned or reach the task TTL",
                    format!("give a member group capacity on {ch} (`capacity = {{ {ch} = 1 }}`), or route {ch} tasks to another queue"),
                );
            }
        }
    }

    /// Rules `long-handle-time`, `long-patience` and `threshold-over-ttl`.
    fn implausible(&mut self) {
        let raw = self.raw;
        let mut dists = Vec::new();
        for (c, rc) in raw.channels.iter().enumerate() {
            let (ch, r) = (&self.s.channels[c], rc.get_ref());
            let place = format!("channel \"{}\"", ch.name);
            dists.push((
                ch.handle_time.as_ref(),
                r.handle_time.as_ref().map(Spanned::span),
                "handle_time",
                place.clone(),
            ));
            dists.push((
                ch.wrapup.as_ref(),
                r.wrapup.as_ref().map(Spanned::span),
                "wrapup",
                place,
            ));
        }
        for (src, ra) in self.s.sources.iter().zip(&raw.arrivals) {
            let r = ra.get_ref();
            let place = format!("arrival source \"{}\"", src.name);
            dists.push((
                src.handle_time.as_ref(),
                r.handle_time.as_ref().map(Spanned::span),
                "handle_time",
                place.clone(),
            ));
            dists.push((
                src.wrapup.as_ref(),
                r.wrapup.as_ref().map(Spanned::span),
                "wrapup",
                place.clone(),
            ));
            if let (Some(p), Some(span)) = (&src.patience, &r.patience)
                && p.mean() > LONG_PATIENCE_S
            {
                self.warn(
                    "long-patience",
                    span.span(),
                    format!("{place}: the mean patience is {:.1} h, over a day", p.mean() / 3600.0),
                    "customers then almost never abandon, which is rarely true; a unit slip (\"30h\" for \"30m\", seconds for minutes) is the usual cause",
                    "check the unit; to model customers who never hang up, leave `patience` out".to_string(),
                );
            }
        }
        for (dist, span, key, place) in dists {
            if let (Some(d), Some(span)) = (dist, span)
                && d.mean() > LONG_HANDLE_S
            {
                self.warn(
                    "long-handle-time",
                    span,
                    format!("{place}: the mean {key} is {:.1} h, over 2 hours", d.mean() / 3600.0),
                    "an agent then holds each contact for hours; a unit slip (\"4h\" for \"4m\", seconds for minutes) is the usual cause",
                    "check the unit of `mean` (a bare number is seconds)".to_string(),
                );
            }
        }
        let (threshold, ttl) = (
            self.s.sim.service_level_threshold_s,
            self.s.workflow.task_ttl_s,
        );
        if threshold > ttl {
            let span = raw
                .simulation
                .get_ref()
                .service_level_threshold
                .as_ref()
                .map_or(raw.simulation.span(), Spanned::span);
            self.warn(
                "threshold-over-ttl",
                span,
                format!("the service-level threshold ({threshold} s) is longer than the task TTL ({ttl} s)"),
                "a task is canceled at the TTL, so every answered task is within the threshold and the service level only counts abandons and cancels",
                "lower `service_level_threshold`, or raise `[workflow] task_timeout`".to_string(),
            );
        }
    }

    /// Rule `overload`: for queues whose sources are constant-rate, whose
    /// tasks never leave the queue, and whose members work no other queue.
    fn overload(&mut self) {
        let s = self.s;
        let wf = &s.workflow;
        let sim = &s.sim;
        let window = sim.horizon_s - sim.warmup_s;
        for q in 0..s.queues.len() {
            let qid = QueueId(q as u32);
            let members = &self.members[q];
            if members.is_empty()
                || s.profiles.len() != s.groups.len()
                || members.iter().any(|p| p.queues != [qid])
            {
                continue;
            }
            // Sources reaching the queue: each must reach only it, at a constant rate, on one channel.
            let mut load = 0.0; // Erlangs
            let mut rate_h = 0.0;
            let mut channel = None;
            let mut clear = true;
            for (i, source) in s.sources.iter().enumerate() {
                let classes = self.source_classes[i].clone();
                let touches = classes.clone().any(|c| {
                    self.walks[c]
                        .iter()
                        .any(|st| wf.steps[st.idx()].queue == qid)
                });
                if !touches {
                    continue;
                }
                let only_here = classes.clone().all(|c| {
                    !self.walks[c].is_empty()
                        && self.walks[c]
                            .iter()
                            .all(|st| wf.steps[st.idx()].queue == qid)
                        && s.classes[c]
                            .filter_matches
                            .iter()
                            .all(|&f| !wf.filters[f as usize].dynamic)
                });
                let ArrivalProcess::Poisson { rate_per_s } = source.process else {
                    clear = false;
                    break;
                };
                let Some(ch) = source.channel else {
                    clear = false;
                    break;
                };
                let chan = &s.channels[ch.idx()];
                let handle = source.handle_time.as_ref().or(chan.handle_time.as_ref());
                let wrap = source.wrapup.as_ref().or(chan.wrapup.as_ref());
                let Some(handle) = handle else {
                    clear = false;
                    break;
                };
                if !only_here || channel.is_some_and(|c| c != ch) || wf.hours.is_some() {
                    clear = false;
                    break;
                }
                channel = Some(ch);
                // Self-service resolves a share before routing.
                let routed = source
                    .self_service
                    .as_ref()
                    .map_or(1.0, |x| 1.0 - (1.0 - x.opt_out) * x.containment);
                let rate_per_s = rate_per_s * routed;
                rate_h += rate_per_s * 3600.0;
                load += rate_per_s * (handle.mean() + wrap.map_or(0.0, |w| w.mean()));
            }
            let Some(ch) = channel else { continue };
            if !clear || s.queues[q].hours.is_some() {
                continue;
            }
            // Capacity units logged in, averaged over the counted window.
            let mut groups: Vec<usize> = members.iter().map(|p| p.group.idx()).collect();
            groups.sort_unstable();
            groups.dedup();
            let dt = scan_step(sim);
            let mut supply = 0.0;
            for &g in &groups {
                let group = &s.groups[g];
                let cap = f64::from(s.profiles[g].capacity[ch.idx()]);
                let mut t = sim.warmup_s;
                let mut agent_s = 0.0;
                while t < sim.horizon_s {
                    let mid = t + dt / 2.0;
                    if on_shift(&group.shifts, mid) {
                        let n = group.plan.as_ref().map_or(group.count, |p| p.count_at(mid));
                        agent_s += f64::from(n) * dt.min(sim.horizon_s - t);
                    }
                    t += dt;
                }
                supply += cap * agent_s / window;
            }
            if load <= supply {
                continue;
            }
            let name = &s.queues[q].name;
            self.warn(
                "overload",
                self.queue_span(q),
                format!(
                    "queue \"{name}\": the offered load is {load:.1} Erlangs ({rate_h:.0}/h at {:.0} s of handle and wrap-up time), above the {supply:.1} capacity units its agents have logged in on average: occupancy would be {:.0}%",
                    load / (rate_h / 3600.0),
                    100.0 * load / supply.max(f64::MIN_POSITIVE)
                ),
                "more work arrives than the agents can do, so the queue grows all day: waits and abandons are set by patience and the TTL, not by staffing",
                format!("add agents to the groups serving \"{name}\" (`ccsim erlang` gives a head count for a target), or check the rate and handle time"),
            );
        }
    }

    /// Rule `unpriced-channel`.
    fn costs(&mut self) {
        let Some(costs) = &self.s.costs else { return };
        if let Some(as_of) = costs.prices_as_of {
            let today = today();
            let days = as_of.until(today).map_or(0, |d| d.get_days());
            if days > 365 {
                let raw = self.raw.costs.as_ref();
                let span = raw
                    .and_then(|c| {
                        let c = c.get_ref();
                        c.prices_as_of
                            .as_ref()
                            .or(c.card.as_ref())
                            .map(Spanned::span)
                    })
                    .or_else(|| raw.map(Spanned::span))
                    .unwrap_or(0..0);
                self.warn(
                    "stale-card",
                    span,
                    format!("the prices were last checked on {as_of}, {days} days ago (today is {today})"),
                    "list prices change: a bill forecast on a card more than a year old may be wrong by the changes since",
                    "check the prices against the current price pages and your contract, then set `prices_as_of` (in [costs] or the card) to the date you checked them".to_string(),
                );
            }
        }
        let used: BTreeSet<usize> = self.s.classes.iter().map(|c| c.channel.idx()).collect();
        for c in used {
            let Some(cc) = costs.channels.get(c) else {
                continue;
            };
            let prices = [
                &cc.inbound,
                &cc.toll_free_inbound,
                &cc.agent_leg,
                &cc.conference,
                &cc.segment_in,
                &cc.segment_out,
                &cc.carrier_fee,
                &cc.message_in,
                &cc.message_out,
                &cc.per_conversation,
                &cc.active_user,
            ];
            if prices.iter().any(|p| !p.is_free()) {
                continue;
            }
            let name = self.channel_name(c);
            let span = self
                .raw
                .channels
                .get(c)
                .map_or(0..0, |r| r.get_ref().name.span());
            self.warn(
                "unpriced-channel",
                span,
                format!("[costs] is set, but channel \"{name}\" has no usage price (neither the rate card nor [costs.{name}] prices it)"),
                "its contacts then cost nothing but labour, so the cost per contact and the bill are too low",
                format!("add prices under [costs.{name}] (e.g. `inbound_per_min` for calls, `per_message_in` for messages), or a rate card that names \"{name}\""),
            );
        }
    }
}

/// Today's date, or `CCSIM_TODAY` (YYYY-MM-DD) when set, so that the
/// `stale-card` rule can be tested and a build pinned to a date.
fn today() -> jiff::civil::Date {
    std::env::var("CCSIM_TODAY")
        .ok()
        .and_then(|d| d.trim().parse().ok())
        .unwrap_or_else(|| jiff::Zoned::now().date())
}

/// True when daily shifts (start, end seconds after midnight; an end at or
/// before the start crosses midnight) have a worker on shift at `t`; no
/// shifts is always on shift (docs/scenario.md, "Shifts and breaks").
fn on_shift(shifts: &[(f64, f64)], t: f64) -> bool {
    let tod = t.rem_euclid(86_400.0);
    shifts.is_empty()
        || shifts.iter().any(|&(s, e)| {
            if s < e {
                s <= tod && tod < e
            } else {
                tod >= s || tod < e
            }
        })
}

mod routing;
mod schedule;
#[cfg(test)]
mod tests;
