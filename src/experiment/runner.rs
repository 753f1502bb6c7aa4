//! Many designs' replications as one stream of (point, replication) tasks
//! on rayon's pool, handed out in order from one counter: every core stays
//! busy however few replications a point has, and only the points being
//! worked on (about one per thread) are in memory.
//!
//! A replication's result depends only on its scenario, seed and index, and
//! a point is summarised from its results in index order, so what comes out
//! is bit-identical whatever the number of threads or the order in which
//! tasks finish.

use crate::engine;
use crate::metrics::ReplicationResult;
use crate::routing::Plan;
use crate::scenario::Scenario;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// What to run of one point.
#[derive(Debug, Clone, Copy)]
pub struct PointRun {
    /// Base seed (the same for every point: common random numbers).
    pub seed: u64,
    /// Replications; 0 skips the point (e.g. already done).
    pub replications: u32,
    /// Index of the first replication run (later batches of a run to a
    /// precision continue where the last one stopped).
    pub first: u32,
}

/// What `run_points` hands back for a point: its index, scenario and
/// results in replication order; an error stops the run.
pub type OnPoint<'a> =
    dyn Fn(usize, &Scenario, Vec<ReplicationResult>) -> Result<(), String> + Sync + 'a;

/// A point's scenario and routing tables, while its replications run.
type Loaded = Arc<(Scenario, Plan)>;

/// One point's state while it runs.
#[derive(Default)]
struct Slot {
    loaded: Mutex<Option<Loaded>>,
    results: Mutex<Vec<Option<ReplicationResult>>>,
    done: AtomicUsize,
}

/// Runs every point's replications in one pool. `load(i)` builds point i's
/// scenario (called once per point, on the thread that first needs it);
/// `on_replication` hears each replication's contacts; `on_point` gets each
/// point's results (replications `first..first + replications`), in order, as soon as its last replication
/// ends (points in no particular order, on a worker thread).
///
/// # Errors
/// The first error of `load` or `on_point`; no new task starts after it.
pub fn run_points(
    runs: &[PointRun],
    load: &(dyn Fn(usize) -> Result<Scenario, String> + Sync),
    on_replication: &(dyn Fn(u64) + Sync),
    on_point: &OnPoint<'_>,
) -> Result<(), String> {
    // Task t belongs to the point whose range of `ends` holds it.
    let ends: Vec<usize> = runs
        .iter()
        .scan(0usize, |end, r| {
            *end += r.replications as usize;
            Some(*end)
        })
        .collect();
    let total = ends.last().copied().unwrap_or(0);
    let slots: Vec<Slot> = runs.iter().map(|_| Slot::default()).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let error: Mutex<Option<String>> = Mutex::new(None);
    let fail = |e: String| {
        failed.store(true, Ordering::SeqCst);
        error.lock().expect("not poisoned").get_or_insert(e);
    };
    let task = |t: usize| -> Result<(), String> {
        let p = ends.partition_point(|&e| e <= t);
        let i = (t - (ends[p] - runs[p].replications as usize)) as u32;
        let r = runs[p].first + i;
        let slot = &slots[p];
        let loaded = {
            let mut l = slot.loaded.lock().expect("not poisoned");
            match &*l {
                Some(x) => Arc::clone(x),
                None => {
                    let s = load(p)?;
                    let plan = Plan::build(&s);
                    let x = Arc::new((s, plan));
                    *l = Some(Arc::clone(&x));
                    x
                }
            }
        };
        let (s, plan) = &*loaded;
        let res = engine::run_with_plan(s, plan, runs[p].seed, r);
        on_replication(res.contacts);
        {
            let mut results = slot.results.lock().expect("not poisoned");
            if results.is_empty() {
                results.resize_with(runs[p].replications as usize, || None);
            }
            results[i as usize] = Some(res);
        }
        if slot.done.fetch_add(1, Ordering::AcqRel) + 1 == runs[p].replications as usize {
            let results: Vec<ReplicationResult> =
                std::mem::take(&mut *slot.results.lock().expect("not poisoned"))
                    .into_iter()
                    .map(|x| x.expect("every replication stored"))
                    .collect();
            // The point is done: free its scenario once no task holds it.
            slot.loaded.lock().expect("not poisoned").take();
            on_point(p, s, results)?;
        }
        Ok(())
    };
    let workers = rayon::current_num_threads().min(total.max(1));
    (0..workers).into_par_iter().for_each(|_| {
        while !failed.load(Ordering::SeqCst) {
            let t = next.fetch_add(1, Ordering::SeqCst);
            if t >= total {
                break;
            }
            if let Err(e) = task(t) {
                fail(e);
            }
        }
    });
    match error.into_inner().expect("not poisoned") {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// One design's replications `0..replications` in the pool, in order.
///
/// # Errors
/// Only if the pool run fails (it cannot for a loaded scenario).
pub fn run_design(
    s: &Scenario,
    seed: u64,
    replications: u32,
    on_replication: &(dyn Fn(u64) + Sync),
) -> Result<Vec<ReplicationResult>, String> {
    let out: Mutex<Option<Vec<ReplicationResult>>> = Mutex::new(None);
    let run = PointRun {
        seed,
        replications,
        first: 0,
    };
    run_points(&[run], &|_| Ok(s.clone()), on_replication, &|_, _, r| {
        *out.lock().expect("not poisoned") = Some(r);
        Ok(())
    })?;
    Ok(out.into_inner().expect("not poisoned").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_is_summarised_once_and_as_run_alone() {
        let s = crate::scenario::tiny_scenario();
        let runs = [
            PointRun {
                seed: 3,
                replications: 3,
                first: 0,
            },
            PointRun {
                seed: 3,
                replications: 0,
                first: 0,
            },
            PointRun {
                seed: 9,
                replications: 2,
                first: 0,
            },
        ];
        let got: Mutex<Vec<(usize, crate::summary::Summary)>> = Mutex::new(Vec::new());
        run_points(&runs, &|_| Ok(s.clone()), &|_| {}, &|p, s, results| {
            let summary = crate::summary::summarize(s, runs[p].seed, &results);
            got.lock().unwrap().push((p, summary));
            Ok(())
        })
        .unwrap();
        let mut got = got.into_inner().unwrap();
        got.sort_by_key(|(p, _)| *p);
        assert_eq!(got.iter().map(|(p, _)| *p).collect::<Vec<_>>(), vec![0, 2]);
        for (p, summary) in got {
            let alone = crate::replications::run(&s, runs[p].seed, runs[p].replications, &|_| {});
            assert_eq!(
                crate::report::json::to_string(&summary),
                crate::report::json::to_string(&alone)
            );
        }
    }

    #[test]
    fn a_failing_load_stops_the_run_with_its_error() {
        let runs = [PointRun {
            seed: 1,
            replications: 4,
            first: 0,
        }];
        let e = run_points(
            &runs,
            &|_| Err("no such file".into()),
            &|_| {},
            &|_, _, _| Ok(()),
        );
        assert_eq!(e.unwrap_err(), "no such file");
    }
}
