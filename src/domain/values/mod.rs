//! The vocabulary every layer shares: parsed values (usernames, emails,
//! passwords, ids, roles, scopes), the records the store hands up, and the
//! clock. A leaf: nothing here imports another module of the crate.

pub mod catalog;
pub mod client_id;
pub mod clock;
pub mod credentials;
pub mod email;
pub mod field_error;
pub mod page;
pub mod password;
pub mod quota;
pub mod role;
pub mod scope;
pub mod tenant;
pub mod user;
pub mod username;

pub use catalog::{CustomField, InviteCode, PromoCode, PromoLimits, Tag};
pub use client_id::ClientId;
pub use clock::Clock;
pub use credentials::{RefreshToken, SigningKey};
pub use email::Email;
pub use field_error::{FieldError, Problem};
pub use page::Page;
pub use password::{Password, PasswordPolicy};
pub use quota::Quota;
pub use role::Role;
pub use scope::Scope;
pub use tenant::{PublicSignUp, Tenant, TenantPolicy};
pub use user::{Account, User, UserStatus};
pub use username::{Username, UsernameCharset, UsernameRules};
