//! Export and import in the window: an encrypted bundle brings a deleted record back; a
//! plaintext export asks twice.

use serde_json::json;

use crate::PASSWORD;
use crate::desktop::{Desktop, Window};
use crate::library::{THREE, seed_three_records};
use crate::pages::{ConfirmDialog, Vault};

/// A window on a vault holding the three records of the secrets stories.
async fn window_on_three_records() -> Option<Window> {
    let desktop = Desktop::start().await?;
    seed_three_records(&desktop.db_url()).await;
    let window = desktop.open_window().await;
    Vault(&window).until_rows(&THREE).await;
    Some(window)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_exports_everything_and_imports_a_deleted_record_back() {
    let Some(window) = window_on_three_records().await else {
        return;
    };
    let vault = Vault(&window);
    vault.open_export().await.export().await;
    window.expect_toast("Exported 3 records").await;
    assert!(window.dialog_file().exists(), "the bundle was written");

    // Delete a record forever.
    vault.open_record("GitHub token").await.trash().await;
    let trash = vault.show_trash().await;
    trash.until_rows(&["GitHub token"]).await;
    trash.delete_forever("GitHub token").await;
    trash.until_rows(&[]).await;
    let vault = trash.back_to_vault().await;
    vault.until_rows(&["Production DB", "Legacy FTP"]).await;

    // Import it back: the preview counts it new and the others skipped.
    let import = vault.start_import().await;
    import.until_count("New records", "1").await;
    assert_eq!(
        import.count("Skipped").await,
        json!("2"),
        "the two records still here are skipped"
    );
    window.screenshot("import.png").await;
    import.import().await;
    window.expect_toast("Imported: 1 new").await;
    vault.until_rows(&THREE).await;
    window.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_export_asks_twice() {
    let Some(window) = window_on_three_records().await else {
        return;
    };
    let export = Vault(&window).open_export().await;
    export.choose_format("csv").await;
    export.fill_plain_password(PASSWORD).await;
    export.export().await;
    export.until_form_error("Tick the box").await;
    export.tick_understand().await;
    export.export().await;
    ConfirmDialog::until_open(&window).await.ok().await;
    window.expect_toast("in plain text").await;
    let csv = std::fs::read_to_string(window.dialog_file()).unwrap();
    assert!(
        csv.contains("rotated-secret") && csv.contains("ghp_example"),
        "{csv}"
    );
    window.quit().await;
}

/// A KeePassXC export: two entries, one with a TOTP secret the records cannot keep.
const KEEPASSXC: &str = "\"Group\",\"Title\",\"Username\",\"Password\",\"URL\",\"Notes\",\"TOTP\"
\"Root\",\"Webmail\",\"me@example.org\",\"mail-secret\",\"https://mail.example.org\",\"\",\"otpauth://totp/x?secret=AB\"
\"Root/Work\",\"VPN\",\"me\",\"vpn-secret\",\"\",\"\",\"\"
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_imports_a_keepassxc_export_after_its_preview() {
    let Some(window) = window_on_three_records().await else {
        return;
    };
    std::fs::write(window.dialog_file(), KEEPASSXC).unwrap();
    let vault = Vault(&window);
    let import = vault.start_keepassxc_import().await;
    import.until_count("New records", "2").await;
    assert_eq!(
        import.dropped().await,
        json!(["TOTP column: 1 entry"]),
        "the preview says what the records will not keep"
    );
    // Two different passwords: refused next to the second, nothing imported.
    import.type_passwords(PASSWORD, "not the same").await;
    import.press_enter().await;
    assert!(
        import
            .error_for("password2")
            .await
            .as_str()
            .unwrap_or_default()
            .contains("differ"),
        "the mismatch is shown by its field"
    );
    import.type_passwords(PASSWORD, PASSWORD).await;
    import.press_enter().await;
    window
        .expect_toast("Imported 2 records from KeePassXC")
        .await;
    import.until_closed().await;
    assert_eq!(
        import.password_values().await,
        json!(["", ""]),
        "the passwords left the page"
    );
    vault
        .until_rows(&[
            "Webmail",
            "VPN",
            "Production DB",
            "GitHub token",
            "Legacy FTP",
        ])
        .await;
    // The import derived the password's key this session: the record opens with it.
    let record = vault.open_record("Webmail").await;
    record.until_revealed().await;
    record.toggle_shown().await;
    record.until_value_shown("mail-secret").await;
    window.quit().await;
}
