//! What crosses the IPC boundary: command arguments from the UI and the shapes sent back.
//! Field names are camelCase for JavaScript; every closed set of values (views, filters,
//! sorts, scopes, formats, policies) is an enum, so a bad value is refused while the
//! arguments are read, naming the field (see `errors::Typed`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use vaultstore::{
    DeletedFilter, Metadata, MetadataPatch, Record, RecordQuery, RecordStatus, SortField, SortOrder,
};

use crate::errors::CmdResult;

/// Which records a listing or an export covers: the vault, its Trash, or both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Live records (not in the Trash).
    #[default]
    Vault,
    Trash,
    All,
}

impl From<Scope> for DeletedFilter {
    fn from(scope: Scope) -> Self {
        match scope {
            Scope::Vault => DeletedFilter::Exclude,
            Scope::Trash => DeletedFilter::Only,
            Scope::All => DeletedFilter::Include,
        }
    }
}

impl Scope {
    pub fn query(self) -> RecordQuery {
        RecordQuery::new().deleted(self.into())
    }
}

/// The expiry filter of the records table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expiry {
    #[default]
    All,
    Active,
    Expired,
    Never,
    /// Not yet expired, expiring within `expiringDays`.
    Expiring,
    /// Expired within the last `expiringDays`.
    Lapsed,
}

impl Expiry {
    /// This filter as a term of the query language (`None` for all).
    fn term(self, days: u32) -> Option<String> {
        match self {
            Self::All => None,
            Self::Active => Some("is:active".into()),
            Self::Expired => Some("is:expired".into()),
            Self::Never => Some("is:never".into()),
            Self::Expiring => Some(format!("expires:<{days}d")),
            Self::Lapsed => Some(format!("expired:<{days}d")),
        }
    }
}

/// Filters and paging of the records table.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct ListArgs {
    pub search: Option<String>,
    pub expiry: Expiry,
    /// With `expiring`: within this many days (1..=3650, default 7).
    pub expiring_days: Option<u32>,
    pub view: Scope,
    pub sort: Option<SortField>,
    pub order: Option<SortOrder>,
    pub limit: Option<u32>,
    /// The `next` of the previous page: the rows after it.
    pub after: Option<String>,
    /// The `prev` of a page: the rows just before it (read backwards by keyset).
    pub before: Option<String>,
    /// Rows skipped before the page: from the start, or with `fromEnd` from the end.
    pub offset: Option<u64>,
    /// The page counts from the last row (the reversed order read forwards), so the
    /// last pages cost what the first do.
    pub from_end: bool,
    /// Only the record with this token (a row redrawn in place after a change).
    pub token: Option<String>,
}

/// A page as asked for: the query that reads it, and how its rows come back.
pub struct PageQuery {
    /// The listing in the order shown (its cursors continue it).
    pub shown: RecordQuery,
    /// What runs: `shown`, or for a page read backwards its reversed query.
    pub run: RecordQuery,
    /// The rows come in reverse order (`before` or `fromEnd`).
    pub backwards: bool,
    /// Rows exist on the far side of the page's start (it began at a cursor or offset),
    /// so a cursor back over them is worth returning.
    pub started_inside: bool,
}

impl ListArgs {
    /// The search box's text in the library's query language, with the view and the
    /// expiry menu as terms of the same language: one parser decides what matches, and
    /// a term conflicting with the menus (`is:expired` under "Active") is refused,
    /// naming both.
    pub fn query(&self) -> CmdResult<RecordQuery> {
        let days = self.expiring_days.unwrap_or(7).clamp(1, 3650);
        let menus: Vec<String> = [
            (self.view == Scope::Trash).then(|| "is:trash".to_owned()),
            self.expiry.term(days),
        ]
        .into_iter()
        .flatten()
        .collect();
        let mut q = RecordQuery::parse_with(self.search.as_deref().unwrap_or_default(), &menus)?;
        if self.view == Scope::All {
            q = q.deleted(DeletedFilter::Include);
        }
        if let Some(sort) = self.sort {
            q = q.sort(sort);
        }
        if let Some(order) = self.order {
            q = q.order(order);
        }
        if let Some(limit) = self.limit {
            q = q.limit(limit);
        }
        if let Some(token) = &self.token {
            q = q.token(token.as_str());
        }
        if let Some(after) = &self.after {
            q = q.after(after.parse()?);
        }
        Ok(q)
    }

    /// The query of one page of the table: forwards after `after` or from `offset`, or
    /// backwards before `before` or `offset` rows from the end.
    pub fn page(&self) -> CmdResult<PageQuery> {
        let shown = self.query()?;
        let offset = self.offset.unwrap_or(0);
        let backwards = self.from_end || self.before.is_some();
        let run = if backwards {
            let mut q = shown.reversed().offset(offset);
            if let Some(before) = &self.before {
                q = q.after(before.parse()?);
            }
            q
        } else {
            shown.clone().offset(offset)
        };
        let started_inside = offset > 0 || self.after.is_some() || self.before.is_some();
        Ok(PageQuery {
            shown,
            run,
            backwards,
            started_inside,
        })
    }
}

/// One row of the records table: metadata only, never the value.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordDto {
    pub id: String,
    pub token: String,
    pub label: Option<String>,
    pub tags: Vec<String>,
    pub notes: Option<String>,
    /// Kept by imports (KeePassXC, Bitwarden) in the metadata's extra fields.
    pub url: Option<String>,
    pub username: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub soft_deleted_at: Option<DateTime<Utc>>,
    pub status: StatusDto,
    /// A password for this record is remembered in this session.
    pub opened: bool,
}

impl RecordDto {
    pub fn new(r: Record, now: DateTime<Utc>, opened: bool) -> Self {
        let status = match r.status_at(now) {
            RecordStatus::Active => StatusDto::Active,
            RecordStatus::Expired => StatusDto::Expired,
            RecordStatus::Deleted => StatusDto::Deleted,
        };
        let text = |key: &str| {
            r.metadata
                .extra
                .get(key)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        Self {
            url: text("url"),
            username: text("username"),
            id: r.id,
            token: r.token,
            label: r.metadata.label,
            tags: r.metadata.tags,
            notes: r.metadata.notes,
            created_at: r.created_at,
            updated_at: r.updated_at,
            expires_at: r.expires_at,
            soft_deleted_at: r.soft_deleted_at,
            status,
            opened,
        }
    }
}

/// A record's state as the table shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusDto {
    Active,
    Expired,
    Deleted,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageDto {
    pub records: Vec<RecordDto>,
    /// Continues after the last row (`after`); `None` when no row follows.
    pub next: Option<String>,
    /// Continues before the first row (`before`); `None` when no row precedes.
    pub prev: Option<String>,
}

impl PageQuery {
    /// The rows in the order shown, with the cursors on either side of them.
    pub fn arrange(
        &self,
        page: vaultstore::Page,
    ) -> (
        Vec<Record>,
        Option<vaultstore::Cursor>,
        Option<vaultstore::Cursor>,
    ) {
        let mut records = page.records;
        if self.backwards {
            records.reverse();
            let next = records
                .last()
                .filter(|_| self.started_inside)
                .map(|r| self.shown.cursor_after(r));
            (records, next, page.next)
        } else {
            let prev = records
                .first()
                .filter(|_| self.started_inside)
                .map(|r| self.shown.reversed().cursor_after(r));
            (records, page.next, prev)
        }
    }
}

/// Metadata of a new record, as the create dialog sends it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct MetadataArgs {
    pub label: Option<String>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
}

fn clean_tags(tags: Vec<String>) -> Vec<String> {
    tags.into_iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

impl MetadataArgs {
    pub fn into_metadata(self) -> Metadata {
        let blank = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
        Metadata {
            label: blank(self.label),
            notes: blank(self.notes),
            tags: clean_tags(self.tags),
            ..Metadata::default()
        }
    }
}

/// A metadata edit from the record dialog: the parts it shows and nothing else, so every
/// other stored key (an import's URL, username, flags) survives. Absent parts are kept;
/// blank text clears.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct MetadataEditArgs {
    pub label: Option<String>,
    pub notes: Option<String>,
    pub tags: Option<Vec<String>>,
    /// Extra text fields the dialog shows (`url`, `username`).
    pub fields: BTreeMap<String, String>,
}

impl MetadataEditArgs {
    pub fn into_patch(self) -> MetadataPatch {
        MetadataPatch {
            label: self.label.map(Some),
            notes: self.notes.map(Some),
            tags: self.tags.map(clean_tags),
            fields: self.fields.into_iter().map(|(k, v)| (k, Some(v))).collect(),
        }
    }
}

/// A revealed value on its way to the UI, sealed for the page (see `sealed_ipc`), with
/// the token it belongs to (the UI drops an answer that arrives after its dialog moved on
/// to another record).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RevealedDto {
    pub token: String,
    pub value: crate::sealed_ipc::Sealed,
    /// Opened with a key of this session, no password typed (the UI says so).
    pub by_session_key: bool,
}

/// A value copied to the clipboard: which record, and when the clipboard is cleared.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CopiedDto {
    pub token: String,
    pub seconds: u32,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressDto {
    pub done: u64,
    pub total: u64,
}

/// A progress callback for the library that reports on a Tauri channel.
pub fn progress(
    channel: tauri::ipc::Channel<ProgressDto>,
) -> impl Fn(vaultstore::Progress) + Send + Sync {
    move |p| {
        let _ = channel.send(ProgressDto {
            done: p.done,
            total: p.total,
        });
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultInfoDto {
    pub database: String,
    pub backend: &'static str,
    pub kdf: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(json: &str) -> Result<ListArgs, crate::errors::ErrorDto> {
        let value: serde_json::Value = serde_json::from_str(json).unwrap();
        crate::errors::deserialize_arg("args", &value)
    }

    /// The view and expiry menus add terms of their own: what a person may type is the
    /// query language's whole allowance (32 terms, 1000 characters), whatever the menus.
    #[test]
    fn the_menus_terms_do_not_count_against_what_a_person_types() {
        let words = vec!["w"; 32].join(" ");
        let long = "x".repeat(1000);
        for search in [words.as_str(), long.as_str()] {
            let json = serde_json::json!({"search": search, "view": "trash", "expiry": "expired"});
            let q = args(&json.to_string()).unwrap().query();
            assert!(q.is_ok(), "{:?}", q.err().map(|e| e.message));
        }
        let too_many = vec!["w"; 33].join(" ");
        let json = serde_json::json!({"search": too_many});
        let err = args(&json.to_string()).unwrap().query().unwrap_err();
        assert!(err.message.contains("32 terms"), "{}", err.message);
    }

    #[test]
    fn unknown_views_filters_sorts_and_orders_are_refused_naming_the_field() {
        for (bad, field) in [
            (r#"{"view":"attic"}"#, "view"),
            (r#"{"expiry":"soon"}"#, "expiry"),
            (r#"{"sort":"value"}"#, "sort"),
            (r#"{"order":"sideways"}"#, "order"),
            (r#"{"limit":-1}"#, "limit"),
            (r#"{"colour":"red"}"#, "colour"),
        ] {
            let err = args(bad).unwrap_err();
            assert_eq!(err.code, crate::errors::ErrorCode::INVALID_INPUT, "{bad}");
            assert_eq!(err.field.as_deref(), Some(field), "{bad}: {}", err.message);
            assert!(err.message.contains(field), "{bad}: {}", err.message);
        }
        let err = args(r#"{"after":"not a cursor"}"#)
            .unwrap()
            .query()
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("cursor"), "{}", err.message);
        args(
            r#"{"view":"trash","expiry":"expiring","expiringDays":3,"sort":"token","order":"asc"}"#,
        )
        .unwrap()
        .query()
        .unwrap();
        // The search box speaks the query language; the menus add their terms to it.
        let err = args(r#"{"search":"colour:red"}"#)
            .unwrap()
            .query()
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("query"), "{}", err.message);
        assert!(err.message.contains("colour:red"), "{}", err.message);
        let err = args(r#"{"search":"is:expired","expiry":"active"}"#)
            .unwrap()
            .query()
            .unwrap_err();
        assert!(
            err.message.contains("is:expired") && err.message.contains("is:active"),
            "a term conflicting with the expiry menu names both: {}",
            err.message
        );
    }

    #[test]
    fn blank_metadata_fields_are_dropped() {
        let m = MetadataArgs {
            label: Some("  ".into()),
            notes: None,
            tags: vec![" a ".into(), "".into()],
        }
        .into_metadata();
        assert_eq!(m.label, None);
        assert_eq!(m.tags, vec!["a".to_owned()]);
    }

    #[test]
    fn an_edit_names_only_what_the_dialog_sends() {
        let edit: MetadataEditArgs =
            serde_json::from_str(r#"{"label":"Mail","tags":[" a ",""],"fields":{"url":""}}"#)
                .unwrap();
        let patch = edit.into_patch();
        assert_eq!(patch.label, Some(Some("Mail".to_owned())));
        assert_eq!(patch.notes, None, "notes not sent: kept");
        assert_eq!(patch.tags, Some(vec!["a".to_owned()]));
        assert_eq!(patch.fields.get("url"), Some(&Some(String::new())));
        assert!(!patch.fields.contains_key("username"), "username kept");
    }
}
