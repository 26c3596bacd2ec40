//! Commands on one token or a few: create, read, update, rekey, delete, restore, renew.

use vaultstore::{BulkAction, CreateOptions, Metadata, Store};

use crate::args::{CreateArgs, PasswordArgs, TokenCommand};
use crate::commands::bulk;
use crate::duration;
use crate::failure::Outcome;
use crate::output::{self, say, write_out};
use crate::secrets;

pub async fn run(command: &TokenCommand, store: &Store) -> Outcome {
    match command {
        TokenCommand::Create(args) => create(args, store).await,
        TokenCommand::Read {
            token,
            json,
            version,
            password,
        } => read(token, *json, *version, password, store).await,
        TokenCommand::ReadMany {
            tokens,
            json,
            password,
        } => read_many(tokens, *json, password, store).await,
        TokenCommand::Update {
            token,
            password,
            value,
        } => {
            let value = secrets::value(value, vaultstore::DEFAULT_MAX_VALUE_BYTES)?;
            let password = secrets::password(password)?;
            Ok(store.token_update(token, &value, &password).await?)
        }
        TokenCommand::Rekey {
            token,
            password,
            new_password,
        } => {
            let old = secrets::password(password)?;
            let new = secrets::new_password(new_password)?;
            Ok(store.token_rekey(token, &old, &new).await?)
        }
        TokenCommand::Delete { bulk, .. }
        | TokenCommand::SoftDelete { bulk, .. }
        | TokenCommand::Restore { bulk, .. }
            if bulk.dry_run && bulk.query.is_none() =>
        {
            Err(bulk::needs_query("--dry-run"))
        }
        TokenCommand::Renew { expiry, bulk, .. }
            if bulk.query.is_none() && (bulk.dry_run || expiry.extend.is_some()) =>
        {
            Err(bulk::needs_query(if bulk.dry_run {
                "--dry-run"
            } else {
                "--extend"
            }))
        }
        TokenCommand::Delete { token, bulk, yes } => match (token, &bulk.query) {
            (_, Some(q)) => bulk::delete(q, bulk.dry_run, *yes, store).await,
            (Some(token), None) => Ok(store.token_delete(token).await?),
            (None, None) => Err(bulk::missing_token()),
        },
        TokenCommand::SoftDelete { token, bulk } => match (token, &bulk.query) {
            (_, Some(q)) => bulk::run(q, BulkAction::SoftDelete, bulk.dry_run, store).await,
            (Some(token), None) => Ok(store.token_soft_delete(token).await?),
            (None, None) => Err(bulk::missing_token()),
        },
        TokenCommand::Restore { token, bulk } => match (token, &bulk.query) {
            (_, Some(q)) => bulk::run(q, BulkAction::Restore, bulk.dry_run, store).await,
            (Some(token), None) => Ok(store.token_restore(token).await?),
            (None, None) => Err(bulk::missing_token()),
        },
        TokenCommand::Renew {
            token,
            expiry,
            bulk,
        } => match (token, &bulk.query) {
            (_, Some(q)) => {
                let action = BulkAction::Renew(bulk::renew_to(expiry)?);
                bulk::run(q, action, bulk.dry_run, store).await
            }
            (Some(token), None) => {
                let at = if expiry.never {
                    None
                } else {
                    duration::expiry(expiry.expires_at.as_deref(), expiry.expires_in.as_deref())?
                };
                Ok(store.token_renew(token, at).await?)
            }
            (None, None) => Err(bulk::missing_token()),
        },
        TokenCommand::Exists { token } => say(&store.token_exists(token).await?.to_string()),
    }
}

async fn create(args: &CreateArgs, store: &Store) -> Outcome {
    let options = CreateOptions {
        token: args.token.clone(),
        length: args.length,
        expires_at: duration::expiry(
            args.expiry.expires_at.as_deref(),
            args.expiry.expires_in.as_deref(),
        )?,
        metadata: Metadata {
            label: args.label.clone(),
            notes: args.notes.clone(),
            tags: args.tags.clone(),
            ..Metadata::default()
        },
    };
    let value = secrets::value(&args.value, vaultstore::DEFAULT_MAX_VALUE_BYTES)?;
    let password = secrets::password(&args.password)?;
    let token = store.token_create(&value, &password, options).await?;
    say(&token)
}

async fn read(
    token: &str,
    json: bool,
    version: Option<i64>,
    password: &PasswordArgs,
    store: &Store,
) -> Outcome {
    let password = secrets::password(password)?;
    let value = match version {
        Some(n) => store.version_read(token, n, &password).await?,
        None => store.token_read(token, &password).await?,
    };
    if json {
        write_out(&output::value_json(token, &value)?)
    } else {
        write_out(&output::value_line(&value))
    }
}

async fn read_many(
    tokens: &[String],
    json: bool,
    password: &PasswordArgs,
    store: &Store,
) -> Outcome {
    let password = secrets::password(password)?;
    let values = store.tokens_read(tokens, &password).await?;
    if json {
        write_out(&output::values_json(&values)?)
    } else {
        write_out(&output::value_lines(&values))
    }
}
