//! Test harness: a fresh database per test on each backend.
//!
//! SQLite gets a temp file; PostgreSQL a fresh schema in the `test` database; MariaDB /
//! MySQL a fresh database. Servers come from `VAULTSTORE_TEST_POSTGRES_URL` and
//! `VAULTSTORE_TEST_MYSQL_URL` (defaults: the local servers). A server that cannot be
//! reached skips the test loudly, unless `CI=true`, where it fails.
#![allow(dead_code)]

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::AssertSqlSafe;
use vaultstore::{
    Cancel, DbPool, DeletedFilter, KdfParams, ManualClock, Password, Record, RecordQuery,
    SecretValue, SortField, SortOrder, Store, StoreOptions,
};

/// The backends the suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
    MySql,
}

// TLS to a server on loopback buys nothing and costs ~100 ms a connection in debug builds.
const PG_DEFAULT: &str = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable";
const MYSQL_DEFAULT: &str = "mysql://root@127.0.0.1:3306/test";

pub fn server_url(backend: Backend) -> String {
    match backend {
        Backend::Postgres => {
            std::env::var("VAULTSTORE_TEST_POSTGRES_URL").unwrap_or_else(|_| PG_DEFAULT.into())
        }
        Backend::MySql => {
            std::env::var("VAULTSTORE_TEST_MYSQL_URL").unwrap_or_else(|_| MYSQL_DEFAULT.into())
        }
        Backend::Sqlite => String::new(),
    }
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A fresh, unique name for a schema or database.
pub fn unique_name() -> String {
    let t = vaultstore::token::generate(20).unwrap();
    format!("vst_{}", t[3..].to_ascii_lowercase())
}

/// Replaces the database name (last path segment) of a server URL.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    if query.is_empty() {
        format!("{base}/{db}")
    } else {
        format!("{base}/{db}?{query}")
    }
}

/// A test's database and store.
pub struct Ctx {
    pub backend: Backend,
    /// URL of this test's own database (schema).
    pub url: String,
    pub clock: Arc<ManualClock>,
    pub store: Store,
    admin: Option<DbPool>,
    pub name: String,
    _dir: Option<tempfile::TempDir>,
}

/// The fixed start time of every test's clock.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 6, 1, 12, 0, 0).single().unwrap()
}

/// A password that meets the default policy.
pub fn pw(tag: &str) -> Password {
    Password::new(format!("correct-horse-battery-{tag}"))
}

pub fn val(v: &str) -> SecretValue {
    SecretValue::new(v)
}

/// Every record in any state, by token: one page (tests hold fewer than 1000).
pub fn everything() -> RecordQuery {
    RecordQuery::new()
        .deleted(DeletedFilter::Include)
        .sort(SortField::Token)
        .order(SortOrder::Asc)
        .limit(1000)
}

/// The records of [`everything`].
pub async fn all_records(store: &Store) -> Vec<Record> {
    store.records_list(&everything()).await.unwrap().records
}

/// A bundle of every record.
pub async fn export_all(store: &Store) -> Vec<u8> {
    store
        .export_bundle_bytes(&everything(), |_| {}, &Cancel::new())
        .await
        .unwrap()
        .0
}

impl Ctx {
    /// Sets up a fresh database on `backend`, or `None` if its server is unreachable
    /// outside CI (after saying so on stderr).
    pub async fn new(backend: Backend, test: &str) -> Option<Self> {
        let clock = Arc::new(ManualClock::new(t0()));
        let (url, admin, name, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("vault.db").display());
                (url, None, String::new(), Some(dir))
            }
            Backend::Postgres | Backend::MySql => {
                let server = server_url(backend);
                let admin = match DbPool::connect(&server).await {
                    Ok(p) => p,
                    Err(e) if !in_ci() => {
                        eprintln!(
                            "SKIPPED {test} on {backend:?}: server at {server} unreachable ({e})"
                        );
                        return None;
                    }
                    Err(e) => panic!("CI=true and {backend:?} at {server} is unreachable: {e}"),
                };
                let name = unique_name();
                let url = if backend == Backend::Postgres {
                    raw_exec(&admin, &format!("CREATE SCHEMA {name}")).await;
                    let sep = if server.contains('?') { '&' } else { '?' };
                    format!("{server}{sep}options=-c%20search_path%3D{name}")
                } else {
                    raw_exec(&admin, &format!("CREATE DATABASE {name}")).await;
                    with_database(&server, &name)
                };
                (url, Some(admin), name, None)
            }
        };
        let store = Store::new(options(&url, &clock)).await.unwrap();
        Some(Self {
            backend,
            url,
            clock,
            store,
            admin,
            name,
            _dir: dir,
        })
    }

    /// Options for another store on this test's database.
    pub fn options(&self) -> StoreOptions {
        options(&self.url, &self.clock)
    }

    /// Runs raw SQL against this test's database (to tamper with rows, as an attacker or
    /// a damaged disk would).
    pub async fn exec(&self, sql: &str) {
        raw_exec(self.store.pool(), sql).await;
    }

    /// Makes this test's vault accept the Go library's `v2:` values again, as a vault
    /// created before v2 retirement existed does (a new vault refuses them).
    pub async fn accept_v2(&self) {
        self.exec("DELETE FROM vault_meta WHERE name = 'v2_retired_at'")
            .await;
    }

    /// Drops the schema or database.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(admin) = &self.admin {
            let drop = match self.backend {
                Backend::Postgres => format!("DROP SCHEMA {} CASCADE", self.name),
                _ => format!("DROP DATABASE {}", self.name),
            };
            raw_exec(admin, &drop).await;
            admin.close().await;
        }
    }
}

pub fn options(url: &str, clock: &Arc<ManualClock>) -> StoreOptions {
    let mut o = StoreOptions::new(url);
    // The weakest accepted KDF keeps the suite fast; the default is exercised apart.
    o.kdf = Some(KdfParams::MINIMUM);
    o.clock = clock.clone();
    o
}

pub async fn raw_exec(pool: &DbPool, sql: &str) {
    let q = AssertSqlSafe(sql.to_owned());
    match pool {
        DbPool::Sqlite(p) => sqlx::query(q).execute(p).await.map(|_| ()),
        DbPool::Postgres(p) => sqlx::query(q).execute(p).await.map(|_| ()),
        DbPool::MySql(p) => sqlx::query(q).execute(p).await.map(|_| ()),
    }
    .unwrap_or_else(|e| panic!("raw SQL failed: {sql}: {e}"));
}

/// Runs a behaviour test on each backend: one `#[tokio::test]` per backend and test,
/// in modules `sqlite`, `postgres` and `mysql`.
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { $crate::common::run($crate::common::Backend::Sqlite, stringify!($name), super::$name).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { $crate::common::run($crate::common::Backend::Postgres, stringify!($name), super::$name).await } )*
        }
        mod mysql {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { $crate::common::run($crate::common::Backend::MySql, stringify!($name), super::$name).await } )*
        }
    };
}

/// Sets up `backend`, runs the test body, drops the database.
pub async fn run(backend: Backend, name: &str, test: impl AsyncFnOnce(&Ctx)) {
    let Some(ctx) = Ctx::new(backend, name).await else {
        return;
    };
    test(&ctx).await;
    ctx.cleanup().await;
}

/// `bundle` with every record's `v3:` header rewritten to claim Argon2id at `memory_kib`
/// KiB × `iterations` passes (salts, nonce and lanes kept). The header is authenticated,
/// so these values no longer open: for tests of what an import does with such a claim.
pub fn claiming_kdf_cost(bundle: &[u8], memory_kib: u32, iterations: u32) -> Vec<u8> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut records = vaultstore::transfer::bundle::decode(bundle).unwrap();
    for r in &mut records {
        let body = r.value.strip_prefix("v3:").expect("a v3 envelope");
        let mut bytes = URL_SAFE_NO_PAD.decode(body).unwrap();
        // Layout: kdf id (1) | memory KiB (4, BE) | iterations (4, BE) | lanes (4, BE) | …
        bytes[1..5].copy_from_slice(&memory_kib.to_be_bytes());
        bytes[5..9].copy_from_slice(&iterations.to_be_bytes());
        r.value = format!("v3:{}", URL_SAFE_NO_PAD.encode(&bytes));
    }
    vaultstore::transfer::bundle::encode(records, t0()).unwrap()
}
