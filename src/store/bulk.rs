//! Bulk reads: many tokens, one password, one round trip per chunk and one key
//! derivation per distinct salt (normally one in all).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::audit::{AuditAction, Note};
use super::{Store, records_from};
use crate::error::{Error, Result};
use crate::record::Record;
use crate::secret::{Password, SecretValue};
use crate::token;

/// Tokens per `IN (…)` query: well under every backend's bound-parameter limit.
const CHUNK: usize = 500;
/// Most tokens in one bulk read.
pub const MAX_BULK_TOKENS: usize = 100_000;

impl Store {
    /// Reads many tokens sealed under the same password. Fails as a whole, naming every
    /// token that is missing (then every one in the trash, then every expired one).
    #[tracing::instrument(skip_all, fields(count = tokens.len()))]
    pub async fn tokens_read(
        &self,
        tokens: &[String],
        password: &Password,
    ) -> Result<BTreeMap<String, SecretValue>> {
        if tokens.len() > MAX_BULK_TOKENS {
            return Err(Error::invalid(
                "token list",
                format!(
                    "has {} tokens; read at most {MAX_BULK_TOKENS} at once",
                    tokens.len()
                ),
            ));
        }
        let wanted: BTreeSet<&str> = tokens.iter().map(String::as_str).collect();
        for t in &wanted {
            token::validate(t)?;
        }
        let wanted: Vec<&str> = wanted.into_iter().collect();
        let mut found: HashMap<String, Record> = HashMap::with_capacity(wanted.len());
        for chunk in wanted.chunks(CHUNK) {
            let mut sql = self.select_records();
            sql.push(" WHERE token IN ")
                .bind_list(chunk.iter().copied());
            let rows = self.db().fetch_records(sql, "reading tokens").await?;
            for r in records_from(rows)? {
                found.insert(r.token.clone(), r);
            }
        }
        let now = self.now();
        let missing: Vec<String> = wanted
            .iter()
            .filter(|t| !found.contains_key(**t))
            .map(|t| (*t).to_owned())
            .collect();
        if !missing.is_empty() {
            return Err(Error::NotFound { what: missing });
        }
        let pick = |f: &dyn Fn(&Record) -> bool| -> Vec<String> {
            wanted
                .iter()
                .filter_map(|t| found.get(*t))
                .filter(|r| f(r))
                .map(|r| r.token.clone())
                .collect()
        };
        let deleted = pick(&|r| r.is_deleted());
        if !deleted.is_empty() {
            return Err(Error::Deleted { tokens: deleted });
        }
        let expired = pick(&|r| r.is_expired_at(now));
        if !expired.is_empty() {
            return Err(Error::Expired { tokens: expired });
        }
        let prepared = self.inner.crypto.prepare(password);
        let mut out = BTreeMap::new();
        for token in wanted {
            let Some(record) = found.get(token) else {
                continue;
            };
            let value = self.open_value(record, &prepared).await?;
            out.insert(record.token.clone(), value);
        }
        // Every value read is on the record before any is handed out.
        let notes: Vec<Note> = out
            .keys()
            .map(|t| Note::on(AuditAction::Reveal, t).with("bulk read"))
            .collect();
        self.audit_reads(&notes).await?;
        Ok(out)
    }

    /// Resolves a map of names to tokens into a map of the same names to values, keeping
    /// empty values. All tokens must open with `password`.
    pub async fn tokens_read_to_resolved_map(
        &self,
        names_to_tokens: &BTreeMap<String, String>,
        password: &Password,
    ) -> Result<BTreeMap<String, SecretValue>> {
        let tokens: Vec<String> = names_to_tokens.values().cloned().collect();
        let values = self.tokens_read(&tokens, password).await?;
        names_to_tokens
            .iter()
            .map(|(name, token)| {
                values
                    .get(token)
                    .cloned()
                    .map(|v| (name.clone(), v))
                    .ok_or_else(|| Error::not_found(token.clone()))
            })
            .collect()
    }
}
