//! Native file dialogs, run from the backend so the webview needs no file-system or
//! dialog permission. In a debug build (the one tests drive), `VAULTSTORE_E2E_DIALOG_PATH`
//! answers every dialog with that path: WebDriver cannot click a native GTK dialog. A
//! release build ignores it, so no environment can steer where an export is written.

use std::path::PathBuf;

use tauri::AppHandle;
use tauri_plugin_dialog::DialogExt;

const TEST_ANSWER: &str = "VAULTSTORE_E2E_DIALOG_PATH";

#[cfg(debug_assertions)]
fn test_answer() -> Option<PathBuf> {
    std::env::var_os(TEST_ANSWER).map(PathBuf::from)
}

#[cfg(not(debug_assertions))]
fn test_answer() -> Option<PathBuf> {
    let _ = TEST_ANSWER;
    None
}

/// Asks where to save; `None` when the user cancels.
pub async fn save(app: &AppHandle, title: &str, file_name: &str) -> Option<PathBuf> {
    if let Some(path) = test_answer() {
        return Some(path);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(title)
        .set_file_name(file_name)
        .add_filter("VaultStore bundle", &["json"])
        .save_file(move |path| {
            let _ = tx.send(path);
        });
    rx.await.ok().flatten().and_then(|p| p.into_path().ok())
}

/// Asks which file to open; `None` when the user cancels.
pub async fn open(app: &AppHandle, title: &str) -> Option<PathBuf> {
    if let Some(path) = test_answer() {
        return Some(path);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title(title)
        .add_filter("VaultStore bundle", &["json"])
        .pick_file(move |path| {
            let _ = tx.send(path);
        });
    rx.await.ok().flatten().and_then(|p| p.into_path().ok())
}
