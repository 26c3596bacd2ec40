//! The password policy: applied whenever a password is set (create, update, rekey,
//! change password), never when one is used to read, so old records stay readable.

use crate::error::{Error, Result};
use crate::secret::Password;

/// Rules a new password must meet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Minimum length in characters (default 16).
    pub min_length: usize,
    /// Maximum length in characters (default 1024): bounds the KDF input a user can send.
    pub max_length: usize,
    /// Require at least one lowercase letter.
    pub require_lowercase: bool,
    /// Require at least one uppercase letter.
    pub require_uppercase: bool,
    /// Require at least one digit.
    pub require_digit: bool,
    /// Require at least one character that is neither letter nor digit.
    pub require_symbol: bool,
    /// Allow an empty password (the value is then encrypted under a well-known key).
    pub allow_empty: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 16,
            max_length: 1024,
            require_lowercase: false,
            require_uppercase: false,
            require_digit: false,
            require_symbol: false,
            allow_empty: false,
        }
    }
}

impl PasswordPolicy {
    /// Checks a new password; the error names the first rule it breaks.
    pub fn check(&self, password: &Password) -> Result<()> {
        let text = password.expose();
        let rule = |rule: &str| {
            Err(Error::Policy {
                rule: rule.to_owned(),
            })
        };
        if text.is_empty() {
            return if self.allow_empty {
                Ok(())
            } else {
                rule("a password is required")
            };
        }
        let len = password.char_count();
        if len < self.min_length {
            return rule(&format!(
                "must be at least {} characters long (it has {len})",
                self.min_length
            ));
        }
        if len > self.max_length {
            return rule(&format!(
                "must be at most {} characters long",
                self.max_length
            ));
        }
        if self.require_lowercase && !text.chars().any(char::is_lowercase) {
            return rule("must contain a lowercase letter");
        }
        if self.require_uppercase && !text.chars().any(char::is_uppercase) {
            return rule("must contain an uppercase letter");
        }
        if self.require_digit && !text.chars().any(|c| c.is_ascii_digit()) {
            return rule("must contain a digit");
        }
        if self.require_symbol && !text.chars().any(|c| !c.is_alphanumeric()) {
            return rule("must contain a symbol (neither letter nor digit)");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_wants_sixteen_characters_and_no_empty() {
        let p = PasswordPolicy::default();
        assert!(p.check(&Password::new("")).is_err());
        assert!(p.check(&Password::new("fifteen-chars-x")).is_err());
        p.check(&Password::new("sixteen-chars-xx")).unwrap();
    }

    #[test]
    fn character_classes_are_enforced_when_asked() {
        let p = PasswordPolicy {
            require_uppercase: true,
            require_digit: true,
            require_symbol: true,
            ..PasswordPolicy::default()
        };
        let err = p.check(&Password::new("alllowercaseletters")).unwrap_err();
        assert!(err.to_string().contains("uppercase"));
        p.check(&Password::new("Upper-and-digit-1")).unwrap();
        let allow = PasswordPolicy {
            allow_empty: true,
            ..PasswordPolicy::default()
        };
        allow.check(&Password::new("")).unwrap();
    }
}
