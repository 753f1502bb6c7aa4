//! The charts of a run (`ccsim run --charts`), read from its [`Summary`]:
//! volumes, service level, waits, occupancy, utilization and agents per
//! interval, the wait distribution, and the bill.

use super::{Bar, BarChart, BarPanel, Chart, LineChart, Series, TimeChart, XAxis, cost, fmt_num};
use crate::metrics::{GroupIntervalKpi, IntervalKpi, Scope, SliceKpi};
use crate::scenario::Scenario;
use crate::stats::Estimate;
use crate::summary::{ScopeIntervals, Summary};

/// At most this many lines in one chart: the palette's colours, markers
/// and dashes tell eight apart, even in greyscale.
const MAX_SERIES: usize = 8;

/// The charts of a run, in the order they are written.
pub fn charts(s: &Scenario, summary: &Summary) -> Vec<Chart> {
    let run = RunCharts::new(s, summary);
    let mut out = vec![
        run.volumes(),
        run.service_level(),
        run.waits(),
        run.groups("occupancy", GroupIntervalKpi::Occupancy),
        run.groups("utilization", GroupIntervalKpi::Utilization),
        run.agents(),
    ];
    out.extend(run.wait_distribution());
    if let Some(cost) = &summary.cost {
        let bars = |items: &[(String, Estimate)]| {
            items
                .iter()
                .map(|(label, e)| Bar {
                    label: label.clone(),
                    mean: e.mean,
                    ci95: e.ci95,
                })
                .collect()
        };
        out.push(Chart::Bars(BarChart {
            stem: "costs",
            what: "Bill by component (mean, 95% CI)".into(),
            panels: vec![
                BarPanel {
                    heading: "Simulated window".into(),
                    x_label: format!("Cost in the window ({})", cost.currency),
                    bars: bars(&cost.components),
                },
                BarPanel {
                    heading: "Monthly projection".into(),
                    x_label: format!("Cost per month ({})", cost.currency),
                    bars: bars(&cost.monthly_components),
                },
            ],
        }));
    }
    out.extend(cost::charts(summary));
    out
}

/// What every per-interval chart of one run shares.
struct RunCharts<'a> {
    s: &'a Scenario,
    summary: &'a Summary,
    /// Start of the first interval and end of the last, seconds.
    x_range: (f64, f64),
}

impl<'a> RunCharts<'a> {
    fn new(s: &'a Scenario, summary: &'a Summary) -> Self {
        let iv = &summary.intervals;
        let x_range = match (iv.first(), iv.last()) {
            (Some(a), Some(b)) => (a.start_s, b.end_s),
            _ => (0.0, s.sim.interval_s.max(1.0)),
        };
        RunCharts {
            s,
            summary,
            x_range,
        }
    }

    /// A line of one estimate per interval, at the intervals' midpoints.
    fn series(&self, label: &str, band: bool, pick: impl Fn(usize) -> Estimate) -> Series {
        Series {
            label: label.to_string(),
            points: self
                .summary
                .intervals
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let e = pick(i);
                    ((r.start_s + r.end_s) / 2.0, e.mean, e.ci95)
                })
                .collect(),
            band,
            labels: Vec::new(),
        }
    }

    fn chart(&self, stem: &'static str, what: String, y_label: String) -> TimeChart {
        TimeChart {
            stem,
            what,
            y_label,
            scale: 1.0,
            y_max: None,
            series: Vec::new(),
            x_range: self.x_range,
            reference: None,
            clock: self.summary.clock.clone(),
        }
    }

    /// The whole center, then each queue that received contacts, at most
    /// [`MAX_SERIES`] in all; the title says when queues were left out.
    fn scopes(&self) -> (Vec<&'a ScopeIntervals>, String) {
        let all = &self.summary.scope_intervals;
        let queues: Vec<&ScopeIntervals> = all.iter().filter(|x| x.scope == Scope::Queue).collect();
        let mut shown: Vec<&ScopeIntervals> =
            all.iter().filter(|x| x.scope == Scope::Overall).collect();
        if queues.len() > 1 {
            shown.extend(queues.iter().take(MAX_SERIES - 1));
        }
        let note = if queues.len() > MAX_SERIES - 1 {
            format!(
                ", first {} of {} queues (all in intervals-long.csv)",
                MAX_SERIES - 1,
                queues.len()
            )
        } else {
            String::new()
        };
        (shown, note)
    }

    fn volumes(&self) -> Chart {
        let iv = &self.summary.intervals;
        let minutes = self.s.sim.interval_s / 60.0;
        let mut c = self.chart(
            "volumes",
            "Offered, answered and abandoned per interval".into(),
            format!("Contacts per {} min interval", fmt_num(minutes)),
        );
        c.series = [
            ("offered", IntervalKpi::Offered),
            ("answered", IntervalKpi::Answered),
            ("abandoned", IntervalKpi::Abandoned),
        ]
        .into_iter()
        .map(|(label, k)| self.series(label, false, |i| iv[i].kpis[k]))
        .collect();
        Chart::Time(c)
    }

    /// Service level per interval, the whole center and each queue (one
    /// line per queue when there are several), with CI bands and the
    /// scenario's target line.
    fn service_level(&self) -> Chart {
        let (scopes, note) = self.scopes();
        let threshold = fmt_num(self.s.sim.service_level_threshold_s);
        let mut c = self.chart(
            "service-level",
            format!("Service level per interval (mean, 95% CI band){note}"),
            format!("Service level (% answered within {threshold} s)"),
        );
        c.scale = 100.0;
        c.y_max = Some(100.0);
        c.series = scopes
            .iter()
            .map(|x| self.series(&x.name, true, |i| x.intervals[i][SliceKpi::ServiceLevel]))
            .collect();
        c.reference = self
            .s
            .sim
            .service_level_target
            .map(|t| (t, format!("target {}%", fmt_num(t * 100.0))));
        Chart::Time(c)
    }

    /// ASA and the 90th percentile of the wait per interval, the whole
    /// center, with CI bands.
    fn waits(&self) -> Chart {
        let overall = &self.summary.scope_intervals[0];
        let mut c = self.chart(
            "asa",
            "ASA and 90th-percentile wait per interval (mean, 95% CI band)".into(),
            "Wait of answered contacts (s)".into(),
        );
        c.series = vec![
            self.series("ASA", true, |i| overall.intervals[i][SliceKpi::Asa]),
            self.series("p90 wait", true, |i| {
                overall.intervals[i][SliceKpi::WaitP90]
            }),
        ];
        Chart::Time(c)
    }

    /// One group KPI (a share of time) per interval, one line per group.
    fn groups(&self, stem: &'static str, kpi: GroupIntervalKpi) -> Chart {
        let (what, y_label) = match kpi {
            GroupIntervalKpi::Utilization => (
                "Utilization per group per interval",
                "Utilization (% of logged-in capacity in use)",
            ),
            _ => (
                "Occupancy per group per interval",
                "Occupancy (% of logged-in time busy)",
            ),
        };
        let mut c = self.chart(stem, what.into(), y_label.into());
        c.scale = 100.0;
        c.y_max = Some(100.0);
        c.series = self
            .summary
            .group_intervals
            .iter()
            .take(MAX_SERIES)
            .map(|g| self.series(&g.name, false, |i| g.kpis[i][kpi]))
            .collect();
        Chart::Time(c)
    }

    /// Agents logged in (solid) and busy (dashed) per group per interval.
    fn agents(&self) -> Chart {
        let mut c = self.chart(
            "agents",
            "Agents logged in and busy per interval (time averages)".into(),
            "Agents".into(),
        );
        for g in self.summary.group_intervals.iter().take(MAX_SERIES / 2) {
            c.series
                .push(self.series(&format!("{} logged in", g.name), false, |i| {
                    g.kpis[i][GroupIntervalKpi::LoggedIn]
                }));
            c.series
                .push(self.series(&format!("{} busy", g.name), false, |i| {
                    g.kpis[i][GroupIntervalKpi::Busy]
                }));
        }
        Chart::Time(c)
    }

    /// The wait distribution of answered contacts, the whole center and
    /// each queue: a histogram (share per wait bin) and the cumulative
    /// share answered within each wait, the service-level threshold
    /// marked. Bins past the point where every line has reached 99.9% are
    /// left off.
    fn wait_distribution(&self) -> Vec<Chart> {
        let w = &self.summary.waits;
        let shown: Vec<_> = w.scopes.iter().take(MAX_SERIES).collect();
        let shown = if shown.len() == 2 {
            &shown[..1]
        } else {
            &shown[..]
        };
        let done = |e: usize| {
            shown
                .iter()
                .all(|sc| sc.within[e].mean.is_none_or(|m| m >= 0.999))
        };
        // The last edge shown: the first where every line is done, and at
        // least the threshold and the edge after it.
        let threshold = self.s.sim.service_level_threshold_s;
        let at_threshold = w.edges.iter().position(|&e| e == threshold).unwrap_or(0);
        let last = (0..w.edges.len())
            .find(|&e| done(e))
            .unwrap_or(w.edges.len() - 1)
            .max((at_threshold + 1).min(w.edges.len() - 1));
        let label = |secs: f64| duration_label(secs);
        // A bin is named by its upper end: "20 s" holds waits above the
        // previous edge and at most 20 s.
        let bins: Vec<String> = (0..=last).map(|b| label(w.edges[b])).collect();
        let title = |what: &str| {
            format!(
                "{what} — {}, seed {}, {} replications",
                self.summary.scenario, self.summary.seed, self.summary.replications
            )
        };
        let series = |pick: &dyn Fn(usize, usize) -> Estimate| -> Vec<Series> {
            shown
                .iter()
                .enumerate()
                .map(|(k, sc)| Series {
                    label: sc.name.clone(),
                    points: (0..=last)
                        .map(|b| {
                            let e = pick(k, b);
                            (b as f64, e.mean, e.ci95)
                        })
                        .collect(),
                    band: true,
                    labels: Vec::new(),
                })
                .collect()
        };
        let mark = (
            at_threshold as f64,
            format!("service-level threshold {} s", fmt_num(threshold)),
        );
        vec![
            Chart::Line(LineChart {
                stem: "wait-histogram".into(),
                title: title("Wait of answered contacts: share per wait bin (mean, 95% CI)"),
                x_label: "Wait, up to (each bar: above the previous mark, at most this; 0 = answered at once)"
                    .into(),
                y_label: "Share of answered contacts (%)".into(),
                x: XAxis::Categories(bins.clone()),
                x_range: None,
                scale: 100.0,
                y_max: None,
                step: Some(1.0),
                reference: None,
                // Between the bin ending at the threshold and the next.
                x_mark: Some((at_threshold as f64 + 0.5, mark.1.clone())),
                series: series(&|k, b| shown[k].bins[b]),
            }),
            Chart::Line(LineChart {
                stem: "wait-cdf".into(),
                title: title("Share of answered contacts answered within a wait (mean, 95% CI band)"),
                x_label: "Wait (at most)".into(),
                y_label: "Answered within the wait (%)".into(),
                x: XAxis::Categories(bins),
                x_range: None,
                scale: 100.0,
                y_max: Some(100.0),
                step: None,
                reference: None,
                x_mark: Some(mark),
                series: series(&|k, e| shown[k].within[e]),
            }),
        ]
    }
}

/// A wait as people say it: `0`, `45 s`, `1.5 min`, `2 h`.
fn duration_label(secs: f64) -> String {
    let short = |x: f64| {
        let t = format!("{x:.2}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if secs == 0.0 {
        "0".into()
    } else if secs < 60.0 {
        format!("{} s", short(secs))
    } else if secs < 3600.0 {
        format!("{} min", short(secs / 60.0))
    } else {
        format!("{} h", short(secs / 3600.0))
    }
}

#[cfg(test)]
mod tests {
    use super::duration_label;

    #[test]
    fn waits_read_as_people_say_them() {
        assert_eq!(duration_label(0.0), "0");
        assert_eq!(duration_label(20.0), "20 s");
        assert_eq!(duration_label(90.0), "1.5 min");
        assert_eq!(duration_label(100.0), "1.67 min");
        assert_eq!(duration_label(5400.0), "1.5 h");
    }
}
