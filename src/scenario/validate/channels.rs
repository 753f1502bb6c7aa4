//! `[[channels]]`: names usable as TaskRouter channel unique names, the
//! handle and wrap-up times that sources on the channel inherit, and how
//! handle time stretches with concurrent tasks.

use super::{Unit, Validator};
use crate::scenario::diag::unknown_name;
use crate::scenario::raw::RawChannel;
use crate::scenario::{Channel, ChannelId};
use std::collections::HashMap;
use toml::Spanned;

impl Validator<'_> {
    /// Every channel; a bad distribution on one is reported and left unset.
    pub(super) fn channels(&mut self, raw: &[Spanned<RawChannel>]) -> Vec<Channel> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for c in raw {
            let c = c.get_ref();
            self.check_name(&c.name, "channel", &mut seen);
            let n = c.name.get_ref();
            let valid = n.chars().next().is_some_and(|ch| !ch.is_ascii_digit())
                && n.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '$');
            if !valid && !n.is_empty() {
                self.err(&c.name.span(), format!("channel name \"{n}\" must use letters, digits, `_` or `$` and not start with a digit (TaskRouter channel unique names have no hyphens)"));
            }
            // A bad distribution is reported and left unset.
            let (handle_time, _) = self.opt_dist(&c.handle_time, Unit::Seconds);
            let (wrapup, _) = self.opt_dist(&c.wrapup, Unit::Seconds);
            let mut handle_time_scale = Vec::new();
            if let Some(scale) = &c.handle_time_scale {
                let v = scale.get_ref();
                if v.is_empty() || v.iter().any(|x| !(x.is_finite() && *x > 0.0)) {
                    self.err(&scale.span(), "handle_time_scale needs positive factors, one per number of concurrent tasks (e.g. [1.0, 1.33, 1.67])");
                } else {
                    handle_time_scale = v.clone();
                }
            }
            let lines = self.limit(&c.lines, "lines", 1).unwrap_or(None);
            let lines_include_wrapup = c
                .lines_include_wrapup
                .as_ref()
                .is_some_and(|b| *b.get_ref());
            if let (None, Some(w)) = (&c.lines, &c.lines_include_wrapup) {
                self.err(
                    &w.span(),
                    "lines_include_wrapup applies to `lines`: set `lines` on the channel too",
                );
            }
            out.push(Channel {
                name: n.clone(),
                handle_time,
                wrapup,
                handle_time_scale,
                lines,
                lines_include_wrapup,
            });
        }
        // Kept even with errors so that references to channels still resolve;
        // the errors already stop the load.
        out
    }

    /// The id of a channel a reference names.
    pub(in crate::scenario) fn channel_id(
        &mut self,
        name: &Spanned<String>,
        channels: &[Channel],
    ) -> Option<ChannelId> {
        match channels.iter().position(|c| &c.name == name.get_ref()) {
            Some(i) => Some(ChannelId(i as u32)),
            None if self.incomplete.contains("channel") => None,
            None => {
                self.err(
                    &name.span(),
                    unknown_name(
                        "channel",
                        name.get_ref(),
                        &channels.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
                    ),
                );
                None
            }
        }
    }
}
