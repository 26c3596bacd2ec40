//! `vaultstore`: the command-line companion of VaultStore Desktop, over the same library
//! and, by default, the same SQLite vault. `vaultstore --help` lists the commands.

mod args;
mod duration;
mod failure;
mod output;
mod secrets;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use chrono::Utc;
use clap::Parser;
use serde_json::json;
use vaultstore::{
    Cancel, CreateOptions, DeletedFilter, ExpiryFilter, Metadata, RecordQuery, SortField,
    SortOrder, Store, StoreOptions,
};
use zeroize::Zeroizing;

use args::{Cli, Command, DeletedArg, FilterArgs, OrderArg, SortArg, StatusArg};
use failure::Outcome;

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
    options.table = cli.table.clone();
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
    }
}
