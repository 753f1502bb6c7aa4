//! Costs: bills computed by hand to the micro-unit, waiting that costs money,
//! the licence plans' break-even, and labour with shifts.

use ccsim::cost::{Bill, bill, units};
use ccsim::metrics::{Kpi, ReplicationResult};
use ccsim::scenario::{Scenario, load_str};

fn run_bill(s: &Scenario) -> (ReplicationResult, Bill) {
    let r = ccsim::engine::run(s, 1, 0);
    let b = bill(s, s.costs.as_ref().expect("costs"), &r);
    (r, b)
}

fn usage(b: &Bill, key: &str) -> f64 {
    b.usage
        .iter()
        .find(|(k, _)| k == key)
        .map_or(0.0, |(_, v)| *v)
}

/// µ of `x` currency units computed by hand (rounded once, like the bill).
fn micro(x: f64) -> i64 {
    (x * 1e6).round() as i64
}

/// A one-hour window, four agents always logged in, four calls that never
/// wait (61 s, 60 s, 120 s and 1 s of talk) and one SMS conversation. The
/// window is one operating day of a 20-day month (usage × 20 a month), and
/// 1/730 of a month's time (per-month prices × 1/730 in the window). Every
/// component, and the monthly projection, is computed here by hand.
#[test]
fn deterministic_bill_matches_the_hand_computation() {
    let s = super::load_trace(
        "cost-by-hand",
        "0,voice,61,,\n100,voice,60,,\n200,voice,120,,\n300,voice,1,,\n400,sms,10,,\n",
        r#"name = "by-hand"
[simulation]
horizon = "1h"
interval = "1h"
replications = 1
[[channels]]
name = "voice"
[[channels]]
name = "sms"
[[arrivals]]
name = "trace"
trace = "calls.csv"
[[agents]]
group = "a"
count = 4
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }

[costs]
card = "none"           # only the prices below
currency = "EUR"
days_per_month = 20
[costs.platform]
plan = "active_hour"
active_hour = 1.00
named_user_per_month = 150.00
monthly_active_user = 35.00
[costs.voice]
billing_increment = "60s"
# 6 billed minutes a day, 120 a month: the tier at 100 is crossed.
inbound_per_min = [{ above = 0, price = 0.01 }, { above = 100, price = 0.005 }]
agent_leg_per_min = 0.004
recording_per_min = 0.0025
record = true
[costs.recording_storage]
per_min_month = 0.73
free_min = 100
retention = "730h"
[costs.sms]
per_segment = 0.0083
carrier_fee_per_segment = 0.004
messages_per_contact = { dist = "deterministic", mean = 6 }
segments_per_message = { dist = "deterministic", mean = 2 }
[costs.labor]
a = 22.50
[costs.fixed]
engineering = 730.00
[costs.numbers]
local = 2
local_per_month = 1.46
"#,
    );
    let (r, b) = run_bill(&s);
    assert_eq!(r.overall[Kpi::Answered], 5.0);
    assert_eq!(r.overall[Kpi::WaitMax], 0.0);
    // Per-call round-up: 61 s bills 2 minutes, 60 s one, 120 s two, 1 s one.
    assert_eq!(usage(&b, "voice.inbound_min"), 6.0);
    assert_eq!(usage(&b, "voice.agent_min"), 6.0);
    assert_eq!(usage(&b, "voice.recording_min"), 6.0);
    let (time, days) = (1.0 / 730.0, 20.0);
    // (component, window amount, monthly amount)
    let expected = [
        ("platform", 4.0 * 1.00, 4.0 * 1.00 * days),
        ("labor", 4.0 * 22.50, 4.0 * 22.50 * days),
        ("fixed", 730.0 * time, 730.0),
        ("numbers", 2.0 * 1.46 * time, 2.0 * 1.46),
        // 120 minutes a month: 100 at 0.01, 20 at 0.005; the day is 1/20.
        (
            "voice.inbound",
            (100.0 * 0.01 + 20.0 * 0.005) / days,
            100.0 * 0.01 + 20.0 * 0.005,
        ),
        ("voice.agent_leg", 6.0 * 0.004, 6.0 * 0.004 * days),
        ("voice.recording", 6.0 * 0.0025, 6.0 * 0.0025 * days),
        // Kept 730 h, so the monthly average stored is the monthly recorded
        // 120 minutes; 100 free; 20 × 0.73 a month.
        ("voice.recording_storage", 20.0 * 0.73 * time, 20.0 * 0.73),
        // 6 messages (3 in, 3 out) of 2 segments: 12 segments, each
        // 0.0083 plus a 0.004 carrier fee.
        (
            "sms.messages",
            12.0 * 0.0083 + 12.0 * 0.004,
            (12.0 * 0.0083 + 12.0 * 0.004) * days,
        ),
    ];
    for (key, window, month) in expected {
        let got = b.components.iter().find(|(k, _)| k == key).map(|(_, v)| *v);
        let got = got.unwrap_or_else(|| panic!("{key} missing: {:?}", b.components));
        assert_eq!(
            (got.window, got.month),
            (micro(window), micro(month)),
            "{key}"
        );
    }
    assert_eq!(b.components.len(), expected.len(), "{:?}", b.components);
    let total: i64 = expected.iter().map(|(_, w, _)| micro(*w)).sum();
    assert_eq!(b.total(), total);
    let monthly: i64 = expected.iter().map(|(_, _, m)| micro(*m)).sum();
    assert_eq!(b.monthly_total(), monthly);
    // To the cent, as a finance user reads it.
    assert_eq!(
        (units(b.total()) * 100.0).round(),
        9527.0,
        "{}",
        units(b.total())
    );
    assert_eq!((units(b.monthly_total()) * 100.0).round(), 263235.0);
    // The other plans, for the same run (window amounts).
    let plans: Vec<i64> = b.plans.iter().map(|p| p.window).collect();
    assert_eq!(
        plans,
        [
            micro(4.0),
            micro(4.0 * 150.0 * time),
            micro(4.0 * 35.0 * time)
        ]
    );
}

/// Waiting costs money: one agent busy with a 600 s call; a second caller
/// waits 95 s and hangs up. The abandoned call is billed for its waiting
/// (2 minutes), the answered one for 10.
#[test]
fn abandoned_calls_are_billed_for_their_wait() {
    let s = super::load_trace(
        "cost-abandon",
        "0,voice,600,,\n10,voice,60,95,\n",
        r#"name = "abandon"
[simulation]
horizon = "1h"
interval = "1h"
replications = 1
[[channels]]
name = "voice"
[[arrivals]]
name = "trace"
trace = "calls.csv"
[[agents]]
group = "a"
count = 1
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
[costs]
[costs.voice]
inbound_per_min = 0.0085
"#,
    );
    let (r, b) = run_bill(&s);
    assert_eq!(r.overall[Kpi::Abandoned], 1.0);
    assert_eq!(usage(&b, "voice.inbound_min"), 12.0);
    assert_eq!(usage(&b, "voice.customer_leg_s"), 695.0);
    assert_eq!(b.component("voice.inbound"), micro(12.0 * 0.0085));
}

/// The same traffic (same seed: common random numbers; patient customers)
/// with fewer agents keeps customers on the line longer: more customer-leg
/// minutes and a higher voice bill, in every replication.
#[test]
fn fewer_agents_mean_more_customer_minutes() {
    let base = std::fs::read_to_string(super::scenario("quickstart.toml")).unwrap();
    let with = |agents: u32| {
        let text = base
            .replace("count = 28", &format!("count = {agents}"))
            .replace("patience = ", "# patience = ")
            + "\n[costs]\n[costs.voice]\ninbound_per_min = 0.0085\n";
        let s = load_str(&super::scenario("quickstart.toml"), &text)
            .unwrap()
            .scenario;
        let results = ccsim::replications::run_replications(&s, 7, 8, &|_| {});
        results
            .iter()
            .map(|r| {
                let b = bill(&s, s.costs.as_ref().unwrap(), r);
                (usage(&b, "voice.inbound_min"), b.component("voice.inbound"))
            })
            .collect::<Vec<_>>()
    };
    let (many, few) = (with(30), with(26));
    for ((m_min, m_cost), (f_min, f_cost)) in many.iter().zip(&few) {
        assert!(f_min > m_min && f_cost > m_cost, "{m_min} {f_min}");
    }
}

/// Plan comparison. Named user costs 150 a month, an active hour 1: named
/// users are cheaper above 150 active hours per user-month. Two agents
/// logged in all day of a one-day window: 24 h × 730/24 = 730 h per user-
/// month (named cheaper). Logged in 2 h of it: 60.8 h (active-hour cheaper).
#[test]
fn plan_comparison_and_break_even() {
    let scenario = |tag: &str, shifts: &str| {
        super::load_trace(
            &format!("cost-{tag}"),
            "0,voice,60,,\n",
            &format!(
                r#"name = "{tag}"
[simulation]
horizon = "1d"
interval = "1d"
replications = 2
[[channels]]
name = "voice"
[[arrivals]]
name = "trace"
trace = "calls.csv"
[[agents]]
group = "a"
count = 2
{shifts}
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = {{ queue = "q" }}
[costs.platform]
active_hour = 1.0
named_user_per_month = 150.0
monthly_active_user = 35.0
"#
            ),
        )
    };
    for (tag, shifts, hours_per_user_month, cheaper) in [
        ("all-day", "", 730.0, "named_user"),
        (
            "two-hours",
            "shifts = [{ start = \"00:00\", end = \"02:00\" }]",
            2.0 * 730.0 / 24.0,
            "active_hour",
        ),
    ] {
        let s = scenario(tag, shifts);
        let summary = ccsim::replications::run(&s, 1, 2, &|_| {});
        let c = summary.cost.expect("costs");
        assert_eq!(c.break_even_active_hours, Some(150.0));
        let per_user = c.active_hours_per_user_month.mean.unwrap();
        assert!(
            (per_user - hours_per_user_month).abs() < 1e-9,
            "{tag}: {per_user}"
        );
        let plan = |k: &str| {
            c.plans
                .iter()
                .find(|(p, _)| *p == k)
                .unwrap()
                .1
                .mean
                .unwrap()
        };
        let (active, named) = (plan("active_hour"), plan("named_user"));
        // By hand: active-hour = hours × 1; named = 2 users × 150 × 24/730.
        assert!(
            (active - 2.0 * per_user * 24.0 / 730.0).abs() < 1e-6,
            "{active}"
        );
        assert!((named - 2.0 * 150.0 * 24.0 / 730.0).abs() < 1e-6, "{named}");
        let winner = if active < named {
            "active_hour"
        } else {
            "named_user"
        };
        assert_eq!(winner, cheaper, "{tag}: active {active}, named {named}");
    }
}

/// Labour is paid hours × rate per group, exactly: group `day` (3 agents,
/// 08:00–16:00 with a paid 30-minute break) and group `night` (2 agents,
/// 20:00–04:00 across midnight) over one day; nobody works past a shift end.
#[test]
fn labour_is_paid_hours_times_rate() {
    let s = super::load_trace(
        "cost-labour",
        "36000,voice,60,,\n",
        r#"name = "labour"
[simulation]
horizon = "1d"
interval = "1d"
replications = 1
[[channels]]
name = "voice"
[[arrivals]]
name = "trace"
trace = "calls.csv"
[[agents]]
group = "day"
count = 3
shifts = [{ start = "08:00", end = "16:00" }]
breaks = [{ start = "12:00", duration = "30m" }]
[[agents]]
group = "night"
count = 2
shifts = [{ start = "20:00", end = "04:00" }]
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
[costs]
card = "none"
[costs.labor]
day = 20.00
night = 31.25
"#,
    );
    let (_, b) = run_bill(&s);
    assert_eq!(usage(&b, "paid_h.day"), 24.0);
    assert_eq!(usage(&b, "paid_h.night"), 16.0);
    assert_eq!(b.component("labor"), micro(24.0 * 20.00 + 16.0 * 31.25));
    // By hour of day: the day team 08–16 (its break is paid time), the
    // night team 20–04.
    for (h, amount) in b.hours.iter().enumerate() {
        let expected = match h {
            8..=15 => 3.0 * 20.00,
            0..=3 | 20..=23 => 2.0 * 31.25,
            _ => 0.0,
        };
        assert_eq!(*amount, micro(expected), "hour {h}");
    }
}

/// Without `days_per_month` the window's hours are 1/730 of a month
/// (docs/outputs.md, "Costs"): 6 billed minutes in one hour are 4 380 a
/// month, crossing the tier
/// at 4 000; the window pays 1/730 of that month's amount.
#[test]
fn tiers_price_the_month_of_window_hours_by_default() {
    let s = super::load_trace(
        "cost-tiers-default",
        "0,voice,61,,\n100,voice,60,,\n200,voice,120,,\n300,voice,1,,\n",
        r#"name = "tiers-default"
[simulation]
horizon = "1h"
interval = "1h"
replications = 1
[[channels]]
name = "voice"
[[arrivals]]
name = "trace"
trace = "calls.csv"
[[agents]]
group = "a"
count = 4
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
[costs.voice]
inbound_per_min = [{ above = 0, price = 0.01 }, { above = 4000, price = 0.005 }]
"#,
    );
    let (_, b) = run_bill(&s);
    let month = 4000.0 * 0.01 + 380.0 * 0.005;
    let got = b
        .components
        .iter()
        .find(|(k, _)| k == "voice.inbound")
        .unwrap()
        .1;
    assert_eq!(
        (got.window, got.month),
        (micro(month / 730.0), micro(month))
    );
}

/// `[costs]` without `card` prices with the card built into the binary (so
/// a scenario copied anywhere keeps its prices); `card = "none"` prices only
/// what the scenario lists; a window shorter than a day projected to a
/// month by hours is flagged.
#[test]
fn the_built_in_card_is_the_default() {
    let base = std::fs::read_to_string(super::scenario("quickstart.toml")).unwrap();
    let dir = super::temp_dir("default-card");
    let bill_of = |extra: &str| {
        let s = super::load_in(&dir, &format!("{base}\n[costs]\n{extra}"));
        let r = ccsim::engine::run(&s, 7, 0);
        (bill(&s, s.costs.as_ref().unwrap(), &r), r)
    };
    let (b, r) = bill_of("");
    // The card's active hour (1.00) for 28 agents over the 7-hour window,
    // and local inbound minutes at 0.0085.
    assert_eq!(b.component("platform"), micro(28.0 * 7.0 * 1.00));
    assert_eq!(
        b.component("voice.inbound"),
        micro(usage(&b, "voice.inbound_min") * 0.0085)
    );
    assert!(r.overall[Kpi::Answered] > 0.0);
    let (none, _) = bill_of("card = \"none\"");
    assert_eq!(none.total(), 0, "nothing is priced without a card");
    let path = super::write_scenario(&dir, &format!("{base}\n[costs]\n"));
    let out = super::ccsim(&["validate", path.to_str().unwrap()], &[]);
    let err = super::stderr_no_panic(&out);
    assert!(out.status.success(), "{err}");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("platform         1.00/active hour"),
        "{stdout}"
    );
    assert!(
        err.contains("warning: the counted window is 7 h, shorter than a day: monthly figures take it as 7/730 of a month"),
        "{err}"
    );
}

/// The per-channel figures the run's charts draw: each channel's monthly
/// usage cost is the sum of its monthly components, and its usage cost per
/// contact is each replication's own ratio, averaged.
#[test]
fn per_channel_costs_are_sums_of_components_and_per_replication_ratios() {
    let s = ccsim::scenario::load(&super::scenario("finance-channel-shift.toml"))
        .unwrap()
        .scenario;
    let costs = s.costs.as_ref().unwrap();
    let results: Vec<ReplicationResult> = (0..3).map(|r| ccsim::engine::run(&s, 9, r)).collect();
    let c = ccsim::cost::summarize(&s, costs, &results);
    let bills: Vec<Bill> = results.iter().map(|r| bill(&s, costs, r)).collect();
    for (i, ch) in s.channels.iter().enumerate() {
        let prefix = format!("{}.", ch.name);
        let month: Vec<f64> = bills
            .iter()
            .map(|b| {
                let m: i64 = b
                    .components
                    .iter()
                    .filter(|(k, _)| k.starts_with(&prefix))
                    .map(|(_, v)| v.month)
                    .sum();
                units(m)
            })
            .collect();
        let mean = month.iter().sum::<f64>() / 3.0;
        assert_eq!(c.monthly_channels[i].0, ch.name);
        assert!((c.monthly_channels[i].1.mean.unwrap() - mean).abs() < 1e-6);
        for (kpi, got) in [
            (Kpi::Offered, &c.channel_per_offered[i]),
            (Kpi::Answered, &c.channel_per_answered[i]),
        ] {
            let ratios: Vec<f64> = bills
                .iter()
                .zip(&results)
                .map(|(b, r)| units(b.channels[i]) / r.channels[i][kpi])
                .collect();
            let mean = ratios.iter().sum::<f64>() / 3.0;
            assert!((got.1.mean.unwrap() - mean).abs() < 1e-12, "{}", ch.name);
            assert!(got.1.ci95.unwrap() > 0.0, "{}", ch.name);
        }
    }
}

/// Cost per interval: the hour-of-day breakdown with intervals for hours.
/// Per replication, with intervals that straddle hours (45 min from a
/// 30-min warm-up), the intervals and the hours of day share out the same
/// amounts — each channel's usage cost, and agent time at labour plus the
/// active-hour licence — and both leave out the same per-month items, so
/// Σ intervals = Σ hours = total − (fixed + numbers) (+ platform under a
/// per-user plan), up to the rounding of each part to the micro-unit (at
/// most ½ µ per part). Each channel's intervals add up to its usage cost,
/// each group's labour to its labour, the same way.
#[test]
fn interval_costs_add_up_like_the_hours_of_day() {
    let text = std::fs::read_to_string(super::scenario("finance-channel-shift.toml"))
        .unwrap()
        .replace("interval = \"1h\"", "interval = \"45m\"\nwarmup = \"30m\"");
    // Loaded as if from scenarios/, where its rate card is.
    let s = super::load_in(&super::scenario(""), &text);
    let costs = s.costs.as_ref().unwrap();
    let n_int = s.sim.interval_count();
    assert_eq!(n_int, 10);
    let (n_ch, n_g) = (s.channels.len(), s.groups.len());
    let results: Vec<ReplicationResult> = (0..3).map(|r| ccsim::engine::run(&s, 5, r)).collect();
    for r in &results {
        let b = bill(&s, costs, r);
        let iv = ccsim::cost::bill_intervals(&s, costs, r, &b);
        assert_eq!(iv.total.len(), n_int);
        let by_interval: i64 = iv.total.iter().sum();
        let by_hour: i64 = b.hours.iter().sum();
        // Rounded parts: per channel and per group, each interval (hour).
        let half = |parts: usize| parts as f64 / 2.0;
        let (int_parts, hour_parts) = ((n_ch + n_g) * n_int, (n_ch + n_g) * 24);
        assert!(
            ((by_interval - by_hour) as f64).abs() <= half(int_parts + hour_parts),
            "{by_interval} vs {by_hour}"
        );
        let mut per_month = b.component("fixed") + b.component("numbers");
        if costs.plan != ccsim::scenario::costs::PlatformPlan::ActiveHour {
            per_month += b.component("platform");
        }
        // The total rounds labour once per group and the licence once.
        let whole = b.total() - per_month;
        assert!(
            ((by_interval - whole) as f64).abs() <= half(int_parts + n_g + 1),
            "{by_interval} vs {whole}"
        );
        for (c, row) in iv.channels.iter().enumerate() {
            let sum: i64 = row.iter().sum();
            assert!(((sum - b.channels[c]) as f64).abs() <= half(n_int));
        }
        let labor: i64 = iv.labor.iter().flatten().sum();
        assert!(((labor - b.component("labor")) as f64).abs() <= half(n_g * n_int + n_g));
        // Every interval has contacts and agents: none is free.
        assert!(iv.total.iter().all(|&x| x > 0), "{:?}", iv.total);
    }
    // Summarised over the replications like every KPI.
    let c = ccsim::cost::summarize(&s, costs, &results);
    assert_eq!(c.intervals.len(), n_int);
    let mean0 = results
        .iter()
        .map(|r| {
            let b = bill(&s, costs, r);
            units(ccsim::cost::bill_intervals(&s, costs, r, &b).total[0])
        })
        .sum::<f64>()
        / 3.0;
    assert!((c.intervals[0].mean.unwrap() - mean0).abs() < 1e-9);
    assert_eq!(c.channel_intervals.len(), n_ch);
    assert_eq!(c.labor_intervals[0].0, "voice_team");
}

/// An interval with nobody logged in and no arrivals costs nothing; one
/// with agents and no contacts costs their hours exactly; per-month prices
/// stay out of every interval. One day in hours: group `day` (3 agents,
/// 08:00–16:00), two calls at 10:00 and 10:30.
#[test]
fn an_empty_interval_costs_nothing() {
    let s = super::load_trace(
        "cost-interval-empty",
        "36000,voice,60,,\n37800,voice,120,,\n",
        r#"name = "interval-costs"
[simulation]
horizon = "1d"
interval = "1h"
replications = 1
[[channels]]
name = "voice"
[[arrivals]]
name = "trace"
trace = "calls.csv"
[[agents]]
group = "day"
count = 3
shifts = [{ start = "08:00", end = "16:00" }]
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = { queue = "q" }
[costs]
card = "none"
[costs.voice]
inbound_per_min = 0.01
[costs.labor]
day = 20.00
[costs.fixed]
rent = 730.00
"#,
    );
    let costs = s.costs.as_ref().unwrap();
    let (r, b) = run_bill(&s);
    let iv = ccsim::cost::bill_intervals(&s, costs, &r, &b);
    assert_eq!(b.component("fixed"), micro(24.0));
    for (k, amount) in iv.total.iter().enumerate() {
        let expected = match k {
            // Labour, and the calls' 1 + 2 billed minutes.
            10 => 3.0 * 20.00 + 3.0 * 0.01,
            8..=15 => 3.0 * 20.00,
            _ => 0.0,
        };
        assert_eq!(*amount, micro(expected), "interval {k}");
        assert_eq!(iv.labor[0][k], micro(expected.floor()), "interval {k}");
        assert_eq!(iv.channels[0][k], micro(expected - expected.floor()));
    }
    assert_eq!(iv.total[3], 0);
}
