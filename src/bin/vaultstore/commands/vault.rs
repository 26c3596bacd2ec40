//! Commands over the whole vault: changing the password, purging expired records,
//! upgrading the Go library's v2 values.

use vaultstore::{Cancel, Store, UpgradeReport};

use crate::args::{NewPasswordArgs, PasswordArgs, VaultCommand};
use crate::failure::Outcome;
use crate::output::confirm;
use crate::progress::{cancel_on_ctrl_c, end_progress, progress, shows_progress};
use crate::secrets;

pub async fn run(command: &VaultCommand, store: &Store) -> Outcome {
    match command {
        VaultCommand::ChangePassword {
            password,
            new_password,
        } => change_password(password, new_password, store).await,
        VaultCommand::PurgeExpired { soft } => {
            confirm(&store.purge_expired(*soft).await?.to_string())
        }
        VaultCommand::UpgradeV2 {
            password_envs,
            password_files,
        } => {
            let passwords = secrets::passwords(password_envs, password_files)?;
            let cancel = cancel_on_ctrl_c();
            let report = store
                .upgrade_v2(&passwords, progress("re-sealing v2 values"), &cancel)
                .await?;
            end_progress();
            confirm(&upgrade_summary(&report))
        }
    }
}

/// `upgraded N records; M left (…): tokens`, or that none is left and v2 is retired.
fn upgrade_summary(report: &UpgradeReport) -> String {
    let upgraded = format!("upgraded {} records", report.upgraded);
    let stopped = if report.cancelled {
        " (cancelled: run it again to go on)"
    } else {
        ""
    };
    match (report.left.len(), report.v2_retired) {
        (0, true) => format!("{upgraded}; no v2 values left: this vault now refuses v2"),
        (n, false) => format!(
            "{upgraded}{stopped}; {n} left (no password given opens them): {}",
            report.left.join(", ")
        ),
        // Retired already: these were moved or injected, and nothing opens them.
        (n, true) => format!(
            "{upgraded}; {n} refused (this vault retired v2; moved or injected values): {}",
            report.left.join(", ")
        ),
    }
}

async fn change_password(
    password: &PasswordArgs,
    new_password: &NewPasswordArgs,
    store: &Store,
) -> Outcome {
    let old = secrets::password(password)?;
    let new = secrets::new_password(new_password)?;
    let cancel = Cancel::new();
    let on_ctrl_c = cancel.clone();
    // Ctrl-C rolls the whole change back instead of leaving it half done.
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });
    let show = shows_progress();
    let changed = store
        .change_password(
            &old,
            &new,
            |p| {
                if show {
                    eprint!("\rre-encrypting: {}/{} records", p.done, p.total);
                }
            },
            &cancel,
        )
        .await;
    watcher.abort();
    if show {
        eprintln!();
    }
    confirm(&changed?.to_string())
}
