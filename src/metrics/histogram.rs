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
            let edges = log_edges();
            let k = i - LINEAR_BUCKETS;
            (edges[k], edges[k + 1])
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

    /// Adds a sparse histogram's counts.
    pub fn add_sparse(&mut self, other: &SparseHistogram) {
        for (b, c) in other.buckets() {
            self.counts[usize::from(b)] += c;
            self.total += u64::from(c);
        }
        self.zeros += other.zeros;
        self.total += other.zeros;
    }

    /// The q-quantile (0..1), interpolated linearly inside its bucket; NaN if empty.
    pub fn quantile(&self, q: f64) -> f64 {
        let buckets = self.counts.iter().enumerate().map(|(i, &c)| (i, c));
        quantile_of(self.zeros, self.total, buckets, q)
    }

    /// The share of values at most `x`: zeros count below every `x` ≥ 0, and
    /// the bucket holding `x` counts in proportion to where `x` falls in it
    /// (the same linear reading as [`Histogram::quantile`]); NaN if empty.
    pub fn share_within(&self, x: f64) -> f64 {
        self.shares_within(&[x])[0]
    }

    /// [`Histogram::share_within`] of each of `edges` (increasing), in one
    /// walk over the buckets rather than one per edge: a replication's
    /// report reads some 26 edges of several histograms, and walking 1 300
    /// buckets for each cost more than simulating a short day.
    ///
    /// The result is bit for bit that of a walk from the first bucket for
    /// each edge: a bucket wholly below `x` (its upper bound at most `x`)
    /// adds its count times exactly 1, so the running sum of whole buckets,
    /// kept from one edge to the next, is the same sum of the same terms in
    /// the same order.
    pub fn shares_within(&self, edges: &[f64]) -> Vec<f64> {
        debug_assert!(edges.is_sorted(), "edges must be increasing");
        if self.total == 0 {
            return vec![f64::NAN; edges.len()];
        }
        // Zeros, then the counts of buckets 0..next, all wholly below the
        // current edge.
        let mut whole = self.zeros as f64;
        let mut next = 0;
        edges
            .iter()
            .map(|&x| {
                if x < 0.0 {
                    return 0.0;
                }
                while next < self.counts.len() && Self::bounds(next).1 <= x {
                    whole += f64::from(self.counts[next]);
                    next += 1;
                }
                let mut below = whole;
                for (i, &c) in self.counts.iter().enumerate().skip(next) {
                    let (lo, hi) = Self::bounds(i);
                    if lo >= x {
                        break;
                    }
                    below += f64::from(c) * ((x - lo) / (hi - lo)).min(1.0);
                }
                below / self.total as f64
            })
            .collect()
    }
}

/// The bounds of the 1%-wide buckets, `LINEAR_END × 1.01^k`, computed once:
/// `powi` per read made reading shares cost more than the run.
fn log_edges() -> &'static [f64; LOG_BUCKETS + 1] {
    static EDGES: std::sync::OnceLock<[f64; LOG_BUCKETS + 1]> = std::sync::OnceLock::new();
    EDGES.get_or_init(|| std::array::from_fn(|k| LINEAR_END * 1.01f64.powi(k as i32)))
}

/// The q-quantile of values counted as `zeros` exact zeros and `(bucket,
/// count)` pairs in increasing bucket order, `total` in all.
fn quantile_of(zeros: u64, total: u64, buckets: impl Iterator<Item = (usize, u32)>, q: f64) -> f64 {
    if total == 0 {
        return f64::NAN;
    }
    let target = q * total as f64;
    if target <= zeros as f64 {
        return 0.0;
    }
    let mut acc = zeros as f64;
    for (i, c) in buckets {
        if c == 0 {
            continue;
        }
        let next = acc + f64::from(c);
        if next >= target {
            let (lo, hi) = Histogram::bounds(i);
            let frac = ((target - acc) / f64::from(c)).clamp(0.0, 1.0);
            return lo + (hi - lo) * frac;
        }
        acc = next;
    }
    Histogram::bounds(LINEAR_BUCKETS + LOG_BUCKETS - 1).1
}

/// The waits of one (cell, interval): the buckets of [`Histogram`], only
/// those used, in bucket order. An interval of a cell sees few contacts, so
/// this holds a few entries where a [`Histogram`] would hold 1 300 counters.
/// Past `DENSE_AFTER` buckets used (a long interval), it turns into the
/// 1 300 counters, at most 2.6 times the memory, so that a record is an
/// index rather than a search among hundreds of buckets.
#[derive(Debug, Clone, Default)]
pub struct SparseHistogram {
    zeros: u64,
    /// (bucket, count), buckets increasing; empty once `dense`.
    counts: Vec<(u16, u32)>,
    /// Every bucket's count, once more than [`DENSE_AFTER`] are used.
    dense: Option<Vec<u32>>,
}

/// Buckets used beyond which a [`SparseHistogram`] keeps every counter.
const DENSE_AFTER: usize = 256;

impl SparseHistogram {
    /// Records one value.
    #[inline]
    pub fn record(&mut self, v: f64) {
        if v <= 0.0 {
            self.zeros += 1;
            return;
        }
        let b = Histogram::bucket(v);
        if let Some(dense) = &mut self.dense {
            dense[b] += 1;
            return;
        }
        let b = b as u16;
        match self.counts.binary_search_by_key(&b, |&(k, _)| k) {
            Ok(i) => self.counts[i].1 += 1,
            Err(_) if self.counts.len() >= DENSE_AFTER => self.densify(b),
            Err(i) => self.counts.insert(i, (b, 1)),
        }
    }

    /// Moves the counts into one counter per bucket, and records bucket `b`.
    #[cold]
    #[inline(never)]
    fn densify(&mut self, b: u16) {
        let mut dense = vec![0; LINEAR_BUCKETS + LOG_BUCKETS];
        for (k, c) in self.counts.drain(..) {
            dense[usize::from(k)] = c;
        }
        self.counts = Vec::new();
        dense[usize::from(b)] += 1;
        self.dense = Some(dense);
    }

    /// The used buckets as (bucket, count), buckets increasing.
    pub fn buckets(&self) -> impl Iterator<Item = (u16, u32)> + '_ {
        let dense = self.dense.iter().flat_map(|d| {
            d.iter()
                .enumerate()
                .filter(|&(_, &c)| c > 0)
                .map(|(k, &c)| (k as u16, c))
        });
        self.counts.iter().copied().chain(dense)
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.zeros == 0 && self.counts.is_empty() && self.dense.is_none()
    }

    /// The q-quantile of several of them taken together (as one histogram
    /// holding all their values would give it); NaN if all are empty.
    /// `scratch` is reused between calls.
    pub fn quantile_of_all<'a>(
        parts: impl Iterator<Item = &'a SparseHistogram>,
        q: f64,
        scratch: &mut Vec<(u16, u32)>,
    ) -> f64 {
        scratch.clear();
        let mut zeros = 0;
        for p in parts {
            zeros += p.zeros;
            scratch.extend(p.buckets());
        }
        scratch.sort_unstable_by_key(|&(b, _)| b);
        let total = zeros + scratch.iter().map(|&(_, c)| u64::from(c)).sum::<u64>();
        // Equal buckets in a row act as one: the walk adds their counts
        // before it compares, so interpolation sees the bucket's whole count.
        let mut merged = Vec::with_capacity(scratch.len());
        for &(b, c) in scratch.iter() {
            match merged.last_mut() {
                Some((lb, lc)) if *lb == usize::from(b) => *lc += c,
                _ => merged.push((usize::from(b), c)),
            }
        }
        quantile_of(zeros, total, merged.into_iter(), q)
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

    /// Waits split over sparse histograms give the quantiles and shares of
    /// one dense histogram holding them all, bit for bit, whether the parts
    /// list their buckets or turned into counters (many buckets used).
    #[test]
    fn sparse_parts_read_like_one_dense_histogram() {
        for n in [200u32, 2_000] {
            sparse_parts_match(n);
        }
    }

    fn sparse_parts_match(n: u32) {
        let mut dense = Histogram::default();
        let mut parts = vec![SparseHistogram::default(); 3];
        for i in 0..n {
            let v = if i % 7 == 0 {
                0.0
            } else {
                f64::from(i * 37 % 1_009) * 0.173
            };
            dense.record(v);
            parts[(i % 3) as usize].record(v);
        }
        let mut scratch = Vec::new();
        for q in [0.1, 0.5, 0.9, 0.99, 1.0] {
            let sparse = SparseHistogram::quantile_of_all(parts.iter(), q, &mut scratch);
            assert_eq!(sparse.to_bits(), dense.quantile(q).to_bits(), "q = {q}");
        }
        let mut added = Histogram::default();
        parts.iter().for_each(|p| added.add_sparse(p));
        for q in [0.1, 0.5, 0.9, 0.99, 1.0] {
            assert_eq!(added.quantile(q).to_bits(), dense.quantile(q).to_bits());
        }
        let turned = parts.iter().filter(|p| p.dense.is_some()).count();
        assert_eq!(turned > 0, n > 1_000, "n = {n}");
        let none: [SparseHistogram; 0] = [];
        assert!(SparseHistogram::quantile_of_all(none.iter(), 0.9, &mut scratch).is_nan());
    }

    #[test]
    fn shares_within_read_the_histogram_linearly() {
        let mut h = Histogram::default();
        for i in 0..1_000 {
            h.record(f64::from(i) * 0.1); // uniform on [0, 100), one zero
        }
        assert_eq!(h.share_within(-1.0), 0.0);
        assert!((h.share_within(0.0) - 0.001).abs() < 1e-12);
        assert!(
            (h.share_within(20.0) - 0.2).abs() < 0.002,
            "{}",
            h.share_within(20.0)
        );
        assert!(
            (h.share_within(60.0) - 0.6).abs() < 0.006,
            "{}",
            h.share_within(60.0)
        );
        assert_eq!(h.share_within(1e9), 1.0);
        assert!(Histogram::default().share_within(20.0).is_nan());
    }

    /// The one-walk reading of many edges is, bit for bit, the reading of
    /// each edge alone over the whole histogram (the former code, kept here
    /// as the reference), wherever the edges fall: on bucket bounds, inside
    /// buckets, past the last one, below zero.
    #[test]
    fn shares_within_match_one_walk_per_edge() {
        let reference = |h: &Histogram, x: f64| -> f64 {
            if h.total == 0 {
                return f64::NAN;
            }
            if x < 0.0 {
                return 0.0;
            }
            let mut below = h.zeros as f64;
            for (i, &c) in h.counts.iter().enumerate() {
                let k = i.saturating_sub(LINEAR_BUCKETS) as i32;
                let (lo, hi) = if i < LINEAR_BUCKETS {
                    (i as f64 * LINEAR_STEP, (i + 1) as f64 * LINEAR_STEP)
                } else {
                    let k = std::hint::black_box(k);
                    (
                        LINEAR_END * 1.01f64.powi(k),
                        LINEAR_END * 1.01f64.powi(k + 1),
                    )
                };
                if lo >= x {
                    break;
                }
                below += f64::from(c) * ((x - lo) / (hi - lo)).min(1.0);
            }
            below / h.total as f64
        };
        let mut edges = crate::metrics::slices::wait_edges(17.3);
        edges.extend([-1.0, 0.05, 0.1, 29.95, 30.0, 30.3, 1e7, 1e12]);
        edges.extend((0..LOG_BUCKETS + 1).step_by(37).map(|k| log_edges()[k]));
        edges.sort_by(f64::total_cmp);
        let mut h = Histogram::default();
        assert!(h.shares_within(&edges).iter().all(|v| v.is_nan()));
        let mut x = 0.0f64;
        for i in 0..20_000u32 {
            // Waits from zero to days, some on bucket bounds.
            h.record(if i % 7 == 0 { 0.0 } else { x });
            x = (x * 1.0007 + 0.013) % 400_000.0;
        }
        h.record(30.0);
        h.record(log_edges()[5]);
        let shares = h.shares_within(&edges);
        for (&e, &got) in edges.iter().zip(&shares) {
            assert_eq!(got.to_bits(), reference(&h, e).to_bits(), "edge {e}");
        }
    }

    /// The table is `powi` itself, value for value.
    #[test]
    fn log_edges_are_powers() {
        for k in 0..=LOG_BUCKETS {
            let k32 = std::hint::black_box(k as i32);
            assert_eq!(
                log_edges()[k].to_bits(),
                (LINEAR_END * 1.01f64.powi(k32)).to_bits()
            );
        }
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
