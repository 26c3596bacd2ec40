//! Changing a password across the whole vault.
//!
//! Streams records in id order (keyset batches) inside one write transaction: either
//! every record that opened with the old password now opens with the new one, or, on
//! error or cancellation, nothing changed. Argon2 runs once for the new password and
//! once per distinct salt for the old one, however many records there are.

use super::Store;
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::record::Record;
use crate::secret::Password;
use crate::timestamp;

/// Records fetched per batch.
const BATCH: i64 = 500;

impl Store {
    /// Re-encrypts every record (live, trashed or expired) that opens with `old` under
    /// `new`; records sealed under other passwords are left untouched. Returns how many
    /// records changed. `on_progress` is called after each batch; setting `cancel`
    /// rolls everything back and returns [`Error::Cancelled`].
    #[tracing::instrument(skip_all)]
    pub async fn change_password(
        &self,
        old: &Password,
        new: &Password,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<u64> {
        const CTX: &str = "changing the password";
        self.inner.policy.check(new)?;
        let crypto = &self.inner.crypto;
        let vault = self.inner.vault_kdf;
        let old_pw = crypto.prepare(old);
        let new_key = crypto
            .master_key(&crypto.prepare(new), vault.salt, vault.params)
            .await?;
        let table = &self.inner.vault_table;
        let mut tx = self.inner.pool.begin_write(CTX).await?;
        let total = tx
            .target()
            .fetch_i64(self.sql(&format!("SELECT COUNT(*) FROM {table}")), CTX)
            .await?;
        let total = u64::try_from(total).unwrap_or(0);
        let now = timestamp::to_db(self.now());
        let (mut done, mut changed) = (0u64, 0u64);
        let mut last_id = String::new();
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let mut sql = self.select_records();
            sql.push(" WHERE id > ")
                .bind(last_id.as_str())
                .push(" ORDER BY id LIMIT ")
                .bind(BATCH);
            let batch = tx.target().fetch_records(sql, CTX).await?;
            let Some(last) = batch.last() else { break };
            last_id = last.id.clone();
            done += batch.len() as u64;
            for raw in batch {
                let record = Record::from_raw(raw)?;
                let value = match crypto.open(&record.envelope, &old_pw, &record.token).await {
                    Ok(v) => v,
                    // Sealed under another password, or unreadable: not ours to change.
                    Err(Error::InvalidPassword | Error::Crypto(_)) => continue,
                    Err(e) => return Err(e),
                };
                let envelope = crypto.seal_with(&new_key, &value, &record.token, vault)?;
                let mut update = self.sql(&format!("UPDATE {table} SET value = "));
                update
                    .bind(envelope)
                    .push(", updated_at = ")
                    .bind(now.as_str())
                    .push(" WHERE id = ")
                    .bind(record.id);
                tx.target().execute(update, CTX).await?;
                changed += 1;
            }
            on_progress(Progress { done, total });
        }
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        tx.commit(CTX).await?;
        Ok(changed)
    }
}
