//! The audit trail (`ccsim explain`, `--events`): events are built only
//! when a tracer is attached, so an untraced run pays one branch per call.
//! The counts here scan workers and waitlists: fine for a trace, never used
//! on the untraced path.

use super::*;

impl<const FULL: bool> Engine<'_, FULL> {
    /// Reports an event about a task (built only when tracing: the untraced
    /// path is one inlined test).
    #[inline(always)]
    pub(super) fn trace_task(
        &mut self,
        slot: u32,
        t: f64,
        name: &'static str,
        fill: impl FnOnce(&Self, &mut TraceEvent),
    ) {
        if self.tracing() {
            self.build_task_event(slot, t, name, fill);
        }
    }

    #[cold]
    #[inline(never)]
    fn build_task_event(
        &mut self,
        slot: u32,
        t: f64,
        name: &'static str,
        fill: impl FnOnce(&Self, &mut TraceEvent),
    ) {
        let mut ev = TraceEvent::new(t, name);
        ev.task = Some(self.tasks[slot as usize].seq - 1);
        ev.class = Some(self.tasks[slot as usize].class);
        ev.followup = match self.tasks[slot as usize].followup {
            Followup::None => None,
            Followup::Voicemail => Some("voicemail"),
            Followup::Callback => Some("callback"),
            Followup::Transfer => Some("transfer"),
            Followup::Reopen => Some("reopen"),
        };
        fill(self, &mut ev);
        if let Some(tr) = self.tracer.as_mut() {
            tr(&ev);
        }
    }

    /// Reports an event about a worker (built only when tracing).
    pub(super) fn trace_worker(&mut self, w: u32, t: f64, name: &'static str, detail: &str) {
        if self.tracer.is_none() {
            return;
        }
        let mut ev = TraceEvent::new(t, name);
        ev.worker = Some(self.plan.worker_names[w as usize].clone());
        ev.detail = Some(detail.to_string());
        if let Some(tr) = self.tracer.as_mut() {
            tr(&ev);
        }
    }

    /// Eligible, available and free queue members for a task's current step.
    pub(super) fn step_counts(&self, slot: u32, t: f64) -> (u32, u32, u32) {
        let task = &self.tasks[slot as usize];
        let (mut eligible, mut available, mut free) = (0, 0, 0);
        for w in 0..self.workers.len() as u32 {
            if !self.eligible(task.waitlist, task.class, w, t) {
                continue;
            }
            eligible += 1;
            if self.workers[w as usize].active {
                available += 1;
                free += u32::from(self.has_room(w, task.channel));
            }
        }
        (eligible, available, free)
    }

    /// Tasks waiting in a task's waitlist that are served before it (audit
    /// trail only): (higher priority, same priority and older). In a LIFO
    /// list a task just entered is served first.
    pub(super) fn ahead_in_waitlist(&self, slot: u32) -> (u32, u32) {
        let task = &self.tasks[slot as usize];
        if self.plan.waitlists[task.waitlist as usize].lifo {
            return (0, 0);
        }
        let me = WaitEntry {
            rank: task.priority,
            created: task.created,
            seq: task.seq,
            task: slot,
            generation: task.generation,
            epoch: task.epoch,
            lifo: false,
        };
        let (mut higher, mut older) = (0, 0);
        for e in self.router.waiting_entries(task.waitlist) {
            let x = &self.tasks[e.task as usize];
            let live = x.generation == e.generation
                && x.epoch == e.epoch
                && x.state == TaskState::Waiting
                && e.task != slot;
            if live && e.better_than(&me) {
                if e.rank > me.rank {
                    higher += 1;
                } else {
                    older += 1;
                }
            }
        }
        (higher, older)
    }

    /// The next opening of a calendar after `t` (`None`: no calendar, or it
    /// does not open again before the run ends).
    pub(super) fn next_opening(&self, hours: Option<u32>, t: f64) -> Option<f64> {
        let open = &self.s.hours[hours? as usize].open;
        let i = open.partition_point(|&(a, _)| a <= t);
        open.get(i).map(|&(a, _)| a)
    }

    pub(super) fn rule_text(&self, slot: u32) -> String {
        let step = &self.s.workflow.steps[self.tasks[slot as usize].step as usize];
        match self.rule {
            Rule::LongestIdle => {
                "longest since last reservation among free eligible workers".into()
            }
            Rule::OrderBy => {
                let clauses: Vec<String> = step
                    .order_by
                    .iter()
                    .map(|c| {
                        format!(
                            "worker.{} {}",
                            self.s.keys.name(c.key),
                            if c.desc { "DESC" } else { "ASC" }
                        )
                    })
                    .collect();
                format!(
                    "order_by {} (ties: longest since last reservation)",
                    clauses.join(", ")
                )
            }
            Rule::KnownWorker => "known worker named by the task".into(),
            Rule::WorkerPulled => {
                "the worker became free and this was its best waiting task (priority, then age)"
                    .into()
            }
        }
    }
}
