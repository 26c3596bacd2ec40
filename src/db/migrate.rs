//! Versioned migrations and the vault settings kept in the meta table.
//!
//! A migration only ever creates: it never deletes or rewrites user rows. Each run holds
//! the write lock (SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory lock) so two
//! processes opening a new vault at once agree on one salt. MySQL commits DDL
//! implicitly; the statements are idempotent, so a run interrupted there is re-run safely.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use chrono::{DateTime, Utc};

use super::{DbPool, Dialect, Sql, TableNames, Target, Tx};
use crate::crypto::{KdfParams, SALT_LEN, random_bytes};
use crate::error::{Error, Result};
use crate::timestamp;

/// Secondary indexes as (name suffix, columns); token has its unique index. The sort
/// columns carry the id too: keyset pages order by (column, id), and without it the
/// database sorts every row after the cursor to find the next 50.
pub(crate) const INDEXES: [(&str, &str); 4] = [
    ("expires_at", "expires_at"),
    ("soft_deleted_at", "soft_deleted_at"),
    ("created_at", "created_at, id"),
    ("updated_at", "updated_at, id"),
];

/// One schema step: the statements that take a vault from `version - 1` to `version`.
/// Statements only create (tables, columns, indexes) and are idempotent, so a step cut
/// short where DDL commits implicitly (MySQL) is simply run again.
#[derive(Clone, Copy)]
pub(crate) struct Migration {
    pub version: i64,
    pub statements: fn(Dialect, &TableNames) -> Vec<String>,
}

/// Every schema step, oldest first. A new schema version is one more entry here (with
/// its statements per dialect beside `schema_v1`); the last entry is what this build
/// writes and understands.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        statements: Dialect::schema_v1,
    },
    Migration {
        version: 2,
        statements: Dialect::schema_v2,
    },
    Migration {
        version: 3,
        statements: Dialect::schema_v3,
    },
    Migration {
        version: 4,
        statements: Dialect::schema_v4,
    },
    Migration {
        version: 5,
        statements: Dialect::schema_v5,
    },
    Migration {
        version: 6,
        statements: Dialect::schema_v6,
    },
];

/// The schema version this build writes and understands.
pub(crate) const SCHEMA_VERSION: i64 = latest(MIGRATIONS);

const fn latest(steps: &[Migration]) -> i64 {
    match steps.last() {
        Some(m) => m.version,
        None => 0,
    }
}

const K_VERSION: &str = "schema_version";
const K_SALT: &str = "kdf_salt";
const K_MEMORY: &str = "kdf_memory_kib";
const K_ITERATIONS: &str = "kdf_iterations";
const K_LANES: &str = "kdf_lanes";
/// When the vault stopped accepting the Go library's `v2:` values (a stored timestamp);
/// absent while it accepts them. Written when a vault is created and when
/// `Store::upgrade_v2` leaves no v2 value; removed only by an import the user told to
/// accept v2 values.
const K_V2_RETIRED: &str = "v2_retired_at";

/// The meta row describing the undo journal's bulk change (JSON; empty when there is
/// nothing to undo). Bulk changes lock this row, so two never interleave their journals.
pub(crate) const K_UNDO: &str = "undo_last";

/// Version 2: the undo journal of the last bulk change, one row per changed record
/// holding what the change replaced (the whole row for a delete forever), and the meta
/// row that describes it. Created only; records are not touched.
pub(crate) fn schema_v2(d: Dialect, t: &TableNames) -> Vec<String> {
    let u = d.quote(&t.undo);
    let table = match d {
        Dialect::Sqlite => format!(
            "CREATE TABLE IF NOT EXISTS {u} (id TEXT NOT NULL PRIMARY KEY, token TEXT NOT NULL, \
             value TEXT NULL, created_at TEXT NULL, updated_before TEXT NOT NULL, \
             updated_after TEXT NULL, expires_at TEXT NULL, soft_deleted_at TEXT NULL, data TEXT NULL) \
             WITHOUT ROWID"
        ),
        Dialect::Postgres => format!(
            "CREATE TABLE IF NOT EXISTS {u} (id TEXT COLLATE \"C\" NOT NULL PRIMARY KEY, \
             token TEXT COLLATE \"C\" NOT NULL, value TEXT NULL, created_at TEXT COLLATE \"C\" NULL, \
             updated_before TEXT COLLATE \"C\" NOT NULL, updated_after TEXT COLLATE \"C\" NULL, \
             expires_at TEXT COLLATE \"C\" NULL, soft_deleted_at TEXT COLLATE \"C\" NULL, data TEXT NULL)"
        ),
        Dialect::MySql => format!(
            "CREATE TABLE IF NOT EXISTS {u} (id VARCHAR(40) NOT NULL PRIMARY KEY, \
             token VARCHAR(128) NOT NULL, value LONGTEXT NULL, created_at VARCHAR(32) NULL, \
             updated_before VARCHAR(32) NOT NULL, updated_after VARCHAR(32) NULL, \
             expires_at VARCHAR(32) NULL, soft_deleted_at VARCHAR(32) NULL, data LONGTEXT NULL\
             ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
        ),
    };
    let (insert, on_conflict) = d.insert_ignore();
    let row = format!(
        "{insert}{} (name, value) VALUES ('{K_UNDO}', ''){on_conflict}",
        d.quote(&t.meta)
    );
    vec![table, row]
}

/// The vault-wide settings new records are sealed with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MetaSettings {
    pub salt: [u8; SALT_LEN],
    pub params: KdfParams,
}

fn meta_ddl(d: Dialect, t: &TableNames) -> String {
    let suffix = match d {
        Dialect::MySql => " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
        Dialect::Sqlite | Dialect::Postgres => "",
    };
    format!(
        "CREATE TABLE IF NOT EXISTS {} (name VARCHAR(64) NOT NULL PRIMARY KEY, value TEXT NOT NULL){suffix}",
        d.quote(&t.meta)
    )
}

fn select_meta(d: Dialect, t: &TableNames) -> Sql {
    Sql::new(d, &format!("SELECT name, value FROM {}", d.quote(&t.meta)))
}

/// Creates or upgrades the schema and returns the vault settings. `kdf`, when given,
/// becomes the vault's parameters for new records (old records keep theirs: every
/// envelope carries its own). A vault created now starts with v2 retired, at `now`.
pub(crate) async fn migrate(
    pool: &DbPool,
    t: &TableNames,
    kdf: Option<KdfParams>,
    now: DateTime<Utc>,
) -> Result<MetaSettings> {
    // A vault already at this version, opened without new KDF parameters, needs no write:
    // read only, so a login without DDL grants (a team's app role) opens it too.
    if let Ok(settings) = read_settings(pool, t).await
        && kdf.is_none_or(|k| k == settings.params)
    {
        return Ok(settings);
    }
    migrate_with(pool, t, kdf, now, MIGRATIONS).await
}

const CTX: &str = "migrating the vault schema";

/// [`migrate`] with the given steps (tests add a step to check an upgrade).
pub(crate) async fn migrate_with(
    pool: &DbPool,
    t: &TableNames,
    kdf: Option<KdfParams>,
    now: DateTime<Utc>,
    steps: &[Migration],
) -> Result<MetaSettings> {
    let d = pool.dialect();
    let target = latest(steps);
    let mut tx = pool.begin_write(CTX).await?;
    if d == Dialect::Postgres {
        // Serialises concurrent openers: DDL in PostgreSQL does not lock the meta table.
        let mut lock = Sql::new(d, "SELECT pg_advisory_xact_lock(hashtext(");
        lock.bind(t.vault.as_str()).push("))");
        tx.target().execute(lock, CTX).await?;
    }
    tx.target()
        .execute(Sql::new(d, &meta_ddl(d, t)), CTX)
        .await?;
    let version = stored_version(&mut tx, d, t).await?;
    if version > target {
        return Err(Error::invalid(
            "vault schema",
            format!(
                "version {version} was written by a newer VaultStore (this one knows {target}); upgrade VaultStore"
            ),
        ));
    }
    for step in steps.iter().filter(|m| m.version > version) {
        for stmt in (step.statements)(d, t) {
            tx.target().execute(Sql::new(d, &stmt), CTX).await?;
        }
    }
    seed_settings(&mut tx, d, t, target).await?;
    if version == 0 {
        // A vault this library creates can hold a v2 value only through a Go import or
        // a bundle, and both must say so (the import re-opens it to v2, see `accept_v2`);
        // a vault from before v2 retirement has no flag and keeps accepting v2 until
        // `upgrade_v2` leaves none.
        tx.target().execute(retire_v2(d, t, now), CTX).await?;
    }
    for s in setting_updates(d, t, target, kdf) {
        tx.target().execute(s, CTX).await?;
    }
    let settings = parse_settings(
        tx.target()
            .fetch_pairs(select_meta(d, t), CTX)
            .await?
            .into_iter()
            .collect(),
    )?;
    tx.commit(CTX).await?;
    Ok(settings)
}

/// The schema version the vault records; 0 for a new vault.
async fn stored_version(tx: &mut Tx, d: Dialect, t: &TableNames) -> Result<i64> {
    let meta: HashMap<String, String> = tx
        .target()
        .fetch_pairs(select_meta(d, t), CTX)
        .await?
        .into_iter()
        .collect();
    match meta.get(K_VERSION) {
        Some(v) => v.parse::<i64>().map_err(|_| corrupt(K_VERSION)),
        None => Ok(0),
    }
}

/// Writes the settings a new vault starts with; an existing vault keeps its own (above
/// all its salt: every record's key derives from it).
async fn seed_settings(tx: &mut Tx, d: Dialect, t: &TableNames, version: i64) -> Result<()> {
    let params = KdfParams::default();
    let salt = STANDARD.encode(random_bytes::<SALT_LEN>()?);
    let initial = [
        (K_VERSION, version.to_string()),
        (K_SALT, salt),
        (K_MEMORY, params.memory_kib().to_string()),
        (K_ITERATIONS, params.iterations().to_string()),
        (K_LANES, params.lanes().to_string()),
    ];
    let (insert, on_conflict) = d.insert_ignore();
    for (name, value) in initial {
        let mut s = Sql::new(d, insert);
        s.push(&d.quote(&t.meta))
            .push(" (name, value) VALUES (")
            .bind(name)
            .push(", ")
            .bind(value)
            .push(")")
            .push(on_conflict);
        tx.target().execute(s, CTX).await?;
    }
    Ok(())
}

/// The new schema version and, when given, the KDF parameters for new records.
fn setting_updates(d: Dialect, t: &TableNames, version: i64, kdf: Option<KdfParams>) -> Vec<Sql> {
    let update = |name: &'static str, value: String| {
        let mut s = Sql::new(d, &format!("UPDATE {} SET value = ", d.quote(&t.meta)));
        s.bind(value).push(" WHERE name = ").bind(name);
        s
    };
    let mut stmts = vec![update(K_VERSION, version.to_string())];
    if let Some(p) = kdf {
        stmts.push(update(K_MEMORY, p.memory_kib().to_string()));
        stmts.push(update(K_ITERATIONS, p.iterations().to_string()));
        stmts.push(update(K_LANES, p.lanes().to_string()));
    }
    stmts
}

/// Reads the settings of an existing vault without changing anything.
pub(crate) async fn read_settings(pool: &DbPool, t: &TableNames) -> Result<MetaSettings> {
    let d = pool.dialect();
    let pairs = pool
        .target()
        .fetch_pairs(
            select_meta(d, t),
            "reading the vault settings (open the vault with automigrate on to create it)",
        )
        .await?;
    let meta: HashMap<String, String> = pairs.into_iter().collect();
    match meta.get(K_VERSION).map(|v| v.parse::<i64>()) {
        Some(Ok(SCHEMA_VERSION)) => parse_settings(meta),
        Some(Ok(v)) => Err(Error::invalid(
            "vault schema",
            format!(
                "version {v} does not match this VaultStore ({SCHEMA_VERSION}); open it with automigrate on"
            ),
        )),
        _ => Err(corrupt(K_VERSION)),
    }
}

/// The date (`YYYY-MM-DD`) the vault retired `v2:` values, or `None` while it accepts
/// them.
pub(crate) async fn v2_retired_on(
    target: Target<'_>,
    d: Dialect,
    t: &TableNames,
) -> Result<Option<String>> {
    let mut sql = select_meta(d, t);
    sql.push(" WHERE name = ").bind(K_V2_RETIRED);
    let pairs = target
        .fetch_pairs(sql, "reading the vault settings")
        .await?;
    Ok(pairs
        .into_iter()
        .next()
        .map(|(_, at)| at.get(..10).unwrap_or(at.as_str()).to_owned()))
}

/// Marks the vault as refusing `v2:` values from `now` on (kept if already set).
pub(crate) fn retire_v2(d: Dialect, t: &TableNames, now: DateTime<Utc>) -> Sql {
    let (insert, on_conflict) = d.insert_ignore();
    let mut s = Sql::new(d, insert);
    s.push(&d.quote(&t.meta))
        .push(" (name, value) VALUES (")
        .bind(K_V2_RETIRED)
        .push(", ")
        .bind(timestamp::to_db(now))
        .push(")")
        .push(on_conflict);
    s
}

/// Makes the vault accept `v2:` values again (an import told to accept them).
pub(crate) fn unretire_v2(d: Dialect, t: &TableNames) -> Sql {
    let mut s = Sql::new(
        d,
        &format!("DELETE FROM {} WHERE name = ", d.quote(&t.meta)),
    );
    s.bind(K_V2_RETIRED);
    s
}

fn corrupt(name: &str) -> Error {
    Error::Database {
        context: "reading the vault settings",
        detail: format!("setting {name} is missing or unreadable"),
    }
}

fn parse_settings(meta: HashMap<String, String>) -> Result<MetaSettings> {
    let num = |name: &str| -> Result<u32> {
        meta.get(name)
            .and_then(|v| v.parse::<u32>().ok())
            .ok_or_else(|| corrupt(name))
    };
    let salt_bytes = meta
        .get(K_SALT)
        .and_then(|s| STANDARD.decode(s).ok())
        .ok_or_else(|| corrupt(K_SALT))?;
    let salt: [u8; SALT_LEN] = salt_bytes.try_into().map_err(|_| corrupt(K_SALT))?;
    let params = KdfParams::new(num(K_MEMORY)?, num(K_ITERATIONS)?, num(K_LANES)?)?;
    Ok(MetaSettings { salt, params })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, reason = "tests fail by panicking")]

    use super::*;
    use crate::{CreateOptions, Password, SecretValue, Store, StoreOptions};

    fn server(var: &str, default: &str) -> String {
        std::env::var(var).unwrap_or_else(|_| default.to_owned())
    }

    async fn count(pool: &DbPool, sql: Sql) -> i64 {
        pool.target().fetch_i64(sql, "test").await.unwrap()
    }

    /// A vault at schema 1 (as every build before the undo journal wrote it) holding a
    /// record upgrades to the latest version in place on open: the record still opens
    /// with its password, the salt and KDF settings are kept, the undo journal exists and
    /// is empty, the search index (version 3) holds the record, and opening again changes
    /// nothing.
    async fn a_v1_vault_upgrades_to_v2(url: &str, table: &str) {
        let pool = match DbPool::connect(url).await {
            Ok(p) => p,
            Err(e) if std::env::var("CI").is_err() && !url.starts_with("sqlite") => {
                eprintln!("SKIPPED: {url} unreachable: {e}");
                return;
            }
            Err(e) => panic!("{url}: {e}"),
        };
        let d = pool.dialect();
        let t = TableNames::new(table).unwrap();
        let src = TableNames::new(&format!("{table}_src")).unwrap();
        // The record is sealed by a current store beside it, then copied in as stored
        // (an envelope carries its own salt and KDF settings, so it opens anywhere).
        let mut options = StoreOptions::with_pool(pool.clone());
        options.kdf = Some(KdfParams::MINIMUM);
        options.table = src.vault.clone();
        let sealer = Store::new(options.clone()).await.unwrap();
        let pw = Password::new("upgrade-password-1");
        let token = sealer
            .token_create(
                &SecretValue::new("kept"),
                &pw,
                CreateOptions {
                    metadata: crate::Metadata::labelled("Upgraded gateway"),
                    ..CreateOptions::default()
                },
            )
            .await
            .unwrap();
        let select = Sql::new(
            d,
            &format!(
                "SELECT {} FROM {}",
                super::super::RECORD_COLUMNS_SQL,
                d.quote(&src.vault)
            ),
        );
        let rows = pool.target().fetch_records(select, "test").await.unwrap();

        let before = migrate_with(
            &pool,
            &t,
            Some(KdfParams::MINIMUM),
            Utc::now(),
            &MIGRATIONS[..1],
        )
        .await
        .unwrap();
        let insert = super::super::insert_rows(d, &d.quote(&t.vault), rows);
        pool.target().execute(insert, "test").await.unwrap();

        options.table = table.to_owned();
        let store = Store::new(options.clone()).await.unwrap();
        assert_eq!(
            store.token_read(&token, &pw).await.unwrap().expose(),
            "kept"
        );
        assert_eq!(store.undo_available().await.unwrap(), None);
        let search = crate::RecordQuery::parse("gateway").unwrap();
        let found = store.records_list(&search).await.unwrap().records;
        assert_eq!(
            found.len(),
            1,
            "the upgrade indexed the record already there"
        );
        let after = read_settings(&pool, &t).await.unwrap();
        assert_eq!(
            after.salt, before.salt,
            "the upgrade must keep the vault's salt"
        );
        assert_eq!(after.params, before.params, "and its KDF parameters");
        let journal = Sql::new(d, &format!("SELECT COUNT(*) FROM {}", d.quote(&t.undo)));
        assert_eq!(count(&pool, journal).await, 0);
        // Opening again (a second process) is a no-op.
        Store::new(options.clone()).await.unwrap();
        let mut version = Sql::new(
            d,
            &format!("SELECT COUNT(*) FROM {} WHERE name = ", d.quote(&t.meta)),
        );
        version
            .bind(K_VERSION)
            .push(" AND value = ")
            .bind(SCHEMA_VERSION.to_string());
        assert_eq!(count(&pool, version).await, 1);
        // A vault from a newer build is refused rather than misread.
        let mut newer = Sql::new(d, &format!("UPDATE {} SET value = ", d.quote(&t.meta)));
        newer
            .bind((SCHEMA_VERSION + 1).to_string())
            .push(" WHERE name = ")
            .bind(K_VERSION);
        pool.target().execute(newer, "test").await.unwrap();
        let refused = Store::new(options.clone()).await.map(drop).unwrap_err();
        assert!(
            refused.to_string().contains("newer VaultStore"),
            "{refused}"
        );

        for name in [&t.undo, &t.vault, &t.meta, &src.undo, &src.vault, &src.meta] {
            let drop = Sql::new(d, &format!("DROP TABLE {}", d.quote(name)));
            pool.target().execute(drop, "cleanup").await.unwrap();
        }
        for names in [&t, &src] {
            let drop = match d {
                Dialect::Sqlite => format!("DROP TABLE IF EXISTS {}", d.quote(&names.search)),
                Dialect::Postgres => format!(
                    "DROP FUNCTION IF EXISTS {}(text, text)",
                    d.quote(&format!("{}_search_doc", names.vault))
                ),
                Dialect::MySql => continue,
            };
            pool.target()
                .execute(Sql::new(d, &drop), "cleanup")
                .await
                .unwrap();
        }
        pool.close().await;
    }

    #[tokio::test]
    async fn a_v1_vault_upgrades_to_v2_on_every_backend() {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = format!("sqlite://{}", dir.path().join("v1.db").display());
        let table = format!("upgrade_{}", std::process::id());
        a_v1_vault_upgrades_to_v2(&sqlite, &table).await;
        let pg = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable";
        let my = "mysql://root@127.0.0.1:3306/test";
        for url in [
            server("VAULTSTORE_TEST_POSTGRES_URL", pg),
            server("VAULTSTORE_TEST_MYSQL_URL", my),
        ] {
            a_v1_vault_upgrades_to_v2(&url, &table).await;
        }
    }

    #[test]
    fn the_latest_step_makes_the_search_function_parallel_unsafe() {
        assert_eq!(SCHEMA_VERSION, 6);
        let t = TableNames::new("vault").unwrap();
        let pg = (latest_step().statements)(Dialect::Postgres, &t);
        assert!(pg.len() == 1 && pg[0].contains("PARALLEL UNSAFE"), "{pg:?}");
        for d in [Dialect::Sqlite, Dialect::MySql] {
            assert!((latest_step().statements)(d, &t).is_empty());
        }
    }

    fn latest_step() -> Migration {
        MIGRATIONS[MIGRATIONS.len() - 1]
    }
}
