//! Unit tests of the lint rules: each fires on a small edit of one clean
//! scenario, and stays quiet on the edit that fixes it.

use super::*;

/// A correct one-queue scenario: no rule fires on it.
const BASE: &str = r#"name = "t"
[simulation]
horizon = "2h"
[[channels]]
name = "voice"
handle_time = { dist = "exponential", mean = "4m" }
[[arrivals]]
name = "calls"
channel = "voice"
rate = "60/h"
attributes = { skill = "sales" }
[[agents]]
group = "team"
count = 10
attributes = { level = 2 }
#AGENTS
[[queues]]
name = "q"
target_workers = "1==1"
#QUEUES
[workflow]
#WORKFLOW
[[workflow.filters]]
name = "f"
expression = "skill == 'sales'"
targets = [{ queue = "q" }]
"#;

/// The rule ids raised on `BASE` with each (marker or text, replacement) applied.
fn rules(edits: &[(&str, &str)]) -> Vec<&'static str> {
    let mut text = BASE.to_string();
    for (from, to) in edits {
        assert!(text.contains(from), "{from}");
        text = text.replacen(from, to, 1);
    }
    let path = std::path::Path::new("t.toml");
    let s = super::super::load_str(path, &text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    let mut ids: Vec<&'static str> = lint_str(&s, &text, &[])
        .iter()
        .map(|d| d.rule.expect("every lint has a rule"))
        .collect();
    ids.dedup();
    ids
}

fn fires(rule: &str, edits: &[(&str, &str)]) {
    let got = rules(edits);
    assert!(got.contains(&rule), "{rule} not in {got:?}");
}

fn quiet(rule: &str, edits: &[(&str, &str)]) {
    let got = rules(edits);
    assert!(!got.contains(&rule), "{rule} in {got:?}");
}

#[test]
fn the_base_scenario_is_clean() {
    assert_eq!(rules(&[]), Vec::<&str>::new());
}

#[test]
fn every_rule_is_listed_once() {
    let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len());
}

#[test]
fn queue_no_capacity() {
    let chat = "[[channels]]\nname = \"chat\"\nhandle_time = { dist = \"exponential\", mean = \"4m\" }\n[[arrivals]]\nname = \"chats\"\nchannel = \"chat\"\nrate = \"6/h\"\nattributes = { skill = \"sales\" }\n[[agents]]";
    fires(
        "queue-no-capacity",
        &[
            ("[[agents]]", chat),
            ("#AGENTS", "capacity = { voice = 1 }"),
        ],
    );
    quiet(
        "queue-no-capacity",
        &[
            ("[[agents]]", chat),
            ("#AGENTS", "capacity = { voice = 1, chat = 2 }"),
        ],
    );
}

#[test]
fn target_matches_no_worker() {
    let target = r#"targets = [{ queue = "q" }]"#;
    fires(
        "target-matches-no-worker",
        &[(
            target,
            r#"targets = [{ queue = "q", expression = "worker.level >= 3" }]"#,
        )],
    );
    quiet(
        "target-matches-no-worker",
        &[(
            target,
            r#"targets = [{ queue = "q", expression = "worker.level >= 2" }]"#,
        )],
    );
}

#[test]
fn filter_unreachable_and_shadowed() {
    fires(
        "filter-unreachable",
        &[("skill == 'sales'", "skill == 'billing'")],
    );
    let above = "[[workflow.filters]]\nname = \"all\"\nexpression = \"1==1\"\ntargets = [{ queue = \"q\" }]\n[[workflow.filters]]";
    fires("filter-shadowed", &[("[[workflow.filters]]", above)]);
    // A timeout lets tasks fall through to it.
    let timed = "[[workflow.filters]]\nname = \"all\"\nexpression = \"1==1\"\ntargets = [{ queue = \"q\", timeout = 30 }]\n[[workflow.filters]]";
    quiet("filter-shadowed", &[("[[workflow.filters]]", timed)]);
}

#[test]
fn step_unreachable() {
    let target = r#"targets = [{ queue = "q" }]"#;
    fires(
        "step-unreachable",
        &[(target, r#"targets = [{ queue = "q" }, { timeout = 10 }]"#)],
    );
    fires(
        "step-unreachable",
        &[
            (target, r#"targets = [{ timeout = 60, queue = "q" }, { }]"#),
            ("#WORKFLOW", "task_timeout = \"1m\""),
        ],
    );
    quiet(
        "step-unreachable",
        &[(target, r#"targets = [{ queue = "q", timeout = 10 }, { }]"#)],
    );
    quiet(
        "step-unreachable",
        &[(
            target,
            r#"targets = [{ queue = "q", skip_if = "workers.available == 0" }, { timeout = 10 }, { }]"#,
        )],
    );
}

#[test]
fn skip_if_constant() {
    let target = r#"targets = [{ queue = "q" }]"#;
    let with = |e: &str| format!(r#"targets = [{{ queue = "q", skip_if = "{e}" }}]"#);
    fires(
        "skip-if-constant",
        &[(target, &with("workers.available < 0"))],
    );
    // Ten members: at most ten of them are available.
    fires(
        "skip-if-constant",
        &[(target, &with("workers.available <= 10"))],
    );
    quiet(
        "skip-if-constant",
        &[(target, &with("workers.available == 0"))],
    );
    // The idiom "skip unless someone is free at once".
    quiet("skip-if-constant", &[(target, &with("1==1"))]);
}

#[test]
fn an_imported_workflow_is_pointed_at_by_taskrouter_json() {
    let dir = std::env::temp_dir().join(format!("ccsim-lint-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("wf.json"),
        r#"{"task_routing": {"filters": [{"filter_friendly_name": "f", "expression": "skill == 'billing'", "targets": [{"queue": "q"}]}], "default_filter": {"queue": "q"}}}"#,
    )
    .unwrap();
    let text = BASE
        .replace("#WORKFLOW", "taskrouter_json = \"wf.json\"")
        .replace(
            "[[workflow.filters]]\nname = \"f\"\nexpression = \"skill == 'sales'\"\ntargets = [{ queue = \"q\" }]\n",
            "",
        );
    let path = dir.join("t.toml");
    let s = super::super::load_str(&path, &text)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    let lints = lint_str(&s, &text, &[]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(lints.len(), 1, "{lints:?}");
    assert_eq!(lints[0].rule, Some("filter-unreachable"));
    let line = text
        .lines()
        .position(|l| l.starts_with("taskrouter_json"))
        .unwrap()
        + 1;
    assert_eq!((lints[0].line, lints[0].column), (line, 19));
}

#[test]
fn coverage_gap() {
    fires(
        "coverage-gap",
        &[(
            "#AGENTS",
            r#"shifts = [{ start = "00:00", end = "01:00" }]"#,
        )],
    );
    quiet(
        "coverage-gap",
        &[(
            "#AGENTS",
            r#"shifts = [{ start = "00:00", end = "02:00" }]"#,
        )],
    );
    // Nobody arrives in the second hour.
    quiet(
        "coverage-gap",
        &[
            (
                "#AGENTS",
                r#"shifts = [{ start = "00:00", end = "01:00" }]"#,
            ),
            (
                r#"rate = "60/h""#,
                r#"profile = { interval = "1h", rates = ["60/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h", "0/h"] }"#,
            ),
        ],
    );
}

#[test]
fn followup_unstaffed() {
    let vm = |who: &str| {
        format!(
            "[[queues]]\nname = \"vm\"\ntarget_workers = \"{who}\"\n[[hours]]\nname = \"office\"\nopen = {{ mon = \"00:00-01:00\" }}"
        )
    };
    let after = "hours = \"office\"\nafter_hours = { action = \"voicemail\", queue = \"vm\" }";
    fires(
        "followup-unstaffed",
        &[("#QUEUES", &vm("level == 9")), ("#WORKFLOW", after)],
    );
    quiet(
        "followup-unstaffed",
        &[("#QUEUES", &vm("level == 2")), ("#WORKFLOW", after)],
    );
    let transfer = |who: &str| {
        format!(
            "transfer = {{ probability = 0.1, to = \"vm\" }}\n{}",
            vm(who)
        )
    };
    fires(
        "followup-unstaffed",
        &[("#QUEUES", &transfer("level == 9"))],
    );
    quiet(
        "followup-unstaffed",
        &[("#QUEUES", &transfer("level == 2"))],
    );
}

#[test]
fn followup_closed() {
    let vm = |open: &str| {
        format!(
            "transfer = {{ probability = 0.1, to = \"vm\" }}\n[[queues]]\nname = \"vm\"\ntarget_workers = \"1==1\"\nhours = \"office\"\n[[hours]]\nname = \"office\"\nopen = {{ mon = \"{open}\" }}"
        )
    };
    // Transfers are made all the time; the target closes at 01:00.
    fires("followup-closed", &[("#QUEUES", &vm("00:00-01:00"))]);
    quiet("followup-closed", &[("#QUEUES", &vm("00:00-02:00"))]);
}

#[test]
fn implausible_values() {
    fires("long-handle-time", &[(r#"mean = "4m""#, r#"mean = "3h""#)]);
    quiet("long-handle-time", &[(r#"mean = "4m""#, r#"mean = "1h""#)]);
    let patience = |mean: &str| {
        format!(
            "attributes = {{ skill = \"sales\" }}\npatience = {{ dist = \"exponential\", mean = \"{mean}\" }}"
        )
    };
    let attrs = r#"attributes = { skill = "sales" }"#;
    fires("long-patience", &[(attrs, &patience("2d"))]);
    quiet("long-patience", &[(attrs, &patience("5m"))]);
    fires(
        "threshold-over-ttl",
        &[("#WORKFLOW", "task_timeout = \"10s\"")],
    );
    quiet(
        "threshold-over-ttl",
        &[("#WORKFLOW", "task_timeout = \"20s\"")],
    );
}

#[test]
fn overload() {
    // 60/h × 4 min is 4 Erlangs.
    fires("overload", &[("count = 10", "count = 3")]);
    quiet("overload", &[("count = 10", "count = 5")]);
    // Three agents, but only for half of the window: 1.5 on average.
    fires(
        "overload",
        &[
            ("count = 10", "count = 6"),
            (
                "#AGENTS",
                r#"shifts = [{ start = "00:00", end = "01:00" }]"#,
            ),
        ],
    );
}

#[test]
fn unpriced_channel() {
    let costs = "[costs]\ncard = \"none\"\n[workflow]";
    fires("unpriced-channel", &[("[workflow]", costs)]);
    let priced = "[costs]\ncard = \"none\"\n[costs.voice]\ninbound_per_min = 0.01\n[workflow]";
    quiet("unpriced-channel", &[("[workflow]", priced)]);
}

#[test]
fn stale_card() {
    let costs = |date: &str| {
        format!(
            "[costs]\ncard = \"none\"\nprices_as_of = \"{date}\"\n[costs.voice]\ninbound_per_min = 0.01\n#WORKFLOW"
        )
    };
    // Compared with the real date: a card from 2000 is always stale, one
    // from the far future never.
    fires("stale-card", &[("#WORKFLOW", &costs("2000-01-01"))]);
    quiet("stale-card", &[("#WORKFLOW", &costs("2999-01-01"))]);
}
