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
/// faulting in 64 MiB costs a noticeable share of a derivation.
///
/// Only derivations no costlier than the vault's own parameters (memory and memory ×
/// passes) use the shared buffer, under its lock. A costlier one (an imported record
/// claiming 1 GiB × 10 passes) allocates its own buffer, wipes and frees it after: the
/// shared buffer never grows past the vault's size, and the costly derivation never holds
/// the lock, so reveals of ordinary records proceed meanwhile.
pub(crate) struct Deriver {
    /// The vault's own parameters: the most the shared buffer serves.
    shared_limit: KdfParams,
    memory: Mutex<Vec<Block>>,
    /// Derivations filling their memory now, counted once they hold their buffer (test
    /// hooks: "the abandoned one still runs", "the costly one holds what it would lock").
    #[cfg(test)]
    running: std::sync::atomic::AtomicUsize,
}

impl Deriver {
    /// A deriver whose shared buffer serves derivations up to `vault`'s cost.
    pub(crate) fn new(vault: KdfParams) -> Self {
        Self {
            shared_limit: vault,
            memory: Mutex::default(),
            #[cfg(test)]
            running: std::sync::atomic::AtomicUsize::new(0),
        }
    }

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
        let shared = params.memory_kib <= self.shared_limit.memory_kib
            && params.sequential_cost() <= self.shared_limit.sequential_cost();
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        let result = if shared {
            let mut memory = self.memory.lock().unwrap_or_else(|p| p.into_inner());
            let len = memory.len();
            if len < blocks {
                // Exact: amortised growth could leave the buffer larger than the vault's.
                memory.reserve_exact(blocks - len);
                memory.resize(blocks, Block::new());
            }
            #[cfg(test)]
            let _running = Running::start(&self.running);
            fill(&argon, password, salt, &mut key, &mut memory[..blocks])
        } else {
            let mut own = Vec::new();
            own.try_reserve_exact(blocks).map_err(|_| {
                Error::Crypto(format!(
                    "not enough memory for a key derivation of {} KiB",
                    params.memory_kib
                ))
            })?;
            own.resize(blocks, Block::new());
            #[cfg(test)]
            let _running = Running::start(&self.running);
            fill(&argon, password, salt, &mut key, &mut own)
        };
        result.map_err(|e| Error::Crypto(format!("key derivation failed: {e}")))?;
        Ok(key)
    }

    /// How many blocks the shared buffer can hold now (tests: it never outgrows the vault).
    #[cfg(test)]
    pub(crate) fn shared_capacity(&self) -> usize {
        self.memory
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .capacity()
    }

    /// How many derivations are running now.
    #[cfg(test)]
    pub(crate) fn running(&self) -> usize {
        self.running.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Runs Argon2id over `memory`, then wipes it: the blocks hold password-dependent state
/// and argon2 leaves them as they are.
fn fill(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    key: &mut Key,
    memory: &mut [Block],
) -> std::result::Result<(), argon2::Error> {
    let result = argon.hash_password_into_with_memory(password, salt, &mut key[..], &mut *memory);
    memory.iter_mut().for_each(Zeroize::zeroize);
    result
}

/// Counts a running derivation until dropped (on every path out of `derive`).
#[cfg(test)]
struct Running<'a>(&'a std::sync::atomic::AtomicUsize);

#[cfg(test)]
impl<'a> Running<'a> {
    fn start(counter: &'a std::sync::atomic::AtomicUsize) -> Self {
        counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Self(counter)
    }
}

#[cfg(test)]
impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
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
        let d = Deriver::new(KdfParams::MINIMUM);
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

    /// Costlier than the tests' vault (19 MiB × 2), yet bounded: 64 MiB × 3 passes.
    fn costly() -> KdfParams {
        KdfParams::new(64 * 1024, 3, 1).unwrap()
    }

    #[test]
    fn a_costly_derivation_leaves_the_shared_buffer_at_the_vaults_size() {
        let d = Deriver::new(KdfParams::MINIMUM);
        d.derive(b"password", &[1u8; 16], KdfParams::MINIMUM)
            .unwrap();
        let vault_blocks = d.shared_capacity();
        assert!(vault_blocks >= KdfParams::MIN_MEMORY_KIB as usize);
        d.derive(b"password", &[1u8; 16], costly()).unwrap();
        assert_eq!(
            d.shared_capacity(),
            vault_blocks,
            "the costly derivation used its own buffer"
        );
    }

    #[test]
    fn a_vault_size_derivation_completes_while_a_costly_one_runs() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        let d = Arc::new(Deriver::new(KdfParams::MINIMUM));
        let costly_done = Arc::new(AtomicBool::new(false));
        let worker = {
            let (d, done) = (Arc::clone(&d), Arc::clone(&costly_done));
            std::thread::spawn(move || {
                d.derive(b"costly", &[3u8; 16], costly()).unwrap();
                done.store(true, Ordering::SeqCst);
            })
        };
        // Wait until the costly derivation holds its buffer (the shared one's lock, if it
        // still took that).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while d.running() == 0 && std::time::Instant::now() < deadline {
            std::thread::yield_now();
        }
        assert_eq!(d.running(), 1, "the costly derivation started");
        d.derive(b"vault", &[4u8; 16], KdfParams::MINIMUM).unwrap();
        assert!(
            !costly_done.load(Ordering::SeqCst),
            "the vault-size derivation waited for the costly one"
        );
        worker.join().unwrap();
    }
}
