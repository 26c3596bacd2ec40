//! Durations like `90s`, `15m`, `12h`, `30d`, `2w`, and RFC 3339 times.

use chrono::{DateTime, Duration, Utc};

use crate::failure::{Failure, Outcome};

/// Longest accepted duration: 100 years.
const MAX_SECONDS: i64 = 100 * 366 * 24 * 3600;

pub fn parse_duration(text: &str) -> Outcome<Duration> {
    let bad = || {
        Failure::Input(format!(
            "duration {text:?} is not understood; use a number and a unit: 90s, 15m, 12h, 30d, 2w"
        ))
    };
    // The unit is the last character, which need not be one byte long ("5é").
    let split = text.char_indices().next_back().ok_or_else(bad)?.0;
    let (number, unit) = text.split_at(split);
    let n: i64 = number.parse().map_err(|_| bad())?;
    let unit_seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(bad()),
    };
    match n.checked_mul(unit_seconds) {
        Some(s) if (0..=MAX_SECONDS).contains(&s) => Ok(Duration::seconds(s)),
        _ => Err(Failure::Input(format!(
            "duration {text:?} is out of range (0 to 100 years)"
        ))),
    }
}

pub fn parse_time(text: &str) -> Outcome<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Failure::Input(format!(
                "time {text:?} is not RFC 3339; write it like 2026-12-31T23:00:00Z"
            ))
        })
}

/// An expiry from `--expires-at` or `--expires-in`.
pub fn expiry(at: Option<&str>, within: Option<&str>) -> Outcome<Option<DateTime<Utc>>> {
    match (at, within) {
        (Some(t), _) => parse_time(t).map(Some),
        (None, Some(d)) => Ok(Some(Utc::now() + parse_duration(d)?)),
        (None, None) => Ok(None),
    }
}
