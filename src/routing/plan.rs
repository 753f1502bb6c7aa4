//! The routing tables of a scenario: which waitlist a task joins in a step,
//! which profiles may serve it, and where their free workers wait.
//!
//! Every table is linear in the model — per step, class, profile, queue or
//! (profile, queue) membership — so a scenario with thousands of queues or
//! groups costs memory in proportion, never a product of two sizes.

use super::{ClockField, SkipCounter, WorkerField, compare_keys, int_attr};
use crate::expr::{Attrs, KeyId, Resolver, Scope, ValueRef};
use crate::scenario::{Scenario, Step, StepId, TransferTarget, WorkerSelection};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Tasks that wait together: same queue, channel and eligible workers.
#[derive(Debug, Clone)]
pub struct WaitList {
    /// The queue.
    pub queue: u32,
    /// The channel.
    pub channel: u32,
    /// A step whose expression applies (the first that created this list).
    pub step: StepId,
    /// The one worker allowed (known-worker steps); `Some(u32::MAX)` when the
    /// task names no existing worker.
    pub known: Option<u32>,
    /// The queue is LIFO.
    pub lifo: bool,
    /// The step expression reads live worker state: evaluate per pair.
    pub dynamic: bool,
    /// Eligibility or `order_by` reads live worker state: selection gathers
    /// and compares every free eligible worker.
    pub slow: bool,
    /// (idle heap, tier) of every statically eligible profile, in the
    /// step's `order_by` order: where to look for a free worker. The heap is
    /// [`Plan::idle_heap`] of the profile's pool on the list's channel.
    pub candidates: Vec<(u32, u32)>,
    /// The one idle heap to look in when that is all there is to it (no
    /// known worker, not slow, one candidate): most lists. [`NO_HEAP`]
    /// otherwise.
    pub only_heap: u32,
}

/// Ascending waitlist ids as (word, bits) masks ([`Plan::profile_words`]).
fn words(ids: &[u32]) -> Vec<(u32, u64)> {
    let mut out: Vec<(u32, u64)> = Vec::new();
    for &id in ids {
        let (word, bit) = (id / 64, 1u64 << (id % 64));
        match out.last_mut() {
            Some((w, bits)) if *w == word => *bits |= bit,
            _ => out.push((word, bit)),
        }
    }
    out
}

/// The number of a pool's idle heap on a channel ([`Plan::idle_heap`]).
fn idle_heap(pool: u32, channel: u32, n_channels: u32) -> u32 {
    pool * n_channels + channel
}

/// [`WaitList::only_heap`] of a list that looks in several heaps, or none.
pub const NO_HEAP: u32 = u32::MAX;

/// Routing tables derived once from a scenario (shared by replications).
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every waitlist.
    pub waitlists: Vec<WaitList>,
    /// Per (step, class): the waitlist.
    index: StepIndex,
    /// Per profile: the waitlists it may serve, ascending. Membership is
    /// static eligibility: member of the queue, capacity on the channel,
    /// and (unless dynamic) the step expression holds.
    pub profile_waitlists: Vec<Vec<u32>>,
    /// Per profile: the same waitlists as bit masks, (word, bits) with bit
    /// `b` of word `k` for waitlist `64k + b`, words ascending: ANDed with
    /// the router's occupied words ([`super::Router::occupied`]), a freed
    /// worker serving several lists visits only those that may hold a task.
    pub profile_words: Vec<Vec<(u32, u64)>>,
    /// Per key: how `worker.<key>` resolves.
    pub worker_field: Vec<WorkerField>,
    /// Per key: how `taskrouter.<key>` resolves.
    pub clock_field: Vec<ClockField>,
    /// Per key: what `workers.<key>` counts.
    pub skip_counter: Vec<SkipCounter>,
    /// Per idle pool: workers that can be in it at once (bounds its heap).
    /// Pool `p < profiles` is profile `p`'s own; shared queue pools follow.
    pub pool_bound: Vec<u32>,
    /// Workers per queue at the start (before scripted changes).
    pub members: Vec<u32>,
    /// Per (queue, channel): its waitlists (for queue lengths).
    pub queue_waitlists: Vec<Vec<u32>>,
    /// Per profile: the (idle heap, its channel) pairs a free worker of it
    /// joins: only those some waitlist it may serve looks in, ascending.
    pub profile_offers: Vec<Vec<(u32, u32)>>,
    /// Channels of the scenario: idle heap `pool × channels + channel`
    /// holds the free workers of a pool on a channel ([`Plan::idle_heap`]).
    pub n_channels: u32,
    /// Per profile: capacity units over all channels (a worker holding that
    /// many tasks has no room anywhere).
    pub profile_capacity: Vec<u32>,
    /// Per filter: its first step (where a task entering it goes), one
    /// load on the hot path instead of a chase through the filter.
    pub first_step: Vec<StepId>,
    /// Per class: the first matching filter, decided at load time (`None`
    /// inside when no filter matches); absent when a filter reads the clock.
    first_filter: Option<Vec<Option<usize>>>,
    /// Worker names, `<group>-<n>`, for known-worker routing and `worker.sid`.
    pub worker_names: Vec<String>,
}

impl Plan {
    /// Builds the routing tables of a scenario.
    pub fn build(s: &Scenario) -> Plan {
        let worker_field = super::worker_fields(s);
        let worker_names: Vec<String> = s
            .groups
            .iter()
            .flat_map(|g| (1..=g.count).map(move |i| format!("{}-{i}", g.name)))
            .collect();
        let (mut waitlists, samples, index) = Lists::build(s, &worker_field, &worker_names);
        let queue_profiles = queue_profiles(s);
        let group_ends: Vec<u32> = s
            .groups
            .iter()
            .scan(0, |end, g| {
                *end += g.count;
                Some(*end)
            })
            .collect();
        let mut profile_waitlists = vec![Vec::new(); s.profiles.len()];
        let mut eligible = Vec::with_capacity(waitlists.len());
        for (wi, (wl, sample)) in waitlists.iter_mut().zip(&samples).enumerate() {
            let queue = &queue_profiles[wl.queue as usize];
            let serving = eligible_members(s, wl, *sample, queue, &group_ends);
            for &(_, p) in &serving {
                profile_waitlists[p as usize].push(wi as u32);
            }
            let step = &s.workflow.steps[wl.step.idx()];
            let live_order = step
                .order_by
                .iter()
                .any(|c| worker_field[c.key.idx()] != WorkerField::Attr);
            // Random and least-occupied selection look past the heap's top.
            let selection =
                s.queues[wl.queue as usize].worker_selection != WorkerSelection::LongestIdle;
            wl.slow = wl.dynamic || live_order || selection;
            eligible.push(order_tiers(s, step, live_order, &serving));
        }
        let pools = Pools::assign(s, &queue_profiles, &waitlists, &eligible);
        let n_channels = s.channels.len() as u32;
        let heap = |pool: u32, channel: u32| idle_heap(pool, channel, n_channels);
        let mut profile_offers = vec![Vec::new(); s.profiles.len()];
        for (wl, serving) in waitlists.iter_mut().zip(eligible) {
            let q = wl.queue as usize;
            wl.candidates = serving
                .iter()
                .map(|&(m, tier)| {
                    let pool = pools.of(q, queue_profiles[q][m as usize]);
                    (heap(pool, wl.channel), tier)
                })
                .collect();
            wl.candidates.dedup();
            wl.only_heap = match wl.candidates[..] {
                [(h, _)] if wl.known.is_none() && !wl.slow => h,
                _ => NO_HEAP,
            };
            // Known-worker lists check their worker directly, not a pool.
            for &(m, _) in serving.iter().filter(|_| wl.known.is_none()) {
                let p = queue_profiles[q][m as usize];
                let h = heap(pools.of(q, p), wl.channel);
                profile_offers[p as usize].push((h, wl.channel));
            }
        }
        for offers in &mut profile_offers {
            offers.sort_unstable();
            offers.dedup();
        }
        let mut members = vec![0u32; s.queues.len()];
        for (profile, group) in s.profiles.iter().zip(&s.groups) {
            for q in &profile.queues {
                members[q.idx()] += group.count;
            }
        }
        let mut queue_waitlists = vec![Vec::new(); s.queues.len() * n_channels as usize];
        for (i, wl) in waitlists.iter().enumerate() {
            let at = wl.queue * n_channels + wl.channel;
            queue_waitlists[at as usize].push(i as u32);
        }
        let wf = &s.workflow;
        let profile_words = profile_waitlists.iter().map(|wls| words(wls)).collect();
        Plan {
            queue_waitlists,
            waitlists,
            index,
            profile_waitlists,
            profile_words,
            worker_field,
            clock_field: super::clock_fields(s),
            skip_counter: super::skip_counters(s),
            pool_bound: pools.bound,
            members,
            profile_offers,
            n_channels,
            first_step: wf.filters.iter().map(|f| f.steps[0]).collect(),
            profile_capacity: s
                .profiles
                .iter()
                .map(|g| g.capacity.iter().map(|&c| u32::from(c)).sum())
                .collect(),
            first_filter: (!wf.filters.iter().any(|f| f.dynamic)).then(|| {
                s.classes
                    .iter()
                    .map(|c| c.filter_matches.first().map(|&f| f as usize))
                    .collect()
            }),
            worker_names,
        }
    }

    /// The idle heap of a pool on a channel (numbered once here, so the hot
    /// path indexes the router's heaps with no arithmetic).
    #[inline]
    pub fn idle_heap(&self, pool: u32, channel: u32) -> u32 {
        idle_heap(pool, channel, self.n_channels)
    }

    /// The waitlist of a task of `class` in `step`.
    #[inline]
    pub fn waitlist(&self, step: StepId, class: u32) -> u32 {
        self.index.waitlist(step, class)
    }

    /// The first matching filter of a class when it is known without the
    /// clock: `Some(Some(f))`, `Some(None)` for no match; `None` to evaluate.
    #[inline]
    pub fn first_filter(&self, class: u32) -> Option<Option<usize>> {
        self.first_filter.as_ref().map(|v| v[class as usize])
    }

    /// Static eligibility of a profile for a waitlist.
    #[inline]
    pub fn eligible(&self, waitlist: u32, profile: u32) -> bool {
        self.profile_waitlists[profile as usize]
            .binary_search(&waitlist)
            .is_ok()
    }
}

// ------------------------------------------------------------ waitlists

/// A `rows` entry that sends the lookup to the step's per-class lists.
const PER_CLASS: u32 = u32::MAX;

/// Classes × steps up to which every class has its own row of waitlists
/// (256 KiB of `u32`): beyond, rows are per channel.
const CLASS_ROWS: usize = 1 << 16;

/// Where a task waits in a step: in O(1) from a row of `rows`, which is
/// the class's own when classes × steps is small (at most [`CLASS_ROWS`]
/// entries: every reachable pair resolved once here, so a step whose
/// expression reads task attributes costs no search per task), else its
/// channel's, where steps whose lists the channel alone does not tell
/// apart send the lookup to a search among the classes that reach them.
#[derive(Debug, Clone)]
struct StepIndex {
    /// Per (row, step): the waitlist, or [`PER_CLASS`] for a search.
    rows: Vec<u32>,
    /// Per class: where its row of `rows` starts.
    class_row: Vec<u32>,
    /// Per step: its range of `by_class`.
    class_range: Vec<(u32, u32)>,
    /// (class, waitlist) of the other steps, for every class that can reach
    /// them, sorted by class within a step.
    by_class: Vec<(u32, u32)>,
}

impl StepIndex {
    #[inline]
    fn waitlist(&self, step: StepId, class: u32) -> u32 {
        let row = self.class_row[class as usize] as usize;
        match self.rows[row + step.idx()] {
            PER_CLASS => self.waitlist_of_class(step, class),
            id => id,
        }
    }

    /// A lookup in the per-class lists, kept out of line so that the O(1)
    /// path stays small where it is inlined.
    #[cold]
    fn waitlist_of_class(&self, step: StepId, class: u32) -> u32 {
        self.find_of_class(step, class)
            .expect("a class enters only the steps the plan found it can reach")
    }

    /// The per-class list of a (step, class) pair, if the pair can occur.
    fn find_of_class(&self, step: StepId, class: u32) -> Option<u32> {
        let (from, to) = self.class_range[step.idx()];
        let lists = &self.by_class[from as usize..to as usize];
        let i = lists.binary_search_by_key(&class, |&(c, _)| c).ok()?;
        Some(lists[i].1)
    }

    /// The same index with one row per class, every reachable pair resolved
    /// (pairs that cannot occur keep [`PER_CLASS`], whose search fails).
    fn with_class_rows(mut self, n_steps: usize) -> StepIndex {
        let mut rows = Vec::with_capacity(self.class_row.len() * n_steps);
        for (class, &row) in self.class_row.iter().enumerate() {
            for step in 0..n_steps {
                rows.push(match self.rows[row as usize + step] {
                    PER_CLASS => self
                        .find_of_class(StepId(step as u32), class as u32)
                        .unwrap_or(PER_CLASS),
                    id => id,
                });
            }
        }
        self.class_row = (0..self.class_row.len())
            .map(|c| (c * n_steps) as u32)
            .collect();
        self.rows = rows;
        self
    }
}

/// What a step's expression reads.
struct StepReads {
    /// Task keys, sorted: the projection that tells its waitlists apart.
    task_keys: Vec<KeyId>,
    /// Live worker state or the clock.
    dynamic: bool,
}

impl StepReads {
    fn of(step: &Step, worker_field: &[WorkerField]) -> StepReads {
        let mut task_keys = Vec::new();
        let mut dynamic = false;
        if let Some(e) = &step.expression {
            e.for_each_path(&mut |p| match p.scope {
                Scope::Task => task_keys.push(p.key),
                Scope::Worker => dynamic |= worker_field[p.key.idx()] != WorkerField::Attr,
                Scope::Clock => dynamic = true,
                _ => {}
            });
        }
        task_keys.sort();
        task_keys.dedup();
        StepReads { task_keys, dynamic }
    }

    /// Only the channel matters for a task's waitlist in the step.
    fn per_channel(&self, step: &Step) -> bool {
        self.task_keys.is_empty() && step.known_worker.is_none()
    }
}

/// What makes tasks of one step shape (queue, expression text, `order_by`)
/// share a waitlist: channel, the values of the task attributes the
/// expression reads, and the known worker.
type ListKey = (u32, u32, String, Option<u32>);

/// Waitlists under construction, deduplicated by what decides eligibility.
struct Lists<'s> {
    s: &'s Scenario,
    shapes: HashMap<(u32, Option<&'s str>, String), u32>,
    by_key: HashMap<ListKey, u32>,
    waitlists: Vec<WaitList>,
    /// Per waitlist: a class whose attributes stand for its tasks (`None`
    /// when the expression reads no task attribute).
    samples: Vec<Option<u32>>,
}

impl<'s> Lists<'s> {
    /// The waitlists of every (step, class) pair the walk can produce, a
    /// sample class of each, and the index that finds them.
    fn build(
        s: &'s Scenario,
        worker_field: &[WorkerField],
        worker_names: &[String],
    ) -> (Vec<WaitList>, Vec<Option<u32>>, StepIndex) {
        let wf = &s.workflow;
        let (n_steps, n_channels) = (wf.steps.len(), s.channels.len());
        let name_index: HashMap<&str, u32> = worker_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let reads: Vec<StepReads> = wf
            .steps
            .iter()
            .map(|st| StepReads::of(st, worker_field))
            .collect();
        let per_channel: Vec<bool> = wf
            .steps
            .iter()
            .zip(&reads)
            .map(|(st, r)| r.per_channel(st))
            .collect();
        let (reach_channels, reach_pairs) = reach(s, &per_channel);
        let mut lists = Lists {
            s,
            shapes: HashMap::new(),
            by_key: HashMap::new(),
            waitlists: Vec::new(),
            samples: Vec::new(),
        };
        let mut by_channel = vec![PER_CLASS; n_channels * n_steps];
        let mut class_range = Vec::with_capacity(n_steps);
        let mut by_class = Vec::new();
        let mut pairs = reach_pairs.iter().peekable();
        for (si, step) in wf.steps.iter().enumerate() {
            let from = by_class.len() as u32;
            let shape = lists.shape(step);
            let dynamic = reads[si].dynamic;
            if per_channel[si] {
                for ch in 0..n_channels {
                    if reach_channels[si * n_channels + ch] {
                        let key = (ch as u32, String::new(), None);
                        by_channel[ch * n_steps + si] = lists.list(si, shape, dynamic, key, None);
                    }
                }
                if let Some(c) = step.channel {
                    // Every class waits on the step's own channel.
                    let id = by_channel[c.idx() * n_steps + si];
                    (0..n_channels).for_each(|ch| by_channel[ch * n_steps + si] = id);
                }
            }
            while let Some(&(_, ci)) = pairs.next_if(|(st, _)| *st as usize == si) {
                let class = &s.classes[ci as usize];
                let mut projection = String::new();
                for k in &reads[si].task_keys {
                    use std::fmt::Write;
                    let _ = write!(projection, "{:?};", class.attrs.get(*k));
                }
                let known = step.known_worker.map(|k| match class.attrs.get(k) {
                    ValueRef::Str(name) => name_index.get(name).copied().unwrap_or(u32::MAX),
                    _ => u32::MAX,
                });
                let channel = step.channel.unwrap_or(class.channel).0;
                let key = (channel, projection, known);
                by_class.push((ci, lists.list(si, shape, dynamic, key, Some(ci))));
            }
            class_range.push((from, by_class.len() as u32));
        }
        let mut index = StepIndex {
            rows: by_channel,
            class_row: s
                .classes
                .iter()
                .map(|c| (c.channel.idx() * n_steps) as u32)
                .collect(),
            class_range,
            by_class,
        };
        if s.classes.len() * n_steps <= CLASS_ROWS {
            index = index.with_class_rows(n_steps);
        }
        (lists.waitlists, lists.samples, index)
    }

    /// The id of a step's shape: queue, expression text and `order_by`.
    fn shape(&mut self, step: &'s Step) -> u32 {
        let order: String = step
            .order_by
            .iter()
            .map(|c| format!("{}{};", c.key.0, if c.desc { "d" } else { "a" }))
            .collect();
        let n = self.shapes.len() as u32;
        *self
            .shapes
            .entry((step.queue.0, step.expression_text.as_deref(), order))
            .or_insert(n)
    }

    /// The waitlist of step `si` (of `shape`) for (channel, projection, known
    /// worker), made on first use.
    fn list(
        &mut self,
        si: usize,
        shape: u32,
        dynamic: bool,
        (channel, projection, known): (u32, String, Option<u32>),
        sample: Option<u32>,
    ) -> u32 {
        let queue = self.s.workflow.steps[si].queue;
        *self
            .by_key
            .entry((shape, channel, projection, known))
            .or_insert_with(|| {
                self.waitlists.push(WaitList {
                    queue: queue.0,
                    channel,
                    step: StepId(si as u32),
                    known,
                    lifo: self.s.queues[queue.idx()].lifo,
                    dynamic,
                    slow: false,
                    candidates: Vec::new(),
                    only_heap: NO_HEAP,
                });
                self.samples.push(sample);
                self.waitlists.len() as u32 - 1
            })
    }
}

/// Which (step, class) pairs can occur, mirroring the engine's walk: a class
/// enters the steps of the filters it matches (`filter_matches`, which counts
/// clock-reading filters as matching) and of filters a transfer targets;
/// steps outside filters (default, follow-ups, transfers to a queue) take
/// any class. Returns the channels reaching each per-channel step (steps ×
/// channels) and the sorted (step, class) pairs of the other steps.
fn reach(s: &Scenario, per_channel: &[bool]) -> (Vec<bool>, Vec<(u32, u32)>) {
    let wf = &s.workflow;
    let n_channels = s.channels.len();
    let mut transfer_target = vec![false; wf.filters.len()];
    for q in &s.queues {
        if let Some(TransferTarget::Filter { filter, .. }) = q.transfer.as_ref().map(|t| t.target) {
            transfer_target[filter as usize] = true;
        }
    }
    let open_steps: Vec<usize> = (0..wf.steps.len())
        .filter(|&si| {
            wf.steps[si]
                .filter
                .is_none_or(|f| transfer_target[f as usize])
        })
        .collect();
    let mut channels = vec![false; wf.steps.len() * n_channels];
    let mut pairs = Vec::new();
    for (ci, class) in s.classes.iter().enumerate() {
        let mut enter = |si: usize| {
            if per_channel[si] {
                let ch = wf.steps[si].channel.unwrap_or(class.channel).idx();
                channels[si * n_channels + ch] = true;
            } else {
                pairs.push((si as u32, ci as u32));
            }
        };
        open_steps.iter().for_each(|&si| enter(si));
        for &f in &class.filter_matches {
            let f = f as usize;
            if !transfer_target[f] {
                wf.filters[f].steps.iter().for_each(|st| enter(st.idx()));
            }
        }
    }
    pairs.sort_unstable();
    (channels, pairs)
}

// ------------------------------------------------------------ eligibility

/// Per queue: its member profiles, ascending.
fn queue_profiles(s: &Scenario) -> Vec<Vec<u32>> {
    let mut out = vec![Vec::new(); s.queues.len()];
    for (p, profile) in s.profiles.iter().enumerate() {
        for q in &profile.queues {
            out[q.idx()].push(p as u32);
        }
    }
    out
}

/// A task and a worker profile, for evaluating static expressions at plan time.
struct StaticPair<'a> {
    task: &'a Attrs,
    worker: &'a Attrs,
}

impl Resolver for StaticPair<'_> {
    fn resolve(&self, scope: Scope, key: KeyId) -> ValueRef<'_> {
        match scope {
            Scope::Task => self.task.get(key),
            Scope::Worker => self.worker.get(key),
            _ => ValueRef::Null,
        }
    }
}

/// The members of a waitlist's queue that may serve it, as (member index,
/// profile): capacity on the channel, the known worker's group, and (unless
/// it reads live state) the step expression over the sample class.
/// `group_ends[g]` is one past the last worker of group g.
fn eligible_members(
    s: &Scenario,
    wl: &WaitList,
    sample: Option<u32>,
    members: &[u32],
    group_ends: &[u32],
) -> Vec<(u32, u32)> {
    let no_attrs = Attrs::default();
    let task = sample.map_or(&no_attrs, |c| &s.classes[c as usize].attrs);
    let expression = s.workflow.steps[wl.step.idx()].expression.as_ref();
    // The known worker's group: the first whose workers end after it.
    let known_group = wl.known.map(|w| {
        let g = group_ends.partition_point(|&end| end <= w);
        (g < group_ends.len()).then_some(g)
    });
    members
        .iter()
        .enumerate()
        .filter(|&(_, &p)| {
            let g = &s.profiles[p as usize];
            let known_ok = known_group.is_none_or(|k| k == Some(g.group.idx()));
            let expr_ok = wl.dynamic
                || expression.is_none_or(|e| {
                    e.eval(&StaticPair {
                        task,
                        worker: &g.attrs,
                    })
                });
            g.capacity[wl.channel as usize] > 0 && known_ok && expr_ok
        })
        .map(|(m, &p)| (m as u32, p))
        .collect()
}

/// Profiles in a step's `order_by` order (profile index among equals) with
/// their tier: equal keys share one; an order reading live state puts every
/// profile in tier 0 (the slow path sorts workers itself). `eligible` holds
/// (member index, profile) in profile order; the result keeps the member index.
fn order_tiers(
    s: &Scenario,
    step: &Step,
    live_order: bool,
    eligible: &[(u32, u32)],
) -> Vec<(u32, u32)> {
    if step.order_by.is_empty() {
        return eligible.iter().map(|&(m, _)| (m, 0)).collect();
    }
    let keys: Vec<Vec<Option<i64>>> = eligible
        .iter()
        .map(|&(_, p)| {
            let attrs = &s.profiles[p as usize].attrs;
            step.order_by
                .iter()
                .map(|c| int_attr(attrs.get(c.key)))
                .collect()
        })
        .collect();
    let mut order: Vec<usize> = (0..eligible.len()).collect();
    // Stable: equal keys stay in profile order.
    order.sort_by(|&a, &b| compare_keys(&keys[a], &keys[b], &step.order_by));
    let mut tier = 0;
    order
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            if i > 0
                && compare_keys(&keys[order[i - 1]], &keys[k], &step.order_by) != Ordering::Equal
            {
                tier += 1;
            }
            (eligible[k].0, if live_order { 0 } else { tier })
        })
        .collect()
}

// ------------------------------------------------------------ idle pools

/// Where free workers wait. Every profile has a pool of its own, which all
/// its queues read: a worker joins one heap per channel however many queues
/// it serves, and a queue with a few member profiles finds its worker by
/// peeking their heaps. A queue with many member profiles (more than
/// [`SHARED_POOL_MIN_MEMBERS`]) gets one pool for all of them instead, so
/// the search does not grow with its members, when every list of the queue
/// takes whichever capable member has waited longest (no live-state
/// expression or order, no known worker, one tier, every member with
/// capacity on its channel): the shared heap's top is then the one a scan of
/// the members' heaps would pick.
struct Pools {
    /// Per queue: its shared pool, if it has one.
    shared: Vec<Option<u32>>,
    /// Per pool: workers that can be in it at once.
    bound: Vec<u32>,
}

/// Member profiles above which a queue gets a shared pool (peeking this
/// many heaps per search costs less than the extra push per free worker).
const SHARED_POOL_MIN_MEMBERS: usize = 8;

impl Pools {
    fn assign(
        s: &Scenario,
        queue_profiles: &[Vec<u32>],
        waitlists: &[WaitList],
        eligible: &[Vec<(u32, u32)>],
    ) -> Pools {
        let mut takes_any = vec![true; s.queues.len()];
        for (wl, members) in waitlists.iter().zip(eligible) {
            let q = wl.queue as usize;
            let capable = queue_profiles[q]
                .iter()
                .filter(|&&p| s.profiles[p as usize].capacity[wl.channel as usize] > 0)
                .count();
            takes_any[q] &= !wl.slow
                && wl.known.is_none()
                && members.len() == capable
                && members.windows(2).all(|w| w[0].1 == w[1].1);
        }
        let count = |p: &u32| s.groups[s.profiles[*p as usize].group.idx()].count;
        let mut bound: Vec<u32> = (0..s.profiles.len() as u32).map(|p| count(&p)).collect();
        let shared = queue_profiles
            .iter()
            .zip(takes_any)
            .map(|(profiles, takes_any)| {
                (takes_any && profiles.len() > SHARED_POOL_MIN_MEMBERS).then(|| {
                    bound.push(profiles.iter().map(count).sum());
                    bound.len() as u32 - 1
                })
            })
            .collect();
        Pools { shared, bound }
    }

    /// The pool where queue `q` looks for free workers of `profile`.
    fn of(&self, q: usize, profile: u32) -> u32 {
        self.shared[q].unwrap_or(profile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scenario from TOML text (no files referenced).
    fn load(text: &str) -> Scenario {
        crate::scenario::load_str(std::path::Path::new("plan-test.toml"), text)
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario
    }

    const HEAD: &str = "name = \"plan\"\n[simulation]\nhorizon = \"2h\"\n\
        [[channels]]\nname = \"voice\"\nhandle_time = { dist = \"exponential\", mean = \"240s\" }\n\
        [[channels]]\nname = \"chat\"\nhandle_time = { dist = \"exponential\", mean = \"240s\" }\n";

    /// `n` queues, each with its own source (attribute `q`), group and
    /// filter: the model whose tables used to grow with n².
    fn queues(n: usize) -> Scenario {
        let mut t = HEAD.to_string();
        for i in 0..n {
            t += &format!(
                "[[arrivals]]\nname = \"s{i}\"\nchannel = \"voice\"\nrate = \"5/h\"\n\
                 attributes = {{ q = \"q{i}\" }}\n\
                 [[agents]]\ngroup = \"g{i}\"\ncount = 2\nattributes = {{ skill = \"q{i}\" }}\n\
                 [[queues]]\nname = \"q{i}\"\ntarget_workers = 'skill == \"q{i}\"'\n"
            );
        }
        for i in 0..n {
            t += &format!(
                "[[workflow.filters]]\nname = \"f{i}\"\nexpression = 'q == \"q{i}\"'\n\
                 targets = [{{ queue = \"q{i}\" }}]\n"
            );
        }
        load(&t)
    }

    /// `n` one-agent groups in one queue, with `target` as its only filter's
    /// target (a queue name plus any step settings).
    fn groups(n: usize, target: &str) -> Scenario {
        let mut t = HEAD.to_string();
        t += "[[arrivals]]\nname = \"calls\"\nchannel = \"voice\"\nrate = \"60/h\"\n\
              attributes = { lang = { choose = { en = 0.5, es = 0.5 } } }\n";
        for i in 0..n {
            t += &format!(
                "[[agents]]\ngroup = \"g{i}\"\ncount = 1\n\
                 attributes = {{ level = {}, langs = [\"en\"{}] }}\n",
                i % 3,
                if i % 2 == 0 { ", \"es\"" } else { "" }
            );
        }
        t += &format!(
            "[[queues]]\nname = \"q\"\ntarget_workers = \"1==1\"\n\
             [[workflow.filters]]\nexpression = \"1==1\"\ntargets = [{{ {target} }}]\n"
        );
        load(&t)
    }

    #[test]
    fn tables_grow_linearly_with_queues() {
        for n in [10, 40, 300] {
            let s = queues(n);
            let plan = Plan::build(&s);
            // One voice list per step; no per-class lists; a row of lists
            // per class only up to a fixed size, else per channel.
            assert_eq!(plan.waitlists.len(), n);
            let rows = if n * n <= CLASS_ROWS {
                n * n
            } else {
                n * s.channels.len()
            };
            assert_eq!(plan.index.rows.len(), rows);
            assert!(plan.index.by_class.is_empty());
            let candidates: usize = plan.waitlists.iter().map(|w| w.candidates.len()).sum();
            assert_eq!(candidates, n);
            assert_eq!(plan.pool_bound.len(), n);
            for (c, class) in s.classes.iter().enumerate() {
                let f = *class.filter_matches.first().expect("a filter") as usize;
                let step = s.workflow.filters[f].steps[0];
                let wl = &plan.waitlists[plan.waitlist(step, c as u32) as usize];
                assert_eq!((wl.queue, wl.channel), (f as u32, class.channel.0));
            }
        }
    }

    /// Waitlist ids become one mask per 64-id word, words ascending, and
    /// the bits read back in the ids' order.
    #[test]
    fn profile_words_hold_exactly_the_ids() {
        let ids = [0, 5, 63, 64, 130, 191];
        let w = words(&ids);
        assert_eq!(
            w,
            vec![(0, 1 | 1 << 5 | 1 << 63), (1, 1), (2, 1 << 2 | 1 << 63)]
        );
        let back: Vec<u32> = w
            .iter()
            .flat_map(|&(word, mut bits)| {
                std::iter::from_fn(move || {
                    (bits != 0).then(|| {
                        let id = word * 64 + bits.trailing_zeros();
                        bits &= bits - 1;
                        id
                    })
                })
            })
            .collect();
        assert_eq!(back, ids);
        assert!(words(&[]).is_empty());
    }

    #[test]
    fn members_taking_any_capable_worker_share_one_pool() {
        let s = groups(50, "queue = \"q\"");
        let plan = Plan::build(&s);
        // 50 profile pools (unused), then the queue's shared one.
        assert_eq!(plan.pool_bound.len(), 51);
        assert_eq!(plan.pool_bound[50], 50);
        let shared = plan.idle_heap(50, 0);
        assert!(plan.profile_offers.iter().all(|p| p == &[(shared, 0)]));
        assert_eq!(plan.waitlists.len(), 1);
        assert_eq!(plan.waitlists[0].candidates, vec![(shared, 0)]);

        // With few members, each keeps its own pool.
        let plan = Plan::build(&groups(SHARED_POOL_MIN_MEMBERS, "queue = \"q\""));
        assert_eq!(plan.pool_bound.len(), SHARED_POOL_MIN_MEMBERS);
        let offers: Vec<_> = plan.profile_offers.iter().map(|o| o[0].0).collect();
        let own: Vec<_> = (0..SHARED_POOL_MIN_MEMBERS as u32)
            .map(|p| plan.idle_heap(p, 0))
            .collect();
        assert_eq!(offers, own);
    }

    #[test]
    fn tiers_or_a_narrowing_expression_keep_a_pool_per_member() {
        let by_level = Plan::build(&groups(
            6,
            "queue = \"q\", order_by = \"worker.level DESC\"",
        ));
        assert_eq!(by_level.pool_bound.len(), 6);
        let tiers: Vec<u32> = by_level.waitlists[0]
            .candidates
            .iter()
            .map(|c| c.1)
            .collect();
        assert_eq!(tiers, vec![0, 0, 1, 1, 2, 2]);
        // Levels 2, 2, 1, 1, 0, 0: groups 2 and 5, then 1 and 4, then 0 and 3.
        let heaps: Vec<u32> = by_level.waitlists[0]
            .candidates
            .iter()
            .map(|c| c.0)
            .collect();
        let pools = [2, 5, 1, 4, 0, 3].map(|p| by_level.idle_heap(p, 0));
        assert_eq!(heaps, pools);

        let s = groups(
            6,
            "queue = \"q\", expression = \"task.lang IN worker.langs\"",
        );
        let plan = Plan::build(&s);
        assert_eq!(plan.pool_bound.len(), 6);
        // One list per language: English takes everyone, Spanish the even groups.
        assert_eq!(plan.waitlists.len(), 2);
        assert_eq!(plan.index.by_class.len(), s.classes.len());
        let step = s.workflow.filters[0].steps[0];
        let mut sizes: Vec<usize> = (0..s.classes.len() as u32)
            .map(|c| {
                plan.waitlists[plan.waitlist(step, c) as usize]
                    .candidates
                    .len()
            })
            .collect();
        sizes.sort();
        assert_eq!(sizes, vec![3, 6]);
        assert!(plan.eligible(plan.waitlist(step, 0), 0));
    }
}
