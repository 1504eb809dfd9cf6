//! OAuth2 scopes a token can carry.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    UsersRead,
    UsersWrite,
    TenantManage,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::UsersRead, Scope::UsersWrite, Scope::TenantManage];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::UsersRead => "users:read",
            Scope::UsersWrite => "users:write",
            Scope::TenantManage => "tenant:manage",
        }
    }

    /// Parses a space-separated scope list (RFC 6749 section 3.3); `None` if any
    /// scope is unknown.
    pub fn parse_list(raw: &str) -> Option<Vec<Scope>> {
        let mut scopes = raw
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(|s| Scope::ALL.into_iter().find(|scope| scope.as_str() == s))
            .collect::<Option<Vec<_>>>()?;
        scopes.sort();
        scopes.dedup();
        Some(scopes)
    }

    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_space_separated_lists() {
        assert_eq!(
            Scope::parse_list("users:write  users:read users:write"),
            Some(vec![Scope::UsersRead, Scope::UsersWrite])
        );
        assert_eq!(Scope::parse_list(""), Some(vec![]));
        assert_eq!(Scope::parse_list("users:read admin"), None);
        assert_eq!(
            Scope::join(&Scope::ALL),
            "users:read users:write tenant:manage"
        );
    }
}
