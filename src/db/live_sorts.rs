//! The indexes behind the vault view's sorts (schema version 4).
//!
//! The vault view lists live records (`soft_deleted_at IS NULL`) sorted by creation,
//! last change or token, and the app jumps into the middle of a long listing by
//! `OFFSET`. An index on `(created_at, id)` alone gives the order, but every row it walks
//! must be read from the table to learn whether it is live, so an offset of 500,000
//! reads 500,000 rows, and SQLite, which has no statistics for a vault, would rather
//! take the `soft_deleted_at` index and sort every live row for each page. One index per
//! sort that holds the view's condition too serves both: the page is an index range in
//! order, and the rows an offset skips are index entries, not table rows.
//!
//! - SQLite: `(soft_deleted_at, key, id)`: `soft_deleted_at IS NULL` is an equality on
//!   its first column and the rest is the order; SQLite defers reading the table row
//!   until a row is returned, so skipped rows cost an index entry each.
//! - PostgreSQL: `(key, id) WHERE soft_deleted_at IS NULL`: a partial index, as the
//!   expiry sort's (schema 3).
//! - MySQL/MariaDB: none added (as for schema 3); the vault view's pages there read the
//!   `(key, id)` index and check each row.
//!
//! The label and tags sorts get none: their key is a JSON expression, and an index over
//! it would make every write of metadata that is not JSON fail (the search index guards
//! against that; a sort key cannot). Expiry's index came with schema 3.

use super::{Dialect, TableNames};

/// The sorts indexed for the vault view: (index name suffix, key columns).
pub(crate) const LIVE_SORTS: [(&str, &str); 3] = [
    ("created", "created_at, id"),
    ("updated", "updated_at, id"),
    ("token", "token, id"),
];

/// The statements of schema version 4 (idempotent).
pub(crate) fn schema_v4(d: Dialect, t: &TableNames) -> Vec<String> {
    let v = d.quote(&t.vault);
    let name = |n: &str| d.quote(&format!("{}_{n}_live_idx", t.vault));
    match d {
        Dialect::Sqlite => LIVE_SORTS
            .iter()
            .map(|(n, key)| {
                format!(
                    "CREATE INDEX IF NOT EXISTS {} ON {v} (soft_deleted_at, {key})",
                    name(n)
                )
            })
            .collect(),
        Dialect::Postgres => LIVE_SORTS
            .iter()
            .map(|(n, key)| {
                format!(
                    "CREATE INDEX IF NOT EXISTS {} ON {v} ({key}) WHERE soft_deleted_at IS NULL",
                    name(n)
                )
            })
            .collect(),
        // MySQL has no CREATE INDEX IF NOT EXISTS (a step cut short there is run again).
        Dialect::MySql => Vec::new(),
    }
}
