//! Queueing results beyond Erlang C/A that the router must reproduce:
//! non-preemptive priorities (Cobham) and multitasking capacity.

use ccsim::erlang::{Model, erlang_c};
use ccsim::scenario::load_str;
use ccsim::sweep;
use std::path::Path;

fn within(label: &str, est: &ccsim::stats::Estimate, reference: f64) {
    let mean = est.mean.expect("defined");
    let hw = est.half_width(0.999).expect("several replications");
    eprintln!("{label:<28} sim {mean:.5} ± {hw:.5} (99.9%)  theory {reference:.5}");
    assert!(
        (mean - reference).abs() <= hw,
        "{label}: {mean} ± {hw} does not contain {reference}"
    );
}

/// Two classes share one M/M/c queue; VIP tasks (priority 10) are always
/// served before standard ones, without preempting calls in progress. Cobham:
/// W_k = W0 / ((1 − σ_{k−1})(1 − σ_k)), W0 = C(c, a) / (cμ), σ_k the load of
/// classes 1..k per server.
#[test]
fn priority_classes_match_cobham() {
    let (vip_h, std_h, aht, c) = (60.0, 240.0, 240.0, 22u32);
    let text = format!(
        r#"name = "cobham"
[simulation]
horizon = "204h"
warmup = "4h"
replications = 30
seed = 77
interval = "200h"
[[channels]]
name = "voice"
handle_time = {{ dist = "exponential", mean = "{aht}s" }}
[[arrivals]]
name = "vip"
channel = "voice"
rate = "{vip_h}/h"
attributes = {{ tier = "vip" }}
[[arrivals]]
name = "standard"
channel = "voice"
rate = "{std_h}/h"
attributes = {{ tier = "standard" }}
[[agents]]
group = "agents"
count = {c}
[[queues]]
name = "q"
target_workers = "1==1"
[[workflow.filters]]
expression = 'tier == "vip"'
targets = [{{ queue = "q", priority = 10 }}]
[workflow]
default_filter = {{ queue = "q" }}
"#
    );
    let s = load_str(Path::new("cobham.toml"), &text).unwrap().scenario;
    let summary = sweep::run(&s, s.sim.seed, s.sim.replications, &|_| {});
    let mu = 1.0 / aht;
    let (l1, l2) = (vip_h / 3600.0, std_h / 3600.0);
    let cmu = f64::from(c) * mu;
    let w0 = erlang_c((l1 + l2) / mu, c).unwrap() / cmu;
    let (s1, s2) = (l1 / cmu, (l1 + l2) / cmu);
    let w_vip = w0 / (1.0 - s1);
    let w_std = w0 / ((1.0 - s1) * (1.0 - s2));
    within(
        "vip mean wait (s)",
        summary.sources[0].get("asa_s").unwrap(),
        w_vip,
    );
    within(
        "standard mean wait (s)",
        summary.sources[1].get("asa_s").unwrap(),
        w_std,
    );
    // The classes together are still Erlang C.
    let all = Model {
        rate_per_s: l1 + l2,
        aht_s: aht,
        agents: c,
        patience_s: None,
    }
    .measures(20.0)
    .unwrap();
    within(
        "overall ASA (s)",
        summary.overall.get("asa_s").unwrap(),
        all.asa_s,
    );
}

/// Chat capacity 3 with no slowdown: every slot is an independent server, so
/// n agents behave as Erlang C with 3n servers.
#[test]
fn chat_capacity_three_is_erlang_c_with_3n_servers() {
    let (rate_h, aht, n) = (330.0, 600.0, 20u32);
    let text = format!(
        r#"name = "chat3"
[simulation]
horizon = "104h"
warmup = "4h"
replications = 30
seed = 5
interval = "100h"
service_level_threshold = "30s"
[[channels]]
name = "chat"
[[arrivals]]
name = "chats"
channel = "chat"
rate = "{rate_h}/h"
handle_time = {{ dist = "exponential", mean = "{aht}s" }}
[[agents]]
group = "agents"
count = {n}
capacity = {{ chat = 3 }}
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = {{ queue = "q" }}
"#
    );
    let s = load_str(Path::new("chat3.toml"), &text).unwrap().scenario;
    let summary = sweep::run(&s, s.sim.seed, s.sim.replications, &|_| {});
    let m = Model {
        rate_per_s: rate_h / 3600.0,
        aht_s: aht,
        agents: 3 * n,
        patience_s: None,
    }
    .measures(30.0)
    .unwrap();
    within(
        "service level",
        summary.overall.get("service_level").unwrap(),
        m.service_level,
    );
    within("ASA (s)", summary.overall.get("asa_s").unwrap(), m.asa_s);
    within(
        "utilization",
        summary.groups[0].get("utilization").unwrap(),
        m.occupancy,
    );
}
