//! Bulk changes by query: the `--query` forms of renew, soft-delete, restore and delete,
//! `tag add|remove`, and `undo`. Each prints how many records changed; `--dry-run`
//! prints how many would and the first few tokens, and changes nothing.

use vaultstore::{BulkAction, RecordQuery, RenewTo, Store};

use crate::args::{BulkCommand, RenewArgs, TagCommand};
use crate::duration::{parse_duration, parse_time};
use crate::failure::{Failure, Outcome};
use crate::output::{confirm, say};
use crate::progress::{cancel_on_ctrl_c, end_progress, progress};

/// Tokens a dry run names.
const DRY_RUN_SAMPLE: usize = 10;

pub async fn run_command(command: &BulkCommand, store: &Store) -> Outcome {
    match command {
        BulkCommand::Tag { action } => {
            let (args, action) = match action {
                TagCommand::Add(a) => (a, BulkAction::AddTag(a.tag.clone())),
                TagCommand::Remove(a) => (a, BulkAction::RemoveTag(a.tag.clone())),
            };
            run(&args.query, action, args.dry_run, store).await
        }
        BulkCommand::Undo => undo(store).await,
    }
}

/// The query of `--query`, in the library's query language (an empty one matches every
/// live record).
pub fn parse_query(text: &str) -> Outcome<RecordQuery> {
    Ok(RecordQuery::parse(text)?)
}

/// The new expiry of `renew --query`.
pub fn renew_to(args: &RenewArgs) -> Outcome<RenewTo> {
    Ok(match (&args.expires_at, &args.expires_in, &args.extend) {
        (Some(t), _, _) => RenewTo::At(parse_time(t)?),
        (None, Some(d), _) => RenewTo::In(parse_duration(d)?),
        (None, None, Some(d)) => RenewTo::Extend(parse_duration(d)?),
        (None, None, None) => RenewTo::Never,
    })
}

/// clap requires a token or --query; this is only reached if that changes.
pub fn missing_token() -> Failure {
    Failure::Usage("give a token, or --query to act on many records".to_owned())
}

/// A flag of the `--query` forms given to a single-token command (clap's `requires`
/// does not see an argument of a flattened group, so it is checked here).
pub fn needs_query(flag: &str) -> Failure {
    Failure::Usage(format!(
        "{flag} works with --query only; give --query Q instead of a token"
    ))
}

/// `delete --query`: refused without `--yes` unless it is a dry run.
pub async fn delete(query: &str, dry_run: bool, yes: bool, store: &Store) -> Outcome {
    if !dry_run && !yes {
        return Err(Failure::Usage(
            "delete --query deletes every matching record for good; add --yes to confirm (see what it would delete with --dry-run)"
                .to_owned(),
        ));
    }
    run(query, BulkAction::DeleteForever, dry_run, store).await
}

/// Previews (dry run) or applies `action` to the records `query` matches.
pub async fn run(query: &str, action: BulkAction, dry_run: bool, store: &Store) -> Outcome {
    let query = parse_query(query)?;
    if dry_run {
        let preview = store.bulk_preview(&query, &action, DRY_RUN_SAMPLE).await?;
        let mut line = format!("would change {}", records(preview.count));
        if !preview.sample.is_empty() {
            let tokens: Vec<&str> = preview.sample.iter().map(|c| c.token.as_str()).collect();
            line.push_str(": ");
            line.push_str(&tokens.join(", "));
            if preview.count > tokens.len() as u64 {
                line.push_str(", …");
            }
        }
        return say(&line);
    }
    let cancel = cancel_on_ctrl_c();
    let report = store
        .bulk_apply(&query, &action, progress("changing records"), &cancel)
        .await;
    end_progress();
    let n = records(report?.changed);
    confirm(&match action {
        BulkAction::Renew(_) => format!("renewed {n}"),
        BulkAction::SoftDelete => format!("moved {n} to the trash"),
        BulkAction::Restore => format!("restored {n}"),
        BulkAction::DeleteForever => format!("deleted {n}"),
        BulkAction::AddTag(t) => format!("added the tag {t:?} to {n}"),
        BulkAction::RemoveTag(t) => format!("removed the tag {t:?} from {n}"),
    })
}

/// `1 record`, `N records`.
fn records(n: u64) -> String {
    if n == 1 {
        "1 record".to_owned()
    } else {
        format!("{n} records")
    }
}

async fn undo(store: &Store) -> Outcome {
    let cancel = cancel_on_ctrl_c();
    let report = store
        .undo_last(progress("undoing the last bulk change"), &cancel)
        .await;
    end_progress();
    let Some(report) = report? else {
        return confirm("nothing to undo");
    };
    let mut line = format!("restored {}", records(report.restored));
    if !report.skipped.is_empty() {
        line.push_str(&format!(
            "; left {} changed since: {}",
            report.skipped.len(),
            report.skipped.join(", ")
        ));
    }
    confirm(&line)
}
