//! `[[activities]]`: the four built-in worker activities plus the scenario's
//! own, within TaskRouter's limit of 100. Breaks, reservation timeouts and
//! `skip_if` name them, so they are resolved before agent groups.

use super::Validator;
use crate::scenario::Activity;
use crate::scenario::diag::unknown_name;
use crate::scenario::raw::RawActivity;
use std::collections::HashMap;
use toml::Spanned;

impl Validator<'_> {
    /// The built-in activities plus `[[activities]]`. A built-in may be
    /// listed to give it a SID; its `available` flag cannot change.
    pub(super) fn activities(&mut self, raw: &[Spanned<RawActivity>]) -> Vec<Activity> {
        let mut out = Activity::builtin();
        let mut seen: HashMap<String, ()> = HashMap::new();
        for a in raw {
            let x = a.get_ref();
            let name = x.name.get_ref();
            if !self.check_name(&x.name, "activity", &mut seen) {
                continue;
            }
            let sid = x.sid.as_ref().map(|s| s.get_ref().clone());
            let flag = x.available.as_ref().map(|f| *f.get_ref());
            if let Some(i) = out.iter().position(|b| b.name == *name) {
                if flag.is_some_and(|f| f != out[i].available) {
                    let span = x.available.as_ref().expect("flag given").span();
                    self.err(&span, format!("\"{name}\" is a built-in activity with available = {}; it cannot change", out[i].available));
                }
                out[i].sid = sid;
                continue;
            }
            let Some(available) = flag else {
                self.err(&a.span(), format!("activity \"{name}\" needs `available = true` or `false` (whether its workers take new tasks)"));
                continue;
            };
            if out.len() >= 100 {
                self.err(
                    &x.name.span(),
                    "at most 100 activities per workspace (TaskRouter's limit)",
                );
                continue;
            }
            out.push(Activity {
                name: name.clone(),
                available,
                sid,
            });
        }
        self.activity_names = out
            .iter()
            .flat_map(|a| std::iter::once(a.name.clone()).chain(a.sid.clone()))
            .collect();
        out
    }

    /// The index of a named activity.
    pub(super) fn activity_id(
        &mut self,
        name: &Spanned<String>,
        activities: &[Activity],
    ) -> Option<u8> {
        let n = name.get_ref();
        match activities.iter().position(|a| a.name == *n) {
            Some(i) => Some(i as u8),
            None if self.incomplete.contains("activity") => None,
            None => {
                self.err(
                    &name.span(),
                    unknown_name(
                        "activity",
                        n,
                        &activities
                            .iter()
                            .map(|a| a.name.as_str())
                            .collect::<Vec<_>>(),
                    ),
                );
                None
            }
        }
    }
}
