//! The database boundary: connection pools for the three backends, statement execution,
//! row decoding, and the one place `sqlx::Error` is translated into [`Error`].
//!
//! Everything above this module is backend-agnostic: it builds [`Sql`] statements and
//! calls [`DbPool`] or [`Tx`]; each method here dispatches to the concrete driver.

mod live_sorts;
mod migrate;
mod mysql;
mod nodelay;
mod postgres;
mod row;
mod search_index;
mod sql;
mod sqlite;
mod trail;

use std::str::FromStr;
use std::time::Duration;

use sqlx::mysql::{MySqlConnectOptions, MySqlPool};
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Database, Encode, Transaction, Type};

use crate::error::{Error, Result};
pub(crate) use migrate::{K_UNDO, migrate, read_settings, retire_v2, unretire_v2, v2_retired_on};
pub(crate) use row::{RECORD_COLUMNS as RECORD_COLUMNS_SQL, RawRecord, insert as insert_rows};
use row::{copy_statement, copy_text};
pub(crate) use search_index::{
    FEW_MATCHES, PG_DEFER_MERGE, SearchIndex, pg_index_exists_sql, pg_merge_sql,
};
pub(crate) use sql::{Arg, Sql};
pub(crate) use trail::{K_AUDIT_HEAD, PG_CHANGE_CHANNEL};

/// Which SQL dialect a pool speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (embedded, the default).
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
}

/// A connection pool to one of the supported backends.
#[derive(Debug, Clone)]
pub enum DbPool {
    /// An SQLite pool.
    Sqlite(SqlitePool),
    /// A PostgreSQL pool.
    Postgres(PgPool),
    /// A MySQL / MariaDB pool.
    MySql(MySqlPool),
}

/// Creates a new SQLite file readable by its owner only (SQLite gives its -wal and -shm
/// files the same mode). Labels and notes are plaintext: other users have no business
/// reading them. An existing file is left as it is.
fn create_private_file(path: &std::path::Path) -> Result<()> {
    let name = path.to_string_lossy();
    if name.is_empty() || name == ":memory:" || name.starts_with("file:") || path.exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::Database {
            context: "creating the SQLite database",
            detail: format!("{}: {e}", path.display()),
        }),
    }
}

/// How long a server pool keeps retrying to hand out a connection before failing.
const SERVER_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Opens and closes one connection, so a wrong address or password fails at once with
/// the server's answer (a pool would retry until its timeout and report only that).
async fn probe<C: sqlx::Connection>(opts: &C::Options, context: &'static str) -> Result<()> {
    let conn = C::connect_with(opts)
        .await
        .map_err(|e| translate(e, context))?;
    let _ = conn.close().await;
    Ok(())
}

fn server_pool<DB: Database>(port: u16) -> sqlx::pool::PoolOptions<DB> {
    sqlx::pool::PoolOptions::new()
        .max_connections(8)
        .acquire_timeout(SERVER_ACQUIRE_TIMEOUT)
        .after_connect(move |_, _| {
            Box::pin(async move {
                nodelay::set_on_sockets_to(port);
                Ok(())
            })
        })
}

/// How long SQLite waits for another writer before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Puts the file in WAL mode (readers proceed while one writer commits). The mode is
/// stored in the file, so the pool's connections inherit it without asking again. The
/// switch needs an exclusive lock that SQLite does not wait for (waiting could deadlock
/// two connections that both hold a read lock): two processes opening a new vault at
/// once get "database is locked" here at once, so this retries, within the busy timeout.
async fn enable_wal(opts: &SqliteConnectOptions) -> Result<()> {
    use sqlx::Connection;
    const CONTEXT: &str = "opening the SQLite database";
    let opts = opts.clone().journal_mode(SqliteJournalMode::Wal);
    let deadline = std::time::Instant::now() + SQLITE_BUSY_TIMEOUT;
    let mut pause = Duration::from_millis(5);
    loop {
        match sqlx::SqliteConnection::connect_with(&opts).await {
            Ok(conn) => {
                conn.close().await.map_err(|e| translate(e, CONTEXT))?;
                return Ok(());
            }
            Err(e) if is_sqlite_busy(&e) && std::time::Instant::now() < deadline => {
                #[allow(
                    clippy::disallowed_methods,
                    reason = "a bounded back-off between retries of a lock SQLite does not wait for"
                )]
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            Err(e) => return Err(translate(e, CONTEXT)),
        }
    }
}

/// SQLITE_BUSY or one of its extended codes (the primary code is the low byte).
fn is_sqlite_busy(e: &sqlx::Error) -> bool {
    const SQLITE_BUSY: i32 = 5;
    match e {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| c & 0xff == SQLITE_BUSY),
        _ => false,
    }
}

impl DbPool {
    /// Connects to `url`: `sqlite://PATH` (created if missing), `postgres://…` or
    /// `mysql://…` (`mariadb://` is accepted as a synonym).
    pub async fn connect(url: &str) -> Result<Self> {
        let scheme = url.split(':').next().unwrap_or_default();
        let bad_url = |e: sqlx::Error| Error::invalid("database url", e.to_string());
        match scheme {
            "sqlite" => {
                let opts = SqliteConnectOptions::from_str(url)
                    .map_err(bad_url)?
                    .create_if_missing(true)
                    // NORMAL sync is durable across application crashes in WAL mode
                    // (which `enable_wal` sets on the file, for every connection).
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    // 32 MiB of page cache per connection (SQLite's default is 2 MiB): a
                    // bulk change keeps its indexes' pages in memory instead of re-reading
                    // them from the OS for every row (measured: bulk renew 2.19x -> 1.59x a
                    // raw UPDATE). Pages are only taken as they are read.
                    .pragma("cache_size", "-32768")
                    .foreign_keys(true)
                    // Search folds non-ASCII case through REGEXP (see `query::push_search`).
                    .with_regexp();
                create_private_file(opts.get_filename())?;
                enable_wal(&opts).await?;
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(opts)
                    .await
                    .map_err(|e| translate(e, "opening the SQLite database"))?;
                Ok(Self::Sqlite(pool))
            }
            "postgres" | "postgresql" => {
                // No JIT: it compiles a query whose estimated cost is high (the tag
                // counts over a large vault) in 0.6 s, more than the query then takes.
                let opts = PgConnectOptions::from_str(url)
                    .map_err(bad_url)?
                    .options([("jit", "off")]);
                probe::<sqlx::PgConnection>(&opts, "connecting to PostgreSQL").await?;
                Ok(Self::Postgres(
                    server_pool::<sqlx::Postgres>(opts.get_port()).connect_lazy_with(opts),
                ))
            }
            "mysql" | "mariadb" => {
                let url = url.replacen("mariadb:", "mysql:", 1);
                let opts = MySqlConnectOptions::from_str(&url).map_err(bad_url)?;
                probe::<sqlx::MySqlConnection>(&opts, "connecting to MySQL").await?;
                Ok(Self::MySql(
                    server_pool::<sqlx::MySql>(opts.get_port()).connect_lazy_with(opts),
                ))
            }
            _ => Err(Error::invalid(
                "database url",
                "must start with sqlite://, postgres:// or mysql://",
            )),
        }
    }

    /// The dialect this pool speaks.
    pub fn dialect(&self) -> Dialect {
        match self {
            Self::Sqlite(_) => Dialect::Sqlite,
            Self::Postgres(_) => Dialect::Postgres,
            Self::MySql(_) => Dialect::MySql,
        }
    }

    /// Closes every connection of the pool.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(p) => p.close().await,
            Self::Postgres(p) => p.close().await,
            Self::MySql(p) => p.close().await,
        }
    }

    /// MySQL/MariaDB: runs `batch`, several statements in one text query (one round
    /// trip; no parameters, so every value in it must be a literal that cannot be SQL),
    /// on one connection; returns the rows they changed, summed. An error stops the
    /// server mid-batch, maybe inside a transaction the batch began: that connection is
    /// closed, which rolls it back, rather than handed to the next caller.
    pub(crate) async fn execute_batch(&self, batch: String, context: &'static str) -> Result<u64> {
        let Self::MySql(p) = self else {
            return Err(Error::Database {
                context,
                detail: "statement batches are for MySQL/MariaDB only".into(),
            });
        };
        let mut conn = p.acquire().await.map_err(|e| translate(e, context))?;
        match sqlx::raw_sql(AssertSqlSafe(batch))
            .execute(&mut *conn)
            .await
        {
            Ok(done) => Ok(done.rows_affected()),
            Err(e) => {
                conn.close_on_drop();
                Err(translate(e, context))
            }
        }
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): a deferred transaction that reads first and writes later
    /// fails with "database is locked" instead of waiting when another writer is active.
    pub(crate) async fn begin_write(&self, context: &'static str) -> Result<Tx> {
        let tx = match self {
            Self::Sqlite(p) => p.begin_with("BEGIN IMMEDIATE").await.map(Tx::Sqlite),
            Self::Postgres(p) => p.begin().await.map(Tx::Postgres),
            Self::MySql(p) => p.begin().await.map(Tx::MySql),
        };
        tx.map_err(|e| translate(e, context))
    }
}

impl DbPool {
    /// Begins a read-only transaction that sees one snapshot of the database for its
    /// whole life, so a long read (an export) never shows a concurrent write by halves.
    /// SQLite in WAL mode fixes the snapshot at the first read of a deferred
    /// transaction; PostgreSQL needs REPEATABLE READ for it; InnoDB's consistent
    /// snapshot holds under its default REPEATABLE READ.
    pub(crate) async fn begin_read(&self, context: &'static str) -> Result<Tx> {
        let tx = match self {
            Self::Sqlite(p) => p.begin_with("BEGIN DEFERRED").await.map(Tx::Sqlite),
            Self::Postgres(p) => p
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await
                .map(Tx::Postgres),
            Self::MySql(p) => p
                .begin_with("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                .await
                .map(Tx::MySql),
        };
        tx.map_err(|e| translate(e, context))
    }
}

/// An open transaction; dropping it without [`Tx::commit`] rolls back.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, sqlx::Sqlite>),
    Postgres(Transaction<'static, sqlx::Postgres>),
    MySql(Transaction<'static, sqlx::MySql>),
}

impl Tx {
    /// Inserts `rows` into `table` (already quoted) by the database's fastest path:
    /// `COPY … FROM STDIN` on PostgreSQL (about a tenth of the time of multi-row
    /// INSERTs there), one multi-row INSERT elsewhere. `rows` must not be empty.
    pub(crate) async fn insert_records(
        &mut self,
        d: Dialect,
        table: &str,
        rows: Vec<RawRecord>,
        context: &'static str,
    ) -> Result<()> {
        let Self::Postgres(tx) = self else {
            self.target()
                .execute(insert_rows(d, table, rows), context)
                .await?;
            return Ok(());
        };
        let data = copy_text(rows);
        let copied = async {
            let mut copy = tx.copy_in_raw(&copy_statement(table)).await?;
            // On an error the dropped copy tells the server to fail it, and the
            // transaction rolls back with it.
            copy.send(data).await?;
            copy.finish().await
        };
        copied.await.map(drop).map_err(|e| translate(e, context))
    }

    /// Commits the transaction.
    pub(crate) async fn commit(self, context: &'static str) -> Result<()> {
        let r = match self {
            Self::Sqlite(t) => t.commit().await,
            Self::Postgres(t) => t.commit().await,
            Self::MySql(t) => t.commit().await,
        };
        r.map_err(|e| translate(e, context))
    }
}

/// Binds every argument of `args` to `query`, in order.
fn bind_all<'q, DB>(
    mut query: sqlx::query::Query<'q, DB, <DB as Database>::Arguments>,
    args: Vec<Arg>,
) -> sqlx::query::Query<'q, DB, <DB as Database>::Arguments>
where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> Option<String>: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    for arg in args {
        query = match arg {
            Arg::Text(v) => query.bind(v),
            Arg::OptText(v) => query.bind(v),
            Arg::Int(v) => query.bind(v),
        };
    }
    query
}

/// Runs `$body` with `$conn` bound to the concrete executor of each backend, and
/// `$q` to the statement turned into a query for that backend.
macro_rules! dispatch {
    ($target:expr, $sql:expr, |$q:ident, $conn:ident| $body:expr) => {{
        let sql: Sql = $sql;
        let text = AssertSqlSafe(sql.text);
        match $target {
            Target::Pool(DbPool::Sqlite(p)) => {
                let $q = bind_all(sqlx::query::<sqlx::Sqlite>(text), sql.args);
                let $conn = p;
                $body
            }
            Target::Pool(DbPool::Postgres(p)) => {
                let $q = bind_all(sqlx::query::<sqlx::Postgres>(text), sql.args);
                let $conn = p;
                $body
            }
            Target::Pool(DbPool::MySql(p)) => {
                let $q = bind_all(sqlx::query::<sqlx::MySql>(text), sql.args);
                let $conn = p;
                $body
            }
            Target::Tx(Tx::Sqlite(t)) => {
                let $q = bind_all(sqlx::query::<sqlx::Sqlite>(text), sql.args);
                let $conn = &mut **t;
                $body
            }
            Target::Tx(Tx::Postgres(t)) => {
                let $q = bind_all(sqlx::query::<sqlx::Postgres>(text), sql.args);
                let $conn = &mut **t;
                $body
            }
            Target::Tx(Tx::MySql(t)) => {
                let $q = bind_all(sqlx::query::<sqlx::MySql>(text), sql.args);
                let $conn = &mut **t;
                $body
            }
        }
    }};
}

/// Where a statement runs: on a pool connection or inside a transaction.
pub(crate) enum Target<'a> {
    Pool(&'a DbPool),
    Tx(&'a mut Tx),
}

impl Target<'_> {
    /// The same target for one statement more (a transaction borrowed again).
    pub(crate) fn reborrow(&mut self) -> Target<'_> {
        match self {
            Target::Pool(p) => Target::Pool(p),
            Target::Tx(t) => Target::Tx(t),
        }
    }

    /// Runs a statement; returns the number of rows it changed.
    pub(crate) async fn execute(self, sql: Sql, context: &'static str) -> Result<u64> {
        dispatch!(self, sql, |q, c| q
            .execute(c)
            .await
            .map(|r| r.rows_affected()))
        .map_err(|e| translate(e, context))
    }

    /// Runs a query that selects record columns (see [`row::RECORD_COLUMNS`]).
    pub(crate) async fn fetch_records(
        self,
        sql: Sql,
        context: &'static str,
    ) -> Result<Vec<RawRecord>> {
        let rows = dispatch!(self, sql, |q, c| q
            .fetch_all(c)
            .await
            .map_err(|e| translate(e, context))?
            .iter()
            .map(row::decode)
            .collect::<std::result::Result<Vec<_>, sqlx::Error>>());
        rows.map_err(|e| translate(e, context))
    }

    /// Runs a query whose first column is an integer (a count); absent row gives 0.
    pub(crate) async fn fetch_i64(self, sql: Sql, context: &'static str) -> Result<i64> {
        let v = dispatch!(self, sql, |q, c| match q
            .fetch_optional(c)
            .await
            .map_err(|e| translate(e, context))?
        {
            Some(r) => row::first_i64(&r),
            None => Ok(0),
        });
        v.map_err(|e| translate(e, context))
    }

    /// Runs a query whose first column is text (ids, tokens).
    pub(crate) async fn fetch_texts(self, sql: Sql, context: &'static str) -> Result<Vec<String>> {
        let rows = dispatch!(self, sql, |q, c| q
            .fetch_all(c)
            .await
            .map_err(|e| translate(e, context))?
            .iter()
            .map(row::first_text)
            .collect::<std::result::Result<Vec<_>, sqlx::Error>>());
        rows.map_err(|e| translate(e, context))
    }

    /// Runs a query whose first column is an integer and whose others are text or NULL
    /// (history versions, audit entries).
    pub(crate) async fn fetch_numbered(
        self,
        sql: Sql,
        context: &'static str,
    ) -> Result<Vec<(i64, Vec<Option<String>>)>> {
        let rows = dispatch!(self, sql, |q, c| q
            .fetch_all(c)
            .await
            .map_err(|e| translate(e, context))?
            .iter()
            .map(row::numbered)
            .collect::<std::result::Result<Vec<_>, sqlx::Error>>());
        rows.map_err(|e| translate(e, context))
    }

    /// Runs a query selecting two text columns (key, value).
    pub(crate) async fn fetch_pairs(
        self,
        sql: Sql,
        context: &'static str,
    ) -> Result<Vec<(String, String)>> {
        let rows = dispatch!(self, sql, |q, c| q
            .fetch_all(c)
            .await
            .map_err(|e| translate(e, context))?
            .iter()
            .map(row::pair)
            .collect::<std::result::Result<Vec<_>, sqlx::Error>>());
        rows.map_err(|e| translate(e, context))
    }
}

impl DbPool {
    /// This pool as a statement target.
    pub(crate) fn target(&self) -> Target<'_> {
        Target::Pool(self)
    }
}

impl Tx {
    /// This transaction as a statement target.
    pub(crate) fn target(&mut self) -> Target<'_> {
        Target::Tx(self)
    }
}

/// Whether the error is a unique-constraint violation (a duplicate token or id).
pub(crate) fn is_unique_violation(e: &Error) -> bool {
    matches!(e, Error::UniqueViolation { .. })
}

/// The one translation of driver errors. The message keeps the driver's description
/// (never the SQL text: sqlx does not put it in errors) and says what the store was doing.
pub(crate) fn translate(e: sqlx::Error, context: &'static str) -> Error {
    let detail = match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            return Error::UniqueViolation { context };
        }
        sqlx::Error::Database(db) if refuses_writes(db.as_ref()) => {
            return Error::ReadOnly {
                context,
                detail: db.message().to_owned(),
            };
        }
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::PoolTimedOut => "timed out waiting for a database connection".to_owned(),
        sqlx::Error::Io(io) => format!("connection failed: {io}"),
        other => other.to_string(),
    };
    Error::Database { context, detail }
}

/// Whether the database refused a write because this login or file may only read:
/// SQLite's READONLY codes, PostgreSQL's insufficient privilege or read-only transaction,
/// MySQL's "command denied" and read-only modes.
fn refuses_writes(db: &dyn sqlx::error::DatabaseError) -> bool {
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        return matches!(my.number(), 1142 | 1290 | 1792);
    }
    match db.code().as_deref() {
        Some("42501" | "25006") => true,
        // SQLite extended codes: the primary code is the low byte (8 = SQLITE_READONLY).
        Some(code) if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() => {
            code.parse::<i32>().is_ok_and(|c| c & 0xff == 8)
        }
        _ => false,
    }
}

/// Names derived from the configured table name.
#[derive(Debug, Clone)]
pub(crate) struct TableNames {
    /// The vault table.
    pub vault: String,
    /// The settings table beside it.
    pub meta: String,
    /// The undo journal of the last bulk change (schema version 2).
    pub undo: String,
    /// SQLite's substring index of the searched fields (schema version 3).
    pub search: String,
    /// Every earlier state of every record (schema version 5).
    pub history: String,
    /// The append-only audit log (schema version 5).
    pub audit: String,
}

/// Longest accepted table name: leaves room for index-name suffixes within the
/// 63/64-character identifier limits of PostgreSQL and MySQL.
const MAX_TABLE_NAME: usize = 40;

impl TableNames {
    /// Validates the table name: an ASCII letter or `_`, then letters, digits or `_`.
    pub(crate) fn new(name: &str) -> Result<Self> {
        let ok = !name.is_empty()
            && name.len() <= MAX_TABLE_NAME
            && name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !ok {
            return Err(Error::invalid(
                "table name",
                format!(
                    "{name:?} is not accepted; use 1 to {MAX_TABLE_NAME} ASCII letters, digits or '_', not starting with a digit"
                ),
            ));
        }
        Ok(Self {
            vault: name.to_owned(),
            meta: format!("{name}_meta"),
            undo: format!("{name}_undo"),
            search: format!("{name}_search"),
            history: format!("{name}_history"),
            audit: format!("{name}_audit"),
        })
    }
}

impl Dialect {
    /// Quotes a validated identifier.
    pub(crate) fn quote(self, ident: &str) -> String {
        match self {
            Self::MySql => format!("`{ident}`"),
            Self::Sqlite | Self::Postgres => format!("\"{ident}\""),
        }
    }

    /// An expression for the metadata label of a row, for text search.
    pub(crate) fn label_expr(self) -> &'static str {
        match self {
            Self::Sqlite => sqlite::LABEL_EXPR,
            Self::Postgres => postgres::LABEL_EXPR,
            Self::MySql => mysql::LABEL_EXPR,
        }
    }

    /// An expression for the first tag of a row (NULL without tags), for sorting.
    pub(crate) fn first_tag_expr(self) -> &'static str {
        match self {
            Self::Sqlite => sqlite::FIRST_TAG_EXPR,
            Self::Postgres => postgres::FIRST_TAG_EXPR,
            Self::MySql => mysql::FIRST_TAG_EXPR,
        }
    }

    /// An expression joining the fields a query word searches (token, label, notes,
    /// username, URL) with newlines; tags are searched through [`Dialect::tag_rows`].
    pub(crate) fn search_text_expr(self) -> &'static str {
        match self {
            Self::Sqlite => sqlite::SEARCH_TEXT_EXPR,
            Self::Postgres => postgres::SEARCH_TEXT_EXPR,
            Self::MySql => mysql::SEARCH_TEXT_EXPR,
        }
    }

    /// What follows `FROM (subquery) AS r` to get one row per tag of each row, and the
    /// tag's expression; a WHERE is open after it (`AND …` may follow).
    pub(crate) fn tag_join(self) -> (&'static str, &'static str) {
        match self {
            Self::Sqlite => (sqlite::TAG_JOIN, sqlite::TAG_EXPR),
            Self::Postgres => (postgres::TAG_JOIN, postgres::TAG_EXPR),
            Self::MySql => (mysql::TAG_JOIN, mysql::TAG_EXPR),
        }
    }

    /// A condition true of every row with tags, cheap to test ([`Self::tag_join`]
    /// parses each row's JSON).
    pub(crate) fn has_tags_key(self) -> &'static str {
        match self {
            Self::Sqlite => sqlite::HAS_TAGS_KEY,
            Self::Postgres => postgres::HAS_TAGS_KEY,
            Self::MySql => mysql::HAS_TAGS_KEY,
        }
    }

    /// The start of a correlated subquery with one row per tag of the row (`SELECT 1
    /// FROM … WHERE `, a condition follows) and the expression for that tag.
    pub(crate) fn tag_rows(self) -> (&'static str, &'static str) {
        match self {
            Self::Sqlite => (sqlite::TAG_ROWS, sqlite::TAG_EXPR),
            Self::Postgres => (postgres::TAG_ROWS, postgres::TAG_EXPR),
            Self::MySql => (mysql::TAG_ROWS, mysql::TAG_EXPR),
        }
    }

    /// Statements that create the schema of version 1 (idempotent).
    pub(crate) fn schema_v1(self, t: &TableNames) -> Vec<String> {
        match self {
            Self::Sqlite => sqlite::schema_v1(t),
            Self::Postgres => postgres::schema_v1(t),
            Self::MySql => mysql::schema_v1(t),
        }
    }

    /// Statements that take a version 1 vault to version 2: the undo journal.
    pub(crate) fn schema_v2(self, t: &TableNames) -> Vec<String> {
        migrate::schema_v2(self, t)
    }

    /// Statements that take a version 2 vault to version 3: the substring index and the
    /// expiry and deletion sorts' indexes.
    pub(crate) fn schema_v3(self, t: &TableNames) -> Vec<String> {
        search_index::schema_v3(self, t)
    }

    /// Statements that take a version 3 vault to version 4: the vault view's sort
    /// indexes.
    pub(crate) fn schema_v4(self, t: &TableNames) -> Vec<String> {
        live_sorts::schema_v4(self, t)
    }

    /// Statements that take a version 4 vault to version 5: history and audit.
    pub(crate) fn schema_v5(self, t: &TableNames) -> Vec<String> {
        trail::schema_v5(self, t)
    }

    /// Statements that take a version 5 vault to version 6: the search index's function
    /// made parallel unsafe (PostgreSQL).
    pub(crate) fn schema_v6(self, t: &TableNames) -> Vec<String> {
        search_index::schema_v6(self, t)
    }

    /// The suffix that locks the rows a SELECT returns until the transaction ends; empty
    /// on SQLite, whose write transactions already exclude every other writer.
    pub(crate) fn lock_rows(self) -> &'static str {
        match self {
            Self::Sqlite => "",
            Self::Postgres | Self::MySql => " FOR UPDATE",
        }
    }

    /// `INSERT … ` prefix that leaves an existing row with the same key alone, and the
    /// matching suffix.
    pub(crate) fn insert_ignore(self) -> (&'static str, &'static str) {
        match self {
            Self::Sqlite | Self::Postgres => ("INSERT INTO ", " ON CONFLICT DO NOTHING"),
            Self::MySql => ("INSERT IGNORE INTO ", ""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server connections send each statement at once (`TCP_NODELAY`), on both
    /// servers (with `CI=true` they must be there).
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn server_connections_send_without_delay() {
        for (var, default) in [
            (
                "VAULTSTORE_TEST_POSTGRES_URL",
                "postgres://postgres@127.0.0.1:5432/test",
            ),
            (
                "VAULTSTORE_TEST_MYSQL_URL",
                "mysql://root@127.0.0.1:3306/test",
            ),
        ] {
            let url = std::env::var(var).unwrap_or_else(|_| default.to_owned());
            let pool = match DbPool::connect(&url).await {
                Ok(pool) => pool,
                Err(e) if std::env::var("CI").is_err() => {
                    eprintln!("skipped: no server at {url} ({e})");
                    continue;
                }
                Err(e) => panic!("{url}: {e}"),
            };
            let one = Sql::new(pool.dialect(), "SELECT COUNT(*) FROM (SELECT 1) AS one");
            assert_eq!(pool.target().fetch_i64(one, "test").await.unwrap(), 1);
            let port = match &pool {
                DbPool::Postgres(p) => p.connect_options().get_port(),
                DbPool::MySql(p) => p.connect_options().get_port(),
                DbPool::Sqlite(_) => unreachable!(),
            };
            let states = nodelay::states_of_sockets_to(port);
            assert!(
                !states.is_empty() && states.iter().all(|on| *on),
                "{url}: {states:?}"
            );
            pool.close().await;
        }
    }

    /// PostgreSQL compiles nothing for the store's queries (with `CI=true` the server
    /// must be there).
    #[tokio::test]
    async fn postgres_connections_run_without_jit() {
        let url = std::env::var("VAULTSTORE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let pool = match DbPool::connect(&url).await {
            Ok(pool) => pool,
            Err(e) if std::env::var("CI").is_err() => {
                eprintln!("skipped: no PostgreSQL ({e})");
                return;
            }
            Err(e) => panic!("PostgreSQL at {url}: {e}"),
        };
        let sql = Sql::new(
            Dialect::Postgres,
            "SELECT CAST(CASE WHEN current_setting('jit') = 'off' THEN 1 ELSE 0 END AS BIGINT)",
        );
        assert_eq!(pool.target().fetch_i64(sql, "test").await.unwrap(), 1);
        pool.close().await;
    }
}
