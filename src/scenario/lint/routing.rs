//! The rules about the workflow's routing: a target no worker matches
//! (`target-matches-no-worker`), a filter no task reaches or one before it
//! always takes (`filter-unreachable`, `filter-shadowed`), a step no task
//! reaches (`step-unreachable`) and a `skip_if` whose value never changes
//! (`skip-if-constant`).

use super::*;

impl<'a> Linter<'a> {
    /// Rule `target-matches-no-worker`.
    pub(super) fn targets(&mut self) {
        let wf = &self.s.workflow;
        for (f, filter) in wf.filters.iter().enumerate() {
            let classes: Vec<usize> = (0..self.s.classes.len())
                .filter(|&c| self.s.classes[c].filter_matches.contains(&(f as u32)))
                .collect();
            if classes.is_empty() {
                continue;
            }
            for (k, st) in filter.steps.iter().enumerate() {
                let step = &wf.steps[st.idx()];
                let Some(e) = &step.expression else { continue };
                let mut live = false;
                e.for_each_path(&mut |p| match p.scope {
                    Scope::Worker => live |= live_worker_key(self.s.keys.name(p.key)),
                    Scope::Clock => live = true,
                    _ => {}
                });
                let members = &self.members[step.queue.idx()];
                if live || members.is_empty() || classes.len() * members.len() > MAX_PAIRS {
                    continue;
                }
                let any = classes.iter().any(|&c| {
                    let class = &self.s.classes[c];
                    let ch = step.channel.unwrap_or(class.channel).idx();
                    members.iter().any(|p| {
                        p.capacity[ch] > 0
                            && e.eval(&Pair {
                                task: &class.attrs,
                                worker: &p.attrs,
                            })
                    })
                });
                if any {
                    continue;
                }
                let text = step.expression_text.as_deref().unwrap_or("");
                self.warn(
                    "target-matches-no-worker",
                    self.target_span(f, k, |t| t.expression.as_ref()),
                    format!(
                        "target {} of filter \"{}\": `{text}` is false for every worker of queue \"{}\" and every task the filter gets",
                        k + 1,
                        filter.name,
                        self.s.queues[step.queue.idx()].name
                    ),
                    "no worker is ever eligible in this step: tasks only wait in it until its timeout (or forever without one)",
                    "compare the expression with the groups' attributes and the sources' attributes (a misspelt value or a missing `worker.` attribute is the usual cause)".to_string(),
                );
            }
        }
    }

    /// Rules `filter-unreachable` and `filter-shadowed`.
    pub(super) fn filters(&mut self) {
        let wf = &self.s.workflow;
        let transfer_targets: BTreeSet<u32> = self
            .s
            .queues
            .iter()
            .filter_map(|q| match q.transfer.as_ref()?.target {
                TransferTarget::Filter { filter, .. } => Some(filter),
                TransferTarget::Step(_) => None,
            })
            .collect();
        // A filter whose walk never ends: a target with neither a timeout
        // nor a skip_if keeps its tasks until they are answered or lost.
        let keeper = |f: usize| -> Option<usize> {
            let filter = &wf.filters[f];
            (!filter.dynamic)
                .then(|| {
                    filter.steps.iter().position(|st| {
                        let s = &wf.steps[st.idx()];
                        s.timeout_s.is_none() && s.skip_if.is_none()
                    })
                })
                .flatten()
        };
        for (f, filter) in wf.filters.iter().enumerate() {
            if filter.dynamic || transfer_targets.contains(&(f as u32)) {
                continue;
            }
            let classes: Vec<&crate::scenario::TaskClass> = self
                .s
                .classes
                .iter()
                .filter(|c| c.filter_matches.contains(&(f as u32)))
                .collect();
            if classes.is_empty() {
                if self.s.classes.is_empty() {
                    continue;
                }
                self.warn(
                    "filter-unreachable",
                    self.filter_span(f),
                    format!(
                        "filter \"{}\": `{}` is false for every task the arrival sources can produce",
                        filter.name, filter.expression_text
                    ),
                    "no task ever enters this filter, so its targets route nothing",
                    "compare the expression with the sources' `attributes` (names and values), or remove the filter".to_string(),
                );
                continue;
            }
            // Every class it matches first enters an earlier filter that keeps it.
            let mut first_keeper = None;
            let shadowed = classes.iter().all(|c| {
                c.filter_matches
                    .iter()
                    .take_while(|&&g| (g as usize) < f)
                    .find_map(|&g| keeper(g as usize).map(|k| (g as usize, k)))
                    .inspect(|&gk| {
                        first_keeper.get_or_insert(gk);
                    })
                    .is_some()
            });
            if let (true, Some((g, k))) = (shadowed, first_keeper) {
                self.warn(
                    "filter-shadowed",
                    self.filter_span(f),
                    format!(
                        "filter \"{}\" is never entered: every task it matches enters filter \"{}\" first, whose target {} has no timeout and no skip_if",
                        filter.name,
                        wf.filters[g].name,
                        k + 1
                    ),
                    "filters are tried top to bottom and a task falls through to a lower one only when it leaves the last target of the one above",
                    format!(
                        "move this filter above \"{}\", make that filter's expression narrower, or give its target {} a timeout",
                        wf.filters[g].name,
                        k + 1
                    ),
                );
            }
        }
    }

    /// Rule `step-unreachable`.
    pub(super) fn steps(&mut self) {
        let wf = &self.s.workflow;
        for (f, filter) in wf.filters.iter().enumerate() {
            let mut age = 0.0;
            for k in 1..filter.steps.len() {
                let prev = &wf.steps[filter.steps[k - 1].idx()];
                let why;
                let what;
                match prev.timeout_s {
                    None if prev.skip_if.is_none() => {
                        what = format!(
                            "target {} of filter \"{}\" is never reached: target {k} before it has no timeout and no skip_if",
                            k + 1,
                            filter.name
                        );
                        why = "a task stays in a target without a timeout until it is answered or lost, so the targets after it route nothing";
                    }
                    // Left by skip_if at once: the next target may be
                    // entered at the same age.
                    None => continue,
                    Some(t) => {
                        age += t;
                        if age < wf.task_ttl_s {
                            continue;
                        }
                        what = format!(
                            "target {} of filter \"{}\" is entered at a task age of {} s, not before the task TTL ({} s)",
                            k + 1,
                            filter.name,
                            age,
                            wf.task_ttl_s
                        );
                        why = "target timeouts add up on the task's age, and a task is canceled at the TTL, so it never gets here";
                    }
                }
                self.warn(
                    "step-unreachable",
                    self.target_span(f, k, |_| None),
                    what,
                    why,
                    format!("give target {k} a timeout (timeouts add up: each one is the time spent in that target), raise `task_timeout`, or remove this target"),
                );
                break;
            }
        }
    }

    /// Rule `skip-if-constant`.
    pub(super) fn skip_ifs(&mut self) {
        let wf = &self.s.workflow;
        for (f, filter) in wf.filters.iter().enumerate() {
            for (k, st) in filter.steps.iter().enumerate() {
                let step = &wf.steps[st.idx()];
                let Some(e) = &step.skip_if else { continue };
                let always = match e {
                    Expr::Const(false) => Some(false),
                    Expr::Const(true) => None, // "skip unless someone is free": an idiom
                    _ => self.skip_if_constant(e, step.queue),
                };
                let Some(always) = always else { continue };
                let (what, why, help) = if always {
                    (
                        "is true whatever the number of available and unavailable members of its queue",
                        "it skips the target whenever no worker is free at once, as '1==1' would: the counts it reads decide nothing",
                        "compare with the counts the queue can have (its members' head counts), or write '1==1' if skipping unless someone is free is meant",
                    )
                } else {
                    (
                        "is false whatever the number of available and unavailable members of its queue",
                        "the target is never skipped, so the skip_if does nothing",
                        "compare with the counts the queue can have (its members' head counts), or remove the skip_if",
                    )
                };
                let text = self
                    .raw_target(f, k)
                    .and_then(|t| t.get_ref().skip_if.as_ref())
                    .map_or(String::new(), |t| format!(" `{}`", t.get_ref()));
                self.warn(
                    "skip-if-constant",
                    self.target_span(f, k, |t| t.skip_if.as_ref()),
                    format!(
                        "the skip_if{text} of target {} of filter \"{}\" {what}",
                        k + 1,
                        filter.name
                    ),
                    why,
                    help.to_string(),
                );
            }
        }
    }

    /// For a `skip_if` reading only `workers.available`/`unavailable`: its
    /// value when it is the same for every split of the queue's members.
    fn skip_if_constant(&self, e: &Expr, q: QueueId) -> Option<bool> {
        let mut ok = true;
        e.for_each_path(&mut |p| {
            ok &= p.scope == Scope::Workers
                && matches!(self.s.keys.name(p.key), "available" | "unavailable");
        });
        if !ok {
            return None;
        }
        let mut groups: Vec<usize> = self.members[q.idx()]
            .iter()
            .map(|p| p.group.idx())
            .collect();
        groups.sort_unstable();
        groups.dedup();
        let total: u64 = groups
            .iter()
            .map(|&g| u64::from(self.s.groups[g].count))
            .sum();
        if total > u64::from(MAX_SKIP_COUNTS) {
            return None;
        }
        let total = total as u32;
        let value = |available: u32| {
            e.eval(&Counts {
                keys: &self.s.keys,
                available,
                total,
            })
        };
        let first = value(0);
        (1..=total).all(|a| value(a) == first).then_some(first)
    }
}

/// True when a `worker.` path reads live state (capacity in use, the
/// activity, the name) rather than a plain attribute: such an expression
/// cannot be decided from the groups alone. Any `channel.` path counts, to
/// be safe.
fn live_worker_key(name: &str) -> bool {
    name.starts_with("channel.")
        || matches!(
            name,
            "sid" | "friendly_name" | "activity_name" | "activity_sid"
        )
}

/// A task and a worker profile, for a target expression.
struct Pair<'a> {
    task: &'a crate::expr::Attrs,
    worker: &'a crate::expr::Attrs,
}

impl Resolver for Pair<'_> {
    fn resolve(&self, scope: Scope, key: KeyId) -> ValueRef<'_> {
        match scope {
            Scope::Task => self.task.get(key),
            Scope::Worker => self.worker.get(key),
            _ => ValueRef::Null,
        }
    }
}

/// `workers.available` and `workers.unavailable` for one split of a queue's members.
struct Counts<'a> {
    keys: &'a crate::expr::KeyTable,
    available: u32,
    total: u32,
}

impl Resolver for Counts<'_> {
    fn resolve(&self, scope: Scope, key: KeyId) -> ValueRef<'_> {
        match (scope, self.keys.name(key)) {
            (Scope::Workers, "available") => ValueRef::Num(f64::from(self.available)),
            (Scope::Workers, "unavailable") => {
                ValueRef::Num(f64::from(self.total - self.available))
            }
            _ => ValueRef::Null,
        }
    }
}
