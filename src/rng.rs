//! Independent random streams per (seed, replication, purpose, index).
//!
//! Each stream is a `Xoshiro256PlusPlus` seeded from a SplitMix64 hash of the
//! tuple, so the arrivals of a source do not depend on how many agents there
//! are or on any other draw: two designs run with the same seed see the same
//! customers (common random numbers).

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// What a stream is used for. The discriminants are part of the
/// reproducibility contract: never renumber them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Purpose {
    /// Inter-arrival times of one source.
    Arrivals = 1,
    /// Categorical attribute draws of one source.
    Attributes = 2,
    /// Talk times of one source's customers.
    HandleTime = 3,
    /// Wrap-up times of one source's customers.
    Wrapup = 4,
    /// Patience of one source's customers.
    Patience = 5,
    /// Reservation answers (accept/reject/no answer, delays, return times).
    Reservations = 6,
    /// Voicemail work times.
    Voicemail = 7,
    /// Workforce noise: absences (shrinkage).
    Workforce = 8,
    /// Call-back acceptance and delays.
    Callback = 9,
    /// Redial decisions, delays and new patience.
    Redial = 10,
    /// Transfer decisions and second-leg talk times.
    Transfer = 11,
    /// Agent disconnects: times, who, and how long.
    Disconnect = 12,
    /// Messages per contact and segments per message (cost meters).
    Usage = 13,
    /// Injected faults (`[faults]`): index 0 the look-up, 1 call-back
    /// reach, 2 status lag, 3 duplicate tasks.
    Faults = 14,
    /// Busyness multipliers (forecast uncertainty): index = the source's,
    /// or `u32::MAX` for the global multiplier every source shares.
    Busyness = 15,
    /// Random worker selection (`worker_selection = "random"`).
    Selection = 16,
    /// Self-service: time in the flow, opt-out, containment.
    SelfService = 17,
    /// Text conversations: one key per customer of a source, which seeds
    /// every draw of her conversation.
    Conversation = 18,
}

#[inline]
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator for one (seed, replication, purpose, index) tuple.
pub fn stream(seed: u64, replication: u32, purpose: Purpose, index: u32) -> Xoshiro256PlusPlus {
    let mut h = splitmix64(seed);
    h = splitmix64(h ^ u64::from(replication));
    h = splitmix64(h ^ purpose as u64);
    h = splitmix64(h ^ u64::from(index));
    Xoshiro256PlusPlus::seed_from_u64(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_differ_and_repeat() {
        let a = stream(7, 0, Purpose::Arrivals, 0).next_u64();
        assert_eq!(a, stream(7, 0, Purpose::Arrivals, 0).next_u64());
        assert_ne!(a, stream(7, 1, Purpose::Arrivals, 0).next_u64());
        assert_ne!(a, stream(7, 0, Purpose::HandleTime, 0).next_u64());
        assert_ne!(a, stream(7, 0, Purpose::Arrivals, 1).next_u64());
        assert_ne!(a, stream(8, 0, Purpose::Arrivals, 0).next_u64());
    }
}
