//! Versioned migrations and the vault settings kept in the meta table.
//!
//! A migration only ever creates: it never deletes or rewrites user rows. Each run holds
//! the write lock (SQLite `BEGIN IMMEDIATE`, a PostgreSQL advisory lock) so two
//! processes opening a new vault at once agree on one salt. MySQL commits DDL
//! implicitly; the statements are idempotent, so a run interrupted there is re-run safely.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{DbPool, Dialect, Sql, TableNames};
use crate::crypto::{KdfParams, SALT_LEN, random_bytes};
use crate::error::{Error, Result};

/// Secondary indexes as (name suffix, columns); token has its unique index. The sort
/// columns carry the id too: keyset pages order by (column, id), and without it the
/// database sorts every row after the cursor to find the next 50.
pub(crate) const INDEXES: [(&str, &str); 4] = [
    ("expires_at", "expires_at"),
    ("soft_deleted_at", "soft_deleted_at"),
    ("created_at", "created_at, id"),
    ("updated_at", "updated_at, id"),
];

/// The schema version this build writes and understands.
pub(crate) const SCHEMA_VERSION: i64 = 1;

const K_VERSION: &str = "schema_version";
const K_SALT: &str = "kdf_salt";
const K_MEMORY: &str = "kdf_memory_kib";
const K_ITERATIONS: &str = "kdf_iterations";
const K_LANES: &str = "kdf_lanes";

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
/// envelope carries its own).
pub(crate) async fn migrate(
    pool: &DbPool,
    t: &TableNames,
    kdf: Option<KdfParams>,
) -> Result<MetaSettings> {
    const CTX: &str = "migrating the vault schema";
    let d = pool.dialect();
    let mut tx = pool.begin_write(CTX).await?;
    if d == Dialect::Postgres {
        let mut lock = Sql::new(d, "SELECT pg_advisory_xact_lock(hashtext(");
        lock.bind(t.vault.as_str()).push("))");
        tx.target().execute(lock, CTX).await?;
    }
    tx.target()
        .execute(Sql::new(d, &meta_ddl(d, t)), CTX)
        .await?;
    let meta: HashMap<String, String> = tx
        .target()
        .fetch_pairs(select_meta(d, t), CTX)
        .await?
        .into_iter()
        .collect();
    let version = match meta.get(K_VERSION) {
        Some(v) => v.parse::<i64>().map_err(|_| corrupt(K_VERSION))?,
        None => 0,
    };
    if version > SCHEMA_VERSION {
        return Err(Error::invalid(
            "vault schema",
            format!(
                "version {version} was written by a newer VaultStore (this one knows {SCHEMA_VERSION}); upgrade VaultStore"
            ),
        ));
    }
    if version < 1 {
        for stmt in d.schema_v1(t) {
            tx.target().execute(Sql::new(d, &stmt), CTX).await?;
        }
    }
    let params = kdf.unwrap_or_default();
    let salt = STANDARD.encode(random_bytes::<SALT_LEN>()?);
    let initial = [
        (K_VERSION, SCHEMA_VERSION.to_string()),
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
    let update = |name: &'static str, value: String| {
        let mut s = Sql::new(d, &format!("UPDATE {} SET value = ", d.quote(&t.meta)));
        s.bind(value).push(" WHERE name = ").bind(name);
        s
    };
    let mut stmts = vec![update(K_VERSION, SCHEMA_VERSION.to_string())];
    if let Some(p) = kdf {
        stmts.push(update(K_MEMORY, p.memory_kib().to_string()));
        stmts.push(update(K_ITERATIONS, p.iterations().to_string()));
        stmts.push(update(K_LANES, p.lanes().to_string()));
    }
    for s in stmts {
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
