//! The summary of a run: every KPI over the replications as mean ± 95% CI.
//! What reports read; it knows nothing of how the replications were run.

use crate::metrics::{
    FILTER_KPI_NAMES, GROUP_KPI_NAMES, INTERVAL_KPI_NAMES, KPI_NAMES, Kpis, QUEUE_FLOW_NAMES,
    ReplicationResult, STEP_KPI_NAMES,
};
use crate::scenario::Scenario;
use crate::stats::Estimate;

/// KPIs of one segment (overall, a queue, a channel, a source), in `KPI_NAMES` order.
#[derive(Debug, Clone)]
pub struct SegmentSummary {
    /// Segment name (queue, channel, source, group, step or filter).
    pub name: String,
    /// The KPI names, in the order of `kpis`.
    pub names: &'static [&'static str],
    /// One estimate per KPI name, in order.
    pub kpis: Vec<Estimate>,
}

/// One row of the per-interval table.
#[derive(Debug, Clone)]
pub struct IntervalSummary {
    /// Seconds from the simulation start.
    pub start_s: f64,
    /// Seconds from the simulation start.
    pub end_s: f64,
    /// In `INTERVAL_KPI_NAMES` order.
    pub kpis: Vec<Estimate>,
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
    /// Per group: occupancy and utilization (`GROUP_KPI_NAMES` order).
    pub groups: Vec<SegmentSummary>,
    /// The per-interval table.
    pub intervals: Vec<IntervalSummary>,
    /// Per routing step (`STEP_KPI_NAMES`), labelled "filter #k" or "default".
    pub steps: Vec<SegmentSummary>,
    /// Per filter (`FILTER_KPI_NAMES`).
    pub filters: Vec<SegmentSummary>,
    /// Per queue: entered and moved (`QUEUE_FLOW_NAMES`).
    pub queue_flow: Vec<SegmentSummary>,
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

fn segment(name: &str, reps: &[&Kpis]) -> SegmentSummary {
    SegmentSummary {
        name: name.to_string(),
        names: &KPI_NAMES,
        kpis: (0..KPI_NAMES.len())
            .map(|k| Estimate::from_values(reps.iter().map(|r| r.0[k])))
            .collect(),
    }
}

/// Summarises replication results.
pub fn summarize(s: &Scenario, seed: u64, results: &[ReplicationResult]) -> Summary {
    let overall: Vec<&Kpis> = results.iter().map(|r| &r.overall).collect();
    let per = |names: Vec<&str>,
               pick: &dyn Fn(&ReplicationResult, usize) -> &Kpis|
     -> Vec<SegmentSummary> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| segment(n, &results.iter().map(|r| pick(r, i)).collect::<Vec<_>>()))
            .collect()
    };
    let groups = s
        .groups
        .iter()
        .enumerate()
        .map(|(g, group)| SegmentSummary {
            name: group.name.clone(),
            names: &GROUP_KPI_NAMES,
            kpis: (0..GROUP_KPI_NAMES.len())
                .map(|k| Estimate::from_values(results.iter().map(|r| r.groups[g][k])))
                .collect(),
        })
        .collect();
    let intervals = (0..s.sim.interval_count())
        .map(|i| {
            let start_s = s.sim.warmup_s + i as f64 * s.sim.interval_s;
            IntervalSummary {
                start_s,
                end_s: start_s + s.sim.interval_s,
                kpis: (0..INTERVAL_KPI_NAMES.len())
                    .map(|k| Estimate::from_values(results.iter().map(|r| r.intervals[i][k])))
                    .collect(),
                occupancy: (0..s.groups.len())
                    .map(|g| {
                        Estimate::from_values(results.iter().map(|r| r.interval_occupancy[i][g]))
                    })
                    .collect(),
            }
        })
        .collect();
    let table = |names: Vec<String>,
                 kpi_names: &'static [&'static str],
                 pick: &dyn Fn(&ReplicationResult, usize, usize) -> f64|
     -> Vec<SegmentSummary> {
        names
            .into_iter()
            .enumerate()
            .map(|(i, name)| SegmentSummary {
                name,
                names: kpi_names,
                kpis: (0..kpi_names.len())
                    .map(|k| Estimate::from_values(results.iter().map(|r| pick(r, i, k))))
                    .collect(),
            })
            .collect()
    };
    let wf = &s.workflow;
    let steps = table(
        wf.steps.iter().map(|st| st.label.clone()).collect(),
        &STEP_KPI_NAMES,
        &|r, i, k| r.steps[i][k],
    );
    let filters = table(
        wf.filters.iter().map(|f| f.name.clone()).collect(),
        &FILTER_KPI_NAMES,
        &|r, i, k| r.filters[i][k],
    );
    let queue_flow = table(
        s.queues.iter().map(|q| q.name.clone()).collect(),
        &QUEUE_FLOW_NAMES,
        &|r, i, k| r.queue_flow[i][k],
    );
    let activity_hours = (0..s.groups.len())
        .map(|g| {
            (0..s.activities.len())
                .map(|a| Estimate::from_values(results.iter().map(|r| r.activity_hours[g][a])))
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
        overall: segment("overall", &overall),
        unqueued: segment(
            "(no queue)",
            &results.iter().map(|r| &r.unqueued).collect::<Vec<_>>(),
        ),
        queues: per(
            s.queues.iter().map(|q| q.name.as_str()).collect(),
            &|r, i| &r.queues[i],
        ),
        channels: per(
            s.channels.iter().map(|c| c.name.as_str()).collect(),
            &|r, i| &r.channels[i],
        ),
        sources: per(
            s.sources.iter().map(|c| c.name.as_str()).collect(),
            &|r, i| &r.sources[i],
        ),
        groups,
        intervals,
        contacts: results.iter().map(|r| r.contacts).sum(),
        events: results.iter().map(|r| r.events).sum(),
    }
}

impl SegmentSummary {
    /// The estimate of a KPI by name.
    pub fn get(&self, kpi: &str) -> Option<&Estimate> {
        self.names
            .iter()
            .position(|n| *n == kpi)
            .map(|i| &self.kpis[i])
    }
}
