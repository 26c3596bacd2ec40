//! User settings of the app (not of the vault): kept in `settings.json` in the app's
//! config folder. Bad or missing files fall back to the defaults.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use vaultstore::SortField;

use crate::dto::{Expiry, Scope};
use crate::errors::{ErrorCode, ErrorDto};

/// The "expiring within" filter and the "expires soon" window: at most ten years.
const MAX_DAYS: u32 = 3650;

/// Sort direction of the records table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    Asc,
    #[default]
    Desc,
}

/// The records table as the user left it: view, filters (not the search text, which may
/// name what someone looked for) and sort. Restored on the next start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct SavedView {
    pub view: Scope,
    pub expiry: Expiry,
    /// Days of the `expiring` filter.
    pub expiring_days: u32,
    pub sort: SortField,
    pub order: Order,
}

impl Default for SavedView {
    fn default() -> Self {
        Self {
            view: Scope::Vault,
            expiry: Expiry::All,
            expiring_days: 7,
            sort: SortField::CreatedAt,
            order: Order::Desc,
        }
    }
}

impl SavedView {
    pub fn validate(&self) -> Result<(), ErrorDto> {
        if self.view == Scope::All {
            return Err(ErrorDto::invalid(
                "view",
                "the table shows the vault or the Trash, not both",
            ));
        }
        check(
            "expiringDays",
            "the expiring filter (days)",
            self.expiring_days,
            1,
            MAX_DAYS,
        )
    }
}

/// `v` within `lo..=hi`, else an error naming the field (as the UI names it) in words.
fn check(field: &str, name: &str, v: u32, lo: u32, hi: u32) -> Result<(), ErrorDto> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(ErrorDto::invalid(
            field,
            format!("{name} must be between {lo} and {hi}"),
        ))
    }
}

/// What the password generator draws: characters from the chosen classes, or words.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GeneratorKind {
    #[default]
    Characters,
    Passphrase,
}

/// What goes between a passphrase's words.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Separator {
    #[default]
    #[serde(rename = "-")]
    Hyphen,
    #[serde(rename = " ")]
    Space,
    #[serde(rename = ".")]
    Period,
    #[serde(rename = "_")]
    Underscore,
    #[serde(rename = ",")]
    Comma,
}

/// The password generator's options as last used (the UI draws; this remembers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct GeneratorOptions {
    pub kind: GeneratorKind,
    /// Characters of a drawn password.
    pub length: u32,
    pub uppercase: bool,
    pub lowercase: bool,
    pub digits: bool,
    pub symbols: bool,
    /// Words of a passphrase (EFF's large list, ~12.9 bits each).
    pub words: u32,
    pub separator: Separator,
    pub capitalize: bool,
}

impl Default for GeneratorOptions {
    fn default() -> Self {
        Self {
            kind: GeneratorKind::Characters,
            length: 24,
            uppercase: true,
            lowercase: true,
            digits: true,
            symbols: true,
            words: 6,
            separator: Separator::Hyphen,
            capitalize: false,
        }
    }
}

impl GeneratorOptions {
    /// Bounds keep every result within the password policy: 16 characters at least, and
    /// five words of three letters or more with their separators are 19.
    pub fn validate(&self) -> Result<(), ErrorDto> {
        check("length", "the password length", self.length, 16, 128)?;
        check("words", "the number of words", self.words, 5, 20)?;
        if !(self.uppercase || self.lowercase || self.digits || self.symbols) {
            return Err(ErrorDto::invalid(
                "classes",
                "pick at least one kind of character (uppercase, lowercase, digits or symbols)",
            ));
        }
        Ok(())
    }
}

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
    /// A record expiring within this many days shows as "expires soon" (and the banner
    /// counts it).
    pub expiring_soon_days: u32,
    /// Delete records for good once they have been in the Trash this many days (on
    /// open and daily); 0 keeps them until deleted by hand.
    pub trash_retention_days: u32,
    /// A desktop notification when records expire or enter the "expires soon" window
    /// while the app runs.
    pub expiry_alerts: bool,
    /// The records table as last left.
    pub view: SavedView,
    /// The password generator as last used.
    pub generator: GeneratorOptions,
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
            expiring_soon_days: 7,
            trash_retention_days: 0,
            expiry_alerts: true,
            view: SavedView::default(),
            generator: GeneratorOptions::default(),
        }
    }
}

impl Settings {
    pub fn validate(&self) -> Result<(), ErrorDto> {
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
        )?;
        check(
            "expiringSoonDays",
            "\"expires soon\" (days)",
            self.expiring_soon_days,
            1,
            365,
        )?;
        check(
            "trashRetentionDays",
            "Trash retention (days; 0 keeps records)",
            self.trash_retention_days,
            0,
            3650,
        )?;
        self.view.validate()?;
        self.generator.validate()
    }

    pub fn load(path: &Path) -> Self {
        let mut settings = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<Self>(&t).ok())
            .unwrap_or_default();
        // A view the table cannot show, or generator options it cannot draw, are forgotten
        // alone; other bad values reset all.
        if settings.view.validate().is_err() {
            settings.view = SavedView::default();
        }
        if settings.generator.validate().is_err() {
            settings.generator = GeneratorOptions::default();
        }
        if settings.validate().is_err() {
            settings = Self::default();
        }
        settings
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

    #[test]
    fn the_table_view_and_soon_window_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let left = Settings {
            expiring_soon_days: 30,
            view: SavedView {
                view: Scope::Trash,
                expiry: Expiry::Expiring,
                expiring_days: 14,
                sort: SortField::DeletedAt,
                order: Order::Asc,
            },
            ..Settings::default()
        };
        left.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(r#""sort": "deleted_at""#) && text.contains(r#""view": "trash""#),
            "the file names the view as the UI does: {text}"
        );
        assert_eq!(Settings::load(&path), left, "read back as left");

        // A file from before these settings keeps its values and gets the defaults.
        std::fs::write(&path, r#"{"idleLockMinutes": 9}"#).unwrap();
        let old = Settings::load(&path);
        assert_eq!(old.idle_lock_minutes, 9);
        assert_eq!(old.expiring_soon_days, 7);
        assert_eq!(old.view, SavedView::default());

        // A view the table cannot show is forgotten, the other settings kept.
        std::fs::write(
            &path,
            r#"{"idleLockMinutes": 9, "view": {"view": "all", "sort": "token"}}"#,
        )
        .unwrap();
        let odd = Settings::load(&path);
        assert_eq!((odd.idle_lock_minutes, odd.view), (9, SavedView::default()));

        let bad = SavedView {
            expiring_days: 0,
            ..SavedView::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().field.as_deref(),
            Some("expiringDays")
        );
        let bad = Settings {
            expiring_soon_days: 366,
            ..Settings::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().field.as_deref(),
            Some("expiringSoonDays")
        );
    }

    #[test]
    fn the_generator_options_outlive_a_restart_and_bad_ones_are_refused_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        let chosen = GeneratorOptions {
            kind: GeneratorKind::Passphrase,
            words: 8,
            separator: Separator::Period,
            capitalize: true,
            ..GeneratorOptions::default()
        };
        let left = Settings {
            generator: chosen,
            ..Settings::default()
        };
        left.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(r#""kind": "passphrase""#) && text.contains(r#""separator": ".""#),
            "the file names the options as the UI does: {text}"
        );
        assert_eq!(Settings::load(&path).generator, chosen);

        // Options the generator cannot draw are forgotten alone.
        std::fs::write(
            &path,
            r#"{"idleLockMinutes": 9, "generator": {"length": 8}}"#,
        )
        .unwrap();
        let odd = Settings::load(&path);
        assert_eq!(
            (odd.idle_lock_minutes, odd.generator),
            (9, GeneratorOptions::default())
        );

        let refused = |g: GeneratorOptions| g.validate().unwrap_err().field;
        let no_class = GeneratorOptions {
            uppercase: false,
            lowercase: false,
            digits: false,
            symbols: false,
            ..GeneratorOptions::default()
        };
        assert_eq!(refused(no_class).as_deref(), Some("classes"));
        let short = GeneratorOptions {
            length: 15,
            ..GeneratorOptions::default()
        };
        assert_eq!(refused(short).as_deref(), Some("length"));
        let few = GeneratorOptions {
            words: 4,
            ..GeneratorOptions::default()
        };
        assert_eq!(refused(few).as_deref(), Some("words"));
    }
}
