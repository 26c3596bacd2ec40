//! Token operations: create, read, update, upsert, rekey, delete, soft delete,
//! restore, renew, exists.
//!
//! Semantics (DESIGN.md): a soft-deleted token answers only to restore and hard delete;
//! an expired one can be renewed, listed and deleted but not read or changed; changing a
//! value needs the password that opens the current one.

use chrono::{DateTime, Utc};

use super::Store;
use super::audit::{Access, AuditAction, Note};
use crate::crypto::{self, PreparedPassword};
use crate::db;
use crate::error::{Error, Result};
use crate::record::{Metadata, Record};
use crate::secret::{Password, SecretValue};
use crate::timestamp;
use crate::token;

/// How many times a write that lost a race with a concurrent writer is retried.
const SWAP_ATTEMPTS: usize = 3;

/// Options for creating a token.
#[derive(Debug, Clone, Default)]
pub struct CreateOptions {
    /// A custom token instead of a random one.
    pub token: Option<String>,
    /// Length of a random token, 15..=40 (default 32).
    pub length: Option<usize>,
    /// Expiry; `None` never expires. A past time is allowed and expires the token at once.
    pub expires_at: Option<DateTime<Utc>>,
    /// Plaintext metadata.
    pub metadata: Metadata,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    /// The token did not exist and was created.
    Created,
    /// The token existed and its value was replaced.
    Updated,
}

fn lost_race() -> Error {
    Error::Database {
        context: "updating a value",
        detail: "the record kept changing under concurrent writers; try again".into(),
    }
}

/// A new record id: 16 hex digits of creation time (so ids of new rows land at the end
/// of the primary-key index) and 16 random hex digits.
pub(crate) fn new_id(now: DateTime<Utc>) -> Result<String> {
    let micros = u64::try_from(now.timestamp_micros()).unwrap_or(0);
    let random = u64::from_be_bytes(crypto::random_bytes::<8>()?);
    Ok(format!("{micros:016x}{random:016x}"))
}

impl Store {
    /// Creates a token holding `value`, sealed under `password`; returns the token.
    #[tracing::instrument(skip_all)]
    pub async fn token_create(
        &self,
        value: &SecretValue,
        password: &Password,
        options: CreateOptions,
    ) -> Result<String> {
        self.check_value(value)?;
        self.inner.policy.check(password)?;
        let data = options.metadata.to_json()?;
        let expires_at = options
            .expires_at
            .map(|t| timestamp::check_range("expiry", t))
            .transpose()?;
        let prepared = self.inner.crypto.prepare(password);
        let custom = options.token.is_some();
        // A random token colliding is astronomically unlikely, but retrying costs nothing.
        for _ in 0..SWAP_ATTEMPTS {
            let token = match &options.token {
                Some(t) => {
                    token::validate(t)?;
                    t.clone()
                }
                None => token::generate(options.length.unwrap_or(token::DEFAULT_GENERATED_LEN))?,
            };
            let envelope = self
                .inner
                .crypto
                .seal(value, &prepared, &token, self.inner.vault_kdf)
                .await?;
            match self.insert(&token, envelope, expires_at, &data).await {
                Ok(()) => return Ok(token),
                Err(e) if db::is_unique_violation(&e) && custom => {
                    return Err(Error::AlreadyExists { token });
                }
                Err(e) if db::is_unique_violation(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(lost_race())
    }

    async fn insert(
        &self,
        token: &str,
        envelope: String,
        expires_at: Option<DateTime<Utc>>,
        data: &str,
    ) -> Result<()> {
        let now = self.now();
        let now_text = timestamp::to_db(now);
        let row = db::RawRecord {
            id: new_id(now)?,
            token: token.to_owned(),
            value: envelope,
            created_at: now_text.clone(),
            updated_at: now_text,
            expires_at: expires_at.map(timestamp::to_db),
            soft_deleted_at: None,
            data: data.to_owned(),
        };
        let sql = db::insert_rows(self.inner.dialect, &self.inner.vault_table, [row]);
        let note = Note::on(AuditAction::Create, token);
        self.execute_audited(sql, "creating a token", note).await?;
        Ok(())
    }

    /// Reads the value of a live, unexpired token.
    #[tracing::instrument(skip_all)]
    pub async fn token_read(&self, token: &str, password: &Password) -> Result<SecretValue> {
        self.token_read_for(token, password, Access::Reveal).await
    }

    /// [`Store::token_read`], recorded in the audit log as `access` (a reveal or a copy)
    /// before the value is returned.
    #[tracing::instrument(skip_all)]
    pub async fn token_read_for(
        &self,
        token: &str,
        password: &Password,
        access: Access,
    ) -> Result<SecretValue> {
        let record = self.usable_record(token).await?;
        let value = self
            .open_value(&record, &self.inner.crypto.prepare(password))
            .await?;
        self.audit_access(token, access, "").await?;
        Ok(value)
    }

    /// Opens a record's value. A value in the Go library's `v2:` format is refused once
    /// the vault retired v2, else re-sealed as `v3:` on its first successful read: the
    /// one path every read takes.
    pub(super) async fn open_value(
        &self,
        record: &Record,
        prepared: &PreparedPassword<'_>,
    ) -> Result<SecretValue> {
        self.check_v2_allowed(&record.token, &record.envelope)
            .await?;
        let value = self
            .inner
            .crypto
            .open(&record.envelope, prepared, &record.token)
            .await?;
        if crypto::is_v2(&record.envelope) {
            self.upgrade_envelope(record, &value, prepared).await;
        }
        Ok(value)
    }

    /// Re-seals an opened legacy value in the current format. Best effort: the read has
    /// succeeded whatever happens here (a read-only database or role cannot write, and
    /// losing the race to a concurrent writer is fine: that writer wrote `v3:` already).
    async fn upgrade_envelope(
        &self,
        record: &Record,
        value: &SecretValue,
        prepared: &PreparedPassword<'_>,
    ) {
        let upgraded = match self
            .inner
            .crypto
            .seal(value, prepared, &record.token, self.inner.vault_kdf)
            .await
        {
            Ok(envelope) => {
                let note = Note::on(AuditAction::UpgradeV2, &record.token);
                self.swap_envelope(record, envelope, false, Some(note))
                    .await
                    .map(drop)
            }
            Err(e) => Err(e),
        };
        if let Err(e) = upgraded {
            tracing::warn!(token = %record.token, error = %e, "kept the v2 value: re-sealing it as v3 failed");
        }
    }

    /// Replaces the value of a live, unexpired token; `password` must open the current
    /// value and seals the new one.
    #[tracing::instrument(skip_all)]
    pub async fn token_update(
        &self,
        token: &str,
        value: &SecretValue,
        password: &Password,
    ) -> Result<()> {
        self.check_value(value)?;
        self.inner.policy.check(password)?;
        for _ in 0..SWAP_ATTEMPTS {
            let record = self.usable_record(token).await?;
            if self
                .reseal(&record, password, password, Some(value))
                .await?
            {
                return Ok(());
            }
        }
        Err(lost_race())
    }

    /// Opens `record` with `old` (proving the caller knows it), seals `value` (for a
    /// rekey, `None`: the opened value itself) under `new` and swaps it in. Returns false
    /// if a concurrent writer changed the record. Update, upsert and rekey all go here.
    async fn reseal(
        &self,
        record: &Record,
        old: &Password,
        new: &Password,
        value: Option<&SecretValue>,
    ) -> Result<bool> {
        let action = match value {
            Some(_) => AuditAction::Update,
            None => AuditAction::Rekey,
        };
        self.check_v2_allowed(&record.token, &record.envelope)
            .await?;
        let crypto = &self.inner.crypto;
        let opened = crypto
            .open(&record.envelope, &crypto.prepare(old), &record.token)
            .await?;
        let envelope = crypto
            .seal(
                value.unwrap_or(&opened),
                &crypto.prepare(new),
                &record.token,
                self.inner.vault_kdf,
            )
            .await?;
        let note = Note::on(action, &record.token);
        self.swap_envelope(record, envelope, true, Some(note)).await
    }

    /// Creates `token` with `value` if it does not exist, else updates it (which needs
    /// the password that opens the current value). `options.token` is ignored.
    #[tracing::instrument(skip_all)]
    pub async fn token_upsert(
        &self,
        token: &str,
        value: &SecretValue,
        password: &Password,
        options: CreateOptions,
    ) -> Result<Upserted> {
        token::validate(token)?;
        self.check_value(value)?;
        self.inner.policy.check(password)?;
        for _ in 0..SWAP_ATTEMPTS {
            match self.live_record(token).await {
                Err(Error::NotFound { .. }) => {
                    let create = CreateOptions {
                        token: Some(token.to_owned()),
                        ..options.clone()
                    };
                    match self.token_create(value, password, create).await {
                        Ok(_) => return Ok(Upserted::Created),
                        // Someone created it meanwhile: update theirs instead.
                        Err(Error::AlreadyExists { .. }) => continue,
                        Err(e) => return Err(e),
                    }
                }
                Err(e) => return Err(e),
                Ok(record) => {
                    if record.is_expired_at(self.now()) {
                        return Err(Error::Expired {
                            tokens: vec![record.token],
                        });
                    }
                    if self
                        .reseal(&record, password, password, Some(value))
                        .await?
                    {
                        return Ok(Upserted::Updated);
                    }
                }
            }
        }
        Err(lost_race())
    }

    /// Re-encrypts one token's value from the `old` password to the `new` one.
    #[tracing::instrument(skip_all)]
    pub async fn token_rekey(&self, token: &str, old: &Password, new: &Password) -> Result<()> {
        self.inner.policy.check(new)?;
        for _ in 0..SWAP_ATTEMPTS {
            let record = self.usable_record(token).await?;
            if self.reseal(&record, old, new, None).await? {
                return Ok(());
            }
        }
        Err(lost_race())
    }

    /// Deletes a token for good, live or in the trash.
    pub async fn token_delete(&self, token: &str) -> Result<()> {
        token::validate(token)?;
        let mut sql = self.sql(&format!(
            "DELETE FROM {} WHERE token = ",
            self.inner.vault_table
        ));
        sql.bind(token);
        let note = Note::on(AuditAction::DeleteForever, token);
        match self.execute_audited(sql, "deleting a token", note).await? {
            0 => Err(Error::not_found(token)),
            _ => Ok(()),
        }
    }

    /// Moves a live token to the trash; [`Store::token_restore`] brings it back.
    pub async fn token_soft_delete(&self, token: &str) -> Result<()> {
        token::validate(token)?;
        let now = timestamp::to_db(self.now());
        let mut sql = self.sql(&format!(
            "UPDATE {} SET soft_deleted_at = ",
            self.inner.vault_table
        ));
        sql.bind(now.as_str())
            .push(", updated_at = ")
            .bind(now)
            .push(" WHERE token = ")
            .bind(token)
            .push(" AND soft_deleted_at IS NULL");
        let note = Note::on(AuditAction::Trash, token);
        if self
            .execute_audited(sql, "soft-deleting a token", note)
            .await?
            == 1
        {
            return Ok(());
        }
        // Nothing changed: say why.
        self.live_record(token).await.map(|_| ())
    }

    /// Takes a token out of the trash; its value, password and expiry are as before.
    pub async fn token_restore(&self, token: &str) -> Result<()> {
        token::validate(token)?;
        let mut sql = self.sql(&format!(
            "UPDATE {} SET soft_deleted_at = NULL, updated_at = ",
            self.inner.vault_table
        ));
        sql.bind(timestamp::to_db(self.now()))
            .push(" WHERE token = ")
            .bind(token)
            .push(" AND soft_deleted_at IS NOT NULL");
        let note = Note::on(AuditAction::Restore, token);
        if self.execute_audited(sql, "restoring a token", note).await? == 1 {
            return Ok(());
        }
        match self.fetch_by_token(token).await? {
            None => Err(Error::not_found(token)),
            Some(_) => Err(Error::invalid(
                "token",
                format!("{token} is not in the trash; there is nothing to restore"),
            )),
        }
    }

    /// Sets a live token's expiry (`None` = never). Works on expired tokens: that is how
    /// they come back.
    pub async fn token_renew(&self, token: &str, expires_at: Option<DateTime<Utc>>) -> Result<()> {
        token::validate(token)?;
        let expires_at = expires_at
            .map(|t| timestamp::check_range("expiry", t))
            .transpose()?;
        let mut sql = self.sql(&format!(
            "UPDATE {} SET expires_at = ",
            self.inner.vault_table
        ));
        sql.bind(expires_at.map(timestamp::to_db))
            .push(", updated_at = ")
            .bind(timestamp::to_db(self.now()))
            .push(" WHERE token = ")
            .bind(token)
            .push(" AND soft_deleted_at IS NULL");
        let note = Note::on(AuditAction::Renew, token).with(match expires_at {
            Some(t) => format!("until {}", timestamp::to_db(t)),
            None => "never expires".to_owned(),
        });
        if self.execute_audited(sql, "renewing a token", note).await? == 1 {
            return Ok(());
        }
        self.live_record(token).await.map(|_| ())
    }

    /// Whether a live record (not in the trash; expired or not) has this token.
    pub async fn token_exists(&self, token: &str) -> Result<bool> {
        token::validate(token)?;
        let mut sql = self.sql(&format!(
            "SELECT COUNT(*) FROM {} WHERE token = ",
            self.inner.vault_table
        ));
        sql.bind(token).push(" AND soft_deleted_at IS NULL");
        Ok(self.db().fetch_i64(sql, "checking a token").await? > 0)
    }
}
