//! Newtypes for secrets: passwords and revealed plaintext values.
//!
//! Both zeroize their memory on drop, print a placeholder in `Debug`, implement neither
//! `Display` nor `Serialize`, and are read through one greppable method, `expose`.

use std::fmt;

use zeroize::Zeroizing;

/// A password. Zeroized on drop; `Debug` prints `Password(***)`.
///
/// `Clone` because the desktop app keeps each opened record's password for the session
/// (its `AppState`); every copy is zeroized on drop. DESIGN says the session should keep
/// derived keys instead: when it does, `Clone` goes.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password string, taking ownership so no unzeroized copy is left behind.
    pub fn new(password: impl Into<String>) -> Self {
        Self(Zeroizing::new(password.into()))
    }

    /// The password's text. Call sites are the places a secret is read: keep them few.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The password's length in characters (for policy checks; not secret enough to hide).
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }
}

impl From<String> for Password {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Password {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

/// Passwords arrive from the UI as JSON strings: deserializing moves the string into the
/// zeroizing wrapper without a copy. There is deliberately no `Serialize`.
impl<'de> serde::Deserialize<'de> for Password {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// A plaintext secret value, revealed by opening an envelope with its password.
/// Zeroized on drop; `Debug` prints `SecretValue(***)`; equality is constant-time.
/// `Clone` because one value can be resolved under several names (a resolved map); every
/// copy is zeroized on drop.
#[derive(Clone)]
pub struct SecretValue(Zeroizing<String>);

impl PartialEq for SecretValue {
    fn eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for SecretValue {}

impl SecretValue {
    /// Wraps a plaintext value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The plaintext. Call sites are the places a secret is read: keep them few.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in bytes of the plaintext.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the value is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretValue {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for SecretValue {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

/// Values arrive from the UI as JSON strings (see [`Password`]'s impl). No `Serialize`:
/// revealing a value is an explicit act of the caller.
impl<'de> serde::Deserialize<'de> for SecretValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Self::new)
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(***)")
    }
}

/// Overwrites the stack just below the caller's frame. Hash states that took in a
/// password (HMAC's block buffer, the Blake2b state of Argon2's first step) live in
/// the frames of callees that return without wiping them; called right after such a
/// call, this frame lands where theirs were and zeroes it. One memset, kept by
/// `black_box` (byte-wise volatile writes made every read of a record 3x slower).
#[inline(never)]
pub(crate) fn wipe_stack() {
    let below = [0u8; 32 * 1024];
    std::hint::black_box(&below);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let p = Password::new("hunter2-hunter2-hunter2");
        let v = SecretValue::new("the plaintext");
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert_eq!(format!("{v:?}"), "SecretValue(***)");
        assert!(!format!("{p:?}{v:?}").contains("hunter2"));
    }
}
