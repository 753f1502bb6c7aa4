//! Placeholder arrival sources and channel times for an imported
//! workspace: what a snapshot cannot say, written so that the scenario runs
//! and every workflow filter sees tasks, each value marked `# PLACEHOLDER`
//! in the output (docs/import.md, "Placeholders").

use super::Names;
use super::slug;
use super::toml_text::{comment, string, table};
use super::workspace::{Channel, Group, staffed};
use crate::expr::{Context, Expr, KeyTable, Op, Operand, Scope, Value as ExprValue};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt::Write as _;

/// One placeholder arrival source.
pub(super) struct Source {
    pub(super) name: String,
    pub(super) filter: String,
    /// The scenario's channel name, and TaskRouter's unique name.
    pub(super) channel: String,
    pub(super) unique: String,
    pub(super) attributes: Map<String, Value>,
}

/// Placeholder arrival sources: one per workflow filter, with the task
/// attributes its expression asks for where it says them plainly (`x ==
/// "v"`, `x IN [...]`, `x HAS "v"`, joined by `AND`; the first branch of an
/// `OR`), so imported tasks reach every filter; one per channel without a workflow.
pub(super) fn sources(config: Option<&Map<String, Value>>, channels: &[Channel]) -> Vec<Source> {
    let default_channel = channels
        .iter()
        .find(|c| c.unique_name == "voice")
        .unwrap_or(&channels[0]);
    let mut out: Vec<Source> = Vec::new();
    let mut names = Names::default();
    let filters = config
        .and_then(|c| c.get("task_routing"))
        .and_then(|r| r.get("filters"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, f) in filters.iter().enumerate() {
        let filter = f
            .get("filter_friendly_name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("filter {}", i + 1), str::to_string);
        let Some(text) = f.get("expression").and_then(Value::as_str) else {
            continue;
        };
        let mut keys = KeyTable::default();
        let Ok(expr) = Expr::parse(text, Context::Bare, &mut keys) else {
            continue; // the scenario loader reports it, at its place in the JSON
        };
        let mut found = Vec::new();
        wanted(&expr, &keys, &mut found);
        let mut channel = default_channel;
        let mut attributes = Map::new();
        for (path, v) in found {
            if path == "channel"
                && let Some(c) = v
                    .as_str()
                    .and_then(|s| channels.iter().find(|c| c.unique_name == s))
            {
                channel = c;
                continue;
            }
            insert_path(&mut attributes, &path, v);
        }
        if out
            .iter()
            .any(|s| s.channel == channel.name && s.attributes == attributes)
        {
            continue;
        }
        let base = slug(&filter);
        out.push(Source {
            name: names.unique(if base.is_empty() { "tasks" } else { &base }),
            filter,
            channel: channel.name.clone(),
            unique: channel.unique_name.clone(),
            attributes,
        });
    }
    if out.is_empty() {
        for c in channels {
            out.push(Source {
                name: names.unique(&slug(&c.name).replace('_', "-")),
                filter: String::new(),
                channel: c.name.clone(),
                unique: c.unique_name.clone(),
                attributes: Map::new(),
            });
        }
    }
    out
}

/// The attribute values an expression plainly requires.
fn wanted(e: &Expr, keys: &KeyTable, out: &mut Vec<(String, Value)>) {
    let doc = |p: &crate::expr::PathRef| p.scope == Scope::Doc && p.index.is_none();
    match e {
        Expr::And(items) => items.iter().for_each(|i| wanted(i, keys, out)),
        Expr::Or(items) => {
            if let Some(first) = items.first() {
                wanted(first, keys, out);
            }
        }
        Expr::Cmp(op, a, b) => {
            let (path, lit, flipped) = match (a, b) {
                (Operand::Path(p), Operand::Lit(v)) if doc(p) => (p, v, false),
                (Operand::Lit(v), Operand::Path(p)) if doc(p) => (p, v, true),
                _ => return,
            };
            let name = keys.name(path.key).to_string();
            let value = match (op, lit, flipped) {
                (Op::Eq, v, _) | (Op::Contains, v @ ExprValue::Str(_), false) => json(v),
                (Op::In, ExprValue::List(items), false) => items.first().and_then(json),
                (Op::Has, v, false) | (Op::In, v, true) => json(v).map(|v| Value::Array(vec![v])),
                _ => None,
            };
            if let Some(v) = value {
                out.push((name, v));
            }
        }
        _ => {}
    }
}

fn json(v: &ExprValue) -> Option<Value> {
    match v {
        ExprValue::Null => None,
        ExprValue::Bool(b) => Some(Value::Bool(*b)),
        ExprValue::Num(n) => serde_json::Number::from_f64(*n).map(|n| {
            if n.as_f64()
                .is_some_and(|f| f.fract() == 0.0 && f.abs() < 1e15)
            {
                Value::from(n.as_f64().unwrap_or(0.0) as i64)
            } else {
                Value::Number(n)
            }
        }),
        ExprValue::Str(s) => Some(Value::String(s.to_string())),
        ExprValue::List(items) => Some(Value::Array(items.iter().filter_map(json).collect())),
    }
}

/// Sets a dotted path (`customer.tier`) as nested objects; the first value
/// for a path wins.
fn insert_path(m: &mut Map<String, Value>, path: &str, v: Value) {
    match path.split_once('.') {
        None => {
            m.entry(path.to_string()).or_insert(v);
        }
        Some((head, rest)) => {
            let inner = m
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = inner {
                insert_path(inner, rest, v);
            }
        }
    }
}

/// Placeholder (handle time, patience) per channel, by TaskRouter's usual
/// unique names; a generic guess for others.
fn channel_defaults(unique: &str) -> (&'static str, Option<&'static str>) {
    match unique {
        "voice" => (
            r#"{ dist = "lognormal", mean = "5m", cv = 0.6 }"#,
            Some(r#"{ dist = "exponential", mean = "3m" }"#),
        ),
        "chat" => (
            r#"{ dist = "gamma", mean = "8m", cv = 0.8 }"#,
            Some(r#"{ dist = "exponential", mean = "10m" }"#),
        ),
        "sms" => (
            r#"{ dist = "exponential", mean = "10m" }"#,
            Some(r#"{ dist = "exponential", mean = "30m" }"#),
        ),
        "email" => (r#"{ dist = "exponential", mean = "10m" }"#, None),
        "video" => (
            r#"{ dist = "lognormal", mean = "8m", cv = 0.6 }"#,
            Some(r#"{ dist = "exponential", mean = "3m" }"#),
        ),
        _ => (
            r#"{ dist = "exponential", mean = "5m" }"#,
            Some(r#"{ dist = "exponential", mean = "5m" }"#),
        ),
    }
}

/// Mean handle time in seconds of a channel's placeholder.
fn mean_handle_s(unique: &str) -> f64 {
    match unique {
        "voice" => 300.0,
        "chat" => 480.0,
        "sms" | "email" => 600.0,
        "video" => 480.0,
        _ => 300.0,
    }
}

/// Placeholder rates per source (per hour): about 70% of the staffed
/// workers' capacity on the source's channel, shared among that channel's
/// sources. A worker serving several channels counts a share of its time on
/// each, so the whole center is loaded at about 70%: busy but stable.
pub(super) fn rates(
    groups: &[Group],
    channels: &[Channel],
    sources: &[Source],
    staff_all: bool,
) -> Vec<u64> {
    let mut servers: HashMap<&str, f64> = HashMap::new();
    for g in groups {
        let n = staffed(g, staff_all) as f64;
        let caps: Vec<(&str, f64)> = channels
            .iter()
            .map(|c| {
                let cap = match &g.capacity {
                    None => 1.0,
                    Some(m) => m.get(&c.name).copied().unwrap_or(0) as f64,
                };
                (c.name.as_str(), cap)
            })
            .filter(|(_, cap)| *cap > 0.0)
            .collect();
        for (c, cap) in &caps {
            *servers.entry(c).or_default() += n * cap / caps.len() as f64;
        }
    }
    sources
        .iter()
        .map(|s| {
            let c = channels
                .iter()
                .find(|c| c.name == s.channel)
                .expect("a source's channel is a channel");
            let sharing = sources.iter().filter(|o| o.channel == s.channel).count() as f64;
            let per_h = 0.7 * servers.get(c.name.as_str()).copied().unwrap_or(0.0) * 3600.0
                / mean_handle_s(&c.unique_name)
                / sharing;
            (per_h.round() as u64).max(1)
        })
        .collect()
}

pub(super) fn render_channels(out: &mut String, channels: &[Channel]) {
    for c in channels {
        let (handle, _) = channel_defaults(&c.unique_name);
        let _ = write!(out, "\n# Task channel {}", comment(&c.unique_name));
        if let Some(sid) = &c.sid {
            let _ = write!(out, " ({})", comment(sid));
        }
        let _ = writeln!(
            out,
            ".\n[[channels]]\nname = {}\n# PLACEHOLDER: handle time not in the snapshot (calibrate from events: ccsim calibrate)\nhandle_time = {handle}",
            string(&c.name)
        );
    }
}

pub(super) fn render_sources(out: &mut String, sources: &[Source], rates: &[u64]) {
    for (s, rate) in sources.iter().zip(rates) {
        out.push('\n');
        if s.filter.is_empty() {
            let _ = writeln!(out, "# Tasks of channel {}.", comment(&s.channel));
        } else {
            let _ = writeln!(
                out,
                "# Tasks for workflow filter {} (attributes its expression asks for).",
                comment(&s.filter)
            );
        }
        let (_, patience) = channel_defaults(&s.unique);
        let _ = writeln!(
            out,
            "[[arrivals]]\nname = {}\nchannel = {}\n# PLACEHOLDER: arrival rate not in the snapshot, sized to load the staffed workers at about 70% (calibrate from events: ccsim calibrate)\nrate = \"{rate}/h\"",
            string(&s.name),
            string(&s.channel)
        );
        if s.attributes.values().any(Value::is_object) {
            // A nested object of numbers (`{ x = 1, y = 2 }`) or one keyed
            // `choose` would read as a random choice in `attributes`
            // (docs/scenario.md, "Task attributes"); JSON says it plainly.
            let json = Value::Object(s.attributes.clone()).to_string();
            let _ = writeln!(out, "attributes_json = {}", string(&json));
        } else if !s.attributes.is_empty() {
            let _ = writeln!(out, "attributes = {}", table(&s.attributes));
        }
        if let Some(p) = patience {
            let _ = writeln!(
                out,
                "# PLACEHOLDER: patience not in the snapshot (calibrate from events: ccsim calibrate)\npatience = {p}"
            );
        }
    }
}
