//! Per-scope intervals: what each queue, channel and source did in each
//! interval adds up to the whole center's interval table and to the
//! whole-window segments, on every example scenario; the long-form file and
//! the wait distribution read back as written.

use crate::{ccsim, scenario, temp_dir};
use ccsim::metrics::{IntervalKpi, Kpi, Scope, SliceKpi, scopes, wait_edges};
use ccsim::scenario::load;

const EXAMPLES: [&str; 8] = [
    "quickstart.toml",
    "business-hours.toml",
    "two-skill-intraday.toml",
    "voice-chat-multitasking.toml",
    "agent-disruptions.toml",
    "escalation.toml",
    "finance-channel-shift.toml",
    "worked-example.toml",
];

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-9 * a.abs().max(1.0)
}

/// Every scope's counts per interval add up: the overall scope is the wide
/// table's whole center, the queues (with "no queue") partition it, as do
/// the channels and the sources, and an interval column summed over the
/// day is the whole-window segment.
#[test]
fn scopes_add_up_to_the_center_and_to_the_day() {
    for file in EXAMPLES {
        let s = load(&scenario(file)).unwrap().scenario;
        let r = ccsim::engine::run(&s, 7, 0);
        let names = scopes(&s);
        assert_eq!(r.slices.len(), names.len(), "{file}");
        let overall = &r.slices[0];
        for (k, iv) in r.intervals.iter().enumerate() {
            for (slice, wide) in [
                (SliceKpi::Offered, IntervalKpi::Offered),
                (SliceKpi::Answered, IntervalKpi::Answered),
                (SliceKpi::Abandoned, IntervalKpi::Abandoned),
                (SliceKpi::ServiceLevel, IntervalKpi::ServiceLevel),
                (SliceKpi::Asa, IntervalKpi::Asa),
            ] {
                assert!(
                    close(overall[k][slice], iv[wide]),
                    "{file} interval {k} {}: {} vs {}",
                    slice.name(),
                    overall[k][slice],
                    iv[wide]
                );
            }
            for kind in [Scope::Channel, Scope::Source] {
                for kpi in [SliceKpi::Offered, SliceKpi::Answered, SliceKpi::Abandoned] {
                    let sum: f64 = names
                        .iter()
                        .zip(&r.slices)
                        .filter(|((sc, _), _)| *sc == kind)
                        .map(|(_, rows)| rows[k][kpi])
                        .sum();
                    assert_eq!(sum, overall[k][kpi], "{file} {kind:?} {k}");
                }
            }
            for kpi in [SliceKpi::Offered, SliceKpi::Answered, SliceKpi::Abandoned] {
                let sum: f64 = names
                    .iter()
                    .zip(&r.slices)
                    .filter(|((sc, _), _)| matches!(sc, Scope::Queue | Scope::Unqueued))
                    .map(|(_, rows)| rows[k][kpi])
                    .sum();
                assert_eq!(sum, overall[k][kpi], "{file} queues {k}");
            }
        }
        let queues = names
            .iter()
            .zip(&r.slices)
            .filter(|((sc, _), _)| *sc == Scope::Queue);
        for (q, (_, rows)) in queues.enumerate() {
            for (slice, whole) in [
                (SliceKpi::Offered, Kpi::Offered),
                (SliceKpi::Answered, Kpi::Answered),
                (SliceKpi::Abandoned, Kpi::Abandoned),
            ] {
                let day: f64 = rows.iter().map(|row| row[slice]).sum();
                assert_eq!(day, r.queues[q][whole], "{file} queue {q}");
            }
        }
        // A group's busy agents never exceed its logged-in agents.
        for row in &r.group_intervals {
            for g in row {
                use ccsim::metrics::GroupIntervalKpi::{Busy, LoggedIn};
                assert!(
                    g[Busy] <= g[LoggedIn] + 1e-9 || g[LoggedIn].is_nan(),
                    "{file}"
                );
            }
        }
    }
}

/// The wait distribution read at the service-level threshold is the share
/// of answered contacts answered within it, and it never decreases.
#[test]
fn the_wait_distribution_meets_the_service_level() {
    for file in EXAMPLES {
        let s = load(&scenario(file)).unwrap().scenario;
        let r = ccsim::engine::run(&s, 11, 0);
        let edges = wait_edges(s.sim.service_level_threshold_s);
        let at = edges
            .iter()
            .position(|&e| e == s.sim.service_level_threshold_s)
            .unwrap();
        for (i, cdf) in r.wait_within.iter().enumerate() {
            let kpis = if i == 0 { &r.overall } else { &r.queues[i - 1] };
            let sl = kpis[Kpi::ServiceLevelAnswered];
            if sl.is_nan() {
                assert!(cdf.iter().all(|v| v.is_nan()), "{file} {i}");
                continue;
            }
            assert_eq!(cdf[at], sl, "{file} scope {i}");
            assert!(cdf.windows(2).all(|w| w[0] <= w[1] + 1e-12), "{file} {i}");
            assert!(*cdf.last().unwrap() <= 1.0 + 1e-12);
        }
    }
}

/// `intervals-long.csv` has a row per interval × scope × KPI and per
/// interval × group × KPI, timestamps in ISO-8601 local time when the
/// scenario has a start date, and the overall rows agree with the wide file.
#[test]
fn the_long_file_names_every_scope_and_dates_its_intervals() {
    let out = temp_dir("intervals-long");
    let path = scenario("business-hours.toml");
    let o = ccsim(
        &[
            "run",
            path.to_str().unwrap(),
            "--replications",
            "3",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = load(&path).unwrap().scenario;
    let text = std::fs::read_to_string(out.join("intervals-long.csv")).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rows.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "interval", "start", "start_s", "end_s", "scope", "name", "kpi", "mean", "ci95"
        ]
    );
    let records: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    let n_int = s.sim.interval_count();
    let per_interval = scopes(&s).len() * SliceKpi::ALL.len()
        + s.groups.len() * ccsim::metrics::GroupIntervalKpi::ALL.len();
    assert_eq!(records.len(), n_int * per_interval);
    // business-hours.toml starts on a date: local time with its offset.
    let first = &records[0][1];
    assert!(
        first.len() == 25 && first.as_bytes()[10] == b'T' && first[19..].starts_with(['+', '-']),
        "{first}"
    );
    let wide = std::fs::read_to_string(out.join("intervals.csv")).unwrap();
    let mut wide = csv::Reader::from_reader(wide.as_bytes());
    let col = wide
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "offered_mean")
        .unwrap();
    for (k, w) in wide.records().map(Result::unwrap).enumerate() {
        let long = records
            .iter()
            .find(|r| r[0] == *k.to_string() && &r[4] == "overall" && &r[6] == "offered")
            .unwrap();
        assert_eq!(&long[7], &w[col], "interval {k}");
    }
    for kind in ["queue", "channel", "source", "group", "unqueued"] {
        assert!(records.iter().any(|r| &r[4] == kind), "{kind}");
    }
    // waits.csv: overall then each queue, one more bin than edges.
    let waits = std::fs::read_to_string(out.join("waits.csv")).unwrap();
    let bins = wait_edges(s.sim.service_level_threshold_s).len() + 1;
    assert_eq!(waits.lines().count(), 1 + bins * (1 + s.queues.len()));
    let _ = std::fs::remove_dir_all(out);
}
