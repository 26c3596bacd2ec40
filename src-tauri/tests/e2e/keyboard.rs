//! The records table from the keyboard, and a large vault that scrolls without growing
//! the page: one tab stop for the table, arrows, Home/End and PageDown move the row focus,
//! Enter opens, Space selects, Delete trashes (Ctrl+Z brings it back), Ctrl+C copies; a
//! change to one record redraws its row in place.

use serde_json::json;

use crate::PASSWORD;
use crate::desktop::Desktop;
use crate::library::{self, THREE, fill_vault, seed_three_records, seed_token};
use crate::pages::{Vault, keys};

/// The labels in the table's order (the default: newest first).
async fn labels_in_order(vault: &Vault<'_>) -> Vec<String> {
    vault.until_rows(&THREE).await;
    vault.rows().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arrow_keys_move_the_row_focus_and_enter_opens_the_focused_record() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    seed_three_records(&desktop.db_url()).await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    let order = labels_in_order(&vault).await;
    assert_eq!(
        vault.tab_stops().await,
        json!(1),
        "one tab stop for the whole table"
    );

    vault.tab_into_table().await;
    vault.until_focused(&order[0]).await;
    vault.press(keys::DOWN).await;
    vault.until_focused(&order[1]).await;
    vault.press(keys::DOWN).await;
    vault.press(keys::DOWN).await;
    vault.until_focused(&order[2]).await; // the last row stops the arrow
    vault.press(keys::UP).await;
    vault.until_focused(&order[1]).await;
    vault.press(keys::HOME).await;
    vault.until_focused(&order[0]).await;
    vault.press(keys::END).await;
    vault.until_focused(&order[2]).await;
    assert_eq!(
        vault.tab_stops().await,
        json!(1),
        "the tab stop moved with the focus"
    );

    let record = vault.open_focused().await;
    assert_eq!(
        record.title().await,
        json!(order[2]),
        "Enter opens the focused record"
    );
    vault.press(keys::ESCAPE).await;
    window.until_dialog_closed("record-dialog").await;
    vault.until_focused(&order[2]).await; // back where the keys left off

    // Tab leaves the table from its one stop (not row by row).
    vault.press(keys::TAB).await;
    assert!(!vault.focus_in_table().await, "Tab leaves the table");
    window.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn space_selects_rows_and_delete_moves_one_to_the_trash_until_ctrl_z() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let url = desktop.db_url();
    seed_three_records(&url).await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    let order = labels_in_order(&vault).await;
    vault.until_total("3 records").await;

    vault.tab_into_table().await;
    vault.press(keys::SPACE).await;
    window
        .until(
            "one row selected",
            "document.querySelector('#bulk-bar [data-role=count]').textContent === '1 selected'",
        )
        .await;
    vault.press(keys::DOWN).await;
    vault
        .press(&format!("{}{}{}", keys::SHIFT, keys::SPACE, keys::RELEASE))
        .await;
    window
        .until(
            "two rows selected",
            "document.querySelector('#bulk-bar [data-role=count]').textContent === '2 selected'",
        )
        .await;
    vault.press(keys::ESCAPE).await;
    window
        .until(
            "the selection cleared",
            "document.getElementById('bulk-bar').hidden",
        )
        .await;

    // Delete on the second row: to the Trash, the rows around it stay.
    vault.mark_row(&order[0]).await;
    let token = library::token_of(&url, &order[1]).await;
    vault.until_focused(&order[1]).await;
    vault.press(keys::DELETE).await;
    window
        .expect_toast(&format!("Moved {} to the Trash.", order[1]))
        .await;
    vault.until_rows(&[&order[0], &order[2]]).await;
    vault.until_total("2 records").await;
    assert!(
        library::trashed(&url, &token).await,
        "the record is in the Trash"
    );
    assert!(
        vault.marked_row_kept().await,
        "the other rows were not reloaded"
    );
    vault.until_focused(&order[2]).await; // the focus stays at that place in the list

    vault
        .press(&format!("{}z{}", keys::CTRL, keys::RELEASE))
        .await;
    window
        .expect_toast("Undone: 1 record back as it was.")
        .await;
    vault.until_rows(&THREE).await;
    assert!(
        !library::trashed(&url, &token).await,
        "Ctrl+Z brought it back"
    );
    window.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_copies_the_focused_record_asking_for_its_password_once() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    seed_three_records(&desktop.db_url()).await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    let order = labels_in_order(&vault).await;
    vault.tab_into_table().await;
    vault.until_focused(&order[0]).await;

    // Nothing opened yet this session: the record opens and asks for the password.
    vault
        .press(&format!("{}c{}", keys::CTRL, keys::RELEASE))
        .await;
    let record = vault.record_dialog().await;
    window
        .expect_toast("Type the password of this record, then copy it.")
        .await;
    record.reveal_with(PASSWORD).await;
    record.until_revealed().await;
    record.close().await;
    window.until_dialog_closed("record-dialog").await;
    vault.until_record_open(&order[0]).await;

    // Now the session's key opens it: Ctrl+C copies without a dialog.
    window.clear_toasts().await;
    vault.until_focused(&order[0]).await;
    vault
        .press(&format!("{}c{}", keys::CTRL, keys::RELEASE))
        .await;
    window
        .expect_toast("The clipboard is cleared in 30 s.")
        .await;
    assert!(
        !window.dialog_is_open("record-dialog").await,
        "no dialog for a copy with the session's key"
    );
    window.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reveal_and_an_edit_deep_in_the_list_keep_the_scroll_position_and_the_focus() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let url = desktop.db_url();
    fill_vault(&url, 1_000).await;
    // A record that opens, about 500 rows down in token order.
    seed_token(&url, "tk_bulk_0000500a", "the deep one").await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.until_total("1002 records").await;
    vault.sort_by("token").await;
    vault.until_rows_loaded().await;
    vault.tab_into_table().await;
    let label = "the deep one".to_owned();
    vault.arrow_to(&label).await;
    let scrolled = vault.scroll_top().await;
    assert!(
        scrolled > 10_000.0,
        "hundreds of rows down the list: {scrolled}"
    );
    let neighbour = {
        let rows = vault.rows().await;
        let at = rows.iter().position(|r| *r == label).unwrap();
        rows[at - 1].clone()
    };
    vault.mark_row(&neighbour).await;

    let record = vault.open_focused().await;
    record.reveal_with(PASSWORD).await;
    record.until_revealed().await;
    record.open_details().await;
    let renamed = format!("{label} (renamed)");
    record.fill_detail("label", &renamed).await;
    record.save_details().await;
    window.expect_toast("Details saved.").await;
    record.close().await;
    window.until_dialog_closed("record-dialog").await;

    vault.until_focused(&renamed).await;
    vault.until_record_open(&renamed).await;
    assert_eq!(
        vault.scroll_top().await,
        scrolled,
        "the scroll position stayed"
    );
    assert!(
        vault.marked_row_kept().await,
        "the rows around were not redrawn: no reload"
    );
    window.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_holds_about_one_screen_of_rows_however_far_one_scrolls() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    fill_vault(&desktop.db_url(), 5_000).await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.until_total("5001 records").await;
    vault.until_rows_loaded().await;
    let at_top = vault.dom_rows().await;
    assert!(
        (10..100).contains(&at_top),
        "one screen of rows and a margin, not a page of 100: {at_top}"
    );

    // The middle, by dragging the scrollbar: the rows there, not every row before them.
    vault.scroll_to_fraction(0.5).await;
    vault.until_shows_record_near(2_500, 200).await;
    let in_middle = vault.dom_rows().await;

    // End: the last record (the oldest), read from the far end.
    vault.tab_into_table().await;
    vault.press(keys::END).await;
    vault.until_focused("record 0").await;
    vault.until_rows_loaded().await;
    let at_end = vault.dom_rows().await;
    for (place, n) in [("middle", in_middle), ("end", at_end)] {
        let spread = (n as f64 - at_top as f64).abs() / at_top as f64;
        assert!(
            spread <= 0.1,
            "as many rows in the DOM at the {place} as at the top: {n} vs {at_top}"
        );
    }
    vault.press(keys::HOME).await;
    vault.until_focused("").await; // the newest record: the one made without a label
    window.quit().await;
}
