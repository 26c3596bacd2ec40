//! What a foreign import would bring in and what it would leave behind, read from the
//! file alone: no password, no key derivation, nothing written.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{ForeignFormat, parse_bitwarden, parse_keepassxc};
use crate::error::Result;

/// The KeePassXC columns an import keeps (as value, label, username, URL, notes, tag).
const KEEPASSXC_KEPT: [&str; 6] = ["Group", "Title", "Username", "Password", "URL", "Notes"];

/// A preview of [`crate::Store::import_foreign`] on a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForeignPreview {
    /// Entries that would become new records (each gets a new token).
    pub new_records: u64,
    /// Entries left out whole: Bitwarden cards and identities, which hold no single secret.
    pub skipped: u64,
    /// What the records would not keep, with how many entries carry it; none when the
    /// import keeps everything the file holds.
    pub dropped: Vec<Dropped>,
}

/// One kind of data an import leaves behind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dropped {
    /// What it is, as the other manager names it (a column, a field or an item type).
    pub what: String,
    /// How many entries carry it.
    pub entries: u64,
}

/// Reads `bytes` as `format` (refused exactly as the import would refuse it) and says
/// what an import would create, skip and drop.
pub fn preview_foreign(format: ForeignFormat, bytes: &[u8]) -> Result<ForeignPreview> {
    let mut dropped = BTreeMap::new();
    let (entries, skipped) = match format {
        ForeignFormat::KeepassxcCsv => {
            let entries = parse_keepassxc(bytes)?.len();
            keepassxc_dropped(bytes, &mut dropped);
            (entries, 0)
        }
        ForeignFormat::BitwardenJson => {
            let (entries, skipped) = parse_bitwarden(bytes)?;
            bitwarden_dropped(bytes, &mut dropped);
            (entries.len(), skipped)
        }
    };
    Ok(ForeignPreview {
        new_records: entries as u64,
        skipped,
        dropped: dropped
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, entries)| Dropped { what, entries })
            .collect(),
    })
}

/// Counts the non-empty cells of every column the import does not keep (TOTP, Icon,
/// Last Modified, Created, …). The file already parsed, so errors cannot occur here.
fn keepassxc_dropped(bytes: &[u8], dropped: &mut BTreeMap<String, u64>) {
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
    let Ok(headers) = reader.headers().cloned() else {
        return;
    };
    let others: Vec<(usize, String)> = headers
        .iter()
        .enumerate()
        .filter(|(_, h)| {
            !KEEPASSXC_KEPT
                .iter()
                .any(|k| h.trim().eq_ignore_ascii_case(k))
        })
        .map(|(i, h)| (i, format!("{} column", h.trim())))
        .collect();
    for row in reader.records().map_while(std::result::Result::ok) {
        for (i, name) in &others {
            if row.get(*i).is_some_and(|v| !v.trim().is_empty()) {
                *dropped.entry(name.clone()).or_default() += 1;
            }
        }
    }
}

/// Counts, per item, the Bitwarden fields a record has no place for.
fn bitwarden_dropped(bytes: &[u8], dropped: &mut BTreeMap<String, u64>) {
    use serde_json::Value;
    let Ok(file) = serde_json::from_slice::<Value>(bytes) else {
        return;
    };
    let Some(items) = file.get("items").and_then(Value::as_array) else {
        return;
    };
    let non_empty = |v: Option<&Value>| match v {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        _ => false,
    };
    let mut count = |what: &str, present: bool| {
        if present {
            *dropped.entry(what.to_owned()).or_default() += 1;
        }
    };
    for item in items {
        let login = item.get("login");
        let kind = item.get("type").and_then(Value::as_u64);
        count("card items (no single secret)", kind == Some(3));
        count("identity items (no single secret)", kind == Some(4));
        count("TOTP secrets", non_empty(login.and_then(|l| l.get("totp"))));
        count(
            "passkeys",
            non_empty(login.and_then(|l| l.get("fido2Credentials"))),
        );
        count(
            "URIs after the first",
            login
                .and_then(|l| l.get("uris"))
                .and_then(Value::as_array)
                .is_some_and(|u| u.len() > 1),
        );
        count("custom fields", non_empty(item.get("fields")));
        count("password history", non_empty(item.get("passwordHistory")));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEEPASSXC: &str = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\"
\"Root\",\"Mail\",\"me\",\"p\",\"https://mail.example.org\",\"\",\"otpauth://totp/x?secret=AB\",\"0\",\"2024-01-01T00:00:00Z\"
\"Root\",\"VPN\",\"me\",\"q\",\"\",\"\",\"\",\"0\",\"\"
";

    const BITWARDEN: &str = r#"{"encrypted":false,"folders":[],"items":[
 {"type":1,"name":"GitHub","login":{"password":"a","totp":"JBSW","uris":[{"uri":"https://github.com"},{"uri":"https://gist.github.com"}]},"fields":[{"name":"pin","value":"1"}]},
 {"type":1,"name":"Plain","login":{"password":"b","totp":null,"uris":[]},"fields":[],"passwordHistory":[{"password":"old"}]},
 {"type":2,"name":"Note","notes":"n"},
 {"type":3,"name":"Visa","card":{"number":"4111"}},
 {"type":4,"name":"Me","identity":{"firstName":"A"}}
]}"#;

    fn dropped(pairs: &[(&str, u64)]) -> Vec<Dropped> {
        pairs
            .iter()
            .map(|(what, entries)| Dropped {
                what: (*what).to_owned(),
                entries: *entries,
            })
            .collect()
    }

    #[test]
    fn a_keepassxc_preview_names_the_columns_left_behind_with_their_counts() {
        let p = preview_foreign(ForeignFormat::KeepassxcCsv, KEEPASSXC.as_bytes()).unwrap();
        assert_eq!((p.new_records, p.skipped), (2, 0));
        assert_eq!(
            p.dropped,
            dropped(&[
                ("Icon column", 2),
                ("Last Modified column", 1),
                ("TOTP column", 1)
            ]),
            "empty cells are not data lost; kept columns are not listed"
        );
    }

    #[test]
    fn a_bitwarden_preview_counts_skipped_items_and_every_field_left_behind() {
        let p = preview_foreign(ForeignFormat::BitwardenJson, BITWARDEN.as_bytes()).unwrap();
        assert_eq!((p.new_records, p.skipped), (3, 2));
        assert_eq!(
            p.dropped,
            dropped(&[
                ("TOTP secrets", 1),
                ("URIs after the first", 1),
                ("card items (no single secret)", 1),
                ("custom fields", 1),
                ("identity items (no single secret)", 1),
                ("password history", 1),
            ])
        );
    }

    #[test]
    fn a_file_the_import_refuses_is_refused_by_the_preview_too() {
        let err = preview_foreign(
            ForeignFormat::BitwardenJson,
            b"{\"items\":[{\"type\":9,\"name\":\"x\"}]}",
        )
        .unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::InvalidInput, "{err}");
        assert!(err.to_string().contains("item 1"), "{err}");
        let err = preview_foreign(ForeignFormat::KeepassxcCsv, b"Name,Secret\na,b\n").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }
}
