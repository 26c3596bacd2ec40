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

pub(crate) struct KeyCache {
    fingerprint_key: Zeroizing<[u8; 32]>,
    slots: Mutex<HashMap<Slot, Cell>>,
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
        let cell: Cell = {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            slots.entry(slot).or_default().clone()
        };
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
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots.get(&slot).and_then(|cell| cell.get().cloned())
    }

    /// Every key this session derived for these settings, with its fingerprint.
    pub(crate) fn cached_for(
        &self,
        salt: [u8; SALT_LEN],
        params: KdfParams,
    ) -> Vec<(Fingerprint, Key)> {
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        slots
            .iter()
            .filter(|(slot, _)| slot.salt == salt && slot.params == params)
            .filter_map(|(slot, cell)| Some((slot.fingerprint, cell.get()?.clone())))
            .collect()
    }

    pub(crate) fn clear(&self) {
        // Dropping the cells drops the keys, whose Zeroizing wrapper wipes them.
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).clear();
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
