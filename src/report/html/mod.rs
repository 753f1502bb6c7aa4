//! `report.html` (`--html`): one page a person opens from anywhere, a USB
//! stick included. Everything is inside the file: the style sheet inline,
//! the charts as inline `<svg>` (the same drawings as `charts/*.svg`), no
//! script, no image file, no font or anything else fetched; text in the
//! reader's system fonts. It prints on A4 or Letter (charts and tables are
//! not split across pages) and reads in a narrow window (wide tables scroll
//! sideways). Every text that comes from an input (names, descriptions,
//! paths, the command line) is escaped.
//!
//! [`Page`] builds the document; `run` fills it for `ccsim run`, and
//! `crate::experiment::html` for the experiment commands.

mod run;

pub use run::{headline, kpi_table, run};

use super::charts::{self, Chart, ChartError};
use super::manifest::Manifest;
use crate::stats::Estimate;
use std::fmt::Write;

/// The file name in the report folder.
pub const FILE: &str = "report.html";

/// The style sheet, inlined into every page.
const CSS: &str = include_str!("style.css");

/// `text` safe inside an element or a quoted attribute: markup characters
/// escaped, control characters (which HTML forbids) replaced by U+FFFD.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// One table cell: its text and an optional CSS class (`met`, `missed`,
/// `text` for left-aligned prose).
#[derive(Debug, Clone)]
pub struct Cell {
    /// The text, unescaped.
    pub text: String,
    /// CSS class, if any.
    pub class: Option<&'static str>,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, class: None }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

impl Cell {
    /// A cell with a CSS class.
    pub fn with(text: impl Into<String>, class: &'static str) -> Cell {
        Cell {
            text: text.into(),
            class: Some(class),
        }
    }

    /// "met" or "missed", coloured (and worded, for greyscale print).
    pub fn verdict(met: bool) -> Cell {
        if met {
            Cell::with("met", "met")
        } else {
            Cell::with("missed", "missed")
        }
    }
}

/// A table: the first column heads its row.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Column headings.
    pub head: Vec<String>,
    /// The rows, each as long as `head`.
    pub rows: Vec<Vec<Cell>>,
    /// Leading columns that are labels (left-aligned), at least 1.
    pub label_columns: usize,
}

impl Table {
    /// An empty table with these headings and one label column.
    pub fn new<S: Into<String>>(head: impl IntoIterator<Item = S>) -> Table {
        Table {
            head: head.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            label_columns: 1,
        }
    }

    /// Adds a row.
    pub fn row<C: Into<Cell>>(&mut self, cells: impl IntoIterator<Item = C>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }
}

/// A headline figure: what, its value, and the line under it.
#[derive(Debug, Clone)]
pub struct Card {
    /// What the figure is.
    pub label: String,
    /// The figure.
    pub value: String,
    /// Its 95% CI or other detail.
    pub detail: String,
}

/// An HTML document being built, section by section.
#[derive(Debug)]
pub struct Page {
    title: String,
    header: String,
    toc: Vec<(String, String)>,
    main: String,
    in_section: bool,
}

impl Page {
    /// A page titled `title` (the browser tab), with `heading` as its
    /// `<h1>` and `lede` lines under it.
    pub fn new(title: &str, heading: &str, lede: &[String]) -> Page {
        let mut header = format!("<h1>{}</h1>\n", esc(heading));
        for line in lede.iter().filter(|l| !l.is_empty()) {
            let _ = writeln!(header, "<p class=\"lede\">{}</p>", esc(line));
        }
        Page {
            title: title.to_string(),
            header,
            toc: Vec::new(),
            main: String::new(),
            in_section: false,
        }
    }

    /// Starts a section (listed in the contents); ends the one before.
    pub fn section(&mut self, id: &str, heading: &str) {
        self.end_section();
        let _ = writeln!(
            self.main,
            "<section id=\"{}\">\n<h2>{}</h2>",
            esc(id),
            esc(heading)
        );
        self.toc.push((id.to_string(), heading.to_string()));
        self.in_section = true;
    }

    fn end_section(&mut self) {
        if self.in_section {
            self.main.push_str("</section>\n");
            self.in_section = false;
        }
    }

    /// A sub-heading.
    pub fn h3(&mut self, text: &str) {
        let _ = writeln!(self.main, "<h3>{}</h3>", esc(text));
    }

    /// A paragraph of plain text.
    pub fn p(&mut self, text: &str) {
        let _ = writeln!(self.main, "<p>{}</p>", esc(text));
    }

    /// A paragraph in the muted style of a note.
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.main, "<p class=\"note\">{}</p>", esc(text));
    }

    /// Headline figures as a grid of cards.
    pub fn cards(&mut self, cards: &[Card]) {
        self.main.push_str("<div class=\"cards\">\n");
        for c in cards {
            let _ = writeln!(
                self.main,
                "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"ci\">{}</div></div>",
                esc(&c.label),
                esc(&c.value),
                esc(&c.detail)
            );
        }
        self.main.push_str("</div>\n");
    }

    /// A table in a wrapper that scrolls sideways when the window is narrow.
    pub fn table(&mut self, t: &Table) {
        let label_columns = t.label_columns.max(1);
        self.main
            .push_str("<div class=\"scroll\">\n<table>\n<thead><tr>");
        for (i, h) in t.head.iter().enumerate() {
            let class = if i < label_columns {
                " class=\"l\""
            } else {
                ""
            };
            let _ = write!(self.main, "<th scope=\"col\"{class}>{}</th>", esc(h));
        }
        self.main.push_str("</tr></thead>\n<tbody>\n");
        for row in &t.rows {
            self.main.push_str("<tr>");
            for (i, c) in row.iter().enumerate() {
                let tag = if i == 0 { "th scope=\"row\"" } else { "td" };
                let end = if i == 0 { "th" } else { "td" };
                let mut classes: Vec<&str> = Vec::new();
                if i < label_columns {
                    classes.push("l");
                }
                classes.extend(c.class);
                let class = if classes.is_empty() {
                    String::new()
                } else {
                    format!(" class=\"{}\"", classes.join(" "))
                };
                let _ = write!(self.main, "<{tag}{class}>{}</{end}>", esc(&c.text));
            }
            self.main.push_str("</tr>\n");
        }
        self.main.push_str("</tbody>\n</table>\n</div>\n");
    }

    /// Charts, each as an inline SVG drawing with its title.
    ///
    /// # Errors
    /// A chart plotters could not draw.
    pub fn charts<'a>(
        &mut self,
        charts: impl IntoIterator<Item = (&'a Chart, String)>,
    ) -> Result<(), ChartError> {
        for (chart, title) in charts {
            let svg = charts::svg_of(chart, &title)?;
            let _ = writeln!(
                self.main,
                "<figure class=\"chart\" id=\"chart-{}\">\n{}</figure>",
                esc(chart.stem()),
                inline_svg(&svg, &title)
            );
        }
        Ok(())
    }

    /// Where the report came from: the manifest's facts (without file
    /// sizes), as the last section.
    pub fn provenance(&mut self, m: &Manifest) {
        self.section("provenance", "Where this report came from");
        let mut facts = Table::new(["fact", "value"]);
        facts.label_columns = 2;
        let quoted: Vec<String> = m.command_line.iter().map(|a| shell_word(a)).collect();
        facts.row([Cell::from("ccsim version"), Cell::from(m.ccsim_version)]);
        facts.row([Cell::from("command"), Cell::from(m.command)]);
        facts.row([
            Cell::from("command line"),
            Cell::with(quoted.join(" "), "code"),
        ]);
        facts.row([
            Cell::from("scenario"),
            Cell::with(m.scenario.as_str(), "text"),
        ]);
        facts.row([
            Cell::from("scenario file"),
            Cell::with(m.scenario_path.as_str(), "code"),
        ]);
        facts.row([
            Cell::from("overrides (--set)"),
            if m.overrides.is_empty() {
                Cell::with("none", "text")
            } else {
                Cell::with(m.overrides.join("; "), "code")
            },
        ]);
        facts.row([Cell::from("seed"), Cell::from(m.seed.to_string())]);
        facts.row([
            Cell::from("replications"),
            Cell::from(m.replications.to_string()),
        ]);
        facts.row([
            Cell::from("started (UTC)"),
            Cell::from(m.started_utc.as_str()),
        ]);
        self.table(&facts);
        self.h3("Input files");
        let mut inputs = Table::new(["role", "path", "SHA-256"]);
        inputs.label_columns = 3;
        for f in &m.inputs {
            inputs.row([
                Cell::from(f.role),
                Cell::with(f.path.as_str(), "code"),
                Cell::with(f.sha256.as_str(), "code"),
            ]);
        }
        self.table(&inputs);
    }

    /// The whole document.
    pub fn finish(mut self) -> Vec<u8> {
        self.end_section();
        let mut out = String::with_capacity(self.main.len() + CSS.len() + 2048);
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        let _ = writeln!(
            out,
            "<meta name=\"generator\" content=\"ccsim {}\">",
            env!("CARGO_PKG_VERSION")
        );
        let _ = writeln!(out, "<title>{}</title>", esc(&self.title));
        let _ = writeln!(out, "<style>\n{CSS}</style>\n</head>\n<body>");
        let _ = writeln!(out, "<header>\n{}</header>", self.header);
        if !self.toc.is_empty() {
            out.push_str("<nav class=\"toc\" aria-label=\"Contents\"><ul>\n");
            for (id, heading) in &self.toc {
                let _ = writeln!(
                    out,
                    "<li><a href=\"#{}\">{}</a></li>",
                    esc(id),
                    esc(heading)
                );
            }
            out.push_str("</ul></nav>\n");
        }
        let _ = writeln!(out, "<main>\n{}</main>", self.main);
        let _ = writeln!(
            out,
            "<footer>Written by ccsim {}. This file is self-contained: it needs no other file and no network.</footer>\n</body>\n</html>",
            env!("CARGO_PKG_VERSION")
        );
        out.into_bytes()
    }
}

/// An argument as a shell would need it typed (quoted when it has to be).
fn shell_word(a: &str) -> String {
    let plain = !a.is_empty()
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+%@".contains(c));
    if plain {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// A standalone SVG document made an inline drawing: its root tag replaced
/// by one that scales with the page (the viewBox kept, no namespace URL),
/// labelled with the chart's title for screen readers.
fn inline_svg(svg: &str, title: &str) -> String {
    let (w, h) = charts::SIZE;
    let body = svg
        .strip_prefix("<svg")
        .and_then(|rest| rest.split_once('>'))
        .map_or(svg, |(_, body)| body.trim_start_matches('\n'));
    format!(
        "<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{t}\" preserveAspectRatio=\"xMidYMid meet\">\n<title>{t}</title>\n{body}",
        t = esc(title)
    )
}

/// Money with two decimals and its CI: `1234.50 ± 12.30`.
pub fn money(e: &Estimate) -> String {
    match (e.mean, e.ci95) {
        (Some(m), Some(c)) => format!("{m:.2} ± {c:.2}"),
        (Some(m), None) => format!("{m:.2}"),
        _ => "—".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(
            esc("<b>\"A&B\"</b> 'x'\u{0}"),
            "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt; &#39;x&#39;\u{FFFD}"
        );
    }

    #[test]
    fn a_page_has_its_sections_in_the_contents_and_no_script() {
        let mut page = Page::new("t <1>", "h & h", &["lede".into()]);
        page.section("a", "First");
        page.p("x < y");
        let mut t = Table::new(["k", "v"]);
        t.row(["<k>", "1"]);
        page.table(&t);
        page.section("b", "Second");
        let html = String::from_utf8(page.finish()).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<title>t &lt;1&gt;</title>"));
        assert!(html.contains("<a href=\"#a\">First</a>"));
        assert!(html.contains("<section id=\"b\">"));
        assert!(html.contains("&lt;k&gt;"));
        assert!(!html.contains("<script"));
        assert_eq!(
            html.matches("<section").count(),
            html.matches("</section>").count()
        );
    }

    #[test]
    fn command_lines_quote_what_a_shell_would_split() {
        assert_eq!(shell_word("--out"), "--out");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }

    #[test]
    fn an_inline_svg_scales_and_names_no_url() {
        let svg = "<svg width=\"1000\" height=\"560\" viewBox=\"0 0 1000 560\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/>\n</svg>\n";
        let inline = inline_svg(svg, "A & B");
        assert!(inline.starts_with("<svg viewBox=\"0 0 1000 560\""));
        assert!(inline.contains("<title>A &amp; B</title>\n<rect/>"));
        assert!(!inline.contains("http"));
    }
}
