//! Issue 15, parts 2 and 3: `ccsim calibrate` fits a scenario to an event
//! history, and the fitted scenario reproduces the center the history came
//! from.

use super::{assert_within, ccsim, ccsim_ok, simulated_history, stderr_no_panic, temp_dir};
use ccsim::erlang::Model;
use ccsim::metrics::Kpi;
use ccsim::replications;
use ccsim::stats::Estimate;
use serde_json::Value;
use std::path::Path;

/// The center whose history is calibrated: Erlang A, 200 calls/h, talk
/// exponential 180 s, patience exponential 300 s, 11 agents (10 erlangs:
/// many wait and enough hang up to see patience).
const ORIGINAL: &str = r#"name = "original"
[simulation]
horizon = "100h"
interval = "4h"
replications = 30
seed = 7
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "200/h"
handle_time = { dist = "exponential", mean = "180s" }
patience = { dist = "exponential", mean = "300s" }
[[agents]]
group = "agents"
count = 11
[[queues]]
name = "main"
target_workers = "1==1"
[workflow]
default_filter = { queue = "main" }
"#;

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A source's fresh arrivals per hour observed (its 4-hour profile's
/// counts over their exposure), asserted within the 99.9% Poisson band of
/// the true 200/h; returns it.
fn fresh_rate_is_200_per_hour(source: &Value) -> f64 {
    let tasks = source["tasks"].as_f64().unwrap();
    let exposure_h: f64 = source["arrivals"]["exposure_days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_f64().unwrap() * 4.0)
        .sum();
    let rate = tasks / exposure_h;
    let band = 3.29 * (200.0 * exposure_h).sqrt() / exposure_h;
    eprintln!("fresh rate {rate:.2}/h (truth 200 ± {band:.2})");
    assert!((rate - 200.0).abs() <= band, "rate {rate}");
    rate
}

fn half_width(e: &Estimate) -> f64 {
    e.half_width(0.999).unwrap()
}

/// Simulate 100 h of the original (replication 0 with `--events`),
/// calibrate from those events alone, and run the calibrated scenario.
///
/// - The recovered parameters are within their 99.9% bands of the truth:
///   the rate (Poisson), the mean talk time (its standard error), the
///   patience (the censored fit's interval), and the staffing exactly.
/// - The calibrated scenario *is* the fitted model: its KPIs agree with
///   Erlang A at the fitted parameters within the run's 99.9% CI.
/// - So it reproduces the original: each KPI differs from the original's
///   by no more than the two runs' CIs plus the difference that the
///   estimation error alone makes in Erlang A (one history of 20 000
///   calls fixes the rate only to about ±1.5%, and at 10 erlangs on 11
///   agents the service level moves by about 1.5 points per 1% of rate).
#[test]
fn a_calibrated_history_reproduces_the_original_center() {
    let dir = temp_dir("calibrate-roundtrip");
    let original = dir.join("original.toml");
    std::fs::write(&original, ORIGINAL).unwrap();
    let events = simulated_history(&dir, &original, &[]);
    let trace = dir.join("history.csv");
    let out = calibrate(&dir, &events, "4h", &["--trace", trace.to_str().unwrap()]);
    assert!(out.contains("The scenario validates"), "{out}");
    let calibrated = dir.join("cal.toml");
    let report = read_json(&dir.join("cal.calibration.json"));

    // Recovered parameters.
    let source = &report["sources"][0];
    assert_eq!(report["sources"].as_array().unwrap().len(), 1);
    let tasks = source["tasks"].as_f64().unwrap();
    let rate_h = fresh_rate_is_200_per_hour(source);
    let talk = &source["talk"];
    let n = talk["n"].as_f64().unwrap();
    let talk_mean = talk["fits"][0]["mean_s"].as_f64().unwrap();
    let talk_band = 3.29 * 180.0 / n.sqrt();
    eprintln!(
        "talk {} {talk_mean:.1} s (truth 180 ± {talk_band:.1})",
        talk["chosen"]
    );
    assert!((talk_mean - 180.0).abs() <= talk_band);
    assert!((talk["fits"][0]["cv"].as_f64().unwrap() - 1.0).abs() < 0.05);
    let patience = &source["patience"];
    let p_mean = patience["exponential_mean_s"].as_f64().unwrap();
    let d = patience["abandoned"].as_f64().unwrap();
    let spread = (3.29 / d.sqrt()).exp();
    eprintln!(
        "patience {p_mean:.1} s from {d} hang-ups (99.9%: {:.1}–{:.1}; truth 300)",
        p_mean / spread,
        p_mean * spread
    );
    assert!(p_mean / spread < 300.0 && 300.0 < p_mean * spread);
    let group = &report["groups"][0];
    assert_eq!(group["count"], 11);
    assert_eq!(group["capacity"]["voice"], 1);
    assert_eq!(group["serves"][0], "main");

    // The calibrated scenario is the fitted model.
    let cal = ccsim::scenario::load(&calibrated).unwrap().scenario;
    let cal_sum = replications::run(&cal, 11, 30, &|_| {});
    let fitted = Model {
        rate_per_s: rate_h / 3600.0,
        aht_s: talk_mean,
        agents: 11,
        patience_s: Some(p_mean),
    }
    .measures(20.0)
    .unwrap();
    let c = &cal_sum.overall.kpis;
    assert_within("calibrated SL", &c[Kpi::ServiceLevel], fitted.service_level);
    assert_within("calibrated ASA", &c[Kpi::Asa], fitted.asa_s);
    assert_within(
        "calibrated abandonment",
        &c[Kpi::AbandonRate],
        fitted.abandon_rate,
    );
    assert_within(
        "calibrated occupancy",
        &cal_sum.groups[0].kpis[ccsim::metrics::GroupKpi::Occupancy],
        fitted.occupancy,
    );

    // And it reproduces the original, within the runs' CIs and the shift
    // the estimation error explains.
    let orig = ccsim::scenario::load(&original).unwrap().scenario;
    let orig_sum = replications::run(&orig, 11, 30, &|_| {});
    let truth = Model {
        rate_per_s: 200.0 / 3600.0,
        aht_s: 180.0,
        agents: 11,
        patience_s: Some(300.0),
    }
    .measures(20.0)
    .unwrap();
    let o = &orig_sum.overall.kpis;
    let pairs = [
        (
            "service level",
            Kpi::ServiceLevel,
            fitted.service_level - truth.service_level,
        ),
        ("ASA (s)", Kpi::Asa, fitted.asa_s - truth.asa_s),
        (
            "abandonment",
            Kpi::AbandonRate,
            fitted.abandon_rate - truth.abandon_rate,
        ),
    ];
    for (label, k, shift) in pairs {
        let (a, b) = (o[k].mean.unwrap(), c[k].mean.unwrap());
        let tol = half_width(&o[k]) + half_width(&c[k]) + shift.abs();
        eprintln!(
            "{label:<14} original {a:.4}  calibrated {b:.4}  (tolerance {tol:.4}: CIs + estimation shift {shift:+.4})"
        );
        assert!((a - b).abs() <= tol, "{label}: {a} vs {b}");
    }
    let (oo, co) = (
        &orig_sum.groups[0].kpis[ccsim::metrics::GroupKpi::Occupancy],
        &cal_sum.groups[0].kpis[ccsim::metrics::GroupKpi::Occupancy],
    );
    let shift = fitted.occupancy - truth.occupancy;
    let tol = half_width(oo) + half_width(co) + shift.abs();
    let (a, b) = (oo.mean.unwrap(), co.mean.unwrap());
    eprintln!("occupancy      original {a:.4}  calibrated {b:.4}  (tolerance {tol:.4})");
    assert!((a - b).abs() <= tol);
    // Offered per replication: the same history length, the fitted rate.
    let offered = c[Kpi::Offered].mean.unwrap();
    assert!((offered - rate_h * 100.0).abs() <= half_width(&c[Kpi::Offered]));

    // The trace: one row per task, with its observed talk, and patience
    // only where the customer hung up.
    let mut rows = csv::Reader::from_path(&trace).unwrap();
    let (mut n_rows, mut with_talk, mut with_patience) = (0, 0, 0);
    for r in rows.records() {
        let r = r.unwrap();
        n_rows += 1;
        with_talk += usize::from(!r[2].is_empty());
        with_patience += usize::from(!r[3].is_empty());
        assert_eq!(&r[1], "voice");
        assert!(r[4].contains("\"calibrated_queue\":\"main\""));
    }
    assert_eq!(n_rows as f64, tasks);
    assert_eq!(with_talk as f64, n);
    assert_eq!(with_patience as f64, d);
}

/// Outputs are never silently overwritten, and bad input names its file.
#[test]
fn calibrate_refuses_to_overwrite_and_reports_bad_files() {
    let dir = temp_dir("calibrate-refusals");
    let example = super::scenario("events-example.jsonl");
    let out = dir.join("c.toml");
    let args = |force: bool| {
        let mut a = vec![
            "calibrate".to_string(),
            example.to_str().unwrap().to_string(),
            "--out".into(),
            out.to_str().unwrap().to_string(),
        ];
        if force {
            a.push("--force".into());
        }
        a
    };
    let run = |a: Vec<String>| ccsim(&a.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    assert!(run(args(false)).status.success());
    let again = run(args(false));
    let err = stderr_no_panic(&again);
    assert!(!again.status.success());
    assert!(err.contains("already exists; give --force"), "{err}");
    assert!(run(args(true)).status.success());

    let bad = dir.join("bad.jsonl");
    std::fs::write(&bad, "{\"event\": \"task.created\", \"t\": 1}\n{oops\n").unwrap();
    let o = ccsim(
        &[
            "calibrate",
            bad.to_str().unwrap(),
            "--out",
            dir.join("d.toml").to_str().unwrap(),
        ],
        &[],
    );
    let err = stderr_no_panic(&o);
    assert!(!o.status.success());
    assert!(err.contains("bad.jsonl:2:2"), "{err}");
    assert!(!dir.join("d.toml").exists());

    let o = ccsim(
        &[
            "calibrate",
            example.to_str().unwrap(),
            "--out",
            dir.join("e.toml").to_str().unwrap(),
            "--interval",
            "7m",
        ],
        &[],
    );
    let err = stderr_no_panic(&o);
    assert!(err.contains("must divide a day"), "{err}");
}

/// Calibrates `events` with `--interval` (and `extra` options) into
/// `cal.toml` in `dir`; returns what it printed.
fn calibrate(dir: &Path, events: &Path, interval: &str, extra: &[&str]) -> String {
    let out = dir.join("cal.toml");
    let mut args = vec![
        "calibrate",
        events.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--interval",
        interval,
        "--force",
    ];
    args.extend_from_slice(extra);
    String::from_utf8(ccsim_ok(&args, &[])).unwrap()
}

/// Calibrates `events` with `--interval` and returns the report.
fn calibrate_report(dir: &Path, events: &Path, interval: &str) -> Value {
    calibrate(dir, events, interval, &[]);
    read_json(&dir.join("cal.calibration.json"))
}

fn plan(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

/// The staffing-plan example (a CSV plan for `support`, an inline one for
/// `overflow`): the head counts per hour come back exactly from the
/// workers' activity updates, up to the hour of the last arrival.
#[test]
fn head_counts_per_interval_are_recovered_from_activity_updates() {
    let dir = temp_dir("calibrate-staffing");
    let events = simulated_history(&dir, &super::scenario("staffing-plan.toml"), &[]);
    let report = calibrate_report(&dir, &events, "1h");
    let groups = report["groups"].as_array().unwrap();
    let by_name = |n: &str| groups.iter().find(|g| g["name"] == n).unwrap();
    // scenarios/staffing-plan.csv, 00:00 to 18:00 (the last arrival is before 18:00).
    assert_eq!(
        plan(&by_name("support")["plan"]),
        [
            0, 0, 0, 0, 0, 0, 0, 0, 14, 24, 28, 28, 22, 20, 22, 22, 18, 14
        ]
    );
    assert_eq!(
        plan(&by_name("overflow")["plan"]),
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 6, 4, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(by_name("support")["count"], 28);
}

/// `days` of chats at 30/h scaled by weekday ([1.2, 1, 1, 1, 1, 0.6,
/// 0.4], Monday first), with `extra` lines on the source; returns the
/// scenario's path in `dir`.
fn chats_by_weekday(dir: &Path, days: u32, seed: u64, extra: &str) -> std::path::PathBuf {
    let path = dir.join("chats.toml");
    std::fs::write(
        &path,
        format!(
            r#"name = "chats"
[simulation]
horizon = "{days}d"
interval = "1d"
replications = 1
seed = {seed}
[[channels]]
name = "chat"
[[arrivals]]
name = "chats"
channel = "chat"
rate = "30/h"
weekly = [1.2, 1, 1, 1, 1, 0.6, 0.4]
handle_time = {{ dist = "exponential", mean = "60s" }}
{extra}
[[agents]]
group = "agents"
count = 4
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = {{ queue = "q" }}
"#
        ),
    )
    .unwrap();
    path
}

/// Four weeks of a source with day-of-week multipliers [1.2, 1, 1, 1, 1,
/// 0.6, 0.4]: each weekday's multiplier (its arrivals per whole day ÷ the
/// mean whole day) is recovered within its 99.9% Poisson band.
#[test]
fn day_of_week_multipliers_are_recovered() {
    let dir = temp_dir("calibrate-weekly");
    let scenario = chats_by_weekday(&dir, 28, 3, "");
    let events = simulated_history(&dir, &scenario, &[]);
    let report = calibrate_report(&dir, &events, "24h");
    // With --weekday-profiles, each weekday's own rate (one 24 h piece a
    // day here): 30/h times its multiplier, within the Poisson band of its
    // whole days, and the calibrated week runs.
    calibrate(&dir, &events, "24h", &["--weekday-profiles"]);
    let text = std::fs::read_to_string(dir.join("cal.toml")).unwrap();
    let line = text.lines().find(|l| l.starts_with("profile = ")).unwrap();
    let rates: Vec<f64> = line[line.find('[').unwrap() + 1..line.find(']').unwrap()]
        .split(", ")
        .map(|r| r.trim_matches('"').trim_end_matches("/h").parse().unwrap())
        .collect();
    assert_eq!(rates.len(), 7);
    assert!(!text.contains("\nweekly = "));
    for (d, (r, t)) in rates
        .iter()
        .zip([1.2, 1.0, 1.0, 1.0, 1.0, 0.6, 0.4])
        .enumerate()
    {
        let hours: f64 = 24.0 * if d == 6 { 3.0 } else { 4.0 };
        let band = 3.29 * (30.0 * t / hours).sqrt();
        eprintln!("weekday {d}: {r:.3}/h (truth {:.1} ± {band:.3})", 30.0 * t);
        assert!((r - 30.0 * t).abs() <= band);
    }
    ccsim::scenario::load(&dir.join("cal.toml")).unwrap();
    let weekly: Vec<f64> = report["sources"][0]["arrivals"]["weekly"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    let truth = [1.2, 1.0, 1.0, 1.0, 1.0, 0.6, 0.4];
    let mean: f64 = truth.iter().sum::<f64>() / 7.0;
    let total = report["sources"][0]["tasks"].as_f64().unwrap();
    for (d, (m, t)) in weekly.iter().zip(truth).enumerate() {
        let want = t / mean;
        // Whole days only, and the last arrival falls just before day 28
        // ends: four of each weekday but three Sundays. Its count, and the
        // whole history's mean day.
        let days = if d == 6 { 3.0 } else { 4.0 };
        let count = 30.0 * 24.0 * days * t;
        let band = 3.29 * want * (1.0 / count.sqrt() + 1.0 / total.sqrt());
        eprintln!("weekday {d}: {m:.4} (truth {want:.4} ± {band:.4})");
        assert!((m - want).abs() <= band);
    }
}

/// Callers who hang up call again with probability 0.4 after an exponential
/// 10 min (ccsim's trail re-creates the same task): the probability and the
/// delay are recovered within their 99.9% bands, and the redials are not
/// counted as fresh arrivals (the fresh rate is still 200/h).
#[test]
fn redials_are_recovered_and_not_counted_as_fresh_arrivals() {
    let dir = temp_dir("calibrate-redials");
    let scenario = dir.join("redial.toml");
    std::fs::write(
        &scenario,
        ORIGINAL.replace(
            "patience = { dist = \"exponential\", mean = \"300s\" }",
            "patience = { dist = \"exponential\", mean = \"300s\" }\nredial = { probability = 0.4, delay = { dist = \"exponential\", mean = \"10m\" } }",
        ),
    )
    .unwrap();
    let events = simulated_history(&dir, &scenario, &[]);
    let report = calibrate_report(&dir, &events, "4h");
    let source = &report["sources"][0];
    let r = &source["redials"];
    let (k, n) = (
        r["redialed"].as_f64().unwrap(),
        r["abandoned"].as_f64().unwrap(),
    );
    let p = k / n;
    let band = 3.29 * (0.4 * 0.6 / n).sqrt();
    eprintln!("redial probability {p:.4} from {n} hang-ups (truth 0.4 ± {band:.4})");
    // Hang-ups in the last few delays before the end may redial after it:
    // a bias down of at most a few in a thousand here (10 min of 100 h).
    assert!((p - 0.4).abs() <= band + 0.005);
    let delay = &r["delay"];
    let mean = delay["fits"][0]["mean_s"].as_f64().unwrap();
    let dband = 3.29 * 600.0 / k.sqrt();
    eprintln!(
        "redial delay {} {mean:.1} s (truth 600 ± {dband:.1})",
        delay["chosen"]
    );
    assert!((mean - 600.0).abs() <= dband);
    fresh_rate_is_200_per_hour(source);
    let text = std::fs::read_to_string(dir.join("cal.toml")).unwrap();
    assert!(text.contains("redial = { probability = "), "{text}");
}

/// Eight weeks of a source whose rate is multiplied each day by a gamma
/// draw of mean 1 and cv 0.2 (forecast uncertainty): the day-to-day
/// over-dispersion gives the busyness back within its 99.9% band. The
/// estimate rests on the whole days (54: the first and last are partial)
/// in 7 weekday groups, so on n − 7 degrees of freedom; a sample cv then
/// has a standard error of about cv/√(2(n − 7)), widened here by 10% for
/// the gamma's excess kurtosis (6cv² = 0.24) and the counts' Poisson noise.
#[test]
fn busyness_is_recovered_from_day_to_day_counts() {
    let dir = temp_dir("calibrate-busyness");
    let scenario = chats_by_weekday(
        &dir,
        56,
        5,
        r#"busyness = { dist = "gamma", mean = 1, cv = 0.2, per = "day" }"#,
    );
    let events = simulated_history(&dir, &scenario, &[]);
    let report = calibrate_report(&dir, &events, "24h");
    let arrivals = &report["sources"][0]["arrivals"];
    let cv = arrivals["busyness_cv"].as_f64().unwrap();
    let days = arrivals["busyness_days"].as_f64().unwrap();
    let band = 3.29 * 1.1 * 0.2 / (2.0 * (days - 7.0)).sqrt();
    eprintln!("busyness cv {cv:.4} from {days} days (truth 0.2 ± {band:.4})");
    assert!((cv - 0.2).abs() <= band);
    let text = std::fs::read_to_string(dir.join("cal.toml")).unwrap();
    assert!(text.contains("busyness = { dist = \"gamma\", mean = 1, cv = "));
}

/// With `--workspace`, routing and workers are the example workspace's
/// (its workflow written beside the scenario, its groups by skills and
/// capacities whatever their activity at the snapshot), and the example
/// history gives the numbers: each source carries the attributes its tasks
/// had, so the workspace's workflow routes it, and the head counts follow
/// the history: bob and dan answered tasks without logging in or out
/// (working throughout), alice logged in at 08:59:30, erin and ivan did
/// nothing (off line).
#[test]
fn a_workspace_gives_the_routing_and_the_history_the_numbers() {
    let dir = temp_dir("calibrate-workspace");
    let out = dir.join("acme.toml");
    let printed = ccsim_ok(
        &[
            "calibrate",
            super::scenario("events-example.jsonl").to_str().unwrap(),
            "--workspace",
            super::scenario("workspace-example").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    let printed = String::from_utf8(printed).unwrap();
    assert!(printed.contains("acme.workflow.json"), "{printed}");
    assert!(dir.join("acme.workflow.json").exists());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("taskrouter_json = \"acme.workflow.json\""));
    assert!(!text.contains("calibrated_queue"));
    // The Spanish voice task's source has its attributes.
    let spanish = text.find("name = \"voice-support-spanish\"").unwrap();
    assert!(text[spanish..].contains("attributes = { type = \"support\", language = \"es\" }"));
    // One group for the five English level-2 workers, whatever their activity.
    let group = text.find("group = \"support-en-level2\"").unwrap();
    let counts = format!("count = [{}3]", "2, ".repeat(18));
    assert!(
        text[group..].contains(&counts),
        "{}",
        &text[group..group + 300]
    );
    assert!(!text.contains("support-en-level2-offline"));
    let s = ccsim::scenario::load(&out).unwrap().scenario;
    let r = replications::run(&s, 1, 2, &|_| {});
    assert!(r.overall.kpis[Kpi::Offered].mean.unwrap() > 0.0);
}

/// `--empirical` keeps the observed talk times as a table of 100 quantiles
/// instead of the fitted family: the calibrated center's mean handle time
/// is then the table's mean (within the run's 99.9% CI), and that mean is
/// the observed one to within the table's resolution (1%).
#[test]
fn empirical_tables_keep_the_observed_talk_times() {
    let dir = temp_dir("calibrate-empirical");
    let original = dir.join("original.toml");
    std::fs::write(&original, ORIGINAL).unwrap();
    let events = simulated_history(&dir, &original, &[]);
    calibrate(&dir, &events, "4h", &["--empirical"]);
    let text = std::fs::read_to_string(dir.join("cal.toml")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("handle_time = { dist = \"empirical\""))
        .unwrap_or_else(|| panic!("{text}"));
    let values: Vec<f64> = line[line.find('[').unwrap() + 1..line.find(']').unwrap()]
        .split(", ")
        .map(|v| v.parse().unwrap())
        .collect();
    assert_eq!(values.len(), 100);
    let table_mean = values.iter().sum::<f64>() / 100.0;
    let report = read_json(&dir.join("cal.calibration.json"));
    let observed = report["sources"][0]["talk"]["fits"][0]["mean_s"]
        .as_f64()
        .unwrap();
    eprintln!("table mean {table_mean:.1} s, observed mean {observed:.1} s");
    assert!((table_mean / observed - 1.0).abs() < 0.01);
    let s = ccsim::scenario::load(&dir.join("cal.toml"))
        .unwrap()
        .scenario;
    let r = replications::run(&s, 3, 10, &|_| {});
    assert_within("AHT of the table", &r.overall.kpis[Kpi::Aht], table_mean);
}

/// A fifth of the calls answered in `main` are transferred (cold) to the
/// experts' `tier2` queue, where the second leg takes an exponential 5 min.
/// From 100 h of history the calibration finds the share within its 99.9%
/// band, the target, and the second worker's mean time within its band;
/// the experts, who answered both queues, serve both.
#[test]
fn transfers_are_recovered_per_queue() {
    let dir = temp_dir("calibrate-transfers");
    let scenario = dir.join("transfers.toml");
    // The original center at half the rate, with three experts behind it.
    let text = ORIGINAL
        .replace("rate = \"200/h\"", "rate = \"100/h\"")
        .replace(
            "count = 11",
            "count = 8\n[[agents]]\ngroup = \"experts\"\ncount = 3\nattributes = { expert = true }",
        )
        .replace(
            "target_workers = \"1==1\"",
            "target_workers = \"1==1\"\ntransfer = { probability = 0.2, to = \"tier2\", handle_time = { dist = \"exponential\", mean = \"5m\" } }\n[[queues]]\nname = \"tier2\"\ntarget_workers = \"expert == true\"",
        );
    std::fs::write(&scenario, text).unwrap();
    let events = simulated_history(&dir, &scenario, &[]);
    let report = calibrate_report(&dir, &events, "4h");
    let t = &report["transfers"][0];
    assert_eq!(t["queue"], "main");
    assert_eq!(t["targets"][0]["queue"], "tier2");
    let (k, n) = (
        t["transferred"].as_f64().unwrap(),
        t["answered"].as_f64().unwrap(),
    );
    let band = 3.29 * (0.2 * 0.8 / n).sqrt();
    eprintln!("transferred {:.4} of {n} (truth 0.2 ± {band:.4})", k / n);
    assert!((k / n - 0.2).abs() <= band);
    let second = &t["second_leg"];
    let m = second["fits"][0]["mean_s"].as_f64().unwrap();
    let legs = second["n"].as_f64().unwrap();
    let mband = 3.29 * 300.0 / legs.sqrt();
    eprintln!("second leg {m:.1} s from {legs} (truth 300 ± {mband:.1})");
    assert!((m - 300.0).abs() <= mband);
    let experts = report["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "experts")
        .unwrap();
    assert_eq!(experts["serves"], serde_json::json!(["main", "tier2"]));
    let text = std::fs::read_to_string(dir.join("cal.toml")).unwrap();
    assert!(text.contains("transfer = { probability = "), "{text}");
}
