//! `vaultstore`: the command-line companion of VaultStore Desktop, over the same library
//! and, by default, the same SQLite vault. `vaultstore --help` lists the commands.

mod args;
mod duration;
mod failure;
#[cfg(test)]
mod fuzz_tests;
mod output;
mod secrets;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use chrono::Utc;
use clap::Parser;
use serde_json::json;
use vaultstore::transfer::{ForeignFormat, ImportOptions, OnConflict, PlainFormat};
use vaultstore::{
    Cancel, CreateOptions, DeletedFilter, ExpiryFilter, Metadata, RecordQuery, SortField,
    SortOrder, Store, StoreOptions,
};
use zeroize::Zeroizing;

use args::{
    Cli, Command, ConflictArg, DeletedArg, FilterArgs, ForeignArg, OrderArg, PlainFormatArg,
    SortArg, StatusArg,
};
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
        Err(failure) => {
            eprintln!("vaultstore: {failure}");
            failure.exit_code()
        }
    }
}

/// Prints one line to stdout; a closed pipe (`| head`) is not an error worth a message.
fn say(text: &str) -> Outcome {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    Ok(())
}

async fn open(cli: &Cli) -> Outcome<Store> {
    let url = match &cli.db {
        Some(url) => url.clone(),
        None => vaultstore::default_database_url()?,
    };
    let mut options = StoreOptions::new(url);
    options.table = match &cli.command {
        // import-go reads the Go table named by --table and writes into --into-table.
        Command::ImportGo { into_table, .. } => into_table.clone(),
        _ => cli.table.clone().unwrap_or_else(|| "vault".to_owned()),
    };
    Ok(Store::new(options).await?)
}

fn query_of(filters: &FilterArgs) -> Outcome<RecordQuery> {
    let mut q = RecordQuery::new().deleted(match filters.deleted {
        DeletedArg::Exclude => DeletedFilter::Exclude,
        DeletedArg::Include => DeletedFilter::Include,
        DeletedArg::Only => DeletedFilter::Only,
    });
    if let Some(p) = &filters.token_prefix {
        q = q.token_prefix(p.clone());
    }
    if let Some(s) = &filters.search {
        q = q.search(s.clone());
    }
    if let Some(status) = filters.status {
        q = q.expiry(match status {
            StatusArg::Active => ExpiryFilter::Active,
            StatusArg::Expired => ExpiryFilter::Expired,
            StatusArg::NeverExpires => ExpiryFilter::Never,
        });
    }
    if let Some(d) = &filters.expiring_within {
        let until = Utc::now() + duration::parse_duration(d)?;
        q = q.expiry(ExpiryFilter::ExpiringBefore(until));
    }
    Ok(q)
}

async fn run(cli: Cli) -> Outcome {
    let store = open(&cli).await?;
    let result = dispatch(&cli, &store).await;
    store.close().await;
    result
}

async fn dispatch(cli: &Cli, store: &Store) -> Outcome {
    let limit = vaultstore::DEFAULT_MAX_VALUE_BYTES;
    match &cli.command {
        Command::Create {
            token,
            length,
            expiry,
            label,
            tags,
            notes,
            password,
            value,
        } => {
            let options = CreateOptions {
                token: token.clone(),
                length: *length,
                expires_at: duration::expiry(
                    expiry.expires_at.as_deref(),
                    expiry.expires_in.as_deref(),
                )?,
                metadata: Metadata {
                    label: label.clone(),
                    notes: notes.clone(),
                    tags: tags.clone(),
                    ..Metadata::default()
                },
            };
            let value = secrets::value(value, limit)?;
            let password = secrets::password(password)?;
            let token = store.token_create(&value, &password, options).await?;
            say(&token)
        }
        Command::Read {
            token,
            json,
            password,
        } => {
            let password = secrets::password(password)?;
            let value = store.token_read(token, &password).await?;
            if *json {
                let text =
                    Zeroizing::new(json!({ "token": token, "value": value.expose() }).to_string());
                say(&text)
            } else {
                say(value.expose())
            }
        }
        Command::ReadMany {
            tokens,
            json,
            password,
        } => {
            let password = secrets::password(password)?;
            let values = store.tokens_read(tokens, &password).await?;
            if *json {
                let map: serde_json::Map<String, serde_json::Value> = values
                    .iter()
                    .map(|(t, v)| (t.clone(), v.expose().into()))
                    .collect();
                say(&Zeroizing::new(serde_json::Value::Object(map).to_string()))
            } else {
                for (t, v) in &values {
                    say(&Zeroizing::new(format!("{t}\t{}", v.expose())))?;
                }
                Ok(())
            }
        }
        Command::Update {
            token,
            password,
            value,
        } => {
            let value = secrets::value(value, limit)?;
            let password = secrets::password(password)?;
            Ok(store.token_update(token, &value, &password).await?)
        }
        Command::Rekey {
            token,
            password,
            new_password,
        } => {
            let old = secrets::password(password)?;
            let new = secrets::new_password(new_password)?;
            Ok(store.token_rekey(token, &old, &new).await?)
        }
        Command::Delete { token } => Ok(store.token_delete(token).await?),
        Command::SoftDelete { token } => Ok(store.token_soft_delete(token).await?),
        Command::Restore { token } => Ok(store.token_restore(token).await?),
        Command::Renew { token, expiry } => {
            let at = if expiry.never {
                None
            } else {
                duration::expiry(expiry.expires_at.as_deref(), expiry.expires_in.as_deref())?
            };
            Ok(store.token_renew(token, at).await?)
        }
        Command::Exists { token } => say(&store.token_exists(token).await?.to_string()),
        Command::List {
            filters,
            sort,
            order,
            limit,
            after,
            json,
        } => {
            let mut q = query_of(filters)?
                .sort(match sort {
                    SortArg::CreatedAt => SortField::CreatedAt,
                    SortArg::UpdatedAt => SortField::UpdatedAt,
                    SortArg::ExpiresAt => SortField::ExpiresAt,
                    SortArg::Token => SortField::Token,
                })
                .order(match order {
                    OrderArg::Asc => SortOrder::Asc,
                    OrderArg::Desc => SortOrder::Desc,
                })
                .limit(*limit);
            if let Some(c) = after {
                q = q.after(c.parse()?);
            }
            let page = store.records_list(&q).await?;
            if *json {
                say(&output::page_json(&page))
            } else {
                say(&output::page_table(&page, Utc::now()))
            }
        }
        Command::Count { filters } => {
            say(&store.records_count(&query_of(filters)?).await?.to_string())
        }
        Command::ChangePassword {
            password,
            new_password,
        } => {
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
        Command::PurgeExpired { soft } => say(&store.purge_expired(*soft).await?.to_string()),
        Command::Export {
            file,
            filters,
            plaintext,
            format,
            i_understand_plaintext,
            password_envs,
            password_files,
        } => {
            let query = query_of(filters)?;
            let cancel = cancel_on_ctrl_c();
            if !*plaintext {
                let report = store
                    .export_bundle(&query, file, progress("exporting"), &cancel)
                    .await?;
                end_progress();
                return say(&report.count.to_string());
            }
            if !*i_understand_plaintext {
                return Err(Failure::Usage(format!(
                    "--plaintext writes every value unencrypted to {}; add --i-understand-plaintext to confirm",
                    file.display()
                )));
            }
            let passwords = secrets::passwords(password_envs, password_files)?;
            let format = match format {
                PlainFormatArg::Csv => PlainFormat::Csv,
                PlainFormatArg::Json => PlainFormat::Json,
            };
            let export = store
                .export_plaintext(&query, &passwords, format, progress("decrypting"), &cancel)
                .await?;
            end_progress();
            vaultstore::transfer::write_plain(file, &export)?;
            if !export.unopened.is_empty() {
                eprintln!(
                    "vaultstore: {} record(s) did not open with the given password(s) and were not exported: {}",
                    export.unopened.len(),
                    export.unopened.join(", ")
                );
            }
            say(&export.exported.to_string())
        }
        Command::Import {
            file,
            on_conflict,
            restore_deleted,
            from,
            dry_run,
            json,
            password,
        } => {
            let options = import_options(*on_conflict, *restore_deleted, *dry_run);
            let bytes = read_input_file(file)?;
            let cancel = cancel_on_ctrl_c();
            let report = match from {
                None => {
                    store
                        .import_bundle(&bytes, options, progress("importing"), &cancel)
                        .await?
                }
                Some(format) => {
                    let format = match format {
                        ForeignArg::KeepassxcCsv => ForeignFormat::KeepassxcCsv,
                        ForeignArg::BitwardenJson => ForeignFormat::BitwardenJson,
                    };
                    let password = secrets::password(password)?;
                    store
                        .import_foreign(
                            format,
                            &bytes,
                            &password,
                            options,
                            progress("importing"),
                            &cancel,
                        )
                        .await?
                }
            };
            end_progress();
            say(&output::import_report(&report, *json))
        }
        Command::ImportGo {
            from,
            into_table: _,
            on_conflict,
            restore_deleted,
            dry_run,
            json,
        } => {
            let go_table = cli.table.clone().unwrap_or_else(|| "vault".to_owned());
            let options = import_options(*on_conflict, *restore_deleted, *dry_run);
            let cancel = cancel_on_ctrl_c();
            let report = store
                .import_go(from, &go_table, options, progress("importing"), &cancel)
                .await?;
            end_progress();
            say(&output::import_report(&report, *json))
        }
    }
}

fn import_options(on_conflict: ConflictArg, restore_deleted: bool, dry_run: bool) -> ImportOptions {
    ImportOptions {
        on_conflict: match on_conflict {
            ConflictArg::Skip => OnConflict::Skip,
            ConflictArg::Overwrite => OnConflict::Overwrite,
            ConflictArg::Fail => OnConflict::Fail,
        },
        restore_deleted,
        dry_run,
    }
}

/// An import file, read with the bundle limit as a hard cap.
fn read_input_file(path: &std::path::Path) -> Outcome<Vec<u8>> {
    vaultstore::transfer::read_input(path).map_err(|e| Failure::Input(e.to_string()))
}

/// A cancellation flag that Ctrl-C sets: long operations then roll back.
fn cancel_on_ctrl_c() -> Cancel {
    let cancel = Cancel::new();
    let flag = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.cancel();
        }
    });
    cancel
}

/// Progress on stderr when it is a terminal; silent in scripts.
fn progress(what: &'static str) -> impl Fn(vaultstore::Progress) + Send + Sync {
    let show = std::io::stderr().is_terminal();
    move |p| {
        if show {
            eprint!("\r{what}: {}/{} records", p.done, p.total);
        }
    }
}

fn end_progress() {
    if std::io::stderr().is_terminal() {
        eprintln!();
    }
}
