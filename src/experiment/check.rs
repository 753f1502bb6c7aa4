//! `ccsim check`: a scenario's `[[expect]]` entries judged on its results
//! with confidence (docs/check.md).
//!
//! An expectation *passes* when the whole confidence interval of its KPI
//! is on the right side of the bound, *fails* when the whole interval is on
//! the wrong side, and is *inconclusive* otherwise (or when the KPI has no
//! interval). While some are inconclusive and `[check] max_replications`
//! allows, replications are added in batches, as a run to a precision does:
//! replication r is always replication r of the same seed, so the results
//! are bit-identical to a plain run with that many replications, and the
//! batch plan depends only on them.

use super::Error;
use super::compare::{KpiId, flatten};
use super::event_check::{EventOutcome, Watch};
use super::precision::resolve_kpi;
use super::runner::{PointRun, run_points};
use crate::metrics::ReplicationResult;
use crate::scenario::Scenario;
use crate::scenario::diag::{Diagnostic, ScenarioError};
use crate::scenario::expect::{CheckOptions, Expectation, Inconclusive, Op};
use crate::stats::Estimate;
use rayon::prelude::*;
use std::sync::Mutex;

/// What the results say about one expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The whole interval is on the right side of the bound.
    Pass,
    /// The whole interval is on the wrong side.
    Fail,
    /// The interval straddles the bound, or the KPI has none.
    Inconclusive,
}

impl Verdict {
    /// `PASS`, `FAIL` or `INCONCLUSIVE`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Inconclusive => "INCONCLUSIVE",
        }
    }
}

/// What an expectation counts as once `[check] inconclusive` is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// Passed (or inconclusive with `inconclusive = "pass"`).
    Pass,
    /// Inconclusive with `inconclusive = "warn"`: exit status 2.
    Warn,
    /// Failed (or inconclusive with `inconclusive = "fail"`): exit status 1.
    Fail,
}

impl Status {
    /// The exit status of a check whose worst expectation has this status.
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Pass => 0,
            Status::Fail => 1,
            Status::Warn => 2,
        }
    }
}

/// One expectation judged.
#[derive(Debug, Clone)]
pub struct Judgement {
    /// Pass, fail or inconclusive.
    pub verdict: Verdict,
    /// Mean over the replications where the KPI is defined.
    pub mean: Option<f64>,
    /// Half-width of the interval at the expectation's confidence.
    pub half_width: Option<f64>,
    /// Replications where the KPI is defined.
    pub defined: usize,
    /// Replications run.
    pub replications: u32,
    /// Why it is inconclusive.
    pub reason: Option<String>,
}

/// The interval's distance-free verdict: where `[lo, hi]` lies against the
/// expectation's bound (or band, for `==`).
fn verdict(e: &Expectation, lo: f64, hi: f64) -> Verdict {
    let v = e.value;
    let (pass, fail) = match e.op {
        Op::AtLeast => (lo >= v, hi < v),
        Op::Above => (lo > v, hi <= v),
        Op::AtMost => (hi <= v, lo > v),
        Op::Below => (hi < v, lo >= v),
        Op::Equal => (
            lo >= v - e.tolerance && hi <= v + e.tolerance,
            hi < v - e.tolerance || lo > v + e.tolerance,
        ),
    };
    if pass {
        Verdict::Pass
    } else if fail {
        Verdict::Fail
    } else {
        Verdict::Inconclusive
    }
}

/// Judges an expectation on its KPI's per-replication values (NaN where
/// undefined).
pub fn judge(e: &Expectation, values: &[f64]) -> Judgement {
    let est = Estimate::from_values(values.iter().copied());
    let replications = values.len() as u32;
    let half_width = est.half_width(e.confidence);
    let (verdict, reason) = match (est.mean, half_width) {
        (Some(m), Some(h)) if m.is_finite() && h.is_finite() => {
            let v = verdict(e, m - h, m + h);
            let reason = (v == Verdict::Inconclusive).then(|| {
                format!(
                    "the {}% interval [{}, {}] overlaps the bound",
                    number(e.confidence * 100.0),
                    number(m - h),
                    number(m + h)
                )
            });
            (v, reason)
        }
        _ => {
            let why = if est.n == 0 {
                format!("undefined: the KPI has no value in any of {replications} replications")
            } else if replications < 2 {
                "undefined: one replication gives no confidence interval (run at least 2)"
                    .to_string()
            } else {
                format!(
                    "undefined: the KPI has a value in only {} of {replications} replications",
                    est.n
                )
            };
            (Verdict::Inconclusive, Some(why))
        }
    };
    Judgement {
        verdict,
        mean: est.mean,
        half_width,
        defined: est.n,
        replications,
        reason,
    }
}

/// How far the mean is from the nearest edge of the bound (or band): the
/// half-width the interval must shrink below to decide.
fn distance(e: &Expectation, mean: f64) -> f64 {
    match e.op {
        Op::Equal => {
            ((mean - (e.value - e.tolerance)).abs()).min((mean - (e.value + e.tolerance)).abs())
        }
        _ => (mean - e.value).abs(),
    }
}

/// The next number of replications while some expectations are
/// inconclusive: enough for the hardest by the n·(h/d)² rule with 10% to
/// spare (d the mean's distance to the bound), at least one more, at most
/// double, at most `max`.
pub fn next_count(n: u32, undecided: &[(&Expectation, &Judgement)], max: u32) -> u32 {
    let need = undecided
        .iter()
        .map(|(e, j)| match (j.mean, j.half_width) {
            (Some(m), Some(h)) if distance(e, m) > 0.0 => {
                f64::from(n) * (h / distance(e, m)).powi(2) * 1.1
            }
            _ => 2.0 * f64::from(n),
        })
        .fold(0.0, f64::max)
        .ceil();
    let need = if need.is_finite() { need } else { f64::MAX };
    (need.min(f64::from(u32::MAX)) as u32)
        .clamp(n + 1, 2 * n.max(1))
        .min(max)
}

/// One expectation and what the run said about it.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// As written.
    pub expectation: Expectation,
    /// The KPI it names.
    pub id: KpiId,
    /// The verdict on the final replications.
    pub judgement: Judgement,
}

/// A scenario's expectations, judged.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The scenario's `name`.
    pub scenario: String,
    /// Base seed.
    pub seed: u64,
    /// Replications asked for (the first batch).
    pub requested: u32,
    /// Replications run in all.
    pub replications: u32,
    /// `[check]`.
    pub options: CheckOptions,
    /// One per KPI expectation, in file order.
    pub outcomes: Vec<Outcome>,
    /// One per event expectation, in file order.
    pub events: Vec<EventOutcome>,
}

impl Checked {
    /// What an outcome counts as under `[check] inconclusive`.
    pub fn status(&self, o: &Outcome) -> Status {
        match (o.judgement.verdict, self.options.inconclusive) {
            (Verdict::Pass, _) | (Verdict::Inconclusive, Inconclusive::Pass) => Status::Pass,
            (Verdict::Fail, _) | (Verdict::Inconclusive, Inconclusive::Fail) => Status::Fail,
            (Verdict::Inconclusive, Inconclusive::Warn) => Status::Warn,
        }
    }

    /// The worst status of all outcomes (pass when there are none).
    pub fn worst(&self) -> Status {
        let events = if self.events.iter().all(|e| e.pass) {
            Status::Pass
        } else {
            Status::Fail
        };
        self.outcomes
            .iter()
            .map(|o| self.status(o))
            .max()
            .unwrap_or(Status::Pass)
            .max(events)
    }
}

/// The KPI of every expectation of `s`.
///
/// # Errors
/// Every expectation naming no KPI of `s` (with what was expected and the
/// nearest spelling), and every fraction KPI bounded outside 0–1, at its
/// position in the file.
pub fn resolve_expectations(s: &Scenario) -> Result<Vec<KpiId>, ScenarioError> {
    let mut ids = Vec::new();
    let mut problems: Vec<Diagnostic> = Vec::new();
    let at = |d: &Diagnostic, message: String| Diagnostic {
        message,
        ..d.clone()
    };
    for e in &s.expectations {
        match resolve_kpi(&e.kpi, s) {
            Ok(id) => {
                let fraction = matches!(
                    id.kpi,
                    "service_level"
                        | "service_level_answered"
                        | "abandon_rate"
                        | "short_abandon_rate"
                        | "occupancy"
                        | "utilization"
                );
                if fraction && !(0.0..=1.0).contains(&e.value) {
                    problems.push(at(
                        &e.value_at,
                        format!(
                            "{} is a fraction between 0 and 1; write {} or \"{}%\"",
                            id.kpi,
                            number(e.value / 100.0),
                            number(e.value)
                        ),
                    ));
                }
                ids.push(id);
            }
            Err(m) => problems.push(at(&e.kpi_at, format!("`kpi` \"{}\": {m}", e.kpi))),
        }
    }
    if problems.is_empty() {
        Ok(ids)
    } else {
        Err(ScenarioError {
            diagnostics: problems,
        })
    }
}

/// Runs `s` for `replications` replications of `seed` and judges its
/// expectations; while some are inconclusive, adds replications in
/// batches up to `[check] max_replications`.
///
/// # Errors
/// An expectation naming no KPI of `s`; a replication run that fails.
///
/// ```no_run
/// let s = ccsim::scenario::load("scenarios/qa/mmc-pass.toml".as_ref())?.scenario;
/// let checked = ccsim::experiment::check::run(&s, s.sim.seed, s.sim.replications, &|_| {})?;
/// for o in &checked.outcomes {
///     println!("{} {}", o.judgement.verdict.label(), o.expectation.label());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn run(
    s: &Scenario,
    seed: u64,
    replications: u32,
    on_replication: &(dyn Fn(u64) + Sync),
) -> Result<Checked, Error> {
    let explain =
        |r: u32, task: u64| explain_command(s, &s.path.display().to_string(), seed, &[], r, task);
    run_explained(s, seed, replications, on_replication, &explain)
}

/// The `ccsim explain` command that shows task `task` of replication `r`
/// of `file` with `seed` (and the `--set` overrides the run used).
pub fn explain_command(
    s: &Scenario,
    file: &str,
    seed: u64,
    sets: &[String],
    r: u32,
    task: u64,
) -> String {
    let mut c = format!("ccsim explain {} --task {task}", shell_word(file));
    if r != 0 {
        c.push_str(&format!(" --replication {r}"));
    }
    for x in sets {
        c.push_str(&format!(" --set {}", shell_word(x)));
    }
    if seed != s.sim.seed {
        c.push_str(&format!(" --seed {seed}"));
    }
    c
}

/// A word as a shell reads it: as is when plain, else in single quotes.
fn shell_word(w: &str) -> String {
    if !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c))
    {
        w.to_string()
    } else {
        format!("'{}'", w.replace('\'', "'\\''"))
    }
}

/// As [`run`], with `explain(replication, task)` giving the command that
/// shows a task (named in event expectations that fail).
///
/// # Errors
/// As [`run`].
pub fn run_explained(
    s: &Scenario,
    seed: u64,
    replications: u32,
    on_replication: &(dyn Fn(u64) + Sync),
    explain: &dyn Fn(u32, u64) -> String,
) -> Result<Checked, Error> {
    let ids = resolve_expectations(s).map_err(|problems| Error::Scenario {
        point: None,
        problems,
    })?;
    if s.expectations.is_empty() && s.event_expectations.is_empty() {
        // Nothing to judge: nothing to run.
        return Ok(Checked {
            scenario: s.name.clone(),
            seed,
            requested: replications,
            replications: 0,
            options: s.check,
            outcomes: Vec::new(),
            events: Vec::new(),
        });
    }
    let max = s.check.max_replications.unwrap_or(0).max(replications);
    let mut results: Vec<ReplicationResult> = Vec::new();
    // Per replication, the state of every event expectation.
    let mut watches: Vec<Vec<Watch>> = Vec::new();
    let plan = (!s.event_expectations.is_empty()).then(|| crate::routing::Plan::build(s));
    let mut n = replications.max(1);
    loop {
        let have = results.len() as u32;
        if let Some(plan) = &plan {
            // Each replication traced, its events fed to the expectations'
            // state machines as they happen (the results are identical to
            // an untraced run's).
            let batch: Vec<(ReplicationResult, Vec<Watch>)> = (have..n)
                .into_par_iter()
                .map(|r| {
                    let mut w: Vec<Watch> = s.event_expectations.iter().map(Watch::new).collect();
                    let mut feed = |ev: &crate::engine::trace::TraceEvent| {
                        for (x, e) in w.iter_mut().zip(&s.event_expectations) {
                            x.feed(s, e, ev);
                        }
                    };
                    let res = crate::engine::run_traced(s, plan, seed, r, &mut feed);
                    for (x, e) in w.iter_mut().zip(&s.event_expectations) {
                        x.finish(e);
                    }
                    on_replication(res.contacts);
                    (res, w)
                })
                .collect();
            for (res, w) in batch {
                results.push(res);
                watches.push(w);
            }
        } else {
            let batch: Mutex<Option<Vec<ReplicationResult>>> = Mutex::new(None);
            run_points(
                &[PointRun {
                    seed,
                    replications: n - have,
                    first: have,
                }],
                &|_| Ok(s.clone()),
                on_replication,
                &|_, _, r| {
                    *batch.lock().expect("not poisoned") = Some(r);
                    Ok(())
                },
            )
            .map_err(Error::Other)?;
            results.extend(
                batch
                    .into_inner()
                    .expect("not poisoned")
                    .unwrap_or_default(),
            );
        }
        let judged = judge_all(s, &ids, &results);
        let undecided: Vec<(&Expectation, &Judgement)> = s
            .expectations
            .iter()
            .zip(&judged)
            .filter(|(_, j)| j.verdict == Verdict::Inconclusive)
            .collect();
        if undecided.is_empty() || n >= max {
            let events = s
                .event_expectations
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let per: Vec<&Watch> = watches.iter().map(|w| &w[i]).collect();
                    super::event_check::judge(s, e, &per, seed, explain)
                })
                .collect();
            return Ok(Checked {
                scenario: s.name.clone(),
                seed,
                requested: replications,
                replications: n,
                options: s.check,
                outcomes: s
                    .expectations
                    .iter()
                    .zip(ids)
                    .zip(judged)
                    .map(|((e, id), judgement)| Outcome {
                        expectation: e.clone(),
                        id,
                        judgement,
                    })
                    .collect(),
                events,
            });
        }
        n = next_count(n, &undecided, max);
    }
}

/// Every expectation judged on the results so far.
fn judge_all(s: &Scenario, ids: &[KpiId], results: &[ReplicationResult]) -> Vec<Judgement> {
    let flat: Vec<Vec<(KpiId, f64)>> = results.iter().map(|r| flatten(s, r)).collect();
    s.expectations
        .iter()
        .zip(ids)
        .map(|(e, id)| {
            let values: Vec<f64> = flat
                .iter()
                .map(|r| {
                    r.iter()
                        .find(|(k, _)| k == id)
                        .map_or(f64::NAN, |(_, v)| *v)
                })
                .collect();
            judge(e, &values)
        })
        .collect()
}

/// A number as the check shows it: four decimals below 100, one above.
pub fn number(x: f64) -> String {
    let s = if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.4}")
    };
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// One file given to `ccsim check`: judged, or why it could not be.
#[derive(Debug, Clone)]
pub enum FileCheck {
    /// The scenario loaded and ran.
    Checked(Checked),
    /// It did not load or run: the message.
    Error(String),
}

/// Text safe inside XML attributes and elements: markup characters
/// escaped, characters XML 1.0 cannot hold replaced by U+FFFD.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push_str(&format!("&#{};", c as u32)),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The line `ccsim check` prints for one outcome: verdict, file, label,
/// measurement (and why, when inconclusive).
pub fn line(file: &str, o: &Outcome) -> String {
    let j = &o.judgement;
    let measured = match (j.mean, j.half_width) {
        (Some(m), Some(h)) => format!("{} ± {}", number(m), number(h)),
        (Some(m), None) => format!("{} ± undefined", number(m)),
        _ => "undefined".to_string(),
    };
    let mut s = format!(
        "{:<12}  {file}  {}  measured {measured} ({} replication{})",
        j.verdict.label(),
        o.expectation.label(),
        j.replications,
        if j.replications == 1 { "" } else { "s" }
    );
    if let Some(r) = &j.reason {
        s.push_str(&format!(" — {r}"));
    }
    s
}

/// The line `ccsim check` prints for an event expectation: PASS or FAIL,
/// file, label, what was measured (and where, when it failed).
pub fn event_line(file: &str, o: &EventOutcome) -> String {
    format!(
        "{:<12}  {file}  {}  measured {} ({} replication{})",
        if o.pass { "PASS" } else { "FAIL" },
        o.expectation.label(),
        o.measured,
        o.replications,
        if o.replications == 1 { "" } else { "s" }
    )
}

/// JUnit XML of a check: one `<testsuite>` per file (named by the file),
/// one `<testcase>` per expectation (classname: the scenario's name); a
/// failed expectation has a `<failure>`, an inconclusive one a `<skipped>`
/// (`inconclusive = "warn"`), a `<failure type="inconclusive">` (`"fail"`)
/// or nothing (`"pass"`), and a file that did not load an `<error>` in a
/// test case named `load`.
pub fn junit(files: &[(String, FileCheck)]) -> String {
    use std::fmt::Write;
    let mut body = String::new();
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    for (file, check) in files {
        let f = xml_escape(file);
        match check {
            FileCheck::Error(message) => {
                tests += 1;
                errors += 1;
                let _ = write!(
                    body,
                    "  <testsuite name=\"{f}\" tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\">\n    <testcase name=\"load\" classname=\"{f}\">\n      <error message=\"the scenario did not load or run\">{}</error>\n    </testcase>\n  </testsuite>\n",
                    xml_escape(message)
                );
            }
            FileCheck::Checked(c) => {
                let mut cases = String::new();
                let (mut fl, mut sk) = (0, 0);
                let class = xml_escape(&c.scenario);
                for o in &c.outcomes {
                    let text = xml_escape(&line(file, o));
                    let name = xml_escape(&o.expectation.label());
                    let _ = writeln!(
                        cases,
                        "    <testcase name=\"{name}\" classname=\"{class}\">"
                    );
                    let reason = xml_escape(o.judgement.reason.as_deref().unwrap_or(""));
                    match (o.judgement.verdict, c.status(o)) {
                        (Verdict::Fail, _) => {
                            fl += 1;
                            let _ = writeln!(
                                cases,
                                "      <failure type=\"fail\" message=\"expected {}\">{text}</failure>",
                                xml_escape(&o.expectation.condition())
                            );
                        }
                        (Verdict::Inconclusive, Status::Fail) => {
                            fl += 1;
                            let _ = writeln!(
                                cases,
                                "      <failure type=\"inconclusive\" message=\"{reason}\">{text}</failure>"
                            );
                        }
                        (Verdict::Inconclusive, Status::Warn) => {
                            sk += 1;
                            let _ = writeln!(
                                cases,
                                "      <skipped message=\"inconclusive: {reason}\"/>"
                            );
                        }
                        _ => {}
                    }
                    let _ = writeln!(
                        cases,
                        "      <system-out>{text}</system-out>\n    </testcase>"
                    );
                }
                for o in &c.events {
                    let text = xml_escape(&event_line(file, o));
                    let _ = writeln!(
                        cases,
                        "    <testcase name=\"{}\" classname=\"{class}\">",
                        xml_escape(&o.expectation.label())
                    );
                    if !o.pass {
                        fl += 1;
                        let _ = writeln!(
                            cases,
                            "      <failure type=\"fail\" message=\"expected {}\">{text}</failure>",
                            xml_escape(&o.expectation.condition())
                        );
                    }
                    let _ = writeln!(
                        cases,
                        "      <system-out>{text}</system-out>\n    </testcase>"
                    );
                }
                let n = c.outcomes.len() + c.events.len();
                tests += n;
                failures += fl;
                skipped += sk;
                let _ = write!(
                    body,
                    "  <testsuite name=\"{f}\" tests=\"{n}\" failures=\"{fl}\" errors=\"0\" skipped=\"{sk}\">\n    <properties>\n      <property name=\"scenario\" value=\"{class}\"/>\n      <property name=\"seed\" value=\"{}\"/>\n      <property name=\"replications\" value=\"{}\"/>\n      <property name=\"inconclusive\" value=\"{}\"/>\n    </properties>\n{cases}  </testsuite>\n",
                    c.seed,
                    c.replications,
                    c.options.inconclusive.name()
                );
            }
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"ccsim check\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\">\n{body}</testsuites>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::diag::Severity;

    fn exp(op: Op, value: f64, tolerance: f64) -> Expectation {
        let at = Diagnostic::whole_file(Severity::Error, "t.toml".as_ref(), "");
        Expectation {
            name: None,
            kpi: "service_level".into(),
            op,
            value,
            tolerance,
            confidence: 0.95,
            kpi_at: at.clone(),
            value_at: at,
        }
    }

    #[test]
    fn the_whole_interval_decides() {
        // [0.85, 0.95]
        let (lo, hi) = (0.85, 0.95);
        let v = |op, value, tol| verdict(&exp(op, value, tol), lo, hi);
        assert_eq!(v(Op::AtLeast, 0.8, 0.0), Verdict::Pass);
        assert_eq!(v(Op::AtLeast, 0.85, 0.0), Verdict::Pass);
        assert_eq!(v(Op::Above, 0.85, 0.0), Verdict::Inconclusive);
        assert_eq!(v(Op::AtLeast, 0.9, 0.0), Verdict::Inconclusive);
        assert_eq!(v(Op::AtLeast, 0.96, 0.0), Verdict::Fail);
        assert_eq!(v(Op::Above, 0.95, 0.0), Verdict::Fail);
        assert_eq!(v(Op::AtMost, 0.95, 0.0), Verdict::Pass);
        assert_eq!(v(Op::Below, 0.95, 0.0), Verdict::Inconclusive);
        assert_eq!(v(Op::AtMost, 0.8, 0.0), Verdict::Fail);
        assert_eq!(v(Op::Below, 0.85, 0.0), Verdict::Fail);
        assert_eq!(v(Op::Equal, 0.9, 0.05), Verdict::Pass);
        assert_eq!(v(Op::Equal, 0.9, 0.04), Verdict::Inconclusive);
        assert_eq!(v(Op::Equal, 0.7, 0.1), Verdict::Fail);
        assert_eq!(v(Op::Equal, 1.1, 0.1), Verdict::Fail);
    }

    #[test]
    fn undefined_kpis_are_inconclusive_with_a_reason() {
        let e = exp(Op::AtLeast, 0.5, 0.0);
        let j = judge(&e, &[0.9]);
        assert_eq!(j.verdict, Verdict::Inconclusive);
        assert!(j.reason.unwrap().contains("one replication"));
        let j = judge(&e, &[f64::NAN, f64::NAN]);
        assert!(j.reason.unwrap().contains("no value in any of 2"));
        let j = judge(&e, &[0.9, f64::NAN, f64::NAN]);
        assert!(j.reason.unwrap().contains("only 1 of 3"));
        let j = judge(&e, &[0.9, 0.91, 0.92]);
        assert_eq!(
            (j.verdict, j.defined, j.replications),
            (Verdict::Pass, 3, 3)
        );
    }

    #[test]
    fn batches_grow_toward_the_bound_and_stop_at_the_cap() {
        let e = exp(Op::AtLeast, 0.8, 0.0);
        let j = judge(&e, &[0.78, 0.86, 0.82, 0.9]);
        assert_eq!(j.verdict, Verdict::Inconclusive);
        let n = next_count(4, &[(&e, &j)], 100);
        assert!((5..=8).contains(&n), "{n}");
        assert_eq!(next_count(4, &[(&e, &j)], 6).min(6), 6.min(n));
        let undefined = judge(&e, &[0.9]);
        assert_eq!(next_count(1, &[(&e, &undefined)], 100), 2);
        assert_eq!(next_count(10, &[(&e, &undefined)], 15), 15);
    }

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(
            xml_escape("a<b & \"c\" 'd'\u{1}\n"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;\u{FFFD}&#10;"
        );
    }

    #[test]
    fn statuses_follow_the_inconclusive_option() {
        let s = crate::scenario::tiny_scenario();
        let mut c = Checked {
            scenario: s.name.clone(),
            seed: 1,
            requested: 1,
            replications: 1,
            options: CheckOptions::default(),
            outcomes: vec![Outcome {
                expectation: exp(Op::AtLeast, 0.5, 0.0),
                id: resolve_kpi("service_level", &s).unwrap(),
                judgement: judge(&exp(Op::AtLeast, 0.5, 0.0), &[0.9]),
            }],
            events: Vec::new(),
        };
        assert_eq!(c.worst(), Status::Warn);
        c.options.inconclusive = Inconclusive::Fail;
        assert_eq!(c.worst(), Status::Fail);
        c.options.inconclusive = Inconclusive::Pass;
        assert_eq!(c.worst(), Status::Pass);
        assert_eq!(Status::Warn.exit_code(), 2);
    }
}
