//! Record operations: lookups, listing and counting with the query builder, metadata
//! changes and deletion by id. None of them touch plaintext or need a password.

use super::audit::{AuditAction, Note};
use super::{Store, records_from};
use crate::db::{self, FEW_MATCHES, RawRecord, SearchIndex, Target};
use crate::error::{Error, Result};
use crate::query::{Cursor, Page, RecordQuery};
use crate::record::{Metadata, Record};
use crate::timestamp;

/// Longest accepted record id.
const MAX_ID_LEN: usize = 64;

pub(super) fn check_id(id: &str) -> Result<()> {
    if id.is_empty() || id.len() > MAX_ID_LEN || !id.chars().all(|c| c.is_ascii_graphic()) {
        return Err(Error::invalid(
            "id",
            format!("must be 1 to {MAX_ID_LEN} printable ASCII characters"),
        ));
    }
    Ok(())
}

impl Store {
    /// The record with this id, in any state.
    pub async fn record_find_by_id(&self, id: &str) -> Result<Option<Record>> {
        check_id(id)?;
        let mut sql = self.select_records();
        sql.push(" WHERE id = ").bind(id);
        self.fetch_one(sql, "looking up a record").await
    }

    /// The record with this token, in any state.
    pub async fn record_find_by_token(&self, token: &str) -> Result<Option<Record>> {
        crate::token::validate(token)?;
        self.fetch_by_token(token).await
    }

    /// One page of records matching `query`.
    pub async fn records_list(&self, query: &RecordQuery) -> Result<Page> {
        query.validate()?;
        let (raw, next) = self.raw_page(self.db(), query).await?;
        Ok(Page {
            records: records_from(raw)?,
            next,
        })
    }

    /// One page of rows as stored, read through `target` (a snapshot, for exports), and
    /// the cursor of the next page. `query` must be validated.
    pub(crate) async fn raw_page(
        &self,
        mut target: Target<'_>,
        query: &RecordQuery,
    ) -> Result<(Vec<RawRecord>, Option<Cursor>)> {
        let d = self.inner.dialect;
        let index = self.index_for(target.reborrow(), query).await?;
        let mut sql = if query.skipped() > 0 {
            // A jump into the middle: the rows skipped are read by the id alone (an
            // index of the sort holds it, so nothing else of them is read), then the
            // page's rows are fetched by id and put back in order. Read whole, each
            // skipped row would be fetched from the table (PostgreSQL and MySQL do).
            let vault = &self.inner.vault_table;
            self.sql(&format!(
                "SELECT {} FROM {vault} JOIN (SELECT id AS page_id FROM {vault}",
                db::RECORD_COLUMNS_SQL
            ))
        } else {
            self.select_records()
        };
        query.push_where(&mut sql, d, self.now(), &index);
        query.push_page(&mut sql, d);
        if query.skipped() > 0 {
            sql.push(") AS page ON id = page_id");
            query.push_order(&mut sql, d);
        }
        let mut raw = target.fetch_records(sql, "listing records").await?;
        let size = usize::try_from(query.page_size()).unwrap_or(usize::MAX);
        if raw.len() <= size {
            return Ok((raw, None));
        }
        raw.truncate(size);
        let next = match raw.last() {
            Some(last) => Some(query.cursor_after(&Record::from_raw(last.clone())?)),
            None => None,
        };
        Ok((raw, next))
    }

    /// The search index as it serves `query`'s texts, read through `target`: on SQLite,
    /// narrowing by the text with the fewest matches alone (the exact conditions test
    /// the others on those rows), or none when every text matches more than
    /// [`FEW_MATCHES`] records. Each text's matches are counted up to that bound and
    /// remembered for 30 s (see `match_counts.rs`): FTS5 intersecting a common text's
    /// list ("record" in every label) with a rare one's costs 20 ms at a million
    /// records, counting each alone a few.
    pub(crate) async fn index_for(
        &self,
        mut target: Target<'_>,
        query: &RecordQuery,
    ) -> Result<SearchIndex> {
        let index = &self.inner.search_index;
        let mut rarest: Option<(i64, &str)> = None;
        for text in query.texts() {
            let Some(count_sql) = index.count_matches_sql(self.inner.dialect, text) else {
                continue;
            };
            let count = match self.inner.match_counts.recall(text) {
                Some(count) => count,
                None => {
                    let count = target
                        .reborrow()
                        .fetch_i64(count_sql, "looking up search words")
                        .await?;
                    self.inner.match_counts.remember(text.to_owned(), count);
                    count
                }
            };
            if rarest.is_none_or(|(fewest, _)| count < fewest) {
                rarest = Some((count, text));
            }
        }
        Ok(match rarest {
            None => index.clone(),
            Some((count, _)) if count > FEW_MATCHES => SearchIndex::None,
            Some((_, text)) => index.narrowed_to(text),
        })
    }

    /// How many records match `query` (its sort, limit and cursor are ignored).
    pub async fn records_count(&self, query: &RecordQuery) -> Result<u64> {
        query.validate()?;
        self.count_in(self.db(), query).await
    }

    /// [`Store::records_count`] through `target`; `query` must be validated.
    pub(crate) async fn count_in(
        &self,
        mut target: Target<'_>,
        query: &RecordQuery,
    ) -> Result<u64> {
        let index = self.index_for(target.reborrow(), query).await?;
        let mut sql = self.sql(&format!("SELECT COUNT(*) FROM {}", self.inner.vault_table));
        query.push_where(&mut sql, self.inner.dialect, self.now(), &index);
        let n = target.fetch_i64(sql, "counting records").await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Replaces a record's metadata (label, notes, tags, …). Works in any state, so
    /// trashed records can be annotated too.
    pub async fn record_update_metadata(&self, id: &str, metadata: &Metadata) -> Result<()> {
        check_id(id)?;
        let data = metadata.to_json()?;
        let record = self
            .record_find_by_id(id)
            .await?
            .ok_or_else(|| Error::not_found(id))?;
        let mut sql = self.sql(&format!("UPDATE {} SET data = ", self.inner.vault_table));
        sql.bind(data)
            .push(", updated_at = ")
            .bind(timestamp::to_db(self.now()))
            .push(" WHERE id = ")
            .bind(id);
        let note = Note::on(AuditAction::EditMetadata, &record.token);
        // MySQL reports 0 changed rows when nothing differs: existence was checked above.
        self.execute_audited(sql, "updating metadata", note).await?;
        Ok(())
    }

    /// Moves the record with this id to the trash.
    pub async fn record_soft_delete(&self, id: &str) -> Result<()> {
        let record = self
            .record_find_by_id(id)
            .await?
            .ok_or_else(|| Error::not_found(id))?;
        self.token_soft_delete(&record.token).await
    }

    /// Deletes the record with this id for good.
    pub async fn record_delete(&self, id: &str) -> Result<()> {
        check_id(id)?;
        let record = self
            .record_find_by_id(id)
            .await?
            .ok_or_else(|| Error::not_found(id))?;
        let mut sql = self.sql(&format!(
            "DELETE FROM {} WHERE id = ",
            self.inner.vault_table
        ));
        sql.bind(id);
        let note = Note::on(AuditAction::DeleteForever, &record.token);
        match self.execute_audited(sql, "deleting a record", note).await? {
            0 => Err(Error::not_found(id)),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::db::SearchIndex;
    use crate::{
        CreateOptions, KdfParams, Metadata, Password, RecordQuery, SecretValue, Store, StoreOptions,
    };

    /// "record 317" over labels that all hold "record": FTS5 narrows by "317" alone
    /// (its one match), not by both texts' lists intersected; the page still tests both.
    #[tokio::test]
    async fn a_search_is_narrowed_by_its_rarest_text_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut options =
            StoreOptions::new(format!("sqlite://{}", dir.path().join("v.db").display()));
        options.kdf = Some(KdfParams::MINIMUM);
        let store = Store::new(options).await.unwrap();
        for label in ["record 1", "record 2", "record 317", "other 317"] {
            let opts = CreateOptions {
                metadata: Metadata::labelled(label),
                ..CreateOptions::default()
            };
            store
                .token_create(
                    &SecretValue::new("v"),
                    &Password::new("a password of sixteen+"),
                    opts,
                )
                .await
                .unwrap();
        }
        let query = RecordQuery::parse("record 317").unwrap();
        match store.index_for(store.db(), &query).await.unwrap() {
            SearchIndex::Fts5Text(_, text) => assert_eq!(text, "317"),
            other => panic!("narrowed by {other:?}"),
        }
        let page = store.records_list(&query).await.unwrap();
        let labels: Vec<_> = page
            .records
            .iter()
            .map(|r| r.metadata.label.clone().unwrap())
            .collect();
        assert_eq!(labels, ["record 317"]);
        // A text under three characters has no trigram: the others narrow.
        let short = RecordQuery::parse("31 record").unwrap();
        match store.index_for(store.db(), &short).await.unwrap() {
            SearchIndex::Fts5Text(_, text) => assert_eq!(text, "record"),
            other => panic!("narrowed by {other:?}"),
        }
        store.close().await;
    }
}
