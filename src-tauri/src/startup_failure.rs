//! When the app cannot start (the vault does not open: it was written by a newer
//! VaultStore, its server is out of reach, its URL is wrong), the person who clicked the
//! launcher sees why: a native message dialog says what failed and what to do, the same
//! line goes to stderr for a terminal, and the app exits with `EXIT_CODE` once the dialog
//! is dismissed. No app window opens (the window is made only after the vault opened), so
//! nothing half-works behind the dialog.

use std::fmt::Display;

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::{DialogExt, MessageDialogButtons, MessageDialogKind};

/// The dialog's window title (and its first line, in bold).
pub const TITLE: &str = "VaultStore cannot open the vault";

/// The exit status after the dialog: the app did not start.
pub const EXIT_CODE: i32 = 1;

/// Tells the user why the vault at `vault` (a URL without its password) did not open,
/// then exits. Returns at once: the dialog runs on the event loop, and its answer ends
/// the app.
pub fn report<R: Runtime>(app: &AppHandle<R>, vault: Option<&str>, error: &dyn Display) {
    let message = match vault {
        Some(vault) => format!("{vault}: {error}"),
        None => error.to_string(),
    };
    eprintln!("vaultstore-desktop: {message}");
    let handle = app.clone();
    app.dialog()
        .message(message)
        .title(TITLE)
        .kind(MessageDialogKind::Error)
        .buttons(MessageDialogButtons::Ok)
        .show(move |_| handle.exit(EXIT_CODE));
}
