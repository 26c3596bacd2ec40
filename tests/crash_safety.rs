//! Crash safety: the `vaultstore` binary killed with SIGKILL at random moments during
//! `change-password` and `import` leaves the vault exactly as it was before or exactly as
//! it is after, never half way: every record opens with exactly one of the two passwords,
//! all with the same one, and the record count is the before or the after count.
//!
//! The kill moment is a random delay within the measured duration of an uninterrupted
//! run, from a seeded generator whose seed is printed (replay a failure with
//! `VAULTSTORE_STRESS_SEED=<seed>`). Default size: a few hundred records and 20 kills per
//! operation and backend, a few seconds each; `VAULTSTORE_STRESS=1` (`make stress`) runs
//! thousands of records and 200 kills. PostgreSQL needs its server (see `common`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Backend, Ctx};
use vaultstore::transfer::{ImportOptions, PlainFormat};
use vaultstore::{
    Cancel, CreateOptions, DeletedFilter, KdfParams, Password, RecordQuery, SecretValue, Store,
    StoreOptions,
};

/// The passwords a record can be sealed under, and the variables the CLI reads them from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Pw {
    Old,
    New,
    /// Records under a third password: `change-password` must leave them alone.
    Other,
}

impl Pw {
    const ALL: [Self; 3] = [Self::Old, Self::New, Self::Other];

    fn text(self) -> &'static str {
        match self {
            Self::Old => "correct-horse-battery-old",
            Self::New => "correct-horse-battery-new",
            Self::Other => "correct-horse-battery-other",
        }
    }

    fn var(self) -> &'static str {
        match self {
            Self::Old => "OLD_PW",
            Self::New => "NEW_PW",
            Self::Other => "OTHER_PW",
        }
    }

    fn flipped(self) -> Self {
        match self {
            Self::Old => Self::New,
            Self::New => Self::Old,
            Self::Other => Self::Other,
        }
    }
}

/// A vault's contents as a user sees them: each token, the password that opens it, and
/// the value it opens to.
type State = BTreeMap<String, (Pw, String)>;

struct Size {
    /// Records re-encrypted by `change-password` (more than one 500-record batch).
    records: usize,
    /// Records the vault has before an import (all overwritten by it).
    import_before: usize,
    /// Records it has after (the rest are created, in several insert batches).
    import_after: usize,
    kills: usize,
}

fn size() -> Size {
    if std::env::var("VAULTSTORE_STRESS").is_ok_and(|v| !v.is_empty() && v != "0") {
        Size {
            records: 3000,
            import_before: 1000,
            import_after: 3000,
            kills: 200,
        }
    } else {
        Size {
            records: 600,
            import_before: 200,
            import_after: 600,
            kills: 20,
        }
    }
}

/// SplitMix64: a tiny seeded generator, so a failing schedule can be replayed.
struct Rng(u64);

impl Rng {
    fn seeded(test: &str) -> Self {
        let seed = std::env::var("VAULTSTORE_STRESS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
            });
        println!("{test}: seed {seed} (replay with VAULTSTORE_STRESS_SEED={seed})");
        Self(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A delay in `[0, max)`.
    fn delay_below(&mut self, max: Duration) -> Duration {
        let micros = u64::try_from(max.as_micros()).unwrap().max(1);
        Duration::from_micros(self.next() % micros)
    }
}

fn cli(url: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vaultstore"));
    c.arg("--db")
        .arg(url)
        .args(args)
        .env_remove("VAULTSTORE_DB");
    for pw in Pw::ALL {
        c.env(pw.var(), pw.text());
    }
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// How a run ended.
struct Ended {
    killed: bool,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Longest any single run may take before the test gives up on it.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// Spawns `cmd`, sends SIGKILL after `kill_after` (if given), and waits for the end, on
/// a blocking thread. Bounded: a run still going after [`RUN_LIMIT`] fails the test.
async fn run(cmd: Command, kill_after: Option<Duration>) -> (Ended, Duration) {
    tokio::task::spawn_blocking(move || run_blocking(cmd, kill_after))
        .await
        .unwrap()
}

fn run_blocking(mut cmd: Command, kill_after: Option<Duration>) -> (Ended, Duration) {
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let mut killed_at = None;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        let elapsed = started.elapsed();
        if kill_after.is_some_and(|k| elapsed >= k) && killed_at.is_none() {
            // SIGKILL on Unix: no handler runs, nothing is flushed or rolled back.
            child.kill().unwrap();
            killed_at = Some(elapsed);
        }
        if elapsed > RUN_LIMIT {
            child.kill().unwrap();
            panic!("a run took longer than {RUN_LIMIT:?}");
        }
        // Sleep until the kill moment when it is near, else poll for the end.
        let step = kill_after
            .filter(|_| killed_at.is_none())
            .map_or(Duration::from_millis(2), |k| {
                k.saturating_sub(elapsed).min(Duration::from_millis(2))
            });
        #[allow(
            clippy::disallowed_methods,
            reason = "waits for the planned kill moment; bounded by RUN_LIMIT"
        )]
        std::thread::sleep(step);
    };
    let took = started.elapsed();
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let ended = Ended {
        killed: status.signal() == Some(9),
        code: status.code(),
        stdout,
        stderr,
    };
    (ended, took)
}

/// Runs `cmd` to the end and expects success; returns its stdout and how long it took.
async fn run_to_end(cmd: Command) -> (String, Duration) {
    let (ended, took) = run(cmd, None).await;
    assert_eq!(ended.code, Some(0), "stderr: {}", ended.stderr);
    (ended.stdout.trim_end().to_owned(), took)
}

/// Reads the whole vault as a user would: with each password in turn, every record that
/// opens and its value (a plaintext export tries every record with the password).
///
/// A client killed right after sending COMMIT may see that commit land on a server a
/// moment later, between this read's statements: the read is taken again until the
/// count before and after it agree (bounded), so it sees one state, before or after.
async fn read_state(store: &Store) -> (u64, BTreeMap<String, Vec<(Pw, String)>>) {
    let everything = RecordQuery::new().deleted(DeletedFilter::Include);
    for _ in 0..50 {
        let count = store.records_count(&everything).await.unwrap();
        let state = read_state_once(store, count).await;
        if store.records_count(&everything).await.unwrap() == count
            && let Some(opened) = state
        {
            return (count, opened);
        }
        #[allow(
            clippy::disallowed_methods,
            reason = "a commit of the killed client still landing: bounded retries"
        )]
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the vault kept changing after the client was killed");
}

/// One pass of [`read_state`]; `None` when the exports did not see `count` records.
async fn read_state_once(store: &Store, count: u64) -> Option<BTreeMap<String, Vec<(Pw, String)>>> {
    let everything = RecordQuery::new().deleted(DeletedFilter::Include);
    let mut opened: BTreeMap<String, Vec<(Pw, String)>> = BTreeMap::new();
    for pw in Pw::ALL {
        let export = store
            .export_plaintext(
                &everything,
                &[Password::new(pw.text())],
                PlainFormat::Json,
                |_| {},
                &Cancel::new(),
            )
            .await
            .unwrap();
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&export.bytes).unwrap();
        if rows.len() as u64 + export.unopened.len() as u64 != count {
            return None;
        }
        for row in rows {
            let token = row["token"].as_str().unwrap().to_owned();
            let value = row["value"].as_str().unwrap().to_owned();
            opened.entry(token).or_default().push((pw, value));
        }
        for token in export.unopened {
            opened.entry(token).or_default();
        }
    }
    Some(opened)
}

/// Which of `before` and `after` the vault is in; fails, saying how, if it is neither.
async fn whole_state(store: &Store, before: &State, after: &State, what: &str) -> Which {
    let (count, opened) = read_state(store).await;
    // Every record opens with exactly one password...
    let not_one: Vec<_> = opened.iter().filter(|(_, pws)| pws.len() != 1).collect();
    assert!(
        not_one.is_empty(),
        "{what}: {} of {count} records open with no password or with several, e.g. {:?}",
        not_one.len(),
        not_one.iter().take(3).collect::<Vec<_>>()
    );
    let now: State = opened
        .into_iter()
        .map(|(token, mut pws)| (token, pws.remove(0)))
        .collect();
    // ...and the vault as a whole is the state before or the state after.
    if now == *before {
        return Which::Before;
    }
    if now == *after {
        return Which::After;
    }
    let like = |s: &State| now.iter().filter(|(t, v)| s.get(*t) == Some(v)).count();
    panic!(
        "{what}: the vault is half changed: {count} records (before {}, after {}); \
         {} as before, {} as after",
        before.len(),
        after.len(),
        like(before),
        like(after)
    );
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Before,
    After,
}

/// Tallies what the kills did, and checks they did test something.
#[derive(Default)]
struct Tally {
    killed_before: usize,
    killed_after: usize,
    finished_first: usize,
}

impl Tally {
    fn add(&mut self, ended: &Ended, which: Which, what: &str) {
        if ended.killed {
            match which {
                Which::Before => self.killed_before += 1,
                Which::After => self.killed_after += 1,
            }
        } else {
            // It finished before the kill: then it must have succeeded.
            assert_eq!(
                (ended.code, which),
                (Some(0), Which::After),
                "{what}: a run that was not killed failed: {}",
                ended.stderr
            );
            self.finished_first += 1;
        }
    }

    fn report(&self, test: &str, kills: usize) {
        println!(
            "{test}: {kills} kills: {} left the vault as before, {} as after (killed \
             between commit and exit), {} runs had finished first",
            self.killed_before, self.killed_after, self.finished_first
        );
        // Random moments within a measured run mostly land inside it (runs vary with the
        // load on the machine); if nearly all had ended first, the kills tested nothing.
        assert!(
            self.killed_before + self.killed_after >= kills / 4,
            "{test}: only {} of {kills} kills interrupted a run",
            self.killed_before + self.killed_after
        );
    }
}

fn value(token: &str, pw: Pw) -> String {
    format!("{pw:?} value of {token} ✓")
}

async fn create(store: &Store, token: &str, pw: Pw) {
    store
        .token_create(
            &SecretValue::new(value(token, pw)),
            &Password::new(pw.text()),
            CreateOptions {
                token: Some(token.to_owned()),
                ..CreateOptions::default()
            },
        )
        .await
        .unwrap();
}

/// `change-password` killed at random moments, back and forth between two passwords.
async fn change_password_survives_sigkill(backend: Backend, test: &str) {
    let Some(ctx) = Ctx::new(backend, test).await else {
        return;
    };
    let size = size();
    let mut rng = Rng::seeded(test);
    let started = Instant::now();
    let mut state = State::new();
    for i in 0..size.records {
        let token = format!("tk_cp_{i:05}");
        create(&ctx.store, &token, Pw::Old).await;
        state.insert(token.clone(), (Pw::Old, value(&token, Pw::Old)));
    }
    for i in 0..3 {
        let token = format!("tk_other_{i}");
        create(&ctx.store, &token, Pw::Other).await;
        state.insert(token.clone(), (Pw::Other, value(&token, Pw::Other)));
    }
    let flip = |s: &State| -> State {
        s.iter()
            .map(|(t, (pw, v))| (t.clone(), (pw.flipped(), v.clone())))
            .collect()
    };
    let current = |s: &State| s.values().map(|(pw, _)| *pw).min().unwrap();
    let change = |s: &State| {
        let from = current(s);
        cli(
            &ctx.url,
            &[
                "change-password",
                "--password-env",
                from.var(),
                "--new-password-env",
                from.flipped().var(),
            ],
        )
    };
    let setup = started.elapsed();

    // One uninterrupted run: its duration bounds the kill moments, and it shows the
    // check tells the two states apart.
    let after = flip(&state);
    assert_eq!(
        whole_state(&ctx.store, &state, &after, "before any run").await,
        Which::Before
    );
    let (out, measured) = run_to_end(change(&state)).await;
    assert_eq!(out, size.records.to_string(), "records changed");
    assert_eq!(
        whole_state(&ctx.store, &state, &after, "after a whole run").await,
        Which::After
    );
    state = after;

    let mut tally = Tally::default();
    for kill in 0..size.kills {
        let after = flip(&state);
        let delay = rng.delay_below(measured);
        let (ended, _) = run(change(&state), Some(delay)).await;
        let what = format!("kill {kill} after {delay:?}");
        let which = whole_state(&ctx.store, &state, &after, &what).await;
        tally.add(&ended, which, &what);
        if which == Which::After {
            state = after;
        }
    }
    // The vault still works: a last run completes.
    let after = flip(&state);
    let (out, _) = run_to_end(change(&state)).await;
    assert_eq!(out, size.records.to_string());
    assert_eq!(
        whole_state(&ctx.store, &state, &after, "the run after the kills").await,
        Which::After
    );
    tally.report(test, size.kills);
    println!(
        "{test}: {} records, setup {setup:?}, one run {measured:?}, total {:?}",
        size.records,
        started.elapsed()
    );
    ctx.cleanup().await;
}

/// `import --on-conflict overwrite` killed at random moments: the vault keeps its records
/// under the old password, or has every incoming record under the new one.
async fn import_survives_sigkill(backend: Backend, test: &str) {
    let Some(ctx) = Ctx::new(backend, test).await else {
        return;
    };
    let size = size();
    let mut rng = Rng::seeded(test);
    let started = Instant::now();

    // Two bundles written by `vaultstore export` from vaults of their own: the records a
    // vault has before (old password), and the incoming ones: the same tokens under the
    // new password, and more.
    let dir = tempfile::tempdir().unwrap();
    let mut before = State::new();
    let mut after = State::new();
    let mut bundles = Vec::new();
    for (name, n, pw, state) in [
        ("before", size.import_before, Pw::Old, &mut before),
        ("incoming", size.import_after, Pw::New, &mut after),
    ] {
        let url = format!(
            "sqlite://{}",
            dir.path().join(format!("{name}.db")).display()
        );
        let source = Store::new(options(&url, "vault")).await.unwrap();
        for i in 0..n {
            let token = format!("tk_imp_{i:05}");
            create(&source, &token, pw).await;
            state.insert(token.clone(), (pw, value(&token, pw)));
        }
        source.close().await;
        let file = dir.path().join(format!("{name}.json"));
        let (out, _) = run_to_end(cli(&url, &["export", file.to_str().unwrap()])).await;
        assert_eq!(out, n.to_string());
        bundles.push(file);
    }
    #[allow(clippy::disallowed_methods, reason = "a file this test wrote")]
    let before_bundle = std::fs::read(&bundles[0]).unwrap();
    let incoming = bundles[1].to_str().unwrap();

    // Each run imports into a table of its own holding the "before" records.
    let fresh_table = async |n: usize| {
        let table = format!("crash_{n}");
        let store = Store::new(options(&ctx.url, &table)).await.unwrap();
        store
            .import_bundle(
                &before_bundle,
                ImportOptions::default(),
                |_| {},
                &Cancel::new(),
            )
            .await
            .unwrap();
        (store, table)
    };
    let import = |table: &str| {
        cli(
            &ctx.url,
            &[
                "--table",
                table,
                "import",
                incoming,
                "--on-conflict",
                "overwrite",
            ],
        )
    };
    let setup = started.elapsed();

    let (store, table) = fresh_table(0).await;
    assert_eq!(
        whole_state(&store, &before, &after, "before any run").await,
        Which::Before
    );
    let (out, measured) = run_to_end(import(&table)).await;
    assert_eq!(
        out,
        format!(
            "created {}, skipped 0, overwritten {}, restored 0",
            size.import_after - size.import_before,
            size.import_before
        )
    );
    assert_eq!(
        whole_state(&store, &before, &after, "after a whole run").await,
        Which::After
    );
    store.close().await;

    let mut tally = Tally::default();
    let mut last = None;
    for kill in 1..=size.kills {
        let (store, table) = fresh_table(kill).await;
        let delay = rng.delay_below(measured);
        let (ended, _) = run(import(&table), Some(delay)).await;
        let what = format!("kill {kill} after {delay:?}");
        let which = whole_state(&store, &before, &after, &what).await;
        tally.add(&ended, which, &what);
        if let Some((previous, _)) = last.replace((store, table)) {
            previous.close().await;
        }
    }
    // The vault still works: the import that was killed last completes when run again.
    let (store, table) = last.unwrap();
    run_to_end(import(&table)).await;
    assert_eq!(
        whole_state(&store, &before, &after, "the run after the kills").await,
        Which::After
    );
    store.close().await;
    tally.report(test, size.kills);
    println!(
        "{test}: {} records before, {} after, setup {setup:?}, one run {measured:?}, total {:?}",
        size.import_before,
        size.import_after,
        started.elapsed()
    );
    ctx.cleanup().await;
}

/// Store options on `url`, table `table`, with the cheapest KDF the library accepts (the
/// CLI then uses the parameters the vault records).
fn options(url: &str, table: &str) -> StoreOptions {
    let mut o = StoreOptions::new(url);
    o.table = table.to_owned();
    o.kdf = Some(KdfParams::MINIMUM);
    o
}

mod sqlite {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn change_password_killed_at_random_moments_leaves_old_or_new() {
        change_password_survives_sigkill(Backend::Sqlite, "sqlite::change_password").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_killed_at_random_moments_leaves_before_or_after() {
        import_survives_sigkill(Backend::Sqlite, "sqlite::import").await;
    }
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn change_password_killed_at_random_moments_leaves_old_or_new() {
        change_password_survives_sigkill(Backend::Postgres, "postgres::change_password").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn import_killed_at_random_moments_leaves_before_or_after() {
        import_survives_sigkill(Backend::Postgres, "postgres::import").await;
    }
}
