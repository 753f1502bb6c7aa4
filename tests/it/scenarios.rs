//! Every example scenario runs end to end, and the behaviours each one
//! demonstrates hold: outcome conservation, intraday profiles, shifts,
//! multitasking capacity, priorities.

use super::scenario;
use ccsim::metrics::{GroupKpi, IntervalKpi, Kpi};
use ccsim::replications;
use ccsim::scenario::load;
use ccsim::stats::Estimate;
use ccsim::summary::Summary;

fn run(file: &str, reps: u32) -> (ccsim::scenario::Scenario, Summary) {
    let s = load(&scenario(file))
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .scenario;
    let summary = replications::run(&s, s.sim.seed, reps, &|_| {});
    (s, summary)
}

/// An estimate's mean; NaN where undefined.
fn mean(e: Estimate) -> f64 {
    e.mean.unwrap_or(f64::NAN)
}

/// offered = answered + abandoned + canceled + unfinished holds per replication,
/// so it holds for the means of every segment.
#[test]
fn outcome_conservation_in_every_scenario() {
    let mut files: Vec<String> = std::fs::read_dir(scenario(""))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "{files:?}");
    for f in files {
        let (_, s) = run(&f, 3);
        for seg in std::iter::once(&s.overall)
            .chain(&s.queues)
            .chain(&s.channels)
            .chain(&s.sources)
        {
            let total = mean(seg.kpis[Kpi::Answered])
                + mean(seg.kpis[Kpi::Abandoned])
                + mean(seg.kpis[Kpi::Canceled])
                + mean(seg.kpis[Kpi::Unfinished])
                + mean(seg.kpis[Kpi::Voicemail])
                + mean(seg.kpis[Kpi::Closed])
                + mean(seg.kpis[Kpi::Callback])
                + mean(seg.kpis[Kpi::Blocked])
                + mean(seg.kpis[Kpi::Contained]);
            assert!(
                (mean(seg.kpis[Kpi::Offered]) - total).abs() < 1e-9,
                "{f} {}: offered {} != {total}",
                seg.name,
                mean(seg.kpis[Kpi::Offered])
            );
        }
        assert!(mean(s.overall.kpis[Kpi::Offered]) > 0.0, "{f}");
    }
}

/// The intraday profile: nothing arrives while the rate is zero, and the
/// offered count of each open half-hour matches rate × 30 min within the
/// replications' 99.9% band.
#[test]
fn intraday_profile_shapes_arrivals() {
    let (s, summary) = run("two-skill-intraday.toml", 20);
    let mut expected = vec![0.0; 48];
    for src in &s.sources {
        let ccsim::scenario::ArrivalProcess::Profile(p) = &src.process else {
            panic!("profile expected")
        };
        let weekly = p.weekly[usize::from(p.start_weekday)];
        for (i, r) in p.rates_per_s.iter().enumerate() {
            expected[i] += r * weekly * 1800.0;
        }
    }
    assert_eq!(summary.intervals.len(), 48);
    for (i, iv) in summary.intervals.iter().enumerate() {
        let e = &iv.kpis[IntervalKpi::Offered];
        if expected[i] == 0.0 {
            assert_eq!(e.mean, Some(0.0), "interval {i} is closed");
        } else {
            super::assert_within(&format!("interval {i} offered"), e, expected[i]);
        }
    }
}

/// Shifts: a group is logged in only inside its shifts (its per-interval
/// occupancy is undefined outside them) and busy inside them.
#[test]
fn shifts_bound_logged_in_time() {
    let (s, summary) = run("two-skill-intraday.toml", 4);
    let late = s
        .groups
        .iter()
        .position(|g| g.name == "support-late")
        .unwrap();
    for iv in &summary.intervals {
        let hour = iv.start_s / 3600.0;
        let occ = iv.occupancy[late].mean;
        if (12.0..20.0).contains(&hour) {
            assert!(
                occ.is_some_and(|o| o > 0.2),
                "support-late should work at {hour}h: {occ:?}"
            );
        } else if !(20.0..21.0).contains(&hour) {
            // After 20:00 agents may still finish calls they hold (shift-end rule).
            assert_eq!(occ, None, "support-late is off shift at {hour}h");
        }
    }
}

/// Multitasking: chat capacity 3 means a blended agent's utilization is well
/// below its occupancy, and chats wait less than calls.
#[test]
fn multitasking_capacity() {
    let (_, s) = run("voice-chat-multitasking.toml", 6);
    let blended = &s.groups[0];
    let (occ, util) = (
        mean(blended.kpis[GroupKpi::Occupancy]),
        mean(blended.kpis[GroupKpi::Utilization]),
    );
    assert!(
        occ > 0.9 && util < 0.85 && util < occ - 0.1,
        "occupancy {occ}, utilization {util}"
    );
    let voice = s.channels.iter().find(|c| c.name == "voice").unwrap();
    let chat = s.channels.iter().find(|c| c.name == "chat").unwrap();
    assert!(mean(chat.kpis[Kpi::Answered]) > 0.0 && mean(voice.kpis[Kpi::Answered]) > 0.0);
}

/// Priority: sales (priority 5) sharing bilingual agents with Spanish support
/// (priority 0) waits less.
#[test]
fn priority_serves_sales_first() {
    let (_, s) = run("two-skill-intraday.toml", 10);
    let q = |n: &str| s.queues.iter().find(|q| q.name == n).unwrap();
    assert!(mean(q("sales-es").kpis[Kpi::Asa]) < mean(q("support-es").kpis[Kpi::Asa]));
}

/// The finance example: moving 40% of the volume from voice to SMS and chat
/// (a digital team with three conversations each) costs less a month, with
/// the service level held; the difference is outside both CIs.
#[test]
fn finance_channel_shift_is_cheaper_at_the_same_service_level() {
    let (_, voice) = run("finance-voice-only.toml", 10);
    let (_, shift) = run("finance-channel-shift.toml", 10);
    let (v, sh) = (voice.cost.as_ref().unwrap(), shift.cost.as_ref().unwrap());
    let (vm, shm) = (
        v.monthly_projection.mean.unwrap(),
        sh.monthly_projection.mean.unwrap(),
    );
    let margin = v.monthly_projection.ci95.unwrap() + sh.monthly_projection.ci95.unwrap();
    assert!(vm - shm > margin, "voice {vm} vs shift {shm} ± {margin}");
    // Voice usage falls with 40% less voice traffic; messaging appears.
    let comp = |c: &ccsim::cost::CostSummary, k: &str| {
        c.monthly_components
            .iter()
            .find(|(x, _)| x == k)
            .and_then(|(_, e)| e.mean)
            .unwrap_or(0.0)
    };
    assert!(comp(sh, "voice.inbound") < 0.7 * comp(v, "voice.inbound"));
    assert!(comp(sh, "sms.messages") > 0.0 && comp(sh, "chat.active_users") > 0.0);
    for s in [&voice, &shift] {
        assert!(
            mean(s.overall.kpis[Kpi::ServiceLevel]) > 0.85,
            "{}",
            s.scenario
        );
    }
}
