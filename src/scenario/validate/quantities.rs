//! Values with units: durations, plain counts and distributions such as
//! `{ dist = "gamma", mean = "4m", cv = 0.5 }`. Each family's parameters are
//! checked here so that a problem points at the key that causes it; the
//! distribution constructors' own errors are mapped to the same diagnostics.

use super::Validator;
use crate::scenario::diag::unknown_name;
use crate::scenario::raw::{Quantity, RawDist};
use crate::scenario::units::{Dist, DistError, parse_duration};
use std::ops::Range;
use toml::Spanned;

/// Distribution families, as `dist` names them.
const DIST_FAMILIES: [&str; 8] = [
    "exponential",
    "deterministic",
    "uniform",
    "lognormal",
    "gamma",
    "erlang",
    "geometric",
    "empirical",
];

/// What unit a distribution's values are in.
#[derive(Clone, Copy)]
pub(in crate::scenario) enum Unit {
    /// Durations: numbers of seconds or text such as "90s".
    Seconds,
    /// Plain numbers (messages per contact, segments per message).
    Count,
}

impl Validator<'_> {
    /// An optional whole-number limit of at least `min`; `what` names it in
    /// the message. `Err(())` when given and wrong (reported).
    pub(in crate::scenario) fn limit(
        &mut self,
        raw: &Option<Spanned<i64>>,
        what: &str,
        min: i64,
    ) -> Result<Option<u32>, ()> {
        let Some(v) = raw else { return Ok(None) };
        let n = *v.get_ref();
        if n < min || n > i64::from(u32::MAX) {
            self.err(
                &v.span(),
                format!(
                    "{what} must be a whole number from {min} to {}, found {n}",
                    u32::MAX
                ),
            );
            return Err(());
        }
        Ok(Some(n as u32))
    }

    /// A number or a text in `unit`; `None` (reported) when it is not one.
    pub(in crate::scenario) fn quantity(
        &mut self,
        q: &Spanned<Quantity>,
        unit: Unit,
    ) -> Option<f64> {
        let r = match (q.get_ref(), unit) {
            (Quantity::Number(n), Unit::Seconds) if n.is_finite() && *n >= 0.0 => Ok(*n + 0.0),
            (Quantity::Number(n), Unit::Seconds) if n.is_finite() => Err(format!(
                "expected a non-negative number of seconds, found {n}"
            )),
            (Quantity::Number(n), Unit::Count) if n.is_finite() => Ok(*n),
            (Quantity::Number(n), _) => Err(format!("expected a finite number, found {n}")),
            (Quantity::Text(t), Unit::Seconds) => parse_duration(t),
            (Quantity::Text(t), Unit::Count) => Err(format!("expected a number, found \"{t}\"")),
        };
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.err(&q.span(), e);
                None
            }
        }
    }

    /// A non-negative duration in seconds.
    pub(in crate::scenario) fn duration(&mut self, q: &Spanned<Quantity>) -> Option<f64> {
        self.quantity(q, Unit::Seconds)
    }

    /// A duration above zero; `what` names it in the message.
    pub(in crate::scenario) fn positive_duration(
        &mut self,
        q: &Spanned<Quantity>,
        what: &str,
    ) -> Option<f64> {
        let v = self.duration(q)?;
        if v <= 0.0 {
            self.err(&q.span(), format!("{what} must be positive"));
            return None;
        }
        Some(v)
    }

    /// Builds a distribution; reports every parameter problem.
    pub(in crate::scenario) fn dist(&mut self, raw: &Spanned<RawDist>, unit: Unit) -> Option<Dist> {
        let r = raw.get_ref();
        let kind = r.dist.get_ref().as_str();
        let family = match kind {
            _ if DIST_FAMILIES.contains(&kind) => kind,
            other => {
                self.err(
                    &r.dist.span(),
                    unknown_name("distribution", other, &DIST_FAMILIES),
                );
                return None;
            }
        };
        // Parameters each family accepts, to reject stray ones clearly.
        let allowed: &[&str] = match family {
            "exponential" | "deterministic" | "geometric" => &["mean"],
            "uniform" => &["mean", "cv", "sd", "min", "max"],
            "lognormal" | "gamma" => &["mean", "cv", "sd"],
            "erlang" => &["mean", "k"],
            _ => &["values", "weights"],
        };
        let present: [(&str, Option<Range<usize>>); 8] = [
            ("mean", r.mean.as_ref().map(|s| s.span())),
            ("cv", r.cv.as_ref().map(|s| s.span())),
            ("sd", r.sd.as_ref().map(|s| s.span())),
            ("k", r.k.as_ref().map(|s| s.span())),
            ("min", r.min.as_ref().map(|s| s.span())),
            ("max", r.max.as_ref().map(|s| s.span())),
            ("values", r.values.as_ref().map(|s| s.span())),
            ("weights", r.weights.as_ref().map(|s| s.span())),
        ];
        let mut ok = true;
        for (name, span) in &present {
            if let Some(span) = span
                && !allowed.contains(name)
            {
                self.err(
                    span,
                    format!(
                        "`{name}` does not apply to a {family} distribution (it takes {})",
                        allowed.join(", ")
                    ),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        let mean = match &r.mean {
            Some(m) => Some((self.quantity(m, unit)?, m.span())),
            None => None,
        };
        let need_mean = |v: &mut Self| -> Option<(f64, Range<usize>)> {
            if mean.is_none() {
                v.err(&raw.span(), format!("a {family} distribution needs `mean`"));
            }
            mean.clone()
        };
        let spread = |v: &mut Self, mean: f64| -> Option<f64> {
            match (&r.cv, &r.sd) {
                (Some(cv), None) => {
                    let c = *cv.get_ref();
                    if !(c.is_finite() && c > 0.0) {
                        v.err(&cv.span(), "cv must be positive");
                        return None;
                    }
                    Some(c)
                }
                (None, Some(sd)) => {
                    let s = v.quantity(sd, unit)?;
                    if s <= 0.0 {
                        v.err(&sd.span(), "sd must be positive");
                        return None;
                    }
                    Some(s / mean)
                }
                (Some(cv), Some(_)) => {
                    v.err(&cv.span(), "give either `cv` or `sd`, not both");
                    None
                }
                (None, None) => {
                    v.err(
                        &raw.span(),
                        format!("a {family} distribution needs `cv` or `sd` besides `mean`"),
                    );
                    None
                }
            }
        };
        // Checked before the spread, which is divided by it.
        let positive_mean = |v: &mut Self, m: f64, span: &Range<usize>| -> Option<f64> {
            if m > 0.0 {
                Some(m)
            } else {
                v.err(span, DistError::Mean(m).to_string());
                None
            }
        };
        match family {
            "exponential" => {
                let (m, span) = need_mean(self)?;
                Dist::exponential(m)
                    .map_err(|e| self.err(&span, e.to_string()))
                    .ok()
            }
            "deterministic" => {
                let (m, span) = need_mean(self)?;
                Dist::deterministic(m)
                    .map_err(|_| self.err(&span, "a deterministic value cannot be negative"))
                    .ok()
            }
            "uniform" => {
                if r.min.is_some() != r.max.is_some() {
                    self.err(
                        &raw.span(),
                        "a uniform distribution needs both `min` and `max` (or `mean` with `cv` or `sd`)",
                    );
                    return None;
                }
                if let (Some(lo), Some(hi)) = (&r.min, &r.max) {
                    if mean.is_some() {
                        self.err(
                            &raw.span(),
                            "give a uniform distribution either min and max, or mean with cv/sd",
                        );
                        return None;
                    }
                    let (a, b) = (self.quantity(lo, unit)?, self.quantity(hi, unit)?);
                    return Dist::uniform(a, b)
                        .map_err(|_| {
                            self.err(
                                &lo.span(),
                                format!("expected 0 <= min <= max, found min {a} and max {b}"),
                            )
                        })
                        .ok();
                }
                let (m, span) = need_mean(self)?;
                let m = positive_mean(self, m, &span)?;
                let cv = spread(self, m)?;
                Dist::uniform_from_mean_cv(m, cv)
                    .map_err(|e| {
                        let message = match e {
                            DistError::TooWide(_) => "this spread would make the uniform distribution go below zero (cv must be at most 1/sqrt(3))".to_string(),
                            other => other.to_string(),
                        };
                        self.err(&raw.span(), message)
                    })
                    .ok()
            }
            "lognormal" | "gamma" => {
                let (m, span) = need_mean(self)?;
                let m = positive_mean(self, m, &span)?;
                let cv = spread(self, m)?;
                let d = if family == "gamma" {
                    Dist::gamma(m, cv)
                } else {
                    Dist::lognormal(m, cv)
                };
                d.map_err(|e| self.err(&raw.span(), e.to_string())).ok()
            }
            "erlang" => {
                let (m, span) = need_mean(self)?;
                let m = positive_mean(self, m, &span)?;
                let Some(k) = &r.k else {
                    self.err(
                        &raw.span(),
                        "an erlang distribution needs `k` (number of phases)",
                    );
                    return None;
                };
                if !(1..=10_000).contains(k.get_ref()) {
                    self.err(&k.span(), "k must be a positive integer");
                    return None;
                }
                Dist::erlang(m, *k.get_ref() as u32)
                    .map_err(|e| self.err(&raw.span(), e.to_string()))
                    .ok()
            }
            "geometric" => {
                if matches!(unit, Unit::Seconds) {
                    self.err(
                        &r.dist.span(),
                        "a geometric distribution is a count (1, 2, 3, …), not a duration: use it for counts such as a conversation's `exchanges`",
                    );
                    return None;
                }
                let (m, span) = need_mean(self)?;
                Dist::geometric(m)
                    .map_err(|e| self.err(&span, e.to_string()))
                    .ok()
            }
            _ => self.empirical(raw, unit),
        }
    }

    /// An empirical distribution: `values` (in `unit`) and optional `weights`.
    fn empirical(&mut self, raw: &Spanned<RawDist>, unit: Unit) -> Option<Dist> {
        let r = raw.get_ref();
        let Some(values) = &r.values else {
            self.err(&raw.span(), "an empirical distribution needs `values`");
            return None;
        };
        // Values are checked as they are read, so that the first bad
        // one is named whether it is unreadable or negative.
        let mut vals = Vec::new();
        for q in values.get_ref() {
            let v = match (q, unit) {
                (Quantity::Number(n), _) => Ok(*n),
                (Quantity::Text(t), Unit::Seconds) => parse_duration(t),
                (Quantity::Text(t), Unit::Count) => {
                    Err(format!("expected a number, found \"{t}\""))
                }
            };
            match v {
                Ok(v) if v >= 0.0 && v.is_finite() => vals.push(v),
                Ok(v) => {
                    self.err(
                        &values.span(),
                        format!("empirical values must be non-negative, found {v}"),
                    );
                    return None;
                }
                Err(e) => {
                    self.err(&values.span(), e);
                    return None;
                }
            }
        }
        let weights = match &r.weights {
            Some(w) => w.get_ref().clone(),
            None => vec![1.0; vals.len()],
        };
        let weights_span = r.weights.as_ref().map_or(values.span(), |w| w.span());
        Dist::empirical(vals, &weights)
            .map_err(|e| {
                let (span, message) = match e {
                    DistError::NoValues => {
                        (values.span(), "`values` must not be empty".to_string())
                    }
                    DistError::WeightCount {
                        values: n_values,
                        weights: n_weights,
                    } => (
                        weights_span,
                        format!("`weights` has {n_weights} entries but `values` has {n_values}"),
                    ),
                    DistError::Weights => (weights_span, e.to_string()),
                    other => (values.span(), other.to_string()),
                };
                self.err(&span, message)
            })
            .ok()
    }

    /// An optional distribution, and whether it is absent or valid (a bad
    /// one is reported and `None`).
    pub(in crate::scenario) fn opt_dist(
        &mut self,
        raw: &Option<Spanned<RawDist>>,
        unit: Unit,
    ) -> (Option<Dist>, bool) {
        match raw {
            None => (None, true),
            Some(r) => {
                let d = self.dist(r, unit);
                let ok = d.is_some();
                (d, ok)
            }
        }
    }
}
