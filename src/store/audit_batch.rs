//! MySQL/MariaDB: an act that changes nothing but the log (a reveal, a copy, an export)
//! appends its entries in one round trip.
//!
//! The locking path is four round trips: BEGIN, the head's compare-and-swap, the
//! INSERT, COMMIT; a plain committed write is one. PostgreSQL does it in one statement
//! (a data-modifying CTE); MySQL has none, but its protocol takes several statements in
//! one text query, so the same transaction goes as one batch, its entries inserted only
//! if the swap moved the head. A text query takes no parameters: every string goes as a
//! hex literal, bytes the server never reads as SQL.

use super::Store;
use super::audit::{Chained, Note, chained};
use crate::db::K_AUDIT_HEAD;
use crate::error::{Error, Result};
use crate::timestamp;

/// `s` as a MySQL string literal of its UTF-8 bytes (`_utf8mb4 X'…'`).
fn literal(s: &str) -> String {
    let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
    format!("_utf8mb4 X'{hex}'")
}

impl Store {
    /// Appends `notes` in one batch if this store's cached head is still the head;
    /// false (nothing written) when it is not or none is cached, and the caller takes
    /// the locking path.
    pub(super) async fn append_in_one_batch(&self, notes: &[Note]) -> Result<bool> {
        const CTX: &str = "writing the audit log";
        let Some(old) = self.cached_head() else {
            return Ok(false);
        };
        let at = timestamp::to_db(self.now());
        let (entries, new) = chained(notes, &old, self, &at)?;
        let d = self.inner.dialect;
        let meta = d.quote(&self.inner.tables.meta);
        let audit = d.quote(&self.inner.tables.audit);
        let rows: Vec<String> = entries
            .iter()
            .map(
                |Chained {
                     entry,
                     prev_hash,
                     hash,
                 }| {
                    let token = entry.token.as_deref().map_or("NULL".to_owned(), literal);
                    format!(
                        "SELECT {} AS seq, {} AS at, {} AS actor, {} AS action, {token} AS token, \
                     {} AS detail, {} AS prev_hash, {} AS hash",
                        entry.seq,
                        literal(&entry.at),
                        literal(&entry.actor),
                        literal(&entry.action),
                        literal(&entry.detail),
                        literal(prev_hash),
                        literal(hash)
                    )
                },
            )
            .collect();
        let batch = format!(
            "START TRANSACTION; \
             UPDATE {meta} SET value = {} WHERE name = {} AND value = {}; \
             SET @vs_head_moved = ROW_COUNT(); \
             INSERT INTO {audit} (seq, at, actor, action, token, detail, prev_hash, hash) \
             SELECT * FROM ({}) AS v WHERE @vs_head_moved = 1; \
             COMMIT",
            literal(&new),
            literal(K_AUDIT_HEAD),
            literal(&old),
            rows.join(" UNION ALL ")
        );
        match self.inner.pool.execute_batch(batch, CTX).await? {
            0 => Ok(false),
            n if n == entries.len() as u64 + 1 => {
                self.remember_head(new);
                Ok(true)
            }
            n => Err(Error::Database {
                context: CTX,
                detail: format!(
                    "the audit log's append changed {n} rows, not {}; run `vaultstore audit verify`",
                    entries.len() + 1
                ),
            }),
        }
    }
}
