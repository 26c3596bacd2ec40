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
    create.cancel_discarding().await;

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

/// EFF's word list as the app bundles it.
fn eff_words() -> std::collections::HashSet<&'static str> {
    let module = include_str!("../../../ui/js/wordlist-eff.js");
    let list = module.split('`').nth(1).expect("the module's word list");
    list.split_whitespace().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_generates_a_passphrase_with_their_options_and_they_are_remembered() {
    let Some(desktop) = Desktop::start().await else {
        return;
    };
    let window = desktop.open_window().await;
    let vault = Vault(&window);
    let words = eff_words();
    assert_eq!(words.len(), 7776, "the whole list is bundled");

    // Seven capitalised words with periods: each one from the list.
    let create = vault.new_record().await;
    create.open_generator_options().await;
    create.choose_generator("passphrase").await;
    create.set_generator_number("genWords", 7).await;
    create.choose_separator(".").await;
    create.set_generator_flag("genCapitalize", true).await;
    create.generate().await;
    let drawn = create.password().await;
    let parts: Vec<&str> = drawn.split('.').collect();
    assert_eq!(parts.len(), 7, "seven words: {drawn:?}");
    for part in &parts {
        let lower = part.to_lowercase();
        assert!(words.contains(lower.as_str()), "{part:?} is on the list");
        assert!(
            part.starts_with(|c: char| c.is_ascii_uppercase()),
            "{part:?}"
        );
    }
    assert!(
        create
            .strength_hint()
            .await
            .contains("(~90 bits), generated"),
        "rated by what was drawn (7 × 12.9 bits), not by its characters: {:?}",
        create.strength_hint().await
    );

    // Other options draw again over a drawn password, never over a typed one.
    create.set_generator_number("genWords", 8).await;
    assert_eq!(create.password().await.split('.').count(), 8);
    create
        .fill_passwords("a-password-i-typed-myself", "a-password-i-typed-myself")
        .await;
    create.set_generator_number("genWords", 9).await;
    assert_eq!(create.password().await, "a-password-i-typed-myself");

    // Characters: 40 of lowercase and digits only.
    create.choose_generator("characters").await;
    create.set_generator_number("genLength", 40).await;
    create.set_generator_flag("genUppercase", false).await;
    create.set_generator_flag("genSymbols", false).await;
    create.generate().await;
    let drawn = create.password().await;
    assert_eq!(drawn.chars().count(), 40, "{drawn:?}");
    assert!(
        drawn
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && drawn.chars().any(|c| c.is_ascii_digit())
            && drawn.chars().any(|c| c.is_ascii_lowercase()),
        "lowercase and digits, each at least once: {drawn:?}"
    );
    // No kind of character at all is refused in words; the last good options stay.
    create.set_generator_flag("genLowercase", false).await;
    create.set_generator_flag("genDigits", false).await;
    assert!(window.shows("Pick at least one kind of character").await);
    create.generate().await;
    assert_eq!(create.password().await.chars().count(), 40);

    // A drawn password passes the vault's policy: the record is created with it.
    create.fill_value("generated-secret").await;
    create.fill_label("Generated").await;
    create.submit().await;
    window.until_dialog_closed("create-dialog").await;
    vault.until_rows(&["Generated"]).await;

    // Remembered for the next start: the settings file holds the last options the
    // generator could draw with.
    let saved = std::fs::read_to_string(window.window_state_file().with_file_name("settings.json"))
        .unwrap();
    let saved: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let g = &saved["generator"];
    assert_eq!(
        (
            &g["kind"],
            &g["length"],
            &g["uppercase"],
            &g["digits"],
            &g["words"],
            &g["separator"]
        ),
        (
            &json!("characters"),
            &json!(40),
            &json!(false),
            &json!(true),
            &json!(9),
            &json!(".")
        ),
        "the last options the generator could draw with: {saved}"
    );
    window.quit().await;
}
