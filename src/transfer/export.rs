//! Exporting records as stored into a bundle.

use std::path::Path;

use super::bundle::{self, BundleRecord};
use super::write_atomically;
use crate::error::{Error, Result};
use crate::progress::{Cancel, Progress};
use crate::query::{MAX_LIMIT, RecordQuery, SortField, SortOrder};
use crate::record::Record;
use crate::store::Store;
use crate::timestamp;

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ExportReport {
    /// Records written.
    pub count: u64,
}

impl BundleRecord {
    pub(crate) fn from_record(r: Record) -> Result<Self> {
        let data = serde_json::value::to_raw_value(&r.metadata)
            .map_err(|e| Error::invalid("metadata", e.to_string()))?;
        Ok(Self {
            created_at: timestamp::to_db(r.created_at),
            updated_at: timestamp::to_db(r.updated_at),
            expires_at: r.expires_at.map(timestamp::to_db),
            soft_deleted_at: r.soft_deleted_at.map(timestamp::to_db),
            id: r.id,
            token: r.token,
            value: r.envelope,
            data,
        })
    }
}

impl Store {
    /// Every record matching `query` (its filters; sort, limit and cursor are replaced),
    /// oldest first, page by page.
    pub(crate) async fn collect_records(
        &self,
        query: &RecordQuery,
        on_progress: &(impl Fn(Progress) + Send + Sync),
        cancel: &Cancel,
    ) -> Result<Vec<Record>> {
        let total = self.records_count(query).await?;
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
            let page = self.records_list(&q).await?;
            out.extend(page.records);
            on_progress(Progress {
                done: out.len() as u64,
                total,
            });
            match page.next {
                Some(c) => q = base.clone().after(c),
                None => return Ok(out),
            }
        }
    }

    /// A bundle of the records matching `query`, as bytes; the values stay sealed.
    pub async fn export_bundle_bytes(
        &self,
        query: &RecordQuery,
        on_progress: impl Fn(Progress) + Send + Sync,
        cancel: &Cancel,
    ) -> Result<(Vec<u8>, ExportReport)> {
        let records = self.collect_records(query, &on_progress, cancel).await?;
        let count = records.len() as u64;
        let records = records
            .into_iter()
            .map(BundleRecord::from_record)
            .collect::<Result<Vec<_>>>()?;
        Ok((bundle::encode(records, self.now())?, ExportReport { count }))
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
