//! The vault through the vaultstore library, beside the window: records written before
//! the app starts (faster than typing them, where how they were made is not the story),
//! metadata read back, and a second writer holding the write lock.

use std::path::Path;

use sqlx::Connection;

use vaultstore::{
    Cancel, CreateOptions, DeletedFilter, Metadata, Password, RecordQuery, SecretValue, Store,
    StoreOptions,
};

use crate::PASSWORD;

async fn open(url: &str) -> Store {
    Store::new(StoreOptions::new(url)).await.unwrap()
}

async fn create(
    store: &Store,
    value: &str,
    metadata: Metadata,
    expires_at: Option<chrono::DateTime<chrono::Utc>>,
) {
    let options = CreateOptions {
        metadata,
        expires_at,
        ..CreateOptions::default()
    };
    store
        .token_create(&SecretValue::new(value), &Password::new(PASSWORD), options)
        .await
        .unwrap();
}

/// One record of `value` labelled `label`, sealed with `PASSWORD`.
pub async fn seed_one(url: &str, value: &str, label: &str) {
    let store = open(url).await;
    create(&store, value, Metadata::labelled(label), None).await;
    store.close().await;
}

/// A vault of one record that says a newer VaultStore wrote it (schema version 99), as
/// an app that was downgraded finds it.
pub async fn seed_from_a_newer_vaultstore(url: &str) {
    seed_one(url, "newer-value", "Newer record").await;
    let mut db = sqlx::SqliteConnection::connect(url).await.unwrap();
    sqlx::query("UPDATE vault_meta SET value = '99' WHERE name = 'schema_version'")
        .execute(&mut db)
        .await
        .unwrap();
    db.close().await.unwrap();
}

/// One record under a token of our choosing, labelled `label`, sealed with `PASSWORD`.
pub async fn seed_token(url: &str, token: &str, label: &str) {
    let store = open(url).await;
    let options = CreateOptions {
        token: Some(token.to_owned()),
        metadata: Metadata::labelled(label),
        ..CreateOptions::default()
    };
    store
        .token_create(&SecretValue::new("deep"), &Password::new(PASSWORD), options)
        .await
        .unwrap();
    store.close().await;
}

/// One record labelled `label` carrying `tags`, sealed with `PASSWORD`.
pub async fn seed_tagged(url: &str, label: &str, tags: &[&str]) {
    let store = open(url).await;
    let metadata = Metadata {
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        ..Metadata::labelled(label)
    };
    create(&store, "v", metadata, None).await;
    store.close().await;
}

/// The labels of `seed_three_records`.
pub const THREE: [&str; 3] = ["Production DB", "GitHub token", "Legacy FTP"];

/// The three records of the secrets stories, as they stand after the value of
/// "Production DB" was rotated: expiring in 7 days, never, and in 365 days.
pub async fn seed_three_records(url: &str) {
    let store = open(url).await;
    let days = |n| Some(chrono::Utc::now() + chrono::Duration::days(n));
    let tagged = |label: &str, tags: &[&str]| Metadata {
        tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        ..Metadata::labelled(label)
    };
    create(
        &store,
        "rotated-secret",
        tagged(THREE[0], &["prod", "db"]),
        days(7),
    )
    .await;
    create(&store, "ghp_example", tagged(THREE[1], &["ci"]), None).await;
    create(&store, "old", tagged(THREE[2], &[]), days(365)).await;
    store.close().await;
}

/// Fills the vault with `n` records through an import (all sharing one sealed value: the
/// listing never opens them) plus one real record.
pub async fn fill_vault(url: &str, n: usize) {
    fill_vault_in(url, n, n).await;
}

/// `fill_vault` in imports of `batch` records each (a million at once would hold the
/// whole bundle in memory).
pub async fn fill_vault_in(url: &str, n: usize, batch: usize) {
    use vaultstore::transfer::bundle::{self, BundleRecord};
    let store = open(url).await;
    let token = store
        .token_create(
            &SecretValue::new("x"),
            &Password::new(PASSWORD),
            CreateOptions::default(),
        )
        .await
        .unwrap();
    let envelope = store
        .record_find_by_token(&token)
        .await
        .unwrap()
        .unwrap()
        .envelope;
    let base = chrono::Utc::now() - chrono::Duration::days(365 * 3);
    for from in (0..n).step_by(batch.max(1)) {
        let records: Vec<BundleRecord> = (from..n.min(from + batch))
            .map(|i| {
                let at = (base + chrono::Duration::seconds(i as i64 * 60))
                    .format("%Y-%m-%dT%H:%M:%S%.6fZ")
                    .to_string();
                BundleRecord {
                    id: format!("{i:032x}"),
                    token: format!("tk_bulk_{i:07}"),
                    value: envelope.clone(),
                    created_at: at.clone(),
                    updated_at: at,
                    expires_at: None,
                    soft_deleted_at: None,
                    data: serde_json::value::RawValue::from_string(format!(
                        "{{\"label\":\"record {i}\"}}"
                    ))
                    .unwrap(),
                }
            })
            .collect();
        let bytes = bundle::encode(records, chrono::Utc::now()).unwrap();
        store
            .import_bundle(
                &bytes,
                vaultstore::transfer::ImportOptions::default(),
                |_| {},
                &Cancel::new(),
            )
            .await
            .unwrap();
    }
    store.close().await;
}

/// The labels of `seed_trash`: three in the Trash, newest deletion first, and one live.
pub const TRASHED: [&str; 3] = ["Wifi guest", "Old API key", "Staging DB"];
pub const LIVE: &str = "Keep me";

/// Three records trashed on different days (3 days, 2 days and an hour ago) and one
/// live record.
pub async fn seed_trash(url: &str) {
    let now = chrono::Utc::now();
    let clock = std::sync::Arc::new(vaultstore::ManualClock::new(
        now - chrono::Duration::days(4),
    ));
    let options = StoreOptions {
        clock: clock.clone(),
        ..StoreOptions::new(url)
    };
    let store = Store::new(options).await.unwrap();
    for label in [LIVE, TRASHED[0], TRASHED[1], TRASHED[2]] {
        create(&store, "v", Metadata::labelled(label), None).await;
    }
    for (label, ago) in [
        (TRASHED[2], chrono::Duration::days(3)),
        (TRASHED[1], chrono::Duration::days(2)),
        (TRASHED[0], chrono::Duration::hours(1)),
    ] {
        clock.set(now - ago);
        let page = store
            .records_list(&RecordQuery::new().search(label))
            .await
            .unwrap();
        store
            .token_soft_delete(&page.records[0].token)
            .await
            .unwrap();
    }
    store.close().await;
}

/// The labels of `seed_expiring`: expired a day ago, expiring in 2 and 5 days, in 30
/// days, and never.
pub const EXPIRING: [&str; 5] = ["Expired key", "Soon A", "Soon B", "Next month", "Forever"];

pub async fn seed_expiring(url: &str) {
    let store = open(url).await;
    let now = chrono::Utc::now();
    for (label, days) in [
        (EXPIRING[0], Some(-1)),
        (EXPIRING[1], Some(2)),
        (EXPIRING[2], Some(5)),
        (EXPIRING[3], Some(30)),
        (EXPIRING[4], None),
    ] {
        let at = days.map(|d| now + chrono::Duration::days(d));
        create(&store, "v", Metadata::labelled(label), at).await;
    }
    store.close().await;
}

/// A record that expires `secs` seconds from now, and one that enters the default
/// "expires soon" window (7 days) then.
pub async fn seed_crossing(url: &str, secs: i64, labels: [&str; 2]) {
    let store = open(url).await;
    let then = chrono::Utc::now() + chrono::Duration::seconds(secs);
    create(&store, "v", Metadata::labelled(labels[0]), Some(then)).await;
    let soon = then + chrono::Duration::days(7);
    create(&store, "v", Metadata::labelled(labels[1]), Some(soon)).await;
    store.close().await;
}

/// How many records the vault holds, live and in the Trash.
pub async fn count_all(url: &str) -> u64 {
    let store = open(url).await;
    let n = store
        .records_count(&RecordQuery::new().deleted(DeletedFilter::Include))
        .await
        .unwrap();
    store.close().await;
    n
}

pub const MAIL_URL: &str = "https://mail.example/login";

/// The labels of `seed_safety_vault`.
pub const SAFETY: [&str; 4] = ["Imported mail", "Alpha", "Beta", "Stale"];

/// Records the safety stories need: an import-like record with URL, username and a flag;
/// two records to mix up; an expired one to purge. Also writes a bundle of them to
/// `bundle` (the file the import reads).
pub async fn seed_safety_vault(url: &str, bundle: &Path) {
    let store = open(url).await;
    let mut mail = Metadata::labelled(SAFETY[0]);
    for (k, v) in [
        ("url", MAIL_URL),
        ("username", "ann"),
        ("unreadable", "legacy flag"),
    ] {
        mail.extra.insert(k.into(), v.into());
    }
    let past = chrono::Utc::now() - chrono::Duration::days(1);
    create(&store, "mail-secret", mail, None).await;
    create(&store, "alpha-secret", Metadata::labelled(SAFETY[1]), None).await;
    create(&store, "beta-secret", Metadata::labelled(SAFETY[2]), None).await;
    create(&store, "stale", Metadata::labelled(SAFETY[3]), Some(past)).await;
    let all = RecordQuery::new().deleted(DeletedFilter::Include);
    store
        .export_bundle(&all, bundle, |_| {}, &Cancel::new())
        .await
        .unwrap();
    store.close().await;
}

/// The metadata stored for the record labelled `label`.
pub async fn stored_metadata(url: &str, label: &str) -> Metadata {
    let store = open(url).await;
    let page = store
        .records_list(&RecordQuery::new().search(label))
        .await
        .unwrap();
    store.close().await;
    page.records
        .into_iter()
        .find(|r| r.metadata.label.as_deref() == Some(label))
        .unwrap_or_else(|| panic!("no record labelled {label}"))
        .metadata
}

/// The token of the record labelled `label` (live or in the Trash).
pub async fn token_of(url: &str, label: &str) -> String {
    let store = open(url).await;
    let query = RecordQuery::new()
        .search(label)
        .deleted(DeletedFilter::Include);
    let page = store.records_list(&query).await.unwrap();
    store.close().await;
    page.records
        .into_iter()
        .find(|r| r.metadata.label.as_deref() == Some(label))
        .unwrap_or_else(|| panic!("no record labelled {label}"))
        .token
}

/// The value of `token` as `password` opens it now, or the error's code.
pub async fn read(url: &str, token: &str, password: &str) -> Result<String, String> {
    let store = open(url).await;
    let value = store
        .token_read(token, &Password::new(password))
        .await
        .map(|v| v.expose().to_owned())
        .map_err(|e| e.code().to_string());
    store.close().await;
    value
}

/// Whether a record (live or in the Trash) has this token.
pub async fn exists(url: &str, token: &str) -> bool {
    let store = open(url).await;
    let found = store.record_find_by_token(token).await.unwrap().is_some();
    store.close().await;
    found
}

/// Another writer holding the SQLite write lock (as a second app or the CLI would), so
/// the app's next long operation waits for it: it runs as long as the test wants.
pub struct WriteLock {
    release: std::sync::mpsc::Sender<()>,
    done: tokio::task::JoinHandle<()>,
}

impl WriteLock {
    pub async fn take(url: &str) -> Self {
        let store = open(url).await;
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let wait = std::sync::Mutex::new(Some(wait));
        let (held_tx, held) = tokio::sync::oneshot::channel::<()>();
        let held_tx = std::sync::Mutex::new(Some(held_tx));
        let rt = tokio::runtime::Handle::current();
        // A purge paused inside its write transaction by its progress report, then
        // rolled back (it is cancelled from the start): it changes nothing.
        let cancelled = Cancel::new();
        cancelled.cancel();
        let done = tokio::task::spawn_blocking(move || {
            let pause = |_| {
                if let Some(tx) = held_tx.lock().unwrap().take() {
                    let _ = tx.send(());
                    if let Some(rx) = wait.lock().unwrap().take() {
                        let _ = rx.recv();
                    }
                }
            };
            rt.block_on(async {
                let r = store.purge_expired_with(true, pause, &cancelled).await;
                assert!(matches!(r, Err(vaultstore::Error::Cancelled)), "{r:?}");
                store.close().await;
            });
        });
        held.await.unwrap();
        Self { release, done }
    }

    pub async fn release(self) {
        let _ = self.release.send(());
        self.done.await.unwrap();
    }
}

/// Every live record's expiry, by label, as stored.
pub async fn expiries(
    url: &str,
) -> std::collections::BTreeMap<String, Option<chrono::DateTime<chrono::Utc>>> {
    let store = open(url).await;
    let page = store.records_list(&RecordQuery::new()).await.unwrap();
    store.close().await;
    page.records
        .into_iter()
        .map(|r| (r.metadata.label.unwrap_or_default(), r.expires_at))
        .collect()
}

/// Whether the record with this token is in the Trash.
pub async fn trashed(url: &str, token: &str) -> bool {
    let store = open(url).await;
    let record = store.record_find_by_token(token).await.unwrap();
    store.close().await;
    record.unwrap().soft_deleted_at.is_some()
}
