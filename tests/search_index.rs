//! The substring index behind searches (schema version 3) on SQLite, PostgreSQL and
//! MariaDB/MySQL: every write the store makes is found (or no longer found) at once, a
//! vacuumed SQLite file keeps finding and taking writes, and the index is what the
//! database uses for a word and for the expiry sort; the vault view's other sorts walk
//! their own indexes (schema version 4).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::{Backend, Ctx, pw, raw_exec, val};
use serde_json::json;
use sqlx::{AssertSqlSafe, Row};
use vaultstore::{
    BulkAction, Cancel, CreateOptions, DbPool, ManualClock, Metadata, RecordQuery, SortField,
    SortOrder, Store,
};

async fn add(ctx: &Ctx, token: &str, meta: serde_json::Value) -> String {
    let opts = CreateOptions {
        token: Some(token.into()),
        metadata: serde_json::from_value::<Metadata>(meta).unwrap(),
        ..CreateOptions::default()
    };
    ctx.store
        .token_create(&val("v"), &pw("s"), opts)
        .await
        .unwrap();
    ctx.store
        .record_find_by_token(token)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The tokens a query (in the query language) finds.
async fn found(ctx: &Ctx, query: &str) -> BTreeSet<String> {
    let q = RecordQuery::parse(query).unwrap().limit(1000);
    let page = ctx.store.records_list(&q).await.unwrap();
    page.records.into_iter().map(|r| r.token).collect()
}

fn set(tokens: &[&str]) -> BTreeSet<String> {
    tokens.iter().map(|t| (*t).to_owned()).collect()
}

async fn every_write_is_found_at_once(ctx: &Ctx) {
    let a = add(
        ctx,
        "tk_aaa",
        json!({"label": "Payroll gateway", "tags": ["finance"]}),
    )
    .await;
    add(
        ctx,
        "tk_bbb",
        json!({"label": "Build cache", "notes": "rotate quarterly"}),
    )
    .await;
    add(
        ctx,
        "tk_ccc",
        json!({"label": "Ärztekammer", "username": "Zoë"}),
    )
    .await;
    assert_eq!(found(ctx, "gateway").await, set(&["tk_aaa"]));
    assert_eq!(
        found(ctx, "ARZTE").await,
        set(&[]),
        "accents are kept apart"
    );
    assert_eq!(found(ctx, "ärzte").await, set(&["tk_ccc"]), "case folds");
    assert_eq!(found(ctx, "zoë").await, set(&["tk_ccc"]));
    assert_eq!(found(ctx, "quarterly").await, set(&["tk_bbb"]));
    assert_eq!(found(ctx, "nance").await, set(&["tk_aaa"]), "inside a tag");
    assert_eq!(
        found(ctx, "tk_").await,
        set(&["tk_aaa", "tk_bbb", "tk_ccc"])
    );

    // A metadata edit: the old words go, the new ones come, in the same write.
    let meta = serde_json::from_value::<Metadata>(json!({"label": "Salary API"})).unwrap();
    ctx.store.record_update_metadata(&a, &meta).await.unwrap();
    assert_eq!(found(ctx, "gateway").await, set(&[]));
    assert_eq!(found(ctx, "finance").await, set(&[]));
    assert_eq!(found(ctx, "salary").await, set(&["tk_aaa"]));

    // A bulk tag, then its undo.
    let all = RecordQuery::parse("tk_").unwrap();
    let tag = BulkAction::AddTag("quarantine".into());
    let noop = |_| {};
    ctx.store
        .bulk_apply(&all, &tag, noop, &Cancel::new())
        .await
        .unwrap();
    assert_eq!(
        found(ctx, "quarantine").await,
        set(&["tk_aaa", "tk_bbb", "tk_ccc"])
    );
    ctx.store.undo_last(noop, &Cancel::new()).await.unwrap();
    assert_eq!(found(ctx, "quarantine").await, set(&[]));

    // A value's change (password change) leaves the index as it was.
    let n = ctx
        .store
        .change_password(&pw("s"), &pw("t"), noop, &Cancel::new())
        .await
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(found(ctx, "salary").await, set(&["tk_aaa"]));

    // Trash, delete forever, and the undo that puts the row back.
    ctx.store.token_soft_delete("tk_bbb").await.unwrap();
    assert_eq!(found(ctx, "quarterly").await, set(&[]));
    assert_eq!(found(ctx, "is:trash quarterly").await, set(&["tk_bbb"]));
    let trash = RecordQuery::parse("is:trash").unwrap();
    ctx.store
        .bulk_apply(&trash, &BulkAction::DeleteForever, noop, &Cancel::new())
        .await
        .unwrap();
    assert_eq!(found(ctx, "is:trash quarterly").await, set(&[]));
    ctx.store.undo_last(noop, &Cancel::new()).await.unwrap();
    assert_eq!(found(ctx, "is:trash quarterly").await, set(&["tk_bbb"]));
    ctx.store.token_delete("tk_bbb").await.unwrap();
    // A new record may take the deleted row's place (SQLite reuses rowids).
    add(ctx, "tk_ddd", json!({"label": "Replacement quarterly"})).await;
    assert_eq!(found(ctx, "is:trash quarterly").await, set(&[]));
    assert_eq!(found(ctx, "quarterly").await, set(&["tk_ddd"]));
    assert_eq!(found(ctx, "label:replacement").await, set(&["tk_ddd"]));
}

/// The query plan's lines.
async fn plan(pool: &DbPool, sql: &str) -> String {
    let lines: Vec<String> = match pool {
        DbPool::Sqlite(p) => sqlx::query(AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
            .fetch_all(p)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>(3))
            .collect(),
        DbPool::Postgres(p) => {
            // A few rows: the planner would scan them whatever the indexes; this asks
            // what it would use on a large table (one connection for both).
            let mut c = p.acquire().await.unwrap();
            sqlx::query("SET enable_seqscan = off")
                .execute(&mut *c)
                .await
                .unwrap();
            sqlx::query(AssertSqlSafe(format!("EXPLAIN {sql}")))
                .fetch_all(&mut *c)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>(0))
                .collect()
        }
        DbPool::MySql(_) => Vec::new(),
    };
    lines.join("\n")
}

/// The plan of the store's query for a word and for the expiry sort names the indexes.
async fn the_database_uses_the_indexes(ctx: &Ctx) {
    let pool = ctx.store.pool();
    if let DbPool::MySql(_) = pool {
        return; // MariaDB has no index for either (README)
    }
    let table = "vault";
    add(ctx, "tk_plan", json!({"label": "Payroll gateway"})).await;
    let word = match pool {
        DbPool::Sqlite(_) => format!(
            "SELECT id FROM {table} WHERE rowid IN (SELECT rowid FROM {table}_search \
             WHERE {table}_search MATCH '\"gateway\"')"
        ),
        _ => format!(
            "SELECT id FROM {table} WHERE \"{table}_search_doc\"(token COLLATE \"default\", data) \
             LIKE '%gateway%' ESCAPE '!'"
        ),
    };
    let shown = plan(pool, &word).await;
    let expected = match pool {
        DbPool::Sqlite(_) => "VIRTUAL TABLE INDEX",
        _ => "vault_search_trgm_idx",
    };
    assert!(shown.contains(expected), "a word uses the index: {shown}");
    let sort = format!(
        "SELECT id FROM {table} WHERE soft_deleted_at IS NULL ORDER BY \
         COALESCE(expires_at, '9999-12-31T23:59:59.999999Z') ASC, id ASC LIMIT 101"
    );
    let shown = plan(pool, &sort).await;
    assert!(
        shown.contains("vault_expires_sort_idx"),
        "the expiry sort reads its index: {shown}"
    );
    // And the store's own query finds the record through it.
    let q = RecordQuery::parse("gateway")
        .unwrap()
        .sort(SortField::ExpiresAt)
        .order(SortOrder::Asc);
    assert_eq!(ctx.store.records_list(&q).await.unwrap().records.len(), 1);
}

/// The vault view's condition as the store writes it (SQLite is told most rows are live:
/// see `RecordQuery::push_where`).
fn live(pool: &DbPool) -> &'static str {
    match pool {
        DbPool::Sqlite(_) => "likely(soft_deleted_at IS NULL)",
        _ => "soft_deleted_at IS NULL",
    }
}

/// The vault view's pages in each indexed order, a jump by offset included, walk that
/// sort's index of live records (schema 4), reading nothing but the index for the rows
/// the offset skips (the store reads the page's ids first, then their rows). A search's
/// few matches are read by rowid and sorted rather than looked for along that index.
async fn the_vault_views_pages_walk_their_sort_index(ctx: &Ctx) {
    let pool = ctx.store.pool();
    if let DbPool::MySql(_) = pool {
        return; // no index added there (README)
    }
    add(ctx, "tk_live", json!({"label": "Payroll gateway"})).await;
    let columns = "id, token, value, created_at, updated_at, expires_at, soft_deleted_at, data";
    let live = live(pool);
    for (sort, index) in [
        ("created_at", "vault_created_live_idx"),
        ("updated_at", "vault_updated_live_idx"),
        ("token", "vault_token_live_idx"),
    ] {
        for dir in ["ASC", "DESC"] {
            let order = format!("ORDER BY {sort} {dir}, id {dir}");
            let first =
                format!("SELECT {columns} FROM vault WHERE 1=1 AND {live} {order} LIMIT 101");
            let shown = plan(pool, &first).await;
            assert!(shown.contains(index), "{sort} {dir} walks {index}: {shown}");
            assert!(
                !shown.contains("TEMP B-TREE") && !shown.contains("Sort"),
                "{sort} {dir} sorts nothing: {shown}"
            );
            let jump = format!(
                "SELECT {columns} FROM vault JOIN (SELECT id AS page_id FROM vault \
                 WHERE 1=1 AND {live} {order} LIMIT 101 OFFSET 500000) AS page \
                 ON id = page_id {order}"
            );
            let shown = plan(pool, &jump).await;
            let index_only = match pool {
                DbPool::Sqlite(_) => "COVERING INDEX",
                _ => "Index Only Scan",
            };
            assert!(
                shown
                    .lines()
                    .any(|l| l.contains(index_only) && l.contains(index)),
                "{sort} {dir} skips rows in {index} alone: {shown}"
            );
        }
        // And the store's own jump (past the one row: an empty page, not an error).
        let q = RecordQuery::new()
            .sort(sort.parse().unwrap())
            .order(SortOrder::Desc)
            .offset(1);
        assert!(ctx.store.records_list(&q).await.unwrap().records.is_empty());
        let q = RecordQuery::new().sort(sort.parse().unwrap()).offset(0);
        assert_eq!(ctx.store.records_list(&q).await.unwrap().records.len(), 1);
    }
    if let DbPool::Sqlite(_) = pool {
        let search = format!(
            "SELECT {columns} FROM vault WHERE 1=1 AND rowid IN (SELECT rowid FROM \
             vault_search WHERE vault_search MATCH '\"payroll\" AND \"gateway\"') AND {live} \
             ORDER BY created_at DESC, id DESC LIMIT 101"
        );
        let shown = plan(pool, &search).await;
        assert!(
            shown.contains("INTEGER PRIMARY KEY") && !shown.contains("vault_created_live_idx"),
            "a search reads its matches by rowid: {shown}"
        );
    }
    let q = RecordQuery::parse("payroll gateway").unwrap();
    assert_eq!(ctx.store.records_list(&q).await.unwrap().records.len(), 1);
}

on_every_backend!(
    every_write_is_found_at_once,
    the_database_uses_the_indexes,
    the_vault_views_pages_walk_their_sort_index
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vacuumed_sqlite_vault_keeps_finding_and_taking_writes() {
    let Some(ctx) = Ctx::new(common::Backend::Sqlite, "vacuum").await else {
        return;
    };
    for i in 0..40 {
        add(
            &ctx,
            &format!("tk_{i:03}"),
            json!({"label": format!("item {i:03} alpha")}),
        )
        .await;
    }
    // Gaps in the rowids, then VACUUM (which may renumber rowids of tables without an
    // INTEGER PRIMARY KEY).
    for i in (0..40).step_by(3) {
        ctx.store.token_delete(&format!("tk_{i:03}")).await.unwrap();
    }
    common::raw_exec(ctx.store.pool(), "VACUUM").await;
    let left: BTreeSet<String> = (0..40)
        .filter(|i| i % 3 != 0)
        .map(|i| format!("tk_{i:03}"))
        .collect();
    assert_eq!(found(&ctx, "alpha").await, left);
    assert_eq!(found(&ctx, "item 017").await, set(&["tk_017"]));
    ctx.store.token_delete("tk_017").await.unwrap();
    add(&ctx, "tk_new", json!({"label": "item new alpha"})).await;
    let meta = serde_json::from_value::<Metadata>(json!({"label": "renamed beta"})).unwrap();
    let id = ctx
        .store
        .record_find_by_token("tk_020")
        .await
        .unwrap()
        .unwrap()
        .id;
    ctx.store.record_update_metadata(&id, &meta).await.unwrap();
    let mut expected = left.clone();
    expected.remove("tk_017");
    expected.remove("tk_020");
    expected.insert("tk_new".into());
    assert_eq!(found(&ctx, "alpha").await, expected);
    assert_eq!(found(&ctx, "beta").await, set(&["tk_020"]));
    ctx.cleanup().await;
}

/// The trigram extension belongs to the database, not to one vault: a team that drops
/// one vault's schema (`CASCADE`) must not take another vault's search index with it.
/// A database of its own, so the extension starts absent, as on a new server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_one_vaults_schema_keeps_another_vaults_search_index() {
    let server = common::server_url(Backend::Postgres);
    let admin = match DbPool::connect(&server).await {
        Ok(p) => p,
        Err(e) if !common::in_ci() => {
            eprintln!("SKIPPED on PostgreSQL: {server} unreachable ({e})");
            return;
        }
        Err(e) => panic!("CI=true and PostgreSQL is unreachable: {e}"),
    };
    let db = common::unique_name();
    raw_exec(&admin, &format!("CREATE DATABASE {db}")).await;
    let url = common::with_database(&server, &db);
    let root = DbPool::connect(&url).await.unwrap();
    let clock = Arc::new(ManualClock::new(common::t0()));
    let mut stores = Vec::new();
    for schema in ["team_a", "team_b"] {
        raw_exec(&root, &format!("CREATE SCHEMA {schema}")).await;
        let sep = if url.contains('?') { '&' } else { '?' };
        let opts = common::options(
            &format!("{url}{sep}options=-c%20search_path%3D{schema}"),
            &clock,
        );
        stores.push(Store::new(opts).await.unwrap());
    }
    for store in stores.drain(..1) {
        store.close().await;
    }
    raw_exec(&root, "DROP SCHEMA team_a CASCADE").await;
    let sql = "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = 'team_b' \
               AND indexdef LIKE '%gin_trgm_ops%'";
    let DbPool::Postgres(pg) = &root else {
        unreachable!("a postgres:// URL")
    };
    let left: i64 = sqlx::query_scalar(sql).fetch_one(pg).await.unwrap();
    assert_eq!(left, 1, "team_b's search index outlives team_a's schema");
    for store in stores {
        store.close().await;
    }
    root.close().await;
    raw_exec(&admin, &format!("DROP DATABASE {db} WITH (FORCE)")).await;
    admin.close().await;
}

/// A text matching more records than the store reads by rowid (10,000; SQLite then walks the
/// sort's index with the exact conditions alone) still lists them in order, pages on by cursor,
/// jumps by offset and counts them all; a rarer text beside it narrows them as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_matching_most_records_lists_them_in_order() {
    let Some(ctx) = Ctx::new(common::Backend::Sqlite, "common_text").await else {
        return;
    };
    add(&ctx, "tk_seed", json!({"label": "seed"})).await;
    let n = 20_500;
    common::raw_exec(
        ctx.store.pool(),
        &format!(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n}) \
             INSERT INTO vault (id, token, value, created_at, updated_at, data) \
             SELECT printf('%032x', i), printf('tk_common_%07d', i), \
               (SELECT value FROM vault WHERE token = 'tk_seed'), \
               strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2020-01-01', '+' || i || ' minutes'), \
               strftime('%Y-%m-%dT%H:%M:%S.000000Z', '2020-01-01', '+' || i || ' minutes'), \
               json_object('label', 'Common ' || i) FROM n"
        ),
    )
    .await;
    let tokens = |page: &vaultstore::Page| -> Vec<String> {
        page.records.iter().map(|r| r.token.clone()).collect()
    };
    let q = RecordQuery::parse("common").unwrap().limit(3);
    let first = ctx.store.records_list(&q).await.unwrap();
    assert_eq!(
        tokens(&first),
        [
            "tk_common_0020500",
            "tk_common_0020499",
            "tk_common_0020498"
        ]
    );
    let next = q.clone().after(first.next.unwrap());
    assert_eq!(
        tokens(&ctx.store.records_list(&next).await.unwrap()),
        [
            "tk_common_0020497",
            "tk_common_0020496",
            "tk_common_0020495"
        ]
    );
    let jump = q.clone().offset(10_000);
    assert_eq!(
        tokens(&ctx.store.records_list(&jump).await.unwrap()),
        [
            "tk_common_0010500",
            "tk_common_0010499",
            "tk_common_0010498"
        ]
    );
    assert_eq!(ctx.store.records_count(&q).await.unwrap(), n);
    // 2049, 12049 and 20490 to 20499: 12 records.
    let rare = RecordQuery::parse("common 2049").unwrap().limit(100);
    let page = ctx.store.records_list(&rare).await.unwrap();
    assert_eq!(page.records.len(), 12);
    assert_eq!(page.records[0].token, "tk_common_0020499");
    ctx.cleanup().await;
}

/// On a large PostgreSQL vault the planner may scan in parallel, evaluating the indexed
/// function in worker processes; a function that catches errors (its `EXCEPTION` block
/// for metadata that is not JSON) starts a subtransaction, which a parallel operation
/// forbids, so the search failed ("cannot start subtransactions during a parallel
/// operation") instead of listing its matches. The function is parallel unsafe from
/// schema 6, and a vault created before it is changed when it is opened. The planner is
/// told here that parallel work is free, as a million rows make it on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_the_planner_runs_in_parallel_finds_its_records() {
    let Some(ctx) = Ctx::new(Backend::Postgres, "parallel_search").await else {
        return;
    };
    for i in 0..40 {
        add(
            &ctx,
            &format!("tk_par_{i:03}"),
            json!({"label": format!("Parallel {i}")}),
        )
        .await;
    }
    // A vault of schema 5, whose function was declared parallel safe.
    ctx.exec("ALTER FUNCTION vault_search_doc(text, text) PARALLEL SAFE")
        .await;
    ctx.exec("UPDATE vault_meta SET value = '5' WHERE name = 'schema_version'")
        .await;
    let parallel = format!(
        "{}&options[parallel_setup_cost]=0&options[parallel_tuple_cost]=0\
         &options[min_parallel_table_scan_size]=0&options[enable_bitmapscan]=off\
         &options[enable_indexscan]=off",
        ctx.url
    );
    let store = Store::new(common::options(&parallel, &ctx.clock))
        .await
        .unwrap();
    // 1, 10 to 19, 21, 31: 13 records; every one by its label.
    for (query, n) in [("parallel 1", 13), ("label:parallel", 40)] {
        let q = RecordQuery::parse(query).unwrap().limit(100);
        let page = store.records_list(&q).await.unwrap();
        assert_eq!(page.records.len(), n, "{query}");
        assert_eq!(store.records_count(&q).await.unwrap(), n as u64, "{query}");
    }
    let DbPool::Postgres(pg) = store.pool() else {
        unreachable!("a postgres:// URL")
    };
    let mut c = pg.acquire().await.unwrap();
    let shown: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT id FROM vault WHERE vault_search_doc(token COLLATE \"default\", data) \
         LIKE '%parallel%'",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    assert!(
        !shown.join("\n").contains("Parallel"),
        "no parallel plan evaluates the function: {shown:?}"
    );
    drop(c);
    store.close().await;
    ctx.cleanup().await;
}

/// The trigram index's entries waiting in its pending list (PostgreSQL): merges them and
/// returns how many list pages that took (0: none were waiting).
async fn merge_pending(ctx: &Ctx) -> i64 {
    let DbPool::Postgres(pg) = ctx.store.pool() else {
        unreachable!("a postgres:// URL")
    };
    sqlx::query_scalar("SELECT gin_clean_pending_list(to_regclass('vault_search_trgm_idx'))")
        .fetch_one(pg)
        .await
        .unwrap()
}

/// A bulk write on PostgreSQL lets the trigram index queue its entries and merges them
/// once, after committing (17 merges of 4 MB made a 100,000-record rewrite 3× slower):
/// each bulk job leaves nothing waiting, and finds what it wrote meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_writes_merge_the_search_index_once_they_commit() {
    let Some(ctx) = Ctx::new(Backend::Postgres, "index_merge").await else {
        return;
    };
    for i in 0..30 {
        add(
            &ctx,
            &format!("tk_merge_{i:03}"),
            json!({"label": format!("Merged {i}")}),
        )
        .await;
    }
    merge_pending(&ctx).await;
    let all = RecordQuery::parse("merged").unwrap().limit(100);
    let noop = |_| {};
    ctx.store
        .bulk_apply(&all, &BulkAction::SoftDelete, noop, &Cancel::new())
        .await
        .unwrap();
    assert_eq!(merge_pending(&ctx).await, 0, "after a bulk change");
    assert_eq!(found(&ctx, "is:trash merged").await.len(), 30);
    ctx.store.undo_last(noop, &Cancel::new()).await.unwrap();
    assert_eq!(merge_pending(&ctx).await, 0, "after its undo");
    ctx.store
        .change_password(&pw("s"), &pw("t"), noop, &Cancel::new())
        .await
        .unwrap();
    assert_eq!(merge_pending(&ctx).await, 0, "after a password change");
    let bundle = common::export_all(&ctx.store).await;
    let overwrite = vaultstore::transfer::ImportOptions {
        on_conflict: vaultstore::transfer::OnConflict::Overwrite,
        ..vaultstore::transfer::ImportOptions::default()
    };
    ctx.store
        .import_bundle(&bundle, overwrite, noop, &Cancel::new())
        .await
        .unwrap();
    assert_eq!(merge_pending(&ctx).await, 0, "after an import");
    assert_eq!(found(&ctx, "merged").await.len(), 30);
    ctx.cleanup().await;
}
