//! Raw file → [`Scenario`]: resolves names, builds distributions, compiles
//! expressions and reports every problem it finds with its position.
//!
//! This module holds the [`Validator`], which collects the diagnostics and
//! what could not be read, and the driver, [`Validator::scenario`], which
//! checks the sections in dependency order. Each child module checks one
//! section; the workflow, rate card, calendars and traces are checked with
//! the same `Validator` by sibling modules of `scenario`.

use super::diag::{Diagnostics, ScenarioError, SourceFile};
use super::overrides::{self, Override};
use super::raw::RawScenario;
use super::read::{FromToml, Reader};
use super::{GroupId, InputFile, LoadOptions, Loaded, OFFLINE, Profile, Scenario};
use crate::expr::{Context, Expr, KeyTable};
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

mod activities;
mod agents;
mod arrivals;
mod attributes;
mod channels;
mod crosscheck;
mod profiles;
mod quantities;
mod queues;
mod reservations;
mod simulation;

use crosscheck::AttrRead;
pub(super) use quantities::Unit;

/// Checks a scenario file's text: the scenario and its warnings, or every
/// problem found, sorted by position.
pub(super) fn load(
    path: &Path,
    file_text: &str,
    options: &LoadOptions,
    overrides: &[Override],
) -> Result<Loaded, ScenarioError> {
    let combined = overrides::Combined::new(file_text, overrides);
    let text = combined.text.as_str();
    let src = SourceFile::with_overrides(path, text, combined.file_len);
    let mut diags = Diagnostics::default();
    let read = read_document::<RawScenario>(&src, &mut diags, overrides);
    let mut v = Validator {
        src,
        diags,
        unreadable: Vec::new(),
        keys: KeyTable::default(),
        queue_spans: Vec::new(),
        bad_queues: Vec::new(),
        anchor: None,
        hours_names: Vec::new(),
        activity_names: Vec::new(),
        extra_profiles: Vec::new(),
        inputs: vec![InputFile::new("scenario", path, file_text.as_bytes())],
        incomplete: std::collections::HashSet::new(),
        unreadable_keys: Vec::new(),
        max_contacts: options.max_contacts,
        attr_reads: Vec::new(),
    };
    let scenario = read.and_then(|(raw, unreadable)| {
        v.unreadable = unreadable.spans;
        v.unreadable_keys = unreadable.keys.clone();
        // A list of declarations that could not be read leaves its names
        // unknown: references to them are not reported as unknown.
        for (key, kind) in [
            ("channels", "channel"),
            ("queues", "queue"),
            ("hours", "hours"),
            ("activities", "activity"),
            ("agents", "agent group"),
        ] {
            if unreadable.keys.contains(&key) {
                v.incomplete.insert(kind);
            }
        }
        v.scenario(raw)
    });
    let scenario = scenario.map(|mut s| {
        s.overrides = overrides.iter().map(ToString::to_string).collect();
        s
    });
    v.diags
        .items
        .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    if v.diags.has_errors() {
        return Err(ScenarioError {
            diagnostics: v.diags.items,
        });
    }
    let warnings = v.diags.items;
    Ok(Loaded {
        scenario: scenario.expect("no errors means a scenario was built"),
        warnings,
    })
}

impl Validator<'_> {
    /// `[sweep]`: each axis a key with `values` (kept as written) or a `range`.
    fn sweep(&mut self, raw: &super::raw::RawSweep) -> Option<super::sweep::SweepSpec> {
        let mut axes = Vec::new();
        for axis in &raw.vary {
            let a = axis.get_ref();
            let key = a.key.get_ref().trim().to_string();
            if key.is_empty() {
                self.err(
                    &a.key.span(),
                    "the key is empty; name the value to vary, e.g. \"agents.support.count\"",
                );
                continue;
            }
            let values = match (&a.values, &a.range) {
                (Some(values), None) => {
                    let mut out = Vec::new();
                    for v in values.get_ref() {
                        let text = self.src.text[v.span()].trim();
                        if text.contains('\n') {
                            self.err(&v.span(), "write each sweep value on one line");
                        }
                        out.push(text.to_string());
                    }
                    if out.is_empty() {
                        self.err(&values.span(), "an axis needs at least one value");
                    }
                    out
                }
                (None, Some(range)) => {
                    match super::sweep::range(range.get_ref()) {
                        Some(Ok(v)) => v,
                        Some(Err(e)) => {
                            self.err(&range.span(), e);
                            continue;
                        }
                        None => {
                            self.err(&range.span(), format!("expected a range such as \"24..30\" or \"24..30:2\", found \"{}\"", range.get_ref()));
                            continue;
                        }
                    }
                }
                _ => {
                    self.err(
                        &axis.span(),
                        "give an axis either `values = [...]` or `range = \"A..B[:STEP]\"`",
                    );
                    continue;
                }
            };
            if axes.iter().any(|(k, _)| *k == key) {
                self.err(
                    &a.key.span(),
                    format!("{key} is varied twice; give all its values in one axis"),
                );
                continue;
            }
            axes.push((key, values));
        }
        if raw.vary.is_empty() {
            return None;
        }
        Some(super::sweep::SweepSpec {
            axes,
            zip: raw.zip.as_ref().is_some_and(|z| *z.get_ref()),
        })
    }
}

/// What reading a document left unreadable: value spans and key names.
pub(super) struct Unreadable {
    /// Spans of values that could not be read.
    pub spans: Vec<Range<usize>>,
    /// Keys whose values could not be read.
    pub keys: Vec<&'static str>,
}

/// Parses a TOML text and reads its root table as `T`. Syntax errors are all
/// reported and stop there (a broken document would only give consequential
/// problems); reading problems are all reported and reading goes on. Returns
/// the value and what could not be read.
pub(super) fn read_document<T: FromToml>(
    src: &SourceFile<'_>,
    diags: &mut Diagnostics,
    overrides: &[Override],
) -> Option<(T, Unreadable)> {
    let (doc, errors) = toml::de::DeTable::parse_recoverable(&src.text[..src.file_len]);
    if !errors.is_empty() {
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            diags.error(src, &span, e.message().trim().replace('\n', " "));
        }
        return None;
    }
    let mut node = Spanned::new(doc.span(), toml::de::DeValue::Table(doc.into_inner()));
    let mut r = Reader::new(src.file_len);
    overrides::apply(
        &mut node,
        src.text,
        src.file_len,
        overrides,
        &mut r.problems,
    );
    let value = T::read(&mut r, &node);
    for (span, message) in r.problems {
        diags.error(src, &span, message);
    }
    Some((
        value?,
        Unreadable {
            spans: r.unreadable,
            keys: r.unreadable_keys,
        },
    ))
}

/// The state of one file's check: where problems go, and what earlier
/// sections left for later ones (names, spans, profiles).
pub(super) struct Validator<'a> {
    pub src: SourceFile<'a>,
    pub diags: Diagnostics,
    /// Spans whose values could not be read (already reported): problems
    /// inside them are consequences, not reported again.
    pub unreadable: Vec<Range<usize>>,
    pub keys: KeyTable,
    /// Spans of the `[[queues]]` names, for warnings raised after parsing them.
    pub queue_spans: Vec<Range<usize>>,
    /// Queues whose `target_workers` did not parse (already reported).
    pub bad_queues: Vec<bool>,
    /// Where time 0 is on the calendar (set by `simulation`).
    pub(super) anchor: Option<super::hours::Anchor>,
    /// Names of `[[hours]]`, in order.
    pub(super) hours_names: Vec<String>,
    /// Activity names and SIDs `skip_if` may count (set by `activities`).
    pub(super) activity_names: Vec<String>,
    /// Profiles created by scripted changes (after the groups' own).
    pub(super) extra_profiles: Vec<Profile>,
    /// Files read so far (the scenario first).
    pub(super) inputs: Vec<InputFile>,
    /// Keys whose values could not be read.
    pub(super) unreadable_keys: Vec<&'static str>,
    /// Kinds of names ("channel", "queue", …) some of whose declarations
    /// could not be read: a reference to an unknown one may be to those, so
    /// it is not reported.
    pub(super) incomplete: std::collections::HashSet<&'static str>,
    /// Expected contacts per replication above which a run is refused.
    pub(super) max_contacts: f64,
    /// Task attributes that filters and targets read, checked against what
    /// the sources produce once they are known.
    pub(super) attr_reads: Vec<AttrRead>,
}

impl Validator<'_> {
    /// A validator over another file (an imported workflow, a rate card)
    /// sharing this one's key table and names; hand it back with [`Validator::absorb`].
    pub(super) fn sub_validator<'b>(&mut self, src: SourceFile<'b>) -> Validator<'b> {
        Validator {
            src,
            diags: Diagnostics::default(),
            unreadable: Vec::new(),
            keys: std::mem::take(&mut self.keys),
            queue_spans: Vec::new(),
            bad_queues: Vec::new(),
            anchor: None,
            hours_names: Vec::new(),
            activity_names: self.activity_names.clone(),
            extra_profiles: Vec::new(),
            inputs: Vec::new(),
            incomplete: self.incomplete.clone(),
            unreadable_keys: Vec::new(),
            max_contacts: self.max_contacts,
            attr_reads: Vec::new(),
        }
    }

    /// Records a file the scenario is built from (for the report manifest).
    pub(super) fn record_input(&mut self, role: &'static str, path: &Path, text: &str) {
        self.inputs
            .push(InputFile::new(role, path, text.as_bytes()));
    }

    /// Takes back the key table and the problems found by a sub-validator.
    pub(super) fn absorb(&mut self, sub: Validator<'_>) {
        self.keys = sub.keys;
        self.diags.items.extend(sub.diags.items);
        self.attr_reads.extend(sub.attr_reads);
    }

    /// Reports an error, unless it is a consequence of a value that could
    /// not be read.
    pub(super) fn err(&mut self, span: &Range<usize>, msg: impl Into<String>) {
        if !self.is_unreadable(span) {
            self.diags.error(&self.src, span, msg);
        }
    }

    /// Reports a warning, unless it is a consequence of a value that could
    /// not be read.
    pub(super) fn warn(&mut self, span: &Range<usize>, msg: impl Into<String>) {
        if !self.is_unreadable(span) {
            self.diags.warning(&self.src, span, msg);
        }
    }

    /// True when a value that could not be read lies inside `span` (a
    /// table whose checks may be thrown off by it).
    pub(super) fn has_unreadable_within(&self, span: &Range<usize>) -> bool {
        self.unreadable
            .iter()
            .any(|u| span.start <= u.start && u.start < span.end)
    }

    /// True when `span` starts inside a value that could not be read (so a
    /// problem there is a consequence of one already reported).
    pub(super) fn is_unreadable(&self, span: &Range<usize>) -> bool {
        let at = span.start;
        self.unreadable
            .iter()
            .any(|u| u.start <= at && (at < u.end || at == u.start))
    }

    /// Compiles a routing expression; an error points inside the string.
    pub(super) fn expression(&mut self, text: &Spanned<String>, context: Context) -> Option<Expr> {
        if self.is_unreadable(&text.span()) {
            return None; // not a readable string (reported)
        }
        match Expr::parse(text.get_ref(), context, &mut self.keys) {
            Ok(e) => Some(e),
            Err(e) => {
                // Point inside the string, past its quotes and any escapes.
                let at = super::taskrouter::raw_offset(self.src.text, text.span().start, e.offset);
                self.err(&(at..at + 1), format!("invalid routing expression: {e}"));
                None
            }
        }
    }

    /// Checks the sections in dependency order (names before references to
    /// them), going on after errors so that one run reports them all, and
    /// builds the scenario when there are none.
    fn scenario(&mut self, raw: RawScenario) -> Option<Scenario> {
        let sim = self.simulation(&raw.simulation);
        let hours = self.all_hours(&raw.hours, sim.as_ref());
        let mut channels = self.channels(&raw.channels);
        let queues = self.queues(&raw.queues);
        let defaults = self.reservations(raw.reservations.as_ref(), None);
        let activities = self.activities(&raw.activities);
        let staffing = raw.staffing.as_ref().map(|file| {
            let names: Vec<&str> = raw
                .agents
                .iter()
                .map(|g| g.get_ref().group.get_ref().as_str())
                .collect();
            super::staffing::load_staffing(self, file, &names, sim.as_ref())
        });
        let groups = self.groups(
            &raw.agents,
            &channels,
            &queues,
            &defaults,
            &activities,
            &agents::PlanInputs {
                sim: sim.as_ref(),
                staffing: staffing.as_ref(),
            },
        );
        let lifo_first = self.workspace(raw.workspace.as_ref());
        let timeout_activity = match raw
            .workspace
            .as_ref()
            .and_then(|w| w.get_ref().timeout_activity.as_ref())
        {
            None => Some(OFFLINE),
            Some(name) => self.activity_id(name, &activities),
        };
        let channel_names: Vec<String> = channels.iter().map(|c| c.name.clone()).collect();
        let workflow = self.workflow(
            raw.workflow.as_ref(),
            &queues,
            &channel_names,
            lifo_first,
            0..0,
        );
        let mut classes = Vec::new();
        let sources = self.sources(&raw.arrivals, &channels, sim.as_ref(), &mut classes);
        self.reopen_classes(&mut channels, &mut classes);
        // A trace that did not load leaves its attributes unknown.
        if sources.is_some() || raw.arrivals.iter().all(|a| a.get_ref().trace.is_none()) {
            self.check_attr_reads(&classes, &raw.arrivals);
        }
        if raw.arrivals.is_empty() && !self.unreadable_keys.contains(&"arrivals") {
            self.err(&(0..0), "the scenario has no [[arrivals]]");
        }
        if raw.channels.is_empty() && !self.incomplete.contains("channel") {
            self.err(&(0..0), "the scenario declares no [[channels]]");
        }
        let name = raw.name.get_ref().trim().to_string();
        if name.is_empty() || name.contains(['/', '\\']) || name == "." || name == ".." {
            self.err(&raw.name.span(), "`name` must be non-empty and cannot contain path separators (reports go to reports/<name>/)");
        }
        // Checked even when something above failed, so that one run lists
        // the problems of the rate card too.
        let costs = raw.costs.as_ref().map(|c| {
            let window_h = sim.as_ref().map(|x| (x.horizon_s - x.warmup_s) / 3600.0);
            self.costs(c, &channels, groups.as_deref(), window_h)
        });
        let queue_names: Vec<&str> = queues.iter().map(|q| q.name.as_str()).collect();
        let group_names: Vec<&str> = groups.iter().flatten().map(|g| g.name.as_str()).collect();
        let (expectations, event_expectations) =
            self.expectations(&raw.expect, &queue_names, &group_names);
        let check = self.check_options(raw.check.as_ref());
        if self.diags.has_errors() {
            return None;
        }
        let (sim, channels, mut queues, groups, sources, mut workflow) =
            (sim?, channels, queues, groups?, sources?, workflow?);
        workflow.timeout_activity = timeout_activity?;
        workflow.weighted_wait = self.task_selection(raw.workspace.as_ref());
        self.transfers(&raw.queues, &mut queues, &mut workflow);
        for (rq, q) in raw.queues.iter().zip(&queues) {
            if q.at_close == crate::scenario::AtClose::Voicemail
                && !matches!(
                    workflow.after_hours,
                    crate::scenario::AfterHours::Voicemail { .. }
                )
                && let Some(a) = &rq.get_ref().at_close
            {
                self.err(
                    &a.span(),
                    "at_close = \"voicemail\" puts the waiting contacts in the workflow's voicemail step: set [workflow] after_hours = { action = \"voicemail\", queue = … } too",
                );
            }
        }
        let faults = raw.faults.as_ref().and_then(|f| {
            let refs = super::faults::FaultRefs {
                channels: &channels,
                queues: &queues,
                groups: &groups,
                sources: &sources,
                end_s: sim.horizon_s + sim.drain_limit_s,
            };
            self.faults(f, &refs, &mut workflow)
        });
        if self.diags.has_errors() {
            return None;
        }
        let mut scenario = Scenario {
            name,
            description: raw.description.clone(),
            path: self.src.path.to_path_buf(),
            sim,
            channels,
            sources,
            groups,
            queues,
            workflow,
            hours,
            classes,
            profiles: Vec::new(),
            costs: None,
            keys: std::mem::take(&mut self.keys),
            activities,
            inputs: Vec::new(),
            overrides: Vec::new(),
            sweep: raw.sweep.as_ref().and_then(|s| self.sweep(s.get_ref())),
            expectations,
            event_expectations,
            check,
            faults,
        };
        scenario.profiles = scenario
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| Profile {
                group: GroupId(g as u32),
                attrs: group.attrs.clone(),
                capacity: group.capacity.clone(),
                queues: group.queues.clone(),
            })
            .chain(std::mem::take(&mut self.extra_profiles))
            .collect();
        self.match_filters(&mut scenario, &raw.arrivals);
        scenario.costs = costs.flatten();
        scenario.inputs = std::mem::take(&mut self.inputs);
        Some(scenario)
    }

    /// Checks a declared name: readable, not blank, not seen before.
    fn check_name(
        &mut self,
        name: &Spanned<String>,
        what: &'static str,
        seen: &mut HashMap<String, ()>,
    ) -> bool {
        if self.is_unreadable(&name.span()) {
            self.incomplete.insert(what);
            return false;
        }
        let n = name.get_ref();
        if n.trim().is_empty() {
            self.err(&name.span(), format!("a {what} name cannot be empty"));
            return false;
        }
        if seen.insert(n.clone(), ()).is_some() {
            self.err(&name.span(), format!("duplicate {what} name \"{n}\""));
            return false;
        }
        true
    }

    /// An optional task priority, 0 to 2147483647.
    pub(super) fn priority(&mut self, p: &Option<Spanned<i64>>) -> Option<Option<u32>> {
        match p {
            None => Some(None),
            Some(v) if (0..=i64::from(i32::MAX)).contains(v.get_ref()) => {
                Some(Some(*v.get_ref() as u32))
            }
            Some(v) => {
                self.err(
                    &v.span(),
                    format!(
                        "priority must be between 0 and 2147483647, found {}",
                        v.get_ref()
                    ),
                );
                None
            }
        }
    }
}
