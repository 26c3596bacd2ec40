//! The record row: its columns, the decoder and the INSERT, in one place.
//!
//! A row travels in two shapes. [`RawRecord`] is the row as stored: text columns, not
//! parsed, read by [`decode`] and written by [`insert`]. `transfer::BundleRecord` is the
//! same row as a bundle carries it (canonical times, metadata as validated JSON); it
//! converts to and from `RawRecord` in `transfer::bundle`, and nowhere else.

use sqlx::{ColumnIndex, Decode, Row, Type};

use super::{Dialect, Sql};

/// The record columns a SELECT reads; [`decode`] takes them by name.
pub(crate) const RECORD_COLUMNS: &str =
    "id, token, value, created_at, updated_at, expires_at, soft_deleted_at, data";

/// The columns an INSERT writes. `password_hash` is the Go library's column: kept in the
/// schema so a shared table stays readable by it, always NULL here.
const INSERT_COLUMNS: &str =
    "id, token, value, password_hash, created_at, updated_at, expires_at, soft_deleted_at, data";

/// A record row as stored: text columns, not yet parsed.
#[derive(Debug, Clone)]
pub(crate) struct RawRecord {
    pub id: String,
    pub token: String,
    pub value: String,
    pub created_at: String,
    pub updated_at: String,
    pub expires_at: Option<String>,
    pub soft_deleted_at: Option<String>,
    pub data: String,
}

/// Reads a row selected with [`RECORD_COLUMNS`], by column name (a reordered SELECT
/// fails loudly instead of swapping fields).
pub(crate) fn decode<R>(row: &R) -> Result<RawRecord, sqlx::Error>
where
    R: Row,
    for<'a> &'a str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(RawRecord {
        id: row.try_get("id")?,
        token: row.try_get("token")?,
        value: row.try_get("value")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        expires_at: row.try_get("expires_at")?,
        soft_deleted_at: row.try_get("soft_deleted_at")?,
        data: row.try_get("data")?,
    })
}

/// One multi-row INSERT of `rows` into `table` (already quoted), as create and import
/// write them. `rows` must not be empty.
pub(crate) fn insert(d: Dialect, table: &str, rows: impl IntoIterator<Item = RawRecord>) -> Sql {
    let mut sql = Sql::new(
        d,
        &format!("INSERT INTO {table} ({INSERT_COLUMNS}) VALUES "),
    );
    for (i, r) in rows.into_iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("(")
            .bind(r.id)
            .push(", ")
            .bind(r.token)
            .push(", ")
            .bind(r.value)
            .push(", NULL, ")
            .bind(r.created_at)
            .push(", ")
            .bind(r.updated_at)
            .push(", ")
            .bind(r.expires_at)
            .push(", ")
            .bind(r.soft_deleted_at)
            .push(", ")
            .bind(r.data)
            .push(")");
    }
    sql
}

/// PostgreSQL: `rows` in `COPY … FROM STDIN` text format (tab-separated, `\N` for NULL,
/// backslash escapes), the columns of [`copy_statement`].
pub(crate) fn copy_text(rows: impl IntoIterator<Item = RawRecord>) -> Vec<u8> {
    fn field(out: &mut String, v: Option<&str>) {
        let Some(v) = v else {
            out.push_str("\\N");
            return;
        };
        for c in v.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c => out.push(c),
            }
        }
    }
    let mut out = String::new();
    for r in rows {
        for (i, v) in [
            Some(r.id.as_str()),
            Some(r.token.as_str()),
            Some(r.value.as_str()),
            None,
            Some(r.created_at.as_str()),
            Some(r.updated_at.as_str()),
            r.expires_at.as_deref(),
            r.soft_deleted_at.as_deref(),
            Some(r.data.as_str()),
        ]
        .into_iter()
        .enumerate()
        {
            if i > 0 {
                out.push('\t');
            }
            field(&mut out, v);
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// PostgreSQL: the `COPY` statement [`copy_text`]'s rows are for.
pub(crate) fn copy_statement(table: &str) -> String {
    format!("COPY {table} ({INSERT_COLUMNS}) FROM STDIN")
}

pub(crate) fn first_i64<R>(row: &R) -> Result<i64, sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get(0)
}

pub(crate) fn first_text<R>(row: &R) -> Result<String, sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    row.try_get(0)
}

pub(crate) fn pair<R>(row: &R) -> Result<(String, String), sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// An integer first column (a sequence or version number) and every other column as
/// optional text.
pub(crate) fn numbered<R>(row: &R) -> Result<(i64, Vec<Option<String>>), sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
{
    let n = row.try_get(0)?;
    let rest = (1..row.len())
        .map(|i| row.try_get(i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((n, rest))
}
