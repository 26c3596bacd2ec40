//! Where the default vault lives: one SQLite file in the platform's data folder, shared
//! by the desktop app and the CLI (`~/.local/share/vaultstore/vault.db` on Linux).

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
