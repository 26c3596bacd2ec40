//! SQLite: schema and dialect fragments.
//!
//! Text compares byte-wise (the default BINARY collation), so tokens are case-sensitive.

use super::TableNames;

pub(super) const LABEL_EXPR: &str = "json_extract(data, '$.label')";
/// The first tag (NULL without tags), the key of the tags sort.
pub(super) const FIRST_TAG_EXPR: &str = "json_extract(data, '$.tags[0]')";

/// Token, label, notes, username and URL joined by newlines (a query word never holds
/// one, so it cannot match across two fields).
pub(super) const SEARCH_TEXT_EXPR: &str = "concat_ws(char(10), token, \
    json_extract(data, '$.label'), json_extract(data, '$.notes'), \
    json_extract(data, '$.username'), json_extract(data, '$.url'))";

/// The start of a subquery over the row's tags (one row each, the tag in `TAG_EXPR`);
/// a condition on the tag follows.
pub(super) const TAG_ROWS: &str =
    "SELECT 1 FROM json_each(data, '$.tags') AS t WHERE t.type = 'text' AND ";
pub(super) const TAG_EXPR: &str = "t.value";
/// Holds for a row whose data may have tags: a text search that rules out the rows
/// without any before their JSON is parsed (the store writes the key as is).
pub(super) const HAS_TAGS_KEY: &str = "instr(data, '\"tags\"') > 0";
/// Joins each row of a subquery `r` to its tags, one row each, the tag in `t.value`.
pub(super) const TAG_JOIN: &str = ", json_each(r.data, '$.tags') AS t WHERE t.type = 'text'";

pub(super) fn schema_v1(t: &TableNames) -> Vec<String> {
    let v = &t.vault;
    let mut s = vec![format!(
        r#"CREATE TABLE IF NOT EXISTS "{v}" (
            id TEXT NOT NULL PRIMARY KEY,
            token TEXT NOT NULL UNIQUE,
            value TEXT NOT NULL,
            password_hash TEXT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            expires_at TEXT NULL,
            soft_deleted_at TEXT NULL,
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
