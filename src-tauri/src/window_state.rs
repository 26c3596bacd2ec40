//! The window opens where and as large as it was left: the official window-state plugin,
//! saving shortly after each move or resize rather than only on a clean exit (its
//! default), so a killed or crashed app, or a machine losing power, still remembers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tauri::{Manager, Runtime, Window, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// Size, position and maximized; not visibility or decorations, which the app sets.
const KEPT: StateFlags = StateFlags::SIZE
    .union(StateFlags::POSITION)
    .union(StateFlags::MAXIMIZED);

/// A drag sends a burst of events: save once it has been still this long.
const QUIET: Duration = Duration::from_millis(400);

/// The plugin, restoring `KEPT` when the window is created.
pub fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_window_state::Builder::new()
        .with_state_flags(KEPT)
        .build()
}

/// Counts moves and resizes: a pending save goes ahead only if no newer one followed.
static LATEST: AtomicU64 = AtomicU64::new(0);

/// Saves the window state `QUIET` after the last move or resize.
pub fn on_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    if !matches!(event, WindowEvent::Moved(_) | WindowEvent::Resized(_)) {
        return;
    }
    let mine = LATEST.fetch_add(1, Ordering::SeqCst) + 1;
    let app = window.app_handle().clone();
    tauri::async_runtime::spawn(async move {
        #[allow(
            clippy::disallowed_methods,
            reason = "a debounce: the wait is what lets a drag finish before saving"
        )]
        tokio::time::sleep(QUIET).await;
        if LATEST.load(Ordering::SeqCst) == mine
            && let Err(e) = app.save_window_state(KEPT)
        {
            // Losing the window's size is no reason to bother the user mid-drag.
            eprintln!("vaultstore-desktop: could not save the window's size and position: {e}");
        }
    });
}
