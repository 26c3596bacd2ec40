//! Export and import commands: a native dialog picks the file, the library does the work.
//! An import is chosen first (the file is read and kept in the app state), previewed as a
//! dry run for the options the user picks, then run.

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use vaultstore::Cancel;
use vaultstore::transfer::{ImportOptions, ImportReport, OnConflict, PlainFormat};

use crate::dto::{ProgressDto, Scope, progress};
use crate::errors::{CmdResult, ErrorDto, Typed};
use crate::file_dialog;
use crate::import_commands::{self, ImportSource};
use crate::state::AppState;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportDone {
    /// Where the bundle was written; `None` if the user cancelled the dialog.
    path: Option<String>,
    count: u64,
}

/// Exports `scope` to a bundle the user names.
#[tauri::command]
pub async fn export_bundle(
    app: AppHandle,
    state: State<'_, AppState>,
    scope: Typed<Scope>,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<ExportDone> {
    state.touch();
    let query = scope.0.query();
    let name = format!("vaultstore-{}.json", chrono::Utc::now().format("%Y-%m-%d"));
    let Some(path) = file_dialog::save(&app, "Export the vault", &name).await else {
        return Ok(ExportDone {
            path: None,
            count: 0,
        });
    };
    let operation = state.begin_operation()?;
    let report = state
        .store
        .export_bundle(&query, &path, progress(on_progress), operation.cancel())
        .await?;
    Ok(ExportDone {
        count: report.count,
        path: Some(path.display().to_string()),
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlainDone {
    path: Option<String>,
    exported: u64,
    /// Tokens no given password opened: listed, not silently dropped.
    unopened: Vec<String>,
}

/// Writes the values that open with `passwords` in plain text (CSV or JSON). The UI asks
/// twice; `confirmed` records that it did.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn export_plaintext(
    app: AppHandle,
    state: State<'_, AppState>,
    scope: Typed<Scope>,
    format: Typed<PlainFormat>,
    passwords: Vec<crate::sealed_ipc::Sealed>,
    confirmed: bool,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<PlainDone> {
    state.touch();
    let passwords = state.sealed.passwords("passwords", &passwords)?;
    if !confirmed {
        return Err(ErrorDto::invalid(
            "confirmed",
            "a plaintext export needs the explicit confirmation",
        ));
    }
    let query = scope.0.query();
    let format = format.0;
    let extension = match format {
        PlainFormat::Csv => "csv",
        PlainFormat::Json => "json",
    };
    let name = format!("vaultstore-plaintext.{extension}");
    let Some(path) = file_dialog::save(&app, "Export values in plain text", &name).await else {
        return Ok(PlainDone {
            path: None,
            exported: 0,
            unopened: Vec::new(),
        });
    };
    let operation = state.begin_operation()?;
    let export = state
        .store
        .export_plaintext(
            &query,
            &passwords,
            format,
            progress(on_progress),
            operation.cancel(),
        )
        .await?;
    vaultstore::transfer::write_plain(&path, &export)?;
    drop(operation);
    Ok(PlainDone {
        path: Some(path.display().to_string()),
        exported: export.exported,
        unopened: export.unopened.clone(),
    })
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportChoice {
    on_conflict: OnConflict,
    restore_deleted: bool,
}

impl ImportChoice {
    fn options(self, dry_run: bool) -> ImportOptions {
        ImportOptions {
            on_conflict: self.on_conflict,
            restore_deleted: self.restore_deleted,
            dry_run,
            allow_costly_kdf: false,
            accept_v2: false,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportChosen {
    /// The file picked; `None` if the user cancelled the dialog.
    file: Option<String>,
}

/// Asks for the file to import (a bundle, or another manager's export) and keeps its
/// bytes for preview and import.
#[tauri::command]
pub async fn choose_import(
    app: AppHandle,
    state: State<'_, AppState>,
    source: Typed<ImportSource>,
) -> CmdResult<ImportChosen> {
    state.touch();
    let file = import_commands::choose_file(&app, &state, source.0).await?;
    Ok(ImportChosen { file })
}

/// What the import would do with these options (a dry run: nothing is kept).
#[tauri::command]
pub async fn preview_import(
    state: State<'_, AppState>,
    choice: Typed<ImportChoice>,
) -> CmdResult<ImportReport> {
    let bytes = state.pending_import(ImportSource::Bundle)?;
    Ok(state
        .store
        .import_bundle(&bytes, choice.0.options(true), |_| {}, &Cancel::new())
        .await?)
}

/// Imports the chosen bundle in one transaction; `cancel_operation` rolls it back.
#[tauri::command]
pub async fn run_import(
    state: State<'_, AppState>,
    choice: Typed<ImportChoice>,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<ImportReport> {
    import(&state, choice.0, progress(on_progress)).await
}

async fn import(
    state: &AppState,
    choice: ImportChoice,
    on_progress: impl Fn(vaultstore::Progress) + Send + Sync,
) -> CmdResult<ImportReport> {
    state.touch();
    let bytes = state.pending_import(ImportSource::Bundle)?;
    let operation = state.begin_operation()?;
    let report = state
        .store
        .import_bundle(
            &bytes,
            choice.options(false),
            on_progress,
            operation.cancel(),
        )
        .await?;
    drop(operation);
    state.set_pending_import(None);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn app_state(dir: &tempfile::TempDir) -> AppState {
        let url = format!("sqlite://{}", dir.path().join("vault.db").display());
        let store = vaultstore::Store::new(vaultstore::StoreOptions::new(&url))
            .await
            .unwrap();
        AppState::new(store, url, dir.path().join("settings.json"))
    }

    #[tokio::test]
    async fn a_refused_import_leaves_the_app_able_to_start_the_next_operation() {
        let dir = tempfile::tempdir().unwrap();
        let state = app_state(&dir).await;
        // Not a bundle: refused after the operation began.
        state.set_pending_import(Some(crate::state::PendingImport {
            source: ImportSource::Bundle,
            bytes: std::sync::Arc::new(zeroize::Zeroizing::new(b"{}".to_vec())),
        }));
        let choice = ImportChoice {
            on_conflict: OnConflict::Skip,
            restore_deleted: false,
        };
        let err = import(&state, choice, |_| {}).await.unwrap_err();
        assert_eq!(
            err.code,
            crate::errors::ErrorCode::INVALID_INPUT,
            "{}",
            err.message
        );
        let next = state.begin_operation();
        assert!(
            next.is_ok(),
            "the refused import left the app busy: {:?}",
            next.err()
        );
    }

    #[test]
    fn an_unknown_conflict_policy_is_refused_naming_the_field() {
        let value = serde_json::json!({"onConflict": "sideways", "restoreDeleted": false});
        let err = crate::errors::deserialize_arg::<ImportChoice, _>("choice", &value).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("onConflict"), "{}", err.message);
    }
}
