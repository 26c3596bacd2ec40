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

use super::{Dialect, Sql, TableNames};
use crate::query::NEVER;

/// What a query word can use to find its rows fast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SearchIndex {
    /// Nothing: the exact condition scans.
    None,
    /// SQLite's FTS5 trigram table (quoted name): a search reads its matches by rowid.
    Fts5(String),
    /// The FTS5 table (quoted name) narrowing by one text only: the query's rarest (the
    /// exact conditions test the others on those few rows).
    Fts5Text(String, String),
    /// PostgreSQL's trigram index over this (lowercased) expression of the row.
    Trigram(String),
}

/// Trigrams need three characters: a shorter word finds nothing in the index.
const MIN_CHARS: usize = 3;

/// Above this many matches the index is left out (SQLite): the rows come in the sort's
/// order from its index, each tested by the exact conditions, and a page's 50 matches
/// are met within the first rows; SQLite reads an `IN (MATCH)` whole before its first
/// row (a third of a million rowids for `tag:prod` in the bench: a second). Below it,
/// the index wins: at a million rows, 10,000 matches are 1 %, and a scan would read
/// 5,000 rows or more to fill a page, about what reading 10,000 matches costs. SQLite
/// keeps no statistics of what a MATCH returns, so the store counts up to this first
/// (about a millisecond).
pub(crate) const FEW_MATCHES: i64 = 10_000;

impl SearchIndex {
    /// What a vault at schema 3 has: SQLite always; PostgreSQL if the index was made.
    pub(crate) fn of(d: Dialect, t: &TableNames, pg_index_exists: bool) -> Self {
        match d {
            Dialect::Sqlite => Self::Fts5(d.quote(&t.search)),
            Dialect::Postgres if pg_index_exists => Self::Trigram(pg_doc(d, t)),
            Dialect::Postgres | Dialect::MySql => Self::None,
        }
    }

    /// The statement counting the matches of `text`, up to [`FEW_MATCHES`] + 1, where
    /// the plan of a sorted page depends on it (SQLite); `None` elsewhere, or for a text
    /// too short for the index.
    pub(crate) fn count_matches_sql(&self, d: Dialect, text: &str) -> Option<Sql> {
        let Self::Fts5(table) = self else {
            return None;
        };
        let query = fts5_query(&[text])?;
        let mut sql = Sql::new(
            d,
            &format!("SELECT COUNT(*) FROM (SELECT rowid FROM {table} WHERE {table} MATCH "),
        );
        sql.bind(query)
            .push(" LIMIT ")
            .bind(FEW_MATCHES + 1)
            .push(")");
        Some(sql)
    }

    /// This FTS5 index narrowing by `text` alone.
    pub(crate) fn narrowed_to(&self, text: &str) -> Self {
        match self {
            Self::Fts5(table) | Self::Fts5Text(table, _) => {
                Self::Fts5Text(table.clone(), text.to_owned())
            }
            other => other.clone(),
        }
    }

    /// Narrows the rows to those whose indexed text contains every one of `texts` (or,
    /// narrowed, its one text), ignoring case, where the index can tell; else adds
    /// nothing. A text under three characters narrows nothing.
    pub(crate) fn push_prefilter(&self, sql: &mut Sql, texts: &[&str]) {
        match self {
            Self::None => {}
            Self::Fts5(table) => push_match(sql, table, texts),
            Self::Fts5Text(table, text) => push_match(sql, table, &[text.as_str()]),
            Self::Trigram(doc) => {
                // The GIN index combines the conditions (a bitmap AND).
                for text in texts.iter().filter(|t| t.chars().count() >= MIN_CHARS) {
                    let pattern = format!("%{}%", crate::query::escape_like(&text.to_lowercase()));
                    sql.push(&format!(" AND {doc} LIKE "))
                        .bind(pattern)
                        .push(" ESCAPE '!'");
                }
            }
        }
    }
}

/// Narrows the rows to the matches of `texts` in FTS5 table `table`.
fn push_match(sql: &mut Sql, table: &str, texts: &[&str]) {
    let Some(query) = fts5_query(texts) else {
        return;
    };
    sql.push(&format!(
        " AND rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH "
    ))
    .bind(query)
    .push(")");
}

/// One FTS5 query for all of `texts` (those of three characters or more), each a quoted
/// string (its trigrams, in order), joined by AND: FTS5 intersects the lists itself. A
/// subquery per text would first collect every row of a common one ("record" in a
/// million records) only to intersect it with a rare one's few. (Listing pages do better
/// still: knowing each text's count, they narrow by the rarest alone, `Fts5Text`.)
fn fts5_query(texts: &[&str]) -> Option<String> {
    let quoted: Vec<String> = texts
        .iter()
        .filter(|t| t.chars().count() >= MIN_CHARS)
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    (!quoted.is_empty()).then(|| quoted.join(" AND "))
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

/// The indexed function (PostgreSQL): lowercased token, label, notes, username, URL and
/// tags; metadata that is not JSON gives the token alone (an index must not fail a
/// write). Catching that error starts a subtransaction, which a parallel plan forbids
/// ("cannot start subtransactions during a parallel operation"), so the function is
/// parallel unsafe (PostgreSQL's default): a query calling it never runs in workers.
fn pg_doc_function(d: Dialect, t: &TableNames) -> String {
    let f = d.quote(&format!("{}_search_doc", t.vault));
    format!(
        "CREATE OR REPLACE FUNCTION {f}(token text, data text) RETURNS text \
         LANGUAGE plpgsql IMMUTABLE PARALLEL UNSAFE AS $fn$ \
         DECLARE j jsonb; BEGIN \
           BEGIN j := data::jsonb; EXCEPTION WHEN others THEN RETURN lower(token); END; \
           RETURN lower(concat_ws(chr(10), token, j ->> 'label', j ->> 'notes', \
             j ->> 'username', j ->> 'url', \
             CASE WHEN jsonb_typeof(j -> 'tags') = 'array' THEN \
               array_to_string(ARRAY(SELECT jsonb_array_elements_text(j -> 'tags')), chr(10)) END)); \
         END $fn$"
    )
}

/// The statements of schema version 6 (idempotent): the indexed function of schema 3
/// was declared parallel safe, and a search the planner ran in parallel failed.
pub(crate) fn schema_v6(d: Dialect, t: &TableNames) -> Vec<String> {
    match d {
        Dialect::Postgres => vec![pg_doc_function(d, t)],
        Dialect::Sqlite | Dialect::MySql => Vec::new(),
    }
}

fn postgres_trigram(d: Dialect, t: &TableNames) -> Vec<String> {
    let v = d.quote(&t.vault);
    let index = d.quote(&format!("{}_search_trgm_idx", t.vault));
    let doc = pg_doc(d, t);
    vec![
        pg_doc_function(d, t),
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

/// PostgreSQL's GIN index files new entries in a pending list and merges the list into
/// its tree once it outgrows `gin_pending_list_limit` (4 MB): a bulk write of 100,000
/// rows merged about 17 times, each merge touching leaf pages all over the index (17 s
/// of a 20 s rewrite of every value). A bulk write raises the limit for its own
/// transaction (`SET LOCAL`; any role may) and merges once, after it commits.
pub(crate) const PG_DEFER_MERGE: &str = "SET LOCAL gin_pending_list_limit = '1GB'";

/// Merges the trigram index's pending list (PostgreSQL), where this login may (the
/// index's owner: PostgreSQL refuses anyone else); otherwise autovacuum, or the next
/// write past the default limit, does it. Selects how many merges ran (0 or 1).
pub(crate) fn pg_merge_sql(d: Dialect, t: &TableNames) -> Sql {
    let mut sql = Sql::new(
        d,
        "SELECT COUNT(gin_clean_pending_list(c.oid)) FROM pg_class c WHERE c.oid = to_regclass(",
    );
    sql.bind(d.quote(&format!("{}_search_trgm_idx", t.vault)))
        .push(") AND pg_has_role(c.relowner, 'USAGE')");
    sql
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

    /// Texts found in more than `FEW_MATCHES` records are left to the scan (the page
    /// walks its sort's index); with a rare text beside them, one `MATCH` narrows by all
    /// of them. Either way the counts are exact.
    #[tokio::test]
    async fn texts_in_many_records_are_left_to_the_scan() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("vault.db").display());
        let store = Store::new(StoreOptions::new(&url)).await.unwrap();
        // Raw rows (the triggers index them): all tagged "common", one also "rarest".
        let n = FEW_MATCHES + 1;
        let insert = format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
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
        let common = RecordQuery::parse("tag:common").unwrap();
        let index = store.index_for(store.db(), &common).await.unwrap();
        assert_eq!(index, SearchIndex::None, "a common text scans");
        let both = RecordQuery::parse("tag:common tag:rarest").unwrap();
        let index = store.index_for(store.db(), &both).await.unwrap();
        let mut sql = Sql::new(Dialect::Sqlite, "SELECT 1 FROM vault");
        both.push_where(&mut sql, Dialect::Sqlite, chrono::Utc::now(), &index);
        assert_eq!(sql.text.matches(" MATCH ").count(), 1, "{}", sql.text);

        for (q, want) in [
            ("tag:common", n),
            ("tag:rarest", 1),
            ("tag:common tag:rarest", 1),
        ] {
            let count = store.records_count(&RecordQuery::parse(q).unwrap()).await;
            assert_eq!(count.unwrap(), want.unsigned_abs(), "{q}");
        }
        let page = store.records_list(&common.limit(5)).await.unwrap();
        assert_eq!(page.records.len(), 5);
        store.close().await;
    }
}
