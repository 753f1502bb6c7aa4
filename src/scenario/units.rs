//! Units of the scenario format: durations (`"1h30m"`), rates (`"360/h"`),
//! clock times (`"08:30"`) and distributions parameterised by their mean.
//!
//! Everything is converted to seconds (f64) at load time, so the engine never
//! sees a unit.

use rand::Rng;
use rand_distr::{Distribution, Exp1, Gamma, LogNormal, StandardUniform};

/// Parses a duration such as `90s`, `4m`, `1h30m`, `2d` or `1.5h` into seconds.
/// A bare number is seconds.
///
/// ```
/// assert_eq!(ccsim::scenario::units::parse_duration("1h30m"), Ok(5400.0));
/// ```
///
/// # Errors
/// A message saying what was expected.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(
            "expected a duration such as \"90s\", \"4m\" or \"1h30m\", found an empty string"
                .into(),
        );
    }
    if let Ok(v) = t.parse::<f64>() {
        return check_finite_non_negative(v, text);
    }
    let mut total = 0.0;
    let mut rest = t;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return Err(bad_duration(text));
        }
        let value: f64 = rest[..num_len].parse().map_err(|_| bad_duration(text))?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match rest[..unit_len].trim() {
            "ms" => 0.001,
            "s" | "sec" => 1.0,
            "m" | "min" => 60.0,
            "h" => 3600.0,
            "d" => 86_400.0,
            _ => return Err(bad_duration(text)),
        };
        rest = &rest[unit_len..];
        total += value * factor;
    }
    check_finite_non_negative(total, text)
}

fn check_finite_non_negative(v: f64, text: &str) -> Result<f64, String> {
    if v.is_finite() && v >= 0.0 {
        Ok(v + 0.0) // "-0" is 0
    } else {
        Err(format!(
            "expected a non-negative duration, found \"{text}\""
        ))
    }
}

fn bad_duration(text: &str) -> String {
    format!(
        "expected a duration such as \"90s\", \"4m\", \"1h30m\" or \"2d\" (units ms, s, m, h, d), found \"{text}\""
    )
}

/// Parses a rate such as `360/h`, `6/m`, `0.1/s` or `2000/d` into events per second.
///
/// ```
/// assert_eq!(ccsim::scenario::units::parse_rate("360/h"), Ok(0.1));
/// ```
///
/// # Errors
/// A message saying what was expected.
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let bad =
        || format!("expected a rate such as \"360/h\", \"6/m\" or \"0.1/s\", found \"{text}\"");
    let (count, per) = text.trim().split_once('/').ok_or_else(bad)?;
    let count: f64 = count.trim().parse().map_err(|_| bad())?;
    let per = per.trim();
    let seconds = match per {
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        _ => parse_duration(per).map_err(|_| bad())?,
    };
    if !count.is_finite() || seconds <= 0.0 {
        return Err(bad());
    }
    Ok(count / seconds)
}

/// Formats seconds from the simulation start as `d HH:MM` (day omitted on day 0).
pub fn clock(t: f64) -> String {
    let total = t.round() as i64;
    let (d, rem) = (total / 86_400, total % 86_400);
    let (h, m) = (rem / 3600, (rem % 3600) / 60);
    if d == 0 {
        format!("{h:02}:{m:02}")
    } else {
        format!("d{d} {h:02}:{m:02}")
    }
}

/// Parses a time of day (`"08:00"`, `"17:30"`, `"24:00"`) or a duration since
/// midnight (`"8h30m"`) into seconds after midnight.
///
/// # Errors
/// A message saying what was expected.
pub fn parse_clock(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if let Some((h, m)) = t.split_once(':') {
        let bad = || format!("expected a time of day such as \"08:30\", found \"{text}\"");
        let h: u32 = h.parse().map_err(|_| bad())?;
        let m: u32 = m.parse().map_err(|_| bad())?;
        if m >= 60 || h > 24 || (h == 24 && m > 0) {
            return Err(bad());
        }
        return Ok(f64::from(h * 3600 + m * 60));
    }
    let v = parse_duration(t)?;
    if v > 86_400.0 {
        return Err(format!(
            "a time of day must be at most 24h, found \"{text}\""
        ));
    }
    Ok(v)
}

/// A positive random quantity (seconds or a count), parameterised by its mean.
///
/// Built only through its checked constructors ([`Dist::exponential`],
/// [`Dist::deterministic`], [`Dist::uniform`], [`Dist::uniform_from_mean_cv`],
/// [`Dist::lognormal`], [`Dist::gamma`], [`Dist::erlang`], [`Dist::geometric`],
/// [`Dist::empirical`]),
/// so every `Dist`
/// the engine samples has valid parameters, as with `rand_distr`.
#[derive(Debug, Clone)]
pub struct Dist(Family);

/// The families and what each sampler holds.
#[derive(Debug, Clone)]
enum Family {
    /// Memoryless; cv = 1.
    Exponential { mean: f64 },
    /// Always the same value.
    Deterministic { value: f64 },
    /// Uniform on [low, high]; mean = (low + high) / 2.
    Uniform { low: f64, high: f64 },
    /// σ² = ln(1 + cv²), μ = ln(mean) − σ²/2; the mean is kept for reports.
    LogNormal { mean: f64, dist: LogNormal<f64> },
    /// shape = 1/cv², scale = mean·cv²; Erlang-k is the integer shape k
    /// (cv = 1/√k). The mean is kept for reports.
    Gamma { mean: f64, dist: Gamma<f64> },
    /// A count on 1, 2, 3, … (trials up to the first success); mean = 1/p.
    Geometric {
        mean: f64,
        dist: rand_distr::Geometric,
    },
    /// Listed values with the running sums of their weights.
    Empirical {
        values: Vec<f64>,
        cumulative: Vec<f64>,
    },
}

/// Why a distribution cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum DistError {
    /// The mean is not positive and finite.
    #[error("the mean must be positive, found {0}")]
    Mean(f64),
    /// The coefficient of variation is not positive and finite.
    #[error("cv must be positive, found {0}")]
    Cv(f64),
    /// A deterministic value or a uniform bound is negative or not finite.
    #[error("{what} must be finite and non-negative, found {value}")]
    Negative {
        /// Which parameter: "the value", "low", "high", "an empirical value".
        what: &'static str,
        /// What it was.
        value: f64,
    },
    /// A uniform from mean and cv whose spread would reach below zero (cv
    /// above 1/√3).
    #[error("cv {0} would take the uniform below zero (it must be at most 1/sqrt(3))")]
    TooWide(f64),
    /// A uniform's lower bound is above its upper bound.
    #[error("low ({low}) is above high ({high})")]
    Inverted {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// A geometric count whose mean is below 1 (it counts from 1).
    #[error("a geometric count starts at 1, so its mean must be at least 1, found {0}")]
    GeometricMean(f64),
    /// An Erlang with no phases.
    #[error("k must be a positive integer")]
    NoPhases,
    /// An empirical distribution with no values.
    #[error("an empirical distribution needs at least one value")]
    NoValues,
    /// Not one weight per value.
    #[error("{weights} weights for {values} values")]
    WeightCount {
        /// Number of values.
        values: usize,
        /// Number of weights.
        weights: usize,
    },
    /// A weight negative or not finite, or all weights zero.
    #[error("weights must be non-negative with a positive sum")]
    Weights,
    /// Parameters `rand_distr` refuses (a cv so extreme the shape or scale
    /// overflows).
    #[error(transparent)]
    Gamma(#[from] rand_distr::GammaError),
    /// Parameters `rand_distr` refuses (a cv so large σ overflows).
    #[error(transparent)]
    LogNormal(#[from] rand_distr::NormalError),
}

impl Dist {
    /// Draws one value (never negative).
    ///
    /// The exponential, by far the most common family, is drawn inline: an
    /// out-of-line call through the whole `match` (whose other arms need
    /// many registers saved) cost as much again as the ziggurat draw itself.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        if let Family::Exponential { mean } = &self.0 {
            let e: f64 = Exp1.sample(rng);
            return e * mean;
        }
        self.sample_other(rng)
    }

    /// [`Dist::sample`] of the families other than the exponential.
    #[inline(never)]
    fn sample_other<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.0 {
            Family::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Family::Deterministic { value } => *value,
            Family::Uniform { low, high } => {
                let u: f64 = StandardUniform.sample(rng);
                low + (high - low) * u
            }
            Family::LogNormal { dist, .. } => dist.sample(rng),
            Family::Gamma { dist, .. } => dist.sample(rng),
            // rand_distr counts the failures before the first success.
            Family::Geometric { dist, .. } => 1.0 + dist.sample(rng) as f64,
            Family::Empirical { values, cumulative } => {
                let total = *cumulative.last().expect("empirical has values");
                let u: f64 = StandardUniform.sample(rng);
                let x = u * total;
                let i = cumulative.partition_point(|&c| c <= x);
                values[i.min(values.len() - 1)]
            }
        }
    }

    /// The mean of the distribution.
    pub fn mean(&self) -> f64 {
        match &self.0 {
            Family::Exponential { mean }
            | Family::LogNormal { mean, .. }
            | Family::Gamma { mean, .. }
            | Family::Geometric { mean, .. } => *mean,
            Family::Deterministic { value } => *value,
            Family::Uniform { low, high } => (low + high) / 2.0,
            Family::Empirical { values, cumulative } => {
                let total = cumulative.last().copied().unwrap_or(1.0);
                let mut prev = 0.0;
                let mut acc = 0.0;
                for (v, c) in values.iter().zip(cumulative) {
                    acc += v * (c - prev);
                    prev = *c;
                }
                acc / total
            }
        }
    }

    /// True when a draw can be exactly 0 with positive probability (a
    /// deterministic 0, an empirical 0, a uniform on [0, 0]); continuous
    /// families are 0 with probability 0.
    pub fn can_be_zero(&self) -> bool {
        match &self.0 {
            Family::Deterministic { value } => *value == 0.0,
            Family::Uniform { high, .. } => *high == 0.0,
            Family::Empirical { values, cumulative } => values
                .iter()
                .zip(cumulative)
                .scan(0.0, |prev, (v, c)| {
                    let weight = c - *prev;
                    *prev = *c;
                    Some(*v == 0.0 && weight > 0.0)
                })
                .any(|z| z),
            _ => false,
        }
    }

    /// An exponential with the given mean.
    ///
    /// # Errors
    /// When the mean is not positive and finite.
    pub fn exponential(mean: f64) -> Result<Dist, DistError> {
        positive_mean(mean)?;
        Ok(Dist(Family::Exponential { mean }))
    }

    /// Always `value`.
    ///
    /// # Errors
    /// When the value is negative or not finite.
    pub fn deterministic(value: f64) -> Result<Dist, DistError> {
        non_negative(value, "the value")?;
        Ok(Dist(Family::Deterministic { value }))
    }

    /// Uniform on [low, high].
    ///
    /// # Errors
    /// When a bound is negative or not finite, or low is above high.
    pub fn uniform(low: f64, high: f64) -> Result<Dist, DistError> {
        non_negative(low, "low")?;
        non_negative(high, "high")?;
        if low > high {
            return Err(DistError::Inverted { low, high });
        }
        Ok(Dist(Family::Uniform { low, high }))
    }

    /// Uniform on mean ± mean·cv·√3 (the uniform with that mean and cv).
    /// A cv of 0 is the point `mean`.
    ///
    /// The bounds are not required finite: for a mean near `f64::MAX` the
    /// upper one overflows, as `rand_distr`'s gamma accepts an infinite scale.
    ///
    /// # Errors
    /// When the mean is not positive and finite, cv is negative or NaN, or
    /// the spread would go below zero.
    pub fn uniform_from_mean_cv(mean: f64, cv: f64) -> Result<Dist, DistError> {
        positive_mean(mean)?;
        if cv.is_nan() || cv < 0.0 {
            return Err(DistError::Cv(cv));
        }
        let half = mean * cv * 3f64.sqrt();
        if half > mean {
            return Err(DistError::TooWide(cv));
        }
        Ok(Dist(Family::Uniform {
            low: mean - half,
            high: mean + half,
        }))
    }

    /// A log-normal from mean and coefficient of variation.
    ///
    /// # Errors
    /// When mean or cv is not positive and finite.
    pub fn lognormal(mean: f64, cv: f64) -> Result<Dist, DistError> {
        positive_mean(mean)?;
        positive_cv(cv)?;
        let sigma2 = (1.0 + cv * cv).ln();
        let mu = mean.ln() - sigma2 / 2.0;
        let dist = LogNormal::new(mu, sigma2.sqrt())?;
        Ok(Dist(Family::LogNormal { mean, dist }))
    }

    /// A gamma from mean and coefficient of variation.
    ///
    /// # Errors
    /// When mean or cv is not positive and finite.
    pub fn gamma(mean: f64, cv: f64) -> Result<Dist, DistError> {
        positive_mean(mean)?;
        positive_cv(cv)?;
        let shape = 1.0 / (cv * cv);
        let dist = Gamma::new(shape, mean / shape)?;
        Ok(Dist(Family::Gamma { mean, dist }))
    }

    /// An Erlang-k (sum of k exponential phases) with the given mean.
    ///
    /// # Errors
    /// When the mean is not positive and finite, or k is zero.
    pub fn erlang(mean: f64, k: u32) -> Result<Dist, DistError> {
        if k == 0 {
            return Err(DistError::NoPhases);
        }
        Dist::gamma(mean, 1.0 / f64::from(k).sqrt())
    }

    /// A count on 1, 2, 3, … with the given mean (success probability
    /// 1/mean): the number of exchanges of a conversation that goes on with
    /// the same chance after each one.
    ///
    /// # Errors
    /// When the mean is below 1 or not finite.
    pub fn geometric(mean: f64) -> Result<Dist, DistError> {
        if !(mean.is_finite() && mean >= 1.0) {
            return Err(DistError::GeometricMean(mean));
        }
        let dist =
            rand_distr::Geometric::new(1.0 / mean).map_err(|_| DistError::GeometricMean(mean))?;
        Ok(Dist(Family::Geometric { mean, dist }))
    }

    /// A discrete distribution over `values`, drawn in proportion to
    /// `weights` (one per value).
    ///
    /// # Errors
    /// When there are no values, a value is negative or not finite, the
    /// weights are not one per value, or a weight is negative or not finite
    /// or all are zero.
    pub fn empirical(values: Vec<f64>, weights: &[f64]) -> Result<Dist, DistError> {
        if values.is_empty() {
            return Err(DistError::NoValues);
        }
        for &v in &values {
            non_negative(v, "an empirical value")?;
        }
        if weights.len() != values.len() {
            return Err(DistError::WeightCount {
                values: values.len(),
                weights: weights.len(),
            });
        }
        if weights.iter().any(|w| !(w.is_finite() && *w >= 0.0))
            || weights.iter().sum::<f64>() <= 0.0
        {
            return Err(DistError::Weights);
        }
        let mut acc = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                acc += w;
                acc
            })
            .collect();
        Ok(Dist(Family::Empirical { values, cumulative }))
    }
}

fn positive_mean(mean: f64) -> Result<(), DistError> {
    if mean.is_finite() && mean > 0.0 {
        Ok(())
    } else {
        Err(DistError::Mean(mean))
    }
}

fn positive_cv(cv: f64) -> Result<(), DistError> {
    if cv.is_finite() && cv > 0.0 {
        Ok(())
    } else {
        Err(DistError::Cv(cv))
    }
}

/// -0 passes: a count written `-0.0` is kept as read.
fn non_negative(v: f64, what: &'static str) -> Result<(), DistError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(DistError::Negative { what, value: v })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90.0));
        assert_eq!(parse_duration("4m"), Ok(240.0));
        assert_eq!(parse_duration("1h30m"), Ok(5400.0));
        assert_eq!(parse_duration("2d"), Ok(172_800.0));
        assert_eq!(parse_duration("1.5h"), Ok(5400.0));
        assert_eq!(parse_duration("45"), Ok(45.0));
        assert!(parse_duration("4x").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("-3s").is_err());
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("360/h"), Ok(0.1));
        assert_eq!(parse_rate("6/m"), Ok(0.1));
        assert_eq!(parse_rate("8640/d"), Ok(0.1));
        assert!(parse_rate("360").is_err());
        assert!(parse_rate("abc/h").is_err());
        assert!(parse_rate("5/y").is_err());
    }

    #[test]
    fn clocks() {
        assert_eq!(parse_clock("08:30"), Ok(30_600.0));
        assert_eq!(parse_clock("24:00"), Ok(86_400.0));
        assert_eq!(parse_clock("8h30m"), Ok(30_600.0));
        assert!(parse_clock("25:00").is_err());
        assert!(parse_clock("8:75").is_err());
    }

    /// Sample means agree with the declared means within 5 standard errors.
    #[test]
    fn sample_means_match() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let dists = [
            (Dist::exponential(240.0).unwrap(), 1.0),
            (Dist::uniform(100.0, 300.0).unwrap(), 0.2887),
            (Dist::lognormal(240.0, 0.8).unwrap(), 0.8),
            (Dist::gamma(240.0, 0.5).unwrap(), 0.5),
            (Dist::erlang(240.0, 4).unwrap(), 0.5),
        ];
        let n = 200_000;
        for (d, cv) in &dists {
            let m: f64 = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64;
            let se = cv * d.mean() / (n as f64).sqrt();
            assert!((m - d.mean()).abs() < 5.0 * se, "{d:?}: {m}");
        }
        let e = Dist::empirical(vec![10.0, 20.0], &[1.0, 3.0]).unwrap();
        assert!((e.mean() - 17.5).abs() < 1e-12);
        let m: f64 = (0..n).map(|_| e.sample(&mut rng)).sum::<f64>() / n as f64;
        assert!((m - 17.5).abs() < 0.1);
    }

    const NOT_POSITIVE: [f64; 6] = [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
    const NOT_NON_NEGATIVE: [f64; 4] = [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];

    #[test]
    fn exponential_needs_a_positive_finite_mean() {
        for m in NOT_POSITIVE {
            assert_eq!(
                Dist::exponential(m).unwrap_err().to_string(),
                format!("the mean must be positive, found {m}")
            );
        }
        assert_eq!(Dist::exponential(0.5).unwrap().mean(), 0.5);
    }

    #[test]
    fn deterministic_needs_a_finite_non_negative_value() {
        for v in NOT_NON_NEGATIVE {
            assert!(matches!(
                Dist::deterministic(v),
                Err(DistError::Negative {
                    what: "the value",
                    ..
                })
            ));
        }
        assert!(Dist::deterministic(0.0).unwrap().can_be_zero());
        assert_eq!(Dist::deterministic(60.0).unwrap().mean(), 60.0);
    }

    #[test]
    fn uniform_needs_ordered_finite_non_negative_bounds() {
        for v in NOT_NON_NEGATIVE {
            assert!(matches!(
                Dist::uniform(v, 10.0),
                Err(DistError::Negative { what: "low", .. })
            ));
            assert!(matches!(
                Dist::uniform(0.0, v),
                Err(DistError::Negative { what: "high", .. })
            ));
        }
        assert_eq!(
            Dist::uniform(3.0, 2.0).unwrap_err(),
            DistError::Inverted {
                low: 3.0,
                high: 2.0
            }
        );
        assert!(Dist::uniform(0.0, 0.0).unwrap().can_be_zero());
        assert_eq!(Dist::uniform(2.0, 4.0).unwrap().mean(), 3.0);
    }

    #[test]
    fn uniform_from_mean_cv_stays_at_or_above_zero() {
        for m in NOT_POSITIVE {
            assert!(matches!(
                Dist::uniform_from_mean_cv(m, 0.1),
                Err(DistError::Mean(_))
            ));
        }
        for cv in [-0.1, f64::NAN, f64::NEG_INFINITY] {
            assert!(matches!(
                Dist::uniform_from_mean_cv(10.0, cv),
                Err(DistError::Cv(_))
            ));
        }
        for cv in [0.6, f64::INFINITY] {
            assert!(matches!(
                Dist::uniform_from_mean_cv(10.0, cv),
                Err(DistError::TooWide(_))
            ));
        }
        let d = Dist::uniform_from_mean_cv(10.0, 0.5).unwrap();
        assert!((d.mean() - 10.0).abs() < 1e-12);
        assert_eq!(Dist::uniform_from_mean_cv(10.0, 0.0).unwrap().mean(), 10.0);
    }

    #[test]
    fn lognormal_and_gamma_need_positive_finite_mean_and_cv() {
        for build in [Dist::lognormal, Dist::gamma] {
            for bad in NOT_POSITIVE {
                assert!(matches!(build(bad, 0.5), Err(DistError::Mean(_))));
                assert!(matches!(build(240.0, bad), Err(DistError::Cv(_))));
            }
            assert_eq!(build(240.0, 0.5).unwrap().mean(), 240.0);
        }
        assert_eq!(
            Dist::gamma(240.0, -1.0).unwrap_err().to_string(),
            "cv must be positive, found -1"
        );
    }

    /// A cv so extreme that the sampler's own parameters overflow is refused
    /// with `rand_distr`'s reason.
    #[test]
    fn overflowing_parameters_are_refused_by_rand_distr() {
        assert_eq!(
            Dist::gamma(1.0, 1e200).unwrap_err().to_string(),
            "shape is not positive in gamma distribution"
        );
        assert_eq!(
            Dist::lognormal(1.0, 1e200).unwrap_err().to_string(),
            "variation parameter is non-finite in (log)normal distribution"
        );
    }

    #[test]
    fn erlang_needs_a_phase_and_a_positive_mean() {
        assert_eq!(Dist::erlang(240.0, 0).unwrap_err(), DistError::NoPhases);
        for m in NOT_POSITIVE {
            assert!(matches!(Dist::erlang(m, 2), Err(DistError::Mean(_))));
        }
        assert_eq!(Dist::erlang(240.0, 1).unwrap().mean(), 240.0);
    }

    #[test]
    fn empirical_needs_values_and_one_usable_weight_each() {
        assert_eq!(
            Dist::empirical(vec![], &[]).unwrap_err(),
            DistError::NoValues
        );
        for v in NOT_NON_NEGATIVE {
            assert!(matches!(
                Dist::empirical(vec![1.0, v], &[1.0, 1.0]),
                Err(DistError::Negative { .. })
            ));
        }
        assert_eq!(
            Dist::empirical(vec![1.0, 2.0], &[1.0]).unwrap_err(),
            DistError::WeightCount {
                values: 2,
                weights: 1
            }
        );
        for w in [
            [0.0, 0.0],
            [-1.0, 2.0],
            [f64::NAN, 1.0],
            [f64::INFINITY, 1.0],
        ] {
            assert_eq!(
                Dist::empirical(vec![1.0, 2.0], &w).unwrap_err(),
                DistError::Weights
            );
        }
        let d = Dist::empirical(vec![0.0, 5.0], &[0.0, 1.0]).unwrap();
        assert!(!d.can_be_zero(), "a zero with zero weight is never drawn");
        assert_eq!(d.mean(), 5.0);
    }
}
