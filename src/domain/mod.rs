//! What Portcullis does, whatever surface asks: `values` (the shared
//! vocabulary), `users`, `tenants`, `tokens` and `audit`, failing with one
//! [`Error`]. No HTTP here, and no SQL: persistence goes through `crate::store`.

pub mod audit;
pub mod error;
pub mod tenants;
pub mod tokens;
pub mod users;
pub mod values;

pub use error::Error;
pub use tenants::PolicyChange;
pub use values::{
    ClientId, Clock, Email, FieldError, Page, Password, PasswordPolicy, Problem, PublicSignUp,
    Role, Scope, Tenant, TenantPolicy, Username, UsernameCharset, UsernameRules,
};
