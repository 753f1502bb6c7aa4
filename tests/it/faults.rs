//! `[faults]`: each injected fault against a value worked out by hand or
//! from queueing theory, and the common-random-numbers promise (a fault
//! changes nothing but its own effect).

use super::{assert_within, load_in, temp_dir};
use ccsim::engine::trace::TraceEvent;
use ccsim::erlang::Model;
use ccsim::metrics::{FaultKpi, Kpi};
use ccsim::replications;
use ccsim::routing::Plan;
use ccsim::scenario::Scenario;
use ccsim::summary::Summary;

/// M/M/26+M at 360 calls/h, talk 240 s, patience 120 s, SL threshold 60 s:
/// the Erlang A model the faults below are measured against.
fn erlang_a(faults: &str, replications: u32) -> String {
    format!(
        r#"name = "faults"
[simulation]
horizon = "21h"
warmup = "1h"
replications = {replications}
seed = 11
interval = "1h"
service_level_threshold = "60s"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "360/h"
handle_time = {{ dist = "exponential", mean = "240s" }}
patience = {{ dist = "exponential", mean = "120s" }}
[[agents]]
group = "agents"
count = 26
[[queues]]
name = "q"
target_workers = "1==1"
[[queues]]
name = "fallback"
target_workers = "1==1"
[workflow]
default_filter = {{ queue = "q" }}
{faults}"#
    )
}

fn load(tag: &str, text: &str) -> Scenario {
    load_in(&temp_dir(tag), text)
}

fn summarize(s: &Scenario) -> Summary {
    replications::run(s, s.sim.seed, s.sim.replications, &|_| {})
}

/// A look-up of D seconds before routing, with exponential patience θ:
/// a customer survives it with probability e^(−D/θ) and then, patience
/// being memoryless, meets an M/M/c+M queue fed at λ·e^(−D/θ). So the
/// share abandoning in the look-up, the abandon rate, ASA (D plus the
/// queue's), the service level of the answered at T (the queue's at T − D)
/// and the occupancy are all Erlang A values.
#[test]
fn a_lookup_delay_shifts_erlang_a_exactly_as_predicted() {
    let d = 10.0;
    let s = load(
        "lookup-delay",
        &erlang_a(
            "[faults.lookup]\ndelay = { dist = \"deterministic\", mean = \"10s\" }\n",
            30,
        ),
    );
    let summary = summarize(&s);
    let survive = (-d / 120.0f64).exp();
    let m = Model {
        rate_per_s: 360.0 / 3600.0 * survive,
        aht_s: 240.0,
        agents: 26,
        patience_s: Some(120.0),
    };
    let at = |threshold| m.measures(threshold).expect("Erlang A");
    let o = &summary.overall.kpis;
    let f = summary.faults.as_ref().expect("faults");
    // Per replication, the share of looked-up contacts lost in the look-up.
    let lookups = f[FaultKpi::Lookups].mean.unwrap();
    assert_eq!(
        lookups,
        o[Kpi::Offered].mean.unwrap(),
        "every attempt is looked up"
    );
    assert_within(
        "abandoned in the look-up",
        &f[FaultKpi::LookupAbandoned],
        lookups * (1.0 - survive),
    );
    assert_within(
        "abandon rate",
        &o[Kpi::AbandonRate],
        (1.0 - survive) + survive * at(60.0).abandon_rate,
    );
    assert_within("ASA", &o[Kpi::Asa], d + at(60.0).asa_s);
    assert_within(
        "service level of the answered",
        &o[Kpi::ServiceLevelAnswered],
        at(60.0 - d).service_level_answered,
    );
    assert_within(
        "occupancy",
        &summary.groups[0].kpis[ccsim::metrics::GroupKpi::Occupancy],
        at(60.0).occupancy,
    );
    assert_eq!(f[FaultKpi::LookupTime].mean, Some(d));
}

/// The look-up draws from its own stream: the same customers arrive, with
/// the same attributes, whatever the look-up does.
#[test]
fn a_fault_leaves_the_customers_unchanged() {
    let base = load("crn-base", &erlang_a("", 4));
    let faulty = load(
        "crn-faulty",
        &erlang_a(
            "[faults.lookup]\ndelay = { dist = \"exponential\", mean = \"5s\" }\nfailure = 0.2\non_failure = \"drop\"\n",
            4,
        ),
    );
    let (a, b) = (summarize(&base), summarize(&faulty));
    assert_eq!(a.overall.kpis[Kpi::Offered], b.overall.kpis[Kpi::Offered]);
    assert_eq!(a.contacts, b.contacts);
    assert!(a.faults.is_none(), "no `faults` section without [faults]");
}

/// Look-ups time out at 5 s, with exponential delays of rate a = 1/4 s and
/// patience of rate b = 1/120 s running meanwhile. Per looked-up contact,
/// with c = a + b: it times out (and is still there) with probability
/// e^(−5c); it ends in time with probability a/c·(1 − e^(−5c)), and 10% of
/// those fail; the time of a finished look-up sums to
/// a/c²·(1 − e^(−5c)(1 + 5c)) plus 5·e^(−5c). The failed ones go to the
/// fall-back queue: it is offered exactly the failed look-ups.
#[test]
fn lookup_timeouts_and_errors_go_where_on_failure_says() {
    let s = load(
        "lookup-queue",
        &erlang_a(
            r#"[faults.lookup]
delay = { dist = "exponential", mean = "4s" }
timeout = "5s"
failure = 0.1
on_failure = "queue"
queue = "fallback"
"#,
            20,
        ),
    );
    let summary = summarize(&s);
    let f = summary.faults.as_ref().unwrap();
    let lookups = f[FaultKpi::Lookups].mean.unwrap();
    let (a, b) = (0.25f64, 1.0 / 120.0);
    let c = a + b;
    let timed_out = (-5.0 * c).exp();
    let in_time = a / c * (1.0 - timed_out);
    let time = a / (c * c) * (1.0 - timed_out * (1.0 + 5.0 * c)) + 5.0 * timed_out;
    assert_within(
        "timeouts",
        &f[FaultKpi::LookupTimeouts],
        lookups * timed_out,
    );
    assert_within(
        "failed (timeouts and errors)",
        &f[FaultKpi::LookupFailed],
        lookups * (timed_out + 0.1 * in_time),
    );
    assert_within(
        "abandoned in the look-up",
        &f[FaultKpi::LookupAbandoned],
        lookups * (1.0 - timed_out - in_time),
    );
    assert_within(
        "look-up time",
        &f[FaultKpi::LookupTime],
        time / (timed_out + in_time),
    );
    let fallback = &summary.queues[1].kpis[Kpi::Offered];
    assert_eq!(fallback.mean, f[FaultKpi::LookupFailed].mean);
    assert_eq!(
        fallback.sd,
        f[FaultKpi::LookupFailed].sd,
        "equal in every replication"
    );
}

/// `on_failure = "drop"`: the failed contacts are lost, and offered still
/// adds up: answered + abandoned + lost.
#[test]
fn dropped_lookups_are_lost_and_counted() {
    let s = load(
        "lookup-drop",
        &erlang_a(
            "[faults.lookup]\ndelay = { dist = \"deterministic\", mean = \"2s\" }\nfailure = 0.3\non_failure = \"drop\"\n",
            10,
        ),
    );
    let results: Vec<_> = (0..s.sim.replications)
        .map(|r| ccsim::engine::run(&s, s.sim.seed, r))
        .collect();
    for r in &results {
        let o = &r.overall;
        assert_eq!(o[Kpi::Lost], r.faults[FaultKpi::LookupDropped]);
        assert_eq!(
            r.faults[FaultKpi::LookupDropped],
            r.faults[FaultKpi::LookupFailed]
        );
        assert_eq!(
            o[Kpi::Offered],
            o[Kpi::Answered] + o[Kpi::Abandoned] + o[Kpi::Lost] + o[Kpi::Unfinished]
        );
        // Lost contacts reach no queue.
        assert_eq!(r.unqueued[Kpi::Lost], o[Kpi::Lost]);
    }
    let summary = ccsim::summary::summarize(&s, s.sim.seed, &results);
    let f = summary.faults.as_ref().unwrap();
    // A 2 s look-up finishes with probability e^(−2/120); 30% of those fail.
    let finished = f[FaultKpi::Lookups].mean.unwrap() * (-2.0f64 / 120.0).exp();
    assert_within("dropped", &f[FaultKpi::LookupDropped], 0.3 * finished);
}

/// Every event of replication 0.
fn events(s: &Scenario) -> Vec<TraceEvent> {
    let mut out = Vec::new();
    let mut tracer = |ev: &TraceEvent| out.push(ev.clone());
    ccsim::engine::run_traced(s, &Plan::build(s), s.sim.seed, 0, &mut tracer);
    out
}

/// Voice and chat; the chat channel is down 10:00–11:00, the `desk` group
/// 13:00–13:30 and the `billing` queue 15:00–16:00.
const OUTAGES: &str = r#"name = "outages"
[simulation]
horizon = "18h"
warmup = "8h"
replications = 10
seed = 5
interval = "30m"
[[channels]]
name = "voice"
[[channels]]
name = "chat"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "120/h"
handle_time = { dist = "exponential", mean = "4m" }
patience = { dist = "exponential", mean = "5m" }
attributes = { topic = { values = ["billing", "general"], weights = [1, 3] } }
[[arrivals]]
name = "chats"
channel = "chat"
rate = "60/h"
handle_time = { dist = "exponential", mean = "6m" }
patience = { dist = "exponential", mean = "10m" }
attributes = { topic = "general" }
[[agents]]
group = "desk"
count = 12
capacity = { voice = 1, chat = 2 }
[[agents]]
group = "back"
count = 4
[[queues]]
name = "general"
target_workers = "1==1"
[[queues]]
name = "billing"
target_workers = "1==1"
[workflow]
default_filter = { queue = "general" }
[[workflow.filters]]
name = "billing"
expression = 'topic == "billing"'
targets = [{ queue = "billing" }]

[[faults.outages]]
channel = "chat"
from = "10h"
to = "11h"

[[faults.outages]]
group = "desk"
from = "13h"
to = "13h 30m"

[[faults.outages]]
queue = "billing"
from = "15h"
to = "16h"
"#;

/// A channel outage loses exactly the contacts that arrive on it while it
/// is down (λ × the hour on average), and nothing else.
#[test]
fn a_channel_outage_loses_the_contacts_that_arrive_during_it() {
    let s = load("outage-channel", OUTAGES);
    let evs = events(&s);
    let lost: Vec<&TraceEvent> = evs.iter().filter(|e| e.outcome == Some("lost")).collect();
    assert!(!lost.is_empty());
    for e in &lost {
        assert!((36_000.0..39_600.0).contains(&e.time), "lost at {}", e.time);
    }
    let chats_created_in_outage = evs
        .iter()
        .filter(|e| {
            e.name == "task.created"
                && e.channel.as_deref() == Some("chat")
                && (36_000.0..39_600.0).contains(&e.time)
        })
        .count();
    assert_eq!(lost.len(), chats_created_in_outage);
    let summary = summarize(&s);
    assert_within(
        "lost in the outage",
        &summary.faults.as_ref().unwrap()[FaultKpi::LostInOutage],
        60.0,
    );
    assert_eq!(
        summary.channels[0].kpis[Kpi::Lost].mean,
        Some(0.0),
        "voice is not affected"
    );
}

/// While its group is down no worker of it takes a task; its conversations
/// in progress are lost; a queue down answers nothing until it is back.
#[test]
fn group_and_queue_outages_stop_work_and_resume_it() {
    let s = load("outage-group", OUTAGES);
    let evs = events(&s);
    let desk_down = 46_800.0..48_600.0;
    let answered_by_desk_in_outage = evs.iter().filter(|e| {
        e.name == "reservation.accepted"
            && e.worker.as_deref().is_some_and(|w| w.starts_with("desk"))
            && desk_down.contains(&e.time)
    });
    assert_eq!(answered_by_desk_in_outage.count(), 0);
    let desk_after = evs.iter().any(|e| {
        e.name == "reservation.accepted"
            && e.worker.as_deref().is_some_and(|w| w.starts_with("desk"))
            && (48_600.0..50_400.0).contains(&e.time)
    });
    assert!(desk_after, "the desk works again after the outage");
    let billing_in_outage = evs.iter().filter(|e| {
        e.name == "reservation.accepted"
            && e.queue.as_deref() == Some("billing")
            && (54_000.0..57_600.0).contains(&e.time)
    });
    assert_eq!(billing_in_outage.count(), 0);
    let summary = summarize(&s);
    let dropped = &summary.faults.as_ref().unwrap()[FaultKpi::DroppedInOutage];
    assert!(dropped.mean.unwrap() > 5.0, "{dropped:?}");
    // Every conversation lost in the outage counts as a disconnect drop too.
    let dd = summary.overall.kpis[Kpi::DisconnectDropped].mean.unwrap();
    assert_eq!(dd, dropped.mean.unwrap());
}

/// Call backs reach the customer with probability 0.6, with 2 retries: a
/// call back fails with probability 0.4³; 40% of attempts do not reach;
/// every call back accepted is worked or fails.
#[test]
fn unreached_call_backs_are_retried_then_given_up() {
    let text = r#"name = "callbacks"
[simulation]
horizon = "12h"
warmup = "1h"
replications = 20
seed = 3
interval = "1h"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "300/h"
handle_time = { dist = "exponential", mean = "240s" }
patience = { dist = "exponential", mean = "300s" }
[[agents]]
group = "agents"
count = 20
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
[workflow.callback]
after = "60s"
probability = 0.5
queue = "q"
[faults.callbacks]
reach = 0.6
retries = 2
retry_after = { dist = "exponential", mean = "10m" }
"#;
    let s = load("callbacks", text);
    let results: Vec<_> = (0..s.sim.replications)
        .map(|r| ccsim::engine::run(&s, s.sim.seed, r))
        .collect();
    for r in &results {
        let o = &r.overall;
        assert_eq!(
            o[Kpi::Callback],
            o[Kpi::CallbacksWorked] + r.faults[FaultKpi::CallbacksFailed],
            "a call back is worked or given up"
        );
    }
    let summary = ccsim::summary::summarize(&s, s.sim.seed, &results);
    let f = summary.faults.as_ref().unwrap();
    let accepted = summary.overall.kpis[Kpi::Callback].mean.unwrap();
    assert_within(
        "failed",
        &f[FaultKpi::CallbacksFailed],
        accepted * 0.4f64.powi(3),
    );
    let attempts = f[FaultKpi::CallbackAttempts].mean.unwrap();
    assert_within("unreached", &f[FaultKpi::CallbackUnreached], attempts * 0.4);
    // Attempts per call back: 1 + 0.4 + 0.4².
    assert_within(
        "attempts",
        &f[FaultKpi::CallbackAttempts],
        accepted * (1.0 + 0.4 + 0.16),
    );
}

/// Bad `[faults]` input is an error at its position, saying how to fix it.
#[test]
fn fault_errors_name_the_value_and_the_fix() {
    let bad = [
        (
            "[faults.lookup]\ndelay = { dist = \"deterministic\", mean = \"1s\" }\nfailure = 1.5\n",
            "`failure` is a probability between 0 and 1",
        ),
        (
            "[faults.lookup]\ndelay = { dist = \"deterministic\", mean = \"1s\" }\non_failure = \"queue\"\n",
            "needs `queue = \"NAME\"`",
        ),
        (
            "[faults.lookup]\ndelay = { dist = \"deterministic\", mean = \"1s\" }\non_failure = \"dorp\"\n",
            "did you mean \"drop\"",
        ),
        (
            "[faults.lookup]\ndelay = { dist = \"deterministic\", mean = \"1s\" }\nqueue = \"nope\"\n",
            "unknown queue \"nope\"",
        ),
        (
            "[[faults.outages]]\nchannel = \"voice\"\nqueue = \"q\"\nfrom = \"1h\"\nto = \"2h\"\n",
            "exactly one of `channel`, `queue` or `group`",
        ),
        (
            "[[faults.outages]]\nchannel = \"voice\"\nfrom = \"2h\"\nto = \"1h\"\n",
            "must be after its `from`",
        ),
        (
            "[[faults.outages]]\ngroup = \"agnets\"\nfrom = \"1h\"\nto = \"2h\"\n",
            "did you mean \"agents\"",
        ),
        ("[faults.callbacks]\nreach = 0\n", "`reach = 0`"),
    ];
    for (faults, want) in bad {
        let text = erlang_a(faults, 2);
        let err = ccsim::scenario::load_str(std::path::Path::new("f.toml"), &text)
            .err()
            .unwrap_or_else(|| panic!("accepted: {faults}"))
            .to_string();
        assert!(err.contains(want), "{faults}: {err}");
        // At a line of the `[faults]` part, after `default_filter`.
        let start = text
            .lines()
            .position(|l| l.starts_with("default_filter"))
            .expect("in the template") as u32
            + 1;
        let line: u32 = err
            .split("f.toml:")
            .nth(1)
            .and_then(|x| x.split(':').next())
            .and_then(|x| x.parse().ok())
            .unwrap_or_else(|| panic!("no position: {err}"));
        assert!(line > start, "{faults}: {err}");
    }
}

/// Status lag, worked by hand. One agent takes a break 01:00–01:10; the
/// router learns of each activity change 60 s late, and an offer times out
/// after 20 s. A call at 01:00:30 is offered to the agent, who has gone:
/// the offer times out at 01:00:50 (the agent moves to the timeout
/// activity, back 30 s later, still on break). The break ends at 01:10:00,
/// the router learns it at 01:11:00, and the call is answered then: after
/// 630 s, against 570 s without the lag.
#[test]
fn status_lag_offers_work_to_a_worker_who_has_gone() {
    let text = |lag: &str| {
        format!(
            r#"name = "status-lag"
[simulation]
horizon = "2h"
interval = "1h"
replications = 1
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
handle_time = {{ dist = "deterministic", mean = "60s" }}
[[agents]]
group = "solo"
count = 1
breaks = [{{ start = "01:00", duration = "10m" }}]
reservations = {{ return_after_timeout = {{ dist = "deterministic", mean = "30s" }} }}
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
task_reservation_timeout = "20s"
default_filter = {{ queue = "q" }}
{lag}"#
        )
    };
    let (_, without) = super::run_trace("lag-off", "3630,voice,,,\n", &text(""));
    assert_eq!(without.overall[Kpi::WaitMax], 570.0);
    let (s, with) = super::run_trace(
        "lag-on",
        "3630,voice,,,\n",
        &text("[faults.status_lag]\ndelay = { dist = \"deterministic\", mean = \"60s\" }\n"),
    );
    assert_eq!(with.overall[Kpi::WaitMax], 630.0);
    assert_eq!(with.faults[FaultKpi::StatusLagOffers], 1.0);
    assert_eq!(
        with.faults[FaultKpi::StatusLagChanges],
        2.0,
        "break start and end"
    );
    let evs = events(&s);
    let timeout = evs
        .iter()
        .find(|e| e.name == "reservation.timeout")
        .expect("the offer to the absent agent times out");
    assert_eq!(timeout.time, 3650.0);
}

/// With status lag on every change of a busy floor, offers to agents who
/// have gone time out, and the wait grows against the same customers
/// without the lag.
#[test]
fn status_lag_storm_costs_service() {
    let text = |lag: &str| {
        format!(
            r#"name = "lag-storm"
[simulation]
horizon = "10h"
warmup = "1h"
replications = 6
seed = 9
interval = "1h"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "300/h"
handle_time = {{ dist = "exponential", mean = "3m" }}
patience = {{ dist = "exponential", mean = "5m" }}
[[agents]]
group = "floor"
count = 18
breaks = [{{ start = "03:00", duration = "15m" }}, {{ start = "06:00", duration = "15m" }}]
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
task_reservation_timeout = "15s"
default_filter = {{ queue = "q" }}
{lag}"#
        )
    };
    let base = summarize(&load("storm-off", &text("")));
    let lagged = summarize(&load(
        "storm-on",
        &text("[faults.status_lag]\ndelay = { dist = \"exponential\", mean = \"2m\" }\n"),
    ));
    let f = lagged.faults.as_ref().unwrap();
    assert!(f[FaultKpi::StatusLagOffers].mean.unwrap() > 0.0);
    assert_eq!(
        base.overall.kpis[Kpi::Offered],
        lagged.overall.kpis[Kpi::Offered]
    );
    let asa = |s: &Summary| s.overall.kpis[Kpi::Asa].mean.unwrap();
    assert!(
        asa(&lagged) > asa(&base),
        "{} vs {}",
        asa(&lagged),
        asa(&base)
    );
}

/// Duplicates that cancel each other, in one FIFO queue with instant
/// answers: the original is always ahead of its copy, so the copy is
/// canceled as soon as the original is answered or leaves. The customers
/// see nothing: every KPI equals the run without duplicates, and every
/// duplicate is canceled.
#[test]
fn duplicates_that_cancel_are_harmless_in_one_fifo_queue() {
    let base = summarize(&load("dup-base", &erlang_a("", 6)));
    let dup = summarize(&load(
        "dup-cancel",
        &erlang_a("[faults.duplicates]\nprobability = 0.2\n", 6),
    ));
    for k in Kpi::ALL {
        assert_eq!(
            base.overall.kpis[k],
            dup.overall.kpis[k],
            "{} moved",
            k.name()
        );
    }
    let f = dup.faults.as_ref().unwrap();
    assert_eq!(f[FaultKpi::Duplicates], f[FaultKpi::DuplicatesCanceled]);
    assert_within(
        "duplicates",
        &f[FaultKpi::Duplicates],
        0.2 * dup.overall.kpis[Kpi::Offered].mean.unwrap(),
    );
}

/// Duplicates that are both worked, without abandonment (Erlang C load
/// 0.78 → 0.86 per agent): every duplicate takes an agent for a whole
/// talk, so the agents' occupancy is λ(1 + p)·AHT / c exactly, and the
/// wasted work is the duplicates times the mean talk.
#[test]
fn duplicates_that_are_worked_cost_their_talk_time() {
    let text = erlang_a(
        "[faults.duplicates]\nprobability = 0.1\nresolve = \"work\"\n",
        12,
    )
    .replace(
        "patience = { dist = \"exponential\", mean = \"120s\" }\n",
        "",
    )
    .replace("count = 26", "count = 28");
    let s = load("dup-work", &text);
    let summary = summarize(&s);
    let f = summary.faults.as_ref().unwrap();
    assert_within(
        "occupancy",
        &summary.groups[0].kpis[ccsim::metrics::GroupKpi::Occupancy],
        360.0 / 3600.0 * 1.1 * 240.0 / 28.0,
    );
    assert_within(
        "wasted work",
        &f[FaultKpi::DuplicateWork],
        f[FaultKpi::Duplicates].mean.unwrap() * 240.0,
    );
    assert_eq!(f[FaultKpi::DuplicatesCanceled].mean, Some(0.0));
    // Nobody's outcome: the customers are those of the run without them.
    let base = summarize(&load(
        "dup-work-base",
        &erlang_a("", 12)
            .replace(
                "patience = { dist = \"exponential\", mean = \"120s\" }\n",
                "",
            )
            .replace("count = 26", "count = 28"),
    ));
    assert_eq!(
        base.overall.kpis[Kpi::Offered],
        summary.overall.kpis[Kpi::Offered]
    );
    let asa = |s: &Summary| s.overall.kpis[Kpi::Asa].mean.unwrap();
    assert!(
        asa(&summary) > asa(&base),
        "the wasted work makes customers wait"
    );
}

/// `ccsim validate` lists what `[faults]` injects.
#[test]
fn validate_lists_the_faults() {
    let out = super::ccsim_ok(
        &[
            "validate",
            super::scenario("qa/chat-outage.toml").to_str().unwrap(),
        ],
        &[],
    );
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains(
            "faults (docs/faults.md):\n  outage           channel chat down from 10h to 11h"
        ),
        "{text}"
    );
}
