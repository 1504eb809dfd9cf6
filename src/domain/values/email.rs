//! Email addresses (RFC 5322 addr-spec), with a key for per-tenant uniqueness.

use email_address::{EmailAddress, Options};

use super::Problem;

/// A bare address with a dotted domain: no display name (`Bob <bob@x.com>`), no
/// domain literal (`a@[127.0.0.1]`), no single-label domain (`a@localhost`).
fn options() -> Options {
    Options::default()
        .without_display_text()
        .without_domain_literal()
        .with_required_tld()
}

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
        let parsed =
            EmailAddress::parse_with_options(raw, options()).map_err(|_| Problem::Invalid)?;
        // The domain is case-insensitive (RFC 5321) and stored lowercased; the
        // local part is kept as given but compared case-insensitively too, as
        // every major provider does.
        let address = format!("{}@{}", parsed.local_part(), parsed.domain().to_lowercase());
        let key = address.to_lowercase();
        Ok(Self { address, key })
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
        assert_eq!(email.as_ref().map(Email::as_str), Ok("Ann@example.com"));
        assert_eq!(email.as_ref().map(Email::key), Ok("ann@example.com"));
        for bad in [
            "not-an-email",
            "Bob <victim@example.com>",
            "a@[127.0.0.1]",
            "a@localhost",
        ] {
            assert_eq!(Email::parse(bad), Err(Problem::Invalid), "{bad}");
        }
        assert_eq!(Email::parse(""), Err(Problem::Blank));
    }
}
