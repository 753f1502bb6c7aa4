//! Text conversations (docs/scenario.md, "Text conversations"): a task on a
//! channel with a `conversation` is a series of exchanges. Each exchange is
//! the agent's work on the customer's latest message (the source's talk
//! time, under the same slowdown and speed factors as talk); between
//! exchanges the customer takes a reply gap while the agent's slot stays
//! held. A gap longer than the inactivity timeout closes the conversation;
//! a reply within the reopen window after that reopens it: straight to the
//! same agent if she has room, else as a new task through the workflow.
//!
//! ```text
//! accept ─▶ work ─▶ TalkEnd ─▶ exchange_end ─┬─ more to come, gap ≤ timeout ─▶ Reply ─▶ work …
//!                                            ├─ more to come, gap > timeout ─▶ InactiveClose ─▶ close
//!                                            │                                   └─ reply within window ─▶ Reopen
//!                                            └─ last one ─▶ close (agent) or InactiveClose
//! close ─▶ end_talk (meters, wrap-up, complete)
//! ```
//!
//! Every draw of a conversation (its exchange count, each work and gap) is
//! taken from a generator keyed by the customer and the draw's place in
//! the conversation, so a customer's conversation is the same in every
//! design however the events interleave (common random numbers).

use super::*;
use crate::metrics::ConversationClose;
use rand::SeedableRng;
use rand_xoshiro::SplitMix64;

/// A conversation's state beside its task slot (`Engine::conv`).
#[derive(Debug, Clone, Copy)]
pub(super) struct ConvState {
    /// The customer's key: with a draw's number, seeds that draw.
    key: u64,
    /// Exchanges still to come after the current one.
    left: u32,
    /// Exchanges finished in this stretch (since the last answer).
    done: u32,
    /// Exchanges finished in the whole conversation.
    total: u32,
    /// The first exchange's work as drawn at arrival (before any worker's
    /// speed factor): every exchange's when there is nothing to draw from.
    first_work: f64,
    /// The customer's first message (first response and duration count from it).
    start: f64,
    /// When the current exchange's work started (after the first).
    exchange_start: f64,
    /// When the agent's last reply went out.
    last_end: f64,
    /// When the customer's next message comes, once it is known to come
    /// after the inactivity timeout (`INFINITY`: never).
    reply_at: f64,
    /// Seconds this stretch's slot was held waiting for the customer.
    idle_s: f64,
    /// The agent of the last stretch.
    worker: u32,
    /// The conversation's first attempt is a counted contact.
    counted: bool,
    /// This stretch is a reopening.
    reopened: bool,
}

const NO_CONV: ConvState = ConvState {
    key: 0,
    left: 0,
    done: 0,
    total: 0,
    first_work: 0.0,
    start: 0.0,
    exchange_start: 0.0,
    last_end: 0.0,
    reply_at: f64::INFINITY,
    idle_s: 0.0,
    worker: u32::MAX,
    counted: false,
    reopened: false,
};

impl ConvState {
    /// Exchanges finished in this stretch: its messages each way.
    pub(super) fn exchanges_done(&self) -> u32 {
        self.done
    }
}

/// The generator of draw `k` of the customer with key `key`.
fn keyed(key: u64, k: u32) -> SplitMix64 {
    let mut z = key ^ (u64::from(k) << 32 | u64::from(k));
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    SplitMix64::seed_from_u64(z ^ (z >> 31))
}

/// Draw numbers: 0 the exchange count; exchange j (from 1) works with draw
/// 2j and its reply gap with 2j + 1.
const EXCHANGES_DRAW: u32 = 0;

impl<const FULL: bool> Engine<'_, FULL> {
    /// The conversation's shape of a channel, if it has one.
    #[inline]
    fn conversation(&self, channel: u32) -> Option<&crate::scenario::Conversation> {
        self.s.channels[channel as usize].conversation.as_ref()
    }

    /// A new contact on a conversation channel: its key and exchange count
    /// (the arrival's other draws are untouched).
    pub(super) fn begin_conversation(&mut self, slot: u32, t: f64) {
        let x = self.tasks[slot as usize];
        let s = self.s;
        let Some(c) = s.channels[x.channel as usize].conversation.as_ref() else {
            return;
        };
        let key = rand::Rng::next_u64(&mut self.conv_streams[x.source as usize]);
        let n = c
            .exchanges
            .sample(&mut keyed(key, EXCHANGES_DRAW))
            .round()
            .clamp(1.0, crate::scenario::MAX_EXCHANGES) as u32;
        if self.conv.len() <= slot as usize {
            self.conv.resize(self.tasks.len(), NO_CONV);
        }
        self.conv[slot as usize] = ConvState {
            key,
            left: n - 1,
            first_work: x.handle,
            start: t,
            counted: x.counted,
            ..NO_CONV
        };
    }

    /// A redial of an unanswered conversation: the same customer, a new
    /// first message.
    pub(super) fn redial_conversation(&mut self, slot: u32, t: f64) {
        let x = self.tasks[slot as usize];
        if self.conversation(x.channel).is_some() {
            let c = &mut self.conv[slot as usize];
            c.start = t;
            c.counted = x.counted;
        }
    }

    /// The agent's work on exchange `j` (from 2): the source's talk time,
    /// at the worker's speed.
    fn exchange_work(&self, slot: u32, w: u32, j: u32) -> f64 {
        let x = &self.tasks[slot as usize];
        let c = &self.conv[slot as usize];
        let src = &self.s.sources[x.source as usize];
        let dist = src
            .handle_time
            .as_ref()
            .or(self.s.channels[x.channel as usize].handle_time.as_ref());
        let work = match dist {
            Some(d) => d.sample(&mut keyed(c.key, 2 * j)),
            // A trace row's own talk time and nothing to draw from: each
            // exchange takes as long as the first.
            None => c.first_work,
        };
        match (&self.talk_factor, w) {
            (Some(f), w) if w != u32::MAX => {
                let g = self.workers[w as usize].group as usize;
                work * f[g * self.n_channels + x.channel as usize]
            }
            _ => work,
        }
    }

    /// Is this task a conversation? Only asked when some channel has them.
    #[inline]
    pub(super) fn is_conversation(&self, slot: u32) -> bool {
        self.conversation(self.tasks[slot as usize].channel)
            .is_some()
    }

    /// When the work of a conversation's current exchange started (for the
    /// slowdown's handle-time correction).
    pub(super) fn exchange_started(&self, slot: u32) -> f64 {
        let c = &self.conv[slot as usize];
        if c.done == 0 {
            self.tasks[slot as usize].talk_start
        } else {
            c.exchange_start
        }
    }

    /// The agent's reply to the customer's latest message went out.
    pub(super) fn exchange_end(&mut self, w: u32, slot: u32, t: f64) {
        let x = self.tasks[slot as usize];
        // Through the scenario's own reference: no borrow of `self`, no copy.
        let s = self.s;
        let shape = s.channels[x.channel as usize]
            .conversation
            .as_ref()
            .expect("called for conversations");
        let c = &mut self.conv[slot as usize];
        c.done += 1;
        c.total += 1;
        c.worker = w;
        c.last_end = t;
        let first = c.total == 1;
        if first && c.counted {
            let frt = t - c.start;
            self.metrics.first_response(x.channel, frt);
        }
        let c = &mut self.conv[slot as usize];
        let epoch = x.talk_epoch;
        if c.left > 0 {
            c.left -= 1;
            let gap = shape.reply_gap.sample(&mut keyed(c.key, 2 * c.total + 1));
            if gap <= shape.inactivity_timeout_s {
                self.cal.schedule(
                    t + gap,
                    Event::Reply {
                        worker: w,
                        task: slot,
                        epoch,
                    },
                );
            } else {
                c.reply_at = t + gap;
                self.cal.schedule(
                    t + shape.inactivity_timeout_s,
                    Event::InactiveClose {
                        worker: w,
                        task: slot,
                        epoch,
                    },
                );
            }
            self.trace_task(slot, t, "task.updated", |_, ev| {
                ev.detail = Some(format!(
                    "reply sent; the customer answers in {gap:.1} s{}",
                    if gap > shape.inactivity_timeout_s {
                        ", after the inactivity timeout"
                    } else {
                        ""
                    }
                ))
            });
        } else if shape.agent_closes {
            self.close_conversation(w, slot, t, false);
        } else {
            c.reply_at = f64::INFINITY;
            self.cal.schedule(
                t + shape.inactivity_timeout_s,
                Event::InactiveClose {
                    worker: w,
                    task: slot,
                    epoch,
                },
            );
        }
    }

    /// The customer's next message: the agent works on it.
    pub(super) fn customer_reply(&mut self, w: u32, slot: u32, epoch: u32, t: f64) {
        let x = self.tasks[slot as usize];
        if x.talk_epoch != epoch || x.state != TaskState::Serving || x.in_talk {
            return;
        }
        let j = self.conv[slot as usize].total + 1;
        let work = self.exchange_work(slot, w, j);
        let c = &mut self.conv[slot as usize];
        c.idle_s += t - c.last_end;
        c.exchange_start = t;
        let counted = c.counted && !c.reopened;
        let task = &mut self.tasks[slot as usize];
        task.handle = work;
        task.in_talk = true;
        task.work_left = work;
        task.work_since = t;
        if counted {
            // AHT counts every exchange's work of the answered contact.
            let cell = self.cell(&x);
            self.metrics.handle_adjust(cell, work);
        }
        self.trace_task(slot, t, "task.updated", |_, ev| {
            ev.detail = Some(format!("the customer wrote again; work {work:.1} s"))
        });
        self.start_work(w, slot, x.channel, work, t);
    }

    /// The customer stayed silent for the inactivity timeout.
    pub(super) fn inactive_close(&mut self, w: u32, slot: u32, epoch: u32, t: f64) {
        let x = self.tasks[slot as usize];
        if x.talk_epoch != epoch || x.state != TaskState::Serving || x.in_talk {
            return;
        }
        let c = &mut self.conv[slot as usize];
        c.idle_s += t - c.last_end;
        self.close_conversation(w, slot, t, true);
    }

    /// A stretch of the conversation closes: its KPIs, a reopening if the
    /// customer writes again within the window, then wrap-up.
    fn close_conversation(&mut self, w: u32, slot: u32, t: f64, inactive: bool) {
        let x = self.tasks[slot as usize];
        let window = self
            .conversation(x.channel)
            .map_or(0.0, |c| c.reopen_window_s);
        let c = self.conv[slot as usize];
        let reopens = inactive && c.reply_at.is_finite() && c.reply_at - t <= window;
        if c.counted {
            self.metrics.conversation_closed(
                x.channel,
                ConversationClose {
                    inactive,
                    reopens,
                    held_s: t - x.talk_start + x.wrapup,
                    idle_s: c.idle_s,
                    exchanges: c.total,
                    duration_s: t - c.start,
                },
            );
        }
        self.trace_task(slot, t, "task.updated", |_, ev| {
            ev.detail = Some(format!(
                "conversation closed {} after {} exchanges{}",
                if inactive {
                    "on inactivity"
                } else {
                    "by the agent"
                },
                c.total,
                if reopens {
                    "; the customer will reopen it"
                } else {
                    ""
                }
            ))
        });
        // A reply past the window finds it closed: the exchanges left are lost.
        if reopens {
            self.park_reopen(slot);
        }
        // Nothing pending may touch a later task in this slot.
        let task = &mut self.tasks[slot as usize];
        task.talk_epoch = task.talk_epoch.wrapping_add(1);
        self.end_talk(w, slot, t);
    }

    /// Parks a new task for the customer's reopening message, due at her reply.
    fn park_reopen(&mut self, old: u32) {
        let slot = self.alloc_slot();
        if self.conv.len() <= slot as usize {
            self.conv.resize(self.tasks.len(), NO_CONV);
        }
        let first = self.tasks[old as usize];
        let c = self.conv[old as usize];
        let x = &mut self.tasks[slot as usize];
        let (generation, epoch, talk_epoch) = (x.generation, x.epoch, x.talk_epoch);
        // What the conversation keeps; nothing of the closed stretch's line,
        // leg, transfer or fault links comes along.
        *x = Task {
            generation,
            epoch,
            talk_epoch,
            state: TaskState::Parked,
            source: first.source,
            channel: first.channel,
            class: first.class,
            priority: first.priority,
            step: first.step,
            queue: first.queue,
            created: c.reply_at,
            interval: self.metrics.interval_of(c.reply_at) as u32,
            deadline: c.reply_at,
            wrapup: first.wrapup,
            seq: first.seq,
            ..FREE_TASK
        };
        self.conv[slot as usize] = ConvState {
            done: 0,
            idle_s: 0.0,
            reply_at: f64::INFINITY,
            reopened: true,
            ..c
        };
        self.live += 1;
        self.cal.schedule(
            c.reply_at,
            Event::Reopen {
                task: slot,
                generation,
            },
        );
    }

    /// The customer writes in a closed conversation within the window: to
    /// the same agent if she is available with room, else through the
    /// workflow as a new task (not a new contact: its KPIs are the
    /// conversation's and the steps').
    pub(super) fn reopen(&mut self, slot: u32, generation: u32, t: f64) {
        let x = self.tasks[slot as usize];
        if x.generation != generation || x.state != TaskState::Parked {
            return;
        }
        let c = self.conv[slot as usize];
        let j = c.total + 1;
        let w = c.worker;
        let same = self.workers[w as usize].active
            && self.has_room(w, x.channel)
            && !(self.status_lags() && self.gone(w));
        // At the customer's own speed: `accept` applies the worker's.
        let handle = self.exchange_work(slot, u32::MAX, j);
        let metering = self.metering();
        // The same task in the audit trail (its `seq`), as a call back is.
        let task = &mut self.tasks[slot as usize];
        task.generation = task.generation.wrapping_add(1);
        task.state = TaskState::Waiting;
        task.deadline = t;
        task.handle = handle;
        task.filter = NO_FILTER;
        task.followup = Followup::Reopen;
        task.followup_counted = !same && c.counted;
        task.counted = false;
        task.patience = f64::INFINITY;
        task.expiry_scheduled = true;
        task.timed_out_filter = false;
        task.assignments = 0;
        task.call_start = t;
        task.leg_open = true;
        task.is_redial = false;
        if metering {
            task.hour = hour_of_day(t);
        }
        self.set_created(slot, t);
        if c.counted {
            self.metrics.conversation_reopened(x.channel, same);
        }
        self.trace_task(slot, t, "task.created", |e, ev| {
            ev.detail = Some(if same {
                format!(
                    "conversation reopened: back to {}",
                    e.plan.worker_names[w as usize]
                )
            } else {
                "conversation reopened: its agent is not free, routed by the workflow".into()
            })
        });
        if same {
            // The agent's chat window is still hers: no offer to answer.
            self.tasks[slot as usize].routed = true;
            self.take_directly(w, slot, t);
        } else {
            self.tasks[slot as usize].routed = false;
            // `reopen_attributes`: the workflow may tell reopenings apart.
            if let Some(&class) = self
                .conversation(x.channel)
                .and_then(|c| c.reopen_classes.get(x.class as usize))
            {
                self.tasks[slot as usize].class = class;
            }
            self.route_new(slot, t);
        }
    }

    /// The same agent takes the reopened conversation at once.
    fn take_directly(&mut self, w: u32, slot: u32, t: f64) {
        let task = &mut self.tasks[slot as usize];
        task.state = TaskState::Reserved;
        task.reserved_by = w;
        task.assignments += 1;
        let channel = task.channel;
        let worker = &mut self.workers[w as usize];
        worker.tasks += 1;
        worker.last_assign = t;
        worker.restamp();
        let first = worker.tasks == 1;
        let g = worker.group as usize;
        let i = w as usize * self.n_channels + channel as usize;
        self.units[i].load += 1;
        self.metrics.change_work(g, t, i32::from(first), 1);
        self.accept(w, g, slot, t);
    }
}

/// Per-source generators of the customers' conversation keys.
pub(super) fn key_streams(s: &Scenario, seed: u64, replication: u32) -> Vec<Xoshiro256PlusPlus> {
    if s.channels.iter().all(|c| c.conversation.is_none()) {
        return Vec::new();
    }
    (0..s.sources.len() as u32)
        .map(|i| rng::stream(seed, replication, rng::Purpose::Conversation, i))
        .collect()
}

/// The side table of conversation states.
pub(super) fn states() -> Vec<ConvState> {
    Vec::new()
}
