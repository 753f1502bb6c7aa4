//! Diagnostics: problems found while loading a scenario, each pointing at a
//! file, line and column, collected so that one run reports all of them.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Whether a problem stops the scenario from loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The scenario cannot run.
    Error,
    /// The scenario runs, but probably not as intended.
    Warning,
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
    /// The offending source line, shown under the message.
    pub excerpt: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.line == 0 {
            write!(f, "{}: {kind}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {kind}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )?;
            if let Some(text) = &self.excerpt {
                let gutter = self.line.to_string().len();
                write!(
                    f,
                    "\n{:gutter$} |\n{} | {}\n{:gutter$} | {:>col$}",
                    "",
                    self.line,
                    text,
                    "",
                    "^",
                    col = self.column
                )?;
            }
            Ok(())
        }
    }
}

/// A source text with a name, able to turn byte offsets into line:column.
pub struct SourceFile<'a> {
    /// Shown in messages.
    pub path: &'a Path,
    /// The whole file.
    pub text: &'a str,
}

impl SourceFile<'_> {
    /// Line and column (1-based, characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }

    fn line_text(&self, line: usize) -> Option<String> {
        self.text
            .lines()
            .nth(line.checked_sub(1)?)
            .map(|l| l.trim_end().to_string())
    }

    /// Builds a diagnostic at a byte offset.
    pub fn at(&self, severity: Severity, offset: usize, message: String) -> Diagnostic {
        let (line, column) = self.position(offset);
        Diagnostic {
            severity,
            file: self.path.to_path_buf(),
            line,
            column,
            message,
            excerpt: self.line_text(line),
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
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

/// The error returned when a scenario does not load: every problem found.
#[derive(Debug)]
pub struct ScenarioError {
    /// Errors and warnings, sorted by file position.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        for d in &self.diagnostics {
            writeln!(f, "{d}")?;
        }
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
        let src = SourceFile {
            path: Path::new("x.toml"),
            text: "a = 1\nbé = \"x\"\n",
        };
        assert_eq!(src.position(0), (1, 1));
        assert_eq!(src.position(6), (2, 1));
        // 'é' is two bytes: the '=' after "bé " is the 4th character.
        assert_eq!(src.position(10), (2, 4));
    }
}
