//! The summary of a run: every KPI over the replications as mean ± 95% CI.
//! What reports read; it knows nothing of how the replications were run.

use crate::metrics::{
    FilterKpis, GroupKpis, IntervalKpis, Kpis, QueueFlowKpis, ReplicationResult, StepKpis,
};
use crate::scenario::Scenario;
use crate::stats::Estimate;

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

/// Everything a report needs about a run.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Base seed used.
    pub seed: u64,
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
    /// Contacts simulated over all replications, warm-up included.
    pub contacts: u64,
    /// Events processed over all replications.
    pub events: u64,
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
    let intervals = (0..s.sim.interval_count())
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
