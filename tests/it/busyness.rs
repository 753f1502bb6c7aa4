//! Forecast uncertainty (`busyness`): a gamma factor on the rate makes the
//! count of a period Poisson-gamma, with mean λT and variance λT + (λT·cv)²
//! (mean-1 factor). Both moments are checked against samples of the
//! simulated counts with 99.9% bands from the samples themselves.

use crate::{load_in, scenario, temp_dir};
use ccsim::metrics::{IntervalKpi, Kpi};
use ccsim::scenario::Scenario;

/// z for a two-sided 99.9% band (normal: the samples are hundreds).
const Z999: f64 = 3.2905;

/// Mean and unbiased variance of `x`, each with its 99.9% half-width (the
/// variance's from the sample's fourth central moment).
struct Moments {
    mean: f64,
    mean_hw: f64,
    var: f64,
    var_hw: f64,
}

fn moments(x: &[f64]) -> Moments {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let m2 = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    let m4 = x.iter().map(|v| (v - mean).powi(4)).sum::<f64>() / n;
    let var = m2 * n / (n - 1.0);
    // Var(S²) ≈ (μ4 − σ⁴ (n − 3)/(n − 1)) / n.
    let var_se = ((m4 - var * var * (n - 3.0) / (n - 1.0)) / n).sqrt();
    Moments {
        mean,
        mean_hw: Z999 * (var / n).sqrt(),
        var,
        var_hw: Z999 * var_se,
    }
}

/// Poisson source `a` at `rate` with busyness `busy` on it (and `global` on
/// the simulation), plus an identical source `b` when `two`, over `horizon`
/// with statistics `interval`s.
fn text(rate: &str, busy: &str, global: &str, two: bool, horizon: &str, interval: &str) -> String {
    let b = if two {
        format!(
            "[[arrivals]]\nname = \"b\"\nchannel = \"voice\"\nrate = \"{rate}\"\n\
             handle_time = {{ dist = \"exponential\", mean = \"60s\" }}\n\
             patience = {{ dist = \"exponential\", mean = \"60s\" }}\n"
        )
    } else {
        String::new()
    };
    format!(
        r#"name = "busy"
[simulation]
horizon = "{horizon}"
interval = "{interval}"
{global}
[[channels]]
name = "voice"
[[arrivals]]
name = "a"
channel = "voice"
rate = "{rate}"
handle_time = {{ dist = "exponential", mean = "60s" }}
patience = {{ dist = "exponential", mean = "60s" }}
{busy}
{b}[[agents]]
group = "g"
count = 10
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = {{ queue = "q" }}
"#
    )
}

fn load(tag: &str, text: &str) -> Scenario {
    load_in(&temp_dir(tag), text)
}

/// Offered per (replication, interval), replications `0..reps` of seed 5.
fn interval_counts(s: &Scenario, reps: u32) -> Vec<f64> {
    let mut out = Vec::new();
    for r in 0..reps {
        let res = ccsim::engine::run(s, 5, r);
        out.extend(res.intervals.iter().map(|k| k[IntervalKpi::Offered]));
    }
    out
}

fn check(label: &str, x: &Moments, mean: f64, var: f64) {
    eprintln!(
        "{label}: mean {:.1} ± {:.1} (model {mean:.1}), variance {:.0} ± {:.0} (model {var:.0})",
        x.mean, x.mean_hw, x.var, x.var_hw
    );
    assert!((x.mean - mean).abs() <= x.mean_hw, "{label}: mean");
    assert!((x.var - var).abs() <= x.var_hw, "{label}: variance");
}

/// Per day: a day's count has variance λT + (λT·cv)²; without busyness it
/// would be λT, far outside the band (the check has power).
#[test]
fn daily_counts_are_over_dispersed_as_poisson_gamma() {
    let busy = r#"busyness = { dist = "gamma", mean = 1, cv = 0.2, per = "day" }"#;
    let s = load("busy-day", &text("100/h", busy, "", false, "300d", "24h"));
    let x = moments(&interval_counts(&s, 2));
    let lt = 2400.0;
    check("per day", &x, lt, lt + (lt * 0.2f64).powi(2));
    assert!(
        (x.var - lt).abs() > x.var_hw,
        "Poisson variance not rejected"
    );
}

/// Per interval: each hour has its own factor, so a day's variance is
/// λT + 24·(λ·1h·cv)²: much less than with one factor per day.
#[test]
fn hourly_factors_average_out_over_a_day() {
    let busy = r#"busyness = { dist = "gamma", mean = 1, cv = 0.2, per = "interval" }"#;
    let s = load(
        "busy-interval",
        &text("100/h", busy, "", false, "300d", "1h"),
    );
    let hours = interval_counts(&s, 1);
    let days: Vec<f64> = hours.chunks(24).map(|d| d.iter().sum()).collect();
    let x = moments(&days);
    let (lt, lh) = (2400.0, 100.0);
    check("per interval", &x, lt, lt + 24.0 * (lh * 0.2f64).powi(2));
}

/// Global, per replication: one factor for both sources, so their total
/// has variance 2λT + (2λT·cv)² (independent factors would give
/// 2λT + 2(λT·cv)², outside the band).
#[test]
fn a_global_factor_is_common_to_every_source() {
    let global = "busyness = { dist = \"gamma\", mean = 1, cv = 0.2, per = \"replication\" }";
    let s = load("busy-global", &text("50/h", "", global, true, "24h", "24h"));
    let totals: Vec<f64> = (0..600)
        .map(|r| ccsim::engine::run(&s, 9, r).overall[Kpi::Offered])
        .collect();
    let x = moments(&totals);
    let lt = 2.0 * 1200.0;
    check("global", &x, lt, lt + (lt * 0.2f64).powi(2));
    let independent = lt + 2.0 * (1200.0f64 * 0.2).powi(2);
    assert!(
        (x.var - independent).abs() > x.var_hw,
        "independent factors not rejected"
    );
}

/// The example file runs, and its days vary beyond Poisson.
#[test]
fn the_example_scenario_runs() {
    let s = ccsim::scenario::load(&scenario("forecast-uncertainty.toml"))
        .expect("example loads")
        .scenario;
    assert!(s.sources[0].busyness.is_some());
    let r = ccsim::engine::run(&s, 17, 0);
    let days: Vec<f64> = r
        .intervals
        .iter()
        .map(|k| k[IntervalKpi::Offered])
        .collect();
    assert_eq!(days.len(), 5);
    assert!(
        days.iter().all(|&d| d > 4_000.0 && d < 14_000.0),
        "{days:?}"
    );
}

/// The problem with a scenario's text, as the user sees it.
fn refusal(dir: &std::path::Path, text: &str) -> String {
    match ccsim::scenario::load_str(&dir.join("s.toml"), text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// Bad input: `per` is checked, and a trace cannot be scaled; each error
/// points at the line.
#[test]
fn busyness_errors_name_the_fix() {
    let busy = r#"busyness = { dist = "gamma", mean = 1, cv = 0.2, per = "week" }"#;
    let err = refusal(
        &temp_dir("busy-per"),
        &text("100/h", busy, "", false, "1d", "24h"),
    );
    assert!(
        err.contains("per must be \"day\", \"replication\" or \"interval\""),
        "{err}"
    );
    assert!(err.contains("s.toml:14:56: error: per must be"), "{err}");
    let traced = text("100/h", "", "", false, "1d", "24h").replace(
        "rate = \"100/h\"",
        "trace = \"calls.csv\"\nbusyness = { dist = \"gamma\", mean = 1, cv = 0.2 }",
    );
    let err = refusal(&crate::trace_dir("busy-trace", "10,voice,60,,\n"), &traced);
    assert!(
        err.contains("`busyness` scales a `rate` or `profile`"),
        "{err}"
    );
}
