//! Parsed domain types and the registration pipeline. No HTTP here, and no SQL:
//! persistence goes through `crate::store`.

pub mod access;
pub mod audit;
pub mod custom_fields;
pub mod error;
pub mod introspection;
pub mod oauth;
pub mod policy_change;
pub mod registration;
pub mod revocation;
pub mod sso;
pub mod tenant;
pub mod tenant_admin;
pub mod user_admin;
pub mod values;

pub use error::Error;
pub use policy_change::PolicyChange;
pub use values::{
    ClientId, Clock, Email, FieldError, Page, Password, PasswordPolicy, Problem, Role, Scope,
    Tenant, TenantPolicy, Username, UsernameCharset, UsernameRules,
};
