//! The query language (`RecordQuery::parse`, the app's search box and `--query`) on
//! SQLite, PostgreSQL and MariaDB/MySQL: what each term finds, how terms combine, the
//! expiry windows against the store's clock, and paging through a parsed query.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use common::{Ctx, pw, t0, val};
use serde_json::json;
use vaultstore::{
    CreateOptions, ErrorCode, ExpiryFilter, Metadata, RecordQuery, SortField, SortOrder,
};

async fn add(ctx: &Ctx, token: &str, meta: serde_json::Value, expires_at: Option<DateTime<Utc>>) {
    let opts = CreateOptions {
        token: Some(token.into()),
        expires_at,
        metadata: serde_json::from_value::<Metadata>(meta).unwrap(),
        ..CreateOptions::default()
    };
    ctx.store
        .token_create(&val("v"), &pw("q"), opts)
        .await
        .unwrap();
}

/// A small vault: every field and state the language reaches.
async fn seed(ctx: &Ctx) {
    let days = |n| Some(t0() + Duration::days(n));
    add(
        ctx,
        "tk_alpha",
        json!({"label": "GitHub deploy key", "tags": ["prod", "ci"],
        "notes": "rotated monthly"}),
        None,
    )
    .await;
    add(
        ctx,
        "tk_beta",
        json!({"label": "Mail", "tags": ["production"],
        "username": "Ärzte-Admin", "url": "https://mail.example.org/login"}),
        days(10),
    )
    .await;
    add(
        ctx,
        "tk_gamma",
        json!({"label": "Ärzte Portal", "tags": ["Prod"]}),
        days(30),
    )
    .await;
    add(
        ctx,
        "tk_delta",
        json!({"label": "old db", "tags": ["prod"]}),
        days(-2),
    )
    .await;
    add(
        ctx,
        "tk_epsilon",
        json!({"label": "older", "notes": "50% off"}),
        days(-40),
    )
    .await;
    add(
        ctx,
        "tk_zeta",
        json!({"label": "trashed", "tags": ["prod"]}),
        None,
    )
    .await;
    ctx.store.token_soft_delete("tk_zeta").await.unwrap();
}

/// The tokens `text` finds (and checks the count agrees).
async fn found(ctx: &Ctx, text: &str) -> Vec<String> {
    let q = RecordQuery::parse(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .sort(SortField::Token)
        .order(SortOrder::Asc)
        .limit(1000);
    let page = ctx.store.records_list(&q).await.unwrap();
    let tokens: Vec<String> = page.records.into_iter().map(|r| r.token).collect();
    let n = ctx.store.records_count(&q).await.unwrap();
    assert_eq!(n, tokens.len() as u64, "count of {text:?}");
    tokens
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|t| format!("tk_{t}")).collect()
}

async fn bare_words_match_any_field_ignoring_case(ctx: &Ctx) {
    seed(ctx).await;
    for (text, expect) in [
        ("github", &["alpha"][..]),
        ("MONTHLY", &["alpha"]),
        ("ärzte", &["beta", "gamma"]),
        ("ÄRZTE-admin", &["beta"]),
        ("mail.example.org/login", &["beta"]),
        ("tk_gam", &["gamma"]),
        ("product", &["beta"]),
        ("50%", &["epsilon"]),
        ("5_%", &[]),
        ("\"deploy key\"", &["alpha"]),
        ("ärzte portal", &["gamma"]),
        ("ärzte nowhere", &[]),
        ("arzte", &[]),
    ] {
        assert_eq!(found(ctx, text).await, names(expect), "{text}");
    }
}

async fn tags_match_whole_tags_and_several_must_all_be_present(ctx: &Ctx) {
    seed(ctx).await;
    assert_eq!(
        found(ctx, "tag:prod").await,
        names(&["alpha", "delta", "gamma"])
    );
    assert_eq!(
        found(ctx, "tag:PROD").await,
        names(&["alpha", "delta", "gamma"])
    );
    assert!(
        found(ctx, "tag:pro").await.is_empty(),
        "a tag is matched whole"
    );
    assert_eq!(found(ctx, "tag:prod tag:ci").await, names(&["alpha"]));
    assert_eq!(found(ctx, "tag:prod monthly").await, names(&["alpha"]));
    assert_eq!(found(ctx, "tag:production").await, names(&["beta"]));
    let built = RecordQuery::new()
        .tag("Prod")
        .tag("ci")
        .word("deploy")
        .limit(10);
    let page = ctx.store.records_list(&built).await.unwrap();
    assert_eq!(page.records.len(), 1);
    assert_eq!(page.records[0].token, "tk_alpha");
}

async fn label_and_token_prefixes_filter_their_field_only(ctx: &Ctx) {
    seed(ctx).await;
    assert_eq!(found(ctx, "label:ärzte").await, names(&["gamma"]));
    assert_eq!(found(ctx, "label:\"deploy key\"").await, names(&["alpha"]));
    assert_eq!(found(ctx, "label:old label:er").await, names(&["epsilon"]));
    assert!(found(ctx, "label:monthly").await.is_empty());
    assert_eq!(found(ctx, "token:tk_b").await, names(&["beta"]));
    assert!(
        found(ctx, "token:TK_B").await.is_empty(),
        "tokens are case-sensitive"
    );
    assert_eq!(found(ctx, "token:tk_ is:never").await, names(&["alpha"]));
}

async fn states_and_the_trash_are_terms(ctx: &Ctx) {
    seed(ctx).await;
    assert_eq!(
        found(ctx, "").await,
        names(&["alpha", "beta", "delta", "epsilon", "gamma"])
    );
    assert_eq!(
        found(ctx, "is:active").await,
        names(&["alpha", "beta", "gamma"])
    );
    assert_eq!(found(ctx, "is:expired").await, names(&["delta", "epsilon"]));
    assert_eq!(found(ctx, "is:never").await, names(&["alpha"]));
    assert_eq!(found(ctx, "is:trash").await, names(&["zeta"]));
    assert_eq!(
        found(ctx, "is:trash tag:prod is:never").await,
        names(&["zeta"])
    );
}

async fn expiry_windows_are_two_sided_and_follow_the_clock(ctx: &Ctx) {
    seed(ctx).await;
    // Expired 2 days ago is in the last 30 days; 40 days ago is not; active is not.
    assert_eq!(found(ctx, "expired:<30d").await, names(&["delta"]));
    assert_eq!(
        found(ctx, "expired:<41d").await,
        names(&["delta", "epsilon"])
    );
    assert_eq!(found(ctx, "expires:<14d").await, names(&["beta"]));
    assert_eq!(found(ctx, "expires:<5w").await, names(&["beta", "gamma"]));
    // A parsed query is resolved when it runs: eleven days on, beta has just expired.
    let kept = RecordQuery::parse("expired:<30d")
        .unwrap()
        .sort(SortField::Token)
        .order(SortOrder::Asc);
    ctx.clock.advance(Duration::days(11));
    let tokens: Vec<String> = ctx
        .store
        .records_list(&kept)
        .await
        .unwrap()
        .records
        .into_iter()
        .map(|r| r.token)
        .collect();
    assert_eq!(tokens, names(&["beta", "delta"]));
    assert!(found(ctx, "expires:<14d").await.is_empty());
    // The boundary: expiry exactly at now is expired, exactly d ago is outside.
    ctx.clock.set(t0() + Duration::days(10));
    assert_eq!(found(ctx, "expired:<1d").await, names(&["beta"]));
    ctx.clock.set(t0() + Duration::days(11));
    assert!(found(ctx, "expired:<1d").await.is_empty());
}

async fn malformed_queries_and_filters_are_invalid_input(ctx: &Ctx) {
    for (text, term) in [
        ("foo:bar", "foo:bar"),
        ("is:soon", "is:soon"),
        ("expires:<abc", "expires:<abc"),
        ("expires:14", "expires:14"),
        ("tag:", "tag:"),
        ("label:\"open", "label:\\\"open"),
        ("is:active is:expired", "is:expired"),
    ] {
        let e = RecordQuery::parse(text).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{text}");
        assert!(
            e.to_string().contains(&format!("\"{term}\"")),
            "{text}: {e}"
        );
    }
    // The builder's filters are checked by the store before any SQL.
    for q in [
        RecordQuery::new().word("a\nb"),
        RecordQuery::new().expiry(ExpiryFilter::ExpiringWithin(Duration::days(-1))),
        RecordQuery::new().expiry(ExpiryFilter::ExpiredWithin(Duration::days(365 * 200))),
    ] {
        let e = ctx.store.records_list(&q).await.unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{q:?}");
    }
}

async fn paging_a_parsed_query_returns_every_match_once(ctx: &Ctx) {
    let mut expected = BTreeSet::new();
    for i in 0..23 {
        let tags = if i % 3 == 0 {
            json!(["other"])
        } else {
            json!(["bulk", "x"])
        };
        let token = format!("tk_page_{i:02}");
        add(
            ctx,
            &token,
            json!({"label": format!("page {i}"), "tags": tags}),
            None,
        )
        .await;
        ctx.clock.advance(Duration::seconds(1));
        if i % 3 != 0 {
            expected.insert(token);
        }
    }
    let base = RecordQuery::parse("tag:bulk page").unwrap().limit(4);
    let (mut seen, mut q, mut pages) = (Vec::new(), base.clone(), 0);
    loop {
        let page = ctx.store.records_list(&q).await.unwrap();
        pages += 1;
        seen.extend(page.records.into_iter().map(|r| r.token));
        match page.next {
            Some(c) => q = base.clone().after(c),
            None => break,
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), expected.len(), "no match twice");
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), expected);
}

/// The app's tag list: each tag of the records a query matches, with its count, most
/// used first; trashed records count only when the query asks for the trash.
async fn tag_counts_list_each_tag_of_the_matches_once_with_its_count(ctx: &Ctx) {
    seed(ctx).await;
    let counts = |text: &'static str| async move {
        ctx.store
            .tag_counts(&RecordQuery::parse(text).unwrap(), 100)
            .await
            .unwrap()
    };
    let pairs = |list: &[(&str, u64)]| -> Vec<(String, u64)> {
        list.iter().map(|(t, n)| ((*t).to_owned(), *n)).collect()
    };
    assert_eq!(
        counts("").await,
        pairs(&[("Prod", 3), ("ci", 1), ("production", 1)]),
        "live records only; a tag's spellings in other cases are one tag (shown in the first in byte order); most used first, then by name"
    );
    assert_eq!(counts("is:trash").await, pairs(&[("prod", 1)]));
    assert_eq!(
        counts("expires:<20d").await,
        pairs(&[("production", 1)]),
        "the query decides which records count"
    );
    assert_eq!(counts("label:older").await, pairs(&[]), "no tags, no rows");
    let top = ctx.store.tag_counts(&RecordQuery::new(), 1).await.unwrap();
    assert_eq!(top, pairs(&[("Prod", 3)]));
    let err = ctx
        .store
        .tag_counts(&RecordQuery::new(), 0)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
}

/// Trash retention: records in the trash for at least N days, by the store's clock, and
/// deleting them for good as a bulk change (which Undo can revert).
async fn trash_retention_takes_records_trashed_long_enough_ago(ctx: &Ctx) {
    seed(ctx).await; // tk_zeta trashed at t0
    ctx.clock.set(t0() + Duration::days(5));
    ctx.store.token_soft_delete("tk_alpha").await.unwrap();
    let old = |days| {
        RecordQuery::new()
            .deleted(vaultstore::DeletedFilter::Only)
            .trashed_for_at_least(Duration::days(days))
            .sort(SortField::Token)
    };
    let tokens = |q: RecordQuery| async move {
        let page = ctx.store.records_list(&q).await.unwrap();
        page.records
            .into_iter()
            .map(|r| r.token)
            .collect::<Vec<_>>()
    };
    ctx.clock.set(t0() + Duration::days(30));
    assert_eq!(
        tokens(old(30)).await,
        names(&["zeta"]),
        "30 days exactly counts"
    );
    assert_eq!(tokens(old(31)).await, Vec::<String>::new());
    assert_eq!(tokens(old(25)).await, names(&["zeta", "alpha"]));
    assert_eq!(
        tokens(RecordQuery::new().trashed_for_at_least(Duration::days(1))).await,
        Vec::<String>::new(),
        "live records are never old trash"
    );
    let report = ctx
        .store
        .bulk_apply(
            &old(30),
            &vaultstore::BulkAction::DeleteForever,
            |_| {},
            &vaultstore::Cancel::new(),
        )
        .await
        .unwrap();
    assert_eq!(report.changed, 1);
    assert!(
        ctx.store
            .record_find_by_token("tk_zeta")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        ctx.store
            .record_find_by_token("tk_alpha")
            .await
            .unwrap()
            .is_some()
    );
    let err = ctx
        .store
        .records_count(&RecordQuery::new().trashed_for_at_least(Duration::days(-1)))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
}

on_every_backend!(
    trash_retention_takes_records_trashed_long_enough_ago,
    tag_counts_list_each_tag_of_the_matches_once_with_its_count,
    bare_words_match_any_field_ignoring_case,
    tags_match_whole_tags_and_several_must_all_be_present,
    label_and_token_prefixes_filter_their_field_only,
    states_and_the_trash_are_terms,
    expiry_windows_are_two_sided_and_follow_the_clock,
    malformed_queries_and_filters_are_invalid_input,
    paging_a_parsed_query_returns_every_match_once,
);
