//! Bulk changes: one action over every record a query matches, previewed without
//! writing, then applied in one write transaction with the previous state of every
//! changed record written to the undo journal (see `undo.rs`), replacing the last one.
//!
//! One statement selects the matching ids (locking those rows with `FOR UPDATE` on
//! PostgreSQL and MySQL; SQLite's write transaction excludes every other writer), so
//! nothing changes between the journal's copy and the write; the work then goes in
//! chunks of those ids, with progress reported and Cancel (which rolls everything back)
//! honoured between chunks.
//!
//! Two paths. An action whose new values are the same for every record (a fixed expiry,
//! trash, restore, delete) is set-based: the journal is written first, in one
//! `INSERT … SELECT … FOR UPDATE` over the query's own predicate and the condition that
//! the record changes, then the chunks' ids are read back from it and each chunk is one
//! UPDATE or DELETE by id (on SQLite a change covering much of the table scans it in
//! rowid order instead: see `bulk_scan.rs`). An action whose
//! result depends on each row (extend an expiry, add or remove a tag) reads the chunk,
//! computes each new value here, and writes the journal and a `CASE id` UPDATE per
//! sub-batch. Either way only records that actually change are counted and journaled.

use chrono::{DateTime, Duration, Utc};

use super::Store;
use super::undo::{clear_journal, lock_journal, write_summary};
use crate::bulk::{BulkAction, BulkChange, BulkPreview, BulkReport, RecordState, RenewTo};
use crate::db::{Dialect, RawRecord, Sql, Tx};
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::query::RecordQuery;
use crate::record::{MAX_TAG_CHARS, Record, same_tag};
use crate::timestamp;

/// Records per chunk: one progress step, and at most this many ids bound per statement
/// (under every backend's bound-parameter limit).
pub(super) const CHUNK: usize = 5000;
/// Rows per multi-row INSERT or `CASE` UPDATE on the per-row path.
const SUB_BATCH: usize = 500;
/// Most sample rows a preview returns.
pub const MAX_PREVIEW_SAMPLE: usize = 1000;

/// An action with its times fixed and its arguments checked.
pub(super) enum Resolved {
    /// A fixed expiry (`None` = never), as stored text.
    SetExpiry(Option<String>),
    Trash,
    Restore,
    Delete,
    Extend(Duration),
    AddTag(String),
    RemoveTag(String),
}

/// How a bulk change finds the rows it writes, once its targets are known.
pub(super) enum Writes {
    /// By these ids, a chunk at a time.
    ById(Vec<String>),
    /// By rowid ranges of a table scan with the query's predicate (SQLite, a broad
    /// set-based change, already journaled: `total` records).
    Scan { total: u64, last_rowid: i64 },
}

impl Writes {
    fn total(&self) -> u64 {
        match self {
            Self::ById(ids) => ids.len() as u64,
            Self::Scan { total, .. } => *total,
        }
    }
}

/// What every write step of one bulk change shares.
pub(super) struct Run<'a> {
    pub resolved: &'a Resolved,
    pub now: DateTime<Utc>,
    /// Records the change covers, for progress.
    pub total: u64,
    pub on_progress: &'a (dyn Fn(Progress) + Send + Sync),
    pub cancel: &'a Cancel,
}

/// A record after the action.
enum After {
    Gone,
    Kept {
        state: RecordState,
        /// The new stored expiry (per-row path: extend).
        expires_at: Option<String>,
        /// The new stored metadata (per-row path: tags).
        data: Option<String>,
    },
}

fn check_tag(tag: &str) -> Result<String> {
    let tag = tag.trim();
    if tag.is_empty() || tag.chars().count() > MAX_TAG_CHARS || tag.contains('\0') {
        return Err(Error::invalid(
            "tag",
            format!("{tag:?} must be 1 to {MAX_TAG_CHARS} characters, not blank, without NUL"),
        ));
    }
    Ok(tag.to_owned())
}

fn resolve(action: &BulkAction, now: DateTime<Utc>) -> Result<Resolved> {
    let fixed = |t: DateTime<Utc>| -> Result<Resolved> {
        let t = timestamp::check_range("expiry", t)?;
        Ok(Resolved::SetExpiry(Some(timestamp::to_db(t))))
    };
    Ok(match action {
        BulkAction::Renew(RenewTo::At(t)) => fixed(*t)?,
        BulkAction::Renew(RenewTo::In(d)) => fixed(
            now.checked_add_signed(*d)
                .ok_or_else(|| Error::invalid("expiry", "is too far in the future"))?,
        )?,
        BulkAction::Renew(RenewTo::Never) => Resolved::SetExpiry(None),
        BulkAction::Renew(RenewTo::Extend(d)) if *d < Duration::zero() => {
            return Err(Error::invalid(
                "extension",
                "must not be negative; set an earlier expiry instead",
            ));
        }
        BulkAction::Renew(RenewTo::Extend(d)) => Resolved::Extend(*d),
        BulkAction::SoftDelete => Resolved::Trash,
        BulkAction::Restore => Resolved::Restore,
        BulkAction::DeleteForever => Resolved::Delete,
        BulkAction::AddTag(t) => Resolved::AddTag(check_tag(t)?),
        BulkAction::RemoveTag(t) => Resolved::RemoveTag(check_tag(t)?),
    })
}

fn state_of(r: &Record) -> RecordState {
    RecordState {
        expires_at: r.expires_at,
        soft_deleted_at: r.soft_deleted_at,
        tags: r.metadata.tags.clone(),
    }
}

impl Resolved {
    /// Whether every record gets the same new values (the set-based path).
    pub(super) fn is_fixed(&self) -> bool {
        matches!(
            self,
            Self::SetExpiry(_) | Self::Trash | Self::Restore | Self::Delete
        )
    }

    /// The journal columns besides id, token and the two `updated_at`s: what undo puts
    /// back. A delete keeps the whole row.
    fn journal_columns(&self) -> &'static str {
        match self {
            Self::SetExpiry(_) | Self::Extend(_) => "expires_at",
            Self::Trash | Self::Restore => "soft_deleted_at",
            Self::AddTag(_) | Self::RemoveTag(_) => "data",
            Self::Delete => "value, created_at, expires_at, soft_deleted_at, data",
        }
    }

    /// `AND <the record would change>` for the set-based path; must agree with
    /// [`Resolved::after`].
    pub(super) fn push_changes(&self, sql: &mut Sql) {
        match self {
            Self::SetExpiry(Some(t)) => {
                sql.push(" AND (expires_at IS NULL OR expires_at <> ")
                    .bind(t.as_str())
                    .push(")");
            }
            Self::SetExpiry(None) => {
                sql.push(" AND expires_at IS NOT NULL");
            }
            Self::Trash => {
                sql.push(" AND soft_deleted_at IS NULL");
            }
            Self::Restore => {
                sql.push(" AND soft_deleted_at IS NOT NULL");
            }
            Self::Delete | Self::Extend(_) | Self::AddTag(_) | Self::RemoveTag(_) => {}
        }
    }

    /// The record after the action, or `None` when the action would not change it.
    fn after(&self, r: &Record, now: DateTime<Utc>) -> Result<Option<After>> {
        let mut state = state_of(r);
        let (mut expires_at, mut data) = (None, None);
        match self {
            Self::SetExpiry(t) => {
                let t = t.as_deref().map(timestamp::from_db).transpose()?;
                if r.expires_at == t {
                    return Ok(None);
                }
                state.expires_at = t;
            }
            Self::Extend(d) => {
                let Some(current) = r.expires_at else {
                    return Ok(None);
                };
                let new = current
                    .max(now)
                    .checked_add_signed(*d)
                    .ok_or_else(|| Error::invalid("expiry", "is too far in the future"))?;
                let new = timestamp::check_range("expiry", new)?;
                if new == current {
                    return Ok(None);
                }
                state.expires_at = Some(new);
                expires_at = Some(timestamp::to_db(new));
            }
            Self::Trash if r.is_deleted() => return Ok(None),
            Self::Trash => state.soft_deleted_at = Some(now),
            Self::Restore if !r.is_deleted() => return Ok(None),
            Self::Restore => state.soft_deleted_at = None,
            Self::Delete => return Ok(Some(After::Gone)),
            Self::AddTag(tag) | Self::RemoveTag(tag) => {
                let has = r.metadata.tags.iter().any(|t| same_tag(t, tag));
                let mut metadata = r.metadata.clone();
                match self {
                    Self::AddTag(_) if has => return Ok(None),
                    Self::AddTag(_) => metadata.tags.push(tag.clone()),
                    _ if !has => return Ok(None),
                    _ => metadata.tags.retain(|t| !same_tag(t, tag)),
                }
                let json = metadata
                    .to_json()
                    .map_err(|e| Error::invalid("tags", format!("{}: {e}", r.token)))?;
                state.tags = metadata.tags;
                data = Some(json);
            }
        }
        Ok(Some(After::Kept {
            state,
            expires_at,
            data,
        }))
    }
}

fn change_of(r: &Record, after: &After) -> BulkChange {
    BulkChange {
        id: r.id.clone(),
        token: r.token.clone(),
        before: state_of(r),
        after: match after {
            After::Gone => None,
            After::Kept { state, .. } => Some(state.clone()),
        },
    }
}

impl Store {
    /// What [`Store::bulk_apply`] would do to the records `query` matches (its sort,
    /// limit and cursor are ignored): how many it would change and the first `sample` of
    /// them (at most [`MAX_PREVIEW_SAMPLE`]) with before and after. Changes nothing; reads
    /// one snapshot, so the count and the sample agree.
    pub async fn bulk_preview(
        &self,
        query: &RecordQuery,
        action: &BulkAction,
        sample: usize,
    ) -> Result<BulkPreview> {
        const CTX: &str = "previewing a bulk change";
        query.validate()?;
        let now = self.now();
        let resolved = resolve(action, now)?;
        let sample = sample.min(MAX_PREVIEW_SAMPLE);
        let mut tx = self.inner.pool.begin_read(CTX).await?;
        let ids = self
            .matching_ids(&mut tx, query, &resolved, now, false)
            .await?;
        let mut preview = BulkPreview {
            count: 0,
            sample: Vec::new(),
        };
        if resolved.is_fixed() {
            preview.count = ids.len() as u64;
            let first = &ids[..ids.len().min(sample)];
            for r in self.rows_by_id(&mut tx, first, false, CTX).await? {
                let r = Record::from_raw(r)?;
                if let Some(after) = resolved.after(&r, now)? {
                    preview.sample.push(change_of(&r, &after));
                }
            }
            return Ok(preview);
        }
        for chunk in ids.chunks(CHUNK) {
            for raw in self.rows_by_id(&mut tx, chunk, false, CTX).await? {
                let r = Record::from_raw(raw)?;
                if let Some(after) = resolved.after(&r, now)? {
                    preview.count += 1;
                    if preview.sample.len() < sample {
                        preview.sample.push(change_of(&r, &after));
                    }
                }
            }
        }
        Ok(preview)
    }

    /// Applies `action` to every record `query` matches, in one transaction, and makes it
    /// the change [`Store::undo_last`] reverts (replacing the previous one). Records it
    /// does not change are not counted. `on_progress` is called after each chunk of up
    /// to 5,000 records; setting `cancel` rolls everything back and returns
    /// [`Error::Cancelled`]. A change of no record writes nothing and keeps the previous
    /// undo.
    pub async fn bulk_apply(
        &self,
        query: &RecordQuery,
        action: &BulkAction,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<BulkReport> {
        self.apply_bulk(query, action, None, on_progress, cancel)
            .await
    }

    /// [`Store::bulk_apply`], only if the change covers exactly `expected` records when
    /// it runs (checked inside its transaction, with the rows locked): what a person
    /// confirmed by typing a count is what gets changed, even if another window or
    /// process changed the vault after the preview. Otherwise nothing changes and the
    /// error (`invalid_input` on `confirm`) gives the count now.
    pub async fn bulk_apply_expecting(
        &self,
        query: &RecordQuery,
        action: &BulkAction,
        expected: u64,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<BulkReport> {
        self.apply_bulk(query, action, Some(expected), on_progress, cancel)
            .await
    }

    #[tracing::instrument(skip_all, fields(action = ?action.kind()))]
    async fn apply_bulk(
        &self,
        query: &RecordQuery,
        action: &BulkAction,
        expected: Option<u64>,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<BulkReport> {
        const CTX: &str = "applying a bulk change";
        query.validate()?;
        let now = self.now();
        let resolved = resolve(action, now)?;
        let mut tx = self.begin_write(CTX).await?;
        lock_journal(self, &mut tx).await?;
        clear_journal(self, &mut tx).await?;
        self.defer_index_merge(&mut tx).await?;
        let journaled = resolved.is_fixed();
        let writes = if journaled {
            self.journal_all(&mut tx, query, &resolved, now).await?
        } else {
            Writes::ById(
                self.matching_ids(&mut tx, query, &resolved, now, true)
                    .await?,
            )
        };
        let total = writes.total();
        if let Some(expected) = expected
            && expected != total
        {
            return Err(Error::invalid(
                "confirm",
                format!(
                    "the change now covers {total} records, not the {expected} confirmed (the vault changed meanwhile); nothing was changed: look at the preview again"
                ),
            ));
        }
        on_progress(Progress { done: 0, total });
        let run = Run {
            resolved: &resolved,
            now,
            total,
            on_progress: &on_progress,
            cancel,
        };
        let changed = match writes {
            Writes::ById(ids) => self.write_by_id(&mut tx, &run, &ids, journaled).await?,
            Writes::Scan { last_rowid, .. } => {
                self.write_by_scan(&mut tx, &run, query, last_rowid).await?
            }
        };
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        if changed == 0 {
            return Ok(BulkReport { changed }); // rolls back: the previous undo stays
        }
        write_summary(self, &mut tx, Some((action.kind(), changed, now))).await?;
        self.audit_in(&mut tx, &[bulk_note(action, changed)])
            .await?;
        tx.commit(CTX).await?;
        self.merge_search_index().await;
        Ok(BulkReport { changed })
    }

    /// Writes the change to the records with these ids, a chunk at a time (`journaled`:
    /// the SQLite set-based path, whose journal is already written); returns how many
    /// changed.
    async fn write_by_id(
        &self,
        tx: &mut Tx,
        run: &Run<'_>,
        ids: &[String],
        journaled: bool,
    ) -> Result<u64> {
        let (mut done, mut changed) = (0u64, 0u64);
        for chunk in ids.chunks(CHUNK) {
            if run.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let (resolved, now) = (run.resolved, run.now);
            changed += if journaled {
                self.write_fixed(tx, resolved, now, chunk).await?
            } else {
                self.per_row_chunk(tx, resolved, now, chunk).await?
            };
            done += chunk.len() as u64;
            (run.on_progress)(Progress {
                done,
                total: run.total,
            });
        }
        Ok(changed)
    }

    /// The ids of the records `query` matches (and, on the set-based path, the action
    /// changes), in id order, locked when `lock` (a write). One statement: a keyset
    /// loop would let the planner pick the query's index and re-scan it per chunk.
    async fn matching_ids(
        &self,
        tx: &mut Tx,
        query: &RecordQuery,
        resolved: &Resolved,
        now: DateTime<Utc>,
        lock: bool,
    ) -> Result<Vec<String>> {
        let index = self.index_for(tx.target(), query).await?;
        let mut sql = self.sql(&format!("SELECT id FROM {}", self.inner.vault_table));
        query.push_where(&mut sql, self.inner.dialect, now, &index);
        resolved.push_changes(&mut sql);
        sql.push(" ORDER BY id");
        if lock {
            sql.push(self.inner.dialect.lock_rows());
        }
        tx.target().fetch_texts(sql, "selecting records").await
    }

    /// The rows with these ids, in id order, locked when `lock`.
    async fn rows_by_id(
        &self,
        tx: &mut Tx,
        ids: &[String],
        lock: bool,
        context: &'static str,
    ) -> Result<Vec<RawRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = self.select_records();
        sql.push(" WHERE id IN ")
            .bind_list(ids.iter().map(String::as_str))
            .push(" ORDER BY id");
        if lock {
            sql.push(self.inner.dialect.lock_rows());
        }
        tx.target().fetch_records(sql, context).await
    }

    /// The start of the journal's `INSERT … SELECT` for the set-based path, up to and
    /// including `FROM <vault>`: what undo puts back, and the write's `updated_at`.
    pub(super) fn journal_select(&self, resolved: &Resolved, now: &str, hint: &str) -> Sql {
        let cols = resolved.journal_columns();
        let after = match resolved {
            Resolved::Delete => None,
            _ => Some(now.to_owned()),
        };
        let mut journal = self.sql(&format!(
            "INSERT INTO {} (id, token, updated_before, updated_after, {cols}) \
             SELECT id, token, updated_at, ",
            self.inner.dialect.quote(&self.inner.tables.undo)
        ));
        journal
            .bind(after)
            .push(&format!(", {cols} FROM {}{hint}", self.inner.vault_table));
        journal
    }

    /// Set-based path: journals every record the change alters in one `INSERT … SELECT`
    /// over the query's own predicate (one pass, no lookup per id). On SQLite a broad
    /// change (see [`Store::is_broad`]) is read in rowid order and written the same way;
    /// otherwise the ids are read back from the journal in id order. SQLite's write
    /// transaction excludes every other writer, and PostgreSQL and MySQL lock the rows
    /// the `SELECT` reads (`FOR UPDATE`), so the journal is exactly what the writes
    /// change.
    async fn journal_all(
        &self,
        tx: &mut Tx,
        query: &RecordQuery,
        resolved: &Resolved,
        now: DateTime<Utc>,
    ) -> Result<Writes> {
        const CTX: &str = "applying a bulk change";
        let d = self.inner.dialect;
        let index = self.index_for(tx.target(), query).await?;
        let (broad, last_rowid) = if d == Dialect::Sqlite {
            let last_rowid = self.last_rowid(tx).await?;
            let broad = self
                .is_broad(tx, query, resolved, now, &index, last_rowid)
                .await?;
            (broad, last_rowid)
        } else {
            (false, 0)
        };
        let hint = if broad { " NOT INDEXED" } else { "" };
        let mut journal = self.journal_select(resolved, &timestamp::to_db(now), hint);
        query.push_where(&mut journal, d, now, &index);
        resolved.push_changes(&mut journal);
        journal.push(d.lock_rows());
        let total = tx.target().execute(journal, CTX).await?;
        if broad {
            return Ok(Writes::Scan { total, last_rowid });
        }
        let ids = self.sql(&format!(
            "SELECT id FROM {} ORDER BY id",
            self.inner.dialect.quote(&self.inner.tables.undo)
        ));
        Ok(Writes::ById(tx.target().fetch_texts(ids, CTX).await?))
    }

    /// One set-based chunk's write, its rows already journaled; returns how many changed.
    async fn write_fixed(
        &self,
        tx: &mut Tx,
        resolved: &Resolved,
        now: DateTime<Utc>,
        ids: &[String],
    ) -> Result<u64> {
        const CTX: &str = "applying a bulk change";
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
            return Ok(0);
        };
        let undo = self.inner.dialect.quote(&self.inner.tables.undo);
        // The chunk's ids are in the journal now: a range read there is cheaper than
        // binding 5,000 ids again. MySQL plans `IN (subquery)` in an UPDATE poorly (a
        // dependent subquery per row), so there the journal is joined instead.
        let write = if self.inner.dialect == Dialect::MySql {
            let join = format!(
                "{} AS v JOIN {undo} AS u ON u.id = v.id",
                self.inner.vault_table
            );
            let delete = format!("DELETE v FROM {join}");
            let mut w = self.fixed_write_in(resolved, now, &delete, &join, "v.");
            w.push(" WHERE u.id >= ")
                .bind(first.as_str())
                .push(" AND u.id <= ")
                .bind(last.as_str());
            w
        } else {
            let mut w = self.fixed_write(resolved, now, "");
            w.push(&format!(" WHERE id IN (SELECT id FROM {undo} WHERE id >= "))
                .bind(first.as_str())
                .push(" AND id <= ")
                .bind(last.as_str())
                .push(")");
            w
        };
        tx.target().execute(write, CTX).await?;
        Ok(ids.len() as u64)
    }

    /// The set-based path's `UPDATE … SET …` or `DELETE FROM …`, before its `WHERE`;
    /// `hint` follows the table name.
    pub(super) fn fixed_write(&self, resolved: &Resolved, now: DateTime<Utc>, hint: &str) -> Sql {
        let table = format!("{}{hint}", self.inner.vault_table);
        self.fixed_write_in(resolved, now, &format!("DELETE FROM {table}"), &table, "")
    }

    /// [`Store::fixed_write`] with its heads given: `delete` whole, `update` what
    /// follows `UPDATE`, and `v` the prefix of the vault's columns (for a join).
    fn fixed_write_in(
        &self,
        resolved: &Resolved,
        now: DateTime<Utc>,
        delete: &str,
        update: &str,
        v: &str,
    ) -> Sql {
        let now = timestamp::to_db(now);
        let set = |first: &str| self.sql(&format!("UPDATE {update} SET {v}{first} = "));
        match resolved {
            Resolved::Delete => self.sql(delete),
            Resolved::SetExpiry(t) => {
                let mut s = set("expires_at");
                s.bind(t.clone())
                    .push(&format!(", {v}updated_at = "))
                    .bind(now.as_str());
                s
            }
            Resolved::Trash => {
                let mut s = set("soft_deleted_at");
                s.bind(now.as_str())
                    .push(&format!(", {v}updated_at = "))
                    .bind(now.as_str());
                s
            }
            _ => {
                let mut s = self.sql(&format!(
                    "UPDATE {update} SET {v}soft_deleted_at = NULL, {v}updated_at = "
                ));
                s.bind(now.as_str());
                s
            }
        }
    }

    /// One per-row chunk (extend, tags): reads the rows, computes each new value, writes
    /// what changes; returns how many changed.
    async fn per_row_chunk(
        &self,
        tx: &mut Tx,
        resolved: &Resolved,
        now: DateTime<Utc>,
        ids: &[String],
    ) -> Result<u64> {
        const CTX: &str = "applying a bulk change";
        let rows = self.rows_by_id(tx, ids, true, CTX).await?;
        let mut changes = Vec::new();
        for raw in rows {
            let r = Record::from_raw(raw.clone())?;
            if let Some(After::Kept {
                expires_at, data, ..
            }) = resolved.after(&r, now)?
            {
                changes.push((raw, expires_at.or(data).unwrap_or_default()));
            }
        }
        let now = timestamp::to_db(now);
        for batch in changes.chunks(SUB_BATCH) {
            self.write_per_row(tx, resolved, &now, batch).await?;
        }
        Ok(changes.len() as u64)
    }

    /// Journals and writes one sub-batch of per-row changes: `(row before, new value of
    /// the changed column)`.
    async fn write_per_row(
        &self,
        tx: &mut Tx,
        resolved: &Resolved,
        now: &str,
        batch: &[(RawRecord, String)],
    ) -> Result<()> {
        const CTX: &str = "applying a bulk change";
        let column = resolved.journal_columns();
        let mut journal = self.sql(&format!(
            "INSERT INTO {} (id, token, updated_before, updated_after, {column}) VALUES ",
            self.inner.dialect.quote(&self.inner.tables.undo)
        ));
        for (i, (raw, _)) in batch.iter().enumerate() {
            let old = if column == "data" {
                Some(raw.data.clone())
            } else {
                raw.expires_at.clone()
            };
            journal
                .push(if i == 0 { "(" } else { ", (" })
                .bind(raw.id.as_str())
                .push(", ")
                .bind(raw.token.as_str())
                .push(", ")
                .bind(raw.updated_at.as_str())
                .push(", ")
                .bind(now)
                .push(", ")
                .bind(old)
                .push(")");
        }
        tx.target().execute(journal, CTX).await?;
        let mut update = self.sql(&format!(
            "UPDATE {} SET {column} = CASE id",
            self.inner.vault_table
        ));
        for (raw, new) in batch {
            update
                .push(" WHEN ")
                .bind(raw.id.as_str())
                .push(" THEN ")
                .bind(new.as_str());
        }
        update
            .push(&format!(" ELSE {column} END, updated_at = "))
            .bind(now)
            .push(" WHERE id IN ")
            .bind_list(batch.iter().map(|(raw, _)| raw.id.as_str()));
        tx.target().execute(update, CTX).await?;
        Ok(())
    }
}

/// The audit entry of a bulk change: one for the whole change, with its count.
fn bulk_note(action: &BulkAction, changed: u64) -> super::Note {
    use super::AuditAction as A;
    let (what, extra) = match action {
        BulkAction::Renew(_) => (A::Renew, String::new()),
        BulkAction::SoftDelete => (A::Trash, String::new()),
        BulkAction::Restore => (A::Restore, String::new()),
        BulkAction::DeleteForever => (A::DeleteForever, String::new()),
        BulkAction::AddTag(tag) => (A::EditMetadata, format!(", added tag {tag:?}")),
        BulkAction::RemoveTag(tag) => (A::EditMetadata, format!(", removed tag {tag:?}")),
    };
    super::Note::vault(what, format!("bulk: {changed} records{extra}"))
}
