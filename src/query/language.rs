//! The query language of the app's search box and the CLI's `--query`, parsed into a
//! [`RecordQuery`]; one parser, so both find the same records for the same text.
//!
//! | term | matches |
//! |---|---|
//! | `word`, `"two words"` | the text in the token, label, notes, a tag, username or URL |
//! | `tag:prod` | a tag equal to `prod` (ignoring case; several `tag:` must all be present) |
//! | `label:github` | the label contains `github` |
//! | `token:tk_ab` | the token starts with `tk_ab` (case-sensitive) |
//! | `is:active`, `is:expired`, `is:never` | the expiry state |
//! | `is:trash` | records in the trash (otherwise only live records) |
//! | `expires:<14d` | not expired, expiring within 14 days |
//! | `expired:<30d` | expired within the last 30 days |
//!
//! Terms are separated by whitespace and all must match. Prefixes are case-insensitive;
//! double quotes keep spaces (`label:"my app"`) and make a colon plain text
//! (`"https://example.com"`); `\"` is a quote and `\\` a backslash, in or out of quotes
//! (any other backslash is itself, so `dir\path` needs none). Durations are
//! [`crate::duration::parse`]'s. Whatever the
//! text, the result is a query or [`Error::InvalidInput`] (field `query`) naming the
//! term at fault; never a panic.

use super::{DeletedFilter, ExpiryFilter, RecordQuery};
use crate::error::{Error, Result};

/// Longest accepted query text, in characters.
pub(crate) const MAX_QUERY_CHARS: usize = 1000;
/// Most words, tags and labels in one query: each is a few expressions per row.
pub(crate) const MAX_TERMS: usize = 32;

/// The prefixes, for messages.
const PREFIXES: &str = "tag:, label:, token:, is:, expires:< or expired:<";

impl RecordQuery {
    /// Parses the query language (see the README's table, or the `query` module): bare
    /// words and `"quoted phrases"` match any of token, label, notes, tags, username and
    /// URL; `tag:`, `label:`, `token:`, `is:active|expired|never|trash`, `expires:<14d`
    /// and `expired:<30d` filter. Every term must match. Empty text (or only
    /// whitespace) matches every live record.
    ///
    /// The result sorts, pages and limits like [`RecordQuery::new`]; chain the setters to
    /// change that. Windows (`expires:<14d`) are relative to the store's clock when the
    /// query runs.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] on the field `query`, naming the term: an unknown prefix,
    /// an unknown `is:` value, a bad duration, an empty value, an unterminated quote, a
    /// control character, two conflicting terms, or a text over 1000 characters or
    /// 32 terms.
    pub fn parse(text: &str) -> Result<Self> {
        Self::parse_with(text, &[])
    }

    /// [`RecordQuery::parse`] of `text` and the terms `added` (an app's view and filter
    /// menus: `is:trash`, `expires:<7d`), which combine with it like typed terms but do
    /// not count against the limits on `text`, so the menus never take away what a
    /// person may type.
    ///
    /// # Errors
    /// As [`RecordQuery::parse`], for `text` or any added term.
    pub fn parse_with(text: &str, added: &[String]) -> Result<Self> {
        let count = text.chars().count();
        if count > MAX_QUERY_CHARS {
            return Err(Error::invalid(
                "query",
                format!("is {count} characters long; the limit is {MAX_QUERY_CHARS}"),
            ));
        }
        let mut parsed = Parsed::default();
        for term in terms(text)? {
            parsed.apply(term)?;
        }
        for text in added {
            for term in terms(text)? {
                parsed.apply(term)?;
            }
        }
        parsed.query.validate_terms()?;
        Ok(parsed.query)
    }
}

/// One whitespace-separated term: `key:value`, or a bare value.
#[derive(Debug)]
struct Term {
    /// The term as typed, for messages.
    shown: String,
    key: Option<String>,
    value: String,
}

impl Term {
    fn error(&self, why: impl std::fmt::Display) -> Error {
        term_error(&self.shown, why)
    }
}

/// An error naming the term as typed (shortened: a message is no place for a novel).
fn term_error(shown: &str, why: impl std::fmt::Display) -> Error {
    let mut short: String = shown.chars().take(60).collect();
    if short.len() < shown.len() {
        short.push('…');
    }
    Error::invalid("query", format!("term {short:?} {why}"))
}

/// Splits `text` into terms. A quote opens and closes anywhere in a term and keeps
/// whitespace inside it; a key is the ASCII letters before the first colon, if no quote
/// came before it.
fn terms(text: &str) -> Result<Vec<Term>> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, first)) = chars.peek() {
        if first.is_whitespace() {
            chars.next();
            continue;
        }
        let (mut value, mut key, mut quoted, mut open) = (String::new(), None, false, false);
        let mut end = text.len();
        while let Some(&(i, c)) = chars.peek() {
            if c.is_whitespace() && !open {
                end = i;
                break;
            }
            chars.next();
            match c {
                // `\"` and `\\` stand for themselves (a tag may hold a quote); any other
                // backslash is plain text, so `C:\path` needs no escaping.
                '\\' if matches!(chars.peek(), Some((_, '"' | '\\'))) => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(escaped);
                    }
                }
                '"' => (open, quoted) = (!open, true),
                ':' if key.is_none()
                    && !quoted
                    && !value.is_empty()
                    && value.chars().all(|c: char| c.is_ascii_alphabetic()) =>
                {
                    key = Some(std::mem::take(&mut value).to_ascii_lowercase());
                }
                _ => value.push(c),
            }
        }
        let shown = text.get(start..end).unwrap_or(text);
        if open {
            return Err(term_error(shown, "has a \" without a closing \""));
        }
        if value.chars().any(char::is_control) {
            return Err(term_error(shown, "contains a control character; remove it"));
        }
        if out.len() == MAX_TERMS {
            return Err(Error::invalid(
                "query",
                format!("has more than {MAX_TERMS} terms; narrow it with fewer, longer words"),
            ));
        }
        out.push(Term {
            shown: shown.to_owned(),
            key,
            value,
        });
    }
    Ok(out)
}

/// The query being built, with the terms that set the single-valued filters (to name
/// both when a later one conflicts).
#[derive(Default)]
struct Parsed {
    query: RecordQuery,
    expiry_term: Option<String>,
    token_term: Option<String>,
}

impl Parsed {
    fn apply(&mut self, term: Term) -> Result<()> {
        let Some(key) = term.key.as_deref() else {
            if term.value.is_empty() {
                return Err(term.error("is empty; put text between the quotes"));
            }
            self.query.words.push(term.value);
            return Ok(());
        };
        if term.value.is_empty() {
            return Err(term.error(format!(
                "has nothing after {key}:; write it like {key}:{}",
                example(key)
            )));
        }
        match key {
            "tag" => self.query.tags.push(term.value),
            "label" => self.query.labels.push(term.value),
            "token" => self.token(term)?,
            "is" => self.state(term)?,
            "expires" => {
                let d = window(&term, key)?;
                self.expiry(ExpiryFilter::ExpiringWithin(d), term)?;
            }
            "expired" => {
                let d = window(&term, key)?;
                self.expiry(ExpiryFilter::ExpiredWithin(d), term)?;
            }
            _ => {
                return Err(term.error(format!(
                    "has an unknown prefix {key}:; use {PREFIXES}, or put the term in quotes to search for the text"
                )));
            }
        }
        Ok(())
    }

    /// `is:active|expired|never|trash`.
    fn state(&mut self, term: Term) -> Result<()> {
        let filter = match term.value.to_ascii_lowercase().as_str() {
            "active" => ExpiryFilter::Active,
            "expired" => ExpiryFilter::Expired,
            "never" => ExpiryFilter::Never,
            "trash" => {
                self.query.deleted = DeletedFilter::Only;
                return Ok(());
            }
            _ => {
                return Err(
                    term.error("is not a state; use is:active, is:expired, is:never or is:trash")
                );
            }
        };
        self.expiry(filter, term)
    }

    /// One expiry filter per query: two different ones could only match nothing (or
    /// one would silently win).
    fn expiry(&mut self, filter: ExpiryFilter, term: Term) -> Result<()> {
        match (&self.query.expiry, &self.expiry_term) {
            (Some(old), Some(first)) if *old != filter => Err(conflict(first, &term.shown)),
            _ => {
                self.query.expiry = Some(filter);
                self.expiry_term = Some(term.shown);
                Ok(())
            }
        }
    }

    /// `token:PREFIX`; one per query.
    fn token(&mut self, term: Term) -> Result<()> {
        match (&self.query.token_prefix, &self.token_term) {
            (Some(old), Some(first)) if *old != term.value => Err(conflict(first, &term.shown)),
            _ => {
                self.query.token_prefix = Some(term.value);
                self.token_term = Some(term.shown);
                Ok(())
            }
        }
    }
}

fn conflict(first: &str, second: &str) -> Error {
    term_error(
        second,
        format!("conflicts with {first:?}: a record cannot match both; keep one of them"),
    )
}

/// The duration of `expires:<14d` / `expired:<30d`.
fn window(term: &Term, key: &str) -> Result<chrono::Duration> {
    let Some(text) = term.value.strip_prefix('<') else {
        return Err(term.error(format!(
            "needs a \"<\" and a duration; write it like {key}:{}",
            example(key)
        )));
    };
    crate::duration::parse_reason(text).map_err(|why| term.error(why))
}

fn example(key: &str) -> &'static str {
    match key {
        "tag" => "prod",
        "label" => "github",
        "token" => "tk_ab",
        "is" => "active",
        "expires" => "<14d",
        "expired" => "<30d",
        _ => "value",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail by panicking")]

    use chrono::Duration;

    use super::*;

    fn q(text: &str) -> RecordQuery {
        RecordQuery::parse(text).unwrap()
    }

    /// The message of the refusal of `text`, checking it is `invalid_input` on `query`.
    fn refused(text: &str) -> String {
        let e = RecordQuery::parse(text).err().unwrap();
        assert_eq!(e.field(), Some("query"), "{text}: {e}");
        e.to_string()
    }

    #[test]
    fn an_empty_query_is_every_live_record() {
        for text in ["", "   ", "\t\n"] {
            let parsed = q(text);
            assert!(parsed.words.is_empty() && parsed.tags.is_empty());
            assert_eq!(parsed.expiry, None);
            assert_eq!(parsed.deleted, DeletedFilter::Exclude);
        }
    }

    #[test]
    fn each_prefix_sets_its_filter() {
        let parsed = q("github Ärzte tag:prod TAG:db label:\"my app\" token:tk_ab is:trash");
        assert_eq!(parsed.words, ["github", "Ärzte"]);
        assert_eq!(parsed.tags, ["prod", "db"]);
        assert_eq!(parsed.labels, ["my app"]);
        assert_eq!(parsed.token_prefix.as_deref(), Some("tk_ab"));
        assert_eq!(parsed.deleted, DeletedFilter::Only);
        assert_eq!(q("is:Active").expiry, Some(ExpiryFilter::Active));
        assert_eq!(q("is:expired").expiry, Some(ExpiryFilter::Expired));
        assert_eq!(q("is:never").expiry, Some(ExpiryFilter::Never));
        assert_eq!(
            q("expires:<14d").expiry,
            Some(ExpiryFilter::ExpiringWithin(Duration::days(14)))
        );
        assert_eq!(
            q("expired:<2w").expiry,
            Some(ExpiryFilter::ExpiredWithin(Duration::days(14)))
        );
    }

    #[test]
    fn a_backslash_escapes_a_quote_or_a_backslash_and_is_otherwise_itself() {
        assert_eq!(q(r#"tag:"say \"hi\"""#).tags, ["say \"hi\""]);
        assert_eq!(q(r#"tag:a\"b"#).tags, ["a\"b"]);
        assert_eq!(q(r#"tag:"back\\slash""#).tags, ["back\\slash"]);
        assert_eq!(q(r"dir\path").words, [r"dir\path"]);
        assert!(refused(r#"tag:"open \""#).contains("closing"));
    }

    #[test]
    fn quotes_keep_spaces_and_make_colons_plain_text() {
        assert_eq!(q("\"two words\" x").words, ["two words", "x"]);
        assert_eq!(q("\"https://example.com\"").words, ["https://example.com"]);
        assert_eq!(q("\"tag:prod\"").words, ["tag:prod"]);
        assert_eq!(q("12:30 :x").words, ["12:30", ":x"]);
        assert_eq!(q("tag:a:b").tags, ["a:b"]);
    }

    #[test]
    fn malformed_terms_are_refused_naming_the_term() {
        for (text, term, says) in [
            ("x foo:bar", "foo:bar", "unknown prefix"),
            ("is:sleeping", "is:sleeping", "is:active"),
            ("expires:<abc", "expires:<abc", "not understood"),
            ("expires:14", "expires:14", "\"<\""),
            ("expires:<14", "expires:<14", "not understood"),
            ("expired:<5é", "expired:<5é", "not understood"),
            ("expires:<999999w", "expires:<999999w", "out of range"),
            ("tag:", "tag:", "nothing after"),
            ("tag:\"\"", "tag:\\\"\\\"", "nothing after"),
            ("\"\"", "\\\"\\\"", "empty"),
            ("label:\"my app", "label:\\\"my app", "closing"),
            ("\"a\u{7}b\"", "\\\"a\\u{7}b\\\"", "control character"),
            (
                "is:active is:expired",
                "is:expired",
                "conflicts with \"is:active\"",
            ),
            ("expires:<1d is:never", "is:never", "conflicts"),
            ("token:tk_a token:tk_b", "token:tk_b", "conflicts"),
        ] {
            let msg = refused(text);
            assert!(msg.contains(&format!("term \"{term}\"")), "{text}: {msg}");
            assert!(msg.contains(says), "{text}: {msg}");
        }
    }

    #[test]
    fn repeating_a_term_is_not_a_conflict() {
        assert_eq!(q("is:active is:active").expiry, Some(ExpiryFilter::Active));
        assert_eq!(
            q("token:tk_a token:tk_a").token_prefix.as_deref(),
            Some("tk_a")
        );
    }

    #[test]
    fn long_queries_are_refused_by_length_and_term_count() {
        assert!(refused(&"a".repeat(MAX_QUERY_CHARS + 1)).contains("limit"));
        assert!(refused(&"a ".repeat(MAX_TERMS + 1)).contains("more than"));
        assert_eq!(q(&"a ".repeat(MAX_TERMS)).words.len(), MAX_TERMS);
    }
}
