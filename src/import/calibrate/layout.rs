//! Calibration on a workspace's structure (`--workspace`): each source
//! carries the attribute document most of its tasks had, so that the
//! workspace's own workflow routes it as it routed them.

use super::TaskRecord;
use crate::import::workspace::canonical;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The most common attribute document among `tasks` (ties: the first seen),
/// and how many had it. Tasks without attributes count as an empty one.
pub fn most_common<'a>(tasks: impl Iterator<Item = &'a TaskRecord>) -> (Map<String, Value>, usize) {
    let mut seen: BTreeMap<String, (usize, usize, Map<String, Value>)> = BTreeMap::new();
    for (order, t) in tasks.enumerate() {
        let doc = t.attributes.clone().unwrap_or_default();
        // Key order is the event's: the same document may list its keys
        // in another order.
        let key = canonical(&Value::Object(doc.clone()));
        seen.entry(key).or_insert((0, order, doc)).0 += 1;
    }
    seen.into_values()
        .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
        .map_or_else(|| (Map::new(), 0), |(n, _, doc)| (doc, n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(attrs: Value) -> TaskRecord {
        TaskRecord {
            sid: String::new(),
            created: 0.0,
            channel: None,
            queue: None,
            attributes: attrs.as_object().cloned(),
            wait: None,
            answered: None,
            legs: Vec::new(),
            transferred_to: None,
            talk: None,
            wrapup: None,
            completed: None,
        }
    }

    #[test]
    fn the_commonest_document_wins_and_ties_go_to_the_first() {
        let tasks = [
            task(json!({"type": "support", "lang": "en"})),
            task(json!({"type": "sales"})),
            task(json!({"lang": "en", "type": "support"})),
        ];
        let (doc, n) = most_common(tasks.iter());
        assert_eq!(n, 2);
        assert_eq!(Value::Object(doc), json!({"type": "support", "lang": "en"}));
        let (doc, n) = most_common(tasks[1..2].iter().chain(tasks[..1].iter()));
        assert_eq!(n, 1);
        assert_eq!(Value::Object(doc), json!({"type": "sales"}));
    }
}
