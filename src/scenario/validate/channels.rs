//! `[[channels]]`: names usable as TaskRouter channel unique names, the
//! handle and wrap-up times that sources on the channel inherit, and how
//! handle time stretches with concurrent tasks.

use super::{Unit, Validator};
use crate::expr::{Attrs, KeyId, Value};
use crate::scenario::diag::unknown_name;
use crate::scenario::raw::{RawChannel, RawConversation};
use crate::scenario::{Channel, ChannelId, Conversation, MAX_EXCHANGES, TaskClass};
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
            let service_level_threshold_s = c
                .service_level_threshold
                .as_ref()
                .and_then(|q| self.duration(q));
            let conversation = c.conversation.as_ref().and_then(|x| self.conversation(x));
            out.push(Channel {
                name: n.clone(),
                handle_time,
                wrapup,
                handle_time_scale,
                lines,
                lines_include_wrapup,
                service_level_threshold_s,
                conversation,
            });
        }
        // Kept even with errors so that references to channels still resolve;
        // the errors already stop the load.
        out
    }

    /// `conversation = { … }`: exchanges (a count of at least 1), the
    /// customer's reply gap, and how it closes and reopens.
    fn conversation(&mut self, raw: &Spanned<RawConversation>) -> Option<Conversation> {
        let r = raw.get_ref();
        let exchanges = self.dist(&r.exchanges, Unit::Count);
        if let Some(d) = &exchanges
            && !(1.0..=MAX_EXCHANGES).contains(&d.mean())
        {
            self.err(
                &r.exchanges.span(),
                format!(
                    "a conversation has 1 to {MAX_EXCHANGES} exchanges on average, found a mean of {}",
                    d.mean()
                ),
            );
            return None;
        }
        let reply_gap = self.dist(&r.reply_gap, Unit::Seconds);
        let timeout = match &r.inactivity_timeout {
            Some(q) => Some(self.positive_duration(q, "inactivity_timeout")?),
            None => None,
        };
        let agent_closes = match r.close.as_ref().map(|c| c.get_ref().as_str()) {
            None | Some("agent") => true,
            Some("inactivity") if timeout.is_some() => false,
            Some("inactivity") => {
                let span = r.close.as_ref().expect("matched Some").span();
                self.err(
                    &span,
                    "close = \"inactivity\" closes the conversation after `inactivity_timeout`: set it too (e.g. inactivity_timeout = \"15m\")",
                );
                return None;
            }
            Some(other) => {
                let span = r.close.as_ref().expect("matched Some").span();
                self.err(
                    &span,
                    format!(
                        "close must be \"agent\" (the agent closes it after the last exchange) or \"inactivity\" (it closes after `inactivity_timeout` of silence), found \"{other}\""
                    ),
                );
                return None;
            }
        };
        let reopen_window_s = match &r.reopen_window {
            Some(q) if timeout.is_none() => {
                self.err(
                    &q.span(),
                    "reopen_window applies after an inactivity close: set `inactivity_timeout` too",
                );
                return None;
            }
            Some(q) => self.duration(q)?,
            None => 0.0,
        };
        let reopen_attributes = match &r.reopen_attributes {
            Some(t) if r.reopen_window.is_none() => {
                self.err(
                    &t.span(),
                    "reopen_attributes apply to reopened conversations: set `reopen_window` too",
                );
                return None;
            }
            Some(t) => self.attribute_overrides(t)?,
            None => Vec::new(),
        };
        Some(Conversation {
            exchanges: exchanges?,
            reply_gap: reply_gap?,
            inactivity_timeout_s: timeout.unwrap_or(f64::INFINITY),
            agent_closes,
            reopen_window_s,
            reopen_attributes,
            reopen_classes: Vec::new(),
        })
    }

    /// With `reopen_attributes`: one reopening class per task class of the
    /// channel, appended after every source's classes.
    pub(super) fn reopen_classes(
        &mut self,
        channels: &mut [Channel],
        classes: &mut Vec<TaskClass>,
    ) {
        let n = classes.len();
        for (c, channel) in channels.iter_mut().enumerate() {
            let Some(conv) = channel.conversation.as_mut() else {
                continue;
            };
            if conv.reopen_attributes.is_empty() {
                continue;
            }
            conv.reopen_classes = (0..n as u32).collect();
            for i in 0..n {
                if classes[i].channel.idx() != c {
                    continue;
                }
                let pairs: Vec<(KeyId, Value)> = classes[i]
                    .attrs
                    .iter()
                    .cloned()
                    .chain(conv.reopen_attributes.iter().cloned())
                    .collect();
                conv.reopen_classes[i] = classes.len() as u32;
                classes.push(TaskClass {
                    attrs: Attrs::from_pairs(pairs),
                    channel: ChannelId(c as u32),
                    filter_matches: Vec::new(),
                });
            }
        }
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
