//! `ccsim import workspace`: a snapshot's lists become a scenario's
//! sections (docs/import.md, "How the snapshot maps to the scenario").
//!
//! What a snapshot states is carried over as it is: activities, channels,
//! worker attributes and capacities (grouped), queues, the workflow. What it
//! cannot state (how many tasks arrive, how long they take, how long callers
//! wait) is written as a value marked `# PLACEHOLDER`, sized so that the
//! scenario runs and is neither idle nor swamped, until `ccsim calibrate`
//! (issue 15, part 2) can fill it from the event history.

use super::placeholders::{rates, render_channels, render_sources, sources};
use super::snapshot::{Record, Snapshot};
use super::toml_text::{comment, expression, key, string, table};
use super::{ImportError, Names, slug};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

/// Choices the snapshot cannot make.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The workflow to import, by friendly name or SID; the first listed
    /// when `None`.
    pub workflow: Option<String>,
    /// File name (beside the scenario) the workflow document is written to.
    pub workflow_file: String,
    /// Staff every worker, whatever its activity at the snapshot (by default
    /// only workers in an available activity are counted).
    pub staff_all: bool,
    /// The scenario's name; else the workspace's friendly name, else the folder's.
    pub name: Option<String>,
    /// Group workers by attributes and capacities only, not by their
    /// activity at the snapshot (calibration, where an event history says
    /// who worked when).
    pub by_skills: bool,
    /// Per group name, lines that replace its `count = N` line (a head
    /// count plan, reservations fitted from history).
    pub group_lines: BTreeMap<String, Vec<String>>,
}

/// One agent group that came out of the import.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSummary {
    /// The group's name in the scenario.
    pub name: String,
    /// Workers with these attributes, activity and capacities.
    pub workers: usize,
    /// The head count written (0 for a group not staffed).
    pub count: usize,
    /// The activity they were in.
    pub activity: String,
}

/// The import's result: the scenario text and what went into it.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The scenario, as TOML text.
    pub scenario: String,
    /// The workflow document to write at [`Options::workflow_file`], when
    /// the snapshot has a workflow.
    pub workflow_json: Option<String>,
    /// Agent groups, in the order of their first worker.
    pub groups: Vec<GroupSummary>,
    /// Each group's workers by SID, in the order of `groups`.
    pub group_workers: Vec<Vec<String>>,
    /// The scenario text from `[[activities]]` on (activities, workspace,
    /// agents, queues and workflow): the part a calibration keeps.
    pub structure: String,
    /// Queues: (name in the scenario, SID).
    pub queues: Vec<(String, String)>,
    /// Channel names in the scenario.
    pub channels: Vec<String>,
    /// Arrival sources (placeholders): (name, channel).
    pub sources: Vec<(String, String)>,
    /// What the user should know: files ignored, fields not modelled,
    /// workflows not imported.
    pub notes: Vec<String>,
}

/// Worker attribute keys that describe a person, not a skill: they differ
/// from worker to worker and would keep every group at one worker. They are
/// left out unless a queue or the workflow mentions them.
const PERSONAL_KEYS: [&str; 4] = ["contact_uri", "full_name", "email", "image_url"];

/// Flex's built-in activities and their `available` flags (docs/scenario.md).
const BUILTIN_ACTIVITIES: [(&str, bool); 4] = [
    ("Available", true),
    ("Unavailable", false),
    ("Break", false),
    ("Offline", false),
];

struct Activity {
    sid: String,
    name: String,
    available: bool,
}

pub(super) struct Channel {
    pub(super) unique_name: String,
    pub(super) sid: Option<String>,
    pub(super) name: String,
}

pub(super) struct Group {
    pub(super) name: String,
    pub(super) attributes: Map<String, Value>,
    pub(super) activity: String,
    pub(super) available: bool,
    pub(super) capacity: Option<BTreeMap<String, i64>>,
    pub(super) workers: Vec<(String, String)>,
}

struct Queue {
    sid: String,
    friendly_name: String,
    name: String,
    target_workers: String,
    lifo: bool,
    notes: Vec<String>,
}

/// Builds the scenario of a snapshot.
///
/// # Errors
/// A list whose resources lack a field the mapping needs, or that
/// contradict each other (a worker in an unknown activity, a workflow
/// naming a queue the snapshot does not list), with the file and a fix.
pub fn import_workspace(snap: &Snapshot, options: &Options) -> Result<Imported, ImportError> {
    let mut notes: Vec<String> = snap
        .ignored
        .iter()
        .map(|f| format!("{f}: not a list the importer reads (ignored)"))
        .chain(snap.duplicates.iter().cloned())
        .collect();
    let workspace = snap.records("workspace").first();
    let activities = activities(snap, &mut notes)?;
    let channels = channels(snap)?;
    let capacities = worker_channels(snap, &channels)?;
    let routing_text = routing_text(snap)?;
    let groups = groups(
        snap,
        &activities,
        &capacities,
        &routing_text,
        options,
        &mut notes,
    )?;
    let queues = queues(snap, &activities)?;
    let workflow = workflow(snap, options, &queues, &mut notes)?;
    let sources = sources(workflow.as_ref().map(|w| &w.config), &channels);

    let name = options
        .name
        .clone()
        .or_else(|| {
            workspace
                .and_then(|w| w.fields.get("friendly_name"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .or_else(|| {
            snap.dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .map(|n| slug(&n))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "workspace".into());

    let mut out = String::new();
    let folder = snap.dir.file_name().map_or_else(
        || "the snapshot".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let _ = writeln!(
        out,
        "# Imported by `ccsim import workspace` from the TaskRouter snapshot in {} (docs/import.md).",
        comment(&folder)
    );
    if let Some(w) = workspace {
        let _ = writeln!(
            out,
            "# Workspace {} ({}).",
            comment(w.str("friendly_name")?.unwrap_or("(unnamed)")),
            comment(w.str("sid")?.unwrap_or("no sid"))
        );
    }
    out.push_str(
        "# The snapshot says who works, with which skills and capacities, and how tasks are\n\
         # routed; it cannot say how many tasks arrive, how long they take or how long\n\
         # customers wait. Those values are marked PLACEHOLDER below: replace them.\n",
    );
    let _ = writeln!(out, "name = {}", string(&name));
    let _ = writeln!(
        out,
        "description = {}\n",
        string(&format!(
            "Imported from a TaskRouter workspace snapshot ({} workers in {} groups, {} queues); arrivals, handle times and patience are placeholders.",
            groups.iter().map(|g| g.workers.len()).sum::<usize>(),
            groups.len(),
            queues.len()
        ))
    );
    out.push_str(
        "[simulation]\n\
         # PLACEHOLDER: one working day of 8 h after a 30 min warm-up (choose your own window).\n\
         horizon = \"8h30m\"\nwarmup = \"30m\"\ninterval = \"30m\"\nreplications = 10\nseed = 1\n",
    );
    render_channels(&mut out, &channels);
    let rates = rates(&groups, &channels, &sources, options.staff_all);
    render_sources(&mut out, &sources, &rates);
    let structure_from = out.len();
    render_activities(&mut out, &activities, workspace, &mut notes)?;
    render_groups(&mut out, &groups, options);
    for q in &queues {
        let _ = writeln!(
            out,
            "\n# Task queue {} ({}).",
            comment(&q.friendly_name),
            comment(&q.sid)
        );
        for n in &q.notes {
            let _ = writeln!(out, "# {}", comment(n));
        }
        let _ = writeln!(
            out,
            "[[queues]]\nname = {}\ntarget_workers = {}",
            string(&q.name),
            expression(&q.target_workers)
        );
        if q.lifo {
            out.push_str("task_order = \"LIFO\"\n");
        }
    }
    out.push('\n');
    match &workflow {
        Some(w) => {
            let _ = writeln!(
                out,
                "# Workflow {} ({}), exactly as TaskRouter stores it.\n[workflow]\ntaskrouter_json = {}",
                comment(&w.friendly_name),
                comment(&w.sid),
                string(&options.workflow_file)
            );
            if let Some(t) = w.reservation_timeout {
                let _ = writeln!(out, "task_reservation_timeout = \"{t}s\"");
            }
            let sids: Vec<String> = queues
                .iter()
                .map(|q| format!("  {} = {}", key(&q.sid), string(&q.name)))
                .collect();
            let _ = writeln!(out, "queue_sids = {{\n{}\n}}", sids.join(",\n"));
        }
        None => {
            let first = &queues[0].name;
            let _ = writeln!(
                out,
                "# PLACEHOLDER: the snapshot has no workflow; every task goes to {} (write your filters).\n[workflow]\ndefault_filter = {{ queue = {} }}",
                comment(first),
                string(first)
            );
        }
    }

    Ok(Imported {
        structure: out[structure_from..].to_string(),
        group_workers: groups
            .iter()
            .map(|g| g.workers.iter().map(|(sid, _)| sid.clone()).collect())
            .collect(),
        scenario: out,
        workflow_json: workflow.as_ref().map(|w| {
            serde_json::to_string_pretty(&Value::Object(w.config.clone())).unwrap_or_default()
                + "\n"
        }),
        groups: groups
            .iter()
            .map(|g| GroupSummary {
                name: g.name.clone(),
                workers: g.workers.len(),
                count: staffed(g, options.staff_all),
                activity: g.activity.clone(),
            })
            .collect(),
        queues: queues
            .iter()
            .map(|q| (q.name.clone(), q.sid.clone()))
            .collect(),
        channels: channels.iter().map(|c| c.name.clone()).collect(),
        sources: sources
            .iter()
            .map(|s| (s.name.clone(), s.channel.clone()))
            .collect(),
        notes,
    })
}

pub(super) fn staffed(g: &Group, staff_all: bool) -> usize {
    if g.available || staff_all {
        g.workers.len()
    } else {
        0
    }
}

/// Activities by SID. A workspace activity named like a built-in one with
/// the other `available` flag cannot be that built-in: it is renamed.
fn activities(snap: &Snapshot, notes: &mut Vec<String>) -> Result<Vec<Activity>, ImportError> {
    let mut names = Names::default();
    let mut out = Vec::new();
    for r in snap.records("activities") {
        let sid = r.required("sid", "an activity")?.to_string();
        let friendly = r.required("friendly_name", "an activity")?;
        let available = r.bool("available")?.ok_or_else(|| {
            r.error("an activity has no `available`")
                .fix("every activity listed by the API says whether its workers take tasks (`available`: true or false)")
        })?;
        let clash = BUILTIN_ACTIVITIES
            .iter()
            .any(|(b, flag)| *b == friendly && *flag != available);
        let name = if clash {
            let renamed = format!("{friendly} (workspace)");
            notes.push(format!(
                "activity \"{friendly}\" ({sid}) has available = {available}, unlike ccsim's built-in \"{friendly}\": imported as \"{renamed}\""
            ));
            names.unique(&renamed)
        } else {
            names.unique(friendly)
        };
        out.push(Activity {
            sid,
            name,
            available,
        });
    }
    Ok(out)
}

/// A TaskRouter channel unique name as a scenario channel name (letters,
/// digits, `_`, `$`; not starting with a digit).
pub(super) fn channel_name(unique: &str) -> String {
    let mut n: String = unique
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '$' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if n.is_empty() || n.starts_with(|c: char| c.is_ascii_digit()) {
        n.insert(0, '_');
    }
    n
}

/// Task channels, plus any channel a worker channel names that the task
/// channel list lacks; TaskRouter's `default` channel when neither says.
fn channels(snap: &Snapshot) -> Result<Vec<Channel>, ImportError> {
    let mut out: Vec<Channel> = Vec::new();
    let mut names = Names::default();
    let mut add = |unique: &str, sid: Option<&str>, out: &mut Vec<Channel>| {
        if out.iter().any(|c| c.unique_name == unique) {
            return;
        }
        out.push(Channel {
            unique_name: unique.to_string(),
            sid: sid.map(str::to_string),
            name: names.unique(&channel_name(unique)),
        });
    };
    for r in snap.records("task channels") {
        let unique = r.required("unique_name", "a task channel")?;
        add(unique, r.str("sid")?, &mut out);
    }
    for r in snap.records("worker channels") {
        if let Some(unique) = r.str("task_channel_unique_name")? {
            add(unique, r.str("task_channel_sid")?, &mut out);
        }
    }
    if out.is_empty() {
        add("default", None, &mut out);
    }
    Ok(out)
}

/// Each worker's capacity per scenario channel: the configured capacity of
/// an available worker channel, 0 for one switched off.
fn worker_channels(
    snap: &Snapshot,
    channels: &[Channel],
) -> Result<HashMap<String, BTreeMap<String, i64>>, ImportError> {
    let mut out: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
    for r in snap.records("worker channels") {
        let worker = r.required("worker_sid", "a worker channel")?;
        let channel = match (
            r.str("task_channel_unique_name")?,
            r.str("task_channel_sid")?,
        ) {
            (Some(u), _) => channels.iter().find(|c| c.unique_name == u),
            (None, Some(sid)) => channels.iter().find(|c| c.sid.as_deref() == Some(sid)),
            (None, None) => {
                return Err(r.error("a worker channel names no task channel").fix(
                    "keep `task_channel_unique_name` (or `task_channel_sid`) as the API lists it",
                ));
            }
        };
        let Some(channel) = channel else {
            return Err(r
                .error(format!(
                    "the task channel {} is not in the task channels list",
                    r.str("task_channel_sid")?.unwrap_or("?")
                ))
                .fix("add the workspace's task channels list (task_channels.json), or keep `task_channel_unique_name`"));
        };
        let capacity = r.int("configured_capacity")?.ok_or_else(|| {
            r.error("a worker channel has no `configured_capacity`")
                .fix("keep `configured_capacity` as the API lists it")
        })?;
        if !(0..=50).contains(&capacity) {
            return Err(r
                .error(format!(
                    "configured_capacity must be between 0 and 50 (TaskRouter's limit), found {capacity}"
                ))
                .fix("correct the capacity in the snapshot"));
        }
        let on = r.bool("available")?.unwrap_or(true);
        out.entry(worker.to_string())
            .or_default()
            .insert(channel.name.clone(), if on { capacity } else { 0 });
    }
    Ok(out)
}

/// Queue `target_workers` and workflow configurations, to see which
/// personal-looking worker attributes routing reads after all.
fn routing_text(snap: &Snapshot) -> Result<String, ImportError> {
    let mut text = String::new();
    for r in snap.records("task queues") {
        text.push_str(r.str("target_workers")?.unwrap_or(""));
        text.push('\n');
    }
    for r in snap.records("workflows") {
        text.push_str(r.str("configuration")?.unwrap_or(""));
        text.push('\n');
    }
    Ok(text)
}

/// JSON with object keys sorted, so attribute documents that differ only in
/// key order group together.
pub(super) fn canonical(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(keys.into_iter().map(|k| (k.clone(), sort(&m[k]))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(v).to_string()
}

/// A group's name from its attribute values ("support-sales-en-es-level3"),
/// with the activity when it is not an available one.
fn group_base(attributes: &Map<String, Value>, activity: &str, available: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut push = |k: &str, v: &Value| match v {
        Value::String(s) => parts.push(s.clone()),
        Value::Number(n) => parts.push(format!("{k}{n}")),
        Value::Bool(true) => parts.push(k.to_string()),
        _ => {}
    };
    for (k, v) in attributes {
        match v {
            Value::Array(items) => items.iter().for_each(|i| push(k, i)),
            other => push(k, other),
        }
    }
    let mut base = slug(&parts.join(" "));
    if base.len() > 40 {
        let cut = base[..40].rfind('-').unwrap_or(40);
        base.truncate(cut);
    }
    if base.is_empty() {
        base = "workers".into();
    }
    if !available {
        let a = slug(activity);
        if !a.is_empty() {
            base = format!("{base}-{a}");
        }
    }
    base
}

fn groups(
    snap: &Snapshot,
    activities: &[Activity],
    capacities: &HashMap<String, BTreeMap<String, i64>>,
    routing_text: &str,
    options: &Options,
    notes: &mut Vec<String>,
) -> Result<Vec<Group>, ImportError> {
    let mut out: Vec<Group> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut dropped: Vec<&str> = Vec::new();
    for r in snap.records("workers") {
        let sid = r.required("sid", "a worker")?.to_string();
        let friendly = r.str("friendly_name")?.unwrap_or("").to_string();
        let mut attributes = r.json_string("attributes")?;
        for k in PERSONAL_KEYS {
            if attributes.contains_key(k) && !routing_text.contains(k) {
                attributes.remove(k);
                if !dropped.contains(&k) {
                    dropped.push(k);
                }
            }
        }
        let (activity, available) = worker_activity(r, activities)?;
        let capacity = capacities.get(&sid).cloned();
        let group_key = if options.by_skills {
            format!(
                "{}\u{0}{capacity:?}",
                canonical(&Value::Object(attributes.clone()))
            )
        } else {
            format!(
                "{}\u{0}{activity}\u{0}{capacity:?}",
                canonical(&Value::Object(attributes.clone()))
            )
        };
        // By skills, every group counts whoever of it works.
        let available = available || options.by_skills;
        let i = *index.entry(group_key).or_insert_with(|| {
            out.push(Group {
                name: String::new(),
                attributes,
                activity,
                available,
                capacity,
                workers: Vec::new(),
            });
            out.len() - 1
        });
        out[i].workers.push((sid, friendly));
    }
    if out.is_empty() {
        let file = snap.file("workers").unwrap_or(&snap.dir);
        return Err(ImportError::new(file, "the workers list is empty")
            .fix("export the workspace's workers (every page) into this file"));
    }
    if !dropped.is_empty() {
        notes.push(format!(
            "worker attributes {} describe a person and no queue or workflow reads them: left out, so that workers with the same skills form one group",
            dropped.join(", ")
        ));
    }
    let mut names = Names::default();
    for g in &mut out {
        g.name = names.unique(&group_base(&g.attributes, &g.activity, g.available));
    }
    if !options.staff_all && out.iter().any(|g| !g.available) {
        notes.push(
            "groups whose workers were in an unavailable activity have count = 0 (use --staff-all to count them)".into(),
        );
    }
    Ok(out)
}

/// A worker's activity name in the scenario and whether it is available:
/// from `activity_sid` through the activities list, else `activity_name`,
/// with the worker's own `available` flag deciding when it is given.
fn worker_activity(r: &Record, activities: &[Activity]) -> Result<(String, bool), ImportError> {
    let by_sid = match r.str("activity_sid")? {
        Some(sid) => activities.iter().find(|a| a.sid == sid),
        None => None,
    };
    let (name, flag) = match (by_sid, r.str("activity_name")?) {
        (Some(a), _) => (a.name.clone(), Some(a.available)),
        (None, Some(n)) => {
            let known = activities
                .iter()
                .find(|a| a.name == n)
                .map(|a| a.available)
                .or_else(|| BUILTIN_ACTIVITIES.iter().find(|b| b.0 == n).map(|b| b.1));
            (n.to_string(), known)
        }
        (None, None) => ("Available".to_string(), Some(true)),
    };
    match r.bool("available")?.or(flag) {
        Some(available) => Ok((name, available)),
        None => Err(r
            .error(format!(
                "the worker's activity \"{name}\" is not in the activities list, and the worker has no `available` flag"
            ))
            .fix("add the workspace's activities list (activities.json), or keep the worker's `available` field")),
    }
}

fn queues(snap: &Snapshot, activities: &[Activity]) -> Result<Vec<Queue>, ImportError> {
    let mut names = Names::default();
    let mut out = Vec::new();
    let activity = |sid: &str| {
        activities
            .iter()
            .find(|a| a.sid == sid)
            .map_or_else(|| sid.to_string(), |a| format!("\"{}\"", a.name))
    };
    for r in snap.records("task queues") {
        let sid = r.required("sid", "a task queue")?.to_string();
        let friendly = r.required("friendly_name", "a task queue")?.to_string();
        let mut notes = Vec::new();
        let target_workers = match r.str("target_workers")? {
            None => "1==1".to_string(),
            Some(t) if t.trim().is_empty() => {
                notes.push("target_workers is empty in TaskRouter (no worker is eligible): written as 1==0".into());
                "1==0".to_string()
            }
            Some(t) => t.to_string(),
        };
        let lifo = match r.str("task_order")? {
            None => false,
            Some(o) if o.eq_ignore_ascii_case("FIFO") => false,
            Some(o) if o.eq_ignore_ascii_case("LIFO") => true,
            Some(o) => {
                return Err(r
                    .error(format!(
                        "task_order must be \"FIFO\" or \"LIFO\", found \"{o}\""
                    ))
                    .fix("correct task_order in the snapshot"));
            }
        };
        if let Some(m) = r.int("max_reserved_workers")?.filter(|m| *m > 1) {
            notes.push(format!(
                "max_reserved_workers = {m} in TaskRouter: ccsim offers a task to one worker at a time"
            ));
        }
        for (field, what) in [
            ("reservation_activity_sid", "reserved"),
            ("assignment_activity_sid", "assigned"),
        ] {
            if let Some(a) = r.str(field)? {
                notes.push(format!(
                    "{field}: workers {what} here go to activity {} in TaskRouter (ccsim keeps their activity)",
                    activity(a)
                ));
            }
        }
        let base = slug(&friendly);
        out.push(Queue {
            name: names.unique(if base.is_empty() { "queue" } else { &base }),
            sid,
            friendly_name: friendly,
            target_workers,
            lifo,
            notes,
        });
    }
    if out.is_empty() {
        let file = snap.file("task queues").unwrap_or(&snap.dir);
        return Err(ImportError::new(file, "the task queues list is empty")
            .fix("export the workspace's task queues into this file"));
    }
    Ok(out)
}

struct Workflow {
    sid: String,
    friendly_name: String,
    config: Map<String, Value>,
    reservation_timeout: Option<i64>,
}

/// The workflow to import, its queue references checked against the queues.
fn workflow(
    snap: &Snapshot,
    options: &Options,
    queues: &[Queue],
    notes: &mut Vec<String>,
) -> Result<Option<Workflow>, ImportError> {
    let records = snap.records("workflows");
    let chosen = match &options.workflow {
        Some(w) => Some(
            records
                .iter()
                .find(|r| {
                    r.fields.get("sid").and_then(Value::as_str) == Some(w)
                        || r.fields.get("friendly_name").and_then(Value::as_str) == Some(w)
                })
                .ok_or_else(|| {
                    let listed: Vec<String> = records
                        .iter()
                        .filter_map(|r| r.fields.get("friendly_name").and_then(Value::as_str))
                        .map(|n| format!("\"{n}\""))
                        .collect();
                    ImportError::new(
                        snap.file("workflows").unwrap_or(&snap.dir),
                        format!(
                            "no workflow named \"{w}\"; the snapshot has {}",
                            if listed.is_empty() {
                                "none".into()
                            } else {
                                listed.join(", ")
                            }
                        ),
                    )
                    .fix("give --workflow a friendly name or SID from workflows.json")
                })?,
        ),
        None => records.first(),
    };
    let Some(r) = chosen else {
        notes.push(
            "no workflows list: every task goes to the first queue (a placeholder default_filter)"
                .into(),
        );
        return Ok(None);
    };
    let sid = r.required("sid", "a workflow")?.to_string();
    let friendly_name = r.str("friendly_name")?.unwrap_or("").to_string();
    for other in records.iter().filter(|o| !std::ptr::eq(*o, r)) {
        notes.push(format!(
            "workflow {} ({}) not imported: a scenario has one workflow (choose with --workflow)",
            other.str("friendly_name")?.unwrap_or("?"),
            other.str("sid")?.unwrap_or("?")
        ));
    }
    let config = r.json_string("configuration")?;
    let mut refs = Vec::new();
    if let Some(routing) = config.get("task_routing") {
        for f in routing
            .get("filters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for t in f
                .get("targets")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                refs.extend(["queue", "task_queue_sid"].iter().filter_map(|k| t.get(*k)));
            }
        }
        refs.extend(routing.get("default_filter").and_then(|d| d.get("queue")));
    } else {
        return Err(r
            .error("the workflow's configuration has no \"task_routing\"")
            .fix("keep `configuration` as TaskRouter stores it: {\"task_routing\": {\"filters\": […], \"default_filter\": {…}}}"));
    }
    for q in refs.iter().filter_map(|v| v.as_str()) {
        if !queues.iter().any(|x| x.sid == q || x.name == q) {
            return Err(r
                .error(format!(
                    "the workflow routes to queue {q}, which the task queues list does not have"
                ))
                .fix("export every page of the task queues list, or correct the workflow"));
        }
    }
    Ok(Some(Workflow {
        sid,
        friendly_name,
        config,
        reservation_timeout: r.int("task_reservation_timeout")?,
    }))
}

fn render_activities(
    out: &mut String,
    activities: &[Activity],
    workspace: Option<&Record>,
    notes: &mut Vec<String>,
) -> Result<(), ImportError> {
    for a in activities {
        let _ = writeln!(
            out,
            "\n[[activities]]\nname = {}\navailable = {}\nsid = {}",
            string(&a.name),
            a.available,
            string(&a.sid)
        );
    }
    let Some(w) = workspace else {
        return Ok(());
    };
    let mut lines = Vec::new();
    if let Some(order) = w.str("prioritize_queue_order")? {
        if order.eq_ignore_ascii_case("FIFO") || order.eq_ignore_ascii_case("LIFO") {
            lines.push(format!(
                "prioritize_queue_order = {}",
                string(&order.to_uppercase())
            ));
        } else {
            return Err(w
                .error(format!(
                    "prioritize_queue_order must be \"FIFO\" or \"LIFO\", found \"{order}\""
                ))
                .fix("correct prioritize_queue_order in workspace.json"));
        }
    }
    if let Some(sid) = w.str("timeout_activity_sid")? {
        match activities.iter().find(|a| a.sid == sid) {
            Some(a) => lines.push(format!("timeout_activity = {}", string(&a.name))),
            None => notes.push(format!(
                "workspace timeout_activity_sid {sid} is not in the activities list: ccsim's default (Offline) applies"
            )),
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(out, "\n[workspace]\n{}", lines.join("\n"));
    }
    Ok(())
}

fn render_groups(out: &mut String, groups: &[Group], options: &Options) {
    const LISTED: usize = 10;
    for g in groups {
        let n = g.workers.len();
        if options.by_skills {
            let _ = writeln!(
                out,
                "\n# {n} worker{} with these attributes and capacities:",
                if n == 1 { "" } else { "s" },
            );
        } else {
            let _ = writeln!(
                out,
                "\n# {n} worker{} in activity {} at the snapshot:",
                if n == 1 { "" } else { "s" },
                comment(&g.activity)
            );
        }
        for (sid, friendly) in g.workers.iter().take(LISTED) {
            let _ = writeln!(out, "#   {} ({})", comment(friendly), comment(sid));
        }
        if n > LISTED {
            let _ = writeln!(out, "#   … and {} more", n - LISTED);
        }
        let count = staffed(g, options.staff_all);
        let lines = options.group_lines.get(&g.name);
        if count == 0 && lines.is_none() {
            let _ = writeln!(
                out,
                "# Not staffed: their activity takes no tasks. Set count = {n} to simulate them working."
            );
        }
        let _ = writeln!(out, "[[agents]]\ngroup = {}", string(&g.name));
        match lines {
            Some(lines) => lines.iter().for_each(|l| {
                let _ = writeln!(out, "{l}");
            }),
            None => {
                let _ = writeln!(out, "count = {count}");
            }
        }
        if !g.attributes.is_empty() {
            let _ = writeln!(out, "attributes = {}", table(&g.attributes));
        }
        if let Some(cap) = &g.capacity {
            let parts: Vec<String> = cap
                .iter()
                .map(|(c, n)| format!("{} = {n}", key(c)))
                .collect();
            let _ = writeln!(out, "capacity = {{ {} }}", parts.join(", "));
        }
    }
}

#[cfg(test)]
mod tests;
