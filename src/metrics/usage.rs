//! Usage meters: what one replication's contacts used (call legs in billing
//! increments, messages, conversations) per channel, queue and hour of day,
//! and per channel and interval of the counted window.
//! Collected by the engine beside the KPIs and priced by [`crate::cost`]; they
//! live here, below both, so a replication's result does not depend on
//! billing.

use crate::metrics::wire::wire_struct;
use crate::scenario::Scenario;

/// Usage of one segment (a channel × queue, a channel × hour of day, or a
/// channel × interval).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Meter {
    /// Customer legs to local numbers: seconds, and billing increments
    /// (each leg rounded up on its own).
    pub inbound_s: f64,
    /// Increments of `inbound_s`.
    pub inbound_units: u64,
    /// Customer legs to toll-free numbers, seconds.
    pub toll_free_s: f64,
    /// Increments of `toll_free_s`.
    pub toll_free_units: u64,
    /// Outbound legs (call backs), seconds.
    pub outbound_s: f64,
    /// Increments of `outbound_s`.
    pub outbound_units: u64,
    /// Agent legs (talk, including a warm transfer's hold), seconds.
    pub agent_s: f64,
    /// Increments of `agent_s`.
    pub agent_units: u64,
    /// Recorded agent legs, seconds.
    pub recorded_s: f64,
    /// Increments of `recorded_s`.
    pub recorded_units: u64,
    /// Messages sent by customers.
    pub messages_in: u64,
    /// Messages sent by agents.
    pub messages_out: u64,
    /// Segments of `messages_in`.
    pub segments_in: u64,
    /// Segments of `messages_out`.
    pub segments_out: u64,
    /// Contacts that were not redials: distinct customers, each opening one
    /// conversation window (a redial comes back inside its customer's 24 h
    /// window). Also the Conversations active users.
    pub conversations: u64,
}

impl Meter {
    /// Adds `o` field by field.
    #[inline]
    pub fn add(&mut self, o: &Meter) {
        self.inbound_s += o.inbound_s;
        self.inbound_units += o.inbound_units;
        self.toll_free_s += o.toll_free_s;
        self.toll_free_units += o.toll_free_units;
        self.outbound_s += o.outbound_s;
        self.outbound_units += o.outbound_units;
        self.agent_s += o.agent_s;
        self.agent_units += o.agent_units;
        self.recorded_s += o.recorded_s;
        self.recorded_units += o.recorded_units;
        self.messages_in += o.messages_in;
        self.messages_out += o.messages_out;
        self.segments_in += o.segments_in;
        self.segments_out += o.segments_out;
        self.conversations += o.conversations;
    }
}

/// Rounds a leg up to whole billing increments (a leg a hair over a boundary
/// through floating-point noise is not charged one more).
#[inline]
pub fn increments(secs: f64, increment_s: f64) -> u64 {
    if secs <= 0.0 {
        return 0;
    }
    // A ceiling without libm's `ceil` call (this runs for every leg).
    // (`as i64` is one conversion instruction; `as u64` is not on x86-64.)
    let q = secs / increment_s - 1e-9;
    let whole = q as i64;
    (whole + i64::from(q > whole as f64)).max(1) as u64
}

/// Where a metered contact belongs.
#[derive(Debug, Clone, Copy)]
pub struct MeterKey {
    /// Channel index.
    pub channel: u32,
    /// Queue where the contact's routing ended, if any.
    pub queue: Option<u32>,
    /// Hour of day (local) of the contact's arrival, 0–23.
    pub hour: u32,
    /// Interval of the counted window in which the contact arrived.
    pub interval: u32,
}

/// The usage meters of one replication, one [`Meter`] per (channel, queue
/// or none, hour of day) and one per (channel, interval): two updates per
/// metered event; the per-queue and per-hour views are sums taken when
/// billing.
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    n_queues1: usize,
    n_intervals: usize,
    /// `[channel × (queue + 1) × 24]`, queue 0 = none.
    cells: Vec<Meter>,
    /// `[channel × interval]`.
    intervals: Vec<Meter>,
    /// Workers in a non-Offline activity at some time inside the window.
    pub active_users: u32,
}

impl Usage {
    /// Empty meters for a scenario.
    pub fn new(s: &Scenario) -> Usage {
        let n_queues1 = s.queues.len() + 1;
        let n_intervals = s.sim.interval_count();
        Usage {
            n_queues1,
            n_intervals,
            cells: vec![Meter::default(); s.channels.len() * n_queues1 * 24],
            intervals: vec![Meter::default(); s.channels.len() * n_intervals],
            active_users: 0,
        }
    }

    /// Adds a contact's usage `m` to its (channel, queue, hour) meter and to
    /// its (channel, interval) meter.
    #[inline]
    pub fn record(&mut self, k: MeterKey, m: &Meter) {
        let q = k.queue.map_or(0, |q| q as usize + 1);
        let i = (k.channel as usize * self.n_queues1 + q) * 24 + k.hour as usize;
        self.cells[i].add(m);
        self.intervals[k.channel as usize * self.n_intervals + k.interval as usize].add(m);
    }

    /// A channel's usage per interval of the contacts' arrival.
    pub fn channel_intervals(&self, c: usize) -> &[Meter] {
        &self.intervals[c * self.n_intervals..(c + 1) * self.n_intervals]
    }

    /// A channel's usage in one pass over its cells: the total, per queue
    /// slot (0 = none, else queue index + 1) and per hour of day of arrival.
    pub fn channel(&self, c: usize) -> ChannelUsage {
        let mut out = ChannelUsage {
            total: Meter::default(),
            by_queue: vec![Meter::default(); self.n_queues1],
            by_hour: [Meter::default(); 24],
        };
        let cells = &self.cells[c * self.n_queues1 * 24..(c + 1) * self.n_queues1 * 24];
        for (i, x) in cells.iter().enumerate() {
            out.total.add(x);
            out.by_queue[i / 24].add(x);
            out.by_hour[i % 24].add(x);
        }
        out
    }
}

wire_struct!(Meter {
    inbound_s,
    inbound_units,
    toll_free_s,
    toll_free_units,
    outbound_s,
    outbound_units,
    agent_s,
    agent_units,
    recorded_s,
    recorded_units,
    messages_in,
    messages_out,
    segments_in,
    segments_out,
    conversations,
});

wire_struct!(Usage {
    n_queues1,
    n_intervals,
    cells,
    intervals,
    active_users,
});

/// One channel's usage, whole and broken down.
#[derive(Debug, Clone)]
pub struct ChannelUsage {
    /// Everything on the channel.
    pub total: Meter,
    /// Per queue slot: 0 = contacts that reached no queue, else queue + 1.
    pub by_queue: Vec<Meter>,
    /// Per hour of day of the contacts' arrival.
    pub by_hour: [Meter; 24],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legs_round_up_to_whole_increments_on_their_own() {
        assert_eq!(increments(0.0, 60.0), 0);
        assert_eq!(increments(-3.0, 60.0), 0);
        assert_eq!(increments(0.001, 60.0), 1);
        assert_eq!(increments(60.0, 60.0), 1);
        assert_eq!(increments(61.0, 60.0), 2);
        assert_eq!(increments(125.0, 1.0), 125);
        // Floating-point noise just above a boundary is not one more increment.
        assert_eq!(increments(0.1 + 0.2, 0.3), 1);
    }
}
