//! Records as stored: ciphertext and metadata, never plaintext. A plaintext value only
//! exists as a [`crate::SecretValue`] returned by an operation that took the password.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::db::RawRecord;
use crate::error::{Error, Result};
use crate::timestamp;

/// Whether two tags are the same tag: compared ignoring case (Unicode lowercase), as the
/// `tag:` filter compares them, so adding, removing, counting and filtering agree.
pub(crate) fn same_tag(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

/// Counts of tags as spelled, merged when they are the same tag (see [`same_tag`]):
/// their counts added, the first spelling in byte order kept.
pub(crate) fn merge_tag_spellings(counts: Vec<(String, u64)>) -> Vec<(String, u64)> {
    let mut merged: Vec<(String, String, u64)> = Vec::with_capacity(counts.len());
    for (tag, n) in counts {
        let folded = tag.to_lowercase();
        match merged.iter_mut().find(|(f, _, _)| *f == folded) {
            Some((_, shown, total)) => {
                *total += n;
                if tag < *shown {
                    *shown = tag;
                }
            }
            None => merged.push((folded, tag, n)),
        }
    }
    merged.into_iter().map(|(_, tag, n)| (tag, n)).collect()
}

/// Plaintext, searchable metadata of a record: label, notes, tags and any other fields.
/// It is not encrypted: never put secrets here.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metadata {
    /// A short human name for the record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Free-form notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Tags for grouping.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Other fields (imports keep URL and username here).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The metadata key that marks a record whose value nothing can open (a Go v1 value).
pub(crate) const UNREADABLE_KEY: &str = "unreadable";

/// Limits on metadata, so a listing stays small and fast.
pub(crate) const MAX_LABEL_CHARS: usize = 200;
pub(crate) const MAX_TAGS: usize = 32;
pub(crate) const MAX_TAG_CHARS: usize = 64;
pub(crate) const MAX_METADATA_BYTES: usize = 64 * 1024;

impl Metadata {
    /// A metadata object with just a label.
    pub fn labelled(label: impl Into<String>) -> Self {
        Self {
            label: Some(label.into()),
            ..Self::default()
        }
    }

    /// Validates the bounds and serializes to the stored JSON text.
    pub(crate) fn to_json(&self) -> Result<String> {
        self.validate()?;
        let json =
            serde_json::to_string(self).map_err(|e| Error::invalid("metadata", e.to_string()))?;
        if json.len() > MAX_METADATA_BYTES {
            return Err(Error::invalid(
                "metadata",
                format!(
                    "is {} bytes as JSON; the limit is {MAX_METADATA_BYTES}",
                    json.len()
                ),
            ));
        }
        Ok(json)
    }

    /// Checks the label and tag bounds, and that every backend can store and search it.
    pub(crate) fn validate(&self) -> Result<()> {
        self.check_no_nul()?;
        if let Some(label) = &self.label
            && label.chars().count() > MAX_LABEL_CHARS
        {
            return Err(Error::invalid(
                "label",
                format!("is longer than {MAX_LABEL_CHARS} characters"),
            ));
        }
        if self.tags.len() > MAX_TAGS {
            return Err(Error::invalid(
                "tags",
                format!("at most {MAX_TAGS} tags are allowed"),
            ));
        }
        if let Some(tag) = self
            .tags
            .iter()
            .find(|t| t.trim().is_empty() || t.chars().count() > MAX_TAG_CHARS)
        {
            return Err(Error::invalid(
                "tags",
                format!("tag {tag:?} must be 1 to {MAX_TAG_CHARS} characters and not blank"),
            ));
        }
        Ok(())
    }

    /// PostgreSQL's `jsonb` cannot hold U+0000: one such row would make every search
    /// (which reads the label through `jsonb`) fail, so no backend accepts it.
    fn check_no_nul(&self) -> Result<()> {
        fn has_nul(v: &serde_json::Value) -> bool {
            match v {
                serde_json::Value::String(s) => s.contains('\0'),
                serde_json::Value::Array(a) => a.iter().any(has_nul),
                serde_json::Value::Object(o) => {
                    o.iter().any(|(k, v)| k.contains('\0') || has_nul(v))
                }
                _ => false,
            }
        }
        let field = if self.label.as_deref().is_some_and(|l| l.contains('\0')) {
            Some("label".to_owned())
        } else if self.notes.as_deref().is_some_and(|n| n.contains('\0')) {
            Some("notes".to_owned())
        } else if self.tags.iter().any(|t| t.contains('\0')) {
            Some("tags".to_owned())
        } else {
            self.extra
                .iter()
                .find(|(k, v)| k.contains('\0') || has_nul(v))
                .map(|(k, _)| k.replace('\0', "\\u0000"))
        };
        match field {
            Some(field) => Err(Error::invalid(
                "metadata",
                format!(
                    "{field} contains a NUL character (U+0000), which cannot be stored; remove it"
                ),
            )),
            None => Ok(()),
        }
    }

    fn from_json(text: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Ok(Self::default());
        }
        serde_json::from_str(text).map_err(|e| Error::Database {
            context: "reading record metadata",
            detail: format!("stored metadata is not a JSON object: {e}"),
        })
    }
}

/// A record as stored: its value is an encrypted envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Stable identifier, generated by the store.
    pub id: String,
    /// The token the value is stored under.
    pub token: String,
    /// The encrypted envelope (`v3:…`, or `v2:…` for records from the Go library).
    pub envelope: String,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// When the value, metadata or state last changed.
    pub updated_at: DateTime<Utc>,
    /// When the token expires; `None` = never.
    pub expires_at: Option<DateTime<Utc>>,
    /// When the record was moved to the trash; `None` = live.
    pub soft_deleted_at: Option<DateTime<Utc>>,
    /// Plaintext metadata.
    pub metadata: Metadata,
}

/// The state of a record at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Live and not expired.
    Active,
    /// Live but past its expiry.
    Expired,
    /// In the trash.
    Deleted,
}

impl Record {
    /// Whether the token has expired at `now` (expiry at exactly `now` counts as expired).
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_some_and(|e| e <= now)
    }

    /// Whether the record is in the trash.
    pub fn is_deleted(&self) -> bool {
        self.soft_deleted_at.is_some()
    }

    /// The record's status at `now`.
    pub fn status_at(&self, now: DateTime<Utc>) -> RecordStatus {
        if self.is_deleted() {
            RecordStatus::Deleted
        } else if self.is_expired_at(now) {
            RecordStatus::Expired
        } else {
            RecordStatus::Active
        }
    }

    pub(crate) fn from_raw(raw: RawRecord) -> Result<Self> {
        let opt = |v: Option<String>| v.as_deref().map(timestamp::from_db).transpose();
        Ok(Self {
            created_at: timestamp::from_db(&raw.created_at)?,
            updated_at: timestamp::from_db(&raw.updated_at)?,
            expires_at: opt(raw.expires_at)?,
            soft_deleted_at: opt(raw.soft_deleted_at)?,
            metadata: Metadata::from_json(&raw.data)?,
            id: raw.id,
            token: raw.token,
            envelope: raw.value,
        })
    }
}
