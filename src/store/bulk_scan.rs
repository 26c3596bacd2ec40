//! SQLite, set-based bulk changes that cover much of the table. The planner takes an
//! index whenever the query has a condition one serves (a token prefix), even one that
//! every row meets; walking it reads the rows in random order, several times slower
//! than reading the table in rowid order. So a change is first measured (a count
//! stopped at a share of the table), and a broad one is journaled and written with
//! `NOT INDEXED`: in rowid order, the write a rowid range at a time for progress and
//! Cancel. Rowid lookups stay allowed under `NOT INDEXED`.

use chrono::{DateTime, Utc};

use super::Store;
use super::bulk_change::{CHUNK, Resolved, Run};
use crate::db::{SearchIndex, Tx};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::query::RecordQuery;

/// A change is broad when it covers at least one in this many of the table's rows:
/// past that, one read of the table in order costs less than its rows read at random.
const BROAD_SHARE: i64 = 16;

const CTX: &str = "applying a bulk change";

impl Store {
    /// The highest rowid of the vault table (0 when empty): its size, or more after
    /// deletes; read from the end of the table's b-tree.
    pub(super) async fn last_rowid(&self, tx: &mut Tx) -> Result<i64> {
        let sql = self.sql(&format!(
            "SELECT COALESCE(MAX(rowid), 0) FROM {}",
            self.inner.vault_table
        ));
        tx.target().fetch_i64(sql, CTX).await
    }

    /// Whether the set-based change covers at least 1/[`BROAD_SHARE`] of the table
    /// (counted by the planner's own plan, stopping there).
    pub(super) async fn is_broad(
        &self,
        tx: &mut Tx,
        query: &RecordQuery,
        resolved: &Resolved,
        now: DateTime<Utc>,
        index: &SearchIndex,
        last_rowid: i64,
    ) -> Result<bool> {
        let bound = last_rowid / BROAD_SHARE;
        if bound == 0 {
            return Ok(false); // a table this small is read whole either way
        }
        let mut sql = self.sql(&format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM {}",
            self.inner.vault_table
        ));
        query.push_where(&mut sql, self.inner.dialect, now, index);
        resolved.push_changes(&mut sql);
        sql.push(" LIMIT ").bind(bound).push(")");
        Ok(tx.target().fetch_i64(sql, CTX).await? >= bound)
    }

    /// Writes a broad change already journaled: the query's predicate over one rowid
    /// range of [`CHUNK`] rows after another, in order. Returns how many changed, which
    /// must be the journal's count: both read the same rows under one write lock.
    pub(super) async fn write_by_scan(
        &self,
        tx: &mut Tx,
        run: &Run<'_>,
        query: &RecordQuery,
        last_rowid: i64,
    ) -> Result<u64> {
        let index = self.index_for(tx.target(), query).await?;
        let step = i64::try_from(CHUNK).unwrap_or(i64::MAX);
        let (mut from, mut changed) = (0i64, 0u64);
        while from < last_rowid {
            if run.cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let to = from.saturating_add(step).min(last_rowid);
            let mut write = self.fixed_write(run.resolved, run.now, " NOT INDEXED");
            query.push_where(&mut write, self.inner.dialect, run.now, &index);
            run.resolved.push_changes(&mut write);
            write
                .push(" AND rowid > ")
                .bind(from)
                .push(" AND rowid <= ")
                .bind(to);
            changed += tx.target().execute(write, CTX).await?;
            (run.on_progress)(Progress {
                done: changed.min(run.total),
                total: run.total,
            });
            from = to;
        }
        if changed != run.total {
            // Cannot happen under SQLite's write lock; if it did, the undo journal would
            // not match the change, so nothing is kept.
            return Err(Error::Database {
                context: CTX,
                detail: format!(
                    "it wrote {changed} records but journaled {}, so nothing was changed",
                    run.total
                ),
            });
        }
        Ok(changed)
    }
}
