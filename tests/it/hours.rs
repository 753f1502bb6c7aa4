//! Business hours, holidays and voicemail.

use ccsim::metrics::{Kpi, StepKpi};
use ccsim::scenario::{load, load_str};
use std::collections::HashMap;
use std::path::Path;

/// Acceptance: no contact is answered live while closed (hours, holiday,
/// Sunday), every voicemail is left while closed and worked after opening,
/// and every contact has exactly one outcome.
#[test]
fn business_hours_and_holiday() {
    let s = load(&super::scenario("business-hours.toml"))
        .unwrap()
        .scenario;
    let hours = &s.hours[0];
    let plan = ccsim::routing::Plan::build(&s);
    let mut created: HashMap<u64, (f64, bool)> = HashMap::new();
    let mut accepted: Vec<(u64, f64)> = Vec::new();
    let mut tracer = |ev: &ccsim::engine::trace::TraceEvent| {
        let Some(task) = ev.task else { return };
        match ev.name {
            "task.created" => {
                let voicemail = ev
                    .detail
                    .as_deref()
                    .is_some_and(|d| d.contains("voicemail task"));
                let entry = created.entry(task).or_insert((ev.time, false));
                entry.1 |= voicemail;
            }
            "reservation.accepted" => accepted.push((task, ev.time)),
            _ => {}
        }
    };
    let r = ccsim::engine::run_traced(&s, &plan, s.sim.seed, 0, &mut tracer);
    let (mut live, mut voicemails) = (0, 0);
    for &(task, t) in &accepted {
        let (at, voicemail) = created[&task];
        assert!(
            hours.is_open(t),
            "task {task} answered at {t} s while closed"
        );
        let day = (t / 86_400.0).floor();
        assert!(
            day != 1.0 && day != 3.0,
            "nothing is answered on Christmas Day or on Sunday ({t} s)"
        );
        if voicemail {
            voicemails += 1;
            assert!(
                !hours.is_open(at),
                "voicemail {task} was left at {at} s while open"
            );
            assert!(t > at);
        } else {
            live += 1;
        }
    }
    assert!(
        live > 500 && voicemails > 1000,
        "{live} live, {voicemails} voicemails"
    );
    // Outcomes: offered = answered + abandoned + canceled + unfinished + voicemail + closed.
    let k = &r.overall;
    let sum = k[Kpi::Answered]
        + k[Kpi::Abandoned]
        + k[Kpi::Canceled]
        + k[Kpi::Unfinished]
        + k[Kpi::Voicemail]
        + k[Kpi::Closed]
        + k[Kpi::Callback];
    assert_eq!(k[Kpi::Offered], sum);
    assert_eq!(k[Kpi::Voicemail], voicemails as f64);
    assert_eq!(
        k[Kpi::VoicemailsWorked],
        k[Kpi::Voicemail],
        "every voicemail is worked once the center reopens"
    );
    assert_eq!(k[Kpi::Answered], live as f64);
    // The voicemail step reports the voicemails' work like any step.
    let vm = s
        .workflow
        .steps
        .iter()
        .position(|st| st.label == "after-hours voicemail")
        .unwrap();
    assert_eq!(
        (
            r.steps[vm][StepKpi::Entered],
            r.steps[vm][StepKpi::Answered]
        ),
        (k[Kpi::Voicemail], k[Kpi::VoicemailsWorked])
    );
}

/// Opening times follow the zone across a daylight-saving change: 08:00 in
/// New York is 13:00 UTC on Saturday 7 March 2026 and 12:00 UTC on Sunday 8.
#[test]
fn hours_follow_daylight_saving_time() {
    let text = r#"name = "dst"
[simulation]
start = "2026-03-07"
timezone = "UTC"
horizon = "2d"
[[hours]]
name = "ny"
timezone = "America/New_York"
open = { sat = "08:00-18:00", sun = "08:00-18:00" }
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "1/h"
handle_time = { dist = "exponential", mean = "1m" }
[[queues]]
name = "q"
target_workers = "1==1"
hours = "ny"
[workflow]
default_filter = { queue = "q" }
"#;
    let s = load_str(Path::new("dst.toml"), text).unwrap().scenario;
    let open = &s.hours[0].open;
    assert_eq!(open[0], (13.0 * 3600.0, 23.0 * 3600.0));
    assert_eq!(
        open[1],
        (86_400.0 + 12.0 * 3600.0, 86_400.0 + 22.0 * 3600.0)
    );
    // taskrouter.* clock values are UTC: day 0 is a Saturday.
    assert_eq!(s.sim.utc_start_weekday, 5);
}

#[test]
fn calendar_errors_point_at_the_text() {
    let text = "name = \"x\"\n[simulation]\nstart = \"2026-13-01\"\ntimezone = \"Mars/Olympus\"\nhorizon = \"1d\"\n";
    let err = load_str(Path::new("cal.toml"), text)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cal.toml:4:12: error: unknown time zone \"Mars/Olympus\""),
        "{err}"
    );
}
