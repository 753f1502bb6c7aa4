//! The raw mirror of a scenario file: names and unit strings, exactly as
//! written, with spans kept wherever a later semantic check may need to point
//! at the text. Each table lists its keys once in [`raw_table!`], which also
//! generates its reader (`read.rs`): unknown keys and wrong types are
//! reported without stopping, so one run lists every problem.

use super::read::{Field, FromToml, Node, Reader, describe, raw_table};
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;
use toml::de::DeValue;

raw_table! {
    /// A whole scenario file (docs/scenario.md).
    pub struct RawScenario("the scenario") {
        pub name: Spanned<String>,
        pub description: Option<String>,
        pub simulation: Spanned<RawSimulation>,
        pub channels: Vec<Spanned<RawChannel>>,
        pub arrivals: Vec<Spanned<RawArrival>>,
        pub agents: Vec<Spanned<RawAgents>>,
        pub queues: Vec<Spanned<RawQueue>>,
        pub workflow: Option<Spanned<RawWorkflow>>,
        pub workspace: Option<Spanned<RawWorkspace>>,
        /// Default reservation behaviour of every agent group.
        pub reservations: Option<Spanned<RawReservations>>,
        /// Business-hours calendars, referenced by the workflow and by queues.
        pub hours: Vec<Spanned<RawHours>>,
        /// Worker activities beyond Flex's four (docs/routing.md, "Activities").
        pub activities: Vec<Spanned<RawActivity>>,
        /// Rate card and billing (docs/outputs.md, "Costs").
        pub costs: Option<Spanned<RawCosts>>,
        /// A staffing-plan CSV (path relative to the file): head counts per
        /// interval for the groups it names.
        pub staffing: Option<Spanned<String>>,
        /// The axes `ccsim sweep` varies when given none (docs/experiments.md).
        pub sweep: Option<Spanned<RawSweep>>,
        /// KPI expectations `ccsim check` judges (docs/check.md).
        pub expect: Vec<Spanned<super::expect::RawExpect>>,
        /// How `ccsim check` treats undecided expectations.
        pub check: Option<Spanned<super::expect::RawCheck>>,
        /// Injected failures and delays (docs/faults.md).
        pub faults: Option<Spanned<super::faults::RawFaults>>,
    }
}

raw_table! {
    /// `[sweep]`: the axes of `ccsim sweep`.
    pub struct RawSweep("[sweep]") {
        pub vary: Vec<Spanned<RawAxis>>,
        /// Pair the axes element by element instead of crossing them.
        pub zip: Option<Spanned<bool>>,
    }
}

raw_table! {
    /// One `[[sweep.vary]]` axis: a key and its values or a range.
    pub struct RawAxis("a [[sweep.vary]] entry") {
        pub key: Spanned<String>,
        pub values: Option<Spanned<Vec<Spanned<RawAny>>>>,
        /// `"A..B"` or `"A..B:STEP"`.
        pub range: Option<Spanned<String>>,
    }
}

/// Any TOML value, kept by its span only: a sweep value is re-read from the
/// text as an override, exactly as written.
#[derive(Debug, Clone, Default)]
pub struct RawAny;

impl FromToml for RawAny {
    fn read(_: &mut Reader, _: &Node<'_>) -> Option<Self> {
        Some(RawAny)
    }
    fn placeholder(_: &Range<usize>) -> Self {
        RawAny
    }
}

/// `[costs]`: fixed keys plus one table per channel name (`[costs.voice]`),
/// so it has a reader of its own: every key that is not one of
/// [`COSTS_KEYS`] names a channel's table (a plain value under another name
/// is a misspelled key, reported with the nearest spelling).
#[derive(Debug, Clone, Default)]
pub struct RawCosts {
    pub currency: Option<Spanned<String>>,
    /// When the prices were last checked ("2026-09-20").
    pub prices_as_of: Option<Spanned<String>>,
    /// A base rate card (path relative to the file); keys here override it.
    pub card: Option<Spanned<String>>,
    pub platform: Option<Spanned<RawPlatform>>,
    /// Per agent group: price per paid hour.
    pub labor: Option<Spanned<BTreeMap<Spanned<String>, Spanned<f64>>>>,
    /// Monthly overheads by name.
    pub fixed: Option<Spanned<BTreeMap<Spanned<String>, Spanned<f64>>>>,
    pub numbers: Option<Spanned<RawNumbers>>,
    pub recording_storage: Option<Spanned<RawStorage>>,
    /// The IVR or bot of `self_service` sources.
    pub self_service: Option<Spanned<RawSelfServiceCosts>>,
    /// Operating days per month, for the monthly projection.
    pub days_per_month: Option<Spanned<f64>>,
    /// `[costs.<channel>]` tables, in file order.
    pub channels: Vec<(Spanned<String>, Spanned<RawChannelCosts>)>,
}

impl FromToml for RawCosts {
    fn read(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        let DeValue::Table(t) = v.get_ref() else {
            r.problem(
                v.span(),
                format!(
                    "expected a table for [costs], found {}",
                    describe(v.get_ref())
                ),
            );
            return None;
        };
        let mut c = RawCosts::default();
        for (k, val) in t.iter() {
            let mut key: &str = k.get_ref().as_ref();
            // Every key that is not one of [costs]'s own names a channel's
            // table; a plain value under another name is a misspelled key.
            if !COSTS_KEYS.contains(&key) && !matches!(val.get_ref(), DeValue::Table(_)) {
                match super::diag::suggest(key, COSTS_KEYS) {
                    Some(s) => {
                        r.problem(
                            k.span(),
                            format!("unknown key `{key}` in [costs]; did you mean `{s}`?"),
                        );
                        key = s;
                    }
                    None => {
                        r.problem(
                            k.span(),
                            format!(
                                "unknown key `{key}` in [costs]; expected one of {}, or a table per channel such as [costs.voice]",
                                COSTS_KEYS.map(|k| format!("`{k}`")).join(", ")
                            ),
                        );
                        continue;
                    }
                }
            }
            match key {
                "currency" => c.currency = Field::read_or_placeholder(r, val),
                "prices_as_of" => c.prices_as_of = Field::read_or_placeholder(r, val),
                "card" => c.card = Field::read_or_placeholder(r, val),
                "platform" => c.platform = Field::read_or_placeholder(r, val),
                "labor" => c.labor = Field::read_or_placeholder(r, val),
                "fixed" => c.fixed = Field::read_or_placeholder(r, val),
                "numbers" => c.numbers = Field::read_or_placeholder(r, val),
                "recording_storage" => c.recording_storage = Field::read_or_placeholder(r, val),
                "self_service" => c.self_service = Field::read_or_placeholder(r, val),
                "days_per_month" => c.days_per_month = Field::read_or_placeholder(r, val),
                name => {
                    let table: Spanned<RawChannelCosts> = Field::read_or_placeholder(r, val);
                    c.channels
                        .push((Spanned::new(k.span(), name.to_string()), table));
                }
            }
        }
        c.channels.sort_by_key(|(k, _)| k.span().start);
        Some(c)
    }
    fn placeholder(_: &Range<usize>) -> Self {
        RawCosts::default()
    }
}

/// The fixed keys of `[costs]` (every other key is a channel's table).
pub const COSTS_KEYS: [&str; 10] = [
    "currency",
    "prices_as_of",
    "card",
    "platform",
    "labor",
    "fixed",
    "numbers",
    "recording_storage",
    "self_service",
    "days_per_month",
];

raw_table! {
    /// `[costs.self_service]`: the IVR or bot platform.
    pub struct RawSelfServiceCosts("[costs.self_service]") {
        /// Per minute a customer spends in the flow.
        pub per_minute: Option<Spanned<RawPrice>>,
        /// Per session (every attempt that enters the flow).
        pub per_session: Option<Spanned<RawPrice>>,
    }
}

raw_table! {
    /// `[costs.platform]`: the Flex licence plans.
    pub struct RawPlatform("[costs.platform]") {
        /// The plan in the total: active_hour | named_user | monthly_active_user.
        pub plan: Option<Spanned<String>>,
        pub active_hour: Option<Spanned<f64>>,
        pub named_user_per_month: Option<Spanned<f64>>,
        pub monthly_active_user: Option<Spanned<f64>>,
        /// Provisioned users (default: every agent of every group).
        pub named_users: Option<Spanned<i64>>,
    }
}

raw_table! {
    /// `[costs.numbers]`: phone numbers held.
    pub struct RawNumbers("[costs.numbers]") {
        pub local: Option<Spanned<i64>>,
        pub toll_free: Option<Spanned<i64>>,
        pub local_per_month: Option<Spanned<f64>>,
        pub toll_free_per_month: Option<Spanned<f64>>,
    }
}

raw_table! {
    /// `[costs.recording_storage]`.
    pub struct RawStorage("[costs.recording_storage]") {
        pub per_min_month: Option<Spanned<f64>>,
        /// Stored minutes free each month.
        pub free_min: Option<Spanned<f64>>,
        /// How long recordings are kept.
        pub retention: Option<Spanned<Quantity>>,
    }
}

raw_table! {
    /// `[costs.<channel>]`: usage prices of one channel.
    pub struct RawChannelCosts("a [costs.<channel>] table") {
        pub billing_increment: Option<Spanned<Quantity>>,
        pub inbound_per_min: Option<Spanned<RawPrice>>,
        pub toll_free_inbound_per_min: Option<Spanned<RawPrice>>,
        pub outbound_per_min: Option<Spanned<RawPrice>>,
        pub agent_leg_per_min: Option<Spanned<RawPrice>>,
        pub conference_per_min: Option<Spanned<RawPrice>>,
        pub recording_per_min: Option<Spanned<RawPrice>>,
        pub transcription_per_min: Option<Spanned<RawPrice>>,
        pub record: Option<Spanned<bool>>,
        pub transcribe: Option<Spanned<bool>>,
        pub after_hours_leg: Option<Spanned<Quantity>>,
        pub per_segment: Option<Spanned<RawPrice>>,
        pub per_segment_in: Option<Spanned<RawPrice>>,
        pub per_segment_out: Option<Spanned<RawPrice>>,
        pub carrier_fee_per_segment: Option<Spanned<RawPrice>>,
        pub per_message: Option<Spanned<RawPrice>>,
        pub per_message_in: Option<Spanned<RawPrice>>,
        pub per_message_out: Option<Spanned<RawPrice>>,
        pub per_conversation: Option<Spanned<RawPrice>>,
        pub monthly_active_user: Option<Spanned<RawPrice>>,
        pub messages_per_contact: Option<Spanned<RawDist>>,
        pub segments_per_message: Option<Spanned<RawDist>>,
        pub inbound_share: Option<Spanned<f64>>,
    }
}

/// A unit price: a number, or graduated volume tiers on the monthly quantity
/// `[{ above = 0, price = 0.0085 }, { above = 100000, price = 0.008 }]`.
#[derive(Debug, Clone)]
pub enum RawPrice {
    Flat(f64),
    Tiers(Vec<Spanned<RawTier>>),
}

raw_table! {
    /// One volume tier: units beyond `above` (per month) cost `price`.
    pub struct RawTier("a volume tier") {
        pub above: Spanned<f64>,
        pub price: Spanned<f64>,
    }
}

impl FromToml for RawPrice {
    fn read(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        match v.get_ref() {
            DeValue::Integer(_) | DeValue::Float(_) => f64::read(r, v).map(RawPrice::Flat),
            DeValue::Array(_) => Vec::<Spanned<RawTier>>::read(r, v).map(RawPrice::Tiers),
            other => {
                r.problem(
                    v.span(),
                    format!(
                        "expected a price, or volume tiers such as [{{ above = 0, price = 0.0085 }}], found {}",
                        describe(other)
                    ),
                );
                None
            }
        }
    }
    fn placeholder(_: &Range<usize>) -> Self {
        RawPrice::Flat(0.0)
    }
}

raw_table! {
    /// `[[activities]]`: a worker activity and whether it takes new work.
    pub struct RawActivity("[[activities]]") {
        pub name: Spanned<String>,
        /// Required for new activities; must agree for the built-in ones.
        pub available: Option<Spanned<bool>>,
        /// The activity's SID, so `skip_if` expressions written with
        /// `workers.<ActivitySid>` work unchanged.
        pub sid: Option<Spanned<String>>,
    }
}

raw_table! {
    /// `[[hours]]`: a weekly opening schedule with holidays, in a time zone.
    pub struct RawHours("[[hours]]") {
        pub name: Spanned<String>,
        /// IANA zone, e.g. "America/New_York"; default: the simulation's.
        pub timezone: Option<Spanned<String>>,
        /// Per weekday (`mon` … `sun`): "08:00-18:00" or "08:00-12:00, 13:00-17:00".
        pub open: Spanned<BTreeMap<Spanned<String>, Spanned<String>>>,
        /// Dates closed all day, "YYYY-MM-DD".
        pub holidays: Vec<Spanned<String>>,
    }
}

raw_table! {
    /// `[workflow.after_hours]`: what happens to contacts arriving while closed.
    pub struct RawAfterHours("`after_hours`") {
        /// "voicemail" or "closed".
        pub action: Spanned<String>,
        /// The queue that works voicemails.
        pub queue: Option<Spanned<String>>,
        /// Time to work one voicemail; default: the contact's own talk time.
        pub handle_time: Option<Spanned<RawDist>>,
        pub priority: Option<Spanned<i64>>,
    }
}

raw_table! {
    /// How agents answer reservations (docs/routing.md, "Reservations").
    pub struct RawReservations("reservation settings") {
        /// Time from offer to accept (or reject); omitted: instant.
        pub accept_delay: Option<Spanned<RawDist>>,
        /// Share of offers rejected.
        pub reject_probability: Option<Spanned<f64>>,
        /// Share of offers left unanswered until `task_reservation_timeout`.
        pub no_answer_probability: Option<Spanned<f64>>,
        /// How long a worker stays in the timeout activity after a missed offer.
        pub return_after_timeout: Option<Spanned<RawDist>>,
    }
}

raw_table! {
    /// `[workspace]`: settings TaskRouter keeps on the workspace.
    pub struct RawWorkspace("[workspace]") {
        /// `"FIFO"` (default) or `"LIFO"`: which kind of queue a worker in both serves first.
        pub prioritize_queue_order: Option<Spanned<String>>,
        /// Activity of a worker after a missed offer (default "Offline").
        pub timeout_activity: Option<Spanned<String>>,
        /// "priority" (default) or "longest_weighted_wait".
        pub task_selection: Option<Spanned<String>>,
    }
}

raw_table! {
    /// `[simulation]`.
    pub struct RawSimulation("[simulation]") {
        pub horizon: Spanned<Quantity>,
        pub warmup: Option<Spanned<Quantity>>,
        pub replications: Option<Spanned<i64>>,
        pub seed: Option<Spanned<i64>>,
        pub interval: Option<Spanned<Quantity>>,
        pub service_level_threshold: Option<Spanned<Quantity>>,
        pub short_abandon_threshold: Option<Spanned<Quantity>>,
        /// The service level the center aims for (0–1), for reports.
        pub service_level_target: Option<Spanned<f64>>,
        /// Weekday of simulated day 0 (`"Mon"` … `"Sun"`), for day-of-week profiles.
        pub start_day: Option<Spanned<String>>,
        /// Civil date and time of simulated time 0, e.g. "2026-12-21T00:00".
        pub start: Option<Spanned<String>>,
        /// IANA time zone of `start` (default "UTC").
        pub timezone: Option<Spanned<String>>,
        /// How long after the last arrival the system may drain before the run stops.
        pub drain_limit: Option<Spanned<Quantity>>,
        /// A random multiplier on every source's rate, common to all.
        pub busyness: Option<Spanned<RawBusyness>>,
    }
}

raw_table! {
    /// `[[channels]]`.
    pub struct RawChannel("[[channels]]") {
        pub name: Spanned<String>,
        pub handle_time: Option<Spanned<RawDist>>,
        pub wrapup: Option<Spanned<RawDist>>,
        /// Talk slowdown with concurrency: factor j−1 applies while talking on j tasks.
        pub handle_time_scale: Option<Spanned<Vec<f64>>>,
        /// Lines: at most this many of the channel's contacts in the system.
        pub lines: Option<Spanned<i64>>,
        /// Wrap-up holds the line too.
        pub lines_include_wrapup: Option<Spanned<bool>>,
        /// This channel's own service-level threshold.
        pub service_level_threshold: Option<Spanned<Quantity>>,
        /// Contacts are text conversations: exchanges and reply gaps.
        pub conversation: Option<Spanned<RawConversation>>,
    }
}

raw_table! {
    /// `conversation = { exchanges = { … }, reply_gap = { … }, inactivity_timeout = "10m", … }`.
    pub struct RawConversation("`conversation`") {
        pub exchanges: Spanned<RawDist>,
        pub reply_gap: Spanned<RawDist>,
        pub inactivity_timeout: Option<Spanned<Quantity>>,
        /// "agent" (default) or "inactivity": who ends it after the last exchange.
        pub close: Option<Spanned<String>>,
        pub reopen_window: Option<Spanned<Quantity>>,
        /// Attributes a reopened conversation's task has besides its own.
        pub reopen_attributes: Option<Spanned<toml::Table>>,
    }
}

raw_table! {
    /// `[[arrivals]]`: a stochastic source or a trace replay.
    pub struct RawArrival("[[arrivals]]") {
        pub name: Spanned<String>,
        pub channel: Option<Spanned<String>>,
        pub rate: Option<Spanned<String>>,
        pub profile: Option<Spanned<RawProfile>>,
        /// Day-of-week multipliers, Monday first.
        pub weekly: Option<Spanned<Vec<f64>>>,
        pub trace: Option<Spanned<String>>,
        /// Task attributes: values, nested objects, and random choices
        /// (`{ choose = { en = 0.8, es = 0.2 } }`).
        pub attributes: Option<Spanned<toml::Table>>,
        /// More task attributes as a JSON object (as TaskRouter stores them).
        pub attributes_json: Option<Spanned<String>>,
        pub priority: Option<Spanned<i64>>,
        pub handle_time: Option<Spanned<RawDist>>,
        pub wrapup: Option<Spanned<RawDist>>,
        pub patience: Option<Spanned<RawDist>>,
        /// An abandoning customer tries again.
        pub redial: Option<Spanned<RawRedial>>,
        /// The number customers call: "local" (default) or "toll_free".
        pub number: Option<Spanned<String>>,
        /// A random multiplier on the rate (forecast uncertainty).
        pub busyness: Option<Spanned<RawBusyness>>,
        /// Lines of the source's number.
        pub lines: Option<Spanned<i64>>,
        /// An IVR or bot before routing.
        pub self_service: Option<Spanned<RawSelfService>>,
    }
}

raw_table! {
    /// `self_service = { time = { … }, containment = 0.3, opt_out = 0.1, patience = "paused" }`.
    pub struct RawSelfService("`self_service`") {
        pub time: Spanned<RawDist>,
        pub containment: Option<Spanned<f64>>,
        pub opt_out: Option<Spanned<f64>>,
        /// "paused" (default) or "running".
        pub patience: Option<Spanned<String>>,
    }
}

raw_table! {
    /// `busyness = { dist = "gamma", mean = 1, cv = 0.15, per = "day" }`: a
    /// distribution's keys (unitless) and the period one draw holds.
    pub struct RawBusyness("`busyness`") {
        pub dist: Spanned<String>,
        pub mean: Option<Spanned<Quantity>>,
        pub cv: Option<Spanned<f64>>,
        pub sd: Option<Spanned<Quantity>>,
        pub k: Option<Spanned<i64>>,
        pub min: Option<Spanned<Quantity>>,
        pub max: Option<Spanned<Quantity>>,
        pub values: Option<Spanned<Vec<Quantity>>>,
        pub weights: Option<Spanned<Vec<f64>>>,
        /// "day" (default), "replication" or "interval".
        pub per: Option<Spanned<String>>,
    }
}

impl RawBusyness {
    /// The distribution part, as any other distribution is written.
    pub fn dist(&self) -> RawDist {
        RawDist {
            dist: self.dist.clone(),
            mean: self.mean.clone(),
            cv: self.cv.clone(),
            sd: self.sd.clone(),
            k: self.k.clone(),
            min: self.min.clone(),
            max: self.max.clone(),
            values: self.values.clone(),
            weights: self.weights.clone(),
        }
    }
}

raw_table! {
    /// `redial = { probability = 0.3, delay = { ... } }`.
    pub struct RawRedial("`redial`") {
        pub probability: Spanned<f64>,
        pub delay: Spanned<RawDist>,
        /// The redial keeps this fraction of the caller's patience instead
        /// of a new draw.
        pub keep_patience: Option<Spanned<f64>>,
        /// The redial's priority.
        pub priority: Option<Spanned<i64>>,
        /// Attributes the redial's task has instead of (or besides) the
        /// first attempt's.
        pub attributes: Option<Spanned<toml::Table>>,
    }
}

raw_table! {
    /// `[workflow.callback]`: waiting customers offered a call back.
    pub struct RawCallback("[workflow.callback]") {
        /// Offered once a customer has waited this long (or, with
        /// `on = "expected"`, on arrival when the expected wait is this long).
        pub after: Spanned<Quantity>,
        /// "actual" (default) or "expected".
        pub on: Option<Spanned<String>>,
        /// Share of customers who accept.
        pub probability: Spanned<f64>,
        /// The queue that works callbacks.
        pub queue: Spanned<String>,
        /// Time from acceptance until the callback task is created.
        pub delay: Option<Spanned<RawDist>>,
        /// The call back's channel (default: the contact's).
        pub channel: Option<Spanned<String>>,
        pub priority: Option<Spanned<i64>>,
    }
}

raw_table! {
    /// An intraday profile repeating daily: per-interval multipliers of `rate`,
    /// or per-interval rates.
    pub struct RawProfile("a `profile`") {
        pub interval: Spanned<Quantity>,
        pub multipliers: Option<Spanned<Vec<f64>>>,
        pub rates: Option<Vec<Spanned<String>>>,
    }
}

raw_table! {
    /// `[[agents]]`: a group of identical workers.
    pub struct RawAgents("[[agents]]") {
        pub group: Spanned<String>,
        /// Required unless the staffing plan has a column for the group.
        pub count: Option<Spanned<RawCount>>,
        pub attributes: Option<Spanned<toml::Table>>,
        pub capacity: Option<Spanned<BTreeMap<Spanned<String>, Spanned<i64>>>>,
        /// Per channel: the group's talk time relative to the customer's draw.
        pub handle_time_factor: Option<Spanned<BTreeMap<Spanned<String>, Spanned<f64>>>>,
        pub shifts: Option<Vec<Spanned<RawShift>>>,
        /// Overrides `[reservations]` for this group.
        pub reservations: Option<Spanned<RawReservations>>,
        /// Daily break windows while on shift.
        pub breaks: Option<Vec<Spanned<RawBreak>>>,
        /// Probability that a worker is absent for a whole shift (shrinkage).
        pub absence: Option<Spanned<f64>>,
        /// Agents dropping off line while on shift.
        pub disconnects: Option<Spanned<RawDisconnects>>,
        /// Scripted changes of attributes and capacity.
        pub changes: Option<Vec<Spanned<RawChange>>>,
    }
}

/// `count = 12` or `count = [10, 12, 14]`: a fixed head count, or one per
/// interval (a staffing plan).
#[derive(Debug, Clone)]
pub enum RawCount {
    Fixed(i64),
    Plan(Vec<Spanned<i64>>),
}

impl FromToml for RawCount {
    fn read(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        // Anything but an array reads (and is reported) as the integer
        // `count` always was.
        match v.get_ref() {
            DeValue::Array(_) => Vec::<Spanned<i64>>::read(r, v).map(RawCount::Plan),
            _ => i64::read(r, v).map(RawCount::Fixed),
        }
    }
    fn placeholder(_: &Range<usize>) -> Self {
        RawCount::Fixed(0)
    }
}

raw_table! {
    /// `{ at = "4h", workers = 3, attributes = { ... }, capacity = { ... } }`.
    pub struct RawChange("a scripted change") {
        /// Time from the simulation start.
        pub at: Spanned<Quantity>,
        /// The first N workers of the group (default: all).
        pub workers: Option<Spanned<i64>>,
        /// Keys set (others kept).
        pub attributes: Option<Spanned<toml::Table>>,
        /// Channels whose capacity is set (others kept).
        pub capacity: Option<Spanned<BTreeMap<Spanned<String>, Spanned<i64>>>>,
    }
}

raw_table! {
    /// `disconnects = { rate = "0.25/h", duration = { ... }, drop = ["voice"] }`.
    pub struct RawDisconnects("`disconnects`") {
        /// Per worker, per hour on shift.
        pub rate: Spanned<String>,
        /// Time off line.
        pub duration: Spanned<RawDist>,
        /// Channels whose conversations in progress are lost.
        pub drop: Vec<Spanned<String>>,
    }
}

raw_table! {
    /// A daily break: `{ start = "12:00", duration = "30m" }`.
    pub struct RawBreak("a break") {
        pub start: Spanned<String>,
        pub duration: Spanned<Quantity>,
        /// The activity during the break (default "Break").
        pub activity: Option<Spanned<String>>,
    }
}

raw_table! {
    /// A daily working window; `end` before `start` crosses midnight.
    pub struct RawShift("a shift") {
        pub start: Spanned<String>,
        pub end: Spanned<String>,
    }
}

raw_table! {
    /// `[[queues]]`.
    pub struct RawQueue("[[queues]]") {
        pub name: Spanned<String>,
        pub target_workers: Option<Spanned<String>>,
        /// `"FIFO"` (default) or `"LIFO"`.
        pub task_order: Option<Spanned<String>>,
        /// Workers take tasks from this queue only while these hours are open.
        pub hours: Option<Spanned<String>>,
        /// Calls answered in this queue are transferred with a probability.
        pub transfer: Option<Spanned<RawTransfer>>,
        /// At most this many contacts waiting; more are blocked.
        pub max_waiting: Option<Spanned<i64>>,
        /// "keep" (default), "closed" or "voicemail": contacts still
        /// waiting when the queue's hours close.
        pub at_close: Option<Spanned<String>>,
        /// "longest_idle" (default), "random" or "least_occupied".
        pub worker_selection: Option<Spanned<String>>,
        /// Weight of the queue's waits under longest-weighted-wait selection.
        pub wait_weight: Option<Spanned<f64>>,
    }
}

raw_table! {
    /// `transfer = { probability = 0.1, to = "tier2", kind = "cold" }`.
    pub struct RawTransfer("`transfer`") {
        pub probability: Spanned<f64>,
        /// The queue the customer is transferred to.
        pub to: Option<Spanned<String>>,
        /// Or the workflow filter the second leg enters.
        pub filter: Option<Spanned<String>>,
        /// "cold" (default) or "warm".
        pub kind: Option<Spanned<String>>,
        /// Talk time of the second leg; default: the channel's.
        pub handle_time: Option<Spanned<RawDist>>,
        /// Share of transfers where the call drops.
        pub drop_probability: Option<Spanned<f64>>,
        pub priority: Option<Spanned<i64>>,
    }
}

raw_table! {
    /// `[workflow]`.
    pub struct RawWorkflow("[workflow]") {

        pub filters: Vec<Spanned<RawFilter>>,
        pub default_filter: Option<Spanned<RawTarget>>,
        /// Task TTL (TaskRouter's task `timeout`), default 24 h.
        pub task_timeout: Option<Spanned<Quantity>>,
        /// Seconds a reservation stays pending before it times out (default 120).
        pub task_reservation_timeout: Option<Spanned<Quantity>>,
        /// A TaskRouter workflow configuration document to import instead of
        /// `filters`/`default_filter` (path relative to the scenario).
        pub taskrouter_json: Option<Spanned<String>>,
        /// Queue SIDs used in the document → queue names of `[[queues]]`.
        pub queue_sids: Option<Spanned<BTreeMap<Spanned<String>, Spanned<String>>>>,
        /// Contacts arriving outside these hours get `after_hours`.
        pub hours: Option<Spanned<String>>,
        pub after_hours: Option<Spanned<RawAfterHours>>,
        pub callback: Option<Spanned<RawCallback>>,
    }
}

raw_table! {
    /// `[[workflow.filters]]`.
    pub struct RawFilter("[[workflow.filters]]") {
        pub name: Option<Spanned<String>>,
        pub expression: Spanned<String>,
        pub targets: Spanned<Vec<Spanned<RawTarget>>>,
    }
}

raw_table! {
    /// One routing step of a filter (docs/routing.md, "Steps").
    pub struct RawTarget("a target") {
        pub queue: Option<Spanned<String>>,
        pub priority: Option<Spanned<Quantity>>,
        pub timeout: Option<Spanned<Quantity>>,
        pub expression: Option<Spanned<String>>,
        pub order_by: Option<Spanned<String>>,
        pub skip_if: Option<Spanned<String>>,
        pub known_worker_sid: Option<Spanned<String>>,
        pub known_worker_friendly_name: Option<Spanned<String>>,
        /// The legacy name of `queue` (older TaskRouter documents).
        pub task_queue_sid: Option<Spanned<String>>,
    }
}

raw_table! {
    /// `{ dist = "...", mean = ..., cv = ... }`.
    pub struct RawDist("a distribution") {
        pub dist: Spanned<String>,
        pub mean: Option<Spanned<Quantity>>,
        pub cv: Option<Spanned<f64>>,
        pub sd: Option<Spanned<Quantity>>,
        pub k: Option<Spanned<i64>>,
        pub min: Option<Spanned<Quantity>>,
        pub max: Option<Spanned<Quantity>>,
        pub values: Option<Spanned<Vec<Quantity>>>,
        pub weights: Option<Spanned<Vec<f64>>>,
    }
}

/// A duration or count written either as a number or as text with a unit.
#[derive(Debug, Clone)]
pub enum Quantity {
    Number(f64),
    Text(String),
}

impl FromToml for Quantity {
    fn read(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        match v.get_ref() {
            DeValue::Integer(_) | DeValue::Float(_) => f64::read(r, v).map(Quantity::Number),
            DeValue::String(s) => Some(Quantity::Text(s.to_string())),
            other => {
                r.problem(
                    v.span(),
                    format!(
                        "expected a number or a text such as \"90s\" or \"1h30m\", found {}",
                        describe(other)
                    ),
                );
                None
            }
        }
    }
    fn placeholder(_: &Range<usize>) -> Self {
        Quantity::Number(0.0)
    }
}
