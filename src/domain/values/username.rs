//! Usernames: the name as given, plus the canonical key that uniqueness is decided on.

use precis_core::profile::PrecisFastInvocation;
use precis_profiles::{UsernameCaseMapped, UsernameCasePreserved};

use super::Problem;

/// Which characters a surface accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsernameCharset {
    /// What the PRECIS IdentifierClass allows: letters and digits of any script and
    /// ASCII symbols; no spaces, controls or compatibility forms.
    Identifier,
    /// `[A-Za-z0-9_-]` only (the community and admin APIs).
    AsciiWord,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsernameRules {
    pub charset: UsernameCharset,
    pub min_chars: usize,
    pub max_chars: usize,
    /// `Alice` and `alice` are the same user (RFC 8265 UsernameCaseMapped).
    pub case_insensitive: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username {
    display: String,
    key: String,
}

impl Username {
    pub fn parse(raw: &str, rules: UsernameRules) -> Result<Self, Problem> {
        if raw.trim().is_empty() {
            return Err(Problem::Blank);
        }
        let chars = raw.chars().count();
        if chars < rules.min_chars {
            return Err(Problem::TooShort {
                min: rules.min_chars,
            });
        }
        if chars > rules.max_chars {
            return Err(Problem::TooLong {
                max: rules.max_chars,
            });
        }
        if rules.charset == UsernameCharset::AsciiWord
            && !raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(Problem::Invalid);
        }
        let key = if rules.case_insensitive {
            UsernameCaseMapped::enforce(raw)
        } else {
            UsernameCasePreserved::enforce(raw)
        }
        .map_err(|_| Problem::Invalid)?;
        Ok(Self {
            display: raw.to_owned(),
            key: key.into_owned(),
        })
    }

    /// The name as the user typed it.
    pub fn as_str(&self) -> &str {
        &self.display
    }

    /// The canonical form: equal keys mean the same user within a tenant.
    pub fn key(&self) -> &str {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNUP: UsernameRules = UsernameRules {
        charset: UsernameCharset::Identifier,
        min_chars: 1,
        max_chars: 255,
        case_insensitive: true,
    };

    fn key(raw: &str, rules: UsernameRules) -> Result<String, Problem> {
        Username::parse(raw, rules).map(|u| u.key().to_owned())
    }

    #[test]
    fn case_and_width_variants_share_a_key() {
        assert_eq!(key("Alice", SIGNUP), key("alice", SIGNUP));
        assert_eq!(key("ｆｏｏ", SIGNUP), Ok("foo".to_owned()));
    }

    #[test]
    fn case_preserving_tenants_keep_case_apart() {
        let rules = UsernameRules {
            case_insensitive: false,
            ..SIGNUP
        };
        assert_ne!(key("Alice", rules), key("alice", rules));
    }

    #[test]
    fn any_script_is_allowed_but_not_spaces_or_compatibility_forms() {
        assert!(Username::parse("José", SIGNUP).is_ok());
        assert!(Username::parse("用户名", SIGNUP).is_ok());
        assert!(Username::parse("a@b.c", SIGNUP).is_ok());
        assert_eq!(key("two words", SIGNUP), Err(Problem::Invalid));
        assert_eq!(key("ﬁsh", SIGNUP), Err(Problem::Invalid));
        assert_eq!(key("x²", SIGNUP), Err(Problem::Invalid));
        assert_eq!(key("tab\there", SIGNUP), Err(Problem::Invalid));
    }

    #[test]
    fn ascii_word_charset_rejects_everything_else() {
        let rules = UsernameRules {
            charset: UsernameCharset::AsciiWord,
            ..SIGNUP
        };
        assert!(Username::parse("a_b-C9", rules).is_ok());
        assert_eq!(key("José", rules), Err(Problem::Invalid));
        assert_eq!(key("a.b", rules), Err(Problem::Invalid));
    }

    #[test]
    fn blank_and_length_limits() {
        assert_eq!(key("   ", SIGNUP), Err(Problem::Blank));
        assert_eq!(
            key(&"x".repeat(256), SIGNUP),
            Err(Problem::TooLong { max: 255 })
        );
        let admin = UsernameRules {
            min_chars: 3,
            ..SIGNUP
        };
        assert_eq!(key("ab", admin), Err(Problem::TooShort { min: 3 }));
    }
}
