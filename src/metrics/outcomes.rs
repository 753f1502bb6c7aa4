//! Outcomes besides answered and abandoned (canceled, after hours, lost,
//! blocked, contained, call backs, unfinished), follow-up work, and the
//! routing and reservation counters: each a count in its cell or table.

use super::{
    BlockKpi, CancelReason, CellId, Collector, FaultKpi, FilterKpi, QueueFlowKpi, ReservationEvent,
    SelfServiceKpi, StepKpi, TransferEvent,
};

impl Collector {
    /// The router canceled a counted contact.
    pub fn canceled(&mut self, cell: CellId, arrival: f64, reason: CancelReason, redial: bool) {
        self.offered_cell(cell, arrival, redial).canceled[reason as usize] += 1;
    }

    /// A counted contact arrived while closed: it left a voicemail (counted
    /// in the queue that works voicemails), or heard a closed message (in no
    /// queue).
    pub fn after_hours(&mut self, cell: CellId, arrival: f64, voicemail: bool, redial: bool) {
        let c = self.offered_cell(cell, arrival, redial);
        if voicemail {
            c.voicemail += 1;
        } else {
            c.closed += 1;
        }
    }

    /// A counted contact was lost to an injected fault (counted as offered,
    /// in the cell of where it was lost).
    pub fn lost(&mut self, cell: CellId, arrival: f64, redial: bool) {
        self.offered_cell(cell, arrival, redial).lost += 1;
    }

    /// Adds `n` to a fault count of counted contacts (for `LookupTime`, a
    /// look-up's duration).
    #[cold]
    pub fn fault(&mut self, kpi: FaultKpi, n: f64) {
        self.faults[kpi] += n;
    }

    /// Self-service of a counted contact: `kpi` grows by `n`.
    pub fn self_service(&mut self, kpi: SelfServiceKpi, n: f64) {
        self.self_service[kpi] += n;
    }

    /// A counted contact was resolved in self-service (in no queue).
    pub fn contained(&mut self, cell: CellId, arrival: f64, redial: bool) {
        self.offered_cell(cell, arrival, redial).contained += 1;
        self.self_service[SelfServiceKpi::Contained] += 1.0;
    }

    /// A counted contact got a busy signal (`why`: lines or a full queue),
    /// in the cell where it was turned away.
    pub fn blocked(&mut self, cell: CellId, arrival: f64, redial: bool, why: BlockKpi) {
        self.offered_cell(cell, arrival, redial).blocked += 1;
        self.blocking[BlockKpi::Blocked] += 1.0;
        self.blocking[why] += 1.0;
    }

    /// A counted contact accepted a call back while waiting (in the queue
    /// where it waited).
    pub fn callback(&mut self, cell: CellId, arrival: f64, redial: bool) {
        self.offered_cell(cell, arrival, redial).callback += 1;
    }

    /// A counted contact was called back `wait` seconds after accepting (in
    /// the queue that worked the call back).
    pub fn callback_worked(&mut self, cell: CellId, wait: f64) {
        let c = &mut self.cells[cell.0 as usize];
        c.callbacks_worked += 1;
        c.callback_wait_s += wait;
    }

    /// A transfer event of a counted contact, in the cell of the queue
    /// [`TransferEvent`] names; an answered second leg waited `wait` s.
    pub fn transfer_event(&mut self, cell: CellId, what: TransferEvent, wait: f64) {
        let c = &mut self.cells[cell.0 as usize];
        c.transfers[what as usize] += 1;
        if what == TransferEvent::Answered {
            c.transfer_wait_s += wait;
        }
    }

    /// A counted contact's voicemail was worked `wait` seconds after it was
    /// left (in the queue that worked it).
    pub fn voicemail_worked(&mut self, cell: CellId, wait: f64) {
        let c = &mut self.cells[cell.0 as usize];
        c.voicemails_worked += 1;
        c.voicemail_wait_s += wait;
    }

    /// A counted contact was still waiting when the run stopped.
    pub fn unfinished(&mut self, cell: CellId, arrival: f64, redial: bool) {
        self.offered_cell(cell, arrival, redial).unfinished += 1;
    }

    /// A counted contact's event in a routing step.
    #[inline]
    pub fn step(&mut self, step: u32, what: StepKpi) {
        self.steps[step as usize][what] += 1;
    }

    /// A counted contact's reservation event in a group.
    #[inline]
    pub fn reservation(&mut self, group: usize, what: ReservationEvent) {
        self.reservations[group][what as usize] += 1;
    }

    /// A counted contact's event in a filter.
    #[inline]
    pub fn filter_event(&mut self, filter: u32, what: FilterKpi) {
        self.filters[filter as usize][what] += 1;
    }

    /// A counted contact entered a queue (`moved_from`: the queue it left).
    #[inline(always)]
    pub fn queue_entered(&mut self, queue: u32, moved_from: Option<u32>) {
        self.queue_flow[queue as usize][QueueFlowKpi::Entered] += 1;
        if let Some(q) = moved_from {
            self.queue_flow[q as usize][QueueFlowKpi::Moved] += 1;
        }
    }

    /// A worker of `group` disconnected (inside the counted window).
    #[inline]
    pub fn disconnect(&mut self, group: usize) {
        self.disconnects[group] += 1;
    }

    /// A counted contact's handle time differs from what was recorded when
    /// it was answered by `delta` seconds (talk slowed by concurrency).
    pub fn handle_adjust(&mut self, cell: CellId, delta: f64) {
        self.cells[cell.0 as usize].handle_s += delta;
    }

    /// A conversation was lost to a disconnect; `unworked` seconds of its
    /// recorded handle time (talk left plus wrap-up) were never worked.
    pub fn disconnect_dropped(&mut self, cell: CellId, unworked: f64) {
        let c = &mut self.cells[cell.0 as usize];
        c.disconnect_dropped += 1;
        c.handle_s -= unworked;
    }
}
