//! Writing validated records into the vault: one transaction, a conflict policy, and a
//! dry run that reports what would happen without keeping anything.

use std::collections::HashSet;

use super::OnConflict;
use super::bundle::{self, BundleRecord};
use crate::crypto;
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::store::{AuditAction, Note, Store, new_id};

/// Rows per multi-row INSERT: 9 bound values each stays far below every backend's limit.
const INSERT_BATCH: usize = 200;
/// Records per `COPY` on PostgreSQL.
const COPY_BATCH: usize = 5_000;
/// Tokens per existence lookup.
const LOOKUP_BATCH: usize = 500;
/// Fewest created records after which an import vacuums and analyses the table
/// (PostgreSQL).
const ANALYZE_AFTER: u64 = 1000;

/// How many times the vault's own key-derivation cost an imported record's envelope may
/// claim before the import refuses it (unless [`ImportOptions::allow_costly_kdf`]).
/// Headroom for a vault that lowered its parameters, or a bundle from a stronger one; a
/// claim of 1 GiB × 10 passes is 53× the default and would stall every reveal for minutes.
pub const MAX_KDF_COST_FACTOR: u64 = 4;

/// How to import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportOptions {
    /// What to do with tokens the vault already has.
    pub on_conflict: OnConflict,
    /// Make imported soft-deleted records live.
    pub restore_deleted: bool,
    /// Compute the report, then roll back: a preview.
    pub dry_run: bool,
    /// Accept records whose envelopes claim a key derivation more than
    /// [`MAX_KDF_COST_FACTOR`] times as costly as the vault's own. Off by default: such a
    /// record stalls every reveal, and a hostile file can carry them.
    pub allow_costly_kdf: bool,
    /// Accept records holding the Go library's `v2:` values into a vault that retired
    /// v2: the vault then accepts v2 values again (their envelopes are not bound to
    /// their tokens) until [`Store::upgrade_v2`] leaves none. Off by default: such a
    /// bundle is refused, naming the first record. A Go import always accepts them.
    pub accept_v2: bool,
}

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct ImportReport {
    /// New records.
    pub created: u64,
    /// Incoming records left out because the vault has the token.
    pub skipped: u64,
    /// Vault records replaced by incoming ones.
    pub overwritten: u64,
    /// Incoming trashed records that were made live (`restore_deleted`).
    pub restored: u64,
}

impl Store {
    /// Imports a bundle (see [`bundle`]): validated as a whole first, then written in one
    /// transaction. An imported record opens with the same password as before.
    pub async fn import_bundle(
        &self,
        bytes: &[u8],
        options: ImportOptions,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<ImportReport> {
        let records = bundle::decode(bytes)?;
        self.check_kdf_costs(&records, options, "bundle")?;
        self.import_records(records, options, &on_progress, cancel)
            .await
    }

    /// Refuses the first record whose envelope claims a key derivation more than
    /// [`MAX_KDF_COST_FACTOR`] times as costly as the vault's own, unless the options allow
    /// it. Read from the headers alone, before any derivation and before anything is
    /// written: every reveal of such a record would stall the app, and the bounds of
    /// [`KdfParams`](crate::KdfParams) still allow 1 GiB × 10 passes.
    pub(crate) fn check_kdf_costs(
        &self,
        records: &[BundleRecord],
        options: ImportOptions,
        source: &'static str,
    ) -> Result<()> {
        if options.allow_costly_kdf {
            return Ok(());
        }
        let vault = self.kdf_params();
        let limit = vault.sequential_cost().saturating_mul(MAX_KDF_COST_FACTOR);
        let costly = records.iter().enumerate().find_map(|(i, r)| {
            crypto::claimed_kdf_params(&r.value)
                .filter(|p| p.sequential_cost() > limit)
                .map(|p| (i, r, p))
        });
        let Some((i, r, claimed)) = costly else {
            return Ok(());
        };
        Err(Error::invalid(
            source,
            format!(
                "record {} ({:?}) claims a key derivation of {} KiB × {} passes, more than \
                 {MAX_KDF_COST_FACTOR}× the cost of this vault's {} KiB × {} passes: every \
                 reveal of it would stall for a long time; import it only from a source you \
                 trust, allowing costly key derivation (--allow-costly-kdf on the command line)",
                i + 1,
                r.token,
                claimed.memory_kib(),
                claimed.iterations(),
                vault.memory_kib(),
                vault.iterations(),
            ),
        ))
    }

    /// Which incoming tokens the vault has, and which ids are taken: one query per
    /// chunk, none at all when the table is empty (a fresh vault, the common case).
    async fn existing(
        &self,
        tx: &mut crate::db::Tx,
        records: &[BundleRecord],
    ) -> Result<(HashSet<String>, HashSet<String>)> {
        let probe = self.sql(&format!(
            "SELECT COUNT(*) FROM (SELECT 1 AS one FROM {} LIMIT 1) AS probe",
            self.inner.vault_table
        ));
        let (mut tokens, mut ids) = (HashSet::new(), HashSet::new());
        if tx.target().fetch_i64(probe, "importing records").await? == 0 {
            return Ok((tokens, ids));
        }
        self.plan_lookups_for_their_values(tx).await?;
        for chunk in records.chunks(LOOKUP_BATCH) {
            let mut sql = self.sql(&format!(
                "SELECT token, id FROM {} WHERE token IN ",
                self.inner.vault_table
            ));
            sql.bind_list(chunk.iter().map(|r| r.token.as_str()))
                .push(" OR id IN ")
                .bind_list(chunk.iter().map(|r| r.id.as_str()));
            for (token, id) in tx.target().fetch_pairs(sql, "importing records").await? {
                tokens.insert(token);
                ids.insert(id);
            }
        }
        // A token found through its id only is not in this chunk: keep just incoming ones.
        let incoming: HashSet<&str> = records.iter().map(|r| r.token.as_str()).collect();
        tokens.retain(|t| incoming.contains(t.as_str()));
        Ok((tokens, ids))
    }

    /// PostgreSQL: the rest of the import's transaction plans each statement for its
    /// values. A connection otherwise settles on one plan for any values after five
    /// runs of a statement and keeps it until the table is analysed; made while the
    /// vault was near empty (its first import), that plan scans the table comparing
    /// each row with the lookup's 1,000 values one by one, and autovacuum may not have
    /// analysed the table since it grew (or may be off): seconds per lookup at 200,000
    /// rows instead of a millisecond through the token and id indexes. Planning a
    /// lookup for its values costs a few milliseconds.
    async fn plan_lookups_for_their_values(&self, tx: &mut crate::db::Tx) -> Result<()> {
        if self.inner.dialect != crate::Dialect::Postgres {
            return Ok(());
        }
        let sql = self.sql("SET LOCAL plan_cache_mode = force_custom_plan");
        tx.target().execute(sql, "importing records").await?;
        Ok(())
    }

    /// Writes validated records. Everything happens in one transaction: an error, a
    /// conflict under `fail`, a cancellation or a dry run leaves the vault unchanged.
    pub(crate) async fn import_records(
        &self,
        records: Vec<BundleRecord>,
        options: ImportOptions,
        on_progress: &(impl Fn(Progress) + Send + Sync),
        cancel: &Cancel,
    ) -> Result<ImportReport> {
        const CTX: &str = "importing records";
        let total = records.len() as u64;
        let mut tx = self.begin_write(CTX).await?;
        self.defer_index_merge(&mut tx).await?;
        self.admit_v2(&mut tx, &records, options).await?;
        let (existing_tokens, mut taken_ids) = self.existing(&mut tx, &records).await?;
        let now = self.now();
        let mut report = ImportReport::default();
        // A COPY costs a round trip whatever its size; an INSERT's parameters are bounded.
        let write_batch = match self.inner.dialect {
            crate::Dialect::Postgres => COPY_BATCH,
            _ => INSERT_BATCH,
        };
        let mut pending: Vec<BundleRecord> = Vec::with_capacity(write_batch);
        for (done, mut r) in records.into_iter().enumerate() {
            if done % INSERT_BATCH == 0 {
                if cancel.is_cancelled() {
                    return Err(Error::Cancelled);
                }
                on_progress(Progress {
                    done: done as u64,
                    total,
                });
            }
            let restoring = options.restore_deleted && r.soft_deleted_at.is_some();
            if options.restore_deleted {
                r.soft_deleted_at = None;
            }
            if existing_tokens.contains(&r.token) {
                match options.on_conflict {
                    OnConflict::Skip => {
                        report.skipped += 1;
                        continue;
                    }
                    OnConflict::Fail => return Err(Error::AlreadyExists { token: r.token }),
                    OnConflict::Overwrite => {
                        self.overwrite(&mut tx, &r).await?;
                        report.overwritten += 1;
                    }
                }
            } else {
                if !taken_ids.insert(r.id.clone()) {
                    // The id belongs to another record here: the record gets a new one.
                    r.id = new_id(now)?;
                    taken_ids.insert(r.id.clone());
                }
                pending.push(r);
                report.created += 1;
                if pending.len() == write_batch {
                    self.insert_batch(&mut tx, std::mem::take(&mut pending))
                        .await?;
                }
            }
            if restoring {
                report.restored += 1;
            }
        }
        if !pending.is_empty() {
            self.insert_batch(&mut tx, pending).await?;
        }
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        on_progress(Progress { done: total, total });
        if options.dry_run {
            // Dropping the transaction rolls it back.
            return Ok(report);
        }
        let detail = format!(
            "{} created, {} overwritten, {} skipped",
            report.created, report.overwritten, report.skipped
        );
        self.audit_in(&mut tx, &[Note::vault(AuditAction::Import, detail)])
            .await?;
        tx.commit(CTX).await?;
        self.merge_search_index().await;
        self.analyze_after_import(report.created).await;
        Ok(report)
    }

    /// PostgreSQL: vacuums and analyses the table after an import that created at
    /// least [`ANALYZE_AFTER`] records and a tenth of what its statistics say it held
    /// (autovacuum's own proportion; never analysed counts as empty). Until a table is
    /// analysed the planner guesses: that `soft_deleted_at IS NULL` selects 0.5 % of the
    /// rows, so a jump into the middle of the vault view sorted every live record (a
    /// second at 400,000) instead of walking the sort's index (70 ms). Until it is
    /// vacuumed, no page is marked all-visible and that walk reads each skipped row from
    /// the table too (0.5-0.9 s at 500,000 instead of 0.2 s). Autovacuum does both some
    /// time later, or never where it is off; VACUUM skips the pages already marked, so
    /// it costs about the new rows. Best effort: the import is committed, and the server
    /// skips a table the user does not own with a warning.
    async fn analyze_after_import(&self, created: u64) {
        if self.inner.dialect != crate::Dialect::Postgres || created < ANALYZE_AFTER {
            return;
        }
        const CTX: &str = "vacuuming the vault after an import";
        let vault = &self.inner.vault_table;
        let analysed = async {
            let mut known = self.sql(
                "SELECT COALESCE((SELECT CAST(reltuples AS BIGINT) FROM pg_class \
                 WHERE oid = to_regclass(",
            );
            known.bind(vault.as_str()).push(")), -1)");
            let known = u64::try_from(self.db().fetch_i64(known, CTX).await?).unwrap_or(0);
            if created.saturating_mul(10) >= known {
                // Outside any transaction: VACUUM cannot run inside one.
                self.db()
                    .execute(self.sql(&format!("VACUUM (ANALYZE) {vault}")), CTX)
                    .await?;
            }
            Ok::<_, Error>(())
        };
        if let Err(e) = analysed.await {
            tracing::warn!(error = %e, "the import is kept; vacuuming the table failed");
        }
    }

    /// Refuses records holding `v2:` values when the vault retired v2, unless the
    /// options accept them; accepting them makes the vault accept v2 again, in the
    /// import's own transaction.
    async fn admit_v2(
        &self,
        tx: &mut crate::db::Tx,
        records: &[BundleRecord],
        options: ImportOptions,
    ) -> Result<()> {
        let Some((i, r)) = records
            .iter()
            .enumerate()
            .find(|(_, r)| crypto::is_v2(&r.value))
        else {
            return Ok(());
        };
        let (d, t) = (self.inner.dialect, &self.inner.tables);
        let Some(retired_on) = crate::db::v2_retired_on(tx.target(), d, t).await? else {
            return Ok(());
        };
        if !options.accept_v2 {
            return Err(Error::invalid(
                "import",
                format!(
                    "record {} ({:?}) holds a legacy Go v2 value, which this vault refuses \
                     since it retired v2 on {retired_on} (v2 values are not bound to their \
                     token); run `vaultstore upgrade-v2` on the vault the file came from and \
                     export again, or accept v2 values (--accept-v2 on the command line) and \
                     run upgrade-v2 here afterwards",
                    i + 1,
                    r.token
                ),
            ));
        }
        tx.target()
            .execute(crate::db::unretire_v2(d, t), "importing records")
            .await?;
        Ok(())
    }

    async fn insert_batch(&self, tx: &mut crate::db::Tx, rows: Vec<BundleRecord>) -> Result<()> {
        let rows = rows.into_iter().map(BundleRecord::into_raw).collect();
        let (d, table) = (self.inner.dialect, &self.inner.vault_table);
        tx.insert_records(d, table, rows, "importing records").await
    }

    async fn overwrite(&self, tx: &mut crate::db::Tx, r: &BundleRecord) -> Result<()> {
        let mut sql = self.sql(&format!("UPDATE {} SET value = ", self.inner.vault_table));
        sql.bind(r.value.as_str())
            .push(", created_at = ")
            .bind(r.created_at.as_str())
            .push(", updated_at = ")
            .bind(r.updated_at.as_str())
            .push(", expires_at = ")
            .bind(r.expires_at.clone())
            .push(", soft_deleted_at = ")
            .bind(r.soft_deleted_at.clone())
            .push(", data = ")
            .bind(r.data.get())
            .push(" WHERE token = ")
            .bind(r.token.as_str());
        tx.target().execute(sql, "importing records").await?;
        Ok(())
    }
}
