//! Fuzz targets for the command line's own parsers: durations (`--expires-in`,
//! `--expiring-within`) and RFC 3339 times (`--expires-at`). Whatever a user types must
//! come back as a value or as `Failure::Input` (exit 7), never as a crash.
//!
//! Case counts: proptest's default (256 per target) keeps `cargo test` fast;
//! `PROPTEST_CASES` (set by `make fuzz`) raises them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use proptest::prelude::*;

use crate::duration::{parse_duration, parse_time};
use crate::failure::Failure;

/// The parser's bound: 100 years of 366 days.
const MAX_SECONDS: i64 = 100 * 366 * 24 * 3600;

const UNITS: [(char, i64); 5] = [
    ('s', 1),
    ('m', 60),
    ('h', 3600),
    ('d', 86_400),
    ('w', 604_800),
];

/// Found by `any_text_is_a_duration_or_refused_as_input`: the unit was split off at the
/// last *byte*, so a multi-byte last character (`--expiring-within 5é`) panicked.
#[test]
fn a_duration_ending_in_a_multi_byte_character_is_refused_not_a_crash() {
    for text in ["5é", "é", "1ß", "10€", "🙂", "5mé", "5\u{301}"] {
        match parse_duration(text) {
            Err(Failure::Input(msg)) => assert!(msg.contains("not understood"), "{text}: {msg}"),
            other => panic!("{text:?} gave {other:?}"),
        }
    }
}

#[test]
fn the_documented_examples_parse() {
    for (text, secs) in [
        ("90s", 90),
        ("15m", 900),
        ("12h", 43_200),
        ("30d", 2_592_000),
        ("2w", 1_209_600),
    ] {
        assert_eq!(parse_duration(text).unwrap(), Duration::seconds(secs));
    }
}

fn check_duration(text: &str) -> Result<(), TestCaseError> {
    match parse_duration(text) {
        Ok(d) => {
            prop_assert!(d >= Duration::zero() && d <= Duration::seconds(MAX_SECONDS));
            // Only ASCII digits, an optional sign and one ASCII unit letter are accepted.
            let unit = text.chars().last().unwrap_or(' ');
            prop_assert!(UNITS.iter().any(|(u, _)| *u == unit), "{text:?} accepted");
        }
        Err(Failure::Input(_)) => {}
        Err(other) => prop_assert!(false, "{text:?} gave {other:?}"),
    }
    Ok(())
}

fn check_time(text: &str) -> Result<(), TestCaseError> {
    match parse_time(text) {
        Ok(t) => {
            // Whatever was accepted is a real instant that reads back as itself.
            let again = t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
            prop_assert_eq!(parse_time(&again).ok(), Some(t), "{:?}", text);
        }
        Err(Failure::Input(_)) => {}
        Err(other) => prop_assert!(false, "{text:?} gave {other:?}"),
    }
    Ok(())
}

proptest! {
    #[test]
    fn any_text_is_a_duration_or_refused_as_input(text in any::<String>()) {
        check_duration(&text)?;
    }

    #[test]
    fn text_shaped_like_a_duration_is_a_duration_or_refused(
        text in "[-+ ]?[0-9]{0,21}(s|m|h|d|w|S|é|€|ß|🙂|\u{301}| |)[smhdw]?"
    ) {
        check_duration(&text)?;
    }

    #[test]
    fn a_number_and_a_unit_mean_that_many_seconds(
        n in 0i64..=(MAX_SECONDS + 10),
        unit in prop::sample::select(UNITS.to_vec()),
    ) {
        let text = format!("{n}{}", unit.0);
        match (n.checked_mul(unit.1), parse_duration(&text)) {
            (Some(s), Ok(d)) if s <= MAX_SECONDS => prop_assert_eq!(d, Duration::seconds(s)),
            (_, Err(Failure::Input(msg))) => {
                prop_assert!(n.saturating_mul(unit.1) > MAX_SECONDS, "{text}: {msg}");
                prop_assert!(msg.contains("out of range"), "{text}: {msg}");
            }
            (_, other) => prop_assert!(false, "{text} gave {other:?}"),
        }
    }

    #[test]
    fn any_text_is_a_time_or_refused_as_input(text in any::<String>()) {
        check_time(&text)?;
    }

    #[test]
    fn text_shaped_like_a_time_is_a_time_or_refused(
        text in "[0-9+-]{1,6}-[0-9]{1,3}-[0-9]{1,3}[Tt ][0-9]{1,3}:[0-9]{1,3}:[0-9]{1,3}(\\.[0-9]{0,12})?(Z|z|[+-][0-9]{2}:[0-9]{2}|é|)"
    ) {
        check_time(&text)?;
    }

    #[test]
    fn an_rfc3339_time_reads_back_as_the_same_instant(
        secs in -62_135_596_800i64..=253_402_300_799i64,
        nanos in 0u32..1_000_000_000,
        offset_minutes in -(23 * 60 + 59)..=(23 * 60 + 59),
    ) {
        let t = DateTime::<Utc>::from_timestamp(secs, nanos).unwrap();
        let zone = chrono::FixedOffset::east_opt(offset_minutes * 60).unwrap();
        let text = t.with_timezone(&zone).to_rfc3339_opts(SecondsFormat::Nanos, false);
        prop_assert_eq!(parse_time(&text).ok(), Some(t), "{}", text);
    }
}
