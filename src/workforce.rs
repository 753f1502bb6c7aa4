//! Workers: per-channel capacity in use, log-in state and daily shifts.
//!
//! Shift-end rule: at the end of a shift a worker takes nothing new but
//! finishes (talk and wrap-up) every task it holds, and stays logged in until
//! then, so that time counts as logged-in time.

/// Run-time state of one worker.
#[derive(Debug, Clone, Copy)]
pub struct Worker {
    /// Index of the worker's agent group.
    pub group: u32,
    /// Its current profile (attributes, capacity, queues) in
    /// `Scenario::profiles`; the group's own until a scripted change.
    pub profile: u32,
    /// Bumped ([`Worker::restamp`]) whenever the worker's idle key changes
    /// or it may lose room or stop taking tasks; idle entries with an older
    /// stamp are stale. Gaining room (a released unit) needs no bump: the
    /// entries it has stay right, and [`Worker::offered`] says which exist.
    pub stamp: u32,
    /// Bit `k`: the idle heap `Plan::profile_offers[profile][k]` holds an
    /// entry of this worker under the current stamp (`k` < 64), so offering
    /// again skips it. Without this, every completion pushed one more entry
    /// into each heap and left the previous one stale, to be popped later.
    pub offered: u64,
    /// Working: inside a shift, on the staffing plan and not absent.
    pub on_shift: bool,
    /// The activity of the break window it is in, or [`NO_BREAK`].
    pub break_activity: u8,
    /// In the timeout activity after a missed offer.
    pub timed_out: bool,
    /// Disconnected (Offline until it reconnects).
    pub disconnected: bool,
    /// Current activity (index into `Scenario::activities`), derived from
    /// the flags above by `Engine::refresh`.
    pub activity: u8,
    /// Absent for the current shift (shrinkage).
    pub absent: bool,
    /// On shift and available: may take new tasks.
    pub active: bool,
    /// Logged in: active, or finishing tasks it holds.
    pub logged_in: bool,
    /// Tasks held (reserved, talking or wrapping), all channels.
    pub tasks: u16,
    /// Capacity units of its profile over all channels: a copy of the
    /// routing plan's, read at every completion, so the test for room
    /// loads it with the worker.
    pub capacity: u32,
    /// The one waitlist its profile serves ([`NO_WAITLIST`] for none or
    /// several), copied from the plan for the single-list pull.
    pub waitlist: u32,
    /// Time of the last reservation; `-inf` if never.
    pub last_assign: f64,
}

impl Worker {
    /// Makes every idle entry of the worker stale.
    #[inline]
    pub fn restamp(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        self.offered = 0;
    }
}

/// A worker's capacity units on one channel: in use (pending, assigned and
/// wrapping) and configured. Kept side by side so a room test reads one
/// element.
#[derive(Debug, Clone, Copy, Default)]
pub struct Units {
    /// Units in use.
    pub load: u16,
    /// Units configured (a scripted cut may leave `load` above it).
    pub cap: u16,
}

impl Units {
    /// Room for one more task.
    #[inline]
    pub fn room(self) -> bool {
        self.load < self.cap
    }
}

/// `Worker::waitlist` of a profile serving no waitlist or several.
pub const NO_WAITLIST: u32 = u32::MAX;

/// `break_activity` outside break windows.
pub const NO_BREAK: u8 = u8::MAX;

/// The index of the daily window containing `t`, if any.
pub fn window_at(windows: &[(f64, f64)], t: f64) -> Option<usize> {
    let tod = t.rem_euclid(86_400.0);
    windows.iter().position(|&(s, e)| {
        if s < e {
            s <= tod && tod < e
        } else {
            tod >= s || tod < e
        }
    })
}

/// True if a group with these daily shifts is working at time `t`.
/// No shifts means always working.
pub fn on_shift(shifts: &[(f64, f64)], t: f64) -> bool {
    if shifts.is_empty() {
        return true;
    }
    window_at(shifts, t).is_some()
}

/// The next shift boundary strictly after `t`, or `None` without shifts.
pub fn next_boundary(shifts: &[(f64, f64)], t: f64) -> Option<f64> {
    let day = (t / 86_400.0).floor() * 86_400.0;
    shifts
        .iter()
        .flat_map(|&(s, e)| [s, e])
        .flat_map(|b| [day + b, day + 86_400.0 + b])
        .filter(|&x| x > t)
        .min_by(f64::total_cmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_and_boundaries() {
        let day = [(8.0 * 3600.0, 16.0 * 3600.0)];
        assert!(!on_shift(&day, 7.0 * 3600.0));
        assert!(on_shift(&day, 8.0 * 3600.0));
        assert!(!on_shift(&day, 16.0 * 3600.0));
        assert!(on_shift(&day, 86_400.0 + 9.0 * 3600.0));
        assert_eq!(next_boundary(&day, 0.0), Some(8.0 * 3600.0));
        assert_eq!(next_boundary(&day, 8.0 * 3600.0), Some(16.0 * 3600.0));
        assert_eq!(
            next_boundary(&day, 17.0 * 3600.0),
            Some(86_400.0 + 8.0 * 3600.0)
        );
        let night = [(22.0 * 3600.0, 6.0 * 3600.0)];
        assert!(on_shift(&night, 23.0 * 3600.0));
        assert!(on_shift(&night, 5.0 * 3600.0));
        assert!(!on_shift(&night, 12.0 * 3600.0));
        assert!(on_shift(&[], 1.0));
        assert_eq!(next_boundary(&[], 1.0), None);
    }
}
