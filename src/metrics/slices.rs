//! Per-scope interval statistics: what one queue (or channel, or source)
//! did in each interval, so a report can show that billing fails at 09:00
//! while sales is fine. The collector keeps counters per (segment cell,
//! interval) — one update per outcome, as for the whole-window cells — and
//! folds them into scopes once, at the end of the replication.

use super::histogram::{Histogram, SparseHistogram};
use super::kpi::{SliceKpi, SliceKpis};
use crate::scenario::Scenario;

/// What a row of the per-scope interval table describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every counted contact.
    Overall,
    /// Contacts that reached no queue (closed message, no matching filter).
    Unqueued,
    /// One queue.
    Queue,
    /// One channel.
    Channel,
    /// One arrival source.
    Source,
}

impl Scope {
    /// The name in `intervals-long.csv`'s `scope` column (the `segment_type`
    /// of `summary.csv`).
    pub const fn name(self) -> &'static str {
        match self {
            Scope::Overall => "overall",
            Scope::Unqueued => "unqueued",
            Scope::Queue => "queue",
            Scope::Channel => "channel",
            Scope::Source => "source",
        }
    }
}

/// The scopes of a scenario in output order — overall, no queue, the
/// queues, the channels, the sources — with their names. Index `i` of this
/// list is index `i` of [`super::ReplicationResult::slices`].
pub fn scopes(s: &Scenario) -> Vec<(Scope, &str)> {
    let mut out = vec![(Scope::Overall, "overall"), (Scope::Unqueued, "(no queue)")];
    out.extend(s.queues.iter().map(|q| (Scope::Queue, q.name.as_str())));
    out.extend(s.channels.iter().map(|c| (Scope::Channel, c.name.as_str())));
    out.extend(s.sources.iter().map(|c| (Scope::Source, c.name.as_str())));
    out
}

/// The waits (seconds) at which the wait distribution is read: a fixed
/// ladder, so every replication and every design reads the same points,
/// plus the service-level threshold. 0 is "answered at once".
pub fn wait_edges(threshold_s: f64) -> Vec<f64> {
    const LADDER: [f64; 26] = [
        0.0, 5.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 90.0, 120.0, 180.0, 240.0, 300.0, 420.0,
        600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0, 5400.0, 7200.0, 10_800.0, 14_400.0, 28_800.0,
        86_400.0,
    ];
    let mut edges = LADDER.to_vec();
    if threshold_s.is_finite() && threshold_s > 0.0 && !edges.contains(&threshold_s) {
        edges.push(threshold_s);
        edges.sort_by(f64::total_cmp);
    }
    edges
}

/// The counters of one (cell, interval).
#[derive(Debug, Clone, Default)]
pub(super) struct SliceCell {
    pub offered: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub short_abandoned: u64,
    pub answered_within: u64,
    pub wait_answered_s: f64,
    pub waits: SparseHistogram,
}

/// One scope's sums in one interval while folding.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    offered: u64,
    answered: u64,
    abandoned: u64,
    short_abandoned: u64,
    answered_within: u64,
    wait_answered_s: f64,
}

impl Sums {
    fn add(&mut self, c: &SliceCell) {
        self.offered += c.offered;
        self.answered += c.answered;
        self.abandoned += c.abandoned;
        self.short_abandoned += c.short_abandoned;
        self.answered_within += c.answered_within;
        self.wait_answered_s += c.wait_answered_s;
    }
}

/// Folds the slices of every used cell into per-scope tables,
/// `[scope][interval]` in the order of [`scopes`]. `cells` gives each used
/// cell's dense index (source-major, then channel, then queue with 0 =
/// none) and the index of its first slice, in dense order, so sums add up
/// in the same order however the cells are stored.
pub(super) fn fold(
    s: &Scenario,
    n_intervals: usize,
    cells: &[(usize, usize)],
    slices: &[SliceCell],
) -> Vec<Vec<SliceKpis>> {
    let (n_q, n_ch) = (s.queues.len(), s.channels.len());
    let n_scopes = 2 + n_q + n_ch + s.sources.len();
    let mut sums = vec![Sums::default(); n_scopes * n_intervals];
    let mut waits: Vec<Vec<&SparseHistogram>> = vec![Vec::new(); n_scopes * n_intervals];
    for &(dense, base) in cells {
        let (src, ch, q) = (
            dense / (n_ch * (n_q + 1)),
            (dense / (n_q + 1)) % n_ch,
            dense % (n_q + 1),
        );
        let members = [
            0,
            if q == 0 { 1 } else { 1 + q },
            2 + n_q + ch,
            2 + n_q + n_ch + src,
        ];
        for (k, slice) in slices[base..base + n_intervals].iter().enumerate() {
            for scope in members {
                sums[scope * n_intervals + k].add(slice);
                waits[scope * n_intervals + k].push(&slice.waits);
            }
        }
    }
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    let mut scratch = Vec::new();
    sums.chunks(n_intervals.max(1))
        .zip(waits.chunks(n_intervals.max(1)))
        .take(n_scopes)
        .map(|(row, wait_row)| {
            row.iter()
                .zip(wait_row)
                .map(|(x, w)| {
                    let (a, b) = (x.answered as f64, x.abandoned as f64);
                    let p90 =
                        SparseHistogram::quantile_of_all(w.iter().copied(), 0.9, &mut scratch);
                    SliceKpis::from_fn(|k| match k {
                        SliceKpi::Offered => x.offered as f64,
                        SliceKpi::Answered => a,
                        SliceKpi::Abandoned => b,
                        SliceKpi::ShortAbandoned => x.short_abandoned as f64,
                        SliceKpi::ServiceLevel => {
                            ratio(x.answered_within as f64, a + b - x.short_abandoned as f64)
                        }
                        SliceKpi::ServiceLevelAnswered => ratio(x.answered_within as f64, a),
                        SliceKpi::AbandonRate => ratio(b, a + b),
                        SliceKpi::Asa => ratio(x.wait_answered_s, a),
                        SliceKpi::WaitP90 => p90,
                    })
                })
                .collect()
        })
        .collect()
}

/// The whole-window wait histogram of a cell, from its slices.
pub(super) fn cell_waits(slices: &[SliceCell]) -> Option<Histogram> {
    let mut h: Option<Histogram> = None;
    for slice in slices {
        if !slice.waits.is_empty() {
            h.get_or_insert_with(Histogram::default)
                .add_sparse(&slice.waits);
        }
    }
    h
}
