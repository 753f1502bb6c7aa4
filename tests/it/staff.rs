//! `ccsim staff`: the fewest agents meeting a target, as a brute-force
//! sweep of head counts on the same seeds finds it; and the cheapest mix of
//! two groups, a local optimum.

use super::{ccsim_ok, scenario, temp_dir};
use ccsim::experiment::staff::Below;
use ccsim::experiment::{Requirement, StaffSearch};
use ccsim::metrics::Kpi;
use ccsim::scenario::{LoadOptions, Override, load_overridden};
use ccsim::stats::Estimate;

fn search(targets: &[&str]) -> StaffSearch {
    StaffSearch {
        file: scenario("quickstart.toml"),
        base: vec![],
        targets: targets
            .iter()
            .map(|t| t.parse::<Requirement>().unwrap())
            .collect(),
        groups: vec![],
        confidence: 0.95,
        seed: None,
        replications: Some(12),
        options: LoadOptions::default(),
        minimize_cost: false,
        max_agents: 200,
    }
}

#[test]
fn the_answer_is_the_brute_force_minimum_on_the_same_seeds() {
    let st = search(&["service_level>=0.85", "abandon_rate<=0.04"])
        .run(&|_| {})
        .unwrap();
    // Every head count from 20 to 32, judged the same way: SL's lower 95% end
    // at least 0.85 and the abandon rate's upper end at most 0.04.
    let meets = |n: u32| {
        let sets: Vec<Override> = vec![format!("agents.support.count={n}").parse().unwrap()];
        let s = load_overridden(&scenario("quickstart.toml"), &LoadOptions::default(), &sets)
            .unwrap()
            .scenario;
        let results = ccsim::replications::run_replications(&s, s.sim.seed, 12, &|_| {});
        let est = |k: Kpi| Estimate::from_values(results.iter().map(|r| r.overall[k]));
        let (sl, ab) = (est(Kpi::ServiceLevel), est(Kpi::AbandonRate));
        sl.mean.unwrap() - sl.half_width(0.95).unwrap() >= 0.85
            && ab.mean.unwrap() + ab.half_width(0.95).unwrap() <= 0.04
    };
    let brute = (20..=32).find(|&n| meets(n)).expect("met within 32 agents");
    assert_eq!(st.answer.agents, vec![brute], "path: {:?}", st.path);
    // The verdict on one agent fewer is what its evaluation says.
    let fewer = st
        .path
        .iter()
        .find(|e| e.agents == vec![brute - 1])
        .expect("evaluated");
    let expected = if fewer.clearly_fails {
        Below::Fails
    } else {
        Below::WithinNoise
    };
    assert_eq!(st.below, expected);
    assert!(!meets(brute - 1));
    assert!(
        st.path.len() <= 6,
        "the search took {} evaluations",
        st.path.len()
    );
    assert_eq!(st.summary.replications, 12);
}

#[test]
fn json_gives_the_answer_the_run_at_it_and_the_path() {
    let dir = temp_dir("staff-json");
    let out = ccsim_ok(
        &[
            "staff",
            scenario("quickstart.toml").to_str().unwrap(),
            "--target",
            "service_level>=0.8",
            "--replications",
            "8",
            "--json",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let n = v["agents"]["support"].as_u64().unwrap();
    assert!((24..=28).contains(&n), "{n}");
    assert_eq!(v["summary"]["replications"], 8);
    let path = v["path"].as_array().unwrap();
    assert!(
        path.iter()
            .any(|p| p["agents"]["support"] == n && p["meets"] == true)
    );
    assert!(
        path.iter()
            .any(|p| p["agents"]["support"] == n - 1 && p["meets"] == false)
    );
    assert_eq!(v["start"], "Erlang A");
    assert!(dir.join("staff-path.csv").exists() && dir.join("summary.csv").exists());
}

#[test]
fn the_cheapest_mix_of_two_groups_is_a_local_optimum() {
    let dir = temp_dir("staff-cost");
    let text = std::fs::read_to_string(scenario("quickstart.toml")).unwrap();
    // Two identical groups, one paid twice as much.
    let group = "group = \"support\"\ncount = 28\nattributes = { skills = [\"support\"] }\n";
    let text = text.replace(
        group,
        &format!(
            "{}\n[[agents]]\n{}",
            group.replace("28", "14"),
            group
                .replace("28", "14")
                .replace("\"support\"\n", "\"senior\"\n")
        ),
    ) + "\n[costs]\ncard = \"none\"\n[costs.labor]\nsupport = 20\nsenior = 40\n";
    assert!(
        text.contains("group = \"senior\""),
        "the scenario changed shape"
    );
    let file = dir.join("two.toml");
    std::fs::write(&file, &text).unwrap();
    let mut s = search(&["service_level>=0.8"]);
    s.file = file;
    s.groups = vec!["support".into(), "senior".into()];
    s.minimize_cost = true;
    s.replications = Some(8);
    let st = s.run(&|_| {}).unwrap();
    let a = &st.answer;
    assert!(a.meets);
    // No single removal keeps the target.
    for g in 0..2 {
        if a.agents[g] == 0 {
            continue;
        }
        let mut fewer = a.agents.clone();
        fewer[g] -= 1;
        let e = st
            .path
            .iter()
            .find(|e| e.agents == fewer)
            .expect("evaluated");
        assert!(!e.meets, "{fewer:?} also meets the target");
    }
    // The dearer group is cut first: it ends with fewer agents.
    assert!(a.agents[1] < a.agents[0], "{:?}", a.agents);
}

/// The time-varying check: a sinusoidal day (100/h to 300/h, period
/// 24 h, talk and patience 10 min, P(wait ≤ 20 s) ≥ 0.8). Under ISA's plan
/// the half-hourly service level stays in [0.77, 0.90] in at least 90% of
/// the intervals, without more agent-hours than SIPP; SIPP's plan, staffed
/// on each interval's own rate, lags the load: better than needed while
/// the rate rises, worse after the peak.
#[test]
fn isa_keeps_a_sinusoidal_day_time_stable_where_sipp_lags() {
    use ccsim::experiment::{IntervalSearch, IntervalStaffing};
    let st = IntervalSearch {
        file: scenario("sinusoidal-day.toml"),
        base: vec![],
        target: "service_level>=0.8".parse().unwrap(),
        group: None,
        seed: None,
        replications: None,
        options: LoadOptions::default(),
        max_iterations: 20,
    }
    .run(&|_| {})
    .unwrap();
    let within_isa = IntervalStaffing::share_within(&st.isa_sl, 0.77, 0.90);
    let within_sipp = IntervalStaffing::share_within(&st.sipp_sl, 0.77, 0.90);
    let hours = |p: &[u32]| p.iter().map(|&n| f64::from(n) * 0.5).sum::<f64>();
    // Rising rate: 18:00 to 06:00 of the reported day; falling: 06:00 to 18:00.
    let mean_sl = |sl: &[Option<Estimate>], rising: bool| {
        let v: Vec<f64> = (48..96)
            .filter(|i| {
                let h = (i % 48) as f64 / 2.0;
                (6.0..18.0).contains(&h) != rising
            })
            .filter_map(|i| sl[i].and_then(|e| e.mean))
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    let (isa_up, isa_down) = (mean_sl(&st.isa_sl, true), mean_sl(&st.isa_sl, false));
    let (sipp_up, sipp_down) = (mean_sl(&st.sipp_sl, true), mean_sl(&st.sipp_sl, false));
    eprintln!(
        "ISA: {:.0}% of intervals in [0.77, 0.90], rising {isa_up:.3} / falling {isa_down:.3}, {} agent-hours, {} iterations\n\
         SIPP: {:.0}% in band, rising {sipp_up:.3} / falling {sipp_down:.3}, {} agent-hours",
        within_isa * 100.0,
        hours(&st.isa),
        st.iterations,
        within_sipp * 100.0,
        hours(&st.sipp)
    );
    assert!(
        within_isa >= 0.9,
        "ISA: only {within_isa} of intervals in band"
    );
    assert!(hours(&st.isa) <= 1.05 * hours(&st.sipp), "ISA overstaffs");
    assert!(
        sipp_up - sipp_down > 0.02,
        "SIPP shows no lag: {sipp_up} vs {sipp_down}"
    );
    assert!((isa_up - isa_down).abs() < sipp_up - sipp_down);
}

#[test]
fn impossible_or_unsupported_requests_are_refused_at_once() {
    let q = scenario("quickstart.toml");
    let q = q.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = super::ccsim_within(args, 20);
        let err = super::stderr_no_panic(&out);
        assert_ne!(out.status.code(), Some(0), "{args:?} succeeded");
        err
    };
    let err = run(&["staff", q, "--target", "service_level>=2"]);
    assert!(err.contains("is a fraction between 0 and 1"), "{err}");
    let err = run(&[
        "staff",
        q,
        "--target",
        "service_level>=0.8",
        "--max-agents",
        "0",
    ]);
    assert!(err.contains("--max-agents"), "{err}");
    let err = run(&[
        "staff",
        q,
        "--target",
        "service_level>=0.8",
        "--replications",
        "1",
    ]);
    assert!(err.contains("at least 2 replications"), "{err}");
    let err = run(&["run", q, "--replications", "4000000000"]);
    assert!(err.contains("from 1 to 100000"), "{err}");
    let plan = scenario("staffing-plan.toml");
    let err = run(&[
        "staff",
        plan.to_str().unwrap(),
        "--target",
        "service_level>=0.8",
        "--group",
        "overflow",
    ]);
    assert!(err.contains("has a per-interval staffing plan"), "{err}");
}
