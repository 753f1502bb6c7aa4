//! `ccsim staff --per-interval`: agents per interval of a time-varying day
//! for a time-stable service level, by the simulation-based iterative
//! staffing algorithm (ISA) of Feldman, Mandelbaum, Massey and Whitt,
//! "Staffing of time-varying queues to achieve time-stable performance",
//! Management Science 54(2), 2008; beside SIPP, each interval staffed by
//! Erlang A on its own average rate (docs/experiments.md, "Per-interval
//! staffing").
//!
//! ISA: start with so many agents that nobody waits; simulate; read, per
//! interval, the distribution of the number of contacts in the system that
//! arrivals find; staff each interval with the fewest agents s for which an
//! arrival finding that distribution would wait longer than the threshold τ
//! with probability at most 1 − target; simulate with that plan; repeat
//! until the plan stops changing. The paper's rule targets the delay
//! probability, P(L ≥ s) ≤ α; for a service level the rule here asks that
//! an arrival finding L = s + j contacts (j waiting ahead of it, s agents
//! busy) sees fewer than j + 1 service completions within τ, completions
//! arriving at rate s/E\[S\] (a Poisson count; abandonment of those ahead,
//! which would only help, is ignored). Because the simulation carries the
//! lag between arrivals and load, the plan follows the load, not the rate.

use super::Error;
use super::runner::run_design;
use super::staff::{Op, Requirement};
use crate::engine::probe::SystemSizes;
use crate::metrics::{IntervalKpi, ReplicationResult};
use crate::routing::Plan;
use crate::scenario::{LoadOptions, Override, Scenario, load_str_overridden};
use crate::stats::Estimate;
use rayon::prelude::*;
use std::path::PathBuf;

/// What to staff.
///
/// ```no_run
/// use ccsim::experiment::IntervalSearch;
/// use ccsim::scenario::LoadOptions;
///
/// let plan = IntervalSearch {
///     file: "scenarios/sinusoidal-day.toml".into(),
///     base: vec![],
///     target: "service_level>=0.8".parse()?,
///     group: None,
///     seed: None,
///     replications: None,
///     options: LoadOptions::default(),
///     max_iterations: 20,
/// }
/// .run(&|_| {})?;
/// println!("ISA {:?}\nSIPP {:?}", plan.isa, plan.sipp);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct IntervalSearch {
    /// The scenario file.
    pub file: PathBuf,
    /// Overrides applied first.
    pub base: Vec<Override>,
    /// `service_level>=x`, the only target per-interval staffing takes.
    pub target: Requirement,
    /// The group to staff (default: the scenario's only group).
    pub group: Option<String>,
    /// Seed (default: the scenario's).
    pub seed: Option<u64>,
    /// Replications per iteration and evaluation (default: the scenario's).
    pub replications: Option<u32>,
    /// Load limits.
    pub options: LoadOptions,
    /// ISA stops after this many iterations if the plan still changes.
    pub max_iterations: u32,
}

/// Per-interval plans and how they do.
#[derive(Debug, Clone)]
pub struct IntervalStaffing {
    /// The staffed group.
    pub group: String,
    /// Interval width, seconds; entry i starts at i × width from time 0.
    pub interval_s: f64,
    /// The warm-up (intervals before it are staffed but not reported).
    pub warmup_s: f64,
    /// ISA's agents per interval.
    pub isa: Vec<u32>,
    /// SIPP's agents per interval.
    pub sipp: Vec<u32>,
    /// ISA iterations run, and whether the plan stopped changing.
    pub iterations: u32,
    /// The last iteration left the plan unchanged.
    pub converged: bool,
    /// Per interval: the service level under ISA's plan (`None` in the warm-up).
    pub isa_sl: Vec<Option<Estimate>>,
    /// Per interval: the service level under SIPP's plan.
    pub sipp_sl: Vec<Option<Estimate>>,
    /// Per interval: the average arrival rate, per second.
    pub rate: Vec<f64>,
    /// The service level target.
    pub target: f64,
    /// Replications per iteration, seed.
    pub replications: u32,
    /// Base seed.
    pub seed: u64,
}

impl IntervalStaffing {
    /// Share of reported intervals whose service level (mean) lies in `[lo, hi]`.
    pub fn share_within(sl: &[Option<Estimate>], lo: f64, hi: f64) -> f64 {
        let means: Vec<f64> = sl.iter().flatten().filter_map(|e| e.mean).collect();
        means.iter().filter(|m| (lo..=hi).contains(*m)).count() as f64 / means.len().max(1) as f64
    }

    /// The charts of `staff --per-interval --charts`: agents per interval
    /// under each plan (steps; the scenario's own plan for the group too,
    /// when it has one), and the service level each reaches per
    /// interval with its 95% CI band and the target line. `scenario` gives
    /// the titles' name and the service-level threshold.
    pub fn charts(
        &self,
        scenario: &crate::scenario::Scenario,
    ) -> Vec<crate::report::charts::Chart> {
        let threshold = scenario.sim.service_level_threshold_s;
        // The group's own per-interval plan (a staffing CSV or `count = [..]`).
        let scheduled = scenario
            .groups
            .iter()
            .find(|g| g.name == self.group)
            .and_then(|g| g.plan.as_ref());
        let scenario = &scenario.name;
        use crate::report::charts::{Chart, LineChart, Series, XAxis, fmt_num};
        let w = self.interval_s;
        let mid = |i: usize| (i as f64 + 0.5) * w;
        let end = self.isa.len() as f64 * w;
        let title = |what: &str| {
            format!(
                "{what} — {scenario}, seed {}, {} replications",
                self.seed, self.replications
            )
        };
        let plan = |label: &str, agents: &[u32]| Series {
            label: label.into(),
            points: agents
                .iter()
                .enumerate()
                .map(|(i, &n)| (mid(i), Some(f64::from(n)), None))
                .collect(),
            band: false,
            labels: Vec::new(),
        };
        let sl = |label: &str, sl: &[Option<Estimate>]| Series {
            label: label.into(),
            points: sl
                .iter()
                .enumerate()
                .map(|(i, e)| (mid(i), e.and_then(|e| e.mean), e.and_then(|e| e.ci95)))
                .collect(),
            band: true,
            labels: Vec::new(),
        };
        let x_label = "Time of day (HH:MM; dN = day N)".to_string();
        let mut plans = vec![plan("ISA", &self.isa), plan("SIPP", &self.sipp)];
        if let Some(p) = scheduled {
            let counts: Vec<u32> = (0..self.isa.len())
                .map(|i| p.count_at(i as f64 * w))
                .collect();
            plans.push(plan("scenario's plan", &counts));
        }
        vec![
            Chart::Line(LineChart {
                stem: "staffing".into(),
                title: title(if scheduled.is_some() {
                    "Agents per interval: ISA, SIPP and the scenario's plan"
                } else {
                    "Agents per interval, ISA and SIPP"
                }),
                x_label: x_label.clone(),
                y_label: format!(
                    "Agents in {} per {} min interval",
                    self.group,
                    fmt_num(w / 60.0)
                ),
                x: XAxis::Clock,
                x_range: Some((0.0, end)),
                scale: 1.0,
                y_max: None,
                step: Some(w),
                reference: None,
                x_mark: None,
                series: plans,
            }),
            Chart::Line(LineChart {
                stem: "staffing-service-level".into(),
                title: title("Service level per interval under each plan (mean, 95% CI band)"),
                x_label,
                y_label: format!("Service level (% answered within {} s)", fmt_num(threshold)),
                x: XAxis::Clock,
                x_range: Some((0.0, end)),
                scale: 100.0,
                y_max: Some(100.0),
                step: None,
                reference: Some((
                    self.target,
                    format!("target {}%", fmt_num(self.target * 100.0)),
                )),
                x_mark: None,
                series: vec![sl("ISA", &self.isa_sl), sl("SIPP", &self.sipp_sl)],
            }),
        ]
    }
}

impl IntervalSearch {
    /// Runs SIPP and ISA, then evaluates both plans on the same seeds.
    ///
    /// # Errors
    /// A scenario that does not load or does not fit (one channel with
    /// capacity 1 for the group), or a target other than a service level.
    pub fn run(&self, on_replication: &(dyn Fn(u64) + Sync)) -> Result<IntervalStaffing, Error> {
        if self.target.path != "service_level" || self.target.op != Op::AtLeast {
            return Err(Error::Other(format!(
                "--per-interval staffs for the overall service level: give --target 'service_level>=0.8', not {}",
                self.target
            )));
        }
        let target = self.target.value;
        if !(0.0..1.0).contains(&target) {
            return Err(Error::Other(format!(
                "--per-interval: a service-level target is a fraction below 1 (e.g. 0.8), found {target}"
            )));
        }
        if self.replications.is_some_and(|r| r < 2) {
            return Err(Error::Other(
                "--per-interval needs at least 2 replications per iteration".into(),
            ));
        }
        let text = crate::scenario::input::read_text(
            &self.file,
            crate::scenario::input::SCENARIO_MAX_BYTES,
        )
        .map_err(|e| Error::Other(format!("cannot read the scenario: {e}")))?;
        let load = |sets: &[Override]| {
            load_str_overridden(&self.file, &text, &self.options, sets)
                .map(|l| l.scenario)
                .map_err(|e| Error::Scenario {
                    point: None,
                    problems: e,
                })
        };
        let base = load(&self.base)?;
        let group = match (&self.group, base.groups.as_slice()) {
            (Some(g), _) => g.clone(),
            (None, [one]) => one.name.clone(),
            (None, _) => {
                return Err(Error::Other(
                    "name the group to staff with --group (the scenario has several)".into(),
                ));
            }
        };
        let g = base
            .groups
            .iter()
            .find(|x| x.name == group)
            .ok_or_else(|| Error::Other(format!("--group: no agent group \"{group}\"")))?;
        let (mean_work, patience) = work_and_patience(&base)?;
        if g.capacity.iter().any(|&c| c > 1) {
            return Err(Error::Other(format!(
                "--per-interval staffs agents who take one contact at a time; group \"{group}\" has a capacity above 1"
            )));
        }
        let sim = &base.sim;
        let warm = sim.warmup_s / sim.interval_s;
        if (warm - warm.round()).abs() > 1e-9 {
            return Err(Error::Other(
                "--per-interval needs a warm-up that is a whole number of intervals".into(),
            ));
        }
        let n = sim.plan_interval_count();
        let seed = self.seed.unwrap_or(sim.seed);
        let reps = self.replications.unwrap_or(sim.replications).max(2);
        let threshold = sim.service_level_threshold_s;
        let rate: Vec<f64> = (0..n)
            .map(|i| {
                let (a, b) = (
                    i as f64 * sim.interval_s,
                    ((i + 1) as f64 * sim.interval_s).min(sim.horizon_s),
                );
                base.sources
                    .iter()
                    .map(|s| s.expected_arrivals(b) - s.expected_arrivals(a))
                    .sum::<f64>()
                    / (b - a)
            })
            .collect();
        let sipp: Vec<u32> = rate
            .iter()
            .map(|&l| {
                if l <= 0.0 {
                    return 0;
                }
                crate::erlang::Model {
                    rate_per_s: l,
                    aht_s: mean_work,
                    agents: 1,
                    patience_s: patience,
                }
                .min_agents(threshold, target)
                .unwrap_or(100_000)
            })
            .collect();
        let with_plan = |plan: &[u32]| -> Result<Scenario, Error> {
            let list: Vec<String> = plan.iter().map(u32::to_string).collect();
            let mut sets = self.base.clone();
            sets.push(
                Override::new(
                    &format!("agents.\"{group}\".count"),
                    &format!("[{}]", list.join(",")),
                )
                .map_err(Error::Other)?,
            );
            load(&sets)
        };
        // Start where nobody waits: the busiest interval's load, doubled, plus 10.
        let peak = rate.iter().copied().fold(0.0, f64::max) * mean_work;
        let mut plan = vec![(2.0 * peak).ceil() as u32 + 10; n];
        let (mut iterations, mut converged) = (0, false);
        let mut seen: Vec<Vec<u32>> = Vec::new();
        while iterations < self.max_iterations {
            iterations += 1;
            let s = with_plan(&plan)?;
            let sizes = probe_sizes(&s, seed, reps, on_replication);
            let next: Vec<u32> = sizes
                .counts
                .iter()
                .map(|h| isa_agents(h, mean_work, threshold, target))
                .collect();
            if next == plan {
                converged = true;
                break;
            }
            if seen.contains(&next) {
                // A cycle: keep the larger of the two plans, interval by interval.
                plan = plan.iter().zip(&next).map(|(a, b)| *a.max(b)).collect();
                break;
            }
            seen.push(plan);
            plan = next;
        }
        let evaluate = |p: &[u32]| -> Result<Vec<Option<Estimate>>, Error> {
            let s = with_plan(p)?;
            let results = run_design(&s, seed, reps, on_replication).map_err(Error::Other)?;
            Ok(interval_sl(&s, &results, n))
        };
        let isa_sl = evaluate(&plan)?;
        let sipp_sl = evaluate(&sipp)?;
        Ok(IntervalStaffing {
            group,
            interval_s: sim.interval_s,
            warmup_s: sim.warmup_s,
            isa: plan,
            sipp,
            iterations,
            converged,
            isa_sl,
            sipp_sl,
            rate,
            target,
            replications: reps,
            seed,
        })
    }
}

/// Mean talk plus wrap-up and mean patience over the arrivals (weighted by
/// expected volume): what Erlang A needs besides the rate.
pub(super) fn work_and_patience(s: &Scenario) -> Result<(f64, Option<f64>), Error> {
    let (mut n, mut work, mut patience) = (0.0, 0.0, 0.0);
    for src in &s.sources {
        let a = src.expected_arrivals(s.sim.horizon_s);
        let ch = src.channel.map(|c| &s.channels[c.idx()]).ok_or_else(|| {
            Error::Other(format!(
                "--per-interval needs every source on one channel; \"{}\" is a trace of several",
                src.name
            ))
        })?;
        let handle = src
            .handle_time
            .as_ref()
            .or(ch.handle_time.as_ref())
            .map_or(0.0, |d| d.mean());
        let wrap = src
            .wrapup
            .as_ref()
            .or(ch.wrapup.as_ref())
            .map_or(0.0, |d| d.mean());
        n += a;
        work += a * (handle + wrap);
        patience += a * src.patience.as_ref().map_or(f64::INFINITY, |d| d.mean());
    }
    if n <= 0.0 || work <= 0.0 {
        return Err(Error::Other(
            "--per-interval needs arrivals with a handle time".into(),
        ));
    }
    Ok((work / n, Some(patience / n).filter(|p| p.is_finite())))
}

/// ISA's agents for one interval: the fewest s for which an arrival finding
/// the histogram's numbers in system waits beyond τ with probability at
/// most 1 − target.
fn isa_agents(h: &[u64], mean_work: f64, tau: f64, target: f64) -> u32 {
    let total: u64 = h.iter().sum();
    if total == 0 {
        return 0;
    }
    let late = |s: usize| -> f64 {
        let m = s as f64 * tau / mean_work; // completions expected within τ
        let mut p = 0.0;
        for (j, &c) in h.iter().enumerate().skip(s) {
            if c > 0 {
                p += c as f64 * poisson_cdf(j - s, m);
            }
        }
        p / total as f64
    };
    (0..=h.len())
        .find(|&s| late(s) <= 1.0 - target)
        .unwrap_or(h.len()) as u32
}

/// P(N ≤ k) for N Poisson with mean m.
fn poisson_cdf(k: usize, m: f64) -> f64 {
    if m <= 0.0 {
        return 1.0;
    }
    let mut term = (-m).exp();
    let mut sum = term;
    for i in 1..=k {
        term *= m / i as f64;
        sum += term;
        if term < 1e-300 && i as f64 > m {
            break;
        }
    }
    sum.min(1.0)
}

/// Numbers in system per interval over `reps` replications (in parallel).
fn probe_sizes(
    s: &Scenario,
    seed: u64,
    reps: u32,
    on_replication: &(dyn Fn(u64) + Sync),
) -> SystemSizes {
    let plan = Plan::build(s);
    let n = s.sim.plan_interval_count();
    let all: Vec<SystemSizes> = (0..reps)
        .into_par_iter()
        .map(|r| {
            let (res, sizes) = crate::engine::run_probed(s, &plan, seed, r, s.sim.interval_s, n);
            on_replication(res.contacts);
            sizes
        })
        .collect();
    let mut total = SystemSizes::new(s.sim.interval_s, n);
    for x in &all {
        total.add(x);
    }
    total
}

/// Per plan interval: the service level over the replications (`None` for
/// intervals in the warm-up, which are not reported).
fn interval_sl(s: &Scenario, results: &[ReplicationResult], n: usize) -> Vec<Option<Estimate>> {
    let skip = (s.sim.warmup_s / s.sim.interval_s).round() as usize;
    (0..n)
        .map(|i| {
            let k = i.checked_sub(skip)?;
            (k < s.sim.interval_count()).then(|| {
                Estimate::from_values(
                    results
                        .iter()
                        .map(|r| r.intervals[k][IntervalKpi::ServiceLevel]),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_cdf_matches_a_table() {
        assert!((poisson_cdf(0, 2.0) - (-2.0f64).exp()).abs() < 1e-15);
        assert!((poisson_cdf(2, 2.0) - 5.0 * (-2.0f64).exp()).abs() < 1e-15);
        assert!((poisson_cdf(50, 3.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn isa_staffs_above_the_numbers_in_system_that_matter() {
        // Every arrival finds exactly 10 in the system. With 10 agents it
        // waits for one of 10 calls of 600 s to end: within 20 s with
        // probability 1 − e^(−1/3) = 0.28 only, so 11 agents are needed.
        let mut h = vec![0u64; 11];
        h[10] = 100;
        assert_eq!(isa_agents(&h, 600.0, 20.0, 0.8), 11);
        assert_eq!(isa_agents(&[], 600.0, 20.0, 0.8), 0);
        // Within τ = 1200 s, s agents complete 2s calls on average; with 5
        // the arrival is 6th in line: P(N ≤ 5 | mean 10) = 0.067 ≤ 0.2,
        // while 4 agents leave it 7th: P(N ≤ 6 | mean 8) = 0.31.
        assert_eq!(isa_agents(&h, 600.0, 1200.0, 0.8), 5);
    }
}
