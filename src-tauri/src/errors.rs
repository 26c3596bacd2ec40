//! Errors as the UI sees them: `{code, message, field?}`. The codes are [`ErrorCode`]:
//! the library's codes plus the app's own, mirrored in `ui/js/errors.js` (a test below
//! fails if the two lists differ). The UI branches on `code` and places an
//! `invalid_input` beside `field`; it never matches message text.

use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use tauri::Runtime;
use tauri::ipc::{CommandArg, CommandItem, InvokeError};

/// Every code an answer can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// A code of the store library.
    Store(vaultstore::ErrorCode),
    /// The UI must ask for the record's password (none is remembered for it).
    PasswordRequired,
    /// The keys sealing secrets on the IPC were dropped by a Lock: the page agrees on
    /// new ones and sends again.
    ChannelClosed,
    /// Another long operation is running.
    Busy,
    /// The system clipboard refused.
    Clipboard,
    /// A file of the app's own (settings) could not be written.
    Io,
    /// A failure of the app itself (a worker that stopped); the UI also uses it for a
    /// failure that is not an answer.
    Internal,
    /// The record changed (another window, client or process) since the dialog loaded
    /// it: a save over it is refused until the person reloads or keeps theirs.
    Changed,
}

impl ErrorCode {
    /// The app's own codes, after the library's.
    #[cfg(test)]
    const APP: [ErrorCode; 7] = [
        Self::PasswordRequired,
        Self::ChannelClosed,
        Self::Busy,
        Self::Clipboard,
        Self::Io,
        Self::Internal,
        Self::Changed,
    ];

    pub const INVALID_INPUT: ErrorCode = Self::Store(vaultstore::ErrorCode::InvalidInput);

    /// Every code, library first.
    #[cfg(test)]
    pub fn all() -> impl Iterator<Item = ErrorCode> {
        vaultstore::ErrorCode::ALL
            .into_iter()
            .map(Self::Store)
            .chain(Self::APP)
    }

    /// The stable snake_case text the UI compares.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Store(code) => code.as_str(),
            Self::PasswordRequired => "password_required",
            Self::ChannelClosed => "channel_closed",
            Self::Busy => "busy",
            Self::Clipboard => "clipboard",
            Self::Io => "io",
            Self::Internal => "internal",
            Self::Changed => "changed",
        }
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An error for the UI: a stable `code` to branch on, a `message` for people and, for
/// invalid input, the `field` it is about.
#[derive(Debug, Serialize)]
pub struct ErrorDto {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl From<vaultstore::Error> for ErrorDto {
    fn from(e: vaultstore::Error) -> Self {
        Self {
            code: ErrorCode::Store(e.code()),
            field: e.field().map(str::to_owned),
            message: e.to_string(),
        }
    }
}

impl ErrorDto {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// The UI must ask for the record's password (none is remembered for it).
    pub fn password_required(token: &str) -> Self {
        Self {
            field: Some("password".into()),
            ..Self::new(
                ErrorCode::PasswordRequired,
                format!("enter the password of {token} to open it"),
            )
        }
    }

    /// Invalid input about `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            ..Self::new(ErrorCode::INVALID_INPUT, message)
        }
    }
}

pub type CmdResult<T> = Result<T, ErrorDto>;

/// A command argument deserialized with the path of a bad value kept: `list_records`
/// given `{"view":"attic"}` answers `invalid_input` about field `view`, in the same
/// `{code, message, field}` shape as every other error (Tauri's own refusal is a bare
/// string naming only the argument).
#[derive(Debug)]
pub struct Typed<T>(pub T);

impl<'de, T: DeserializeOwned, R: Runtime> CommandArg<'de, R> for Typed<T> {
    fn from_command(command: CommandItem<'de, R>) -> Result<Self, InvokeError> {
        let argument = command.key;
        deserialize_arg(argument, command)
            .map(Typed)
            .map_err(InvokeError::from)
    }
}

/// Deserializes command argument `argument`; a bad value is `invalid_input` about the
/// path to it (`view`, `metadata.tags[2]`), or about the argument itself.
pub fn deserialize_arg<'de, T, D>(argument: &str, d: D) -> Result<T, ErrorDto>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
    D::Error: std::fmt::Display,
{
    serde_path_to_error::deserialize(d).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            argument.to_owned()
        } else {
            path
        };
        let message = format!("invalid {field}: {}", e.into_inner());
        ErrorDto::invalid(&field, message)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// `ui/js/errors.js` lists `NAME: 'code',` inside `Code = Object.freeze({…})`.
    fn codes_in_errors_js() -> BTreeSet<(String, String)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/js/errors.js");
        let text = std::fs::read_to_string(path).unwrap();
        let start = text.find("Object.freeze({").unwrap();
        let end = start + text[start..].find("});").unwrap();
        text[start..end]
            .lines()
            .skip(1)
            .filter_map(|line| {
                let (name, value) = line.trim().trim_end_matches(',').split_once(':')?;
                let value = value.trim().trim_matches('\'');
                Some((name.trim().to_owned(), value.to_owned()))
            })
            .collect()
    }

    #[test]
    fn errors_js_mirrors_every_code_and_no_other() {
        let rust: BTreeSet<(String, String)> = ErrorCode::all()
            .map(|c| (c.as_str().to_ascii_uppercase(), c.as_str().to_owned()))
            .collect();
        assert_eq!(
            codes_in_errors_js(),
            rust,
            "ui/js/errors.js and ErrorCode disagree: add or remove the code on both sides"
        );
    }

    #[test]
    fn an_error_names_its_code_and_field() {
        let dto = ErrorDto::invalid("view", "invalid view: unknown variant");
        let json = serde_json::to_value(&dto).unwrap();
        assert_eq!(json["code"], "invalid_input");
        assert_eq!(json["field"], "view");
        let busy = serde_json::to_value(ErrorDto::new(ErrorCode::Busy, "wait")).unwrap();
        assert_eq!(busy["code"], "busy");
        assert!(
            busy.get("field").is_none(),
            "no field unless it is about one"
        );
    }
}
