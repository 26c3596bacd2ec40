//! Durations like `90s`, `15m`, `12h`, `30d`, `2w`, and RFC 3339 times.

use chrono::{DateTime, Duration, Utc};

use crate::failure::{Failure, Outcome};

/// The library's duration parser (the query language's `expires:<14d` uses the same),
/// refusing as bad input (exit 7) with its message.
pub fn parse_duration(text: &str) -> Outcome<Duration> {
    vaultstore::duration::parse(text).map_err(|e| Failure::Input(e.to_string()))
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
