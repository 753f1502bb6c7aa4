//! `[costs]` (docs/outputs.md, "Costs"): a rate card, optionally based on a card file whose
//! keys the scenario overrides one by one. The card is checked against its
//! own text, so its problems point into the card file.

use super::raw::{RawChannelCosts, RawCosts, RawPrice};
use super::read::raw_table;
use super::units::Dist;
use super::validate::{Unit, Validator};
use super::{Channel, Group};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The rate card built into the binary, so a scenario copied anywhere is
/// priced the same: `[costs]` uses it unless `card` names another file or
/// `card = "none"`. The same text is `scenarios/rates/twilio-us.toml`.
pub const DEFAULT_CARD: &str = include_str!("../../scenarios/rates/twilio-us.toml");

/// How messages name the built-in card.
pub const BUILT_IN_CARD_NAME: &str = "(built-in) rates/twilio-us.toml";

/// Where a scenario's base prices came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardSource {
    /// The card built into the binary ([`DEFAULT_CARD`]).
    BuiltIn,
    /// A card file (path as resolved).
    File(PathBuf),
    /// `card = "none"`: only what `[costs]` lists is priced.
    None,
}

raw_table! {
    /// A rate card file: one `[costs]` table.
    pub struct RawCardFile("a rate card") {
        /// The card's prices, keyed as in a scenario's `[costs]`.
        pub costs: Spanned<RawCosts>,
    }
}

/// The licence plan whose price is in the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformPlan {
    /// Per agent-hour in any activity but the logout activity (Offline).
    ActiveHour,
    /// Per provisioned user per month.
    NamedUser,
    /// Per user logged in at least once in the month.
    MonthlyActiveUser,
}

impl PlatformPlan {
    /// Every plan, in report order.
    pub const ALL: [PlatformPlan; 3] = [
        PlatformPlan::ActiveHour,
        PlatformPlan::NamedUser,
        PlatformPlan::MonthlyActiveUser,
    ];

    /// The key of the plan in scenario files and JSON.
    pub fn key(self) -> &'static str {
        match self {
            PlatformPlan::ActiveHour => "active_hour",
            PlatformPlan::NamedUser => "named_user",
            PlatformPlan::MonthlyActiveUser => "monthly_active_user",
        }
    }
}

/// A unit price in millionths of the currency, with graduated volume tiers:
/// `(above, price)` pairs sorted by `above`, applied to the *monthly*
/// quantity. Empty: free.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Price {
    /// (monthly units above which the price applies, price per unit in µ).
    pub tiers: Vec<(f64, i64)>,
}

impl Price {
    /// A single price for every unit.
    pub fn flat(micros: i64) -> Price {
        Price {
            tiers: vec![(0.0, micros)],
        }
    }

    /// Nothing to charge.
    pub fn is_free(&self) -> bool {
        self.tiers.iter().all(|&(_, p)| p == 0)
    }

    /// Volume tiers exist (the amount is not proportional to the quantity).
    pub fn tiered(&self) -> bool {
        self.tiers.len() > 1
    }

    /// The amount for `monthly` units in a month, in µ (graduated: each unit
    /// at the price of the tier it falls in), not yet rounded.
    pub fn monthly_amount(&self, monthly: f64) -> f64 {
        let mut total = 0.0;
        for (i, &(above, price)) in self.tiers.iter().enumerate() {
            let upto = self.tiers.get(i + 1).map_or(f64::INFINITY, |t| t.0);
            if monthly > above {
                total += (monthly.min(upto) - above) * price as f64;
            }
        }
        total
    }
}

/// Usage prices of one channel (all zero unless the card or scenario sets them).
#[derive(Debug, Clone)]
pub struct ChannelCosts {
    /// Call legs are rounded up to this, per leg (default 60 s).
    pub increment_s: f64,
    /// Customer leg of calls to a local number, per minute.
    pub inbound: Price,
    /// Customer leg of calls to a toll-free number, per minute.
    pub toll_free_inbound: Price,
    /// Outbound legs (call backs), per minute.
    pub outbound: Price,
    /// Agent legs (SDK/SIP), per minute.
    pub agent_leg: Price,
    /// Conference, per participant-minute (customer and agent per agent leg).
    pub conference: Price,
    /// Recorded minutes.
    pub recording: Price,
    /// Transcribed minutes.
    pub transcription: Price,
    /// Agent legs are recorded.
    pub record: bool,
    /// Recordings are transcribed.
    pub transcribe: bool,
    /// Time on the line of a call answered by the after-hours message or
    /// voicemail (default 30 s).
    pub after_hours_leg_s: f64,
    /// Per inbound message segment.
    pub segment_in: Price,
    /// Per outbound message segment.
    pub segment_out: Price,
    /// Carrier fee per segment, both directions.
    pub carrier_fee: Price,
    /// Per inbound message (WhatsApp's Twilio fee, MMS received).
    pub message_in: Price,
    /// Per outbound message (MMS sent).
    pub message_out: Price,
    /// Per conversation: a customer's 24 h window (WhatsApp template fees);
    /// a redial comes back inside it.
    pub per_conversation: Price,
    /// Per unique customer per month (Conversations), tiered.
    pub active_user: Price,
    /// Messages of an answered contact (in and out); unanswered contacts send one.
    pub messages_per_contact: Option<Dist>,
    /// Segments per message (default 1).
    pub segments_per_message: Option<Dist>,
    /// Share of an answered contact's messages sent by the customer.
    pub inbound_share: f64,
    /// Messages are metered on this channel (some message price or
    /// distribution is set); decided once at load.
    pub messaging: bool,
}

impl Default for ChannelCosts {
    fn default() -> Self {
        ChannelCosts {
            increment_s: 60.0,
            inbound: Price::default(),
            toll_free_inbound: Price::default(),
            outbound: Price::default(),
            agent_leg: Price::default(),
            conference: Price::default(),
            recording: Price::default(),
            transcription: Price::default(),
            record: false,
            transcribe: false,
            after_hours_leg_s: 30.0,
            segment_in: Price::default(),
            segment_out: Price::default(),
            carrier_fee: Price::default(),
            message_in: Price::default(),
            message_out: Price::default(),
            per_conversation: Price::default(),
            active_user: Price::default(),
            messages_per_contact: None,
            segments_per_message: None,
            inbound_share: 0.5,
            messaging: false,
        }
    }
}

impl ChannelCosts {
    fn decide_messaging(&mut self) {
        self.messaging = self.messages_per_contact.is_some()
            || !self.segment_in.is_free()
            || !self.segment_out.is_free()
            || !self.carrier_fee.is_free()
            || !self.message_in.is_free()
            || !self.message_out.is_free();
    }
}

/// Recording storage: charged on the monthly average of stored minutes
/// above a free allowance; recordings are kept `retention_days`.
#[derive(Debug, Clone)]
pub struct Storage {
    /// Per stored minute per month, µ.
    pub per_min_month: Price,
    /// Free stored minutes per month.
    pub free_min: f64,
    /// Days each recording is kept.
    pub retention_days: f64,
}

/// The checked `[costs]` section.
#[derive(Debug, Clone)]
pub struct Costs {
    /// One currency per scenario (a label only).
    pub currency: String,
    /// The plan whose platform price is in the total.
    pub plan: PlatformPlan,
    /// Per active user-hour, µ.
    pub active_hour: i64,
    /// Per named user per month, µ.
    pub named_user_per_month: i64,
    /// Per monthly active user, µ.
    pub monthly_active_user: i64,
    /// Provisioned users; `None`: every agent of every group.
    pub named_users: Option<u32>,
    /// Per channel (indexed by channel id).
    pub channels: Vec<ChannelCosts>,
    /// Per group: per paid hour, µ.
    pub labor: Vec<i64>,
    /// Monthly overheads: (name, µ per month).
    pub fixed: Vec<(String, i64)>,
    /// Local numbers held and their monthly rent, µ.
    pub local_numbers: (u32, i64),
    /// Toll-free numbers held and their monthly rent, µ.
    pub toll_free_numbers: (u32, i64),
    /// Recording storage.
    pub storage: Storage,
    /// The self-service platform (IVR or bot), per minute a customer
    /// spends in the flow; free unless priced.
    pub self_service_minute: Price,
    /// … and per session (every attempt that enters the flow).
    pub self_service_session: Price,
    /// Operating days in a month, when the window is a day (or days) of a
    /// center that is not open around the clock; `None`: the window's hours
    /// are 1/730 of a month of usage.
    pub days_per_month: Option<f64>,
    /// Where the base prices came from.
    pub card: CardSource,
    /// When the prices were last checked (`prices_as_of`, the scenario's
    /// over the card's), for the `stale-card` lint.
    pub prices_as_of: Option<jiff::civil::Date>,
}

/// Draws of messages per contact are capped here (so a heavy-tailed
/// distribution cannot stall a run), and their mean must be below it.
pub const MAX_MESSAGES: f64 = 10_000.0;
/// Likewise for segments per message.
pub const MAX_SEGMENTS: f64 = 100.0;

/// Hours in the billing month (365 × 24 / 12): per-month prices are prorated
/// to the counted window by window hours ÷ 730 (docs/outputs.md, "Costs").
pub const MONTH_H: f64 = 730.0;

/// Currency units → µ (millionths), the unit all amounts are summed in.
pub fn micros(v: f64) -> i64 {
    (v * 1e6).round() as i64
}

impl Costs {
    fn empty(n_channels: usize, n_groups: usize) -> Costs {
        Costs {
            currency: "USD".into(),
            plan: PlatformPlan::ActiveHour,
            active_hour: 0,
            named_user_per_month: 0,
            monthly_active_user: 0,
            named_users: None,
            channels: vec![ChannelCosts::default(); n_channels],
            labor: vec![0; n_groups],
            fixed: Vec::new(),
            local_numbers: (0, 0),
            toll_free_numbers: (0, 0),
            storage: Storage {
                per_min_month: Price::default(),
                free_min: 0.0,
                retention_days: 30.0,
            },
            self_service_minute: Price::default(),
            self_service_session: Price::default(),
            days_per_month: None,
            card: CardSource::None,
            prices_as_of: None,
        }
    }
}

/// Which `[costs]` layer is being applied, and so which names it must
/// resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    /// The scenario's own `[costs]`: channel tables and labour entries must
    /// name its channels and agent groups (groups only when they were read
    /// without errors; otherwise every name would look unknown).
    Scenario { groups_known: bool },
    /// A rate card: it may price channels and groups a scenario does not have.
    Card,
}

impl Validator<'_> {
    /// Resolves `[costs]`: the card (the built-in one unless `card` names
    /// another or `"none"`), then the scenario's keys over it.
    /// `groups` is `None` when the groups themselves had errors (labour
    /// entries are then checked for their amounts only).
    pub(super) fn costs(
        &mut self,
        raw: &Spanned<RawCosts>,
        channels: &[Channel],
        groups: Option<&[Group]>,
        window_h: Option<f64>,
    ) -> Option<Costs> {
        let layer = Layer::Scenario {
            groups_known: groups.is_some(),
        };
        let groups = groups.unwrap_or(&[]);
        let mut c = Costs::empty(channels.len(), groups.len());
        let mut ok = true;
        match &raw.get_ref().card {
            None => {
                c.card = CardSource::BuiltIn;
                let name = Path::new(BUILT_IN_CARD_NAME);
                self.record_input("rate card", name, DEFAULT_CARD);
                ok &= self.apply_card(name, DEFAULT_CARD, &mut c, channels, groups);
            }
            Some(card) if card.get_ref() == "none" => c.card = CardSource::None,
            Some(card) => ok &= self.cost_card(card, &mut c, channels, groups),
        }
        ok &= self.apply_costs(raw.get_ref(), &mut c, channels, groups, layer);
        c.channels
            .iter_mut()
            .for_each(ChannelCosts::decide_messaging);
        if let Some(h) = window_h
            && h < 24.0
            && c.days_per_month.is_none()
        {
            self.warn(
                &raw.span(),
                format!(
                    "the counted window is {h} h, shorter than a day: monthly figures take it as {h}/{MONTH_H} of a month of around-the-clock usage (month = {MONTH_H} h); if the center opens only these hours on operating days, set days_per_month (e.g. 21.7)"
                ),
            );
        }
        ok.then_some(c)
    }

    /// Loads a rate card file named by the scenario (relative to the
    /// scenario's folder) over `c`.
    fn cost_card(
        &mut self,
        path: &Spanned<String>,
        c: &mut Costs,
        channels: &[Channel],
        groups: &[Group],
    ) -> bool {
        let dir = self.src.path.parent().unwrap_or(Path::new(""));
        let file = dir.join(path.get_ref());
        let text = match super::input::read_text(&file, super::input::CARD_MAX_BYTES) {
            Ok(t) => t,
            Err(e) => {
                let folder = if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                };
                self.err(
                    &path.span(),
                    format!(
                        "cannot use the rate card \"{}\" (resolved against the scenario's folder {}): {e}; card paths are relative to the scenario file, and `card = \"none\"` prices only what [costs] lists",
                        path.get_ref(),
                        folder.display()
                    ),
                );
                return false;
            }
        };
        self.record_input("rate card", &file, &text);
        c.card = CardSource::File(file.clone());
        self.apply_card(&file, &text, c, channels, groups)
    }

    /// Applies a rate card's text (TOML with a `[costs]` table) over `c`; its
    /// problems point into the card.
    fn apply_card(
        &mut self,
        file: &Path,
        text: &str,
        c: &mut Costs,
        channels: &[Channel],
        groups: &[Group],
    ) -> bool {
        let src = super::diag::SourceFile::new(file, text);
        let mut sub = self.sub_validator(src);
        let read = super::validate::read_document::<RawCardFile>(&sub.src, &mut sub.diags, &[]);
        let ok = match read {
            Some((card, unreadable)) => {
                sub.unreadable = unreadable.spans;
                if let Some(nested) = &card.costs.get_ref().card {
                    sub.err(&nested.span(), "a rate card cannot name another card");
                }
                sub.apply_costs(card.costs.get_ref(), c, channels, groups, Layer::Card)
                    && !sub.diags.has_errors()
            }
            None => false,
        };
        self.absorb(sub);
        ok
    }

    /// Applies every key of one `[costs]` layer (see [`Layer`] for which
    /// names it must resolve).
    fn apply_costs(
        &mut self,
        raw: &RawCosts,
        c: &mut Costs,
        channels: &[Channel],
        groups: &[Group],
        layer: Layer,
    ) -> bool {
        let strict = matches!(layer, Layer::Scenario { .. });
        let mut ok = true;
        if let Some(d) = &raw.days_per_month {
            if (1.0..=31.0).contains(d.get_ref()) {
                c.days_per_month = Some(*d.get_ref());
            } else {
                self.err(
                    &d.span(),
                    format!(
                        "days_per_month must be between 1 and 31, found {}",
                        d.get_ref()
                    ),
                );
                ok = false;
            }
        }
        if let Some(d) = &raw.prices_as_of {
            match d.get_ref().trim().parse::<jiff::civil::Date>() {
                Ok(date) => c.prices_as_of = Some(date),
                Err(_) => {
                    self.err(
                        &d.span(),
                        format!(
                            "prices_as_of must be a date such as \"2026-09-20\" (when the prices were last checked), found \"{}\"",
                            d.get_ref()
                        ),
                    );
                    ok = false;
                }
            }
        }
        if let Some(cur) = &raw.currency {
            let v = cur.get_ref().trim();
            if v.is_empty() || v.len() > 8 {
                self.err(&cur.span(), "currency must be a short code such as \"USD\"");
                ok = false;
            }
            c.currency = v.to_string();
        }
        if let Some(p) = &raw.platform {
            let p = p.get_ref();
            if let Some(plan) = &p.plan {
                match PlatformPlan::ALL
                    .into_iter()
                    .find(|x| x.key() == plan.get_ref())
                {
                    Some(x) => c.plan = x,
                    None => {
                        self.err(&plan.span(), format!("plan must be \"active_hour\", \"named_user\" or \"monthly_active_user\", found \"{}\"", plan.get_ref()));
                        ok = false;
                    }
                }
            }
            for (field, target) in [
                (&p.active_hour, &mut c.active_hour),
                (&p.named_user_per_month, &mut c.named_user_per_month),
                (&p.monthly_active_user, &mut c.monthly_active_user),
            ] {
                if let Some(v) = field {
                    ok &= self.amount(v).map(|x| *target = x).is_some();
                }
            }
            if let Some(n) = &p.named_users {
                if (0..=10_000_000).contains(n.get_ref()) {
                    c.named_users = Some(*n.get_ref() as u32);
                } else {
                    self.err(&n.span(), "named_users must be between 0 and 10000000");
                    ok = false;
                }
            }
        }
        if let Some(labor) = &raw.labor {
            for (group, rate) in labor.get_ref() {
                let Some(amount) = self.amount(rate) else {
                    ok = false;
                    continue;
                };
                match groups.iter().position(|g| g.name == *group.get_ref()) {
                    Some(g) => c.labor[g] = amount,
                    None if layer == (Layer::Scenario { groups_known: true })
                        && !self.incomplete.contains("agent group") =>
                    {
                        let known: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
                        self.err(
                            &group.span(),
                            super::diag::unknown_name("agent group", group.get_ref(), &known),
                        );
                        ok = false;
                    }
                    None => {}
                }
            }
        }
        if let Some(fixed) = &raw.fixed {
            for (name, v) in fixed.get_ref() {
                match self.amount(v) {
                    Some(x) => {
                        c.fixed.retain(|(n, _)| n != name.get_ref());
                        c.fixed.push((name.get_ref().clone(), x));
                    }
                    None => ok = false,
                }
            }
        }
        if let Some(n) = &raw.numbers {
            let n = n.get_ref();
            for (count, target) in [
                (&n.local, &mut c.local_numbers.0),
                (&n.toll_free, &mut c.toll_free_numbers.0),
            ] {
                if let Some(v) = count {
                    if (0..=1_000_000).contains(v.get_ref()) {
                        *target = *v.get_ref() as u32;
                    } else {
                        self.err(&v.span(), "a number count must be between 0 and 1000000");
                        ok = false;
                    }
                }
            }
            for (price, target) in [
                (&n.local_per_month, &mut c.local_numbers.1),
                (&n.toll_free_per_month, &mut c.toll_free_numbers.1),
            ] {
                if let Some(v) = price {
                    ok &= self.amount(v).map(|x| *target = x).is_some();
                }
            }
        }
        if let Some(st) = &raw.recording_storage {
            let st = st.get_ref();
            if let Some(p) = &st.per_min_month {
                ok &= self
                    .amount(p)
                    .map(|x| c.storage.per_min_month = Price::flat(x))
                    .is_some();
            }
            if let Some(f) = &st.free_min {
                if *f.get_ref() >= 0.0 {
                    c.storage.free_min = *f.get_ref();
                } else {
                    self.err(&f.span(), "free_min cannot be negative");
                    ok = false;
                }
            }
            if let Some(r) = &st.retention {
                match self.positive_duration(r, "retention") {
                    Some(s) => c.storage.retention_days = s / 86_400.0,
                    None => ok = false,
                }
            }
        }
        if let Some(x) = &raw.self_service {
            let x = x.get_ref();
            for (price, target) in [
                (&x.per_minute, &mut c.self_service_minute),
                (&x.per_session, &mut c.self_service_session),
            ] {
                if let Some(p) = price {
                    ok &= self.price(p).map(|v| *target = v).is_some();
                }
            }
        }
        for (name, table) in &raw.channels {
            match channels.iter().position(|ch| ch.name == *name.get_ref()) {
                Some(i) => {
                    ok &= self.channel_costs(table.get_ref(), &mut c.channels[i]);
                    // A scenario pricing recordings records, unless it says not
                    // to (docs/outputs.md, "Costs" bills "recorded talk minutes"); a card's
                    // price alone does not change the recording policy.
                    let t = table.get_ref();
                    if strict && t.recording_per_min.is_some() && t.record.is_none() {
                        c.channels[i].record = true;
                    }
                }
                None if strict => {
                    let known: Vec<String> = channels
                        .iter()
                        .map(|ch| format!("\"{}\"", ch.name))
                        .collect();
                    let hint = super::diag::did_you_mean(
                        name.get_ref(),
                        channels
                            .iter()
                            .map(|ch| ch.name.as_str())
                            .chain(super::raw::COSTS_KEYS),
                    );
                    self.err(
                        &name.span(),
                        format!(
                            "[costs.{}]: unknown channel (or [costs] key) \"{}\"{hint}; channels: {}; keys: {}",
                            name.get_ref(),
                            name.get_ref(),
                            known.join(", "),
                            super::raw::COSTS_KEYS.join(", ")
                        ),
                    );
                    ok = false;
                }
                None => {}
            }
        }
        ok
    }

    fn channel_costs(&mut self, r: &RawChannelCosts, c: &mut ChannelCosts) -> bool {
        let mut ok = true;
        if let Some(q) = &r.billing_increment {
            match self.positive_duration(q, "billing_increment") {
                Some(v) => c.increment_s = v,
                None => ok = false,
            }
        }
        if let Some(q) = &r.after_hours_leg {
            match self.quantity(q, Unit::Seconds) {
                Some(v) if v >= 0.0 => c.after_hours_leg_s = v,
                Some(_) => {
                    self.err(&q.span(), "after_hours_leg cannot be negative");
                    ok = false;
                }
                None => ok = false,
            }
        }
        for (field, target) in [
            (&r.inbound_per_min, &mut c.inbound),
            (&r.toll_free_inbound_per_min, &mut c.toll_free_inbound),
            (&r.outbound_per_min, &mut c.outbound),
            (&r.agent_leg_per_min, &mut c.agent_leg),
            (&r.conference_per_min, &mut c.conference),
            (&r.recording_per_min, &mut c.recording),
            (&r.transcription_per_min, &mut c.transcription),
            (&r.per_segment_in, &mut c.segment_in),
            (&r.per_segment_out, &mut c.segment_out),
            (&r.carrier_fee_per_segment, &mut c.carrier_fee),
            (&r.per_message_in, &mut c.message_in),
            (&r.per_message_out, &mut c.message_out),
            (&r.per_conversation, &mut c.per_conversation),
            (&r.monthly_active_user, &mut c.active_user),
        ] {
            if let Some(p) = field {
                match self.price(p) {
                    Some(x) => *target = x,
                    None => ok = false,
                }
            }
        }
        for (both, own_in, own_out, ins, outs) in [
            (
                &r.per_segment,
                r.per_segment_in.is_some(),
                r.per_segment_out.is_some(),
                &mut c.segment_in,
                &mut c.segment_out,
            ),
            (
                &r.per_message,
                r.per_message_in.is_some(),
                r.per_message_out.is_some(),
                &mut c.message_in,
                &mut c.message_out,
            ),
        ] {
            // The two-way key sets both directions, except one the same
            // table prices on its own (applied above).
            if let Some(p) = both {
                match self.price(p) {
                    Some(x) => {
                        if !own_in {
                            *ins = x.clone();
                        }
                        if !own_out {
                            *outs = x;
                        }
                    }
                    None => ok = false,
                }
            }
        }
        if let Some(b) = &r.record {
            c.record = *b.get_ref();
        }
        if let Some(b) = &r.transcribe {
            c.transcribe = *b.get_ref();
        }
        for (field, target, limit) in [
            (
                &r.messages_per_contact,
                &mut c.messages_per_contact,
                MAX_MESSAGES,
            ),
            (
                &r.segments_per_message,
                &mut c.segments_per_message,
                MAX_SEGMENTS,
            ),
        ] {
            if let Some(d) = field {
                match self.dist(d, Unit::Count) {
                    Some(x) if x.mean() <= limit => *target = Some(x),
                    Some(x) => {
                        self.err(
                            &d.span(),
                            format!(
                                "a mean of at most {limit} is expected here, found {}",
                                x.mean()
                            ),
                        );
                        ok = false;
                    }
                    None => ok = false,
                }
            }
        }
        if let Some(s) = &r.inbound_share {
            if (0.0..=1.0).contains(s.get_ref()) {
                c.inbound_share = *s.get_ref();
            } else {
                self.err(
                    &s.span(),
                    format!(
                        "inbound_share must be between 0 and 1, found {}",
                        s.get_ref()
                    ),
                );
                ok = false;
            }
        }
        ok
    }

    /// A non-negative amount of money below a billion, in µ (so sums of
    /// amounts stay far inside 64-bit integers).
    fn amount(&mut self, v: &Spanned<f64>) -> Option<i64> {
        let x = *v.get_ref();
        if x.is_finite() && (0.0..1e9).contains(&x) {
            Some(micros(x))
        } else {
            self.err(
                &v.span(),
                format!("a price must be a non-negative amount below 1e9, found {x}"),
            );
            None
        }
    }

    /// A flat price or graduated tiers starting at 0 in increasing order.
    fn price(&mut self, p: &Spanned<RawPrice>) -> Option<Price> {
        // Unit prices stay below a million, so quantity × price fits.
        let bad_amount = |x: f64| !(x.is_finite() && (0.0..1e6).contains(&x));
        match p.get_ref() {
            RawPrice::Flat(x) if bad_amount(*x) => {
                self.err(
                    &p.span(),
                    format!("a unit price must be a non-negative amount below 1e6, found {x}"),
                );
                None
            }
            RawPrice::Flat(x) => Some(Price::flat(micros(*x))),
            RawPrice::Tiers(tiers)
                if tiers.iter().any(|t| {
                    let x = t.get_ref();
                    self.has_unreadable_within(&t.span())
                        || self.is_unreadable(&x.above.span())
                        || self.is_unreadable(&x.price.span())
                }) =>
            {
                None // a tier could not be read (reported)
            }
            RawPrice::Tiers(tiers) => {
                let above = |t: &Spanned<super::raw::RawTier>| *t.get_ref().above.get_ref();
                let price = |t: &Spanned<super::raw::RawTier>| *t.get_ref().price.get_ref();
                let starts_at_zero = tiers.first().is_some_and(|t| above(t) == 0.0);
                let increasing = tiers.windows(2).all(|w| above(&w[0]) < above(&w[1]));
                if !starts_at_zero || !increasing || tiers.iter().any(|t| bad_amount(price(t))) {
                    self.err(&p.span(), "volume tiers must start at `above = 0`, increase, and have non-negative prices");
                    return None;
                }
                Some(Price {
                    tiers: tiers.iter().map(|t| (above(t), micros(price(t)))).collect(),
                })
            }
        }
    }
}
