//! Events of one replication: small, `Copy`, ids only (16 bytes).

/// Something that happens at a point in simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The next arrival of a source.
    Arrival {
        /// Source index.
        source: u32,
    },
    /// A waiting customer's patience or the task TTL runs out, whichever is
    /// first (stale if served first).
    Expire {
        /// Task slot.
        task: u32,
        /// Slot generation when scheduled; a mismatch means the task is gone.
        generation: u32,
    },
    /// The cumulative deadline of the task's current step (docs/routing.md, "Timeouts").
    StepTimeout {
        /// Task slot.
        task: u32,
        /// Slot generation when scheduled.
        generation: u32,
        /// Routing epoch when scheduled; a mismatch means the task moved on.
        epoch: u32,
    },
    /// The conversation ends; wrap-up (if any) starts. With talk slowdown
    /// the end moves whenever concurrency changes: stale if `epoch` is old.
    TalkEnd {
        /// Worker index.
        worker: u32,
        /// Task slot.
        task: u32,
        /// The task's talk epoch when scheduled.
        epoch: u32,
    },
    /// Wrap-up ends; the capacity unit is released.
    WrapEnd {
        /// Worker index.
        worker: u32,
        /// Task slot.
        task: u32,
    },
    /// A pending reservation ends: accepted, rejected or timed out (the
    /// outcome was drawn when it was created; stale if the task moved on).
    ReservationEnd {
        /// Worker index.
        worker: u32,
        /// Task slot.
        task: u32,
        /// Slot generation when scheduled.
        generation: u32,
        /// The task's reservation count when scheduled: an older one means
        /// that reservation already ended another way (a disconnect).
        offer: u16,
    },
    /// A worker returns from the timeout activity after a missed offer.
    WorkerReturn {
        /// Worker index.
        worker: u32,
    },
    /// A waiting customer is offered a call back (stale if no longer waiting).
    CallbackOffer {
        /// Task slot.
        task: u32,
        /// Slot generation when scheduled.
        generation: u32,
    },
    /// An accepted call back becomes a task.
    CallbackDue {
        /// Task slot.
        task: u32,
        /// Slot generation when scheduled.
        generation: u32,
    },
    /// An abandoning customer calls again.
    Redial {
        /// Task slot.
        task: u32,
        /// Slot generation when scheduled.
        generation: u32,
    },
    /// A business-hours calendar opens or closes (queues with those hours).
    HoursChange {
        /// Index in `Scenario::hours`.
        hours: u32,
    },
    /// A shift boundary of an agent group.
    Shift {
        /// Group index.
        group: u32,
    },
    /// The next disconnect in an agent group (one event per group).
    Disconnect {
        /// Group index.
        group: u32,
    },
    /// A disconnected worker is back on line.
    Reconnect {
        /// Worker index.
        worker: u32,
    },
    /// A contact's look-up before routing ends (`[faults.lookup]`; stale if
    /// the customer hung up meanwhile).
    LookupDone {
        /// Task slot.
        task: u32,
        /// Slot generation when scheduled.
        generation: u32,
    },
    /// An outage of `[[faults.outages]]` starts or ends.
    Outage {
        /// Index in the scenario's outages.
        index: u32,
        /// Starts (else ends).
        start: bool,
    },
    /// The router learns of a worker's activity change (`[faults.status_lag]`).
    StatusSync {
        /// Worker index.
        worker: u32,
    },
    /// A contact's self-service (IVR or bot) ends.
    SelfServiceDone {
        /// Task slot.
        task: u32,
        /// Slot generation when it started.
        generation: u32,
    },
    /// A conversation's customer answers the agent's reply (stale if the
    /// talk epoch moved on).
    Reply {
        /// Worker index.
        worker: u32,
        /// Task slot.
        task: u32,
        /// The task's talk epoch when scheduled.
        epoch: u32,
    },
    /// A conversation's customer stayed silent for the inactivity timeout.
    InactiveClose {
        /// Worker index.
        worker: u32,
        /// Task slot.
        task: u32,
        /// The task's talk epoch when scheduled.
        epoch: u32,
    },
    /// A closed conversation's customer writes again within the window.
    Reopen {
        /// Task slot (parked).
        task: u32,
        /// Slot generation when scheduled.
        generation: u32,
    },
    /// A scripted change of some workers' attributes and capacity.
    ProfileChange {
        /// Group index.
        group: u32,
        /// Index in the group's `changes`.
        change: u32,
    },
}
