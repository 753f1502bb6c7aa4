//! The look shared by every chart: the embedded font, the Okabe–Ito
//! palette, the marker and dash that tell series apart in greyscale, and
//! clock-time ticks.

use plotters::style::{FontStyle, RGBColor};
use std::sync::Once;

/// DejaVu Sans, embedded so that text renders on a machine without fonts
/// (licence: assets/fonts/LICENSE-DejaVu.txt).
const FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// The family name every chart's text uses (and SVG files name).
pub const FAMILY: &str = "sans-serif";

/// Registers the embedded font with plotters (once per process).
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_err() {
            // The font is part of the binary; a failure is a build defect.
            panic!("the embedded DejaVu Sans font is not a valid font");
        }
    });
}

/// Okabe & Ito (2008), "Color Universal Design", the colour-blind-safe
/// palette, in the order lines use it (yellow, weak on white, last).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0xF0, 0xE4, 0x42), // yellow
];

/// Series `i`'s colour.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Markers that tell series apart without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// Filled circle.
    Circle,
    /// Triangle.
    Triangle,
    /// Square.
    Square,
    /// Cross.
    Cross,
}

/// Series `i`'s marker, and whether its line is dashed (series 4 to 7 are,
/// so that eight series differ by marker and dash before colours repeat).
pub fn marker(i: usize) -> (Marker, bool) {
    let m = [
        Marker::Circle,
        Marker::Triangle,
        Marker::Square,
        Marker::Cross,
    ][i % 4];
    (m, (i / 4) % 2 == 1)
}

/// Tick positions (seconds) for a clock axis over `from..to`: multiples of
/// a whole step of 15 min to 1 day (whole days beyond), at most 9 of them.
pub fn clock_ticks(from: f64, to: f64) -> Vec<f64> {
    const STEPS: [f64; 9] = [
        900.0, 1800.0, 3600.0, 7200.0, 10_800.0, 14_400.0, 21_600.0, 43_200.0, 86_400.0,
    ];
    let span = (to - from).max(1.0);
    let step = STEPS
        .iter()
        .copied()
        .find(|s| span / s <= 8.0)
        .unwrap_or_else(|| (span / 8.0 / 86_400.0).ceil() * 86_400.0);
    let mut t = (from / step).ceil() * step;
    let mut out = Vec::new();
    while t <= to + 1e-9 {
        out.push(t);
        t += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_ticks_are_whole_steps_within_the_range() {
        assert_eq!(
            clock_ticks(3600.0, 6.0 * 3600.0),
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0].map(|h| h * 3600.0)
        );
        let day = clock_ticks(0.0, 86_400.0);
        assert_eq!(day.len(), 9, "{day:?}");
        assert!(day.iter().all(|t| t % 10_800.0 == 0.0));
        assert_eq!(clock_ticks(900.0, 2700.0), [900.0, 1800.0, 2700.0]);
        assert!(clock_ticks(0.0, 30.0 * 86_400.0).len() <= 9);
    }

    #[test]
    fn the_palette_is_okabe_ito_and_series_differ_without_colour() {
        assert_eq!(PALETTE[0], RGBColor(0, 114, 178));
        let looks: Vec<_> = (0..8).map(marker).collect();
        for (i, a) in looks.iter().enumerate() {
            assert!(looks[..i].iter().all(|b| b != a), "{i}");
        }
    }

    #[test]
    fn the_embedded_font_registers() {
        register_font();
        register_font();
    }
}
