//! Same scenario and seed → byte-identical JSON, whatever the thread count.

use super::{ccsim_ok, scenario, temp_dir};
use ccsim::metrics::Kpi;

fn json(file: &str, threads: &str, seed: &str) -> Vec<u8> {
    let out_dir = temp_dir(&format!("det-{threads}-{seed}"));
    ccsim_ok(
        &[
            "run",
            scenario(file).to_str().unwrap(),
            "--json",
            "--seed",
            seed,
            "--replications",
            "8",
            "--out",
            out_dir.to_str().unwrap(),
        ],
        &[("RAYON_NUM_THREADS", threads)],
    )
}

#[test]
fn same_seed_same_bytes_across_runs_and_thread_counts() {
    for file in [
        "quickstart.toml",
        "two-skill-intraday.toml",
        "voice-chat-multitasking.toml",
    ] {
        let one = json(file, "1", "99");
        assert_eq!(one, json(file, "1", "99"), "{file}: two runs differ");
        assert_eq!(one, json(file, "2", "99"), "{file}: 1 vs 2 threads differ");
        assert_ne!(
            one,
            json(file, "2", "100"),
            "{file}: a different seed must change the results"
        );
    }
}

/// Common random numbers: changing staffing leaves the arrival stream (and so
/// the offered counts per replication) unchanged.
#[test]
fn staffing_does_not_change_arrivals() {
    use ccsim::scenario::load;
    let loaded = load(&scenario("quickstart.toml")).unwrap();
    let mut fewer = loaded.scenario.clone();
    fewer.groups[0].count = 24;
    let a = ccsim::engine::run(&loaded.scenario, 7, 3);
    let b = ccsim::engine::run(&fewer, 7, 3);
    assert_eq!(
        a.overall[Kpi::Offered],
        b.overall[Kpi::Offered],
        "offered must be identical"
    );
    assert_eq!(a.contacts, b.contacts);
    let (more, fewer) = (a.overall[Kpi::Abandoned], b.overall[Kpi::Abandoned]);
    assert!(
        fewer > more,
        "fewer agents, more abandons: {fewer} vs {more}"
    );
}
