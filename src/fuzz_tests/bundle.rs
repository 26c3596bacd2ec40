//! Export bundles: any file is either a bundle whose records are exactly what was
//! exported, or refused as a whole with `invalid_input` naming the bundle.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{mutate, mutations, seal_a};
use crate::ErrorCode;
use crate::timestamp;
use crate::transfer::bundle::{self, BundleRecord};

fn t(secs: i64) -> String {
    timestamp::to_db(DateTime::<Utc>::from_timestamp(secs, 0).unwrap())
}

fn record(i: usize) -> BundleRecord {
    let token = format!("tk_bundle_{i}");
    BundleRecord {
        id: format!("0190a1b2c3d4e5f6{i:04}"),
        value: seal_a(&format!("value {i} ✓"), &token),
        token,
        created_at: t(1_900_000_000),
        updated_at: t(1_900_000_100),
        expires_at: i.is_multiple_of(2).then(|| t(2_000_000_000)),
        soft_deleted_at: i.is_multiple_of(3).then(|| t(1_950_000_000)),
        data: RawValue::from_string(format!(
            r#"{{"label":"Record {i}","tags":["a","b"],"url":"https://example.test/{i}"}}"#
        ))
        .unwrap(),
    }
}

fn valid_bundle() -> (Vec<u8>, String) {
    let records: Vec<BundleRecord> = (0..3).map(record).collect();
    let json = serde_json::to_string(&records).unwrap();
    let bytes = bundle::encode(
        records,
        DateTime::<Utc>::from_timestamp(1_900_000_200, 0).unwrap(),
    )
    .unwrap();
    (bytes, json)
}

/// Decodes and checks the contract: on success, the records are `expected` (the
/// checksum covers them byte for byte); on failure, a typed `invalid_input`.
fn check(bytes: &[u8], expected: Option<&str>) -> Result<(), TestCaseError> {
    match bundle::decode(bytes) {
        Ok(records) => {
            let got = serde_json::to_string(&records).unwrap();
            match expected {
                Some(want) => prop_assert_eq!(got.as_str(), want, "decoded other records"),
                None => prop_assert!(false, "arbitrary bytes decoded to {got}"),
            }
        }
        Err(e) => {
            prop_assert_eq!(e.code(), ErrorCode::InvalidInput, "{}", e);
            prop_assert!(e.to_string().contains("bundle"), "{}", e);
        }
    }
    Ok(())
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        "[ -~]{0,8}".prop_map(Value::from),
    ]
}

fn json() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::btree_map("[a-z]{1,6}|label|tags|notes", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Metadata that is valid, nearly valid, or any JSON at all.
fn data() -> impl Strategy<Value = Value> {
    let tags = prop::collection::vec(
        prop_oneof![".{1,8}".prop_map(Value::from), json_leaf()],
        0..40,
    );
    prop_oneof![
        (
            prop::option::of(prop_oneof![".{0,210}".prop_map(Value::from), json_leaf()]),
            prop::option::of(tags),
            prop::option::of(json()),
        )
            .prop_map(|(label, tags, extra)| {
                let mut m = serde_json::Map::new();
                if let Some(l) = label {
                    m.insert("label".into(), l);
                }
                if let Some(t) = tags {
                    m.insert("tags".into(), Value::from(t));
                }
                if let Some(x) = extra {
                    m.insert("extra".into(), x);
                }
                Value::Object(m)
            }),
        json(),
    ]
}

fn timestamp_text() -> impl Strategy<Value = String> {
    prop_oneof![
        (-62_135_596_800i64..=253_402_300_799).prop_map(t),
        "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z",
        "[0-9+-]{0,6}-[0-9]{1,3}-[0-9]{1,3}[T ][0-9:.]{0,16}Z?",
        any::<String>(),
    ]
}

/// A record whose every field is valid, nearly valid or arbitrary.
fn fuzzed_record() -> impl Strategy<Value = BundleRecord> {
    (
        prop_oneof!["[0-9a-f]{20}", "[ -~]{0,70}", any::<String>()],
        prop_oneof![
            Just("tk_same".to_owned()),
            "tk_[A-Za-z0-9_-]{0,100}",
            any::<String>()
        ],
        prop_oneof![
            Just(seal_a("v", "tk_same")),
            "v[23]:[A-Za-z0-9_=-]{0,120}",
            any::<String>()
        ],
        timestamp_text(),
        timestamp_text(),
        prop::option::of(timestamp_text()),
        prop::option::of(timestamp_text()),
        data(),
    )
        .prop_map(
            |(id, token, value, created_at, updated_at, expires_at, soft_deleted_at, data)| {
                BundleRecord {
                    id,
                    token,
                    value,
                    created_at,
                    updated_at,
                    expires_at,
                    soft_deleted_at,
                    data: serde_json::value::to_raw_value(&data).unwrap(),
                }
            },
        )
}

/// A record that every reader must accept.
fn valid_record() -> impl Strategy<Value = BundleRecord> {
    (
        "[0-9a-zA-Z_-]{1,64}",
        "[!-~]{1,100}",
        ".{0,64}",
        prop::array::uniform4(-62_135_596_800i64..=253_402_300_799),
        (any::<bool>(), any::<bool>()),
        (
            // Any text but U+0000, which metadata refuses on every backend.
            prop::option::of("[^\\x00]{0,200}"),
            prop::collection::vec("[a-z]{1,64}", 0..=32),
            prop::option::of("[^\\x00]{0,300}"),
        ),
    )
        .prop_map(
            |(id, token, value, times, (expires, deleted), (label, tags, notes))| {
                let metadata = crate::Metadata {
                    label,
                    notes,
                    tags,
                    extra: serde_json::Map::new(),
                };
                BundleRecord {
                    id,
                    value: seal_a(&value, &token),
                    token,
                    created_at: t(times[0]),
                    updated_at: t(times[1]),
                    expires_at: expires.then(|| t(times[2])),
                    soft_deleted_at: deleted.then(|| t(times[3])),
                    data: serde_json::value::to_raw_value(&metadata).unwrap(),
                }
            },
        )
}

proptest! {
    #[test]
    fn arbitrary_bytes_are_refused_as_an_invalid_bundle(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&bytes, None)?;
    }

    #[test]
    fn arbitrary_json_is_refused_as_an_invalid_bundle(value in json()) {
        check(&serde_json::to_vec(&value).unwrap(), None)?;
    }

    /// A damaged file: either the same records (the damage missed them, e.g. spacing
    /// in the header) or refused whole.
    #[test]
    fn a_damaged_bundle_reads_the_same_records_or_is_refused(edits in mutations(6)) {
        let (bytes, records) = valid_bundle();
        check(&bytes, Some(&records))?;
        check(&mutate(&bytes, &edits), Some(&records))?;
    }

    /// Headers of every shape around valid records with a correct checksum.
    #[test]
    fn a_bundle_with_any_header_is_read_only_when_the_header_is_right(
        format in prop_oneof![Just(Value::from(bundle::FORMAT)), json_leaf()],
        version in prop_oneof![Just(Value::from(bundle::VERSION)), json_leaf()],
        exported_at in prop_oneof![timestamp_text().prop_map(Value::from), json_leaf()],
        count in prop_oneof![Just(Value::from(3)), json_leaf()],
    ) {
        let (bytes, records) = valid_bundle();
        // Raw values: the records stay byte for byte what the checksum covers.
        let mut file: std::collections::BTreeMap<String, Box<RawValue>> =
            serde_json::from_slice(&bytes).unwrap();
        let raw = |v: Value| serde_json::value::to_raw_value(&v).unwrap();
        let right_header = format.as_str() == Some(bundle::FORMAT)
            && version.as_u64() == Some(u64::from(bundle::VERSION))
            && exported_at.as_str().is_some_and(|s| timestamp::from_db(s).is_ok())
            && count.as_u64() == Some(3);
        file.insert("format".into(), raw(format));
        file.insert("version".into(), raw(version));
        file.insert("exported_at".into(), raw(exported_at));
        file.insert("count".into(), raw(count));
        let text = serde_json::to_string(&file).unwrap();
        let result = bundle::decode(text.as_bytes());
        prop_assert_eq!(result.is_ok(), right_header, "{:?}", result.err());
        check(text.as_bytes(), Some(&records))?;
    }

    /// Records of every shape, with a correct checksum: each field is validated.
    #[test]
    fn records_with_any_fields_are_read_back_exactly_or_refused(
        records in prop::collection::vec(fuzzed_record(), 1..4),
    ) {
        let json = serde_json::to_string(&records).unwrap();
        let bytes = bundle::encode(records, DateTime::<Utc>::UNIX_EPOCH).unwrap();
        check(&bytes, Some(&json))?;
    }

    /// And valid records are never refused.
    #[test]
    fn valid_records_are_read_back_exactly(
        records in prop::collection::vec(valid_record(), 1..5)
            .prop_filter("distinct tokens", |rs| {
                let tokens: std::collections::HashSet<_> = rs.iter().map(|r| &r.token).collect();
                tokens.len() == rs.len()
            }),
    ) {
        let json = serde_json::to_string(&records).unwrap();
        let bytes = bundle::encode(records, DateTime::<Utc>::UNIX_EPOCH).unwrap();
        let decoded = bundle::decode(&bytes);
        prop_assert!(decoded.is_ok(), "{:?}", decoded.err());
        check(&bytes, Some(&json))?;
    }
}
