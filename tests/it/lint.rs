//! `ccsim lint`: every example scenario is lint-clean (or its warnings are
//! the ones named here), warnings carry a rule id, why and help, and
//! `--deny warnings` turns them into exit status 1. The rules themselves
//! are tested one by one in `src/scenario/lint.rs`.

use super::{ccsim, scenario, stderr_no_panic, temp_dir, write_scenario};
use std::collections::BTreeSet;

/// The rule ids of the `warning[<id>]` lines in `stderr`.
fn rule_ids(stderr: &str) -> BTreeSet<String> {
    stderr
        .lines()
        .filter_map(|l| {
            let rest = &l[l.find(": warning[")? + ": warning[".len()..];
            Some(rest[..rest.find(']')?].to_string())
        })
        .collect()
}

/// Rule ids each example scenario is expected to raise (every other file:
/// none).
const EXPECTED: &[(&str, &[&str])] = &[];

#[test]
fn example_scenarios_raise_only_the_expected_rules() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 10, "{files:?}");
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let out = ccsim(&["lint", "--deny", "warnings", file.to_str().unwrap()], &[]);
        let err = stderr_no_panic(&out);
        let want: BTreeSet<String> = EXPECTED
            .iter()
            .find(|(f, _)| *f == name)
            .map_or(&[][..], |(_, ids)| ids)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(rule_ids(&err), want, "{name}:\n{err}");
        assert_eq!(out.status.success(), want.is_empty(), "{name}:\n{err}");
    }
}

const OVERLOADED: &str = r#"name = "overloaded"
[simulation]
horizon = "2h"
[[channels]]
name = "voice"
handle_time = { dist = "exponential", mean = "4m" }
[[arrivals]]
name = "calls"
channel = "voice"
rate = "60/h"
[[agents]]
group = "team"
count = 3
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
"#;

#[test]
fn a_warning_shows_where_why_and_how_to_fix_it() {
    let dir = temp_dir("lint-overload");
    let file = write_scenario(&dir, OVERLOADED);
    let path = file.to_str().unwrap();
    let out = ccsim(&["lint", path], &[]);
    let err = stderr_no_panic(&out);
    assert!(out.status.success(), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "{path}:15:8: warning[overload]: queue \"q\": the offered load is 4.0 Erlangs (60/h at 240 s of handle and wrap-up time), above the 3.0 capacity units its agents have logged in on average: occupancy would be 133%"
        ),
        "{err}"
    );
    assert_eq!(lines[2], "15 | name = \"q\"", "{err}");
    assert_eq!(lines[3], "   |        ^", "{err}");
    assert!(lines[4].starts_with("   = why: more work arrives"), "{err}");
    assert!(lines[5].starts_with("   = help: add agents"), "{err}");
    assert_eq!(lines.last(), Some(&format!("{path}: 1 warning").as_str()));
    assert_eq!(rule_ids(&err), BTreeSet::from(["overload".to_string()]));

    // --deny warnings fails on it; a fix (or an override) makes it clean.
    let out = ccsim(&["lint", "--deny", "warnings", path], &[]);
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("1 warning denied (--deny warnings)"), "{err}");
    let out = ccsim(
        &[
            "lint",
            "--deny",
            "warnings",
            path,
            "--set",
            "agents.team.count=6",
        ],
        &[],
    );
    let err = stderr_no_panic(&out);
    assert!(out.status.success(), "{err}");
    assert!(rule_ids(&err).is_empty(), "{err}");
}

#[test]
fn validate_shows_the_lint_warnings_and_still_succeeds() {
    let dir = temp_dir("lint-validate");
    let file = write_scenario(&dir, OVERLOADED);
    let out = ccsim(&["validate", file.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(rule_ids(&err), BTreeSet::from(["overload".to_string()]));
    assert!(!out.stdout.is_empty());
}

#[test]
fn several_files_are_linted_and_a_broken_one_fails() {
    let dir = temp_dir("lint-broken");
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "name = \"x\"\n[simulation]\nhorizon = \"1h\"\n").unwrap();
    let quick = scenario("quickstart.toml");
    let out = ccsim(
        &["lint", quick.to_str().unwrap(), bad.to_str().unwrap()],
        &[],
    );
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("quickstart.toml: 0 warnings"), "{err}");
    assert!(err.contains("error"), "{err}");
    assert!(err.contains("1 of 2 files did not load"), "{err}");
}
