//! Bulk changes from the records table: on the rows selected by hand or on every record
//! the current filter matches; a preview first, one transaction with progress and Cancel,
//! and Undo of the last one (the library's journal) until the next bulk change.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri::ipc::Channel;
use vaultstore::{
    BulkAction, BulkActionKind, BulkChange, RecordQuery, RecordState, RenewTo, UndoSummary,
};

use crate::dto::{ListArgs, ProgressDto, progress};
use crate::errors::{CmdResult, ErrorDto, Typed};
use crate::state::AppState;

/// Rows a preview lists.
const PREVIEW_ROWS: usize = 50;
/// Most rows a selection made by hand may hold (one `IN` list); more is a filter's job.
const MAX_PICKED: usize = vaultstore::query::MAX_IN_LIST;

/// Which records a bulk change covers.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum BulkTarget {
    /// Rows picked by hand, by id.
    Ids(Vec<String>),
    /// Every record the table's filters match (Ctrl+A), loaded or not.
    Filter(ListArgs),
}

impl BulkTarget {
    fn query(&self) -> CmdResult<RecordQuery> {
        match self {
            Self::Ids(ids) if ids.is_empty() => {
                Err(ErrorDto::invalid("target", "select at least one record"))
            }
            Self::Ids(ids) if ids.len() > MAX_PICKED => Err(ErrorDto::invalid(
                "target",
                format!(
                    "{} rows are selected by hand; the limit is {MAX_PICKED}: select every record the filter matches (Ctrl+A) instead",
                    ids.len()
                ),
            )),
            // Trashed rows can be picked in the Trash view: the ids decide, not the view.
            Self::Ids(ids) => Ok(RecordQuery::new()
                .id_in(ids.clone())
                .deleted(vaultstore::DeletedFilter::Include)),
            Self::Filter(args) => args.query(),
        }
    }
}

/// A bulk change as the UI names it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", deny_unknown_fields)]
pub enum BulkActionArgs {
    Renew {
        to: RenewArgs,
    },
    SoftDelete,
    Restore,
    /// `confirm`: the number of records, as the user typed it after seeing the preview.
    DeleteForever {
        confirm: u64,
    },
    AddTag {
        tag: String,
    },
    RemoveTag {
        tag: String,
    },
}

/// The new expiry of a renewal.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum RenewArgs {
    At(DateTime<Utc>),
    InDays(u32),
    ExtendDays(u32),
    Never,
}

fn days(n: u32) -> CmdResult<Duration> {
    if (1..=36_500).contains(&n) {
        Ok(Duration::days(i64::from(n)))
    } else {
        Err(ErrorDto::invalid(
            "days",
            format!("{n} is outside 1..=36500"),
        ))
    }
}

impl BulkActionArgs {
    fn action(&self) -> CmdResult<BulkAction> {
        Ok(match self {
            Self::Renew { to } => BulkAction::Renew(match *to {
                RenewArgs::At(t) => RenewTo::At(t),
                RenewArgs::InDays(n) => RenewTo::In(days(n)?),
                RenewArgs::ExtendDays(n) => RenewTo::Extend(days(n)?),
                RenewArgs::Never => RenewTo::Never,
            }),
            Self::SoftDelete => BulkAction::SoftDelete,
            Self::Restore => BulkAction::Restore,
            Self::DeleteForever { .. } => BulkAction::DeleteForever,
            Self::AddTag { tag } => BulkAction::AddTag(tag.clone()),
            Self::RemoveTag { tag } => BulkAction::RemoveTag(tag.clone()),
        })
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StateDto {
    expires_at: Option<DateTime<Utc>>,
    soft_deleted_at: Option<DateTime<Utc>>,
    tags: Vec<String>,
}

impl From<RecordState> for StateDto {
    fn from(s: RecordState) -> Self {
        Self {
            expires_at: s.expires_at,
            soft_deleted_at: s.soft_deleted_at,
            tags: s.tags,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangeDto {
    token: String,
    before: StateDto,
    /// `None`: deleted for good.
    after: Option<StateDto>,
}

impl From<BulkChange> for ChangeDto {
    fn from(c: BulkChange) -> Self {
        Self {
            token: c.token,
            before: c.before.into(),
            after: c.after.map(Into::into),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewDto {
    count: u64,
    /// The first changes, with before and after.
    sample: Vec<ChangeDto>,
}

/// What the change would do: how many records, and the first of them before and after.
#[tauri::command]
pub async fn bulk_preview(
    state: State<'_, AppState>,
    target: Typed<BulkTarget>,
    action: Typed<BulkActionArgs>,
) -> CmdResult<PreviewDto> {
    state.touch();
    let mut query = target.0.query()?;
    if let BulkActionArgs::DeleteForever { .. } = action.0 {
        query = query.deleted(vaultstore::DeletedFilter::Only);
    }
    let preview = state
        .store
        .bulk_preview(&query, &action.0.action()?, PREVIEW_ROWS)
        .await?;
    Ok(PreviewDto {
        count: preview.count,
        sample: preview.sample.into_iter().map(Into::into).collect(),
    })
}

/// Applies the change in one transaction; `cancel_operation` rolls it back. Deleting for
/// good runs only if the count the user typed is what the change covers now.
#[tauri::command]
pub async fn bulk_apply(
    state: State<'_, AppState>,
    target: Typed<BulkTarget>,
    action: Typed<BulkActionArgs>,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<AppliedDto> {
    apply(&state, &target.0, &action.0, progress(on_progress)).await
}

async fn apply(
    state: &AppState,
    target: &BulkTarget,
    action: &BulkActionArgs,
    on_progress: impl Fn(vaultstore::Progress) + Send + Sync,
) -> CmdResult<AppliedDto> {
    state.touch();
    let query = target.query()?;
    let bulk = action.action()?;
    let operation = state.begin_operation()?;
    let report = match *action {
        // Only from the Trash, and only the count the person typed, checked inside the
        // change's own transaction: a record trashed or restored elsewhere after the
        // preview makes it refuse rather than delete what nobody confirmed.
        BulkActionArgs::DeleteForever { confirm } => {
            let query = query.deleted(vaultstore::DeletedFilter::Only);
            let report = state
                .store
                .bulk_apply_expecting(&query, &bulk, confirm, on_progress, operation.cancel())
                .await?;
            state.forget_deleted().await?;
            report
        }
        _ => {
            state
                .store
                .bulk_apply(&query, &bulk, on_progress, operation.cancel())
                .await?
        }
    };
    Ok(AppliedDto {
        changed: report.changed,
        undo_at: last_change_at(state).await,
    })
}

/// When the change Undo would revert was made (what an Undo button names); `None` when
/// there is nothing to undo or the journal cannot be read.
pub async fn last_change_at(state: &AppState) -> Option<DateTime<Utc>> {
    state
        .store
        .undo_available()
        .await
        .ok()
        .flatten()
        .map(|s| s.at)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppliedDto {
    changed: u64,
    /// The change's mark for Undo (`undo_last`'s `at`).
    undo_at: Option<DateTime<Utc>>,
}

/// Records in the Trash for at least `days` (none when `days` is 0: retention off).
fn retention_query(days: u32) -> Option<RecordQuery> {
    (days > 0).then(|| {
        RecordQuery::new()
            .deleted(vaultstore::DeletedFilter::Only)
            .trashed_for_at_least(Duration::days(i64::from(days)))
    })
}

/// How many records a retention of `days` would delete now (the settings dialog's
/// preview, for the number being typed).
#[tauri::command]
pub async fn trash_retention_preview(state: State<'_, AppState>, days: u32) -> CmdResult<u64> {
    state.touch();
    match retention_query(days.min(3650)) {
        Some(query) => Ok(state.store.records_count(&query).await?),
        None => Ok(0),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetentionDto {
    /// The setting it ran with (0: off, nothing done).
    days: u32,
    /// Records deleted for good (Undo brings them back until the next change).
    removed: u64,
    /// The deletion's mark for Undo.
    undo_at: Option<DateTime<Utc>>,
}

/// The Trash retention, run on open and daily: deletes for good, as one undoable bulk
/// change, what has been in the Trash for the set number of days. Does nothing while
/// another long operation runs (the next run catches up).
#[tauri::command]
pub async fn run_trash_retention(state: State<'_, AppState>) -> CmdResult<RetentionDto> {
    let days = state.settings().trash_retention_days;
    let Some(query) = retention_query(days) else {
        return Ok(RetentionDto {
            days,
            removed: 0,
            undo_at: None,
        });
    };
    let Ok(operation) = state.begin_operation() else {
        return Ok(RetentionDto {
            days,
            removed: 0,
            undo_at: None,
        });
    };
    let report = state
        .store
        .bulk_apply(
            &query,
            &BulkAction::DeleteForever,
            |_| {},
            operation.cancel(),
        )
        .await?;
    tracing::info!(days, removed = report.changed, "trash retention ran");
    state.forget_deleted().await?;
    drop(operation);
    Ok(RetentionDto {
        days,
        removed: report.changed,
        undo_at: last_change_at(&state).await,
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UndoDto {
    action: BulkActionKind,
    count: u64,
    at: DateTime<Utc>,
}

impl From<UndoSummary> for UndoDto {
    fn from(s: UndoSummary) -> Self {
        Self {
            action: s.action,
            count: s.count,
            at: s.at,
        }
    }
}

/// The bulk change Undo would revert, if any.
#[tauri::command]
pub async fn undo_available(state: State<'_, AppState>) -> CmdResult<Option<UndoDto>> {
    Ok(state.store.undo_available().await?.map(Into::into))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UndoneDto {
    undone: UndoDto,
    restored: u64,
    /// Tokens that changed after the bulk change, left as they are.
    skipped: Vec<String>,
}

/// Reverts the last change in one transaction (records changed since are left as they
/// are and named); `cancel_operation` rolls it back. With `at` (the change an Undo
/// button names), only if that change is still the last one.
#[tauri::command]
pub async fn undo_last(
    state: State<'_, AppState>,
    at: Option<DateTime<Utc>>,
    on_progress: Channel<ProgressDto>,
) -> CmdResult<Option<UndoneDto>> {
    state.touch();
    let operation = state.begin_operation()?;
    let progress = progress(on_progress);
    let report = match at {
        Some(at) => {
            state
                .store
                .undo_last_made_at(at, progress, operation.cancel())
                .await?
        }
        None => state.store.undo_last(progress, operation.cancel()).await?,
    };
    Ok(report.map(|r| UndoneDto {
        undone: r.undone.into(),
        restored: r.restored,
        skipped: r.skipped,
    }))
}

#[cfg(test)]
mod tests {
    use vaultstore::{CreateOptions, Password, SecretValue};

    use super::*;

    async fn state_with_records(dir: &tempfile::TempDir, n: usize) -> (AppState, Vec<String>) {
        let url = format!("sqlite://{}", dir.path().join("vault.db").display());
        let store = vaultstore::Store::new(vaultstore::StoreOptions::new(&url))
            .await
            .unwrap();
        let mut ids = Vec::new();
        for _ in 0..n {
            let token = store
                .token_create(
                    &SecretValue::new("v"),
                    &Password::new("a long enough password"),
                    CreateOptions::default(),
                )
                .await
                .unwrap();
            ids.push(
                store
                    .record_find_by_token(&token)
                    .await
                    .unwrap()
                    .unwrap()
                    .id,
            );
        }
        (
            AppState::new(store, url, dir.path().join("settings.json")),
            ids,
        )
    }

    #[tokio::test]
    async fn deleting_for_good_needs_the_count_typed_and_undo_brings_the_records_back() {
        let dir = tempfile::tempdir().unwrap();
        let (state, ids) = state_with_records(&dir, 3).await;
        let target = BulkTarget::Ids(ids[..2].to_vec());
        let forever = BulkActionArgs::DeleteForever { confirm: 2 };
        let err = apply(&state, &target, &forever, |_| {}).await.unwrap_err();
        assert!(
            err.message.contains("now covers 0 records"),
            "only from the Trash: {}",
            err.message
        );
        apply(&state, &target, &BulkActionArgs::SoftDelete, |_| {})
            .await
            .unwrap();
        let wrong = BulkActionArgs::DeleteForever { confirm: 3 };
        let err = apply(&state, &target, &wrong, |_| {}).await.unwrap_err();
        assert_eq!(err.field.as_deref(), Some("confirm"), "{}", err.message);
        assert!(
            err.message.contains("now covers 2 records"),
            "{}",
            err.message
        );
        let trash = RecordQuery::new().deleted(vaultstore::DeletedFilter::Include);
        let all = || state.store.records_count(&trash);
        assert_eq!(all().await.unwrap(), 3, "a wrong count deletes nothing");
        assert!(
            state.begin_operation().is_ok(),
            "the refusal left the app busy"
        );

        assert_eq!(
            apply(&state, &target, &forever, |_| {})
                .await
                .unwrap()
                .changed,
            2
        );
        assert_eq!(all().await.unwrap(), 1);
        let undone = state
            .store
            .undo_last(|_| {}, &vaultstore::Cancel::new())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(undone.restored, 2);
        assert_eq!(all().await.unwrap(), 3);
    }

    /// A key opened this session leaves with its record when the record is deleted for
    /// good in bulk, as it does for one record deleted alone; other records keep theirs.
    #[tokio::test]
    async fn deleting_for_good_in_bulk_forgets_the_opened_keys_of_those_records() {
        let dir = tempfile::tempdir().unwrap();
        let (state, ids) = state_with_records(&dir, 3).await;
        let password = Password::new("a long enough password");
        let mut tokens = Vec::new();
        for id in &ids {
            let token = state
                .store
                .record_find_by_id(id)
                .await
                .unwrap()
                .unwrap()
                .token;
            state.remember(&token, state.store.session_key(&password));
            tokens.push(token);
        }
        let target = BulkTarget::Ids(ids[..2].to_vec());
        apply(&state, &target, &BulkActionArgs::SoftDelete, |_| {})
            .await
            .unwrap();
        assert!(state.is_open(&tokens[0]), "in the Trash, still opened");
        let forever = BulkActionArgs::DeleteForever { confirm: 2 };
        apply(&state, &target, &forever, |_| {}).await.unwrap();
        assert!(!state.is_open(&tokens[0]) && !state.is_open(&tokens[1]));
        assert!(state.is_open(&tokens[2]), "not deleted: kept");
    }

    #[test]
    fn retention_is_off_at_zero_and_takes_only_old_trash() {
        assert!(retention_query(0).is_none());
        assert!(retention_query(30).is_some());
        let mut settings = crate::settings::Settings::default();
        assert_eq!(settings.trash_retention_days, 0, "off unless asked for");
        settings.trash_retention_days = 3651;
        let err = settings.validate().unwrap_err();
        assert_eq!(
            err.field.as_deref(),
            Some("trashRetentionDays"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_selection_by_hand_is_bounded_and_never_empty() {
        let err = BulkTarget::Ids(Vec::new()).query().unwrap_err();
        assert_eq!(err.field.as_deref(), Some("target"), "{}", err.message);
        let many = BulkTarget::Ids((0..=MAX_PICKED).map(|i| i.to_string()).collect());
        let err = many.query().unwrap_err();
        assert!(err.message.contains("Ctrl+A"), "{}", err.message);
    }

    #[test]
    fn unknown_actions_and_bad_renewals_are_refused_naming_the_field() {
        let value = serde_json::json!({"kind": "shred"});
        let err =
            crate::errors::deserialize_arg::<BulkActionArgs, _>("action", &value).unwrap_err();
        assert_eq!(
            err.code,
            crate::errors::ErrorCode::INVALID_INPUT,
            "{}",
            err.message
        );
        let value = serde_json::json!({"kind": "renew", "to": {"extendDays": 0}});
        let args = crate::errors::deserialize_arg::<BulkActionArgs, _>("action", &value).unwrap();
        let err = args.action().unwrap_err();
        assert_eq!(err.field.as_deref(), Some("days"), "{}", err.message);
    }
}
