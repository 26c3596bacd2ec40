//! SQLite-specific behaviour: one vault file shared by two processes (two pools), and
//! a vault opened with the default (RFC 9106) KDF parameters.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

use vaultstore::{
    CreateOptions, KdfParams, Password, RecordQuery, SecretValue, Store, StoreOptions,
};

fn options(url: &str) -> StoreOptions {
    let mut o = StoreOptions::new(url);
    o.kdf = Some(KdfParams::MINIMUM);
    o
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_pools_writing_one_file_lose_no_write_and_never_report_locked() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("shared.db").display());
    // Both open (and migrate) at the same moment.
    let (a, b) = tokio::join!(Store::new(options(&url)), Store::new(options(&url)));
    let (a, b) = (a.unwrap(), b.unwrap());
    let pw = Password::new("shared-vault-password-1");
    let mut tasks = Vec::new();
    for (n, store) in [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .enumerate()
    {
        let pw = pw.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            for i in 0..25 {
                let value = SecretValue::new(format!("writer {n} value {i}"));
                let t = store
                    .token_create(&value, &pw, CreateOptions::default())
                    .await
                    .unwrap_or_else(|e| panic!("writer {n} create {i}: {e}"));
                mine.push(t);
            }
            // Then change every value it wrote, while the others still create.
            for (i, t) in mine.iter().enumerate() {
                let value = SecretValue::new(format!("writer {n} updated {i}"));
                store
                    .token_update(t, &value, &pw)
                    .await
                    .unwrap_or_else(|e| panic!("writer {n} update {i}: {e}"));
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for (n, task) in tasks.into_iter().enumerate() {
        all.push((n, task.await.unwrap()));
    }
    assert_eq!(a.records_count(&RecordQuery::new()).await.unwrap(), 100);
    for (n, tokens) in all {
        let values = b.tokens_read(&tokens, &pw).await.unwrap();
        for (i, t) in tokens.iter().enumerate() {
            assert_eq!(values[t].expose(), format!("writer {n} updated {i}"));
        }
    }
}

/// Two processes starting at once on a new vault both switch it to WAL. SQLite answers
/// one of them "database is locked" at once, without waiting (both hold a read lock and
/// want the write lock: waiting could deadlock), so opening must retry that by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_processes_opening_a_new_vault_at_once_all_succeed() {
    for round in 0..25 {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("new.db").display());
        let opening: Vec<_> = (0..6)
            .map(|_| tokio::spawn(Store::new(options(&url))))
            .collect();
        for (n, open) in opening.into_iter().enumerate() {
            let store = open
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("round {round}: opener {n} of 6 was refused: {e}"));
            store.close().await;
        }
    }
}

#[tokio::test]
async fn a_new_vault_uses_rfc9106_parameters_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("default.db").display());
    let store = Store::new(StoreOptions::new(&url)).await.unwrap();
    assert_eq!(store.kdf_params(), KdfParams::RFC9106_SECOND);
    let pw = Password::new("default-parameters-pw");
    let t = store
        .token_create(&SecretValue::new("v"), &pw, CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(store.token_read(&t, &pw).await.unwrap().expose(), "v");
    // The envelope names the parameters it was sealed with: 65536 KiB, 3 passes, 4 lanes.
    let r = store.record_find_by_token(&t).await.unwrap().unwrap();
    assert!(
        r.envelope.starts_with("v3:AQABAAAAAAADAAAAB"),
        "{}",
        &r.envelope[..20]
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_new_vault_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("private.db");
    let store = Store::new(options(&format!("sqlite://{}", path.display())))
        .await
        .unwrap();
    store.close().await;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "vault file mode {mode:o}");
}
