//! Export, import and restore on every backend: bundles, conflict policies, bad input
//! that must leave the vault unchanged, other managers' files and the Go library's table.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use chrono::Duration;
use common::{Ctx, all_records, pw, val};
use vaultstore::transfer::bundle::{self, BundleRecord};
use vaultstore::transfer::{ForeignFormat, ImportOptions, ImportReport, OnConflict, PlainFormat};
use vaultstore::{
    Cancel, CreateOptions, DeletedFilter, ErrorCode, KdfParams, Metadata, Password, RecordQuery,
    Store,
};

async fn seed(ctx: &Ctx) {
    let mk = |token: &str, label: &str, expires: Option<i64>| CreateOptions {
        token: Some(token.into()),
        expires_at: expires.map(|h| common::t0() + Duration::hours(h)),
        metadata: Metadata {
            label: Some(label.into()),
            tags: vec!["t1".into()],
            notes: Some("note ✓".into()),
            ..Metadata::default()
        },
        ..CreateOptions::default()
    };
    let s = &ctx.store;
    s.token_create(&val("alpha"), &pw("a"), mk("tk_alpha", "Alpha", None))
        .await
        .unwrap();
    s.token_create(&val("beta"), &pw("b"), mk("tk_beta", "Beta", Some(48)))
        .await
        .unwrap();
    s.token_create(&val("gone"), &pw("a"), mk("tk_gone", "Gone", Some(-1)))
        .await
        .unwrap();
    s.token_create(&val("trash"), &pw("a"), mk("tk_trash", "Trash", None))
        .await
        .unwrap();
    s.token_soft_delete("tk_trash").await.unwrap();
}

async fn export(store: &Store, q: &RecordQuery) -> Vec<u8> {
    store
        .export_bundle_bytes(q, |_| {}, &Cancel::new())
        .await
        .unwrap()
        .0
}

async fn import(
    store: &Store,
    bytes: &[u8],
    options: ImportOptions,
) -> vaultstore::Result<ImportReport> {
    store
        .import_bundle(bytes, options, |_| {}, &Cancel::new())
        .await
}

/// A second vault (table) in the same test database.
async fn other_vault(ctx: &Ctx, table: &str) -> Store {
    let mut o = ctx.options();
    o.table = table.into();
    Store::new(o).await.unwrap()
}

async fn a_bundle_restores_every_record_readable_with_its_password(ctx: &Ctx) {
    seed(ctx).await;
    let bytes = export(
        &ctx.store,
        &RecordQuery::new().deleted(DeletedFilter::Include),
    )
    .await;
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(!text.contains("\"alpha\""), "values stay sealed");
    let dest = other_vault(ctx, "restored").await;
    let report = import(&dest, &bytes, ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(
        report,
        ImportReport {
            created: 4,
            ..ImportReport::default()
        }
    );
    let (a, b) = (all_records(&ctx.store).await, all_records(&dest).await);
    assert_eq!(
        a, b,
        "ids, timestamps, metadata, expiry and trash state all kept"
    );
    assert_eq!(
        dest.token_read("tk_alpha", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "alpha"
    );
    assert_eq!(
        dest.token_read("tk_beta", &pw("b")).await.unwrap().expose(),
        "beta"
    );
    assert_eq!(
        code(dest.token_read("tk_gone", &pw("a")).await),
        ErrorCode::Expired
    );
    assert_eq!(
        code(dest.token_read("tk_trash", &pw("a")).await),
        ErrorCode::Deleted
    );
    // Only the Trash, restored as live records.
    let trash = export(&ctx.store, &RecordQuery::new().deleted(DeletedFilter::Only)).await;
    let live = other_vault(ctx, "from_trash").await;
    let options = ImportOptions {
        restore_deleted: true,
        ..ImportOptions::default()
    };
    let report = import(&live, &trash, options).await.unwrap();
    assert_eq!((report.created, report.restored), (1, 1));
    assert_eq!(
        live.token_read("tk_trash", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "trash"
    );
}

/// Metadata with every character COPY's text format escapes (PostgreSQL's import path:
/// tab, newline, carriage return and backslash, which the JSON text holds as backslash
/// escapes, and a literal `\N`, COPY's NULL) arrives as it left, in a bundle large enough
/// to take several COPY batches; a conflict in the last batch leaves nothing of the
/// earlier ones.
async fn an_import_keeps_every_character_of_the_metadata(ctx: &Ctx) {
    let awkward = "tab\there\nnew line\r\nback\\slash \\N \\t end";
    let s = &ctx.store;
    for i in 0..12 {
        let options = CreateOptions {
            token: Some(format!("tk_copy_{i:02}")),
            metadata: Metadata {
                label: Some(format!("{awkward} {i}")),
                notes: Some(awkward.to_owned()),
                ..Metadata::default()
            },
            ..CreateOptions::default()
        };
        s.token_create(&val("v"), &pw("a"), options).await.unwrap();
    }
    let records =
        vaultstore::transfer::bundle::decode(&export(s, &RecordQuery::new()).await).unwrap();
    // 12,000 records made from those 12, under new tokens and ids.
    let many: Vec<_> = (0..12_000)
        .map(|i| {
            let mut r = records[i % records.len()].clone();
            r.token = format!("tk_many_{i:05}");
            r.id = format!("{:032x}", i + 1);
            r
        })
        .collect();
    let bundle = vaultstore::transfer::bundle::encode(many.clone(), common::t0()).unwrap();
    let dest = other_vault(ctx, "awkward").await;
    let report = import(&dest, &bundle, ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(report.created, 12_000);
    for i in [0, 5_001, 11_999] {
        let got = dest
            .record_find_by_token(&format!("tk_many_{i:05}"))
            .await
            .unwrap()
            .unwrap();
        let source = s
            .record_find_by_token(&records[i % records.len()].token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.metadata, source.metadata, "record {i}");
        assert_eq!(got.metadata.notes.as_deref(), Some(awkward));
    }
    let search = RecordQuery::parse("\"back\\\\slash \\\\N\"").unwrap();
    assert_eq!(dest.records_count(&search).await.unwrap(), 12_000);
    // 11,999 new records, then one whose token is taken: the batches written before it
    // are rolled back with it.
    let mut more: Vec<_> = many
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r.token = format!("tk_more_{i:05}");
            r.id = format!("{:032x}", 100_000 + i);
            r
        })
        .collect();
    more[11_999].token = "tk_many_00000".into();
    let again = vaultstore::transfer::bundle::encode(more, common::t0()).unwrap();
    let fail = ImportOptions {
        on_conflict: OnConflict::Fail,
        ..ImportOptions::default()
    };
    assert_eq!(
        code(import(&dest, &again, fail).await),
        ErrorCode::AlreadyExists
    );
    assert_eq!(
        dest.records_count(&RecordQuery::new()).await.unwrap(),
        12_000
    );
}

fn code<T: std::fmt::Debug>(r: vaultstore::Result<T>) -> ErrorCode {
    r.unwrap_err().code()
}

async fn conflict_policies_skip_overwrite_or_fail(ctx: &Ctx) {
    seed(ctx).await;
    let bytes = export(
        &ctx.store,
        &RecordQuery::new().deleted(DeletedFilter::Include),
    )
    .await;
    ctx.store
        .token_update("tk_alpha", &val("changed"), &pw("a"))
        .await
        .unwrap();
    ctx.store.token_delete("tk_beta").await.unwrap();
    let before = all_records(&ctx.store).await;

    let fail = ImportOptions {
        on_conflict: OnConflict::Fail,
        ..ImportOptions::default()
    };
    let err = import(&ctx.store, &bytes, fail).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists);
    assert_eq!(
        all_records(&ctx.store).await,
        before,
        "fail changes nothing"
    );

    let dry = ImportOptions {
        on_conflict: OnConflict::Overwrite,
        dry_run: true,
        ..ImportOptions::default()
    };
    let preview = import(&ctx.store, &bytes, dry).await.unwrap();
    assert_eq!((preview.created, preview.overwritten), (1, 3));
    assert_eq!(
        all_records(&ctx.store).await,
        before,
        "a dry run changes nothing"
    );

    let skip = import(&ctx.store, &bytes, ImportOptions::default())
        .await
        .unwrap();
    assert_eq!((skip.created, skip.skipped), (1, 3));
    assert_eq!(
        ctx.store
            .token_read("tk_alpha", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "changed"
    );
    assert_eq!(
        ctx.store
            .token_read("tk_beta", &pw("b"))
            .await
            .unwrap()
            .expose(),
        "beta"
    );

    let over = ImportOptions {
        on_conflict: OnConflict::Overwrite,
        restore_deleted: true,
        ..ImportOptions::default()
    };
    let report = import(&ctx.store, &bytes, over).await.unwrap();
    assert_eq!((report.overwritten, report.restored), (4, 1));
    assert_eq!(
        ctx.store
            .token_read("tk_alpha", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "alpha"
    );
    assert_eq!(
        ctx.store
            .token_read("tk_trash", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "trash"
    );
}

fn records_of(bytes: &[u8]) -> Vec<BundleRecord> {
    bundle::decode(bytes).unwrap()
}

fn rebuild(records: Vec<BundleRecord>) -> Vec<u8> {
    bundle::encode(records, common::t0()).unwrap()
}

async fn bad_bundles_are_refused_whole_and_change_nothing(ctx: &Ctx) {
    seed(ctx).await;
    let good = export(
        &ctx.store,
        &RecordQuery::new().deleted(DeletedFilter::Include),
    )
    .await;
    let dest = other_vault(ctx, "dest").await;
    create_one(&dest).await;
    let before = all_records(&dest).await;
    let text = String::from_utf8(good.clone()).unwrap();

    let mut dup = records_of(&good);
    dup[2].token = dup[0].token.clone();
    let mut bad_token = records_of(&good);
    bad_token[1].token = "has space".into();
    let mut bad_time = records_of(&good);
    bad_time[3].created_at = "yesterday".into();
    let mut bad_value = records_of(&good);
    bad_value[0].value = "plaintext!".into();
    let mut oversized = records_of(&good);
    oversized[2].value = format!("v3:{}", "A".repeat(3 * 1024 * 1024));
    let mut reordered = records_of(&good);
    reordered.swap(0, 1);
    let reordered_text = text.replacen(
        &serde_json::to_string(&records_of(&good)).unwrap(),
        &serde_json::to_string(&reordered).unwrap(),
        1,
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated", good[..good.len() / 2].to_vec(), "truncated"),
        (
            "wrong version",
            text.replacen("\"version\":1", "\"version\":2", 1)
                .into_bytes(),
            "version 2",
        ),
        (
            "wrong format",
            text.replacen("vaultstore-bundle", "keepass", 1)
                .into_bytes(),
            "not a VaultStore bundle",
        ),
        (
            "tampered",
            text.replacen("tk_alpha", "tk_alphA", 1).into_bytes(),
            "checksum",
        ),
        ("reordered", reordered_text.into_bytes(), "checksum"),
        (
            "wrong count",
            text.replacen("\"count\":4", "\"count\":5", 1).into_bytes(),
            "says it holds 5",
        ),
        ("duplicated token", rebuild(dup), "same token"),
        ("bad token", rebuild(bad_token), "record 2"),
        ("bad time", rebuild(bad_time), "record 4"),
        ("bad value", rebuild(bad_value), "record 1"),
        ("oversized value", rebuild(oversized), "record 3"),
        ("not json", b"hello".to_vec(), "not valid JSON"),
    ];
    for (name, bytes, says) in cases {
        let err = import(&dest, &bytes, ImportOptions::default())
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{name}: {err}");
        assert!(err.to_string().contains(says), "{name}: {err}");
        assert_eq!(
            all_records(&dest).await,
            before,
            "{name}: the vault is unchanged"
        );
    }
}

async fn create_one(store: &Store) {
    store
        .token_create(&val("existing"), &pw("z"), CreateOptions::default())
        .await
        .unwrap();
}

async fn plaintext_export_opens_what_it_can_and_lists_the_rest(ctx: &Ctx) {
    seed(ctx).await;
    let q = RecordQuery::new().deleted(DeletedFilter::Include);
    let out = ctx
        .store
        .export_plaintext(&q, &[pw("a")], PlainFormat::Csv, |_| {}, &Cancel::new())
        .await
        .unwrap();
    let csv = String::from_utf8(out.bytes.to_vec()).unwrap();
    assert_eq!(out.exported, 3);
    assert_eq!(out.unopened, vec!["tk_beta".to_owned()]);
    assert!(
        csv.starts_with("token,label,value,notes,tags,expires_at"),
        "{csv}"
    );
    assert!(csv.contains("tk_alpha,Alpha,alpha,note ✓,t1,"), "{csv}");
    let both = ctx
        .store
        .export_plaintext(
            &q,
            &[pw("a"), pw("b")],
            PlainFormat::Json,
            |_| {},
            &Cancel::new(),
        )
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&both.bytes).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4);
    assert!(both.unopened.is_empty());
}

/// Cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage
/// return first) come out of the CSV behind a `'`; the JSON keeps them exactly.
async fn a_plaintext_csv_shows_formula_cells_as_text(ctx: &Ctx) {
    let formula = r#"=HYPERLINK("http://evil.example","x")"#;
    let mk = |token: &str, label: &str, notes: &str| CreateOptions {
        token: Some(token.into()),
        metadata: Metadata {
            label: Some(label.into()),
            notes: Some(notes.into()),
            tags: vec!["-rm".into()],
            ..Metadata::default()
        },
        ..CreateOptions::default()
    };
    let s = &ctx.store;
    s.token_create(&val("+1"), &pw("a"), mk("tk_evil", formula, "@SUM(A1)"))
        .await
        .unwrap();
    s.token_create(&val("\tx"), &pw("a"), mk("tk_plain", "Plain", "\rcr"))
        .await
        .unwrap();
    let q = RecordQuery::new().sort(vaultstore::SortField::Token);
    let out = s
        .export_plaintext(&q, &[pw("a")], PlainFormat::Csv, |_| {}, &Cancel::new())
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(&out.bytes[..]);
    let header: Vec<String> = reader.headers().unwrap().iter().map(Into::into).collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(Into::into).collect())
        .collect();
    let cell = |token: &str, column: &str| {
        let i = header.iter().position(|h| h == column).unwrap();
        let row = rows.iter().find(|r| r[0] == token).unwrap();
        row[i].clone()
    };
    assert_eq!(cell("tk_evil", "label"), format!("'{formula}"));
    assert_eq!(cell("tk_evil", "value"), "'+1");
    assert_eq!(cell("tk_evil", "notes"), "'@SUM(A1)");
    assert_eq!(cell("tk_evil", "tags"), "'-rm");
    assert_eq!(cell("tk_plain", "label"), "Plain");
    assert_eq!(cell("tk_plain", "value"), "'\tx");
    assert_eq!(cell("tk_plain", "notes"), "'\rcr");
    assert_eq!(cell("tk_plain", "token"), "tk_plain");
    let json = s
        .export_plaintext(&q, &[pw("a")], PlainFormat::Json, |_| {}, &Cancel::new())
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.bytes).unwrap();
    let evil = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["token"] == "tk_evil")
        .unwrap();
    assert_eq!(evil["label"], formula);
    assert_eq!(evil["value"], "+1");
}

const KEEPASSXC: &str = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\",\"Icon\",\"Last Modified\",\"Created\"
\"Root\",\"Mail\",\"me@example.org\",\"p4ss,with \"\"quotes\"\"\",\"https://mail.example.org\",\"line1
line2\",\"\",\"0\",\"2024-01-01T00:00:00Z\",\"2024-01-01T00:00:00Z\"
\"Root/Work\",\"VPN\",\"me\",\"vpn-secret\",\"\",\"\",\"\",\"0\",\"2024-01-01T00:00:00Z\",\"2024-01-01T00:00:00Z\"
";

const BITWARDEN: &str = r#"{"encrypted":false,"folders":[{"id":"f1","name":"Work"}],"items":[
 {"id":"1","type":1,"name":"GitHub","folderId":"f1","notes":"2FA on","login":{"username":"octo","password":"gh-secret","uris":[{"uri":"https://github.com"}]}},
 {"id":"2","type":2,"name":"Recovery codes","notes":"aaaa-bbbb"},
 {"id":"3","type":3,"name":"Visa","card":{"number":"4111"}}
]}"#;

async fn other_managers_exports_become_records_under_one_password(ctx: &Ctx) {
    let s = &ctx.store;
    let opts = ImportOptions::default();
    let r = s
        .import_foreign(
            ForeignFormat::KeepassxcCsv,
            KEEPASSXC.as_bytes(),
            &pw("k"),
            opts,
            |_| {},
            &Cancel::new(),
        )
        .await
        .unwrap();
    assert_eq!(r.created, 2);
    let r = s
        .import_foreign(
            ForeignFormat::BitwardenJson,
            BITWARDEN.as_bytes(),
            &pw("k"),
            opts,
            |_| {},
            &Cancel::new(),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.created, r.skipped),
        (2, 1),
        "the card is skipped, not lost silently"
    );
    let by_label = |label: &str| {
        let label = label.to_owned();
        async move {
            let page = s
                .records_list(&RecordQuery::new().search(label.clone()))
                .await
                .unwrap();
            page.records
                .into_iter()
                .find(|r| r.metadata.label.as_deref() == Some(&label))
                .unwrap()
        }
    };
    let mail = by_label("Mail").await;
    assert_eq!(
        s.token_read(&mail.token, &pw("k")).await.unwrap().expose(),
        "p4ss,with \"quotes\""
    );
    assert_eq!(mail.metadata.notes.as_deref(), Some("line1\nline2"));
    assert_eq!(mail.metadata.extra["username"], "me@example.org");
    assert_eq!(mail.metadata.extra["url"], "https://mail.example.org");
    assert!(mail.metadata.tags.is_empty(), "the Root group is no tag");
    assert_eq!(
        by_label("VPN").await.metadata.tags,
        vec!["Root/Work".to_owned()]
    );
    let gh = by_label("GitHub").await;
    assert_eq!(
        s.token_read(&gh.token, &pw("k")).await.unwrap().expose(),
        "gh-secret"
    );
    assert_eq!(gh.metadata.tags, vec!["Work".to_owned()]);
    let codes = by_label("Recovery codes").await;
    assert_eq!(
        s.token_read(&codes.token, &pw("k")).await.unwrap().expose(),
        "aaaa-bbbb"
    );

    // Bad files: the error names the line or item; nothing is written.
    let before = all_records(s).await;
    let bad: Vec<(ForeignFormat, String, &str)> = vec![
        (
            ForeignFormat::KeepassxcCsv,
            KEEPASSXC.replacen("\"VPN\",", "", 1),
            "line 4",
        ),
        (
            ForeignFormat::KeepassxcCsv,
            "\"Name\",\"Secret\"\n\"a\",\"b\"\n".into(),
            "line 1",
        ),
        (
            ForeignFormat::BitwardenJson,
            BITWARDEN.replacen("\"encrypted\":false", "\"encrypted\":true", 1),
            "encrypted",
        ),
        (
            ForeignFormat::BitwardenJson,
            BITWARDEN.replacen("\"name\":\"Recovery codes\"", "\"name\":\"\"", 1),
            "item 2",
        ),
        (
            ForeignFormat::BitwardenJson,
            BITWARDEN[..40].to_owned(),
            "Bitwarden JSON",
        ),
    ];
    for (format, text, says) in bad {
        let err = s
            .import_foreign(
                format,
                text.as_bytes(),
                &pw("k"),
                opts,
                |_| {},
                &Cancel::new(),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
        assert!(err.to_string().contains(says), "{says}: {err}");
        assert_eq!(all_records(s).await, before);
    }
    let weak = Password::new("weak");
    assert_eq!(
        code(
            s.import_foreign(
                ForeignFormat::BitwardenJson,
                BITWARDEN.as_bytes(),
                &weak,
                opts,
                |_| {},
                &Cancel::new()
            )
            .await
        ),
        ErrorCode::Policy
    );
}

async fn the_go_library_table_imports_and_its_values_open(ctx: &Ctx) {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("vectors/go-v2.json")).unwrap();
    ctx.exec("CREATE TABLE go_vault (id VARCHAR(40) PRIMARY KEY, vault_token VARCHAR(100) NOT NULL, vault_value TEXT NOT NULL, created_at VARCHAR(40) NOT NULL, updated_at VARCHAR(40) NOT NULL, expires_at VARCHAR(40) NOT NULL, soft_deleted_at VARCHAR(40) NOT NULL)").await;
    let vs = vectors["vectors"].as_array().unwrap();
    for (i, v) in vs.iter().enumerate() {
        ctx.exec(&format!(
            "INSERT INTO go_vault VALUES ('id{i}', 'tk_go_{i}', '{}', '2024-03-01 10:00:0{i}', '2024-03-02 10:00:00', '9999-12-31 23:59:59', '9999-12-31 23:59:59')",
            v["envelope"].as_str().unwrap()
        ))
        .await;
    }
    ctx.exec("INSERT INTO go_vault VALUES ('idv1', 'tk_go_v1', 'bGVnYWN5', '2020-01-01 00:00:00', '2020-01-01 00:00:00', '2021-01-01 00:00:00', '2022-01-01 00:00:00')").await;
    let report = ctx
        .store
        .import_go(
            &ctx.url,
            "go_vault",
            ImportOptions::default(),
            |_| {},
            &Cancel::new(),
        )
        .await
        .unwrap();
    assert_eq!(report.created, vs.len() as u64 + 1);
    for (i, v) in vs.iter().enumerate() {
        let token = format!("tk_go_{i}");
        let password = Password::new(v["password"].as_str().unwrap());
        let got = ctx.store.token_read(&token, &password).await.unwrap();
        assert_eq!(got.expose(), v["value"].as_str().unwrap(), "{}", v["name"]);
        let r = ctx
            .store
            .record_find_by_token(&token)
            .await
            .unwrap()
            .unwrap();
        assert!(r.envelope.starts_with("v3:"), "upgraded on first read");
        assert_eq!(r.expires_at, None, "the Go sentinel means never");
        assert_eq!(r.soft_deleted_at, None);
        let updated =
            chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2024, 3, 2, 10, 0, 0).unwrap();
        assert_eq!(r.updated_at, updated);
    }
    let legacy = ctx
        .store
        .record_find_by_token("tk_go_v1")
        .await
        .unwrap()
        .unwrap();
    assert!(
        legacy.metadata.extra["unreadable"]
            .as_str()
            .unwrap()
            .contains("v1")
    );
    assert!(legacy.is_deleted(), "its trash state is kept");
    ctx.store.token_restore("tk_go_v1").await.unwrap();
    ctx.store.token_renew("tk_go_v1", None).await.unwrap();
    assert_eq!(
        code(ctx.store.token_read("tk_go_v1", &pw("a")).await),
        ErrorCode::Crypto
    );
    // Importing again skips everything.
    let again = ctx
        .store
        .import_go(
            &ctx.url,
            "go_vault",
            ImportOptions::default(),
            |_| {},
            &Cancel::new(),
        )
        .await
        .unwrap();
    assert_eq!(again.skipped, vs.len() as u64 + 1);
}

/// A record whose envelope claims a key derivation far costlier than the vault's own (here
/// 16×) would stall every reveal: the import refuses it from the header alone, before any
/// derivation and before writing, unless the caller allows it. Exactly the limit passes.
/// Nothing here reads the crafted records back: deriving with their parameters is what
/// the refusal avoids.
async fn a_record_with_a_far_costlier_kdf_is_refused_unless_allowed(ctx: &Ctx) {
    let vault = ctx.store.kdf_params();
    assert_eq!(vault, KdfParams::MINIMUM, "the harness's vault parameters");
    ctx.store
        .token_create(
            &val("costly"),
            &pw("a"),
            CreateOptions {
                token: Some("tk_costly".into()),
                ..CreateOptions::default()
            },
        )
        .await
        .unwrap();
    let good = export(&ctx.store, &RecordQuery::new()).await;
    // 8× the memory and 2× the passes: 16× the vault's cost.
    let costly = common::claiming_kdf_cost(&good, vault.memory_kib() * 8, vault.iterations() * 2);
    let dest = other_vault(ctx, "dest").await;
    create_one(&dest).await;
    let before = all_records(&dest).await;
    for dry_run in [false, true] {
        let options = ImportOptions {
            dry_run,
            ..ImportOptions::default()
        };
        let err = import(&dest, &costly, options).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
        let message = err.to_string();
        for says in ["tk_costly", "155648 KiB × 4 passes", "19456 KiB × 2 passes"] {
            assert!(message.contains(says), "names {says}: {message}");
        }
        assert_eq!(all_records(&dest).await, before, "nothing written");
    }

    let allowed = ImportOptions {
        allow_costly_kdf: true,
        ..ImportOptions::default()
    };
    let report = import(&dest, &costly, allowed).await.unwrap();
    assert_eq!(report.created, 1);

    // Exactly MAX_KDF_COST_FACTOR (4×) the vault's cost: twice the memory and passes.
    let at_limit = common::claiming_kdf_cost(&good, vault.memory_kib() * 2, vault.iterations() * 2);
    let fresh = other_vault(ctx, "at_limit").await;
    let report = import(&fresh, &at_limit, ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(report.created, 1);
}

/// A mistyped SQLite path for the Go source is refused, and no empty file is left there.
async fn a_go_import_from_a_missing_sqlite_file_is_refused_and_creates_nothing(ctx: &Ctx) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-go.db");
    let url = format!("sqlite://{}", path.display());
    let err = ctx
        .store
        .import_go(
            &url,
            "vault",
            ImportOptions::default(),
            |_| {},
            &Cancel::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert!(err.to_string().contains("no SQLite file"), "{err}");
    assert!(
        !path.exists(),
        "the failed import created {}",
        path.display()
    );
}

on_every_backend!(
    an_import_keeps_every_character_of_the_metadata,
    a_go_import_from_a_missing_sqlite_file_is_refused_and_creates_nothing,
    a_bundle_restores_every_record_readable_with_its_password,
    conflict_policies_skip_overwrite_or_fail,
    bad_bundles_are_refused_whole_and_change_nothing,
    plaintext_export_opens_what_it_can_and_lists_the_rest,
    a_plaintext_csv_shows_formula_cells_as_text,
    other_managers_exports_become_records_under_one_password,
    the_go_library_table_imports_and_its_values_open,
    a_record_with_a_far_costlier_kdf_is_refused_unless_allowed,
);

/// Export files in a folder other users can write to: the temp file an export goes through
/// is made fresh (never an existing file, never through a symlink) and owner-only, then
/// renamed over the target. The file system is the same whatever the backend, so these
/// run on SQLite only.
#[cfg(unix)]
mod export_files {
    use std::os::unix::fs::{PermissionsExt, symlink};
    use std::path::{Path, PathBuf};

    use super::common::{self, Backend, Ctx, pw};
    use super::{Cancel, DeletedFilter, PlainFormat, RecordQuery, seed};
    use vaultstore::transfer::{PlainExport, write_plain};

    /// The temp path exports used to write through: `.<name>.<pid>.tmp` beside the target,
    /// which anyone could compute and create first.
    fn old_temp_path(target: &Path) -> PathBuf {
        let name = target.file_name().unwrap().to_string_lossy();
        target.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
    }

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    async fn plaintext(ctx: &Ctx, format: PlainFormat) -> PlainExport {
        seed(ctx).await;
        let q = RecordQuery::new().deleted(DeletedFilter::Include);
        ctx.store
            .export_plaintext(&q, &[pw("a")], format, |_| {}, &Cancel::new())
            .await
            .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_plaintext_export_never_writes_into_a_file_planted_at_the_old_temp_path() {
        common::run(Backend::Sqlite, "planted_temp", async |ctx: &Ctx| {
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join("export.csv");
            let planted = old_temp_path(&target);
            std::fs::write(&planted, "planted").unwrap();
            std::fs::set_permissions(&planted, std::fs::Permissions::from_mode(0o666)).unwrap();
            let export = plaintext(ctx, PlainFormat::Csv).await;
            write_plain(&target, &export).unwrap();
            assert_eq!(
                std::fs::read_to_string(&planted).ok().as_deref(),
                Some("planted"),
                "the planted file is untouched and still there"
            );
            assert_eq!(mode(&planted), 0o666);
            let written = std::fs::read_to_string(&target).unwrap();
            assert!(written.contains("tk_alpha,Alpha,alpha,"), "{written}");
            assert_eq!(mode(&target), 0o600, "the export is owner-only");
            assert_eq!(
                std::fs::read_dir(dir.path()).unwrap().count(),
                2,
                "no temp file is left behind"
            );
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_export_never_follows_a_symlink_planted_at_the_old_temp_path() {
        common::run(Backend::Sqlite, "symlink_temp", async |ctx: &Ctx| {
            let dir = tempfile::tempdir().unwrap();
            let victim = dir.path().join("readable-by-them.txt");
            std::fs::write(&victim, "theirs").unwrap();
            let plain = dir.path().join("export.json");
            symlink(&victim, old_temp_path(&plain)).unwrap();
            let export = plaintext(ctx, PlainFormat::Json).await;
            write_plain(&plain, &export).unwrap();
            assert_eq!(std::fs::read_to_string(&victim).unwrap(), "theirs");
            assert!(
                std::fs::read_to_string(&plain)
                    .unwrap()
                    .contains("\"alpha\"")
            );
            assert_eq!(mode(&plain), 0o600);

            // The bundle export goes through the same writer.
            let bundle = dir.path().join("vault.bundle");
            symlink(&victim, old_temp_path(&bundle)).unwrap();
            let q = RecordQuery::new().deleted(DeletedFilter::Include);
            ctx.store
                .export_bundle(&q, &bundle, |_| {}, &Cancel::new())
                .await
                .unwrap();
            assert_eq!(std::fs::read_to_string(&victim).unwrap(), "theirs");
            assert!(
                std::fs::read_to_string(&bundle)
                    .unwrap()
                    .contains("vaultstore-bundle")
            );
            assert_eq!(mode(&bundle), 0o600);
        })
        .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_export_replaces_a_symlink_at_the_target_instead_of_writing_through_it() {
        common::run(Backend::Sqlite, "symlink_target", async |ctx: &Ctx| {
            let dir = tempfile::tempdir().unwrap();
            let victim = dir.path().join("readable-by-them.txt");
            std::fs::write(&victim, "theirs").unwrap();
            std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
            let target = dir.path().join("export.csv");
            symlink(&victim, &target).unwrap();
            let export = plaintext(ctx, PlainFormat::Csv).await;
            write_plain(&target, &export).unwrap();
            assert_eq!(std::fs::read_to_string(&victim).unwrap(), "theirs");
            let meta = std::fs::symlink_metadata(&target).unwrap();
            assert!(meta.file_type().is_file(), "the symlink was replaced");
            assert_eq!(mode(&target), 0o600);
            assert!(std::fs::read_to_string(&target).unwrap().contains("alpha"));
        })
        .await;
    }
}

/// SQLite → bundle → PostgreSQL → bundle → MySQL: every record readable with its
/// password, every timestamp and trash state kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vault_travels_sqlite_to_postgres_to_mysql() {
    use common::Backend;
    let Some(sqlite) = Ctx::new(Backend::Sqlite, "travel").await else {
        return;
    };
    let Some(pg) = Ctx::new(Backend::Postgres, "travel").await else {
        return;
    };
    let Some(my) = Ctx::new(Backend::MySql, "travel").await else {
        return;
    };
    seed(&sqlite).await;
    let all = RecordQuery::new().deleted(DeletedFilter::Include);
    let first = export(&sqlite.store, &all).await;
    import(&pg.store, &first, ImportOptions::default())
        .await
        .unwrap();
    let second = export(&pg.store, &all).await;
    import(&my.store, &second, ImportOptions::default())
        .await
        .unwrap();
    let original = all_records(&sqlite.store).await;
    assert_eq!(all_records(&pg.store).await, original);
    assert_eq!(all_records(&my.store).await, original);
    assert_eq!(
        my.store
            .token_read("tk_alpha", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "alpha"
    );
    assert_eq!(
        my.store
            .token_read("tk_beta", &pw("b"))
            .await
            .unwrap()
            .expose(),
        "beta"
    );
    my.store.token_restore("tk_trash").await.unwrap();
    assert_eq!(
        my.store
            .token_read("tk_trash", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "trash"
    );
    sqlite.cleanup().await;
    pg.cleanup().await;
    my.cleanup().await;
}

/// A bundle of records `range`, numbered as `grow_raw` numbers its rows, all holding
/// `envelope` (an import never opens values).
fn numbered_bundle(envelope: &str, range: std::ops::Range<u32>) -> Vec<u8> {
    let records = range
        .map(|i| BundleRecord {
            id: format!("{i:032x}"),
            token: format!("tk_bulk_{i:07}"),
            value: envelope.to_owned(),
            created_at: "2030-01-01T00:00:00.000000Z".into(),
            updated_at: "2030-01-01T00:00:00.000000Z".into(),
            expires_at: None,
            soft_deleted_at: None,
            data: serde_json::value::RawValue::from_string(format!("{{\"label\":\"record {i}\"}}"))
                .unwrap(),
        })
        .collect();
    bundle::encode(records, common::t0()).unwrap()
}

/// Rows `from..to` numbered like `numbered_bundle`'s, written straight into the table
/// (as another client, or many small writes, would), with no ANALYZE after them (and no
/// DDL: dropping an index would make PostgreSQL plan every statement afresh).
async fn grow_raw(ctx: &Ctx, from: u32, to: u32) {
    ctx.exec(&format!(
        "INSERT INTO vault (id, token, value, created_at, updated_at, data) \
         SELECT lpad(to_hex(i), 32, '0'), 'tk_bulk_' || lpad(i::text, 7, '0'), 'v3:x', \
           '2030-01-01T00:00:00.000000Z', '2030-01-01T00:00:00.000000Z', \
           '{{\"label\":\"record ' || i || '\"}}' \
         FROM generate_series({from}, {} ) AS i",
        to - 1
    ))
    .await;
}

/// The plan PostgreSQL holds, on the one connection of `pool`, for the import's
/// existence lookup, run for the tokens and ids of records `range`, after how many runs
/// of each kind of plan.
async fn lookup_plan(pool: &sqlx::PgPool, range: std::ops::Range<u32>) -> String {
    let mut conn = pool.acquire().await.unwrap();
    let (name, generic, custom): (String, i64, i64) = sqlx::query_as(
        "SELECT name, generic_plans, custom_plans FROM pg_prepared_statements \
         WHERE statement LIKE 'SELECT token, id FROM %'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();

    let tokens = range.clone().map(|i| format!("'tk_bulk_{i:07}'"));
    let ids = range.map(|i| format!("'{i:032x}'"));
    let args: Vec<String> = tokens.chain(ids).collect();
    let explain = format!("EXPLAIN EXECUTE {name}({})", args.join(", "));
    let lines: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(explain))
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    format!(
        "{generic} runs of a generic plan, {custom} of plans for the values; now:\n{}",
        lines.join("\n")
    )
}

/// PostgreSQL plans a prepared statement for its values five times, then also once for
/// any values (a generic plan), keeps that plan until the table's statistics change, and
/// runs it once the plans for the values cost more on average. A vault's first import
/// makes that generic plan on a near-empty table: a sequential scan comparing each row
/// with the lookup's 1,000 values one by one. When the table has grown and nothing has
/// analysed it since (autovacuum lags, or is off), the lookups of the next import soon
/// cost more than that stale estimate, and the stale plan runs: 7 s per lookup at
/// 200,000 rows. The lookup must read the token index whatever the table held when the
/// connection first planned it.
async fn the_conflict_check_of_a_grown_vault_reads_the_token_index(ctx: &Ctx) {
    // One connection, so the plan inspected is the one the import used.
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&ctx.url)
        .await
        .unwrap();
    let mut options =
        vaultstore::StoreOptions::with_pool(vaultstore::DbPool::Postgres(pool.clone()));
    options.kdf = Some(KdfParams::MINIMUM);
    options.clock = ctx.clock.clone();
    let store = Store::new(options).await.unwrap();
    create_one(&store).await;
    let envelope = all_records(&store).await[0].envelope.clone();
    // Six lookups of 500 tokens while the vault holds one record: PostgreSQL settles on
    // a generic plan after five.
    let first = numbered_bundle(&envelope, 0..3000);
    let report = import(&store, &first, ImportOptions::default()).await;
    assert_eq!(report.unwrap().created, 3000);
    grow_raw(ctx, 3000, 200_000).await;
    // Three lookups: after the first, the lookups' average cost exceeds the stale plan's.
    let again = numbered_bundle(&envelope, 0..1500);
    let report = import(&store, &again, ImportOptions::default()).await;
    assert_eq!(report.unwrap().skipped, 1500);
    let plan = lookup_plan(&pool, 1000..1500).await;
    assert!(
        plan.contains("Index Scan on vault_token_key") && !plan.contains("Seq Scan"),
        "{plan}"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_the_conflict_check_of_a_grown_vault_reads_the_token_index() {
    common::run(
        common::Backend::Postgres,
        "the_conflict_check_of_a_grown_vault_reads_the_token_index",
        the_conflict_check_of_a_grown_vault_reads_the_token_index,
    )
    .await;
}

/// What PostgreSQL's statistics say the vault table holds (-1: never analysed), and how
/// many times it was vacuumed. (Whether a vacuum marks the new pages all-visible, which
/// lets the jumps' index-only scans skip the table, depends on the other transactions
/// open on the server, so the count is what is checked.)
async fn rows_in_statistics(ctx: &Ctx) -> (i64, i64) {
    let vaultstore::DbPool::Postgres(pool) = ctx.store.pool() else {
        panic!("a PostgreSQL test");
    };
    sqlx::query_as(
        "SELECT CAST(c.reltuples AS BIGINT), s.vacuum_count FROM pg_class AS c \
         JOIN pg_stat_user_tables AS s ON s.relid = c.oid WHERE c.oid = 'vault'::regclass",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Until a table is analysed, PostgreSQL's planner guesses what its columns hold: that
/// `soft_deleted_at IS NULL` selects 0.5 % of the rows, for one, so the vault view's jump
/// into the middle of a freshly imported vault sorted every live record (a second at
/// 400,000) rather than walk the sort's index (70 ms); and until it is vacuumed, that
/// walk reads each skipped row from the table too (0.5-0.9 s at 500,000 rows instead of
/// 0.2 s). Autovacuum does both some time after a table changed much, or never where
/// it is off: an import that adds many records does them itself, and one that adds a
/// few leaves the table be.
async fn a_large_import_leaves_the_vault_analysed_and_vacuumed(ctx: &Ctx) {
    create_one(&ctx.store).await;
    let envelope = all_records(&ctx.store).await[0].envelope.clone();
    let few = numbered_bundle(&envelope, 0..10);
    import(&ctx.store, &few, ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(
        rows_in_statistics(ctx).await,
        (-1, 0),
        "ten records: no analysis"
    );
    let many = numbered_bundle(&envelope, 10..2010);
    import(&ctx.store, &many, ImportOptions::default())
        .await
        .unwrap();
    let (rows, vacuums) = rows_in_statistics(ctx).await;
    assert_eq!((rows, vacuums), (2011, 1));
    // A dry run writes nothing, so it analyses nothing either.
    let more = numbered_bundle(&envelope, 2010..4010);
    let dry = ImportOptions {
        dry_run: true,
        ..ImportOptions::default()
    };
    import(&ctx.store, &more, dry).await.unwrap();
    assert_eq!(rows_in_statistics(ctx).await, (rows, vacuums));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_a_large_import_leaves_the_vault_analysed_and_vacuumed() {
    common::run(
        common::Backend::Postgres,
        "a_large_import_leaves_the_vault_analysed_and_vacuumed",
        a_large_import_leaves_the_vault_analysed_and_vacuumed,
    )
    .await;
}
