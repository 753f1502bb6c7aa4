//! Every kind of bad input gets a clear message with file:line:column, a
//! non-zero exit status and no panic.

use super::{ccsim, stderr_no_panic, temp_dir};
use std::path::PathBuf;

const GOOD: &str = r#"name = "t"

[simulation]
horizon = "8h"
warmup = "1h"
interval = "30m"

[[channels]]
name = "voice"

[[arrivals]]
name = "inbound"
channel = "voice"
rate = "360/h"
attributes = { skill = "support" }
handle_time = { dist = "exponential", mean = "240s" }

[[agents]]
group = "support"
count = 28
attributes = { skills = ["support"] }
capacity = { voice = 1 }

[[queues]]
name = "support"
target_workers = 'skills HAS "support"'

[[workflow.filters]]
name = "support"
expression = 'skill == "support"'
targets = [{ queue = "support" }]
"#;

fn write(tag: &str, text: &str) -> PathBuf {
    let dir = temp_dir(tag);
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Replaces one exact line of the good scenario.
fn with(old: &str, new: &str) -> String {
    assert!(GOOD.contains(old), "fixture line not found: {old}");
    GOOD.replacen(old, new, 1)
}

/// Runs `validate` and `run`, both must fail with all `expected` fragments
/// (each `"line:col: error: ..."`-style) on stderr.
fn fails(tag: &str, text: &str, expected: &[&str]) {
    let path = write(tag, text);
    let p = path.to_str().unwrap();
    for verb in [
        &["validate", p][..],
        &[
            "run",
            p,
            "--out",
            path.parent().unwrap().join("out").to_str().unwrap(),
        ][..],
    ] {
        let out = ccsim(verb, &[]);
        let err = stderr_no_panic(&out);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{tag} {verb:?}: expected exit 1\n{err}"
        );
        for e in expected {
            assert!(err.contains(e), "{tag} {verb:?}: expected `{e}` in:\n{err}");
        }
        assert!(
            out.stdout.is_empty(),
            "{tag}: nothing on stdout for a bad scenario"
        );
    }
}

#[test]
fn the_fixture_is_valid() {
    let path = write("good", GOOD);
    let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert!(out.status.success(), "{err}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("scenario \"t\" is valid")
            && stdout.contains("target_workers 'skills HAS \"support\"' (28 agents)"),
        "{stdout}"
    );
}

#[test]
fn syntax_error() {
    fails(
        "syntax",
        &with("[simulation]", "[simulation"),
        &["scenario.toml:3:12: error:", "expected `]`"],
    );
}

#[test]
fn type_error() {
    fails(
        "type",
        &with("count = 28", "count = \"many\""),
        &["scenario.toml:20:9: error: expected an integer, found a string \"many\""],
    );
}

#[test]
fn unknown_key() {
    fails(
        "unknown-key",
        &with("warmup = \"1h\"", "warmpu = \"1h\""),
        &["scenario.toml:5:1: error: unknown key `warmpu` in [simulation]; did you mean `warmup`?"],
    );
}

#[test]
fn unknown_channel() {
    fails(
        "unknown-channel",
        &with("channel = \"voice\"", "channel = \"vocie\""),
        &["scenario.toml:13:11: error: unknown channel \"vocie\"; expected one of \"voice\""],
    );
}

#[test]
fn unknown_queue() {
    fails(
        "unknown-queue",
        &with(
            "targets = [{ queue = \"support\" }]",
            "targets = [{ queue = \"suport\" }]",
        ),
        &["scenario.toml:31:22: error: unknown queue \"suport\"; expected one of \"support\""],
    );
}

#[test]
fn duplicate_group() {
    let text = format!("{GOOD}\n[[agents]]\ngroup = \"support\"\ncount = 2\n");
    fails(
        "dup-group",
        &text,
        &["scenario.toml:34:9: error: duplicate agent group name \"support\""],
    );
}

#[test]
fn non_positive_rate() {
    fails(
        "rate",
        &with("rate = \"360/h\"", "rate = \"0/h\""),
        &["scenario.toml:14:8: error: the rate must be positive, found \"0/h\""],
    );
}

#[test]
fn malformed_rate() {
    fails(
        "rate-unit",
        &with("rate = \"360/h\"", "rate = \"360 per hour\""),
        &["scenario.toml:14:8: error: expected a rate such as \"360/h\""],
    );
}

#[test]
fn non_positive_mean() {
    fails(
        "mean",
        &with("mean = \"240s\"", "mean = \"0s\""),
        &["scenario.toml:16:46: error: the mean must be positive, found 0"],
    );
}

#[test]
fn bad_distribution_parameters() {
    fails(
        "dist",
        &with(
            "dist = \"exponential\", mean = \"240s\"",
            "dist = \"lognormal\", mean = \"240s\", k = 3",
        ),
        &["scenario.toml:16:56: error: `k` does not apply to a lognormal distribution"],
    );
    fails(
        "dist2",
        &with(
            "dist = \"exponential\", mean = \"240s\"",
            "dist = \"gamma\", mean = \"240s\"",
        ),
        &["scenario.toml:16:15: error: a gamma distribution needs `cv` or `sd`"],
    );
    fails(
        "dist3",
        &with(
            "dist = \"exponential\", mean = \"240s\"",
            "dist = \"weibull\", mean = \"240s\"",
        ),
        &["scenario.toml:16:24: error: unknown distribution \"weibull\""],
    );
}

#[test]
fn warmup_not_fitting_horizon() {
    fails(
        "warmup",
        &with("warmup = \"1h\"", "warmup = \"9h\""),
        &["scenario.toml:5:10: error: the warm-up (32400 s) must end before the horizon (28800 s)"],
    );
}

#[test]
fn interval_not_fitting_horizon() {
    fails(
        "interval",
        &with("interval = \"30m\"", "interval = \"25m\""),
        &["scenario.toml:6:12: error: the interval (1500 s) must divide the counted window"],
    );
}

#[test]
fn capacity_for_unknown_channel() {
    fails(
        "capacity",
        &with(
            "capacity = { voice = 1 }",
            "capacity = { voice = 1, chat = 3 }",
        ),
        &["scenario.toml:22:25: error: unknown channel \"chat\"; expected one of \"voice\""],
    );
}

#[test]
fn routing_expression_does_not_parse() {
    // The `&` is column 22 of the expression, which starts at column 19 of line 26.
    fails(
        "expr",
        &with(
            "target_workers = 'skills HAS \"support\"'",
            "target_workers = 'skills HAS \"support\" && x'",
        ),
        &[
            "scenario.toml:26:40: error: invalid routing expression: unexpected character `&` (use AND / OR) (column 22 of the expression)",
        ],
    );
    fails(
        "expr2",
        &with(
            "expression = 'skill == \"support\"'",
            "expression = 'skill == '",
        ),
        &[
            "scenario.toml:30:24: error: invalid routing expression: expected a value or an attribute name, found the end of the expression (column 10 of the expression)",
        ],
    );
}

#[test]
fn queue_no_worker_can_join_is_a_warning() {
    let path = write(
        "orphan",
        &format!(
            "{GOOD}\n[[queues]]\nname = \"billing\"\ntarget_workers = 'skills HAS \"billing\"'\n"
        ),
    );
    let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert!(
        out.status.success(),
        "a warning does not fail validation:\n{err}"
    );
    assert!(
        err.contains("scenario.toml:34:8: warning: no worker can ever join queue \"billing\""),
        "{err}"
    );
}

#[test]
fn all_problems_are_reported_at_once() {
    let text = with("channel = \"voice\"", "channel = \"vocie\"")
        .replacen("rate = \"360/h\"", "rate = \"-1/h\"", 1)
        .replacen(
            "capacity = { voice = 1 }",
            "capacity = { voice = 1, sms = 1 }",
            1,
        )
        .replacen(
            "targets = [{ queue = \"support\" }]",
            "targets = [{ queue = \"nope\" }]",
            1,
        );
    fails(
        "many",
        &text,
        &[
            "13:11: error: unknown channel \"vocie\"",
            "14:8: error: the rate must be positive",
            "22:25: error: unknown channel \"sms\"",
            "31:22: error: unknown queue \"nope\"",
            "4 errors in scenario",
        ],
    );
}

#[test]
fn malformed_trace_row_names_the_csv_line() {
    let dir = temp_dir("trace-bad");
    std::fs::write(
        dir.join("day.csv"),
        "arrival_time_s,channel,handle_time_s,patience_s,attributes\n1.0,voice,100,,\n2.0,voice,abc,,\n3.0,fax,100,,\n4.0,voice,100,,\"{not json}\"\n",
    )
    .unwrap();
    let text = GOOD.replacen(
        "rate = \"360/h\"\nattributes = { skill = \"support\" }\nhandle_time = { dist = \"exponential\", mean = \"240s\" }",
        "trace = \"day.csv\"",
        1,
    );
    let path = dir.join("scenario.toml");
    std::fs::write(
        &path,
        text.replacen("channel = \"voice\"\ntrace", "trace", 1),
    )
    .unwrap();
    let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for e in [
        "day.csv:3:1: error: handle_time_s: expected empty or a non-negative number of seconds, found \"abc\"",
        "day.csv:4:1: error: channel: unknown channel \"fax\"",
        "day.csv:5:1: error: attributes: invalid JSON",
    ] {
        assert!(err.contains(e), "expected `{e}` in:\n{err}");
    }
}

#[test]
fn missing_file_and_bad_flags() {
    let out = ccsim(&["run", "/nonexistent/scenario.toml"], &[]);
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("/nonexistent/scenario.toml: error: cannot read the scenario"),
        "{err}"
    );
    let out = ccsim(
        &["erlang", "--rate", "fast", "--aht", "3m", "--agents", "3"],
        &[],
    );
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("--rate") && err.contains("expected a rate"),
        "{err}"
    );
    let out = ccsim(
        &[
            "erlang", "--rate", "200/h", "--aht", "180s", "--agents", "9",
        ],
        &[],
    );
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("needs more than 9 agents"), "{err}");
}

#[test]
fn bad_activities() {
    let text = format!(
        "{GOOD}\n[[activities]]\nname = \"Break\"\navailable = true\n\n[[activities]]\nname = \"Lunch\"\n\n[workspace]\ntimeout_activity = \"Mised\"\n"
    );
    let text = text.replace(
        "capacity = { voice = 1 }",
        "capacity = { voice = 1 }\nbreaks = [{ start = \"12:00\", duration = \"30m\", activity = \"Lnch\" }]",
    );
    fails(
        "activities",
        &text,
        &[
            "scenario.toml:23:59: error: unknown activity \"Lnch\"; expected one of \"Available\", \"Unavailable\", \"Break\", \"Offline\"",
            "scenario.toml:36:13: error: \"Break\" is a built-in activity with available = false; it cannot change",
            "scenario.toml:38:1: error: activity \"Lunch\" needs `available = true` or `false`",
            "scenario.toml:42:20: error: unknown activity \"Mised\"",
        ],
    );
}

#[test]
fn bad_transfer_targets() {
    let text = with(
        "target_workers = 'skills HAS \"support\"'",
        "target_workers = 'skills HAS \"support\"'\ntransfer = { probability = 0.1, filter = \"suport\" }",
    );
    fails(
        "transfer-filter",
        &text,
        &["scenario.toml:27:42: error: unknown filter \"suport\"; expected one of \"support\""],
    );
    let text = with(
        "target_workers = 'skills HAS \"support\"'",
        "target_workers = 'skills HAS \"support\"'\ntransfer = { probability = 0.1 }",
    );
    fails(
        "transfer-none",
        &text,
        &["error: a transfer needs either `to` (a queue) or `filter` (a workflow filter)"],
    );
}

#[test]
fn bad_costs() {
    let text = format!(
        "{GOOD}\n[costs.platform]\nplan = \"per_seat\"\n\n[costs.vocie]\ninbound_per_min = 0.0085\n\n[costs.labor]\nsuport = 20.0\n"
    );
    fails(
        "costs",
        &text,
        &[
            "scenario.toml:34:8: error: plan must be \"active_hour\", \"named_user\" or \"monthly_active_user\", found \"per_seat\"",
            "scenario.toml:36:8: error: [costs.vocie]: unknown channel (or [costs] key) \"vocie\"",
            "scenario.toml:40:1: error: unknown agent group \"suport\"; expected one of \"support\"",
        ],
    );
}

/// When the agent groups have errors, labour entries are not checked
/// against them: the one mistake is reported once, not again as an unknown
/// group at every labour line.
#[test]
fn labour_is_not_checked_against_groups_that_failed() {
    let text = format!(
        "{}\n[costs.labor]\nsupport = 20.0\n",
        with("capacity = { voice = 1 }", "capacity = { voise = 1 }")
    );
    let path = write("labour-groups-failed", &text);
    let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("scenario.toml:22:14: error: unknown channel \"voise\""),
        "{err}"
    );
    assert!(!err.contains("agent group"), "{err}");
    assert!(err.contains("1 error"), "{err}");
}

/// A rate card's problems point into the card file.
#[test]
fn bad_rate_card_points_into_the_card() {
    let dir = temp_dir("bad-card");
    std::fs::create_dir_all(dir.join("rates")).unwrap();
    std::fs::write(
        dir.join("rates/card.toml"),
        "[costs]\ncurrency = \"USD\"\n\n[costs.voice]\ninbound_per_min = -1\n",
    )
    .unwrap();
    let text = format!("{GOOD}\n[costs]\ncard = \"rates/card.toml\"\n");
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "card.toml:5:19: error: a unit price must be a non-negative amount below 1e6, found -1"
        ),
        "{err}"
    );
    std::fs::remove_file(dir.join("rates/card.toml")).unwrap();
    let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert!(
        err.contains(&format!(
            "cannot use the rate card \"rates/card.toml\" (resolved against the scenario's folder {})",
            dir.display()
        )) && err.contains("No such file"),
        "{err}"
    );
}

/// Message counts whose mean would stall a run are refused.
#[test]
fn absurd_message_counts() {
    let text = format!(
        "{GOOD}\n[costs.voice]\nmessages_per_contact = {{ dist = \"exponential\", mean = 1e9 }}\n"
    );
    fails(
        "messages",
        &text,
        &["scenario.toml:34:24: error: a mean of at most 10000 is expected here, found 1000000000"],
    );
}

/// Scripted changes that would explode into too many worker profiles, and a
/// disconnect rate that would flood the calendar, are refused.
#[test]
fn runaway_changes_and_disconnects() {
    let changes: Vec<String> = (1..=200)
        .map(|i| format!("{{ at = \"{i}m\", workers = {i}, attributes = {{ k{i} = 1 }} }}"))
        .collect();
    let text = with(
        "capacity = { voice = 1 }",
        "capacity = { voice = 1 }\ncount2 = 0\n",
    );
    let text = text
        .replace("count = 28\n", "count = 300\n")
        .replace(
            "count2 = 0\n",
            &format!(
                "changes = [{}]\ndisconnects = {{ rate = \"5/s\", duration = {{ dist = \"deterministic\", mean = \"1s\" }} }}\n",
                changes.join(", ")
            ),
        );
    fails(
        "runaway",
        &text,
        &[
            "error: scripted changes create more than 10000 distinct worker profiles",
            "error: a disconnect rate must be positive and at most 1/s per agent",
        ],
    );
}

/// Asserts every fragment appears in `err`, in the given order.
fn in_order(err: &str, fragments: &[&str]) {
    let mut from = 0;
    for f in fragments {
        match err[from..].find(f) {
            Some(i) => from += i + f.len(),
            None => panic!("expected `{f}` after byte {from} (in file order) in:\n{err}"),
        }
    }
}

/// The five mistakes of a new user's first edit of the quick-start file are
/// all reported by one `validate`, in file order, each with what was
/// expected and the nearest spelling.
#[test]
fn a_first_edit_with_five_mistakes_needs_one_run() {
    let good = std::fs::read_to_string(super::scenario("quickstart.toml")).unwrap();
    let text = good
        .replace("replications = 20", "replicatons = 20")
        .replace("channel = \"voice\"", "channel = \"vocie\"")
        .replace("handle_time = {", "handel_time = {")
        .replace(
            "patience = { dist = \"exponential\"",
            "patience = { dist = \"exponental\"",
        )
        .replace("'skill == \"support\"'", "'skil == \"support\"'");
    let path = write("five-mistakes", &text);
    let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    in_order(
        &err,
        &[
            "scenario.toml:7:1: error: unknown key `replicatons` in [simulation]; did you mean `replications`?",
            "scenario.toml:18:11: error: unknown channel \"vocie\"; expected one of \"voice\"; did you mean \"voice\"?",
            "scenario.toml:21:1: error: unknown key `handel_time` in [[arrivals]]; did you mean `handle_time`?",
            "scenario.toml:22:21: error: unknown distribution \"exponental\"; expected one of \"exponential\"",
            "did you mean \"exponential\"?",
            "scenario.toml:36:15: warning: filter \"support\" reads the task attribute `skil`, which no arrival source sets",
            "did you mean `skill`?",
            "4 errors in scenario",
        ],
    );
}

/// One mistake of every kind — unknown keys at four depths (top level, a
/// table, an inline table inside an array of tables, a table inside an
/// inline array), a wrong type, an unknown name, a bad unit, a bad
/// distribution and a bad expression — all listed by one run, in file order.
#[test]
fn one_mistake_of_each_kind_all_in_one_run() {
    let text = format!("colour = \"blue\"\n{GOOD}")
        .replacen("warmup = \"1h\"", "wramup = \"1h\"", 1)
        .replacen(
            "rate = \"360/h\"",
            "rate = \"360/h\"\nwrapup = { dist = \"exponential\", mean = \"30 secs\" }",
            1,
        )
        .replacen(
            "mean = \"240s\" }",
            "mean = \"240s\", shape = 2 }\npatience = { dist = \"weibul\", mean = \"2m\" }",
            1,
        )
        .replacen("count = 28", "count = \"many\"", 1)
        .replacen(
            "capacity = { voice = 1 }",
            "capacity = { voice = 1, chat = 2 }",
            1,
        )
        .replacen(
            "target_workers = 'skills HAS \"support\"'",
            "target_workers = 'skills HAS \"support\" &&'",
            1,
        )
        .replacen(
            "targets = [{ queue = \"support\" }]",
            "targets = [{ queue = \"support\", timout = 30 }]",
            1,
        );
    fails("each-kind", &text, &["9 errors in scenario"]);
    let path = write("each-kind-order", &text);
    let err = stderr_no_panic(&ccsim(&["validate", path.to_str().unwrap()], &[]));
    in_order(
        &err,
        &[
            "scenario.toml:1:1: error: unknown key `colour` in the scenario; expected one of `name`",
            "scenario.toml:6:1: error: unknown key `wramup` in [simulation]; did you mean `warmup`?",
            "scenario.toml:16:41: error: expected a duration such as \"90s\"",
            "found \"30 secs\"",
            "scenario.toml:18:54: error: unknown key `shape` in a distribution; expected one of `dist`, `mean`",
            "scenario.toml:19:21: error: unknown distribution \"weibul\"",
            "scenario.toml:23:9: error: expected an integer, found a string \"many\"",
            "scenario.toml:25:25: error: unknown channel \"chat\"; expected one of \"voice\"",
            "scenario.toml:29:40: error: invalid routing expression",
            "scenario.toml:34:33: error: unknown key `timout` in a target; did you mean `timeout`?",
        ],
    );
}

/// Unknown keys in a rate card and in a TaskRouter workflow document are
/// collected with the scenario's own problems, each pointing into its file.
#[test]
fn unknown_keys_in_referenced_files_are_collected_too() {
    let dir = temp_dir("referenced-unknown");
    std::fs::write(
        dir.join("card.toml"),
        "[costs]\ncurency = \"USD\"\n[costs.voice]\ninbound_per_mn = 0.01\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("wf.json"),
        r#"{"task_routing": {"filters": [{"filter_friendly_name": "s", "expresion": "1==1",
  "targets": [{"queue": "support", "timeuot": 10}]}],
  "default_filter": {"queue": "support"}}}"#,
    )
    .unwrap();
    let text = GOOD
        .replacen(
            "[[workflow.filters]]\nname = \"support\"\nexpression = 'skill == \"support\"'\ntargets = [{ queue = \"support\" }]\n",
            "[workflow]\ntaskrouter_json = \"wf.json\"\n",
            1,
        )
        .replacen("warmup = \"1h\"", "warmpu = \"1h\"", 1)
        + "\n[costs]\ncard = \"card.toml\"\n";
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for e in [
        "card.toml:2:1: error: unknown key `curency` in [costs]",
        "card.toml:4:1: error: unknown key `inbound_per_mn` in a [costs.<channel>] table; did you mean `inbound_per_min`?",
        "wf.json:1:61: error: unknown key \"expresion\" in a filter; expected one of filter_friendly_name, expression, targets; did you mean \"expression\"?",
        "wf.json:2:36: error: unknown key \"timeuot\" in a target",
        "scenario.toml:5:1: error: unknown key `warmpu` in [simulation]",
    ] {
        assert!(err.contains(e), "expected `{e}` in:\n{err}");
    }
}

/// A value that cannot be read is reported once: nothing that follows from
/// it (a name nobody can refer to, an expression that is not a string, a
/// list that is not a list) is reported again, while real problems next to
/// it still are.
#[test]
fn one_unreadable_value_is_one_error() {
    let top = format!(
        "channels = \"voice\"\n{}",
        GOOD.replacen("[[channels]]\nname = \"voice\"\n", "", 1)
    );
    for (tag, text, expected) in [
        (
            "channel-name",
            with("name = \"voice\"", "name = 5"),
            vec!["scenario.toml:9:8: error: expected a string, found an integer 5"],
        ),
        (
            "queue-name",
            with(
                "name = \"support\"\ntarget_workers",
                "name = [\"support\"]\ntarget_workers",
            ),
            vec!["scenario.toml:25:8: error: expected a string, found an array"],
        ),
        (
            "expression",
            with("expression = 'skill == \"support\"'", "expression = 5"),
            vec!["scenario.toml:30:14: error: expected a string, found an integer 5"],
        ),
        (
            "channels-list",
            top,
            vec!["scenario.toml:1:12: error: expected an array, found a string \"voice\""],
        ),
        (
            "group-attributes",
            with(
                "attributes = { skills = [\"support\"] }",
                "attributes = \"support\"",
            ),
            vec!["scenario.toml:21:14: error: expected a table, found a string \"support\""],
        ),
        (
            // The good elements of a list with a bad one are still checked.
            "mixed-targets",
            with(
                "targets = [{ queue = \"support\" }]",
                "targets = [{ queue = \"support\" }, 5, { queue = \"nope\" }]",
            ),
            vec![
                "scenario.toml:31:35: error: expected a table for a target, found an integer 5",
                "scenario.toml:31:48: error: unknown queue \"nope\"",
            ],
        ),
        (
            // A source without an arrival process still has its other keys checked.
            "source-keys",
            with(
                "rate = \"360/h\"\n",
                "redial = { probability = 2, delay = { dist = \"exponential\", mean = \"1m\" } }\nnumber = \"tollfree\"\n",
            ),
            vec![
                "needs either `rate`",
                "a probability must be between 0 and 1, found 2",
                "number must be \"local\" or \"toll_free\", found \"tollfree\"",
            ],
        ),
        (
            // A workflow that names both a document and filters still has its
            // other keys checked.
            "workflow-keys",
            format!("{GOOD}\n[workflow]\ntaskrouter_json = \"x.json\"\nhours = \"nope\"\n"),
            vec![
                "give either taskrouter_json or [[workflow.filters]]/default_filter, not both",
                "unknown hours \"nope\"",
            ],
        ),
    ] {
        let path = write(&format!("one-{tag}"), &text);
        let out = ccsim(&["validate", path.to_str().unwrap()], &[]);
        let err = stderr_no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{tag}: {err}");
        let n = expected.len();
        assert!(
            err.ends_with(&format!(
                "{n} error{} in scenario\n",
                if n == 1 { "" } else { "s" }
            )),
            "{tag}: {err}"
        );
        assert!(!err.contains("warning"), "{tag}: {err}");
        for e in expected {
            assert!(err.contains(e), "{tag}: expected `{e}` in:\n{err}");
        }
    }
}

/// Names of 20 000 characters: quoted short, no spelling search (which
/// used to allocate gigabytes), and quick.
#[test]
fn very_long_names_are_quoted_short() {
    let text = with(
        "targets = [{ queue = \"support\" }]",
        &format!("targets = [{{ queue = \"{}\" }}]", "x".repeat(20_000)),
    )
    .replacen(
        "name = \"support\"\ntarget_workers",
        &format!("name = \"{}\"\ntarget_workers", "y".repeat(20_000)),
        1,
    );
    let path = write("long-names", &text);
    let out = super::ccsim_within(&["validate", path.to_str().unwrap()], 30);
    let err = stderr_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.len() < 2_000, "{} bytes", err.len());
    assert!(
        err.contains(&format!("unknown queue \"{}…\"", "x".repeat(60))),
        "{err}"
    );
}

#[test]
fn conversation_mistakes() {
    let chat = |conversation: &str| {
        with(
            "[[channels]]\nname = \"voice\"\n",
            &format!("[[channels]]\nname = \"voice\"\nconversation = {conversation}\n"),
        )
    };
    fails(
        "conversation-reopen",
        &chat(
            r#"{ exchanges = { dist = "geometric", mean = 3 }, reply_gap = { dist = "exponential", mean = "1m" }, reopen_window = "1h" }"#,
        ),
        &[
            ":10:",
            "reopen_window applies after an inactivity close: set `inactivity_timeout` too",
        ],
    );
    fails(
        "conversation-close",
        &chat(
            r#"{ exchanges = { dist = "geometric", mean = 3 }, reply_gap = { dist = "exponential", mean = "1m" }, close = "inactivity" }"#,
        ),
        &[":10:", "set it too (e.g. inactivity_timeout = \"15m\")"],
    );
    fails(
        "conversation-exchanges",
        &chat(
            r#"{ exchanges = { dist = "geometric", mean = 0.5 }, reply_gap = { dist = "exponential", mean = "1m" } }"#,
        ),
        &[
            ":10:",
            "a geometric count starts at 1, so its mean must be at least 1, found 0.5",
        ],
    );
    fails(
        "conversation-gap",
        &chat(
            r#"{ exchanges = { dist = "exponential", mean = 3 }, reply_gap = { dist = "geometric", mean = 2 } }"#,
        ),
        &[
            ":10:",
            "a geometric distribution is a count (1, 2, 3, …), not a duration",
        ],
    );
    fails(
        "conversation-reopen-attributes",
        &chat(
            r#"{ exchanges = { dist = "geometric", mean = 3 }, reply_gap = { dist = "exponential", mean = "1m" }, inactivity_timeout = "5m", reopen_attributes = { reopened = true } }"#,
        ),
        &[
            ":10:",
            "reopen_attributes apply to reopened conversations: set `reopen_window` too",
        ],
    );
    fails(
        "channel-threshold",
        &with(
            "[[channels]]\nname = \"voice\"\n",
            "[[channels]]\nname = \"voice\"\nservice_level_threshold = \"soon\"\n",
        ),
        &[":10:"],
    );
}
