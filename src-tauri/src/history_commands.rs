//! What the vault keeps of its past, for the record dialog's History and the Activity
//! dialog: versions (never values) and the audit log.

use chrono::{DateTime, Utc};
use serde::Serialize;
use tauri::State;
use vaultstore::{AuditFilter, Version};

use crate::errors::{CmdResult, ErrorDto, Typed};
use crate::sealed_ipc::Sealed;
use crate::state::AppState;

/// Most audit entries the Activity dialog asks for at once.
const MAX_ACTIVITY: u32 = 1_000;

/// One version of a record: when, what changed, how it ended; never the value.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VersionDto {
    pub number: i64,
    pub current: bool,
    pub written_at: DateTime<Utc>,
    pub replaced_at: Option<DateTime<Utc>>,
    pub deleted_forever: bool,
    pub changes: Vec<&'static str>,
}

impl From<&Version> for VersionDto {
    fn from(v: &Version) -> Self {
        Self {
            number: v.number,
            current: v.current,
            written_at: v.written_at,
            replaced_at: v.replaced_at,
            deleted_forever: v.deleted_forever,
            changes: v.changes.iter().map(|c| c.as_str()).collect(),
        }
    }
}

/// Every version of a record, newest first (the order the dialog lists them in).
#[tauri::command]
pub async fn record_history(
    state: State<'_, AppState>,
    token: String,
) -> CmdResult<Vec<VersionDto>> {
    state.touch();
    let versions = state.store.history(&token).await?;
    Ok(versions.iter().rev().map(VersionDto::from).collect())
}

/// Makes an earlier version current again; `password` must open that version (typed
/// now), and is what the record opens with afterwards.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub async fn restore_version(
    state: State<'_, AppState>,
    token: String,
    version: i64,
    password: Sealed,
) -> CmdResult<()> {
    state.touch();
    let password = state.sealed.password("password", &password)?;
    state
        .store
        .version_restore(&token, version, &password)
        .await?;
    state.remember(&token, state.store.session_key(&password));
    Ok(())
}

/// One audit entry.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityDto {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub token: Option<String>,
    pub detail: String,
}

/// The most recent audit entries (newest first), about one token when given.
#[tauri::command]
pub async fn activity(
    state: State<'_, AppState>,
    token: Option<String>,
    limit: Option<u32>,
) -> CmdResult<Vec<ActivityDto>> {
    state.touch();
    let limit = limit.unwrap_or(200);
    if limit == 0 || limit > MAX_ACTIVITY {
        return Err(ErrorDto::invalid(
            "limit",
            format!("ask for 1 to {MAX_ACTIVITY} entries"),
        ));
    }
    let filter = AuditFilter {
        token: token.filter(|t| !t.trim().is_empty()),
        since: None,
        limit: Some(limit),
    };
    let entries = state.store.audit_list(&filter).await?;
    Ok(entries
        .into_iter()
        .rev()
        .map(|e| ActivityDto {
            seq: e.seq,
            at: e.at,
            actor: e.actor,
            action: e.action,
            token: e.token,
            detail: e.detail,
        })
        .collect())
}

/// What checking the audit log's hash chain found.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditCheckDto {
    pub intact: bool,
    pub entries: u64,
    pub first_broken: Option<i64>,
    pub problem: Option<String>,
}

#[tauri::command]
pub async fn verify_activity(state: State<'_, AppState>) -> CmdResult<AuditCheckDto> {
    state.touch();
    let check = state.store.audit_verify().await?;
    Ok(AuditCheckDto {
        intact: check.is_intact(),
        entries: check.intact_entries,
        first_broken: check.first_broken,
        problem: check.problem,
    })
}

/// What a restore to a moment changes (or, in a dry run, would change), by token.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreToDto {
    pub restored: Vec<String>,
    pub recreated: Vec<String>,
    pub trashed: Vec<String>,
}

/// Puts the records (those whose token starts with `prefix`, else all) back as they were
/// at `at`, in one transaction; with `dry_run`, only says what would change.
#[tauri::command]
pub async fn restore_to(
    state: State<'_, AppState>,
    at: Typed<DateTime<Utc>>,
    prefix: Option<String>,
    dry_run: bool,
) -> CmdResult<RestoreToDto> {
    state.touch();
    let prefix = prefix.filter(|p| !p.is_empty());
    let report = state
        .store
        .restore_to(at.0, prefix.as_deref(), dry_run)
        .await?;
    Ok(RestoreToDto {
        restored: report.restored,
        recreated: report.recreated,
        trashed: report.trashed,
    })
}
