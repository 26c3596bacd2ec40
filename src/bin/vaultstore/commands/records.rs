//! Listing and counting records: metadata only, never values.

use chrono::Utc;
use vaultstore::{ExpiryFilter, RecordQuery, Store};

use crate::args::{FilterArgs, ListArgs, RecordsCommand};
use crate::duration;
use crate::failure::Outcome;
use crate::output::{self, say};

pub async fn run(command: &RecordsCommand, store: &Store) -> Outcome {
    match command {
        RecordsCommand::List(args) => list(args, store).await,
        RecordsCommand::Count { filters } => {
            say(&store.records_count(&query_of(filters)?).await?.to_string())
        }
    }
}

async fn list(args: &ListArgs, store: &Store) -> Outcome {
    let mut q = query_of(&args.filters)?
        .sort(args.sort)
        .order(args.order)
        .limit(args.limit);
    if let Some(c) = &args.after {
        q = q.after(c.parse()?);
    }
    let page = store.records_list(&q).await?;
    if args.json {
        say(&output::page_json(&page))
    } else {
        say(&output::page_table(&page, Utc::now()))
    }
}

/// The query the filter flags describe (`export` filters the same way).
pub fn query_of(filters: &FilterArgs) -> Outcome<RecordQuery> {
    if let Some(text) = &filters.query {
        return Ok(RecordQuery::parse(text)?);
    }
    let mut q = RecordQuery::new().deleted(filters.deleted);
    if let Some(p) = &filters.token_prefix {
        q = q.token_prefix(p.clone());
    }
    if let Some(s) = &filters.search {
        q = q.search(s.clone());
    }
    if let Some(status) = filters.status {
        q = q.expiry(status);
    }
    if let Some(d) = &filters.expiring_within {
        let until = Utc::now() + duration::parse_duration(d)?;
        q = q.expiry(ExpiryFilter::ExpiringBefore(until));
    }
    Ok(q)
}
