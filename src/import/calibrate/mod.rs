//! `ccsim calibrate`: a scenario fitted to an event history (issue 15,
//! part 2; docs/calibrate.md).
//!
//! The history says where each task went, how long it waited, who answered
//! it and for how long; it does not say why (the workflow's expressions and
//! the workers' attributes). So the calibrated scenario routes each arrival
//! source straight to the queue its tasks entered first, and describes each
//! group of workers by the queues they answered. Every number is fitted
//! from the history with its uncertainty, and the comparison behind each
//! choice goes into the calibration report beside the scenario.

mod estimators;
mod history;
mod layout;
mod redials;
mod report;
mod scenario_text;

pub use estimators::{TABLE_SIZE, table};
use estimators::{day_effects, staffing, transfers, weekday_profile};
pub use history::{History, TaskRecord, peak_concurrency};
pub use redials::Redials;

use super::arrivals::{self, Profile};
use super::durations::{self, Comparison};
use super::events::{Clock, EventLog};
use super::patience::{self, ExponentialFit, KaplanMeier, Wait};
use super::reservations::{self, Offers};
use super::toml_text::comment;
use super::workspace::channel_name;
use super::{Names, slug};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const DAY: f64 = 86_400.0;

/// The attribute each calibrated source carries so that the workflow sends
/// it to the queue its tasks entered first.
pub const QUEUE_ATTRIBUTE: &str = "calibrated_queue";

/// What `ccsim calibrate` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    /// Width of the intraday profile's pieces and of the statistics
    /// intervals (seconds; divides a day).
    pub interval_s: f64,
    /// Task attributes that split sources beyond channel and queue.
    pub by: Vec<String>,
    /// The scenario's name.
    pub name: String,
    /// Activities in which a worker takes tasks (for head counts from
    /// `worker.activity.update`).
    pub available: Vec<String>,
    /// The event files, for the scenario's header.
    pub inputs: Vec<String>,
    /// The task attribute naming the customer, to link a TaskRouter
    /// history's redials (ccsim's trail links them by task).
    pub customer: Option<String>,
    /// How soon after hanging up a customer's next task counts as a redial
    /// (seconds).
    pub redial_window_s: f64,
    /// Write talk and wrap-up times as empirical tables (quantiles of the
    /// observed values) rather than the fitted family.
    pub empirical: bool,
    /// Write a profile per weekday (a week-long profile) rather than one
    /// daily profile scaled by day-of-week multipliers.
    pub weekday_profiles: bool,
}

/// A wrap-up time: every one the same, or a fitted distribution.
#[derive(Debug, Clone, PartialEq)]
pub enum Wrapup {
    /// Every observed wrap-up lasted this long (seconds).
    Fixed(f64),
    /// Fitted families, best first.
    Fitted(Comparison),
}

/// One calibrated arrival source: the tasks of one channel that entered one
/// queue first (and share the `--by` attribute values).
#[derive(Debug, Clone)]
pub struct Source {
    /// Scenario name.
    pub name: String,
    /// Scenario channel name.
    pub channel: String,
    /// Scenario queue name.
    pub queue: String,
    /// The `--by` attributes and the value these tasks have (`None`: absent).
    pub by: Vec<(String, Option<Value>)>,
    /// Fresh arrivals: tasks created, less the redials of its customers.
    pub tasks: usize,
    /// Its customers' abandonments and redials, when attempts are linked.
    pub redials: Option<Redials>,
    /// Rates per interval of the day (fresh arrivals).
    pub profile: Profile,
    /// Day-of-week multipliers, Monday first, when every weekday was seen
    /// for a whole day.
    pub weekly: Option<[f64; 7]>,
    /// Rates per hour of each interval of each weekday (Monday first), when
    /// every weekday was seen for a whole day.
    pub weekday_profile: Option<Vec<f64>>,
    /// Day-to-day over-dispersion of the counts, as a gamma busyness cv,
    /// with the number of whole days it rests on.
    pub busyness: Option<(f64, usize)>,
    /// With a workspace: the attribute document most of its tasks had (so
    /// that the workspace's workflow routes it as it routed them), and how
    /// many had it.
    pub attributes: Option<(serde_json::Map<String, Value>, usize)>,
    /// Talk time fits (`None`: no answered task; the channel's is used).
    pub talk: Option<Comparison>,
    /// Wrap-up, when one was seen.
    pub wrapup: Option<Wrapup>,
    /// With `--empirical`: talk and wrap-up quantile tables (see [`table`]).
    pub tables: (Option<Vec<f64>>, Option<Vec<f64>>),
    /// Exponential patience by censored likelihood (`None`: nobody hung up).
    pub patience: Option<ExponentialFit>,
    /// Kaplan–Meier median patience, when the curve reaches one half.
    pub patience_median: Option<f64>,
    /// Waits observed: (abandoned, censored).
    pub waits: (usize, usize),
}

/// One calibrated group of workers: those who answered the same queues.
#[derive(Debug, Clone)]
pub struct Group {
    /// Scenario group name.
    pub name: String,
    /// Worker names (friendly names, else ids).
    pub workers: Vec<String>,
    /// Head count: the workers seen (for ccsim's `<group>-<n>`, the largest n).
    pub count: u32,
    /// Head count per interval from activity updates, when there are any.
    pub plan: Option<Vec<u32>>,
    /// Share of logged-in time not available (breaks, other activities),
    /// from activity updates.
    pub shrinkage: Option<f64>,
    /// Scenario names of the queues they answered.
    pub serves: Vec<String>,
    /// Peak concurrency per scenario channel.
    pub capacity: BTreeMap<String, u32>,
    /// How their offers ended.
    pub offers: Offers,
    /// Ringing time of accepted offers, fitted (when offers rang).
    pub accept_delay: Option<Comparison>,
}

/// One queue of the history.
#[derive(Debug, Clone)]
pub struct Queue {
    /// Scenario name.
    pub name: String,
    /// The id the events use (SID or name).
    pub id: String,
    /// The friendly name, when the events gave one.
    pub friendly: String,
}

/// One channel: its scenario name, the history's name and the talk fit over
/// all its tasks (the fallback for sources that had none answered).
#[derive(Debug, Clone)]
pub struct Channel {
    /// Scenario name (letters, digits, `_`, `$`).
    pub name: String,
    /// The name in the history.
    pub original: String,
    /// Talk fit over every answered task of the channel.
    pub talk: Option<Comparison>,
}

/// Transfers out of one queue: calls answered there that went on to
/// another worker or queue (docs/calibrate.md, "Transfers").
#[derive(Debug, Clone)]
pub struct Transfers {
    /// Scenario name of the queue they were first answered in.
    pub queue: String,
    /// Calls answered there first.
    pub answered: usize,
    /// Of which transferred.
    pub transferred: usize,
    /// Where they went (scenario queue names), with counts, most first.
    pub targets: Vec<(String, usize)>,
    /// The second worker's time on them, answer to completion.
    pub second_leg: Option<Comparison>,
}

/// Tasks the calibration could not place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unplaced {
    /// Created without a channel in any of their events.
    pub no_channel: usize,
    /// Never entered a queue (canceled in the workflow, blocked…).
    pub no_queue: usize,
}

/// Everything fitted, ready to be written.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// What the history's times count from.
    pub clock: Clock,
    /// Time 0 of the scenario on the history's clock (midnight UTC of the
    /// first arrival's day for dated histories; 0 for ccsim's).
    pub origin: f64,
    /// Scenario warm-up: whole intervals before the first arrival.
    pub warmup_s: f64,
    /// Scenario horizon: the last arrival, rounded up to an interval.
    pub horizon_s: f64,
    /// `start` date of a dated history (`YYYY-MM-DD`).
    pub start: Option<String>,
    /// Channels.
    pub channels: Vec<Channel>,
    /// Sources.
    pub sources: Vec<Source>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Queues.
    pub queues: Vec<Queue>,
    /// Transfers, per queue that had any.
    pub transfers: Vec<Transfers>,
    /// Tasks read.
    pub tasks: usize,
    /// Tasks not placed in a source.
    pub unplaced: Unplaced,
    /// Events of tasks created before the history starts.
    pub untimed: usize,
    /// Answered tasks still talking at the history's end.
    pub unfinished: usize,
    /// Things the user should know.
    pub notes: Vec<String>,
    /// The options used.
    pub options: Options,
    /// Whether the structure comes from a workspace snapshot.
    pub from_workspace: bool,
    /// The history's tasks and workers, as read once (the trace is
    /// written from them).
    pub history: History,
}

/// The structure a workspace snapshot gives (`--workspace`): its queues,
/// groups and channels as `ccsim import workspace` names them. With it,
/// routing is the workspace's own (its workflow and worker attributes),
/// and the history supplies the numbers.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Queues: (scenario name, SID).
    pub queues: Vec<(String, String)>,
    /// Groups: (scenario name, worker SIDs).
    pub groups: Vec<(String, Vec<String>)>,
    /// Scenario channel names.
    pub channels: Vec<String>,
}

/// Why a history cannot be calibrated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalibrateError(pub String);

impl std::fmt::Display for CalibrateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CalibrateError {}

/// The value of a `--by` attribute (a dotted path into nested objects).
fn attribute(task: &TaskRecord, path: &str) -> Option<Value> {
    let mut v = task.attributes.as_ref()?.get(path.split('.').next()?)?;
    for part in path.split('.').skip(1) {
        v = v.as_object()?.get(part)?;
    }
    (!v.is_null()).then(|| v.clone())
}

fn value_text(v: &Option<Value>) -> String {
    match v {
        None => "none".into(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

/// Fits talk times; `None` with fewer than two.
fn fit_talk(talks: &[f64]) -> Option<Comparison> {
    durations::compare(talks)
}

/// A wrap-up fit: the same value every time is a fixed wrap-up.
fn fit_wrapup(values: &[f64]) -> Option<Wrapup> {
    let first = *values.first()?;
    if values.iter().all(|v| (v - first).abs() < 1e-6) {
        return Some(Wrapup::Fixed(first));
    }
    durations::compare(values).map(Wrapup::Fitted)
}

/// Fits a scenario to `log`.
///
/// # Errors
/// No task in the history, or an interval that does not divide a day.
pub fn calibrate(
    log: &EventLog,
    options: &Options,
    layout: Option<&Layout>,
) -> Result<Calibration, CalibrateError> {
    let interval = options.interval_s;
    let per_day = DAY / interval;
    if !(interval > 0.0 && (per_day - per_day.round()).abs() < 1e-9 && per_day >= 1.0) {
        return Err(CalibrateError(format!(
            "the interval ({interval} s) must divide a day into whole intervals (30m, 1h, 2h…), as a scenario's profile requires"
        )));
    }
    let h = History::read(log);
    if h.tasks.is_empty() {
        return Err(CalibrateError(
            "the history has no task.created event: nothing to calibrate arrivals from".into(),
        ));
    }
    let mut notes = Vec::new();
    let first = h
        .tasks
        .iter()
        .map(|t| t.created)
        .fold(f64::INFINITY, f64::min);
    let last = h
        .tasks
        .iter()
        .map(|t| t.created)
        .fold(f64::NEG_INFINITY, f64::max);
    let (origin, start, weekday0) = match log.clock {
        Clock::Unix => {
            let origin = (first / DAY).floor() * DAY;
            let date = jiff::Timestamp::from_second(origin as i64)
                .map(|ts| ts.to_zoned(jiff::tz::TimeZone::UTC).date())
                .ok();
            let weekday = date.map_or(0, |d| d.weekday().to_monday_zero_offset() as usize);
            (origin, date.map(|d| d.to_string()), weekday)
        }
        Clock::Simulation => (0.0, None, 0),
    };
    let warmup_s = ((first - origin) / interval).floor() * interval;
    let horizon_s = (((last - origin) / interval).floor() + 1.0) * interval;

    // Queues and channels, named for the scenario.
    let mut names = Names::default();
    let mut queues: Vec<Queue> = Vec::new();
    let mut queue_of: BTreeMap<String, String> = BTreeMap::new();
    for (name, sid) in layout.map_or(&[][..], |l| &l.queues[..]) {
        names.unique(name);
        queue_of.insert(sid.clone(), name.clone());
        queues.push(Queue {
            name: name.clone(),
            id: sid.clone(),
            friendly: h.queue_names.get(sid).unwrap_or(name).clone(),
        });
    }
    for (id, friendly) in &h.queue_names {
        if queue_of.contains_key(id) {
            continue;
        }
        if layout.is_some() {
            notes.push(format!(
                "queue {} ({id}) is in the history but not in the workspace: its tasks are routed by the workflow as written",
                comment(friendly)
            ));
        }
        let base = slug(friendly);
        let name = names.unique(if base.is_empty() { "queue" } else { &base });
        queue_of.insert(id.clone(), name.clone());
        queues.push(Queue {
            name,
            id: id.clone(),
            friendly: friendly.clone(),
        });
    }
    let mut channel_of: BTreeMap<String, String> = BTreeMap::new();
    let mut channel_names = Names::default();
    for t in &h.tasks {
        if let Some(c) = &t.channel
            && !channel_of.contains_key(c)
        {
            channel_of.insert(c.clone(), channel_names.unique(&channel_name(c)));
        }
    }
    // The workspace's channels, also those the history never used: its
    // workers' capacities name them.
    for c in layout.map_or(&[][..], |l| &l.channels[..]) {
        if !channel_of.values().any(|n| n == c) {
            channel_of.insert(c.clone(), c.clone());
        }
    }

    // Sources: channel × first queue × the --by values.
    // (channel, queue, --by values as text) → (its tasks, the --by values).
    type Key = (String, String, Vec<String>);
    type ByValues = Vec<(String, Option<Value>)>;
    let mut members: BTreeMap<Key, (Vec<usize>, ByValues)> = BTreeMap::new();
    let mut unplaced = Unplaced::default();
    let mut source_of_task: BTreeMap<&str, Key> = BTreeMap::new();
    for (i, t) in h.tasks.iter().enumerate() {
        let Some(channel) = &t.channel else {
            unplaced.no_channel += 1;
            continue;
        };
        let Some(queue) = &t.queue else {
            unplaced.no_queue += 1;
            continue;
        };
        let by: Vec<(String, Option<Value>)> = options
            .by
            .iter()
            .map(|a| (a.clone(), attribute(t, a)))
            .collect();
        let key = (
            channel_of[channel].clone(),
            queue_of[queue].clone(),
            by.iter().map(|(_, v)| value_text(v)).collect(),
        );
        source_of_task.insert(&t.sid, key.clone());
        members
            .entry(key)
            .or_insert_with(|| (Vec::new(), by))
            .0
            .push(i);
    }
    // Redials are generated by the model from abandonments: they are not
    // fresh arrivals.
    let (redial_stats, redial_tasks) = match (log.clock, &options.customer) {
        (Clock::Simulation, _) => {
            let (stats, tasks) = redials::linked(log);
            (Some(stats), tasks)
        }
        (Clock::Unix, Some(c)) => {
            let (stats, tasks) = redials::by_customer(&h, c, options.redial_window_s);
            (Some(stats), tasks)
        }
        (Clock::Unix, None) => (None, BTreeSet::new()),
    };
    if members.is_empty() {
        return Err(CalibrateError(format!(
            "none of the {} tasks can be placed: {} have no channel and {} never entered a queue",
            h.tasks.len(),
            unplaced.no_channel,
            unplaced.no_queue
        )));
    }
    let mut source_names = Names::default();
    let key_name: BTreeMap<Key, String> = members
        .keys()
        .map(|k| {
            let mut text = format!("{} {}", k.0, k.1);
            for v in &k.2 {
                text.push(' ');
                text.push_str(v);
            }
            let base = slug(&text);
            (
                k.clone(),
                source_names.unique(if base.is_empty() { "source" } else { &base }),
            )
        })
        .collect();
    let profiles = arrivals::profiles(log, interval, &|e| {
        e.task
            .as_deref()
            .filter(|t| !redial_tasks.contains(*t))
            .and_then(|t| source_of_task.get(t))
            .map_or_else(String::new, |k| key_name[k].clone())
    })
    .ok_or_else(|| CalibrateError("the history's arrivals have no span".into()))?;

    let mut sources = Vec::new();
    for (key, (tasks, by)) in &members {
        let name = key_name[key].clone();
        let pick = |f: &dyn Fn(&TaskRecord) -> Option<f64>| -> Vec<f64> {
            tasks.iter().filter_map(|&i| f(&h.tasks[i])).collect()
        };
        let waits: Vec<Wait> = tasks.iter().filter_map(|&i| h.tasks[i].wait).collect();
        let abandoned = waits.iter().filter(|w| w.abandoned).count();
        let fresh: Vec<usize> = tasks
            .iter()
            .copied()
            .filter(|&i| !redial_tasks.contains(&h.tasks[i].sid))
            .collect();
        let times: Vec<f64> = fresh.iter().map(|&i| h.tasks[i].created - origin).collect();
        let redials = redial_stats.as_ref().map(|stats| {
            let mut r = Redials::default();
            for &i in tasks {
                if let Some(x) = stats.get(&h.tasks[i].sid) {
                    r.add(x);
                }
            }
            r
        });
        let span = (first - origin, last - origin);
        let (weekly, busyness) = day_effects(&times, span, weekday0);
        let weekday_profile = weekday_profile(&times, span, weekday0, interval);
        let wraps = pick(&|t| t.wrapup);
        let attributes = layout.map(|_| layout::most_common(tasks.iter().map(|&i| &h.tasks[i])));
        sources.push(Source {
            profile: profiles
                .get(&name)
                .cloned()
                .expect("every placed source has arrivals"),
            channel: key.0.clone(),
            queue: key.1.clone(),
            by: by.clone(),
            attributes,
            tasks: fresh.len(),
            redials,
            weekly,
            weekday_profile,
            busyness,
            talk: fit_talk(&pick(&|t| t.talk)),
            tables: if options.empirical {
                (table(&pick(&|t| t.talk)), table(&wraps))
            } else {
                (None, None)
            },
            wrapup: fit_wrapup(&wraps),
            patience: patience::exponential(&waits),
            patience_median: KaplanMeier::fit(&waits).and_then(|km| km.quantile(0.5)),
            waits: (abandoned, waits.len() - abandoned),
            name,
        });
    }
    let channels: Vec<Channel> = channel_of
        .iter()
        .map(|(original, name)| Channel {
            name: name.clone(),
            original: original.clone(),
            talk: fit_talk(
                &h.tasks
                    .iter()
                    .filter(|t| t.channel.as_ref() == Some(original))
                    .filter_map(|t| t.talk)
                    .collect::<Vec<_>>(),
            ),
        })
        .collect();
    for c in channels.iter().filter(|c| c.talk.is_none()) {
        notes.push(format!(
            "channel {}: fewer than two answered tasks with a talk time; its handle time is a PLACEHOLDER",
            c.name
        ));
    }

    // Groups: ccsim's workers by their group name, TaskRouter's by the
    // queues they answered.
    let group_key = |id: &str, w: &history::WorkerRecord| -> String {
        match log.clock {
            Clock::Simulation => reservations::ccsim_group(id),
            Clock::Unix => {
                let served: Vec<&str> = w
                    .served
                    .iter()
                    .filter_map(|q| queue_of.get(q).map(String::as_str))
                    .collect();
                if served.is_empty() {
                    String::new()
                } else {
                    format!("agents {}", served.join(" "))
                }
            }
        }
    };
    let mut by_group: BTreeMap<String, Vec<(&String, &history::WorkerRecord)>> = BTreeMap::new();
    let empty = history::WorkerRecord::default();
    let mut idle_workers = 0;
    if let Some(l) = layout {
        for (name, sids) in &l.groups {
            let ws = sids
                .iter()
                .map(|s| (s, h.workers.get(s).unwrap_or(&empty)))
                .collect();
            by_group.insert(name.clone(), ws);
        }
        let known: BTreeSet<&String> = l.groups.iter().flat_map(|(_, s)| s).collect();
        let strangers = h.workers.keys().filter(|w| !known.contains(w)).count();
        if strangers > 0 {
            notes.push(format!(
                "{strangers} workers of the history are not in the workspace: left out"
            ));
        }
    } else {
        for (id, w) in &h.workers {
            let g = group_key(id, w);
            if g.is_empty() {
                idle_workers += 1;
            } else {
                by_group.entry(g).or_default().push((id, w));
            }
        }
    }
    if idle_workers > 0 {
        notes.push(format!(
            "{idle_workers} workers answered no task in the history: their skills are unknown, so they are left out"
        ));
    }
    let worker_group: BTreeMap<&str, String> = by_group
        .iter()
        .flat_map(|(g, ws)| ws.iter().map(move |(id, _)| (id.as_str(), g.clone())))
        .collect();
    let offers = reservations::offers(log, &|w| worker_group.get(w).cloned().unwrap_or_default());
    let mut group_names = Names::default();
    let mut groups = Vec::new();
    for (key, ws) in &by_group {
        let base = slug(key);
        let name = group_names.unique(if base.is_empty() { "agents" } else { &base });
        let mut serves: BTreeSet<String> = BTreeSet::new();
        for (_, w) in ws {
            serves.extend(w.served.iter().filter_map(|q| queue_of.get(q).cloned()));
        }
        let mut capacity = BTreeMap::new();
        // A workspace gives capacities; a history only shows their use.
        for c in channels.iter().filter(|_| layout.is_none()) {
            let peak = ws
                .iter()
                .map(|(_, w)| peak_concurrency(&w.busy, &c.original))
                .max()
                .unwrap_or(0);
            capacity.insert(c.name.clone(), peak);
        }
        let seen = ws.len() as u32;
        let count = match log.clock {
            // `<group>-<n>`: the largest n counts workers who took nothing.
            Clock::Simulation => ws
                .iter()
                .filter_map(|(id, _)| id.rsplit_once('-').and_then(|(_, n)| n.parse::<u32>().ok()))
                .max()
                .unwrap_or(seen)
                .max(seen),
            Clock::Unix => seen,
        };
        let count = if layout.is_some() { seen } else { count };
        let records: Vec<&history::WorkerRecord> = ws.iter().map(|(_, w)| *w).collect();
        let staffed = staffing(&records, &options.available, origin, horizon_s, interval);
        let group_offers = offers.get(key).cloned().unwrap_or_default();
        let positive = group_offers
            .accept_delays
            .iter()
            .filter(|d| **d > 0.0)
            .count();
        // Instant answers (ccsim's default) give no ringing to fit; a few
        // zeros among rings are rounding and are left to the fit.
        let accept_delay = (positive * 20 >= group_offers.accept_delays.len() * 19)
            .then(|| durations::compare(&group_offers.accept_delays))
            .flatten();
        let mut workers: Vec<String> = ws
            .iter()
            .map(|(id, w)| {
                if w.name.is_empty() {
                    (*id).clone()
                } else {
                    w.name.clone()
                }
            })
            .collect();
        // agents-2 before agents-10.
        workers.sort_by_cached_key(|w| {
            let digits = w.len() - w.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            let (stem, n) = w.split_at(w.len() - digits);
            (stem.to_string(), n.parse::<u64>().ok(), w.clone())
        });
        groups.push(Group {
            name,
            workers,
            count,
            plan: staffed.as_ref().map(|s| s.0.clone()),
            shrinkage: staffed.and_then(|s| s.1),
            serves: serves.into_iter().collect(),
            capacity,
            offers: group_offers,
            accept_delay,
        });
    }
    let served: BTreeSet<&String> = groups.iter().flat_map(|g| &g.serves).collect();
    for q in queues
        .iter()
        .filter(|q| layout.is_none() && !served.contains(&q.name))
    {
        notes.push(format!(
            "queue {}: no worker answered its tasks in the history, so nobody serves it",
            q.name
        ));
    }
    if sources.iter().all(|s| s.weekly.is_none()) {
        notes.push(
            "the history does not cover every weekday for a whole day: no day-of-week multipliers"
                .into(),
        );
    }
    if log.clock == Clock::Unix && options.customer.is_none() {
        notes.push(
            "redials are not linked (give --customer ATTRIBUTE, the task attribute naming the caller): every task counts as a fresh arrival"
                .into(),
        );
    }
    let transfers = transfers(&h, &queue_of);
    if layout.is_some() && !transfers.is_empty() {
        notes.push(
            "transfers are in the report; with a workspace they are not written into its queues (add `transfer` by hand)"
                .into(),
        );
    }
    Ok(Calibration {
        clock: log.clock,
        origin,
        warmup_s,
        horizon_s,
        start,
        channels,
        sources,
        groups,
        queues,
        transfers,
        tasks: h.tasks.len(),
        unplaced,
        untimed: h.untimed,
        unfinished: h.unfinished,
        notes,
        options: options.clone(),
        from_workspace: layout.is_some(),
        history: h,
    })
}

impl Calibration {
    /// The scenario as commented TOML text; `structure` is a workspace's
    /// (from `ccsim import workspace` with [`Calibration::group_lines`]).
    pub fn scenario(&self, log: &EventLog, report_file: &str, structure: Option<&str>) -> String {
        scenario_text::write(self, log, report_file, structure)
    }

    /// Per group, the lines its `[[agents]]` table gets from the history
    /// (head count, reservations), for a workspace's import to write.
    pub fn group_lines(&self) -> BTreeMap<String, Vec<String>> {
        self.groups
            .iter()
            .map(|g| (g.name.clone(), scenario_text::group_lines(g, self)))
            .collect()
    }

    /// The trace of the history's placed tasks as a CSV for `trace =`
    /// (docs/scenario.md, "Trace replay"): arrival time from the scenario's
    /// time 0, channel, observed talk time, observed patience (empty when
    /// the customer did not hang up: it is then only known to exceed the
    /// wait) and the attributes that route it.
    pub fn trace_csv(&self) -> String {
        let h = &self.history;
        let queue_of: BTreeMap<&str, &str> = self
            .queues
            .iter()
            .map(|q| (q.id.as_str(), q.name.as_str()))
            .collect();
        let channel_of: BTreeMap<&str, &str> = self
            .channels
            .iter()
            .map(|c| (c.original.as_str(), c.name.as_str()))
            .collect();
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record([
            "arrival_time_s",
            "channel",
            "handle_time_s",
            "patience_s",
            "attributes",
        ]);
        for t in &h.tasks {
            let (Some(channel), Some(queue)) = (
                t.channel.as_deref().and_then(|c| channel_of.get(c)),
                t.queue.as_deref().and_then(|q| queue_of.get(q)),
            ) else {
                continue;
            };
            let mut attrs = t.attributes.clone().unwrap_or_default();
            attrs.insert(QUEUE_ATTRIBUTE.into(), Value::String((*queue).to_string()));
            let patience = t
                .wait
                .filter(|w| w.abandoned)
                .map_or_else(String::new, |w| format!("{:.3}", w.seconds));
            let _ = w.write_record([
                format!("{:.3}", t.created - self.origin),
                (*channel).to_string(),
                t.talk.map_or_else(String::new, |x| format!("{x:.3}")),
                patience,
                Value::Object(attrs).to_string(),
            ]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}
