//! `[faults]`: failures and delays injected into a run (docs/faults.md), so
//! QA can reproduce what breaks a center after launch — a slow or failing
//! CRM look-up, an outage, call backs that do not reach the customer,
//! activity changes that reach the router late.
//!
//! Every fault draws from its own random stream, so a design with a fault
//! sees the same customers (arrival times, attributes, talk times, patience)
//! as the design without it, and the difference is the fault's alone.

use super::raw::{Quantity, RawDist};
use super::read::raw_table;
use super::units::Dist;
use super::validate::{Unit, Validator};
use super::{Channel, ChannelId, Group, GroupId, Queue, QueueId, Source, StepId, Workflow};
use crate::scenario::diag::unknown_name;
use toml::Spanned;

raw_table! {
    /// `[faults]`.
    pub struct RawFaults("[faults]") {
        /// A look-up (CRM, webhook) before routing.
        pub lookup: Option<Spanned<RawLookup>>,
        /// A channel, queue or group down for a while.
        pub outages: Vec<Spanned<RawOutage>>,
        /// Call backs that do not reach the customer.
        pub callbacks: Option<Spanned<RawCallbackFaults>>,
        /// Activity changes that reach the router late.
        pub status_lag: Option<Spanned<RawStatusLag>>,
        /// Contacts that create two tasks.
        pub duplicates: Option<Spanned<RawDuplicates>>,
    }
}

raw_table! {
    /// `[faults.duplicates]`.
    pub struct RawDuplicates("[faults.duplicates]") {
        /// Probability that a contact creates a second task.
        pub probability: Spanned<f64>,
        /// "cancel" (default) or "work".
        pub resolve: Option<Spanned<String>>,
        /// The arrival sources concerned (all when absent).
        pub sources: Option<Spanned<Vec<Spanned<String>>>>,
    }
}

raw_table! {
    /// `[faults.status_lag]`.
    pub struct RawStatusLag("[faults.status_lag]") {
        /// How late the router learns of a worker's activity change.
        pub delay: Spanned<RawDist>,
    }
}

raw_table! {
    /// `[faults.lookup]`.
    pub struct RawLookup("[faults.lookup]") {
        /// How long the look-up takes.
        pub delay: Spanned<RawDist>,
        /// The look-up gives up after this long (a failure).
        pub timeout: Option<Spanned<Quantity>>,
        /// Probability that a look-up returns an error (after its delay).
        pub failure: Option<Spanned<f64>>,
        /// "route" (default), "default", "queue" or "drop".
        pub on_failure: Option<Spanned<String>>,
        /// With `on_failure = "queue"`: the queue failed look-ups go to.
        pub queue: Option<Spanned<String>>,
        /// With `on_failure = "queue"`: their priority there.
        pub priority: Option<Spanned<i64>>,
        /// The arrival sources whose contacts are looked up (all when absent).
        pub sources: Option<Spanned<Vec<Spanned<String>>>>,
    }
}

raw_table! {
    /// One `[[faults.outages]]` entry: exactly one of `channel`, `queue`, `group`.
    pub struct RawOutage("a [[faults.outages]] entry") {
        /// A channel down: its new contacts are lost.
        pub channel: Option<Spanned<String>>,
        /// A queue down: it offers nothing.
        pub queue: Option<Spanned<String>>,
        /// A group down: its workers are off line.
        pub group: Option<Spanned<String>>,
        /// Start, a duration from time 0 of the run ("9h", "33h"), as `at` of a
        /// scripted change reads it.
        pub from: Spanned<Quantity>,
        /// End (exclusive).
        pub to: Spanned<Quantity>,
        /// Group outage: channels whose conversations in progress are lost
        /// (all when absent).
        pub drop: Option<Spanned<Vec<Spanned<String>>>>,
    }
}

raw_table! {
    /// `[faults.callbacks]`.
    pub struct RawCallbackFaults("[faults.callbacks]") {
        /// Probability that a call-back attempt reaches the customer.
        pub reach: Spanned<f64>,
        /// Further attempts after a failed one (default 2).
        pub retries: Option<Spanned<i64>>,
        /// Time from a failed attempt to the next (default 15 minutes).
        pub retry_after: Option<Spanned<RawDist>>,
        /// Agent time a failed attempt takes (default 30 s).
        pub attempt: Option<Spanned<RawDist>>,
    }
}

/// The faults of a scenario; `None` in [`super::Scenario::faults`] when it
/// has no `[faults]`.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// A look-up before routing.
    pub lookup: Option<Lookup>,
    /// Outages, in file order.
    pub outages: Vec<Outage>,
    /// Call-back attempts that fail.
    pub callbacks: Option<CallbackFaults>,
    /// How late the router learns of a worker's activity change.
    pub status_lag: Option<Dist>,
    /// Contacts that create two tasks.
    pub duplicates: Option<Duplicates>,
}

/// A contact creates a second task for the same customer (a flow that
/// retries its task creation, a webhook delivered twice).
#[derive(Debug, Clone)]
pub struct Duplicates {
    /// Probability per new attempt.
    pub probability: f64,
    /// What becomes of the pair.
    pub resolve: Resolve,
    /// Per source: its contacts may be duplicated.
    pub sources: Vec<bool>,
}

/// How a pair of duplicate tasks resolves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolve {
    /// The first of the two accepted serves the customer; the other is
    /// canceled then (a ringing one frees its worker). The customer's
    /// outcome is counted once.
    Cancel,
    /// Both are worked: the duplicate takes an agent for the whole talk
    /// and wrap-up again (wasted work), and is never a customer's outcome.
    Work,
}

/// A CRM or webhook look-up every new attempt of the listed sources makes
/// before routing; the customer's patience runs meanwhile.
#[derive(Debug, Clone)]
pub struct Lookup {
    /// How long it takes (a draw per attempt).
    pub delay: Dist,
    /// It gives up after this long: a failure that took `timeout_s`.
    pub timeout_s: f64,
    /// Probability of an error after the delay.
    pub failure: f64,
    /// What a failed look-up does.
    pub on_failure: OnLookupFailure,
    /// Per source: its contacts are looked up.
    pub sources: Vec<bool>,
}

/// What happens to a contact whose look-up failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnLookupFailure {
    /// Routed as if the look-up had succeeded (the attributes as drawn).
    Route,
    /// Straight to the workflow's default filter (no attributes from the
    /// look-up match no filter); canceled `no_match` without one.
    Default,
    /// To a named queue (a step of its own).
    Queue(StepId),
    /// The flow hangs up: the contact is lost.
    Drop,
}

/// Something down between two times.
#[derive(Debug, Clone)]
pub struct Outage {
    /// What is down.
    pub target: OutageTarget,
    /// Start, seconds from time 0.
    pub from_s: f64,
    /// End (exclusive), seconds from time 0.
    pub to_s: f64,
}

/// What an outage takes down.
#[derive(Debug, Clone)]
pub enum OutageTarget {
    /// New contacts on the channel cannot reach the center: they are lost.
    Channel(ChannelId),
    /// The queue offers nothing: it behaves as closed (tasks wait, or move
    /// on at their step's timeout).
    Queue(QueueId),
    /// The group's workers are off line; conversations on `drop` channels
    /// in progress are lost.
    Group {
        /// The group.
        group: GroupId,
        /// Per channel: conversations in progress are lost.
        drop: Vec<bool>,
    },
}

/// Call-back attempts that do not reach the customer.
#[derive(Debug, Clone)]
pub struct CallbackFaults {
    /// Probability that an attempt reaches the customer.
    pub reach: f64,
    /// Further attempts after a failed one.
    pub retries: u32,
    /// Time from a failed attempt to the next.
    pub retry_after: Dist,
    /// Agent time of a failed attempt.
    pub attempt: Dist,
}

/// The largest `retries`: a failing number is not dialled for ever.
const MAX_RETRIES: i64 = 100;

/// What `[faults]` is checked against.
pub(super) struct FaultRefs<'a> {
    pub channels: &'a [Channel],
    pub queues: &'a [Queue],
    pub groups: &'a [Group],
    pub sources: &'a [Source],
    /// The run's end (horizon plus drain limit), seconds.
    pub end_s: f64,
}

impl Validator<'_> {
    /// `[faults]`; a `queue` fall-back adds its step to `workflow`.
    pub(super) fn faults(
        &mut self,
        raw: &Spanned<RawFaults>,
        refs: &FaultRefs<'_>,
        workflow: &mut Workflow,
    ) -> Option<Faults> {
        let f = raw.get_ref();
        let mut ok = true;
        let lookup = match &f.lookup {
            None => None,
            Some(l) => {
                let l = self.lookup(l, refs, workflow);
                ok &= l.is_some();
                l
            }
        };
        let mut outages = Vec::new();
        for o in &f.outages {
            match self.outage(o, refs) {
                Some(o) => outages.push(o),
                None => ok = false,
            }
        }
        let callbacks = match &f.callbacks {
            None => None,
            Some(c) => {
                if workflow.callback.is_none() {
                    self.warn(
                        &c.span(),
                        "[faults.callbacks] has no effect: the workflow offers no call backs (add [workflow.callback], or remove this table)",
                    );
                }
                let c = self.callback_faults(c);
                ok &= c.is_some();
                c
            }
        };
        let status_lag = match &f.status_lag {
            None => None,
            Some(l) => {
                let d = self.dist(&l.get_ref().delay, Unit::Seconds);
                ok &= d.is_some();
                d
            }
        };
        let duplicates = match &f.duplicates {
            None => None,
            Some(d) => {
                let d = self.duplicates(d, refs);
                ok &= d.is_some();
                d
            }
        };
        ok.then_some(Faults {
            lookup,
            outages,
            callbacks,
            status_lag,
            duplicates,
        })
    }

    fn probability(&mut self, p: &Spanned<f64>, what: &str) -> Option<f64> {
        let v = *p.get_ref();
        if (0.0..=1.0).contains(&v) {
            Some(v)
        } else {
            self.err(
                &p.span(),
                format!("{what} is a probability between 0 and 1, found {v}"),
            );
            None
        }
    }

    fn lookup(
        &mut self,
        raw: &Spanned<RawLookup>,
        refs: &FaultRefs<'_>,
        workflow: &mut Workflow,
    ) -> Option<Lookup> {
        let l = raw.get_ref();
        let delay = self.dist(&l.delay, Unit::Seconds);
        let timeout_s = match &l.timeout {
            None => Some(f64::INFINITY),
            Some(q) => self.positive_duration(q, "the look-up `timeout`"),
        };
        let failure = match &l.failure {
            None => Some(0.0),
            Some(p) => self.probability(p, "`failure`"),
        };
        let action = l
            .on_failure
            .as_ref()
            .map(|a| (a.get_ref().trim(), a.span()));
        let on_failure = match (action, &l.queue) {
            (None | Some(("route", _)), None) => Some(OnLookupFailure::Route),
            (Some(("default", _)), None) => Some(OnLookupFailure::Default),
            (Some(("drop", _)), None) => Some(OnLookupFailure::Drop),
            (None | Some(("queue", _)), Some(q)) => {
                let priority = self.priority(&l.priority)?;
                self.queue_id(q, refs.queues).map(|queue| {
                    workflow.steps.push(super::workflow::followup_step(
                        "look-up failed",
                        queue,
                        priority,
                    ));
                    OnLookupFailure::Queue(StepId(workflow.steps.len() as u32 - 1))
                })
            }
            (Some(("queue", span)), None) => {
                self.err(
                    &span,
                    "`on_failure = \"queue\"` needs `queue = \"NAME\"`: the queue failed look-ups go to",
                );
                None
            }
            (Some((a @ ("route" | "default" | "drop"), span)), Some(_)) => {
                self.err(
                    &span,
                    format!("`queue` is only for `on_failure = \"queue\"`: remove `queue`, or replace \"{a}\" with \"queue\""),
                );
                None
            }
            (Some((other, span)), _) => {
                self.err(
                    &span,
                    format!(
                        "unknown `on_failure` \"{other}\"; expected \"route\" (go on with the attributes as drawn), \"default\" (the workflow's default filter), \"queue\" (with `queue`) or \"drop\" (hang up){}",
                        super::diag::did_you_mean(other, ["route", "default", "queue", "drop"])
                    ),
                );
                None
            }
        };
        let sources = self.fault_sources(l.sources.as_ref(), refs);
        Some(Lookup {
            delay: delay?,
            timeout_s: timeout_s?,
            failure: failure?,
            on_failure: on_failure?,
            sources: sources?,
        })
    }

    /// Per source: named in `list` (every source when absent).
    fn fault_sources(
        &mut self,
        list: Option<&Spanned<Vec<Spanned<String>>>>,
        refs: &FaultRefs<'_>,
    ) -> Option<Vec<bool>> {
        let Some(list) = list else {
            return Some(vec![true; refs.sources.len()]);
        };
        let mut on = vec![false; refs.sources.len()];
        let mut ok = true;
        for name in list.get_ref() {
            match refs.sources.iter().position(|s| &s.name == name.get_ref()) {
                Some(i) => on[i] = true,
                None => {
                    let names: Vec<&str> = refs.sources.iter().map(|s| s.name.as_str()).collect();
                    self.err(
                        &name.span(),
                        unknown_name("arrival source", name.get_ref(), &names),
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(on)
    }

    fn duplicates(
        &mut self,
        raw: &Spanned<RawDuplicates>,
        refs: &FaultRefs<'_>,
    ) -> Option<Duplicates> {
        let d = raw.get_ref();
        let probability = self.probability(&d.probability, "`probability`");
        let resolve = match d.resolve.as_ref().map(|r| (r.get_ref().trim(), r.span())) {
            None | Some(("cancel", _)) => Some(Resolve::Cancel),
            Some(("work", _)) => Some(Resolve::Work),
            Some((other, span)) => {
                self.err(
                    &span,
                    format!(
                        "unknown `resolve` \"{other}\"; expected \"cancel\" (the other task is canceled when one is accepted) or \"work\" (both are worked){}",
                        super::diag::did_you_mean(other, ["cancel", "work"])
                    ),
                );
                None
            }
        };
        let sources = self.fault_sources(d.sources.as_ref(), refs);
        Some(Duplicates {
            probability: probability?,
            resolve: resolve?,
            sources: sources?,
        })
    }

    fn outage(&mut self, raw: &Spanned<RawOutage>, refs: &FaultRefs<'_>) -> Option<Outage> {
        let o = raw.get_ref();
        let from_s = self.duration(&o.from);
        let to_s = self.duration(&o.to);
        if let (Some(a), Some(b)) = (from_s, to_s)
            && b <= a
        {
            self.err(
                &o.to.span(),
                format!("an outage's `to` ({b} s) must be after its `from` ({a} s)"),
            );
            return None;
        }
        let given = [&o.channel, &o.queue, &o.group]
            .iter()
            .filter(|x| x.is_some())
            .count();
        if given != 1 {
            self.err(
                &raw.span(),
                "an outage takes down exactly one of `channel`, `queue` or `group`; write one of them",
            );
            return None;
        }
        if let Some(drop) = &o.drop
            && o.group.is_none()
        {
            self.err(
                &drop.span(),
                "`drop` is only for a `group` outage (the channels whose conversations are lost)",
            );
            return None;
        }
        let target = if let Some(c) = &o.channel {
            OutageTarget::Channel(self.channel_id(c, refs.channels)?)
        } else if let Some(q) = &o.queue {
            OutageTarget::Queue(self.queue_id(q, refs.queues)?)
        } else {
            let g = o.group.as_ref().expect("one is given");
            let Some(i) = refs.groups.iter().position(|x| &x.name == g.get_ref()) else {
                let names: Vec<&str> = refs.groups.iter().map(|x| x.name.as_str()).collect();
                self.err(&g.span(), unknown_name("agent group", g.get_ref(), &names));
                return None;
            };
            let drop = match &o.drop {
                None => vec![true; refs.channels.len()],
                Some(list) => {
                    let mut drop = vec![false; refs.channels.len()];
                    for c in list.get_ref() {
                        drop[self.channel_id(c, refs.channels)?.idx()] = true;
                    }
                    drop
                }
            };
            OutageTarget::Group {
                group: GroupId(i as u32),
                drop,
            }
        };
        let (from_s, to_s) = (from_s?, to_s?);
        if from_s >= refs.end_s {
            self.warn(
                &o.from.span(),
                format!(
                    "this outage starts after the run ends ({} s): it never happens; move `from` before the horizon",
                    refs.end_s
                ),
            );
        }
        Some(Outage {
            target,
            from_s,
            to_s,
        })
    }

    fn callback_faults(&mut self, raw: &Spanned<RawCallbackFaults>) -> Option<CallbackFaults> {
        let c = raw.get_ref();
        let reach = self.probability(&c.reach, "`reach`");
        if reach == Some(0.0) {
            self.err(
                &c.reach.span(),
                "`reach = 0` means no call back ever reaches anyone; use a small positive value, or drop [workflow.callback]",
            );
        }
        let retries = match &c.retries {
            None => Some(2),
            Some(r) => match *r.get_ref() {
                n @ 0..=MAX_RETRIES => Some(n as u32),
                n => {
                    self.err(
                        &r.span(),
                        format!("`retries` must be between 0 and {MAX_RETRIES}, found {n}"),
                    );
                    None
                }
            },
        };
        let retry_after = match &c.retry_after {
            None => Dist::deterministic(900.0).ok(),
            Some(d) => self.dist(d, Unit::Seconds),
        };
        let attempt = match &c.attempt {
            None => Dist::deterministic(30.0).ok(),
            Some(d) => self.dist(d, Unit::Seconds),
        };
        Some(CallbackFaults {
            reach: reach.filter(|&r| r > 0.0)?,
            retries: retries?,
            retry_after: retry_after?,
            attempt: attempt?,
        })
    }
}
