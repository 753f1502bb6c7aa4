//! `ccsim compare`: two designs on the same seeds; the significant
//! differences first, then the rest of the overall KPIs.

use anyhow::{Context, Result, bail};
use ccsim::experiment::{Comparison, Difference, Scope, compare, precision};
use ccsim::report;
use ccsim::report::folder::Content;
use ccsim::scenario::Scenario;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The designs and how to run them.
pub(super) struct Args<'a> {
    /// Simulate, run a shard's share, or take a merge's results.
    pub mode: super::Mode<'a>,
    pub a: Scenario,
    pub a_file: PathBuf,
    pub b: Scenario,
    /// How B differs, for the header: its file or its overrides.
    pub b_label: String,
    pub seed: Option<u64>,
    pub replications: Option<u32>,
    pub out: Option<PathBuf>,
    pub json: bool,
    pub precision: Option<ccsim::experiment::Precision>,
    /// Draw the forest plot into charts/.
    pub charts: bool,
    /// Write report.html.
    pub html: bool,
}

pub(super) fn compare_cmd(a: Args<'_>) -> Result<()> {
    let started = report::manifest::now_utc();
    let seed = a.seed.unwrap_or(a.a.sim.seed);
    let reps = a.replications.unwrap_or(a.a.sim.replications);
    if reps < 2 {
        bail!("a comparison needs at least 2 replications for its confidence intervals");
    }
    let runs = [ccsim::shard::Run {
        seed,
        replications: reps,
    }; 2];
    let mut inputs = ccsim::shard::InputHash::of(&a.a, "");
    inputs.extend(ccsim::shard::InputHash::of(&a.b, "B "));
    let points = vec![a.a.overrides.join("\n"), a.b.overrides.join("\n")];
    let mut merged = None;
    match a.mode {
        super::Mode::Local => {}
        super::Mode::Shard(shard) => {
            if a.precision.is_some() {
                bail!(ccsim::shard::NO_PRECISION);
            }
            let dir = super::shard_out(a.out)?;
            report::folder::check(&dir).with_context(|| format!("--out {}", dir.display()))?;
            let designs = [&a.a, &a.b];
            let clock = std::time::Instant::now();
            let computed =
                ccsim::shard::run(&dir, &runs, shard, &|i| Ok(designs[i].clone()), &|_| {})
                    .map_err(anyhow::Error::msg)?;
            let records = computed.records();
            let spec = ccsim::shard::Spec {
                command: "compare",
                scenario: &a.a,
                inputs,
                seed,
                runs: &runs,
                points,
            };
            ccsim::shard::write(&dir, &spec, shard, computed, started, &mut |m| {
                eprintln!("{m}")
            })
            .with_context(|| format!("writing the partial folder {}", dir.display()))?;
            eprintln!(
                "shard {shard}: {records} of {} (design, replication) pairs in {:.1} s; partial result in {} (combine every shard's with ccsim merge)",
                2 * reps,
                clock.elapsed().as_secs_f64(),
                dir.display()
            );
            return Ok(());
        }
        super::Mode::Merge(m) => {
            m.check(&inputs, &points, &runs)
                .map_err(anyhow::Error::msg)?;
            merged = Some(m);
        }
    }
    let dir = a
        .out
        .unwrap_or_else(|| Path::new("reports").join(format!("{}-compare", a.a.name)));
    report::folder::check(&dir).with_context(|| format!("--out {}", dir.display()))?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(2 * u64::from(reps));
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} replications, ETA {eta}")
                .expect("static template"),
        );
        bar
    });
    let tick = |_| {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let (c, reps) = match &a.precision {
        _ if merged.is_some() => {
            let m = merged.as_mut().expect("checked");
            let ra = m.point(0).map_err(anyhow::Error::msg)?;
            let rb = m.point(1).map_err(anyhow::Error::msg)?;
            (Comparison::of(&a.a, &ra, &a.b, &rb, seed), reps)
        }
        None => (compare(&a.a, &a.b, seed, reps, &tick)?, reps),
        Some(p) => {
            if let Some(b) = &bar {
                b.set_length(2 * u64::from(p.max_replications));
            }
            let (ra, rb, reached) = precision::run_pair(&a.a, &a.b, seed, reps, p, &tick)?;
            super::run::report_precision(p, &reached, "of the difference B − A");
            (
                Comparison::of(&a.a, &ra, &a.b, &rb, seed),
                reached.replications,
            )
        }
    };
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let mut manifest = report::manifest::Manifest::for_command(
        "compare",
        &a.a,
        &a.a_file.display().to_string(),
        seed,
        reps,
        report::manifest::command_line(),
        started,
    );
    // Design B's inputs and overrides beside A's, marked as B's.
    manifest.inputs.extend(a.b.inputs.iter().map(|f| {
        let mut input = report::manifest::Input::from(f);
        input.role = match f.role {
            "scenario" => "B scenario",
            "rate card" => "B rate card",
            "workflow" => "B workflow",
            "trace" => "B trace",
            "staffing plan" => "B staffing plan",
            _ => "B input",
        };
        input
    }));
    manifest
        .overrides
        .extend(a.b.overrides.iter().map(|o| format!("B: {o}")));
    let mut files = vec![("compare.csv".into(), Content::Bytes(c.to_csv()))];
    if a.charts {
        files.extend(
            report::charts::render_all(&c.charts())?
                .into_iter()
                .map(|(n, b)| (n, Content::Bytes(b))),
        );
    }
    if a.html {
        let page = ccsim::experiment::html::compare(&a.a, &a.b, &a.b_label, &c, &manifest)?;
        files.push((report::html::FILE.into(), Content::Bytes(page)));
    }
    report::folder::replace(&dir, files, |sizes| manifest.finish(sizes), &mut |m| {
        eprintln!("{m}")
    })
    .with_context(|| format!("writing the report folder {}", dir.display()))?;
    let mut out = std::io::stdout().lock();
    if a.json {
        out.write_all(c.to_json().as_bytes())?;
    } else {
        writeln!(out, "A: {} ({})", a.a.name, a.a_file.display())?;
        writeln!(out, "B: {}", a.b_label)?;
        writeln!(
            out,
            "{reps} replications each, seed {seed}, the same customers in both (common random numbers)\n"
        )?;
        table(&mut out, &c.differences)?;
        writeln!(out, "\nreports: {}", dir.display())?;
    }
    Ok(())
}

fn is_ratio(kpi: &str) -> bool {
    matches!(
        kpi,
        "service_level" | "service_level_answered" | "abandon_rate" | "occupancy" | "utilization"
    )
}

/// A value in the KPI's unit: percentages for ratios.
fn show(kpi: &str, v: f64, signed: bool) -> String {
    let (v, unit) = if is_ratio(kpi) {
        (v * 100.0, "%")
    } else {
        (v, "")
    };
    if signed {
        format!("{v:+.2}{unit}")
    } else {
        format!("{v:.2}{unit}")
    }
}

fn with_ci(kpi: &str, mean: Option<f64>, ci: Option<f64>, signed: bool) -> String {
    match (mean, ci) {
        (Some(m), Some(c)) => format!("{} ± {}", show(kpi, m, signed), show(kpi, c, false)),
        (Some(m), None) => show(kpi, m, signed),
        _ => "—".into(),
    }
}

/// Significant differences first (every scope), then the other overall KPIs.
fn table(out: &mut impl Write, diffs: &[Difference]) -> Result<()> {
    let label = |d: &Difference| match d.id.scope {
        Scope::Overall => d.id.kpi.to_string(),
        s if s.has_parts() => format!("{} {} {}", s.label(), d.id.name, d.id.kpi),
        s => format!("{} {}", s.label(), d.id.kpi),
    };
    // A queue, channel or source that holds every contact repeats the
    // overall row: shown once.
    let repeats_overall = |d: &Difference| {
        d.id.scope != Scope::Overall
            && diffs.iter().any(|o| {
                o.id.scope == Scope::Overall
                    && o.id.kpi == d.id.kpi
                    && (o.a.mean, o.b.mean, o.diff.ci95) == (d.a.mean, d.b.mean, d.diff.ci95)
            })
    };
    let significant: Vec<&Difference> = diffs
        .iter()
        .filter(|d| d.significant() && !repeats_overall(d))
        .collect();
    // Not significant: the overall KPIs that are not zero in both designs.
    let rest: Vec<&Difference> = diffs
        .iter()
        .filter(|d| !d.significant() && d.id.scope == Scope::Overall)
        .filter(|d| d.a.mean.is_some_and(|m| m != 0.0) || d.b.mean.is_some_and(|m| m != 0.0))
        .collect();
    let w = significant
        .iter()
        .chain(&rest)
        .map(|d| label(d).chars().count())
        .max()
        .unwrap_or(10)
        .max(10);
    writeln!(
        out,
        "{:w$}  {:>20}  {:>20}  {:>22}  {:>14}",
        "KPI", "A", "B", "B − A (paired CI)", "unpaired CI"
    )?;
    let row = |out: &mut dyn Write, d: &Difference| -> std::io::Result<()> {
        let k = d.id.kpi;
        writeln!(
            out,
            "{:w$}  {:>20}  {:>20}  {:>22}  {:>14}",
            label(d),
            with_ci(k, d.a.mean, d.a.ci95, false),
            with_ci(k, d.b.mean, d.b.ci95, false),
            with_ci(k, d.diff.mean, d.diff.ci95, true),
            d.unpaired_ci95
                .map_or("—".into(), |c| format!("± {}", show(k, c, false))),
        )
    };
    if significant.is_empty() {
        writeln!(out, "(no KPI differs significantly at 95%)")?;
    }
    for d in &significant {
        row(out, d)?;
    }
    if !rest.is_empty() {
        writeln!(out, "\nnot significant at 95% (overall):")?;
        for d in &rest {
            row(out, d)?;
        }
    }
    writeln!(
        out,
        "\n{} of {} KPIs (all scopes) differ significantly; every KPI is in compare.csv",
        diffs.iter().filter(|d| d.significant()).count(),
        diffs.len()
    )?;
    Ok(())
}
