//! The lean loop (`src/engine/lean.rs`) runs plain single-queue models with
//! cut-down handlers. These stories hold it to its promise: on every model
//! it takes, its results are the general loop's, bit for bit, and it takes
//! no model it would get wrong. (A unit test beside the engine does the
//! same for the examples in `scenarios/`.)

use super::{load_in, temp_dir};
use ccsim::engine::{self, runs_lean};
use ccsim::routing::Plan;
use ccsim::scenario::Scenario;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::fmt::Write;

/// Replication `rep` of `s` through the loop it normally takes, and
/// through the general loop, plain and full (counting system sizes forces
/// the full one); each printed whole, every field of the result.
fn both_loops(s: &Scenario, plan: &Plan, seed: u64, rep: u32) -> (String, String) {
    let usual = format!("{:?}", engine::run_with_plan(s, plan, seed, rep));
    let general = format!("{:?}", engine::run_general(s, plan, seed, rep));
    let (full, _) = engine::run_probed(s, plan, seed, rep, 3600.0, 1);
    assert_eq!(
        general,
        format!("{full:?}"),
        "the plain and full general loops"
    );
    (usual, general)
}

/// A random model of the lean loop's class, or just outside it (a step
/// timeout, a second priority, shifts, a redial, capacity 2, a second
/// queue), with its trace files in `dir`.
fn random_single_queue(rng: &mut Xoshiro256PlusPlus, dir: &std::path::Path, case: u32) -> String {
    let mut t = String::new();
    let warmup = rng.random_range(0..3);
    let horizon = warmup + rng.random_range(1..5);
    let _ = writeln!(
        t,
        "name = \"lean-{case}\"\n[simulation]\nhorizon = \"{horizon}h\"\nwarmup = \"{warmup}h\"\nreplications = 1\nseed = {case}\ninterval = \"{}m\"\ndrain_limit = \"{}h\"\nservice_level_threshold = \"{}s\"",
        [15, 30, 60][rng.random_range(0..3)],
        [0, 1, 48][rng.random_range(0..3)],
        rng.random_range(0..60),
    );
    let _ = writeln!(
        t,
        "[[channels]]\nname = \"voice\"\nhandle_time = {{ dist = {}, mean = \"{}s\" }}",
        ["\"exponential\"", "\"lognormal\", cv = 0.8"][rng.random_range(0..2)],
        rng.random_range(30..400)
    );
    if rng.random_bool(0.4) {
        let _ = writeln!(
            t,
            "wrapup = {{ dist = \"uniform\", min = \"0s\", max = \"{}s\" }}",
            rng.random_range(0..60)
        );
    }
    let _ = writeln!(t, "[[channels]]\nname = \"chat\"");
    let odd = rng.random_range(0..12); // which way, if any, it leaves the class
    for s in 0..rng.random_range(1..=3) {
        let _ = writeln!(t, "[[arrivals]]\nname = \"src{s}\"\nchannel = \"voice\"");
        if rng.random_bool(0.2) {
            let mut csv =
                String::from("arrival_time_s,channel,handle_time_s,patience_s,attributes\n");
            let mut at = 0.0;
            for _ in 0..rng.random_range(1..300) {
                at += rng.random_range(0.0..40.0);
                let patience = rng.random_range(0.0..200.0);
                let _ = writeln!(
                    csv,
                    "{at:.2},voice,{:.1},{patience:.1},\"{{\"\"tier\"\":\"\"gold\"\"}}\"",
                    rng.random_range(1.0..400.0)
                );
            }
            let file = format!("calls{case}-{s}.csv");
            std::fs::write(dir.join(&file), csv).expect("trace written");
            let _ = writeln!(t, "trace = \"{file}\"");
        } else {
            let _ = writeln!(
                t,
                "rate = \"{}/h\"\nattributes = {{ tier = {{ choose = {{ gold = {}, silver = 1 }} }} }}",
                rng.random_range(20..600),
                rng.random_range(0..3)
            );
        }
        if rng.random_bool(0.8) {
            let _ = writeln!(
                t,
                "patience = {{ dist = \"exponential\", mean = \"{}s\" }}",
                rng.random_range(5..400)
            );
        }
        if odd == 0 && s == 0 {
            let _ = writeln!(t, "priority = 5");
        }
        if odd == 1 {
            let _ = writeln!(
                t,
                "redial = {{ probability = 0.5, delay = {{ dist = \"exponential\", mean = \"60s\" }} }}"
            );
        }
    }
    for g in 0..rng.random_range(1..=3) {
        let voice = if odd == 2 { 2 } else { rng.random_range(0..=1) };
        let _ = writeln!(
            t,
            "[[agents]]\ngroup = \"g{g}\"\ncount = {}\nattributes = {{ level = {} }}\ncapacity = {{ voice = {voice}, chat = {} }}",
            rng.random_range(0..30),
            rng.random_range(1..4),
            rng.random_range(0..3)
        );
        if odd == 3 {
            let _ = writeln!(t, "shifts = [{{ start = \"00:00\", end = \"01:30\" }}]");
        }
    }
    let _ = writeln!(
        t,
        "[[queues]]\nname = \"q\"\ntarget_workers = \"{}\"",
        ["1 == 1", "worker.level >= 2"][rng.random_range(0..2)]
    );
    let _ = writeln!(
        t,
        "[[queues]]\nname = \"other\"\ntarget_workers = \"1 == 1\""
    );
    let _ = writeln!(t, "[workflow]\ndefault_filter = {{ queue = \"q\" }}");
    if rng.random_bool(0.3) {
        let _ = writeln!(t, "task_timeout = \"{}s\"", rng.random_range(30..600));
    }
    if rng.random_bool(0.5) {
        let timeout = if odd == 4 { "timeout = 20, " } else { "" };
        let queue = if odd == 5 { "other" } else { "q" };
        let _ = writeln!(
            t,
            "[[workflow.filters]]\nname = \"gold\"\nexpression = 'tier == \"gold\"'\ntargets = [{{ {timeout}queue = \"{queue}\" }}]"
        );
    }
    t
}

#[test]
fn a_single_queue_model_runs_lean_with_the_general_loops_results() {
    let dir = temp_dir("lean-random");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20_261_201);
    let (mut lean, mut general) = (0, 0);
    for case in 0..120 {
        let text = random_single_queue(&mut rng, &dir, case);
        let s = load_in(&dir, &text);
        let plan = Plan::build(&s);
        if runs_lean(&s, &plan) {
            lean += 1;
        } else {
            general += 1;
        }
        for rep in 0..2 {
            let (usual, reference) = both_loops(&s, &plan, case.into(), rep);
            assert_eq!(usual, reference, "case {case}, replication {rep}:\n{text}");
        }
    }
    // Both sides of the class's edge were exercised.
    assert!(
        lean >= 60 && general >= 20,
        "{lean} lean, {general} general"
    );
}

/// Features just outside the class send a model to the general loop, which
/// alone implements them.
#[test]
fn a_model_the_lean_loop_cannot_run_goes_to_the_general_loop() {
    let dir = temp_dir("lean-edges");
    let base = "name = \"edge\"\n[simulation]\nhorizon = \"2h\"\n[[channels]]\nname = \"voice\"\nhandle_time = { dist = \"exponential\", mean = \"200s\" }\n[[arrivals]]\nname = \"calls\"\nchannel = \"voice\"\nrate = \"60/h\"\n[[agents]]\ngroup = \"a\"\ncount = 4\n[[queues]]\nname = \"q\"\ntarget_workers = \"1 == 1\"\n[workflow]\ndefault_filter = { queue = \"q\" }\n";
    let lean = |extra: &str| {
        let s = load_in(&dir, &format!("{base}{extra}"));
        runs_lean(&s, &Plan::build(&s))
    };
    assert!(lean(""), "the plain model runs lean");
    for (what, extra) in [
        (
            "a step timeout",
            "[[workflow.filters]]\nexpression = \"1 == 1\"\ntargets = [{ queue = \"q\", timeout = 30 }]\n",
        ),
        (
            "a call back",
            "callback = { after = \"60s\", probability = 0.5, queue = \"q\" }\n",
        ),
        ("costs", "[costs]\n"),
    ] {
        assert!(!lean(extra), "{what} needs the general loop");
    }
}
