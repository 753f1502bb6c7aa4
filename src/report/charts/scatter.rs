//! A labelled scatter of points, some highlighted and joined by a line
//! (a cost frontier: the efficient points joined, the dominated ones grey).
//! Drawn and written like every chart: `charts/<stem>.svg` and `.png`.

use super::ChartError;
use super::draw::{self, AreaError, Draw, Drawn, TickAxis, legend_line, nice_ticks, tick};
use super::style::{self, FAMILY};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One point of a [`ScatterChart`], in the axes' units.
#[derive(Debug, Clone)]
pub struct ScatterPoint {
    /// X value.
    pub x: f64,
    /// Y value.
    pub y: f64,
    /// A text beside the point (empty: none).
    pub label: String,
    /// Drawn in colour and joined to the other highlighted points (in
    /// order of x); the others are grey.
    pub highlight: bool,
}

/// Points with labels; the highlighted ones in colour and joined by a line.
#[derive(Debug, Clone)]
pub struct ScatterChart {
    /// File stem under `charts/`.
    pub stem: String,
    /// The whole title.
    pub title: String,
    /// X axis label, with its unit.
    pub x_label: String,
    /// Y axis label, with its unit.
    pub y_label: String,
    /// Legend labels of the highlighted and the other points.
    pub legend: (String, String),
    /// The points; those with a non-finite coordinate are left out.
    pub points: Vec<ScatterPoint>,
}

/// Grey of the points that are not highlighted.
const GREY: RGBColor = RGBColor(0x99, 0x99, 0x99);

/// `lo..hi` widened by 8% on each side (by 1 around a single value).
fn padded(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        (hi - lo) * 0.08
    } else {
        (lo.abs() * 0.05).max(1.0)
    };
    (lo - pad, hi + pad)
}

impl ScatterChart {
    /// The points with finite coordinates.
    fn finite(&self) -> impl Iterator<Item = &ScatterPoint> {
        self.points
            .iter()
            .filter(|p| p.x.is_finite() && p.y.is_finite())
    }

    /// The chart as `(name under the report folder, bytes)`:
    /// `charts/<stem>.svg` then `charts/<stem>.png`.
    ///
    /// # Errors
    /// A chart plotters could not draw.
    pub fn render(&self) -> Result<Vec<(String, Vec<u8>)>, ChartError> {
        let fail = |message: String| ChartError {
            stem: self.stem.clone(),
            message,
        };
        let svg = draw::svg(self, &self.title).map_err(fail)?;
        let png = draw::png(self, &self.title).map_err(fail)?;
        Ok(vec![
            (format!("charts/{}.svg", self.stem), svg.into_bytes()),
            (format!("charts/{}.png", self.stem), png),
        ])
    }

    fn plot<DB: DrawingBackend>(
        &self,
        title: &str,
        root: &DrawingArea<DB, Shift>,
    ) -> Result<(), AreaError<DB>> {
        root.fill(&WHITE)?;
        let (x0, x1) = padded(self.finite().map(|p| p.x));
        let (y0, y1) = padded(self.finite().map(|p| p.y));
        // Room above the points for the legend.
        let y1 = y1 + (y1 - y0) * 0.15;
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FAMILY, 18))
            .margin(16)
            .x_label_area_size(52)
            .y_label_area_size(70)
            .build_cartesian_2d(
                TickAxis::new(x0, x1, nice_ticks(x0, x1)),
                TickAxis::new(y0, y1, nice_ticks(y0, y1)),
            )?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 15))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(TRANSPARENT)
            .draw()?;
        let colour = style::colour(0);
        let mut front: Vec<(f64, f64)> = self
            .finite()
            .filter(|p| p.highlight)
            .map(|p| (p.x, p.y))
            .collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        if front.len() >= 2 {
            chart.draw_series(LineSeries::new(front.clone(), colour.stroke_width(2)))?;
        }
        chart
            .draw_series(
                self.finite()
                    .filter(|p| !p.highlight)
                    .map(|p| Circle::new((p.x, p.y), 4, GREY.filled())),
            )?
            .label(self.legend.1.as_str())
            .legend(|(x, y)| Circle::new((x, y), 4, GREY.filled()));
        chart
            .draw_series(front.iter().map(|&p| Circle::new(p, 5, colour.filled())))?
            .label(self.legend.0.as_str())
            .legend(move |p| {
                legend_line::<DB>(p, colour, false) + Circle::new(p, 5, colour.filled())
            });
        chart.draw_series(self.finite().filter(|p| !p.label.is_empty()).map(|p| {
            let font = (FAMILY, 12)
                .into_font()
                .color(if p.highlight { &BLACK } else { &GREY });
            EmptyElement::at((p.x, p.y)) + Text::new(p.label.clone(), (7, -16), font)
        }))?;
        chart
            .configure_series_labels()
            .label_font((FAMILY, 14))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()?;
        Ok(())
    }
}

impl Draw for ScatterChart {
    fn draw_on<DB: DrawingBackend>(&self, title: &str, root: &DrawingArea<DB, Shift>) -> Drawn {
        self.plot(title, root).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scatter_draws_labels_and_leaves_out_undefined_points() {
        let point = |x: f64, y: f64, label: &str, highlight: bool| ScatterPoint {
            x,
            y,
            label: label.into(),
            highlight,
        };
        let chart = ScatterChart {
            stem: "frontier".into(),
            title: "Frontier — x, seed 1".into(),
            x_label: "Service level (%)".into(),
            y_label: "Cost (USD)".into(),
            legend: ("efficient".into(), "dominated".into()),
            points: vec![
                point(80.0, 100.0, "26", true),
                point(90.0, 120.0, "28", true),
                point(85.0, 130.0, "27", false),
                point(f64::NAN, 1.0, "gone", false),
            ],
        };
        let files = chart.render().unwrap();
        assert_eq!(files[0].0, "charts/frontier.svg");
        let svg = String::from_utf8(files[0].1.clone()).unwrap();
        assert!(!svg.contains("NaN") && !svg.contains("points=\"\""));
        for want in ["26", "27", "28", "efficient", "dominated", "Cost (USD)"] {
            assert!(svg.contains(want), "{want}");
        }
        assert!(!svg.contains("gone"));
        assert!(files[1].1.starts_with(b"\x89PNG"));
    }
}
