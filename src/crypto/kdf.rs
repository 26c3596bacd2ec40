//! Argon2id key derivation: parameters, their bounds, and the derivation itself.
//!
//! Bounds apply both to what a caller configures and to what an envelope claims, so a
//! tampered row cannot make the app allocate gigabytes or spin for minutes.

use std::sync::Mutex;

use argon2::{Algorithm, Argon2, Block, Params, Version};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

/// Length of a derived key: AES-256 (FIPS 197).
pub(crate) const KEY_LEN: usize = 32;
/// Salt length, RFC 9106 §3.1 recommends 16 bytes.
pub(crate) const SALT_LEN: usize = 16;

/// A derived 256-bit key, zeroized on drop.
pub(crate) type Key = Zeroizing<[u8; KEY_LEN]>;

/// Argon2id cost parameters (RFC 9106).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KdfParams {
    memory_kib: u32,
    iterations: u32,
    lanes: u32,
}

impl KdfParams {
    /// Least memory accepted: 19 MiB, OWASP's floor for Argon2id.
    pub const MIN_MEMORY_KIB: u32 = 19 * 1024;
    /// Most memory accepted: 1 GiB, what Bitwarden allows; more would stall a desktop.
    pub const MAX_MEMORY_KIB: u32 = 1024 * 1024;
    /// Fewest passes accepted (OWASP's floor at 19 MiB).
    pub const MIN_ITERATIONS: u32 = 2;
    /// Most passes accepted.
    pub const MAX_ITERATIONS: u32 = 10;
    /// Most lanes accepted.
    pub const MAX_LANES: u32 = 16;

    /// RFC 9106 §4, second recommended option: 64 MiB, 3 passes, 4 lanes. The default.
    pub const RFC9106_SECOND: Self = Self {
        memory_kib: 64 * 1024,
        iterations: 3,
        lanes: 4,
    };

    /// The weakest parameters accepted (19 MiB, 2 passes, 1 lane): for tests and for
    /// vaults on very small machines. Still OWASP-compliant.
    pub const MINIMUM: Self = Self {
        memory_kib: Self::MIN_MEMORY_KIB,
        iterations: Self::MIN_ITERATIONS,
        lanes: 1,
    };

    /// Validated parameters; out-of-bounds values give `invalid_input` naming the bound.
    pub fn new(memory_kib: u32, iterations: u32, lanes: u32) -> Result<Self> {
        let check = |field: &'static str, v: u32, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(Error::invalid(
                    field,
                    format!("{v} is outside the accepted range {lo}..={hi}"),
                ))
            }
        };
        check(
            "kdf memory (KiB)",
            memory_kib,
            Self::MIN_MEMORY_KIB,
            Self::MAX_MEMORY_KIB,
        )?;
        check(
            "kdf iterations",
            iterations,
            Self::MIN_ITERATIONS,
            Self::MAX_ITERATIONS,
        )?;
        check("kdf lanes", lanes, 1, Self::MAX_LANES)?;
        Ok(Self {
            memory_kib,
            iterations,
            lanes,
        })
    }

    /// Memory cost in KiB.
    pub fn memory_kib(&self) -> u32 {
        self.memory_kib
    }

    /// Number of passes.
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    /// Degree of parallelism.
    pub fn lanes(&self) -> u32 {
        self.lanes
    }

    /// The time a derivation takes, in units of one KiB filled once: memory × passes.
    /// Lanes are left out on purpose: they split the same memory between threads, so they
    /// add no sequential work (and on a small machine add nothing at all).
    pub(crate) fn sequential_cost(&self) -> u64 {
        u64::from(self.memory_kib) * u64::from(self.iterations)
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::RFC9106_SECOND
    }
}

/// Runs Argon2id, reusing one memory buffer between derivations: allocating and
/// faulting in 64 MiB costs a noticeable share of a derivation. Holding the buffer's lock
/// for the whole derivation also bounds peak memory to one buffer per store.
#[derive(Default)]
pub(crate) struct Deriver {
    memory: Mutex<Vec<Block>>,
}

impl Deriver {
    /// Derives a key; blocking and CPU-heavy: call it from `spawn_blocking`.
    pub(crate) fn derive(&self, password: &[u8], salt: &[u8], params: KdfParams) -> Result<Key> {
        let argon_params = Params::new(
            params.memory_kib,
            params.iterations,
            params.lanes,
            Some(KEY_LEN),
        )
        .map_err(|e| Error::Crypto(format!("unusable key derivation parameters: {e}")))?;
        let blocks = argon_params.block_count();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
        let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        if memory.len() < blocks {
            memory.resize(blocks, Block::new());
        }
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        let result = argon.hash_password_into_with_memory(
            password,
            salt,
            &mut key[..],
            &mut memory[..blocks],
        );
        // The blocks hold password-dependent state; argon2 leaves them as they are.
        memory[..blocks].iter_mut().for_each(Zeroize::zeroize);
        result.map_err(|e| Error::Crypto(format!("key derivation failed: {e}")))?;
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_outside_the_bounds_are_rejected() {
        assert!(KdfParams::new(8 * 1024, 3, 4).is_err());
        assert!(KdfParams::new(64 * 1024, 1, 4).is_err());
        assert!(KdfParams::new(64 * 1024, 3, 0).is_err());
        assert!(KdfParams::new(2 * 1024 * 1024, 3, 4).is_err());
        assert_eq!(KdfParams::new(65536, 3, 4).unwrap(), KdfParams::default());
    }

    #[test]
    fn derivation_is_deterministic_across_buffer_reuse() {
        // Same inputs give the same key across buffer reuse, different salts differ.
        let d = Deriver::default();
        let a = d
            .derive(b"password", &[1u8; 16], KdfParams::MINIMUM)
            .unwrap();
        let b = d
            .derive(b"password", &[1u8; 16], KdfParams::MINIMUM)
            .unwrap();
        let c = d
            .derive(b"password", &[2u8; 16], KdfParams::MINIMUM)
            .unwrap();
        assert_eq!(*a, *b);
        assert_ne!(*a, *c);
    }
}
