//! All integration tests, in one binary (link time matters).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod account;
mod admin;
mod audit;
mod body_limit;
mod cli;
mod faults;
mod following;
mod health;
mod helpers;
mod idempotency;
mod import;
mod imported_hashes;
mod layers;
mod manage;
mod migrations;
mod oauth;
mod openapi;
mod rate_limits;
mod scale_out;
mod signup;
mod sso;
mod token_management;
