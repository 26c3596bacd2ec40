//! Declares the app's commands to Tauri, so `capabilities/` can grant exactly these and
//! the webview can call nothing else.

/// Every command the UI may invoke. Keep in step with `generate_handler!` in `main.rs`.
const COMMANDS: &[&str] = &[
    "vault_info",
    "list_records",
    "count_records",
    "create_record",
    "reveal_value",
    "copy_value",
    "update_value",
    "update_metadata",
    "rekey_record",
    "renew_record",
    "soft_delete_record",
    "restore_record",
    "delete_record",
    "purge_expired",
    "change_password",
    "cancel_operation",
    "lock_vault",
    "touch",
    "get_settings",
    "set_settings",
    "export_bundle",
    "export_plaintext",
    "choose_import",
    "preview_import",
    "run_import",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .config_path("../tauri.conf.json")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        println!("cargo:warning=tauri build step failed: {e:#}");
        std::process::exit(1);
    }
}
