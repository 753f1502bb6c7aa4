//! Handle and wrap-up times (issue 15, part 2: calibration): the observed
//! durations fitted by maximum likelihood as an exponential, a lognormal and
//! a gamma distribution, compared by AIC (2 × parameters − 2 × log-likelihood),
//! so that the extra parameter of the lognormal and the gamma has to earn
//! its place. The comparison is kept whole, to be shown beside the choice.

/// A family of distributions the scenario format can write (docs/scenario.md,
/// "Distributions").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// One parameter, cv = 1.
    Exponential,
    /// ln x normal.
    Lognormal,
    /// Shape k, cv = 1/√k.
    Gamma,
}

impl Family {
    /// The scenario's `dist` name.
    pub fn name(self) -> &'static str {
        match self {
            Family::Exponential => "exponential",
            Family::Lognormal => "lognormal",
            Family::Gamma => "gamma",
        }
    }

    fn parameters(self) -> f64 {
        match self {
            Family::Exponential => 1.0,
            Family::Lognormal | Family::Gamma => 2.0,
        }
    }
}

/// One family fitted to the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// The family.
    pub family: Family,
    /// Fitted mean (seconds).
    pub mean: f64,
    /// Fitted coefficient of variation.
    pub cv: f64,
    /// Log-likelihood of the data at the fit.
    pub log_likelihood: f64,
    /// Akaike's criterion: lower is better.
    pub aic: f64,
}

impl Fit {
    /// The fit as a scenario distribution table, e.g.
    /// `{ dist = "lognormal", mean = "245.3s", cv = 0.62 }`.
    pub fn toml(&self) -> String {
        match self.family {
            Family::Exponential => {
                format!("{{ dist = \"exponential\", mean = \"{:.1}s\" }}", self.mean)
            }
            f => format!(
                "{{ dist = \"{}\", mean = \"{:.1}s\", cv = {:.3} }}",
                f.name(),
                self.mean,
                self.cv
            ),
        }
    }
}

/// Every family's fit, best (lowest AIC) first.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The fits, best first. The lognormal and the gamma are left out when
    /// every duration is the same (they would have no spread to fit).
    pub fits: Vec<Fit>,
    /// Durations used (positive and finite).
    pub n: usize,
    /// Durations left out: zero, negative or not finite (a lognormal or a
    /// gamma cannot take a zero).
    pub left_out: usize,
}

impl Comparison {
    /// The chosen fit.
    pub fn best(&self) -> &Fit {
        &self.fits[0]
    }
}

/// Fits and compares the families; `None` with fewer than two usable durations.
pub fn compare(durations: &[f64]) -> Option<Comparison> {
    let x: Vec<f64> = durations
        .iter()
        .copied()
        .filter(|d| d.is_finite() && *d > 0.0)
        .collect();
    let n = x.len();
    if n < 2 {
        return None;
    }
    let nf = n as f64;
    let mean = x.iter().sum::<f64>() / nf;
    let sum_ln: f64 = x.iter().map(|v| v.ln()).sum();
    let mean_ln = sum_ln / nf;
    let aic = |family: Family, ll: f64| 2.0 * family.parameters() - 2.0 * ll;
    let mut fits = Vec::new();
    let ll = -nf * mean.ln() - nf;
    fits.push(Fit {
        family: Family::Exponential,
        mean,
        cv: 1.0,
        log_likelihood: ll,
        aic: aic(Family::Exponential, ll),
    });
    let var_ln = x.iter().map(|v| (v.ln() - mean_ln).powi(2)).sum::<f64>() / nf;
    // ln(mean) − mean(ln x) ≥ 0, zero only when every duration is the same.
    let s = mean.ln() - mean_ln;
    if var_ln > 1e-12 && s > 1e-12 {
        let sigma = var_ln.sqrt();
        let ll =
            -sum_ln - nf * sigma.ln() - 0.5 * nf * (2.0 * std::f64::consts::PI).ln() - 0.5 * nf;
        fits.push(Fit {
            family: Family::Lognormal,
            mean: (mean_ln + var_ln / 2.0).exp(),
            cv: (var_ln.exp() - 1.0).sqrt(),
            log_likelihood: ll,
            aic: aic(Family::Lognormal, ll),
        });
        let k = gamma_shape(s);
        let scale = mean / k;
        let ll = (k - 1.0) * sum_ln - nf * k - nf * k * scale.ln() - nf * crate::stats::ln_gamma(k);
        fits.push(Fit {
            family: Family::Gamma,
            mean,
            cv: 1.0 / k.sqrt(),
            log_likelihood: ll,
            aic: aic(Family::Gamma, ll),
        });
    }
    fits.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    Some(Comparison {
        fits,
        n,
        left_out: durations.len() - n,
    })
}

/// The gamma shape k solving ln k − ψ(k) = s (the likelihood equation; the
/// scale is then mean ÷ k): Minka's closed-form start, then Newton steps.
fn gamma_shape(s: f64) -> f64 {
    let mut k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    for _ in 0..50 {
        let f = k.ln() - digamma(k) - s;
        let df = 1.0 / k - trigamma(k);
        let next = k - f / df;
        let next = if next > 0.0 { next } else { k / 2.0 };
        if (next - k).abs() <= 1e-12 * k {
            return next;
        }
        k = next;
    }
    k
}

/// ψ(x), x > 0: shifted up to 10 by ψ(x) = ψ(x + 1) − 1/x, then the
/// asymptotic series (error below 1e-12, far below the fit's).
fn digamma(mut x: f64) -> f64 {
    let mut r = 0.0;
    while x < 10.0 {
        r -= 1.0 / x;
        x += 1.0;
    }
    let x2 = 1.0 / (x * x);
    r + x.ln() - 0.5 / x - x2 * (1.0 / 12.0 - x2 * (1.0 / 120.0 - x2 * (1.0 / 252.0 - x2 / 240.0)))
}

/// ψ′(x), x > 0, the same way.
fn trigamma(mut x: f64) -> f64 {
    let mut r = 0.0;
    while x < 10.0 {
        r += 1.0 / (x * x);
        x += 1.0;
    }
    let x2 = 1.0 / (x * x);
    r + 1.0 / x
        + x2 / 2.0
        + x2 / x * (1.0 / 6.0 - x2 * (1.0 / 30.0 - x2 * (1.0 / 42.0 - x2 / 30.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp, Gamma, LogNormal};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn draw<D: Distribution<f64>>(d: D, seed: u64) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (0..5000).map(|_| d.sample(&mut rng)).collect()
    }

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs()
    }

    #[test]
    fn special_functions() {
        // ψ(1) = −γ, ψ′(1) = π²/6, ψ(0.5) = −γ − 2 ln 2.
        let euler = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + euler).abs() < 1e-11);
        assert!((trigamma(1.0) - std::f64::consts::PI.powi(2) / 6.0).abs() < 1e-11);
        assert!((digamma(0.5) + euler + 2.0 * 2f64.ln()).abs() < 1e-11);
        // The shape equation solved: ln k − ψ(k) = s at the answer.
        for k in [0.3, 1.0, 2.5, 40.0] {
            let s = f64::ln(k) - digamma(k);
            assert!(close(gamma_shape(s), k, 1e-9), "{k}");
        }
    }

    #[test]
    fn a_small_sample_worked_by_hand() {
        let c = compare(&[1.0, 2.0, 3.0, 0.0, f64::NAN]).unwrap();
        assert_eq!((c.n, c.left_out), (3, 2));
        let e = c
            .fits
            .iter()
            .find(|f| f.family == Family::Exponential)
            .unwrap();
        // Mean 2: log-likelihood −3 ln 2 − 3.
        assert!((e.log_likelihood - (-3.0 * 2f64.ln() - 3.0)).abs() < 1e-12);
        assert!((e.aic - (2.0 + 6.0 * 2f64.ln() + 6.0)).abs() < 1e-12);
        assert_eq!(e.toml(), r#"{ dist = "exponential", mean = "2.0s" }"#);
        // All the same: only the exponential can be fitted.
        let same = compare(&[5.0, 5.0, 5.0]).unwrap();
        assert_eq!(same.fits.len(), 1);
        assert_eq!(compare(&[5.0]), None);
    }

    #[test]
    fn each_family_is_recognised_and_recovered() {
        // Lognormal, mean 300 s, cv 0.6.
        let sigma2 = (1.0f64 + 0.36).ln();
        let mu = 300f64.ln() - sigma2 / 2.0;
        let c = compare(&draw(LogNormal::new(mu, sigma2.sqrt()).unwrap(), 1)).unwrap();
        let b = c.best();
        assert_eq!(b.family, Family::Lognormal, "{c:?}");
        assert!(
            close(b.mean, 300.0, 0.03) && close(b.cv, 0.6, 0.05),
            "{b:?}"
        );

        // Gamma, mean 480 s, cv 0.8 (shape 1/0.64).
        let shape = 1.0 / 0.64;
        let c = compare(&draw(Gamma::new(shape, 480.0 / shape).unwrap(), 2)).unwrap();
        let b = c.best();
        assert_eq!(b.family, Family::Gamma, "{c:?}");
        assert!(
            close(b.mean, 480.0, 0.03) && close(b.cv, 0.8, 0.05),
            "{b:?}"
        );
        assert!(
            b.toml().starts_with("{ dist = \"gamma\", mean = \""),
            "{}",
            b.toml()
        );

        // Exponential, mean 200 s: the gamma fits it with k ≈ 1, and the
        // exponential wins on AIC for needing one parameter fewer.
        let c = compare(&draw(Exp::new(1.0 / 200.0).unwrap(), 3)).unwrap();
        assert_eq!(c.best().family, Family::Exponential, "{c:?}");
        assert!(close(c.best().mean, 200.0, 0.03));
        let g = c.fits.iter().find(|f| f.family == Family::Gamma).unwrap();
        assert!(close(g.cv, 1.0, 0.05), "{g:?}");
        // The lognormal is clearly worse there.
        let l = c
            .fits
            .iter()
            .find(|f| f.family == Family::Lognormal)
            .unwrap();
        assert!(l.aic > c.best().aic + 10.0, "{c:?}");
    }
}
