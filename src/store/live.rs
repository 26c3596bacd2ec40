//! Live updates: telling a client that another one (or another process) changed the
//! vault, so it reads what it shows again.
//!
//! PostgreSQL pushes: the vault's statement trigger notifies a channel at each commit
//! (`LISTEN`). SQLite and MySQL/MariaDB are polled for a cheap signal that every change
//! moves: the last audit entry that is not a read (every store write appends one, in its
//! own transaction) and the last history row (every update or delete, whoever made it,
//! raw SQL included). Both are read from the end of a primary key: constant time.

use std::time::Duration;

use sqlx::postgres::PgListener;

use super::Store;
use crate::db::{DbPool, PG_CHANGE_CHANNEL};
use crate::error::{Error, Result};

/// How often a polled vault is asked whether it changed.
pub const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Waits for changes to a vault; see [`Store::watch_changes`].
pub struct ChangeWatch {
    store: Store,
    how: How,
    /// The connection was lost since the last answer: notifications (or the polled
    /// signal's moves) in between are unknown, so the next answer is "changed".
    resync: bool,
}

enum How {
    Listen(Box<PgListener>),
    Poll { last: Option<String> },
}

impl std::fmt::Debug for ChangeWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = match self.how {
            How::Listen(_) => "listen",
            How::Poll { .. } => "poll",
        };
        f.debug_struct("ChangeWatch").field("how", &how).finish()
    }
}

fn lost(e: sqlx::Error) -> Error {
    crate::db::translate(e, "waiting for changes")
}

impl Store {
    /// Starts watching the vault for changes made by anyone (this store included).
    pub async fn watch_changes(&self) -> Result<ChangeWatch> {
        let how = match &self.inner.pool {
            DbPool::Postgres(pool) => {
                let mut sql = self.sql(PG_CHANGE_CHANNEL);
                sql.bind(self.inner.vault_table.as_str()).push(")");
                let channel = self
                    .db()
                    .fetch_texts(sql, "finding the vault's change channel")
                    .await?
                    .into_iter()
                    .next()
                    .ok_or_else(|| Error::not_found(self.inner.tables.vault.clone()))?;
                let mut listener = PgListener::connect_with(pool).await.map_err(lost)?;
                listener.listen(&channel).await.map_err(lost)?;
                How::Listen(Box::new(listener))
            }
            DbPool::Sqlite(_) | DbPool::MySql(_) => How::Poll {
                last: Some(self.change_signal().await?),
            },
        };
        Ok(ChangeWatch {
            store: self.clone(),
            how,
            resync: false,
        })
    }

    /// What every change moves: the last non-read audit entry and the last history row.
    async fn change_signal(&self) -> Result<String> {
        let d = self.inner.dialect;
        let a = d.quote(&self.inner.tables.audit);
        let h = d.quote(&self.inner.tables.history);
        const CTX: &str = "checking for changes";
        let audit = self.sql(&format!(
            "SELECT COALESCE((SELECT seq FROM {a} WHERE action NOT IN ('reveal', 'copy') \
             ORDER BY seq DESC LIMIT 1), 0)"
        ));
        let history = self.sql(&format!(
            "SELECT COALESCE((SELECT id FROM {h} ORDER BY id DESC LIMIT 1), 0)"
        ));
        let audit = self.db().fetch_i64(audit, CTX).await?;
        let history = self.db().fetch_i64(history, CTX).await?;
        Ok(format!("{audit}/{history}"))
    }
}

impl ChangeWatch {
    /// Waits until the vault changed since the last answer (or since the watch began).
    /// An error means the database cannot be reached now: call again, after a pause, to
    /// retry; the first answer after a loss is always "changed".
    pub async fn changed(&mut self) -> Result<()> {
        if self.resync {
            // Back only once the server answers; the listener reconnects on its next wait.
            // COUNT(*) is a 64-bit integer on every backend (a bare 1 is not).
            let meta = self
                .store
                .inner
                .dialect
                .quote(&self.store.inner.tables.meta);
            let ping = self
                .store
                .sql(&format!("SELECT COUNT(*) FROM {meta} WHERE 1 = 0"));
            self.store
                .db()
                .fetch_i64(ping, "waiting for changes")
                .await?;
            self.resync = false;
            return Ok(());
        }
        match &mut self.how {
            How::Listen(listener) => match listener.try_recv().await {
                Ok(Some(_)) => {
                    // Fold a burst (a bulk change's statements) into one answer.
                    while listener.next_buffered().is_some() {}
                    Ok(())
                }
                // The connection dropped; the next call reconnects.
                Ok(None) => {
                    self.resync = true;
                    Err(Error::Database {
                        context: "waiting for changes",
                        detail: "the connection to the server was lost".into(),
                    })
                }
                Err(e) => {
                    self.resync = true;
                    Err(lost(e))
                }
            },
            How::Poll { last } => loop {
                #[allow(
                    clippy::disallowed_methods,
                    reason = "polling is the change signal where the server cannot push"
                )]
                tokio::time::sleep(POLL_INTERVAL).await;
                match self.store.change_signal().await {
                    Ok(now) if last.as_ref() != Some(&now) => {
                        *last = Some(now);
                        return Ok(());
                    }
                    Ok(_) => {}
                    Err(e) => {
                        *last = None;
                        return Err(e);
                    }
                }
            },
        }
    }
}
