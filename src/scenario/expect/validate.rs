//! Checking `[[expect]]` entries and `[check]` as the scenario loads: each
//! entry's operator, bound, confidence and event rule, with the position
//! and fix of anything wrong.

use super::*;
use crate::scenario::{diag, units};

impl Validator<'_> {
    /// `[[expect]]` entries, each checked on its own: the KPI ones and the
    /// event ones, each in file order. `queues` and `groups` are the names
    /// event expectations may refer to.
    pub(in crate::scenario) fn expectations(
        &mut self,
        raw: &[Spanned<RawExpect>],
        queues: &[&str],
        groups: &[&str],
    ) -> (Vec<Expectation>, Vec<EventExpectation>) {
        let (mut kpis, mut events) = (Vec::new(), Vec::new());
        for e in raw {
            let r = e.get_ref();
            let kinds: Vec<(&str, std::ops::Range<usize>)> = [
                ("kpi", r.kpi.as_ref().map(Spanned::span)),
                ("count", r.count.as_ref().map(Spanned::span)),
                ("never", r.never.as_ref().map(Spanned::span)),
                ("always", r.always.as_ref().map(Spanned::span)),
                ("max_wait", r.max_wait.as_ref().map(Spanned::span)),
                (
                    "closed_transfers",
                    r.closed_transfers.as_ref().map(Spanned::span),
                ),
            ]
            .into_iter()
            .filter_map(|(k, s)| s.map(|s| (k, s)))
            .collect();
            match kinds.as_slice() {
                [] => self.err(
                    &e.span(),
                    "`[[expect]]` needs one of `kpi` (with `op` and `value`), `count`, `never`, `always`, `max_wait` or `closed_transfers`",
                ),
                [(first, _), (second, at), ..] => self.err(
                    at,
                    format!(
                        "one `[[expect]]` entry states one of `kpi`, `count`, `never`, `always`, `max_wait` or `closed_transfers`; this one has `{first}` and `{second}` (write two entries)"
                    ),
                ),
                [("kpi", _)] => {
                    if let Some(x) = self.expectation(r, &e.span()) {
                        kpis.push(x);
                    }
                }
                [(kind, _)] => {
                    if let Some(x) = self.event_expectation(r, kind, queues, groups) {
                        events.push(x);
                    }
                }
            }
        }
        (kpis, events)
    }

    /// An event expectation (`count`, `never`, `always`, `max_wait` or
    /// `closed_transfers`).
    fn event_expectation(
        &mut self,
        e: &RawExpect,
        kind: &str,
        queues: &[&str],
        groups: &[&str],
    ) -> Option<EventExpectation> {
        let mut ok = true;
        for (key, span) in [
            ("op", e.op.as_ref().map(Spanned::span)),
            ("value", e.value.as_ref().map(Spanned::span)),
            ("tolerance", e.tolerance.as_ref().map(Spanned::span)),
            ("confidence", e.confidence.as_ref().map(Spanned::span)),
        ] {
            if let Some(span) = span {
                self.err(
                    &span,
                    format!(
                        "`{key}` applies only to a `kpi` expectation; `{kind}` is checked on every replication's events, so it passes or fails without a confidence level (remove `{key}`)"
                    ),
                );
                ok = false;
            }
        }
        if kind != "max_wait"
            && let Some(w) = &e.r#where
        {
            let hint = match kind {
                "never" => " (write it inside: never = { answered_by = \"...\", where = '...' })",
                "always" => " (write it inside: always = { answered_by = \"...\", where = '...' })",
                _ => "",
            };
            self.err(
                &w.span(),
                format!("`where` applies only to `max_wait`{hint}"),
            );
            ok = false;
        }
        let name = match &e.name {
            Some(n) if n.get_ref().trim().is_empty() => {
                self.err(
                    &n.span(),
                    "`name` cannot be empty; remove it to show the condition",
                );
                ok = false;
                None
            }
            Some(n) => Some(n.get_ref().trim().to_string()),
            None => None,
        };
        let rule = match kind {
            "count" => self.count_rule(e.count.as_ref()?.get_ref(), queues),
            "never" => {
                let n = e.never.as_ref()?;
                let (span, n) = (n.span(), n.get_ref());
                let group = n
                    .answered_by
                    .as_ref()
                    .map(|g| self.known(g, groups, "answered_by", "agent group"));
                let while_closed = match &n.answered_while {
                    None => Some(false),
                    Some(w) if self.is_unreadable(&w.span()) => None,
                    Some(w) if w.get_ref().trim() == "closed" => Some(true),
                    Some(w) => {
                        self.err(
                            &w.span(),
                            format!(
                                "`answered_while` \"{}\" is no state it can check; expected \"closed\" (a queue closed by its business hours)",
                                w.get_ref().trim()
                            ),
                        );
                        None
                    }
                };
                if n.answered_by.is_none() && n.answered_while.is_none() {
                    self.err(
                        &span,
                        "`never` needs `answered_by` (an agent group), `answered_while = \"closed\"` or both, e.g. never = { answered_by = \"tier1\", where = 'tier == \"vip\"' }",
                    );
                    return None;
                }
                let filter = self.task_filter(n.r#where.as_ref());
                Some(EventRule::Never {
                    group: group.map_or(Some(None), |g| g.map(Some))?,
                    while_closed: while_closed?,
                    filter: filter?,
                })
            }
            "always" => {
                let a = e.always.as_ref()?.get_ref();
                let group = self.known(&a.answered_by, groups, "answered_by", "agent group");
                let filter = self.task_filter(a.r#where.as_ref());
                let waited_over = match &a.waited_over {
                    None => Some(None),
                    Some(w) => self
                        .duration_at_least_zero(w, "waited_over")
                        .map(|x| Some((x, w.get_ref().trim().to_string()))),
                };
                Some(EventRule::Always {
                    group: group?,
                    filter: filter?,
                    waited_over: waited_over?,
                })
            }
            "closed_transfers" => {
                let c = e.closed_transfers.as_ref()?.get_ref();
                let ends_in = self.known(&c.ends_in, queues, "ends_in", "queue");
                Some(EventRule::ClosedTransfers { ends_in: ends_in? })
            }
            _ => {
                let m = e.max_wait.as_ref()?;
                let limit = m.get_ref().trim().to_string();
                let limit_s = self.duration_at_least_zero(m, "max_wait");
                let filter = self.task_filter(e.r#where.as_ref());
                Some(EventRule::MaxWait {
                    limit_s: limit_s?,
                    limit,
                    filter: filter?,
                })
            }
        };
        if !ok {
            return None;
        }
        Some(EventExpectation { name, rule: rule? })
    }

    /// A duration of 0 or more (`max_wait`, `waited_over`), or an error.
    fn duration_at_least_zero(&mut self, m: &Spanned<String>, key: &str) -> Option<f64> {
        if self.is_unreadable(&m.span()) {
            return None;
        }
        match units::parse_duration(m.get_ref().trim()) {
            Ok(x) if x.is_finite() && x >= 0.0 => Some(x),
            Ok(x) => {
                self.err(
                    &m.span(),
                    format!("`{key}` must be a duration of 0 or more, found {x}"),
                );
                None
            }
            Err(msg) => {
                self.err(&m.span(), format!("`{key}`: {msg} (e.g. \"10m\")"));
                None
            }
        }
    }

    /// `count = { event, reason, outcome, queue, task, min, max }`.
    fn count_rule(&mut self, c: &RawCountExpect, queues: &[&str]) -> Option<EventRule> {
        let mut ok = true;
        let event = self.known(&c.event, &EVENT_NAMES, "event", "audit-trail event");
        let reason = c
            .reason
            .as_ref()
            .map(|r| self.known(r, &REASONS, "reason", "reason"));
        let outcome = c
            .outcome
            .as_ref()
            .map(|o| self.known(o, &OUTCOMES, "outcome", "outcome"));
        let queue = c
            .queue
            .as_ref()
            .map(|q| self.known(q, queues, "queue", "queue"));
        let task = c
            .task
            .as_ref()
            .map(|k| self.known(k, &TASK_KINDS, "task", "kind of task"));
        let mut bound = |v: &Option<Spanned<i64>>, key: &str| -> Option<u64> {
            let v = v.as_ref()?;
            match u64::try_from(*v.get_ref()) {
                Ok(n) => Some(n),
                Err(_) => {
                    self.err(
                        &v.span(),
                        format!("`{key}` must be 0 or more, found {}", v.get_ref()),
                    );
                    ok = false;
                    None
                }
            }
        };
        let min = bound(&c.min, "min");
        let max = bound(&c.max, "max");
        if c.min.is_none() && c.max.is_none() {
            self.err(
                &c.event.span(),
                "`count` needs `min`, `max` or both, e.g. count = { event = \"task.canceled\", reason = \"ttl\", max = 0 }",
            );
            ok = false;
        }
        if let (Some(lo), Some(hi), Some(m)) = (min, max, &c.max)
            && lo > hi
        {
            self.err(&m.span(), format!("`max` ({hi}) is below `min` ({lo})"));
            ok = false;
        }
        if !ok {
            return None;
        }
        Some(EventRule::Count {
            event: event?,
            reason: reason.map_or(Some(None), |r| r.map(Some))?,
            outcome: outcome.map_or(Some(None), |r| r.map(Some))?,
            queue: queue.map_or(Some(None), |r| r.map(Some))?,
            task: task.map_or(Some(None), |r| r.map(Some))?,
            min: min.unwrap_or(0),
            max,
        })
    }

    /// A name that must be one of `known`, or an error with the nearest.
    fn known(
        &mut self,
        v: &Spanned<String>,
        known: &[&str],
        key: &str,
        what: &str,
    ) -> Option<String> {
        if self.is_unreadable(&v.span()) {
            return None;
        }
        let w = v.get_ref().trim();
        if known.contains(&w) {
            return Some(w.to_string());
        }
        let list = if known.len() <= 8 {
            format!(
                "; expected one of {}",
                known
                    .iter()
                    .map(|k| format!("\"{k}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        };
        self.err(
            &v.span(),
            format!(
                "`{key}` \"{w}\" is no {what} of the scenario{list}{}",
                diag::did_you_mean(w, known.iter().copied())
            ),
        );
        None
    }

    /// An optional `where`: `Some(None)` when absent, `None` when it does
    /// not parse (reported).
    fn task_filter(&mut self, w: Option<&Spanned<String>>) -> Option<Option<TaskFilter>> {
        let Some(w) = w else { return Some(None) };
        let expr = self.expression(w, crate::expr::Context::Bare)?;
        Some(Some(TaskFilter {
            text: w.get_ref().trim().to_string(),
            expr,
        }))
    }

    fn expectation(
        &mut self,
        e: &RawExpect,
        table: &std::ops::Range<usize>,
    ) -> Option<Expectation> {
        let (Some(kpi_s), Some(op_s), Some(value_s)) = (&e.kpi, &e.op, &e.value) else {
            let missing: Vec<&str> = [("op", e.op.is_none()), ("value", e.value.is_none())]
                .into_iter()
                .filter(|(_, m)| *m)
                .map(|(k, _)| k)
                .collect();
            self.err(
                table,
                format!(
                    "a `kpi` expectation needs `op` and `value`; missing `{}`",
                    missing.join("` and `")
                ),
            );
            return None;
        };
        let kpi = kpi_s.get_ref().trim().to_string();
        let mut ok = true;
        if kpi.is_empty() {
            self.err(
                &kpi_s.span(),
                "`kpi` is empty; name a KPI of the summary, e.g. \"overall.service_level\" or \"queues.billing.asa_s\"",
            );
            ok = false;
        }
        let written = op_s.get_ref().trim();
        let op = Op::ALL.iter().find(|(s, _)| *s == written).map(|(_, o)| *o);
        if op.is_none() && !self.is_unreadable(&op_s.span()) {
            let hint = match written {
                "=" => " (write `==` with a `tolerance` for equality)".to_string(),
                "=>" => " (did you mean `>=`?)".to_string(),
                "=<" => " (did you mean `<=`?)".to_string(),
                "!=" => " (state the allowed side instead, with `<` or `>`)".to_string(),
                _ => String::new(),
            };
            self.err(
                &op_s.span(),
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
        let value = self.bound(value_s, seconds, "value");
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
                    &op_s.span(),
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
            kpi_at: at(self, kpi_s.span()),
            value_at: at(self, value_s.span()),
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
                    units::parse_duration(t)
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
    pub(in crate::scenario) fn check_options(
        &mut self,
        raw: Option<&Spanned<RawCheck>>,
    ) -> CheckOptions {
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
                            diag::did_you_mean(w, names)
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
