//! The library's one error type and its stable codes.
//!
//! Every failure a caller can see is an [`Error`]; [`Error::code`] is the stable,
//! machine-readable part (mirrored by the CLI's exit codes and the UI's error module),
//! the `Display` text is for people: what went wrong and what to do. No message ever
//! contains a password, a key or a plaintext value, and no SQL text reaches a user.

use std::fmt;

/// Stable error codes. The UI and the CLI branch on these, never on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// No live record has that token or id.
    NotFound,
    /// A record with that token already exists (live or in the trash).
    AlreadyExists,
    /// The password does not open the value (wrong password or tampered ciphertext).
    InvalidPassword,
    /// The token's expiry time has passed.
    Expired,
    /// The record is in the trash (soft-deleted).
    Deleted,
    /// An argument was malformed or out of bounds.
    InvalidInput,
    /// A new password does not meet the vault's password policy.
    Policy,
    /// The database could not be reached or failed.
    Database,
    /// A stored envelope is damaged, unknown, refused (a Go `v2:` value in a vault that
    /// retired that format), or the system RNG failed.
    Crypto,
    /// A long operation was cancelled; nothing was written.
    Cancelled,
}

impl ErrorCode {
    /// Every code, for clients that mirror them (the UI's `errors.js` is checked
    /// against this list).
    pub const ALL: [ErrorCode; 10] = [
        Self::NotFound,
        Self::AlreadyExists,
        Self::InvalidPassword,
        Self::Expired,
        Self::Deleted,
        Self::InvalidInput,
        Self::Policy,
        Self::Database,
        Self::Crypto,
        Self::Cancelled,
    ];

    /// The code as a stable snake_case string (`"not_found"`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::AlreadyExists => "already_exists",
            Self::InvalidPassword => "invalid_password",
            Self::Expired => "expired",
            Self::Deleted => "deleted",
            Self::InvalidInput => "invalid_input",
            Self::Policy => "policy",
            Self::Database => "database",
            Self::Crypto => "crypto",
            Self::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The named tokens (or ids) do not exist.
    #[error("not found: {}; check the spelling or list the vault to see what exists", .what.join(", "))]
    NotFound {
        /// The tokens or ids that were looked for and not found.
        what: Vec<String>,
    },

    /// A record with this token exists already, live or in the trash.
    #[error(
        "token already exists: {token}; choose another token, or restore/delete the existing record first"
    )]
    AlreadyExists {
        /// The colliding token.
        token: String,
    },

    /// Wrong password or a tampered value: the two are deliberately indistinguishable.
    #[error("invalid password: the password does not open this value (or the value was altered)")]
    InvalidPassword,

    /// The named tokens have expired.
    #[error("token has expired: {}; renew it to read it again", .tokens.join(", "))]
    Expired {
        /// The expired tokens.
        tokens: Vec<String>,
    },

    /// The named tokens are in the trash.
    #[error("token is in the trash: {}; restore it first", .tokens.join(", "))]
    Deleted {
        /// The soft-deleted tokens.
        tokens: Vec<String>,
    },

    /// An argument is malformed or out of bounds.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// Which argument.
        field: &'static str,
        /// Why it was rejected and what is accepted.
        reason: String,
    },

    /// A new password breaks the vault's policy.
    #[error("password rejected by policy: {rule}")]
    Policy {
        /// The rule it breaks, in words.
        rule: String,
    },

    /// The database failed; `context` says what the store was doing.
    #[error(
        "database error while {context}: {detail}; check the database is reachable and writable"
    )]
    Database {
        /// What the store was doing.
        context: &'static str,
        /// The driver's description (never SQL text or bound values).
        detail: String,
    },

    /// A write collided with a unique key (token or id) the store did not expect to
    /// exist; the operations that expect it (create, import) turn it into
    /// [`Error::AlreadyExists`] or retry.
    #[error(
        "database error while {context}: unique constraint violated; another client wrote the same token or id, try again"
    )]
    UniqueViolation {
        /// What the store was doing.
        context: &'static str,
    },

    /// The database refused a write: the login has no write grant, the file or server is
    /// read-only.
    #[error(
        "the database refused a write while {context}: {detail}; this login or file can only read"
    )]
    ReadOnly {
        /// What the store was doing.
        context: &'static str,
        /// The database's own description.
        detail: String,
    },

    /// A stored envelope is damaged or of an unknown format, or the OS RNG failed.
    #[error("crypto error: {0}")]
    Crypto(String),

    /// The operation was cancelled and rolled back.
    #[error("cancelled: nothing was changed")]
    Cancelled,

    /// A record holds a value in the Go library's `v2:` format, which this vault retired
    /// (it had none left, or never had one). That format does not bind a value to its
    /// token, so the value was moved from another record or written into the database.
    #[error(
        "record {token} holds a legacy Go v2 value, but this vault retired v2 on {retired_on}: the value was moved or injected; restore the record from a backup or create it again"
    )]
    RetiredV2 {
        /// The record's token.
        token: String,
        /// The date the vault retired v2 (`YYYY-MM-DD`).
        retired_on: String,
    },
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::NotFound { .. } => ErrorCode::NotFound,
            Self::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            Self::InvalidPassword => ErrorCode::InvalidPassword,
            Self::Expired { .. } => ErrorCode::Expired,
            Self::Deleted { .. } => ErrorCode::Deleted,
            Self::InvalidInput { .. } => ErrorCode::InvalidInput,
            Self::Policy { .. } => ErrorCode::Policy,
            Self::Database { .. } | Self::UniqueViolation { .. } | Self::ReadOnly { .. } => {
                ErrorCode::Database
            }
            Self::Crypto(_) | Self::RetiredV2 { .. } => ErrorCode::Crypto,
            Self::Cancelled => ErrorCode::Cancelled,
        }
    }

    /// What an [`Error::InvalidInput`] is about (`"token"`, `"expiry"`, …), so a form can
    /// show the error beside that field; `None` for every other error.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::InvalidInput { field, .. } => Some(field),
            _ => None,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn not_found(what: impl Into<String>) -> Self {
        Self::NotFound {
            what: vec![what.into()],
        }
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
