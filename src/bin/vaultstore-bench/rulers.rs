//! The rulers: raw sqlx statements on the benchmark database, with no store around them.

use sqlx::{AssertSqlSafe, Row};
use vaultstore::DbPool;

/// One prepared row for raw inserts.
#[derive(Clone)]
pub struct RawRow {
    pub id: String,
    pub token: String,
    pub value: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub data: String,
}

fn ph(pool: &DbPool, n: usize) -> String {
    match pool {
        DbPool::Postgres(_) => format!("${n}"),
        _ => "?".to_owned(),
    }
}

fn quote(pool: &DbPool, table: &str) -> String {
    match pool {
        DbPool::MySql(_) => format!("`{table}`"),
        _ => format!("\"{table}\""),
    }
}

const COLUMNS: &str = "id, token, value, created_at, updated_at, expires_at, soft_deleted_at, data";

/// Q: a point select of one record by token.
pub async fn point_select(pool: &DbPool, table: &str, token: &str) -> sqlx::Result<usize> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {} WHERE token = {}",
        quote(pool, table),
        ph(pool, 1)
    );
    let q = AssertSqlSafe(sql);
    Ok(match pool {
        DbPool::Sqlite(p) => sqlx::query(q)
            .bind(token)
            .fetch_optional(p)
            .await?
            .map(|r| r.len()),
        DbPool::Postgres(p) => sqlx::query(q)
            .bind(token)
            .fetch_optional(p)
            .await?
            .map(|r| r.len()),
        DbPool::MySql(p) => sqlx::query(q)
            .bind(token)
            .fetch_optional(p)
            .await?
            .map(|r| r.len()),
    }
    .unwrap_or(0))
}

/// P0: the first page of 50 rows, unfiltered, newest first.
pub async fn first_page(pool: &DbPool, table: &str) -> sqlx::Result<usize> {
    let sql = format!(
        "SELECT {COLUMNS} FROM {} ORDER BY created_at DESC, id DESC LIMIT 50",
        quote(pool, table)
    );
    let q = AssertSqlSafe(sql);
    Ok(match pool {
        DbPool::Sqlite(p) => sqlx::query(q).fetch_all(p).await?.len(),
        DbPool::Postgres(p) => sqlx::query(q).fetch_all(p).await?.len(),
        DbPool::MySql(p) => sqlx::query(q).fetch_all(p).await?.len(),
    })
}

/// The id and created_at of the row at `offset` in created_at order (setup only).
pub async fn row_at(pool: &DbPool, table: &str, offset: i64) -> sqlx::Result<String> {
    let sql = format!(
        "SELECT id FROM {} ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET {offset}",
        quote(pool, table)
    );
    let q = AssertSqlSafe(sql);
    match pool {
        DbPool::Sqlite(p) => sqlx::query(q).fetch_one(p).await?.try_get(0),
        DbPool::Postgres(p) => sqlx::query(q).fetch_one(p).await?.try_get(0),
        DbPool::MySql(p) => sqlx::query(q).fetch_one(p).await?.try_get(0),
    }
}

/// W2: two single-row inserts committed together, as a create and its audit entry are.
pub async fn insert_two(pool: &DbPool, table: &str, a: &RawRow, b: &RawRow) -> sqlx::Result<()> {
    let sql = insert_sql(pool, table);
    macro_rules! run {
        ($p:expr) => {{
            let mut tx = $p.begin().await?;
            for r in [a, b] {
                sqlx::query(AssertSqlSafe(sql.clone()))
                    .bind(&r.id)
                    .bind(&r.token)
                    .bind(&r.value)
                    .bind(&r.created_at)
                    .bind(&r.created_at)
                    .bind(&r.expires_at)
                    .bind(&r.data)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await
        }};
    }
    match pool {
        DbPool::Sqlite(p) => run!(p),
        DbPool::Postgres(p) => run!(p),
        DbPool::MySql(p) => run!(p),
    }
}

fn insert_sql(pool: &DbPool, table: &str) -> String {
    let p: Vec<String> = (1..=7).map(|k| ph(pool, k)).collect();
    format!(
        "INSERT INTO {} (id, token, value, password_hash, created_at, updated_at, expires_at, soft_deleted_at, data) VALUES ({}, {}, {}, NULL, {}, {}, {}, NULL, {})",
        quote(pool, table),
        p[0],
        p[1],
        p[2],
        p[3],
        p[4],
        p[5],
        p[6]
    )
}

/// W: one autocommitted single-row insert, as a create is.
pub async fn insert_one(pool: &DbPool, table: &str, r: &RawRow) -> sqlx::Result<()> {
    let p: Vec<String> = (1..=7).map(|k| ph(pool, k)).collect();
    let sql = format!(
        "INSERT INTO {} (id, token, value, password_hash, created_at, updated_at, expires_at, soft_deleted_at, data) VALUES ({}, {}, {}, NULL, {}, {}, {}, NULL, {})",
        quote(pool, table),
        p[0],
        p[1],
        p[2],
        p[3],
        p[4],
        p[5],
        p[6]
    );
    macro_rules! run {
        ($p:expr) => {
            sqlx::query(AssertSqlSafe(sql))
                .bind(&r.id)
                .bind(&r.token)
                .bind(&r.value)
                .bind(&r.created_at)
                .bind(&r.created_at)
                .bind(&r.expires_at)
                .bind(&r.data)
                .execute($p)
                .await
                .map(drop)
        };
    }
    match pool {
        DbPool::Sqlite(p) => run!(p),
        DbPool::Postgres(p) => run!(p),
        DbPool::MySql(p) => run!(p),
    }
}

/// A raw batched insert: `batch` rows per statement, one transaction.
pub async fn insert(pool: &DbPool, table: &str, rows: &[RawRow], batch: usize) -> sqlx::Result<()> {
    macro_rules! run {
        ($p:expr) => {{
            let mut tx = $p.begin().await?;
            for chunk in rows.chunks(batch.max(1)) {
                let mut sql = format!(
                    "INSERT INTO {} (id, token, value, password_hash, created_at, updated_at, expires_at, soft_deleted_at, data) VALUES ",
                    quote(pool, table)
                );
                let mut n = 0;
                for (i, _) in chunk.iter().enumerate() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    let p: Vec<String> = (1..=7).map(|k| ph(pool, n + k)).collect();
                    n += 7;
                    sql.push_str(&format!(
                        "({}, {}, {}, NULL, {}, {}, {}, NULL, {})",
                        p[0], p[1], p[2], p[3], p[4], p[5], p[6]
                    ));
                }
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for r in chunk {
                    q = q
                        .bind(&r.id)
                        .bind(&r.token)
                        .bind(&r.value)
                        .bind(&r.created_at)
                        .bind(&r.created_at)
                        .bind(&r.expires_at)
                        .bind(&r.data);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await
        }};
    }
    match pool {
        DbPool::Sqlite(p) => run!(p),
        DbPool::Postgres(p) => run!(p),
        DbPool::MySql(p) => run!(p),
    }
}

/// PostgreSQL: the trigram index's pending list grows for the transaction and is merged
/// once after it (`merge_pending`), as the store's bulk writes do: the server's fastest
/// way to write many rows into a table with that index.
const DEFER_MERGE: &str = "SET LOCAL gin_pending_list_limit = '1GB'";

/// PostgreSQL: merges the pending list of `table`'s trigram index (if it has one).
async fn merge_pending(p: &sqlx::PgPool, table: &str) -> sqlx::Result<()> {
    let sql = format!("SELECT gin_clean_pending_list(to_regclass('{table}_search_trgm_idx'))");
    sqlx::query(AssertSqlSafe(sql)).execute(p).await.map(drop)
}

/// The database's fastest way in for `rows`, in one transaction: PostgreSQL's `COPY …
/// FROM STDIN` (one stream, the index merged once), MySQL/MariaDB's multi-row INSERTs of 1,000 rows, SQLite's
/// of 200. Returns what it was, for the row's label.
pub async fn fastest_insert(
    pool: &DbPool,
    table: &str,
    rows: &[RawRow],
) -> sqlx::Result<&'static str> {
    match pool {
        DbPool::Postgres(p) => {
            let mut tx = p.begin().await?;
            sqlx::query(DEFER_MERGE).execute(&mut *tx).await?;
            let mut copy = tx
                .copy_in_raw(&format!(
                    "COPY {} ({COLUMNS}) FROM STDIN",
                    quote(pool, table)
                ))
                .await?;
            copy.send(copy_text(rows)).await?;
            copy.finish().await?;
            tx.commit().await?;
            merge_pending(p, table).await?;
            Ok("raw COPY")
        }
        DbPool::MySql(_) => insert(pool, table, rows, 1_000)
            .await
            .map(|()| "raw 1,000-row INSERTs"),
        DbPool::Sqlite(_) => insert(pool, table, rows, 200)
            .await
            .map(|()| "raw batched insert"),
    }
}

/// `rows` in COPY's text format, the columns of [`COLUMNS`].
fn copy_text(rows: &[RawRow]) -> Vec<u8> {
    let escape = |v: &str| {
        v.replace('\\', "\\\\")
            .replace('\t', "\\t")
            .replace('\n', "\\n")
            .replace('\r', "\\r")
    };
    let mut out = String::new();
    for r in rows {
        let expires = r.expires_at.as_deref().map_or("\\N".to_owned(), escape);
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{expires}\t\\N\t{}\n",
            escape(&r.id),
            escape(&r.token),
            escape(&r.value),
            escape(&r.created_at),
            escape(&r.created_at),
            escape(&r.data)
        ));
    }
    out.into_bytes()
}

/// The change-password ruler: every row's value rewritten (the same value reversed, a
/// new `updated_at`), read and written in keyset batches of 500 as the store does (the
/// batch read locked, `FOR UPDATE`, on a server) by the server's fastest batch update,
/// in one transaction that is rolled back (the values must still open afterwards).
/// PostgreSQL: `UPDATE … FROM UNNEST($1::text[], $2::text[])`, the index merged once
/// (its pending entries outlive the rollback); elsewhere `CASE id`.
pub async fn rewrite_values(pool: &DbPool, table: &str, now: &str) -> sqlx::Result<u64> {
    let t = quote(pool, table);
    let lock = match pool {
        DbPool::Sqlite(_) => "",
        _ => " FOR UPDATE",
    };
    let select = format!(
        "SELECT id, value FROM {t} WHERE id > {} ORDER BY id LIMIT 500{lock}",
        ph(pool, 1)
    );
    let reversed = |v: &str| v.chars().rev().collect::<String>();
    let mut written = 0;
    macro_rules! batches {
        ($p:expr, |$tx:ident, $rows:ident| $write:expr) => {{
            let mut $tx = $p.begin().await?;
            if matches!(pool, DbPool::Postgres(_)) {
                sqlx::query(DEFER_MERGE).execute(&mut *$tx).await?;
            }
            let mut last = String::new();
            loop {
                let $rows: Vec<(String, String)> = sqlx::query(AssertSqlSafe(select.clone()))
                    .bind(&last)
                    .fetch_all(&mut *$tx)
                    .await?
                    .iter()
                    .map(|r| (r.get::<String, _>(0), r.get::<String, _>(1)))
                    .collect();
                let Some((id, _)) = $rows.last() else { break };
                last = id.clone();
                written += $write;
            }
            $tx.rollback().await?;
        }};
    }
    match pool {
        DbPool::Postgres(p) => {
            batches!(p, |tx, rows| {
                let sql = format!(
                    "UPDATE {t} AS v SET value = u.value, updated_at = $3 \
                 FROM UNNEST($1::text[], $2::text[]) AS u(id, value) WHERE v.id = u.id"
                );
                let ids: Vec<String> = rows.iter().map(|(id, _)| id.clone()).collect();
                let values: Vec<String> = rows.iter().map(|(_, v)| reversed(v)).collect();
                sqlx::query(AssertSqlSafe(sql))
                    .bind(ids)
                    .bind(values)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
            });
            merge_pending(p, table).await?;
        }
        DbPool::MySql(p) => batches!(p, |tx, rows| {
            let (sql, args) = case_update(pool, &t, &rows, now, reversed);
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for a in args {
                q = q.bind(a);
            }
            q.execute(&mut *tx).await?.rows_affected()
        }),
        DbPool::Sqlite(p) => batches!(p, |tx, rows| {
            let (sql, args) = case_update(pool, &t, &rows, now, reversed);
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for a in args {
                q = q.bind(a);
            }
            q.execute(&mut *tx).await?.rows_affected()
        }),
    }
    Ok(written)
}

/// `UPDATE t SET value = CASE id WHEN … THEN … END, updated_at = … WHERE id IN (…)` and
/// its arguments, in order.
fn case_update(
    pool: &DbPool,
    t: &str,
    rows: &[(String, String)],
    now: &str,
    new_value: impl Fn(&str) -> String,
) -> (String, Vec<String>) {
    let mut sql = format!("UPDATE {t} SET value = CASE id");
    let mut args = Vec::new();
    for (id, value) in rows {
        sql.push_str(&format!(
            " WHEN {} THEN {}",
            ph(pool, args.len() + 1),
            ph(pool, args.len() + 2)
        ));
        args.push(id.clone());
        args.push(new_value(value));
    }
    sql.push_str(&format!(
        " ELSE value END, updated_at = {} WHERE id IN (",
        ph(pool, args.len() + 1)
    ));
    args.push(now.to_owned());
    for (i, (id, _)) in rows.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&ph(pool, args.len() + 1));
        args.push(id.clone());
    }
    sql.push(')');
    (sql, args)
}

/// The bulk ruler: one raw `UPDATE … SET expires_at, updated_at WHERE <predicate>`, the
/// predicate a token-prefix query over live records gives (an index range on token).
/// Returns how many rows it changed.
pub async fn update_expiry_by_prefix(
    pool: &DbPool,
    table: &str,
    prefix: &str,
    expires_at: &str,
) -> sqlx::Result<u64> {
    update_expiry(pool, table, "", prefix, expires_at).await
}

/// [`update_expiry_by_prefix`] through a table scan (SQLite's `NOT INDEXED`): rows in
/// rowid order, which for a predicate matching every row beats the planner's walk of
/// the token index in random row order.
pub async fn update_expiry_by_scan(
    pool: &DbPool,
    table: &str,
    prefix: &str,
    expires_at: &str,
) -> sqlx::Result<u64> {
    update_expiry(pool, table, " NOT INDEXED", prefix, expires_at).await
}

async fn update_expiry(
    pool: &DbPool,
    table: &str,
    hint: &str,
    prefix: &str,
    expires_at: &str,
) -> sqlx::Result<u64> {
    // The live condition as the store writes it: on SQLite `likely(…)`, without which a
    // vault with no statistics takes an index led by `soft_deleted_at` (schema 4) for
    // the equality and walks every live row.
    let live = match pool {
        DbPool::Sqlite(_) => "likely(soft_deleted_at IS NULL)",
        _ => "soft_deleted_at IS NULL",
    };
    let sql = format!(
        "UPDATE {}{hint} SET expires_at = {}, updated_at = {} WHERE token >= {} AND token < {} AND {live}",
        quote(pool, table),
        ph(pool, 1),
        ph(pool, 2),
        ph(pool, 3),
        ph(pool, 4)
    );
    let upper = format!("{prefix}\u{7f}");
    macro_rules! run {
        ($p:expr) => {{
            let mut tx = $p.begin().await?;
            if matches!(pool, DbPool::Postgres(_)) {
                sqlx::query(DEFER_MERGE).execute(&mut *tx).await?;
            }
            let n = sqlx::query(AssertSqlSafe(sql))
                .bind(expires_at)
                .bind(expires_at)
                .bind(prefix)
                .bind(&upper)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            tx.commit().await?;
            n
        }};
    }
    Ok(match pool {
        DbPool::Sqlite(p) => run!(p),
        DbPool::Postgres(p) => {
            let n = run!(p);
            merge_pending(p, table).await?;
            n
        }
        DbPool::MySql(p) => run!(p),
    })
}

/// Drops the history trigger of `table` (a benchmark's vault without history).
pub async fn drop_history_trigger(pool: &DbPool, table: &str) -> sqlx::Result<()> {
    let trigger = format!("{table}_history_au");
    let sql = match pool {
        DbPool::Sqlite(_) => format!("DROP TRIGGER IF EXISTS \"{trigger}\""),
        DbPool::Postgres(_) => format!("DROP TRIGGER IF EXISTS \"{trigger}\" ON \"{table}\""),
        DbPool::MySql(_) => format!("DROP TRIGGER IF EXISTS `{trigger}`"),
    };
    let q = AssertSqlSafe(sql);
    match pool {
        DbPool::Sqlite(p) => sqlx::query(q).execute(p).await.map(drop),
        DbPool::Postgres(p) => sqlx::query(q).execute(p).await.map(drop),
        DbPool::MySql(p) => sqlx::query(q).execute(p).await.map(drop),
    }
}
