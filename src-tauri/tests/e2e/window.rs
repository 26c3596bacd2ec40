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

/// 100,000 records: the window opens on the first rows and the total, a jump to the
/// middle or the end shows the rows there with the DOM no larger, and search finds one
/// record. Timings are printed, not asserted.
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
    let drawn = vault.rows().await.len();
    assert!(
        (10..100).contains(&drawn),
        "one screen of rows and a margin in the DOM, not a page of 100: {drawn}"
    );
    for (fraction, near) in [(0.5, 50_000), (1.0, 0), (0.25, 75_000)] {
        let start = Instant::now();
        vault.scroll_to_fraction(fraction).await;
        vault.until_shows_record_near(near, 2_000).await;
        eprintln!(
            "rows at {fraction} of the list shown in {:?}",
            start.elapsed()
        );
        assert_eq!(
            vault.rows().await.len(),
            drawn,
            "the DOM holds as many rows there"
        );
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
