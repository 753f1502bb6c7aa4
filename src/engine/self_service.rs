//! Self-service before routing (an IVR or a bot): every attempt of a source
//! with `self_service` spends a drawn time in the flow, which resolves a
//! share of those who finish it (`contained`) and routes the rest; some
//! ask for an agent part-way (`opt_out`). The customer's wait and patience
//! start when the contact is routed, or run from the call's start with
//! `patience = "running"` (docs/scenario.md, "Self-service").

use super::*;

impl<const FULL: bool> Engine<'_, FULL> {
    /// An attempt enters self-service: its time, and whether it opts out or
    /// is contained, are drawn now from the self-service stream.
    pub(super) fn start_self_service(&mut self, slot: u32, t: f64) {
        let x = &self.tasks[slot as usize];
        let ss = self.s.sources[x.source as usize]
            .self_service
            .as_ref()
            .expect("called only with self-service");
        let rng = &mut self.self_service_rng;
        let time = ss.time.sample(rng);
        let opt: f64 = StandardUniform.sample(rng);
        let resolve: f64 = StandardUniform.sample(rng);
        let (outcome, end) = if opt < ss.opt_out {
            // A uniform point of the flow: the customer presses 0.
            let part: f64 = StandardUniform.sample(rng);
            (IvrOutcome::OptedOut, t + part * time)
        } else if resolve < ss.containment {
            (IvrOutcome::Contained, t + time)
        } else {
            (IvrOutcome::Routed, t + time)
        };
        let runs = ss.patience_runs;
        let ttl = self.s.workflow.task_ttl_s;
        let x = &mut self.tasks[slot as usize];
        x.state = TaskState::SelfService;
        x.ivr = outcome;
        let (generation, counted) = (x.generation, x.counted);
        let gives_up = x.created + x.patience.min(ttl);
        if counted {
            self.metrics.self_service(SelfServiceKpi::Sessions, 1.0);
        }
        if runs && gives_up < end {
            // Patience runs out in the flow: the customer hangs up there.
            self.cal.schedule(
                gives_up.max(t),
                Event::Expire {
                    task: slot,
                    generation,
                },
            );
        }
        self.trace_task(slot, t, "task.self-service", |e, ev| {
            ev.detail = Some(format!(
                "in self-service until {:.2} s: {}",
                end,
                match e.tasks[slot as usize].ivr {
                    IvrOutcome::Routed => "then routed",
                    IvrOutcome::Contained => "resolved there",
                    IvrOutcome::OptedOut => "asks for an agent part-way",
                }
            ));
        });
        self.cal.schedule(
            end,
            Event::SelfServiceDone {
                task: slot,
                generation,
            },
        );
    }

    /// Self-service ends: the contact is resolved, or routed.
    pub(super) fn self_service_done(&mut self, slot: u32, generation: u32, t: f64) {
        let x = self.tasks[slot as usize];
        if x.generation != generation || x.state != TaskState::SelfService {
            return; // the customer hung up in the flow
        }
        if x.counted {
            self.metrics
                .self_service(SelfServiceKpi::Minutes, (t - x.call_start) / 60.0);
        }
        if x.ivr == IvrOutcome::Contained {
            if x.counted {
                let cell = self.metrics.cell(x.source, x.channel, None);
                self.metrics.contained(cell, x.arrival(), x.is_redial);
            }
            self.trace_task(slot, t, "task.canceled", |_, ev| {
                ev.detail = Some("resolved in self-service".into());
                ev.outcome = Some("contained");
            });
            self.close_leg(slot, t - x.call_start);
            return self.release_slot(slot);
        }
        if x.ivr == IvrOutcome::OptedOut && x.counted {
            self.metrics.self_service(SelfServiceKpi::OptedOut, 1.0);
        }
        let runs = self.s.sources[x.source as usize]
            .self_service
            .as_ref()
            .is_some_and(|s| s.patience_runs);
        let task = &mut self.tasks[slot as usize];
        task.state = TaskState::Waiting;
        if !runs {
            // The wait (and the patience it is measured against) starts now.
            task.deadline = t;
            self.set_created(slot, t);
        }
        self.route_attempt_after_ivr(slot, t);
    }
}
