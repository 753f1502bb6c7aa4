//! `ccsim check`: `[[expect]]` entries judged on real scenario files, the
//! exit statuses a build reads, and the JUnit XML a CI server reads.

use super::{ccsim, scenario, stderr_no_panic, temp_dir, write_scenario};
use std::path::{Path, PathBuf};
use std::process::Output;

/// The QA scenarios, in name order.
fn qa_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(scenario("qa"))
        .expect("scenarios/qa")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    files
}

/// Runs `ccsim check ARGS`; returns (exit status, stdout, stderr).
fn check(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    let out: Output = ccsim(&all, &[]);
    let err = stderr_no_panic(&out);
    (
        out.status.code().expect("an exit status"),
        String::from_utf8_lossy(&out.stdout).to_string(),
        err,
    )
}

/// The line of `out` judging the expectation labelled `label`, which must
/// begin with `status` (PASS, FAIL, INCONCLUSIVE).
fn judged<'a>(out: &'a str, label: &str, status: &str) -> &'a str {
    let line = out
        .lines()
        .find(|l| l.contains(label))
        .unwrap_or_else(|| panic!("no line for {label:?} in\n{out}"));
    assert!(line.split_whitespace().next() == Some(status), "{line}");
    line
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// (suite name, [(case name, classname, child element names)]) of a JUnit file.
type Suites = Vec<(String, Vec<(String, String, Vec<String>)>)>;

fn junit(file: &Path) -> Suites {
    let text = std::fs::read_to_string(file).expect("junit written");
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    root.children()
        .filter(|n| n.has_tag_name("testsuite"))
        .map(|suite| {
            let cases = suite
                .children()
                .filter(|n| n.has_tag_name("testcase"))
                .map(|c| {
                    (
                        c.attribute("name").unwrap().to_string(),
                        c.attribute("classname").unwrap().to_string(),
                        c.children()
                            .filter(|n| n.is_element())
                            .map(|n| match n.attribute("type") {
                                Some(t) => format!("{}:{t}", n.tag_name().name()),
                                None => n.tag_name().name().to_string(),
                            })
                            .collect(),
                    )
                })
                .collect::<Vec<_>>();
            assert_eq!(
                suite.attribute("tests").unwrap(),
                cases.len().to_string(),
                "tests= counts the cases"
            );
            (suite.attribute("name").unwrap().to_string(), cases)
        })
        .collect()
}

#[test]
fn every_qa_scenario_passes_with_one_suite_per_file() {
    let dir = temp_dir("check-qa");
    let xml = dir.join("nested/junit.xml");
    let files = qa_files();
    assert!(files.len() >= 2, "{files:?}");
    let mut args: Vec<&str> = files.iter().map(|f| path(f)).collect();
    args.extend(["--junit", path(&xml)]);
    let (code, out, err) = check(&args);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        !out.contains("FAIL") && !out.contains("INCONCLUSIVE"),
        "{out}"
    );
    assert!(out.contains("PASS          "), "{out}");
    assert!(
        out.contains("service level at least 70%  measured 0.9"),
        "the name stands for the expectation:\n{out}"
    );
    assert!(
        out.contains("overall.offered == 960 ± 60  measured"),
        "{out}"
    );
    let suites = junit(&xml);
    assert_eq!(suites.len(), files.len());
    for ((name, cases), file) in suites.iter().zip(&files) {
        assert_eq!(name, path(file));
        assert!(!cases.is_empty());
        for (_, _, children) in cases {
            assert_eq!(children, &["system-out"], "{name}: {cases:?}");
        }
    }
    let more = suites
        .iter()
        .find(|(name, _)| name.ends_with("more-replications.toml"))
        .unwrap();
    assert_eq!(
        more.1[0].1, "qa-more-replications",
        "classname: the scenario's name"
    );
    // No temporary file is left beside it.
    let left: Vec<_> = std::fs::read_dir(dir.join("nested")).unwrap().collect();
    assert_eq!(left.len(), 1);
}

#[test]
fn a_failing_expectation_fails_the_build_and_the_junit() {
    let dir = temp_dir("check-fail");
    let xml = dir.join("junit.xml");
    let pass = scenario("qa/mmc-pass.toml");
    // 9 agents for 8 erlangs: the service level collapses.
    let (code, out, err) = check(&[
        path(&pass),
        "--set",
        "agents.support.count=9",
        "--junit",
        path(&xml),
    ]);
    assert_eq!(code, 1, "{out}\n{err}");
    let fail = judged(&out, "service level at least 70%", "FAIL");
    assert!(fail.ends_with("(10 replications)"), "{fail}");
    let suites = junit(&xml);
    let (_, cases) = &suites[0];
    let sl = cases
        .iter()
        .find(|c| c.0 == "service level at least 70%")
        .unwrap();
    assert_eq!(sl.1, "qa-mmc-pass");
    assert_eq!(sl.2, ["failure:fail", "system-out"]);
    let text = std::fs::read_to_string(&xml).unwrap();
    // The service level, ASA and occupancy all fail; the volume does not.
    assert!(text.contains("tests=\"4\" failures=\"3\""), "{text}");
}

#[test]
fn an_inconclusive_expectation_is_decided_by_more_replications_of_the_same_run() {
    let file = scenario("qa/more-replications.toml");
    let (code, out, err) = check(&[path(&file)]);
    assert_eq!(code, 0, "{out}\n{err}");
    let line = out.lines().next().unwrap();
    assert!(line.starts_with("PASS"), "{line}");
    // Library: more than the 3 replications of the file, and exactly the
    // replications a plain run of that many has.
    let s = ccsim::scenario::load(&file).unwrap().scenario;
    assert_eq!(s.sim.replications, 3);
    let c = ccsim::experiment::check::run(&s, s.sim.seed, 3, &|_| {}).unwrap();
    let n = c.replications;
    assert!(n > 3 && n <= 80, "{n}");
    assert!(line.ends_with(&format!("({n} replications)")), "{line}");
    let plain = ccsim::replications::run_replications(&s, s.sim.seed, n, &|_| {});
    let values: Vec<f64> = plain
        .iter()
        .map(|r| r.overall[ccsim::metrics::Kpi::ServiceLevel])
        .collect();
    let est = ccsim::stats::Estimate::from_values(values);
    assert_eq!(c.outcomes[0].judgement.mean, est.mean, "bit-identical");
    assert_eq!(
        c.outcomes[0].judgement.half_width,
        est.half_width(0.95),
        "bit-identical"
    );
}

#[test]
fn inconclusive_ones_exit_2_unless_the_scenario_says_otherwise() {
    let dir = temp_dir("check-inconclusive");
    let xml = dir.join("junit.xml");
    let file = scenario("qa/more-replications.toml");
    let f = path(&file);
    // No more replications allowed: undecided.
    let (code, out, _) = check(&[
        f,
        "--set",
        "check.max_replications=3",
        "--junit",
        path(&xml),
    ]);
    assert_eq!(code, 2, "{out}");
    assert!(out.starts_with("INCONCLUSIVE  "), "{out}");
    assert!(out.contains("(3 replications) — the 95% interval"), "{out}");
    assert_eq!(junit(&xml)[0].1[0].2, ["skipped", "system-out"]);
    // inconclusive = "fail": a failure of its own type.
    let (code, out, _) = check(&[
        f,
        "--set",
        "check.max_replications=3",
        "--set",
        "check.inconclusive=fail",
        "--junit",
        path(&xml),
    ]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        junit(&xml)[0].1[0].2,
        ["failure:inconclusive", "system-out"]
    );
    // inconclusive = "pass": reported, not counted.
    let (code, out, _) = check(&[
        f,
        "--set",
        "check.max_replications=3",
        "--set",
        "check.inconclusive=pass",
        "--junit",
        path(&xml),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("INCONCLUSIVE  "), "{out}");
    assert_eq!(junit(&xml)[0].1[0].2, ["system-out"]);
    // One replication has no interval at all: undefined, with the reason.
    let pass = scenario("qa/mmc-pass.toml");
    let (code, out, _) = check(&[path(&pass), "--replications", "1"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains(
            "± undefined (1 replication) — undefined: one replication gives no confidence interval"
        ),
        "{out}"
    );
}

#[test]
fn a_scenario_without_expectations_is_named_and_not_an_error() {
    let q = scenario("quickstart.toml");
    let pass = scenario("qa/mmc-pass.toml");
    let (code, out, err) = check(&[path(&q), path(&pass)]);
    assert_eq!(code, 0, "{out}\n{err}");
    let first = out.lines().next().unwrap();
    assert!(first.starts_with("NO CHECKS"), "{first}");
    assert!(
        first.contains("quickstart.toml") && first.contains("has no [[expect]] entries"),
        "{first}"
    );
}

const BASE: &str = r#"name = "bad-expect"
[simulation]
horizon = "1h"
replications = 2
[[channels]]
name = "voice"
[[arrivals]]
name = "inbound"
channel = "voice"
rate = "60/h"
handle_time = { dist = "exponential", mean = "240s" }
[[agents]]
group = "team"
count = 3
[[queues]]
name = "billing"
target_workers = "1==1"
[workflow]
default_filter = { queue = "billing" }
"#;

#[test]
fn an_unknown_kpi_path_is_an_error_at_its_position_with_the_nearest_spelling() {
    let dir = temp_dir("check-bad-kpi");
    let file = write_scenario(
        &dir,
        &format!(
            "{BASE}[[expect]]\nkpi = \"queues.billing.servce_level\"\nop = \">=\"\nvalue = 0.8\n\
             [[expect]]\nkpi = \"queues.bililng.asa_s\"\nop = \"<=\"\nvalue = \"20s\"\n\
             [[expect]]\nkpi = \"service_level\"\nop = \">=\"\nvalue = 80\n"
        ),
    );
    let f = path(&file);
    let xml = dir.join("junit.xml");
    let (code, out, err) = check(&[f, "--junit", path(&xml)]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.starts_with("ERROR"), "{out}");
    for want in [
        format!(
            "{f}:21:7: error: `kpi` \"queues.billing.servce_level\": unknown KPI \"servce_level\""
        ),
        "did you mean \"service_level\"?".to_string(),
        format!(
            "{f}:25:7: error: `kpi` \"queues.bililng.asa_s\": unknown queue \"bililng\"; expected one of \"billing\""
        ),
        format!(
            "{f}:31:9: error: service_level is a fraction between 0 and 1; write 0.8 or \"80%\""
        ),
    ] {
        assert!(err.contains(&want), "missing {want} in\n{err}");
    }
    let suites = junit(&xml);
    assert_eq!(suites[0].1[0].0, "load");
    assert_eq!(suites[0].1[0].2, ["error"]);
    // validate reports the same problems.
    let v = ccsim(&["validate", f], &[]);
    assert!(!v.status.success());
    assert!(String::from_utf8_lossy(&v.stderr).contains(":21:7: error: `kpi`"));
    // A file that is not there: an error line too, and exit 1.
    let (code, out, _) = check(&[path(&dir.join("missing.toml"))]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("ERROR"), "{out}");
}

#[test]
fn validate_lists_the_expectations_and_junit_escapes_names() {
    let dir = temp_dir("check-validate");
    let file = write_scenario(
        &dir,
        &format!(
            "{BASE}[[expect]]\nname = \"<SL> & \\\"friends\\\"\"\nkpi = \"queues.billing.offered\"\nop = \">\"\nvalue = 10\nconfidence = 0.9\n\
             [check]\ninconclusive = \"fail\"\n"
        ),
    );
    let f = path(&file);
    let v = ccsim(&["validate", f], &[]);
    let text = String::from_utf8_lossy(&v.stdout);
    assert!(v.status.success(), "{text}");
    assert!(
        text.contains("Expectations (1; ccsim check judges them, inconclusive = \"fail\")"),
        "{text}"
    );
    assert!(
        text.contains("<SL> & \"friends\": queues.billing.offered > 10 (90% confidence)"),
        "{text}"
    );
    let xml = dir.join("junit.xml");
    let (code, out, _) = check(&[f, "--junit", path(&xml)]);
    assert_eq!(code, 0, "{out}");
    let suites = junit(&xml);
    assert_eq!(suites[0].1[0].0, "<SL> & \"friends\"");
    assert_eq!(suites[0].1[0].1, "bad-expect");
}

#[test]
fn expectations_change_nothing_simulated() {
    let file = scenario("qa/mmc-pass.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    let bare = &text[..text.find("[[expect]]").unwrap()];
    let with = ccsim::scenario::load_str(&file, &text).unwrap().scenario;
    let without = ccsim::scenario::load_str(&file, bare).unwrap().scenario;
    assert_eq!(with.expectations.len(), 4);
    assert!(without.expectations.is_empty());
    let a = ccsim::replications::run_replications(&with, 12, 2, &|_| {});
    let b = ccsim::replications::run_replications(&without, 12, 2, &|_| {});
    for (x, y) in a.iter().zip(&b) {
        for k in ccsim::metrics::Kpi::ALL {
            assert_eq!(x.overall[k].to_bits(), y.overall[k].to_bits(), "{k:?}");
        }
    }
}

/// One agent, ten-minute calls, a two-minute TTL: tasks time out.
const TTL: &str = r#"name = "ttl"
[simulation]
horizon = "3h"
replications = 3
seed = 7
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "30/h"
handle_time = { dist = "exponential", mean = "10m" }
[[agents]]
group = "team"
count = 1
[[queues]]
name = "main"
target_workers = "1==1"
[workflow]
task_timeout = "2m"
default_filter = { queue = "main" }
[[expect]]
name = "no task times out"
count = { event = "task.canceled", reason = "ttl", max = 0 }
[[expect]]
count = { event = "task.created", queue = "main", min = 0 }
"#;

#[test]
fn a_count_of_events_fails_naming_the_worst_replication() {
    let dir = temp_dir("check-ttl");
    let xml = dir.join("junit.xml");
    let file = write_scenario(&dir, TTL);
    let (code, out, err) = check(&[path(&file), "--junit", path(&xml)]);
    assert_eq!(code, 1, "{out}\n{err}");
    let fail = judged(&out, "no task times out", "FAIL");
    assert!(fail.contains(" in replication "), "{fail}");
    assert!(
        fail.contains("of 3 replications outside the bounds"),
        "{fail}"
    );
    assert!(fail.ends_with("(3 replications)"), "{fail}");
    // `task.created` carries no queue: none counted, within min = 0.
    judged(
        &out,
        "count task.created (queue main) >= 0 per replication",
        "PASS",
    );
    assert!(out.contains("1 passed, 1 failed, 0 inconclusive"), "{out}");
    let suites = junit(&xml);
    let ttl = suites[0]
        .1
        .iter()
        .find(|c| c.0 == "no task times out")
        .unwrap();
    assert_eq!(ttl.2, ["failure:fail", "system-out"]);
    // The worst replication's count is the one the engine reports.
    let s = ccsim::scenario::load(&file).unwrap().scenario;
    let results = ccsim::replications::run_replications(&s, 7, 3, &|_| {});
    let worst = results
        .iter()
        .map(|r| r.overall[ccsim::metrics::Kpi::CanceledTtl])
        .fold(0.0, f64::max);
    assert!(worst > 0.0);
    assert!(
        fail.contains(&format!("measured {worst} in replication")),
        "{fail}\n{worst}"
    );
}

/// VIP calls routed to their own desk; tier 1 takes the rest.
const VIP: &str = r#"name = "vip"
[simulation]
horizon = "3h"
replications = 3
seed = 5
[[channels]]
name = "voice"
[[arrivals]]
name = "vip"
channel = "voice"
rate = "20/h"
handle_time = { dist = "exponential", mean = "3m" }
attributes = { tier = "vip" }
[[arrivals]]
name = "std"
channel = "voice"
rate = "40/h"
handle_time = { dist = "exponential", mean = "3m" }
attributes = { tier = "std" }
[[agents]]
group = "tier1"
count = 4
attributes = { level = 1 }
[[agents]]
group = "desk"
count = 3
attributes = { level = 2 }
[[queues]]
name = "front"
target_workers = "level == 1"
[[queues]]
name = "vip"
target_workers = "level == 2"
[[workflow.filters]]
name = "vip"
expression = 'tier == "vip"'
targets = [{ queue = "vip" }]
[workflow]
default_filter = { queue = "front" }
[[expect]]
name = "vip never on tier 1"
never = { answered_by = "tier1", where = 'tier == "vip"' }
[[expect]]
max_wait = "2h"
where = 'tier == "vip"'
"#;

#[test]
fn never_passes_with_correct_routing_and_names_the_task_when_broken() {
    let dir = temp_dir("check-vip");
    let file = write_scenario(&dir, VIP);
    let (code, out, err) = check(&[path(&file)]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("PASS          "), "{out}");
    assert!(
        out.contains("vip never on tier 1  measured no such task answered (3 replications)"),
        "{out}"
    );
    let broken = "workflow.filters.vip.targets.0.queue=front";
    let (code, out, err) = check(&[path(&file), "--set", broken]);
    assert_eq!(code, 1, "{out}\n{err}");
    let fail = judged(&out, "vip never on tier 1", "FAIL");
    assert!(
        fail.contains("of replication 0 was answered by tier1-"),
        "{fail}"
    );
    let task: u64 = fail
        .split("measured task ")
        .nth(1)
        .and_then(|x| x.split(' ').next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{fail}"));
    let command = format!("ccsim explain {} --task {task} --set {broken}", path(&file));
    assert!(fail.contains(&format!("see `{command}`")), "{fail}");
    // The command shows that task, answered by tier 1.
    let words: Vec<&str> = command.split(' ').skip(1).collect();
    let shown = ccsim(&words, &[]);
    let story = String::from_utf8_lossy(&shown.stdout).to_string();
    assert!(shown.status.success(), "{story}{}", stderr_no_panic(&shown));
    assert!(
        story.contains(&format!("task {task}")) || story.contains(&format!("Task {task}")),
        "{story}"
    );
    assert!(story.contains("tier1-"), "{story}");
}

#[test]
fn max_wait_passes_and_fails_with_the_worst_task() {
    let dir = temp_dir("check-wait");
    let file = write_scenario(&dir, &VIP.replace("max_wait = \"2h\"", "max_wait = \"0s\""));
    let (code, out, err) = check(&[path(&file), "--set", "agents.desk.count=1"]);
    assert_eq!(code, 1, "{out}\n{err}");
    let fail = judged(&out, "max_wait 0s where tier == \"vip\"", "FAIL");
    assert!(fail.contains("measured longest wait "), "{fail}");
    // The command named shows the task of the replication named, wherever it is.
    let (task, r): (String, String) = {
        let at = fail.split("(task ").nth(1).unwrap();
        let mut w = at.split([' ', ')']);
        let task = w.next().unwrap().to_string();
        (task, w.nth(2).unwrap().to_string())
    };
    let command = fail
        .split("see `")
        .nth(1)
        .unwrap()
        .split('`')
        .next()
        .unwrap();
    let mut want = format!("ccsim explain {} --task {task}", path(&file));
    if r != "0" {
        want.push_str(&format!(" --replication {r}"));
    }
    assert_eq!(
        command,
        format!("{want} --set agents.desk.count=1"),
        "{fail}"
    );
    let words: Vec<&str> = command.split(' ').skip(1).collect();
    let shown = ccsim(&words, &[]);
    let story = String::from_utf8_lossy(&shown.stdout).to_string();
    assert!(shown.status.success(), "{story}{}", stderr_no_panic(&shown));
    assert!(
        story.starts_with(&format!("task {task} of replication {r}, seed 5,")),
        "{story}"
    );
    let file = write_scenario(&dir, VIP);
    let (code, out, err) = check(&[path(&file)]);
    assert_eq!(code, 0, "{out}\n{err}");
    judged(&out, "max_wait 2h where tier == \"vip\"", "PASS");
}

#[test]
fn event_expectations_change_no_kpi() {
    let dir = temp_dir("check-events-kpis");
    let with = write_scenario(&dir, VIP);
    let s = ccsim::scenario::load(&with).unwrap().scenario;
    assert_eq!(s.event_expectations.len(), 2);
    let bare = ccsim::scenario::load_str(&with, &VIP[..VIP.find("[[expect]]").unwrap()])
        .unwrap()
        .scenario;
    assert!(bare.event_expectations.is_empty());
    // A KPI expectation judged with the event expectations (traced runs,
    // events fed to them) and without: the same numbers, bit for bit.
    let kpi = "[[expect]]\nkpi = \"overall.asa_s\"\nop = \"<\"\nvalue = \"1h\"\n";
    let both = ccsim::scenario::load_str(&with, &format!("{VIP}{kpi}"))
        .unwrap()
        .scenario;
    let only = ccsim::scenario::load_str(
        &with,
        &format!("{}{kpi}", &VIP[..VIP.find("[[expect]]").unwrap()]),
    )
    .unwrap()
    .scenario;
    assert_eq!(
        (both.event_expectations.len(), only.event_expectations.len()),
        (2, 0)
    );
    let c = ccsim::experiment::check::run(&both, 5, 3, &|_| {}).unwrap();
    let d = ccsim::experiment::check::run(&only, 5, 3, &|_| {}).unwrap();
    assert!(c.events.iter().all(|e| e.pass));
    let (x, y) = (&c.outcomes[0].judgement, &d.outcomes[0].judgement);
    assert_eq!(x.mean.unwrap().to_bits(), y.mean.unwrap().to_bits());
    assert_eq!(
        x.half_width.unwrap().to_bits(),
        y.half_width.unwrap().to_bits()
    );
    // And each traced replication against a plain run's.
    let a = ccsim::replications::run_replications(&bare, 5, 3, &|_| {});
    let plan = ccsim::routing::Plan::build(&s);
    for (r, y) in a.iter().enumerate() {
        let x = ccsim::engine::run_traced(&s, &plan, 5, r as u32, &mut |_| {});
        for k in ccsim::metrics::Kpi::ALL {
            assert_eq!(x.overall[k].to_bits(), y.overall[k].to_bits(), "{k:?}");
        }
    }
}

#[test]
fn event_expectations_are_checked_at_load_with_positions() {
    let dir = temp_dir("check-events-bad");
    let base = &VIP[..VIP.find("[[expect]]").unwrap()];
    let text = format!(
        "{base}[[expect]]\ncount = {{ event = \"task.cancelled\", max = 0 }}\n\
         [[expect]]\nnever = {{ answered_by = \"tier2\" }}\n\
         [[expect]]\nmax_wait = \"10m\"\nconfidence = 0.9\n\
         [[expect]]\nmax_wait = \"10m\"\nkpi = \"asa_s\"\n\
         [[expect]]\ncount = {{ event = \"task.created\", min = 3, max = 1 }}\n"
    );
    let file = write_scenario(&dir, &text);
    let (code, out, err) = check(&[path(&file)]);
    assert_eq!(code, 1, "{out}\n{err}");
    let n = base.lines().count();
    for want in [
        format!(
            ":{}:19: error: `event` \"task.cancelled\" is no audit-trail event",
            n + 2
        ),
        "did you mean \"task.canceled\"?".to_string(),
        format!(
            ":{}:25: error: `answered_by` \"tier2\" is no agent group",
            n + 4
        ),
        format!(
            ":{}:14: error: `confidence` applies only to a `kpi` expectation",
            n + 7
        ),
        format!(":{}:12: error: one `[[expect]]` entry states one of", n + 9),
        format!(":{}:50: error: `max` (1) is below `min` (3)", n + 12),
    ] {
        assert!(err.contains(&want), "missing {want} in\n{err}");
    }
}

/// The command of a failed event expectation's line, run: its story.
fn run_explain(fail: &str) -> (String, String) {
    let command = fail
        .split("see `")
        .nth(1)
        .and_then(|x| x.split('`').next())
        .unwrap_or_else(|| panic!("no command in {fail}"))
        .to_string();
    // The words as a POSIX shell splits them (single quotes only).
    let (mut words, mut word, mut quoted) = (Vec::new(), String::new(), false);
    for c in command.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => words.push(std::mem::take(&mut word)),
            c => word.push(c),
        }
    }
    words.push(word);
    words.remove(0);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let shown = ccsim(&words, &[]);
    let story = String::from_utf8_lossy(&shown.stdout).to_string();
    assert!(shown.status.success(), "{story}{}", stderr_no_panic(&shown));
    (command, story)
}

/// The task a failed `never`/`always`/`closed_transfers` line names.
fn named_task(fail: &str) -> u64 {
    fail.split("task ")
        .nth(1)
        .and_then(|x| x.split(' ').next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{fail}"))
}

#[test]
fn closed_transfers_pass_on_the_qa_scenario_and_name_the_stray_leg_when_broken() {
    let file = scenario("qa/transfer-closed-queue.toml");
    let (code, out, err) = check(&[path(&file)]);
    assert_eq!(code, 0, "{out}\n{err}");
    let pass = judged(
        &out,
        "transfers into closed tier 2 go to its voicemail",
        "PASS",
    );
    assert!(
        pass.contains("transfers into a closed queue, all on to tier2-voicemail"),
        "{pass}"
    );
    // Without skip_if the evening's legs wait in closed tier 2 overnight.
    let broken = "workflow.filters.escalate.targets.0.skip_if=workers.available < 0";
    let (code, out, err) = check(&[path(&file), "--set", broken]);
    assert_eq!(code, 1, "{out}\n{err}");
    let fail = judged(
        &out,
        "transfers into closed tier 2 go to its voicemail",
        "FAIL",
    );
    assert!(
        fail.contains("of replication 0 entered closed queue tier2 at t = "),
        "{fail}"
    );
    assert!(
        fail.contains("was answered by tier2-") && fail.contains("not in tier2-voicemail"),
        "{fail}"
    );
    let task = named_task(fail);
    let (command, story) = run_explain(fail);
    assert_eq!(
        command,
        format!(
            "ccsim explain {} --task {task} --set '{broken}'",
            path(&file)
        )
    );
    assert!(
        story.starts_with(&format!("task {task} of replication 0")),
        "{story}"
    );
    assert!(story.contains("cold transfer"), "{story}");
    assert!(story.contains("the queue is closed"), "{story}");
}

const CLOSING: &str = r#"name = "closing"
[simulation]
start = "2026-03-02"
timezone = "UTC"
horizon = "1d"
replications = 3
seed = 9
[[hours]]
name = "day"
open = { mon = "08:00-18:00" }
[[channels]]
name = "voice"
[[arrivals]]
name = "calls"
channel = "voice"
rate = "60/h"
handle_time = { dist = "exponential", mean = "3m" }
[[agents]]
group = "team"
count = 6
[[queues]]
name = "q"
target_workers = "1==1"
hours = "day"
[workflow]
default_filter = { queue = "q" }
[[expect]]
name = "closed means closed"
never = { answered_while = "closed" }
"#;

#[test]
fn never_answered_while_closed_catches_an_offer_ringing_across_the_closing() {
    let dir = temp_dir("check-closed");
    let file = write_scenario(&dir, CLOSING);
    let (code, out, err) = check(&[path(&file)]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("closed means closed  measured no such task answered (3 replications)"),
        "{out}"
    );
    // Offers ringing for 90 s: those made just before 18:00 are
    // accepted after it, in a closed queue.
    let ringing = format!(
        "{CLOSING}[reservations]\naccept_delay = {{ dist = \"deterministic\", mean = \"90s\" }}\n"
    );
    let file = write_scenario(&dir, &ringing);
    let (code, out, err) = check(&[path(&file)]);
    assert_eq!(code, 1, "{out}\n{err}");
    let fail = judged(&out, "closed means closed", "FAIL");
    assert!(
        fail.contains("of replication 0 was answered by team-"),
        "{fail}"
    );
    assert!(fail.contains(" while queue q was closed "), "{fail}");
    let at: f64 = fail
        .split("at t = ")
        .nth(1)
        .and_then(|x| x.split(' ').next())
        .and_then(|x| x.parse().ok())
        .unwrap();
    assert!(
        (64_800.0..=64_890.0).contains(&at),
        "18:00 to 18:01:30: {fail}"
    );
    let task = named_task(fail);
    let (command, story) = run_explain(fail);
    assert_eq!(
        command,
        format!("ccsim explain {} --task {task}", path(&file))
    );
    assert!(story.contains("reservation.accepted"), "{story}");
}

#[test]
fn always_answered_by_passes_on_escalation_and_names_the_other_group_when_broken() {
    let file = scenario("qa/escalation-saturated.toml");
    let (code, out, err) = check(&[path(&file)]);
    assert_eq!(code, 0, "{out}\n{err}");
    let pass = judged(
        &out,
        "calls waiting over 30 s are answered by tier 2",
        "PASS",
    );
    assert!(pass.contains("matching answers, all by tier2"), "{pass}");
    // Escalating to tier 1 again: calls waiting over 30 s answered by tier 1.
    let broken = "workflow.filters.calls.targets.1.queue=tier1";
    let (code, out, err) = check(&[path(&file), "--set", broken]);
    assert_eq!(code, 1, "{out}\n{err}");
    let fail = judged(
        &out,
        "calls waiting over 30 s are answered by tier 2",
        "FAIL",
    );
    assert!(
        fail.contains("of replication 0 was answered by tier1-")
            && fail.contains(", not tier2, in queue tier1 at t = "),
        "{fail}"
    );
    let task = named_task(fail);
    let (command, story) = run_explain(fail);
    assert_eq!(
        command,
        format!("ccsim explain {} --task {task} --set {broken}", path(&file))
    );
    assert!(story.contains("tier1-"), "{story}");
}

#[test]
fn new_event_rules_are_checked_at_load_with_positions() {
    let dir = temp_dir("check-events-bad-2");
    let base = &VIP[..VIP.find("[[expect]]").unwrap()];
    let text = format!(
        "{base}[[expect]]\nnever = {{ answered_while = \"open\" }}\n\
         [[expect]]\nnever = {{ where = 'tier == \"vip\"' }}\n\
         [[expect]]\nalways = {{ answered_by = \"tier3\" }}\n\
         [[expect]]\nalways = {{ answered_by = \"desk\", waited_over = \"soon\" }}\n\
         [[expect]]\nclosed_transfers = {{ ends_in = \"voicemial\" }}\n\
         [[expect]]\nalways = {{ answered_by = \"desk\" }}\nwhere = 'tier == \"vip\"'\n"
    );
    let file = write_scenario(&dir, &text);
    let (code, out, err) = check(&[path(&file)]);
    assert_eq!(code, 1, "{out}\n{err}");
    let n = base.lines().count();
    for want in [
        format!(
            ":{}:28: error: `answered_while` \"open\" is no state it can check; expected \"closed\"",
            n + 2
        ),
        format!(
            ":{}:9: error: `never` needs `answered_by` (an agent group), `answered_while = \"closed\"` or both",
            n + 4
        ),
        format!(
            ":{}:26: error: `answered_by` \"tier3\" is no agent group",
            n + 6
        ),
        format!(":{}:48: error: `waited_over`: ", n + 8),
        format!(":{}:32: error: `ends_in` \"voicemial\" is no queue", n + 10),
        format!(
            ":{}:9: error: `where` applies only to `max_wait` (write it inside: always = ",
            n + 13
        ),
    ] {
        assert!(err.contains(&want), "missing {want} in\n{err}");
    }
}

#[test]
fn every_qa_scenario_says_what_it_reproduces_and_expects_something() {
    for file in qa_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("# QA: "),
            "{}: starts with a `# QA: ` paragraph",
            file.display()
        );
        assert!(text.contains("[[expect]]"), "{}", file.display());
        let out = ccsim(&["lint", "--deny", "warnings", path(&file)], &[]);
        assert!(
            out.status.success(),
            "{}: {}",
            file.display(),
            stderr_no_panic(&out)
        );
    }
}

#[test]
fn count_by_kind_of_task_tells_follow_ups_from_contacts() {
    let dir = temp_dir("check-task-kind");
    let text = std::fs::read_to_string(scenario("qa/transfer-closed-queue.toml")).unwrap();
    let text = format!(
        "{text}\n[[expect]]\nname = \"legs answered\"\ncount = {{ event = \"reservation.accepted\", task = \"transfer\", max = 0 }}\n\
         [[expect]]\nname = \"no contact is a leg\"\ncount = {{ event = \"task-queue.moved\", task = \"contact\", max = 0 }}\n"
    );
    let file = write_scenario(&dir, &text);
    let (code, out, err) = check(&[path(&file)]);
    assert_eq!(code, 1, "{out}\n{err}");
    let legs = out.lines().find(|l| l.contains("legs answered")).unwrap();
    assert!(legs.starts_with("FAIL          "), "{legs}");
    assert!(
        legs.contains("(the worst; 10 of 10 replications outside"),
        "{legs}"
    );
    // Transfers move legs, never the contacts themselves.
    judged(&out, "no contact is a leg", "PASS");
    let bad = format!(
        "{text}[[expect]]\ncount = {{ event = \"task.created\", task = \"call back\", min = 1 }}\n"
    );
    let file = write_scenario(&dir, &bad);
    let (code, out, err) = check(&[path(&file)]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains("error: `task` \"call back\" is no kind of task of the scenario; expected one of \"contact\", \"voicemail\", \"callback\", \"transfer\"; did you mean \"callback\"?"),
        "{err}"
    );
}
