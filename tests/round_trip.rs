//! Round-trip property: for random vault contents in every state (live, expired, trashed,
//! unreadable Go v1 values, Go v2 values, unicode metadata), export → import into an
//! empty vault of each backend gives back every record byte for byte.
//!
//! `VAULTSTORE_ROUND_TRIP_CASES` sets the number of random vaults (default 3; `make
//! stress` runs more); `VAULTSTORE_ROUND_TRIP_SEED` replays one seed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod common;

use chrono::Duration;
use common::{Backend, Ctx, all_records as records, export_all as export};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use vaultstore::transfer::ImportOptions;
use vaultstore::transfer::bundle;
use vaultstore::{Cancel, CreateOptions, Metadata, Password, SecretValue};

/// Characters from several scripts, with emoji, combining marks, RTL text, quotes,
/// backslashes and control characters (never U+0000, which no backend can search).
fn random_text(rng: &mut StdRng, max: usize) -> String {
    const POOLS: &[&str] = &[
        "abcXYZ019 _-.",
        "äöüßÄÖÜéèêçñ",
        "日本語中文한국어",
        "🌍🔑✓👩‍💻",
        "\u{0301}\u{200d}\u{202e}عربى",
        "\"\\'/<>&{}[]",
        "\u{1}\t\n\r\u{7f}",
    ];
    let len = rng.random_range(1..=max);
    (0..len)
        .map(|_| {
            let pool: Vec<char> = POOLS[rng.random_range(0..POOLS.len())].chars().collect();
            pool[rng.random_range(0..pool.len())]
        })
        .collect()
}

fn random_metadata(rng: &mut StdRng) -> Metadata {
    let mut m = Metadata::default();
    if rng.random_bool(0.8) {
        m.label = Some(random_text(rng, 40));
    }
    if rng.random_bool(0.5) {
        m.notes = Some(random_text(rng, 200));
    }
    for _ in 0..rng.random_range(0..3) {
        let tag = format!("t{}", random_text(rng, 10));
        if !m.tags.contains(&tag) {
            m.tags.push(tag);
        }
    }
    for key in ["url", "username"] {
        if rng.random_bool(0.3) {
            m.extra.insert(key.into(), random_text(rng, 30).into());
        }
    }
    m
}

/// Fills `ctx`'s vault with random records; returns how many.
async fn fill(ctx: &Ctx, rng: &mut StdRng) -> usize {
    let s = &ctx.store;
    let passwords: Vec<Password> = (0..3)
        .map(|i| Password::new(format!("round-trip-password-{i}")))
        .collect();
    let n = rng.random_range(5..30);
    for i in 0..n {
        let token = format!("tk_rt_{i:03}");
        let expires_at = match rng.random_range(0..3) {
            0 => None,
            1 => Some(common::t0() - Duration::hours(rng.random_range(1..10_000))),
            _ => Some(common::t0() + Duration::minutes(rng.random_range(1..1_000_000))),
        };
        let options = CreateOptions {
            token: Some(token.clone()),
            expires_at,
            metadata: random_metadata(rng),
            ..CreateOptions::default()
        };
        let value = SecretValue::new(random_text(rng, 100));
        let pw = &passwords[rng.random_range(0..passwords.len())];
        s.token_create(&value, pw, options).await.unwrap();
        if rng.random_bool(0.25) {
            s.token_soft_delete(&token).await.unwrap();
        }
        ctx.clock
            .advance(Duration::milliseconds(rng.random_range(1..5_000)));
    }
    // One value of the Go library's v1 (unreadable) and one of its v2 format.
    let vectors: serde_json::Value =
        serde_json::from_str(include_str!("vectors/go-v2.json")).unwrap();
    let v2 = vectors["vectors"][0]["envelope"].as_str().unwrap();
    ctx.exec(&format!(
        "INSERT INTO vault (id, token, value, password_hash, created_at, updated_at, expires_at, soft_deleted_at, data) VALUES \
         ('idgo1', 'tk_go_v1', 'bGVnYWN5', NULL, '2020-01-01T00:00:00.000000Z', '2020-01-01T00:00:00.000000Z', NULL, NULL, '{{\"unreadable\":\"legacy v1 value from the Go library\"}}'), \
         ('idgo2', 'tk_go_v2', '{v2}', NULL, '2020-01-02T00:00:00.000000Z', '2020-01-02T00:00:00.000000Z', '2020-06-01T00:00:00.000000Z', NULL, '{{\"label\":\"from Go\"}}')"
    ))
    .await;
    n + 2
}

/// The records of a bundle as JSON text: ids, tokens, values, times and metadata bytes.
fn bundle_records_text(bytes: &[u8]) -> String {
    serde_json::to_string(&bundle::decode(bytes).unwrap()).unwrap()
}

async fn one_case(seed: u64) {
    eprintln!("round trip seed {seed} (VAULTSTORE_ROUND_TRIP_SEED={seed} replays it)");
    let mut rng = StdRng::seed_from_u64(seed);
    let Some(source) = Ctx::new(Backend::Sqlite, "round_trip source").await else {
        return;
    };
    let n = fill(&source, &mut rng).await;
    let before = records(&source.store).await;
    assert_eq!(before.len(), n);
    let bytes = export(&source.store).await;
    for backend in [Backend::Sqlite, Backend::Postgres, Backend::MySql] {
        let Some(target) = Ctx::new(backend, "round_trip target").await else {
            continue;
        };
        // The source holds a Go v2 value, which a new vault takes only when told to.
        let v2_accepted = ImportOptions {
            accept_v2: true,
            ..ImportOptions::default()
        };
        let report = target
            .store
            .import_bundle(&bytes, v2_accepted, |_| {}, &Cancel::new())
            .await
            .unwrap();
        assert_eq!(report.created, n as u64, "seed {seed} on {backend:?}");
        assert_eq!(
            records(&target.store).await,
            before,
            "seed {seed}: every record back on {backend:?}"
        );
        assert_eq!(
            bundle_records_text(&export(&target.store).await),
            bundle_records_text(&bytes),
            "seed {seed}: the re-export from {backend:?} is byte for byte the same"
        );
        target.cleanup().await;
    }
    source.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_vaults_round_trip_through_every_backend() {
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u64>().ok());
    if let Some(seed) = env("VAULTSTORE_ROUND_TRIP_SEED") {
        return one_case(seed).await;
    }
    let cases = env("VAULTSTORE_ROUND_TRIP_CASES").unwrap_or(3);
    let base: u64 = rand::random();
    for i in 0..cases {
        one_case(base.wrapping_add(i)).await;
    }
}
