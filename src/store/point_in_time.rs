//! Point in time: the records put back as they were at a moment, from history, in one
//! transaction. Values come back sealed as they were (under the password they had then);
//! a record created after that moment goes to the trash, not away: nothing is lost, and
//! the restore itself is a new version of every record it touches.

use chrono::{DateTime, Utc};

use super::audit::{AuditAction, Note};
use super::{Store, tokens::new_id};
use crate::db::{self, RawRecord, Tx};
use crate::error::Result;
use crate::timestamp;

/// What [`Store::restore_to`] did (or, in a dry run, would do), by token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RestoreToReport {
    /// Records whose value, expiry, trash state or metadata went back.
    pub restored: Vec<String>,
    /// Records deleted forever since, created again as they were.
    pub recreated: Vec<String>,
    /// Records created since, moved to the trash.
    pub trashed: Vec<String>,
}

impl RestoreToReport {
    /// How many records change.
    pub fn total(&self) -> usize {
        self.restored.len() + self.recreated.len() + self.trashed.len()
    }
}

/// One record's state at the moment, from history.
struct Then {
    record_id: String,
    value: String,
    created_at: String,
    expires_at: Option<String>,
    soft_deleted_at: Option<String>,
    data: String,
}

/// What one token needs.
enum Step {
    Put(Then),
    Trash,
}

impl Store {
    /// Puts every record whose token starts with `prefix` (all when `None`) back as it
    /// was at `at`: value, expiry, trash state and metadata. With `dry_run`, changes
    /// nothing and says what it would do.
    pub async fn restore_to(
        &self,
        at: DateTime<Utc>,
        prefix: Option<&str>,
        dry_run: bool,
    ) -> Result<RestoreToReport> {
        const CTX: &str = "restoring to a point in time";
        let at = timestamp::to_db(timestamp::check_range("time", at)?);
        let mut tx = self.begin_write(CTX).await?;
        self.defer_index_merge(&mut tx).await?;
        let plan = self.plan(&mut tx, &at, prefix).await?;
        let mut report = RestoreToReport::default();
        let mut notes = Vec::new();
        let now = self.now();
        for (token, step, current) in plan {
            let kind = match (&step, &current) {
                (Step::Trash, _) => &mut report.trashed,
                (Step::Put(_), Some(_)) => &mut report.restored,
                (Step::Put(_), None) => &mut report.recreated,
            };
            kind.push(token.clone());
            if dry_run {
                continue;
            }
            self.apply_step(&mut tx, &token, step, current, now).await?;
            notes.push(Note::on(AuditAction::RestoreTo, &token).with(format!("as at {at}")));
        }
        if dry_run || notes.is_empty() {
            return Ok(report); // rolls back: nothing was written
        }
        self.audit_in(&mut tx, &notes).await?;
        tx.commit(CTX).await?;
        self.merge_search_index().await;
        Ok(report)
    }

    /// Every token that differs from its state at `at`, what it needs, and its current
    /// row (locked until the commit), in token order.
    async fn plan(
        &self,
        tx: &mut Tx,
        at: &str,
        prefix: Option<&str>,
    ) -> Result<Vec<(String, Step, Option<RawRecord>)>> {
        const CTX: &str = "restoring to a point in time";
        let wanted = |t: &str| prefix.is_none_or(|p| t.starts_with(p));
        let h = self.inner.dialect.quote(&self.inner.tables.history);
        // The state at `at` of every token changed since: its first version replaced
        // after that moment.
        let mut sql = self.sql(&format!(
            "SELECT h.version, h.token, h.record_id, h.value, h.created_at, h.expires_at, \
             h.soft_deleted_at, h.data FROM {h} AS h JOIN (SELECT token, MIN(version) AS v \
             FROM {h} WHERE replaced_at > "
        ));
        sql.bind(at).push(
            " GROUP BY token) AS m ON m.token = h.token AND m.v = h.version ORDER BY h.token",
        );
        let rows = tx.target().fetch_numbered(sql, CTX).await?;
        let mut steps: std::collections::BTreeMap<String, Step> = rows
            .into_iter()
            .filter_map(|(_, c)| {
                let text = |i: usize| c.get(i).cloned().flatten();
                let token = text(0)?;
                let then = Then {
                    record_id: text(1)?,
                    value: text(2)?,
                    created_at: text(3)?,
                    expires_at: text(4),
                    soft_deleted_at: text(5),
                    data: text(6).unwrap_or_default(),
                };
                // A record created after the moment did not exist then.
                let step = if then.created_at.as_str() > at {
                    Step::Trash
                } else {
                    Step::Put(then)
                };
                wanted(&token).then_some((token, step))
            })
            .collect();
        // Records created after the moment with no history yet.
        let mut sql = self.select_records();
        sql.push(" WHERE created_at > ")
            .bind(at)
            .push(" AND soft_deleted_at IS NULL");
        for r in tx.target().fetch_records(sql, CTX).await? {
            if wanted(&r.token) {
                steps.entry(r.token).or_insert(Step::Trash);
            }
        }
        let mut plan = Vec::with_capacity(steps.len());
        for (token, step) in steps {
            let mut sql = self.select_records();
            sql.push(" WHERE token = ")
                .bind(token.as_str())
                .push(self.inner.dialect.lock_rows());
            let current = tx
                .target()
                .fetch_records(sql, CTX)
                .await?
                .into_iter()
                .next();
            let needed = match (&step, &current) {
                (Step::Trash, Some(c)) => c.soft_deleted_at.is_none(),
                (Step::Trash, None) => false,
                (Step::Put(t), Some(c)) => {
                    c.value != t.value
                        || c.expires_at != t.expires_at
                        || c.soft_deleted_at != t.soft_deleted_at
                        || c.data != t.data
                }
                (Step::Put(_), None) => true,
            };
            if needed {
                plan.push((token, step, current));
            }
        }
        Ok(plan)
    }

    async fn apply_step(
        &self,
        tx: &mut Tx,
        token: &str,
        step: Step,
        current: Option<RawRecord>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        const CTX: &str = "restoring to a point in time";
        let now_text = timestamp::to_db(now);
        let vault = &self.inner.vault_table;
        let sql = match (step, current) {
            (Step::Trash, _) => {
                let mut sql = self.sql(&format!("UPDATE {vault} SET soft_deleted_at = "));
                sql.bind(now_text.as_str())
                    .push(", updated_at = ")
                    .bind(now_text.as_str())
                    .push(" WHERE token = ")
                    .bind(token);
                sql
            }
            (Step::Put(then), Some(_)) => {
                let mut sql = self.sql(&format!("UPDATE {vault} SET value = "));
                sql.bind(then.value)
                    .push(", expires_at = ")
                    .bind(then.expires_at)
                    .push(", soft_deleted_at = ")
                    .bind(then.soft_deleted_at)
                    .push(", data = ")
                    .bind(then.data)
                    .push(", updated_at = ")
                    .bind(now_text)
                    .push(" WHERE token = ")
                    .bind(token);
                sql
            }
            (Step::Put(then), None) => {
                let mut probe = self.sql(&format!("SELECT COUNT(*) FROM {vault} WHERE id = "));
                probe.bind(then.record_id.as_str());
                let id = if tx.target().fetch_i64(probe, CTX).await? == 0 {
                    then.record_id
                } else {
                    new_id(now)?
                };
                let row = RawRecord {
                    id,
                    token: token.to_owned(),
                    value: then.value,
                    created_at: then.created_at,
                    updated_at: now_text,
                    expires_at: then.expires_at,
                    soft_deleted_at: then.soft_deleted_at,
                    data: then.data,
                };
                db::insert_rows(self.inner.dialect, vault, [row])
            }
        };
        tx.target().execute(sql, CTX).await?;
        Ok(())
    }
}
