//! The app's copies on the system clipboard: written marked as secret, cleared after the
//! chosen time, on Lock and on quit, but only while the clipboard still holds our copy
//! (a user who copied something else meanwhile keeps it). What is kept to recognise our
//! copy is a salted SHA-256, never the value.

use std::sync::Mutex;

use rand::TryRng;
use sha2::{Digest, Sha256};
use tauri::{AppHandle, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt;
use zeroize::Zeroizing;

/// Recognises one copied value without holding it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    salt: [u8; 16],
    digest: [u8; 32],
}

impl Mark {
    /// `None` only if the system random generator fails (then nothing is remembered,
    /// and the clipboard is cleared unconditionally instead).
    pub fn of(text: &str) -> Option<Self> {
        let mut salt = [0u8; 16];
        rand::rngs::SysRng.try_fill_bytes(&mut salt).ok()?;
        Some(Self {
            salt,
            digest: digest(&salt, text),
        })
    }

    pub fn matches(&self, text: &str) -> bool {
        // Not secret-dependent timing worth hiding: the digest is salted per copy.
        digest(&self.salt, text) == self.digest
    }
}

fn digest(salt: &[u8; 16], text: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(text.as_bytes());
    h.finalize().into()
}

/// The mark of the app's latest copy, shared by the timer, Lock and quit.
#[derive(Default)]
pub struct Copies(Mutex<Option<Mark>>);

impl Copies {
    pub fn set(&self, mark: Option<Mark>) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = mark;
    }

    /// Clears the clipboard if it still holds the copy `only` (or the latest copy when
    /// `only` is `None`), and forgets that copy.
    pub fn clear_ours<R: Runtime>(&self, app: &AppHandle<R>, only: Option<Mark>) {
        let mut latest = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let Some(mark) = only.or(*latest) else {
            return;
        };
        let current = app.clipboard().read_text().map(Zeroizing::new);
        if current.is_ok_and(|text| mark.matches(&text)) {
            let _ = app.clipboard().clear();
        }
        if *latest == Some(mark) {
            *latest = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_recognises_its_value_only() {
        let mark = Mark::of("hunter2-secret").unwrap();
        assert!(mark.matches("hunter2-secret"));
        assert!(!mark.matches("hunter2-secreT"));
        assert!(!mark.matches(""));
        let again = Mark::of("hunter2-secret").unwrap();
        assert_ne!(
            mark.digest, again.digest,
            "salted: equal values leave unequal marks"
        );
        let bytes: Vec<u8> = mark.salt.iter().chain(&mark.digest).copied().collect();
        assert!(
            !bytes.windows(7).any(|w| w == b"hunter2"),
            "the mark does not hold the value"
        );
    }
}
