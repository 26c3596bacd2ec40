//! The public types of bulk changes: what to do to every record a query matches, what
//! a preview shows, and what an apply or an undo reports.
//!
//! The operations are [`crate::Store::bulk_preview`], [`crate::Store::bulk_apply`],
//! [`crate::Store::undo_available`] and [`crate::Store::undo_last`].

use chrono::{DateTime, Duration, Utc};

/// A new expiry for [`BulkAction::Renew`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenewTo {
    /// This time.
    At(DateTime<Utc>),
    /// This long from now.
    In(Duration),
    /// This much later than the current expiry, counted from now when the record has
    /// already expired. A record that never expires is left as it is: extending "never"
    /// is still never (it would otherwise be shortened to now + the duration).
    Extend(Duration),
    /// Never expire.
    Never,
}

/// What a bulk change does to each record its query matches. Records it would not
/// change (restore on a live record, a tag already present, an expiry already equal)
/// are neither counted nor journaled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkAction {
    /// Set the expiry, in any state (trashed records included when the query asks).
    Renew(RenewTo),
    /// Move live records to the trash.
    SoftDelete,
    /// Take trashed records out of the trash.
    Restore,
    /// Delete for good (undo can still put the rows back until the next bulk change).
    DeleteForever,
    /// Add a tag (trimmed) to records that lack it.
    AddTag(String),
    /// Remove a tag from records that have it.
    RemoveTag(String),
}

/// The kind of a bulk change, as the undo journal remembers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkActionKind {
    /// [`BulkAction::Renew`].
    Renew,
    /// [`BulkAction::SoftDelete`].
    SoftDelete,
    /// [`BulkAction::Restore`].
    Restore,
    /// [`BulkAction::DeleteForever`].
    DeleteForever,
    /// [`BulkAction::AddTag`].
    AddTag,
    /// [`BulkAction::RemoveTag`].
    RemoveTag,
}

impl BulkAction {
    /// Its kind.
    pub fn kind(&self) -> BulkActionKind {
        match self {
            Self::Renew(_) => BulkActionKind::Renew,
            Self::SoftDelete => BulkActionKind::SoftDelete,
            Self::Restore => BulkActionKind::Restore,
            Self::DeleteForever => BulkActionKind::DeleteForever,
            Self::AddTag(_) => BulkActionKind::AddTag,
            Self::RemoveTag(_) => BulkActionKind::RemoveTag,
        }
    }
}

/// The parts of a record a bulk change can touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordState {
    /// Expiry; `None` = never.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it went to the trash; `None` = live.
    pub soft_deleted_at: Option<DateTime<Utc>>,
    /// Its tags.
    pub tags: Vec<String>,
}

/// One record's change in a preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkChange {
    /// The record's id.
    pub id: String,
    /// The record's token.
    pub token: String,
    /// Before the change.
    pub before: RecordState,
    /// After it; `None` when the record is deleted for good.
    pub after: Option<RecordState>,
}

/// What a bulk change would do, computed without changing anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkPreview {
    /// How many records it would change.
    pub count: u64,
    /// The first of them in id order (as many as asked for), with before and after.
    pub sample: Vec<BulkChange>,
}

/// What a bulk change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct BulkReport {
    /// How many records it changed (and journaled for undo).
    pub changed: u64,
}

/// The bulk change that [`crate::Store::undo_last`] would revert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UndoSummary {
    /// What it did.
    pub action: BulkActionKind,
    /// How many records it changed.
    pub count: u64,
    /// When.
    pub at: DateTime<Utc>,
}

/// What an undo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoReport {
    /// The change that was reverted.
    pub undone: UndoSummary,
    /// How many records are back as they were before it.
    pub restored: u64,
    /// Tokens left as they are because they changed after the bulk change (or, for a
    /// delete forever, because their token or id is in use again, or their value is a
    /// Go v2 one and the vault retired v2 since).
    pub skipped: Vec<String>,
}
