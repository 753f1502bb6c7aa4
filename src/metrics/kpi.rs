//! The KPI families of docs/outputs.md as types. Each KPI knows its JSON/CSV
//! name, `ALL` lists its family in output order, and a family's table of
//! values is indexed by the KPI itself: adding a KPI cannot silently shift
//! what another one reads, and indexing costs what indexing an array by a
//! number did.

use std::ops::{Index, IndexMut};

/// A table of one KPI family's values read by name in output order: what the
/// JSON and CSV writers need without knowing the family.
pub trait KpiTable {
    /// What the table holds per KPI (a count, a value, an estimate).
    type Value;
    /// (JSON/CSV name, value) of every KPI, in output order.
    fn named(&self) -> impl Iterator<Item = (&'static str, &Self::Value)>;
}

/// Declares a KPI family: the enum (variants in output order, each with its
/// JSON/CSV name) and its table, one value per KPI, indexed by the enum.
macro_rules! kpi_family {
    (
        $(#[$kpi_doc:meta])*
        enum $Kpi:ident;
        $(#[$table_doc:meta])*
        table $Table:ident;
        $( $(#[$doc:meta])* $Variant:ident = $name:literal, )+
    ) => {
        $(#[$kpi_doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $Kpi {
            $( $(#[$doc])* $Variant, )+
        }

        impl $Kpi {
            /// Every KPI of the family, in output order.
            pub const ALL: [$Kpi; [$($name),+].len()] = [$($Kpi::$Variant),+];

            /// The name in the JSON summary and the CSV files.
            pub const fn name(self) -> &'static str {
                match self {
                    $( $Kpi::$Variant => $name, )+
                }
            }

            /// The KPI called `name`, for names a user typed.
            pub fn from_name(name: &str) -> Option<$Kpi> {
                Self::ALL.into_iter().find(|k| k.name() == name)
            }
        }

        $(#[$table_doc])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $Table<T = f64>([T; $Kpi::ALL.len()]);

        impl<T> $Table<T> {
            /// The table whose value for each KPI is `f(kpi)`.
            pub fn from_fn(f: impl FnMut($Kpi) -> T) -> Self {
                $Table($Kpi::ALL.map(f))
            }

            /// (KPI, value) in output order.
            pub fn iter(&self) -> impl Iterator<Item = ($Kpi, &T)> {
                $Kpi::ALL.into_iter().zip(&self.0)
            }

            /// The table of `f(value)` for every KPI.
            pub fn map<U>(self, f: impl FnMut(T) -> U) -> $Table<U> {
                $Table(self.0.map(f))
            }
        }

        impl<T: Default> Default for $Table<T> {
            fn default() -> Self {
                Self::from_fn(|_| T::default())
            }
        }

        impl<T> Index<$Kpi> for $Table<T> {
            type Output = T;
            #[inline]
            fn index(&self, k: $Kpi) -> &T {
                &self.0[k as usize]
            }
        }

        impl<T> IndexMut<$Kpi> for $Table<T> {
            #[inline]
            fn index_mut(&mut self, k: $Kpi) -> &mut T {
                &mut self.0[k as usize]
            }
        }

        impl<T: crate::metrics::wire::Wire> crate::metrics::wire::Wire for $Table<T> {
            fn put(&self, out: &mut Vec<u8>) {
                for x in &self.0 {
                    x.put(out);
                }
            }
            fn take(r: &mut crate::metrics::wire::Reader<'_>) -> Result<Self, String> {
                let items: Vec<T> = $Kpi::ALL
                    .iter()
                    .map(|_| T::take(r))
                    .collect::<Result<_, _>>()?;
                items
                    .try_into()
                    .map($Table)
                    .map_err(|_| "table length".to_string())
            }
        }

        impl<T> KpiTable for $Table<T> {
            type Value = T;
            fn named(&self) -> impl Iterator<Item = (&'static str, &T)> {
                self.iter().map(|(k, v)| (k.name(), v))
            }
        }
    };
}

kpi_family! {
    /// A KPI of a segment (overall, a queue, a channel, a source): the ten of
    /// docs/outputs.md's contract, then extras. Times are in seconds.
    enum Kpi;
    /// One segment's KPI values; NaN where undefined (e.g. ASA with nothing
    /// answered).
    table Kpis;
    /// Contacts offered (attempts, redials included).
    Offered = "offered",
    /// Answered by a worker.
    Answered = "answered",
    /// Hung up while waiting.
    Abandoned = "abandoned",
    /// Abandoned within the short-abandon threshold.
    ShortAbandoned = "short_abandoned",
    /// Answered within the threshold ÷ (answered + abandoned − short abandoned).
    ServiceLevel = "service_level",
    /// Answered within the threshold ÷ answered.
    ServiceLevelAnswered = "service_level_answered",
    /// Abandoned ÷ (answered + abandoned).
    AbandonRate = "abandon_rate",
    /// Mean wait of answered contacts.
    Asa = "asa_s",
    /// 90th percentile of the wait of answered contacts.
    WaitP90 = "wait_p90_s",
    /// Mean handle time (talk and wrap-up actually worked).
    Aht = "aht_s",
    /// Tasks the router canceled: the three reasons below added up.
    Canceled = "canceled",
    /// Customers still waiting when the drain limit stopped the run.
    Unfinished = "unfinished",
    /// Canceled: no filter matched and there is no default filter.
    CanceledNoMatch = "canceled_no_match",
    /// Canceled: fell off the end of the workflow.
    CanceledWorkflow = "canceled_workflow",
    /// Canceled: pending longer than the task TTL.
    CanceledTtl = "canceled_ttl",
    /// The longest wait of an answered contact (exact).
    WaitMax = "wait_max_s",
    /// Outside business hours, left a voicemail (in the queue that works them).
    Voicemail = "voicemail",
    /// Outside business hours, heard a closed message.
    Closed = "closed",
    /// Voicemails worked (in the queue that worked them).
    VoicemailsWorked = "voicemails_worked",
    /// Mean wait of a voicemail to be worked.
    VoicemailWait = "voicemail_wait_s",
    /// Accepted a call back while waiting (where it waited).
    Callback = "callback",
    /// Call backs worked (in the queue that worked them).
    CallbacksWorked = "callbacks_worked",
    /// Mean wait from accepting a call back to being called back.
    CallbackWait = "callback_wait_s",
    /// Attempts that were redials (customers = offered − redials), in the
    /// queue where the attempt ended.
    Redials = "redials",
    /// Transfers of answered calls attempted (in the queue that answered the
    /// first leg).
    Transfers = "transfers",
    /// Second legs answered (in the queue where they waited).
    TransfersAnswered = "transfers_answered",
    /// Transfers dropped on the way or left with no target (in the queue
    /// that answered the first leg).
    TransfersDropped = "transfers_dropped",
    /// Second legs abandoned on hold (in the queue where they waited).
    TransfersAbandoned = "transfers_abandoned",
    /// Mean wait of answered second legs.
    TransferWait = "transfer_wait_s",
    /// Conversations lost because the agent disconnected (the contact stays
    /// answered; the work not done is taken out of AHT).
    DisconnectDropped = "disconnect_dropped",
    /// Contacts lost to an injected fault (`[faults]`, docs/faults.md):
    /// dropped after a failed look-up, or arriving on a channel that is down.
    Lost = "lost",
    /// Busy signals: a line limit or a full queue (docs/scenario.md,
    /// "Blocking"). Written only for scenarios that can block.
    Blocked = "blocked",
    /// Resolved in self-service (an IVR or bot), no agent needed
    /// (docs/scenario.md, "Self-service"). Written only for scenarios with
    /// self-service.
    Contained = "contained",
}

impl Kpi {
    /// A KPI written only when the scenario has the feature it counts
    /// (`blocked`: line limits or queue capacities), so that scenarios
    /// without it keep their outputs.
    pub fn shown_for(self, s: &crate::scenario::Scenario) -> bool {
        match self {
            Kpi::Blocked => crate::scenario::has_blocking(s),
            Kpi::Contained => s.sources.iter().any(|x| x.self_service.is_some()),
            _ => true,
        }
    }

    /// One of the ten KPIs of docs/outputs.md's contract, which the table
    /// always shows.
    pub const fn in_contract(self) -> bool {
        matches!(
            self,
            Kpi::Offered
                | Kpi::Answered
                | Kpi::Abandoned
                | Kpi::ShortAbandoned
                | Kpi::ServiceLevel
                | Kpi::ServiceLevelAnswered
                | Kpi::AbandonRate
                | Kpi::Asa
                | Kpi::WaitP90
                | Kpi::Aht
        )
    }
}

kpi_family! {
    /// What the self-service stage (IVR or bot) did, over the whole center
    /// (docs/scenario.md, "Self-service").
    enum SelfServiceKpi;
    /// One replication's self-service counts.
    table SelfServiceKpis;
    /// Attempts that entered self-service.
    Sessions = "sessions",
    /// Minutes spent in it (metered, for the bot or IVR bill).
    Minutes = "minutes",
    /// Resolved there (counted `contained` in the segments).
    Contained = "contained",
    /// Asked for an agent part-way.
    OptedOut = "opted_out",
    /// Hung up during it (counted `abandoned`, in no queue).
    Abandoned = "abandoned",
    /// Contained ÷ sessions.
    ContainmentRate = "containment_rate",
}

kpi_family! {
    /// Text conversations of one channel, counted contacts only
    /// (docs/scenario.md, "Text conversations").
    enum ConversationKpi;
    /// One channel's conversation KPIs in one replication.
    table ConversationKpis;
    /// Conversations that ended for good (closed and not reopened).
    Conversations = "conversations",
    /// Mean exchanges (a customer message and the agent's reply) per
    /// conversation, reopened stretches included.
    Exchanges = "exchanges_per_conversation",
    /// Mean time from the customer's first message to the agent's first
    /// reply: the wait plus the first exchange's work.
    FirstResponse = "first_response_s",
    /// Share of first responses within the channel's service-level threshold.
    FirstResponseSl = "first_response_sl",
    /// Mean time from the first message to the final close.
    Duration = "duration_s",
    /// Closes by the inactivity timeout (the rest the agent closed).
    ClosedInactive = "closed_inactive",
    /// Closes the customer reopened by writing again within the window.
    Reopened = "reopened",
    /// Reopened ÷ closes.
    ReopenRate = "reopen_rate",
    /// Reopened conversations that went straight back to their agent.
    ReopenedSameWorker = "reopened_same_worker",
    /// Mean wait of reopened conversations routed through the workflow.
    ReopenWait = "reopen_wait_s",
    /// Agent slot-hours the conversations held, wrap-up included.
    HeldHours = "held_h",
    /// Share of that time the slot was held while the customer was
    /// writing (capacity in use, nobody working).
    HeldIdleShare = "held_idle_share",
}

kpi_family! {
    /// Contacts that got a busy signal: a line limit or a full queue
    /// (docs/scenario.md, "Blocking"), over the whole center.
    enum BlockKpi;
    /// One replication's blocking counts.
    table BlockKpis;
    /// Attempts blocked, for any reason (counted in `offered`).
    Blocked = "blocked",
    /// Blocked because every line of their channel or number was in use.
    BlockedLines = "blocked_lines",
    /// Blocked because their queue already had `max_waiting` contacts waiting.
    BlockedQueueFull = "blocked_queue_full",
    /// Blocked ÷ offered.
    BlockingProbability = "blocking_probability",
}

kpi_family! {
    /// What the injected faults did to counted contacts (`[faults]`,
    /// docs/faults.md), over the whole center.
    enum FaultKpi;
    /// One replication's fault counts.
    table FaultKpis;
    /// Attempts that went through the look-up.
    Lookups = "lookups",
    /// Look-ups that failed: an error or a timeout.
    LookupFailed = "lookup_failed",
    /// Look-ups that timed out (included in `lookup_failed`).
    LookupTimeouts = "lookup_timeouts",
    /// Customers who hung up during the look-up (counted `abandoned`, in no queue).
    LookupAbandoned = "lookup_abandoned",
    /// Contacts dropped after a failed look-up (counted `lost`).
    LookupDropped = "lookup_dropped",
    /// Mean time a finished look-up took (timeouts included).
    LookupTime = "lookup_time_s",
    /// Contacts that arrived on a channel that was down (counted `lost`).
    LostInOutage = "lost_in_outage",
    /// Conversations lost when their agent's group went down (counted
    /// `disconnect_dropped` too).
    DroppedInOutage = "dropped_in_outage",
    /// Call-back attempts an agent made.
    CallbackAttempts = "callback_attempts",
    /// Attempts that did not reach the customer.
    CallbackUnreached = "callback_unreached",
    /// Call backs given up after their last retry.
    CallbacksFailed = "callbacks_failed",
    /// Reservations offered to a worker who had already gone (the router
    /// had not yet learned of the change): each times out.
    StatusLagOffers = "status_lag_offers",
    /// Activity changes that reached the router late.
    StatusLagChanges = "status_lag_changes",
    /// Contacts that created a second task.
    Duplicates = "duplicates",
    /// Duplicate tasks canceled when their twin was accepted (or ended).
    DuplicatesCanceled = "duplicates_canceled",
    /// Agent seconds spent working duplicates (`resolve = "work"`): talk
    /// and wrap-up done for nobody.
    DuplicateWork = "duplicate_work_s",
}

kpi_family! {
    /// What happened to counted contacts in a routing step.
    enum StepKpi;
    /// One routing step's counts.
    table StepKpis;
    /// Entered the step.
    Entered = "entered",
    /// Answered while in the step.
    Answered = "answered",
    /// Left by the step's timeout.
    TimedOut = "timed_out",
    /// Skipped by `skip_if`.
    Skipped = "skipped",
    /// Abandoned while in the step.
    Abandoned = "abandoned",
    /// Canceled (TTL) while in the step.
    Canceled = "canceled",
}

kpi_family! {
    /// What happened to counted contacts in a workflow filter.
    enum FilterKpi;
    /// One filter's counts.
    table FilterKpis;
    /// Entered the filter.
    Entered = "entered",
    /// Answered in one of its steps.
    Answered = "answered",
}

kpi_family! {
    /// Counted contacts moving through a queue.
    enum QueueFlowKpi;
    /// One queue's flow counts.
    table QueueFlowKpis;
    /// Entered the queue.
    Entered = "entered",
    /// Left it for another step's queue (TaskRouter's `tasks_moved`).
    Moved = "moved",
}

kpi_family! {
    /// A KPI of an agent group: occupancy and utilization (docs/outputs.md),
    /// logged-in agent-hours in the counted window, and reservation outcomes
    /// of counted contacts (docs/routing.md, "Reservations").
    enum GroupKpi;
    /// One group's KPI values.
    table GroupKpis;
    /// Time holding a task ÷ time logged in.
    Occupancy = "occupancy",
    /// Capacity units in use ÷ capacity units logged in.
    Utilization = "utilization",
    /// Agent-hours logged in.
    LoggedInHours = "logged_in_h",
    /// Reservations offered to the group's workers.
    ReservationsCreated = "reservations_created",
    /// Reservations accepted.
    ReservationsAccepted = "reservations_accepted",
    /// Reservations rejected.
    ReservationsRejected = "reservations_rejected",
    /// Reservations not answered in time.
    ReservationsTimedOut = "reservations_timed_out",
    /// Reservations whose task was canceled meanwhile.
    ReservationsCanceled = "reservations_canceled",
    /// Workers' disconnects.
    Disconnects = "disconnects",
}

kpi_family! {
    /// A KPI of one interval of the counted window (besides per-group
    /// occupancy), by the contacts' arrival.
    enum IntervalKpi;
    /// One interval's KPI values.
    table IntervalKpis;
    /// Contacts that arrived.
    Offered = "offered",
    /// Of those, answered.
    Answered = "answered",
    /// Of those, abandoned.
    Abandoned = "abandoned",
    /// As [`Kpi::ServiceLevel`].
    ServiceLevel = "service_level",
    /// Mean wait of the answered, seconds.
    Asa = "asa_s",
}

kpi_family! {
    /// A KPI of one scope (the whole center, a queue, a channel, a source)
    /// in one interval, by the contacts' arrival: the rows of
    /// `intervals-long.csv`. Counts are attempts, as [`Kpi::Offered`].
    enum SliceKpi;
    /// One scope's KPI values in one interval.
    table SliceKpis;
    /// Contacts that arrived in the interval and ended in the scope.
    Offered = "offered",
    /// Of those, answered.
    Answered = "answered",
    /// Of those, abandoned.
    Abandoned = "abandoned",
    /// Of those, abandoned within the short-abandon threshold.
    ShortAbandoned = "short_abandoned",
    /// As [`Kpi::ServiceLevel`].
    ServiceLevel = "service_level",
    /// As [`Kpi::ServiceLevelAnswered`].
    ServiceLevelAnswered = "service_level_answered",
    /// As [`Kpi::AbandonRate`].
    AbandonRate = "abandon_rate",
    /// Mean wait of the answered, seconds.
    Asa = "asa_s",
    /// 90th percentile of the wait of the answered, seconds.
    WaitP90 = "wait_p90_s",
}

kpi_family! {
    /// A KPI of one agent group in one interval.
    enum GroupIntervalKpi;
    /// One group's values in one interval.
    table GroupIntervalKpis;
    /// As [`GroupKpi::Occupancy`].
    Occupancy = "occupancy",
    /// As [`GroupKpi::Utilization`].
    Utilization = "utilization",
    /// Workers logged in, averaged over the interval.
    LoggedIn = "logged_in_agents",
    /// Workers holding at least one task, averaged over the interval.
    Busy = "busy_agents",
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found_again() {
        fn check<K: Copy + PartialEq + std::fmt::Debug>(
            all: &[K],
            name: fn(K) -> &'static str,
            from_name: fn(&str) -> Option<K>,
        ) {
            for (i, &k) in all.iter().enumerate() {
                assert_eq!(from_name(name(k)), Some(k), "{k:?}");
                assert!(all[..i].iter().all(|&o| name(o) != name(k)), "{k:?}");
            }
            assert_eq!(from_name("no such kpi"), None);
        }
        check(&Kpi::ALL, Kpi::name, Kpi::from_name);
        check(&StepKpi::ALL, StepKpi::name, StepKpi::from_name);
        check(
            &ConversationKpi::ALL,
            ConversationKpi::name,
            ConversationKpi::from_name,
        );
        check(&FilterKpi::ALL, FilterKpi::name, FilterKpi::from_name);
        check(
            &QueueFlowKpi::ALL,
            QueueFlowKpi::name,
            QueueFlowKpi::from_name,
        );
        check(&GroupKpi::ALL, GroupKpi::name, GroupKpi::from_name);
        check(&IntervalKpi::ALL, IntervalKpi::name, IntervalKpi::from_name);
        check(&SliceKpi::ALL, SliceKpi::name, SliceKpi::from_name);
        check(
            &GroupIntervalKpi::ALL,
            GroupIntervalKpi::name,
            GroupIntervalKpi::from_name,
        );
    }

    #[test]
    fn a_table_is_read_in_output_order_and_by_kpi() {
        let t = StepKpis::from_fn(|k| k.name().len());
        assert_eq!(t[StepKpi::TimedOut], "timed_out".len());
        let names: Vec<&str> = t.named().map(|(n, _)| n).collect();
        assert_eq!(
            names,
            [
                "entered",
                "answered",
                "timed_out",
                "skipped",
                "abandoned",
                "canceled"
            ]
        );
        let mut counts = StepKpis::<u64>::default();
        counts[StepKpi::Skipped] += 2;
        assert_eq!(counts.map(|c| c as f64)[StepKpi::Skipped], 2.0);
        assert_eq!(counts[StepKpi::Entered], 0);
    }

    #[test]
    fn the_contract_comes_first() {
        assert_eq!(Kpi::ALL.iter().filter(|k| k.in_contract()).count(), 10);
        assert!(Kpi::ALL.is_sorted_by_key(|k| !k.in_contract()));
    }
}
