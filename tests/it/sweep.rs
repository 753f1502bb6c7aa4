//! `ccsim sweep`: every point is the run of the scenario with the point's
//! overrides, on the same seeds; outputs do not depend on the thread count;
//! a sweep run again takes the points it already has.

use super::{ccsim, ccsim_ok, scenario, stderr_no_panic, temp_dir};
use serde_json::Value;
use std::path::Path;

const FILE: &str = "quickstart.toml";

/// `ccsim sweep quickstart.toml <args> --out <dir>`, asserting success;
/// returns (stdout, stderr).
fn sweep(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> (String, String) {
    let file = scenario(FILE);
    let mut all = vec![
        "sweep",
        file.to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ];
    all.extend(args);
    let out = ccsim(&all, envs);
    let err = stderr_no_panic(&out);
    assert!(out.status.success(), "ccsim {all:?} failed:\n{err}");
    (String::from_utf8(out.stdout).unwrap(), err)
}

const AXES: [&str; 6] = [
    "--vary",
    "agents.support.count=26..28",
    "--vary",
    "arrivals.inbound.rate=300/h,360/h",
    "--replications",
    "6",
];

#[test]
fn each_point_is_the_run_with_its_overrides() {
    let dir = temp_dir("sweep-points");
    let (stdout, _) = sweep(&dir.join("out"), &[&AXES[..], &["--json"]].concat(), &[]);
    let doc: Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(doc["axes"][0]["values"], serde_json::json!([26, 27, 28]));
    let points = doc["points"].as_array().unwrap();
    assert_eq!(points.len(), 6, "3 × 2 grid");
    // The grid varies the last axis fastest.
    assert_eq!(
        points[1]["values"],
        serde_json::json!({"agents.support.count": 26, "arrivals.inbound.rate": "360/h"})
    );
    let p = &points[3]; // 27 agents, 360/h
    assert_eq!(p["values"]["agents.support.count"], 27);
    let run = ccsim_ok(
        &[
            "run",
            scenario(FILE).to_str().unwrap(),
            "--json",
            "--replications",
            "6",
            "--set",
            "agents.support.count=27",
            "--set",
            "arrivals.inbound.rate=360/h",
            "--out",
            dir.join("run").to_str().unwrap(),
        ],
        &[],
    );
    let run: Value = serde_json::from_slice(&run).unwrap();
    assert_eq!(p["summary"].to_string(), run.to_string());
    // Common random numbers: more agents never serve the same customers worse here.
    let sl = |i: usize| {
        points[i]["summary"]["overall"]["service_level"]["mean"]
            .as_f64()
            .unwrap()
    };
    assert!(
        sl(1) < sl(3) && sl(3) < sl(5),
        "{} {} {}",
        sl(1),
        sl(3),
        sl(5)
    );
}

#[test]
fn csv_files_hold_one_row_per_point_and_per_kpi_and_scope() {
    let dir = temp_dir("sweep-csv").join("out");
    sweep(&dir, &AXES, &[]);
    let wide = std::fs::read_to_string(dir.join("sweep.csv")).unwrap();
    let mut lines = wide.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        &header[..6],
        [
            "agents.support.count",
            "arrivals.inbound.rate",
            "offered_mean",
            "offered_ci95",
            "answered_mean",
            "answered_ci95"
        ]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 6);
    assert_eq!((rows[5][0], rows[5][1]), ("28", "360/h"));
    let long = std::fs::read_to_string(dir.join("sweep-long.csv")).unwrap();
    assert!(long.starts_with(
        "point,agents.support.count,arrivals.inbound.rate,scope,name,kpi,mean,ci95\n"
    ));
    for scope in [
        "overall,overall",
        "queue,support",
        "channel,voice",
        "source,inbound",
        "group,support",
    ] {
        assert!(
            long.contains(&format!("5,28,360/h,{scope},")),
            "no {scope} rows:\n{}",
            &long[..500]
        );
    }
    // The wide file's service level is the long file's overall one.
    let sl_col = header
        .iter()
        .position(|h| *h == "service_level_mean")
        .unwrap();
    let in_long = long
        .lines()
        .find(|l| l.starts_with("5,28,360/h,overall,overall,service_level,"))
        .unwrap();
    assert_eq!(in_long.split(',').nth(6).unwrap(), rows[5][sl_col]);
    let m: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["command"], "sweep");
    assert_eq!(m["complete"], true);
}

#[test]
fn results_are_byte_identical_on_one_and_two_threads() {
    let base = temp_dir("sweep-threads");
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let dir = base.join(threads);
        sweep(&dir, &AXES, &[("RAYON_NUM_THREADS", threads)]);
        outputs.push(
            ["sweep.csv", "sweep-long.csv", "points.jsonl"]
                .map(|f| std::fs::read(dir.join(f)).unwrap()),
        );
    }
    assert!(
        outputs[0] == outputs[1],
        "outputs differ between 1 and 2 threads"
    );
}

#[test]
fn a_sweep_run_again_takes_the_points_it_already_has() {
    let base = temp_dir("sweep-resume");
    let dir = base.join("out");
    let (_, err) = sweep(&dir, &AXES, &[]);
    assert!(
        err.contains("swept 6 points (0 taken from an earlier run)"),
        "{err}"
    );
    let first = std::fs::read(dir.join("points.jsonl")).unwrap();

    // One more agent count: only its two points run.
    let wider = [
        "--vary",
        "agents.support.count=26..29",
        "--vary",
        "arrivals.inbound.rate=300/h,360/h",
        "--replications",
        "6",
    ];
    let (_, err) = sweep(&dir, &wider, &[]);
    assert!(
        err.contains("swept 8 points (6 taken from an earlier run)"),
        "{err}"
    );
    let fresh = base.join("fresh");
    sweep(&fresh, &wider, &[]);
    assert_eq!(
        std::fs::read(dir.join("points.jsonl")).unwrap(),
        std::fs::read(fresh.join("points.jsonl")).unwrap(),
        "reused points are the points a fresh sweep computes"
    );

    // An interrupted sweep: the finished points of the partial folder are taken.
    let partial = base.join(".again.ccsim-sweep");
    std::fs::create_dir_all(&partial).unwrap();
    let line = String::from_utf8(first)
        .unwrap()
        .lines()
        .nth(2)
        .unwrap()
        .to_string();
    let key = &line[8..72];
    std::fs::write(partial.join(format!("{key}.json")), format!("{line}\n")).unwrap();
    let (_, err) = sweep(&base.join("again"), &AXES, &[]);
    assert!(
        err.contains("swept 6 points (1 taken from an earlier run)"),
        "{err}"
    );
    assert!(
        !partial.exists(),
        "the partial folder is removed once the sweep is complete"
    );

    // A damaged point file is run again, not trusted.
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::write(partial.join(format!("{key}.json")), "{\"key\":\"").unwrap();
    let (_, err) = sweep(&base.join("again"), &AXES, &[]);
    assert!(
        err.contains("swept 6 points (6 taken from an earlier run)"),
        "{err}"
    );
    std::fs::create_dir_all(&partial).unwrap();
    std::fs::write(partial.join(format!("{key}.json")), "garbage").unwrap();
    let (_, err) = sweep(&base.join("fresh2"), &AXES, &[]);
    assert!(
        err.contains("swept 6 points (0 taken from an earlier run)"),
        "{err}"
    );

    // Records taken from a sweep with other axes carry this sweep's values.
    let (out, _) = sweep(
        &dir,
        &[
            "--set",
            "agents.support.count=26",
            "--vary",
            "arrivals.inbound.rate=300/h,360/h",
            "--replications",
            "6",
            "--json",
        ],
        &[],
    );
    let doc: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        doc["points"][0]["values"],
        serde_json::json!({"arrivals.inbound.rate": "300/h"})
    );

    // A different scenario (another seed) reuses nothing.
    let (_, err) = sweep(&dir, &[&AXES[..], &["--seed", "8"]].concat(), &[]);
    assert!(
        err.contains("swept 6 points (0 taken from an earlier run)"),
        "{err}"
    );
}

#[test]
fn a_bad_point_fails_the_sweep_before_anything_runs() {
    let dir = temp_dir("sweep-bad").join("out");
    let file = scenario(FILE);
    let out = ccsim(
        &[
            "sweep",
            file.to_str().unwrap(),
            "--vary",
            "agents.support.count=26,-1",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("at the sweep point agents.support.count=-1:"),
        "{err}"
    );
    assert!(
        err.contains("in --set agents.support.count=-1 (column 22)"),
        "{err}"
    );
    assert!(!dir.exists(), "nothing is written");

    let out = ccsim(
        &[
            "sweep",
            file.to_str().unwrap(),
            "--vary",
            "agents.support.count=1,2",
            "--vary",
            "simulation.seed=1",
            "--zip",
        ],
        &[],
    );
    assert!(stderr_no_panic(&out).contains("--zip pairs values element by element"));
}

#[test]
fn a_sweep_table_in_the_scenario_gives_the_axes() {
    let dir = temp_dir("sweep-table").join("out");
    let file = scenario("chat-concurrency-sweep.toml");
    let out = ccsim_ok(
        &[
            "sweep",
            file.to_str().unwrap(),
            "--replications",
            "3",
            "--json",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        doc["axes"],
        serde_json::json!([
            {"key": "agents.chat.capacity.chat", "values": [2, 3, 4]},
            {"key": "agents.chat.count", "values": [14, 18]}
        ])
    );
    let points = doc["points"].as_array().unwrap();
    assert_eq!(points.len(), 6);
    // More concurrency serves more chats, even with the slowdown.
    let sl = |i: usize| {
        points[i]["summary"]["overall"]["service_level"]["mean"]
            .as_f64()
            .unwrap()
    };
    assert!(sl(1) < sl(3) && sl(3) < sl(5));
    let shown = String::from_utf8(ccsim_ok(&["validate", file.to_str().unwrap()], &[])).unwrap();
    assert!(
        shown.contains("[sweep]: agents.chat.capacity.chat (3 values) × agents.chat.count (2 values) (crossed), 6 points"),
        "{shown}"
    );
    // --vary replaces the file's axes.
    let out = ccsim_ok(
        &[
            "sweep",
            file.to_str().unwrap(),
            "--replications",
            "2",
            "--vary",
            "agents.chat.count=15,16",
            "--json",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["points"].as_array().unwrap().len(), 2);
}

#[test]
fn a_bad_sweep_table_is_an_error_at_its_line_and_column() {
    let dir = temp_dir("sweep-table-bad");
    let path = super::write_scenario(
        &dir,
        &std::fs::read_to_string(scenario("chat-concurrency-sweep.toml"))
            .unwrap()
            .replace("range = \"2..4\"", "range = \"4..2\""),
    );
    let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert!(
        err.contains("s.toml:44:48: error: the range 4..2 runs backwards"),
        "{err}"
    );
}

/// A sweep's progress, recording what it is told to say.
#[derive(Default)]
struct Heard(std::sync::Mutex<Vec<String>>);

impl ccsim::experiment::Progress for Heard {
    fn replication(&self, _contacts: u64) {}
    fn point(&self) {}
    fn notice(&self, message: &str) {
        self.0.lock().unwrap().push(message.to_string());
    }
}

/// Another run is writing into the same folder: the sweep computes its
/// points, then waits for that run's lock before it writes its report, and
/// says so through its progress (the library prints nothing itself). Once
/// the other run is done, the sweep writes its folder whole.
#[test]
fn a_sweep_waiting_for_another_run_says_so_through_its_progress() {
    use ccsim::experiment::{Axis, Combine, Sweep};
    use std::time::{Duration, Instant};
    let dir = temp_dir("sweep-lock-notice");
    let out = dir.join("out");
    let prepared = Sweep {
        file: scenario(FILE),
        base: vec![],
        axes: vec![Axis::parse("agents.support.count=26..27").unwrap()],
        combine: Combine::Grid,
        seed: None,
        replications: Some(2),
        options: Default::default(),
        precision: None,
        charts: false,
        html: false,
    }
    .prepare()
    .unwrap();
    // The other run: it holds the lock on the folder the report goes in.
    let other = std::fs::File::open(&dir).unwrap();
    other.lock().unwrap();
    let heard = Heard::default();
    std::thread::scope(|s| {
        let sweep = s.spawn(|| prepared.run(&out, &heard));
        let start = Instant::now();
        let told = loop {
            if !heard.0.lock().unwrap().is_empty() {
                break true;
            }
            if start.elapsed() > Duration::from_secs(120) {
                break false;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let (waiting, written) = (!sweep.is_finished(), out.join("manifest.json").exists());
        // Released before any assertion, so a failure cannot leave the
        // sweep waiting forever.
        other.unlock().unwrap();
        let result = sweep.join().unwrap();
        assert!(told, "the sweep never said it was waiting");
        assert!(waiting, "it waits while the lock is held");
        assert!(!written, "nothing is written while it waits");
        result.unwrap();
    });
    let heard = heard.0.into_inner().unwrap();
    assert_eq!(heard.len(), 1, "{heard:?}");
    assert!(
        heard[0].starts_with("waiting for another ccsim run writing to ")
            && heard[0].ends_with(&dir.display().to_string()),
        "{heard:?}"
    );
    assert!(out.join("manifest.json").exists());
    let points = ccsim::experiment::read_points(&out).unwrap().count();
    assert_eq!(points, 2);
}
