//! VaultStore: secret values encrypted under tokens, on SQLite, PostgreSQL or MySQL.
//!
//! A [`Store`] keeps records in one SQL table. Each value is sealed with AES-256-GCM
//! under a key derived with Argon2id from the record's password (see the `crypto`
//! module docs for the envelope format); metadata (label, notes, tags) is plaintext and
//! searchable. Passwords and revealed values travel in [`Password`] and
//! [`SecretValue`], which zeroize on drop and never print.
//!
//! ```no_run
//! # async fn demo() -> vaultstore::Result<()> {
//! use vaultstore::{CreateOptions, Password, SecretValue, Store, StoreOptions};
//! let store = Store::new(StoreOptions::new("sqlite://vault.db")).await?;
//! let pw = Password::new("correct horse battery staple");
//! let token = store
//!     .token_create(&SecretValue::new("s3cr3t"), &pw, CreateOptions::default())
//!     .await?;
//! assert_eq!(store.token_read(&token, &pw).await?.expose(), "s3cr3t");
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

#[doc(hidden)]
pub mod bench_support;
pub mod bulk;
mod clock;
mod crypto;
mod db;
pub mod duration;
mod error;
#[cfg(test)]
mod fuzz_tests;
mod paths;
mod policy;
mod progress;
pub mod query;
mod record;
mod secret;
mod store;
mod timestamp;
pub mod token;
pub mod transfer;

pub use bulk::{
    BulkAction, BulkActionKind, BulkChange, BulkPreview, BulkReport, RecordState, RenewTo,
    UndoReport, UndoSummary,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use crypto::KdfParams;
pub use db::{DbPool, Dialect};
pub use error::{Error, ErrorCode, Result};
pub use paths::{
    database_url_has_password, default_database_url, default_vault_path, password_in_argv_warning,
    redact_database_url,
};
pub use policy::PasswordPolicy;
pub use progress::{Cancel, Progress};
pub use query::{Cursor, DeletedFilter, ExpiryFilter, Page, RecordQuery, SortField, SortOrder};
pub use record::{Metadata, Record, RecordStatus};
pub use secret::{Password, SecretValue};
pub use store::{
    Access, AuditAction, AuditCheck, AuditEntry, AuditFilter, Change, ChangeWatch,
    HistoryRetention, MAX_ACTOR_LEN, POLL_INTERVAL, RestoreToReport, Version, default_actor,
};
pub use store::{
    CreateOptions, DEFAULT_MAX_CACHED_KEYS, DEFAULT_MAX_VALUE_BYTES, DatabaseSource,
    MAX_CACHED_KEYS_LIMIT, MAX_PREVIEW_SAMPLE, MAX_TAG_COUNTS, Store, StoreOptions, Upserted,
};
pub use store::{MetadataPatch, SessionKey, UpgradeReport};
