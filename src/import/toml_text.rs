//! TOML text for imported values. The importer writes the scenario as text
//! (so it can carry comments and keep a readable layout); these helpers make
//! every value it writes valid TOML whatever characters the snapshot holds.

use serde_json::Value;

/// A TOML basic string: `"…"` with quotes, backslashes and control
/// characters escaped.
pub fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An expression as a TOML literal string (`'skills HAS "support"'`), as
/// the scenario files in this repository write them, so its double quotes
/// need no escapes; a basic string when it holds `'` or control characters.
pub fn expression(s: &str) -> String {
    if s.contains('\'') || s.chars().any(char::is_control) {
        string(s)
    } else {
        format!("'{s}'")
    }
}

/// A key: bare when TOML allows it (letters, digits, `_`, `-`), quoted otherwise.
pub fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        string(k)
    }
}

/// A comment's text on one line: line breaks inside SIDs or friendly names
/// must not end the comment and turn the rest into TOML.
pub fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A JSON value as an inline TOML value. TOML has no null, so a null (and a
/// null inside an array or object) is left out; `None` when the whole value
/// is null.
pub fn inline(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) if f.is_finite() => {
                let t = format!("{f:?}");
                if t.contains(['.', 'e', 'E']) {
                    t
                } else {
                    format!("{t}.0")
                }
            }
            // u64 beyond i64 or a non-finite float: TOML integers stop at
            // i64, so keep the digits as text rather than lose them.
            _ => string(&n.to_string()),
        }),
        Value::String(s) => Some(string(s)),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(inline).collect();
            Some(format!("[{}]", parts.join(", ")))
        }
        Value::Object(m) => Some(table(m)),
    }
}

/// A JSON object as an inline TOML table (`{ a = 1, b = "x" }`), nulls left out.
pub fn table(m: &serde_json::Map<String, Value>) -> String {
    let parts: Vec<String> = m
        .iter()
        .filter_map(|(k, v)| inline(v).map(|v| format!("{} = {v}", key(k))))
        .collect();
    if parts.is_empty() {
        "{}".to_string()
    } else {
        format!("{{ {} }}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_and_keys_are_escaped() {
        assert_eq!(string(r#"a "b" \ c"#), r#""a \"b\" \\ c""#);
        assert_eq!(string("x\ny\u{1}"), r#""x\ny\u0001""#);
        assert_eq!(key("skills"), "skills");
        assert_eq!(key("team name"), "\"team name\"");
        assert_eq!(comment("a\nb"), "a b");
        assert_eq!(expression(r#"skills HAS "x""#), r#"'skills HAS "x"'"#);
        assert_eq!(expression("a == 'x'"), r#""a == 'x'""#);
    }

    #[test]
    fn json_values_become_inline_toml() {
        let v = json!({"skills": ["support", null, "sales"], "level": 3, "ratio": 0.5,
                       "whole": 2.0, "vip": true, "gone": null, "nested": {"region": "eu"}});
        let t = inline(&v).unwrap();
        assert_eq!(
            t,
            r#"{ skills = ["support", "sales"], level = 3, ratio = 0.5, whole = 2.0, vip = true, nested = { region = "eu" } }"#
        );
        // It parses back as TOML with the same values.
        let parsed: toml::Table = toml::from_str(&format!("x = {t}")).unwrap();
        assert_eq!(parsed["x"]["nested"]["region"].as_str(), Some("eu"));
        assert_eq!(inline(&Value::Null), None);
    }
}
