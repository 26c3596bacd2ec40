//! Sealing and opening values: the only place plaintext meets a key.
//!
//! The API is two calls, [`Crypto::seal`] and [`Crypto::open`]; primitives stay private
//! and callers cannot pick a weaker KDF than the bounds in [`KdfParams`].
//!
//! Keys: Argon2id turns (password, vault salt, parameters) into a master key once per
//! session; each record gets its own AES-256-GCM key from HKDF-SHA256 over the master key
//! and a random per-record salt, so records never share a (key, nonce) pair and one
//! derivation serves any number of records.

mod envelope;
mod kdf;
mod key_cache;
mod reseal;

pub(crate) use reseal::Resealer;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use rand::TryRng;
use rand::rngs::SysRng;
use sha2::Sha256;
use zeroize::Zeroizing;

pub use kdf::KdfParams;
pub(crate) use kdf::{Key, SALT_LEN};

use crate::error::{Error, Result};
use crate::progress::Cancel;
use crate::secret::{Password, SecretValue};
use envelope::{Envelope, NONCE_LEN, RECORD_SALT_LEN, V2_PARAMS};
pub(crate) use key_cache::Fingerprint;
use key_cache::KeyCache;

/// Domain label for the per-record subkey (HKDF `info`).
const RECORD_KEY_INFO: &[u8] = b"vaultstore v3 record key";
/// Domain label prefixed to the associated data of every v3 record.
const AAD_LABEL: &[u8] = b"vaultstore v3 record\0";

/// The KDF settings new records are sealed with: the vault's current salt and parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VaultKdf {
    pub salt: [u8; SALT_LEN],
    pub params: KdfParams,
}

/// A password with its cache fingerprint computed once, for operations over many records.
pub(crate) struct PreparedPassword<'p> {
    password: &'p Password,
    fingerprint: Fingerprint,
}

/// Seals and opens envelopes, caching derived keys for the session.
pub(crate) struct Crypto {
    cache: KeyCache,
}

/// Fills a buffer from the OS random generator.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    SysRng
        .try_fill_bytes(&mut out)
        .map_err(|e| Error::Crypto(format!("the system random generator failed: {e}")))?;
    Ok(out)
}

fn record_cipher(master: &Key, record_salt: &[u8]) -> Result<Aes256Gcm> {
    let mut subkey = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(record_salt), &master[..])
        .expand(RECORD_KEY_INFO, &mut subkey[..])
        .map_err(|_| Error::Crypto("subkey derivation failed".into()))?;
    Aes256Gcm::new_from_slice(&subkey[..]).map_err(|_| Error::Crypto("bad key length".into()))
}

fn v3_aad(header: &[u8], token: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(AAD_LABEL.len() + header.len() + token.len());
    aad.extend_from_slice(AAD_LABEL);
    aad.extend_from_slice(header);
    aad.extend_from_slice(token.as_bytes());
    aad
}

fn into_secret(plain: Vec<u8>) -> Result<SecretValue> {
    match String::from_utf8(plain) {
        Ok(text) => Ok(SecretValue::new(text)),
        Err(e) => {
            drop(Zeroizing::new(e.into_bytes()));
            Err(Error::Crypto(
                "the opened value is not UTF-8 text; it was not written by VaultStore".into(),
            ))
        }
    }
}

impl Crypto {
    /// Keeps at most `max_cached_keys` keys that opened or sealed something; `vault` is
    /// the vault's own KDF parameters, the most the shared Argon2 buffer is sized for.
    pub(crate) fn new(max_cached_keys: usize, vault: KdfParams) -> Result<Self> {
        Ok(Self {
            cache: KeyCache::new(max_cached_keys, vault)?,
        })
    }

    /// Computes the password's cache fingerprint once for many seal/open calls.
    pub(crate) fn prepare<'p>(&self, password: &'p Password) -> PreparedPassword<'p> {
        PreparedPassword {
            password,
            fingerprint: self.cache.fingerprint(password),
        }
    }

    /// Seals `value` for the record `token` under `password` and the vault's settings.
    pub(crate) async fn seal(
        &self,
        value: &SecretValue,
        password: &PreparedPassword<'_>,
        token: &str,
        vault: VaultKdf,
    ) -> Result<String> {
        let master = self.master_key(password, vault.salt, vault.params).await?;
        let sealed = self.seal_with(&master, value, token, vault)?;
        self.confirm(password, vault.salt, vault.params, &master);
        Ok(sealed)
    }

    /// Seals with an already derived master key (no await: for tight loops).
    pub(crate) fn seal_with(
        &self,
        master: &Key,
        value: &SecretValue,
        token: &str,
        vault: VaultKdf,
    ) -> Result<String> {
        let record_salt = random_bytes::<RECORD_SALT_LEN>()?;
        // Random 96-bit nonce under a key used for this one record: NIST SP 800-38D §8.2.2.
        let nonce = random_bytes::<NONCE_LEN>()?;
        let header = envelope::v3_header(vault.params, &vault.salt, &record_salt, &nonce);
        let aad = v3_aad(&header, token);
        let sealed = record_cipher(master, &record_salt)?
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: value.expose().as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| Error::Crypto("encryption failed".into()))?;
        Ok(envelope::encode_v3(&header, &sealed))
    }

    /// Opens the envelope of record `token`. A wrong password and a tampered envelope
    /// give the same [`Error::InvalidPassword`].
    pub(crate) async fn open(
        &self,
        text: &str,
        password: &PreparedPassword<'_>,
        token: &str,
    ) -> Result<SecretValue> {
        self.open_or_cancel(text, password, token, None).await
    }

    /// [`Crypto::open`] that stops waiting for a key derivation when `cancel` fires.
    pub(crate) async fn open_or_cancel(
        &self,
        text: &str,
        password: &PreparedPassword<'_>,
        token: &str,
        cancel: Option<&Cancel>,
    ) -> Result<SecretValue> {
        let envelope = envelope::parse(text)?;
        let (salt, params) = key_slot(&envelope);
        let master = self
            .master_key_or_cancel(password, salt, params, cancel)
            .await?;
        let value = open_parsed(&master, envelope, token)?;
        self.confirm(password, salt, params, &master);
        Ok(value)
    }

    /// The key opened or sealed a record: keep it among the session's confirmed keys.
    pub(crate) fn confirm(
        &self,
        password: &PreparedPassword<'_>,
        salt: [u8; SALT_LEN],
        params: KdfParams,
        master: &Key,
    ) {
        self.cache
            .confirm(password.fingerprint, salt, params, master);
    }

    /// Keeps at most `max` confirmed keys from now on (the oldest beyond it forgotten).
    pub(crate) fn set_max_cached_keys(&self, max: usize) {
        self.cache.set_max_keys(max);
    }

    /// How many derived keys the session holds now.
    pub(crate) fn cached_keys(&self) -> usize {
        self.cache.len()
    }

    /// Opens the envelope of record `token` with a key this session already derived for
    /// the password `fingerprint` stands for: `Ok(None)` when there is none (the caller
    /// asks for the password). Never derives, so it is cheap.
    pub(crate) fn open_cached(
        &self,
        text: &str,
        fingerprint: Fingerprint,
        token: &str,
    ) -> Result<Option<SecretValue>> {
        let envelope = envelope::parse(text)?;
        let (salt, params) = key_slot(&envelope);
        let Some(master) = self.cache.cached(fingerprint, salt, params) else {
            return Ok(None);
        };
        let value = open_parsed(&master, envelope, token)?;
        self.cache.confirm(fingerprint, salt, params, &master);
        Ok(Some(value))
    }

    /// Tries every key this session derived for the envelope's settings (records sharing
    /// a password open without asking again); the value and the key's fingerprint.
    pub(crate) fn open_with_any_cached(
        &self,
        text: &str,
        token: &str,
    ) -> Result<Option<(SecretValue, Fingerprint)>> {
        let (salt, params) = envelope_key_slot(text)?;
        for (fingerprint, master) in self.cache.cached_for(salt, params) {
            match open_with(&master, text, token) {
                Ok(value) => {
                    self.cache.confirm(fingerprint, salt, params, &master);
                    return Ok(Some((value, fingerprint)));
                }
                Err(Error::InvalidPassword) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// The fingerprint that stands for `password` in this session's key cache.
    pub(crate) fn fingerprint(&self, password: &Password) -> Fingerprint {
        self.cache.fingerprint(password)
    }

    /// The master key for these settings, derived at most once per session (while it
    /// stays cached). Callers [`Crypto::confirm`] it once it opened or sealed a record.
    pub(crate) async fn master_key(
        &self,
        password: &PreparedPassword<'_>,
        salt: [u8; SALT_LEN],
        params: KdfParams,
    ) -> Result<Key> {
        self.master_key_or_cancel(password, salt, params, None)
            .await
    }

    /// [`Crypto::master_key`] that returns [`Error::Cancelled`] as soon as `cancel` fires,
    /// even in the middle of a derivation.
    pub(crate) async fn master_key_or_cancel(
        &self,
        password: &PreparedPassword<'_>,
        salt: [u8; SALT_LEN],
        params: KdfParams,
        cancel: Option<&Cancel>,
    ) -> Result<Key> {
        self.cache
            .get_or_derive(
                password.password,
                password.fingerprint,
                salt,
                params,
                cancel,
            )
            .await
    }

    /// Forgets every derived key (zeroizing them).
    pub(crate) fn lock(&self) {
        self.cache.clear();
    }

    /// How many Argon2 derivations this session has run.
    pub(crate) fn derivations(&self) -> u64 {
        self.cache.derivations()
    }
}

/// One derivation with a fresh buffer, on this thread (for the benchmark's ruler K).
pub(crate) fn derive_once(password: &[u8], salt: &[u8], params: KdfParams) -> Result<()> {
    kdf::Deriver::new(params)
        .derive(password, salt, params)
        .map(drop)
}

/// Checks that `text` is a well-formed envelope (v3, or the Go library's v2) without
/// opening it: what an import can verify without the password.
pub(crate) fn check_envelope(text: &str) -> Result<()> {
    envelope::parse(text).map(|_| ())
}

/// The (salt, parameters) whose master key opens this envelope.
fn key_slot(envelope: &Envelope) -> ([u8; SALT_LEN], KdfParams) {
    match envelope {
        Envelope::V3(env) => (env.kdf_salt, env.params),
        Envelope::V2(env) => (env.salt, V2_PARAMS),
    }
}

/// The KDF parameters a stored `v3:` envelope claims, read from its header without
/// deriving anything; `None` for `v2:` (fixed parameters) and unparsable values.
pub(crate) fn claimed_kdf_params(text: &str) -> Option<KdfParams> {
    envelope::claimed_v3_params(text)
}

/// The key slot of a stored envelope, so a caller can derive the keys a batch needs
/// before opening the batch synchronously (and in parallel) with [`open_with`].
pub(crate) fn envelope_key_slot(text: &str) -> Result<([u8; SALT_LEN], KdfParams)> {
    envelope::parse(text).map(|e| key_slot(&e))
}

/// Opens an envelope with its already derived master key (no await, no cache).
pub(crate) fn open_with(master: &Key, text: &str, token: &str) -> Result<SecretValue> {
    open_parsed(master, envelope::parse(text)?, token)
}

fn open_parsed(master: &Key, envelope: Envelope, token: &str) -> Result<SecretValue> {
    let plain = match envelope {
        Envelope::V3(env) => record_cipher(master, &env.record_salt)?.decrypt(
            &Nonce::from(env.nonce),
            Payload {
                msg: &env.sealed,
                aad: &v3_aad(&env.header, token),
            },
        ),
        // v2: the Argon2 output is the AES key itself, and there is no associated data.
        Envelope::V2(env) => Aes256Gcm::new_from_slice(&master[..])
            .map_err(|_| Error::Crypto("bad key length".into()))?
            .decrypt(&Nonce::from(env.nonce), env.sealed.as_slice()),
    };
    into_secret(plain.map_err(|_| Error::InvalidPassword)?)
}

/// Whether `text` looks like an envelope of the Go library's `v2:` format.
pub(crate) fn is_v2(text: &str) -> bool {
    text.starts_with("v2:")
}

#[cfg(test)]
mod tests;
