//! Passwords: a policy object, and a parsed password that cannot be logged.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::Problem;

/// Hard ceiling for every surface: long inputs only cost hash time.
pub const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    pub min_chars: usize,
    pub max_chars: usize,
    /// How many of lower / upper / digit / other must appear (0 to 4).
    pub min_classes: u8,
}

impl PasswordPolicy {
    /// The public sign-up's default: any non-blank password up to 128 characters.
    pub const LENIENT: Self = Self {
        min_chars: 1,
        max_chars: MAX_PASSWORD_CHARS,
        min_classes: 0,
    };
}

#[derive(Debug, Clone)]
pub struct Password(SecretString);

impl Password {
    pub fn parse(raw: &str, policy: PasswordPolicy) -> Result<Self, Problem> {
        if raw.trim().is_empty() {
            return Err(Problem::Blank);
        }
        let chars = raw.chars().count();
        if chars < policy.min_chars {
            return Err(Problem::TooShort {
                min: policy.min_chars,
            });
        }
        if chars > policy.max_chars {
            return Err(Problem::TooLong {
                max: policy.max_chars,
            });
        }
        if character_classes(raw) < policy.min_classes {
            return Err(Problem::TooWeak {
                min_classes: policy.min_classes,
            });
        }
        Ok(Self(SecretString::from(raw)))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

fn character_classes(raw: &str) -> u8 {
    let has = |f: fn(char) -> bool| u8::from(raw.chars().any(f));
    has(char::is_lowercase)
        + has(char::is_uppercase)
        + has(|c| c.is_ascii_digit())
        + has(|c| !c.is_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: PasswordPolicy = PasswordPolicy {
        min_chars: 8,
        max_chars: MAX_PASSWORD_CHARS,
        min_classes: 3,
    };

    #[test]
    fn lenient_policy_needs_only_a_non_blank_password() {
        assert!(Password::parse("p", PasswordPolicy::LENIENT).is_ok());
        assert_eq!(
            Password::parse(" \t", PasswordPolicy::LENIENT).err(),
            Some(Problem::Blank)
        );
        assert_eq!(
            Password::parse(&"x".repeat(129), PasswordPolicy::LENIENT).err(),
            Some(Problem::TooLong { max: 128 })
        );
    }

    #[test]
    fn strict_policy_counts_character_classes() {
        assert!(Password::parse("abcDEF12", STRICT).is_ok());
        assert!(Password::parse("abcdef1!", STRICT).is_ok());
        assert_eq!(
            Password::parse("abcdefgh1", STRICT).err(),
            Some(Problem::TooWeak { min_classes: 3 })
        );
        assert_eq!(
            Password::parse("aB1!", STRICT).err(),
            Some(Problem::TooShort { min: 8 })
        );
    }

    #[test]
    fn debug_output_hides_the_password() {
        let password = Password::parse("hunter2!", STRICT.min_chars(1)).map(|p| format!("{p:?}"));
        assert!(password.is_ok_and(|text| !text.contains("hunter2")));
    }

    impl PasswordPolicy {
        const fn min_chars(self, min_chars: usize) -> Self {
            Self { min_chars, ..self }
        }
    }
}
