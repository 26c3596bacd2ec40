//! PostgreSQL: schema and dialect fragments.
//!
//! Text columns use the `"C"` collation: byte order, so tokens are case-sensitive and
//! sort the same as on SQLite and MySQL, and prefix ranges can use the index.

use super::TableNames;

pub(super) const LABEL_EXPR: &str = "(data::jsonb ->> 'label')";
/// The first tag (NULL without tags), the key of the tags sort.
pub(super) const FIRST_TAG_EXPR: &str = "(data::jsonb -> 'tags' ->> 0)";

/// Token, label, notes, username and URL joined by newlines (a query word never holds
/// one, so it cannot match across two fields), parsing the JSON once. The token's "C"
/// collation would make the whole text fold ASCII only, so the database's is used.
pub(super) const SEARCH_TEXT_EXPR: &str = "(SELECT concat_ws(chr(10), \
    token COLLATE \"default\", j ->> 'label', j ->> 'notes', j ->> 'username', \
    j ->> 'url') FROM (SELECT data::jsonb AS j) AS s)";

/// The start of a subquery over the row's tags (one row each, the tag in `TAG_EXPR`);
/// a condition on the tag follows. A `tags` that is not an array has no tags (the
/// function would fail on it).
pub(super) const TAG_ROWS: &str = "SELECT 1 FROM jsonb_array_elements_text(\
    CASE WHEN jsonb_typeof(data::jsonb -> 'tags') = 'array' THEN data::jsonb -> 'tags' END\
    ) AS t(v) WHERE ";
pub(super) const TAG_EXPR: &str = "t.v";
/// Holds for a row whose data may have tags: a text search that rules out the rows
/// without any before their JSON is parsed (the store writes the key as is).
pub(super) const HAS_TAGS_KEY: &str = "strpos(data, '\"tags\"') > 0";
/// Joins each row of a subquery `r` to its tags, one row each, the tag in `t.v`.
pub(super) const TAG_JOIN: &str = " CROSS JOIN LATERAL jsonb_array_elements_text(\
    CASE WHEN jsonb_typeof(r.data::jsonb -> 'tags') = 'array' THEN r.data::jsonb -> 'tags' END\
    ) AS t(v) WHERE 1=1";

pub(super) fn schema_v1(t: &TableNames) -> Vec<String> {
    let v = &t.vault;
    let mut s = vec![format!(
        r#"CREATE TABLE IF NOT EXISTS "{v}" (
            id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
            token TEXT COLLATE "C" NOT NULL UNIQUE,
            value TEXT NOT NULL,
            password_hash TEXT NULL,
            created_at TEXT COLLATE "C" NOT NULL,
            updated_at TEXT COLLATE "C" NOT NULL,
            expires_at TEXT COLLATE "C" NULL,
            soft_deleted_at TEXT COLLATE "C" NULL,
            data TEXT NOT NULL DEFAULT '{{}}'
        )"#
    )];
    for (name, columns) in super::migrate::INDEXES {
        s.push(format!(
            r#"CREATE INDEX IF NOT EXISTS "{v}_{name}_idx" ON "{v}" ({columns})"#
        ));
    }
    s
}
