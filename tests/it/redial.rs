//! Redials that keep the caller: her patience carries over (or a share of
//! it, as she tires), and the redial may get a priority of its own. Traced
//! stories with one agent whose first call keeps him busy.

use crate::run_trace;
use ccsim::metrics::{Kpi, ReplicationResult};

/// One agent; a 200 s call at 0, then a caller at 1 s with 10 s of
/// patience who redials 100 s after hanging up, with `redial` extra keys.
/// `tag` names the run's folder (tests run in parallel).
fn tiring(tag: &str, extra: &str) -> ReplicationResult {
    let text = format!(
        r#"name = "redial"
[simulation]
horizon = "1h"
interval = "1h"
short_abandon_threshold = "7s"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
redial = {{ probability = 1, delay = {{ dist = "deterministic", mean = "100s" }}{extra} }}
[[agents]]
group = "a"
count = 1
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = {{ queue = "q" }}
"#
    );
    run_trace(tag, "0,voice,200,,\n1,voice,50,10,\n", &text).1
}

/// With half her patience kept, the caller hangs up at 11 s (waited 10 s),
/// redials at 111 s with 5 s of patience, hangs up at 116 s (a short
/// abandon, under 7 s), and is answered on her third try at 216 s.
#[test]
fn a_tiring_caller_keeps_half_her_patience() {
    let r = tiring("redial-half", ", keep_patience = 0.5");
    assert_eq!(r.overall[Kpi::Offered], 4.0);
    assert_eq!(r.overall[Kpi::Abandoned], 2.0);
    assert_eq!(r.overall[Kpi::ShortAbandoned], 1.0);
    assert_eq!(r.overall[Kpi::Redials], 2.0);
    assert_eq!(r.overall[Kpi::Answered], 2.0);
    assert_eq!(r.overall[Kpi::WaitMax], 0.0);
}

/// Keeping all of it, her second try also waits 10 s (111 → 121 s) and her
/// third (221 s) is answered at once; a fresh draw from a source with no
/// patience would instead wait on from 111 s to 200 s.
#[test]
fn a_caller_keeps_her_patience_or_draws_anew() {
    let kept = tiring("redial-whole", ", keep_patience = 1");
    assert_eq!(kept.overall[Kpi::Abandoned], 2.0);
    assert_eq!(kept.overall[Kpi::ShortAbandoned], 0.0);
    assert_eq!(kept.overall[Kpi::Answered], 2.0);
    let fresh = tiring("redial-fresh", "");
    assert_eq!(fresh.overall[Kpi::Abandoned], 1.0);
    assert_eq!(fresh.overall[Kpi::Answered], 2.0);
    assert_eq!(fresh.overall[Kpi::WaitMax], 89.0);
}

/// A redial with priority 10 goes ahead of an older caller: the agent,
/// free at 300 s, takes the redial (created at 71 s) before the caller
/// waiting since 30 s, who then waits until 350 s.
#[test]
fn a_redial_can_jump_the_queue() {
    let run = |extra: &str| {
        let text = format!(
            r#"name = "redial"
[simulation]
horizon = "1h"
interval = "1h"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
redial = {{ probability = 1, delay = {{ dist = "deterministic", mean = "60s" }}, keep_patience = 100{extra} }}
[[agents]]
group = "a"
count = 1
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = {{ queue = "q" }}
"#
        );
        run_trace(
            "redial-priority",
            "0,voice,300,,\n1,voice,50,10,\n30,voice,50,,\n",
            &text,
        )
        .1
    };
    assert_eq!(run(", priority = 10").overall[Kpi::WaitMax], 320.0);
    assert_eq!(run("").overall[Kpi::WaitMax], 279.0);
}

/// A redial may come back with other attributes: here `retry = true`,
/// which the workflow sends to a queue of its own, served by a second
/// agent. The caller abandons the main queue at 11 s, redials at 111 s as
/// a retry, and the retry desk answers her at once; her redial of a redial
/// would keep the retry attributes.
#[test]
fn a_redial_can_come_back_with_other_attributes() {
    let text = r#"name = "redial"
[simulation]
horizon = "1h"
interval = "1h"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
redial = { probability = 1, delay = { dist = "deterministic", mean = "100s" }, attributes = { retry = true } }
[[agents]]
group = "desk"
count = 1
attributes = { team = "main" }
[[agents]]
group = "retry-desk"
count = 1
attributes = { team = "retry" }
[[queues]]
name = "main"
target_workers = 'team == "main"'
[[queues]]
name = "retries"
target_workers = 'team == "retry"'
[[workflow.filters]]
name = "retries"
expression = "retry == true"
targets = [{ queue = "retries" }]
[workflow]
default_filter = { queue = "main" }
"#;
    let (s, r) = run_trace("redial-attributes", "0,voice,200,,\n1,voice,50,10,\n", text);
    let main = s.queues.iter().position(|q| q.name == "main").unwrap();
    let retries = s.queues.iter().position(|q| q.name == "retries").unwrap();
    assert_eq!(r.queues[main][Kpi::Offered], 2.0);
    assert_eq!(r.queues[main][Kpi::Abandoned], 1.0);
    assert_eq!(r.queues[retries][Kpi::Offered], 1.0);
    assert_eq!(r.queues[retries][Kpi::Redials], 1.0);
    assert_eq!(r.queues[retries][Kpi::Answered], 1.0);
    assert_eq!(r.queues[retries][Kpi::WaitMax], 0.0);
}
