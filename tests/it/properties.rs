//! Randomly generated small scenarios: loading and running never panics,
//! every counted contact has exactly one outcome, and runs are deterministic.

use ccsim::metrics::{GroupKpi, GroupKpis, Kpi, Kpis, ReplicationResult};
use ccsim::scenario::load_str;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::fmt::Write;

pub fn random_scenario(rng: &mut Xoshiro256PlusPlus, dir: &std::path::Path, case: u32) -> String {
    let mut t = String::new();
    let channels: Vec<&str> = ["voice", "chat", "sms"][..rng.random_range(1..=3)].to_vec();
    let warmup = rng.random_range(0..3);
    let horizon = warmup + rng.random_range(1..6);
    let _ = writeln!(
        t,
        "name = \"case-{case}\"\n[simulation]\nhorizon = \"{horizon}h\"\nwarmup = \"{warmup}h\"\nreplications = 2\nseed = {case}\ninterval = \"1h\"\ndrain_limit = \"{}h\"\nservice_level_threshold = \"{}s\"\nshort_abandon_threshold = \"{}s\"",
        [1, 2, 48, 200][rng.random_range(0..4)],
        rng.random_range(0..60),
        rng.random_range(0..10)
    );
    for ch in &channels {
        let _ = writeln!(
            t,
            "[[channels]]\nname = \"{ch}\"\nhandle_time = {{ dist = \"gamma\", mean = \"{}s\", cv = 0.7 }}",
            rng.random_range(30..400)
        );
        if rng.random_bool(0.5) {
            let _ = writeln!(
                t,
                "wrapup = {{ dist = \"uniform\", min = \"0s\", max = \"{}s\" }}",
                rng.random_range(0..60)
            );
        }
        if rng.random_bool(0.4) {
            let _ = writeln!(t, "handle_time_scale = [1.0, 1.3, 1.8]");
        }
    }
    let skills = ["a", "b", "c"];
    for s in 0..rng.random_range(1..=3) {
        let ch = channels[rng.random_range(0..channels.len())];
        let _ = writeln!(t, "[[arrivals]]\nname = \"src{s}\"");
        match rng.random_range(0..3) {
            0 => {
                let _ = writeln!(
                    t,
                    "channel = \"{ch}\"\nrate = \"{}/h\"",
                    rng.random_range(10..400)
                );
            }
            1 => {
                let m: Vec<String> = (0..24)
                    .map(|_| format!("{}", rng.random_range(0..3)))
                    .collect();
                let _ = writeln!(
                    t,
                    "channel = \"{ch}\"\nrate = \"{}/h\"\nprofile = {{ interval = \"1h\", multipliers = [1, {}] }}",
                    rng.random_range(10..300),
                    m[1..].join(", ")
                );
            }
            _ => {
                let mut csv =
                    String::from("arrival_time_s,channel,handle_time_s,patience_s,attributes\n");
                let mut at = 0.0;
                for _ in 0..rng.random_range(1..200) {
                    at += rng.random_range(0.0..60.0);
                    let c = channels[rng.random_range(0..channels.len())];
                    let h = if rng.random_bool(0.5) {
                        format!("{:.1}", rng.random_range(1.0..300.0))
                    } else {
                        String::new()
                    };
                    let p = if rng.random_bool(0.5) {
                        format!("{:.1}", rng.random_range(0.0..200.0))
                    } else {
                        String::new()
                    };
                    let _ = writeln!(
                        csv,
                        "{at:.2},{c},{h},{p},\"{{\"\"skill\"\":\"\"{}\"\"}}\"",
                        skills[rng.random_range(0..3)]
                    );
                }
                let file = format!("trace{case}-{s}.csv");
                std::fs::write(dir.join(&file), csv).unwrap();
                let _ = writeln!(t, "trace = \"{file}\"");
            }
        }
        if !t.ends_with(".csv\"\n") {
            let _ = writeln!(
                t,
                "attributes = {{ skill = {{ choose = {{ a = {}, b = {}, c = 1 }} }} }}",
                rng.random_range(0..3),
                rng.random_range(0..3)
            );
        }
        if rng.random_bool(0.7) {
            let _ = writeln!(
                t,
                "patience = {{ dist = \"exponential\", mean = \"{}s\" }}",
                rng.random_range(5..300)
            );
        }
        if rng.random_bool(0.3) {
            let _ = writeln!(
                t,
                "redial = {{ probability = 0.{}, delay = {{ dist = \"exponential\", mean = \"{}s\" }} }}",
                rng.random_range(1..9),
                rng.random_range(10..600)
            );
        }
        if rng.random_bool(0.3) {
            let _ = writeln!(t, "priority = {}", rng.random_range(0..10));
        }
    }
    for g in 0..rng.random_range(0..=3) {
        let sk: Vec<String> = skills
            .iter()
            .filter(|_| rng.random_bool(0.6))
            .map(|s| format!("\"{s}\""))
            .collect();
        let cap: Vec<String> = channels
            .iter()
            .map(|c| format!("{c} = {}", rng.random_range(0..4)))
            .collect();
        let _ = writeln!(
            t,
            "[[agents]]\ngroup = \"g{g}\"\ncount = {}\nattributes = {{ skills = [{}], level = {} }}\ncapacity = {{ {} }}",
            rng.random_range(0..12),
            sk.join(", "),
            rng.random_range(1..5),
            cap.join(", ")
        );
        if rng.random_bool(0.5) {
            let (a, b) = (rng.random_range(0..24), rng.random_range(0..24));
            if a != b {
                let _ = writeln!(
                    t,
                    "shifts = [{{ start = \"{a:02}:00\", end = \"{b:02}:00\" }}]"
                );
                if rng.random_bool(0.5) {
                    let _ = writeln!(
                        t,
                        "breaks = [{{ start = \"{:02}:30\", duration = \"{}m\", activity = \"{}\" }}]",
                        (a + 1) % 24,
                        rng.random_range(5..60),
                        ["Break", "Lunch", "Admin"][rng.random_range(0..3)]
                    );
                }
                if rng.random_bool(0.3) {
                    let _ = writeln!(t, "absence = 0.{}", rng.random_range(1..6));
                }
            }
        }
        if rng.random_bool(0.3) {
            let sk: Vec<String> = skills
                .iter()
                .filter(|_| rng.random_bool(0.5))
                .map(|s| format!("\"{s}\""))
                .collect();
            let _ = writeln!(
                t,
                "changes = [{{ at = \"{}m\", attributes = {{ skills = [{}], level = {} }}, capacity = {{ {} = {} }} }}]",
                rng.random_range(0..240),
                sk.join(", "),
                rng.random_range(1..5),
                channels[rng.random_range(0..channels.len())],
                rng.random_range(0..4)
            );
        }
        if rng.random_bool(0.3) {
            let _ = writeln!(
                t,
                "disconnects = {{ rate = \"{}/h\", duration = {{ dist = \"exponential\", mean = \"{}s\" }}, drop = [{}] }}",
                rng.random_range(1..20),
                rng.random_range(10..600),
                if rng.random_bool(0.5) {
                    format!("\"{}\"", channels[0])
                } else {
                    String::new()
                }
            );
        }
    }
    if rng.random_bool(0.5) {
        let _ = writeln!(
            t,
            "[reservations]\naccept_delay = {{ dist = \"exponential\", mean = \"{}s\" }}\nreject_probability = {}\nno_answer_probability = {}\nreturn_after_timeout = {{ dist = \"deterministic\", mean = \"{}s\" }}",
            rng.random_range(1..20),
            [0.0, 0.05, 0.3][rng.random_range(0..3)],
            [0.0, 0.05, 0.2][rng.random_range(0..3)],
            rng.random_range(0..300)
        );
    }
    let n_queues = rng.random_range(1..=3);
    for (q, skill) in skills.iter().enumerate().take(n_queues) {
        let _ = writeln!(
            t,
            "[[queues]]\nname = \"q{q}\"\ntarget_workers = 'skills HAS \"{}\"'\ntask_order = \"{}\"",
            skill,
            if rng.random_bool(0.3) { "LIFO" } else { "FIFO" }
        );
        if rng.random_bool(0.3) {
            let _ = writeln!(
                t,
                "transfer = {{ probability = 0.{}, to = \"q{}\", kind = \"{}\", drop_probability = 0.{} }}",
                rng.random_range(1..9),
                rng.random_range(0..n_queues),
                if rng.random_bool(0.5) { "warm" } else { "cold" },
                rng.random_range(0..3)
            );
        }
    }
    for (f, skill) in skills.iter().enumerate().take(rng.random_range(0..=3)) {
        let mut targets = Vec::new();
        for k in 0..rng.random_range(1..=3) {
            let mut parts = Vec::new();
            if k == 0 || rng.random_bool(0.5) {
                parts.push(format!("queue = \"q{}\"", rng.random_range(0..n_queues)));
            }
            if rng.random_bool(0.5) {
                parts.push(format!("priority = {}", rng.random_range(0..20)));
            }
            if rng.random_bool(0.6) {
                parts.push(format!("timeout = \"{}s\"", rng.random_range(1..120)));
            }
            match rng.random_range(0..5) {
                0 => parts.push("expression = 'task.skill IN worker.skills'".into()),
                1 => parts.push(format!(
                    "expression = 'worker.channel.{}.assigned_tasks == 0'",
                    channels[0]
                )),
                2 => parts.push("order_by = 'worker.level DESC'".into()),
                3 => parts.push(format!(
                    "order_by = 'worker.channel.{}.assigned_tasks ASC'",
                    channels[0]
                )),
                _ => {}
            }
            if rng.random_bool(0.3) {
                parts.push("skip_if = 'workers.available == 0'".into());
            }
            targets.push(format!("{{ {} }}", parts.join(", ")));
        }
        let _ = writeln!(
            t,
            "[[workflow.filters]]\nexpression = 'skill == \"{skill}\"'\ntargets = [{}]",
            targets.join(", ")
        );
        let _ = f;
    }
    // One [workflow] table with every optional key.
    let mut wf = Vec::new();
    if rng.random_bool(0.6) || !t.contains("[[workflow.filters]]") {
        wf.push("default_filter = { queue = \"q0\" }".to_string());
    }
    if rng.random_bool(0.3) {
        wf.push(format!(
            "task_timeout = \"{}m\"\ntask_reservation_timeout = \"{}s\"",
            rng.random_range(1..30),
            rng.random_range(5..60)
        ));
    }
    if rng.random_bool(0.3) {
        wf.push(format!("callback = {{ after = \"{}s\", probability = 0.{}, queue = \"q{}\", delay = {{ dist = \"exponential\", mean = \"{}s\" }} }}", rng.random_range(5..120), rng.random_range(1..9), rng.random_range(0..n_queues), rng.random_range(1..300)));
    }
    if rng.random_bool(0.3) {
        // Open 02:00–05:00 every day; closed contacts get a voicemail for q0
        // (itself open only then) or a closed message.
        let _ = writeln!(
            t,
            "[[hours]]\nname = \"h\"\nopen = {{ mon = \"02:00-05:00\", tue = \"02:00-05:00\", wed = \"02:00-05:00\", thu = \"02:00-05:00\", fri = \"02:00-05:00\", sat = \"02:00-05:00\", sun = \"02:00-05:00\" }}"
        );
        let action = if rng.random_bool(0.5) {
            "{ action = \"voicemail\", queue = \"q0\" }"
        } else {
            "{ action = \"closed\" }"
        };
        wf.push(format!("hours = \"h\"\nafter_hours = {action}"));
        if rng.random_bool(0.5) {
            t = t.replacen("name = \"q0\"\n", "name = \"q0\"\nhours = \"h\"\n", 1);
        }
    }
    if !wf.is_empty() {
        let _ = writeln!(t, "[workflow]\n{}", wf.join("\n"));
    }
    let _ = writeln!(
        t,
        "[[activities]]\nname = \"Lunch\"\navailable = false\n[[activities]]\nname = \"Admin\"\navailable = true"
    );
    // Some transfers go to a workflow filter instead of a queue.
    if t.contains("[[workflow.filters]]")
        && rng.random_bool(0.5)
        && let Some(at) = t.find(", to = \"q")
    {
        let end = at + t[at + 9..].find('"').expect("closing quote") + 10;
        t.replace_range(at..end, ", filter = \"filter 1\"");
    }
    // Half the scenarios are priced: every channel metered for legs and messages.
    if rng.random_bool(0.5) {
        let _ = writeln!(
            t,
            "[costs]\ndays_per_month = 21.7\n[costs.platform]\nactive_hour = 1.0\nnamed_user_per_month = 150.0"
        );
        for ch in &channels {
            let _ = writeln!(
                t,
                "[costs.{ch}]\nbilling_increment = \"{}s\"\ninbound_per_min = [{{ above = 0, price = 0.01 }}, {{ above = 500, price = 0.008 }}]\nagent_leg_per_min = 0.004\nrecording_per_min = 0.0025\noutbound_per_min = 0.014\nper_segment = 0.0083\nmessages_per_contact = {{ dist = \"exponential\", mean = 5 }}\nsegments_per_message = {{ dist = \"uniform\", min = 1, max = 3 }}",
                [6, 30, 60][rng.random_range(0..3)]
            );
        }
    }
    t
}

/// KPIs that are not sums over contacts, so a segment's value is not the
/// sum of its parts: ratios (service levels, abandon rate), means (ASA, AHT,
/// the follow-up waits), a percentile and a maximum.
const NOT_ADDITIVE: [Kpi; 10] = [
    Kpi::ServiceLevel,
    Kpi::ServiceLevelAnswered,
    Kpi::AbandonRate,
    Kpi::Asa,
    Kpi::WaitP90,
    Kpi::Aht,
    Kpi::WaitMax,
    Kpi::VoicemailWait,
    Kpi::CallbackWait,
    Kpi::TransferWait,
];

/// Every count KPI adds up: over queues (plus the contacts that reached no
/// queue — a closed message, no matching filter), over channels and over
/// sources, each partition sums exactly to `overall`. Follow-up work counts
/// in the queue that worked it, so voicemails, call backs, redials and
/// transfer legs are in some queue, not only in `overall`.
pub fn assert_additive(r: &ReplicationResult, context: &str) {
    for k in Kpi::ALL.into_iter().filter(|k| !NOT_ADDITIVE.contains(k)) {
        let name = k.name();
        let total = r.overall[k];
        let sum = |parts: &[Kpis]| parts.iter().map(|p| p[k]).sum::<f64>();
        let by_queue = sum(&r.queues) + r.unqueued[k];
        assert_eq!(by_queue, total, "{context}: {name} over queues");
        assert_eq!(sum(&r.channels), total, "{context}: {name} over channels");
        assert_eq!(sum(&r.sources), total, "{context}: {name} over sources");
    }
    // What reaches no queue is only what cannot: closed messages, contacts
    // no filter matched, with `[faults]` those lost and those who hung up
    // during the look-up, callers who got a busy signal from a line limit,
    // and the redials among them. Everything else —
    // outcomes in a queue and all follow-up work — is in some queue.
    let u = &r.unqueued;
    let in_lookup = r.faults[ccsim::metrics::FaultKpi::LookupAbandoned];
    assert_eq!(
        u[Kpi::Offered],
        u[Kpi::Closed]
            + u[Kpi::CanceledNoMatch]
            + u[Kpi::Lost]
            + in_lookup
            + u[Kpi::Blocked]
            + u[Kpi::Contained]
            + r.self_service[ccsim::metrics::SelfServiceKpi::Abandoned],
        "{context}: only closed, unmatched, lost, looked-up and line-blocked contacts reach no queue"
    );
    assert_eq!(
        u[Kpi::Abandoned],
        in_lookup + r.self_service[ccsim::metrics::SelfServiceKpi::Abandoned],
        "{context}: abandoned outside a queue"
    );
    let may_be_unqueued = [
        Kpi::Offered,
        Kpi::Closed,
        Kpi::Canceled,
        Kpi::CanceledNoMatch,
        Kpi::Redials,
        Kpi::Lost,
        Kpi::Abandoned,
        Kpi::ShortAbandoned,
        Kpi::Blocked,
        Kpi::Contained,
    ];
    for k in Kpi::ALL {
        if NOT_ADDITIVE.contains(&k) || may_be_unqueued.contains(&k) {
            continue;
        }
        assert_eq!(u[k], 0.0, "{context}: {} outside every queue", k.name());
    }
}

/// The voicemails left after hours are counted (left and worked) in the
/// voicemail queue, and call backs worked in the call-back queue, not only
/// in `overall`.
#[test]
fn follow_up_work_is_counted_in_the_queue_that_worked_it() {
    let kpi =
        |r: &ReplicationResult, q: Option<usize>, k: Kpi| q.map_or(&r.overall, |q| &r.queues[q])[k];
    let queue =
        |s: &ccsim::scenario::Scenario, name: &str| s.queues.iter().position(|q| q.name == name);
    let s = ccsim::scenario::load(&super::scenario("business-hours.toml"))
        .unwrap()
        .scenario;
    let r = ccsim::engine::run(&s, s.sim.seed, 0);
    let vm = queue(&s, "voicemail");
    assert!(kpi(&r, None, Kpi::VoicemailsWorked) > 1000.0);
    for k in [Kpi::Voicemail, Kpi::VoicemailsWorked] {
        assert_eq!(kpi(&r, vm, k), kpi(&r, None, k), "{k:?}");
    }
    let s = ccsim::scenario::load(&super::scenario("agent-disruptions.toml"))
        .unwrap()
        .scenario;
    let r = ccsim::engine::run(&s, s.sim.seed, 0);
    let cb = queue(&s, "callbacks");
    assert!(kpi(&r, None, Kpi::CallbacksWorked) > 10.0);
    assert_eq!(
        kpi(&r, cb, Kpi::CallbacksWorked),
        kpi(&r, None, Kpi::CallbacksWorked)
    );
}

/// Every example scenario's counts add up over queues, channels and sources.
#[test]
fn example_scenarios_counts_add_up() {
    let mut checked = 0;
    for entry in std::fs::read_dir(super::scenario("")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let s = ccsim::scenario::load(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .scenario;
        for r in 0..2 {
            let result = ccsim::engine::run(&s, s.sim.seed, r);
            assert_additive(&result, &format!("{} replication {r}", path.display()));
        }
        checked += 1;
    }
    assert!(checked >= 13, "{checked} example scenarios");
}

/// A `[faults]` section for scenario `s`: every fault, with random
/// choices, on its first channel, queue and group.
fn random_faults(rng: &mut Xoshiro256PlusPlus, s: &ccsim::scenario::Scenario) -> String {
    let pick =
        |rng: &mut Xoshiro256PlusPlus, xs: &[&'static str]| xs[rng.random_range(0..xs.len())];
    let on_failure = pick(rng, &["route", "default", "drop"]);
    let resolve = pick(rng, &["cancel", "work"]);
    let failure: f64 = rng.random_range(0.0..0.5);
    let p: f64 = rng.random_range(0.0..0.4);
    let from_h: f64 = rng.random_range(0.0..3.0);
    let mut out = format!(
        r#"
[faults.lookup]
delay = {{ dist = "exponential", mean = "3s" }}
timeout = "5s"
failure = {failure}
on_failure = "{on_failure}"
[faults.status_lag]
delay = {{ dist = "exponential", mean = "30s" }}
[faults.duplicates]
probability = {p}
resolve = "{resolve}"
[[faults.outages]]
channel = "{channel}"
from = "{from_h}h"
to = "{to_h}h"
"#,
        channel = s.channels[0].name,
        to_h = from_h + 1.0,
    );
    if let Some(g) = s.groups.first() {
        out.push_str(&format!(
            "[[faults.outages]]\ngroup = \"{}\"\nfrom = \"{from_h}h\"\nto = \"{}h\"\n",
            g.name,
            from_h + 0.3
        ));
    }
    if let Some(q) = s.queues.first() {
        out.push_str(&format!(
            "[[faults.outages]]\nqueue = \"{}\"\nfrom = \"{}h\"\nto = \"{}h\"\n",
            q.name,
            from_h + 0.3,
            from_h + 1.0
        ));
    }
    out
}

#[test]
fn random_scenarios_conserve_outcomes() {
    let dir = super::temp_dir("props");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2026);
    // Totals over all cases, to show the generator reaches every outcome.
    let mut seen: Kpis = Kpis::default();
    let mut reservations_seen: GroupKpis = GroupKpis::default();
    let mut filter_transfers = 0;
    let mut priced_cases = 0;
    // Faults are drawn from their own generator, so the scenarios are those
    // the digests test runs.
    let mut fault_rng = Xoshiro256PlusPlus::seed_from_u64(404);
    let mut faulty_cases = 0;
    for case in 0..150 {
        let mut text = random_scenario(&mut rng, &dir, case);
        filter_transfers += u32::from(text.contains("filter = \"filter 1\""));
        let path = dir.join(format!("case{case}.toml"));
        let loaded = load_str(&path, &text)
            .unwrap_or_else(|e| panic!("case {case} should load:\n{e}\n{text}"));
        let mut s = loaded.scenario;
        if case % 2 == 1 {
            text.push_str(&random_faults(&mut fault_rng, &s));
            s = load_str(&path, &text)
                .unwrap_or_else(|e| panic!("case {case} with faults should load:\n{e}\n{text}"))
                .scenario;
            faulty_cases += 1;
        }
        for r in 0..2 {
            let a = ccsim::engine::run(&s, 9, r);
            let b = ccsim::engine::run(&s, 9, r);
            for (k, v) in a.overall.iter() {
                if !v.is_nan() {
                    seen[k] += v;
                }
            }
            assert_eq!(
                format!("{a:?}"),
                format!("{b:?}"),
                "case {case}: not deterministic"
            );
            if let Some(costs) = &s.costs {
                // Every counted contact closes its customer leg exactly once.
                let bill = ccsim::cost::bill(&s, costs, &a);
                let conversations: f64 = bill
                    .usage
                    .iter()
                    .filter(|(k, _)| k.ends_with(".conversations"))
                    .map(|(_, v)| v)
                    .sum();
                // A conversation per contact that is not a redial, except
                // first attempts that never reached the center (a channel
                // down; a redial lost so had its conversation already).
                let customers = a.overall[Kpi::Offered] - a.overall[Kpi::Redials];
                let lost = a.faults[ccsim::metrics::FaultKpi::LostInOutage];
                assert!(
                    conversations <= customers && conversations >= customers - lost,
                    "case {case}: legs {conversations} for {customers} customers, {lost} lost\n{text}"
                );
                if lost == 0.0 {
                    assert_eq!(conversations, customers, "case {case}: legs\n{text}");
                }
                let sum: i64 = bill.components.iter().map(|(_, v)| v.window).sum();
                assert_eq!(bill.total(), sum);
                assert!(
                    bill.components
                        .iter()
                        .all(|(_, v)| v.window >= 0 && v.month >= 0)
                );
                priced_cases += 1;
            }
            assert_additive(&a, &format!("case {case}"));
            for k in std::iter::once(&a.overall)
                .chain(&a.queues)
                .chain(&a.channels)
                .chain(&a.sources)
            {
                assert_eq!(
                    k[Kpi::Offered],
                    k[Kpi::Answered]
                        + k[Kpi::Abandoned]
                        + k[Kpi::Canceled]
                        + k[Kpi::Unfinished]
                        + k[Kpi::Voicemail]
                        + k[Kpi::Closed]
                        + k[Kpi::Callback]
                        + k[Kpi::Lost],
                    "case {case}: outcomes do not add up\n{text}"
                );
                assert!(k[Kpi::ShortAbandoned] <= k[Kpi::Abandoned]);
                for (kpi, v) in k.iter() {
                    assert!(
                        v.is_nan() || (*v >= 0.0 && v.is_finite()),
                        "case {case}: {} = {v}",
                        kpi.name()
                    );
                }
                let sl = k[Kpi::ServiceLevel];
                assert!(
                    sl.is_nan() || (0.0..=1.0).contains(&sl),
                    "case {case}: service level {sl}"
                );
            }
            // Every transfer attempt ends once (some legs may still wait);
            // per queue the attempt and its second leg may count in
            // different queues, so this holds where a contact is whole.
            for k in std::iter::once(&a.overall)
                .chain(&a.channels)
                .chain(&a.sources)
            {
                let [tr, tr_ans, tr_drop, tr_ab] = [
                    Kpi::Transfers,
                    Kpi::TransfersAnswered,
                    Kpi::TransfersDropped,
                    Kpi::TransfersAbandoned,
                ]
                .map(|t| k[t]);
                assert!(
                    tr >= tr_ans + tr_drop + tr_ab,
                    "case {case}: transfers {tr} < {tr_ans} answered + {tr_drop} dropped + {tr_ab} abandoned"
                );
            }
            for g in &a.groups {
                for v in &[g[GroupKpi::Occupancy], g[GroupKpi::Utilization]] {
                    assert!(
                        v.is_nan() || (0.0..=1.0 + 1e-9).contains(v),
                        "case {case}: group ratio {v}"
                    );
                }
                // Every reservation ends once: accepted, rejected, timed out
                // or canceled (a few may still be pending when a short drain
                // limit stops the run).
                let [created, accepted, rejected, timed_out, canceled] = [
                    GroupKpi::ReservationsCreated,
                    GroupKpi::ReservationsAccepted,
                    GroupKpi::ReservationsRejected,
                    GroupKpi::ReservationsTimedOut,
                    GroupKpi::ReservationsCanceled,
                ]
                .map(|x| g[x]);
                assert!(
                    created >= accepted + rejected + timed_out + canceled,
                    "case {case}: {g:?}"
                );
                if a.in_flight == 0 {
                    assert_eq!(
                        created,
                        accepted + rejected + timed_out + canceled,
                        "case {case}: {g:?}"
                    );
                }
                for k in [
                    GroupKpi::ReservationsRejected,
                    GroupKpi::ReservationsTimedOut,
                    GroupKpi::ReservationsCanceled,
                ] {
                    reservations_seen[k] += g[k];
                }
            }
        }
    }
    assert_eq!(
        seen[Kpi::Canceled],
        seen[Kpi::CanceledNoMatch] + seen[Kpi::CanceledWorkflow] + seen[Kpi::CanceledTtl],
        "cancel reasons add up"
    );
    assert!(priced_cases > 50, "{priced_cases} priced runs");
    assert!(
        faulty_cases == 75 && seen[Kpi::Lost] > 0.0,
        "faults reached"
    );
    assert!(
        filter_transfers > 0,
        "the generator never transferred to a filter"
    );
    for k in [
        GroupKpi::ReservationsRejected,
        GroupKpi::ReservationsTimedOut,
        GroupKpi::ReservationsCanceled,
    ] {
        assert!(
            reservations_seen[k] > 0.0,
            "the generator never produced {}",
            k.name()
        );
    }
    eprintln!(
        "random scenarios: offered {}, answered {}, abandoned {} (short {}), canceled {}, unfinished {}",
        seen[Kpi::Offered],
        seen[Kpi::Answered],
        seen[Kpi::Abandoned],
        seen[Kpi::ShortAbandoned],
        seen[Kpi::Canceled],
        seen[Kpi::Unfinished]
    );
    for k in [
        Kpi::Answered,
        Kpi::Abandoned,
        Kpi::ShortAbandoned,
        Kpi::CanceledNoMatch,
        Kpi::CanceledWorkflow,
        Kpi::CanceledTtl,
        Kpi::Unfinished,
        Kpi::Voicemail,
        Kpi::Closed,
        Kpi::VoicemailsWorked,
        Kpi::Callback,
        Kpi::CallbacksWorked,
        Kpi::Redials,
        Kpi::TransfersAnswered,
        Kpi::TransfersDropped,
        Kpi::TransfersAbandoned,
        Kpi::DisconnectDropped,
    ] {
        assert!(
            seen[k] > 0.0,
            "the generator never produced {} (overall)",
            k.name()
        );
    }
}
