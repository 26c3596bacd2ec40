//! Soak: 8 client processes on one server vault (PostgreSQL, MariaDB/MySQL) for a bounded
//! time, each doing random creates, reads, updates (retrying lost compare-and-swaps),
//! renews, trashes, restores, password changes and imports, and logging every write that
//! committed. Afterwards a checker proves, from the vault and its history alone:
//! - every committed value is there exactly once (a lost update would be missing, a
//!   replayed one twice), current or in history, and no value nobody committed is;
//! - every version opens with one of the clients' passwords (no orphan, nothing sealed
//!   under a key no one holds): a new value with the password its writer used, the same
//!   value with another only after a committed password change between the two;
//! - the current value is the token's last version and opens with that version's
//!   password, the one its last committed writer used;
//! - every record was created by a client that logged it;
//! - the audit log's chain verifies, with at least one entry per committed write.
//!
//! Size: `VAULTSTORE_SOAK_SECS` seconds of clients (default 6; `make stress` runs 180).
//! The seed is printed; `VAULTSTORE_SOAK_SEED` replays a schedule. Each client is this
//! test binary run again with `VAULTSTORE_SOAK_CLIENT` set.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Backend, Ctx};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};
use vaultstore::transfer::{ImportOptions, OnConflict};
use vaultstore::{
    AuditFilter, Cancel, CreateOptions, ErrorCode, KdfParams, Password, RecordQuery, SecretValue,
    Store, StoreOptions,
};

const CLIENTS: usize = 8;
/// Tokens every client writes to, so compare-and-swaps collide.
const SHARED: usize = 6;
/// The passwords records are sealed under; password changes move records between them.
const PASSWORDS: [&str; 3] = [
    "soak-password-alpha-1",
    "soak-password-bravo-2",
    "soak-password-charlie-3",
];
/// Most operations a client runs, whatever the time allows.
const MAX_OPS: usize = 5_000;

fn pw(i: usize) -> Password {
    Password::new(PASSWORDS[i % PASSWORDS.len()])
}

fn options(url: &str) -> StoreOptions {
    let mut o = StoreOptions::new(url);
    o.kdf = Some(KdfParams::MINIMUM);
    o
}

fn shared(k: usize) -> String {
    format!("tk_soak_shared_{k}")
}

/// One client's log of what committed: one JSON object per line.
struct Log(std::fs::File);

impl Log {
    fn write(&mut self, entry: Value) {
        writeln!(self.0, "{entry}").unwrap();
    }
}

/// Opens `token` with whichever password does: (password index, value), or why not.
async fn open_any(store: &Store, token: &str) -> Result<(usize, String), ErrorCode> {
    let mut last = ErrorCode::InvalidPassword;
    for i in 0..PASSWORDS.len() {
        match store.token_read(token, &pw(i)).await {
            Ok(v) => return Ok((i, v.expose().to_owned())),
            Err(e) if e.code() == ErrorCode::InvalidPassword => {}
            Err(e) => last = e.code(),
        }
    }
    Err(last)
}

/// Runs one client (in its own process) until time is up.
async fn client(id: usize, url: &str, secs: u64, seed: u64, log_path: &str) {
    let store = Store::new(options(url)).await.unwrap();
    let mut log = Log(std::fs::File::create(log_path).unwrap());
    let mut rng = StdRng::seed_from_u64(seed.wrapping_add(id as u64));
    let mine = |n: usize| format!("tk_soak_{id}_{n}");
    let mut created = 0usize;
    let end = Instant::now() + Duration::from_secs(secs);
    for op in 0..MAX_OPS {
        if Instant::now() >= end {
            break;
        }
        let value = format!("c{id}-op{op}");
        let target = if created > 0 && rng.random_bool(0.6) {
            mine(rng.random_range(0..created))
        } else {
            shared(rng.random_range(0..SHARED))
        };
        match rng.random_range(0..100) {
            0..15 => {
                let p = rng.random_range(0..PASSWORDS.len());
                let create = CreateOptions {
                    token: Some(mine(created)),
                    ..CreateOptions::default()
                };
                store
                    .token_create(&SecretValue::new(value.as_str()), &pw(p), create)
                    .await
                    .unwrap();
                log.write(
                    json!({"op": "create", "token": mine(created), "value": value, "password": p}),
                );
                created += 1;
            }
            15..35 => {
                let _ = open_any(&store, &target).await;
            }
            35..70 => {
                // The password that opens it now seals the new value (a lost race is
                // retried by the store; another client's password change means another try).
                for p in 0..PASSWORDS.len() {
                    match store
                        .token_update(&target, &SecretValue::new(value.as_str()), &pw(p))
                        .await
                    {
                        Ok(()) => {
                            log.write(json!({"op": "update", "token": target, "value": value, "password": p}));
                            break;
                        }
                        Err(e) if e.code() == ErrorCode::InvalidPassword => {}
                        Err(e) if e.code() == ErrorCode::Deleted => break,
                        // Lost the compare-and-swap to other writers three times running.
                        Err(e) if e.to_string().contains("kept changing") => break,
                        Err(e) => panic!("client {id}: update {target}: {e}"),
                    }
                }
            }
            70..78 => {
                let at = chrono::Utc::now() + chrono::Duration::days(rng.random_range(1..400));
                match store.token_renew(&target, Some(at)).await {
                    Ok(()) => log.write(json!({"op": "renew", "token": target})),
                    Err(e) if e.code() == ErrorCode::Deleted => {}
                    Err(e) => panic!("client {id}: renew {target}: {e}"),
                }
            }
            78..88 if target.starts_with(&format!("tk_soak_{id}_")) => {
                let trashed = store.token_soft_delete(&target).await.is_ok();
                if trashed {
                    log.write(json!({"op": "trash", "token": target}));
                    store.token_restore(&target).await.unwrap();
                    log.write(json!({"op": "restore", "token": target}));
                }
            }
            88..91 => {
                let (from, to) = (
                    rng.random_range(0..PASSWORDS.len()),
                    rng.random_range(0..PASSWORDS.len()),
                );
                if from != to {
                    let n = store
                        .change_password(&pw(from), &pw(to), |_| {}, &Cancel::new())
                        .await
                        .unwrap();
                    log.write(
                        json!({"op": "change-password", "records": n, "from": from, "to": to}),
                    );
                }
            }
            91..95 => {
                let token = mine(created);
                let p = rng.random_range(0..PASSWORDS.len());
                let bundle = bundle_of(&token, &value, p).await;
                let import = ImportOptions {
                    on_conflict: OnConflict::Fail,
                    ..ImportOptions::default()
                };
                store
                    .import_bundle(&bundle, import, |_| {}, &Cancel::new())
                    .await
                    .unwrap();
                log.write(json!({"op": "import", "token": token, "value": value, "password": p}));
                created += 1;
            }
            _ => {
                let n = store.records_count(&RecordQuery::new()).await.unwrap();
                assert!(n > 0 || created == 0);
            }
        }
    }
    store.close().await;
}

/// A bundle holding one record, made in a private SQLite vault.
async fn bundle_of(token: &str, value: &str, password: usize) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("b.db").display());
    let store = Store::new(options(&url)).await.unwrap();
    let create = CreateOptions {
        token: Some(token.to_owned()),
        ..CreateOptions::default()
    };
    store
        .token_create(&SecretValue::new(value), &pw(password), create)
        .await
        .unwrap();
    let bytes = store
        .export_bundle_bytes(&RecordQuery::new(), |_| {}, &Cancel::new())
        .await
        .unwrap()
        .0;
    store.close().await;
    bytes
}

/// The child side: runs only when the parent started this binary as a client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_client() {
    let Ok(id) = std::env::var("VAULTSTORE_SOAK_CLIENT") else {
        return;
    };
    let var = |k: &str| std::env::var(k).unwrap();
    client(
        id.parse().unwrap(),
        &var("VAULTSTORE_SOAK_URL"),
        var("VAULTSTORE_SOAK_SECS").parse().unwrap(),
        var("VAULTSTORE_SOAK_SEED").parse().unwrap(),
        &var("VAULTSTORE_SOAK_LOG"),
    )
    .await;
}

async fn soak(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "soak").await else {
        return;
    };
    // The shared tokens exist before the clients start.
    for k in 0..SHARED {
        let create = CreateOptions {
            token: Some(shared(k)),
            ..CreateOptions::default()
        };
        ctx.store
            .token_create(&SecretValue::new(format!("seed-{k}")), &pw(0), create)
            .await
            .unwrap();
    }
    let secs: u64 = std::env::var("VAULTSTORE_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let seed: u64 = std::env::var("VAULTSTORE_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    println!(
        "soak on {backend:?}: {CLIENTS} clients, {secs} s, seed {seed} (replay with VAULTSTORE_SOAK_SEED={seed})"
    );
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let children: Vec<_> = (0..CLIENTS)
        .map(|id| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "soak_client", "--nocapture", "--test-threads=1"])
                .env("VAULTSTORE_SOAK_CLIENT", id.to_string())
                .env("VAULTSTORE_SOAK_URL", &ctx.url)
                .env("VAULTSTORE_SOAK_SECS", secs.to_string())
                .env("VAULTSTORE_SOAK_SEED", seed.to_string())
                .env("VAULTSTORE_SOAK_LOG", dir.path().join(format!("{id}.log")))
                // The clients' own test harness output would bury the parent's; a
                // client's panic still reaches stderr.
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        let status = child.wait().unwrap();
        assert!(status.success(), "a client failed: {status}");
    }
    let elapsed = started.elapsed();
    let mut committed: Vec<Value> = Vec::new();
    for id in 0..CLIENTS {
        let text = std::fs::read_to_string(dir.path().join(format!("{id}.log"))).unwrap();
        committed.extend(
            text.lines()
                .map(|l| serde_json::from_str::<Value>(l).unwrap()),
        );
    }
    println!(
        "soak on {backend:?}: {} committed writes in {:.1} s = {:.0} committed ops/s",
        committed.len(),
        elapsed.as_secs_f64(),
        committed.len() as f64 / elapsed.as_secs_f64()
    );
    check(&ctx, &committed).await;
    ctx.cleanup().await;
}

/// Every version of `token`, oldest first: (password index, value).
async fn versions(store: &Store, token: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for v in store.history(token).await.unwrap() {
        let mut opened = None;
        for p in 0..PASSWORDS.len() {
            if let Ok(value) = store.version_read(token, v.number, &pw(p)).await {
                opened = Some((p, value.expose().to_owned()));
                break;
            }
        }
        let opened = opened.unwrap_or_else(|| {
            panic!(
                "{token} version {} opens with no client's password (an orphan)",
                v.number
            )
        });
        out.push(opened);
    }
    out
}

async fn check(ctx: &Ctx, committed: &[Value]) {
    // The clients' clock (the system's): the test's own store runs a fixed one in 2030,
    // when the expiries they set have passed.
    let checker = Store::new(options(&ctx.url)).await.unwrap();
    let store = &checker;
    let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // The password each committed value was sealed under, and the password changes
    // that moved records from one password to another.
    let mut sealed_under: BTreeMap<String, usize> = BTreeMap::new();
    let mut moves: BTreeSet<(u64, u64)> = BTreeSet::new();
    let mut writes = 0usize;
    for e in committed {
        writes += 1;
        if let (Some(value), Some(p)) = (e["value"].as_str(), e["password"].as_u64()) {
            sealed_under.insert(value.to_owned(), p as usize);
        }
        if e["records"].as_u64().is_some_and(|n| n > 0) {
            moves.insert((e["from"].as_u64().unwrap(), e["to"].as_u64().unwrap()));
        }
        if let (Some(token), Some(value)) = (e["token"].as_str(), e["value"].as_str()) {
            values
                .entry(token.to_owned())
                .or_default()
                .push(value.to_owned());
        }
    }
    let all = RecordQuery::new()
        .deleted(vaultstore::DeletedFilter::Include)
        .limit(1000);
    let mut current = BTreeSet::new();
    let mut page = store.records_list(&all).await.unwrap();
    loop {
        current.extend(page.records.iter().map(|r| r.token.clone()));
        let Some(next) = page.next.clone() else { break };
        page = store.records_list(&all.clone().after(next)).await.unwrap();
    }
    for token in &current {
        assert!(
            token.starts_with("tk_soak_shared_") || values.contains_key(token),
            "{token} is in the vault but no client logged creating it"
        );
    }
    for (token, logged) in &values {
        assert!(current.contains(token), "{token} was committed and is gone");
        let seen = versions(store, token).await;
        // Runs of one value (a rekey or password change repeats it) count once.
        let mut runs: Vec<&str> = Vec::new();
        for (_, v) in &seen {
            if runs.last() != Some(&v.as_str()) {
                runs.push(v);
            }
        }
        for value in logged {
            let n = runs.iter().filter(|r| **r == value).count();
            assert_eq!(
                n, 1,
                "{token}: committed value {value} appears {n} times in {runs:?}"
            );
        }
        for run in &runs {
            assert!(
                run.starts_with("seed-") || logged.iter().any(|v| v == run),
                "{token}: value {run} was never committed"
            );
        }
        check_passwords(token, &seen, &sealed_under, &moves);
        let (password, last) = open_any(store, token)
            .await
            .unwrap_or_else(|e| panic!("{token}: {e}"));
        assert_eq!(
            Some(&(password, last)),
            seen.last(),
            "{token}: the current value opens with the password of its last version"
        );
    }
    let check = store.audit_verify().await.unwrap();
    assert!(check.is_intact(), "{check:?}");
    let entries = store
        .audit_list(&AuditFilter {
            limit: Some(1),
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    let last_seq = entries.last().map_or(0, |e| e.seq);
    assert!(
        last_seq as usize >= writes,
        "{last_seq} audit entries for {writes} committed writes"
    );
    checker.close().await;
}

/// Each version is sealed under the password its committed writer used: a new value under
/// the password its writer logged, the same value under another password only after a
/// committed password change between the two.
fn check_passwords(
    token: &str,
    seen: &[(usize, String)],
    sealed_under: &BTreeMap<String, usize>,
    moves: &BTreeSet<(u64, u64)>,
) {
    let mut before: Option<&(usize, String)> = None;
    for version in seen {
        let (password, value) = version;
        match before {
            Some((was, same)) if same == value => {
                let moved = (*was as u64, *password as u64);
                assert!(
                    was == password || moves.contains(&moved),
                    "{token}: {value} moved from password {was} to {password} without a committed password change"
                );
            }
            _ => {
                let logged = if value.starts_with("seed-") {
                    0
                } else {
                    sealed_under[value]
                };
                assert_eq!(
                    *password, logged,
                    "{token}: {value} is sealed under another password than its writer used"
                );
            }
        }
        before = Some(version);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_clients_on_postgres_lose_nothing() {
    soak(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_clients_on_mysql_lose_nothing() {
    soak(Backend::MySql).await;
}
