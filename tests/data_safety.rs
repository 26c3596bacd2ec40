//! Nothing stored is lost: concurrent writers during long operations, timestamps from
//! outside, backups of every record the vault can hold, snapshots, read-only databases
//! and metadata every backend can store. Each test runs on SQLite, PostgreSQL and MySQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Backend, Ctx, all_records, export_all as export, pw, val};
use vaultstore::transfer::ImportOptions;
use vaultstore::transfer::bundle::{self, BundleRecord};
use vaultstore::{
    Cancel, CreateOptions, DeletedFilter, ErrorCode, Metadata, Password, Progress, RecordQuery,
    SortField, Store,
};

async fn import(
    store: &Store,
    bytes: &[u8],
) -> vaultstore::Result<vaultstore::transfer::ImportReport> {
    store
        .import_bundle(bytes, ImportOptions::default(), |_| {}, &Cancel::new())
        .await
}

/// A second store on the test's database, over its own table (an empty vault).
async fn other_vault(ctx: &Ctx, table: &str) -> Store {
    let mut o = ctx.options();
    o.table = table.into();
    Store::new(o).await.unwrap()
}

/// The first Go library v2 vector: (envelope, password, value).
fn go_v2_vector() -> (String, Password, String) {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("vectors/go-v2.json")).unwrap();
    let v = &vectors["vectors"][0];
    let s = |k: &str| v[k].as_str().unwrap().to_owned();
    (s("envelope"), Password::new(s("password")), s("value"))
}

fn named(token: &str) -> CreateOptions {
    CreateOptions {
        token: Some(token.into()),
        metadata: Metadata::labelled(token),
        ..CreateOptions::default()
    }
}

/// Runs `work` on another thread with its own runtime, so a sync progress hook can start
/// a concurrent writer and wait a bounded time for it.
fn spawn_writer<F>(work: F) -> mpsc::Receiver<vaultstore::Result<()>>
where
    F: Future<Output = vaultstore::Result<()>> + Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let _ = tx.send(rt.block_on(work));
    });
    rx
}

/// A value update that commits between change-password's read of a batch and its write
/// must not be replaced by the re-sealed old value: either the update waits and then
/// fails loudly, or it wins and its value is what the record holds.
async fn change_password_never_overwrites_a_concurrent_update(ctx: &Ctx) {
    let s = &ctx.store;
    for t in ["tk_one", "tk_two", "tk_three"] {
        s.token_create(&val("original"), &pw("old"), named(t))
            .await
            .unwrap();
    }
    let other = Store::new(ctx.options()).await.unwrap();
    let pending: Arc<Mutex<Option<mpsc::Receiver<_>>>> = Arc::default();
    let finished: Arc<Mutex<Option<vaultstore::Result<()>>>> = Arc::default();
    let hook = {
        let (pending, finished) = (pending.clone(), finished.clone());
        move |_: Progress| {
            let mut slot = pending.lock().unwrap();
            if slot.is_some() || finished.lock().unwrap().is_some() {
                return;
            }
            let other = other.clone();
            let rx = spawn_writer(async move {
                other
                    .token_update("tk_two", &val("edited"), &pw("old"))
                    .await
            });
            // Without a row lock the update commits at once; with one it waits for us.
            match rx.recv_timeout(Duration::from_secs(3)) {
                Ok(r) => *finished.lock().unwrap() = Some(r),
                Err(_) => *slot = Some(rx),
            }
        }
    };
    let changed = s
        .change_password(&pw("old"), &pw("new"), hook, &Cancel::new())
        .await
        .unwrap();
    let writer = finished.lock().unwrap().take().unwrap_or_else(|| {
        let rx = pending.lock().unwrap().take().expect("the hook ran");
        rx.recv_timeout(Duration::from_secs(60))
            .expect("the writer finished")
    });
    s.lock();
    let read = |p| s.token_read("tk_two", p);
    match writer {
        Ok(()) => {
            let v = match read(&pw("new")).await {
                Ok(v) => v,
                Err(_) => read(&pw("old")).await.unwrap(),
            };
            assert_eq!(
                v.expose(),
                "edited",
                "an update that reported success was lost"
            );
        }
        Err(e) => {
            assert_eq!(changed, 3, "change-password re-sealed every record");
            assert_eq!(read(&pw("new")).await.unwrap().expose(), "original");
            assert!(
                matches!(e.code(), ErrorCode::InvalidPassword | ErrorCode::Database),
                "the losing writer is told: {e}"
            );
        }
    }
    for t in ["tk_one", "tk_three"] {
        assert_eq!(
            s.token_read(t, &pw("new")).await.unwrap().expose(),
            "original"
        );
    }
}

/// Every filter, sort, cursor and purge compares stored text, so a bundle time chrono
/// merely tolerates must be refused, naming the record, and nothing imported.
async fn bundle_times_are_accepted_only_in_the_stored_form(ctx: &Ctx) {
    let s = &ctx.store;
    s.token_create(&val("v"), &pw("a"), named("tk_seed"))
        .await
        .unwrap();
    let good = bundle::decode(&export(s).await).unwrap().remove(0);
    let target = other_vault(ctx, "restored").await;
    for bad in [
        "+10000-01-01T00:00:00.000000Z",
        " 2026-01-02T03:04:05.000000Z",
        "999-01-02T03:04:05.000000Z",
        "2026-1-2T03:04:05.000000Z",
        "2026-01-02T03:04:05Z",
    ] {
        let mut r: BundleRecord = good.clone();
        r.token = "tk_strange_time".into();
        r.id = "id_strange_time".into();
        r.expires_at = Some(bad.into());
        let bytes = bundle::encode(vec![good.clone(), r], common::t0()).unwrap();
        let err = import(&target, &bytes).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{bad:?}: {err}");
        let msg = err.to_string();
        assert!(
            msg.contains("tk_strange_time") && msg.contains("expires_at"),
            "the message names the record and the field: {msg}"
        );
        assert!(
            all_records(&target).await.is_empty(),
            "nothing imported for {bad:?}"
        );
    }
    target.close().await;
}

/// A vault holding a Go v1 value (imported, flagged unreadable) and a damaged envelope
/// exports a bundle that restores every record, byte for byte.
async fn a_backup_restores_every_record_readable_or_not(ctx: &Ctx) {
    let s = &ctx.store;
    s.token_create(&val("fine"), &pw("a"), named("tk_fine"))
        .await
        .unwrap();
    ctx.exec(
        "INSERT INTO vault (id, token, value, password_hash, created_at, updated_at, expires_at, soft_deleted_at, data) \
         VALUES ('idv1', 'tk_go_v1', 'bGVnYWN5', NULL, '2020-01-01T00:00:00.000000Z', '2020-01-01T00:00:00.000000Z', NULL, '2021-01-01T00:00:00.000000Z', '{\"unreadable\":\"legacy v1 value from the Go library\"}')",
    )
    .await;
    ctx.exec(
        "INSERT INTO vault (id, token, value, password_hash, created_at, updated_at, expires_at, soft_deleted_at, data) \
         VALUES ('iddmg', 'tk_damaged', 'v3:AAAA', NULL, '2020-01-01T00:00:00.000000Z', '2020-01-01T00:00:00.000000Z', NULL, NULL, '{\"label\":\"damaged\"}')",
    )
    .await;
    let mut before = all_records(s).await;
    let target = other_vault(ctx, "restored").await;
    let report = import(&target, &export(s).await).await.unwrap();
    assert_eq!(report.created, 3);
    // The damaged value comes back as it was, now flagged like the v1 one.
    let damaged = before.iter_mut().find(|r| r.token == "tk_damaged").unwrap();
    damaged.metadata.extra.insert(
        "unreadable".into(),
        "the value is not an envelope this version can open".into(),
    );
    assert_eq!(
        all_records(&target).await,
        before,
        "every record back as it was"
    );
    assert_eq!(
        target
            .token_read("tk_fine", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "fine"
    );
    target.close().await;
}

/// The pages of an export are read in one snapshot: a record deleted and another created
/// while the export runs leave it exactly as the vault was when it started.
async fn an_export_is_one_snapshot(ctx: &Ctx) {
    let s = &ctx.store;
    s.token_create(&val("v"), &pw("a"), named("tk_seed"))
        .await
        .unwrap();
    let seed = bundle::decode(&export(s).await).unwrap().remove(0);
    // More than one page (1000 rows) of records, imported in one go.
    let many: Vec<BundleRecord> = (0..1100)
        .map(|i| BundleRecord {
            id: format!("id_{i:05}"),
            token: format!("tk_many_{i:05}"),
            created_at: format!("2020-01-01T00:00:00.{i:06}Z"),
            ..seed.clone()
        })
        .collect();
    import(s, &bundle::encode(many, common::t0()).unwrap())
        .await
        .unwrap();
    let other = Store::new(ctx.options()).await.unwrap();
    let pending: Arc<Mutex<Option<vaultstore::Result<()>>>> = Arc::default();
    let hook = {
        let pending = pending.clone();
        move |p: Progress| {
            let mut slot = pending.lock().unwrap();
            if slot.is_some() || p.done == p.total {
                return;
            }
            let other = other.clone();
            // The newest record (last page) goes, a new one comes, while we export.
            let rx = spawn_writer(async move {
                other.record_delete("id_01099").await?;
                other
                    .token_create(&val("late"), &pw("a"), named("tk_late"))
                    .await
                    .map(drop)
            });
            *slot = Some(rx.recv_timeout(Duration::from_secs(60)).unwrap());
        }
    };
    let query = RecordQuery::new().deleted(DeletedFilter::Include);
    let (bytes, report) = s
        .export_bundle_bytes(&query, hook, &Cancel::new())
        .await
        .unwrap();
    pending
        .lock()
        .unwrap()
        .take()
        .expect("the writer ran")
        .unwrap();
    let tokens: Vec<String> = bundle::decode(&bytes)
        .unwrap()
        .into_iter()
        .map(|r| r.token)
        .collect();
    assert_eq!(report.count, 1101);
    assert_eq!(
        tokens.len(),
        1101,
        "the vault as it was when the export began"
    );
    assert!(
        tokens.iter().any(|t| t == "tk_many_01099"),
        "deleted during the export"
    );
    assert!(
        !tokens.iter().any(|t| t == "tk_late"),
        "created during the export"
    );
}

/// A login that can only read (a read-only file, a SELECT-only role) still opens Go
/// values: upgrading them to v3 is best effort.
async fn a_read_only_login_reads_go_values(ctx: &Ctx) {
    let (envelope, password, value) = go_v2_vector();
    ctx.store
        .token_create(&val("placeholder"), &pw("a"), named("tk_go"))
        .await
        .unwrap();
    // A vault from before v2 retirement: a new one would refuse the value.
    ctx.accept_v2().await;
    ctx.exec(&format!(
        "UPDATE vault SET value = '{envelope}' WHERE token = 'tk_go'"
    ))
    .await;
    let ro_user = format!("vs_ro_{}", std::process::id());
    let url = match ctx.backend {
        Backend::Sqlite => format!("{}?mode=ro", ctx.url),
        Backend::Postgres => {
            ctx.exec(&format!("DROP ROLE IF EXISTS {ro_user}")).await;
            ctx.exec(&format!("CREATE ROLE {ro_user} LOGIN")).await;
            ctx.exec(&format!(
                "DO $$ BEGIN EXECUTE format('GRANT USAGE ON SCHEMA %I TO {ro_user}', current_schema()); \
                 EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO {ro_user}', current_schema()); END $$"
            ))
            .await;
            ctx.url.replacen("postgres@", &format!("{ro_user}@"), 1)
        }
        Backend::MySql => {
            let db = ctx.url.rsplit('/').next().unwrap().to_owned();
            for host in ["%", "localhost", "127.0.0.1"] {
                ctx.exec(&format!("DROP USER IF EXISTS '{ro_user}'@'{host}'"))
                    .await;
                ctx.exec(&format!("CREATE USER '{ro_user}'@'{host}'")).await;
                ctx.exec(&format!("GRANT SELECT ON {db}.* TO '{ro_user}'@'{host}'"))
                    .await;
            }
            ctx.url.replacen("root@", &format!("{ro_user}@"), 1)
        }
    };
    let mut o = vaultstore::StoreOptions::new(url);
    o.automigrate = false;
    o.kdf = Some(vaultstore::KdfParams::MINIMUM);
    let reader = Store::new(o).await.unwrap();
    let read = reader.token_read("tk_go", &password).await;
    reader.close().await;
    match ctx.backend {
        Backend::Sqlite => {}
        Backend::Postgres => {
            ctx.exec(&format!("DROP OWNED BY {ro_user}")).await;
            ctx.exec(&format!("DROP ROLE {ro_user}")).await;
        }
        Backend::MySql => {
            for host in ["%", "localhost", "127.0.0.1"] {
                ctx.exec(&format!("DROP USER '{ro_user}'@'{host}'")).await;
            }
        }
    }
    assert_eq!(read.unwrap().expose(), value);
    let stored = ctx
        .store
        .record_find_by_token("tk_go")
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.envelope.starts_with("v2:"),
        "the read-only login changed nothing"
    );
}

/// U+0000 is valid JSON text but not valid `jsonb`: refused on every backend, so one
/// record can never break every search.
async fn metadata_every_backend_can_store_and_search(ctx: &Ctx) {
    let s = &ctx.store;
    let mut with_nul = Metadata::labelled("fine");
    with_nul.notes = Some("a\u{0}b".into());
    let err = s
        .token_create(
            &val("v"),
            &pw("a"),
            CreateOptions {
                metadata: with_nul,
                ..CreateOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert!(err.to_string().contains("notes"), "{err}");
    let id = s
        .token_create(&val("v"), &pw("a"), named("tk_ok"))
        .await
        .unwrap();
    let rec = s.record_find_by_token("tk_ok").await.unwrap().unwrap();
    let mut extra = Metadata::labelled("ok");
    extra.extra.insert("url".into(), "https://x/\u{0}".into());
    let err = s.record_update_metadata(&rec.id, &extra).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    // A bundle carrying one is refused whole.
    let mut r = bundle::decode(&export(s).await).unwrap().remove(0);
    r.token = "tk_nul".into();
    r.id = "id_nul".into();
    r.data = serde_json::value::RawValue::from_string(r#"{"notes":"a\u0000b"}"#.into()).unwrap();
    let err = import(s, &bundle::encode(vec![r], common::t0()).unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    let found = s
        .records_list(&RecordQuery::new().search("ok"))
        .await
        .unwrap();
    assert_eq!(found.records.len(), 1, "search still works");
    let _ = id;
}

/// Search folds case the same way on every backend: one character to one character,
/// beyond ASCII too, and never accents.
async fn search_folds_case_the_same_way_everywhere(ctx: &Ctx) {
    let s = &ctx.store;
    for (token, label) in [
        ("tk_aerzte", "Ärzte Berlin"),
        ("tk_greek", "ΑΘΗΝΑ"),
        ("tk_plain", "Arzt"),
    ] {
        s.token_create(
            &val("v"),
            &pw("a"),
            CreateOptions {
                token: Some(token.into()),
                metadata: Metadata::labelled(label),
                ..CreateOptions::default()
            },
        )
        .await
        .unwrap();
    }
    let found = async |text: &str| -> Vec<String> {
        let page = s
            .records_list(&RecordQuery::new().search(text).sort(SortField::Token))
            .await
            .unwrap();
        page.records.into_iter().map(|r| r.token).collect()
    };
    for text in ["ärzte", "ÄRZTE", "Ärzte", "äRzTe"] {
        assert_eq!(found(text).await, ["tk_aerzte"], "search {text:?}");
    }
    assert_eq!(found("αθηνα").await, ["tk_greek"]);
    assert_eq!(
        found("arzte").await,
        Vec::<String>::new(),
        "accents are not folded"
    );
    assert_eq!(found("ARZT").await, ["tk_plain"]);
    assert_eq!(found("tk_AER").await, ["tk_aerzte"], "tokens fold too");
}

on_every_backend!(
    search_folds_case_the_same_way_everywhere,
    change_password_never_overwrites_a_concurrent_update,
    bundle_times_are_accepted_only_in_the_stored_form,
    a_backup_restores_every_record_readable_or_not,
    an_export_is_one_snapshot,
    a_read_only_login_reads_go_values,
    metadata_every_backend_can_store_and_search,
);
