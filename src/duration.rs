//! Durations as people type them: a whole number and one unit, `90s`, `15m`, `12h`,
//! `30d`, `2w`. One parser for the query language (`expires:<14d`) and the command line
//! (`--expires-in`, `--expiring-within`), so both accept and refuse the same text.

use chrono::Duration;

use crate::error::{Error, Result};

/// Longest accepted duration in seconds: 100 years of 366 days. Bounded so that "now"
/// plus or minus it stays a time every backend stores and compares as text.
pub const MAX_SECONDS: i64 = 100 * 366 * 24 * 3600;

/// Parses `text` (`90s`, `15m`, `12h`, `30d`, `2w`; 0 to 100 years) or refuses it as
/// [`Error::InvalidInput`] on the field `duration`.
pub fn parse(text: &str) -> Result<Duration> {
    parse_reason(text).map_err(|reason| Error::invalid("duration", reason))
}

/// [`parse`] with the refusal as a sentence that names `text`, for callers that report it
/// under a field of their own (a query term).
pub(crate) fn parse_reason(text: &str) -> std::result::Result<Duration, String> {
    let bad =
        || format!("{text:?} is not understood; use a number and a unit: 90s, 15m, 12h, 30d, 2w");
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
        _ => Err(format!("{text:?} is out of range (0 to 100 years)")),
    }
}

/// Whether a duration built in code (not parsed) is within the parser's bounds.
pub(crate) fn in_range(d: Duration) -> bool {
    d >= Duration::zero() && d <= Duration::seconds(MAX_SECONDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_mean_seconds_and_bad_text_is_invalid_input() {
        assert_eq!(parse("2w").ok(), Some(Duration::days(14)));
        assert_eq!(parse("0d").ok(), Some(Duration::zero()));
        for bad in ["", "14", "d", "abc", "5é", "1.5d", "-1d", "999999999999w"] {
            let e = parse(bad).err();
            assert_eq!(e.as_ref().and_then(Error::field), Some("duration"), "{bad}");
        }
    }
}
