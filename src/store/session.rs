//! Opening records with the keys this session derived, without the password: what an
//! app remembers for an opened record instead of the password itself.

use std::fmt;

use super::Store;
use super::audit::Access;
use crate::crypto::Fingerprint;
use crate::error::Result;
use crate::secret::{Password, SecretValue};

/// Stands for a password in this session's key cache: an HMAC of it under a random
/// per-process key, so a memory dump cannot turn it back into the password and it is
/// useless in another process. It opens nothing after [`Store::lock`] (the keys it
/// stands for are gone); `Debug` prints `SessionKey(***)`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SessionKey(Fingerprint);

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey(***)")
    }
}

impl Store {
    /// The handle that stands for `password` in this session.
    pub fn session_key(&self, password: &Password) -> SessionKey {
        SessionKey(self.inner.crypto.fingerprint(password))
    }

    /// Reads a live, unexpired token with a key this session derived for the password
    /// `key` stands for; `Ok(None)` when there is none (ask for the password). Never runs
    /// the KDF.
    pub async fn token_read_with_session_key(
        &self,
        token: &str,
        key: SessionKey,
    ) -> Result<Option<SecretValue>> {
        self.token_read_with_session_key_for(token, key, Access::Reveal)
            .await
    }

    /// [`Store::token_read_with_session_key`], recorded in the audit log as `access`.
    pub async fn token_read_with_session_key_for(
        &self,
        token: &str,
        key: SessionKey,
        access: Access,
    ) -> Result<Option<SecretValue>> {
        let record = self.usable_record(token).await?;
        self.check_v2_allowed(&record.token, &record.envelope)
            .await?;
        let opened = self
            .inner
            .crypto
            .open_cached(&record.envelope, key.0, &record.token)?;
        if opened.is_some() {
            self.audit_access(token, access, "").await?;
        }
        Ok(opened)
    }

    /// Reads a live, unexpired token with any key this session derived (the session
    /// keyring: records sharing a password open without asking again); the value and
    /// the key that opened it, or `Ok(None)`. Never runs the KDF.
    pub async fn token_read_with_any_session_key(
        &self,
        token: &str,
    ) -> Result<Option<(SecretValue, SessionKey)>> {
        self.token_read_with_any_session_key_for(token, Access::Reveal)
            .await
    }

    /// [`Store::token_read_with_any_session_key`], recorded in the audit log as `access`.
    pub async fn token_read_with_any_session_key_for(
        &self,
        token: &str,
        access: Access,
    ) -> Result<Option<(SecretValue, SessionKey)>> {
        let record = self.usable_record(token).await?;
        self.check_v2_allowed(&record.token, &record.envelope)
            .await?;
        let opened = self
            .inner
            .crypto
            .open_with_any_cached(&record.envelope, &record.token)?;
        if opened.is_some() {
            self.audit_access(token, access, "").await?;
        }
        Ok(opened.map(|(value, fingerprint)| (value, SessionKey(fingerprint))))
    }
}
