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

/// A Go VaultStore SQLite file whose table `go_vault` holds `rows` legacy (v1) values.
async fn go_table(dir: &std::path::Path, rows: u32) -> String {
    use sqlx::Connection;
    let url = format!("sqlite://{}?mode=rwc", dir.join("go.db").display());
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    for sql in [
        "DROP TABLE IF EXISTS go_vault".to_owned(),
        "CREATE TABLE go_vault (id VARCHAR(40) PRIMARY KEY, vault_token VARCHAR(100) NOT NULL, vault_value TEXT NOT NULL, created_at VARCHAR(40) NOT NULL, updated_at VARCHAR(40) NOT NULL, expires_at VARCHAR(40) NOT NULL, soft_deleted_at VARCHAR(40) NOT NULL)".to_owned(),
        format!(
            "WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < {rows}) \
             INSERT INTO go_vault SELECT printf('go%06d', k), printf('tk_go_%06d', k), 'bGVnYWN5', \
             '2024-03-01 10:00:00', '2024-03-02 10:00:00', '9999-12-31 23:59:59', '9999-12-31 23:59:59' FROM n"
        ),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut c)
            .await
            .unwrap();
    }
    c.close().await.unwrap();
    format!("sqlite://{}", dir.join("go.db").display())
}

/// The Go table's preview is a dry run of the import, holding the vault's write lock:
/// it shows progress and its Cancel stops it; a preview that ends counts the rows, and
/// Import brings them in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_go_table_preview_can_be_cancelled_then_the_table_imports() {
    let Some(window) = window_on_three_records().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let url = go_table(dir.path(), 100_000).await;
    let vault = Vault(&window);
    vault.open_go_import().await;
    window.fill("#go-import-dialog input[name=url]", &url).await;
    window
        .fill("#go-import-dialog input[name=table]", "go_vault")
        .await;
    window
        .click("#go-import-dialog [data-action=preview]")
        .await;
    window
        .until(
            "the preview running, with its status",
            "document.querySelector('#go-import-dialog [data-role=status]').textContent.startsWith('Previewing')",
        )
        .await;
    window.click("#go-import-dialog [data-action=cancel]").await;
    window
        .until(
            "the cancelled preview explained",
            "document.querySelector('#go-import-dialog [data-for=form]').textContent.startsWith('Cancelled')",
        )
        .await;
    assert!(window.dialog_is_open("go-import-dialog").await);
    assert_eq!(
        window
            .js("return document.querySelector('#go-import-dialog [data-action=import]').disabled;")
            .await,
        json!(true),
        "nothing previewed, nothing to import"
    );

    go_table(dir.path(), 2).await;
    window
        .click("#go-import-dialog [data-action=preview]")
        .await;
    window
        .until(
            "the preview's count",
            "document.querySelector('#go-import-dialog [data-role=preview]').textContent.includes('New records2')",
        )
        .await;
    window.click("#go-import-dialog [data-action=import]").await;
    window
        .expect_toast("Imported from Go VaultStore: 2 new")
        .await;
    window.until_dialog_closed("go-import-dialog").await;
    let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&window.db_url())
        .await
        .unwrap();
    let imported: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM vault WHERE token LIKE 'tk\\_go\\_%' ESCAPE '\\'")
            .fetch_one(&mut c)
            .await
            .unwrap();
    assert_eq!(
        imported, 2,
        "the two Go rows are in the vault, the cancelled preview left nothing"
    );
    window.quit().await;
}
