//! Workflow semantics (docs/routing.md, "The workflow walk"), each checked on a small
//! deterministic trace whose outcome is worked out by hand in the comments.

use ccsim::metrics::StepKpi as Step;
use ccsim::metrics::{
    FilterKpi, GroupKpi, GroupKpis, Kpi, QueueFlowKpi, ReplicationResult, StepKpis,
};

/// Runs replication 0 of a trace scenario: `rows` are CSV lines after the
/// header; `body` adds agents, queues and the workflow.
fn run(tag: &str, rows: &str, body: &str) -> (ccsim::scenario::Scenario, ReplicationResult) {
    let text = format!(
        r#"name = "{tag}"
[simulation]
horizon = "2h"
interval = "2h"
[[channels]]
name = "voice"
[[channels]]
name = "chat"
[[arrivals]]
name = "calls"
trace = "calls.csv"
handle_time = {{ dist = "deterministic", mean = "60s" }}
{body}"#
    );
    super::run_trace(&format!("wf-{tag}"), rows, &text)
}

/// Step `label`'s counters.
fn step(s: &ccsim::scenario::Scenario, r: &ReplicationResult, label: &str) -> StepKpis {
    let i = s
        .workflow
        .steps
        .iter()
        .position(|st| st.label == label)
        .unwrap_or_else(|| panic!("no step {label}"));
    r.steps[i]
}

/// A step's counters as (entered, answered, timed_out, skipped, abandoned,
/// canceled), to compare with a hand-worked row.
fn counts(k: StepKpis) -> [f64; 6] {
    [
        Step::Entered,
        Step::Answered,
        Step::TimedOut,
        Step::Skipped,
        Step::Abandoned,
        Step::Canceled,
    ]
    .map(|x| k[x])
}

/// Per filter: (entered, answered).
fn filter_counts(r: &ReplicationResult) -> Vec<(f64, f64)> {
    r.filters
        .iter()
        .map(|f| (f[FilterKpi::Entered], f[FilterKpi::Answered]))
        .collect()
}

/// Per queue: (entered, moved).
fn queue_flow(r: &ReplicationResult) -> Vec<(f64, f64)> {
    r.queue_flow
        .iter()
        .map(|q| (q[QueueFlowKpi::Entered], q[QueueFlowKpi::Moved]))
        .collect()
}

/// A group's reservations as (created, accepted, rejected, timed_out, canceled).
fn reservations(g: &GroupKpis) -> [f64; 5] {
    [
        GroupKpi::ReservationsCreated,
        GroupKpi::ReservationsAccepted,
        GroupKpi::ReservationsRejected,
        GroupKpi::ReservationsTimedOut,
        GroupKpi::ReservationsCanceled,
    ]
    .map(|x| g[x])
}

fn group_busy(s: &ccsim::scenario::Scenario, r: &ReplicationResult, group: &str) -> f64 {
    r.groups[s.groups.iter().position(|g| g.name == group).unwrap()][GroupKpi::Occupancy]
}

/// Targets of 10 s each: a task leaves step 1 at age 10, step 2 at 20 and
/// step 3 at 30 (cumulative, docs/routing.md, "Timeouts"). Patience 15 abandons in step 2, 25 in
/// step 3, 40 outlives the workflow and is canceled at 30.
#[test]
fn step_timeouts_are_cumulative_on_task_age() {
    let (s, r) = run(
        "cumulative",
        "0,voice,,15,\n0,voice,,25,\n0,voice,,40,\n",
        r#"[[queues]]
name = "q"
target_workers = "1==1"
[[workflow.filters]]
name = "f"
expression = "1==1"
targets = [{ queue = "q", timeout = 10 }, { timeout = 10 }, { timeout = "10s" }]
"#,
    );
    assert_eq!(counts(step(&s, &r, "f #1")), [3.0, 0.0, 3.0, 0.0, 0.0, 0.0]);
    assert_eq!(counts(step(&s, &r, "f #2")), [3.0, 0.0, 2.0, 0.0, 1.0, 0.0]);
    assert_eq!(counts(step(&s, &r, "f #3")), [2.0, 0.0, 1.0, 0.0, 1.0, 0.0]);
    assert_eq!(r.overall[Kpi::Abandoned], 2.0);
    assert_eq!(r.overall[Kpi::CanceledWorkflow], 1.0);
}

/// After the last target of a filter times out, the task continues with the
/// next filter below that matches (docs/routing.md, "The workflow walk"), here answered at age 10.
#[test]
fn timeout_falls_through_to_the_next_matching_filter() {
    let (s, r) = run(
        "fallthrough",
        "0,voice,,,\n",
        r#"[[agents]]
group = "b"
count = 1
attributes = { skills = ["b"] }
[[queues]]
name = "a"
target_workers = 'skills HAS "a"'
[[queues]]
name = "b"
target_workers = 'skills HAS "b"'
[[workflow.filters]]
name = "first"
expression = "1==1"
targets = [{ queue = "a", timeout = 10 }]
[[workflow.filters]]
name = "never"
expression = "1==2"
targets = [{ queue = "a" }]
[[workflow.filters]]
name = "second"
expression = "1==1"
targets = [{ queue = "b" }]
"#,
    );
    assert_eq!(step(&s, &r, "first #1")[Step::TimedOut], 1.0, "timed out");
    assert_eq!(
        step(&s, &r, "never #1")[Step::Entered],
        0.0,
        "a non-matching filter is skipped"
    );
    assert_eq!(
        step(&s, &r, "second #1")[Step::Answered],
        1.0,
        "answered in the next matching filter"
    );
    assert_eq!(r.overall[Kpi::WaitMax], 10.0);
    assert_eq!(filter_counts(&r), [(1.0, 0.0), (0.0, 0.0), (1.0, 1.0)]);
    // Queue flow: the task entered a, moved, entered b.
    assert_eq!(queue_flow(&r), [(1.0, 1.0), (1.0, 0.0)]);
    // Per-queue outcomes count where routing ended.
    assert_eq!(r.queues[1][Kpi::Answered], 1.0);
    assert_eq!(r.queues[0][Kpi::Offered], 0.0);
}

/// The default filter is never a fall-back for a timeout (docs/routing.md, "The workflow walk").
#[test]
fn default_filter_is_not_used_after_a_timeout() {
    let (_, r) = run(
        "no-default-after-timeout",
        "0,voice,,,\n",
        r#"[[agents]]
group = "b"
count = 1
attributes = { skills = ["b"] }
[[queues]]
name = "a"
target_workers = 'skills HAS "a"'
[[queues]]
name = "b"
target_workers = 'skills HAS "b"'
[[workflow.filters]]
expression = "1==1"
targets = [{ queue = "a", timeout = 10 }]
[workflow]
default_filter = { queue = "b" }
"#,
    );
    assert_eq!(r.overall[Kpi::Answered], 0.0);
    assert_eq!(r.overall[Kpi::CanceledWorkflow], 1.0);
}

/// `skip_if` on the last target of the only matching filter counts as "no
/// filter matched", so the default filter takes the task (docs/routing.md, "The workflow walk", docs/routing.md, "skip_if").
/// The first call keeps the b-agent busy so the skip is evaluated.
#[test]
fn skip_of_the_last_target_goes_to_the_default_filter() {
    let (s, r) = run(
        "skip-default",
        "0,voice,,,{\"kind\":\"x\"}\n1,voice,,,{\"kind\":\"y\"}\n",
        r#"[[agents]]
group = "a"
count = 1
attributes = { skills = ["a"] }
[[agents]]
group = "d"
count = 1
attributes = { skills = ["d"] }
[[queues]]
name = "a"
target_workers = 'skills HAS "a"'
[[queues]]
name = "d"
target_workers = 'skills HAS "d"'
[[workflow.filters]]
name = "busy-a"
expression = 'kind == "x"'
targets = [{ queue = "a" }]
[[workflow.filters]]
name = "skip"
expression = 'kind == "y"'
targets = [{ queue = "a", skip_if = "workers.available >= 1" }]
[workflow]
default_filter = { queue = "d" }
"#,
    );
    assert_eq!(
        counts(step(&s, &r, "skip #1")),
        [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    );
    assert_eq!(step(&s, &r, "default")[Step::Answered], 1.0);
    assert_eq!(
        r.overall[Kpi::WaitMax],
        0.0,
        "the default queue's agent was free"
    );
}

/// `order_by = "worker.level DESC"` picks the senior agent even though the
/// junior one comes first in worker order; without it the junior would.
#[test]
fn order_by_decides_the_worker() {
    let body = |order: &str| {
        format!(
            r#"[[agents]]
group = "junior"
count = 1
attributes = {{ level = 1 }}
[[agents]]
group = "senior"
count = 1
attributes = {{ level = 4 }}
[[queues]]
name = "q"
target_workers = "1==1"
[[workflow.filters]]
expression = "1==1"
targets = [{{ queue = "q"{order} }}]
"#
        )
    };
    let (s, r) = run(
        "order-by",
        "0,voice,,,\n",
        &body(", order_by = \"worker.level DESC\""),
    );
    assert!(group_busy(&s, &r, "senior") > 0.0 && group_busy(&s, &r, "junior") == 0.0);
    let (s, r) = run("order-default", "0,voice,,,\n", &body(""));
    assert!(group_busy(&s, &r, "junior") > 0.0 && group_busy(&s, &r, "senior") == 0.0);
}

/// Known-worker routing: the task names worker "b-1"; it goes to that worker
/// although "a-1" comes first. When the named worker is busy, the step waits
/// for it until its timeout, then any member takes it.
#[test]
fn known_worker_targets() {
    let body = r#"[[agents]]
group = "a"
count = 1
[[agents]]
group = "b"
count = 1
[[queues]]
name = "q"
target_workers = "1==1"
[[workflow.filters]]
name = "known"
expression = "agent != null"
targets = [{ queue = "q", known_worker_friendly_name = "task.agent", timeout = 5 }, { priority = 1 }]
[workflow]
default_filter = { queue = "q" }
"#;
    let (s, r) = run("known", "0,voice,,,{\"agent\":\"b-1\"}\n", body);
    assert!(group_busy(&s, &r, "b") > 0.0 && group_busy(&s, &r, "a") == 0.0);
    // b-1 takes the first call (600 s); the second, also for b-1, waits for
    // it 5 s, then its next target lets a-1 answer.
    let (s, r) = run(
        "known-busy",
        "0,voice,600,,{\"agent\":\"b-1\"}\n10,voice,,,{\"agent\":\"b-1\"}\n",
        body,
    );
    assert_eq!(
        counts(step(&s, &r, "known #1")),
        [2.0, 1.0, 1.0, 0.0, 0.0, 0.0]
    );
    assert_eq!(
        step(&s, &r, "known #2")[Step::Answered],
        1.0,
        "answered by a-1 after the 5 s timeout"
    );
    assert_eq!(r.overall[Kpi::WaitMax], 5.0);
}

/// A worker-vs-task target expression restricts the step to matching workers.
#[test]
fn target_expression_matches_task_to_worker() {
    let (s, r) = run(
        "expression",
        "0,voice,,,{\"language\":\"es\"}\n",
        r#"[[agents]]
group = "en"
count = 1
attributes = { languages = ["en"] }
[[agents]]
group = "es"
count = 1
attributes = { languages = ["en", "es"] }
[[queues]]
name = "q"
target_workers = "1==1"
[[workflow.filters]]
expression = "1==1"
targets = [{ queue = "q", expression = "task.language IN worker.languages" }]
"#,
    );
    assert!(group_busy(&s, &r, "es") > 0.0 && group_busy(&s, &r, "en") == 0.0);
}

/// LIFO serves the newest task first (docs/routing.md, "Which task a free worker takes"). One agent is busy until 100 s;
/// calls at 10, 20, 30 s (10 s each). FIFO answers them at 100, 110, 120
/// (waits 90, 90, 90); LIFO answers 30, 20, 10 (waits 70, 90, 110).
#[test]
fn lifo_queue_serves_newest_first() {
    let rows = "0,voice,100,,\n10,voice,10,,\n20,voice,10,,\n30,voice,10,,\n";
    let body = |order: &str| {
        format!(
            r#"[[agents]]
group = "a"
count = 1
[[queues]]
name = "q"
target_workers = "1==1"
task_order = "{order}"
[workflow]
default_filter = {{ queue = "q" }}
"#
        )
    };
    let (_, fifo) = run("fifo", rows, &body("FIFO"));
    let (_, lifo) = run("lifo", rows, &body("LIFO"));
    assert_eq!(fifo.overall[Kpi::WaitMax], 90.0);
    assert_eq!(lifo.overall[Kpi::WaitMax], 110.0);
    assert_eq!(
        fifo.overall[Kpi::Asa],
        lifo.overall[Kpi::Asa],
        "same total wait, different order"
    );
}

/// The task TTL cancels a task still pending (docs/routing.md, "Cancellation").
#[test]
fn ttl_cancels_pending_tasks() {
    let (s, r) = run(
        "ttl",
        "0,voice,,,\n",
        r#"[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
task_timeout = "60s"
default_filter = { queue = "q" }
"#,
    );
    assert_eq!(r.overall[Kpi::CanceledTtl], 1.0);
    assert_eq!(step(&s, &r, "default")[Step::Canceled], 1.0);
}

/// Filters may read the clock (`taskrouter.currentHour`, UTC from the start).
#[test]
fn filters_read_the_simulated_clock() {
    let dir_rows = "1800,voice,,,\n5400,voice,,,\n";
    let (_, r) = run(
        "clock",
        dir_rows,
        r#"[[agents]]
group = "a"
count = 1
[[queues]]
name = "early"
target_workers = "1==1"
[[queues]]
name = "late"
target_workers = "1==1"
[[workflow.filters]]
expression = "taskrouter.currentHour < 1 AND taskrouter.dayOfWeek == 'Mon'"
targets = [{ queue = "early" }]
[workflow]
default_filter = { queue = "late" }
"#,
    );
    assert_eq!(queue_flow(&r), [(1.0, 0.0), (1.0, 0.0)]);
}

/// "Voice blocks chat" written as in TaskRouter: a chat waits while its only
/// agent is on a call (docs/routing.md, "Multitasking and capacity"). Call 0–100 s; chat at 10 s waits 90 s, or is
/// answered at once without the expression (channels are independent).
#[test]
fn voice_blocks_chat_by_expression() {
    let rows = "0,voice,100,,\n10,chat,30,,\n";
    let body = |expr: &str| {
        format!(
            r#"[[agents]]
group = "blended"
count = 1
capacity = {{ voice = 1, chat = 2 }}
[[queues]]
name = "q"
target_workers = "1==1"
[[workflow.filters]]
name = "chat"
expression = "channel == 'chat'"
targets = [{{ queue = "q"{expr} }}]
[workflow]
default_filter = {{ queue = "q" }}
"#
        )
    };
    let (_, blocked) = run(
        "blocks",
        rows,
        &body(", expression = 'worker.channel.voice.assigned_tasks == 0'"),
    );
    let (_, free) = run("independent", rows, &body(""));
    assert_eq!(blocked.overall[Kpi::WaitMax], 90.0);
    assert_eq!(free.overall[Kpi::WaitMax], 0.0);
}

/// Least-loaded assignment with a live `order_by` differs from the default
/// longest-idle rule: a holds a 1000 s chat from 0 s; b took a 5 s chat at
/// 1 s and is free again at 6 s. A chat at 10 s goes to a by longest-idle (a's
/// last reservation is older) but to b by least-loaded (b holds nothing).
#[test]
fn order_by_live_load_balances_chats() {
    let rows = "0,chat,1000,,\n1,chat,5,,\n10,chat,1000,,\n";
    let body = |order: &str| {
        format!(
            r#"[[agents]]
group = "a"
count = 1
capacity = {{ chat = 3 }}
[[agents]]
group = "b"
count = 1
capacity = {{ chat = 3 }}
[[queues]]
name = "q"
target_workers = "1==1"
[[workflow.filters]]
expression = "1==1"
targets = [{{ queue = "q"{order} }}]
"#
        )
    };
    // Utilization ∝ capacity units in use × time: a's and b's chat-seconds.
    let (_, balanced) = run(
        "least-loaded",
        rows,
        &body(", order_by = \"worker.channel.chat.assigned_tasks ASC\""),
    );
    assert!(
        balanced.groups[1][GroupKpi::Utilization] > balanced.groups[0][GroupKpi::Utilization],
        "b took the third chat: {:?}",
        balanced.groups
    );
    let (_, idle) = run("longest-idle", rows, &body(""));
    assert!(
        idle.groups[0][GroupKpi::Utilization] > idle.groups[1][GroupKpi::Utilization],
        "a took the third chat: {:?}",
        idle.groups
    );
}

/// Acceptance: targets A (timeout 30 s) then B. No task answered at A waited
/// more than 30 s of age; escalated tasks are answered at B; per-target
/// counters add up in every replication.
#[test]
fn escalation_scenario() {
    let s = ccsim::scenario::load(&super::scenario("escalation.toml"))
        .unwrap()
        .scenario;
    let results = ccsim::replications::run_replications(&s, s.sim.seed, 10, &|_| {});
    let (a, b) = (0, 1);
    for r in &results {
        let [a_in, a_ans, a_out, a_skip, a_ab, a_can] = counts(r.steps[a]);
        let [b_in, b_ans, b_out, _, b_ab, b_can] = counts(r.steps[b]);
        assert!(
            r.queues[a][Kpi::WaitMax] <= 30.0,
            "answered at A after {} s",
            r.queues[a][Kpi::WaitMax]
        );
        assert!(r.queues[b][Kpi::WaitMax] > 30.0);
        assert_eq!(a_in, a_ans + a_out + a_skip + a_ab + a_can, "A adds up");
        assert_eq!(b_in, a_out, "every timed-out task enters B");
        assert_eq!(b_out, 0.0, "B has no timeout");
        assert!(b_ans > 0.0);
        // What B did not answer was abandoned or canceled there, or is
        // still waiting (counted as unfinished overall).
        assert_eq!(b_in, b_ans + b_ab + b_can + r.overall[Kpi::Unfinished]);
        // Queue B only receives escalated calls.
        assert_eq!(r.queue_flow[b][QueueFlowKpi::Entered], b_in);
        assert_eq!(r.queue_flow[a][QueueFlowKpi::Moved], a_out);
        // Overall answered = answered at A + at B.
        assert_eq!(r.overall[Kpi::Answered], a_ans + b_ans);
    }
}

/// Acceptance: a reservation time-out sends the worker to Offline and the task
/// back to pending in its step. a-1 never answers: the call rings 10 s
/// (`task_reservation_timeout`), a-1 goes Offline for 60 s, b-1 answers at
/// 10 s. The extra wait is the 10 s of ringing; a-1's logged-in time in the
/// 2 h window is 60 s short.
#[test]
fn reservation_timeout_sends_worker_offline_and_reroutes() {
    let (s, r) = run(
        "res-timeout",
        "0,voice,,,\n",
        r#"[reservations]
return_after_timeout = { dist = "deterministic", mean = "60s" }
[[agents]]
group = "a"
count = 1
reservations = { no_answer_probability = 1.0 }
[[agents]]
group = "b"
count = 1
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
task_reservation_timeout = 10
default_filter = { queue = "q" }
"#,
    );
    assert_eq!(r.overall[Kpi::Answered], 1.0);
    assert_eq!(
        r.overall[Kpi::WaitMax],
        10.0,
        "the extra wait is the ringing time"
    );
    let g = |name: &str| r.groups[s.groups.iter().position(|x| x.name == name).unwrap()];
    assert_eq!(reservations(&g("a")), [1.0, 0.0, 0.0, 1.0, 0.0]);
    assert_eq!(reservations(&g("b")), [1.0, 1.0, 0.0, 0.0, 0.0]);
    assert!(
        (g("a")[GroupKpi::LoggedInHours] - (7200.0 - 60.0) / 3600.0).abs() < 1e-9,
        "a-1 was Offline 60 s: {}",
        g("a")[GroupKpi::LoggedInHours]
    );
    assert!((g("b")[GroupKpi::LoggedInHours] - 2.0).abs() < 1e-9);
}

/// Accept delays (ringing) count as waiting: answered at acceptance.
#[test]
fn accept_delay_is_part_of_the_wait() {
    let (_, r) = run(
        "ring",
        "0,voice,,,\n100,voice,,,\n",
        r#"[reservations]
accept_delay = { dist = "deterministic", mean = "5s" }
[[agents]]
group = "a"
count = 1
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
"#,
    );
    assert_eq!(r.overall[Kpi::Asa], 5.0);
}

/// A worker who rejects every offer gets the task again and again (the only
/// eligible worker); TaskRouter cancels the task after 1000 reservations.
#[test]
fn endless_rejects_hit_the_assignment_limit() {
    let (_, r) = run(
        "rejects",
        "0,voice,,,\n",
        r#"[[agents]]
group = "a"
count = 1
reservations = { reject_probability = 1.0, accept_delay = { dist = "deterministic", mean = "2s" } }
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
"#,
    );
    assert_eq!(r.overall[Kpi::CanceledTtl], 1.0);
    assert_eq!(reservations(&r.groups[0]), [1000.0, 0.0, 1000.0, 0.0, 0.0]);
}

/// A pending reservation is not interrupted by its step's deadline; when it
/// times out after the deadline the task moves on at once (docs/routing.md, "Timeouts" [I]). Step 1
/// ends at age 10, the reservation to a-1 times out at 20, b-1 answers at 20.
#[test]
fn step_deadline_passing_during_a_reservation() {
    let (s, r) = run(
        "res-deadline",
        "0,voice,,,\n",
        r#"[[agents]]
group = "a"
count = 1
attributes = { skills = ["a"] }
reservations = { no_answer_probability = 1.0 }
[[agents]]
group = "b"
count = 1
attributes = { skills = ["b"] }
[[queues]]
name = "qa"
target_workers = 'skills HAS "a"'
[[queues]]
name = "qb"
target_workers = 'skills HAS "b"'
[[workflow.filters]]
name = "f"
expression = "1==1"
targets = [{ queue = "qa", timeout = 10 }, { queue = "qb" }]
[workflow]
task_reservation_timeout = "20s"
"#,
    );
    assert_eq!(counts(step(&s, &r, "f #1")), [1.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
    assert_eq!(step(&s, &r, "f #2")[Step::Answered], 1.0);
    assert_eq!(r.overall[Kpi::WaitMax], 20.0);
}

/// The caller hangs up while the offer rings: the reservation is canceled.
#[test]
fn abandon_while_ringing_cancels_the_reservation() {
    let (_, r) = run(
        "ring-abandon",
        "0,voice,,5,\n",
        r#"[reservations]
accept_delay = { dist = "deterministic", mean = "8s" }
[[agents]]
group = "a"
count = 1
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
"#,
    );
    assert_eq!(r.overall[Kpi::Abandoned], 1.0);
    assert_eq!(reservations(&r.groups[0]), [1.0, 0.0, 0.0, 0.0, 1.0]);
}

/// Runs a trace scenario whose arrival source takes extra keys.
fn run_with_source(tag: &str, rows: &str, source_extra: &str, body: &str) -> ReplicationResult {
    let text = format!(
        r#"name = "{tag}"
[simulation]
horizon = "2h"
interval = "2h"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
handle_time = {{ dist = "deterministic", mean = "60s" }}
{source_extra}
[[agents]]
group = "a"
count = 1
[[queues]]
name = "q"
target_workers = "1==1"
[[queues]]
name = "callbacks"
target_workers = "1==1"
{body}"#
    );
    super::run_trace(&format!("wf-{tag}"), rows, &text).1
}

/// Redials: one agent busy 0–50 s. A caller at 1 s with patience 10 s
/// abandons at 11 s and calls again 40 s later (51 s), when the agent is free:
/// answered at once. Offered counts both attempts; customers = offered − redials.
#[test]
fn abandoning_customers_redial() {
    let r = run_with_source(
        "redial",
        "0,voice,50,1000,\n1,voice,,,\n",
        "patience = { dist = \"deterministic\", mean = \"10s\" }\nredial = { probability = 1.0, delay = { dist = \"deterministic\", mean = \"40s\" } }",
        "[workflow]\ndefault_filter = { queue = \"q\" }\n",
    );
    assert_eq!(
        (
            r.overall[Kpi::Offered],
            r.overall[Kpi::Answered],
            r.overall[Kpi::Abandoned],
            r.overall[Kpi::Redials]
        ),
        (3.0, 2.0, 1.0, 1.0)
    );
    assert_eq!(
        r.overall[Kpi::WaitMax],
        0.0,
        "the redial was answered at once"
    );
}

/// Call backs: one agent busy 0–100 s. A caller at 1 s is offered a call back
/// after 30 s of waiting, accepts (outcome `callback`), and 10 s later a
/// callback task enters the callback queue; the agent works it at 100 s,
/// 69 s after the customer accepted.
#[test]
fn waiting_customers_accept_call_backs() {
    let r = run_with_source(
        "callback",
        "0,voice,100,,\n1,voice,,1000,\n",
        "",
        "[workflow]\ndefault_filter = { queue = \"q\" }\ncallback = { after = \"30s\", probability = 1.0, queue = \"callbacks\", delay = { dist = \"deterministic\", mean = \"10s\" }, priority = 1 }\n",
    );
    assert_eq!(
        (
            r.overall[Kpi::Offered],
            r.overall[Kpi::Answered],
            r.overall[Kpi::Callback]
        ),
        (2.0, 1.0, 1.0)
    );
    assert_eq!(
        (
            r.overall[Kpi::CallbacksWorked],
            r.overall[Kpi::CallbackWait]
        ),
        (1.0, 69.0)
    );
}

/// A call back outlives the caller's patience: the original attempt's
/// patience (200 s) must not cancel the callback task waiting for the agent,
/// busy until 300 s. The callback is worked at 300 s, 269 s after acceptance.
#[test]
fn call_back_is_not_canceled_by_the_callers_old_patience() {
    let r = run_with_source(
        "callback-patience",
        "0,voice,300,,\n1,voice,,200,\n",
        "",
        "[workflow]\ndefault_filter = { queue = \"q\" }\ncallback = { after = \"30s\", probability = 1.0, queue = \"callbacks\", delay = { dist = \"deterministic\", mean = \"10s\" } }\n",
    );
    assert_eq!(
        (
            r.overall[Kpi::Callback],
            r.overall[Kpi::CallbacksWorked],
            r.overall[Kpi::CallbackWait]
        ),
        (1.0, 1.0, 269.0)
    );
}

/// A call back has its own channel: a chat customer waiting behind a busy
/// chat agent accepts a call back at 30 s; 10 s later it is a *voice* task,
/// worked by the phone agent (who has no chat capacity), and reported as
/// voice work.
#[test]
fn call_backs_take_their_own_channel() {
    let text = r#"name = "callback-channel"
[simulation]
horizon = "2h"
interval = "2h"
[[channels]]
name = "voice"
handle_time = { dist = "deterministic", mean = "120s" }
[[channels]]
name = "chat"
[[arrivals]]
name = "chats"
trace = "calls.csv"
handle_time = { dist = "deterministic", mean = "60s" }
[[agents]]
group = "chat"
count = 1
capacity = { chat = 1 }
[[agents]]
group = "phone"
count = 1
capacity = { voice = 1 }
[[queues]]
name = "q"
target_workers = "1==1"
[[queues]]
name = "callbacks"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
callback = { after = "30s", probability = 1.0, queue = "callbacks", channel = "voice", delay = { dist = "deterministic", mean = "10s" } }
"#;
    let (_, r) = super::run_trace("wf-callback-channel", "0,chat,300,,\n1,chat,,,\n", text);
    assert_eq!(r.channels[1][Kpi::Callback], 1.0);
    assert_eq!(r.channels[0][Kpi::CallbacksWorked], 1.0);
    assert_eq!(r.channels[0][Kpi::CallbackWait], 10.0);
    // Accepted by the phone group; its 120 s of voice talk is its only work.
    assert_eq!(r.groups[1][GroupKpi::ReservationsAccepted], 1.0);
    let occupancy = r.groups[1][GroupKpi::Occupancy];
    assert!((occupancy - 120.0 / 7200.0).abs() < 1e-12, "{occupancy}");
}
