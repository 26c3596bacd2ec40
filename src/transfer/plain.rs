//! Plaintext export: the values decrypted, for moving to another manager. Only records
//! that open with one of the given passwords are written; the others are listed.

use std::str::FromStr;

use serde::Serialize;
use zeroize::Zeroizing;

use crate::crypto;
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::query::RecordQuery;
use crate::secret::Password;
use crate::store::{AuditAction, Note, Store};
use crate::timestamp;

/// Output format of a plaintext export (`csv` or `json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum PlainFormat {
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

impl FromStr for PlainFormat {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "json" => Ok(Self::Json),
            _ => Err(Error::invalid("format", format!("{s:?}; use csv or json"))),
        }
    }
}

/// A plaintext export: the file's bytes (zeroized on drop) and what was left out.
pub struct PlainExport {
    /// The CSV or JSON text.
    pub bytes: Zeroizing<Vec<u8>>,
    /// Records written.
    pub exported: u64,
    /// Tokens of records none of the passwords opened (or that are damaged).
    pub unopened: Vec<String>,
}

impl std::fmt::Debug for PlainExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlainExport")
            .field("exported", &self.exported)
            .field("unopened", &self.unopened)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct PlainRow<'a> {
    token: &'a str,
    label: &'a str,
    value: &'a str,
    notes: &'a str,
    tags: String,
    expires_at: String,
    created_at: String,
    updated_at: String,
    deleted_at: String,
}

impl PlainRow<'_> {
    /// The CSV header: the JSON keys, in the order of [`PlainRow::cells`].
    const COLUMNS: [&'static str; 9] = [
        "token",
        "label",
        "value",
        "notes",
        "tags",
        "expires_at",
        "created_at",
        "updated_at",
        "deleted_at",
    ];

    /// The row's text, in the order of [`PlainRow::COLUMNS`].
    fn cells(&self) -> [&str; 9] {
        [
            self.token,
            self.label,
            self.value,
            self.notes,
            &self.tags,
            &self.expires_at,
            &self.created_at,
            &self.updated_at,
            &self.deleted_at,
        ]
    }
}

/// First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV
/// Injection"): `=HYPERLINK(...)` in a label would otherwise run when the file is opened.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Writes one CSV cell, behind a `'` when it starts like a formula, so a spreadsheet
/// shows it as text. The copy may hold the secret value, so it is zeroized.
fn write_csv_cell<W: std::io::Write>(w: &mut csv::Writer<W>, text: &str) -> csv::Result<()> {
    if text.starts_with(FORMULA_STARTS) {
        // Sized up front so the string never reallocates and leaves a stray copy.
        let mut guarded = Zeroizing::new(String::with_capacity(text.len() + 1));
        guarded.push('\'');
        guarded.push_str(text);
        w.write_field(guarded.as_bytes())
    } else {
        w.write_field(text)
    }
}

/// The rows as CSV with a header row; a cell (any column) starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return gets a leading `'`, so a spreadsheet opening the file
/// shows it as text instead of running it. Such a value reads back with the `'`; the JSON
/// export keeps every value exactly.
fn write_csv(rows: &[PlainRow<'_>], out: &mut Vec<u8>) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(PlainRow::COLUMNS)?;
    for row in rows {
        for cell in row.cells() {
            write_csv_cell(&mut w, cell)?;
        }
        // Ends the record: the fields were written one by one above.
        w.write_record(std::iter::empty::<&[u8]>())?;
    }
    w.flush()?;
    Ok(())
}

impl Store {
    /// Decrypts the records matching `query` that open with one of `passwords` into CSV
    /// or JSON. The caller is responsible for the user's explicit consent.
    ///
    /// The CSV guards against spreadsheet formulas: a cell starting with `=`, `+`, `-`,
    /// `@`, a tab or a carriage return is written behind a `'`, so a spreadsheet shows it
    /// as text (a value `+1` is `'+1` in the file). The JSON keeps every value exactly.
    pub async fn export_plaintext(
        &self,
        query: &RecordQuery,
        passwords: &[Password],
        format: PlainFormat,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<PlainExport> {
        if passwords.is_empty() {
            return Err(Error::invalid("passwords", "give at least one password"));
        }
        let records = self.collect_records(query, &on_progress, cancel).await?;
        let crypto = &self.inner.crypto;
        let prepared: Vec<_> = passwords.iter().map(|p| crypto.prepare(p)).collect();
        let mut rows = Vec::with_capacity(records.len());
        let mut unopened = Vec::new();
        // A v2 value in a vault that retired v2 is listed as not opened, like a damaged one.
        let refuse_v2 = self.v2_retired_on().await?.is_some();
        for r in &records {
            let mut opened = None;
            for p in &prepared {
                if refuse_v2 && crypto::is_v2(&r.envelope) {
                    break;
                }
                match crypto
                    .open_or_cancel(&r.envelope, p, &r.token, Some(cancel))
                    .await
                {
                    Ok(v) => {
                        opened = Some(v);
                        break;
                    }
                    Err(Error::InvalidPassword) => {}
                    Err(Error::Crypto(_)) => break,
                    Err(e) => return Err(e),
                }
            }
            match opened {
                Some(v) => rows.push((r, v)),
                None => unopened.push(r.token.clone()),
            }
        }
        let text =
            |t: Option<chrono::DateTime<chrono::Utc>>| t.map(timestamp::to_db).unwrap_or_default();
        let plain: Vec<PlainRow<'_>> = rows
            .iter()
            .map(|(r, v)| PlainRow {
                token: &r.token,
                label: r.metadata.label.as_deref().unwrap_or_default(),
                value: v.expose(),
                notes: r.metadata.notes.as_deref().unwrap_or_default(),
                tags: r.metadata.tags.join(","),
                expires_at: text(r.expires_at),
                created_at: text(Some(r.created_at)),
                updated_at: text(Some(r.updated_at)),
                deleted_at: text(r.soft_deleted_at),
            })
            .collect();
        let mut bytes = Zeroizing::new(Vec::new());
        match format {
            PlainFormat::Json => {
                serde_json::to_writer_pretty(&mut *bytes, &plain)
                    .map_err(|e| Error::invalid("export", e.to_string()))?;
                bytes.push(b'\n');
            }
            PlainFormat::Csv => write_csv(&plain, &mut bytes)
                .map_err(|e| Error::invalid("export", e.to_string()))?,
        }
        let note = Note::vault(
            AuditAction::Export,
            format!("plaintext of {} records", plain.len()),
        );
        self.audit(&[note]).await?;
        Ok(PlainExport {
            bytes,
            exported: plain.len() as u64,
            unopened,
        })
    }
}
