//! Trace replay input: a CSV of real arrivals with the header
//! `arrival_time_s,channel,handle_time_s,patience_s,attributes`.
//! `handle_time_s` and `patience_s` may be empty (the source's distributions
//! apply); `attributes` is a JSON object or empty. Rows are sorted by time.

use super::diag::{Severity, SourceFile};
use super::validate::Validator;
use super::{Channel, ChannelId, ClassId, TaskClass, TraceRow};
use crate::expr::{Attrs, KeyId, Value};
use std::collections::HashMap;
use std::path::Path;
use toml::Spanned;

/// Bad rows reported per trace before giving up on the file.
const MAX_ROW_ERRORS: usize = 20;

const COLUMNS: [&str; 5] = [
    "arrival_time_s",
    "channel",
    "handle_time_s",
    "patience_s",
    "attributes",
];

pub(super) fn load_trace(
    v: &mut Validator<'_>,
    file: &Spanned<String>,
    channels: &[Channel],
    source_has_handle_time: bool,
    base: &[(KeyId, Value)],
    classes: &mut Vec<TaskClass>,
) -> Option<Vec<TraceRow>> {
    let dir = v.src.path.parent().unwrap_or(Path::new(""));
    let path = dir.join(file.get_ref());
    let text = match super::input::read_text(&path, super::input::TRACE_MAX_BYTES) {
        Ok(t) => t,
        Err(e) => {
            v.err(&file.span(), format!("cannot read the trace: {e}"));
            return None;
        }
    };
    v.record_input("trace", &path, &text);
    let csv_src = SourceFile::new(&path, &text);
    let errors_before = v.diags.items.len();
    let report = |v: &mut Validator<'_>, offset: usize, msg: String| {
        v.diags.items.push(csv_src.at(Severity::Error, offset, msg));
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    match reader.headers() {
        Ok(h) if h.iter().eq(COLUMNS.iter().copied()) => {}
        Ok(h) => {
            report(
                v,
                0,
                format!(
                    "expected the header `{}`, found `{}`",
                    COLUMNS.join(","),
                    h.iter().collect::<Vec<_>>().join(",")
                ),
            );
            return None;
        }
        Err(e) => {
            report(v, 0, format!("cannot read the CSV header: {e}"));
            return None;
        }
    }
    let mut rows = Vec::new();
    let mut seen_classes: HashMap<(u32, String), ClassId> = HashMap::new();
    let channel_key = v.keys.intern("channel");
    for record in reader.records() {
        if v.diags.items.len() - errors_before >= MAX_ROW_ERRORS {
            v.diags.items.push(csv_src.at(
                Severity::Error,
                text.len(),
                format!("stopped after {MAX_ROW_ERRORS} bad rows"),
            ));
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let offset = e.position().map_or(0, |p| p.byte() as usize);
                report(v, offset, format!("malformed CSV row: {e}"));
                continue;
            }
        };
        let offset = record.position().map_or(0, |p| p.byte() as usize);
        let field = |i: usize| record.get(i).unwrap_or("");
        let time = match field(0).parse::<f64>() {
            // `+ 0.0` turns "-0" into 0 (its sign bit would sort it last).
            Ok(t) if t.is_finite() && t >= 0.0 => t + 0.0,
            _ => {
                report(
                    v,
                    offset,
                    format!(
                        "arrival_time_s: expected a non-negative number of seconds, found \"{}\"",
                        field(0)
                    ),
                );
                continue;
            }
        };
        let Some(ch) = channels.iter().position(|c| c.name == field(1)) else {
            if v.incomplete.contains("channel") {
                continue; // some channels could not be read (reported)
            }
            let names: Vec<&str> = channels.iter().map(|c| c.name.as_str()).collect();
            report(
                v,
                offset,
                format!(
                    "channel: {}",
                    super::diag::unknown_name("channel", field(1), &names)
                ),
            );
            continue;
        };
        let optional_secs = |v: &mut Validator<'_>, i: usize| -> Result<Option<f64>, ()> {
            let f = field(i);
            if f.is_empty() {
                return Ok(None);
            }
            match f.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x + 0.0)),
                _ => {
                    report(
                        v,
                        offset,
                        format!(
                            "{}: expected empty or a non-negative number of seconds, found \"{f}\"",
                            COLUMNS[i]
                        ),
                    );
                    Err(())
                }
            }
        };
        let (Ok(handle), Ok(patience)) = (optional_secs(v, 2), optional_secs(v, 3)) else {
            continue;
        };
        if handle.is_none() && !source_has_handle_time && channels[ch].handle_time.is_none() {
            report(
                v,
                offset,
                format!(
                    "handle_time_s is empty and neither the source nor channel \"{}\" has a handle_time",
                    channels[ch].name
                ),
            );
            continue;
        }
        let attrs_text = field(4);
        let obj = if attrs_text.is_empty() {
            serde_json::Map::new()
        } else {
            match serde_json::from_str::<serde_json::Value>(attrs_text) {
                Ok(serde_json::Value::Object(o)) => o,
                Ok(_) => {
                    report(v, offset, "attributes: expected a JSON object".into());
                    continue;
                }
                Err(e) => {
                    report(v, offset, format!("attributes: invalid JSON ({e})"));
                    continue;
                }
            }
        };
        let key = (ch as u32, attrs_text.to_string());
        let class = *seen_classes.entry(key).or_insert_with(|| {
            let mut pairs: Vec<(KeyId, Value)> = base
                .iter()
                .filter(|(k, _)| *k != channel_key)
                .cloned()
                .collect();
            pairs.push((channel_key, Value::Str(channels[ch].name.as_str().into())));
            let row = Attrs::from_json_object(&obj, &mut v.keys);
            pairs.extend(row.iter().cloned());
            classes.push(TaskClass {
                attrs: Attrs::from_pairs(pairs),
                channel: ChannelId(ch as u32),
                filter_matches: Vec::new(),
            });
            ClassId(classes.len() as u32 - 1)
        });
        rows.push(TraceRow {
            time_s: time,
            channel: ChannelId(ch as u32),
            handle_time_s: handle,
            patience_s: patience,
            class,
        });
    }
    if v.diags.items.len() > errors_before {
        return None;
    }
    if rows.is_empty() {
        v.diags.error(
            &v.src,
            &file.span(),
            format!("trace {} has no rows", path.display()),
        );
        return None;
    }
    rows.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
    Some(rows)
}
