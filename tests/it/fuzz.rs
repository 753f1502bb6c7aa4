//! Mutation fuzzing of every reader a user feeds: scenario files, routing
//! expressions, TaskRouter workflow JSON and trace CSVs. Each input is a
//! real example, damaged the way hands and tools damage files (a cut, a
//! doubled line, a stray quote or bracket, an absurd number, a truncation);
//! the reader must never panic, and every rejection must say where (a line
//! and a column in a named file).
//!
//! The cases are seeded, so a failure prints the case that reproduces it.
//! `CCSIM_FUZZ_CASES=N` runs N cases per input instead of the default (a
//! longer campaign; the suite keeps the default small).

use ccsim::expr::{Context, Expr, KeyTable};
use ccsim::scenario::diag::Severity;
use ccsim::scenario::load_str;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use crate::{scenario, temp_dir};

/// Cases per input file (per expression context for expressions).
fn cases(default: usize) -> usize {
    std::env::var("CCSIM_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Text that breaks readers: quotes, brackets, separators, escapes.
const SPECIAL: &[&str] = &[
    "\"", "'", "[", "]", "{", "}", "=", ",", ".", "#", "\n", "\\", "\u{0}", "é", "𝄞", ":", ";",
    "-", "..", "\"\"\"", "[[", "]]",
];

/// Numbers that break arithmetic.
const ABSURD: &[&str] = &[
    "-1",
    "0",
    "-0",
    "1e308",
    "-1e308",
    "1e-320",
    "nan",
    "inf",
    "-inf",
    "99999999999999999999",
    "18446744073709551616",
    "0.0000001",
    "4294967296",
    "1e15",
];

/// One to three damaging edits of `text`, on character boundaries.
fn mutate(text: &str, rng: &mut Xoshiro256PlusPlus) -> String {
    let mut s = text.to_string();
    for _ in 0..rng.random_range(1..=3) {
        let chars: Vec<(usize, char)> = s.char_indices().collect();
        if chars.is_empty() {
            s.push_str(SPECIAL[rng.random_range(0..SPECIAL.len())]);
            continue;
        }
        let at = chars[rng.random_range(0..chars.len())].0;
        match rng.random_range(0..7) {
            // Cut a span.
            0 => {
                let end = chars
                    .iter()
                    .map(|&(i, _)| i)
                    .find(|&i| i >= at + rng.random_range(1..40))
                    .unwrap_or(s.len());
                s.replace_range(at..end, "");
            }
            // Insert a breaking token.
            1 => s.insert_str(at, SPECIAL[rng.random_range(0..SPECIAL.len())]),
            // Replace a number by an absurd one.
            2 => {
                let digits: Vec<usize> = chars
                    .iter()
                    .filter(|(_, c)| c.is_ascii_digit())
                    .map(|&(i, _)| i)
                    .collect();
                if let Some(&start) = digits.get(rng.random_range(0..digits.len().max(1))) {
                    let end = s[start..]
                        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                        .map_or(s.len(), |n| start + n);
                    s.replace_range(start..end, ABSURD[rng.random_range(0..ABSURD.len())]);
                }
            }
            // Double a line.
            3 => {
                let lines: Vec<&str> = s.lines().collect();
                let i = rng.random_range(0..lines.len().max(1));
                let mut out: Vec<&str> = lines.clone();
                if let Some(l) = lines.get(i) {
                    out.insert(i, l);
                }
                s = out.join("\n");
            }
            // Swap two lines.
            4 => {
                let mut lines: Vec<&str> = s.lines().collect();
                if lines.len() > 1 {
                    let (a, b) = (
                        rng.random_range(0..lines.len()),
                        rng.random_range(0..lines.len()),
                    );
                    lines.swap(a, b);
                }
                s = lines.join("\n");
            }
            // Truncate.
            5 => s.truncate(at),
            // Duplicate a span elsewhere.
            _ => {
                let end = chars
                    .iter()
                    .map(|&(i, _)| i)
                    .find(|&i| i >= at + rng.random_range(1..30))
                    .unwrap_or(s.len());
                let piece = s[at..end].to_string();
                let to = chars[rng.random_range(0..chars.len())].0;
                s.insert_str(to, &piece);
            }
        }
    }
    s
}

/// What a fuzzing run saw.
#[derive(Default, Debug)]
struct Tally {
    accepted: usize,
    rejected: usize,
    /// Panics and errors without a place: (case, what).
    problems: Vec<(String, String)>,
}

impl Tally {
    fn assert_clean(&self, what: &str) {
        assert!(
            self.problems.is_empty(),
            "{what}: {} problems, first: {:?}",
            self.problems.len(),
            self.problems.first()
        );
        eprintln!(
            "fuzz {what}: {} inputs, {} accepted, {} rejected with a location",
            self.accepted + self.rejected,
            self.accepted,
            self.rejected
        );
    }
}

/// Loads `text` as the scenario at `path` (its relative files beside it):
/// no panic, and every error names a line and column.
fn load_checked(path: &Path, text: &str, case: &str, tally: &mut Tally) {
    match catch_unwind(AssertUnwindSafe(|| load_str(path, text))) {
        Err(_) => tally.problems.push((case.to_string(), "panic".into())),
        Ok(Ok(_)) => tally.accepted += 1,
        Ok(Err(e)) => {
            tally.rejected += 1;
            let errors = e
                .diagnostics
                .iter()
                .filter(|d| d.severity == Severity::Error);
            for d in errors {
                if d.line == 0 || d.column == 0 {
                    tally
                        .problems
                        .push((case.to_string(), format!("no location: {}", d.message)));
                }
            }
        }
    }
}

/// The example and QA scenarios (the QA ones hold every `[faults]` table),
/// with their texts.
fn examples() -> Vec<(PathBuf, String)> {
    let mut out: Vec<(PathBuf, String)> = std::fs::read_dir(scenario(""))
        .unwrap()
        .chain(std::fs::read_dir(scenario("qa")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn damaged_scenarios_never_panic_and_every_error_has_a_place() {
    let mut tally = Tally::default();
    let n = cases(150);
    for (path, text) in examples() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(0xF022);
        for k in 0..n {
            let damaged = mutate(&text, &mut rng);
            let case = format!("{} case {k}", path.display());
            load_checked(&path, &damaged, &case, &mut tally);
        }
    }
    tally.assert_clean("scenarios");
    assert!(tally.rejected > tally.accepted / 10, "{tally:?}");
}

/// Random token strings in each expression context: a parse either works
/// or reports an error, never panics.
#[test]
fn random_expressions_never_panic() {
    const TOKENS: &[&str] = &[
        "a",
        "b.c",
        "task.skill",
        "worker.level",
        "workers.available",
        "workers.idle",
        "==",
        "!=",
        ">",
        "<",
        ">=",
        "<=",
        "AND",
        "OR",
        "NOT",
        "IN",
        "NOT IN",
        "HAS",
        "CONTAINS",
        "(",
        ")",
        "[",
        "]",
        ",",
        "\"x\"",
        "'y'",
        "1",
        "-2.5",
        "1e309",
        "true",
        "false",
        "null",
        "\"",
        "'",
        "\\",
        "==",
        "é",
        "task.",
        ".",
        "..",
    ];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0xE2);
    let mut tally = Tally::default();
    for context in [Context::Bare, Context::TaskWorker, Context::Workers] {
        for k in 0..cases(3_000) {
            let len = rng.random_range(0..12);
            let text: Vec<&str> = (0..len)
                .map(|_| TOKENS[rng.random_range(0..TOKENS.len())])
                .collect();
            let text = text.join(if rng.random_bool(0.8) { " " } else { "" });
            let mut keys = KeyTable::default();
            match catch_unwind(AssertUnwindSafe(|| Expr::parse(&text, context, &mut keys))) {
                Err(_) => tally
                    .problems
                    .push((format!("{context:?} {k}: {text}"), "panic".into())),
                Ok(Ok(_)) => tally.accepted += 1,
                Ok(Err(e)) => {
                    tally.rejected += 1;
                    // The offset points into the text (or just past it).
                    if e.offset > text.len() || e.message.is_empty() {
                        tally
                            .problems
                            .push((format!("{context:?} {k}: {text}"), format!("{e}")));
                    }
                }
            }
        }
    }
    tally.assert_clean("expressions");
    assert!(tally.accepted > 0 && tally.rejected > 0, "{tally:?}");
}

/// Damages a file a scenario reads (the TaskRouter JSON, the trace CSV),
/// as text and as raw bytes, and loads the scenario beside it.
fn fuzz_companion(scenario_file: &str, companion: &str, tag: &str) {
    let dir = temp_dir(tag);
    let text = std::fs::read_to_string(scenario(scenario_file)).unwrap();
    let path = dir.join(scenario_file);
    let original = std::fs::read_to_string(scenario(companion)).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(0xC5);
    let mut tally = Tally::default();
    for k in 0..cases(300) {
        let mut bytes = mutate(&original, &mut rng).into_bytes();
        // Now and then, bytes that are not UTF-8.
        if k % 17 == 0 && !bytes.is_empty() {
            let at = rng.random_range(0..bytes.len());
            bytes[at] = 0xFF;
        }
        std::fs::write(dir.join(companion), &bytes).unwrap();
        load_checked(&path, &text, &format!("{companion} case {k}"), &mut tally);
    }
    tally.assert_clean(companion);
    assert!(tally.rejected > 0, "{tally:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn damaged_taskrouter_json_never_panics() {
    fuzz_companion(
        "worked-example-json.toml",
        "worked-example.workflow.json",
        "fuzz-json",
    );
}

#[test]
fn damaged_trace_csvs_never_panic() {
    fuzz_companion("trace-replay.toml", "trace-day.csv", "fuzz-trace");
}
