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

/// Parses a stored-form time that came from outside the vault (a bundle, another table).
/// It is accepted only if it is exactly what [`to_db`] writes for it, years 1 to 9999:
/// every filter, sort, cursor and purge compares the text, so a form chrono merely
/// tolerates (`" 2026-…"`, `"2026-1-2T…"`, `"+10000-…"`, no fraction) would sort wrong.
pub(crate) fn from_outside(text: &str) -> std::result::Result<DateTime<Utc>, String> {
    use chrono::Datelike;
    // The fixed-width shape (every field zero-padded, no sign, no spaces) plus a
    // successful parse is exactly "formats back to itself", without formatting: an
    // import checks hundreds of thousands of these.
    let shaped = text.len() == 27
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            10 => b == b'T',
            13 | 16 => b == b':',
            19 => b == b'.',
            26 => b == b'Z',
            _ => b.is_ascii_digit(),
        });
    match NaiveDateTime::parse_from_str(text, FORMAT) {
        Ok(n) if shaped && (1..=9999).contains(&n.year()) => Ok(n.and_utc()),
        _ => {
            let shown: String = text.chars().take(40).collect();
            Err(format!(
                "{shown:?} is not a vault timestamp: expected UTC like \"2026-01-02T03:04:05.000000Z\" (years 1 to 9999)"
            ))
        }
    }
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

    #[test]
    fn times_from_outside_are_accepted_only_in_the_stored_form() {
        assert!(from_outside("2026-01-02T03:04:05.000000Z").is_ok());
        assert!(from_outside("0001-01-01T00:00:00.000000Z").is_ok());
        assert!(from_outside("9999-12-31T23:59:59.999999Z").is_ok());
        // Accepted means: stored exactly as given.
        for t in ["2026-01-02T03:04:05.000000Z", "2024-02-29T23:59:59.123456Z"] {
            assert_eq!(from_outside(t).map(to_db).as_deref(), Ok(t));
        }
        for bad in [
            " 2026-01-02T03:04:05.000000Z",
            "2026-01-02T03:04:05.000000Z ",
            "999-01-02T03:04:05.000000Z",
            "+10000-01-01T00:00:00.000000Z",
            "0000-01-01T00:00:00.000000Z",
            "2026-1-2T03:04:05.000000Z",
            "2026-01-02T03:04:05Z",
            "2026-01-02T03:04:05.123Z",
            "2026-01-02T03:04:05.000000",
            "2026-02-30T00:00:00.000000Z",
            "2026-01-02T03:04:05.0000001Z",
            "2026-01-02 03:04:05.000000Z",
            "",
        ] {
            assert!(from_outside(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
