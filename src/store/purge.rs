//! Expired-token clean-up: one statement, so it is atomic and needs no scan in Rust.

use super::Store;
use crate::error::Result;
use crate::timestamp;

impl Store {
    /// Removes every record whose expiry is at or before now, including ones already in
    /// the trash; with `soft`, moves live expired records to the trash instead. Returns
    /// how many records it removed or moved.
    pub async fn purge_expired(&self, soft: bool) -> Result<u64> {
        let now = timestamp::to_db(self.now());
        let table = &self.inner.vault_table;
        let mut sql;
        if soft {
            sql = self.sql(&format!("UPDATE {table} SET soft_deleted_at = "));
            sql.bind(now.as_str())
                .push(", updated_at = ")
                .bind(now.as_str())
                .push(" WHERE expires_at <= ")
                .bind(now)
                .push(" AND soft_deleted_at IS NULL");
        } else {
            sql = self.sql(&format!("DELETE FROM {table} WHERE expires_at <= "));
            sql.bind(now);
        }
        self.db().execute(sql, "purging expired tokens").await
    }
}
