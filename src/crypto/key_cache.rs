//! The session key cache: master keys derived in this session, indexed by a keyed
//! fingerprint of the password (HMAC-SHA256 under a random per-process key), never by
//! the password itself. Concurrent requests for the same key wait for one derivation.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tokio::sync::OnceCell;
use zeroize::Zeroizing;

use super::kdf::{Deriver, KdfParams, Key, SALT_LEN};
use crate::error::{Error, Result};
use crate::secret::Password;

/// HMAC of a password under the cache's random key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Fingerprint([u8; 32]);

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Slot {
    fingerprint: Fingerprint,
    salt: [u8; SALT_LEN],
    params: KdfParams,
}

type Cell = Arc<OnceCell<Key>>;

/// Most keys kept at once; past it the least recently used is forgotten (zeroized). A
/// vault normally needs one per password in use; a bulk change of many distinct salts
/// derives again what it evicted, never fails.
pub(crate) const MAX_CACHED_KEYS: usize = 64;

/// A cached key and when it was last used (a counter, for eviction order).
struct Entry {
    cell: Cell,
    used: u64,
}

#[derive(Default)]
struct Slots {
    map: HashMap<Slot, Entry>,
    clock: u64,
}

impl Slots {
    fn touch(&mut self, slot: Slot) -> Cell {
        self.clock += 1;
        let used = self.clock;
        if !self.map.contains_key(&slot) && self.map.len() >= MAX_CACHED_KEYS {
            let oldest = self.map.iter().min_by_key(|(_, e)| e.used).map(|(s, _)| *s);
            if let Some(oldest) = oldest {
                self.map.remove(&oldest);
            }
        }
        let entry = self.map.entry(slot).or_insert_with(|| Entry {
            cell: Cell::default(),
            used,
        });
        entry.used = used;
        entry.cell.clone()
    }
}

pub(crate) struct KeyCache {
    fingerprint_key: Zeroizing<[u8; 32]>,
    slots: Mutex<Slots>,
    deriver: Arc<Deriver>,
    derivations: Arc<AtomicU64>,
}

impl KeyCache {
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            fingerprint_key: Zeroizing::new(super::random_bytes::<32>()?),
            slots: Mutex::default(),
            deriver: Arc::default(),
            derivations: Arc::default(),
        })
    }

    pub(crate) fn fingerprint(&self, password: &Password) -> Fingerprint {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.fingerprint_key[..])
            .unwrap_or_else(|_| unreachable_hmac());
        mac.update(password.expose().as_bytes());
        Fingerprint(mac.finalize().into_bytes().into())
    }

    pub(crate) async fn get_or_derive(
        &self,
        password: &Password,
        fingerprint: Fingerprint,
        salt: [u8; SALT_LEN],
        params: KdfParams,
    ) -> Result<Key> {
        let slot = Slot {
            fingerprint,
            salt,
            params,
        };
        let cell: Cell = self.lock().touch(slot);
        let key = cell
            .get_or_try_init(|| async {
                let pw = Zeroizing::new(password.expose().as_bytes().to_vec());
                let deriver = Arc::clone(&self.deriver);
                let counter = Arc::clone(&self.derivations);
                tokio::task::spawn_blocking(move || {
                    counter.fetch_add(1, Ordering::Relaxed);
                    deriver.derive(&pw, &salt, params)
                })
                .await
                .map_err(|_| Error::Crypto("the key derivation task was aborted".into()))?
            })
            .await?;
        Ok(key.clone())
    }

    /// The key of a slot if this session derived it already (never derives).
    pub(crate) fn cached(
        &self,
        fingerprint: Fingerprint,
        salt: [u8; SALT_LEN],
        params: KdfParams,
    ) -> Option<Key> {
        let slot = Slot {
            fingerprint,
            salt,
            params,
        };
        let slots = self.lock();
        slots.map.get(&slot).and_then(|e| e.cell.get().cloned())
    }

    /// How many keys are cached now.
    pub(crate) fn len(&self) -> usize {
        self.lock().map.len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every key this session derived for these settings, with its fingerprint.
    pub(crate) fn cached_for(
        &self,
        salt: [u8; SALT_LEN],
        params: KdfParams,
    ) -> Vec<(Fingerprint, Key)> {
        self.lock()
            .map
            .iter()
            .filter(|(slot, _)| slot.salt == salt && slot.params == params)
            .filter_map(|(slot, e)| Some((slot.fingerprint, e.cell.get()?.clone())))
            .collect()
    }

    pub(crate) fn clear(&self) {
        // Dropping the cells drops the keys, whose Zeroizing wrapper wipes them.
        self.lock().map.clear();
    }

    pub(crate) fn derivations(&self) -> u64 {
        self.derivations.load(Ordering::Relaxed)
    }
}

/// HMAC accepts keys of any length, so `new_from_slice` cannot fail for a 32-byte key.
#[cold]
fn unreachable_hmac() -> Hmac<Sha256> {
    // A fixed key is never used in practice; returning one keeps this path panic-free.
    <Hmac<Sha256> as KeyInit>::new(&Default::default())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests fail by panicking")]

    use super::*;

    #[tokio::test]
    async fn the_cache_keeps_the_most_recently_used_keys_only() {
        let cache = KeyCache::new().unwrap();
        let salt = [7u8; SALT_LEN];
        let params = KdfParams::MINIMUM;
        let passwords: Vec<Password> = (0..=MAX_CACHED_KEYS)
            .map(|n| Password::new(format!("password number {n}")))
            .collect();
        for p in &passwords {
            let fp = cache.fingerprint(p);
            cache.get_or_derive(p, fp, salt, params).await.unwrap();
        }
        assert_eq!(cache.len(), MAX_CACHED_KEYS, "bounded");
        let first = cache.fingerprint(&passwords[0]);
        assert!(
            cache.cached(first, salt, params).is_none(),
            "oldest forgotten first"
        );
        let last = cache.fingerprint(&passwords[MAX_CACHED_KEYS]);
        assert!(cache.cached(last, salt, params).is_some(), "newest kept");
    }
}
