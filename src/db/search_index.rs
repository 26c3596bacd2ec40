//! The substring index behind query words, labels and tags (schema version 3), and the
//! expiry sort's index.
//!
//! - SQLite: an FTS5 table with the trigram tokenizer, `<table>_search`, one row per
//!   record (its rowid is the record's), holding the token, label, notes, username, URL
//!   and tags; triggers keep it in step with every write, inside the writer's transaction.
//! - PostgreSQL: a GIN `pg_trgm` index over an immutable function of the same fields,
//!   when the server has the extension and lets the vault's owner create it (it is
//!   trusted since PostgreSQL 13); without it, searches scan.
//! - MySQL/MariaDB: no index fits a substring of any field (InnoDB's ngram full-text
//!   parser is MySQL's only and matches words, not substrings): searches scan.
//!
//! The index only narrows the rows: every query keeps its exact condition beside it, so
//! a match the index misses (a word under 3 characters, which trigrams cannot hold)
//! costs a scan, never a wrong answer.

use super::{Dialect, Sql, TableNames, Target};
use crate::error::Result;
use crate::query::NEVER;

/// What a query word can use to find its rows fast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SearchIndex {
    /// Nothing: the exact condition scans.
    None,
    /// SQLite's FTS5 trigram table (quoted name), and the texts of one query found in
    /// too many rows for the index to pay (see [`SearchIndex::for_query`]).
    Fts5 { table: String, dense: Vec<String> },
    /// PostgreSQL's trigram index over this (lowercased) expression of the row.
    Trigram(String),
}

/// Trigrams need three characters: a shorter word finds nothing in the index.
const MIN_CHARS: usize = 3;

/// A text in at least this many records is left to the scan (SQLite). SQLite reads an
/// `IN (index match)` in full before the first row: for a text in a third of a million
/// records that is a second, while a scan in the page's sort order meets its 50
/// matches within the first few hundred rows. Counting up to this bound costs a
/// millisecond or two; a scan that needs more rows than this to fill a page means a
/// text in under 1 % of a million rows, where the index wins.
const DENSE_AT: i64 = 10_000;

impl SearchIndex {
    /// What a vault at schema 3 has: SQLite always; PostgreSQL if the index was made.
    pub(crate) fn of(d: Dialect, t: &TableNames, pg_index_exists: bool) -> Self {
        match d {
            Dialect::Sqlite => Self::Fts5 {
                table: d.quote(&t.search),
                dense: Vec::new(),
            },
            Dialect::Postgres if pg_index_exists => Self::Trigram(pg_doc(d, t)),
            Dialect::Postgres | Dialect::MySql => Self::None,
        }
    }

    /// This index for one query's `texts`: on SQLite, each text the index holds is
    /// counted there up to [`DENSE_AT`] (through `target`, so inside the caller's
    /// snapshot), and those that reach it are marked dense. PostgreSQL's planner has
    /// statistics of its own and decides there.
    pub(crate) async fn for_query<'t>(
        &self,
        mut target: Target<'_>,
        texts: impl Iterator<Item = &'t str>,
    ) -> Result<Self> {
        let Self::Fts5 { table, .. } = self else {
            return Ok(self.clone());
        };
        let mut dense = Vec::new();
        for text in texts.filter(|t| t.chars().count() >= MIN_CHARS) {
            let mut sql = Sql::new(
                Dialect::Sqlite,
                &format!("SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH "),
            );
            sql.bind(phrase(text))
                .push(" LIMIT ")
                .bind(DENSE_AT)
                .push(")");
            let found = target
                .reborrow()
                .fetch_i64(sql, "looking up a search word")
                .await?;
            if found >= DENSE_AT {
                dense.push(text.to_owned());
            }
        }
        Ok(Self::Fts5 {
            table: table.clone(),
            dense,
        })
    }

    /// Narrows the rows to those whose indexed text contains `text` (ignoring case),
    /// where the index can tell and pays; else adds nothing.
    pub(crate) fn push_prefilter(&self, sql: &mut Sql, text: &str) {
        if text.chars().count() < MIN_CHARS {
            return;
        }
        match self {
            Self::None => {}
            Self::Fts5 { dense, .. } if dense.iter().any(|d| d == text) => {}
            Self::Fts5 { table, .. } => {
                sql.push(&format!(
                    " AND rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH "
                ))
                .bind(phrase(text))
                .push(")");
            }
            Self::Trigram(doc) => {
                let pattern = format!("%{}%", crate::query::escape_like(&text.to_lowercase()));
                sql.push(&format!(" AND {doc} LIKE "))
                    .bind(pattern)
                    .push(" ESCAPE '!'");
            }
        }
    }
}

/// A quoted FTS5 string: the trigrams of the text, in order.
fn phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The statements of schema version 3 (idempotent).
pub(crate) fn schema_v3(d: Dialect, t: &TableNames) -> Vec<String> {
    let v = d.quote(&t.vault);
    // The vault view (live records) sorts by expiry, the Trash by deletion, so the
    // planner walks an index in order instead of sorting every row. PostgreSQL takes a
    // partial index (the view's condition implies it); SQLite would rather use the
    // `soft_deleted_at IS NULL` equality, so its index starts with that column.
    let name = |n: &str| d.quote(&format!("{}_{n}_sort_idx", t.vault));
    let expires = format!("COALESCE(expires_at, '{NEVER}'), id");
    let sorts = [
        match d {
            Dialect::Sqlite => format!(
                "CREATE INDEX IF NOT EXISTS {} ON {v} (soft_deleted_at, {expires})",
                name("expires")
            ),
            _ => format!(
                "CREATE INDEX IF NOT EXISTS {} ON {v} ({expires}) WHERE soft_deleted_at IS NULL",
                name("expires")
            ),
        },
        format!(
            "CREATE INDEX IF NOT EXISTS {} ON {v} (COALESCE(soft_deleted_at, '{NEVER}'), id) \
             WHERE soft_deleted_at IS NOT NULL",
            name("deleted")
        ),
    ];
    match d {
        Dialect::Sqlite => {
            let mut s = sqlite_fts(d, t);
            s.extend(sorts);
            s
        }
        Dialect::Postgres => {
            let mut s = postgres_trigram(d, t);
            s.extend(sorts);
            s
        }
        // MariaDB has no expression indexes; MySQL's would need 8.0.13.
        Dialect::MySql => Vec::new(),
    }
}

/// The searched fields of the row `r` (`NEW.` in a trigger, empty in a SELECT), joined by
/// newlines; a row whose metadata is not JSON gives its token alone.
fn sqlite_doc(r: &str) -> String {
    format!(
        "concat_ws(char(10), {r}token, CASE WHEN json_valid({r}data) THEN concat_ws(char(10), \
         json_extract({r}data, '$.label'), json_extract({r}data, '$.notes'), \
         json_extract({r}data, '$.username'), json_extract({r}data, '$.url'), \
         (SELECT group_concat(value, char(10)) FROM json_each({r}data, '$.tags') \
          WHERE type = 'text')) END)"
    )
}

fn sqlite_fts(d: Dialect, t: &TableNames) -> Vec<String> {
    let v = d.quote(&t.vault);
    let s = d.quote(&t.search);
    let trigger = |suffix: &str| d.quote(&format!("{}_search_{suffix}", t.vault));
    // Clearing the rowid first: a rowid SQLite reuses after a delete never collides.
    let put = format!(
        "DELETE FROM {s} WHERE rowid = NEW.rowid; \
         INSERT INTO {s} (rowid, doc) VALUES (NEW.rowid, {});",
        sqlite_doc("NEW.")
    );
    vec![
        format!(
            "CREATE VIRTUAL TABLE IF NOT EXISTS {s} USING fts5(doc, content='', \
             contentless_delete=1, tokenize='trigram case_sensitive 0')"
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS {} AFTER INSERT ON {v} BEGIN {put} END",
            trigger("ai")
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS {} AFTER UPDATE OF token, data ON {v} BEGIN \
             DELETE FROM {s} WHERE rowid = OLD.rowid; {put} END",
            trigger("au")
        ),
        format!(
            "CREATE TRIGGER IF NOT EXISTS {} AFTER DELETE ON {v} BEGIN \
             DELETE FROM {s} WHERE rowid = OLD.rowid; END",
            trigger("ad")
        ),
        // The records already there (a vault from before version 3).
        format!(
            "INSERT INTO {s} (rowid, doc) SELECT rowid, {} FROM {v} \
             WHERE rowid NOT IN (SELECT rowid FROM {s})",
            sqlite_doc("")
        ),
    ]
}

/// The indexed expression on PostgreSQL: the function below over the row, in the
/// database's collation (the token's "C" would fold ASCII only).
fn pg_doc(d: Dialect, t: &TableNames) -> String {
    format!(
        "{}(token COLLATE \"default\", data)",
        d.quote(&format!("{}_search_doc", t.vault))
    )
}

fn postgres_trigram(d: Dialect, t: &TableNames) -> Vec<String> {
    let v = d.quote(&t.vault);
    let f = d.quote(&format!("{}_search_doc", t.vault));
    let index = d.quote(&format!("{}_search_trgm_idx", t.vault));
    let doc = pg_doc(d, t);
    vec![
        // Lowercased token, label, notes, username, URL and tags; metadata that is not
        // JSON gives the token alone (an index must not fail a write).
        format!(
            "CREATE OR REPLACE FUNCTION {f}(token text, data text) RETURNS text \
             LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$ \
             DECLARE j jsonb; BEGIN \
               BEGIN j := data::jsonb; EXCEPTION WHEN others THEN RETURN lower(token); END; \
               RETURN lower(concat_ws(chr(10), token, j ->> 'label', j ->> 'notes', \
                 j ->> 'username', j ->> 'url', \
                 CASE WHEN jsonb_typeof(j -> 'tags') = 'array' THEN \
                   array_to_string(ARRAY(SELECT jsonb_array_elements_text(j -> 'tags')), chr(10)) END)); \
             END $fn$"
        ),
        // The extension may be missing or not ours to create: then no index, and
        // searches scan (a subtransaction, so the migration goes on). It goes in
        // `public`, the database's, never the vault's schema (the search_path's first):
        // there, dropping that one vault's schema would cascade to every other vault's
        // index built on it.
        "DO $do$ BEGIN CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public; \
         EXCEPTION WHEN others THEN RAISE NOTICE 'pg_trgm unavailable: %', SQLERRM; END $do$"
            .to_owned(),
        format!(
            "DO $do$ DECLARE ops text; BEGIN \
               SELECT quote_ident(n.nspname) || '.gin_trgm_ops' INTO ops FROM pg_extension e \
                 JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'; \
               IF ops IS NOT NULL THEN \
                 EXECUTE 'CREATE INDEX IF NOT EXISTS {} ON {} USING gin ({} ' || ops || ')'; \
               END IF; END $do$",
            index.replace('\'', "''"),
            v.replace('\'', "''"),
            doc.replace('\'', "''"),
        ),
    ]
}

/// Whether the trigram index exists (PostgreSQL), as `SELECT`ed by [`SearchIndex::of`]'s
/// caller: 1 or 0.
pub(crate) fn pg_index_exists_sql(d: Dialect, t: &TableNames) -> Sql {
    let mut sql = Sql::new(d, "SELECT COUNT(*) FROM (SELECT to_regclass(");
    sql.bind(d.quote(&format!("{}_search_trgm_idx", t.vault)))
        .push(") AS r) AS found WHERE r IS NOT NULL");
    sql
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail by panicking")]

    use super::*;
    use crate::{RecordQuery, Store, StoreOptions};

    /// A text found in `DENSE_AT` records or more is left to the scan, a rarer one
    /// narrows by the index (one `MATCH` in the statement), and both queries still find
    /// exactly their records.
    #[tokio::test]
    async fn a_text_in_many_records_is_left_to_the_scan() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("vault.db").display());
        let store = Store::new(StoreOptions::new(&url)).await.unwrap();
        // Raw rows (the triggers index them): DENSE_AT tagged "common", one also "rarest".
        let insert = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {DENSE_AT}) \
             INSERT INTO vault (id, token, value, created_at, updated_at, data) \
             SELECT printf('%032d', i), printf('tk_%08d', i), 'v3:x', '2026-01-01T00:00:00Z', \
               '2026-01-01T00:00:00Z', \
               CASE WHEN i = 7 THEN '{{\"tags\":[\"common\",\"rarest\"]}}' \
                    ELSE '{{\"tags\":[\"common\"]}}' END FROM n"
        );
        store
            .db()
            .execute(Sql::new(Dialect::Sqlite, &insert), "test")
            .await
            .unwrap();
        let query = RecordQuery::parse("tag:common tag:rarest").unwrap();
        let index = store.index_for(store.db(), &query).await.unwrap();
        let SearchIndex::Fts5 { dense, .. } = &index else {
            panic!("SQLite has the FTS5 index: {index:?}")
        };
        assert_eq!(dense, &["common".to_owned()]);
        let mut sql = Sql::new(Dialect::Sqlite, "SELECT 1 FROM vault");
        query.push_where(&mut sql, Dialect::Sqlite, chrono::Utc::now(), &index);
        assert_eq!(sql.text.matches(" MATCH ").count(), 1, "{}", sql.text);

        for (q, want) in [
            ("tag:common", DENSE_AT),
            ("tag:rarest", 1),
            ("tag:common tag:rarest", 1),
        ] {
            let n = store.records_count(&RecordQuery::parse(q).unwrap()).await;
            assert_eq!(n.unwrap(), want.unsigned_abs(), "{q}");
        }
        let page = store
            .records_list(&RecordQuery::parse("tag:common").unwrap().limit(5))
            .await
            .unwrap();
        assert_eq!(page.records.len(), 5);
        store.close().await;
    }
}
