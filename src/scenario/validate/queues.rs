//! `[[queues]]`: names, `target_workers` expressions, hours and task order;
//! then, once the workflow is known, each queue's `transfer` (which may name
//! a workflow filter).

use super::{Unit, Validator};
use crate::expr::{Attrs, Context, Expr};
use crate::scenario::diag::unknown_name;
use crate::scenario::raw::RawQueue;
use crate::scenario::workflow::followup_step;
use crate::scenario::{
    AtClose, Queue, QueueId, StepId, Transfer, TransferTarget, WorkerSelection, Workflow,
};
use std::collections::HashMap;
use toml::Spanned;

impl Validator<'_> {
    /// Every queue, kept even when wrong (matching nobody) so that references
    /// to it resolve and are not reported again.
    pub(super) fn queues(&mut self, raw: &[Spanned<RawQueue>]) -> Vec<Queue> {
        let mut seen = HashMap::new();
        let mut out = Vec::new();
        for q in raw {
            let qr = q.get_ref();
            self.check_name(&qr.name, "queue", &mut seen);
            self.queue_spans.push(qr.name.span());
            let lifo = self.task_order(qr.task_order.as_ref());
            let hours = qr.hours.as_ref().and_then(|h| self.hours_id(h));
            let max_waiting = self
                .limit(&qr.max_waiting, "max_waiting", 0)
                .unwrap_or(None);
            let at_close = self.at_close(qr);
            let worker_selection = self.worker_selection(qr);
            let wait_weight = match &qr.wait_weight {
                None => 1.0,
                Some(w) if w.get_ref().is_finite() && *w.get_ref() > 0.0 => *w.get_ref(),
                Some(w) => {
                    self.err(&w.span(), format!("wait_weight scales the queue's waits when a free worker picks a task (longest weighted wait); it must be positive, found {}", w.get_ref()));
                    1.0
                }
            };
            let Some(tw) = &qr.target_workers else {
                self.err(
                    &q.span(),
                    format!(
                        "queue \"{}\" needs `target_workers` (use '1==1' for every worker)",
                        qr.name.get_ref()
                    ),
                );
                self.bad_queues.push(true);
                out.push(Queue {
                    transfer: None,
                    hours,
                    lifo,
                    name: qr.name.get_ref().clone(),
                    target_workers: Expr::Const(false),
                    target_workers_text: String::new(),
                    max_waiting,
                    at_close,
                    worker_selection,
                    wait_weight,
                });
                continue;
            };
            // A queue with a bad expression is kept (matching nobody) so that
            // references to it still resolve and are not reported twice.
            let e = self.expression(tw, Context::Bare);
            self.bad_queues.push(e.is_none());
            let e = e.unwrap_or(Expr::Const(false));
            out.push(Queue {
                transfer: None,
                hours,
                lifo,
                name: qr.name.get_ref().clone(),
                target_workers: e,
                target_workers_text: tw.get_ref().clone(),
                max_waiting,
                at_close,
                worker_selection,
                wait_weight,
            });
        }
        out
    }

    /// `worker_selection`: TaskRouter's longest idle unless asked.
    fn worker_selection(&mut self, qr: &RawQueue) -> WorkerSelection {
        let Some(w) = &qr.worker_selection else {
            return WorkerSelection::LongestIdle;
        };
        match w.get_ref().as_str() {
            "longest_idle" => WorkerSelection::LongestIdle,
            "random" => WorkerSelection::Random,
            "least_occupied" => WorkerSelection::LeastOccupied,
            other => {
                self.err(
                    &w.span(),
                    format!("worker_selection must be \"longest_idle\", \"random\" or \"least_occupied\", found \"{other}\""),
                );
                WorkerSelection::LongestIdle
            }
        }
    }

    /// `at_close`: only on a queue with `hours` (it never closes otherwise).
    fn at_close(&mut self, qr: &RawQueue) -> AtClose {
        let Some(a) = &qr.at_close else {
            return AtClose::Keep;
        };
        let value = match a.get_ref().as_str() {
            "keep" => AtClose::Keep,
            "closed" => AtClose::Closed,
            "voicemail" => AtClose::Voicemail,
            other => {
                self.err(
                    &a.span(),
                    format!("at_close must be \"keep\", \"closed\" or \"voicemail\" (what the contacts still waiting at closing time get), found \"{other}\""),
                );
                return AtClose::Keep;
            }
        };
        if qr.hours.is_none() && value != AtClose::Keep {
            self.err(
                &a.span(),
                "at_close applies when the queue's `hours` close: give the queue `hours` too",
            );
        }
        value
    }

    /// The id of a queue a reference names; an unknown TaskRouter SID gets a
    /// hint about `queue_sids`.
    pub(in crate::scenario) fn queue_id(
        &mut self,
        name: &Spanned<String>,
        queues: &[Queue],
    ) -> Option<QueueId> {
        match queues.iter().position(|q| &q.name == name.get_ref()) {
            Some(i) => Some(QueueId(i as u32)),
            None if self.incomplete.contains("queue") => None,
            None => {
                let hint = if name.get_ref().starts_with("WQ") {
                    " (map TaskRouter queue SIDs to names with `queue_sids` in [workflow])"
                } else {
                    ""
                };
                self.err(
                    &name.span(),
                    format!(
                        "{}{hint}",
                        unknown_name(
                            "queue",
                            name.get_ref(),
                            &queues.iter().map(|q| q.name.as_str()).collect::<Vec<_>>(),
                        )
                    ),
                );
                None
            }
        }
    }

    /// Resolves queue `transfer` settings; each gets a step in its target queue.
    pub(super) fn transfers(
        &mut self,
        raw: &[Spanned<RawQueue>],
        queues: &mut [Queue],
        workflow: &mut Workflow,
    ) {
        let names: Vec<Queue> = queues.to_vec();
        for (i, q) in raw.iter().enumerate() {
            let Some(tr) = &q.get_ref().transfer else {
                continue;
            };
            let x = tr.get_ref();
            let mut ok = true;
            let mut probability = |v: &Spanned<f64>, this: &mut Self| {
                let p = *v.get_ref();
                if !(0.0..=1.0).contains(&p) {
                    this.err(
                        &v.span(),
                        format!("a probability must be between 0 and 1, found {p}"),
                    );
                    ok = false;
                }
                p
            };
            let p = probability(&x.probability, self);
            let drop = x
                .drop_probability
                .as_ref()
                .map_or(0.0, |d| probability(d, self));
            let warm = match x.kind.as_ref().map(|k| k.get_ref().as_str()) {
                None | Some("cold") => false,
                Some("warm") => true,
                Some(other) => {
                    let span = x.kind.as_ref().expect("matched Some").span();
                    self.err(
                        &span,
                        format!("transfer kind must be \"cold\" or \"warm\", found \"{other}\""),
                    );
                    ok = false;
                    false
                }
            };
            let (handle_time, dist_ok) = self.opt_dist(&x.handle_time, Unit::Seconds);
            let priority = self.priority(&x.priority);
            let target = match (&x.to, &x.filter) {
                (Some(to), None) => self.queue_id(to, &names).map(|to| {
                    workflow.steps.push(followup_step(
                        &format!("transfer to {}", queues[to.idx()].name),
                        to,
                        priority.flatten(),
                    ));
                    TransferTarget::Step(StepId(workflow.steps.len() as u32 - 1))
                }),
                (None, Some(f)) => {
                    match workflow.filters.iter().position(|x| x.name == *f.get_ref()) {
                        Some(filter) => Some(TransferTarget::Filter {
                            filter: filter as u32,
                            priority: priority.flatten(),
                        }),
                        None => {
                            self.err(
                                &f.span(),
                                unknown_name(
                                    "filter",
                                    f.get_ref(),
                                    &workflow
                                        .filters
                                        .iter()
                                        .map(|x| x.name.as_str())
                                        .collect::<Vec<_>>(),
                                ),
                            );
                            None
                        }
                    }
                }
                _ => {
                    self.err(
                        &tr.span(),
                        "a transfer needs either `to` (a queue) or `filter` (a workflow filter)",
                    );
                    None
                }
            };
            if let (true, true, Some(_), Some(target)) = (ok, dist_ok, priority, target) {
                queues[i].transfer = Some(Transfer {
                    probability: p,
                    warm,
                    handle_time,
                    drop_probability: drop,
                    target,
                });
            }
        }
    }
}

/// The queues whose `target_workers` match a worker's attributes.
pub(super) fn member_of(queues: &[Queue], attrs: &Attrs) -> Vec<QueueId> {
    queues
        .iter()
        .enumerate()
        .filter(|(_, q)| q.target_workers.eval(attrs))
        .map(|(i, _)| QueueId(i as u32))
        .collect()
}
