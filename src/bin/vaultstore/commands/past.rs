//! What the vault keeps of its past: `history`, `restore-version`, `history-retention`
//! and `audit verify|list`.

use chrono::{DateTime, Utc};
use serde_json::json;
use vaultstore::{AuditEntry, AuditFilter, HistoryRetention, Store, Version};

use crate::args::{AuditCommand, PastCommand};
use crate::duration;
use crate::failure::{Failure, Outcome};
use crate::output::{confirm, say};
use crate::secrets;

pub async fn run(command: &PastCommand, store: &Store) -> Outcome {
    match command {
        PastCommand::History { token, json } => {
            let versions = store.history(token).await?;
            say(&if *json {
                history_json(&versions)
            } else {
                history_table(&versions)
            })
        }
        PastCommand::RestoreVersion {
            token,
            version,
            password,
        } => {
            let password = secrets::password(password)?;
            store.version_restore(token, *version, &password).await?;
            confirm(&format!("version {version} of {token} is current again"))
        }
        PastCommand::HistoryRetention {
            versions,
            days,
            keep_all,
        } => retention(store, *versions, *days, *keep_all).await,
        PastCommand::RestoreTo {
            at,
            filter,
            dry_run,
            json,
        } => restore_to(store, at, filter.as_deref(), *dry_run, *json).await,
        PastCommand::Audit { action } => audit(action, store).await,
    }
}

async fn restore_to(
    store: &Store,
    at: &str,
    filter: Option<&str>,
    dry_run: bool,
    json: bool,
) -> Outcome {
    let when = duration::parse_time(at)?;
    let report = store.restore_to(when, filter, dry_run).await?;
    if json {
        return say(&json!({
            "dry_run": dry_run,
            "restored": report.restored,
            "recreated": report.recreated,
            "trashed": report.trashed,
        })
        .to_string());
    }
    let verb = |would: &str, did: &str| {
        if dry_run {
            would.to_owned()
        } else {
            did.to_owned()
        }
    };
    let mut lines: Vec<String> = Vec::new();
    for (list, what) in [
        (&report.restored, verb("would restore", "restored")),
        (&report.recreated, verb("would recreate", "recreated")),
        (
            &report.trashed,
            verb("would move to the trash", "moved to the trash"),
        ),
    ] {
        lines.extend(list.iter().map(|t| format!("{what}\t{t}")));
    }
    let summary = format!(
        "{} {} records as at {} ({} restored, {} recreated, {} to the trash)",
        if dry_run { "would change" } else { "changed" },
        report.total(),
        time(when),
        report.restored.len(),
        report.recreated.len(),
        report.trashed.len()
    );
    if dry_run {
        lines.push(summary);
        return say(&lines.join("\n"));
    }
    if !lines.is_empty() {
        say(&lines.join("\n"))?;
    }
    confirm(&summary)
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn changes(v: &Version) -> String {
    let mut words: Vec<&str> = v.changes.iter().map(|c| c.as_str()).collect();
    if words.is_empty() {
        words.push("-");
    }
    words.join(", ")
}

fn history_table(versions: &[Version]) -> String {
    let mut out = format!(
        "{:>7}  {:<20}  {:<20}  CHANGED",
        "VERSION", "WRITTEN", "REPLACED"
    );
    for v in versions {
        let replaced = match (v.replaced_at, v.deleted_forever) {
            (None, _) => "(current)".to_owned(),
            (Some(t), true) => format!("{} (deleted)", time(t)),
            (Some(t), false) => time(t),
        };
        out.push_str(&format!(
            "\n{:>7}  {:<20}  {:<20}  {}",
            v.number,
            time(v.written_at),
            replaced,
            changes(v)
        ));
    }
    out
}

fn history_json(versions: &[Version]) -> String {
    let rows: Vec<_> = versions
        .iter()
        .map(|v| {
            json!({
                "version": v.number,
                "current": v.current,
                "written_at": time(v.written_at),
                "replaced_at": v.replaced_at.map(time),
                "deleted_forever": v.deleted_forever,
                "changed": v.changes.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
                "expires_at": v.expires_at.map(time),
                "in_trash": v.trashed_at.is_some(),
                "label": v.metadata.label,
            })
        })
        .collect();
    serde_json::Value::Array(rows).to_string()
}

async fn retention(
    store: &Store,
    versions: Option<u32>,
    days: Option<u32>,
    keep_all: bool,
) -> Outcome {
    let describe = |r: HistoryRetention| match (r.versions, r.days) {
        (None, None) => "keeping every version".to_owned(),
        (v, d) => {
            let mut parts = Vec::new();
            if let Some(v) = v {
                parts.push(format!("the last {v} versions of each token"));
            }
            if let Some(d) = d {
                parts.push(format!("versions replaced within {d} days"));
            }
            format!("keeping {}", parts.join(" and "))
        }
    };
    if !keep_all && versions.is_none() && days.is_none() {
        return say(&describe(store.history_retention().await?));
    }
    let keep = HistoryRetention { versions, days };
    let dropped = store.set_history_retention(keep).await?;
    confirm(&format!("{}; dropped {dropped} versions", describe(keep)))
}

async fn audit(command: &AuditCommand, store: &Store) -> Outcome {
    match command {
        AuditCommand::Verify => {
            let check = store.audit_verify().await?;
            match (&check.problem, check.first_broken) {
                (None, _) => confirm(&format!(
                    "audit log intact: {} entries chain",
                    check.intact_entries
                )),
                (Some(problem), first) => Err(Failure::Tampered(format!(
                    "audit log broken at entry {}: {problem}; the {} entries before it are intact",
                    first.unwrap_or(0),
                    check.intact_entries
                ))),
            }
        }
        AuditCommand::List {
            token,
            since,
            limit,
            json,
        } => {
            let filter = AuditFilter {
                token: token.clone(),
                since: since.as_deref().map(duration::parse_time).transpose()?,
                limit: Some(*limit),
            };
            let entries = store.audit_list(&filter).await?;
            say(&if *json {
                serde_json::to_string(&entries).unwrap_or_else(|_| "[]".into())
            } else {
                audit_table(&entries)
            })
        }
    }
}

fn audit_table(entries: &[AuditEntry]) -> String {
    let mut out = format!(
        "{:>6}  {:<27}  {:<24}  {:<16}  {:<34}  DETAIL",
        "SEQ", "AT", "ACTOR", "ACTION", "TOKEN"
    );
    for e in entries {
        out.push_str(&format!(
            "\n{:>6}  {:<27}  {:<24}  {:<16}  {:<34}  {}",
            e.seq,
            e.at,
            e.actor,
            e.action,
            e.token.as_deref().unwrap_or("-"),
            e.detail
        ));
    }
    out
}
