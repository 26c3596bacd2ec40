//! Printing results: one line at a time, records as an aligned table for people or as
//! JSON for scripts.
//!
//! Everything reaches stdout through [`say`], so a write that fails (a full disk, a
//! closed pipe) is a [`Failure::Output`] rather than a silent success or a `println!`
//! panic.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use vaultstore::{Metadata, Page, Record, RecordStatus};

use crate::failure::{Failure, Outcome};

/// Prints one line to stdout and flushes it, reporting a write that failed.
pub fn say(text: &str) -> Outcome {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(Failure::Output)
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
