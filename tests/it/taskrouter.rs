//! Import of TaskRouter workflow documents: same results as the TOML form,
//! SID mapping, and errors that point into the JSON.

use super::{ccsim, ccsim_ok, scenario, stderr_no_panic, temp_dir};

/// Acceptance: the worked example loads as TOML and as TaskRouter JSON, and
/// both give identical results for the same seed.
#[test]
fn worked_example_toml_and_json_agree() {
    let run = |file: &str| -> serde_json::Value {
        let dir = temp_dir(&format!("tr-{file}"));
        let out = ccsim_ok(
            &[
                "run",
                scenario(file).to_str().unwrap(),
                "--json",
                "--replications",
                "6",
                "--out",
                dir.to_str().unwrap(),
            ],
            &[],
        );
        let mut v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        v.as_object_mut().unwrap().remove("scenario");
        v
    };
    let toml = run("worked-example.toml");
    let json = run("worked-example-json.toml");
    assert_eq!(toml, json);
    // And the workflow really escalated: gold voice reached its third step.
    let third = toml["steps"]["gold voice #3"]["entered"]["mean"]
        .as_f64()
        .unwrap();
    assert!(third > 0.0, "{third}");
}

const SCENARIO: &str = r#"name = "import"
[simulation]
horizon = "2h"
interval = "1h"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "60/h"
handle_time = { dist = "exponential", mean = "2m" }
[[agents]]
group = "a"
count = 3
[[queues]]
name = "support"
target_workers = "1==1"
[workflow]
taskrouter_json = "wf.json"
"#;

fn write(tag: &str, json: &str, extra: &str) -> std::path::PathBuf {
    let dir = temp_dir(&format!("tr-{tag}"));
    std::fs::write(dir.join("wf.json"), json).unwrap();
    super::write_scenario(&dir, &format!("{SCENARIO}{extra}"))
}

fn fails(tag: &str, json: &str, extra: &str, expected: &[&str]) {
    let path = write(tag, json, extra);
    let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{tag}: {err}");
    for e in expected {
        assert!(err.contains(e), "{tag}: expected `{e}` in:\n{err}");
    }
}

#[test]
fn queue_sids_map_to_scenario_queues() {
    let json = r#"{"task_routing": {"filters": [{"filter_friendly_name": "all", "expression": "1==1",
        "targets": [{"queue": "WQ0123456789abcdef0123456789abcdef", "priority": "5", "timeout": "30"}]}]}}"#;
    let path = write(
        "sids",
        json,
        "queue_sids = { WQ0123456789abcdef0123456789abcdef = \"support\" }\n",
    );
    let out = ccsim_ok(&["validate", path.to_str().unwrap()], &[]);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("→ queue support, priority 5, timeout 30 s"),
        "{text}"
    );
}

#[test]
fn json_syntax_error_has_line_and_column() {
    fails(
        "syntax",
        "{\"task_routing\": {\n  \"filters\": [,]\n}}",
        "",
        &["wf.json:2:15: error: invalid JSON: expected a value, found `,`"],
    );
}

#[test]
fn unknown_target_key_points_into_the_json() {
    let json = "{\"task_routing\": {\"filters\": [\n  {\"expression\": \"1==1\", \"targets\": [{\"queue\": \"support\", \"timout\": 10}]}\n]}}";
    fails(
        "key",
        json,
        "",
        &[
            "wf.json:2:59: error: unknown key \"timout\" in a target; expected one of queue, priority, timeout",
        ],
    );
}

#[test]
fn unmapped_sid_suggests_queue_sids() {
    let json = "{\"task_routing\": {\"default_filter\": {\"queue\": \"WQ42\"}}}";
    fails(
        "sid",
        json,
        "",
        &[
            "wf.json:1:47: error: unknown queue \"WQ42\"; expected one of \"support\" (map TaskRouter queue SIDs to names",
        ],
    );
}

#[test]
fn expression_error_column_accounts_for_escapes() {
    // The `&` is column 21 of the expression `skill == \"x\" && y == 1`; in the
    // file two escapes precede it.
    let json = "{\"task_routing\": {\"filters\": [{\"expression\": \"skill == \\\"x\\\" && y == 1\", \"targets\": [{\"queue\": \"support\"}]}]}}";
    let col = json.find('&').unwrap() + 1;
    fails(
        "expr",
        json,
        "",
        &[&format!(
            "wf.json:1:{col}: error: invalid routing expression: unexpected character `&` (use AND / OR) (column 14 of the expression)"
        )],
    );
}

#[test]
fn both_json_and_toml_filters_is_an_error() {
    let json = "{\"task_routing\": {\"default_filter\": {\"queue\": \"support\"}}}";
    fails(
        "both",
        json,
        "default_filter = { queue = \"support\" }\n",
        &[
            "s.toml:19:19: error: give either taskrouter_json or [[workflow.filters]]/default_filter, not both",
        ],
    );
}
