//! Secrets cross the IPC sealed. Every message between the page and this process passes
//! through WebKit's buffers and Tauri's JSON strings in this process, which are freed
//! but never wiped: a password typed or a value revealed would stay readable in a memory
//! dump long after Lock. So the page and the backend agree on keys by ECDH (P-256, an
//! ephemeral pair on each side; the page's private key never leaves WebCrypto) and every
//! password and value travels AES-256-GCM sealed. Here the plaintext exists only in
//! zeroizing buffers; Lock drops the keys, so what the buffers keep (public keys and
//! ciphertexts) opens nothing.

use std::sync::Mutex;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use p256::PublicKey;
use p256::ecdh::EphemeralSecret;
use p256::elliptic_curve::Generate;
use p256::elliptic_curve::sec1::ToSec1Point;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use vaultstore::{Password, SecretValue};
use zeroize::Zeroizing;

use crate::errors::{CmdResult, ErrorCode, ErrorDto};

const NONCE_LEN: usize = 12;
const TO_BACKEND: &[u8] = b"vaultstore ipc: page to backend";
const TO_PAGE: &[u8] = b"vaultstore ipc: backend to page";

/// A secret as it crosses the IPC: base64 of `nonce(12) | AES-GCM ciphertext and tag`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sealed {
    sealed: String,
}

/// The keys of one page session, one per direction.
struct Keys {
    to_backend: Aes256Gcm,
    to_page: Aes256Gcm,
}

/// The channel's keys while unlocked; none after Lock until the page asks again.
#[derive(Default)]
pub struct SealedIpc {
    keys: Mutex<Option<Keys>>,
}

impl SealedIpc {
    /// Agrees on new keys with the page whose ECDH public key (SEC1, base64) is
    /// `page_public`; returns ours, for the page to derive the same keys.
    pub fn open(&self, page_public: &str) -> CmdResult<String> {
        let invalid = || {
            ErrorDto::invalid(
                "publicKey",
                "the page's key is not a P-256 public key; reload the window",
            )
        };
        let page_bytes = B64.decode(page_public).map_err(|_| invalid())?;
        let page_key = PublicKey::from_sec1_bytes(&page_bytes).map_err(|_| invalid())?;
        let ours = EphemeralSecret::generate();
        let our_bytes = ours.public_key().to_sec1_point(false);
        let shared = ours.diffie_hellman(&page_key);
        // Both public keys salt the derivation: the keys belong to this exchange only.
        let salt = [page_bytes.as_slice(), our_bytes.as_bytes()].concat();
        let hkdf = shared.extract::<Sha256>(Some(&salt));
        let derive = |info: &[u8]| -> CmdResult<Aes256Gcm> {
            let mut key = Zeroizing::new([0u8; 32]);
            hkdf.expand(info, key.as_mut())
                .map_err(|_| ErrorDto::new(ErrorCode::Internal, "key derivation failed"))?;
            Aes256Gcm::new_from_slice(key.as_ref())
                .map_err(|_| ErrorDto::new(ErrorCode::Internal, "bad key length"))
        };
        let keys = Keys {
            to_backend: derive(TO_BACKEND)?,
            to_page: derive(TO_PAGE)?,
        };
        *self.lock() = Some(keys);
        Ok(B64.encode(our_bytes.as_bytes()))
    }

    /// Lock: forgets the keys, so the ciphertexts left in freed buffers open nothing.
    pub fn close(&self) {
        *self.lock() = None;
    }

    #[cfg(test)]
    pub fn is_open(&self) -> bool {
        self.lock().is_some()
    }

    /// Opens a password the page sealed (`field` names the argument in errors).
    pub fn password(&self, field: &str, sealed: &Sealed) -> CmdResult<Password> {
        let plain = self.unseal(field, sealed)?;
        Ok(Password::from(utf8(field, &plain)?))
    }

    pub fn passwords(&self, field: &str, sealed: &[Sealed]) -> CmdResult<Vec<Password>> {
        sealed.iter().map(|s| self.password(field, s)).collect()
    }

    pub fn value(&self, field: &str, sealed: &Sealed) -> CmdResult<SecretValue> {
        let plain = self.unseal(field, sealed)?;
        Ok(SecretValue::from(utf8(field, &plain)?))
    }

    /// Seals `plaintext` for the page.
    pub fn seal(&self, plaintext: &str) -> CmdResult<Sealed> {
        let guard = self.lock();
        let keys = guard.as_ref().ok_or_else(closed)?;
        let nonce: [u8; NONCE_LEN] = rand::random();
        let mut out = nonce.to_vec();
        let body = keys
            .to_page
            .encrypt(&Nonce::from(nonce), plaintext.as_bytes())
            .map_err(|_| ErrorDto::new(ErrorCode::Internal, "could not seal a value"))?;
        out.extend_from_slice(&body);
        Ok(Sealed {
            sealed: B64.encode(out),
        })
    }

    fn unseal(&self, field: &str, sealed: &Sealed) -> CmdResult<Zeroizing<Vec<u8>>> {
        let guard = self.lock();
        let keys = guard.as_ref().ok_or_else(closed)?;
        let bytes = B64.decode(&sealed.sealed).map_err(|_| not_ours(field))?;
        let Some((nonce, body)) = bytes.split_first_chunk::<NONCE_LEN>() else {
            return Err(not_ours(field));
        };
        keys.to_backend
            .decrypt(
                &Nonce::from(*nonce),
                Payload {
                    msg: body,
                    aad: &[],
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| not_ours(field))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Keys>> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn not_ours(field: &str) -> ErrorDto {
    ErrorDto::invalid(
        field,
        format!("{field} was not sealed with this window's key; reload the window"),
    )
}

fn utf8<'a>(field: &str, plain: &'a [u8]) -> CmdResult<&'a str> {
    std::str::from_utf8(plain).map_err(|_| not_ours(field))
}

/// The page's keys went with a Lock (or it never had any): it agrees on new ones and
/// sends the secret again.
fn closed() -> ErrorDto {
    ErrorDto::new(
        ErrorCode::ChannelClosed,
        "the window's secure channel was closed by a lock; it reopens by itself",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page's side of the exchange, as `ui/js/sealed-channel.js` does it in WebCrypto.
    struct Page {
        to_backend: Aes256Gcm,
        to_page: Aes256Gcm,
    }

    impl Page {
        fn agree(ipc: &SealedIpc) -> Self {
            let secret = EphemeralSecret::generate();
            let ours = secret.public_key().to_sec1_point(false);
            let theirs = B64
                .decode(ipc.open(&B64.encode(ours.as_bytes())).unwrap())
                .unwrap();
            let shared = secret.diffie_hellman(&PublicKey::from_sec1_bytes(&theirs).unwrap());
            let salt = [ours.as_bytes(), theirs.as_slice()].concat();
            let hkdf = shared.extract::<Sha256>(Some(&salt));
            let key = |info: &[u8]| {
                let mut key = [0u8; 32];
                hkdf.expand(info, &mut key).unwrap();
                Aes256Gcm::new_from_slice(&key).unwrap()
            };
            Self {
                to_backend: key(TO_BACKEND),
                to_page: key(TO_PAGE),
            }
        }

        fn seal(&self, text: &str) -> Sealed {
            let nonce: [u8; NONCE_LEN] = rand::random();
            let body = self
                .to_backend
                .encrypt(&Nonce::from(nonce), text.as_bytes())
                .unwrap();
            Sealed {
                sealed: B64.encode([nonce.as_slice(), &body].concat()),
            }
        }

        fn open(&self, sealed: &Sealed) -> String {
            let bytes = B64.decode(&sealed.sealed).unwrap();
            let (nonce, body) = bytes.split_first_chunk::<NONCE_LEN>().unwrap();
            let plain = self.to_page.decrypt(&Nonce::from(*nonce), body).unwrap();
            String::from_utf8(plain).unwrap()
        }
    }

    #[test]
    fn secrets_cross_sealed_both_ways_under_this_windows_keys_only() {
        let ipc = SealedIpc::default();
        let page = Page::agree(&ipc);
        let password = ipc.password("password", &page.seal("hunter2 ✓")).unwrap();
        assert_eq!(password.expose(), "hunter2 ✓");
        let value = ipc.value("value", &page.seal("")).unwrap();
        assert_eq!(value.expose(), "");
        assert_eq!(page.open(&ipc.seal("the value").unwrap()), "the value");

        // Sealed for an earlier agreement, tampered with, or not base64: refused, named.
        let earlier = page.seal("hunter2");
        let _now = Page::agree(&ipc);
        let mut tampered = _now.seal("hunter2");
        tampered.sealed.replace_range(20..21, "A");
        for (bad, what) in [
            (earlier, "sealed under older keys"),
            (tampered, "tampered"),
            (
                Sealed {
                    sealed: "AAAA".into(),
                },
                "too short",
            ),
            (
                Sealed {
                    sealed: "not base64!".into(),
                },
                "not base64",
            ),
        ] {
            let err = ipc.password("old", &bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::INVALID_INPUT, "{what}");
            assert_eq!(err.field.as_deref(), Some("old"), "{what}");
            assert!(!err.message.contains("hunter2"), "{what}: {}", err.message);
        }
    }

    #[test]
    fn after_close_nothing_opens_and_the_page_is_told_to_agree_again() {
        let ipc = SealedIpc::default();
        let page = Page::agree(&ipc);
        let sealed = page.seal("hunter2");
        ipc.close();
        assert!(!ipc.is_open());
        assert_eq!(
            ipc.password("password", &sealed).unwrap_err().code,
            ErrorCode::ChannelClosed
        );
        assert_eq!(ipc.seal("v").unwrap_err().code, ErrorCode::ChannelClosed);
        let page = Page::agree(&ipc);
        let again = ipc.password("password", &page.seal("hunter2")).unwrap();
        assert_eq!(again.expose(), "hunter2");
    }

    #[test]
    fn a_plaintext_secret_or_a_bad_page_key_is_refused() {
        for plain in [
            serde_json::json!("hunter2"),
            serde_json::json!({"sealed": "x", "plain": "hunter2"}),
            serde_json::json!({"password": "hunter2"}),
        ] {
            assert!(
                serde_json::from_value::<Sealed>(plain.clone()).is_err(),
                "{plain}"
            );
        }
        let ipc = SealedIpc::default();
        for key in ["", "not base64!", "AAAA", &B64.encode([4u8; 65])] {
            let err = ipc.open(key).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("publicKey"), "{key}");
        }
        assert!(!ipc.is_open());
    }
}
