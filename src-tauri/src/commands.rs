//! Thin Tauri commands: typed arguments, one library call, error mapping. Anything the
//! CLI could also need lives in the `vaultstore` library, not here.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use vaultstore::{CreateOptions, Password, SecretValue};

use crate::dto::{
    CopiedDto, ListArgs, MetadataArgs, MetadataEditArgs, PageDto, ProgressDto, RecordDto,
    RevealedDto, VaultInfoDto, progress,
};
use crate::errors::{CmdResult, ErrorCode, ErrorDto, Typed};
use crate::settings::Settings;
use crate::state::AppState;

#[tauri::command]
pub async fn vault_info(state: State<'_, AppState>) -> CmdResult<VaultInfoDto> {
    let kdf = state.store.kdf_params();
    Ok(VaultInfoDto {
        database: state.database.clone(),
        backend: match state.store.dialect() {
            vaultstore::Dialect::Sqlite => "SQLite",
            vaultstore::Dialect::Postgres => "PostgreSQL",
            vaultstore::Dialect::MySql => "MySQL",
        },
        kdf: format!(
            "Argon2id, {} MiB, {} passes, {} lanes",
            kdf.memory_kib() / 1024,
            kdf.iterations(),
            kdf.lanes()
        ),
    })
}

#[tauri::command]
pub async fn list_records(state: State<'_, AppState>, args: Typed<ListArgs>) -> CmdResult<PageDto> {
    state.touch();
    let Typed(args) = args;
    let now = Utc::now();
    let page = state.store.records_list(&args.query(now)?).await?;
    Ok(PageDto {
        next: page.next.map(|c| c.to_string()),
        records: page
            .records
            .into_iter()
            .map(|r| {
                let opened = state.is_open(&r.token);
                RecordDto::new(r, now, opened)
            })
            .collect(),
    })
}

#[tauri::command]
pub async fn count_records(state: State<'_, AppState>, args: Typed<ListArgs>) -> CmdResult<u64> {
    Ok(state
        .store
        .records_count(&args.0.query(Utc::now())?)
        .await?)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateArgs {
    value: SecretValue,
    password: Password,
    token: Option<String>,
    expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    metadata: MetadataArgs,
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn create_record(
    state: State<'_, AppState>,
    args: Typed<CreateArgs>,
) -> CmdResult<String> {
    state.touch();
    let Typed(args) = args;
    let options = CreateOptions {
        token: args.token.filter(|t| !t.trim().is_empty()),
        expires_at: args.expires_at,
        metadata: args.metadata.into_metadata(),
        ..CreateOptions::default()
    };
    let token = state
        .store
        .token_create(&args.value, &args.password, options)
        .await?;
    state.remember(&token, &args.password);
    Ok(token)
}

/// Opens a record with the given password or the one remembered for it; remembers a
/// password that worked, forgets one that did not.
async fn open(
    state: &AppState,
    token: &str,
    password: Option<Password>,
) -> CmdResult<(SecretValue, Password)> {
    let password = state.password_for(token, password)?;
    match state.store.token_read(token, &password).await {
        Ok(value) => {
            state.remember(token, &password);
            Ok((value, password))
        }
        Err(e) => {
            if e.code() == vaultstore::ErrorCode::InvalidPassword {
                state.forget(token);
            }
            Err(e.into())
        }
    }
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn reveal_value(
    state: State<'_, AppState>,
    token: String,
    password: Option<Password>,
) -> CmdResult<RevealedDto> {
    state.touch();
    let (value, _) = open(&state, &token, password).await?;
    Ok(RevealedDto { token, value })
}

/// Copies a value to the clipboard from the backend (the value need not be shown), marked
/// as secret for clipboard managers, and clears it after the configured time unless the
/// user copied something else meanwhile. Returns the token and the seconds until clearing.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn copy_value(
    app: AppHandle,
    state: State<'_, AppState>,
    token: String,
    password: Option<Password>,
) -> CmdResult<CopiedDto> {
    state.touch();
    let (value, _) = open(&state, &token, password).await?;
    let clipboard_error = |e: tauri_plugin_clipboard_manager::Error| {
        ErrorDto::new(
            ErrorCode::Clipboard,
            format!("could not use the clipboard: {e}"),
        )
    };
    app.clipboard()
        .write_secret(value.expose())
        .map_err(clipboard_error)?;
    let seconds = state.settings().clipboard_clear_seconds;
    tauri::async_runtime::spawn(async move {
        #[allow(
            clippy::disallowed_methods,
            reason = "the clipboard is cleared after the chosen time: the wait is the feature"
        )]
        tokio::time::sleep(Duration::from_secs(u64::from(seconds))).await;
        let still_ours = app
            .clipboard()
            .read_text()
            .map(|current| SecretValue::new(current) == value)
            .unwrap_or(false);
        if still_ours {
            let _ = app.clipboard().clear();
        }
    });
    Ok(CopiedDto { token, seconds })
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn update_value(
    state: State<'_, AppState>,
    token: String,
    value: SecretValue,
    password: Option<Password>,
) -> CmdResult<()> {
    state.touch();
    let password = state.password_for(&token, password)?;
    state.store.token_update(&token, &value, &password).await?;
    state.remember(&token, &password);
    Ok(())
}

/// Changes the metadata parts the dialog shows; every other key is kept (merged in one
/// transaction by the library).
#[tauri::command]
pub async fn update_metadata(
    state: State<'_, AppState>,
    id: String,
    metadata: Typed<MetadataEditArgs>,
) -> CmdResult<()> {
    state.touch();
    let Typed(metadata) = metadata;
    state
        .store
        .record_patch_metadata(&id, &metadata.into_patch())
        .await?;
    Ok(())
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn rekey_record(
    state: State<'_, AppState>,
    token: String,
    old: Option<Password>,
    new: Password,
) -> CmdResult<()> {
    state.touch();
    let old = state.password_for(&token, old)?;
    state.store.token_rekey(&token, &old, &new).await?;
    state.remember(&token, &new);
    Ok(())
}

#[tauri::command]
pub async fn renew_record(
    state: State<'_, AppState>,
    token: String,
    expires_at: Typed<Option<DateTime<Utc>>>,
) -> CmdResult<()> {
    state.touch();
    Ok(state.store.token_renew(&token, expires_at.0).await?)
}

#[tauri::command]
pub async fn soft_delete_record(state: State<'_, AppState>, token: String) -> CmdResult<()> {
    state.touch();
    Ok(state.store.token_soft_delete(&token).await?)
}

#[tauri::command]
pub async fn restore_record(state: State<'_, AppState>, token: String) -> CmdResult<()> {
    state.touch();
    Ok(state.store.token_restore(&token).await?)
}

#[tauri::command]
pub async fn delete_record(state: State<'_, AppState>, token: String) -> CmdResult<()> {
    state.touch();
    state.store.token_delete(&token).await?;
    state.forget(&token);
    Ok(())
}

/// Removes expired records (soft: moves them to the Trash) in one transaction, with
/// progress on `on_progress`; `cancel_operation` rolls it back.
#[tauri::command]
pub async fn purge_expired(
    state: State<'_, AppState>,
    soft: bool,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<u64> {
    state.touch();
    let operation = state.begin_operation()?;
    Ok(state
        .store
        .purge_expired_with(soft, progress(on_progress), operation.cancel())
        .await?)
}

/// Re-encrypts every record of `old` under `new`, reporting progress on `on_progress`;
/// `cancel_operation` rolls it back.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn change_password(
    state: State<'_, AppState>,
    old: Password,
    new: Password,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<u64> {
    state.touch();
    let operation = state.begin_operation()?;
    let result = state
        .store
        .change_password(&old, &new, progress(on_progress), operation.cancel())
        .await;
    drop(operation);
    // Remembered passwords of moved records are stale now.
    if result.is_ok() {
        state.lock_vault();
    }
    Ok(result?)
}

#[tauri::command]
pub async fn cancel_operation(state: State<'_, AppState>) -> CmdResult<bool> {
    Ok(state.cancel_operation())
}

/// User activity in the window (keys, pointer) that calls no other command: typing a
/// long note must not count as idle. The UI sends it at most every few seconds.
#[tauri::command]
pub async fn touch(state: State<'_, AppState>) -> CmdResult<()> {
    state.touch();
    Ok(())
}

#[tauri::command]
pub async fn lock_vault(state: State<'_, AppState>) -> CmdResult<()> {
    state.lock_vault();
    Ok(())
}

#[tauri::command]
pub async fn get_settings(state: State<'_, AppState>) -> CmdResult<Settings> {
    Ok(state.settings())
}

#[tauri::command]
pub async fn set_settings(state: State<'_, AppState>, settings: Typed<Settings>) -> CmdResult<()> {
    state.touch();
    state.set_settings(settings.0)
}
