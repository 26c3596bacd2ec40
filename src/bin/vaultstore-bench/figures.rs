//! The measured figures, one function per row or group of rows in the report: each runs
//! its A/B rounds and returns its rows; `run` in `main.rs` only sequences them. The
//! fixtures they share (the bulk table, the seed path's envelope) are built once.

use std::time::Duration;

use rand::RngExt;
use vaultstore::bench_support::{seed_path_open, time_derivation};
use vaultstore::transfer::ImportOptions;
use vaultstore::{
    BulkAction, Cancel, CreateOptions, DbPool, ExpiryFilter, KdfParams, Password, RecordQuery,
    RenewTo, SecretValue, Store,
};

use crate::report::Row;
use crate::rulers::{self, RawRow};
use crate::timing::{human, median, secs, time};
use crate::{PREFIX, ROUNDS, Res, Sizes, fill, open, pick};

/// The Go library's way to open one value, from its test vectors: the "seed path" our
/// bulk read and change password are compared against.
pub struct SeedPath {
    envelope: String,
    password: Password,
}

impl SeedPath {
    pub fn load() -> Res<Self> {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/vectors/go-v2.json"))?;
        let envelope = vectors["vectors"][0]["envelope"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let password = Password::new(
            vectors["vectors"][0]["password"]
                .as_str()
                .unwrap_or_default(),
        );
        Ok(Self { envelope, password })
    }

    async fn open_once(&self) {
        let _ = seed_path_open(&self.envelope, &self.password).await;
    }
}

/// The bulk table: `sizes.bulk` records under one password.
pub struct Bulk {
    pub store: Store,
    pub tokens: Vec<String>,
    pub password: Password,
}

impl Bulk {
    /// Opens the table `bench_main` and fills it with `n` records under `password(1)`.
    pub async fn fill(url: &str, n: usize) -> Res<Self> {
        let password = crate::password(1);
        let store = open(url, "bench_main").await?;
        eprintln!("  filling {n} records");
        let tokens = fill(&store, n, &password, "bulk").await?;
        Ok(Self {
            store,
            tokens,
            password,
        })
    }
}

/// K, and Argon2's lanes in parallel against one thread.
pub fn kdf(params: KdfParams) -> Res<Vec<Row>> {
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let (mut par, mut one) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        par.push(time_derivation(params)?);
        one.push(single.install(|| time_derivation(params))?);
    }
    let k = median(par.clone());
    Ok(vec![
        Row::new(
            "K: one Argon2id derivation (absolute)",
            human(k),
            "50 ms – 1 s",
            (Duration::from_millis(50)..=Duration::from_secs(1)).contains(&k),
        ),
        Row::ratio_at_most(
            "Argon2 lanes in parallel / single-threaded lanes".into(),
            secs(k) / secs(median(one)),
            0.8,
        ),
    ])
}

/// A bulk read derives the key once cold, and not at all warm.
pub async fn bulk_read_derivations(bulk: &Bulk, sizes: &Sizes) -> Res<Row> {
    let Bulk {
        store,
        tokens,
        password,
    } = bulk;
    store.lock();
    let d0 = store.kdf_derivations();
    store.tokens_read(tokens, password).await?;
    let d1 = store.kdf_derivations();
    store.tokens_read(tokens, password).await?;
    let d2 = store.kdf_derivations();
    Ok(Row::new(
        format!(
            "Argon2 derivations, bulk read of {} tokens, cold / warm",
            sizes.bulk
        ),
        format!("{} / {}", d1 - d0, d2 - d1),
        "1 / 0",
        d1 - d0 == 1 && d2 == d1,
    ))
}

/// A cold bulk read against opening each value the seed path's way.
pub async fn bulk_read_cold(bulk: &Bulk, seed: &SeedPath, sizes: &Sizes) -> Res<Row> {
    let (mut seeded, mut cold) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        seeded.push(time(seed.open_once()).await.0);
        bulk.store.lock();
        let (t, r) = time(bulk.store.tokens_read(&bulk.tokens, &bulk.password)).await;
        r?;
        cold.push(t);
    }
    Ok(Row::ratio_at_least(
        format!(
            "bulk read of {} tokens, seed path / ours (cold)",
            sizes.bulk
        ),
        sizes.bulk as f64 * secs(median(seeded)) / secs(median(cold)),
        2000.0,
    ))
}

/// A warm bulk read against as many raw point selects (Q).
pub async fn bulk_read_warm(bulk: &Bulk, sizes: &Sizes) -> Res<Row> {
    let mut rng = rand::rng();
    let q_n = sizes.bulk.min(2_000);
    let (mut warm, mut q_per) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let (t, r) = time(bulk.store.tokens_read(&bulk.tokens, &bulk.password)).await;
        r?;
        warm.push(t);
        let sample: Vec<&str> = (0..q_n).map(|_| pick(&bulk.tokens, &mut rng)).collect();
        let (t, _) = time(point_selects(bulk.store.pool(), &sample)).await;
        q_per.push(t / q_n as u32);
    }
    let q = median(q_per);
    Ok(Row::ratio_at_most(
        format!(
            "warm bulk read of {0} / ({0} × Q), Q = {1}",
            sizes.bulk,
            human(q)
        ),
        secs(median(warm)) / (sizes.bulk as f64 * secs(q)),
        0.25,
    ))
}

/// A single read with a warm key against one raw point select (Q) and one committed
/// single-row insert (W): a read writes its audit entry before handing the value out.
pub async fn single_read(bulk: &Bulk, envelope: &str, sizes: &Sizes) -> Res<Row> {
    let mut rng = rand::rng();
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let sample: Vec<&str> = (0..sizes.ops)
            .map(|_| pick(&bulk.tokens, &mut rng))
            .collect();
        let (t, r) = time(async {
            for t in &sample {
                bulk.store.token_read(t, &bulk.password).await?;
            }
            Ok::<_, vaultstore::Error>(())
        })
        .await;
        r?;
        ours.push(t / sizes.ops as u32);
        let rows = raw_rows(&format!("read-{round}"), envelope, sizes.ops);
        let (t, _) = time(async {
            point_selects(bulk.store.pool(), &sample).await;
            for r in &rows {
                rulers::insert_one(bulk.store.pool(), "bench_main", r).await?;
            }
            Ok::<_, sqlx::Error>(())
        })
        .await;
        raw.push(t / sizes.ops as u32);
    }
    Ok(Row::ratio_at_most(
        format!(
            "single read, warm key, audited / (Q + W) ({} / {})",
            human(median(ours.clone())),
            human(median(raw.clone()))
        ),
        secs(median(ours)) / secs(median(raw)),
        1.3,
    ))
}

/// Q, `tokens.len()` times over: raw point selects on the bulk table.
async fn point_selects(pool: &DbPool, tokens: &[&str]) {
    for t in tokens {
        let _ = rulers::point_select(pool, "bench_main", t).await;
    }
}

/// A stored envelope, reused as the value of raw rows.
pub async fn some_envelope(bulk: &Bulk) -> Res<String> {
    Ok(bulk
        .store
        .record_find_by_token(&bulk.tokens[0])
        .await?
        .map(|r| r.envelope)
        .unwrap_or_default())
}

/// `n` prepared raw rows with ids `{prefix}-{i}`.
fn raw_rows(prefix: &str, envelope: &str, n: usize) -> Vec<RawRow> {
    (0..n)
        .map(|i| RawRow {
            id: format!("{prefix}-{i}"),
            token: vaultstore::token::generate(32).unwrap_or_default(),
            value: envelope.to_owned(),
            created_at: "2026-01-01T00:00:00.000000Z".into(),
            expires_at: None,
            data: "{}".into(),
        })
        .collect()
}

/// A single create (with its audit entry, in one transaction) against two raw inserts
/// of prepared rows committed together (W2).
pub async fn single_create(bulk: &Bulk, envelope: &str, sizes: &Sizes) -> Res<Row> {
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    let value = SecretValue::new("a freshly created secret value");
    for round in 0..ROUNDS {
        let (t, r) = time(async {
            for _ in 0..sizes.ops {
                bulk.store
                    .token_create(&value, &bulk.password, CreateOptions::default())
                    .await?;
            }
            Ok::<_, vaultstore::Error>(())
        })
        .await;
        r?;
        ours.push(t / sizes.ops as u32);
        let rows = raw_rows(&format!("raw-{round}"), envelope, 2 * sizes.ops);
        let (t, _) = time(async {
            for pair in rows.chunks(2) {
                rulers::insert_two(bulk.store.pool(), "bench_main", &pair[0], &pair[1]).await?;
            }
            Ok::<_, sqlx::Error>(())
        })
        .await;
        raw.push(t / sizes.ops as u32);
    }
    Ok(Row::ratio_at_most(
        format!(
            "single create, audited / W2 ({} / {})",
            human(median(ours.clone())),
            human(median(raw.clone()))
        ),
        secs(median(ours)) / secs(median(raw)),
        1.3,
    ))
}

/// Change password over `sizes.change` records against the seed path opening each value
/// (two derivations each): how many derivations it takes, how long, and how much memory
/// it grows by. `store` holds the records under `password(1)`; they end there too.
pub async fn change_password(
    store: &Store,
    seed: &SeedPath,
    params: KdfParams,
    sizes: &Sizes,
) -> Res<Vec<Row>> {
    let rss0 = crate::memory::rss_kib().unwrap_or(0);
    let can_peak = crate::memory::reset_peak();
    let (mut seeded, mut ours, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    let mut derivations = 0;
    let mut growth = 0;
    let now = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    for round in 0..ROUNDS {
        let (t, _) = time(async {
            seed.open_once().await;
            seed.open_once().await;
        })
        .await;
        seeded.push(t);
        let (from, to) = if round % 2 == 0 { (1, 2) } else { (2, 1) };
        store.lock();
        let d = store.kdf_derivations();
        ours.push(move_all(store, from, to, sizes.change).await?);
        if round == 0 {
            derivations = store.kdf_derivations() - d;
            growth = crate::memory::peak_kib().unwrap_or(0).saturating_sub(rss0);
        }
        let (t, r) = time(rulers::rewrite_values(store.pool(), "bench_chg", &now)).await;
        check_count("the raw rewrite", r?, sizes.change)?;
        raw.push(t);
    }
    Ok(vec![
        Row::new(
            format!(
                "Argon2 derivations, change password over {} records (1 salt)",
                sizes.change
            ),
            derivations.to_string(),
            "<= 2 per salt",
            derivations <= 2,
        ),
        Row::ratio_at_least(
            format!(
                "change password over {} records, seed path / ours ({})",
                sizes.change,
                human(median(ours.clone()))
            ),
            sizes.change as f64 * secs(median(seeded)) / secs(median(ours.clone())),
            10_000.0,
        ),
        Row::ratio_at_most(
            format!(
                "change password over {} records / raw rewrite of every value ({} / {}, rolled back)",
                sizes.change,
                human(median(ours.clone())),
                human(median(raw.clone()))
            ),
            secs(median(ours)) / secs(median(raw)),
            1.5,
        ),
        memory_growth(can_peak.then_some(growth), params),
    ])
}

/// Bulk renew by a filter matching all `sizes.change` records, and its undo, each
/// against a raw `UPDATE … WHERE` with the same predicate (on SQLite the faster of the
/// planned statement and a table scan), alternating in each round.
pub async fn bulk_renew_and_undo(store: &Store, table: &str, sizes: &Sizes) -> Res<Vec<Row>> {
    let query = RecordQuery::new().token_prefix("tk_");
    let (mut renew, mut undo, mut raw) = (Vec::new(), Vec::new(), Vec::new());
    let mut scan = Vec::new();
    let base = chrono::Utc::now();
    for round in 0..ROUNDS {
        // A new expiry each time, so every statement changes every record.
        let at = |k: i64| base + chrono::Duration::days(1 + 3 * round as i64 + k);
        let action = BulkAction::Renew(RenewTo::At(at(0)));
        let (t, r) = time(store.bulk_apply(&query, &action, |_| {}, &Cancel::new())).await;
        check_count("bulk renew", r?.changed, sizes.change)?;
        renew.push(t);
        let (t, r) = time(store.undo_last(|_| {}, &Cancel::new())).await;
        let restored = r?.map_or(0, |u| u.restored);
        check_count("undo", restored, sizes.change)?;
        undo.push(t);
        let expiry = at(1).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
        let (t, r) = time(rulers::update_expiry_by_prefix(
            store.pool(),
            table,
            "tk_",
            &expiry,
        ))
        .await;
        check_count("raw update", r?, sizes.change)?;
        raw.push(t);
        if matches!(store.pool(), DbPool::Sqlite(_)) {
            let expiry = at(2).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
            let (t, r) = time(rulers::update_expiry_by_scan(
                store.pool(),
                table,
                "tk_",
                &expiry,
            ))
            .await;
            check_count("raw update by scan", r?, sizes.change)?;
            scan.push(t);
        }
    }
    // The ruler is the faster raw statement: on SQLite the planner walks the token
    // index in random row order for a prefix every row matches, which a hand-tuned
    // `NOT INDEXED` avoids; the store must be measured against the better of the two.
    let planned = median(raw);
    let (ruler, how) = match (scan.is_empty(), median(scan.clone())) {
        (false, by_scan) if by_scan < planned => (by_scan, "the table scan"),
        _ => (planned, "as planned"),
    };
    let rulers = if scan.is_empty() {
        human(planned)
    } else {
        format!(
            "{} as planned, {} NOT INDEXED; {how} is the ruler",
            human(planned),
            human(median(scan))
        )
    };
    let ruler = secs(ruler);
    Ok(vec![
        Row::ratio_at_most(
            format!(
                "bulk renew of {} records by filter ({}) / raw UPDATE ({rulers})",
                sizes.change,
                human(median(renew.clone())),
            ),
            secs(median(renew)) / ruler,
            1.5,
        ),
        Row::ratio_at_most(
            format!(
                "undo of that renew ({}) / raw UPDATE",
                human(median(undo.clone()))
            ),
            secs(median(undo)) / ruler,
            1.5,
        ),
    ])
}

fn check_count(what: &str, got: u64, want: usize) -> Res {
    if got == want as u64 {
        Ok(())
    } else {
        Err(format!("{what} changed {got} records, expected {want}").into())
    }
}

/// Changes the password of all `n` records from `password(from)` to `password(to)`;
/// returns how long it took.
async fn move_all(store: &Store, from: u32, to: u32, n: usize) -> Res<Duration> {
    let (t, r) = time(store.change_password(
        &crate::password(from),
        &crate::password(to),
        |_| {},
        &Cancel::new(),
    ))
    .await;
    let moved = r?;
    if moved as usize != n {
        return Err(format!("change password moved {moved} of {n} records").into());
    }
    Ok(t)
}

/// Peak memory growth in KiB (`None` where the platform cannot reset the peak) against
/// the KDF's own memory.
fn memory_growth(growth: Option<u64>, params: KdfParams) -> Row {
    let kdf_bytes = u64::from(params.memory_kib());
    match growth {
        Some(growth) => Row::ratio_at_most(
            format!(
                "peak memory growth in change password / KDF memory ({} MiB)",
                growth / 1024
            ),
            growth as f64 / kdf_bytes as f64,
            3.0,
        ),
        None => Row::new(
            "peak memory growth in change password",
            "n/a".into(),
            "<= 3",
            false,
        ),
    }
}

/// The same `sizes.import` records twice over: as raw rows for a batched insert, and as
/// a bundle for our import.
pub struct ImportInput {
    raw_rows: Vec<RawRow>,
    bundle: Vec<u8>,
}

impl ImportInput {
    /// Exported from `store` (the change-password table).
    pub async fn export_from(store: &Store, sizes: &Sizes) -> Res<Self> {
        let (bundle_bytes, _) = store
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
        let bundle = if sizes.import < records.len() {
            vaultstore::transfer::bundle::encode(
                records[..sizes.import].to_vec(),
                chrono::Utc::now(),
            )?
        } else {
            bundle_bytes
        };
        Ok(Self { raw_rows, bundle })
    }
}

/// Import against a raw batched insert of the same rows, each into a fresh table.
pub async fn import_vs_raw_insert(url: &str, input: &ImportInput, sizes: &Sizes) -> Res<Row> {
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    let mut ruler = "";
    for round in 0..ROUNDS {
        let a = format!("imp_raw_{round}");
        let b = format!("imp_ours_{round}");
        crate::drop_vaults(url, &[&a, &b]).await?;
        let raw_store = open(url, &a).await?;
        let (t, r) = time(rulers::fastest_insert(
            raw_store.pool(),
            &a,
            &input.raw_rows,
        ))
        .await;
        ruler = r?;
        raw.push(t);
        raw_store.close().await;
        crate::drop_vaults(url, &[&a]).await?;
        let dest = open(url, &b).await?;
        let (t, r) = time(dest.import_bundle(
            &input.bundle,
            ImportOptions::default(),
            |_| {},
            &Cancel::new(),
        ))
        .await;
        r?;
        ours.push(t);
        dest.close().await;
        crate::drop_vaults(url, &[&b]).await?;
    }
    Ok(Row::ratio_at_most(
        format!(
            "import of {} records / {ruler} ({} / {})",
            sizes.import,
            human(median(ours.clone())),
            human(median(raw.clone()))
        ),
        secs(median(ours)) / secs(median(raw)),
        1.3,
    ))
}

/// Fills the big table `bench_big` with `sizes.big` raw rows: a third never expiring, a
/// third live, a third expired, created 30 s apart; half tagged `prod`, half `dev`, each
/// also in one of 8 teams (for the query-language row).
pub async fn fill_big(big: &Store, envelope: &str, sizes: &Sizes) -> Res {
    let mut rng = rand::rng();
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
            value: envelope.to_owned(),
            created_at: ts(created),
            expires_at: expires.map(ts),
            data: format!(
                "{{\"label\":\"record {i}\",\"tags\":[\"team-{}\",\"{}\"]}}",
                i % 8,
                if i % 2 == 0 { "prod" } else { "dev" }
            ),
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
    Ok(())
}

/// The query-language text of the field-prefix row: about a third of the rows match.
const FIELD_QUERY: &str = "tag:prod is:active";

/// `n` live records that never expire, inserted raw into `table` (an envelope that
/// opens is not needed to change expiries).
pub async fn fill_raw(store: &Store, table: &str, n: usize) -> Res {
    let now = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    let mut rng = rand::rng();
    let rows: Vec<RawRow> = (0..n)
        .map(|i| {
            Ok(RawRow {
                id: format!("{:016x}{i:016x}", rng.random::<u64>()),
                token: vaultstore::token::generate(32)?,
                value: format!("v3:{:0>160}", i),
                created_at: now.clone(),
                expires_at: None,
                data: format!("{{\"label\":\"record {i}\"}}"),
            })
        })
        .collect::<vaultstore::Result<_>>()?;
    for chunk in rows.chunks(10_000) {
        rulers::insert(store.pool(), table, chunk, 200).await?;
    }
    Ok(())
}

/// Listing on the big table against a raw unfiltered first page (P0): a filtered first
/// page, a page in the middle, a filtered count, a parsed field-prefix query's first page.
pub async fn paging(big: &Store, sizes: &Sizes) -> Res<Vec<Row>> {
    let filtered = RecordQuery::new()
        .token_prefix(PREFIX)
        .expiry(ExpiryFilter::Active)
        .limit(50);
    let plain = RecordQuery::new().limit(50);
    let fields = RecordQuery::parse(FIELD_QUERY)?.limit(50);
    let middle_id = rulers::row_at(big.pool(), "bench_big", (sizes.big / 2) as i64).await?;
    let middle = big
        .record_find_by_id(&middle_id)
        .await?
        .ok_or("middle row missing")?;
    let middle_page = plain.clone().after(plain.cursor_after(&middle));
    let reps = 20u32;
    let (mut p0, mut first, mut mid, mut count) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut field = Vec::new();
    for _ in 0..ROUNDS {
        let (t, _) = time(async {
            for _ in 0..reps {
                let _ = rulers::first_page(big.pool(), "bench_big").await;
            }
        })
        .await;
        p0.push(t / reps);
        first.push(repeat(reps, || big.records_list(&filtered)).await?);
        mid.push(repeat(reps, || big.records_list(&middle_page)).await?);
        count.push(repeat(reps, || big.records_count(&filtered)).await?);
        field.push(repeat(reps, || big.records_list(&fields)).await?);
    }
    let p0 = median(p0);
    Ok(vec![
        Row::ratio_at_most(
            format!(
                "filtered first page ({PREFIX}… + active) on {} rows / P0 (P0 = {})",
                sizes.big,
                human(p0)
            ),
            secs(median(first)) / secs(p0),
            10.0,
        ),
        Row::ratio_at_most(
            format!("page in the middle of {} rows / P0", sizes.big),
            secs(median(mid)) / secs(p0),
            3.0,
        ),
        Row::ratio_at_most(
            format!(
                "filtered count ({PREFIX}… + active) on {} rows / P0",
                sizes.big
            ),
            secs(median(count)) / secs(p0),
            10.0,
        ),
        Row::ratio_at_most(
            format!(
                "field-prefix query ({FIELD_QUERY}) first page on {} rows / P0",
                sizes.big
            ),
            secs(median(field)) / secs(p0),
            10.0,
        ),
    ])
}

/// The mean time of `reps` sequential runs of a store call.
async fn repeat<F, Fut, T>(reps: u32, call: F) -> vaultstore::Result<Duration>
where
    F: Fn() -> Fut,
    Fut: Future<Output = vaultstore::Result<T>>,
{
    let (t, r) = time(async {
        for _ in 0..reps {
            call().await?;
        }
        Ok::<_, vaultstore::Error>(())
    })
    .await;
    r?;
    Ok(t / reps)
}

/// A value update through the store on a vault whose triggers keep history, against the
/// same on a vault without them (dropped for the benchmark): what keeping every
/// overwritten value costs a single update. Both write their audit entries.
pub async fn update_with_history(url: &str, sizes: &Sizes) -> Res<Row> {
    let password = crate::password(1);
    let mut stores = Vec::new();
    for table in ["bench_hist", "bench_nohist"] {
        let store = open(url, table).await?;
        let tokens = fill(&store, sizes.ops, &password, table).await?;
        stores.push((store, tokens));
    }
    rulers::drop_history_trigger(stores[1].0.pool(), "bench_nohist").await?;
    let value = SecretValue::new("an updated secret value");
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        for (i, (store, tokens)) in stores.iter().enumerate() {
            let (t, r) = time(async {
                for t in tokens {
                    store.token_update(t, &value, &password).await?;
                }
                Ok::<_, vaultstore::Error>(())
            })
            .await;
            r?;
            let per = t / sizes.ops as u32;
            if i == 0 {
                with.push(per)
            } else {
                without.push(per)
            }
        }
    }
    for (store, _) in stores {
        store.close().await;
    }
    Ok(Row::ratio_at_most(
        format!(
            "update with history / update without ({} / {})",
            human(median(with.clone())),
            human(median(without.clone()))
        ),
        secs(median(with)) / secs(median(without)),
        1.3,
    ))
}
