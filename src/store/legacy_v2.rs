//! Retiring the Go library's `v2:` values.
//!
//! A `v2:` envelope is not bound to its token, so a value moved to another row, or
//! written into the table by someone with database access, opens there like the real
//! one. Once a vault holds no v2 value (a new vault never did), the meta table records
//! the date it retired the format, and every path that opens a value refuses a `v2:` one
//! with [`Error::RetiredV2`] instead of opening it. [`Store::upgrade_v2`] re-seals the v2
//! values of an older vault as `v3:` and retires v2 when none is left.
//!
//! The flag is read from the database each time a v2 value is met (rare, and its Argon2
//! costs far more than the query), never cached, so a vault retired by another process
//! is refused at once.

use super::Store;
use crate::crypto::{self, PreparedPassword};
use crate::db::{self, RawRecord};
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::secret::Password;

/// v2 records re-sealed per write transaction. Each costs an Argon2 derivation per
/// password tried (the Go format salts every value apart), done before the transaction
/// opens, so the write lock is held only for the batch's compare-and-swap updates.
const BATCH: i64 = 50;

/// What [`Store::upgrade_v2`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct UpgradeReport {
    /// Records re-sealed from `v2:` to `v3:` (each under the password that opened it).
    pub upgraded: u64,
    /// Tokens of the records still holding a `v2:` value, in token order: no given
    /// password opened them (or their envelope is damaged).
    pub left: Vec<String>,
    /// Whether the vault now refuses `v2:` values: none is left.
    pub v2_retired: bool,
    /// Whether the upgrade stopped early because it was cancelled. The batches written
    /// before stay written: each of their records holds the same value under the same
    /// password, only in the new format.
    pub cancelled: bool,
}

impl Store {
    /// The date (`YYYY-MM-DD`) this vault retired the Go library's `v2:` values, or
    /// `None` while it still accepts them (a vault from before retirement existed that
    /// [`Store::upgrade_v2`] has not emptied of v2 values yet).
    pub async fn v2_retired_on(&self) -> Result<Option<String>> {
        db::v2_retired_on(self.db(), self.inner.dialect, &self.inner.tables).await
    }

    /// Refuses to open `envelope` of the record `token` if it is a `v2:` value and the
    /// vault retired v2; every path that opens a stored value asks this first.
    pub(crate) async fn check_v2_allowed(&self, token: &str, envelope: &str) -> Result<()> {
        if !crypto::is_v2(envelope) {
            return Ok(());
        }
        match self.v2_retired_on().await? {
            Some(retired_on) => Err(Error::RetiredV2 {
                token: token.to_owned(),
                retired_on,
            }),
            None => Ok(()),
        }
    }

    /// Re-seals every record (live, trashed or expired) holding a Go `v2:` value that one
    /// of `passwords` opens as `v3:` under that same password, without changing its
    /// `updated_at`. When no v2 value is left, the vault retires v2: from then on a `v2:`
    /// value anywhere in it is refused ([`Error::RetiredV2`]).
    ///
    /// Crash safe: records are re-sealed in batches, each written in one transaction by
    /// compare-and-swap (a record a concurrent writer changed meanwhile is left to it), so
    /// every record is either its old or its new envelope. `on_progress` counts the v2
    /// records examined; `cancel` stops before the next batch and the report says so.
    ///
    /// In a vault that retired v2 already, nothing is re-sealed: a v2 value there was
    /// moved or injected, and the report only lists it in `left`.
    #[tracing::instrument(skip_all)]
    pub async fn upgrade_v2(
        &self,
        passwords: &[Password],
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<UpgradeReport> {
        const CTX: &str = "upgrading v2 values";
        let mut count = self.sql(&format!("SELECT COUNT(*) FROM {}", self.inner.vault_table));
        count.push(" WHERE value LIKE ").bind("v2:%");
        let total = u64::try_from(self.db().fetch_i64(count, CTX).await?).unwrap_or(0);
        let crypto = &self.inner.crypto;
        let prepared: Vec<_> = passwords.iter().map(|p| crypto.prepare(p)).collect();
        let mut report = UpgradeReport::default();
        let (mut done, mut last_id) = (0u64, String::new());
        // In a vault that retired v2, every v2 value was moved or injected: re-sealing one
        // would bind it to its row's token as a genuine v3 value. They are only listed.
        while self.v2_retired_on().await?.is_none() {
            if cancel.is_cancelled() {
                report.cancelled = true;
                break;
            }
            let mut sql = self.sql(&format!(
                "SELECT {} FROM {} WHERE value LIKE ",
                db::RECORD_COLUMNS_SQL,
                self.inner.vault_table
            ));
            sql.bind("v2:%")
                .push(" AND id > ")
                .bind(last_id.as_str())
                .push(" ORDER BY id LIMIT ")
                .bind(BATCH);
            let batch = self.db().fetch_records(sql, CTX).await?;
            let Some(last) = batch.last() else { break };
            last_id = last.id.clone();
            done += batch.len() as u64;
            let resealed = self.reseal_v2(&batch, &prepared).await?;
            on_progress(Progress { done, total });
            report.upgraded += self.swap_batch(resealed).await?;
        }
        self.finish_upgrade(report).await
    }

    /// For each record of `batch` that one of `passwords` opens: its id, its old
    /// envelope and the value re-sealed as `v3:` under the password that opened it.
    async fn reseal_v2(
        &self,
        batch: &[RawRecord],
        passwords: &[PreparedPassword<'_>],
    ) -> Result<Vec<(String, String, String)>> {
        let crypto = &self.inner.crypto;
        let mut out = Vec::new();
        for r in batch {
            for p in passwords {
                match crypto.open(&r.value, p, &r.token).await {
                    Ok(value) => {
                        let sealed = crypto
                            .seal(&value, p, &r.token, self.inner.vault_kdf)
                            .await?;
                        out.push((r.id.clone(), r.value.clone(), sealed));
                        break;
                    }
                    Err(Error::InvalidPassword) => {}
                    // A damaged envelope opens with no password: it is left, and reported.
                    Err(Error::Crypto(_)) => break,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(out)
    }

    /// Writes re-sealed envelopes in one transaction, each only if its row still holds
    /// the old one; returns how many were written. Writes nothing if another process
    /// retired v2 meanwhile (the values left are then moved or injected ones).
    async fn swap_batch(&self, rows: Vec<(String, String, String)>) -> Result<u64> {
        const CTX: &str = "upgrading v2 values";
        if rows.is_empty() {
            return Ok(0);
        }
        let mut tx = self.begin_write(CTX).await?;
        let (d, t) = (self.inner.dialect, &self.inner.tables);
        if db::v2_retired_on(tx.target(), d, t).await?.is_some() {
            return Ok(0);
        }
        let mut written = 0;
        for (id, old, new) in rows {
            let mut sql = self.sql(&format!("UPDATE {} SET value = ", self.inner.vault_table));
            sql.bind(new)
                .push(" WHERE id = ")
                .bind(id)
                .push(" AND value = ")
                .bind(old);
            written += tx.target().execute(sql, CTX).await?;
        }
        tx.commit(CTX).await?;
        Ok(written)
    }

    /// Lists the v2 values left and, when there are none (and the upgrade ran to its
    /// end), retires v2, in one transaction so no v2 value slips in between.
    async fn finish_upgrade(&self, mut report: UpgradeReport) -> Result<UpgradeReport> {
        const CTX: &str = "upgrading v2 values";
        let (d, t) = (self.inner.dialect, &self.inner.tables);
        let mut tx = self.begin_write(CTX).await?;
        let mut left = self.sql(&format!("SELECT token, id FROM {}", self.inner.vault_table));
        left.push(" WHERE value LIKE ")
            .bind("v2:%")
            .push(" ORDER BY token")
            .push(d.lock_rows());
        report.left = tx
            .target()
            .fetch_pairs(left, CTX)
            .await?
            .into_iter()
            .map(|(token, _)| token)
            .collect();
        if report.left.is_empty() && !report.cancelled {
            tx.target()
                .execute(db::retire_v2(d, t, self.now()), CTX)
                .await?;
        }
        report.v2_retired = db::v2_retired_on(tx.target(), d, t).await?.is_some();
        tx.commit(CTX).await?;
        Ok(report)
    }
}
