//! The engine agrees with queueing theory: M/M/c against Erlang C and M/M/c+M
//! against Erlang A. Each reference value must fall inside the replications'
//! own 99.9% Student-t confidence band (the band is computed from the
//! replications, not chosen by hand). The seeds are fixed, so the outcome is
//! deterministic; a broken model moves the estimates by many half-widths.

use ccsim::erlang::Model;
use ccsim::metrics::{GroupKpi, Kpi};
use ccsim::replications;
use ccsim::scenario;
use std::path::Path;

struct Case {
    name: &'static str,
    rate_per_h: f64,
    aht_s: f64,
    agents: u32,
    patience_s: Option<f64>,
    threshold_s: f64,
    horizon_h: f64,
    warmup_h: f64,
    replications: u32,
}

fn scenario_text(c: &Case) -> String {
    let patience = c.patience_s.map_or(String::new(), |p| {
        format!("patience = {{ dist = \"exponential\", mean = \"{p}s\" }}\n")
    });
    format!(
        r#"name = "{name}"
[simulation]
horizon = "{h}h"
warmup = "{w}h"
replications = {r}
seed = 1234
interval = "{i}h"
service_level_threshold = "{t}s"

[[channels]]
name = "voice"

[[arrivals]]
name = "calls"
channel = "voice"
rate = "{rate}/h"
handle_time = {{ dist = "exponential", mean = "{aht}s" }}
{patience}
[[agents]]
group = "agents"
count = {n}

[[queues]]
name = "q"
target_workers = "1==1"

[workflow]
default_filter = {{ queue = "q" }}
"#,
        name = c.name,
        h = c.horizon_h + c.warmup_h,
        w = c.warmup_h,
        r = c.replications,
        i = c.horizon_h,
        t = c.threshold_s,
        rate = c.rate_per_h,
        aht = c.aht_s,
        n = c.agents,
    )
}

fn check(c: &Case) {
    let loaded = scenario::load_str(Path::new("validation.toml"), &scenario_text(c))
        .expect("valid scenario");
    let s = loaded.scenario;
    let summary = replications::run(&s, s.sim.seed, s.sim.replications, &|_| {});
    let m = Model {
        rate_per_s: c.rate_per_h / 3600.0,
        aht_s: c.aht_s,
        agents: c.agents,
        patience_s: c.patience_s,
    }
    .measures(c.threshold_s)
    .expect("stable model");
    let group = &summary.groups[0];
    let checks = [
        (
            "service_level",
            &summary.overall.kpis[Kpi::ServiceLevel],
            m.service_level,
        ),
        ("asa_s", &summary.overall.kpis[Kpi::Asa], m.asa_s),
        (
            "abandon_rate",
            &summary.overall.kpis[Kpi::AbandonRate],
            m.abandon_rate,
        ),
        ("occupancy", &group.kpis[GroupKpi::Occupancy], m.occupancy),
    ];
    for (kpi, est, reference) in checks {
        if c.patience_s.is_none() && kpi == "abandon_rate" {
            let name = &c.name;
            assert_eq!(
                est.mean,
                Some(0.0),
                "{name}: patient customers never abandon"
            );
            continue;
        }
        super::assert_within(&format!("{} {kpi}", c.name), est, reference);
    }
}

/// The published Erlang C case: 100 calls per 30 min, AHT 180 s, 14 agents.
#[test]
fn erlang_c_published_case() {
    check(&Case {
        name: "erlang-c-published",
        rate_per_h: 200.0,
        aht_s: 180.0,
        agents: 14,
        patience_s: None,
        threshold_s: 20.0,
        horizon_h: 100.0,
        warmup_h: 4.0,
        replications: 30,
    });
}

/// The published Erlang A case: the same with exponential patience of mean 5 min.
#[test]
fn erlang_a_published_case() {
    check(&Case {
        name: "erlang-a-published",
        rate_per_h: 200.0,
        aht_s: 180.0,
        agents: 14,
        patience_s: Some(300.0),
        threshold_s: 20.0,
        horizon_h: 100.0,
        warmup_h: 4.0,
        replications: 30,
    });
}

/// M/M/c at 92% occupancy: long waits, slow relaxation (hence the long warm-up).
#[test]
fn erlang_c_high_occupancy() {
    check(&Case {
        name: "erlang-c-92pct",
        rate_per_h: 345.0,
        aht_s: 240.0,
        agents: 25,
        patience_s: None,
        threshold_s: 30.0,
        horizon_h: 300.0,
        warmup_h: 30.0,
        replications: 30,
    });
}

/// M/M/c+M overloaded (offered load 110% of capacity): abandonment keeps it stable.
#[test]
fn erlang_a_overloaded() {
    check(&Case {
        name: "erlang-a-overloaded",
        rate_per_h: 396.0,
        aht_s: 300.0,
        agents: 30,
        patience_s: Some(180.0),
        threshold_s: 20.0,
        horizon_h: 100.0,
        warmup_h: 4.0,
        replications: 30,
    });
}

/// A large, lightly loaded M/M/c+M with short patience.
#[test]
fn erlang_a_large_center() {
    check(&Case {
        name: "erlang-a-large",
        rate_per_h: 3000.0,
        aht_s: 240.0,
        agents: 210,
        patience_s: Some(60.0),
        threshold_s: 15.0,
        horizon_h: 24.0,
        warmup_h: 2.0,
        replications: 30,
    });
}
