//! Import of a TaskRouter workflow configuration document, exactly as
//! TaskRouter stores it (docs/routing.md, "Steps"):
//!
//! ```json
//! { "task_routing": {
//!     "filters": [ { "filter_friendly_name": "...", "expression": "...",
//!                    "targets": [ { "queue": "WQ...", "priority": 10, "timeout": 30, ... } ] } ],
//!     "default_filter": { "queue": "WQ..." } } }
//! ```
//!
//! A small JSON reader keeps the byte span of every value, so that every
//! problem, syntactic or semantic, points at a line and column of the JSON
//! file. The document becomes the same raw filters and targets a TOML
//! `[[workflow.filters]]` section produces.

use super::raw::{Quantity, RawFilter, RawTarget};
use std::ops::Range;
use toml::Spanned;

/// A JSON value with the byte span of its text.
#[derive(Debug, Clone)]
pub struct Json {
    /// The value.
    pub value: JsonValue,
    /// Where it is in the file (strings include their quotes).
    pub span: Range<usize>,
}

/// JSON values; objects keep their members in order, with key spans.
#[derive(Debug, Clone)]
pub enum JsonValue {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string, unescaped.
    Str(String),
    /// An array.
    Arr(Vec<Json>),
    /// An object: (key, key span, value).
    Obj(Vec<(String, Range<usize>, Json)>),
}

/// A JSON syntax error at a byte offset.
#[derive(Debug, Clone)]
pub struct JsonError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What was expected.
    pub message: String,
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn err<T>(&self, message: impl Into<String>) -> Result<T, JsonError> {
        Err(JsonError {
            offset: self.pos,
            message: message.into(),
        })
    }

    fn ws(&mut self) {
        while let Some(c) = self.text[self.pos..].chars().next() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > 64 {
            return self.err("nesting deeper than 64 levels");
        }
        self.ws();
        let start = self.pos;
        let value = match self.peek() {
            None => return self.err("expected a value, found the end of the file"),
            Some(b'{') => {
                self.pos += 1;
                let mut members = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                } else {
                    loop {
                        self.ws();
                        let key_start = self.pos;
                        if self.peek() != Some(b'"') {
                            return self.err("expected a \"quoted\" key");
                        }
                        let key = self.string()?;
                        let key_span = key_start..self.pos;
                        self.ws();
                        if self.peek() != Some(b':') {
                            return self.err("expected `:` after the key");
                        }
                        self.pos += 1;
                        let v = self.value(depth + 1)?;
                        members.push((key, key_span, v));
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b'}') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return self.err("expected `,` or `}`"),
                        }
                    }
                }
                JsonValue::Obj(members)
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                } else {
                    loop {
                        items.push(self.value(depth + 1)?);
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b']') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return self.err("expected `,` or `]`"),
                        }
                    }
                }
                JsonValue::Arr(items)
            }
            Some(b'"') => JsonValue::Str(self.string()?),
            Some(b't') if self.text[self.pos..].starts_with("true") => {
                self.pos += 4;
                JsonValue::Bool(true)
            }
            Some(b'f') if self.text[self.pos..].starts_with("false") => {
                self.pos += 5;
                JsonValue::Bool(false)
            }
            Some(b'n') if self.text[self.pos..].starts_with("null") => {
                self.pos += 4;
                JsonValue::Null
            }
            Some(c) if c == b'-' || c.is_ascii_digit() => {
                let end = self.text[self.pos..]
                    .find(|c: char| {
                        !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E'))
                    })
                    .map_or(self.text.len(), |i| self.pos + i);
                let n: f64 = match self.text[self.pos..end].parse() {
                    Ok(n) => n,
                    Err(_) => {
                        return self
                            .err(format!("`{}` is not a number", &self.text[self.pos..end]));
                    }
                };
                self.pos = end;
                JsonValue::Num(n)
            }
            Some(_) => {
                let c = self.text[self.pos..].chars().next().unwrap_or('?');
                return self.err(format!("expected a value, found `{c}`"));
            }
        };
        Ok(Json {
            value,
            span: start..self.pos,
        })
    }

    /// Reads a string starting at its opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.text[self.pos..].chars().next() else {
                return self.err("unterminated string");
            };
            match c {
                '"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                '\\' => {
                    let (decoded, raw_len) =
                        decode_escape(&self.text[self.pos..]).ok_or_else(|| JsonError {
                            offset: self.pos,
                            message: "invalid escape sequence".into(),
                        })?;
                    out.push(decoded);
                    self.pos += raw_len;
                }
                c if (c as u32) < 0x20 => {
                    return self.err("control character in a string (write it escaped)");
                }
                c => {
                    out.push(c);
                    self.pos += c.len_utf8();
                }
            }
        }
    }
}

/// Decodes one escape at the start of `s` (which begins with `\`):
/// the character and the escape's raw length.
fn decode_escape(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    let simple = match b.get(1)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let code = u32::from_str_radix(s.get(2..6)?, 16).ok()?;
            return Some((char::from_u32(code).unwrap_or('\u{fffd}'), 6));
        }
        b'U' => {
            let code = u32::from_str_radix(s.get(2..10)?, 16).ok()?;
            return Some((char::from_u32(code).unwrap_or('\u{fffd}'), 10));
        }
        _ => return None,
    };
    Some((simple, 2))
}

/// Byte offset in `text` of the character at unescaped byte `offset` inside
/// the quoted string token starting at `token_start` (JSON, or TOML basic,
/// literal and multi-line strings), so errors inside expressions point at
/// the right column even after escapes.
pub fn raw_offset(text: &str, token_start: usize, offset: usize) -> usize {
    let t = &text[token_start.min(text.len())..];
    let (quote, escapes) = if t.starts_with("'''") {
        (3, false)
    } else if t.starts_with("\"\"\"") {
        (3, true)
    } else if t.starts_with('\'') {
        (1, false)
    } else {
        (1, true)
    };
    let mut raw = token_start + quote;
    if !escapes {
        return raw + offset;
    }
    let mut decoded = 0;
    while decoded < offset && raw < text.len() {
        let rest = &text[raw..];
        if rest.starts_with('\\') {
            match decode_escape(rest) {
                Some((c, len)) => {
                    decoded += c.len_utf8();
                    raw += len;
                }
                None => {
                    decoded += 1;
                    raw += 1;
                }
            }
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            decoded += c.len_utf8();
            raw += c.len_utf8();
        }
    }
    raw
}

/// Parses a whole JSON document.
///
/// # Errors
/// The first syntax error.
pub fn parse(text: &str) -> Result<Json, JsonError> {
    let mut r = Reader { text, pos: 0 };
    let v = r.value(0)?;
    r.ws();
    if r.pos < text.len() {
        return r.err("unexpected text after the JSON document");
    }
    Ok(v)
}

/// A problem found while converting the document.
#[derive(Debug, Clone)]
pub struct Problem {
    /// Where in the JSON text.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
}

fn error(problems: &mut Vec<Problem>, span: Range<usize>, message: impl Into<String>) {
    problems.push(Problem {
        span,
        message: message.into(),
    });
}

/// The members of an object under their known key names; an unknown key is
/// reported, and read as the key it resembles when the object lacks it.
fn members<'j>(
    j: &'j Json,
    what: &str,
    allowed: &[&'static str],
    problems: &mut Vec<Problem>,
) -> Option<Vec<(&'static str, &'j Json)>> {
    let JsonValue::Obj(m) = &j.value else {
        error(
            problems,
            j.span.clone(),
            format!("{what} must be a JSON object"),
        );
        return None;
    };
    let mut out: Vec<(&'static str, &'j Json)> = m
        .iter()
        .filter_map(|(k, _, v)| allowed.iter().find(|a| **a == k).map(|a| (*a, v)))
        .collect();
    for (k, span, v) in m {
        if allowed.contains(&k.as_str()) {
            continue;
        }
        let listed: Vec<&'static str> = allowed
            .iter()
            .copied()
            .filter(|a| !super::read::LEGACY_KEYS.contains(a))
            .collect();
        let absent: Vec<&'static str> = listed
            .iter()
            .copied()
            .filter(|a| !out.iter().any(|(o, _)| o == a))
            .collect();
        let nearest = super::diag::suggest(k, absent.iter().copied());
        error(
            problems,
            span.clone(),
            format!(
                "unknown key \"{k}\" in {what}; expected one of {}{}",
                listed.join(", "),
                nearest.map_or(String::new(), |n| format!("; did you mean \"{n}\"?"))
            ),
        );
        if let Some(n) = nearest {
            out.push((n, v));
        }
    }
    Some(out)
}

fn get<'j>(m: &[(&'static str, &'j Json)], key: &str) -> Option<&'j Json> {
    m.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn string(j: &Json, what: &str, problems: &mut Vec<Problem>) -> Option<Spanned<String>> {
    match &j.value {
        JsonValue::Str(s) => Some(Spanned::new(j.span.clone(), s.clone())),
        _ => {
            error(problems, j.span.clone(), format!("{what} must be a string"));
            None
        }
    }
}

/// Numbers appear both bare and as strings in Twilio's own examples (docs/routing.md, "Steps").
fn number(j: &Json, what: &str, problems: &mut Vec<Problem>) -> Option<Spanned<Quantity>> {
    match &j.value {
        JsonValue::Num(n) => Some(Spanned::new(j.span.clone(), Quantity::Number(*n))),
        JsonValue::Str(s) => Some(Spanned::new(j.span.clone(), Quantity::Text(s.clone()))),
        _ => {
            error(problems, j.span.clone(), format!("{what} must be a number"));
            None
        }
    }
}

const TARGET_KEYS: [&str; 9] = [
    "queue",
    "task_queue_sid",
    "priority",
    "timeout",
    "expression",
    "order_by",
    "skip_if",
    "known_worker_sid",
    "known_worker_friendly_name",
];

fn target(
    j: &Json,
    map_queue: &dyn Fn(&Spanned<String>) -> Spanned<String>,
    problems: &mut Vec<Problem>,
) -> Option<Spanned<RawTarget>> {
    let m = members(j, "a target", &TARGET_KEYS, problems)?;
    let m = &m;
    let s = |key: &str, p: &mut Vec<Problem>| get(m, key).and_then(|v| string(v, key, p));
    let queue = s("queue", problems).map(|q| map_queue(&q));
    let legacy = s("task_queue_sid", problems).map(|q| map_queue(&q));
    let t = RawTarget {
        queue,
        task_queue_sid: legacy,
        priority: get(m, "priority").and_then(|v| number(v, "priority", problems)),
        timeout: get(m, "timeout").and_then(|v| number(v, "timeout", problems)),
        expression: s("expression", problems),
        order_by: s("order_by", problems),
        skip_if: s("skip_if", problems),
        known_worker_sid: s("known_worker_sid", problems),
        known_worker_friendly_name: s("known_worker_friendly_name", problems),
    };
    Some(Spanned::new(j.span.clone(), t))
}

/// The filters and default filter of a workflow document. `map_queue` turns
/// a queue reference (a SID through the scenario's mapping, or a name) into a
/// queue name keeping its span.
pub fn workflow(
    root: &Json,
    map_queue: &dyn Fn(&Spanned<String>) -> Spanned<String>,
    problems: &mut Vec<Problem>,
) -> (Vec<Spanned<RawFilter>>, Option<Spanned<RawTarget>>) {
    let mut filters = Vec::new();
    let Some(top) = members(root, "the workflow document", &["task_routing"], problems) else {
        return (filters, None);
    };
    let Some(routing) = get(&top, "task_routing") else {
        error(
            problems,
            root.span.start..root.span.start + 1,
            "expected a \"task_routing\" object",
        );
        return (filters, None);
    };
    let Some(tr) = members(
        routing,
        "task_routing",
        &["filters", "default_filter"],
        problems,
    ) else {
        return (filters, None);
    };
    if let Some(fs) = get(&tr, "filters") {
        match &fs.value {
            JsonValue::Arr(items) => {
                for f in items {
                    let Some(m) = members(
                        f,
                        "a filter",
                        &["filter_friendly_name", "expression", "targets"],
                        problems,
                    ) else {
                        continue;
                    };
                    let name = get(&m, "filter_friendly_name")
                        .and_then(|v| string(v, "filter_friendly_name", problems));
                    let expression =
                        get(&m, "expression").and_then(|v| string(v, "expression", problems));
                    if expression.is_none() {
                        error(
                            problems,
                            f.span.start..f.span.start + 1,
                            "a filter needs an \"expression\"",
                        );
                    }
                    let targets = match get(&m, "targets") {
                        Some(Json {
                            value: JsonValue::Arr(ts),
                            span,
                        }) => Spanned::new(
                            span.clone(),
                            ts.iter()
                                .filter_map(|t| target(t, map_queue, problems))
                                .collect(),
                        ),
                        Some(other) => {
                            error(problems, other.span.clone(), "\"targets\" must be an array");
                            continue;
                        }
                        None => {
                            error(
                                problems,
                                f.span.start..f.span.start + 1,
                                "a filter needs \"targets\"",
                            );
                            continue;
                        }
                    };
                    // Targets were read (and their problems reported) either way.
                    let Some(expression) = expression else {
                        continue;
                    };
                    filters.push(Spanned::new(
                        f.span.clone(),
                        RawFilter {
                            name,
                            expression,
                            targets,
                        },
                    ));
                }
            }
            _ => error(problems, fs.span.clone(), "\"filters\" must be an array"),
        }
    }
    let default = get(&tr, "default_filter").and_then(|d| target(d, map_queue, problems));
    (filters, default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_spans() {
        let text = r#"{"a": [1, "x\"y", true, null], "b": {"c": -2.5e1}}"#;
        let j = parse(text).unwrap();
        let JsonValue::Obj(m) = &j.value else {
            panic!()
        };
        assert_eq!(m[0].0, "a");
        let JsonValue::Arr(items) = &m[0].2.value else {
            panic!()
        };
        assert!(matches!(&items[1].value, JsonValue::Str(s) if s == "x\"y"));
        assert_eq!(&text[items[1].span.clone()], r#""x\"y""#);
        let JsonValue::Obj(b) = &m[1].2.value else {
            panic!()
        };
        assert!(matches!(b[0].2.value, JsonValue::Num(n) if n == -25.0));
    }

    #[test]
    fn syntax_errors_have_offsets() {
        assert_eq!(parse(r#"{"a": }"#).unwrap_err().offset, 6);
        assert_eq!(parse(r#"{"a": 1,, }"#).unwrap_err().offset, 8);
        assert_eq!(parse(r#"{"a" 1}"#).unwrap_err().offset, 5);
        assert!(
            parse(r#"{"a": "x}"#)
                .unwrap_err()
                .message
                .contains("unterminated")
        );
        assert!(parse("[1] 2").is_err());
    }

    #[test]
    fn raw_offsets_skip_escapes() {
        let text = r#"x = "a \"b\" &""#;
        // Unescaped `a "b" &`: the `&` is byte 6; in the raw token it follows two escapes.
        assert_eq!(
            &text[raw_offset(text, 4, 6)..raw_offset(text, 4, 6) + 1],
            "&"
        );
        let lit = "x = 'a \\ &'";
        assert_eq!(&lit[raw_offset(lit, 4, 4)..raw_offset(lit, 4, 4) + 1], "&");
    }
}
