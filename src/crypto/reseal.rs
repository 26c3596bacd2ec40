//! Sealing many values under one password (an import) and re-sealing many envelopes from
//! one password to another (a password change): the store hands over values or sealed
//! values and gets sealed values back, never holding a derived key.

use std::collections::HashMap;

use rayon::prelude::*;

use super::{Crypto, KdfParams, Key, PreparedPassword, SALT_LEN, VaultKdf};
use crate::error::{Error, Result};
use crate::progress::Cancel;
use crate::secret::{Password, SecretValue};

type KeySlot = ([u8; SALT_LEN], KdfParams);

/// Re-seals batches of envelopes that open with an old password under a new one. Argon2
/// runs once for the new password and once per distinct salt of the old one.
pub(crate) struct Resealer<'p> {
    crypto: &'p Crypto,
    old: PreparedPassword<'p>,
    new: PreparedPassword<'p>,
    new_key: Key,
    vault: VaultKdf,
    old_keys: HashMap<KeySlot, Key>,
    refuse_v2: bool,
}

/// Seals many values under one password with one key derivation.
pub(crate) struct BatchSealer<'p> {
    crypto: &'p Crypto,
    key: Key,
    vault: VaultKdf,
}

impl BatchSealer<'_> {
    /// Seals `value` for the record `token` (no await: for tight loops).
    pub(crate) fn seal(&self, value: &SecretValue, token: &str) -> Result<String> {
        self.crypto.seal_with(&self.key, value, token, self.vault)
    }
}

impl Crypto {
    /// A sealer for many values under `password` and the vault's current settings; the
    /// derivation stops being waited for when `cancel` fires.
    pub(crate) async fn batch_sealer(
        &self,
        password: &Password,
        vault: VaultKdf,
        cancel: &Cancel,
    ) -> Result<BatchSealer<'_>> {
        let prepared = self.prepare(password);
        let key = self
            .master_key_or_cancel(&prepared, vault.salt, vault.params, Some(cancel))
            .await?;
        // The key is about to seal records under this password.
        self.confirm(&prepared, vault.salt, vault.params, &key);
        Ok(BatchSealer {
            crypto: self,
            key,
            vault,
        })
    }

    /// A resealer from `old` to `new`, sealing under the vault's current settings.
    pub(crate) async fn resealer<'p>(
        &'p self,
        old: &'p Password,
        new: &'p Password,
        vault: VaultKdf,
        cancel: &Cancel,
    ) -> Result<Resealer<'p>> {
        let new = self.prepare(new);
        let new_key = self
            .master_key_or_cancel(&new, vault.salt, vault.params, Some(cancel))
            .await?;
        Ok(Resealer {
            crypto: self,
            old: self.prepare(old),
            new,
            new_key,
            vault,
            old_keys: HashMap::new(),
            refuse_v2: false,
        })
    }
}

impl Resealer<'_> {
    /// With `refuse`, leaves every `v2:` envelope as it is (a vault that retired v2).
    pub(crate) fn refusing_v2(mut self, refuse: bool) -> Self {
        self.refuse_v2 = refuse;
        self
    }

    /// Derives the old password's key for every salt among `envelopes` not derived yet
    /// (normally only the vault's one). A password change calls it over the whole vault
    /// before its write transaction, so Argon2 does not run while the rows are locked.
    /// Returns [`Error::Cancelled`] as soon as `cancel` fires, even mid-derivation.
    pub(crate) async fn derive_for(&mut self, envelopes: &[&str], cancel: &Cancel) -> Result<()> {
        for envelope in envelopes {
            if self.refuse_v2 && super::is_v2(envelope) {
                continue;
            }
            if let Ok(slot) = super::envelope_key_slot(envelope)
                && !self.old_keys.contains_key(&slot)
            {
                let key = self
                    .crypto
                    .master_key_or_cancel(&self.old, slot.0, slot.1, Some(cancel))
                    .await?;
                self.old_keys.insert(slot, key);
            }
        }
        Ok(())
    }

    /// For each `(token, envelope)`: the envelope re-sealed under the new password, or
    /// `None` when it does not open with the old one (another password's record, or a
    /// value nothing can open), which a password change leaves as it is.
    pub(crate) async fn reseal(
        &mut self,
        batch: &[(&str, &str)],
        cancel: &Cancel,
    ) -> Result<Vec<Option<String>>> {
        // Keys for salts the pre-pass did not see (a record written since) first...
        let envelopes: Vec<&str> = batch.iter().map(|(_, envelope)| *envelope).collect();
        self.derive_for(&envelopes, cancel).await?;
        // ...then open and re-seal the batch on all cores.
        let (crypto, keys, new_key, vault, refuse_v2) = (
            self.crypto,
            &self.old_keys,
            &self.new_key,
            self.vault,
            self.refuse_v2,
        );
        let resealed: Vec<Option<String>> = batch
            .par_iter()
            .map(|(token, envelope)| {
                if refuse_v2 && super::is_v2(envelope) {
                    return Ok(None);
                }
                let Some(key) = super::envelope_key_slot(envelope)
                    .ok()
                    .and_then(|slot| keys.get(&slot))
                else {
                    return Ok(None);
                };
                match super::open_with(key, envelope, token) {
                    Ok(value) => crypto.seal_with(new_key, &value, token, vault).map(Some),
                    Err(Error::InvalidPassword | Error::Crypto(_)) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .collect::<Result<_>>()?;
        if resealed.iter().any(Option::is_some) {
            // The new key sealed records: the session keeps it. The old keys are not
            // confirmed: after the change they open nothing.
            self.crypto
                .confirm(&self.new, vault.salt, vault.params, new_key);
        }
        Ok(resealed)
    }
}
