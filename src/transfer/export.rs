//! Exporting records as stored into a bundle.

use std::path::Path;

use super::bundle::{self, BundleRecord};
use super::write_atomically;
use crate::db::RawRecord;
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::query::{MAX_LIMIT, RecordQuery, SortField, SortOrder};
use crate::record::Record;
use crate::store::{AuditAction, Note, Store};

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ExportReport {
    /// Records written.
    pub count: u64,
}

impl Store {
    /// Every row matching `query` (its filters; sort, limit and cursor are replaced),
    /// oldest first, page by page inside one read-only snapshot: a write that commits
    /// during the export is either wholly in it or wholly out of it.
    pub(crate) async fn collect_raw(
        &self,
        query: &RecordQuery,
        on_progress: &(impl Fn(Progress) + Send + Sync),
        cancel: &Cancel,
    ) -> Result<Vec<RawRecord>> {
        const CTX: &str = "exporting records";
        query.validate()?;
        let mut tx = self.inner.pool.begin_read(CTX).await?;
        let total = self.count_in(tx.target(), query).await?;
        let base = query
            .clone()
            .sort(SortField::CreatedAt)
            .order(SortOrder::Asc)
            .limit(MAX_LIMIT);
        let mut q = base.clone();
        let mut out = Vec::new();
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled);
            }
            let (rows, next) = self.raw_page(tx.target(), &q).await?;
            out.extend(rows);
            on_progress(Progress {
                done: out.len() as u64,
                total,
            });
            match next {
                Some(c) => q = base.clone().after(c),
                // Read-only: dropping the transaction ends it.
                None => return Ok(out),
            }
        }
    }

    /// [`Store::collect_raw`] as records.
    pub(crate) async fn collect_records(
        &self,
        query: &RecordQuery,
        on_progress: &(impl Fn(Progress) + Send + Sync),
        cancel: &Cancel,
    ) -> Result<Vec<Record>> {
        let raw = self.collect_raw(query, on_progress, cancel).await?;
        raw.into_iter().map(Record::from_raw).collect()
    }

    /// A bundle of the records matching `query`, as bytes; the values stay sealed.
    pub async fn export_bundle_bytes(
        &self,
        query: &RecordQuery,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<(Vec<u8>, ExportReport)> {
        let records = self.collect_raw(query, &on_progress, cancel).await?;
        let count = records.len() as u64;
        let records = records
            .into_iter()
            .map(BundleRecord::from_raw)
            .collect::<Result<Vec<_>>>()?;
        let bytes = bundle::encode(records, self.now())?;
        let note = Note::vault(
            AuditAction::Export,
            format!("bundle of {count} sealed records"),
        );
        self.audit(&[note]).await?;
        Ok((bytes, ExportReport { count }))
    }

    /// Writes a bundle of the records matching `query` to `path` (through a temp file
    /// renamed into place; owner-only permissions).
    pub async fn export_bundle(
        &self,
        query: &RecordQuery,
        path: &Path,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<ExportReport> {
        let (bytes, report) = self.export_bundle_bytes(query, on_progress, cancel).await?;
        write_atomically(path, &bytes)?;
        Ok(report)
    }
}
