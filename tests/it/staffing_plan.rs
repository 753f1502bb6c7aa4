//! Staffing plans (docs/scenario.md, "Staffing plans"): head counts per
//! interval from time 0, written inline (`count = [..]`). Workers the plan
//! sends off finish what they hold, as at a shift end.

use super::{load_in, run_trace, scenario, trace_dir};
use ccsim::metrics::{GroupKpi, Kpi, ReplicationResult};
use ccsim::scenario::{Scenario, load_str};
use std::path::Path;

/// A scenario replaying `calls.csv` (60 s calls unless a row says
/// otherwise) into one queue every group joins; `sim` holds the keys of
/// `[simulation]`, `top` any top-level keys, `agents` the `[[agents]]`
/// tables.
fn text(top: &str, sim: &str, agents: &str) -> String {
    format!(
        r#"name = "plan"
{top}
[simulation]
{sim}
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
    )
}

/// One hour in two intervals of 30 minutes, one group `team`.
fn hour(count: &str) -> String {
    text(
        "",
        "horizon = \"1h\"\ninterval = \"30m\"",
        &format!("[[agents]]\ngroup = \"team\"\n{count}"),
    )
}

/// Everything a replication reports, as text: two runs print the same
/// only when every KPI is bit for bit the same (`{:?}` prints the shortest
/// text that reads back as the same f64) and they processed as many events.
fn fingerprint(r: &ReplicationResult) -> String {
    format!("{r:?}")
}

fn run(s: &Scenario, replication: u32) -> ReplicationResult {
    ccsim::engine::run(s, 7, replication)
}

/// The error text of a scenario that must not load.
fn errors(dir: &Path, text: &str) -> String {
    match load_str(&dir.join("s.toml"), text) {
        Ok(_) => panic!("the scenario should not load:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn assert_has(all: &str, expected: &str) {
    assert!(all.contains(expected), "expected `{expected}` in:\n{all}");
}

/// A plan that repeats a group's head count is the head count: every
/// group of agent-disruptions (shifts, breaks, disconnects, scripted
/// changes, here also absence) planned at its `count` in each of its 18
/// hourly intervals gives bit-identical results, event count included
/// (an unchanged count schedules no plan events).
#[test]
fn a_constant_plan_equals_the_fixed_count() {
    let path = scenario("agent-disruptions.toml");
    let original = std::fs::read_to_string(&path).unwrap();
    let fixed = original.replace("\ncount = ", "\nabsence = 0.1\ncount = ");
    let mut planned = fixed.clone();
    for n in [8, 5, 4] {
        let list = vec![n.to_string(); 18].join(", ");
        planned = planned.replace(
            &format!("\ncount = {n}\n"),
            &format!("\ncount = [{list}]\n"),
        );
    }
    assert_eq!(
        planned.matches("count = [").count(),
        4,
        "every group planned"
    );
    let a = load_str(&path, &fixed).unwrap().scenario;
    let b = load_str(&path, &planned).unwrap().scenario;
    assert!(b.groups.iter().all(|g| g.plan.is_some()));
    for rep in 0..2 {
        assert_eq!(fingerprint(&run(&a, rep)), fingerprint(&run(&b, rep)));
    }
}

/// Plan [0, 3] with three calls in the first half hour (at 60, 600 and
/// 1200 s): nobody works before 1800 s, then all three are answered at
/// once. Their waits are 1740, 1200 and 600 s: the sum (3 × ASA) and the
/// largest pin every one of them.
#[test]
fn nobody_answers_before_the_plan_staffs_the_group() {
    let (_, r) = run_trace(
        "plan-late",
        "60,voice,,,\n600,voice,,,\n1200,voice,,,\n",
        &hour("count = [0, 3]"),
    );
    let k = &r.overall;
    assert_eq!(k[Kpi::Answered], 3.0);
    assert_eq!(k[Kpi::WaitMax], 1740.0);
    assert_eq!(k[Kpi::Asa] * 3.0, 1740.0 + 1200.0 + 600.0);
    // Three workers logged in from 1800 s to the end of the hour.
    assert_eq!(r.groups[0][GroupKpi::LoggedInHours], 1.5);
}

/// Plan [1, 0]: the only worker goes off at 1800 s in the middle of a
/// 300 s call that started at 1700 s. It finishes the call (answered, AHT
/// 300 s, nothing dropped) and stays logged in until 2000 s; a call at
/// 1900 s finds nobody and abandons after its 600 s of patience.
#[test]
fn a_worker_going_off_finishes_its_call() {
    let (_, r) = run_trace(
        "plan-off",
        "1700,voice,300,,\n1900,voice,,600,\n",
        &hour("count = [1, 0]"),
    );
    let k = &r.overall;
    assert_eq!(k[Kpi::Offered], 2.0);
    assert_eq!(k[Kpi::Answered], 1.0);
    assert_eq!(k[Kpi::Aht], 300.0);
    assert_eq!(k[Kpi::DisconnectDropped], 0.0);
    assert_eq!(k[Kpi::Abandoned], 1.0);
    let g = &r.groups[0];
    assert_eq!(g[GroupKpi::LoggedInHours], 2000.0 / 3600.0);
    assert!((g[GroupKpi::Occupancy] - 300.0 / 2000.0).abs() < 1e-12);
}

/// Without shifts, logged-in hours are the plan's worker-hours: [2, 5, 0,
/// 3] half hours are 5 worker-hours; with a 30-minute warm-up the first
/// entry is not counted (4 h); with a shift 00:30-01:30 only the second
/// and third entries are worked (2.5 h). One short call early on leaves
/// no work at any boundary.
#[test]
fn logged_in_hours_are_the_plans_worker_hours() {
    let agents = "[[agents]]\ngroup = \"team\"\ncount = [2, 5, 0, 3]";
    let cases = [
        ("horizon = \"2h\"\ninterval = \"30m\"", "", 5.0),
        (
            "horizon = \"2h\"\nwarmup = \"30m\"\ninterval = \"30m\"",
            "",
            4.0,
        ),
        (
            "horizon = \"2h\"\ninterval = \"30m\"",
            "\nshifts = [{ start = \"00:30\", end = \"01:30\" }]",
            2.5,
        ),
    ];
    for (i, (sim, shifts, hours)) in cases.into_iter().enumerate() {
        let (s, r) = run_trace(
            &format!("plan-hours-{i}"),
            "60,voice,,,\n",
            &text("", sim, &format!("{agents}{shifts}")),
        );
        assert_eq!(s.groups[0].count, 5, "the group has max(count) workers");
        assert_eq!(r.groups[0][GroupKpi::LoggedInHours], hours, "case {i}");
    }
}

/// Queue membership counts the plan's largest head count: a group planned
/// [0, 3] can join its queue (no warning); scripted changes may name up to
/// that many workers, and the message past it says which count it is.
#[test]
fn members_and_changes_use_the_largest_head_count() {
    let dir = trace_dir("plan-members", "60,voice,,,\n");
    let loaded = load_str(&dir.join("s.toml"), &hour("count = [0, 3]")).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    load_in(
        &dir,
        &hour(
            "count = [1, 3]\nchanges = [{ at = \"10m\", workers = 3, capacity = { voice = 2 } }]",
        ),
    );
    let e = errors(
        &dir,
        &hour(
            "count = [1, 3]\nchanges = [{ at = \"10m\", workers = 4, capacity = { voice = 2 } }]",
        ),
    );
    assert_has(
        &e,
        "s.toml:15:36: error: workers must be between 1 and the group's count (its largest head count, 3), found 4",
    );
    let empty = load_str(&dir.join("s.toml"), &hour("count = [0, 0]")).unwrap();
    assert_has(
        &format!("{:?}", empty.warnings),
        "no worker can ever join queue \\\"q\\\"",
    );
}

/// Problems in `count = [..]` point at the array or at the entry.
#[test]
fn inline_plan_errors_name_line_and_column() {
    let dir = trace_dir("plan-inline-errors", "60,voice,,,\n");
    assert_has(
        &errors(&dir, &hour("count = []")),
        "s.toml:14:9: error: count = [] has no head counts: give one per interval, or a single integer",
    );
    assert_has(
        &errors(&dir, &hour("count = [3, -1]")),
        "s.toml:14:13: error: count must be between 0 and 1000000, found -1",
    );
    assert_has(
        &errors(&dir, &hour("count = [3, 1000001]")),
        "s.toml:14:13: error: count must be between 0 and 1000000, found 1000001",
    );
    assert_has(
        &errors(&dir, &hour("count = [1, 2, 3]")),
        "s.toml:14:9: error: count has 3 head counts but the horizon has 2 intervals of 1800 s (counted from time 0, the warm-up included)",
    );
    assert_has(
        &errors(&dir, &hour("count = [1, \"x\"]")),
        "s.toml:14:13: error: expected an integer, found a string \"x\"",
    );
    assert_has(
        &errors(&dir, &hour("")),
        "s.toml:12:1: error: [[agents]] needs `count`",
    );
}

/// A warm-up that is not a whole number of intervals puts the plan's
/// entries and the report's intervals out of step: a warning says so.
#[test]
fn a_plan_across_a_ragged_warm_up_is_warned_about() {
    let dir = trace_dir("plan-ragged", "60,voice,,,\n");
    let sim = "horizon = \"1h45m\"\nwarmup = \"45m\"\ninterval = \"30m\"";
    let loaded = load_str(
        &dir.join("s.toml"),
        &text(
            "",
            sim,
            "[[agents]]\ngroup = \"team\"\ncount = [1, 2, 3, 4]",
        ),
    )
    .unwrap();
    let w = format!("{}", loaded.warnings[0]);
    assert_has(
        &w,
        "s.toml:15:9: warning: the warm-up (2700 s) is not a whole number of intervals (1800 s)",
    );
    // 105 minutes hold four intervals from time 0, the last one cut short.
    let e = errors(
        &dir,
        &text(
            "",
            sim,
            "[[agents]]\ngroup = \"team\"\ncount = [1, 2, 3, 4, 5]",
        ),
    );
    assert_has(
        &e,
        "count has 5 head counts but the horizon has 4 intervals",
    );
}
