//! Commands over the whole vault: changing the password, purging expired records.

use std::io::IsTerminal;

use vaultstore::{Cancel, Store};

use crate::args::{NewPasswordArgs, PasswordArgs, VaultCommand};
use crate::failure::Outcome;
use crate::output::say;
use crate::secrets;

pub async fn run(command: &VaultCommand, store: &Store) -> Outcome {
    match command {
        VaultCommand::ChangePassword {
            password,
            new_password,
        } => change_password(password, new_password, store).await,
        VaultCommand::PurgeExpired { soft } => say(&store.purge_expired(*soft).await?.to_string()),
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
    let show = std::io::stderr().is_terminal();
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
    say(&changed?.to_string())
}
