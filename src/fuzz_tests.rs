//! Property and fuzz targets for the parsers that read what a user, a file or a damaged
//! database hands the library: envelopes (`v2:`/`v3:`), export bundles, listing cursors
//! and the query language here, the KeePassXC CSV and Bitwarden JSON readers in `transfer::foreign`.
//!
//! Every target states what a user would notice: bad input comes back as a typed
//! [`Error`](crate::Error) (never a panic), a damaged envelope never opens, and an
//! envelope never opens with the wrong password.
//!
//! Case counts: proptest's default (256 per target) keeps `cargo test` well under a
//! minute; `PROPTEST_CASES` (set by `make fuzz`) raises them. Failures found are kept in
//! `proptest-regressions/` (committed) and replayed first on every run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod bundle;
mod cursor;
mod envelope;
mod query;

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;

use crate::crypto::{Crypto, KdfParams, Key, SALT_LEN, VaultKdf};
use crate::secret::Password;

/// One edit of a byte string, at a position scaled to its length.
#[derive(Debug, Clone)]
pub(crate) enum Mutation {
    FlipBit(Index, u8),
    Set(Index, u8),
    Insert(Index, u8),
    Remove(Index),
    Truncate(Index),
    Duplicate(Index, Index),
    Swap(Index, Index),
}

/// One to `max` edits.
pub(crate) fn mutations(max: usize) -> impl Strategy<Value = Vec<Mutation>> {
    let one = prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<Index>().prop_map(Mutation::Remove),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
    ];
    prop::collection::vec(one, 1..=max)
}

/// Applies `edits` in order.
pub(crate) fn mutate(bytes: &[u8], edits: &[Mutation]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for m in edits {
        let len = out.len();
        match m {
            Mutation::Insert(i, b) => out.insert(i.index(len + 1), *b),
            _ if len == 0 => {}
            Mutation::FlipBit(i, bit) => out[i.index(len)] ^= 1 << bit,
            Mutation::Set(i, b) => out[i.index(len)] = *b,
            Mutation::Remove(i) => {
                out.remove(i.index(len));
            }
            Mutation::Truncate(i) => out.truncate(i.index(len)),
            Mutation::Duplicate(at, n) => {
                let start = at.index(len);
                let end = start + n.index(len - start).min(64) + 1;
                let copy = out[start..end.min(len)].to_vec();
                out.splice(start..start, copy);
            }
            Mutation::Swap(a, b) => out.swap(a.index(len), b.index(len)),
        }
    }
    out
}

/// Keys derived once for the whole run: Argon2 per case would take minutes.
pub(crate) struct Keys {
    pub crypto: Crypto,
    pub vault: VaultKdf,
    /// The master key of [`PASSWORD_A`] under `vault`.
    pub a: Key,
    /// The master key of [`PASSWORD_B`] under the same salt and parameters.
    pub b: Key,
}

pub(crate) const PASSWORD_A: &str = "correct horse battery staple";
pub(crate) const PASSWORD_B: &str = "correct horse battery stapler";

/// Runs a future to completion on a small runtime of its own.
pub(crate) fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

pub(crate) fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let crypto =
            Crypto::new(crate::store::DEFAULT_MAX_CACHED_KEYS, KdfParams::default()).unwrap();
        let vault = VaultKdf {
            salt: [0x5a; SALT_LEN],
            params: KdfParams::MINIMUM,
        };
        let (a, b) = block_on(async {
            let (pa, pb) = (Password::new(PASSWORD_A), Password::new(PASSWORD_B));
            let a = crypto
                .master_key(&crypto.prepare(&pa), vault.salt, vault.params)
                .await
                .unwrap();
            let b = crypto
                .master_key(&crypto.prepare(&pb), vault.salt, vault.params)
                .await
                .unwrap();
            (a, b)
        });
        Keys {
            crypto,
            vault,
            a,
            b,
        }
    })
}

/// A valid v3 envelope of `value` for `token` under [`PASSWORD_A`].
pub(crate) fn seal_a(value: &str, token: &str) -> String {
    let k = keys();
    k.crypto
        .seal_with(&k.a, &crate::SecretValue::new(value), token, k.vault)
        .unwrap()
}

/// Cases for a target that runs Argon2 in every case (tens of milliseconds each): 12 by
/// default, a hundredth of `PROPTEST_CASES` when that is set.
pub(crate) fn costly_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(12, |n| (n / 100).max(12))
}
