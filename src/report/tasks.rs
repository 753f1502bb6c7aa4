//! Lists of tasks of replication 0 that answer a question (`ccsim explain
//! --find EXPR` / `--slowest N`): each task summarised from the audit trail
//! once its outcome is known, so memory holds only the tasks in flight.

use crate::engine::trace::TraceEvent;
use crate::expr::{Attrs, Context, Expr, KeyTable, Value};
use crate::routing::Plan;
use crate::scenario::Scenario;
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

/// A `--find` expression that does not parse.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "invalid expression: {0}; it reads index, source, channel, queue, wait, outcome and created, e.g. 'wait > 600 AND queue == \"billing\"'"
)]
pub struct BadQuestion(String);

/// The tasks whose record matches `question` (at most `limit` listed, the
/// lowest indices), for the scenario read from `file`.
pub fn find(
    s: &Scenario,
    file: &Path,
    seed: u64,
    question: &str,
    limit: usize,
) -> Result<String, BadQuestion> {
    let mut keys = KeyTable::default();
    let e =
        Expr::parse(question, Context::Bare, &mut keys).map_err(|e| BadQuestion(e.to_string()))?;
    // The count of matches, and the `limit` with the lowest indices.
    let (mut count, mut first) = (0usize, BinaryHeap::new());
    summaries(s, seed, &mut |r| {
        if e.eval(&r.attrs(&mut keys)) {
            count += 1;
            first.push(ByIndex(r));
            if first.len() > limit {
                first.pop();
            }
        }
    });
    let mut shown: Vec<Record> = first.into_iter().map(|b| b.0).collect();
    shown.sort_by_key(|r| r.index);
    let rows: Vec<&Record> = shown.iter().collect();
    Ok(listing(
        s,
        file,
        seed,
        &format!("matching '{question}'"),
        &rows,
        count,
        limit,
    ))
}

/// The `n` tasks that waited longest (ties: the lowest index first).
pub fn slowest(s: &Scenario, file: &Path, seed: u64, n: usize) -> String {
    let mut top = BinaryHeap::new();
    summaries(s, seed, &mut |r| {
        top.push(std::cmp::Reverse(ByWait(r)));
        if top.len() > n {
            top.pop();
        }
    });
    let mut shown: Vec<Record> = top.into_iter().map(|b| b.0.0).collect();
    shown.sort_by(|a, b| b.wait.total_cmp(&a.wait).then(a.index.cmp(&b.index)));
    let rows: Vec<&Record> = shown.iter().collect();
    listing(
        s,
        file,
        seed,
        "with the longest waits",
        &rows,
        rows.len(),
        n,
    )
}

/// What `--find` and `--slowest` know of a task.
struct Record {
    index: u64,
    created: f64,
    source: String,
    channel: String,
    queue: String,
    /// Until answered, or until the contact's outcome; until the run's last
    /// event for one still waiting.
    wait: f64,
    outcome: String,
}

impl Record {
    /// The record as a document `--find` expressions read.
    fn attrs(&self, keys: &mut KeyTable) -> Attrs {
        Attrs::from_pairs(vec![
            (keys.intern("index"), Value::Num(self.index as f64)),
            (keys.intern("created"), Value::Num(self.created)),
            (
                keys.intern("source"),
                Value::Str(self.source.as_str().into()),
            ),
            (
                keys.intern("channel"),
                Value::Str(self.channel.as_str().into()),
            ),
            (keys.intern("queue"), Value::Str(self.queue.as_str().into())),
            (keys.intern("wait"), Value::Num(self.wait)),
            (
                keys.intern("outcome"),
                Value::Str(self.outcome.as_str().into()),
            ),
        ])
    }
}

/// Every task of replication 0, summarised from its audit trail and handed
/// to `sink` once its outcome is known (memory holds only tasks in flight).
fn summaries(s: &Scenario, seed: u64, sink: &mut dyn FnMut(Record)) {
    let mut live: HashMap<u64, Record> = HashMap::new();
    let mut last = 0.0f64;
    let mut tracer = |ev: &TraceEvent| {
        last = last.max(ev.time);
        let Some(i) = ev.task else { return };
        if let Some(src) = &ev.source {
            live.entry(i).or_insert(Record {
                index: i,
                created: ev.time,
                source: src.clone(),
                channel: ev.channel.clone().unwrap_or_default(),
                queue: String::new(),
                wait: f64::NAN,
                outcome: String::new(),
            });
        }
        let Some(r) = live.get_mut(&i) else { return };
        // The queue where the contact's routing ended (for a voicemail, the
        // queue that works it, entered just after the outcome).
        if let Some(q) = &ev.queue
            && ev.name == "workflow.target-matched"
        {
            r.queue = q.clone();
        }
        if r.outcome.is_empty()
            && let Some(outcome) = ev.outcome
        {
            r.outcome = outcome.to_string();
            r.wait = if matches!(outcome, "voicemail" | "closed") {
                0.0
            } else {
                ev.time - r.created
            };
        }
        let waits_for_queue = r.outcome == "voicemail" && r.queue.is_empty();
        if !r.outcome.is_empty() && !waits_for_queue {
            sink(live.remove(&i).expect("present"));
        }
    };
    crate::engine::run_traced(s, &Plan::build(s), seed, 0, &mut tracer);
    let mut rest: Vec<Record> = live.into_values().collect();
    rest.sort_by_key(|r| r.index);
    for mut r in rest {
        if r.outcome.is_empty() {
            r.outcome = "unfinished".into();
            r.wait = last - r.created;
        }
        sink(r);
    }
}

/// Orders records by index (a max-heap keeps the lowest ones).
struct ByIndex(Record);
impl PartialEq for ByIndex {
    fn eq(&self, o: &Self) -> bool {
        self.0.index == o.0.index
    }
}
impl Eq for ByIndex {}
impl PartialOrd for ByIndex {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for ByIndex {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.index.cmp(&o.0.index)
    }
}

/// Orders records by wait, longer first, then lower index.
struct ByWait(Record);
impl PartialEq for ByWait {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o).is_eq()
    }
}
impl Eq for ByWait {}
impl PartialOrd for ByWait {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for ByWait {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0
            .wait
            .total_cmp(&o.0.wait)
            .then(o.0.index.cmp(&self.0.index))
    }
}

/// A table of tasks: `rows` of `total` found (at most `limit` shown).
fn listing(
    s: &Scenario,
    file: &Path,
    seed: u64,
    what: &str,
    rows: &[&Record],
    total: usize,
    limit: usize,
) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "tasks of replication 0 (seed {seed}, scenario \"{}\"): {total} {what}",
        s.name
    );
    if rows.is_empty() {
        return o;
    }
    let arrived = |r: &Record| match &s.sim.clock {
        Some(c) => c.format(r.created),
        None => format!("{:.2} s", r.created),
    };
    let shown = &rows[..rows.len().min(limit)];
    let width = |f: &dyn Fn(&Record) -> String, head: &str| {
        shown
            .iter()
            .map(|r| f(r).chars().count())
            .max()
            .unwrap_or(0)
            .max(head.len())
    };
    let queue = |r: &Record| {
        if r.queue.is_empty() {
            "—".to_string()
        } else {
            r.queue.clone()
        }
    };
    let (wa, ws, wc, wq) = (
        width(&arrived, "arrived"),
        width(&|r| r.source.clone(), "source"),
        width(&|r| r.channel.clone(), "channel"),
        width(&queue, "queue"),
    );
    let _ = writeln!(
        o,
        "{:>7}  {:<wa$}  {:<ws$}  {:<wc$}  {:<wq$}  {:>10}  outcome",
        "task", "arrived", "source", "channel", "queue", "wait (s)"
    );
    for r in shown {
        let _ = writeln!(
            o,
            "{:>7}  {:<wa$}  {:<ws$}  {:<wc$}  {:<wq$}  {:>10.2}  {}",
            r.index,
            arrived(r),
            r.source,
            r.channel,
            queue(r),
            r.wait,
            r.outcome
        );
    }
    if total > rows.len() {
        let _ = writeln!(o, "… and {} more (raise --limit)", total - rows.len());
    }
    let _ = writeln!(
        o,
        "the story of one: ccsim explain {} --task {}{}",
        file.display(),
        rows[0].index,
        if seed == s.sim.seed {
            String::new()
        } else {
            format!(" --seed {seed}")
        }
    );
    o
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn a_question_that_does_not_parse_says_what_records_hold() {
        let s = crate::scenario::tiny_scenario();
        let err = super::find(&s, Path::new("tiny.toml"), 3, "wait >", 10).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("invalid expression: "), "{text}");
        assert!(text.contains("it reads index, source, channel, queue, wait"));
    }

    #[test]
    fn the_slowest_come_first_and_point_to_a_story() {
        let s = crate::scenario::tiny_scenario();
        let text = super::slowest(&s, Path::new("tiny.toml"), 3, 3);
        let waits: Vec<f64> = text
            .lines()
            .skip(2)
            .take(3)
            .map(|l| l.split_whitespace().rev().nth(1).unwrap().parse().unwrap())
            .collect();
        assert_eq!(waits.len(), 3, "{text}");
        assert!(waits.windows(2).all(|w| w[0] >= w[1]), "{text}");
        assert!(text.contains("the story of one: ccsim explain tiny.toml --task "));
    }
}
