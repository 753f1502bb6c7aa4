//! Wait-time quantiles in fixed memory: a replication records every
//! answered contact's wait without keeping the waits.

/// Fixed-memory histogram of waits: exact zeros (answered at once) counted
/// apart, then 0.1 s buckets up to 30 s, then buckets growing by 1% (relative
/// error below 0.5%) up to about 11 days.
#[derive(Debug, Clone)]
pub struct Histogram {
    zeros: u64,
    counts: Vec<u32>,
    total: u64,
}

const LINEAR_STEP: f64 = 0.1;
const LINEAR_END: f64 = 30.0;
const LINEAR_BUCKETS: usize = 300;
const LOG_BUCKETS: usize = 1000;

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            zeros: 0,
            counts: vec![0; LINEAR_BUCKETS + LOG_BUCKETS],
            total: 0,
        }
    }
}

impl Histogram {
    #[inline]
    fn bucket(v: f64) -> usize {
        if v < LINEAR_END {
            ((v.max(0.0) / LINEAR_STEP) as usize).min(LINEAR_BUCKETS - 1)
        } else {
            let i = ((v / LINEAR_END).ln() / 1.01f64.ln()) as usize;
            LINEAR_BUCKETS + i.min(LOG_BUCKETS - 1)
        }
    }

    fn bounds(i: usize) -> (f64, f64) {
        if i < LINEAR_BUCKETS {
            (i as f64 * LINEAR_STEP, (i + 1) as f64 * LINEAR_STEP)
        } else {
            let k = (i - LINEAR_BUCKETS) as i32;
            (
                LINEAR_END * 1.01f64.powi(k),
                LINEAR_END * 1.01f64.powi(k + 1),
            )
        }
    }

    /// Records one value.
    #[inline]
    pub fn record(&mut self, v: f64) {
        if v <= 0.0 {
            self.zeros += 1;
        } else {
            self.counts[Self::bucket(v)] += 1;
        }
        self.total += 1;
    }

    /// Adds another histogram's counts.
    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.zeros += other.zeros;
        self.total += other.total;
    }

    /// The q-quantile (0..1), interpolated linearly inside its bucket; NaN if empty.
    pub fn quantile(&self, q: f64) -> f64 {
        if self.total == 0 {
            return f64::NAN;
        }
        let target = q * self.total as f64;
        if target <= self.zeros as f64 {
            return 0.0;
        }
        let mut acc = self.zeros as f64;
        for (i, &c) in self.counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let next = acc + f64::from(c);
            if next >= target {
                let (lo, hi) = Self::bounds(i);
                let frac = ((target - acc) / f64::from(c)).clamp(0.0, 1.0);
                return lo + (hi - lo) * frac;
            }
            acc = next;
        }
        Self::bounds(self.counts.len() - 1).1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_close() {
        let mut h = Histogram::default();
        for i in 0..10_000 {
            h.record(f64::from(i) * 0.01); // uniform on [0, 100)
        }
        assert!((h.quantile(0.5) - 50.0).abs() < 0.5, "{}", h.quantile(0.5));
        assert!((h.quantile(0.9) - 90.0).abs() < 0.9, "{}", h.quantile(0.9));
        assert!((h.quantile(0.1) - 10.0).abs() < 0.11, "{}", h.quantile(0.1));
        assert!(Histogram::default().quantile(0.9).is_nan());
        let mut z = Histogram::default();
        for i in 0..100 {
            z.record(if i < 95 { 0.0 } else { 40.0 });
        }
        assert_eq!(z.quantile(0.9), 0.0);
        assert!((z.quantile(0.99) - 40.0).abs() < 0.5);
    }

    #[test]
    fn histogram_buckets_are_monotone() {
        let mut last = 0;
        for i in 0..100_000 {
            let b = Histogram::bucket(f64::from(i) * 0.37);
            assert!(b >= last);
            last = b;
        }
    }
}
