//! The end of a sweep: the finished points folded, one at a time, into
//! `sweep.csv`, `sweep-long.csv` and `points.jsonl`, with the charts, the
//! HTML page and the manifest; together they replace the report folder.

use super::*;

impl Prepared {
    /// Builds the final files from the finished points, one point at a
    /// time, and replaces the report folder with them.
    pub(super) fn assemble(
        &self,
        dir: &Path,
        partial: &Path,
        started: String,
        progress: &dyn Progress,
    ) -> Result<(), Error> {
        let names = ["sweep.csv", "sweep-long.csv", "points.jsonl"];
        let paths: Vec<PathBuf> = names
            .iter()
            .map(|n| partial.join(format!("{n}.new")))
            .collect();
        let create = |p: &PathBuf| {
            std::fs::File::create(p)
                .map(BufWriter::new)
                .map_err(|e| io(e, "creating", p))
        };
        let (mut wide, mut long, mut lines) =
            (create(&paths[0])?, create(&paths[1])?, create(&paths[2])?);
        let mut header_done = false;
        let axis_keys: Vec<&str> = self.sweep.axes.iter().map(|a| a.key.as_str()).collect();
        let csv_err = |e: csv::Error| Error::Other(format!("writing the sweep CSV: {e}"));
        let mut wide_csv = csv::Writer::from_writer(Vec::new());
        let mut long_csv = csv::Writer::from_writer(Vec::new());
        let mut long_header: Vec<&str> = vec!["point"];
        long_header.extend(&axis_keys);
        long_header.extend(["scope", "name", "kpi", "mean", "ci95"]);
        long_csv.write_record(&long_header).map_err(csv_err)?;
        let chart_kpis = if self.sweep.charts || self.sweep.html {
            crate::experiment::sweep_charts::kpis(&self.base)
        } else {
            Vec::new()
        };
        let mut chart_points = Vec::new();
        let mut currency = None;
        let drawn = self.sweep.charts || self.sweep.html;
        let mut view = crate::experiment::html::SweepView::new(
            axis_keys.iter().map(|k| k.to_string()).collect(),
        );
        for p in &self.points {
            let path = partial.join(format!("{}.json", p.key));
            let line = std::fs::read_to_string(&path).map_err(|e| io(e, "reading", &path))?;
            let record = read_record(&line, &p.key)
                .ok_or_else(|| Error::Other(format!("{} is not a point record", path.display())))?;
            let summary = &record["summary"];
            if drawn {
                chart_points.push(ChartPoint::of(summary, &chart_kpis));
                if currency.is_none() {
                    currency = summary["cost"]["currency"].as_str().map(str::to_string);
                }
            }
            // The point's values as this sweep names them (a record reused
            // from another sweep may have had other axes).
            let line = p.record_line(&self.sweep.axes, summary);
            let shown: Vec<String> = p.values.iter().map(|v| unquoted(v).to_string()).collect();
            if self.sweep.html {
                view.add(&shown, summary);
            }
            let wide_cols = wide_columns(summary);
            if !header_done {
                let mut h: Vec<String> = axis_keys.iter().map(|k| k.to_string()).collect();
                for (name, _) in &wide_cols {
                    h.push(format!("{name}_mean"));
                    h.push(format!("{name}_ci95"));
                }
                wide_csv.write_record(&h).map_err(csv_err)?;
                header_done = true;
            }
            let mut row = shown.clone();
            for (_, e) in &wide_cols {
                row.push(num(&e["mean"]));
                row.push(num(&e["ci95"]));
            }
            wide_csv.write_record(&row).map_err(csv_err)?;
            for (scope, name, kpi, e) in long_rows(summary) {
                let mut r = vec![p.index.to_string()];
                r.extend(shown.iter().cloned());
                r.extend([
                    scope.to_string(),
                    name,
                    kpi,
                    num(&e["mean"]),
                    num(&e["ci95"]),
                ]);
                long_csv.write_record(&r).map_err(csv_err)?;
            }
            // Flush each point's rows so memory holds one point at a time.
            for (csv, out, path) in [
                (&mut wide_csv, &mut wide, &paths[0]),
                (&mut long_csv, &mut long, &paths[1]),
            ] {
                csv.flush().map_err(|e| io(e, "writing", path))?;
                out.write_all(csv.get_ref())
                    .map_err(|e| io(e, "writing", path))?;
                *csv = csv::Writer::from_writer(Vec::new());
            }
            lines
                .write_all(line.as_bytes())
                .map_err(|e| io(e, "writing", &paths[2]))?;
        }
        for (mut out, path) in [(wide, &paths[0]), (long, &paths[1]), (lines, &paths[2])] {
            out.flush().map_err(|e| io(e, "writing", path))?;
            out.into_inner()
                .map_err(|e| io(e.into_error(), "writing", path))?
                .sync_all()
                .map_err(|e| io(e, "writing", path))?;
        }
        let mut files: Vec<(String, Content)> = names
            .iter()
            .zip(&paths)
            .map(|(n, p)| (n.to_string(), Content::Move(p.clone())))
            .collect();
        let charts = if drawn {
            let (mut charts, frontier) =
                self.charts(&chart_kpis, &chart_points, currency.as_deref());
            charts.extend(frontier.map(report::charts::Chart::Scatter));
            charts
        } else {
            Vec::new()
        };
        if self.sweep.charts {
            let drawn =
                report::charts::render_all(&charts).map_err(|e| Error::Other(e.to_string()))?;
            files.extend(drawn.into_iter().map(|(n, b)| (n, Content::Bytes(b))));
        }
        let manifest = report::manifest::Manifest::for_command(
            "sweep",
            &self.base,
            &self.sweep.file.display().to_string(),
            self.sweep.seed.unwrap_or(self.base.sim.seed),
            self.sweep
                .replications
                .unwrap_or(self.base.sim.replications),
            report::manifest::command_line(),
            started,
        );
        if self.sweep.html {
            let page = crate::experiment::html::sweep(&self.base, &view, &charts, &manifest)
                .map_err(|e| Error::Other(e.to_string()))?;
            files.push((report::html::FILE.into(), Content::Bytes(page)));
        }
        report::folder::replace(dir, files, |sizes| manifest.finish(sizes), &mut |m| {
            progress.notice(&m)
        })
        .map_err(|e| io(e, "writing the report folder", dir))
    }
}

/// A JSON number as the CSV files write numbers; null as an empty field.
fn num(v: &Value) -> String {
    v.as_f64().map_or_else(String::new, |x| format!("{x}"))
}

/// `sweep.csv`'s KPI columns of a point: every overall KPI, then with
/// costs the window total and the monthly projection.
fn wide_columns(summary: &Value) -> Vec<(String, &Value)> {
    let mut cols: Vec<(String, &Value)> = summary["overall"]
        .as_object()
        .map(|o| o.iter().map(|(k, e)| (k.clone(), e)).collect())
        .unwrap_or_default();
    if let Some(c) = summary.get("cost") {
        cols.push(("cost_total".into(), &c["total"]));
        cols.push(("cost_monthly".into(), &c["monthly_projection"]));
    }
    cols
}

/// `sweep-long.csv`'s rows of a point: (scope, name, KPI, estimate) for
/// every KPI of the overall, queue, channel, source and group scopes, and
/// the bill's totals and components.
fn long_rows(summary: &Value) -> Vec<(&'static str, String, String, &Value)> {
    fn table<'v>(
        out: &mut Vec<(&'static str, String, String, &'v Value)>,
        scope: &'static str,
        name: &str,
        t: &'v Value,
    ) {
        if let Some(o) = t.as_object() {
            for (k, e) in o {
                out.push((scope, name.to_string(), k.clone(), e));
            }
        }
    }
    let mut out = Vec::new();
    table(&mut out, "overall", "overall", &summary["overall"]);
    for (scope, key) in [
        ("queue", "queues"),
        ("channel", "channels"),
        ("source", "sources"),
        ("group", "groups"),
    ] {
        if let Some(o) = summary[key].as_object() {
            for (name, t) in o {
                table(&mut out, scope, name, t);
            }
        }
    }
    if let Some(c) = summary.get("cost") {
        for k in ["total", "per_offered", "per_answered", "monthly_projection"] {
            out.push(("cost", "total".to_string(), k.to_string(), &c[k]));
        }
        for section in ["components", "monthly_components"] {
            table(&mut out, "cost", section, &c[section]);
        }
    }
    out
}
