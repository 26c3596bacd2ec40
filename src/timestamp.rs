//! Timestamps as stored: fixed-width UTC text with microseconds,
//! `2026-11-26T23:54:55.123456Z`, which sorts lexicographically in time order and reads
//! back identically from SQLite, PostgreSQL and MySQL (all store it as text).

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};

use crate::error::{Error, Result};

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// Formats a time for storage. Years outside 0000..=9999 would break the fixed width and
/// the ordering, so the store rejects them before they get here (see [`check_range`]).
pub(crate) fn to_db(at: DateTime<Utc>) -> String {
    at.format(FORMAT).to_string()
}

/// Parses a stored time.
pub(crate) fn from_db(text: &str) -> Result<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text, FORMAT)
        .map(|n| n.and_utc())
        .map_err(|_| Error::Database {
            context: "reading a timestamp",
            detail: format!("stored time {text:?} is not in the vault's format"),
        })
}

/// Truncates to the stored precision, so a time read back equals the time written.
pub(crate) fn truncate(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// Rejects times the fixed-width format cannot order (before year 1 or after 9999).
pub(crate) fn check_range(field: &'static str, at: DateTime<Utc>) -> Result<DateTime<Utc>> {
    use chrono::Datelike;
    if (1..=9999).contains(&at.year()) {
        Ok(truncate(at))
    } else {
        Err(Error::invalid(
            field,
            "must be between the years 1 and 9999",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn stored_times_round_trip_and_sort_in_time_order() {
        let a = Utc
            .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
            .single()
            .unwrap_or_default();
        let b = a + chrono::Duration::microseconds(1);
        assert_eq!(to_db(a), "2026-01-02T03:04:05.000000Z");
        assert!(to_db(a) < to_db(b));
        assert_eq!(from_db(&to_db(b)).ok(), Some(b));
        assert!(from_db("2026-01-02 03:04:05").is_err());
    }
}
