//! Moving records in and out of a vault: encrypted bundles, plaintext exports, imports
//! from other password managers and from the Go VaultStore library's tables.
//!
//! Every import validates all of its input before it writes, then writes in one
//! transaction with a conflict policy, so a bad file leaves the vault as it was.

pub mod bundle;
mod export;
mod foreign;
mod go;
mod import;
mod plain;

use std::str::FromStr;

use crate::error::{Error, Result};

pub use export::ExportReport;
pub use foreign::{Dropped, ForeignFormat, ForeignPreview, preview_foreign};
pub use import::{ImportOptions, ImportReport, MAX_KDF_COST_FACTOR};
pub use plain::{PlainExport, PlainFormat};

/// What an import does with a token that already exists in the vault (`skip`,
/// `overwrite` or `fail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum OnConflict {
    /// Keep the vault's record (the default).
    #[default]
    Skip,
    /// Replace it with the incoming one.
    Overwrite,
    /// Stop and change nothing.
    Fail,
}

impl FromStr for OnConflict {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "skip" => Ok(Self::Skip),
            "overwrite" => Ok(Self::Overwrite),
            "fail" => Ok(Self::Fail),
            _ => Err(Error::invalid(
                "conflict policy",
                format!("{s:?}; use skip, overwrite or fail"),
            )),
        }
    }
}

/// Reads an import file, at most [`bundle::MAX_BUNDLE_BYTES`]: the cap is on the bytes
/// read, not on the size the file system reports, which is 0 for a FIFO, a device such
/// as `/dev/zero` or `/proc` files, and can grow while it is read.
pub fn read_input(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let limit = bundle::MAX_BUNDLE_BYTES;
    let fail = |e: std::io::Error| {
        Error::invalid(
            "import file",
            format!("cannot read {}: {e}", path.display()),
        )
    };
    let too_big = || {
        Error::invalid(
            "import file",
            format!(
                "{} is larger than the {} MiB limit for an import; split the export",
                path.display(),
                limit / (1024 * 1024)
            ),
        )
    };
    let file = std::fs::File::open(path).map_err(fail)?;
    // A regular file that says it is too big is refused before a byte is read.
    if file.metadata().map_err(fail)?.len() > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(fail)?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Writes a plaintext export to `path`, owner-only, through a temp file (see
/// `write_atomically`).
pub fn write_plain(path: &std::path::Path, export: &PlainExport) -> Result<()> {
    write_atomically(path, &export.bytes)
}

/// Writes `bytes` to `path` through a temp file in the same folder renamed into place,
/// so a crash or a full disk never leaves a half-written file under the real name.
///
/// Exports often land in shared folders, so the temp file must not be one another user
/// prepared: its name is random, it is created new (`O_CREAT | O_EXCL`, which also refuses
/// any symlink at that name) with mode 0600 from the start, and the rename replaces
/// whatever `path` was, a symlink included, rather than writing through it. A fixed
/// name such as `.<name>.<pid>.tmp` let anyone plant a world-readable file or a symlink
/// there and read the export.
pub(crate) fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let fail = |e: std::io::Error| {
        Error::invalid(
            "output file",
            format!("cannot write {}: {e}", path.display()),
        )
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".vaultstore-").suffix(".tmp");
    #[cfg(unix)]
    builder
        .permissions(<std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o600));
    // Dropping the temp file on any error below removes it.
    let mut file = builder.tempfile_in(dir).map_err(fail)?;
    file.write_all(bytes).map_err(fail)?;
    file.as_file().sync_all().map_err(fail)?;
    file.persist(path).map_err(|e| fail(e.error))?;
    Ok(())
}
