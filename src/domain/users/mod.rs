//! A tenant's users: registering them (the one pipeline every surface and the
//! CLI share), checking their custom fields, and what administrators do with
//! them afterwards.

pub mod admin;
pub mod fields;
pub mod import;
pub mod register;

pub use crate::domain::values::{User, UserStatus};
pub use admin::{Directory, UserFilter, UserUpdate};
pub use register::{Extras, Gate, NewUser, Registrar};
