//! Blocking: line (trunk) limits per channel and per source number, and
//! queue capacities (`max_waiting`). A contact that finds every line in use,
//! or its queue full, gets a busy signal: it is counted `blocked` (in
//! `offered`), may redial through its source's redial model, and is never
//! billed (docs/scenario.md, "Blocking").

use super::*;
use crate::metrics::BlockKpi;

/// Limits and what is in use, when the scenario has any limit.
pub(super) struct Blocking {
    /// Per channel: lines (`u32::MAX`: no limit) and lines in use.
    channel_max: Vec<u32>,
    channel_used: Vec<u32>,
    /// Per channel: a contact keeps its line through wrap-up.
    include_wrapup: Vec<bool>,
    /// Per source: lines of its number and lines in use.
    source_max: Vec<u32>,
    source_used: Vec<u32>,
    /// Per queue: contacts that may wait (`u32::MAX`: no limit).
    max_waiting: Vec<u32>,
}

impl Blocking {
    /// The limits of a scenario, if it has any.
    pub(super) fn of(s: &Scenario) -> Option<Box<Blocking>> {
        if !crate::scenario::has_blocking(s) {
            return None;
        }
        let none = u32::MAX;
        Some(Box::new(Blocking {
            channel_max: s.channels.iter().map(|c| c.lines.unwrap_or(none)).collect(),
            channel_used: vec![0; s.channels.len()],
            include_wrapup: s.channels.iter().map(|c| c.lines_include_wrapup).collect(),
            source_max: s.sources.iter().map(|x| x.lines.unwrap_or(none)).collect(),
            source_used: vec![0; s.sources.len()],
            max_waiting: s
                .queues
                .iter()
                .map(|q| q.max_waiting.unwrap_or(none))
                .collect(),
        }))
    }
}

impl<const FULL: bool> Engine<'_, FULL> {
    /// A new attempt (an arrival or a redial) takes a line of its channel
    /// and of its source's number; false when one is full (the attempt is
    /// then blocked and its slot released or parked for a redial).
    #[inline(never)]
    pub(super) fn take_line(&mut self, slot: u32, t: f64) -> bool {
        let Some(b) = &mut self.blocking else {
            return true;
        };
        let x = &self.tasks[slot as usize];
        let (ch, src) = (x.channel as usize, x.source as usize);
        if b.channel_used[ch] >= b.channel_max[ch] || b.source_used[src] >= b.source_max[src] {
            self.block(slot, BlockKpi::BlockedLines, t);
            return false;
        }
        b.channel_used[ch] += 1;
        b.source_used[src] += 1;
        self.tasks[slot as usize].holds_line = true;
        true
    }

    /// The customer is off the line (the call ended, or became a call back
    /// or a voicemail): its line is free for the next caller.
    #[inline]
    pub(super) fn free_line(&mut self, slot: u32) {
        if self.blocks() && self.tasks[slot as usize].holds_line {
            self.free_line_of(slot);
        }
    }

    #[inline(never)]
    fn free_line_of(&mut self, slot: u32) {
        let x = &mut self.tasks[slot as usize];
        x.holds_line = false;
        let (ch, src) = (x.channel as usize, x.source as usize);
        if let Some(b) = &mut self.blocking {
            b.channel_used[ch] -= 1;
            b.source_used[src] -= 1;
        }
    }

    /// Talk ended: the line is free unless the channel keeps it through
    /// wrap-up (then the slot's release frees it).
    #[inline]
    pub(super) fn free_line_after_talk(&mut self, slot: u32) {
        if self.blocks()
            && let Some(b) = &self.blocking
            && !b.include_wrapup[self.tasks[slot as usize].channel as usize]
        {
            self.free_line(slot);
        }
    }

    /// True when a contact about to wait in `queue` finds it full: it is
    /// then blocked. Follow-up work (voicemails, call backs, transfer legs)
    /// always waits: the customer is not calling in.
    #[inline]
    pub(super) fn queue_full(&mut self, slot: u32, t: f64) -> bool {
        let Some(b) = &self.blocking else {
            return false;
        };
        let x = &self.tasks[slot as usize];
        let max = b.max_waiting[x.queue as usize];
        if max == u32::MAX || x.followup != Followup::None {
            return false;
        }
        let q = x.queue as usize;
        let waiting: usize = (0..self.n_channels)
            .flat_map(|ch| &self.plan.queue_waitlists[q * self.n_channels + ch])
            .map(|&wl| self.router.waiting_len(wl))
            .sum();
        if waiting < max as usize {
            return false;
        }
        self.block(slot, BlockKpi::BlockedQueueFull, t);
        true
    }

    /// A busy signal: counted, then a redial (the source's redial model, as
    /// for an abandon) or the end of the contact. No meter runs: a call that
    /// was never connected is not billed.
    fn block(&mut self, slot: u32, why: BlockKpi, t: f64) {
        let task = self.tasks[slot as usize];
        if task.counted {
            let queue = (why == BlockKpi::BlockedQueueFull).then_some(task.queue);
            let cell = self.metrics.cell(task.source, task.channel, queue);
            self.metrics
                .blocked(cell, task.arrival(), task.is_redial, why);
        }
        self.trace_task(slot, t, "task.canceled", |e, ev| {
            ev.detail = Some(e.busy_reason(slot, why));
            ev.outcome = Some("blocked");
        });
        let x = &mut self.tasks[slot as usize];
        x.leg_open = false;
        self.free_line(slot);
        self.redial_or_release(slot, t);
    }

    /// Why a contact is being blocked, for the audit trail (read before the
    /// counters change).
    fn busy_reason(&self, slot: u32, why: BlockKpi) -> String {
        let Some(b) = &self.blocking else {
            return String::new();
        };
        let x = &self.tasks[slot as usize];
        let (ch, src, q) = (x.channel as usize, x.source as usize, x.queue as usize);
        if why == BlockKpi::BlockedQueueFull {
            format!(
                "busy signal: queue {} full ({} waiting)",
                self.s.queues[q].name, b.max_waiting[q]
            )
        } else if b.channel_used[ch] >= b.channel_max[ch] {
            format!(
                "busy signal: all {} lines of channel {} in use",
                b.channel_max[ch], self.s.channels[ch].name
            )
        } else {
            format!(
                "busy signal: all {} lines of source {}'s number in use",
                b.source_max[src], self.s.sources[src].name
            )
        }
    }
}
