//! Parsed domain types and the registration pipeline. No HTTP here, and no SQL:
//! persistence goes through `crate::store`.

pub mod access;
pub mod audit;
pub mod client_id;
pub mod clock;
pub mod custom_fields;
pub mod email;
pub mod field_error;
pub mod introspection;
pub mod oauth;
pub mod password;
pub mod policy_change;
pub mod registration;
pub mod revocation;
pub mod role;
pub mod scope;
pub mod sso;
pub mod tenant;
pub mod tenant_admin;
pub mod user_admin;
pub mod username;

pub use client_id::ClientId;
pub use clock::Clock;
pub use email::Email;
pub use field_error::{FieldError, Problem};
pub use password::{Password, PasswordPolicy};
pub use policy_change::PolicyChange;
pub use role::Role;
pub use scope::Scope;
pub use tenant::{Tenant, TenantPolicy};
pub use username::{Username, UsernameCharset, UsernameRules};
