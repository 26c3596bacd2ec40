//! The window itself: its content security policy, and staying usable on a large vault.

use std::time::Instant;

use serde_json::json;

use crate::desktop::Desktop;
use crate::library::fill_vault;
use crate::pages::Vault;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_runs_no_inline_script() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let window = desktop.open_window().await;
    let ran = window
        .js("const s = document.createElement('script'); s.textContent = 'window.__inlineRan = true'; document.body.append(s); return window.__inlineRan === true;")
        .await;
    assert_eq!(
        ran,
        json!(false),
        "inline script must be blocked by the CSP"
    );
    window.quit().await;
}

/// 100,000 records: the window opens on the first page and the total, pages load as the
/// table scrolls, and search finds one record. Timings are printed, not asserted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_stays_usable_with_100000_records() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let start = Instant::now();
    fill_vault(&desktop.db_url(), 100_000).await;
    eprintln!("filled 100,000 records in {:?}", start.elapsed());
    let start = Instant::now();
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.until_total("100001 records").await;
    eprintln!(
        "window open with the first page and the total after {:?}",
        start.elapsed()
    );
    assert_eq!(vault.rows().await.len(), 100, "one page of 100 rows");
    for page in 2..=6 {
        let start = Instant::now();
        vault.scroll_to_end().await;
        vault.until_row_count_at_least(page * 100).await;
        eprintln!("page {page} loaded by scrolling in {:?}", start.elapsed());
    }
    let start = Instant::now();
    vault.search("record 99999").await;
    vault.until_rows(&["record 99999"]).await;
    eprintln!(
        "search over 100,000 labels answered in {:?}",
        start.elapsed()
    );
    window.screenshot("large-vault.png").await;
    window.quit().await;
}
