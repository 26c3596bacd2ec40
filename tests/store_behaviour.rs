//! The store's behaviour suite: every test runs on SQLite, PostgreSQL and MariaDB/MySQL
//! (modules `sqlite::`, `postgres::`, `mysql::`), each on a fresh database.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use std::collections::BTreeMap;

use chrono::Duration;
use common::{Ctx, pw, val};
use vaultstore::{
    Cancel, CreateOptions, DeletedFilter, ErrorCode, ExpiryFilter, Metadata, Password,
    PasswordPolicy, RecordQuery, SecretValue, SortField, SortOrder, Store, Upserted,
};

fn code<T: std::fmt::Debug>(r: vaultstore::Result<T>) -> ErrorCode {
    r.expect_err("expected an error").code()
}

async fn create(ctx: &Ctx, value: &str, password: &Password) -> String {
    ctx.store
        .token_create(&val(value), password, CreateOptions::default())
        .await
        .unwrap()
}

async fn create_custom(ctx: &Ctx, token: &str, value: &str, password: &Password) {
    let opts = CreateOptions {
        token: Some(token.into()),
        ..CreateOptions::default()
    };
    ctx.store
        .token_create(&val(value), password, opts)
        .await
        .unwrap();
}

async fn create_labelled(ctx: &Ctx, token: &str, label: &str) {
    let opts = CreateOptions {
        token: Some(token.into()),
        metadata: Metadata::labelled(label),
        ..CreateOptions::default()
    };
    ctx.store
        .token_create(&val("v"), &pw("a"), opts)
        .await
        .unwrap();
}

async fn tokens_of(ctx: &Ctx, q: RecordQuery) -> Vec<String> {
    let page = ctx.store.records_list(&q).await.unwrap();
    page.records.into_iter().map(|r| r.token).collect()
}

// ---- create and read ----

async fn a_created_token_reads_back_its_value(ctx: &Ctx) {
    let token = create(ctx, "s3cret", &pw("a")).await;
    assert!(token.starts_with("tk_"));
    assert_eq!(token.len(), 32);
    let v = ctx.store.token_read(&token, &pw("a")).await.unwrap();
    assert_eq!(v.expose(), "s3cret");
    let short = ctx
        .store
        .token_create(
            &val("x"),
            &pw("a"),
            CreateOptions {
                length: Some(15),
                ..CreateOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(short.len(), 15);
    let bad_len = CreateOptions {
        length: Some(41),
        ..CreateOptions::default()
    };
    assert_eq!(
        code(ctx.store.token_create(&val("x"), &pw("a"), bad_len).await),
        ErrorCode::InvalidInput
    );
}

async fn a_wrong_password_is_an_invalid_password(ctx: &Ctx) {
    let token = create(ctx, "s3cret", &pw("a")).await;
    let err = ctx.store.token_read(&token, &pw("b")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidPassword);
    assert!(!err.to_string().contains("correct-horse"), "{err}");
}

async fn a_missing_token_is_not_found_and_named(ctx: &Ctx) {
    let err = ctx.store.token_read("tk_nope", &pw("a")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(err.to_string().contains("tk_nope"));
}

async fn a_value_moved_to_another_row_fails_to_open(ctx: &Ctx) {
    create_custom(ctx, "tk_src", "source value", &pw("a")).await;
    create_custom(ctx, "tk_dst", "target value", &pw("a")).await;
    ctx.exec("UPDATE vault SET value = (SELECT v FROM (SELECT value AS v FROM vault WHERE token = 'tk_src') s) WHERE token = 'tk_dst'")
        .await;
    let err = ctx.store.token_read("tk_dst", &pw("a")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidPassword);
    assert_eq!(
        ctx.store
            .token_read("tk_src", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "source value"
    );
}

async fn a_damaged_envelope_is_a_crypto_error(ctx: &Ctx) {
    create_custom(ctx, "tk_dmg", "v", &pw("a")).await;
    ctx.exec("UPDATE vault SET value = 'v3:@@@' WHERE token = 'tk_dmg'")
        .await;
    assert_eq!(
        code(ctx.store.token_read("tk_dmg", &pw("a")).await),
        ErrorCode::Crypto
    );
}

async fn unicode_and_one_mebibyte_values_round_trip(ctx: &Ctx) {
    let unicode = "päss — 日本語 🌍 \u{0} end";
    let t = create(ctx, unicode, &pw("a")).await;
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().expose(),
        unicode
    );
    let big = "x".repeat(vaultstore::DEFAULT_MAX_VALUE_BYTES);
    let t = create(ctx, &big, &pw("a")).await;
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().len(),
        big.len()
    );
    let too_big = SecretValue::new("x".repeat(vaultstore::DEFAULT_MAX_VALUE_BYTES + 1));
    let err = ctx
        .store
        .token_create(&too_big, &pw("a"), CreateOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("limit"));
}

async fn an_empty_value_is_kept(ctx: &Ctx) {
    let t = create(ctx, "", &pw("a")).await;
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().expose(),
        ""
    );
}

// ---- custom tokens ----

async fn a_custom_token_colliding_with_a_live_or_trashed_one_already_exists(ctx: &Ctx) {
    create_custom(ctx, "tk_custom", "one", &pw("a")).await;
    let again = CreateOptions {
        token: Some("tk_custom".into()),
        ..CreateOptions::default()
    };
    let err = ctx
        .store
        .token_create(&val("two"), &pw("a"), again.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists);
    assert!(err.to_string().contains("tk_custom"));
    ctx.store.token_soft_delete("tk_custom").await.unwrap();
    assert_eq!(
        code(ctx.store.token_create(&val("two"), &pw("a"), again).await),
        ErrorCode::AlreadyExists
    );
    ctx.store.token_restore("tk_custom").await.unwrap();
    assert_eq!(
        ctx.store
            .token_read("tk_custom", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "one"
    );
}

async fn tokens_are_case_sensitive_on_every_backend(ctx: &Ctx) {
    create_custom(ctx, "tk_abc", "lower", &pw("a")).await;
    create_custom(ctx, "tk_ABC", "upper", &pw("a")).await;
    assert_eq!(
        ctx.store
            .token_read("tk_abc", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "lower"
    );
    assert_eq!(
        ctx.store
            .token_read("tk_ABC", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "upper"
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().token_prefix("tk_a")).await,
        vec!["tk_abc"]
    );
    let sorted = tokens_of(
        ctx,
        RecordQuery::new()
            .sort(SortField::Token)
            .order(SortOrder::Asc),
    )
    .await;
    assert_eq!(
        sorted,
        vec!["tk_ABC", "tk_abc"],
        "byte order: upper case first"
    );
}

async fn sql_metacharacters_and_wildcards_are_plain_text(ctx: &Ctx) {
    let nasty = [
        "tk_'--",
        "tk_\";DROP",
        "tk_100%",
        "tk_a_b",
        "tk_a!b",
        "tk_\\x",
    ];
    for t in nasty {
        create_custom(ctx, t, t, &pw("a")).await;
    }
    create_custom(ctx, "tk_axb", "other", &pw("a")).await;
    for t in nasty {
        assert_eq!(ctx.store.token_read(t, &pw("a")).await.unwrap().expose(), t);
        assert!(ctx.store.token_exists(t).await.unwrap());
    }
    // `_` and `%` match themselves, not any character.
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().search("a_b")).await,
        vec!["tk_a_b"]
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().search("100%")).await,
        vec!["tk_100%"]
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().token_prefix("tk_a_")).await,
        vec!["tk_a_b"]
    );
    assert!(
        tokens_of(ctx, RecordQuery::new().search("' OR '1'='1"))
            .await
            .is_empty()
    );
    assert_eq!(
        ctx.store.records_count(&RecordQuery::new()).await.unwrap(),
        7
    );
}

async fn malformed_tokens_are_rejected_before_the_database(ctx: &Ctx) {
    for bad in ["", "has space", "tab\there", "ünicode"] {
        assert_eq!(
            code(ctx.store.token_read(bad, &pw("a")).await),
            ErrorCode::InvalidInput,
            "{bad:?}"
        );
    }
    let long = "x".repeat(101);
    assert_eq!(
        code(ctx.store.token_exists(&long).await),
        ErrorCode::InvalidInput
    );
}

// ---- update, upsert, rekey ----

async fn update_needs_the_current_password_and_replaces_the_value(ctx: &Ctx) {
    let t = create(ctx, "old", &pw("a")).await;
    assert_eq!(
        code(ctx.store.token_update(&t, &val("new"), &pw("b")).await),
        ErrorCode::InvalidPassword
    );
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().expose(),
        "old"
    );
    ctx.clock.advance(Duration::seconds(5));
    ctx.store
        .token_update(&t, &val("new"), &pw("a"))
        .await
        .unwrap();
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().expose(),
        "new"
    );
    let r = ctx.store.record_find_by_token(&t).await.unwrap().unwrap();
    assert_eq!(r.updated_at, common::t0() + Duration::seconds(5));
    assert_eq!(r.created_at, common::t0());
    assert_eq!(
        code(
            ctx.store
                .token_update("tk_missing", &val("x"), &pw("a"))
                .await
        ),
        ErrorCode::NotFound
    );
}

async fn upsert_creates_then_updates(ctx: &Ctx) {
    let s = &ctx.store;
    let opts = CreateOptions {
        metadata: Metadata::labelled("db"),
        ..CreateOptions::default()
    };
    assert_eq!(
        s.token_upsert("tk_up", &val("1"), &pw("a"), opts.clone())
            .await
            .unwrap(),
        Upserted::Created
    );
    assert_eq!(
        s.token_upsert("tk_up", &val("2"), &pw("a"), opts.clone())
            .await
            .unwrap(),
        Upserted::Updated
    );
    assert_eq!(s.token_read("tk_up", &pw("a")).await.unwrap().expose(), "2");
    assert_eq!(
        code(
            s.token_upsert("tk_up", &val("3"), &pw("b"), opts.clone())
                .await
        ),
        ErrorCode::InvalidPassword
    );
    s.token_soft_delete("tk_up").await.unwrap();
    assert_eq!(
        code(s.token_upsert("tk_up", &val("4"), &pw("a"), opts).await),
        ErrorCode::Deleted
    );
}

async fn rekey_moves_one_token_to_a_new_password(ctx: &Ctx) {
    let t = create(ctx, "v", &pw("a")).await;
    let other = create(ctx, "w", &pw("a")).await;
    assert_eq!(
        code(ctx.store.token_rekey(&t, &pw("wrong"), &pw("b")).await),
        ErrorCode::InvalidPassword
    );
    ctx.store.token_rekey(&t, &pw("a"), &pw("b")).await.unwrap();
    assert_eq!(
        ctx.store.token_read(&t, &pw("b")).await.unwrap().expose(),
        "v"
    );
    assert_eq!(
        code(ctx.store.token_read(&t, &pw("a")).await),
        ErrorCode::InvalidPassword
    );
    assert_eq!(
        ctx.store
            .token_read(&other, &pw("a"))
            .await
            .unwrap()
            .expose(),
        "w"
    );
}

// ---- delete, soft delete, restore ----

async fn a_restored_token_reads_back_its_value(ctx: &Ctx) {
    let t = create(ctx, "keep me", &pw("a")).await;
    ctx.store.token_soft_delete(&t).await.unwrap();
    let err = ctx.store.token_read(&t, &pw("a")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Deleted);
    assert!(err.to_string().contains("restore"));
    assert!(!ctx.store.token_exists(&t).await.unwrap());
    assert_eq!(
        code(ctx.store.token_soft_delete(&t).await),
        ErrorCode::Deleted
    );
    assert_eq!(
        code(ctx.store.token_renew(&t, None).await),
        ErrorCode::Deleted
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().deleted(DeletedFilter::Only)).await,
        vec![t.clone()]
    );
    ctx.store.token_restore(&t).await.unwrap();
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().expose(),
        "keep me"
    );
    assert_eq!(
        code(ctx.store.token_restore(&t).await),
        ErrorCode::InvalidInput,
        "a live token is not in the trash"
    );
    assert_eq!(
        code(ctx.store.token_restore("tk_never_was").await),
        ErrorCode::NotFound
    );
}

async fn a_hard_deleted_token_is_gone(ctx: &Ctx) {
    let t = create(ctx, "v", &pw("a")).await;
    let trashed = create(ctx, "w", &pw("a")).await;
    ctx.store.token_soft_delete(&trashed).await.unwrap();
    ctx.store.token_delete(&t).await.unwrap();
    ctx.store.token_delete(&trashed).await.unwrap();
    assert_eq!(
        code(ctx.store.token_read(&t, &pw("a")).await),
        ErrorCode::NotFound
    );
    assert_eq!(code(ctx.store.token_delete(&t).await), ErrorCode::NotFound);
    let all = RecordQuery::new().deleted(DeletedFilter::Include);
    assert_eq!(ctx.store.records_count(&all).await.unwrap(), 0);
}

async fn exists_is_true_for_live_tokens_only(ctx: &Ctx) {
    let t = create(ctx, "v", &pw("a")).await;
    assert!(ctx.store.token_exists(&t).await.unwrap());
    assert!(!ctx.store.token_exists("tk_other").await.unwrap());
    ctx.clock.advance(Duration::days(1));
    ctx.store.token_renew(&t, Some(common::t0())).await.unwrap();
    assert!(
        ctx.store.token_exists(&t).await.unwrap(),
        "expired still exists"
    );
    ctx.store.token_soft_delete(&t).await.unwrap();
    assert!(!ctx.store.token_exists(&t).await.unwrap());
}

// ---- expiry ----

async fn expiry_is_exact_at_the_boundary(ctx: &Ctx) {
    let at = common::t0() + Duration::hours(1);
    let opts = CreateOptions {
        expires_at: Some(at),
        ..CreateOptions::default()
    };
    let t = ctx
        .store
        .token_create(&val("v"), &pw("a"), opts)
        .await
        .unwrap();
    ctx.clock.set(at - Duration::microseconds(1));
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().expose(),
        "v"
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().expiry(ExpiryFilter::Active)).await,
        vec![t.clone()]
    );
    ctx.clock.set(at);
    let err = ctx.store.token_read(&t, &pw("a")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Expired);
    assert!(err.to_string().contains("renew"));
    assert_eq!(
        code(ctx.store.token_update(&t, &val("x"), &pw("a")).await),
        ErrorCode::Expired
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().expiry(ExpiryFilter::Expired)).await,
        vec![t.clone()]
    );
    assert!(
        tokens_of(ctx, RecordQuery::new().expiry(ExpiryFilter::Active))
            .await
            .is_empty()
    );
}

async fn a_past_expiry_expires_at_once_and_renew_brings_it_back(ctx: &Ctx) {
    let opts = CreateOptions {
        expires_at: Some(common::t0() - Duration::days(1)),
        ..CreateOptions::default()
    };
    let t = ctx
        .store
        .token_create(&val("v"), &pw("a"), opts)
        .await
        .unwrap();
    assert_eq!(
        code(ctx.store.token_read(&t, &pw("a")).await),
        ErrorCode::Expired
    );
    ctx.store
        .token_renew(&t, Some(common::t0() + Duration::days(30)))
        .await
        .unwrap();
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().expose(),
        "v"
    );
    ctx.store.token_renew(&t, None).await.unwrap();
    let r = ctx.store.record_find_by_token(&t).await.unwrap().unwrap();
    assert_eq!(r.expires_at, None);
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().expiry(ExpiryFilter::Never)).await,
        vec![t]
    );
    assert_eq!(
        code(ctx.store.token_renew("tk_missing", None).await),
        ErrorCode::NotFound
    );
}

async fn expiring_before_lists_only_tokens_not_yet_expired(ctx: &Ctx) {
    let mk = async |tok: &str, hours: i64| {
        let opts = CreateOptions {
            token: Some(tok.into()),
            expires_at: Some(common::t0() + Duration::hours(hours)),
            ..CreateOptions::default()
        };
        ctx.store
            .token_create(&val("v"), &pw("a"), opts)
            .await
            .unwrap();
    };
    mk("tk_past", -1).await;
    mk("tk_soon", 2).await;
    mk("tk_later", 48).await;
    create_custom(ctx, "tk_never", "v", &pw("a")).await;
    let within_day = ExpiryFilter::ExpiringBefore(common::t0() + Duration::days(1));
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().expiry(within_day)).await,
        vec!["tk_soon"]
    );
    let by_expiry = tokens_of(
        ctx,
        RecordQuery::new()
            .sort(SortField::ExpiresAt)
            .order(SortOrder::Asc),
    )
    .await;
    assert_eq!(
        by_expiry,
        vec!["tk_past", "tk_soon", "tk_later", "tk_never"]
    );
}

async fn purge_removes_expired_records_including_trashed_ones(ctx: &Ctx) {
    let expiring = |tok: &str| CreateOptions {
        token: Some(tok.into()),
        expires_at: Some(common::t0() + Duration::hours(1)),
        ..CreateOptions::default()
    };
    for t in ["tk_e1", "tk_e2", "tk_e3"] {
        ctx.store
            .token_create(&val("v"), &pw("a"), expiring(t))
            .await
            .unwrap();
    }
    create_custom(ctx, "tk_keep", "v", &pw("a")).await;
    ctx.store.token_soft_delete("tk_e3").await.unwrap();
    assert_eq!(
        ctx.store.purge_expired(false).await.unwrap(),
        0,
        "nothing expired yet"
    );
    ctx.clock.advance(Duration::hours(2));
    assert_eq!(
        ctx.store.purge_expired(true).await.unwrap(),
        2,
        "soft: live ones only"
    );
    assert_eq!(
        code(ctx.store.token_read("tk_e1", &pw("a")).await),
        ErrorCode::Deleted
    );
    // A cancelled purge rolls back; progress says how many it would remove.
    let cancel = Cancel::new();
    let seen = std::sync::Mutex::new(Vec::new());
    let err = ctx
        .store
        .purge_expired_with(
            false,
            |p| {
                seen.lock().unwrap().push(p);
                cancel.cancel();
            },
            &cancel,
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert_eq!(seen.lock().unwrap()[0].total, 3);
    let all = RecordQuery::new().deleted(DeletedFilter::Include);
    assert_eq!(
        ctx.store.records_count(&all).await.unwrap(),
        4,
        "nothing removed"
    );
    assert_eq!(ctx.store.purge_expired(false).await.unwrap(), 3);
    assert_eq!(tokens_of(ctx, all).await, vec!["tk_keep"]);
}

// ---- bulk ----

async fn bulk_read_opens_many_tokens_with_one_derivation(ctx: &Ctx) {
    let mut tokens = Vec::new();
    for i in 0..25 {
        tokens.push(create(ctx, &format!("value {i}"), &pw("bulk")).await);
    }
    // A fresh store on the same vault starts with a cold key cache.
    let cold = Store::new(ctx.options()).await.unwrap();
    let values = cold.tokens_read(&tokens, &pw("bulk")).await.unwrap();
    assert_eq!(values.len(), 25);
    assert_eq!(values[&tokens[7]].expose(), "value 7");
    assert_eq!(cold.kdf_derivations(), 1, "one derivation, cold");
    cold.tokens_read(&tokens, &pw("bulk")).await.unwrap();
    assert_eq!(cold.kdf_derivations(), 1, "none more, warm");
    cold.lock();
    cold.tokens_read(&tokens[..3], &pw("bulk")).await.unwrap();
    assert_eq!(cold.kdf_derivations(), 2, "lock forgets the key");
    cold.close().await;
}

async fn bulk_read_names_every_missing_trashed_or_expired_token(ctx: &Ctx) {
    let a = create(ctx, "a", &pw("a")).await;
    let b = create(ctx, "b", &pw("a")).await;
    let req = vec![a.clone(), "tk_gone1".into(), b.clone(), "tk_gone2".into()];
    let err = ctx.store.tokens_read(&req, &pw("a")).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let msg = err.to_string();
    assert!(
        msg.contains("tk_gone1") && msg.contains("tk_gone2"),
        "{msg}"
    );
    assert!(!msg.contains(&a));
    ctx.store.token_soft_delete(&b).await.unwrap();
    let err = ctx
        .store
        .tokens_read(&[a.clone(), b.clone()], &pw("a"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Deleted);
    assert!(err.to_string().contains(&b));
    assert_eq!(
        code(
            ctx.store
                .tokens_read(std::slice::from_ref(&a), &pw("x"))
                .await
        ),
        ErrorCode::InvalidPassword
    );
}

async fn resolved_map_keeps_names_and_empty_values(ctx: &Ctx) {
    let user = create(ctx, "admin", &pw("a")).await;
    let empty = create(ctx, "", &pw("a")).await;
    let map = BTreeMap::from([
        ("DB_USER".to_owned(), user.clone()),
        ("DB_PASS".to_owned(), empty),
        ("ALIAS".to_owned(), user),
    ]);
    let out = ctx
        .store
        .tokens_read_to_resolved_map(&map, &pw("a"))
        .await
        .unwrap();
    assert_eq!(out.len(), 3);
    assert_eq!(out["DB_USER"].expose(), "admin");
    assert_eq!(out["ALIAS"].expose(), "admin");
    assert_eq!(out["DB_PASS"].expose(), "");
}

// ---- change password ----

async fn change_password_moves_only_records_of_the_old_password(ctx: &Ctx) {
    let mine: Vec<String> = {
        let mut v = Vec::new();
        for i in 0..12 {
            v.push(create(ctx, &format!("mine {i}"), &pw("old")).await);
        }
        v
    };
    let theirs = create(ctx, "theirs", &pw("other")).await;
    let trashed = create(ctx, "trashed", &pw("old")).await;
    ctx.store.token_soft_delete(&trashed).await.unwrap();
    let fresh = Store::new(ctx.options()).await.unwrap();
    let progress = std::sync::Mutex::new(Vec::new());
    let changed = fresh
        .change_password(
            &pw("old"),
            &pw("new"),
            |p| progress.lock().unwrap().push(p),
            &Cancel::new(),
        )
        .await
        .unwrap();
    assert_eq!(changed, 13);
    let last = *progress.lock().unwrap().last().unwrap();
    assert_eq!((last.done, last.total), (14, 14));
    // old, new and the other password's record (same vault salt): at most 2 per salt.
    assert!(fresh.kdf_derivations() <= 2, "{}", fresh.kdf_derivations());
    for (i, t) in mine.iter().enumerate() {
        assert_eq!(
            fresh.token_read(t, &pw("new")).await.unwrap().expose(),
            format!("mine {i}")
        );
        assert_eq!(
            code(fresh.token_read(t, &pw("old")).await),
            ErrorCode::InvalidPassword
        );
    }
    assert_eq!(
        fresh
            .token_read(&theirs, &pw("other"))
            .await
            .unwrap()
            .expose(),
        "theirs"
    );
    fresh.token_restore(&trashed).await.unwrap();
    assert_eq!(
        fresh
            .token_read(&trashed, &pw("new"))
            .await
            .unwrap()
            .expose(),
        "trashed"
    );
    fresh.close().await;
}

async fn a_cancelled_password_change_changes_nothing(ctx: &Ctx) {
    let t = create(ctx, "v", &pw("old")).await;
    let cancel = Cancel::new();
    cancel.cancel();
    let err = ctx
        .store
        .change_password(&pw("old"), &pw("new"), |_| {}, &cancel)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert_eq!(
        ctx.store.token_read(&t, &pw("old")).await.unwrap().expose(),
        "v"
    );
    // Cancelled after the first batch was written inside the transaction:
    let cancel = Cancel::new();
    let c2 = cancel.clone();
    let err = ctx
        .store
        .change_password(&pw("old"), &pw("new"), move |_| c2.cancel(), &cancel)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled);
    assert_eq!(
        ctx.store.token_read(&t, &pw("old")).await.unwrap().expose(),
        "v"
    );
}

// ---- policy ----

async fn the_policy_applies_when_a_password_is_set_not_when_read(ctx: &Ctx) {
    let weak = Password::new("short");
    let err = ctx
        .store
        .token_create(&val("v"), &weak, CreateOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Policy);
    assert!(err.to_string().contains("16"));
    assert_eq!(
        code(
            ctx.store
                .token_create(&val("v"), &Password::new(""), CreateOptions::default())
                .await
        ),
        ErrorCode::Policy
    );
    let t = create(ctx, "v", &pw("a")).await;
    assert_eq!(
        code(ctx.store.token_rekey(&t, &pw("a"), &weak).await),
        ErrorCode::Policy
    );
    assert_eq!(
        code(
            ctx.store
                .change_password(&pw("a"), &weak, |_| {}, &Cancel::new())
                .await
        ),
        ErrorCode::Policy
    );
    // A record written under a laxer policy stays readable under a strict one.
    let mut lax = ctx.options();
    lax.policy = PasswordPolicy {
        min_length: 4,
        ..PasswordPolicy::default()
    };
    let lax = Store::new(lax).await.unwrap();
    let lt = lax
        .token_create(&val("lax"), &weak, CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(
        ctx.store.token_read(&lt, &weak).await.unwrap().expose(),
        "lax"
    );
    lax.close().await;
    let mut strict = ctx.options();
    strict.policy = PasswordPolicy {
        require_digit: true,
        ..PasswordPolicy::default()
    };
    let strict = Store::new(strict).await.unwrap();
    let err = strict
        .token_create(&val("v"), &pw("nodigits"), CreateOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("digit"));
    strict.close().await;
}

// ---- records and queries ----

async fn record_operations_find_annotate_and_delete_by_id(ctx: &Ctx) {
    create_labelled(ctx, "tk_rec", "Production DB").await;
    let r = ctx
        .store
        .record_find_by_token("tk_rec")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.metadata.label.as_deref(), Some("Production DB"));
    assert!(r.envelope.starts_with("v3:"));
    let by_id = ctx.store.record_find_by_id(&r.id).await.unwrap().unwrap();
    assert_eq!(by_id, r);
    let mut meta = r.metadata.clone();
    meta.notes = Some("rotated monthly".into());
    meta.tags = vec!["prod".into(), "db".into()];
    ctx.store
        .record_update_metadata(&r.id, &meta)
        .await
        .unwrap();
    let r2 = ctx.store.record_find_by_id(&r.id).await.unwrap().unwrap();
    assert_eq!(r2.metadata, meta);
    assert_eq!(
        r2.envelope, r.envelope,
        "metadata edits leave the value alone"
    );
    assert_eq!(
        code(ctx.store.record_update_metadata("nope", &meta).await),
        ErrorCode::NotFound
    );
    let bad = Metadata {
        tags: vec![" ".into()],
        ..Metadata::default()
    };
    assert_eq!(
        code(ctx.store.record_update_metadata(&r.id, &bad).await),
        ErrorCode::InvalidInput
    );
    ctx.store.record_soft_delete(&r.id).await.unwrap();
    assert_eq!(
        code(ctx.store.token_read("tk_rec", &pw("a")).await),
        ErrorCode::Deleted
    );
    ctx.store.record_delete(&r.id).await.unwrap();
    assert!(ctx.store.record_find_by_id(&r.id).await.unwrap().is_none());
    assert_eq!(
        code(ctx.store.record_delete(&r.id).await),
        ErrorCode::NotFound
    );
}

async fn queries_filter_by_id_token_prefix_search_and_state(ctx: &Ctx) {
    create_labelled(ctx, "tk_aws_prod", "AWS production").await;
    create_labelled(ctx, "tk_aws_dev", "AWS development").await;
    create_labelled(ctx, "tk_gh", "GitHub deploy key").await;
    create_labelled(ctx, "tk_trash", "old aws key").await;
    ctx.store.token_soft_delete("tk_trash").await.unwrap();
    let s = &ctx.store;
    let id = s.record_find_by_token("tk_gh").await.unwrap().unwrap().id;
    let asc = |q: RecordQuery| q.sort(SortField::Token).order(SortOrder::Asc);
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().id(id.clone())).await,
        vec!["tk_gh"]
    );
    assert_eq!(
        tokens_of(ctx, asc(RecordQuery::new().id_in([id, "zzz".into()]))).await,
        vec!["tk_gh"]
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().token("tk_gh")).await,
        vec!["tk_gh"]
    );
    assert_eq!(
        tokens_of(
            ctx,
            asc(RecordQuery::new().token_in(["tk_gh", "tk_aws_dev"]))
        )
        .await,
        vec!["tk_aws_dev", "tk_gh"]
    );
    assert!(
        tokens_of(ctx, RecordQuery::new().token_in(Vec::<String>::new()))
            .await
            .is_empty()
    );
    assert_eq!(
        tokens_of(ctx, asc(RecordQuery::new().token_prefix("tk_aws"))).await,
        vec!["tk_aws_dev", "tk_aws_prod"]
    );
    // Search looks in token and label, ignoring case.
    assert_eq!(
        tokens_of(ctx, asc(RecordQuery::new().search("aws"))).await,
        vec!["tk_aws_dev", "tk_aws_prod"]
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().search("DEPLOY")).await,
        vec!["tk_gh"]
    );
    assert_eq!(
        tokens_of(
            ctx,
            asc(RecordQuery::new()
                .search("aws")
                .deleted(DeletedFilter::Include))
        )
        .await,
        vec!["tk_aws_dev", "tk_aws_prod", "tk_trash"]
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().include_deleted(false).search("old")).await,
        Vec::<String>::new()
    );
    assert_eq!(
        s.records_count(&RecordQuery::new().search("aws"))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        s.records_count(&RecordQuery::new().deleted(DeletedFilter::Only))
            .await
            .unwrap(),
        1
    );
}

async fn keyset_paging_visits_every_record_once_in_order(ctx: &Ctx) {
    // Several records share a created_at: the id breaks ties.
    for i in 0..23 {
        if i % 4 == 0 {
            ctx.clock.advance(Duration::seconds(1));
        }
        create_custom(ctx, &format!("tk_page_{i:02}"), "v", &pw("a")).await;
    }
    for (field, order) in [
        (SortField::CreatedAt, SortOrder::Desc),
        (SortField::CreatedAt, SortOrder::Asc),
        (SortField::Token, SortOrder::Asc),
        (SortField::ExpiresAt, SortOrder::Desc),
        (SortField::UpdatedAt, SortOrder::Asc),
    ] {
        let base = RecordQuery::new().sort(field).order(order).limit(5);
        let mut seen = Vec::new();
        let mut q = base.clone();
        let mut pages = 0;
        loop {
            let page = ctx.store.records_list(&q).await.unwrap();
            pages += 1;
            assert!(page.records.len() <= 5);
            seen.extend(page.records.iter().map(|r| (r.created_at, r.token.clone())));
            match page.next {
                Some(c) => {
                    // A cursor survives being printed and parsed (the CLI and UI do it).
                    let c = c.to_string().parse().unwrap();
                    q = base.clone().after(c);
                }
                None => break,
            }
        }
        assert_eq!(pages, 5, "{field:?} {order:?}");
        let mut tokens: Vec<_> = seen.iter().map(|(_, t)| t.clone()).collect();
        tokens.sort();
        tokens.dedup();
        assert_eq!(tokens.len(), 23, "{field:?} {order:?}: every record once");
        if field == SortField::CreatedAt {
            let times: Vec<_> = seen.iter().map(|(c, _)| *c).collect();
            let mut sorted = times.clone();
            sorted.sort();
            if order == SortOrder::Desc {
                sorted.reverse();
            }
            assert_eq!(times, sorted);
        }
    }
    // A cursor from one sort is refused by another.
    let page = ctx
        .store
        .records_list(&RecordQuery::new().limit(5))
        .await
        .unwrap();
    let other = RecordQuery::new()
        .order(SortOrder::Asc)
        .after(page.next.unwrap());
    assert_eq!(
        code(ctx.store.records_list(&other).await),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(ctx.store.records_list(&RecordQuery::new().limit(0)).await),
        ErrorCode::InvalidInput
    );
    assert_eq!(
        code(
            ctx.store
                .records_list(&RecordQuery::new().limit(1001))
                .await
        ),
        ErrorCode::InvalidInput
    );
}

// ---- vault settings, compatibility, errors ----

async fn a_reopened_vault_keeps_its_salt_and_reads_old_records(ctx: &Ctx) {
    let t = create(ctx, "persisted", &pw("a")).await;
    let mut o = ctx.options();
    o.kdf = None;
    o.automigrate = false;
    let reopened = Store::new(o).await.unwrap();
    assert_eq!(reopened.kdf_params(), vaultstore::KdfParams::MINIMUM);
    assert_eq!(
        reopened.token_read(&t, &pw("a")).await.unwrap().expose(),
        "persisted"
    );
    reopened.close().await;
    let mut other_table = ctx.options();
    other_table.table = "other_vault".into();
    other_table.automigrate = false;
    let err = Store::new(other_table).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Database);
    assert!(err.to_string().contains("automigrate"), "{err}");
    let mut bad_table = ctx.options();
    bad_table.table = "vault; DROP TABLE vault".into();
    assert_eq!(code(Store::new(bad_table).await), ErrorCode::InvalidInput);
}

async fn records_of_the_go_library_open_and_upgrade_on_read(ctx: &Ctx) {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("vectors/go-v2.json")).unwrap();
    let v = &vectors["vectors"][0];
    create_custom(ctx, "tk_go", "placeholder", &pw("a")).await;
    ctx.exec(&format!(
        "UPDATE vault SET value = '{}' WHERE token = 'tk_go'",
        v["envelope"].as_str().unwrap()
    ))
    .await;
    let legacy = Password::new(v["password"].as_str().unwrap());
    assert_eq!(
        ctx.store
            .token_read("tk_go", &legacy)
            .await
            .unwrap()
            .expose(),
        v["value"].as_str().unwrap()
    );
    let r = ctx
        .store
        .record_find_by_token("tk_go")
        .await
        .unwrap()
        .unwrap();
    assert!(r.envelope.starts_with("v3:"), "upgraded on first read");
    ctx.store.lock();
    assert_eq!(
        ctx.store
            .token_read("tk_go", &legacy)
            .await
            .unwrap()
            .expose(),
        v["value"].as_str().unwrap()
    );
}

async fn an_unreachable_database_is_a_database_error(_ctx: &Ctx) {
    let url = match _ctx.backend {
        common::Backend::Sqlite => "sqlite:///nonexistent-dir/sub/vault.db".to_owned(),
        common::Backend::Postgres => "postgres://postgres@127.0.0.1:1/test".to_owned(),
        common::Backend::MySql => "mysql://root@127.0.0.1:1/test".to_owned(),
    };
    let err = Store::new(vaultstore::StoreOptions::new(url))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Database, "{err}");
    assert_eq!(
        code(Store::new(vaultstore::StoreOptions::new("redis://x")).await),
        ErrorCode::InvalidInput
    );
}

on_every_backend!(
    a_created_token_reads_back_its_value,
    a_wrong_password_is_an_invalid_password,
    a_missing_token_is_not_found_and_named,
    a_value_moved_to_another_row_fails_to_open,
    a_damaged_envelope_is_a_crypto_error,
    unicode_and_one_mebibyte_values_round_trip,
    an_empty_value_is_kept,
    a_custom_token_colliding_with_a_live_or_trashed_one_already_exists,
    tokens_are_case_sensitive_on_every_backend,
    sql_metacharacters_and_wildcards_are_plain_text,
    malformed_tokens_are_rejected_before_the_database,
    update_needs_the_current_password_and_replaces_the_value,
    upsert_creates_then_updates,
    rekey_moves_one_token_to_a_new_password,
    a_restored_token_reads_back_its_value,
    a_hard_deleted_token_is_gone,
    exists_is_true_for_live_tokens_only,
    expiry_is_exact_at_the_boundary,
    a_past_expiry_expires_at_once_and_renew_brings_it_back,
    expiring_before_lists_only_tokens_not_yet_expired,
    purge_removes_expired_records_including_trashed_ones,
    bulk_read_opens_many_tokens_with_one_derivation,
    bulk_read_names_every_missing_trashed_or_expired_token,
    resolved_map_keeps_names_and_empty_values,
    change_password_moves_only_records_of_the_old_password,
    a_cancelled_password_change_changes_nothing,
    the_policy_applies_when_a_password_is_set_not_when_read,
    record_operations_find_annotate_and_delete_by_id,
    queries_filter_by_id_token_prefix_search_and_state,
    keyset_paging_visits_every_record_once_in_order,
    a_reopened_vault_keeps_its_salt_and_reads_old_records,
    records_of_the_go_library_open_and_upgrade_on_read,
    an_unreachable_database_is_a_database_error,
);
