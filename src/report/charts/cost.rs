//! The bill of a run by channel (`ccsim run --charts` with `[costs]`):
//! each channel's usage cost in the window and per month, and its usage
//! cost per contact offered and answered. Labour, licences, numbers and
//! fixed costs are not split by channel, so these are usage only.

use super::{Bar, BarChart, BarPanel, Chart};
use crate::stats::Estimate;
use crate::summary::Summary;

/// Horizontal bars of named estimates, in their order.
fn bars(items: &[(String, Estimate)]) -> Vec<Bar> {
    items
        .iter()
        .map(|(label, e)| Bar {
            label: label.clone(),
            mean: e.mean,
            ci95: e.ci95,
        })
        .collect()
}

/// The run's charts by channel, with `[costs]` (none without): the usage
/// bill per channel (`costs-by-channel`) and the usage cost per contact
/// per channel (`cost-per-contact-by-channel`), each a mean over the
/// replications with its 95% CI.
pub fn charts(summary: &Summary) -> Vec<Chart> {
    let Some(cost) = &summary.cost else {
        return Vec::new();
    };
    if cost.channels.is_empty() {
        return Vec::new();
    }
    let currency = &cost.currency;
    vec![
        Chart::Bars(BarChart {
            stem: "costs-by-channel",
            what: "Usage cost by channel (mean, 95% CI)".into(),
            panels: vec![
                BarPanel {
                    heading: "Simulated window".into(),
                    x_label: format!("Usage cost in the window ({currency})"),
                    bars: bars(&cost.channels),
                },
                BarPanel {
                    heading: "Monthly projection".into(),
                    x_label: format!("Usage cost per month ({currency})"),
                    bars: bars(&cost.monthly_channels),
                },
            ],
        }),
        Chart::Bars(BarChart {
            stem: "cost-per-contact-by-channel",
            what: "Usage cost per contact by channel (mean, 95% CI)".into(),
            panels: vec![
                BarPanel {
                    heading: "Per contact offered".into(),
                    x_label: format!("Usage cost per offered contact ({currency})"),
                    bars: bars(&cost.channel_per_offered),
                },
                BarPanel {
                    heading: "Per contact answered".into(),
                    x_label: format!("Usage cost per answered contact ({currency})"),
                    bars: bars(&cost.channel_per_answered),
                },
            ],
        }),
    ]
}
