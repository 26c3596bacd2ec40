//! Imports from other password managers: KeePassXC's CSV export and Bitwarden's
//! unencrypted JSON export. Each entry becomes a record under one password you give:
//! value = the entry's password, label = its title, notes, URL and username in metadata.

use std::str::FromStr;

use serde::Deserialize;
use zeroize::Zeroizing;

use super::bundle::BundleRecord;
use super::import::{ImportOptions, ImportReport};
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::record::Metadata;
use crate::secret::{Password, SecretValue};
use crate::store::{Store, new_id};
use crate::timestamp;
use crate::token;

/// A file format of another password manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum ForeignFormat {
    /// KeePassXC: Database > Export > CSV.
    KeepassxcCsv,
    /// Bitwarden: Tools > Export vault > .json (unencrypted).
    BitwardenJson,
}

impl FromStr for ForeignFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "keepassxc-csv" => Ok(Self::KeepassxcCsv),
            "bitwarden-json" => Ok(Self::BitwardenJson),
            _ => Err(Error::invalid(
                "import format",
                format!("{s:?}; use keepassxc-csv or bitwarden-json"),
            )),
        }
    }
}

/// One entry read from a foreign file. The password is zeroized on drop.
struct Entry {
    title: String,
    username: String,
    password: Zeroizing<String>,
    url: String,
    notes: String,
    group: String,
}

fn bad(format: &str, reason: impl Into<String>) -> Error {
    Error::invalid("import file", format!("{format}: {}", reason.into()))
}

fn parse_keepassxc(bytes: &[u8]) -> Result<Vec<Entry>> {
    const F: &str = "KeePassXC CSV";
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| bad(F, format!("line 1: {e}")))?
        .clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(title), Some(password)) = (column("Title"), column("Password")) else {
        return Err(bad(
            F,
            "line 1: the header has no Title and Password columns; export from KeePassXC with Database > Export > CSV",
        ));
    };
    let (username, url, notes, group) = (
        column("Username"),
        column("URL"),
        column("Notes"),
        column("Group"),
    );
    let mut entries = Vec::new();
    for row in reader.records() {
        // Quoted fields may span lines: the reader knows where a record starts.
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, csv::Position::line);
            bad(F, format!("line {line}: {}", csv_reason(&e)))
        })?;
        let line = row.position().map_or(0, csv::Position::line);
        let get = |c: Option<usize>| c.and_then(|c| row.get(c)).unwrap_or_default().to_owned();
        let entry = Entry {
            title: get(Some(title)),
            username: get(username),
            password: Zeroizing::new(get(Some(password))),
            url: get(url),
            notes: get(notes),
            group: get(group),
        };
        if entry.title.trim().is_empty() {
            return Err(bad(F, format!("line {line}: the entry has no title")));
        }
        entries.push(entry);
    }
    Ok(entries)
}

/// The csv crate's message without its own position prefix (we give the line).
fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!(
            "the row has {len} fields where the header has {expected_len}; check its quoting"
        ),
        csv::ErrorKind::Utf8 { .. } => "the row is not UTF-8 text".into(),
        _ => e.to_string(),
    }
}

#[derive(Deserialize)]
struct BwFile {
    #[serde(default)]
    encrypted: bool,
    #[serde(default)]
    folders: Vec<BwFolder>,
    items: Option<Vec<serde_json::Value>>,
}

#[derive(Deserialize)]
struct BwFolder {
    id: String,
    name: String,
}

fn parse_bitwarden(bytes: &[u8]) -> Result<(Vec<Entry>, u64)> {
    const F: &str = "Bitwarden JSON";
    let file: BwFile = serde_json::from_slice(bytes).map_err(|e| bad(F, e.to_string()))?;
    if file.encrypted {
        return Err(bad(
            F,
            "the export is encrypted; export again choosing the unencrypted .json format",
        ));
    }
    let items = file
        .items
        .ok_or_else(|| bad(F, "there is no \"items\" list; is this a Bitwarden export?"))?;
    let folders: std::collections::HashMap<String, String> =
        file.folders.into_iter().map(|f| (f.id, f.name)).collect();
    let text = |v: &serde_json::Value, key: &str| {
        v.get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut entries = Vec::new();
    let mut unsupported = 0;
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let title = text(item, "name");
        if title.trim().is_empty() {
            return Err(bad(F, format!("item {n}: it has no name")));
        }
        let group = item
            .get("folderId")
            .and_then(serde_json::Value::as_str)
            .and_then(|id| folders.get(id))
            .cloned()
            .unwrap_or_default();
        match item.get("type").and_then(serde_json::Value::as_u64) {
            // 1 = login: the password is the value.
            Some(1) => {
                let login = item.get("login").cloned().unwrap_or_default();
                let url = login
                    .get("uris")
                    .and_then(|u| u.get(0))
                    .map(|u| text(u, "uri"))
                    .unwrap_or_default();
                entries.push(Entry {
                    username: text(&login, "username"),
                    password: Zeroizing::new(text(&login, "password")),
                    url,
                    notes: text(item, "notes"),
                    title,
                    group,
                });
            }
            // 2 = secure note: the note is the secret.
            Some(2) => entries.push(Entry {
                password: Zeroizing::new(text(item, "notes")),
                username: String::new(),
                url: String::new(),
                notes: String::new(),
                title,
                group,
            }),
            // Cards and identities have no single secret value; counted as skipped.
            Some(3 | 4) => unsupported += 1,
            _ => return Err(bad(F, format!("item {n} ({title}): unknown item type"))),
        }
    }
    Ok((entries, unsupported))
}

impl Store {
    /// Imports a KeePassXC CSV or Bitwarden JSON export: every entry becomes a record with
    /// a new random token, sealed under `password`. Validated whole before writing; one
    /// transaction. Bitwarden cards and identities are counted as skipped.
    pub async fn import_foreign(
        &self,
        format: ForeignFormat,
        bytes: &[u8],
        password: &Password,
        options: ImportOptions,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<ImportReport> {
        let (entries, unsupported) = match format {
            ForeignFormat::KeepassxcCsv => (parse_keepassxc(bytes)?, 0),
            ForeignFormat::BitwardenJson => parse_bitwarden(bytes)?,
        };
        self.inner.policy.check(password)?;
        let sealer = self
            .inner
            .crypto
            .batch_sealer(password, self.inner.vault_kdf, cancel)
            .await?;
        let now = self.now();
        let stamp = timestamp::to_db(now);
        let mut records = Vec::with_capacity(entries.len());
        for (i, e) in entries.into_iter().enumerate() {
            let value = SecretValue::new(e.password.as_str());
            self.check_value(&value).map_err(|err| {
                Error::invalid(
                    "import file",
                    format!("entry {} ({}): {err}", i + 1, e.title),
                )
            })?;
            let mut extra = serde_json::Map::new();
            for (k, v) in [("username", &e.username), ("url", &e.url)] {
                if !v.is_empty() {
                    extra.insert(k.to_owned(), v.clone().into());
                }
            }
            let metadata = Metadata {
                label: Some(
                    e.title
                        .chars()
                        .take(crate::record::MAX_LABEL_CHARS)
                        .collect(),
                ),
                notes: Some(e.notes).filter(|n| !n.is_empty()),
                tags: Some(e.group)
                    .filter(|g| !g.is_empty() && g != "Root")
                    .map(|g| g.chars().take(crate::record::MAX_TAG_CHARS).collect())
                    .into_iter()
                    .collect(),
                extra,
            };
            let json = metadata.to_json().map_err(|err| {
                Error::invalid(
                    "import file",
                    format!("entry {} ({}): {err}", i + 1, e.title),
                )
            })?;
            let data = serde_json::value::RawValue::from_string(json)
                .map_err(|err| Error::invalid("import file", err.to_string()))?;
            let token = token::generate(token::DEFAULT_GENERATED_LEN)?;
            records.push(BundleRecord {
                id: new_id(now)?,
                value: sealer.seal(&value, &token)?,
                token,
                created_at: stamp.clone(),
                updated_at: stamp.clone(),
                expires_at: None,
                soft_deleted_at: None,
                data,
            });
        }
        let mut report = self
            .import_records(records, options, &on_progress, cancel)
            .await?;
        report.skipped += unsupported;
        Ok(report)
    }
}

#[cfg(test)]
mod fuzz_tests;
mod preview;

pub use preview::{Dropped, ForeignPreview, preview_foreign};
