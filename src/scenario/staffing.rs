//! Staffing plans (docs/scenario.md, "Staffing plans"): the checked
//! [`StaffingPlan`] of a group.

/// A head count per interval (docs/scenario.md, "Staffing plans"): entry i
/// holds during `[i·interval, (i+1)·interval)` counted from time 0, the
/// warm-up included, and the last entry holds from its start to the end of
/// the run (drain included). The group has `max()` workers; while entry i
/// holds, its first `counts[i]` workers are on the plan and the others are
/// off it, as after a shift end.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffingPlan {
    /// Width of one entry, seconds: the scenario's reporting interval.
    pub interval_s: f64,
    /// Head count per interval; never empty.
    pub counts: Vec<u32>,
}

impl StaffingPlan {
    /// The number of workers the group needs: the largest head count.
    pub fn max(&self) -> u32 {
        self.counts.iter().copied().max().unwrap_or(0)
    }

    /// The entry in force at `t`. Boundaries are computed as
    /// `i as f64 * interval_s` (as [`StaffingPlan::next_change`] schedules
    /// them), so the entry at a boundary is always the one starting there,
    /// whatever the rounding of `t / interval_s`.
    pub fn index_at(&self, t: f64) -> usize {
        let last = self.counts.len() - 1;
        if t.is_nan() || t <= 0.0 {
            return 0;
        }
        let mut i = ((t / self.interval_s).floor() as usize).min(last);
        if i < last && (i + 1) as f64 * self.interval_s <= t {
            i += 1;
        } else if i > 0 && i as f64 * self.interval_s > t {
            i -= 1;
        }
        i
    }

    /// The head count in force at `t`.
    pub fn count_at(&self, t: f64) -> u32 {
        self.counts[self.index_at(t)]
    }

    /// The first boundary strictly after `t` at which the head count
    /// changes, or `None`: a plan that repeats a count adds no events.
    pub fn next_change(&self, t: f64) -> Option<f64> {
        let i = self.index_at(t);
        (i + 1..self.counts.len())
            .find(|&k| self.counts[k] != self.counts[k - 1])
            .map(|k| k as f64 * self.interval_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staffing_plan_entries_and_changes() {
        let plan = StaffingPlan {
            interval_s: 1800.0,
            counts: vec![2, 2, 5, 0],
        };
        assert_eq!(plan.max(), 5);
        assert_eq!(plan.count_at(0.0), 2);
        assert_eq!(plan.count_at(-1.0), 2);
        assert_eq!(plan.count_at(3599.9), 2);
        assert_eq!(plan.count_at(3600.0), 5, "a boundary starts the next entry");
        assert_eq!(plan.count_at(5400.0), 0);
        assert_eq!(plan.count_at(1e12), 0, "the last entry holds to the end");
        // The repeated 2 at 1800 s is no change.
        assert_eq!(plan.next_change(0.0), Some(3600.0));
        assert_eq!(plan.next_change(1800.0), Some(3600.0));
        assert_eq!(plan.next_change(3600.0), Some(5400.0));
        assert_eq!(plan.next_change(5400.0), None);
        let constant = StaffingPlan {
            interval_s: 900.0,
            counts: vec![5; 8],
        };
        assert_eq!(constant.next_change(0.0), None);
    }

    /// A boundary computed as `i * interval` always maps back to entry i,
    /// also for widths with no exact binary form.
    #[test]
    fn staffing_plan_boundaries_round_trip() {
        let plan = StaffingPlan {
            interval_s: 0.1,
            counts: (0..1000).collect(),
        };
        for i in 0..1000u32 {
            assert_eq!(plan.count_at(f64::from(i) * 0.1), i);
        }
    }
}
