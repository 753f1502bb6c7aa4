//! `ccsim compare`: two designs on the same seeds, and for every KPI the
//! paired difference B − A with its 95% CI, beside the CI an unpaired
//! comparison of the same replications would give (docs/experiments.md,
//! "Paired comparison").
//!
//! Replication r of both designs sees the same customers (the arrival,
//! handle-time and patience streams are named and seeded by replication),
//! so the per-replication differences vary far less than either design:
//! that is what common random numbers buy, and the two CIs show how much.

use super::Error;
use super::runner::{PointRun, run_points};
use crate::metrics::{KpiTable, ReplicationResult};
use crate::scenario::Scenario;
use crate::stats::{Estimate, t_quantile};
use crate::summary::{Summary, summarize};
use std::sync::Mutex;

/// Where a KPI lives: the summary's scopes, and the bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// All counted contacts.
    Overall,
    /// One queue.
    Queue,
    /// One channel.
    Channel,
    /// One arrival source.
    Source,
    /// One agent group.
    Group,
    /// The bill (with `[costs]` in both designs).
    Cost,
    /// What injected faults did (with `[faults]` in both designs).
    Faults,
    /// Busy signals (with line limits or queue capacities in both designs).
    Blocking,
    /// The self-service stage (with a source that has one in both designs).
    SelfService,
    /// One channel's text conversations (with a `conversation` in both designs).
    Conversation,
}

impl Scope {
    /// Every scope, in output order.
    pub const ALL: [Scope; 10] = [
        Scope::Overall,
        Scope::Queue,
        Scope::Channel,
        Scope::Source,
        Scope::Group,
        Scope::Cost,
        Scope::Faults,
        Scope::Blocking,
        Scope::SelfService,
        Scope::Conversation,
    ];

    /// The scope's key in the JSON document (`overall`, `queues`, …).
    pub fn json_key(self) -> &'static str {
        match self {
            Scope::Overall => "overall",
            Scope::Queue => "queues",
            Scope::Channel => "channels",
            Scope::Source => "sources",
            Scope::Group => "groups",
            Scope::Cost => "cost",
            Scope::Faults => "faults",
            Scope::Blocking => "blocking",
            Scope::SelfService => "self_service",
            Scope::Conversation => "conversations",
        }
    }

    /// The scope's name in CSV rows and on the terminal.
    pub fn label(self) -> &'static str {
        match self {
            Scope::Overall => "overall",
            Scope::Queue => "queue",
            Scope::Channel => "channel",
            Scope::Source => "source",
            Scope::Group => "group",
            Scope::Cost => "cost",
            Scope::Faults => "faults",
            Scope::Blocking => "blocking",
            Scope::SelfService => "self_service",
            Scope::Conversation => "conversation",
        }
    }

    /// The scope has one part per queue, channel, source or group (its
    /// KPIs are named `scope.NAME.KPI`), not a single table.
    pub fn has_parts(self) -> bool {
        matches!(
            self,
            Scope::Queue | Scope::Channel | Scope::Source | Scope::Group | Scope::Conversation
        )
    }
}

/// A KPI of one part of a run: (scope, part name, KPI name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KpiId {
    /// Overall, a queue, …
    pub scope: Scope,
    /// The queue, channel, source or group name; `overall` or `bill`.
    pub name: String,
    /// The KPI's JSON name.
    pub kpi: &'static str,
}

/// Every KPI of every scope of one replication, in output order.
pub fn flatten(s: &Scenario, r: &ReplicationResult) -> Vec<(KpiId, f64)> {
    let mut out = Vec::new();
    let mut table =
        |scope: Scope, name: &str, values: &mut dyn Iterator<Item = (&'static str, f64)>| {
            for (kpi, v) in values {
                let name = name.to_string();
                out.push((KpiId { scope, name, kpi }, v));
            }
        };
    // Segment KPIs the scenario cannot have (`blocked`) are left out.
    let named = |t: &crate::metrics::Kpis| {
        t.iter()
            .filter(|(k, _)| k.shown_for(s))
            .map(|(k, v)| (k.name(), *v))
            .collect::<Vec<_>>()
    };
    table(
        Scope::Overall,
        "overall",
        &mut named(&r.overall).into_iter(),
    );
    let segments = [
        (
            Scope::Queue,
            s.queues.iter().map(|q| q.name.as_str()).collect::<Vec<_>>(),
            &r.queues,
        ),
        (
            Scope::Channel,
            s.channels.iter().map(|c| c.name.as_str()).collect(),
            &r.channels,
        ),
        (
            Scope::Source,
            s.sources.iter().map(|c| c.name.as_str()).collect(),
            &r.sources,
        ),
    ];
    for (scope, names, tables) in segments {
        for (name, t) in names.iter().zip(tables) {
            table(scope, name, &mut named(t).into_iter());
        }
    }
    for (g, t) in s.groups.iter().zip(&r.groups) {
        table(Scope::Group, &g.name, &mut t.named().map(|(k, v)| (k, *v)));
    }
    if let Some(costs) = &s.costs {
        let bill = crate::cost::bill(s, costs, r);
        let total = crate::cost::units(bill.total());
        let monthly = crate::cost::units(bill.monthly_total());
        table(
            Scope::Cost,
            "bill",
            &mut [("total", total), ("monthly_projection", monthly)].into_iter(),
        );
    }
    if s.faults.is_some() {
        table(
            Scope::Faults,
            "faults",
            &mut r.faults.named().map(|(k, v)| (k, *v)),
        );
    }
    if crate::scenario::has_blocking(s) {
        table(
            Scope::Blocking,
            "blocking",
            &mut r.blocking.named().map(|(k, v)| (k, *v)),
        );
    }
    if s.sources.iter().any(|x| x.self_service.is_some()) {
        table(
            Scope::SelfService,
            "self_service",
            &mut r.self_service.named().map(|(k, v)| (k, *v)),
        );
    }
    for (c, channel) in s.channels.iter().enumerate() {
        if channel.conversation.is_some() {
            table(
                Scope::Conversation,
                &channel.name,
                &mut r.conversations[c].named().map(|(k, v)| (k, *v)),
            );
        }
    }
    out
}

/// One KPI compared: A, B, the paired difference and the unpaired CI.
#[derive(Debug, Clone)]
pub struct Difference {
    /// Which KPI.
    pub id: KpiId,
    /// A's estimate.
    pub a: Estimate,
    /// B's estimate.
    pub b: Estimate,
    /// B − A per replication, summarised: mean and paired 95% CI.
    pub diff: Estimate,
    /// Half-width of the 95% CI of B − A from the two designs' spreads
    /// alone (Welch), as an unpaired comparison would give.
    pub unpaired_ci95: Option<f64>,
}

impl Difference {
    /// The paired CI excludes zero.
    pub fn significant(&self) -> bool {
        match (self.diff.mean, self.diff.ci95) {
            (Some(m), Some(c)) => m.abs() > c,
            _ => false,
        }
    }

    /// How many times narrower the paired CI is than the unpaired one.
    pub fn crn_factor(&self) -> Option<f64> {
        let paired = self.diff.ci95?;
        let unpaired = self.unpaired_ci95?;
        (paired > 0.0).then(|| unpaired / paired)
    }
}

/// Welch's half-width of a 95% CI for the difference of two means.
fn welch_ci95(a: &Estimate, b: &Estimate) -> Option<f64> {
    let (sa, sb) = (a.sd?, b.sd?);
    let (na, nb) = (a.n as f64, b.n as f64);
    let (va, vb) = (sa * sa / na, sb * sb / nb);
    let se2 = va + vb;
    if se2 == 0.0 {
        return Some(0.0);
    }
    let df = se2 * se2 / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
    Some(t_quantile(0.975, df) * se2.sqrt())
}

/// The result of a comparison.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// Design A's summary.
    pub a: Summary,
    /// Design B's summary.
    pub b: Summary,
    /// Every KPI present in both designs, in A's output order.
    pub differences: Vec<Difference>,
}

impl Comparison {
    /// `{"a": <run --json of A>, "b": <of B>, "diff": <scopes, each KPI
    /// {mean, ci95} of B − A>, "unpaired_ci95": <scopes, each KPI a number>}`.
    pub fn to_json(&self) -> String {
        use serde_json::{Map, Value};
        let est = |e: &Estimate| serde_json::json!({ "mean": e.mean, "ci95": e.ci95 });
        let mut diff = Map::new();
        let mut unpaired = Map::new();
        for d in &self.differences {
            let key = d.id.scope.json_key();
            let nested = d.id.scope.has_parts();
            for (out, v) in [
                (&mut diff, est(&d.diff)),
                (&mut unpaired, serde_json::json!(d.unpaired_ci95)),
            ] {
                let scope = out
                    .entry(key)
                    .or_insert_with(|| Value::Object(Map::new()))
                    .as_object_mut()
                    .expect("an object");
                let table = if nested {
                    scope
                        .entry(d.id.name.clone())
                        .or_insert_with(|| Value::Object(Map::new()))
                        .as_object_mut()
                        .expect("an object")
                } else {
                    scope
                };
                table.insert(d.id.kpi.to_string(), v);
            }
        }
        let raw = |s: &Summary| -> Value {
            serde_json::from_str(&crate::report::json::to_line(s)).expect("valid JSON")
        };
        let doc = serde_json::json!({
            "a": raw(&self.a),
            "b": raw(&self.b),
            "diff": diff,
            "unpaired_ci95": unpaired,
        });
        let mut text = serde_json::to_string_pretty(&doc).expect("serializable");
        text.push('\n');
        text
    }

    /// `compare.csv`: one row per KPI with A, B, B − A, both CIs and whether
    /// the paired CI excludes zero.
    pub fn to_csv(&self) -> Vec<u8> {
        let num = |v: Option<f64>| v.map_or_else(String::new, |x| format!("{x}"));
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record([
            "scope",
            "name",
            "kpi",
            "a_mean",
            "a_ci95",
            "b_mean",
            "b_ci95",
            "diff_mean",
            "diff_ci95",
            "unpaired_ci95",
            "significant",
        ])
        .expect("writing to memory");
        for d in &self.differences {
            w.write_record([
                d.id.scope.label(),
                &d.id.name,
                d.id.kpi,
                &num(d.a.mean),
                &num(d.a.ci95),
                &num(d.b.mean),
                &num(d.b.ci95),
                &num(d.diff.mean),
                &num(d.diff.ci95),
                &num(d.unpaired_ci95),
                if d.significant() { "yes" } else { "no" },
            ])
            .expect("writing to memory");
        }
        w.into_inner().expect("writing to memory")
    }
}

/// Runs designs `a` and `b` on the same `seed` for `replications`
/// replications (one pool for both) and compares every KPI they share.
///
/// # Errors
/// Only if a replication run fails to start (it cannot for loaded scenarios).
///
/// ```no_run
/// use ccsim::experiment::{Scope, compare};
/// use ccsim::scenario::{LoadOptions, load_overridden};
///
/// let path = std::path::Path::new("scenarios/quickstart.toml");
/// let design = |count: &str| -> Result<_, Box<dyn std::error::Error>> {
///     let set = vec![format!("agents.support.count={count}").parse()?];
///     Ok(load_overridden(path, &LoadOptions::default(), &set)?.scenario)
/// };
/// let c = compare(&design("26")?, &design("27")?, 7, 20, &|_| {})?;
/// for d in c.differences.iter().filter(|d| d.id.scope == Scope::Overall && d.significant()) {
///     println!("{}: {:+.4} ± {:.4}", d.id.kpi, d.diff.mean.unwrap(), d.diff.ci95.unwrap());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn compare(
    a: &Scenario,
    b: &Scenario,
    seed: u64,
    replications: u32,
    on_replication: &(dyn Fn(u64) + Sync),
) -> Result<Comparison, Error> {
    let run = PointRun {
        seed,
        replications,
        first: 0,
    };
    let results: Mutex<[Option<Vec<ReplicationResult>>; 2]> = Mutex::new([None, None]);
    let designs = [a, b];
    run_points(
        &[run, run],
        &|i| Ok(designs[i].clone()),
        on_replication,
        &|i, _, r| {
            results.lock().expect("not poisoned")[i] = Some(r);
            Ok(())
        },
    )
    .map_err(Error::Other)?;
    let [ra, rb] = results.into_inner().expect("not poisoned");
    let (ra, rb) = (ra.expect("design A ran"), rb.expect("design B ran"));
    Ok(Comparison::of(a, &ra, b, &rb, seed))
}

impl Comparison {
    /// The forest plot of `compare --charts`: per overall KPI (and, with
    /// costs, the bill's totals) defined in both designs with a nonzero
    /// mean in A, the paired difference B − A and its 95% CI as a
    /// percentage of A's mean; the significant ones highlighted.
    pub fn charts(&self) -> Vec<crate::report::charts::Chart> {
        use crate::report::charts::{Chart, ForestChart, ForestRow};
        let rows = self
            .differences
            .iter()
            .filter(|d| matches!(d.id.scope, Scope::Overall | Scope::Cost))
            .filter_map(|d| {
                let a = d.a.mean.filter(|m| *m != 0.0)?;
                d.b.mean?;
                let mean = d.diff.mean? / a.abs() * 100.0;
                let ci95 = d.diff.ci95.unwrap_or(0.0) / a.abs() * 100.0;
                (mean.is_finite() && ci95.is_finite()).then(|| ForestRow {
                    label: match d.id.scope {
                        Scope::Overall => d.id.kpi.to_string(),
                        _ => format!("{} {}", d.id.scope.label(), d.id.kpi),
                    },
                    mean,
                    ci95,
                    highlight: d.significant(),
                })
            })
            .collect();
        vec![Chart::Forest(ForestChart {
            stem: "differences".into(),
            title: format!(
                "Paired differences B − A (95% CI) — {}, seed {}, {} replications",
                self.a.scenario, self.a.seed, self.a.replications
            ),
            x_label: "Change B − A, % of A's mean".into(),
            legend: ("significant at 95%".into(), "not significant".into()),
            rows,
        })]
    }

    /// The comparison of two designs' results on the same seed.
    pub fn of(
        a: &Scenario,
        ra: &[ReplicationResult],
        b: &Scenario,
        rb: &[ReplicationResult],
        seed: u64,
    ) -> Comparison {
        Comparison {
            a: summarize(a, seed, ra),
            b: summarize(b, seed, rb),
            differences: differences(a, ra, b, rb),
        }
    }
}

/// Paired and unpaired differences of every KPI both designs have.
pub fn differences(
    a: &Scenario,
    ra: &[ReplicationResult],
    b: &Scenario,
    rb: &[ReplicationResult],
) -> Vec<Difference> {
    let fa: Vec<Vec<(KpiId, f64)>> = ra.iter().map(|r| flatten(a, r)).collect();
    let fb: Vec<Vec<(KpiId, f64)>> = rb.iter().map(|r| flatten(b, r)).collect();
    let Some(first_b) = fb.first() else {
        return Vec::new();
    };
    let index_b: std::collections::HashMap<&KpiId, usize> = first_b
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id, i))
        .collect();
    let Some(first_a) = fa.first() else {
        return Vec::new();
    };
    first_a
        .iter()
        .enumerate()
        .filter_map(|(i, (id, _))| {
            let j = *index_b.get(id)?;
            let va: Vec<f64> = fa.iter().map(|r| r[i].1).collect();
            let vb: Vec<f64> = fb.iter().map(|r| r[j].1).collect();
            let (ea, eb) = (
                Estimate::from_values(va.iter().copied()),
                Estimate::from_values(vb.iter().copied()),
            );
            // A replication where either is undefined has no difference.
            let diff = Estimate::from_values(va.iter().zip(&vb).map(|(x, y)| y - x));
            Some(Difference {
                id: id.clone(),
                unpaired_ci95: welch_ci95(&ea, &eb),
                a: ea,
                b: eb,
                diff,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_matches_a_hand_computation() {
        let a = Estimate::from_values([1.0, 2.0, 3.0, 4.0]);
        let b = Estimate::from_values([2.0, 4.0, 6.0, 8.0]);
        // va = 1.6667/4, vb = 6.6667/4; df = 4.41...; t(0.975, 4.41) ≈ 2.6829.
        let se = ((5.0 / 3.0) / 4.0 + (20.0 / 3.0) / 4.0_f64).sqrt();
        let hw = welch_ci95(&a, &b).unwrap();
        assert!((hw / se - 2.68).abs() < 0.01, "{}", hw / se);
    }

    #[test]
    fn a_design_against_itself_differs_by_exactly_nothing() {
        let s = crate::scenario::tiny_scenario();
        let c = compare(&s, &s, 5, 4, &|_| {}).unwrap();
        let offered = c
            .differences
            .iter()
            .find(|d| d.id.scope == Scope::Overall && d.id.kpi == "offered")
            .unwrap();
        assert_eq!(offered.diff.mean, Some(0.0));
        assert_eq!(offered.diff.ci95, Some(0.0));
        assert!(offered.unpaired_ci95.unwrap() > 0.0);
        assert!(!offered.significant());
    }
}
