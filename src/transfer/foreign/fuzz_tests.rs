//! Fuzz targets for the KeePassXC CSV and Bitwarden JSON readers: any file is read into
//! exactly its entries or refused with a typed `invalid_input`, never a panic.
//! (Case counts: see `crate::fuzz_tests`.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{Entry, parse_bitwarden, parse_keepassxc};
use crate::ErrorCode;
use crate::error::Error;
use crate::fuzz_tests::{mutate, mutations};

fn typed(e: &Error) -> Result<(), TestCaseError> {
    prop_assert_eq!(e.code(), ErrorCode::InvalidInput, "{}", e);
    prop_assert!(e.to_string().contains("import file"), "{}", e);
    Ok(())
}

/// Entries as plain tuples: (title, username, password, url, notes, group).
type Row = (String, String, String, String, String, String);

fn rows(entries: &[Entry]) -> Vec<Row> {
    entries
        .iter()
        .map(|e| {
            (
                e.title.clone(),
                e.username.clone(),
                e.password.to_string(),
                e.url.clone(),
                e.notes.clone(),
                e.group.clone(),
            )
        })
        .collect()
}

fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~\n\r\t\"]{0,12}",
        Just(String::new()),
        Just(" ".to_owned())
    ]
}

const COLUMNS: [&str; 6] = ["Group", "Title", "Username", "Password", "URL", "Notes"];

/// A KeePassXC export written by a CSV writer: the columns in any order, spelled in any
/// case with spaces around, and any text in the fields.
fn keepass_file() -> impl Strategy<Value = (Vec<u8>, Vec<Row>)> {
    (
        Just(COLUMNS.to_vec()).prop_shuffle(),
        prop::collection::vec(any::<(bool, bool)>(), 6),
        prop::collection::vec(prop::collection::vec(field(), 6), 0..5),
    )
        .prop_map(|(order, spelling, fields)| {
            let mut w = csv::Writer::from_writer(Vec::new());
            let header: Vec<String> = order
                .iter()
                .zip(&spelling)
                .map(|(name, (upper, padded))| {
                    let name = if *upper {
                        name.to_uppercase()
                    } else {
                        name.to_lowercase()
                    };
                    if *padded { format!(" {name} ") } else { name }
                })
                .collect();
            w.write_record(&header).unwrap();
            let mut expected = Vec::new();
            for f in &fields {
                w.write_record(f).unwrap();
                let get = |name: &str| f[order.iter().position(|c| *c == name).unwrap()].clone();
                expected.push((
                    get("Title"),
                    get("Username"),
                    get("Password"),
                    get("URL"),
                    get("Notes"),
                    get("Group"),
                ));
            }
            (w.into_inner().unwrap(), expected)
        })
}

fn bitwarden_item() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            field().prop_map(Value::from),
            Just(Value::Null),
            Just(json!(7))
        ],
        prop_oneof![
            (1u64..=4).prop_map(Value::from),
            Just(Value::from(0)),
            Just(Value::from("1")),
            Just(Value::Null)
        ],
        prop::option::of((
            prop_oneof![field().prop_map(Value::from), Just(Value::Null)],
            prop_oneof![field().prop_map(Value::from), Just(json!(["x"]))],
            prop_oneof![
                prop::collection::vec(field(), 0..3).prop_map(|u| Value::from(
                    u.into_iter().map(|u| json!({"uri": u})).collect::<Vec<_>>()
                )),
                Just(json!("not a list")),
                Just(json!([null, 1]))
            ],
        )),
        prop_oneof![field().prop_map(Value::from), Just(Value::Null)],
        prop_oneof![Just(json!("f1")), Just(json!("nope")), Just(Value::Null)],
    )
        .prop_map(|(name, kind, login, notes, folder)| {
            let mut item = json!({"name": name, "type": kind, "notes": notes, "folderId": folder});
            if let Some((username, password, uris)) = login {
                item["login"] = json!({"username": username, "password": password, "uris": uris});
            }
            item
        })
}

/// What the reader must make of an item, or `None` if it must refuse the file.
fn expected_item(item: &Value) -> Option<Option<Row>> {
    let text = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let title = text(item, "name");
    if title.trim().is_empty() {
        return None;
    }
    let group = if item["folderId"] == json!("f1") {
        "Work".to_owned()
    } else {
        String::new()
    };
    match item["type"].as_u64() {
        Some(1) => {
            let login = item.get("login").cloned().unwrap_or_default();
            let url = login
                .get("uris")
                .and_then(|u| u.get(0))
                .map(|u| text(u, "uri"))
                .unwrap_or_default();
            Some(Some((
                title,
                text(&login, "username"),
                text(&login, "password"),
                url,
                text(item, "notes"),
                group,
            )))
        }
        Some(2) => Some(Some((
            title,
            String::new(),
            text(item, "notes"),
            String::new(),
            String::new(),
            group,
        ))),
        Some(3 | 4) => Some(None),
        _ => None,
    }
}

fn bitwarden_file() -> impl Strategy<Value = Value> {
    (prop::collection::vec(bitwarden_item(), 0..5), any::<bool>()).prop_map(|(items, encrypted)| {
        json!({"encrypted": encrypted, "folders": [{"id": "f1", "name": "Work"}], "items": items})
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_are_a_keepass_file_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = parse_keepassxc(&bytes) {
            typed(&e)?;
        }
    }

    #[test]
    fn a_keepass_export_reads_back_its_entries(file in keepass_file()) {
        let (bytes, expected) = file;
        match parse_keepassxc(&bytes) {
            Ok(entries) => {
                prop_assert!(expected.iter().all(|r| !r.0.trim().is_empty()), "an untitled entry was accepted");
                prop_assert_eq!(rows(&entries), expected);
            }
            Err(e) => {
                typed(&e)?;
                prop_assert!(expected.iter().any(|r| r.0.trim().is_empty()), "{}", e);
            }
        }
    }

    #[test]
    fn a_damaged_keepass_export_is_read_or_refused(file in keepass_file(), edits in mutations(6)) {
        if let Err(e) = parse_keepassxc(&mutate(&file.0, &edits)) {
            typed(&e)?;
        }
    }

    #[test]
    fn arbitrary_bytes_are_a_bitwarden_file_or_refused(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Err(e) = parse_bitwarden(&bytes) {
            typed(&e)?;
        }
    }

    #[test]
    fn a_bitwarden_export_reads_back_its_entries(file in bitwarden_file()) {
        let bytes = serde_json::to_vec(&file).unwrap();
        let expected: Option<Vec<Option<Row>>> =
            file["items"].as_array().unwrap().iter().map(expected_item).collect();
        match (parse_bitwarden(&bytes), expected) {
            (Ok(_), _) if file["encrypted"] == json!(true) => prop_assert!(false, "an encrypted export was read"),
            (Ok((entries, unsupported)), Some(items)) => {
                let want: Vec<Row> = items.iter().flatten().cloned().collect();
                prop_assert_eq!(rows(&entries), want);
                prop_assert_eq!(unsupported, items.iter().filter(|i| i.is_none()).count() as u64);
            }
            (Ok(_), None) => prop_assert!(false, "an item without name or known type was accepted"),
            (Err(e), expected) => {
                typed(&e)?;
                prop_assert!(expected.is_none() || file["encrypted"] == json!(true), "{}", e);
            }
        }
    }

    #[test]
    fn a_damaged_bitwarden_export_is_read_or_refused(file in bitwarden_file(), edits in mutations(6)) {
        let bytes = serde_json::to_vec(&file).unwrap();
        if let Err(e) = parse_bitwarden(&mutate(&bytes, &edits)) {
            typed(&e)?;
        }
    }
}
