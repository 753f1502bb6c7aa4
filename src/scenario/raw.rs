//! The serde mirror of a scenario file: names and unit strings, exactly as
//! written, with spans kept wherever a later semantic check may need to point
//! at the text. Unknown keys are rejected by `deny_unknown_fields`.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// A whole scenario file (DESIGN §4.2).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Spanned<String>,
    pub description: Option<String>,
    pub simulation: Spanned<RawSimulation>,
    #[serde(default)]
    pub channels: Vec<Spanned<RawChannel>>,
    #[serde(default)]
    pub arrivals: Vec<Spanned<RawArrival>>,
    #[serde(default)]
    pub agents: Vec<Spanned<RawAgents>>,
    #[serde(default)]
    pub queues: Vec<Spanned<RawQueue>>,
    pub workflow: Option<Spanned<RawWorkflow>>,
    pub workspace: Option<Spanned<RawWorkspace>>,
    /// Default reservation behaviour of every agent group.
    pub reservations: Option<Spanned<RawReservations>>,
    /// Business-hours calendars, referenced by the workflow and by queues.
    #[serde(default)]
    pub hours: Vec<Spanned<RawHours>>,
    /// Worker activities beyond Flex's four (routing-semantics §1.2).
    #[serde(default)]
    pub activities: Vec<Spanned<RawActivity>>,
    /// Rate card and billing (DESIGN §4.4).
    pub costs: Option<Spanned<RawCosts>>,
}

/// `[costs]`: fixed keys plus one table per channel name (`[costs.voice]`),
/// so it has its own map visitor (serde's `flatten` cannot be combined with
/// `deny_unknown_fields` and loses spans).
#[derive(Debug, Default)]
pub struct RawCosts {
    pub currency: Option<Spanned<String>>,
    /// A base rate card (path relative to the file); keys here override it.
    pub card: Option<Spanned<String>>,
    pub platform: Option<Spanned<RawPlatform>>,
    /// Per agent group: price per paid hour.
    pub labor: Option<Spanned<BTreeMap<Spanned<String>, Spanned<f64>>>>,
    /// Monthly overheads by name.
    pub fixed: Option<Spanned<BTreeMap<Spanned<String>, Spanned<f64>>>>,
    pub numbers: Option<Spanned<RawNumbers>>,
    pub recording_storage: Option<Spanned<RawStorage>>,
    /// Operating days per month, for the monthly projection.
    pub days_per_month: Option<Spanned<f64>>,
    /// `[costs.<channel>]` tables, in file order.
    pub channels: Vec<(Spanned<String>, Spanned<RawChannelCosts>)>,
}

impl<'de> Deserialize<'de> for RawCosts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawCosts;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a [costs] table")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<RawCosts, A::Error> {
                let mut c = RawCosts::default();
                while let Some(key) = m.next_key::<Spanned<String>>()? {
                    match key.get_ref().as_str() {
                        "currency" => c.currency = Some(m.next_value()?),
                        "card" => c.card = Some(m.next_value()?),
                        "platform" => c.platform = Some(m.next_value()?),
                        "labor" => c.labor = Some(m.next_value()?),
                        "fixed" => c.fixed = Some(m.next_value()?),
                        "numbers" => c.numbers = Some(m.next_value()?),
                        "recording_storage" => c.recording_storage = Some(m.next_value()?),
                        "days_per_month" => c.days_per_month = Some(m.next_value()?),
                        _ => {
                            let table = m.next_value()?;
                            c.channels.push((key, table));
                        }
                    }
                }
                Ok(c)
            }
        }
        d.deserialize_map(V)
    }
}

/// `[costs.platform]`: the Flex licence plans.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlatform {
    /// The plan in the total: active_hour | named_user | monthly_active_user.
    pub plan: Option<Spanned<String>>,
    pub active_hour: Option<Spanned<f64>>,
    pub named_user_per_month: Option<Spanned<f64>>,
    pub monthly_active_user: Option<Spanned<f64>>,
    /// Provisioned users (default: every agent of every group).
    pub named_users: Option<Spanned<i64>>,
}

/// `[costs.numbers]`: phone numbers held.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNumbers {
    pub local: Option<Spanned<i64>>,
    pub toll_free: Option<Spanned<i64>>,
    pub local_per_month: Option<Spanned<f64>>,
    pub toll_free_per_month: Option<Spanned<f64>>,
}

/// `[costs.recording_storage]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStorage {
    pub per_min_month: Option<Spanned<f64>>,
    /// Stored minutes free each month.
    pub free_min: Option<Spanned<f64>>,
    /// How long recordings are kept.
    pub retention: Option<Spanned<Quantity>>,
}

/// `[costs.<channel>]`: usage prices of one channel.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChannelCosts {
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

/// A unit price: a number, or graduated volume tiers on the monthly quantity
/// `[{ above = 0, price = 0.0085 }, { above = 100000, price = 0.008 }]`.
#[derive(Debug, Clone)]
pub enum RawPrice {
    Flat(f64),
    Tiers(Vec<RawTier>),
}

/// One volume tier: units beyond `above` (per month) cost `price`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTier {
    pub above: f64,
    pub price: f64,
}

impl<'de> Deserialize<'de> for RawPrice {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawPrice;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a price, or volume tiers such as [{ above = 0, price = 0.0085 }]")
            }
            fn visit_i64<E>(self, v: i64) -> Result<RawPrice, E> {
                Ok(RawPrice::Flat(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<RawPrice, E> {
                Ok(RawPrice::Flat(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<RawPrice, E> {
                Ok(RawPrice::Flat(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut s: A,
            ) -> Result<RawPrice, A::Error> {
                let mut tiers = Vec::new();
                while let Some(t) = s.next_element::<RawTier>()? {
                    tiers.push(t);
                }
                Ok(RawPrice::Tiers(tiers))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[[activities]]`: a worker activity and whether it takes new work.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActivity {
    pub name: Spanned<String>,
    /// Required for new activities; must agree for the built-in ones.
    pub available: Option<Spanned<bool>>,
    /// The activity's SID, so `skip_if` expressions written with
    /// `workers.<ActivitySid>` work unchanged.
    pub sid: Option<Spanned<String>>,
}

/// `[[hours]]`: a weekly opening schedule with holidays, in a time zone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHours {
    pub name: Spanned<String>,
    /// IANA zone, e.g. "America/New_York"; default: the simulation's.
    pub timezone: Option<Spanned<String>>,
    /// Per weekday (`mon` … `sun`): "08:00-18:00" or "08:00-12:00, 13:00-17:00".
    pub open: Spanned<BTreeMap<Spanned<String>, Spanned<String>>>,
    /// Dates closed all day, "YYYY-MM-DD".
    #[serde(default)]
    pub holidays: Vec<Spanned<String>>,
}

/// `[workflow.after_hours]`: what happens to contacts arriving while closed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAfterHours {
    /// "voicemail" or "closed".
    pub action: Spanned<String>,
    /// The queue that works voicemails.
    pub queue: Option<Spanned<String>>,
    /// Time to work one voicemail; default: the contact's own talk time.
    pub handle_time: Option<Spanned<RawDist>>,
    pub priority: Option<Spanned<i64>>,
}

/// How agents answer reservations (routing-semantics §5.1).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReservations {
    /// Time from offer to accept (or reject); omitted: instant.
    pub accept_delay: Option<Spanned<RawDist>>,
    /// Share of offers rejected.
    pub reject_probability: Option<Spanned<f64>>,
    /// Share of offers left unanswered until `task_reservation_timeout`.
    pub no_answer_probability: Option<Spanned<f64>>,
    /// How long a worker stays in the timeout activity after a missed offer.
    pub return_after_timeout: Option<Spanned<RawDist>>,
}

/// `[workspace]`: settings TaskRouter keeps on the workspace.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkspace {
    /// `"FIFO"` (default) or `"LIFO"`: which kind of queue a worker in both serves first.
    pub prioritize_queue_order: Option<Spanned<String>>,
    /// Activity of a worker after a missed offer (default "Offline").
    pub timeout_activity: Option<Spanned<String>>,
}

/// `[simulation]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    pub horizon: Spanned<Quantity>,
    pub warmup: Option<Spanned<Quantity>>,
    pub replications: Option<Spanned<i64>>,
    pub seed: Option<Spanned<i64>>,
    pub interval: Option<Spanned<Quantity>>,
    pub service_level_threshold: Option<Spanned<Quantity>>,
    pub short_abandon_threshold: Option<Spanned<Quantity>>,
    /// Weekday of simulated day 0 (`"Mon"` … `"Sun"`), for day-of-week profiles.
    pub start_day: Option<Spanned<String>>,
    /// Civil date and time of simulated time 0, e.g. "2026-12-21T00:00".
    pub start: Option<Spanned<String>>,
    /// IANA time zone of `start` (default "UTC").
    pub timezone: Option<Spanned<String>>,
    /// How long after the last arrival the system may drain before the run stops.
    pub drain_limit: Option<Spanned<Quantity>>,
}

/// `[[channels]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChannel {
    pub name: Spanned<String>,
    pub handle_time: Option<Spanned<RawDist>>,
    pub wrapup: Option<Spanned<RawDist>>,
    /// Talk slowdown with concurrency: factor j−1 applies while talking on j tasks.
    pub handle_time_scale: Option<Spanned<Vec<f64>>>,
}

/// `[[arrivals]]`: a stochastic source or a trace replay.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArrival {
    pub name: Spanned<String>,
    pub channel: Option<Spanned<String>>,
    pub rate: Option<Spanned<String>>,
    pub profile: Option<Spanned<RawProfile>>,
    /// Day-of-week multipliers, Monday first.
    pub weekly: Option<Spanned<Vec<f64>>>,
    pub trace: Option<Spanned<String>>,
    pub attributes: Option<Spanned<toml::Table>>,
    pub priority: Option<Spanned<i64>>,
    pub handle_time: Option<Spanned<RawDist>>,
    pub wrapup: Option<Spanned<RawDist>>,
    pub patience: Option<Spanned<RawDist>>,
    /// An abandoning customer tries again.
    pub redial: Option<Spanned<RawRedial>>,
    /// The number customers call: "local" (default) or "toll_free".
    pub number: Option<Spanned<String>>,
}

/// `redial = { probability = 0.3, delay = { ... } }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRedial {
    pub probability: Spanned<f64>,
    pub delay: Spanned<RawDist>,
}

/// `[workflow.callback]`: waiting customers offered a call back.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCallback {
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

/// An intraday profile repeating daily: per-interval multipliers of `rate`,
/// or per-interval rates.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfile {
    pub interval: Spanned<Quantity>,
    pub multipliers: Option<Spanned<Vec<f64>>>,
    pub rates: Option<Vec<Spanned<String>>>,
}

/// `[[agents]]`: a group of identical workers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgents {
    pub group: Spanned<String>,
    pub count: Spanned<i64>,
    pub attributes: Option<Spanned<toml::Table>>,
    pub capacity: Option<Spanned<BTreeMap<Spanned<String>, Spanned<i64>>>>,
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

/// `{ at = "4h", workers = 3, attributes = { ... }, capacity = { ... } }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChange {
    /// Time from the simulation start.
    pub at: Spanned<Quantity>,
    /// The first N workers of the group (default: all).
    pub workers: Option<Spanned<i64>>,
    /// Keys set (others kept).
    pub attributes: Option<Spanned<toml::Table>>,
    /// Channels whose capacity is set (others kept).
    pub capacity: Option<Spanned<BTreeMap<Spanned<String>, Spanned<i64>>>>,
}

/// `disconnects = { rate = "0.25/h", duration = { ... }, drop = ["voice"] }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDisconnects {
    /// Per worker, per hour on shift.
    pub rate: Spanned<String>,
    /// Time off line.
    pub duration: Spanned<RawDist>,
    /// Channels whose conversations in progress are lost.
    #[serde(default)]
    pub drop: Vec<Spanned<String>>,
}

/// A daily break: `{ start = "12:00", duration = "30m" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBreak {
    pub start: Spanned<String>,
    pub duration: Spanned<Quantity>,
    /// The activity during the break (default "Break").
    pub activity: Option<Spanned<String>>,
}

/// A daily working window; `end` before `start` crosses midnight.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShift {
    pub start: Spanned<String>,
    pub end: Spanned<String>,
}

/// `[[queues]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawQueue {
    pub name: Spanned<String>,
    pub target_workers: Option<Spanned<String>>,
    /// `"FIFO"` (default) or `"LIFO"`.
    pub task_order: Option<Spanned<String>>,
    /// Workers take tasks from this queue only while these hours are open.
    pub hours: Option<Spanned<String>>,
    /// Calls answered in this queue are transferred with a probability.
    pub transfer: Option<Spanned<RawTransfer>>,
}

/// `transfer = { probability = 0.1, to = "tier2", kind = "cold" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTransfer {
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

/// `[workflow]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkflow {
    #[serde(default)]
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
    pub queue_sids: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
    /// Contacts arriving outside these hours get `after_hours`.
    pub hours: Option<Spanned<String>>,
    pub after_hours: Option<Spanned<RawAfterHours>>,
    pub callback: Option<Spanned<RawCallback>>,
}

/// `[[workflow.filters]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFilter {
    pub name: Option<Spanned<String>>,
    pub expression: Spanned<String>,
    pub targets: Spanned<Vec<Spanned<RawTarget>>>,
}

/// One routing step of a filter (routing-semantics §2.1).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTarget {
    pub queue: Option<Spanned<String>>,
    pub priority: Option<Spanned<Quantity>>,
    pub timeout: Option<Spanned<Quantity>>,
    pub expression: Option<Spanned<String>>,
    pub order_by: Option<Spanned<String>>,
    pub skip_if: Option<Spanned<String>>,
    pub known_worker_sid: Option<Spanned<String>>,
    pub known_worker_friendly_name: Option<Spanned<String>>,
}

/// `{ dist = "...", mean = ..., cv = ... }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
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

/// A duration or count written either as a number or as text with a unit.
#[derive(Debug, Clone)]
pub enum Quantity {
    Number(f64),
    Text(String),
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number or a duration string such as \"90s\" or \"1h30m\"")
            }
            fn visit_i64<E>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Quantity, E> {
                Ok(Quantity::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}
