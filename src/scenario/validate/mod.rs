//! Raw file → [`Scenario`]: resolves names, builds distributions, compiles
//! expressions and reports every problem it finds with its position.

use super::diag::{Diagnostics, ScenarioError, SourceFile};
use super::raw::*;
use super::read::{FromToml, Reader};
use super::units::parse_rate;
use super::*;
use crate::expr::{Context, KeyId, Value};
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

mod activities;
mod agents;
mod channels;
mod profiles;
mod quantities;
mod queues;
mod reservations;
mod simulation;

pub(super) use quantities::Unit;

/// Attribute combinations per source above which the scenario is refused
/// (each combination is precomputed).
const MAX_CLASSES_PER_SOURCE: usize = 100_000;

pub(super) fn load(
    path: &Path,
    text: &str,
    options: &LoadOptions,
) -> Result<Loaded, ScenarioError> {
    let src = SourceFile::new(path, text);
    let mut diags = Diagnostics::default();
    let read = read_document::<RawScenario>(&src, &mut diags);
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
        inputs: vec![InputFile::new("scenario", path, text.as_bytes())],
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
) -> Option<(T, Unreadable)> {
    let (doc, errors) = toml::de::DeTable::parse_recoverable(src.text);
    if !errors.is_empty() {
        for e in errors {
            let span = e.span().unwrap_or(0..0);
            diags.error(src, &span, e.message().trim().replace('\n', " "));
        }
        return None;
    }
    let node = Spanned::new(doc.span(), toml::de::DeValue::Table(doc.into_inner()));
    let mut r = Reader::new(src.text.len());
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

/// A categorical attribute: its key and (value, weight) options.
type CategoricalAttr = (KeyId, Vec<(Value, f64)>);

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

/// A task attribute read by a filter or target expression.
pub(super) struct AttrRead {
    /// Where (a warning with its message still empty).
    pub at: super::diag::Diagnostic,
    /// The attribute path.
    pub key: KeyId,
    /// Who reads it, e.g. `filter "support"`.
    pub reader: String,
    /// Read from a filter expression (bare keys).
    pub bare: bool,
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

    /// Records the task attributes an expression reads (`bare`: a filter's
    /// own keys; otherwise `task.` paths of a target), pointing at each
    /// inside the expression text.
    pub(super) fn record_attr_reads(
        &mut self,
        e: &Expr,
        text: &Spanned<String>,
        reader: &str,
        bare: bool,
    ) {
        let want = if bare {
            crate::expr::Scope::Doc
        } else {
            crate::expr::Scope::Task
        };
        let mut keys = Vec::new();
        e.for_each_path(&mut |p| {
            if p.scope == want && !keys.contains(&p.key) {
                keys.push(p.key);
            }
        });
        for key in keys {
            let name = self.keys.name(key);
            let written = if bare {
                name.to_string()
            } else {
                format!("task.{name}")
            };
            let at = text
                .get_ref()
                .find(&written)
                .map_or(text.span().start, |i| {
                    super::taskrouter::raw_offset(self.src.text, text.span().start, i)
                });
            let at = self
                .src
                .at(super::diag::Severity::Warning, at, String::new());
            self.attr_reads.push(AttrRead {
                at,
                key,
                reader: reader.to_string(),
                bare,
            });
        }
    }

    /// Warns about every task attribute a filter or target reads that no
    /// source can produce: it is always null there, which is almost always
    /// a misspelling or a `task.` prefix in a filter (TaskRouter reads
    /// filter keys from the attribute document itself, so `task.skill` is
    /// the attribute `task` → `skill`).
    fn check_attr_reads(&mut self, classes: &[TaskClass], raw: &[Spanned<RawArrival>]) {
        let mut produced: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
        produced.insert("channel".into());
        for c in classes {
            for (k, _) in c.attrs.iter() {
                produced.insert(self.keys.name(*k).to_string());
            }
        }
        // Also what the files declare, for sources that failed before their
        // attribute documents were built.
        fn paths(prefix: &str, t: &toml::Table, out: &mut std::collections::BTreeSet<String>) {
            for (k, v) in t {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                match v {
                    toml::Value::Table(inner)
                        if !(inner.len() == 1 && inner.contains_key("choose")) =>
                    {
                        paths(&path, inner, out)
                    }
                    _ => {
                        out.insert(path);
                    }
                }
            }
        }
        for a in raw {
            let a = a.get_ref();
            if let Some(t) = &a.attributes {
                paths("", t.get_ref(), &mut produced);
            }
            if let Some(json) = &a.attributes_json
                && let Ok(serde_json::Value::Object(o)) =
                    serde_json::from_str::<serde_json::Value>(json.get_ref())
            {
                let doc = Attrs::from_json_object(&o, &mut self.keys);
                for (k, _) in doc.iter() {
                    produced.insert(self.keys.name(*k).to_string());
                }
            }
        }
        let is_produced = |name: &str| {
            produced.contains(name)
                || produced.iter().any(|p| {
                    p.len() > name.len() && p.starts_with(name) && p.as_bytes()[name.len()] == b'.'
                })
        };
        for read in std::mem::take(&mut self.attr_reads) {
            let name = self.keys.name(read.key).to_string();
            if is_produced(&name) {
                continue;
            }
            let shown = if read.bare {
                format!("`{name}`")
            } else {
                format!("`task.{name}`")
            };
            let hint = match name.strip_prefix("task.") {
                Some(rest) if read.bare && is_produced(rest) => format!(
                    "; filter expressions read task attributes without a prefix (`task.{rest}` is the attribute `task` → `{rest}`): write `{rest}`"
                ),
                _ => match super::diag::suggest(&name, produced.iter().map(String::as_str)) {
                    Some(s) => format!(
                        "; did you mean `{}{s}`?",
                        if read.bare { "" } else { "task." }
                    ),
                    None => format!(
                        "; sources set: {}",
                        produced
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
            };
            let mut d = read.at;
            d.message = format!(
                "{} reads the task attribute {shown}, which no arrival source sets (so it is always null there){hint}",
                read.reader
            );
            self.diags.items.push(d);
        }
    }

    pub(super) fn err(&mut self, span: &Range<usize>, msg: impl Into<String>) {
        if !self.is_unreadable(span) {
            self.diags.error(&self.src, span, msg);
        }
    }

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

    fn scenario(&mut self, raw: RawScenario) -> Option<Scenario> {
        let sim = self.simulation(&raw.simulation);
        let hours = self.all_hours(&raw.hours, sim.as_ref());
        let channels = self.channels(&raw.channels);
        let queues = self.queues(&raw.queues);
        let defaults = self.reservations(raw.reservations.as_ref(), None);
        let activities = self.activities(&raw.activities);
        let groups = self.groups(&raw.agents, &channels, &queues, &defaults, &activities);
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
        if self.diags.has_errors() {
            return None;
        }
        let (sim, channels, mut queues, groups, sources, mut workflow) =
            (sim?, channels, queues, groups?, sources?, workflow?);
        workflow.timeout_activity = timeout_activity?;
        self.transfers(&raw.queues, &mut queues, &mut workflow);
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

    fn attrs_from_table(&mut self, table: &toml::Table) -> Attrs {
        let mut pairs = Vec::new();
        flatten_toml("", table, &mut self.keys, &mut pairs);
        Attrs::from_pairs(pairs)
    }

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

    fn sources(
        &mut self,
        raw: &[Spanned<RawArrival>],
        channels: &[Channel],
        sim: Option<&Simulation>,
        classes: &mut Vec<TaskClass>,
    ) -> Option<Vec<Source>> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        let mut ok = true;
        for a in raw {
            match self.source(a, channels, sim, classes, &mut seen) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        if let (true, Some(sim)) = (ok, sim) {
            ok = self.check_work(raw, &out, sim);
        }
        ok.then_some(out)
    }

    /// Refuses a run whose expected number of contacts per replication is
    /// above the limit (a mistyped rate would otherwise exhaust memory or
    /// time before saying anything). Redials multiply a source's contacts
    /// by up to 1 ÷ (1 − p).
    fn check_work(
        &mut self,
        raw: &[Spanned<RawArrival>],
        sources: &[Source],
        sim: &Simulation,
    ) -> bool {
        // Attempts per customer at most: 1 ÷ (1 − p) with redials (every
        // attempt abandoning); with p = 1, one per delay until the run stops.
        let run_s = sim.horizon_s + sim.drain_limit_s;
        let per_source: Vec<(f64, f64)> = sources
            .iter()
            .map(|src| {
                let attempts = match &src.redial {
                    Some((p, _)) if *p < 1.0 => 1.0 / (1.0 - p),
                    Some((_, delay)) => 1.0 + run_s / delay.mean(),
                    None => 1.0,
                };
                let arrivals = crate::arrivals::expected_arrivals(src, sim.horizon_s);
                (arrivals, arrivals * attempts)
            })
            .collect();
        let total: f64 = per_source.iter().map(|x| x.1).sum();
        if total <= self.max_contacts || per_source.is_empty() {
            return true;
        }
        let (i, (arrivals, attempts)) = per_source
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.1.total_cmp(&b.1.1))
            .expect("not empty");
        let fmt = |x: f64| {
            if x.is_finite() && x < 1e300 {
                format!("{x:.3e}")
            } else {
                "more than 1e300".to_string()
            }
        };
        let redials = if attempts > arrivals {
            format!(", up to {} attempts with its redials", fmt(*attempts))
        } else {
            String::new()
        };
        let r = raw[i].get_ref();
        let span = r
            .rate
            .as_ref()
            .map(|x| x.span())
            .or_else(|| r.profile.as_ref().map(|x| x.span()))
            .unwrap_or_else(|| r.name.span());
        self.err(
            &span,
            format!(
                "this scenario could simulate up to {} contacts per replication (source \"{}\": {} arrivals over the {} s to the horizon{redials}); the limit is {:.3e} (about {:.0} s of simulation per replication): check the rate, the horizon and the redials, or raise the limit with --max-contacts",
                fmt(total),
                sources[i].name,
                fmt(*arrivals),
                sim.horizon_s,
                self.max_contacts,
                self.max_contacts / 5e6
            ),
        );
        false
    }

    fn source(
        &mut self,
        a: &Spanned<RawArrival>,
        channels: &[Channel],
        sim: Option<&Simulation>,
        classes: &mut Vec<TaskClass>,
        seen: &mut HashMap<String, ()>,
    ) -> Option<Source> {
        let r = a.get_ref();
        let mut ok = self.check_name(&r.name, "arrival source", seen);
        let channel = match &r.channel {
            Some(c) => {
                let id = self.channel_id(c, channels);
                ok &= id.is_some();
                id
            }
            None => {
                if r.trace.is_none() {
                    self.err(
                        &a.span(),
                        format!("arrival source \"{}\" needs a `channel`", r.name.get_ref()),
                    );
                    ok = false;
                }
                None
            }
        };
        let priority = self.priority(&r.priority);
        let (handle_time, h_ok) = self.opt_dist(&r.handle_time, Unit::Seconds);
        let (wrapup, w_ok) = self.opt_dist(&r.wrapup, Unit::Seconds);
        let (patience, p_ok) = self.opt_dist(&r.patience, Unit::Seconds);
        ok &= h_ok && w_ok && p_ok && priority.is_some();
        let ch_default =
            |id: Option<ChannelId>| id.and_then(|id| channels[id.idx()].handle_time.clone());
        let handle_time = handle_time.or_else(|| ch_default(channel));
        let wrapup = wrapup.or_else(|| channel.and_then(|id| channels[id.idx()].wrapup.clone()));
        if r.trace.is_none() && handle_time.is_none() && channel.is_some() && h_ok {
            self.err(&a.span(), format!("arrival source \"{}\" has no handle_time (set it on the source or on its channel)", r.name.get_ref()));
            ok = false;
        }
        let kinds = [r.rate.is_some() || r.profile.is_some(), r.trace.is_some()];
        if kinds.iter().filter(|k| **k).count() != 1 {
            self.err(&a.span(), format!("arrival source \"{}\" needs either `rate` (optionally with `profile`), `profile` with `rates`, or `trace`", r.name.get_ref()));
            ok = false;
        }
        if let (Some(_), Some(w)) = (&r.trace, &r.weekly) {
            self.err(
                &w.span(),
                "`weekly` scales a `rate` or `profile`; a trace replays its rows as they are",
            );
            ok = false;
        }
        // Categorical attributes.
        let first_class = classes.len() as u32;
        let (base, cats) = self.attribute_model(r, channel, channels);
        if r.trace.is_some() && !cats.is_empty() {
            let span = r.attributes.as_ref().map_or(a.span(), |t| t.span());
            self.err(
                &span,
                "a trace's rows carry their own attributes: `choose` is not drawn for them (put the attribute in the trace's attributes column)",
            );
            ok = false;
        }
        let combos: usize = cats.iter().map(|c| c.1.len()).product();
        if combos > MAX_CLASSES_PER_SOURCE {
            self.err(
                &r.attributes
                    .as_ref()
                    .expect("categories come from attributes")
                    .span(),
                format!(
                    "{combos} attribute combinations is too many (at most {MAX_CLASSES_PER_SOURCE})"
                ),
            );
            return None;
        }
        let mut categories = Vec::new();
        let mut stride = 1u32;
        for (_, options) in cats.iter().rev() {
            let total: f64 = options.iter().map(|o| o.1).sum();
            let mut acc = 0.0;
            let cumulative = options
                .iter()
                .map(|o| {
                    acc += o.1 / total;
                    acc
                })
                .collect();
            categories.push(Category { cumulative, stride });
            stride *= options.len() as u32;
        }
        categories.reverse();
        if r.trace.is_none() {
            // Enumerate every combination in mixed-radix order.
            for combo in 0..combos {
                let mut pairs: Vec<(KeyId, Value)> = base.clone();
                let mut rest = combo;
                for ((key, options), cat) in cats.iter().zip(&categories) {
                    let choice = rest / cat.stride as usize;
                    rest %= cat.stride as usize;
                    pairs.push((*key, options[choice].0.clone()));
                }
                classes.push(TaskClass {
                    attrs: Attrs::from_pairs(pairs),
                    channel: channel.unwrap_or(ChannelId(0)),
                    filter_match: Vec::new(),
                });
            }
        }
        // Checked even when the arrival process fails, so that one run
        // reports the redial and number problems too.
        let process = if let Some(t) = &r.trace {
            let rows =
                super::trace::load_trace(self, t, channels, handle_time.is_some(), &base, classes);
            rows.map(|rows| self.trace_process(t, rows, sim))
        } else if r.rate.is_some() || r.profile.is_some() {
            self.rate_process(r, sim)
        } else {
            None
        };
        let redial = match &r.redial {
            None => None,
            Some(rd) => {
                let x = rd.get_ref();
                let p = *x.probability.get_ref();
                if !(0.0..=1.0).contains(&p) {
                    self.err(
                        &x.probability.span(),
                        format!("a probability must be between 0 and 1, found {p}"),
                    );
                    ok = false;
                }
                match self.dist(&x.delay, Unit::Seconds) {
                    Some(d) if p == 1.0 && (d.can_be_zero() || d.mean() < 1e-3) => {
                        self.err(
                            &rd.span(),
                            "a redial with probability 1 and a delay that can be 0 s (or averages under 1 ms) repeats forever at one instant when nobody answers (each attempt abandons and calls again at once): use a probability below 1 or a positive delay",
                        );
                        ok = false;
                        None
                    }
                    Some(d) => {
                        if p == 1.0 {
                            self.warn(
                                &x.probability.span(),
                                "every abandoning customer calls again until answered: with too few agents the attempts grow until the drain limit stops the run",
                            );
                        }
                        Some((p, d))
                    }
                    None => {
                        ok = false;
                        None
                    }
                }
            }
        };
        let toll_free = match r.number.as_ref().map(|n| n.get_ref().as_str()) {
            None | Some("local") => false,
            Some("toll_free") => true,
            Some(other) => {
                let span = r.number.as_ref().expect("matched Some").span();
                self.err(
                    &span,
                    format!("number must be \"local\" or \"toll_free\", found \"{other}\""),
                );
                ok = false;
                false
            }
        };
        let process = process.filter(|_| ok)?;
        Some(Source {
            toll_free,
            name: r.name.get_ref().clone(),
            process,
            channel,
            priority: priority.flatten().unwrap_or(0),
            handle_time,
            wrapup,
            patience,
            redial,
            attributes: AttrModel {
                first_class,
                categories: if r.trace.is_some() {
                    Vec::new()
                } else {
                    categories
                },
            },
        })
    }

    /// Splits a source's attributes into fixed pairs and random choices.
    /// Nested tables are nested objects (read as dotted paths, as TaskRouter
    /// reads `a.b`); `key = { choose = { en = 0.8, es = 0.2 } }` draws one
    /// value per arrival. A table of two or more numbers was a random choice
    /// in earlier versions and is refused as ambiguous, with both ways to
    /// write it. `attributes_json` adds a JSON object (for objects that the
    /// TOML form cannot say unambiguously, or pasted task attributes).
    fn attribute_model(
        &mut self,
        raw: &RawArrival,
        channel: Option<ChannelId>,
        channels: &[Channel],
    ) -> (Vec<(KeyId, Value)>, Vec<CategoricalAttr>) {
        let mut base = Vec::new();
        let mut cats = Vec::new();
        // [I] the task's channel is visible to filters as `channel` unless the
        // scenario sets that attribute itself.
        if let Some(ch) = channel {
            base.push((
                self.keys.intern("channel"),
                Value::Str(channels[ch.idx()].name.as_str().into()),
            ));
        }
        let mut top_keys: Vec<String> = Vec::new();
        if let Some(table) = &raw.attributes {
            let span = table.span();
            for (k, v) in table.get_ref() {
                top_keys.push(k.clone());
                match v {
                    toml::Value::Table(t) if t.len() == 1 && t.contains_key("choose") => {
                        match choice(&t["choose"]) {
                            Ok(options) => cats.push((self.keys.intern(k), options)),
                            Err(why) => self.err(
                                &span,
                                format!("attribute \"{k}\": `choose` {why}, such as {k} = {{ choose = {{ en = 0.8, es = 0.2 }} }}"),
                            ),
                        }
                    }
                    toml::Value::Table(t)
                        if t.len() >= 2
                            && t.values().all(|x| {
                                matches!(x, toml::Value::Integer(_) | toml::Value::Float(_))
                            }) =>
                    {
                        let first: Vec<&String> = t.keys().take(2).collect();
                        self.err(
                            &span,
                            format!(
                                "attribute \"{k}\" is a table of numbers, which is ambiguous: to draw one of its keys per arrival write {k} = {{ choose = {{ {a} = …, {b} = … }} }}; for a nested object of numbers give it in `attributes_json` (e.g. attributes_json = '{{\"{k}\": {{\"{a}\": …}}}}')",
                                a = first[0],
                                b = first[1]
                            ),
                        );
                    }
                    toml::Value::Table(t) => {
                        let mut nested = Vec::new();
                        flatten_toml(k, t, &mut self.keys, &mut nested);
                        base.extend(nested);
                    }
                    other => base.push((self.keys.intern(k), Value::from_toml(other))),
                }
            }
        }
        if let Some(json) = &raw.attributes_json {
            match serde_json::from_str::<serde_json::Value>(json.get_ref()) {
                Ok(serde_json::Value::Object(o)) => {
                    for k in o.keys() {
                        if top_keys.contains(k) {
                            self.err(
                                &json.span(),
                                format!("attribute \"{k}\" is set both in `attributes` and in `attributes_json`"),
                            );
                        }
                    }
                    let doc = Attrs::from_json_object(&o, &mut self.keys);
                    base.extend(doc.iter().cloned());
                }
                Ok(_) => self.err(
                    &json.span(),
                    "attributes_json must be a JSON object such as '{\"skill\": \"support\"}'",
                ),
                Err(e) => self.err(
                    &json.span(),
                    format!("attributes_json is not valid JSON: {e}"),
                ),
            }
        }
        // An explicit attribute replaces the injected channel.
        let mut seen_keys = std::collections::HashSet::new();
        base.reverse();
        base.retain(|(k, _)| seen_keys.insert(*k));
        base.reverse();
        cats.retain(|(k, _)| {
            base.retain(|(b, _)| b != k);
            true
        });
        (base, cats)
    }

    /// A trace's rows as a process, warning about rows past the horizon.
    fn trace_process(
        &mut self,
        t: &Spanned<String>,
        rows: Vec<TraceRow>,
        sim: Option<&Simulation>,
    ) -> ArrivalProcess {
        if let Some(sim) = sim {
            let late = rows
                .iter()
                .filter(|row| row.time_s >= sim.horizon_s)
                .count();
            if late > 0 {
                self.warn(&t.span(), format!("{late} trace row(s) arrive at or after the horizon ({} s) and are not replayed", sim.horizon_s));
            }
        }
        let dir = self.src.path.parent().unwrap_or(Path::new(""));
        ArrivalProcess::Trace {
            file: dir.join(t.get_ref()),
            rows,
        }
    }

    fn rate_process(&mut self, r: &RawArrival, sim: Option<&Simulation>) -> Option<ArrivalProcess> {
        let base = match &r.rate {
            Some(t) => match parse_rate(t.get_ref()) {
                Ok(v) if v > 0.0 => Some(v),
                Ok(_) => {
                    self.err(
                        &t.span(),
                        format!("the rate must be positive, found \"{}\"", t.get_ref()),
                    );
                    return None;
                }
                Err(e) => {
                    self.err(&t.span(), e);
                    return None;
                }
            },
            None => None,
        };
        let weekly = match &r.weekly {
            None => [1.0; 7],
            Some(w) => {
                let v = w.get_ref();
                if v.len() != 7
                    || v.iter().any(|x| !(x.is_finite() && *x >= 0.0))
                    || v.iter().sum::<f64>() <= 0.0
                {
                    self.err(
                        &w.span(),
                        "`weekly` needs 7 non-negative multipliers, Monday first, not all zero",
                    );
                    return None;
                }
                [v[0], v[1], v[2], v[3], v[4], v[5], v[6]]
            }
        };
        let Some(profile) = &r.profile else {
            if r.weekly.is_none() {
                return Some(ArrivalProcess::Poisson { rate_per_s: base? });
            }
            return Some(ArrivalProcess::Profile(RateProfile {
                piece_s: 86_400.0,
                rates_per_s: vec![base?],
                weekly,
                start_weekday: sim.map_or(0, |s| s.start_weekday),
            }));
        };
        let p = profile.get_ref();
        let piece = self.positive_duration(&p.interval, "the profile interval")?;
        let per_day = 86_400.0 / piece;
        if (per_day - per_day.round()).abs() > 1e-9 {
            self.err(
                &p.interval.span(),
                format!("the profile interval ({piece} s) must divide 24h"),
            );
            return None;
        }
        let per_day = per_day.round() as usize;
        let rates: Vec<f64> = match (&p.multipliers, &p.rates, base) {
            (Some(m), None, Some(base)) => {
                let v = m.get_ref();
                if v.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
                    self.err(&m.span(), "profile multipliers must be non-negative");
                    return None;
                }
                if v.len() != per_day {
                    self.err(&m.span(), format!("the profile has {} multipliers but a day has {per_day} intervals of {piece} s", v.len()));
                    return None;
                }
                v.iter().map(|x| x * base).collect()
            }
            (None, Some(rs), None) => {
                let mut out = Vec::new();
                for t in rs {
                    match parse_rate(t.get_ref()) {
                        Ok(v) if v >= 0.0 => out.push(v),
                        Ok(_) => {
                            self.err(&t.span(), "profile rates cannot be negative");
                            return None;
                        }
                        Err(e) => {
                            self.err(&t.span(), e);
                            return None;
                        }
                    }
                }
                if out.len() != per_day {
                    self.err(&profile.span(), format!("the profile has {} rates but a day has {per_day} intervals of {piece} s", out.len()));
                    return None;
                }
                out
            }
            (Some(_), None, None) => {
                self.err(&profile.span(), "profile `multipliers` scale `rate`: set `rate` on the source, or give `rates` instead");
                return None;
            }
            (None, Some(_), Some(_)) => {
                self.err(&profile.span(), "give either a base `rate` with profile `multipliers`, or profile `rates`, not both");
                return None;
            }
            _ => {
                self.err(
                    &profile.span(),
                    "a profile needs either `multipliers` or `rates`",
                );
                return None;
            }
        };
        if rates.iter().sum::<f64>() <= 0.0 {
            self.err(&profile.span(), "the profile's rates are all zero");
            return None;
        }
        Some(ArrivalProcess::Profile(RateProfile {
            piece_s: piece,
            rates_per_s: rates,
            weekly,
            start_weekday: sim.map_or(0, |s| s.start_weekday),
        }))
    }

    /// Decides once per class which filters match (all but clock-reading ones),
    /// and warns about sources whose tasks can match nothing.
    fn match_filters(&mut self, s: &mut Scenario, raw: &[Spanned<RawArrival>]) {
        let wf = &s.workflow;
        for class in &mut s.classes {
            class.filter_match = wf
                .filters
                .iter()
                .map(|f| f.dynamic || f.expression.eval(&class.attrs))
                .collect();
        }
        if wf.default_step.is_some() {
            return;
        }
        let mut firsts: Vec<u32> = s.sources.iter().map(|x| x.attributes.first_class).collect();
        firsts.push(s.classes.len() as u32);
        firsts.sort_unstable();
        for (src, r) in s.sources.iter().zip(raw) {
            let start = src.attributes.first_class as usize;
            let end = firsts
                .iter()
                .copied()
                .find(|&f| f as usize > start)
                .unwrap_or(s.classes.len() as u32) as usize;
            let range = &s.classes[start..end];
            let unrouted = range
                .iter()
                .filter(|c| !c.filter_match.iter().any(|m| *m))
                .count();
            if unrouted > 0 {
                let how = if unrouted == range.len() {
                    "all of its tasks"
                } else {
                    "some of its tasks"
                };
                self.warn(&r.get_ref().name.span(), format!("arrival source \"{}\": {how} match no filter and there is no default_filter; they are canceled on arrival (see \"Falling through, and the default filter\" in docs/routing.md)", src.name));
            }
        }
    }
}

/// The options of a `choose` table: value and weight each, weights
/// non-negative with a positive sum.
fn choice(v: &toml::Value) -> Result<Vec<(Value, f64)>, &'static str> {
    let toml::Value::Table(t) = v else {
        return Err("takes a table of weights");
    };
    let mut options = Vec::new();
    for (name, w) in t {
        let w = match w {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) => *f,
            _ => return Err("takes numbers as weights"),
        };
        if !(w.is_finite() && w >= 0.0) {
            return Err("needs non-negative weights");
        }
        options.push((Value::Str(name.as_str().into()), w));
    }
    if options.iter().map(|o| o.1).sum::<f64>() <= 0.0 {
        return Err("needs weights with a positive sum");
    }
    Ok(options)
}

fn flatten_toml(prefix: &str, t: &toml::Table, keys: &mut KeyTable, out: &mut Vec<(KeyId, Value)>) {
    for (k, v) in t {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) => flatten_toml(&path, inner, keys, out),
            other => out.push((keys.intern(&path), Value::from_toml(other))),
        }
    }
}
