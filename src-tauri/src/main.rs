//! VaultStore Desktop: hosts a `vaultstore::Store` and exposes it to the web UI in
//! `ui/` through thin commands (`commands.rs`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bulk_commands;
mod clipboard;
#[cfg(test)]
mod command_names;
mod commands;
mod dto;
mod errors;
mod expiry_alerts;
mod file_dialog;
mod history_commands;
mod import_commands;
mod live_updates;
mod lock_signals;
mod sealed_ipc;
mod settings;
mod single_instance;
mod startup_failure;
mod state;
mod transfer_commands;
mod web_process;
mod window_state;

use std::time::Duration;

use tauri::{Emitter, Manager};
use vaultstore::{Store, StoreOptions};

use state::AppState;

/// The database URL: `--db URL`, else `$VAULTSTORE_DB`, else the default SQLite vault.
/// A password in `--db` is used, with a warning: the process list shows it to everyone.
fn database_url() -> Result<String, vaultstore::Error> {
    let mut args = std::env::args().skip(1);
    let mut given = None;
    while let Some(arg) = args.next() {
        if arg == "--db" {
            given = args.next();
        } else if let Some(url) = arg.strip_prefix("--db=") {
            given = Some(url.to_owned());
        }
        if given.is_some() {
            break;
        }
    }
    if let Some(url) = given {
        if vaultstore::database_url_has_password(&url) {
            eprintln!(
                "vaultstore-desktop: warning: {}",
                vaultstore::password_in_argv_warning()
            );
        }
        return Ok(url);
    }
    match std::env::var("VAULTSTORE_DB") {
        Ok(url) if !url.is_empty() => Ok(url),
        _ => vaultstore::default_database_url(),
    }
}

/// Locks the vault when the user has been idle longer than the setting allows.
fn spawn_idle_lock(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        // Every second: after the machine wakes, the window learns of the lock at once.
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let state = app.state::<AppState>();
            let idle = state.lock_if_idle();
            if state.take_locked_on_wake() || idle {
                tell_locked(&app, "idle");
            }
        }
    });
}

/// Locks the vault when the machine goes to sleep or the screen locks, if the setting
/// says so when it happens. The watch lives as long as the app (managed state).
fn watch_lock_signals(app: &tauri::App) {
    let handle = app.handle().clone();
    let watch = lock_signals::watch(lock_signals::Buses::of_this_login(), move |cause| {
        if handle.state::<AppState>().lock_on_sleep() {
            tell_locked(&handle, cause.event_reason());
        }
    });
    app.manage(watch);
}

/// After a lock the app did by itself: our copy leaves the clipboard and the window is
/// told why (`ui/js/app.js` words the reason), as after the Lock button.
fn tell_locked(app: &tauri::AppHandle, reason: &str) {
    app.state::<AppState>().copies.clear_ours(app, None);
    let _ = app.emit("vault-locked", reason);
}

/// Opens the vault at `url` with the user's settings: the app's state.
fn open_vault(app: &tauri::App, url: &str) -> Result<AppState, Box<dyn std::error::Error>> {
    let settings_path = app.path().app_config_dir()?.join("settings.json");
    let mut options = StoreOptions::new(url);
    // The session keeps as many derived keys as the user's setting says.
    let remembered = settings::Settings::load(&settings_path).remembered_keys;
    options.max_cached_keys =
        usize::try_from(remembered).unwrap_or(vaultstore::DEFAULT_MAX_CACHED_KEYS);
    // The audit log names the OS user and host unless a team set a name (as the CLI's
    // `--actor`).
    options.actor = std::env::var("VAULTSTORE_ACTOR")
        .ok()
        .filter(|a| !a.trim().is_empty());
    let store = tauri::async_runtime::block_on(Store::new(options))?;
    Ok(AppState::new(
        store,
        vaultstore::redact_database_url(url),
        settings_path,
    ))
}

/// The app's window, made from its entry in tauri.conf.json (`"create": false` there):
/// only once the vault is open, so a vault that does not open shows its dialog alone.
fn open_window(app: &tauri::App) -> tauri::Result<()> {
    if let Some(config) = app.config().app.windows.iter().find(|w| w.label == "main") {
        tauri::WebviewWindowBuilder::from_config(app.handle(), config)?.build()?;
    }
    Ok(())
}

fn main() {
    // First, before any thread or WebKit starts: may run the app again (see the module).
    web_process::configure();
    let url = database_url();
    let mut builder = tauri::Builder::default();
    // First of all plugins: a second launch on this vault exits here, before the window.
    if let Ok(url) = &url {
        builder = builder.plugin(single_instance::plugin(url));
    }
    let result = builder
        .plugin(tauri_plugin_clipboard_manager::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        // The window opens where and as large as it was left (in the app's config folder,
        // beside settings.json).
        .plugin(window_state::plugin())
        .on_window_event(window_state::on_event)
        .setup(move |app| {
            let url = match url {
                Ok(url) => url,
                Err(e) => {
                    startup_failure::report(app.handle(), None, &e);
                    return Ok(());
                }
            };
            match open_vault(app, &url) {
                Ok(state) => {
                    app.manage(state);
                }
                Err(e) => {
                    let vault = vaultstore::redact_database_url(&url);
                    startup_failure::report(app.handle(), Some(&vault), &*e);
                    return Ok(());
                }
            }
            open_window(app)?;
            spawn_idle_lock(app.handle().clone());
            expiry_alerts::spawn(app.handle().clone());
            live_updates::spawn(app.handle().clone());
            watch_lock_signals(app);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::vault_info,
            commands::list_records,
            commands::count_records,
            commands::tag_counts,
            commands::create_record,
            commands::reveal_value,
            commands::copy_value,
            commands::update_value,
            commands::update_metadata,
            commands::rekey_record,
            commands::renew_record,
            commands::soft_delete_record,
            commands::restore_record,
            commands::delete_record,
            commands::purge_expired,
            commands::empty_trash,
            commands::change_password,
            commands::cancel_operation,
            commands::lock_vault,
            commands::open_sealed_channel,
            commands::touch,
            commands::get_settings,
            commands::set_settings,
            commands::set_view,
            commands::set_generator,
            transfer_commands::export_bundle,
            transfer_commands::export_plaintext,
            transfer_commands::choose_import,
            transfer_commands::preview_import,
            transfer_commands::run_import,
            import_commands::preview_foreign_import,
            import_commands::run_foreign_import,
            import_commands::preview_go_import,
            import_commands::run_go_import,
            bulk_commands::bulk_preview,
            bulk_commands::bulk_apply,
            bulk_commands::undo_available,
            bulk_commands::undo_last,
            bulk_commands::trash_retention_preview,
            bulk_commands::run_trash_retention,
            history_commands::record_history,
            history_commands::restore_version,
            history_commands::activity,
            history_commands::verify_activity,
            commands::record_now,
            history_commands::restore_to,
        ])
        .build(tauri::generate_context!("../tauri.conf.json"))
        .map(|app| {
            app.run(|app, event| {
                // Quitting leaves no copied secret behind.
                if let tauri::RunEvent::Exit = event
                    && let Some(state) = app.try_state::<AppState>()
                {
                    state.copies.clear_ours(app, None);
                }
            })
        });
    if let Err(e) = result {
        eprintln!("vaultstore-desktop: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use crate::command_names::COMMANDS;

    fn source(relative: &str) -> String {
        let path = format!("{}/{relative}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The text between `start` and the next `end`.
    fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
        let from = text.find(start).unwrap_or_else(|| panic!("no {start:?}")) + start.len();
        let to = from
            + text[from..]
                .find(end)
                .unwrap_or_else(|| panic!("no {end:?}"));
        &text[from..to]
    }

    #[test]
    fn every_place_that_names_the_commands_names_the_same_ones() {
        let list: BTreeSet<String> = COMMANDS.iter().map(|c| (*c).to_owned()).collect();
        assert_eq!(list.len(), COMMANDS.len(), "a command is listed twice");

        let main = source("src/main.rs");
        let handlers: BTreeSet<String> = between(&main, "generate_handler![", "]")
            .split(',')
            .filter_map(|path| path.trim().rsplit("::").next())
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect();
        assert_eq!(
            handlers, list,
            "generate_handler! in main.rs differs from command_names.rs"
        );

        let capabilities: serde_json::Value =
            serde_json::from_str(&source("capabilities/default.json")).unwrap();
        let granted: BTreeSet<String> = capabilities["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
            .map(|p| p.replace('-', "_"))
            .collect();
        assert_eq!(
            granted, list,
            "capabilities/default.json differs from command_names.rs"
        );

        let api = source("../ui/js/api.js");
        let called: BTreeSet<String> = ["call('", "callSealed('"]
            .iter()
            .flat_map(|marker| api.split(marker).skip(1))
            .filter_map(|rest| rest.split('\'').next())
            .map(str::to_owned)
            .collect();
        assert_eq!(called, list, "ui/js/api.js differs from command_names.rs");
    }
}
