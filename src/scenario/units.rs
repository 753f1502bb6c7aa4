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
/// Families and their parameters:
/// - `Exponential { mean }`: memoryless; cv = 1.
/// - `Deterministic { value }`.
/// - `Uniform { low, high }`: mean = (low + high) / 2.
/// - `LogNormal`: built from mean and cv, σ² = ln(1 + cv²), μ = ln(mean) − σ²/2.
/// - `Gamma`: built from mean and cv, shape = 1/cv², scale = mean·cv²; Erlang-k is
///   the gamma with integer shape k (cv = 1/√k).
/// - `Empirical`: a discrete distribution over listed values with weights.
#[derive(Debug, Clone)]
pub enum Dist {
    /// Memoryless; cv = 1.
    Exponential {
        /// Mean.
        mean: f64,
    },
    /// Always the same value.
    Deterministic {
        /// The value.
        value: f64,
    },
    /// Uniform on [low, high].
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Log-normal built from mean and cv.
    LogNormal {
        /// Mean (kept for reports; the sampler holds μ and σ).
        mean: f64,
        /// The sampler.
        dist: LogNormal<f64>,
    },
    /// Gamma (Erlang-k when the shape is an integer) built from mean and cv.
    Gamma {
        /// Mean.
        mean: f64,
        /// The sampler.
        dist: Gamma<f64>,
    },
    /// Discrete over listed values.
    Empirical {
        /// The values.
        values: Vec<f64>,
        /// Running sums of the weights.
        cumulative: Vec<f64>,
    },
}

impl Dist {
    /// Draws one value (never negative).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                e * mean
            }
            Dist::Deterministic { value } => *value,
            Dist::Uniform { low, high } => {
                let u: f64 = StandardUniform.sample(rng);
                low + (high - low) * u
            }
            Dist::LogNormal { dist, .. } => dist.sample(rng),
            Dist::Gamma { dist, .. } => dist.sample(rng),
            Dist::Empirical { values, cumulative } => {
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
        match self {
            Dist::Exponential { mean }
            | Dist::LogNormal { mean, .. }
            | Dist::Gamma { mean, .. } => *mean,
            Dist::Deterministic { value } => *value,
            Dist::Uniform { low, high } => (low + high) / 2.0,
            Dist::Empirical { values, cumulative } => {
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
        match self {
            Dist::Deterministic { value } => *value == 0.0,
            Dist::Uniform { high, .. } => *high == 0.0,
            Dist::Empirical { values, cumulative } => values
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

    /// Builds a log-normal from mean and coefficient of variation.
    ///
    /// # Errors
    /// When mean or cv is not positive and finite.
    pub fn lognormal(mean: f64, cv: f64) -> Result<Dist, String> {
        positive(mean, "mean")?;
        positive(cv, "cv")?;
        let sigma2 = (1.0 + cv * cv).ln();
        let mu = mean.ln() - sigma2 / 2.0;
        let dist = LogNormal::new(mu, sigma2.sqrt()).map_err(|e| e.to_string())?;
        Ok(Dist::LogNormal { mean, dist })
    }

    /// Builds a gamma from mean and coefficient of variation.
    ///
    /// # Errors
    /// When mean or cv is not positive and finite.
    pub fn gamma(mean: f64, cv: f64) -> Result<Dist, String> {
        positive(mean, "mean")?;
        positive(cv, "cv")?;
        let shape = 1.0 / (cv * cv);
        let dist = Gamma::new(shape, mean / shape).map_err(|e| e.to_string())?;
        Ok(Dist::Gamma { mean, dist })
    }

    /// Builds an Erlang-k (sum of k exponential phases) with the given mean.
    ///
    /// # Errors
    /// When mean is not positive or k is zero.
    pub fn erlang(mean: f64, k: u32) -> Result<Dist, String> {
        if k == 0 {
            return Err("k must be a positive integer".into());
        }
        Dist::gamma(mean, 1.0 / f64::from(k).sqrt())
    }
}

fn positive(v: f64, what: &str) -> Result<(), String> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(format!("{what} must be positive, found {v}"))
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
            (Dist::Exponential { mean: 240.0 }, 1.0),
            (
                Dist::Uniform {
                    low: 100.0,
                    high: 300.0,
                },
                0.2887,
            ),
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
        let e = Dist::Empirical {
            values: vec![10.0, 20.0],
            cumulative: vec![1.0, 4.0],
        };
        assert!((e.mean() - 17.5).abs() < 1e-12);
        let m: f64 = (0..n).map(|_| e.sample(&mut rng)).sum::<f64>() / n as f64;
        assert!((m - 17.5).abs() < 0.1);
    }
}
