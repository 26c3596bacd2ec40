//! Imports from other password managers and from the Go VaultStore library. A foreign
//! file is chosen first (read with the library's hard cap and kept, wiped on drop, until
//! it is imported or the vault locks), previewed from the file alone, then imported under
//! a password typed now. A Go table is previewed as a dry run of the import itself.

use serde::Deserialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use vaultstore::transfer::{
    ForeignFormat, ForeignPreview, ImportOptions, ImportReport, OnConflict, preview_foreign,
};

use crate::dto::{ProgressDto, progress};
use crate::errors::{CmdResult, ErrorCode, ErrorDto, Typed};
use crate::file_dialog;
use crate::sealed_ipc::Sealed;
use crate::state::{AppState, PendingImport};

/// What a chosen import file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImportSource {
    /// A VaultStore bundle.
    Bundle,
    /// KeePassXC: Database > Export > CSV.
    KeepassxcCsv,
    /// Bitwarden: Export vault > .json (unencrypted).
    BitwardenJson,
}

impl ImportSource {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Bundle => "VaultStore bundle",
            Self::KeepassxcCsv => "KeePassXC CSV",
            Self::BitwardenJson => "Bitwarden JSON",
        }
    }

    fn foreign(self) -> CmdResult<ForeignFormat> {
        match self {
            Self::KeepassxcCsv => Ok(ForeignFormat::KeepassxcCsv),
            Self::BitwardenJson => Ok(ForeignFormat::BitwardenJson),
            Self::Bundle => Err(ErrorDto::invalid(
                "source",
                "a bundle is imported with its own dialog, not as another manager's export",
            )),
        }
    }
}

/// Asks for a file of `source` and reads it (hard cap; off the async threads) into the
/// pending import. Returns the path, or `None` if the user cancelled the dialog.
pub async fn choose_file(
    app: &AppHandle,
    state: &AppState,
    source: ImportSource,
) -> CmdResult<Option<String>> {
    let title = format!("Import a {}", source.describe());
    let Some(path) = file_dialog::open(app, &title).await else {
        return Ok(None);
    };
    let file = path.clone();
    let bytes = tokio::task::spawn_blocking(move || vaultstore::transfer::read_input(&file))
        .await
        .map_err(|e| {
            let message = format!("reading {} stopped: {e}", path.display());
            ErrorDto::new(ErrorCode::Internal, message)
        })??;
    state.set_pending_import(Some(PendingImport {
        source,
        bytes: std::sync::Arc::new(zeroize::Zeroizing::new(bytes)),
    }));
    Ok(Some(path.display().to_string()))
}

/// What importing the chosen foreign file would create, skip and leave behind.
#[tauri::command]
pub async fn preview_foreign_import(
    state: State<'_, AppState>,
    source: Typed<ImportSource>,
) -> CmdResult<ForeignPreview> {
    state.touch();
    let format = source.0.foreign()?;
    let bytes = state.pending_import(source.0)?;
    Ok(preview_foreign(format, &bytes)?)
}

/// Imports the chosen foreign file in one transaction, every entry sealed under
/// `password`; `cancel_operation` rolls it back.
#[tauri::command]
pub async fn run_foreign_import(
    state: State<'_, AppState>,
    source: Typed<ImportSource>,
    password: Sealed,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<ImportReport> {
    state.touch();
    let format = source.0.foreign()?;
    let password = state.sealed.password("password", &password)?;
    let bytes = state.pending_import(source.0)?;
    let operation = state.begin_operation()?;
    let report = state
        .store
        .import_foreign(
            format,
            &bytes,
            &password,
            ImportOptions::default(),
            progress(on_progress),
            operation.cancel(),
        )
        .await?;
    drop(operation);
    state.set_pending_import(None);
    Ok(report)
}

/// Where the Go library's table is, and what to do with tokens the vault has.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GoSource {
    url: String,
    table: String,
    on_conflict: OnConflict,
}

impl GoSource {
    fn checked(&self) -> CmdResult<(&str, &str)> {
        let url = self.url.trim();
        if url.is_empty() {
            return Err(ErrorDto::invalid(
                "url",
                "enter the URL of the Go VaultStore database (sqlite://, postgres:// or mysql://)",
            ));
        }
        Ok((url, self.table.trim()))
    }

    fn options(&self, dry_run: bool) -> ImportOptions {
        ImportOptions {
            on_conflict: self.on_conflict,
            dry_run,
            ..ImportOptions::default()
        }
    }
}

/// A dry run of importing the Go table: what would be created, skipped or replaced.
/// It runs the import in a transaction it rolls back, holding the vault's write lock
/// meanwhile, so it reports progress and `cancel_operation` stops it like the import.
#[tauri::command]
pub async fn preview_go_import(
    state: State<'_, AppState>,
    source: Typed<GoSource>,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<ImportReport> {
    state.touch();
    let (url, table) = source.0.checked()?;
    let options = source.0.options(true);
    let operation = state.begin_operation()?;
    let report = state
        .store
        .import_go(
            url,
            table,
            options,
            progress(on_progress),
            operation.cancel(),
        )
        .await?;
    drop(operation);
    Ok(report)
}

/// Imports the Go table in one transaction; `cancel_operation` rolls it back.
#[tauri::command]
pub async fn run_go_import(
    state: State<'_, AppState>,
    source: Typed<GoSource>,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<ImportReport> {
    state.touch();
    let (url, table) = source.0.checked()?;
    let options = source.0.options(false);
    let operation = state.begin_operation()?;
    let report = state
        .store
        .import_go(
            url,
            table,
            options,
            progress(on_progress),
            operation.cancel(),
        )
        .await?;
    drop(operation);
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

    fn pending(source: ImportSource, text: &str) -> PendingImport {
        PendingImport {
            source,
            bytes: std::sync::Arc::new(zeroize::Zeroizing::new(text.as_bytes().to_vec())),
        }
    }

    #[tokio::test]
    async fn lock_drops_a_chosen_export_of_plaintext_passwords_but_keeps_a_bundle() {
        let dir = tempfile::tempdir().unwrap();
        let state = app_state(&dir).await;
        state.set_pending_import(Some(pending(
            ImportSource::KeepassxcCsv,
            "Title,Password\na,b\n",
        )));
        assert!(state.pending_import(ImportSource::KeepassxcCsv).is_ok());
        state.lock_vault();
        let err = state
            .pending_import(ImportSource::KeepassxcCsv)
            .unwrap_err();
        assert!(
            err.message.contains("choose a KeePassXC CSV"),
            "{}",
            err.message
        );

        state.set_pending_import(Some(pending(ImportSource::Bundle, "{}")));
        state.lock_vault();
        assert!(
            state.pending_import(ImportSource::Bundle).is_ok(),
            "a bundle holds no plaintext: Lock keeps it chosen"
        );
    }

    #[tokio::test]
    async fn a_file_chosen_for_one_source_is_not_imported_as_another() {
        let dir = tempfile::tempdir().unwrap();
        let state = app_state(&dir).await;
        state.set_pending_import(Some(pending(ImportSource::Bundle, "{}")));
        let err = state
            .pending_import(ImportSource::BitwardenJson)
            .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("file"), "{}", err.message);
    }

    #[test]
    fn a_go_source_needs_a_url_and_a_known_conflict_policy() {
        let blank = GoSource {
            url: "  ".into(),
            table: "vault".into(),
            on_conflict: OnConflict::Skip,
        };
        let err = blank.checked().unwrap_err();
        assert_eq!(err.field.as_deref(), Some("url"), "{}", err.message);
        let value =
            serde_json::json!({"url": "sqlite:///x", "table": "vault", "onConflict": "merge"});
        let err = crate::errors::deserialize_arg::<GoSource, _>("source", &value).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("onConflict"), "{}", err.message);
    }
}
