//! The store: token and record operations over one vault table.
//!
//! One file per family of operations; this file holds the options, opening a vault and
//! the plumbing they share (the clock, row lookups, compare-and-swap writes).

mod audit;
mod audit_batch;
mod bulk;
mod bulk_change;
mod bulk_scan;
mod history;
mod index_merge;
mod legacy_v2;
mod live;
mod match_counts;
mod metadata_edit;
mod password_change;
mod point_in_time;
mod purge;
mod records;
mod session;
mod tag_counts;
mod tokens;
mod trash;
mod undo;

use std::sync::Arc;

use chrono::{DateTime, Utc};

pub(crate) use audit::Note;
pub use audit::{
    Access, AuditAction, AuditCheck, AuditEntry, AuditFilter, MAX_ACTOR_LEN, default_actor,
};
pub use bulk_change::MAX_PREVIEW_SAMPLE;
pub use history::{Change, HistoryRetention, Version};
pub use legacy_v2::UpgradeReport;
pub use live::{ChangeWatch, POLL_INTERVAL};
pub use metadata_edit::MetadataPatch;
pub use point_in_time::RestoreToReport;
pub use session::SessionKey;
pub use tag_counts::MAX_TAG_COUNTS;
pub(crate) use tokens::new_id;
pub use tokens::{CreateOptions, Upserted};

use crate::clock::{Clock, SystemClock};
use crate::crypto::{Crypto, KdfParams, VaultKdf};
use crate::db::{self, DbPool, Dialect, RawRecord, SearchIndex, Sql, TableNames, Target};
use crate::error::{Error, Result};
use crate::policy::PasswordPolicy;
use crate::record::Record;
use crate::secret::SecretValue;
use crate::timestamp;

/// Default largest plaintext value: 1 MiB.
pub const DEFAULT_MAX_VALUE_BYTES: usize = 1024 * 1024;

/// Default for [`StoreOptions::max_cached_keys`]: 64 keys.
pub const DEFAULT_MAX_CACHED_KEYS: usize = 64;
/// Largest accepted [`StoreOptions::max_cached_keys`].
pub const MAX_CACHED_KEYS_LIMIT: usize = 1024;

/// Where the store's database is.
#[derive(Debug, Clone)]
pub enum DatabaseSource {
    /// A URL: `sqlite://PATH`, `postgres://…`, `mysql://…`.
    Url(String),
    /// An existing pool.
    Pool(DbPool),
}

/// Options for [`Store::new`].
#[derive(Clone)]
pub struct StoreOptions {
    /// The database.
    pub database: DatabaseSource,
    /// Vault table name (default `vault`); the settings table is `<name>_meta`.
    pub table: String,
    /// Create or upgrade the schema on open (default on).
    pub automigrate: bool,
    /// Rules for new passwords.
    pub policy: PasswordPolicy,
    /// KDF parameters for new records; `None` keeps the vault's (RFC 9106 for a new one).
    pub kdf: Option<KdfParams>,
    /// Largest accepted plaintext value in bytes (default 1 MiB).
    pub max_value_bytes: usize,
    /// How many derived keys the session keeps, least recently used forgotten first
    /// (default 64, accepted 1..=1024). Only keys that opened or sealed a record count: a
    /// wrong password's key sits in a small set of its own (the last 8 tried).
    pub max_cached_keys: usize,
    /// The time source (default the system clock).
    pub clock: Arc<dyn Clock>,
    /// Who the audit log names for this store's acts (default the OS user and host,
    /// `user@host`); 1 to 255 printable characters.
    pub actor: Option<String>,
}

impl StoreOptions {
    /// Options for the database at `url`, with every other setting at its default.
    pub fn new(url: impl Into<String>) -> Self {
        Self::with_database(DatabaseSource::Url(url.into()))
    }

    /// Options for an existing pool, with every other setting at its default.
    pub fn with_pool(pool: DbPool) -> Self {
        Self::with_database(DatabaseSource::Pool(pool))
    }

    fn with_database(database: DatabaseSource) -> Self {
        Self {
            database,
            table: "vault".to_owned(),
            automigrate: true,
            policy: PasswordPolicy::default(),
            kdf: None,
            max_value_bytes: DEFAULT_MAX_VALUE_BYTES,
            max_cached_keys: DEFAULT_MAX_CACHED_KEYS,
            clock: Arc::new(SystemClock),
            actor: None,
        }
    }
}

impl std::fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreOptions")
            .field("table", &self.table)
            .field("automigrate", &self.automigrate)
            .field("policy", &self.policy)
            .field("kdf", &self.kdf)
            .field("max_value_bytes", &self.max_value_bytes)
            .field("max_cached_keys", &self.max_cached_keys)
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

/// A vault: cheap to clone (all clones share the pool and the session key cache).
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) pool: DbPool,
    pub(crate) dialect: Dialect,
    pub(crate) tables: TableNames,
    pub(crate) vault_table: String,
    pub(crate) crypto: Crypto,
    pub(crate) vault_kdf: VaultKdf,
    pub(crate) policy: PasswordPolicy,
    pub(crate) max_value_bytes: usize,
    pub(crate) clock: Arc<dyn Clock>,
    /// What query words use to find rows fast (schema version 3).
    pub(crate) search_index: SearchIndex,
    /// Whether recent queries' texts matched too many records for that index.
    pub(crate) match_counts: match_counts::MatchCounts,
    /// Who the audit log names.
    pub(crate) actor: String,
    /// The audit chain's head as this store last wrote it (see `audit::audit_in`).
    pub(crate) audit_head: std::sync::Mutex<Option<String>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dialect", &self.inner.dialect)
            .field("table", &self.inner.tables.vault)
            .finish_non_exhaustive()
    }
}

/// The substring index the vault has (on PostgreSQL, only if `pg_trgm` could be used).
async fn search_index(pool: &DbPool, tables: &TableNames) -> Result<SearchIndex> {
    let d = pool.dialect();
    let pg_index = d == Dialect::Postgres
        && pool
            .target()
            .fetch_i64(
                db::pg_index_exists_sql(d, tables),
                "looking for the search index",
            )
            .await?
            == 1;
    Ok(SearchIndex::of(d, tables, pg_index))
}

impl Store {
    /// Opens (and by default creates or migrates) a vault.
    pub async fn new(options: StoreOptions) -> Result<Self> {
        let tables = TableNames::new(&options.table)?;
        if options.max_value_bytes == 0 {
            return Err(Error::invalid("max value size", "must be at least 1 byte"));
        }
        check_max_cached_keys(options.max_cached_keys)?;
        let actor = options.actor.unwrap_or_else(audit::default_actor);
        audit::check_actor(&actor)?;
        let pool = match options.database {
            DatabaseSource::Url(url) => DbPool::connect(&url).await?,
            DatabaseSource::Pool(pool) => pool,
        };
        let settings = if options.automigrate {
            db::migrate(&pool, &tables, options.kdf, options.clock.now()).await?
        } else {
            db::read_settings(&pool, &tables).await?
        };
        let dialect = pool.dialect();
        let search_index = search_index(&pool, &tables).await?;
        // Explicit options win even without automigrate (not persisted then).
        let params = options.kdf.unwrap_or(settings.params);
        let automigrate = options.automigrate;
        let store = Self {
            inner: Arc::new(Inner {
                vault_table: dialect.quote(&tables.vault),
                dialect,
                tables,
                pool,
                crypto: Crypto::new(options.max_cached_keys, params)?,
                vault_kdf: VaultKdf {
                    salt: settings.salt,
                    params,
                },
                policy: options.policy,
                max_value_bytes: options.max_value_bytes,
                clock: options.clock,
                search_index,
                match_counts: match_counts::MatchCounts::default(),
                actor,
                audit_head: std::sync::Mutex::new(None),
            }),
        };
        // A retention in days moves with the clock: applied at each open. Best effort: a
        // login without DELETE on history (a team's app role) leaves it to the owner.
        if automigrate && let Err(e) = store.history_prune().await {
            tracing::warn!(error = %e, "history retention not applied on open");
        }
        Ok(store)
    }

    /// The backend this store runs on.
    pub fn dialect(&self) -> Dialect {
        self.inner.dialect
    }

    /// The underlying pool (for sharing it with another store).
    pub fn pool(&self) -> &DbPool {
        &self.inner.pool
    }

    /// The KDF parameters new records are sealed with.
    pub fn kdf_params(&self) -> KdfParams {
        self.inner.vault_kdf.params
    }

    /// Forgets every key derived in this session (they are zeroized). The next operation
    /// that needs a key derives it again from the password.
    pub fn lock(&self) {
        self.inner.crypto.lock();
    }

    /// How many Argon2 derivations this store has run: the expensive step, counted so
    /// tests and benchmarks can check that keys are reused.
    pub fn kdf_derivations(&self) -> u64 {
        self.inner.crypto.derivations()
    }

    /// How many derived keys this session holds: one per password and vault salt that
    /// opened or sealed a record, at most [`StoreOptions::max_cached_keys`] (least
    /// recently used forgotten first). Wrong passwords' keys are not counted: the last few
    /// are kept apart, so checking one against many records still derives once.
    pub fn cached_keys(&self) -> usize {
        self.inner.crypto.cached_keys()
    }

    /// Changes how many derived keys the session keeps (1..=1024), forgetting the least
    /// recently used beyond the new bound at once.
    pub fn set_max_cached_keys(&self, max: usize) -> Result<()> {
        check_max_cached_keys(max)?;
        self.inner.crypto.set_max_cached_keys(max);
        Ok(())
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.inner.pool.close().await;
    }

    // ---- shared plumbing ----

    pub(crate) fn now(&self) -> DateTime<Utc> {
        timestamp::truncate(self.inner.clock.now())
    }

    pub(crate) fn sql(&self, init: &str) -> Sql {
        Sql::new(self.inner.dialect, init)
    }

    pub(crate) fn db(&self) -> Target<'_> {
        self.inner.pool.target()
    }

    /// `SELECT <record columns> FROM <vault>`.
    pub(crate) fn select_records(&self) -> Sql {
        self.sql(&format!(
            "SELECT {} FROM {}",
            db::RECORD_COLUMNS_SQL,
            self.inner.vault_table
        ))
    }

    /// The record with this token, in any state.
    async fn fetch_by_token(&self, token: &str) -> Result<Option<Record>> {
        let mut sql = self.select_records();
        sql.push(" WHERE token = ").bind(token);
        self.fetch_one(sql, "looking up a token").await
    }

    async fn fetch_one(&self, sql: Sql, context: &'static str) -> Result<Option<Record>> {
        self.db()
            .fetch_records(sql, context)
            .await?
            .into_iter()
            .next()
            .map(Record::from_raw)
            .transpose()
    }

    /// The live, unexpired record with this token, or the error a token operation gives.
    async fn usable_record(&self, token: &str) -> Result<Record> {
        let record = self.live_record(token).await?;
        if record.is_expired_at(self.now()) {
            return Err(Error::Expired {
                tokens: vec![record.token],
            });
        }
        Ok(record)
    }

    /// The live record with this token (expired or not), or not_found / deleted.
    async fn live_record(&self, token: &str) -> Result<Record> {
        crate::token::validate(token)?;
        let record = self
            .fetch_by_token(token)
            .await?
            .ok_or_else(|| Error::not_found(token))?;
        if record.is_deleted() {
            return Err(Error::Deleted {
                tokens: vec![record.token],
            });
        }
        Ok(record)
    }

    /// Replaces a record's envelope only if it still holds `old` (compare-and-swap), so a
    /// concurrent writer's change is never silently overwritten. Returns whether it won.
    /// `touch` sets `updated_at`: a user's change does, a format upgrade does not.
    /// With a `note`, the change and its audit entry are written together.
    async fn swap_envelope(
        &self,
        record: &Record,
        new: String,
        touch: bool,
        note: Option<Note>,
    ) -> Result<bool> {
        let mut sql = self.sql(&format!("UPDATE {} SET value = ", self.inner.vault_table));
        sql.bind(new);
        if touch {
            sql.push(", updated_at = ")
                .bind(timestamp::to_db(self.now()));
        }
        sql.push(" WHERE id = ")
            .bind(record.id.as_str())
            .push(" AND value = ")
            .bind(record.envelope.as_str())
            .push(" AND soft_deleted_at IS NULL");
        const CTX: &str = "updating a value";
        let changed = match note {
            Some(note) => self.execute_audited(sql, CTX, note).await?,
            None => self.db().execute(sql, CTX).await?,
        };
        Ok(changed == 1)
    }

    pub(crate) fn check_value(&self, value: &SecretValue) -> Result<()> {
        if value.len() > self.inner.max_value_bytes {
            return Err(Error::invalid(
                "value",
                format!(
                    "is {} bytes; the limit is {} bytes",
                    value.len(),
                    self.inner.max_value_bytes
                ),
            ));
        }
        Ok(())
    }
}

fn check_max_cached_keys(max: usize) -> Result<()> {
    if (1..=MAX_CACHED_KEYS_LIMIT).contains(&max) {
        Ok(())
    } else {
        Err(Error::invalid(
            "max cached keys",
            format!("{max} is outside the accepted range 1..={MAX_CACHED_KEYS_LIMIT}"),
        ))
    }
}

/// Raw rows into records.
fn records_from(raw: Vec<RawRecord>) -> Result<Vec<Record>> {
    raw.into_iter().map(Record::from_raw).collect()
}
