//! The record query builder: filters, sort order and keyset paging, and the query
//! language that builds one from text ([`RecordQuery::parse`], in `language`; the SQL of
//! the filters is in `filters`).
//!
//! Paging is keyset-based: a [`Cursor`] carries the last row's sort key and id, and the
//! next page starts strictly after it, so page N costs the same as page 1 and rows
//! inserted meanwhile are neither skipped nor repeated.

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};

use crate::db::{Dialect, SearchIndex, Sql};
use crate::error::{Error, Result};
use crate::record::Record;
use crate::timestamp;

mod filters;
pub(crate) use filters::escape_like;
mod language;

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 100;
/// Largest page size.
pub const MAX_LIMIT: u32 = 1000;
/// Most ids or tokens in one `IN` filter.
pub const MAX_IN_LIST: usize = 1000;

/// Sort key used for "never expires" so such records sort after every real expiry.
pub(crate) const NEVER: &str = "9999-12-31T23:59:59.999999Z";

/// Which records to return by expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum ExpiryFilter {
    /// Not expired (no expiry, or expiry in the future).
    Active,
    /// Expiry at or before now.
    Expired,
    /// Not yet expired, but expiring at or before the given time.
    // The command line reaches this through --expiring-within, not --status.
    #[cfg_attr(feature = "cli", value(skip))]
    ExpiringBefore(DateTime<Utc>),
    /// Not yet expired, but expiring within this long of the store's "now" (the query
    /// language's `expires:<14d`), resolved when the query runs. 0 to 100 years.
    #[cfg_attr(feature = "cli", value(skip))]
    ExpiringWithin(Duration),
    /// Expired within this long before the store's "now" (`expired:<30d`): expiry in
    /// (now − d, now], resolved when the query runs. 0 to 100 years.
    #[cfg_attr(feature = "cli", value(skip))]
    ExpiredWithin(Duration),
    /// No expiry set.
    #[cfg_attr(feature = "cli", value(name = "never-expires"))]
    Never,
}

/// Whether soft-deleted records are included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum DeletedFilter {
    /// Only live records (the default).
    #[default]
    Exclude,
    /// Live and soft-deleted records.
    Include,
    /// Only soft-deleted records (the trash).
    Only,
}

impl FromStr for DeletedFilter {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "exclude" | "false" => Ok(Self::Exclude),
            "include" | "true" => Ok(Self::Include),
            "only" => Ok(Self::Only),
            _ => Err(Error::invalid(
                "deleted filter",
                format!("{s:?}; use exclude, include or only"),
            )),
        }
    }
}

/// The sortable fields (a whitelist: nothing else reaches ORDER BY). Deserializes from
/// the snake_case names it parses (`created_at`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(
    feature = "cli",
    derive(clap::ValueEnum),
    value(rename_all = "snake_case")
)]
pub enum SortField {
    /// Creation time (the default).
    #[default]
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// Expiry; records that never expire sort last in ascending order.
    ExpiresAt,
    /// The token, byte-wise.
    Token,
    /// When the record went to the trash (for listing the trash); live records sort
    /// last in ascending order, as if deleted never.
    DeletedAt,
    /// The label as the database compares text (SQLite and MySQL byte-wise, PostgreSQL
    /// in the database's collation); unlabelled records sort as an empty label. No
    /// index serves it: each sorted page reads every matching row's metadata.
    Label,
    /// The first tag, compared like the label; untagged records sort as an empty tag.
    /// No index serves it either.
    Tags,
}

impl SortField {
    fn name(self) -> &'static str {
        match self {
            Self::CreatedAt => "created_at",
            Self::UpdatedAt => "updated_at",
            Self::ExpiresAt => "expires_at",
            Self::Token => "token",
            Self::DeletedAt => "deleted_at",
            Self::Label => "label",
            Self::Tags => "tags",
        }
    }

    fn expr(self, dialect: Dialect) -> String {
        match self {
            Self::ExpiresAt => format!("COALESCE(expires_at, '{NEVER}')"),
            // A NULL key would break the keyset comparison: live rows get NEVER too,
            // and records without a label or tag an empty one.
            Self::DeletedAt => format!("COALESCE(soft_deleted_at, '{NEVER}')"),
            Self::Label => format!("COALESCE({}, '')", dialect.label_expr()),
            Self::Tags => format!("COALESCE({}, '')", dialect.first_tag_expr()),
            other => other.name().to_owned(),
        }
    }

    fn key_of(self, r: &Record) -> String {
        match self {
            Self::CreatedAt => timestamp::to_db(r.created_at),
            Self::UpdatedAt => timestamp::to_db(r.updated_at),
            Self::ExpiresAt => r
                .expires_at
                .map_or_else(|| NEVER.to_owned(), timestamp::to_db),
            Self::Token => r.token.clone(),
            Self::DeletedAt => r
                .soft_deleted_at
                .map_or_else(|| NEVER.to_owned(), timestamp::to_db),
            Self::Label => r.metadata.label.clone().unwrap_or_default(),
            Self::Tags => r.metadata.tags.first().cloned().unwrap_or_default(),
        }
    }
}

impl FromStr for SortField {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "created_at" => Ok(Self::CreatedAt),
            "updated_at" => Ok(Self::UpdatedAt),
            "expires_at" => Ok(Self::ExpiresAt),
            "token" => Ok(Self::Token),
            "deleted_at" => Ok(Self::DeletedAt),
            "label" => Ok(Self::Label),
            "tags" => Ok(Self::Tags),
            _ => Err(Error::invalid(
                "sort field",
                format!(
                    "{s:?}; use created_at, updated_at, expires_at, token, deleted_at, \
                     label or tags"
                ),
            )),
        }
    }
}

/// Sort direction; parsed case-insensitively ("asc", "ASC", "Desc"), deserialized from
/// `asc` or `desc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum SortOrder {
    /// Ascending.
    Asc,
    /// Descending (the default: newest first).
    #[default]
    Desc,
}

impl FromStr for SortOrder {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "asc" => Ok(Self::Asc),
            "desc" => Ok(Self::Desc),
            _ => Err(Error::invalid(
                "sort order",
                format!("{s:?}; use asc or desc"),
            )),
        }
    }
}

/// An opaque position in a sorted listing: the sort key and id of the last row seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    field: SortField,
    order: SortOrder,
    key: String,
    id: String,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let order = match self.order {
            SortOrder::Asc => "a",
            SortOrder::Desc => "d",
        };
        let raw = format!("{}\n{order}\n{}\n{}", self.field.name(), self.id, self.key);
        f.write_str(&URL_SAFE_NO_PAD.encode(raw))
    }
}

impl FromStr for Cursor {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::invalid("cursor", "is not a cursor returned by a listing");
        let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let mut parts = text.splitn(4, '\n');
        let (Some(field), Some(order), Some(id), Some(key)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let order = match order {
            "a" => SortOrder::Asc,
            "d" => SortOrder::Desc,
            _ => return Err(bad()),
        };
        Ok(Self {
            field: field.parse().map_err(|_| bad())?,
            order,
            key: key.to_owned(),
            id: id.to_owned(),
        })
    }
}

/// One page of a listing.
#[derive(Debug, Clone)]
pub struct Page {
    /// The records of this page, in the query's order.
    pub records: Vec<Record>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// A query over records. Build it with the chained setters; run it with
/// [`crate::Store::records_list`] or [`crate::Store::records_count`].
#[derive(Debug, Clone, Default)]
pub struct RecordQuery {
    id: Option<String>,
    ids: Option<Vec<String>>,
    token: Option<String>,
    tokens: Option<Vec<String>>,
    token_prefix: Option<String>,
    search: Option<String>,
    words: Vec<String>,
    tags: Vec<String>,
    labels: Vec<String>,
    expiry: Option<ExpiryFilter>,
    deleted: DeletedFilter,
    trashed_for: Option<chrono::Duration>,
    sort: SortField,
    order: SortOrder,
    limit: Option<u32>,
    offset: u64,
    after: Option<Cursor>,
}

impl RecordQuery {
    /// A query matching every live record, newest first.
    pub fn new() -> Self {
        Self::default()
    }
    /// Only the record with this id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }
    /// Only records with one of these ids.
    pub fn id_in(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.ids = Some(ids.into_iter().map(Into::into).collect());
        self
    }
    /// Only the record with this token.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }
    /// Only records with one of these tokens.
    pub fn token_in(mut self, tokens: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.tokens = Some(tokens.into_iter().map(Into::into).collect());
        self
    }
    /// Only tokens starting with `prefix` (case-sensitive, uses the token index).
    pub fn token_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.token_prefix = Some(prefix.into());
        self
    }
    /// Text search: `text` anywhere in the token or the label, ignoring ASCII case.
    /// `%` and `_` match themselves.
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }
    /// A word every matching record contains, ignoring case like [`RecordQuery::search`],
    /// in any of its token, label, notes, tags, username or URL (the last two are
    /// metadata keys `username` and `url`, which imports fill). Several words must all
    /// match, each in any of those fields. No control characters.
    pub fn word(mut self, word: impl Into<String>) -> Self {
        self.words.push(word.into());
        self
    }
    /// [`RecordQuery::word`] for each of `words`.
    pub fn words(mut self, words: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.words.extend(words.into_iter().map(Into::into));
        self
    }
    /// Only records carrying this tag: a whole tag, ignoring case like
    /// [`RecordQuery::search`] (`prod` matches `Prod`, not `production`). Several tags
    /// must all be present.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }
    /// Only records whose label contains `text`, ignoring case like
    /// [`RecordQuery::search`]. Several must all match.
    pub fn label_contains(mut self, text: impl Into<String>) -> Self {
        self.labels.push(text.into());
        self
    }
    /// Filter by expiry.
    pub fn expiry(mut self, filter: ExpiryFilter) -> Self {
        self.expiry = Some(filter);
        self
    }
    /// Include or select soft-deleted records.
    pub fn deleted(mut self, filter: DeletedFilter) -> Self {
        self.deleted = filter;
        self
    }
    /// Only records in the trash for at least `age` (moved there at or before the
    /// store's clock minus `age` when the query runs): what a trash retention removes.
    pub fn trashed_for_at_least(mut self, age: chrono::Duration) -> Self {
        self.trashed_for = Some(age);
        self
    }
    /// Shorthand: `true` includes soft-deleted records, `false` excludes them.
    pub fn include_deleted(self, include: bool) -> Self {
        self.deleted(if include {
            DeletedFilter::Include
        } else {
            DeletedFilter::Exclude
        })
    }
    /// Sort field.
    pub fn sort(mut self, field: SortField) -> Self {
        self.sort = field;
        self
    }
    /// Sort order.
    pub fn order(mut self, order: SortOrder) -> Self {
        self.order = order;
        self
    }
    /// Page size (1..=1000, default 100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }
    /// Continue after a cursor from a previous page of the same sort.
    pub fn after(mut self, cursor: Cursor) -> Self {
        self.after = Some(cursor);
        self
    }
    /// Skips this many matching rows (after the cursor, if any) before the page starts:
    /// for jumping into the middle of a long listing. The database still walks the
    /// skipped rows, so the cost grows with `rows`; page onwards with the cursor.
    pub fn offset(mut self, rows: u64) -> Self {
        self.offset = rows;
        self
    }
    /// The same query in the opposite order (the page size and filters kept, the cursor
    /// and offset dropped): its first page is this query's last, read from that end.
    pub fn reversed(&self) -> Self {
        let order = match self.order {
            SortOrder::Asc => SortOrder::Desc,
            SortOrder::Desc => SortOrder::Asc,
        };
        Self {
            order,
            after: None,
            offset: 0,
            ..self.clone()
        }
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if let Some(l) = self.limit
            && !(1..=MAX_LIMIT).contains(&l)
        {
            return Err(Error::invalid(
                "limit",
                format!("{l} is outside 1..={MAX_LIMIT}"),
            ));
        }
        if i64::try_from(self.offset).is_err() {
            return Err(Error::invalid("offset", "is too large"));
        }
        for (field, list) in [("id list", &self.ids), ("token list", &self.tokens)] {
            if let Some(list) = list
                && list.len() > MAX_IN_LIST
            {
                return Err(Error::invalid(
                    field,
                    format!("has {} entries; the limit is {MAX_IN_LIST}", list.len()),
                ));
            }
        }
        if let Some(c) = &self.after
            && (c.field != self.sort || c.order != self.order)
        {
            return Err(Error::invalid(
                "cursor",
                "was made for another sort order; start from the first page",
            ));
        }
        match self.expiry {
            Some(ExpiryFilter::ExpiringBefore(t)) => {
                timestamp::check_range("expiring before", t)?;
            }
            Some(ExpiryFilter::ExpiringWithin(d) | ExpiryFilter::ExpiredWithin(d))
                if !crate::duration::in_range(d) =>
            {
                return Err(Error::invalid(
                    "expiry window",
                    "must be between 0 and 100 years",
                ));
            }
            _ => {}
        }
        if let Some(age) = self.trashed_for
            && !crate::duration::in_range(age)
        {
            return Err(Error::invalid(
                "trash age",
                "must be between 0 and 100 years",
            ));
        }
        self.validate_terms()
    }

    /// Bounds the text filters: each word, tag and label fragment becomes a few bound
    /// expressions evaluated per row.
    fn validate_terms(&self) -> Result<()> {
        let terms = self.words.len() + self.tags.len() + self.labels.len();
        if terms > language::MAX_TERMS {
            return Err(Error::invalid(
                "query",
                format!(
                    "has {terms} words, tags and labels; the limit is {}",
                    language::MAX_TERMS
                ),
            ));
        }
        let texts = self.words.iter().chain(&self.tags).chain(&self.labels);
        for text in texts {
            // A word never contains the separator the search text is joined with.
            if text.chars().any(char::is_control) {
                return Err(Error::invalid(
                    "query",
                    format!("{text:?} contains a control character; remove it"),
                ));
            }
            if text.chars().count() > language::MAX_QUERY_CHARS {
                return Err(Error::invalid(
                    "query",
                    format!(
                        "a word longer than {} characters cannot match",
                        language::MAX_QUERY_CHARS
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Appends the WHERE clause (always present; `1=1` when nothing filters).
    pub(crate) fn push_where(
        &self,
        sql: &mut Sql,
        dialect: Dialect,
        now: DateTime<Utc>,
        index: &SearchIndex,
    ) {
        sql.push(" WHERE 1=1");
        if let Some(id) = &self.id {
            sql.push(" AND id = ").bind(id.as_str());
        }
        if let Some(ids) = &self.ids {
            push_in(sql, "id", ids);
        }
        if let Some(token) = &self.token {
            sql.push(" AND token = ").bind(token.as_str());
        }
        if let Some(tokens) = &self.tokens {
            push_in(sql, "token", tokens);
        }
        if let Some(prefix) = &self.token_prefix {
            // Tokens are printable ASCII (< 0x7F), so every token that starts with the
            // prefix sorts in [prefix, prefix + DEL): an index range on every backend.
            sql.push(" AND token >= ")
                .bind(prefix.as_str())
                .push(" AND token < ")
                .bind(format!("{prefix}\u{7f}"));
        }
        // The text conditions narrowed by the index first, where there is one; the exact
        // conditions decide.
        index.push_prefilter(sql, &self.texts());
        if let Some(text) = &self.search {
            filters::push_search(sql, dialect, text);
        }
        for word in &self.words {
            filters::push_word(sql, dialect, word);
        }
        for tag in &self.tags {
            filters::push_tag(sql, dialect, tag);
        }
        for text in &self.labels {
            filters::push_label_contains(sql, dialect, text);
        }
        if let Some(expiry) = self.expiry {
            filters::push_expiry(sql, expiry, now);
        }
        match self.deleted {
            // SQLite keeps no statistics for a vault, so it takes an equality on an
            // index's first column to match a few rows: it would walk the vault view's
            // sort index (schema 4) in order, testing each row against a search's few
            // matches, rather than read those few and sort them. `likely` tells it
            // most rows are live; the condition still selects the index range.
            DeletedFilter::Exclude if dialect == Dialect::Sqlite => {
                sql.push(" AND likely(soft_deleted_at IS NULL)")
            }
            DeletedFilter::Exclude => sql.push(" AND soft_deleted_at IS NULL"),
            DeletedFilter::Include => sql,
            DeletedFilter::Only => sql.push(" AND soft_deleted_at IS NOT NULL"),
        };
        if let Some(age) = self.trashed_for {
            sql.push(" AND soft_deleted_at IS NOT NULL AND soft_deleted_at <= ")
                .bind(timestamp::to_db(now - age));
        }
    }

    /// Appends the keyset condition, ORDER BY and LIMIT (one more row than the page, to
    /// learn whether a next page exists).
    pub(crate) fn push_page(&self, sql: &mut Sql, dialect: Dialect) {
        let expr = self.sort.expr(dialect);
        let cmp = match self.order {
            SortOrder::Asc => ">",
            SortOrder::Desc => "<",
        };
        if let Some(c) = &self.after {
            // (key, id) strictly after the cursor. The leading `key <=`/`>=` bound is
            // implied by the rest but gives every planner an index range to start from;
            // a bare OR makes some scan from the first row.
            sql.push(&format!(" AND {expr} {cmp}= "))
                .bind(c.key.as_str())
                .push(&format!(" AND ({expr} {cmp} "))
                .bind(c.key.as_str())
                .push(&format!(" OR id {cmp} "))
                .bind(c.id.as_str())
                .push(")");
        }
        self.push_order(sql, dialect);
        sql.push(" LIMIT ").bind(i64::from(self.page_size()) + 1);
        if self.offset > 0 {
            // validate() keeps the offset within i64.
            sql.push(" OFFSET ")
                .bind(i64::try_from(self.offset).unwrap_or(i64::MAX));
        }
    }

    /// Appends the ORDER BY of the query's sort (the id breaks ties).
    pub(crate) fn push_order(&self, sql: &mut Sql, dialect: Dialect) {
        let expr = self.sort.expr(dialect);
        let dir = match self.order {
            SortOrder::Asc => "ASC",
            SortOrder::Desc => "DESC",
        };
        sql.push(&format!(" ORDER BY {expr} {dir}, id {dir}"));
    }

    /// The texts the rows must contain (search text, words, tags, label fragments): what
    /// a substring index can narrow the rows by.
    pub(crate) fn texts(&self) -> Vec<&str> {
        self.search
            .iter()
            .chain(&self.words)
            .chain(&self.tags)
            .chain(&self.labels)
            .map(String::as_str)
            .collect()
    }

    /// Rows skipped before the page ([`RecordQuery::offset`]).
    pub(crate) fn skipped(&self) -> u64 {
        self.offset
    }

    pub(crate) fn page_size(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT)
    }

    /// The cursor that continues this query's order after `last` (for jumping into a
    /// listing at a known record).
    pub fn cursor_after(&self, last: &Record) -> Cursor {
        Cursor {
            field: self.sort,
            order: self.order,
            key: self.sort.key_of(last),
            id: last.id.clone(),
        }
    }
}

fn push_in(sql: &mut Sql, column: &str, values: &[String]) {
    if values.is_empty() {
        // `IN ()` is a syntax error; an empty list matches nothing.
        sql.push(" AND 1=0");
    } else {
        sql.push(&format!(" AND {column} IN "))
            .bind_list(values.iter().map(String::as_str));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_words_parse_in_any_case_and_reject_others() {
        assert_eq!("ASC".parse::<SortOrder>().unwrap(), SortOrder::Asc);
        assert_eq!("desc".parse::<SortOrder>().unwrap(), SortOrder::Desc);
        assert!("up".parse::<SortOrder>().is_err());
        assert_eq!(
            "Expires_At".parse::<SortField>().unwrap(),
            SortField::ExpiresAt
        );
        assert!("value; DROP TABLE vault".parse::<SortField>().is_err());
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let c = Cursor {
            field: SortField::Token,
            order: SortOrder::Asc,
            key: "tk_a\nb".into(),
            id: "0001".into(),
        };
        assert_eq!(c.to_string().parse::<Cursor>().unwrap(), c);
        assert!("not a cursor!".parse::<Cursor>().is_err());
    }

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(filters::escape_like("tk_50%!"), "tk!_50!%!!");
    }
}
