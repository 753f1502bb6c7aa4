//! Events of one replication: small, `Copy`, ids only (16 bytes).

/// Something that happens at a point in simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The next arrival of a source.
    Arrival { source: u32 },
    /// A waiting customer's patience runs out (stale if `generation` no longer matches).
    Abandon { task: u32, generation: u32 },
    /// The conversation ends; wrap-up (if any) starts.
    TalkEnd { worker: u32, task: u32 },
    /// Wrap-up ends; the capacity unit is released.
    WrapEnd { worker: u32, task: u32 },
    /// A shift boundary of an agent group.
    Shift { group: u32 },
}
