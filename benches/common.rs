//! What the benches share: side-by-side timing and peak memory.

/// Runs `a` and `b` alternately `runs` times (so both see the same host
/// load); each returns a rate. Returns the medians of `a`, of `b` and of
/// the paired ratios a ÷ b.
pub fn alternate(
    runs: u32,
    mut a: impl FnMut(u32) -> f64,
    mut b: impl FnMut(u32) -> f64,
) -> (f64, f64, f64) {
    let (mut ra, mut rb, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for r in 0..runs {
        let x = a(r);
        let y = b(r);
        ra.push(x);
        rb.push(y);
        ratio.push(x / y);
    }
    (median(ra), median(rb), median(ratio))
}

/// The median (upper middle for an even count).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Peak resident memory of this process so far (Linux), KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
