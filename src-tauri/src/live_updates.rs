//! Live updates: when another client (or process) changes the vault, the page is told
//! (`vault-changed`) and reads what it shows again, in place. When the database cannot
//! be reached the window's title says so and the watch retries with backoff; when it is
//! back the title is restored and the page reads again.

use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager};

use crate::state::AppState;

/// The window's title while the vault is reachable.
const TITLE: &str = "VaultStore";
/// The first and the longest pause between retries.
const FIRST_RETRY: Duration = Duration::from_millis(500);
const LONGEST_RETRY: Duration = Duration::from_secs(15);
/// Changes closer together than this reach the page as one.
const COALESCE: Duration = Duration::from_millis(300);

fn set_online(app: &AppHandle, online: bool) {
    if let Some(window) = app.get_webview_window("main") {
        let title = if online {
            TITLE.to_owned()
        } else {
            format!("{TITLE} — the database is unreachable, retrying…")
        };
        let _ = window.set_title(&title);
    }
    let _ = app.emit("vault-online", online);
}

#[allow(
    clippy::disallowed_methods,
    reason = "the pauses of a retry backoff and of coalescing a burst of changes"
)]
async fn pause(how_long: Duration) {
    tokio::time::sleep(how_long).await;
}

/// Watches the vault for as long as the app runs.
pub fn spawn(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let store = app.state::<AppState>().store.clone();
        let mut retry = FIRST_RETRY;
        let mut online = true;
        loop {
            let mut watch = match store.watch_changes().await {
                Ok(w) => {
                    if !online {
                        online = true;
                        set_online(&app, true);
                        let _ = app.emit("vault-changed", ());
                    }
                    w
                }
                Err(e) => {
                    tracing::warn!("live updates: cannot watch the vault: {e}");
                    if online {
                        online = false;
                        set_online(&app, false);
                    }
                    pause(retry).await;
                    retry = (retry * 2).min(LONGEST_RETRY);
                    continue;
                }
            };
            loop {
                match watch.changed().await {
                    Ok(()) => {
                        retry = FIRST_RETRY;
                        if !online {
                            online = true;
                            set_online(&app, true);
                        }
                        pause(COALESCE).await;
                        let _ = app.emit("vault-changed", ());
                    }
                    Err(e) => {
                        tracing::warn!("live updates: {e}");
                        if online {
                            online = false;
                            set_online(&app, false);
                        }
                        // The watch reconnects on the next call, and answers "changed"
                        // first once the server is back.
                        pause(retry).await;
                        retry = (retry * 2).min(LONGEST_RETRY);
                    }
                }
            }
        }
    });
}
