//! Validation of `[workflow]` and `[workspace]`: filters and their targets
//! become [`Step`]s after TaskRouter's inheritance rules (docs/routing.md,
//! "What a target inherits"), with every expression compiled in its own
//! context.

use super::diag::{Severity, SourceFile};
use super::raw::{Quantity, RawFilter, RawTarget, RawWorkflow, RawWorkspace};
use super::taskrouter;
use super::validate::Validator;
use super::{AfterHours, Callback, Filter, OrderClause, Queue, QueueId, Step, StepId, Workflow};
use crate::expr::{Context, Expr, Scope};
use std::ops::Range;
use toml::Spanned;

/// Per-channel worker fields readable as `worker.channel.<name>.<field>` (docs/routing.md, "Expressions").
pub const CHANNEL_FIELDS: [&str; 3] = [
    "configured_capacity",
    "assigned_tasks",
    "available_capacity_percentage",
];

/// `workers.*` counters of `skip_if` (docs/routing.md, "skip_if") besides activity names.
pub const SKIP_IF_COUNTERS: [&str; 2] = ["available", "unavailable"];

impl Validator<'_> {
    /// Parses `prioritize_queue_order`; true means LIFO queues first.
    pub(super) fn workspace(&mut self, raw: Option<&Spanned<RawWorkspace>>) -> bool {
        raw.and_then(|w| w.get_ref().prioritize_queue_order.as_ref())
            .is_some_and(|o| self.fifo_or_lifo(o, "prioritize_queue_order"))
    }

    /// Parses `task_selection`; true means longest weighted wait.
    pub(super) fn task_selection(&mut self, raw: Option<&Spanned<RawWorkspace>>) -> bool {
        let Some(sel) = raw.and_then(|w| w.get_ref().task_selection.as_ref()) else {
            return false;
        };
        match sel.get_ref().as_str() {
            "priority" => false,
            "longest_weighted_wait" => true,
            other => {
                self.err(
                    &sel.span(),
                    format!("task_selection must be \"priority\" or \"longest_weighted_wait\", found \"{other}\""),
                );
                false
            }
        }
    }

    /// Parses a queue's `task_order`; true means LIFO.
    pub(super) fn task_order(&mut self, raw: Option<&Spanned<String>>) -> bool {
        raw.is_some_and(|o| self.fifo_or_lifo(o, "task_order"))
    }

    /// `"FIFO"` (false) or `"LIFO"` (true), case-insensitive.
    fn fifo_or_lifo(&mut self, order: &Spanned<String>, key: &str) -> bool {
        match order.get_ref().to_ascii_uppercase().as_str() {
            "FIFO" => false,
            "LIFO" => true,
            other => {
                self.err(
                    &order.span(),
                    format!("{key} must be \"FIFO\" or \"LIFO\", found \"{other}\""),
                );
                false
            }
        }
    }

    fn step_priority(&mut self, p: &Option<Spanned<Quantity>>) -> Option<Option<u32>> {
        let Some(p) = p else { return Some(None) };
        // TaskRouter's own examples write numbers both bare and as strings.
        let v = match p.get_ref() {
            Quantity::Number(n) => Some(*n),
            Quantity::Text(t) => t.trim().parse::<f64>().ok(),
        };
        match v {
            Some(v) if v.fract() == 0.0 && (0.0..=f64::from(i32::MAX)).contains(&v) => {
                Some(Some(v as u32))
            }
            _ => {
                self.err(
                    &p.span(),
                    "priority must be an integer between 0 and 2147483647",
                );
                None
            }
        }
    }

    fn step_timeout(&mut self, t: &Option<Spanned<Quantity>>) -> Option<Option<f64>> {
        let Some(t) = t else { return Some(None) };
        let v = match t.get_ref() {
            Quantity::Number(n) => Ok(*n),
            Quantity::Text(s) => match s.trim().parse::<f64>() {
                Ok(n) => Ok(n),
                Err(_) => super::units::parse_duration(s),
            },
        };
        match v {
            Ok(v) if v > 0.0 && v.is_finite() => Some(Some(v)),
            Ok(_) => {
                self.err(&t.span(), "a target timeout must be positive");
                None
            }
            Err(e) => {
                self.err(&t.span(), e);
                None
            }
        }
    }

    /// Offset of the text inside a TOML string token (after its quotes).
    fn inner_offset(&self, span: &Range<usize>) -> usize {
        let start = span.start;
        let t = &self.src.text[start..];
        start
            + if t.starts_with("'''") || t.starts_with("\"\"\"") {
                3
            } else {
                1
            }
    }

    fn check_worker_paths(
        &mut self,
        e: &Expr,
        text: &Spanned<String>,
        channels: &[String],
    ) -> bool {
        let mut bad = Vec::new();
        e.for_each_path(&mut |p| {
            if p.scope != Scope::Worker {
                return;
            }
            let name = self.keys.name(p.key).to_string();
            if let Some(rest) = name.strip_prefix("channel.") {
                let mut parts = rest.splitn(2, '.');
                let (ch, field) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                if !channels.iter().any(|c| c == ch) {
                    bad.push(format!(
                        "`worker.{name}` names unknown channel \"{ch}\"; expected one of {}",
                        channels.join(", ")
                    ));
                } else if !CHANNEL_FIELDS.contains(&field) {
                    bad.push(format!(
                        "`worker.{name}`: expected one of {}",
                        CHANNEL_FIELDS
                            .map(|f| format!("worker.channel.{ch}.{f}"))
                            .join(", ")
                    ));
                }
            }
        });
        for b in &bad {
            self.err(&text.span(), b.clone());
        }
        bad.is_empty()
    }

    fn order_by(
        &mut self,
        text: &Spanned<String>,
        channels: &[String],
    ) -> Option<Vec<OrderClause>> {
        if self.is_unreadable(&text.span()) {
            return None; // not a readable string (reported)
        }
        let base = self.inner_offset(&text.span());
        let mut clauses = Vec::new();
        let mut offset = 0;
        for part in text.get_ref().split(',') {
            let lead = part.len() - part.trim_start().len();
            let at = base + offset + lead;
            offset += part.len() + 1;
            let mut words = part.split_whitespace();
            let (Some(path), dir, extra) = (words.next(), words.next(), words.next()) else {
                self.err(
                    &(at..at + 1),
                    "expected `worker.<attribute> ASC|DESC` in order_by",
                );
                return None;
            };
            let Some(attr) = path.strip_prefix("worker.").filter(|a| !a.is_empty()) else {
                self.err(
                    &(at..at + 1),
                    format!(
                        "order_by sorts workers: expected `worker.<attribute>`, found `{path}`"
                    ),
                );
                return None;
            };
            let desc = match dir.map(str::to_ascii_uppercase).as_deref() {
                None | Some("ASC") => false,
                Some("DESC") => true,
                Some(other) => {
                    self.err(
                        &(at..at + 1),
                        format!("expected ASC or DESC after `{path}`, found `{other}`"),
                    );
                    return None;
                }
            };
            if extra.is_some() {
                self.err(&(at..at + 1), "expected `,` between order_by clauses");
                return None;
            }
            if let Some(rest) = attr.strip_prefix("channel.") {
                let ch = rest.split('.').next().unwrap_or("");
                if !channels.iter().any(|c| c == ch)
                    || !CHANNEL_FIELDS.iter().any(|f| rest.ends_with(f))
                {
                    self.err(
                        &(at..at + 1),
                        format!("`{path}` is not a known worker channel field"),
                    );
                    return None;
                }
            }
            clauses.push(OrderClause {
                key: self.keys.intern(attr),
                desc,
            });
        }
        Some(clauses)
    }

    /// The task attribute naming a known worker. TaskRouter documents the
    /// two keys as alternatives and SDKs may write both; the SID wins (it is
    /// the worker's unique identifier) and the friendly name is ignored with
    /// a warning [I].
    fn known_worker(&mut self, t: &RawTarget) -> Option<Option<crate::expr::KeyId>> {
        let field = match (&t.known_worker_sid, &t.known_worker_friendly_name) {
            (None, None) => return Some(None),
            (Some(sid), Some(name)) => {
                self.warn(
                    &name.span(),
                    format!(
                        "both known_worker_sid and known_worker_friendly_name are given: the worker is found by known_worker_sid (\"{}\") and known_worker_friendly_name is ignored",
                        sid.get_ref()
                    ),
                );
                sid
            }
            (Some(f), None) | (None, Some(f)) => f,
        };
        match field
            .get_ref()
            .strip_prefix("task.")
            .filter(|k| !k.is_empty())
        {
            Some(k) => Some(Some(self.keys.intern(k))),
            None => {
                self.err(&field.span(), format!("expected the task attribute holding the worker, such as \"task.agent_sid\", found \"{}\"", field.get_ref()));
                None
            }
        }
    }

    fn target(
        &mut self,
        t: &Spanned<RawTarget>,
        label: String,
        filter: Option<u32>,
        inherited: Option<QueueId>,
        queues: &[Queue],
        channels: &[String],
    ) -> Option<Step> {
        let r = t.get_ref();
        let queue_key = match (&r.queue, &r.task_queue_sid) {
            (Some(q), Some(legacy)) => {
                self.err(
                    &legacy.span(),
                    "give `queue` or its legacy name `task_queue_sid`, not both",
                );
                Some(q)
            }
            (None, Some(legacy)) => {
                self.warn(
                    &legacy.span(),
                    "`task_queue_sid` is the legacy name of `queue`; it is read as `queue` (write `queue`)",
                );
                Some(legacy)
            }
            (q, None) => q.as_ref(),
        };
        let queue = match queue_key {
            Some(q) => self.queue_id(q, queues),
            None => {
                if inherited.is_none() {
                    self.err(&t.span(), "the first target of a filter needs a `queue`");
                }
                inherited
            }
        };
        let priority = self.step_priority(&r.priority);
        let timeout = self.step_timeout(&r.timeout);
        let expression = match &r.expression {
            Some(e) => match self.expression(e, Context::TaskWorker) {
                Some(x) => {
                    self.record_attr_reads(&x, e, &format!("target \"{label}\""), false);
                    self.check_worker_paths(&x, e, channels).then_some(Some(x))
                }
                None => None,
            },
            None => Some(None),
        };
        let order_by = match &r.order_by {
            Some(o) => self.order_by(o, channels),
            None => Some(Vec::new()),
        };
        let skip_if = match &r.skip_if {
            Some(e) => self.expression(e, Context::Workers).map(|x| {
                let mut unknown = Vec::new();
                x.for_each_path(&mut |p| {
                    let n = self.keys.name(p.key);
                    if p.scope == Scope::Workers && !SKIP_IF_COUNTERS.contains(&n) && !self.activity_names.iter().any(|a| a == n) {
                        unknown.push(n.to_string());
                    }
                });
                for n in unknown {
                    self.warn(&e.span(), format!("`workers.{n}` is not a known counter (workers.available, workers.unavailable or an activity: {}); it counts 0", self.activity_names.join(", ")));
                }
                Some(x)
            }),
            None => Some(None),
        };
        let known_worker = self.known_worker(r);
        Some(Step {
            label,
            filter,
            queue: queue?,
            priority: priority?,
            timeout_s: timeout?,
            expression: expression?,
            expression_text: r.expression.as_ref().map(|e| e.get_ref().clone()),
            order_by: order_by?,
            skip_if: skip_if?,
            known_worker: known_worker?,
            channel: None,
        })
    }

    /// Builds the workflow from `[workflow]`, or from the TaskRouter document
    /// it names, reporting every problem.
    pub(super) fn workflow(
        &mut self,
        raw: Option<&Spanned<RawWorkflow>>,
        queues: &[Queue],
        channels: &[String],
        lifo_first: bool,
        top: Range<usize>,
    ) -> Option<Workflow> {
        let Some(wf) = raw else {
            self.err(&top, "the scenario has no [workflow]: add [[workflow.filters]] (or a default_filter) so tasks reach a queue");
            return None;
        };
        let w = wf.get_ref();
        let task_ttl_s = match &w.task_timeout {
            None => Some(86_400.0),
            Some(q) => match self.quantity(q, super::validate::Unit::Seconds) {
                Some(v) if v > 0.0 => Some(v),
                Some(_) => {
                    self.err(&q.span(), "task_timeout must be positive");
                    None
                }
                None => None,
            },
        };
        if let Some(sids) = &w.queue_sids
            && w.taskrouter_json.is_none()
        {
            self.warn(
                &sids.span(),
                "queue_sids only applies to a taskrouter_json document",
            );
        }
        let built = match &w.taskrouter_json {
            None => {
                if w.filters.is_empty() && w.default_filter.is_none() {
                    self.err(
                        &wf.span(),
                        "the workflow has no filters and no default_filter",
                    );
                    None
                } else {
                    self.build_workflow(&w.filters, w.default_filter.as_ref(), queues, channels)
                }
            }
            Some(path) => {
                if !w.filters.is_empty() || w.default_filter.is_some() {
                    self.err(&path.span(), "give either taskrouter_json or [[workflow.filters]]/default_filter, not both");
                    None
                } else {
                    self.import_taskrouter(path, w.queue_sids.as_ref(), queues, channels)
                }
            }
        };
        let reservation_timeout = match &w.task_reservation_timeout {
            None => Some(120.0),
            Some(q) => match self.quantity(q, super::validate::Unit::Seconds) {
                Some(v) if (1.0..=86_400.0).contains(&v) => Some(v),
                Some(v) => {
                    self.err(&q.span(), format!("task_reservation_timeout must be between 1 s and 86400 s (TaskRouter's limits), found {v} s"));
                    None
                }
                None => None,
            },
        };
        // The rest is checked even when the filters failed (one run, every
        // problem); the workflow is built only when all is well.
        let built_ok = built.is_some();
        let (filters, mut steps, default_step) = built.unwrap_or_default();
        let hours = w.hours.as_ref().and_then(|h| self.hours_id(h));
        let after_hours = match &w.after_hours {
            None => Some(AfterHours::Closed),
            Some(a) => {
                if w.hours.is_none() {
                    self.err(&a.span(), "after_hours needs `hours` in [workflow]");
                }
                let r = a.get_ref();
                match r.action.get_ref().as_str() {
                    "closed" => Some(AfterHours::Closed),
                    "voicemail" => {
                        let (handle_time, dist_ok) =
                            self.opt_dist(&r.handle_time, super::validate::Unit::Seconds);
                        let handle_time = dist_ok.then_some(handle_time);
                        let priority = self.priority(&r.priority);
                        let queue = match &r.queue {
                            Some(q) => self.queue_id(q, queues),
                            None => {
                                self.err(&a.span(), "a voicemail after_hours action needs the `queue` that works voicemails");
                                None
                            }
                        };
                        match (queue, handle_time, priority) {
                            (Some(queue), Some(handle_time), Some(priority)) => {
                                steps.push(followup_step("after-hours voicemail", queue, priority));
                                Some(AfterHours::Voicemail {
                                    step: StepId(steps.len() as u32 - 1),
                                    handle_time,
                                })
                            }
                            _ => None,
                        }
                    }
                    other => {
                        self.err(&r.action.span(), format!("after_hours action must be \"voicemail\" or \"closed\", found \"{other}\""));
                        None
                    }
                }
            }
        };
        let callback = match &w.callback {
            None => Some(None),
            Some(cb) => {
                let x = cb.get_ref();
                let after = self.positive_duration(&x.after, "a callback's `after`");
                let p = *x.probability.get_ref();
                let p_ok = (0.0..=1.0).contains(&p);
                if !p_ok {
                    self.err(
                        &x.probability.span(),
                        format!("a probability must be between 0 and 1, found {p}"),
                    );
                }
                let (delay, dist_ok) = self.opt_dist(&x.delay, super::validate::Unit::Seconds);
                let delay = dist_ok.then_some(delay);
                let priority = self.priority(&x.priority);
                let queue = self.queue_id(&x.queue, queues);
                let channel = match &x.channel {
                    None => Some(None),
                    Some(c) => match channels.iter().position(|n| n == c.get_ref()) {
                        Some(i) => Some(Some(super::ChannelId(i as u32))),
                        None if self.incomplete.contains("channel") => None,
                        None => {
                            self.err(
                                &c.span(),
                                super::diag::unknown_name(
                                    "channel",
                                    c.get_ref(),
                                    &channels.iter().map(String::as_str).collect::<Vec<_>>(),
                                ),
                            );
                            None
                        }
                    },
                };
                let expected = match x.on.as_ref().map(|o| o.get_ref().as_str()) {
                    None | Some("actual") => Some(false),
                    Some("expected") => Some(true),
                    Some(other) => {
                        let span = x.on.as_ref().expect("matched Some").span();
                        self.err(&span, format!("callback `on` must be \"actual\" or \"expected\", found \"{other}\""));
                        None
                    }
                };
                match (after, delay, priority, queue, p_ok, expected, channel) {
                    (
                        Some(after_s),
                        Some(delay),
                        Some(priority),
                        Some(queue),
                        true,
                        Some(expected),
                        Some(channel),
                    ) => {
                        let mut step = followup_step("callback", queue, priority);
                        step.channel = channel;
                        steps.push(step);
                        Some(Some(Callback {
                            channel,
                            expected,
                            after_s,
                            probability: p,
                            delay,
                            step: StepId(steps.len() as u32 - 1),
                        }))
                    }
                    _ => None,
                }
            }
        };
        if !built_ok {
            return None;
        }
        Some(Workflow {
            filters,
            steps,
            default_step,
            task_ttl_s: task_ttl_s?,
            lifo_first,
            weighted_wait: false,
            task_reservation_timeout_s: reservation_timeout?,
            timeout_activity: super::OFFLINE,
            hours,
            after_hours: after_hours?,
            callback: callback?,
        })
    }

    /// Loads a TaskRouter workflow document; its problems point into the JSON.
    fn import_taskrouter(
        &mut self,
        path: &Spanned<String>,
        sids: Option<&Spanned<std::collections::BTreeMap<Spanned<String>, Spanned<String>>>>,
        queues: &[Queue],
        channels: &[String],
    ) -> Option<Built> {
        let dir = self.src.path.parent().unwrap_or(std::path::Path::new(""));
        let file = dir.join(path.get_ref());
        let text = match super::input::read_text(&file, super::input::WORKFLOW_MAX_BYTES) {
            Ok(t) => t,
            Err(e) => {
                self.err(
                    &path.span(),
                    format!("cannot read the TaskRouter workflow: {e}"),
                );
                return None;
            }
        };
        self.record_input("workflow", &file, &text);
        let json_src = SourceFile::new(&file, &text);
        let root = match taskrouter::parse(&text) {
            Ok(r) => r,
            Err(e) => {
                self.diags.items.push(json_src.at(
                    Severity::Error,
                    e.offset,
                    format!("invalid JSON: {}", e.message),
                ));
                return None;
            }
        };
        let map = |q: &Spanned<String>| -> Spanned<String> {
            let mapped = sids
                .and_then(|m| m.get_ref().iter().find(|(k, _)| k.get_ref() == q.get_ref()))
                .map(|(_, n)| n.get_ref().clone());
            Spanned::new(q.span(), mapped.unwrap_or_else(|| q.get_ref().clone()))
        };
        let mut problems = Vec::new();
        let (filters, default) = taskrouter::workflow(&root, &map, &mut problems);
        // A validator over the JSON text, sharing the key table.
        let mut sub = self.sub_validator(json_src);
        for p in problems {
            sub.err(&p.span, p.message);
        }
        if filters.is_empty() && default.is_none() {
            sub.err(
                &root.span,
                "the workflow document has no filters and no default_filter",
            );
        }
        let built = sub.build_workflow(&filters, default.as_ref(), queues, channels);
        let failed = sub.diags.has_errors();
        self.absorb(sub);
        if failed { None } else { built }
    }

    /// Turns raw filters (from TOML or JSON) into filters and steps.
    fn build_workflow(
        &mut self,
        raw_filters: &[Spanned<RawFilter>],
        default_filter: Option<&Spanned<RawTarget>>,
        queues: &[Queue],
        channels: &[String],
    ) -> Option<Built> {
        let mut ok = true;
        let mut filters = Vec::new();
        let mut steps = Vec::new();
        for (i, f) in raw_filters.iter().enumerate() {
            let fr = f.get_ref();
            let name = fr
                .name
                .as_ref()
                .map_or_else(|| format!("filter {}", i + 1), |n| n.get_ref().clone());
            let expression = self.expression(&fr.expression, Context::Bare);
            if let Some(e) = &expression {
                self.record_attr_reads(e, &fr.expression, &format!("filter \"{name}\""), true);
            }
            let targets = fr.targets.get_ref();
            if targets.is_empty() {
                self.err(&fr.targets.span(), "a filter needs at least one target");
                ok = false;
            }
            let mut ids = Vec::new();
            let mut inherited = None;
            for (k, t) in targets.iter().enumerate() {
                match self.target(
                    t,
                    format!("{name} #{}", k + 1),
                    Some(i as u32),
                    inherited,
                    queues,
                    channels,
                ) {
                    Some(step) => {
                        inherited = Some(step.queue);
                        ids.push(StepId(steps.len() as u32));
                        steps.push(step);
                    }
                    None => ok = false,
                }
            }
            match expression {
                Some(expression) => {
                    let mut dynamic = false;
                    expression.for_each_path(&mut |p| dynamic |= p.scope == Scope::Clock);
                    filters.push(Filter {
                        name,
                        expression,
                        expression_text: fr.expression.get_ref().clone(),
                        dynamic,
                        steps: ids,
                    });
                }
                None => ok = false,
            }
        }
        let default_step = match default_filter {
            None => None,
            Some(d) => {
                let r = d.get_ref();
                let extra = r.priority.is_some()
                    || r.timeout.is_some()
                    || r.expression.is_some()
                    || r.order_by.is_some()
                    || r.skip_if.is_some()
                    || r.known_worker_sid.is_some()
                    || r.known_worker_friendly_name.is_some();
                if extra || (r.queue.is_none() && r.task_queue_sid.is_none()) {
                    self.err(
                        &d.span(),
                        "default_filter takes only `queue` (see \"Falling through, and the default filter\" in docs/routing.md)",
                    );
                    ok = false;
                    None
                } else {
                    match self.target(d, "default".into(), None, None, queues, channels) {
                        Some(step) => {
                            steps.push(step);
                            Some(StepId(steps.len() as u32 - 1))
                        }
                        None => {
                            ok = false;
                            None
                        }
                    }
                }
            }
        };
        ok.then_some((filters, steps, default_step))
    }
}

/// A step for follow-up tasks (voicemails, call backs): a queue and a
/// priority, nothing else.
pub(super) fn followup_step(label: &str, queue: QueueId, priority: Option<u32>) -> Step {
    Step {
        label: label.into(),
        filter: None,
        queue,
        priority,
        timeout_s: None,
        expression: None,
        expression_text: None,
        order_by: Vec::new(),
        skip_if: None,
        known_worker: None,
        channel: None,
    }
}

/// Filters, steps and the default step of a workflow under construction.
type Built = (Vec<Filter>, Vec<Step>, Option<StepId>);
