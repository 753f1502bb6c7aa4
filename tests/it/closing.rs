//! A queue's `at_close`: what the contacts still waiting get when its hours
//! close. One busy agent in a queue open from 00:00 to 00:10; two callers
//! wait in it at closing time.

use crate::run_trace;
use ccsim::metrics::{Kpi, ReplicationResult};

/// `tag` names the run's folder (tests run in parallel).
fn closing(tag: &str, at_close: &str, workflow: &str) -> ReplicationResult {
    let text = format!(
        r#"name = "closing"
[simulation]
horizon = "1h"
interval = "1h"
drain_limit = "1h"
[[hours]]
name = "short"
open = {{ mon = "00:00-00:10" }}
[[hours]]
name = "always"
open = {{ mon = "00:00-24:00", tue = "00:00-24:00" }}
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
trace = "calls.csv"
[[agents]]
group = "sales"
count = 1
attributes = {{ team = "sales" }}
[[agents]]
group = "back-office"
count = 1
attributes = {{ team = "vm" }}
[[queues]]
name = "sales"
target_workers = 'team == "sales"'
hours = "short"
{at_close}
[[queues]]
name = "vm"
target_workers = 'team == "vm"'
[workflow]
default_filter = {{ queue = "sales" }}
{workflow}
"#
    );
    run_trace(
        tag,
        "0,voice,1000,,\n60,voice,100,,\n120,voice,100,,\n",
        &text,
    )
    .1
}

/// `closed`: at 600 s both waiting callers hear the closed message, counted
/// `closed` in the sales queue; the call in progress goes on.
#[test]
fn closing_time_sends_the_waiting_home() {
    let r = closing("closing-closed", "at_close = \"closed\"", "");
    let sales = &r.queues[0];
    assert_eq!(sales[Kpi::Offered], 3.0);
    assert_eq!(sales[Kpi::Answered], 1.0);
    assert_eq!(sales[Kpi::Closed], 2.0);
    assert_eq!(r.unqueued[Kpi::Offered], 0.0);
}

/// `keep` (the default): they wait for the queue to open again, which it
/// does not before the drain limit, so they end `unfinished`.
#[test]
fn by_default_the_waiting_stay() {
    let r = closing("closing-keep", "", "");
    assert_eq!(r.queues[0][Kpi::Closed], 0.0);
    assert_eq!(r.overall[Kpi::Unfinished], 2.0);
}

/// `voicemail`: they leave voicemails, worked in the workflow's voicemail
/// queue by the back office, each waiting from closing time.
#[test]
fn closing_time_turns_the_waiting_into_voicemails() {
    let r = closing(
        "closing-voicemail",
        "at_close = \"voicemail\"",
        "hours = \"always\"\nafter_hours = { action = \"voicemail\", queue = \"vm\", handle_time = { dist = \"deterministic\", mean = \"30s\" } }",
    );
    let vm = &r.queues[1];
    assert_eq!(vm[Kpi::Voicemail], 2.0);
    assert_eq!(vm[Kpi::VoicemailsWorked], 2.0);
    // The first is taken at 600 s, the second after the first's 30 s.
    assert_eq!(vm[Kpi::VoicemailWait], 15.0);
    assert_eq!(r.queues[0][Kpi::Answered], 1.0);
}

/// Bad input names the fix: `at_close` needs the queue's `hours`, and a
/// voicemail needs the workflow's voicemail step.
#[test]
fn at_close_needs_hours_and_a_voicemail_step() {
    let text = |queue: &str| {
        format!(
            r#"name = "closing"
[simulation]
horizon = "1h"
[[hours]]
name = "short"
open = {{ mon = "00:00-00:10" }}
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "10/h"
handle_time = {{ dist = "exponential", mean = "60s" }}
[[agents]]
group = "a"
count = 1
[[queues]]
name = "q"
target_workers = "1==1"
{queue}
[workflow]
default_filter = {{ queue = "q" }}
"#
        )
    };
    let refusal =
        |queue: &str| match ccsim::scenario::load_str(std::path::Path::new("s.toml"), &text(queue))
        {
            Ok(_) => panic!("accepted: {queue}"),
            Err(e) => e.to_string(),
        };
    let e = refusal("at_close = \"closed\"");
    assert!(
        e.contains("s.toml:20:12: error: at_close applies when the queue's `hours` close"),
        "{e}"
    );
    let e = refusal("hours = \"short\"\nat_close = \"voicemail\"");
    assert!(e.contains("set [workflow] after_hours"), "{e}");
    let e = refusal("hours = \"short\"\nat_close = \"later\"");
    assert!(
        e.contains("at_close must be \"keep\", \"closed\" or \"voicemail\""),
        "{e}"
    );
}
