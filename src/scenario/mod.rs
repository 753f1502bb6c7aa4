//! Scenario files: TOML in, a checked, read-only [`Scenario`] out.
//!
//! This is the validation boundary of the pipeline. `raw` mirrors the file,
//! `validate` resolves every name to a dense id, builds distributions and
//! compiles expressions, and collects *all* problems with file:line:column.
//! The engine never re-checks input.

pub mod costs;
pub mod diag;
pub mod expect;
pub mod faults;
mod hours;
pub mod input;
pub mod lint;
mod overrides;
mod raw;
mod read;
mod sources;
mod staffing;
pub mod sweep;
pub use staffing::StaffingPlan;
pub mod taskrouter;
mod trace;
pub mod units;
mod validate;
mod workflow;

pub use sources::*;

use crate::expr::{Attrs, Expr, KeyId, KeyTable};
use diag::{Diagnostic, ScenarioError};
pub use hours::WEEKDAYS;
pub use overrides::Override;
use std::path::{Path, PathBuf};
use units::Dist;

macro_rules! id_type {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);
        impl $name {
            /// The index into the scenario's vector of this kind.
            #[inline]
            pub fn idx(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(/// Index of a channel in [`Scenario::channels`].
    ChannelId);
id_type!(/// Index of a queue in [`Scenario::queues`].
    QueueId);
id_type!(/// Index of an agent group in [`Scenario::groups`].
    GroupId);
id_type!(/// Index of an arrival source in [`Scenario::sources`].
    SourceId);
id_type!(/// Index of a distinct task attribute document in [`Scenario::classes`].
    ClassId);

/// A loaded, checked scenario. All times are seconds from the simulation start.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// From `name`; names the report folder.
    pub name: String,
    /// Free text from the file, shown by `ccsim validate`.
    pub description: Option<String>,
    /// The file it was loaded from (reports name it).
    pub path: PathBuf,
    /// `[simulation]`.
    pub sim: Simulation,
    /// Indexed by [`ChannelId`].
    pub channels: Vec<Channel>,
    /// Indexed by [`SourceId`].
    pub sources: Vec<Source>,
    /// Indexed by [`GroupId`].
    pub groups: Vec<Group>,
    /// Indexed by [`QueueId`].
    pub queues: Vec<Queue>,
    /// The workflow: filters, their steps, TTL.
    pub workflow: Workflow,
    /// Business-hours calendars (`[[hours]]`).
    pub hours: Vec<Hours>,
    /// Every distinct task attribute document a source can produce, with its route.
    pub classes: Vec<TaskClass>,
    /// Attribute key interner shared by documents and expressions.
    pub keys: KeyTable,
    /// Every attribute/capacity combination a worker can have: profile g is
    /// group g's starting one; scripted changes add the others. Routing
    /// eligibility is decided per profile.
    pub profiles: Vec<Profile>,
    /// Rate card and billing rules (`[costs]`); `None`: no cost model.
    pub costs: Option<costs::Costs>,
    /// Worker activities: Flex's four first (indices [`AVAILABLE`],
    /// [`UNAVAILABLE`], [`BREAK`], [`OFFLINE`]), then the scenario's own.
    pub activities: Vec<Activity>,
    /// Every file the scenario was built from (itself first), for the
    /// report manifest.
    pub inputs: Vec<InputFile>,
    /// The `--set KEY=VALUE` overrides applied to the file, in order.
    pub overrides: Vec<String>,
    /// The `[sweep]` axes, if the file has them.
    pub sweep: Option<sweep::SweepSpec>,
    /// The `[[expect]]` entries, in file order (empty without any).
    pub expectations: Vec<expect::Expectation>,
    /// `[[expect]]` event expectations (`count`, `never`, `always`, `max_wait`, `closed_transfers`),
    /// checked on every replication's audit trail by `ccsim check`.
    pub event_expectations: Vec<expect::EventExpectation>,
    /// `[check]`: how `ccsim check` treats undecided expectations.
    pub check: expect::CheckOptions,
    /// Injected failures and delays (`[faults]`, docs/faults.md).
    pub faults: Option<faults::Faults>,
}

/// The largest head count of an agent group (`count`, or any entry of a
/// staffing plan).
pub const MAX_HEAD_COUNT: i64 = 1_000_000;

/// A file a scenario was built from, identified by its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    /// What it is: "scenario", "rate card", "workflow", "trace", "staffing plan".
    pub role: &'static str,
    /// The path as given or resolved (relative to the scenario's folder);
    /// the built-in rate card is named `(built-in) rates/twilio-us.toml`.
    pub path: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
}

impl InputFile {
    /// Describes a file's content.
    pub fn new(role: &'static str, path: &Path, content: &[u8]) -> InputFile {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(content);
        InputFile {
            role,
            path: path.to_path_buf(),
            bytes: content.len() as u64,
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

/// What routing sees of a worker: attributes, capacity and the queues
/// whose `target_workers` those attributes match.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The agent group of workers with this profile.
    pub group: GroupId,
    /// Worker attributes.
    pub attrs: Attrs,
    /// Concurrent tasks per channel, indexed by [`ChannelId`].
    pub capacity: Vec<u16>,
    /// Queues it is a member of.
    pub queues: Vec<QueueId>,
}

/// A scripted change of some workers' attributes and capacity (TaskRouter's
/// worker update): queue membership is recomputed; work in hand continues.
#[derive(Debug, Clone)]
pub struct ProfileChange {
    /// When, seconds from the start.
    pub at_s: f64,
    /// The group's first `workers` workers change.
    pub workers: u32,
    /// (profile before, profile after) for every profile such a worker can
    /// have at that moment.
    pub map: Vec<(u32, u32)>,
}

/// Index of the built-in "Available" activity.
pub const AVAILABLE: u8 = 0;
/// Index of the built-in "Unavailable" activity.
pub const UNAVAILABLE: u8 = 1;
/// Index of the built-in "Break" activity (default of break windows).
pub const BREAK: u8 = 2;
/// Index of the built-in "Offline" activity: Flex's default, timeout and
/// logout activity (off shift, absent, disconnected).
pub const OFFLINE: u8 = 3;

/// A worker activity (docs/routing.md, "Activities"). Only workers in an
/// `available` activity receive new reservations; the activity decides
/// nothing else (work in hand always finishes).
#[derive(Debug, Clone)]
pub struct Activity {
    /// Unique name; `worker.activity_name` and `workers.<name>` read it.
    pub name: String,
    /// Workers in it may receive reservations.
    pub available: bool,
    /// The activity's SID, also accepted as `workers.<sid>` in `skip_if`.
    pub sid: Option<String>,
}

impl Activity {
    /// Flex's built-in activities, in index order.
    pub fn builtin() -> Vec<Activity> {
        [
            ("Available", true),
            ("Unavailable", false),
            ("Break", false),
            ("Offline", false),
        ]
        .into_iter()
        .map(|(name, available)| Activity {
            name: name.to_string(),
            available,
            sid: None,
        })
        .collect()
    }
}

/// `[simulation]`.
#[derive(Debug, Clone)]
pub struct Simulation {
    /// End of the arrival window (absolute; includes the warm-up).
    pub horizon_s: f64,
    /// Start of the counted window; arrivals before it are simulated, not counted.
    pub warmup_s: f64,
    /// Default number of replications.
    pub replications: u32,
    /// Default base seed.
    pub seed: u64,
    /// Width of the per-interval statistics, which start at the warm-up end.
    pub interval_s: f64,
    /// Service-level threshold T, seconds (answered with wait ≤ T).
    pub service_level_threshold_s: f64,
    /// Abandons with wait < this are short abandons.
    pub short_abandon_threshold_s: f64,
    /// The service level the center aims for (0–1): drawn as the target
    /// line of service-level charts and judged in the HTML report.
    pub service_level_target: Option<f64>,
    /// Weekday of day 0, Monday = 0 (local, for shifts and profiles).
    pub start_weekday: u8,
    /// Seconds into its UTC day at which the simulation starts, and that UTC
    /// day's weekday: `taskrouter.*` clock values are UTC (docs/routing.md, "Expressions").
    pub utc_start_of_day_s: f64,
    /// Weekday (Monday = 0) of the UTC day containing the start.
    pub utc_start_weekday: u8,
    /// After the horizon, the run stops once this much more time has passed
    /// even if customers are still waiting (they are counted as `unfinished`).
    pub drain_limit_s: f64,
    /// Where time 0 is on the calendar, when `start` gives a date (reports
    /// then show clock times).
    pub clock: Option<Clock>,
    /// A random multiplier on every source's rate, common to all of them
    /// (docs/scenario.md, "Forecast uncertainty").
    pub busyness: Option<Busyness>,
}

/// A calendar position for simulated time 0: a local midnight in a zone.
#[derive(Debug, Clone)]
pub struct Clock {
    /// Unix seconds of time 0.
    pub epoch_s: i64,
    /// The zone times are shown in.
    pub tz: jiff::tz::TimeZone,
}

impl Clock {
    /// The zone's IANA name (`UTC` when it has none).
    pub fn zone_name(&self) -> &str {
        self.tz.iana_name().unwrap_or("UTC")
    }

    /// A chart tick at `t` seconds from the start: the local `HH:MM`, with
    /// the date (`21 Dec 09:00`) when the axis spans several days.
    pub fn tick(&self, t: f64, dated: bool) -> String {
        let secs = self.epoch_s + t.round() as i64;
        match jiff::Timestamp::from_second(secs) {
            Ok(ts) => ts
                .to_zoned(self.tz.clone())
                .strftime(if dated { "%d %b %H:%M" } else { "%H:%M" })
                .to_string(),
            Err(_) => format!("{t:.0} s"),
        }
    }

    /// `t` seconds from the start as an ISO-8601 local timestamp with its
    /// UTC offset, `2026-12-24T17:00:00-05:00`.
    pub fn iso(&self, t: f64) -> String {
        let secs = self.epoch_s + t.floor() as i64;
        match jiff::Timestamp::from_second(secs) {
            Ok(ts) => ts
                .to_zoned(self.tz.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string(),
            Err(_) => format!("{t:.0} s"),
        }
    }

    /// `t` seconds from the start as `2026-12-24 17:13:05 America/New_York`.
    pub fn format(&self, t: f64) -> String {
        let secs = self.epoch_s + t.floor() as i64;
        match jiff::Timestamp::from_second(secs) {
            Ok(ts) => {
                let zoned = ts.to_zoned(self.tz.clone());
                format!(
                    "{} {}",
                    zoned.strftime("%Y-%m-%d %H:%M:%S"),
                    self.tz.iana_name().unwrap_or("UTC")
                )
            }
            Err(_) => format!("{t:.0} s"),
        }
    }
}

impl Simulation {
    /// Number of statistics intervals in the counted window.
    pub fn interval_count(&self) -> usize {
        (((self.horizon_s - self.warmup_s) / self.interval_s).round() as usize).max(1)
    }

    /// Number of intervals from time 0 to the horizon, the warm-up
    /// included (the last one cut short when the warm-up is not a whole
    /// number of intervals): the most entries a staffing plan can have.
    pub fn plan_interval_count(&self) -> usize {
        ((self.horizon_s / self.interval_s - 1e-9).ceil() as usize).max(1)
    }
}

impl Scenario {
    /// The service-level threshold as people read it: "20 s", or with
    /// channels' own thresholds "20 s (chat 120 s, whatsapp 900 s)".
    pub fn service_level_text(&self) -> String {
        format!(
            "{} s{}",
            self.sim.service_level_threshold_s,
            self.channel_thresholds_text()
        )
    }

    /// " (chat 120 s, whatsapp 900 s)" for channels with their own
    /// service-level threshold, else empty.
    pub fn channel_thresholds_text(&self) -> String {
        let own: Vec<String> = self
            .channels
            .iter()
            .filter_map(|c| {
                c.service_level_threshold_s
                    .map(|t| format!("{} {t} s", c.name))
            })
            .collect();
        if own.is_empty() {
            String::new()
        } else {
            format!(" ({})", own.join(", "))
        }
    }
}

/// Whether any line limit or queue capacity can block a contact (the
/// `blocking` results exist only then).
pub fn has_blocking(s: &Scenario) -> bool {
    s.channels.iter().any(|c| c.lines.is_some())
        || s.sources.iter().any(|x| x.lines.is_some())
        || s.queues.iter().any(|q| q.max_waiting.is_some())
}

/// An agent group: identical workers.
#[derive(Debug, Clone)]
pub struct Group {
    /// Unique name; `groups` KPIs are keyed by it.
    pub name: String,
    /// Identical workers in the group; with a staffing plan, its largest
    /// head count.
    pub count: u32,
    /// Head counts per interval (`count = [..]` or the `staffing` CSV);
    /// `None`: all `count` workers work whenever their shifts say so.
    pub plan: Option<StaffingPlan>,
    /// Attributes `target_workers` expressions read.
    pub attrs: Attrs,
    /// Concurrent tasks per channel, indexed by [`ChannelId`].
    pub capacity: Vec<u16>,
    /// Per channel: this group's talk time is the customer's drawn talk
    /// time times this factor (1: as drawn; 1.25: 25% slower).
    pub handle_time_factor: Vec<f64>,
    /// Daily shifts as (start, end) seconds after midnight; empty = always logged in.
    pub shifts: Vec<(f64, f64)>,
    /// Daily break windows (start, end) seconds after midnight: on shift but
    /// in the Break activity (no new work; current work finishes; not counted
    /// as logged-in time for occupancy).
    pub breaks: Vec<(f64, f64)>,
    /// The activity of each break window (default [`BREAK`]); a break in an
    /// available activity keeps the worker taking work.
    pub break_activities: Vec<u8>,
    /// Probability that a worker misses a whole shift (shrinkage), drawn
    /// independently per worker and shift.
    pub absence: f64,
    /// Agents dropping off line while on shift.
    pub disconnects: Option<Disconnects>,
    /// Scripted attribute/capacity changes, in time order.
    pub changes: Vec<ProfileChange>,
    /// Queues whose `target_workers` this group matches.
    pub queues: Vec<QueueId>,
    /// How its workers answer reservations.
    pub reservations: Reservations,
}

/// Agent disconnects (a browser or softphone dropping): each worker on shift
/// disconnects at `rate_per_s` (a Poisson process in on-shift time) and is
/// Offline for `duration`. Its pending reservations are rejected and go back
/// to their step (TaskRouter's `RejectPendingReservations`); conversations in
/// progress on `drop` channels are lost (outcome stays answered, counted as
/// `disconnect_dropped`); other work in hand continues.
#[derive(Debug, Clone)]
pub struct Disconnects {
    /// Disconnects per worker per second on shift.
    pub rate_per_s: f64,
    /// Time off line.
    pub duration: Dist,
    /// Per channel: talk in progress is lost.
    pub drop: Vec<bool>,
}

/// How workers answer reservations (docs/routing.md, "Reservations").
#[derive(Debug, Clone)]
pub struct Reservations {
    /// Offer-to-answer time; `None` answers at once.
    pub accept_delay: Option<Dist>,
    /// Probability an offer is rejected (after the delay).
    pub reject_probability: f64,
    /// Probability an offer is never answered (times out).
    pub no_answer_probability: f64,
    /// Time in the timeout activity after a missed offer.
    pub return_after_timeout: Dist,
}

/// Instant answers, and 60 s in the timeout activity after a missed offer.
impl Default for Reservations {
    fn default() -> Reservations {
        Reservations {
            accept_delay: None,
            reject_probability: 0.0,
            no_answer_probability: 0.0,
            return_after_timeout: Dist::deterministic(60.0).expect("60 s is a valid time"),
        }
    }
}

impl Reservations {
    /// Every offer is accepted at once: no reservation events are needed.
    pub fn instant(&self) -> bool {
        self.accept_delay.is_none()
            && self.reject_probability == 0.0
            && self.no_answer_probability == 0.0
    }
}

/// A business-hours calendar, resolved to open intervals of simulated time.
#[derive(Debug, Clone)]
pub struct Hours {
    /// Unique name.
    pub name: String,
    /// Sorted, disjoint `[open, close)` intervals in seconds from the start,
    /// covering the whole run (horizon plus drain limit). Holidays and time
    /// zone changes (DST) are already applied.
    pub open: Vec<(f64, f64)>,
}

impl Hours {
    /// True if open at time `t`.
    pub fn is_open(&self, t: f64) -> bool {
        let i = self.open.partition_point(|&(a, _)| a <= t);
        i > 0 && t < self.open[i - 1].1
    }
}

/// What happens to contacts arriving while the workflow's hours are closed.
#[derive(Debug, Clone)]
pub enum AfterHours {
    /// The caller hears a closed message: outcome `closed`.
    Closed,
    /// The caller leaves a voicemail (outcome `voicemail`); a voicemail task
    /// enters `step` and is worked later.
    Voicemail {
        /// The step voicemail tasks enter (its queue, priority).
        step: StepId,
        /// Time to work one voicemail; `None`: the contact's own talk time.
        handle_time: Option<Dist>,
    },
}

/// Transfers of calls answered in a queue (after the first agent's talk).
#[derive(Debug, Clone)]
pub struct Transfer {
    /// Share of answered calls transferred.
    pub probability: f64,
    /// Warm: the first agent stays engaged until the second answers (or the
    /// customer is lost). Cold: the first agent is free at once.
    pub warm: bool,
    /// Second-leg talk time; `None`: the channel's (else the first leg's).
    pub handle_time: Option<Dist>,
    /// Share of transfers that drop (the customer is lost).
    pub drop_probability: f64,
    /// Where the second leg goes.
    pub target: TransferTarget,
}

/// Where a transferred call's second leg is routed.
#[derive(Debug, Clone, Copy)]
pub enum TransferTarget {
    /// A queue: a step of its own (queue, priority), no timeout.
    Step(StepId),
    /// A workflow filter, entered at its first target whatever its
    /// expression; on its end the leg falls through like any task (later
    /// matching filters, else the default filter, else a failed transfer).
    Filter {
        /// Index into [`Workflow::filters`].
        filter: u32,
        /// Priority of the leg before the filter's targets set theirs.
        priority: Option<u32>,
    },
}

/// A task queue.
#[derive(Debug, Clone)]
pub struct Queue {
    /// Transfers of calls answered here.
    pub transfer: Option<Transfer>,
    /// Workers take its tasks only while these hours are open.
    pub hours: Option<u32>,
    /// `task_order = "LIFO"`: newest first, priority ignored (docs/routing.md, "Which task a free worker takes").
    pub lifo: bool,
    /// Unique name.
    pub name: String,
    /// Which workers belong (over worker attributes).
    pub target_workers: Expr,
    /// The expression as written, for messages.
    pub target_workers_text: String,
    /// At most this many contacts wait in the queue; one more is blocked
    /// (a busy signal) instead of waiting.
    pub max_waiting: Option<u32>,
    /// What happens to contacts still waiting when its hours close.
    pub at_close: AtClose,
    /// Which free worker a task entering the queue gets.
    pub worker_selection: WorkerSelection,
    /// Weight of its tasks' waits under longest-weighted-wait selection.
    pub wait_weight: f64,
}

/// Which of several free eligible workers a task entering a queue gets,
/// after `order_by` (docs/routing.md, "Which worker gets a task").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerSelection {
    /// The one whose last reservation is oldest (TaskRouter's rule).
    LongestIdle,
    /// One at random, each equally likely (its own random stream).
    Random,
    /// The one who has worked least today (talk and wrap-up time since
    /// local midnight), then the longest idle.
    LeastOccupied,
}

/// What a queue does with the contacts still waiting when its hours close
/// (docs/scenario.md, "`[[queues]]`").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtClose {
    /// They wait on until it opens again.
    Keep,
    /// They hear the closed message and the call ends (outcome `closed`).
    Closed,
    /// They leave a voicemail (outcome `voicemail`), worked in the
    /// workflow's `after_hours` voicemail step.
    Voicemail,
}

/// A workflow (docs/routing.md, "The workflow walk"): filters tried top to bottom, each an
/// ordered list of steps (its targets), and an optional default filter.
#[derive(Debug, Clone)]
pub struct Workflow {
    /// In order; a task enters the first whose expression matches.
    pub filters: Vec<Filter>,
    /// Every target of every filter, then the default filter's, indexed by [`StepId`].
    pub steps: Vec<Step>,
    /// The `default_filter` step: used only when no filter matched or every
    /// matching filter was skipped, never after a timeout (docs/routing.md, "The workflow walk").
    pub default_step: Option<StepId>,
    /// Task TTL: a task still pending this long after creation is canceled
    /// ("Task TTL Exceeded"). Default 86 400 s.
    pub task_ttl_s: f64,
    /// Workspace `prioritize_queue_order = "LIFO"`: a worker in both kinds of
    /// queue serves LIFO queues first (default FIFO first).
    pub lifo_first: bool,
    /// Seconds a reservation may stay pending (TaskRouter default 120).
    pub task_reservation_timeout_s: f64,
    /// The workspace's timeout activity: where a worker goes after a missed
    /// offer (default [`OFFLINE`]).
    pub timeout_activity: u8,
    /// `[workspace] task_selection = "longest_weighted_wait"`: a free worker
    /// takes, across its queues, the waiting task with the largest queue
    /// `wait_weight` × age (else the highest priority, then the oldest).
    pub weighted_wait: bool,
    /// Contacts arriving outside these hours get `after_hours`.
    pub hours: Option<u32>,
    /// What they get (meaningful with `hours`).
    pub after_hours: AfterHours,
    /// Call-back offers to waiting customers.
    pub callback: Option<Callback>,
}

/// A call-back offer: once a customer has waited `after_s` (or, with
/// `expected`, when they start waiting with an expected wait of at least
/// `after_s`), they accept with `probability`; their wait ends (outcome
/// `callback`) and after `delay` a callback task enters `step`.
#[derive(Debug, Clone)]
pub struct Callback {
    /// Wait threshold, seconds.
    pub after_s: f64,
    /// Offer on the expected wait when the customer starts waiting, not on
    /// the wait so far. The estimate is (k + 1) × mean work / c: k tasks
    /// already waiting in the queue on the channel, c capacity units on that
    /// channel of queue members in an available activity, mean work the
    /// source's (else channel's) mean talk plus wrap-up. It is the exact
    /// conditional mean wait of a FIFO M/M/c queue whose servers are busy.
    pub expected: bool,
    /// Share of customers who accept.
    pub probability: f64,
    /// Time from acceptance to the callback task; `None`: at once.
    pub delay: Option<Dist>,
    /// The call back's channel (its talk time and wrap-up then come from
    /// that channel's distributions where it has them); `None`: the contact's.
    pub channel: Option<ChannelId>,
    /// The step callback tasks enter (queue, priority).
    pub step: StepId,
}

/// A workflow filter.
#[derive(Debug, Clone)]
pub struct Filter {
    /// `name` (`filter_friendly_name`), or "filter N".
    pub name: String,
    /// Over task attributes.
    pub expression: Expr,
    /// The expression as written, for messages.
    pub expression_text: String,
    /// Reads `taskrouter.*` clock values, so it is evaluated at run time.
    pub dynamic: bool,
    /// Its targets, in order.
    pub steps: Vec<StepId>,
}

/// One routing step: a filter's target after inheritance (docs/routing.md, "What a target inherits").
#[derive(Debug, Clone)]
pub struct Step {
    /// "filter name #k" or "default", for reports.
    pub label: String,
    /// Index of the filter; `None` for the default filter.
    pub filter: Option<u32>,
    /// The queue (inherited from the previous target when omitted).
    pub queue: QueueId,
    /// Overrides the task's priority on entering the step.
    pub priority: Option<u32>,
    /// Seconds this step adds to the cumulative, age-based deadline (docs/routing.md, "Timeouts");
    /// `None`: the task never leaves the step by timeout.
    pub timeout_s: Option<f64>,
    /// Worker-vs-task expression (`task.`/`worker.` prefixes); this step only.
    pub expression: Option<Expr>,
    /// The expression as written.
    pub expression_text: Option<String>,
    /// Worker ordering; empty = longest since last reservation.
    pub order_by: Vec<OrderClause>,
    /// Evaluated once on entry when no reservation was possible at once.
    pub skip_if: Option<Expr>,
    /// Task attribute holding the name of the one worker this step may reserve.
    pub known_worker: Option<KeyId>,
    /// Tasks in this step are on this channel whatever their class's (the
    /// call-back step with its own channel); `None` for workflow targets.
    pub channel: Option<ChannelId>,
}

/// One `order_by` clause: `worker.<path> ASC|DESC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderClause {
    /// The worker attribute (or `channel.<name>.<field>`) compared.
    pub key: KeyId,
    /// Descending order.
    pub desc: bool,
}

id_type!(/// Index of a routing step in [`Workflow::steps`].
    StepId);

/// The result of loading: the scenario and any warnings.
#[derive(Debug)]
pub struct Loaded {
    /// The checked scenario.
    pub scenario: Scenario,
    /// Problems that do not stop a run, to show the user.
    pub warnings: Vec<Diagnostic>,
}

/// Settings of a load that are not in the file.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Expected contacts per replication above which the scenario is
    /// refused (arrivals, redials included): a mistyped rate such as
    /// `1e9/h` gets a clear error instead of exhausting memory or time.
    pub max_contacts: f64,
}

impl LoadOptions {
    /// The default limit: 50 million contacts per replication, about ten
    /// seconds of simulation each on one core.
    pub const DEFAULT_MAX_CONTACTS: f64 = 5e7;
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_contacts: LoadOptions::DEFAULT_MAX_CONTACTS,
        }
    }
}

/// Loads and checks a scenario file.
///
/// # Errors
/// A [`ScenarioError`] listing every problem found, each with file:line:column.
pub fn load(path: &Path) -> Result<Loaded, ScenarioError> {
    load_with(path, &LoadOptions::default())
}

/// [`load`] with explicit options.
///
/// # Errors
/// As [`load`].
pub fn load_with(path: &Path, options: &LoadOptions) -> Result<Loaded, ScenarioError> {
    load_overridden(path, options, &[])
}

/// [`load_with`], with `--set` overrides applied to the file before it is
/// checked (docs/scenario.md, "Overrides").
///
/// # Errors
/// As [`load`]; a problem in an override names the override.
///
/// ```no_run
/// use ccsim::scenario::{LoadOptions, Override, load_overridden};
///
/// let sets: Vec<Override> = vec![
///     "agents.support.count=26".parse()?,
///     Override::new("arrivals.inbound.rate", "400/h")?,
/// ];
/// let s = load_overridden("scenarios/quickstart.toml".as_ref(), &LoadOptions::default(), &sets)?;
/// assert_eq!(s.scenario.groups[0].count, 26);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_overridden(
    path: &Path,
    options: &LoadOptions,
    overrides: &[Override],
) -> Result<Loaded, ScenarioError> {
    let text = input::read_text(path, input::SCENARIO_MAX_BYTES)
        .map_err(|e| ScenarioError::file(path, format!("cannot read the scenario: {e}")))?;
    validate::load(path, &text, options, overrides)
}

/// Loads a scenario from text; `path` names it in messages and anchors relative paths.
///
/// # Errors
/// As [`load`].
pub fn load_str(path: &Path, text: &str) -> Result<Loaded, ScenarioError> {
    validate::load(path, text, &LoadOptions::default(), &[])
}

/// [`load_str`] with options and overrides.
///
/// # Errors
/// As [`load_overridden`].
pub fn load_str_overridden(
    path: &Path,
    text: &str,
    options: &LoadOptions,
    overrides: &[Override],
) -> Result<Loaded, ScenarioError> {
    validate::load(path, text, options, overrides)
}

/// A one-queue scenario of an hour, for the unit tests of the layers above (reports, summaries).
#[cfg(test)]
pub(crate) fn tiny_scenario() -> Scenario {
    let text = r#"name = "tiny"
[simulation]
horizon = "1h"
interval = "30m"
seed = 3
[[channels]]
name = "voice"
[[arrivals]]
name = "inbound"
channel = "voice"
rate = "60/h"
handle_time = { dist = "exponential", mean = "240s" }
patience = { dist = "exponential", mean = "60s" }
[[agents]]
group = "team"
count = 2
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
"#;
    load_str(std::path::Path::new("tiny.toml"), text)
        .expect("a valid scenario")
        .scenario
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_long_profile_gives_each_weekday_its_own_shape() {
        // Two 12 h pieces a day, a week of them (Monday first), day 0 a
        // Wednesday; Fridays doubled by `weekly`.
        let p = RateProfile {
            piece_s: 43_200.0,
            per_day: 2,
            rates_per_s: (0..14).map(f64::from).collect(),
            weekly: [1.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0],
            start_weekday: 2,
        };
        assert_eq!(p.piece_at(0.0), (4.0, 43_200.0)); // Wednesday morning
        assert_eq!(p.piece_at(50_000.0), (5.0, 86_400.0)); // Wednesday afternoon
        assert_eq!(p.piece_at(2.0 * 86_400.0 + 1.0).0, 16.0); // Friday morning, doubled
        assert_eq!(p.piece_at(5.0 * 86_400.0 + 50_000.0).0, 1.0); // Monday afternoon
        // A daily profile is the same every day.
        let d = RateProfile {
            rates_per_s: vec![3.0, 7.0],
            weekly: [1.0; 7],
            ..p
        };
        assert_eq!(d.piece_at(3.0 * 86_400.0 + 50_000.0).0, 7.0);
    }
}
