//! `ccsim compare`: paired differences on common random numbers, and what
//! they buy over an unpaired comparison.

use super::{ccsim_ok, scenario, temp_dir};
use ccsim::experiment::{Scope, compare};
use ccsim::scenario::{LoadOptions, Override, load_overridden};
use serde_json::Value;

fn quickstart(sets: &[&str]) -> ccsim::scenario::Scenario {
    let sets: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    load_overridden(&scenario("quickstart.toml"), &LoadOptions::default(), &sets)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

/// The acceptance check: 26 against 27 agents on one queue.
#[test]
fn common_random_numbers_narrow_the_service_level_difference_at_least_threefold() {
    let (a, b) = (
        quickstart(&["agents.support.count=26"]),
        quickstart(&["agents.support.count=27"]),
    );
    let c = compare(&a, &b, 7, 20, &|_| {}).unwrap();
    let sl = c
        .differences
        .iter()
        .find(|d| d.id.scope == Scope::Overall && d.id.kpi == "service_level")
        .unwrap();
    let factor = sl.crn_factor().unwrap();
    eprintln!(
        "SL difference {:+.4} ± {:.4} paired, ± {:.4} unpaired: {factor:.1}x narrower",
        sl.diff.mean.unwrap(),
        sl.diff.ci95.unwrap(),
        sl.unpaired_ci95.unwrap()
    );
    assert!(factor >= 3.0, "paired CI only {factor:.2}x narrower");
    assert!(
        sl.significant() && sl.diff.mean.unwrap() > 0.0,
        "one more agent serves better"
    );
    // The paired difference is exactly the difference of the two runs' means.
    let (ma, mb) = (sl.a.mean.unwrap(), sl.b.mean.unwrap());
    assert!((sl.diff.mean.unwrap() - (mb - ma)).abs() < 1e-12);
    // The same customers: offered does not differ at all.
    let offered = c
        .differences
        .iter()
        .find(|d| d.id.kpi == "offered")
        .unwrap();
    assert_eq!(
        (offered.diff.mean, offered.diff.ci95),
        (Some(0.0), Some(0.0))
    );
}

#[test]
fn vs_overrides_are_the_same_comparison_as_two_files() {
    let dir = temp_dir("compare-vs");
    let text = std::fs::read_to_string(scenario("quickstart.toml")).unwrap();
    let b = dir.join("b.toml");
    std::fs::write(&b, text.replace("count = 28", "count = 26")).unwrap();
    assert!(text.contains("count = 28"));
    let run = |args: &[&str], out: &str| -> Value {
        let q = scenario("quickstart.toml");
        let out = dir.join(out);
        let mut all = vec!["compare", q.to_str().unwrap()];
        all.extend(args);
        all.extend([
            "--replications",
            "5",
            "--json",
            "--out",
            out.to_str().unwrap(),
        ]);
        serde_json::from_slice(&ccsim_ok(&all, &[])).unwrap()
    };
    let by_vs = run(&["--vs", "agents.support.count=26"], "vs");
    let by_file = run(&[b.to_str().unwrap()], "file");
    assert_eq!(by_vs["diff"].to_string(), by_file["diff"].to_string());
    assert_eq!(by_vs["b"].to_string(), by_file["b"].to_string());
    for key in ["a", "b", "diff", "unpaired_ci95"] {
        assert!(by_vs.get(key).is_some(), "no {key}");
    }
    let d = &by_vs["diff"];
    assert!(d["overall"]["service_level"]["mean"].as_f64().unwrap() < 0.0);
    assert!(d["queues"]["support"]["asa_s"]["ci95"].is_number());
    assert!(
        d["groups"]["support"]["occupancy"]["mean"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(by_vs["unpaired_ci95"]["overall"]["service_level"].is_number());
    // The A summary is the run --json object of A.
    assert_eq!(by_vs["a"]["replications"], 5);
    let csv = std::fs::read_to_string(dir.join("vs").join("compare.csv")).unwrap();
    assert!(csv.starts_with(
        "scope,name,kpi,a_mean,a_ci95,b_mean,b_ci95,diff_mean,diff_ci95,unpaired_ci95,significant\n"
    ));
    assert!(csv.contains("\noverall,overall,service_level,"));
}

#[test]
fn a_comparison_is_byte_identical_on_one_and_two_threads() {
    let dir = temp_dir("compare-threads");
    let q = scenario("escalation.toml");
    let outs: Vec<Vec<u8>> = ["1", "2"]
        .iter()
        .map(|t| {
            let out = dir.join(t);
            ccsim_ok(
                &[
                    "compare",
                    q.to_str().unwrap(),
                    "--vs",
                    "agents.tier2.count=6",
                    "--replications",
                    "6",
                    "--json",
                    "--out",
                    out.to_str().unwrap(),
                ],
                &[("RAYON_NUM_THREADS", t)],
            )
        })
        .collect();
    assert!(outs[0] == outs[1]);
}
