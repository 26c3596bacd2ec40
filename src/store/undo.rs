//! The undo journal of the last bulk change, kept in the database (`<table>_undo`) so
//! every process and app on the vault sees the same one.
//!
//! The journal holds, for each record the change touched, what it replaced (expiry,
//! trash state or metadata, as stored text; the whole row for a delete forever) and the
//! record's `updated_at` after the change. The meta row `undo_last` describes the change
//! and is locked by every bulk change and undo (`FOR UPDATE`; SQLite's write
//! transaction), so two never interleave their journals. A new bulk change replaces the
//! journal in its own transaction; an undo empties it.
//!
//! Undo is a compare-and-swap on `updated_at`: a record changed since the bulk change
//! (by anyone) is left as it is and reported by token; so is a deleted record whose
//! token or id is in use again.

use chrono::{DateTime, Utc};

use super::Store;
use super::bulk_change::CHUNK;
use crate::bulk::{BulkActionKind, UndoReport, UndoSummary};
use crate::db::{self, Dialect, K_UNDO, Sql, Tx};
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::timestamp;

/// The meta row's JSON.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    action: BulkActionKind,
    count: u64,
    at: String,
}

fn parse_summary(text: &str) -> Result<Option<UndoSummary>> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    let bad = |detail: String| Error::Database {
        context: "reading the undo journal",
        detail,
    };
    let stored: Stored = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    Ok(Some(UndoSummary {
        action: stored.action,
        count: stored.count,
        at: timestamp::from_db(&stored.at)?,
    }))
}

fn select_summary(store: &Store) -> Sql {
    let mut sql = store.sql(&format!(
        "SELECT name, value FROM {} WHERE name = ",
        store.inner.dialect.quote(&store.inner.tables.meta)
    ));
    sql.bind(K_UNDO);
    sql
}

/// Locks the journal for this transaction and returns the change it holds.
pub(super) async fn lock_journal(store: &Store, tx: &mut Tx) -> Result<Option<UndoSummary>> {
    let mut sql = select_summary(store);
    sql.push(store.inner.dialect.lock_rows());
    let rows = tx
        .target()
        .fetch_pairs(sql, "locking the undo journal")
        .await?;
    match rows.into_iter().next() {
        Some((_, value)) => parse_summary(&value),
        // Written by the migration to version 2; absent only if someone removed it.
        None => Err(Error::Database {
            context: "locking the undo journal",
            detail: format!(
                "the setting {K_UNDO} is missing; open the vault with automigrate on to restore it"
            ),
        }),
    }
}

/// Empties the journal (PostgreSQL's TRUNCATE is transactional and far cheaper than a
/// DELETE; MySQL's would commit, and SQLite's unqualified DELETE truncates already).
pub(super) async fn clear_journal(store: &Store, tx: &mut Tx) -> Result<()> {
    let undo = store.inner.dialect.quote(&store.inner.tables.undo);
    let text = match store.inner.dialect {
        Dialect::Postgres => format!("TRUNCATE {undo}"),
        Dialect::Sqlite | Dialect::MySql => format!("DELETE FROM {undo}"),
    };
    tx.target()
        .execute(store.sql(&text), "clearing the undo journal")
        .await?;
    Ok(())
}

/// Describes the journal's change (`None`: nothing to undo).
pub(super) async fn write_summary(
    store: &Store,
    tx: &mut Tx,
    change: Option<(BulkActionKind, u64, DateTime<Utc>)>,
) -> Result<()> {
    const CTX: &str = "writing the undo journal";
    let value = match change {
        Some((action, count, at)) => serde_json::to_string(&Stored {
            action,
            count,
            at: timestamp::to_db(at),
        })
        .map_err(|e| Error::Database {
            context: CTX,
            detail: e.to_string(),
        })?,
        None => String::new(),
    };
    let mut sql = store.sql(&format!(
        "UPDATE {} SET value = ",
        store.inner.dialect.quote(&store.inner.tables.meta)
    ));
    sql.bind(value).push(" WHERE name = ").bind(K_UNDO);
    tx.target().execute(sql, CTX).await?;
    Ok(())
}

impl Store {
    /// The last bulk change, if it can still be undone (for an "Undo" button).
    pub async fn undo_available(&self) -> Result<Option<UndoSummary>> {
        let rows = self
            .db()
            .fetch_pairs(select_summary(self), "reading the undo journal")
            .await?;
        match rows.into_iter().next() {
            Some((_, value)) => parse_summary(&value),
            None => Ok(None),
        }
    }

    /// Reverts the last bulk change, in one transaction: every record it changed gets
    /// back exactly the expiry, trash state or metadata it had (a deleted record comes
    /// back whole), unless it changed since; those are left as they are and named in
    /// [`UndoReport::skipped`]. The journal is then empty. Returns `None` when there is
    /// nothing to undo. Progress and Cancel as [`Store::bulk_apply`].
    pub async fn undo_last(
        &self,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<Option<UndoReport>> {
        self.undo(None, on_progress, cancel).await
    }

    /// [`Store::undo_last`], only if the last change is still the one made at `at` (the
    /// [`UndoSummary::at`] a person saw): an Undo button must not revert a newer change
    /// made meanwhile, here or by another process. Otherwise nothing changes and the
    /// error (`invalid_input` on `undo`) names the change that is last now.
    pub async fn undo_last_made_at(
        &self,
        at: DateTime<Utc>,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<Option<UndoReport>> {
        self.undo(Some(at), on_progress, cancel).await
    }

    #[tracing::instrument(skip_all)]
    async fn undo(
        &self,
        expected_at: Option<DateTime<Utc>>,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<Option<UndoReport>> {
        const CTX: &str = "undoing the last bulk change";
        let mut tx = self.begin_write(CTX).await?;
        let Some(summary) = lock_journal(self, &mut tx).await? else {
            return Ok(None);
        };
        self.defer_index_merge(&mut tx).await?;
        if let Some(at) = expected_at
            && at != summary.at
        {
            return Err(Error::invalid(
                "undo",
                format!(
                    "a newer change is the last one now ({} of {} records at {}); Undo reverts only the last change",
                    serde_json::to_value(summary.action)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                        .replace('_', " "),
                    summary.count,
                    timestamp::to_db(summary.at)
                ),
            ));
        }
        let now = timestamp::to_db(self.now());
        let undo = self.inner.dialect.quote(&self.inner.tables.undo);
        let mut report = UndoReport {
            undone: summary,
            restored: 0,
            skipped: Vec::new(),
        };
        let (mut done, mut last_id) = (0u64, String::new());
        on_progress(Progress {
            done,
            total: summary.count,
        });
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let mut ids = self.sql(&format!("SELECT id FROM {undo} WHERE id > "));
            ids.bind(last_id.as_str())
                .push(" ORDER BY id LIMIT ")
                .bind(CHUNK as i64);
            let ids = tx.target().fetch_texts(ids, CTX).await?;
            let Some(hi) = ids.last().cloned() else { break };
            let range = (last_id.as_str(), hi.as_str());
            if summary.action == BulkActionKind::DeleteForever {
                self.reinsert_chunk(&mut tx, range, &mut report).await?;
            } else {
                self.revert_chunk(&mut tx, range, &now, ids.len() as u64, &mut report)
                    .await?;
            }
            done += ids.len() as u64;
            on_progress(Progress {
                done,
                total: summary.count,
            });
            last_id = hi;
            if ids.len() < CHUNK {
                break;
            }
        }
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        clear_journal(self, &mut tx).await?;
        write_summary(self, &mut tx, None).await?;
        let detail = format!(
            "{} records restored, {} skipped",
            report.restored,
            report.skipped.len()
        );
        let note = super::Note::vault(super::AuditAction::Undo, detail);
        self.audit_in(&mut tx, &[note]).await?;
        tx.commit(CTX).await?;
        self.merge_search_index().await;
        Ok(Some(report))
    }

    /// Puts back the journal's values for ids in `(lo, hi]` where the record is as the
    /// bulk change left it, then names the others.
    async fn revert_chunk(
        &self,
        tx: &mut Tx,
        (lo, hi): (&str, &str),
        now: &str,
        journaled: u64,
        report: &mut UndoReport,
    ) -> Result<()> {
        const CTX: &str = "undoing the last bulk change";
        let (vault, d) = (&self.inner.vault_table, self.inner.dialect);
        let undo = d.quote(&self.inner.tables.undo);
        let column = match report.undone.action {
            BulkActionKind::Renew => "expires_at",
            BulkActionKind::SoftDelete | BulkActionKind::Restore => "soft_deleted_at",
            _ => "data",
        };
        let mut update = match d {
            Dialect::MySql => self.sql(&format!(
                "UPDATE {vault} AS v JOIN {undo} AS u ON u.id = v.id \
                 SET v.{column} = u.{column}, v.updated_at = "
            )),
            Dialect::Sqlite | Dialect::Postgres => self.sql(&format!(
                "UPDATE {vault} AS v SET {column} = u.{column}, updated_at = "
            )),
        };
        update.bind(now);
        if d != Dialect::MySql {
            update.push(&format!(" FROM {undo} AS u WHERE u.id = v.id AND"));
        } else {
            update.push(" WHERE");
        }
        update
            .push(" u.id > ")
            .bind(lo)
            .push(" AND u.id <= ")
            .bind(hi)
            .push(" AND v.updated_at = u.updated_after");
        let restored = tx.target().execute(update, CTX).await?;
        report.restored += restored;
        if restored == journaled {
            return Ok(());
        }
        // Restored rows now carry `now`; anything else changed after the bulk change.
        let mut skipped = self.sql(&format!(
            "SELECT u.token FROM {undo} AS u LEFT JOIN {vault} AS v ON v.id = u.id \
             WHERE u.id > "
        ));
        skipped
            .bind(lo)
            .push(" AND u.id <= ")
            .bind(hi)
            .push(" AND (v.id IS NULL OR v.updated_at <> ")
            .bind(now)
            .push(") ORDER BY u.id");
        report
            .skipped
            .extend(tx.target().fetch_texts(skipped, CTX).await?);
        Ok(())
    }

    /// Re-inserts the rows a delete forever removed, for ids in `(lo, hi]`, except where
    /// their id or token is in use again, or where a Go v2 value would come back into a
    /// vault that retired v2 (those are named).
    async fn reinsert_chunk(
        &self,
        tx: &mut Tx,
        (lo, hi): (&str, &str),
        report: &mut UndoReport,
    ) -> Result<()> {
        const CTX: &str = "undoing the last bulk change";
        let vault = &self.inner.vault_table;
        let (d, t) = (self.inner.dialect, &self.inner.tables);
        let undo = d.quote(&t.undo);
        // A vault that retired v2 holds no v2 value: a deleted one stays deleted.
        let retired = db::v2_retired_on(tx.target(), d, t).await?.is_some();
        let taken = format!(
            "(EXISTS (SELECT 1 FROM {vault} AS v WHERE v.id = u.id) \
             OR EXISTS (SELECT 1 FROM {vault} AS v WHERE v.token = u.token){})",
            if retired {
                " OR u.value LIKE 'v2:%'"
            } else {
                ""
            }
        );
        let range = |sql: &mut Sql| {
            sql.push(" WHERE u.id > ")
                .bind(lo)
                .push(" AND u.id <= ")
                .bind(hi);
        };
        let mut skipped = self.sql(&format!("SELECT u.token FROM {undo} AS u"));
        range(&mut skipped);
        skipped.push(&format!(" AND {taken} ORDER BY u.id"));
        report
            .skipped
            .extend(tx.target().fetch_texts(skipped, CTX).await?);
        let mut insert = self.sql(&format!(
            "INSERT INTO {vault} (id, token, value, password_hash, created_at, updated_at, \
             expires_at, soft_deleted_at, data) SELECT u.id, u.token, u.value, NULL, \
             u.created_at, u.updated_before, u.expires_at, u.soft_deleted_at, u.data \
             FROM {undo} AS u"
        ));
        range(&mut insert);
        insert.push(&format!(" AND NOT {taken}"));
        report.restored += tx.target().execute(insert, CTX).await?;
        Ok(())
    }
}
