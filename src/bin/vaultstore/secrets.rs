//! Reading passwords and values from where the user put them: an environment variable,
//! a file, standard input or a prompt without echo. Never from the command line.

use std::io::{IsTerminal, Read};
use std::path::Path;

use subtle::ConstantTimeEq;
use vaultstore::{Password, SecretValue};
use zeroize::Zeroizing;

use crate::args::{NewPasswordArgs, PasswordArgs, ValueArgs};
use crate::failure::{Failure, Outcome};

fn from_env(var: &str) -> Outcome<Zeroizing<String>> {
    std::env::var(var).map(Zeroizing::new).map_err(|_| {
        Failure::Input(format!(
            "environment variable {var} is not set or not UTF-8; export it or use another source"
        ))
    })
}

fn from_file(path: &Path, limit: usize) -> Outcome<Zeroizing<String>> {
    let cant = |e: std::io::Error| Failure::Input(format!("cannot read {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(cant)?;
    read_bounded(file, limit, &path.display().to_string())
}

/// Reads at most `limit` bytes (one more reveals an oversized input) as UTF-8.
fn read_bounded(source: impl Read, limit: usize, what: &str) -> Outcome<Zeroizing<String>> {
    let mut bytes = Zeroizing::new(Vec::new());
    source
        .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::Input(format!("cannot read {what}: {e}")))?;
    if bytes.len() > limit {
        return Err(Failure::Input(format!(
            "{what} is larger than the {limit}-byte limit"
        )));
    }
    match std::str::from_utf8(&bytes) {
        Ok(text) => Ok(Zeroizing::new(text.to_owned())),
        Err(_) => Err(Failure::Input(format!(
            "{what} is not UTF-8 text; VaultStore stores text values"
        ))),
    }
}

fn strip_newline(mut s: Zeroizing<String>) -> Zeroizing<String> {
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    s
}

/// Longest password file read: the policy's default maximum is 1024 characters.
const PASSWORD_FILE_LIMIT: usize = 16 * 1024;

fn prompt(label: &str) -> Outcome<Zeroizing<String>> {
    rpassword::prompt_password(label)
        .map(Zeroizing::new)
        .map_err(|_| {
            Failure::Usage(format!(
                "no terminal to ask for the {} on; pass --{}-env VAR or --{}-file PATH",
                label.trim_end_matches(": ").to_lowercase(),
                flag_stem(label),
                flag_stem(label)
            ))
        })
}

fn flag_stem(label: &str) -> &'static str {
    if label.starts_with("New") {
        "new-password"
    } else if label.starts_with("Value") {
        "value"
    } else {
        "password"
    }
}

/// The (current) password.
pub fn password(args: &PasswordArgs) -> Outcome<Password> {
    let text = match (&args.password_env, &args.password_file) {
        (Some(var), _) => from_env(var)?,
        (_, Some(path)) => strip_newline(from_file(path, PASSWORD_FILE_LIMIT)?),
        (None, None) => prompt("Password: ")?,
    };
    Ok(Password::new(text.as_str()))
}

/// A new password; asked twice when prompted.
pub fn new_password(args: &NewPasswordArgs) -> Outcome<Password> {
    let text = match (&args.new_password_env, &args.new_password_file) {
        (Some(var), _) => from_env(var)?,
        (_, Some(path)) => strip_newline(from_file(path, PASSWORD_FILE_LIMIT)?),
        (None, None) => {
            let first = prompt("New password: ")?;
            let again = prompt("New password again: ")?;
            if !bool::from(first.as_bytes().ct_eq(again.as_bytes())) {
                return Err(Failure::Input("the two new passwords differ".into()));
            }
            first
        }
    };
    Ok(Password::new(text.as_str()))
}

/// The value: from a variable, a file (exact bytes), standard input when it is not a
/// terminal (exact bytes), else a prompt without echo.
pub fn value(args: &ValueArgs, limit: usize) -> Outcome<SecretValue> {
    let text = match (&args.value_env, &args.value_file) {
        (Some(var), _) => from_env(var)?,
        (_, Some(path)) => from_file(path, limit)?,
        (None, None) if !std::io::stdin().is_terminal() => {
            read_bounded(std::io::stdin().lock(), limit, "standard input")?
        }
        (None, None) => prompt("Value: ")?,
    };
    Ok(SecretValue::new(text.as_str()))
}

/// Several passwords (plaintext export tries each); a prompt when none is named.
pub fn passwords(envs: &[String], files: &[std::path::PathBuf]) -> Outcome<Vec<Password>> {
    let mut out = Vec::new();
    for var in envs {
        out.push(Password::new(from_env(var)?.as_str()));
    }
    for path in files {
        out.push(Password::new(
            strip_newline(from_file(path, PASSWORD_FILE_LIMIT)?).as_str(),
        ));
    }
    if out.is_empty() {
        out.push(Password::new(prompt("Password: ")?.as_str()));
    }
    Ok(out)
}
