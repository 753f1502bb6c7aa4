//! What needs the workflow and the sources both known: which filters each
//! task class matches (decided here once, for routing), and two warnings,
//! for task attributes that filters and targets read but no source sets,
//! and for sources whose tasks match no filter. Such a scenario runs, but
//! almost surely not as its author meant.

use super::Validator;
use crate::expr::{Attrs, Expr, KeyId};
use crate::scenario::diag::{self, Diagnostic};
use crate::scenario::raw::RawArrival;
use crate::scenario::{Scenario, TaskClass, taskrouter};
use toml::Spanned;

/// A task attribute read by a filter or target expression.
pub(in crate::scenario) struct AttrRead {
    /// Where (a warning with its message still empty).
    pub at: Diagnostic,
    /// The attribute path.
    pub key: KeyId,
    /// Who reads it, e.g. `filter "support"`.
    pub reader: String,
    /// Read from a filter expression (bare keys).
    pub bare: bool,
}

impl Validator<'_> {
    /// Records the task attributes an expression reads (`bare`: a filter's
    /// own keys; otherwise `task.` paths of a target), pointing at each
    /// inside the expression text.
    pub(in crate::scenario) fn record_attr_reads(
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
                    taskrouter::raw_offset(self.src.text, text.span().start, i)
                });
            let at = self.src.at(diag::Severity::Warning, at, String::new());
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
    pub(super) fn check_attr_reads(&mut self, classes: &[TaskClass], raw: &[Spanned<RawArrival>]) {
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
                _ => match diag::suggest(&name, produced.iter().map(String::as_str)) {
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

    /// Decides once per class which filters match (all but clock-reading ones),
    /// and warns about sources whose tasks can match nothing.
    pub(super) fn match_filters(&mut self, s: &mut Scenario, raw: &[Spanned<RawArrival>]) {
        let wf = &s.workflow;
        for class in &mut s.classes {
            class.filter_matches = (0..wf.filters.len() as u32)
                .filter(|&f| {
                    let f = &wf.filters[f as usize];
                    f.dynamic || f.expression.eval(&class.attrs)
                })
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
            let unrouted = range.iter().filter(|c| c.filter_matches.is_empty()).count();
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
