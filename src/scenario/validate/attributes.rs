//! Attribute documents: a source's fixed attributes and its `choose` draws
//! (every combination becomes a task class, decided once for routing), and
//! workers' attributes, all flattened to the dotted paths that TaskRouter
//! expressions read.

use super::Validator;
use crate::expr::{Attrs, KeyId, KeyTable, Value};
use crate::scenario::raw::RawArrival;
use crate::scenario::{Channel, ChannelId};

/// A categorical attribute: its key and (value, weight) options.
pub(super) type CategoricalAttr = (KeyId, Vec<(Value, f64)>);

impl Validator<'_> {
    /// Splits a source's attributes into fixed pairs and random choices.
    /// Nested tables are nested objects (read as dotted paths, as TaskRouter
    /// reads `a.b`); `key = { choose = { en = 0.8, es = 0.2 } }` draws one
    /// value per arrival. A table of two or more numbers was a random choice
    /// in earlier versions and is refused as ambiguous, with both ways to
    /// write it. `attributes_json` adds a JSON object (for objects that the
    /// TOML form cannot say unambiguously, or pasted task attributes).
    pub(super) fn attribute_model(
        &mut self,
        raw: &RawArrival,
        channel: Option<ChannelId>,
        channels: &[Channel],
    ) -> (Vec<(KeyId, Value)>, Vec<CategoricalAttr>) {
        let mut base = Vec::new();
        let mut cats = Vec::new();
        // [I] the task's channel is visible to filters as `channel` unless the
        // scenario sets that attribute itself.
        if let Some(ch) = channel {
            base.push((
                self.keys.intern("channel"),
                Value::Str(channels[ch.idx()].name.as_str().into()),
            ));
        }
        let mut top_keys: Vec<String> = Vec::new();
        if let Some(table) = &raw.attributes {
            let span = table.span();
            for (k, v) in table.get_ref() {
                top_keys.push(k.clone());
                match v {
                    toml::Value::Table(t) if t.len() == 1 && t.contains_key("choose") => {
                        match choice(&t["choose"]) {
                            Ok(options) => cats.push((self.keys.intern(k), options)),
                            Err(why) => self.err(
                                &span,
                                format!("attribute \"{k}\": `choose` {why}, such as {k} = {{ choose = {{ en = 0.8, es = 0.2 }} }}"),
                            ),
                        }
                    }
                    toml::Value::Table(t)
                        if t.len() >= 2
                            && t.values().all(|x| {
                                matches!(x, toml::Value::Integer(_) | toml::Value::Float(_))
                            }) =>
                    {
                        let first: Vec<&String> = t.keys().take(2).collect();
                        self.err(
                            &span,
                            format!(
                                "attribute \"{k}\" is a table of numbers, which is ambiguous: to draw one of its keys per arrival write {k} = {{ choose = {{ {a} = …, {b} = … }} }}; for a nested object of numbers give it in `attributes_json` (e.g. attributes_json = '{{\"{k}\": {{\"{a}\": …}}}}')",
                                a = first[0],
                                b = first[1]
                            ),
                        );
                    }
                    toml::Value::Table(t) => {
                        let mut nested = Vec::new();
                        flatten_toml(k, t, &mut self.keys, &mut nested);
                        base.extend(nested);
                    }
                    other => base.push((self.keys.intern(k), Value::from_toml(other))),
                }
            }
        }
        if let Some(json) = &raw.attributes_json {
            match serde_json::from_str::<serde_json::Value>(json.get_ref()) {
                Ok(serde_json::Value::Object(o)) => {
                    for k in o.keys() {
                        if top_keys.contains(k) {
                            self.err(
                                &json.span(),
                                format!("attribute \"{k}\" is set both in `attributes` and in `attributes_json`"),
                            );
                        }
                    }
                    let doc = Attrs::from_json_object(&o, &mut self.keys);
                    base.extend(doc.iter().cloned());
                }
                Ok(_) => self.err(
                    &json.span(),
                    "attributes_json must be a JSON object such as '{\"skill\": \"support\"}'",
                ),
                Err(e) => self.err(
                    &json.span(),
                    format!("attributes_json is not valid JSON: {e}"),
                ),
            }
        }
        // An explicit attribute replaces the injected channel.
        let mut seen_keys = std::collections::HashSet::new();
        base.reverse();
        base.retain(|(k, _)| seen_keys.insert(*k));
        base.reverse();
        cats.retain(|(k, _)| {
            base.retain(|(b, _)| b != k);
            true
        });
        (base, cats)
    }

    /// A worker's attribute table as a document of dotted paths.
    pub(super) fn attrs_from_table(&mut self, table: &toml::Table) -> Attrs {
        let mut pairs = Vec::new();
        flatten_toml("", table, &mut self.keys, &mut pairs);
        Attrs::from_pairs(pairs)
    }
}

/// The options of a `choose` table: value and weight each, weights
/// non-negative with a positive sum.
fn choice(v: &toml::Value) -> Result<Vec<(Value, f64)>, &'static str> {
    let toml::Value::Table(t) = v else {
        return Err("takes a table of weights");
    };
    let mut options = Vec::new();
    for (name, w) in t {
        let w = match w {
            toml::Value::Integer(i) => *i as f64,
            toml::Value::Float(f) => *f,
            _ => return Err("takes numbers as weights"),
        };
        if !(w.is_finite() && w >= 0.0) {
            return Err("needs non-negative weights");
        }
        options.push((Value::Str(name.as_str().into()), w));
    }
    if options.iter().map(|o| o.1).sum::<f64>() <= 0.0 {
        return Err("needs weights with a positive sum");
    }
    Ok(options)
}

impl Validator<'_> {
    /// Attribute values that replace others (a redial's `attributes`):
    /// plain values and nested objects, not draws.
    pub(super) fn attribute_overrides(
        &mut self,
        table: &toml::Spanned<toml::Table>,
    ) -> Option<Vec<(KeyId, Value)>> {
        let mut out = Vec::new();
        for (k, v) in table.get_ref() {
            match v {
                toml::Value::Table(t) if t.contains_key("choose") => {
                    self.err(
                        &table.span(),
                        format!("attribute \"{k}\": a redial's attributes are values, not draws (`choose` belongs to the source's own attributes)"),
                    );
                    return None;
                }
                toml::Value::Table(t) => flatten_toml(k, t, &mut self.keys, &mut out),
                other => out.push((self.keys.intern(k), Value::from_toml(other))),
            }
        }
        Some(out)
    }
}

fn flatten_toml(prefix: &str, t: &toml::Table, keys: &mut KeyTable, out: &mut Vec<(KeyId, Value)>) {
    for (k, v) in t {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            toml::Value::Table(inner) => flatten_toml(&path, inner, keys, out),
            other => out.push((keys.intern(&path), Value::from_toml(other))),
        }
    }
}
