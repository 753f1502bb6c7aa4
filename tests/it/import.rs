//! `ccsim import workspace`: the example snapshot in
//! `scenarios/workspace-example/` becomes a scenario that validates and
//! runs, with the groups, counts and queues the snapshot holds; broken
//! snapshots fail with the file, the place and a fix, never a panic.

use super::{ccsim, ccsim_ok, scenario, simulated_history, stderr_no_panic, temp_dir};
use std::path::Path;

fn import(dir: &Path, out: &Path) -> String {
    let stdout = ccsim_ok(
        &[
            "import",
            "workspace",
            dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    String::from_utf8(stdout).unwrap()
}

/// Acceptance (issue 15, part 1): the example imports, validates and runs.
#[test]
fn the_example_snapshot_imports_validates_and_runs() {
    let dir = temp_dir("import-example");
    let out = dir.join("acme.toml");
    let stdout = import(&scenario("workspace-example"), &out);
    assert!(stdout.contains("The scenario validates."), "{stdout}");

    let s = ccsim::scenario::load(&out)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    assert_eq!(s.name, "acme-support");
    // Nine workers: five groups by attributes, activity and capacities.
    // Grace and Hana have the same attributes in another key order; Erin
    // (Offline) and Ivan (Break) share the support attributes but not the
    // activity, so they are groups of their own, not staffed.
    let groups: Vec<(&str, u32)> = s
        .groups
        .iter()
        .map(|g| (g.name.as_str(), g.count))
        .collect();
    assert_eq!(
        groups,
        [
            ("support-en-level2", 3),
            ("support-sales-en-es-level3", 2),
            ("support-en-level2-offline", 0),
            ("sales-en-level1", 2),
            ("support-en-level2-break", 0),
        ]
    );
    let channels: Vec<&str> = s.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(channels, ["voice", "chat", "sms"]);
    // Capacities per channel (voice, chat, sms): the sales agents' chat and
    // SMS channels and the bilingual agents' SMS channel are switched off.
    let caps: Vec<&[u16]> = s.groups.iter().map(|g| g.capacity.as_slice()).collect();
    assert_eq!(
        caps,
        [
            &[1, 2, 2][..],
            &[1, 3, 0],
            &[1, 2, 2],
            &[1, 0, 0],
            &[1, 2, 2]
        ]
    );
    let queues: Vec<(&str, bool)> = s.queues.iter().map(|q| (q.name.as_str(), q.lifo)).collect();
    assert_eq!(
        queues,
        [
            ("support-english", false),
            ("support-spanish", false),
            ("sales", false),
            ("escalations", true),
        ]
    );
    let activities: Vec<(&str, Option<&str>)> = s
        .activities
        .iter()
        .map(|a| (a.name.as_str(), a.sid.as_deref()))
        .filter(|(_, sid)| sid.is_some())
        .collect();
    assert_eq!(activities.len(), 3, "{activities:?}");
    // One placeholder source per workflow filter.
    let sources: Vec<&str> = s.sources.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(
        sources,
        [
            "spanish-support",
            "sales",
            "support-chat",
            "text-messages",
            "support"
        ]
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert_eq!(text.matches("# PLACEHOLDER").count(), 1 + 3 + 5 + 5);
    assert!(text.contains("#   erin_walsh (WKe2a399810d2761bb0f1aff0c7ce236d6)"));
    assert!(text.contains("# Task queue Sales (WQ11ff9f68afb6b8b5b8eda218d7c83a65)."));
    assert!(text.contains("WQ11ff9f68afb6b8b5b8eda218d7c83a65 = \"sales\""));
    let workflow = std::fs::read_to_string(dir.join("acme.workflow.json")).unwrap();
    assert!(workflow.contains("\"filter_friendly_name\": \"Spanish support\""));

    // Lint-clean as written.
    let lint = ccsim(&["lint", "--deny", "warnings", out.to_str().unwrap()], &[]);
    let err = stderr_no_panic(&lint);
    assert!(lint.status.success(), "{err}");

    // And it runs: every filter's tasks reach their queues and are answered.
    let json = ccsim_ok(
        &[
            "run",
            out.to_str().unwrap(),
            "--json",
            "--replications",
            "3",
            "--out",
            dir.join("report").to_str().unwrap(),
        ],
        &[],
    );
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    for q in ["support-english", "support-spanish", "sales"] {
        let answered = v["queues"][q]["answered"]["mean"].as_f64().unwrap();
        assert!(answered > 10.0, "{q}: {answered}");
    }
    for step in [
        "Spanish support #1",
        "Sales #1",
        "Support chat #1",
        "Text messages #1",
        "Support #1",
    ] {
        let entered = v["steps"][step]["entered"]["mean"].as_f64().unwrap();
        assert!(entered > 10.0, "{step}: {entered}");
    }
}

/// A copy of the example snapshot to break.
fn copy_example(tag: &str) -> std::path::PathBuf {
    let dir = temp_dir(tag).join("snap");
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(scenario("workspace-example")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    dir
}

fn fails(dir: &Path, expected: &[&str]) {
    let out = dir.parent().unwrap().join("out.toml");
    let r = ccsim(
        &[
            "import",
            "workspace",
            dir.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    let err = stderr_no_panic(&r);
    assert_eq!(r.status.code(), Some(1), "{err}");
    for e in expected {
        assert!(err.contains(e), "expected `{e}` in:\n{err}");
    }
    assert!(!out.exists(), "nothing is written for a bad snapshot");
}

#[test]
fn bad_snapshots_name_the_file_the_place_and_a_fix() {
    // Invalid JSON: file, line and column.
    let dir = copy_example("import-bad-json");
    let text = std::fs::read_to_string(dir.join("task_queues.json")).unwrap();
    std::fs::write(
        dir.join("task_queues.json"),
        text.replacen("\"sid\":", "\"sid\"", 1),
    )
    .unwrap();
    let line = text.lines().position(|l| l.contains("\"sid\":")).unwrap() + 1;
    fails(
        &dir,
        &[
            &format!("task_queues.json:{line}:"),
            "error: invalid JSON: expected `:`",
            "fix: the file must hold a page as the API returns it",
        ],
    );

    // A field of the wrong type: the entry and its SID.
    let dir = copy_example("import-bad-field");
    let text = std::fs::read_to_string(dir.join("worker_channels.json")).unwrap();
    std::fs::write(
        dir.join("worker_channels.json"),
        text.replacen(
            "\"configured_capacity\": 1",
            "\"configured_capacity\": \"one\"",
            1,
        ),
    )
    .unwrap();
    fails(
        &dir,
        &[
            "worker_channels.json:1:1: error: entry 1 (sid WC",
            "`configured_capacity` must be an integer, found a string \"one\"",
            "fix: give `configured_capacity` as a JSON integer",
        ],
    );

    // A required list missing.
    let dir = copy_example("import-no-queues");
    std::fs::remove_file(dir.join("task_queues.json")).unwrap();
    fails(
        &dir,
        &[
            "error: the snapshot has no task queues list: expected task_queues.json or taskqueues.json or task-queues.json",
            "fix: save the API's task queues list (every page) as task_queues.json in this folder",
        ],
    );

    // Not a folder.
    fails(
        &scenario("quickstart.toml"),
        &["quickstart.toml: error: not a folder"],
    );
}

#[test]
fn an_existing_scenario_is_replaced_only_with_force() {
    let dir = temp_dir("import-force");
    let out = dir.join("s.toml");
    std::fs::write(&out, "# mine\n").unwrap();
    let example = scenario("workspace-example");
    let args = vec![
        "import",
        "workspace",
        example.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let r = ccsim(&args, &[]);
    let err = stderr_no_panic(&r);
    assert_eq!(r.status.code(), Some(1));
    assert!(
        err.contains("s.toml already exists; give --force to replace it"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "# mine\n");
    let mut forced = args.clone();
    forced.push("--force");
    ccsim_ok(&forced, &[]);
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .starts_with("# Imported by")
    );
    assert!(dir.join("s.workflow.json").exists());
}

/// Issue 15, part 2 (patience): the Erlang A example's customers have an
/// exponential patience of mean 5 min (here with 11 agents instead of 14). From replication 0's event history
/// alone, the censored fit recovers it; the mean wait of those who hung up
/// is far shorter, because the impatient are the only ones seen.
#[test]
fn patience_is_recovered_from_a_simulated_history() {
    use ccsim::import::{events, patience};
    let dir = temp_dir("import-patience");
    // 11 agents for 10 erlangs: many wait, enough hang up to see patience.
    let trail = simulated_history(
        &dir,
        &scenario("mmc-erlang-a.toml"),
        &["agents.agents.count=11"],
    );
    let log = events::read_events(std::slice::from_ref(&trail)).unwrap();
    assert_eq!(log.clock, events::Clock::Simulation);
    assert!(
        log.problems.is_empty(),
        "{:?}",
        &log.problems[..3.min(log.problems.len())]
    );
    assert_eq!(log.out_of_order, 0);
    let (tasks, untimed) = events::task_waits(&log);
    assert_eq!(untimed, 0);
    let created = log.by_type["task.created"];
    assert_eq!(tasks.len(), created);
    let waits: Vec<patience::Wait> = tasks.iter().map(|t| t.wait).collect();
    let fit = patience::exponential(&waits).unwrap();
    let abandoned: Vec<f64> = waits
        .iter()
        .filter(|w| w.abandoned)
        .map(|w| w.seconds)
        .collect();
    let naive = abandoned.iter().sum::<f64>() / abandoned.len() as f64;
    eprintln!(
        "{} tasks, {} abandoned; fitted mean {:.1} s (95% CI {:.1}–{:.1}), distance {:.3}; naive {naive:.1} s",
        tasks.len(),
        fit.abandoned,
        fit.mean,
        fit.ci95.0,
        fit.ci95.1,
        fit.distance
    );
    assert!(fit.ci95.0 < 300.0 && 300.0 < fit.ci95.1, "{fit:?}");
    assert!(naive < 150.0, "naive {naive}");
    assert!(fit.abandoned > 500, "{}", fit.abandoned);
    // The Kaplan–Meier curve agrees with the fitted exponential.
    let km = patience::KaplanMeier::fit(&waits).unwrap();
    for t in [60.0, 120.0, 240.0] {
        let s = km.survival(t);
        assert!((s - (-t / 300.0f64).exp()).abs() < 0.05, "S({t}) = {s}");
    }
}

/// The example event history (`scenarios/events-example.jsonl`, Event
/// Streams CloudEvents of the example workspace, 09:00–09:10): every event
/// read and counted, each task's wait, and its patience worked by hand.
#[test]
fn the_example_event_history_reads_with_its_waits_and_patience() {
    use ccsim::import::{events, patience};
    let log = events::read_events(&[scenario("events-example.jsonl")]).unwrap();
    assert_eq!(log.clock, events::Clock::Unix);
    assert!(log.problems.is_empty(), "{:?}", log.problems);
    assert_eq!(log.out_of_order, 0);
    let counts: Vec<(&str, usize)> = log.by_type.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        counts,
        [
            ("reservation.accepted", 4),
            ("reservation.created", 4),
            ("task-queue.entered", 8),
            ("task.canceled", 3),
            ("task.completed", 3),
            ("task.created", 8),
            ("task.wrapup", 1),
            ("worker.activity.update", 1),
        ]
    );
    assert_eq!(log.other_types["workflow.entered"], 8);

    let (tasks, untimed) = events::task_waits(&log);
    assert_eq!(untimed, 0);
    let sales = "WQ11ff9f68afb6b8b5b8eda218d7c83a65";
    let got: Vec<(f64, bool, bool, Option<&str>)> = tasks
        .iter()
        .map(|t| {
            (
                t.wait.seconds,
                t.wait.abandoned,
                t.open,
                t.channel.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (12.0, false, false, Some("voice")),
            (45.0, true, false, Some("voice")),
            (30.0, false, false, Some("chat")),
            (60.0, true, false, Some("voice")),
            (5.0, false, false, Some("sms")),
            (90.0, false, false, Some("voice")),
            (20.0, true, false, Some("voice")),
            // Still waiting when the history ends at 09:10:00.
            (180.0, false, true, Some("voice")),
        ]
    );
    assert_eq!(tasks[1].queue.as_deref(), Some(sales));

    let waits: Vec<patience::Wait> = tasks.iter().map(|t| t.wait).collect();
    // 442 s waited in all, 3 hang-ups.
    let fit = patience::exponential(&waits).unwrap();
    assert!((fit.mean - 442.0 / 3.0).abs() < 1e-9, "{fit:?}");
    // Kaplan–Meier: 6 at risk at 20 s, 4 at 45 s, 3 at 60 s.
    let km = patience::KaplanMeier::fit(&waits).unwrap();
    let steps: Vec<(f64, usize)> = km.steps.iter().map(|s| (s.t, s.at_risk)).collect();
    assert_eq!(steps, [(20.0, 6), (45.0, 4), (60.0, 3)]);
    assert!((km.survival(59.0) - 5.0 / 6.0 * 3.0 / 4.0).abs() < 1e-12);
    assert_eq!(km.quantile(0.5), Some(60.0));
}

/// Issue 15, part 2 (handle and wrap-up times): the worked example's voice
/// talk is lognormal (mean 5 min, cv 0.6) with a 30 s wrap-up, its chats
/// gamma (mean 8 min, cv 0.8). From replication 0's event history alone,
/// the likelihood comparison picks each family and recovers its figures.
#[test]
fn handle_times_are_recovered_from_a_simulated_history() {
    use ccsim::import::{durations, events};
    let dir = temp_dir("import-handle");
    let trail = simulated_history(&dir, &scenario("worked-example.toml"), &[]);
    let log = events::read_events(std::slice::from_ref(&trail)).unwrap();
    assert!(
        log.problems.is_empty(),
        "{:?}",
        &log.problems[..3.min(log.problems.len())]
    );
    let (work, _) = events::task_work(&log);
    let of = |channel: &str| -> Vec<&events::TaskWork> {
        work.iter()
            .filter(|w| w.channel.as_deref() == Some(channel))
            .collect()
    };
    let voice = of("voice");
    let talk: Vec<f64> = voice.iter().map(|w| w.talk).collect();
    let c = durations::compare(&talk).unwrap();
    eprintln!("voice talk ({}): {:?}", c.n, c.fits);
    assert_eq!(c.best().family, durations::Family::Lognormal);
    assert!(
        (c.best().mean - 300.0).abs() < 0.05 * 300.0,
        "{:?}",
        c.best()
    );
    assert!((c.best().cv - 0.6).abs() < 0.06, "{:?}", c.best());
    // Every voice wrap-up is the deterministic 30 s.
    assert!(
        voice
            .iter()
            .all(|w| w.wrapup.is_some_and(|x| (x - 30.0).abs() < 1e-6))
    );

    let talk: Vec<f64> = of("chat").iter().map(|w| w.talk).collect();
    let c = durations::compare(&talk).unwrap();
    eprintln!("chat talk ({}): {:?}", c.n, c.fits);
    assert_eq!(c.best().family, durations::Family::Gamma);
    assert!(
        (c.best().mean - 480.0).abs() < 0.08 * 480.0,
        "{:?}",
        c.best()
    );
    assert!((c.best().cv - 0.8).abs() < 0.08, "{:?}", c.best());
}

/// Issue 15, part 2 (reservation behaviour): the Erlang C center (no
/// abandonment, so no offer is canceled while it rings) with agents who ring for an exponential 6 s, reject 10% of offers and leave
/// 5% unanswered (timed out at the default 120 s, which a 6 s ringing time
/// reaches with probability e⁻²⁰: the rates are the true ones). From
/// replication 0's events alone, each rate's interval holds the truth and
/// the accepted offers rang 6 s.
#[test]
fn reservation_behaviour_is_recovered_from_a_simulated_history() {
    use ccsim::import::{events, reservations};
    let dir = temp_dir("import-reservations");
    let trail = simulated_history(
        &dir,
        &scenario("mmc-erlang-c.toml"),
        &[
            "reservations.reject_probability=0.1",
            "reservations.no_answer_probability=0.05",
            r#"reservations.accept_delay={ dist = "exponential", mean = "6s" }"#,
        ],
    );
    let log = events::read_events(std::slice::from_ref(&trail)).unwrap();
    let offers = reservations::offers(&log, &|w: &str| reservations::ccsim_group(w));
    assert_eq!(offers.keys().collect::<Vec<_>>(), ["agents"]);
    let o = &offers["agents"];
    assert_eq!(o.canceled, 0);
    let reject = o.reject().unwrap();
    let no_answer = o.no_answer().unwrap();
    let delay = o.accept_delays.iter().sum::<f64>() / o.accept_delays.len() as f64;
    eprintln!(
        "{} offers: reject {:.4} {:?}, no answer {:.4} {:?}, accept delay {delay:.2} s",
        o.offered, reject.p, reject.ci95, no_answer.p, no_answer.ci95
    );
    assert!(o.offered > 2000, "{}", o.offered);
    assert!(reject.ci95.0 < 0.1 && 0.1 < reject.ci95.1, "{reject:?}");
    assert!(
        no_answer.ci95.0 < 0.05 && 0.05 < no_answer.ci95.1,
        "{no_answer:?}"
    );
    assert!((delay - 6.0).abs() < 0.4, "{delay}");
}

/// Issue 15, part 2 (arrivals): the sinusoidal day's rate runs from 100/h
/// to 300/h, 200 + 100 sin(2πt/24 h). From replication 0's two days of
/// events, the rate of each two-hour interval is within 12% of the true
/// mean over it, and its 95% interval holds the truth for most intervals.
#[test]
fn the_intraday_profile_is_recovered_from_a_simulated_history() {
    use ccsim::import::{arrivals, events};
    let dir = temp_dir("import-arrivals");
    let trail = simulated_history(&dir, &scenario("sinusoidal-day.toml"), &[]);
    let log = events::read_events(std::slice::from_ref(&trail)).unwrap();
    let p = arrivals::profiles(&log, 7200.0, &arrivals::by_channel).unwrap();
    let voice = &p["voice"];
    let w = 2.0 * std::f64::consts::PI / 24.0;
    let mut covered = 0;
    for (i, rate) in voice.rates_per_h.iter().enumerate() {
        let (a, b) = (2.0 * i as f64, 2.0 * i as f64 + 2.0);
        let truth = 200.0 + 100.0 * ((w * a).cos() - (w * b).cos()) / (w * 2.0);
        let rate = rate.unwrap();
        let (lo, hi) = voice.ci95[i].unwrap();
        eprintln!("{a:>4.0}h  {rate:7.1}/h  ({lo:.1}–{hi:.1})  true {truth:.1}/h");
        assert!(
            (rate - truth).abs() < 0.12 * truth,
            "interval {i}: {rate} vs {truth}"
        );
        covered += usize::from(lo <= truth && truth <= hi);
    }
    assert!(covered >= 10, "{covered} of 12 intervals hold the truth");
}
