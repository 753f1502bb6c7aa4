//! Drawing a [`Chart`] with plotters: one generic routine per kind of chart,
//! run once on the SVG backend and once on a bitmap encoded as PNG, so that
//! both files show the same thing.

use super::style::{self, FAMILY, Marker};
use super::{BarChart, Chart, ForestChart, LineChart, SIZE, Series, TimeChart, XAxis};
use crate::report::clock;
use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::{RangedCoordf64, RangedCoordusize};
use plotters::element::ComposedElement;
use plotters::prelude::*;

pub(super) type Drawn = Result<(), String>;

/// Something drawn the same way on any plotters backend.
pub(super) trait Draw {
    /// Draws it, titled, on a white area.
    fn draw_on<DB: DrawingBackend>(&self, title: &str, root: &DrawingArea<DB, Shift>) -> Drawn;
}

impl Draw for Chart {
    fn draw_on<DB: DrawingBackend>(&self, title: &str, root: &DrawingArea<DB, Shift>) -> Drawn {
        draw(self, title, root)
    }
}

/// The chart as an SVG document.
pub(super) fn svg(chart: &impl Draw, title: &str) -> Result<String, String> {
    style::register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        chart.draw_on(title, &root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// The chart as a PNG image (8-bit RGB).
pub(super) fn png(chart: &impl Draw, title: &str) -> Result<Vec<u8>, String> {
    style::register_font();
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, SIZE).into_drawing_area();
        chart.draw_on(title, &root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    let mut out = Vec::new();
    let mut encoder = ::png::Encoder::new(&mut out, w, h);
    encoder.set_color(::png::ColorType::Rgb);
    encoder.set_depth(::png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&rgb).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

fn draw<DB: DrawingBackend>(chart: &Chart, title: &str, root: &DrawingArea<DB, Shift>) -> Drawn {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    match chart {
        Chart::Time(c) => time_chart(c, title, root).map_err(|e| e.to_string()),
        Chart::Bars(c) => bar_chart(c, title, root).map_err(|e| e.to_string()),
        Chart::Line(c) => line_chart(c, title, root).map_err(|e| e.to_string()),
        Chart::Forest(c) => forest_chart(c, title, root).map_err(|e| e.to_string()),
        Chart::Scatter(c) => c.draw_on(title, root),
    }
}

/// The runs of consecutive items that `keep` accepts (the gaps dropped).
fn runs<T: Copy>(items: &[T], keep: impl Fn(&T) -> bool) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut current = Vec::new();
    for item in items {
        if keep(item) {
            current.push(*item);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A tick label: at most two decimals, none needless; thousands as `k`
/// and millions as `M` so that long numbers do not collide.
pub(super) fn tick(v: f64) -> String {
    let (v, unit) = match v.abs() {
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e4 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let text = format!("{v:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    let text = if text == "-0" { "0" } else { text };
    format!("{text}{unit}")
}

/// An axis end a little above `max` (1 when nothing is above 0).
fn headroom(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.08
    } else {
        1.0
    }
}

/// Two pixel paths drawn as one legend sample.
pub(super) type LegendSample<DB> = ComposedElement<(i32, i32), DB, PixelPath, PixelPath>;
pub(super) type PixelPath = PathElement<(i32, i32)>;

/// The legend's sample around `(x, y)` in pixels: a line (two dashes when
/// the series is dashed).
pub(super) fn legend_line<DB: DrawingBackend>(
    (x, y): (i32, i32),
    colour: RGBColor,
    dashed: bool,
) -> LegendSample<DB> {
    let gap = if dashed { 4 } else { 0 };
    let style = colour.stroke_width(2);
    EmptyElement::at((x, y))
        + PathElement::new(vec![(-12, 0), (-gap, 0)], style)
        + PathElement::new(vec![(gap, 0), (12, 0)], style)
}

/// A numeric axis whose ticks are exactly the given values (clock times,
/// the points' x values, category positions).
pub(super) struct TickAxis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl TickAxis {
    pub(super) fn new(from: f64, to: f64, ticks: Vec<f64>) -> TickAxis {
        TickAxis {
            inner: (from..to).into(),
            ticks,
        }
    }
}

/// Round tick values over `lo..=hi`: multiples of 1, 2 or 5 times a power
/// of ten, about six of them.
pub(super) fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return vec![lo];
    }
    let raw = span / 6.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut out = Vec::new();
    let mut k = (lo / step).ceil();
    while k * step <= hi + step * 1e-9 && out.len() < 50 {
        out.push(k * step);
        k += 1.0;
    }
    out
}

impl Ranged for TickAxis {
    type FormatOption = plotters::coord::ranged1d::DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: plotters::coord::ranged1d::KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

pub(super) type AreaError<DB> = DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>;

fn time_chart<DB: DrawingBackend>(
    c: &TimeChart,
    title: &str,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), AreaError<DB>> {
    let scale = c.scale;
    let y_max = c.y_max.unwrap_or_else(|| {
        let top = c
            .series
            .iter()
            .flat_map(|s| {
                s.points.iter().filter_map(move |&(_, m, ci)| {
                    m.map(|m| m + if s.band { ci.unwrap_or(0.0) } else { 0.0 })
                })
            })
            .fold(0.0, f64::max);
        headroom(top * scale)
    });
    let (x0, x1) = c.x_range;
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FAMILY, 18))
        .margin(16)
        .x_label_area_size(52)
        .y_label_area_size(70)
        .build_cartesian_2d(
            TickAxis::new(x0, x1, style::clock_ticks(x0, x1)),
            0f64..y_max,
        )?;
    let (x_desc, format_x): (String, TickLabel) = match &c.clock {
        Some(cal) => {
            let dated = x1 - x0 > 86_400.0;
            (
                format!("Local time ({})", cal.zone_name()),
                Box::new(move |x| cal.tick(*x, dated)),
            )
        }
        None => (
            "Time of day (HH:MM; dN = day N)".to_string(),
            Box::new(|x| clock(*x)),
        ),
    };
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(c.y_label.as_str())
        .x_label_formatter(&format_x)
        .y_label_formatter(&|y| tick(*y))
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 15))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(TRANSPARENT)
        .draw()?;
    plot_series(&mut chart, &c.series, scale, y_max, None)?;
    let marks = Marks {
        x_range: (x0, x1),
        y_max,
        scale,
        reference: c.reference.as_ref(),
        x_mark: None,
        fixed_range: c.y_max.is_some(),
    };
    marks.draw(&mut chart)
}

/// What a line chart draws over its series: a horizontal reference line,
/// a vertical mark, and the legend.
struct Marks<'m> {
    x_range: (f64, f64),
    y_max: f64,
    /// Multiplier from the values' unit to the y axis's.
    scale: f64,
    /// (value in the values' unit, legend label).
    reference: Option<&'m (f64, String)>,
    /// (x, legend label).
    x_mark: Option<&'m (f64, String)>,
    /// A fixed y range: a percentage whose lines run high, so the legend
    /// goes below them.
    fixed_range: bool,
}

impl Marks<'_> {
    fn draw<'a, DB: DrawingBackend + 'a, X: Ranged<ValueType = f64>>(
        &self,
        chart: &mut ChartContext<'a, DB, Cartesian2d<X, RangedCoordf64>>,
    ) -> Result<(), AreaError<DB>> {
        let (x0, x1) = self.x_range;
        if let Some((value, label)) = self.reference {
            let y = (value * self.scale).clamp(0.0, self.y_max);
            chart
                .draw_series(DashedLineSeries::new(
                    [(x0, y), (x1, y)],
                    6,
                    4,
                    BLACK.stroke_width(1),
                ))?
                .label(label.as_str())
                .legend(|p| legend_line::<DB>(p, BLACK, true));
        }
        if let Some((x, label)) = self.x_mark {
            chart
                .draw_series(DashedLineSeries::new(
                    [(*x, 0.0), (*x, self.y_max)],
                    3,
                    3,
                    BLACK.stroke_width(2),
                ))?
                .label(label.as_str())
                .legend(|p| legend_line::<DB>(p, BLACK, true));
        }
        chart
            .configure_series_labels()
            .label_font((FAMILY, 14))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .position(if self.fixed_range {
                SeriesLabelPosition::LowerRight
            } else {
                SeriesLabelPosition::UpperRight
            })
            .draw()?;
        Ok(())
    }
}

/// Turns an axis value into its tick label.
type TickLabel<'a> = Box<dyn Fn(&f64) -> String + 'a>;

/// The runs of points with their x widened to steps `w` wide (each point
/// becomes its step's two ends), or as they are.
fn stepped<T: Copy>(run: Vec<(f64, T)>, step: Option<f64>) -> Vec<(f64, T)> {
    match step {
        None => run,
        Some(w) => run
            .into_iter()
            .flat_map(|(x, v)| [(x - w / 2.0, v), (x + w / 2.0, v)])
            .collect(),
    }
}

/// Draws lines with their CI bands, markers, point labels and legend
/// entries on a chart whose y axis runs from 0 to `y_max`.
fn plot_series<'a, DB: DrawingBackend + 'a, X: Ranged<ValueType = f64>>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, RangedCoordf64>>,
    series: &[Series],
    scale: f64,
    y_max: f64,
    step: Option<f64>,
) -> Result<(), AreaError<DB>> {
    let clamp = |v: f64| v.clamp(0.0, y_max);
    for (i, s) in series.iter().enumerate() {
        let colour = style::colour(i);
        let (marker, dashed) = style::marker(i);
        if s.band {
            let banded = runs(&s.points, |p| p.1.is_some() && p.2.is_some());
            for run in banded {
                let band: Vec<(f64, (f64, f64))> = run
                    .iter()
                    .filter_map(|&(x, m, ci)| {
                        let (m, ci) = (m? * scale, ci? * scale);
                        Some((x, (clamp(m - ci), clamp(m + ci))))
                    })
                    .collect();
                let band = stepped(band, step);
                if band.len() == 1 {
                    let (x, (lo, hi)) = band[0];
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(x, lo), (x, hi)],
                        colour.mix(0.5).stroke_width(6),
                    )))?;
                } else {
                    let outline: Vec<(f64, f64)> = band
                        .iter()
                        .map(|&(x, (_, hi))| (x, hi))
                        .chain(band.iter().rev().map(|&(x, (lo, _))| (x, lo)))
                        .collect();
                    chart.draw_series(std::iter::once(Polygon::new(
                        outline,
                        colour.mix(0.2).filled(),
                    )))?;
                }
            }
        }
        let defined: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter_map(|&(x, m, _)| Some((x, clamp(m? * scale))))
            .collect();
        let line = colour.stroke_width(2);
        for run in runs(&s.points, |p| p.1.is_some()) {
            let xy: Vec<(f64, f64)> = run
                .iter()
                .filter_map(|&(x, m, _)| Some((x, clamp(m? * scale))))
                .collect();
            let xy = stepped(xy, step);
            if xy.len() < 2 {
                continue;
            }
            if dashed {
                chart.draw_series(DashedLineSeries::new(xy, 9, 5, line))?;
            } else {
                chart.draw_series(LineSeries::new(xy, line))?;
            }
        }
        let fill = colour.filled();
        let anno = match marker {
            Marker::Circle => {
                chart.draw_series(defined.iter().map(|&p| Circle::new(p, 4, fill)))?
            }
            Marker::Triangle => {
                chart.draw_series(defined.iter().map(|&p| TriangleMarker::new(p, 6, fill)))?
            }
            Marker::Square => chart.draw_series(
                defined
                    .iter()
                    .map(|&p| EmptyElement::at(p) + Rectangle::new([(-4, -4), (4, 4)], fill)),
            )?,
            Marker::Cross => chart.draw_series(defined.iter().map(|&p| Cross::new(p, 5, line)))?,
        };
        anno.label(s.label.as_str())
            .legend(move |p| legend_line::<DB>(p, colour, dashed));
        let labelled = s
            .points
            .iter()
            .zip(&s.labels)
            .filter_map(|(&(x, m, _), text)| Some(((x, clamp(m? * scale)), text)));
        chart.draw_series(labelled.map(|(p, text)| {
            EmptyElement::at(p) + Text::new(text.clone(), (7, -16), (FAMILY, 12).into_font())
        }))?;
    }
    Ok(())
}

fn line_chart<DB: DrawingBackend>(
    c: &LineChart,
    title: &str,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), AreaError<DB>> {
    let scale = c.scale;
    let xs: Vec<f64> = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .filter(|x| x.is_finite())
        .collect();
    let (x0, x1) = c.x_range.unwrap_or_else(|| match &c.x {
        XAxis::Categories(labels) => (-0.5, labels.len().max(1) as f64 - 0.5),
        _ => {
            let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if !(lo.is_finite() && hi.is_finite()) {
                (0.0, 1.0)
            } else if hi > lo {
                let pad = (hi - lo) * 0.06;
                (lo - pad, hi + pad)
            } else {
                (lo - 1.0, hi + 1.0)
            }
        }
    });
    let ticks = match &c.x {
        XAxis::Clock => style::clock_ticks(x0, x1),
        XAxis::Categories(labels) => (0..labels.len()).map(|i| i as f64).collect(),
        XAxis::Values => {
            let mut v = xs.clone();
            v.sort_by(f64::total_cmp);
            v.dedup();
            v
        }
        XAxis::Numeric => nice_ticks(x0, x1),
    };
    let y_max = c.y_max.unwrap_or_else(|| {
        let top = c
            .series
            .iter()
            .flat_map(|s| {
                s.points.iter().filter_map(move |&(_, m, ci)| {
                    m.map(|m| m + if s.band { ci.unwrap_or(0.0) } else { 0.0 })
                })
            })
            .chain(c.reference.as_ref().map(|r| r.0))
            .fold(0.0, f64::max);
        // Room above the lines for the legend.
        headroom(top * scale * 1.25)
    });
    let format_x = |x: &f64| match &c.x {
        XAxis::Clock => clock(*x),
        XAxis::Categories(labels) => {
            let i = x.round();
            if (x - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
        XAxis::Numeric | XAxis::Values => tick(*x),
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FAMILY, 18))
        .margin(16)
        .x_label_area_size(52)
        .y_label_area_size(70)
        .build_cartesian_2d(TickAxis::new(x0, x1, ticks), 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc(c.x_label.as_str())
        .y_desc(c.y_label.as_str())
        .x_label_formatter(&format_x)
        .y_label_formatter(&|y| tick(*y))
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 15))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(TRANSPARENT)
        .draw()?;
    plot_series(&mut chart, &c.series, scale, y_max, c.step)?;
    let marks = Marks {
        x_range: (x0, x1),
        y_max,
        scale,
        reference: c.reference.as_ref(),
        x_mark: c.x_mark.as_ref(),
        fixed_range: c.y_max.is_some(),
    };
    marks.draw(&mut chart)
}

/// The axes of a chart with one labelled row per item (forest plots, bars).
struct RowsAxes<'a> {
    caption: (&'a str, u32),
    margin: u32,
    x: std::ops::Range<f64>,
    x_label: &'a str,
    x_ticks: usize,
    labels: &'a [&'a str],
    /// Widest the row labels' area may get, in pixels.
    label_width_max: u32,
    /// Draw a grid line per row.
    row_lines: bool,
}

type RowsCoord = Cartesian2d<RangedCoordf64, SegmentedCoord<RangedCoordusize>>;

/// A chart whose y axis has one segment per label, the first label at the
/// top (row i is drawn in segment n − 1 − i), with its mesh drawn.
fn rows_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    a: RowsAxes<'_>,
) -> Result<ChartContext<'a, DB, RowsCoord>, AreaError<DB>> {
    let n = a.labels.len().max(1);
    let widest = a
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(4);
    let mut chart = ChartBuilder::on(area)
        .caption(a.caption.0, (FAMILY, a.caption.1))
        .margin(a.margin)
        .x_label_area_size(52)
        .y_label_area_size((widest as u32 * 8 + 16).min(a.label_width_max))
        .build_cartesian_2d(a.x, (0..n - 1).into_segmented())?;
    let name_of = |v: &SegmentValue<usize>| match v {
        SegmentValue::CenterOf(j) if *j < a.labels.len() => {
            a.labels[a.labels.len() - 1 - j].to_string()
        }
        _ => String::new(),
    };
    let mut mesh = chart.configure_mesh();
    if !a.row_lines {
        mesh.disable_y_mesh();
    }
    mesh.x_desc(a.x_label)
        .x_labels(a.x_ticks)
        .x_label_formatter(&|x| tick(*x))
        .y_labels(n)
        .y_label_formatter(&name_of)
        .label_style((FAMILY, 13))
        .axis_desc_style((FAMILY, 15))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(TRANSPARENT)
        .draw()?;
    Ok(chart)
}

fn forest_chart<DB: DrawingBackend>(
    c: &ForestChart,
    title: &str,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), AreaError<DB>> {
    let n = c.rows.len().max(1);
    let (lo, hi) = c
        .rows
        .iter()
        .map(|r| (r.mean - r.ci95, r.mean + r.ci95))
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .fold((0.0f64, 0.0f64), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)));
    let pad = if hi > lo { (hi - lo) * 0.08 } else { 1.0 };
    let (lo, hi) = (lo - pad, hi + pad);
    let labels: Vec<&str> = c.rows.iter().map(|r| r.label.as_str()).collect();
    let mut chart = rows_chart(
        root,
        RowsAxes {
            caption: (title, 18),
            margin: 16,
            x: lo..hi,
            x_label: &c.x_label,
            x_ticks: 8,
            labels: &labels,
            label_width_max: 260,
            row_lines: true,
        },
    )?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Last)],
        BLACK.stroke_width(1),
    )))?;
    let at = |i: usize| SegmentValue::CenterOf(n - 1 - i);
    let (hot, cold) = (style::colour(1), style::colour(0));
    for (i, r) in c.rows.iter().enumerate() {
        let colour = if r.highlight { hot } else { cold };
        if r.ci95 > 0.0 {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(r.mean - r.ci95, at(i)), (r.mean + r.ci95, at(i))],
                colour.stroke_width(if r.highlight { 3 } else { 2 }),
            )))?;
        }
    }
    let pick = |highlight: bool| {
        c.rows
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.highlight == highlight)
            .map(move |(i, r)| (r.mean, at(i)))
    };
    chart
        .draw_series(
            pick(true)
                .map(|p| EmptyElement::at(p) + Rectangle::new([(-5, -5), (5, 5)], hot.filled())),
        )?
        .label(c.legend.0.as_str())
        .legend(move |(x, y)| Rectangle::new([(x - 5, y - 5), (x + 5, y + 5)], hot.filled()));
    chart
        .draw_series(pick(false).map(|p| Circle::new(p, 4, cold.filled())))?
        .label(c.legend.1.as_str())
        .legend(move |(x, y)| Circle::new((x, y), 4, cold.filled()));
    chart
        .configure_series_labels()
        .label_font((FAMILY, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .position(SeriesLabelPosition::LowerRight)
        .draw()?;
    Ok(())
}

fn bar_chart<DB: DrawingBackend>(
    c: &BarChart,
    title: &str,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), AreaError<DB>> {
    let root = root.titled(title, (FAMILY, 18))?;
    let areas = root.split_evenly((1, c.panels.len().max(1)));
    for (panel, area) in c.panels.iter().zip(&areas) {
        let n = panel.bars.len().max(1);
        let ends = panel.bars.iter().filter_map(|b| {
            let m = b.mean?;
            let ci = b.ci95.unwrap_or(0.0);
            Some((m - ci, m + ci))
        });
        let (lo, hi) = ends.fold((0.0f64, 0.0f64), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)));
        let (lo, hi) = (if lo < 0.0 { lo * 1.08 } else { 0.0 }, headroom(hi));
        let labels: Vec<&str> = panel.bars.iter().map(|b| b.label.as_str()).collect();
        let mut chart = rows_chart(
            area,
            RowsAxes {
                caption: (&panel.heading, 16),
                margin: 14,
                x: lo..hi,
                x_label: &panel.x_label,
                x_ticks: 6,
                labels: &labels,
                label_width_max: 200,
                row_lines: false,
            },
        )?;
        let colour = style::colour(0);
        for (i, bar) in panel.bars.iter().enumerate() {
            let Some(m) = bar.mean else { continue };
            let j = n - 1 - i;
            let mut rect = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(j)),
                    (m, SegmentValue::Exact(j + 1)),
                ],
                colour.filled(),
            );
            rect.set_margin(5, 5, 0, 0);
            chart.draw_series(std::iter::once(rect))?;
            if let Some(ci) = bar.ci95.filter(|ci| *ci > 0.0) {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![
                        (m - ci, SegmentValue::CenterOf(j)),
                        (m + ci, SegmentValue::CenterOf(j)),
                    ],
                    BLACK.stroke_width(2),
                )))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_at_gaps() {
        let v = [Some(1), None, Some(2), Some(3), None, None, Some(4)];
        let r = runs(&v, |x| x.is_some());
        assert_eq!(r, [vec![Some(1)], vec![Some(2), Some(3)], vec![Some(4)]]);
        assert!(runs(&[None::<u8>], |x| x.is_some()).is_empty());
    }

    #[test]
    fn ticks_are_short() {
        assert_eq!(tick(100.0), "100");
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(20_000.0), "20k");
        assert_eq!(tick(1_250_000.0), "1.25M");
        assert_eq!(tick(-0.001), "0");
    }

    #[test]
    fn nice_ticks_are_round_and_within_the_range() {
        assert_eq!(nice_ticks(0.0, 100.0), [0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(nice_ticks(83.3, 93.6), [84.0, 86.0, 88.0, 90.0, 92.0]);
        assert_eq!(nice_ticks(5.0, 5.0), [5.0]);
    }

    #[test]
    fn headroom_never_gives_an_empty_axis() {
        assert_eq!(headroom(0.0), 1.0);
        assert_eq!(headroom(f64::NAN), 1.0);
        assert!((headroom(100.0) - 108.0).abs() < 1e-9);
    }
}
