//! `--precision KPI=HALF_WIDTH`: replications added in batches until every
//! named KPI's 95% CI half-width is at most its target (docs/experiments.md,
//! "Precision instead of a replication count").
//!
//! The batch plan depends only on the results, which depend only on the
//! scenario and seed: the replications used, and so every output, are the
//! same whatever the number of threads or the machine's load.

use super::Error;
use super::compare::{KpiId, Scope, flatten};
use super::runner::{PointRun, run_points};
use crate::metrics::{
    BlockKpi, ConversationKpi, FaultKpi, GroupKpi, Kpi, ReplicationResult, SelfServiceKpi,
};
use crate::scenario::Scenario;
use crate::scenario::units::parse_duration;
use crate::stats::Estimate;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;

/// One `KPI=HALF_WIDTH` target, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The KPI path: `service_level` (overall), `queues.billing.asa_s`,
    /// `groups.support.occupancy`, `cost.total`.
    pub path: String,
    /// The largest acceptable 95% CI half-width, in the KPI's unit
    /// (fractions for ratios, seconds for `_s` KPIs).
    pub half_width: f64,
}

impl FromStr for Target {
    type Err = String;

    fn from_str(text: &str) -> Result<Target, String> {
        let (path, value) = text.split_once('=').ok_or_else(|| {
            format!("\"{text}\": expected KPI=HALF_WIDTH such as service_level=0.005 or asa_s=1s")
        })?;
        let v = value.trim();
        let half_width = if let Some(pct) = v.strip_suffix('%') {
            pct.trim().parse::<f64>().map(|x| x / 100.0).ok()
        } else {
            v.parse::<f64>().ok().or_else(|| parse_duration(v).ok())
        }
        .filter(|x| x.is_finite() && *x > 0.0)
        .ok_or_else(|| {
            format!(
                "\"{text}\": the half-width must be a positive number (0.005, 0.5%) or a duration (1s)"
            )
        })?;
        Ok(Target {
            path: path.trim().to_string(),
            half_width,
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.path, self.half_width)
    }
}

/// Precision targets and the most replications to spend on them.
#[derive(Debug, Clone, PartialEq)]
pub struct Precision {
    /// Every target must be met.
    pub targets: Vec<Target>,
    /// Stop here even if a target is not met (and say so).
    pub max_replications: u32,
}

/// Default cap on replications when running to a precision.
pub const DEFAULT_MAX_REPLICATIONS: u32 = 1000;

impl Precision {
    /// The KPIs the targets name in scenario `s`.
    ///
    /// # Errors
    /// A path naming no KPI of `s`, with what it could be.
    pub fn resolve(&self, s: &Scenario) -> Result<Vec<KpiId>, Error> {
        self.targets.iter().map(|t| resolve(&t.path, s)).collect()
    }
}

/// A KPI path of `s` as a [`KpiId`].
///
/// # Errors
/// An unknown scope, part or KPI.
pub fn resolve(path: &str, s: &Scenario) -> Result<KpiId, Error> {
    resolve_kpi(path, s).map_err(|m| Error::Other(format!("--precision {path}: {m}")))
}

/// A KPI path of `s` as a [`KpiId`]; the error says what is unknown and
/// what was expected, with the nearest spelling.
///
/// # Errors
/// An unknown scope, part or KPI.
pub fn resolve_kpi(path: &str, s: &Scenario) -> Result<KpiId, String> {
    let segs: Vec<&str> = path.split('.').collect();
    let segment_kpis: Vec<&'static str> = Kpi::ALL
        .iter()
        .filter(|k| k.shown_for(s))
        .map(|k| k.name())
        .collect();
    let group_kpis: Vec<&'static str> = GroupKpi::ALL.iter().map(|k| k.name()).collect();
    let kpi_of = |name: &str, known: &[&'static str]| -> Result<&'static str, String> {
        known
            .iter()
            .copied()
            .find(|k| *k == name)
            .ok_or_else(|| crate::scenario::diag::unknown_name("KPI", name, known))
    };
    let part = |name: &str, known: Vec<&str>, what: &str| -> Result<String, String> {
        if known.contains(&name) {
            Ok(name.to_string())
        } else {
            Err(crate::scenario::diag::unknown_name(what, name, &known))
        }
    };
    let (scope, name, kpi) = match segs.as_slice() {
        [k] | ["overall", k] => (
            Scope::Overall,
            "overall".to_string(),
            kpi_of(k, &segment_kpis)?,
        ),
        ["cost", k] if s.costs.is_some() => (
            Scope::Cost,
            "bill".to_string(),
            kpi_of(k, &["total", "monthly_projection"])?,
        ),
        ["cost", _] => return Err("the scenario has no [costs]".into()),
        ["faults", k] if s.faults.is_some() => {
            let known: Vec<&'static str> = FaultKpi::ALL.iter().map(|k| k.name()).collect();
            (Scope::Faults, "faults".to_string(), kpi_of(k, &known)?)
        }
        ["faults", _] => return Err("the scenario has no [faults]".into()),
        ["blocking", k] if crate::scenario::has_blocking(s) => {
            let known: Vec<&'static str> = BlockKpi::ALL.iter().map(|k| k.name()).collect();
            (Scope::Blocking, "blocking".to_string(), kpi_of(k, &known)?)
        }
        ["blocking", _] => {
            return Err(
                "the scenario has no line limit (`lines`) or queue capacity (`max_waiting`)".into(),
            );
        }
        ["self_service", k] if s.sources.iter().any(|x| x.self_service.is_some()) => {
            let known: Vec<&'static str> = SelfServiceKpi::ALL.iter().map(|k| k.name()).collect();
            (
                Scope::SelfService,
                "self_service".to_string(),
                kpi_of(k, &known)?,
            )
        }
        ["self_service", _] => {
            return Err("no source of the scenario has `self_service`".into());
        }
        ["conversations", name, k] => {
            let known: Vec<&'static str> = ConversationKpi::ALL.iter().map(|k| k.name()).collect();
            let channels: Vec<&str> = s
                .channels
                .iter()
                .filter(|c| c.conversation.is_some())
                .map(|c| c.name.as_str())
                .collect();
            if channels.is_empty() {
                return Err("no channel of the scenario has a `conversation`".into());
            }
            (
                Scope::Conversation,
                part(name, channels, "channel with conversations")?,
                kpi_of(k, &known)?,
            )
        }
        [scope, name, k] => match *scope {
            "queues" => (
                Scope::Queue,
                part(
                    name,
                    s.queues.iter().map(|q| q.name.as_str()).collect(),
                    "queue",
                )?,
                kpi_of(k, &segment_kpis)?,
            ),
            "channels" => (
                Scope::Channel,
                part(
                    name,
                    s.channels.iter().map(|c| c.name.as_str()).collect(),
                    "channel",
                )?,
                kpi_of(k, &segment_kpis)?,
            ),
            "sources" => (
                Scope::Source,
                part(
                    name,
                    s.sources.iter().map(|c| c.name.as_str()).collect(),
                    "source",
                )?,
                kpi_of(k, &segment_kpis)?,
            ),
            "groups" => (
                Scope::Group,
                part(
                    name,
                    s.groups.iter().map(|g| g.name.as_str()).collect(),
                    "group",
                )?,
                kpi_of(k, &group_kpis)?,
            ),
            other => {
                return Err(crate::scenario::diag::unknown_name(
                    "scope",
                    other,
                    &[
                        "overall",
                        "queues",
                        "channels",
                        "sources",
                        "groups",
                        "cost",
                        "faults",
                        "blocking",
                        "self_service",
                        "conversations",
                    ],
                ));
            }
        },
        _ => {
            return Err(
                "expected KPI, overall.KPI, queues|channels|sources|groups|conversations.NAME.KPI, cost.total, or faults|blocking|self_service.KPI"
                    .into(),
            );
        }
    };
    Ok(KpiId { scope, name, kpi })
}

/// How close a run came to each target.
#[derive(Debug, Clone)]
pub struct Reached {
    /// Per target, in order: the half-width reached (`None`: undefined).
    pub half_widths: Vec<Option<f64>>,
    /// Every target met.
    pub met: bool,
    /// Replications used.
    pub replications: u32,
}

impl Reached {
    /// A line per unmet target, for a warning.
    pub fn shortfalls(&self, p: &Precision) -> Vec<String> {
        p.targets
            .iter()
            .zip(&self.half_widths)
            .filter(|(t, hw)| hw.is_none_or(|h| h > t.half_width))
            .map(|(t, hw)| {
                format!(
                    "{}: ± {} after {} replications, target ± {}",
                    t.path,
                    hw.map_or("undefined".into(), |h| format!("{h:.6}")),
                    self.replications,
                    t.half_width
                )
            })
            .collect()
    }
}

/// The half-widths of `ids` over per-replication values.
fn half_widths(ids: &[KpiId], values: &dyn Fn(&KpiId) -> Vec<f64>) -> Vec<Option<f64>> {
    ids.iter()
        .map(|id| Estimate::from_values(values(id)).ci95)
        .collect()
}

/// The next number of replications: enough for the worst target by the
/// usual n·(h/target)² rule with 10% to spare, at least one more, at most
/// double, at most the cap.
pub(crate) fn next_count(n: u32, hws: &[Option<f64>], p: &Precision) -> u32 {
    let need = hws
        .iter()
        .zip(&p.targets)
        .map(|(hw, t)| match hw {
            Some(h) => f64::from(n) * (h / t.half_width).powi(2) * 1.1,
            None => 2.0 * f64::from(n),
        })
        .fold(0.0, f64::max)
        .ceil();
    (need as u32)
        .clamp(n + 1, 2 * n.max(1))
        .min(p.max_replications)
}

/// The half-width of each target's KPI, from every design's results.
type HalfWidths<'a> = dyn Fn(&[Vec<ReplicationResult>]) -> Vec<Option<f64>> + 'a;

/// Runs designs (one, or two to compare) in batches until `met` says the
/// targets hold on their results or the cap is reached. `start` is the
/// first batch's size.
fn batches(
    designs: &[&Scenario],
    seed: u64,
    start: u32,
    p: &Precision,
    on_replication: &(dyn Fn(u64) + Sync),
    widths: &HalfWidths<'_>,
) -> Result<(Vec<Vec<ReplicationResult>>, Reached), Error> {
    let mut results: Vec<Vec<ReplicationResult>> = designs.iter().map(|_| Vec::new()).collect();
    let mut n = first_count(start, p);
    loop {
        let have = results[0].len() as u32;
        let run = PointRun {
            seed,
            replications: n - have,
            first: have,
        };
        let batch: Mutex<Vec<Option<Vec<ReplicationResult>>>> =
            Mutex::new(designs.iter().map(|_| None).collect());
        run_points(
            &vec![run; designs.len()],
            &|i| Ok(designs[i].clone()),
            on_replication,
            &|i, _, r| {
                batch.lock().expect("not poisoned")[i] = Some(r);
                Ok(())
            },
        )
        .map_err(Error::Other)?;
        for (all, new) in results
            .iter_mut()
            .zip(batch.into_inner().expect("not poisoned"))
        {
            all.extend(new.expect("every design ran"));
        }
        let hws = widths(&results);
        let met = all_met(&hws, p);
        if met || n >= p.max_replications {
            return Ok((
                results,
                Reached {
                    half_widths: hws,
                    met,
                    replications: n,
                },
            ));
        }
        n = next_count(n, &hws, p);
    }
}

/// The half-widths of the targets' KPIs over one design's results.
pub(crate) fn widths_of(
    s: &Scenario,
    ids: &[KpiId],
    results: &[ReplicationResult],
) -> Vec<Option<f64>> {
    let flat: Vec<Vec<(KpiId, f64)>> = results.iter().map(|x| flatten(s, x)).collect();
    half_widths(ids, &|id| values_of(&flat, id))
}

/// Every target met by these half-widths.
pub(crate) fn all_met(hws: &[Option<f64>], p: &Precision) -> bool {
    hws.iter()
        .zip(&p.targets)
        .all(|(hw, t)| hw.is_some_and(|h| h <= t.half_width))
}

/// The first batch: `start` replications, at least 2, at most the cap.
pub(crate) fn first_count(start: u32, p: &Precision) -> u32 {
    start.clamp(2, p.max_replications.max(2))
}

/// Runs `s` until every target holds (or the cap), starting with `start`
/// replications; returns the results in replication order.
///
/// # Errors
/// A target naming no KPI of `s`.
///
/// ```no_run
/// use ccsim::experiment::Precision;
///
/// let s = ccsim::scenario::load("scenarios/quickstart.toml".as_ref())?.scenario;
/// let p = Precision {
///     targets: vec!["service_level=0.005".parse()?, "asa_s=1s".parse()?],
///     max_replications: 500,
/// };
/// let (results, reached) = ccsim::experiment::precision::run(&s, 7, 10, &p, &|_| {})?;
/// println!("{} replications, targets met: {}", results.len(), reached.met);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run(
    s: &Scenario,
    seed: u64,
    start: u32,
    p: &Precision,
    on_replication: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<ReplicationResult>, Reached), Error> {
    let ids = p.resolve(s)?;
    let (mut results, reached) = batches(&[s], seed, start, p, on_replication, &|r| {
        widths_of(s, &ids, &r[0])
    })?;
    Ok((results.remove(0), reached))
}

/// Runs designs `a` and `b` until every target holds for the paired
/// difference B − A (or the cap).
///
/// # Errors
/// A target naming no KPI of A.
pub fn run_pair(
    a: &Scenario,
    b: &Scenario,
    seed: u64,
    start: u32,
    p: &Precision,
    on_replication: &(dyn Fn(u64) + Sync),
) -> Result<(Vec<ReplicationResult>, Vec<ReplicationResult>, Reached), Error> {
    let ids = p.resolve(a)?;
    let (mut results, reached) = batches(&[a, b], seed, start, p, on_replication, &|r| {
        let fa: Vec<Vec<(KpiId, f64)>> = r[0].iter().map(|x| flatten(a, x)).collect();
        let fb: Vec<Vec<(KpiId, f64)>> = r[1].iter().map(|x| flatten(b, x)).collect();
        half_widths(&ids, &|id| {
            values_of(&fa, id)
                .iter()
                .zip(values_of(&fb, id))
                .map(|(x, y)| y - x)
                .collect()
        })
    })?;
    let rb = results.remove(1);
    Ok((results.remove(0), rb, reached))
}

/// One KPI's value in every replication (NaN where a design lacks it).
fn values_of(flat: &[Vec<(KpiId, f64)>], id: &KpiId) -> Vec<f64> {
    flat.iter()
        .map(|r| {
            r.iter()
                .find(|(k, _)| k == id)
                .map_or(f64::NAN, |(_, v)| *v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_numbers_percentages_and_durations() {
        let t: Target = "service_level=0.5%".parse().unwrap();
        assert!((t.half_width - 0.005).abs() < 1e-15);
        assert_eq!("asa_s=1s".parse::<Target>().unwrap().half_width, 1.0);
        assert_eq!(
            "queues.q.asa_s=2".parse::<Target>().unwrap().path,
            "queues.q.asa_s"
        );
        assert!(
            "asa_s"
                .parse::<Target>()
                .unwrap_err()
                .contains("KPI=HALF_WIDTH")
        );
        assert!(
            "asa_s=-1"
                .parse::<Target>()
                .unwrap_err()
                .contains("positive")
        );
    }

    #[test]
    fn paths_resolve_against_the_scenario() {
        let s = crate::scenario::tiny_scenario();
        assert_eq!(resolve("service_level", &s).unwrap().scope, Scope::Overall);
        assert_eq!(resolve("queues.q.asa_s", &s).unwrap().name, "q");
        assert_eq!(
            resolve("groups.team.occupancy", &s).unwrap().kpi,
            "occupancy"
        );
        let e = resolve("queues.x.asa_s", &s).unwrap_err().to_string();
        assert!(e.contains("unknown queue \"x\""), "{e}");
        let e = resolve("service_levl", &s).unwrap_err().to_string();
        assert!(e.contains("did you mean \"service_level\"?"), "{e}");
        assert!(
            resolve("cost.total", &s)
                .unwrap_err()
                .to_string()
                .contains("no [costs]")
        );
    }

    #[test]
    fn batches_stop_at_the_target_and_at_the_cap() {
        let s = crate::scenario::tiny_scenario();
        let loose = Precision {
            targets: vec!["offered=1000".parse().unwrap()],
            max_replications: 50,
        };
        let (r, reached) = run(&s, 3, 4, &loose, &|_| {}).unwrap();
        assert_eq!((r.len(), reached.replications, reached.met), (4, 4, true));
        let tight = Precision {
            targets: vec!["offered=0.001".parse().unwrap()],
            max_replications: 12,
        };
        let (r, reached) = run(&s, 3, 4, &tight, &|_| {}).unwrap();
        assert_eq!((r.len(), reached.met), (12, false));
        assert_eq!(reached.shortfalls(&tight).len(), 1);
        // The first replications are the ones a plain run has.
        let plain = crate::replications::run_replications(&s, 3, 12, &|_| {});
        assert_eq!(r[11].overall[Kpi::Offered], plain[11].overall[Kpi::Offered]);
    }
}
