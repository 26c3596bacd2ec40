//! The tags in use, with how many records carry each: the app's tag list.

use super::Store;
use crate::error::{Error, Result};
use crate::query::RecordQuery;

/// Most tags one call lists.
pub const MAX_TAG_COUNTS: u32 = 1000;

impl Store {
    /// The tags of the records `query` matches (its sort, limit and cursor are ignored),
    /// each with how many of them carry it: most used first, then by name; at most
    /// `limit` (1..=1000). Spellings of one tag in different cases count as one (see
    /// the `tag:` filter), shown in the first spelling in byte order; the
    /// database groups by its own lowercase (ASCII only on SQLite), so spellings it
    /// keeps apart are merged within the `limit` returned.
    pub async fn tag_counts(&self, query: &RecordQuery, limit: u32) -> Result<Vec<(String, u64)>> {
        query.validate()?;
        if !(1..=MAX_TAG_COUNTS).contains(&limit) {
            return Err(Error::invalid(
                "limit",
                format!("{limit} is outside 1..={MAX_TAG_COUNTS}"),
            ));
        }
        let d = self.inner.dialect;
        let (join, tag) = d.tag_join();
        let text = if d == crate::Dialect::MySql {
            "CHAR"
        } else {
            "TEXT"
        };
        let mut sql = self.sql(&format!(
            "SELECT MIN({tag}), CAST(COUNT(DISTINCT r.id) AS {text}) FROM (SELECT id, data FROM {}",
            self.inner.vault_table
        ));
        query.push_where(&mut sql, d, self.now(), &self.inner.search_index);
        sql.push(" AND ").push(d.has_tags_key()).push(&format!(
            ") AS r{join} GROUP BY LOWER({tag}) ORDER BY COUNT(DISTINCT r.id) DESC, MIN({tag}) LIMIT "
        ))
        .bind(i64::from(limit));
        let rows = self.db().fetch_pairs(sql, "counting tags").await?;
        let counts = rows
            .into_iter()
            .map(|(tag, n)| {
                let n = n.trim().parse::<u64>().map_err(|_| {
                    Error::invalid("tag count", format!("the database returned {n:?}"))
                })?;
                Ok((tag, n))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut counts = crate::record::merge_tag_spellings(counts);
        // Ties in byte order whatever the database's collation.
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(counts)
    }
}
