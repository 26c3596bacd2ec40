//! Bulk writes and PostgreSQL's trigram index: each new row version adds its trigrams to
//! the index, which files them in a pending list and merges that into its tree at every
//! 4 MB of entries (`db::PG_DEFER_MERGE` says why that is slow). A write of many rows
//! lets the list grow for its own transaction and merges it once, after committing.
//! Searches stay exact meanwhile: they read the pending list too.

use super::Store;
use crate::db::{self, SearchIndex, Tx};
use crate::error::Result;

impl Store {
    /// Inside a bulk write's transaction, before its first row: defers the index's
    /// merges to [`Store::merge_search_index`].
    pub(crate) async fn defer_index_merge(&self, tx: &mut Tx) -> Result<()> {
        if !matches!(self.inner.search_index, SearchIndex::Trigram(_)) {
            return Ok(());
        }
        tx.target()
            .execute(self.sql(db::PG_DEFER_MERGE), "preparing the search index")
            .await
            .map(drop)
    }

    /// After a bulk write committed: merges what it deferred, where this login owns the
    /// index. A failure here loses nothing (the entries stay in the pending list, which
    /// searches read, until autovacuum or the next write merges them), so it is only
    /// logged: the write itself succeeded.
    pub(crate) async fn merge_search_index(&self) {
        if !matches!(self.inner.search_index, SearchIndex::Trigram(_)) {
            return;
        }
        let sql = db::pg_merge_sql(self.inner.dialect, &self.inner.tables);
        match self.db().fetch_i64(sql, "merging the search index").await {
            Ok(1) => {}
            Ok(_) => tracing::debug!("search index left to autovacuum: not its owner"),
            Err(e) => tracing::warn!(error = %e, "merging the search index failed"),
        }
    }
}
