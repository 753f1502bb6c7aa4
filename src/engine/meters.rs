//! Cost meters (only with `[costs]`): customer legs, agent legs, recording,
//! messages and online time, plus the flush of unfinished work at the end.

use super::*;

impl<const FULL: bool> Engine<'_, FULL> {
    /// The customer's leg ends after `secs` on the line, unanswered (the
    /// contact abandoned, was canceled, took a call back, or heard the
    /// after-hours message): metered with one inbound message.
    #[inline]
    pub(super) fn close_leg(&mut self, slot: u32, secs: f64) {
        if self.metering() && self.tasks[slot as usize].leg_open {
            self.meter(slot, None, Some((secs, false)));
        }
    }

    /// Talk on a task ends at `t`: its agent leg, and the customer's leg if
    /// the call ends with it (no transfer carries it on).
    #[inline]
    pub(super) fn meter_talk_end(&mut self, slot: u32, t: f64) {
        if !self.metering() {
            return;
        }
        let x = &self.tasks[slot as usize];
        let leg = x.leg_open.then_some((t - x.call_start, true));
        let agent = (x.followup != Followup::Voicemail).then_some(t - x.talk_start);
        self.meter(slot, agent, leg);
    }

    /// Meters a task's legs in one update of its (channel, queue, hour)
    /// cell and its (channel, interval) cell: an agent leg of `agent` seconds (and, for a call back, the
    /// outbound customer leg), and the customer's leg `(seconds, answered)`,
    /// closing it. Each leg is rounded up on its own. An answered contact's
    /// messages are drawn from the card, an unanswered one sends one.
    pub(super) fn meter(&mut self, slot: u32, agent: Option<f64>, leg: Option<(f64, bool)>) {
        let x = &mut self.tasks[slot as usize];
        if leg.is_some() {
            x.leg_open = false;
        }
        if !x.tracked() {
            return;
        }
        let (channel, source, redial) = (x.channel, x.source, x.is_redial);
        let outbound = x.followup == Followup::Callback;
        // Hour of day and interval of the contact's arrival (`call_start`:
        // a follow-up keeps its contact's).
        let cell = crate::metrics::usage::MeterKey {
            channel,
            queue: x.routed.then_some(x.queue),
            hour: u32::from(x.hour),
            interval: self.metrics.interval_of(x.call_start) as u32,
        };
        let Some(costs) = &self.s.costs else { return };
        let rates = &costs.channels[channel as usize];
        let (mut m_in, mut m_out, mut s_in, mut s_out) = (0u64, 0u64, 0u64, 0u64);
        if rates.messaging
            && let Some((_, answered)) = leg
        {
            let rng = &mut self.usage_rng;
            if answered && self.s.channels[channel as usize].conversation.is_some() {
                // A conversation's messages are its exchanges: the
                // customer's message and the agent's reply, this stretch.
                let n = u64::from(self.conv[slot as usize].exchanges_done());
                (m_in, m_out) = (n, n);
            } else if answered {
                let n = rates.messages_per_contact.as_ref().map_or(0.0, |d| {
                    d.sample(rng)
                        .round()
                        .clamp(0.0, crate::scenario::costs::MAX_MESSAGES)
                });
                m_in = (n * rates.inbound_share).round() as u64;
                m_out = n as u64 - m_in;
            } else {
                m_in = 1;
            }
            let mut segments = || {
                rates.segments_per_message.as_ref().map_or(1, |d| {
                    d.sample(rng)
                        .round()
                        .clamp(1.0, crate::scenario::costs::MAX_SEGMENTS) as u64
                })
            };
            for _ in 0..m_in {
                s_in += segments();
            }
            for _ in 0..m_out {
                s_out += segments();
            }
        }
        let toll_free = leg.is_some() && self.s.sources[source as usize].toll_free;
        // This event's usage, added to the contact's meters in one go.
        let mut m = crate::metrics::usage::Meter::default();
        if let Some(secs) = agent {
            let units = crate::metrics::usage::increments(secs, rates.increment_s);
            m.agent_s = secs;
            m.agent_units = units;
            if rates.record {
                m.recorded_s = secs;
                m.recorded_units = units;
            }
            if outbound {
                m.outbound_s = secs;
                m.outbound_units = units;
            }
        }
        if let Some((secs, _)) = leg {
            let units = crate::metrics::usage::increments(secs, rates.increment_s);
            if toll_free {
                m.toll_free_s = secs;
                m.toll_free_units = units;
            } else {
                m.inbound_s = secs;
                m.inbound_units = units;
            }
            if rates.messaging {
                m.messages_in = m_in;
                m.messages_out = m_out;
                m.segments_in = s_in;
                m.segments_out = s_out;
            }
            m.conversations = u64::from(!redial);
        }
        self.usage
            .as_mut()
            .expect("costs mean meters")
            .record(cell, &m);
    }

    /// Workers' time online, for monthly-active-user counts: a worker counts
    /// if it was in a non-Offline activity at some time inside the window.
    pub(super) fn track_online(&mut self, w: u32, t: f64, online: bool) {
        if self.online_since.is_empty() {
            return;
        }
        let i = w as usize;
        if online {
            self.online_since[i] = t;
        } else {
            let since = self.online_since[i];
            if since < self.s.sim.horizon_s && t > self.s.sim.warmup_s {
                self.active_user[i] = true;
            }
            self.online_since[i] = f64::NAN;
        }
    }

    /// The meters, with the active-user count closed at the end of the run.
    pub(super) fn finish_usage(&mut self) -> Option<crate::metrics::usage::Usage> {
        let mut usage = self.usage.take()?;
        let horizon = self.s.sim.horizon_s;
        usage.active_users = self
            .active_user
            .iter()
            .zip(&self.online_since)
            .filter(|(was, since)| **was || **since < horizon)
            .count() as u32;
        Some(usage)
    }

    /// Counts customers still waiting when the run stopped.
    pub(super) fn flush_unfinished(&mut self) {
        let now = self.now;
        for i in 0..self.tasks.len() {
            let task = self.tasks[i];
            if task.state != TaskState::Free && task.leg_open {
                // Still on the line when the run stopped: billed until then.
                self.close_leg(i as u32, now - task.call_start);
            }
            if matches!(
                task.state,
                TaskState::Waiting
                    | TaskState::Reserved
                    | TaskState::LookingUp
                    | TaskState::SelfService
            ) && task.counted
                // A duplicate still linked to its twin: the twin counts.
                && !(task.ghost && task.twin != NO_TWIN)
            {
                let cell = self.cell(&task);
                self.metrics
                    .unfinished(cell, task.arrival(), task.is_redial);
            }
        }
    }
}
