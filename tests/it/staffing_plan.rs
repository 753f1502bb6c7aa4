//! Staffing plans (docs/scenario.md, "Staffing plans"): head counts per
//! interval from time 0, written inline (`count = [..]`) or read from the
//! `staffing` CSV. Workers the plan sends off finish what they hold, as at
//! a shift end.

use super::{ccsim, load_in, run_trace, scenario, stderr_no_panic, trace_dir, write_scenario};
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

/// A scenario with Poisson calls over four hours of 30-minute intervals and
/// two groups, whose `[[agents]]` tables are `agents`.
fn two_groups(top: &str, agents: &str) -> String {
    format!(
        r#"name = "plan-csv"
{top}
[simulation]
horizon = "4h"
warmup = "1h"
interval = "30m"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "120/h"
handle_time = {{ dist = "exponential", mean = "4m" }}
patience = {{ dist = "exponential", mean = "2m" }}
{agents}
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = {{ queue = "q" }}
"#
    )
}

/// The same plan from the CSV and inline gives the same results, and the
/// CSV is listed among the scenario's inputs as the staffing plan.
#[test]
fn a_csv_plan_equals_the_same_inline_plan() {
    let dir = super::temp_dir("plan-csv");
    std::fs::write(
        dir.join("plan.csv"),
        "interval_start,a,b\n0s,2,0\n30m,4,1\n1h,6,2\n1h30m,9,2\n2h,7,1\n2h30m,5,0\n",
    )
    .unwrap();
    let inline = two_groups(
        "",
        "[[agents]]\ngroup = \"a\"\ncount = [2, 4, 6, 9, 7, 5]\n[[agents]]\ngroup = \"b\"\ncount = [0, 1, 2, 2, 1, 0]",
    );
    let csv = two_groups(
        "staffing = \"plan.csv\"",
        "[[agents]]\ngroup = \"a\"\n[[agents]]\ngroup = \"b\"",
    );
    let a = load_in(&dir, &inline);
    let b = load_in(&dir, &csv);
    assert_eq!(
        a.groups.iter().map(|g| g.plan.clone()).collect::<Vec<_>>(),
        b.groups.iter().map(|g| g.plan.clone()).collect::<Vec<_>>()
    );
    for rep in 0..3 {
        assert_eq!(fingerprint(&run(&a, rep)), fingerprint(&run(&b, rep)));
    }
    let roles: Vec<&str> = b.inputs.iter().map(|i| i.role).collect();
    assert_eq!(roles, ["scenario", "staffing plan"]);
    assert!(b.inputs[1].path.ends_with("plan.csv"));
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

/// A two-hour scenario (four intervals) staffed from `plan.csv` holding
/// `csv`, with a group `team` (no count) and a group `other` (`count = 1`).
fn csv_errors(tag: &str, csv: &str) -> String {
    let dir = trace_dir(tag, "60,voice,,,\n");
    std::fs::write(dir.join("plan.csv"), csv).unwrap();
    errors(
        &dir,
        &text(
            "staffing = \"plan.csv\"",
            "horizon = \"2h\"\ninterval = \"30m\"",
            "[[agents]]\ngroup = \"team\"\n[[agents]]\ngroup = \"other\"\ncount = 1",
        ),
    )
}

/// Every problem in the CSV is reported at its cell, all in one run.
#[test]
fn csv_plan_errors_name_file_line_and_column() {
    let e = csv_errors(
        "plan-csv-cells",
        "interval_start,team,tema\n0s,2,1\n45m,3,1\n1h, x,1\n1h30m,-2,1\n",
    );
    for expected in [
        "plan.csv:1:21: error: unknown agent group \"tema\"; expected one of \"team\", \"other\"; did you mean \"team\"?",
        "plan.csv:3:1: error: interval_start must be a multiple of the interval (1800 s), found \"45m\" (2700 s)",
        "plan.csv:4:5: error: team: expected a head count between 0 and 1000000, found \"x\"",
        "plan.csv:5:7: error: team: expected a head count between 0 and 1000000, found \"-2\"",
    ] {
        assert_has(&e, expected);
    }
    // Reported with the file, not again as a missing `count`.
    assert!(!e.contains("needs `count`"), "{e}");
}

#[test]
fn csv_plan_rows_cover_every_interval_in_order() {
    let e = csv_errors("plan-csv-gap", "interval_start,team\n0s,1\n1h,2\n");
    assert_has(
        &e,
        "plan.csv:3:1: error: missing rows: expected the interval starting at 1800 s, found \"1h\" (3600 s); list every interval, repeating a head count to keep it",
    );
    let e = csv_errors(
        "plan-csv-order",
        "interval_start,team\n0s,1\n30m,2\n30m,3\n",
    );
    assert_has(
        &e,
        "plan.csv:4:1: error: interval_start \"30m\" (1800 s) does not come after the row before it (1800 s): list the intervals in time order",
    );
    let e = csv_errors("plan-csv-first", "interval_start,team\n30m,1\n");
    assert_has(
        &e,
        "plan.csv:2:1: error: the first row must start at 0s (time 0, the warm-up included), found \"30m\"",
    );
    let e = csv_errors(
        "plan-csv-long",
        "interval_start,team\n0s,1\n30m,1\n1h,1\n1h30m,1\n2h,1\n",
    );
    assert_has(
        &e,
        "plan.csv:6:1: error: the staffing plan has 5 rows but the horizon has 4 intervals of 1800 s",
    );
    let e = csv_errors("plan-csv-empty", "interval_start,team\n");
    assert_has(
        &e,
        "plan.csv:1:1: error: the staffing plan has no rows: add one per interval, from interval_start 0s",
    );
    let e = csv_errors("plan-csv-width", "interval_start,team\n0s,1,2\n");
    assert_has(
        &e,
        "plan.csv:2:1: error: expected 2 cells (interval_start, then one per group of the header), found 3",
    );
    let e = csv_errors("plan-csv-header", "start,team\n0s,1\n");
    assert_has(
        &e,
        "plan.csv:1:1: error: expected `interval_start` as the first column of the header, found `start`",
    );
}

#[test]
fn a_group_gets_its_head_counts_from_exactly_one_place() {
    // `other` has a count and a column.
    let e = csv_errors("plan-csv-both", "interval_start,team,other\n0s,1,1\n");
    assert_has(
        &e,
        "s.toml:16:9: error: group \"other\" also has a column in the staffing plan plan.csv: give its head counts in one place",
    );
    // `team` has neither.
    let e = csv_errors("plan-csv-neither", "interval_start,other\n0s,1\n");
    assert_has(
        &e,
        "s.toml:12:1: error: [[agents]] needs `count`, or a column for \"team\" in the staffing plan plan.csv",
    );
    let dir = trace_dir("plan-csv-missing", "60,voice,,,\n");
    let e = errors(
        &dir,
        &text(
            "staffing = \"nowhere.csv\"",
            "horizon = \"2h\"\ninterval = \"30m\"",
            "[[agents]]\ngroup = \"team\"",
        ),
    );
    assert_has(
        &e,
        "s.toml:2:12: error: cannot read the staffing plan: cannot read",
    );
    assert!(!e.contains("needs `count`"), "{e}");
}

/// Through the binary: a bad plan fails `validate` with exit 1 and the
/// position, and no panic.
#[test]
fn the_binary_reports_a_bad_plan() {
    let dir = trace_dir("plan-cli", "60,voice,,,\n");
    std::fs::write(dir.join("plan.csv"), "interval_start,team\n0s,1\n1h,x\n").unwrap();
    let path = write_scenario(
        &dir,
        &text(
            "staffing = \"plan.csv\"",
            "horizon = \"2h\"\ninterval = \"30m\"",
            "[[agents]]\ngroup = \"team\"",
        ),
    );
    let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_has(&err, "plan.csv:3:1: error: missing rows");
    assert_has(&err, "plan.csv:3:4: error: team: expected a head count");
}

/// The example scenario: support staffed from `staffing-plan.csv`, the
/// overflow team inline. Without shifts, absence or breaks, each group's
/// logged-in hours over 08:00-19:00 are its plan's worker-hours (215 and
/// 14) plus the minutes workers sent off spend finishing their calls.
#[test]
fn the_example_plan_drives_logged_in_time() {
    let s = ccsim::scenario::load(&scenario("staffing-plan.toml"))
        .unwrap()
        .scenario;
    assert!(s.inputs.iter().any(|i| i.role == "staffing plan"));
    let r = run(&s, 0);
    for (g, planned) in [(0, 215.0), (1, 14.0)] {
        let h = r.groups[g][GroupKpi::LoggedInHours];
        assert!(
            (planned..planned + 3.0).contains(&h),
            "{}: {h} logged-in hours for {planned} planned",
            s.groups[g].name
        );
    }
}
