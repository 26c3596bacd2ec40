//! The export bundle: a versioned JSON file of records exactly as stored (values stay
//! sealed), with a SHA-256 over the records so a damaged or edited file is refused.
//!
//! ```json
//! {"format":"vaultstore-bundle","version":1,"exported_at":"…","count":2,
//!  "checksum":"sha256:…","records":[{"id":…,"token":…,"value":"v3:…",…}]}
//! ```

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::crypto;
use crate::db::RawRecord;
use crate::error::{Error, Result};
use crate::record::{MAX_METADATA_BYTES, Metadata, UNREADABLE_KEY};
use crate::timestamp;
use crate::token;

/// The `format` field of every bundle.
pub const FORMAT: &str = "vaultstore-bundle";
/// The bundle version this build writes and reads.
pub const VERSION: u32 = 1;
/// Largest bundle file accepted.
pub const MAX_BUNDLE_BYTES: u64 = 512 * 1024 * 1024;
/// Most records in one bundle.
pub const MAX_RECORDS: usize = 1_000_000;
/// Largest stored envelope accepted (a 1 MiB value in base64 with its header).
pub(crate) const MAX_ENVELOPE_CHARS: usize = 2 * 1024 * 1024;

/// One record as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleRecord {
    /// The record id.
    pub id: String,
    /// The token.
    pub token: String,
    /// The sealed envelope.
    pub value: String,
    /// Stored creation time (the vault's text format).
    pub created_at: String,
    /// Stored update time.
    pub updated_at: String,
    /// Stored expiry, `None` = never.
    pub expires_at: Option<String>,
    /// Stored trash time, `None` = live.
    pub soft_deleted_at: Option<String>,
    /// Metadata object, kept as its JSON text: validated, then stored as it is.
    pub data: Box<serde_json::value::RawValue>,
}

impl BundleRecord {
    /// A stored row as a bundle record: the value and metadata exactly as stored, so
    /// every record round-trips, readable or not. Times are written in the canonical
    /// form the import demands (rows from older versions may hold a looser one).
    pub(crate) fn from_raw(r: RawRecord) -> Result<Self> {
        let time = |t: &str| timestamp::from_db(t).map(timestamp::to_db);
        let opt_time = |t: Option<String>| t.as_deref().map(time).transpose();
        let data = if r.data.trim().is_empty() {
            "{}".to_owned()
        } else {
            r.data
        };
        let data = serde_json::value::RawValue::from_string(data).map_err(|e| Error::Database {
            context: "exporting records",
            detail: format!("record {} has metadata that is not JSON: {e}", r.token),
        })?;
        let data = flag_unreadable(&r.value, data)?;
        Ok(Self {
            created_at: time(&r.created_at)?,
            updated_at: time(&r.updated_at)?,
            expires_at: opt_time(r.expires_at)?,
            soft_deleted_at: opt_time(r.soft_deleted_at)?,
            id: r.id,
            token: r.token,
            value: r.value,
            data,
        })
    }

    /// The record as a row to insert: the bundle's fields are the row's columns.
    pub(crate) fn into_raw(self) -> RawRecord {
        RawRecord {
            id: self.id,
            token: self.token,
            value: self.value,
            created_at: self.created_at,
            updated_at: self.updated_at,
            expires_at: self.expires_at,
            soft_deleted_at: self.soft_deleted_at,
            data: String::from(Box::<str>::from(self.data)),
        }
    }
}

/// The file as read: the records stay raw text until their checksum is verified, and
/// the checksum is computed over exactly those bytes (no re-serialization).
#[derive(Deserialize)]
struct BundleFile<'a> {
    format: Option<String>,
    version: Option<serde_json::Value>,
    exported_at: Option<String>,
    count: Option<u64>,
    checksum: Option<String>,
    #[serde(borrow)]
    records: Option<&'a serde_json::value::RawValue>,
}

#[derive(Serialize)]
struct BundleOut<'a> {
    format: &'a str,
    version: u32,
    exported_at: String,
    count: u64,
    checksum: String,
    records: &'a serde_json::value::RawValue,
}

fn bad(reason: impl Into<String>) -> Error {
    Error::invalid("bundle", reason)
}

/// `sha256:` and the hex digest of `bytes`.
fn checksum(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(7 + 64);
    out.push_str("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Serializes a bundle of `records` with its header; the checksum covers the bytes of
/// the `records` array exactly as written.
pub fn encode(records: Vec<BundleRecord>, exported_at: DateTime<Utc>) -> Result<Vec<u8>> {
    let raw = serde_json::value::to_raw_value(&records).map_err(|e| bad(e.to_string()))?;
    let out = BundleOut {
        format: FORMAT,
        version: VERSION,
        exported_at: timestamp::to_db(exported_at),
        count: records.len() as u64,
        checksum: checksum(raw.get().as_bytes()),
        records: &raw,
    };
    serde_json::to_vec(&out).map_err(|e| bad(e.to_string()))
}

/// Parses and validates a whole bundle: format, version, count, checksum, then every
/// field of every record, and duplicate tokens. Nothing is written before this passes.
pub fn decode(bytes: &[u8]) -> Result<Vec<BundleRecord>> {
    if bytes.len() as u64 > MAX_BUNDLE_BYTES {
        return Err(bad(format!(
            "is {} bytes; the limit is {MAX_BUNDLE_BYTES}",
            bytes.len()
        )));
    }
    let file: BundleFile<'_> = serde_json::from_slice(bytes).map_err(|e| {
        bad(format!(
            "is not valid JSON ({e}); the file is truncated or damaged"
        ))
    })?;
    // Format and version first, so another file is named as such rather than by
    // whichever field it lacks.
    if file.format.as_deref() != Some(FORMAT) {
        return Err(bad(format!(
            "is not a VaultStore bundle (format {:?}, expected {FORMAT:?})",
            file.format.unwrap_or_default()
        )));
    }
    if file.version != Some(serde_json::Value::from(VERSION)) {
        return Err(bad(format!(
            "has version {}; this VaultStore reads version {VERSION}",
            file.version
                .map_or_else(|| "none".to_owned(), |v| v.to_string())
        )));
    }
    let missing = |name: &str| bad(format!("has no {name} field; the file is damaged"));
    let exported_at = file.exported_at.ok_or_else(|| missing("exported_at"))?;
    timestamp::from_db(&exported_at).map_err(|_| bad("has an unreadable exported_at"))?;
    let count = file.count.ok_or_else(|| missing("count"))?;
    let claimed = file.checksum.ok_or_else(|| missing("checksum"))?;
    let raw = file.records.ok_or_else(|| missing("records"))?;
    if checksum(raw.get().as_bytes()) != claimed {
        return Err(bad(
            "checksum does not match its records: the file was damaged or edited",
        ));
    }
    let records: Vec<BundleRecord> =
        serde_json::from_str(raw.get()).map_err(|e| bad(format!("has an invalid record: {e}")))?;
    if records.len() > MAX_RECORDS {
        return Err(bad(format!(
            "has {} records; the limit is {MAX_RECORDS}",
            records.len()
        )));
    }
    if count != records.len() as u64 {
        return Err(bad(format!(
            "says it holds {count} records but holds {}; the file is damaged",
            records.len()
        )));
    }
    // Every record on all cores; the first bad one in file order is named.
    let first_bad = records
        .par_iter()
        .enumerate()
        .map(|(i, r)| validate_record(r).map_err(|why| (i, why)))
        .find_first(std::result::Result::is_err);
    if let Some(Err((i, why))) = first_bad {
        let token = printable(&records[i].token);
        return Err(bad(format!("record {} ({token}): {why}", i + 1)));
    }
    let mut seen = std::collections::HashMap::with_capacity(records.len());
    for (i, r) in records.iter().enumerate() {
        if let Some(first) = seen.insert(r.token.as_str(), i) {
            return Err(bad(format!(
                "records {} and {} have the same token {}",
                first + 1,
                i + 1,
                r.token
            )));
        }
    }
    Ok(records)
}

/// A token as it can be shown in a message, even when it is invalid.
fn printable(token: &str) -> String {
    let shown: String = token.chars().take(40).collect();
    format!("{shown:?}")
}

/// Flags a value that is no envelope this build can open (a Go v1 value, a damaged one)
/// in the record's metadata, so a backup restores it as it is and the app can say why it
/// does not open. Import accepts such a value only with the flag, so an edited bundle is
/// still refused.
pub(crate) fn flag_unreadable(
    value: &str,
    data: Box<serde_json::value::RawValue>,
) -> Result<Box<serde_json::value::RawValue>> {
    if crypto::check_envelope(value).is_ok() {
        return Ok(data);
    }
    let damaged = |e: serde_json::Error| bad(format!("stored metadata is not a JSON object: {e}"));
    let mut map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(data.get()).map_err(damaged)?;
    if map.contains_key(UNREADABLE_KEY) {
        return Ok(data);
    }
    map.insert(
        UNREADABLE_KEY.to_owned(),
        "the value is not an envelope this version can open".into(),
    );
    serde_json::value::to_raw_value(&map).map_err(damaged)
}

fn validate_record(r: &BundleRecord) -> std::result::Result<(), String> {
    token::validate(&r.token).map_err(|e| e.to_string())?;
    if r.id.is_empty() || r.id.len() > 64 || !r.id.chars().all(|c| c.is_ascii_graphic()) {
        return Err("id must be 1 to 64 printable ASCII characters".into());
    }
    if r.value.len() > MAX_ENVELOPE_CHARS {
        return Err(format!(
            "value is longer than {MAX_ENVELOPE_CHARS} characters"
        ));
    }
    for (name, t) in [
        ("created_at", Some(&r.created_at)),
        ("updated_at", Some(&r.updated_at)),
        ("expires_at", r.expires_at.as_ref()),
        ("soft_deleted_at", r.soft_deleted_at.as_ref()),
    ] {
        if let Some(t) = t {
            timestamp::from_outside(t).map_err(|why| format!("{name} {why}"))?;
        }
    }
    let data = r.data.get();
    if data.len() > MAX_METADATA_BYTES {
        return Err(format!("data is larger than {MAX_METADATA_BYTES} bytes"));
    }
    if !data.trim_start().starts_with('{') {
        return Err("data is not a JSON object".into());
    }
    let metadata: Metadata =
        serde_json::from_str(data).map_err(|e| format!("data is not valid metadata: {e}"))?;
    metadata.validate().map_err(|e| e.to_string())?;
    // A value nothing can open is kept only if the exporting vault flagged it so.
    match crypto::check_envelope(&r.value) {
        Err(e) if !metadata.extra.contains_key(UNREADABLE_KEY) => Err(e.to_string()),
        _ => Ok(()),
    }
}
