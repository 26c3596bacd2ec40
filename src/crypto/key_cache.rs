//! The session key cache: master keys derived in this session, indexed by a keyed
//! fingerprint of the password (HMAC-SHA256 under a random per-process key), never by
//! the password itself. Concurrent requests for the same key wait for one derivation.
//!
//! Two bounded LRU sets. A freshly derived key is *unconfirmed*: it goes into a small
//! set of its own ([`UNCONFIRMED_KEYS`]). It moves into the main set, bounded by the
//! store's `max_cached_keys`, once it sealed or opened a record. So wrong passwords never
//! grow (nor evict from) the main set, yet a wrong password checked against many records
//! (the "old or new password?" checks after a crash, or a user retrying) still derives
//! once while it stays among the last few tried.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use tokio::sync::OnceCell;
use zeroize::Zeroizing;

use super::kdf::{Deriver, KdfParams, Key, SALT_LEN};
use crate::error::{Error, Result};
use crate::progress::Cancel;
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

/// Most unconfirmed keys kept (least recently used forgotten first). A handful covers
/// "old or new password?" checks and a user's retries; more would only keep wrong
/// passwords' keys in memory longer.
pub(crate) const UNCONFIRMED_KEYS: usize = 8;

/// A cached key and when it was last used (a counter, for eviction order).
struct Entry {
    cell: Cell,
    used: u64,
}

/// One bounded set of keys; past `cap` the least recently used is forgotten (zeroized
/// once no caller holds it).
struct Lru {
    map: HashMap<Slot, Entry>,
    cap: usize,
}

impl Lru {
    fn new(cap: usize) -> Self {
        Self {
            map: HashMap::new(),
            cap,
        }
    }

    fn get(&mut self, slot: &Slot, now: u64) -> Option<Cell> {
        let entry = self.map.get_mut(slot)?;
        entry.used = now;
        Some(entry.cell.clone())
    }

    fn insert(&mut self, slot: Slot, cell: Cell, now: u64) {
        self.map.remove(&slot);
        self.shrink_to(self.cap.saturating_sub(1));
        self.map.insert(slot, Entry { cell, used: now });
    }

    fn shrink_to(&mut self, len: usize) {
        while self.map.len() > len {
            let oldest = self.map.iter().min_by_key(|(_, e)| e.used).map(|(s, _)| *s);
            match oldest {
                Some(oldest) => self.map.remove(&oldest),
                None => break,
            };
        }
    }

    fn keys(&self) -> impl Iterator<Item = (&Slot, &Key)> {
        self.map
            .iter()
            .filter_map(|(slot, e)| Some((slot, e.cell.get()?)))
    }
}

struct Slots {
    /// Keys that sealed or opened a record: at most the store's `max_cached_keys`.
    confirmed: Lru,
    /// Keys derived but not (yet) known to open anything: at most [`UNCONFIRMED_KEYS`].
    unconfirmed: Lru,
    clock: u64,
}

impl Slots {
    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// The cell for `slot`: a cached one, or a new empty one among the unconfirmed.
    fn touch(&mut self, slot: Slot) -> Cell {
        let now = self.tick();
        if let Some(cell) = self.confirmed.get(&slot, now) {
            return cell;
        }
        if let Some(cell) = self.unconfirmed.get(&slot, now) {
            return cell;
        }
        let cell = Cell::default();
        self.unconfirmed.insert(slot, cell.clone(), now);
        cell
    }

    fn cached(&mut self, slot: &Slot) -> Option<Key> {
        let now = self.tick();
        let cell = self
            .confirmed
            .get(slot, now)
            .or_else(|| self.unconfirmed.get(slot, now))?;
        cell.get().cloned()
    }

    /// `key` opened or sealed a record: it belongs in the main set.
    fn confirm(&mut self, slot: Slot, key: &Key) {
        let now = self.tick();
        if self.confirmed.get(&slot, now).is_some() {
            return;
        }
        let cell = self
            .unconfirmed
            .map
            .remove(&slot)
            .map(|e| e.cell)
            .filter(|cell| cell.initialized())
            .unwrap_or_else(|| Arc::new(OnceCell::new_with(Some(key.clone()))));
        self.confirmed.insert(slot, cell, now);
    }
}

pub(crate) struct KeyCache {
    fingerprint_key: Zeroizing<[u8; 32]>,
    slots: Mutex<Slots>,
    deriver: Arc<Deriver>,
    derivations: Arc<AtomicU64>,
}

impl KeyCache {
    /// A cache keeping at most `max_keys` confirmed keys, deriving with a shared buffer
    /// sized for `vault` (the vault's own parameters).
    pub(crate) fn new(max_keys: usize, vault: KdfParams) -> Result<Self> {
        Ok(Self {
            fingerprint_key: Zeroizing::new(super::random_bytes::<32>()?),
            slots: Mutex::new(Slots {
                confirmed: Lru::new(max_keys.max(1)),
                unconfirmed: Lru::new(UNCONFIRMED_KEYS),
                clock: 0,
            }),
            deriver: Arc::new(Deriver::new(vault)),
            derivations: Arc::default(),
        })
    }

    pub(crate) fn fingerprint(&self, password: &Password) -> Fingerprint {
        let fingerprint = self.hmac(password);
        crate::secret::wipe_stack();
        fingerprint
    }

    /// Out of line, so `wipe_stack` after it covers the HMAC state it left on the stack.
    #[inline(never)]
    fn hmac(&self, password: &Password) -> Fingerprint {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.fingerprint_key[..])
            .unwrap_or_else(|_| unreachable_hmac());
        mac.update(password.expose().as_bytes());
        Fingerprint(mac.finalize().into_bytes().into())
    }

    /// The key for these settings, derived on a blocking thread unless cached. When
    /// `cancel` fires first this returns [`Error::Cancelled`] at once: Argon2 cannot be
    /// interrupted, so the abandoned derivation finishes in the background and its key is
    /// dropped (zeroized) unused.
    pub(crate) async fn get_or_derive(
        &self,
        password: &Password,
        fingerprint: Fingerprint,
        salt: [u8; SALT_LEN],
        params: KdfParams,
        cancel: Option<&Cancel>,
    ) -> Result<Key> {
        if cancel.is_some_and(Cancel::is_cancelled) {
            return Err(Error::Cancelled);
        }
        let slot = Slot {
            fingerprint,
            salt,
            params,
        };
        let cell: Cell = self.lock().touch(slot);
        let init = cell.get_or_try_init(|| async {
            let pw = Zeroizing::new(password.expose().as_bytes().to_vec());
            let deriver = Arc::clone(&self.deriver);
            let counter = Arc::clone(&self.derivations);
            tokio::task::spawn_blocking(move || {
                counter.fetch_add(1, Ordering::Relaxed);
                let key = deriver.derive(&pw, &salt, params);
                crate::secret::wipe_stack();
                key
            })
            .await
            .map_err(|_| Error::Crypto("the key derivation task was aborted".into()))?
        });
        let key = match cancel {
            None => init.await?,
            Some(cancel) => tokio::select! {
                biased;
                key = init => key?,
                () = cancel.cancelled() => return Err(Error::Cancelled),
            },
        };
        Ok(key.clone())
    }

    /// Moves the key of this slot into the main set: it opened or sealed a record.
    pub(crate) fn confirm(
        &self,
        fingerprint: Fingerprint,
        salt: [u8; SALT_LEN],
        params: KdfParams,
        key: &Key,
    ) {
        let slot = Slot {
            fingerprint,
            salt,
            params,
        };
        self.lock().confirm(slot, key);
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
        self.lock().cached(&slot)
    }

    /// How many confirmed keys are cached now (unconfirmed ones are not counted).
    pub(crate) fn len(&self) -> usize {
        self.lock().confirmed.map.len()
    }

    /// How many unconfirmed keys are kept now.
    #[cfg(test)]
    pub(crate) fn unconfirmed_len(&self) -> usize {
        self.lock().unconfirmed.map.len()
    }

    /// Keeps at most `max_keys` confirmed keys from now on, forgetting the least
    /// recently used ones beyond it at once.
    pub(crate) fn set_max_keys(&self, max_keys: usize) {
        let mut slots = self.lock();
        slots.confirmed.cap = max_keys.max(1);
        slots.confirmed.shrink_to(max_keys.max(1));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slots> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every key this session derived for these settings, with its fingerprint: the
    /// confirmed ones first.
    pub(crate) fn cached_for(
        &self,
        salt: [u8; SALT_LEN],
        params: KdfParams,
    ) -> Vec<(Fingerprint, Key)> {
        let slots = self.lock();
        slots
            .confirmed
            .keys()
            .chain(slots.unconfirmed.keys())
            .filter(|(slot, _)| slot.salt == salt && slot.params == params)
            .map(|(slot, key)| (slot.fingerprint, key.clone()))
            .collect()
    }

    pub(crate) fn clear(&self) {
        // Dropping the cells drops the keys, whose Zeroizing wrapper wipes them.
        let mut slots = self.lock();
        slots.confirmed.map.clear();
        slots.unconfirmed.map.clear();
    }

    pub(crate) fn derivations(&self) -> u64 {
        self.derivations.load(Ordering::Relaxed)
    }

    #[cfg(test)]
    pub(crate) fn deriver(&self) -> &Deriver {
        &self.deriver
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

    const SALT: [u8; SALT_LEN] = [7u8; SALT_LEN];

    fn passwords(n: usize, kind: &str) -> Vec<Password> {
        (0..n)
            .map(|i| Password::new(format!("{kind} password number {i}")))
            .collect()
    }

    /// Derives (and, when `opens`, confirms as a record opener) the key of `p`.
    async fn use_key(cache: &KeyCache, p: &Password, opens: bool) {
        let (fp, params) = (cache.fingerprint(p), KdfParams::MINIMUM);
        let key = cache
            .get_or_derive(p, fp, SALT, params, None)
            .await
            .unwrap();
        if opens {
            cache.confirm(fp, SALT, params, &key);
        }
    }

    fn is_cached(cache: &KeyCache, p: &Password) -> bool {
        cache
            .cached(cache.fingerprint(p), SALT, KdfParams::MINIMUM)
            .is_some()
    }

    #[tokio::test]
    async fn the_cache_keeps_the_configured_number_of_most_recently_used_keys() {
        let max = 5;
        let cache = KeyCache::new(max, KdfParams::MINIMUM).unwrap();
        let passwords = passwords(max + 1, "right");
        for p in &passwords {
            use_key(&cache, p, true).await;
        }
        assert_eq!(cache.len(), max, "bounded by the option");
        assert!(!is_cached(&cache, &passwords[0]), "oldest forgotten first");
        assert!(is_cached(&cache, &passwords[max]), "newest kept");
    }

    #[tokio::test]
    async fn wrong_passwords_leave_the_main_cache_alone_and_their_own_set_bounded() {
        let cache = KeyCache::new(4, KdfParams::MINIMUM).unwrap();
        let right = passwords(2, "right");
        for p in &right {
            use_key(&cache, p, true).await;
        }
        let wrong = passwords(UNCONFIRMED_KEYS + 3, "wrong");
        for p in &wrong {
            use_key(&cache, p, false).await;
        }
        assert_eq!(cache.len(), 2, "the main cache did not grow");
        assert!(right.iter().all(|p| is_cached(&cache, p)), "nor lose keys");
        assert_eq!(cache.unconfirmed_len(), UNCONFIRMED_KEYS, "bounded");
        assert!(!is_cached(&cache, &wrong[0]), "oldest wrong key forgotten");
        let derived = cache.derivations();
        let last = &wrong[wrong.len() - 1];
        for _ in 0..3 {
            use_key(&cache, last, false).await;
        }
        assert_eq!(cache.derivations(), derived, "a recent wrong key is reused");
    }

    #[tokio::test]
    async fn lowering_the_bound_forgets_the_oldest_keys_at_once() {
        let cache = KeyCache::new(4, KdfParams::MINIMUM).unwrap();
        let passwords = passwords(4, "right");
        for p in &passwords {
            use_key(&cache, p, true).await;
        }
        cache.set_max_keys(2);
        assert_eq!(cache.len(), 2);
        assert!(!is_cached(&cache, &passwords[1]) && is_cached(&cache, &passwords[3]));
    }

    #[tokio::test]
    async fn cancelling_returns_while_the_costly_derivation_still_runs() {
        let cache = Arc::new(KeyCache::new(4, KdfParams::MINIMUM).unwrap());
        // 128 MiB × 4 passes: far longer than noticing the cancel takes.
        let costly = KdfParams::new(128 * 1024, 4, 1).unwrap();
        let cancel = Cancel::new();
        let canceller = {
            let (cache, cancel) = (Arc::clone(&cache), cancel.clone());
            tokio::spawn(async move {
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
                while cache.deriver().running() == 0 && std::time::Instant::now() < deadline {
                    tokio::task::yield_now().await;
                }
                cancel.cancel();
            })
        };
        let p = Password::new("costly password");
        let fp = cache.fingerprint(&p);
        let result = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            cache.get_or_derive(&p, fp, SALT, costly, Some(&cancel)),
        )
        .await
        .unwrap();
        assert!(matches!(result, Err(Error::Cancelled)), "cancelled");
        assert_eq!(
            cache.deriver().running(),
            1,
            "returned before the derivation finished"
        );
        canceller.await.unwrap();
        assert!(cache.cached(fp, SALT, costly).is_none(), "no key kept");
    }
}
