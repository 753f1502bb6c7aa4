//! One replication: `run(&Scenario, seed, replication) → ReplicationResult`.
//!
//! The loop pops the earliest event, dispatches it and schedules what follows.
//! It does no I/O and shares nothing, so replications run in parallel freely.
//! In steady state it allocates nothing: task slots are recycled through a free
//! list and the heaps keep their capacity.
//!
//! `Engine` and `Task` live here so that every file below sees their private
//! fields; each handler file is one `impl Engine` block for one concern (the
//! others hold helper types: `event.rs` the events, `calendar.rs` their heap,
//! `views.rs` what expressions read, `trace.rs` and `probe.rs` the optional
//! audit trail and system-size counts):
//!
//! | file | concern |
//! |---|---|
//! | `dispatch.rs` | set-up and the loop: which handler takes which event |
//! | `contacts.rs` | arrival, the workflow's business hours, task slots |
//! | `workflow.rs` | filters, steps, timeouts, `skip_if`, waiting, expiry, cancel |
//! | `matching.rs` | eligibility, the worker a task gets, the task a worker pulls |
//! | `service.rs` | reserve, accept/reject/timeout, talk, wrap-up, complete |
//! | `followups.rs` | call backs, transfers, redials |
//! | `conversation.rs` | text conversations: exchanges, reply gaps, closes, reopenings |
//! | `staff.rs` | activities, shifts, breaks, disconnects, profile changes, hours |
//! | `blocking.rs` | line limits and full queues: busy signals |
//! | `self_service.rs` | an IVR or bot before routing: contained, opted out or routed |
//! | `faults.rs` | an attempt's start; injected faults: the look-up, outages, unreached call backs |
//! | `lean.rs` | the lean loop: plain single-queue models, with cut-down handlers |
//! | `meters.rs` | cost meters (with `[costs]`) and the end-of-run flush |
//! | `audit.rs` | the audit trail (`explain`, `--events`), built only when traced |
//! | `views.rs` | what target, filter and `skip_if` expressions read (`Resolver`s, not handlers) |
//!
//! Events and their handlers (`event.rs`; a stale event — its task's
//! generation or epoch moved on — is dropped by the handler):
//! ```text
//! Arrival ........... contacts::arrival      (the next arrival replaces it in the calendar)
//! Expire ............ workflow::expire       patience or TTL ran out
//! StepTimeout ....... workflow::step_timeout the step's cumulative deadline
//! ReservationEnd .... service::reservation_end  accept / reject / timeout drawn at reserve
//! TalkEnd ........... service::talk_end      transfer? else wrap-up or complete
//! WrapEnd ........... service::complete
//! CallbackOffer ..... followups::callback_offer
//! CallbackDue ....... followups::callback_due
//! Redial ............ followups::redial
//! Reply, InactiveClose, Reopen
//!                     conversation::*        a text conversation's next exchange, close, reopening
//! Shift, HoursChange, Disconnect, Reconnect, ProfileChange, WorkerReturn
//!                     staff::*               availability changes; a worker now free pulls tasks
//! SelfServiceDone ... self_service::self_service_done  contained, or on to routing
//! LookupDone ........ faults::lookup_done    route, or the look-up's failure action
//! Outage ............ faults::outage         a channel, queue or group goes down or comes back
//! StatusSync ........ faults::status_sync    the router learns of a worker's activity change
//! ```
//!
//! Handlers call each other directly within one event (the model's own
//! recursion, kept on purpose: turning these calls into zero-delay events
//! would reorder same-time events and change results). `─▶` reads "calls,
//! or its caller then calls":
//! ```text
//! arrival ─▶ begin_attempt ─▶ (line taken? self-service? look-up?) ─▶ route_new
//! route_new ─▶ enter_filter ─▶ enter_step ─▶ seek ─▶ find_worker ─▶ reserve ─▶ accept ─▶ start_work
//!     │                            ▲         │ nobody free          │ not instant        ▼
//! after_hours                      │         ▼                      ▼                    TalkEnd event
//!                           leave_step ◀─ skip_if / deadline        ReservationEnd event
//!                                            │ else
//!                                            ▼
//!                                    wait in the waitlist (Expire, StepTimeout events)
//!
//! talk_end ─▶ maybe_transfer | exchange_end | end_talk ─▶ WrapEnd event, or complete
//! complete ─▶ release_slot, release_unit; then pull_tasks ─▶ reserve ─▶ accept ─▶ …
//!             (a freed worker takes its best waiting task), or refresh if it is not active
//! seek, pull_tasks ─▶ offer_free_capacity    (capacity left: the worker's idle entries)
//! reject ─▶ unreserve ─▶ retry ─▶ seek …, then the worker pulls; a missed offer waits for WorkerReturn
//! staff change ─▶ refresh; a worker now able to take tasks pulls them (longest idle first)
//! ```
//! Each chain ends in a scheduled event, a waitlist entry or a released slot.
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
//!
//! Child files import this module's names with `use super::*`: they are parts
//! of one type, not separate modules with their own interfaces.
//!
//! A scenario that uses none of the optional features (faults, costs,
//! hours, transfers, conversations, self-service, line limits, slowdown, …)
//! runs on `Engine<false>`, where each feature's check (`self.has_faults()`
//! and the rest, below `Engine`) is the constant `false`; any other runs on
//! `Engine<true>`. It is the same code, compiled twice; results are the same.
//!
//! A plain scenario whose every task waits in one waitlist, served by staff
//! that never change (`lean::Lean::of` lists the conditions: one queue,
//! instant answers, one task per agent at a time, …) runs its events
//! through the lean loop of `lean.rs` instead of `dispatch.rs`. Its four
//! handlers (arrival, talk end, wrap-up end, expiry) make the same metric
//! calls, draws and schedules as the general chain above, so results are
//! identical bit for bit (a test below runs both on every example, and
//! `tests/it/lean.rs` on random models on either side of the class's edge);
//! they skip what the class never needs (the workflow walk, capacity units,
//! worker stamps and per-profile idle heaps). That is the commonest model
//! there is (Erlang C and A, staffing sweeps), and the loop runs it in a
//! fifth to a quarter fewer instructions per contact ([`run_general`]
//! forces the general loop).

mod audit;
mod blocking;
pub mod calendar;
mod contacts;
mod conversation;
mod dispatch;
pub mod event;
mod faults;
mod followups;
mod lean;
mod matching;
mod meters;
pub mod probe;
mod self_service;
mod service;
mod staff;
pub mod trace;
mod views;
mod workflow;

use crate::arrivals::SourceState;
use crate::expr::{KeyId, Resolver, Scope, ValueRef};
use crate::metrics::{
    CancelReason, CellId, Collector, FilterKpi, ReplicationResult, ReservationEvent,
    SelfServiceKpi, StepKpi, TransferEvent,
};
use crate::rng;
use crate::routing::{self, IdleEntry, NO_HEAP, Plan, Router, SkipCounter, WaitEntry, WorkerField};
use crate::scenario::{
    AVAILABLE, AfterHours, AtClose, OFFLINE, Scenario, StepId, TransferTarget, UNAVAILABLE,
};
use crate::workforce::{self, NO_BREAK, NO_WAITLIST, Units, Worker};
use calendar::Calendar;
use event::Event;
use rand_distr::{Distribution, StandardUniform};
use rand_xoshiro::Xoshiro256PlusPlus;
use trace::{TraceEvent, Tracer};
use views::{PairView, SkipView, TaskView};

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
    /// In the look-up before routing (`[faults.lookup]`).
    LookingUp,
    /// In self-service (an IVR or bot) before routing.
    SelfService,
}

/// How a contact's self-service ends (drawn when it starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IvrOutcome {
    /// Finished the flow, not resolved: routed.
    Routed,
    /// Resolved: no agent needed.
    Contained,
    /// Asked for an agent part-way: routed.
    OptedOut,
}

/// How a contact's look-up ends (drawn when it starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LookupOutcome {
    Found,
    Failed,
    TimedOut,
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
    /// A closed conversation the customer reopened (routed, or straight
    /// back to its agent).
    Reopen,
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
    interval: 0,
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
    holds_line: false,
    ivr: IvrOutcome::Routed,
    hour: 0,
    lookup: LookupOutcome::Found,
    unreached: false,
    callback_attempts: 0,
    retry_handle: 0.0,
    retry_wrapup: 0.0,
    twin: NO_TWIN,
    twin_generation: 0,
    ghost: false,
};

/// No duplicate linked to the task.
const NO_TWIN: u32 = u32::MAX;

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
    /// When the task (this attempt) was created: the customer's arrival,
    /// the end of self-service, a redial, a voicemail or call back made.
    /// Set with `interval` ([`Engine::set_created`]).
    created: f64,
    /// The KPI interval `created` falls in (`Collector::interval_of`), kept
    /// so an outcome does not compute it again.
    interval: u32,
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
    /// The contact holds a line of its channel and number (with blocking).
    holds_line: bool,
    /// How its self-service ends, while in it.
    ivr: IvrOutcome,
    /// Hour of day of `call_start` (cost breakdown).
    hour: u8,
    /// How the pending look-up ends (`[faults.lookup]`).
    lookup: LookupOutcome,
    /// This call-back attempt does not reach the customer (`[faults.callbacks]`).
    unreached: bool,
    /// Call-back attempts made so far.
    callback_attempts: u8,
    /// A call back's talk and wrap-up, kept while a failed attempt's time
    /// stands in for them.
    retry_handle: f64,
    retry_wrapup: f64,
    /// The other task of a duplicated contact that resolves by canceling
    /// (`[faults.duplicates]`), and its generation; `NO_TWIN` for none.
    twin: u32,
    twin_generation: u32,
    /// The second task of a duplicated contact.
    ghost: bool,
}

/// How a task leaves a step without being answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leave {
    TimedOut,
    Skipped,
}

/// The replication's state. `FULL` is false when the scenario and the run
/// use none of the optional features [`needs_full`] lists: the engine's
/// checks of those features (`self.tracing()`, `self.has_faults()`, …) are
/// then the constant `false`, and the compiler leaves their code out of the
/// hot path (plain models run about 5% fewer instructions per contact). It
/// never changes a result: with `FULL` false, every check it gates would
/// have been false anyway.
struct Engine<'s, const FULL: bool> {
    s: &'s Scenario,
    plan: &'s Plan,
    cal: Calendar,
    sources: Vec<SourceState>,
    tasks: Vec<Task>,
    free_slots: Vec<u32>,
    workers: Vec<Worker>,
    /// Capacity units in use and configured per (worker, channel).
    units: Vec<Units>,
    /// Accepted tasks per (worker, channel) (`assigned_tasks`, docs/routing.md,
    /// "Multitasking and capacity"); empty, and not kept, when no
    /// expression reads it.
    assigned: Vec<u16>,
    /// Per (worker, channel) of channels with slowdown: tasks in talk.
    talking: Vec<Vec<u32>>,
    /// Some channel has talk slowdown (`handle_time_scale`): without any,
    /// talk starts and ends skip the channel's lookup.
    slowdown: bool,
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
    usage: Option<crate::metrics::usage::Usage>,
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
    /// First worker index of each group.
    group_start: Vec<u32>,
    /// Per group: inside one of its shifts (a group without shifts is
    /// always inside), so that absence is drawn once at each shift start.
    shift_open: Vec<bool>,
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
    /// Numbers in system seen by arrivals, when asked for ([`run_probed`]).
    sizes: Option<probe::SystemSizes>,
    metrics: Collector,
    n_channels: usize,
    /// Workers starting a shift, reused between shift events.
    starting: Vec<u32>,
    /// Free workers gathered by the slow selection path, with their idle
    /// heaps, reused.
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
    /// `[faults]`, if any.
    /// Some source has self-service (one test per attempt otherwise).
    any_self_service: bool,
    /// Some channel has text conversations.
    any_conversation: bool,
    /// Some queue transfers calls (one test per talk end otherwise).
    any_transfer: bool,
    /// Per task slot, with conversations: the conversation's state.
    conv: Vec<conversation::ConvState>,
    /// Per source, with conversations: the customers' keys.
    conv_streams: Vec<Xoshiro256PlusPlus>,
    /// Self-service draws (`[[arrivals]] self_service`).
    self_service_rng: Xoshiro256PlusPlus,
    /// Random worker selection's stream.
    selection_rng: Xoshiro256PlusPlus,
    /// Per worker: (day, seconds worked that day), when a queue selects the
    /// least occupied worker.
    busy_today: Option<Vec<(u32, f64)>>,
    /// Per (group, channel): the factor on the customer's talk time, when
    /// any group has one besides 1 (`handle_time_factor`).
    talk_factor: Option<Vec<f64>>,
    /// Line limits and queue capacities, when the scenario has any.
    blocking: Option<Box<blocking::Blocking>>,
    faults: Option<&'s crate::scenario::faults::Faults>,
    /// Look-up delays and failures.
    lookup_rng: Xoshiro256PlusPlus,
    /// Whether call-back attempts reach the customer, and retry delays.
    reach_rng: Xoshiro256PlusPlus,
    /// Per channel, queue and group: outages in progress.
    channel_down: Vec<u32>,
    queue_down: Vec<u32>,
    group_down: Vec<u32>,
    /// Status-lag delays.
    lag_rng: Xoshiro256PlusPlus,
    /// `[faults.status_lag]`, if any.
    status_lag: Option<&'s crate::scenario::units::Dist>,
    /// Per worker (with status lag): a change is on its way to the router.
    lagging: Vec<bool>,
    /// The router is applying a change now (no further lag).
    syncing: bool,
    /// Duplicate-task draws.
    dup_rng: Xoshiro256PlusPlus,
    /// The lean loop's state, when the scenario is of its class.
    lean: Option<lean::Lean>,
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
    run_inner(s, plan, seed, replication, None, &mut None)
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
    run_inner(s, plan, seed, replication, Some(tracer), &mut None)
}

/// Runs one replication and also counts the contacts in the system each
/// arrival finds, per interval of `interval_s` from time 0 (results are
/// identical to [`run_with_plan`]'s).
pub fn run_probed(
    s: &Scenario,
    plan: &Plan,
    seed: u64,
    replication: u32,
    interval_s: f64,
    intervals: usize,
) -> (ReplicationResult, probe::SystemSizes) {
    let mut sizes = Some(probe::SystemSizes::new(interval_s, intervals));
    let r = run_inner(s, plan, seed, replication, None, &mut sizes);
    (r, sizes.expect("kept"))
}

fn run_inner<'a>(
    s: &'a Scenario,
    plan: &'a Plan,
    seed: u64,
    replication: u32,
    tracer: Option<&'a mut Tracer<'a>>,
    sizes: &mut Option<probe::SystemSizes>,
) -> ReplicationResult {
    if tracer.is_some() || sizes.is_some() || needs_full(s, plan) {
        run_engine(
            Engine::<true>::new(s, plan, seed, replication),
            tracer,
            sizes,
        )
    } else {
        let mut e = Engine::<false>::new(s, plan, seed, replication);
        e.lean = lean::Lean::of(s, plan);
        run_engine(e, None, sizes)
    }
}

/// Runs one replication on the general loop even when the lean one
/// ([`runs_lean`]) would take it. The results are identical: this is the
/// reference the lean loop is tested against, and the benchmarks' measure
/// of the general engine on a single-queue model.
pub fn run_general(s: &Scenario, plan: &Plan, seed: u64, replication: u32) -> ReplicationResult {
    if needs_full(s, plan) {
        run_engine(
            Engine::<true>::new(s, plan, seed, replication),
            None,
            &mut None,
        )
    } else {
        run_engine(
            Engine::<false>::new(s, plan, seed, replication),
            None,
            &mut None,
        )
    }
}

/// Whether replications of the scenario run on the lean loop (`lean.rs`):
/// a plain single-queue model, run without an audit trail or size counts.
/// Results are the same either way; only the speed differs.
pub fn runs_lean(s: &Scenario, plan: &Plan) -> bool {
    !needs_full(s, plan) && lean::Lean::of(s, plan).is_some()
}

/// True when the scenario uses a feature whose checks a plain engine
/// (`Engine<false>`) leaves out; see [`Engine`].
fn needs_full(s: &Scenario, plan: &Plan) -> bool {
    s.faults.is_some()
        || s.workflow.hours.is_some()
        || s.queues.iter().any(|q| q.hours.is_some())
        || s.costs.is_some()
        || s.sources.iter().any(|x| x.self_service.is_some())
        || s.channels
            .iter()
            .any(|c| c.conversation.is_some() || !c.handle_time_scale.is_empty())
        || s.queues.iter().any(|q| q.transfer.is_some())
        || crate::scenario::has_blocking(s)
        || s.groups
            .iter()
            .any(|g| g.handle_time_factor.iter().any(|&f| f != 1.0))
        || s.queues
            .iter()
            .any(|q| q.worker_selection == crate::scenario::WorkerSelection::LeastOccupied)
        || plan
            .worker_field
            .iter()
            .any(|f| matches!(f, WorkerField::Assigned(_)))
}

fn run_engine<'a, const FULL: bool>(
    mut e: Engine<'a, FULL>,
    tracer: Option<&'a mut Tracer<'a>>,
    sizes: &mut Option<probe::SystemSizes>,
) -> ReplicationResult {
    let s = e.s;
    e.tracer = tracer;
    e.sizes = sizes.take();
    assert!(
        FULL || !e.uses_optional_features(),
        "needs_full missed a feature the plain engine leaves out"
    );
    match e.lean.take() {
        Some(l) => e.run_lean(l),
        None => e.run_loop(),
    }
    *sizes = e.sizes.take();
    let (contacts, events) = (e.contacts, e.events);
    let in_flight = e.live;
    e.flush_unfinished();
    let usage = e.finish_usage();
    let mut r = e.metrics.finish(s, contacts, events);
    r.usage = usage;
    r.in_flight = in_flight;
    r
}

/// Gives a worker a profile, with the plan's figures it copies.
fn set_profile(x: &mut Worker, profile: u32, plan: &Plan) {
    x.profile = profile;
    x.capacity = plan.profile_capacity[profile as usize];
    x.waitlist = match plan.profile_waitlists[profile as usize][..] {
        [wl] => wl,
        _ => NO_WAITLIST,
    };
}

/// The checks of optional features, constant `false` in a plain engine.
impl<const FULL: bool> Engine<'_, FULL> {
    /// Some check below would be true in a full engine: then the plain one
    /// must not run (`run_engine` asserts it once per replication).
    fn uses_optional_features(&self) -> bool {
        self.tracer.is_some()
            || self.sizes.is_some()
            || self.faults.is_some()
            || self.status_lag.is_some()
            || self.usage.is_some()
            || self.blocking.is_some()
            || self.any_conversation
            || self.any_transfer
            || self.any_self_service
            || self.slowdown
            || !self.assigned.is_empty()
            || self.talk_factor.is_some()
            || self.busy_today.is_some()
            || self.queue_open.iter().any(|&open| !open)
            || self.s.workflow.hours.is_some()
            || self.s.queues.iter().any(|q| q.hours.is_some())
    }

    /// The audit trail is being written (`ccsim explain`, `--events`).
    #[inline(always)]
    fn tracing(&self) -> bool {
        FULL && self.tracer.is_some()
    }

    /// Numbers in system are being counted ([`run_probed`]).
    #[inline(always)]
    fn probing(&self) -> bool {
        FULL && self.sizes.is_some()
    }

    /// The scenario has `[faults]`.
    #[inline(always)]
    fn has_faults(&self) -> bool {
        FULL && self.faults.is_some()
    }

    /// The router learns of activity changes late (`[faults.status_lag]`).
    #[inline(always)]
    fn status_lags(&self) -> bool {
        FULL && self.status_lag.is_some()
    }

    /// Cost meters run (`[costs]`).
    #[inline(always)]
    fn metering(&self) -> bool {
        FULL && self.usage.is_some()
    }

    /// Line limits or queue capacities can turn contacts away.
    #[inline(always)]
    fn blocks(&self) -> bool {
        FULL && self.blocking.is_some()
    }

    /// Some channel has text conversations.
    #[inline(always)]
    fn has_conversations(&self) -> bool {
        FULL && self.any_conversation
    }

    /// Some queue transfers calls.
    #[inline(always)]
    fn has_transfers(&self) -> bool {
        FULL && self.any_transfer
    }

    /// Some source has self-service.
    #[inline(always)]
    fn has_self_service(&self) -> bool {
        FULL && self.any_self_service
    }

    /// Queue `q` is outside its hours or down (`queue_open`).
    #[inline(always)]
    fn queue_closed(&self, q: u32) -> bool {
        FULL && !self.queue_open[q as usize]
    }

    /// Some expression reads `assigned_tasks` (kept per worker and channel).
    #[inline(always)]
    fn counts_assigned(&self) -> bool {
        FULL && !self.assigned.is_empty()
    }

    /// Some channel slows talk under concurrency.
    #[inline(always)]
    fn has_slowdown(&self) -> bool {
        FULL && self.slowdown
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

    /// The plain engine only leaves out checks that cannot fire, and the
    /// lean loop only handlers its class never needs: every example they
    /// run gives, bit for bit, what the full engine gives (probing the
    /// system sizes forces the full one).
    #[test]
    fn plain_engine_and_lean_loop_give_the_full_engines_results() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
        let (mut plain, mut lean) = (Vec::new(), Vec::new());
        for entry in std::fs::read_dir(&dir).expect("scenarios/") {
            let path = entry.expect("entry").path();
            if path.extension().is_none_or(|x| x != "toml") {
                continue;
            }
            let s = crate::scenario::load(&path)
                .expect("an example loads")
                .scenario;
            let plan = Plan::build(&s);
            if needs_full(&s, &plan) {
                continue;
            }
            let a = run_with_plan(&s, &plan, 7, 0);
            let (b, _) = run_probed(&s, &plan, 7, 0, 3600.0, 1);
            assert!(a.contacts > 1000, "{} simulated something", path.display());
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "{}", path.display());
            let name = path.file_name().expect("named").to_owned();
            if runs_lean(&s, &plan) {
                let general = run_general(&s, &plan, 7, 0);
                assert_eq!(format!("{general:?}"), format!("{b:?}"), "{name:?}");
                lean.push(name.clone());
            }
            plain.push(name);
        }
        lean.sort();
        // The Erlang examples and the quickstart are of the lean class.
        assert!(lean.len() >= 4, "too few lean examples: {lean:?}");
        plain.sort();
        assert!(plain.len() >= 4, "too few plain examples: {plain:?}");
    }
}
