//! The public sign-up surface, `POST /sign-up` (seed 004), with Rails-style errors.

mod cors;
mod errors;
pub(crate) use errors::edge_answer;
mod routes;
mod types;

pub use cors::with_cors;
use poem_openapi::OpenApiService;
pub use routes::SignupApi;

pub const NAME: &str = "signup";

pub fn service() -> OpenApiService<SignupApi, ()> {
    OpenApiService::new(
        SignupApi,
        "Portcullis public sign-up API",
        env!("CARGO_PKG_VERSION"),
    )
    .description(
        "Register users of your app with its `client_id`. Usernames are unique within \
             the client_id's namespace. Errors use the Rails convention \
             `{\"errors\": {\"field\": [\"message\"]}}`.",
    )
}
