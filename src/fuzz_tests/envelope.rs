//! Envelopes: arbitrary text and damaged envelopes are refused with a typed error, and
//! nothing but the right key and token opens a sealed value.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use proptest::prelude::*;

use super::{block_on, costly_cases, keys, mutate, mutations, seal_a};
use crate::crypto::{self, Crypto, KdfParams, Key};
use crate::error::Error;
use crate::secret::{Password, SecretValue};

/// What every refusal must be: a wrong key or a tampered value (`InvalidPassword`), or a
/// malformed envelope (`Crypto`).
fn refused(result: crate::Result<SecretValue>) -> Result<(), TestCaseError> {
    match result {
        Err(Error::InvalidPassword | Error::Crypto(_)) => Ok(()),
        Err(other) => Err(TestCaseError::fail(format!("untyped refusal: {other:?}"))),
        Ok(v) => Err(TestCaseError::fail(format!(
            "opened to {} bytes",
            v.expose().len()
        ))),
    }
}

/// A header that passes the parameter bounds, so the bytes after it are reached.
fn plausible_v3_header() -> Vec<u8> {
    let p = KdfParams::MINIMUM;
    let mut h = vec![1u8];
    h.extend_from_slice(&p.memory_kib().to_be_bytes());
    h.extend_from_slice(&p.iterations().to_be_bytes());
    h.extend_from_slice(&p.lanes().to_be_bytes());
    h
}

fn envelope_like_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "v[0-9a-z]:[A-Za-z0-9_=+/-]{0,160}",
        prop::collection::vec(any::<u8>(), 0..160)
            .prop_map(|b| format!("v3:{}", URL_SAFE_NO_PAD.encode(b))),
        prop::collection::vec(any::<u8>(), 0..160)
            .prop_map(|b| format!("v2:{}", URL_SAFE.encode(b))),
        prop::collection::vec(any::<u8>(), 0..160).prop_map(|b| {
            let mut body = plausible_v3_header();
            body.extend(b);
            format!("v3:{}", URL_SAFE_NO_PAD.encode(body))
        }),
    ]
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("tk_fuzz".to_owned()),
        "tk_[A-Za-z0-9_-]{1,40}",
        any::<String>()
    ]
}

/// The Go library's test vectors with their keys, derived once (64 MiB each).
struct GoVector {
    envelope: String,
    value: String,
    key: Key,
}

fn go_vectors() -> &'static [GoVector] {
    static VECTORS: OnceLock<Vec<GoVector>> = OnceLock::new();
    VECTORS.get_or_init(|| {
        let file: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/vectors/go-v2.json")).unwrap();
        let crypto =
            Crypto::new(crate::store::DEFAULT_MAX_CACHED_KEYS, KdfParams::default()).unwrap();
        file["vectors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                let envelope = v["envelope"].as_str().unwrap().to_owned();
                let pw = Password::new(v["password"].as_str().unwrap());
                let (salt, params) = crypto::envelope_key_slot(&envelope).unwrap();
                let key = block_on(crypto.master_key(&crypto.prepare(&pw), salt, params)).unwrap();
                GoVector {
                    envelope,
                    value: v["value"].as_str().unwrap().to_owned(),
                    key,
                }
            })
            .collect()
    })
}

proptest! {
    /// Whatever is stored in the value column, reading it gives a typed error.
    #[test]
    fn arbitrary_text_is_refused_with_a_typed_error(text in envelope_like_text(), token in token()) {
        if let Err(e) = crypto::check_envelope(&text) {
            prop_assert!(matches!(e, Error::Crypto(_)), "{e:?}");
        }
        refused(crypto::open_with(&keys().a, &text, &token))?;
        if let Ok((_, params)) = crypto::envelope_key_slot(&text) {
            // What an envelope claims is within the bounds a reader accepts.
            prop_assert!(params.memory_kib() <= KdfParams::MAX_MEMORY_KIB);
            prop_assert!(params.iterations() <= KdfParams::MAX_ITERATIONS);
            prop_assert!(params.lanes() <= KdfParams::MAX_LANES);
        }
    }

    /// Any change to the bytes of a sealed value (header, salts, nonce, ciphertext or
    /// tag; lengths too) makes it refuse to open, with the right key and token.
    #[test]
    fn a_damaged_v3_envelope_never_opens(
        value in any::<String>(),
        edits in mutations(4),
    ) {
        let envelope = seal_a(&value, "tk_fuzz");
        let opened = crypto::open_with(&keys().a, &envelope, "tk_fuzz").unwrap();
        prop_assert_eq!(opened.expose(), value.as_str());
        let body = URL_SAFE_NO_PAD.decode(&envelope[3..]).unwrap();
        let damaged = mutate(&body, &edits);
        if damaged == body {
            return Ok(()); // an edit that undid itself
        }
        let text = format!("v3:{}", URL_SAFE_NO_PAD.encode(&damaged));
        refused(crypto::open_with(&keys().a, &text, "tk_fuzz"))?;
    }

    /// The same at the level of the stored text: any other string does not open.
    #[test]
    fn a_damaged_envelope_text_never_opens(value in ".{0,40}", edits in mutations(3)) {
        let envelope = seal_a(&value, "tk_fuzz");
        let damaged = mutate(envelope.as_bytes(), &edits);
        if damaged == envelope.as_bytes() {
            return Ok(());
        }
        let Ok(text) = String::from_utf8(damaged) else {
            return Ok(()); // the column holds text; non-UTF-8 cannot reach the parser
        };
        refused(crypto::open_with(&keys().a, &text, "tk_fuzz"))?;
    }

    /// A value sealed for one record does not open as another record.
    #[test]
    fn an_envelope_opens_only_as_its_own_record(value in ".{0,40}", a in token(), b in token()) {
        if a == b {
            return Ok(());
        }
        refused(crypto::open_with(&keys().a, &seal_a(&value, &a), &b))?;
    }

    /// The key of another password does not open it (same salt and parameters).
    #[test]
    fn an_envelope_never_opens_with_another_passwords_key(value in any::<String>(), token in token()) {
        let envelope = seal_a(&value, &token);
        prop_assert!(matches!(
            crypto::open_with(&keys().b, &envelope, &token),
            Err(Error::InvalidPassword)
        ));
    }

    /// The Go library's envelopes: any change of the nonce, ciphertext or tag is refused.
    #[test]
    fn a_damaged_go_v2_envelope_never_opens(which in any::<prop::sample::Index>(), edits in mutations(4)) {
        let vectors = go_vectors();
        let v = &vectors[which.index(vectors.len())];
        let opened = crypto::open_with(&v.key, &v.envelope, "any").unwrap();
        prop_assert_eq!(opened.expose(), v.value.as_str());
        let body = URL_SAFE.decode(&v.envelope[3..]).unwrap();
        let damaged = mutate(&body, &edits);
        if damaged == body {
            return Ok(()); // an edit that undid itself
        }
        let text = format!("v2:{}", URL_SAFE.encode(&damaged));
        if damaged.get(..16) != body.get(..16) {
            // A changed salt derives another key (v2 has no associated data to bind it),
            // so opening with this vector's key would prove nothing: parse only.
            if let Err(e) = crypto::check_envelope(&text) {
                prop_assert!(matches!(e, Error::Crypto(_)), "{e:?}");
            }
            return Ok(());
        }
        refused(crypto::open_with(&v.key, &text, "any"))?;
    }
}

proptest! {
    // Two Argon2 derivations per case: fewer cases by default.
    #![proptest_config(ProptestConfig::with_cases(costly_cases()))]

    /// Through the whole path (derivation included): a value sealed under one password
    /// never opens with another, and always opens with its own.
    #[test]
    fn a_value_never_opens_with_the_wrong_password(
        right in ".{1,24}",
        wrong in ".{1,24}",
        value in ".{0,64}",
    ) {
        if right == wrong {
            return Ok(());
        }
        let crypto = Crypto::new(crate::store::DEFAULT_MAX_CACHED_KEYS, KdfParams::default()).unwrap();
        let vault = keys().vault;
        let (right, wrong) = (Password::new(right), Password::new(wrong));
        block_on(async {
            let envelope = crypto
                .seal(&SecretValue::new(value.as_str()), &crypto.prepare(&right), "tk_pw", vault)
                .await
                .unwrap();
            let bad = crypto.open(&envelope, &crypto.prepare(&wrong), "tk_pw").await;
            prop_assert!(matches!(bad, Err(Error::InvalidPassword)));
            let good = crypto.open(&envelope, &crypto.prepare(&right), "tk_pw").await.unwrap();
            prop_assert_eq!(good.expose(), value.as_str());
            Ok(())
        })?;
    }
}
