//! The rules that scan the counted window minute by minute: who is on
//! shift when tasks arrive (`coverage-gap`), and where follow-up work goes
//! (`followup-unstaffed`, `followup-closed`).

use super::*;

/// Follow-up work a queue receives, for the `followup-*` rules.
struct FollowupWork {
    /// The step it enters.
    step: StepId,
    /// The channels of its tasks.
    channels: BTreeSet<usize>,
    /// Where the scenario sends it.
    span: Range<usize>,
    /// "call backs", "calls transferred from queue …".
    what: String,
    /// When it is made (voicemails are made while closed by design).
    made: Made,
}

impl Linter<'_> {
    /// Rule `coverage-gap`.
    pub(super) fn coverage(&mut self) {
        let s = self.s;
        let wf = &s.workflow;
        let sim = &s.sim;
        let dt = scan_step(sim);
        for (i, source) in s.sources.iter().enumerate() {
            let classes = self.source_classes[i].clone();
            if classes.is_empty() {
                continue;
            }
            // Per class: the queues of the first filter it enters (or the default).
            let mut per_class: Vec<(usize, Vec<QueueId>)> = Vec::new();
            for c in classes {
                let class = &s.classes[c];
                let queues: Vec<QueueId> = match class.filter_matches.first() {
                    Some(&f) if wf.filters[f as usize].dynamic => continue,
                    Some(&f) => wf.filters[f as usize]
                        .steps
                        .iter()
                        .map(|st| wf.steps[st.idx()].queue)
                        .collect(),
                    None => match wf.default_step {
                        Some(d) => vec![wf.steps[d.idx()].queue],
                        None => continue,
                    },
                };
                per_class.push((class.channel.idx(), queues));
            }
            // Classes differing only in attributes no filter reads share a route.
            per_class.sort_unstable();
            per_class.dedup();
            if per_class.is_empty() || per_class.len() > MAX_ROUTES {
                continue;
            }
            let covered = |t: f64| {
                per_class.iter().all(|(ch, queues)| {
                    queues.iter().any(|q| {
                        let queue = &s.queues[q.idx()];
                        let closed = queue.hours.is_some_and(|h| !s.hours[h as usize].is_open(t));
                        closed
                            || self.members[q.idx()].iter().any(|p| {
                                let g = &s.groups[p.group.idx()];
                                p.capacity[*ch] > 0
                                    && on_shift(&g.shifts, t)
                                    && g.plan.as_ref().is_none_or(|plan| plan.count_at(t) > 0)
                            })
                    })
                })
            };
            let arriving = |t: f64| {
                let rate = match &source.process {
                    ArrivalProcess::Poisson { rate_per_s } => *rate_per_s,
                    ArrivalProcess::Profile(p) => p.piece_at(t).0,
                    ArrivalProcess::Trace { .. } => 0.0,
                };
                rate > 0.0 && wf.hours.is_none_or(|h| s.hours[h as usize].is_open(t))
            };
            let mut first: Option<(f64, f64)> = None;
            let mut total = 0.0;
            let mut open_gap: Option<f64> = None;
            let mut t = sim.warmup_s;
            while t < sim.horizon_s {
                let mid = t + dt / 2.0;
                let gap = arriving(mid) && !covered(mid);
                match (gap, open_gap) {
                    (true, None) => open_gap = Some(t),
                    (false, Some(a)) => {
                        first.get_or_insert((a, t));
                        total += t - a;
                        open_gap = None;
                    }
                    _ => {}
                }
                t += dt;
            }
            if let Some(a) = open_gap {
                first.get_or_insert((a, sim.horizon_s));
                total += sim.horizon_s - a;
            }
            let Some((a, b)) = first else { continue };
            self.warn(
                "coverage-gap",
                self.source_span(i),
                format!(
                    "arrival source \"{}\": from {} to {} its tasks reach no queue with an agent on shift able to take them ({:.1} h of the counted window in all)",
                    source.name,
                    crate::scenario::units::clock(a),
                    crate::scenario::units::clock(b),
                    total / 3600.0
                ),
                "tasks arriving then wait for the next shift, or are abandoned, and the service level of those intervals drops",
                "extend or add a shift of a group that can take them, shape the source's `profile` to the opening hours, or set `[workflow] hours` with an after-hours action".to_string(),
            );
        }
    }

    /// Rule `followup-unstaffed`.
    pub(super) fn followups(&mut self) {
        let s = self.s;
        let wf = &s.workflow;
        let all: BTreeSet<usize> = s.classes.iter().map(|c| c.channel.idx()).collect();
        let raw_wf = self.raw.workflow.as_ref().map(Spanned::get_ref);
        let mut checks: Vec<FollowupWork> = Vec::new();
        if let AfterHours::Voicemail { step, .. } = &wf.after_hours
            && wf.hours.is_some()
        {
            let span = raw_wf
                .and_then(|w| w.after_hours.as_ref())
                .map(|a| a.get_ref().queue.as_ref().map_or(a.span(), Spanned::span))
                .unwrap_or(0..0);
            checks.push(FollowupWork {
                step: *step,
                channels: all.clone(),
                span,
                what: "after-hours voicemail tasks".into(),
                made: Made::Closed,
            });
        }
        if let Some(cb) = &wf.callback {
            let chans = cb
                .channel
                .map_or(all.clone(), |c| BTreeSet::from([c.idx()]));
            let span = raw_wf
                .and_then(|w| w.callback.as_ref())
                .map_or(0..0, |c| c.get_ref().queue.span());
            checks.push(FollowupWork {
                step: cb.step,
                channels: chans,
                span,
                what: "call backs".into(),
                made: Made::Open,
            });
        }
        let queue_channels = self.queue_channels();
        for (q, queue) in s.queues.iter().enumerate() {
            if let Some(tr) = &queue.transfer
                && let TransferTarget::Step(step) = tr.target
                && !queue_channels[q].is_empty()
            {
                let span = self
                    .raw
                    .queues
                    .get(q)
                    .and_then(|r| r.get_ref().transfer.as_ref())
                    .map_or(0..0, |t| {
                        t.get_ref().to.as_ref().map_or(t.span(), Spanned::span)
                    });
                checks.push(FollowupWork {
                    step,
                    channels: queue_channels[q].clone(),
                    span,
                    what: format!("calls transferred from queue \"{}\"", queue.name),
                    made: Made::From(q),
                });
            }
        }
        for FollowupWork {
            step,
            channels: chans,
            span,
            what,
            made,
        } in checks
        {
            let q = wf.steps[step.idx()].queue;
            if self.can_take(q, &chans) {
                self.closed_when_made(q, made, span, &what);
                continue;
            }
            let names: Vec<&str> = chans.iter().map(|&c| self.channel_name(c)).collect();
            self.warn(
                "followup-unstaffed",
                span,
                format!(
                    "{what} wait in queue \"{}\", but no agent group can take them there (a member with {} capacity)",
                    s.queues[q.idx()].name,
                    names.join(" or ")
                ),
                "they wait until they reach the task TTL and are canceled, so the work is lost",
                format!(
                    "add a group whose attributes match the queue's target_workers '{}' with capacity on that channel, or send them to a staffed queue",
                    s.queues[q.idx()].target_workers_text
                ),
            );
        }
    }

    /// Rule `followup-closed`: follow-up work made while its queue is
    /// closed (scanned over the counted window like `coverage-gap`).
    fn closed_when_made(&mut self, q: QueueId, made: Made, span: Range<usize>, what: &str) {
        let s = self.s;
        let queue = &s.queues[q.idx()];
        let Some(h) = queue.hours else { return };
        let open =
            |hours: Option<u32>, t: f64| hours.is_none_or(|h| s.hours[h as usize].is_open(t));
        let made_at = |t: f64| match made {
            Made::Closed => false,
            Made::Open => open(s.workflow.hours, t),
            Made::From(from) => open(s.workflow.hours, t) && open(s.queues[from].hours, t),
        };
        let sim = &s.sim;
        let dt = scan_step(sim);
        let (mut first, mut total, mut since) = (None, 0.0, None);
        let mut t = sim.warmup_s;
        while t < sim.horizon_s {
            let mid = t + dt / 2.0;
            let bad = made_at(mid) && !s.hours[h as usize].is_open(mid);
            match (bad, since) {
                (true, None) => since = Some(t),
                (false, Some(a)) => {
                    first.get_or_insert((a, t));
                    total += t - a;
                    since = None;
                }
                _ => {}
            }
            t += dt;
        }
        if let Some(a) = since {
            first.get_or_insert((a, sim.horizon_s));
            total += sim.horizon_s - a;
        }
        let Some((a, b)) = first else { return };
        self.warn(
            "followup-closed",
            span,
            format!(
                "{what} go to queue \"{}\" while it is closed, first from {} to {} ({:.1} h of the counted window in all)",
                queue.name,
                crate::scenario::units::clock(a),
                crate::scenario::units::clock(b),
                total / 3600.0
            ),
            "they wait in the closed queue until it opens (or their patience or the task TTL runs out), while they were made for now",
            "align the queue's hours with the times the work is made, or route it through a filter whose targets skip the closed queue (for example to a voicemail queue; see `closed_transfers` in docs/check.md)".to_string(),
        );
    }
}
