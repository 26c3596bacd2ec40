//! Metadata edits that merge: a client changes the keys it shows and every other key of
//! the stored object survives (imports keep URL, username and flags such as `unreadable`
//! in [`Metadata::extra`]).
//!
//! The read and the write happen in one write transaction; PostgreSQL and MySQL lock the
//! row (`SELECT … FOR UPDATE`), SQLite holds its write lock from the start (`BEGIN
//! IMMEDIATE`), so two concurrent edits of different keys both survive.

use std::collections::BTreeMap;

use super::Store;
use crate::error::{Error, Result};
use crate::record::{Metadata, Record};
use crate::timestamp;

/// Longest accepted name of an extra field.
const MAX_FIELD_NAME_CHARS: usize = 64;

/// A change to a record's metadata. `None` leaves a part as it is; everything not named
/// here is kept. Blank text (only whitespace) clears a label, notes or field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetadataPatch {
    /// `Some(Some(text))` sets the label, `Some(None)` removes it.
    pub label: Option<Option<String>>,
    /// `Some(Some(text))` sets the notes, `Some(None)` removes them.
    pub notes: Option<Option<String>>,
    /// `Some(tags)` replaces the tags (an empty list removes them all).
    pub tags: Option<Vec<String>>,
    /// Extra text fields (`url`, `username`, …): `Some(text)` sets one, `None` removes it.
    pub fields: BTreeMap<String, Option<String>>,
}

fn non_blank(text: Option<&String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty()).cloned()
}

fn check_field_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.chars().count() <= MAX_FIELD_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        return Err(Error::invalid(
            "metadata field",
            format!(
                "{name:?} is not accepted; use 1 to {MAX_FIELD_NAME_CHARS} ASCII letters, digits, '_' or '-'"
            ),
        ));
    }
    if matches!(name, "label" | "notes" | "tags") {
        return Err(Error::invalid(
            "metadata field",
            format!("{name:?} has its own part of the patch; set it there"),
        ));
    }
    Ok(())
}

impl MetadataPatch {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.label.is_none()
            && self.notes.is_none()
            && self.tags.is_none()
            && self.fields.is_empty()
    }

    /// `current` with this patch applied; the result is validated.
    pub fn apply(&self, mut current: Metadata) -> Result<Metadata> {
        for name in self.fields.keys() {
            check_field_name(name)?;
        }
        if let Some(label) = &self.label {
            current.label = non_blank(label.as_ref());
        }
        if let Some(notes) = &self.notes {
            current.notes = non_blank(notes.as_ref());
        }
        if let Some(tags) = &self.tags {
            current.tags.clone_from(tags);
        }
        for (name, value) in &self.fields {
            match non_blank(value.as_ref()) {
                Some(v) => current.extra.insert(name.clone(), v.into()),
                None => current.extra.remove(name),
            };
        }
        current.validate()?;
        Ok(current)
    }
}

impl Store {
    /// Changes the parts of a record's metadata that `patch` names and keeps every other
    /// key; returns the metadata as stored now. Works in any state, so trashed records
    /// can be annotated too. `updated_at` moves only when something changed.
    pub async fn record_patch_metadata(&self, id: &str, patch: &MetadataPatch) -> Result<Metadata> {
        const CTX: &str = "editing metadata";
        super::records::check_id(id)?;
        let mut tx = self.begin_write(CTX).await?;
        let mut select = self.select_records();
        select
            .push(" WHERE id = ")
            .bind(id)
            .push(self.inner.dialect.lock_rows());
        let record = tx
            .target()
            .fetch_records(select, CTX)
            .await?
            .into_iter()
            .next()
            .map(Record::from_raw)
            .transpose()?
            .ok_or_else(|| Error::not_found(id))?;
        let current = record.metadata;
        let merged = patch.apply(current.clone())?;
        if merged == current {
            return Ok(merged); // the transaction rolls back: nothing to write
        }
        let mut update = self.sql(&format!("UPDATE {} SET data = ", self.inner.vault_table));
        update
            .bind(merged.to_json()?)
            .push(", updated_at = ")
            .bind(timestamp::to_db(self.now()))
            .push(" WHERE id = ")
            .bind(id);
        tx.target().execute(update, CTX).await?;
        let note = super::Note::on(super::AuditAction::EditMetadata, &record.token);
        self.audit_in(&mut tx, &[note]).await?;
        tx.commit(CTX).await?;
        Ok(merged)
    }
}
