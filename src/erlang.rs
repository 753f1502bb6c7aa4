//! Closed forms for the single-queue models the simulator must agree with.
//!
//! - **Erlang C** (M/M/n, patient customers).
//! - **Erlang A** (M/M/n+M: exponential patience, abandonment while waiting),
//!   computed exactly from the stationary distribution of its birth–death
//!   chain, truncated where probabilities fall below 1e-16.
//!
//! Definitions (T = the service-level threshold):
//! - `p_wait`: probability an arriving customer finds every agent busy (PASTA).
//! - `service_level`: for Erlang C, P(wait ≤ T) (every customer is answered);
//!   for Erlang A, P(answered with wait ≤ T) ÷ offered, i.e. the simulator's
//!   `service_level` A_T ÷ (A + B) with no short abandons.
//! - `service_level_answered`: P(wait ≤ T | answered).
//! - `asa_s`: mean wait of answered customers.
//! - `abandon_rate`: abandoned ÷ offered (= ÷ (answered + abandoned)).
//! - `occupancy`: mean busy agents ÷ n = answered load ÷ n.

/// Inputs: arrival rate, mean handle time, agents, optional mean patience.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// Arrival rate, per second (Poisson).
    pub rate_per_s: f64,
    /// Mean handle time, seconds (exponential).
    pub aht_s: f64,
    /// Agents, each serving one customer at a time.
    pub agents: u32,
    /// `None` for Erlang C (customers never abandon).
    pub patience_s: Option<f64>,
}

/// Performance measures of a [`Model`] for one threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measures {
    /// Probability that an arriving customer waits.
    pub p_wait: f64,
    /// Answered within the threshold ÷ offered.
    pub service_level: f64,
    /// Answered within the threshold ÷ answered.
    pub service_level_answered: f64,
    /// Mean wait of answered customers, seconds.
    pub asa_s: f64,
    /// Abandoned ÷ offered (0 for Erlang C).
    pub abandon_rate: f64,
    /// Mean busy agents ÷ agents.
    pub occupancy: f64,
}

/// Why a model has no steady state.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErlangError {
    /// Erlang C with load ≥ agents has no steady state.
    #[error(
        "offered load {load:.3} erlangs needs more than {agents} agents without abandonment (the queue grows without bound)"
    )]
    Unstable {
        /// Offered load, erlangs.
        load: f64,
        /// Agents given.
        agents: u32,
    },
    #[error("rate, handle time, agents and patience must be positive")]
    /// A non-positive or non-finite input.
    BadInput,
}

/// Erlang B blocking probability by the stable recurrence.
pub fn erlang_b(load: f64, agents: u32) -> f64 {
    let mut b = 1.0;
    for k in 1..=agents {
        b = load * b / (f64::from(k) + load * b);
    }
    b
}

/// Erlang C probability of waiting.
///
/// # Errors
/// [`ErlangError::Unstable`] when load ≥ agents.
pub fn erlang_c(load: f64, agents: u32) -> Result<f64, ErlangError> {
    let n = f64::from(agents);
    if load >= n {
        return Err(ErlangError::Unstable { load, agents });
    }
    let b = erlang_b(load, agents);
    Ok(n * b / (n - load * (1.0 - b)))
}

impl Model {
    /// Offered load in erlangs.
    pub fn load(&self) -> f64 {
        self.rate_per_s * self.aht_s
    }

    /// Measures for service-level threshold `threshold_s`.
    ///
    /// # Errors
    /// Non-positive inputs, or an unstable Erlang C model.
    pub fn measures(&self, threshold_s: f64) -> Result<Measures, ErlangError> {
        if !(self.rate_per_s > 0.0 && self.aht_s > 0.0 && self.agents > 0 && threshold_s >= 0.0) {
            return Err(ErlangError::BadInput);
        }
        match self.patience_s {
            None => self.erlang_c_measures(threshold_s),
            Some(p) if p > 0.0 && p.is_finite() => Ok(self.erlang_a_measures(threshold_s, 1.0 / p)),
            Some(_) => Err(ErlangError::BadInput),
        }
    }

    fn erlang_c_measures(&self, t: f64) -> Result<Measures, ErlangError> {
        let a = self.load();
        let n = f64::from(self.agents);
        let c = erlang_c(a, self.agents)?;
        let sl = 1.0 - c * (-(n - a) * t / self.aht_s).exp();
        Ok(Measures {
            p_wait: c,
            service_level: sl,
            service_level_answered: sl,
            asa_s: c * self.aht_s / (n - a),
            abandon_rate: 0.0,
            occupancy: a / n,
        })
    }

    /// Erlang A from the birth–death chain with birth rate λ and death rate
    /// min(k, n)·μ + max(k − n, 0)·θ.
    ///
    /// A customer arriving to state k ≥ n has m = k − n customers ahead. Ignoring
    /// its own patience, the time S until it reaches an agent is a sum of
    /// independent exponentials with rates r_i = nμ + iθ, i = 0..m (the queue ahead
    /// shrinks by services and abandonments). It is answered iff S < its patience
    /// τ ~ Exp(θ), so P(answered) = E[e^{−θS}] = Π r_i/(r_i + θ) and
    /// E[S·1{answered}] = P(answered)·Σ 1/(r_i + θ). P(answered within T) is
    /// E[1{S ≤ T} e^{−θS}], computed by uniformisation of the same pure-death
    /// chain with killing rate θ.
    fn erlang_a_measures(&self, t: f64, theta: f64) -> Measures {
        let n = self.agents as usize;
        let lambda = self.rate_per_s;
        let mu = 1.0 / self.aht_s;
        // Unnormalised stationary probabilities, in log space for large n.
        let mut log_p = vec![0.0f64];
        let mut k = 0usize;
        loop {
            let death = (k + 1).min(n) as f64 * mu + (k + 1).saturating_sub(n) as f64 * theta;
            let next = log_p[k] + (lambda / death).ln();
            log_p.push(next);
            k += 1;
            let max = log_p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if k > n && next - max < -40.0 {
                break;
            }
        }
        let max = log_p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let p: Vec<f64> = log_p.iter().map(|l| (l - max).exp()).collect();
        let total: f64 = p.iter().sum();
        let p: Vec<f64> = p.iter().map(|x| x / total).collect();
        let kmax = p.len() - 1;

        let p_wait: f64 = p[n..].iter().sum();
        let busy: f64 = p
            .iter()
            .enumerate()
            .map(|(k, pk)| k.min(n) as f64 * pk)
            .sum();
        let queue_len: f64 = p
            .iter()
            .enumerate()
            .map(|(k, pk)| k.saturating_sub(n) as f64 * pk)
            .sum();
        let p_abandon = theta * queue_len / lambda;

        // P(answered | arrive to k) and E[wait·1{answered} | k].
        let mut served = 0.0;
        let mut wait_served = 0.0;
        let mut prod = 1.0;
        let mut inv_sum = 0.0;
        for (m, pk) in p[n..].iter().enumerate() {
            let r = n as f64 * mu + m as f64 * theta;
            prod *= r / (r + theta);
            inv_sum += 1.0 / (r + theta);
            served += pk * prod;
            wait_served += pk * prod * inv_sum;
        }
        let p_no_wait: f64 = p[..n].iter().sum();
        let answered = p_no_wait + served;

        // Uniformisation: u_m = P(reach an agent by T without abandoning | m ahead).
        let m_max = kmax - n;
        let big = n as f64 * mu + (m_max as f64 + 1.0) * theta;
        let lt = big * t;
        let mut v = vec![0.0f64; m_max + 2]; // index 0 = answered (absorbing), m+1 = m ahead
        v[0] = 1.0;
        let mut acc = vec![0.0f64; m_max + 2];
        let mut pois = (-lt).exp();
        let terms = (lt + 12.0 * lt.sqrt() + 30.0) as usize;
        let mut next = vec![0.0f64; m_max + 2];
        // Poisson weights can underflow for large λT; work in log space then.
        let mut log_pois = -lt;
        for j in 0..=terms {
            let w = if pois > 0.0 { pois } else { log_pois.exp() };
            for i in 0..v.len() {
                acc[i] += w * v[i];
            }
            // One step of the uniformised chain: v' = P v (backward equation).
            next[0] = 1.0;
            for i in 1..v.len() {
                let m = (i - 1) as f64;
                let forward = if i == 1 {
                    n as f64 * mu
                } else {
                    n as f64 * mu + m * theta
                };
                let stay = big - forward - theta;
                next[i] = (forward * v[i - 1] + stay * v[i]) / big; // killed w.p. θ/Λ
            }
            std::mem::swap(&mut v, &mut next);
            log_pois += lt.ln() - ((j + 1) as f64).ln();
            pois *= lt / (j + 1) as f64;
        }
        let within: f64 = p_no_wait
            + p[n..]
                .iter()
                .enumerate()
                .map(|(m, pk)| pk * acc[m + 1])
                .sum::<f64>();
        Measures {
            p_wait,
            service_level: within,
            service_level_answered: within / answered,
            asa_s: wait_served / answered,
            abandon_rate: p_abandon,
            occupancy: busy / n as f64,
        }
    }

    /// The fewest agents whose service level reaches `target` (at most 100 000).
    pub fn min_agents(&self, threshold_s: f64, target: f64) -> Option<u32> {
        let start = if self.patience_s.is_none() {
            self.load().floor() as u32 + 1
        } else {
            1
        };
        (start.max(1)..=100_000).find(|&n| {
            Model { agents: n, ..*self }
                .measures(threshold_s)
                .is_ok_and(|m| m.service_level >= target)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUBLISHED: Model = Model {
        rate_per_s: 100.0 / 1800.0,
        aht_s: 180.0,
        agents: 14,
        patience_s: None,
    };

    /// Published figures agree to 1e-6; ASA is published with four decimals,
    /// so it is held to the rounding of that figure (5e-5).
    #[test]
    fn erlang_c_published_figures() {
        let m = PUBLISHED.measures(20.0).unwrap();
        assert!((m.p_wait - 0.1741319).abs() < 1e-6, "{}", m.p_wait);
        assert!(
            (m.service_level - 0.88835).abs() < 1e-6,
            "{}",
            m.service_level
        );
        assert!((m.asa_s - 7.8359).abs() < 5e-5, "{}", m.asa_s);
        assert!((m.occupancy - 0.7142857).abs() < 1e-6);
    }

    #[test]
    fn erlang_a_published_figures() {
        let m = Model {
            patience_s: Some(300.0),
            ..PUBLISHED
        }
        .measures(20.0)
        .unwrap();
        assert!((m.p_wait - 0.14526).abs() < 1e-6, "{}", m.p_wait);
        assert!(
            (m.abandon_rate - 0.013984).abs() < 1e-6,
            "{}",
            m.abandon_rate
        );
        assert!(
            (m.service_level - 0.916792).abs() < 1e-6,
            "{}",
            m.service_level
        );
        assert!((m.occupancy - 0.704297).abs() < 1e-6, "{}", m.occupancy);
    }

    /// With very long patience Erlang A tends to Erlang C.
    #[test]
    fn erlang_a_tends_to_erlang_c() {
        let c = PUBLISHED.measures(20.0).unwrap();
        let a = Model {
            patience_s: Some(1e9),
            ..PUBLISHED
        }
        .measures(20.0)
        .unwrap();
        assert!((a.p_wait - c.p_wait).abs() < 1e-5);
        assert!((a.service_level - c.service_level).abs() < 1e-5);
        assert!((a.asa_s - c.asa_s).abs() < 1e-3);
    }

    #[test]
    fn unstable_and_staffing() {
        assert!(matches!(
            Model {
                agents: 10,
                ..PUBLISHED
            }
            .measures(20.0),
            Err(ErlangError::Unstable { .. })
        ));
        // Erlang A has a steady state even when overloaded.
        assert!(
            Model {
                agents: 8,
                patience_s: Some(60.0),
                ..PUBLISHED
            }
            .measures(20.0)
            .is_ok()
        );
        // 14 agents give 0.888 (published); the minimum is the n whose
        // service level reaches the target while n − 1 does not.
        let n = PUBLISHED.min_agents(20.0, 0.8).unwrap();
        assert_eq!(n, 14);
        assert!(
            Model {
                agents: n - 1,
                ..PUBLISHED
            }
            .measures(20.0)
            .unwrap()
            .service_level
                < 0.8
        );
        let a = Model {
            patience_s: Some(300.0),
            ..PUBLISHED
        };
        let na = a.min_agents(20.0, 0.9).unwrap();
        assert!(
            Model { agents: na, ..a }
                .measures(20.0)
                .unwrap()
                .service_level
                >= 0.9
        );
        assert!(
            Model {
                agents: na - 1,
                ..a
            }
            .measures(20.0)
            .unwrap()
            .service_level
                < 0.9
        );
    }
}
