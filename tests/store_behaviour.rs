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
use vaultstore::transfer::ImportOptions;
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
    assert_eq!(
        v.expose(),
        "s3cret",
        "a created token must read back the value it was created with"
    );
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
        ErrorCode::InvalidInput,
        "a requested token length over the maximum (40) is refused"
    );
}

async fn a_wrong_password_is_an_invalid_password(ctx: &Ctx) {
    let token = create(ctx, "s3cret", &pw("a")).await;
    let err = ctx.store.token_read(&token, &pw("b")).await.unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::InvalidPassword,
        "a wrong password must not open the value: {err}"
    );
    assert!(!err.to_string().contains("correct-horse"), "{err}");
}

async fn a_missing_token_is_not_found_and_named(ctx: &Ctx) {
    let err = ctx.store.token_read("tk_nope", &pw("a")).await.unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::NotFound,
        "reading a token that was never created is NotFound: {err}"
    );
    assert!(
        err.to_string().contains("tk_nope"),
        "the not-found error names the missing token: {err}"
    );
}

async fn a_value_moved_to_another_row_fails_to_open(ctx: &Ctx) {
    create_custom(ctx, "tk_src", "source value", &pw("a")).await;
    create_custom(ctx, "tk_dst", "target value", &pw("a")).await;
    ctx.exec("UPDATE vault SET value = (SELECT v FROM (SELECT value AS v FROM vault WHERE token = 'tk_src') s) WHERE token = 'tk_dst'")
        .await;
    let err = ctx.store.token_read("tk_dst", &pw("a")).await.unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::InvalidPassword,
        "a value copied from another row must not open under this token: {err}"
    );
    assert_eq!(
        ctx.store
            .token_read("tk_src", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "source value",
        "the source row is untouched by the copy and still opens"
    );
}

async fn a_damaged_envelope_is_a_crypto_error(ctx: &Ctx) {
    create_custom(ctx, "tk_dmg", "v", &pw("a")).await;
    ctx.exec("UPDATE vault SET value = 'v3:@@@' WHERE token = 'tk_dmg'")
        .await;
    assert_eq!(
        code(ctx.store.token_read("tk_dmg", &pw("a")).await),
        ErrorCode::Crypto,
        "a damaged envelope is reported as a crypto error, not as a wrong password"
    );
}

async fn unicode_and_one_mebibyte_values_round_trip(ctx: &Ctx) {
    let unicode = "päss — 日本語 🌍 \u{0} end";
    let t = create(ctx, unicode, &pw("a")).await;
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().expose(),
        unicode,
        "unicode text, NUL included, round-trips unchanged"
    );
    let big = "x".repeat(vaultstore::DEFAULT_MAX_VALUE_BYTES);
    let t = create(ctx, &big, &pw("a")).await;
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().len(),
        big.len(),
        "a value of exactly the size limit round-trips in full"
    );
    let too_big = SecretValue::new("x".repeat(vaultstore::DEFAULT_MAX_VALUE_BYTES + 1));
    let err = ctx
        .store
        .token_create(&too_big, &pw("a"), CreateOptions::default())
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::InvalidInput,
        "a value one byte over the size limit is refused: {err}"
    );
    assert!(
        err.to_string().contains("limit"),
        "the too-large error mentions the limit: {err}"
    );
}

async fn an_empty_value_is_kept(ctx: &Ctx) {
    let t = create(ctx, "", &pw("a")).await;
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().expose(),
        "",
        "an empty value is stored and read back as empty, not lost"
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
    assert_eq!(
        err.code(),
        ErrorCode::AlreadyExists,
        "a custom token that is already live cannot be created again: {err}"
    );
    assert!(
        err.to_string().contains("tk_custom"),
        "the already-exists error names the colliding token: {err}"
    );
    ctx.store.token_soft_delete("tk_custom").await.unwrap();
    assert_eq!(
        code(ctx.store.token_create(&val("two"), &pw("a"), again).await),
        ErrorCode::AlreadyExists,
        "a custom token still in the trash cannot be reused"
    );
    ctx.store.token_restore("tk_custom").await.unwrap();
    assert_eq!(
        ctx.store
            .token_read("tk_custom", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "one",
        "the refused duplicates left the original value intact through trash and restore"
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
        "lower",
        "tk_abc and tk_ABC are distinct tokens: the lower-case one reads its own value"
    );
    assert_eq!(
        ctx.store
            .token_read("tk_ABC", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "upper",
        "tk_abc and tk_ABC are distinct tokens: the upper-case one reads its own value"
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().token_prefix("tk_a")).await,
        vec!["tk_abc"],
        "a token prefix filter is case-sensitive"
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
        assert_eq!(
            ctx.store.token_read(t, &pw("a")).await.unwrap().expose(),
            t,
            "a token with SQL metacharacters reads back as plain text: {t:?}"
        );
        assert!(
            ctx.store.token_exists(t).await.unwrap(),
            "a token with SQL metacharacters exists: {t:?}"
        );
    }
    // `_` and `%` match themselves, not any character.
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().search("a_b")).await,
        vec!["tk_a_b"],
        "`_` in a search matches only a literal underscore"
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().search("100%")).await,
        vec!["tk_100%"],
        "`%` in a search matches only a literal percent sign"
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().token_prefix("tk_a_")).await,
        vec!["tk_a_b"],
        "`_` in a token prefix matches only a literal underscore"
    );
    assert!(
        tokens_of(ctx, RecordQuery::new().search("' OR '1'='1"))
            .await
            .is_empty(),
        "an SQL injection attempt in a search matches nothing"
    );
    assert_eq!(
        ctx.store.records_count(&RecordQuery::new()).await.unwrap(),
        7,
        "every token with metacharacters is its own record (6 + tk_axb), none dropped or merged"
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
        ErrorCode::InvalidInput,
        "a token over 100 characters is refused as invalid input"
    );
}

// ---- update, upsert, rekey ----

async fn update_needs_the_current_password_and_replaces_the_value(ctx: &Ctx) {
    let t = create(ctx, "old", &pw("a")).await;
    assert_eq!(
        code(ctx.store.token_update(&t, &val("new"), &pw("b")).await),
        ErrorCode::InvalidPassword,
        "an update with the wrong password is refused"
    );
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().expose(),
        "old",
        "a refused update leaves the old value in place"
    );
    ctx.clock.advance(Duration::seconds(5));
    ctx.store
        .token_update(&t, &val("new"), &pw("a"))
        .await
        .unwrap();
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().expose(),
        "new",
        "an update with the right password replaces the value"
    );
    let r = ctx.store.record_find_by_token(&t).await.unwrap().unwrap();
    assert_eq!(
        r.updated_at,
        common::t0() + Duration::seconds(5),
        "an update moves updated_at to the time of the update"
    );
    assert_eq!(
        r.created_at,
        common::t0(),
        "an update keeps the original created_at"
    );
    assert_eq!(
        code(
            ctx.store
                .token_update("tk_missing", &val("x"), &pw("a"))
                .await
        ),
        ErrorCode::NotFound,
        "updating a token that does not exist is NotFound"
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
        Upserted::Created,
        "upsert on a new token creates it"
    );
    assert_eq!(
        s.token_upsert("tk_up", &val("2"), &pw("a"), opts.clone())
            .await
            .unwrap(),
        Upserted::Updated,
        "upsert on an existing token updates it"
    );
    assert_eq!(
        s.token_read("tk_up", &pw("a")).await.unwrap().expose(),
        "2",
        "the upsert's update replaced the value"
    );
    assert_eq!(
        code(
            s.token_upsert("tk_up", &val("3"), &pw("b"), opts.clone())
                .await
        ),
        ErrorCode::InvalidPassword,
        "upsert on an existing token needs its current password"
    );
    s.token_soft_delete("tk_up").await.unwrap();
    assert_eq!(
        code(s.token_upsert("tk_up", &val("4"), &pw("a"), opts).await),
        ErrorCode::Deleted,
        "upsert on a trashed token is refused as deleted, not silently recreated"
    );
}

async fn rekey_moves_one_token_to_a_new_password(ctx: &Ctx) {
    let t = create(ctx, "v", &pw("a")).await;
    let other = create(ctx, "w", &pw("a")).await;
    assert_eq!(
        code(ctx.store.token_rekey(&t, &pw("wrong"), &pw("b")).await),
        ErrorCode::InvalidPassword,
        "rekey needs the token's current password"
    );
    ctx.store.token_rekey(&t, &pw("a"), &pw("b")).await.unwrap();
    assert_eq!(
        ctx.store.token_read(&t, &pw("b")).await.unwrap().expose(),
        "v",
        "after rekey the new password opens the value"
    );
    assert_eq!(
        code(ctx.store.token_read(&t, &pw("a")).await),
        ErrorCode::InvalidPassword,
        "after rekey the old password no longer opens the value"
    );
    assert_eq!(
        ctx.store
            .token_read(&other, &pw("a"))
            .await
            .unwrap()
            .expose(),
        "w",
        "rekey moves only the one token: others keep their password"
    );
}

// ---- delete, soft delete, restore ----

async fn a_restored_token_reads_back_its_value(ctx: &Ctx) {
    let t = create(ctx, "keep me", &pw("a")).await;
    ctx.store.token_soft_delete(&t).await.unwrap();
    let err = ctx.store.token_read(&t, &pw("a")).await.unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::Deleted,
        "reading a soft-deleted token is Deleted, not NotFound: {err}"
    );
    assert!(
        err.to_string().contains("restore"),
        "the deleted error tells the user the token can be restored: {err}"
    );
    assert!(
        !ctx.store.token_exists(&t).await.unwrap(),
        "a soft-deleted token does not count as existing"
    );
    assert_eq!(
        code(ctx.store.token_soft_delete(&t).await),
        ErrorCode::Deleted,
        "soft-deleting a token already in the trash is Deleted"
    );
    assert_eq!(
        code(ctx.store.token_renew(&t, None).await),
        ErrorCode::Deleted,
        "a trashed token cannot be renewed"
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().deleted(DeletedFilter::Only)).await,
        vec![t.clone()],
        "the trash view lists the soft-deleted token"
    );
    ctx.store.token_restore(&t).await.unwrap();
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().expose(),
        "keep me",
        "a restored token reads back its original value"
    );
    assert_eq!(
        code(ctx.store.token_restore(&t).await),
        ErrorCode::InvalidInput,
        "a live token is not in the trash"
    );
    assert_eq!(
        code(ctx.store.token_restore("tk_never_was").await),
        ErrorCode::NotFound,
        "restoring a token that never existed is NotFound"
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
        ErrorCode::NotFound,
        "a hard-deleted token is NotFound on read"
    );
    assert_eq!(
        code(ctx.store.token_delete(&t).await),
        ErrorCode::NotFound,
        "deleting a token that is already gone is NotFound"
    );
    let all = RecordQuery::new().deleted(DeletedFilter::Include);
    assert_eq!(
        ctx.store.records_count(&all).await.unwrap(),
        0,
        "hard delete removes live and trashed records entirely, from the trash too"
    );
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
    assert!(
        !ctx.store.token_exists(&t).await.unwrap(),
        "a soft-deleted token no longer exists"
    );
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
        "v",
        "one microsecond before its expiry a token still opens"
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().expiry(ExpiryFilter::Active)).await,
        vec![t.clone()],
        "one microsecond before its expiry a token is listed as active"
    );
    ctx.clock.set(at);
    let err = ctx.store.token_read(&t, &pw("a")).await.unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::Expired,
        "at exactly its expiry time a token is expired: {err}"
    );
    assert!(
        err.to_string().contains("renew"),
        "the expired error tells the user to renew: {err}"
    );
    assert_eq!(
        code(ctx.store.token_update(&t, &val("x"), &pw("a")).await),
        ErrorCode::Expired,
        "an expired token cannot be updated"
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().expiry(ExpiryFilter::Expired)).await,
        vec![t.clone()],
        "at its expiry time a token is listed as expired"
    );
    assert!(
        tokens_of(ctx, RecordQuery::new().expiry(ExpiryFilter::Active))
            .await
            .is_empty(),
        "at its expiry time a token is no longer listed as active"
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
        ErrorCode::Expired,
        "a token created with an expiry in the past is expired at once"
    );
    ctx.store
        .token_renew(&t, Some(common::t0() + Duration::days(30)))
        .await
        .unwrap();
    assert_eq!(
        ctx.store.token_read(&t, &pw("a")).await.unwrap().expose(),
        "v",
        "renewing to a future time makes the token readable again"
    );
    ctx.store.token_renew(&t, None).await.unwrap();
    let r = ctx.store.record_find_by_token(&t).await.unwrap().unwrap();
    assert_eq!(
        r.expires_at, None,
        "renewing with no expiry clears the expiry"
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().expiry(ExpiryFilter::Never)).await,
        vec![t],
        "a token without expiry is listed under Never"
    );
    assert_eq!(
        code(ctx.store.token_renew("tk_missing", None).await),
        ErrorCode::NotFound,
        "renewing a token that does not exist is NotFound"
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
        vec!["tk_soon"],
        "expiring-before lists only tokens expiring within the window, not expired ones"
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
        vec!["tk_past", "tk_soon", "tk_later", "tk_never"],
        "sorting by expiry ascending puts the earliest first and never-expiring tokens last"
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
        ErrorCode::Deleted,
        "a soft purge moves an expired token to the trash"
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
    assert_eq!(
        err.code(),
        ErrorCode::Cancelled,
        "a purge cancelled from its progress callback reports Cancelled: {err}"
    );
    assert_eq!(
        seen.lock().unwrap()[0].total,
        3,
        "purge progress reports how many it would remove, trashed records included"
    );
    let all = RecordQuery::new().deleted(DeletedFilter::Include);
    assert_eq!(
        ctx.store.records_count(&all).await.unwrap(),
        4,
        "nothing removed"
    );
    assert_eq!(
        ctx.store.purge_expired(false).await.unwrap(),
        3,
        "a hard purge removes every expired record, trashed ones included"
    );
    assert_eq!(
        tokens_of(ctx, all).await,
        vec!["tk_keep"],
        "only the never-expiring token survives the purge"
    );
}

async fn the_trash_sorts_by_deletion_time_and_empties_only_as_confirmed(ctx: &Ctx) {
    for t in ["tk_t1", "tk_t2", "tk_t3", "tk_t4", "tk_t5", "tk_live"] {
        create_custom(ctx, t, "v", &pw("a")).await;
    }
    // Trashed one per minute, in an order unlike their creation.
    for t in ["tk_t3", "tk_t1", "tk_t5", "tk_t2", "tk_t4"] {
        ctx.clock.advance(Duration::minutes(1));
        ctx.store.token_soft_delete(t).await.unwrap();
    }
    let trash = RecordQuery::new()
        .deleted(DeletedFilter::Only)
        .sort(SortField::DeletedAt)
        .order(SortOrder::Desc);
    let mut seen = Vec::new();
    let mut q = trash.clone().limit(2);
    loop {
        let page = ctx.store.records_list(&q).await.unwrap();
        seen.extend(page.records.into_iter().map(|r| r.token));
        match page.next {
            Some(c) => q = trash.clone().limit(2).after(c.to_string().parse().unwrap()),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["tk_t4", "tk_t2", "tk_t5", "tk_t1", "tk_t3"],
        "the trash pages newest deletion first, each record once"
    );
    let everything = RecordQuery::new()
        .deleted(DeletedFilter::Include)
        .sort(SortField::DeletedAt)
        .order(SortOrder::Asc);
    assert_eq!(
        tokens_of(ctx, everything.clone())
            .await
            .last()
            .map(String::as_str),
        Some("tk_live"),
        "a live record sorts after every deleted one in ascending deletion order"
    );
    assert_eq!(
        code(ctx.store.trash_empty(4).await),
        ErrorCode::InvalidInput,
        "a confirmed count that is no longer the trash's deletes nothing"
    );
    let cancel = Cancel::new();
    let err = ctx
        .store
        .trash_empty_with(5, |_| cancel.cancel(), &cancel)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Cancelled, "{err}");
    assert_eq!(
        tokens_of(ctx, everything.clone()).await.len(),
        6,
        "a refused or cancelled emptying deletes nothing"
    );
    assert_eq!(ctx.store.trash_empty(5).await.unwrap(), 5);
    assert_eq!(
        tokens_of(ctx, everything).await,
        ["tk_live"],
        "emptying the trash deletes every trashed record and no live one"
    );
    assert_eq!(
        code(ctx.store.token_restore("tk_t1").await),
        ErrorCode::NotFound,
        "an emptied record cannot be restored"
    );
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
    assert_eq!(
        values.len(),
        25,
        "bulk read returns one value per requested token"
    );
    assert_eq!(
        values[&tokens[7]].expose(),
        "value 7",
        "bulk read keys each value by its token"
    );
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
    assert_eq!(
        err.code(),
        ErrorCode::NotFound,
        "a bulk read with missing tokens is NotFound: {err}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("tk_gone1") && msg.contains("tk_gone2"),
        "{msg}"
    );
    assert!(
        !msg.contains(&a),
        "the not-found error names only the missing tokens, not ones that were found: {msg}"
    );
    ctx.store.token_soft_delete(&b).await.unwrap();
    let err = ctx
        .store
        .tokens_read(&[a.clone(), b.clone()], &pw("a"))
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::Deleted,
        "a bulk read including a trashed token is Deleted: {err}"
    );
    assert!(
        err.to_string().contains(&b),
        "the deleted error names the trashed token: {err}"
    );
    assert_eq!(
        code(
            ctx.store
                .tokens_read(std::slice::from_ref(&a), &pw("x"))
                .await
        ),
        ErrorCode::InvalidPassword,
        "a bulk read with a wrong password is refused"
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
    assert_eq!(
        out.len(),
        3,
        "every name in the map resolves, including two names sharing one token"
    );
    assert_eq!(out["DB_USER"].expose(), "admin");
    assert_eq!(
        out["ALIAS"].expose(),
        "admin",
        "a second name for the same token resolves to the same value"
    );
    assert_eq!(
        out["DB_PASS"].expose(),
        "",
        "a name whose value is empty is kept with an empty value, not dropped"
    );
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
    assert_eq!(
        changed, 13,
        "change_password moves every record of the old password (12 + 1 trashed), no other"
    );
    let last = *progress.lock().unwrap().last().unwrap();
    assert_eq!(
        (last.done, last.total),
        (14, 14),
        "progress ends with every record of the vault visited"
    );
    // old, new and the other password's record (same vault salt): at most 2 per salt.
    assert!(fresh.kdf_derivations() <= 2, "{}", fresh.kdf_derivations());
    for (i, t) in mine.iter().enumerate() {
        assert_eq!(
            fresh.token_read(t, &pw("new")).await.unwrap().expose(),
            format!("mine {i}"),
            "a record of the old password opens with the new password after the change"
        );
        assert_eq!(
            code(fresh.token_read(t, &pw("old")).await),
            ErrorCode::InvalidPassword,
            "the old password no longer opens a changed record"
        );
    }
    assert_eq!(
        fresh
            .token_read(&theirs, &pw("other"))
            .await
            .unwrap()
            .expose(),
        "theirs",
        "a record under another password is left alone by the change"
    );
    fresh.token_restore(&trashed).await.unwrap();
    assert_eq!(
        fresh
            .token_read(&trashed, &pw("new"))
            .await
            .unwrap()
            .expose(),
        "trashed",
        "a trashed record of the old password moved to the new password too"
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
    assert_eq!(
        err.code(),
        ErrorCode::Cancelled,
        "a password change cancelled before it starts reports Cancelled: {err}"
    );
    assert_eq!(
        ctx.store.token_read(&t, &pw("old")).await.unwrap().expose(),
        "v",
        "a password change cancelled before it starts changes nothing"
    );
    // Cancelled after the first batch was written inside the transaction:
    let cancel = Cancel::new();
    let c2 = cancel.clone();
    let err = ctx
        .store
        .change_password(&pw("old"), &pw("new"), move |_| c2.cancel(), &cancel)
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::Cancelled,
        "a password change cancelled mid-way reports Cancelled: {err}"
    );
    assert_eq!(
        ctx.store.token_read(&t, &pw("old")).await.unwrap().expose(),
        "v",
        "a change cancelled after a written batch rolls back: the old password still opens"
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
    assert_eq!(
        err.code(),
        ErrorCode::Policy,
        "a password shorter than the policy minimum is refused on create: {err}"
    );
    assert!(
        err.to_string().contains("16"),
        "the policy error states the minimum length (16): {err}"
    );
    assert_eq!(
        code(
            ctx.store
                .token_create(&val("v"), &Password::new(""), CreateOptions::default())
                .await
        ),
        ErrorCode::Policy,
        "an empty password is refused on create"
    );
    let t = create(ctx, "v", &pw("a")).await;
    assert_eq!(
        code(ctx.store.token_rekey(&t, &pw("a"), &weak).await),
        ErrorCode::Policy,
        "rekey to a password the policy refuses is rejected"
    );
    assert_eq!(
        code(
            ctx.store
                .change_password(&pw("a"), &weak, |_| {}, &Cancel::new())
                .await
        ),
        ErrorCode::Policy,
        "change_password to a password the policy refuses is rejected"
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
        "lax",
        "a record written under a laxer policy stays readable with its weak password"
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
    assert!(
        err.to_string().contains("digit"),
        "a password without a digit is refused when the policy requires one: {err}"
    );
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
    assert_eq!(
        r.metadata.label.as_deref(),
        Some("Production DB"),
        "the label given at creation is stored with the record"
    );
    assert!(
        r.envelope.starts_with("v3:"),
        "new records are written in the current v3 envelope format"
    );
    let by_id = ctx.store.record_find_by_id(&r.id).await.unwrap().unwrap();
    assert_eq!(
        by_id, r,
        "finding by id returns the same record as finding by token"
    );
    let mut meta = r.metadata.clone();
    meta.notes = Some("rotated monthly".into());
    meta.tags = vec!["prod".into(), "db".into()];
    ctx.store
        .record_update_metadata(&r.id, &meta)
        .await
        .unwrap();
    let r2 = ctx.store.record_find_by_id(&r.id).await.unwrap().unwrap();
    assert_eq!(r2.metadata, meta, "metadata edits are stored as given");
    assert_eq!(
        r2.envelope, r.envelope,
        "metadata edits leave the value alone"
    );
    assert_eq!(
        code(ctx.store.record_update_metadata("nope", &meta).await),
        ErrorCode::NotFound,
        "editing the metadata of an unknown record id is NotFound"
    );
    let bad = Metadata {
        tags: vec![" ".into()],
        ..Metadata::default()
    };
    assert_eq!(
        code(ctx.store.record_update_metadata(&r.id, &bad).await),
        ErrorCode::InvalidInput,
        "a blank tag is refused as invalid metadata"
    );
    ctx.store.record_soft_delete(&r.id).await.unwrap();
    assert_eq!(
        code(ctx.store.token_read("tk_rec", &pw("a")).await),
        ErrorCode::Deleted,
        "soft-deleting by record id trashes the token"
    );
    ctx.store.record_delete(&r.id).await.unwrap();
    assert!(
        ctx.store.record_find_by_id(&r.id).await.unwrap().is_none(),
        "a record hard-deleted by id is gone"
    );
    assert_eq!(
        code(ctx.store.record_delete(&r.id).await),
        ErrorCode::NotFound,
        "deleting an already-deleted record id is NotFound"
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
        vec!["tk_gh"],
        "filtering by id finds exactly that record"
    );
    assert_eq!(
        tokens_of(ctx, asc(RecordQuery::new().id_in([id, "zzz".into()]))).await,
        vec!["tk_gh"],
        "filtering by a set of ids finds the existing ones and ignores unknown ids"
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().token("tk_gh")).await,
        vec!["tk_gh"],
        "filtering by exact token finds exactly that record"
    );
    assert_eq!(
        tokens_of(
            ctx,
            asc(RecordQuery::new().token_in(["tk_gh", "tk_aws_dev"]))
        )
        .await,
        vec!["tk_aws_dev", "tk_gh"],
        "filtering by a set of tokens finds exactly those records"
    );
    assert!(
        tokens_of(ctx, RecordQuery::new().token_in(Vec::<String>::new()))
            .await
            .is_empty(),
        "an empty token set matches nothing, not everything"
    );
    assert_eq!(
        tokens_of(ctx, asc(RecordQuery::new().token_prefix("tk_aws"))).await,
        vec!["tk_aws_dev", "tk_aws_prod"],
        "a token prefix filter finds the live tokens with that prefix"
    );
    // Search looks in token and label, ignoring case.
    assert_eq!(
        tokens_of(ctx, asc(RecordQuery::new().search("aws"))).await,
        vec!["tk_aws_dev", "tk_aws_prod"],
        "search matches token and label ignoring case, and leaves out trashed records"
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().search("DEPLOY")).await,
        vec!["tk_gh"],
        "search matches the label ignoring case"
    );
    assert_eq!(
        tokens_of(
            ctx,
            asc(RecordQuery::new()
                .search("aws")
                .deleted(DeletedFilter::Include))
        )
        .await,
        vec!["tk_aws_dev", "tk_aws_prod", "tk_trash"],
        "a search including deleted records adds the trashed match"
    );
    assert_eq!(
        tokens_of(ctx, RecordQuery::new().include_deleted(false).search("old")).await,
        Vec::<String>::new(),
        "a search without deleted records finds nothing when only a trashed record matches"
    );
    assert_eq!(
        s.records_count(&RecordQuery::new().search("aws"))
            .await
            .unwrap(),
        2,
        "counting a search counts only the live matches"
    );
    assert_eq!(
        s.records_count(&RecordQuery::new().deleted(DeletedFilter::Only))
            .await
            .unwrap(),
        1,
        "counting the trash counts only soft-deleted records"
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
            assert!(
                page.records.len() <= 5,
                "a page never holds more records than the limit: {field:?} {order:?}"
            );
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
            assert_eq!(
                times, sorted,
                "paging by created_at keeps the times in order across pages: {order:?}"
            );
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
        ErrorCode::InvalidInput,
        "a cursor from one sort order is refused by a query with another"
    );
    assert_eq!(
        code(ctx.store.records_list(&RecordQuery::new().limit(0)).await),
        ErrorCode::InvalidInput,
        "a page limit of 0 is refused"
    );
    assert_eq!(
        code(
            ctx.store
                .records_list(&RecordQuery::new().limit(1001))
                .await
        ),
        ErrorCode::InvalidInput,
        "a page limit above 1000 is refused"
    );
}

/// Every token of a listing, page by page (pages of 4), with the sort key `key` read
/// from each record.
async fn walk(
    ctx: &Ctx,
    base: RecordQuery,
    key: fn(&vaultstore::Record) -> String,
) -> Vec<(String, String)> {
    let mut seen = Vec::new();
    let mut q = base.clone();
    loop {
        let page = ctx.store.records_list(&q).await.unwrap();
        seen.extend(page.records.iter().map(|r| (key(r), r.token.clone())));
        match page.next {
            Some(c) => q = base.clone().after(c),
            None => return seen,
        }
    }
}

async fn label_and_tag_sorts_page_from_either_end_and_jump_by_offset(ctx: &Ctx) {
    // Lowercase ASCII, so byte order and any collation agree; duplicates and blanks too.
    let rows = [
        ("tk_sort_a", Some("delta"), vec!["prod", "web"]),
        ("tk_sort_b", None, vec![]),
        ("tk_sort_c", Some("alpha"), vec!["dev"]),
        ("tk_sort_d", Some("delta"), vec!["alpha"]),
        ("tk_sort_e", Some("charlie"), vec![]),
        ("tk_sort_f", None, vec!["web", "prod"]),
        ("tk_sort_g", Some("bravo"), vec!["dev"]),
        ("tk_sort_h", Some("echo"), vec!["zulu"]),
        ("tk_sort_i", Some("alpha"), vec!["beta"]),
        ("tk_sort_j", Some("foxtrot"), vec![]),
    ];
    for (token, label, tags) in rows {
        let metadata = Metadata {
            label: label.map(str::to_owned),
            tags: tags.into_iter().map(str::to_owned).collect(),
            ..Metadata::default()
        };
        let opts = CreateOptions {
            token: Some(token.into()),
            metadata,
            ..CreateOptions::default()
        };
        ctx.store
            .token_create(&val("v"), &pw("a"), opts)
            .await
            .unwrap();
    }
    let label = |r: &vaultstore::Record| r.metadata.label.clone().unwrap_or_default();
    let first_tag = |r: &vaultstore::Record| r.metadata.tags.first().cloned().unwrap_or_default();
    for (field, key) in [
        (SortField::Label, label as fn(&vaultstore::Record) -> String),
        (SortField::Tags, first_tag),
    ] {
        for order in [SortOrder::Asc, SortOrder::Desc] {
            let base = RecordQuery::new().sort(field).order(order).limit(4);
            let all = walk(ctx, base.clone(), key).await;
            let mut tokens: Vec<_> = all.iter().map(|(_, t)| t.clone()).collect();
            tokens.sort();
            tokens.dedup();
            assert_eq!(tokens.len(), 10, "{field:?} {order:?}: every record once");
            let keys: Vec<_> = all.iter().map(|(k, _)| k.clone()).collect();
            let mut sorted = keys.clone();
            sorted.sort();
            if order == SortOrder::Desc {
                sorted.reverse();
            }
            assert_eq!(
                keys, sorted,
                "{field:?} {order:?}: in order across pages, blanks as empty"
            );

            // From the other end: the reversed query's first page is the last rows.
            let tail = ctx.store.records_list(&base.reversed()).await.unwrap();
            let mut tail: Vec<_> = tail.records.into_iter().map(|r| r.token).collect();
            tail.reverse();
            let last4: Vec<_> = all[6..].iter().map(|(_, t)| t.clone()).collect();
            assert_eq!(
                tail, last4,
                "{field:?} {order:?}: the last page read from the end"
            );

            // Into the middle by offset, then onwards by the cursor it returns.
            let mid = ctx
                .store
                .records_list(&base.clone().offset(5).limit(3))
                .await
                .unwrap();
            let mid_tokens: Vec<_> = mid.records.iter().map(|r| r.token.clone()).collect();
            let want: Vec<_> = all[5..8].iter().map(|(_, t)| t.clone()).collect();
            assert_eq!(
                mid_tokens, want,
                "{field:?} {order:?}: rows 6 to 8 by offset"
            );
            let on = base.clone().limit(3).after(mid.next.unwrap());
            let on = ctx.store.records_list(&on).await.unwrap();
            let on: Vec<_> = on.records.into_iter().map(|r| r.token).collect();
            let want: Vec<_> = all[8..].iter().map(|(_, t)| t.clone()).collect();
            assert_eq!(
                on, want,
                "{field:?} {order:?}: the cursor continues after the offset page"
            );
        }
    }
    assert_eq!("Tags".parse::<SortField>().unwrap(), SortField::Tags);
    assert_eq!("label".parse::<SortField>().unwrap(), SortField::Label);
}

// ---- vault settings, compatibility, errors ----

async fn a_reopened_vault_keeps_its_salt_and_reads_old_records(ctx: &Ctx) {
    let t = create(ctx, "persisted", &pw("a")).await;
    let mut o = ctx.options();
    o.kdf = None;
    o.automigrate = false;
    let reopened = Store::new(o).await.unwrap();
    assert_eq!(
        reopened.kdf_params(),
        vaultstore::KdfParams::MINIMUM,
        "a reopened vault uses the KDF parameters stored with it"
    );
    assert_eq!(
        reopened.token_read(&t, &pw("a")).await.unwrap().expose(),
        "persisted",
        "a reopened vault reads records written before"
    );
    reopened.close().await;
    let mut other_table = ctx.options();
    other_table.table = "other_vault".into();
    other_table.automigrate = false;
    let err = Store::new(other_table).await.unwrap_err();
    assert_eq!(
        err.code(),
        ErrorCode::Database,
        "opening a missing table without automigrate is a database error: {err}"
    );
    assert!(err.to_string().contains("automigrate"), "{err}");
    let mut bad_table = ctx.options();
    bad_table.table = "vault; DROP TABLE vault".into();
    assert_eq!(
        code(Store::new(bad_table).await),
        ErrorCode::InvalidInput,
        "an unsafe table name is refused as invalid input"
    );
}

async fn records_of_the_go_library_open_and_upgrade_on_read(ctx: &Ctx) {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("vectors/go-v2.json")).unwrap();
    let v = &vectors["vectors"][0];
    create_custom(ctx, "tk_go", "placeholder", &pw("a")).await;
    // A vault from before v2 retirement: a new one would refuse the value.
    ctx.accept_v2().await;
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
        v["value"].as_str().unwrap(),
        "a record written by the Go library opens with its password"
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
        v["value"].as_str().unwrap(),
        "the record upgraded to v3 still opens after lock forgets the cached key"
    );
}

/// The Go library vector `i`: (envelope, password, value). Vectors 2 to 4 have passwords
/// the default policy accepts.
fn go_vector(i: usize) -> (String, Password, String) {
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("vectors/go-v2.json")).unwrap();
    let v = &vectors["vectors"][i];
    (
        v["envelope"].as_str().unwrap().to_owned(),
        Password::new(v["password"].as_str().unwrap()),
        v["value"].as_str().unwrap().to_owned(),
    )
}

/// Another vault (table `table`) in this test's database.
async fn other_store(ctx: &Ctx, table: &str) -> Store {
    let mut o = ctx.options();
    o.table = table.into();
    Store::new(o).await.unwrap()
}

/// Writes `envelope` straight into the row of `token`, as someone with write access to
/// the database would.
async fn inject(ctx: &Ctx, token: &str, envelope: &str) {
    ctx.exec(&format!(
        "UPDATE vault SET value = '{envelope}' WHERE token = '{token}'"
    ))
    .await;
}

/// A vault this library created never held a Go value: it refuses `v2:` from the start,
/// so a v2 envelope written into a row (which the format does not bind to its token)
/// fails with a typed error naming the record, on every path that opens a value, and a
/// password change does not launder it into a `v3:` bound to the token.
async fn a_new_vault_refuses_an_injected_v2_value(ctx: &Ctx) {
    let (envelope, legacy, _) = go_vector(4);
    create_custom(ctx, "tk_victim", "placeholder", &legacy).await;
    inject(ctx, "tk_victim", &envelope).await;
    let err = ctx
        .store
        .token_read("tk_victim", &legacy)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Crypto, "{err}");
    let message = err.to_string();
    for says in [
        "tk_victim",
        "legacy Go v2 value",
        "retired v2 on 2030-06-01",
        "moved or injected",
    ] {
        assert!(message.contains(says), "{message:?} should say {says:?}");
    }
    let store = &ctx.store;
    assert_eq!(
        code(store.tokens_read(&["tk_victim".to_owned()], &legacy).await),
        ErrorCode::Crypto
    );
    assert_eq!(
        code(store.token_update("tk_victim", &val("new"), &legacy).await),
        ErrorCode::Crypto,
        "an update must not accept the v2 value as proof of the password"
    );
    assert_eq!(
        code(store.token_rekey("tk_victim", &legacy, &pw("new")).await),
        ErrorCode::Crypto
    );
    assert_eq!(
        code(
            store
                .token_read_with_session_key("tk_victim", store.session_key(&legacy))
                .await
        ),
        ErrorCode::Crypto
    );
    assert_eq!(
        code(store.token_read_with_any_session_key("tk_victim").await),
        ErrorCode::Crypto
    );
    let changed = store
        .change_password(&legacy, &pw("next"), |_| {}, &Cancel::new())
        .await
        .unwrap();
    assert_eq!(
        changed, 0,
        "a password change leaves the injected value alone"
    );
    let r = store
        .record_find_by_token("tk_victim")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.envelope, envelope, "still the injected v2 value");
}

/// An older vault (v2 not retired) still opens Go values; `upgrade_v2` re-seals those the
/// given passwords open, reports the others and keeps accepting v2 until none is left;
/// then the vault retires v2 and a v2 value written into a row afterwards is refused.
/// A v2 record deleted forever by a bulk change, then v2 retired (none is left): the
/// undo brings the other records back but not the v2 one, which it names, because a
/// retired vault holds no v2 value.
async fn undo_brings_no_v2_value_back_into_a_vault_that_retired_v2(ctx: &Ctx) {
    let store = &ctx.store;
    ctx.accept_v2().await;
    let (envelope, password, _) = go_vector(2);
    create_custom(ctx, "tk_go_0", "placeholder", &password).await;
    inject(ctx, "tk_go_0", &envelope).await;
    let mine = create(ctx, "a v3 value", &pw("mine")).await;
    let all = vaultstore::RecordQuery::new();
    let gone = store
        .bulk_apply(
            &all,
            &vaultstore::BulkAction::DeleteForever,
            |_| {},
            &Cancel::new(),
        )
        .await
        .unwrap();
    assert_eq!(gone.changed, 2);
    let report = store.upgrade_v2(&[], |_| {}, &Cancel::new()).await.unwrap();
    assert!(report.v2_retired, "{report:?}");

    let undone = store
        .undo_last(|_| {}, &Cancel::new())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(undone.restored, 1, "{undone:?}");
    assert_eq!(undone.skipped, vec!["tk_go_0".to_owned()]);
    assert!(
        store
            .record_find_by_token("tk_go_0")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store.token_read(&mine, &pw("mine")).await.unwrap().expose(),
        "a v3 value"
    );
}

async fn upgrade_v2_reseals_reports_the_rest_and_retires_v2_when_none_is_left(ctx: &Ctx) {
    let store = &ctx.store;
    ctx.accept_v2().await;
    assert_eq!(store.v2_retired_on().await.unwrap(), None);
    let vectors: Vec<_> = (2..5).map(go_vector).collect();
    for (i, (envelope, password, _)) in vectors.iter().enumerate() {
        let token = format!("tk_go_{i}");
        create_custom(ctx, &token, "placeholder", password).await;
        inject(ctx, &token, envelope).await;
    }
    let mine = create(ctx, "a v3 value", &pw("mine")).await;
    store.token_soft_delete("tk_go_1").await.unwrap();
    // Before retirement a v2 value reads (and is upgraded on that read).
    let (_, first_pw, first_value) = &vectors[0];
    assert_eq!(
        store
            .token_read("tk_go_0", first_pw)
            .await
            .unwrap()
            .expose(),
        first_value
    );
    inject(ctx, "tk_go_0", &vectors[0].0).await;

    // Cancelled before its first batch: nothing re-sealed, nothing retired, and said so.
    let cancel = Cancel::new();
    cancel.cancel();
    let stopped = store
        .upgrade_v2(&[go_vector(2).1], |_| {}, &cancel)
        .await
        .unwrap();
    assert!(stopped.cancelled && !stopped.v2_retired, "{stopped:?}");
    assert_eq!(
        (stopped.upgraded, stopped.left.len()),
        (0, 3),
        "{stopped:?}"
    );

    let unknown = pw("not-any-of-theirs");
    let seen = std::sync::Mutex::new(Vec::new());
    let report = store
        .upgrade_v2(
            &[unknown, go_vector(2).1, go_vector(3).1],
            |p| seen.lock().unwrap().push((p.done, p.total)),
            &Cancel::new(),
        )
        .await
        .unwrap();
    assert_eq!(report.upgraded, 2, "{report:?}");
    assert_eq!(
        report.left,
        vec!["tk_go_2".to_owned()],
        "no password given opens it"
    );
    assert!(
        !report.v2_retired,
        "a v2 value is left: v2 is still accepted"
    );
    assert!(!report.cancelled);
    assert_eq!(
        seen.into_inner().unwrap(),
        vec![(3, 3)],
        "progress counts the v2 records examined"
    );
    assert_eq!(store.v2_retired_on().await.unwrap(), None);
    for token in ["tk_go_0", "tk_go_1"] {
        let r = store.record_find_by_token(token).await.unwrap().unwrap();
        assert!(r.envelope.starts_with("v3:"), "{token} re-sealed");
    }
    assert!(
        store
            .record_find_by_token("tk_go_1")
            .await
            .unwrap()
            .unwrap()
            .is_deleted(),
        "a trashed record is upgraded and stays in the trash"
    );
    store.token_restore("tk_go_1").await.unwrap();
    store.lock();
    for (i, (_, password, value)) in vectors.iter().enumerate().take(2) {
        let token = format!("tk_go_{i}");
        assert_eq!(
            store.token_read(&token, password).await.unwrap().expose(),
            value
        );
    }

    let (third_envelope, third_pw, third_value) = &vectors[2];
    let report = store
        .upgrade_v2(&[go_vector(4).1], |_| {}, &Cancel::new())
        .await
        .unwrap();
    assert_eq!((report.upgraded, report.left.len()), (1, 0), "{report:?}");
    assert!(report.v2_retired, "none left: v2 is retired");
    assert_eq!(
        store.v2_retired_on().await.unwrap().as_deref(),
        Some("2030-06-01")
    );
    assert_eq!(
        store
            .token_read("tk_go_2", third_pw)
            .await
            .unwrap()
            .expose(),
        third_value
    );
    assert_eq!(
        store.token_read(&mine, &pw("mine")).await.unwrap().expose(),
        "a v3 value"
    );

    // A v2 value written into a row now (here: its own original envelope) is refused.
    inject(ctx, "tk_go_2", third_envelope).await;
    let err = store.token_read("tk_go_2", third_pw).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Crypto, "{err}");
    assert!(
        err.to_string().contains("retired v2 on 2030-06-01"),
        "{err}"
    );
    let again = store
        .upgrade_v2(&[go_vector(4).1], |_| {}, &Cancel::new())
        .await
        .unwrap();
    assert_eq!(
        again.upgraded, 0,
        "an upgrade does not launder an injected value"
    );
    assert_eq!(again.left, vec!["tk_go_2".to_owned()]);
    assert!(again.v2_retired);
}

/// A bundle carrying a v2 value is refused by a vault that retired v2, naming the record
/// and changing nothing, unless the import accepts v2: the vault then accepts v2 again.
async fn a_retired_vault_refuses_a_bundle_carrying_v2_unless_told_to_accept_it(ctx: &Ctx) {
    let (envelope, password, value) = go_vector(3);
    let source = other_store(ctx, "source").await;
    source
        .token_create(
            &val("placeholder"),
            &password,
            CreateOptions {
                token: Some("tk_carried".into()),
                ..CreateOptions::default()
            },
        )
        .await
        .unwrap();
    ctx.exec(&format!(
        "UPDATE source SET value = '{envelope}' WHERE token = 'tk_carried'"
    ))
    .await;
    let bundle = source
        .export_bundle_bytes(&common::everything(), |_| {}, &Cancel::new())
        .await
        .unwrap()
        .0;
    let store = &ctx.store;
    let err = store
        .import_bundle(&bundle, ImportOptions::default(), |_| {}, &Cancel::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    for says in ["tk_carried", "v2", "upgrade-v2"] {
        assert!(err.to_string().contains(says), "{err} should say {says:?}");
    }
    assert!(!store.token_exists("tk_carried").await.unwrap());
    let accepting = ImportOptions {
        accept_v2: true,
        ..ImportOptions::default()
    };
    let report = store
        .import_bundle(&bundle, accepting, |_| {}, &Cancel::new())
        .await
        .unwrap();
    assert_eq!(report.created, 1);
    assert_eq!(
        store.v2_retired_on().await.unwrap(),
        None,
        "v2 accepted again"
    );
    assert_eq!(
        store
            .token_read("tk_carried", &password)
            .await
            .unwrap()
            .expose(),
        value
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
        ErrorCode::InvalidInput,
        "an unsupported database URL scheme is refused as invalid input"
    );
}

/// The session keyring: an app remembers a `SessionKey` for an opened record instead of
/// its password. The key opens that record again without the KDF, opens nothing after
/// Lock, and a record sealed under the same password opens with the keys already derived.
async fn session_keys_open_records_without_the_password_until_lock(ctx: &Ctx) {
    let (p, other) = (pw("session"), pw("session-other"));
    let first = create(ctx, "first value", &p).await;
    let second = create(ctx, "second value", &p).await;
    let theirs = create(ctx, "their value", &other).await;
    let store = &ctx.store;
    store.lock();
    assert_eq!(
        store.token_read(&first, &p).await.unwrap().expose(),
        "first value"
    );
    let key = store.session_key(&p);
    let derivations = store.kdf_derivations();
    let again = store
        .token_read_with_session_key(&first, key)
        .await
        .unwrap();
    assert_eq!(
        again.map(|v| v.expose().to_owned()).as_deref(),
        Some("first value"),
        "the session key opens the record opened with its password"
    );
    let (value, used) = store
        .token_read_with_any_session_key(&second)
        .await
        .unwrap()
        .expect("a record under the same password opens with the session's keys");
    assert_eq!(value.expose(), "second value");
    assert_eq!(used, key, "and names the key that opened it");
    assert!(
        store
            .token_read_with_any_session_key(&theirs)
            .await
            .unwrap()
            .is_none(),
        "a record under another password does not open"
    );
    let never_derived = store.session_key(&other);
    assert!(
        store
            .token_read_with_session_key(&theirs, never_derived)
            .await
            .unwrap()
            .is_none(),
        "a key for a password never used this session opens nothing"
    );
    assert_eq!(
        store.kdf_derivations(),
        derivations,
        "no KDF run without a password"
    );
    assert_eq!(format!("{key:?}"), "SessionKey(***)");
    let (cached, derived) = (store.cached_keys(), store.kdf_derivations());
    let wrong = pw("wrong");
    for _ in 0..3 {
        let err = store.token_read(&first, &wrong).await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidPassword);
    }
    assert_eq!(
        (store.cached_keys(), store.kdf_derivations()),
        (cached, derived + 1),
        "a wrong password tried three times derives one key, not three, and does not \
         grow the key cache"
    );
    store.lock();
    assert!(
        store
            .token_read_with_session_key(&first, key)
            .await
            .unwrap()
            .is_none(),
        "after Lock the session key opens nothing"
    );
}

on_every_backend!(
    session_keys_open_records_without_the_password_until_lock,
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
    the_trash_sorts_by_deletion_time_and_empties_only_as_confirmed,
    bulk_read_opens_many_tokens_with_one_derivation,
    bulk_read_names_every_missing_trashed_or_expired_token,
    resolved_map_keeps_names_and_empty_values,
    change_password_moves_only_records_of_the_old_password,
    a_cancelled_password_change_changes_nothing,
    the_policy_applies_when_a_password_is_set_not_when_read,
    record_operations_find_annotate_and_delete_by_id,
    queries_filter_by_id_token_prefix_search_and_state,
    keyset_paging_visits_every_record_once_in_order,
    label_and_tag_sorts_page_from_either_end_and_jump_by_offset,
    a_reopened_vault_keeps_its_salt_and_reads_old_records,
    records_of_the_go_library_open_and_upgrade_on_read,
    an_unreachable_database_is_a_database_error,
    a_new_vault_refuses_an_injected_v2_value,
    upgrade_v2_reseals_reports_the_rest_and_retires_v2_when_none_is_left,
    undo_brings_no_v2_value_back_into_a_vault_that_retired_v2,
    a_retired_vault_refuses_a_bundle_carrying_v2_unless_told_to_accept_it,
);
