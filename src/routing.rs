//! Routing: where a task waits and which worker gets it.
//!
//! [`Plan`] is built once per scenario. It maps every (step, task class) the
//! workflow walk can produce to a **waitlist**: tasks share one when they are
//! in the same queue and channel and the same workers are eligible for them
//! (same step expression, same values of the task attributes it reads, same
//! known worker). So a free worker checks one top per waitlist, never every
//! task. Eligibility that depends only on static worker attributes is decided
//! here, per (waitlist, member profile of its queue); expressions reading
//! live worker state (`worker.channel.*`, activity) are evaluated on
//! candidate pairs only.
//!
//! At run time [`Router`] keeps a heap per waitlist (best task first: higher
//! priority, then older creation time, then earlier arrival — or newest first
//! in a LIFO queue, docs/routing.md, "Which task a free worker takes") and a
//! heap of free workers per (idle pool, channel), longest since the last
//! reservation first (docs/routing.md, "Which worker gets a task"). A pool
//! holds the members of one (profile, queue) pair, or every member of a queue
//! whose lists all take the longest-idle capable member: then a task entering
//! a step peeks one heap, however many groups serve the queue. Both heaps
//! delete lazily and compact themselves.

use crate::expr::{KeyId, Resolver, Scope, ValueRef};
use crate::scenario::{Scenario, StepId, TransferTarget, WEEKDAYS};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
// ------------------------------------------------------------ plan

/// What a `worker.<key>` path reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerField {
    /// A plain attribute of the worker's profile.
    Attr,
    /// `channel.<c>.configured_capacity`.
    Capacity(u32),
    /// `channel.<c>.assigned_tasks`.
    Assigned(u32),
    /// `channel.<c>.available_capacity_percentage`.
    CapacityPct(u32),
    /// `sid` / `friendly_name`.
    Name,
    /// `activity_name`.
    Activity,
    /// `activity_sid`: the activity's SID when `[[activities]]` gives one,
    /// else its name (built-in activities have no SID of their own) [I].
    ActivitySid,
}

/// What a `taskrouter.<key>` path reads (all UTC, from the simulated clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockField {
    /// Not a clock value: null.
    None,
    /// `currentTime`: HHMM as an integer.
    Time,
    /// `currentHour`.
    Hour,
    /// `currentMin`.
    Minute,
    /// `dayOfWeek`: "Mon" … "Sun".
    Weekday,
}

/// What a `workers.<key>` counter of `skip_if` counts among the members of
/// the step's queue (docs/routing.md, "skip_if").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipCounter {
    /// `workers.available`: in an available activity.
    Available,
    /// `workers.unavailable`: in any other activity.
    Unavailable,
    /// `workers.<activity name or SID>`: in that activity.
    Activity(u8),
    /// Anything else counts 0 (validation warns).
    Zero,
}

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
    /// (idle pool, tier) of every statically eligible profile, in the step's
    /// `order_by` order: where to look for a free worker.
    pub candidates: Vec<(u32, u32)>,
}

/// A `by_channel` entry that sends the lookup to the step's per-class lists.
const PER_CLASS: u32 = u32::MAX;

/// What makes tasks of one step shape (queue, expression text, `order_by`)
/// share a waitlist: channel, the values of the task attributes the
/// expression reads, and the known worker.
type WaitListKey = (u32, u32, String, Option<u32>);

/// Routing tables derived once from a scenario (shared by replications).
/// Every table is linear in the model: per step, class, profile, queue or
/// (profile, queue) membership, never a product of two of them.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every waitlist.
    pub waitlists: Vec<WaitList>,
    /// Per (channel, step): the waitlist when the step's expression reads no
    /// task attribute and it names no known worker (only the channel tells
    /// its lists apart), else [`PER_CLASS`].
    by_channel: Vec<u32>,
    /// Per step: its range of `by_class`.
    class_range: Vec<(u32, u32)>,
    /// (class, waitlist) of the other steps, for every class that can reach
    /// them, sorted by class within a step.
    by_class: Vec<(u32, u32)>,
    /// Per class: where its channel's row of `by_channel` starts.
    class_row: Vec<u32>,
    /// Per profile: the waitlists it may serve, ascending. Membership is
    /// static eligibility: member of the queue, capacity on the channel,
    /// and (unless dynamic) the step expression holds.
    pub profile_waitlists: Vec<Vec<u32>>,
    /// Per key: how `worker.<key>` resolves.
    pub worker_field: Vec<WorkerField>,
    /// Per key: how `taskrouter.<key>` resolves.
    pub clock_field: Vec<ClockField>,
    /// Per key: what `workers.<key>` counts.
    pub skip_counter: Vec<SkipCounter>,
    /// Per idle pool: workers that can be in it at once (bounds its heap).
    pub pool_bound: Vec<u32>,
    /// Workers per queue at the start (before scripted changes).
    pub members: Vec<u32>,
    /// Per (queue, channel): its waitlists (for queue lengths).
    pub queue_waitlists: Vec<Vec<u32>>,
    /// Per profile: the idle pool of each of its queues, in its queue order.
    pub profile_pools: Vec<Vec<u32>>,
    /// Per profile: capacity units over all channels (a worker holding that
    /// many tasks has no room anywhere).
    pub profile_capacity: Vec<u32>,
    /// Per class: the first matching filter, decided at load time (`None`
    /// inside when no filter matches); absent when a filter reads the clock.
    first_filter: Option<Vec<Option<usize>>>,
    /// Worker names, `<group>-<n>`, for known-worker routing and `worker.sid`.
    pub worker_names: Vec<String>,
}

fn classify_worker_key(name: &str, channels: &[String]) -> WorkerField {
    if let Some(rest) = name.strip_prefix("channel.") {
        let mut it = rest.splitn(2, '.');
        let (ch, field) = (it.next().unwrap_or(""), it.next().unwrap_or(""));
        if let Some(c) = channels.iter().position(|x| x == ch) {
            let c = c as u32;
            return match field {
                "configured_capacity" => WorkerField::Capacity(c),
                "assigned_tasks" => WorkerField::Assigned(c),
                "available_capacity_percentage" => WorkerField::CapacityPct(c),
                _ => WorkerField::Attr,
            };
        }
    }
    match name {
        "sid" | "friendly_name" => WorkerField::Name,
        "activity_name" => WorkerField::Activity,
        "activity_sid" => WorkerField::ActivitySid,
        _ => WorkerField::Attr,
    }
}

/// A task and a worker profile, for evaluating static expressions at plan time.
struct StaticPair<'a> {
    task: &'a crate::expr::Attrs,
    worker: &'a crate::expr::Attrs,
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

/// What a step's expression reads.
struct StepReads {
    /// Task keys, sorted: the projection that tells its waitlists apart.
    task_keys: Vec<KeyId>,
    /// Live worker state or the clock.
    dynamic: bool,
}

impl StepReads {
    fn of(step: &crate::scenario::Step, worker_field: &[WorkerField]) -> StepReads {
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
    fn per_channel(&self, step: &crate::scenario::Step) -> bool {
        self.task_keys.is_empty() && step.known_worker.is_none()
    }
}

/// Which (step, class) pairs can occur, mirroring the engine's walk: a class
/// enters the steps of the filters it matches (`filter_match`, which counts
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
        for (f, _) in class.filter_match.iter().enumerate().filter(|(_, m)| **m) {
            if !transfer_target[f] {
                wf.filters[f].steps.iter().for_each(|st| enter(st.idx()));
            }
        }
    }
    pairs.sort_unstable();
    (channels, pairs)
}

/// Profiles in a step's `order_by` order (profile index among equals) with
/// their tier: equal keys share one; an order reading live state puts every
/// profile in tier 0 (the slow path sorts workers itself). `eligible` holds
/// (member index, profile) in profile order; the result keeps the member index.
fn order_tiers(
    s: &Scenario,
    step: &crate::scenario::Step,
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

impl Plan {
    /// Builds the routing tables of a scenario.
    pub fn build(s: &Scenario) -> Plan {
        let channels: Vec<String> = s.channels.iter().map(|c| c.name.clone()).collect();
        let n_keys = s.keys.len();
        let worker_field: Vec<WorkerField> = (0..n_keys)
            .map(|k| classify_worker_key(s.keys.name(KeyId(k as u32)), &channels))
            .collect();
        let clock_field = (0..n_keys)
            .map(|k| match s.keys.name(KeyId(k as u32)) {
                "currentTime" => ClockField::Time,
                "currentHour" => ClockField::Hour,
                "currentMin" => ClockField::Minute,
                "dayOfWeek" => ClockField::Weekday,
                _ => ClockField::None,
            })
            .collect();
        let skip_counter = (0..n_keys)
            .map(|k| match s.keys.name(KeyId(k as u32)) {
                "available" => SkipCounter::Available,
                "unavailable" => SkipCounter::Unavailable,
                n => s
                    .activities
                    .iter()
                    .position(|a| a.name == n || a.sid.as_deref() == Some(n))
                    .map_or(SkipCounter::Zero, |a| SkipCounter::Activity(a as u8)),
            })
            .collect();
        let n_profiles = s.profiles.len();
        let n_queues = s.queues.len();
        let n_channels = channels.len();
        let wf = &s.workflow;
        let mut worker_names = Vec::new();
        for g in &s.groups {
            for i in 0..g.count {
                worker_names.push(format!("{}-{}", g.name, i + 1));
            }
        }
        let name_index: HashMap<&str, u32> = worker_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i as u32))
            .collect();
        let worker_group: Vec<u32> = s
            .groups
            .iter()
            .enumerate()
            .flat_map(|(g, grp)| std::iter::repeat_n(g as u32, grp.count as usize))
            .collect();

        // Waitlists, deduplicated by what decides eligibility, for the
        // (step, class) pairs the walk can produce.
        let reads: Vec<StepReads> = wf
            .steps
            .iter()
            .map(|st| StepReads::of(st, &worker_field))
            .collect();
        let per_channel: Vec<bool> = wf
            .steps
            .iter()
            .zip(&reads)
            .map(|(st, r)| r.per_channel(st))
            .collect();
        let (reach_channels, reach_pairs) = reach(s, &per_channel);
        let mut shapes: HashMap<(u32, Option<&str>, String), u32> = HashMap::new();
        let mut waitlists: Vec<WaitList> = Vec::new();
        // Per waitlist: a class whose attributes stand for its tasks.
        let mut sample: Vec<Option<u32>> = Vec::new();
        let mut by_key: HashMap<WaitListKey, u32> = HashMap::new();
        let n_steps = wf.steps.len();
        let mut by_channel = vec![PER_CLASS; n_channels * n_steps];
        let mut class_range = Vec::with_capacity(wf.steps.len());
        let mut by_class = Vec::new();
        let mut pairs = reach_pairs.iter().peekable();
        for (si, step) in wf.steps.iter().enumerate() {
            let order: String = step
                .order_by
                .iter()
                .map(|c| format!("{}{};", c.key.0, if c.desc { "d" } else { "a" }))
                .collect();
            let n_shapes = shapes.len() as u32;
            let shape = *shapes
                .entry((step.queue.0, step.expression_text.as_deref(), order))
                .or_insert(n_shapes);
            let mut list = |channel: u32, projection: String, known, class| {
                *by_key
                    .entry((shape, channel, projection, known))
                    .or_insert_with(|| {
                        waitlists.push(WaitList {
                            queue: step.queue.0,
                            channel,
                            step: StepId(si as u32),
                            known,
                            lifo: s.queues[step.queue.idx()].lifo,
                            dynamic: reads[si].dynamic,
                            slow: false,
                            candidates: Vec::new(),
                        });
                        sample.push(class);
                        waitlists.len() as u32 - 1
                    })
            };
            let from = by_class.len() as u32;
            if per_channel[si] {
                for ch in 0..n_channels {
                    if reach_channels[si * n_channels + ch] {
                        by_channel[ch * n_steps + si] = list(ch as u32, String::new(), None, None);
                    }
                }
                if let Some(c) = step.channel {
                    // Every class waits on the step's own channel.
                    let id = by_channel[c.idx() * n_steps + si];
                    (0..n_channels).for_each(|ch| by_channel[ch * n_steps + si] = id);
                }
                class_range.push((from, from));
                continue;
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
                by_class.push((ci, list(channel, projection, known, Some(ci))));
            }
            class_range.push((from, by_class.len() as u32));
        }

        // Static eligibility, over the members of each list's queue only.
        let mut queue_profiles: Vec<Vec<u32>> = vec![Vec::new(); n_queues];
        for (p, profile) in s.profiles.iter().enumerate() {
            for q in &profile.queues {
                queue_profiles[q.idx()].push(p as u32);
            }
        }
        let no_attrs = crate::expr::Attrs::default();
        let mut profile_waitlists = vec![Vec::new(); n_profiles];
        // Per waitlist: (member index in its queue, tier), in worker order.
        let mut eligible_members = Vec::with_capacity(waitlists.len());
        for (wi, wl) in waitlists.iter_mut().enumerate() {
            let step = &wf.steps[wl.step.idx()];
            let task = sample[wi].map_or(&no_attrs, |c| &s.classes[c as usize].attrs);
            let eligible: Vec<(u32, u32)> = queue_profiles[wl.queue as usize]
                .iter()
                .enumerate()
                .filter(|&(_, &p)| {
                    let g = &s.profiles[p as usize];
                    let known_ok = wl
                        .known
                        .is_none_or(|w| w != u32::MAX && worker_group[w as usize] == g.group.0);
                    let expr_ok = wl.dynamic
                        || step.expression.as_ref().is_none_or(|e| {
                            e.eval(&StaticPair {
                                task,
                                worker: &g.attrs,
                            })
                        });
                    g.capacity[wl.channel as usize] > 0 && known_ok && expr_ok
                })
                .map(|(m, &p)| (m as u32, p))
                .collect();
            for &(_, p) in &eligible {
                profile_waitlists[p as usize].push(wi as u32);
            }
            let live_order = step
                .order_by
                .iter()
                .any(|c| worker_field[c.key.idx()] != WorkerField::Attr);
            wl.slow = wl.dynamic || live_order;
            eligible_members.push(order_tiers(s, step, live_order, &eligible));
        }

        // Idle pools: a queue's members share one when every list of the
        // queue takes whichever capable member has waited longest, so the
        // shared heap's top is the one a scan of per-member heaps would pick.
        // Otherwise one per (profile, queue) membership.
        let mut shared = vec![true; n_queues];
        for (wl, members) in waitlists.iter().zip(&eligible_members) {
            let q = wl.queue as usize;
            let capable = queue_profiles[q]
                .iter()
                .filter(|&&p| s.profiles[p as usize].capacity[wl.channel as usize] > 0)
                .count();
            shared[q] &= !wl.slow
                && wl.known.is_none()
                && members.len() == capable
                && members.windows(2).all(|w| w[0].1 == w[1].1);
        }
        let mut pool_start = Vec::with_capacity(n_queues);
        let mut pool_bound: Vec<u32> = Vec::new();
        for (q, profiles) in queue_profiles.iter().enumerate() {
            pool_start.push(pool_bound.len() as u32);
            let count = |p: &u32| s.groups[s.profiles[*p as usize].group.idx()].count;
            if shared[q] && !profiles.is_empty() {
                pool_bound.push(profiles.iter().map(count).sum());
            } else {
                pool_bound.extend(profiles.iter().map(count));
            }
        }
        let pool = |q: usize, member: u32| pool_start[q] + if shared[q] { 0 } else { member };
        for (wl, members) in waitlists.iter_mut().zip(eligible_members) {
            let q = wl.queue as usize;
            wl.candidates = members
                .iter()
                .map(|&(m, tier)| (pool(q, m), tier))
                .collect();
            wl.candidates.dedup();
        }
        let profile_pools = s
            .profiles
            .iter()
            .enumerate()
            .map(|(p, profile)| {
                profile
                    .queues
                    .iter()
                    .map(|q| {
                        let members = &queue_profiles[q.idx()];
                        let m = members.binary_search(&(p as u32)).expect("a member");
                        pool(q.idx(), m as u32)
                    })
                    .collect()
            })
            .collect();

        let mut members = vec![0u32; n_queues];
        for (p, profile) in s.profiles.iter().enumerate().take(s.groups.len()) {
            for q in &profile.queues {
                members[q.idx()] += s.groups[p].count;
            }
        }
        let mut queue_waitlists = vec![Vec::new(); n_queues * n_channels];
        for (i, wl) in waitlists.iter().enumerate() {
            queue_waitlists[wl.queue as usize * n_channels + wl.channel as usize].push(i as u32);
        }
        Plan {
            queue_waitlists,
            waitlists,
            by_channel,
            class_range,
            by_class,
            class_row: s
                .classes
                .iter()
                .map(|c| (c.channel.idx() * n_steps) as u32)
                .collect(),
            profile_waitlists,
            worker_field,
            clock_field,
            skip_counter,
            pool_bound,
            members,
            profile_pools,
            profile_capacity: s
                .profiles
                .iter()
                .map(|g| g.capacity.iter().map(|&c| u32::from(c)).sum())
                .collect(),
            first_filter: (!wf.filters.iter().any(|f| f.dynamic)).then(|| {
                s.classes
                    .iter()
                    .map(|c| c.filter_match.iter().position(|m| *m))
                    .collect()
            }),
            worker_names,
        }
    }

    /// The waitlist of a task of `class` in `step`.
    #[inline]
    pub fn waitlist(&self, step: StepId, class: u32) -> u32 {
        let row = self.class_row[class as usize] as usize;
        match self.by_channel[row + step.idx()] {
            PER_CLASS => self.waitlist_of_class(step, class),
            id => id,
        }
    }

    /// [`Plan::waitlist`] of a step whose lists depend on the class.
    #[cold]
    fn waitlist_of_class(&self, step: StepId, class: u32) -> u32 {
        let (from, to) = self.class_range[step.idx()];
        let lists = &self.by_class[from as usize..to as usize];
        let i = lists
            .binary_search_by_key(&class, |&(c, _)| c)
            .expect("a class enters only the steps the plan found it can reach");
        lists[i].1
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

/// An integer attribute for `order_by` (docs/routing.md, "Which worker gets a task": only integers count).
pub fn int_attr(v: ValueRef<'_>) -> Option<i64> {
    match v {
        ValueRef::Num(n) if n.fract() == 0.0 && n.is_finite() => Some(n as i64),
        _ => None,
    }
}

/// `order_by` comparison: clause by clause; a worker lacking the value sorts
/// after those that have it, in both directions (docs/routing.md, "Which worker gets a task"). `Less` = goes first.
pub fn compare_keys(
    a: &[Option<i64>],
    b: &[Option<i64>],
    clauses: &[crate::scenario::OrderClause],
) -> Ordering {
    for ((x, y), c) in a.iter().zip(b).zip(clauses) {
        let o = match (x, y) {
            (Some(x), Some(y)) => {
                if c.desc {
                    y.cmp(x)
                } else {
                    x.cmp(y)
                }
            }
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

/// A clock value at time `t` (seconds from the start, day 0 = `start_weekday`).
pub fn clock_value(field: ClockField, t: f64, start_weekday: u8) -> ValueRef<'static> {
    let secs = t.max(0.0) as u64;
    let (day, tod) = (secs / 86_400, secs % 86_400);
    let (h, m) = (tod / 3600, (tod % 3600) / 60);
    match field {
        ClockField::None => ValueRef::Null,
        ClockField::Time => ValueRef::Num((h * 100 + m) as f64),
        ClockField::Hour => ValueRef::Num(h as f64),
        ClockField::Minute => ValueRef::Num(m as f64),
        ClockField::Weekday => {
            ValueRef::Str(WEEKDAYS[((day + u64::from(start_weekday)) % 7) as usize])
        }
    }
}

// ------------------------------------------------------------ run-time heaps

/// A task waiting in a waitlist.
#[derive(Debug, Clone, Copy)]
pub struct WaitEntry {
    /// Larger is served first: priority (0 in LIFO lists).
    pub rank: u32,
    /// Creation time (FIFO: older first; LIFO: newer first).
    pub created: f64,
    /// Arrival sequence: the last tie-break.
    pub seq: u64,
    /// Task slot.
    pub task: u32,
    /// Slot generation and routing epoch when queued; stale if either changed.
    pub generation: u32,
    /// Routing epoch (step entries) when queued.
    pub epoch: u32,
    /// LIFO ordering.
    pub lifo: bool,
}

impl WaitEntry {
    /// True if `self` should be served before `other` (same kind of list).
    #[inline]
    pub fn better_than(&self, other: &WaitEntry) -> bool {
        self.cmp(other) == Ordering::Greater
    }
}

impl PartialEq for WaitEntry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for WaitEntry {}
impl PartialOrd for WaitEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for WaitEntry {
    #[inline]
    fn cmp(&self, o: &Self) -> Ordering {
        if self.lifo {
            self.created
                .total_cmp(&o.created)
                .then(self.seq.cmp(&o.seq))
        } else {
            self.rank
                .cmp(&o.rank)
                .then(o.created.total_cmp(&self.created))
                .then(o.seq.cmp(&self.seq))
        }
    }
}

/// A worker with free capacity, keyed by the time of its last reservation.
#[derive(Debug, Clone, Copy)]
pub struct IdleEntry {
    /// Time of the last reservation; `-inf` for never reserved.
    pub since: f64,
    /// Worker index.
    pub worker: u32,
    /// Worker stamp when offered; a mismatch means the entry is stale.
    pub stamp: u32,
}

impl IdleEntry {
    /// True if `self` has waited longer (goes first).
    #[inline]
    pub fn before(&self, o: &IdleEntry) -> bool {
        self.cmp(o) == Ordering::Greater
    }
}

impl PartialEq for IdleEntry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for IdleEntry {}
impl PartialOrd for IdleEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for IdleEntry {
    /// Reversed: the max-heap pops the longest-idle worker.
    #[inline]
    fn cmp(&self, o: &Self) -> Ordering {
        o.since
            .total_cmp(&self.since)
            .then(o.worker.cmp(&self.worker))
    }
}

/// The tasks of one waitlist, and how many of its entries are known stale.
#[derive(Default)]
struct Waiting {
    heap: BinaryHeap<WaitEntry>,
    stale: u32,
}

/// The free workers of one (pool, channel), and how many can be live at
/// once (beyond that, stale entries dominate and the heap compacts).
struct Idle {
    heap: BinaryHeap<IdleEntry>,
    bound: u32,
}

/// Waiting tasks per waitlist and free workers per (idle pool, channel).
pub struct Router {
    n_channels: usize,
    waiting: Vec<Waiting>,
    idle: Vec<Idle>,
}

impl Router {
    /// Empty heaps for a plan and its channels.
    pub fn new(plan: &Plan, n_channels: usize) -> Router {
        Router {
            n_channels,
            waiting: (0..plan.waitlists.len())
                .map(|_| Waiting::default())
                .collect(),
            idle: (0..plan.pool_bound.len() * n_channels)
                .map(|i| Idle {
                    heap: BinaryHeap::new(),
                    bound: plan.pool_bound[i / n_channels],
                })
                .collect(),
        }
    }

    /// Puts a task in a waitlist.
    #[inline]
    pub fn enqueue(&mut self, waitlist: u32, e: WaitEntry) {
        self.waiting[waitlist as usize].heap.push(e);
    }

    /// Notes that a task left a waitlist unserved; compacts when stale entries dominate.
    #[inline]
    pub fn left_unserved(&mut self, waitlist: u32, live: impl Fn(&WaitEntry) -> bool) {
        let w = &mut self.waiting[waitlist as usize];
        w.stale += 1;
        let stale = w.stale as usize;
        if stale > 64 && stale * 2 > w.heap.len() {
            w.heap.retain(|e| live(e));
            w.stale = 0;
        }
    }

    /// The best live task of a waitlist, dropping stale tops.
    #[inline]
    pub fn peek_waiting(
        &mut self,
        waitlist: u32,
        live: impl Fn(&WaitEntry) -> bool,
    ) -> Option<WaitEntry> {
        let w = &mut self.waiting[waitlist as usize];
        while let Some(top) = w.heap.peek() {
            if live(top) {
                return Some(*top);
            }
            w.heap.pop();
            w.stale = w.stale.saturating_sub(1);
        }
        None
    }

    /// Every entry of a waitlist, stale ones included, in no order (for the
    /// audit trail; the caller tells live entries apart).
    pub fn waiting_entries(&self, waitlist: u32) -> impl Iterator<Item = &WaitEntry> {
        self.waiting[waitlist as usize].heap.iter()
    }

    /// Tasks waiting in a waitlist (entries less those known to be stale).
    #[inline]
    pub fn waiting_len(&self, waitlist: u32) -> usize {
        let w = &self.waiting[waitlist as usize];
        w.heap.len() - w.stale as usize
    }

    /// Removes the top of a waitlist after [`Router::peek_waiting`] returned it.
    #[inline]
    pub fn pop_waiting(&mut self, waitlist: u32) {
        self.waiting[waitlist as usize].heap.pop();
    }

    #[inline]
    fn idle(&mut self, pool: u32, channel: u32) -> &mut Idle {
        &mut self.idle[pool as usize * self.n_channels + channel as usize]
    }

    /// Offers a free worker to an idle pool on a channel.
    #[inline]
    pub fn push_idle(
        &mut self,
        pool: u32,
        channel: u32,
        e: IdleEntry,
        valid: impl Fn(&IdleEntry) -> bool,
    ) {
        let idle = self.idle(pool, channel);
        idle.heap.push(e);
        if idle.heap.len() > 2 * idle.bound as usize + 64 {
            idle.heap.retain(|e| valid(e));
        }
    }

    /// The longest-idle valid worker of a (pool, channel), left in place.
    #[inline]
    pub fn peek_idle(
        &mut self,
        pool: u32,
        channel: u32,
        valid: impl Fn(&IdleEntry) -> bool,
    ) -> Option<IdleEntry> {
        let heap = &mut self.idle(pool, channel).heap;
        while let Some(top) = heap.peek() {
            if valid(top) {
                return Some(*top);
            }
            heap.pop();
        }
        None
    }

    /// Removes the top of a (pool, channel) after [`Router::peek_idle`] returned it.
    #[inline]
    pub fn pop_idle(&mut self, pool: u32, channel: u32) {
        self.idle(pool, channel).heap.pop();
    }

    /// Removes and returns every valid entry of a (pool, channel) into `out`
    /// (for the slow path that must look past the top); the caller pushes
    /// back those it does not use.
    pub fn drain_idle(
        &mut self,
        pool: u32,
        channel: u32,
        valid: impl Fn(&IdleEntry) -> bool,
        out: &mut Vec<IdleEntry>,
    ) {
        out.extend(self.idle(pool, channel).heap.drain().filter(|e| valid(e)));
    }

    /// Puts an entry back without compaction checks (after `drain_idle`).
    pub fn restore_idle(&mut self, pool: u32, channel: u32, e: IdleEntry) {
        self.idle(pool, channel).heap.push(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(rank: u32, created: f64, seq: u64, lifo: bool) -> WaitEntry {
        WaitEntry {
            rank,
            created,
            seq,
            task: seq as u32,
            generation: 0,
            epoch: 0,
            lifo,
        }
    }

    #[test]
    fn fifo_priority_beats_age_then_oldest_first() {
        let mut h = BinaryHeap::new();
        for e in [
            w(0, 1.0, 1, false),
            w(10, 5.0, 2, false),
            w(0, 0.5, 3, false),
            w(10, 5.0, 4, false),
        ] {
            h.push(e);
        }
        let order: Vec<u64> = std::iter::from_fn(|| h.pop()).map(|e| e.seq).collect();
        assert_eq!(order, vec![2, 4, 3, 1]);
    }

    #[test]
    fn lifo_newest_first_ignoring_priority() {
        let mut h = BinaryHeap::new();
        for e in [w(0, 1.0, 1, true), w(0, 5.0, 2, true), w(0, 3.0, 3, true)] {
            h.push(e);
        }
        let order: Vec<u64> = std::iter::from_fn(|| h.pop()).map(|e| e.seq).collect();
        assert_eq!(order, vec![2, 3, 1]);
    }

    #[test]
    fn longest_idle_first() {
        let a = IdleEntry {
            since: 5.0,
            worker: 0,
            stamp: 1,
        };
        let b = IdleEntry {
            since: f64::NEG_INFINITY,
            worker: 2,
            stamp: 1,
        };
        let c = IdleEntry {
            since: 1.0,
            worker: 1,
            stamp: 1,
        };
        assert!(b.before(&c) && c.before(&a));
    }

    #[test]
    fn order_by_missing_values_sort_last_both_ways() {
        use crate::scenario::OrderClause;
        let desc = [OrderClause {
            key: KeyId(0),
            desc: true,
        }];
        let asc = [OrderClause {
            key: KeyId(0),
            desc: false,
        }];
        assert_eq!(compare_keys(&[Some(4)], &[Some(2)], &desc), Ordering::Less);
        assert_eq!(
            compare_keys(&[Some(4)], &[Some(2)], &asc),
            Ordering::Greater
        );
        assert_eq!(compare_keys(&[None], &[Some(2)], &desc), Ordering::Greater);
        assert_eq!(compare_keys(&[None], &[Some(2)], &asc), Ordering::Greater);
        assert_eq!(int_attr(ValueRef::Num(2.5)), None);
        assert_eq!(int_attr(ValueRef::Str("3")), None);
    }

    #[test]
    fn clock_values() {
        // Day 1 at 13:05 with day 0 a Friday → Saturday.
        let t = 86_400.0 + 13.0 * 3600.0 + 5.0 * 60.0;
        assert_eq!(clock_value(ClockField::Time, t, 4), ValueRef::Num(1305.0));
        assert_eq!(clock_value(ClockField::Hour, t, 4), ValueRef::Num(13.0));
        assert_eq!(clock_value(ClockField::Weekday, t, 4), ValueRef::Str("Sat"));
    }

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
        for n in [10, 40] {
            let s = queues(n);
            let plan = Plan::build(&s);
            // One voice list per step; no per-class lists.
            assert_eq!(plan.waitlists.len(), n);
            assert_eq!(plan.by_channel.len(), n * s.channels.len());
            assert!(plan.by_class.is_empty());
            let candidates: usize = plan.waitlists.iter().map(|w| w.candidates.len()).sum();
            assert_eq!(candidates, n);
            assert_eq!(plan.pool_bound.len(), n);
            for (c, class) in s.classes.iter().enumerate() {
                let f = class
                    .filter_match
                    .iter()
                    .position(|m| *m)
                    .expect("a filter");
                let step = s.workflow.filters[f].steps[0];
                let wl = &plan.waitlists[plan.waitlist(step, c as u32) as usize];
                assert_eq!((wl.queue, wl.channel), (f as u32, class.channel.0));
            }
        }
    }

    #[test]
    fn members_taking_any_capable_worker_share_one_pool() {
        let s = groups(50, "queue = \"q\"");
        let plan = Plan::build(&s);
        assert_eq!(plan.pool_bound, vec![50]);
        assert!(plan.profile_pools.iter().all(|p| p == &[0]));
        assert_eq!(plan.waitlists.len(), 1);
        assert_eq!(plan.waitlists[0].candidates, vec![(0, 0)]);
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
        let pools: Vec<u32> = by_level.waitlists[0]
            .candidates
            .iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(pools, vec![2, 5, 1, 4, 0, 3]);

        let s = groups(
            6,
            "queue = \"q\", expression = \"task.lang IN worker.langs\"",
        );
        let plan = Plan::build(&s);
        assert_eq!(plan.pool_bound.len(), 6);
        // One list per language: English takes everyone, Spanish the even groups.
        assert_eq!(plan.waitlists.len(), 2);
        assert_eq!(plan.by_class.len(), s.classes.len());
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
