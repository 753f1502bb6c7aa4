//! Self-service before routing: the share it resolves, and the queue
//! behind it, against their exact values. With exponential times in the
//! flow and paused patience, the contacts it routes are a thinned Poisson
//! stream (rate λ·(1 − contained share)), so the queue is Erlang A at that
//! rate.

use crate::assert_within;
use ccsim::erlang::Model;
use ccsim::metrics::{Kpi, SelfServiceKpi};
use ccsim::scenario::load_str;
use ccsim::stats::Estimate;
use std::path::Path;

fn text(self_service: &str) -> String {
    format!(
        r#"name = "ivr"
[simulation]
horizon = "201h"
warmup = "1h"
interval = "200h"
replications = 20
seed = 3
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "400/h"
handle_time = {{ dist = "exponential", mean = "240s" }}
patience = {{ dist = "exponential", mean = "120s" }}
self_service = {self_service}
[[agents]]
group = "agents"
count = 20
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = {{ queue = "q" }}
"#
    )
}

/// 25% opt out part-way, 40% of the rest are resolved: 30% contained, and
/// the 280/h routed meet 20 agents as in Erlang A.
#[test]
fn containment_and_the_queue_behind_it_are_exact() {
    let ss =
        r#"{ time = { dist = "exponential", mean = "90s" }, containment = 0.4, opt_out = 0.25 }"#;
    let s = load_str(Path::new("ivr.toml"), &text(ss)).unwrap().scenario;
    let runs: Vec<_> = (0..s.sim.replications)
        .map(|r| ccsim::engine::run(&s, s.sim.seed, r))
        .collect();
    let share = Estimate::from_values(
        runs.iter()
            .map(|r| r.overall[Kpi::Contained] / r.overall[Kpi::Offered]),
    );
    assert_within("contained share", &share, 0.75 * 0.4);
    let opted = Estimate::from_values(runs.iter().map(|r| {
        r.self_service[SelfServiceKpi::OptedOut] / r.self_service[SelfServiceKpi::Sessions]
    }));
    assert_within("opted out share", &opted, 0.25);
    let erlang = Model {
        rate_per_s: 400.0 * 0.7 / 3600.0,
        aht_s: 240.0,
        agents: 20,
        patience_s: Some(120.0),
    }
    .measures(20.0)
    .unwrap();
    let queue = |k: Kpi| Estimate::from_values(runs.iter().map(|r| r.queues[0][k]));
    assert_within(
        "queue service level",
        &queue(Kpi::ServiceLevel),
        erlang.service_level,
    );
    assert_within(
        "queue abandon rate",
        &queue(Kpi::AbandonRate),
        erlang.abandon_rate,
    );
    assert_within("queue ASA (s)", &queue(Kpi::Asa), erlang.asa_s);
    // Minutes metered: 90 s for those who finish, half of that on average
    // for those who opt out.
    let minutes = Estimate::from_values(runs.iter().map(|r| {
        r.self_service[SelfServiceKpi::Minutes] / r.self_service[SelfServiceKpi::Sessions]
    }));
    assert_within(
        "minutes per session",
        &minutes,
        (0.75 * 90.0 + 0.25 * 45.0) / 60.0,
    );
}

/// With patience running through the flow, customers whose patience is
/// shorter than their time in it hang up there (counted abandoned, in no
/// queue): P(patience < time) = 90 / (90 + 120) for two exponentials.
#[test]
fn running_patience_can_run_out_in_the_flow() {
    let ss = r#"{ time = { dist = "exponential", mean = "90s" }, patience = "running" }"#;
    let s = load_str(Path::new("ivr.toml"), &text(ss)).unwrap().scenario;
    let share = Estimate::from_values((0..s.sim.replications).map(|rep| {
        let r = ccsim::engine::run(&s, s.sim.seed, rep);
        r.self_service[SelfServiceKpi::Abandoned] / r.self_service[SelfServiceKpi::Sessions]
    }));
    assert_within("hung up in the flow", &share, 90.0 / 210.0);
}

/// `[costs.self_service]` prices the bot: per minute in the flow and per
/// session, added up replication by replication into a `self_service`
/// line of the bill; a rate card without it adds no line.
#[test]
fn the_bot_is_billed_per_minute_and_per_session() {
    let ss =
        r#"{ time = { dist = "exponential", mean = "90s" }, containment = 0.4, opt_out = 0.25 }"#;
    let priced = format!(
        "{}[costs]\n[costs.self_service]\nper_minute = 0.004\nper_session = 0.01\n",
        text(ss)
            .replace("horizon = \"201h\"", "horizon = \"21h\"")
            .replace("interval = \"200h\"", "interval = \"20h\"")
    );
    let s = load_str(Path::new("ivr.toml"), &priced).unwrap().scenario;
    let costs = s.costs.as_ref().expect("priced");
    for rep in 0..3 {
        let r = ccsim::engine::run(&s, s.sim.seed, rep);
        let bill = ccsim::cost::bill(&s, costs, &r);
        let (_, line) = bill
            .components
            .iter()
            .find(|(name, _)| name == "self_service")
            .expect("a self_service line");
        let expected = 0.004 * r.self_service[SelfServiceKpi::Minutes]
            + 0.01 * r.self_service[SelfServiceKpi::Sessions];
        assert!(r.self_service[SelfServiceKpi::Sessions] > 1000.0);
        // Amounts are kept in millionths.
        assert!(
            (line.window as f64 / 1e6 - expected).abs() < 2e-6,
            "{} against {expected}",
            line.window
        );
    }
    let unpriced = load_str(
        Path::new("ivr.toml"),
        &format!(
            "{}[costs]\n",
            text(ss)
                .replace("horizon = \"201h\"", "horizon = \"21h\"")
                .replace("interval = \"200h\"", "interval = \"20h\"")
        ),
    )
    .unwrap()
    .scenario;
    let r = ccsim::engine::run(&unpriced, 1, 0);
    let bill = ccsim::cost::bill(&unpriced, unpriced.costs.as_ref().unwrap(), &r);
    assert!(bill.components.iter().all(|(n, _)| n != "self_service"));
}
