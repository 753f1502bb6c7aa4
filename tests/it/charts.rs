//! `ccsim run --charts`: the charts of real example scenarios, read back as
//! a person's viewer would (SVG parsed as XML, PNG decoded), and the rest of
//! the run unchanged by the flag.

use crate::{ccsim, scenario, temp_dir};
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

#[test]
fn a_run_with_costs_draws_every_chart_and_its_bill() {
    let out = temp_dir("charts-costs").join("r");
    run("finance-channel-shift.toml", &out, &["--charts"]);
    let stems = ["volumes", "service-level", "asa", "occupancy", "costs"];
    let texts = check_charts(&out, &stems);
    let has = |i: usize, s: &str| texts[i].iter().any(|t| t == s);
    for (i, stem) in stems.iter().enumerate().take(4) {
        assert!(has(i, "Time of day (HH:MM; dN = day N)"), "{stem}");
    }
    assert!(has(0, "Contacts per 60 min interval"), "{:?}", texts[0]);
    for series in ["offered", "answered", "abandoned"] {
        assert!(has(0, series), "{series}");
    }
    assert!(
        has(1, "Service level (% answered within 30 s)"),
        "{:?}",
        texts[1]
    );
    assert!(has(2, "ASA (s)"));
    assert!(has(3, "Occupancy (% of logged-in time busy)"));
    assert!(has(4, "Cost in the window (USD)"), "{:?}", texts[4]);
    assert!(has(4, "Cost per month (USD)"));
    assert!(has(4, "labor") && has(4, "platform"));
    // Clock ticks, not seconds.
    assert!(has(0, "01:00"), "{:?}", texts[0]);
}

#[test]
fn the_occupancy_chart_has_one_series_per_group() {
    let out = temp_dir("charts-groups").join("r");
    run("two-skill-intraday.toml", &out, &["--charts"]);
    let stems = ["volumes", "service-level", "asa", "occupancy"];
    let texts = check_charts(&out, &stems);
    let groups = ["support-en", "support-late", "bilingual", "sales"];
    for g in groups {
        let n = texts[3].iter().filter(|t| *t == g).count();
        assert_eq!(n, 1, "{g} once in the legend: {:?}", texts[3]);
    }
    // One line per group: polylines of four distinct colours.
    let svg = std::fs::read_to_string(out.join("charts/occupancy.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let mut strokes: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "polyline")
        .filter_map(|n| n.attribute("stroke"))
        .filter(|s| *s != "#000000")
        .collect();
    strokes.sort();
    strokes.dedup();
    assert!(strokes.len() >= groups.len(), "{strokes:?}");
}

/// Text, JSON and the CSV files are the same bytes with and without
/// --charts; without it there is no charts/ folder.
#[test]
fn charts_change_no_other_output() {
    let out = temp_dir("charts-same").join("r");
    let file = "finance-channel-shift.toml";
    let read = |name: &str| std::fs::read(out.join(name)).unwrap();
    let csvs = ["summary.csv", "intervals.csv", "costs.csv"];
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
