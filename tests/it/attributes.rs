//! Task attributes and references read as TaskRouter reads them: nested
//! objects are objects, random choices have a syntax of their own, a
//! filter's `task.` prefix and attributes no source sets are warned about,
//! and the known-worker and legacy queue keys SDKs write are accepted.

use super::{ccsim, load_in, stderr_no_panic, temp_dir, write_scenario};
use ccsim::metrics::{Kpi, StepKpi};

/// A one-queue scenario whose source has `attrs` and whose only filter has
/// `filter`; no default filter, so unmatched tasks are canceled.
fn scenario(attrs: &str, filter: &str) -> String {
    format!(
        r#"name = "attributes"
[simulation]
horizon = "2h"
interval = "1h"
replications = 1
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "60/h"
handle_time = {{ dist = "exponential", mean = "1m" }}
{attrs}
[[agents]]
group = "team"
count = 5
[[queues]]
name = "q"
target_workers = "1==1"
[[workflow.filters]]
name = "f"
expression = '{filter}'
targets = [{{ queue = "q" }}]
"#
    )
}

/// Runs replication 0 and returns (answered, canceled with no match).
fn routed(text: &str) -> (f64, f64) {
    let s = load_in(&temp_dir("attrs"), text);
    let r = ccsim::engine::run(&s, 1, 0);
    (r.overall[Kpi::Answered], r.overall[Kpi::CanceledNoMatch])
}

/// Flex configurations are full of nested objects such as
/// `callBackData.attempts`: a table of numbers is an object, read by path.
#[test]
fn nested_objects_are_objects() {
    for attempts in [0, 1] {
        let text = scenario(
            &format!("attributes = {{ callBackData = {{ attempts = {attempts} }} }}"),
            &format!("callBackData.attempts == {attempts}"),
        );
        let (answered, unmatched) = routed(&text);
        assert!(answered > 50.0, "attempts = {attempts}: {answered}");
        assert_eq!(unmatched, 0.0, "every task matches its own attempts");
    }
}

/// `choose` draws one key per arrival with the given weights; the old form
/// (a bare table of numbers) is refused with both ways to write it.
#[test]
fn random_choices_have_their_own_syntax() {
    let text = scenario(
        "attributes = { language = { choose = { en = 3, es = 1 } } }",
        "language == \"es\"",
    );
    let s = load_in(&temp_dir("choose"), &text.replace("60/h", "6000/h"));
    let r = ccsim::engine::run(&s, 1, 0);
    let (offered, unmatched) = (r.overall[Kpi::Offered], r.overall[Kpi::CanceledNoMatch]);
    let es = (offered - unmatched) / offered;
    // Binomial: sd of the share is sqrt(0.25 × 0.75 / ~12 000) ≈ 0.004.
    assert!((es - 0.25).abs() < 0.02, "Spanish share {es}");
    let old = scenario(
        "attributes = { language = { en = 0.8, es = 0.2 } }",
        "language == \"es\"",
    );
    let path = write_scenario(&temp_dir("old-choice"), &old);
    let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("attribute \"language\" is a table of numbers, which is ambiguous: to draw one of its keys per arrival write language = { choose = { en = …, es = … } }")
            && err.contains("attributes_json"),
        "{err}"
    );
}

/// `attributes_json` takes task attributes as TaskRouter stores them.
#[test]
fn attributes_can_be_given_as_json() {
    let text = scenario(
        r#"attributes_json = '{"customer": {"score": 7, "tier": 2}}'"#,
        "customer.score == 7 AND customer.tier == 2",
    );
    let (answered, unmatched) = routed(&text);
    assert!(answered > 50.0);
    assert_eq!(unmatched, 0.0);
}

/// TaskRouter reads a filter's keys from the task's attribute document, so
/// `task.skill` is the attribute `task` → `skill`: never set here, the
/// filter never matches, and `validate` says so and how to fix it; a
/// misspelled attribute gets the nearest spelling.
#[test]
fn filters_reading_attributes_no_source_sets_are_warned_about() {
    let dir = temp_dir("task-prefix");
    for (filter, expected) in [
        (
            "task.skill == \"payments\"",
            "filter \"f\" reads the task attribute `task.skill`, which no arrival source sets (so it is always null there); filter expressions read task attributes without a prefix (`task.skill` is the attribute `task` → `skill`): write `skill`",
        ),
        (
            "skil == \"payments\"",
            "filter \"f\" reads the task attribute `skil`, which no arrival source sets (so it is always null there); did you mean `skill`?",
        ),
    ] {
        let text = scenario("attributes = { skill = \"payments\" }", filter);
        let path = write_scenario(&dir, &text);
        let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
        let err = stderr_no_panic(&out);
        assert!(out.status.success(), "a warning: {err}");
        assert!(
            err.contains(&format!("s.toml:22:15: warning: {expected}")),
            "{err}"
        );
        let (answered, unmatched) = routed(&text);
        assert_eq!(answered, 0.0, "as TaskRouter: the filter never matches");
        assert!(unmatched > 50.0);
    }
}

/// SDKs may write both known-worker keys: the SID is used (the friendly name
/// ignored, with a warning); the legacy `task_queue_sid` is read as `queue`.
#[test]
fn keys_sdks_write_are_accepted() {
    let dir = temp_dir("sdk-keys");
    std::fs::write(
        dir.join("wf.json"),
        r#"{"task_routing": {"filters": [{"filter_friendly_name": "known", "expression": "1==1",
  "targets": [{"task_queue_sid": "q", "known_worker_sid": "task.agent", "known_worker_friendly_name": "task.nobody", "timeout": 30},
              {"queue": "q"}]}]}}"#,
    )
    .unwrap();
    let text = scenario("attributes = { agent = \"team-2\" }", "1==1").replace(
        "[[workflow.filters]]\nname = \"f\"\nexpression = '1==1'\ntargets = [{ queue = \"q\" }]\n",
        "[workflow]\ntaskrouter_json = \"wf.json\"\n",
    );
    let path = write_scenario(&dir, &text);
    let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("wf.json:2:34: warning: `task_queue_sid` is the legacy name of `queue`; it is read as `queue`"),
        "{err}"
    );
    assert!(
        err.contains("warning: both known_worker_sid and known_worker_friendly_name are given: the worker is found by known_worker_sid (\"task.agent\") and known_worker_friendly_name is ignored"),
        "{err}"
    );
    // The SID names worker team-2, which exists, so tasks reach it in step 1.
    let s = load_in(&dir, &text);
    let r = ccsim::engine::run(&s, 1, 0);
    let step1 = &r.steps[0];
    assert!(
        step1[StepKpi::Answered] > 50.0,
        "answered in the known-worker step: {step1:?}"
    );
}
