//! Bulk actions with preview and undo, on every backend: each action changes exactly
//! the records its query matches and would change, a preview changes nothing, Cancel
//! rolls back, and undo puts back exactly what the last bulk change replaced.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use chrono::Duration;
use common::{Backend, Ctx, all_records, pw, t0, val};
use sqlx::AssertSqlSafe;
use vaultstore::{
    BulkAction, BulkActionKind, Cancel, CreateOptions, DbPool, DeletedFilter, ErrorCode, Metadata,
    Record, RecordQuery, RenewTo, Store,
};

async fn create(ctx: &Ctx, token: &str, expires_in: Option<Duration>, tags: &[&str]) {
    let opts = CreateOptions {
        token: Some(token.into()),
        expires_at: expires_in.map(|d| t0() + d),
        metadata: Metadata {
            label: Some(format!("label of {token}")),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
            ..Metadata::default()
        },
        ..CreateOptions::default()
    };
    ctx.store
        .token_create(&val(&format!("value of {token}")), &pw("bulk"), opts)
        .await
        .unwrap();
}

/// tk_aa1 (expires in a day), tk_aa2 (never), tk_aa3 (in the trash), tk_bb1 (a day).
async fn fixture(ctx: &Ctx) {
    create(ctx, "tk_aa1", Some(Duration::days(1)), &["team"]).await;
    create(ctx, "tk_aa2", None, &[]).await;
    create(ctx, "tk_aa3", Some(Duration::days(1)), &[]).await;
    create(ctx, "tk_bb1", Some(Duration::days(1)), &[]).await;
    ctx.store.token_soft_delete("tk_aa3").await.unwrap();
}

fn prefix(p: &str) -> RecordQuery {
    RecordQuery::new().token_prefix(p)
}

async fn apply(store: &Store, q: &RecordQuery, action: BulkAction) -> u64 {
    store
        .bulk_apply(q, &action, |_| {}, &Cancel::new())
        .await
        .unwrap()
        .changed
}

async fn undo(store: &Store) -> Option<vaultstore::UndoReport> {
    store.undo_last(|_| {}, &Cancel::new()).await.unwrap()
}

async fn record(ctx: &Ctx, token: &str) -> Record {
    ctx.store
        .record_find_by_token(token)
        .await
        .unwrap()
        .unwrap()
}

/// The stored metadata text of a record, as the database holds it.
async fn raw_data(ctx: &Ctx, token: &str) -> String {
    let q = AssertSqlSafe(format!("SELECT data FROM vault WHERE token = '{token}'"));
    match ctx.store.pool() {
        DbPool::Sqlite(p) => sqlx::query_scalar(q).fetch_one(p).await.unwrap(),
        DbPool::Postgres(p) => sqlx::query_scalar(q).fetch_one(p).await.unwrap(),
        DbPool::MySql(p) => sqlx::query_scalar(q).fetch_one(p).await.unwrap(),
    }
}

/// Every record's state apart from `updated_at`, which a change and its undo both move.
type State = (String, String, Option<String>, Option<String>, String);

fn states(records: &[Record]) -> Vec<State> {
    records
        .iter()
        .map(|r| {
            (
                r.token.clone(),
                r.envelope.clone(),
                r.expires_at.map(|t| t.to_rfc3339()),
                r.soft_deleted_at.map(|t| t.to_rfc3339()),
                serde_json::to_string(&r.metadata).unwrap(),
            )
        })
        .collect()
}

async fn renew_changes_exactly_the_live_matching_records(ctx: &Ctx) {
    fixture(ctx).await;
    let action = BulkAction::Renew(RenewTo::In(Duration::days(30)));
    let before = all_records(&ctx.store).await;
    let preview = ctx
        .store
        .bulk_preview(&prefix("tk_aa"), &action, 10)
        .await
        .unwrap();
    assert_eq!(
        preview.count, 2,
        "tk_aa1 and tk_aa2; tk_aa3 is in the trash"
    );
    let tokens: Vec<&str> = preview.sample.iter().map(|c| c.token.as_str()).collect();
    assert_eq!(tokens.len(), 2);
    let aa1 = preview.sample.iter().find(|c| c.token == "tk_aa1").unwrap();
    assert_eq!(aa1.before.expires_at, Some(t0() + Duration::days(1)));
    let after = aa1.after.as_ref().unwrap();
    assert_eq!(after.expires_at, Some(t0() + Duration::days(30)));
    assert_eq!(
        all_records(&ctx.store).await,
        before,
        "a preview changes nothing"
    );

    ctx.clock.advance(Duration::seconds(1));
    assert_eq!(apply(&ctx.store, &prefix("tk_aa"), action).await, 2);
    let renewed = t0() + Duration::seconds(1) + Duration::days(30);
    let expected = Some(renewed);
    for t in ["tk_aa1", "tk_aa2"] {
        let r = record(ctx, t).await;
        assert_eq!(r.expires_at, expected, "{t}");
        assert_eq!(
            r.updated_at,
            t0() + Duration::seconds(1),
            "{t}: updated_at moves"
        );
    }
    assert_eq!(
        record(ctx, "tk_aa3").await.expires_at,
        Some(t0() + Duration::days(1))
    );
    assert_eq!(
        record(ctx, "tk_bb1").await.expires_at,
        Some(t0() + Duration::days(1))
    );

    // The same expiry again changes nothing, and is not a change to undo.
    let same = BulkAction::Renew(RenewTo::At(renewed));
    assert_eq!(apply(&ctx.store, &prefix("tk_aa"), same).await, 0);
    let summary = ctx.store.undo_available().await.unwrap().unwrap();
    assert_eq!(summary.action, BulkActionKind::Renew);
    assert_eq!(summary.count, 2);
}

async fn extend_counts_from_the_expiry_or_from_now_and_leaves_never_alone(ctx: &Ctx) {
    create(ctx, "tk_late", Some(Duration::days(10)), &[]).await;
    create(ctx, "tk_past", Some(Duration::hours(1)), &[]).await;
    create(ctx, "tk_never", None, &[]).await;
    ctx.clock.advance(Duration::days(1)); // tk_past has expired
    let action = BulkAction::Renew(RenewTo::Extend(Duration::days(7)));
    let q = RecordQuery::new();
    assert_eq!(
        ctx.store.bulk_preview(&q, &action, 0).await.unwrap().count,
        2
    );
    assert_eq!(apply(&ctx.store, &q, action).await, 2);
    let now = t0() + Duration::days(1);
    assert_eq!(
        record(ctx, "tk_late").await.expires_at,
        Some(t0() + Duration::days(17))
    );
    assert_eq!(
        record(ctx, "tk_past").await.expires_at,
        Some(now + Duration::days(7))
    );
    assert_eq!(record(ctx, "tk_never").await.expires_at, None);
    ctx.clock.advance(Duration::seconds(1));
    assert_eq!(undo(&ctx.store).await.unwrap().restored, 2);
    assert_eq!(
        record(ctx, "tk_late").await.expires_at,
        Some(t0() + Duration::days(10))
    );
    assert_eq!(
        record(ctx, "tk_past").await.expires_at,
        Some(t0() + Duration::hours(1))
    );
}

async fn trash_restore_and_tags_change_only_what_differs(ctx: &Ctx) {
    fixture(ctx).await;
    let everything = RecordQuery::new().deleted(DeletedFilter::Include);
    // tk_aa3 is in the trash already: not counted.
    assert_eq!(
        apply(&ctx.store, &everything, BulkAction::SoftDelete).await,
        3
    );
    assert!(all_records(&ctx.store).await.iter().all(Record::is_deleted));
    let trash = prefix("tk_aa").deleted(DeletedFilter::Only);
    assert_eq!(apply(&ctx.store, &trash, BulkAction::Restore).await, 3);
    assert!(!record(ctx, "tk_aa3").await.is_deleted());
    assert!(
        record(ctx, "tk_bb1").await.is_deleted(),
        "not matched: stays in the trash"
    );
    // Restore on live records changes nothing.
    assert_eq!(
        apply(&ctx.store, &prefix("tk_aa"), BulkAction::Restore).await,
        0
    );

    let add = BulkAction::AddTag(" team ".into());
    let preview = ctx
        .store
        .bulk_preview(&prefix("tk_aa"), &add, 10)
        .await
        .unwrap();
    assert_eq!(preview.count, 2, "tk_aa1 has the tag already");
    assert_eq!(preview.sample[0].after.as_ref().unwrap().tags, ["team"]);
    assert_eq!(apply(&ctx.store, &prefix("tk_aa"), add).await, 2);
    for t in ["tk_aa1", "tk_aa2", "tk_aa3"] {
        let r = record(ctx, t).await;
        assert_eq!(r.metadata.tags, ["team"], "{t}");
        assert_eq!(
            r.metadata.label.as_deref(),
            Some(format!("label of {t}").as_str())
        );
    }
    let remove = BulkAction::RemoveTag("team".into());
    assert_eq!(apply(&ctx.store, &prefix("tk_"), remove).await, 3);
    assert!(record(ctx, "tk_aa1").await.metadata.tags.is_empty());
    let blank = ctx
        .store
        .bulk_apply(
            &prefix("tk_"),
            &BulkAction::AddTag("  ".into()),
            |_| {},
            &Cancel::new(),
        )
        .await;
    assert_eq!(blank.unwrap_err().code(), ErrorCode::InvalidInput);
}

async fn undo_restores_exactly_the_previous_state(ctx: &Ctx) {
    fixture(ctx).await;
    // Metadata as another client wrote it: key order, spacing, a key we do not know.
    ctx.exec(r#"UPDATE vault SET data = '{"zz": 1,  "tags": ["x"], "label": "odd"}' WHERE token = 'tk_aa1'"#)
        .await;
    let raw_before = raw_data(ctx, "tk_aa1").await;
    let everything = RecordQuery::new().deleted(DeletedFilter::Include);
    for action in [
        BulkAction::Renew(RenewTo::Never),
        BulkAction::Renew(RenewTo::At(t0() + Duration::days(3))),
        BulkAction::SoftDelete,
        BulkAction::AddTag("new".into()),
        BulkAction::RemoveTag("x".into()),
    ] {
        let before = all_records(&ctx.store).await;
        ctx.clock.advance(Duration::seconds(1));
        let changed = apply(&ctx.store, &everything, action.clone()).await;
        assert!(changed > 0, "{action:?}");
        assert_ne!(
            states(&all_records(&ctx.store).await),
            states(&before),
            "{action:?}"
        );
        ctx.clock.advance(Duration::seconds(1));
        let report = undo(&ctx.store).await.unwrap();
        assert_eq!(report.restored, changed, "{action:?}");
        assert!(report.skipped.is_empty(), "{action:?}");
        let after = all_records(&ctx.store).await;
        assert_eq!(states(&after), states(&before), "{action:?}");
        assert_eq!(
            raw_data(ctx, "tk_aa1").await,
            raw_before,
            "{action:?}: byte for byte"
        );
    }
    assert!(
        undo(&ctx.store).await.is_none(),
        "undo twice: nothing to undo"
    );
    assert_eq!(ctx.store.undo_available().await.unwrap(), None);
}

async fn delete_forever_undo_gives_back_records_that_open(ctx: &Ctx) {
    fixture(ctx).await;
    let before = all_records(&ctx.store).await;
    let q = prefix("tk_aa").deleted(DeletedFilter::Include);
    let preview = ctx
        .store
        .bulk_preview(&q, &BulkAction::DeleteForever, 10)
        .await
        .unwrap();
    assert_eq!(preview.count, 3);
    assert!(preview.sample.iter().all(|c| c.after.is_none()));
    assert_eq!(apply(&ctx.store, &q, BulkAction::DeleteForever).await, 3);
    let left: Vec<String> = all_records(&ctx.store)
        .await
        .into_iter()
        .map(|r| r.token)
        .collect();
    assert_eq!(left, ["tk_bb1"]);
    ctx.clock.advance(Duration::seconds(1));
    let report = undo(&ctx.store).await.unwrap();
    assert_eq!(
        (report.restored, report.undone.action),
        (3, BulkActionKind::DeleteForever)
    );
    assert_eq!(
        all_records(&ctx.store).await,
        before,
        "the rows come back whole"
    );
    let value = ctx.store.token_read("tk_aa1", &pw("bulk")).await.unwrap();
    assert_eq!(value.expose(), "value of tk_aa1");

    // A token taken again meanwhile is not overwritten: named as skipped.
    assert_eq!(apply(&ctx.store, &q, BulkAction::DeleteForever).await, 3);
    create(ctx, "tk_aa2", None, &["reborn"]).await;
    let report = undo(&ctx.store).await.unwrap();
    assert_eq!(
        (report.restored, report.skipped.clone()),
        (2, vec!["tk_aa2".to_owned()])
    );
    assert_eq!(record(ctx, "tk_aa2").await.metadata.tags, ["reborn"]);
}

async fn undo_skips_and_names_a_record_changed_after_the_bulk_change(ctx: &Ctx) {
    fixture(ctx).await;
    let action = BulkAction::Renew(RenewTo::In(Duration::days(30)));
    assert_eq!(apply(&ctx.store, &prefix("tk_"), action).await, 3);
    ctx.clock.advance(Duration::seconds(1));
    let mine = Some(t0() + Duration::days(99));
    ctx.store.token_renew("tk_aa2", mine).await.unwrap();
    ctx.clock.advance(Duration::seconds(1));
    let report = undo(&ctx.store).await.unwrap();
    assert_eq!(report.restored, 2);
    assert_eq!(report.skipped, ["tk_aa2"]);
    assert_eq!(
        record(ctx, "tk_aa2").await.expires_at,
        mine,
        "the later change stays"
    );
    assert_eq!(
        record(ctx, "tk_aa1").await.expires_at,
        Some(t0() + Duration::days(1))
    );
}

async fn a_second_bulk_change_replaces_the_undo(ctx: &Ctx) {
    fixture(ctx).await;
    let renew = BulkAction::Renew(RenewTo::Never);
    assert_eq!(apply(&ctx.store, &prefix("tk_"), renew).await, 2);
    ctx.clock.advance(Duration::seconds(1));
    let tag = BulkAction::AddTag("later".into());
    assert_eq!(apply(&ctx.store, &prefix("tk_"), tag).await, 3);
    let summary = ctx.store.undo_available().await.unwrap().unwrap();
    assert_eq!((summary.action, summary.count), (BulkActionKind::AddTag, 3));
    assert_eq!(summary.at, t0() + Duration::seconds(1));
    ctx.clock.advance(Duration::seconds(1));
    assert_eq!(undo(&ctx.store).await.unwrap().restored, 3);
    assert!(record(ctx, "tk_aa1").await.metadata.tags == ["team"]);
    assert_eq!(
        record(ctx, "tk_aa1").await.expires_at,
        None,
        "the renew is not undone"
    );
    assert!(undo(&ctx.store).await.is_none());
}

async fn cancel_rolls_everything_back(ctx: &Ctx) {
    fixture(ctx).await;
    apply(
        &ctx.store,
        &prefix("tk_bb"),
        BulkAction::AddTag("kept".into()),
    )
    .await;
    let before = all_records(&ctx.store).await;
    let everything = RecordQuery::new().deleted(DeletedFilter::Include);
    for action in [
        BulkAction::Renew(RenewTo::Never),
        BulkAction::DeleteForever,
        BulkAction::AddTag("t".into()),
    ] {
        let cancel = Cancel::new();
        // Cancelled once the chunk is written: it must roll back.
        let result = ctx
            .store
            .bulk_apply(
                &everything,
                &action,
                |p| {
                    if p.done > 0 {
                        cancel.cancel()
                    }
                },
                &cancel,
            )
            .await;
        assert_eq!(
            result.unwrap_err().code(),
            ErrorCode::Cancelled,
            "{action:?}"
        );
        assert_eq!(all_records(&ctx.store).await, before, "{action:?}");
    }
    let summary = ctx.store.undo_available().await.unwrap().unwrap();
    assert_eq!(
        summary.action,
        BulkActionKind::AddTag,
        "the previous undo is kept"
    );
    let cancel = Cancel::new();
    let undo = ctx.store.undo_last(|_| cancel.cancel(), &cancel).await;
    assert_eq!(undo.unwrap_err().code(), ErrorCode::Cancelled);
    assert_eq!(all_records(&ctx.store).await, before);
    assert!(ctx.store.undo_available().await.unwrap().is_some());
}

async fn a_change_of_nothing_keeps_the_previous_undo(ctx: &Ctx) {
    fixture(ctx).await;
    assert_eq!(
        apply(&ctx.store, &prefix("tk_bb"), BulkAction::SoftDelete).await,
        1
    );
    assert_eq!(
        apply(&ctx.store, &prefix("tk_zz"), BulkAction::SoftDelete).await,
        0
    );
    let summary = ctx.store.undo_available().await.unwrap().unwrap();
    assert_eq!(
        (summary.action, summary.count),
        (BulkActionKind::SoftDelete, 1)
    );
}

/// Two stores (two processes, as far as the database can tell) tagging the same records
/// at once: both changes land, one after the other, and the journal holds the later one
/// whole, so undo takes back exactly one tag from every record.
async fn concurrent_bulk_changes_never_interleave_journals(ctx: &Ctx) {
    fixture(ctx).await;
    let other = Store::new(ctx.options()).await.unwrap();
    let q = prefix("tk_");
    let (a, b) = tokio::join!(
        apply(&ctx.store, &q, BulkAction::AddTag("a".into())),
        apply(&other, &q, BulkAction::AddTag("b".into())),
    );
    assert_eq!((a, b), (3, 3));
    let summary = ctx.store.undo_available().await.unwrap().unwrap();
    assert_eq!((summary.action, summary.count), (BulkActionKind::AddTag, 3));
    ctx.clock.advance(Duration::seconds(1));
    let report = undo(&other).await.unwrap();
    assert_eq!((report.restored, report.skipped.len()), (3, 0));
    let kept: Vec<Vec<String>> = {
        let mut v = Vec::new();
        for t in ["tk_aa1", "tk_aa2", "tk_bb1"] {
            let mut tags = record(ctx, t).await.metadata.tags;
            tags.retain(|t| t != "team");
            v.push(tags);
        }
        v
    };
    assert!(
        kept.iter().all(|t| t.len() == 1 && *t == kept[0]),
        "{kept:?}"
    );
    other.close().await;
}

/// An Undo button names one change: if a newer one was made since (here or by another
/// process), undoing "the last change" would revert what the person did not pick.
async fn an_undo_of_a_change_no_longer_last_is_refused(ctx: &Ctx) {
    fixture(ctx).await;
    apply(&ctx.store, &prefix("tk_aa1"), BulkAction::SoftDelete).await;
    let first = ctx.store.undo_available().await.unwrap().unwrap();
    ctx.clock.advance(Duration::seconds(1));
    apply(&ctx.store, &prefix("tk_bb1"), BulkAction::SoftDelete).await;
    let err = ctx
        .store
        .undo_last_made_at(first.at, |_| {}, &Cancel::new())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert!(
        err.to_string().contains("soft delete of 1 records"),
        "{err}"
    );
    assert!(
        record(ctx, "tk_bb1").await.soft_deleted_at.is_some(),
        "nothing undone"
    );
    let last = ctx.store.undo_available().await.unwrap().unwrap();
    let done = ctx
        .store
        .undo_last_made_at(last.at, |_| {}, &Cancel::new())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.restored, 1);
    assert!(record(ctx, "tk_bb1").await.soft_deleted_at.is_none());
}

/// A count typed to confirm binds the change: if the vault changed after the preview,
/// nothing is deleted.
async fn a_confirmed_count_that_no_longer_holds_changes_nothing(ctx: &Ctx) {
    fixture(ctx).await;
    let trash = RecordQuery::new().deleted(DeletedFilter::Only);
    ctx.store.token_soft_delete("tk_bb1").await.unwrap(); // after a preview counting 1
    let err = ctx
        .store
        .bulk_apply_expecting(
            &trash,
            &BulkAction::DeleteForever,
            1,
            |_| {},
            &Cancel::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert!(err.to_string().contains("now covers 2 records"), "{err}");
    assert_eq!(
        ctx.store.records_count(&trash).await.unwrap(),
        2,
        "nothing deleted"
    );
    let report = ctx
        .store
        .bulk_apply_expecting(
            &trash,
            &BulkAction::DeleteForever,
            2,
            |_| {},
            &Cancel::new(),
        )
        .await
        .unwrap();
    assert_eq!(report.changed, 2);
}

/// After a password change, Undo cannot bring back rows sealed under the old password.
async fn a_password_change_ends_what_undo_can_revert(ctx: &Ctx) {
    fixture(ctx).await;
    apply(&ctx.store, &prefix("tk_aa1"), BulkAction::DeleteForever).await;
    assert!(ctx.store.undo_available().await.unwrap().is_some());
    ctx.store
        .change_password(
            &pw("bulk"),
            &pw("a new password for all"),
            |_| {},
            &Cancel::new(),
        )
        .await
        .unwrap();
    assert!(
        ctx.store.undo_available().await.unwrap().is_none(),
        "the journal held tk_aa1 sealed under the old password"
    );
    assert!(undo(&ctx.store).await.is_none());
    assert!(
        ctx.store
            .record_find_by_token("tk_aa1")
            .await
            .unwrap()
            .is_none()
    );
}

/// SQLite: a change covering much of the table is journaled and written by a scan in
/// rowid order, a range of rows at a time. Over rowids with gaps and more than two
/// ranges it changes exactly what it matches, reports progress up to its count, rolls
/// back on Cancel and is undone exactly; a narrow change in the same vault too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broad_change_is_written_by_rowid_ranges_and_undone_exactly() {
    common::run(Backend::Sqlite, "broad_change", async |ctx: &Ctx| {
        fixture(ctx).await;
        // 12,000 copies of tk_aa1 (values that need not open), every third removed.
        ctx.exec(
            "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < 12000) \
             INSERT INTO vault (id, token, value, created_at, updated_at, expires_at, data) \
             SELECT printf('x%05d', k), printf('tk_x%05d', k), value, created_at, updated_at, \
             expires_at, data FROM n, vault WHERE vault.token = 'tk_aa1'",
        )
        .await;
        ctx.exec("DELETE FROM vault WHERE token LIKE 'tk_x%' AND rowid % 3 = 0")
            .await;
        let copies = prefix("tk_x");
        assert_eq!(ctx.store.records_count(&copies).await.unwrap(), 8000);
        let before = all_records(&ctx.store).await;

        let cancel = Cancel::new();
        let cancelled = ctx
            .store
            .bulk_apply(
                &copies,
                &BulkAction::SoftDelete,
                |p| {
                    if p.done > 0 {
                        cancel.cancel()
                    }
                },
                &cancel,
            )
            .await;
        assert_eq!(cancelled.unwrap_err().code(), ErrorCode::Cancelled);
        assert_eq!(all_records(&ctx.store).await, before, "rolled back");

        ctx.clock.advance(Duration::seconds(1));
        let steps = std::sync::Mutex::new(Vec::new());
        let at = t0() + Duration::days(30);
        let report = ctx
            .store
            .bulk_apply(
                &copies,
                &BulkAction::Renew(RenewTo::At(at)),
                |p| steps.lock().unwrap().push((p.done, p.total)),
                &Cancel::new(),
            )
            .await
            .unwrap();
        assert_eq!(report.changed, 8000);
        let steps = steps.into_inner().unwrap();
        assert!(steps.len() > 3, "progress per range of rows: {steps:?}");
        assert!(steps.windows(2).all(|w| w[0].0 <= w[1].0), "{steps:?}");
        assert_eq!(steps.last(), Some(&(8000, 8000)));
        let after = all_records(&ctx.store).await;
        for (old, new) in before.iter().zip(&after) {
            let want = if old.token.starts_with("tk_x") {
                Some(at)
            } else {
                old.expires_at
            };
            assert_eq!(new.expires_at, want, "{}", new.token);
        }

        ctx.clock.advance(Duration::seconds(1));
        assert_eq!(undo(&ctx.store).await.unwrap().restored, 8000);
        assert_eq!(states(&all_records(&ctx.store).await), states(&before));

        // Trash, then delete forever from the Trash, both broad; undo brings them back.
        assert_eq!(
            apply(&ctx.store, &copies, BulkAction::SoftDelete).await,
            8000
        );
        let trashed = all_records(&ctx.store).await;
        let in_trash = copies.clone().deleted(DeletedFilter::Only);
        assert_eq!(
            apply(&ctx.store, &in_trash, BulkAction::DeleteForever).await,
            8000
        );
        assert_eq!(ctx.store.records_count(&in_trash).await.unwrap(), 0);
        assert_eq!(undo(&ctx.store).await.unwrap().restored, 8000);
        assert_eq!(all_records(&ctx.store).await, trashed);
        assert_eq!(
            apply(&ctx.store, &in_trash, BulkAction::Restore).await,
            8000
        );
        assert_eq!(states(&all_records(&ctx.store).await), states(&before));

        // Narrow: one record of 8,004, found by its index.
        assert_eq!(
            apply(&ctx.store, &prefix("tk_aa1"), BulkAction::SoftDelete).await,
            1
        );
        assert!(record(ctx, "tk_aa1").await.is_deleted());
        assert_eq!(undo(&ctx.store).await.unwrap().restored, 1);
        assert_eq!(states(&all_records(&ctx.store).await), states(&before));
    })
    .await;
}

/// Tags compare ignoring case everywhere, as the `tag:` filter does: adding a tag a
/// record has in another case changes nothing, removing it removes every spelling,
/// and the tag list counts the spellings as one tag.
async fn tags_are_the_same_whatever_their_case(ctx: &Ctx) {
    create(ctx, "tk_c1", None, &["Prod"]).await;
    create(ctx, "tk_c2", None, &["prod", "ÄRGER"]).await;
    create(ctx, "tk_c3", None, &["ärger"]).await;
    // Typed twice in one record, in two cases: still one record carrying the tag.
    create(ctx, "tk_d1", None, &["dup", "DUP", "dup"]).await;
    let counts = ctx.store.tag_counts(&RecordQuery::new(), 10).await.unwrap();
    let counts: Vec<(String, u64)> = counts
        .into_iter()
        .map(|(t, n)| (t.to_lowercase(), n))
        .collect();
    assert_eq!(
        counts,
        [
            ("prod".to_owned(), 2),
            ("ärger".to_owned(), 2),
            ("dup".to_owned(), 1)
        ]
    );
    let tagged = RecordQuery::parse("tag:PROD").unwrap();
    assert_eq!(ctx.store.records_count(&tagged).await.unwrap(), 2);
    let q = RecordQuery::parse("tag:ärger").unwrap();
    assert_eq!(ctx.store.records_count(&q).await.unwrap(), 2);
    // A set-based change over a tag filter (its journal selects with FOR UPDATE on the
    // servers, the tag test a subquery).
    assert_eq!(apply(&ctx.store, &q, BulkAction::SoftDelete).await, 2);
    let trashed = q.clone().deleted(DeletedFilter::Only);
    assert_eq!(apply(&ctx.store, &trashed, BulkAction::Restore).await, 2);
    assert_eq!(
        apply(&ctx.store, &tagged, BulkAction::AddTag("pRoD".into())).await,
        0,
        "both have it already"
    );
    assert_eq!(
        apply(
            &ctx.store,
            &prefix("tk_c"),
            BulkAction::AddTag("Ärger".into())
        )
        .await,
        1,
        "only tk_c1 lacks it"
    );
    assert_eq!(record(ctx, "tk_c1").await.metadata.tags, ["Prod", "Ärger"]);
    assert_eq!(
        apply(&ctx.store, &tagged, BulkAction::RemoveTag("PROD".into())).await,
        2
    );
    assert_eq!(record(ctx, "tk_c1").await.metadata.tags, ["Ärger"]);
    assert_eq!(record(ctx, "tk_c2").await.metadata.tags, ["ÄRGER"]);
    assert_eq!(ctx.store.records_count(&tagged).await.unwrap(), 0);
}

on_every_backend!(
    an_undo_of_a_change_no_longer_last_is_refused,
    a_confirmed_count_that_no_longer_holds_changes_nothing,
    a_password_change_ends_what_undo_can_revert,
    concurrent_bulk_changes_never_interleave_journals,
    renew_changes_exactly_the_live_matching_records,
    extend_counts_from_the_expiry_or_from_now_and_leaves_never_alone,
    trash_restore_and_tags_change_only_what_differs,
    undo_restores_exactly_the_previous_state,
    delete_forever_undo_gives_back_records_that_open,
    undo_skips_and_names_a_record_changed_after_the_bulk_change,
    a_second_bulk_change_replaces_the_undo,
    cancel_rolls_everything_back,
    a_change_of_nothing_keeps_the_previous_undo,
    tags_are_the_same_whatever_their_case,
);
