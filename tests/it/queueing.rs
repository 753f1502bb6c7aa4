//! Queueing results beyond Erlang C/A that the router must reproduce:
//! non-preemptive priorities (Cobham) and multitasking capacity.

use super::assert_within;
use ccsim::erlang::{Model, erlang_c};
use ccsim::metrics::{GroupKpi, Kpi};
use ccsim::replications;
use ccsim::scenario::load_str;
use std::path::Path;

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
    let summary = replications::run(&s, s.sim.seed, s.sim.replications, &|_| {});
    let mu = 1.0 / aht;
    let (l1, l2) = (vip_h / 3600.0, std_h / 3600.0);
    let cmu = f64::from(c) * mu;
    let w0 = erlang_c((l1 + l2) / mu, c).unwrap() / cmu;
    let (s1, s2) = (l1 / cmu, (l1 + l2) / cmu);
    let w_vip = w0 / (1.0 - s1);
    let w_std = w0 / ((1.0 - s1) * (1.0 - s2));
    assert_within(
        "vip mean wait (s)",
        &summary.sources[0].kpis[Kpi::Asa],
        w_vip,
    );
    assert_within(
        "standard mean wait (s)",
        &summary.sources[1].kpis[Kpi::Asa],
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
    assert_within(
        "overall ASA (s)",
        &summary.overall.kpis[Kpi::Asa],
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
    let summary = replications::run(&s, s.sim.seed, s.sim.replications, &|_| {});
    let m = Model {
        rate_per_s: rate_h / 3600.0,
        aht_s: aht,
        agents: 3 * n,
        patience_s: None,
    }
    .measures(30.0)
    .unwrap();
    assert_within(
        "service level",
        &summary.overall.kpis[Kpi::ServiceLevel],
        m.service_level,
    );
    assert_within("ASA (s)", &summary.overall.kpis[Kpi::Asa], m.asa_s);
    assert_within(
        "utilization",
        &summary.groups[0].kpis[GroupKpi::Utilization],
        m.occupancy,
    );
}

/// Call-back offers on the *expected* wait. An M/M/5 queue (mean work
/// 300 s, 54 calls/h, load 0.9) whose callers are offered a call back on
/// arrival when (k + 1) × 300 / 5 ≥ 150 s, i.e. when k ≥ 2 callers already
/// wait; half accept and leave the queue (their call backs are worked by
/// another group, so they do not load it). The number in the main queue is
/// then a birth–death chain with birth rate λ below 5 + 2 in system and
/// λ/2 from there; by PASTA the share of callers taking a call back is
/// ½ · P(N ≥ 7), and the mean wait of answered calls follows from the
/// chain too (Little's law on the queue).
#[test]
fn callback_on_expected_wait_matches_the_birth_death_chain() {
    let (lambda, mu, c, k, p) = (54.0 / 3600.0, 1.0 / 300.0, 5usize, 2usize, 0.5);
    let text = r#"name = "callback-expected"
[simulation]
horizon = "202h"
warmup = "2h"
replications = 30
seed = 11
interval = "200h"
[[channels]]
name = "voice"
handle_time = { dist = "exponential", mean = "300s" }
[[arrivals]]
name = "calls"
channel = "voice"
rate = "54/h"
attributes = { kind = "call" }
[[agents]]
group = "main"
count = 5
attributes = { team = "main" }
[[agents]]
group = "callbacks"
count = 3
attributes = { team = "cb" }
[[queues]]
name = "q"
target_workers = 'team == "main"'
[[queues]]
name = "cb"
target_workers = 'team == "cb"'
[workflow]
default_filter = { queue = "q" }
callback = { on = "expected", after = "150s", probability = 0.5, queue = "cb" }
"#;
    let s = load_str(Path::new("callback-expected.toml"), text)
        .unwrap()
        .scenario;
    // Stationary distribution of the number in system, truncated far out.
    let n_max = 400;
    let mut pi = vec![1.0f64; n_max + 1];
    for n in 1..=n_max {
        let birth = if n - 1 < c + k {
            lambda
        } else {
            lambda * (1.0 - p)
        };
        let death = mu * (n.min(c) as f64);
        pi[n] = pi[n - 1] * birth / death;
    }
    let total: f64 = pi.iter().sum();
    pi.iter_mut().for_each(|x| *x /= total);
    let offered_share: f64 = pi[c + k..].iter().sum();
    let callback_share = p * offered_share;
    // Little: mean number waiting / rate of callers joining the queue for good.
    let waiting: f64 = pi
        .iter()
        .enumerate()
        .map(|(n, x)| n.saturating_sub(c) as f64 * x)
        .sum();
    let joined = lambda * (1.0 - callback_share);
    let wait = waiting / joined;
    let results = replications::run_replications(&s, s.sim.seed, s.sim.replications, &|_| {});
    let summary = ccsim::summary::summarize(&s, s.sim.seed, &results);
    let q = &summary.queues[0];
    let share: Vec<f64> = results
        .iter()
        .map(|r| r.overall[Kpi::Callback] / r.overall[Kpi::Offered])
        .collect();
    assert_within(
        "call-back share",
        &ccsim::stats::Estimate::from_values(share),
        callback_share,
    );
    assert_within("ASA of answered calls", &q.kpis[Kpi::Asa], wait);
    assert!(callback_share > 0.05, "the offer matters: {callback_share}");
}
