//! `ccsim staff`: the fewest agents meeting service targets, stated with
//! confidence (docs/experiments.md, "Staffing search").
//!
//! A head count *meets* the targets when every target holds at the worse
//! end of its confidence interval (service level's lower end at least the
//! target, abandonment's upper end at most its cap). The search starts from
//! Erlang A where the scenario is close enough to that model, then walks
//! and bisects on simulated runs, every one on the same seeds (common
//! random numbers, under which the KPIs move with the head count, not with
//! noise). With several groups and `--minimize cost`, a greedy descent from
//! a feasible point removes, one agent at a time, the agent whose removal
//! keeps the targets and saves the most, until no removal keeps them: a
//! local optimum.

use super::Error;
use super::compare::{KpiId, flatten};
use super::precision::resolve;
use super::runner::run_design;
use crate::scenario::{LoadOptions, Override, Scenario, load_str_overridden};
use crate::stats::Estimate;
use crate::summary::{Summary, summarize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// `>=` or `<=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// The KPI must be at least the value.
    AtLeast,
    /// The KPI must be at most the value.
    AtMost,
}

/// A service target such as `service_level>=0.8` or `asa_s<=20s`.
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    /// A KPI path as `--precision` reads it.
    pub path: String,
    /// Direction.
    pub op: Op,
    /// The bound, in the KPI's unit.
    pub value: f64,
}

impl FromStr for Requirement {
    type Err = String;

    fn from_str(text: &str) -> Result<Requirement, String> {
        let (path, op, value) = if let Some((p, v)) = text.split_once(">=") {
            (p, Op::AtLeast, v)
        } else if let Some((p, v)) = text.split_once("<=") {
            (p, Op::AtMost, v)
        } else {
            return Err(format!(
                "\"{text}\": expected KPI>=VALUE or KPI<=VALUE, e.g. service_level>=0.8 or asa_s<=20s"
            ));
        };
        let v = value.trim();
        let value = if let Some(pct) = v.strip_suffix('%') {
            pct.trim().parse::<f64>().ok().map(|x| x / 100.0)
        } else {
            v.parse::<f64>()
                .ok()
                .or_else(|| crate::scenario::units::parse_duration(v).ok())
        }
        .filter(|x| x.is_finite())
        .ok_or_else(|| {
            format!("\"{text}\": the bound must be a number (0.8, 80%) or a duration (20s)")
        })?;
        Ok(Requirement {
            path: path.trim().to_string(),
            op,
            value,
        })
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            Op::AtLeast => ">=",
            Op::AtMost => "<=",
        };
        write!(f, "{}{op}{}", self.path, self.value)
    }
}

/// What to search.
///
/// ```no_run
/// use ccsim::experiment::StaffSearch;
/// use ccsim::scenario::LoadOptions;
///
/// let st = StaffSearch {
///     file: "scenarios/quickstart.toml".into(),
///     base: vec![],
///     targets: vec!["service_level>=0.8".parse()?, "abandon_rate<=5%".parse()?],
///     groups: vec![],
///     confidence: 0.95,
///     seed: None,
///     replications: Some(20),
///     options: LoadOptions::default(),
///     minimize_cost: false,
///     max_agents: 1000,
/// }
/// .run(&|_| {})?;
/// println!("{} agents after {} evaluations", st.answer.agents[0], st.path.len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct StaffSearch {
    /// The scenario file.
    pub file: PathBuf,
    /// Overrides applied before any head count.
    pub base: Vec<Override>,
    /// Every target must hold.
    pub targets: Vec<Requirement>,
    /// The groups whose head counts vary (empty: the scenario's only group).
    pub groups: Vec<String>,
    /// Confidence level of the intervals the targets are judged on.
    pub confidence: f64,
    /// Seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Replications per evaluation (default: the scenario's).
    pub replications: Option<u32>,
    /// Load limits.
    pub options: LoadOptions,
    /// With several groups: minimise the simulated bill (needs `[costs]`).
    pub minimize_cost: bool,
    /// The most agents a group may get.
    pub max_agents: u32,
}

/// One simulated head-count combination.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Head count per searched group, in the order given.
    pub agents: Vec<u32>,
    /// Per target: the estimate, with `ci95` at the search's confidence.
    pub kpis: Vec<Estimate>,
    /// Every target holds at its CI's worse end.
    pub meets: bool,
    /// Some target fails even at its CI's better end.
    pub clearly_fails: bool,
    /// The simulated bill's window total, with `[costs]`.
    pub cost: Option<f64>,
}

/// How the head count just below the answer does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Below {
    /// One agent fewer fails some target beyond noise.
    Fails,
    /// One agent fewer is within noise of a target (its CI straddles it).
    WithinNoise,
    /// The answer is already 0 agents.
    None,
}

/// The search's result.
#[derive(Debug, Clone)]
pub struct Staffing {
    /// The searched groups' names.
    pub groups: Vec<String>,
    /// The answer.
    pub answer: Evaluation,
    /// The run at the answer.
    pub summary: Summary,
    /// Every evaluation, in the order made.
    pub path: Vec<Evaluation>,
    /// With one group: how one agent fewer does.
    pub below: Below,
    /// Where the search started: "Erlang A" or "the scenario's count".
    pub start: &'static str,
}

impl Staffing {
    /// The charts of `staff --charts`, one per target
    /// (`staff-search-<target KPI>`): the KPI's mean and CI (at the search's
    /// confidence) at every head count evaluated, the target as a dashed
    /// line, the answer marked. With one group, x is its head count and the
    /// evaluations are joined in order of it, each labelled with its step;
    /// with several, x is their total and each evaluation is a point with
    /// a whisker labelled with its head counts. `scenario` gives the
    /// service-level threshold.
    pub fn charts(
        &self,
        search: &StaffSearch,
        scenario: &Scenario,
    ) -> Vec<crate::report::charts::Chart> {
        use crate::report::charts::{Chart, LineChart, Series, XAxis, fmt_num};
        let one = self.groups.len() == 1;
        let total = |e: &Evaluation| f64::from(e.agents.iter().sum::<u32>());
        let mut order: Vec<usize> = (0..self.path.len()).collect();
        order.sort_by(|&a, &b| {
            total(&self.path[a])
                .total_cmp(&total(&self.path[b]))
                .then(self.path[a].agents.cmp(&self.path[b].agents))
        });
        let mut xs: Vec<f64> = self.path.iter().map(total).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let x = if xs.len() <= 12 {
            XAxis::Values
        } else {
            XAxis::Numeric
        };
        let confidence = fmt_num((search.confidence * 1000.0).round() / 10.0);
        let answer = self
            .groups
            .iter()
            .zip(&self.answer.agents)
            .map(|(g, n)| format!("{n} in {g}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut taken = Vec::new();
        search
            .targets
            .iter()
            .enumerate()
            .map(|(k, t)| {
                let kpi = t.path.rsplit('.').next().unwrap_or("");
                let ratio = matches!(
                    kpi,
                    "service_level"
                        | "service_level_answered"
                        | "abandon_rate"
                        | "occupancy"
                        | "utilization"
                );
                let (scale, unit) = if ratio {
                    (100.0, "%")
                } else if kpi.ends_with("_s") {
                    (1.0, " s")
                } else {
                    (1.0, "")
                };
                let y_label = if t.path == "service_level" {
                    format!(
                        "Service level (% answered within {} s)",
                        fmt_num(scenario.sim.service_level_threshold_s)
                    )
                } else if unit.is_empty() {
                    t.path.clone()
                } else {
                    format!("{} ({})", t.path, unit.trim())
                };
                let bound = fmt_num((t.value * scale * 100.0).round() / 100.0);
                let op = match t.op {
                    Op::AtLeast => "≥",
                    Op::AtMost => "≤",
                };
                let at = |e: &Evaluation| (total(e), e.kpis[k].mean, e.kpis[k].ci95);
                // Several groups: every evaluation a point of its own (a gap
                // between them), with its CI as a whisker.
                let mut points = Vec::new();
                let mut labels = Vec::new();
                for &i in &order {
                    let e = &self.path[i];
                    if !one && !points.is_empty() {
                        points.push((total(e), None, None));
                        labels.push(String::new());
                    }
                    points.push(at(e));
                    labels.push(if one {
                        format!("#{}", i + 1)
                    } else {
                        e.agents
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(" + ")
                    });
                }
                let ratio_y_max = matches!(kpi, "service_level" | "service_level_answered");
                Chart::Line(LineChart {
                    stem: super::sweep_charts::unique(
                        format!("staff-search-{}", super::sweep_charts::slug(&t.path)),
                        &mut taken,
                    ),
                    title: format!(
                        "Staffing search for {t} — {}, seed {}, {} replications per evaluation",
                        self.summary.scenario, self.summary.seed, self.summary.replications
                    ),
                    x_label: if one {
                        format!("Agents in {}", self.groups[0])
                    } else {
                        format!("Agents in {} (total)", self.groups.join(" + "))
                    },
                    y_label,
                    x: x.clone(),
                    x_range: None,
                    scale,
                    y_max: ratio_y_max.then_some(100.0),
                    step: None,
                    reference: Some((t.value, format!("target {op} {bound}{unit}"))),
                    x_mark: None,
                    series: vec![
                        Series {
                            label: format!(
                                "evaluated (mean, {confidence}% CI; {})",
                                if one { "#step" } else { "head counts" }
                            ),
                            points,
                            band: true,
                            labels,
                        },
                        Series {
                            label: format!("answer: {answer}"),
                            points: vec![at(&self.answer)],
                            band: true,
                            labels: Vec::new(),
                        },
                    ],
                })
            })
            .collect()
    }
}

/// The search, once its scenario is loaded.
struct Search<'a> {
    spec: &'a StaffSearch,
    text: String,
    groups: Vec<String>,
    ids: Vec<KpiId>,
    seed: u64,
    replications: u32,
    path: Vec<Evaluation>,
    done: BTreeMap<Vec<u32>, usize>,
    on_replication: &'a (dyn Fn(u64) + Sync),
}

impl StaffSearch {
    /// Runs the search.
    ///
    /// # Errors
    /// A scenario or target that does not load, an unknown group, several
    /// groups without `minimize_cost`, or targets unmet at `max_agents`.
    pub fn run(&self, on_replication: &(dyn Fn(u64) + Sync)) -> Result<Staffing, Error> {
        let text = crate::scenario::input::read_text(
            &self.file,
            crate::scenario::input::SCENARIO_MAX_BYTES,
        )
        .map_err(|e| Error::Other(format!("cannot read the scenario: {e}")))?;
        let base = load_str_overridden(&self.file, &text, &self.options, &self.base)
            .map_err(|e| Error::Scenario {
                point: None,
                problems: e,
            })?
            .scenario;
        if self.targets.is_empty() {
            return Err(Error::Other(
                "give at least one --target, e.g. --target 'service_level>=0.8'".into(),
            ));
        }
        let names: Vec<&str> = base.groups.iter().map(|g| g.name.as_str()).collect();
        let groups: Vec<String> = if self.groups.is_empty() {
            match names.as_slice() {
                [one] => vec![one.to_string()],
                _ => {
                    return Err(Error::Other(format!(
                        "the scenario has {} agent groups; name the ones to staff with --group",
                        names.len()
                    )));
                }
            }
        } else {
            for g in &self.groups {
                if !names.contains(&g.as_str()) {
                    return Err(Error::Other(format!(
                        "--group: {}",
                        crate::scenario::diag::unknown_name("agent group", g, &names)
                    )));
                }
            }
            self.groups.clone()
        };
        if groups.len() > 1 && !self.minimize_cost {
            return Err(Error::Other(
                "several groups can meet the targets in many ways; add --minimize cost to find the cheapest".into(),
            ));
        }
        if self.minimize_cost && base.costs.is_none() {
            return Err(Error::Other(
                "--minimize cost needs a [costs] section (with labour rates) in the scenario"
                    .into(),
            ));
        }
        if self.max_agents == 0 {
            return Err(Error::Other("--max-agents must be at least 1".into()));
        }
        if self.replications.is_some_and(|r| r < 2) {
            return Err(Error::Other(
                "a staffing search needs at least 2 replications per evaluation for its confidence intervals".into(),
            ));
        }
        for g in &groups {
            if base.groups.iter().any(|x| &x.name == g && x.plan.is_some()) {
                return Err(Error::Other(format!(
                    "group \"{g}\" has a per-interval staffing plan; a search would replace it with one count for the whole run (use --per-interval to staff it interval by interval)"
                )));
            }
        }
        for t in &self.targets {
            let kpi = t.path.rsplit('.').next().unwrap_or("");
            let ratio = matches!(
                kpi,
                "service_level"
                    | "service_level_answered"
                    | "abandon_rate"
                    | "occupancy"
                    | "utilization"
            );
            if ratio && !(0.0..=1.0).contains(&t.value) {
                return Err(Error::Other(format!(
                    "--target {t}: {kpi} is a fraction between 0 and 1 (write 0.8 or 80%)"
                )));
            }
        }
        if !(0.5..1.0).contains(&self.confidence) {
            return Err(Error::Other(format!(
                "--confidence must be between 0.5 and 1 (e.g. 0.95), found {}",
                self.confidence
            )));
        }
        let ids = self
            .targets
            .iter()
            .map(|t| resolve(&t.path, &base))
            .collect::<Result<Vec<_>, _>>()?;
        let mut search = Search {
            spec: self,
            text,
            ids,
            seed: self.seed.unwrap_or(base.sim.seed),
            replications: self.replications.unwrap_or(base.sim.replications).max(2),
            path: Vec::new(),
            done: BTreeMap::new(),
            on_replication,
            groups: groups.clone(),
        };
        let counts: Vec<u32> = groups
            .iter()
            .map(|g| {
                base.groups
                    .iter()
                    .find(|x| &x.name == g)
                    .expect("checked")
                    .count
            })
            .collect();
        let (answer, below, start) = if groups.len() == 1 {
            let (guess, start) = match erlang_guess(&base, &groups[0], &self.targets) {
                Some(n) => (n, "Erlang A"),
                None => (counts[0], "the scenario's count"),
            };
            let (answer, below) = search.one_group(guess.clamp(1, self.max_agents))?;
            (answer, below, start)
        } else {
            (
                search.cheapest(counts)?,
                Below::None,
                "the scenario's counts",
            )
        };
        let summary = search.summary(&answer)?;
        let at = search.done[&answer];
        Ok(Staffing {
            groups,
            answer: search.path[at].clone(),
            summary,
            path: search.path,
            below,
            start,
        })
    }
}

impl Search<'_> {
    /// The scenario with a head-count combination.
    fn scenario(&self, agents: &[u32]) -> Result<Scenario, Error> {
        let mut overrides = self.spec.base.clone();
        for (g, n) in self.groups.iter().zip(agents) {
            let key = format!("agents.\"{g}\".count");
            overrides.push(Override::new(&key, &n.to_string()).map_err(Error::Other)?);
        }
        let s = load_str_overridden(&self.spec.file, &self.text, &self.spec.options, &overrides)
            .map_err(|e| Error::Scenario {
                point: Some(format!(
                    "with {}",
                    self.groups
                        .iter()
                        .zip(agents)
                        .map(|(g, n)| format!("{n} agents in {g}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                problems: e,
            })?
            .scenario;
        Ok(s)
    }

    /// The run at a head-count combination, summarised.
    fn summary(&self, agents: &[u32]) -> Result<Summary, Error> {
        let s = self.scenario(agents)?;
        let results = run_design(&s, self.seed, self.replications, self.on_replication)
            .map_err(Error::Other)?;
        Ok(summarize(&s, self.seed, &results))
    }

    /// Simulates a head-count combination once; returns its place in the path.
    fn evaluate(&mut self, agents: &[u32]) -> Result<usize, Error> {
        if let Some(&i) = self.done.get(agents) {
            return Ok(i);
        }
        let s = self.scenario(agents)?;
        let results = run_design(&s, self.seed, self.replications, self.on_replication)
            .map_err(Error::Other)?;
        let cost = s.costs.as_ref().map(|c| {
            let total: Vec<f64> = results
                .iter()
                .map(|r| crate::cost::units(crate::cost::bill(&s, c, r).total()))
                .collect();
            total.iter().sum::<f64>() / total.len() as f64
        });
        let flat: Vec<Vec<(KpiId, f64)>> = results.iter().map(|r| flatten(&s, r)).collect();
        let level = self.spec.confidence;
        let kpis: Vec<Estimate> = self
            .ids
            .iter()
            .map(|id| {
                let e = Estimate::from_values(flat.iter().map(|r| {
                    r.iter()
                        .find(|(k, _)| k == id)
                        .map_or(f64::NAN, |(_, v)| *v)
                }));
                Estimate {
                    ci95: e.half_width(level),
                    ..e
                }
            })
            .collect();
        let bound = |e: &Estimate, t: &Requirement, worse: bool| -> Option<bool> {
            // One defined value says nothing about the spread: no verdict.
            let (m, h) = (e.mean?, e.ci95?);
            Some(match (t.op, worse) {
                (Op::AtLeast, true) => m - h >= t.value,
                (Op::AtMost, true) => m + h <= t.value,
                (Op::AtLeast, false) => m + h >= t.value,
                (Op::AtMost, false) => m - h <= t.value,
            })
        };
        let meets = kpis
            .iter()
            .zip(&self.spec.targets)
            .all(|(e, t)| bound(e, t, true) == Some(true));
        let clearly_fails = kpis
            .iter()
            .zip(&self.spec.targets)
            .any(|(e, t)| bound(e, t, false) != Some(true));
        self.path.push(Evaluation {
            agents: agents.to_vec(),
            kpis,
            meets,
            clearly_fails,
            cost,
        });
        self.done.insert(agents.to_vec(), self.path.len() - 1);
        Ok(self.path.len() - 1)
    }

    fn meets(&mut self, n: u32) -> Result<bool, Error> {
        let i = self.evaluate(&[n])?;
        Ok(self.path[i].meets)
    }

    /// The fewest agents of one group meeting the targets: from `guess`,
    /// steps of 1, 2, 4, … to bracket the answer, then bisection.
    fn one_group(&mut self, guess: u32) -> Result<(Vec<u32>, Below), Error> {
        let max = self.spec.max_agents;
        let (mut lo, mut hi); // lo fails (or is -1 as 0 - 1), hi meets
        if self.meets(guess)? {
            hi = guess;
            let mut step = 1;
            loop {
                if hi == 0 {
                    lo = None;
                    break;
                }
                let n = hi.saturating_sub(step);
                if self.meets(n)? {
                    hi = n;
                    step *= 2;
                } else {
                    lo = Some(n);
                    break;
                }
            }
        } else {
            lo = Some(guess);
            let mut step = 1;
            loop {
                let n = (lo.expect("set") + step).min(max);
                if self.meets(n)? {
                    hi = n;
                    break;
                }
                if n == max {
                    return Err(Error::Other(format!(
                        "the targets are not met even with {max} agents (raise --max-agents, or check the targets)"
                    )));
                }
                lo = Some(n);
                step *= 2;
            }
        }
        while let Some(l) = lo
            && hi - l > 1
        {
            let mid = l + (hi - l) / 2;
            if self.meets(mid)? {
                hi = mid;
            } else {
                lo = Some(mid);
            }
        }
        let below = match lo {
            None => Below::None,
            Some(l) => {
                let i = self.done[&vec![l]];
                if self.path[i].clearly_fails {
                    Below::Fails
                } else {
                    Below::WithinNoise
                }
            }
        };
        Ok((vec![hi], below))
    }

    /// Greedy descent on the bill from a feasible combination.
    fn cheapest(&mut self, mut agents: Vec<u32>) -> Result<Vec<u32>, Error> {
        let max = self.spec.max_agents;
        // Scale up (10% and at least one agent each) until the targets hold.
        loop {
            let i = self.evaluate(&agents)?;
            if self.path[i].meets {
                break;
            }
            if agents.iter().all(|&n| n >= max) {
                return Err(Error::Other(format!(
                    "the targets are not met even with {max} agents in every group"
                )));
            }
            for n in &mut agents {
                *n = (*n + (*n / 10).max(1)).min(max);
            }
        }
        loop {
            let mut best: Option<(f64, Vec<u32>)> = None;
            for g in 0..agents.len() {
                if agents[g] == 0 {
                    continue;
                }
                let mut fewer = agents.clone();
                fewer[g] -= 1;
                let i = self.evaluate(&fewer)?;
                let e = &self.path[i];
                if e.meets {
                    let cost = e.cost.unwrap_or(f64::INFINITY);
                    if best.as_ref().is_none_or(|(c, _)| cost < *c) {
                        best = Some((cost, fewer));
                    }
                }
            }
            match best {
                Some((_, fewer)) => agents = fewer,
                None => return Ok(agents),
            }
        }
    }
}

/// Erlang A's fewest agents for the group, when the scenario is one group
/// taking every source on one channel one at a time and the targets are a
/// service level (with the scenario's threshold) or abandonment: a start
/// close to the answer, never the answer itself.
fn erlang_guess(s: &Scenario, group: &str, targets: &[Requirement]) -> Option<u32> {
    if s.groups.len() != 1 || s.channels.len() != 1 {
        return None;
    }
    let g = s.groups.iter().find(|g| g.name == group)?;
    if g.capacity.first().copied() != Some(1) {
        return None;
    }
    let horizon = s.sim.horizon_s;
    let arrivals: f64 = s
        .sources
        .iter()
        .map(|src| src.expected_arrivals(horizon))
        .sum();
    let (aht_s, patience_s) = super::isa::work_and_patience(s).ok()?;
    let model = crate::erlang::Model {
        rate_per_s: arrivals / horizon,
        aht_s,
        agents: 1,
        patience_s,
    };
    let threshold = s.sim.service_level_threshold_s;
    let first = (model.load().ceil() as u32).max(1);
    let ok = |m: &crate::erlang::Measures| {
        targets.iter().all(|t| {
            let v = match t.path.as_str() {
                "service_level" => m.service_level,
                "abandon_rate" => m.abandon_rate,
                "asa_s" => m.asa_s,
                _ => return true,
            };
            match t.op {
                Op::AtLeast => v >= t.value,
                Op::AtMost => v <= t.value,
            }
        })
    };
    // Erlang A meets any reachable target well within a few times the
    // load; beyond that the target is out of reach (no start from Erlang A).
    let last = first.saturating_mul(4).saturating_add(100);
    (first..=last).find(|&n| {
        crate::erlang::Model { agents: n, ..model }
            .measures(threshold)
            .ok()
            .as_ref()
            .is_some_and(ok)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_read_both_directions_and_units() {
        let r: Requirement = "service_level>=0.8".parse().unwrap();
        assert_eq!((r.op, r.value), (Op::AtLeast, 0.8));
        let r: Requirement = "asa_s<=20s".parse().unwrap();
        assert_eq!((r.op, r.value), (Op::AtMost, 20.0));
        let r: Requirement = "queues.q.abandon_rate<=5%".parse().unwrap();
        assert!((r.value - 0.05).abs() < 1e-15);
        assert!(
            "service_level>0.8"
                .parse::<Requirement>()
                .unwrap_err()
                .contains(">=")
        );
    }
}
