//! Portcullis: a multi-tenant identity service.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod context;
pub mod domain;
pub mod following;
pub mod ratelimit;
pub mod startup;
pub mod store;
pub mod telemetry;
