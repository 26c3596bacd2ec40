//! PostgreSQL: schema and dialect fragments.
//!
//! Text columns use the `"C"` collation: byte order, so tokens are case-sensitive and
//! sort the same as on SQLite and MySQL, and prefix ranges can use the index.

use super::TableNames;

pub(super) const LABEL_EXPR: &str = "(data::jsonb ->> 'label')";

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
