//! The CLI contract: `--json` prints exactly one JSON document with the keys
//! of docs/outputs.md; reports land in the folder; `erlang` prints the model.

use super::{ccsim_ok, scenario, temp_dir};

/// The contract's KPI names, written out here on purpose rather than taken
/// from `ccsim::metrics::Kpi`: renaming one in the code must fail this test.
const CONTRACT_KPIS: [&str; 10] = [
    "offered",
    "answered",
    "abandoned",
    "short_abandoned",
    "service_level",
    "service_level_answered",
    "abandon_rate",
    "asa_s",
    "wait_p90_s",
    "aht_s",
];

#[test]
fn json_is_one_document_with_the_contract_keys() {
    let dir = temp_dir("json");
    let stdout = ccsim_ok(
        &[
            "run",
            scenario("quickstart.toml").to_str().unwrap(),
            "--json",
            "--replications",
            "4",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    let text = String::from_utf8(stdout).unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&text).expect("stdout is exactly one JSON document");
    assert_eq!(v["scenario"], "single-queue");
    assert_eq!(v["seed"], 7);
    assert_eq!(v["replications"], 4);
    for section in ["overall"] {
        for k in CONTRACT_KPIS {
            assert!(v[section][k]["mean"].is_number(), "{section}.{k}");
            assert!(v[section][k]["ci95"].is_number(), "{section}.{k}");
        }
    }
    for (section, name) in [
        ("queues", "support"),
        ("channels", "voice"),
        ("sources", "inbound"),
    ] {
        for k in CONTRACT_KPIS {
            assert!(
                v[section][name][k]["mean"].is_number(),
                "{section}.{name}.{k}"
            );
        }
    }
    for k in ["occupancy", "utilization"] {
        let m = v["groups"]["support"][k]["mean"].as_f64().unwrap();
        assert!(m > 0.5 && m < 1.0, "{k} = {m}");
    }
    // 7 counted hours of 30-minute intervals.
    assert_eq!(v["intervals"].as_array().unwrap().len(), 14);
    // Reports were written, atomically (no temporary files left behind).
    let summary = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    assert!(
        summary.starts_with("segment_type,segment,kpi,mean,ci95\noverall,overall,offered,"),
        "{summary}"
    );
    let intervals = std::fs::read_to_string(dir.join("intervals.csv")).unwrap();
    assert!(
        intervals.starts_with("interval,start_s,end_s,start,offered_mean,offered_ci95"),
        "{intervals}"
    );
    assert_eq!(intervals.lines().count(), 15);
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    // The offered mean in JSON is the one in summary.csv.
    let offered_csv: f64 = summary
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(3)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(Some(offered_csv), v["overall"]["offered"]["mean"].as_f64());
}

#[test]
fn table_output_shows_kpis_with_ci() {
    let dir = temp_dir("table");
    let stdout = ccsim_ok(
        &[
            "run",
            scenario("quickstart.toml").to_str().unwrap(),
            "--replications",
            "3",
            "--seed",
            "3",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    let text = String::from_utf8(stdout).unwrap();
    assert!(
        text.starts_with("single-queue — seed 3, 3 replications, service level at 20 s"),
        "{text}"
    );
    for row in [
        "offered",
        "service level",
        "ASA (s)",
        "wait p90 (s)",
        "support",
    ] {
        assert!(text.contains(row), "missing {row}:\n{text}");
    }
    assert!(text.contains(" ± "), "{text}");
}

/// The number printed after a label in `ccsim erlang` output.
fn value(text: &str, label: &str) -> f64 {
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no `{label}` in:\n{text}"));
    line[line.find(label).unwrap() + label.len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Runs `ccsim erlang` with space-separated arguments; its stdout.
fn erlang(args: &str) -> String {
    let args: Vec<&str> = std::iter::once("erlang").chain(args.split(' ')).collect();
    String::from_utf8(ccsim_ok(&args, &[])).unwrap()
}

#[test]
fn erlang_verb_prints_published_figures() {
    let text = erlang("--rate 200/h --aht 180s --agents 14 --threshold 20s --target-sl 0.8");
    assert!(text.starts_with("Erlang C (M/M/n)"), "{text}");
    for (label, published, tol) in [
        ("probability of waiting", 0.1741319, 1e-7),
        ("service level", 0.88835, 1e-5),
        ("ASA", 7.8359, 1e-4),
        ("occupancy", 0.7142857, 1e-7),
    ] {
        assert!(
            (value(&text, label) - published).abs() <= tol,
            "{label}: {text}"
        );
    }
    assert!(text.contains("agents for service level 0.8: 14"), "{text}");
    let text = erlang("--rate 200/h --aht 180s --agents 14 --patience 5m");
    assert!(text.starts_with("Erlang A (M/M/n+M)"), "{text}");
    for (label, published, tol) in [
        ("probability of waiting", 0.14526, 1e-5),
        ("service level", 0.916792, 1e-6),
        ("abandonment", 0.013984, 1e-6),
        ("occupancy", 0.704297, 1e-6),
    ] {
        assert!(
            (value(&text, label) - published).abs() <= tol,
            "{label}: {text}"
        );
    }
}

/// `validate` summarizes calendars, after-hours handling and queue hours.
#[test]
fn validate_summarizes_hours_and_flows() {
    let out = ccsim_ok(
        &[
            "validate",
            scenario("business-hours.toml").to_str().unwrap(),
        ],
        &[],
    );
    let text = String::from_utf8(out).unwrap();
    for expected in [
        "is valid",
        "office           open ",
        "first opening at 08:00",
        "works only during hours \"office\"",
        "outside hours \"office\": voicemail, worked by queue voicemail",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
}

/// With `[costs]`, the JSON has the `cost` and `usage` objects of docs/outputs.md
/// (total = sum of components) and the report folder has `costs.csv`.
#[test]
fn costs_in_json_and_csv() {
    let dir = temp_dir("json-costs");
    let stdout = ccsim_ok(
        &[
            "run",
            scenario("finance-channel-shift.toml").to_str().unwrap(),
            "--json",
            "--replications",
            "3",
            "--out",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_slice(&stdout).expect("one JSON document");
    let cost = &v["cost"];
    assert_eq!(cost["currency"], "USD");
    for k in ["total", "per_offered", "per_answered", "monthly_projection"] {
        assert!(cost[k]["mean"].is_number(), "cost.{k}");
    }
    for k in [
        "platform",
        "labor",
        "fixed",
        "voice.inbound",
        "voice.agent_leg",
        "voice.recording",
        "sms.messages",
    ] {
        assert!(cost["components"][k]["mean"].is_number(), "component {k}");
    }
    for k in ["active_hour", "named_user", "monthly_active_user"] {
        assert!(cost["plans"][k]["mean"].is_number(), "plan {k}");
    }
    let sum: f64 = cost["components"]
        .as_object()
        .unwrap()
        .values()
        .map(|e| e["mean"].as_f64().unwrap())
        .sum();
    let total = cost["total"]["mean"].as_f64().unwrap();
    assert!((sum - total).abs() < 1e-6 * total, "{sum} vs {total}");
    for k in [
        "agent_hours",
        "voice.inbound_min",
        "voice.agent_min",
        "voice.recording_min",
        "sms.segments",
    ] {
        assert!(v["usage"][k]["mean"].is_number(), "usage {k}");
    }
    // The assumption behind every monthly figure travels with it.
    assert_eq!(cost["month"]["basis"], "operating_days");
    assert_eq!(cost["month"]["operating_days"], 21.7);
    assert!(
        cost["month"]["assumption"]
            .as_str()
            .unwrap()
            .starts_with("monthly figures assume month = 21.7 operating days"),
        "{}",
        cost["month"]
    );
    let csv = std::fs::read_to_string(dir.join("costs.csv")).unwrap();
    assert!(csv.starts_with("section,item,mean,ci95,unit\n"), "{csv}");
    // Money to the micro-unit, quantities with their unit.
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let row = |section: &str, item: &str| {
        rows.iter()
            .find(|r| r[0] == section && r[1] == item)
            .unwrap_or_else(|| panic!("{section},{item} missing:\n{csv}"))
    };
    let inbound = row("component", "voice.inbound");
    assert_eq!(inbound[4], "USD");
    for v in &inbound[2..4] {
        assert_eq!(v.split('.').nth(1).map(str::len), Some(6), "{inbound:?}");
    }
    assert_eq!(row("usage", "agent_hours")[4], "h");
    assert_eq!(row("usage", "voice.inbound_min")[4], "min");
    assert_eq!(row("usage", "sms.segments")[4], "segments");
    assert_eq!(row("usage", "named_users")[4], "users");
    assert_eq!(row("month", "operating_days")[2..], ["21.7", "", "days"]);
    assert_eq!(row("month", "window")[4], "h");
    assert!(
        rows.iter().all(|r| r[2].len() < 24 && r[3].len() < 24),
        "no float noise such as 0.000000000000027294655038236947"
    );
}

/// `erlang --target-sl` solves for the agents without `--agents`; with too
/// few agents it says the queue is unstable (and still solves).
#[test]
fn erlang_solves_for_agents_and_names_instability() {
    let text = erlang("--rate 360/h --aht 240s --target-sl 0.8");
    // Load 24 erlangs: 28 agents give 0.7613 within 20 s, 29 give 0.8403.
    assert!(
        text.starts_with("fewest agents for service level 0.8: 29\n"),
        "{text}"
    );
    assert!(
        text.contains("service level               0.8402831"),
        "{text}"
    );
    let text = erlang("--rate 360/h --aht 240s --agents 20 --target-sl 0.8");
    assert!(
        text.contains("20 agents: unstable (the offered load needs more than 20 agents")
            && text.contains("fewest agents for service level 0.8: 29"),
        "{text}"
    );
    let text = erlang("--rate 360/h --aht 240s --agents 24 --patience 1000000s");
    assert!(
        text.contains("overloaded: the offered load is at least the 24 agents"),
        "{text}"
    );
    let out = super::ccsim(&["erlang", "--rate", "360/h", "--aht", "240s"], &[]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "--agents or --target-sl is needed"
    );
}
