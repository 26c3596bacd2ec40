//! Keeping a vault tidy: the Trash says when each record went there and empties as
//! confirmed, or by itself after a set number of days; a banner says what expired or expires soon and lists those records; the
//! table's view and the window's size outlive a restart.

use std::time::Duration;

use serde_json::json;

use crate::desktop::Desktop;
use crate::library::{
    EXPIRING, LIVE, TRASHED, WriteLock, count_all, seed_crossing, seed_expiring, seed_trash,
};
use crate::pages::{RunningToast, Vault};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trash_shows_when_records_were_deleted_and_empties_as_confirmed() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    seed_trash(&desktop.db_url()).await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.until_rows(&[LIVE]).await;

    // Newest deletion first, each with its date; the header turns the order round.
    let trash = vault.show_trash().await;
    trash.until_rows_in_order(&TRASHED).await;
    let dates = trash.deleted_dates().await;
    assert!(
        dates.iter().all(|d| d.len() == "2026-01-01 10:00".len()),
        "each trashed record shows when it was deleted: {dates:?}"
    );
    let mut newest_first = dates.clone();
    newest_first.sort();
    newest_first.reverse();
    assert_eq!(dates, newest_first, "newest deletion first");
    window.screenshot("trash.png").await;
    trash.sort_by_deleted().await;
    let mut oldest_first = TRASHED;
    oldest_first.reverse();
    trash.until_rows_in_order(&oldest_first).await;

    // Emptying runs with Cancel in sight (another writer holds the vault meanwhile), and
    // a cancelled one deletes nothing.
    let lock = WriteLock::take(&window.db_url()).await;
    trash.empty().await.type_and_ok().await;
    RunningToast::until_shown(&window).await.cancel().await;
    lock.release().await;
    window.expect_toast("Cancelled").await;
    trash.until_rows_in_order(&oldest_first).await;

    // Empty Trash states the count, and asks for it typed.
    let confirm = trash.empty().await;
    assert!(
        confirm.message().await.contains("3 records"),
        "the question states how many: {}",
        confirm.message().await
    );
    confirm.type_and_ok().await;
    window
        .expect_toast("Emptied the Trash: 3 records deleted for good")
        .await;
    trash.until_rows(&[]).await;
    assert_eq!(
        count_all(&window.db_url()).await,
        1,
        "only the live record is left in the vault"
    );
    let vault = trash.back_to_vault().await;
    vault.until_rows(&[LIVE]).await;
    assert!(
        !window.visible("#btn-empty-trash").await,
        "Empty Trash belongs to the Trash view"
    );
    window.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_expiry_banner_lists_what_expires_and_the_view_is_remembered() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    seed_expiring(&desktop.db_url()).await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.until_rows(&EXPIRING).await;
    vault
        .until_banner("1 expired · 2 expire within 7 days")
        .await;

    vault.click_banner("expiring").await;
    vault.until_rows(&[EXPIRING[1], EXPIRING[2]]).await;
    assert_eq!(vault.expiry_filter().await, json!("expiring"));
    vault.click_banner("expired").await;
    vault.until_rows(&[EXPIRING[0]]).await;
    assert_eq!(vault.expiry_filter().await, json!("expired"));

    // The "soon" window is a setting: the banner and the badges follow it.
    let settings = vault.open_settings().await;
    settings.fill_expiring_soon_days("40").await;
    settings.save().await;
    vault
        .until_banner("1 expired · 3 expire within 40 days")
        .await;

    // The banner speaks of the vault: the Trash does not show it.
    let trash = vault.show_trash().await;
    window
        .until(
            "the banner hidden in the Trash",
            "document.getElementById('expiry-banner').getClientRects().length === 0",
        )
        .await;
    let vault = trash.back_to_vault().await;
    vault
        .until_banner("1 expired · 3 expire within 40 days")
        .await;

    // Filters, view and the window's size outlive a restart.
    vault.show_expiry("never").await;
    vault.until_rows(&[EXPIRING[4]]).await;
    let before = window.window_size().await;
    window.resize_window(900, 640).await;
    let resized = window.window_size().await;
    assert_ne!(before, resized, "the window took the new size");
    // The app saves the size once the window has been still a moment.
    window
        .poll(
            "the window's size saved",
            Duration::from_secs(15),
            async || {
                let saved = std::fs::read_to_string(window.window_state_file()).unwrap_or_default();
                if saved.contains(&format!("\"width\": {}", resized.0)) {
                    Ok(())
                } else {
                    Err(saved)
                }
            },
        )
        .await;
    let window = window.restart().await;
    assert_eq!(
        window.window_size().await,
        resized,
        "the window opens as large as it was left"
    );
    let vault = Vault(&window);
    vault.until_rows(&[EXPIRING[4]]).await;
    assert_eq!(
        vault.expiry_filter().await,
        json!("never"),
        "the filter is as it was left"
    );
    vault
        .until_banner("1 expired · 3 expire within 40 days")
        .await;
    window.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trash_retention_previews_then_deletes_what_stayed_too_long() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    seed_trash(&desktop.db_url()).await; // trashed 1 hour, 2 days and 3 days ago
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.until_rows(&[LIVE]).await;
    let settings = vault.open_settings().await;
    settings.until_retention_preview("Off").await;
    settings.fill_trash_retention_days("2").await;
    settings
        .until_retention_preview("it would delete 2 records in the Trash for 2 days or more")
        .await;
    settings.save().await;
    window
        .expect_toast(
            "Trash retention: 2 records in the Trash for 2 days or more deleted for good.",
        )
        .await;
    let trash = vault.show_trash().await;
    trash.until_rows(&[TRASHED[0]]).await;
    assert_eq!(
        count_all(&window.db_url()).await,
        2,
        "the live record and the newest trash"
    );
    window.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desktop_notification_tells_what_expired_while_the_app_ran_until_turned_off() {
    // The app looks at the vault every second instead of every five minutes.
    let Some(mut desktop) = Desktop::start_with(&[("VAULTSTORE_E2E_ALERT_SECONDS", "1")]).await
    else {
        return;
    };
    desktop.watch_notifications();
    seed_crossing(&desktop.db_url(), 15, ["Deploy key", "CI token"]).await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    vault.until_rows(&["Deploy key", "CI token"]).await;
    // One crosses into "expired", the other into the 7-day window, at the same moment.
    window
        .poll(
            "a notification naming both crossings",
            Duration::from_secs(40),
            async || {
                let seen = window.notifications();
                let told = ["1 record expired", "1 record now expires within 7 days"];
                if told.iter().all(|t| seen.contains(t)) {
                    Ok(())
                } else {
                    Err(seen)
                }
            },
        )
        .await;
    let seen = window.notifications();
    assert!(
        !seen.contains("Deploy key") && !seen.contains("CI token"),
        "counts only: a label could show on a locked screen: {seen}"
    );

    // Turned off, nothing more is told.
    let settings = vault.open_settings().await;
    settings.turn_off_expiry_alerts().await;
    settings.save().await;
    let before = window.notifications().matches("member=Notify").count();
    seed_crossing(&window.db_url(), 2, ["Quiet A", "Quiet B"]).await;
    window
        .let_time_pass(Duration::from_secs(6), "the records cross", "true")
        .await;
    assert_eq!(
        window.notifications().matches("member=Notify").count(),
        before,
        "no notification once turned off: {}",
        window.notifications()
    );
    window.quit().await;
}
