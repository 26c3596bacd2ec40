//! One app per vault: launching VaultStore again on a vault that is already open brings
//! the open window to the front instead of starting a second app (the official
//! single-instance plugin: the second process hands its arguments over D-Bus and exits).
//!
//! The instance is keyed by the vault, not by the app: `vaultstore-desktop --db URL` for
//! another vault starts its own app and window. The key is a hash of the URL without its
//! password, so the bus (which any local process can list) never shows the URL or a
//! password. Two spellings of one SQLite path count as two vaults; SQLite's locking
//! keeps two apps on one file safe all the same.

use sha2::{Digest, Sha256};
use tauri::{AppHandle, Manager, Runtime};

/// The D-Bus name prefix for the app on `url`; the plugin appends `.SingleInstance`.
pub fn instance_id(url: &str) -> String {
    let digest = Sha256::digest(vaultstore::redact_database_url(url).as_bytes());
    // 64 bits tell vaults apart; a D-Bus name element must not start with a digit.
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("dev.vaultstore.desktop.vault_{hex}")
}

/// The plugin for the app on `url`. It must be the first plugin: a second launch exits
/// before anything else starts.
pub fn plugin<R: Runtime>(url: &str) -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(instance_id(url))
        .callback(|app, _args, _cwd| bring_to_front(app))
        .build()
}

/// The running app's answer to a second launch on its vault: its window, shown,
/// restored and focused. The launch's arguments name this same vault (that is what the
/// key says), so there is nothing else in them to act on.
fn bring_to_front<R: Runtime>(app: &AppHandle<R>) {
    tracing::info!("a second launch on this vault: bringing the window to the front");
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::instance_id;

    #[test]
    fn one_vault_one_key_and_no_password_in_it() {
        let with_pw = instance_id("postgres://alice:hunter2-secret@db.example/vault");
        let other_pw = instance_id("postgres://alice:another-one@db.example/vault");
        assert_eq!(
            with_pw, other_pw,
            "the password does not make another vault"
        );
        assert!(!with_pw.contains("hunter2"), "{with_pw}");
        assert_ne!(
            instance_id("sqlite:///home/a/one.db"),
            instance_id("sqlite:///home/a/two.db")
        );
        // A valid D-Bus name element: letters, digits, underscore; no leading digit.
        let last = with_pw.rsplit('.').next().unwrap_or_default();
        assert!(last.starts_with("vault_") && last.len() == 22, "{last}");
        assert!(last.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    }
}
