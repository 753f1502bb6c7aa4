//! Engine throughput, measured side by side so ratios, not remembered
//! figures, are reported (the machines are shared and noisy):
//!
//! - the single-queue Erlang A model (M/M/n+M, ~1 M arrivals) at 28 and at
//!   2 450 agents, alternated with `floor.rs` (the same model hand-written,
//!   checked to reproduce ccsim's counts exactly): contacts/s and the median
//!   time ratio;
//! - the same run of the same model alternated with SimPy (`simpy_erlang_a.py`,
//!   when python3 can import simpy; ~15 s a SimPy run);
//! - the multi-skill router (5 queues, 3 filters with two-step escalation,
//!   200 agents on voice and chat), the cost meters' overhead (alternated
//!   with and without `[costs]`) and the peak memory of 10 M contacts;
//! - with valgrind installed, instructions per contact under callgrind
//!   (long minus short run), ccsim beside the floor, and beside both the
//!   general loop forced on the same model (ccsim runs these single-queue
//!   models on its lean loop). `-- --instructions` prints only these;
//!   `-- --simpy` only the SimPy comparison.
//!
//! Run with `cargo bench --bench engine`. Issue targets (instructions per
//! contact): single queue ≤ 1.5× the floor, 2 450 agents ≤ 1.5× its floor,
//! multi-skill ≤ 2 000; ≥ 100× SimPy. Also tracked: the cost meters'
//! overhead, against the general loop that metered models run on.

mod common;
mod floor;

use common::{alternate, median, peak_rss_kib};

use ccsim::metrics::{GroupKpi, Kpi};
use ccsim::routing::Plan;
use ccsim::scenario::load_str;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

fn scenario(rate_per_h: f64, agents: u32, horizon_h: f64) -> ccsim::scenario::Scenario {
    with_costs(rate_per_h, agents, horizon_h, "")
}

/// A `[costs]` section pricing every voice leg, recordings and labour, so
/// every contact goes through the meters.
const COSTS: &str = r#"
[costs]
card = "none"
[costs.voice]
inbound_per_min = 0.0085
agent_leg_per_min = 0.004
recording_per_min = 0.0025
record = true
[costs.labor]
agents = 22.5
"#;

fn with_costs(
    rate_per_h: f64,
    agents: u32,
    horizon_h: f64,
    costs: &str,
) -> ccsim::scenario::Scenario {
    let text = format!(
        r#"name = "bench"
[simulation]
horizon = "{horizon_h}h"
warmup = "1h"
replications = 1
seed = 1
interval = "{window}h"
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "{rate_per_h}/h"
handle_time = {{ dist = "exponential", mean = "240s" }}
patience = {{ dist = "exponential", mean = "120s" }}
[[agents]]
group = "agents"
count = {agents}
[[queues]]
name = "q"
target_workers = "1==1"
[workflow]
default_filter = {{ queue = "q" }}
{costs}"#,
        window = horizon_h - 1.0
    );
    load_str(Path::new("bench.toml"), &text)
        .expect("bench scenario")
        .scenario
}

/// The multi-skill benchmark of the routing issue: 5 queues, 3 filters with
/// two-step escalation, 200 agents on voice and chat.
fn multi_skill(horizon_h: f64) -> ccsim::scenario::Scenario {
    let text = format!(
        r#"name = "multi-skill"
[simulation]
horizon = "{horizon_h}h"
warmup = "1h"
replications = 1
seed = 3
interval = "{window}h"
[[channels]]
name = "voice"
handle_time = {{ dist = "exponential", mean = "240s" }}
[[channels]]
name = "chat"
handle_time = {{ dist = "exponential", mean = "480s" }}
[[arrivals]]
name = "voice"
channel = "voice"
rate = "1800/h"
attributes = {{ skill = {{ choose = {{ sales = 0.3, support = 0.5, billing = 0.2 }} }}, language = {{ choose = {{ en = 0.8, es = 0.2 }} }} }}
patience = {{ dist = "exponential", mean = "180s" }}
[[arrivals]]
name = "chat"
channel = "chat"
rate = "700/h"
attributes = {{ skill = "support", language = {{ choose = {{ en = 0.9, es = 0.1 }} }} }}
patience = {{ dist = "exponential", mean = "300s" }}
[[agents]]
group = "sales"
count = 40
attributes = {{ skills = ["sales"], languages = ["en"], level = 2 }}
capacity = {{ voice = 1, chat = 2 }}
[[agents]]
group = "support"
count = 80
attributes = {{ skills = ["support"], languages = ["en"], level = 2 }}
capacity = {{ voice = 1, chat = 2 }}
[[agents]]
group = "billing"
count = 30
attributes = {{ skills = ["billing"], languages = ["en"], level = 2 }}
capacity = {{ voice = 1, chat = 2 }}
[[agents]]
group = "bilingual"
count = 30
attributes = {{ skills = ["sales", "support", "billing"], languages = ["en", "es"], level = 4 }}
capacity = {{ voice = 1, chat = 2 }}
[[agents]]
group = "chat"
count = 20
attributes = {{ skills = ["support"], languages = ["en", "es"], level = 1 }}
capacity = {{ chat = 3 }}
[[queues]]
name = "sales"
target_workers = 'skills HAS "sales"'
[[queues]]
name = "support"
target_workers = 'skills HAS "support"'
[[queues]]
name = "billing"
target_workers = 'skills HAS "billing"'
[[queues]]
name = "chat"
target_workers = 'skills HAS "support"'
[[queues]]
name = "overflow"
target_workers = "level >= 2"
[[workflow.filters]]
name = "voice sales"
expression = 'channel == "voice" AND skill == "sales"'
targets = [{{ queue = "sales", timeout = "30s" }}, {{ queue = "overflow", priority = 5 }}]
[[workflow.filters]]
name = "voice service"
expression = 'channel == "voice"'
targets = [{{ queue = "support", timeout = "45s", expression = "task.language IN worker.languages" }}, {{ queue = "overflow", priority = 5 }}]
[[workflow.filters]]
name = "chat"
expression = 'channel == "chat"'
targets = [{{ queue = "chat", timeout = "60s" }}, {{ queue = "support", priority = 1 }}]
[workflow]
default_filter = {{ queue = "overflow" }}
"#,
        window = horizon_h - 1.0
    );
    load_str(Path::new("multi-skill.toml"), &text)
        .expect("bench scenario")
        .scenario
}

fn bench(label: &str, s: &ccsim::scenario::Scenario, runs: u32) {
    let mut rates = Vec::new();
    let mut contacts = 0;
    for r in 0..runs {
        let t = Instant::now();
        let res = black_box(ccsim::engine::run(black_box(s), 1, r));
        let secs = t.elapsed().as_secs_f64();
        contacts = res.contacts;
        rates.push(res.contacts as f64 / secs);
    }
    let m = median(rates.clone());
    let (lo, hi) = (
        rates.iter().copied().fold(f64::INFINITY, f64::min),
        rates.iter().copied().fold(0.0, f64::max),
    );
    println!(
        "{label}: {contacts} contacts/replication, median {:.2} M contacts/s (min {:.2}, max {:.2}, {runs} runs)",
        m / 1e6,
        lo / 1e6,
        hi / 1e6
    );
}

/// Contacts per second of one ccsim replication.
fn ccsim_rate(s: &ccsim::scenario::Scenario, r: u32) -> f64 {
    let t = Instant::now();
    let res = black_box(ccsim::engine::run(black_box(s), 1, r));
    res.contacts as f64 / t.elapsed().as_secs_f64()
}

/// Contacts per second of one replication on ccsim's general loop.
fn general_rate(s: &ccsim::scenario::Scenario, plan: &Plan, r: u32) -> f64 {
    let t = Instant::now();
    let res = black_box(ccsim::engine::run_general(black_box(s), plan, 1, r));
    res.contacts as f64 / t.elapsed().as_secs_f64()
}

/// The single queue without and with `[costs]`, alternately (so both see
/// the same host load): each median and the median of the paired time
/// ratios, first against the model as it runs (the lean loop), then
/// against the general loop, which metered models run on: the meters' own
/// cost.
fn bench_costs(plain: &ccsim::scenario::Scenario, metered: &ccsim::scenario::Scenario, runs: u32) {
    let plan = Plan::build(plain);
    let without = [
        (
            "lean loop",
            &(|r| ccsim_rate(plain, r)) as &dyn Fn(u32) -> f64,
        ),
        ("general loop", &|r| general_rate(plain, &plan, r)),
    ];
    for (loop_name, rate) in without {
        let (without, with, speed) = alternate(runs, rate, |r| ccsim_rate(metered, r));
        println!(
            "erlang-a 28 agents, costs: without ({loop_name}) {:.2} M/s, with {:.2} M/s (medians of {runs}); time ratio with/without, median {:.3}",
            without / 1e6,
            with / 1e6,
            speed
        );
    }
}

/// The models whose instructions per contact are tracked, by name, at a
/// horizon (hours, warm-up included): the three of the speed targets, and
/// the single queue with every leg metered (`costs`).
fn model(name: &str, horizon_h: f64) -> ccsim::scenario::Scenario {
    match name {
        "single" => scenario(360.0, 28, horizon_h),
        "costs" => with_costs(360.0, 28, horizon_h, COSTS),
        "large" => scenario(36_000.0, 2_450, horizon_h),
        "multi" => multi_skill(horizon_h),
        _ => panic!("unknown model {name}"),
    }
}

/// Horizons (hours) of the short and long callgrind runs of a model: the
/// difference is ~100 k contacts, so start-up and reporting cancel out.
fn callgrind_horizons(name: &str) -> (f64, f64) {
    match name {
        "single" | "costs" => (1.0 + 100.0, 1.0 + 100.0 + 278.0),
        "large" => (1.0 + 1.0, 1.0 + 1.0 + 2.78),
        _ => (1.0 + 10.0, 1.0 + 10.0 + 40.0),
    }
}

/// Which program a child run measures.
#[derive(Clone, Copy, PartialEq)]
enum Runner {
    /// ccsim as users run it (the lean loop where it applies).
    Ccsim,
    /// ccsim's general loop, forced.
    General,
    /// The hand-written floor.
    Floor,
}

impl Runner {
    fn flag(self) -> Option<&'static str> {
        match self {
            Runner::Ccsim => None,
            Runner::General => Some("--general"),
            Runner::Floor => Some("--floor"),
        }
    }
}

/// Child mode: one replication of `model` at `horizon` by `runner`,
/// printing its contacts.
fn count_mode(name: &str, horizon_h: f64, runner: Runner) {
    let s = model(name, horizon_h);
    let contacts = match runner {
        Runner::Ccsim => ccsim::engine::run(&s, 1, 0).contacts,
        Runner::General => ccsim::engine::run_general(&s, &Plan::build(&s), 1, 0).contacts,
        Runner::Floor => floor::run(&s, 1, 0).contacts,
    };
    println!("{contacts}");
}

/// Instructions counted by callgrind for one child run, and its contacts.
fn callgrind_run(name: &str, horizon_h: f64, runner: Runner) -> Option<(u64, u64)> {
    let exe = std::env::current_exe().ok()?;
    let out = std::process::Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(exe)
        .args(["--count", name, &horizon_h.to_string()])
        .args(runner.flag())
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let collected = stderr
        .lines()
        .find_map(|l| l.split("Collected : ").nth(1))?
        .trim()
        .parse()
        .ok()?;
    let contacts = String::from_utf8_lossy(&out.stdout).trim().parse().ok()?;
    Some((collected, contacts))
}

/// Instructions per contact of a model: the difference between a long and a
/// short run, divided by the difference in contacts.
fn instructions_per_contact(name: &str, runner: Runner) -> Option<f64> {
    let (h1, h2) = callgrind_horizons(name);
    let (i1, c1) = callgrind_run(name, h1, runner)?;
    let (i2, c2) = callgrind_run(name, h2, runner)?;
    Some((i2 - i1) as f64 / (c2 - c1) as f64)
}

/// The floor must simulate exactly what ccsim does: same contacts, same
/// outcomes, same waits.
fn check_floor(label: &str, s: &ccsim::scenario::Scenario) {
    let c = ccsim::engine::run(s, 1, 0);
    let f = floor::run(s, 1, 0);
    let k = &c.overall;
    let same = c.contacts == f.contacts
        && k[Kpi::Offered] == f.offered as f64
        && k[Kpi::Answered] == f.answered as f64
        && k[Kpi::Abandoned] == f.abandoned as f64
        && k[Kpi::WaitMax] == f.wait_max;
    assert!(
        same,
        "{label}: the floor does not reproduce ccsim: ccsim {} contacts, offered {}, answered {}, abandoned {}, max wait {}; floor {f:?}",
        c.contacts,
        k[Kpi::Offered],
        k[Kpi::Answered],
        k[Kpi::Abandoned],
        k[Kpi::WaitMax]
    );
}

/// ccsim and the floor on the same scenario, alternately (same host load):
/// medians of contacts/s and of the paired time ratio ccsim ÷ floor.
fn bench_vs_floor(label: &str, s: &ccsim::scenario::Scenario, runs: u32) {
    check_floor(label, s);
    let floor_rate = |r| {
        let t = Instant::now();
        let res = black_box(floor::run(black_box(s), 1, r));
        res.contacts as f64 / t.elapsed().as_secs_f64()
    };
    let (c, f, speed) = alternate(runs, |r| ccsim_rate(s, r), floor_rate);
    println!(
        "{label}: ccsim {:.2} M contacts/s, floor {:.2} M/s (medians of {runs}, alternated); time ccsim ÷ floor, median {:.2}",
        c / 1e6,
        f / 1e6,
        1.0 / speed
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--count") {
        let horizon = args[at + 2].parse().expect("horizon in hours");
        let runner = if args.iter().any(|a| a == "--floor") {
            Runner::Floor
        } else if args.iter().any(|a| a == "--general") {
            Runner::General
        } else {
            Runner::Ccsim
        };
        return count_mode(&args[at + 1], horizon, runner);
    }
    if args.iter().any(|a| a == "--simpy") {
        return bench_vs_simpy(5);
    }
    if !args.iter().any(|a| a == "--instructions") {
        timings();
    }
    instructions();
}

/// Instructions per contact under callgrind (repeatable on a noisy host),
/// ccsim beside the floor where the model has one, and the cost meters'
/// share beside the same model without them.
fn instructions() {
    let (mut single, mut single_general) = (f64::NAN, f64::NAN);
    for (name, has_floor) in [("single", true), ("large", true), ("multi", false)] {
        let Some(c) = instructions_per_contact(name, Runner::Ccsim) else {
            println!("instructions per contact: valgrind not available, skipped");
            return;
        };
        if name == "single" {
            single = c;
        }
        match has_floor
            .then(|| instructions_per_contact(name, Runner::Floor))
            .flatten()
        {
            Some(f) => {
                println!(
                    "{name}: {c:.0} instructions per contact, floor {f:.0}: ccsim ÷ floor {:.2} (callgrind)",
                    c / f
                );
                // The lean loop runs this model: the general loop beside it.
                if let Some(g) = instructions_per_contact(name, Runner::General) {
                    if name == "single" {
                        single_general = g;
                    }
                    println!(
                        "{name}, general loop forced: {g:.0} instructions per contact: ÷ floor {:.2} (callgrind)",
                        g / f
                    );
                }
            }
            None => println!("{name}: {c:.0} instructions per contact (callgrind)"),
        }
    }
    if let Some(c) = instructions_per_contact("costs", Runner::Ccsim) {
        println!(
            "costs: {c:.0} instructions per contact, {single:.0} without [costs] (lean loop): ratio {:.2}; {single_general:.0} on the general loop, which metered models run on: ratio {:.2} (callgrind)",
            c / single,
            c / single_general
        );
    }
}

/// What one run of `benches/simpy_erlang_a.py` printed.
struct SimpyRun {
    contacts: u64,
    seconds: f64,
    /// The KPIs by name (none with `--counts-only`).
    kpis: Vec<(String, f64)>,
}

/// One run of the SimPy model over `hours`.
fn simpy_run(hours: f64, counts_only: bool) -> Option<SimpyRun> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/simpy_erlang_a.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(hours.to_string())
        .args(counts_only.then_some("--counts-only"))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let f: Vec<&str> = text.split_whitespace().collect();
    let kpis = f
        .iter()
        .skip(4)
        .filter_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            Some((k.to_string(), v.parse().ok()?))
        })
        .collect();
    Some(SimpyRun {
        contacts: f.first()?.parse().ok()?,
        seconds: f.get(3)?.parse().ok()?,
        kpis,
    })
}

/// ccsim beside the same model in SimPy (`benches/simpy_erlang_a.py`), run
/// alternately over the same run as the first benchmark (2 800 simulated
/// hours, ~1 M contacts; SimPy takes ~15 s a run): contacts/s each and the
/// median of the paired speed ratios. A short run would mostly time
/// ccsim's start-up and end-of-run tables, not its speed.
///
/// The SimPy model measures what ccsim's run measures (its KPIs are
/// printed beside ccsim's, to show it is the same model: they differ only
/// by the random numbers); its `--counts-only` variant, which measures
/// nothing, is timed too, as a bound. Skipped when SimPy is not installed.
fn bench_vs_simpy(runs: u32) {
    let importable = std::process::Command::new("python3")
        .args(["-c", "import simpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !importable {
        println!("SimPy comparison: python3 with simpy not available, skipped");
        return;
    }
    let hours = 2801.0;
    let s = scenario(360.0, 28, hours);
    let k = ccsim::engine::run(&s, 1, 0);
    let g = &k.groups[0];
    if let Some(theirs) = simpy_run(hours, false) {
        let ours = [
            ("service_level", k.overall[Kpi::ServiceLevel]),
            ("abandon_rate", k.overall[Kpi::AbandonRate]),
            ("asa_s", k.overall[Kpi::Asa]),
            ("wait_p90_s", k.overall[Kpi::WaitP90]),
            ("aht_s", k.overall[Kpi::Aht]),
            ("occupancy", g[GroupKpi::Occupancy]),
        ];
        let side_by_side: Vec<String> = ours
            .iter()
            .map(|(name, v)| {
                let theirs = theirs
                    .kpis
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or(f64::NAN, |p| p.1);
                format!("{name} {v:.4} / {theirs:.4}")
            })
            .collect();
        println!(
            "SimPy model, same run (ccsim / SimPy): {}",
            side_by_side.join(", ")
        );
    }
    for (counts_only, what, n) in [(false, "same measures", runs), (true, "counts only", 3)] {
        let simpy_rate = |_| {
            simpy_run(hours, counts_only).map_or(f64::NAN, |run| run.contacts as f64 / run.seconds)
        };
        let (c, p, speed) = alternate(n, |r| ccsim_rate(&s, r), simpy_rate);
        println!(
            "erlang-a 28 agents vs SimPy ({what}): ccsim {:.2} M contacts/s, SimPy {:.3} M/s (medians of {n}, alternated); ccsim ÷ SimPy speed, median {:.0}",
            c / 1e6,
            p / 1e6,
            speed
        );
    }
}

fn timings() {
    // 28 agents at 360/h (the quickstart center), ~1.0 M arrivals.
    bench_vs_floor("erlang-a 28 agents   ", &scenario(360.0, 28, 2801.0), 7);
    // A large center: 2 450 agents at 36 000/h, ~1.0 M arrivals (bigger heaps).
    bench_vs_floor("erlang-a 2450 agents ", &scenario(36_000.0, 2_450, 29.0), 5);
    // The routing benchmark: 2 500 contacts/h, ~1.0 M arrivals. Target ≥ 1 M/s.
    bench_vs_simpy(5);
    bench("multi-skill router   ", &multi_skill(401.0), 5);
    // The cost meters on the single queue: must cost under 10%.
    bench_costs(
        &scenario(360.0, 28, 2801.0),
        &with_costs(360.0, 28, 2801.0, COSTS),
        9,
    );
    let before = peak_rss_kib();
    let s = scenario(360.0, 28, 27_779.0);
    let t = Instant::now();
    let res = ccsim::engine::run(&s, 1, 0);
    println!(
        "10 M run: {} contacts in {:.2} s; peak RSS {} KiB before, {} KiB after",
        res.contacts,
        t.elapsed().as_secs_f64(),
        before.map_or("?".into(), |k| k.to_string()),
        peak_rss_kib().map_or("?".into(), |k| k.to_string())
    );
}
