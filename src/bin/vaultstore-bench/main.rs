//! `vaultstore-bench`: speed as ratios of two things timed in the same run, alternating
//! A/B, median of 5 rounds, against rulers measured here: K (one Argon2id derivation),
//! Q (a raw point select), W (a raw insert), P0 (a raw unfiltered first page of 50),
//! and a raw `UPDATE … WHERE` for bulk changes.
//!
//! `cargo run --release --bin vaultstore-bench` (full: 10k / 100k / 1M rows) or with
//! `--quick` (small sizes, under a minute: `make test` runs it so it never rots).
//! `--db URL` runs on another database (default: a temp SQLite file).

mod figures;
mod memory;
mod report;
mod rulers;
mod timing;

use rand::RngExt;
use vaultstore::{CreateOptions, DbPool, KdfParams, Password, SecretValue, Store, StoreOptions};

use figures::{Bulk, ImportInput, SeedPath};
use report::Report;

type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

const ROUNDS: usize = 5;
/// A prefix a person types to find a token: selects about 1 in 3,844 random tokens.
const PREFIX: &str = "tk_ab";

struct Sizes {
    bulk: usize,
    change: usize,
    import: usize,
    big: usize,
    ops: usize,
}

const FULL: Sizes = Sizes {
    bulk: 10_000,
    change: 100_000,
    import: 100_000,
    big: 1_000_000,
    ops: 500,
};

const QUICK: Sizes = Sizes {
    bulk: 300,
    change: 1_000,
    import: 2_000,
    big: 20_000,
    ops: 100,
};

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map_or_else(String::new, |k| {
            format!(", {:.0} GiB", k as f64 / 1048576.0)
        });
    format!("{cpu}, {cores} cores{mem}")
}

/// A scratch folder removed when the run ends.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        let path = std::env::temp_dir().join(format!("vaultstore-bench-{}", std::process::id()));
        std::fs::create_dir_all(&path)?;
        Ok(Self(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn password(n: u32) -> Password {
    Password::new(format!("benchmark-password-number-{n}"))
}

async fn open(url: &str, table: &str) -> Res<Store> {
    let mut o = StoreOptions::new(url);
    o.table = table.into();
    Ok(Store::new(o).await?)
}

/// A server keeps tables between runs: every run starts from empty vaults (the table
/// and every table beside it).
async fn drop_vaults(url: &str, vaults: &[&str]) -> Res {
    let pool = DbPool::connect(url).await?;
    for vault in vaults {
        for suffix in ["", "_meta", "_undo", "_history", "_audit", "_search"] {
            drop_table(&pool, &format!("{vault}{suffix}")).await;
        }
    }
    pool.close().await;
    Ok(())
}

async fn drop_table(pool: &DbPool, table: &str) {
    let sql = sqlx::AssertSqlSafe(format!("DROP TABLE IF EXISTS {table}"));
    let _ = match pool {
        DbPool::Sqlite(p) => sqlx::query(sql).execute(p).await.map(drop),
        DbPool::Postgres(p) => sqlx::query(sql).execute(p).await.map(drop),
        DbPool::MySql(p) => sqlx::query(sql).execute(p).await.map(drop),
    };
}

/// Creates `n` records under one password through the store; returns their tokens.
async fn fill(store: &Store, n: usize, pw: &Password, what: &str) -> Res<Vec<String>> {
    let mut tokens = Vec::with_capacity(n);
    for i in 0..n {
        let value = SecretValue::new(format!("secret value number {i:08} for {what}"));
        tokens.push(
            store
                .token_create(&value, pw, CreateOptions::default())
                .await?,
        );
        if i % 10_000 == 9_999 {
            eprintln!("    {what}: {} records", i + 1);
        }
    }
    Ok(tokens)
}

fn pick<'a, R: rand::Rng>(tokens: &'a [String], rng: &mut R) -> &'a str {
    &tokens[rng.random_range(0..tokens.len())]
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> std::process::ExitCode {
    let quick = std::env::args().any(|a| a == "--quick");
    let db = std::env::args().skip_while(|a| a != "--db").nth(1);
    let result = if std::env::args().any(|a| a == "--only-bulk-change") {
        run_bulk_change(quick, db).await
    } else if std::env::args().any(|a| a == "--only-import") {
        run_import(quick, db).await
    } else if std::env::args().any(|a| a == "--only-change-password") {
        run_change_password(quick, db).await
    } else {
        run(quick, db).await
    };
    match result {
        Ok(report) => {
            let failed = report.0.iter().filter(|r| !r.pass).count();
            report.print();
            println!("\nmachine: {}", machine());
            if failed > 0 && !quick {
                println!("{failed} figure(s) missed their goal");
                return std::process::ExitCode::FAILURE;
            }
            if failed > 0 {
                println!(
                    "--quick: {failed} figure(s) off their goal at these small sizes (not a failure)"
                );
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("vaultstore-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `--only-bulk-change`: the bulk renew and undo rows alone, on rows inserted raw (their
/// values need not open), for measuring them without the hour-long fills.
async fn run_bulk_change(quick: bool, db: Option<String>) -> Res<Report> {
    let sizes = if quick { QUICK } else { FULL };
    let dir = TempDir::new()?;
    let url = db.unwrap_or_else(|| format!("sqlite://{}", dir.0.join("bench.db").display()));
    drop_vaults(&url, &["bench_chg"]).await?;
    let store = open(&url, "bench_chg").await?;
    eprintln!("  inserting {} rows", sizes.change);
    figures::fill_raw(&store, "bench_chg", sizes.change).await?;
    let mut report = Report::default();
    report.add(figures::bulk_renew_and_undo(&store, "bench_chg", &sizes).await?);
    store.close().await;
    Ok(report)
}

/// `--only-change-password`: the change-password rows alone.
async fn run_change_password(quick: bool, db: Option<String>) -> Res<Report> {
    let sizes = if quick { QUICK } else { FULL };
    let dir = TempDir::new()?;
    let url = db.unwrap_or_else(|| format!("sqlite://{}", dir.0.join("bench.db").display()));
    drop_vaults(&url, &["bench_chg"]).await?;
    let seed = SeedPath::load()?;
    let chg = open(&url, "bench_chg").await?;
    eprintln!("  filling {} records", sizes.change);
    fill(&chg, sizes.change, &password(1), "change").await?;
    let mut report = Report::default();
    report.add(figures::change_password(&chg, &seed, KdfParams::default(), &sizes).await?);
    chg.close().await;
    Ok(report)
}

/// `--only-import`: the import row alone, from a bundle of raw-inserted rows.
async fn run_import(quick: bool, db: Option<String>) -> Res<Report> {
    let sizes = if quick { QUICK } else { FULL };
    let dir = TempDir::new()?;
    let url = db.unwrap_or_else(|| format!("sqlite://{}", dir.0.join("bench.db").display()));
    drop_vaults(&url, &["bench_chg"]).await?;
    let store = open(&url, "bench_chg").await?;
    eprintln!("  inserting {} rows", sizes.import);
    figures::fill_raw(&store, "bench_chg", sizes.import).await?;
    let input = ImportInput::export_from(&store, &sizes).await?;
    store.close().await;
    drop_vaults(&url, &["bench_chg"]).await?;
    let mut report = Report::default();
    report.add([figures::import_vs_raw_insert(&url, &input, &sizes).await?]);
    Ok(report)
}

async fn run(quick: bool, db: Option<String>) -> Res<Report> {
    let sizes = if quick { QUICK } else { FULL };
    let dir = TempDir::new()?;
    let url = db.unwrap_or_else(|| format!("sqlite://{}", dir.0.join("bench.db").display()));
    let mut report = Report::default();
    let params = KdfParams::default();
    eprintln!(
        "vaultstore-bench{} on {}; KDF {} KiB / {} passes / {} lanes",
        if quick { " --quick" } else { "" },
        url.split('@').next_back().unwrap_or(&url),
        params.memory_kib(),
        params.iterations(),
        params.lanes()
    );
    report.add(figures::kdf(params)?);
    drop_vaults(
        &url,
        &[
            "bench_main",
            "bench_chg",
            "bench_big",
            "bench_hist",
            "bench_nohist",
        ],
    )
    .await?;

    // ---- bulk and single operations ----
    let seed = SeedPath::load()?;
    let bulk = Bulk::fill(&url, sizes.bulk).await?;
    report.add([figures::bulk_read_derivations(&bulk, &sizes).await?]);
    report.add([figures::bulk_read_cold(&bulk, &seed, &sizes).await?]);
    report.add([figures::bulk_read_warm(&bulk, &sizes).await?]);
    let envelope = figures::some_envelope(&bulk).await?;
    report.add([figures::single_read(&bulk, &envelope, &sizes).await?]);
    report.add([figures::single_create(&bulk, &envelope, &sizes).await?]);
    bulk.store.close().await;
    report.add([figures::update_with_history(&url, &sizes).await?]);

    // ---- change password ----
    let chg = open(&url, "bench_chg").await?;
    eprintln!("  filling {} records", sizes.change);
    fill(&chg, sizes.change, &password(1), "change").await?;
    report.add(figures::change_password(&chg, &seed, params, &sizes).await?);
    report.add(figures::bulk_renew_and_undo(&chg, "bench_chg", &sizes).await?);

    // ---- import against a raw batched insert of the same rows ----
    let input = ImportInput::export_from(&chg, &sizes).await?;
    chg.close().await;
    report.add([figures::import_vs_raw_insert(&url, &input, &sizes).await?]);

    // ---- listing on a big table ----
    let big = open(&url, "bench_big").await?;
    eprintln!("  filling {} rows", sizes.big);
    figures::fill_big(&big, &envelope, &sizes).await?;
    report.add(figures::paging(&big, &sizes).await?);
    big.close().await;
    Ok(report)
}
