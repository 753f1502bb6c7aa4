//! Output stability: the `--json` summary, every report CSV and replication
//! 0's event stream of every example scenario and of 50 random scenarios
//! hash to the digests committed in `tests/digests.txt`.
//!
//! A refactor that must not change behaviour has to leave this test green. A
//! change that is meant to alter results (a new KPI, a reordered draw)
//! regenerates the file with `CCSIM_BLESS=1 cargo test --release digests`
//! and says why in its commit; the diff of `tests/digests.txt` then shows
//! exactly which scenarios and files moved.

use ccsim::scenario::{Scenario, load, load_str};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Replications per scenario: enough to exercise the summary's CIs, few
/// enough that the whole check takes seconds.
const REPLICATIONS: u32 = 3;
const SEED: u64 = 20_261_130;
const RANDOM_CASES: u32 = 50;

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An `io::Write` that only hashes, so an event stream is never held whole.
struct Hasher(Sha256);

impl Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// (file name, digest) for one scenario's outputs.
fn digests(s: &Scenario) -> Vec<(String, String)> {
    let mut events = Hasher(Sha256::new());
    let mut tracer = |ev: &ccsim::engine::trace::TraceEvent| {
        serde_json::to_writer(&mut events, ev).expect("hashing cannot fail");
        events.write_all(b"\n").expect("hashing cannot fail");
    };
    let results =
        ccsim::replications::run_replications_traced(s, SEED, REPLICATIONS, &|_| {}, &mut tracer);
    let summary = ccsim::summary::summarize(s, SEED, &results);
    let mut out = vec![(
        "summary.json".to_string(),
        hex(ccsim::report::json::to_string(&summary).as_bytes()),
    )];
    for (name, bytes) in ccsim::report::csv::files(&summary) {
        out.push((name, hex(&bytes)));
    }
    let events: String = events
        .0
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    out.push(("events.jsonl".to_string(), events));
    out
}

/// Every scenario this check covers, by a stable label.
fn all_digests() -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    for path in files {
        let s = load(&path)
            .unwrap_or_else(|e| panic!("{} should load:\n{e}", path.display()))
            .scenario;
        let label = path
            .file_name()
            .expect("file")
            .to_string_lossy()
            .to_string();
        for (file, digest) in digests(&s) {
            map.insert(format!("{label} {file}"), digest);
        }
    }
    let tmp = super::temp_dir("digests");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(77);
    for case in 0..RANDOM_CASES {
        let text = super::properties::random_scenario(&mut rng, &tmp, case);
        let s = load_str(&tmp.join(format!("case{case}.toml")), &text)
            .unwrap_or_else(|e| panic!("case {case} should load:\n{e}"))
            .scenario;
        for (file, digest) in digests(&s) {
            map.insert(format!("random-{case:02} {file}"), digest);
        }
    }
    map
}

#[test]
fn outputs_match_the_committed_digests() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/digests.txt");
    let now = all_digests();
    let text: String = now.iter().map(|(k, v)| format!("{k} {v}\n")).collect();
    if std::env::var_os("CCSIM_BLESS").is_some() {
        std::fs::write(&path, text).expect("write tests/digests.txt");
        return;
    }
    let committed = std::fs::read_to_string(&path).expect("tests/digests.txt");
    let before: BTreeMap<String, String> = committed
        .lines()
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let changed: Vec<&String> = now
        .keys()
        .chain(before.keys())
        .filter(|k| now.get(*k) != before.get(*k))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        changed.is_empty(),
        "{} outputs differ from tests/digests.txt (rerun with CCSIM_BLESS=1 only if the change is intended):\n{}",
        changed.len(),
        changed
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        before.len() > 13 * 4 + RANDOM_CASES as usize * 4,
        "{}",
        before.len()
    );
}
