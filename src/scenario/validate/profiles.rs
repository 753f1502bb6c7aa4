//! Scripted changes of agent groups (`changes` in `[[agents]]`) resolved
//! to worker profiles. Routing eligibility is precomputed per profile, so
//! the distinct attribute and capacity combinations that changes create are
//! enumerated here, and bounded.

use super::Validator;
use super::queues::member_of;
use crate::expr::Attrs;
use crate::scenario::{Profile, ProfileChange, Queue};
use std::ops::Range;

/// Distinct worker profiles scripted changes may create (routing tables are
/// per profile).
const MAX_PROFILES: usize = 10_000;

/// A change as written, resolved.
pub(super) struct ChangeSpec {
    /// When, in seconds from the start.
    pub at_s: f64,
    /// How many of the group's workers (the first ones).
    pub workers: u32,
    /// Attributes merged over theirs.
    pub attrs: Attrs,
    /// Per channel, a new capacity or `None` to keep theirs.
    pub capacity: Vec<Option<u16>>,
}

impl Validator<'_> {
    /// Resolves a group's scripted changes to profile transitions. Changes
    /// touch a prefix of the group's workers, so the workers' profiles stay
    /// piecewise constant over worker index: `segments` holds (end, profile).
    pub(super) fn profile_changes(
        &mut self,
        n_groups: usize,
        base: Profile,
        count: u32,
        mut specs: Vec<ChangeSpec>,
        queues: &[Queue],
        base_span: Range<usize>,
    ) -> Vec<ProfileChange> {
        specs.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        let base_id = base.group.0;
        let first_extra = self.extra_profiles.len();
        let mut segments = vec![(count, base_id)];
        let mut out = Vec::new();
        for spec in specs {
            if self.extra_profiles.len() > MAX_PROFILES {
                break;
            }
            if let Some(i) = segments.iter().position(|&(end, _)| end > spec.workers)
                && (i == 0 || segments[i - 1].0 < spec.workers)
            {
                let p = segments[i].1;
                segments.insert(i, (spec.workers, p));
            }
            let mut map: Vec<(u32, u32)> = Vec::new();
            for seg in segments
                .iter_mut()
                .take_while(|(end, _)| *end <= spec.workers)
            {
                let old = seg.1;
                if let Some(&(_, new)) = map.iter().find(|(o, _)| *o == old) {
                    seg.1 = new;
                    continue;
                }
                let from = if old == base_id {
                    &base
                } else {
                    &self.extra_profiles[old as usize - n_groups]
                };
                let attrs = from.attrs.merged(&spec.attrs);
                let capacity: Vec<u16> = from
                    .capacity
                    .iter()
                    .zip(&spec.capacity)
                    .map(|(&c, p)| p.unwrap_or(c))
                    .collect();
                let existing = if base.attrs == attrs && base.capacity == capacity {
                    Some(base_id)
                } else {
                    self.extra_profiles[first_extra..]
                        .iter()
                        .position(|p| p.attrs == attrs && p.capacity == capacity)
                        .map(|i| (n_groups + first_extra + i) as u32)
                };
                let new = existing.unwrap_or_else(|| {
                    self.extra_profiles.push(Profile {
                        group: base.group,
                        queues: member_of(queues, &attrs),
                        attrs,
                        capacity,
                    });
                    (n_groups + self.extra_profiles.len() - 1) as u32
                });
                map.push((old, new));
                seg.1 = new;
            }
            out.push(ProfileChange {
                at_s: spec.at_s,
                workers: spec.workers,
                map,
            });
        }
        if self.extra_profiles.len() > MAX_PROFILES && first_extra <= MAX_PROFILES {
            self.err(
                &base_span,
                format!("scripted changes create more than {MAX_PROFILES} distinct worker profiles; merge changes or use fewer `workers` prefixes"),
            );
        }
        out
    }
}
