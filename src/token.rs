//! Tokens: generation of random `tk_` tokens and validation of custom ones.
//!
//! Tokens are ASCII graphic characters only (no spaces, no control characters), so they
//! compare byte-wise the same on every backend, survive copy and paste, and a prefix
//! search can be answered with an index range (`token >= p AND token < p || 0x7F`).

use rand::TryRng;
use rand::rngs::SysRng;

use crate::error::{Error, Result};

/// The prefix of generated tokens.
pub const PREFIX: &str = "tk_";
/// Shortest generated token, prefix included.
pub const MIN_GENERATED_LEN: usize = 15;
/// Longest generated token, prefix included.
pub const MAX_GENERATED_LEN: usize = 40;
/// Default generated token length, prefix included.
pub const DEFAULT_GENERATED_LEN: usize = 32;
/// Longest custom token.
pub const MAX_CUSTOM_LEN: usize = 100;

const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A random token `tk_` + `len - 3` characters from the OS RNG. With the default length
/// that is 29 characters of 62 symbols, about 172 bits.
pub fn generate(len: usize) -> Result<String> {
    if !(MIN_GENERATED_LEN..=MAX_GENERATED_LEN).contains(&len) {
        return Err(Error::invalid(
            "token length",
            format!("{len} is outside {MIN_GENERATED_LEN}..={MAX_GENERATED_LEN}"),
        ));
    }
    let mut token = String::with_capacity(len);
    token.push_str(PREFIX);
    let mut buf = [0u8; 64];
    while token.len() < len {
        SysRng
            .try_fill_bytes(&mut buf)
            .map_err(|e| Error::Crypto(format!("the system random generator failed: {e}")))?;
        // Rejection sampling: 248 = 4 * 62, so accepted bytes map uniformly onto the alphabet.
        for &b in buf.iter().filter(|&&b| b < 248) {
            if token.len() == len {
                break;
            }
            token.push(char::from(ALPHABET[usize::from(b % 62)]));
        }
    }
    Ok(token)
}

/// Checks a caller-supplied token: non-empty, at most [`MAX_CUSTOM_LEN`] characters,
/// ASCII graphic characters only.
pub fn validate(token: &str) -> Result<()> {
    if token.is_empty() {
        return Err(Error::invalid("token", "must not be empty"));
    }
    if token.len() > MAX_CUSTOM_LEN {
        return Err(Error::invalid(
            "token",
            format!(
                "is {} characters long; the limit is {MAX_CUSTOM_LEN}",
                token.len()
            ),
        ));
    }
    if let Some(bad) = token.chars().find(|c| !c.is_ascii_graphic()) {
        return Err(Error::invalid(
            "token",
            format!("contains {bad:?}; use printable ASCII characters without spaces"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_have_the_asked_length_and_differ() {
        for len in [MIN_GENERATED_LEN, DEFAULT_GENERATED_LEN, MAX_GENERATED_LEN] {
            let a = generate(len).unwrap();
            let b = generate(len).unwrap();
            assert_eq!(a.len(), len);
            assert!(a.starts_with(PREFIX));
            assert_ne!(a, b);
            validate(&a).unwrap();
        }
        assert!(generate(14).is_err());
        assert!(generate(41).is_err());
    }

    #[test]
    fn custom_tokens_reject_spaces_controls_and_overlong() {
        assert!(validate("").is_err());
        assert!(validate("has space").is_err());
        assert!(validate("tab\t").is_err());
        assert!(validate("ünï").is_err());
        assert!(validate(&"x".repeat(MAX_CUSTOM_LEN + 1)).is_err());
        validate("tk_%_'\";--").unwrap();
    }
}
