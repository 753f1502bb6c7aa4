//! `--set KEY=VALUE`: a scenario value changed before validation, so it is
//! checked exactly like the file (docs/scenario.md, "Overrides").
//!
//! The overrides are appended to the file's text as one line each, after
//! the file itself; their values are parsed from that text, so every span
//! points either into the file or into an override, and a problem in an
//! override is reported with the override and the column in it, in the same
//! words as a problem in the file.
//!
//! A key is a path of segments separated by `.`: a table's key, or in a list
//! of tables (`[[agents]]`, `workflow.filters`) an entry's name (its `name`,
//! or `group` for agents) or its 0-based index. A segment holding a `.` is
//! quoted: `workflow.filters."voice.sales".targets.0.timeout`. The value is a
//! TOML value when it reads as one (`26`, `[1, 1.2]`, `'skill == "x"'`, `true`)
//! and a string otherwise (`400/h`, `30s`).

use super::diag::unknown_name;
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

/// One `KEY=VALUE` override.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Override {
    /// `KEY=VALUE` as given.
    text: String,
    /// Byte length of KEY.
    key_len: usize,
}

impl Override {
    /// An override of `key` by `value` (the value as it would be typed).
    ///
    /// # Errors
    /// An empty key or one holding `=`.
    pub fn new(key: &str, value: &str) -> Result<Override, String> {
        format!("{key}={value}").parse()
    }

    /// The path, e.g. `agents.support.count`.
    pub fn key(&self) -> &str {
        &self.text[..self.key_len]
    }

    /// The value as typed, e.g. `26` or `400/h`.
    pub fn value(&self) -> &str {
        &self.text[self.key_len + 1..]
    }
}

impl FromStr for Override {
    type Err = String;

    fn from_str(s: &str) -> Result<Override, String> {
        let Some((key, _)) = s.split_once('=') else {
            return Err(format!(
                "expected KEY=VALUE such as agents.support.count=26, found \"{s}\""
            ));
        };
        if key.trim().is_empty() {
            return Err(format!(
                "the key is empty in \"{s}\"; expected KEY=VALUE such as agents.support.count=26"
            ));
        }
        if s.contains('\n') {
            return Err("an override is one line; it may not contain a line break".into());
        }
        Ok(Override {
            text: s.to_string(),
            key_len: key.len(),
        })
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The file's text followed by one line per override, and where they start.
pub(super) struct Combined {
    /// File, a line break, then each `KEY=VALUE` on its own line.
    pub text: String,
    /// Length of the file's own text.
    pub file_len: usize,
}

impl Combined {
    /// Appends `overrides` to a file's text.
    pub fn new(file: &str, overrides: &[Override]) -> Combined {
        let mut text = String::with_capacity(file.len() + 64 * overrides.len());
        text.push_str(file);
        text.push('\n');
        for o in overrides {
            text.push_str(&o.text);
            text.push('\n');
        }
        Combined {
            text,
            file_len: file.len(),
        }
    }
}

/// Applies the overrides (already appended to `text` after `file_len`) to a
/// parsed document, in order. A path that leads nowhere is a problem at its
/// segment; the document is then left as it was for that override.
pub(super) fn apply<'i>(
    doc: &mut Spanned<DeValue<'i>>,
    text: &'i str,
    file_len: usize,
    overrides: &[Override],
    problems: &mut Vec<(Range<usize>, String)>,
) {
    let mut at = file_len + 1;
    for o in overrides {
        let line = at..at + o.text.len();
        at = line.end + 1;
        if let Err((span, message)) = apply_one(doc, text, line, o.key_len) {
            problems.push((span, message));
        }
    }
}

/// One segment of a key: its text and span in the combined text.
struct Segment<'i> {
    name: &'i str,
    span: Range<usize>,
}

/// Splits a key (at `key` in `text`) into segments; quotes keep dots.
fn segments(text: &str, key: Range<usize>) -> Result<Vec<Segment<'_>>, (Range<usize>, String)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = key.start;
    loop {
        let (name, span, next) = match bytes.get(i) {
            Some(&q @ (b'"' | b'\'')) if i < key.end => {
                let close = text[i + 1..key.end].find(q as char).ok_or_else(|| {
                    (
                        i..key.end,
                        format!(
                            "the quote opened here is not closed in the key; close it with {}",
                            q as char
                        ),
                    )
                })?;
                let end = i + 1 + close;
                (&text[i + 1..end], i..end + 1, end + 1)
            }
            _ => {
                let end = text[i..key.end].find('.').map_or(key.end, |d| i + d);
                (text[i..end].trim(), i..end, end)
            }
        };
        if name.is_empty() {
            return Err((
                span.start..span.end.max(span.start + 1),
                "empty segment in the key; write the path as names joined by single dots, e.g. agents.support.count".into(),
            ));
        }
        out.push(Segment { name, span });
        if next >= key.end {
            return Ok(out);
        }
        if bytes[next] != b'.' {
            return Err((
                next..next + 1,
                "expected `.` after a quoted segment of the key".into(),
            ));
        }
        i = next + 1;
        if i >= key.end {
            return Err((
                next..next + 1,
                "the key ends with `.`; name the value to change after it".into(),
            ));
        }
    }
}

fn apply_one<'i>(
    doc: &mut Spanned<DeValue<'i>>,
    text: &'i str,
    line: Range<usize>,
    key_len: usize,
) -> Result<(), (Range<usize>, String)> {
    let key = line.start..line.start + key_len;
    let value_span = key.end + 1..line.end;
    let path = segments(text, key)?;
    let value = parse_value(&text[value_span.clone()], value_span.start)?;
    let (last, parents) = path.split_last().expect("at least one segment");
    let mut node = doc;
    for (depth, seg) in parents.iter().enumerate() {
        let here = || describe_path(&path[..depth]);
        node = match node.get_mut() {
            DeValue::Table(t) => {
                let key = Spanned::new(seg.span.clone(), Cow::Borrowed(seg.name));
                if !t.contains_key(seg.name) {
                    // A table the file does not have yet (e.g. `costs.voice`).
                    t.insert(
                        key,
                        Spanned::new(seg.span.clone(), DeValue::Table(DeTable::new())),
                    );
                }
                t.get_mut(seg.name).expect("present or just inserted")
            }
            DeValue::Array(a) => {
                let i = entry_index(a, seg, &here())?;
                &mut a.as_mut()[i]
            }
            other => {
                return Err((
                    seg.span.clone(),
                    format!(
                        "`{}` is {}, not a table or a list, so it has no `{}`",
                        here(),
                        describe(other),
                        seg.name
                    ),
                ));
            }
        };
    }
    match node.get_mut() {
        DeValue::Table(t) => {
            t.insert(
                Spanned::new(last.span.clone(), Cow::Borrowed(last.name)),
                value,
            );
        }
        DeValue::Array(a) => {
            let here = describe_path(parents);
            if last.name.parse::<usize>().ok() == Some(a.len()) {
                a.push(value);
            } else {
                let i = entry_index(a, last, &here)?;
                a.as_mut()[i] = value;
            }
        }
        other => {
            return Err((
                last.span.clone(),
                format!(
                    "`{}` is {}, not a table or a list, so it has no `{}`",
                    describe_path(parents),
                    describe(other),
                    last.name
                ),
            ));
        }
    }
    Ok(())
}

/// The entry of a list named by a segment: an index, or the entry whose
/// `name` (or `group`) is the segment.
fn entry_index(
    a: &DeArray<'_>,
    seg: &Segment<'_>,
    path: &str,
) -> Result<usize, (Range<usize>, String)> {
    let name_of = |v: &Spanned<DeValue<'_>>| -> Option<String> {
        let DeValue::Table(t) = v.get_ref() else {
            return None;
        };
        ["name", "group"].iter().find_map(|k| {
            t.get(*k)
                .and_then(|n| n.get_ref().as_str())
                .map(str::to_string)
        })
    };
    if let Some(i) = a
        .iter()
        .position(|v| name_of(v).as_deref() == Some(seg.name))
    {
        return Ok(i);
    }
    if let Ok(i) = seg.name.parse::<usize>() {
        if i < a.len() {
            return Ok(i);
        }
        return Err((
            seg.span.clone(),
            format!(
                "`{path}` has {} entr{}, so there is no entry {i}; indices start at 0",
                a.len(),
                if a.len() == 1 { "y" } else { "ies" }
            ),
        ));
    }
    let names: Vec<String> = a.iter().filter_map(name_of).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    Err((
        seg.span.clone(),
        format!(
            "{} (or an index from 0)",
            unknown_name(&format!("entry of `{path}`"), seg.name, &names)
        ),
    ))
}

/// A value as TOML when it reads as one, else as a string; spans shifted to
/// where the value sits in the combined text. A value that opens a list, a
/// table or a quoted string must be valid TOML: taking `[1, 2` as text
/// would hide the typo.
fn parse_value(raw: &str, at: usize) -> Result<Spanned<DeValue<'_>>, (Range<usize>, String)> {
    match DeValue::parse(raw) {
        Ok(v) => Ok(shift(v, at)),
        Err(e) if raw.trim_start().starts_with(['[', '{', '"', '\'']) => {
            let offset = e.span().map_or(0, |s| s.start);
            Err((
                at + offset..at + offset + 1,
                format!(
                    "the value is not valid TOML: {}; fix it, or quote the whole value to mean text",
                    e.message().trim().replace('\n', " ")
                ),
            ))
        }
        Err(_) => Ok(Spanned::new(
            at..at + raw.len(),
            DeValue::String(Cow::Borrowed(raw)),
        )),
    }
}

fn shift(v: Spanned<DeValue<'_>>, by: usize) -> Spanned<DeValue<'_>> {
    let span = v.span();
    let inner = match v.into_inner() {
        DeValue::Array(a) => {
            let mut out = DeArray::new();
            for e in a {
                out.push(shift(e, by));
            }
            DeValue::Array(out)
        }
        DeValue::Table(t) => {
            let mut out = DeTable::new();
            for (k, e) in t {
                let ks = k.span();
                out.insert(
                    Spanned::new(ks.start + by..ks.end + by, k.into_inner()),
                    shift(e, by),
                );
            }
            DeValue::Table(out)
        }
        other => other,
    };
    Spanned::new(span.start + by..span.end + by, inner)
}

fn describe_path(segs: &[Segment<'_>]) -> String {
    segs.iter().map(|s| s.name).collect::<Vec<_>>().join(".")
}

fn describe(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a number",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(file: &str, sets: &[&str]) -> (String, Vec<String>) {
        let overrides: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
        let c = Combined::new(file, &overrides);
        let mut doc = DeTable::parse(&c.text[..c.file_len]).unwrap();
        let span = doc.span();
        let mut node = Spanned::new(span, DeValue::Table(std::mem::take(doc.get_mut())));
        let mut problems = Vec::new();
        apply(&mut node, &c.text, c.file_len, &overrides, &mut problems);
        let shown = format!("{:?}", node.get_ref());
        (
            shown,
            problems
                .into_iter()
                .map(|(s, m)| format!("{}: {m}", &c.text[s]))
                .collect(),
        )
    }

    #[test]
    fn keys_and_values_split_at_the_first_equals() {
        let o: Override = "queues.billing.target_workers=level >= 2".parse().unwrap();
        assert_eq!(
            (o.key(), o.value()),
            ("queues.billing.target_workers", "level >= 2")
        );
        assert!(
            "no-equals"
                .parse::<Override>()
                .unwrap_err()
                .contains("KEY=VALUE")
        );
        assert!(
            "=3".parse::<Override>()
                .unwrap_err()
                .contains("key is empty")
        );
    }

    #[test]
    fn lists_of_tables_are_addressed_by_name_or_index() {
        let file = "[[agents]]\ngroup = \"a\"\ncount = 1\n[[agents]]\ngroup = \"b\"\ncount = 2\n";
        let (doc, problems) = run(file, &["agents.b.count=7", "agents.0.count=5"]);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(doc.contains("Integer(DeInteger { inner: \"7\""), "{doc}");
        assert!(doc.contains("Integer(DeInteger { inner: \"5\""), "{doc}");
        assert!(!doc.contains("\"1\"") && !doc.contains("\"2\""), "{doc}");
    }

    #[test]
    fn values_that_are_not_toml_are_strings_and_missing_tables_are_made() {
        let (doc, problems) = run(
            "name = \"x\"\n",
            &[
                "arrivals=[]",
                "costs.voice.inbound_per_min=0.01",
                "rate=400/h",
            ],
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert!(doc.contains("\"400/h\""), "{doc}");
        assert!(doc.contains("inbound_per_min"), "{doc}");
    }

    #[test]
    fn paths_that_lead_nowhere_name_the_segment() {
        let file = "[[agents]]\ngroup = \"support\"\n[simulation]\nhorizon = \"1h\"\n";
        let (_, problems) = run(
            file,
            &[
                "agents.suport.count=3",
                "simulation.horizon.x=1",
                "agents.4.count=1",
                "a..b=1",
            ],
        );
        assert!(
            problems[0].starts_with("suport: unknown entry of `agents` \"suport\""),
            "{problems:?}"
        );
        assert!(
            problems[0].contains("did you mean \"support\"?"),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("`simulation.horizon` is a string"),
            "{problems:?}"
        );
        assert!(
            problems[2].contains("has 1 entry, so there is no entry 4"),
            "{problems:?}"
        );
        assert!(problems[3].contains("empty segment"), "{problems:?}");
        let (_, problems) = run(file, &["agents.support.count=[1, 2"]);
        assert!(
            problems[0].contains("the value is not valid TOML"),
            "{problems:?}"
        );
    }

    #[test]
    fn quoted_segments_keep_their_dots() {
        let file = "[[workflow.filters]]\nname = \"voice.sales\"\ntargets = [{ queue = \"q\" }]\n";
        let (doc, problems) = run(
            file,
            &["workflow.filters.\"voice.sales\".targets.0.timeout=30s"],
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert!(doc.contains("\"30s\""), "{doc}");
    }
}
