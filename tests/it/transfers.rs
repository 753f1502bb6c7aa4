//! Transfers after the first leg's talk: cold, warm, dropped, abandoned on hold.

use ccsim::metrics::{GroupKpi, Kpi, ReplicationResult, StepKpi};

/// Agent a serves queue "first", agent b queue "second". Rows route by the
/// attribute `to`; calls answered in "first" are transferred to "second".
fn run(tag: &str, rows: &str, transfer: &str) -> ReplicationResult {
    run_with(tag, rows, transfer).1
}

fn run_with(
    tag: &str,
    rows: &str,
    transfer: &str,
) -> (ccsim::scenario::Scenario, ReplicationResult) {
    let text = format!(
        r#"name = "{tag}"
[simulation]
horizon = "1h"
interval = "1h"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
handle_time = {{ dist = "deterministic", mean = "60s" }}
[[agents]]
group = "a"
count = 1
attributes = {{ skills = ["first"] }}
[[agents]]
group = "b"
count = 1
attributes = {{ skills = ["second"] }}
[[queues]]
name = "first"
target_workers = 'skills HAS "first"'
transfer = {transfer}
[[queues]]
name = "second"
target_workers = 'skills HAS "second"'
[[workflow.filters]]
expression = 'to == "second"'
targets = [{{ queue = "second" }}]
[workflow]
default_filter = {{ queue = "first" }}
"#
    );
    super::run_trace(&format!("tr-{tag}"), rows, &text)
}

/// Busy seconds of a group in the 1 h window (occupancy × logged-in time).
fn busy_s(r: &ReplicationResult, g: usize) -> f64 {
    r.groups[g][GroupKpi::Occupancy] * r.groups[g][GroupKpi::LoggedInHours] * 3600.0
}

/// Cold: a talks 0–60 s, the second leg (30 s) is answered by b at 60 s; a is
/// free at 60 s. The contact counts once, as answered.
#[test]
fn cold_transfer() {
    let (s, r) = run_with(
        "cold",
        "0,voice,,,\n",
        r#"{ probability = 1.0, to = "second", handle_time = { dist = "deterministic", mean = "30s" } }"#,
    );
    assert_eq!(
        (r.overall[Kpi::Offered], r.overall[Kpi::Answered]),
        (1.0, 1.0)
    );
    // The second leg's step and b's reservation are reported like any work.
    let leg = s
        .workflow
        .steps
        .iter()
        .position(|st| st.label == "transfer to second")
        .unwrap();
    assert_eq!(
        (
            r.steps[leg][StepKpi::Entered],
            r.steps[leg][StepKpi::Answered]
        ),
        (1.0, 1.0)
    );
    assert_eq!(
        (
            r.groups[1][GroupKpi::ReservationsCreated],
            r.groups[1][GroupKpi::ReservationsAccepted]
        ),
        (1.0, 1.0),
        "b: reservation created and accepted"
    );
    assert_eq!(
        (
            r.overall[Kpi::Transfers],
            r.overall[Kpi::TransfersAnswered],
            r.overall[Kpi::TransferWait]
        ),
        (1.0, 1.0, 0.0)
    );
    assert!((busy_s(&r, 0) - 60.0).abs() < 1e-6, "a: {}", busy_s(&r, 0));
    assert!((busy_s(&r, 1) - 30.0).abs() < 1e-6, "b: {}", busy_s(&r, 1));
}

/// Warm: b is busy with its own call until 100 s, so the leg waits 40 s and a
/// stays engaged until b answers at 100 s.
#[test]
fn warm_transfer_holds_the_first_agent() {
    let rows = "0,voice,,,\n0,voice,100,,{\"to\":\"second\"}\n";
    let t = r#"{ probability = 1.0, to = "second", kind = "warm", handle_time = { dist = "deterministic", mean = "30s" } }"#;
    let r = run("warm", rows, t);
    assert_eq!(
        (
            r.overall[Kpi::TransfersAnswered],
            r.overall[Kpi::TransferWait]
        ),
        (1.0, 40.0)
    );
    assert!(
        (busy_s(&r, 0) - 100.0).abs() < 1e-6,
        "a held until 100 s: {}",
        busy_s(&r, 0)
    );
    let cold = run("warm-vs-cold", rows, &t.replace("warm", "cold"));
    assert!(
        (busy_s(&cold, 0) - 60.0).abs() < 1e-6,
        "cold: a free at 60 s: {}",
        busy_s(&cold, 0)
    );
}

#[test]
fn dropped_transfer() {
    let r = run(
        "drop",
        "0,voice,,,\n",
        r#"{ probability = 1.0, to = "second", drop_probability = 1.0 }"#,
    );
    assert_eq!(
        (
            r.overall[Kpi::Transfers],
            r.overall[Kpi::TransfersDropped],
            r.overall[Kpi::TransfersAnswered]
        ),
        (1.0, 1.0, 0.0)
    );
    assert_eq!(busy_s(&r, 1), 0.0);
}

/// The customer on hold for the second leg keeps their patience (20 s): b is
/// busy until 100 s, so the leg is abandoned at 80 s and the warm first agent
/// is released then.
#[test]
fn abandoned_on_hold() {
    let rows = "0,voice,,20,\n0,voice,100,,{\"to\":\"second\"}\n";
    let r = run(
        "hold-abandon",
        rows,
        r#"{ probability = 1.0, to = "second", kind = "warm" }"#,
    );
    assert_eq!(
        (
            r.overall[Kpi::TransfersAbandoned],
            r.overall[Kpi::TransfersAnswered]
        ),
        (1.0, 0.0)
    );
    assert!((busy_s(&r, 0) - 80.0).abs() < 1e-6, "{}", busy_s(&r, 0));
    assert_eq!(
        r.overall[Kpi::Abandoned],
        0.0,
        "the contact itself was answered"
    );
}

/// Transfers to a workflow *filter*: every call answered by tier 1 is cold
/// transferred into the filter "escalate" (entered whatever its expression):
/// tier 2 for 20 s, then tier 3. Tier 2 works only from 00:30, so the leg of
/// the call at 0 times out there and tier 3 answers it 20 s after the
/// transfer; the call at 00:40 is answered by tier 2 at once. Without a
/// later target (the second scenario) the leg fails: a dropped transfer.
#[test]
fn transfer_to_a_filter_walks_its_targets() {
    let scenario = |tag: &str, targets: &str| {
        let text = format!(
            r#"name = "{tag}"
[simulation]
horizon = "1h"
interval = "1h"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
handle_time = {{ dist = "deterministic", mean = "60s" }}
[[agents]]
group = "t1"
count = 1
attributes = {{ tier = 1 }}
[[agents]]
group = "t2"
count = 1
attributes = {{ tier = 2 }}
shifts = [{{ start = "00:30", end = "23:00" }}]
[[agents]]
group = "t3"
count = 1
attributes = {{ tier = 3 }}
[[queues]]
name = "tier1"
target_workers = "tier == 1"
transfer = {{ probability = 1.0, filter = "escalate" }}
[[queues]]
name = "tier2"
target_workers = "tier == 2"
[[queues]]
name = "tier3"
target_workers = "tier == 3"
[[workflow.filters]]
name = "escalate"
expression = 'kind == "transfer"'
targets = [{targets}]
[workflow]
default_filter = {{ queue = "tier1" }}
"#
        );
        let (s, r) = super::run_trace(&format!("tr-{tag}"), "0,voice,,,\n2400,voice,,,\n", &text);
        (s, r)
    };
    let (s, r) = scenario(
        "filter",
        r#"{ queue = "tier2", timeout = "20s" }, { queue = "tier3" }"#,
    );
    assert_eq!(r.overall[Kpi::Transfers], 2.0);
    assert_eq!(r.overall[Kpi::TransfersAnswered], 2.0);
    assert_eq!(r.overall[Kpi::TransferWait], 10.0); // (20 + 0) / 2
    let step = |label: &str, what: StepKpi| {
        let i = s
            .workflow
            .steps
            .iter()
            .position(|x| x.label == label)
            .unwrap();
        r.steps[i][what]
    };
    assert_eq!(step("escalate #1", StepKpi::Entered), 2.0);
    assert_eq!(step("escalate #1", StepKpi::TimedOut), 1.0);
    assert_eq!(step("escalate #1", StepKpi::Answered), 1.0);
    assert_eq!(step("escalate #2", StepKpi::Answered), 1.0);

    let (_, r) = scenario("filter-fails", r#"{ queue = "tier2", timeout = "20s" }"#);
    assert_eq!(r.overall[Kpi::Transfers], 2.0);
    assert_eq!(r.overall[Kpi::TransfersAnswered], 1.0);
    assert_eq!(r.overall[Kpi::TransfersDropped], 1.0);
    // The contact itself was answered in tier 1 either way.
    assert_eq!(r.overall[Kpi::Answered], 2.0);
}
