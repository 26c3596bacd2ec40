//! Schema version 5: what a vault keeps of its own past.
//!
//! - `<table>_history`: every row an UPDATE changes or a DELETE removes, as it was, filled
//!   by triggers so that no write path (single, bulk, import, undo, another client, an
//!   older build) can skip it. Values stay sealed: history is as safe as the vault.
//! - `<table>_audit`: an append-only log of who did what, written by the store in the
//!   same transaction as the change, each entry carrying the hash of the one before.
//! - PostgreSQL: a statement trigger that notifies the channel [`PG_CHANGE_CHANNEL`] names at each
//!   commit that changed the vault, so other clients refresh (`Store::watch_changes`).

use super::{Dialect, TableNames};

/// The meta row holding the audit chain's head: `"<seq> <hash>"`, empty before the first
/// entry. Appends lock this row, so entries from concurrent clients form one chain.
pub(crate) const K_AUDIT_HEAD: &str = "audit_head";

/// The history columns copied from the vault row, in order.
const HISTORY_ROW_COLUMNS: &str =
    "record_id, token, version, value, created_at, updated_at, expires_at, soft_deleted_at, data";

pub(crate) fn schema_v5(d: Dialect, t: &TableNames) -> Vec<String> {
    let h = d.quote(&t.history);
    let a = d.quote(&t.audit);
    let hidx = |suffix: &str| d.quote(&format!("{}_{suffix}", t.history));
    let mut s = vec![
        history_table(d, &h),
        audit_table(d, &a),
        format!(
            "CREATE UNIQUE INDEX {}{} ON {h} (token, version)",
            if_not_exists(d),
            hidx("token_version_uq")
        ),
        format!(
            "CREATE INDEX {}{} ON {h} (replaced_at)",
            if_not_exists(d),
            hidx("replaced_at_idx")
        ),
    ];
    if d == Dialect::MySql {
        // MariaDB has CREATE INDEX IF NOT EXISTS, MySQL does not: the statements above
        // are replaced by keys inside CREATE TABLE for it.
        s.truncate(2);
    }
    s.extend(triggers(d, t));
    let (insert, on_conflict) = d.insert_ignore();
    s.push(format!(
        "{insert}{} (name, value) VALUES ('{K_AUDIT_HEAD}', ''){on_conflict}",
        d.quote(&t.meta)
    ));
    s
}

fn if_not_exists(d: Dialect) -> &'static str {
    match d {
        Dialect::Sqlite | Dialect::Postgres => "IF NOT EXISTS ",
        Dialect::MySql => "",
    }
}

fn history_table(d: Dialect, h: &str) -> String {
    match d {
        Dialect::Sqlite => format!(
            "CREATE TABLE IF NOT EXISTS {h} (id INTEGER PRIMARY KEY, record_id TEXT NOT NULL, \
             token TEXT NOT NULL, version INTEGER NOT NULL, value TEXT NOT NULL, \
             created_at TEXT NOT NULL, updated_at TEXT NOT NULL, expires_at TEXT NULL, \
             soft_deleted_at TEXT NULL, data TEXT NOT NULL, replaced_at TEXT NOT NULL, \
             ended TEXT NOT NULL)"
        ),
        Dialect::Postgres => format!(
            "CREATE TABLE IF NOT EXISTS {h} (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, \
             record_id TEXT COLLATE \"C\" NOT NULL, token TEXT COLLATE \"C\" NOT NULL, \
             version BIGINT NOT NULL, value TEXT NOT NULL, created_at TEXT COLLATE \"C\" NOT NULL, \
             updated_at TEXT COLLATE \"C\" NOT NULL, expires_at TEXT COLLATE \"C\" NULL, \
             soft_deleted_at TEXT COLLATE \"C\" NULL, data TEXT NOT NULL, \
             replaced_at TEXT COLLATE \"C\" NOT NULL, ended TEXT NOT NULL)"
        ),
        Dialect::MySql => {
            let name = h.trim_matches('`');
            format!(
                "CREATE TABLE IF NOT EXISTS {h} (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, \
                 record_id VARCHAR(40) NOT NULL, token VARCHAR(128) NOT NULL, \
                 version BIGINT NOT NULL, value LONGTEXT NOT NULL, created_at VARCHAR(32) NOT NULL, \
                 updated_at VARCHAR(32) NOT NULL, expires_at VARCHAR(32) NULL, \
                 soft_deleted_at VARCHAR(32) NULL, data LONGTEXT NOT NULL, \
                 replaced_at VARCHAR(32) NOT NULL, ended VARCHAR(16) NOT NULL, \
                 UNIQUE KEY `{name}_token_version_uq` (token, version), \
                 KEY `{name}_replaced_at_idx` (replaced_at)\
                 ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
            )
        }
    }
}

fn audit_table(d: Dialect, a: &str) -> String {
    match d {
        Dialect::Sqlite => format!(
            "CREATE TABLE IF NOT EXISTS {a} (seq INTEGER NOT NULL PRIMARY KEY, at TEXT NOT NULL, \
             actor TEXT NOT NULL, action TEXT NOT NULL, token TEXT NULL, detail TEXT NOT NULL, \
             prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
        ),
        Dialect::Postgres => format!(
            "CREATE TABLE IF NOT EXISTS {a} (seq BIGINT NOT NULL PRIMARY KEY, \
             at TEXT COLLATE \"C\" NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, \
             token TEXT COLLATE \"C\" NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, \
             hash TEXT NOT NULL)"
        ),
        Dialect::MySql => format!(
            "CREATE TABLE IF NOT EXISTS {a} (seq BIGINT NOT NULL PRIMARY KEY, at VARCHAR(32) NOT NULL, \
             actor VARCHAR(255) NOT NULL, action VARCHAR(32) NOT NULL, token VARCHAR(128) NULL, \
             detail TEXT NOT NULL, prev_hash CHAR(64) NOT NULL, hash CHAR(64) NOT NULL\
             ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
        ),
    }
}

/// The columns whose change makes a new version (a format-only change of `updated_at`
/// does not), as a condition on `OLD` and `NEW`.
fn changed(d: Dialect) -> String {
    ["value", "expires_at", "soft_deleted_at", "data", "token"]
        .iter()
        .map(|c| match d {
            Dialect::Sqlite => format!("OLD.{c} IS NOT NEW.{c}"),
            Dialect::Postgres => format!("OLD.{c} IS DISTINCT FROM NEW.{c}"),
            Dialect::MySql => format!("NOT (OLD.{c} <=> NEW.{c})"),
        })
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// `INSERT INTO history … SELECT` of the old row `OLD`, numbered after the token's last
/// version, replaced at `at`, ended by `ended` ('update' or 'delete').
fn keep_old_row(h: &str, at: &str, ended: &str) -> String {
    format!(
        "INSERT INTO {h} ({HISTORY_ROW_COLUMNS}, replaced_at, ended) \
         SELECT OLD.id, OLD.token, COALESCE(MAX(version), 0) + 1, OLD.value, OLD.created_at, \
         OLD.updated_at, OLD.expires_at, OLD.soft_deleted_at, OLD.data, {at}, {ended} \
         FROM {h} WHERE token = OLD.token"
    )
}

/// When a deleted row stopped being current: the database's clock in the vault's
/// timestamp form (a DELETE has no new row to take the time from), but never before the
/// row's own last write (the clients' clocks write `updated_at`, and one ahead of the
/// server's must not make a version end before it began).
fn deleted_at(d: Dialect) -> &'static str {
    match d {
        Dialect::Sqlite => "max(OLD.updated_at, strftime('%Y-%m-%dT%H:%M:%f', 'now') || '000Z')",
        Dialect::Postgres => {
            "GREATEST(OLD.updated_at, to_char(clock_timestamp() AT TIME ZONE 'UTC', \
             'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'))"
        }
        Dialect::MySql => {
            "GREATEST(OLD.updated_at, DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ'))"
        }
    }
}

fn triggers(d: Dialect, t: &TableNames) -> Vec<String> {
    let v = d.quote(&t.vault);
    let h = d.quote(&t.history);
    let name = |suffix: &str| d.quote(&format!("{}_history_{suffix}", t.vault));
    let (au, ad) = (name("au"), name("ad"));
    let on_update = keep_old_row(&h, "NEW.updated_at", "'update'");
    let on_delete = keep_old_row(&h, deleted_at(d), "'delete'");
    let when = changed(d);
    match d {
        Dialect::Sqlite => vec![
            format!(
                "CREATE TRIGGER IF NOT EXISTS {au} AFTER UPDATE ON {v} WHEN {when} \
                 BEGIN {on_update}; END"
            ),
            format!("CREATE TRIGGER IF NOT EXISTS {ad} AFTER DELETE ON {v} BEGIN {on_delete}; END"),
        ],
        Dialect::Postgres => {
            let f = name("keep");
            let notify = d.quote(&format!("{}_notify", t.vault));
            let changed = d.quote(&format!("{}_changed", t.vault));
            vec![
                format!(
                    "CREATE OR REPLACE FUNCTION {f}() RETURNS trigger LANGUAGE plpgsql AS $body$ \
                     BEGIN IF TG_OP = 'DELETE' THEN {on_delete}; ELSE {on_update}; END IF; \
                     RETURN NULL; END $body$"
                ),
                format!("DROP TRIGGER IF EXISTS {au} ON {v}"),
                format!(
                    "CREATE TRIGGER {au} AFTER UPDATE ON {v} FOR EACH ROW WHEN ({when}) \
                     EXECUTE PROCEDURE {f}()"
                ),
                format!("DROP TRIGGER IF EXISTS {ad} ON {v}"),
                format!(
                    "CREATE TRIGGER {ad} AFTER DELETE ON {v} FOR EACH ROW EXECUTE PROCEDURE {f}()"
                ),
                // One notification per statement, delivered at commit (and folded into
                // one per transaction by the server): the payload is empty, clients read
                // what they show again.
                format!(
                    "CREATE OR REPLACE FUNCTION {notify}() RETURNS trigger LANGUAGE plpgsql AS $body$ \
                     BEGIN PERFORM pg_notify('vs_' || md5(TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME), ''); \
                     RETURN NULL; END $body$"
                ),
                format!("DROP TRIGGER IF EXISTS {changed} ON {v}"),
                format!(
                    "CREATE TRIGGER {changed} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {v} \
                     FOR EACH STATEMENT EXECUTE PROCEDURE {notify}()"
                ),
            ]
        }
        // MySQL commits DDL at once: dropping first keeps a re-run (after an interrupted
        // migration) working on servers without CREATE TRIGGER IF NOT EXISTS.
        Dialect::MySql => vec![
            format!("DROP TRIGGER IF EXISTS {au}"),
            format!(
                "CREATE TRIGGER {au} AFTER UPDATE ON {v} FOR EACH ROW \
                 BEGIN IF {when} THEN {on_update}; END IF; END"
            ),
            format!("DROP TRIGGER IF EXISTS {ad}"),
            format!("CREATE TRIGGER {ad} AFTER DELETE ON {v} FOR EACH ROW BEGIN {on_delete}; END"),
        ],
    }
}

/// PostgreSQL: the query naming the channel the vault's notify trigger uses (`vs_` and
/// the MD5 of `schema.table`, within the 63-byte limit whatever the names), for the
/// table as this connection's search path finds it. Bind the quoted table name, then `)`.
pub(crate) const PG_CHANGE_CHANNEL: &str = "SELECT 'vs_' || md5(n.nspname || '.' || c.relname) \
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(";
