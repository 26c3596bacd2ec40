// The one list of the commands the UI may invoke. `build.rs` includes this file to
// declare them to Tauri (so `capabilities/` can grant exactly these); the test in
// `main.rs` fails if `generate_handler!`, `capabilities/default.json` or `ui/js/api.js`
// names a command this list does not, or misses one it does.

/// Every command the UI may invoke.
pub const COMMANDS: &[&str] = &[
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
    "empty_trash",
    "change_password",
    "cancel_operation",
    "lock_vault",
    "open_sealed_channel",
    "touch",
    "get_settings",
    "set_settings",
    "set_view",
    "export_bundle",
    "export_plaintext",
    "choose_import",
    "preview_import",
    "run_import",
    "preview_foreign_import",
    "run_foreign_import",
    "preview_go_import",
    "run_go_import",
    "bulk_preview",
    "bulk_apply",
    "undo_available",
    "undo_last",
];
