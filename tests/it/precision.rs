//! `--precision`: replications added in batches until the named CIs are
//! narrow enough, the same batches whatever the thread count.

use super::{ccsim, ccsim_ok, scenario, stderr_no_panic, temp_dir};
use serde_json::Value;

fn json(args: &[&str], threads: &str) -> (Value, String) {
    let out = ccsim(args, &[("RAYON_NUM_THREADS", threads)]);
    let err = stderr_no_panic(&out);
    assert!(out.status.success(), "{args:?}: {err}");
    (serde_json::from_slice(&out.stdout).unwrap(), err)
}

/// Replications the run below ends with: pinned, so that a change to the
/// batch rule (or to the results) shows here.
const PINNED_REPLICATIONS: u64 = 57;

#[test]
fn a_run_adds_replications_until_the_ci_is_narrow_enough_on_any_thread_count() {
    let dir = temp_dir("precision-run");
    let q = scenario("quickstart.toml");
    let runs: Vec<(Value, String)> = ["1", "2"]
        .iter()
        .map(|t| {
            let out = dir.join(t);
            json(
                &[
                    "run",
                    q.to_str().unwrap(),
                    "--json",
                    "--replications",
                    "10",
                    "--precision",
                    "service_level=0.008",
                    "--precision",
                    "asa_s=0.5s",
                    "--out",
                    out.to_str().unwrap(),
                ],
                t,
            )
        })
        .collect();
    let (doc, err) = &runs[0];
    assert!(err.contains("precision reached with"), "{err}");
    // From 10, each batch at most doubling the total.
    let n = doc["replications"].as_u64().unwrap();
    assert_eq!(n, PINNED_REPLICATIONS, "the batch plan changed");
    assert!(doc["overall"]["service_level"]["ci95"].as_f64().unwrap() <= 0.008);
    assert!(doc["overall"]["asa_s"]["ci95"].as_f64().unwrap() <= 0.5);
    assert_eq!(
        doc.to_string(),
        runs[1].0.to_string(),
        "same batches on 1 and 2 threads"
    );
}

#[test]
fn the_cap_stops_the_batches_and_says_what_was_reached() {
    let dir = temp_dir("precision-cap");
    let q = scenario("quickstart.toml");
    let (doc, err) = json(
        &[
            "run",
            q.to_str().unwrap(),
            "--json",
            "--replications",
            "4",
            "--precision",
            "queues.support.service_level=0.0001",
            "--max-replications",
            "9",
            "--out",
            dir.to_str().unwrap(),
        ],
        "2",
    );
    assert_eq!(doc["replications"], 9);
    assert!(
        err.contains("warning: precision not reached within --max-replications 9"),
        "{err}"
    );
    assert!(err.contains("queues.support.service_level: ± 0.0"), "{err}");
    let out = ccsim(
        &[
            "run",
            q.to_str().unwrap(),
            "--precision",
            "queues.sales.asa_s=1",
        ],
        &[],
    );
    let err = stderr_no_panic(&out);
    assert!(
        err.contains("unknown queue \"sales\"; expected one of \"support\""),
        "{err}"
    );
}

#[test]
fn compare_and_sweep_apply_the_target_to_the_difference_and_to_each_point() {
    let dir = temp_dir("precision-experiments");
    let q = scenario("quickstart.toml");
    let (doc, err) = json(
        &[
            "compare",
            q.to_str().unwrap(),
            "--vs",
            "agents.support.count=27",
            "--json",
            "--replications",
            "5",
            "--precision",
            "service_level=0.003",
            "--out",
            dir.join("c").to_str().unwrap(),
        ],
        "2",
    );
    assert!(
        err.contains("precision of the difference B − A reached"),
        "{err}"
    );
    assert!(
        doc["diff"]["overall"]["service_level"]["ci95"]
            .as_f64()
            .unwrap()
            <= 0.003
    );
    // The designs themselves are far wider than the difference.
    assert!(
        doc["a"]["overall"]["service_level"]["ci95"]
            .as_f64()
            .unwrap()
            > 0.003
    );

    let stdout = ccsim_ok(
        &[
            "sweep",
            q.to_str().unwrap(),
            "--vary",
            "agents.support.count=25,29",
            "--json",
            "--replications",
            "5",
            "--precision",
            "service_level=0.01",
            "--out",
            dir.join("s").to_str().unwrap(),
        ],
        &[],
    );
    let doc: Value = serde_json::from_slice(&stdout).unwrap();
    let reps: Vec<u64> = doc["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            assert!(
                p["summary"]["overall"]["service_level"]["ci95"]
                    .as_f64()
                    .unwrap()
                    <= 0.01
            );
            p["summary"]["replications"].as_u64().unwrap()
        })
        .collect();
    // A busier point is noisier and needs more replications.
    assert!(reps[0] > reps[1], "{reps:?}");
    // Each point is the run of its design to the same precision.
    let (alone, _) = json(
        &[
            "run",
            q.to_str().unwrap(),
            "--set",
            "agents.support.count=25",
            "--json",
            "--replications",
            "5",
            "--precision",
            "service_level=0.01",
            "--out",
            dir.join("r").to_str().unwrap(),
        ],
        "2",
    );
    assert_eq!(doc["points"][0]["summary"].to_string(), alone.to_string());
}
