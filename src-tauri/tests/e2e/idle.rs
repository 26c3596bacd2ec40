//! The idle lock: a vault left alone for the idle limit (one minute, the shortest
//! setting) locks itself; keys count as activity; unsaved details survive the lock.
//! These stories wait on the app's clock for minutes, so their module sorts first and
//! they start first, beside the others.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::PASSWORD;
use crate::desktop::Desktop;
use crate::library::seed_three_records;
use crate::pages::{RecordDialog, Vault};
use crate::safety::{safety_window, short_reveal_and_idle_lock};

/// The idle lock fires within its check interval after the minute; this bounds the wait.
const IDLE_LOCK_WITHIN: Duration = Duration::from_secs(100);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_vault_locks_itself() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    seed_three_records(&desktop.db_url()).await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    // Settings: lock after one idle minute. Open a record, then touch nothing.
    let settings = vault.open_settings().await;
    settings.fill_idle_lock_minutes("1").await;
    settings.save().await;
    let record = vault.open_record("Legacy FTP").await;
    record.reveal_with(PASSWORD).await;
    record.until_revealed().await;
    record.close().await;
    vault.until_a_record_open().await;
    window
        .expect_toast_within("Locked after inactivity", IDLE_LOCK_WITHIN)
        .await;
    vault.until_no_record_open().await;
    window.quit().await;
}

/// A window where nothing was ever opened still locks after the idle limit: a value and
/// passwords typed in New record leave the page, the details stay. The window used to
/// be told only when a record had been opened, so the typed value stayed on screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_window_with_nothing_opened_locks_too() {
    let Some(window) = safety_window().await else {
        return;
    };
    let vault = Vault(&window);
    short_reveal_and_idle_lock(&vault).await;
    let create = vault.new_record().await;
    create.fill_value("typed-then-left").await;
    create.fill_passwords(PASSWORD, PASSWORD).await;
    create.fill_label("Left alone").await;
    window
        .expect_toast_within("Locked after inactivity", IDLE_LOCK_WITHIN)
        .await;
    assert!(window.dialog_is_open("create-dialog").await, "details kept");
    assert_eq!(
        create.typed_value().await,
        json!(""),
        "the value left the page"
    );
    assert_eq!(create.password().await, "", "the password left the page");
    assert_eq!(
        window.value_of("#create-dialog input[name=label]").await,
        json!("Left alone")
    );
    assert!(!window.shows("typed-then-left").await);
    window.quit().await;
}

/// Keys count as activity; when the idle lock comes anyway, unsaved details stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idle_lock_keeps_unsaved_details() {
    let Some(window) = safety_window().await else {
        return;
    };
    let vault = Vault(&window);
    short_reveal_and_idle_lock(&vault).await;
    let record = vault.open_record("Beta").await;
    record.reveal_with(PASSWORD).await;
    record.until_revealed().await;
    record.open_details().await;
    record.fill_detail("label", "Beta (unsaved)").await;
    record.fill_detail("notes", "keep me").await;
    // The idle limit is one minute: type a key every 10 s for 75 s, no command.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(75) {
        window
            .let_time_pass(
                Duration::from_secs(10),
                "locked while the user was typing",
                &format!(
                    "document.getElementById('record-dialog').open && !({})",
                    RecordDialog::LOCKED
                ),
            )
            .await;
        record.type_in_detail("notes", ".").await;
    }
    // Then idle: the lock comes and says what it kept.
    let note = record.until_lock_note(IDLE_LOCK_WITHIN).await;
    assert_eq!(record.detail("label").await, json!("Beta (unsaved)"));
    let notes = record.detail("notes").await;
    assert!(notes.as_str().unwrap().starts_with("keep me"), "{notes}");
    assert_eq!(
        record.detail("password").await,
        json!(""),
        "no password kept"
    );
    assert!(note.contains("label") && note.contains("notes"), "{note}");
    assert!(!window.visible(RecordDialog::VALUE).await);
    assert!(!window.shows("beta-secret").await);
    window.quit().await;
}

/// The screen locking (a screensaver's signal on the session bus) locks the vault at
/// once, as the idle lock does, and the window says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_screen_lock_locks_the_vault() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    seed_three_records(&desktop.db_url()).await;
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    let record = vault.open_record("Legacy FTP").await;
    record.reveal_with(PASSWORD).await;
    record.until_revealed().await;
    record.close().await;
    vault.until_a_record_open().await;
    // A dialog holding nothing but a password typed: the lock closes it and the password
    // goes with it.
    window.click("#btn-more").await;
    window.click("#btn-change-password").await;
    window.until_dialog_open("password-dialog").await;
    window
        .fill("#password-dialog input[name=old]", PASSWORD)
        .await;
    // The app subscribes as it starts: send until it has heard (a few times at most).
    let deadline = Instant::now() + Duration::from_secs(10);
    while !window
        .is("document.getElementById('toasts').textContent.includes('the screen was locked')")
        .await
    {
        assert!(
            Instant::now() < deadline,
            "no lock after the screensaver came on"
        );
        window.signal(
            "/org/freedesktop/ScreenSaver",
            "org.freedesktop.ScreenSaver.ActiveChanged",
            "boolean:true",
        );
        #[allow(
            clippy::disallowed_methods,
            reason = "the interval between bounded resends"
        )]
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    vault.until_no_record_open().await;
    window.until_dialog_closed("password-dialog").await;
    assert!(
        window
            .is("document.querySelector('#password-dialog input[name=old]').value === ''")
            .await,
        "the password typed left with the dialog"
    );
    window.quit().await;
}
