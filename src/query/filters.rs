//! The SQL of the text and expiry filters, for each dialect.
//!
//! Text matches fold case the same way on every backend: one character to one character
//! (simple Unicode case folding: `Ä`/`ä`, `Σ`/`σ`), never accents (`a` does not find
//! `ä`). SQLite's LOWER and LIKE fold ASCII only, so SQLite matches metadata with a
//! `(?i)` regex instead; MySQL's comparison is made binary on lowered text, since its
//! `_ci` collations also ignore accents. Every value is bound, never spliced.

use chrono::{DateTime, Datelike, Duration, Utc};

use super::{ExpiryFilter, NEVER};
use crate::db::{Dialect, Sql};
use crate::timestamp;

/// The earliest stored time, for a window reaching back past year 1.
const DAWN: &str = "0001-01-01T00:00:00.000000Z";

/// Case-insensitive substring search over the token and the label (the builder's
/// `search`, kept as it was before the query language).
pub(super) fn push_search(sql: &mut Sql, dialect: Dialect, text: &str) {
    let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
    sql.push(" AND (LOWER(token) LIKE ")
        .bind(pattern)
        .push(" ESCAPE '!' OR ");
    push_contains(sql, dialect, dialect.label_expr(), text);
    sql.push(")");
}

/// A bare word of the query language: in the token, label, notes, username or URL
/// (one text joined by newlines, which a word never contains), or in one of the tags.
pub(super) fn push_word(sql: &mut Sql, dialect: Dialect, word: &str) {
    sql.push(" AND (");
    push_contains(sql, dialect, dialect.search_text_expr(), word);
    let (tag_rows, tag) = dialect.tag_rows();
    sql.push(" OR EXISTS (").push(tag_rows);
    push_contains(sql, dialect, tag, word);
    sql.push("))");
}

/// `label:TEXT`: the label contains the text.
pub(super) fn push_label_contains(sql: &mut Sql, dialect: Dialect, text: &str) {
    sql.push(" AND ");
    push_contains(sql, dialect, dialect.label_expr(), text);
}

/// `tag:TAG`: one of the tags is this tag as a whole, ignoring case. Each tag is an
/// array element compared on its own, so `pro` never matches `prod`.
pub(super) fn push_tag(sql: &mut Sql, dialect: Dialect, tag: &str) {
    let (tag_rows, expr) = dialect.tag_rows();
    sql.push(" AND EXISTS (").push(tag_rows);
    match dialect {
        Dialect::Sqlite => {
            sql.push(expr)
                .push(" REGEXP ")
                .bind(format!("(?i)^{}$", regex::escape(tag)));
        }
        Dialect::Postgres => {
            sql.push("LOWER(")
                .push(expr)
                .push(") = ")
                .bind(tag.to_lowercase());
        }
        Dialect::MySql => {
            sql.push("LOWER(")
                .push(expr)
                .push(") = ")
                .bind(tag.to_lowercase())
                .push(" COLLATE utf8mb4_bin");
        }
    }
    sql.push(")");
}

/// `expr` contains `text`, ignoring case (see the module docs for the folding).
fn push_contains(sql: &mut Sql, dialect: Dialect, expr: &str, text: &str) {
    match dialect {
        Dialect::Sqlite => {
            sql.push(expr)
                .push(" REGEXP ")
                .bind(format!("(?i){}", regex::escape(text)));
        }
        Dialect::Postgres => {
            sql.push("LOWER(")
                .push(expr)
                .push(") LIKE ")
                .bind(like_pattern(text))
                .push(" ESCAPE '!'");
        }
        Dialect::MySql => {
            sql.push("LOWER(")
                .push(expr)
                .push(") LIKE ")
                .bind(like_pattern(text))
                .push(" COLLATE utf8mb4_bin ESCAPE '!'");
        }
    }
}

fn like_pattern(text: &str) -> String {
    format!("%{}%", escape_like(&text.to_lowercase()))
}

/// The expiry condition at `now`. Relative windows are resolved here, when the query
/// runs, so a parsed query kept by the app stays "within 14 days of now".
pub(super) fn push_expiry(sql: &mut Sql, expiry: ExpiryFilter, now: DateTime<Utc>) {
    let at = timestamp::to_db(now);
    match expiry {
        ExpiryFilter::Active => {
            sql.push(" AND (expires_at IS NULL OR expires_at > ")
                .bind(at)
                .push(")");
        }
        ExpiryFilter::Expired => {
            sql.push(" AND expires_at <= ").bind(at);
        }
        ExpiryFilter::ExpiringBefore(t) => {
            push_window(sql, at, timestamp::to_db(t));
        }
        ExpiryFilter::ExpiringWithin(d) => {
            push_window(sql, at, shifted(now, d));
        }
        ExpiryFilter::ExpiredWithin(d) => {
            push_window(sql, shifted(now, -d), at);
        }
        ExpiryFilter::Never => {
            sql.push(" AND expires_at IS NULL");
        }
    }
}

/// Expiry in (after, until]: one index range on `expires_at`.
fn push_window(sql: &mut Sql, after: String, until: String) {
    sql.push(" AND expires_at > ")
        .bind(after)
        .push(" AND expires_at <= ")
        .bind(until);
}

/// `now + by` as stored, held within the years the stored form can order (a bound the
/// builder's validation already keeps; this keeps `push_where` total for callers that
/// skip it).
fn shifted(now: DateTime<Utc>, by: Duration) -> String {
    match now.checked_add_signed(by) {
        Some(t) if (1..=9999).contains(&t.year()) => timestamp::to_db(t),
        _ if by < Duration::zero() => DAWN.to_owned(),
        _ => NEVER.to_owned(),
    }
}

/// Escapes LIKE wildcards with `!` (a backslash would itself need escaping in MySQL
/// string literals).
pub(crate) fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '!' | '%' | '_') {
            out.push('!');
        }
        out.push(c);
    }
    out
}
