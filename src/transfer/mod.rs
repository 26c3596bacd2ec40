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
pub use foreign::ForeignFormat;
pub use import::{ImportOptions, ImportReport};
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

/// Writes a plaintext export to `path`, owner-only, through a temp file.
pub fn write_plain(path: &std::path::Path, export: &PlainExport) -> Result<()> {
    write_atomically(path, &export.bytes)
}

/// Writes `bytes` to `path` through a temp file in the same folder renamed into place,
/// so a crash or a full disk never leaves a half-written file under the real name.
pub(crate) fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let fail = |e: std::io::Error| {
        Error::invalid(
            "output file",
            format!("cannot write {}: {e}", path.display()),
        )
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(fail)
}
