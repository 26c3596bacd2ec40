//! `make bench-app`: the release window on a vault of 1,000,000 records, each step timed
//! inside the page (`performance.now()` from the action to the rows drawn), not by
//! WebDriver round trips. A benchmark, not a test: ignored by `make test`, and the goals
//! are printed beside the figures, not asserted. `VAULTSTORE_BENCH_APP_ROWS` sets the size;
//! `VAULTSTORE_BENCH_APP_DB=postgres` puts the vault in a database of its own on the test
//! PostgreSQL server (`VAULTSTORE_TEST_POSTGRES_URL`'s, default
//! `postgres://postgres@127.0.0.1:5432/test`), created and dropped with `psql`;
//! `VAULTSTORE_BENCH_APP_KEEP=1` keeps it (`vaultstore_bench_app_<rows>`) for the next
//! run, which then skips the seeding (minutes at 1,000,000 records).

use std::time::Instant;

use serde_json::Value;

use crate::PASSWORD;
use crate::desktop::Desktop;
use crate::library::fill_vault_in;
use crate::memory::{app_pid, web_process_pid};
use crate::ui::Ui;

/// A script for WebDriver's execute-async: runs `act`, then answers the milliseconds
/// (performance.now) until `cond` holds when a frame is drawn, or after 25 s (before
/// WebDriver gives up) what the page shows instead. The code is spliced in, not
/// evaluated: the page's CSP forbids eval.
fn timing_script(act: &str, cond: &str) -> String {
    format!(
        "const done = arguments[arguments.length - 1];
         const t0 = performance.now();
         {{ {act} }}
         let frames = 0;
         const rows = () => [...document.querySelectorAll('#records tbody tr')];
         const giveUp = setTimeout(() => done({{
           frames,
           visible: document.visibilityState,
           total: document.getElementById('total').textContent,
           error: document.getElementById('list-error').textContent,
           scrollTop: document.querySelector('main').scrollTop,
           rows: rows().length,
           placeholders: rows().filter((r) => r.classList.contains('placeholder')).length,
           first: rows().slice(0, 2).map((r) => [r.dataset.index, r.querySelector('td.label')?.textContent]),
         }}), 25000);
         const look = () => {{
           frames++;
           if ({cond}) {{ clearTimeout(giveUp); done(performance.now() - t0); }}
           else requestAnimationFrame(look);
         }};
         look();"
    )
}

/// The rows drawn are loaded (no placeholder) and one is labelled `label`.
fn shows(label: &str) -> String {
    format!(
        "!document.querySelector('#records tbody tr.placeholder') && [...document.querySelectorAll('#records tbody td.label')].some(td => td.textContent === {})",
        serde_json::json!(label)
    )
}

const LOADED: &str = "document.querySelector('#records tbody tr') && !document.querySelector('#records tbody tr.placeholder')";

async fn timed(ui: &Ui, act: &str, cond: &str) -> f64 {
    let answer = ui.js_async(&timing_script(act, cond), vec![]).await;
    answer
        .as_f64()
        .unwrap_or_else(|| panic!("timed out: {act} until {cond}; the page shows {answer}"))
}

/// The resident memory of the app's web process (WebKit renders the page there), in MiB.
fn web_process_rss_mib(app: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", web_process_pid(app))).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024.0
}

fn dom_rows(ui_rows: &Value) -> u64 {
    ui_rows.as_u64().unwrap()
}

/// A PostgreSQL database of the benchmark's own (the app's table is always `vault`),
/// dropped when this is.
struct PgVault {
    server: String,
    name: String,
    keep: bool,
}

impl PgVault {
    fn psql(server: &str, sql: &str) {
        let status = std::process::Command::new("psql")
            .args([server, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .status()
            .expect("psql (the PostgreSQL client) to manage the benchmark's database");
        assert!(status.success(), "psql {sql}");
    }

    /// The benchmark's database, and whether it holds a vault seeded by an earlier run.
    fn create(rows: usize) -> (Self, bool) {
        let server = std::env::var("VAULTSTORE_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let keep = std::env::var("VAULTSTORE_BENCH_APP_KEEP").is_ok_and(|v| v == "1");
        let name = if keep {
            format!("vaultstore_bench_app_{rows}")
        } else {
            format!("vaultstore_bench_app_{}", std::process::id())
        };
        let vault = Self { server, name, keep };
        if keep && vault.holds_vault() {
            return (vault, true);
        }
        Self::psql(
            &vault.server,
            &format!("DROP DATABASE IF EXISTS {}", vault.name),
        );
        Self::psql(&vault.server, &format!("CREATE DATABASE {}", vault.name));
        (vault, false)
    }

    /// Whether the database exists with a vault table in it (a kept run's).
    fn holds_vault(&self) -> bool {
        std::process::Command::new("psql")
            .args([&self.url(), "-qtA", "-c", "SELECT 1 FROM vault LIMIT 1"])
            .output()
            .is_ok_and(|o| o.status.success() && o.stdout.starts_with(b"1"))
    }

    /// The new database's URL: the server's with its database name replaced.
    fn url(&self) -> String {
        let (base, _) = self.server.rsplit_once('/').expect("a URL with a database");
        format!("{base}/{}", self.name)
    }
}

impl Drop for PgVault {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        Self::psql(
            &self.server,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark of the release window: make bench-app"]
async fn bench_app() {
    let rows: usize = std::env::var("VAULTSTORE_BENCH_APP_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let (pg, seeded) = match std::env::var("VAULTSTORE_BENCH_APP_DB").as_deref() {
        Ok("postgres") => {
            let (vault, seeded) = PgVault::create(rows);
            (Some(vault), seeded)
        }
        Ok("sqlite") | Err(_) => (None, false),
        Ok(other) => panic!("VAULTSTORE_BENCH_APP_DB={other}: use sqlite or postgres"),
    };
    let pg_url = pg.as_ref().map(PgVault::url);
    let env: Vec<(&str, &str)> = pg_url
        .iter()
        .map(|u| ("VAULTSTORE_DB", u.as_str()))
        .collect();
    let Some(desktop) = Desktop::start_with(&env).await else {
        return;
    };
    let url = pg_url.clone().unwrap_or_else(|| desktop.db_url());
    let backend = if pg.is_some() { "PostgreSQL" } else { "SQLite" };
    if !seeded {
        let start = Instant::now();
        fill_vault_in(&url, rows, 100_000).await;
        eprintln!("seeded {rows} records in {:.1?}", start.elapsed());
    }

    let launched = Instant::now();
    let window = desktop.open_window().await;
    window
        .until_within("the first rows", LOADED, std::time::Duration::from_secs(60))
        .await;
    let wall = launched.elapsed().as_secs_f64();
    // The page marks its first rows drawn (records-table.js), from the page's time origin.
    let first = window
        .js("return performance.getEntriesByName('vaultstore:first-rows')[0]?.startTime ?? -1;")
        .await
        .as_f64()
        .unwrap();
    window
        .until_within(
            "the total",
            &format!(
                "document.getElementById('total').textContent === '{} records'",
                rows + 1
            ),
            std::time::Duration::from_secs(60),
        )
        .await;

    let needle = format!("record {}", rows - 1);
    let search = timed(
        &window,
        &format!("const s = document.getElementById('search'); s.value = {}; s.dispatchEvent(new Event('input'));", serde_json::json!(needle)),
        &format!("{} && document.querySelectorAll('#records tbody tr').length === 1", shows(&needle)),
    )
    .await;
    let cleared = timed(
        &window,
        "const s = document.getElementById('search'); s.value = ''; s.dispatchEvent(new Event('input'));",
        &format!(
            "{LOADED} && document.querySelectorAll('#records tbody tr').length > 1 && document.getElementById('total').textContent === '{} records'",
            rows + 1
        ),
    )
    .await;

    let scroll = "const m = document.querySelector('main');";
    let middle = timed(
        &window,
        &format!("{scroll} m.scrollTop = (m.scrollHeight - m.clientHeight) / 2;"),
        &format!("{LOADED} && [...document.querySelectorAll('#records tbody td.label')].some(td => Math.abs(Number(td.textContent.slice(7)) - {}) < 2000)", rows / 2),
    )
    .await;
    let end = timed(
        &window,
        "const t = document.getElementById('records'); t.focus(); t.dispatchEvent(new KeyboardEvent('keydown', { key: 'End', bubbles: true }));",
        &shows("record 0"),
    )
    .await;
    let home = timed(
        &window,
        "const t = document.getElementById('records'); t.focus(); t.dispatchEvent(new KeyboardEvent('keydown', { key: 'Home', bubbles: true }));",
        &format!("{LOADED} && document.querySelector('#records tbody tr[data-index=\"0\"]')"),
    )
    .await;

    // Reveal: the one real record (the newest, first row) with its password.
    window
        .js("document.querySelector('#records tbody tr[data-index=\"0\"] td.token').click();")
        .await;
    window.until_dialog_open("record-dialog").await;
    window
        .fill("#record-dialog input[name=password]", PASSWORD)
        .await;
    let reveal = timed(
        &window,
        "document.querySelector('#record-dialog [data-action=open]').click();",
        "!document.querySelector('#record-dialog [data-role=value]').hidden",
    )
    .await;
    window
        .js("document.getElementById('record-dialog').close();")
        .await;

    // The harness's own share of the web process's growth: as many timed scripts as the
    // scroll below runs, scrolling nothing.
    let app = app_pid(&url);
    let rss_before_scripts = web_process_rss_mib(app);
    for _ in 0..1000 {
        timed(&window, "", LOADED).await;
    }
    let rss_after_scripts = web_process_rss_mib(app);

    // 20,000 rows scrolled, a screen at a time as a wheel would, each screen drawn.
    let step = |to: u64| {
        format!(
            "{scroll} const t = document.getElementById('records'); const h = t.tBodies[0].rows[0].getBoundingClientRect().height; m.scrollTop = {to} * h;"
        )
    };
    timed(&window, &step(100), LOADED).await;
    let rows_at_100 = dom_rows(
        &window
            .js("return document.querySelectorAll('#records tbody tr').length;")
            .await,
    );
    let rss_at_100 = web_process_rss_mib(app);
    let mut scrolled = 100;
    let started = Instant::now();
    while scrolled < 20_100 {
        scrolled += 20;
        timed(&window, &step(scrolled), LOADED).await;
    }
    let scroll_secs = started.elapsed().as_secs_f64();
    let rows_at_20k = dom_rows(
        &window
            .js("return document.querySelectorAll('#records tbody tr').length;")
            .await,
    );
    let nodes = window
        .js("return document.getElementsByTagName('*').length;")
        .await;
    let rss_at_20k = web_process_rss_mib(app);

    let ok = |v: bool| if v { "yes" } else { "NO" };
    let build = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    println!("\nThe window on {rows} records ({build} build, {backend}), timed inside the page:\n");
    println!("| step | measured | goal | met |");
    println!("|---|---|---|---|");
    println!(
        "| first rows drawn after launch (page clock; wall clock from session start {wall:.2} s) | {:.0} ms | < 1 s | {} |",
        first,
        ok((0.0..1000.0).contains(&first))
    );
    println!(
        "| search keystroke → the matching row (incl. the 200 ms debounce) | {search:.0} ms ({:.0} ms after the debounce) | < 150 ms after the debounce | {} |",
        search - 200.0,
        ok(search - 200.0 < 150.0)
    );
    println!("| search cleared → rows again (incl. the debounce) | {cleared:.0} ms | | |");
    println!(
        "| scroll to the middle → rows shown | {middle:.0} ms | < 300 ms | {} |",
        ok(middle < 300.0)
    );
    println!(
        "| End → last rows shown | {end:.0} ms | < 300 ms | {} |",
        ok(end < 300.0)
    );
    println!(
        "| Home → first rows shown | {home:.0} ms | < 300 ms | {} |",
        ok(home < 300.0)
    );
    println!("| reveal → value shown (one Argon2id derivation) | {reveal:.0} ms | | |");
    let spread = (rows_at_20k as f64 - rows_at_100 as f64).abs() / rows_at_100 as f64 * 100.0;
    println!(
        "| DOM rows at row 100 → at row 20,000 | {rows_at_100} → {rows_at_20k} ({spread:.0} %; {nodes} elements in the page) | within ±10 % | {} |",
        ok(spread <= 10.0)
    );
    println!(
        "| web process RSS at row 100 → at row 20,000 | {rss_at_100:.0} → {rss_at_20k:.0} MiB (+{:.0}) | growth < 50 MiB | {} |",
        rss_at_20k - rss_at_100,
        ok(rss_at_20k - rss_at_100 < 50.0)
    );
    println!("| 20,000 rows scrolled, 20 at a time, each screen drawn | {scroll_secs:.1} s | | |");
    println!(
        "| control: web process RSS over 1,000 timed scripts, no scrolling | {rss_before_scripts:.0} → {rss_after_scripts:.0} MiB ({:+.0}) | | |",
        rss_after_scripts - rss_before_scripts
    );
    window.quit().await;
    drop(pg);
}
