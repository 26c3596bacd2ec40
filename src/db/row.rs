//! Decoding rows into plain values, generic over the backend's row type.

use sqlx::{ColumnIndex, Decode, Row, Type};

/// The record columns, in the order [`decode`] reads them.
pub(crate) const RECORD_COLUMNS: &str =
    "id, token, value, created_at, updated_at, expires_at, soft_deleted_at, data";

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

pub(crate) fn decode<R>(row: &R) -> Result<RawRecord, sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
{
    Ok(RawRecord {
        id: row.try_get(0)?,
        token: row.try_get(1)?,
        value: row.try_get(2)?,
        created_at: row.try_get(3)?,
        updated_at: row.try_get(4)?,
        expires_at: row.try_get(5)?,
        soft_deleted_at: row.try_get(6)?,
        data: row.try_get(7)?,
    })
}

pub(crate) fn first_i64<R>(row: &R) -> Result<i64, sqlx::Error>
where
    R: Row,
    usize: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
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
