//! `vaultstore-bench`: speed as ratios of two things timed in the same run, alternating
//! A/B, median of 5 rounds, against rulers measured here: K (one Argon2id derivation),
//! Q (a raw point select), W (a raw insert), P0 (a raw unfiltered first page of 50).
//!
//! `cargo run --release --bin vaultstore-bench` (full: 10k / 100k / 1M rows) or with
//! `--quick` (small sizes, under a minute: `make test` runs it so it never rots).
//! `--db URL` runs on another database (default: a temp SQLite file).

mod memory;
mod rulers;
mod timing;

use std::time::Duration;

use rand::RngExt;
use vaultstore::bench_support::{seed_path_open, time_derivation};
use vaultstore::transfer::ImportOptions;
use vaultstore::{
    Cancel, CreateOptions, DbPool, ExpiryFilter, KdfParams, Password, RecordQuery, SecretValue,
    Store, StoreOptions,
};

use rulers::RawRow;
use timing::{human, median, secs, time};

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

struct Row {
    figure: String,
    measured: String,
    goal: String,
    pass: bool,
}

struct Report(Vec<Row>);

impl Report {
    fn add(&mut self, figure: impl Into<String>, measured: String, goal: &str, pass: bool) {
        let row = Row {
            figure: figure.into(),
            measured,
            goal: goal.to_owned(),
            pass,
        };
        eprintln!(
            "  {:<62} {:>18}  {:<16} {}",
            row.figure,
            row.measured,
            row.goal,
            if row.pass { "pass" } else { "FAIL" }
        );
        self.0.push(row);
    }

    fn ratio_at_least(&mut self, figure: String, ratio: f64, goal: f64) {
        let shown = if ratio >= 100.0 {
            format!("{ratio:.0}×")
        } else {
            format!("{ratio:.2}×")
        };
        self.add(figure, shown, &format!(">= {goal}×"), ratio >= goal);
    }

    fn ratio_at_most(&mut self, figure: String, ratio: f64, goal: f64) {
        self.add(
            figure,
            format!("{ratio:.2}"),
            &format!("<= {goal}"),
            ratio <= goal,
        );
    }

    fn print(&self) {
        println!("| figure | measured | goal | result |\n|---|---|---|---|");
        for r in &self.0 {
            println!(
                "| {} | {} | {} | {} |",
                r.figure,
                r.measured,
                r.goal,
                if r.pass { "pass" } else { "**FAIL**" }
            );
        }
    }
}

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
    match run(quick, db).await {
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

async fn run(quick: bool, db: Option<String>) -> Res<Report> {
    let sizes = if quick { QUICK } else { FULL };
    let dir = TempDir::new()?;
    let url = db.unwrap_or_else(|| format!("sqlite://{}", dir.0.join("bench.db").display()));
    let mut report = Report(Vec::new());
    let params = KdfParams::default();
    eprintln!(
        "vaultstore-bench{} on {}; KDF {} KiB / {} passes / {} lanes",
        if quick { " --quick" } else { "" },
        url.split('@').next_back().unwrap_or(&url),
        params.memory_kib(),
        params.iterations(),
        params.lanes()
    );

    // ---- K, and Argon2's lanes in parallel against one thread ----
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let (mut par, mut one) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        par.push(time_derivation(params)?);
        one.push(single.install(|| time_derivation(params))?);
    }
    let k = median(par.clone());
    report.add(
        "K: one Argon2id derivation (absolute)",
        human(k),
        "50 ms – 1 s",
        (Duration::from_millis(50)..=Duration::from_secs(1)).contains(&k),
    );
    report.ratio_at_most(
        "Argon2 lanes in parallel / single-threaded lanes".into(),
        secs(k) / secs(median(one)),
        0.8,
    );

    // ---- bulk and single operations ----
    let pw = password(1);
    let store = open(&url, "bench_main").await?;
    let pool = store.pool().clone();
    eprintln!("  filling {} records", sizes.bulk);
    let tokens = fill(&store, sizes.bulk, &pw, "bulk").await?;
    store.lock();
    let d0 = store.kdf_derivations();
    store.tokens_read(&tokens, &pw).await?;
    let d1 = store.kdf_derivations();
    store.tokens_read(&tokens, &pw).await?;
    let d2 = store.kdf_derivations();
    report.add(
        format!(
            "Argon2 derivations, bulk read of {} tokens, cold / warm",
            sizes.bulk
        ),
        format!("{} / {}", d1 - d0, d2 - d1),
        "1 / 0",
        d1 - d0 == 1 && d2 == d1,
    );

    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/vectors/go-v2.json"))?;
    let seed_env = vectors["vectors"][0]["envelope"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let seed_pw = Password::new(
        vectors["vectors"][0]["password"]
            .as_str()
            .unwrap_or_default(),
    );
    let (mut seed, mut cold) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        seed.push(time(seed_path_open(&seed_env, &seed_pw)).await.0);
        store.lock();
        let (t, r) = time(store.tokens_read(&tokens, &pw)).await;
        r?;
        cold.push(t);
    }
    let seed_one = median(seed);
    report.ratio_at_least(
        format!(
            "bulk read of {} tokens, seed path / ours (cold)",
            sizes.bulk
        ),
        sizes.bulk as f64 * secs(seed_one) / secs(median(cold)),
        2000.0,
    );

    let mut rng = rand::rng();
    let q_n = sizes.bulk.min(2_000);
    let (mut warm, mut q_per) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let (t, r) = time(store.tokens_read(&tokens, &pw)).await;
        r?;
        warm.push(t);
        let sample: Vec<&str> = (0..q_n).map(|_| pick(&tokens, &mut rng)).collect();
        let (t, _) = time(async {
            for t in &sample {
                let _ = rulers::point_select(&pool, "bench_main", t).await;
            }
        })
        .await;
        q_per.push(t / q_n as u32);
    }
    let q = median(q_per.clone());
    report.ratio_at_most(
        format!(
            "warm bulk read of {0} / ({0} × Q), Q = {1}",
            sizes.bulk,
            human(q)
        ),
        secs(median(warm)) / (sizes.bulk as f64 * secs(q)),
        0.25,
    );

    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let sample: Vec<&str> = (0..sizes.ops).map(|_| pick(&tokens, &mut rng)).collect();
        let (t, r) = time(async {
            for t in &sample {
                store.token_read(t, &pw).await?;
            }
            Ok::<_, vaultstore::Error>(())
        })
        .await;
        r?;
        ours.push(t / sizes.ops as u32);
        let (t, _) = time(async {
            for t in &sample {
                let _ = rulers::point_select(&pool, "bench_main", t).await;
            }
        })
        .await;
        raw.push(t / sizes.ops as u32);
    }
    report.ratio_at_most(
        format!(
            "single read, warm key / Q ({} / {})",
            human(median(ours.clone())),
            human(median(raw.clone()))
        ),
        secs(median(ours)) / secs(median(raw)),
        1.3,
    );

    let envelope = store
        .record_find_by_token(&tokens[0])
        .await?
        .map(|r| r.envelope)
        .unwrap_or_default();
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    let value = SecretValue::new("a freshly created secret value");
    for round in 0..ROUNDS {
        let (t, r) = time(async {
            for _ in 0..sizes.ops {
                store
                    .token_create(&value, &pw, CreateOptions::default())
                    .await?;
            }
            Ok::<_, vaultstore::Error>(())
        })
        .await;
        r?;
        ours.push(t / sizes.ops as u32);
        let rows: Vec<RawRow> = (0..sizes.ops)
            .map(|i| RawRow {
                id: format!("raw-{round}-{i}"),
                token: vaultstore::token::generate(32).unwrap_or_default(),
                value: envelope.clone(),
                created_at: "2026-01-01T00:00:00.000000Z".into(),
                expires_at: None,
                data: "{}".into(),
            })
            .collect();
        let (t, _) = time(async {
            for r in &rows {
                rulers::insert_one(&pool, "bench_main", r).await?;
            }
            Ok::<_, sqlx::Error>(())
        })
        .await;
        raw.push(t / sizes.ops as u32);
    }
    report.ratio_at_most(
        format!(
            "single create / W ({} / {})",
            human(median(ours.clone())),
            human(median(raw.clone()))
        ),
        secs(median(ours)) / secs(median(raw)),
        1.3,
    );
    store.close().await;

    // ---- change password ----
    let chg = open(&url, "bench_chg").await?;
    eprintln!("  filling {} records", sizes.change);
    fill(&chg, sizes.change, &password(1), "change").await?;
    let kdf_bytes = u64::from(params.memory_kib());
    let rss0 = memory::rss_kib().unwrap_or(0);
    let can_peak = memory::reset_peak();
    let (mut seed, mut ours) = (Vec::new(), Vec::new());
    let mut derivations = 0;
    let mut growth = 0;
    for round in 0..ROUNDS {
        let (t, _) = time(async {
            let _ = seed_path_open(&seed_env, &seed_pw).await;
            let _ = seed_path_open(&seed_env, &seed_pw).await;
        })
        .await;
        seed.push(t);
        let (from, to) = if round % 2 == 0 { (1, 2) } else { (2, 1) };
        chg.lock();
        let d = chg.kdf_derivations();
        let (t, r) =
            time(chg.change_password(&password(from), &password(to), |_| {}, &Cancel::new())).await;
        let moved = r?;
        if moved as usize != sizes.change {
            return Err(
                format!("change password moved {moved} of {} records", sizes.change).into(),
            );
        }
        ours.push(t);
        if round == 0 {
            derivations = chg.kdf_derivations() - d;
            growth = memory::peak_kib().unwrap_or(0).saturating_sub(rss0);
        }
    }
    report.add(
        format!(
            "Argon2 derivations, change password over {} records (1 salt)",
            sizes.change
        ),
        derivations.to_string(),
        "<= 2 per salt",
        derivations <= 2,
    );
    report.ratio_at_least(
        format!(
            "change password over {} records, seed path / ours ({})",
            sizes.change,
            human(median(ours.clone()))
        ),
        sizes.change as f64 * secs(median(seed)) / secs(median(ours)),
        10_000.0,
    );
    if can_peak {
        report.ratio_at_most(
            format!(
                "peak memory growth in change password / KDF memory ({} MiB)",
                growth / 1024
            ),
            growth as f64 / kdf_bytes as f64,
            3.0,
        );
    } else {
        report.add(
            "peak memory growth in change password",
            "n/a".into(),
            "<= 3",
            false,
        );
    }

    // ---- import against a raw batched insert of the same rows ----
    let (bundle_bytes, _) = chg
        .export_bundle_bytes(&RecordQuery::new(), |_| {}, &Cancel::new())
        .await?;
    let records = vaultstore::transfer::bundle::decode(&bundle_bytes)?;
    let raw_rows: Vec<RawRow> = records
        .iter()
        .take(sizes.import)
        .map(|r| RawRow {
            id: r.id.clone(),
            token: r.token.clone(),
            value: r.value.clone(),
            created_at: r.created_at.clone(),
            expires_at: r.expires_at.clone(),
            data: r.data.get().to_owned(),
        })
        .collect();
    let import_bytes = if sizes.import < records.len() {
        vaultstore::transfer::bundle::encode(records[..sizes.import].to_vec(), chrono::Utc::now())?
    } else {
        bundle_bytes
    };
    chg.close().await;
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let a = format!("imp_raw_{round}");
        let b = format!("imp_ours_{round}");
        let raw_store = open(&url, &a).await?;
        let (t, r) = time(rulers::insert(raw_store.pool(), &a, &raw_rows, 200)).await;
        r?;
        raw.push(t);
        drop_table(raw_store.pool(), &a).await;
        raw_store.close().await;
        let dest = open(&url, &b).await?;
        let (t, r) = time(dest.import_bundle(
            &import_bytes,
            ImportOptions::default(),
            |_| {},
            &Cancel::new(),
        ))
        .await;
        r?;
        ours.push(t);
        drop_table(dest.pool(), &b).await;
        dest.close().await;
    }
    report.ratio_at_most(
        format!(
            "import of {} records / raw batched insert ({} / {})",
            sizes.import,
            human(median(ours.clone())),
            human(median(raw.clone()))
        ),
        secs(median(ours)) / secs(median(raw)),
        1.3,
    );

    // ---- listing on a big table ----
    let big = open(&url, "bench_big").await?;
    eprintln!("  filling {} rows", sizes.big);
    let base = chrono::Utc::now() - chrono::Duration::days(400);
    let mut batch = Vec::with_capacity(10_000);
    for i in 0..sizes.big {
        let created = base + chrono::Duration::seconds(i as i64 * 30);
        let expires = match i % 3 {
            0 => None,
            1 => Some(chrono::Utc::now() + chrono::Duration::days(30 + (i % 300) as i64)),
            _ => Some(created + chrono::Duration::days(1)),
        };
        let ts = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
        batch.push(RawRow {
            id: format!("{i:016x}{:016x}", rng.random::<u64>()),
            token: vaultstore::token::generate(32)?,
            value: envelope.clone(),
            created_at: ts(created),
            expires_at: expires.map(ts),
            data: format!("{{\"label\":\"record {i}\"}}"),
        });
        if batch.len() == 10_000 || i + 1 == sizes.big {
            rulers::insert(big.pool(), "bench_big", &batch, 200).await?;
            batch.clear();
            if (i + 1) % 100_000 == 0 {
                eprintln!("    big: {} rows", i + 1);
            }
        }
    }
    if let DbPool::Sqlite(p) = big.pool() {
        sqlx::query("ANALYZE").execute(p).await?;
    }
    let filtered = RecordQuery::new()
        .token_prefix(PREFIX)
        .expiry(ExpiryFilter::Active)
        .limit(50);
    let plain = RecordQuery::new().limit(50);
    let middle_id = rulers::row_at(big.pool(), "bench_big", (sizes.big / 2) as i64).await?;
    let middle = big
        .record_find_by_id(&middle_id)
        .await?
        .ok_or("middle row missing")?;
    let middle_page = plain.clone().after(plain.cursor_after(&middle));
    let reps = 20u32;
    let (mut p0, mut first, mut mid, mut count) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let (t, _) = time(async {
            for _ in 0..reps {
                let _ = rulers::first_page(big.pool(), "bench_big").await;
            }
        })
        .await;
        p0.push(t / reps);
        let (t, r) = time(async {
            for _ in 0..reps {
                big.records_list(&filtered).await?;
            }
            Ok::<_, vaultstore::Error>(())
        })
        .await;
        r?;
        first.push(t / reps);
        let (t, r) = time(async {
            for _ in 0..reps {
                big.records_list(&middle_page).await?;
            }
            Ok::<_, vaultstore::Error>(())
        })
        .await;
        r?;
        mid.push(t / reps);
        let (t, r) = time(async {
            for _ in 0..reps {
                big.records_count(&filtered).await?;
            }
            Ok::<_, vaultstore::Error>(())
        })
        .await;
        r?;
        count.push(t / reps);
    }
    let p0 = median(p0);
    report.ratio_at_most(
        format!(
            "filtered first page ({PREFIX}… + active) on {} rows / P0 (P0 = {})",
            sizes.big,
            human(p0)
        ),
        secs(median(first)) / secs(p0),
        10.0,
    );
    report.ratio_at_most(
        format!("page in the middle of {} rows / P0", sizes.big),
        secs(median(mid)) / secs(p0),
        3.0,
    );
    report.ratio_at_most(
        format!(
            "filtered count ({PREFIX}… + active) on {} rows / P0",
            sizes.big
        ),
        secs(median(count)) / secs(p0),
        10.0,
    );
    big.close().await;
    Ok(report)
}
