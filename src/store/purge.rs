//! Expired-token clean-up: one statement (no scan in Rust), inside a transaction so a
//! cancellation rolls it back, with the count reported before and after.

use super::Store;
use crate::db::Sql;
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::timestamp;

impl Store {
    /// Removes every record whose expiry is at or before now, including ones already in
    /// the trash; with `soft`, moves live expired records to the trash instead. Returns
    /// how many records it removed or moved.
    pub async fn purge_expired(&self, soft: bool) -> Result<u64> {
        self.purge_expired_with(soft, |_| {}, &Cancel::new()).await
    }

    /// [`Store::purge_expired`] with progress (how many records it will touch, then how
    /// many it did) and cancellation, which rolls the clean-up back.
    pub async fn purge_expired_with(
        &self,
        soft: bool,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<u64> {
        const CTX: &str = "purging expired tokens";
        let now = timestamp::to_db(self.now());
        let table = &self.inner.vault_table;
        let live_only = if soft {
            " AND soft_deleted_at IS NULL"
        } else {
            ""
        };
        let mut count = self.sql(&format!(
            "SELECT COUNT(*) FROM {table} WHERE expires_at <= "
        ));
        count.bind(now.as_str()).push(live_only);
        let mut purge: Sql;
        if soft {
            purge = self.sql(&format!("UPDATE {table} SET soft_deleted_at = "));
            purge
                .bind(now.as_str())
                .push(", updated_at = ")
                .bind(now.as_str())
                .push(" WHERE expires_at <= ")
                .bind(now.as_str())
                .push(live_only);
        } else {
            purge = self.sql(&format!("DELETE FROM {table} WHERE expires_at <= "));
            purge.bind(now.as_str());
        }
        let mut tx = self.begin_write(CTX).await?;
        let total = u64::try_from(tx.target().fetch_i64(count, CTX).await?).unwrap_or(0);
        on_progress(Progress { done: 0, total });
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let done = tx.target().execute(purge, CTX).await?;
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        if done > 0 {
            let how = if soft {
                "moved to trash"
            } else {
                "deleted forever"
            };
            let note = super::Note::vault(
                super::AuditAction::Purge,
                format!("{done} expired records {how}"),
            );
            self.audit_in(&mut tx, &[note]).await?;
        }
        tx.commit(CTX).await?;
        on_progress(Progress { done, total });
        Ok(done)
    }
}
