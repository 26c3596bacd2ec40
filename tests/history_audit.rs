//! Nothing overwritten is lost, and every act is on the record: versions kept by the
//! database's triggers (whatever path wrote), opened with their own passwords and made
//! current again; an audit log whose hash chain names the first entry anyone altered.
//! Every test runs on SQLite, PostgreSQL and MariaDB/MySQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use chrono::Duration;
use common::{Backend, Ctx, everything, pw, t0, val};
use vaultstore::{AuditFilter, Cancel, Change, CreateOptions, ErrorCode, HistoryRetention, Store};

async fn create(ctx: &Ctx, token: &str, value: &str, password: &str) {
    let options = CreateOptions {
        token: Some(token.into()),
        ..CreateOptions::default()
    };
    ctx.store
        .token_create(&val(value), &pw(password), options)
        .await
        .unwrap();
}

/// Moves the test clock on, so each change has its own time.
fn tick(ctx: &Ctx, minutes: i64) {
    ctx.clock.set(t0() + Duration::minutes(minutes));
}

async fn every_overwrite_is_kept_and_opens_with_its_own_password(ctx: &Ctx) {
    let s = &ctx.store;
    create(ctx, "tk_history_one", "first", "a").await;
    tick(ctx, 1);
    s.token_update("tk_history_one", &val("second"), &pw("a"))
        .await
        .unwrap();
    tick(ctx, 2);
    s.token_rekey("tk_history_one", &pw("a"), &pw("b"))
        .await
        .unwrap();
    tick(ctx, 3);
    s.token_renew("tk_history_one", Some(t0() + Duration::days(30)))
        .await
        .unwrap();
    let versions = s.history("tk_history_one").await.unwrap();
    let numbers: Vec<i64> = versions.iter().map(|v| v.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    assert_eq!(versions[0].changes, [Change::Created]);
    assert_eq!(versions[1].changes, [Change::Value]);
    assert_eq!(versions[2].changes, [Change::Value]);
    assert_eq!(versions[3].changes, [Change::Expiry]);
    assert!(versions[3].current && !versions[2].current);
    assert_eq!(versions[0].replaced_at, Some(t0() + Duration::minutes(1)));

    // Each version opens with the password it was sealed under, and only that one.
    let read = async |n, p: &str| s.version_read("tk_history_one", n, &pw(p)).await;
    assert_eq!(read(1, "a").await.unwrap().expose(), "first");
    assert_eq!(read(2, "a").await.unwrap().expose(), "second");
    assert_eq!(read(3, "b").await.unwrap().expose(), "second");
    assert_eq!(
        read(3, "a").await.unwrap_err().code(),
        ErrorCode::InvalidPassword
    );
    assert_eq!(
        read(9, "a").await.unwrap_err().code(),
        ErrorCode::InvalidInput
    );

    // Restoring version 1 makes "first" current, sealed under its own password: a new
    // version, and the one it replaced is kept too.
    tick(ctx, 4);
    s.version_restore("tk_history_one", 1, &pw("a"))
        .await
        .unwrap();
    assert_eq!(
        s.token_read("tk_history_one", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "first"
    );
    let versions = s.history("tk_history_one").await.unwrap();
    assert_eq!(versions.len(), 5);
    assert_eq!(versions[4].changes, [Change::Value]);
    assert_eq!(read(4, "b").await.unwrap().expose(), "second");
    // The wrong password for version 1 restores nothing.
    let before = s.history("tk_history_one").await.unwrap().len();
    assert_eq!(
        s.version_restore("tk_history_one", 1, &pw("b"))
            .await
            .unwrap_err()
            .code(),
        ErrorCode::InvalidPassword
    );
    assert_eq!(s.history("tk_history_one").await.unwrap().len(), before);
}

async fn a_record_deleted_forever_keeps_its_versions_and_can_come_back(ctx: &Ctx) {
    let s = &ctx.store;
    create(ctx, "tk_history_gone", "kept", "a").await;
    tick(ctx, 1);
    s.token_soft_delete("tk_history_gone").await.unwrap();
    tick(ctx, 2);
    s.token_delete("tk_history_gone").await.unwrap();
    let versions = s.history("tk_history_gone").await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1].changes, [Change::MovedToTrash]);
    assert!(versions[1].deleted_forever);
    assert!(versions.iter().all(|v| !v.current));

    s.version_restore("tk_history_gone", 1, &pw("a"))
        .await
        .unwrap();
    assert_eq!(
        s.token_read("tk_history_gone", &pw("a"))
            .await
            .unwrap()
            .expose(),
        "kept"
    );
    let versions = s.history("tk_history_gone").await.unwrap();
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[2].changes, [Change::CreatedAgain]);
    assert!(versions[2].current);
    assert_eq!(
        s.history("tk_never_was").await.unwrap_err().code(),
        ErrorCode::NotFound
    );
}

async fn bulk_paths_keep_history_too(ctx: &Ctx) {
    let s = &ctx.store;
    for i in 0..5 {
        create(ctx, &format!("tk_history_bulk{i}"), &format!("v{i}"), "old").await;
    }
    tick(ctx, 1);
    let changed = s
        .change_password(&pw("old"), &pw("new"), |_| {}, &Cancel::new())
        .await
        .unwrap();
    assert_eq!(changed, 5);
    for i in 0..5 {
        let token = format!("tk_history_bulk{i}");
        let old = s.version_read(&token, 1, &pw("old")).await.unwrap();
        assert_eq!(old.expose(), format!("v{i}"));
        assert_eq!(s.history(&token).await.unwrap().len(), 2);
    }
    tick(ctx, 2);
    let emptied = s.purge_expired(false).await.unwrap();
    assert_eq!(emptied, 0);
    s.token_soft_delete("tk_history_bulk0").await.unwrap();
    s.trash_empty(1).await.unwrap();
    let versions = s.history("tk_history_bulk0").await.unwrap();
    assert!(versions.last().unwrap().deleted_forever);
    assert_eq!(
        s.version_read("tk_history_bulk0", 2, &pw("new"))
            .await
            .unwrap()
            .expose(),
        "v0"
    );
}

async fn retention_drops_what_falls_outside_it(ctx: &Ctx) {
    let s = &ctx.store;
    create(ctx, "tk_history_keep", "v0", "a").await;
    for i in 1..=5 {
        tick(ctx, i);
        s.token_update("tk_history_keep", &val(&format!("v{i}")), &pw("a"))
            .await
            .unwrap();
    }
    assert_eq!(s.history("tk_history_keep").await.unwrap().len(), 6);
    let zero = HistoryRetention {
        versions: Some(0),
        days: None,
    };
    assert_eq!(
        s.set_history_retention(zero).await.unwrap_err().code(),
        ErrorCode::InvalidInput
    );
    let keep = HistoryRetention {
        versions: Some(2),
        days: None,
    };
    assert_eq!(s.set_history_retention(keep).await.unwrap(), 3);
    assert_eq!(s.history_retention().await.unwrap(), keep);
    let numbers: Vec<i64> = s
        .history("tk_history_keep")
        .await
        .unwrap()
        .iter()
        .map(|v| v.number)
        .collect();
    // Numbers never shift: the kept versions are still 4 and 5, the current one 6.
    assert_eq!(numbers, [4, 5, 6]);
    assert_eq!(
        s.version_read("tk_history_keep", 4, &pw("a"))
            .await
            .unwrap()
            .expose(),
        "v3"
    );
    // Days: versions replaced more than 1 day ago go.
    tick(ctx, 3 * 24 * 60);
    let keep = HistoryRetention {
        versions: None,
        days: Some(1),
    };
    assert_eq!(s.set_history_retention(keep).await.unwrap(), 2);
    assert_eq!(s.history("tk_history_keep").await.unwrap().len(), 1);
    // A retention in days moves with the clock: applied again when a store opens.
    s.token_update("tk_history_keep", &val("v6"), &pw("a"))
        .await
        .unwrap();
    assert_eq!(s.history("tk_history_keep").await.unwrap().len(), 2);
    tick(ctx, 6 * 24 * 60);
    let reopened = Store::new(ctx.options()).await.unwrap();
    assert_eq!(reopened.history("tk_history_keep").await.unwrap().len(), 1);
    reopened.close().await;
}

async fn the_audit_log_names_who_did_what_and_never_a_secret(ctx: &Ctx) {
    let mut options = ctx.options();
    options.actor = Some("ann@desk".into());
    let s = Store::new(options).await.unwrap();
    let options = CreateOptions {
        token: Some("tk_audit_one".into()),
        ..CreateOptions::default()
    };
    s.token_create(&val("the-secret-value"), &pw("a"), options)
        .await
        .unwrap();
    s.token_read("tk_audit_one", &pw("a")).await.unwrap();
    s.token_update("tk_audit_one", &val("another-secret"), &pw("a"))
        .await
        .unwrap();
    s.token_rekey("tk_audit_one", &pw("a"), &pw("b"))
        .await
        .unwrap();
    s.token_renew("tk_audit_one", None).await.unwrap();
    s.token_soft_delete("tk_audit_one").await.unwrap();
    s.token_restore("tk_audit_one").await.unwrap();
    s.tokens_read(&["tk_audit_one".to_owned()], &pw("b"))
        .await
        .unwrap();
    s.export_bundle_bytes(&everything(), |_| {}, &Cancel::new())
        .await
        .unwrap();
    // A failed read is not an access: nothing was revealed.
    s.token_read("tk_audit_one", &pw("a")).await.unwrap_err();
    s.token_delete("tk_audit_one").await.unwrap();

    let entries = s.audit_list(&AuditFilter::default()).await.unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "create",
            "reveal",
            "update",
            "rekey",
            "renew",
            "trash",
            "restore",
            "reveal",
            "export",
            "delete-forever"
        ]
    );
    assert!(entries.iter().all(|e| e.actor == "ann@desk"));
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=10).collect::<Vec<_>>());
    assert_eq!(entries[7].detail, "bulk read");
    let only = AuditFilter {
        token: Some("tk_audit_one".into()),
        limit: Some(2),
        ..AuditFilter::default()
    };
    let last_two = s.audit_list(&only).await.unwrap();
    assert_eq!(last_two.len(), 2);
    assert_eq!(last_two[1].action, "delete-forever");

    // No value or password anywhere in the log's table.
    let dump = format!("{entries:?}");
    for secret in [
        "the-secret-value",
        "another-secret",
        pw("a").expose(),
        pw("b").expose(),
    ] {
        assert!(!dump.contains(secret), "the audit log holds a secret");
    }
    let check = s.audit_verify().await.unwrap();
    assert!(check.is_intact(), "{check:?}");
    assert_eq!(check.intact_entries, 10);
    s.close().await;
}

async fn an_altered_or_removed_audit_entry_is_detected(ctx: &Ctx) {
    let s = &ctx.store;
    for i in 0..4 {
        create(ctx, &format!("tk_audit_chain{i}"), "v", "a").await;
    }
    assert!(s.audit_verify().await.unwrap().is_intact());

    ctx.exec("UPDATE vault_audit SET actor = 'mallory' WHERE seq = 2")
        .await;
    let check = s.audit_verify().await.unwrap();
    assert_eq!(check.first_broken, Some(2), "{check:?}");
    assert_eq!(check.intact_entries, 1);

    ctx.exec("DELETE FROM vault_audit WHERE seq = 2").await;
    let check = s.audit_verify().await.unwrap();
    assert_eq!(check.first_broken, Some(2), "{check:?}");

    // Cutting off the tail is seen through the head row.
    ctx.exec("DELETE FROM vault_audit WHERE seq >= 2").await;
    let check = s.audit_verify().await.unwrap();
    assert_eq!(check.first_broken, Some(2), "{check:?}");
    assert!(check.problem.unwrap().contains("missing"));
}

async fn concurrent_clients_append_one_chain(ctx: &Ctx) {
    create(ctx, "tk_audit_shared", "v", "a").await;
    let mut tasks = Vec::new();
    for client in 0..4 {
        let store = Store::new(ctx.options()).await.unwrap();
        tasks.push(tokio::spawn(async move {
            for _ in 0..10 {
                store.token_read("tk_audit_shared", &pw("a")).await.unwrap();
            }
            let _ = client;
            store.close().await;
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let check = ctx.store.audit_verify().await.unwrap();
    assert!(check.is_intact(), "{check:?}");
    assert_eq!(check.intact_entries, 41);
}

/// Clients writing different records at once never deadlock one another. Every write
/// keeps a version (the history trigger reads the token's newest one, and MariaDB locks
/// the gaps beside it) and moves the audit head: a password change rewriting many
/// records and single-record writes on tokens between them must queue, not wait on each
/// other in a cycle.
async fn concurrent_writers_on_different_records_never_deadlock(ctx: &Ctx) {
    for i in 0..120 {
        create(ctx, &format!("tk_race_{i:03}"), "bulk", "many").await;
    }
    let mut tasks = Vec::new();
    for client in 0..3 {
        let store = Store::new(ctx.options()).await.unwrap();
        tasks.push(tokio::spawn(async move {
            // A token sorting between two the password change rewrites.
            let token = format!("tk_race_{:03}_solo", 20 + client * 40);
            let failed = |what: &str, e: vaultstore::Error| format!("{token}: {what}: {e}");
            let options = CreateOptions {
                token: Some(token.clone()),
                ..CreateOptions::default()
            };
            let s = &store;
            (s.token_create(&val("v"), &pw("a"), options).await)
                .map_err(|e| failed("create", e))?;
            for round in 0..10 {
                (s.token_soft_delete(&token).await).map_err(|e| failed("trash", e))?;
                (s.token_restore(&token).await).map_err(|e| failed("restore", e))?;
                (s.token_update(&token, &val(&format!("v{round}")), &pw("a"))
                    .await)
                    .map_err(|e| failed("update", e))?;
                // And records every client writes.
                for shared in 0..6 {
                    let shared = format!("tk_race_{:03}", (shared * 7 + client) % 120);
                    let until = Some(t0() + Duration::days(round * 10 + 1));
                    (s.token_renew(&shared, until).await).map_err(|e| failed("renew", e))?;
                }
            }
            store.close().await;
            Ok::<(), String>(())
        }));
    }
    let store = Store::new(ctx.options()).await.unwrap();
    tasks.push(tokio::spawn(async move {
        for (from, to) in [("many", "more"), ("more", "many"), ("many", "more")] {
            (store
                .change_password(&pw(from), &pw(to), |_| {}, &Cancel::new())
                .await)
                .map_err(|e| format!("change password: {e}"))?;
        }
        store.close().await;
        Ok::<(), String>(())
    }));
    let failures: Vec<String> = futures_join(tasks).await;
    assert!(failures.is_empty(), "{failures:?}");
    let check = ctx.store.audit_verify().await.unwrap();
    assert!(check.is_intact(), "{check:?}");
    let s = &ctx.store;
    assert_eq!(s.history("tk_race_100_solo").await.unwrap().len(), 31);
    // Created, three password changes, a renewal by each client in each round.
    assert_eq!(s.history("tk_race_000").await.unwrap().len(), 1 + 3 + 10);
}

async fn futures_join(tasks: Vec<tokio::task::JoinHandle<Result<(), String>>>) -> Vec<String> {
    let mut failures = Vec::new();
    for t in tasks {
        if let Err(e) = t.await.unwrap() {
            failures.push(e);
        }
    }
    failures
}

async fn restore_to_puts_records_back_as_they_were_at_a_moment(ctx: &Ctx) {
    let s = &ctx.store;
    create(ctx, "tk_pit_a", "a0", "a").await;
    create(ctx, "tk_pit_b", "b0", "a").await;
    create(ctx, "tk_pit_d", "d0", "a").await;
    create(ctx, "tk_other", "o0", "a").await;
    tick(ctx, 10);
    s.token_update("tk_pit_a", &val("a1"), &pw("a"))
        .await
        .unwrap();
    s.token_renew("tk_pit_a", Some(t0() + Duration::days(9)))
        .await
        .unwrap();
    s.token_soft_delete("tk_pit_b").await.unwrap();
    s.token_soft_delete("tk_pit_d").await.unwrap();
    s.token_delete("tk_pit_d").await.unwrap();
    s.token_update("tk_other", &val("o1"), &pw("a"))
        .await
        .unwrap();
    create(ctx, "tk_pit_c", "c0", "a").await;
    let moment = t0() + Duration::minutes(5);

    let before = format!("{:?}", common::all_records(s).await);
    let plan = s.restore_to(moment, Some("tk_pit_"), true).await.unwrap();
    assert_eq!(plan.restored, ["tk_pit_a", "tk_pit_b"]);
    assert_eq!(plan.recreated, ["tk_pit_d"]);
    assert_eq!(plan.trashed, ["tk_pit_c"]);
    assert_eq!(
        format!("{:?}", common::all_records(s).await),
        before,
        "a dry run"
    );

    tick(ctx, 20);
    let done = s.restore_to(moment, Some("tk_pit_"), false).await.unwrap();
    assert_eq!(done, plan);
    let read = async |t: &str| {
        s.token_read(t, &pw("a"))
            .await
            .map(|v| v.expose().to_owned())
    };
    assert_eq!(read("tk_pit_a").await.unwrap(), "a0");
    let a = s.record_find_by_token("tk_pit_a").await.unwrap().unwrap();
    assert_eq!(a.expires_at, None, "the expiry it had then");
    assert_eq!(read("tk_pit_b").await.unwrap(), "b0");
    assert_eq!(read("tk_pit_d").await.unwrap(), "d0");
    let c = s.record_find_by_token("tk_pit_c").await.unwrap().unwrap();
    assert!(
        c.is_deleted(),
        "created after the moment: in the trash, not gone"
    );
    assert_eq!(read("tk_other").await.unwrap(), "o1", "outside the filter");
    // The values it replaced are versions now.
    assert_eq!(
        s.version_read("tk_pit_a", 3, &pw("a"))
            .await
            .unwrap()
            .expose(),
        "a1"
    );
    // Nothing differs any more: a second run changes nothing.
    assert_eq!(
        s.restore_to(moment, Some("tk_pit_"), false)
            .await
            .unwrap()
            .total(),
        0
    );
    let audited = s.audit_list(&AuditFilter::default()).await.unwrap();
    let restores = audited.iter().filter(|e| e.action == "restore-to").count();
    assert_eq!(restores, 4);
    assert!(s.audit_verify().await.unwrap().is_intact());
}

/// Another client's change reaches a watcher within a couple of seconds (PostgreSQL
/// pushes it, the others are polled every second); a read is not a change.
async fn a_watcher_hears_of_another_clients_changes_not_of_reads(ctx: &Ctx) {
    let mut watch = ctx.store.watch_changes().await.unwrap();
    let other = Store::new(ctx.options()).await.unwrap();
    let wait = std::time::Duration::from_secs(5);
    let options = CreateOptions {
        token: Some("tk_live_one".into()),
        ..CreateOptions::default()
    };
    other
        .token_create(&val("v"), &pw("a"), options)
        .await
        .unwrap();
    let heard = tokio::time::timeout(wait, watch.changed()).await;
    assert!(matches!(heard, Ok(Ok(()))), "a create: {heard:?}");

    other.token_read("tk_live_one", &pw("a")).await.unwrap();
    let quiet = std::time::Duration::from_millis(2500);
    let heard = tokio::time::timeout(quiet, watch.changed()).await;
    assert!(heard.is_err(), "a read is not a change: {heard:?}");

    // Raw SQL outside the store (another tool) is heard too, through history.
    ctx.exec("UPDATE vault SET data = '{\"label\":\"raw\"}' WHERE token = 'tk_live_one'")
        .await;
    let heard = tokio::time::timeout(wait, watch.changed()).await;
    assert!(matches!(heard, Ok(Ok(()))), "a raw update: {heard:?}");
    other.close().await;
}

on_every_backend!(
    a_watcher_hears_of_another_clients_changes_not_of_reads,
    restore_to_puts_records_back_as_they_were_at_a_moment,
    every_overwrite_is_kept_and_opens_with_its_own_password,
    a_record_deleted_forever_keeps_its_versions_and_can_come_back,
    bulk_paths_keep_history_too,
    retention_drops_what_falls_outside_it,
    the_audit_log_names_who_did_what_and_never_a_secret,
    an_altered_or_removed_audit_entry_is_detected,
    concurrent_clients_append_one_chain,
    concurrent_writers_on_different_records_never_deadlock,
);

/// The README's least-privilege grants (`docs/postgres-least-privilege.sql`), exactly:
/// the app role does every daily job, history and audit included, and cannot change or
/// remove an audit entry or a version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_app_role_with_the_documented_grants_works_and_cannot_rewrite_the_past() {
    let Some(ctx) = Ctx::new(Backend::Postgres, "least_privilege").await else {
        return;
    };
    let role = format!("vs_app_{}", std::process::id());
    ctx.exec(&format!("DROP ROLE IF EXISTS {role}")).await;
    let grants = include_str!("../docs/postgres-least-privilege.sql")
        .replace("vault_app", &role)
        .replace("SCHEMA public", &format!("SCHEMA {}", ctx.name));
    let sql: String = grants
        .lines()
        .filter(|l| !l.starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n");
    for statement in sql.split(';').filter(|s| !s.trim().is_empty()) {
        ctx.exec(statement).await;
    }
    let app_url = ctx.url.replacen("postgres@", &format!("{role}@"), 1);
    assert_ne!(app_url, ctx.url, "the test connects as the app role");
    let mut options = ctx.options();
    options.database = vaultstore::DatabaseSource::Url(app_url);
    let app = Store::new(options).await.unwrap();

    let token = app
        .token_create(&val("v0"), &pw("a"), CreateOptions::default())
        .await
        .unwrap();
    app.token_read(&token, &pw("a")).await.unwrap();
    app.token_update(&token, &val("v1"), &pw("a"))
        .await
        .unwrap();
    app.token_rekey(&token, &pw("a"), &pw("b")).await.unwrap();
    app.token_renew(&token, None).await.unwrap();
    app.token_soft_delete(&token).await.unwrap();
    app.token_restore(&token).await.unwrap();
    app.bulk_apply(
        &everything(),
        &vaultstore::BulkAction::SoftDelete,
        |_| {},
        &Cancel::new(),
    )
    .await
    .unwrap();
    app.undo_last(|_| {}, &Cancel::new())
        .await
        .unwrap()
        .unwrap();
    app.change_password(&pw("b"), &pw("c"), |_| {}, &Cancel::new())
        .await
        .unwrap();
    let bundle = app
        .export_bundle_bytes(&everything(), |_| {}, &Cancel::new())
        .await
        .unwrap()
        .0;
    let import = vaultstore::transfer::ImportOptions {
        on_conflict: vaultstore::transfer::OnConflict::Overwrite,
        ..vaultstore::transfer::ImportOptions::default()
    };
    app.import_bundle(&bundle, import, |_| {}, &Cancel::new())
        .await
        .unwrap();
    assert!(app.history(&token).await.unwrap().len() >= 5);
    app.version_restore(&token, 1, &pw("a")).await.unwrap();
    app.restore_to(t0(), None, true).await.unwrap();
    app.token_delete(&token).await.unwrap();
    assert!(app.audit_verify().await.unwrap().is_intact());
    assert!(
        !app.audit_list(&AuditFilter::default())
            .await
            .unwrap()
            .is_empty()
    );

    // The past stays as written: no UPDATE or DELETE on the audit log or history.
    for sql in [
        "UPDATE vault_audit SET actor = 'mallory'",
        "DELETE FROM vault_audit",
        "UPDATE vault_history SET value = 'x'",
        "DELETE FROM vault_history",
    ] {
        let refused = app.pool().clone();
        let e = match &refused {
            vaultstore::DbPool::Postgres(p) => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                .execute(p)
                .await
                .unwrap_err(),
            _ => unreachable!(),
        };
        assert!(e.to_string().contains("permission denied"), "{sql}: {e}");
    }
    app.close().await;
    ctx.exec(&format!("DROP OWNED BY {role}")).await;
    ctx.exec(&format!("DROP ROLE {role}")).await;
    ctx.cleanup().await;
}

/// MariaDB/MySQL: a reveal appends its entry in one batch of statements (one round trip,
/// a transaction of its own inside it). A batch the server stops midway, here at an
/// entry a trigger refuses, fails the reveal and leaves nothing behind: its transaction
/// is rolled back with its connection, never committed by the next statement on that
/// connection (MySQL's BEGIN commits an open transaction), so the head never runs ahead
/// of the entries and the chain stays whole through the writes that follow.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_a_failed_audit_batch_leaves_the_chain_whole() {
    let Some(ctx) = Ctx::new(Backend::MySql, "audit_batch").await else {
        return;
    };
    let s = &ctx.store;
    create(&ctx, "tk_batch", "v", "a").await;
    s.token_read("tk_batch", &pw("a")).await.unwrap();
    ctx.exec(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON vault_audit FOR EACH ROW \
         SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit refused'",
    )
    .await;
    let refused = s.token_read("tk_batch", &pw("a")).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Database, "{refused}");
    ctx.exec("DROP TRIGGER refuse_audit").await;
    // A transaction left open would hold the head's row lock: writers would wait for
    // it (50 s) rather than fail, so the wait is bounded here.
    let after = async {
        for i in 0..6 {
            create(&ctx, &format!("tk_after_{i}"), "v", "a").await;
            s.token_read(&format!("tk_after_{i}"), &pw("a"))
                .await
                .unwrap();
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(20), after)
        .await
        .expect("writes after the failed batch waited on a lock it left behind");
    let check = s.audit_verify().await.unwrap();
    assert!(check.is_intact(), "{check:?}");
    // create + reveal, then six creates and six reveals: the refused reveal left none.
    assert_eq!(check.intact_entries, 14);
    ctx.cleanup().await;
}
