//! The session key cache's bound: how many keys it keeps comes from the options, and
//! wrong passwords never grow it. (The cache lives in memory, the same on every backend,
//! so SQLite is enough.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use vaultstore::{
    Cancel, CreateOptions, ErrorCode, KdfParams, Password, SecretValue, Store, StoreOptions,
};

async fn store_keeping(
    dir: &tempfile::TempDir,
    max_cached_keys: usize,
) -> vaultstore::Result<Store> {
    let url = format!("sqlite://{}", dir.path().join("vault.db").display());
    let mut options = StoreOptions::new(url);
    options.kdf = Some(KdfParams::MINIMUM);
    options.max_cached_keys = max_cached_keys;
    Store::new(options).await
}

async fn create(store: &Store, password: &Password) -> String {
    store
        .token_create(
            &SecretValue::new("value"),
            password,
            CreateOptions::default(),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn the_key_cache_keeps_max_cached_keys_from_the_options_oldest_forgotten_first() {
    let dir = tempfile::tempdir().unwrap();
    let max = 3;
    let store = store_keeping(&dir, max).await.unwrap();
    let passwords: Vec<Password> = (0..=max)
        .map(|i| Password::new(format!("bounded-password-{i}")))
        .collect();
    let mut tokens = Vec::new();
    for p in &passwords {
        tokens.push(create(&store, p).await);
    }
    assert_eq!(store.cached_keys(), max, "N+1 passwords, N keys kept");
    let oldest = store
        .token_read_with_session_key(&tokens[0], store.session_key(&passwords[0]))
        .await
        .unwrap();
    assert!(oldest.is_none(), "the oldest key was forgotten");
    let newest = store
        .token_read_with_session_key(&tokens[max], store.session_key(&passwords[max]))
        .await
        .unwrap();
    assert!(newest.is_some(), "the newest key is kept");
}

#[tokio::test]
async fn wrong_passwords_do_not_grow_the_key_cache_yet_derive_once_per_password() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_keeping(&dir, 4).await.unwrap();
    let right = Password::new("the-right-password-1");
    let mut tokens = Vec::new();
    for _ in 0..5 {
        tokens.push(create(&store, &right).await);
    }
    let cached = store.cached_keys();
    for i in 0..20 {
        let wrong = Password::new(format!("wrong-password-{i}"));
        let err = store.token_read(&tokens[0], &wrong).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidPassword);
    }
    assert_eq!(
        store.cached_keys(),
        cached,
        "20 wrong passwords kept no key"
    );
    assert!(
        store.token_read(&tokens[0], &right).await.is_ok(),
        "nor pushed the right one out"
    );
    // The speed crash checks rely on: one wrong password against many records derives once.
    let derived = store.kdf_derivations();
    let wrong = Password::new("one-more-wrong-password");
    for token in &tokens {
        let err = store.token_read(token, &wrong).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidPassword);
    }
    assert_eq!(
        store.kdf_derivations(),
        derived + 1,
        "derived once for 5 records"
    );
    assert_eq!(store.cached_keys(), cached, "and still kept apart");
}

#[tokio::test]
async fn a_key_cache_bound_outside_1_to_1024_is_refused_naming_the_option() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [0, 1025] {
        let err = store_keeping(&dir, bad).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{bad}");
        assert!(err.to_string().contains("max cached keys"), "{err}");
    }
    let store = store_keeping(&dir, 1024).await.unwrap();
    assert_eq!(
        store.set_max_cached_keys(0).unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    store.set_max_cached_keys(1).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_password_change_stops_waiting_for_a_costly_derivation() {
    let dir = tempfile::tempdir().unwrap();
    let store = store_keeping(&dir, 64).await.unwrap();
    let (old, new) = (
        Password::new("the-old-password-1"),
        Password::new("the-new-password-1"),
    );
    let mine = create(&store, &old).await;
    create(&store, &new).await; // both keys for the vault's salt are now cached
    // A record from a vault with costly parameters, under someone else's password: the
    // change must still derive the old password's key for its salt to learn that.
    let costly_url = format!("sqlite://{}", dir.path().join("costly.db").display());
    let mut costly_options = StoreOptions::new(costly_url);
    costly_options.kdf = Some(KdfParams::new(128 * 1024, 4, 1).unwrap());
    let costly = Store::new(costly_options).await.unwrap();
    let began = std::time::Instant::now();
    create(&costly, &Password::new("someone-elses-password")).await;
    let one_costly_derivation = began.elapsed();
    let (bundle, _) = costly
        .export_bundle_bytes(&vaultstore::RecordQuery::new(), |_| {}, &Cancel::new())
        .await
        .unwrap();
    let allow = vaultstore::transfer::ImportOptions {
        allow_costly_kdf: true,
        ..Default::default()
    };
    store
        .import_bundle(&bundle, allow, |_| {}, &Cancel::new())
        .await
        .unwrap();

    let cancel = Cancel::new();
    let before = store.kdf_derivations();
    let canceller = {
        let (store, cancel) = (store.clone(), cancel.clone());
        tokio::spawn(async move {
            // The one derivation the change needs is the costly one: cancel once it began.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
            while store.kdf_derivations() == before && std::time::Instant::now() < deadline {
                tokio::task::yield_now().await;
            }
            cancel.cancel();
            std::time::Instant::now()
        })
    };
    let err = store
        .change_password(&old, &new, |_| {}, &cancel)
        .await
        .unwrap_err();
    let returned = std::time::Instant::now();
    let cancelled_at = canceller.await.unwrap();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert_eq!(store.kdf_derivations(), before + 1, "the costly one began");
    assert!(
        returned.duration_since(cancelled_at) < one_costly_derivation,
        "returned before the derivation could have ended"
    );
    assert!(
        store.token_read(&mine, &old).await.is_ok(),
        "nothing changed"
    );
}
