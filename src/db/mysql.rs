//! MySQL / MariaDB: schema and dialect fragments.
//!
//! The table uses `utf8mb4_bin`: byte-order comparison, so tokens are case-sensitive.
//! MySQL has no `CREATE INDEX IF NOT EXISTS`, so the indexes are declared inline.

use super::TableNames;

pub(super) const LABEL_EXPR: &str = "JSON_UNQUOTE(JSON_EXTRACT(data, '$.label'))";
/// The first tag (NULL without tags), the key of the tags sort.
pub(super) const FIRST_TAG_EXPR: &str = "JSON_UNQUOTE(JSON_EXTRACT(data, '$.tags[0]'))";

/// Token, label, notes, username and URL joined by newlines (a query word never holds
/// one, so it cannot match across two fields). `CHAR(10)` alone would be a binary
/// string, and LOWER leaves binary text alone.
pub(super) const SEARCH_TEXT_EXPR: &str = "CONCAT_WS(CHAR(10 USING utf8mb4), token, \
    JSON_UNQUOTE(JSON_EXTRACT(data, '$.label')), JSON_UNQUOTE(JSON_EXTRACT(data, '$.notes')), \
    JSON_UNQUOTE(JSON_EXTRACT(data, '$.username')), JSON_UNQUOTE(JSON_EXTRACT(data, '$.url')))";

/// The start of a subquery over the row's tags (one row each, the tag in `TAG_EXPR`);
/// a condition on the tag follows.
pub(super) const TAG_ROWS: &str = "SELECT 1 FROM JSON_TABLE(data, '$.tags[*]' COLUMNS (\
    v LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$')) AS t WHERE ";
pub(super) const TAG_EXPR: &str = "t.v";
/// Holds for a row whose data may have tags: a text search that rules out the rows
/// without any before their JSON is parsed (the store writes the key as is).
pub(super) const HAS_TAGS_KEY: &str = "LOCATE('\"tags\"', data) > 0";
/// Joins each row of a subquery `r` to its tags, one row each, the tag in `t.v`.
pub(super) const TAG_JOIN: &str = " CROSS JOIN JSON_TABLE(r.data, '$.tags[*]' COLUMNS (\
    v LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PATH '$')) AS t WHERE 1=1";

pub(super) fn schema_v1(t: &TableNames) -> Vec<String> {
    let v = &t.vault;
    let indexes: String = super::migrate::INDEXES
        .iter()
        .map(|(name, columns)| format!(",\n            KEY `{v}_{name}_idx` ({columns})"))
        .collect();
    vec![format!(
        r#"CREATE TABLE IF NOT EXISTS `{v}` (
            id VARCHAR(40) NOT NULL PRIMARY KEY,
            token VARCHAR(128) NOT NULL,
            value LONGTEXT NOT NULL,
            password_hash VARCHAR(255) NULL,
            created_at VARCHAR(32) NOT NULL,
            updated_at VARCHAR(32) NOT NULL,
            expires_at VARCHAR(32) NULL,
            soft_deleted_at VARCHAR(32) NULL,
            data LONGTEXT NOT NULL,
            UNIQUE KEY `{v}_token_uq` (token){indexes}
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"#
    )]
}
