//! Routing: where a task waits and which worker gets it.
//!
//! [`Plan`] is built once per scenario. It maps every (step, task class) to a
//! **waitlist**: tasks share one when they are in the same queue and channel
//! and the same workers are eligible for them (same step expression, same
//! values of the task attributes it reads, same known worker). So a free
//! worker checks one top per waitlist, never every task. Eligibility that
//! depends only on static worker attributes is decided here, per (waitlist,
//! worker profile); expressions reading live worker state
//! (`worker.channel.*`, activity) are evaluated on candidate pairs only.
//!
//! At run time [`Router`] keeps a heap per waitlist (best task first: higher
//! priority, then older creation time, then earlier arrival — or newest first
//! in a LIFO queue, docs/routing.md, "Which task a free worker takes") and a heap of free workers per
//! (profile, queue, channel), longest since the last reservation first (docs/routing.md, "Which worker gets a task").
//! Both heaps delete lazily and compact themselves.

use crate::expr::{KeyId, Resolver, Scope, ValueRef};
use crate::scenario::{Scenario, StepId, WEEKDAYS};
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
    /// A class whose attributes stand for every task in the list.
    pub class: u32,
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
    /// (profile-queue pair, tier) of every statically eligible profile, in the
    /// step's `order_by` order: where to look for a free worker.
    pub candidates: Vec<(u32, u32)>,
}

/// What makes two (step, class) pairs share a waitlist: queue, channel, step
/// expression text, the values of the task attributes it reads, known worker,
/// and `order_by` (so a list has one worker order).
type WaitListKey = (u32, u32, Option<String>, String, Option<u32>, String);

/// Routing tables derived once from a scenario (shared by replications).
#[derive(Debug, Clone)]
pub struct Plan {
    /// Every waitlist.
    pub waitlists: Vec<WaitList>,
    waitlist_of: Vec<u32>,
    n_classes: usize,
    /// Per (waitlist, profile): member of the queue, capacity on the channel,
    /// and (unless dynamic) the step expression holds.
    eligible: Vec<bool>,
    /// Per profile: the waitlists it may serve.
    pub profile_waitlists: Vec<Vec<u32>>,
    /// Per step: profiles in `order_by` order with their tier (equal keys
    /// share a tier); empty `order_by` puts every profile in tier 0.
    pub step_order: Vec<Vec<(u32, u32)>>,
    /// Per step: `order_by` reads live worker state.
    pub step_dynamic_order: Vec<bool>,
    /// Per key: how `worker.<key>` resolves.
    pub worker_field: Vec<WorkerField>,
    /// Per key: how `taskrouter.<key>` resolves.
    pub clock_field: Vec<ClockField>,
    /// Per key: what `workers.<key>` counts.
    pub skip_counter: Vec<SkipCounter>,
    /// Per (profile, queue): index of the (profile, queue) pair, or `u32::MAX`.
    pq_index: Vec<u32>,
    /// Number of (profile, queue) membership pairs.
    pub n_pairs: usize,
    /// Workers per queue at the start (before scripted changes).
    pub members: Vec<u32>,
    /// Per (queue, channel): its waitlists (for queue lengths).
    pub queue_waitlists: Vec<Vec<u32>>,
    /// Per profile: its (profile, queue) pair indices, in its queue order.
    pub profile_pairs: Vec<Vec<u32>>,
    /// Per profile: capacity units over all channels (a worker holding that
    /// many tasks has no room anywhere).
    pub profile_capacity: Vec<u32>,
    /// Per class: the first matching filter, decided at load time (`None`
    /// inside when no filter matches); absent when a filter reads the clock.
    first_filter: Option<Vec<Option<usize>>>,
    /// Worker names, `<group>-<n>`, for known-worker routing and `worker.sid`.
    pub worker_names: Vec<String>,
    n_queues: usize,
    n_profiles: usize,
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
        let n_classes = s.classes.len();
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

        // Waitlists, deduplicated by what decides eligibility.
        let mut waitlists: Vec<WaitList> = Vec::new();
        let mut by_key: HashMap<WaitListKey, u32> = HashMap::new();
        let mut waitlist_of = vec![u32::MAX; wf.steps.len() * n_classes];
        for (si, step) in wf.steps.iter().enumerate() {
            // Task keys the step's expression reads: its projection.
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
            for (ci, class) in s.classes.iter().enumerate() {
                let mut projection = String::new();
                for k in &task_keys {
                    use std::fmt::Write;
                    let _ = write!(projection, "{:?};", class.attrs.get(*k));
                }
                let known = step.known_worker.map(|k| match class.attrs.get(k) {
                    ValueRef::Str(name) => name_index.get(name).copied().unwrap_or(u32::MAX),
                    _ => u32::MAX,
                });
                let order: String = step
                    .order_by
                    .iter()
                    .map(|c| format!("{}{};", c.key.0, if c.desc { "d" } else { "a" }))
                    .collect();
                let channel = step.channel.unwrap_or(class.channel).0;
                let key = (
                    step.queue.0,
                    channel,
                    step.expression_text.clone(),
                    projection,
                    known,
                    order,
                );
                let id = *by_key.entry(key).or_insert_with(|| {
                    waitlists.push(WaitList {
                        queue: step.queue.0,
                        channel,
                        step: StepId(si as u32),
                        class: ci as u32,
                        known,
                        lifo: s.queues[step.queue.idx()].lifo,
                        dynamic,
                        slow: false,
                        candidates: Vec::new(),
                    });
                    waitlists.len() as u32 - 1
                });
                waitlist_of[si * n_classes + ci] = id;
            }
        }

        let mut eligible = vec![false; waitlists.len() * n_profiles];
        let mut profile_waitlists = vec![Vec::new(); n_profiles];
        for (wi, wl) in waitlists.iter().enumerate() {
            let step = &wf.steps[wl.step.idx()];
            for (p, g) in s.profiles.iter().enumerate() {
                let member =
                    g.queues.iter().any(|q| q.0 == wl.queue) && g.capacity[wl.channel as usize] > 0;
                let known_ok = wl
                    .known
                    .is_none_or(|w| w != u32::MAX && worker_group[w as usize] == g.group.0);
                let expr_ok = wl.dynamic
                    || step.expression.as_ref().is_none_or(|e| {
                        e.eval(&StaticPair {
                            task: &s.classes[wl.class as usize].attrs,
                            worker: &g.attrs,
                        })
                    });
                if member && known_ok && expr_ok {
                    eligible[wi * n_profiles + p] = true;
                    profile_waitlists[p].push(wi as u32);
                }
            }
        }

        // order_by: static clauses sort profiles into tiers.
        let mut step_order = Vec::new();
        let mut step_dynamic_order = Vec::new();
        for step in &wf.steps {
            let dynamic = step
                .order_by
                .iter()
                .any(|c| worker_field[c.key.idx()] != WorkerField::Attr);
            let key = |g: usize| -> Vec<Option<i64>> {
                step.order_by
                    .iter()
                    .map(|c| int_attr(s.profiles[g].attrs.get(c.key)))
                    .collect()
            };
            let mut profiles: Vec<u32> = (0..n_profiles as u32).collect();
            profiles.sort_by(|&a, &b| {
                compare_keys(&key(a as usize), &key(b as usize), &step.order_by).then(a.cmp(&b))
            });
            let mut out = Vec::new();
            let mut tier = 0;
            for (i, &p) in profiles.iter().enumerate() {
                if i > 0
                    && compare_keys(
                        &key(profiles[i - 1] as usize),
                        &key(p as usize),
                        &step.order_by,
                    ) != Ordering::Equal
                {
                    tier += 1;
                }
                out.push((p, if dynamic { 0 } else { tier }));
            }
            step_order.push(out);
            step_dynamic_order.push(dynamic);
        }

        let mut pq_index = vec![u32::MAX; n_profiles * n_queues];
        let mut n_pairs = 0;
        let mut members = vec![0u32; n_queues];
        let mut profile_pairs = vec![Vec::new(); n_profiles];
        for (p, profile) in s.profiles.iter().enumerate() {
            for q in &profile.queues {
                pq_index[p * n_queues + q.idx()] = n_pairs as u32;
                profile_pairs[p].push(n_pairs as u32);
                n_pairs += 1;
                if p < s.groups.len() {
                    members[q.idx()] += s.groups[p].count;
                }
            }
        }
        for (wi, wl) in waitlists.iter_mut().enumerate() {
            let step = wl.step.idx();
            wl.slow = wl.dynamic || step_dynamic_order[step];
            wl.candidates = step_order[step]
                .iter()
                .filter(|(p, _)| eligible[wi * n_profiles + *p as usize])
                .map(|&(p, tier)| (pq_index[p as usize * n_queues + wl.queue as usize], tier))
                .collect();
        }
        let mut queue_waitlists = vec![Vec::new(); n_queues * channels.len()];
        for (i, wl) in waitlists.iter().enumerate() {
            queue_waitlists[wl.queue as usize * channels.len() + wl.channel as usize]
                .push(i as u32);
        }
        Plan {
            queue_waitlists,
            waitlists,
            waitlist_of,
            n_classes,
            eligible,
            profile_waitlists,
            step_order,
            step_dynamic_order,
            worker_field,
            clock_field,
            skip_counter,
            pq_index,
            n_pairs,
            members,
            profile_pairs,
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
            n_queues,
            n_profiles,
        }
    }

    /// The waitlist of a task of `class` in `step`.
    #[inline]
    pub fn waitlist(&self, step: StepId, class: u32) -> u32 {
        self.waitlist_of[step.idx() * self.n_classes + class as usize]
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
        self.eligible[waitlist as usize * self.n_profiles + profile as usize]
    }

    /// Index of the (profile, queue) pair, if the profile is a member.
    #[inline]
    pub fn pair(&self, profile: u32, queue: u32) -> Option<u32> {
        let i = self.pq_index[profile as usize * self.n_queues + queue as usize];
        (i != u32::MAX).then_some(i)
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

/// Waiting tasks per waitlist and free workers per (profile, queue, channel).
pub struct Router {
    n_channels: usize,
    waiting: Vec<BinaryHeap<WaitEntry>>,
    waiting_stale: Vec<u32>,
    idle: Vec<BinaryHeap<IdleEntry>>,
    idle_bound: Vec<u32>,
}

impl Router {
    /// Empty heaps for a plan; `pair_members[i]` bounds the live entries of
    /// (profile, queue) pair i.
    pub fn new(plan: &Plan, n_channels: usize, pair_members: &[u32]) -> Router {
        let n = plan.n_pairs * n_channels;
        Router {
            n_channels,
            waiting: (0..plan.waitlists.len())
                .map(|_| BinaryHeap::new())
                .collect(),
            waiting_stale: vec![0; plan.waitlists.len()],
            idle: (0..n).map(|_| BinaryHeap::new()).collect(),
            idle_bound: (0..n).map(|i| pair_members[i / n_channels]).collect(),
        }
    }

    /// Puts a task in a waitlist.
    #[inline]
    pub fn enqueue(&mut self, waitlist: u32, e: WaitEntry) {
        self.waiting[waitlist as usize].push(e);
    }

    /// Notes that a task left a waitlist unserved; compacts when stale entries dominate.
    #[inline]
    pub fn left_unserved(&mut self, waitlist: u32, live: impl Fn(&WaitEntry) -> bool) {
        let i = waitlist as usize;
        self.waiting_stale[i] += 1;
        let stale = self.waiting_stale[i] as usize;
        if stale > 64 && stale * 2 > self.waiting[i].len() {
            self.waiting[i].retain(|e| live(e));
            self.waiting_stale[i] = 0;
        }
    }

    /// The best live task of a waitlist, dropping stale tops.
    #[inline]
    pub fn peek_waiting(
        &mut self,
        waitlist: u32,
        live: impl Fn(&WaitEntry) -> bool,
    ) -> Option<WaitEntry> {
        let i = waitlist as usize;
        let heap = &mut self.waiting[i];
        while let Some(top) = heap.peek() {
            if live(top) {
                return Some(*top);
            }
            heap.pop();
            self.waiting_stale[i] = self.waiting_stale[i].saturating_sub(1);
        }
        None
    }

    /// Every entry of a waitlist, stale ones included, in no order (for the
    /// audit trail; the caller tells live entries apart).
    pub fn waiting_entries(&self, waitlist: u32) -> impl Iterator<Item = &WaitEntry> {
        self.waiting[waitlist as usize].iter()
    }

    /// Tasks waiting in a waitlist (entries less those known to be stale).
    #[inline]
    pub fn waiting_len(&self, waitlist: u32) -> usize {
        let i = waitlist as usize;
        self.waiting[i].len() - self.waiting_stale[i] as usize
    }

    /// Removes the top of a waitlist after [`Router::peek_waiting`] returned it.
    #[inline]
    pub fn pop_waiting(&mut self, waitlist: u32) {
        self.waiting[waitlist as usize].pop();
    }

    #[inline]
    fn idle_slot(&self, pair: u32, channel: u32) -> usize {
        pair as usize * self.n_channels + channel as usize
    }

    /// Offers a free worker to a (profile, queue) pair on a channel.
    #[inline]
    pub fn push_idle(
        &mut self,
        pair: u32,
        channel: u32,
        e: IdleEntry,
        valid: impl Fn(&IdleEntry) -> bool,
    ) {
        let i = self.idle_slot(pair, channel);
        let heap = &mut self.idle[i];
        heap.push(e);
        if heap.len() > 2 * self.idle_bound[i] as usize + 64 {
            heap.retain(|e| valid(e));
        }
    }

    /// The longest-idle valid worker of a (pair, channel), left in place.
    #[inline]
    pub fn peek_idle(
        &mut self,
        pair: u32,
        channel: u32,
        valid: impl Fn(&IdleEntry) -> bool,
    ) -> Option<IdleEntry> {
        let i = self.idle_slot(pair, channel);
        let heap = &mut self.idle[i];
        while let Some(top) = heap.peek() {
            if valid(top) {
                return Some(*top);
            }
            heap.pop();
        }
        None
    }

    /// Removes the top of a (pair, channel) after [`Router::peek_idle`] returned it.
    #[inline]
    pub fn pop_idle(&mut self, pair: u32, channel: u32) {
        let i = self.idle_slot(pair, channel);
        self.idle[i].pop();
    }

    /// Removes and returns every valid entry of a (pair, channel) into `out`
    /// (for the slow path that must look past the top); the caller pushes
    /// back those it does not use.
    pub fn drain_idle(
        &mut self,
        pair: u32,
        channel: u32,
        valid: impl Fn(&IdleEntry) -> bool,
        out: &mut Vec<IdleEntry>,
    ) {
        let i = self.idle_slot(pair, channel);
        out.extend(self.idle[i].drain().filter(|e| valid(e)));
    }

    /// Puts an entry back without compaction checks (after `drain_idle`).
    pub fn restore_idle(&mut self, pair: u32, channel: u32, e: IdleEntry) {
        let i = self.idle_slot(pair, channel);
        self.idle[i].push(e);
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
}
