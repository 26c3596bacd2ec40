//! Edits and operations the window must not lose (issue 9): each story starts from the
//! records of `library::seed_safety_vault`.

use std::time::Duration;

use serde_json::json;

use crate::PASSWORD;
use crate::desktop::{Desktop, Window};
use crate::library::{MAIL_URL, SAFETY, WriteLock, seed_safety_vault, stored_metadata};
use crate::pages::{ConfirmDialog, ImportDialog, RecordDialog, RunningToast, Vault};
use crate::ui::on_screen;

/// A window on the safety records (and their bundle, for the import).
pub async fn safety_window() -> Option<Window> {
    let desktop = Desktop::start().await?;
    seed_safety_vault(&desktop.db_url(), &desktop.dialog_file()).await;
    Some(desktop.open_window().await)
}

/// Values hidden again after 5 s, the vault locked after 1 idle minute.
pub async fn short_reveal_and_idle_lock(vault: &Vault<'_>) {
    let settings = vault.open_settings().await;
    settings.fill_reveal_seconds("5").await;
    settings.fill_idle_lock_minutes("1").await;
    settings.save().await;
}

/// Enter in a text field does the dialog's main action (it used to press Cancel).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_does_the_main_action_of_a_dialog() {
    let Some(window) = safety_window().await else {
        return;
    };
    let vault = Vault(&window);
    let create = vault.new_record().await;
    create.fill_value("made-with-enter").await;
    create.fill_passwords(PASSWORD, PASSWORD).await;
    create.fill_label("Entered").await;
    create.press_enter_in_label().await;
    vault
        .until_rows(&["Imported mail", "Alpha", "Beta", "Stale", "Entered"])
        .await;
    // Settings too: reveal for 5 s and lock after 1 idle minute, saved with Enter.
    let settings = vault.open_settings().await;
    settings.fill_reveal_seconds("5").await;
    settings.fill_idle_lock_minutes("1").await;
    settings.press_enter_in_idle_lock_minutes().await;
    window.expect_toast("Settings saved").await;
    window.quit().await;
}

/// Saving details changes what the dialog shows and keeps every other key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn saving_details_keeps_other_metadata() {
    let Some(window) = safety_window().await else {
        return;
    };
    let url = window.db_url();
    let record = Vault(&window).open_record("Imported mail").await;
    record.open_details().await;
    record.fill_detail("label", "Imported mail (work)").await;
    record.save_details().await;
    window.expect_toast("Details saved").await;
    let m = stored_metadata(&url, "Imported mail (work)").await;
    for key in ["url", "username", "unreadable"] {
        assert!(m.extra.contains_key(key), "{key} lost on save: {m:?}");
    }
    // URL and username are shown and editable.
    assert_eq!(
        record.detail("url").await,
        json!(MAIL_URL),
        "the URL is shown"
    );
    record.fill_detail("username", "ann.work").await;
    window.clear_toasts().await;
    record.press_enter_in("username").await;
    window.expect_toast("Details saved").await;
    let m = stored_metadata(&url, "Imported mail (work)").await;
    assert_eq!(m.extra.get("username"), Some(&json!("ann.work")));
    assert_eq!(m.extra.get("url"), Some(&json!(MAIL_URL)));
    assert_eq!(m.extra.get("unreadable"), Some(&json!("legacy flag")));
    record.close().await;
    window.quit().await;
}

/// A reveal answered after the dialog moved on to another record is dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_reveal_stays_with_its_record() {
    let Some(window) = safety_window().await else {
        return;
    };
    let vault = Vault(&window);
    let record = vault.open_record("Alpha").await;
    record.fill_password(PASSWORD).await;
    record.reveal_then_open("Beta").await;
    vault.until_record_open("Alpha").await; // the reveal was answered
    assert_eq!(record.title().await, json!("Beta"));
    assert!(
        window.visible(RecordDialog::UNLOCK).await,
        "Beta still asks for its password"
    );
    assert!(
        !window.visible(RecordDialog::VALUE).await,
        "Alpha's value landed in Beta's dialog"
    );
    assert!(!window.shows("alpha-secret").await);
    record.close().await;
    window.quit().await;
}

/// Typing in an open edit restarts the reveal timer; when it fires, the edit stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_outlives_the_reveal_timer() {
    let Some(window) = safety_window().await else {
        return;
    };
    let vault = Vault(&window);
    short_reveal_and_idle_lock(&vault).await;
    let record = vault.open_record("Alpha").await;
    record.reveal_with(PASSWORD).await;
    record.until_revealed().await;
    record.close().await;

    let record = vault.open_record("Alpha").await;
    record.until_revealed().await; // remembered
    record.edit_value("edited-").await;
    // Reveal time is 5 s: keep typing for 8 s, a key every 2 s.
    for _ in 0..4 {
        window
            .let_time_pass(
                Duration::from_secs(2),
                "the reveal timer erased the edit being typed",
                &on_screen(RecordDialog::NEW_VALUE),
            )
            .await;
        window.type_more(RecordDialog::NEW_VALUE, "x").await;
    }
    // Then stop: the value is hidden, the edit is kept until saved or discarded.
    record.until_hint("edit is kept").await;
    assert_eq!(record.typed_value().await, json!("edited-xxxx"));
    assert!(!window.shows("alpha-secret").await, "value hidden");
    // Closing asks before the edit is thrown away; "Cancel" keeps it.
    record.close().await;
    ConfirmDialog::until_open(&window).await.cancel().await;
    assert!(record.is_open().await, "closing asked first");
    assert_eq!(
        record.typed_value().await,
        json!("edited-xxxx"),
        "closing asked first"
    );
    record.save_value(PASSWORD).await;
    window.expect_toast("Value saved").await;
    record.close().await;
    window.quit().await;
}

/// A purge keeps its progress and Cancel in sight until it ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_purge_keeps_its_cancel_in_sight() {
    let Some(window) = safety_window().await else {
        return;
    };
    let vault = Vault(&window);
    let lock = WriteLock::take(&window.db_url()).await;
    vault.purge().await.type_and_ok().await;
    let running = RunningToast::until_shown(&window).await;
    window
        .let_time_pass(
            Duration::from_secs(7), // a toast lives 6 s (toast.js)
            "the purge's Cancel vanished while it ran",
            RunningToast::CANCEL,
        )
        .await;
    running.cancel().await;
    lock.release().await;
    window.expect_toast("Cancelled").await;
    vault.until_rows(&SAFETY).await;
    window.quit().await;
}

/// Esc does not hide a running import.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_import_stays_in_sight() {
    let Some(window) = safety_window().await else {
        return;
    };
    let import = Vault(&window).start_import().await;
    import.until_preview().await;
    let lock = WriteLock::take(&window.db_url()).await;
    import.import().await;
    import.until_progress().await;
    import.press_escape().await;
    assert!(import.is_open().await, "Esc hid the running import");
    assert!(window.visible(ImportDialog::CANCEL).await);
    lock.release().await;
    window.expect_toast("Imported:").await;
    window.quit().await;
}

/// A plaintext export keeps its dialog (and so its progress) until it ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_export_keeps_its_dialog() {
    let Some(window) = safety_window().await else {
        return;
    };
    let export = Vault(&window).open_export().await;
    export.choose_format("csv").await;
    export.fill_plain_password(PASSWORD).await;
    export.tick_understand().await;
    export.export().await;
    let confirm = ConfirmDialog::until_open(&window).await;
    assert!(
        export.is_open().await,
        "the export dialog closed before the export"
    );
    confirm.ok().await;
    window.expect_toast("in plain text").await;
    assert!(
        !export.on_screen().await,
        "the export dialog closes when the export ends"
    );
    window.quit().await;
}

/// Closing with something typed and not saved asks first, however it closes: a value in
/// New record (Esc used to clear it), details in a record (Esc used to drop them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_asks_before_dropping_what_was_typed() {
    let Some(window) = safety_window().await else {
        return;
    };
    let vault = Vault(&window);
    let create = vault.new_record().await;
    create.fill_value("typed-and-kept").await;
    window
        .press_escape("#create-dialog textarea[name=value]")
        .await;
    ConfirmDialog::until_open(&window).await.cancel().await;
    assert!(
        window.dialog_is_open("create-dialog").await,
        "Esc asked first"
    );
    assert_eq!(create.typed_value().await, json!("typed-and-kept"));
    create.cancel_discarding().await;

    let record = vault.open_record("Alpha").await;
    record.open_details().await;
    record.fill_detail("label", "Alpha (renamed)").await;
    window
        .press_escape("#record-dialog input[name=label]")
        .await;
    let confirm = ConfirmDialog::until_open(&window).await;
    let asked = confirm.message().await;
    assert!(asked.contains("label"), "{asked}");
    confirm.cancel().await;
    assert!(record.is_open().await, "Esc asked first");
    assert_eq!(record.detail("label").await, json!("Alpha (renamed)"));
    record.save_details().await;
    window.expect_toast("Details saved").await;
    // Saved: nothing left to ask about.
    record.close().await;
    window.until_dialog_closed("record-dialog").await;
    window.quit().await;
}

/// Setting the expiry keeps details typed and not saved (the dialog used to close and
/// drop them), and saving them afterwards is no conflict with that change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setting_the_expiry_keeps_details_typed() {
    let Some(window) = safety_window().await else {
        return;
    };
    let url = window.db_url();
    let record = Vault(&window).open_record("Beta").await;
    record.open_details().await;
    record.fill_detail("label", "Beta (for a month)").await;
    window
        .choose("#record-dialog select[name=renewPreset]", "30")
        .await;
    window.click("#record-dialog [data-action=renew]").await;
    window.expect_toast("Expires").await;
    assert!(
        record.is_open().await,
        "the dialog stays with details unsaved"
    );
    assert_eq!(record.detail("label").await, json!("Beta (for a month)"));
    window.clear_toasts().await;
    record.save_details().await;
    window.expect_toast("Details saved").await;
    stored_metadata(&url, "Beta (for a month)").await;
    record.close().await;
    window.until_dialog_closed("record-dialog").await;
    window.quit().await;
}

/// Every password typed in a record's dialog leaves the page when it closes (the reveal
/// password and the rekey fields used to stay in their inputs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_a_record_clears_every_password_typed() {
    let Some(window) = safety_window().await else {
        return;
    };
    let record = Vault(&window).open_record("Alpha").await;
    record.fill_password("typed-reveal-password").await;
    record.open_details().await;
    for name in ["rekeyOld", "newPassword", "newConfirm"] {
        record.fill_detail(name, "typed-rekey-password").await;
    }
    record.close().await;
    window.until_dialog_closed("record-dialog").await;
    let left = window
        .js(
            "return [...document.querySelectorAll('#record-dialog input[type=password]')]\
             .map((i) => i.value).join('');",
        )
        .await;
    assert_eq!(left, json!(""), "passwords left in the closed dialog");
    window.quit().await;
}

/// Enter in a generator option draws again; it used to press Create, closing the dialog
/// over a password the user had not copied yet.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_in_a_generator_option_draws_again() {
    let Some(window) = safety_window().await else {
        return;
    };
    let vault = Vault(&window);
    let create = vault.new_record().await;
    create.fill_value("not-yet").await;
    create.open_generator_options().await;
    create.generate().await;
    let first = create.password().await;
    window
        .fill("#create-dialog input[name=genLength]", "40")
        .await;
    window
        .press_enter("#create-dialog input[name=genLength]")
        .await;
    window
        .until(
            "a new 40-character password",
            "document.querySelector('#create-dialog input[name=password]').value.length === 40",
        )
        .await;
    assert!(window.dialog_is_open("create-dialog").await);
    assert_ne!(create.password().await, first);
    create.cancel_discarding().await;
    vault.until_rows(&SAFETY).await;
    window.quit().await;
}
