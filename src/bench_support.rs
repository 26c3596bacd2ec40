//! Hooks for the `vaultstore-bench` binary: the rulers it times against. Not a stable API.

use std::time::{Duration, Instant};

use crate::crypto::{self, Crypto, KdfParams};
use crate::error::Result;
use crate::secret::{Password, SecretValue};

/// Times one Argon2id derivation with `params` (the ruler K), on the calling thread, with
/// fresh memory as a new process would have. Lanes run on the current rayon pool.
pub fn time_derivation(params: KdfParams) -> Result<Duration> {
    let start = Instant::now();
    crypto::derive_once(b"benchmark-password-1", &[9u8; 16], params)?;
    Ok(start.elapsed())
}

/// The Go library's read path for one value: a fresh Argon2id derivation, then AES-GCM
/// (what every `v2:` read costs without a session key cache).
pub async fn seed_path_open(envelope: &str, password: &Password) -> Result<SecretValue> {
    let crypto = Crypto::new(crate::store::DEFAULT_MAX_CACHED_KEYS, KdfParams::default())?;
    crypto.open(envelope, &crypto.prepare(password), "").await
}
