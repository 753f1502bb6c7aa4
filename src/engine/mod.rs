//! One replication: `run(&Scenario, seed, replication) → ReplicationResult`.
//!
//! The loop pops the earliest event, dispatches it and schedules what follows.
//! It does no I/O and shares nothing, so replications run in parallel freely.
//! In steady state it allocates nothing: task slots are recycled through a free
//! list and the heaps keep their capacity.
//!
//! A task walks the workflow (docs/routing.md, "The workflow walk"):
//! ```text
//! arrival ─▶ first matching filter ─▶ step 1 ─▶ free eligible worker? ─yes─▶ reserve ─▶ talk ─▶ wrap-up
//!                 │ none                 │ no                                                  │
//!                 ▼                      ▼                                     worker pulls next task
//!           default step          skip_if true? ─yes─▶ next step ──┐
//!           or canceled                  │ no                      │
//!                                        ▼                         │
//!                                  wait in waitlist ──deadline (cumulative age)──▶ next step,
//!                                        │                 then next matching filter, else canceled
//!                                        └── patience or TTL ──▶ abandoned / canceled
//! ```

pub mod calendar;
pub mod event;
pub mod rng;
pub mod trace;

use crate::arrivals::SourceState;
use crate::expr::{KeyId, Resolver, Scope, ValueRef};
use crate::metrics::{
    CancelReason, CellId, Collector, ReplicationResult, ReservationEvent, StepEvent,
};
use crate::routing::{self, IdleEntry, Plan, Router, SkipCounter, WaitEntry, WorkerField};
use crate::scenario::{
    AVAILABLE, AfterHours, OFFLINE, Scenario, StepId, TransferTarget, UNAVAILABLE,
};
use crate::workforce::{self, NO_BREAK, Worker};
use calendar::Calendar;
use event::Event;
use rand_distr::{Distribution, StandardUniform};
use rand_xoshiro::Xoshiro256PlusPlus;
use trace::{TraceEvent, Tracer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TaskState {
    Free,
    /// Pending in a step's waitlist.
    Waiting,
    /// Between attempts: a redial or an accepted call back not yet due.
    Parked,
    /// Offered to a worker who has not answered yet.
    Reserved,
    /// Accepted: talking or wrapping up.
    Serving,
}

/// A task that follows up a contact rather than being one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Followup {
    /// An ordinary contact.
    None,
    /// A voicemail.
    Voicemail,
    /// A call back.
    Callback,
    /// The second leg of a transfer.
    Transfer,
}

/// How a pending reservation will end (drawn when it is created).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Accept,
    Reject,
    Timeout,
}

/// An unused task slot; new tasks fill in what they need over it.
const FREE_TASK: Task = Task {
    generation: 0,
    epoch: 0,
    state: TaskState::Free,
    source: 0,
    channel: 0,
    class: 0,
    priority: 0,
    step: 0,
    queue: 0,
    filter: NO_FILTER,
    waitlist: 0,
    created: 0.0,
    deadline: 0.0,
    handle: 0.0,
    wrapup: 0.0,
    patience: 0.0,
    seq: 0,
    counted: false,
    routed: false,
    reserved_by: 0,
    assignments: 0,
    answer: Answer::Accept,
    talk_epoch: 0,
    followup: Followup::None,
    followup_counted: false,
    origin_queue: 0,
    parent: u32::MAX,
    parent_generation: 0,
    parent_worker: 0,
    is_redial: false,
    work_left: 0.0,
    work_since: 0.0,
    expiry_scheduled: false,
    timed_out_filter: false,
    in_talk: false,
    call_start: 0.0,
    talk_start: 0.0,
    leg_open: false,
    hour: 0,
};

/// The hour of day (0–23) of a time, day 0 starting at local midnight.
#[inline]
fn hour_of_day(t: f64) -> u8 {
    // Integer arithmetic: `rem_euclid` on floats calls libm's fmod.
    ((t.max(0.0) * (1.0 / 3600.0)) as i64 % 24) as u8
}

/// Reservations per task before TaskRouter cancels it (docs/routing.md, "Reservations").
const MAX_ASSIGNMENTS: u16 = 1000;

/// No filter (the task is in the default step, or not yet routed).
const NO_FILTER: u32 = u32::MAX;

/// A customer contact in the system (slot in a recycled slab).
#[derive(Debug, Clone, Copy)]
struct Task {
    generation: u32,
    /// Step entries so far: stale waitlist entries and step timeouts carry an older one.
    epoch: u32,
    state: TaskState,
    source: u32,
    channel: u32,
    class: u32,
    priority: u32,
    step: u32,
    /// Queue of the current step.
    queue: u32,
    filter: u32,
    waitlist: u32,
    created: f64,
    /// Cumulative, age-based deadline of the current step (docs/routing.md, "Timeouts").
    deadline: f64,
    handle: f64,
    wrapup: f64,
    patience: f64,
    seq: u64,
    counted: bool,
    /// Has entered a step (so `step` names its queue).
    routed: bool,
    /// The worker holding the pending reservation.
    reserved_by: u32,
    /// Reservations created so far.
    assignments: u16,
    /// How the pending reservation ends.
    answer: Answer,
    /// Talk reschedules so far (slowdown): older `TalkEnd` events are stale.
    talk_epoch: u32,
    /// A voicemail or callback task of a counted contact (its answer is
    /// reported as worked, not as a contact answered).
    followup: Followup,
    /// The follow-up belongs to a counted contact (its outcome is reported).
    followup_counted: bool,
    /// Transfer leg: the queue that answered the first leg (for its cell).
    origin_queue: u32,
    /// Warm transfer leg: the first leg's slot, generation and worker, held
    /// until this leg is answered or lost; `u32::MAX` for none.
    parent: u32,
    parent_generation: u32,
    parent_worker: u32,
    /// This attempt is a redial of an abandoned one.
    is_redial: bool,
    /// Solo seconds of talk left, as of `work_since` (slowdown channels).
    work_left: f64,
    /// When `work_left` was last brought up to date.
    work_since: f64,
    expiry_scheduled: bool,
    /// A filter in this workflow pass ended by timeout: the default filter is
    /// then no longer a fall-back for skipping (docs/routing.md, "The workflow walk").
    timed_out_filter: bool,
    /// Accepted and talking (not yet in wrap-up or holding for a warm transfer).
    in_talk: bool,
    /// When the customer's call (or first message) reached the center; a
    /// transfer leg keeps its contact's (cost meters).
    call_start: f64,
    /// When the current talk started (agent-leg meter).
    talk_start: f64,
    /// This task carries the customer's open leg: when it ends, the leg is
    /// metered (a transfer moves it to the second leg).
    leg_open: bool,
    /// Hour of day of `call_start` (cost breakdown).
    hour: u8,
}

/// How a task leaves a step without being answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leave {
    TimedOut,
    Skipped,
}

struct Engine<'s> {
    s: &'s Scenario,
    plan: &'s Plan,
    cal: Calendar,
    sources: Vec<SourceState>,
    tasks: Vec<Task>,
    free_slots: Vec<u32>,
    workers: Vec<Worker>,
    /// Units in use per (worker, channel): pending, assigned and wrapping.
    load: Vec<u16>,
    /// Accepted tasks per (worker, channel) (`assigned_tasks`, docs/routing.md, "Multitasking and capacity").
    assigned: Vec<u16>,
    /// Per (worker, channel) of channels with slowdown: tasks in talk.
    talking: Vec<Vec<u32>>,
    /// Per group: every offer is accepted at once (no reservation events).
    instant: Vec<bool>,
    /// Draws of reservation answers and returns from the timeout activity.
    reservation_rng: Xoshiro256PlusPlus,
    /// Voicemail work times.
    voicemail_rng: Xoshiro256PlusPlus,
    /// Call-back acceptance and delays.
    callback_rng: Xoshiro256PlusPlus,
    /// Redial decisions, delays and patience.
    redial_rng: Xoshiro256PlusPlus,
    /// Transfer decisions and second-leg talk times.
    transfer_rng: Xoshiro256PlusPlus,
    /// Disconnect times, victims and durations.
    disconnect_rng: Xoshiro256PlusPlus,
    /// Messages per contact and segments per message.
    usage_rng: Xoshiro256PlusPlus,
    /// Cost meters (only with `[costs]`).
    usage: Option<crate::cost::Usage>,
    /// Per worker, with costs: since when it is in a non-Offline activity
    /// (NaN while Offline), and whether it was at some time in the window.
    online_since: Vec<f64>,
    active_user: Vec<bool>,
    /// Time of the event being processed.
    now: f64,
    /// Absence draws (shrinkage).
    workforce_rng: Xoshiro256PlusPlus,
    /// Per queue: open now (queues without hours are always open).
    queue_open: Vec<bool>,
    /// Capacity per (worker, channel) (copied from the group for locality).
    cap: Vec<u16>,
    /// First worker index of each group.
    group_start: Vec<u32>,
    /// Per (queue, activity): members in that activity (`workers.<activity>`).
    queue_activity: Vec<u32>,
    /// Per queue: members (changes with scripted attribute changes).
    queue_members: Vec<u32>,
    /// Per (queue, channel): capacity units of members in an available
    /// activity (expected waits).
    queue_capacity: Vec<u32>,
    /// Per (source, channel): mean talk plus wrap-up (expected waits).
    mean_work: Vec<f64>,
    router: Router,
    metrics: Collector,
    n_channels: usize,
    /// Workers starting a shift, reused between shift events.
    starting: Vec<u32>,
    /// Free workers gathered by the slow selection path, reused.
    scratch: Vec<(IdleEntry, u32)>,
    /// One heap's worth of drained entries, reused.
    drained: Vec<IdleEntry>,
    /// Tasks waiting or in service.
    live: u32,
    /// Sources that will still produce arrivals.
    active_sources: u32,
    seq: u64,
    contacts: u64,
    events: u64,
    /// The audit trail, when requested (`ccsim explain`, `--events`).
    tracer: Option<&'s mut Tracer<'s>>,
    /// How the next reservation's worker was chosen (for the audit trail).
    rule: Rule,
}

/// How a worker was chosen for a reservation (docs/routing.md, "Which worker gets a task").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// The task entered a step and the longest-idle eligible worker took it.
    LongestIdle,
    /// The task entered a step and `order_by` ranked the free workers.
    OrderBy,
    /// A known-worker step.
    KnownWorker,
    /// The worker became free and took its best waiting task.
    WorkerPulled,
}

/// Runs one replication of a scenario with the given base seed.
pub fn run(s: &Scenario, seed: u64, replication: u32) -> ReplicationResult {
    run_with_plan(s, &Plan::build(s), seed, replication)
}

/// Runs one replication with routing tables built once by the caller
/// ([`Plan::build`]), as replications of one scenario share them.
pub fn run_with_plan(s: &Scenario, plan: &Plan, seed: u64, replication: u32) -> ReplicationResult {
    run_inner(s, plan, seed, replication, None)
}

/// Runs one replication and reports every task, reservation and worker
/// activity event to `tracer` as it happens. The results are identical to
/// [`run_with_plan`]'s.
pub fn run_traced<'a>(
    s: &'a Scenario,
    plan: &'a Plan,
    seed: u64,
    replication: u32,
    tracer: &'a mut Tracer<'a>,
) -> ReplicationResult {
    run_inner(s, plan, seed, replication, Some(tracer))
}

fn run_inner<'a>(
    s: &'a Scenario,
    plan: &'a Plan,
    seed: u64,
    replication: u32,
    tracer: Option<&'a mut Tracer<'a>>,
) -> ReplicationResult {
    let mut e = Engine::new(s, plan, seed, replication);
    e.tracer = tracer;
    e.run_loop();
    let (contacts, events) = (e.contacts, e.events);
    let in_flight = e.live;
    e.flush_unfinished();
    let usage = e.finish_usage();
    let mut r = e.metrics.finish(s, contacts, events);
    r.usage = usage;
    r.in_flight = in_flight;
    r
}

/// A (task, worker) pair as seen by target expressions and `order_by`.
struct PairView<'a, 's> {
    e: &'a Engine<'s>,
    class: u32,
    worker: u32,
    t: f64,
}

impl Resolver for PairView<'_, '_> {
    #[inline]
    fn resolve(&self, scope: Scope, key: KeyId) -> ValueRef<'_> {
        match scope {
            Scope::Task | Scope::Doc => self.e.s.classes[self.class as usize].attrs.get(key),
            Scope::Worker => self.e.worker_value(self.worker, key),
            Scope::Clock => routing::clock_value(
                self.e.plan.clock_field[key.idx()],
                self.t + self.e.s.sim.utc_start_of_day_s,
                self.e.s.sim.utc_start_weekday,
            ),
            Scope::Workers => ValueRef::Null,
        }
    }
}

/// A task's attributes plus the clock, for filters that read `taskrouter.*`.
struct TaskView<'a, 's> {
    e: &'a Engine<'s>,
    class: u32,
    t: f64,
}

impl Resolver for TaskView<'_, '_> {
    fn resolve(&self, scope: Scope, key: KeyId) -> ValueRef<'_> {
        match scope {
            Scope::Clock => routing::clock_value(
                self.e.plan.clock_field[key.idx()],
                self.t + self.e.s.sim.utc_start_of_day_s,
                self.e.s.sim.utc_start_weekday,
            ),
            _ => self.e.s.classes[self.class as usize].attrs.get(key),
        }
    }
}

/// The counters `skip_if` reads for one queue (docs/routing.md, "skip_if"): activity only, capacity ignored.
struct SkipView<'a, 's> {
    e: &'a Engine<'s>,
    queue: u32,
}

impl Resolver for SkipView<'_, '_> {
    fn resolve(&self, scope: Scope, key: KeyId) -> ValueRef<'_> {
        if scope != Scope::Workers {
            return ValueRef::Null;
        }
        let q = self.queue as usize;
        let n_act = self.e.s.activities.len();
        let in_activity = &self.e.queue_activity[q * n_act..(q + 1) * n_act];
        // Members in an available activity (evaluated only on step entry
        // when nobody was free, so summing a handful of activities is fine).
        let available: u32 = in_activity
            .iter()
            .zip(&self.e.s.activities)
            .filter(|(_, a)| a.available)
            .map(|(n, _)| n)
            .sum();
        ValueRef::Num(f64::from(match self.e.plan.skip_counter[key.idx()] {
            SkipCounter::Available => available,
            SkipCounter::Unavailable => self.e.queue_members[q] - available,
            SkipCounter::Activity(a) => in_activity[usize::from(a)],
            SkipCounter::Zero => 0,
        }))
    }
}

impl<'s> Engine<'s> {
    fn new(s: &'s Scenario, plan: &'s Plan, seed: u64, replication: u32) -> Engine<'s> {
        let n_channels = s.channels.len();
        let mut workers = Vec::new();
        let mut cap = Vec::new();
        let mut group_start = Vec::new();
        let mut pair_members = vec![0u32; plan.n_pairs];
        for (p, profile) in s.profiles.iter().enumerate() {
            for q in &profile.queues {
                pair_members[plan.pair(p as u32, q.0).expect("member") as usize] =
                    s.groups[profile.group.idx()].count;
            }
        }
        for (g, group) in s.groups.iter().enumerate() {
            group_start.push(workers.len() as u32);
            for _ in 0..group.count {
                workers.push(Worker {
                    group: g as u32,
                    profile: g as u32,
                    stamp: 0,
                    on_shift: false,
                    break_activity: NO_BREAK,
                    timed_out: false,
                    disconnected: false,
                    activity: OFFLINE,
                    absent: false,
                    active: false,
                    logged_in: false,
                    tasks: 0,
                    last_assign: f64::NEG_INFINITY,
                });
                cap.extend_from_slice(&group.capacity);
            }
        }
        group_start.push(workers.len() as u32);
        let n_workers = workers.len();
        let mut e = Engine {
            s,
            plan,
            cal: Calendar::default(),
            sources: (0..s.sources.len())
                .map(|i| SourceState::new(seed, replication, i as u32))
                .collect(),
            tasks: Vec::new(),
            free_slots: Vec::new(),
            load: vec![0; workers.len() * n_channels],
            assigned: vec![0; workers.len() * n_channels],
            talking: (0..workers.len() * n_channels)
                .map(|i| {
                    if s.channels[i % n_channels].handle_time_scale.is_empty() {
                        Vec::new()
                    } else {
                        Vec::with_capacity(usize::from(cap[i]))
                    }
                })
                .collect(),
            instant: s.groups.iter().map(|g| g.reservations.instant()).collect(),
            reservation_rng: rng::stream(seed, replication, rng::Purpose::Reservations, 0),
            voicemail_rng: rng::stream(seed, replication, rng::Purpose::Voicemail, 0),
            callback_rng: rng::stream(seed, replication, rng::Purpose::Callback, 0),
            redial_rng: rng::stream(seed, replication, rng::Purpose::Redial, 0),
            transfer_rng: rng::stream(seed, replication, rng::Purpose::Transfer, 0),
            disconnect_rng: rng::stream(seed, replication, rng::Purpose::Disconnect, 0),
            usage_rng: rng::stream(seed, replication, rng::Purpose::Usage, 0),
            usage: s.costs.as_ref().map(|_| crate::cost::Usage::new(s)),
            online_since: Vec::new(),
            active_user: Vec::new(),
            now: 0.0,
            workforce_rng: rng::stream(seed, replication, rng::Purpose::Workforce, 0),
            queue_open: s
                .queues
                .iter()
                .map(|q| q.hours.is_none_or(|h| s.hours[h as usize].is_open(0.0)))
                .collect(),
            workers,
            cap,
            group_start,
            queue_members: plan.members.clone(),
            queue_capacity: vec![0; s.queues.len() * n_channels],
            mean_work: s
                .sources
                .iter()
                .flat_map(|src| {
                    s.channels.iter().map(move |ch| {
                        let talk = src.handle_time.as_ref().or(ch.handle_time.as_ref());
                        let wrap = src.wrapup.as_ref().or(ch.wrapup.as_ref());
                        talk.map_or(0.0, |d| d.mean()) + wrap.map_or(0.0, |d| d.mean())
                    })
                })
                .collect(),
            queue_activity: {
                let n_act = s.activities.len();
                let mut v = vec![0; s.queues.len() * n_act];
                for (q, &m) in plan.members.iter().enumerate() {
                    v[q * n_act + usize::from(OFFLINE)] = m;
                }
                v
            },
            router: Router::new(plan, n_channels, &pair_members),
            metrics: Collector::new(s),
            n_channels,
            starting: Vec::new(),
            scratch: Vec::new(),
            drained: Vec::new(),
            live: 0,
            active_sources: 0,
            seq: 0,
            contacts: 0,
            events: 0,
            tracer: None,
            rule: Rule::LongestIdle,
        };
        if e.usage.is_some() {
            e.online_since = vec![f64::NAN; n_workers];
            e.active_user = vec![false; n_workers];
        }
        for (i, src) in s.sources.iter().enumerate() {
            if let Some(t) = e.sources[i].next_time(src, 0.0, s.sim.horizon_s) {
                e.cal.schedule(t, Event::Arrival { source: i as u32 });
                e.active_sources += 1;
            }
        }
        for (h, _) in s.hours.iter().enumerate() {
            if s.queues.iter().any(|q| q.hours == Some(h as u32)) {
                e.schedule_hours(h as u32, 0.0);
            }
        }
        for (g, group) in s.groups.iter().enumerate() {
            e.shift_change(g, 0.0);
            e.schedule_disconnect(g, 0.0);
            for (c, change) in group.changes.iter().enumerate() {
                e.cal.schedule(
                    change.at_s,
                    Event::ProfileChange {
                        group: g as u32,
                        change: c as u32,
                    },
                );
            }
        }
        e
    }

    /// Runs until every source is exhausted, the system has drained and the
    /// horizon is reached (agent time counts up to it), or until the drain
    /// limit.
    fn run_loop(&mut self) {
        let horizon = self.s.sim.horizon_s;
        let stop = horizon + self.s.sim.drain_limit_s;
        while let Some((t, ev)) = self.cal.peek() {
            if t > stop {
                break;
            }
            debug_assert!(
                t >= self.now,
                "the clock went back from {} to {t}",
                self.now
            );
            self.now = t;
            self.events += 1;
            if let Event::Arrival { source } = ev {
                // The source's next arrival replaces this one in place.
                let src = &self.s.sources[source as usize];
                match self.sources[source as usize].next_time(src, t, self.s.sim.horizon_s) {
                    Some(next) => self.cal.reschedule_first(next, ev),
                    None => {
                        self.cal.pop();
                        self.active_sources -= 1;
                    }
                }
                self.arrival(source as usize, t);
                if self.active_sources == 0 && self.live == 0 && t >= horizon {
                    break;
                }
                continue;
            }
            self.cal.pop();
            match ev {
                Event::Arrival { .. } => unreachable!("handled above"),
                Event::Expire { task, generation } => self.expire(task, generation, t),
                Event::StepTimeout {
                    task,
                    generation,
                    epoch,
                } => self.step_timeout(task, generation, epoch, t),
                Event::TalkEnd {
                    worker,
                    task,
                    epoch,
                } => {
                    let x = &self.tasks[task as usize];
                    if x.talk_epoch != epoch || x.state != TaskState::Serving {
                        continue; // rescheduled by a change of concurrency
                    }
                    let channel = x.channel;
                    self.tasks[task as usize].in_talk = false;
                    if !self.s.channels[channel as usize]
                        .handle_time_scale
                        .is_empty()
                    {
                        self.retime_talk(worker, channel, t, None, Some(task));
                        // Slowed talk lasts longer than the drawn work: AHT
                        // counts the time the agent actually talked.
                        let x = self.tasks[task as usize];
                        if x.counted {
                            let cell = self.cell(&x);
                            self.metrics
                                .handle_adjust(cell, (t - x.talk_start) - x.handle);
                        }
                    }
                    if !self.maybe_transfer(worker, task, t) {
                        self.end_talk(worker, task, t);
                    }
                }
                Event::WrapEnd { worker, task } => self.complete(worker, task, t),
                Event::ReservationEnd {
                    worker,
                    task,
                    generation,
                    offer,
                } => self.reservation_end(worker, task, generation, offer, t),
                Event::Disconnect { group } => self.disconnect(group as usize, t),
                Event::Reconnect { worker } => self.reconnect(worker, t),
                Event::ProfileChange { group, change } => {
                    self.profile_change(group as usize, change as usize, t)
                }
                Event::WorkerReturn { worker } => self.worker_return(worker, t),
                Event::HoursChange { hours } => self.hours_change(hours, t),
                Event::CallbackOffer { task, generation } => {
                    self.callback_offer(task, generation, t)
                }
                Event::CallbackDue { task, generation } => self.callback_due(task, generation, t),
                Event::Redial { task, generation } => self.redial(task, generation, t),
                Event::Shift { group } => self.shift_change(group as usize, t),
            }
            if self.active_sources == 0 && self.live == 0 && t >= horizon {
                break;
            }
        }
    }

    // -------------------------------------------------------- audit trail

    /// Reports an event about a task (built only when tracing).
    #[inline]
    fn trace_task(
        &mut self,
        slot: u32,
        t: f64,
        name: &'static str,
        fill: impl FnOnce(&Self, &mut TraceEvent),
    ) {
        if self.tracer.is_none() {
            return;
        }
        let mut ev = TraceEvent::new(t, name);
        ev.task = Some(self.tasks[slot as usize].seq - 1);
        fill(self, &mut ev);
        if let Some(tr) = self.tracer.as_mut() {
            tr(&ev);
        }
    }

    /// Reports an event about a worker (built only when tracing).
    fn trace_worker(&mut self, w: u32, t: f64, name: &'static str, detail: &str) {
        if self.tracer.is_none() {
            return;
        }
        let mut ev = TraceEvent::new(t, name);
        ev.worker = Some(self.plan.worker_names[w as usize].clone());
        ev.detail = Some(detail.to_string());
        if let Some(tr) = self.tracer.as_mut() {
            tr(&ev);
        }
    }

    /// Eligible, available and free queue members for a task's current step.
    fn step_counts(&self, slot: u32, t: f64) -> (u32, u32, u32) {
        let task = &self.tasks[slot as usize];
        let (mut eligible, mut available, mut free) = (0, 0, 0);
        for w in 0..self.workers.len() as u32 {
            if !self.eligible(task.waitlist, task.class, w, t) {
                continue;
            }
            eligible += 1;
            if self.workers[w as usize].active {
                available += 1;
                free += u32::from(self.has_room(w, task.channel));
            }
        }
        (eligible, available, free)
    }

    /// Tasks waiting in a task's waitlist that are served before it (audit
    /// trail only): (higher priority, same priority and older). In a LIFO
    /// list a task just entered is served first.
    fn ahead_in_waitlist(&self, slot: u32) -> (u32, u32) {
        let task = &self.tasks[slot as usize];
        if self.plan.waitlists[task.waitlist as usize].lifo {
            return (0, 0);
        }
        let me = WaitEntry {
            rank: task.priority,
            created: task.created,
            seq: task.seq,
            task: slot,
            generation: task.generation,
            epoch: task.epoch,
            lifo: false,
        };
        let (mut higher, mut older) = (0, 0);
        for e in self.router.waiting_entries(task.waitlist) {
            let x = &self.tasks[e.task as usize];
            let live = x.generation == e.generation
                && x.epoch == e.epoch
                && x.state == TaskState::Waiting
                && e.task != slot;
            if live && e.better_than(&me) {
                if e.rank > me.rank {
                    higher += 1;
                } else {
                    older += 1;
                }
            }
        }
        (higher, older)
    }

    /// The next opening of a calendar after `t` (`None`: no calendar, or it
    /// does not open again before the run ends).
    fn next_opening(&self, hours: Option<u32>, t: f64) -> Option<f64> {
        let open = &self.s.hours[hours? as usize].open;
        let i = open.partition_point(|&(a, _)| a <= t);
        open.get(i).map(|&(a, _)| a)
    }

    fn rule_text(&self, slot: u32) -> String {
        let step = &self.s.workflow.steps[self.tasks[slot as usize].step as usize];
        match self.rule {
            Rule::LongestIdle => {
                "longest since last reservation among free eligible workers".into()
            }
            Rule::OrderBy => {
                let clauses: Vec<String> = step
                    .order_by
                    .iter()
                    .map(|c| {
                        format!(
                            "worker.{} {}",
                            self.s.keys.name(c.key),
                            if c.desc { "DESC" } else { "ASC" }
                        )
                    })
                    .collect();
                format!(
                    "order_by {} (ties: longest since last reservation)",
                    clauses.join(", ")
                )
            }
            Rule::KnownWorker => "known worker named by the task".into(),
            Rule::WorkerPulled => {
                "the worker became free and this was its best waiting task (priority, then age)"
                    .into()
            }
        }
    }

    // -------------------------------------------------------- arrivals

    /// A customer arrives (the source's next arrival is already scheduled).
    fn arrival(&mut self, source: usize, t: f64) {
        let src = &self.s.sources[source];
        let c = self.sources[source].customer(src, &self.s.channels);
        self.contacts += 1;
        self.seq += 1;
        let counted = self.metrics.counts(t);
        if counted {
            self.metrics.arrived(t);
        }
        let slot = self.alloc_slot();
        let hour = if self.usage.is_some() {
            hour_of_day(t)
        } else {
            0
        };
        let task = &mut self.tasks[slot as usize];
        *task = Task {
            // A recycled slot keeps its counters so its old events stay stale.
            generation: task.generation,
            epoch: task.epoch,
            talk_epoch: task.talk_epoch,
            state: TaskState::Waiting,
            source: source as u32,
            channel: c.channel.0,
            class: c.class.0,
            priority: src.priority,
            created: t,
            deadline: t,
            handle: c.handle_s,
            wrapup: c.wrapup_s,
            patience: c.patience_s,
            seq: self.seq,
            counted,
            call_start: t,
            leg_open: true,
            hour,
            ..FREE_TASK
        };
        self.live += 1;
        if self.tracer.is_some() {
            self.trace_task(slot, t, "task.created", |e, ev| {
                let attrs: Vec<String> = e.s.classes[c.class.idx()]
                    .attrs
                    .iter()
                    .map(|(k, v)| format!("{}={v}", e.s.keys.name(*k)))
                    .collect();
                ev.detail = Some(format!(
                    "source {}, channel {}, attributes {{{}}}",
                    e.s.sources[source].name,
                    e.s.channels[c.channel.idx()].name,
                    attrs.join(", ")
                ));
                ev.source = Some(e.s.sources[source].name.clone());
                ev.channel = Some(e.s.channels[c.channel.idx()].name.clone());
            });
        }
        self.route_new(slot, t);
    }

    /// A task slot: a recycled one (its generation and epochs kept), or a new one.
    #[inline]
    fn alloc_slot(&mut self) -> u32 {
        self.free_slots.pop().unwrap_or_else(|| {
            self.tasks.push(FREE_TASK);
            self.tasks.len() as u32 - 1
        })
    }

    /// Routes a new attempt: outside business hours, or into the workflow.
    fn route_new(&mut self, slot: u32, t: f64) {
        if let Some(h) = self.s.workflow.hours
            && !self.s.hours[h as usize].is_open(t)
        {
            return self.after_hours(slot, t);
        }
        let class = self.tasks[slot as usize].class;
        let first = match self.plan.first_filter(class) {
            Some(f) => f,
            None => self.next_filter(slot, 0, t),
        };
        match first {
            Some(f) => self.enter_filter(slot, f, t),
            None => match self.s.workflow.default_step {
                Some(step) => self.enter_step(slot, step, t),
                None => self.cancel(slot, CancelReason::NoMatch, t),
            },
        }
    }

    /// A waiting customer is offered a call back and may accept: the wait
    /// ends (outcome `callback`) and a callback task is due after the delay.
    fn callback_offer(&mut self, slot: u32, generation: u32, t: f64) {
        let task = self.tasks[slot as usize];
        if task.generation != generation || task.state != TaskState::Waiting {
            return;
        }
        let cb = self
            .s
            .workflow
            .callback
            .as_ref()
            .expect("scheduled only with a callback");
        let u: f64 = StandardUniform.sample(&mut self.callback_rng);
        if u >= cb.probability {
            return;
        }
        self.drop_waiting(slot);
        if task.counted {
            let cell = self.cell(&task);
            self.metrics.step(task.step, StepEvent::Canceled);
            self.metrics.callback(cell, task.is_redial);
        }
        self.trace_task(slot, t, "task.canceled", |_, ev| {
            ev.detail = Some(format!(
                "accepted a call back after waiting {:.2} s",
                t - task.created
            ));
            ev.outcome = Some("callback");
        });
        let delay = cb
            .delay
            .as_ref()
            .map_or(0.0, |d| d.sample(&mut self.callback_rng));
        self.close_leg(slot, t - task.call_start);
        self.make_followup(slot, Followup::Callback);
        let x = &mut self.tasks[slot as usize];
        x.state = TaskState::Parked;
        x.created = t;
        self.cal.schedule(
            t + delay,
            Event::CallbackDue {
                task: slot,
                generation,
            },
        );
    }

    /// Talk ends: wrap-up starts, or the work completes.
    fn end_talk(&mut self, w: u32, slot: u32, t: f64) {
        self.meter_talk_end(slot, t);
        let wrap = self.tasks[slot as usize].wrapup;
        if wrap > 0.0 {
            self.trace_task(slot, t, "task.wrapup", |e, ev| {
                ev.worker = Some(e.plan.worker_names[w as usize].clone())
            });
            self.cal.schedule(
                t + wrap,
                Event::WrapEnd {
                    worker: w,
                    task: slot,
                },
            );
        } else {
            self.complete(w, slot, t);
        }
    }

    /// At the end of talk, a call answered in a queue with `transfer` may be
    /// transferred: it drops, or its second leg waits in the target queue (a
    /// new task with the customer's patience). Cold: the first agent wraps up
    /// now. Warm: the first agent stays engaged until the second leg is
    /// answered or lost; returns true then.
    #[inline]
    fn maybe_transfer(&mut self, w: u32, slot: u32, t: f64) -> bool {
        let x = &self.tasks[slot as usize];
        if x.followup != Followup::None || !x.routed {
            return false;
        }
        let Some(tr) = &self.s.queues[x.queue as usize].transfer else {
            return false;
        };
        let first = *x;
        let u: f64 = StandardUniform.sample(&mut self.transfer_rng);
        if u >= tr.probability {
            return false;
        }
        let cell = self
            .metrics
            .cell(first.source, first.channel, Some(first.queue));
        if first.counted {
            self.metrics.transfer(cell, 0, 0.0);
        }
        let dropped: f64 = StandardUniform.sample(&mut self.transfer_rng);
        if dropped < tr.drop_probability {
            if first.counted {
                self.metrics.transfer(cell, 2, 0.0);
            }
            self.trace_task(slot, t, "task.canceled", |_, ev| {
                ev.detail = Some("the transfer dropped".into())
            });
            return false;
        }
        let handle = match &tr.handle_time {
            Some(d) => d.sample(&mut self.transfer_rng),
            None => self.s.channels[first.channel as usize]
                .handle_time
                .as_ref()
                .map_or(first.handle, |d| d.sample(&mut self.transfer_rng)),
        };
        let (warm, target) = (tr.warm, tr.target);
        let leg = self.alloc_slot();
        let x = &mut self.tasks[leg as usize];
        let (generation, talk_epoch) = (x.generation, x.talk_epoch);
        *x = Task {
            generation,
            talk_epoch,
            state: TaskState::Waiting,
            created: t,
            deadline: t,
            handle,
            routed: false,
            filter: NO_FILTER,
            counted: false,
            followup: Followup::Transfer,
            followup_counted: first.counted,
            origin_queue: first.queue,
            parent: if warm { slot } else { u32::MAX },
            parent_generation: first.generation,
            parent_worker: w,
            expiry_scheduled: false,
            timed_out_filter: false,
            assignments: 0,
            ..first
        };
        // The customer is still on the line: the open leg moves on.
        self.tasks[slot as usize].leg_open = false;
        self.live += 1;
        self.trace_task(leg, t, "task-queue.moved", |_, ev| {
            ev.detail = Some(if warm {
                "warm transfer".into()
            } else {
                "cold transfer".into()
            })
        });
        match target {
            TransferTarget::Step(step) => self.enter_step(leg, step, t),
            TransferTarget::Filter { filter, priority } => {
                if let Some(p) = priority {
                    self.tasks[leg as usize].priority = p;
                }
                self.enter_filter(leg, filter as usize, t);
            }
        }
        warm
    }

    /// A warm transfer's second leg is answered or lost: the first agent's
    /// talk ends now.
    fn release_parent(&mut self, leg: u32, t: f64) {
        let x = self.tasks[leg as usize];
        if x.parent == u32::MAX {
            return;
        }
        self.tasks[leg as usize].parent = u32::MAX;
        let p = &self.tasks[x.parent as usize];
        if p.generation == x.parent_generation && p.state == TaskState::Serving {
            self.end_talk(x.parent_worker, x.parent, t);
        }
    }

    /// Turns a contact into a follow-up task (voicemail, call back): not a
    /// contact any more, no patience and no TTL [I]; its answer is reported
    /// as worked if the contact was counted.
    fn make_followup(&mut self, slot: u32, kind: Followup) {
        let x = &mut self.tasks[slot as usize];
        x.followup = kind;
        x.followup_counted = x.counted;
        x.counted = false;
        x.patience = f64::INFINITY;
        x.expiry_scheduled = true;
    }

    /// An accepted call back becomes a task in the callback step.
    fn callback_due(&mut self, slot: u32, generation: u32, t: f64) {
        let task = &mut self.tasks[slot as usize];
        if task.generation != generation || task.state != TaskState::Parked {
            return;
        }
        // A new life for the slot: events of the original attempt (its
        // expiry, offers) go stale.
        task.generation = task.generation.wrapping_add(1);
        task.state = TaskState::Waiting;
        task.routed = false;
        task.filter = NO_FILTER;
        task.deadline = t;
        let cb = self
            .s
            .workflow
            .callback
            .as_ref()
            .expect("scheduled only with a callback");
        if let Some(c) = cb.channel {
            let channel = &self.s.channels[c.idx()];
            task.channel = c.0;
            if let Some(d) = &channel.handle_time {
                task.handle = d.sample(&mut self.callback_rng);
            }
            if let Some(d) = &channel.wrapup {
                task.wrapup = d.sample(&mut self.callback_rng);
            }
        }
        let step = cb.step;
        self.trace_task(slot, t, "task.created", |_, ev| {
            ev.detail = Some("call back task".into())
        });
        self.enter_step(slot, step, t);
    }

    /// An abandoning customer calls again: a new attempt of the same need
    /// (talk time) with a new patience.
    fn redial(&mut self, slot: u32, generation: u32, t: f64) {
        let task = self.tasks[slot as usize];
        if task.generation != generation || task.state != TaskState::Parked {
            return;
        }
        let src = &self.s.sources[task.source as usize];
        let patience = src
            .patience
            .as_ref()
            .map_or(f64::INFINITY, |d| d.sample(&mut self.redial_rng));
        self.contacts += 1;
        self.seq += 1;
        let counted = self.metrics.counts(t);
        if counted {
            self.metrics.arrived(t);
        }
        let x = &mut self.tasks[slot as usize];
        // A new attempt: events of the abandoned one go stale.
        x.generation = x.generation.wrapping_add(1);
        x.state = TaskState::Waiting;
        x.created = t;
        x.deadline = t;
        x.seq = self.seq;
        x.counted = counted;
        x.routed = false;
        x.filter = NO_FILTER;
        x.priority = src.priority;
        x.patience = patience;
        x.expiry_scheduled = false;
        x.timed_out_filter = false;
        x.assignments = 0;
        x.is_redial = true;
        x.call_start = t;
        x.leg_open = true;
        if self.usage.is_some() {
            x.hour = hour_of_day(t);
        }
        self.trace_task(slot, t, "task.created", |e, ev| {
            ev.detail = Some("redial of an abandoned attempt".into());
            ev.source = Some(e.s.sources[task.source as usize].name.clone());
            ev.channel = Some(e.s.channels[task.channel as usize].name.clone());
        });
        self.route_new(slot, t);
    }

    /// A contact arrives outside the workflow's hours: a closed message, or a
    /// voicemail that becomes a task for the voicemail queue. The voicemail
    /// task is not a second contact: it has no patience, no TTL [I], and its
    /// wait to be worked is reported as `voicemail_wait_s`.
    fn after_hours(&mut self, slot: u32, t: f64) {
        if let Some(c) = &self.s.costs {
            let secs = c.channels[self.tasks[slot as usize].channel as usize].after_hours_leg_s;
            self.close_leg(slot, secs);
        }
        let task = self.tasks[slot as usize];
        match &self.s.workflow.after_hours {
            AfterHours::Closed => {
                if task.counted {
                    let cell = self.metrics.cell(task.source, task.channel, None);
                    self.metrics.after_hours(cell, false, task.is_redial);
                }
                self.trace_task(slot, t, "task.canceled", |e, ev| {
                    ev.detail = Some("arrived outside business hours: closed message".into());
                    ev.opens_at = e.next_opening(e.s.workflow.hours, t);
                    ev.outcome = Some("closed");
                });
                self.release_slot(slot);
            }
            AfterHours::Voicemail { step, handle_time } => {
                if task.counted {
                    // Counted in the queue that works the voicemail.
                    let queue = self.s.workflow.steps[step.idx()].queue.0;
                    let cell = self.metrics.cell(task.source, task.channel, Some(queue));
                    self.metrics.after_hours(cell, true, task.is_redial);
                }
                self.trace_task(slot, t, "task.created", |e, ev| {
                    ev.detail = Some("arrived outside business hours: voicemail task".into());
                    ev.opens_at = e.next_opening(e.s.workflow.hours, t);
                    ev.outcome = Some("voicemail");
                });
                let handle = handle_time
                    .as_ref()
                    .map(|d| d.sample(&mut self.voicemail_rng));
                self.make_followup(slot, Followup::Voicemail);
                let x = &mut self.tasks[slot as usize];
                if let Some(h) = handle {
                    x.handle = h;
                }
                let step = *step;
                self.enter_step(slot, step, t);
            }
        }
    }

    // -------------------------------------------------------- workflow

    /// The first filter at or after `from` whose expression matches the task.
    fn next_filter(&self, slot: u32, from: usize, t: f64) -> Option<usize> {
        let class = self.tasks[slot as usize].class;
        let matches = &self.s.classes[class as usize].filter_match;
        (from..matches.len()).find(|&f| {
            matches[f] && {
                let filter = &self.s.workflow.filters[f];
                !filter.dynamic || filter.expression.eval(&TaskView { e: self, class, t })
            }
        })
    }

    fn enter_filter(&mut self, slot: u32, f: usize, t: f64) {
        let previous = self.tasks[slot as usize].filter;
        self.tasks[slot as usize].filter = f as u32;
        self.trace_task(slot, t, "workflow.entered", |e, ev| {
            let filter = &e.s.workflow.filters[f];
            let skipped: Vec<&str> = (if previous == NO_FILTER {
                0
            } else {
                previous as usize + 1
            }..f)
                .map(|i| e.s.workflow.filters[i].name.as_str())
                .collect();
            let before = if skipped.is_empty() {
                String::new()
            } else {
                format!("; did not match: {}", skipped.join(", "))
            };
            let how = if previous == NO_FILTER {
                "first matching filter"
            } else {
                "next matching filter after the previous one ended"
            };
            ev.detail = Some(format!(
                "{how} \"{}\": {}{before}",
                filter.name, filter.expression_text
            ));
        });
        if self.tasks[slot as usize].counted {
            self.metrics.filter(f as u32, false);
        }
        let first = self.s.workflow.filters[f].steps[0];
        self.enter_step(slot, first, t);
    }

    /// Enters a routing step: reserve a worker at once, else maybe skip, else wait.
    fn enter_step(&mut self, slot: u32, step_id: StepId, t: f64) {
        let step = &self.s.workflow.steps[step_id.idx()];
        let task = &mut self.tasks[slot as usize];
        let previous_queue = task
            .routed
            .then(|| self.s.workflow.steps[task.step as usize].queue.0);
        let moved_from = previous_queue.filter(|&q| q != step.queue.0);
        let new_queue = previous_queue != Some(step.queue.0);
        task.routed = true;
        task.epoch = task.epoch.wrapping_add(1);
        task.step = step_id.0;
        task.queue = step.queue.0;
        if let Some(p) = step.priority {
            task.priority = p;
        }
        if let Some(timeout) = step.timeout_s {
            task.deadline += timeout;
        }
        task.waitlist = self.plan.waitlist(step_id, task.class);
        task.state = TaskState::Waiting;
        let counted = task.tracked();
        if counted {
            self.metrics.step(step_id.0, StepEvent::Entered);
            if new_queue {
                self.metrics.queue_entered(step.queue.0, moved_from);
            }
        }
        if self.tracer.is_some() {
            let (eligible, available, free) = self.step_counts(slot, t);
            self.trace_task(slot, t, "workflow.target-matched", |e, ev| {
                let task = &e.tasks[slot as usize];
                let st = &e.s.workflow.steps[step_id.idx()];
                ev.step = Some(st.label.clone());
                ev.queue = Some(e.s.queues[st.queue.idx()].name.clone());
                let deadline = st.timeout_s.map_or("no timeout".to_string(), |_| {
                    format!("leaves at age {:.1} s", task.deadline - task.created)
                });
                let expr = st
                    .expression_text
                    .as_ref()
                    .map_or(String::new(), |x| format!(", expression {x}"));
                ev.detail = Some(format!("priority {}, {deadline}{expr}", task.priority));
                (ev.eligible, ev.available, ev.free) =
                    (Some(eligible), Some(available), Some(free));
                let (higher, older) = e.ahead_in_waitlist(slot);
                (ev.ahead_higher, ev.ahead_older) = (Some(higher), Some(older));
                if !e.queue_open[st.queue.idx()] {
                    ev.opens_at = e.next_opening(e.s.queues[st.queue.idx()].hours, t);
                }
            });
            if new_queue {
                let name = if moved_from.is_some() {
                    "task-queue.moved"
                } else {
                    "task-queue.entered"
                };
                self.trace_task(slot, t, name, |e, ev| {
                    ev.queue = Some(e.s.queues[step.queue.idx()].name.clone());
                    ev.detail = moved_from.map(|q| format!("from {}", e.s.queues[q as usize].name));
                });
            }
        }
        self.seek(slot, t, true);
    }

    /// Looks for a worker for a pending task in its current step: reserve one
    /// at once, else (on entering the step only) apply `skip_if`, else wait in
    /// the step's waitlist until its deadline.
    fn seek(&mut self, slot: u32, t: f64, entering: bool) {
        if let Some(w) = self.find_worker(slot, t) {
            if self.tracer.is_some() {
                let task = &self.tasks[slot as usize];
                let step = &self.s.workflow.steps[task.step as usize];
                self.rule = if step.known_worker.is_some() {
                    Rule::KnownWorker
                } else if step.order_by.is_empty() {
                    Rule::LongestIdle
                } else {
                    Rule::OrderBy
                };
            }
            self.reserve(w, slot, t);
            self.offer_free_capacity(w);
            return;
        }
        let task = &self.tasks[slot as usize];
        let (step_id, counted) = (task.step, task.tracked());
        let step = &self.s.workflow.steps[step_id as usize];
        if entering
            && let Some(skip) = &step.skip_if
            && skip.eval(&SkipView {
                e: self,
                queue: step.queue.0,
            })
        {
            if counted {
                self.metrics.step(step_id, StepEvent::Skipped);
            }
            return self.leave_step(slot, Leave::Skipped, t);
        }
        let task = &mut self.tasks[slot as usize];
        let lifo = self.plan.waitlists[task.waitlist as usize].lifo;
        let entry = WaitEntry {
            rank: if lifo { 0 } else { task.priority },
            created: task.created,
            seq: task.seq,
            task: slot,
            generation: task.generation,
            epoch: task.epoch,
            lifo,
        };
        self.router.enqueue(task.waitlist, entry);
        self.schedule_expiry(slot, t);
        if step.timeout_s.is_some() {
            let task = &self.tasks[slot as usize];
            let (deadline, generation, epoch) = (task.deadline, task.generation, task.epoch);
            if deadline <= t {
                self.drop_waiting(slot);
                if counted {
                    self.metrics.step(step_id, StepEvent::TimedOut);
                }
                return self.leave_step(slot, Leave::TimedOut, t);
            }
            self.cal.schedule(
                deadline,
                Event::StepTimeout {
                    task: slot,
                    generation,
                    epoch,
                },
            );
        }
    }

    /// Schedules the task's patience/TTL expiry once, the first time it waits
    /// or rings (both are fixed offsets from creation).
    #[inline]
    fn schedule_expiry(&mut self, slot: u32, t: f64) {
        let task = &mut self.tasks[slot as usize];
        if task.expiry_scheduled {
            return;
        }
        task.expiry_scheduled = true;
        if let Some(cb) = &self.s.workflow.callback
            && task.followup == Followup::None
            && if cb.expected {
                task.state == TaskState::Waiting && self.expected_wait(slot) >= cb.after_s
            } else {
                cb.after_s < task.patience
            }
        {
            let task = &self.tasks[slot as usize];
            let at = if cb.expected {
                t
            } else {
                task.created + cb.after_s
            };
            let generation = task.generation;
            self.cal.schedule(
                at.max(t),
                Event::CallbackOffer {
                    task: slot,
                    generation,
                },
            );
        }
        let task = &self.tasks[slot as usize];
        let expiry = task.created + task.patience.min(self.s.workflow.task_ttl_s);
        if expiry.is_finite() {
            let generation = task.generation;
            self.cal.schedule(
                expiry.max(t),
                Event::Expire {
                    task: slot,
                    generation,
                },
            );
        }
    }

    /// The expected wait of a task that just joined its waitlist, as
    /// [`crate::scenario::Callback::expected`] defines it: infinite when no
    /// queue member on line has capacity on the channel.
    fn expected_wait(&self, slot: u32) -> f64 {
        let task = &self.tasks[slot as usize];
        let i = task.queue as usize * self.n_channels + task.channel as usize;
        let ahead: usize = self.plan.queue_waitlists[i]
            .iter()
            .map(|&wl| self.router.waiting_len(wl))
            .sum::<usize>()
            .saturating_sub(1);
        let servers = self.queue_capacity[i];
        if servers == 0 {
            return f64::INFINITY;
        }
        (ahead + 1) as f64
            * self.mean_work[task.source as usize * self.n_channels + task.channel as usize]
            / f64::from(servers)
    }

    /// A reservation failed: the task is pending again in the same step, or
    /// moves on if the step's deadline passed meanwhile (docs/routing.md, "Timeouts" [I]).
    fn retry(&mut self, slot: u32, t: f64) {
        let task = &mut self.tasks[slot as usize];
        task.state = TaskState::Waiting;
        task.epoch = task.epoch.wrapping_add(1);
        let (step, counted, assignments) = (task.step, task.tracked(), task.assignments);
        if assignments >= MAX_ASSIGNMENTS {
            // docs/routing.md, "Reservations": "Task TTL Exceeded or Max assignment count exceeded".
            return self.cancel(slot, CancelReason::Ttl, t);
        }
        let timed_out =
            self.s.workflow.steps[step as usize].timeout_s.is_some() && t >= task.deadline;
        if timed_out {
            if counted {
                self.metrics.step(step, StepEvent::TimedOut);
            }
            return self.leave_step(slot, Leave::TimedOut, t);
        }
        self.seek(slot, t, false);
    }

    /// Moves on from the current step: next target, next matching filter,
    /// the default filter (only after skips), or cancellation (docs/routing.md, "The workflow walk").
    fn leave_step(&mut self, slot: u32, why: Leave, t: f64) {
        self.trace_task(
            slot,
            t,
            if why == Leave::TimedOut {
                "task-queue.timeout"
            } else {
                "workflow.skipped"
            },
            |e, ev| {
                let task = &e.tasks[slot as usize];
                let st = &e.s.workflow.steps[task.step as usize];
                ev.step = Some(st.label.clone());
                ev.queue = Some(e.s.queues[st.queue.idx()].name.clone());
                ev.detail = Some(if why == Leave::TimedOut {
                    format!("step deadline at age {:.1} s", task.deadline - task.created)
                } else {
                    "skip_if was true and no worker could be reserved at once".to_string()
                });
            },
        );
        let task = self.tasks[slot as usize];
        let wf = &self.s.workflow;
        let Some(f) = wf.steps[task.step as usize].filter else {
            return self.cancel(slot, CancelReason::Workflow, t);
        };
        let steps = &wf.filters[f as usize].steps;
        let k = steps
            .iter()
            .position(|s| s.0 == task.step)
            .expect("the step belongs to its filter");
        if let Some(next) = steps.get(k + 1) {
            return self.enter_step(slot, *next, t);
        }
        if why == Leave::TimedOut {
            self.tasks[slot as usize].timed_out_filter = true;
        }
        match self.next_filter(slot, f as usize + 1, t) {
            Some(next) => self.enter_filter(slot, next, t),
            None => match (why, wf.default_step) {
                (Leave::Skipped, Some(d)) if !self.tasks[slot as usize].timed_out_filter => {
                    self.tasks[slot as usize].filter = NO_FILTER;
                    self.enter_step(slot, d, t)
                }
                _ => self.cancel(slot, CancelReason::Workflow, t),
            },
        }
    }

    fn step_timeout(&mut self, slot: u32, generation: u32, epoch: u32, t: f64) {
        let task = self.tasks[slot as usize];
        if task.generation != generation || task.epoch != epoch || task.state != TaskState::Waiting
        {
            return;
        }
        self.drop_waiting(slot);
        if task.tracked() {
            self.metrics.step(task.step, StepEvent::TimedOut);
        }
        self.leave_step(slot, Leave::TimedOut, t);
    }

    /// Patience or TTL runs out for a waiting or ringing task; a pending
    /// reservation is canceled (docs/routing.md, "Reservations").
    fn expire(&mut self, slot: u32, generation: u32, t: f64) {
        let x = &self.tasks[slot as usize];
        if x.generation != generation
            || !matches!(x.state, TaskState::Waiting | TaskState::Reserved)
            || matches!(x.followup, Followup::Voicemail | Followup::Callback)
        {
            return; // answered (or slot reused) before; voicemails and call backs never expire
        }
        let task = *x;
        if task.generation != generation
            || !matches!(task.state, TaskState::Waiting | TaskState::Reserved)
        {
            return; // answered (or slot reused) before
        }
        let ttl_hit = task.patience > self.s.workflow.task_ttl_s;
        self.trace_task(slot, t, "task.canceled", |_, ev| {
            ev.detail = Some(if ttl_hit {
                "Task TTL Exceeded".to_string()
            } else {
                format!(
                    "the customer hung up after waiting {:.2} s",
                    t - task.created
                )
            });
            if task.followup == Followup::None {
                ev.outcome = Some(if ttl_hit { "canceled_ttl" } else { "abandoned" });
            }
        });
        if task.followup == Followup::Transfer && task.followup_counted {
            // Abandoned on hold: in the queue where the second leg waited.
            let cell = self.cell(&task);
            self.metrics.transfer(cell, 3, 0.0);
        }
        self.close_leg(slot, t - task.call_start);
        let freed = if task.state == TaskState::Reserved {
            let w = task.reserved_by;
            self.trace_task(slot, t, "reservation.canceled", |e, ev| {
                ev.worker = Some(e.plan.worker_names[w as usize].clone())
            });
            if task.tracked() {
                self.metrics.reservation(
                    self.workers[w as usize].group as usize,
                    ReservationEvent::Canceled,
                );
            }
            self.unreserve(w, slot, t);
            Some(w)
        } else {
            self.drop_waiting(slot);
            None
        };
        let ttl = task.patience > self.s.workflow.task_ttl_s;
        if task.tracked() {
            self.metrics.step(
                task.step,
                if ttl {
                    StepEvent::Canceled
                } else {
                    StepEvent::Abandoned
                },
            );
        }
        if task.counted {
            let cell = self.cell(&task);
            if ttl {
                self.metrics
                    .canceled(cell, CancelReason::Ttl, task.is_redial);
            } else {
                self.metrics
                    .abandoned(cell, task.arrival(), t - task.created, task.is_redial);
            }
        }
        // An abandoning customer may call again (not after a TTL cancel).
        let redial = match &self.s.sources[task.source as usize].redial {
            Some((p, delay)) if !ttl_hit && task.followup == Followup::None => {
                let u: f64 = StandardUniform.sample(&mut self.redial_rng);
                (u < *p).then(|| delay.sample(&mut self.redial_rng))
            }
            _ => None,
        };
        match redial {
            Some(delay) => {
                let x = &mut self.tasks[slot as usize];
                x.state = TaskState::Parked;
                self.cal.schedule(
                    t + delay,
                    Event::Redial {
                        task: slot,
                        generation,
                    },
                );
            }
            None => self.release_slot(slot),
        }
        // Only now, with the leg out of its waitlist, may the first agent
        // (held by a warm transfer) look for work.
        self.release_parent(slot, t);
        if let Some(w) = freed
            && self.workers[w as usize].active
        {
            self.pull_tasks(w, t);
        }
    }

    /// Marks a waiting task's waitlist entry stale (it leaves unserved).
    fn drop_waiting(&mut self, slot: u32) {
        let waitlist = self.tasks[slot as usize].waitlist;
        let tasks = &self.tasks;
        self.router.left_unserved(waitlist, |e| {
            let x = &tasks[e.task as usize];
            x.generation == e.generation && x.epoch == e.epoch && x.state == TaskState::Waiting
        });
    }

    fn cancel(&mut self, slot: u32, reason: CancelReason, t: f64) {
        self.trace_task(slot, t, "task.canceled", |e, ev| {
            ev.detail = Some(
                match reason {
                    CancelReason::NoMatch => "no matching filter and no default_filter",
                    CancelReason::Workflow => {
                        "workflow.timeout: the last matching filter's last target ended"
                    }
                    CancelReason::Ttl => "Task TTL Exceeded or Max assignment count exceeded",
                }
                .into(),
            );
            if e.tasks[slot as usize].followup == Followup::None {
                ev.outcome = Some(match reason {
                    CancelReason::NoMatch => "canceled_no_match",
                    CancelReason::Workflow => "canceled_workflow",
                    CancelReason::Ttl => "canceled_ttl",
                });
            }
        });
        let task = self.tasks[slot as usize];
        self.close_leg(slot, t - task.call_start);
        if task.counted {
            let cell = self.cell(&task);
            self.metrics.canceled(cell, reason, task.is_redial);
        }
        if task.followup == Followup::Transfer && task.followup_counted {
            // The second leg found no target: the transfer failed.
            let cell = self
                .metrics
                .cell(task.source, task.channel, Some(task.origin_queue));
            self.metrics.transfer(cell, 2, 0.0);
        }
        self.release_slot(slot);
        self.release_parent(slot, t);
    }

    #[inline]
    fn cell(&self, task: &Task) -> CellId {
        let queue = task.routed.then_some(task.queue);
        self.metrics.cell(task.source, task.channel, queue)
    }

    fn release_slot(&mut self, slot: u32) {
        let task = &mut self.tasks[slot as usize];
        task.generation = task.generation.wrapping_add(1);
        task.state = TaskState::Free;
        self.free_slots.push(slot);
        self.live -= 1;
    }

    // -------------------------------------------------------- matching

    /// A worker field or attribute as target expressions see it (docs/routing.md, "Expressions").
    #[inline]
    fn worker_value(&self, w: u32, key: KeyId) -> ValueRef<'_> {
        let worker = &self.workers[w as usize];
        let i = w as usize * self.n_channels;
        let pct = |ch: usize| {
            let (load, cap) = (f64::from(self.load[i + ch]), f64::from(self.cap[i + ch]));
            if cap > 0.0 {
                ((1.0 - load / cap) * 100.0).floor()
            } else {
                0.0
            }
        };
        match self.plan.worker_field[key.idx()] {
            WorkerField::Attr => self.s.profiles[worker.profile as usize].attrs.get(key),
            WorkerField::Capacity(ch) => ValueRef::Num(f64::from(self.cap[i + ch as usize])),
            WorkerField::Assigned(ch) => ValueRef::Num(f64::from(self.assigned[i + ch as usize])),
            WorkerField::CapacityPct(ch) => ValueRef::Num(pct(ch as usize)),
            WorkerField::Name => ValueRef::Str(&self.plan.worker_names[w as usize]),
            WorkerField::Activity => {
                ValueRef::Str(&self.s.activities[usize::from(worker.activity)].name)
            }
            WorkerField::ActivitySid => {
                let a = &self.s.activities[usize::from(worker.activity)];
                ValueRef::Str(a.sid.as_deref().unwrap_or(&a.name))
            }
        }
    }

    /// Can worker `w` take a task of `class` from `waitlist` right now (besides capacity)?
    #[inline]
    fn eligible(&self, waitlist: u32, class: u32, w: u32, t: f64) -> bool {
        let wl = &self.plan.waitlists[waitlist as usize];
        if wl.known.is_some_and(|k| k != w)
            || !self
                .plan
                .eligible(waitlist, self.workers[w as usize].profile)
        {
            return false;
        }
        !wl.dynamic
            || self.s.workflow.steps[wl.step.idx()]
                .expression
                .as_ref()
                .is_none_or(|e| {
                    e.eval(&PairView {
                        e: self,
                        class,
                        worker: w,
                        t,
                    })
                })
    }

    #[inline]
    fn has_room(&self, w: u32, channel: u32) -> bool {
        let i = w as usize * self.n_channels + channel as usize;
        self.load[i] < self.cap[i]
    }

    /// The worker to reserve for a task entering its step, if any is free:
    /// `order_by` tiers first, then longest since last reservation (docs/routing.md, "Which worker gets a task").
    fn find_worker(&mut self, slot: u32, t: f64) -> Option<u32> {
        let (waitlist, class, step) = {
            let task = &self.tasks[slot as usize];
            (task.waitlist, task.class, task.step)
        };
        let wl = &self.plan.waitlists[waitlist as usize];
        let channel = wl.channel;
        if !self.queue_open[wl.queue as usize] {
            return None; // outside the queue's hours: the task waits
        }
        if let Some(k) = wl.known {
            let ok = k != u32::MAX
                && self.workers[k as usize].active
                && self.has_room(k, channel)
                && self.eligible(waitlist, class, k, t);
            return ok.then_some(k);
        }
        if wl.slow {
            return self.find_worker_slow(waitlist, class, step, t);
        }
        // (entry, tier, pair) of the best free worker so far.
        let mut best: Option<(IdleEntry, u32, u32)> = None;
        let (workers, load, cap, nch) = (&self.workers, &self.load, &self.cap, self.n_channels);
        let valid = |e: &IdleEntry| {
            let x = &workers[e.worker as usize];
            let i = e.worker as usize * nch + channel as usize;
            x.stamp == e.stamp && x.active && load[i] < cap[i]
        };
        for &(pair, tier) in &wl.candidates {
            if best.is_some_and(|(_, t0, _)| t0 != tier) {
                break;
            }
            if let Some(top) = self.router.peek_idle(pair, channel, valid)
                && best.is_none_or(|(b, _, _)| top.before(&b))
            {
                best = Some((top, tier, pair));
            }
        }
        // The chosen entry is the top of its heap: remove it now rather than
        // leave it to go stale, which keeps idle heaps at their live size.
        let (entry, _, pair) = best?;
        self.router.pop_idle(pair, channel);
        Some(entry.worker)
    }

    /// Selection when eligibility or `order_by` reads live worker state: gathers
    /// the free eligible workers of the queue, picks the best, puts all back.
    fn find_worker_slow(&mut self, waitlist: u32, class: u32, step: u32, t: f64) -> Option<u32> {
        let wl = &self.plan.waitlists[waitlist as usize];
        let channel = wl.channel;
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        let (workers, load, cap, nch) = (&self.workers, &self.load, &self.cap, self.n_channels);
        let valid = |e: &IdleEntry| {
            let x = &workers[e.worker as usize];
            let i = e.worker as usize * nch + channel as usize;
            x.stamp == e.stamp && x.active && load[i] < cap[i]
        };
        let mut drained = std::mem::take(&mut self.drained);
        for &(pair, _) in &wl.candidates {
            drained.clear();
            self.router.drain_idle(pair, channel, valid, &mut drained);
            scratch.extend(drained.iter().map(|e| (*e, pair)));
        }
        self.drained = drained;
        let step = &self.s.workflow.steps[step as usize];
        let key = |w: u32| -> Vec<Option<i64>> {
            step.order_by
                .iter()
                .map(|c| routing::int_attr(self.worker_value(w, c.key)))
                .collect()
        };
        let mut best: Option<(IdleEntry, Vec<Option<i64>>)> = None;
        for &(e, _) in &scratch {
            if !self.eligible(waitlist, class, e.worker, t) {
                continue;
            }
            let k = key(e.worker);
            let better = match &best {
                None => true,
                Some((b, bk)) => match routing::compare_keys(&k, bk, &step.order_by) {
                    std::cmp::Ordering::Less => true,
                    std::cmp::Ordering::Greater => false,
                    std::cmp::Ordering::Equal => e.before(b),
                },
            };
            if better {
                best = Some((e, k));
            }
        }
        for &(e, pair) in &scratch {
            self.router.restore_idle(pair, channel, e);
        }
        self.scratch = scratch;
        best.map(|(e, _)| e.worker)
    }

    /// Reserves a task for a worker: its capacity unit is taken now (pending
    /// reservations count, docs/routing.md, "Multitasking and capacity"). Instant answers accept at once; otherwise
    /// the outcome is drawn now and resolved by a `ReservationEnd` event.
    /// The caller offers any capacity left once it is done.
    fn reserve(&mut self, w: u32, slot: u32, t: f64) {
        let task = &mut self.tasks[slot as usize];
        task.state = TaskState::Reserved;
        task.reserved_by = w;
        task.assignments += 1;
        let (channel, counted, generation) = (task.channel, task.tracked(), task.generation);
        let worker = &mut self.workers[w as usize];
        worker.tasks += 1;
        worker.last_assign = t;
        worker.stamp = worker.stamp.wrapping_add(1);
        let first = worker.tasks == 1;
        let g = worker.group as usize;
        let i = w as usize * self.n_channels + channel as usize;
        debug_assert!(
            self.load[i] < self.cap[i],
            "worker {w} reserved beyond its capacity on channel {channel}"
        );
        self.load[i] += 1;
        self.metrics.change_work(g, t, i32::from(first), 1);
        if counted {
            self.metrics.reservation(g, ReservationEvent::Created);
        }
        if self.tracer.is_some() {
            let rule = self.rule_text(slot);
            self.trace_task(slot, t, "reservation.created", |e, ev| {
                ev.worker = Some(e.plan.worker_names[w as usize].clone());
                ev.detail = Some(rule);
            });
        }
        let behaviour = &self.s.groups[g].reservations;
        if self.instant[g] {
            return self.accept(w, slot, t);
        }
        let timeout = self.s.workflow.task_reservation_timeout_s;
        let u: f64 = StandardUniform.sample(&mut self.reservation_rng);
        let delay = behaviour
            .accept_delay
            .as_ref()
            .map_or(0.0, |d| d.sample(&mut self.reservation_rng));
        let (outcome, at) = if u < behaviour.reject_probability + behaviour.no_answer_probability
            && u >= behaviour.reject_probability
            || delay >= timeout
        {
            (Answer::Timeout, t + timeout)
        } else if u < behaviour.reject_probability {
            (Answer::Reject, t + delay)
        } else {
            (Answer::Accept, t + delay)
        };
        self.tasks[slot as usize].answer = outcome;
        self.schedule_expiry(slot, t);
        let offer = self.tasks[slot as usize].assignments;
        self.cal.schedule(
            at,
            Event::ReservationEnd {
                worker: w,
                task: slot,
                generation,
                offer,
            },
        );
    }

    /// A reservation is accepted: the task is assigned (answered) and talk starts.
    fn accept(&mut self, w: u32, slot: u32, t: f64) {
        let task = &mut self.tasks[slot as usize];
        task.state = TaskState::Serving;
        task.in_talk = true;
        task.talk_start = t;
        task.work_left = task.handle;
        task.work_since = t;
        let (channel, handle) = (task.channel, task.handle);
        // Follow-up work counts in the queue that works it.
        let here = self.metrics.cell(task.source, channel, Some(task.queue));
        match task.followup {
            _ if !task.followup_counted => {}
            Followup::Voicemail => self.metrics.voicemail_worked(here, t - task.created),
            Followup::Callback => self.metrics.callback_worked(here, t - task.created),
            Followup::Transfer => self.metrics.transfer(here, 1, t - task.created),
            Followup::None => {}
        }
        if task.counted {
            let (created, busy) = (task.created, task.handle + task.wrapup);
            self.metrics
                .answered(here, created, t - created, busy, task.is_redial);
            if task.filter != NO_FILTER {
                self.metrics.filter(task.filter, true);
            }
        }
        if task.tracked() {
            self.metrics.step(task.step, StepEvent::Answered);
            self.metrics.reservation(
                self.workers[w as usize].group as usize,
                ReservationEvent::Accepted,
            );
        }
        self.assigned[w as usize * self.n_channels + channel as usize] += 1;
        if task.parent != u32::MAX {
            self.release_parent(slot, t);
        }
        self.trace_task(slot, t, "reservation.accepted", |e, ev| {
            let task = &e.tasks[slot as usize];
            if task.followup == Followup::None {
                ev.outcome = Some("answered");
            }
            ev.worker = Some(e.plan.worker_names[w as usize].clone());
            ev.detail = Some(format!(
                "answered after waiting {:.2} s; talk {:.1} s, wrap-up {:.1} s",
                t - task.created,
                task.handle,
                task.wrapup
            ));
        });
        let i = w as usize * self.n_channels + channel as usize;
        if self.s.channels[channel as usize]
            .handle_time_scale
            .is_empty()
        {
            let epoch = self.tasks[slot as usize].talk_epoch;
            self.cal.schedule(
                t + handle,
                Event::TalkEnd {
                    worker: w,
                    task: slot,
                    epoch,
                },
            );
        } else {
            self.retime_talk(w, channel, t, Some(slot), None);
            debug_assert!(self.talking[i].contains(&slot));
        }
    }

    /// Talk slowdown (`handle_time_scale` in docs/scenario.md): brings every task the worker talks
    /// on in `channel` up to date at the old concurrency, applies the change
    /// (`add` joins, `remove` leaves), and reschedules their ends at the new
    /// concurrency. Old `TalkEnd` events go stale by epoch.
    fn retime_talk(&mut self, w: u32, channel: u32, t: f64, add: Option<u32>, remove: Option<u32>) {
        let i = w as usize * self.n_channels + channel as usize;
        let scale = &self.s.channels[channel as usize].handle_time_scale;
        let factor = |j: usize| {
            if j == 0 {
                1.0
            } else {
                scale[(j - 1).min(scale.len() - 1)]
            }
        };
        let mut talking = std::mem::take(&mut self.talking[i]);
        let old = factor(talking.len());
        for &slot in &talking {
            let task = &mut self.tasks[slot as usize];
            task.work_left = (task.work_left - (t - task.work_since) / old).max(0.0);
            task.work_since = t;
        }
        if let Some(r) = remove {
            talking.retain(|&x| x != r);
        }
        if let Some(a) = add {
            talking.push(a);
        }
        let new = factor(talking.len());
        for &slot in &talking {
            let task = &mut self.tasks[slot as usize];
            task.talk_epoch = task.talk_epoch.wrapping_add(1);
            let (end, epoch) = (t + task.work_left * new, task.talk_epoch);
            self.cal.schedule(
                end,
                Event::TalkEnd {
                    worker: w,
                    task: slot,
                    epoch,
                },
            );
        }
        self.talking[i] = talking;
    }

    /// A pending reservation resolves as drawn when it was created.
    fn reservation_end(&mut self, w: u32, slot: u32, generation: u32, offer: u16, t: f64) {
        let task = &self.tasks[slot as usize];
        if task.generation != generation
            || task.state != TaskState::Reserved
            || task.reserved_by != w
            || task.assignments != offer
        {
            return; // canceled while pending
        }
        let (answer, counted) = (task.answer, task.tracked());
        let g = self.workers[w as usize].group as usize;
        match answer {
            Answer::Accept => self.accept(w, slot, t),
            Answer::Reject => {
                if counted {
                    self.metrics.reservation(g, ReservationEvent::Rejected);
                }
                self.trace_task(slot, t, "reservation.rejected", |e, ev| {
                    ev.worker = Some(e.plan.worker_names[w as usize].clone())
                });
                self.unreserve(w, slot, t);
                // The task tries other workers first; the worker may take it
                // again afterwards (docs/routing.md, "Reservations" [I]).
                self.retry(slot, t);
                if self.workers[w as usize].active {
                    self.pull_tasks(w, t);
                }
            }
            Answer::Timeout => {
                if counted {
                    self.metrics.reservation(g, ReservationEvent::TimedOut);
                }
                self.trace_task(slot, t, "reservation.timeout", |e, ev| {
                    ev.worker = Some(e.plan.worker_names[w as usize].clone());
                    ev.detail = Some(format!(
                        "not answered within task_reservation_timeout ({} s)",
                        e.s.workflow.task_reservation_timeout_s
                    ));
                });
                self.unreserve(w, slot, t);
                // A missed offer moves the worker to the timeout activity
                // (Flex: Offline) until it comes back (docs/routing.md, "Reservations").
                let back = self.s.groups[g]
                    .reservations
                    .return_after_timeout
                    .sample(&mut self.reservation_rng);
                self.workers[w as usize].timed_out = true;
                self.refresh(w, t);
                let name = &self.s.activities[usize::from(self.s.workflow.timeout_activity)].name;
                self.trace_worker(
                    w,
                    t,
                    "worker.activity.update",
                    &format!("{name} (missed offer) for {back:.1} s"),
                );
                self.cal
                    .schedule(t + back, Event::WorkerReturn { worker: w });
                self.retry(slot, t);
            }
        }
    }

    /// Releases a pending reservation's capacity unit.
    fn unreserve(&mut self, w: u32, slot: u32, t: f64) {
        let channel = self.tasks[slot as usize].channel as usize;
        self.release_unit(w, channel, t);
        self.refresh(w, t);
    }

    /// Gives back one capacity unit of a worker on a channel.
    #[inline]
    fn release_unit(&mut self, w: u32, channel: usize, t: f64) {
        let i = w as usize * self.n_channels + channel;
        self.load[i] -= 1;
        if self.load[i] >= self.cap[i] && self.workers[w as usize].logged_in {
            // Above a capacity cut: the unit leaves the capacity too.
            let g = self.workers[w as usize].group as usize;
            let mut lv = self.metrics.level(g);
            lv.capacity -= 1;
            self.metrics.set_level(g, t, lv);
        }
        let worker = &mut self.workers[w as usize];
        worker.tasks -= 1;
        worker.stamp = worker.stamp.wrapping_add(1);
        let g = worker.group as usize;
        self.metrics
            .change_work(g, t, -i32::from(worker.tasks == 0), -1);
    }

    /// Work on a task ends: capacity released, then the worker looks for more.
    fn complete(&mut self, w: u32, slot: u32, t: f64) {
        self.trace_task(slot, t, "task.completed", |e, ev| {
            ev.worker = Some(e.plan.worker_names[w as usize].clone())
        });
        let ch = self.tasks[slot as usize].channel as usize;
        self.release_slot(slot);
        self.assigned[w as usize * self.n_channels + ch] -= 1;
        self.release_unit(w, ch, t);
        if self.workers[w as usize].active {
            self.pull_tasks(w, t);
        } else {
            self.refresh(w, t);
        }
    }

    /// A worker with free capacity takes the best waiting tasks it is
    /// eligible for across its waitlists (priority, then age; LIFO queues
    /// newest first, served before or after FIFO ones per the workspace),
    /// then offers what capacity remains.
    fn pull_tasks(&mut self, w: u32, t: f64) {
        let profile = self.workers[w as usize].profile as usize;
        loop {
            // Best FIFO and best LIFO candidate: (entry, waitlist).
            let mut best = [None::<(WaitEntry, u32)>; 2];
            for &wl in &self.plan.profile_waitlists[profile] {
                let list = &self.plan.waitlists[wl as usize];
                let channel = list.channel;
                if !self.has_room(w, channel) || !self.queue_open[list.queue as usize] {
                    continue;
                }
                let tasks = &self.tasks;
                let Some(top) = self.router.peek_waiting(wl, |e| {
                    let x = &tasks[e.task as usize];
                    x.generation == e.generation
                        && x.epoch == e.epoch
                        && x.state == TaskState::Waiting
                }) else {
                    continue;
                };
                let kind = usize::from(top.lifo);
                if best[kind].is_some_and(|(b, _)| !top.better_than(&b)) {
                    continue;
                }
                if self.eligible(wl, self.tasks[top.task as usize].class, w, t) {
                    best[kind] = Some((top, wl));
                }
            }
            let first = usize::from(self.s.workflow.lifo_first);
            let Some((entry, wl)) = best[first].or(best[1 - first]) else {
                break;
            };
            self.router.pop_waiting(wl);
            self.rule = Rule::WorkerPulled;
            self.reserve(w, entry.task, t);
        }
        self.offer_free_capacity(w);
    }

    /// Puts the worker in the idle heap of every (queue, channel) where it has
    /// free capacity, under a fresh stamp.
    fn offer_free_capacity(&mut self, w: u32) {
        let worker = self.workers[w as usize];
        if !worker.active
            || u32::from(worker.tasks) >= self.plan.profile_capacity[worker.profile as usize]
        {
            return;
        }
        let entry = IdleEntry {
            since: worker.last_assign,
            worker: w,
            stamp: worker.stamp,
        };
        let (workers, nch) = (&self.workers, self.n_channels);
        for ch in 0..nch {
            if !self.has_room(w, ch as u32) {
                continue;
            }
            for &pair in &self.plan.profile_pairs[worker.profile as usize] {
                self.router.push_idle(pair, ch as u32, entry, |e| {
                    workers[e.worker as usize].stamp == e.stamp
                });
            }
        }
    }

    // -------------------------------------------------------- workforce

    /// Capacity units a worker offers: its configured capacity, or the
    /// units in use where a scripted cut left it holding more (so
    /// utilization stays a share of what is actually available).
    fn capacity_units(&self, w: u32) -> u32 {
        let i = w as usize * self.n_channels;
        self.cap[i..i + self.n_channels]
            .iter()
            .zip(&self.load[i..i + self.n_channels])
            .map(|(&c, &l)| u32::from(c.max(l)))
            .sum()
    }

    /// Logged in = active, or holding tasks; keeps the group's presence level.
    fn update_login(&mut self, w: u32, t: f64) {
        let worker = self.workers[w as usize];
        let want = worker.active || worker.tasks > 0;
        if want == worker.logged_in {
            return;
        }
        self.workers[w as usize].logged_in = want;
        let g = worker.group as usize;
        let units = self.capacity_units(w);
        let mut lv = self.metrics.level(g);
        if want {
            lv.logged_in += 1;
            lv.capacity += units;
        } else {
            lv.logged_in -= 1;
            lv.capacity -= units;
        }
        self.metrics.set_level(g, t, lv);
    }

    /// Derives a worker's activity from its flags — off shift or
    /// disconnected: Offline; after a missed offer: the timeout activity; in
    /// a break window: the break's activity; else Available — and keeps
    /// `active`, the queue counters of `skip_if`, the group's activity time
    /// and logged-in time consistent. Returns true if the worker just became
    /// able to take tasks.
    fn refresh(&mut self, w: u32, t: f64) -> bool {
        let worker = self.workers[w as usize];
        let activity = if worker.disconnected {
            OFFLINE
        } else if !worker.on_shift {
            // Finishing work after the shift: logged in, taking nothing new.
            if worker.tasks > 0 {
                UNAVAILABLE
            } else {
                OFFLINE
            }
        } else if worker.timed_out {
            self.s.workflow.timeout_activity
        } else if worker.break_activity != NO_BREAK {
            worker.break_activity
        } else {
            AVAILABLE
        };
        let now = self.s.activities[usize::from(activity)].available;
        let (g, profile) = (worker.group as usize, worker.profile as usize);
        if activity != worker.activity {
            let n_act = self.s.activities.len();
            for q in &self.s.profiles[profile].queues {
                self.queue_activity[q.idx() * n_act + usize::from(worker.activity)] -= 1;
                self.queue_activity[q.idx() * n_act + usize::from(activity)] += 1;
            }
            self.metrics
                .activity_change(g, t, worker.activity, activity);
            if (worker.activity == OFFLINE) != (activity == OFFLINE) {
                self.track_online(w, t, activity != OFFLINE);
            }
            self.workers[w as usize].activity = activity;
        }
        let was = worker.active;
        if was != now {
            let worker = &mut self.workers[w as usize];
            worker.active = now;
            worker.stamp = worker.stamp.wrapping_add(1);
            self.count_capacity(profile as u32, now);
        }
        self.update_login(w, t);
        now && !was
    }

    /// A worker comes back from the timeout activity.
    fn worker_return(&mut self, w: u32, t: f64) {
        self.trace_worker(
            w,
            t,
            "worker.activity.update",
            "Available (back from the timeout activity)",
        );
        self.workers[w as usize].timed_out = false;
        if self.refresh(w, t) {
            self.pull_tasks(w, t);
        }
    }

    /// Schedules a group's next disconnect: a Poisson process at `count`
    /// times the per-worker rate; the victim is drawn uniformly and only a
    /// worker on shift and on line disconnects (thinning), so each worker on
    /// shift disconnects at exactly the per-worker rate.
    fn schedule_disconnect(&mut self, g: usize, t: f64) {
        let group = &self.s.groups[g];
        let Some(d) = &group.disconnects else { return };
        if group.count == 0 {
            return;
        }
        let u: f64 = StandardUniform.sample(&mut self.disconnect_rng);
        let next = t - (1.0 - u).ln() / (d.rate_per_s * f64::from(group.count));
        if next <= self.s.sim.horizon_s + self.s.sim.drain_limit_s {
            self.cal
                .schedule(next, Event::Disconnect { group: g as u32 });
        }
    }

    /// A worker of group `g` may disconnect: it goes Offline for the
    /// group's disconnect duration, its pending reservations are rejected
    /// and re-routed, and conversations in progress on `drop` channels are
    /// lost. Scans the task slots (live tasks only; disconnects are rare).
    fn disconnect(&mut self, g: usize, t: f64) {
        self.schedule_disconnect(g, t);
        let group = &self.s.groups[g];
        let Some(d) = &group.disconnects else { return };
        let u: f64 = StandardUniform.sample(&mut self.disconnect_rng);
        let w = self.group_start[g] + ((u * f64::from(group.count)) as u32).min(group.count - 1);
        let worker = self.workers[w as usize];
        if !worker.on_shift || worker.disconnected {
            return;
        }
        let off = d.duration.sample(&mut self.disconnect_rng);
        if self.metrics.counts(t) {
            self.metrics.disconnect(g);
        }
        self.trace_worker(
            w,
            t,
            "worker.activity.update",
            &format!("Offline (disconnected) for {off:.1} s"),
        );
        self.workers[w as usize].disconnected = true;
        self.refresh(w, t);
        for slot in 0..self.tasks.len() as u32 {
            let x = self.tasks[slot as usize];
            if x.reserved_by != w {
                continue;
            }
            match x.state {
                TaskState::Reserved => {
                    if x.tracked() {
                        self.metrics.reservation(g, ReservationEvent::Rejected);
                    }
                    self.trace_task(slot, t, "reservation.rejected", |e, ev| {
                        ev.worker = Some(e.plan.worker_names[w as usize].clone());
                        ev.detail = Some("the worker disconnected".into());
                    });
                    self.unreserve(w, slot, t);
                    self.retry(slot, t);
                }
                TaskState::Serving if x.in_talk && d.drop[x.channel as usize] => {
                    self.drop_talk(w, slot, t);
                }
                _ => {}
            }
        }
        self.cal.schedule(t + off, Event::Reconnect { worker: w });
    }

    /// A conversation is lost with its agent: the work ends now (no wrap-up).
    fn drop_talk(&mut self, w: u32, slot: u32, t: f64) {
        let channel = self.tasks[slot as usize].channel;
        let slowdown = !self.s.channels[channel as usize]
            .handle_time_scale
            .is_empty();
        if slowdown {
            // Brings `work_left` up to date and re-times the others.
            self.retime_talk(w, channel, t, None, Some(slot));
        }
        let x = &mut self.tasks[slot as usize];
        let left = if slowdown {
            x.work_left
        } else {
            (x.work_left - (t - x.work_since)).max(0.0)
        };
        // AHT keeps the talk that happened (slowed or not), not the wrap-up.
        let unworked = x.handle + x.wrapup - (t - x.talk_start);
        // The pending `TalkEnd` must not end a later task in this slot.
        x.talk_epoch = x.talk_epoch.wrapping_add(1);
        x.in_talk = false;
        let x = *x;
        self.meter_talk_end(slot, t);
        if x.counted {
            // Work not done is taken out of AHT.
            let cell = self.metrics.cell(x.source, x.channel, Some(x.queue));
            self.metrics.disconnect_dropped(cell, unworked);
        }
        self.trace_task(slot, t, "task.canceled", |e, ev| {
            ev.worker = Some(e.plan.worker_names[w as usize].clone());
            ev.detail = Some(format!("the agent disconnected; {left:.1} s of talk lost"));
        });
        self.complete(w, slot, t);
    }

    /// A scripted change: the group's first workers take new attributes and
    /// capacity. Queue membership and the `skip_if` counters follow; work in
    /// hand continues (capacity above the new limit drains); a worker able to
    /// take work looks for it under its new profile.
    fn profile_change(&mut self, g: usize, c: usize, t: f64) {
        let s = self.s;
        let change = &s.groups[g].changes[c];
        let start = self.group_start[g];
        let n_act = s.activities.len();
        for w in start..start + change.workers {
            let worker = self.workers[w as usize];
            let Some(&(_, new)) = change.map.iter().find(|(old, _)| *old == worker.profile) else {
                continue;
            };
            if new == worker.profile {
                continue;
            }
            let act = usize::from(worker.activity);
            for (profile, add) in [(worker.profile, false), (new, true)] {
                for q in &s.profiles[profile as usize].queues {
                    let q = q.idx();
                    for n in [
                        &mut self.queue_members[q],
                        &mut self.queue_activity[q * n_act + act],
                    ] {
                        *n = if add { *n + 1 } else { *n - 1 };
                    }
                }
                if worker.active {
                    self.count_capacity(profile, add);
                }
            }
            let before = self.capacity_units(w);
            let i = w as usize * self.n_channels;
            self.cap[i..i + self.n_channels].copy_from_slice(&s.profiles[new as usize].capacity);
            if worker.logged_in {
                let after = self.capacity_units(w);
                let mut lv = self.metrics.level(g);
                lv.capacity = lv.capacity + after - before;
                self.metrics.set_level(g, t, lv);
            }
            let x = &mut self.workers[w as usize];
            x.profile = new;
            x.stamp = x.stamp.wrapping_add(1);
            self.trace_worker(
                w,
                t,
                "worker.attributes.update",
                "scripted change: attributes and capacity updated, queue membership recomputed",
            );
            if worker.active {
                self.pull_tasks(w, t);
            }
        }
    }

    /// Adds (or removes) an available worker of `profile` to the capacity
    /// on line of each of its queues (expected waits).
    fn count_capacity(&mut self, profile: u32, add: bool) {
        let p = &self.s.profiles[profile as usize];
        for q in &p.queues {
            for (ch, &c) in p.capacity.iter().enumerate() {
                let n = &mut self.queue_capacity[q.idx() * self.n_channels + ch];
                *n = if add {
                    *n + u32::from(c)
                } else {
                    *n - u32::from(c)
                };
            }
        }
    }

    /// A disconnected worker is back on line.
    fn reconnect(&mut self, w: u32, t: f64) {
        self.trace_worker(w, t, "worker.activity.update", "back on line");
        self.workers[w as usize].disconnected = false;
        if self.refresh(w, t) {
            self.pull_tasks(w, t);
        }
    }

    /// Schedules the next opening or closing of a calendar after `t`.
    fn schedule_hours(&mut self, h: u32, t: f64) {
        let open = &self.s.hours[h as usize].open;
        let next = open.iter().flat_map(|&(a, b)| [a, b]).find(|&x| x > t);
        if let Some(next) = next
            && next <= self.s.sim.horizon_s + self.s.sim.drain_limit_s
        {
            self.cal.schedule(next, Event::HoursChange { hours: h });
        }
    }

    /// Queues with these hours open or close; free members of a queue that
    /// just opened take its waiting tasks.
    fn hours_change(&mut self, h: u32, t: f64) {
        let open = self.s.hours[h as usize].is_open(t);
        let mut opened = false;
        for (q, queue) in self.s.queues.iter().enumerate() {
            if queue.hours == Some(h) && self.queue_open[q] != open {
                self.queue_open[q] = open;
                opened |= open;
            }
        }
        if opened {
            let mut starting = std::mem::take(&mut self.starting);
            starting.clear();
            for w in 0..self.workers.len() as u32 {
                let worker = &self.workers[w as usize];
                let member = self.s.profiles[worker.profile as usize]
                    .queues
                    .iter()
                    .any(|q| self.s.queues[q.idx()].hours == Some(h));
                if worker.active && member {
                    starting.push(w);
                }
            }
            self.starting = self.pull_longest_idle_first(starting, t);
        }
        self.schedule_hours(h, t);
    }

    /// Workers who just became able to take waiting tasks take them
    /// longest-idle first (docs/routing.md, "Which worker gets a task"), as at a shift start; returns the list for
    /// reuse.
    fn pull_longest_idle_first(&mut self, mut ws: Vec<u32>, t: f64) -> Vec<u32> {
        let workers = &self.workers;
        ws.sort_by(|a, b| {
            let (x, y) = (&workers[*a as usize], &workers[*b as usize]);
            x.last_assign.total_cmp(&y.last_assign).then(a.cmp(b))
        });
        for &w in &ws {
            self.pull_tasks(w, t);
        }
        ws
    }

    /// Applies a group's shift and break state at `t` and schedules its next
    /// boundary. At each shift start a worker is absent with the group's
    /// absence probability (shrinkage). Workers becoming able to work pick
    /// waiting tasks longest-idle first (docs/routing.md, "Which worker gets a task").
    fn shift_change(&mut self, g: usize, t: f64) {
        let group = &self.s.groups[g];
        let on = workforce::on_shift(&group.shifts, t);
        let on_break =
            workforce::window_at(&group.breaks, t).map_or(NO_BREAK, |i| group.break_activities[i]);
        let mut starting = std::mem::take(&mut self.starting);
        starting.clear();
        for w in self.group_start[g]..self.group_start[g + 1] {
            let worker = self.workers[w as usize];
            let scheduled = worker.on_shift || worker.absent;
            if on && !scheduled && group.absence > 0.0 {
                let u: f64 = StandardUniform.sample(&mut self.workforce_rng);
                self.workers[w as usize].absent = u < group.absence;
            } else if !on {
                self.workers[w as usize].absent = false;
            }
            let worker = &mut self.workers[w as usize];
            let present = on && !worker.absent;
            let changed = worker.on_shift != present || worker.break_activity != on_break;
            worker.on_shift = present;
            worker.break_activity = on_break;
            if !changed {
                continue;
            }
            let before = worker.activity;
            if self.refresh(w, t) {
                starting.push(w);
            }
            let after = self.workers[w as usize].activity;
            if self.tracer.is_some() && after != before {
                let name = &self.s.activities[usize::from(after)].name;
                let what = if !present {
                    format!("{name} (off shift)")
                } else if on_break != NO_BREAK {
                    format!("{name} (break)")
                } else {
                    format!("{name} (shift starts)")
                };
                self.trace_worker(w, t, "worker.activity.update", &what);
            }
        }
        self.starting = self.pull_longest_idle_first(starting, t);
        let next = [
            workforce::next_boundary(&group.shifts, t),
            workforce::next_boundary(&group.breaks, t),
        ]
        .into_iter()
        .flatten()
        .min_by(f64::total_cmp);
        if let Some(next) = next
            && next <= self.s.sim.horizon_s + self.s.sim.drain_limit_s
        {
            self.cal.schedule(next, Event::Shift { group: g as u32 });
        }
    }

    // -------------------------------------------------------- cost meters

    /// The customer's leg ends after `secs` on the line, unanswered (the
    /// contact abandoned, was canceled, took a call back, or heard the
    /// after-hours message): metered with one inbound message.
    #[inline]
    fn close_leg(&mut self, slot: u32, secs: f64) {
        if self.usage.is_some() && self.tasks[slot as usize].leg_open {
            self.meter(slot, None, Some((secs, false)));
        }
    }

    /// Talk on a task ends at `t`: its agent leg, and the customer's leg if
    /// the call ends with it (no transfer carries it on).
    #[inline]
    fn meter_talk_end(&mut self, slot: u32, t: f64) {
        if self.usage.is_none() {
            return;
        }
        let x = &self.tasks[slot as usize];
        let leg = x.leg_open.then_some((t - x.call_start, true));
        let agent = (x.followup != Followup::Voicemail).then_some(t - x.talk_start);
        self.meter(slot, agent, leg);
    }

    /// Meters a task's legs in one update of its (channel, queue, hour)
    /// cell: an agent leg of `agent` seconds (and, for a call back, the
    /// outbound customer leg), and the customer's leg `(seconds, answered)`,
    /// closing it. Each leg is rounded up on its own. An answered contact's
    /// messages are drawn from the card, an unanswered one sends one.
    fn meter(&mut self, slot: u32, agent: Option<f64>, leg: Option<(f64, bool)>) {
        let x = &mut self.tasks[slot as usize];
        if leg.is_some() {
            x.leg_open = false;
        }
        if !x.tracked() {
            return;
        }
        let (channel, source, redial) = (x.channel, x.source, x.is_redial);
        let outbound = x.followup == Followup::Callback;
        let cell = crate::cost::MeterKey {
            channel,
            queue: x.routed.then_some(x.queue),
            hour: u32::from(x.hour),
        };
        let Some(costs) = &self.s.costs else { return };
        let rates = &costs.channels[channel as usize];
        let (mut m_in, mut m_out, mut s_in, mut s_out) = (0u64, 0u64, 0u64, 0u64);
        if rates.messaging
            && let Some((_, answered)) = leg
        {
            let rng = &mut self.usage_rng;
            if answered {
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
        let m = self.usage.as_mut().expect("costs mean meters").cell(cell);
        if let Some(secs) = agent {
            let units = crate::cost::increments(secs, rates.increment_s);
            m.agent_s += secs;
            m.agent_units += units;
            if rates.record {
                m.recorded_s += secs;
                m.recorded_units += units;
            }
            if outbound {
                m.outbound_s += secs;
                m.outbound_units += units;
            }
        }
        if let Some((secs, _)) = leg {
            let units = crate::cost::increments(secs, rates.increment_s);
            if toll_free {
                m.toll_free_s += secs;
                m.toll_free_units += units;
            } else {
                m.inbound_s += secs;
                m.inbound_units += units;
            }
            if rates.messaging {
                m.messages_in += m_in;
                m.messages_out += m_out;
                m.segments_in += s_in;
                m.segments_out += s_out;
            }
            m.conversations += u64::from(!redial);
        }
    }

    /// Workers' time online, for monthly-active-user counts: a worker counts
    /// if it was in a non-Offline activity at some time inside the window.
    fn track_online(&mut self, w: u32, t: f64, online: bool) {
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
    fn finish_usage(&mut self) -> Option<crate::cost::Usage> {
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
    fn flush_unfinished(&mut self) {
        let now = self.now;
        for i in 0..self.tasks.len() {
            let task = self.tasks[i];
            if task.state != TaskState::Free && task.leg_open {
                // Still on the line when the run stopped: billed until then.
                self.close_leg(i as u32, now - task.call_start);
            }
            if matches!(task.state, TaskState::Waiting | TaskState::Reserved) && task.counted {
                let cell = self.cell(&task);
                self.metrics.unfinished(cell, task.is_redial);
            }
        }
    }
}

impl Task {
    #[inline]
    fn arrival(&self) -> f64 {
        self.created
    }

    /// Work to report in step, queue-flow and reservation KPIs: counted
    /// contacts and the follow-ups (voicemails, call backs, transfer legs) of
    /// counted contacts. Contact outcomes use `counted` alone.
    #[inline]
    fn tracked(&self) -> bool {
        self.counted || self.followup_counted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    /// One group of two agents working 08:00–09:00. On day 0 worker 0 takes
    /// calls at 08:10 and 08:30, worker 1 at 08:20, so at the next shift start
    /// worker 1 has gone longest without a task. A call waiting since 07:00 on
    /// day 1 must go to worker 1, not to the first worker in index order.
    #[test]
    fn shift_start_serves_waiting_tasks_longest_idle_first() {
        let dir = std::env::temp_dir().join(format!("ccsim-shift-order-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("calls.csv"),
            "arrival_time_s,channel,handle_time_s,patience_s,attributes\n29400,voice,,,\n30000,voice,,,\n30600,voice,,,\n111600,voice,,,\n",
        )
        .unwrap();
        let text = r#"
name = "shift-order"
[simulation]
horizon = "32h"
interval = "32h"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
handle_time = { dist = "deterministic", mean = "60s" }
[[agents]]
group = "team"
count = 2
shifts = [{ start = "08:00", end = "09:00" }]
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
"#;
        let s = load_str(&dir.join("s.toml"), text).unwrap().scenario;
        let plan = Plan::build(&s);
        let mut e = Engine::new(&s, &plan, 1, 0);
        e.run_loop();
        assert_eq!(
            e.workers[0].last_assign, 30_600.0,
            "worker 0 kept its day-0 08:30 call"
        );
        assert_eq!(
            e.workers[1].last_assign,
            86_400.0 + 28_800.0,
            "worker 1 took the waiting call at 08:00"
        );
    }
}
