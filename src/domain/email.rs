//! Email addresses (RFC 5322 addr-spec), with a key for per-tenant uniqueness.

use std::str::FromStr;

use email_address::EmailAddress;

use super::Problem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    address: String,
    key: String,
}

impl Email {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(Problem::Blank);
        }
        let parsed = EmailAddress::from_str(raw).map_err(|_| Problem::Invalid)?;
        // The domain is case-insensitive (RFC 5321); the local part is compared
        // case-insensitively too, as every major provider does.
        let key = parsed.as_str().to_lowercase();
        Ok(Self {
            address: parsed.as_str().to_owned(),
            key,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.address
    }

    pub fn key(&self) -> &str {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_keys_addresses() {
        let email = Email::parse(" Ann@Example.COM ");
        assert_eq!(email.as_ref().map(Email::as_str), Ok("Ann@Example.COM"));
        assert_eq!(email.as_ref().map(Email::key), Ok("ann@example.com"));
        assert_eq!(Email::parse("not-an-email"), Err(Problem::Invalid));
        assert_eq!(Email::parse(""), Err(Problem::Blank));
    }
}
