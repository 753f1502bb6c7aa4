//! The summary of a run: every KPI over the replications as mean ± 95% CI.
//! What reports read; it knows nothing of how the replications were run.

use crate::metrics::{
    FilterKpis, GroupIntervalKpis, GroupKpis, IntervalKpis, Kpis, QueueFlowKpis, ReplicationResult,
    Scope, SliceKpis, StepKpis,
};
use crate::scenario::Scenario;
use crate::stats::Estimate;
use rayon::prelude::*;

/// The estimates of one named part of a run, one per KPI of its family.
#[derive(Debug, Clone)]
pub struct Named<T> {
    /// Segment, group, step, filter or queue name.
    pub name: String,
    /// One estimate per KPI.
    pub kpis: T,
}

/// A segment: overall, a queue, a channel, a source.
pub type SegmentSummary = Named<Kpis<Estimate>>;
/// An agent group.
pub type GroupSummary = Named<GroupKpis<Estimate>>;
/// A routing step.
pub type StepSummary = Named<StepKpis<Estimate>>;
/// A workflow filter.
pub type FilterSummary = Named<FilterKpis<Estimate>>;
/// A queue's flow.
pub type QueueFlowSummary = Named<QueueFlowKpis<Estimate>>;

/// One row of the per-interval table.
#[derive(Debug, Clone)]
pub struct IntervalSummary {
    /// Seconds from the simulation start.
    pub start_s: f64,
    /// Seconds from the simulation start.
    pub end_s: f64,
    /// The interval's KPIs.
    pub kpis: IntervalKpis<Estimate>,
    /// Occupancy per group, in scenario order.
    pub occupancy: Vec<Estimate>,
}

/// One scope's KPIs in every interval (a block of `intervals-long.csv`).
#[derive(Debug, Clone)]
pub struct ScopeIntervals {
    /// What the scope is.
    pub scope: Scope,
    /// Its name (`overall`, `(no queue)`, a queue, channel or source).
    pub name: String,
    /// One table per interval, in time order.
    pub intervals: Vec<SliceKpis<Estimate>>,
}

/// How long answered contacts waited, read at fixed waits
/// ([`crate::metrics::wait_edges`]).
#[derive(Debug, Clone)]
pub struct WaitDistribution {
    /// The waits read, seconds, increasing; the first is 0 (answered at once).
    pub edges: Vec<f64>,
    /// Overall, then per queue.
    pub scopes: Vec<WaitShares>,
}

/// One scope's wait distribution.
#[derive(Debug, Clone)]
pub struct WaitShares {
    /// What the scope is ([`Scope::Overall`] or [`Scope::Queue`]).
    pub scope: Scope,
    /// Its name.
    pub name: String,
    /// Share of answered contacts that waited at most each edge (the CDF).
    pub within: Vec<Estimate>,
    /// Share that waited more than the previous edge and at most this one
    /// (bin 0: answered at once); the last entry is the share above the
    /// last edge. One more entry than `edges`.
    pub bins: Vec<Estimate>,
}

/// Everything a report needs about a run.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Base seed used.
    pub seed: u64,
    /// Where time 0 is on the calendar, when the scenario has a `start` date.
    pub clock: Option<crate::scenario::Clock>,
    /// Replications run.
    pub replications: u32,
    /// All counted contacts.
    pub overall: SegmentSummary,
    /// Per queue, in scenario order.
    pub queues: Vec<SegmentSummary>,
    /// Contacts that reached no queue (with the queues, counts add up to
    /// `overall`).
    pub unqueued: SegmentSummary,
    /// Per channel, in scenario order.
    pub channels: Vec<SegmentSummary>,
    /// Per arrival source, in scenario order.
    pub sources: Vec<SegmentSummary>,
    /// Per group, in scenario order.
    pub groups: Vec<GroupSummary>,
    /// The per-interval table.
    pub intervals: Vec<IntervalSummary>,
    /// Per scope (overall, no queue, queues, channels, sources), per interval.
    pub scope_intervals: Vec<ScopeIntervals>,
    /// Per group, per interval.
    pub group_intervals: Vec<Named<Vec<GroupIntervalKpis<Estimate>>>>,
    /// The wait distribution of answered contacts, overall and per queue.
    pub waits: WaitDistribution,
    /// Per routing step, labelled "filter #k" or "default".
    pub steps: Vec<StepSummary>,
    /// Per filter.
    pub filters: Vec<FilterSummary>,
    /// Per queue: entered and moved.
    pub queue_flow: Vec<QueueFlowSummary>,
    /// Activity names, in scenario order (the columns of `activity_hours`).
    pub activity_names: Vec<String>,
    /// Per group: worker-hours in each activity during the counted window.
    pub activity_hours: Vec<Vec<Estimate>>,
    /// Spend, when the scenario has `[costs]`.
    pub cost: Option<crate::cost::CostSummary>,
    /// What the injected faults did, when the scenario has `[faults]`.
    pub faults: Option<crate::metrics::FaultKpis<Estimate>>,
    /// Busy signals, when the scenario has line limits or queue capacities.
    pub blocking: Option<crate::metrics::BlockKpis<Estimate>>,
    /// The self-service stage, when a source has one.
    pub self_service: Option<crate::metrics::SelfServiceKpis<Estimate>>,
    /// Per channel with text conversations, in scenario order.
    pub conversations: Vec<Named<crate::metrics::ConversationKpis<Estimate>>>,
    /// Segment KPIs the outputs leave out (see [`Summary::hidden_kpis`]).
    pub hidden: Vec<&'static str>,
    /// Contacts simulated over all replications, warm-up included.
    pub contacts: u64,
    /// Events processed over all replications.
    pub events: u64,
}

impl Summary {
    /// The segment KPIs the outputs leave out: `blocked` and `contained`
    /// when the scenario cannot have them, so its outputs are as before
    /// those KPIs existed.
    pub fn hidden_kpis(&self) -> &[&'static str] {
        &self.hidden
    }

    /// When `t` (seconds from the start) is: an ISO-8601 local timestamp
    /// when the scenario has a `start` date, `d1 01:00` otherwise.
    pub fn time_label(&self, t: f64) -> String {
        match &self.clock {
            Some(c) => c.iso(t),
            None => crate::scenario::units::clock(t),
        }
    }
}

/// Summarises replication results.
pub fn summarize(s: &Scenario, seed: u64, results: &[ReplicationResult]) -> Summary {
    // One value over the replications.
    let est = |value: &dyn Fn(&ReplicationResult) -> f64| {
        Estimate::from_values(results.iter().map(value))
    };
    let segment = |name: &str, pick: &dyn Fn(&ReplicationResult) -> &Kpis| Named {
        name: name.to_string(),
        kpis: Kpis::from_fn(|k| est(&|r| pick(r)[k])),
    };
    let segments = |names: Vec<&str>,
                    pick: &dyn Fn(&ReplicationResult, usize) -> &Kpis|
     -> Vec<SegmentSummary> {
        names
            .into_iter()
            .enumerate()
            .map(|(i, name)| segment(name, &|r| pick(r, i)))
            .collect()
    };
    let groups = s
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| Named {
            name: group.name.clone(),
            kpis: GroupKpis::from_fn(|k| est(&|r| r.groups[g][k])),
        })
        .collect();
    // The per-interval tables hold most of the estimates (KPIs × scopes ×
    // intervals, each read across every replication): they are computed in
    // parallel, each estimate the same computation whatever the thread
    // count, so a summary stays bit-identical and stops being the serial
    // tail of a run of many replications.
    let intervals = (0..s.sim.interval_count())
        .into_par_iter()
        .map(|i| {
            let start_s = s.sim.warmup_s + i as f64 * s.sim.interval_s;
            IntervalSummary {
                start_s,
                end_s: start_s + s.sim.interval_s,
                kpis: IntervalKpis::from_fn(|k| est(&|r| r.intervals[i][k])),
                occupancy: (0..s.groups.len())
                    .map(|g| est(&|r| r.interval_occupancy[i][g]))
                    .collect(),
            }
        })
        .collect();
    let n_int = s.sim.interval_count();
    let scope_intervals = crate::metrics::scopes(s)
        .into_iter()
        .enumerate()
        .map(|(i, (scope, name))| ScopeIntervals {
            scope,
            name: name.to_string(),
            intervals: (0..n_int)
                .into_par_iter()
                .map(|k| SliceKpis::from_fn(|kpi| est(&|r| r.slices[i][k][kpi])))
                .collect(),
        })
        .collect();
    let group_intervals = s
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| Named {
            name: group.name.clone(),
            kpis: (0..n_int)
                .into_par_iter()
                .map(|k| GroupIntervalKpis::from_fn(|kpi| est(&|r| r.group_intervals[k][g][kpi])))
                .collect(),
        })
        .collect();
    let edges = crate::metrics::wait_edges(s.sim.service_level_threshold_s);
    let wait_scopes = std::iter::once((Scope::Overall, "overall"))
        .chain(s.queues.iter().map(|q| (Scope::Queue, q.name.as_str())))
        .enumerate()
        .map(|(i, (scope, name))| {
            let cdf = |r: &ReplicationResult, e: usize| r.wait_within[i][e];
            WaitShares {
                scope,
                name: name.to_string(),
                within: (0..edges.len()).map(|e| est(&|r| cdf(r, e))).collect(),
                bins: (0..=edges.len())
                    .map(|b| {
                        est(&|r| {
                            let upto = if b < edges.len() { cdf(r, b) } else { 1.0 };
                            let from = if b == 0 { 0.0 } else { cdf(r, b - 1) };
                            // NaN (nothing answered) stays NaN.
                            upto - from
                        })
                    })
                    .collect(),
            }
        })
        .collect();
    let wf = &s.workflow;
    let steps = wf
        .steps
        .iter()
        .enumerate()
        .map(|(i, st)| Named {
            name: st.label.clone(),
            kpis: StepKpis::from_fn(|k| est(&|r| r.steps[i][k])),
        })
        .collect();
    let filters = wf
        .filters
        .iter()
        .enumerate()
        .map(|(i, f)| Named {
            name: f.name.clone(),
            kpis: FilterKpis::from_fn(|k| est(&|r| r.filters[i][k])),
        })
        .collect();
    let queue_flow = s
        .queues
        .iter()
        .enumerate()
        .map(|(i, q)| Named {
            name: q.name.clone(),
            kpis: QueueFlowKpis::from_fn(|k| est(&|r| r.queue_flow[i][k])),
        })
        .collect();
    let activity_hours = (0..s.groups.len())
        .map(|g| {
            (0..s.activities.len())
                .map(|a| est(&|r| r.activity_hours[g][a]))
                .collect()
        })
        .collect();
    Summary {
        hidden: crate::metrics::Kpi::ALL
            .into_iter()
            .filter(|k| !k.shown_for(s))
            .map(crate::metrics::Kpi::name)
            .collect(),
        conversations: s
            .channels
            .iter()
            .enumerate()
            .filter(|(_, c)| c.conversation.is_some())
            .map(|(i, c)| Named {
                name: c.name.clone(),
                kpis: crate::metrics::ConversationKpis::from_fn(|k| {
                    est(&|r| r.conversations[i][k])
                }),
            })
            .collect(),
        self_service: s
            .sources
            .iter()
            .any(|x| x.self_service.is_some())
            .then(|| crate::metrics::SelfServiceKpis::from_fn(|k| est(&|r| r.self_service[k]))),
        blocking: crate::scenario::has_blocking(s)
            .then(|| crate::metrics::BlockKpis::from_fn(|k| est(&|r| r.blocking[k]))),
        faults: s
            .faults
            .as_ref()
            .map(|_| crate::metrics::FaultKpis::from_fn(|k| est(&|r| r.faults[k]))),
        cost: s
            .costs
            .as_ref()
            .map(|c| crate::cost::summarize(s, c, results)),
        activity_names: s.activities.iter().map(|a| a.name.clone()).collect(),
        activity_hours,
        steps,
        filters,
        queue_flow,
        scenario: s.name.clone(),
        seed,
        clock: s.sim.clock.clone(),
        replications: results.len() as u32,
        overall: segment("overall", &|r| &r.overall),
        unqueued: segment("(no queue)", &|r| &r.unqueued),
        queues: segments(
            s.queues.iter().map(|q| q.name.as_str()).collect(),
            &|r, i| &r.queues[i],
        ),
        channels: segments(
            s.channels.iter().map(|c| c.name.as_str()).collect(),
            &|r, i| &r.channels[i],
        ),
        sources: segments(
            s.sources.iter().map(|c| c.name.as_str()).collect(),
            &|r, i| &r.sources[i],
        ),
        groups,
        intervals,
        scope_intervals,
        group_intervals,
        waits: WaitDistribution {
            edges,
            scopes: wait_scopes,
        },
        contacts: results.iter().map(|r| r.contacts).sum(),
        events: results.iter().map(|r| r.events).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{GroupKpi, Kpi};

    #[test]
    fn each_estimate_is_over_the_replications_of_its_own_kpi() {
        let s = crate::scenario::tiny_scenario();
        let results: Vec<ReplicationResult> =
            (0..3).map(|r| crate::engine::run(&s, 1, r)).collect();
        let summary = summarize(&s, 1, &results);
        let mean = |f: &dyn Fn(&ReplicationResult) -> f64| {
            results.iter().map(f).sum::<f64>() / results.len() as f64
        };
        let offered = summary.overall.kpis[Kpi::Offered].mean.unwrap();
        assert_eq!(offered, mean(&|r| r.overall[Kpi::Offered]));
        let team = &summary.groups[0];
        assert_eq!(team.name, "team");
        let logged_in = team.kpis[GroupKpi::LoggedInHours].mean.unwrap();
        assert!((logged_in - mean(&|r| r.groups[0][GroupKpi::LoggedInHours])).abs() < 1e-12);
        assert_eq!(summary.replications, 3);
        assert_eq!(summary.intervals.len(), 2);
    }
}
