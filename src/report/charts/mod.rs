//! Charts of a run (`ccsim run --charts`): what to draw, read from a
//! [`Summary`] and its [`Scenario`]; `draw` turns each chart into pixels or
//! SVG with plotters and the font embedded in the binary, `style` holds the
//! palette and the time axis.
//!
//! Every chart is written twice with the same content, `charts/<stem>.svg`
//! and `charts/<stem>.png`. Undefined values (an [`Estimate`](crate::stats::Estimate) without a
//! mean) are gaps, never NaN coordinates.

mod cost;
mod draw;
mod run;
pub use run::charts;
pub mod scatter;
mod style;

use crate::scenario::Scenario;
use crate::summary::Summary;

/// Width and height of every chart, pixels.
pub const SIZE: (u32, u32) = (1000, 560);

/// Why a chart could not be drawn (a plotters error, in words).
#[derive(Debug, thiserror::Error)]
#[error("drawing chart {stem}: {message}")]
pub struct ChartError {
    /// The chart's file stem.
    pub stem: String,
    /// What went wrong.
    pub message: String,
}

/// One line of a time chart: a value per interval, with an optional 95% CI
/// band, at the interval's midpoint.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub label: String,
    /// (x seconds, mean, CI half-width) per interval; `None` mean is a gap.
    pub points: Vec<(f64, Option<f64>, Option<f64>)>,
    /// Draw the CI band.
    pub band: bool,
    /// A text beside each point (same order as `points`); empty: none.
    pub labels: Vec<String>,
}

/// A chart of values per interval against clock time.
#[derive(Debug, Clone)]
pub struct TimeChart {
    /// File stem under `charts/`.
    pub stem: &'static str,
    /// Title (the scenario and seed are appended).
    pub what: String,
    /// Y axis label, with its unit.
    pub y_label: String,
    /// Multiplier from the KPI's unit to the axis's (100 for a percentage).
    pub scale: f64,
    /// Fixed y range, or `None` for 0 to the largest value.
    pub y_max: Option<f64>,
    /// The lines.
    pub series: Vec<Series>,
    /// Start of the first interval and end of the last, seconds.
    pub x_range: (f64, f64),
    /// A horizontal target line (in the values' unit) and its legend label.
    pub reference: Option<(f64, String)>,
    /// The calendar, when the scenario has a `start` date: ticks then read
    /// as local times (and dates, over more than a day).
    pub clock: Option<crate::scenario::Clock>,
}

/// A bar: label, mean and CI half-width.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Category label.
    pub label: String,
    /// Mean (`None`: no bar).
    pub mean: Option<f64>,
    /// 95% CI half-width (`None`: no whisker).
    pub ci95: Option<f64>,
}

/// One panel of horizontal bars.
#[derive(Debug, Clone)]
pub struct BarPanel {
    /// Panel heading.
    pub heading: String,
    /// X axis label, with its unit.
    pub x_label: String,
    /// The bars, top to bottom.
    pub bars: Vec<Bar>,
}

/// Panels of horizontal bars side by side.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// File stem under `charts/`.
    pub stem: &'static str,
    /// Title (the scenario and seed are appended).
    pub what: String,
    /// The panels, left to right.
    pub panels: Vec<BarPanel>,
}

/// How a [`LineChart`]'s x values read.
#[derive(Debug, Clone)]
pub enum XAxis {
    /// Numbers, ticks at round values.
    Numeric,
    /// Numbers, ticks at the x values of the points (a few of them).
    Values,
    /// Positions 0, 1, 2, … labelled with these texts.
    Categories(Vec<String>),
    /// Seconds, ticks as clock times.
    Clock,
}

/// Lines (with optional CI bands) over a numeric, categorical or clock x:
/// the generic chart the experiment commands draw.
#[derive(Debug, Clone)]
pub struct LineChart {
    /// File stem under `charts/`.
    pub stem: String,
    /// The whole title.
    pub title: String,
    /// X axis label, with its unit.
    pub x_label: String,
    /// Y axis label, with its unit.
    pub y_label: String,
    /// How x reads.
    pub x: XAxis,
    /// The x range, or `None` for the points' range with a margin.
    pub x_range: Option<(f64, f64)>,
    /// Multiplier from the values' unit to the y axis's (100 for a percentage).
    pub scale: f64,
    /// Fixed y range top, or `None` for 0 to the largest value.
    pub y_max: Option<f64>,
    /// Draw each point as a step this wide centred on its x (values per
    /// interval), not as a vertex of a polyline.
    pub step: Option<f64>,
    /// A horizontal reference line (in the values' unit) and its legend label.
    pub reference: Option<(f64, String)>,
    /// A vertical mark (an x value) and its legend label: a threshold.
    pub x_mark: Option<(f64, String)>,
    /// The lines.
    pub series: Vec<Series>,
}

/// One row of a forest plot: an estimate and its 95% CI.
#[derive(Debug, Clone)]
pub struct ForestRow {
    /// Row label.
    pub label: String,
    /// Point estimate.
    pub mean: f64,
    /// CI half-width.
    pub ci95: f64,
    /// Drawn highlighted (e.g. the CI excludes zero).
    pub highlight: bool,
}

/// A forest plot: one row per estimate, its CI as a whisker, a zero line.
#[derive(Debug, Clone)]
pub struct ForestChart {
    /// File stem under `charts/`.
    pub stem: String,
    /// The whole title.
    pub title: String,
    /// X axis label, with its unit.
    pub x_label: String,
    /// Legend labels of highlighted and other rows.
    pub legend: (String, String),
    /// The rows, top to bottom.
    pub rows: Vec<ForestRow>,
}

/// A chart of any kind.
#[derive(Debug, Clone)]
pub enum Chart {
    /// Values per interval of a run.
    Time(TimeChart),
    /// Bars.
    Bars(BarChart),
    /// Lines over any x.
    Line(LineChart),
    /// A forest plot.
    Forest(ForestChart),
    /// Labelled points, some joined (a frontier).
    Scatter(scatter::ScatterChart),
}

impl Chart {
    /// File stem under `charts/`.
    pub fn stem(&self) -> &str {
        match self {
            Chart::Time(c) => c.stem,
            Chart::Bars(c) => c.stem,
            Chart::Line(c) => &c.stem,
            Chart::Forest(c) => &c.stem,
            Chart::Scatter(c) => &c.stem,
        }
    }
}

/// One chart as `(name under the report folder, bytes)`:
/// `charts/<stem>.svg` then `charts/<stem>.png`.
///
/// # Errors
/// A chart plotters could not draw.
pub fn render(chart: &Chart, title: &str) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    let stem = chart.stem();
    let fail = |message: String| ChartError {
        stem: stem.to_string(),
        message,
    };
    let svg = draw::svg(chart, title).map_err(fail)?;
    let png = draw::png(chart, title).map_err(fail)?;
    Ok(vec![
        (format!("charts/{stem}.svg"), svg.into_bytes()),
        (format!("charts/{stem}.png"), png),
    ])
}

/// Charts that carry their own titles ([`LineChart`], [`ForestChart`]),
/// rendered in order (see [`render`]).
///
/// # Errors
/// A chart plotters could not draw.
pub fn render_all(charts: &[Chart]) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    let mut out = Vec::new();
    for chart in charts {
        out.extend(render(chart, own_title(chart))?);
    }
    Ok(out)
}

/// The title a chart carries by itself: the whole title of a
/// [`LineChart`] or [`ForestChart`], what a run's chart shows otherwise.
pub fn own_title(chart: &Chart) -> &str {
    match chart {
        Chart::Line(c) => c.title.as_str(),
        Chart::Forest(c) => c.title.as_str(),
        Chart::Scatter(c) => c.title.as_str(),
        Chart::Time(c) => c.what.as_str(),
        Chart::Bars(c) => c.what.as_str(),
    }
}

/// The title of one of a run's charts: what it shows, then the scenario,
/// seed and replications (as [`files`] draws it).
pub fn run_title(chart: &Chart, summary: &Summary) -> String {
    match chart {
        Chart::Time(c) => title(&c.what, summary),
        Chart::Bars(c) => title(&c.what, summary),
        Chart::Line(c) => c.title.clone(),
        Chart::Forest(c) => c.title.clone(),
        Chart::Scatter(c) => c.title.clone(),
    }
}

/// A chart as the SVG document `charts/<stem>.svg` holds, for pages that
/// inline it (`report.html`).
///
/// # Errors
/// A chart plotters could not draw.
pub fn svg_of(chart: &Chart, title: &str) -> Result<String, ChartError> {
    draw::svg(chart, title).map_err(|message| ChartError {
        stem: chart.stem().to_string(),
        message,
    })
}

/// A number without a needless fraction: `20`, `7.5`.
pub fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The chart title: what it shows, then the scenario and seed.
fn title(what: &str, summary: &Summary) -> String {
    format!(
        "{what} — {}, seed {}, {} replications",
        summary.scenario, summary.seed, summary.replications
    )
}

/// Every chart of the run as `(name under the report folder, bytes)`:
/// `charts/<stem>.svg` then `charts/<stem>.png` for each.
///
/// # Errors
/// A chart plotters could not draw.
pub fn files(s: &Scenario, summary: &Summary) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
    let mut out = Vec::new();
    for chart in charts(s, summary) {
        out.extend(render(&chart, &run_title(&chart, summary))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::IntervalKpi;
    use crate::stats::Estimate;

    fn summary() -> (Scenario, Summary) {
        let s = crate::scenario::tiny_scenario();
        let results: Vec<_> = (0..3).map(|r| crate::engine::run(&s, 7, r)).collect();
        let summary = crate::summary::summarize(&s, 7, &results);
        (s, summary)
    }

    #[test]
    fn a_run_without_costs_has_eight_charts_in_svg_and_png() {
        let (s, summary) = summary();
        let files = files(&s, &summary).unwrap();
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        let stems = [
            "volumes",
            "service-level",
            "asa",
            "occupancy",
            "utilization",
            "agents",
            "wait-histogram",
            "wait-cdf",
        ];
        let expected: Vec<String> = stems
            .iter()
            .flat_map(|st| [format!("charts/{st}.svg"), format!("charts/{st}.png")])
            .collect();
        assert_eq!(names, expected);
        for (name, bytes) in &files {
            if name.ends_with(".png") {
                assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}");
            } else {
                let text = std::str::from_utf8(bytes).unwrap();
                assert!(text.contains("seed 7"), "{name}");
                assert!(!text.contains("NaN"), "{name}");
            }
        }
    }

    #[test]
    fn undefined_values_are_gaps_not_nan() {
        let (s, mut summary) = summary();
        for r in &mut summary.intervals {
            r.kpis[IntervalKpi::ServiceLevel] = Estimate::from_values([f64::NAN]);
            r.kpis[IntervalKpi::Asa] = Estimate::from_values([f64::NAN]);
        }
        summary.intervals[0].kpis[IntervalKpi::Asa] = Estimate::from_values([3.0]);
        for (name, bytes) in files(&s, &summary).unwrap() {
            if name.ends_with(".svg") {
                let text = String::from_utf8(bytes).unwrap();
                assert!(!text.contains("NaN"), "{name}");
                assert!(!text.contains("points=\"\""), "{name}");
            }
        }
    }

    #[test]
    fn line_and_forest_charts_over_categories_leave_gaps_not_nan() {
        let series = |label: &str| Series {
            label: label.into(),
            points: vec![
                (0.0, Some(0.8), Some(0.05)),
                (1.0, None, None),
                (2.0, Some(0.9), None),
            ],
            band: true,
            labels: vec!["a".into(), "b".into(), "c".into()],
        };
        let charts = [
            Chart::Line(LineChart {
                stem: "line".into(),
                title: "Line — x, seed 1".into(),
                x_label: "rate".into(),
                y_label: "Service level (%)".into(),
                x: XAxis::Categories(vec!["300/h".into(), "330/h".into(), "360/h".into()]),
                x_range: None,
                scale: 100.0,
                y_max: Some(100.0),
                step: Some(1.0),
                reference: Some((0.8, "target 80%".into())),
                x_mark: Some((1.5, "threshold".into())),
                series: vec![series("one"), series("two")],
            }),
            Chart::Forest(ForestChart {
                stem: "forest".into(),
                title: "Forest — x, seed 1".into(),
                x_label: "Change, %".into(),
                legend: ("significant".into(), "not".into()),
                rows: vec![
                    ForestRow {
                        label: "asa_s".into(),
                        mean: 20.0,
                        ci95: 5.0,
                        highlight: true,
                    },
                    ForestRow {
                        label: "aht_s".into(),
                        mean: 0.5,
                        ci95: 1.0,
                        highlight: false,
                    },
                ],
            }),
        ];
        let files = render_all(&charts).unwrap();
        assert_eq!(files.len(), 4);
        for (name, bytes) in files {
            if name.ends_with(".svg") {
                let text = String::from_utf8(bytes).unwrap();
                assert!(!text.contains("NaN"), "{name}");
                assert!(!text.contains("points=\"\""), "{name}");
                for want in ["300/h", "360/h", "target 80%", "asa_s", "significant"] {
                    let chart_has = text.contains(want);
                    let expected = match want {
                        "asa_s" | "significant" => name.contains("forest"),
                        _ => name.contains("line"),
                    };
                    assert_eq!(chart_has, expected, "{name}: {want}");
                }
            } else {
                assert!(bytes.starts_with(b"\x89PNG"), "{name}");
            }
        }
    }

    #[test]
    fn numbers_lose_needless_fractions() {
        assert_eq!(fmt_num(20.0), "20");
        assert_eq!(fmt_num(7.5), "7.5");
    }
}
