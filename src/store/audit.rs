//! The audit log: who did what to which record and when, never a value or a password.
//!
//! An entry is written in the same transaction as the change it records (a reveal
//! writes its entry before the value is handed out), so the log and the vault never
//! disagree. Each entry carries the SHA-256 of the previous entry's hash and its own
//! fields, and the meta row `audit_head` holds the last one: an edited, deleted or
//! reordered entry, or a cut-off tail, breaks the chain and [`Store::audit_verify`]
//! names the first entry where it breaks.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Store;
use crate::db::{K_AUDIT_HEAD, Sql, Tx};
use crate::error::{Error, Result};
use crate::timestamp;

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Longest accepted actor name (the column's width on MySQL).
pub const MAX_ACTOR_LEN: usize = 255;

/// Entries per INSERT: 8 arguments each stays within every backend's placeholder limit.
const INSERT_CHUNK: usize = 1_000;

/// How many entries a verification reads per query.
const VERIFY_PAGE: i64 = 2_000;

/// What an audit entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// A record was created.
    Create,
    /// A value was opened to be shown or printed.
    Reveal,
    /// A value was opened to go on the clipboard.
    Copy,
    /// A value was replaced.
    Update,
    /// A value was sealed under a new password.
    Rekey,
    /// An expiry was set or cleared.
    Renew,
    /// Records went to the trash.
    Trash,
    /// Records came back from the trash.
    Restore,
    /// Records were deleted for good.
    DeleteForever,
    /// Label, notes or tags changed.
    EditMetadata,
    /// Records were written to a file.
    Export,
    /// Records were read from a file.
    Import,
    /// Every record under one password moved to another.
    ChangePassword,
    /// Expired records were removed.
    Purge,
    /// The trash was emptied.
    EmptyTrash,
    /// A bulk change of another kind.
    BulkChange,
    /// The last bulk change was reverted.
    Undo,
    /// An earlier version became current again.
    RestoreVersion,
    /// Records were put back as they were at a time.
    RestoreTo,
    /// History outside the retention was dropped.
    PruneHistory,
    /// A legacy v2 value was re-sealed as v3 on reading.
    UpgradeV2,
}

impl AuditAction {
    /// The stable name stored in the log.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Reveal => "reveal",
            Self::Copy => "copy",
            Self::Update => "update",
            Self::Rekey => "rekey",
            Self::Renew => "renew",
            Self::Trash => "trash",
            Self::Restore => "restore",
            Self::DeleteForever => "delete-forever",
            Self::EditMetadata => "edit-metadata",
            Self::Export => "export",
            Self::Import => "import",
            Self::ChangePassword => "change-password",
            Self::Purge => "purge",
            Self::EmptyTrash => "empty-trash",
            Self::BulkChange => "bulk-change",
            Self::Undo => "undo",
            Self::RestoreVersion => "restore-version",
            Self::RestoreTo => "restore-to",
            Self::PruneHistory => "prune-history",
            Self::UpgradeV2 => "upgrade-v2",
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a value is being opened: the audit log tells a reveal from a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// Shown to the user (or printed by the CLI).
    #[default]
    Reveal,
    /// Put on the clipboard.
    Copy,
}

impl Access {
    fn action(self) -> AuditAction {
        match self {
            Self::Reveal => AuditAction::Reveal,
            Self::Copy => AuditAction::Copy,
        }
    }
}

/// One entry about to be written.
#[derive(Debug, Clone)]
pub(crate) struct Note {
    pub action: AuditAction,
    pub token: Option<String>,
    /// What else identifies the act (a count, a query, a version); never a secret.
    pub detail: String,
}

impl Note {
    pub(crate) fn on(action: AuditAction, token: &str) -> Self {
        Self {
            action,
            token: Some(token.to_owned()),
            detail: String::new(),
        }
    }

    pub(crate) fn vault(action: AuditAction, detail: impl Into<String>) -> Self {
        Self {
            action,
            token: None,
            detail: detail.into(),
        }
    }

    pub(crate) fn with(mut self, detail: impl Into<String>) -> Self {
        self.detail = detail.into();
        self
    }
}

/// One entry of the log as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When, in the vault's timestamp form.
    pub at: String,
    /// Who: the configured name, else the OS user and host.
    pub actor: String,
    /// What (an [`AuditAction`] name).
    pub action: String,
    /// Which record, if the act was on one.
    pub token: Option<String>,
    /// Counts, query, version: what else identifies the act.
    pub detail: String,
}

/// Which entries [`Store::audit_list`] returns.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only entries about this token.
    pub token: Option<String>,
    /// Only entries at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// At most this many, the most recent (default 1,000).
    pub limit: Option<u32>,
}

/// What [`Store::audit_verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditCheck {
    /// Entries whose hash was checked and held.
    pub intact_entries: u64,
    /// The first entry that does not chain (a gap, an edit, a reordering), if any.
    pub first_broken: Option<i64>,
    /// What is wrong, when something is.
    pub problem: Option<String>,
}

impl AuditCheck {
    /// Whether the whole chain holds.
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// The hash of an entry: SHA-256 over the previous hash and the fields, as one JSON
/// array (unambiguous whatever the fields hold).
fn entry_hash(prev: &str, e: &AuditEntry) -> String {
    let fields = serde_json::json!([prev, e.seq, e.at, e.actor, e.action, e.token, e.detail]);
    let digest = Sha256::digest(fields.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The head after `notes` are chained on from `seq` and `hash` (both moved on).
fn chain_on(notes: &[Note], seq: &mut i64, hash: &mut String, store: &Store, at: &str) -> String {
    for note in notes {
        *seq += 1;
        let entry = AuditEntry {
            seq: *seq,
            at: at.to_owned(),
            actor: store.inner.actor.clone(),
            action: note.action.as_str().to_owned(),
            token: note.token.clone(),
            detail: note.detail.clone(),
        };
        *hash = entry_hash(hash, &entry);
    }
    format!("{seq} {hash}")
}

/// An entry chained on: the hash before it and its own.
pub(super) struct Chained {
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The entries `notes` become when chained on from the head `from` at `at`, and the
/// head after them.
pub(super) fn chained(
    notes: &[Note],
    from: &str,
    store: &Store,
    at: &str,
) -> Result<(Vec<Chained>, String)> {
    let (mut seq, mut hash) = parse_head(from)?;
    let mut out = Vec::with_capacity(notes.len());
    for note in notes {
        seq += 1;
        let entry = AuditEntry {
            seq,
            at: at.to_owned(),
            actor: store.inner.actor.clone(),
            action: note.action.as_str().to_owned(),
            token: note.token.clone(),
            detail: note.detail.clone(),
        };
        let next = entry_hash(&hash, &entry);
        let prev_hash = std::mem::replace(&mut hash, next.clone());
        out.push(Chained {
            entry,
            prev_hash,
            hash: next,
        });
    }
    Ok((out, format!("{seq} {hash}")))
}

/// `"<seq> <hash>"` from the head row, `(0, GENESIS)` before the first entry.
fn parse_head(head: &str) -> Result<(i64, String)> {
    if head.is_empty() {
        return Ok((0, GENESIS.to_owned()));
    }
    head.split_once(' ')
        .and_then(|(seq, hash)| Some((seq.parse().ok()?, hash.to_owned())))
        .ok_or_else(|| Error::Database {
            context: "writing the audit log",
            detail: "the audit log's head row is damaged; run `vaultstore audit verify`".into(),
        })
}

/// The OS user and host, as `user@host`, for a store given no actor name.
pub fn default_actor() -> String {
    let user = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned());
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{user}@{host}")
}

/// Checks a configured actor name: 1 to 255 printable characters.
pub(crate) fn check_actor(actor: &str) -> Result<()> {
    let len = actor.chars().count();
    if len == 0 || len > MAX_ACTOR_LEN || actor.chars().any(char::is_control) {
        return Err(Error::invalid(
            "actor",
            format!("use 1 to {MAX_ACTOR_LEN} printable characters"),
        ));
    }
    Ok(())
}

/// Where [`Store::advance_head`] moved the chain's head: from `from` to `to`, for
/// entries written at `at`.
struct HeadMove {
    from: String,
    to: String,
    at: String,
}

impl Store {
    fn audit_sql(&self, init: &str) -> Sql {
        let a = self.inner.dialect.quote(&self.inner.tables.audit);
        self.sql(&init.replace("{audit}", &a))
    }

    /// Appends `notes` to the log inside `tx`. The transaction holds the chain's head
    /// until the commit, so entries of concurrent clients serialize there; on a server
    /// it should hold it from its first statement ([`Store::begin_write`]).
    pub(crate) async fn audit_in(&self, tx: &mut Tx, notes: &[Note]) -> Result<()> {
        if let Some(moved) = self.advance_head(tx, notes).await? {
            self.insert_all(tx, notes, &moved.at, &moved.from).await?;
            self.remember_head(moved.to);
        }
        Ok(())
    }

    /// Moves the chain's head past `notes` (locking it until the commit); the entries
    /// themselves are for [`Store::insert_all`]. `None` for no notes.
    async fn advance_head(&self, tx: &mut Tx, notes: &[Note]) -> Result<Option<HeadMove>> {
        const CTX: &str = "writing the audit log";
        if notes.is_empty() {
            return Ok(None);
        }
        let d = self.inner.dialect;
        let meta = d.quote(&self.inner.tables.meta);
        let at = timestamp::to_db(self.now());
        // The head this store last wrote is usually still the head: moving it on with a
        // compare-and-swap saves reading it first. If another client appended since, the
        // swap changes nothing and the head is read (and locked) instead.
        if let Some(old) = self.cached_head() {
            let (mut seq, mut hash) = parse_head(&old)?;
            let new = chain_on(notes, &mut seq, &mut hash, self, &at);
            let mut swap = self.sql(&format!("UPDATE {meta} SET value = "));
            swap.bind(new.clone())
                .push(" WHERE name = ")
                .bind(K_AUDIT_HEAD)
                .push(" AND value = ")
                .bind(old.as_str());
            if tx.target().execute(swap, CTX).await? == 1 {
                return Ok(Some(HeadMove {
                    from: old,
                    to: new,
                    at,
                }));
            }
        }
        let mut head = self.sql(&format!("SELECT value FROM {meta} WHERE name = "));
        head.bind(K_AUDIT_HEAD).push(d.lock_rows());
        let Some(head) = tx.target().fetch_texts(head, CTX).await?.pop() else {
            return Err(Error::Database {
                context: CTX,
                detail: "the vault has no audit log; open it with automigrate on to add one".into(),
            });
        };
        let (mut seq, mut hash) = parse_head(&head)?;
        let new = chain_on(notes, &mut seq, &mut hash, self, &at);
        let mut update = self.sql(&format!("UPDATE {meta} SET value = "));
        update
            .bind(new.clone())
            .push(" WHERE name = ")
            .bind(K_AUDIT_HEAD);
        tx.target().execute(update, CTX).await?;
        Ok(Some(HeadMove {
            from: head,
            to: new,
            at,
        }))
    }

    /// Inserts `notes` chained on from the head `from`.
    async fn insert_all(&self, tx: &mut Tx, notes: &[Note], at: &str, from: &str) -> Result<()> {
        let (mut seq, mut hash) = parse_head(from)?;
        for chunk in notes.chunks(INSERT_CHUNK) {
            self.insert_entries(tx, chunk, at, &mut seq, &mut hash)
                .await?;
        }
        Ok(())
    }

    pub(super) fn cached_head(&self) -> Option<String> {
        self.inner
            .audit_head
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Remembers the head this store wrote. If its transaction does not commit, the next
    /// swap simply fails and the head is read.
    pub(super) fn remember_head(&self, head: String) {
        *self
            .inner
            .audit_head
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(head);
    }

    /// One multi-row INSERT of `notes`, chained on from `seq` and `hash` (both moved on).
    async fn insert_entries(
        &self,
        tx: &mut Tx,
        notes: &[Note],
        at: &str,
        seq: &mut i64,
        hash: &mut String,
    ) -> Result<()> {
        let mut insert = self.audit_sql(
            "INSERT INTO {audit} (seq, at, actor, action, token, detail, prev_hash, hash) VALUES ",
        );
        for (i, note) in notes.iter().enumerate() {
            *seq += 1;
            let entry = AuditEntry {
                seq: *seq,
                at: at.to_owned(),
                actor: self.inner.actor.clone(),
                action: note.action.as_str().to_owned(),
                token: note.token.clone(),
                detail: note.detail.clone(),
            };
            let next = entry_hash(hash, &entry);
            insert.push(if i == 0 { "(" } else { ", (" });
            insert
                .bind(entry.seq)
                .push(", ")
                .bind(entry.at)
                .push(", ")
                .bind(entry.actor)
                .push(", ")
                .bind(entry.action)
                .push(", ")
                .bind(entry.token)
                .push(", ")
                .bind(entry.detail)
                .push(", ")
                .bind(std::mem::replace(hash, next.clone()))
                .push(", ")
                .bind(next)
                .push(")");
        }
        tx.target().execute(insert, "writing the audit log").await?;
        Ok(())
    }

    /// Begins a transaction that will change records, holding the audit head from its
    /// first statement. Every such change moves the head, so writers queue on it anyway;
    /// taking it first means no two of them ever hold other locks while waiting for each
    /// other. On MariaDB they did: the version trigger's `INSERT … SELECT` takes the
    /// history table's AUTO-INC lock and gap locks, and two writers deadlocked on them.
    /// SQLite's `BEGIN IMMEDIATE` already queues writers.
    pub(crate) async fn begin_write(&self, context: &'static str) -> Result<Tx> {
        let mut tx = self.inner.pool.begin_write(context).await?;
        let d = self.inner.dialect;
        if d != crate::db::Dialect::Sqlite {
            let meta = d.quote(&self.inner.tables.meta);
            let mut head = self.sql(&format!("SELECT value FROM {meta} WHERE name = "));
            head.bind(K_AUDIT_HEAD).push(d.lock_rows());
            // A vault without a log yet is told so by `audit_in`, when it would write one.
            if let Some(head) = tx.target().fetch_texts(head, context).await?.pop() {
                self.remember_head(head);
            }
        }
        Ok(tx)
    }

    /// Appends `notes` in a transaction of their own (an act that changed nothing in
    /// the vault: a reveal, an export).
    pub(crate) async fn audit(&self, notes: &[Note]) -> Result<()> {
        const CTX: &str = "writing the audit log";
        if notes.len() <= INSERT_CHUNK {
            let appended = match self.inner.dialect {
                crate::db::Dialect::Postgres => self.append_in_one_statement(notes).await?,
                crate::db::Dialect::MySql => self.append_in_one_batch(notes).await?,
                crate::db::Dialect::Sqlite => false,
            };
            if appended {
                return Ok(());
            }
        }
        let mut tx = self.inner.pool.begin_write(CTX).await?;
        self.audit_in(&mut tx, notes).await?;
        tx.commit(CTX).await
    }

    /// PostgreSQL: the head's compare-and-swap and the entries' insert as one statement
    /// (a data-modifying CTE), atomic without a transaction of its own: one round trip
    /// for a reveal. False when this store's cached head is not the head any more (or
    /// none is cached): nothing was written, and the caller takes the locking path.
    async fn append_in_one_statement(&self, notes: &[Note]) -> Result<bool> {
        const CTX: &str = "writing the audit log";
        let Some(old) = self.cached_head() else {
            return Ok(false);
        };
        let at = timestamp::to_db(self.now());
        let (entries, new) = chained(notes, &old, self, &at)?;
        let d = self.inner.dialect;
        let meta = d.quote(&self.inner.tables.meta);
        let audit = d.quote(&self.inner.tables.audit);
        let mut sql = self.sql(&format!("WITH head AS (UPDATE {meta} SET value = "));
        sql.bind(new.clone())
            .push(" WHERE name = ")
            .bind(K_AUDIT_HEAD)
            .push(" AND value = ")
            .bind(old.as_str())
            .push(&format!(
                " RETURNING 1) INSERT INTO {audit} (seq, at, actor, action, token, detail, \
                 prev_hash, hash) SELECT v.* FROM head CROSS JOIN (VALUES "
            ));
        for (
            i,
            Chained {
                entry,
                prev_hash,
                hash,
            },
        ) in entries.into_iter().enumerate()
        {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(entry.seq)
                .push("::bigint, ")
                .bind(entry.at)
                .push(", ")
                .bind(entry.actor)
                .push(", ")
                .bind(entry.action)
                .push(", ")
                .bind(entry.token)
                .push(", ")
                .bind(entry.detail)
                .push(", ")
                .bind(prev_hash)
                .push(", ")
                .bind(hash)
                .push(")");
        }
        sql.push(") AS v(seq, at, actor, action, token, detail, prev_hash, hash)");
        let inserted = self.db().execute(sql, CTX).await?;
        if inserted == 0 {
            return Ok(false);
        }
        self.remember_head(new);
        Ok(true)
    }

    /// Runs one statement and, if it changed a row, records `note`: both or neither.
    pub(crate) async fn execute_audited(
        &self,
        sql: Sql,
        context: &'static str,
        note: Note,
    ) -> Result<u64> {
        let notes = [note];
        // The head moves first (taking its lock, as `begin_write` does, without a
        // statement of its own): the entry does not depend on what the write changes,
        // and a write that changes nothing rolls the move back with it.
        let mut tx = self.inner.pool.begin_write(context).await?;
        let moved = self.advance_head(&mut tx, &notes).await?;
        let changed = tx.target().execute(sql, context).await?;
        if changed == 0 {
            return Ok(0); // dropping the transaction rolls the head back
        }
        if let Some(moved) = &moved {
            self.insert_all(&mut tx, &notes, &moved.at, &moved.from)
                .await?;
        }
        tx.commit(context).await?;
        if let Some(moved) = moved {
            self.remember_head(moved.to);
        }
        Ok(changed)
    }

    /// Records that a value was opened, before it is handed out. A login or file that
    /// may only read cannot write the entry and still reads: it can copy the sealed
    /// values and open them elsewhere anyway, so refusing would protect nothing.
    pub(crate) async fn audit_access(
        &self,
        token: &str,
        access: Access,
        detail: &str,
    ) -> Result<()> {
        self.audit_reads(&[Note::on(access.action(), token).with(detail)])
            .await
    }

    /// [`Store::audit_access`] for several values opened at once (a bulk read).
    pub(crate) async fn audit_reads(&self, notes: &[Note]) -> Result<()> {
        match self.audit(notes).await {
            Err(Error::ReadOnly { .. }) => {
                tracing::warn!(
                    count = notes.len(),
                    "reads not in the audit log: this login can only read"
                );
                Ok(())
            }
            other => other,
        }
    }

    /// The log's entries, oldest first: the most recent `filter.limit` (default 1,000)
    /// of those matching the filter.
    pub async fn audit_list(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let mut sql =
            self.audit_sql("SELECT seq, at, actor, action, token, detail FROM {audit} WHERE 1 = 1");
        if let Some(token) = &filter.token {
            sql.push(" AND token = ").bind(token.as_str());
        }
        if let Some(since) = filter.since {
            sql.push(" AND at >= ").bind(timestamp::to_db(since));
        }
        let limit = i64::from(filter.limit.unwrap_or(1_000));
        sql.push(" ORDER BY seq DESC LIMIT ").bind(limit);
        let rows = self
            .db()
            .fetch_numbered(sql, "reading the audit log")
            .await?;
        let mut entries: Vec<AuditEntry> = rows.into_iter().map(entry_from).collect();
        entries.reverse();
        Ok(entries)
    }

    /// Checks the whole chain: every entry numbered one after the other from 1, each
    /// hash what its fields and the previous hash give, the last one the recorded head.
    pub async fn audit_verify(&self) -> Result<AuditCheck> {
        const CTX: &str = "verifying the audit log";
        let mut check = AuditCheck {
            intact_entries: 0,
            first_broken: None,
            problem: None,
        };
        let (mut seq, mut hash) = (0_i64, GENESIS.to_owned());
        loop {
            let mut sql = self.audit_sql(
                "SELECT seq, at, actor, action, token, detail, prev_hash, hash FROM {audit} \
                 WHERE seq > ",
            );
            sql.bind(seq).push(" ORDER BY seq LIMIT ").bind(VERIFY_PAGE);
            let rows = self.db().fetch_numbered(sql, CTX).await?;
            let page = rows.len();
            for (n, cols) in rows {
                let stored_prev = cols.get(5).cloned().flatten().unwrap_or_default();
                let stored_hash = cols.get(6).cloned().flatten().unwrap_or_default();
                let entry = entry_from((n, cols));
                let problem = if n != seq + 1 {
                    Some(format!("entry {} is missing", seq + 1))
                } else if stored_prev != hash || entry_hash(&hash, &entry) != stored_hash {
                    Some(format!("entry {n} was altered (its hash does not match)"))
                } else {
                    None
                };
                if let Some(problem) = problem {
                    check.first_broken = Some(seq + 1);
                    check.problem = Some(problem);
                    return Ok(check);
                }
                seq = n;
                hash = stored_hash;
                check.intact_entries += 1;
            }
            if i64::try_from(page).unwrap_or(0) < VERIFY_PAGE {
                break;
            }
        }
        self.verify_head(seq, &hash, &mut check).await?;
        Ok(check)
    }

    /// The head row must name the last entry: otherwise entries after it were removed.
    async fn verify_head(&self, seq: i64, hash: &str, check: &mut AuditCheck) -> Result<()> {
        let meta = self.inner.dialect.quote(&self.inner.tables.meta);
        let mut sql = self.sql(&format!("SELECT value FROM {meta} WHERE name = "));
        sql.bind(K_AUDIT_HEAD);
        let head = self
            .db()
            .fetch_texts(sql, "verifying the audit log")
            .await?;
        let (head_seq, head_hash) = match head.first().map(|h| parse_head(h)) {
            Some(Ok(h)) => h,
            _ => {
                check.first_broken = Some(seq + 1);
                check.problem = Some("the audit log's head row is missing or damaged".into());
                return Ok(());
            }
        };
        if head_seq != seq || head_hash != hash {
            check.first_broken = Some(seq + 1);
            check.problem = Some(if head_seq > seq {
                format!("entries {} to {head_seq} are missing", seq + 1)
            } else {
                format!("the log's head names entry {head_seq}, not the last entry {seq}")
            });
        }
        Ok(())
    }
}

fn entry_from((seq, cols): (i64, Vec<Option<String>>)) -> AuditEntry {
    let text = |i: usize| cols.get(i).cloned().flatten().unwrap_or_default();
    AuditEntry {
        seq,
        at: text(0),
        actor: text(1),
        action: text(2),
        token: cols.get(3).cloned().flatten(),
        detail: text(4),
    }
}
