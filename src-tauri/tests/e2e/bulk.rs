//! Bulk changes in the window: every record a filter matches renewed after a preview,
//! then undone from the keyboard; a tag chip and the tag list filter the list.

use chrono::Duration;
use serde_json::json;

use crate::desktop::Desktop;
use crate::library::{self, THREE, seed_three_records};
use crate::pages::Vault;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_renews_what_a_filter_matches_and_undoes_it() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let url = desktop.db_url();
    seed_three_records(&url).await;
    let before = library::expiries(&url).await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.until_rows(&THREE).await;

    // The query language in the search box: the two records expiring within 400 days.
    vault.search("expires:<400d").await;
    vault.until_rows(&["Production DB", "Legacy FTP"]).await;
    vault.select_all_matching().await;
    assert_eq!(
        vault.selection_text().await,
        json!("All 2 records matching the filter selected")
    );
    let renew = vault.bulk("renew").await;
    renew.until_summary("2 records will change").await;
    assert_eq!(
        renew.changes().await.as_array().map(Vec::len),
        Some(2),
        "the preview lists both, before and after"
    );
    window.screenshot("bulk-renew.png").await;
    renew.apply().await;
    window.expect_toast("Renewed 2 records.").await;
    let renewed = library::expiries(&url).await;
    for label in ["Production DB", "Legacy FTP"] {
        assert_eq!(
            renewed[label],
            before[label].map(|t| t + Duration::days(30)),
            "{label} is extended by the default 30 days"
        );
    }
    assert_eq!(
        renewed["GitHub token"], None,
        "the record the filter left out"
    );

    // Ctrl+Z: back exactly as they were.
    vault.undo_with_keyboard().await;
    window
        .expect_toast("Undone: 2 records back as they were.")
        .await;
    assert_eq!(library::expiries(&url).await, before);

    // A tag chip filters by its tag, added to the search.
    vault.clear_search().await;
    vault.until_rows(&THREE).await;
    vault.click_tag("prod").await;
    vault.until_rows(&["Production DB"]).await;
    assert_eq!(vault.search_text().await, json!("tag:prod"));

    // The tag list: the tags of what is listed, with counts; choosing one filters.
    vault.clear_search().await;
    vault.until_rows(&THREE).await;
    window
        .until(
            "the tag list of the three records",
            "document.querySelectorAll('#tag-list option').length === 4",
        )
        .await;
    assert_eq!(
        vault.tag_list().await,
        json!(["ci (1)", "db (1)", "prod (1)"])
    );
    vault.choose_tag("ci").await;
    vault.until_rows(&["GitHub token"]).await;

    // One record moved to the Trash from its dialog: Ctrl+Z brings it back too, long
    // after its toast is gone.
    vault.open_record("GitHub token").await.trash().await;
    vault.until_rows(&[]).await;
    window.clear_toasts().await;
    vault.undo_with_keyboard().await;
    window
        .expect_toast("Undone: 1 record back as it was.")
        .await;
    vault.until_rows(&["GitHub token"]).await;
    window.quit().await;
}

/// A tag holding a quote, a backslash or a space filters by its chip like any other:
/// the chip writes the term with the query language's escapes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_chip_filters_by_a_tag_with_quotes_backslashes_and_spaces() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let url = desktop.db_url();
    let awkward = r#"say "hi" \ now"#;
    library::seed_tagged(&url, "Quoted", &[awkward]).await;
    library::seed_tagged(&url, "Plain", &["say hi now"]).await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.until_rows(&["Plain", "Quoted"]).await;
    vault.click_tag(awkward).await;
    vault.until_rows(&["Quoted"]).await;
    assert_eq!(
        vault.search_text().await,
        json!(r#"tag:"say \"hi\" \\ now""#)
    );
    window.quit().await;
}
