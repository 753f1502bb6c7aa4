//! Trace replay reproduces the trace's per-channel offered counts exactly.

use super::{ccsim_ok, scenario, temp_dir};
use std::collections::BTreeMap;

#[test]
fn offered_counts_per_channel_equal_the_csv() {
    let mut expected: BTreeMap<String, f64> = BTreeMap::new();
    let mut reader = csv::Reader::from_path(scenario("trace-day.csv")).unwrap();
    for row in reader.records() {
        *expected.entry(row.unwrap()[1].to_string()).or_default() += 1.0;
    }
    assert!(
        expected.len() == 2 && expected.values().all(|&n| n > 100.0),
        "{expected:?}"
    );
    let out_dir = temp_dir("trace");
    let stdout = ccsim_ok(
        &[
            "run",
            scenario("trace-replay.toml").to_str().unwrap(),
            "--json",
            "--out",
            out_dir.to_str().unwrap(),
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    for (channel, n) in &expected {
        let got = &v["channels"][channel]["offered"];
        assert_eq!(got["mean"].as_f64(), Some(*n), "channel {channel}");
        assert_eq!(
            got["ci95"].as_f64(),
            Some(0.0),
            "every replication replays the same rows"
        );
    }
    let total: f64 = expected.values().sum();
    assert_eq!(v["overall"]["offered"]["mean"].as_f64(), Some(total));
}
