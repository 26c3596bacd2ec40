//! The CLI's errors and their exit codes (documented in the README).

use std::fmt;
use std::process::ExitCode;

use vaultstore::ErrorCode;

/// Why a command failed.
#[derive(Debug)]
pub enum Failure {
    /// The store refused or failed.
    Store(vaultstore::Error),
    /// The command line is incomplete (exit 2, like clap's own usage errors).
    Usage(String),
    /// An input (file, variable, time, duration) is unusable (exit 7).
    Input(String),
    /// Standard output refused the result: a full disk, a closed pipe (exit 1; `main`
    /// ends quietly with 0 on a closed pipe instead).
    Output(std::io::Error),
    /// The audit log's chain is broken: someone altered or removed entries (exit 9).
    Tampered(String),
}

impl From<vaultstore::Error> for Failure {
    fn from(e: vaultstore::Error) -> Self {
        Self::Store(e)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Store(e) => write!(f, "{e}"),
            Self::Usage(m) | Self::Input(m) | Self::Tampered(m) => f.write_str(m),
            // The io error names the cause only (ENOSPC, EIO), never the bytes written.
            Self::Output(e) => write!(f, "cannot write the output: {e}"),
        }
    }
}

impl Failure {
    /// 0 success; 2 usage; 3 not found; 4 invalid password; 5 expired; 6 already exists;
    /// 7 invalid input or policy; 8 database; 9 a broken audit chain; 1 anything else (an
    /// unwritable output too).
    pub fn exit_code(&self) -> ExitCode {
        let n: u8 = match self {
            Self::Usage(_) => 2,
            Self::Input(_) => 7,
            Self::Output(_) => 1,
            Self::Tampered(_) => 9,
            Self::Store(e) => match e.code() {
                ErrorCode::NotFound => 3,
                ErrorCode::InvalidPassword => 4,
                ErrorCode::Expired => 5,
                ErrorCode::AlreadyExists => 6,
                ErrorCode::InvalidInput | ErrorCode::Policy => 7,
                ErrorCode::Database => 8,
                _ => 1,
            },
        };
        ExitCode::from(n)
    }
}

pub type Outcome<T = ()> = Result<T, Failure>;
