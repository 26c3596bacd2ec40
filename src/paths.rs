//! Where the default vault lives: one SQLite file in the platform's data folder, shared
//! by the desktop app and the CLI (`~/.local/share/vaultstore/vault.db` on Linux); and a
//! database URL as it may be shown (without its password).

use std::path::PathBuf;

use crate::error::{Error, Result};

/// The default vault file's path, if the platform has a home directory.
pub fn default_vault_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "vaultstore").map(|d| d.data_dir().join("vault.db"))
}

/// The `sqlite://` URL of the default vault, creating its folder (owner-only on Unix)
/// if needed.
pub fn default_database_url() -> Result<String> {
    let path = default_vault_path().ok_or_else(|| {
        Error::invalid(
            "database url",
            "no home directory to put the default vault in; pass a database URL",
        )
    })?;
    if let Some(dir) = path.parent() {
        create_private_dir(dir)?;
    }
    Ok(format!("sqlite://{}", path.display()))
}

fn create_private_dir(dir: &std::path::Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|e| Error::Database {
        context: "creating the vault folder",
        detail: format!("{}: {e}", dir.display()),
    })
}

/// `url` without its password, for showing: the user-info password
/// (`postgres://team:PW@host/db`) and any `password=` query parameter are dropped. A
/// SQLite URL is a path and is returned as it is.
pub fn redact_database_url(url: &str) -> String {
    if url.starts_with("sqlite:") {
        return url.to_owned();
    }
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let base = match (base.find("://"), base.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &base[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}@{}", &base[..scheme_end + 3], &base[at + 1..])
        }
        _ => base.to_owned(),
    };
    let kept: Vec<&str> = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|param| {
            let name = param.split('=').next().unwrap_or_default();
            !name.eq_ignore_ascii_case("password")
        })
        .collect();
    if kept.is_empty() {
        base
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

/// Whether `url` carries a password. On a command line it is readable by every user of
/// the machine (`ps`); `$VAULTSTORE_DB` or the server's password file keep it private.
pub fn database_url_has_password(url: &str) -> bool {
    redact_database_url(url) != url
}

/// The warning for a password given on the command line (`--db`).
pub fn password_in_argv_warning() -> &'static str {
    "the database URL on the command line carries a password, which other users of this \
     machine can read in the process list; set it in $VAULTSTORE_DB or the server's \
     password file (~/.pgpass, ~/.my.cnf) instead"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_database_url_has_no_password() {
        for (url, shown) in [
            (
                "postgres://team:s3cret@db.example/vault",
                "postgres://team@db.example/vault",
            ),
            (
                "postgres://db.example/vault?user=team&password=s3cret&sslmode=require",
                "postgres://db.example/vault?user=team&sslmode=require",
            ),
            (
                "mysql://team:s3cret@db/vault?PASSWORD=again",
                "mysql://team@db/vault",
            ),
            ("postgres://team@db/vault", "postgres://team@db/vault"),
            (
                "sqlite:///home/me/p:w@vault.db",
                "sqlite:///home/me/p:w@vault.db",
            ),
        ] {
            assert_eq!(redact_database_url(url), shown, "{url}");
            assert_eq!(database_url_has_password(url), url != shown, "{url}");
        }
    }
}
