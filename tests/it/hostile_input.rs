//! Never crash, hang or lie on bad input: one regression test per mechanism
//! that mutation testing of the scenario reader, expressions, TaskRouter JSON
//! and trace CSVs broke, each with its minimal input. Every run has a time
//! limit, so a hang fails instead of stalling the suite.

use super::{ccsim_within, stderr_no_panic, temp_dir, trace_dir};
use std::path::{Path, PathBuf};

/// A valid single-queue scenario; `{ARRIVAL}` and `{TARGET}` are replaced.
const BASE: &str = r#"name = "hostile"
[simulation]
horizon = "2h"
interval = "1h"
replications = 2
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
{ARRIVAL}
[[agents]]
group = "team"
count = 2
[[queues]]
name = "q"
target_workers = {TARGET}
[workflow]
default_filter = { queue = "q" }
"#;

const POISSON: &str =
    "channel = \"voice\"\nrate = \"60/h\"\nhandle_time = { dist = \"exponential\", mean = \"2m\" }";

fn scenario(dir: &Path, arrival: &str, target: &str) -> PathBuf {
    let text = BASE
        .replace("{ARRIVAL}", arrival)
        .replace("{TARGET}", target);
    super::write_scenario(dir, &text)
}

/// Runs `validate` within a time limit, expects exit status 1 and returns stderr.
fn refused(path: &Path) -> String {
    let out = ccsim_within(&["validate", path.to_str().unwrap()], 30);
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    err
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let dir = temp_dir("deep-nesting");
    for (tag, expr) in [
        (
            "parens",
            format!("{}1==1{}", "(".repeat(10_000), ")".repeat(10_000)),
        ),
        ("unbalanced", "(".repeat(10_000)),
        ("not", format!("{}1==1", "NOT ".repeat(100_000))),
        ("brackets", format!("x IN {}", "[".repeat(100_000))),
    ] {
        let path = scenario(&dir, POISSON, &format!("'{expr}'"));
        let err = refused(&path);
        assert!(
            err.contains("s.toml:18:")
                && err.contains(
                    "invalid routing expression: expression nested deeper than 100 levels"
                ),
            "{tag}: {}",
            &err[..err.len().min(2000)]
        );
    }
    // The same inside a TaskRouter JSON document.
    let json = format!(
        r#"{{"task_routing": {{"filters": [{{"expression": "{}1==1", "targets": [{{"queue": "q"}}]}}]}}}}"#,
        "(".repeat(10_000)
    );
    std::fs::write(dir.join("wf.json"), json).unwrap();
    let path = scenario(&dir, POISSON, "'1==1'");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "default_filter = { queue = \"q\" }",
        "taskrouter_json = \"wf.json\"",
    );
    std::fs::write(&path, text).unwrap();
    let err = refused(&path);
    assert!(
        err.contains("wf.json:1:") && err.contains("nested deeper than 100 levels"),
        "{}",
        &err[..err.len().min(2000)]
    );
}

/// A problem beyond column 65 535 used to panic in the diagnostic renderer.
#[test]
fn a_problem_far_along_a_line_is_shown_as_an_excerpt() {
    let dir = temp_dir("long-line");
    let path = dir.join("s.toml");
    std::fs::write(&path, format!("name = \"{}\" x", "A".repeat(65_525))).unwrap();
    let err = refused(&path);
    assert!(
        err.contains("s.toml:1:65536: error:"),
        "{}",
        &err[..err.len().min(600)]
    );
    assert!(
        err.len() < 1000,
        "the excerpt is a window: {} bytes",
        err.len()
    );
}

/// Output grows with the number of problems, not with problems × line length.
#[test]
fn many_problems_on_one_long_line_give_bounded_output() {
    let dir = temp_dir("many-on-a-line");
    let targets = vec!["{ queue = \"nope\" }"; 1000].join(", ");
    let path = scenario(&dir, POISSON, "'1==1'");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "default_filter = { queue = \"q\" }",
        &format!("filters = [{{ expression = \"1==1\", targets = [{targets}] }}]"),
    );
    std::fs::write(&path, text).unwrap();
    let started = std::time::Instant::now();
    let err = refused(&path);
    assert!(err.len() < 20_000, "{} bytes of output", err.len());
    assert!(
        err.contains("… and 997 more like this error: unknown queue \"nope\""),
        "{err}"
    );
    assert!(err.contains("1000 errors in scenario"), "{err}");
    assert!(started.elapsed().as_secs() < 10);
    // A 200 KB one-line JSON workflow with an unknown key per target.
    let targets = vec![r#"{"queue": "q", "bogus": 1}"#; 8000].join(",");
    std::fs::write(
        dir.join("wf.json"),
        format!(r#"{{"task_routing": {{"filters": [{{"expression": "1==1", "targets": [{targets}]}}]}}}}"#),
    )
    .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find("filters = [").unwrap();
    std::fs::write(
        &path,
        format!("{}taskrouter_json = \"wf.json\"\n", &text[..start]),
    )
    .unwrap();
    let err = refused(&path);
    assert!(err.len() < 20_000, "{} bytes of output", err.len());
    assert!(
        err.contains("7997 more like this"),
        "{}",
        &err[..err.len().min(3000)]
    );
}

/// `-0` in a trace is time 0: one agent answers the second call when the
/// first ends (it used to hold both at once).
#[test]
fn negative_zero_arrival_times_are_zero() {
    let dir = trace_dir("negative-zero", "-0,voice,600,,\n-0,voice,600,,\n");
    let path = scenario(&dir, "trace = \"calls.csv\"", "'1==1'");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("count = 2", "count = 1")
        .replace("replications = 2", "replications = 1");
    std::fs::write(&path, text).unwrap();
    let out = ccsim_within(
        &[
            "run",
            path.to_str().unwrap(),
            "--json",
            "--out",
            dir.join("out").to_str().unwrap(),
        ],
        30,
    );
    let err = stderr_no_panic(&out);
    assert!(out.status.success(), "{err}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kpi = |k: &str| v["overall"][k]["mean"].as_f64().unwrap();
    assert_eq!(kpi("answered"), 2.0);
    assert_eq!(
        kpi("wait_max_s"),
        600.0,
        "the second call waits a whole talk"
    );
    assert_eq!(kpi("asa_s"), 300.0);
    assert!(v["groups"]["team"]["occupancy"]["mean"].as_f64().unwrap() <= 1.0);
}

/// A customer who abandons at once and always calls again at once would
/// loop forever at one instant: refused at load.
#[test]
fn a_zero_delay_redial_loop_is_refused() {
    let dir = temp_dir("redial-loop");
    let arrival = format!(
        "{POISSON}\npatience = {{ dist = \"deterministic\", mean = \"0s\" }}\nredial = {{ probability = 1.0, delay = {{ dist = \"deterministic\", mean = \"0s\" }} }}"
    );
    let path = scenario(&dir, &arrival, "'1==1'");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("count = 2", "count = 0");
    std::fs::write(&path, text).unwrap();
    let err = refused(&path);
    assert!(
        err.contains("s.toml:14:10: error: a redial with probability 1 and a delay that can be 0 s (or averages under 1 ms) repeats forever"),
        "{err}"
    );
    // A delay too short for time to advance is the same loop; a certain
    // redial every 0.1 s is bounded the attempts only by the run's length, which
    // the contact estimate refuses.
    for (delay, expected) in [
        ("1e-20", "averages under 1 ms"),
        ("0.1s", "up to 7.344e8 contacts per replication"),
    ] {
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("mean = \"0s\" } }", &format!("mean = \"{delay}\" }} }}"));
        let p2 = dir.join("s2.toml");
        std::fs::write(&p2, text).unwrap();
        let err = refused(&p2);
        assert!(err.contains(expected), "{delay}: {err}");
    }
    for verb in ["run", "explain"] {
        let mut args = vec![verb, path.to_str().unwrap()];
        if verb == "explain" {
            args.extend(["--task", "0"]);
        }
        let out = ccsim_within(&args, 30);
        assert_eq!(out.status.code(), Some(1), "{verb}");
    }
}

/// Absurd rates are refused at load with the estimate and the limit, which
/// `--max-contacts` moves.
#[test]
fn absurd_work_is_refused_with_an_estimate() {
    let dir = temp_dir("absurd-work");
    for (tag, arrival) in [
        ("1e308/h", POISSON.replace("60/h", "1e308/h")),
        ("1e9/h", POISSON.replace("60/h", "1e9/h")),
        (
            "multiplier",
            format!("{POISSON}\nprofile = {{ interval = \"12h\", multipliers = [1e9, 1] }}"),
        ),
    ] {
        let path = scenario(&dir, &arrival, "'1==1'");
        let err = refused(&path);
        assert!(
            err.contains("s.toml:11:8: error: this scenario could simulate up to ")
                && err.contains("contacts per replication")
                && err.contains("the limit is 5.000e7")
                && err.contains("--max-contacts"),
            "{tag}: {err}"
        );
    }
    // 120 expected contacts: refused under a limit of 100, run under the default.
    let path = scenario(&dir, POISSON, "'1==1'");
    let p = path.to_str().unwrap();
    let out = ccsim_within(&["validate", p, "--max-contacts", "100"], 30);
    let err = stderr_no_panic(&out);
    assert!(
        err.contains("up to 1.200e2 contacts per replication")
            && err.contains("the limit is 1.000e2"),
        "{err}"
    );
    let out = ccsim_within(&["validate", p], 30);
    assert!(out.status.success(), "{}", stderr_no_panic(&out));
}

/// Devices and pipes are refused before anything is read from them.
#[test]
fn inputs_that_are_not_files_are_refused() {
    let dir = temp_dir("not-files");
    for device in ["/dev/zero", "/dev/urandom"] {
        let path = scenario(&dir, &format!("trace = \"{device}\""), "'1==1'");
        let err = refused(&path);
        assert!(
            err.contains(&format!(
                "cannot read the trace: {device} is not a regular file"
            )),
            "{err}"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        let with_card = text.replace(&format!("trace = \"{device}\""), POISSON)
            + &format!("[costs]\ncard = \"{device}\"\n");
        std::fs::write(&path, &with_card).unwrap();
        let err = refused(&path);
        assert!(err.contains("is not a regular file"), "{err}");
        let with_json = with_card
            .replace(&format!("[costs]\ncard = \"{device}\"\n"), "")
            .replace(
                "default_filter = { queue = \"q\" }",
                &format!("taskrouter_json = \"{device}\""),
            );
        std::fs::write(&path, with_json).unwrap();
        let err = refused(&path);
        assert!(
            err.contains(&format!(
                "cannot read the TaskRouter workflow: {device} is not a regular file"
            )),
            "{err}"
        );
        let out = ccsim_within(&["validate", device], 30);
        let err = stderr_no_panic(&out);
        assert_eq!(out.status.code(), Some(1));
        assert!(err.contains("is not a regular file"), "{err}");
    }
}

#[test]
fn a_file_that_is_not_utf8_names_the_bad_byte() {
    let dir = temp_dir("latin1");
    let path = dir.join("s.toml");
    std::fs::write(&path, b"name = \"caf\xe9\"\n").unwrap();
    let err = refused(&path);
    assert!(
        err.contains("is not valid UTF-8: the byte at offset 11 (line 1, column 12)"),
        "{err}"
    );
}
