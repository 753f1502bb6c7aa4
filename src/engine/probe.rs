//! The number of contacts in the system as arrivals find it, per interval
//! from time 0: what simulation-based iterative staffing reads (an arrival
//! of a Poisson stream sees the time-average, PASTA). Off unless asked for,
//! so ordinary runs pay one untaken branch per arrival.

/// Per interval from time 0: how many arrivals found each number of
/// contacts in the system (waiting or being served).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SystemSizes {
    /// Interval width, seconds.
    pub interval_s: f64,
    /// Per interval: `counts[i][n]` arrivals found `n` contacts.
    pub counts: Vec<Vec<u64>>,
}

impl SystemSizes {
    /// Empty histograms for `intervals` intervals of `interval_s` seconds.
    pub fn new(interval_s: f64, intervals: usize) -> SystemSizes {
        SystemSizes {
            interval_s,
            counts: vec![Vec::new(); intervals],
        }
    }

    /// An arrival at `t` found `n` contacts (later intervals fold into the last).
    #[inline]
    pub fn record(&mut self, t: f64, n: u32) {
        let last = self.counts.len().saturating_sub(1);
        let i = ((t / self.interval_s) as usize).min(last);
        if let Some(h) = self.counts.get_mut(i) {
            let n = n as usize;
            if h.len() <= n {
                h.resize(n + 1, 0);
            }
            h[n] += 1;
        }
    }

    /// Adds another replication's counts.
    pub fn add(&mut self, other: &SystemSizes) {
        for (h, o) in self.counts.iter_mut().zip(&other.counts) {
            if h.len() < o.len() {
                h.resize(o.len(), 0);
            }
            for (a, b) in h.iter_mut().zip(o) {
                *a += b;
            }
        }
    }
}
