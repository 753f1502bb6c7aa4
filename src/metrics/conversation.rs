//! Text conversations' KPIs per channel (docs/outputs.md, "Conversations"):
//! sums kept while the run goes, folded into [`ConversationKpis`] at the end.

use super::{Collector, ConversationKpi, ConversationKpis};

/// One channel's running sums, of counted conversations only.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct ConversationSums {
    conversations: u64,
    exchanges: u64,
    first_responses: u64,
    first_response_s: f64,
    first_response_within: u64,
    duration_s: f64,
    closes: u64,
    closed_inactive: u64,
    reopened: u64,
    reopened_same_worker: u64,
    reopens_answered: u64,
    reopen_wait_s: f64,
    held_s: f64,
    idle_s: f64,
}

/// How one stretch of a conversation (from its answer to its close) ended.
#[derive(Debug, Clone, Copy)]
pub struct ConversationClose {
    /// Closed by the inactivity timeout (else by the agent).
    pub inactive: bool,
    /// The customer reopens it later (else it ended for good).
    pub reopens: bool,
    /// Seconds the agent's slot was held for this stretch, wrap-up included.
    pub held_s: f64,
    /// Of those, seconds held while waiting for the customer's reply.
    pub idle_s: f64,
    /// Exchanges of the whole conversation so far.
    pub exchanges: u32,
    /// From the customer's first message to this close.
    pub duration_s: f64,
}

impl Collector {
    /// The agent's first reply of a counted conversation reached the
    /// customer `secs` after her first message.
    pub fn first_response(&mut self, channel: u32, secs: f64) {
        let threshold = self.threshold(channel);
        let c = &mut self.conversations[channel as usize];
        c.first_responses += 1;
        c.first_response_s += secs;
        c.first_response_within += u64::from(secs <= threshold);
    }

    /// A stretch of a counted conversation closed.
    pub fn conversation_closed(&mut self, channel: u32, x: ConversationClose) {
        let c = &mut self.conversations[channel as usize];
        c.closes += 1;
        c.closed_inactive += u64::from(x.inactive);
        c.held_s += x.held_s;
        c.idle_s += x.idle_s;
        if x.reopens {
            c.reopened += 1;
        } else {
            c.conversations += 1;
            c.exchanges += u64::from(x.exchanges);
            c.duration_s += x.duration_s;
        }
    }

    /// The customer reopened a counted conversation: straight back to its
    /// agent (`same_worker`), or routed through the workflow.
    pub fn conversation_reopened(&mut self, channel: u32, same_worker: bool) {
        self.conversations[channel as usize].reopened_same_worker += u64::from(same_worker);
    }

    /// A routed reopening of a counted conversation was answered after
    /// waiting `wait` seconds.
    pub fn reopen_answered(&mut self, channel: u32, wait: f64) {
        let c = &mut self.conversations[channel as usize];
        c.reopens_answered += 1;
        c.reopen_wait_s += wait;
    }

    /// The service-level threshold of a channel's contacts.
    #[inline]
    pub(super) fn threshold(&self, channel: u32) -> f64 {
        match &self.channel_threshold {
            None => self.sl_threshold_s,
            Some(t) => t[channel as usize],
        }
    }

    /// Each channel's conversation KPIs (zeros and NaN where it has none).
    pub(super) fn conversation_kpis(&self) -> Vec<ConversationKpis> {
        self.conversations
            .iter()
            .map(|c| {
                let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
                ConversationKpis::from_fn(|k| match k {
                    ConversationKpi::Conversations => c.conversations as f64,
                    ConversationKpi::Exchanges => ratio(c.exchanges as f64, c.conversations as f64),
                    ConversationKpi::FirstResponse => {
                        ratio(c.first_response_s, c.first_responses as f64)
                    }
                    ConversationKpi::FirstResponseSl => {
                        ratio(c.first_response_within as f64, c.first_responses as f64)
                    }
                    ConversationKpi::Duration => ratio(c.duration_s, c.conversations as f64),
                    ConversationKpi::ClosedInactive => c.closed_inactive as f64,
                    ConversationKpi::Reopened => c.reopened as f64,
                    ConversationKpi::ReopenRate => ratio(c.reopened as f64, c.closes as f64),
                    ConversationKpi::ReopenedSameWorker => c.reopened_same_worker as f64,
                    ConversationKpi::ReopenWait => {
                        ratio(c.reopen_wait_s, c.reopens_answered as f64)
                    }
                    ConversationKpi::HeldHours => c.held_s / 3600.0,
                    ConversationKpi::HeldIdleShare => ratio(c.idle_s, c.held_s),
                })
            })
            .collect()
    }
}
