//! Tenants (the apps, OAuth2 clients): looking them up, the policy each sets
//! for its users and the rules it implies per surface, and the catalog of
//! codes, tags and fields its administrators manage.

mod cache;
pub mod catalog;
pub mod policy;
mod rules;

pub use cache::Tenants;
pub use policy::PolicyChange;
