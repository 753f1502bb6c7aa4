//! Shifts with breaks, and random absences (shrinkage).

use ccsim::scenario::load_str;

fn scenario(tag: &str, rows: &str, agents: &str, reps: u32) -> ccsim::scenario::Scenario {
    let dir = super::trace_dir(&format!("wk-{tag}"), rows);
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
    load_str(&dir.join("s.toml"), &text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
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
    let k = |name: &str| {
        r.overall.0[ccsim::metrics::KPI_NAMES
            .iter()
            .position(|n| *n == name)
            .unwrap()]
    };
    assert_eq!(k("answered"), 2.0);
    assert_eq!(k("wait_max_s"), 1200.0);
    let logged_in_h = r.groups[0][2];
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
    let summary = ccsim::sweep::run(&s, 3, 40, &|_| {});
    let e = summary.groups[0].get("logged_in_h").unwrap();
    let (mean, hw) = (e.mean.unwrap(), e.half_width(0.999).unwrap());
    eprintln!("logged-in hours {mean:.1} ± {hw:.1} (99.9%), expected 640");
    assert!((mean - 640.0).abs() <= hw, "{mean} ± {hw}");
    // Binomial spread: sd of a replication is 8 h × sqrt(100 × 0.2 × 0.8) = 32 h.
    let sd = e.sd.unwrap();
    assert!((20.0..45.0).contains(&sd), "sd {sd}");
}
