//! Importing the table of the Go VaultStore library (`vault_token`, `vault_value`, …,
//! with `9999-12-31 23:59:59` for "never" and "not deleted"). Values keep their `v2:`
//! form: they open with their original passwords and are re-sealed as `v3:` on first
//! read. Legacy unprefixed (v1) values are imported, flagged unreadable, not dropped.

use chrono::{DateTime, NaiveDateTime, Utc};

use super::bundle::{BundleRecord, MAX_ENVELOPE_CHARS};
use super::import::{ImportOptions, ImportReport};
use crate::crypto;
use crate::db::{DbPool, Dialect, Sql, TableNames};
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::record::UNREADABLE_KEY;
use crate::store::Store;
use crate::timestamp;
use crate::token;

/// The Go library's "no date" sentinel (its `sb.MAX_DATETIME`).
const GO_MAX_DATETIME: &str = "9999-12-31 23:59:59";

/// Parses a Go timestamp: `2006-01-02 15:04:05` with optional fractions, or RFC 3339.
fn go_time(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    DateTime::parse_from_rfc3339(t)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            [
                "%Y-%m-%d %H:%M:%S%.f",
                "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%dT%H:%M:%S%.f",
            ]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(t.trim_end_matches(" +0000 UTC"), f).ok())
            .map(|n| n.and_utc())
        })
}

/// `None` for NULL, empty or the "never" sentinel.
fn go_optional_time(text: Option<&str>) -> std::result::Result<Option<String>, String> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) if t.starts_with(GO_MAX_DATETIME) || t.starts_with("9999-12-31") => Ok(None),
        Some(t) => go_time(t)
            .and_then(|d| timestamp::check_range("time", d).ok())
            .map(|d| Some(timestamp::to_db(d)))
            .ok_or_else(|| format!("unreadable time {t:?} (years 1 to 9999)")),
    }
}

fn cast_text(d: Dialect, column: &str) -> String {
    match d {
        Dialect::MySql => format!("CAST({column} AS CHAR)"),
        Dialect::Sqlite | Dialect::Postgres => format!("CAST({column} AS TEXT)"),
    }
}

/// Opening a SQLite URL creates the file; a source that is not there is a typing
/// mistake, and must not leave an empty database behind.
fn refuse_missing_sqlite_file(url: &str) -> Result<()> {
    if !url.starts_with("sqlite:") {
        return Ok(());
    }
    let opts = <sqlx::sqlite::SqliteConnectOptions as std::str::FromStr>::from_str(url)
        .map_err(|e| Error::invalid("database url", e.to_string()))?;
    let path = opts.get_filename();
    if path.exists() {
        Ok(())
    } else {
        Err(Error::invalid(
            "database url",
            format!(
                "there is no SQLite file at {}; check the path of the Go VaultStore database",
                path.display()
            ),
        ))
    }
}

impl Store {
    /// Imports every row of the Go library's table `table` in the database at `url`.
    /// Its `v2:` values are accepted whatever `options.accept_v2` says (they are what a Go
    /// import is for): a vault that retired v2 accepts v2 again, until
    /// [`Store::upgrade_v2`] re-seals them.
    pub async fn import_go(
        &self,
        url: &str,
        table: &str,
        mut options: ImportOptions,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<ImportReport> {
        let names = TableNames::new(table)?;
        refuse_missing_sqlite_file(url)?;
        let source = DbPool::connect(url).await?;
        let d = source.dialect();
        // The Go columns, as text, under the names the row decoder reads.
        let columns = [
            ("id", "id"),
            ("vault_token", "token"),
            ("vault_value", "value"),
            ("created_at", "created_at"),
            ("updated_at", "updated_at"),
            ("expires_at", "expires_at"),
            ("soft_deleted_at", "soft_deleted_at"),
            ("'{}'", "data"),
        ]
        .map(|(expr, name)| format!("{} AS {}", cast_text(d, expr), d.quote(name)))
        .join(", ");
        let sql = Sql::new(
            d,
            &format!("SELECT {columns} FROM {} ORDER BY 1", d.quote(&names.vault)),
        );
        let rows = source
            .target()
            .fetch_records(sql, "reading the Go VaultStore table")
            .await;
        source.close().await;
        let rows = rows?;
        let now = timestamp::to_db(self.now());
        let mut records = Vec::with_capacity(rows.len());
        for (i, row) in rows.into_iter().enumerate() {
            let at = |why: String| {
                Error::invalid(
                    "Go table",
                    format!("row {} (id {:?}): {why}", i + 1, row.id),
                )
            };
            token::validate(&row.token).map_err(|e| at(e.to_string()))?;
            if row.value.len() > MAX_ENVELOPE_CHARS {
                return Err(at("value is too long".into()));
            }
            let mut data = "{}".to_owned();
            if crypto::check_envelope(&row.value).is_err() {
                if row.value.starts_with("v2:") {
                    return Err(at("value is a damaged v2 envelope".into()));
                }
                // A v1 value (no prefix): kept, but nothing can open it.
                data = serde_json::json!({ UNREADABLE_KEY: "legacy v1 value from the Go library" })
                    .to_string();
            }
            let data =
                serde_json::value::RawValue::from_string(data).map_err(|e| at(e.to_string()))?;
            let created = go_optional_time(Some(&row.created_at)).map_err(at)?;
            let updated = go_optional_time(Some(&row.updated_at)).map_err(at)?;
            let id_ok = !row.id.is_empty()
                && row.id.len() <= 64
                && row.id.chars().all(|c| c.is_ascii_graphic());
            records.push(BundleRecord {
                id: if id_ok {
                    row.id.clone()
                } else {
                    crate::store::new_id(self.now())?
                },
                token: row.token.clone(),
                value: row.value.clone(),
                created_at: created.clone().unwrap_or_else(|| now.clone()),
                updated_at: updated.or(created).unwrap_or_else(|| now.clone()),
                expires_at: go_optional_time(row.expires_at.as_deref()).map_err(at)?,
                soft_deleted_at: go_optional_time(row.soft_deleted_at.as_deref()).map_err(at)?,
                data,
            });
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = records.iter().find(|r| !seen.insert(r.token.as_str())) {
            return Err(Error::invalid(
                "Go table",
                format!("token {} appears twice", dup.token),
            ));
        }
        // The Go library writes v2 only (fixed parameters), but the table can hold v3.
        self.check_kdf_costs(&records, options, "Go table")?;
        options.accept_v2 = true;
        self.import_records(records, options, &on_progress, cancel)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_times_and_the_never_sentinel_parse() {
        assert_eq!(
            go_optional_time(Some("2024-01-02 03:04:05"))
                .unwrap()
                .as_deref(),
            Some("2024-01-02T03:04:05.000000Z")
        );
        assert_eq!(go_optional_time(Some(GO_MAX_DATETIME)).unwrap(), None);
        assert_eq!(go_optional_time(None).unwrap(), None);
        assert!(go_optional_time(Some("yesterday")).is_err());
        assert_eq!(
            go_optional_time(Some("2024-01-02T03:04:05+02:00"))
                .unwrap()
                .as_deref(),
            Some("2024-01-02T01:04:05.000000Z")
        );
    }
}
