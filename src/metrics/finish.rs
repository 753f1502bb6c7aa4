//! The end of a replication: the streaming counters and time integrals
//! folded into the KPI tables of docs/outputs.md.

use super::*;

impl Collector {
    /// Folds everything into KPI tables. Group levels hold from their last
    /// change to the end of the counted window (the run reaches it).
    pub fn finish(mut self, s: &Scenario, contacts: u64, events: u64) -> ReplicationResult {
        let n_groups = self.group_now.len();
        let n_int = self.intervals.len();
        // A cell's whole-window waits and outcome counts are its slices'
        // (the counts are only kept per slice while simulating, one update
        // per contact instead of two; integer sums are exact in any order).
        for c in &mut self.cells {
            if let Some(base) = c.slices {
                let base = base as usize;
                let row = &self.slices[base..base + n_int];
                c.waits = slices::cell_waits(row);
                for x in row {
                    c.offered += x.offered;
                    c.answered += x.answered;
                    c.abandoned += x.abandoned;
                    c.short_abandoned += x.short_abandoned;
                    c.answered_within += x.answered_within;
                }
            }
        }
        // Rebuild each interval's integrals from the level entering it.
        let mut group_interval_time = vec![GroupTime::default(); n_int * n_groups];
        for g in 0..n_groups {
            let mut level = self.group_init[g];
            for k in 0..n_int {
                let start = self.window_start + k as f64 * self.interval_s;
                let end = if k + 1 == n_int {
                    self.window_end
                } else {
                    start + self.interval_s
                };
                let i = k * n_groups + g;
                let mut x = self.group_changes[i].acc;
                x.add(&level, end - start);
                group_interval_time[i] = x;
                level.add(&self.group_changes[i].delta, 1.0);
            }
        }
        // Agent time on line per interval, rebuilt the same way (hours).
        let mut online_by_interval = vec![vec![0.0; n_int]; n_groups];
        for (g, row) in online_by_interval.iter_mut().enumerate() {
            let mut level = self.online_init[g];
            for (k, x) in row.iter_mut().enumerate() {
                let start = self.window_start + k as f64 * self.interval_s;
                let end = if k + 1 == n_int {
                    self.window_end
                } else {
                    start + self.interval_s
                };
                let i = k * n_groups + g;
                *x = (self.online_acc[i] + level * (end - start)) / 3600.0;
                level += self.online_delta[i];
            }
        }
        // Whole-window totals are the sums over intervals.
        let mut group_time = vec![GroupTime::default(); n_groups];
        for row in group_interval_time.chunks(n_groups.max(1)) {
            for (acc, x) in group_time.iter_mut().zip(row) {
                acc.logged_in += x.logged_in;
                acc.busy += x.busy;
                acc.capacity += x.capacity;
                acc.units += x.units;
            }
        }
        let (n_src, n_ch, n_q1) = (s.sources.len(), s.channels.len(), self.n_queues_plus_one);
        let mut overall = Cell::default();
        let mut queues = vec![Cell::default(); s.queues.len()];
        let mut unqueued = Cell::default();
        let mut channels = vec![Cell::default(); n_ch];
        let mut sources = vec![Cell::default(); n_src];
        // Cells are merged in dense order — source-major, then channel, then
        // queue (0 = none) — so sums add up in the same order however the
        // cells are stored (cells never used hold zeros and change no sum).
        // Every cell is merged: follow-up work (a transfer answered, a call
        // back worked) can fill a cell where no contact was offered.
        let order: Vec<(usize, &Cell)> = match &self.sparse {
            None => self.cells.iter().enumerate().collect(),
            Some(sparse) => {
                let mut v: Vec<(usize, &Cell)> = sparse
                    .keys
                    .iter()
                    .map(|&k| k as usize)
                    .zip(&self.cells)
                    .collect();
                v.sort_unstable_by_key(|(k, _)| *k);
                v
            }
        };
        let used: Vec<(usize, usize)> = order
            .iter()
            .filter_map(|&(i, c)| c.slices.map(|b| (i, b as usize)))
            .collect();
        let slices = slices::fold(s, n_int, &used, &self.slices);
        for (i, c) in order {
            let (src, ch, q) = (i / (n_ch * n_q1), (i / n_q1) % n_ch, i % n_q1);
            overall.merge(c);
            channels[ch].merge(c);
            sources[src].merge(c);
            if q > 0 {
                queues[q - 1].merge(c);
            } else {
                unqueued.merge(c);
            }
        }
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
        let groups = group_time
            .iter()
            .zip(&self.reservations)
            .zip(&self.disconnects)
            .map(|((t, r), &d)| {
                let reserved = |what: ReservationEvent| r[what as usize] as f64;
                GroupKpis::from_fn(|k| match k {
                    GroupKpi::Occupancy => ratio(t.busy, t.logged_in),
                    GroupKpi::Utilization => ratio(t.units, t.capacity),
                    GroupKpi::LoggedInHours => t.logged_in / 3600.0,
                    GroupKpi::ReservationsCreated => reserved(ReservationEvent::Created),
                    GroupKpi::ReservationsAccepted => reserved(ReservationEvent::Accepted),
                    GroupKpi::ReservationsRejected => reserved(ReservationEvent::Rejected),
                    GroupKpi::ReservationsTimedOut => reserved(ReservationEvent::TimedOut),
                    GroupKpi::ReservationsCanceled => reserved(ReservationEvent::Canceled),
                    GroupKpi::Disconnects => d as f64,
                })
            })
            .collect();
        let intervals = self
            .intervals
            .iter()
            .map(|iv| {
                let (a, b) = (iv.answered as f64, iv.abandoned as f64);
                IntervalKpis::from_fn(|k| match k {
                    IntervalKpi::Offered => iv.offered as f64,
                    IntervalKpi::Answered => a,
                    IntervalKpi::Abandoned => b,
                    IntervalKpi::ServiceLevel => {
                        ratio(iv.answered_within as f64, a + b - iv.short_abandoned as f64)
                    }
                    IntervalKpi::Asa => ratio(iv.wait_answered_s, a),
                })
            })
            .collect();
        let interval_occupancy = group_interval_time
            .chunks(n_groups.max(1))
            .take(self.intervals.len())
            .map(|row| row.iter().map(|t| ratio(t.busy, t.logged_in)).collect())
            .collect();
        let group_intervals = group_interval_time
            .chunks(n_groups.max(1))
            .take(n_int)
            .enumerate()
            .map(|(k, row)| {
                let start = self.window_start + k as f64 * self.interval_s;
                let end = if k + 1 == n_int {
                    self.window_end
                } else {
                    start + self.interval_s
                };
                let width = end - start;
                row.iter()
                    .map(|t| {
                        GroupIntervalKpis::from_fn(|kpi| match kpi {
                            GroupIntervalKpi::Occupancy => ratio(t.busy, t.logged_in),
                            GroupIntervalKpi::Utilization => ratio(t.units, t.capacity),
                            GroupIntervalKpi::LoggedIn => ratio(t.logged_in, width),
                            GroupIntervalKpi::Busy => ratio(t.busy, width),
                        })
                    })
                    .collect()
            })
            .collect();
        let edges = wait_edges(self.sl_threshold_s);
        // Read from the histogram, but exact at the service-level threshold
        // (waits of exactly the threshold, as a step timeout gives, count
        // within it as in the service level; the histogram's bucket starting
        // there would leave them out), with the other edges kept on the
        // right side of it.
        // With thresholds per channel, `answered_within` counts against
        // each contact's own, so only the histogram speaks for the edges.
        let threshold = self.sl_threshold_s;
        let per_channel = self.channel_threshold.is_some();
        let within = |c: &Cell| -> Vec<f64> {
            let exact = ratio(c.answered_within as f64, c.answered as f64);
            let shares = c.waits.as_ref().map(|h| h.shares_within(&edges));
            edges
                .iter()
                .enumerate()
                .map(|(i, &e)| {
                    let h = shares.as_ref().map_or(f64::NAN, |s| s[i]);
                    if per_channel {
                        return h;
                    }
                    match e.total_cmp(&threshold) {
                        std::cmp::Ordering::Less => h.min(exact),
                        std::cmp::Ordering::Equal => exact,
                        std::cmp::Ordering::Greater => h.max(exact),
                    }
                })
                .collect()
        };
        let wait_within = std::iter::once(&overall)
            .chain(&queues)
            .map(within)
            .collect();
        let mut faults = self.faults;
        let finished = faults[FaultKpi::Lookups] - faults[FaultKpi::LookupAbandoned];
        faults[FaultKpi::LookupTime] = if finished > 0.0 {
            faults[FaultKpi::LookupTime] / finished
        } else {
            f64::NAN
        };
        let mut blocking = self.blocking;
        blocking[BlockKpi::BlockingProbability] =
            ratio(blocking[BlockKpi::Blocked], overall.offered as f64);
        let mut self_service = self.self_service;
        self_service[SelfServiceKpi::ContainmentRate] = ratio(
            self_service[SelfServiceKpi::Contained],
            self_service[SelfServiceKpi::Sessions],
        );
        ReplicationResult {
            conversations: self.conversation_kpis(),
            self_service,
            blocking,
            faults,
            in_flight: 0,
            usage: None,
            online_by_hour: self
                .online_by_hour
                .iter()
                .map(|row| row.map(|s| s / 3600.0))
                .collect(),
            online_by_interval,
            activity_hours: self
                .activity_time
                .chunks(self.n_activities.max(1))
                .take(n_groups)
                .map(|row| row.iter().map(|s| s / 3600.0).collect())
                .collect(),
            steps: self.steps.iter().map(|r| r.map(|x| x as f64)).collect(),
            filters: self.filters.iter().map(|r| r.map(|x| x as f64)).collect(),
            queue_flow: self
                .queue_flow
                .iter()
                .map(|r| r.map(|x| x as f64))
                .collect(),
            overall: overall.kpis(),
            queues: queues.iter().map(Cell::kpis).collect(),
            unqueued: unqueued.kpis(),
            channels: channels.iter().map(Cell::kpis).collect(),
            sources: sources.iter().map(Cell::kpis).collect(),
            groups,
            intervals,
            interval_occupancy,
            slices,
            group_intervals,
            wait_within,
            contacts,
            events,
        }
    }
}
