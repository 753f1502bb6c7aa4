//! Patience from observed waits (issue 15, part 2: calibration).
//!
//! A customer's patience is seen only when they hang up first: for an
//! answered customer we learn only that their patience was *longer* than
//! their wait (a right-censored observation). Averaging the waits of those
//! who abandoned therefore estimates E[patience | patience < wait], which is
//! short whenever service is quick (the impatient ones are the only ones
//! seen). The Kaplan–Meier estimator uses both kinds of observation: at
//! each abandonment time it divides the number who hung up by the number
//! still waiting then, answered customers leaving the risk set when they
//! are answered. An exponential patience is then fitted to the same data by
//! censored maximum likelihood (abandonments ÷ total time waited), and the
//! distance between the two curves says how well it fits.

/// One customer's wait, from entering the queue to being answered or hanging up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wait {
    /// How long they waited (seconds, ≥ 0).
    pub seconds: f64,
    /// True when the wait ended by hanging up (patience observed); false
    /// when it ended by being answered, or is still open (censored).
    pub abandoned: bool,
}

/// One step of the Kaplan–Meier curve, at a time some customers hung up.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// The time (seconds of waiting).
    pub t: f64,
    /// Customers still waiting just before `t` (the risk set).
    pub at_risk: usize,
    /// Customers who hung up at `t`.
    pub abandoned: usize,
    /// Estimated P(patience > t).
    pub survival: f64,
    /// Its standard error (Greenwood's formula).
    pub se: f64,
}

/// The Kaplan–Meier estimate of the patience survival function.
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    /// One step per distinct abandonment time, in time order.
    pub steps: Vec<Step>,
    /// Observations used.
    pub n: usize,
    /// Of which abandoned (the rest are censored).
    pub abandoned: usize,
    /// The longest wait observed: beyond it the curve says nothing.
    pub last_t: f64,
}

/// Waits that cannot be used: negative, not finite.
fn usable(waits: &[Wait]) -> Vec<Wait> {
    waits
        .iter()
        .copied()
        .filter(|w| w.seconds.is_finite() && w.seconds >= 0.0)
        .collect()
}

impl KaplanMeier {
    /// Fits the curve; `None` without any usable wait. At a time where some
    /// hang up and others are answered, the abandonments count first (the
    /// usual convention: an answered customer was still at risk then).
    pub fn fit(waits: &[Wait]) -> Option<KaplanMeier> {
        let mut w = usable(waits);
        if w.is_empty() {
            return None;
        }
        w.sort_by(|a, b| {
            a.seconds
                .total_cmp(&b.seconds)
                .then(b.abandoned.cmp(&a.abandoned))
        });
        let n = w.len();
        let mut at_risk = n;
        let mut survival = 1.0;
        let mut greenwood = 0.0;
        let mut steps = Vec::new();
        let mut i = 0;
        while i < n {
            let t = w[i].seconds;
            let same = w[i..].iter().take_while(|x| x.seconds == t).count();
            let d = w[i..i + same].iter().filter(|x| x.abandoned).count();
            if d > 0 {
                survival *= 1.0 - d as f64 / at_risk as f64;
                if at_risk > d {
                    greenwood += d as f64 / (at_risk as f64 * (at_risk - d) as f64);
                }
                steps.push(Step {
                    t,
                    at_risk,
                    abandoned: d,
                    survival,
                    se: survival * greenwood.sqrt(),
                });
            }
            at_risk -= same;
            i += same;
        }
        Some(KaplanMeier {
            abandoned: w.iter().filter(|x| x.abandoned).count(),
            n,
            last_t: w[n - 1].seconds,
            steps,
        })
    }

    /// Estimated P(patience > t).
    pub fn survival(&self, t: f64) -> f64 {
        self.steps
            .iter()
            .take_while(|s| s.t <= t)
            .last()
            .map_or(1.0, |s| s.survival)
    }

    /// The smallest time by which a share `p` of customers would have hung
    /// up; `None` when the curve never falls that far (too few abandonments
    /// observed to say).
    pub fn quantile(&self, p: f64) -> Option<f64> {
        self.steps
            .iter()
            .find(|s| s.survival <= 1.0 - p + 1e-12)
            .map(|s| s.t)
    }
}

/// An exponential patience fitted by censored maximum likelihood.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExponentialFit {
    /// Mean patience (seconds): total time waited ÷ abandonments.
    pub mean: f64,
    /// Approximate 95% confidence interval of the mean: the log of the
    /// rate estimate is near normal with standard error 1/√abandonments.
    pub ci95: (f64, f64),
    /// Abandonments (observed patiences).
    pub abandoned: usize,
    /// Waits used, abandoned and censored.
    pub n: usize,
    /// Largest gap between the fitted survival exp(−t/mean) and the
    /// Kaplan–Meier curve, at the curve's steps where at least
    /// [`MIN_AT_RISK`] customers were still waiting (further out the curve
    /// rests on a handful of customers and its noise would dominate). A
    /// Kolmogorov-type distance: a few hundredths is a good fit.
    pub distance: f64,
}

/// Risk set below which a Kaplan–Meier step is too noisy to judge a fit by.
pub const MIN_AT_RISK: usize = 30;

/// Fits an exponential patience; `None` without any abandonment (nobody's
/// patience was seen: it is then only known to exceed the waits).
pub fn exponential(waits: &[Wait]) -> Option<ExponentialFit> {
    let w = usable(waits);
    let d = w.iter().filter(|x| x.abandoned).count();
    let exposure: f64 = w.iter().map(|x| x.seconds).sum();
    if d == 0 || exposure <= 0.0 {
        return None;
    }
    let mean = exposure / d as f64;
    let spread = (1.96 / (d as f64).sqrt()).exp();
    let km = KaplanMeier::fit(&w)?;
    // The curve jumps at each step: compare the fit with both sides.
    let mut before = 1.0;
    let mut distance: f64 = 0.0;
    for s in km.steps.iter().take_while(|s| s.at_risk >= MIN_AT_RISK) {
        let fitted = (-s.t / mean).exp();
        distance = distance
            .max((fitted - s.survival).abs())
            .max((fitted - before).abs());
        before = s.survival;
    }
    Some(ExponentialFit {
        mean,
        ci95: (mean / spread, mean * spread),
        abandoned: d,
        n: w.len(),
        distance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn wait(seconds: f64, abandoned: bool) -> Wait {
        Wait { seconds, abandoned }
    }

    #[test]
    fn a_small_curve_worked_by_hand() {
        // 5 waits: hung up at 1; answered at 2; two hung up at 3; answered at 4.
        let km = KaplanMeier::fit(&[
            wait(3.0, true),
            wait(1.0, true),
            wait(4.0, false),
            wait(2.0, false),
            wait(3.0, true),
        ])
        .unwrap();
        assert_eq!((km.n, km.abandoned, km.last_t), (5, 3, 4.0));
        assert_eq!(km.steps.len(), 2);
        // t = 1: 5 at risk, 1 hangs up: S = 4/5.
        assert_eq!((km.steps[0].at_risk, km.steps[0].abandoned), (5, 1));
        assert!((km.steps[0].survival - 0.8).abs() < 1e-12);
        // t = 3: the one answered at 2 has left; 3 at risk, 2 hang up: S = 0.8 × 1/3.
        assert_eq!((km.steps[1].at_risk, km.steps[1].abandoned), (3, 2));
        assert!((km.steps[1].survival - 0.8 / 3.0).abs() < 1e-12);
        // Greenwood: S² × (1/(5·4) + 2/(3·1)).
        let var = (0.8f64 / 3.0).powi(2) * (1.0 / 20.0 + 2.0 / 3.0);
        assert!((km.steps[1].se - var.sqrt()).abs() < 1e-12);
        assert_eq!(km.survival(0.5), 1.0);
        assert!((km.survival(2.9) - 0.8).abs() < 1e-12);
        assert_eq!(km.quantile(0.5), Some(3.0));
        assert_eq!(km.quantile(0.9), None);
        // A hang-up and an answer at the same instant: the hang-up counts first.
        let tie = KaplanMeier::fit(&[wait(2.0, false), wait(2.0, true)]).unwrap();
        assert_eq!((tie.steps[0].at_risk, tie.steps[0].survival), (2, 0.5));
    }

    #[test]
    fn nothing_to_fit() {
        assert_eq!(KaplanMeier::fit(&[]), None);
        assert_eq!(
            KaplanMeier::fit(&[wait(f64::NAN, true), wait(-1.0, true)]),
            None
        );
        // All answered: no patience seen, the curve stays at 1.
        let km = KaplanMeier::fit(&[wait(5.0, false)]).unwrap();
        assert!(km.steps.is_empty());
        assert_eq!(exponential(&[wait(5.0, false)]), None);
    }

    /// Acceptance (issue 15): customers with exponential patience of mean
    /// 120 s, served after an exponential wait of mean 60 s; each hangs up
    /// if their patience runs out first. Averaging the waits of those who
    /// hung up gives E[min] = 1/(1/120 + 1/60) = 40 s, a third of the truth;
    /// Kaplan–Meier and the censored fit recover 120 s.
    #[test]
    fn censoring_recovers_a_known_exponential_patience() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(15);
        let patience = Exp::new(1.0 / 120.0).unwrap();
        let service = Exp::new(1.0 / 60.0).unwrap();
        let waits: Vec<Wait> = (0..20_000)
            .map(|_| {
                let p: f64 = patience.sample(&mut rng);
                let s: f64 = service.sample(&mut rng);
                wait(p.min(s), p < s)
            })
            .collect();
        let abandoned: Vec<f64> = waits
            .iter()
            .filter(|w| w.abandoned)
            .map(|w| w.seconds)
            .collect();
        let naive = abandoned.iter().sum::<f64>() / abandoned.len() as f64;
        // About a third abandon (rate 1/120 of 1/120 + 1/60).
        assert!((abandoned.len() as f64 / 20_000.0 - 1.0 / 3.0).abs() < 0.02);
        assert!((naive - 40.0).abs() < 2.0, "naive mean {naive}");

        let fit = exponential(&waits).unwrap();
        assert!((fit.mean - 120.0).abs() < 6.0, "fitted mean {}", fit.mean);
        assert!(fit.ci95.0 < 120.0 && 120.0 < fit.ci95.1, "{:?}", fit.ci95);
        assert!(fit.distance < 0.03, "distance {}", fit.distance);
        // The naive mean is far outside the fit's interval.
        assert!(naive < fit.ci95.0 / 2.0);

        let km = KaplanMeier::fit(&waits).unwrap();
        let median = km.quantile(0.5).unwrap();
        let true_median = 120.0 * std::f64::consts::LN_2;
        assert!(
            (median - true_median).abs() < 0.05 * true_median,
            "median {median}"
        );
        for t in [30.0, 60.0, 120.0, 200.0] {
            let s = km.survival(t);
            assert!((s - (-t / 120.0f64).exp()).abs() < 0.02, "S({t}) = {s}");
        }
    }

    /// A patience that is not exponential: the fit's distance says so.
    #[test]
    fn a_poor_exponential_fit_shows_in_the_distance() {
        // Everyone hangs up at exactly 100 s unless answered first (at 50 s for half of them).
        let waits: Vec<Wait> = (0..1000)
            .map(|i| {
                if i % 2 == 0 {
                    wait(50.0, false)
                } else {
                    wait(100.0, true)
                }
            })
            .collect();
        let fit = exponential(&waits).unwrap();
        assert!((fit.mean - 150.0).abs() < 1e-9);
        assert!(fit.distance > 0.4, "distance {}", fit.distance);
        let km = KaplanMeier::fit(&waits).unwrap();
        assert_eq!(km.quantile(0.5), Some(100.0));
    }
}
