//! Confidence intervals across replications (Student t).

/// A KPI summarised across replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// Mean over the replications where the KPI is defined; `None` if none is.
    pub mean: Option<f64>,
    /// Half-width of the 95% confidence interval; `None` with fewer than two values.
    pub ci95: Option<f64>,
    /// Sample standard deviation across replications.
    pub sd: Option<f64>,
    /// Replications in which the KPI was defined.
    pub n: usize,
}

impl Estimate {
    /// Summarises per-replication values, ignoring NaN (undefined) ones.
    pub fn from_values(values: impl IntoIterator<Item = f64>) -> Estimate {
        let (mut n, mut sum) = (0usize, 0.0);
        let vals: Vec<f64> = values.into_iter().filter(|v| !v.is_nan()).collect();
        for v in &vals {
            n += 1;
            sum += v;
        }
        if n == 0 {
            return Estimate {
                mean: None,
                ci95: None,
                sd: None,
                n,
            };
        }
        let mean = sum / n as f64;
        if n < 2 {
            return Estimate {
                mean: Some(mean),
                ci95: None,
                sd: None,
                n,
            };
        }
        let var = vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        Estimate {
            mean: Some(mean),
            ci95: Some(t975(n - 1) * sd / (n as f64).sqrt()),
            sd: Some(sd),
            n,
        }
    }

    /// Half-width of a two-sided confidence interval at `level` (e.g. 0.999).
    pub fn half_width(&self, level: f64) -> Option<f64> {
        let sd = self.sd?;
        Some(t_quantile(0.5 + level / 2.0, (self.n - 1) as f64) * sd / (self.n as f64).sqrt())
    }
}

/// The 97.5% Student-t quantile for `df` degrees of freedom, computed once
/// per df and thread: a summary asks for it for every estimate of every
/// segment and interval, always with the same df, and the bisection behind
/// [`t_quantile`] would otherwise dominate summarising a run. The cached
/// value is the one `t_quantile` returns, bit for bit.
fn t975(df: usize) -> f64 {
    /// Beyond this df the table would only grow; compute directly.
    const CACHED: usize = 4096;
    if df >= CACHED {
        return t_quantile(0.975, df as f64);
    }
    thread_local! {
        static TABLE: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    TABLE.with(|table| {
        let mut table = table.borrow_mut();
        if table.len() <= df {
            table.resize(df + 1, f64::NAN);
        }
        if table[df].is_nan() {
            table[df] = t_quantile(0.975, df as f64);
        }
        table[df]
    })
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error below 1e-15).
pub fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// Regularised incomplete beta I_x(a, b) by Lentz's continued fraction.
fn inc_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    if x > (a + 1.0) / (a + b + 2.0) {
        return 1.0 - inc_beta(1.0 - x, b, a);
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp() / a;
    let tiny = 1e-300;
    let (mut c, mut d) = (1.0, 1.0 - (a + b) * x / (a + 1.0));
    d = if d.abs() < tiny { tiny } else { d };
    d = 1.0 / d;
    let mut f = d;
    for m in 1..300 {
        let m = f64::from(m);
        for num in [
            m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0)),
        ] {
            d = 1.0 + num * d;
            d = if d.abs() < tiny { tiny } else { d };
            c = 1.0 + num / c;
            c = if c.abs() < tiny { tiny } else { c };
            d = 1.0 / d;
            f *= c * d;
        }
        if (c * d - 1.0).abs() < 1e-15 {
            break;
        }
    }
    front * f
}

/// CDF of Student's t with `df` degrees of freedom.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * inc_beta(df / (df + t * t), df / 2.0, 0.5);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// The p-quantile (p in (0.5, 1)) of Student's t, by bisection on the CDF.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1e6);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_quantile_is_the_computed_one() {
        for df in [1, 2, 19, 4095, 4096, 10_000] {
            assert_eq!(t975(df).to_bits(), t_quantile(0.975, df as f64).to_bits());
            assert_eq!(t975(df).to_bits(), t_quantile(0.975, df as f64).to_bits());
        }
    }

    #[test]
    fn t_quantiles_match_tables() {
        assert!((t_quantile(0.975, 1.0) - 12.7062).abs() < 1e-3);
        assert!((t_quantile(0.975, 9.0) - 2.262_157).abs() < 1e-5);
        assert!((t_quantile(0.975, 19.0) - 2.093_024).abs() < 1e-5);
        assert!((t_quantile(0.9995, 29.0) - 3.659_4).abs() < 1e-3);
        assert!((t_quantile(0.975, 1e6) - 1.959_96).abs() < 1e-4);
    }

    #[test]
    fn estimate_ignores_undefined_values() {
        let e = Estimate::from_values([1.0, f64::NAN, 3.0]);
        assert_eq!(e.n, 2);
        assert_eq!(e.mean, Some(2.0));
        let hw = 12.7062 * 2f64.sqrt() / 2f64.sqrt();
        assert!((e.ci95.unwrap() - hw).abs() < 1e-3);
        assert_eq!(Estimate::from_values([f64::NAN]).mean, None);
        assert_eq!(Estimate::from_values([4.0]).ci95, None);
    }
}
