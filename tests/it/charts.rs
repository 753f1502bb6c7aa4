//! `ccsim run --charts`: the charts of real example scenarios, read back as
//! a person's viewer would (SVG parsed as XML, PNG decoded), and the rest of
//! the run unchanged by the flag.

use crate::{ccsim, scenario, temp_dir};
use std::collections::BTreeMap;
use std::path::Path;

/// Runs `file` with `extra` arguments into `out`; returns stdout.
fn run(file: &str, out: &Path, extra: &[&str]) -> Vec<u8> {
    let path = scenario(file);
    let mut args = vec![
        "run",
        path.to_str().unwrap(),
        "--replications",
        "3",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = ccsim(&args, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

fn manifest(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap()
}

/// The texts of an SVG document's `<text>` elements; checks on the way that
/// it is well-formed XML with no NaN and no empty path or point list.
fn svg_texts(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let doc =
        roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert!(!text.contains("NaN"), "{}", path.display());
    let mut texts = Vec::new();
    for node in doc.descendants().filter(|n| n.is_element()) {
        for attr in ["d", "points"] {
            if let Some(v) = node.attribute(attr) {
                assert!(!v.trim().is_empty(), "{}: empty {attr}", path.display());
            }
        }
        if node.tag_name().name() == "text" {
            texts.push(node.text().unwrap_or("").trim().to_string());
        }
    }
    texts
}

/// Decodes a PNG; returns its width and height.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{}",
        path.display()
    );
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
        .read_info()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    // Not a blank image: the chart drew something besides the background.
    assert!(buf.iter().any(|&b| b != 255), "{} is blank", path.display());
    (info.width, info.height)
}

/// Checks every chart of a run: both formats, the title (scenario and
/// seed), the axis labels, the legend; returns the texts per stem.
fn check_charts(out: &Path, stems: &[&str]) -> Vec<Vec<String>> {
    let m = manifest(out);
    let (name, seed) = (m["scenario"].as_str().unwrap(), m["seed"].as_u64().unwrap());
    let listed: Vec<(String, u64)> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().into(),
                f["bytes"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_chart_files(out, stems);
    let mut all = Vec::new();
    for stem in stems {
        for ext in ["svg", "png"] {
            let rel = format!("charts/{stem}.{ext}");
            let size = std::fs::metadata(out.join(&rel)).unwrap().len();
            assert!(
                listed.contains(&(rel.clone(), size)),
                "{rel} in the manifest"
            );
        }
        let texts = svg_texts(&out.join(format!("charts/{stem}.svg")));
        let title = format!("{name}, seed {seed}, 3 replications");
        assert!(
            texts.iter().any(|t| t.contains(&title)),
            "{stem}: {texts:?}"
        );
        assert_eq!(
            png_size(&out.join(format!("charts/{stem}.png"))),
            ccsim::report::charts::SIZE
        );
        all.push(texts);
    }
    all
}

/// The stems of a run's charts, in the order they are written.
const RUN_STEMS: [&str; 8] = [
    "volumes",
    "service-level",
    "asa",
    "occupancy",
    "utilization",
    "agents",
    "wait-histogram",
    "wait-cdf",
];

/// Checks the charts of `stems` and returns each one's texts by stem.
fn texts_by_stem<'a>(out: &Path, stems: &[&'a str]) -> BTreeMap<&'a str, Vec<String>> {
    stems
        .iter()
        .copied()
        .zip(check_charts(out, stems))
        .collect()
}

/// True when `texts` has an element reading exactly `s`.
fn has(texts: &[String], s: &str) -> bool {
    texts.iter().any(|t| t == s)
}

#[test]
fn a_run_with_costs_draws_every_chart_and_its_bill() {
    let out = temp_dir("charts-costs").join("r");
    run("finance-channel-shift.toml", &out, &["--charts"]);
    let mut stems = RUN_STEMS.to_vec();
    stems.extend(["costs", "costs-by-channel", "cost-per-contact-by-channel"]);
    let t = texts_by_stem(&out, &stems);
    for stem in &RUN_STEMS[..6] {
        assert!(has(&t[stem], "Time of day (HH:MM; dN = day N)"), "{stem}");
    }
    assert!(
        has(&t["volumes"], "Contacts per 60 min interval"),
        "{:?}",
        t["volumes"]
    );
    for series in ["offered", "answered", "abandoned"] {
        assert!(has(&t["volumes"], series), "{series}");
    }
    let sl = &t["service-level"];
    assert!(has(sl, "Service level (% answered within 30 s)"), "{sl:?}");
    // The scenario's service_level_target is the dashed target line.
    assert!(has(sl, "target 80%"), "{sl:?}");
    let asa = &t["asa"];
    assert!(has(asa, "Wait of answered contacts (s)") && has(asa, "ASA") && has(asa, "p90 wait"));
    assert!(has(&t["occupancy"], "Occupancy (% of logged-in time busy)"));
    assert!(has(
        &t["utilization"],
        "Utilization (% of logged-in capacity in use)"
    ));
    assert!(has(&t["agents"], "Agents"));
    let costs = &t["costs"];
    assert!(has(costs, "Cost in the window (USD)"), "{costs:?}");
    assert!(has(costs, "Cost per month (USD)"));
    assert!(has(costs, "labor") && has(costs, "platform"));
    // Clock ticks, not seconds.
    assert!(has(&t["volumes"], "01:00"), "{:?}", t["volumes"]);
    // The bill by channel: usage in the window and per month, then per
    // contact offered and answered; one bar per channel in each panel.
    let by_channel = &t["costs-by-channel"];
    assert!(
        by_channel[0].starts_with("Usage cost by channel (mean, 95% CI)"),
        "{by_channel:?}"
    );
    assert!(
        has(by_channel, "Usage cost in the window (USD)"),
        "{by_channel:?}"
    );
    assert!(
        has(by_channel, "Usage cost per month (USD)"),
        "{by_channel:?}"
    );
    let per_contact = &t["cost-per-contact-by-channel"];
    assert!(per_contact[0].starts_with("Usage cost per contact by channel"));
    assert!(
        has(per_contact, "Usage cost per offered contact (USD)"),
        "{per_contact:?}"
    );
    assert!(has(per_contact, "Usage cost per answered contact (USD)"));
    for texts in [by_channel, per_contact] {
        for channel in ["voice", "sms", "chat"] {
            let n = texts.iter().filter(|t| *t == channel).count();
            assert_eq!(n, 2, "{channel} once per panel: {texts:?}");
        }
    }
}

#[test]
fn the_occupancy_chart_has_one_series_per_group() {
    let out = temp_dir("charts-groups").join("r");
    run("two-skill-intraday.toml", &out, &["--charts"]);
    let t = texts_by_stem(&out, &RUN_STEMS);
    let groups = ["support-en", "support-late", "bilingual", "sales"];
    for stem in ["occupancy", "utilization"] {
        for g in groups {
            let n = t[stem].iter().filter(|x| *x == g).count();
            assert_eq!(n, 1, "{g} once in the legend: {:?}", t[stem]);
        }
        let colours = line_colours(&out.join(format!("charts/{stem}.svg")));
        assert!(colours.len() >= groups.len(), "{colours:?}");
    }
    for g in groups {
        assert!(
            has(&t["agents"], &format!("{g} logged in")),
            "{:?}",
            t["agents"]
        );
        assert!(has(&t["agents"], &format!("{g} busy")));
    }
}

/// Service level and the wait distribution have one line per queue (and
/// the whole center), the threshold marked; no target line without a
/// target.
#[test]
fn service_level_and_waits_have_one_series_per_queue() {
    let out = temp_dir("charts-queues").join("r");
    run("two-skill-intraday.toml", &out, &["--charts"]);
    let t = texts_by_stem(&out, &RUN_STEMS);
    let queues = ["support-en", "support-es", "sales-en", "sales-es"];
    for stem in ["service-level", "wait-histogram", "wait-cdf"] {
        for name in std::iter::once("overall").chain(queues) {
            let n = t[stem].iter().filter(|x| *x == name).count();
            assert_eq!(n, 1, "{stem}: {name} once in the legend: {:?}", t[stem]);
        }
        let colours = line_colours(&out.join(format!("charts/{stem}.svg")));
        assert!(colours.len() > queues.len(), "{stem}: {colours:?}");
    }
    assert!(!t["service-level"].iter().any(|x| x.starts_with("target")));
    for stem in ["wait-histogram", "wait-cdf"] {
        assert!(
            has(&t[stem], "service-level threshold 30 s"),
            "{:?}",
            t[stem]
        );
        assert!(has(&t[stem], "30 s") && has(&t[stem], "0"), "{:?}", t[stem]);
    }
    assert!(has(&t["wait-cdf"], "Answered within the wait (%)"));
    assert!(has(&t["wait-histogram"], "Share of answered contacts (%)"));
}

/// With a start date, the time axis reads local dates and times in the
/// scenario's zone.
#[test]
fn a_dated_scenario_has_local_dates_on_its_time_axis() {
    let out = temp_dir("charts-dated").join("r");
    run("business-hours.toml", &out, &["--charts"]);
    let t = texts_by_stem(&out, &RUN_STEMS);
    let sl = &t["service-level"];
    assert!(has(sl, "Local time (America/New_York)"), "{sl:?}");
    assert!(has(sl, "24 Dec 12:00"), "{sl:?}");
    assert!(has(sl, "target 80%"), "{sl:?}");
}

/// Text, JSON and the CSV files are the same bytes with and without
/// --charts; without it there is no charts/ folder.
#[test]
fn charts_change_no_other_output() {
    let out = temp_dir("charts-same").join("r");
    let file = "finance-channel-shift.toml";
    let read = |name: &str| std::fs::read(out.join(name)).unwrap();
    let csvs = [
        "summary.csv",
        "intervals.csv",
        "intervals-long.csv",
        "waits.csv",
        "costs.csv",
    ];
    for extra in [&["--json"][..], &[][..]] {
        let plain = run(file, &out, extra);
        assert!(!out.join("charts").exists());
        let plain_files: Vec<Vec<u8>> = csvs.iter().map(|n| read(n)).collect();
        let with: Vec<&str> = extra.iter().copied().chain(["--charts"]).collect();
        let charted = run(file, &out, &with);
        assert!(out.join("charts/volumes.svg").exists());
        assert_eq!(
            String::from_utf8_lossy(&plain),
            String::from_utf8_lossy(&charted),
            "{extra:?}"
        );
        for (name, before) in csvs.iter().zip(plain_files) {
            assert_eq!(read(name), before, "{name}");
        }
    }
    // A later run without --charts removes the charts with the old set.
    run(file, &out, &[]);
    assert!(!out.join("charts").exists());
}

/// Runs `ccsim <args> --out <out>` (plus `extra`); returns stdout.
fn command(args: &[&str], out: &Path, extra: &[&str]) -> Vec<u8> {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--out", out.to_str().unwrap()]);
    all.extend_from_slice(extra);
    let o = ccsim(&all, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

/// Checks the charts of an experiment command: exactly `stems` in both
/// formats, listed in the manifest, the title naming the scenario and
/// seed, the PNGs decoding; returns each SVG's texts.
fn check_experiment_charts(out: &Path, stems: &[&str]) -> Vec<Vec<String>> {
    let m = manifest(out);
    let (name, seed) = (m["scenario"].as_str().unwrap(), m["seed"].as_u64().unwrap());
    let listed: Vec<String> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    assert_chart_files(out, stems);
    stems
        .iter()
        .map(|stem| {
            for ext in ["svg", "png"] {
                let rel = format!("charts/{stem}.{ext}");
                assert!(listed.contains(&rel), "{rel} in the manifest");
            }
            assert_eq!(
                png_size(&out.join(format!("charts/{stem}.png"))),
                ccsim::report::charts::SIZE
            );
            let texts = svg_texts(&out.join(format!("charts/{stem}.svg")));
            let title = format!("{name}, seed {seed}");
            assert!(
                texts.iter().any(|t| t.contains(&title)),
                "{stem}: {texts:?}"
            );
            texts
        })
        .collect()
}

/// The distinct stroke colours of an SVG's polylines other than black:
/// one per drawn series.
fn line_colours(path: &Path) -> Vec<String> {
    let svg = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let mut strokes: Vec<String> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "polyline")
        .filter_map(|n| n.attribute("stroke"))
        .filter(|s| *s != "#000000")
        .map(str::to_string)
        .collect();
    strokes.sort();
    strokes.dedup();
    strokes
}

/// Stdout and the named files are the same bytes with and without
/// `--charts` (text and JSON); without it no charts/ folder is left.
fn unchanged_by_charts(args: &[&str], out: &Path, files: &[&str]) {
    let read = |name: &str| std::fs::read(out.join(name)).unwrap();
    for extra in [&["--json"][..], &[][..]] {
        let plain = command(args, out, extra);
        assert!(!out.join("charts").exists());
        let before: Vec<Vec<u8>> = files.iter().map(|n| read(n)).collect();
        let with: Vec<&str> = extra.iter().copied().chain(["--charts"]).collect();
        let charted = command(args, out, &with);
        assert!(out.join("charts").is_dir());
        assert_eq!(
            String::from_utf8_lossy(&plain),
            String::from_utf8_lossy(&charted),
            "{args:?} {extra:?}"
        );
        for (name, b) in files.iter().zip(before) {
            assert_eq!(read(name), b, "{name}");
        }
    }
}

fn compare_args(a: &Path) -> Vec<&str> {
    vec![
        "compare",
        a.to_str().unwrap(),
        "--vs",
        "agents.support.count=27",
        "--replications",
        "5",
    ]
}

#[test]
fn compare_draws_a_forest_plot_of_the_differences() {
    let out = temp_dir("charts-compare").join("c");
    let a = scenario("quickstart.toml");
    command(&compare_args(&a), &out, &["--charts"]);
    let texts = check_experiment_charts(&out, &["differences"]);
    let has = |s: &str| texts[0].iter().any(|t| t == s);
    assert!(
        texts[0][0].starts_with("Paired differences B − A"),
        "{:?}",
        texts[0]
    );
    assert!(has("Change B − A, % of A's mean"), "{:?}", texts[0]);
    for row in ["service_level", "abandon_rate", "asa_s", "offered"] {
        assert!(has(row), "{row}: {:?}", texts[0]);
    }
    assert!(has("significant at 95%") && has("not significant"));
    // Fewer agents: service level and ASA differ significantly, drawn as
    // highlighted squares (vermillion) besides the legend's.
    let svg = std::fs::read_to_string(out.join("charts/differences.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let hot = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "rect" && n.attribute("fill") == Some("#D55E00"))
        .count();
    assert!(hot >= 3, "{hot} highlighted markers");
}

#[test]
fn compare_output_is_unchanged_by_charts() {
    let out = temp_dir("charts-compare-same").join("c");
    let a = scenario("quickstart.toml");
    unchanged_by_charts(&compare_args(&a), &out, &["compare.csv"]);
}

fn sweep_args(file: &Path) -> Vec<&str> {
    vec![
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "agents.support.count=26..28",
        "--vary",
        "arrivals.inbound.rate=300/h,360/h",
        "--replications",
        "3",
    ]
}

/// The stems `sweep-<kpi>-by-<axis>` of every KPI against every axis.
fn sweep_stems(kpis: &[&str], axes: &[&str]) -> Vec<String> {
    axes.iter()
        .flat_map(|a| kpis.iter().map(move |k| format!("sweep-{k}-by-{a}")))
        .collect()
}

const SWEEP_KPIS: [&str; 5] = [
    "service-level",
    "abandon-rate",
    "asa",
    "wait-p90",
    "occupancy-support",
];

#[test]
fn sweep_draws_each_kpi_against_each_axis_one_line_per_value_of_the_other() {
    let out = temp_dir("charts-sweep").join("s");
    let file = scenario("quickstart.toml");
    command(&sweep_args(&file), &out, &["--charts"]);
    let axes = ["agents-support-count", "arrivals-inbound-rate"];
    let stems = sweep_stems(&SWEEP_KPIS, &axes);
    let stems: Vec<&str> = stems.iter().map(String::as_str).collect();
    let texts = check_experiment_charts(&out, &stems);
    let y_labels = [
        "Service level (% answered within 20 s)",
        "Abandon rate (% of offered)",
        "ASA (s)",
        "Wait, 90th percentile (s)",
        "Occupancy of support (% of logged-in time busy)",
    ];
    let whats = [
        "Service level",
        "Abandon rate",
        "Average speed of answer",
        "90th percentile of wait",
        "Occupancy of support",
    ];
    for (i, (stem, t)) in stems.iter().zip(&texts).enumerate() {
        let has = |s: &str| t.iter().any(|x| x == s);
        let (k, by_rate) = (i % SWEEP_KPIS.len(), i >= SWEEP_KPIS.len());
        let (x_key, ticks, line_key, lines): (&str, &[&str], &str, &[&str]) = if by_rate {
            (
                "arrivals.inbound.rate",
                &["300/h", "360/h"],
                "agents.support.count",
                &["26", "27", "28"],
            )
        } else {
            (
                "agents.support.count",
                &["26", "27", "28"],
                "arrivals.inbound.rate",
                &["300/h", "360/h"],
            )
        };
        let title = format!("{} against {x_key} (mean, 95% CI)", whats[k]);
        assert!(t[0].starts_with(&title), "{stem}: {t:?}");
        assert!(has(x_key), "{stem}: {t:?}");
        assert!(has(y_labels[k]), "{stem}: {t:?}");
        for tick in ticks {
            assert!(has(tick), "{stem} tick {tick}: {t:?}");
        }
        for value in lines {
            let legend = format!("{line_key}={value}");
            assert_eq!(t.iter().filter(|x| **x == legend).count(), 1, "{stem}");
        }
        assert_eq!(
            line_colours(&out.join(format!("charts/{stem}.svg"))).len(),
            lines.len(),
            "{stem}: one line per value of the other axis"
        );
    }
}

#[test]
fn a_sweep_of_three_axes_holds_the_third_at_its_first_value() {
    let out = temp_dir("charts-sweep-3").join("s");
    let file = scenario("quickstart.toml");
    let mut args = sweep_args(&file);
    args.extend(["--vary", "simulation.service_level_threshold=20s,30s"]);
    let args: Vec<&str> = args
        .into_iter()
        .map(|a| if a == "3" { "2" } else { a })
        .collect();
    command(&args, &out, &["--charts"]);
    let axes = [
        "agents-support-count",
        "arrivals-inbound-rate",
        "simulation-service-level-threshold",
    ];
    let stems = sweep_stems(&SWEEP_KPIS, &axes);
    let stems: Vec<&str> = stems.iter().map(String::as_str).collect();
    let texts = check_experiment_charts(&out, &stems);
    let n = SWEEP_KPIS.len();
    let has = |i: usize, s: &str| texts[i].iter().any(|x| x == s);
    // Against the first axis: one line per rate, the threshold at 20s.
    assert!(
        has(
            0,
            "agents.support.count (with simulation.service_level_threshold=20s)"
        ),
        "{:?}",
        texts[0]
    );
    assert!(has(0, "arrivals.inbound.rate=300/h"));
    // Against the second: one line per threshold, the head count at 26.
    assert!(
        has(n, "arrivals.inbound.rate (with agents.support.count=26)"),
        "{:?}",
        texts[n]
    );
    assert!(
        has(n, "simulation.service_level_threshold=30s"),
        "{:?}",
        texts[n]
    );
    // Against the third: one line per head count, the rate at 300/h.
    assert!(has(
        2 * n,
        "simulation.service_level_threshold (with arrivals.inbound.rate=300/h)"
    ));
    assert!(has(2 * n, "agents.support.count=28"), "{:?}", texts[2 * n]);
}

#[test]
fn a_zipped_sweep_draws_against_its_points_labelled_with_all_values() {
    let out = temp_dir("charts-sweep-zip").join("s");
    let file = scenario("quickstart.toml");
    let args = [
        "sweep",
        file.to_str().unwrap(),
        "--vary",
        "agents.support.count=26,28",
        "--vary",
        "arrivals.inbound.rate=300/h,360/h",
        "--zip",
        "--replications",
        "2",
    ];
    command(&args, &out, &["--charts"]);
    let stems = sweep_stems(
        &SWEEP_KPIS,
        &["agents-support-count-and-arrivals-inbound-rate"],
    );
    let stems: Vec<&str> = stems.iter().map(String::as_str).collect();
    let texts = check_experiment_charts(&out, &stems);
    for t in &texts {
        let has = |s: &str| t.iter().any(|x| x == s);
        assert!(t[0].contains("against the zipped axes"), "{t:?}");
        assert!(
            has("agents.support.count, arrivals.inbound.rate (zipped)"),
            "{t:?}"
        );
        assert!(has("26, 300/h") && has("28, 360/h"), "{t:?}");
        assert!(has("mean"), "{t:?}");
    }
}

#[test]
fn a_sweep_with_costs_draws_cost_charts_and_the_frontier() {
    let out = temp_dir("charts-sweep-costs").join("s");
    let file = scenario("finance-channel-shift.toml");
    let o = ccsim(
        &[
            "sweep",
            file.to_str().unwrap(),
            "--vary",
            "agents.voice_team.count=22,25",
            "--vary",
            "agents.digital_team.count=8,12",
            "--replications",
            "2",
            "--out",
            out.to_str().unwrap(),
            "--charts",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let kpis = [
        "service-level",
        "abandon-rate",
        "asa",
        "wait-p90",
        "occupancy-voice-team",
        "occupancy-digital-team",
        "cost-per-answered",
        "monthly-cost",
    ];
    let mut stems = sweep_stems(
        &kpis,
        &["agents-voice-team-count", "agents-digital-team-count"],
    );
    stems.push("sweep-cost-frontier".into());
    let stems: Vec<&str> = stems.iter().map(String::as_str).collect();
    let texts = check_experiment_charts(&out, &stems);
    let has = |i: usize, s: &str| texts[i].iter().any(|x| x == s);
    assert!(has(6, "Cost per answered contact (USD)"), "{:?}", texts[6]);
    assert!(has(7, "Monthly cost projection (USD)"), "{:?}", texts[7]);
    assert!(has(
        5,
        "Occupancy of digital_team (% of logged-in time busy)"
    ));
    let f = stems.len() - 1;
    assert!(
        texts[f][0].starts_with("Monthly cost against service level, efficient points joined"),
        "{:?}",
        texts[f]
    );
    assert!(has(f, "Monthly cost projection (USD)"), "{:?}", texts[f]);
    assert!(has(f, "Service level (% answered within 30 s)"));
    assert!(has(f, "efficient (Pareto frontier)") && has(f, "dominated"));
    for label in ["22, 8", "22, 12", "25, 8", "25, 12"] {
        assert!(has(f, label), "point label {label}: {:?}", texts[f]);
    }
    // The efficient points joined by a blue line; at least one point
    // dominated (more digital agents cost more and barely move the overall
    // service level), drawn grey.
    let svg = std::fs::read_to_string(out.join("charts/sweep-cost-frontier.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert_eq!(
        line_colours(&out.join("charts/sweep-cost-frontier.svg")),
        ["#0072B2"]
    );
    let grey = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "circle" && n.attribute("fill") == Some("#999999"))
        .count();
    assert!(grey >= 2, "{grey} grey markers (one in the legend)");
}

#[test]
fn sweep_output_is_unchanged_by_charts() {
    let out = temp_dir("charts-sweep-same").join("s");
    let file = scenario("quickstart.toml");
    unchanged_by_charts(&sweep_args(&file), &out, &["sweep.csv", "sweep-long.csv"]);
}

fn staff_args(file: &Path) -> Vec<&str> {
    vec![
        "staff",
        file.to_str().unwrap(),
        "--target",
        "service_level>=0.8",
        "--per-interval",
        "--replications",
        "4",
    ]
}

#[test]
fn staff_per_interval_draws_both_plans_and_their_service_level() {
    let out = temp_dir("charts-staff").join("t");
    let file = scenario("sinusoidal-day.toml");
    command(&staff_args(&file), &out, &["--charts"]);
    let texts = check_experiment_charts(&out, &["staffing", "staffing-service-level"]);
    for (i, t) in texts.iter().enumerate() {
        let has = |s: &str| t.iter().any(|x| x == s);
        assert!(has("Time of day (HH:MM; dN = day N)"), "{t:?}");
        assert!(has("ISA") && has("SIPP"), "{t:?}");
        assert!(has("06:00"), "clock ticks: {t:?}");
        let stem = ["staffing", "staffing-service-level"][i];
        assert_eq!(
            line_colours(&out.join(format!("charts/{stem}.svg"))).len(),
            2,
            "{stem}: two lines"
        );
    }
    assert!(
        texts[0].iter().any(|x| x.starts_with("Agents in ")),
        "{:?}",
        texts[0]
    );
    assert!(
        texts[1]
            .iter()
            .any(|x| x.starts_with("Service level (% answered within"))
    );
    assert!(texts[1].iter().any(|x| x == "target 80%"), "{:?}", texts[1]);
}

#[test]
fn staff_per_interval_draws_the_scenarios_own_plan_beside_isa_and_sipp() {
    let out = temp_dir("charts-staff-plan").join("t");
    let file = scenario("sinusoidal-day.toml");
    let mut args = staff_args(&file);
    args.extend(["--set", "agents.agents.count=[30,35,40]"]);
    command(&args, &out, &["--charts"]);
    let texts = check_experiment_charts(&out, &["staffing", "staffing-service-level"]);
    let t = &texts[0];
    assert!(
        t[0].starts_with("Agents per interval: ISA, SIPP and the scenario's plan"),
        "{t:?}"
    );
    for legend in ["ISA", "SIPP", "scenario's plan"] {
        assert!(t.iter().any(|x| x == legend), "{legend}: {t:?}");
    }
    assert_eq!(line_colours(&out.join("charts/staffing.svg")).len(), 3);
    // The service levels are those of ISA's and SIPP's plans only.
    assert!(!texts[1].iter().any(|x| x == "scenario's plan"));
}

#[test]
fn staff_output_is_unchanged_by_charts() {
    let out = temp_dir("charts-staff-same").join("t");
    let file = scenario("sinusoidal-day.toml");
    unchanged_by_charts(&staff_args(&file), &out, &["staffing.csv", "staffing.json"]);
}

fn staff_search_args(file: &Path) -> Vec<&str> {
    vec![
        "staff",
        file.to_str().unwrap(),
        "--target",
        "service_level>=0.8",
        "--target",
        "asa_s<=30s",
        "--replications",
        "5",
    ]
}

#[test]
fn staff_draws_each_target_against_the_head_counts_tried() {
    let out = temp_dir("charts-staff-search").join("t");
    let file = scenario("quickstart.toml");
    command(&staff_search_args(&file), &out, &["--charts"]);
    let stems = ["staff-search-service-level", "staff-search-asa-s"];
    let texts = check_experiment_charts(&out, &stems);
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("staff.json")).unwrap()).unwrap();
    let answer = doc["agents"]["support"].as_u64().unwrap();
    let steps = doc["path"].as_array().unwrap().len();
    for (t, (title, y, target)) in texts.iter().zip([
        (
            "Staffing search for service_level>=0.8",
            "Service level (% answered within 20 s)",
            "target ≥ 80%",
        ),
        (
            "Staffing search for asa_s<=30",
            "asa_s (s)",
            "target ≤ 30 s",
        ),
    ]) {
        let has = |s: &str| t.iter().any(|x| x == s);
        assert!(t[0].starts_with(title), "{t:?}");
        assert!(has("Agents in support") && has(y) && has(target), "{t:?}");
        assert!(has("evaluated (mean, 95% CI; #step)"), "{t:?}");
        assert!(has(&format!("answer: {answer} in support")), "{t:?}");
        assert!(has(&answer.to_string()), "a tick at the answer: {t:?}");
        for step in 1..=steps {
            assert!(has(&format!("#{step}")), "step {step}: {t:?}");
        }
    }
}

#[test]
fn staff_search_output_is_unchanged_by_charts() {
    let out = temp_dir("charts-staff-search-same").join("t");
    let file = scenario("quickstart.toml");
    unchanged_by_charts(
        &staff_search_args(&file),
        &out,
        &["staff.json", "staff-path.csv", "summary.csv"],
    );
}

/// `charts/` holds exactly an SVG and a PNG of each stem.
fn assert_chart_files(out: &Path, stems: &[&str]) {
    let mut on_disk: Vec<String> = std::fs::read_dir(out.join("charts"))
        .unwrap()
        .map(|e| format!("charts/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    on_disk.sort();
    let mut expected: Vec<String> = stems
        .iter()
        .flat_map(|s| [format!("charts/{s}.png"), format!("charts/{s}.svg")])
        .collect();
    expected.sort();
    assert_eq!(on_disk, expected);
}
