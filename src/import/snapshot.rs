//! Reading a workspace snapshot: one JSON file per REST API list, in the
//! shapes the API returns (docs/import.md, "Accepted files and shapes").
//!
//! A file holds one or more JSON documents one after another (pages saved
//! as they came, or JSON lines); each document is a page object (`{"meta":
//! {…, "key": "workers"}, "workers": […]}`), a bare array of resources, or a
//! single resource object (what a fetch returns). Only the fields ccsim uses
//! are read, under the API's documented names; others are ignored, so a
//! snapshot taken by any client or a later API version still reads.

use super::ImportError;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The lists a snapshot may hold: (role, list key in a page object, file
/// names looked for in that order). Workers and task queues are required.
pub const FILES: &[(&str, &str, &[&str])] = &[
    ("workers", "workers", &["workers.json"]),
    (
        "task queues",
        "task_queues",
        &["task_queues.json", "taskqueues.json", "task-queues.json"],
    ),
    ("workflows", "workflows", &["workflows.json"]),
    ("activities", "activities", &["activities.json"]),
    (
        "task channels",
        "channels",
        &[
            "task_channels.json",
            "taskchannels.json",
            "task-channels.json",
        ],
    ),
    (
        "worker channels",
        "channels",
        &[
            "worker_channels.json",
            "workerchannels.json",
            "worker-channels.json",
        ],
    ),
    ("workspace", "workspaces", &["workspace.json"]),
];

/// One resource of a list, with where it came from for messages.
#[derive(Debug, Clone)]
pub struct Record {
    /// The resource's fields.
    pub fields: Map<String, Value>,
    /// The file.
    pub file: PathBuf,
    /// Line of the document (page) holding it.
    pub line: usize,
    /// 1-based position in its page.
    pub entry: usize,
}

impl Record {
    /// An error about this record: names its page line, its entry and, when
    /// it has one, its SID.
    pub fn error(&self, message: impl Into<String>) -> ImportError {
        let who = match self.fields.get("sid").and_then(Value::as_str) {
            Some(sid) => format!("entry {} (sid {sid})", self.entry),
            None => format!("entry {}", self.entry),
        };
        ImportError::new(&self.file, format!("{who}: {}", message.into())).at(self.line, 1)
    }

    /// A string field; `None` when absent or null.
    ///
    /// # Errors
    /// The field holds something else.
    pub fn str(&self, key: &str) -> Result<Option<&str>, ImportError> {
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self
                .error(format!(
                    "`{key}` must be a string, found {}",
                    describe(other)
                ))
                .fix(format!("give `{key}` as the API returns it, a JSON string"))),
        }
    }

    /// A string field that must be there.
    ///
    /// # Errors
    /// Missing, null or not a string.
    pub fn required(&self, key: &str, what: &str) -> Result<&str, ImportError> {
        self.str(key)?.ok_or_else(|| {
            self.error(format!("{what} has no `{key}`")).fix(format!(
                "every {what} listed by the API has `{key}`; export the list unchanged"
            ))
        })
    }

    /// A boolean field; `None` when absent or null.
    ///
    /// # Errors
    /// The field holds something else.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, ImportError> {
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(self
                .error(format!(
                    "`{key}` must be true or false, found {}",
                    describe(other)
                ))
                .fix(format!("give `{key}` as a JSON boolean"))),
        }
    }

    /// An integer field (a JSON integer, or a string of digits as some
    /// exports write them); `None` when absent or null.
    ///
    /// # Errors
    /// The field holds something else.
    pub fn int(&self, key: &str) -> Result<Option<i64>, ImportError> {
        let bad = |other: &Value| {
            self.error(format!(
                "`{key}` must be an integer, found {}",
                describe(other)
            ))
            .fix(format!("give `{key}` as a JSON integer such as 1"))
        };
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v @ Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| bad(v)),
            Some(v @ Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad(v)),
            Some(other) => Err(bad(other)),
        }
    }

    /// A field holding a JSON document as a string (`attributes`,
    /// `configuration`), parsed. An object given directly is accepted too
    /// (some tools expand it); absent, null or `""` read as `{}`.
    ///
    /// # Errors
    /// Not a string, or a string that is not a JSON object.
    pub fn json_string(&self, key: &str) -> Result<Map<String, Value>, ImportError> {
        match self.fields.get(key) {
            None | Some(Value::Null) => Ok(Map::new()),
            Some(Value::Object(m)) => Ok(m.clone()),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(Map::new()),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(m)) => Ok(m),
                Ok(other) => Err(self
                    .error(format!(
                        "`{key}` must hold a JSON object, found {}",
                        describe(&other)
                    ))
                    .fix(format!(
                        "write `{key}` as a string holding an object, e.g. \"{{}}\""
                    ))),
                Err(e) => Err(self
                    .error(format!(
                        "`{key}` is not valid JSON (line {} column {} of the string): {}",
                        e.line(),
                        e.column(),
                        strip_position(&e.to_string())
                    ))
                    .fix(format!(
                        "`{key}` is a JSON document inside a string; check its quotes and escapes"
                    ))),
            },
            Some(other) => Err(self
                .error(format!(
                    "`{key}` must be a string holding JSON, found {}",
                    describe(other)
                ))
                .fix(format!("give `{key}` as the API returns it, a JSON string"))),
        }
    }
}

/// A value's kind for messages.
pub fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("a boolean {b}"),
        Value::Number(n) => format!("a number {n}"),
        Value::String(s) => format!("a string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// serde_json's message without its " at line L column C" (the position is
/// given the `file:line:column` way instead).
fn strip_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

/// The resources of one list file, in order, from every document in it.
///
/// # Errors
/// Invalid JSON (with line and column), or a document of another shape.
pub fn read_list(path: &Path, text: &str, key: &str) -> Result<Vec<Record>, ImportError> {
    let shapes = format!(
        "a page as the API returns it ({{\"meta\": {{…}}, \"{key}\": […]}}), several pages one after another, a bare array of resources, or one resource object"
    );
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut start = 0;
    let mut documents = 0;
    let (mut counted_to, mut line) = (0, 1);
    while let Some(doc) = stream.next() {
        let doc = doc.map_err(|e| {
            ImportError::new(
                path,
                format!("invalid JSON: {}", strip_position(&e.to_string())),
            )
            .at(e.line(), e.column())
            .fix(format!("the file must hold {shapes}"))
        })?;
        let end = stream.byte_offset();
        let skipped = text[start..end].len() - text[start..end].trim_start().len();
        line += text[counted_to..start + skipped].matches('\n').count();
        counted_to = start + skipped;
        start = end;
        documents += 1;
        let items: Vec<Value> = match doc {
            Value::Array(items) => items,
            Value::Object(mut page) => {
                // The list's key: as the page's meta names it, else the
                // expected one, else its only array member.
                let named = page
                    .get("meta")
                    .and_then(|m| m.get("key"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let arrays: Vec<String> = page
                    .iter()
                    .filter(|(_, v)| v.is_array())
                    .map(|(k, _)| k.clone())
                    .collect();
                let list_key = named
                    .filter(|k| page.get(k).is_some_and(Value::is_array))
                    .or_else(|| page.get(key).filter(|v| v.is_array()).map(|_| key.into()))
                    .or_else(|| (arrays.len() == 1).then(|| arrays[0].clone()));
                match list_key {
                    Some(k) => match page.remove(&k) {
                        Some(Value::Array(items)) => items,
                        _ => Vec::new(),
                    },
                    None if page.contains_key("sid") => vec![Value::Object(page)],
                    None => {
                        return Err(ImportError::new(
                            path,
                            format!(
                                "expected a list of resources under \"{key}\", found an object with {}",
                                if page.is_empty() {
                                    "no members".to_string()
                                } else {
                                    format!(
                                        "the members {}",
                                        page.keys()
                                            .map(|k| format!("\"{k}\""))
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    )
                                }
                            ),
                        )
                        .at(line, 1)
                        .fix(format!("the file must hold {shapes}")));
                    }
                }
            }
            other => {
                return Err(ImportError::new(
                    path,
                    format!("expected a page of resources, found {}", describe(&other)),
                )
                .at(line, 1)
                .fix(format!("the file must hold {shapes}")));
            }
        };
        for (i, item) in items.into_iter().enumerate() {
            match item {
                Value::Object(fields) => out.push(Record {
                    fields,
                    file: path.to_path_buf(),
                    line,
                    entry: i + 1,
                }),
                other => {
                    return Err(ImportError::new(
                        path,
                        format!(
                            "entry {} of the list is {}, not a resource object",
                            i + 1,
                            describe(&other)
                        ),
                    )
                    .at(line, 1)
                    .fix("each entry of the list is one resource, a JSON object with its fields"));
                }
            }
        }
    }
    if documents == 0 {
        return Err(
            ImportError::new(path, "the file is empty").fix(format!("the file must hold {shapes}"))
        );
    }
    Ok(out)
}

/// The lists found in a snapshot folder, each as its records.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The folder.
    pub dir: PathBuf,
    /// Records per role of [`FILES`] (empty when the file is absent).
    pub lists: Vec<(&'static str, Option<PathBuf>, Vec<Record>)>,
    /// `.json` files in the folder that match no expected name.
    pub ignored: Vec<String>,
    /// Resources listed more than once (overlapping pages): one note each.
    pub duplicates: Vec<String>,
}

impl Snapshot {
    /// The records of a role (`"workers"`, `"task queues"`, …).
    pub fn records(&self, role: &str) -> &[Record] {
        self.lists
            .iter()
            .find(|(r, _, _)| *r == role)
            .map_or(&[], |(_, _, recs)| recs.as_slice())
    }

    /// The file a role was read from, if present.
    pub fn file(&self, role: &str) -> Option<&Path> {
        self.lists
            .iter()
            .find(|(r, _, _)| *r == role)
            .and_then(|(_, f, _)| f.as_deref())
    }
}

/// Keeps the first resource of each SID: pages saved twice, or pages that
/// overlap because the list changed while it was paged, must not count a
/// worker twice (nor give two queues one SID). Each SID dropped is named.
fn dedupe(records: Vec<Record>) -> (Vec<Record>, Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    let mut notes = Vec::new();
    let kept = records
        .into_iter()
        .filter(|r| match r.fields.get("sid").and_then(Value::as_str) {
            Some(sid) if !seen.insert(sid.to_string()) => {
                notes.push(format!(
                    "{}:{}: entry {} repeats sid {sid}: kept the first",
                    r.file.display(),
                    r.line,
                    r.entry
                ));
                false
            }
            _ => true,
        })
        .collect();
    (kept, notes)
}

/// Reads every list file of a snapshot folder.
///
/// # Errors
/// The folder cannot be read, a required file is missing, or a file is not
/// in an accepted shape.
pub fn read_snapshot(dir: &Path) -> Result<Snapshot, ImportError> {
    if !dir.is_dir() {
        return Err(ImportError::new(dir, "not a folder").fix(
            "give the folder holding the snapshot's JSON files (workers.json, task_queues.json, …)",
        ));
    }
    let mut snap = Snapshot {
        dir: dir.to_path_buf(),
        ..Snapshot::default()
    };
    let mut known: Vec<&str> = Vec::new();
    for (role, key, names) in FILES {
        known.extend(names.iter());
        let found = names.iter().map(|n| dir.join(n)).find(|p| p.is_file());
        let records = match &found {
            Some(path) => {
                let text = crate::scenario::input::read_text(path, 256 * 1024 * 1024)
                    .map_err(|e| ImportError::new(path, format!("cannot read the file: {e}")))?;
                read_list(path, &text, key)?
            }
            None if matches!(*role, "workers" | "task queues") => {
                return Err(ImportError::new(
                    dir,
                    format!(
                        "the snapshot has no {role} list: expected {}",
                        names.join(" or ")
                    ),
                )
                .fix(format!(
                    "save the API's {role} list (every page) as {} in this folder",
                    names[0]
                )));
            }
            None => Vec::new(),
        };
        let (records, duplicates) = dedupe(records);
        snap.duplicates.extend(duplicates);
        snap.lists.push((role, found, records));
    }
    let mut ignored: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| ImportError::new(dir, format!("cannot list the folder: {e}")))?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".json") && !known.contains(&n.as_str()))
        .collect();
    ignored.sort();
    snap.ignored = ignored;
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Record>, ImportError> {
        read_list(Path::new("workers.json"), text, "workers")
    }

    fn sids(recs: &[Record]) -> Vec<&str> {
        recs.iter()
            .map(|r| r.fields["sid"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn a_page_as_returned() {
        let recs = read(
            r#"{"meta": {"page": 0, "page_size": 50, "key": "workers"},
                "workers": [{"sid": "WK1"}, {"sid": "WK2"}]}"#,
        )
        .unwrap();
        assert_eq!(sids(&recs), ["WK1", "WK2"]);
        assert_eq!((recs[1].line, recs[1].entry), (1, 2));
    }

    #[test]
    fn pages_one_after_another_keep_their_lines() {
        let text = "{\"meta\": {\"key\": \"workers\"}, \"workers\": [{\"sid\": \"WK1\"}]}\n\n{\"meta\": {\"key\": \"workers\"}, \"workers\": [{\"sid\": \"WK2\"}]}\n";
        let recs = read(text).unwrap();
        assert_eq!(sids(&recs), ["WK1", "WK2"]);
        assert_eq!(recs[1].line, 3);
    }

    #[test]
    fn a_bare_array_a_single_resource_and_a_page_without_meta() {
        assert_eq!(
            sids(&read(r#"[{"sid": "WK1"}, {"sid": "WK2"}]"#).unwrap()),
            ["WK1", "WK2"]
        );
        assert_eq!(sids(&read(r#"{"sid": "WK9"}"#).unwrap()), ["WK9"]);
        // Without meta, the expected key or the only array member is the list.
        assert_eq!(
            sids(&read(r#"{"workers": [{"sid": "WK3"}], "x": 1}"#).unwrap()),
            ["WK3"]
        );
        assert_eq!(
            sids(&read(r#"{"items": [{"sid": "WK4"}]}"#).unwrap()),
            ["WK4"]
        );
    }

    #[test]
    fn a_resource_listed_twice_counts_once() {
        let recs = read("[{\"sid\": \"WK1\"}, {\"sid\": \"WK2\"}]\n[{\"sid\": \"WK1\", \"x\": 1}]")
            .unwrap();
        let (kept, notes) = dedupe(recs);
        assert_eq!(sids(&kept), ["WK1", "WK2"]);
        assert!(!kept[0].fields.contains_key("x"));
        assert_eq!(
            notes,
            ["workers.json:2: entry 1 repeats sid WK1: kept the first"]
        );
    }

    #[test]
    fn bad_json_names_line_and_column() {
        let e = read("[{\"sid\": \"WK1\"},\n {\"sid\" \"WK2\"}]").unwrap_err();
        assert_eq!(e.position, Some((2, 9)));
        assert!(e.message.starts_with("invalid JSON: expected `:`"), "{e}");
        assert!(!e.message.contains("at line"), "{e}");
        assert!(e.fix.as_deref().unwrap().contains("bare array"), "{e}");
    }

    #[test]
    fn wrong_shapes_say_what_was_expected() {
        let e = read(r#"{"meta": {}, "next": "x"}"#).unwrap_err();
        assert!(
            e.message
                .contains("expected a list of resources under \"workers\""),
            "{e}"
        );
        assert!(e.message.contains("\"meta\", \"next\""), "{e}");
        let e = read("[1]").unwrap_err();
        assert_eq!(
            e.message,
            "entry 1 of the list is a number 1, not a resource object"
        );
        assert_eq!(read("  ").unwrap_err().message, "the file is empty");
        let e = read("42").unwrap_err();
        assert_eq!(e.message, "expected a page of resources, found a number 42");
    }

    #[test]
    fn fields_are_typed_with_clear_errors() {
        let recs = read(
            r#"[{"sid": "WK1", "available": "yes", "configured_capacity": "3",
                 "attributes": "{\"skills\": [\"a\"]}", "bad": "{nope", "n": 2}]"#,
        )
        .unwrap();
        let r = &recs[0];
        assert_eq!(r.int("configured_capacity").unwrap(), Some(3));
        assert_eq!(r.json_string("attributes").unwrap()["skills"][0], "a");
        assert_eq!(r.json_string("absent").unwrap().len(), 0);
        let e = r.bool("available").unwrap_err();
        assert_eq!(
            e.message,
            "entry 1 (sid WK1): `available` must be true or false, found a string \"yes\""
        );
        let e = r.json_string("bad").unwrap_err();
        assert!(
            e.message
                .contains("`bad` is not valid JSON (line 1 column 2 of the string)"),
            "{e}"
        );
        assert!(r.str("n").is_err());
        assert_eq!(
            r.required("friendly_name", "a worker").unwrap_err().message,
            "entry 1 (sid WK1): a worker has no `friendly_name`"
        );
    }
}
