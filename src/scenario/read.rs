//! Reading a parsed TOML document into the raw mirror of `raw.rs` without
//! stopping at the first problem.
//!
//! serde's derive stops at the first unknown key or wrong type, so a file with
//! five mistakes needed three runs. Here every table is read key by key:
//! - an unknown key is reported (with the nearest known spelling) and reading
//!   goes on; when it is a likely misspelling of a key the table lacks, its
//!   value is read as that key, so the checks after reading still see it;
//! - a value of the wrong type is reported and replaced by a *placeholder*
//!   whose spans are recorded as unreadable, so later checks never report a
//!   second, consequential problem about it;
//! - a missing required key is reported once, with a placeholder that points
//!   past the end of the text (also unreadable).
//!
//! Raw types declare their keys once with [`raw_table!`], which generates both
//! the struct and its reader.

use super::diag::suggest;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;
use toml::de::DeValue;

/// Keys still accepted for old documents but never suggested or listed.
pub(super) const LEGACY_KEYS: [&str; 1] = ["task_queue_sid"];

/// A parsed TOML value with its byte span.
pub(super) type Node<'i> = Spanned<DeValue<'i>>;

/// Collects problems while reading; never stops at one.
pub(super) struct Reader {
    /// (span, message) in the order found.
    pub problems: Vec<(Range<usize>, String)>,
    /// Spans of values that could not be read; checks after reading report
    /// nothing inside them.
    pub unreadable: Vec<Range<usize>>,
    /// Keys whose values could not be read (at any depth), so that "there
    /// is no X" checks do not misfire on them.
    pub unreadable_keys: Vec<&'static str>,
    /// Where placeholders of missing keys point: the end of the text.
    nowhere: usize,
}

impl Reader {
    /// A reader for a text of `len` bytes.
    pub fn new(len: usize) -> Reader {
        Reader {
            problems: Vec::new(),
            unreadable: Vec::new(),
            unreadable_keys: Vec::new(),
            nowhere: len,
        }
    }

    pub fn problem(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.problems.push((span, message.into()));
    }

    /// The span of a placeholder for a missing key (recorded as unreadable).
    fn missing_span(&mut self) -> Range<usize> {
        let span = self.nowhere..self.nowhere;
        self.unreadable.push(span.clone());
        span
    }

    /// Checks that `v` is a table and reports its unknown keys. Returns the
    /// entries under their known key names (a likely misspelling stands for
    /// the key it resembles when the table lacks that key).
    pub fn table<'t, 'i>(
        &mut self,
        v: &'t Node<'i>,
        what: &str,
        known: &[&'static str],
    ) -> Option<Table<'t, 'i>> {
        let DeValue::Table(t) = v.get_ref() else {
            self.problem(
                v.span(),
                format!(
                    "expected a table for {what}, found {}",
                    describe(v.get_ref())
                ),
            );
            return None;
        };
        let mut entries: Vec<(&'static str, &'t Node<'i>)> = Vec::new();
        let mut unknown = Vec::new();
        for (k, val) in t.iter() {
            match known.iter().find(|n| **n == k.get_ref().as_ref()) {
                Some(n) => entries.push((n, val)),
                None => unknown.push((k, val)),
            }
        }
        for (k, val) in unknown {
            let name: &str = k.get_ref().as_ref();
            let shown = super::diag::short(name);
            let absent = known
                .iter()
                .copied()
                .filter(|n| !LEGACY_KEYS.contains(n) && !entries.iter().any(|(e, _)| e == n));
            match suggest(name, absent) {
                Some(s) => {
                    self.problem(
                        k.span(),
                        format!("unknown key `{shown}` in {what}; did you mean `{s}`?"),
                    );
                    entries.push((s, val));
                }
                None => self.problem(
                    k.span(),
                    format!(
                        "unknown key `{shown}` in {what}; expected one of {}",
                        known
                            .iter()
                            .filter(|k| !LEGACY_KEYS.contains(k))
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            }
        }
        Some(Table {
            what: what.to_string(),
            span: v.span(),
            entries,
        })
    }
}

/// A table being read: its entries under known key names.
pub(super) struct Table<'t, 'i> {
    what: String,
    span: Range<usize>,
    entries: Vec<(&'static str, &'t Node<'i>)>,
}

impl<'t, 'i> Table<'t, 'i> {
    /// The value of a key, if present.
    pub fn get(&self, key: &str) -> Option<&'t Node<'i>> {
        self.entries
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// Reads one field: its value, the field's default when absent, or a
    /// placeholder when it cannot be read or is missing (reported).
    pub fn field<F: Field>(&self, r: &mut Reader, key: &'static str) -> F {
        match self.get(key) {
            Some(v) => F::read_field(r, v).unwrap_or_else(|| {
                r.unreadable.push(v.span());
                r.unreadable_keys.push(key);
                F::placeholder(&v.span())
            }),
            None => F::absent().unwrap_or_else(|| {
                let at = self.span.start..self.span.start;
                r.problem(at, format!("{} needs `{key}`", self.what));
                let nowhere = r.missing_span();
                F::placeholder(&nowhere)
            }),
        }
    }
}

/// A value readable from TOML.
pub(super) trait FromToml: Sized {
    /// Reads a value, or reports why it cannot and returns `None`.
    fn read(r: &mut Reader, v: &Node<'_>) -> Option<Self>;
    /// Stands in for a value that could not be read; never checked further.
    fn placeholder(span: &Range<usize>) -> Self;
}

/// How a struct field behaves when its key is absent.
pub(super) trait Field: Sized {
    /// The value of an absent key; `None` when the key is required.
    fn absent() -> Option<Self>;
    /// Reads a present value.
    fn read_field(r: &mut Reader, v: &Node<'_>) -> Option<Self>;
    /// Stands in for a value that could not be read.
    fn placeholder(span: &Range<usize>) -> Self;
    /// Reads a present value, or records it as unreadable and stands in a
    /// placeholder for it.
    fn read_or_placeholder(r: &mut Reader, v: &Node<'_>) -> Self {
        Self::read_field(r, v).unwrap_or_else(|| {
            r.unreadable.push(v.span());
            Self::placeholder(&v.span())
        })
    }
}

/// Optional key.
impl<T: FromToml> Field for Option<T> {
    fn absent() -> Option<Self> {
        Some(None)
    }
    fn read_field(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        T::read(r, v).map(Some)
    }
    fn placeholder(span: &Range<usize>) -> Self {
        Some(T::placeholder(span))
    }
}

/// Required key.
impl<T: FromToml> Field for Spanned<T> {
    fn absent() -> Option<Self> {
        None
    }
    fn read_field(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        <Spanned<T> as FromToml>::read(r, v)
    }
    fn placeholder(span: &Range<usize>) -> Self {
        <Spanned<T> as FromToml>::placeholder(span)
    }
}

/// A list that is empty when absent.
impl<T: FromToml> Field for Vec<T> {
    fn absent() -> Option<Self> {
        Some(Vec::new())
    }
    fn read_field(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        <Vec<T> as FromToml>::read(r, v)
    }
    fn placeholder(_: &Range<usize>) -> Self {
        Vec::new()
    }
}

/// "a string \"many\"", "an integer 5", "a table"… for messages.
pub(super) fn describe(v: &DeValue<'_>) -> String {
    match v {
        DeValue::String(s) => {
            let s: &str = s.as_ref();
            if s.chars().count() > 40 {
                format!("a string \"{}…\"", s.chars().take(40).collect::<String>())
            } else {
                format!("a string \"{s}\"")
            }
        }
        DeValue::Integer(i) => format!("an integer {i}"),
        DeValue::Float(x) => format!("a number {x}"),
        DeValue::Boolean(b) => format!("a boolean {b}"),
        DeValue::Datetime(d) => format!("a date {d}"),
        DeValue::Array(_) => "an array".into(),
        DeValue::Table(_) => "a table".into(),
    }
}

fn integer(v: &DeValue<'_>) -> Option<Result<i64, ()>> {
    match v {
        DeValue::Integer(i) => Some(i64::from_str_radix(i.as_str(), i.radix()).map_err(|_| ())),
        _ => None,
    }
}

fn float(v: &DeValue<'_>) -> Option<f64> {
    match v {
        DeValue::Float(x) => x.as_str().parse().ok(),
        DeValue::Integer(_) => integer(v)?.ok().map(|i| i as f64),
        _ => None,
    }
}

impl FromToml for String {
    fn read(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            other => {
                r.problem(
                    v.span(),
                    format!("expected a string, found {}", describe(other)),
                );
                None
            }
        }
    }
    fn placeholder(_: &Range<usize>) -> Self {
        String::new()
    }
}

impl FromToml for f64 {
    fn read(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        let x = float(v.get_ref());
        if x.is_none() {
            r.problem(
                v.span(),
                format!("expected a number, found {}", describe(v.get_ref())),
            );
        }
        x
    }
    fn placeholder(_: &Range<usize>) -> Self {
        0.0
    }
}

impl FromToml for i64 {
    fn read(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        match integer(v.get_ref()) {
            Some(Ok(i)) => Some(i),
            Some(Err(())) => {
                r.problem(v.span(), "this integer does not fit in 64 bits");
                None
            }
            None => {
                r.problem(
                    v.span(),
                    format!("expected an integer, found {}", describe(v.get_ref())),
                );
                None
            }
        }
    }
    fn placeholder(_: &Range<usize>) -> Self {
        0
    }
}

impl FromToml for bool {
    fn read(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            other => {
                r.problem(
                    v.span(),
                    format!("expected true or false, found {}", describe(other)),
                );
                None
            }
        }
    }
    fn placeholder(_: &Range<usize>) -> Self {
        false
    }
}

impl<T: FromToml> FromToml for Spanned<T> {
    fn read(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        T::read(r, v).map(|x| Spanned::new(v.span(), x))
    }
    fn placeholder(span: &Range<usize>) -> Self {
        Spanned::new(span.clone(), T::placeholder(span))
    }
}

/// An array; an element that cannot be read is replaced by a placeholder
/// (unreadable itself), so the other elements are still checked and the
/// length and order stay as written.
impl<T: FromToml> FromToml for Vec<T> {
    fn read(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        let DeValue::Array(items) = v.get_ref() else {
            r.problem(
                v.span(),
                format!("expected an array, found {}", describe(v.get_ref())),
            );
            return None;
        };
        Some(
            items
                .iter()
                .map(|x| {
                    T::read(r, x).unwrap_or_else(|| {
                        r.unreadable.push(x.span());
                        T::placeholder(&x.span())
                    })
                })
                .collect(),
        )
    }
    fn placeholder(_: &Range<usize>) -> Self {
        Vec::new()
    }
}

/// A table of names to values (`capacity = { voice = 1 }`); an entry that
/// cannot be read is left out (reported).
impl<T: FromToml> FromToml for BTreeMap<Spanned<String>, T> {
    fn read(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        let DeValue::Table(t) = v.get_ref() else {
            r.problem(
                v.span(),
                format!("expected a table, found {}", describe(v.get_ref())),
            );
            return None;
        };
        let mut out = BTreeMap::new();
        for (k, val) in t.iter() {
            if let Some(x) = T::read(r, val) {
                out.insert(Spanned::new(k.span(), k.get_ref().to_string()), x);
            } else {
                r.unreadable.push(val.span());
            }
        }
        Some(out)
    }
    fn placeholder(_: &Range<usize>) -> Self {
        BTreeMap::new()
    }
}

/// Free-form attributes, kept as TOML values.
impl FromToml for toml::Table {
    fn read(r: &mut Reader, v: &Node<'_>) -> Option<Self> {
        match to_toml(r, v) {
            Some(toml::Value::Table(t)) => Some(t),
            Some(_) => {
                r.problem(
                    v.span(),
                    format!("expected a table, found {}", describe(v.get_ref())),
                );
                None
            }
            None => None,
        }
    }
    fn placeholder(_: &Range<usize>) -> Self {
        toml::Table::new()
    }
}

/// A parsed value as a plain TOML value (attribute documents).
fn to_toml(r: &mut Reader, v: &Node<'_>) -> Option<toml::Value> {
    Some(match v.get_ref() {
        DeValue::String(s) => toml::Value::String(s.to_string()),
        DeValue::Integer(_) => toml::Value::Integer(i64::read(r, v)?),
        DeValue::Float(_) => toml::Value::Float(f64::read(r, v)?),
        DeValue::Boolean(b) => toml::Value::Boolean(*b),
        DeValue::Datetime(d) => toml::Value::Datetime(*d),
        DeValue::Array(items) => toml::Value::Array(
            items
                .iter()
                .map(|x| to_toml(r, x))
                .collect::<Option<Vec<_>>>()?,
        ),
        DeValue::Table(t) => {
            let mut out = toml::Table::new();
            for (k, x) in t.iter() {
                out.insert(k.get_ref().to_string(), to_toml(r, x)?);
            }
            toml::Value::Table(out)
        }
    })
}

/// Declares a raw table: the struct and a reader that knows its keys (the
/// field names). Field types say how a key behaves: `Spanned<T>` is
/// required, `Option<T>` optional, `Vec<T>` an empty list when absent.
macro_rules! raw_table {
    // A field's key: its name, or the string given in brackets (for keys
    // that are Rust keywords, such as `where`).
    (@key $field:ident $key:literal) => { $key };
    (@key $field:ident) => { stringify!($field) };
    ($(#[$m:meta])* pub struct $name:ident ($what:expr) {
        $( $(#[$fm:meta])* pub $field:ident $([$key:literal])? : $ty:ty ),* $(,)?
    }) => {
        $(#[$m])*
        #[derive(Debug, Clone)]
        pub struct $name {
            $( $(#[$fm])* pub $field: $ty ),*
        }
        impl $name {
            /// The keys of this table.
            pub const KEYS: &'static [&'static str] = &[$(raw_table!(@key $field $($key)?)),*];
        }
        impl $crate::scenario::read::FromToml for $name {
            fn read(
                r: &mut $crate::scenario::read::Reader,
                v: &$crate::scenario::read::Node<'_>,
            ) -> Option<Self> {
                let t = r.table(v, $what, Self::KEYS)?;
                Some($name { $( $field: t.field::<$ty>(r, raw_table!(@key $field $($key)?)) ),* })
            }
            fn placeholder(span: &std::ops::Range<usize>) -> Self {
                $name { $( $field: <$ty as $crate::scenario::read::Field>::placeholder(span) ),* }
            }
        }
    };
}
pub(super) use raw_table;

#[cfg(test)]
mod tests {
    use super::*;

    raw_table! {
        /// A test table.
        pub struct Demo("[demo]") {
            pub count: Spanned<i64>,
            pub rate: Option<Spanned<f64>>,
            pub names: Vec<Spanned<String>>,
        }
    }

    fn read(text: &str) -> (Demo, Reader) {
        let doc = toml::de::DeTable::parse(text).unwrap();
        let node = Spanned::new(doc.span(), DeValue::Table(doc.into_inner()));
        let mut r = Reader::new(text.len());
        let d = Demo::read(&mut r, &node).unwrap();
        (d, r)
    }

    #[test]
    fn every_problem_is_collected_and_misspellings_stand_for_their_key() {
        let (d, r) = read("cuont = 3\nrate = \"fast\"\nnames = [\"a\", 2]\nextra = 1\n");
        let messages: Vec<&str> = r.problems.iter().map(|(_, m)| m.as_str()).collect();
        assert_eq!(*d.count.get_ref(), 3, "`cuont` read as `count`");
        assert!(messages.contains(&"unknown key `cuont` in [demo]; did you mean `count`?"));
        assert!(messages.contains(&"expected a number, found a string \"fast\""));
        assert!(messages.contains(&"expected a string, found an integer 2"));
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("unknown key `extra` in [demo]; expected one of `count`"))
        );
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert!(d.rate.is_some(), "an unreadable value stays present");
        assert_eq!(d.names.len(), 2, "a bad element keeps its place");
        assert_eq!(d.names[0].get_ref(), "a");
        assert_eq!(
            r.unreadable.len(),
            2,
            "rate and the bad element are unreadable"
        );
    }

    #[test]
    fn a_missing_required_key_is_reported_once() {
        let (d, r) = read("rate = 2\n");
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].1, "[demo] needs `count`");
        assert_eq!(d.count.span(), 9..9, "the placeholder points past the text");
        assert_eq!(*d.rate.unwrap().get_ref(), 2.0, "integers read as numbers");
    }
}
