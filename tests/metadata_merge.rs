//! Metadata edits merge: a client changes the keys it shows and every other key survives
//! (imports keep URL, username and flags such as `unreadable` in the extra fields). Every
//! test runs on SQLite, PostgreSQL and MariaDB/MySQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use common::{Ctx, pw, val};
use vaultstore::{CreateOptions, ErrorCode, Metadata, MetadataPatch, Record};

/// A record as an import leaves it: label, tags, URL, username and a flag.
async fn imported(ctx: &Ctx) -> Record {
    let mut metadata = Metadata::labelled("Mail");
    metadata.tags = vec!["home".into()];
    metadata.notes = Some("old notes".into());
    for (k, v) in [
        ("url", "https://mail.example"),
        ("username", "ann"),
        ("unreadable", "legacy v1 value from the Go library"),
    ] {
        metadata.extra.insert(k.into(), v.into());
    }
    metadata.extra.insert("attempts".into(), 3.into());
    let token = ctx
        .store
        .token_create(
            &val("v"),
            &pw("a"),
            CreateOptions {
                metadata,
                ..CreateOptions::default()
            },
        )
        .await
        .unwrap();
    ctx.store
        .record_find_by_token(&token)
        .await
        .unwrap()
        .unwrap()
}

async fn reread(ctx: &Ctx, id: &str) -> Record {
    ctx.store.record_find_by_id(id).await.unwrap().unwrap()
}

async fn a_patch_changes_only_the_fields_it_names(ctx: &Ctx) {
    let r = imported(ctx).await;
    let patch = MetadataPatch {
        label: Some(Some("Mail (work)".into())),
        notes: Some(None),
        ..MetadataPatch::default()
    };
    let merged = ctx
        .store
        .record_patch_metadata(&r.id, &patch)
        .await
        .unwrap();
    let after = reread(ctx, &r.id).await;
    assert_eq!(
        after.metadata, merged,
        "the returned metadata is what is stored"
    );
    assert_eq!(after.metadata.label.as_deref(), Some("Mail (work)"));
    assert_eq!(after.metadata.notes, None, "Some(None) clears");
    assert_eq!(
        after.metadata.tags,
        vec!["home".to_owned()],
        "tags untouched"
    );
    let mut kept = r.metadata.extra.clone();
    assert_eq!(after.metadata.extra, kept, "url, username, flags survive");
    assert_eq!(after.envelope, r.envelope, "the value is left alone");

    // Extra text fields are set or removed one by one; other keys stay.
    let mut patch = MetadataPatch::default();
    patch
        .fields
        .insert("url".into(), Some("https://mail.example/new".into()));
    patch.fields.insert("username".into(), None);
    patch.tags = Some(vec!["work".into(), "mail".into()]);
    ctx.store
        .record_patch_metadata(&r.id, &patch)
        .await
        .unwrap();
    let after = reread(ctx, &r.id).await;
    kept.insert("url".into(), "https://mail.example/new".into());
    kept.remove("username");
    assert_eq!(after.metadata.extra, kept);
    assert_eq!(
        after.metadata.tags,
        vec!["work".to_owned(), "mail".to_owned()]
    );
    assert_eq!(after.metadata.label.as_deref(), Some("Mail (work)"));

    // Blank text clears, as the dialog's empty field means.
    let mut patch = MetadataPatch {
        label: Some(Some("  ".into())),
        ..MetadataPatch::default()
    };
    patch.fields.insert("url".into(), Some(" ".into()));
    ctx.store
        .record_patch_metadata(&r.id, &patch)
        .await
        .unwrap();
    let after = reread(ctx, &r.id).await;
    assert_eq!(after.metadata.label, None);
    assert!(!after.metadata.extra.contains_key("url"));
    assert!(after.metadata.extra.contains_key("unreadable"));
}

async fn a_patch_is_checked_before_anything_is_written(ctx: &Ctx) {
    let r = imported(ctx).await;
    let code = |e: vaultstore::Error| e.code();
    let missing = ctx
        .store
        .record_patch_metadata("no-such-id", &MetadataPatch::default())
        .await
        .unwrap_err();
    assert_eq!(code(missing), ErrorCode::NotFound);
    let bad_tags = MetadataPatch {
        tags: Some(vec![" ".into()]),
        ..MetadataPatch::default()
    };
    let e = ctx
        .store
        .record_patch_metadata(&r.id, &bad_tags)
        .await
        .unwrap_err();
    assert_eq!(code(e), ErrorCode::InvalidInput);
    for name in ["label", "tags", "notes", "", "a b"] {
        let mut patch = MetadataPatch::default();
        patch.fields.insert(name.into(), Some("x".into()));
        let e = ctx
            .store
            .record_patch_metadata(&r.id, &patch)
            .await
            .unwrap_err();
        assert_eq!(code(e), ErrorCode::InvalidInput, "field name {name:?}");
    }
    assert_eq!(reread(ctx, &r.id).await, r, "nothing changed");
}

async fn concurrent_patches_of_different_fields_all_survive(ctx: &Ctx) {
    let r = imported(ctx).await;
    let edits = (0..8).map(|i| {
        let store = ctx.store.clone();
        let id = r.id.clone();
        tokio::spawn(async move {
            let mut patch = MetadataPatch::default();
            patch
                .fields
                .insert(format!("field{i}"), Some(format!("v{i}")));
            store.record_patch_metadata(&id, &patch).await.unwrap();
        })
    });
    for edit in edits.collect::<Vec<_>>() {
        edit.await.unwrap();
    }
    let after = reread(ctx, &r.id).await;
    for i in 0..8 {
        assert_eq!(
            after.metadata.extra.get(&format!("field{i}")),
            Some(&format!("v{i}").into()),
            "edit {i} was lost: {:?}",
            after.metadata.extra
        );
    }
    assert_eq!(after.metadata.extra.get("username"), Some(&"ann".into()));
}

on_every_backend!(
    a_patch_changes_only_the_fields_it_names,
    a_patch_is_checked_before_anything_is_written,
    concurrent_patches_of_different_fields_all_survive,
);
