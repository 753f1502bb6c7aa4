//! `[[expect]]` and `[check]`: KPI expectations a scenario states about its
//! own results, judged by `ccsim check` (docs/check.md).
//!
//! Loading reads and checks what can be checked without the KPI tables
//! (the operator, the numbers, the confidence, the `[check]` options); the
//! KPI path itself is resolved against the scenario by the experiment layer
//! (`experiment::check`), which reports an unknown one at the position kept
//! here.

use super::diag::{Diagnostic, Severity};
use super::raw::Quantity;
use super::read::raw_table;
use super::validate::Validator;
use std::fmt;
use toml::Spanned;

raw_table! {
    /// One `[[expect]]` table.
    pub struct RawExpect("[[expect]]") {
        /// A KPI path of the JSON summary, e.g. "queues.billing.service_level".
        pub kpi: Spanned<String>,
        /// `>=`, `<=`, `>`, `<` or `==`.
        pub op: Spanned<String>,
        /// The bound: a number, a percentage ("80%") or, for a `_s` KPI, a duration ("30s").
        pub value: Spanned<Quantity>,
        /// With `==`: how far from `value` the KPI may be.
        pub tolerance: Option<Spanned<Quantity>>,
        /// Shown in reports and JUnit instead of "KPI OP VALUE".
        pub name: Option<Spanned<String>>,
        /// Confidence level of the interval judged (default 0.95).
        pub confidence: Option<Spanned<f64>>,
    }
}

raw_table! {
    /// `[check]`: how `ccsim check` treats undecided expectations.
    pub struct RawCheck("[check]") {
        /// "warn" (default), "fail" or "pass".
        pub inconclusive: Option<Spanned<String>>,
        /// Add replications up to this many while expectations are undecided.
        pub max_replications: Option<Spanned<i64>>,
    }
}

/// The comparison an expectation makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `>=`
    AtLeast,
    /// `<=`
    AtMost,
    /// `>`
    Above,
    /// `<`
    Below,
    /// `==`, within a tolerance.
    Equal,
}

impl Op {
    /// Every operator with its spelling.
    pub const ALL: [(&'static str, Op); 5] = [
        (">=", Op::AtLeast),
        ("<=", Op::AtMost),
        (">", Op::Above),
        ("<", Op::Below),
        ("==", Op::Equal),
    ];

    /// The operator's spelling.
    pub fn symbol(self) -> &'static str {
        Op::ALL
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("?", |(s, _)| s)
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A checked `[[expect]]` entry.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// `name`, if given.
    pub name: Option<String>,
    /// The KPI path as written (resolved against the scenario by
    /// `experiment::check`).
    pub kpi: String,
    /// The comparison.
    pub op: Op,
    /// The bound, in the KPI's unit (fractions, seconds, counts).
    pub value: f64,
    /// With [`Op::Equal`]: the largest allowed distance from `value` (0 otherwise).
    pub tolerance: f64,
    /// Confidence level of the interval judged, in (0.5, 1).
    pub confidence: f64,
    /// Where `kpi` is written, for a problem found once KPIs are known
    /// (an error with an empty message, line, column and excerpt set).
    pub kpi_at: Diagnostic,
    /// Where `value` is written, likewise.
    pub value_at: Diagnostic,
}

impl Expectation {
    /// `name`, or "KPI OP VALUE" (with "± TOLERANCE" for `==`).
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => self.condition(),
        }
    }

    /// "KPI OP VALUE", with "± TOLERANCE" for `==`.
    pub fn condition(&self) -> String {
        let mut s = format!("{} {} {}", self.kpi, self.op, self.value);
        if self.op == Op::Equal {
            s.push_str(&format!(" ± {}", self.tolerance));
        }
        s
    }
}

/// What `ccsim check` does with an expectation still undecided at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Inconclusive {
    /// Reported, exit status 2 when nothing failed (JUnit: skipped).
    #[default]
    Warn,
    /// Counted as a failure (exit status 1; JUnit: a failure of type "inconclusive").
    Fail,
    /// Counted as a pass (still reported as inconclusive).
    Pass,
}

impl Inconclusive {
    /// Every option with its spelling.
    pub const ALL: [(&'static str, Inconclusive); 3] = [
        ("warn", Inconclusive::Warn),
        ("fail", Inconclusive::Fail),
        ("pass", Inconclusive::Pass),
    ];

    /// The option's spelling.
    pub fn name(self) -> &'static str {
        Inconclusive::ALL
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("warn", |(s, _)| s)
    }
}

/// `[check]`, with defaults when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CheckOptions {
    /// What an undecided expectation counts as.
    pub inconclusive: Inconclusive,
    /// Replications may be added up to this many to decide expectations;
    /// `None`: never more than the run's count.
    pub max_replications: Option<u32>,
}

/// The most replications `max_replications` may ask for (as the command line allows).
pub const MAX_CHECK_REPLICATIONS: i64 = 100_000;

/// Default confidence level of an expectation.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;

impl Validator<'_> {
    /// `[[expect]]` entries, each checked on its own.
    pub(super) fn expectations(&mut self, raw: &[Spanned<RawExpect>]) -> Vec<Expectation> {
        raw.iter()
            .filter_map(|e| self.expectation(e.get_ref()))
            .collect()
    }

    fn expectation(&mut self, e: &RawExpect) -> Option<Expectation> {
        let kpi = e.kpi.get_ref().trim().to_string();
        let mut ok = true;
        if kpi.is_empty() {
            self.err(
                &e.kpi.span(),
                "`kpi` is empty; name a KPI of the summary, e.g. \"overall.service_level\" or \"queues.billing.asa_s\"",
            );
            ok = false;
        }
        let written = e.op.get_ref().trim();
        let op = Op::ALL.iter().find(|(s, _)| *s == written).map(|(_, o)| *o);
        if op.is_none() && !self.is_unreadable(&e.op.span()) {
            let hint = match written {
                "=" => " (write `==` with a `tolerance` for equality)".to_string(),
                "=>" => " (did you mean `>=`?)".to_string(),
                "=<" => " (did you mean `<=`?)".to_string(),
                "!=" => " (state the allowed side instead, with `<` or `>`)".to_string(),
                _ => String::new(),
            };
            self.err(
                &e.op.span(),
                format!(
                    "unknown `op` \"{written}\"; expected one of {}{hint}",
                    Op::ALL
                        .iter()
                        .map(|(s, _)| format!("\"{s}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            ok = false;
        }
        let seconds = kpi.ends_with("_s");
        let value = self.bound(&e.value, seconds, "value");
        let tolerance = match (&e.tolerance, op) {
            (Some(t), Some(Op::Equal)) => match self.bound(t, seconds, "tolerance") {
                Some(x) if x < 0.0 => {
                    self.err(
                        &t.span(),
                        format!("`tolerance` must be at least 0, found {x}"),
                    );
                    None
                }
                x => x,
            },
            (Some(t), Some(_)) => {
                self.err(
                    &t.span(),
                    "`tolerance` applies only to op = \"==\"; remove it or use \"==\"",
                );
                None
            }
            (None, Some(Op::Equal)) => {
                self.err(
                    &e.op.span(),
                    "op = \"==\" needs a `tolerance` (how far from `value` the KPI may be, e.g. tolerance = 0.02)",
                );
                None
            }
            (_, _) => Some(0.0),
        };
        let confidence = match &e.confidence {
            None => Some(DEFAULT_CONFIDENCE),
            Some(c) if *c.get_ref() > 0.5 && *c.get_ref() < 1.0 => Some(*c.get_ref()),
            Some(c) => {
                self.err(
                    &c.span(),
                    format!(
                        "`confidence` must be above 0.5 and below 1 (e.g. 0.95), found {}",
                        c.get_ref()
                    ),
                );
                None
            }
        };
        let name = match &e.name {
            Some(n) if n.get_ref().trim().is_empty() => {
                self.err(
                    &n.span(),
                    "`name` cannot be empty; remove it to show \"KPI OP VALUE\"",
                );
                None
            }
            Some(n) => Some(Some(n.get_ref().trim().to_string())),
            None => Some(None),
        };
        let at = |v: &Self, span: std::ops::Range<usize>| {
            v.src.at(Severity::Error, span.start, String::new())
        };
        if !ok {
            return None;
        }
        Some(Expectation {
            name: name?,
            kpi,
            op: op?,
            value: value?,
            tolerance: tolerance?,
            confidence: confidence?,
            kpi_at: at(self, e.kpi.span()),
            value_at: at(self, e.value.span()),
        })
    }

    /// A bound: a number, a percentage, or (for a KPI in seconds) a duration.
    fn bound(&mut self, q: &Spanned<Quantity>, seconds: bool, key: &str) -> Option<f64> {
        if self.is_unreadable(&q.span()) {
            return None;
        }
        let v = match q.get_ref() {
            Quantity::Number(x) => Ok(*x),
            Quantity::Text(t) => {
                let t = t.trim();
                if let Some(pct) = t.strip_suffix('%') {
                    pct.trim().parse::<f64>().map(|x| x / 100.0).map_err(|_| {
                        format!("expected a percentage such as \"80%\", found \"{t}\"")
                    })
                } else if let Ok(x) = t.parse::<f64>() {
                    Ok(x)
                } else if seconds {
                    super::units::parse_duration(t)
                } else {
                    Err(format!(
                        "expected a number (0.8) or a percentage (\"80%\"), found \"{t}\"; durations such as \"30s\" fit only KPIs in seconds (ending in `_s`)"
                    ))
                }
            }
        };
        match v {
            Ok(x) if x.is_finite() => Some(x),
            Ok(x) => {
                self.err(
                    &q.span(),
                    format!("`{key}` must be a finite number, found {x}"),
                );
                None
            }
            Err(m) => {
                self.err(&q.span(), m);
                None
            }
        }
    }

    /// `[check]`.
    pub(super) fn check_options(&mut self, raw: Option<&Spanned<RawCheck>>) -> CheckOptions {
        let mut out = CheckOptions::default();
        let Some(raw) = raw else {
            return out;
        };
        let c = raw.get_ref();
        if let Some(i) = &c.inconclusive {
            let w = i.get_ref().trim();
            match Inconclusive::ALL.iter().find(|(s, _)| *s == w) {
                Some((_, x)) => out.inconclusive = *x,
                None => {
                    let names: Vec<&str> = Inconclusive::ALL.iter().map(|(s, _)| *s).collect();
                    self.err(
                        &i.span(),
                        format!(
                            "unknown `inconclusive` \"{w}\"; expected one of \"warn\", \"fail\", \"pass\"{}",
                            super::diag::did_you_mean(w, names)
                        ),
                    );
                }
            }
        }
        if let Some(m) = &c.max_replications {
            match *m.get_ref() {
                n @ 2..=MAX_CHECK_REPLICATIONS => out.max_replications = Some(n as u32),
                n => self.err(
                    &m.span(),
                    format!(
                        "`max_replications` must be between 2 and {MAX_CHECK_REPLICATIONS}, found {n}"
                    ),
                ),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;
    use std::path::Path;

    fn with(extra: &str) -> Result<crate::scenario::Scenario, String> {
        let base = r#"name = "t"
[simulation]
horizon = "1h"
[[channels]]
name = "voice"
[[arrivals]]
name = "inbound"
channel = "voice"
rate = "60/h"
handle_time = { dist = "exponential", mean = "240s" }
[[agents]]
group = "team"
count = 2
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
"#;
        load_str(Path::new("t.toml"), &format!("{base}{extra}"))
            .map(|l| l.scenario)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn expectations_read_numbers_percentages_and_durations() {
        let s = with(
            "[[expect]]\nkpi = \"service_level\"\nop = \">=\"\nvalue = \"80%\"\n\
             [[expect]]\nkpi = \"queues.q.asa_s\"\nop = \"<\"\nvalue = \"1m\"\nname = \"fast\"\nconfidence = 0.9\n\
             [[expect]]\nkpi = \"offered\"\nop = \"==\"\nvalue = 60\ntolerance = 10\n\
             [check]\ninconclusive = \"fail\"\nmax_replications = 40\n",
        )
        .unwrap();
        let e = &s.expectations;
        assert_eq!(e.len(), 3);
        assert!((e[0].value - 0.8).abs() < 1e-12);
        assert_eq!((e[0].op, e[0].confidence), (Op::AtLeast, 0.95));
        assert_eq!(
            (e[1].op, e[1].value, e[1].confidence),
            (Op::Below, 60.0, 0.9)
        );
        assert_eq!(e[1].label(), "fast");
        assert_eq!(e[2].label(), "offered == 60 ± 10");
        assert_eq!((e[0].kpi_at.line, e[0].kpi_at.column), (20, 7));
        assert_eq!(s.check.inconclusive, Inconclusive::Fail);
        assert_eq!(s.check.max_replications, Some(40));
    }

    #[test]
    fn no_expectations_no_change() {
        let s = with("").unwrap();
        assert!(s.expectations.is_empty());
        assert_eq!(s.check, CheckOptions::default());
    }

    #[test]
    fn bad_entries_are_errors_with_positions() {
        let e = with(
            "[[expect]]\nkpi = \"service_level\"\nop = \"=>\"\nvalue = 0.8\n\
             [[expect]]\nkpi = \"service_level\"\nop = \">=\"\nvalue = \"30s\"\n\
             [[expect]]\nkpi = \"asa_s\"\nop = \"==\"\nvalue = \"30s\"\n\
             [[expect]]\nkpi = \"asa_s\"\nop = \"<=\"\nvalue = 3\ntolerance = 1\nconfidence = 1.0\n\
             [check]\ninconclusive = \"fial\"\nmax_replications = 1\n",
        )
        .unwrap_err();
        for want in [
            "t.toml:21:6: error: unknown `op` \"=>\"; expected one of \">=\", \"<=\", \">\", \"<\", \"==\" (did you mean `>=`?)",
            "t.toml:26:9: error: expected a number (0.8) or a percentage (\"80%\")",
            "t.toml:29:6: error: op = \"==\" needs a `tolerance`",
            "t.toml:35:13: error: `tolerance` applies only to op = \"==\"",
            "t.toml:36:14: error: `confidence` must be above 0.5",
            "t.toml:38:16: error: unknown `inconclusive` \"fial\"",
            "did you mean \"fail\"?",
            "t.toml:39:20: error: `max_replications` must be between 2",
        ] {
            assert!(e.contains(want), "missing {want} in\n{e}");
        }
    }
}
