//! Staffing plans (docs/scenario.md, "Staffing plans"): the checked
//! [`StaffingPlan`] of a group, and the reader of the `staffing = "plan.csv"`
//! file that gives head counts per interval for the agent groups it names.
//!
//! ```text
//! interval_start,support,sales
//! 0s,10,4
//! 30m,12,4
//! 1h,14,5
//! ```
//!
//! Row i is interval i counted from time 0, the warm-up included, so the
//! rows list every interval from `0s` in order (a gap would leave an
//! interval unstaffed by mistake); the last row holds to the end of the run.
//! The file is split by hand rather than with the `csv` crate so that every
//! problem points at its cell (line and column), not only at its row.

use super::diag::{Severity, SourceFile};
use super::units::parse_duration;
use super::validate::Validator;
use super::{MAX_HEAD_COUNT, Simulation};
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// Largest staffing plan read.
const STAFFING_MAX_BYTES: u64 = 16 << 20;

/// Bad cells reported before giving up on the file.
const MAX_ERRORS: usize = 20;

/// The first column's name.
const START_COLUMN: &str = "interval_start";

/// A head count per interval (docs/scenario.md, "Staffing plans"): entry i
/// holds during `[i·interval, (i+1)·interval)` counted from time 0, the
/// warm-up included, and the last entry holds from its start to the end of
/// the run (drain included). The group has `max()` workers; while entry i
/// holds, its first `counts[i]` workers are on the plan and the others are
/// off it, as after a shift end.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffingPlan {
    /// Width of one entry, seconds: the scenario's reporting interval.
    pub interval_s: f64,
    /// Head count per interval; never empty.
    pub counts: Vec<u32>,
}

impl StaffingPlan {
    /// The number of workers the group needs: the largest head count.
    pub fn max(&self) -> u32 {
        self.counts.iter().copied().max().unwrap_or(0)
    }

    /// The entry in force at `t`. Boundaries are computed as
    /// `i as f64 * interval_s` (as [`StaffingPlan::next_change`] schedules
    /// them), so the entry at a boundary is always the one starting there,
    /// whatever the rounding of `t / interval_s`.
    pub fn index_at(&self, t: f64) -> usize {
        let last = self.counts.len() - 1;
        if t.is_nan() || t <= 0.0 {
            return 0;
        }
        let mut i = ((t / self.interval_s).floor() as usize).min(last);
        if i < last && (i + 1) as f64 * self.interval_s <= t {
            i += 1;
        } else if i > 0 && i as f64 * self.interval_s > t {
            i -= 1;
        }
        i
    }

    /// The head count in force at `t`.
    pub fn count_at(&self, t: f64) -> u32 {
        self.counts[self.index_at(t)]
    }

    /// The first boundary strictly after `t` at which the head count
    /// changes, or `None`: a plan that repeats a count adds no events.
    pub fn next_change(&self, t: f64) -> Option<f64> {
        let i = self.index_at(t);
        (i + 1..self.counts.len())
            .find(|&k| self.counts[k] != self.counts[k - 1])
            .map(|k| k as f64 * self.interval_s)
    }
}

/// The `staffing` file of a scenario, as far as it could be read.
pub(super) struct StaffingInput {
    /// The path as written in the scenario (messages).
    pub file: String,
    /// Where the scenario names it.
    pub span: Range<usize>,
    /// The header's group names and, when every row was right, each one's
    /// head counts; `None` when the file or its header could not be read
    /// (reported), so which groups it covers is unknown.
    table: Option<StaffingTable>,
}

/// The columns of a staffing plan that could be read.
struct StaffingTable {
    /// Group names of the header, in order.
    groups: Vec<String>,
    /// Per column of `groups`, one head count per row; `None` when some
    /// row was wrong (reported).
    counts: Option<Vec<Vec<u32>>>,
}

/// What the staffing plan says about one group.
pub(super) enum Column<'a> {
    /// Its head counts, one per interval (never empty).
    Counts(&'a [u32]),
    /// It has a column, but some row is wrong (reported).
    Broken,
    /// It has no column.
    Absent,
    /// The file could not be read (reported): it may have had one.
    Unknown,
}

impl StaffingInput {
    /// The plan's column for group `name`.
    pub fn column(&self, name: &str) -> Column<'_> {
        let Some(table) = &self.table else {
            return Column::Unknown;
        };
        match table.groups.iter().position(|g| g == name) {
            None => Column::Absent,
            Some(i) => match &table.counts {
                Some(counts) => Column::Counts(&counts[i]),
                None => Column::Broken,
            },
        }
    }
}

/// One CSV cell: its text (trimmed, unquoted) and its byte offset in the file.
#[derive(Debug, PartialEq)]
struct Cell {
    at: usize,
    text: String,
}

/// Splits one line (without its line break), which starts at byte `start`
/// of the file, into cells. A cell may be quoted the CSV way (`"a,b"`,
/// `""` for a quote) but may not span lines.
fn split_cells(line: &str, start: usize) -> Result<Vec<Cell>, (usize, String)> {
    let blank = |b: u8| b == b' ' || b == b'\t';
    let bytes = line.as_bytes();
    let mut cells = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && blank(bytes[i]) {
            i += 1;
        }
        let at = start + i;
        let text = if bytes.get(i) == Some(&b'"') {
            let mut text = String::new();
            let mut j = i + 1;
            loop {
                let Some(k) = line[j..].find('"') else {
                    return Err((at, "a quoted cell is not closed on its line".into()));
                };
                text.push_str(&line[j..j + k]);
                j += k + 1;
                if bytes.get(j) == Some(&b'"') {
                    text.push('"');
                    j += 1;
                } else {
                    break;
                }
            }
            while j < bytes.len() && blank(bytes[j]) {
                j += 1;
            }
            if j < bytes.len() && bytes[j] != b',' {
                return Err((start + j, "unexpected text after a quoted cell".into()));
            }
            i = j;
            text
        } else {
            let end = line[i..].find(',').map_or(line.len(), |k| i + k);
            let text = line[i..end].trim_end().to_string();
            i = end;
            text
        };
        cells.push(Cell { at, text });
        if i >= bytes.len() {
            return Ok(cells);
        }
        i += 1; // the comma
    }
}

/// The non-blank lines of a text with the byte offset of each; a leading
/// byte-order mark and `\r` line ends are left out.
fn lines(text: &str) -> Vec<(usize, &str)> {
    let mut pos = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut out = Vec::new();
    for raw in text[pos..].split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if !line.trim().is_empty() {
            out.push((pos, line));
        }
        pos += raw.len() + 1;
    }
    out
}

/// Reads and checks the staffing plan `file` (relative to the scenario's
/// folder) against the scenario's `groups` (names as written) and its
/// intervals, reporting every problem at its cell; records the file as an
/// input of the scenario.
pub(super) fn load_staffing(
    v: &mut Validator<'_>,
    file: &Spanned<String>,
    groups: &[&str],
    sim: Option<&Simulation>,
) -> StaffingInput {
    let dir = v.src.path.parent().unwrap_or(Path::new(""));
    let path = dir.join(file.get_ref());
    let mut input = StaffingInput {
        file: file.get_ref().clone(),
        span: file.span(),
        table: None,
    };
    let text = match super::input::read_text(&path, STAFFING_MAX_BYTES) {
        Ok(t) => t,
        Err(e) => {
            v.err(&file.span(), format!("cannot read the staffing plan: {e}"));
            return input;
        }
    };
    v.record_input("staffing plan", &path, &text);
    let mut reader = PlanReader {
        src: SourceFile::new(&path, &text),
        errors: 0,
        v,
    };
    input.table = reader.read(file, groups, sim);
    input
}

/// Reads one staffing CSV, reporting problems into the validator.
struct PlanReader<'v, 'a, 'f> {
    src: SourceFile<'f>,
    /// Problems reported so far.
    errors: usize,
    v: &'v mut Validator<'a>,
}

impl PlanReader<'_, '_, '_> {
    fn report(&mut self, at: usize, message: String) {
        self.errors += 1;
        let d = self.src.at(Severity::Error, at, message);
        self.v.diags.items.push(d);
    }

    fn read(
        &mut self,
        file: &Spanned<String>,
        groups: &[&str],
        sim: Option<&Simulation>,
    ) -> Option<StaffingTable> {
        let text = self.src.text;
        let lines = lines(text);
        let Some(&(header_at, header)) = lines.first() else {
            self.v.err(
                &file.span(),
                format!(
                    "the staffing plan {} is empty: expected the header `{START_COLUMN},<group>,…` and one row per interval",
                    file.get_ref()
                ),
            );
            return None;
        };
        let columns = self.header(header_at, header, groups)?;
        let mut counts = vec![Vec::new(); columns.len()];
        let rows = &lines[1..];
        if rows.is_empty() {
            self.report(
                header_at,
                format!(
                    "the staffing plan has no rows: add one per interval, from {START_COLUMN} 0s"
                ),
            );
            return None;
        }
        let interval = sim.map(|s| (s.interval_s, s.plan_interval_count()));
        let mut previous: Option<f64> = None;
        for (i, &(at, line)) in rows.iter().enumerate() {
            if self.errors >= MAX_ERRORS {
                self.report(text.len(), format!("stopped after {MAX_ERRORS} problems"));
                return None;
            }
            if let Some((width, n)) = interval
                && i == n
            {
                self.report(
                    at,
                    format!(
                        "the staffing plan has {} rows but the horizon has {n} intervals of {width} s (counted from time 0, the warm-up included)",
                        rows.len()
                    ),
                );
            }
            let cells = match split_cells(line, at) {
                Ok(c) => c,
                Err((at, message)) => {
                    self.report(at, message);
                    continue;
                }
            };
            if cells.len() != columns.len() + 1 {
                self.report(
                    at,
                    format!(
                        "expected {} cells ({START_COLUMN}, then one per group of the header), found {}",
                        columns.len() + 1,
                        cells.len()
                    ),
                );
                continue;
            }
            if let Some(start) = self.start(&cells[0], i, interval.map(|x| x.0), previous) {
                previous = Some(start);
            }
            for ((cell, name), out) in cells[1..].iter().zip(&columns).zip(&mut counts) {
                match cell.text.parse::<i64>() {
                    Ok(n) if (0..=MAX_HEAD_COUNT).contains(&n) => out.push(n as u32),
                    _ => self.report(
                        cell.at,
                        format!(
                            "{name}: expected a head count between 0 and {MAX_HEAD_COUNT}, found \"{}\"",
                            cell.text
                        ),
                    ),
                }
            }
        }
        let ok = self.errors == 0;
        Some(StaffingTable {
            groups: columns,
            counts: ok.then_some(counts),
        })
    }

    /// Checks the header: `interval_start`, then known group names, each
    /// once. Returns the group names, or `None` when the plan cannot be
    /// read past it.
    fn header(&mut self, at: usize, line: &str, groups: &[&str]) -> Option<Vec<String>> {
        let cells = match split_cells(line, at) {
            Ok(c) => c,
            Err((at, message)) => {
                self.report(at, message);
                return None;
            }
        };
        if cells[0].text != START_COLUMN {
            self.report(
                cells[0].at,
                format!(
                    "expected `{START_COLUMN}` as the first column of the header, found `{}`",
                    cells[0].text
                ),
            );
            return None;
        }
        if cells.len() == 1 {
            self.report(
                at,
                format!(
                    "the header names no group: add a column per agent group after `{START_COLUMN}`"
                ),
            );
            return None;
        }
        let mut names: Vec<String> = Vec::new();
        for cell in &cells[1..] {
            let name = &cell.text;
            if names.contains(name) {
                self.report(cell.at, format!("group \"{name}\" has two columns"));
            } else if !groups.contains(&name.as_str()) && !self.v.incomplete.contains("agent group")
            {
                let message = super::diag::unknown_name("agent group", name, groups);
                self.report(cell.at, message);
            }
            names.push(name.clone());
        }
        Some(names)
    }

    /// Checks row `i`'s `interval_start`: a duration, the start of the
    /// i-th interval from time 0. Returns it when it is a duration (even a
    /// wrong one, so the next row is checked against it).
    fn start(
        &mut self,
        cell: &Cell,
        i: usize,
        interval: Option<f64>,
        previous: Option<f64>,
    ) -> Option<f64> {
        let text = &cell.text;
        let start = match parse_duration(text) {
            Ok(s) => s,
            Err(e) => {
                self.report(cell.at, format!("{START_COLUMN}: {e}"));
                return None;
            }
        };
        let Some(width) = interval else {
            return Some(start); // the interval is wrong (reported)
        };
        let k = (start / width).round();
        let expected = i as f64 * width;
        let message = if (start - k * width).abs() > 1e-6 * width {
            format!(
                "{START_COLUMN} must be a multiple of the interval ({width} s), found \"{text}\" ({start} s)"
            )
        } else if k == i as f64 {
            return Some(start);
        } else if i == 0 {
            format!(
                "the first row must start at 0s (time 0, the warm-up included), found \"{text}\""
            )
        } else if previous.is_some_and(|p| start <= p) {
            format!(
                "{START_COLUMN} \"{text}\" ({start} s) does not come after the row before it ({} s): list the intervals in time order",
                previous.unwrap_or(0.0)
            )
        } else {
            format!(
                "missing rows: expected the interval starting at {expected} s, found \"{text}\" ({start} s); list every interval, repeating a head count to keep it"
            )
        };
        self.report(cell.at, message);
        Some(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<String> {
        split_cells(line, 0)
            .unwrap()
            .into_iter()
            .map(|c| c.text)
            .collect()
    }

    #[test]
    fn cells_are_trimmed_unquoted_and_located() {
        assert_eq!(texts("0s, 10 ,4"), ["0s", "10", "4"]);
        assert_eq!(texts("\"a,b\",\"say \"\"hi\"\"\""), ["a,b", "say \"hi\""]);
        assert_eq!(texts("1h,"), ["1h", ""]);
        let cells = split_cells("30m,  12,x", 100).unwrap();
        assert_eq!(cells[1].at, 106, "the offset of the cell's first character");
        assert_eq!(cells[2].at, 109);
        assert!(split_cells("\"open,1", 0).is_err());
        assert!(split_cells("\"a\"b,1", 0).is_err());
    }

    #[test]
    fn blank_lines_and_line_ends_are_skipped() {
        let text = "\u{feff}interval_start,a\r\n\r\n0s,1\r\n";
        let l = lines(text);
        assert_eq!(l, [(3, "interval_start,a"), (23, "0s,1")]);
    }

    #[test]
    fn staffing_plan_entries_and_changes() {
        let plan = StaffingPlan {
            interval_s: 1800.0,
            counts: vec![2, 2, 5, 0],
        };
        assert_eq!(plan.max(), 5);
        assert_eq!(plan.count_at(0.0), 2);
        assert_eq!(plan.count_at(-1.0), 2);
        assert_eq!(plan.count_at(3599.9), 2);
        assert_eq!(plan.count_at(3600.0), 5, "a boundary starts the next entry");
        assert_eq!(plan.count_at(5400.0), 0);
        assert_eq!(plan.count_at(1e12), 0, "the last entry holds to the end");
        // The repeated 2 at 1800 s is no change.
        assert_eq!(plan.next_change(0.0), Some(3600.0));
        assert_eq!(plan.next_change(1800.0), Some(3600.0));
        assert_eq!(plan.next_change(3600.0), Some(5400.0));
        assert_eq!(plan.next_change(5400.0), None);
        let constant = StaffingPlan {
            interval_s: 900.0,
            counts: vec![5; 8],
        };
        assert_eq!(constant.next_change(0.0), None);
    }

    /// A boundary computed as `i * interval` always maps back to entry i,
    /// also for widths with no exact binary form.
    #[test]
    fn staffing_plan_boundaries_round_trip() {
        let plan = StaffingPlan {
            interval_s: 0.1,
            counts: (0..1000).collect(),
        };
        for i in 0..1000u32 {
            assert_eq!(plan.count_at(f64::from(i) * 0.1), i);
        }
    }
}
