//! Costs: the bill a rate card ([`Costs`]) makes of the usage meters the
//! engine collects ([`crate::metrics::usage`]), following the billing rules
//! rather than averages: every call leg is rounded up to the billing
//! increment on its own, volume tiers apply to the monthly quantity,
//! recording storage is charged on the monthly average above the free
//! allowance, and every amount is an integer number of millionths of the
//! currency, so totals are exact sums (no floating-point drift).
//!
//! The counted window is the KPI window: the whole usage of every contact
//! that arrived in it (follow-ups included, even after the window ends), and
//! agent time inside it. Per-month prices are prorated by window hours ÷ 730.

use crate::metrics::usage::Meter;
use crate::metrics::{Kpi, ReplicationResult};
use crate::scenario::costs::{ChannelCosts, Costs, MONTH_H, PlatformPlan, Price, Storage};
use crate::scenario::{OFFLINE, Scenario};
use crate::stats::Estimate;

/// One replication's bill, in µ (millionths of the currency).
#[derive(Debug, Clone, PartialEq)]
pub struct Bill {
    /// (component key, amount): `platform`, `labor`, `fixed`, `numbers`,
    /// then `<channel>.<item>` in channel order (non-zero usage items only).
    pub components: Vec<(String, Amount)>,
    /// The platform price under each plan ([`PlatformPlan::ALL`] order).
    pub plans: [Amount; 3],
    /// Usage cost of the window per channel.
    pub channels: Vec<i64>,
    /// The monthly projection of each channel's usage cost.
    pub channels_month: Vec<i64>,
    /// Usage cost of the window per queue: a contact's legs where its
    /// routing ended, follow-up work (call backs, transfer legs) where it was
    /// worked (`[queues + 1]`, index 0 = what reached no queue).
    pub queues: Vec<i64>,
    /// Cost of the window per hour of day: contacts' usage by their arrival
    /// hour, labour and the active-hour licence by the hour agents were
    /// logged in (per-month prices are not split).
    pub hours: [i64; 24],
    /// (usage key, quantity) in the units of its name.
    pub usage: Vec<(String, f64)>,
    /// Agent-hours in a non-Offline activity (platform active hours, paid hours).
    pub active_hours: f64,
    /// Provisioned users.
    pub named_users: u32,
    /// Users active at some time in the window.
    pub active_users: u32,
    /// How the window relates to a month.
    pub shares: Shares,
}

impl Bill {
    /// The window's total: the sum of every component.
    pub fn total(&self) -> i64 {
        self.components.iter().map(|(_, v)| v.window).sum()
    }

    /// The monthly projection: usage and agent time scaled by the window's
    /// usage share, per-month prices at their full monthly amount.
    pub fn monthly_total(&self) -> i64 {
        self.components.iter().map(|(_, v)| v.month).sum()
    }

    /// The window amount of a component (0 if absent).
    pub fn component(&self, key: &str) -> i64 {
        self.components
            .iter()
            .find(|(k, _)| k == key)
            .map_or(0, |(_, v)| v.window)
    }
}

/// µ → currency units.
pub fn units(micros: i64) -> f64 {
    micros as f64 / 1e6
}

/// How the counted window relates to a billing month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shares {
    /// The window's share of a month's *usage*: window hours ÷ 730 (the
    /// center runs around the clock, docs/outputs.md, "Costs"), or with `days_per_month`
    /// its operating days (a window shorter than a day is one day) ÷ that.
    /// Volume tiers price usage ÷ this, and the monthly projection scales
    /// usage by 1 ÷ this.
    pub usage: f64,
    /// The window's share of a month's *time*: window hours ÷ 730. Per-month
    /// prices (licences, overheads, numbers, storage) are prorated into the
    /// window total by it (docs/outputs.md, "Costs").
    pub time: f64,
}

impl Shares {
    /// The shares of a scenario's counted window.
    pub fn of(s: &Scenario, costs: &Costs) -> Shares {
        let window_h = (s.sim.horizon_s - s.sim.warmup_s) / 3600.0;
        let time = window_h / MONTH_H;
        let usage = match costs.days_per_month {
            None => time,
            Some(d) => (window_h / 24.0 - 1e-9).ceil().max(1.0) / d,
        };
        Shares { usage, time }
    }
}

/// An amount for the window and for a whole month, in µ.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Amount {
    /// What the counted window costs.
    pub window: i64,
    /// What a month of such usage (or the monthly price) costs.
    pub month: i64,
}

impl Amount {
    fn of(window: f64, month: f64) -> Amount {
        Amount {
            window: window.round() as i64,
            month: month.round() as i64,
        }
    }

    /// A per-month price of `n` items, prorated into the window by time.
    fn monthly(per_month: i64, n: f64, sh: Shares) -> Amount {
        let month = per_month as f64 * n;
        Amount::of(month * sh.time, month)
    }

    fn plus(self, o: Amount) -> Amount {
        Amount {
            window: self.window + o.window,
            month: self.month + o.month,
        }
    }
}

/// `quantity` units used in the window at `price`. With volume tiers the
/// month's quantity (quantity ÷ usage share) is priced and the window gets
/// its usage share of that.
fn priced(price: &Price, quantity: f64, sh: Shares) -> Amount {
    if price.is_free() || quantity <= 0.0 {
        return Amount::default();
    }
    if price.tiered() {
        let month = price.monthly_amount(quantity / sh.usage);
        Amount::of(month * sh.usage, month)
    } else {
        let window = quantity * price.tiers[0].1 as f64;
        Amount::of(window, window / sh.usage)
    }
}

/// Minutes billed for `units` increments of `increment_s`.
fn billed_min(units: u64, increment_s: f64) -> f64 {
    units as f64 * increment_s / 60.0
}

/// Usage items of one channel from its meter: (item key, amount).
fn channel_items(
    rates: &ChannelCosts,
    m: &Meter,
    sh: Shares,
    storage: &Storage,
) -> Vec<(&'static str, Amount)> {
    let inc = rates.increment_s;
    let min = |units: u64| billed_min(units, inc);
    let recorded_min = min(m.recorded_units);
    let segments = (m.segments_in + m.segments_out) as f64;
    let mut out = vec![
        ("inbound", priced(&rates.inbound, min(m.inbound_units), sh)),
        (
            "inbound_toll_free",
            priced(&rates.toll_free_inbound, min(m.toll_free_units), sh),
        ),
        (
            "outbound",
            priced(&rates.outbound, min(m.outbound_units), sh),
        ),
        (
            "agent_leg",
            priced(&rates.agent_leg, min(m.agent_units), sh),
        ),
        (
            "conference",
            priced(&rates.conference, 2.0 * min(m.agent_units), sh),
        ),
        ("recording", priced(&rates.recording, recorded_min, sh)),
        (
            "transcription",
            if rates.transcribe {
                priced(&rates.transcription, recorded_min, sh)
            } else {
                Amount::default()
            },
        ),
        ("recording_storage", storage.amount(recorded_min, sh)),
        (
            "messages",
            priced(&rates.segment_in, m.segments_in as f64, sh)
                .plus(priced(&rates.segment_out, m.segments_out as f64, sh))
                .plus(priced(&rates.carrier_fee, segments, sh))
                .plus(priced(&rates.message_in, m.messages_in as f64, sh))
                .plus(priced(&rates.message_out, m.messages_out as f64, sh)),
        ),
        (
            "conversations",
            priced(&rates.per_conversation, m.conversations as f64, sh),
        ),
        (
            "active_users",
            priced(&rates.active_user, m.conversations as f64, sh),
        ),
    ];
    // Items with a price stay even at zero (a report reader finds the key);
    // unpriced items that cost nothing are left out.
    let priced_items = [
        !rates.inbound.is_free(),
        !rates.toll_free_inbound.is_free(),
        !rates.outbound.is_free(),
        !rates.agent_leg.is_free(),
        !rates.conference.is_free(),
        rates.record && !rates.recording.is_free(),
        rates.transcribe && !rates.transcription.is_free(),
        rates.record && !storage.per_min_month.is_free(),
        rates.messaging,
        !rates.per_conversation.is_free(),
        !rates.active_user.is_free(),
    ];
    let mut keep = priced_items.iter();
    out.retain(|(_, v)| *keep.next().expect("one flag per item") || *v != Amount::default());
    out
}

impl Storage {
    /// Storage for `recorded_min` minutes recorded in the window. A month
    /// records recorded ÷ usage share; each recording is kept
    /// `retention_days`, so the monthly average stored is that × retention
    /// (in months of 730 h). Charged per month above the free allowance;
    /// prorated into the window by time, like every per-month price.
    pub fn amount(&self, recorded_min: f64, sh: Shares) -> Amount {
        if self.per_min_month.is_free() || recorded_min <= 0.0 {
            return Amount::default();
        }
        let stored = recorded_min / sh.usage * self.retention_days * 24.0 / MONTH_H;
        let month = self
            .per_min_month
            .monthly_amount((stored - self.free_min).max(0.0));
        Amount::of(month * sh.time, month)
    }
}

/// Prices one replication's usage and agent time under a rate card.
pub fn bill(s: &Scenario, costs: &Costs, r: &ReplicationResult) -> Bill {
    let usage = r
        .usage
        .as_ref()
        .expect("metered when the scenario has costs");
    let sh = Shares::of(s, costs);
    // Agent time: every activity but the logout activity (Offline).
    let group_active: Vec<f64> = r
        .activity_hours
        .iter()
        .map(|row| {
            row.iter()
                .enumerate()
                .filter(|(a, _)| *a != usize::from(OFFLINE))
                .map(|(_, h)| h)
                .sum()
        })
        .collect();
    let active_hours: f64 = group_active.iter().sum();
    let named_users = costs
        .named_users
        .unwrap_or_else(|| s.groups.iter().map(|g| g.count).sum());
    let hourly = |hours: f64, rate: i64| {
        let window = hours * rate as f64;
        Amount::of(window, window / sh.usage)
    };
    let plans = [
        hourly(active_hours, costs.active_hour),
        Amount::monthly(costs.named_user_per_month, f64::from(named_users), sh),
        Amount::monthly(costs.monthly_active_user, f64::from(usage.active_users), sh),
    ];
    let plan_index = PlatformPlan::ALL
        .iter()
        .position(|p| *p == costs.plan)
        .expect("a plan");
    let labor = group_active
        .iter()
        .zip(&costs.labor)
        .fold(Amount::default(), |acc, (h, rate)| {
            acc.plus(hourly(*h, *rate))
        });
    let fixed = costs.fixed.iter().fold(Amount::default(), |acc, (_, v)| {
        acc.plus(Amount::monthly(*v, 1.0, sh))
    });
    let numbers = Amount::monthly(costs.local_numbers.1, f64::from(costs.local_numbers.0), sh)
        .plus(Amount::monthly(
            costs.toll_free_numbers.1,
            f64::from(costs.toll_free_numbers.0),
            sh,
        ));
    let mut components = vec![
        ("platform".to_string(), plans[plan_index]),
        ("labor".to_string(), labor),
        ("fixed".to_string(), fixed),
        ("numbers".to_string(), numbers),
    ];
    // Written only when priced, so bills without it keep their lines.
    if !(costs.self_service_minute.is_free() && costs.self_service_session.is_free()) {
        let ivr = &r.self_service;
        components.push((
            "self_service".to_string(),
            priced(
                &costs.self_service_minute,
                ivr[crate::metrics::SelfServiceKpi::Minutes],
                sh,
            )
            .plus(priced(
                &costs.self_service_session,
                ivr[crate::metrics::SelfServiceKpi::Sessions],
                sh,
            )),
        ));
    }
    let mut channels = Vec::new();
    let mut channels_month = Vec::new();
    let mut queues = vec![0i64; s.queues.len() + 1];
    let mut hours = [0i64; 24];
    let mut usage_out = vec![
        ("agent_hours".to_string(), active_hours),
        ("named_users".to_string(), f64::from(named_users)),
        (
            "monthly_active_users".to_string(),
            f64::from(usage.active_users),
        ),
    ];
    for (g, h) in s.groups.iter().zip(&group_active) {
        usage_out.push((format!("paid_h.{}", g.name), *h));
    }
    let window_sum =
        |items: &[(&str, Amount)]| -> i64 { items.iter().map(|(_, v)| v.window).sum() };
    for (c, ch) in s.channels.iter().enumerate() {
        let rates = &costs.channels[c];
        let views = usage.channel(c);
        let m = views.total;
        let items = channel_items(rates, &m, sh, &costs.storage);
        let total = window_sum(&items);
        channels.push(total);
        channels_month.push(items.iter().map(|(_, v)| v.month).sum());
        // Breakdowns share the channel's amount in proportion to what each
        // segment would cost alone (exact only without tiers).
        let alone = |x: &Meter| window_sum(&channel_items(rates, x, sh, &costs.storage));
        let q_alone: Vec<i64> = views.by_queue.iter().map(alone).collect();
        let h_alone: Vec<i64> = views.by_hour.iter().map(alone).collect();
        share_out(total, &q_alone, &mut queues);
        share_out(total, &h_alone, &mut hours);
        for (item, v) in items {
            components.push((format!("{}.{item}", ch.name), v));
        }
        let inc = rates.increment_s;
        for (item, v) in [
            (
                "inbound_min",
                billed_min(m.inbound_units + m.toll_free_units, inc),
            ),
            ("outbound_min", billed_min(m.outbound_units, inc)),
            ("agent_min", billed_min(m.agent_units, inc)),
            ("recording_min", billed_min(m.recorded_units, inc)),
            ("customer_leg_s", m.inbound_s + m.toll_free_s),
            ("messages_in", m.messages_in as f64),
            ("messages_out", m.messages_out as f64),
            ("segments", (m.segments_in + m.segments_out) as f64),
            ("conversations", m.conversations as f64),
        ] {
            usage_out.push((format!("{}.{item}", ch.name), v));
        }
    }
    // Agent time by hour of day: labour, and the active-hour licence when it
    // is the plan in the total.
    for (g, row) in r.online_by_hour.iter().enumerate() {
        let rate = agent_hour_rate(costs, g);
        for (h, hours_online) in row.iter().enumerate() {
            hours[h] += (hours_online * rate).round() as i64;
        }
    }
    Bill {
        components,
        plans,
        channels,
        channels_month,
        queues,
        hours,
        usage: usage_out,
        active_hours,
        named_users,
        active_users: usage.active_users,
        shares: sh,
    }
}

/// Adds to each of `target` its share of `total`, in proportion to `parts`
/// (what each segment would cost alone; exact only without tiers), rounded
/// per part; nothing when the parts cost nothing.
fn share_out(total: i64, parts: &[i64], target: &mut [i64]) {
    let sum: i64 = parts.iter().sum();
    if sum > 0 {
        for (t, p) in target.iter_mut().zip(parts) {
            *t += (total as f64 * *p as f64 / sum as f64).round() as i64;
        }
    }
}

/// What an hour of a group's agent time on line costs (µ): labour, plus
/// the active-hour licence when it is the plan in the total.
fn agent_hour_rate(costs: &Costs, g: usize) -> f64 {
    let mut rate = costs.labor[g] as f64;
    if costs.plan == PlatformPlan::ActiveHour {
        rate += costs.active_hour as f64;
    }
    rate
}

/// One replication's cost per interval of the counted window, in µ: the
/// counterpart of [`Bill::hours`] with intervals for hours of day.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalBill {
    /// Per interval: every channel's usage by the contacts' arrival
    /// interval, plus labour and the active-hour licence (when it is the plan
    /// in the total) by the agents' time on line in the interval. Per-month
    /// prices are not split.
    pub total: Vec<i64>,
    /// Per channel, per interval: the channel's usage cost ([`Bill::channels`]
    /// shared out in proportion to each interval's usage priced alone).
    pub channels: Vec<Vec<i64>>,
    /// Per group, per interval: labour alone (no licence).
    pub labor: Vec<Vec<i64>>,
}

/// Breaks one replication's bill down by interval, as [`bill`] breaks it
/// down by hour of day: each channel's usage cost of the window shared out
/// in proportion to each interval's usage priced alone (exact only without
/// tiers), and agent time at its hourly rates, each part rounded to µ.
pub fn bill_intervals(
    s: &Scenario,
    costs: &Costs,
    r: &ReplicationResult,
    b: &Bill,
) -> IntervalBill {
    let usage = r
        .usage
        .as_ref()
        .expect("metered when the scenario has costs");
    let sh = b.shares;
    let n_int = s.sim.interval_count();
    let mut total = vec![0i64; n_int];
    let channels: Vec<Vec<i64>> = (0..s.channels.len())
        .map(|c| {
            let rates = &costs.channels[c];
            let alone: Vec<i64> = usage
                .channel_intervals(c)
                .iter()
                .map(|x| {
                    channel_items(rates, x, sh, &costs.storage)
                        .iter()
                        .map(|(_, v)| v.window)
                        .sum()
                })
                .collect();
            let mut row = vec![0i64; n_int];
            share_out(b.channels[c], &alone, &mut row);
            for (t, x) in total.iter_mut().zip(&row) {
                *t += x;
            }
            row
        })
        .collect();
    let labor = r
        .online_by_interval
        .iter()
        .enumerate()
        .map(|(g, row)| {
            let rate = agent_hour_rate(costs, g);
            let labor_rate = costs.labor[g] as f64;
            row.iter()
                .zip(&mut total)
                .map(|(h, t)| {
                    *t += (h * rate).round() as i64;
                    (h * labor_rate).round() as i64
                })
                .collect()
        })
        .collect();
    IntervalBill {
        total,
        channels,
        labor,
    }
}

/// The assumption behind every monthly figure: how the simulated window
/// relates to a billing month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthBasis {
    /// `Some(d)`: the window is operating day(s) of a `d`-day month; `None`:
    /// its hours are hours of a 730-hour month of around-the-clock usage.
    pub days_per_month: Option<f64>,
    /// Hours in the counted window.
    pub window_h: f64,
    /// The window's share of a month's usage ([`Shares::usage`]).
    pub usage_share: f64,
}

impl MonthBasis {
    /// The basis of a scenario with costs.
    pub fn of(s: &Scenario, costs: &Costs) -> MonthBasis {
        MonthBasis {
            days_per_month: costs.days_per_month,
            window_h: (s.sim.horizon_s - s.sim.warmup_s) / 3600.0,
            usage_share: Shares::of(s, costs).usage,
        }
    }

    /// Short form for table headers: `month = 730 h` or `month = 21.7 operating days`.
    pub fn short(&self) -> String {
        match self.days_per_month {
            None => format!("month = {MONTH_H} h"),
            Some(d) => format!("month = {d} operating days"),
        }
    }

    /// The assumption in a sentence.
    pub fn describe(&self) -> String {
        match self.days_per_month {
            None => format!(
                "monthly figures assume month = {MONTH_H} h of around-the-clock usage: the simulated {:.1} h are {:.4} of a month",
                self.window_h, self.usage_share
            ),
            Some(d) => format!(
                "monthly figures assume month = {d} operating days: the simulated {:.1} h count as {:.4} of a month",
                self.window_h, self.usage_share
            ),
        }
    }
}

/// Costs over replications: every amount as mean ± 95% CI in currency units.
#[derive(Debug, Clone)]
pub struct CostSummary {
    /// The scenario's currency.
    pub currency: String,
    /// What a month is, for every monthly figure.
    pub month: MonthBasis,
    /// The plan whose platform price is in `total`.
    pub plan: &'static str,
    /// Sum of the components, per replication.
    pub total: Estimate,
    /// Total ÷ contacts offered.
    pub per_offered: Estimate,
    /// Total ÷ contacts answered.
    pub per_answered: Estimate,
    /// A month like the simulated window: usage and agent time scaled by
    /// 1 ÷ the window's usage share ([`Shares::usage`]), per-month prices at
    /// their monthly amount.
    pub monthly_projection: Estimate,
    /// The monthly projection per component.
    pub monthly_components: Vec<(String, Estimate)>,
    /// The monthly platform price under each plan.
    pub monthly_plans: Vec<(&'static str, Estimate)>,
    /// Per component key (`platform`, `labor`, `fixed`, `numbers`,
    /// `<channel>.<item>`).
    pub components: Vec<(String, Estimate)>,
    /// The platform price under each plan, for the same run.
    pub plans: Vec<(&'static str, Estimate)>,
    /// Active hours per named user per month (the run's, projected).
    pub active_hours_per_user_month: Estimate,
    /// Active hours per user per month above which the named-user plan is
    /// cheaper than the active-hour plan (named price ÷ hourly price).
    pub break_even_active_hours: Option<f64>,
    /// Usage cost per channel.
    pub channels: Vec<(String, Estimate)>,
    /// The monthly projection of the usage cost per channel.
    pub monthly_channels: Vec<(String, Estimate)>,
    /// Per channel: its usage cost ÷ its contacts offered, per replication
    /// (undefined in a replication without any).
    pub channel_per_offered: Vec<(String, Estimate)>,
    /// Per channel: its usage cost ÷ its contacts answered, per replication.
    pub channel_per_answered: Vec<(String, Estimate)>,
    /// Usage cost per queue, attributed as [`Bill::queues`] ("(no queue)" first).
    pub queues: Vec<(String, Estimate)>,
    /// Cost per hour of day: usage by arrival hour, labour and active-hour
    /// licences by logged-in hour.
    pub hours: Vec<Estimate>,
    /// Usage quantities (`agent_hours`, `<channel>.inbound_min`, …).
    pub usage: Vec<(String, Estimate)>,
    /// Cost per interval of the counted window ([`IntervalBill::total`]).
    pub intervals: Vec<Estimate>,
    /// Per channel, per interval: usage cost ([`IntervalBill::channels`]).
    pub channel_intervals: Vec<(String, Vec<Estimate>)>,
    /// Per group, per interval: labour ([`IntervalBill::labor`]).
    pub labor_intervals: Vec<(String, Vec<Estimate>)>,
}

/// Keyed per-replication values → estimates; a key missing from a
/// replication counts 0 there. Keys keep their first-seen order.
fn keyed(rows: &[Vec<(String, f64)>]) -> Vec<(String, Estimate)> {
    let mut keys: Vec<&String> = Vec::new();
    for row in rows {
        for (k, _) in row {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
    }
    keys.into_iter()
        .map(|k| {
            let vals = rows
                .iter()
                .map(|row| row.iter().find(|(x, _)| x == k).map_or(0.0, |(_, v)| *v));
            (k.clone(), Estimate::from_values(vals))
        })
        .collect()
}

/// Bills every replication and summarises.
pub fn summarize(s: &Scenario, costs: &Costs, results: &[ReplicationResult]) -> CostSummary {
    let bills: Vec<Bill> = results.iter().map(|r| bill(s, costs, r)).collect();
    let by_interval: Vec<IntervalBill> = bills
        .iter()
        .zip(results)
        .map(|(b, r)| bill_intervals(s, costs, r, b))
        .collect();
    let n_int = s.sim.interval_count();
    let over_intervals = |pick: &dyn Fn(&IntervalBill, usize) -> i64| -> Vec<Estimate> {
        (0..n_int)
            .map(|k| Estimate::from_values(by_interval.iter().map(|x| units(pick(x, k)))))
            .collect()
    };
    let est = |f: &dyn Fn(&Bill, &ReplicationResult) -> f64| {
        Estimate::from_values(bills.iter().zip(results).map(|(b, r)| f(b, r)))
    };
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
    let money = |v: i64| units(v);
    let components_by = |month: bool| {
        keyed(
            &bills
                .iter()
                .map(|b| {
                    b.components
                        .iter()
                        .map(|(k, v)| (k.clone(), money(if month { v.month } else { v.window })))
                        .collect()
                })
                .collect::<Vec<_>>(),
        )
    };
    let components = components_by(false);
    let monthly_components = components_by(true);
    let named = |i: usize, names: &[String]| names[i].clone();
    let channel_names: Vec<String> = s.channels.iter().map(|c| c.name.clone()).collect();
    let queue_names: Vec<String> = std::iter::once("(no queue)".to_string())
        .chain(s.queues.iter().map(|q| q.name.clone()))
        .collect();
    let per = |pick: &dyn Fn(&Bill) -> &[i64], names: &[String]| -> Vec<(String, Estimate)> {
        (0..names.len())
            .map(|i| {
                (
                    named(i, names),
                    Estimate::from_values(bills.iter().map(|b| money(pick(b)[i]))),
                )
            })
            .collect()
    };
    let per_contact = |kpi: Kpi| -> Vec<(String, Estimate)> {
        channel_names
            .iter()
            .enumerate()
            .map(|(c, name)| {
                let values = bills
                    .iter()
                    .zip(results)
                    .map(|(b, r)| ratio(money(b.channels[c]), r.channels[c][kpi]));
                (name.clone(), Estimate::from_values(values))
            })
            .collect()
    };
    CostSummary {
        currency: costs.currency.clone(),
        month: MonthBasis::of(s, costs),
        plan: costs.plan.key(),
        total: est(&|b, _| money(b.total())),
        per_offered: est(&|b, r| ratio(money(b.total()), r.overall[Kpi::Offered])),
        per_answered: est(&|b, r| ratio(money(b.total()), r.overall[Kpi::Answered])),
        monthly_projection: est(&|b, _| money(b.monthly_total())),
        components,
        monthly_components,
        plans: PlatformPlan::ALL
            .iter()
            .enumerate()
            .map(|(i, p)| (p.key(), est(&|b, _| money(b.plans[i].window))))
            .collect(),
        monthly_plans: PlatformPlan::ALL
            .iter()
            .enumerate()
            .map(|(i, p)| (p.key(), est(&|b, _| money(b.plans[i].month))))
            .collect(),
        active_hours_per_user_month: est(&|b, _| {
            ratio(b.active_hours / b.shares.usage, f64::from(b.named_users))
        }),
        break_even_active_hours: (costs.active_hour > 0)
            .then(|| costs.named_user_per_month as f64 / costs.active_hour as f64),
        channels: per(&|b| &b.channels, &channel_names),
        monthly_channels: per(&|b| &b.channels_month, &channel_names),
        channel_per_offered: per_contact(Kpi::Offered),
        channel_per_answered: per_contact(Kpi::Answered),
        queues: per(&|b| &b.queues, &queue_names),
        hours: (0..24)
            .map(|h| Estimate::from_values(bills.iter().map(|b| money(b.hours[h]))))
            .collect(),
        usage: keyed(&bills.iter().map(|b| b.usage.clone()).collect::<Vec<_>>()),
        intervals: over_intervals(&|x, k| x.total[k]),
        channel_intervals: s
            .channels
            .iter()
            .enumerate()
            .map(|(c, ch)| (ch.name.clone(), over_intervals(&|x, k| x.channels[c][k])))
            .collect(),
        labor_intervals: s
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| (group.name.clone(), over_intervals(&|x, k| x.labor[g][k])))
            .collect(),
    }
}
