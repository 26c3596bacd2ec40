use serde_json::Value;

use super::*;
use crate::ErrorCode;

fn vault() -> VaultKdf {
    VaultKdf {
        salt: [7u8; SALT_LEN],
        params: KdfParams::MINIMUM,
    }
}

fn load(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn seal(c: &Crypto, value: &str, pw: &str, token: &str) -> String {
    let pw = Password::new(pw);
    c.seal(&SecretValue::new(value), &c.prepare(&pw), token, vault())
        .await
        .unwrap()
}

async fn open(c: &Crypto, env: &str, pw: &str, token: &str) -> Result<SecretValue> {
    let pw = Password::new(pw);
    c.open(env, &c.prepare(&pw), token).await
}

#[tokio::test]
async fn a_sealed_value_opens_with_its_password_and_token_only() {
    let c = Crypto::new(crate::store::DEFAULT_MAX_CACHED_KEYS, KdfParams::default()).unwrap();
    let env = seal(&c, "s3cret ✓", "correct horse battery", "tk_a").await;
    assert!(env.starts_with("v3:"));
    let v = open(&c, &env, "correct horse battery", "tk_a")
        .await
        .unwrap();
    assert_eq!(v.expose(), "s3cret ✓");
    let wrong_pw = open(&c, &env, "correct horse battery!", "tk_a").await;
    assert_eq!(wrong_pw.unwrap_err().code(), ErrorCode::InvalidPassword);
    let moved = open(&c, &env, "correct horse battery", "tk_b").await;
    assert_eq!(moved.unwrap_err().code(), ErrorCode::InvalidPassword);
}

#[tokio::test]
async fn one_derivation_serves_many_records_until_lock() {
    let c = Crypto::new(crate::store::DEFAULT_MAX_CACHED_KEYS, KdfParams::default()).unwrap();
    let a = seal(&c, "a", "pw-pw-pw-pw-pw-pw", "tk_1").await;
    let b = seal(&c, "b", "pw-pw-pw-pw-pw-pw", "tk_2").await;
    assert_ne!(a, b);
    open(&c, &a, "pw-pw-pw-pw-pw-pw", "tk_1").await.unwrap();
    open(&c, &b, "pw-pw-pw-pw-pw-pw", "tk_2").await.unwrap();
    assert_eq!(c.derivations(), 1);
    c.lock();
    open(&c, &a, "pw-pw-pw-pw-pw-pw", "tk_1").await.unwrap();
    assert_eq!(c.derivations(), 2);
}

#[tokio::test]
async fn every_flipped_bit_of_an_envelope_is_rejected() {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let c = Crypto::new(crate::store::DEFAULT_MAX_CACHED_KEYS, KdfParams::default()).unwrap();
    let env = seal(&c, "value", "pw-pw-pw-pw-pw-pw", "tk_1").await;
    let body = URL_SAFE_NO_PAD.decode(&env[3..]).unwrap();
    for i in 0..body.len() {
        let mut t = body.clone();
        t[i] ^= 0x01;
        let tampered = format!("v3:{}", URL_SAFE_NO_PAD.encode(&t));
        let err = open(&c, &tampered, "pw-pw-pw-pw-pw-pw", "tk_1")
            .await
            .unwrap_err();
        // Flipping a parameter either leaves the bounds (damaged) or changes the key.
        assert!(
            matches!(err.code(), ErrorCode::InvalidPassword | ErrorCode::Crypto),
            "byte {i}: {err}"
        );
    }
}

#[tokio::test]
async fn envelopes_claiming_huge_kdf_costs_fail_fast() {
    let c = Crypto::new(crate::store::DEFAULT_MAX_CACHED_KEYS, KdfParams::default()).unwrap();
    let header = envelope::v3_header(
        KdfParams::MINIMUM,
        &[0; SALT_LEN],
        &[0; RECORD_SALT_LEN],
        &[0; NONCE_LEN],
    );
    let mut h = header.clone();
    h[1..5].copy_from_slice(&u32::MAX.to_be_bytes());
    let env = envelope::encode_v3(&h, &[0u8; 32]);
    let err = open(&c, &env, "x", "tk").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Crypto);
    assert_eq!(
        c.derivations(),
        0,
        "no derivation may start for a tampered cost"
    );
}

#[test]
fn the_claimed_kdf_cost_is_read_from_the_v3_header_alone() {
    let params = KdfParams::new(KdfParams::MAX_MEMORY_KIB, KdfParams::MAX_ITERATIONS, 3).unwrap();
    let header = envelope::v3_header(
        params,
        &[1; SALT_LEN],
        &[2; RECORD_SALT_LEN],
        &[3; NONCE_LEN],
    );
    let env = envelope::encode_v3(&header, &[0u8; 32]);
    assert_eq!(claimed_kdf_params(&env), Some(params));
    assert_eq!(
        params.sequential_cost(),
        10 * 1024 * 1024,
        "lanes add nothing"
    );
    // v2 parameters are fixed by the format, not claimed; damaged values claim nothing.
    let v2 = load("go-v2.json")["vectors"][0]["envelope"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(claimed_kdf_params(&v2), None);
    for damaged in [
        "v3:",
        "v3:AAAA",
        "v3:é",
        "plaintext",
        &env.replacen("v3:A", "v3:B", 1),
    ] {
        assert_eq!(claimed_kdf_params(damaged), None, "{damaged}");
    }
}

#[tokio::test]
async fn v3_known_answers_and_fail_vectors() {
    let c = Crypto::new(crate::store::DEFAULT_MAX_CACHED_KEYS, KdfParams::default()).unwrap();
    let v = load("v3.json");
    for case in v["vectors"].as_array().unwrap() {
        let got = open(
            &c,
            case["envelope"].as_str().unwrap(),
            case["password"].as_str().unwrap(),
            case["token"].as_str().unwrap(),
        )
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
        assert_eq!(
            got.expose(),
            case["value"].as_str().unwrap(),
            "{}",
            case["name"]
        );
    }
    for case in v["must_reject"].as_array().unwrap() {
        let err = open(
            &c,
            case["envelope"].as_str().unwrap(),
            case["password"].as_str().unwrap(),
            case["token"].as_str().unwrap(),
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.code().as_str(),
            case["code"].as_str().unwrap(),
            "{}",
            case["name"]
        );
    }
}

#[tokio::test]
async fn go_v2_vectors_open_and_rejections_are_rejected() {
    let c = Crypto::new(crate::store::DEFAULT_MAX_CACHED_KEYS, KdfParams::default()).unwrap();
    let v = load("go-v2.json");
    assert_eq!(v["kdf"]["memory_kib"], 65536);
    for case in v["vectors"].as_array().unwrap() {
        let env = case["envelope"].as_str().unwrap();
        assert!(is_v2(env));
        // v2 had no associated data: the token does not matter.
        let got = open(&c, env, case["password"].as_str().unwrap(), "any-token")
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case["name"]));
        assert_eq!(
            got.expose(),
            case["value"].as_str().unwrap(),
            "{}",
            case["name"]
        );
    }
    for case in v["must_reject"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let err = open(
            &c,
            case["envelope"].as_str().unwrap(),
            case["password"].as_str().unwrap(),
            "any-token",
        )
        .await
        .unwrap_err();
        let want = match name {
            "wrong-password" | "tampered-tag" => ErrorCode::InvalidPassword,
            _ => ErrorCode::Crypto,
        };
        assert_eq!(err.code(), want, "{name}: {err}");
    }
}

/// Prints a fresh known-answer file: `cargo test -- --ignored print_v3_vectors --nocapture`.
#[tokio::test]
#[ignore = "generator for tests/vectors/v3.json"]
async fn print_v3_vectors() {
    let c = Crypto::new(crate::store::DEFAULT_MAX_CACHED_KEYS, KdfParams::default()).unwrap();
    let mut out = Vec::new();
    for (name, value, pw, token) in [
        ("ascii", "test_value", "test_password-long", "tk_ascii"),
        ("empty", "", "empty-value-password", "tk_empty"),
        (
            "unicode",
            "Hello, 世界! 🌍",
            "unicode_password_日本語",
            "tk_unicode",
        ),
    ] {
        let env = seal(&c, value, pw, token).await;
        out.push(serde_json::json!({"name": name, "password": pw, "token": token, "value": value, "envelope": env}));
    }
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
