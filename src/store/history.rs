//! Versions: every earlier state of a record, kept sealed in `<table>_history` by the
//! database's own triggers (schema version 5), listed, opened and made current again.
//!
//! Versions are numbered per token from 1 (the first value); the record as it is now is
//! the highest number. A token deleted forever keeps its versions, and a record created
//! again under the same token continues the numbering.

use chrono::{DateTime, Duration, Utc};

use super::audit::{Access, AuditAction, Note};
use super::{Store, tokens::new_id};
use crate::db;
use crate::error::{Error, Result};
use crate::record::{Metadata, Record};
use crate::secret::{Password, SecretValue};
use crate::timestamp;

const K_KEEP_VERSIONS: &str = "history_keep_versions";
const K_KEEP_DAYS: &str = "history_keep_days";

/// What changed from one version to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The first version of a record.
    Created,
    /// A record made again under a token whose earlier record was deleted forever.
    CreatedAgain,
    /// The value, or the password it is sealed under (both change the sealed value).
    Value,
    /// The expiry.
    Expiry,
    /// Moved to the trash.
    MovedToTrash,
    /// Taken out of the trash.
    RestoredFromTrash,
    /// Label, notes, tags or other metadata.
    Metadata,
}

impl Change {
    /// A short name for lists and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::CreatedAgain => "created again",
            Self::Value => "value or password",
            Self::Expiry => "expiry",
            Self::MovedToTrash => "moved to trash",
            Self::RestoredFromTrash => "restored from trash",
            Self::Metadata => "metadata",
        }
    }
}

/// One version of a record: when it was written, what changed, how it ended. Never the
/// value: that opens only with its password ([`Store::version_read`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// 1 for the first value; the current state has the highest number.
    pub number: i64,
    /// Whether this is the record as it is now.
    pub current: bool,
    /// When this state was written.
    pub written_at: DateTime<Utc>,
    /// When it stopped being current (`None` for the current one).
    pub replaced_at: Option<DateTime<Utc>>,
    /// Whether the record was deleted forever while in this state.
    pub deleted_forever: bool,
    /// What differs from the version before.
    pub changes: Vec<Change>,
    /// The expiry in this state.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was moved to the trash, if it was in the trash in this state.
    pub trashed_at: Option<DateTime<Utc>>,
    /// The metadata in this state.
    pub metadata: Metadata,
}

/// How much history a vault keeps; `None` keeps everything.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryRetention {
    /// Keep at most this many earlier versions of each token.
    pub versions: Option<u32>,
    /// Keep versions replaced at most this many days ago.
    pub days: Option<u32>,
}

/// A stored state: a history row or the current record.
struct State {
    number: i64,
    record_id: String,
    envelope: String,
    written_at: String,
    replaced_at: Option<String>,
    ended: Option<String>,
    expires_at: Option<String>,
    trashed_at: Option<String>,
    data: String,
}

impl State {
    fn from_current(number: i64, r: &Record) -> Self {
        Self {
            number,
            record_id: r.id.clone(),
            envelope: r.envelope.clone(),
            written_at: timestamp::to_db(r.updated_at),
            replaced_at: None,
            ended: None,
            expires_at: r.expires_at.map(timestamp::to_db),
            trashed_at: r.soft_deleted_at.map(timestamp::to_db),
            data: r.metadata.to_json().unwrap_or_default(),
        }
    }

    fn version(&self, before: Option<&State>) -> Result<Version> {
        let time = |t: &Option<String>| t.as_deref().map(timestamp::from_db).transpose();
        Ok(Version {
            number: self.number,
            current: self.replaced_at.is_none(),
            written_at: timestamp::from_db(&self.written_at)?,
            replaced_at: time(&self.replaced_at)?,
            deleted_forever: self.ended.as_deref() == Some("delete"),
            changes: changes(before, self),
            expires_at: time(&self.expires_at)?,
            trashed_at: time(&self.trashed_at)?,
            metadata: serde_json::from_str(&self.data).unwrap_or_default(),
        })
    }
}

fn changes(before: Option<&State>, now: &State) -> Vec<Change> {
    let Some(b) = before else {
        return vec![Change::Created];
    };
    if b.ended.as_deref() == Some("delete") || b.record_id != now.record_id {
        return vec![Change::CreatedAgain];
    }
    let mut c = Vec::new();
    if b.envelope != now.envelope {
        c.push(Change::Value);
    }
    if b.expires_at != now.expires_at {
        c.push(Change::Expiry);
    }
    match (&b.trashed_at, &now.trashed_at) {
        (None, Some(_)) => c.push(Change::MovedToTrash),
        (Some(_), None) => c.push(Change::RestoredFromTrash),
        _ => {}
    }
    if b.data != now.data {
        c.push(Change::Metadata);
    }
    c
}

impl Store {
    /// Every state `token` has had, oldest first, the current one last.
    pub async fn history(&self, token: &str) -> Result<Vec<Version>> {
        let states = self.states(token).await?;
        let mut out = Vec::with_capacity(states.len());
        for (i, s) in states.iter().enumerate() {
            out.push(s.version(i.checked_sub(1).and_then(|p| states.get(p)))?);
        }
        Ok(out)
    }

    async fn states(&self, token: &str) -> Result<Vec<State>> {
        crate::token::validate(token)?;
        let h = self.inner.dialect.quote(&self.inner.tables.history);
        let mut sql = self.sql(&format!(
            "SELECT version, record_id, value, updated_at, replaced_at, ended, expires_at, \
             soft_deleted_at, data FROM {h} WHERE token = "
        ));
        sql.bind(token).push(" ORDER BY version");
        let rows = self
            .db()
            .fetch_numbered(sql, "reading a record's history")
            .await?;
        let mut states: Vec<State> = rows
            .into_iter()
            .map(|(number, c)| {
                let text = |i: usize| c.get(i).cloned().flatten();
                State {
                    number,
                    record_id: text(0).unwrap_or_default(),
                    envelope: text(1).unwrap_or_default(),
                    written_at: text(2).unwrap_or_default(),
                    replaced_at: text(3),
                    ended: text(4),
                    expires_at: text(5),
                    trashed_at: text(6),
                    data: text(7).unwrap_or_default(),
                }
            })
            .collect();
        let next = states.last().map_or(1, |s| s.number + 1);
        if let Some(current) = self.fetch_by_token(token).await? {
            states.push(State::from_current(next, &current));
        }
        if states.is_empty() {
            return Err(Error::not_found(token));
        }
        Ok(states)
    }

    async fn state(&self, token: &str, number: i64) -> Result<State> {
        self.states(token)
            .await?
            .into_iter()
            .find(|s| s.number == number)
            .ok_or_else(|| {
                Error::invalid(
                    "version",
                    format!("{token} has no version {number}; list them with `vaultstore history {token}`"),
                )
            })
    }

    /// Opens version `number` of `token` with the password it was sealed under.
    pub async fn version_read(
        &self,
        token: &str,
        number: i64,
        password: &Password,
    ) -> Result<SecretValue> {
        let state = self.state(token, number).await?;
        self.check_v2_allowed(token, &state.envelope).await?;
        let crypto = &self.inner.crypto;
        let value = crypto
            .open(&state.envelope, &crypto.prepare(password), token)
            .await?;
        self.audit_access(token, Access::Reveal, &format!("version {number}"))
            .await?;
        Ok(value)
    }

    /// Makes version `number` of `token` the current value again (itself a new version),
    /// sealed under `password`, which must open that version. A record in the trash is
    /// refused (restore it first); one deleted forever is created again with that
    /// version's expiry and metadata.
    pub async fn version_restore(
        &self,
        token: &str,
        number: i64,
        password: &Password,
    ) -> Result<()> {
        let state = self.state(token, number).await?;
        if state.replaced_at.is_none() {
            return Err(Error::invalid(
                "version",
                format!("version {number} is already the current value of {token}"),
            ));
        }
        self.check_v2_allowed(token, &state.envelope).await?;
        let crypto = &self.inner.crypto;
        let prepared = crypto.prepare(password);
        let value = crypto.open(&state.envelope, &prepared, token).await?;
        let envelope = crypto
            .seal(&value, &prepared, token, self.inner.vault_kdf)
            .await?;
        let note = Note::on(AuditAction::RestoreVersion, token).with(format!("version {number}"));
        match self.fetch_by_token(token).await? {
            Some(r) if r.is_deleted() => Err(Error::Deleted {
                tokens: vec![r.token],
            }),
            Some(r) => match self.swap_envelope(&r, envelope, true, Some(note)).await? {
                true => Ok(()),
                false => Err(Error::Database {
                    context: "restoring a version",
                    detail: format!(
                        "{token} was changed by someone else meanwhile; look at its history again"
                    ),
                }),
            },
            None => self.recreate(token, envelope, &state, note).await,
        }
    }

    /// Inserts a record deleted forever again, from one of its versions.
    async fn recreate(
        &self,
        token: &str,
        envelope: String,
        state: &State,
        note: Note,
    ) -> Result<()> {
        const CTX: &str = "restoring a version";
        let now = self.now();
        let row = db::RawRecord {
            id: new_id(now)?,
            token: token.to_owned(),
            value: envelope,
            created_at: timestamp::to_db(now),
            updated_at: timestamp::to_db(now),
            expires_at: state.expires_at.clone(),
            soft_deleted_at: None,
            data: state.data.clone(),
        };
        let mut tx = self.begin_write(CTX).await?;
        let insert = db::insert_rows(self.inner.dialect, &self.inner.vault_table, [row]);
        tx.target().execute(insert, CTX).await.map_err(|e| {
            if db::is_unique_violation(&e) {
                Error::AlreadyExists {
                    token: token.to_owned(),
                }
            } else {
                e
            }
        })?;
        self.audit_in(&mut tx, &[note]).await?;
        tx.commit(CTX).await
    }

    /// The vault's history retention.
    pub async fn history_retention(&self) -> Result<HistoryRetention> {
        let meta = self.inner.dialect.quote(&self.inner.tables.meta);
        let sql = self.sql(&format!("SELECT name, value FROM {meta}"));
        let pairs = self
            .db()
            .fetch_pairs(sql, "reading the history retention")
            .await?;
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .and_then(|(_, v)| v.parse().ok())
        };
        Ok(HistoryRetention {
            versions: get(K_KEEP_VERSIONS),
            days: get(K_KEEP_DAYS),
        })
    }

    /// Sets how much history the vault keeps and drops what falls outside it at once
    /// (recorded in the audit log); returns how many versions were dropped.
    pub async fn set_history_retention(&self, keep: HistoryRetention) -> Result<u64> {
        const CTX: &str = "setting the history retention";
        if keep.versions == Some(0) || keep.days == Some(0) {
            return Err(Error::invalid(
                "retention",
                "keep at least 1 version and 1 day, or leave it unset to keep everything",
            ));
        }
        let d = self.inner.dialect;
        let meta = d.quote(&self.inner.tables.meta);
        let mut tx = self.begin_write(CTX).await?;
        for (name, value) in [(K_KEEP_VERSIONS, keep.versions), (K_KEEP_DAYS, keep.days)] {
            let mut delete = self.sql(&format!("DELETE FROM {meta} WHERE name = "));
            delete.bind(name);
            tx.target().execute(delete, CTX).await?;
            if let Some(v) = value {
                let mut insert = self.sql(&format!("INSERT INTO {meta} (name, value) VALUES ("));
                insert.bind(name).push(", ").bind(v.to_string()).push(")");
                tx.target().execute(insert, CTX).await?;
            }
        }
        let dropped = self.prune_in(&mut tx, keep).await?;
        let detail = format!(
            "keep {} versions, {} days; dropped {dropped}",
            keep.versions.map_or("all".into(), |v| v.to_string()),
            keep.days.map_or("all".into(), |v| v.to_string()),
        );
        self.audit_in(&mut tx, &[Note::vault(AuditAction::PruneHistory, detail)])
            .await?;
        tx.commit(CTX).await?;
        Ok(dropped)
    }

    /// Drops the versions outside the vault's retention; returns how many.
    pub async fn history_prune(&self) -> Result<u64> {
        const CTX: &str = "pruning history";
        let keep = self.history_retention().await?;
        if keep == HistoryRetention::default() {
            return Ok(0);
        }
        let mut tx = self.begin_write(CTX).await?;
        let dropped = self.prune_in(&mut tx, keep).await?;
        if dropped > 0 {
            let note = Note::vault(AuditAction::PruneHistory, format!("dropped {dropped}"));
            self.audit_in(&mut tx, &[note]).await?;
        }
        tx.commit(CTX).await?;
        Ok(dropped)
    }

    async fn prune_in(&self, tx: &mut db::Tx, keep: HistoryRetention) -> Result<u64> {
        const CTX: &str = "pruning history";
        let d = self.inner.dialect;
        let h = d.quote(&self.inner.tables.history);
        let mut dropped = 0;
        if let Some(days) = keep.days {
            let cutoff = self.now() - Duration::days(i64::from(days));
            let mut sql = self.sql(&format!("DELETE FROM {h} WHERE replaced_at < "));
            sql.bind(timestamp::to_db(cutoff));
            dropped += tx.target().execute(sql, CTX).await?;
        }
        if let Some(versions) = keep.versions {
            // The current state is not in the table: keeping N earlier versions keeps
            // the N highest numbers of each token there.
            let text = match d {
                db::Dialect::MySql => format!(
                    "DELETE h FROM {h} AS h JOIN (SELECT token, MAX(version) AS top FROM {h} \
                     GROUP BY token) AS m ON m.token = h.token WHERE h.version <= m.top - "
                ),
                db::Dialect::Sqlite | db::Dialect::Postgres => format!(
                    "DELETE FROM {h} WHERE version <= (SELECT MAX(m.version) FROM {h} AS m \
                     WHERE m.token = {h}.token) - "
                ),
            };
            let mut sql = self.sql(&text);
            sql.bind(i64::from(versions));
            dropped += tx.target().execute(sql, CTX).await?;
        }
        Ok(dropped)
    }
}
