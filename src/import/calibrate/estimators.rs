//! The estimators of calibration beyond those of `crate::import`: day-of-week
//! multipliers and busyness from whole days, head counts from activity
//! updates, transfers per queue, and empirical tables.

use super::history::{self, History};
use super::{DAY, Transfers};
use crate::import::durations;
use std::collections::BTreeMap;

/// Rates per hour of each interval of each weekday (Monday first, 7 ×
/// pieces a day), from arrival times counted from a midnight (`weekday0`
/// its weekday): each piece's count over the time it was observed within
/// `span`. `None` unless every weekday was observed for a whole day, so
/// that every piece has been seen.
pub fn weekday_profile(
    times: &[f64],
    span: (f64, f64),
    weekday0: usize,
    interval_s: f64,
) -> Option<Vec<f64>> {
    let per_day = (DAY / interval_s).round() as usize;
    let mut exposure = vec![0.0; 7 * per_day];
    let mut whole = [0usize; 7];
    let first_day = (span.0 / DAY).floor() as i64;
    let last_day = (span.1 / DAY).floor() as i64;
    let weekday = |d: i64| (weekday0 as i64 + d).rem_euclid(7) as usize;
    for d in first_day..=last_day {
        let start = d as f64 * DAY;
        if span.0 <= start && start + DAY <= span.1 {
            whole[weekday(d)] += 1;
        }
        for i in 0..per_day {
            let a = start + i as f64 * interval_s;
            let seen = (span.1.min(a + interval_s) - span.0.max(a)).max(0.0);
            exposure[weekday(d) * per_day + i] += seen;
        }
    }
    if whole.contains(&0) {
        return None;
    }
    let mut counts = vec![0.0; 7 * per_day];
    for t in times {
        let d = (t / DAY).floor() as i64;
        let i = (((t - d as f64 * DAY) / interval_s) as usize).min(per_day - 1);
        counts[weekday(d) * per_day + i] += 1.0;
    }
    Some(
        counts
            .iter()
            .zip(&exposure)
            .map(|(c, e)| if *e > 0.0 { c / e * 3600.0 } else { 0.0 })
            .collect(),
    )
}

/// Values at most this many, as an empirical table.
pub const TABLE_SIZE: usize = 100;

/// The observed durations as an empirical table of at most
/// [`TABLE_SIZE`] equally likely values: the quantiles at (k + ½)/m of the
/// sorted sample (every value when there are fewer). `None` with fewer
/// than two.
pub fn table(values: &[f64]) -> Option<Vec<f64>> {
    let mut x: Vec<f64> = values
        .iter()
        .copied()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .collect();
    if x.len() < 2 {
        return None;
    }
    x.sort_by(f64::total_cmp);
    let m = x.len().min(TABLE_SIZE);
    Some(
        (0..m)
            .map(|k| x[((k as f64 + 0.5) / m as f64 * x.len() as f64) as usize])
            .collect(),
    )
}

/// Day-of-week multipliers and the day-to-day over-dispersion of one
/// source's arrivals, from its arrival times (seconds from `origin`, which
/// is a midnight) and the history's span of arrivals.
///
/// Multipliers need every weekday seen for at least one whole day; the
/// over-dispersion needs seven whole days. Busyness by the method of
/// moments: with a multiplier of mean 1 and cv c per day on a Poisson count
/// of mean μ, the variance is μ + (μc)²; each weekday's days (or all days,
/// without multipliers) give Σ(N − N̄)² ≈ (n − 1)(μ + μ²c²), solved for c².
pub fn day_effects(
    times: &[f64],
    span: (f64, f64),
    weekday0: usize,
) -> (Option<[f64; 7]>, Option<(f64, usize)>) {
    let first_day = (span.0 / DAY).floor() as i64;
    let last_day = (span.1 / DAY).floor() as i64;
    // Whole days only: a day partly observed would read as a quiet one.
    let whole: Vec<i64> = (first_day..=last_day)
        .filter(|d| span.0 <= *d as f64 * DAY && (*d as f64 + 1.0) * DAY <= span.1)
        .collect();
    if whole.is_empty() {
        return (None, None);
    }
    let mut per_day: BTreeMap<i64, f64> = whole.iter().map(|d| (*d, 0.0)).collect();
    for t in times {
        if let Some(c) = per_day.get_mut(&((t / DAY).floor() as i64)) {
            *c += 1.0;
        }
    }
    let weekday = |d: i64| (weekday0 as i64 + d).rem_euclid(7) as usize;
    let mut sum = [0.0; 7];
    let mut days = [0.0; 7];
    for (d, c) in &per_day {
        sum[weekday(*d)] += c;
        days[weekday(*d)] += 1.0;
    }
    let total: f64 = sum.iter().sum();
    let mean_day = total / whole.len() as f64;
    let weekly = (days.iter().all(|d| *d >= 1.0) && mean_day > 0.0).then(|| {
        let mut m = [0.0; 7];
        for i in 0..7 {
            m[i] = sum[i] / days[i] / mean_day;
        }
        m
    });
    // Deviations from each weekday's own mean (from the mean day when the
    // weekdays are not all seen): a group of n days has n − 1 degrees of
    // freedom, E[Σ(N − N̄)²] = (n − 1)(μ + μ²c²).
    let busyness = (whole.len() >= 7 && mean_day > 0.0)
        .then(|| {
            let group = |d: i64| if weekly.is_some() { weekday(d) } else { 0 };
            let (mut n, mut sum_g) = ([0.0f64; 7], [0.0f64; 7]);
            for (d, c) in &per_day {
                n[group(*d)] += 1.0;
                sum_g[group(*d)] += c;
            }
            let mut sq = 0.0;
            for (d, c) in &per_day {
                let g = group(*d);
                let mean = sum_g[g] / n[g];
                sq += (c - mean) * (c - mean);
            }
            let (mut poisson, mut scale) = (0.0, 0.0);
            for g in 0..7 {
                if n[g] >= 1.0 {
                    let mu = sum_g[g] / n[g];
                    poisson += (n[g] - 1.0) * mu;
                    scale += (n[g] - 1.0) * mu * mu;
                }
            }
            let cv2 = (sq - poisson) / scale;
            (scale > 0.0 && cv2 > 0.0).then(|| (cv2.sqrt(), whole.len()))
        })
        .flatten();
    (weekly, busyness)
}

/// Head counts per interval from activity updates: the time-average number
/// of a group's workers in an available activity in each interval from time
/// 0 to the horizon, rounded; and the share of logged-in (not Offline) time
/// spent in other activities. A worker is taken to be in the opposite of
/// its first update's availability before that update; a worker without
/// updates, available throughout if it answered a task and off line
/// otherwise.
pub fn staffing(
    workers: &[&history::WorkerRecord],
    available: &[String],
    origin: f64,
    horizon_s: f64,
    interval_s: f64,
) -> Option<(Vec<u32>, Option<f64>)> {
    if workers.iter().all(|w| w.activity.is_empty()) {
        return None;
    }
    let n = (horizon_s / interval_s).round() as usize;
    let mut on = vec![0.0; n];
    let is_available = |a: &str| available.iter().any(|x| x.eq_ignore_ascii_case(a));
    let is_offline = |a: &str| a.eq_ignore_ascii_case("offline");
    let (mut logged, mut away) = (0.0, 0.0);
    for w in workers {
        // (from, to, available) stretches over [0, horizon].
        let mut stretches = Vec::new();
        let mut from = 0.0;
        // (available, offline) before the first update: off line when that
        // update makes the worker available, else available.
        // A worker without updates worked throughout if it answered a
        // task, and was off line throughout otherwise.
        let mut state = match w.activity.first() {
            Some((_, a)) if is_available(a) => (false, true),
            Some(_) => (true, false),
            None if w.served.is_empty() && w.busy.is_empty() => (false, true),
            None => (true, false),
        };
        for (t, a) in &w.activity {
            let t = (t - origin).clamp(0.0, horizon_s);
            stretches.push((from, t, state.0, state.1));
            from = t;
            state = (is_available(a), is_offline(a));
        }
        stretches.push((from, horizon_s, state.0, state.1));
        for (a, b, avail, offline) in stretches {
            if b <= a {
                continue;
            }
            if !offline {
                logged += b - a;
                if !avail {
                    away += b - a;
                }
            }
            if !avail {
                continue;
            }
            let mut i = (a / interval_s).floor() as usize;
            while i < n && (i as f64) * interval_s < b {
                let lo = a.max(i as f64 * interval_s);
                let hi = b.min((i + 1) as f64 * interval_s);
                on[i] += (hi - lo).max(0.0) / interval_s;
                i += 1;
            }
        }
    }
    let plan = on.iter().map(|x| x.round() as u32).collect();
    Some((plan, (logged > 0.0).then(|| away / logged)))
}

/// Transfers per queue of first answer: the share of its answered calls
/// that went on, where to, and the second worker's time.
pub fn transfers(h: &History, queue_of: &BTreeMap<String, String>) -> Vec<Transfers> {
    #[derive(Default)]
    struct Acc {
        answered: usize,
        transferred: usize,
        targets: BTreeMap<String, usize>,
        second: Vec<f64>,
    }
    let mut per: BTreeMap<&String, Acc> = BTreeMap::new();
    for t in &h.tasks {
        let Some(q) = t.legs.first().and_then(|l| l.queue.as_ref()) else {
            continue;
        };
        let Some(name) = queue_of.get(q) else {
            continue;
        };
        let acc = per.entry(name).or_default();
        acc.answered += 1;
        if let Some(to) = t.transferred_to.as_ref().and_then(|q| queue_of.get(q)) {
            acc.transferred += 1;
            *acc.targets.entry(to.clone()).or_default() += 1;
            if let Some(leg) = t.legs.get(1)
                && let Some(end) = leg.ended
            {
                acc.second.push(end - leg.accepted);
            }
        }
    }
    per.into_iter()
        .filter(|(_, a)| a.transferred > 0)
        .map(|(q, a)| {
            let mut targets: Vec<(String, usize)> = a.targets.into_iter().collect();
            targets.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            Transfers {
                queue: q.clone(),
                answered: a.answered,
                transferred: a.transferred,
                targets,
                second_leg: durations::compare(&a.second),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekday_profiles_need_every_weekday_whole() {
        // Two weeks from a Monday, 12 h pieces: 4 arrivals each Monday
        // morning, 1 each other afternoon.
        let mut times = Vec::new();
        for d in 0..14 {
            let day = f64::from(d) * DAY;
            if d % 7 == 0 {
                times.extend([day + 10.0, day + 20.0, day + 30.0, day + 40.0]);
            } else {
                times.push(day + 50_000.0);
            }
        }
        let p = weekday_profile(&times, (0.0, 14.0 * DAY), 0, 43_200.0).unwrap();
        assert_eq!(p.len(), 14);
        // 8 arrivals in two Monday mornings of 12 h: 1/3 per hour.
        assert!((p[0] - 8.0 / 24.0).abs() < 1e-12);
        assert_eq!(p[1], 0.0);
        assert!((p[3] - 2.0 / 24.0).abs() < 1e-12);
        // Less than a whole Sunday: none.
        assert_eq!(weekday_profile(&times, (0.0, 6.5 * DAY), 0, 43_200.0), None);
    }

    #[test]
    fn tables_hold_quantiles_of_the_sample() {
        let x: Vec<f64> = (0..1000).map(f64::from).collect();
        let t = table(&x).unwrap();
        assert_eq!(t.len(), 100);
        assert_eq!((t[0], t[1], t[99]), (5.0, 15.0, 995.0));
        assert_eq!(table(&[3.0, 1.0, 2.0]).unwrap(), [1.0, 2.0, 3.0]);
        assert_eq!(table(&[1.0]), None);
    }

    #[test]
    fn weekday_multipliers_and_busyness_from_whole_days() {
        // 14 whole days from a Monday; 10 arrivals a day on weekdays, 4 at
        // weekends, except day 2 with 30: over-dispersed.
        let mut times = Vec::new();
        for d in 0..14 {
            let n = match d % 7 {
                5 | 6 => 4,
                _ if d == 2 => 30,
                _ => 10,
            };
            for k in 0..n {
                times.push(d as f64 * DAY + 1000.0 + k as f64);
            }
        }
        let (weekly, busyness) = day_effects(&times, (0.0, 14.0 * DAY), 0);
        let m = weekly.unwrap();
        let mean_day = (10.0 * 9.0 + 30.0 + 4.0 * 4.0) / 14.0;
        assert!((m[0] - 10.0 / mean_day).abs() < 1e-12);
        assert!((m[2] - 20.0 / mean_day).abs() < 1e-12);
        assert!((m[5] - 4.0 / mean_day).abs() < 1e-12);
        // Only the Wednesdays differ from their weekday's mean: ±10 each,
        // so Σ(N − N̄)² = 200 over the weekday groups of 2 days (1 degree
        // of freedom each).
        let (cv, days) = busyness.unwrap();
        assert_eq!(days, 14);
        let means = [10.0, 10.0, 20.0, 10.0, 10.0, 4.0, 4.0];
        let want = (200.0 - means.iter().sum::<f64>()) / means.iter().map(|x| x * x).sum::<f64>();
        assert!(want > 0.0);
        assert!((cv - want.sqrt()).abs() < 1e-12);
        // Less than a week of whole days: neither.
        assert_eq!(day_effects(&times, (0.0, 3.5 * DAY), 0), (None, None));
    }
}
