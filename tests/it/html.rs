//! `--html`: report.html read back by an HTML5 parser as a browser would
//! (scraper, on html5ever), checked for what a person sees (the scenario,
//! every chart with its title and axes, the tables) and for what would
//! break it off-line (a script, anything fetched, a link to nowhere); and
//! the rest of the run unchanged by the flag.

use crate::{ccsim, scenario, temp_dir};
use scraper::{ElementRef, Html, Selector};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e:?}"))
}

/// Runs ccsim with `args`, asserting success; returns stdout.
fn ok(args: &[&str]) -> Vec<u8> {
    let o = ccsim(args, &[]);
    assert!(
        o.status.success(),
        "ccsim {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

/// The text of an element, whitespace collapsed.
fn text(e: ElementRef<'_>) -> String {
    e.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses `dir/report.html` and checks what every page must be: HTML5
/// without parse errors, one `<h1>` and a `<title>` naming `name`, no
/// script or event handler, nothing fetched from anywhere, no NaN, every
/// in-page reference resolving, every chart an inline `<svg>` with a title.
fn page(dir: &Path, name: &str) -> Html {
    let raw = std::fs::read_to_string(dir.join("report.html")).expect("report.html");
    let doc = Html::parse_document(&raw);
    assert!(doc.errors.is_empty(), "parse errors: {:?}", doc.errors);
    assert!(raw.starts_with("<!DOCTYPE html>"));
    assert!(!raw.contains("NaN"), "NaN in report.html");
    let title = text(doc.select(&sel("head > title")).next().expect("<title>"));
    assert!(title.contains(name), "title {title:?}");
    let h1: Vec<String> = doc.select(&sel("h1")).map(text).collect();
    assert_eq!(h1.len(), 1, "{h1:?}");
    assert!(h1[0].contains(name), "h1 {h1:?}");
    for tag in [
        "script", "link", "iframe", "object", "embed", "base", "img[src]",
    ] {
        assert!(
            doc.select(&sel(tag)).next().is_none(),
            "<{tag}> in the page"
        );
    }
    let ids: HashSet<String> = doc
        .select(&sel("[id]"))
        .filter_map(|e| e.value().id().map(str::to_string))
        .collect();
    for e in doc.select(&sel("*")) {
        for (attr, value) in e.value().attrs() {
            assert!(!attr.starts_with("on"), "event handler {attr}={value}");
            let v = value.trim().to_ascii_lowercase();
            assert!(
                !v.contains("http:") && !v.contains("https:") && !v.starts_with("//"),
                "<{} {attr}={value:?}> names a URL",
                e.value().name()
            );
            if matches!(attr, "href" | "src" | "xlink:href") {
                let target = value
                    .strip_prefix('#')
                    .unwrap_or_else(|| panic!("{attr}={value:?} points outside the page"));
                assert!(ids.contains(target), "{attr}={value:?} resolves to no id");
            }
            assert!(!v.contains("url("), "url() in {attr}");
        }
    }
    for style in doc.select(&sel("style")) {
        let css = text(style).to_ascii_lowercase();
        for banned in ["url(", "@import", "@font-face", "http"] {
            assert!(!css.contains(banned), "{banned} in the style sheet");
        }
    }
    // Each <use> must point at an element of the page (none is needed today).
    for u in doc.select(&sel("use")) {
        assert!(u.value().attr("href").is_some_and(|h| h.starts_with('#')));
    }
    for fig in doc.select(&sel("figure.chart")) {
        let svg = fig
            .select(&sel("svg"))
            .next()
            .expect("an <svg> in each chart");
        assert!(svg.value().attr("viewBox").is_some());
        let t = svg
            .select(&sel("title"))
            .next()
            .expect("<title> in the svg");
        assert!(!text(t).is_empty());
    }
    doc
}

/// The texts of the `<text>` elements of each chart, by stem.
fn chart_texts(doc: &Html) -> BTreeMap<String, Vec<String>> {
    doc.select(&sel("figure.chart"))
        .map(|fig| {
            let stem = fig.value().id().unwrap().strip_prefix("chart-").unwrap();
            let texts = fig.select(&sel("svg text")).map(text).collect();
            (stem.to_string(), texts)
        })
        .collect()
}

/// The section with this id, asserting it is there.
fn section<'a>(doc: &'a Html, id: &str) -> ElementRef<'a> {
    doc.select(&sel(&format!("section#{id}")))
        .next()
        .unwrap_or_else(|| panic!("no section #{id}"))
}

/// Rows of the first table of a section, as cell texts.
fn rows(doc: &Html, id: &str) -> Vec<Vec<String>> {
    let table = section(doc, id)
        .select(&sel("table"))
        .next()
        .unwrap_or_else(|| panic!("no table in #{id}"));
    table
        .select(&sel("tbody tr"))
        .map(|tr| tr.select(&sel("th, td")).map(text).collect())
        .collect()
}

#[test]
fn a_run_with_costs_shows_its_kpis_charts_tables_bill_and_manifest() {
    let out = temp_dir("html-run").join("r");
    let path = scenario("finance-channel-shift.toml");
    let o = out.to_str().unwrap();
    ok(&[
        "run",
        path.to_str().unwrap(),
        "--replications",
        "3",
        "--out",
        o,
        "--html",
        "--charts",
    ]);
    let doc = page(&out, "finance-channel-shift");
    let lede = doc
        .select(&sel("header .lede"))
        .map(text)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(lede.contains("400 contacts/h, 60% voice"), "{lede}");
    assert!(lede.contains("seed 404, 3 replications"), "{lede}");
    // Every chart of the run, drawn as charts/<stem>.svg draws it.
    let charts = chart_texts(&doc);
    let mut files: Vec<String> = std::fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".svg").map(str::to_string))
        .collect();
    files.sort();
    assert_eq!(charts.keys().cloned().collect::<Vec<_>>(), files);
    for stem in &files {
        let svg = std::fs::read_to_string(out.join("charts").join(format!("{stem}.svg"))).unwrap();
        let file_texts: Vec<String> = Html::parse_fragment(&svg)
            .select(&sel("text"))
            .map(text)
            .collect();
        assert_eq!(charts[stem], file_texts, "{stem}");
    }
    for stem in ["volumes", "service-level", "asa", "occupancy", "costs"] {
        assert!(charts.contains_key(stem), "{stem}");
    }
    let sl = &charts["service-level"];
    assert!(sl[0].starts_with("Service level per interval"), "{sl:?}");
    assert!(sl[0].contains("finance-channel-shift, seed 404, 3 replications"));
    assert!(sl.iter().any(|t| t == "Time of day (HH:MM; dN = day N)"));
    assert!(
        sl.iter()
            .any(|t| t == "Service level (% answered within 30 s)")
    );
    assert!(
        charts["asa"]
            .iter()
            .any(|t| t == "Wait of answered contacts (s)")
    );
    assert!(charts["costs"].iter().any(|t| t == "Cost per month (USD)"));
    // Headline KPIs with their CIs.
    let cards: Vec<String> = section(&doc, "kpis")
        .select(&sel(".card"))
        .map(text)
        .collect();
    assert!(
        cards
            .iter()
            .any(|c| c.starts_with("Service level (≤ 30 s)") && c.contains("95% CI")),
        "{cards:?}"
    );
    // The scenario's 80% target, judged for the center and each queue,
    // over the window and per interval.
    assert!(text(section(&doc, "kpis")).contains("Target: 80% of contacts answered within 30 s"));
    let judged = rows(&doc, "kpis");
    let scopes: Vec<&str> = judged.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(scopes, ["overall", "voice", "digital"]);
    for r in &judged {
        assert!(
            ["met", "missed", "within noise"].contains(&r[2].as_str()),
            "{r:?}"
        );
        let counted: usize = r[3..6].iter().map(|n| n.parse::<usize>().unwrap()).sum();
        assert!(counted > 0 && counted <= 8, "{r:?}");
    }
    // The tables per queue, channel, source and group.
    let queues = rows(&doc, "queues");
    assert!(
        queues
            .iter()
            .any(|r| r[0] == "service level" && r[1].contains('%'))
    );
    let heads: Vec<String> = section(&doc, "queues")
        .select(&sel("thead th"))
        .map(text)
        .collect();
    assert_eq!(heads, ["KPI", "overall", "voice", "digital"]);
    let channels: Vec<String> = section(&doc, "channels")
        .select(&sel("thead th"))
        .map(text)
        .collect();
    assert_eq!(channels, ["KPI", "voice", "sms", "chat"]);
    let sources: Vec<String> = section(&doc, "sources")
        .select(&sel("thead th"))
        .map(text)
        .collect();
    assert_eq!(sources, ["KPI", "calls", "texts", "chats"]);
    let groups = rows(&doc, "groups");
    assert_eq!(
        groups.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ["voice_team", "digital_team"]
    );
    // The bill: totals, components, plans, channels; window and month.
    let costs = section(&doc, "costs");
    assert_eq!(
        text(costs.select(&sel("h2")).next().unwrap()),
        "Costs (USD)"
    );
    let totals = rows(&doc, "costs");
    assert_eq!(totals[0][0], "total");
    assert!(
        totals[0][1].contains(" ± ") && totals[0][2].contains(" ± "),
        "{totals:?}"
    );
    let h3: Vec<String> = costs.select(&sel("h3")).map(text).collect();
    assert_eq!(
        h3,
        ["Components", "Platform plans", "Usage cost per channel"]
    );
    // Where it came from: the manifest's facts.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let prov = text(section(&doc, "provenance"));
    for input in manifest["inputs"].as_array().unwrap() {
        assert!(prov.contains(input["sha256"].as_str().unwrap()), "{prov}");
    }
    for fact in [
        manifest["ccsim_version"].as_str().unwrap(),
        manifest["started_utc"].as_str().unwrap(),
        "--html",
        "404",
    ] {
        assert!(prov.contains(fact), "{fact} in {prov}");
    }
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&"report.html"), "{listed:?}");
    // The contents link to every section.
    let toc: Vec<String> = doc
        .select(&sel("nav.toc a"))
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    let sections: Vec<String> = doc
        .select(&sel("section[id]"))
        .map(|s| format!("#{}", s.value().id().unwrap()))
        .collect();
    assert_eq!(toc, sections);
}

/// The files of a report folder besides the manifest and report.html.
fn folder(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if name != "manifest.json" && name != "report.html" {
                out.insert(name, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

fn listed(dir: &Path) -> Vec<String> {
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

/// Runs `args` into `out` without then with `--html`: stdout and every
/// other file byte for byte the same, the manifest listing report.html more.
fn unchanged_by_html(args: &[&str], out: &Path) {
    let mut with_out: Vec<&str> = args.to_vec();
    with_out.extend(["--out", out.to_str().unwrap()]);
    let plain = ok(&with_out);
    let plain_files = folder(out);
    let plain_listed = listed(out);
    assert!(!out.join("report.html").exists());
    with_out.push("--html");
    let html = ok(&with_out);
    assert_eq!(
        String::from_utf8_lossy(&plain),
        String::from_utf8_lossy(&html),
        "{args:?}"
    );
    assert_eq!(plain_files, folder(out), "{args:?}");
    let mut expected = plain_listed;
    expected.push("report.html".into());
    let mut got = listed(out);
    expected.sort();
    got.sort();
    assert_eq!(got, expected, "{args:?}");
}

#[test]
fn html_changes_no_other_output() {
    let dir = temp_dir("html-same");
    let finance = scenario("finance-channel-shift.toml");
    let f = finance.to_str().unwrap();
    unchanged_by_html(&["run", f, "--replications", "2"], &dir.join("run"));
    unchanged_by_html(
        &["run", f, "--replications", "2", "--json", "--charts"],
        &dir.join("json"),
    );
    let sweep = scenario("chat-concurrency-sweep.toml");
    unchanged_by_html(
        &[
            "sweep",
            sweep.to_str().unwrap(),
            "--replications",
            "2",
            "--charts",
        ],
        &dir.join("sweep"),
    );
    let quick = scenario("quickstart.toml");
    let q = quick.to_str().unwrap();
    unchanged_by_html(
        &[
            "compare",
            q,
            "--vs",
            "agents.support.count=27",
            "--replications",
            "3",
            "--json",
        ],
        &dir.join("compare"),
    );
    unchanged_by_html(
        &[
            "staff",
            q,
            "--target",
            "service_level>=0.8",
            "--replications",
            "3",
        ],
        &dir.join("staff"),
    );
}

#[test]
fn a_sweep_report_lists_its_points_with_their_charts() {
    let out = temp_dir("html-sweep").join("s");
    let path = scenario("chat-concurrency-sweep.toml");
    ok(&[
        "sweep",
        path.to_str().unwrap(),
        "--replications",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--html",
    ]);
    assert!(!out.join("charts").exists(), "charts/ only with --charts");
    let doc = page(&out, "chat-concurrency");
    let points = rows(&doc, "points");
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert_eq!(points.len(), csv.lines().count() - 1);
    assert!(
        points.iter().all(|r| r[r.len() - 4].contains('%')),
        "{points:?}"
    );
    let charts = chart_texts(&doc);
    for kpi in [
        "sweep-service-level-by-",
        "sweep-abandon-rate-by-",
        "sweep-asa-by-",
    ] {
        let (_, texts) = charts
            .iter()
            .find(|(stem, _)| stem.starts_with(kpi))
            .unwrap_or_else(|| panic!("{kpi}: {:?}", charts.keys()));
        assert!(texts[0].contains("chat-concurrency, seed"), "{texts:?}");
    }
    section(&doc, "provenance");
}

#[test]
fn compare_and_staff_reports_show_their_views() {
    let dir = temp_dir("html-views");
    let quick = scenario("quickstart.toml");
    let q = quick.to_str().unwrap();
    let cmp = dir.join("compare");
    ok(&[
        "compare",
        q,
        "--vs",
        "agents.support.count=25",
        "--replications",
        "3",
        "--html",
        "--out",
        cmp.to_str().unwrap(),
    ]);
    let doc = page(&cmp, "single-queue");
    let designs = rows(&doc, "designs");
    assert!(
        designs[1][2].contains("agents.support.count=25"),
        "{designs:?}"
    );
    let diffs = rows(&doc, "differences");
    assert!(
        diffs
            .iter()
            .any(|r| r[0] == "service_level" && r[5] == "yes"),
        "{diffs:?}"
    );
    let charts = chart_texts(&doc);
    assert!(charts["differences"][0].starts_with("Paired differences B − A"));

    let staff = dir.join("staff");
    ok(&[
        "staff",
        q,
        "--target",
        "service_level>=0.8",
        "--replications",
        "3",
        "--html",
        "--out",
        staff.to_str().unwrap(),
    ]);
    let doc = page(&staff, "single-queue");
    let targets = rows(&doc, "targets");
    assert_eq!(targets[0][0], "service_level>=0.8");
    assert_eq!(targets[0][2], "met");
    let path = rows(&doc, "path");
    let verdicts: Vec<&str> = path.iter().map(|r| r[r.len() - 2].as_str()).collect();
    assert!(
        verdicts.iter().all(|v| *v == "met" || *v == "missed"),
        "{path:?}"
    );
    assert!(verdicts.contains(&"met"), "{path:?}");
    let answer = text(section(&doc, "answer"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(staff.join("staff.json")).unwrap()).unwrap();
    let n = json["agents"]["support"].as_u64().unwrap();
    assert!(answer.contains(&format!("{n} in support")), "{answer}");
    assert!(chart_texts(&doc).contains_key("service-level"));

    let isa = dir.join("isa");
    let day = scenario("sinusoidal-day.toml");
    ok(&[
        "staff",
        day.to_str().unwrap(),
        "--target",
        "service_level>=0.8",
        "--per-interval",
        "--replications",
        "2",
        "--html",
        "--out",
        isa.to_str().unwrap(),
    ]);
    let doc = page(&isa, "sinusoidal-day");
    let plan = rows(&doc, "plan");
    assert!(!plan.is_empty());
    assert!(
        plan.iter().all(|r| r[4] == "met" || r[4] == "missed"),
        "{plan:?}"
    );
    let charts = chart_texts(&doc);
    assert!(
        charts["staffing-service-level"]
            .iter()
            .any(|t| t == "target 80%")
    );
}

#[test]
fn user_text_is_escaped() {
    let dir = temp_dir("html-escape");
    let original = std::fs::read_to_string(scenario("quickstart.toml")).unwrap();
    let hostile = "<script>alert(1)</script> & \"q\"";
    let patched = original.replacen(
        "name = \"single-queue\"",
        &format!("name = \"single-queue\"\ndescription = {:?}", hostile),
        1,
    );
    assert_ne!(patched, original);
    let path = crate::write_scenario(&dir, &patched);
    let out = dir.join("r");
    ok(&[
        "run",
        path.to_str().unwrap(),
        "--replications",
        "2",
        "--html",
        "--out",
        out.to_str().unwrap(),
    ]);
    let doc = page(&out, "single-queue");
    let lede: Vec<String> = doc.select(&sel("header .lede")).map(text).collect();
    assert_eq!(lede[0], hostile);
}
