//! Shifts with breaks, and random absences (shrinkage).

use ccsim::metrics::{GroupKpi, Kpi, StepKpi};
use ccsim::scenario::load_str;

fn scenario(tag: &str, rows: &str, agents: &str, reps: u32) -> ccsim::scenario::Scenario {
    let text = format!(
        r#"name = "{tag}"
[simulation]
horizon = "1d"
interval = "1d"
replications = {reps}
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
handle_time = {{ dist = "deterministic", mean = "60s" }}
{agents}
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = {{ queue = "q" }}
"#
    );
    super::load_trace(&format!("wk-{tag}"), rows, &text)
}

/// One agent 08:00–18:00 with a break 12:00–12:30. A call at 11:59 (2 min)
/// is finished during the break; a call at 12:10 waits until 12:30 (1200 s).
/// Logged-in time excludes the break except the minute spent finishing.
#[test]
fn breaks_stop_new_work_but_not_current_work() {
    let s = scenario(
        "breaks",
        "43140,voice,120,,\n43800,voice,,,\n",
        "[[agents]]\ngroup = \"a\"\ncount = 1\nshifts = [{ start = \"08:00\", end = \"18:00\" }]\nbreaks = [{ start = \"12:00\", duration = \"30m\" }]",
        1,
    );
    let r = ccsim::engine::run(&s, 1, 0);
    let k = &r.overall;
    assert_eq!(k[Kpi::Answered], 2.0);
    assert_eq!(k[Kpi::WaitMax], 1200.0);
    let logged_in_h = r.groups[0][GroupKpi::LoggedInHours];
    assert!(
        (logged_in_h - (36_000.0 - 1_800.0 + 60.0) / 3600.0).abs() < 1e-9,
        "{logged_in_h}"
    );
}

/// Shrinkage: 100 agents on an 8 h shift, each absent with probability 0.2:
/// logged-in hours are 0.8 × 100 × 8 = 640 on average; the replications'
/// 99.9% band must contain it.
#[test]
fn absence_removes_the_expected_share_of_agents() {
    let s = scenario(
        "absence",
        "0,voice,,,\n",
        "[[agents]]\ngroup = \"a\"\ncount = 100\nabsence = 0.2\nshifts = [{ start = \"08:00\", end = \"16:00\" }]",
        40,
    );
    let summary = ccsim::replications::run(&s, 3, 40, &|_| {});
    let e = &summary.groups[0].kpis[GroupKpi::LoggedInHours];
    super::assert_within("logged-in hours", e, 640.0);
    // Binomial spread: sd of a replication is 8 h × sqrt(100 × 0.2 × 0.8) = 32 h.
    let sd = e.sd.unwrap();
    assert!((20.0..45.0).contains(&sd), "sd {sd}");
}

/// Activities (docs/routing.md, "Activities"): group `a` (two agents, 08:00–18:00)
/// spends 12:00–13:00 in the unavailable activity "Training"; group `b`
/// (one agent, always on) spends 12:00–13:00 in "Backoffice", which is
/// available. The first target skips while every member of `q` is in
/// Training (`workers.Training == 2`) and its tasks then go to `q2`, whose
/// step takes only workers whose activity is Backoffice. A call at 10:00 is
/// answered in `q`; one at 12:10 skips to `q2` and is answered at once by
/// the agent in Backoffice; the activity hours add up to 24 h per agent.
#[test]
fn user_defined_activities_gate_work_and_feed_skip_if() {
    let text = r#"name = "activities"
[simulation]
horizon = "1d"
interval = "1d"
replications = 1
[[channels]]
name = "voice"
[[activities]]
name = "Training"
available = false
[[activities]]
name = "Backoffice"
available = true
sid = "WA0001"
[[arrivals]]
name = "calls"
trace = "calls.csv"
handle_time = { dist = "deterministic", mean = "60s" }
[[agents]]
group = "a"
count = 2
attributes = { team = "a" }
shifts = [{ start = "08:00", end = "18:00" }]
breaks = [{ start = "12:00", duration = "1h", activity = "Training" }]
[[agents]]
group = "b"
count = 1
attributes = { team = "b" }
breaks = [{ start = "12:00", duration = "1h", activity = "Backoffice" }]
[[queues]]
name = "q"
target_workers = 'team == "a"'
[[queues]]
name = "q2"
target_workers = 'team == "b"'
[[workflow.filters]]
expression = "1==1"
targets = [
  { queue = "q", skip_if = "workers.Training == 2" },
  { queue = "q2", expression = 'worker.activity_name == "Backoffice"' },
]
"#;
    let (s, r) = super::run_trace("wk-activities", "36000,voice,,,\n43800,voice,,,\n", text);
    assert_eq!(r.queues[0][Kpi::Answered], 1.0);
    assert_eq!(r.queues[1][Kpi::Answered], 1.0);
    assert_eq!(r.overall[Kpi::WaitMax], 0.0);
    assert_eq!(r.steps[0][StepKpi::Skipped], 1.0);
    let hours = |g: usize, a: &str| {
        r.activity_hours[g][s.activities.iter().position(|x| x.name == a).unwrap()]
    };
    let close = |x: f64, y: f64| (x - y).abs() < 1e-9;
    assert!(close(hours(0, "Available"), 18.0), "{:?}", r.activity_hours);
    assert!(close(hours(0, "Training"), 2.0));
    assert!(close(hours(0, "Offline"), 28.0));
    assert!(close(hours(1, "Available"), 23.0));
    assert!(close(hours(1, "Backoffice"), 1.0));
    // Logged-in time counts the available Backoffice hour, not Training.
    let logged_in = |g: usize| r.groups[g][GroupKpi::LoggedInHours];
    assert!(close(logged_in(0), 18.0) && close(logged_in(1), 24.0));
}

/// `[workspace] timeout_activity`: a missed offer moves the worker to the
/// named activity for `return_after_timeout` (60 s here), and that time is
/// reported under it. The call is answered by the other agent 10 s in.
#[test]
fn missed_offers_go_to_the_workspace_timeout_activity() {
    let text = r#"name = "timeout-activity"
[simulation]
horizon = "1h"
interval = "1h"
replications = 1
[workspace]
timeout_activity = "Missed"
[[activities]]
name = "Missed"
available = false
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
handle_time = { dist = "deterministic", mean = "60s" }
[[agents]]
group = "flaky"
count = 1
reservations = { no_answer_probability = 1.0, return_after_timeout = { dist = "deterministic", mean = "60s" } }
[[agents]]
group = "steady"
count = 1
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
task_reservation_timeout = "10s"
default_filter = { queue = "q" }
"#;
    let (s, r) = super::run_trace("wk-timeout-activity", "0,voice,,,\n", text);
    let missed = s
        .activities
        .iter()
        .position(|a| a.name == "Missed")
        .unwrap();
    assert!((r.activity_hours[0][missed] - 60.0 / 3600.0).abs() < 1e-12);
    assert!((r.activity_hours[0][0] - (3600.0 - 60.0) / 3600.0).abs() < 1e-12);
    let wait = r.overall[Kpi::WaitMax];
    assert_eq!(wait, 10.0);
}

/// Disconnects: 50 agents always on shift, each disconnecting at 1 per hour
/// on line and staying off for 6 minutes. A worker alternates exponential
/// on-line spells (mean 1 h) with 0.1 h off, so it disconnects 1/1.1 times
/// per hour: 10 h × 50 / 1.1 = 454.5 disconnects expected (the renewal
/// transient changes it by under 0.3). Offline time is 0.1 h per
/// disconnect, less what the horizon cuts off.
#[test]
fn disconnects_happen_at_the_per_worker_rate() {
    let s = scenario(
        "disconnect-rate",
        "0,voice,,,\n",
        "[[agents]]\ngroup = \"a\"\ncount = 50\ndisconnects = { rate = \"1/h\", duration = { dist = \"deterministic\", mean = \"6m\" } }",
        30,
    );
    let mut s = s;
    s.sim.horizon_s = 36_000.0;
    s.sim.interval_s = 36_000.0;
    let results = ccsim::replications::run_replications(&s, 5, 30, &|_| {});
    for r in &results {
        let (n, offline) = (r.groups[0][GroupKpi::Disconnects], r.activity_hours[0][3]);
        assert!(
            offline <= n * 0.1 + 1e-9 && offline >= (n - 50.0) * 0.1,
            "{n} disconnects, {offline} h offline"
        );
    }
    let summary = ccsim::summary::summarize(&s, 5, &results);
    let e = &summary.groups[0].kpis[GroupKpi::Disconnects];
    super::assert_within("disconnects", e, 454.5);
}

/// One agent with a voice call and a chat, both 600 s of talk, answered at
/// time 0. The agent disconnects after about a second (rate 1 per second)
/// and voice is a `drop` channel: the call is lost (answered, counted as
/// `disconnect_dropped`, AHT only the talk done — its 30 s wrap-up never
/// happens), while the chat goes on to its full 600 s.
#[test]
fn a_disconnect_drops_talk_on_drop_channels_only() {
    let text = r#"name = "drop"
[simulation]
horizon = "1h"
interval = "1h"
replications = 1
[[channels]]
name = "voice"
wrapup = { dist = "deterministic", mean = "30s" }
[[channels]]
name = "chat"
[[arrivals]]
name = "contacts"
trace = "calls.csv"
[[agents]]
group = "a"
count = 1
capacity = { voice = 1, chat = 1 }
disconnects = { rate = "1/s", duration = { dist = "deterministic", mean = "100s" }, drop = ["voice"] }
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
"#;
    let s = super::load_trace("wk-drop", "0,voice,600,,\n0,chat,600,,\n", text);
    let r = ccsim::engine::run(&s, 2, 0);
    let (voice, chat) = (&r.channels[0], &r.channels[1]);
    assert_eq!(voice[Kpi::Answered], 1.0);
    assert_eq!(voice[Kpi::DisconnectDropped], 1.0);
    let dropped_after = voice[Kpi::Aht];
    assert!(
        dropped_after > 0.0 && dropped_after < 30.0,
        "{dropped_after}"
    );
    assert_eq!(chat[Kpi::Answered], 1.0);
    assert_eq!(chat[Kpi::DisconnectDropped], 0.0);
    assert_eq!(chat[Kpi::Aht], 600.0);
    assert!(r.groups[0][GroupKpi::Disconnects] >= 1.0);
}

/// Scripted attribute changes (TaskRouter worker updates). Two sales agents;
/// nobody serves `support` until, at 1 h, the first agent gains the skill:
/// the support call waiting since 0 is answered at exactly 3600 s and one at
/// 2 h at once, by that agent only. At 3 h every agent's voice capacity
/// drops to 0, so a call at 3.5 h abandons after its 60 s patience.
#[test]
fn scripted_attribute_changes_recompute_queue_membership() {
    let dir = super::trace_dir(
        "wk-changes",
        "0,voice,,,\"{\"\"skill\"\": \"\"support\"\"}\"\n7200,voice,,,\"{\"\"skill\"\": \"\"support\"\"}\"\n12600,voice,,60,\n",
    );
    let text = r#"name = "changes"
[simulation]
horizon = "4h"
interval = "4h"
replications = 1
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
handle_time = { dist = "deterministic", mean = "60s" }
[[agents]]
group = "a"
count = 2
attributes = { skills = ["sales"] }
changes = [
  { at = "1h", workers = 1, attributes = { skills = ["sales", "support"] } },
  { at = "3h", capacity = { voice = 0 } },
]
[[queues]]
name = "sales"
target_workers = 'skills HAS "sales"'
[[queues]]
name = "support"
target_workers = 'skills HAS "support"'
[[workflow.filters]]
expression = 'skill == "support"'
targets = [{ queue = "support" }]
[workflow]
default_filter = { queue = "sales" }
"#;
    let loaded = load_str(&dir.join("s.toml"), text).unwrap_or_else(|e| panic!("{e}"));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let s = loaded.scenario;
    // Base profile, then the changed ones: support-skilled, and both
    // profiles with voice capacity 0.
    assert_eq!(s.profiles.len(), 4);
    let mut events = Vec::new();
    let plan = ccsim::routing::Plan::build(&s);
    let mut tracer = |e: &ccsim::engine::trace::TraceEvent| {
        if e.name == "reservation.accepted" {
            events.push((e.time, e.task, e.worker.clone()));
        }
    };
    let r = ccsim::engine::run_traced(&s, &plan, 1, 0, &mut tracer);
    assert_eq!(r.queues[1][Kpi::Answered], 2.0);
    assert_eq!(r.queues[1][Kpi::WaitMax], 3600.0);
    assert_eq!(r.queues[0][Kpi::Abandoned], 1.0);
    assert_eq!(
        events,
        vec![
            (3600.0, Some(0), Some("a-1".to_string())),
            (7200.0, Some(1), Some("a-1".to_string())),
        ]
    );
}

/// `worker.activity_sid` reads the activity's SID where `[[activities]]`
/// gives one (it used to read the name): one call during a back-office
/// block (SID WA0001) and one outside it; the target takes only workers whose
/// activity SID is WA0001, so only the first call is answered.
#[test]
fn activity_sid_reads_the_sid() {
    let text = r#"name = "activity-sid"
[simulation]
horizon = "1d"
interval = "1d"
replications = 1
[[channels]]
name = "voice"
[[activities]]
name = "Backoffice"
available = true
sid = "WA0001"
[[arrivals]]
name = "calls"
trace = "calls.csv"
handle_time = { dist = "deterministic", mean = "60s" }
[[agents]]
group = "b"
count = 1
breaks = [{ start = "12:00", duration = "1h", activity = "Backoffice" }]
[[queues]]
name = "q"
target_workers = "1==1"
[[workflow.filters]]
expression = "1==1"
targets = [{ queue = "q", expression = 'worker.activity_sid == "WA0001"' }]
"#;
    let (_, r) = super::run_trace(
        "wk-activity-sid",
        "43500,voice,,1,\n50000,voice,,1,\n",
        text,
    );
    assert_eq!(r.overall[Kpi::Answered], 1.0, "the call during the block");
    assert_eq!(
        r.overall[Kpi::Abandoned],
        1.0,
        "the call after it finds no Backoffice worker"
    );
}
