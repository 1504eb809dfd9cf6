//! What a tenant's policy asks of each surface: who the public sign-up takes,
//! which browser origins may call, and the username and password rules.

use crate::domain::{
    PasswordPolicy, PublicSignUp, TenantPolicy, UsernameCharset, UsernameRules,
    values::password::MAX_PASSWORD_CHARS,
};

impl TenantPolicy {
    /// Who `POST /sign-up` registers for this tenant; it takes no invite code.
    pub fn public_sign_up(&self) -> PublicSignUp {
        if !self.public_signup_enabled {
            PublicSignUp::Closed
        } else if self.invite_only {
            PublicSignUp::InviteOnly
        } else {
            PublicSignUp::Open
        }
    }

    pub fn allows_any_origin(&self) -> bool {
        self.allowed_origins.iter().any(|o| o == "*")
    }

    pub fn allows_origin(&self, origin: &str) -> bool {
        self.allows_any_origin() || self.allowed_origins.iter().any(|o| o == origin)
    }

    /// The username rules of the public sign-up (and the CLI) for this tenant.
    pub fn signup_username_rules(&self) -> UsernameRules {
        UsernameRules {
            charset: UsernameCharset::Identifier,
            min_chars: 1,
            max_chars: 255,
            case_insensitive: self.username_case_insensitive,
        }
    }

    /// The password rules of the public sign-up for this tenant.
    pub fn signup_password_policy(&self) -> PasswordPolicy {
        PasswordPolicy {
            min_chars: self.password_min_length,
            max_chars: MAX_PASSWORD_CHARS,
            min_classes: self.password_min_classes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_open_sign_up_to_any_origin() {
        let policy = TenantPolicy::default();
        assert!(policy.allows_origin("https://anything.example"));
        assert_eq!(policy.signup_password_policy().min_chars, 8);
        assert_eq!(policy.public_sign_up(), PublicSignUp::Open);
    }
}
