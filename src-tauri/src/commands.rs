//! Thin Tauri commands: typed arguments, one library call, error mapping. Anything the
//! CLI could also need lives in the `vaultstore` library, not here.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_clipboard_manager::ClipboardExt;
use vaultstore::{
    Access, BulkAction, CreateOptions, DeletedFilter, ExpiryFilter, RecordQuery, SecretValue,
};

use crate::clipboard;
use crate::dto::{
    CopiedDto, ListArgs, MetadataArgs, MetadataEditArgs, PageDto, ProgressDto, RecordDto,
    RevealedDto, VaultInfoDto, progress,
};
use crate::errors::{CmdResult, ErrorCode, ErrorDto, Typed};
use crate::sealed_ipc::Sealed;
use crate::settings::{GeneratorOptions, SavedView, Settings};
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
    let page = args.0.page()?;
    let now = Utc::now();
    let (records, next, prev) = page.arrange(state.store.records_list(&page.run).await?);
    Ok(PageDto {
        next: next.map(|c| c.to_string()),
        prev: prev.map(|c| c.to_string()),
        records: records
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
    Ok(state.store.records_count(&args.0.query()?).await?)
}

#[derive(Debug, Serialize)]
pub struct TagCount {
    tag: String,
    count: u64,
}

/// The tags of the records the filters match, with their counts (the tag list).
#[tauri::command]
pub async fn tag_counts(
    state: State<'_, AppState>,
    args: Typed<ListArgs>,
) -> CmdResult<Vec<TagCount>> {
    let counts = state.store.tag_counts(&args.0.query()?, 200).await?;
    Ok(counts
        .into_iter()
        .map(|(tag, count)| TagCount { tag, count })
        .collect())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateArgs {
    value: Sealed,
    password: Sealed,
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
    let value = state.sealed.value("value", &args.value)?;
    let password = state.sealed.password("password", &args.password)?;
    let options = CreateOptions {
        token: args.token.filter(|t| !t.trim().is_empty()),
        expires_at: args.expires_at,
        metadata: args.metadata.into_metadata(),
        ..CreateOptions::default()
    };
    let token = state.store.token_create(&value, &password, options).await?;
    state.remember(&token, state.store.session_key(&password));
    Ok(token)
}

/// How a value was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opened {
    /// With the password typed now.
    WithPassword,
    /// With the key remembered for this record, or one derived this session for another
    /// record under the same password (the session keyring). No KDF runs.
    WithSessionKey,
}

/// Opens a record with the password given, else with this session's keys; remembers the
/// key (never the password) that worked, forgets one that did not.
async fn open(
    state: &AppState,
    token: &str,
    password: Option<Sealed>,
    access: Access,
) -> CmdResult<(SecretValue, Opened)> {
    let Some(password) = password else {
        return open_with_session_keys(state, token, access).await;
    };
    let password = state.sealed.password("password", &password)?;
    match state.store.token_read_for(token, &password, access).await {
        Ok(value) => {
            state.remember(token, state.store.session_key(&password));
            Ok((value, Opened::WithPassword))
        }
        Err(e) => {
            if e.code() == vaultstore::ErrorCode::InvalidPassword {
                state.forget(token);
            }
            Err(e.into())
        }
    }
}

async fn open_with_session_keys(
    state: &AppState,
    token: &str,
    access: Access,
) -> CmdResult<(SecretValue, Opened)> {
    let store = &state.store;
    if let Some(key) = state.key_for(token)
        && let Some(value) = store
            .token_read_with_session_key_for(token, key, access)
            .await?
    {
        return Ok((value, Opened::WithSessionKey));
    }
    match store
        .token_read_with_any_session_key_for(token, access)
        .await?
    {
        Some((value, key)) => {
            state.remember(token, key);
            Ok((value, Opened::WithSessionKey))
        }
        None => {
            state.forget(token);
            Err(ErrorDto::password_required(token))
        }
    }
}

#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn reveal_value(
    state: State<'_, AppState>,
    token: String,
    password: Option<Sealed>,
) -> CmdResult<RevealedDto> {
    state.touch();
    let (value, opened) = open(&state, &token, password, Access::Reveal).await?;
    Ok(RevealedDto {
        token,
        value: state.sealed.seal(value.expose())?,
        by_session_key: opened == Opened::WithSessionKey,
    })
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
    password: Option<Sealed>,
) -> CmdResult<CopiedDto> {
    state.touch();
    let (value, _) = open(&state, &token, password, Access::Copy).await?;
    let clipboard_error = |e: tauri_plugin_clipboard_manager::Error| {
        ErrorDto::new(
            ErrorCode::Clipboard,
            format!("could not use the clipboard: {e}"),
        )
    };
    let mark = clipboard::Mark::of(value.expose());
    app.clipboard()
        .write_secret(value.expose())
        .map_err(clipboard_error)?;
    drop(value);
    state.copies.set(mark);
    let seconds = state.settings().clipboard_clear_seconds;
    tauri::async_runtime::spawn(async move {
        #[allow(
            clippy::disallowed_methods,
            reason = "the clipboard is cleared after the chosen time: the wait is the feature"
        )]
        tokio::time::sleep(Duration::from_secs(u64::from(seconds))).await;
        match mark {
            Some(mark) => app.state::<AppState>().copies.clear_ours(&app, Some(mark)),
            None => {
                let _ = app.clipboard().clear();
            }
        }
    });
    Ok(CopiedDto { token, seconds })
}

/// Replaces a value. The password must be typed now: a record opened earlier in the
/// session does not authorise a change that could lock its owner out.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn update_value(
    state: State<'_, AppState>,
    token: String,
    value: Sealed,
    password: Sealed,
    expected_updated_at: Typed<Option<DateTime<Utc>>>,
) -> CmdResult<()> {
    state.touch();
    let value = state.sealed.value("value", &value)?;
    let password = state.sealed.password("password", &password)?;
    let found = state.store.record_find_by_token(&token).await?;
    unchanged_since(found, expected_updated_at.0)?;
    state.store.token_update(&token, &value, &password).await?;
    state.remember(&token, state.store.session_key(&password));
    Ok(())
}

/// Changes the metadata parts the dialog shows; every other key is kept (merged in one
/// transaction by the library).
#[tauri::command]
pub async fn update_metadata(
    state: State<'_, AppState>,
    id: String,
    metadata: Typed<MetadataEditArgs>,
    expected_updated_at: Typed<Option<DateTime<Utc>>>,
) -> CmdResult<()> {
    state.touch();
    let Typed(metadata) = metadata;
    unchanged_since(
        state.store.record_find_by_id(&id).await?,
        expected_updated_at.0,
    )?;
    state
        .store
        .record_patch_metadata(&id, &metadata.into_patch())
        .await?;
    Ok(())
}

/// Refuses a save when the record changed since the dialog loaded it at `expected` (its
/// `updatedAt` then); `None` saves over whatever is there ("keep mine"). Whatever a save
/// replaces stays in the record's history.
fn unchanged_since(
    found: Option<vaultstore::Record>,
    expected: Option<DateTime<Utc>>,
) -> CmdResult<()> {
    match (found, expected) {
        (Some(r), Some(at)) if r.updated_at != at => Err(ErrorDto::new(
            ErrorCode::Changed,
            format!(
                "{} was changed by someone else since you opened it; reload it, or keep yours and save again",
                r.token
            ),
        )),
        _ => Ok(()),
    }
}

/// The record with this token as stored now (`None` once deleted forever): what the
/// record dialog compares with what it loaded when the vault changed.
#[tauri::command]
pub async fn record_now(state: State<'_, AppState>, token: String) -> CmdResult<Option<RecordDto>> {
    let found = state.store.record_find_by_token(&token).await?;
    Ok(found.map(|r| {
        let opened = state.is_open(&r.token);
        RecordDto::new(r, Utc::now(), opened)
    }))
}

/// Re-seals a record under a new password; the current one must be typed now (see
/// `update_value`).
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn rekey_record(
    state: State<'_, AppState>,
    token: String,
    old: Sealed,
    new: Sealed,
) -> CmdResult<()> {
    state.touch();
    let old = state.sealed.password("old", &old)?;
    let new = state.sealed.password("new", &new)?;
    state.store.token_rekey(&token, &old, &new).await?;
    state.remember(&token, state.store.session_key(&new));
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
pub async fn soft_delete_record(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<Option<DateTime<Utc>>> {
    state.touch();
    journaled(&state, &token, BulkAction::SoftDelete).await
}

#[tauri::command]
pub async fn restore_record(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<Option<DateTime<Utc>>> {
    state.touch();
    journaled(&state, &token, BulkAction::Restore).await
}

/// Deletes a record for good: `confirm` must be the token, typed by the user. Undo can
/// bring it back until the next change, as after a bulk deletion.
#[tauri::command]
pub async fn delete_record(
    state: State<'_, AppState>,
    token: String,
    confirm: Option<String>,
) -> CmdResult<Option<DateTime<Utc>>> {
    state.touch();
    confirm_deletion(&token, confirm.as_deref())?;
    let at = journaled(&state, &token, BulkAction::DeleteForever).await?;
    state.forget(&token);
    Ok(at)
}

/// One record's trash, restore or deletion goes through the library's undo journal like
/// a bulk change, so Undo (Ctrl+Z) reverts the last destructive action whichever way it
/// was done. When it changes nothing (no such token, or already in that state) the
/// single-token call says why, with its own typed error. Returns the change's mark for
/// Undo (`undo_last`'s `at`), if it made one.
async fn journaled(
    state: &AppState,
    token: &str,
    action: BulkAction,
) -> CmdResult<Option<DateTime<Utc>>> {
    let query = RecordQuery::new()
        .token(token)
        .deleted(DeletedFilter::Include);
    let report = state
        .store
        .bulk_apply(&query, &action, |_| {}, &vaultstore::Cancel::new())
        .await?;
    if report.changed > 0 {
        return Ok(crate::bulk_commands::last_change_at(state).await);
    }
    let store = &state.store;
    match action {
        BulkAction::SoftDelete => store.token_soft_delete(token).await?,
        BulkAction::Restore => store.token_restore(token).await?,
        _ => store.token_delete(token).await?,
    }
    Ok(None)
}

/// A deletion for good goes ahead only with the token typed as confirmation (the
/// comparison is not secret: the token is shown beside the field).
fn confirm_deletion(token: &str, confirm: Option<&str>) -> CmdResult<()> {
    if confirm.map(str::trim) == Some(token) {
        Ok(())
    } else {
        Err(ErrorDto::invalid(
            "confirm",
            format!("type the token {token} to delete it forever"),
        ))
    }
}

/// Deleting many for good goes ahead only with their number typed as confirmation; a
/// number that no longer matches (records expired meanwhile) asks the user to look again.
fn confirm_count(count: u64, confirm: Option<&str>) -> CmdResult<()> {
    if confirm.map(str::trim) == Some(count.to_string().as_str()) {
        Ok(())
    } else {
        Err(ErrorDto::invalid(
            "confirm",
            format!("type the number of records to delete for good ({count}) to confirm"),
        ))
    }
}

/// Removes expired records (soft: moves them to the Trash) in one transaction, with
/// progress on `on_progress`; `cancel_operation` rolls it back. Deleting for good needs
/// `confirm`: the number of expired records, as the user typed it.
#[tauri::command]
pub async fn purge_expired(
    state: State<'_, AppState>,
    soft: bool,
    confirm: Option<String>,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<u64> {
    state.touch();
    if !soft {
        let expired = RecordQuery::new()
            .deleted(DeletedFilter::Include)
            .expiry(ExpiryFilter::Expired);
        let count = state.store.records_count(&expired).await?;
        confirm_count(count, confirm.as_deref())?;
    }
    let operation = state.begin_operation()?;
    Ok(state
        .store
        .purge_expired_with(soft, progress(on_progress), operation.cancel())
        .await?)
}

/// Deletes every record in the Trash for good in one transaction, with progress on
/// `on_progress`; `cancel_operation` rolls it back. `confirm` is the number of records
/// in the Trash, as the user typed it; if the Trash changed after that (another window
/// trashed or restored one), nothing is deleted and the error asks to look again.
#[tauri::command]
pub async fn empty_trash(
    state: State<'_, AppState>,
    confirm: Option<String>,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<u64> {
    state.touch();
    let trash = RecordQuery::new().deleted(DeletedFilter::Only);
    let count = state.store.records_count(&trash).await?;
    confirm_count(count, confirm.as_deref())?;
    let operation = state.begin_operation()?;
    Ok(state
        .store
        .trash_empty_with(count, progress(on_progress), operation.cancel())
        .await?)
}

/// Re-encrypts every record of `old` under `new`, reporting progress on `on_progress`;
/// `cancel_operation` rolls it back.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn change_password(
    state: State<'_, AppState>,
    old: Sealed,
    new: Sealed,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<u64> {
    state.touch();
    let old = state.sealed.password("old", &old)?;
    let new = state.sealed.password("new", &new)?;
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

/// The page's half of the key agreement for sealed secrets (see `sealed_ipc`); answers
/// the backend's half.
#[tauri::command]
pub async fn open_sealed_channel(
    state: State<'_, AppState>,
    public_key: String,
) -> CmdResult<String> {
    state.sealed.open(&public_key)
}

/// User activity in the window (keys, pointer) that calls no other command: typing a
/// long note must not count as idle. The UI sends it at most every few seconds.
#[tauri::command]
pub async fn touch(state: State<'_, AppState>) -> CmdResult<()> {
    state.touch();
    Ok(())
}

/// Lock: forgets every key, and clears the clipboard if it still holds our copy.
#[tauri::command]
pub async fn lock_vault(app: AppHandle, state: State<'_, AppState>) -> CmdResult<()> {
    state.lock_vault();
    state.copies.clear_ours(&app, None);
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

/// Remembers the password generator's options for the next start.
#[tauri::command]
pub async fn set_generator(
    state: State<'_, AppState>,
    generator: Typed<GeneratorOptions>,
) -> CmdResult<()> {
    state.set_generator(generator.0)
}

/// Remembers the records table's view, filters and sort for the next start.
#[tauri::command]
pub async fn set_view(state: State<'_, AppState>, view: Typed<SavedView>) -> CmdResult<()> {
    state.set_view(view.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deleting_forever_needs_the_token_typed() {
        let token = "tk_mail";
        for wrong in [None, Some(""), Some("yes"), Some("tk_mai"), Some("TK_MAIL")] {
            let err = confirm_deletion(token, wrong).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("confirm"), "{wrong:?}");
        }
        confirm_deletion(token, Some(" tk_mail ")).unwrap();
    }

    #[test]
    fn purging_for_good_needs_the_count_typed() {
        for wrong in [None, Some("3"), Some("all"), Some("")] {
            assert!(confirm_count(4, wrong).is_err(), "{wrong:?}");
        }
        confirm_count(4, Some("4")).unwrap();
    }
}
