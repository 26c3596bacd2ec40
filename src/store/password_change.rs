//! Changing a password across the whole vault.
//!
//! Streams records in id order (keyset batches) inside one write transaction: either
//! every record that opened with the old password now opens with the new one, or, on
//! error or cancellation, nothing changed. Argon2 runs once for the new password and
//! once per distinct salt for the old one, however many records there are.
//!
//! The distinct salts are found by a read-only pass before the write transaction, and
//! their keys derived there, so Argon2 never runs while rows are locked (except for a
//! salt written in between). Deriving a key per salt is inherent: no verifier is stored,
//! so the only way to learn whether a record of another vault's salt opens with the old
//! password is to derive that key and try; records of the vault itself share its salt.
//! Cancel takes effect within a derivation, not just between batches.

use super::Store;
use crate::crypto::Resealer;
use crate::db::Sql;
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::secret::Password;
use crate::timestamp;

/// Records fetched per batch.
const BATCH: i64 = 500;

impl Store {
    /// The read-only pass before the write transaction: reads every envelope in keyset
    /// batches and derives the old password's key for each distinct salt among them.
    async fn derive_old_keys(&self, resealer: &mut Resealer<'_>, cancel: &Cancel) -> Result<()> {
        const CTX: &str = "changing the password";
        let mut last_id = String::new();
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let mut sql = self.sql(&format!(
                "SELECT id, value FROM {} WHERE id > ",
                self.inner.vault_table
            ));
            sql.bind(last_id.as_str())
                .push(" ORDER BY id LIMIT ")
                .bind(BATCH);
            let rows = self.db().fetch_pairs(sql, CTX).await?;
            let Some((last, _)) = rows.last() else {
                return Ok(());
            };
            last_id = last.clone();
            let envelopes: Vec<&str> = rows.iter().map(|(_, value)| value.as_str()).collect();
            resealer.derive_for(&envelopes, cancel).await?;
        }
    }

    /// One UPDATE for a batch: `value = CASE id WHEN … THEN … END` over the batch's ids.
    /// Per-row statements cost a round trip each; this costs one per batch.
    fn batch_update(&self, rows: Vec<(String, String)>, now: &str) -> Sql {
        let mut sql = self.sql(&format!(
            "UPDATE {} SET value = CASE id",
            self.inner.vault_table
        ));
        for (id, envelope) in &rows {
            sql.push(" WHEN ")
                .bind(id.as_str())
                .push(" THEN ")
                .bind(envelope.as_str());
        }
        sql.push(" ELSE value END, updated_at = ")
            .bind(now)
            .push(" WHERE id IN ")
            .bind_list(rows.iter().map(|(id, _)| id.as_str()));
        sql
    }

    /// Re-encrypts every record (live, trashed or expired) that opens with `old` under
    /// `new`; records sealed under other passwords are left untouched, and so are `v2:`
    /// values once the vault retired v2. Returns how many
    /// records changed. `on_progress` is called for each batch once it is re-sealed,
    /// before it is written; setting `cancel` rolls everything back and returns
    /// [`Error::Cancelled`].
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
        let mut resealer = self
            .inner
            .crypto
            .resealer(old, new, self.inner.vault_kdf, cancel)
            .await?
            // A v2 value in a vault that retired v2 was moved or injected: re-sealing it
            // would bind it to its row's token as a genuine v3 value.
            .refusing_v2(self.v2_retired_on().await?.is_some());
        self.derive_old_keys(&mut resealer, cancel).await?;
        let table = &self.inner.vault_table;
        let mut tx = self.begin_write(CTX).await?;
        // Taken first, in the order bulk changes take it (journal, then rows).
        super::undo::lock_journal(self, &mut tx).await?;
        self.defer_index_merge(&mut tx).await?;
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
                .bind(BATCH)
                // Lock the batch until commit, so an update cannot land between this read
                // and the re-sealed write (SQLite's BEGIN IMMEDIATE already excludes it).
                .push(self.inner.dialect.lock_rows());
            let batch = tx.target().fetch_records(sql, CTX).await?;
            let Some(last) = batch.last() else { break };
            last_id = last.id.clone();
            done += batch.len() as u64;
            let sealed: Vec<(&str, &str)> = batch
                .iter()
                .map(|r| (r.token.as_str(), r.value.as_str()))
                .collect();
            let resealed: Vec<(String, String)> = resealer
                .reseal(&sealed, cancel)
                .await?
                .into_iter()
                .zip(&batch)
                .filter_map(|(envelope, raw)| envelope.map(|e| (raw.id.clone(), e)))
                .collect();
            // Reported before the write: the batch's work (Argon2, AES) is done, and a
            // hook here sits between the batch's read and its write, where a concurrent
            // writer would race us (the tests use it to prove the rows are locked).
            on_progress(Progress { done, total });
            if !resealed.is_empty() {
                changed += resealed.len() as u64;
                tx.target()
                    .execute(self.batch_update(resealed, &now), CTX)
                    .await?;
            }
        }
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        if changed > 0 {
            // The undo journal may hold rows sealed under the old password (a deletion):
            // undoing it would bring back values that open with the password just
            // replaced. A password change ends what Undo can revert.
            super::undo::clear_journal(self, &mut tx).await?;
            super::undo::write_summary(self, &mut tx, None).await?;
            let note = super::Note::vault(
                super::AuditAction::ChangePassword,
                format!("{changed} records"),
            );
            self.audit_in(&mut tx, &[note]).await?;
        }
        tx.commit(CTX).await?;
        self.merge_search_index().await;
        Ok(changed)
    }
}
