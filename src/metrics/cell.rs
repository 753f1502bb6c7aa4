//! The contact counters of one segment cell (a source, channel and queue)
//! and their fold into the segment KPIs of docs/outputs.md.

use super::{CancelReason, Histogram, Kpi, Kpis, TransferEvent};

/// Contact counters of one segment cell.
#[derive(Debug, Clone, Default)]
pub(super) struct Cell {
    /// These five counts stay zero while simulating: `Collector::finish`
    /// sums them from the cell's slices (one update per contact, not two).
    pub(super) offered: u64,
    pub(super) answered: u64,
    pub(super) abandoned: u64,
    pub(super) short_abandoned: u64,
    pub(super) answered_within: u64,
    pub(super) canceled: [u64; 3],
    pub(super) unfinished: u64,
    pub(super) voicemail: u64,
    pub(super) closed: u64,
    pub(super) voicemails_worked: u64,
    pub(super) voicemail_wait_s: f64,
    pub(super) callback: u64,
    pub(super) callbacks_worked: u64,
    pub(super) callback_wait_s: f64,
    pub(super) redials: u64,
    pub(super) transfers: [u64; 4],
    pub(super) transfer_wait_s: f64,
    pub(super) disconnect_dropped: u64,
    pub(super) lost: u64,
    /// Busy signals (a line limit or a full queue).
    pub(super) blocked: u64,
    /// Resolved in self-service.
    pub(super) contained: u64,
    pub(super) wait_answered_s: f64,
    pub(super) wait_max_s: f64,
    pub(super) handle_s: f64,
    pub(super) waits: Option<Histogram>,
    /// Index of the cell's first [`SliceCell`] (one per interval), once it
    /// has an outcome.
    pub(super) slices: Option<u32>,
}

impl Cell {
    pub(super) fn merge(&mut self, o: &Cell) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.abandoned += o.abandoned;
        self.short_abandoned += o.short_abandoned;
        self.answered_within += o.answered_within;
        for (a, b) in self.canceled.iter_mut().zip(o.canceled) {
            *a += b;
        }
        self.unfinished += o.unfinished;
        self.voicemail += o.voicemail;
        self.closed += o.closed;
        self.voicemails_worked += o.voicemails_worked;
        self.voicemail_wait_s += o.voicemail_wait_s;
        self.callback += o.callback;
        self.callbacks_worked += o.callbacks_worked;
        self.callback_wait_s += o.callback_wait_s;
        self.redials += o.redials;
        for (a, b) in self.transfers.iter_mut().zip(o.transfers) {
            *a += b;
        }
        self.transfer_wait_s += o.transfer_wait_s;
        self.disconnect_dropped += o.disconnect_dropped;
        self.lost += o.lost;
        self.blocked += o.blocked;
        self.contained += o.contained;
        self.wait_answered_s += o.wait_answered_s;
        self.wait_max_s = self.wait_max_s.max(o.wait_max_s);
        self.handle_s += o.handle_s;
        if let Some(h) = &o.waits {
            self.waits.get_or_insert_with(Histogram::default).merge(h);
        }
    }

    pub(super) fn kpis(&self) -> Kpis {
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
        let answered = self.answered as f64;
        let abandoned = self.abandoned as f64;
        let canceled = |why: CancelReason| self.canceled[why as usize] as f64;
        let transfers = |what: TransferEvent| self.transfers[what as usize] as f64;
        Kpis::from_fn(|k| match k {
            Kpi::Offered => self.offered as f64,
            Kpi::Answered => answered,
            Kpi::Abandoned => abandoned,
            Kpi::ShortAbandoned => self.short_abandoned as f64,
            Kpi::ServiceLevel => ratio(
                self.answered_within as f64,
                answered + abandoned - self.short_abandoned as f64,
            ),
            Kpi::ServiceLevelAnswered => ratio(self.answered_within as f64, answered),
            Kpi::AbandonRate => ratio(abandoned, answered + abandoned),
            Kpi::Asa => ratio(self.wait_answered_s, answered),
            Kpi::WaitP90 => self.waits.as_ref().map_or(f64::NAN, |h| h.quantile(0.9)),
            Kpi::Aht => ratio(self.handle_s, answered),
            Kpi::Canceled => self.canceled.iter().sum::<u64>() as f64,
            Kpi::Unfinished => self.unfinished as f64,
            Kpi::CanceledNoMatch => canceled(CancelReason::NoMatch),
            Kpi::CanceledWorkflow => canceled(CancelReason::Workflow),
            Kpi::CanceledTtl => canceled(CancelReason::Ttl),
            Kpi::WaitMax => {
                if self.answered > 0 {
                    self.wait_max_s
                } else {
                    f64::NAN
                }
            }
            Kpi::Voicemail => self.voicemail as f64,
            Kpi::Closed => self.closed as f64,
            Kpi::VoicemailsWorked => self.voicemails_worked as f64,
            Kpi::VoicemailWait => ratio(self.voicemail_wait_s, self.voicemails_worked as f64),
            Kpi::Callback => self.callback as f64,
            Kpi::CallbacksWorked => self.callbacks_worked as f64,
            Kpi::CallbackWait => ratio(self.callback_wait_s, self.callbacks_worked as f64),
            Kpi::Redials => self.redials as f64,
            Kpi::Transfers => transfers(TransferEvent::Attempted),
            Kpi::TransfersAnswered => transfers(TransferEvent::Answered),
            Kpi::TransfersDropped => transfers(TransferEvent::Dropped),
            Kpi::TransfersAbandoned => transfers(TransferEvent::Abandoned),
            Kpi::TransferWait => ratio(self.transfer_wait_s, transfers(TransferEvent::Answered)),
            Kpi::DisconnectDropped => self.disconnect_dropped as f64,
            Kpi::Lost => self.lost as f64,
            Kpi::Blocked => self.blocked as f64,
            Kpi::Contained => self.contained as f64,
        })
    }
}
