//! Emptying the trash: every soft-deleted record deleted for good in one statement,
//! inside a transaction so a cancellation rolls it back.

use super::Store;
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};

impl Store {
    /// Deletes every record in the trash for good, if the trash holds exactly `expected`
    /// records (the number the user was shown and confirmed); returns how many it
    /// deleted. Live records are never touched.
    pub async fn trash_empty(&self, expected: u64) -> Result<u64> {
        self.trash_empty_with(expected, |_| {}, &Cancel::new())
            .await
    }

    /// [`Store::trash_empty`] with progress (how many records it will delete, then how
    /// many it did) and cancellation, which rolls the deletion back.
    ///
    /// The count is what the statement itself deleted, checked before committing: a
    /// record trashed or restored by someone else after the user confirmed makes it a
    /// different set, so nothing is deleted and the error asks the user to look again.
    pub async fn trash_empty_with(
        &self,
        expected: u64,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<u64> {
        const CTX: &str = "emptying the trash";
        let table = &self.inner.vault_table;
        let delete = self.sql(&format!(
            "DELETE FROM {table} WHERE soft_deleted_at IS NOT NULL"
        ));
        on_progress(Progress {
            done: 0,
            total: expected,
        });
        let mut tx = self.begin_write(CTX).await?;
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let done = tx.target().execute(delete, CTX).await?;
        if done != expected {
            // Dropping the transaction rolls the deletion back.
            return Err(Error::invalid(
                "expected count",
                format!(
                    "the trash now holds {done} records, not the {expected} confirmed; \
                     look at it again and confirm the new number"
                ),
            ));
        }
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        if done > 0 {
            let note =
                super::Note::vault(super::AuditAction::EmptyTrash, format!("{done} records"));
            self.audit_in(&mut tx, &[note]).await?;
        }
        tx.commit(CTX).await?;
        on_progress(Progress { done, total: done });
        Ok(done)
    }
}
