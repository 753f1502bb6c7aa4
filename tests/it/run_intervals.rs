//! `ccsim run --intervals`: the per-interval table after the usual one, its
//! cells the means of `intervals-long.csv`; refused with `--json`; the
//! output without it unchanged.

use crate::{ccsim, ccsim_ok, scenario, stderr_no_panic, temp_dir, write_scenario};

/// The table's lines: from its header (starting `start`) to the blank line
/// before `reports:`.
fn table_lines(stdout: &str) -> Vec<&str> {
    stdout
        .lines()
        .skip_while(|l| !l.starts_with("start "))
        .take_while(|l| !l.is_empty())
        .collect()
}

/// Columns split on runs of two or more spaces (headers hold single spaces).
fn columns(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}

/// The mean of one row of `intervals-long.csv`.
fn long_mean(records: &[csv::StringRecord], k: usize, scope: &str, name: &str, kpi: &str) -> f64 {
    let r = records
        .iter()
        .find(|r| r[0] == *k.to_string() && &r[4] == scope && &r[5] == name && &r[6] == kpi)
        .unwrap_or_else(|| panic!("no row {k} {scope} {name} {kpi}"));
    r[7].parse().unwrap()
}

/// finance-channel-shift.toml (two queues, two groups, costs): a header
/// naming every column, one row per interval labelled by its start, and
/// cells that are intervals-long.csv's means, formatted; the rest of stdout
/// is what `run` prints without the flag.
#[test]
fn the_interval_table_shows_the_long_files_means() {
    let out = temp_dir("run-intervals");
    let path = scenario("finance-channel-shift.toml");
    let args = |extra: &[&'static str]| {
        let mut v = vec![
            "run".to_string(),
            path.to_str().unwrap().to_string(),
            "--replications".into(),
            "3".into(),
            "--out".into(),
            out.to_str().unwrap().to_string(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |extra: &[&'static str]| {
        let a = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        String::from_utf8(ccsim_ok(&a, &[])).unwrap()
    };
    let plain = run(&[]);
    let with = run(&["--intervals"]);
    assert!(table_lines(&plain).is_empty(), "{plain}");
    let lines = table_lines(&with);
    assert_eq!(
        columns(lines[0]),
        [
            "start",
            "offered",
            "answered",
            "abandoned",
            "SL %",
            "ASA s",
            "p90 wait s",
            "SL % voice",
            "SL % digital",
            "occ % voice_team",
            "occ % digital_team",
            "cost USD",
        ]
    );
    // The block sits between the usual table and `reports:`, which are
    // unchanged.
    let start = with
        .find("per interval: means over 3 replications")
        .unwrap();
    let end = with.rfind("\nreports: ").unwrap();
    assert_eq!(
        format!("{}{}", &with[..start - 1], &with[end..]),
        plain,
        "the rest of stdout is what run prints without --intervals"
    );
    let text = std::fs::read_to_string(out.join("intervals-long.csv")).unwrap();
    let records: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    let rows = &lines[1..];
    assert_eq!(rows.len(), 8, "one row per interval of the 8 h window");
    for (k, row) in rows.iter().enumerate() {
        let cells = columns(row);
        assert_eq!(cells.len(), 12, "{row}");
        assert_eq!(cells[0], format!("{:02}:00", k));
        let mean = |scope, name, kpi| long_mean(&records, k, scope, name, kpi);
        assert_eq!(
            cells[1],
            format!("{:.1}", mean("overall", "overall", "offered"))
        );
        assert_eq!(
            cells[8],
            format!("{:.1}", 100.0 * mean("queue", "digital", "service_level"))
        );
        assert_eq!(
            cells[9],
            format!("{:.1}", 100.0 * mean("group", "voice_team", "occupancy"))
        );
        assert_eq!(
            cells[11],
            format!("{:.2}", mean("overall", "overall", "cost"))
        );
    }
    let _ = std::fs::remove_dir_all(out);
}

/// `--intervals` goes with the table only: with `--json` it is a usage
/// error (status 2) before anything runs.
#[test]
fn intervals_are_refused_with_json() {
    let out = temp_dir("run-intervals-json");
    let path = scenario("quickstart.toml");
    let o = ccsim(
        &[
            "run",
            path.to_str().unwrap(),
            "--json",
            "--intervals",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    let err = stderr_no_panic(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("--intervals") && err.contains("--json"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
    assert!(!out.join("summary.csv").exists(), "nothing ran");
    let _ = std::fs::remove_dir_all(out);
}

/// Seven queues: the first six get a column, a closing line says the
/// seventh is in intervals-long.csv; one queue alone gets none (its
/// service level is the overall one).
#[test]
fn at_most_six_queue_columns() {
    let dir = temp_dir("run-intervals-many");
    let queues: String = (1..=7)
        .map(|i| format!("[[queues]]\nname = \"q{i}\"\ntarget_workers = \"1==1\"\n"))
        .collect();
    let text = format!(
        r#"name = "many-queues"
[simulation]
horizon = "2h"
interval = "1h"
replications = 2
[[channels]]
name = "voice"
handle_time = {{ dist = "exponential", mean = "3m" }}
[[arrivals]]
name = "calls"
channel = "voice"
rate = "60/h"
[[agents]]
group = "a"
count = 5
{queues}
[workflow]
default_filter = {{ queue = "q1" }}
"#
    );
    let path = write_scenario(&dir, &text);
    let out = dir.join("out");
    let run = |path: &std::path::Path| {
        let stdout = ccsim_ok(
            &[
                "run",
                path.to_str().unwrap(),
                "--intervals",
                "--out",
                out.to_str().unwrap(),
            ],
            &[],
        );
        String::from_utf8(stdout).unwrap()
    };
    let stdout = run(&path);
    let lines = table_lines(&stdout);
    let header = columns(lines[0]);
    let shown: Vec<&str> = header
        .iter()
        .copied()
        .filter(|h| h.starts_with("SL % "))
        .collect();
    assert_eq!(
        shown,
        [
            "SL % q1", "SL % q2", "SL % q3", "SL % q4", "SL % q5", "SL % q6"
        ]
    );
    assert_eq!(lines.len(), 1 + 2 + 1, "{stdout}");
    assert_eq!(
        lines[3],
        "1 more queue not shown: every queue and group is in intervals-long.csv"
    );
    let one = text.replace(
        &queues,
        "[[queues]]\nname = \"q1\"\ntarget_workers = \"1==1\"\n",
    );
    let stdout = run(&write_scenario(&dir, &one));
    let lines = table_lines(&stdout);
    assert!(!lines[0].contains("SL % q1"), "{stdout}");
    assert_eq!(columns(lines[0]).last(), Some(&"occ % a"));
    let _ = std::fs::remove_dir_all(dir);
}
