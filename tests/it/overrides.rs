//! `--set KEY=VALUE`: an override is the same as editing the file, and a
//! bad one is reported like a mistake in the file, naming the override.

use super::{ccsim, ccsim_ok, scenario, stderr_no_panic, temp_dir};
use ccsim::scenario::{LoadOptions, Override, load_overridden, load_str};

/// The `--json` summary of a run of `file` with `sets`.
fn summary(file: &std::path::Path, sets: &[&str]) -> Vec<u8> {
    let dir = temp_dir("override-run");
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--json",
        "--replications",
        "3",
    ];
    args.extend(["--out", dir.to_str().unwrap()]);
    for s in sets {
        args.extend(["--set", s]);
    }
    ccsim_ok(&args, &[])
}

#[test]
fn an_override_gives_the_same_run_as_the_edited_file() {
    let original = std::fs::read_to_string(scenario("escalation.toml")).unwrap();
    let edited = original
        .replace("count = 12", "count = 14")
        .replace(
            "{ queue = \"tier1\", timeout = \"30s\" }",
            "{ queue = \"tier1\", timeout = \"45s\" }",
        )
        .replace("rate = \"300/h\"", "rate = \"280/h\"");
    assert_ne!(original, edited);
    let dir = temp_dir("override-edited");
    let copy = dir.join("escalation.toml");
    std::fs::write(&copy, &edited).unwrap();

    let by_file = summary(&copy, &[]);
    let by_override = summary(
        &scenario("escalation.toml"),
        &[
            "agents.tier1.count=14",
            "workflow.filters.calls.targets.0.timeout=45s",
            "arrivals.calls.rate=280/h",
        ],
    );
    // The summary names the scenario's path nowhere, so the two must be equal
    // byte for byte; and differ from the unedited run.
    assert_eq!(
        String::from_utf8(by_file).unwrap(),
        String::from_utf8(by_override.clone()).unwrap()
    );
    assert_ne!(by_override, summary(&scenario("escalation.toml"), &[]));
}

#[test]
fn overrides_apply_in_order_and_by_index_too() {
    let path = scenario("escalation.toml");
    let sets = |v: &[&str]| -> Vec<Override> { v.iter().map(|s| s.parse().unwrap()).collect() };
    let load = |v: &[&str]| {
        load_overridden(&path, &LoadOptions::default(), &sets(v))
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario
    };
    let s = load(&["agents.1.count=9", "agents.tier2.count=7"]);
    assert_eq!(s.groups[1].count, 7, "the later override wins");
    assert_eq!(
        s.overrides,
        vec!["agents.1.count=9", "agents.tier2.count=7"]
    );
    // A table the file lacks is created: costs priced from an override alone.
    let s = load(&["costs.card=\"none\"", "costs.labor.tier1=20"]);
    assert!(s.costs.is_some());
}

#[test]
fn a_bad_override_names_the_override_and_the_column() {
    let out = ccsim(
        &[
            "validate",
            scenario("escalation.toml").to_str().unwrap(),
            "--set",
            "agents.tier1.count=many",
            "--set",
            "agents.tier3.count=2",
        ],
        &[],
    );
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("escalation.toml: in --set agents.tier1.count=many (column 20): error: expected an integer"),
        "{err}"
    );
    assert!(err.contains("--set | agents.tier1.count=many"), "{err}");
    assert!(
        err.contains("unknown entry of `agents` \"tier3\"; expected one of \"tier1\", \"tier2\""),
        "{err}"
    );
    assert!(err.contains("2 errors in scenario"), "{err}");

    let out = ccsim(
        &[
            "validate",
            scenario("escalation.toml").to_str().unwrap(),
            "--set",
            "count",
        ],
        &[],
    );
    let err = stderr_no_panic(&out);
    assert!(err.contains("expected KEY=VALUE"), "{err}");
}

#[test]
fn the_same_problem_reads_the_same_in_the_file_and_in_an_override() {
    let text = std::fs::read_to_string(scenario("escalation.toml")).unwrap();
    let about_count = |e: ccsim::scenario::diag::ScenarioError| {
        e.diagnostics
            .into_iter()
            .find(|d| d.message.contains("count"))
            .expect("a problem with the count")
    };
    let in_file = about_count(
        load_str(
            &scenario("escalation.toml"),
            &text.replace("count = 12", "count = -3"),
        )
        .unwrap_err(),
    );
    let in_override = about_count(
        load_overridden(
            &scenario("escalation.toml"),
            &LoadOptions::default(),
            &["agents.tier1.count=-3".parse().unwrap()],
        )
        .unwrap_err(),
    );
    assert_eq!(in_override.message, in_file.message);
    assert_eq!(in_file.setting, None);
    assert_eq!(
        in_override.setting.as_deref(),
        Some("agents.tier1.count=-3")
    );
}

#[test]
fn the_manifest_lists_the_overrides() {
    let dir = temp_dir("override-manifest");
    ccsim_ok(
        &[
            "run",
            scenario("escalation.toml").to_str().unwrap(),
            "--replications",
            "2",
            "--set",
            "agents.tier2.count=6",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["overrides"], serde_json::json!(["agents.tier2.count=6"]));
}

#[test]
fn explain_reads_the_overrides_too() {
    let q = scenario("quickstart.toml");
    let slowest = |sets: &[&str]| {
        let mut args = vec!["explain", q.to_str().unwrap(), "--slowest", "1"];
        for s in sets {
            args.extend(["--set", s]);
        }
        String::from_utf8(ccsim_ok(&args, &[])).unwrap()
    };
    let (base, fewer) = (slowest(&[]), slowest(&["agents.support.count=22"]));
    assert_ne!(base, fewer, "22 agents leave a different slowest task");
    let out = ccsim(
        &[
            "explain",
            q.to_str().unwrap(),
            "--task",
            "0",
            "--set",
            "agents.support.count=[1, 2",
        ],
        &[],
    );
    let err = stderr_no_panic(&out);
    assert!(err.contains("the value is not valid TOML"), "{err}");
}
