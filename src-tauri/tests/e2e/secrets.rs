//! A user's secrets in the window: create and find them, reveal one only with its
//! password, edit it, trash and restore it, copy it.

use serde_json::json;

use crate::PASSWORD;
use crate::desktop::Desktop;
use crate::library::THREE;
use crate::pages::Vault;

const SECRET: &str = "postgres://svc:hunter2@db/prod";

/// The three records these stories start from, created in the window as a user does
/// (so each one's password is remembered since its creation).
async fn create_three(vault: &Vault<'_>) {
    vault.create(SECRET, "Production DB", "prod, db", "7").await;
    vault
        .create("ghp_example", "GitHub token", "ci", "never")
        .await;
    vault.create("old", "Legacy FTP", "", "365").await;
    vault.until_rows(&THREE).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_creates_secrets_and_finds_them() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let window = desktop.open_window().await;
    let vault = Vault(&window);

    // A bad password keeps the dialog open and filled, with the error beside it.
    let create = vault.new_record().await;
    create.fill_value(SECRET).await;
    create.fill_passwords("short", "short").await;
    create.submit().await;
    create.until_password_error("16").await;
    assert_eq!(
        create.typed_value().await,
        json!(SECRET),
        "a failed create keeps what was typed"
    );
    create.cancel().await;

    create_three(&vault).await;
    vault.until_total("3 records").await;
    window.screenshot("vault.png").await;

    // Filter by text and by expiry.
    vault.search("github").await;
    vault.until_rows(&["GitHub token"]).await;
    vault.search("PROD").await;
    vault.until_rows(&["Production DB"]).await;
    vault.clear_search().await;
    vault.show_expiry("expiring").await;
    vault.until_rows(&["Production DB"]).await;
    vault.show_expiry("never").await;
    vault.until_rows(&["GitHub token"]).await;
    vault.show_expiry("all").await;
    vault.until_rows(&THREE).await;
    window.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_reveals_a_secret_only_with_its_password() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    create_three(&vault).await;

    // Lock: the passwords remembered since creation are forgotten.
    vault.until_a_record_open().await;
    vault.lock().await;
    vault.until_no_record_open().await;
    assert!(!window.shows(SECRET).await, "no plaintext before reveal");

    // Reveal: wrong password, then the right one.
    let record = vault.open_record("Production DB").await;
    record.reveal_with("wrong-password-wrong-password").await;
    record.until_password_error("Wrong password").await;
    record.reveal_with(PASSWORD).await;
    record.until_revealed().await;
    assert!(!window.shows(SECRET).await, "masked until Show");
    record.toggle_shown().await;
    record.until_value_shown(SECRET).await;
    window.screenshot("reveal.png").await;
    record.toggle_shown().await;
    assert!(!window.shows(SECRET).await, "gone from the DOM once hidden");

    // Lock clears keys: the next reveal asks for the password again.
    record.close().await;
    vault.lock().await;
    window.expect_toast("Locked").await;
    vault.until_no_record_open().await;
    let record = vault.open_record("Production DB").await;
    // A remembered password would reveal at once: wait for any reveal to be answered.
    record.until_settled().await;
    assert!(
        record.asks_for_password().await,
        "after Lock the password is asked again"
    );
    window.screenshot("locked-record.png").await;
    record.close().await;
    window.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_edits_a_secret_and_gets_it_back_from_the_trash() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    create_three(&vault).await;

    // Edit the value: shown without asking (the key is remembered since creation), saved
    // only with the password typed again.
    let record = vault.open_record("Production DB").await;
    record.until_revealed().await;
    record.edit_value("rotated-secret").await;
    record.save_value(PASSWORD).await;
    record.until_value_section_hidden().await;
    record.close().await;
    let record = vault.open_record("Production DB").await;
    record.until_revealed().await;
    record.toggle_shown().await;
    record.until_value_shown("rotated-secret").await;

    // Soft delete, find it in the Trash, restore, reveal again.
    record.trash().await;
    vault.until_rows(&["GitHub token", "Legacy FTP"]).await;
    let trash = vault.show_trash().await;
    trash.until_rows(&["Production DB"]).await;
    trash.restore("Production DB").await;
    trash.until_rows(&[]).await;
    let vault = trash.back_to_vault().await;
    vault.until_rows(&THREE).await;
    let record = vault.open_record("Production DB").await;
    record.until_revealed().await;
    record.toggle_shown().await;
    record.until_value_shown("rotated-secret").await;

    // Copy goes through the backend to the clipboard, to be cleared later.
    record.copy().await;
    window
        .expect_toast("Copied. The clipboard is cleared in 30 s")
        .await;
    window.quit().await;
}
