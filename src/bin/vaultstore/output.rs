//! Printing results: one line at a time, records as an aligned table for people or as
//! JSON for scripts, values straight from their zeroizing buffers.
//!
//! Everything reaches stdout through [`write_out`], so a write that fails (a full disk, a
//! closed pipe) is a [`Failure::Output`] rather than a silent success or a `println!`
//! panic.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};
use vaultstore::{Metadata, Page, Record, RecordStatus, SecretValue};
use zeroize::Zeroizing;

use crate::failure::{Failure, Outcome};

/// Writes one whole result to stdout and flushes it.
///
/// Callers pass complete lines: std's line-buffered stdout hands a buffer that ends in a
/// newline straight to the file descriptor while its own buffer is empty, so no copy of
/// a value is left in that buffer, which is never zeroized.
pub fn write_out(bytes: &[u8]) -> Outcome {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(Failure::Output)
}

/// `-q/--quiet`: set once in `main` before any command runs.
static QUIET: AtomicBool = AtomicBool::new(false);

pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// Whether `-q/--quiet` was given: confirmations and progress are left out.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Prints a confirmation of what a command did ("renewed 3 records"), unless `--quiet`.
/// What the user asked to see (a value, a token, a list, a dry run) goes through [`say`].
pub fn confirm(text: &str) -> Outcome {
    if quiet() { Ok(()) } else { say(text) }
}

/// Prints one line of non-secret text (a token, a count, a table).
pub fn say(text: &str) -> Outcome {
    let mut line = String::with_capacity(text.len() + 1);
    line.push_str(text);
    line.push('\n');
    write_out(line.as_bytes())
}

/// A value and a newline, for `read`. The one copy is this zeroizing buffer, sized
/// exactly so it never reallocates (a reallocation frees the old block unzeroed).
pub fn value_line(value: &SecretValue) -> Zeroizing<Vec<u8>> {
    let bytes = value.expose().as_bytes();
    let mut line = Zeroizing::new(Vec::with_capacity(bytes.len() + 1));
    line.extend_from_slice(bytes);
    line.push(b'\n');
    line
}

/// `TOKEN<TAB>VALUE` lines in token order, for `read-many`; one exact-size buffer.
pub fn value_lines(values: &BTreeMap<String, SecretValue>) -> Zeroizing<Vec<u8>> {
    let len = values.iter().map(|(t, v)| t.len() + v.len() + 2).sum();
    let mut lines = Zeroizing::new(Vec::with_capacity(len));
    for (token, value) in values {
        lines.extend_from_slice(token.as_bytes());
        lines.push(b'\t');
        lines.extend_from_slice(value.expose().as_bytes());
        lines.push(b'\n');
    }
    lines
}

/// `{"token":…,"value":…}`: borrows the value, so the JSON buffer is the only copy.
#[derive(Serialize)]
struct JsonValue<'a> {
    token: &'a str,
    value: &'a str,
}

/// `{token: value, …}` in token order, serialized from the borrowed values.
struct JsonValues<'a>(&'a BTreeMap<String, SecretValue>);

impl Serialize for JsonValues<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(t, v)| (t, v.expose())))
    }
}

/// The most bytes a JSON string of `s` takes: each byte escapes to at most six
/// (`\u001f`), plus two quotes.
fn json_string_max(s: &str) -> usize {
    s.len().saturating_mul(6).saturating_add(2)
}

/// Serializes `data` and a newline into a zeroizing buffer of `max` bytes' capacity, an
/// upper bound of the JSON's length, so the buffer never reallocates.
fn json_line(data: &impl Serialize, max: usize) -> Outcome<Zeroizing<Vec<u8>>> {
    let mut line = Zeroizing::new(Vec::with_capacity(max.saturating_add(1)));
    // Writing into a Vec cannot fail; an error here would be serde's, for an output.
    serde_json::to_writer(&mut *line, data).map_err(|e| Failure::Output(e.into()))?;
    line.push(b'\n');
    Ok(line)
}

/// `read --json`: `{"token":…,"value":…}` and a newline.
pub fn value_json(token: &str, value: &SecretValue) -> Outcome<Zeroizing<Vec<u8>>> {
    let max =
        r#"{"token":,"value":}"#.len() + json_string_max(token) + json_string_max(value.expose());
    json_line(
        &JsonValue {
            token,
            value: value.expose(),
        },
        max,
    )
}

/// `read-many --json`: an object token → value and a newline.
pub fn values_json(values: &BTreeMap<String, SecretValue>) -> Outcome<Zeroizing<Vec<u8>>> {
    let max = values.iter().fold(2, |n: usize, (t, v)| {
        // A colon and a comma around each pair.
        n.saturating_add(json_string_max(t))
            .saturating_add(json_string_max(v.expose()))
            .saturating_add(2)
    });
    json_line(&JsonValues(values), max)
}

#[derive(Serialize)]
struct JsonRecord<'a> {
    id: &'a str,
    token: &'a str,
    created_at: String,
    updated_at: String,
    expires_at: Option<String>,
    soft_deleted_at: Option<String>,
    data: &'a Metadata,
}

#[derive(Serialize)]
struct JsonPage<'a> {
    records: Vec<JsonRecord<'a>>,
    next: Option<String>,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn page_json(page: &Page) -> String {
    let records = page
        .records
        .iter()
        .map(|r| JsonRecord {
            id: &r.id,
            token: &r.token,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            expires_at: r.expires_at.map(rfc3339),
            soft_deleted_at: r.soft_deleted_at.map(rfc3339),
            data: &r.metadata,
        })
        .collect();
    let out = JsonPage {
        records,
        next: page.next.as_ref().map(ToString::to_string),
    };
    serde_json::to_string(&out).unwrap_or_else(|_| "{}".into())
}

fn short_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn status(r: &Record, now: DateTime<Utc>) -> &'static str {
    match r.status_at(now) {
        RecordStatus::Active => "active",
        RecordStatus::Expired => "expired",
        RecordStatus::Deleted => "deleted",
    }
}

/// One line per record under a header, columns padded to their widest cell; the cursor
/// for the next page, if any, on its own line at the end.
pub fn page_table(page: &Page, now: DateTime<Utc>) -> String {
    let header = ["TOKEN", "LABEL", "TAGS", "CREATED", "EXPIRES", "STATUS"];
    let rows: Vec<[String; 6]> = page
        .records
        .iter()
        .map(|r| {
            [
                r.token.clone(),
                r.metadata.label.clone().unwrap_or_default(),
                r.metadata.tags.join(","),
                short_time(r.created_at),
                r.expires_at.map_or_else(|| "never".into(), short_time),
                status(r, now).into(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                let pad = w - cell.chars().count();
                s.push_str(cell);
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        s.trim_end().to_owned()
    };
    let mut out = line(&header.map(String::from));
    for row in &rows {
        out.push('\n');
        out.push_str(&line(row));
    }
    if let Some(next) = &page.next {
        out.push_str(&format!("\nnext page: --after {next}"));
    }
    out
}

/// `created N, skipped N, overwritten N, restored N`, or the same as JSON.
pub fn import_report(r: &vaultstore::transfer::ImportReport, json: bool) -> String {
    if json {
        serde_json::to_string(r).unwrap_or_else(|_| "{}".into())
    } else {
        format!(
            "created {}, skipped {}, overwritten {}, restored {}",
            r.created, r.skipped, r.overwritten, r.restored
        )
    }
}
