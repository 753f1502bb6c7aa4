//! The event reader: each delivered shape, the problems it counts, and the
//! waits it derives for patience.

use super::*;

fn empty_log() -> EventLog {
    EventLog {
        events: Vec::new(),
        clock: Clock::Unix,
        problems: Vec::new(),
        by_type: BTreeMap::new(),
        other_types: BTreeMap::new(),
        out_of_order: 0,
    }
}

fn read(text: &str) -> (Vec<Event>, Option<Clock>, EventLog) {
    let mut log = empty_log();
    let (events, clock) = read_text(Path::new("ev.json"), text, &mut log).unwrap();
    (events, clock, log)
}

#[test]
fn event_streams_cloudevents_as_json_lines() {
    let text = r#"{"specversion": "1.0", "type": "com.twilio.taskrouter.task.created", "data": {"timestamp": "2025-01-01T09:00:00.000Z", "payload": {"eventtype": "task.created", "timestamp": "2025-01-01T09:00:00.000Z", "task_sid": "WT1", "task_queue_sid": "WQ1", "task_channel_unique_name": "voice", "task_attributes": "{\"skill\": \"sales\"}"}}}
{"specversion": "1.0", "type": "com.twilio.taskrouter.reservation.accepted", "data": {"payload": {"timestamp": "2025-01-01T09:00:42.500Z", "task_sid": "WT1", "worker_sid": "WK1"}}}
"#;
    let (events, clock, log) = read(text);
    assert_eq!(clock, Some(Clock::Unix));
    assert_eq!(events.len(), 2);
    let e = &events[0];
    assert_eq!(e.kind, "task.created");
    assert_eq!(e.t, 1_735_722_000.0);
    assert_eq!(
        (e.task.as_deref(), e.queue.as_deref(), e.channel.as_deref()),
        (Some("WT1"), Some("WQ1"), Some("voice"))
    );
    assert_eq!(e.attributes.as_ref().unwrap()["skill"], "sales");
    // Without `eventtype`, the CloudEvent type names it.
    assert_eq!(events[1].kind, "reservation.accepted");
    assert_eq!(events[1].t - e.t, 42.5);
    assert_eq!(
        (events[1].line, events[1].worker.as_deref()),
        (2, Some("WK1"))
    );
    assert_eq!(log.by_type["task.created"], 1);
}

#[test]
fn the_events_list_in_pages() {
    let text = r#"{"meta": {"key": "events"}, "events": [
  {"event_type": "task.created", "event_date": "2025-01-01T09:00:00Z", "event_date_ms": 1735722000000, "resource_type": "task", "resource_sid": "WT1", "event_data": {"task_queue_sid": "WQ1"}},
  {"event_type": "task.canceled", "event_date": "2025-01-01T09:01:30Z", "event_data": {"task_sid": "WT1", "task_canceled_reason": "hangup"}}]}
{"meta": {"key": "events"}, "events": [{"event_type": "workflow.timeout", "event_date": "2025-01-01T09:02:00Z", "event_data": {"task_sid": "WT1"}}]}"#;
    let (events, clock, log) = read(text);
    assert_eq!(clock, Some(Clock::Unix));
    assert_eq!(events.len(), 2);
    // The task from resource_sid when event_data has no task_sid.
    assert_eq!(events[0].task.as_deref(), Some("WT1"));
    assert_eq!(events[1].t - events[0].t, 90.0);
    assert_eq!(events[1].reason.as_deref(), Some("hangup"));
    assert_eq!(events[1].line, 1);
    // A type calibration does not read is counted, not used.
    assert_eq!(log.other_types["workflow.timeout"], 1);
}

#[test]
fn ccsims_own_audit_trail() {
    let text = r#"{"t":2.5,"event":"task.created","task":0,"detail":"…","source":"inbound","channel":"voice"}
{"t":2.5,"event":"workflow.entered","task":0,"detail":"first matching filter"}
{"t":9.0,"event":"reservation.accepted","task":0,"worker":"support-1","outcome":"answered"}
"#;
    let (events, clock, log) = read(text);
    assert_eq!(clock, Some(Clock::Simulation));
    let kinds: Vec<(&str, f64, Option<&str>)> = events
        .iter()
        .map(|e| (e.kind.as_str(), e.t, e.task.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("task.created", 2.5, Some("0")),
            ("reservation.accepted", 9.0, Some("0"))
        ]
    );
    assert_eq!(events[1].reason.as_deref(), Some("answered"));
    assert_eq!(log.other_types["workflow.entered"], 1);
}

#[test]
fn unusable_events_are_problems_with_their_line() {
    let text = r#"[{"event_type": "task.created", "event_data": {"task_sid": "WT1"}}]
{"event_type": "task.created", "event_date": "yesterday", "event_data": {"task_sid": "WT2"}}
{"hello": 1}
{"event_type": "task.completed", "event_date": "2025-01-01T09:00:00Z", "event_data": {}}
7
"#;
    let mut log = empty_log();
    let e = read_text(Path::new("ev.json"), text, &mut log).unwrap_err();
    // A bare number is not an event document: the whole file is refused.
    assert_eq!(e.position, Some((5, 1)));
    assert_eq!(e.message, "expected an event object, found a number 7");
    let lines: Vec<(usize, &str)> = log
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    assert_eq!(
        lines[0],
        (
            1,
            "task.created: no time (expected `event_date`/`event_date_ms`, or the payload's `timestamp`)"
        )
    );
    assert_eq!(lines[1].0, 2);
    assert!(
        lines[1]
            .1
            .starts_with("task.created: expected a date-time such as"),
        "{}",
        lines[1].1
    );
    assert_eq!(
        lines[2],
        (
            3,
            "no event type: expected `event_type` (events list), `type` (Event Streams) or `event` (ccsim)"
        )
    );
    assert_eq!(
        lines[3],
        (4, "a task.completed event without a task SID is not used")
    );
    assert_eq!(
        log.problems[0].to_string(),
        "ev.json:1: warning: task.created: no time (expected `event_date`/`event_date_ms`, or the payload's `timestamp`)"
    );
}

#[test]
fn invalid_json_and_mixed_clocks_are_errors() {
    let mut log = empty_log();
    let e = read_text(Path::new("ev.json"), "{\"t\": 1,\n \"event\" }", &mut log).unwrap_err();
    assert_eq!(e.position, Some((2, 10)));
    assert!(e.message.starts_with("invalid JSON"), "{e}");

    let dir = std::env::temp_dir().join(format!("ccsim-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sim = dir.join("sim.jsonl");
    let real = dir.join("real.json");
    std::fs::write(&sim, r#"{"t": 1, "event": "task.created", "task": 0}"#).unwrap();
    std::fs::write(&real, r#"[{"event_type": "task.created", "event_date_ms": 1000, "event_data": {"task_sid": "WT1"}}]"#).unwrap();
    let e = read_events(&[sim.clone(), real.clone()]).unwrap_err();
    assert_eq!(e.file, real);
    assert!(
        e.message
            .starts_with("its times count from dated timestamps"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn out_of_order_events_are_counted_and_sorted() {
    let mut log = empty_log();
    let text = r#"{"t": 5, "event": "task.canceled", "task": 0, "outcome": "abandoned"}
{"t": 1, "event": "task.created", "task": 0}
"#;
    let (events, _) = read_text(Path::new("ev.jsonl"), text, &mut log).unwrap();
    log.events = events;
    log.events.sort_by(|a, b| a.t.total_cmp(&b.t));
    assert_eq!(log.out_of_order, 1);
    let (waits, untimed) = task_waits(&log);
    assert_eq!(untimed, 0);
    assert_eq!(
        waits[0].wait,
        crate::import::patience::Wait {
            seconds: 4.0,
            abandoned: true
        }
    );
}

#[test]
fn waits_end_at_the_answer_the_hang_up_or_the_history() {
    let mut log = empty_log();
    let text = r#"{"t": 0, "event": "task.created", "task": 1, "channel": "voice"}
{"t": 1, "event": "task.created", "task": 2}
{"t": 2, "event": "task.created", "task": 3}
{"t": 3, "event": "task.created", "task": 4}
{"t": 4, "event": "task-queue.entered", "task": 1, "queue": "sales"}
{"t": 10, "event": "reservation.accepted", "task": 1, "worker": "a-1", "outcome": "answered"}
{"t": 11, "event": "task.canceled", "task": 2, "outcome": "abandoned"}
{"t": 12, "event": "task.canceled", "task": 3, "outcome": "canceled_ttl"}
{"t": 13, "event": "reservation.accepted", "task": 9, "worker": "a-1"}
{"t": 20, "event": "task.completed", "task": 1}
"#;
    let (events, _) = read_text(Path::new("ev.jsonl"), text, &mut log).unwrap();
    log.events = events;
    let (waits, untimed) = task_waits(&log);
    // Task 9 was never created in this history: it cannot be timed.
    assert_eq!(untimed, 1);
    let got: Vec<(&str, f64, bool, bool, Option<&str>)> = waits
        .iter()
        .map(|w| {
            (
                w.task.as_str(),
                w.wait.seconds,
                w.wait.abandoned,
                w.open,
                w.queue.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("1", 10.0, false, false, Some("sales")),
            ("2", 10.0, true, false, None),
            // A TTL is not the customer's patience running out: censored.
            ("3", 10.0, false, false, None),
            // Still waiting when the history ends (at 20 s): censored, open.
            ("4", 17.0, false, true, None),
        ]
    );
    assert_eq!(waits[0].channel.as_deref(), Some("voice"));
    assert!(hung_up(Some("Task canceled: customer hangup")));
    assert!(!hung_up(Some("timeout")));
}

#[test]
fn work_runs_from_answer_to_wrap_up_to_completion() {
    let mut log = empty_log();
    let text = r#"{"t": 0, "event": "task.created", "task": 1, "channel": "voice"}
{"t": 5, "event": "reservation.accepted", "task": 1, "worker": "a-1", "queue": "sales"}
{"t": 6, "event": "task.created", "task": 2, "channel": "chat"}
{"t": 7, "event": "reservation.accepted", "task": 2, "worker": "a-2"}
{"t": 8, "event": "task.created", "task": 3}
{"t": 9, "event": "reservation.accepted", "task": 3, "worker": "a-3"}
{"t": 65, "event": "task.wrapup", "task": 1, "worker": "a-1"}
{"t": 95, "event": "task.completed", "task": 1, "worker": "a-1"}
{"t": 107, "event": "task.completed", "task": 2, "worker": "a-2"}
"#;
    let (events, _) = read_text(Path::new("ev.jsonl"), text, &mut log).unwrap();
    log.events = events;
    let (work, unfinished) = task_work(&log);
    // Task 3 is still talking when the history ends.
    assert_eq!(unfinished, 1);
    let times: Vec<(&str, f64, Option<f64>)> = work
        .iter()
        .map(|w| (w.task.as_str(), w.talk, w.wrapup))
        .collect();
    // Task 2 has no wrap-up event: talk until completion, wrap-up unknown.
    assert_eq!(times, [("1", 60.0, Some(30.0)), ("2", 100.0, None)]);
    let names: Vec<(Option<&str>, Option<&str>)> = work
        .iter()
        .map(|w| (w.queue.as_deref(), w.channel.as_deref()))
        .collect();
    assert_eq!(
        names,
        [(Some("sales"), Some("voice")), (None, Some("chat"))]
    );
}
