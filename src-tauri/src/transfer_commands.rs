//! Export and import commands: a native dialog picks the file, the library does the work.
//! An import is chosen first (the file is read and kept in the app state), previewed as a
//! dry run for the options the user picks, then run.

use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use vaultstore::transfer::{ImportOptions, ImportReport, OnConflict};
use vaultstore::{Cancel, DeletedFilter, RecordQuery};

use crate::dto::{CmdResult, ErrorDto, ProgressDto, progress};
use crate::file_dialog;
use crate::state::AppState;

/// Largest file an import reads.

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportDone {
    /// Where the bundle was written; `None` if the user cancelled the dialog.
    path: Option<String>,
    count: u64,
}

/// Exports `scope` (`vault`, `trash` or `all`) to a bundle the user names.
#[tauri::command]
pub async fn export_bundle(
    app: AppHandle,
    state: State<'_, AppState>,
    scope: String,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<ExportDone> {
    state.touch();
    let query = scope_query(&scope)?;
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

fn scope_query(scope: &str) -> CmdResult<RecordQuery> {
    Ok(RecordQuery::new().deleted(match scope {
        "vault" => DeletedFilter::Exclude,
        "trash" => DeletedFilter::Only,
        "all" => DeletedFilter::Include,
        other => return Err(ErrorDto::invalid(format!("unknown export scope {other:?}"))),
    }))
}

/// Writes the values that open with `passwords` in plain text (CSV or JSON). The UI asks
/// twice; `confirmed` records that it did.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn export_plaintext(
    app: AppHandle,
    state: State<'_, AppState>,
    scope: String,
    format: String,
    passwords: Vec<vaultstore::Password>,
    confirmed: bool,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<PlainDone> {
    state.touch();
    if !confirmed {
        return Err(ErrorDto::invalid(
            "a plaintext export needs the explicit confirmation",
        ));
    }
    let query = scope_query(&scope)?;
    let format = format.parse::<vaultstore::transfer::PlainFormat>()?;
    let extension = match format {
        vaultstore::transfer::PlainFormat::Csv => "csv",
        vaultstore::transfer::PlainFormat::Json => "json",
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

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportChoice {
    on_conflict: String,
    restore_deleted: bool,
}

impl ImportChoice {
    fn options(&self, dry_run: bool) -> CmdResult<ImportOptions> {
        Ok(ImportOptions {
            on_conflict: self.on_conflict.parse::<OnConflict>()?,
            restore_deleted: self.restore_deleted,
            dry_run,
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportChosen {
    /// The file picked; `None` if the user cancelled the dialog.
    file: Option<String>,
}

/// Asks for the bundle to import and keeps its bytes for preview and import.
#[tauri::command]
pub async fn choose_import(app: AppHandle, state: State<'_, AppState>) -> CmdResult<ImportChosen> {
    state.touch();
    let Some(path) = file_dialog::open(&app, "Import a VaultStore bundle").await else {
        return Ok(ImportChosen { file: None });
    };
    // Read with a hard cap (a FIFO or a device reports size 0), off the async threads.
    let file = path.clone();
    let bytes = tokio::task::spawn_blocking(move || vaultstore::transfer::read_input(&file))
        .await
        .map_err(|e| ErrorDto::invalid(format!("reading {} stopped: {e}", path.display())))??;
    state.set_pending_import(Some(bytes));
    Ok(ImportChosen {
        file: Some(path.display().to_string()),
    })
}

/// What the import would do with these options (a dry run: nothing is kept).
#[tauri::command]
pub async fn preview_import(
    state: State<'_, AppState>,
    choice: ImportChoice,
) -> CmdResult<ImportReport> {
    let bytes = state.pending_import()?;
    Ok(state
        .store
        .import_bundle(&bytes, choice.options(true)?, |_| {}, &Cancel::new())
        .await?)
}

/// Imports the chosen bundle in one transaction; `cancel_operation` rolls it back.
#[tauri::command]
pub async fn run_import(
    state: State<'_, AppState>,
    choice: ImportChoice,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<ImportReport> {
    import(&state, &choice, progress(on_progress)).await
}

async fn import(
    state: &AppState,
    choice: &ImportChoice,
    on_progress: impl Fn(vaultstore::Progress) + Send + Sync,
) -> CmdResult<ImportReport> {
    state.touch();
    let bytes = state.pending_import()?;
    let operation = state.begin_operation()?;
    let report = state
        .store
        .import_bundle(
            &bytes,
            choice.options(false)?,
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
    async fn an_import_refused_early_leaves_the_app_able_to_start_the_next_operation() {
        let dir = tempfile::tempdir().unwrap();
        let state = app_state(&dir).await;
        state.set_pending_import(Some(b"{}".to_vec()));
        let bad = ImportChoice {
            on_conflict: "sideways".into(),
            restore_deleted: false,
        };
        let err = import(&state, &bad, |_| {}).await.unwrap_err();
        assert_eq!(err.code, "invalid_input", "{}", err.message);
        let next = state.begin_operation();
        assert!(
            next.is_ok(),
            "the refused import left the app busy: {:?}",
            next.err()
        );
    }
}
