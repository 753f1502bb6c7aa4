//! Attribute documents (task and worker attributes) in a form the expression
//! evaluator reads without allocating: keys are interned to [`KeyId`]s, nested
//! objects are flattened to dotted paths (`customer.tier`), and lookups are a
//! binary search over a short sorted slice.

use std::collections::HashMap;

/// An interned attribute path such as `skills` or `customer.tier`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(pub u32);

impl KeyId {
    /// Index into per-key tables.
    #[inline]
    pub fn idx(self) -> usize {
        self.0 as usize
    }
}

/// Interns attribute paths so that documents and expressions share ids.
#[derive(Debug, Default, Clone)]
pub struct KeyTable {
    map: HashMap<String, KeyId>,
    names: Vec<String>,
}

impl KeyTable {
    /// The id of a path, creating it if new.
    pub fn intern(&mut self, path: &str) -> KeyId {
        if let Some(&id) = self.map.get(path) {
            return id;
        }
        let id = KeyId(self.names.len() as u32);
        self.names.push(path.to_string());
        self.map.insert(path.to_string(), id);
        id
    }

    /// The id of a path if it was ever interned.
    pub fn get(&self, path: &str) -> Option<KeyId> {
        self.map.get(path).copied()
    }

    /// The path of an id.
    pub fn name(&self, id: KeyId) -> &str {
        &self.names[id.0 as usize]
    }

    /// Number of interned paths (ids are `0..len`).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True before anything is interned.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// An attribute value. Arrays hold scalars (TaskRouter's `HAS`/`IN` operate on them).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// JSON null, and the value of a missing key.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// Every number (integers included), as in JSON.
    Num(f64),
    /// A string.
    Str(Box<str>),
    /// An array.
    List(Box<[Value]>),
}

impl Value {
    /// A borrowed view for evaluation.
    #[inline]
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Bool(b) => ValueRef::Bool(*b),
            Value::Num(n) => ValueRef::Num(*n),
            Value::Str(s) => ValueRef::Str(s),
            Value::List(l) => ValueRef::List(l),
        }
    }

    /// Converts a JSON value; nested objects are flattened by the caller.
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::Str(s.as_str().into()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from_json).collect()),
            // An object inside an array cannot be addressed by TaskRouter paths
            // either; keep it as null rather than failing.
            serde_json::Value::Object(_) => Value::Null,
        }
    }

    /// Converts a TOML value; tables inside arrays become null (see `from_json`).
    pub fn from_toml(v: &toml::Value) -> Value {
        match v {
            toml::Value::String(s) => Value::Str(s.as_str().into()),
            toml::Value::Integer(i) => Value::Num(*i as f64),
            toml::Value::Float(f) => Value::Num(*f),
            toml::Value::Boolean(b) => Value::Bool(*b),
            toml::Value::Datetime(d) => Value::Str(d.to_string().into()),
            toml::Value::Array(a) => Value::List(a.iter().map(Value::from_toml).collect()),
            toml::Value::Table(_) => Value::Null,
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => write!(f, "null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Num(n) => write!(f, "{n}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::List(l) => {
                write!(f, "[")?;
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{v}")?;
                }
                write!(f, "]")
            }
        }
    }
}

/// A borrowed attribute value, what the evaluator compares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    /// Null or missing.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Num(f64),
    /// A string.
    Str(&'a str),
    /// An array.
    List(&'a [Value]),
}

/// One attribute document: sorted (key, value) pairs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Attrs {
    entries: Vec<(KeyId, Value)>,
}

impl Attrs {
    /// Builds a document from pairs; a later duplicate key replaces an earlier one.
    pub fn from_pairs(mut pairs: Vec<(KeyId, Value)>) -> Attrs {
        pairs.reverse();
        pairs.sort_by_key(|(k, _)| *k);
        pairs.dedup_by_key(|(k, _)| *k);
        Attrs { entries: pairs }
    }

    /// Flattens a JSON object (nested objects become dotted paths).
    pub fn from_json_object(
        obj: &serde_json::Map<String, serde_json::Value>,
        keys: &mut KeyTable,
    ) -> Attrs {
        let mut pairs = Vec::new();
        flatten_json("", obj, keys, &mut pairs);
        Attrs::from_pairs(pairs)
    }

    /// This document with every key of `patch` set to the patch's value
    /// (other keys kept): a scripted attribute update.
    pub fn merged(&self, patch: &Attrs) -> Attrs {
        let mut pairs = self.entries.clone();
        pairs.extend(patch.entries.iter().cloned());
        Attrs::from_pairs(pairs)
    }

    /// The value at a key; missing keys are null (docs/routing.md, "Null and type rules").
    #[inline]
    pub fn get(&self, key: KeyId) -> ValueRef<'_> {
        match self.entries.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(i) => self.entries[i].1.as_ref(),
            Err(_) => ValueRef::Null,
        }
    }

    /// The (key, value) pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = &(KeyId, Value)> {
        self.entries.iter()
    }

    /// Sets or replaces one key.
    pub fn set(&mut self, key: KeyId, value: Value) {
        match self.entries.binary_search_by_key(&key, |(k, _)| *k) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (key, value)),
        }
    }
}

fn flatten_json(
    prefix: &str,
    obj: &serde_json::Map<String, serde_json::Value>,
    keys: &mut KeyTable,
    out: &mut Vec<(KeyId, Value)>,
) {
    for (k, v) in obj {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            serde_json::Value::Object(inner) => flatten_json(&path, inner, keys, out),
            other => out.push((keys.intern(&path), Value::from_json(other))),
        }
    }
}
