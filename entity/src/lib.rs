//! sea-orm entities: the shape of the tables, nothing more. Behaviour lives in the
//! service crate's `store` module.

pub mod audit_events;
pub mod changes;
pub mod client_secrets;
pub mod custom_fields;
pub mod idempotency_keys;
pub mod invite_codes;
pub mod promo_codes;
pub mod refresh_tokens;
pub mod revoked_tokens;
pub mod signing_keys;
pub mod tags;
pub mod tenants;
pub mod user_roles;
pub mod user_tags;
pub mod users;
