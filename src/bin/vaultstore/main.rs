//! `vaultstore`: the command-line companion of VaultStore Desktop, over the same library
//! and, by default, the same SQLite vault. `vaultstore --help` lists the commands.

mod args;
mod commands;
mod duration;
mod failure;
#[cfg(test)]
mod fuzz_tests;
mod output;
mod progress;
mod secrets;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use vaultstore::{Store, StoreOptions};

use args::{Cli, Command, TransferCommand};
use failure::{Failure, Outcome};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version: clap prints them to stdout.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap's usage errors span several lines; scripts get one, like every error.
            let text = e.to_string();
            let first = text.lines().next().unwrap_or_default();
            let first = first.strip_prefix("error: ").unwrap_or(first);
            eprintln!("vaultstore: {first}; run 'vaultstore --help' for usage");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vaultstore: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`vaultstore list | head -1`): it stopped on purpose, so end
        // quietly with 0, as ripgrep and coreutils-style filters do.
        Err(Failure::Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(failure) => {
            // Not `eprintln!`, which panics when stderr itself cannot be written.
            let _ = writeln!(std::io::stderr(), "vaultstore: {failure}");
            failure.exit_code()
        }
    }
}

async fn open(cli: &Cli) -> Outcome<Store> {
    let url = match &cli.db {
        Some(url) => {
            if db_url_in_argv() && vaultstore::database_url_has_password(url) {
                eprintln!(
                    "vaultstore: warning: {}",
                    vaultstore::password_in_argv_warning()
                );
            }
            url.clone()
        }
        None => vaultstore::default_database_url()?,
    };
    let mut options = StoreOptions::new(url);
    options.table = match &cli.command {
        // import-go reads the Go table named by --table and writes into --into-table.
        Command::Transfer(TransferCommand::ImportGo(args)) => args.into_table.clone(),
        _ => cli.table.clone().unwrap_or_else(|| "vault".to_owned()),
    };
    options.actor = cli.actor.clone();
    Ok(Store::new(options).await?)
}

/// Whether `--db` came from the command line (clap also fills it from `$VAULTSTORE_DB`,
/// which other users cannot read).
fn db_url_in_argv() -> bool {
    std::env::args().any(|a| a == "--db" || a.starts_with("--db="))
}

async fn run(cli: Cli) -> Outcome {
    output::set_quiet(cli.quiet);
    // Completions and the manual page describe the command line: no vault is opened.
    if let Command::Shell(command) = &cli.command {
        return commands::shell::run(command);
    }
    let store = open(&cli).await?;
    let result = dispatch(&cli, &store).await;
    store.close().await;
    result
}

async fn dispatch(cli: &Cli, store: &Store) -> Outcome {
    match &cli.command {
        Command::Token(command) => commands::tokens::run(command, store).await,
        Command::Records(command) => commands::records::run(command, store).await,
        Command::Vault(command) => commands::vault::run(command, store).await,
        Command::Transfer(command) => {
            commands::transfer::run(command, cli.table.as_deref(), store).await
        }
        Command::Bulk(command) => commands::bulk::run_command(command, store).await,
        Command::Past(command) => commands::past::run(command, store).await,
        Command::Shell(command) => commands::shell::run(command),
    }
}
