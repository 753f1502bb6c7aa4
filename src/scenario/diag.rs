//! Diagnostics: problems found while loading a scenario, each pointing at a
//! file, line and column, collected so that one run reports all of them.
//!
//! Output stays proportional to the number of problems, not to the size of
//! the file: an excerpt shows at most [`EXCERPT_CHARS`] characters around the
//! column (a minified one-line JSON workflow is not printed whole for every
//! problem in it), and repeated problems are summarised.

use std::cell::OnceCell;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Characters of the offending line shown under a message, centred on the column.
pub const EXCERPT_CHARS: usize = 100;

/// Problems with the same message shown in full before the rest are counted.
const SAME_MESSAGE_SHOWN: usize = 3;

/// Problems shown in full; the rest are counted by severity.
const MAX_SHOWN: usize = 100;

/// Whether a problem stops the scenario from loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The scenario cannot run.
    Error,
    /// The scenario runs, but probably not as intended.
    Warning,
}

/// A window of one source line, with the column it points at.
#[derive(Debug, Clone, PartialEq)]
pub struct Excerpt {
    /// The characters shown (at most [`EXCERPT_CHARS`]).
    pub text: String,
    /// 1-based character position of the caret inside `text`.
    pub caret: usize,
    /// Characters of the line cut before `text`.
    pub cut_before: bool,
    /// Characters of the line cut after `text`.
    pub cut_after: bool,
}

/// One problem, already resolved to a human position.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The scenario, or a file it references (a trace CSV).
    pub file: PathBuf,
    /// 1-based line; 0 when the problem has no position (e.g. a missing file).
    pub line: usize,
    /// 1-based column, counted in characters.
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
    /// The offending part of the source line, shown under the message.
    pub excerpt: Option<Excerpt>,
    /// The `--set KEY=VALUE` override the problem is in, when it is not in
    /// the file (`line` then counts on past the file's last line, so
    /// overrides sort after it; `column` is within the override).
    pub setting: Option<String>,
    /// The lint rule that raised it (`ccsim lint`, docs/lint.md); `None`
    /// for the checks of loading.
    pub rule: Option<&'static str>,
    /// Lines shown under the excerpt: why it matters, how to fix it, each
    /// as (label, text), e.g. ("help", "add a group …").
    pub notes: Vec<(&'static str, String)>,
}

impl Diagnostic {
    /// A problem with a file as a whole (no line or column).
    pub fn whole_file(severity: Severity, file: &Path, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity,
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
            excerpt: None,
            setting: None,
            rule: None,
            notes: Vec::new(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match (self.severity, self.rule) {
            (Severity::Error, None) => "error".to_string(),
            (Severity::Warning, None) => "warning".to_string(),
            (Severity::Error, Some(r)) => format!("error[{r}]"),
            (Severity::Warning, Some(r)) => format!("warning[{r}]"),
        };
        // Width of the gutter the excerpt and notes are drawn against.
        let gutter;
        if self.line == 0 {
            write!(f, "{}: {kind}: {}", self.file.display(), self.message)?;
            gutter = 1;
        } else if let Some(setting) = &self.setting {
            write!(
                f,
                "{}: in --set {setting} (column {}): {kind}: {}",
                self.file.display(),
                self.column,
                self.message
            )?;
            if let Some(x) = &self.excerpt {
                let pad = x.caret - 1 + usize::from(x.cut_before);
                let (open, close) = (
                    if x.cut_before { "…" } else { "" },
                    if x.cut_after { "…" } else { "" },
                );
                write!(
                    f,
                    "\n      |\n--set | {open}{}{close}\n      | {}^",
                    x.text,
                    " ".repeat(pad)
                )?;
            }
            gutter = 5;
        } else {
            write!(
                f,
                "{}:{}:{}: {kind}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )?;
            gutter = self.line.to_string().len();
            if let Some(x) = &self.excerpt {
                let (open, close) = (
                    if x.cut_before { "…" } else { "" },
                    if x.cut_after { "…" } else { "" },
                );
                // The caret sits under its character; a leading "…" shifts it by one.
                let pad = x.caret - 1 + usize::from(x.cut_before);
                write!(
                    f,
                    "\n{:gutter$} |\n{} | {open}{}{close}\n{:gutter$} | {}^",
                    "",
                    self.line,
                    x.text,
                    "",
                    " ".repeat(pad)
                )?;
            }
        }
        for (label, text) in &self.notes {
            write!(f, "\n{:gutter$} = {label}: {text}", "")?;
        }
        Ok(())
    }
}

/// A source text with a name, able to turn byte offsets into line:column.
pub struct SourceFile<'a> {
    /// Shown in messages.
    pub path: &'a Path,
    /// The whole file, then any `--set` overrides, one per line.
    pub text: &'a str,
    /// Length of the file's own text (the rest of `text` is overrides).
    pub file_len: usize,
    /// Byte offset of each line start, built on first use.
    line_starts: OnceCell<Vec<usize>>,
    /// Per line: only ASCII (so columns are byte distances), built on first use.
    ascii_lines: OnceCell<Vec<bool>>,
}

impl<'a> SourceFile<'a> {
    /// A named source text.
    pub fn new(path: &'a Path, text: &'a str) -> SourceFile<'a> {
        SourceFile::with_overrides(path, text, text.len())
    }

    /// A file's text of `file_len` bytes followed by a line break and the
    /// overrides, one per line.
    pub fn with_overrides(path: &'a Path, text: &'a str, file_len: usize) -> SourceFile<'a> {
        SourceFile {
            path,
            text,
            file_len,
            line_starts: OnceCell::new(),
            ascii_lines: OnceCell::new(),
        }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// True when line `line` (1-based) is plain ASCII.
    fn ascii(&self, line: usize) -> bool {
        let flags = self.ascii_lines.get_or_init(|| {
            let starts = self.line_starts();
            starts
                .iter()
                .enumerate()
                .map(|(i, &a)| {
                    let b = starts.get(i + 1).copied().unwrap_or(self.text.len());
                    self.text.as_bytes()[a..b].is_ascii()
                })
                .collect()
        });
        flags.get(line - 1).copied().unwrap_or(false)
    }

    /// Line and column (1-based, characters) of a byte offset. Constant
    /// time on ASCII lines, so thousands of problems on one long line stay
    /// cheap.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset);
        let start = starts[line - 1];
        let column = if self.ascii(line) {
            offset - start + 1
        } else {
            self.text[start..offset].chars().count() + 1
        };
        (line, column)
    }

    /// A window of at most [`EXCERPT_CHARS`] characters of `line` around `column`.
    fn excerpt(&self, line: usize, column: usize) -> Option<Excerpt> {
        let starts = self.line_starts();
        let start = *starts.get(line.checked_sub(1)?)?;
        let end = starts.get(line).map_or(self.text.len(), |&s| s);
        let full = self.text[start..end].trim_end();
        let first = column.saturating_sub(EXCERPT_CHARS / 2 + 1);
        let (text, cut_after) = if self.ascii(line) {
            let a = first.min(full.len());
            let b = (first + EXCERPT_CHARS).min(full.len());
            (full[a..b].to_string(), b < full.len())
        } else {
            let text: String = full.chars().skip(first).take(EXCERPT_CHARS).collect();
            let shown = text.chars().count();
            (text, full.chars().nth(first + shown).is_some())
        };
        let shown = text.chars().count();
        Some(Excerpt {
            caret: (column - first).clamp(1, shown.max(1) + 1),
            text,
            cut_before: first > 0,
            cut_after,
        })
    }

    /// Builds a diagnostic at a byte offset.
    pub fn at(&self, severity: Severity, offset: usize, message: String) -> Diagnostic {
        let (line, column) = self.position(offset);
        // Past the file and its closing line break: an override's line.
        let setting = (offset > self.file_len).then(|| {
            let starts = self.line_starts();
            let end = starts.get(line).map_or(self.text.len(), |&s| s);
            self.text[starts[line - 1]..end]
                .trim_end_matches('\n')
                .to_string()
        });
        Diagnostic {
            severity,
            file: self.path.to_path_buf(),
            line,
            column,
            message,
            excerpt: self.excerpt(line, column),
            setting,
            rule: None,
            notes: Vec::new(),
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The candidate nearest in spelling to `word`, if one is close enough to be
/// what was meant (optimal string alignment distance: a swap of two adjacent
/// letters counts one edit).
pub fn suggest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    // Names are short; a very long word is no misspelling of one (and a
    // distance table between two long words would be large).
    if word.chars().count() > MAX_SUGGESTED {
        return None;
    }
    let w: Vec<char> = word.to_lowercase().chars().collect();
    let limit = match w.len() {
        0..=3 => 1,
        4..=8 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .filter_map(|c| {
            let cs: Vec<char> = c.to_lowercase().chars().take(MAX_SUGGESTED + 1).collect();
            (cs.len() <= MAX_SUGGESTED && cs.len().abs_diff(w.len()) <= limit)
                .then(|| (edit_distance(&w, &cs), c))
        })
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Longest word (in characters) for which a nearest spelling is looked for.
const MAX_SUGGESTED: usize = 64;

/// Optimal string alignment distance between two words (three rows).
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let m = b.len();
    let mut two_back: Vec<usize> = vec![0; m + 1];
    let mut prev: Vec<usize> = (0..=m).collect();
    let mut cur: Vec<usize> = vec![0; m + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(two_back[j - 2] + 1);
            }
            cur[j] = v;
        }
        std::mem::swap(&mut two_back, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[m]
}

/// A name as messages quote it: at most 60 characters.
pub fn short(name: &str) -> String {
    if name.chars().count() > 60 {
        format!("{}…", name.chars().take(60).collect::<String>())
    } else {
        name.to_string()
    }
}

/// `"; did you mean \"x\"?"` when a candidate is close to `word`, else "".
pub fn did_you_mean<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> String {
    suggest(word, candidates).map_or(String::new(), |s| format!("; did you mean \"{s}\"?"))
}

/// `unknown <what> "<name>"; expected one of "a", "b"`, with the nearest
/// spelling when one is close.
pub fn unknown_name(what: &str, name: &str, known: &[&str]) -> String {
    let list = if known.is_empty() {
        "(none declared)".to_string()
    } else {
        known
            .iter()
            .take(20)
            .map(|k| format!("\"{}\"", short(k)))
            .chain((known.len() > 20).then(|| format!("… ({} in all)", known.len())))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "unknown {what} \"{}\"; expected one of {list}{}",
        short(name),
        did_you_mean(name, known.iter().copied())
    )
}

/// Collects diagnostics for one scenario file (and files it references).
#[derive(Debug, Default)]
pub struct Diagnostics {
    /// In the order found; sorted by position before reporting.
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records an error at a byte span of a source.
    pub fn error(&mut self, src: &SourceFile<'_>, span: &Range<usize>, message: impl Into<String>) {
        self.items
            .push(src.at(Severity::Error, span.start, message.into()));
    }

    /// Records a warning at a byte span of a source.
    pub fn warning(
        &mut self,
        src: &SourceFile<'_>,
        span: &Range<usize>,
        message: impl Into<String>,
    ) {
        self.items
            .push(src.at(Severity::Warning, span.start, message.into()));
    }

    /// True when at least one problem is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// The warnings, for callers that print them beside a successful load.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }
}

/// Writes diagnostics in order: each message in full the first few times it
/// occurs, then a count of its repeats; past `MAX_SHOWN` only counts.
///
/// # Errors
/// Formatter errors only.
pub fn write_all(f: &mut impl fmt::Write, diagnostics: &[Diagnostic]) -> fmt::Result {
    let mut seen: std::collections::HashMap<(Severity, &str), usize> =
        std::collections::HashMap::new();
    let mut shown = 0;
    let mut hidden = [0usize; 2];
    for d in diagnostics {
        let n = seen.entry((d.severity, d.message.as_str())).or_insert(0);
        *n += 1;
        if *n <= SAME_MESSAGE_SHOWN && shown < MAX_SHOWN {
            writeln!(f, "{d}")?;
            shown += 1;
        } else {
            hidden[d.severity as usize] += 1;
        }
    }
    let mut repeats: Vec<(&(Severity, &str), &usize)> = seen
        .iter()
        .filter(|(_, n)| **n > SAME_MESSAGE_SHOWN)
        .collect();
    repeats.sort();
    for ((severity, message), n) in repeats {
        let kind = if *severity == Severity::Error {
            "error"
        } else {
            "warning"
        };
        writeln!(
            f,
            "… and {} more like this {kind}: {message}",
            n - SAME_MESSAGE_SHOWN
        )?;
    }
    let repeated: usize = seen
        .values()
        .map(|n| n.saturating_sub(SAME_MESSAGE_SHOWN))
        .sum();
    let other = hidden[0] + hidden[1] - repeated;
    if other > 0 {
        writeln!(f, "… and {other} more problems not shown")?;
    }
    Ok(())
}

/// The error returned when a scenario does not load: every problem found.
#[derive(Debug)]
pub struct ScenarioError {
    /// Errors and warnings, sorted by file position.
    pub diagnostics: Vec<Diagnostic>,
}

impl ScenarioError {
    /// One problem with a whole file (unreadable, too large, not UTF-8).
    pub fn file(path: &Path, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            diagnostics: vec![Diagnostic::whole_file(Severity::Error, path, message)],
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        write_all(f, &self.diagnostics)?;
        write!(
            f,
            "{errors} error{} in scenario",
            if errors == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for ScenarioError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let src = SourceFile::new(Path::new("x.toml"), "a = 1\nbé = \"x\"\n");
        assert_eq!(src.position(0), (1, 1));
        assert_eq!(src.position(6), (2, 1));
        // 'é' is two bytes: the '=' after "bé " is the 4th character.
        assert_eq!(src.position(10), (2, 4));
        assert_eq!(src.position(100), (3, 1), "past the end: the last line");
    }

    /// A column beyond 65 535 used to panic in the formatter (width limit).
    #[test]
    fn long_lines_show_a_window_around_the_column() {
        let line = format!("name = \"{}\" x", "A".repeat(70_000));
        let src = SourceFile::new(Path::new("x.toml"), &line);
        let d = src.at(Severity::Error, line.len() - 1, "expected a newline".into());
        let shown = d.to_string();
        assert!(d.column > 65_536);
        assert!(shown.len() < 400, "{} bytes", shown.len());
        let lines: Vec<&str> = shown.lines().collect();
        // The caret is under the `x`.
        let caret = lines[3].find('^').unwrap();
        assert_eq!(lines[2].chars().nth(caret), Some('x'), "{shown}");
    }

    #[test]
    fn suggestions_allow_a_few_edits_and_swaps() {
        let keys = ["replications", "seed", "horizon", "handle_time"];
        assert_eq!(suggest("replicatons", keys), Some("replications"));
        assert_eq!(suggest("handel_time", keys), Some("handle_time"));
        assert_eq!(suggest("sed", keys), Some("seed"));
        assert_eq!(suggest("banana", keys), None);
    }

    #[test]
    fn repeated_problems_are_counted_not_repeated() {
        let src = SourceFile::new(Path::new("x.toml"), "a = 1\n");
        let many: Vec<Diagnostic> = (0..1000)
            .map(|_| src.at(Severity::Error, 0, "unknown queue \"nope\"".into()))
            .collect();
        let mut out = String::new();
        write_all(&mut out, &many).unwrap();
        assert_eq!(out.matches("x.toml:1:1").count(), SAME_MESSAGE_SHOWN);
        assert!(
            out.contains("… and 997 more like this error: unknown queue \"nope\""),
            "{out}"
        );
    }
}
