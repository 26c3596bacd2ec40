//! User settings of the app (not of the vault): kept in `settings.json` in the app's
//! config folder. Bad or missing files fall back to the defaults.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::errors::{ErrorCode, ErrorDto};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Lock (forget every opened key) after this many idle minutes.
    pub idle_lock_minutes: u32,
    /// Clear a copied value from the clipboard after this many seconds.
    pub clipboard_clear_seconds: u32,
    /// Mask a revealed value again after this many seconds.
    pub reveal_seconds: u32,
    /// Lock when the screen locks or the system goes to sleep (where the platform says so).
    pub lock_on_sleep: bool,
    /// How many derived keys the session keeps (oldest forgotten first).
    pub remembered_keys: u32,
    /// Hide the record list while locked: labels and tokens are plaintext.
    pub hide_list_when_locked: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            idle_lock_minutes: 5,
            clipboard_clear_seconds: 30,
            reveal_seconds: 30,
            lock_on_sleep: true,
            remembered_keys: 64,
            hide_list_when_locked: false,
        }
    }
}

impl Settings {
    pub fn validate(&self) -> Result<(), ErrorDto> {
        // (field as the UI names it, words for people, value, bounds)
        let check = |field: &str, name: &str, v: u32, lo: u32, hi: u32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(ErrorDto::invalid(
                    field,
                    format!("{name} must be between {lo} and {hi}"),
                ))
            }
        };
        check(
            "idleLockMinutes",
            "idle lock (minutes)",
            self.idle_lock_minutes,
            1,
            720,
        )?;
        check(
            "clipboardClearSeconds",
            "clipboard clearing (seconds)",
            self.clipboard_clear_seconds,
            5,
            600,
        )?;
        check(
            "revealSeconds",
            "reveal time (seconds)",
            self.reveal_seconds,
            5,
            600,
        )?;
        check(
            "rememberedKeys",
            "keys remembered",
            self.remembered_keys,
            1,
            1024,
        )
    }

    pub fn load(path: &Path) -> Self {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<Self>(&t).ok())
            .filter(|s| s.validate().is_ok())
            .unwrap_or_default()
    }

    /// Writes to a temp file and renames it over the old one, so a crash never leaves a
    /// half-written settings file.
    pub fn save(&self, path: &PathBuf) -> Result<(), ErrorDto> {
        let fail = |e: std::io::Error| {
            ErrorDto::new(
                ErrorCode::Io,
                format!("could not save settings to {}: {e}", path.display()),
            )
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        std::fs::write(&tmp, text).map_err(fail)?;
        std::fs::rename(&tmp, path).map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_settings_are_refused_and_a_bad_file_gives_the_defaults() {
        let bad = Settings {
            idle_lock_minutes: 0,
            ..Settings::default()
        };
        let err = bad.validate().unwrap_err();
        assert_eq!(err.code, ErrorCode::INVALID_INPUT);
        assert_eq!(err.field.as_deref(), Some("idleLockMinutes"));
        let bad = Settings {
            clipboard_clear_seconds: 4,
            ..Settings::default()
        };
        assert!(bad.validate().unwrap_err().message.contains("clipboard"));
        Settings::default().validate().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(&path, r#"{"idleLockMinutes": 0}"#).unwrap();
        assert_eq!(Settings::load(&path), Settings::default());
        std::fs::write(&path, "not json").unwrap();
        assert_eq!(Settings::load(&path), Settings::default());
        let custom = Settings {
            idle_lock_minutes: 9,
            ..Settings::default()
        };
        custom.save(&path).unwrap();
        assert_eq!(Settings::load(&path), custom);
    }
}
