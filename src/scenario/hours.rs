//! Calendars: the simulation's start date and time zone, and `[[hours]]`
//! business-hours calendars resolved to open intervals of simulated time
//! (time zones and daylight-saving changes applied by `jiff` with its bundled
//! tz database, so results do not depend on the host).

use super::Hours;
use super::raw::RawHours;
use super::validate::Validator;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use toml::Spanned;

/// Where simulated time 0 is on the calendar.
#[derive(Debug, Clone)]
pub(super) struct Anchor {
    pub start: DateTime,
    pub tz: TimeZone,
    /// Unix seconds of time 0.
    pub epoch_s: i64,
}

/// The weekday names of `taskrouter.dayOfWeek`, Monday first; also how
/// diagnostics name a weekday.
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Parses a weekday name, short (`mon`) or full (`monday`), any case, to
/// 0 = Monday … 6 = Sunday.
pub(super) fn weekday(name: &str) -> Option<u8> {
    const SHORT: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    const FULL: [&str; 7] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let name = name.trim().to_ascii_lowercase();
    SHORT
        .iter()
        .zip(FULL)
        .position(|(short, full)| name == *short || name == full)
        .map(|i| i as u8)
}

fn zone(v: &mut Validator<'_>, name: &Spanned<String>) -> Option<TimeZone> {
    match TimeZone::get(name.get_ref()) {
        Ok(tz) => Some(tz),
        Err(_) => {
            v.err(&name.span(), format!("unknown time zone \"{}\"; expected an IANA name such as \"UTC\", \"Europe/London\" or \"America/New_York\"", name.get_ref()));
            None
        }
    }
}

/// Parses `[simulation] start`/`timezone`. Without `start`, time 0 is local
/// midnight of the Monday 2024-01-01 moved to `start_weekday`.
pub(super) fn anchor(
    v: &mut Validator<'_>,
    start: Option<&Spanned<String>>,
    timezone: Option<&Spanned<String>>,
    start_weekday: u8,
) -> Option<Anchor> {
    let tz = match timezone {
        Some(t) => zone(v, t)?,
        None => TimeZone::UTC,
    };
    let dt = match start {
        None => Date::constant(2024, 1, 1)
            .at(0, 0, 0, 0)
            .checked_add(jiff::Span::new().days(i64::from(start_weekday)))
            .ok()?,
        Some(s) => {
            let text = s.get_ref().trim();
            let parsed = text
                .parse::<DateTime>()
                .or_else(|_| text.parse::<Date>().map(|d| d.at(0, 0, 0, 0)));
            match parsed {
                Ok(dt) if dt.time() == Time::midnight() => dt,
                Ok(_) => {
                    v.err(&s.span(), "`start` must be a local midnight (simulated days, shifts and profiles count from it), e.g. \"2026-12-21\"");
                    return None;
                }
                Err(_) => {
                    v.err(&s.span(), format!("expected a date such as \"2026-12-21\" or \"2026-12-21T00:00\", found \"{text}\""));
                    return None;
                }
            }
        }
    };
    let epoch_s = match tz.to_timestamp(dt) {
        Ok(ts) => ts.as_second(),
        Err(e) => {
            let span = start.map_or(0..0, |s| s.span());
            v.err(
                &span,
                format!("`start` does not exist in that time zone: {e}"),
            );
            return None;
        }
    };
    Some(Anchor {
        start: dt,
        tz,
        epoch_s,
    })
}

/// Parses "08:00-12:00, 13:00-18:00" into (start, end) seconds after midnight;
/// an end at or before the start crosses midnight.
fn ranges(text: &str) -> Result<Vec<(i64, i64)>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (a, b) = part
            .split_once('-')
            .filter(|(a, b)| a.contains(':') && b.contains(':'))
            .ok_or_else(|| format!("expected \"HH:MM-HH:MM\", found \"{part}\""))?;
        let a = super::units::parse_clock(a.trim())? as i64;
        let b = super::units::parse_clock(b.trim())? as i64;
        out.push((a, if b <= a { b + 86_400 } else { b }));
    }
    Ok(out)
}

/// Resolves one `[[hours]]` calendar over `[0, end_s]` of simulated time.
pub(super) fn hours(
    v: &mut Validator<'_>,
    raw: &Spanned<RawHours>,
    anchor: &Anchor,
    end_s: f64,
) -> Option<Hours> {
    let r = raw.get_ref();
    let tz = match &r.timezone {
        Some(t) => zone(v, t)?,
        None => anchor.tz.clone(),
    };
    let mut week: [Vec<(i64, i64)>; 7] = Default::default();
    let mut ok = true;
    for (day, text) in r.open.get_ref() {
        let Some(i) = weekday(day.get_ref()).map(usize::from) else {
            v.err(
                &day.span(),
                format!(
                    "expected a weekday (mon, tue, wed, thu, fri, sat, sun), found \"{}\"",
                    day.get_ref()
                ),
            );
            ok = false;
            continue;
        };
        match ranges(text.get_ref()) {
            Ok(rs) => week[i] = rs,
            Err(e) => {
                v.err(&text.span(), e);
                ok = false;
            }
        }
    }
    let mut holidays = Vec::new();
    for h in &r.holidays {
        match h.get_ref().trim().parse::<Date>() {
            Ok(d) => holidays.push(d),
            Err(_) => {
                v.err(
                    &h.span(),
                    format!("expected a date \"YYYY-MM-DD\", found \"{}\"", h.get_ref()),
                );
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    // Walk local dates from the day before the start to the day after the end.
    let first = anchor.start.date().yesterday().ok()?;
    let days = (end_s / 86_400.0).ceil() as i64 + 3;
    let mut open: Vec<(f64, f64)> = Vec::new();
    let mut date = first;
    for _ in 0..days {
        if !holidays.contains(&date) {
            let wd = date.weekday().to_monday_zero_offset() as usize;
            for &(a, b) in &week[wd] {
                let at = |secs: i64| -> Option<f64> {
                    let dt = date
                        .at(0, 0, 0, 0)
                        .checked_add(jiff::Span::new().seconds(secs))
                        .ok()?;
                    Some((tz.to_timestamp(dt).ok()?.as_second() - anchor.epoch_s) as f64)
                };
                if let (Some(x), Some(y)) = (at(a), at(b))
                    && y > 0.0
                    && x < end_s
                {
                    open.push((x.max(0.0), y.min(end_s)));
                }
            }
        }
        date = date.tomorrow().ok()?;
    }
    open.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64)> = Vec::new();
    for (a, b) in open {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    Some(Hours {
        name: r.name.get_ref().clone(),
        open: merged,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_short_or_full_in_any_case() {
        assert_eq!(weekday("mon"), Some(0));
        assert_eq!(weekday("Sunday"), Some(6));
        assert_eq!(weekday(" WED "), Some(2));
        assert_eq!(weekday("mond"), None);
        assert_eq!(weekday("sundays"), None);
    }

    #[test]
    fn ranges_parse_and_cross_midnight() {
        assert_eq!(
            ranges("08:00-12:00, 13:00-18:00").unwrap(),
            vec![(28_800, 43_200), (46_800, 64_800)]
        );
        assert_eq!(ranges("22:00-06:00").unwrap(), vec![(79_200, 108_000)]);
        assert!(ranges("8-12").is_err());
    }
}
