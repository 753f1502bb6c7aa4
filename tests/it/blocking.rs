//! Blocking: line limits and queue capacities against the exact loss and
//! finite-queue models (Erlang B, M/M/c/K with and without abandonment),
//! and a traced story of one busy signal and its redial.

use crate::{assert_within, run_trace};
use ccsim::erlang::erlang_b;
use ccsim::metrics::{BlockKpi, Kpi, ReplicationResult};
use ccsim::replications;
use ccsim::scenario::{Scenario, load_str};
use ccsim::summary::Summary;
use std::path::Path;

/// A single-queue center: `rate` per hour, exponential 240 s talk, `agents`
/// agents, optional patience; `channel` and `queue` add keys to the
/// channel and the queue.
fn center(rate: f64, agents: u32, patience: Option<f64>, channel: &str, queue: &str) -> Scenario {
    let patience = patience.map_or(String::new(), |p| {
        format!("patience = {{ dist = \"exponential\", mean = \"{p}s\" }}")
    });
    let text = format!(
        r#"name = "blocking"
[simulation]
horizon = "201h"
warmup = "1h"
interval = "200h"
replications = 20
seed = 31
[[channels]]
name = "voice"
{channel}
[[arrivals]]
name = "calls"
channel = "voice"
rate = "{rate}/h"
handle_time = {{ dist = "exponential", mean = "240s" }}
{patience}
[[agents]]
group = "agents"
count = {agents}
[[queues]]
name = "q"
target_workers = "1==1"
{queue}
[workflow]
default_filter = {{ queue = "q" }}
"#
    );
    load_str(Path::new("blocking.toml"), &text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn summary(s: &Scenario) -> Summary {
    replications::run(s, s.sim.seed, s.sim.replications, &|_| {})
}

/// M/M/c/K+M as a birth–death chain: c agents, at most `room` waiting,
/// arrivals λ, service μ, abandonment θ per waiting customer. Returns
/// (blocking probability, mean number waiting, accepted rate).
fn finite_queue(lambda: f64, mu: f64, theta: f64, c: u32, room: u32) -> (f64, f64, f64) {
    let n = (c + room) as usize;
    let mut p = vec![1.0f64; n + 1];
    for k in 1..=n {
        let servers = (k as u32).min(c);
        let waiting = k as f64 - f64::from(servers);
        p[k] = p[k - 1] * lambda / (f64::from(servers) * mu + waiting * theta);
    }
    let total: f64 = p.iter().sum();
    let p: Vec<f64> = p.iter().map(|x| x / total).collect();
    let lq: f64 = p
        .iter()
        .enumerate()
        .map(|(k, x)| (k as f64 - f64::from(c)).max(0.0) * x)
        .sum();
    (p[n], lq, lambda * (1.0 - p[n]))
}

/// Ten lines and ten agents: a loss system, so the share blocked is
/// Erlang B. A queue with no waiting room (`max_waiting = 0`) is the same
/// system by another road, and blocks exactly the same contacts.
#[test]
fn ten_lines_block_as_erlang_b() {
    let (rate, c) = (120.0, 10);
    let lines = summary(&center(rate, c, None, "lines = 10", ""));
    let b = lines.blocking.as_ref().expect("blocking results");
    assert_within(
        "Erlang B, lines",
        &b[BlockKpi::BlockingProbability],
        erlang_b(rate * 240.0 / 3600.0, c),
    );
    assert_eq!(lines.overall.kpis[Kpi::Abandoned].mean, Some(0.0));
    let room = summary(&center(rate, c, None, "", "max_waiting = 0"));
    let r = room.blocking.as_ref().expect("blocking results");
    assert_eq!(b[BlockKpi::Blocked].mean, r[BlockKpi::Blocked].mean);
    assert_eq!(
        r[BlockKpi::BlockedQueueFull].mean,
        r[BlockKpi::Blocked].mean
    );
    assert_eq!(b[BlockKpi::BlockedLines].mean, b[BlockKpi::Blocked].mean);
    // offered = answered + blocked, contact by contact.
    let k = &lines.overall.kpis;
    let (o, a, x) = (
        k[Kpi::Offered].mean.unwrap(),
        k[Kpi::Answered].mean.unwrap(),
        b[BlockKpi::Blocked].mean.unwrap(),
    );
    assert!(
        (o - a - x).abs() < 1e-6,
        "offered {o} ≠ answered {a} + blocked {x}"
    );
}

/// Five agents and room for five waiting (M/M/5/10): blocking and the mean
/// wait of the answered (every accepted contact is answered) are exact.
#[test]
fn a_full_queue_blocks_as_m_m_c_k() {
    let (rate, c, room) = (70.0, 5, 5);
    let s = summary(&center(rate, c, None, "", "max_waiting = 5"));
    let (pb, lq, accepted) = finite_queue(rate / 3600.0, 1.0 / 240.0, 0.0, c, room);
    let b = s.blocking.as_ref().expect("blocking results");
    assert_within("M/M/5/10 blocking", &b[BlockKpi::BlockingProbability], pb);
    assert_within("M/M/5/10 ASA (s)", &s.overall.kpis[Kpi::Asa], lq / accepted);
}

/// The same with impatient customers (M/M/5/10+M): blocking, and the share
/// of accepted contacts that abandon, θ·Lq ÷ accepted rate.
#[test]
fn a_full_queue_with_abandonment_matches_its_chain() {
    let (rate, c, room, patience) = (80.0, 5, 5, 120.0);
    let s = summary(&center(rate, c, Some(patience), "", "max_waiting = 5"));
    let (pb, lq, accepted) = finite_queue(rate / 3600.0, 1.0 / 240.0, 1.0 / patience, c, room);
    let b = s.blocking.as_ref().expect("blocking results");
    assert_within("M/M/5/10+M blocking", &b[BlockKpi::BlockingProbability], pb);
    assert_within(
        "M/M/5/10+M abandon rate",
        &s.overall.kpis[Kpi::AbandonRate],
        lq / patience / accepted,
    );
}

/// Two lines and one agent; the trace `rows` call in, and whoever abandons
/// or is blocked redials after `delay`.
fn two_lines(tag: &str, rows: &str, delay: &str) -> ReplicationResult {
    let text = format!(
        r#"name = "story"
[simulation]
horizon = "1h"
interval = "1h"
[[channels]]
name = "voice"
lines = 2
[[arrivals]]
name = "calls"
trace = "calls.csv"
redial = {{ probability = 1, delay = {{ dist = "deterministic", mean = "{delay}" }} }}
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
    run_trace(tag, rows, &text).1
}

/// Two lines, one agent, 100 s calls: the third caller (t = 2 s) finds both
/// lines taken (one talking, one waiting) and hears a busy signal. She
/// redials 150 s later, gets the line the first call freed at 100 s, and
/// is answered when the second call ends.
#[test]
fn a_busy_signal_then_a_redial_that_gets_through() {
    let r = two_lines(
        "busy-story",
        "0,voice,100,,\n1,voice,100,,\n2,voice,100,,\n",
        "150s",
    );
    // Caller 3 is blocked at 2 s; her redial at 152 s finds the first call
    // gone (ended at 100 s) and one line free: she waits behind caller 2
    // (answered at 100 s, done at 200 s) and is answered at 200 s.
    assert_eq!(r.blocking[BlockKpi::Blocked], 1.0);
    assert_eq!(r.overall[Kpi::Offered], 4.0);
    assert_eq!(r.overall[Kpi::Answered], 3.0);
    assert_eq!(r.overall[Kpi::Redials], 1.0);
    assert_eq!(r.overall[Kpi::WaitMax], 99.0);
}

/// A caller who hangs up frees her line while she waits to redial: with two
/// lines, caller 2 abandons at 11 s and caller 3 (20 s) gets her line.
#[test]
fn an_abandoning_caller_frees_her_line_before_redialling() {
    let r = two_lines(
        "busy-abandon",
        "0,voice,100,,\n1,voice,100,10,\n20,voice,50,,\n",
        "500s",
    );
    assert_eq!(r.blocking[BlockKpi::Blocked], 0.0);
    assert_eq!(r.overall[Kpi::Offered], 4.0);
    assert_eq!(r.overall[Kpi::Answered], 3.0);
    assert_eq!(r.overall[Kpi::Abandoned], 1.0);
    // Caller 3 waited from 20 s to the end of the first call at 100 s.
    assert_eq!(r.overall[Kpi::WaitMax], 80.0);
}

/// One line; a 100 s call with 50 s of wrap-up, then a caller at 120 s.
/// The line is free after talk unless the channel keeps it through
/// wrap-up; the source's number limits the same way as the channel.
#[test]
fn wrap_up_keeps_the_line_only_when_asked() {
    let run = |channel: &str, source: &str| {
        let text = format!(
            r#"name = "story"
[simulation]
horizon = "1h"
interval = "1h"
[[channels]]
name = "voice"
wrapup = {{ dist = "deterministic", mean = "50s" }}
{channel}
[[arrivals]]
name = "calls"
trace = "calls.csv"
{source}
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
        run_trace("busy-wrap", "0,voice,100,,\n120,voice,10,,\n", &text).1
    };
    let freed = run("lines = 1", "");
    assert_eq!(freed.blocking[BlockKpi::Blocked], 0.0);
    assert_eq!(freed.overall[Kpi::WaitMax], 30.0); // waits for the wrap-up to end
    let kept = run("lines = 1\nlines_include_wrapup = true", "");
    assert_eq!(kept.blocking[BlockKpi::BlockedLines], 1.0);
    assert_eq!(kept.overall[Kpi::Answered], 1.0);
    let number = run("", "lines = 1");
    assert_eq!(number.blocking[BlockKpi::Blocked], 0.0);
    assert_eq!(number.overall[Kpi::WaitMax], 30.0);
}
