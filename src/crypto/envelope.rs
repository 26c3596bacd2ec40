//! Ciphertext envelopes: the self-describing `v3:` format written by this library and
//! the Go library's `v2:` format, read for compatibility.
//!
//! `v3:` + base64url (no padding) of
//! ```text
//! kdf_id(1) = 1 (Argon2id v1.3) | memory_kib(4, BE) | iterations(4, BE) | lanes(4, BE)
//! | kdf_salt(16) | record_salt(16) | gcm_nonce(12) | ciphertext | tag(16)
//! ```
//! The header (everything before the ciphertext) is authenticated as associated data,
//! together with the record's token, so neither the parameters nor the record it
//! belongs to can be changed without the tag failing.
//!
//! `v2:` + base64url (with padding) of `salt(16) | nonce(12) | ciphertext | tag(16)`,
//! Argon2id 64 MiB / 3 / 4, no associated data.

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};

use super::kdf::{KdfParams, SALT_LEN};
use crate::error::{Error, Result};

/// AES-GCM nonce length: 96 bits, NIST SP 800-38D §8.2.
pub(crate) const NONCE_LEN: usize = 12;
/// AES-GCM tag length: 128 bits, NIST SP 800-38D §5.2.1.2.
pub(crate) const TAG_LEN: usize = 16;
/// Salt of the per-record HKDF subkey.
pub(crate) const RECORD_SALT_LEN: usize = 16;

const V3_PREFIX: &str = "v3:";
const V2_PREFIX: &str = "v2:";
const KDF_ARGON2ID_13: u8 = 1;
/// Length of the v3 header.
pub(crate) const V3_HEADER_LEN: usize = 1 + 12 + SALT_LEN + RECORD_SALT_LEN + NONCE_LEN;

/// The Go library's fixed parameters (its `deriveKeyArgon2id`).
pub(crate) const V2_PARAMS: KdfParams = KdfParams::RFC9106_SECOND;

/// A parsed envelope of either version.
pub(crate) enum Envelope {
    V3(V3),
    V2(V2),
}

/// A parsed `v3:` envelope.
pub(crate) struct V3 {
    pub params: KdfParams,
    pub kdf_salt: [u8; SALT_LEN],
    pub record_salt: [u8; RECORD_SALT_LEN],
    pub nonce: [u8; NONCE_LEN],
    /// The raw header bytes, authenticated as associated data.
    pub header: Vec<u8>,
    /// Ciphertext followed by the tag.
    pub sealed: Vec<u8>,
}

/// A parsed `v2:` envelope.
pub(crate) struct V2 {
    pub salt: [u8; SALT_LEN],
    pub nonce: [u8; NONCE_LEN],
    /// Ciphertext followed by the tag.
    pub sealed: Vec<u8>,
}

fn damaged(why: &str) -> Error {
    Error::Crypto(format!(
        "the stored value is damaged or in an unknown format ({why}); restore it from a backup"
    ))
}

/// Builds the v3 header for the given parameters, salts and nonce.
pub(crate) fn v3_header(
    params: KdfParams,
    kdf_salt: &[u8; SALT_LEN],
    record_salt: &[u8; RECORD_SALT_LEN],
    nonce: &[u8; NONCE_LEN],
) -> Vec<u8> {
    let mut h = Vec::with_capacity(V3_HEADER_LEN);
    h.push(KDF_ARGON2ID_13);
    h.extend_from_slice(&params.memory_kib().to_be_bytes());
    h.extend_from_slice(&params.iterations().to_be_bytes());
    h.extend_from_slice(&params.lanes().to_be_bytes());
    h.extend_from_slice(kdf_salt);
    h.extend_from_slice(record_salt);
    h.extend_from_slice(nonce);
    h
}

/// Encodes a v3 envelope from its header and sealed bytes.
pub(crate) fn encode_v3(header: &[u8], sealed: &[u8]) -> String {
    let mut body = Vec::with_capacity(header.len() + sealed.len());
    body.extend_from_slice(header);
    body.extend_from_slice(sealed);
    let mut out = String::with_capacity(V3_PREFIX.len() + body.len().div_ceil(3) * 4);
    out.push_str(V3_PREFIX);
    URL_SAFE_NO_PAD.encode_string(&body, &mut out);
    out
}

/// Parses an envelope; the KDF parameters it claims are bounds-checked here, before
/// anything expensive happens.
pub(crate) fn parse(text: &str) -> Result<Envelope> {
    if let Some(body) = text.strip_prefix(V3_PREFIX) {
        parse_v3(body).map(Envelope::V3)
    } else if let Some(body) = text.strip_prefix(V2_PREFIX) {
        parse_v2(body).map(Envelope::V2)
    } else if text.len() >= 3 && text.as_bytes()[0] == b'v' && text.as_bytes()[2] == b':' {
        Err(damaged("unknown envelope version"))
    } else {
        Err(damaged(
            "no version prefix; legacy v1 values cannot be opened",
        ))
    }
}

/// The KDF parameters a `v3:` envelope claims, from its header alone: only the base64 of
/// the header is decoded, and nothing is derived. `None` for a `v2:` envelope (its
/// parameters are fixed by the format, see [`V2_PARAMS`]) and for anything unparsable.
pub(crate) fn claimed_v3_params(text: &str) -> Option<KdfParams> {
    // The header is 57 bytes, a multiple of 3, so its base64 is exactly 76 characters.
    const HEADER_CHARS: usize = V3_HEADER_LEN / 3 * 4;
    let head = text.strip_prefix(V3_PREFIX)?.get(..HEADER_CHARS)?;
    let bytes = URL_SAFE_NO_PAD.decode(head).ok()?;
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    if bytes.first() != Some(&KDF_ARGON2ID_13) {
        return None;
    }
    KdfParams::new(word(1)?, word(5)?, word(9)?).ok()
}

fn take<const N: usize>(bytes: &[u8], at: &mut usize) -> Result<[u8; N]> {
    let slice = bytes
        .get(*at..*at + N)
        .ok_or_else(|| damaged("too short"))?;
    *at += N;
    let mut out = [0u8; N];
    out.copy_from_slice(slice);
    Ok(out)
}

fn parse_v3(body: &str) -> Result<V3> {
    let bytes = URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| damaged("not valid base64url"))?;
    if bytes.len() < V3_HEADER_LEN + TAG_LEN {
        return Err(damaged("too short"));
    }
    let mut at = 0;
    let [kdf_id] = take::<1>(&bytes, &mut at)?;
    if kdf_id != KDF_ARGON2ID_13 {
        return Err(damaged("unknown key derivation function"));
    }
    let memory = u32::from_be_bytes(take::<4>(&bytes, &mut at)?);
    let iterations = u32::from_be_bytes(take::<4>(&bytes, &mut at)?);
    let lanes = u32::from_be_bytes(take::<4>(&bytes, &mut at)?);
    let params = KdfParams::new(memory, iterations, lanes)
        .map_err(|_| damaged("key derivation parameters out of bounds"))?;
    let kdf_salt = take::<SALT_LEN>(&bytes, &mut at)?;
    let record_salt = take::<RECORD_SALT_LEN>(&bytes, &mut at)?;
    let nonce = take::<NONCE_LEN>(&bytes, &mut at)?;
    Ok(V3 {
        params,
        kdf_salt,
        record_salt,
        nonce,
        header: bytes[..V3_HEADER_LEN].to_vec(),
        sealed: bytes[V3_HEADER_LEN..].to_vec(),
    })
}

fn parse_v2(body: &str) -> Result<V2> {
    // URL_SAFE requires canonical padding: the Go library always wrote it.
    let bytes = URL_SAFE
        .decode(body)
        .map_err(|_| damaged("not valid padded base64url"))?;
    if bytes.len() < SALT_LEN + NONCE_LEN + TAG_LEN {
        return Err(damaged("too short"));
    }
    let mut at = 0;
    let salt = take::<SALT_LEN>(&bytes, &mut at)?;
    let nonce = take::<NONCE_LEN>(&bytes, &mut at)?;
    Ok(V2 {
        salt,
        nonce,
        sealed: bytes[at..].to_vec(),
    })
}
