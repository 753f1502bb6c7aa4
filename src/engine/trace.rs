//! The routing audit trail: what happened to each task and reservation, in
//! TaskRouter's event names (docs/routing.md, "Reservations"). The engine calls a
//! tracer only when one is installed, so a normal run pays one branch per
//! trace point; tracing never changes the simulation.

use serde::Serialize;

/// One audit event. Names are TaskRouter's; fields that do not apply are omitted.
#[derive(Debug, Clone, Serialize)]
pub struct TraceEvent {
    /// Simulated time, seconds from the start.
    #[serde(rename = "t")]
    pub time: f64,
    /// TaskRouter event type, e.g. `reservation.created`.
    #[serde(rename = "event")]
    pub name: &'static str,
    /// Arrival index of the task within the replication (0-based).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<u64>,
    /// Worker name (`<group>-<n>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// Queue name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Routing step (`<filter> #k` or `default`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Free text: why (matched filter, rule that chose the worker, reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// At a target: queue members eligible for the task (membership and expression).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligible: Option<u32>,
    /// At a target: eligible members in an available activity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<u32>,
    /// At a target: available members with free capacity on the task's channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free: Option<u32>,
    /// At a target: tasks already waiting in the same waitlist with a higher
    /// priority (served before this one whatever their age).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ahead_higher: Option<u32>,
    /// At a target: tasks already waiting in the same waitlist with the same
    /// priority and older (served before this one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ahead_older: Option<u32>,
    /// The queue (at a target) or the workflow (after hours) is closed and
    /// opens at this time, seconds from the start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<f64>,
    /// At `task.created` of an arrival: its source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// At `task.created` of an arrival: its channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The contact's outcome, on the event that decides it: answered,
    /// abandoned, canceled_no_match, canceled_workflow, canceled_ttl,
    /// callback, voicemail or closed (no event: still waiting at the end).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<&'static str>,
    /// At `task.created` of a redial: the task (arrival index) of the
    /// abandoned attempt it repeats, so a history links a caller's attempts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redial_of: Option<u64>,
    /// The task's attribute class (an index into `Scenario::classes`), on
    /// every task event; not written to `--events`.
    #[serde(skip)]
    pub class: Option<u32>,
    /// At `reservation.accepted`: how long the task waited, seconds; not
    /// written to `--events` (the `detail` says it).
    #[serde(skip)]
    pub wait: Option<f64>,
    /// At `workflow.target-matched` and `reservation.accepted`: whether the
    /// task's queue is closed by its business hours at that moment; not
    /// written to `--events` (`opens_at` says when it opens).
    #[serde(skip)]
    pub closed: Option<bool>,
    /// At `reservation.accepted`: the queue the task is answered in (an
    /// index into `Scenario::queues`); not written to `--events`.
    #[serde(skip)]
    pub in_queue: Option<u32>,
    /// On every event of a follow-up task: "voicemail", "callback" or
    /// "transfer" (a transfer's second leg); not written to `--events`.
    #[serde(skip)]
    pub followup: Option<&'static str>,
}

impl TraceEvent {
    /// An event with only a time and a name.
    pub fn new(time: f64, name: &'static str) -> TraceEvent {
        TraceEvent {
            time,
            name,
            task: None,
            worker: None,
            queue: None,
            step: None,
            detail: None,
            eligible: None,
            available: None,
            free: None,
            ahead_higher: None,
            ahead_older: None,
            opens_at: None,
            source: None,
            channel: None,
            outcome: None,
            redial_of: None,
            class: None,
            wait: None,
            closed: None,
            in_queue: None,
            followup: None,
        }
    }
}

/// Receives audit events as they happen.
pub type Tracer<'a> = dyn FnMut(&TraceEvent) + 'a;
